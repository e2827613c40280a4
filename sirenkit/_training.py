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
from skorch.dataset import unpack_data
from skorch.utils import to_numpy, to_tensor

__all__ = ["CoordinateBatches", "EpochProgressBar", "INRNet", "SignalScoring"]

#: ``operator(output, coords) -> tensor``: a quantity computed from the network's output.
Operator = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class INRNet(NeuralNetRegressor):
    """A skorch regressor whose steps can differentiate the output with respect to coords.

    ``infer`` returns ``(output, coords)``, where ``coords`` is the tensor the forward pass
    used, made to require grad when a derivative is needed (skorch's ``predict`` keeps the
    first item). Training compares ``target_operator(output, coords)`` with the targets, so a
    Poisson problem trains on the gradient or Laplacian of the output. ``predict_derivative``
    evaluates such an operator chunk by chunk, with gradients enabled only there (skorch's
    inference steps run under ``no_grad``).

    Parameters
    ----------
    target_operator : callable or None, default=None
        ``operator(output, coords)`` giving what the training targets are samples of; None
        for the output itself. Its attribute ``needs_coord_grad`` (default True) says whether
        ``coords`` must require grad.
    """

    def __init__(self, module, *args, target_operator: Operator | None = None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.target_operator = target_operator

    def _coords_need_grad(self) -> bool:
        if getattr(self, "derivative_", None) is not None:
            return True
        operator = self.target_operator
        return operator is not None and getattr(operator, "needs_coord_grad", True)

    def infer(self, x, **fit_params):
        coords = to_tensor(x, device=self.device)
        if self._coords_need_grad() and torch.is_grad_enabled():
            # A fresh leaf: the training tensor itself must not accumulate .grad.
            coords = coords.detach().requires_grad_(True)
        return self.module_(coords, **fit_params), coords

    def get_loss(self, y_pred, y_true, X=None, training=False):
        output, coords = y_pred
        if self.target_operator is not None:
            output = self.target_operator(output, coords)
        return super().get_loss(output, y_true, X=X, training=training)

    def evaluation_step(self, batch, training=False):
        operator = getattr(self, "derivative_", None)
        if operator is None:
            return super().evaluation_step(batch, training)
        self.check_is_fitted()
        self._set_training(training)
        with torch.enable_grad():
            output, coords = self.infer(unpack_data(batch)[0])
            return operator(output, coords).detach()

    def predict_derivative(self, X, operator: Operator) -> np.ndarray:
        """``operator(output, coords)`` at ``X``, one ``iterator_valid`` batch at a time."""
        self.derivative_ = operator
        try:
            return np.concatenate([to_numpy(part) for part in self.forward_iter(X)])
        finally:
            del self.derivative_


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
        Draw a new permutation every epoch (mini-batch training).
    seed : int or None
        Seed of the permutations.
    """

    def __init__(self, dataset, batch_size: int, shuffle: bool = False,
                 seed: int | None = None) -> None:
        self.X, self.y = dataset.X, dataset.y
        self.n_samples = len(self.X)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = torch.Generator()
        if seed is not None:
            self.generator.manual_seed(int(seed))

    def __len__(self) -> int:
        return math.ceil(self.n_samples / self.batch_size)

    def __iter__(self):
        if self.batch_size >= self.n_samples:
            yield self.X, self.y
            return
        order = None
        if self.shuffle:
            order = torch.randperm(self.n_samples, generator=self.generator)
            if isinstance(self.X, torch.Tensor):
                order = order.to(self.X.device)
            else:
                order = order.numpy()
        for start in range(0, self.n_samples, self.batch_size):
            index = slice(start, start + self.batch_size)
            if order is not None:
                index = order[index]
            yield self.X[index], None if self.y is None else self.y[index]


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
