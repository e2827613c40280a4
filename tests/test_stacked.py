"""Many networks trained as one: each gets the fit it would get alone."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold

from sirenkit import INRRegressor, PoissonSolver, SirenRegressor, fit_many, grid_coords
from sirenkit.metrics import psnr_scorer
from sirenkit.model_selection import FullSampleSplit, StackedGridSearchCV
from sirenkit.stacked import fit_stacked, stackable

X = grid_coords((12, 12))
SIGNALS = [
    np.stack([np.sin(3 * X[:, 0] + k), np.cos((k + 1) * X[:, 1])], axis=1) / 2 + 0.5
    for k in range(3)
]
TINY = dict(hidden_features=16, hidden_layers=2, max_epochs=25, random_state=0)


@pytest.mark.parametrize(
    "settings",
    [
        dict(lr_schedule="plateau"),
        dict(lr_schedule="cosine", weight_decay=1e-4),
        dict(lr_schedule=None, batch_size=40),  # mini-batches in the seed's order
    ],
    ids=["plateau", "cosine+decay", "minibatch"],
)
def test_fit_many_gives_each_signal_the_fit_it_gets_alone(settings):
    estimator = SirenRegressor(**TINY, **settings)
    fitted = fit_many(estimator, X, SIGNALS)
    assert len(fitted) == 3 and not hasattr(estimator, "net_")  # the configuration stays
    for signal, stacked in zip(SIGNALS, fitted):
        alone = clone(estimator).fit(X, signal)
        np.testing.assert_allclose(stacked.predict(X), alone.predict(X), atol=2e-4)
        np.testing.assert_allclose(
            stacked.history_[:, "train_loss"], alone.history_[:, "train_loss"], rtol=1e-4
        )
        assert stacked.history_[-1, "train_psnr"] == pytest.approx(
            alone.history_[-1, "train_psnr"], abs=0.01
        )
        assert stacked.lr_ == alone.lr_ and stacked.omega_0_ == alone.omega_0_


@pytest.mark.parametrize(
    "activation, parameter, values",
    [
        ("sine", "omega_0", [10.0, 30.0]),
        ("finer", "omega_0", [5.0, 15.0]),
        ("wire", "gaussian_scale", [10.0, 20.0]),  # at 5 this fit is chaotic: float32 noise grows
        ("gauss", "gaussian_scale", [5.0, 10.0]),
        ("fourier", "fourier_scale", [5.0, 10.0]),  # frozen frequencies: not trained
        ("relu", "lr", [1e-3, 3e-3]),
    ],
)
def test_networks_differing_in_a_frequency_stack_as_one(activation, parameter, values):
    estimators = [
        INRRegressor(activation=activation, **{**TINY, parameter: value}) for value in values
    ]
    fitted, stacks = fit_stacked([(clone(e), X, SIGNALS[0]) for e in estimators])
    assert stacks == [2]
    # FINER's (|z| + 1) z and WIRE's Gabor wavelets amplify float32 rounding (the batched
    # products sum in another order) more than the other layers do: one fit of WIRE at
    # gaussian_scale 10 ends 1e-3 apart from itself under two torch Adam implementations
    # that differ by one rounding (a mistake in the stacked update moves it by 1e-2 or more).
    atol = 2e-3 if activation in ("finer", "wire") else 2e-4
    for estimator, stacked in zip(estimators, fitted):
        alone = clone(estimator).fit(X, SIGNALS[0])
        np.testing.assert_allclose(stacked.predict(X), alone.predict(X), atol=atol)


def test_the_stacks_split_to_bound_memory_and_mixed_shapes_form_groups():
    fits = [(SirenRegressor(**{**TINY, "random_state": k}), X, SIGNALS[0]) for k in range(5)]
    fits.append((SirenRegressor(**{**TINY, "hidden_features": 8}), X, SIGNALS[0]))
    fits.append((PoissonSolver(hidden_features=8, max_epochs=2), X, np.zeros((len(X), 2))))
    fitted, stacks = fit_stacked(fits, max_stack_bytes=2 * 4 * 4 * len(X) * 16 * 4)
    assert sorted(stacks) == [1, 1, 1, 2, 2]  # 5 in stacks of 2; width 8; Poisson alone
    assert [type(f).__name__ for f in fitted][-1] == "PoissonSolver"
    assert not stackable(fits[-1][0])
    with pytest.raises(ValueError, match="max_stack_bytes must be a positive"):
        fit_many(SirenRegressor(), X, SIGNALS, max_stack_bytes=0)
    with pytest.raises(ValueError, match="signals is empty"):
        fit_many(SirenRegressor(), X, [])


@pytest.mark.parametrize("cv", [FullSampleSplit(), KFold(3, shuffle=True, random_state=0)])
def test_the_stacked_search_is_grid_search_cv(cv):
    estimator = SirenRegressor(**TINY)
    grid = [{"omega_0": [10, 30], "random_state": [0, 1]}, {"hidden_features": [8]}]
    y = SIGNALS[1]
    plain = GridSearchCV(estimator, grid, cv=cv, scoring=psnr_scorer).fit(X, y)
    stacked = StackedGridSearchCV(estimator, grid, cv=cv, scoring=psnr_scorer).fit(X, y)
    assert list(stacked.cv_results_) == list(plain.cv_results_)
    assert stacked.cv_results_["params"] == plain.cv_results_["params"]
    np.testing.assert_allclose(
        stacked.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"], atol=0.01
    )
    assert stacked.best_params_ == plain.best_params_
    assert isinstance(stacked.best_estimator_, SirenRegressor)
    np.testing.assert_allclose(stacked.predict(X), plain.best_estimator_.predict(X), atol=2e-3)
    # Per split's samples: one stack of the 4 width-16 candidates, the width 8 alone.
    n_splits = cv.get_n_splits()
    assert sorted(stacked.stacks_) == [1] * n_splits + [4] * n_splits


def test_the_stacking_tags_say_what_the_classes_do():
    from sirenkit import ReluMLPRegressor, SignedDistanceRegressor, SirenSuperResolver
    from sirenkit._base import BaseINR
    from sirenkit.nn import LAYERS, FourierFeatures, Layer, LinearLayer

    estimators = [
        SirenRegressor,
        ReluMLPRegressor,
        INRRegressor,
        PoissonSolver,
        SirenSuperResolver,
        SignedDistanceRegressor,
    ]
    for cls in estimators:  # the plain fit of the signal: BaseINR's fit and plan
        plain = cls.fit is BaseINR.fit and cls._plan is BaseINR._plan
        assert cls.fits_signal_itself == plain, cls.__name__
    for cls in [*LAYERS.values(), FourierFeatures, LinearLayer]:
        assert cls.elementwise == (cls.forward is Layer.forward), cls.__name__
