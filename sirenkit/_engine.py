"""The training engine: how every network of sirenkit trains, step by step and epoch by epoch.

One engine serves the single fits (through skorch: :class:`sirenkit._training.INRNet`) and
the stacked fits of :mod:`sirenkit.stacked`, so both follow one set of semantics:

* :class:`TrainingSettings`: what a fit trains by, resolved once from an estimator;
* :class:`BatchOrder`: which samples each step of an epoch trains on (the full batch,
  shuffled mini-batches drawn on the device, or shuffled windows of consecutive samples);
* :class:`EpochRunner`: an epoch's steps with no host work between them. A step returns
  its sums (loss times batch size, squared error) as a device tensor; the runner adds them
  up on the device and the caller reads them once per epoch. On CUDA, after a warm-up
  epoch, the epoch's steps are captured in a CUDA graph and replayed: one launch per epoch
  instead of a few hundred kernel launches per step;
* :class:`LearningRateSchedule`: cosine, plateau or constant, one learning rate per network;
* :func:`adam_step`: ``torch.optim.Adam``'s update with one learning rate per stacked
  network, the one piece of optimizer arithmetic ``torch.optim`` cannot do (single fits use
  ``torch.optim.Adam`` itself, with :func:`adam_options`);
* :func:`signal_scores`: an epoch's MSE and PSNR in signal units.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = [
    "BatchOrder",
    "CudaGraphs",
    "EpochRunner",
    "ErrorGuidedOrder",
    "LearningRateSchedule",
    "TrainingSettings",
    "adam_options",
    "adam_step",
    "signal_scores",
]

#: Adam's constants: torch.optim.Adam's defaults, which every fit uses.
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
#: ReduceLROnPlateau's defaults (mode "min", relative threshold, eps), which the plateau
#: schedule follows.
PLATEAU_THRESHOLD, PLATEAU_EPS = 1e-4, 1e-8
#: Eager epochs before a CUDA graph is captured: the optimizer creates its state, cuBLAS
#: and cuDNN their handles and plans, torch.compile its kernels.
WARMUP_EPOCHS = 1


@dataclass(frozen=True)
class TrainingSettings:
    """What a fit trains by, resolved from an estimator's parameters (its ``lr_``,
    ``batch_size_``, ``lr_schedule_``, ...): the single and the stacked path read the same.

    Parameters
    ----------
    lr : float
    batch_size : int or None
        None: full batch.
    schedule : {"cosine", "plateau"} or None
    lr_factor : float
    lr_patience : int
        Epochs without improvement before a plateau reduction (resolved from "auto").
    max_epochs : int
    weight_decay : float
    seed : int
        Seeds the initialisation and the batch order.
    device : str
    precision : {"float32", "tf32", "bfloat16"}
    sampling : {"error"} or None, default=None
    """

    lr: float
    batch_size: int | None
    schedule: str | None
    lr_factor: float
    lr_patience: int
    max_epochs: int
    weight_decay: float
    seed: int
    device: str
    precision: str
    #: How mini-batches are drawn: None (shuffled) or "error" (:class:`ErrorGuidedOrder`).
    sampling: str | None = None

    def schedule_for(self, lr: Sequence[float]) -> LearningRateSchedule:
        """The learning-rate schedule of networks starting at ``lr`` (one per network)."""
        return LearningRateSchedule(
            self.schedule,
            lr,
            epochs=self.max_epochs,
            factor=self.lr_factor,
            patience=self.lr_patience,
        )


def adam_options(device: str | torch.device, lr: float) -> dict:
    """Keyword arguments of ``torch.optim.Adam`` for a fit on ``device`` at ``lr``.

    The fused implementation (one kernel for all parameters) where torch has it: CUDA, and
    the CPU from torch 2.4 (on 2 cores, a 2x32 SIREN's full-batch step on 32x32 pixels took
    0.96 ms against 1.13 ms with the default loop over parameters). On CUDA the optimizer
    is capturable (its step count stays on the device) and ``lr`` is a device tensor, so
    a CUDA graph replays the steps with the learning rate the schedule writes into it.
    """
    device = torch.device(device)
    if device.type == "cuda":
        return {"lr": torch.tensor(float(lr), device=device), "fused": True, "capturable": True}
    if device.type == "cpu" and torch.__version__ >= "2.4":
        return {"lr": float(lr), "fused": True}
    return {"lr": float(lr)}


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set every parameter group's learning rate, in place where it is a device tensor (a
    CUDA graph reads that tensor)."""
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(lr)
        else:
            group["lr"] = lr


class BatchOrder:
    """Which samples each step of an epoch trains on.

    The full batch (one step of all samples, no copy), shuffled mini-batches (a
    permutation drawn on the training device each epoch into one index buffer, which the
    steps read through fixed views: what a CUDA graph needs), or, with ``windows``, windows
    of consecutive samples in a shuffled order (a loss along time needs them; the order is
    drawn on the CPU, as slices). Without ``shuffle``, contiguous slices in order.

    A CPU fit draws its order from a CPU generator seeded with ``seed``, a CUDA fit from a
    CUDA generator: a seed gives one order per device.

    Parameters
    ----------
    n_samples : int
    batch_size : int or None
        None (or at least ``n_samples``): full batch.
    device : str or torch.device
    seed : int or None
    windows : bool, default=False
    shuffle : bool, default=True
    """

    def __init__(
        self,
        n_samples: int,
        batch_size: int | None,
        *,
        device: str | torch.device,
        seed: int | None,
        windows: bool = False,
        shuffle: bool = True,
    ) -> None:
        self.n_samples = int(n_samples)
        self.batch_size = self.n_samples if batch_size is None else min(int(batch_size), n_samples)
        self.full = self.batch_size >= self.n_samples
        self.shuffled = shuffle and not self.full
        self.windows = windows and self.shuffled
        device = torch.device(device)
        self.generator = torch.Generator(device="cpu" if self.windows else device)
        if seed is not None:
            self.generator.manual_seed(int(seed))
        self.index = None
        if self.shuffled and not self.windows:
            self.index = torch.empty(self.n_samples, dtype=torch.long, device=device)
        self._window_order = list(range(self.steps))

    @property
    def steps(self) -> int:
        """Steps per epoch."""
        return math.ceil(self.n_samples / self.batch_size)

    @property
    def static(self) -> bool:
        """Whether every step reads tensors of the same shapes at the same addresses each
        epoch (what a CUDA graph replays): not for windows, whose short last window moves."""
        return not self.windows or self.n_samples % self.batch_size == 0

    def draw(self) -> None:
        """Draw the next epoch's order (on the device: no host work for mini-batches)."""
        if not self.shuffled:
            return
        if self.windows:
            self._window_order = torch.randperm(self.steps, generator=self.generator).tolist()
            return
        torch.randperm(
            self.n_samples, generator=self.generator, device=self.index.device, out=self.index
        )

    def batches(self) -> list:
        """The index of each step of the epoch drawn last: slices or views of the buffer."""
        if self.full:
            return [slice(None)]
        size = self.batch_size
        if self.windows or not self.shuffled:
            return [slice(k * size, (k + 1) * size) for k in self._window_order]
        return [self.index[start : start + size] for start in range(0, self.n_samples, size)]

    def loss_weights(self, index) -> torch.Tensor | None:
        """The weight of each sample of the batch ``index`` in its loss; None: the plain
        mean (every sample drawn once an epoch)."""
        return None

    def record_errors(self, index, errors: torch.Tensor) -> None:
        """Take the batch's squared errors, ``(batch,)`` (an error-guided order draws the
        next epoch from them; this one ignores them)."""


class ErrorGuidedOrder(BatchOrder):
    """Mini-batches drawn with a preference for the samples of largest recent error, and
    the weights that keep the loss unbiased (importance sampling).

    Each epoch draws ``n_samples`` samples with replacement from ``p_i = (1 - uniform)
    e_i / sum(e) + uniform / n``, where ``e_i`` is the squared error sample ``i`` had the
    last time a step trained on it (1 before: the first epoch draws uniformly). A sample's
    loss is weighted by ``1 / (n p_i)``, so that the expected loss of a step is the mean
    loss over all samples, as with shuffled mini-batches: the steps spend their work where
    the error is, without changing what is minimised (the correction of soft mining,
    Kheradmand et al., CVPR 2024; EVOS, CVPR 2025, selects without one). The uniform share
    keeps every sample drawn and the weights at most ``1 / uniform``.

    Parameters
    ----------
    n_samples, batch_size : int
    device : str or torch.device
    seed : int or None
    uniform : float, default=0.5
        The share of the uniform distribution in ``p``, in (0, 1].
    """

    def __init__(
        self,
        n_samples: int,
        batch_size: int,
        *,
        device: str | torch.device,
        seed: int | None,
        uniform: float = 0.5,
    ) -> None:
        super().__init__(n_samples, batch_size, device=device, seed=seed)
        if self.full:
            raise ValueError("error-guided sampling needs mini-batches smaller than the data")
        if not 0 < uniform <= 1:
            raise ValueError(f"uniform must be in (0, 1], got {uniform!r}")
        self.uniform = float(uniform)
        self.errors = torch.ones(self.n_samples, device=self.index.device)
        self.probabilities = torch.full_like(self.errors, 1 / self.n_samples)

    def draw(self) -> None:
        total = self.errors.sum()
        guided = self.errors / torch.where(total > 0, total, 1)
        torch.add(
            (1 - self.uniform) * guided, self.uniform / self.n_samples, out=self.probabilities
        )
        torch.multinomial(
            self.probabilities,
            self.n_samples,
            replacement=True,
            generator=self.generator,
            out=self.index,
        )

    def loss_weights(self, index) -> torch.Tensor:
        return 1 / (self.n_samples * self.probabilities[index])

    def record_errors(self, index, errors: torch.Tensor) -> None:
        self.errors[index] = errors.detach().to(self.errors.dtype)


#: ``step(coords, targets, index) -> sums``: one optimisation step on a batch (``index``,
#: as :meth:`BatchOrder.batches` gives it, says which samples), returning a device tensor
#: of sums to add up over the epoch (the loss times the batch size, the squared error,
#: ...: any fixed shape).
Step = Callable[[torch.Tensor, torch.Tensor, Any], torch.Tensor]


class CudaGraphs:
    """How :class:`EpochRunner` warms up, captures and replays on CUDA (``torch.cuda.graph``).

    Kept apart so that the runner's logic (when to warm up, capture, fall back, replay) is
    tested on the CPU with a stand-in of the same three methods.
    """

    def available(self, tensor: torch.Tensor) -> bool:
        return tensor.is_cuda

    def warm_up(self, epoch: Callable[[], torch.Tensor], device: torch.device) -> torch.Tensor:
        """Run ``epoch`` eagerly on a side stream, as ``torch.cuda.graph``'s docs ask."""
        stream = torch.cuda.Stream(device=device)
        stream.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(stream):
            totals = epoch()
        torch.cuda.current_stream(device).wait_stream(stream)
        return totals

    def capture(
        self, epoch: Callable[[], torch.Tensor], generators: Sequence[torch.Generator]
    ) -> Callable[[], torch.Tensor]:
        """Capture ``epoch``; return ``replay() -> totals`` (the same tensor every time)."""
        graph = torch.cuda.CUDAGraph()
        for generator in generators:
            graph.register_generator_state(generator)
        with torch.cuda.graph(graph):
            totals = epoch()

        def replay() -> torch.Tensor:
            graph.replay()
            return totals

        return replay


class EpochRunner:
    """Run epochs of ``step`` over the batches of ``order``, summing what the steps return
    on the device.

    Nothing in an epoch waits for the device: the batch order is drawn there, and the
    steps' sums are added there; the caller reads the returned tensor once per epoch.
    With ``graphs`` (CUDA only, and an order whose steps read fixed tensors), the first
    :data:`WARMUP_EPOCHS` epochs run eagerly on a side stream, then the whole epoch is
    captured as one CUDA graph and replayed every epoch. Whatever the step reads (the
    parameters, the optimizer's state, a learning rate held in a device tensor) is updated
    in place by the replays. If the capture fails, the runner trains eagerly from then on
    and ``fallback_reason`` says why (``report`` is called with it).

    Parameters
    ----------
    step : Step
    X, y : Tensor
        The training inputs and targets, on the training device.
    order : BatchOrder
    graphs : bool, default=False
        Capture on CUDA (ignored elsewhere).
    generators : sequence of torch.Generator, default=()
        CUDA generators the step draws from: registered with the graph, so each replay
        draws new numbers.
    report : callable or None, default=None
        Called with a one-line message when the runner falls back to eager steps.
    backend : CudaGraphs, default=CudaGraphs()
        How graphs are made (a stand-in in the CPU tests).

    Attributes
    ----------
    mode : {"eager", "graph"}
        How the last epoch ran.
    fallback_reason : str or None
    """

    def __init__(
        self,
        step: Step,
        X: torch.Tensor,
        y: torch.Tensor,
        order: BatchOrder,
        *,
        graphs: bool = False,
        generators: Sequence[torch.Generator] = (),
        report: Callable[[str], None] | None = None,
        backend: CudaGraphs | None = None,
    ) -> None:
        self.step, self.X, self.y, self.order = step, X, y, order
        self.backend = CudaGraphs() if backend is None else backend
        self.graphs = bool(graphs) and order.static and self.backend.available(X)
        self.generators = tuple(generators)
        self.report = report
        self.mode, self.fallback_reason = "eager", None
        self.epochs_run = 0
        self._replay = None

    def run(self) -> torch.Tensor:
        """Train one epoch; the sum of the steps' sums, on the device."""
        self.order.draw()
        self.epochs_run += 1
        if self._replay is None and self.graphs and self.epochs_run > WARMUP_EPOCHS:
            self._capture()
        if self._replay is not None:
            self.mode = "graph"
            return self._replay()
        self.mode = "eager"
        if self.graphs:
            return self.backend.warm_up(self._epoch, self.X.device)
        return self._epoch()

    def _epoch(self) -> torch.Tensor:
        totals = None
        for index in self.order.batches():
            sums = self.step(self.X[index], self.y[index], index)
            totals = sums if totals is None else totals + sums
        return totals

    def _capture(self) -> None:
        try:
            self._replay = self.backend.capture(self._epoch, self.generators)
        except Exception as error:  # any failure: train on, eagerly
            self.graphs = False
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            self.fallback_reason = f"{type(error).__name__}: {message}"
            if self.report is not None:
                self.report(
                    f"CUDA graph capture failed ({self.fallback_reason}); training with eager steps"
                )


class LearningRateSchedule:
    """The learning rate of each of ``K`` networks, epoch by epoch.

    * ``"cosine"``: ``lr * (1 + cos(pi * e / epochs)) / 2`` in epoch ``e`` (from 0),
      ``CosineAnnealingLR(T_max=epochs)`` with ``eta_min=0``;
    * ``"plateau"``: ``ReduceLROnPlateau(mode="min", factor, patience)`` on each network's
      training loss (relative threshold 1e-4, reductions smaller than 1e-8 skipped);
    * None: constant.

    Tested against torch's schedulers. A new schedule starts a new count (a warm start or
    the next stage of a fit restarts the cosine and the plateau's patience).

    Parameters
    ----------
    kind : {"cosine", "plateau"} or None
    lr : sequence of float
        Each network's learning rate in the first epoch.
    epochs : int
    factor : float
    patience : int

    Attributes
    ----------
    lr : ndarray of shape (K,)
        The learning rates of the next epoch.
    """

    def __init__(
        self, kind: str | None, lr: Sequence[float], *, epochs: int, factor: float, patience: int
    ) -> None:
        if kind not in ("cosine", "plateau", None):
            raise ValueError(f"kind must be 'cosine', 'plateau' or None, got {kind!r}")
        self.kind, self.epochs = kind, int(epochs)
        self.factor, self.patience = float(factor), int(patience)
        self.base = np.array(lr, dtype=np.float64).reshape(-1)
        self.lr = self.base.copy()
        self.epoch = 0
        self.best = np.full(len(self.base), np.inf)
        self.bad_epochs = np.zeros(len(self.base), dtype=int)

    def epoch_end(
        self, losses: Sequence[float] | None = None, current: Sequence[float] | None = None
    ) -> np.ndarray:
        """Move to the next epoch after one with training ``losses`` (plateau needs them);
        return the new learning rates.

        ``current``: the rates the epoch ran at, if something else changed them (a user's
        ``set_params``): a plateau reduction, as torch's, starts from them; a constant
        rate stays at them.
        """
        if current is not None:
            self.lr = np.array(current, dtype=np.float64).reshape(-1)
        self.epoch += 1
        if self.kind == "cosine":
            self.lr = self.base * (1 + math.cos(math.pi * self.epoch / self.epochs)) / 2
        elif self.kind == "plateau":
            if losses is None:
                raise ValueError("the plateau schedule needs the epoch's training losses")
            losses = np.asarray(losses, dtype=np.float64).reshape(-1)
            better = losses < self.best * (1 - PLATEAU_THRESHOLD)
            self.best = np.where(better, losses, self.best)
            self.bad_epochs = np.where(better, 0, self.bad_epochs + 1)
            reduce = self.bad_epochs > self.patience
            reduced = self.lr * self.factor
            self.lr = np.where(reduce & (self.lr - reduced > PLATEAU_EPS), reduced, self.lr)
            self.bad_epochs[reduce] = 0
        return self.lr


def adam_step(
    params: dict[str, torch.Tensor],
    grads: dict[str, torch.Tensor],
    state: dict[str, tuple[torch.Tensor, torch.Tensor]],
    lr: torch.Tensor,
    step: torch.Tensor,
    weight_decay: float = 0.0,
) -> None:
    """``torch.optim.Adam``'s update of stacked parameters, one learning rate per network.

    Every tensor of ``params`` is a stack ``(K, ...)`` of ``K`` networks' parameters,
    updated in place; ``state`` holds each one's running means ``(m, v)`` and ``lr`` is
    ``(K,)``. ``step`` is the step count as a device tensor, incremented here, so the
    update does no host work (a CUDA graph can replay it). The arithmetic is Adam's
    (Kingma & Ba, with torch's L2 ``weight_decay`` and its eps outside the square root).

    Parameters
    ----------
    params, grads : dict of str to Tensor
    state : dict of str to (Tensor, Tensor)
        Zeros before the first step.
    lr : Tensor of shape (K,)
        float64 gives torch's rounding (it computes the step size in Python floats).
    step : Tensor, scalar, float64
        0 before the first step.
    weight_decay : float, default=0.0
    """
    beta1, beta2 = ADAM_BETAS
    step += 1
    # The scalars in float64, as torch.optim.Adam computes them (in Python), then rounded
    # once to the parameters' dtype.
    correction1 = 1 - torch.pow(beta1, step)
    correction2_sqrt = (1 - torch.pow(beta2, step)).sqrt()
    for name, param in params.items():
        grad = grads[name]
        if weight_decay:
            grad = grad.add(param, alpha=weight_decay)
        mean, square = state[name]
        mean.lerp_(grad, 1 - beta1)
        square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denominator = (square.sqrt() / correction2_sqrt.to(param.dtype)).add_(ADAM_EPS)
        size = (lr / correction1).to(param.dtype).view(-1, *[1] * (param.dim() - 1))
        param.sub_(size * (mean / denominator))


def signal_scores(
    squared_error: float | np.ndarray,
    count: int,
    scale: float | np.ndarray,
    data_range: float | np.ndarray,
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """An epoch's MSE and PSNR in signal units from its summed squared error.

    Parameters
    ----------
    squared_error : float or ndarray
        Sum of squared errors of the network's output against its (scaled) targets.
    count : int
        Values summed (samples times channels).
    scale : float or ndarray
        From the network's output back to signal units (``SignalMap.scale``).
    data_range : float or ndarray
        The signal's peak-to-peak range.

    Returns
    -------
    mse, psnr : float or ndarray
        Floats for scalar input (a single fit's epoch: no numpy overhead), arrays for
        arrays. The PSNR is infinite for an MSE of 0.
    """
    if all(np.ndim(value) == 0 for value in (squared_error, scale, data_range)):
        mse = float(squared_error) / count * float(scale) ** 2
        return mse, (math.inf if mse == 0 else 10 * math.log10(float(data_range) ** 2 / mse))
    mse = np.asarray(squared_error, dtype=np.float64) / count * np.asarray(scale) ** 2
    with np.errstate(divide="ignore"):
        psnr = 10 * np.log10(np.asarray(data_range, dtype=np.float64) ** 2 / mse)
    return mse, psnr
