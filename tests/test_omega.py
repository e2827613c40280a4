import kornia
import numpy as np
import pytest
import torch
from scipy.ndimage import convolve

from sirenkit import grid_coords, image_to_samples
from sirenkit.omega import (
    LAPLACIAN_RULE_FACTOR,
    MIN_OMEGA_0,
    auto_omega_0,
    omega_from_laplacian,
    omega_from_spectrum,
)


def test_laplacian_rule_matches_an_independent_computation():
    image = np.random.default_rng(0).random((20, 30, 3)).astype(np.float32)
    kernel = np.ones((3, 3, 1))
    kernel[1, 1, 0] = -8  # kornia's unnormalised 3x3 Laplacian
    # kornia pads with "reflect" (numpy/scipy "mirror"): the edge pixel is not repeated.
    laplacian = convolve(image.astype(np.float64), kernel, mode="mirror")
    expected = LAPLACIAN_RULE_FACTOR * laplacian.std(ddof=1)
    assert omega_from_laplacian(image) == pytest.approx(expected, rel=1e-5)


def test_laplacian_rule_uses_unnormalised_kernel():
    image = torch.rand(1, 1, 16, 16)
    normalized = kornia.filters.laplacian(image, 3)  # kornia's default
    raw = kornia.filters.laplacian(image, 3, normalized=False)
    torch.testing.assert_close(raw, 16 * normalized)
    assert omega_from_laplacian(image[0, 0].numpy()) == pytest.approx(
        LAPLACIAN_RULE_FACTOR * float(raw.std()), rel=1e-5
    )


def test_laplacian_rule_scales_with_data_range():
    image = np.random.default_rng(0).random((16, 16))
    assert omega_from_laplacian(255 * image, data_range=255) == pytest.approx(
        omega_from_laplacian(image), rel=1e-5
    )


def _smooth(n: int, periodic: bool) -> np.ndarray:
    coords = grid_coords((n, n))
    if periodic:  # whole periods: the reflected border continues the image smoothly
        values = 0.5 + 0.5 * np.cos(2 * np.pi * coords[:, 0]) * np.cos(np.pi * coords[:, 1])
    else:  # sloped at the border: reflection puts a kink there
        values = 0.5 + 0.5 * np.sin(2 * coords[:, 0]) * np.sin(3 * coords[:, 1])
    return values.reshape(n, n)


def test_laplacian_rule_resolution_dependence_on_smooth_content():
    # Interior: L ~ 3 h^2 lap(f), so doubling the sampling divides omega* by 4 ...
    ratio = omega_from_laplacian(_smooth(64, True)) / omega_from_laplacian(_smooth(128, True))
    assert ratio == pytest.approx(4, rel=0.05)
    # ... but a reflected border with a slope gives L ~ h f' on 4n of n^2 pixels, which
    # dominates std(L): omega* then falls as h^1.5 (2.83x per doubling).
    ratio = omega_from_laplacian(_smooth(64, False)) / omega_from_laplacian(_smooth(128, False))
    assert ratio == pytest.approx(2**1.5, rel=0.05)


@pytest.mark.parametrize("n", [500, 2000, 8000])
def test_spectral_rule_finds_a_pure_tone_at_any_sampling(n):
    t = grid_coords(n)
    tone = np.cos(30 * np.pi * t)  # 15 periods over [-1, 1]
    assert omega_from_spectrum(tone) == pytest.approx(30 * np.pi, rel=1e-6)
    # A sine's even extension has a kink at the ends: its band reads a little higher.
    assert 30 * np.pi < omega_from_spectrum(np.sin(30 * np.pi * t)) < 1.25 * 30 * np.pi


def test_spectral_rule_is_not_fooled_by_a_trend():
    # An FFT sees the ramp's two ends as a jump and reports ~25 pi; the signal is smooth.
    t = grid_coords(64)
    assert omega_from_spectrum(3 * t + 5) < 2 * np.pi


def test_spectral_rule_covers_99_percent_of_energy():
    t = grid_coords(1000)
    # 99.5% of the energy at 10 pi, 0.5% at 50 pi: the 99% band ends at 10 pi.
    signal = np.sqrt(0.995) * np.cos(10 * np.pi * t) + np.sqrt(0.005) * np.cos(50 * np.pi * t)
    assert omega_from_spectrum(signal) == pytest.approx(10 * np.pi)
    loud = np.sqrt(0.9) * np.cos(10 * np.pi * t) + np.sqrt(0.1) * np.cos(50 * np.pi * t)
    assert omega_from_spectrum(loud) == pytest.approx(50 * np.pi)


def test_constant_signal_gets_the_minimum():
    assert omega_from_spectrum(np.ones((100, 1))) == MIN_OMEGA_0
    assert omega_from_laplacian(np.full((8, 8), 0.3)) == MIN_OMEGA_0


def test_auto_omega_dispatches_on_dimension_and_accepts_shuffled_grids():
    image = np.random.default_rng(0).random((12, 16))
    coords, values = image_to_samples(image)
    order = np.random.default_rng(1).permutation(len(coords))
    assert auto_omega_0(coords[order], values[order]) == pytest.approx(
        omega_from_laplacian(image), rel=1e-6
    )
    t = grid_coords(400)
    assert auto_omega_0(t, np.cos(8 * np.pi * t[:, 0])) == pytest.approx(8 * np.pi)


def test_auto_omega_rejects_scattered_samples():
    coords = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    with pytest.raises(ValueError, match="omega_0='auto' needs the whole signal"):
        auto_omega_0(coords, np.zeros(50))
