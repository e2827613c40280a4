import numpy as np
import pytest

from sirenkit import grid_coords


@pytest.fixture
def smooth_image():
    """A smooth 24x32 RGB image in [0, 1] (non-square on purpose) as (coords, values, shape)."""
    shape = (24, 32)
    coords = grid_coords(shape)
    y, x = coords[:, 0], coords[:, 1]
    values = np.stack(
        [
            0.5 + 0.4 * np.sin(3 * x) * np.cos(2 * y),
            0.5 + 0.3 * np.cos(4 * x + y),
            0.2 + 0.6 * (x + 1) / 2,
        ],
        axis=1,
    )
    return coords, values, shape


@pytest.fixture
def small():
    """``small(**overrides)``: estimator parameters small and fast enough for unit tests."""

    def params(**overrides):
        return {**SMALL_PARAMS, **overrides}

    return params


# lr and the schedule fixed (not "auto"): the unit tests' expectations were set with them;
# tests/test_defaults.py and tests/test_sklearn_compat.py test the defaults themselves.
SMALL_PARAMS = dict(
    hidden_features=32,
    hidden_layers=1,
    lr=1e-3,
    lr_schedule="plateau",
    max_epochs=100,
    random_state=0,
    device="cpu",
)
