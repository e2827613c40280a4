"""Recover a signal from its gradient or Laplacian with a SIREN (Poisson reconstruction)."""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from . import operators
from ._base import LOSSES
from ._plan import Calibration, Model, SignalMap, Stage, TrainingPlan
from ._training import Derivative
from .coords import infer_grid_shape, samples_to_grid
from .losses import MultiscaleMSELoss
from .regressors import INRRegressor, activation_docstring

__all__ = ["PoissonSolver"]

TARGETS = ("gradient", "laplacian")
OPERATORS = ("autograd", "numerical")
_GRID_OPERATORS = {"gradient": operators.grid_gradient, "laplacian": operators.grid_laplacian}


class ExactTarget(Derivative):
    """The gradient ``(n, C * d)`` or Laplacian ``(n, C)`` of the output, exactly."""

    def __call__(
        self, module: torch.nn.Module, coords: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        output, derived = super().__call__(module, coords)
        return output, derived.flatten(1)


class GridTarget:
    """The same quantities by finite differences (kornia) on a full grid in row-major order."""

    #: kornia builds its filter kernels from Python lists on every call: copies from the
    #: host, which a CUDA graph cannot capture (training steps stay eager).
    capturable = False

    def __init__(self, target: str, shape: tuple[int, ...]) -> None:
        self.target = target
        self.shape = tuple(shape)

    def __call__(
        self, module: torch.nn.Module, coords: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        output = module(coords)
        grid = output.reshape(*self.shape, output.shape[-1])
        return output, _GRID_OPERATORS[self.target](grid).reshape(len(output), -1)


class PoissonSolver(INRRegressor):
    _LOSSES = {**LOSSES, "multiscale": MultiscaleMSELoss}
    _parameter_constraints = {
        "target": [StrOptions(set(TARGETS))],
        "operator": [StrOptions({"auto", *OPERATORS})],
        "signal_mean": ["array-like", Real, None],
        "gradient_mean": ["array-like", None],
        "grid_shape": [tuple, list, None],
        "loss": [StrOptions(set(_LOSSES))],
    }
    # data_range sets the scale of the network's output.
    _model_parameters = ("target", "data_range")
    # The omega_0 with which the Poisson recipe was measured: the SIREN paper's.
    _activation_defaults = {"sine": {"omega_0": 30.0}}
    # y holds derivatives of the signal, whose range data_range does not bound.
    _targets_are_signal = False
    fits_signal_itself = False  # derivatives of the signal

    def __init__(
        self,
        *,
        target: str = "gradient",
        operator: str = "auto",
        signal_mean=None,
        gradient_mean=None,
        grid_shape=None,
        max_epochs: int = 500,
        **params,
    ) -> None:
        # Derivative losses fit the low frequencies last (docs/benchmarks.md): more epochs
        # than a fit of the signal itself, full batch and the plateau schedule (the "auto"
        # batch size and schedule of whole-grid and derivative plans).
        super().__init__(max_epochs=max_epochs, **params)
        self.target, self.operator = target, operator
        # What the derivatives cannot see, and the grid of the numerical operators.
        self.signal_mean, self.gradient_mean = signal_mean, gradient_mean
        self.grid_shape = grid_shape

    # -- what it fits ---------------------------------------------------------------------
    def _n_outputs(self, X: np.ndarray, y: np.ndarray) -> int:
        """Signal channels: a gradient field holds ``n_dims`` columns per channel."""
        n_dims, columns = X.shape[1], y.reshape(len(y), -1).shape[1]
        if self.target == "laplacian":
            return columns
        if columns % n_dims:
            raise ValueError(
                f"y must be a gradient field of shape (n_samples, n_dims * channels) = "
                f"(n, {n_dims} * C) for target='gradient' with {n_dims}-D coordinates, got "
                f"{columns} columns; see sirenkit.operators.image_gradient"
            )
        return columns // n_dims

    def _model(self, X: np.ndarray, y: np.ndarray) -> Model:
        if self.omega_0 == "auto":
            raise ValueError(
                "omega_0='auto' needs the signal itself; PoissonSolver only "
                "sees its derivatives: pass a number for omega_0"
            )
        n_outputs = self._n_outputs(X, y)
        # The network fits the signal divided by data_range / 2 (in about [-1, 1]); the
        # targets, derivatives of the signal, are divided by the same factor.
        signal = SignalMap(
            scale=self.data_range / 2,
            center=np.zeros(n_outputs),
            single_output=n_outputs == 1 and (self.target == "gradient" or y.ndim == 1),
        )
        return self._activation_model(X, y, signal)

    def _plan(self, X: np.ndarray, y: np.ndarray, model: Model) -> TrainingPlan:
        model.signal.check_outputs(self._n_outputs(X, y))
        n_outputs, n_dims = model.signal.n_outputs, X.shape[1]
        mean = self._constant("signal_mean", self.signal_mean, (n_outputs,))
        gradient_mean = self._constant("gradient_mean", self.gradient_mean, (n_outputs, n_dims))
        if gradient_mean is not None and self.target != "laplacian":
            raise ValueError(
                "gradient_mean fixes the linear part that a Laplacian leaves "
                "free; it only applies to target='laplacian'"
            )
        found = infer_grid_shape(X)  # once: both the operator and the grid checks read it
        operator_name = self._operator(found)
        whole_grid, grid_shape = self._grid(found, len(X), operator_name)
        order = 1 if self.target == "gradient" else 2
        if self.loss == "multiscale":
            # A derivative of order m weighs the signal's error at frequency k by k**(2m);
            # the levels undo half of it (see multiscale_mse).
            criterion = MultiscaleMSELoss(grid_shape, level_weight=2.0**order)
        else:
            criterion = self._LOSSES[self.loss]
        operator = (
            GridTarget(self.target, grid_shape)
            if operator_name == "numerical"
            else ExactTarget(self.target, training=True)
        )
        targets = y.reshape(len(y), -1) / model.signal.scale
        return TrainingPlan(
            stages=[Stage(X, targets)],
            criterion=criterion,
            target_operator=operator,
            whole_grid=whole_grid,
            scores_signal=False,  # the targets are derivatives
            calibration=Calibration(np.zeros(n_outputs) if mean is None else mean, gradient_mean),
            attributes={
                "operator_": operator_name,
                "grid_shape_": grid_shape,
                "signal_mean_": mean,
                "gradient_mean_": gradient_mean,
            },
        )

    def _operator(self, shape: tuple[int, ...] | None) -> str:
        """``operator="auto"``: finite differences on a full 1-D or 2-D grid, else autograd.

        Measured on the Sobel gradients of 64x64 photographs (docs/benchmarks.md): 42.7 dB
        through finite differences against 17.5 dB by autograd, whose exact derivatives
        are pulled towards Sobel's smoothed ones, which no sharp image has.
        """
        if self.operator != "auto":
            return self.operator
        on_grid = shape is not None and len(shape) <= 2
        if on_grid and self.grid_shape is not None:
            on_grid = tuple(self.grid_shape) == shape
        return "numerical" if on_grid else "autograd"

    def _grid(
        self, shape: tuple[int, ...] | None, n_samples: int, operator: str
    ) -> tuple[str | None, tuple[int, ...] | None]:
        """What needs the whole grid (for messages), and the grid, if anything does.

        ``shape``: the grid ``X`` is (``infer_grid_shape``), None if it is none.
        """
        settings = {"operator": operator, "loss": self.loss}
        needs = [
            f"{name}={settings[name]!r}"
            for name, value in (("operator", "numerical"), ("loss", "multiscale"))
            if settings[name] == value
        ]
        if not needs:
            return None, None
        what = " and ".join(needs)
        if shape is None or (self.grid_shape is not None and tuple(self.grid_shape) != shape):
            expected = "" if self.grid_shape is None else f" of shape {tuple(self.grid_shape)}"
            raise ValueError(
                f"{what} needs X to be a full grid{expected} as returned by "
                f"grid_coords(shape) (in any order); got {n_samples} coordinates "
                "that are not. Use operator='autograd' and loss='mse' for "
                "scattered coordinates."
            )
        max_dims = 2 if operator == "numerical" else 3
        if len(shape) > max_dims:
            raise ValueError(f"{what} supports grids of 1 to {max_dims} axes, got {shape}")
        return what, shape

    @staticmethod
    def _constant(name: str, value, shape: tuple[int, ...]) -> np.ndarray | None:
        """A constant of the calibration; one number applies to every channel."""
        if value is None:
            return None
        array = np.asarray(value, dtype=np.float64)
        if array.ndim == 0 and len(shape) == 1:
            array = np.full(shape, float(array))
        if array.size != int(np.prod(shape)) or not np.all(np.isfinite(array)):
            raise ValueError(
                f"{name} must be None or {int(np.prod(shape))} finite number(s) "
                f"(shape {shape}), got {value!r}"
            )
        return array.reshape(shape)

    # -- the constant (and linear part) a derivative cannot see ----------------------------
    @property
    def offset_(self) -> np.ndarray:
        check_is_fitted(self, "net_")
        return self.signal_map_.offset

    @property
    def linear_part_(self) -> np.ndarray:
        check_is_fitted(self, "net_")
        linear = self.signal_map_.linear
        return np.zeros((self.n_outputs_, self.n_features_in_)) if linear is None else linear

    def score(self, X, y) -> float:
        """R^2 of the reconstruction's ``target`` derivative against ``y``.

        ``predict`` returns the signal, which ``y`` does not hold: the score measures how
        well the Poisson problem is solved (1 is best), with the fit's own ``operator``. A
        network trained through finite differences is not constrained between samples, so
        its exact (autograd) derivatives can differ from its finite differences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_dims)
        y : array-like of shape (n_samples, n_columns)
            The ``target`` derivative, as given to ``fit``.

        Returns
        -------
        score : float
        """
        from sklearn.metrics import r2_score

        X = self._validate_X(X)
        y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        if self.operator_ == "numerical":
            signal = samples_to_grid(X, self._predict_signal(X))
            derivative = _GRID_OPERATORS[self.target](torch.from_numpy(signal))
            derivative = derivative.reshape(len(X), -1).numpy()
            y = samples_to_grid(X, y).reshape(len(X), -1)
        else:
            derivative = self._derivative(X, Derivative(self.target)).reshape(len(X), -1)
        return float(r2_score(y, derivative))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Not a regressor of y: predict returns the signal, y holds its derivatives.
        tags.estimator_type = None
        tags.regressor_tags = None
        return tags


PoissonSolver.__doc__ = activation_docstring(
    """Reconstruct a signal from its gradient or Laplacian.

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
    operator : {"auto", "autograd", "numerical"}, default="auto"
        ``"auto"``: ``"numerical"`` when ``X`` is a full 1-D or 2-D grid (an image's
        pixels), else ``"autograd"``; read the one used from ``operator_``. Measured on
        the Sobel gradients of 64x64 photographs: 42.7 dB through finite differences,
        17.5 dB by autograd (docs/benchmarks.md); for exact derivative targets (an analytic
        field) ``"autograd"`` is the exact operator.
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
    max_epochs : int, default=500
        More than the other estimators' 100: a derivative loss weighs an error at
        frequency ``k`` by ``|k|^2`` and fits the image's low frequencies last. Training is
        full batch with the plateau schedule (what ``batch_size="auto"`` and
        ``lr_schedule="auto"`` give a derivative plan).
    %(common_params)s
    %(activation_params)s

        Here ``"sine"``'s ``omega_0`` defaults to 30, the SIREN paper's, with which the
        Poisson recipe was measured (``"auto"`` is not available: it needs the signal).
        ``"relu"``'s Laplacian is zero almost everywhere, so it cannot fit a Laplacian by
        autograd.

    Attributes
    ----------
    %(common_attributes)s
    operator_ : str
        The training operator used (resolves ``operator="auto"``).
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
    """,
    own=("max_epochs",),
)
