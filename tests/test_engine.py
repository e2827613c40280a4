"""The training engine: its arithmetic against torch's, its batch order, its epochs, and the
one set of semantics single and stacked fits share."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from sirenkit import LearningWarning, SirenRegressor, UnitsWarning, fit_many, grid_coords
from sirenkit._engine import (
    BatchOrder,
    EpochRunner,
    ErrorGuidedOrder,
    LearningRateSchedule,
    adam_options,
    adam_step,
)
from sirenkit._training import needs_batch_hooks


# -- the optimizer arithmetic ------------------------------------------------------------
@pytest.mark.parametrize("implementation", ["for-loop", "fused"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_stacked_adam_is_torch_adam_with_one_rate_per_network(implementation, weight_decay):
    rates = [1e-3, 3e-3, 1e-2]
    generator = torch.Generator().manual_seed(0)
    start = {
        "weight": torch.randn(3, 16, 8, generator=generator),
        "bias": torch.randn(3, 16, generator=generator),
    }
    stacked = {name: value.clone() for name, value in start.items()}
    state = {name: (torch.zeros_like(v), torch.zeros_like(v)) for name, v in stacked.items()}
    step = torch.zeros((), dtype=torch.float64)
    lr = torch.tensor(rates, dtype=torch.float64)
    alone = [
        {name: torch.nn.Parameter(value[k].clone()) for name, value in start.items()}
        for k in range(3)
    ]
    options = {"fused": True} if implementation == "fused" else {"foreach": False}
    optimizers = [
        torch.optim.Adam(list(p.values()), lr=rate, weight_decay=weight_decay, **options)
        for p, rate in zip(alone, rates)
    ]
    for _ in range(60):
        grads = {name: torch.randn(v.shape, generator=generator) for name, v in stacked.items()}
        adam_step(stacked, grads, state, lr, step, weight_decay)
        for k, (params, optimizer) in enumerate(zip(alone, optimizers)):
            for name, param in params.items():
                param.grad = grads[name][k].clone()
            optimizer.step()
    assert float(step) == 60
    for k, params in enumerate(alone):
        for name, param in params.items():
            # Parameters moved by about 0.5; the two agree to a few float32 roundings.
            np.testing.assert_allclose(stacked[name][k], param.detach(), rtol=0, atol=1e-6)
            assert not torch.equal(stacked[name][k], start[name][k])


def test_the_adam_of_a_fit_is_fused_and_on_cuda_capturable():
    if torch.cuda.is_available():
        options = adam_options("cuda", 1e-3)
        assert options["capturable"] and options["fused"]
        assert options["lr"].is_cuda and float(options["lr"]) == pytest.approx(1e-3)
    if torch.__version__ >= "2.4":
        assert adam_options("cpu", 1e-3) == {"lr": 1e-3, "fused": True}
    est = SirenRegressor(hidden_features=8, max_epochs=1, device="cpu")
    est.fit(grid_coords(8), np.zeros(8))
    assert est.net_.optimizer_.defaults["fused"] is (torch.__version__ >= "2.4")


# -- the learning-rate schedules ---------------------------------------------------------
def _torch_rates(scheduler_class, lr: float, losses, **kwargs) -> list[float]:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = scheduler_class(optimizer, **kwargs)
    rates = []
    for loss in losses:
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step(loss) if loss is not None else scheduler.step()
    return rates


def test_the_cosine_schedule_is_torch_cosine_annealing():
    ours = LearningRateSchedule("cosine", [1e-3, 5e-4], epochs=30, factor=0.6, patience=3)
    rates = [ours.lr.copy()] + [ours.epoch_end().copy() for _ in range(29)]
    for k, lr in enumerate([1e-3, 5e-4]):
        reference = _torch_rates(
            torch.optim.lr_scheduler.CosineAnnealingLR, lr, [None] * 30, T_max=30
        )
        np.testing.assert_allclose([r[k] for r in rates], reference, rtol=1e-9, atol=1e-15)


def test_the_plateau_schedule_is_torch_reduce_on_plateau_per_network():
    rng = np.random.default_rng(0)
    # Losses that improve, stall, improve by less than the threshold, and stall again.
    losses = np.stack(
        [
            np.concatenate([np.linspace(1, 0.5, 10), np.full(15, 0.5), 0.5 - 1e-6 * np.arange(15)]),
            1 + 0.01 * rng.standard_normal(40),
        ],
        axis=1,
    )
    ours = LearningRateSchedule("plateau", [1e-2, 1e-3], epochs=40, factor=0.5, patience=4)
    rates = []
    for row in losses:
        rates.append(ours.lr.copy())
        ours.epoch_end(row)
    for k, lr in enumerate([1e-2, 1e-3]):
        reference = _torch_rates(
            torch.optim.lr_scheduler.ReduceLROnPlateau, lr, losses[:, k], factor=0.5, patience=4
        )
        np.testing.assert_allclose([r[k] for r in rates], reference, rtol=1e-12)
        assert min(reference) < lr  # the case reduces at least once
    with pytest.raises(ValueError, match="needs the epoch's training losses"):
        ours.epoch_end(None)


# -- the batch order ---------------------------------------------------------------------
def test_mini_batches_cover_every_sample_once_per_epoch_in_a_seeded_order():
    order = BatchOrder(10, 4, device="cpu", seed=3)
    again = BatchOrder(10, 4, device="cpu", seed=3)
    epochs = []
    for _ in range(3):
        order.draw(), again.draw()
        batches = order.batches()
        assert [len(b) for b in batches] == [4, 4, 2] and order.steps == 3
        assert sorted(torch.cat(batches).tolist()) == list(range(10))
        assert all(torch.equal(a, b) for a, b in zip(batches, again.batches()))
        epochs.append(torch.cat(batches).tolist())
    assert epochs[0] != epochs[1]  # a new order every epoch
    # The views read one buffer, redrawn in place: a CUDA graph replays them.
    assert all(b.data_ptr() >= order.index.data_ptr() for b in order.batches())
    assert order.static


def test_full_batch_is_one_slice_and_windows_are_consecutive():
    full = BatchOrder(10, None, device="cpu", seed=0)
    full.draw()
    assert full.batches() == [slice(None)] and full.static
    windows = BatchOrder(10, 4, device="cpu", seed=0, windows=True)
    windows.draw()
    spans = [(s.start, min(s.stop, 10)) for s in windows.batches()]
    assert sorted(spans) == [(0, 4), (4, 8), (8, 10)]
    assert not windows.static  # the short window moves: no CUDA graph
    assert BatchOrder(12, 4, device="cpu", seed=0, windows=True).static
    plain = BatchOrder(10, 4, device="cpu", seed=0, shuffle=False)
    plain.draw()
    assert plain.batches() == [slice(0, 4), slice(4, 8), slice(8, 12)]


def test_error_guided_order_draws_by_error_and_weights_the_loss_unbiased():
    n, uniform = 50, 0.5
    order = ErrorGuidedOrder(n, 10, device="cpu", seed=0, uniform=uniform)
    order.draw()  # no errors recorded yet: uniform
    torch.testing.assert_close(order.probabilities, torch.full((n,), 1 / n))
    losses = torch.linspace(0, 1, n) ** 4  # most of the error in a few samples
    order.record_errors(torch.arange(n), losses)
    expected = (1 - uniform) * losses / losses.sum() + uniform / n
    counts, estimates = torch.zeros(n), []
    for _ in range(400):
        order.draw()
        torch.testing.assert_close(order.probabilities, expected)
        for index in order.batches():
            counts += torch.bincount(index, minlength=n)
            # A step's loss: the mean of the weighted per-sample losses.
            estimates.append((order.loss_weights(index) * losses[index]).mean())
    # The samples are drawn by their probabilities...
    assert torch.allclose(counts / counts.sum(), expected, atol=0.004)
    assert counts[-5:].sum() > 5 * counts[:5].sum()
    # ... and the weighted loss estimates the plain mean over all samples, not the
    # mean under p (0.151 here, against 0.198 unweighted).
    assert abs(torch.stack(estimates).mean() - losses.mean()) < 0.005
    assert abs((expected * losses).sum() - losses.mean()) > 0.04


def test_error_guided_order_needs_mini_batches_and_a_uniform_share():
    with pytest.raises(ValueError, match="needs mini-batches"):
        ErrorGuidedOrder(10, None, device="cpu", seed=0)
    with pytest.raises(ValueError, match=r"uniform must be in \(0, 1\]"):
        ErrorGuidedOrder(10, 4, device="cpu", seed=0, uniform=0.0)


def test_a_fit_with_error_guided_batches_scores_the_mse_of_all_samples():
    """With a network that does not move (lr 1e-12), each epoch's score is an estimate of
    the same MSE: the weights make it unbiased though the batches favour large errors."""
    X = grid_coords((32, 32))
    strip = X[:, 0] > 0.8
    y = np.where(strip, 1.0, 0.0).astype(np.float32)  # the error is in one strip
    probabilities = ProbabilityRecorder()
    est = SirenRegressor(
        sampling="error",
        batch_size=128,
        lr=1e-12,
        lr_schedule=None,
        max_epochs=40,
        hidden_features=16,
        hidden_layers=1,
        random_state=0,
        callbacks=[("probabilities", probabilities)],
    ).fit(X, y)
    exact = float(np.mean((est.predict(X) - y) ** 2))
    # The score (squared errors) and the loss trained on (scaled targets) both estimate it.
    assert abs(np.mean(est.history_[1:, "train_mse"]) - exact) < 0.05 * exact
    exact_loss = exact / est.target_scale_**2
    assert abs(np.mean(est.history_[1:, "train_loss"]) - exact_loss) < 0.05 * exact_loss
    # The steps handed their errors back: the next epochs favour the strip.
    last = probabilities.seen_[-1]
    assert last[strip].mean() > 1.3 * last[~strip].mean()


class ProbabilityRecorder(Callback):
    def initialize(self):
        self.seen_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.seen_.append(net.epoch_runner_.order.probabilities.numpy().copy())


@pytest.mark.parametrize("stepwise", [False, True])
def test_error_guided_fits_are_seeded_and_learn(stepwise):
    X = grid_coords((32, 32))
    y = (0.5 + 0.4 * np.sin(6 * X[:, 0]) * np.cos(5 * X[:, 1])).astype(np.float32)
    callbacks = [("recorder", BatchRecorder())] if stepwise else None

    def fit():
        return SirenRegressor(
            sampling="error",
            batch_size=256,
            lr=1e-3,
            max_epochs=30,
            hidden_features=32,
            hidden_layers=1,
            random_state=0,
            callbacks=callbacks,
        ).fit(X, y)

    first, second = fit(), fit()
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    assert first.history_[-1, "train_psnr"] > 25


def test_error_guided_sampling_is_refused_where_it_cannot_weight_the_loss():
    X = grid_coords((16, 16))
    y = X[:, 0].astype(np.float32)
    with pytest.raises(ValueError, match="sampling='error' needs mini-batches"):
        SirenRegressor(sampling="error", batch_size=None, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="loss='mse'"):
        SirenRegressor(sampling="error", batch_size=64, loss="mse+fft", max_epochs=1).fit(
            grid_coords(256), y
        )
    fitted = fit_many(SirenRegressor(sampling="error", batch_size=64, max_epochs=2), X, [y, -y])
    assert all(est.sampling == "error" for est in fitted)


# -- the epochs: eager, captured, falling back -------------------------------------------
class ReplayingGraphs:
    """A stand-in for CudaGraphs on the CPU: "capture" keeps the epoch's function and
    "replay" runs it again into the tensor the capture returned, as a CUDA graph writes
    its outputs in place."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail, self.calls = fail, []

    def available(self, tensor):
        return True

    def warm_up(self, epoch, device):
        self.calls.append("warm-up")
        return epoch()

    def capture(self, epoch, generators):
        self.calls.append("capture")
        if self.fail is not None:
            raise self.fail
        totals = torch.zeros(2)

        def replay():
            self.calls.append("replay")
            return totals.copy_(epoch())

        return replay


def _counting_step(seen: list):
    def step(coords, targets, index):
        seen.append(coords.clone())
        return torch.stack([targets.sum(), torch.tensor(float(len(coords)))])

    return step


def test_an_epoch_warms_up_then_is_captured_and_replayed():
    X = torch.arange(10.0)[:, None]
    seen = []
    graphs = ReplayingGraphs()
    runner = EpochRunner(
        _counting_step(seen),
        X,
        X,
        BatchOrder(10, 4, device="cpu", seed=0),
        graphs=True,
        backend=graphs,
    )
    for _ in range(3):
        totals = runner.run()
        assert totals.tolist() == [45.0, 10.0]  # every sample once, summed on the "device"
    assert graphs.calls == ["warm-up", "capture", "replay", "replay"]
    assert runner.mode == "graph" and runner.fallback_reason is None
    # Each epoch drew its own order before its replay.
    assert torch.cat(seen[:3]).tolist() != torch.cat(seen[3:6]).tolist()


def test_a_failed_capture_trains_on_eagerly_and_says_why():
    X = torch.arange(8.0)[:, None]
    reports, seen = [], []
    graphs = ReplayingGraphs(RuntimeError("operation not permitted when stream is capturing\n.."))
    runner = EpochRunner(
        _counting_step(seen),
        X,
        X,
        BatchOrder(8, None, device="cpu", seed=0),
        graphs=True,
        report=reports.append,
        backend=graphs,
    )
    results = [runner.run().tolist() for _ in range(3)]
    assert results == [[28.0, 8.0]] * 3 and len(seen) == 3  # no epoch was lost
    assert graphs.calls == ["warm-up", "capture"]
    assert runner.mode == "eager"
    assert runner.fallback_reason == (
        "RuntimeError: operation not permitted when stream is capturing"
    )
    assert reports == [
        "CUDA graph capture failed (RuntimeError: operation not permitted when stream is "
        "capturing); training with eager steps"
    ]


def test_graphs_need_cuda_and_steps_that_read_fixed_tensors():
    X = torch.zeros(10, 1)
    assert not EpochRunner(
        lambda x, y, index: x.sum(), X, X, BatchOrder(10, 4, device="cpu", seed=0), graphs=True
    ).graphs  # the CPU
    windows = BatchOrder(10, 4, device="cpu", seed=0, windows=True)
    assert not EpochRunner(
        lambda x, y, index: x.sum(), X, X, windows, graphs=True, backend=ReplayingGraphs()
    ).graphs


# -- single fits through the engine ------------------------------------------------------
class BatchRecorder(Callback):
    """A callback that acts within an epoch: the net then steps batch by batch."""

    def initialize(self):
        self.batches_ = 0
        return self

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        self.batches_ += training


def _image(side=24):
    coords = grid_coords((side, side))
    return coords, 0.5 + 0.4 * np.sin(5 * coords[:, 0]) * np.cos(3 * coords[:, 1])


@pytest.mark.parametrize("batch_size", [None, 100])
def test_the_lean_epoch_trains_as_skorch_step_by_step_does(batch_size):
    coords, pixels = _image()
    params = dict(
        hidden_features=16,
        hidden_layers=1,
        max_epochs=8,
        random_state=0,
        batch_size=batch_size,
        device="cpu",
    )
    lean = SirenRegressor(**params).fit(coords, pixels)
    recorder = BatchRecorder()
    stepwise = SirenRegressor(**params, callbacks=[("recorder", recorder)])
    stepwise.fit(coords, pixels)
    steps = 1 if batch_size is None else 6
    assert dict(stepwise.net_.callbacks_)["recorder"].batches_ == 8 * steps
    np.testing.assert_array_equal(lean.predict(coords), stepwise.predict(coords))
    for key in ("train_loss", "train_mse", "train_psnr", "event_lr", "train_batch_count"):
        np.testing.assert_allclose(lean.history_[:, key], stepwise.history_[:, key], rtol=1e-6)
    assert len(lean.history_[-1, "batches"]) == 1  # one row per epoch: all its samples
    assert lean.history_[-1, "batches"][0]["train_batch_size"] == len(coords)
    assert len(stepwise.history_[-1, "batches"]) == steps


def test_callbacks_that_act_within_an_epoch_are_told_apart():
    from skorch.callbacks import EarlyStopping, GradientNormClipping, LRScheduler

    from sirenkit.callbacks import Snapshots, TargetReached

    assert needs_batch_hooks(GradientNormClipping(1.0))
    assert needs_batch_hooks(BatchRecorder())
    assert needs_batch_hooks(LRScheduler(step_every="batch"))
    for per_epoch in (LRScheduler(), EarlyStopping(), TargetReached(30), Snapshots(8)):
        assert not needs_batch_hooks(per_epoch)


def test_a_warm_start_restarts_the_cosine_schedule():
    coords, pixels = _image(96)  # 9216 pixels: mini-batches and the cosine by default
    est = SirenRegressor(hidden_features=8, max_epochs=3, warm_start=True, random_state=0)
    est.fit(coords, pixels)
    assert est.lr_schedule_ == "cosine"
    est.fit(coords, pixels)
    rates = est.history_[:, "event_lr"]
    assert rates[:3] == rates[3:] and rates[0] == pytest.approx(est.lr_)
    assert len(est.history_) == 6


# -- single and stacked fits: one set of semantics ---------------------------------------
def _keys(history) -> list:
    return [(sorted(row), sorted(row["batches"][0])) for row in history]


def test_stacked_and_single_fits_record_the_same_history():
    X = grid_coords((12, 12))
    signals = [np.sin(3 * X[:, 0] + k) / 2 + 0.5 for k in range(2)]
    estimator = SirenRegressor(hidden_features=8, hidden_layers=1, max_epochs=6, random_state=0)
    stacked = fit_many(estimator, X, signals)
    alone = clone(estimator).fit(X, signals[0])
    assert _keys(stacked[0].history_) == _keys(alone.history_)
    for key in ("train_loss_best", "event_lr", "train_batch_count", "epoch"):
        assert stacked[0].history_[:, key] == alone.history_[:, key]
    np.testing.assert_allclose(
        stacked[0].history_[:, "train_psnr"], alone.history_[:, "train_psnr"], rtol=1e-4
    )


def test_stacked_fits_warn_as_single_fits_do():
    X = grid_coords((12, 12))
    in_bytes = [255 * (np.sin(3 * X[:, 0]) / 2 + 0.5), np.sin(3 * X[:, 1]) / 2 + 0.5]
    with pytest.warns(UnitsWarning, match="data_range"):
        fit_many(SirenRegressor(hidden_features=8, max_epochs=2), X, in_bytes)
    # A learning rate far too high: nothing is learned after 50 epochs.
    noise = [np.random.default_rng(k).random(len(X)) for k in range(2)]
    estimator = SirenRegressor(hidden_features=8, max_epochs=50, lr=1.0, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_many(estimator, X, noise)
    alone = [w for w in caught if issubclass(w.category, LearningWarning)]
    assert len(alone) == 2 and "lr=1" in str(alone[0].message)


def _cuda_style_adam(device, lr):
    """adam_options as on CUDA (fused, capturable, a tensor learning rate), on the CPU."""
    return {"lr": torch.tensor(float(lr), device=device), "fused": True, "capturable": True}


def test_the_cuda_optimizer_settings_train_as_the_plain_ones(monkeypatch):
    coords, pixels = _image(96)  # mini-batches and the cosine: the rate changes every epoch
    params = dict(hidden_features=8, max_epochs=4, random_state=0, device="cpu")
    plain = SirenRegressor(**params).fit(coords, pixels)
    monkeypatch.setattr("sirenkit._training.adam_options", _cuda_style_adam)
    cuda_style = SirenRegressor(**params).fit(coords, pixels)
    lr = cuda_style.net_.optimizer_.param_groups[0]["lr"]
    assert isinstance(lr, torch.Tensor)  # the schedule wrote into the tensor, in place
    # The same schedule (read back from a float32 tensor).
    assert cuda_style.history_[:, "event_lr"] == pytest.approx(plain.history_[:, "event_lr"])
    np.testing.assert_allclose(cuda_style.predict(coords), plain.predict(coords), atol=1e-5)


def test_a_rate_set_as_a_number_reaches_the_tensor_a_graph_reads(monkeypatch):
    monkeypatch.setattr("sirenkit._training.adam_options", _cuda_style_adam)

    class SetsRate(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                net.set_params(lr=0.0)  # skorch writes a float into the groups
                self.weights_ = [p.detach().clone() for p in net.module_.parameters()]

    coords, pixels = _image()
    est = SirenRegressor(
        hidden_features=8, max_epochs=4, lr_schedule=None, random_state=0, device="cpu"
    )
    est.set_params(callbacks=[("sets", SetsRate())]).fit(coords, pixels)
    group = est.net_.optimizer_.param_groups[0]
    assert isinstance(group["lr"], torch.Tensor)  # put back, holding the number
    assert float(group["lr"]) == 0.0
    assert est.history_[:, "event_lr"] == pytest.approx([1e-3, 1e-3, 0.0, 0.0])
    # Epochs 3 and 4 ran at 0: the weights stayed where epoch 2 left them.
    kept = dict(est.net_.callbacks_)["sets"].weights_
    assert all(torch.equal(a, b) for a, b in zip(kept, est.net_.module_.parameters()))
