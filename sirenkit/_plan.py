"""What an estimator fits, as data: the model it builds and the plan it trains it by.

An estimator describes a fit in two parts (see :class:`sirenkit._base.BaseINR`):

* a :class:`Model`: the network to build (:class:`~sirenkit.nn.NetworkSpec`) and the
  :class:`SignalMap` from its output back to the signal. Built once; a warm start keeps it.
* a :class:`TrainingPlan`: what the network trains on (one or more :class:`Stage` of inputs
  and targets), with which criterion, through which target operator, and which constants
  the result is calibrated to afterwards. Built on every ``fit``.

The base estimator orders the stages' samples, builds the skorch net and trains the stages;
no subclass trains anything itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from torch import nn

from ._training import Derivative
from .nn import NetworkSpec

__all__ = ["SignalMap", "Calibration", "Stage", "TrainingPlan", "Model"]


@dataclass
class SignalMap:
    """How the network's output maps back to the signal.

    ``signal(X) = scale * network(X) + center + X @ linear.T + offset + base(X) +
    correction(X)``, the terms after ``center`` where set. Derivatives scale by ``scale``
    alone, plus ``linear`` for the gradient.

    Parameters
    ----------
    scale : float
    center : ndarray of shape (C,)
    single_output : bool, default=False
        The signal was given as ``(n,)``: predictions drop the channel axis.
    base : callable or None, default=None
        ``base(X) -> (n, C)`` added to the signal: the residual fits' base (e.g. a bicubic
        interpolation). Its derivatives are not known: derivative predictions are refused.
    offset : ndarray of shape (C,) or None
    linear : ndarray of shape (C, d) or None
        Set after training by a :class:`Calibration`.
    correction : callable or None, default=None
        ``correction(X) -> (n, C)``, set after training by a calibration that corrects
        the fitted signal (the super-resolver's back-projection). Its derivatives are not
        known either.
    """

    scale: float
    center: np.ndarray
    single_output: bool = False
    base: Callable[[np.ndarray], np.ndarray] | None = None
    offset: np.ndarray | None = None
    linear: np.ndarray | None = None
    correction: Callable[[np.ndarray], np.ndarray] | None = None

    @classmethod
    def from_range(cls, y: np.ndarray) -> SignalMap:
        """The map that puts every channel of ``y`` in [-1, 1] with one common scale.

        One scale for all channels keeps their relative weight in the loss (as in MSE in
        signal units); per-channel centres put every channel in [-1, 1].
        """
        columns = y.reshape(len(y), -1)
        low, high = columns.min(axis=0), columns.max(axis=0)
        half_range = float(np.max(high - low)) / 2
        return cls(
            scale=half_range if half_range > 0 else 1.0,
            center=(high + low) / 2,
            single_output=y.ndim == 1,
        )

    @property
    def n_outputs(self) -> int:
        return len(self.center)

    def check_outputs(self, n_outputs: int) -> None:
        """A warm start's signal must have the fitted number of channels."""
        if n_outputs != self.n_outputs:
            raise ValueError(
                f"y has {n_outputs} outputs but the estimator was fitted with "
                f"{self.n_outputs} (warm_start=True)"
            )

    def targets(self, y: np.ndarray) -> np.ndarray:
        """The training targets of the signal ``y``: ``(y - center) / scale``."""
        columns = y.reshape(len(y), -1)
        self.check_outputs(columns.shape[1])
        return (columns - self.center) / self.scale

    def signal(self, X: np.ndarray, output: np.ndarray) -> np.ndarray:
        """The signal ``(n, C)``, float64, from the network's ``output`` at ``X``."""
        signal = output.astype(np.float64)
        # In place: on a 4096^2 grid each temporary would be another 400 MB.
        signal *= self.scale
        signal += self.center
        if self.linear is not None:
            signal += X.astype(np.float64) @ self.linear.T
        if self.offset is not None:
            signal += self.offset
        if self.base is not None:
            signal += self.base(X)
        if self.correction is not None:
            signal += self.correction(X)
        return signal

    def derivative(self, kind: str, derived: np.ndarray) -> np.ndarray:
        """The signal's gradient ``(n, C, d)`` or Laplacian ``(n, C)`` from the network's."""
        if self.base is not None or self.correction is not None:
            raise NotImplementedError(
                "derivatives of a residual or back-projected fit would need the "
                "derivatives of its bicubic interpolant; fit with residual=False and "
                "back_projection=0 for derivatives"
            )
        derivative = derived.astype(np.float64) * self.scale
        if kind == "gradient" and self.linear is not None:
            derivative += self.linear
        return derivative

    def squeeze(self, values: np.ndarray) -> np.ndarray:
        """Drop the channel axis (axis 1) of a single-output signal."""
        return values[:, 0] if self.single_output else values


@dataclass(frozen=True)
class Calibration:
    """Constants a fit cannot see, set exactly after training (a Poisson reconstruction's).

    A plan's ``calibration`` is any object with this ``apply(estimator, X)``: it runs once
    the network is trained (on a warm start too) and sets terms of the estimator's
    ``signal_map_`` (the super-resolver's back-projection is another one).

    Parameters
    ----------
    mean : ndarray of shape (C,)
        The mean of the signal over the training coordinates.
    gradient_mean : ndarray of shape (C, d) or None
        The mean of its gradient there (adds a linear part); None leaves it as fitted.
    """

    mean: np.ndarray
    gradient_mean: np.ndarray | None = None

    def apply(self, estimator, X: np.ndarray) -> None:
        """Set ``estimator.signal_map_``'s linear part, then its offset, at ``X``."""
        signal_map = estimator.signal_map_
        signal_map.offset = signal_map.linear = None
        if self.gradient_mean is not None:
            gradient = estimator._derivative(X, Derivative("gradient"))
            signal_map.linear = self.gradient_mean - gradient.mean(axis=0)
        signal_map.offset = self.mean - estimator._predict_signal(X).mean(axis=0)


@dataclass
class Stage:
    """One run of training: targets ``y`` at inputs ``X`` for ``epochs`` epochs.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n, k)
        Scaled targets (what the criterion compares the network, or the target operator's
        result, with).
    epochs : int or None, default=None
        None: the estimator's ``max_epochs``.
    criterion : nn.Module or None, default=None
        A criterion for this stage only (e.g. one that knows the stage's grid); None: the
        plan's.
    """

    X: np.ndarray
    y: np.ndarray
    epochs: int | None = None
    criterion: nn.Module | None = None


@dataclass
class TrainingPlan:
    """What a fit trains on, in which order, and how.

    Parameters
    ----------
    stages : list of Stage
        Trained in turn, one network and optimiser throughout.
    criterion : nn.Module or its class
        The skorch criterion. If it has ``needs_time_order = True`` (a loss along time),
        the inputs must be a 1-D grid: samples are put in time order and mini-batches are
        windows of consecutive samples.
    target_operator : callable or None, default=None
        ``operator(module, coords) -> (output, derived)``: what the targets are samples of
        (a derivative, a forward model); None: the output itself.
    whole_grid : str or None, default=None
        The criterion or operator works on each stage's whole grid (this says which
        parameter, for messages): inputs must be full grids, are put in row-major order,
        and training is full-batch.
    scores_signal : bool, default=True
        The targets are samples of the signal: the history records ``train_mse`` and
        ``train_psnr`` in signal units.
    calibration : Calibration or None, default=None
        Run after training (``calibration.apply(estimator, X)``).
    attributes : dict, default={}
        Fitted attributes the plan resolves (e.g. grid shapes), set on the estimator.
    """

    stages: list[Stage]
    criterion: Any
    target_operator: Callable | None = None
    whole_grid: str | None = None
    scores_signal: bool = True
    calibration: Calibration | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def time_ordered(self) -> bool:
        return bool(getattr(self.criterion, "needs_time_order", False))

    def replace(self, **changes) -> TrainingPlan:
        return replace(self, **changes)


@dataclass
class Model:
    """The network to build and the map back from its output; a warm start keeps both.

    Parameters
    ----------
    network : NetworkSpec
    signal : SignalMap
    attributes : dict, default={}
        Fitted attributes the model resolves (e.g. ``omega_0_``), set on the estimator.
    """

    network: NetworkSpec
    signal: SignalMap
    attributes: dict[str, Any] = field(default_factory=dict)
