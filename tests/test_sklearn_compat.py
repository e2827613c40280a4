"""scikit-learn's estimator checks on every sirenkit estimator, at default parameters.

Only the sizes are shrunk (a 64-wide network with one hidden layer after the first; 100
epochs, the default of the first two, for all) so the 51 checks per estimator run in
seconds. The checks feed standardised
features (|x| up to ~3): the estimators warn about coordinates outside [-1, 1] and fit.
"""

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sirenkit import (
    CoordinateRangeWarning,
    PoissonSolver,
    ReluMLPRegressor,
    SirenRegressor,
    SirenSuperResolver,
    grid_coords,
)

SHRUNK = dict(hidden_features=64, hidden_layers=1)
EPOCHS = dict(max_epochs=100)  # PoissonSolver's default is 500, SirenSuperResolver's 300
# The super-resolver's default recipe (gradient loss, back-projection) works on the LR
# image's pixel grid; the checks' random coordinates are no grid: its plain fit is checked
# (the grid recipes are tested in test_superres.py).
SR_PLAIN = dict(gradient_weight=0.0, back_projection=0, **EPOCHS)


# PoissonSolver is checked as a generic estimator (predict returns the signal, y holds its
# derivatives) with target="laplacian": the checks' targets have 1 or 2 columns for 2 to
# 10 coordinate columns, which no gradient field (n_dims columns per channel) can have.
@parametrize_with_checks(
    [
        SirenRegressor(**SHRUNK),
        ReluMLPRegressor(**SHRUNK),
        PoissonSolver(target="laplacian", **SHRUNK, **EPOCHS),
        SirenSuperResolver(**SHRUNK, **SR_PLAIN),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoordinateRangeWarning)
        check(estimator)


def test_the_checks_run_at_default_parameters():
    for estimator, given in [
        (SirenRegressor(**SHRUNK), SHRUNK),
        (SirenSuperResolver(**SHRUNK, **SR_PLAIN), SHRUNK | SR_PLAIN),
    ]:
        defaults = type(estimator)().get_params()
        changed = {k for k, v in estimator.get_params().items() if v != defaults[k]}
        assert changed == set(given)
    with pytest.raises(ValueError, match="full 2-D pixel grid"):
        SirenSuperResolver(**SHRUNK).fit(np.random.default_rng(0).random((20, 2)), np.zeros(20))
    # PoissonSolver's default target, a gradient, needs n_dims columns per channel.
    with pytest.raises(ValueError, match="gradient field"):
        PoissonSolver(**SHRUNK).fit(grid_coords((4, 4)), np.zeros(16))
