"""The skorch shell of a fit: the net, its batches, its callbacks, and how a plan trains.

An estimator's fit trains one :class:`INRNet`, a skorch ``NeuralNetRegressor`` whose
training epochs run through the engine (:mod:`sirenkit._engine`): the steps follow one
another on the device with no host work between them (CUDA-graph captured on CUDA), and
skorch keeps what it is good at: the history, the callbacks, checkpoints and
``set_params``. :func:`train` builds the net from the estimator's resolved
:class:`~sirenkit._engine.TrainingSettings` and its :class:`~sirenkit._plan.TrainingPlan`
and trains the plan's stages.

skorch's default ``DataLoader`` indexes and collates one coordinate at a time, which for a
full-batch fit of 65,536 pixels costs about 1 s per epoch (4x a plain PyTorch loop);
:class:`CoordinateBatches` hands the engine whole tensors and a device-side batch order.
"""

from __future__ import annotations

import copy
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback, Checkpoint
from skorch.history import History
from skorch.utils import to_numpy, to_tensor

from . import operators
from ._caller import warn_at_caller
from ._engine import (
    BatchOrder,
    EpochRunner,
    ErrorGuidedOrder,
    TrainingSettings,
    adam_options,
    set_learning_rate,
    signal_scores,
)

__all__ = [
    "CoordinateBatches",
    "Derivative",
    "EpochLoss",
    "EpochProgressBar",
    "EpochTotals",
    "INRNet",
    "LearningCheck",
    "LearningRateScheduling",
    "LearningWarning",
    "SignalScoring",
    "TrainingHistory",
    "build_net",
    "learning_warning",
    "needs_batch_hooks",
    "signal_variance",
    "train",
    "training_callbacks",
]

#: ``operator(module, coords) -> (output, derived)``: runs the module on the coordinates and
#: derives from its output what the training targets are samples of (e.g. its gradient).
Operator = Callable[[torch.nn.Module, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
#: Derivatives take several times a forward pass's memory: operators run in chunks this
#: many times smaller than ``predict_batch_size``.
OPERATOR_BATCH_DIVISOR = 8
#: The skorch hooks called within an epoch, for each batch.
BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")
#: The autocast dtype of each ``precision``.
PRECISION_DTYPES = {"float32": None, "tf32": None, "bfloat16": torch.bfloat16}
#: A fit whose training MSE is still above this share of the signal's variance after
#: LEARNING_CHECK_EPOCH epochs has learned nothing: it warns (LearningWarning).
LEARNING_CHECK_EPOCH, LEARNING_CHECK_RATIO = 50, 0.9


class Derivative:
    """An :data:`Operator` giving the gradient ``(n, C, d)`` or Laplacian ``(n, C)``.

    Exact derivatives: propagated forward in closed form for the networks that allow it
    (:func:`sirenkit.operators.forward_derivatives`, several times cheaper), by reverse-mode
    autograd otherwise or when ``method="reverse"``.

    Parameters
    ----------
    kind : {"gradient", "laplacian"}
    training : bool, default=False
        Keep the graph, for a loss. False for inference: the result is detached and the
        forward method runs without any graph.
    method : {"auto", "forward", "reverse"}, default="auto"
    """

    def __init__(self, kind: str, training: bool = False, method: str = "auto") -> None:
        self.kind = kind
        self.training = training
        self.method = method

    def __call__(
        self, module: torch.nn.Module, coords: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        order = 1 if self.kind == "gradient" else 2
        forward = self.method == "forward" or (
            self.method == "auto" and operators.supports_forward_derivatives(module)
        )
        if forward:
            output, gradient, laplace = operators.forward_derivatives(module, coords, order)
            return output, gradient if order == 1 else laplace
        # skorch runs inference under no_grad; reverse mode needs a graph from the coords.
        with torch.enable_grad():
            coords = coords.detach().requires_grad_(True)  # a fresh leaf, not the data's
            output = module(coords)
            take = operators.gradient if order == 1 else operators.laplacian
            derived = take(output, coords, create_graph=self.training)
        if not self.training:
            output, derived = output.detach(), derived.detach()
        return output, derived


def needs_batch_hooks(callback: Callback) -> bool:
    """Whether ``callback`` acts within an epoch: it overrides a batch-level hook
    (``on_batch_begin``, ``on_batch_end``, ``on_grad_computed``) and does not declare
    ``step_every = "epoch"`` (as skorch's ``LRScheduler`` does by default)."""
    if getattr(callback, "step_every", None) == "epoch":
        return False
    return any(getattr(type(callback), hook) is not getattr(Callback, hook) for hook in BATCH_HOOKS)


class INRNet(NeuralNetRegressor):
    """A skorch regressor that can train on, and predict, derivatives of its output, and
    trains an epoch without returning to Python between its steps.

    ``infer`` returns ``(output, derived)``: the module's output and what the training
    targets are samples of, ``target_operator(module, coords)`` while training (e.g. the
    gradient of the output for a Poisson problem), else the output itself. skorch's
    ``predict`` keeps the first item. :meth:`evaluate` is the estimators' inference: the
    output or an operator's result, chunk by chunk, without changing the net.

    **Training epochs.** A training epoch runs through :class:`sirenkit._engine.EpochRunner`:
    the steps (skorch's ``train_step_single``, then the optimizer's step) follow one another
    with no host work between them, their loss and squared error summed on the device and
    read once at the end of the epoch. On CUDA, the epoch's steps are captured as a CUDA
    graph after a warm-up epoch and replayed (``cuda_graphs``); the optimizer is
    ``torch.optim.Adam`` with the options of :func:`sirenkit._engine.adam_options` (fused,
    and capturable with its learning rate in a device tensor on CUDA). Epoch-level
    callbacks, the history and checkpoints work as in skorch; the history has one batch
    row per epoch (its mean loss over all samples and their number). Callbacks that act
    within an epoch (see :func:`needs_batch_hooks`, e.g. skorch's
    ``GradientNormClipping``) get skorch's step-by-step loop, batch by batch.

    Parameters
    ----------
    target_operator : Operator or None, default=None
        See :data:`Operator`; None trains on the output itself. An operator (or a
        criterion) with ``capturable = False`` is never captured in a CUDA graph; one with
        a ``generators()`` method returns the CUDA generators it draws from.
    autocast_dtype : torch.dtype or None, default=None
        Run the module's forward pass under ``torch.autocast`` with this dtype (mixed
        precision); its output is returned in float32. Not applied to operators:
        derivatives are taken in float32.
    signal_map : SignalMap or None, default=None
        How the module's output maps back to the signal (for callbacks that show it, such
        as :class:`sirenkit.callbacks.Snapshots`).
    scores_signal : bool, default=False
        Sum the squared error of the output against the targets each epoch (for
        :class:`SignalScoring`).
    cuda_graphs : bool, default=True
        Capture the training epochs in CUDA graphs on CUDA.
    report : callable or None, default=None
        Called with a one-line message when training falls back from CUDA graphs.

    Attributes
    ----------
    epoch_totals_ : EpochTotals
        The last training epoch's mean loss and summed squared error.
    epoch_runner_ : EpochRunner or None
        The runner of the current stage's epochs (None once training ended).
    step_mode_ : {"graph", "eager"}
        How the last training epoch ran: replayed from a CUDA graph, or step by step.
    graph_fallback_ : str or None
        Why a CUDA graph capture failed, if it did.
    """

    def __init__(
        self,
        module,
        *args,
        target_operator: Operator | None = None,
        autocast_dtype: torch.dtype | None = None,
        signal_map=None,
        scores_signal: bool = False,
        cuda_graphs: bool = True,
        report: Callable[[str], None] | None = None,
        **kwargs,
    ):
        super().__init__(module, *args, **kwargs)
        self.target_operator = target_operator
        self.autocast_dtype = autocast_dtype
        self.signal_map = signal_map
        self.scores_signal = scores_signal
        self.cuda_graphs = cuda_graphs
        self.report = report

    @property
    def _default_callbacks(self):
        # skorch's, with the training loss read from the epoch's totals (EpochLoss).
        return [
            (name, EpochLoss() if name == "train_loss" else callback)
            for name, callback in super()._default_callbacks
        ]

    def _set_training(self, training: bool = True) -> None:
        # skorch sets the mode at every step, recursing through every layer (about 90 us
        # a step on a CPU, 8% of a small fit's step): only when it changes.
        modules = [getattr(self, name + "_") for name in self._modules + self._criteria]
        if any(isinstance(m, torch.nn.Module) and m.training != training for m in modules):
            super()._set_training(training)

    def initialize_history(self):
        self.history_ = TrainingHistory()
        return self

    # -- the optimizer --------------------------------------------------------------------
    def get_params_for_optimizer(self, prefix, named_parameters):
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        kwargs.update(adam_options(self.device, kwargs["lr"]))
        return args, kwargs

    # -- training -------------------------------------------------------------------------
    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if not training or iterator is None:
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        n_samples, n_values = len(iterator.X), iterator.y.numel()
        if fit_params or getattr(self, "_stepwise", True):
            loss_sum, squared_error = self._epoch_with_batch_hooks(
                iterator, prefix, step_fn, fit_params
            )
        else:
            runner = self._runner(iterator)
            self._keep_learning_rate_tensors()
            sums = runner.run()
            loss_sum, squared_error = sums.tolist()  # the epoch's one wait for the device
            self.history.new_batch()
            self.history.record_batch(prefix + "_loss", loss_sum / n_samples)
            self.history.record_batch(prefix + "_batch_size", n_samples)
        self.history.record(prefix + "_batch_count", iterator.order.steps)
        self.epoch_totals_ = EpochTotals(loss_sum / n_samples, squared_error, n_values)

    def _runner(self, iterator: CoordinateBatches) -> EpochRunner:
        """The runner of ``iterator``'s epochs: one per ``partial_fit`` (one per stage), and
        a new one whenever the module, criterion or optimizer is replaced (a captured
        graph holds the old ones)."""
        pieces = (self.criterion_, self.target_operator)
        key = (iterator.order, self.module_, self.optimizer_, *pieces)
        runner = getattr(self, "epoch_runner_", None)
        if runner is None or any(a is not b for a, b in zip(self._runner_key, key)):
            generators = [g for piece in pieces for g in getattr(piece, "generators", tuple)()]
            runner = EpochRunner(
                self._lean_step,
                iterator.X,
                iterator.y,
                iterator.order,
                graphs=self.cuda_graphs and all(getattr(p, "capturable", True) for p in pieces),
                generators=generators,
                report=self.report,
            )
            self.epoch_runner_, self._runner_key = runner, key
            # The learning rates a graph will read (device tensors on CUDA).
            self._lr_tensors = [g["lr"] for g in self.optimizer_.param_groups]
        return runner

    def _lean_step(self, coords: torch.Tensor, targets: torch.Tensor, index) -> torch.Tensor:
        """skorch's training step without its host work: ``[loss * batch, squared error]``."""
        self._zero_grad_optimizer()
        step = self._weighted_step(self.epoch_runner_.order, index, (coords, targets))
        self._step_optimizer(None)
        return self._step_sums(step, targets)

    def _weighted_step(self, order: BatchOrder, index, batch, step_fn=None, **fit_params):
        """``step_fn(batch)`` (skorch's ``train_step_single`` by default) with the order's
        loss weights of the samples ``index`` (see :meth:`get_loss`), and the batch's
        squared errors handed back to the order."""
        self._loss_weights = order.loss_weights(index)
        try:
            step = (step_fn or self.train_step_single)(batch, **fit_params)
        finally:
            weights, self._loss_weights = self._loss_weights, None
        if weights is not None:
            order.record_errors(index, self._sample_errors)
            step["loss_weights"] = weights
        return step

    def _step_sums(self, step: dict, targets: torch.Tensor) -> torch.Tensor:
        loss = step["loss"].detach() * len(targets)
        if not self.scores_signal:
            return torch.stack([loss, torch.zeros_like(loss)])
        squared = (step["y_pred"][0].detach() - targets).square()
        weights = step.get("loss_weights")
        if weights is not None:  # an unbiased estimate of the sum over all samples
            squared = weights[:, None] * squared.flatten(1)
        return torch.stack([loss, squared.sum()])

    def _epoch_with_batch_hooks(
        self, iterator, prefix: str, step_fn, fit_params
    ) -> tuple[float, float]:
        """skorch's loop, batch by batch with every callback hook, for callbacks that
        act within an epoch; returns the epoch's ``(loss sum, squared error)``."""
        sums = None
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=True)
            step = self._weighted_step(iterator.order, iterator.index, batch, step_fn, **fit_params)
            self.history.record_batch(prefix + "_loss", step["loss"].item())
            self.history.record_batch(prefix + "_batch_size", len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=True, **step)
            batch_sums = self._step_sums(step, batch[1])
            sums = batch_sums if sums is None else sums + batch_sums
        return tuple(sums.tolist())

    def _keep_learning_rate_tensors(self) -> None:
        """Write a learning rate set as a number (``set_params(lr=...)``, a callback) into
        the device tensor that a captured graph reads, and put the tensor back."""
        for group, tensor in zip(self.optimizer_.param_groups, self._lr_tensors):
            if isinstance(tensor, torch.Tensor) and group["lr"] is not tensor:
                tensor.fill_(float(group["lr"]))
                group["lr"] = tensor

    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        self._stepwise = any(needs_batch_hooks(callback) for _, callback in self.callbacks_)

    def on_train_end(self, net, X=None, y=None, **kwargs) -> None:
        runner = getattr(self, "epoch_runner_", None)
        if runner is not None:
            self.step_mode_, self.graph_fallback_ = runner.mode, runner.fallback_reason
        # The runner's graph holds a memory pool of the training step's size, and the
        # gradients live in it: free both.
        self.epoch_runner_ = self._runner_key = None
        self._zero_grad_optimizer(set_to_none=True)

    def __getstate__(self):
        state = super().__getstate__()
        # A CUDA graph and a bound step, and what they hold: not pickled.
        for name in ("epoch_runner_", "_runner_key", "_lr_tensors", "_stepwise", "_sample_errors"):
            state.pop(name, None)
        return state

    # -- inference ------------------------------------------------------------------------
    def infer(self, x, **fit_params):
        coords = to_tensor(x, device=self.device)
        if self.target_operator is not None and self.module_.training:
            return self.target_operator(self.module_, coords)
        output = self._forward(coords, **fit_params)
        return output, output

    def _forward(self, coords: torch.Tensor, **fit_params) -> torch.Tensor:
        if self.autocast_dtype is None:
            return self.module_(coords, **fit_params)
        device_type = torch.device(self.device).type
        # No cast cache: a CUDA graph replays the casts of the weights it captured.
        with torch.autocast(device_type, dtype=self.autocast_dtype, cache_enabled=False):
            output = self.module_(coords, **fit_params)
        return output.float()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The criterion's loss on what the network trains on (``y_pred[1]``); in a
        training step of an error-guided order, the mean of each sample's squared error
        times its weight (an unbiased estimate of the MSE over all samples)."""
        weights = getattr(self, "_loss_weights", None) if training else None
        if weights is None:
            return super().get_loss(y_pred[1], y_true, X=X, training=training)
        squared = (y_pred[1] - y_true).square().flatten(1).mean(dim=1)
        self._sample_errors = squared.detach()
        return (weights * squared).mean()

    def evaluate(
        self, X: np.ndarray, batch_size: int, operator: Operator | None = None
    ) -> np.ndarray:
        """The module's output at ``X``, or the ``derived`` part of ``operator``, computed
        in chunks without gradients.

        It changes nothing on the net (no mode, no iterator setting), so threads may
        evaluate one net at once.

        Parameters
        ----------
        X : ndarray of shape (n, d)
        batch_size : int
            Rows per forward pass; an operator takes ``batch_size // 8`` (derivatives need
            several times the memory of a forward pass).
        operator : Operator or None, default=None

        Returns
        -------
        ndarray of shape (n, ...), float32
        """
        if operator is not None:
            batch_size = max(1, batch_size // OPERATOR_BATCH_DIVISOR)
        parts = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                # Writable and contiguous: torch cannot wrap a read-only memmap.
                chunk = np.require(X[start : start + batch_size], np.float32, ["C", "W"])
                coords = to_tensor(chunk, device=self.device)
                result = (
                    self._forward(coords) if operator is None else operator(self.module_, coords)[1]
                )
                parts.append(to_numpy(result))
        return np.concatenate(parts)


class TrainingHistory(History):
    """skorch's ``History``, recording into the last row directly.

    skorch's ``record`` reads the last row through ``History.__getitem__``, which copies
    the whole history first: each record costs time linear in the epochs so far (about
    70 us an epoch after 2000 epochs of ten records, 7% of a small fit's step on a CPU).
    """

    def _last(self) -> dict:
        if not self:
            raise ValueError("Call new_epoch before recording for the first time.")
        return list.__getitem__(self, -1)

    def new_batch(self) -> None:
        self._last()["batches"].append({})

    def record(self, attr, value) -> None:
        self._last()[attr] = value

    def record_batch(self, attr, value) -> None:
        self._last()["batches"][-1][attr] = value


@dataclass(frozen=True)
class EpochTotals:
    """What a training epoch measured: its mean loss over all samples (skorch's
    ``train_loss``), the summed squared error of the output against the targets (with
    ``scores_signal``) and the number of target values."""

    loss: float
    squared_error: float
    values: int


class CoordinateBatches:
    """skorch's ``iterator_train`` and ``iterator_valid``: a dataset's ``(X, y)`` in the
    batches of a :class:`sirenkit._engine.BatchOrder`.

    :class:`INRNet` trains an epoch through its ``X``, ``y`` and ``order`` directly;
    iterating yields the batches one by one (skorch's loop, prediction). When
    ``batch_size`` covers the dataset it yields the stored tensors themselves: no copy,
    no indexing.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` (tensor or ndarray) and ``y`` (same, or None when predicting).
    batch_size : int
        skorch passes ``len(dataset)`` for its ``batch_size=-1``.
    shuffle : bool, default=False
        Draw a new order every epoch (mini-batch training).
    seed : int or None
        Seed of the shuffling.
    windows : bool, default=False
        Batches are windows of consecutive samples (a loss along time needs them); with
        ``shuffle`` the order of the windows is shuffled, not the samples.
    sampling : {"error"} or None, default=None
        ``"error"``: mini-batches of an :class:`sirenkit._engine.ErrorGuidedOrder`.

    Attributes
    ----------
    index : slice or Tensor
        The samples of the batch yielded last.
    """

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        seed: int | None = None,
        windows: bool = False,
        sampling: str | None = None,
    ) -> None:
        self.X, self.y = dataset.X, dataset.y
        device = self.X.device if isinstance(self.X, torch.Tensor) else "cpu"
        if sampling == "error":
            self.order = ErrorGuidedOrder(len(self.X), batch_size, device=device, seed=seed)
        else:
            self.order = BatchOrder(
                len(self.X), batch_size, device=device, seed=seed, windows=windows, shuffle=shuffle
            )
        self.index = slice(None)

    def __len__(self) -> int:
        return self.order.steps

    def __iter__(self):
        self.order.draw()
        for index in self.order.batches():
            self.index = index
            if not isinstance(self.X, torch.Tensor) and not isinstance(index, slice):
                index = index.cpu().numpy()
            yield self.X[index], None if self.y is None else self.y[index]


class EpochLoss(Callback):
    """skorch's ``train_loss`` scoring (``train_loss``, ``train_loss_best``) from the epoch's
    totals: the mean loss over all the epoch's samples, as skorch's ``PassthroughScoring``
    averages its batch losses weighted by their sizes, without reading the history back."""

    def initialize(self):
        self.best_score_ = math.inf
        return self

    def on_epoch_end(self, net, **kwargs) -> None:
        totals = getattr(net, "epoch_totals_", None)
        if totals is None:
            return
        best = totals.loss < self.best_score_
        if best:
            self.best_score_ = totals.loss
        net.history.record("train_loss", totals.loss)
        net.history.record("train_loss_best", bool(best))


class SignalScoring(Callback):
    """Record each epoch's training MSE and PSNR in an :class:`INRNet`'s history.

    The MSE is taken on the predictions the epoch trained on (before their updates), in
    the estimator's original signal units, so ``train_psnr`` is the standard PSNR whatever
    the training loss is. The net sums the squared error on the device
    (``scores_signal=True``); this reads its :attr:`INRNet.epoch_totals_`.

    Parameters
    ----------
    target_scale : float
        Factor from the scaled training targets back to signal units.
    data_range : float
        Peak-to-peak range of the signal for the PSNR.
    """

    def __init__(self, target_scale: float, data_range: float) -> None:
        self.target_scale = target_scale
        self.data_range = data_range

    def on_epoch_end(self, net, **kwargs) -> None:
        totals = getattr(net, "epoch_totals_", None)
        if totals is None or not totals.values:
            return
        mse, psnr = signal_scores(
            totals.squared_error, totals.values, self.target_scale, self.data_range
        )
        net.history.record("train_mse", mse)
        net.history.record("train_psnr", psnr)


class LearningRateScheduling(Callback):
    """The learning-rate schedule of a fit (:class:`sirenkit._engine.LearningRateSchedule`,
    the stacked fits' too): records the epoch's rate as ``event_lr`` (also when constant),
    then sets the next epoch's on the optimizer when the schedule changes it (a rate set
    by ``set_params`` or another callback stays until then).

    Each ``partial_fit`` (a fit, a stage of a multi-stage fit, a warm start) starts a new
    schedule: the cosine from ``net.lr``, the plateau from the optimizer's current rate
    with a new count.

    Parameters
    ----------
    settings : TrainingSettings
        Its ``schedule``, ``max_epochs`` (the cosine's period), ``lr_factor`` and
        ``lr_patience``; the schedule is built by its ``schedule_for``, as a stack's is.
    """

    def __init__(self, settings: TrainingSettings) -> None:
        self.settings = settings

    @property
    def kind(self) -> str | None:
        return self.settings.schedule

    @property
    def factor(self) -> float:
        return self.settings.lr_factor

    @property
    def patience(self) -> int:
        return self.settings.lr_patience

    def on_train_begin(self, net, **kwargs) -> None:
        current = net.optimizer_.param_groups[0]["lr"]
        start = float(current) if self.kind == "plateau" else float(net.lr)
        self.schedule_ = self.settings.schedule_for([start])
        set_learning_rate(net.optimizer_, start)

    def on_epoch_end(self, net, **kwargs) -> None:
        # The rate the epoch ran at (a callback or set_params may have set another one).
        used = float(net.optimizer_.param_groups[0]["lr"])
        net.history.record("event_lr", used)
        losses = [net.history[-1, "train_loss"]] if self.kind == "plateau" else None
        rate = float(self.schedule_.epoch_end(losses, current=[used])[0])
        if rate != used:
            set_learning_rate(net.optimizer_, rate)


class LearningWarning(UserWarning):
    """A fit that has not learned: its error is still about the signal's variance."""


def learning_warning(mse: float, variance: float, epoch: int, ratio: float, advice: str) -> None:
    """Warn (:class:`LearningWarning`) if a training MSE of ``mse`` after ``epoch`` epochs
    is above ``ratio`` times the signal's ``variance``: the network does no better than
    the signal's mean."""
    if variance > 0 and mse > ratio * variance:
        warn_at_caller(
            f"the fit has not learned after {epoch} epochs: its training MSE "
            f"{mse:.3g} is {mse / variance:.0%} of the signal's variance "
            f"{variance:.3g}. To fix it, {advice}.",
            LearningWarning,
        )


def signal_variance(targets: np.ndarray, scale: float) -> float:
    """The variance of a signal (mean over channels), in signal units, from its scaled
    training ``targets``: the MSE of predicting its mean, what :class:`LearningCheck`
    compares a fit with."""
    return float(np.mean(np.var(targets, axis=0))) * scale**2


class LearningCheck(Callback):
    """Warn once when a fit has learned nothing after its first epochs.

    After ``epoch`` epochs of a fit (counted from its start, over all its stages), a
    training MSE (:class:`SignalScoring`'s ``train_mse``) above ``ratio`` times the
    signal's variance means the network does no better than the signal's mean: too large
    a learning rate or omega_0, or targets in other units than expected. A
    :class:`sirenkit.LearningWarning` then says so, and what to change, while the fit goes
    on (it may still be interrupted). See :func:`learning_warning`.

    Parameters
    ----------
    variance : float
        The signal's variance, in signal units (mean over channels).
    epoch : int
    ratio : float
    advice : str
        What to change, for the message.
    """

    def __init__(self, variance: float, epoch: int, ratio: float, advice: str) -> None:
        self.variance = variance
        self.epoch = epoch
        self.ratio = ratio
        self.advice = advice

    def initialize(self):
        self.start_ = None
        return self

    def on_train_begin(self, net, **kwargs) -> None:
        if self.start_ is None:  # the first stage of this fit (a warm start counts anew)
            self.start_ = len(net.history)

    def on_epoch_end(self, net, **kwargs) -> None:
        if len(net.history) - self.start_ != self.epoch or "train_mse" not in net.history[-1]:
            return
        learning_warning(
            net.history[-1, "train_mse"], self.variance, self.epoch, self.ratio, self.advice
        )


class EpochProgressBar(Callback):
    """A tqdm progress bar with one step per epoch, showing loss, PSNR and learning rate.

    skorch's own ``ProgressBar`` counts batches within an epoch, which for full-batch
    training is always one.
    """

    def on_train_begin(self, net, **kwargs) -> None:
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.max_epochs, unit="epoch", dynamic_ncols=True)

    def on_epoch_end(self, net, **kwargs) -> None:
        row = net.history[-1]
        postfix = {"loss": f"{row['train_loss']:.3g}"}
        if "train_psnr" in row:
            postfix["psnr"] = f"{row['train_psnr']:.2f} dB"
        if "event_lr" in row:
            postfix["lr"] = f"{row['event_lr']:.2g}"
        self.bar_.set_postfix(postfix, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs) -> None:
        self.bar_.close()
        # A tqdm object does not pickle; the fitted estimator must.
        del self.bar_


# -- a fit's net: built from the estimator and its plan, trained stage by stage ------------
def train(estimator, settings: TrainingSettings, plan, module: torch.nn.Module, history=None):
    """Train ``module`` through ``plan`` as ``estimator`` asks (compiled if it asks and if
    compiling works); return the trained :class:`INRNet`.

    ``history``: a warm start's history, continued.
    """
    compile_ = estimator.compile and compile_supported()
    start = 0 if history is None else len(history)
    saved = copy.deepcopy(module.state_dict()) if compile_ else None
    net = build_net(estimator, settings, plan, module, history, compile_)
    try:
        run_stages(net, plan, settings.max_epochs)
    except Exception as error:
        # Compilation happens in the first step; a later error is not the compiler's.
        if not compile_ or len(net.history) > start + 1:
            raise
        warnings.warn(
            f"torch.compile failed in the first epoch ({type(error).__name__}:"
            f" {str(error).strip().splitlines()[0]}); training without it",
            RuntimeWarning,
            stacklevel=4,
        )
        module.load_state_dict(saved)
        if history is not None:
            del history[start:]
        net = build_net(estimator, settings, plan, module, history, False)
        run_stages(net, plan, settings.max_epochs)
    # Inference needs no training mode; predict never toggles it (threads share the net).
    net.module_.train(False)
    return net


def compile_supported() -> bool:
    """Whether torch.compile can run here; warns and returns False when it cannot."""
    if torch._dynamo.is_dynamo_supported():
        return True
    warnings.warn(
        "compile=True: torch.compile is not supported on this platform or "
        "Python version; training without it",
        RuntimeWarning,
        stacklevel=5,
    )
    return False


def run_stages(net: INRNet, plan, max_epochs: int) -> None:
    """Train ``net`` through the plan's stages (a stage's own epochs, or ``max_epochs``)."""
    for stage in plan.stages:
        if stage.criterion is not None:
            net.criterion_ = stage.criterion
        epochs = max_epochs if stage.epochs is None else stage.epochs
        done = len(net.history)
        net.partial_fit(*device_tensors(net.device, stage.X, stage.y), epochs=epochs)
        if len(net.history) - done < epochs:
            break  # interrupted (Ctrl-C) or stopped early: not the next stages


def device_tensors(device, *arrays: np.ndarray) -> tuple[torch.Tensor, ...]:
    """The arrays as float32 tensors on ``device``."""
    # Writable, contiguous float32 (read-only memmaps cannot back a torch tensor).
    return tuple(torch.from_numpy(np.require(a, np.float32, ["C", "W"])).to(device) for a in arrays)


def build_net(
    estimator,
    settings: TrainingSettings,
    plan,
    module: torch.nn.Module,
    history=None,
    compile: bool = False,
) -> INRNet:
    """The initialised :class:`INRNet` of a fit: the module, its optimizer at
    ``settings.lr``, the batches and the callbacks (:func:`training_callbacks`)."""
    net = INRNet(
        module=module,
        target_operator=plan.target_operator,
        autocast_dtype=PRECISION_DTYPES[settings.precision],
        signal_map=estimator.signal_map_,
        scores_signal=plan.scores_signal,
        report=_report if estimator.verbose else None,
        compile=compile,
        criterion=plan.criterion,
        optimizer=torch.optim.Adam,
        optimizer__weight_decay=settings.weight_decay,
        lr=settings.lr,
        max_epochs=settings.max_epochs,
        batch_size=-1 if settings.batch_size is None else settings.batch_size,
        iterator_train=CoordinateBatches,
        iterator_train__shuffle=True,
        iterator_train__windows=plan.time_ordered,
        iterator_train__seed=settings.seed,
        iterator_train__sampling=settings.sampling,
        iterator_valid=CoordinateBatches,
        iterator_valid__batch_size=estimator.predict_batch_size,
        train_split=None,
        callbacks=training_callbacks(estimator, settings, plan),
        # Per-epoch timing and printing cost more than a small full-batch step.
        callbacks__epoch_timer=None,
        callbacks__print_log=None,
        callbacks__valid_loss=None,
        device=settings.device,
        verbose=0,
    )
    net.initialize()
    if history is not None:
        net.history = history
    return net


def _report(message: str) -> None:
    print(f"sirenkit: {message}", file=sys.stderr)


def training_callbacks(estimator, settings: TrainingSettings, plan) -> list:
    """The callbacks of a fit: scores, the learning check, the learning-rate schedule, a
    checkpoint, the user's callbacks, a progress bar (in that order)."""
    callbacks = []
    signal_map = estimator.signal_map_
    if plan.scores_signal:
        callbacks.append(("signal_scoring", SignalScoring(signal_map.scale, estimator.data_range)))
    if plan.scores_signal and plan.target_operator is None and signal_map.base is None:
        # Targets that are the signal itself (not a residual): their variance is the
        # error of predicting their mean.
        variance = signal_variance(plan.stages[-1].y, signal_map.scale)
        check = LearningCheck(
            variance, LEARNING_CHECK_EPOCH, LEARNING_CHECK_RATIO, estimator._learning_advice()
        )
        callbacks.append(("learning_check", check))
    callbacks.append(("lr_scheduler", LearningRateScheduling(settings)))
    if estimator.checkpoint_dir is not None:
        # Parameters only: saving the optimizer and the growing history at almost
        # every improving epoch of a full-batch fit makes it several times slower.
        checkpoint = Checkpoint(
            monitor="train_loss_best",
            dirname=str(estimator.checkpoint_dir),
            f_optimizer=None,
            f_criterion=None,
            f_history=None,
        )
        callbacks.append(("checkpoint", checkpoint))
    callbacks += list(estimator.callbacks or [])
    if estimator.verbose:
        callbacks.append(("progress_bar", EpochProgressBar()))
    return callbacks
