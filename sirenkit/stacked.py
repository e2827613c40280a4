"""Many networks of one shape trained as one: the stacked path of sweeps and many-signal fits.

A grid search over omega_0, seeds or learning rates, or one recipe fitted to every image of a
folder, trains many small networks whose steps are bound by per-step overhead (Python,
kernel launches), not arithmetic. Networks that share a shape (:attr:`NetworkSpec.shape`),
their frequencies and their training settings are stacked (``torch.func.stack_module_state``)
and trained as one batched network (``torch.vmap`` over ``functional_call``), each with its
own Adam state and learning-rate schedule, so each one follows the updates it would get alone.

:func:`fit_many` fits one estimator to many signals this way;
:class:`sirenkit.model_selection.StackedGridSearchCV` uses it for a grid search.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from numbers import Real

import joblib
import numpy as np
import torch
from sklearn.base import clone

from ._base import BaseINR, FitSetup
from ._engine import BatchOrder, EpochRunner, TrainingSettings, adam_step, signal_scores
from ._training import (
    LEARNING_CHECK_EPOCH,
    LEARNING_CHECK_RATIO,
    TrainingHistory,
    build_net,
    learning_warning,
    signal_variance,
)

__all__ = ["fit_many", "stackable", "fit_stacked"]

#: Default memory for one stack's activations (forward and backward), in bytes.
DEFAULT_STACK_BYTES = 2 * 2**30
#: The arithmetic a stack can train in (no autocast).
STACKABLE_PRECISIONS = ("float32", "tf32")


@dataclass
class _Job:
    """One fit, set up as ``estimator.fit`` sets it up, not yet trained."""

    estimator: BaseINR
    setup: FitSetup
    y: np.ndarray = field(repr=False)  # the network's targets (scaled signal), (n, C)

    @property
    def X(self) -> np.ndarray:
        return self.setup.plan.stages[0].X

    @property
    def settings(self) -> TrainingSettings:
        return self.setup.settings

    @property
    def module(self) -> torch.nn.Module:
        return self.setup.module

    def key(self) -> tuple:
        """What stacked networks must share: the shape, frequencies, settings, inputs."""
        settings = self.settings
        return (
            self.estimator.network_.shape,
            _structure(self.module),
            settings.device,
            settings.precision,
            settings.batch_size,
            settings.max_epochs,
            settings.schedule,
            settings.lr_factor,
            settings.lr_patience,
            settings.weight_decay,
            # Mini-batches are drawn in the order of the seed: shared only with one seed.
            settings.seed if settings.batch_size is not None else None,
            joblib.hash(self.X),
        )


#: Layer attributes that only scale the forward pass (sine frequencies, Gaussian widths):
#: networks that differ in them still stack, each with its own value.
PER_NETWORK = ("omega_0", "scale")


def _structure(module: torch.nn.Module) -> str:
    """The module's layers, shapes and settings but the :data:`PER_NETWORK` values."""
    layers = [
        (
            name,
            type(layer).__name__,
            {
                k: v
                for k, v in vars(layer).items()
                if not k.startswith("_") and k != "training" and k not in PER_NETWORK
            },
        )
        for name, layer in module.named_modules()
    ]
    shapes = [(name, tuple(t.shape)) for name, t in module.state_dict().items()]
    return repr((layers, shapes))


def _per_network(modules: list[torch.nn.Module]) -> dict[tuple[str, str], list[float]]:
    """The :data:`PER_NETWORK` attributes of each layer, one value per network."""
    values = {}
    for name, layer in modules[0].named_modules():
        for attribute in PER_NETWORK:
            if isinstance(getattr(layer, attribute, None), Real):
                values[name, attribute] = [
                    float(getattr(m.get_submodule(name), attribute)) for m in modules
                ]
    return values


def stackable(estimator) -> bool:
    """Whether ``estimator.fit`` is a plain fit of its signal, which the stack reproduces:
    an estimator whose ``fits_signal_itself`` (:class:`~sirenkit.INRRegressor`,
    SirenRegressor, ReluMLPRegressor) with the MSE loss, float32 or TF32 arithmetic, no
    encoding, error-guided sampling, compilation, callbacks, checkpoints or warm start. The
    others are fitted one by one (a hash grid's tables are a lookup, not the batched
    matrix products a stack shares; error-guided batches differ from network to network)."""
    return (
        getattr(estimator, "fits_signal_itself", False)
        and estimator.encoding is None
        and estimator.sampling is None
        and estimator.loss == "mse"
        and estimator.precision in ("auto", *STACKABLE_PRECISIONS)
        and not estimator.compile
        and not estimator.callbacks
        and estimator.checkpoint_dir is None
        and not estimator.warm_start
    )


def _prepare(estimator: BaseINR, X, y) -> _Job | None:
    """What ``estimator.fit(X, y)`` sets up before it trains (``BaseINR._setup_fit``);
    None if the fit, once resolved, cannot stack (e.g. a bfloat16 default)."""
    estimator._validate_params()
    setup = estimator._setup_fit(X, y)
    plan = setup.plan
    if len(plan.stages) != 1 or plan.target_operator is not None or plan.whole_grid:
        raise ValueError(f"{type(estimator).__name__} with these parameters cannot be stacked")
    if setup.settings.precision not in STACKABLE_PRECISIONS:
        return None
    return _Job(estimator, setup, plan.stages[0].y)


def _finish(job: _Job, state: dict, history: TrainingHistory) -> BaseINR:
    """The estimator of ``job`` fitted: its network holds ``state``, its history ``history``."""
    est, setup = job.estimator, job.setup
    est.net_ = build_net(est, setup.settings, setup.plan, setup.module, history)
    est.net_.module_.load_state_dict(state)
    est.net_.module_.train(False)
    est._calibrate(setup.X, setup.plan)
    return est


def _train_stack(jobs: list[_Job]) -> list[BaseINR]:
    """Train the networks of ``jobs`` (one key) as one stacked network."""
    # The process settings of a fit (heap reuse on the CPU: large activations each step).
    with jobs[0].estimator._runtime():
        return _train_stack_here(jobs)


def _train_stack_here(jobs: list[_Job]) -> list[BaseINR]:
    first, settings = jobs[0], jobs[0].settings
    device = torch.device(settings.device)
    modules = [job.module.to(device) for job in jobs]
    stacked, buffers = torch.func.stack_module_state(modules)
    trains = dict(modules[0].named_parameters())
    # Frozen parameters (the Fourier features' frequencies) go with the buffers.
    params = {k: v.detach().clone() for k, v in stacked.items() if trains[k].requires_grad}
    buffers = {**buffers, **{k: v.detach() for k, v in stacked.items() if k not in params}}
    scalars = {
        key: torch.tensor(values, dtype=torch.float32, device=device)
        for key, values in _per_network(modules).items()
    }
    if _plain_mlp(modules[0]):
        gradient = _batched_gradient(modules[0], scalars)
    else:
        gradient = _vmap_gradient(modules[0], buffers, scalars)
    X = torch.as_tensor(np.ascontiguousarray(first.X, np.float32), device=device)
    # (n, K, C): the runner's batches index the samples, the first axis.
    Y = torch.as_tensor(
        np.stack([np.ascontiguousarray(job.y, np.float32) for job in jobs], axis=1), device=device
    )
    schedule = settings.schedule_for([job.settings.lr for job in jobs])
    # float64 scalars: torch.optim.Adam's rounding (see adam_step).
    lr = torch.tensor(schedule.lr, dtype=torch.float64, device=device)
    state = {name: (torch.zeros_like(p), torch.zeros_like(p)) for name, p in params.items()}
    step_count = torch.zeros((), dtype=torch.float64, device=device)

    def step(coords: torch.Tensor, targets: torch.Tensor, index) -> torch.Tensor:
        targets = targets.transpose(0, 1)  # (K, batch, C)
        grads, losses = gradient(params, coords, targets)
        with torch.no_grad():
            adam_step(params, grads, state, lr, step_count, settings.weight_decay)
        # Sums of the MSE loss: times the batch (train_loss), times its values (scores).
        return torch.stack([losses * targets.shape[1], losses * targets[0].numel()])

    order = BatchOrder(len(X), settings.batch_size, device=device, seed=settings.seed)
    runner = EpochRunner(step, X, Y, order, graphs=True)
    log = _StackLog(len(jobs), settings.max_epochs)
    for _ in range(settings.max_epochs):
        sums = runner.run().cpu().numpy().astype(np.float64)  # the epoch's one wait
        log.record(sums, order.steps, schedule.lr)
        lr.copy_(torch.from_numpy(schedule.epoch_end(sums[0] / len(X))))
    fitted = []
    for k, job in enumerate(jobs):
        weights = {
            name: value[k].detach().clone().cpu() for name, value in {**buffers, **params}.items()
        }
        history = log.history(k, job)
        fitted.append(_finish(job, weights, history))
    return fitted


class _StackLog:
    """The per-epoch measurements of a stack, turned into each network's skorch History
    with the keys a single fit records (see :class:`sirenkit._training.INRNet`)."""

    def __init__(self, n_networks: int, epochs: int) -> None:
        self.sums = np.zeros((epochs, 2, n_networks))
        self.lrs = np.zeros((epochs, n_networks))
        self.epochs, self.steps = 0, 0

    def record(self, sums: np.ndarray, steps: int, lr: np.ndarray) -> None:
        self.sums[self.epochs], self.lrs[self.epochs] = sums, lr
        self.epochs += 1
        self.steps = steps

    def history(self, k: int, job: _Job) -> TrainingHistory:
        """Network ``k``'s history (and its LearningWarning, as a single fit would warn)."""
        estimator, n_samples = job.estimator, len(job.X)
        losses = self.sums[: self.epochs, 0, k] / n_samples
        mse, psnr = signal_scores(
            self.sums[: self.epochs, 1, k],
            job.y.size,
            estimator.signal_map_.scale,
            estimator.data_range,
        )
        best = np.minimum.accumulate(np.concatenate([[np.inf], losses]))[:-1]
        history = TrainingHistory()
        for epoch in range(self.epochs):
            history.new_epoch()
            history.record("epoch", epoch + 1)
            history.new_batch()
            history.record_batch("train_loss", float(losses[epoch]))
            history.record_batch("train_batch_size", n_samples)
            history.record("train_batch_count", self.steps)
            history.record("train_loss", float(losses[epoch]))
            history.record("train_loss_best", bool(losses[epoch] < best[epoch]))
            history.record("train_mse", float(mse[epoch]))
            history.record("train_psnr", float(psnr[epoch]))
            history.record("event_lr", float(self.lrs[epoch, k]))
        if self.epochs >= LEARNING_CHECK_EPOCH:
            variance = signal_variance(job.y, estimator.signal_map_.scale)
            learning_warning(
                float(mse[LEARNING_CHECK_EPOCH - 1]),
                variance,
                LEARNING_CHECK_EPOCH,
                LEARNING_CHECK_RATIO,
                estimator._learning_advice(),
            )
        return history


def _vmap_gradient(module: torch.nn.Module, buffers: dict, scalars: dict):
    """``gradient(params, coords, targets) -> (grads, losses)`` of any stacked network,
    through ``vmap`` over ``functional_call``."""
    base = copy.deepcopy(module).to("meta")

    def output(weights, buffers, scalars, coords):
        # Per-network frequencies and widths enter as batched tensors set on the layers.
        for (name, attribute), value in scalars.items():
            setattr(base.get_submodule(name), attribute, value)
        return torch.func.functional_call(base, (weights, buffers), (coords,))

    def total(weights, coords, targets):
        predicted = torch.vmap(output, in_dims=(0, 0, 0, None))(weights, buffers, scalars, coords)
        losses = ((predicted - targets) ** 2).mean(dim=(1, 2))
        # The sum separates: each network's gradient is that of its own loss.
        return losses.sum(), losses.detach()

    return torch.func.grad(total, has_aux=True)


def _plain_mlp(module: torch.nn.Module) -> bool:
    """An MLP of ``activation(W x + b)`` layers (sine, ReLU, FINER, Gauss; a linear output:
    :attr:`sirenkit.nn.Layer.elementwise`), whose stack is a few batched matrix products:
    cheaper per step than ``vmap``."""
    return all(layer.elementwise for layer in [*module.hidden, module.output])


def _batched_gradient(module: torch.nn.Module, scalars: dict):
    """``gradient(params, coords, targets) -> (grads, losses)`` of a stack of plain MLPs
    (see :func:`_plain_mlp`) by batched matrix products and autograd."""
    named = [(f"hidden.{i}", layer) for i, layer in enumerate(module.hidden)]
    named.append(("output", module.output))
    # Each layer with its networks' omega_0, scale as (K, 1, 1) tensors.
    layers = [(name, _scalars_set(layer, name, scalars)) for name, layer in named]

    def forward(params, coords):
        h = coords
        for name, per_network in layers:
            weight, bias = params[f"{name}.linear.weight"], params[f"{name}.linear.bias"]
            z = torch.matmul(h, weight.transpose(1, 2)) + bias.unsqueeze(1)
            with per_network:
                h = per_network.layer.activation(z)
        return h

    def gradient(params, coords, targets):
        leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}
        losses = ((forward(leaves, coords) - targets) ** 2).mean(dim=(1, 2))
        grads = torch.autograd.grad(losses.sum(), list(leaves.values()))
        return dict(zip(leaves, grads)), losses.detach()

    return gradient


class _scalars_set:
    """Set a layer's :data:`PER_NETWORK` attributes to their ``(K, 1, 1)`` values for a
    call, then back."""

    def __init__(self, layer, name: str, scalars: dict) -> None:
        self.layer = layer
        self.values = {
            attribute: value.view(-1, 1, 1)
            for (owner, attribute), value in scalars.items()
            if owner == name
        }

    def __enter__(self):
        self.saved = {a: getattr(self.layer, a) for a in self.values}
        for attribute, value in self.values.items():
            object.__setattr__(self.layer, attribute, value)

    def __exit__(self, *exc):
        for attribute, value in self.saved.items():
            object.__setattr__(self.layer, attribute, value)


def _stack_size(job: _Job, max_stack_bytes: float) -> int:
    """How many networks like ``job``'s fit in ``max_stack_bytes`` of activations."""
    spec = job.estimator.network_
    batch = job.settings.batch_size or len(job.X)
    width = max(spec.hidden_features, getattr(job.module.hidden[0].linear, "out_features", 1))
    # Each layer keeps about four (batch, width) float32 tensors for the backward pass.
    per_network = 4 * 4 * batch * width * (spec.hidden_layers + 2)
    return max(1, int(max_stack_bytes // per_network))


def _run_group(items: list) -> list:
    """One joblib task: a stack of prepared jobs, or one estimator fitted as usual."""
    kind, payload = items
    if kind == "stack":
        return _train_stack(payload)
    estimator, X, y = payload
    return [estimator.fit(X, y)]


def fit_stacked(
    fits: list[tuple],
    *,
    n_jobs: int | None = None,
    max_stack_bytes: float = DEFAULT_STACK_BYTES,
) -> tuple[list, list[int]]:
    """Fit each ``(estimator, X, y)`` of ``fits``; stackable fits of one key as one network.

    Returns
    -------
    fitted : list of estimators
        In the order of ``fits``.
    stacks : list of int
        The number of networks in each stacked group (1 for a fit run on its own).
    """
    tasks, slots = [], []
    groups: dict[tuple, list[tuple[int, _Job]]] = {}
    for index, (estimator, X, y) in enumerate(fits):
        job = _prepare(estimator, X, y) if stackable(estimator) else None
        if job is not None:
            groups.setdefault(job.key(), []).append((index, job))
        else:
            tasks.append(("single", (estimator, X, y)))
            slots.append([index])
    for members in groups.values():
        size = _stack_size(members[0][1], max_stack_bytes)
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            tasks.append(("stack", [job for _, job in chunk]))
            slots.append([index for index, _ in chunk])
    results = joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(_run_group)(t) for t in tasks)
    fitted = [None] * len(fits)
    for indices, estimators in zip(slots, results):
        for index, estimator in zip(indices, estimators):
            fitted[index] = estimator
    return fitted, [len(indices) for indices in slots]


def fit_many(
    estimator,
    X,
    signals,
    *,
    n_jobs: int | None = None,
    max_stack_bytes: float = DEFAULT_STACK_BYTES,
) -> list:
    """Fit one configuration to many signals sampled at the same coordinates, as one network.

    Each signal gets the fit ``clone(estimator).fit(X, signal)`` would give it (its own
    normalisation, omega_0 rule, initialisation from ``random_state``, Adam state and
    learning-rate schedule); where the estimator is stackable (see :func:`stackable`) the
    networks are trained side by side as one stacked network, a stack at a time within
    ``max_stack_bytes`` of activations. Signals whose resolved network differs (e.g.
    ``omega_0="auto"`` giving different values) form separate stacks.

    Parameters
    ----------
    estimator : estimator
        The configuration (not modified).
    X : array-like of shape (n_samples, n_dims)
        The coordinates every signal is sampled at.
    signals : sequence of array-like of shape (n_samples,) or (n_samples, n_outputs)
        E.g. the images of a folder or the frames of a video, each flattened by
        :func:`sirenkit.image_to_samples`.
    n_jobs : int or None, default=None
        Stacks run in parallel through joblib (any joblib backend, e.g. Dask).
    max_stack_bytes : float, default=2 GiB
        Memory for one stack's activations: larger sets of signals are split.

    Returns
    -------
    list of fitted estimators
        One per signal, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import SirenRegressor, grid_coords, fit_many
    >>> X = grid_coords((8, 8))
    >>> signals = [np.sin(3 * X[:, 0] + k) for k in range(3)]
    >>> fits = fit_many(SirenRegressor(hidden_features=16, max_epochs=20, random_state=0),
    ...                 X, signals)
    >>> len(fits), fits[0].predict(X).shape
    (3, (64,))
    """
    if not isinstance(max_stack_bytes, Real) or max_stack_bytes <= 0:
        raise ValueError(f"max_stack_bytes must be a positive number, got {max_stack_bytes!r}")
    signals = list(signals)
    if not signals:
        raise ValueError("signals is empty: pass at least one signal")
    fits = [(clone(estimator), X, signal) for signal in signals]
    return fit_stacked(fits, n_jobs=n_jobs, max_stack_bytes=max_stack_bytes)[0]
