"""Audio: 1-D fits, omega_0 from the sample rate, the spectral loss and its time windows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sirenkit import SirenRegressor, audio_to_samples, samples_to_audio
from sirenkit._training import CoordinateBatches
from sirenkit.losses import MSEWithSpectrumLoss, mse_with_spectrum, spectral_mse
from sirenkit.regressors import auto_hidden_layers

# Clips of 2 s at 1 kHz: omega_0 = sample_rate puts the first layer's band at
# 1000 / (2 pi) = 159 Hz, a third of the 500 Hz Nyquist frequency (44.1 kHz puts it at 2 kHz
# of 22 kHz on the 7 s Bach clip), at a size a unit test can fit.
RATE = 1000


def chirp(n: int = 2000, rate: int = RATE) -> np.ndarray:
    """A linear chirp from 20 Hz to 150 Hz."""
    t = np.arange(n) / rate
    duration = n / rate
    return (0.8 * np.sin(2 * np.pi * (20 * t + 130 / (2 * duration) * t**2))).astype(np.float32)


def stereo_sines(n: int = 2000, rate: int = RATE) -> np.ndarray:
    t = np.arange(n) / rate
    left = 0.5 * np.sin(2 * np.pi * 30 * t) + 0.3 * np.sin(2 * np.pi * 90 * t)
    right = 0.6 * np.cos(2 * np.pi * 60 * t)
    return np.stack([left, right], axis=1).astype(np.float32)


def audio_params(**overrides) -> dict:
    params = dict(
        hidden_features=64,
        hidden_layers=2,
        omega_0="sample_rate",
        sample_rate=RATE,
        max_epochs=300,
        data_range=2.0,
        device="cpu",
        random_state=0,
    )
    return params | overrides


# --------------------------------------------------------------------------------------------
# The spectral loss
# --------------------------------------------------------------------------------------------


def test_spectral_loss_matches_numpy():
    rng = np.random.default_rng(0)
    target, prediction = rng.normal(size=(2, 300, 2))
    expected_spectral = np.mean(
        (
            np.abs(np.fft.fft(prediction, axis=0, norm="ortho"))
            - np.abs(np.fft.fft(target, axis=0, norm="ortho"))
        )
        ** 2
    )
    expected = np.mean((prediction - target) ** 2) + expected_spectral / 50
    as_tensor = torch.from_numpy
    np.testing.assert_allclose(
        float(spectral_mse(as_tensor(prediction), as_tensor(target))), expected_spectral, rtol=1e-10
    )
    np.testing.assert_allclose(
        float(mse_with_spectrum(as_tensor(prediction), as_tensor(target))), expected, rtol=1e-10
    )
    np.testing.assert_allclose(
        float(MSEWithSpectrumLoss(alpha=10)(as_tensor(prediction), as_tensor(target))),
        np.mean((prediction - target) ** 2) + expected_spectral / 10,
        rtol=1e-10,
    )


def test_spectral_loss_is_along_time_per_channel():
    rng = np.random.default_rng(1)
    target = torch.from_numpy(rng.normal(size=(256, 2)))
    # A spectrum along time, not the report's FFT over the channel axis (which on mono
    # compares |y| with |y_hat| sample by sample): a circular time reversal changes every
    # sample but keeps the magnitude spectrum exactly.
    mono = target[:, :1]
    reversed_ = mono.flip(0).roll(1, dims=0)
    assert float(torch.mean((reversed_.abs() - mono.abs()) ** 2)) > 0.1
    assert float(spectral_mse(reversed_, mono)) < 1e-20
    noisy = mono + 0.1 * torch.from_numpy(rng.normal(size=(256, 1)))
    assert float(spectral_mse(noisy, mono)) > 1e-4
    # Swapping the channels of a stereo pair is not free: one spectrum per channel.
    assert float(spectral_mse(target.flip(1), target)) > 1e-2
    # Parseval: the magnitude term never exceeds the waveform MSE.
    assert float(spectral_mse(noisy, mono)) <= float(torch.mean((noisy - mono) ** 2))


def test_spectral_loss_backward():
    prediction = torch.randn(128, 1, dtype=torch.float64, requires_grad=True)
    target = torch.randn(128, 1, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda p: mse_with_spectrum(p, target), (prediction,))


# --------------------------------------------------------------------------------------------
# Fits
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["mse", "mse+fft"])
def test_siren_fits_a_chirp(loss):
    audio = chirp()
    coords, values = audio_to_samples(audio)
    est = SirenRegressor(**audio_params(loss=loss)).fit(coords, values)
    assert est.omega_0_ == RATE
    fitted = samples_to_audio(est.predict(coords))
    assert fitted.shape == audio.shape
    assert np.mean((fitted - audio) ** 2) < 1e-3 * np.mean(audio**2)


def test_siren_fits_stereo_and_beats_low_omega():
    audio = stereo_sines()
    coords, values = audio_to_samples(audio)
    errors = {}
    for omega in ("sample_rate", 30.0):
        est = SirenRegressor(**audio_params(omega_0=omega)).fit(coords, values)
        fitted = est.predict(coords)
        assert fitted.shape == (len(audio), 2)
        errors[omega] = np.mean((fitted - audio) ** 2)
    assert errors["sample_rate"] < 1e-3 * np.mean(audio**2)
    assert errors["sample_rate"] < errors[30.0] / 10  # 2000 samples: 30 is far too low


def test_spectral_loss_restores_time_order():
    audio = chirp(600)
    coords, values = audio_to_samples(audio)
    order = np.random.default_rng(0).permutation(len(audio))
    params = audio_params(loss="mse+fft", max_epochs=20)
    in_order = SirenRegressor(**params).fit(coords, values).predict(coords)
    shuffled = SirenRegressor(**params).fit(coords[order], values[order]).predict(coords)
    np.testing.assert_allclose(shuffled, in_order, rtol=1e-5, atol=1e-6)


def test_spectral_loss_mini_batches_are_time_windows():
    X, y = torch.arange(10.0)[:, None], torch.arange(10.0)[:, None]
    dataset = type("Dataset", (), {"X": X, "y": y})()
    batches = list(CoordinateBatches(dataset, 4, shuffle=True, seed=0, windows=True))
    assert sorted(len(xb) for xb, _ in batches) == [2, 4, 4]
    for xb, yb in batches:
        assert torch.equal(xb, yb) and torch.all(xb[1:] - xb[:-1] == 1)  # consecutive
    assert torch.equal(torch.sort(torch.cat([xb for xb, _ in batches]), dim=0)[0], X)
    # Fits through windows too (the last window is shorter).
    coords, values = audio_to_samples(chirp(500))
    est = SirenRegressor(**audio_params(loss="mse+fft", batch_size=128, max_epochs=2))
    assert est.fit(coords, values).predict(coords).shape == (500,)


def test_spectral_loss_needs_a_whole_clip():
    coords, values = audio_to_samples(chirp(100))
    est = SirenRegressor(**audio_params(loss="mse+fft", max_epochs=1))
    with pytest.raises(ValueError, match="FFT along time.*not a full grid"):
        est.fit(coords[::2] ** 3, values[::2])
    grid = np.stack(np.meshgrid(coords[:10, 0], coords[:10, 0]), -1).reshape(-1, 2)
    with pytest.raises(ValueError, match="not 1-D"):
        est.fit(grid, np.zeros(100))


def test_auto_depth_grows_with_the_signal():
    assert auto_hidden_layers(1000, 1) == 3
    assert auto_hidden_layers(308_207, 1) == 4  # gt_bach
    assert auto_hidden_layers(394_560, 2) == 5  # gt_movie, stereo
    assert auto_hidden_layers(10**9, 3) == 6  # capped
    coords, values = audio_to_samples(chirp(300))
    est = SirenRegressor(**audio_params(hidden_layers="auto", max_epochs=1))
    assert est.fit(coords, values).hidden_layers_ == 3
    assert len([m for m in est.net_.module_.modules() if isinstance(m, torch.nn.Linear)]) == 5


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array([0.1, np.nan, 0.2] * 10, dtype=np.float32), "NaN"),
        (np.array([0.1, np.inf, 0.2] * 10, dtype=np.float32), "infinity"),
    ],
)
def test_non_finite_audio_is_rejected(bad, match):
    coords = audio_to_samples(np.zeros(len(bad)))[0]
    with pytest.raises(ValueError, match=match):
        SirenRegressor(**audio_params(max_epochs=1)).fit(coords, bad)


def test_empty_audio_is_rejected():
    with pytest.raises(ValueError, match="audio"):
        audio_to_samples(np.zeros(0, dtype=np.float32))
