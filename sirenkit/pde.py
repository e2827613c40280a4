"""Partial differential equations: a network fitted to a residual and its conditions.

:class:`PDESolver` minimises ``residual_weight * mean(r^2) + sum_k weight_k * mean((B_k u -
g_k)^2)``: ``r`` is the user's residual of the equation at collocation points, written with
the network's value and exact derivatives (:class:`Fields`), and each :class:`Condition`
fixes the value (or a first derivative) of the solution at its points, such as boundary
or initial conditions. It is an estimator like the others: ``GridSearchCV`` over
``omega_0``, ``activation`` or the width compares networks on the same equation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from . import operators
from ._base import NONNEGATIVE, POSITIVE
from ._plan import Model, SignalMap, Stage, TrainingPlan
from .regressors import INRRegressor, activation_docstring

__all__ = ["Condition", "Fields", "Helmholtz", "PDESolver", "Wave", "finite_difference_wave"]


@dataclass(frozen=True, eq=False)
class Condition:
    """What the solution must be at some points: its value, or its first derivative along
    one coordinate axis (a Dirichlet, initial or Neumann-type condition).

    Parameters
    ----------
    points : array-like of shape (m, d)
        In the coordinates of the collocation points.
    values : array-like of shape (m,) or (m, n_outputs)
    weight : float, default=1.0
        The weight of its mean squared error in the loss.
    axis : int or None, default=None
        None: the condition is on the value; an int: on the derivative along that
        coordinate axis (e.g. ``u_t = 0`` at ``t = 0`` with time on axis 0).

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.pde import Condition
    >>> edge = np.stack([np.linspace(-1, 1, 5), np.ones(5)], axis=1)
    >>> Condition(edge, np.zeros(5)).points.shape
    (5, 2)
    """

    points: np.ndarray
    values: np.ndarray
    weight: float = 1.0
    axis: int | None = None

    def checked(self, n_dims: int, n_outputs: int, index: int) -> Condition:
        """This condition as float arrays, checked against the fit's dimensions."""
        name = f"conditions[{index}]"
        points = np.asarray(self.points, dtype=np.float64)
        values = np.asarray(self.values, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != n_dims:
            raise ValueError(
                f"{name}.points must have shape (m, {n_dims}) like the collocation points X, "
                f"got {points.shape}"
            )
        values = values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)
        if len(values) != len(points) or values.shape[1] != n_outputs:
            raise ValueError(
                f"{name}.values must have shape ({len(points)},) or ({len(points)}, "
                f"{n_outputs}) (n_outputs={n_outputs}), got {np.shape(self.values)}"
            )
        if not (np.isfinite(points).all() and np.isfinite(values).all()):
            raise ValueError(f"{name} has non-finite points or values")
        if isinstance(self.weight, bool) or not isinstance(self.weight, Real) or self.weight < 0:
            raise ValueError(f"{name}.weight must be a number >= 0, got {self.weight!r}")
        if self.axis is not None and not (
            isinstance(self.axis, Integral) and 0 <= self.axis < n_dims
        ):
            raise ValueError(f"{name}.axis must be None or 0 to {n_dims - 1}, got {self.axis!r}")
        return Condition(points, values, float(self.weight), self.axis)


class Fields:
    """The network's solution at the collocation points and its exact derivatives, for a
    residual to combine.

    The gradient and Laplacian are propagated in closed form through the network's layers
    (:func:`sirenkit.operators.forward_derivatives`) where every layer has a rule, by
    autograd otherwise; a second derivative along one axis (``u_tt`` of a wave equation)
    is the autograd derivative of the exact gradient. Each is computed once, when first
    read, and keeps its graph so that the loss trains the network. The closed-form
    propagation gives the value, gradient and Laplacian together: ``order`` (what an
    earlier residual read, see :class:`PDEObjective`) makes the first read propagate up to
    that order at once, instead of a value, then a gradient, then a Laplacian.

    Parameters
    ----------
    module : nn.Module
    x : Tensor of shape (n, d)
    source : Tensor of shape (n, k) or None, default=None
    order : {0, 1, 2}, default=0
        The highest order to propagate on the first read.

    Attributes
    ----------
    x : Tensor of shape (n, d)
        The collocation points.
    u : Tensor of shape (n, C)
        The solution (``C = n_outputs``; a complex field is two real channels).
    source : Tensor of shape (n, k) or None
        The ``y`` given to ``fit`` at these points (e.g. a source term), or None.
    order : int
        The highest order read so far (0: the value only; a derivative along an axis is
        of the gradient, order 1).
    """

    def __init__(
        self,
        module: nn.Module,
        x: torch.Tensor,
        source: torch.Tensor | None = None,
        order: int = 0,
    ) -> None:
        self.module, self.x, self.source = module, x, source
        self.order = order
        self._forward = operators.supports_forward_derivatives(module)
        self._u = self._gradient = self._laplacian = None

    def _propagate(self, order: int) -> None:
        """The value and the derivatives up to ``max(order, self.order)``, in closed form."""
        self.order = max(order, self.order)
        if self.order == 0:
            self._u = self.module(self.x)
            return
        self._u, self._gradient, laplace = operators.forward_derivatives(
            self.module, self.x, self.order
        )
        if laplace is not None:
            self._laplacian = laplace

    @property
    def u(self) -> torch.Tensor:
        if self._u is None:
            if self._forward:
                self._propagate(0)
            else:
                self._u = self.module(self.x)
        return self._u

    @property
    def gradient(self) -> torch.Tensor:
        """``(n, C, d)``: ``du_c / dx_a``."""
        if self._gradient is None:
            if self._forward:
                self._propagate(1)
            else:
                self.order = max(1, self.order)
                self._gradient = operators.gradient(self.u, self.x)
        return self._gradient

    @property
    def laplacian(self) -> torch.Tensor:
        """``(n, C)``: the sum of the second derivatives over every axis."""
        if self._laplacian is None:
            if self._forward:
                self._propagate(2)
            else:
                self.order = 2
                self._laplacian = operators.laplacian(self.u, self.x)
        return self._laplacian

    def derivative(self, axis: int, order: int = 1) -> torch.Tensor:
        """``(n, C)``: the first or second derivative along coordinate axis ``axis``."""
        first = self.gradient[:, :, axis]
        if order == 1:
            return first
        if order != 2:
            raise ValueError(f"order must be 1 or 2, got {order!r}")
        columns = []
        for c in range(first.shape[1]):
            # Unused where the gradient does not depend on x (a ReLU network): zero.
            (grad,) = torch.autograd.grad(
                first[:, c].sum(), self.x, create_graph=True, allow_unused=True
            )
            columns.append(torch.zeros_like(first[:, c]) if grad is None else grad[:, axis])
        return torch.stack(columns, dim=1)


class Helmholtz:
    """The residual of the Helmholtz equation ``lap u + k^2 u = -f`` for a complex field
    (two output channels: real and imaginary parts), with an optional perfectly matched
    layer (PML) that absorbs outgoing waves, as in the SIREN paper.

    Inside the layer (``|x_a| > pml_start`` on an axis ``a``) the coordinates are
    stretched, ``d/dx_a -> (1 / s_a) d/dx_a`` with ``s_a = 1 + i sigma_0 ((|x_a| -
    pml_start) / pml_width)^2 / k``, which damps a wave leaving the domain without
    reflecting it. The residual is the stretched equation multiplied through by
    ``prod_a s_a``: ``sum_a d_a((prod_b s_b / s_a^2) d_a u) + prod_a s_a (k^2 u + f)``.

    Parameters
    ----------
    wavenumber : float
        ``k``.
    source : callable or None, default=None
        ``source(x) -> Tensor of shape (n,)``, the real source term ``f`` at points ``x``;
        None: no source (the field comes from the conditions).
    pml_start : float or None, default=None
        Where the layer starts on each axis (e.g. 0.75 for a layer of 0.25 at the edges of
        ``[-1, 1]``); None: no layer.
    pml_width : float, default=0.25
    pml_strength : float, default=30.0
        ``sigma_0``.

    Examples
    --------
    A point source at k = 10 with a layer at the edges of ``[-1, 1]^2``; the first layer
    at ``omega_0 = k`` and the hidden ones at the SIREN paper's 30, for a field that
    oscillates (``benchmarks/pde.py``: relative errors 0.014 and 0.017 against 0.15 and
    0.27 with PDESolver's hidden 10):

    >>> import torch
    >>> from sirenkit.pde import Helmholtz, PDESolver
    >>> def point(x):
    ...     return torch.exp(-x.square().sum(1) / 0.02) / (0.02 * torch.pi)
    >>> solver = PDESolver(
    ...     residual=Helmholtz(10.0, point, pml_start=0.75),
    ...     n_outputs=2, omega_0=10.0, hidden_omega_0=30.0,
    ... )
    """

    def __init__(
        self,
        wavenumber: float,
        source: Callable[[torch.Tensor], torch.Tensor] | None = None,
        pml_start: float | None = None,
        pml_width: float = 0.25,
        pml_strength: float = 30.0,
    ) -> None:
        self.wavenumber, self.source = float(wavenumber), source
        self.pml_start, self.pml_width = pml_start, float(pml_width)
        self.pml_strength = float(pml_strength)

    def stretch(self, coordinate: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``s`` and ``ds/dx`` along one axis, complex (1 and 0 outside the layer)."""
        if self.pml_start is None:
            depth = torch.zeros_like(coordinate)
        else:
            depth = ((coordinate.abs() - self.pml_start) / self.pml_width).clamp(min=0)
        k, strength = self.wavenumber, self.pml_strength
        s = torch.complex(torch.ones_like(depth), strength * depth**2 / k)
        slope = 2 * strength * depth * torch.sign(coordinate) / (k * self.pml_width)
        return s, torch.complex(torch.zeros_like(depth), slope)

    def __call__(self, f: Fields) -> torch.Tensor:
        if f.u.shape[1] != 2:
            raise ValueError(
                f"Helmholtz solves for a complex field: n_outputs must be 2, got {f.u.shape[1]}"
            )
        u = torch.complex(f.u[:, 0], f.u[:, 1])
        stretches = [self.stretch(f.x[:, a]) for a in range(f.x.shape[1])]
        product = math.prod(s for s, _ in stretches)
        total = product * (self.wavenumber**2 * u)
        if self.source is not None:
            total = total + product * self.source(f.x)
        for a, (s, ds) in enumerate(stretches):
            first = torch.complex(f.gradient[:, 0, a], f.gradient[:, 1, a])
            second = torch.complex(*f.derivative(a, 2).unbind(dim=1))
            coefficient = product / s**2  # prod_b s_b / s_a^2, whose d_a is -ds_a prod / s_a^3
            total = total + coefficient * second - (product * ds / s**3) * first
        return torch.stack([total.real, total.imag], dim=1)


class Wave:
    """The residual of the wave equation ``u_tt = c^2 lap_x u``, time on one coordinate
    axis and space on the others.

    Parameters
    ----------
    speed : float, default=1.0
        ``c``.
    time_axis : int, default=0

    Examples
    --------
    >>> from sirenkit.pde import PDESolver, Wave
    >>> solver = PDESolver(residual=Wave(speed=1.0))
    """

    def __init__(self, speed: float = 1.0, time_axis: int = 0) -> None:
        self.speed, self.time_axis = float(speed), time_axis

    def __call__(self, f: Fields) -> torch.Tensor:
        in_time = f.derivative(self.time_axis, 2)
        in_space = f.laplacian - in_time
        return in_time - self.speed**2 * in_space


def finite_difference_wave(
    initial: np.ndarray,
    spacing: float,
    times: Sequence[float],
    speed: float = 1.0,
    velocity: np.ndarray | None = None,
    courant: float = 0.5,
) -> np.ndarray:
    """A reference solution of the wave equation ``u_tt = c^2 lap u`` on a regular grid in
    any dimension, by finite differences: the ``2d + 1``-point Laplacian and velocity
    Verlet in time, both second order. The grid's outermost nodes keep their initial
    values (a Dirichlet boundary).

    Parameters
    ----------
    initial : array-like of shape (n_1, ..., n_d)
        ``u`` at ``t = 0`` on the grid (at least 3 nodes per axis).
    spacing : float
        The distance between neighbouring nodes, the same on every axis.
    times : sequence of float
        Non-decreasing times ``>= 0`` at which to return the solution.
    speed : float, default=1.0
        ``c``.
    velocity : array-like of the shape of ``initial`` or None, default=None
        ``u_t`` at ``t = 0`` (zero on the boundary); None: at rest.
    courant : float, default=0.5
        The largest time step as a fraction of the stable one, ``spacing / (c sqrt(d))``;
        each interval between requested times is split into equal steps no longer.

    Returns
    -------
    ndarray of shape (len(times), n_1, ..., n_d)

    Examples
    --------
    A standing wave ``sin(pi x) cos(pi t)`` on ``[0, 1]``, fixed at both ends:

    >>> import numpy as np
    >>> from sirenkit.pde import finite_difference_wave
    >>> x = np.linspace(0, 1, 201)
    >>> u = finite_difference_wave(np.sin(np.pi * x), x[1] - x[0], [0.25, 1.0])
    >>> bool(np.abs(u - np.sin(np.pi * x) * np.cos(np.pi * np.array([[0.25], [1.0]]))).max() < 1e-4)
    True
    """
    u = np.array(initial, dtype=np.float64)
    if u.ndim == 0 or min(u.shape) < 3 or not np.isfinite(u).all():
        raise ValueError(
            f"initial must be a finite grid with at least 3 nodes per axis, got shape {u.shape}"
        )
    given = np.zeros_like(u) if velocity is None else np.array(velocity, dtype=np.float64)
    if given.shape != u.shape or not np.isfinite(given).all():
        raise ValueError(f"velocity must be finite, of shape {u.shape}, got shape {given.shape}")
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    if (times < 0).any() or (np.diff(times) < 0).any() or not np.isfinite(times).all():
        raise ValueError(f"times must be finite, non-decreasing and >= 0, got {times}")
    for name, value in (("spacing", spacing), ("speed", speed), ("courant", courant)):
        if not (isinstance(value, Real) and value > 0):
            raise ValueError(f"{name} must be a number > 0, got {value!r}")
    if courant > 1:
        raise ValueError(f"courant must be at most 1 (stability), got {courant!r}")
    inner = (slice(1, -1),) * u.ndim
    v = np.zeros_like(u)
    v[inner] = given[inner]  # the boundary stays where it started

    def acceleration(u: np.ndarray) -> np.ndarray:
        out = np.zeros_like(u)
        for axis in range(u.ndim):
            ahead, behind = list(inner), list(inner)
            ahead[axis], behind[axis] = slice(2, None), slice(None, -2)
            out[inner] += u[tuple(ahead)] + u[tuple(behind)] - 2 * u[inner]
        return (speed / spacing) ** 2 * out

    largest_step = courant * spacing / (speed * math.sqrt(u.ndim))
    snapshots, now, a = [], 0.0, acceleration(u)
    for t in times:
        steps = math.ceil((t - now) / largest_step - 1e-9)
        dt = (t - now) / steps if steps > 0 else 0.0
        for _ in range(steps):
            v += 0.5 * dt * a
            u += dt * v
            a = acceleration(u)
            v += 0.5 * dt * a
        snapshots.append(u.copy())
        now = t
    return np.stack(snapshots)


class SumOfSquares(nn.Module):
    """The criterion of a :class:`PDEObjective`: the sum of squares of its weighted terms
    (the targets are zeros)."""

    def forward(self, terms: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return terms.square().sum()


class PDEObjective:
    """The plan's operator: on the stage's points (the collocation points, then each
    condition's), the residual and the conditions' errors, each scaled by
    ``sqrt(weight / size)`` so that their sum of squares is the weighted sum of means.

    Parameters
    ----------
    residual : callable
        ``residual(fields) -> Tensor of shape (n, ...)``.
    n_collocation : int
    conditions : list of Condition
        Checked; their points follow the collocation points in the stage, in this order.
    residual_weight : float
    source : ndarray of shape (n_collocation, k) or None
    scale : float or None
        The residual is divided by it in the loss; None: :meth:`initial_scale` on the
        first step (the initial network's), then kept.
    balance : bool, default=True
        How :meth:`initial_scale` sets the scale: by the terms' gradients, or by the
        residual's root mean square.
    """

    def __init__(
        self,
        residual: Callable[[Fields], torch.Tensor],
        n_collocation: int,
        conditions: Sequence[Condition],
        residual_weight: float,
        source: np.ndarray | None,
        scale: float | None = 1.0,
        balance: bool = True,
    ) -> None:
        self.residual, self.n_collocation = residual, n_collocation
        self.conditions, self.residual_weight = list(conditions), residual_weight
        self.source, self.scale, self.balance = source, scale, balance
        #: The highest derivative order the residual has read (Fields.order).
        self.order = 0
        self._tensors: dict = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_tensors": {}}  # rebuilt on use, not pickled

    def _device_data(self, like: torch.Tensor) -> tuple[torch.Tensor | None, list[torch.Tensor]]:
        """The source and the conditions' values on ``like``'s device, converted once."""
        key = (like.device, like.dtype)
        if key not in self._tensors:
            source = None if self.source is None else torch.as_tensor(self.source).to(like)
            values = [torch.as_tensor(c.values).to(like) for c in self.conditions]
            self._tensors[key] = (source, values)
        return self._tensors[key]

    def fields(self, module: nn.Module, coords: torch.Tensor) -> Fields:
        """The Fields at ``coords``, propagated at once to the order the residual read
        last time."""
        source, _ = self._device_data(coords)
        with torch.enable_grad():
            x = coords.detach().requires_grad_(True)
        return Fields(module, x, source, order=self.order)

    def residual_of(self, fields: Fields) -> torch.Tensor:
        """The user's residual, checked: a tensor of shape ``(n, ...)``."""
        r = self.residual(fields)
        self.order = max(self.order, fields.order)
        n = len(fields.x)
        if not isinstance(r, torch.Tensor) or r.ndim == 0 or r.shape[0] != n:
            shape = tuple(r.shape) if isinstance(r, torch.Tensor) else type(r).__name__
            raise ValueError(
                f"residual must return a tensor of shape (n, ...) with one row per collocation "
                f"point (n={n}), got {shape}"
            )
        return r

    def initial_scale(
        self, module: nn.Module, residual: torch.Tensor, condition_terms: list[torch.Tensor]
    ) -> float:
        """With ``balance``: the residual scale at which the residual's term and the
        conditions' pull the initial network's parameters equally hard, ``sqrt(|grad L_r|
        / |grad L_c|)``, with ``L_r`` the unscaled weighted mean square of the residual and
        ``L_c`` the conditions' loss (Wang, Teng and Perdikaris 2021 balance the terms by
        their gradients at every step; here once, at the start). Without ``balance``, or
        without conditions (or a zero gradient): the residual's root mean square."""
        rms = max(float(residual.detach().square().mean().sqrt()), 1e-12)
        if not (self.balance and condition_terms):
            return rms
        params = [p for p in module.parameters() if p.requires_grad]
        losses = (
            self.residual_weight * residual.square().mean(),
            torch.cat(condition_terms).square().sum(),
        )
        norms = []
        for loss in losses:
            grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
            norms.append(math.sqrt(sum(float(g.square().sum()) for g in grads if g is not None)))
        if norms[1] == 0 or norms[0] == 0:
            return rms
        return math.sqrt(norms[0] / norms[1])

    def __call__(self, module: nn.Module, coords: torch.Tensor) -> tuple:
        with torch.enable_grad():
            fields = self.fields(module, coords[: self.n_collocation])
            r = self.residual_of(fields)
            _, values = self._device_data(coords)
            start = self.n_collocation
            terms = []
            for condition, target in zip(self.conditions, values):
                points = coords[start : start + len(target)]
                start += len(target)
                if condition.axis is None:
                    predicted = module(points)
                else:
                    predicted = Fields(module, points.detach().requires_grad_(True)).derivative(
                        condition.axis
                    )
                error = predicted - target
                terms.append(math.sqrt(condition.weight / error.numel()) * error.flatten())
            if self.scale is None:  # once, before the first step: host reads
                self.scale = self.initial_scale(module, r, terms)
            weight = math.sqrt(self.residual_weight / r.numel()) / self.scale
            terms.insert(0, weight * r.flatten())
        return fields.u, torch.cat(terms)[:, None]


class PDESolver(INRRegressor):
    _parameter_constraints = {
        "residual": [callable],
        "conditions": [list, tuple, None],
        "residual_weight": [NONNEGATIVE],
        "n_outputs": [Interval(Integral, 1, None, closed="left")],
        "residual_scale": [POSITIVE, StrOptions({"auto", "rms"})],
        "loss": [StrOptions({"mse"})],  # the objective is the weighted sum of squares
    }
    _model_parameters = ("n_outputs",)
    # The frequencies of a smooth solution on [-1, 1]: the SIREN paper's omega_0 of 30 is
    # meant for images of hundreds of pixels, and hidden layers at 30 let the network
    # satisfy a residual at the collocation points with wiggles between them.
    _activation_defaults = {"sine": {"omega_0": 5.0, "hidden_omega_0": 10.0}}
    _targets_are_signal = False
    fits_signal_itself = False

    def __init__(
        self,
        *,
        residual: Callable[[Fields], torch.Tensor] | None = None,
        conditions: Sequence[Condition] | None = None,
        residual_weight: float = 1.0,
        n_outputs: int = 1,
        residual_scale: float | str = "auto",
        hidden_features: int = 64,
        hidden_layers: int | str = 2,
        max_epochs: int = 2000,
        lr: float | str = 1e-3,
        lr_schedule: str | None = "cosine",
        **params,
    ) -> None:
        super().__init__(
            hidden_features=hidden_features,
            hidden_layers=hidden_layers,
            max_epochs=max_epochs,
            lr=lr,
            lr_schedule=lr_schedule,
            **params,
        )
        self.residual, self.conditions = residual, conditions
        self.residual_weight, self.n_outputs = residual_weight, n_outputs
        self.residual_scale = residual_scale

    def fit(self, X, y=None):
        """Fit the solution at the collocation points ``X`` (and the conditions).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_dims)
            Collocation points, where the residual is evaluated.
        y : array-like of shape (n_samples,) or (n_samples, k), default=None
            Values the residual reads at those points as ``fields.source`` (e.g. the
            source term sampled), or None.

        Returns
        -------
        self
        """
        if self.residual is None:
            raise ValueError(
                "residual is required: a function of the Fields returning the equation's "
                "residual, e.g. lambda f: -f.laplacian - f.source"
            )
        self._has_source = y is not None
        if y is None:
            y = np.zeros(len(np.asarray(X)))
        return super().fit(X, y)

    def _model(self, X: np.ndarray, y: np.ndarray) -> Model:
        signal = SignalMap(
            scale=1.0, center=np.zeros(self.n_outputs), single_output=self.n_outputs == 1
        )
        return self._activation_model(X, y, signal)

    def _plan(self, X: np.ndarray, y: np.ndarray, model: Model) -> TrainingPlan:
        if self.batch_size not in ("auto", None):
            raise ValueError(
                "PDESolver trains on all collocation and condition points at once: "
                f"batch_size must be 'auto' or None, got {self.batch_size!r}"
            )
        conditions = [
            (Condition(*c) if isinstance(c, tuple) else c).checked(X.shape[1], self.n_outputs, i)
            for i, c in enumerate(self.conditions or ())
        ]
        source = y.reshape(len(y), -1) if self._has_source else None
        objective = self._objective(len(X), conditions, source)
        points = np.concatenate([X, *(c.points for c in conditions)]).astype(np.float32)
        return TrainingPlan(
            stages=[Stage(points, np.zeros((len(points), 1)))],
            criterion=SumOfSquares,
            target_operator=objective,
            scores_signal=False,
            attributes={"conditions_": conditions, "objective_": objective},
        )

    def _objective(self, n: int, conditions, source) -> PDEObjective:
        if not isinstance(self.residual_scale, str):
            scale = float(self.residual_scale)
        elif self.warm_start and hasattr(self, "objective_"):
            scale = self.objective_.scale  # the first fit's: the network is trained now
        else:
            scale = None
        balance = self.residual_scale == "auto"
        return PDEObjective(
            self.residual, n, conditions, self.residual_weight, source, scale, balance
        )

    def residual_at(self, X, y=None) -> np.ndarray:
        """The fitted solution's residual at points ``X`` (``y``: the source there, as in
        ``fit``): an array of shape (n_samples, ...) as the residual returns it."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X)
        source = None if y is None else np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        if self._has_source and source is None:
            raise ValueError("this fit's residual reads a source: pass y at X as in fit")
        objective = PDEObjective(self.residual, len(X), [], self.residual_weight, source)
        module = self.net_.module_
        coords = torch.as_tensor(X, dtype=torch.float32, device=self.device_)
        with self._runtime(training=False):
            fields = objective.fields(module, coords)
            with torch.enable_grad():
                residual = objective.residual_of(fields)
        return residual.detach().cpu().numpy().astype(np.float64)

    @property
    def residual_scale_(self) -> float:
        check_is_fitted(self, "net_")
        return float(self.objective_.scale)

    def score(self, X, y=None) -> float:
        """Minus the mean squared residual at ``X`` (0 is best): how well the fitted
        solution satisfies the equation there (the conditions are not scored). With
        ``GridSearchCV``, held-out collocation points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_dims)
        y : array-like or None
            The source at ``X``, if the fit read one.

        Returns
        -------
        score : float
        """
        return -float(np.mean(self.residual_at(X, y) ** 2))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


PDESolver.__doc__ = activation_docstring(
    """A network fitted to a partial differential equation.

    ``fit(X, y=None)`` minimises ``residual_weight * mean(r^2) + sum_k weight_k *
    mean((B_k u - g_k)^2)``, where ``r = residual(fields)`` is evaluated at the collocation
    points ``X`` with the network's exact value and derivatives (:class:`Fields`: ``u``,
    ``gradient``, ``laplacian``, ``derivative(axis, order)``), and each
    :class:`Condition` ``(points, values, weight, axis)`` fixes the value, or the first
    derivative along ``axis``, at its points (boundary and initial conditions). Training is
    full-batch, on all points at once, through the estimators' engine. ``predict`` returns
    the solution, ``predict_gradient`` / ``predict_laplacian`` its derivatives, ``score``
    minus the mean squared residual.

    Parameters
    ----------
    residual : callable
        ``residual(fields) -> Tensor of shape (n, ...)``, zero where the equation holds,
        written with torch operations on ``fields.u``, ``fields.gradient`` (n, C, d),
        ``fields.laplacian`` (n, C), ``fields.derivative(axis, order)``, ``fields.x``
        (the points) and ``fields.source`` (``y``). Use a named function (not a lambda)
        for a fit that pickles or runs in joblib workers.
    conditions : list of Condition (or of ``(points, values)`` tuples) or None
    residual_weight : float, default=1.0
    n_outputs : int, default=1
        Channels of the solution (2 for a complex field: real and imaginary parts).
    residual_scale : float, "auto" or "rms", default="auto"
        The residual is divided by this in the loss (``score`` and ``residual_at`` report
        it unscaled), so that a residual whose terms are large (``k^2 u`` of a Helmholtz
        equation, a source of 20) does not drown the conditions, nor a small one vanish
        beside them. ``"auto"``: the scale at which the residual's term and the
        conditions' pull the initial network's parameters equally hard (the square root
        of the ratio of their gradient norms, as Wang, Teng and Perdikaris 2021 balance
        them; here once, before the first step), or without conditions ``"rms"``: the
        root mean square of the initial network's residual. Read it from
        ``residual_scale_``. Measured at the defaults (``benchmarks/pde.py``, seeds 0
        and 1), against ``"rms"``: a Helmholtz plane wave at k = 4 (where "auto" was
        chosen) to 3e-4 instead of 3e-3 and 6e-2, one at k = 8 (held out) to 9e-2
        instead of 0.3, the heat equation (held out) 3 to 10 times lower; Poisson
        problems and the 1-D wave about the same.
    hidden_features : int, default=64
    hidden_layers : int, default=2
    max_epochs : int, default=2000
        Full-batch steps.
    lr : float or "auto", default=1e-3
    lr_schedule : {"auto", "cosine", "plateau", None}, default="cosine"
        On ``-u'' = pi^2 sin(pi x)`` (2000 epochs) the plateau schedule stopped at a
        relative error of 1e-2, the cosine one reached 3e-5.
    %(activation_params)s
        Here ``"sine"`` defaults to ``omega_0=5, hidden_omega_0=10``, for smooth solutions
        on ``[-1, 1]``: with hidden layers at 30, 3 of 9 fits of that equation (3 seeds, 3
        residual scales) satisfied it at the collocation points with wiggles between them
        (relative error 1), at 10 none did (all below 1e-4). An oscillating field wants
        30 (:class:`Helmholtz`: 10 times closer to the exact field at k = 10).
    %(common_params)s

    Attributes
    ----------
    %(common_attributes)s
    conditions_ : list of Condition
        The conditions as fitted (float arrays).
    residual_scale_ : float
        The residual scale used (resolves ``"auto"`` and ``"rms"``).

    Examples
    --------
    Poisson's equation ``-u'' = pi^2 sin(pi x)`` on ``[-1, 1]`` with ``u(+-1) = 0``, whose
    solution is ``sin(pi x)``:

    >>> import numpy as np, torch
    >>> from sirenkit import grid_coords
    >>> from sirenkit.metrics import relative_l2_error
    >>> from sirenkit.pde import Condition, PDESolver
    >>> def poisson(f):
    ...     return -f.laplacian - torch.pi**2 * torch.sin(torch.pi * f.x)
    >>> X = grid_coords(64)
    >>> ends = Condition(np.array([[-1.0], [1.0]]), np.zeros(2))
    >>> est = PDESolver(residual=poisson, conditions=[ends], max_epochs=500,
    ...                 random_state=0).fit(X)
    >>> bool(relative_l2_error(np.sin(np.pi * X[:, 0]), est.predict(X)) < 1e-2)
    True
    """,
    own=("hidden_features", "hidden_layers", "max_epochs", "lr", "lr_schedule"),
)
