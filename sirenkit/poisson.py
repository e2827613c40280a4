"""Recover a signal from its gradient or Laplacian with a SIREN (Poisson reconstruction)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from . import operators
from ._training import Derivative
from .coords import grid_coords, infer_grid_shape, samples_to_grid
from .losses import MultiscaleMSELoss
from .nn import ReluMLP
from .regressors import LOSSES, SirenRegressor, _check_choice, _docstring

__all__ = ["PoissonSolver"]

TARGETS = ("gradient", "laplacian")
OPERATORS = ("autograd", "numerical")
NETWORKS = ("siren", "relu")
_GRID_OPERATORS = {"gradient": operators.grid_gradient, "laplacian": operators.grid_laplacian}


class ExactTarget(Derivative):
    """The gradient ``(n, C * d)`` or Laplacian ``(n, C)`` of the output, exactly."""

    def __call__(self, module: torch.nn.Module,
                 coords: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output, derived = super().__call__(module, coords)
        return output, derived.flatten(1)


class GridTarget:
    """The same quantities by finite differences (kornia) on a full grid in row-major order."""

    def __init__(self, target: str, shape: tuple[int, ...]) -> None:
        self.target = target
        self.shape = tuple(shape)

    def __call__(self, module: torch.nn.Module,
                 coords: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output = module(coords)
        grid = output.reshape(*self.shape, output.shape[-1])
        return output, _GRID_OPERATORS[self.target](grid).reshape(len(output), -1)


class PoissonSolver(SirenRegressor):
    _LOSSES = {**LOSSES, "multiscale": MultiscaleMSELoss}

    def __init__(self, target: str = "gradient", operator: str = "autograd",
                 signal_mean=None, gradient_mean=None, grid_shape=None,
                 network: str = "siren", hidden_features: int = 256, hidden_layers: int = 3,
                 omega_0: float = 30.0, hidden_omega_0: float = 30.0,
                 sample_rate: float | None = None, first_layer_init: str = "sitzmann",
                 hidden_init: str = "sitzmann",
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
        self.target = target
        self.operator = operator
        self.signal_mean = signal_mean
        self.gradient_mean = gradient_mean
        self.grid_shape = grid_shape
        self.network = network
        super().__init__(
            hidden_features=hidden_features, hidden_layers=hidden_layers, omega_0=omega_0,
            hidden_omega_0=hidden_omega_0, sample_rate=sample_rate,
            first_layer_init=first_layer_init,
            hidden_init=hidden_init, lr=lr, max_epochs=max_epochs, batch_size=batch_size,
            lr_schedule=lr_schedule, lr_factor=lr_factor, lr_patience=lr_patience,
            weight_decay=weight_decay, loss=loss, data_range=data_range,
            coord_range=coord_range, predict_batch_size=predict_batch_size,
            callbacks=callbacks, checkpoint_dir=checkpoint_dir, warm_start=warm_start,
            device=device, compile=compile, precision=precision,
            reuse_cpu_memory=reuse_cpu_memory, random_state=random_state, verbose=verbose)

    # -- targets --------------------------------------------------------------------------
    def _fit_targets(self, X: np.ndarray, y: np.ndarray) -> None:
        _check_choice("target", self.target, TARGETS)
        _check_choice("operator", self.operator, OPERATORS)
        n_dims, columns = X.shape[1], y.reshape(len(y), -1).shape[1]
        if self.target == "gradient" and columns % n_dims:
            raise ValueError(
                f"y must be a gradient field of shape (n_samples, n_dims * channels) = "
                f"(n, {n_dims} * C) for target='gradient' with {n_dims}-D coordinates, got "
                f"{columns} columns; see sirenkit.operators.image_gradient")
        self.n_outputs_ = columns // n_dims if self.target == "gradient" else columns
        self._single_output = self.n_outputs_ == 1 and (self.target == "gradient"
                                                        or y.ndim == 1)
        self.grid_shape_ = self._check_grid(X)
        signal_mean = self.signal_mean
        if signal_mean is not None and np.ndim(signal_mean) == 0:
            signal_mean = np.full(self.n_outputs_, signal_mean)     # one value, every channel
        self.signal_mean_ = self._check_constant("signal_mean", signal_mean,
                                                 (self.n_outputs_,))
        self.gradient_mean_ = self._check_constant("gradient_mean", self.gradient_mean,
                                                   (self.n_outputs_, n_dims))
        if self.gradient_mean_ is not None and self.target != "laplacian":
            raise ValueError("gradient_mean fixes the linear part that a Laplacian leaves "
                             "free; it only applies to target='laplacian'")
        # The network fits the signal divided by data_range / 2 (in about [-1, 1]); the
        # targets, derivatives of the signal, are divided by the same factor.
        self.target_scale_ = self.data_range / 2
        self.target_center_ = np.zeros(self.n_outputs_)

    def _check_grid(self, X: np.ndarray) -> tuple[int, ...] | None:
        """The grid shape, for the losses and operators that work on the whole grid."""
        needs = [f"{name}={getattr(self, name)!r}" for name, value in
                 (("operator", "numerical"), ("loss", "multiscale"))
                 if getattr(self, name) == value]
        if not needs:
            return None
        what = " and ".join(needs)
        if self.batch_size is not None:
            raise ValueError(f"{what} works on the whole grid at once: batch_size must be "
                             "None")
        shape = infer_grid_shape(X)
        if shape is None or (self.grid_shape is not None
                             and tuple(self.grid_shape) != shape):
            expected = "" if self.grid_shape is None else f" of shape {tuple(self.grid_shape)}"
            raise ValueError(f"{what} needs X to be a full grid{expected} as returned by "
                             f"grid_coords(shape) (in any order); got {len(X)} coordinates "
                             "that are not. Use operator='autograd' and loss='mse' for "
                             "scattered coordinates.")
        max_dims = 2 if self.operator == "numerical" else 3
        if len(shape) > max_dims:
            raise ValueError(f"{what} supports grids of 1 to {max_dims} axes, got {shape}")
        return shape

    @staticmethod
    def _check_constant(name: str, value, shape: tuple[int, ...]) -> np.ndarray | None:
        if value is None:
            return None
        array = np.asarray(value, dtype=np.float64)
        if array.size != int(np.prod(shape)) or not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be None or {int(np.prod(shape))} finite number(s) "
                             f"(shape {shape}), got {value!r}")
        return array.reshape(shape)

    def _training_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = y.reshape(len(y), -1) / self.target_scale_
        if self.grid_shape_ is not None:
            # The numerical operators need the samples in row-major grid order.
            y = samples_to_grid(X, y).reshape(len(y), -1)
            X = grid_coords(self.grid_shape_)
        return X, y

    def _criterion(self):
        if self.loss == "multiscale":
            # A derivative of order m weighs the signal's error at frequency k by k**(2m);
            # the levels undo half of it (see multiscale_mse).
            order = 1 if self.target == "gradient" else 2
            return MultiscaleMSELoss(self.grid_shape_, level_weight=2.0**order)
        return super()._criterion()

    def _target_operator(self):
        if self.operator == "numerical":
            return GridTarget(self.target, self.grid_shape_)
        return ExactTarget(self.target, training=True)

    def _scoring_callbacks(self) -> list:
        return []           # the training targets are derivatives, not the signal

    def _resolve_network(self, X: np.ndarray, y: np.ndarray) -> None:
        _check_choice("network", self.network, NETWORKS)
        if self.omega_0 == "auto":
            raise ValueError("omega_0='auto' needs the signal itself; PoissonSolver only "
                             "sees its derivatives: pass a number for omega_0")
        super()._resolve_network(X, y)

    def _build_module(self, n_inputs: int, n_outputs: int):
        if self.network == "relu":
            return ReluMLP(n_inputs, n_outputs, self.hidden_features, self.hidden_layers_,
                           self.first_layer_init, self.hidden_init)
        return super()._build_module(n_inputs, n_outputs)

    # -- the constant (and linear part) a derivative cannot see ----------------------------
    def _after_fit(self, X: np.ndarray) -> None:
        self.linear_part_ = np.zeros((self.n_outputs_, X.shape[1]))
        self.offset_ = np.zeros(self.n_outputs_)
        if self.gradient_mean_ is not None:
            mean_gradient = self._predict_derivative(X, Derivative("gradient")).mean(axis=0)
            self.linear_part_ = self.gradient_mean_ - mean_gradient
        mean = self._predict_signal(X).mean(axis=0)
        target_mean = 0.0 if self.signal_mean_ is None else self.signal_mean_
        self.offset_ = target_mean - mean

    def _predict_signal(self, X: np.ndarray) -> np.ndarray:
        signal = super()._predict_signal(X)
        return signal + X.astype(np.float64) @ self.linear_part_.T + self.offset_

    def predict_gradient(self, X) -> np.ndarray:
        gradient = super().predict_gradient(X)
        return gradient + (self.linear_part_[0] if self._single_output else self.linear_part_)

    predict_gradient.__doc__ = SirenRegressor.predict_gradient.__doc__

    def score(self, X, y) -> float:
        """R^2 of the reconstruction's ``target`` derivative against ``y``.

        ``predict`` returns the signal, which ``y`` does not hold: the score measures how
        well the Poisson problem is solved (1 is best), with the fit's own ``operator``. A
        network trained through finite differences is not constrained between samples, so
        its exact (autograd) derivatives can differ from its finite differences.
        """
        from sklearn.metrics import r2_score

        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        if self.operator == "numerical":
            signal = samples_to_grid(X, self._predict_signal(X))
            derivative = _GRID_OPERATORS[self.target](torch.from_numpy(signal))
            derivative = derivative.reshape(len(X), -1).numpy()
            y = samples_to_grid(X, y).reshape(len(X), -1)
        elif self.target == "gradient":
            derivative = self.predict_gradient(X).reshape(len(X), -1)
        else:
            derivative = self.predict_laplacian(X).reshape(len(X), -1)
        return float(r2_score(y, derivative))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Not a regressor of y: predict returns the signal, y holds its derivatives.
        tags.estimator_type = None
        tags.regressor_tags = None
        return tags


PoissonSolver.__doc__ = _docstring("""Reconstruct a signal from its gradient or Laplacian.

    A SIREN ``u`` is trained so that its gradient (or Laplacian) matches ``y``; ``predict``
    returns ``u``. Derivatives do not see everything: a gradient leaves the mean free, a
    Laplacian leaves the mean and the linear part free (a harmonic part too, which the fit
    keeps small in practice). The solver never looks at the signal; what it cannot see is
    set explicitly:

    * ``signal_mean`` (the reports' mean constraint): the mean of the output over the
      training coordinates. Without it the output has **zero mean**: it is the signal up to
      an additive constant.
    * ``gradient_mean`` (the report's gradient-mean constraint, Laplacian target only): the
      mean gradient over the training coordinates. Without it the linear part is whatever
      the fit gives.

    Both are applied exactly after training: constants and linear functions have no
    Laplacian, so adding them does not change the fit.

    A derivative loss weighs an error of the signal at frequency ``k`` by ``k**2``
    (gradient) or ``k**4`` (Laplacian): fitted with the plain MSE, a large image's finest
    detail converges first and its lowest frequencies last, as a slow drift of the
    reconstruction. ``loss="multiscale"`` compares the derivatives over a pyramid of 2x
    average-poolings weighted to offset that emphasis (:func:`sirenkit.losses.multiscale_mse`,
    level weight 2 for a gradient, 4 for a Laplacian); it needs ``X`` to be a full grid and
    full-batch training. It brings the low frequencies in much sooner (whole DIV2K LR
    images: ``docs/benchmarks.md``); trained long on a small image, the plain MSE can end
    with a finer fit.

    Parameters
    ----------
    target : {"gradient", "laplacian"}, default="gradient"
        What ``y`` holds: the gradient field ``(n, n_dims * channels)``, channel-major as
        :func:`sirenkit.operators.image_gradient` returns it, or the Laplacian
        ``(n, channels)`` (or ``(n,)``), in units of the ``[-1, 1]`` coordinates.
    operator : {"autograd", "numerical"}, default="autograd"
        How the network's derivatives are taken during training: exactly by automatic
        differentiation (for a SIREN or ReLU MLP, propagated forward through the layers in
        closed form, see :func:`sirenkit.operators.forward_derivatives`), or
        by kornia's finite differences on the full grid (which needs ``X`` to be a full grid
        and full-batch training). Central (Sobel) differences are blind to checkerboard
        patterns, so a gradient fit through them leaves the network free at the grid's
        Nyquist frequency (``pi * n / 2`` along an axis of ``n``): keep ``omega_0`` well
        below it, or use autograd. The Laplacian stencil has no such blind spot.
    signal_mean : float, array of shape (channels,) or None, default=None
        A float applies to every channel.
    gradient_mean : array of shape (channels, n_dims) or None, default=None
    grid_shape : tuple of int or None, default=None
        For ``operator="numerical"``: the grid ``X`` must be (inferred from ``X`` if None).
    network : {"siren", "relu"}, default="siren"
        ``"relu"``: the ReLU MLP baseline (the omega parameters are ignored; pass
        ``first_layer_init="he", hidden_init="he"`` for its usual initialisation). Its
        Laplacian is zero almost everywhere, so it cannot fit a Laplacian by autograd.
    %(common_params)s
    omega_0 : float or "sample_rate", default=30.0
        First-layer frequency factor (``"auto"`` is not available: it needs the signal).
    hidden_omega_0 : float, default=30.0
    sample_rate : float or None, default=None
        For ``omega_0="sample_rate"`` (1-D signals), as in :class:`SirenRegressor`.

    Attributes
    ----------
    %(common_attributes)s
    offset_ : ndarray of shape ``(n_outputs_,)``
    linear_part_ : ndarray of shape ``(n_outputs_, n_dims)``
        ``predict(X) = data_range / 2 * network(X) + X @ linear_part_.T + offset_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import PoissonSolver, image_to_samples, samples_to_image
    >>> from sirenkit.operators import image_gradient
    >>> from sirenkit.metrics import psnr
    >>> yy, xx = np.mgrid[0:32, 0:32] / 32
    >>> image = 0.5 + 0.3 * np.sin(4 * xx) * np.cos(3 * yy)
    >>> coords, gradient = image_to_samples(image_gradient(image))
    >>> solver = PoissonSolver(hidden_features=64, hidden_layers=2, max_epochs=300,
    ...                        signal_mean=image.mean(), random_state=0)
    >>> recovered = solver.fit(coords, gradient).predict(coords)
    >>> psnr(image.ravel(), recovered) > 30
    True
    """)
