"""A grid search through joblib's Dask backend gives the local run's results."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from sirenkit import FullSampleSplit, SirenRegressor, grid_coords
from sirenkit.metrics import psnr_scorer

distributed = pytest.importorskip("distributed")


def test_grid_search_on_a_local_dask_cluster_matches_the_local_run():
    coords = grid_coords((12, 12))
    signal = 0.5 + 0.4 * np.sin(5 * coords[:, 0]) * np.cos(3 * coords[:, 1])
    search = GridSearchCV(
        SirenRegressor(hidden_features=16, max_epochs=15, random_state=0),
        {"hidden_layers": [1, 2], "omega_0": [10.0, 30.0]},
        scoring=psnr_scorer,
        cv=FullSampleSplit(),
    )
    local = search.fit(coords, signal).cv_results_["mean_test_score"]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        parallel_backend("dask"),
    ):
        remote = search.fit(coords, signal).cv_results_["mean_test_score"]
        workers = len(cluster.scheduler_info["workers"])
    assert workers == 2
    assert len(np.unique(local)) == 4  # four different fits, not one repeated
    # Worker processes may run torch with another thread count: float sums in another
    # order, so equal to float32 precision rather than bit for bit.
    np.testing.assert_allclose(remote, local, rtol=1e-5)


def test_stacked_search_sends_its_stacks_to_a_local_dask_cluster():
    from sirenkit.model_selection import StackedGridSearchCV

    coords = grid_coords((12, 12))
    signal = 0.5 + 0.4 * np.sin(5 * coords[:, 0]) * np.cos(3 * coords[:, 1])
    grid = {"hidden_layers": [1, 2], "omega_0": [10.0, 30.0]}
    estimator = SirenRegressor(hidden_features=16, max_epochs=15, random_state=0)
    plain = GridSearchCV(estimator, grid, scoring=psnr_scorer, cv=FullSampleSplit())
    local = plain.fit(coords, signal).cv_results_["mean_test_score"]
    search = StackedGridSearchCV(estimator, grid, scoring=psnr_scorer, cv=FullSampleSplit())
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        parallel_backend("dask"),
    ):
        remote = search.fit(coords, signal)
    assert sorted(remote.stacks_) == [2, 2]  # one stack per depth, both omega_0 in each
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local, atol=1e-3)
