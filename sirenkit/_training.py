"""The skorch pieces the estimators train with.

skorch's default ``DataLoader`` indexes and collates one coordinate at a time, which for a
full-batch fit of 65,536 pixels costs about 1 s per epoch (4x a plain PyTorch loop).
:class:`CoordinateBatches` hands skorch whole tensors (or slices of them) instead, so a
full-batch epoch costs what the forward and backward passes cost.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback
from skorch.utils import to_numpy, to_tensor

from . import operators
from ._caller import warn_at_caller

__all__ = [
    "CoordinateBatches",
    "Derivative",
    "EpochProgressBar",
    "INRNet",
    "LearningCheck",
    "LearningWarning",
    "SignalScoring",
]

#: ``operator(module, coords) -> (output, derived)``: runs the module on the coordinates and
#: derives from its output what the training targets are samples of (e.g. its gradient).
Operator = Callable[[torch.nn.Module, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
#: Derivatives take several times a forward pass's memory: operators run in chunks this
#: many times smaller than ``predict_batch_size``.
OPERATOR_BATCH_DIVISOR = 8


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


class INRNet(NeuralNetRegressor):
    """A skorch regressor that can train on, and predict, derivatives of its output.

    ``infer`` returns ``(output, derived)``: the module's output and what the training
    targets are samples of, ``target_operator(module, coords)`` while training (e.g. the
    gradient of the output for a Poisson problem), else the output itself. skorch's
    ``predict`` keeps the first item. :meth:`evaluate` is the estimators' inference: the
    output or an operator's result, chunk by chunk, without changing the net.

    Parameters
    ----------
    target_operator : Operator or None, default=None
        See :data:`Operator`; None trains on the output itself.
    autocast_dtype : torch.dtype or None, default=None
        Run the module's forward pass under ``torch.autocast`` with this dtype (mixed
        precision); its output is returned in float32. Not applied to operators:
        derivatives are taken in float32.
    signal_map : SignalMap or None, default=None
        How the module's output maps back to the signal (for callbacks that show it, such
        as :class:`sirenkit.callbacks.Snapshots`).
    """

    def __init__(
        self,
        module,
        *args,
        target_operator: Operator | None = None,
        autocast_dtype: torch.dtype | None = None,
        signal_map=None,
        **kwargs,
    ):
        super().__init__(module, *args, **kwargs)
        self.target_operator = target_operator
        self.autocast_dtype = autocast_dtype
        self.signal_map = signal_map

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
        with torch.autocast(device_type, dtype=self.autocast_dtype):
            output = self.module_(coords, **fit_params)
        return output.float()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return super().get_loss(y_pred[1], y_true, X=X, training=training)

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


class CoordinateBatches:
    """Iterate over ``(X, y)`` of a skorch ``Dataset`` in contiguous or shuffled batches.

    Used as skorch's ``iterator_train`` and ``iterator_valid``. When ``batch_size`` covers
    the dataset it yields the stored tensors themselves: no copy, no indexing.

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
    """

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        seed: int | None = None,
        windows: bool = False,
    ) -> None:
        self.X, self.y = dataset.X, dataset.y
        self.n_samples = len(self.X)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.windows = windows
        self.generator = torch.Generator()
        if seed is not None:
            self.generator.manual_seed(int(seed))

    def __len__(self) -> int:
        return math.ceil(self.n_samples / self.batch_size)

    def __iter__(self):
        if self.batch_size >= self.n_samples:
            yield self.X, self.y
            return
        starts = range(0, self.n_samples, self.batch_size)
        if self.windows:
            if self.shuffle:
                order = torch.randperm(len(starts), generator=self.generator).tolist()
                starts = [starts[i] for i in order]
            for start in starts:
                yield self._take(slice(start, start + self.batch_size))
            return
        order = None
        if self.shuffle:
            order = torch.randperm(self.n_samples, generator=self.generator)
            order = order.to(self.X.device) if isinstance(self.X, torch.Tensor) else order.numpy()
        for start in starts:
            index = slice(start, start + self.batch_size)
            yield self._take(index if order is None else order[index])

    def _take(self, index):
        return self.X[index], None if self.y is None else self.y[index]


class SignalScoring(Callback):
    """Record each epoch's training MSE and PSNR in an :class:`INRNet`'s history.

    The MSE is taken on the predictions the epoch trained on (before its update), in the
    estimator's original signal units, so ``train_psnr`` is the standard PSNR whatever the
    training loss is.

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

    def on_epoch_begin(self, net, **kwargs) -> None:
        self._squared_error_sum = 0.0
        self._count = 0

    def on_batch_end(self, net, batch, training, y_pred=None, **kwargs) -> None:
        if not training:
            return
        output, target = y_pred[0].detach(), batch[1]
        self._squared_error_sum += float(torch.sum((output - target.to(output.device)) ** 2))
        self._count += target.numel()

    def on_epoch_end(self, net, **kwargs) -> None:
        if not self._count:
            return
        mse = self._squared_error_sum / self._count * self.target_scale**2
        psnr = math.inf if mse == 0 else 10 * math.log10(self.data_range**2 / mse)
        net.history.record("train_mse", mse)
        net.history.record("train_psnr", psnr)


class LearningWarning(UserWarning):
    """A fit that has not learned: its error is still about the signal's variance."""


class LearningCheck(Callback):
    """Warn once when a fit has learned nothing after its first epochs.

    After ``epoch`` epochs of a fit (counted from its start, over all its stages), a
    training MSE (:class:`SignalScoring`'s ``train_mse``) above ``ratio`` times the
    signal's variance means the network does no better than the signal's mean: too large
    a learning rate or omega_0, or targets in other units than expected. A
    :class:`sirenkit.LearningWarning` then says so, and what to change, while the fit goes
    on (it may still be interrupted).

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
        mse = net.history[-1, "train_mse"]
        if self.variance > 0 and mse > self.ratio * self.variance:
            warn_at_caller(
                f"the fit has not learned after {self.epoch} epochs: its training MSE "
                f"{mse:.3g} is {mse / self.variance:.0%} of the signal's variance "
                f"{self.variance:.3g}. To fix it, {self.advice}.",
                LearningWarning,
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
        postfix["lr"] = f"{net.optimizer_.param_groups[0]['lr']:.2g}"
        self.bar_.set_postfix(postfix, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs) -> None:
        self.bar_.close()
        # A tqdm object does not pickle; the fitted estimator must.
        del self.bar_
