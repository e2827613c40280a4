"""skorch callbacks for watching a fit: snapshots of the signal and its derivatives, and a
stop at a target score.

Pass them to an estimator's ``callbacks`` parameter. skorch runs its own copy of each
callback (and ``GridSearchCV`` clones the estimator), so read the recordings back from the
fitted estimator with :func:`get_snapshots`, not from the object you passed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from skorch.callbacks import Callback

from ._training import Derivative
from .coords import check_shape, grid_coords

__all__ = ["Snapshots", "TargetReached", "get_snapshots"]


class Snapshots(Callback):
    """Record the fitted signal, its gradient and its Laplacian on a grid every few epochs.

    The study's "step 200, 400, ..." figures: how a fit and its derivatives form over
    training (:func:`sirenkit.plotting.plot_snapshots` draws them). Values are in signal
    units, per unit of the ``[-1, 1]`` coordinates (as ``predict``, ``predict_gradient``
    and ``predict_laplacian`` return them); for a :class:`~sirenkit.PoissonSolver` the
    signal is recorded before its constant (and linear part) is fixed at the end of ``fit``.

    Parameters
    ----------
    shape : int or tuple of int
        Grid to render (e.g. the image's ``(H, W)``; a smaller one keeps it cheap).
    every : int, default=100
        Record after epochs ``every``, ``2 * every``, ... (counted over ``warm_start`` fits).
    derivatives : bool, default=True
        Also record the gradient and Laplacian (several forward passes' cost each).

    Attributes
    ----------
    snapshots_ : list of dict
        One per recording: ``epoch``; ``signal`` of shape ``shape + (C,)``; with
        ``derivatives``, ``gradient`` of shape ``shape + (C, d)`` and ``laplacian`` of
        shape ``shape + (C,)``.

    Examples
    --------
    >>> from sirenkit import SirenRegressor, grid_coords
    >>> from sirenkit.callbacks import Snapshots, get_snapshots
    >>> coords = grid_coords((16, 16))
    >>> est = SirenRegressor(hidden_features=16, max_epochs=20,
    ...                      callbacks=[Snapshots((16, 16), every=10)]).fit(coords, coords)
    >>> [(s["epoch"], s["laplacian"].shape) for s in get_snapshots(est)]
    [(10, (16, 16, 2)), (20, (16, 16, 2))]
    """

    def __init__(
        self, shape: int | Sequence[int], every: int = 100, derivatives: bool = True
    ) -> None:
        self.shape = shape
        self.every = every
        self.derivatives = derivatives

    def initialize(self):
        self.shape_ = check_shape(self.shape)
        if (
            isinstance(self.every, bool)
            or not isinstance(self.every, (int, np.integer))
            or self.every < 1
        ):
            raise ValueError(f"every must be an int >= 1, got {self.every!r}")
        self.snapshots_: list[dict] = []
        self._coords = grid_coords(self.shape_)
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        if X is not None and X.shape[1] != len(self.shape_):
            raise ValueError(
                f"Snapshots shape {self.shape_} is {len(self.shape_)}-D but the "
                f"coordinates are {X.shape[1]}-D"
            )

    def on_epoch_end(self, net, **kwargs) -> None:
        epoch = len(net.history)
        if epoch % self.every == 0:
            self.snapshots_.append(self.record(net, epoch))

    def record(self, net, epoch: int) -> dict:
        """Evaluate ``net`` on the grid (in signal units, see the class docstring)."""
        coords, signal_map = self._coords, net.signal_map
        batch_size = net.iterator_valid__batch_size  # the estimator's predict_batch_size
        output = net.evaluate(coords, batch_size)
        snapshot = {"epoch": epoch, "signal": self._as_grid(signal_map.signal(coords, output))}
        if self.derivatives:
            for kind in ("gradient", "laplacian"):
                derived = net.evaluate(coords, batch_size, Derivative(kind))
                snapshot[kind] = self._as_grid(signal_map.derivative(kind, derived))
        return snapshot

    def _as_grid(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, np.float64).reshape(self.shape_ + values.shape[1:])

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_coords", None)  # rebuilt from shape: keeps pickles small
        return state

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        if "shape_" in state:
            self._coords = grid_coords(self.shape_)


class TargetReached(Callback):
    """Stop a fit as soon as a score of the history reaches a target.

    The early stopping of a fit that only has to be good enough: skorch's
    ``EarlyStopping`` stops when a score stops improving, this one when it is reached
    (e.g. ``TargetReached(40)``: stop at 40 dB training PSNR). The fitted estimator keeps
    the network of the last epoch (``history_`` has the epochs that ran, and
    ``warm_start=True`` continues from there). The history's scores are taken on the
    predictions each epoch trained on, before its update: the network it ends with is
    usually a little better than the target.

    Parameters
    ----------
    target : float
    monitor : str, default="train_psnr"
        A key of the history (``"train_psnr"`` in dB, ``"train_mse"`` or ``"train_loss"``).
    lower_is_better : bool or None, default=None
        None: True for names with ``"loss"`` or ``"mse"`` in them, else False.

    Attributes
    ----------
    reached_at_ : int or None
        The epoch (counted over ``warm_start`` fits) at which the target was reached.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import SirenRegressor, grid_coords
    >>> from sirenkit.callbacks import TargetReached
    >>> coords = grid_coords((16, 16))
    >>> est = SirenRegressor(hidden_features=16, max_epochs=500, random_state=0,
    ...                      callbacks=[TargetReached(30)]).fit(coords, np.sin(coords))
    >>> len(est.history_) < 500 and est.history_[-1, "train_psnr"] >= 30
    True
    """

    def __init__(
        self, target: float, monitor: str = "train_psnr", lower_is_better: bool | None = None
    ) -> None:
        self.target = target
        self.monitor = monitor
        self.lower_is_better = lower_is_better

    def initialize(self):
        if isinstance(self.target, bool) or not isinstance(self.target, (int, float, np.number)):
            raise TypeError(f"target must be a number, got {self.target!r}")
        self.reached_at_ = None
        return self

    def _lower_is_better(self) -> bool:
        if self.lower_is_better is not None:
            return bool(self.lower_is_better)
        return "loss" in self.monitor or "mse" in self.monitor

    def on_epoch_end(self, net, **kwargs) -> None:
        row = net.history[-1]
        if self.monitor not in row:
            raise ValueError(
                f"TargetReached monitors {self.monitor!r}, which the history does not "
                f"record; it has {sorted(row)}"
            )
        score = row[self.monitor]
        reached = score <= self.target if self._lower_is_better() else score >= self.target
        if reached:
            self.reached_at_ = len(net.history)
            # skorch ends training on KeyboardInterrupt, as its own EarlyStopping does.
            raise KeyboardInterrupt


def get_snapshots(estimator) -> list[dict]:
    """The ``snapshots_`` of the :class:`Snapshots` callback of a fitted estimator.

    Raises
    ------
    ValueError
        If the estimator was not fitted with a :class:`Snapshots` callback.
    """
    net = getattr(estimator, "net_", None)
    for _, callback in getattr(net, "callbacks_", []):
        if isinstance(callback, Snapshots):
            return callback.snapshots_
    raise ValueError(
        f"{type(estimator).__name__} has no Snapshots recordings: fit it with "
        "callbacks=[Snapshots(shape, every=...)]"
    )
