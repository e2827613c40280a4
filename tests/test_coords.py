import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sirenkit import (
    audio_to_samples,
    grid_coords,
    image_to_samples,
    infer_grid_shape,
    samples_to_audio,
    samples_to_grid,
    samples_to_image,
)


def test_grid_coords_are_cell_centres_in_open_interval():
    np.testing.assert_allclose(grid_coords(4)[:, 0], [-0.75, -0.25, 0.25, 0.75])
    coords = grid_coords((3, 5, 2))
    assert coords.shape == (30, 3) and coords.dtype == np.float32
    assert coords.min() > -1 and coords.max() < 1
    # Symmetric about 0 on every axis.
    np.testing.assert_allclose(coords.mean(axis=0), 0, atol=1e-7)


def test_grid_coords_row_major():
    coords = grid_coords((2, 3)).reshape(2, 3, 2)
    # The last axis varies fastest, as numpy.reshape.
    assert np.all(coords[0, :, 0] == coords[0, 0, 0])
    assert np.all(np.diff(coords[0, :, 1]) > 0)
    assert np.all(np.diff(coords[:, 0, 0]) > 0)


def test_low_and_high_resolution_grids_cover_the_same_extent():
    low, high = grid_coords(8)[:, 0], grid_coords(32)[:, 0]
    # Each LR cell centre is the mean of the 4 HR cell centres it covers.
    np.testing.assert_allclose(high.reshape(8, 4).mean(axis=1), low, atol=1e-6)


def _upsample_ramp(low: int, high: int, mode: str, align_corners: bool) -> np.ndarray:
    ramp = torch.from_numpy(grid_coords(low)[:, 0]).reshape(1, 1, 1, low).repeat(1, 1, 4, 1)
    up = F.interpolate(ramp, size=(4, high), mode=mode, align_corners=align_corners)
    return up[0, 0, 0].numpy()


def test_grid_convention_matches_resampling_with_align_corners_false():
    # A linear ramp sampled on the LR grid and upsampled must be the ramp on the HR grid.
    low, high = 16, 64
    expected = grid_coords(high)[:, 0]
    inner = slice(8, -8)  # away from the border padding
    bilinear = _upsample_ramp(low, high, "bilinear", align_corners=False)
    np.testing.assert_allclose(bilinear[inner], expected[inner], atol=1e-6)
    # Bicubic (a=-0.75) ripples around a ramp but must not shift it.
    bicubic = _upsample_ramp(low, high, "bicubic", align_corners=False)
    assert abs(np.mean(bicubic[inner] - expected[inner])) < 1e-6
    assert np.max(np.abs(bicubic[inner] - expected[inner])) < 0.01
    # The other convention (corners) would be off by a fraction of an LR pixel.
    corners = _upsample_ramp(low, high, "bilinear", align_corners=True)
    assert np.max(np.abs(corners[inner] - expected[inner])) > 0.01


@pytest.mark.parametrize("shape", [(7,), (5, 9), (3, 4, 6)])
def test_infer_grid_shape_any_dimension_and_order(shape):
    coords = grid_coords(shape)
    assert infer_grid_shape(coords) == shape
    shuffled = coords[np.random.default_rng(0).permutation(len(coords))]
    assert infer_grid_shape(shuffled) == shape


def test_infer_grid_shape_rejects_non_grids():
    coords = grid_coords((5, 6))
    assert infer_grid_shape(coords[:-1]) is None
    assert infer_grid_shape(coords * 0.9) is None  # not cell centres
    assert infer_grid_shape(np.random.default_rng(0).uniform(-1, 1, (30, 2))) is None


def test_samples_to_grid_undoes_a_shuffle():
    image = np.random.default_rng(0).random((5, 7, 3))
    coords, values = image_to_samples(image)
    order = np.random.default_rng(1).permutation(len(coords))
    np.testing.assert_array_equal(samples_to_grid(coords[order], values[order]), image)
    with pytest.raises(ValueError, match="full cell-centre grid"):
        samples_to_grid(coords[:-1], values[:-1])


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (1, 9, 1)])
def test_image_round_trip(shape):
    image = np.random.default_rng(0).random(shape).astype(np.float32)
    coords, values = image_to_samples(image)
    assert coords.shape == (shape[0] * shape[1], 2)
    assert values.shape == (shape[0] * shape[1], *shape[2:])
    np.testing.assert_array_equal(samples_to_image(values, shape[:2]), image)
    # Pixel (i, j) sits at (row, column) coordinates.
    np.testing.assert_allclose(
        coords[1], [grid_coords(shape[0])[0, 0], grid_coords(shape[1])[1, 0]]
    )


def test_audio_round_trip():
    stereo = np.random.default_rng(0).standard_normal((50, 2))
    coords, values = audio_to_samples(stereo)
    assert coords.shape == (50, 1)
    np.testing.assert_array_equal(samples_to_audio(values), stereo)
    assert audio_to_samples(stereo[:, 0])[1].shape == (50,)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.zeros((2, 3, 4, 5)), ValueError, "image must have 2 or 3 dimensions"),
        (np.zeros((0, 4)), ValueError, "empty"),
        (np.array([["a", "b"]]), TypeError, "numeric"),
        (np.zeros((2, 2), dtype=complex), TypeError, "real numeric"),
    ],
)
def test_image_to_samples_rejects_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        image_to_samples(bad)


def test_bad_shapes_and_lengths():
    with pytest.raises(ValueError, match="positive ints"):
        grid_coords((4, 0))
    with pytest.raises(TypeError, match="shape must be"):
        grid_coords(2.5)
    with pytest.raises(ValueError, match="needs 12"):
        samples_to_image(np.zeros(10), (3, 4))
    with pytest.raises(ValueError, match="audio must have 1 or 2"):
        audio_to_samples(np.zeros((2, 2, 2)))
