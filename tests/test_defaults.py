"""Defaults that adapt: lr="auto" follows the first-layer frequency, and a fit that learns
nothing says so (LearningWarning)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sirenkit import LearningWarning, ReluMLPRegressor, SirenRegressor, audio_to_samples
from sirenkit._base import auto_lr

RATE = 8000


def speech_like(n: int = 2000, rate: int = RATE) -> np.ndarray:
    """Formant-like tones (220 Hz to 2.3 kHz) under a 4 Hz syllable envelope."""
    t = np.arange(n) / rate
    tones = [(0.4, 220, 0), (0.25, 660, 1), (0.15, 1250, 2), (0.1, 2300, 3)]
    signal = sum(a * np.sin(2 * np.pi * f * t + p) for a, f, p in tones)
    return (signal * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def audio_fit(**overrides) -> SirenRegressor:
    params = dict(
        omega_0="sample_rate",
        sample_rate=RATE,
        hidden_features=64,
        hidden_layers=2,
        max_epochs=300,
        data_range=2.0,
        random_state=0,
        device="cpu",
    )
    return SirenRegressor(**params | overrides)


def test_auto_lr_follows_the_first_layer_frequency():
    assert auto_lr(None) == auto_lr(30.0) == auto_lr(1000.0) == 1e-3
    assert auto_lr(3000.0) == pytest.approx(1 / 3000)
    assert auto_lr(16000.0) == auto_lr(44100.0) == 1e-4
    omegas = np.geomspace(1, 1e6, 50)
    assert np.all(np.diff([auto_lr(w) for w in omegas]) <= 0)
    # Smaller mini-batches, noisier gradients: the square-root rule below 16384.
    assert auto_lr(30.0, 4096) == pytest.approx(5e-4)
    assert auto_lr(30.0, 16384) == auto_lr(30.0, 65536) == auto_lr(30.0, None) == 1e-3


def test_lr_auto_is_resolved_in_fit(small):
    X, y = audio_to_samples(speech_like(256))
    siren = SirenRegressor(**small(lr="auto", max_epochs=1, omega_0=4000.0)).fit(X, y)
    assert siren.lr_ == pytest.approx(2.5e-4)  # 256 samples: full batch
    assert siren.net_.lr == pytest.approx(2.5e-4)  # what the optimiser starts from
    relu = ReluMLPRegressor(**small(lr="auto", max_epochs=1)).fit(X, y)
    assert relu.lr_ == 1e-3
    fixed = SirenRegressor(**small(lr=5e-4, max_epochs=1, omega_0=4000.0)).fit(X, y)
    assert fixed.lr_ == 5e-4
    assert SirenRegressor().lr == "auto"


def test_audio_at_the_default_lr_learns_without_warning():
    X, y = audio_to_samples(speech_like())
    with warnings.catch_warnings():
        warnings.simplefilter("error", LearningWarning)
        est = audio_fit().fit(X, y)
    assert est.lr_ == pytest.approx(1 / RATE)
    assert np.mean((est.predict(X) - y) ** 2) < 1e-2 * np.var(y)


def test_a_fit_that_learns_nothing_warns_with_advice():
    X, y = audio_to_samples(speech_like())
    with pytest.warns(LearningWarning, match=r"after 50 epochs.*lower the learning rate"):
        audio_fit(lr=1e-3, lr_schedule=None, max_epochs=50).fit(X, y)


def test_no_learning_check_before_its_epoch(small):
    # lr 1e-3 at omega_0 8000 learns nothing, but the check comes after 50 epochs.
    X, y = audio_to_samples(speech_like())
    with warnings.catch_warnings():
        warnings.simplefilter("error", LearningWarning)
        audio_fit(lr=1e-3, lr_schedule=None, max_epochs=20).fit(X, y)


def test_target_reached_stops_the_fit(small, smooth_image):
    from sirenkit.callbacks import TargetReached

    coords, values, _ = smooth_image
    est = SirenRegressor(**small(max_epochs=300, callbacks=[TargetReached(30.0)]))
    est.fit(coords, values)
    history = est.history_[:, "train_psnr"]
    assert len(history) < 300 and history[-1] >= 30 > max(history[:-1])
    assert dict(est.net_.callbacks_)["TargetReached"].reached_at_ == len(history)
    loss = SirenRegressor(**small(max_epochs=300, callbacks=[TargetReached(1e-3, "train_mse")]))
    assert loss.fit(coords, values).history_[-1, "train_mse"] <= 1e-3
    with pytest.raises(ValueError, match="does not record"):
        SirenRegressor(**small(callbacks=[TargetReached(1.0, "valid_loss")])).fit(coords, values)
    with pytest.raises(TypeError, match="target must be a number"):
        SirenRegressor(**small(callbacks=[TargetReached("40")])).fit(coords, values)


def test_auto_batch_size_and_schedule_follow_the_plan(small, smooth_image):
    from sirenkit import PoissonSolver, SirenSuperResolver, image_to_samples, samples_to_image
    from sirenkit._base import DEVICE_DEFAULTS
    from sirenkit.operators import image_gradient

    AUTO_BATCH_SIZE = DEVICE_DEFAULTS["cpu"]["batch_size"]
    coords, values, shape = smooth_image
    small_ = small
    small = lambda **p: small_(**{"lr_schedule": "auto", **p})  # noqa: E731
    fit = SirenRegressor(**small(max_epochs=1)).fit(coords, values)
    assert (fit.batch_size_, fit.lr_schedule_) == (None, "plateau")  # 768 < 8192 samples
    big = np.tile(coords, (AUTO_BATCH_SIZE // len(coords) + 1, 1))
    fit = SirenRegressor(**small(max_epochs=1, lr="auto")).fit(big, np.zeros(len(big)))
    assert fit.batch_size_ == AUTO_BATCH_SIZE and fit.history_[-1, "train_batch_count"] == 2
    assert fit.lr_ == pytest.approx(auto_lr(30.0, AUTO_BATCH_SIZE))
    assert fit.lr_schedule_ == "cosine"
    # 1-D signals (audio) stay full batch whatever their length.
    times, samples = audio_to_samples(speech_like(2 * AUTO_BATCH_SIZE))
    clip = SirenRegressor(**small(max_epochs=1, omega_0=RATE)).fit(times, samples)
    assert (clip.batch_size_, clip.lr_schedule_) == (None, "plateau")
    image = samples_to_image(values, shape)
    solver = PoissonSolver(**small(max_epochs=1)).fit(*image_to_samples(image_gradient(image)))
    assert (solver.batch_size_, solver.lr_schedule_) == (None, "plateau")
    resolver = SirenSuperResolver(**small(max_epochs=1)).fit(coords, values)
    assert (resolver.batch_size_, resolver.lr_schedule_) == (None, "plateau")
    fixed = SirenRegressor(**small(max_epochs=1, batch_size=100, lr_schedule=None))
    assert (fixed.fit(coords, values).batch_size_, fixed.lr_schedule_) == (100, None)


def test_cosine_schedule_anneals_to_zero_over_max_epochs(small, smooth_image):
    coords, values, _ = smooth_image
    est = SirenRegressor(**small(max_epochs=20, lr=1e-3, lr_schedule="cosine")).fit(coords, values)
    lrs = est.history_[:, "event_lr"]
    assert lrs[0] == pytest.approx(1e-3) and np.all(np.diff(lrs) < 0)
    assert lrs[-1] == pytest.approx(1e-3 * (1 + np.cos(np.pi * 19 / 20)) / 2)


def test_poisson_operator_auto_takes_finite_differences_on_a_grid(small, smooth_image):
    from sirenkit import PoissonSolver, grid_coords, image_to_samples, samples_to_image
    from sirenkit.operators import image_gradient

    coords, values, shape = smooth_image
    X, gradient = image_to_samples(image_gradient(samples_to_image(values, shape)))
    assert PoissonSolver(**small(max_epochs=1)).fit(X, gradient).operator_ == "numerical"
    scattered = PoissonSolver(**small(max_epochs=1)).fit(X[::2], gradient[::2])
    assert scattered.operator_ == "autograd"
    volume = grid_coords((4, 4, 4))
    solid = PoissonSolver(**small(max_epochs=1)).fit(volume, np.zeros((64, 3)))
    assert solid.operator_ == "autograd"  # kornia's operators are 1-D and 2-D
    assert PoissonSolver().operator == "auto"
