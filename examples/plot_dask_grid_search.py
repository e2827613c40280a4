"""
Running a grid search on a Dask cluster
=======================================

A sweep is many independent fits: scikit-learn hands them to joblib, and joblib's Dask
backend sends them to the workers of a ``dask.distributed`` cluster. Nothing in the search
changes; the estimators, the data and the scorer travel by pickling.

On a real cluster connect a client to its scheduler, ``Client("tcp://scheduler:8786")``;
here a :class:`~distributed.LocalCluster` of two in-process workers stands in for one
(``tests/test_dask.py`` runs the same search on worker processes). Install the extra with
``pip install "sirenkit[dask]"``.
"""

import os

import numpy as np
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from sirenkit import FullSampleSplit, SirenRegressor, image_to_samples
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr_scorer
from sirenkit.resample import bicubic_downscale

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
SIZE, EPOCHS = (32, 60) if FAST else (64, 200)

image = bicubic_downscale(load_sample_image(), 256 / SIZE)
coords, pixels = image_to_samples(image)
search = GridSearchCV(
    SirenRegressor(max_epochs=EPOCHS, random_state=0),
    {"hidden_layers": [1, 2], "hidden_features": [32, 64], "omega_0": [10.0, 30.0]},
    scoring=psnr_scorer,
    cv=FullSampleSplit(),
    n_jobs=-1,
)

# %%
# The same search, locally and on the cluster
# -------------------------------------------
# ``random_state`` makes every CPU fit deterministic, so both runs give the same scores
# (to float32 precision: a worker may run torch with another number of threads).
from distributed import Client, LocalCluster  # noqa: E402

local_scores = search.fit(coords, pixels).cv_results_["mean_test_score"]
with (
    LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster,
    Client(cluster),
):
    with parallel_backend("dask"):
        dask_scores = search.fit(coords, pixels).cv_results_["mean_test_score"]
for params, score in zip(search.cv_results_["params"], dask_scores):
    print(params, f"{score:.2f} dB")
print("same scores on the cluster as locally:", np.allclose(local_scores, dask_scores, rtol=1e-5))
print("best:", search.best_params_)
