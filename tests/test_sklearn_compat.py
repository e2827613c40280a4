"""scikit-learn's estimator checks on every sirenkit estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sirenkit import PoissonSolver, ReluMLPRegressor, SirenRegressor, SirenSuperResolver

# Small nets trained long enough for check_regressors_train (R^2 > 0.5 on its toy data).
# The checks feed standardised features (|x| up to ~3), so the [-1, 1] coordinate check
# is off for them; it is tested on its own in test_regressors.py.
CHECKED = dict(hidden_features=32, hidden_layers=1, lr=1e-2, max_epochs=100,
               coord_range=None, device="cpu")


# PoissonSolver is checked as a generic estimator (predict returns the signal, y holds its
# derivatives); the checks' 1-column targets are Laplacians. SirenSuperResolver's options
# other than the plain fit need a full 2-D pixel grid, which the checks' data are not.
@parametrize_with_checks([SirenRegressor(**CHECKED), ReluMLPRegressor(**CHECKED),
                          PoissonSolver(target="laplacian", **CHECKED),
                          SirenSuperResolver(**CHECKED)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
