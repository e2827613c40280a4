"""scikit-learn estimators that fit an implicit neural representation to a sampled signal."""

from __future__ import annotations

import contextlib
import numbers
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import Checkpoint, LRScheduler
from torch import nn

from ._runtime import cpu_heap_reuse, tf32_matmuls
from ._training import CoordinateBatches, Derivative, EpochProgressBar, INRNet, SignalScoring
from .coords import infer_grid_shape
from .losses import MSEWithSpectrumLoss
from .nn import INIT_SCHEMES, ReluMLP, Siren
from .omega import auto_omega_0

__all__ = ["SirenRegressor", "ReluMLPRegressor"]

LOSSES = {"mse": nn.MSELoss, "mse+fft": MSEWithSpectrumLoss}
#: hidden_layers="auto": the report's audio recipe, depth grows with the signal's size.
AUTO_DEPTH_BASE, AUTO_DEPTH_MAX, AUTO_DEPTH_VALUES = 3, 6, 2**17
LR_SCHEDULES = (None, "plateau")
PRECISIONS = {"float32": None, "tf32": None, "bfloat16": torch.bfloat16}

_COMMON_PARAMS_DOC = """
    hidden_features : int, default=256
        Width of every hidden layer.
    hidden_layers : int or "auto", default=3
        Hidden layers after the first layer (the network has ``hidden_layers + 1`` hidden
        activations and a linear output layer). ``"auto"`` grows the depth with the number
        of values to fit (the audio report's recipe): ``3 + floor(log2(n_samples *
        n_outputs / 2**17))``, between 3 and 6 (4 for a 7 s mono clip at 44.1 kHz, 5 for
        a 18 s stereo clip at 22 kHz, 3 for a 256x256 RGB image).
    first_layer_init, hidden_init : {"sitzmann", "xavier", "he"}
        Initialisation of the first layer, and of the hidden and output layers
        (see :func:`sirenkit.nn.init_linear_`).
    lr : float, default=1e-3
        Adam's learning rate. The reports used 1e-4; with the plateau schedule 1e-3 fits
        images faster (a 256x256 RGB image: 32.1 dB after 80 full-batch epochs, against
        22.8 dB). For audio, whose omega_0 is in the thousands, use 1e-4: Adam moves a
        first-layer weight by about ``lr`` per step, a phase step of ``omega_0 * lr``
        (1 s of music, omega_0=3000, 150 epochs: MSE 8.6e-5 at 1e-4; at 1e-3 the fit
        learns nothing).
    max_epochs : int, default=500
        Training epochs; an epoch is one pass over all coordinates.
    batch_size : int or None, default=None
        None trains on all coordinates at once (full batch, the usual INR setting); an int
        trains on shuffled mini-batches of that many coordinates (with ``loss="mse+fft"``:
        contiguous windows of that many samples, in shuffled order).
    lr_schedule : {"plateau", None}, default="plateau"
        ``"plateau"``: ``ReduceLROnPlateau`` on the training loss, as in the report.
    lr_factor : float, default=0.6
        Factor of each learning-rate reduction.
    lr_patience : int or "auto", default="auto"
        Epochs without improvement before a reduction; ``"auto"`` ties it to depth:
        ``10 * (hidden_layers + 1)`` (30 for the report's default of two hidden layers).
    weight_decay : float, default=0.0
        Adam's L2 penalty.
    loss : {"mse", "mse+fft"}, default="mse"
        Training loss, on the internally scaled targets. ``"mse+fft"`` (for audio, 1-D
        coordinates on a full grid): ``MSE + MSE(|FFT(y)| - |FFT(y_hat)|) / 50``, the FFT
        along the time axis of each channel (orthonormal, per batch window), see
        :func:`sirenkit.losses.mse_with_spectrum`. :class:`PoissonSolver` also takes
        ``"multiscale"``.
    data_range : float, default=1.0
        Peak-to-peak range of the signal: 1 for images in [0, 1], 2 for audio in [-1, 1].
        Used for the PSNR recorded in ``history_`` (and by ``omega_0="auto"``); it does not
        change training.
    coord_range : (float, float) or None, default=(-1.0, 1.0)
        Coordinates outside this interval are rejected by ``fit`` and ``predict``:
        coordinates in pixel units instead of ``grid_coords`` are the most common mistake,
        and they fit badly without any error. None disables the check.
    predict_batch_size : int, default=65536
        Coordinates per forward pass in ``predict``: memory stays bounded on any grid.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (e.g. ``EarlyStopping(monitor="train_loss")``); items may be
        ``(name, callback)`` pairs.
    checkpoint_dir : str or None, default=None
        If set, the parameters of the best epoch (lowest training loss) are saved there as
        training goes (skorch ``Checkpoint``), so a long fit that is killed loses nothing.
    warm_start : bool, default=False
        If True and already fitted, ``fit`` continues training the same network (same
        target scaling and omega_0) for ``max_epochs`` more epochs.
    device : str, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU; or any torch device string.
    compile : bool, default=False
        Compile the network with ``torch.compile`` (through skorch's ``compile``). The
        first step then takes seconds to compile (cached for later fits of the same
        shapes); later steps run faster where the backend fuses the sine layers (CPU,
        3x256, 64x64 to 256x256 images: steps 1.0-1.25x faster than without it, see
        docs/benchmarks.md). If compiling fails in the first epoch (no C++ compiler, an
        unsupported Python, a second-derivative loss), the fit warns and trains without
        it from the same initialisation.
    precision : {"float32", "tf32", "bfloat16"}, default="float32"
        Arithmetic of the training and inference passes. ``"tf32"``: float32 matmuls may
        use TF32 tensor cores on CUDA (``torch.set_float32_matmul_precision("high")``
        while fitting and predicting; no effect on the CPU). ``"bfloat16"``: the forward
        pass under ``torch.autocast`` (bfloat16 matmuls, float32 loss and output); it
        costs accuracy (a 64x64 image fitted to 43 dB against 120 dB in float32, see
        docs/benchmarks.md) and is refused for derivative or forward-model targets, which
        need float32. float16 is not offered: its range underflows the small gradients
        of second-derivative losses without loss scaling.
    reuse_cpu_memory : bool, default=True
        On Linux with glibc and the CPU device, keep freed memory in the process heap
        while fitting instead of unmapping every large activation (on 2
        cores, full-batch steps on a 256x256 image ran in half the plain PyTorch loop's
        time; the peak resident memory was 1.7-2.0x higher there: set False when memory
        is tight). The heap is trimmed back when ``fit`` returns. ``predict`` does not
        use it: there it would make memory grow with the grid.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and the mini-batch order; an int makes a CPU fit
        reproducible.
    verbose : int or bool, default=0
        ``>= 1`` (or True) shows a progress bar with one step per epoch.
"""

_COMMON_ATTRIBUTES_DOC = """
    net_ : INRNet
        The trained skorch net, a ``skorch.NeuralNetRegressor`` (``net_.module_`` is the
        PyTorch module).
    history_ : skorch.History
        Per-epoch ``train_loss``, ``train_mse`` and ``train_psnr`` (in signal units, on the
        predictions each epoch trained on) and ``event_lr``.
    n_features_in_ : int
        Coordinate dimension.
    n_outputs_ : int
        Signal channels.
    hidden_layers_ : int
        The number of hidden layers used (resolves ``hidden_layers="auto"``).
    target_center_ : ndarray of shape ``(n_outputs_,)``
    target_scale_ : float
        Training targets are ``(y - target_center_) / target_scale_``, in [-1, 1].
    device_ : str
        The device the net trained on.
"""


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def _check_positive_float(name: str, value, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)


def _check_bool(name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


def auto_hidden_layers(n_samples: int, n_outputs: int) -> int:
    """``hidden_layers="auto"``: one more hidden layer each time the values double past 2**17.

    Examples
    --------
    >>> from sirenkit.regressors import auto_hidden_layers
    >>> auto_hidden_layers(256 * 256, 3), auto_hidden_layers(308_207, 1)
    (3, 4)
    """
    doublings = np.floor(np.log2(max(1.0, n_samples * n_outputs / AUTO_DEPTH_VALUES)))
    return int(min(AUTO_DEPTH_MAX, AUTO_DEPTH_BASE + doublings))


def _time_order(loss: str, X: np.ndarray) -> np.ndarray:
    """Indices putting 1-D grid coordinates in time order (for losses along time)."""
    if X.shape[1] != 1 or infer_grid_shape(X) is None:
        raise ValueError(
            f"loss={loss!r} takes the FFT along time: X must be the 1-D coordinates of a "
            f"whole clip, grid_coords(n_samples) as audio_to_samples returns them (in any "
            f"order); got {X.shape[1]}-D coordinates that are "
            f"{'not a full grid' if X.shape[1] == 1 else 'not 1-D'}")
    return np.argsort(X[:, 0], kind="stable")


def _compile_supported() -> bool:
    """Whether torch.compile can run here; warns and returns False when it cannot."""
    if torch._dynamo.is_dynamo_supported():
        return True
    warnings.warn("compile=True: torch.compile is not supported on this platform or "
                  "Python version; training without it", RuntimeWarning, stacklevel=4)
    return False


def _resolve_device(device: str) -> str:
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'auto', 'cpu' or 'cuda', "
                        f"got {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must be 'auto' or a torch device string, got {device!r}") \
            from None
    return device


class _INRRegressor(RegressorMixin, BaseEstimator):
    """Shared fit/predict of the INR regressors; subclasses build the PyTorch module."""

    #: The values of ``loss`` and their skorch criteria.
    _LOSSES = LOSSES

    def _build_module(self, n_inputs: int, n_outputs: int) -> nn.Module:
        raise NotImplementedError

    def _resolve_network(self, X: np.ndarray, y: np.ndarray) -> None:
        """Validate architecture parameters and set data-dependent fitted attributes."""
        _check_int("hidden_features", self.hidden_features, 1)
        if self.hidden_layers == "auto":
            self.hidden_layers_ = auto_hidden_layers(len(X), self.n_outputs_)
        else:
            self.hidden_layers_ = _check_int("hidden_layers", self.hidden_layers, 0)
        _check_choice("first_layer_init", self.first_layer_init, INIT_SCHEMES)
        _check_choice("hidden_init", self.hidden_init, INIT_SCHEMES)

    # -- validation ---------------------------------------------------------------------
    def _validate_training_params(self) -> None:
        _check_positive_float("lr", self.lr)
        _check_int("max_epochs", self.max_epochs, 1)
        if self.batch_size is not None:
            _check_int("batch_size", self.batch_size, 1)
        _check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        factor = _check_positive_float("lr_factor", self.lr_factor)
        if factor >= 1:
            raise ValueError(f"lr_factor must be < 1, got {self.lr_factor!r}")
        if self.lr_patience != "auto":
            _check_int("lr_patience", self.lr_patience, 0)
        _check_positive_float("weight_decay", self.weight_decay, allow_zero=True)
        _check_choice("loss", self.loss, self._LOSSES)
        _check_positive_float("data_range", self.data_range)
        _check_int("predict_batch_size", self.predict_batch_size, 1)
        if not isinstance(self.verbose, bool):
            _check_int("verbose", self.verbose, 0)
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise TypeError(f"callbacks must be a list of skorch callbacks or None, "
                            f"got {self.callbacks!r}")
        _check_bool("compile", self.compile)
        _check_bool("reuse_cpu_memory", self.reuse_cpu_memory)
        _check_choice("precision", self.precision, PRECISIONS)

    def _check_coord_range(self, X: np.ndarray) -> None:
        if self.coord_range is None:
            return
        try:
            low, high = (float(v) for v in self.coord_range)
        except (TypeError, ValueError):
            raise ValueError(f"coord_range must be a (low, high) pair of numbers or None, "
                             f"got {self.coord_range!r}") from None
        if not low < high:
            raise ValueError(f"coord_range must have low < high, got {self.coord_range!r}")
        if X.min() < low or X.max() > high:
            raise ValueError(
                f"X (the coordinates) must lie in [{low:g}, {high:g}] (coord_range), got "
                f"values in [{X.min():g}, {X.max():g}]. Build coordinates with "
                "grid_coords(shape) or image_to_samples(image), or set coord_range=None "
                "to fit coordinates you scaled yourself.")

    def _validate_X(self, X, reset: bool) -> np.ndarray:
        X = validate_data(self, X, reset=reset, dtype=np.float32)
        self._check_coord_range(X)
        return X

    def _validate_Xy(self, X, y, reset: bool = True) -> tuple[np.ndarray, np.ndarray]:
        if y is not None:
            y_shape, x_shape = np.asarray(y).shape, np.asarray(X).shape
            if len(y_shape) not in (1, 2):
                raise ValueError(
                    f"y (the signal) must have shape (n_samples,) or (n_samples, n_outputs), "
                    f"got shape {y_shape}; turn an image into samples with "
                    "image_to_samples(image)")
            if x_shape and y_shape[0] != x_shape[0]:
                raise ValueError(f"X (coordinates) and y (signal) must have the same number "
                                 f"of samples, got {x_shape[0]} and {y_shape[0]}")
        X, y = validate_data(self, X, y, reset=reset, multi_output=True, y_numeric=True,
                             dtype=np.float32)
        self._check_coord_range(X)
        return X, np.asarray(y, dtype=np.float64)

    # -- fit ----------------------------------------------------------------------------
    def fit(self, X, y):
        """Fit the network to the signal ``y`` sampled at coordinates ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_dims)
            Coordinates in [-1, 1] (see :func:`sirenkit.grid_coords`).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Signal values (e.g. pixels, audio samples).

        Returns
        -------
        self
        """
        if self.warm_start and hasattr(self, "net_"):
            return self._continue_fit(X, y)
        self._validate_training_params()
        self.device_ = _resolve_device(self.device)
        X, y = self._validate_Xy(X, y)
        self._fit_targets(X, y)
        self._resolve_network(X, y)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        with self._runtime():
            self._build_and_train(X, y, seed)
        # Outside the training settings: it predicts, and predict sets its own.
        self._after_fit(X)
        return self

    def _build_and_train(self, X: np.ndarray, y: np.ndarray, seed: int) -> None:
        """Build ``net_`` from ``seed`` and train it, compiled if asked and if it works."""
        compile_ = self.compile and _compile_supported()
        self.net_ = self._build_net(self._seeded_module(X, seed), seed, compile_)
        try:
            self._train(X, y)
        except Exception as error:
            # Compilation happens in the first step; a later error is not the compiler's.
            if not compile_ or len(self.net_.history) > 1:
                raise
            warnings.warn(f"torch.compile failed in the first epoch ({type(error).__name__}:"
                          f" {str(error).strip().splitlines()[0]}); training without it",
                          RuntimeWarning, stacklevel=3)
            self.net_ = self._build_net(self._seeded_module(X, seed), seed, compile=False)
            self._train(X, y)

    def _seeded_module(self, X: np.ndarray, seed: int) -> nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return self._build_module(X.shape[1], self.n_outputs_)

    def _runtime(self, training: bool = True):
        """The process settings of this estimator's passes (see :mod:`sirenkit._runtime`).

        Heap reuse only while training: ``predict`` keeps each chunk's small output alive
        between chunks, which splits the freed blocks, so a heap that never unmaps grows
        with the grid (measured: 0.5, 1.8, 4.4 GiB of working memory at 256^2, 1024^2,
        2048^2), where mmap keeps it flat.
        """
        device = torch.device(self.device_).type
        stack = contextlib.ExitStack()
        reuse_heap = self.reuse_cpu_memory and device == "cpu" and training
        stack.enter_context(cpu_heap_reuse(reuse_heap))
        stack.enter_context(tf32_matmuls(self.precision == "tf32" and device == "cuda"))
        return stack

    def _train(self, X: np.ndarray, y: np.ndarray) -> None:
        """Train the built ``net_`` on the validated data."""
        self.net_.fit(*self._to_tensors(*self._training_data(X, y)))

    def _continue_fit(self, X, y):
        X, y = self._validate_Xy(X, y, reset=False)
        _check_int("max_epochs", self.max_epochs, 1)
        self.net_.max_epochs = self.max_epochs
        with self._runtime():
            self.net_.partial_fit(*self._to_tensors(*self._training_data(X, y)))
        self._after_fit(X)
        return self

    # -- hooks for what the network is trained on ----------------------------------------
    def _fit_targets(self, X: np.ndarray, y: np.ndarray) -> None:
        """Learn the map from ``y`` to training targets in [-1, 1] (sets ``n_outputs_``)."""
        self._single_output = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        low, high = y2.min(axis=0), y2.max(axis=0)
        # One scale for all channels keeps their relative weight in the loss (as in MSE in
        # signal units); per-channel centres put every channel in [-1, 1].
        half_range = float(np.max(high - low)) / 2
        self.target_center_ = (high + low) / 2
        self.target_scale_ = half_range if half_range > 0 else 1.0

    def _training_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y2 = y.reshape(len(y), -1)
        if y2.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {y2.shape[1]} outputs but the estimator was fitted with "
                             f"{self.n_outputs_} (warm_start=True)")
        if self._loss_needs_time_order():
            order = _time_order(self.loss, X)
            X, y2 = X[order], y2[order]
        return X, (y2 - self.target_center_) / self.target_scale_

    def _loss_needs_time_order(self) -> bool:
        """A loss along time (a spectrum) needs sorted samples and windowed batches."""
        return getattr(self._LOSSES[self.loss], "needs_time_order", False)

    def _criterion(self) -> type[nn.Module] | nn.Module:
        """The skorch criterion (a class, or an instance for losses with parameters)."""
        return self._LOSSES[self.loss]

    def _target_operator(self):
        """What the training targets are samples of (None: the network's output)."""
        return None

    def _scoring_callbacks(self) -> list:
        return [("signal_scoring", SignalScoring(self.target_scale_, self.data_range))]

    def _after_fit(self, X: np.ndarray) -> None:
        """Set fitted attributes that need the trained network."""

    def _to_tensors(self, X: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        device = self.net_.device
        # Writable, contiguous float32 (read-only memmaps cannot back a torch tensor).
        return tuple(torch.from_numpy(np.require(a, np.float32, ["C", "W"])).to(device)
                     for a in (X, y))

    def _lr_patience(self) -> int:
        if self.lr_patience == "auto":
            return 10 * (self.hidden_layers_ + 1)
        return self.lr_patience

    def _callbacks(self) -> list:
        callbacks = self._scoring_callbacks()
        if self.lr_schedule == "plateau":
            callbacks.append(("lr_scheduler", LRScheduler(
                policy=torch.optim.lr_scheduler.ReduceLROnPlateau, monitor="train_loss",
                factor=self.lr_factor, patience=self._lr_patience())))
        if self.checkpoint_dir is not None:
            # Parameters only: saving the optimizer and the growing history at almost
            # every improving epoch of a full-batch fit makes it several times slower.
            callbacks.append(("checkpoint", Checkpoint(
                monitor="train_loss_best", dirname=str(self.checkpoint_dir),
                f_optimizer=None, f_criterion=None, f_history=None)))
        callbacks += list(self.callbacks or [])
        if self.verbose:
            callbacks.append(("progress_bar", EpochProgressBar()))
        return callbacks

    def _build_net(self, module: nn.Module, seed: int, compile: bool = False) -> INRNet:
        target_operator = self._target_operator()
        autocast_dtype = PRECISIONS[self.precision]
        if autocast_dtype is not None and target_operator is not None:
            raise ValueError(
                f"precision={self.precision!r} is for fits of the signal itself: this "
                f"estimator trains on {type(target_operator).__name__} targets (derivatives "
                "or a forward model), which need float32; use 'float32' or 'tf32'")
        net = INRNet(
            module=module,
            target_operator=target_operator,
            autocast_dtype=autocast_dtype,
            compile=compile,
            criterion=self._criterion(),
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=-1 if self.batch_size is None else self.batch_size,
            iterator_train=CoordinateBatches,
            iterator_train__shuffle=True,
            iterator_train__windows=self._loss_needs_time_order(),
            iterator_train__seed=seed,
            iterator_valid=CoordinateBatches,
            iterator_valid__batch_size=self.predict_batch_size,
            train_split=None,
            callbacks=self._callbacks(),
            # Per-epoch timing and printing cost more than a small full-batch step.
            callbacks__epoch_timer=None,
            callbacks__print_log=None,
            callbacks__valid_loss=None,
            device=self.device_,
            verbose=0,
        )
        net.initialize()
        # For callbacks that show the signal (Snapshots): the map from network output back.
        net.target_scale_, net.target_center_ = self.target_scale_, self.target_center_
        return net

    # -- predict ------------------------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        """Evaluate the fitted signal at coordinates ``X``, ``predict_batch_size`` at a time.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_dims)
            Any coordinates in the fitted domain, e.g. a denser ``grid_coords``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs), float64
            Same convention as the ``y`` given to ``fit``.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        y = self._predict_signal(X)
        return y[:, 0] if self._single_output else y

    def _predict_signal(self, X: np.ndarray) -> np.ndarray:
        """The signal at validated ``X`` as ``(n_samples, n_outputs_)``, float64."""
        # A plain attribute of the net (skorch's set_params would re-initialise it); this
        # lets set_params(predict_batch_size=...) take effect after fit.
        self.net_.iterator_valid__batch_size = self.predict_batch_size
        with self._runtime(training=False):
            signal = self.net_.predict(np.require(X, requirements=["W"]))
        signal = signal.astype(np.float64)
        # In place: on a 4096^2 grid each temporary would be another 400 MB.
        signal *= self.target_scale_
        signal += self.target_center_
        return signal

    def predict_gradient(self, X) -> np.ndarray:
        """Gradient of the fitted signal with respect to the coordinates, exactly.

        In signal units per unit of coordinate (the ``[-1, 1]`` convention of
        :func:`sirenkit.grid_coords`). Evaluated in chunks of ``predict_batch_size // 8``
        coordinates: the derivatives take several times the memory of a forward pass. Exact
        (propagated through the layers in closed form, see
        :func:`sirenkit.operators.forward_derivatives`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_dims)

        Returns
        -------
        gradient : ndarray of shape (n_samples, n_dims) or (n_samples, n_outputs, n_dims)
            The first for a ``y`` fitted as 1-D; component ``k`` is the derivative along
            coordinate column ``k``.
        """
        gradient = self._predict_derivative(X, Derivative("gradient"))
        return gradient[:, 0, :] if self._single_output else gradient

    def predict_laplacian(self, X) -> np.ndarray:
        """Laplacian of the fitted signal with respect to the coordinates, exactly.

        Same units and chunking as :meth:`predict_gradient` (per unit of coordinate squared).
        A ReLU MLP is piecewise linear: its Laplacian is zero almost everywhere.

        Returns
        -------
        laplacian : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        laplacian = self._predict_derivative(X, Derivative("laplacian"))
        return laplacian[:, 0] if self._single_output else laplacian

    def _predict_derivative(self, X, operator) -> np.ndarray:
        """``operator`` of the fitted signal at ``X``, ``(n_samples, n_outputs_, ...)``."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        self.net_.iterator_valid__batch_size = max(1, self.predict_batch_size // 8)
        with self._runtime(training=False):
            derivative = self.net_.predict_derivative(np.require(X, requirements=["W"]),
                                                      operator)
        # The network fits (y - center) / scale: derivatives scale back by scale alone.
        return derivative.astype(np.float64) * self.target_scale_

    @property
    def history_(self):
        check_is_fitted(self, "net_")
        return self.net_.history

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if "net_" in state:
            # skorch maps a CUDA net onto the CPU when unpickled on a machine without CUDA.
            self.device_ = str(self.net_.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # float32 training cannot meet check_estimator's 1e-7 invariance tolerances.
        tags.non_deterministic = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def _docstring(template: str) -> str:
    return (template.replace("%(common_params)s", _COMMON_PARAMS_DOC.strip("\n"))
            .replace("%(common_attributes)s", _COMMON_ATTRIBUTES_DOC.strip("\n")))


class SirenRegressor(_INRRegressor):
    def __init__(self, hidden_features: int = 256, hidden_layers: int = 3,
                 omega_0: float | str = 30.0, hidden_omega_0: float = 30.0,
                 sample_rate: float | None = None,
                 first_layer_init: str = "sitzmann", hidden_init: str = "sitzmann",
                 lr: float = 1e-3, max_epochs: int = 500, batch_size: int | None = None,
                 lr_schedule: str | None = "plateau", lr_factor: float = 0.6,
                 lr_patience: int | str = "auto", weight_decay: float = 0.0,
                 loss: str = "mse", data_range: float = 1.0,
                 coord_range: tuple[float, float] | None = (-1.0, 1.0),
                 predict_batch_size: int = 65536, callbacks: list | None = None,
                 checkpoint_dir: str | None = None, warm_start: bool = False,
                 device: str = "auto", compile: bool = False,
                 precision: str = "float32", reuse_cpu_memory: bool = True,
                 random_state=None, verbose: int = 0) -> None:
        self.hidden_features = hidden_features
        self.hidden_layers = hidden_layers
        self.omega_0 = omega_0
        self.hidden_omega_0 = hidden_omega_0
        self.sample_rate = sample_rate
        self.first_layer_init = first_layer_init
        self.hidden_init = hidden_init
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr_schedule = lr_schedule
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.weight_decay = weight_decay
        self.loss = loss
        self.data_range = data_range
        self.coord_range = coord_range
        self.predict_batch_size = predict_batch_size
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.warm_start = warm_start
        self.device = device
        self.compile = compile
        self.precision = precision
        self.reuse_cpu_memory = reuse_cpu_memory
        self.random_state = random_state
        self.verbose = verbose

    def _resolve_network(self, X: np.ndarray, y: np.ndarray) -> None:
        super()._resolve_network(X, y)
        _check_positive_float("hidden_omega_0", self.hidden_omega_0)
        self.omega_0_ = self._resolve_omega_0(X, y)

    def _resolve_omega_0(self, X: np.ndarray, y: np.ndarray) -> float:
        if self.omega_0 == "auto":
            return auto_omega_0(X, y, self.data_range)
        if self.omega_0 == "sample_rate":
            if self.sample_rate is None:
                raise ValueError("omega_0='sample_rate' needs sample_rate (in Hz), e.g. the "
                                 "rate load_audio returns")
            return _check_positive_float("sample_rate", self.sample_rate)
        if isinstance(self.omega_0, str):
            raise ValueError(f"omega_0 must be a number, 'auto' or 'sample_rate', "
                             f"got {self.omega_0!r}")
        return _check_positive_float("omega_0", self.omega_0)

    def _build_module(self, n_inputs: int, n_outputs: int) -> nn.Module:
        return Siren(n_inputs, n_outputs, self.hidden_features, self.hidden_layers_,
                     self.omega_0_, self.hidden_omega_0, self.first_layer_init,
                     self.hidden_init)


SirenRegressor.__doc__ = _docstring("""SIREN fitted to a signal: an MLP with sine activations.

    Parameters
    ----------
    %(common_params)s
    omega_0 : float, "auto" or "sample_rate", default=30.0
        Frequency factor of the first layer, in radians per unit of the ``[-1, 1]``
        coordinates. ``"auto"`` applies the omega_0* rule of
        :func:`sirenkit.omega.auto_omega_0` (needs the full grid of samples).
        ``"sample_rate"`` is the audio report's rule: ``omega_0 = sample_rate`` (the number
        in Hz). On a clip of ``T`` seconds mapped to ``[-1, 1]``, a first-layer frequency
        ``omega`` is ``omega / (pi T)`` Hz, so this sets the first layer's band to
        ``sample_rate / (pi T)`` Hz (2 kHz for 7 s at 44.1 kHz); deeper layers reach higher.
    hidden_omega_0 : float, default=30.0
        Frequency factor of the other sine layers.
    sample_rate : float or None, default=None
        Sample rate of an audio signal in Hz, for ``omega_0="sample_rate"``.

    Attributes
    ----------
    %(common_attributes)s
    omega_0_ : float
        The first-layer omega_0 used.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import SirenRegressor, grid_coords
    >>> from sirenkit.metrics import psnr
    >>> coords = grid_coords((32, 32))
    >>> pixels = 0.5 + 0.5 * np.sin(6 * coords[:, 0]) * np.cos(4 * coords[:, 1])
    >>> est = SirenRegressor(hidden_features=64, hidden_layers=2, max_epochs=200,
    ...                      random_state=0).fit(coords, pixels)
    >>> psnr(pixels, est.predict(coords)) > 35
    True
    >>> est.predict(grid_coords((128, 128))).shape     # any resolution
    (16384,)
    """)


class ReluMLPRegressor(_INRRegressor):
    def __init__(self, hidden_features: int = 256, hidden_layers: int = 3,
                 first_layer_init: str = "he", hidden_init: str = "he",
                 lr: float = 1e-3, max_epochs: int = 500, batch_size: int | None = None,
                 lr_schedule: str | None = "plateau", lr_factor: float = 0.6,
                 lr_patience: int | str = "auto", weight_decay: float = 0.0,
                 loss: str = "mse", data_range: float = 1.0,
                 coord_range: tuple[float, float] | None = (-1.0, 1.0),
                 predict_batch_size: int = 65536, callbacks: list | None = None,
                 checkpoint_dir: str | None = None, warm_start: bool = False,
                 device: str = "auto", compile: bool = False,
                 precision: str = "float32", reuse_cpu_memory: bool = True,
                 random_state=None, verbose: int = 0) -> None:
        self.hidden_features = hidden_features
        self.hidden_layers = hidden_layers
        self.first_layer_init = first_layer_init
        self.hidden_init = hidden_init
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr_schedule = lr_schedule
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.weight_decay = weight_decay
        self.loss = loss
        self.data_range = data_range
        self.coord_range = coord_range
        self.predict_batch_size = predict_batch_size
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.warm_start = warm_start
        self.device = device
        self.compile = compile
        self.precision = precision
        self.reuse_cpu_memory = reuse_cpu_memory
        self.random_state = random_state
        self.verbose = verbose

    def _build_module(self, n_inputs: int, n_outputs: int) -> nn.Module:
        return ReluMLP(n_inputs, n_outputs, self.hidden_features, self.hidden_layers_,
                       self.first_layer_init, self.hidden_init)


ReluMLPRegressor.__doc__ = _docstring("""The baseline: an MLP with ReLU activations.

    The same network as :class:`SirenRegressor` with ``ReLU(W x + b)`` layers and He
    initialisation. Its output is piecewise linear: it fits images with blur and its
    Laplacian is zero almost everywhere.

    Parameters
    ----------
    %(common_params)s

    Attributes
    ----------
    %(common_attributes)s

    Examples
    --------
    >>> from sirenkit import ReluMLPRegressor, grid_coords
    >>> coords = grid_coords((16, 16))
    >>> est = ReluMLPRegressor(hidden_features=32, max_epochs=5).fit(coords, coords[:, 0])
    >>> est.predict(coords).shape
    (256,)
    """)
