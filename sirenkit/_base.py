"""The estimator core: the shared parameters, declared once, and the one way to fit.

``BaseINR.fit`` runs the same steps for every estimator:

1. validate the parameters (``_parameter_constraints``) and the data (``validate_data``,
   the coordinate range);
2. ``model = self._model(X, y)``: the network to build and the map from its output back to
   the signal (:class:`sirenkit._plan.Model`); a warm start keeps the fitted one instead,
   after checking that the parameters it was built from did not change;
3. ``plan = self._plan(X, y, model)``: what the network trains on
   (:class:`sirenkit._plan.TrainingPlan`);
4. order the plan's samples (time order for a loss along time, row-major for whole-grid
   losses), build the skorch net (a fresh one, or around the fitted network for a warm
   start: every training parameter applies again) and train the stages;
5. calibrate what the plan asks for (a Poisson reconstruction's mean, a super-resolution's
   back-projection).

Subclasses implement ``_model`` and, when they train on something other than the signal,
``_plan``; they add their own parameters in a keyword-only ``__init__`` ending in
``**params`` (passed on to ``super().__init__``), and their signature then shows every
parameter (see :meth:`BaseINR.__init_subclass__`).
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import Callback
from torch import nn

from ._caller import warn_at_caller
from ._engine import TrainingSettings
from ._plan import Model, Stage, TrainingPlan
from ._runtime import cpu_heap_reuse, deterministic_cudnn, float32_precision
from ._training import PRECISION_DTYPES, Derivative, LearningWarning, train
from ._units import warn_units
from .coords import grid_order
from .losses import MSEWithSpectrumLoss
from .nn import HASH_PRIMES, INIT_SCHEMES, NetworkSpec

__all__ = [
    "BaseINR",
    "CoordinateRangeWarning",
    "LearningWarning",
    "auto_hidden_layers",
    "auto_lr",
    "LOSSES",
]

LOSSES = {"mse": nn.MSELoss, "mse+fft": MSEWithSpectrumLoss}
#: hidden_layers="auto": the report's audio recipe, depth grows with the signal's size.
AUTO_DEPTH_BASE, AUTO_DEPTH_MAX, AUTO_DEPTH_VALUES = 3, 6, 2**17
PRECISIONS = tuple(PRECISION_DTYPES)
#: lr="auto": 1e-3 for first-layer frequencies up to 1000 (images), then a phase step
#: ``omega_0 * lr`` of one radian, down to the audio report's 1e-4; times
#: sqrt(batch / AUTO_LR_BATCH) for mini-batches smaller than that (see auto_lr).
AUTO_LR_MAX, AUTO_LR_MIN, AUTO_LR_PHASE_STEP = 1e-3, 1e-4, 1.0
AUTO_LR_BATCH = 16384
#: The defaults that depend on the device a fit runs on, by device type: the mini-batch
#: size of batch_size="auto" for fits of the signal itself, and precision="auto".
#: CPU: measured on 2 cores (docs/benchmarks.md). CUDA: the CPU's choices until
#: benchmarks/device_defaults.py has been run on a GPU (none was lent when the lean step
#: landed): it measures the seconds to 30 and 40 dB of each candidate on held-out photographs.
#: ``grid_batch_size``: the same for a hash-grid network (CPU: a 256x256 photograph
#: reached 40 dB in 2.2 s at 4096 against 4.4 s at 8192 and 5.3 s at 16384).
DEVICE_DEFAULTS = {
    "cpu": {"batch_size": 8192, "grid_batch_size": 4096, "precision": "float32"},
    "cuda": {"batch_size": 8192, "grid_batch_size": 4096, "precision": "float32"},
}


#: The hash-grid encoding's estimator parameters (``encoding`` first) and the defaults of
#: the others.
GRID_PARAMETERS = (
    "encoding",
    "grid_levels",
    "grid_features",
    "grid_table_size",
    "grid_resolution",
)
GRID_DEFAULTS = {
    "grid_levels": 12,
    "grid_features": 8,
    "grid_table_size": 2**18,
    "grid_resolution": "auto",
}
#: The coarsest grid's cells per axis (instant-ngp's 16).
GRID_COARSEST = 16
#: lr="auto" for a hash-grid network: instant-ngp's 1e-2 (on the tuning photograph, 5e-3
#: to 2e-2 reached 40 dB within 10% of each other's time).
GRID_LR = 1e-2


@dataclass
class FitSetup:
    """A fit set up, before it trains (see :meth:`BaseINR._setup_fit`)."""

    X: np.ndarray
    plan: TrainingPlan
    module: nn.Module
    history: object  # a warm start's skorch History, continued; else None
    settings: TrainingSettings


#: Parameter constraints shared by the estimators' ``_parameter_constraints``.
POSITIVE = Interval(Real, 0, None, closed="neither")
NONNEGATIVE = Interval(Real, 0, None, closed="left")


class CoordinateRangeWarning(UserWarning):
    """Coordinates outside an estimator's ``coord_range`` (usually pixel units)."""


PARAMS_DOC = """
    hidden_features : int, default=256
        Width of every hidden layer.
    hidden_layers : int or "auto", default=3
        Hidden layers after the first layer (the network has ``hidden_layers + 1`` hidden
        activations and a linear output layer). ``"auto"`` grows the depth with the number
        of values to fit (the audio report's recipe): ``3 + floor(log2(n_samples *
        n_outputs / 2**17))``, between 3 and 6 (4 for a 7 s mono clip at 44.1 kHz, 5 for
        a 18 s stereo clip at 22 kHz, 3 for a 256x256 RGB image).
    first_layer_init, hidden_init : {"auto", "sitzmann", "xavier", "he"}, default="auto"
        Initialisation of the first layer, and of the hidden and output layers (see
        :func:`sirenkit.nn.init_linear_`). ``"auto"``: the network's own, ``"sitzmann"``
        for sine layers and ``"he"`` for ReLU layers.
    weight_scale : float, default=1.0
        Weight scaling (Yeom et al., "Fast training of sinusoidal neural fields via
        scaling initialization", ICLR 2025): the initial weights of every layer but the
        output layer (and but a fixed or hash-grid encoding) are multiplied by this
        factor, which that paper reports trains sine networks up to 10x faster than
        Sitzmann's initialisation at omega_0 = 30. On 256x256 photographs with
        :class:`SirenRegressor`'s defaults (docs/benchmarks.md, "Time to quality"), 1.5
        reached 40 dB 14-20% sooner and 3.6-4.5 dB higher after 60 s, but fitted at
        128x128 it rendered 1.9-2.3 dB worse between the pixels (it fits the samples'
        noise sooner); 2.5 did not reach 30 dB in 100 epochs. The default stays 1 (none):
        raise it for fits judged at their samples only.
    encoding : {"hashgrid"} or None, default=None
        ``"hashgrid"``: the network reads a trained multiresolution hash-grid encoding of
        the coordinates (:class:`sirenkit.nn.HashGridEncoding`, instant-ngp's with
        smoothstep interpolation, so that gradients and Laplacians stay exact and
        nonzero) instead of the coordinates; ``lr="auto"`` is then 1e-2 and
        ``batch_size="auto"`` 4096. With ``activation="relu"`` and a 2x64 network
        (``hidden_features=64, hidden_layers=1``) it fits images in a tenth of the time:
        on 2 CPU cores, held-out 256x256 photographs reached 40 dB in 3.5-3.8 s against
        39.5-45.5 s for :class:`SirenRegressor`'s defaults, and 62-63 dB after 100
        epochs (docs/benchmarks.md, "Time to quality"), for a network of more parameters
        (one per grid vertex and feature). A sine network after it needs ``omega_0=1,
        hidden_omega_0=1`` (the grid brings the frequencies: at 30 it did not reach 30
        dB). Not the default: fitted at 128x128 and rendered at 256x256 it was -0.4 to
        +0.5 dB from the SIREN's, and its second derivatives jump across the cells'
        faces, which the Laplacian of an image fit shows (see the user guide).
        :func:`sirenkit.fit_many` and :class:`sirenkit.StackedGridSearchCV` fit it one
        network at a time. None: the coordinates themselves.
    grid_levels : int or None, default=None
        Grids of the encoding, from 16 to ``grid_resolution`` cells per axis in a
        geometric series (None: 12).
    grid_features : int or None, default=None
        Trained values per grid vertex and level (None: 8); the network's first layer
        reads ``grid_levels * grid_features`` of them.
    grid_table_size : int or None, default=None
        Rows of a level's table, a power of two (None: 2**18). A level with more vertices
        hashes them into this many (in 3-D, the fine levels); an image's levels up to
        511x511 cells are stored whole. Parameters: ``sum over levels of min(vertices,
        grid_table_size) * grid_features`` (1.3 M for a 256x256 image at the defaults;
        Adam keeps two more of each).
    grid_resolution : int, "auto" or None, default=None
        Cells per axis of the finest grid. None or ``"auto"``: one cell per sample spacing
        (the most samples along an axis, e.g. 256 for a 256x256 image; at most twice the
        side of a cube of ``n_samples`` for scattered points); finer grids fit the samples
        closer and render worse between them.
        These four must stay None without ``encoding``.
    lr : float or "auto", default="auto"
        Adam's learning rate. ``"auto"`` (:func:`auto_lr`) follows the first layer's
        frequency: Adam moves a first-layer weight by about ``lr`` per step, a phase step
        of ``omega_0 * lr`` radians at the edge of the domain. 1e-3 up to ``omega_0 =
        1000`` (images, ReLU networks), then ``1 / omega_0`` down to 1e-4 (audio, whose
        omega_0 is in the thousands); for mini-batches of fewer than 16384 coordinates,
        times ``sqrt(batch_size / 16384)``. Measured on 0.5 s of speech at 16 kHz (3x128,
        ``loss="mse+fft"``, 300 epochs): omega_0 = 3000 learns nothing at 1e-3 and fits
        best at 3e-4; omega_0 = 16000 learns nothing at 3e-4 and fits at 1e-4 (MSE 1e-5).
        Read the value used from ``lr_``. A fit whose training MSE is still above 90% of
        the signal's variance after 50 epochs warns (:class:`sirenkit.LearningWarning`).
    max_epochs : int, default=100
        Training epochs; an epoch is one pass over all coordinates. With the defaults
        (mini-batches and the cosine schedule over ``max_epochs``, and SirenRegressor's
        omega_0 of 60) a 256x256 RGB photograph reaches 40 dB in 44-56 epochs and 43-46 dB
        in 100 (docs/benchmarks.md); more epochs fit closer. :class:`PoissonSolver` (500)
        and :class:`SirenSuperResolver` (300) have their own.
    batch_size : int, "auto" or None, default="auto"
        None trains on all coordinates at once (full batch); an int trains on shuffled
        mini-batches of that many coordinates (with ``loss="mse+fft"``: contiguous windows
        of that many samples, in shuffled order). ``"auto"``: mini-batches of the device's
        size (8192 coordinates on the CPU, and on CUDA until measured there; see
        ``DEVICE_DEFAULTS``) when there are more than that, for fits of the signal itself in two or
        more dimensions (images, volumes); full batch for 1-D signals (audio fitted worse
        on mini-batches) and for plans that work on the whole grid or on derivatives (a
        forward model, grid losses, numerical operators, which need None). Read the value
        used from ``batch_size_``. Measured on a 256x256 photograph with the cosine
        schedule over 100 epochs (docs/benchmarks.md): full batch 31.0 dB after 100 epochs;
        16384 at lr 1e-3 39.4 dB; 8192 at 7e-4 30 dB after 35 epochs and 40 dB after 70.
    sampling : {"error"} or None, default=None
        How mini-batches are drawn. None: every sample once an epoch, in a shuffled order.
        ``"error"``: error-guided sampling (:class:`sirenkit._engine.ErrorGuidedOrder`):
        each epoch draws as many samples, with replacement, half by the squared error
        each had when last trained on and half uniformly, and weights each sample's loss
        by ``1 / (n p)`` so that the loss stays an unbiased estimate of the MSE over all
        samples (as do the recorded ``train_mse`` and ``train_psnr``). It needs
        mini-batches and the MSE loss of fixed targets (a ``ValueError`` says what is
        missing). On 256x256 photographs it changed a SIREN's seconds to 40 dB by -13% to
        +2% and its PSNR after 60 s by -0.5 to +0.2 dB, a hash grid's seconds to 40 dB by
        -18% to +17% (docs/benchmarks.md, "Time to quality"): not the default.
    lr_schedule : {"auto", "cosine", "plateau", None}, default="auto"
        ``"auto"``: ``"cosine"`` with mini-batches, ``"plateau"`` with the full batch (as
        measured best for each; read the schedule used from ``lr_schedule_``). ``"cosine"``:
        cosine annealing of the learning rate from ``lr`` to 0 over ``max_epochs`` (each
        stage of a multi-stage fit restarts it). ``"plateau"``:
        ``ReduceLROnPlateau`` on the training loss (``lr_factor``, ``lr_patience``), as
        in the reports. None: constant.
    lr_factor : float, default=0.6
        Factor of each learning-rate reduction, in (0, 1).
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
        change training. Targets far outside ``[0, data_range]`` (``[-data_range/2,
        data_range/2]`` for signed ones), such as 0-255 pixels with ``data_range=1``, warn
        (:class:`sirenkit.UnitsWarning`) with the value to set.
    coord_range : (float, float) or None, default=(-1.0, 1.0)
        The interval the coordinates are expected in: ``fit`` and ``predict`` warn
        (:class:`sirenkit.CoordinateRangeWarning`) on coordinates outside it, since
        coordinates in pixel units instead of ``grid_coords`` are the most common mistake
        and fit badly without any error. None disables the check.
    strict_coords : bool, default=False
        Raise a ``ValueError`` instead of warning on coordinates outside ``coord_range``.
    predict_batch_size : int, default=65536
        Coordinates per forward pass in ``predict``: memory stays bounded on any grid.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (e.g. ``EarlyStopping(monitor="train_loss")``); items may be
        ``(name, callback)`` pairs.
    checkpoint_dir : str or None, default=None
        If set, the parameters of the best epoch (lowest training loss) are saved there as
        training goes (skorch ``Checkpoint``), so a long fit that is killed loses nothing.
    warm_start : bool, default=False
        If True and already fitted, ``fit`` continues from the fitted network (its weights,
        target scaling, omega_0 and history) and applies every training parameter anew:
        a fresh Adam optimiser at ``lr`` with ``weight_decay``, a fresh learning-rate
        schedule, ``max_epochs`` more epochs, the loss, callbacks, checkpointing and
        verbosity (to continue at the rate a schedule reached, set ``lr`` to
        ``history_[-1, "event_lr"]``). The parameters that define the network cannot
        change then: a ``ValueError`` names the one that did.
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
    precision : {"auto", "float32", "tf32", "bfloat16"}, default="auto"
        Arithmetic of the training and inference passes. ``"auto"``: the device's
        default (``"float32"`` on the CPU and, until measured on a GPU, on CUDA; read the
        value used from ``precision_``). ``"float32"``: full float32, on CUDA for matmuls
        and cuDNN convolutions alike (torch's default lets convolutions use TF32).
        ``"tf32"``: float32 matmuls and convolutions may use TF32 tensor cores on CUDA
        (``torch.set_float32_matmul_precision("high")`` and ``cudnn.allow_tf32`` while
        fitting and predicting; no effect on the CPU). ``"bfloat16"``: the forward pass
        under ``torch.autocast`` (bfloat16 matmuls, float32 loss and output); it costs
        accuracy (a 64x64 image fitted to 43 dB against 120 dB in float32, see
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
        Seeds the initialisation and the mini-batch order; an int makes a fit
        reproducible on the CPU, and on the same GPU with the same torch and driver (on
        CUDA the fit then also asks cuDNN for deterministic algorithms; another GPU model
        or library version may pick other kernels, which round differently).
    verbose : int or bool, default=0
        ``>= 1`` (or True) shows a progress bar with one step per epoch, and says on
        stderr when a CUDA fit cannot capture its steps in a CUDA graph.
"""

ATTRIBUTES_DOC = """
    net_ : INRNet
        The trained skorch net, a ``skorch.NeuralNetRegressor`` (``net_.module_`` is the
        PyTorch module, a :class:`sirenkit.nn.MLP`).
    network_ : sirenkit.nn.NetworkSpec
        The network as built: layer type, sizes and their resolved parameters.
    signal_map_ : SignalMap
        How the network's output maps back to the signal (scale, centre, and any offset).
    history_ : skorch.History
        Per-epoch ``train_loss``, ``train_mse`` and ``train_psnr`` (in signal units, on the
        predictions each epoch trained on), ``event_lr`` (the epoch's learning rate) and
        ``train_batch_count``; one row of ``batches`` per epoch (the epoch's steps run on
        the device without returning to Python in between).
    lr_ : float
        The learning rate used (resolves ``lr="auto"``).
    batch_size_ : int or None
        The mini-batch size used, None for full batch (resolves ``batch_size="auto"``).
    lr_schedule_ : str or None
        The learning-rate schedule used (resolves ``lr_schedule="auto"``).
    precision_ : str
        The arithmetic used (resolves ``precision="auto"``).
    n_features_in_ : int
        Coordinate dimension.
    n_outputs_ : int
        Signal channels.
    hidden_layers_ : int
        The number of hidden layers used (resolves ``hidden_layers="auto"``).
    target_center_ : ndarray of shape ``(n_outputs_,)``
    target_scale_ : float
        The network fits ``(y - target_center_) / target_scale_``, in [-1, 1].
    device_ : str
        The device the net trained on.
"""


def docstring(template: str, own: tuple[str, ...] = ()) -> str:
    """An estimator docstring with the shared parameter and attribute sections filled in.

    ``own``: shared parameters the class documents itself (those whose defaults it
    changes), left out of the shared section.
    """
    entries = re.split(r"\n(?=    \w[\w, ]* : )", PARAMS_DOC.strip("\n"))
    kept = [entry for entry in entries if entry.split(" : ")[0].strip() not in own]
    return template.replace("%(common_params)s", "\n".join(kept).strip()).replace(
        "%(common_attributes)s", ATTRIBUTES_DOC.strip()
    )


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


def auto_grid_resolution(X: np.ndarray) -> int:
    """``grid_resolution="auto"``: the finest grid has a cell per sample spacing.

    The most distinct values along one axis (the side of a sampled grid), at most twice
    the side of a cube of ``len(X)`` samples (scattered points have as many distinct
    values as points), and at least 16.

    Examples
    --------
    >>> from sirenkit import grid_coords
    >>> from sirenkit._base import auto_grid_resolution
    >>> auto_grid_resolution(grid_coords((128, 96)))
    128
    """
    side = max(len(np.unique(X[:, axis])) for axis in range(X.shape[1]))
    cube = int(np.ceil(len(X) ** (1 / X.shape[1])))
    return int(max(GRID_COARSEST, min(side, 2 * cube)))


def auto_lr(omega_0: float | None, batch_size: int | None = None) -> float:
    """``lr="auto"``: Adam's learning rate for a first layer of frequency ``omega_0``.

    ``min(1e-3, 1 / omega_0)``, a phase step ``omega_0 * lr`` of at most one radian (None,
    a network without a frequency such as ReLU: 1e-3); times ``sqrt(batch_size / 16384)``
    for mini-batches of fewer than 16384 coordinates, the square-root rule for Adam, whose
    mini-batch gradients are noisier (on a 256x256 photograph 8192 at 7e-4 and 4096 at
    5e-4 reached 40 dB in 70 and 65 epochs; 4096 at 1e-3 reached 30 dB 10 epochs later); at
    least 1e-4, the audio report's rate, which fits omega_0 up to 44,100.

    Examples
    --------
    >>> from sirenkit._base import auto_lr
    >>> auto_lr(30.0), auto_lr(3000.0), auto_lr(16000.0), auto_lr(None)
    (0.001, 0.0003333333333333333, 0.0001, 0.001)
    >>> round(auto_lr(30.0, batch_size=8192), 6)
    0.000707
    """
    lr = AUTO_LR_MAX if omega_0 is None else min(AUTO_LR_MAX, AUTO_LR_PHASE_STEP / omega_0)
    if batch_size is not None and batch_size < AUTO_LR_BATCH:
        lr *= float(np.sqrt(batch_size / AUTO_LR_BATCH))
    return max(AUTO_LR_MIN, float(lr))


def resolve_device(device: str) -> str:
    """``device`` as a torch device string that works here ("auto": CUDA if available)."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise ValueError(
            f"device must be 'auto' or a torch device string, got {device!r}"
        ) from None
    if kind != "cpu":
        try:  # torch says whether it can allocate there, not whether the string parses
            torch.empty(0, device=device)
        except (RuntimeError, AssertionError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else kind
            raise ValueError(
                f"device={device!r} is not available on this machine ({reason}); use "
                "device='auto' (CUDA when available, else the CPU) or device='cpu'"
            ) from None
    return device


def _check_callbacks(callbacks) -> None:
    for index, item in enumerate(callbacks or ()):
        callback = (
            item[1]
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
            else item
        )
        if not isinstance(callback, Callback):
            raise TypeError(
                f"callbacks must hold skorch callbacks (or (name, callback) "
                f"pairs); item {index} is {item!r}"
            )


def _check_coord_range(coord_range) -> tuple[float, float] | None:
    if coord_range is None:
        return None
    try:
        low, high = (float(v) for v in coord_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"coord_range must be a (low, high) pair of numbers or None, got {coord_range!r}"
        ) from None
    if not low < high:
        raise ValueError(f"coord_range must have low < high, got {coord_range!r}")
    return low, high


def _own_parameters(init) -> list[inspect.Parameter]:
    """The parameters written in ``init`` itself (before any merged signature)."""
    own = init.__dict__.get("_own_parameters")
    return own if own is not None else list(inspect.signature(init).parameters.values())


def _passes_params_on(parameters: list[inspect.Parameter]) -> bool:
    return bool(parameters) and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD


class BaseINR(RegressorMixin, BaseEstimator):
    """Shared parameters, fit and predict of the sirenkit estimators (see the module)."""

    #: The values of ``loss`` and their skorch criteria.
    _LOSSES = LOSSES
    _parameter_constraints: dict = {
        "hidden_features": [Interval(Integral, 1, None, closed="left")],
        "hidden_layers": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "first_layer_init": [StrOptions({"auto", *INIT_SCHEMES})],
        "hidden_init": [StrOptions({"auto", *INIT_SCHEMES})],
        "weight_scale": [Interval(Real, 0, None, closed="neither")],
        "encoding": [StrOptions({"hashgrid"}), None],
        "grid_levels": [Interval(Integral, 1, None, closed="left"), None],
        "grid_features": [Interval(Integral, 1, None, closed="left"), None],
        "grid_table_size": [Interval(Integral, 2, None, closed="left"), None],
        "grid_resolution": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "sampling": [StrOptions({"error"}), None],
        "lr_schedule": [StrOptions({"auto", "cosine", "plateau"}), None],
        "lr_factor": [Interval(Real, 0, 1, closed="neither")],
        "lr_patience": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "data_range": [Interval(Real, 0, None, closed="neither")],
        "coord_range": [tuple, list, None],
        "strict_coords": ["boolean"],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, tuple, None],
        "checkpoint_dir": [str, os.PathLike, None],
        "warm_start": ["boolean"],
        "device": [str],
        "compile": ["boolean"],
        "precision": [StrOptions({"auto", *PRECISIONS})],
        "reuse_cpu_memory": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }
    #: The parameters that define the network and its output map: a warm start keeps
    #: those and refuses a change of them.
    _model_parameters: tuple[str, ...] = (
        "hidden_features",
        "hidden_layers",
        "first_layer_init",
        "hidden_init",
        "weight_scale",
        *GRID_PARAMETERS,
    )
    #: Whether ``y`` holds the signal itself, in the units ``data_range`` names (checked
    #: by :func:`sirenkit._units.warn_units`); False for targets such as derivatives.
    _targets_are_signal = True
    #: What ``predict`` and ``score`` read, validated there too (they may change after fit).
    _predict_parameters = ("coord_range", "strict_coords", "predict_batch_size")
    #: ``fit`` trains a registered activation's network on the scaled signal itself
    #: (BaseINR's ``fit`` and ``_plan``): what :mod:`sirenkit.stacked` reproduces when it
    #: trains many fits as one. An estimator that trains on something else (derivatives,
    #: a forward model, normals) leaves it False.
    fits_signal_itself: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs) -> None:
        """Complete what a subclass declares of its own parameters with its parents'.

        * ``_parameter_constraints`` and ``_model_parameters``: a class lists only its own
          entries (or overrides a parent's, e.g. the values of ``loss``); the class gets
          those of its whole MRO, mixins included.
        * ``__init__(self, *, own..., **params)`` gets the full signature: its own
          keyword-only parameters, then those of each ``__init__`` up the MRO that it
          passes ``**params`` on to. scikit-learn's ``get_params`` and ``clone``, ``help()``
          and the docs read it, while each parameter is written in one ``__init__`` only.
        """
        super().__init_subclass__(**kwargs)
        constraints, model_parameters = {}, []
        for klass in reversed(cls.__mro__):
            constraints.update(klass.__dict__.get("_parameter_constraints", {}))
            model_parameters += [
                name
                for name in klass.__dict__.get("_model_parameters", ())
                if name not in model_parameters
            ]
        cls._parameter_constraints = constraints
        cls._model_parameters = tuple(model_parameters)
        init = cls.__dict__.get("__init__")
        if init is None or not _passes_params_on(_own_parameters(init)):
            return
        merged, seen = [], set()
        for klass in cls.__mro__:
            own_init = klass.__dict__.get("__init__")
            if own_init is None:
                continue
            own = _own_parameters(own_init)
            merged += [
                p for p in own if p.kind is not inspect.Parameter.VAR_KEYWORD and p.name not in seen
            ]
            seen.update(p.name for p in own)
            if not _passes_params_on(own):
                break
        init._own_parameters = _own_parameters(init)
        init.__signature__ = inspect.Signature(merged)

    def __init__(
        self,
        *,
        hidden_features: int = 256,
        hidden_layers: int | str = 3,
        first_layer_init: str = "auto",
        hidden_init: str = "auto",
        weight_scale: float = 1.0,
        encoding: str | None = None,
        grid_levels: int | None = None,
        grid_features: int | None = None,
        grid_table_size: int | None = None,
        grid_resolution: int | str | None = None,
        lr: float | str = "auto",
        max_epochs: int = 100,
        batch_size: int | str | None = "auto",
        sampling: str | None = None,
        lr_schedule: str | None = "auto",
        lr_factor: float = 0.6,
        lr_patience: int | str = "auto",
        weight_decay: float = 0.0,
        loss: str = "mse",
        data_range: float = 1.0,
        coord_range: tuple[float, float] | None = (-1.0, 1.0),
        strict_coords: bool = False,
        predict_batch_size: int = 65536,
        callbacks: list | None = None,
        checkpoint_dir: str | None = None,
        warm_start: bool = False,
        device: str = "auto",
        compile: bool = False,
        precision: str = "auto",
        reuse_cpu_memory: bool = True,
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.hidden_features = hidden_features
        self.hidden_layers = hidden_layers
        self.first_layer_init = first_layer_init
        self.hidden_init = hidden_init
        self.weight_scale = weight_scale
        self.encoding = encoding
        self.grid_levels = grid_levels
        self.grid_features = grid_features
        self.grid_table_size = grid_table_size
        self.grid_resolution = grid_resolution
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.sampling = sampling
        self.lr_schedule = lr_schedule
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.weight_decay = weight_decay
        self.loss = loss
        self.data_range = data_range
        self.coord_range = coord_range
        self.strict_coords = strict_coords
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

    # -- what a subclass describes -------------------------------------------------------
    def _model(self, X: np.ndarray, y: np.ndarray) -> Model:
        """The network to build and the map from its output to the signal (step 2)."""
        raise NotImplementedError

    def _plan(self, X: np.ndarray, y: np.ndarray, model: Model) -> TrainingPlan:
        """What the network trains on (step 3); by default the scaled signal itself."""
        return TrainingPlan(
            stages=[Stage(X, model.signal.targets(y))], criterion=self._LOSSES[self.loss]
        )

    def _network(
        self,
        X: np.ndarray,
        n_outputs: int,
        layer: str,
        *,
        first_params: dict | None = None,
        hidden_params: dict | None = None,
        zero_output: bool = False,
    ) -> NetworkSpec:
        """The :class:`NetworkSpec` of the shared architecture parameters, for ``_model``."""
        hidden_layers = (
            auto_hidden_layers(len(X), n_outputs)
            if self.hidden_layers == "auto"
            else self.hidden_layers
        )
        return NetworkSpec(
            layer,
            X.shape[1],
            n_outputs,
            self.hidden_features,
            hidden_layers,
            self.first_layer_init,
            self.hidden_init,
            first_params or {},
            hidden_params or {},
            zero_output,
            self._encoding(X),
            float(self.weight_scale),
        )

    def _encoding(self, X: np.ndarray) -> dict | None:
        """The :class:`sirenkit.nn.HashGridEncoding` of ``encoding`` and the ``grid_``
        parameters (None: their defaults), or None without an encoding."""
        given = {name: getattr(self, name) for name in GRID_PARAMETERS[1:]}
        if self.encoding is None:
            set_ = [name for name, value in given.items() if value is not None]
            if set_:
                raise ValueError(
                    f"{', '.join(set_)} configure the hash-grid encoding: pass "
                    f"encoding='hashgrid' or leave {', '.join(set_)} at None"
                )
            return None
        if X.shape[1] > len(HASH_PRIMES):
            raise ValueError(
                f"encoding='hashgrid' takes coordinates of 1 to {len(HASH_PRIMES)} "
                f"dimensions, got X with {X.shape[1]} columns"
            )
        values = {
            name: GRID_DEFAULTS[name] if value is None else value for name, value in given.items()
        }
        table_size = values["grid_table_size"]
        if table_size & (table_size - 1):
            raise ValueError(f"grid_table_size must be a power of two, got {table_size}")
        finest = values["grid_resolution"]
        finest = auto_grid_resolution(X) if finest == "auto" else finest
        low, high = self.coord_range if self.coord_range is not None else (X.min(), X.max())
        return {
            "levels": values["grid_levels"],
            "features": values["grid_features"],
            "table_size": table_size,
            "finest": finest,
            "coarsest": min(GRID_COARSEST, finest),
            "domain": (float(low), float(high)),
        }

    # -- fit ----------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
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
        setup = self._setup_fit(X, y)
        with self._runtime():
            self.net_ = train(self, setup.settings, setup.plan, setup.module, setup.history)
        # Outside the training settings: it predicts, and predict sets its own.
        self._calibrate(setup.X, setup.plan)
        return self

    def _setup_fit(self, X, y) -> FitSetup:
        """Steps 1-4 of a fit (see the module), everything before training: the stacked
        path of :mod:`sirenkit.stacked` sets its fits up through it too."""
        _check_callbacks(self.callbacks)
        device = resolve_device(self.device)
        warm = bool(self.warm_start) and hasattr(self, "net_")
        given_dtype = getattr(y, "dtype", None)
        X, y = self._validate_Xy(X, y, reset=not warm)
        if self._targets_are_signal:
            warn_units(y, self.data_range, "y (the signal)", dtype=given_dtype)
        if warm:
            self._check_model_unchanged()
            model = Model(self.network_, self.signal_map_)
        else:
            model = self._model(X, y)
        plan = self._ordered(self._plan(X, y, model))
        if warm:
            module, history = self._fitted_module(), self.net_.history
            self.device_ = device  # skorch moves the network there
        else:
            self._record_model(model, device)
            module, history = None, None
        settings = self._resolve_training(plan)
        if PRECISION_DTYPES[settings.precision] is not None and plan.target_operator is not None:
            raise ValueError(
                f"precision={settings.precision!r} is for fits of the signal itself: this "
                f"estimator trains on {type(plan.target_operator).__name__} targets "
                "(derivatives or a forward model), which need float32; use 'float32' or "
                "'tf32'"
            )
        if module is None:
            module = model.network.build(settings.seed)
        return FitSetup(X, plan, module, history, settings)

    def _resolve_training(self, plan: TrainingPlan) -> TrainingSettings:
        """Set the plan's attributes and the resolved ``batch_size_``, ``lr_``,
        ``lr_schedule_`` and ``precision_`` (on the device ``device_``); return the
        settings the fit trains by, with the seed of its initialisation and batch order."""
        for name, value in plan.attributes.items():
            setattr(self, name, value)
        self.batch_size_ = self._batch_size(plan)
        self._check_sampling(plan)
        self.lr_ = (
            self._default_lr(self.network_, self.batch_size_)
            if self.lr == "auto"
            else float(self.lr)
        )
        self.lr_schedule_ = self.lr_schedule
        if self.lr_schedule == "auto":
            self.lr_schedule_ = "plateau" if self.batch_size_ is None else "cosine"
        self.precision_ = self.precision
        if self.precision == "auto":
            self.precision_ = self._device_default("precision")
        patience = self.lr_patience
        return TrainingSettings(
            lr=self.lr_,
            batch_size=self.batch_size_,
            schedule=self.lr_schedule_,
            lr_factor=self.lr_factor,
            lr_patience=10 * (self.hidden_layers_ + 1) if patience == "auto" else patience,
            max_epochs=self.max_epochs,
            weight_decay=self.weight_decay,
            seed=check_random_state(self.random_state).randint(np.iinfo(np.int32).max),
            device=self.device_,
            precision=self.precision_,
            sampling=self.sampling,
        )

    def _check_sampling(self, plan: TrainingPlan) -> None:
        """``sampling="error"`` weights each sample's squared error: it needs mini-batches
        of the signal itself (or of fixed targets) under the MSE loss."""
        if self.sampling is None:
            return
        needs = []
        if self.batch_size_ is None:
            needs.append(f"mini-batches (batch_size_ resolved to None from {self.batch_size!r})")
        if self._needs_whole_grid(plan) or plan.time_ordered:
            needs.append(
                "a fit of the samples themselves (this one trains through an operator, on "
                "whole grids or on windows)"
            )
        if self.loss != "mse":
            needs.append(f"loss='mse' (got {self.loss!r})")
        if needs:
            raise ValueError(f"sampling={self.sampling!r} needs " + " and ".join(needs))

    def _device_default(self, name: str):
        """The default ``name`` of :data:`DEVICE_DEFAULTS` for the fit's device
        (``device_``); devices without an entry take the CPU's."""
        kind = torch.device(self.device_).type
        return DEVICE_DEFAULTS.get(kind, DEVICE_DEFAULTS["cpu"])[name]

    def _record_model(self, model: Model, device: str) -> None:
        self.network_, self.signal_map_ = model.network, model.signal
        self.n_outputs_ = model.signal.n_outputs
        self.hidden_layers_ = model.network.hidden_layers
        self.device_ = device
        for name, value in model.attributes.items():
            setattr(self, name, value)
        params = self.get_params(deep=False)
        self._fitted_model_params = {name: params[name] for name in self._model_parameters}

    @staticmethod
    def _needs_whole_grid(plan: TrainingPlan) -> bool:
        """Plans that train on derivatives, a forward model or a grid loss: full batch."""
        return plan.whole_grid is not None or plan.target_operator is not None

    def _batch_size(self, plan: TrainingPlan) -> int | None:
        """The mini-batch size of ``batch_size="auto"`` for ``plan`` (None: full batch)."""
        if self.batch_size != "auto":
            return self.batch_size
        # Audio (1-D) fitted worse on mini-batches: 2 s at 16 kHz, 100 epochs, MSE 12% of the
        # variance in full batch against 27-50% on mini-batches of 8192 or 16384.
        if self._needs_whole_grid(plan) or plan.stages[0].X.shape[1] == 1:
            return None
        largest = max(len(stage.X) for stage in plan.stages)
        batch = self._device_default(
            "batch_size" if self.network_.encoding is None else "grid_batch_size"
        )
        return batch if largest > batch else None

    @staticmethod
    def _default_lr(network: NetworkSpec, batch_size: int | None) -> float:
        """The learning rate of ``lr="auto"`` for ``network``; see :func:`auto_lr` (a
        hash-grid network: ``GRID_LR``)."""
        if network.encoding is not None:
            return GRID_LR
        return auto_lr(network.first_params.get("omega_0"), batch_size)

    def _check_model_unchanged(self) -> None:
        params = self.get_params(deep=False)
        for name, fitted in self._fitted_model_params.items():
            if params[name] != fitted:
                raise ValueError(
                    f"warm_start=True continues the fitted network, built with {name}="
                    f"{fitted!r}; got {name}={params[name]!r}. Set warm_start=False to fit "
                    "a new network."
                )

    def _fitted_module(self) -> nn.Module:
        module = self.net_.module_
        return getattr(module, "_orig_mod", module)  # a compiled module's original

    def _ordered(self, plan: TrainingPlan) -> TrainingPlan:
        """The plan with its samples in the order its criterion and operator read them."""
        if plan.whole_grid is None and not plan.time_ordered:
            return plan
        if plan.whole_grid is not None and self.batch_size not in (None, "auto"):
            raise ValueError(
                f"{plan.whole_grid} works on the whole grid at once: batch_size must be None"
            )
        stages = []
        for stage in plan.stages:
            found = grid_order(stage.X, atol=1e-5)
            if plan.time_ordered and (stage.X.shape[1] != 1 or found is None):
                raise ValueError(
                    f"loss={self.loss!r} takes the FFT along time: X must be the 1-D "
                    "coordinates of a whole clip, grid_coords(n_samples) as "
                    "audio_to_samples returns them (in any order); got "
                    f"{stage.X.shape[1]}-D coordinates that are "
                    f"{'not a full grid' if stage.X.shape[1] == 1 else 'not 1-D'}"
                )
            if found is None:
                raise ValueError(
                    f"{plan.whole_grid} needs X to be a full grid as returned "
                    "by grid_coords(shape) (in any order)"
                )
            order = found[1]
            stages.append(replace(stage, X=stage.X[order], y=stage.y[order]))
        return plan.replace(stages=stages)

    def _learning_advice(self) -> str:
        """What to change when a fit learns nothing (see :class:`LearningCheck`)."""
        omega = getattr(self, "omega_0_", None)
        lr = f"lr={self.lr!r} ({self.lr_:.3g})" if self.lr == "auto" else f"lr={self.lr_:g}"
        if omega is not None:
            advice = f"lower the learning rate ({lr}) or omega_0 ({omega:.4g})"
        else:
            advice = (
                f"lower the learning rate ({lr}), or fit a SirenRegressor: a ReLU MLP "
                "cannot fit high frequencies"
            )
        return (
            advice + f"; check that the targets are in the units data_range={self.data_range:g} "
            "says and that X comes from grid_coords"
        )

    def _calibrate(self, X: np.ndarray, plan: TrainingPlan) -> None:
        """Set the terms the plan fixes after training (step 5), e.g. a mean."""
        if plan.calibration is not None:
            plan.calibration.apply(self, X)

    def _runtime(self, training: bool = True):
        """The process settings of this estimator's passes (see :mod:`sirenkit._runtime`).

        Heap reuse only while training: ``predict`` keeps each chunk's small output alive
        between chunks, which splits the freed blocks, so a heap that never unmaps grows
        with the grid (measured: 0.5, 1.8, 4.4 GiB of working memory at 256^2, 1024^2,
        2048^2), where mmap keeps it flat. On CUDA: float32 or TF32 arithmetic as
        ``precision_`` says, and deterministic cuDNN for a seeded fit.
        """
        device = torch.device(self.device_).type
        stack = contextlib.ExitStack()
        reuse_heap = self.reuse_cpu_memory and device == "cpu" and training
        stack.enter_context(cpu_heap_reuse(reuse_heap))
        if device == "cuda":
            stack.enter_context(float32_precision(tf32=self.precision_ == "tf32"))
            seeded = training and self.random_state is not None
            stack.enter_context(deterministic_cudnn(seeded))
        return stack

    # -- validation ---------------------------------------------------------------------
    def _check_coords(self, X: np.ndarray) -> None:
        coord_range = _check_coord_range(self.coord_range)
        if coord_range is None:
            return
        low, high = coord_range
        if X.min() >= low and X.max() <= high:
            return
        message = (
            f"X (the coordinates) should lie in [{low:g}, {high:g}] (coord_range), "
            f"got values in [{X.min():g}, {X.max():g}]. Build coordinates with "
            "grid_coords(shape) or image_to_samples(image): coordinates in pixel "
            "units fit badly. Set coord_range=None for coordinates you scaled "
            "yourself"
        )
        if self.strict_coords:
            raise ValueError(message + ".")
        warn_at_caller(
            message + "; strict_coords=True makes this an error.", CoordinateRangeWarning
        )

    def _validate_X(self, X) -> np.ndarray:
        """Coordinates for ``predict``, ``score``: validated with the parameters they read."""
        check_is_fitted(self, "net_")
        validate_parameter_constraints(
            {name: self._parameter_constraints[name] for name in self._predict_parameters},
            {name: getattr(self, name) for name in self._predict_parameters},
            caller_name=type(self).__name__,
        )
        X = validate_data(self, X, reset=False, dtype=np.float32)
        self._check_coords(X)
        return X

    def _validate_Xy(self, X, y, reset: bool = True) -> tuple[np.ndarray, np.ndarray]:
        if y is not None:
            y_shape, x_shape = np.asarray(y).shape, np.asarray(X).shape
            if len(y_shape) not in (1, 2):
                raise ValueError(
                    f"y (the signal) must have shape (n_samples,) or (n_samples, n_outputs), "
                    f"got shape {y_shape}; turn an image into samples with "
                    "image_to_samples(image)"
                )
            if x_shape and y_shape[0] != x_shape[0]:
                raise ValueError(
                    f"X (coordinates) and y (signal) must have the same number "
                    f"of samples, got {x_shape[0]} and {y_shape[0]}"
                )
        X, y = validate_data(
            self, X, y, reset=reset, multi_output=True, y_numeric=True, dtype=np.float32
        )
        self._check_coords(X)
        return X, np.asarray(y, dtype=np.float64)

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
        X = self._validate_X(X)
        return self.signal_map_.squeeze(self._predict_signal(X))

    def _predict_signal(self, X: np.ndarray) -> np.ndarray:
        """The signal at validated ``X`` as ``(n_samples, n_outputs_)``, float64."""
        with self._runtime(training=False):
            output = self.net_.evaluate(X, self.predict_batch_size)
        return self.signal_map_.signal(X, output)

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
        return self.signal_map_.squeeze(gradient)

    def predict_laplacian(self, X) -> np.ndarray:
        """Laplacian of the fitted signal with respect to the coordinates, exactly.

        Same units and chunking as :meth:`predict_gradient` (per unit of coordinate squared).
        A ReLU MLP is piecewise linear: its Laplacian is zero almost everywhere.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_dims)

        Returns
        -------
        laplacian : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        laplacian = self._predict_derivative(X, Derivative("laplacian"))
        return self.signal_map_.squeeze(laplacian)

    def _predict_derivative(self, X, operator: Derivative) -> np.ndarray:
        """``operator`` of the fitted signal at ``X``, ``(n_samples, n_outputs_, ...)``."""
        return self._derivative(self._validate_X(X), operator)

    def _derivative(self, X: np.ndarray, operator: Derivative) -> np.ndarray:
        """:meth:`_predict_derivative` at validated ``X``."""
        with self._runtime(training=False):
            derived = self.net_.evaluate(X, self.predict_batch_size, operator)
        return self.signal_map_.derivative(operator.kind, derived)

    @property
    def history_(self):
        check_is_fitted(self, "net_")
        return self.net_.history

    @property
    def target_center_(self) -> np.ndarray:
        check_is_fitted(self, "net_")
        return self.signal_map_.center

    @property
    def target_scale_(self) -> float:
        check_is_fitted(self, "net_")
        return self.signal_map_.scale

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if "net_" in state:
            # skorch maps a CUDA net onto the CPU when unpickled on a machine without CUDA.
            self.device_ = str(self.net_.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Not non_deterministic: a seeded fit repeats bit for bit on the CPU (the checks
        # that refit and compare pass). Where float32 misses a check's tolerance, the
        # check is listed as not applying (tests/test_sklearn_compat.py).
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
