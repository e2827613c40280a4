import numpy as np
import pytest

from sirenkit import bicubic_upscale, grid_coords
from sirenkit.resample import bicubic_downscale, scaled_shape


def ramp(shape, slope_y=0.2, slope_x=-0.1):
    coords = grid_coords(shape).reshape(*shape, 2)
    return 0.5 + slope_y * coords[..., 0] + slope_x * coords[..., 1]


@pytest.mark.parametrize("shape, scale", [((8, 12), 4), ((7, 5), 3), ((9, 6), 2.5)])
@pytest.mark.parametrize("axis", [0, 1])
def test_upscale_lines_up_with_the_hr_grid(shape, scale, axis):
    # A ramp along one axis. torch's bicubic (Keys, a = -0.75) ripples around it by up to
    # 0.002 with zero mean away from the borders; a misalignment along that axis shows as a
    # mean signed error of slope * shift.
    slopes = (0.2, 0.0) if axis == 0 else (0.0, 0.2)
    upscaled = bicubic_upscale(ramp(shape, *slopes), scale)
    hr_shape = scaled_shape(shape, scale)
    assert upscaled.shape == hr_shape
    border = int(2 * scale)  # replicated borders bend the ramp
    error = (upscaled - ramp(hr_shape, *slopes))[border:-border, border:-border]
    half_pixel = 0.2 * (2 / shape[axis]) / 2  # what a shift of half an LR pixel makes
    assert abs(error.mean()) < 0.02 * half_pixel


@pytest.mark.parametrize("shape", [(48, 33), (33, 48, 3), (7, 5, 1)])
def test_upscale_shapes_for_non_square_and_odd_images(shape):
    image = np.random.default_rng(0).random(shape)
    upscaled = bicubic_upscale(image, 4)
    assert upscaled.shape == (4 * shape[0], 4 * shape[1], *shape[2:])
    assert upscaled.min() >= 0 and upscaled.max() <= 1  # clamped (overshoot)
    np.testing.assert_allclose(bicubic_upscale(image, 1), image, atol=1e-12)


def test_downscale_is_antialiased():
    checker = np.indices((64, 64)).sum(axis=0) % 2.0  # all energy at Nyquist
    small = bicubic_downscale(checker, 4)
    assert small.shape == (16, 16)
    np.testing.assert_allclose(small, 0.5, atol=5e-3)  # plain bicubic: all 0 or all 1


@pytest.mark.parametrize("function", [bicubic_upscale, bicubic_downscale])
@pytest.mark.parametrize(
    "image, scale, error, match",
    [
        (np.ones((4, 4)), 0.5, ValueError, "scale must be >= 1"),
        (np.ones((4, 4)), 0, ValueError, "scale must be a finite number > 0"),
        (np.ones((4, 4)), "4", TypeError, "scale must be a number"),
        (np.ones(4), 2, ValueError, r"image must be an \(H, W\) or \(H, W, C\) array"),
        (np.full((4, 4), np.nan), 2, ValueError, "finite"),
    ],
)
def test_bad_input(function, image, scale, error, match):
    with pytest.raises(error, match=match):
        function(image, scale)
