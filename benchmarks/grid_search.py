"""Wall time of a GridSearchCV over small SIRENs: n_jobs=1 against parallel workers.

A study sweeps many small configurations; each fit alone keeps a 2-core CPU (or a GPU)
partly idle. This times the same grid (widths x depths, a 64x64 RGB image, full batch,
scored on the fitted grid with ``FullSampleSplit``) with ``n_jobs=1`` (torch uses all
cores in one fit) and with ``n_jobs`` workers (joblib's loky processes; each gets
``cores / n_jobs`` threads), and checks both find the same scores.

    python benchmarks/grid_search.py [--jobs 1,2] [--epochs 200]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from sklearn.model_selection import GridSearchCV

from sirenkit import SirenRegressor, image_to_samples
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr_scorer
from sirenkit.model_selection import FullSampleSplit
from sirenkit.resample import bicubic_downscale

GRID = {"hidden_features": [32, 64], "hidden_layers": [1, 2], "omega_0": [20.0, 30.0]}


def search(coords, pixels, n_jobs: int, epochs: int) -> tuple[float, np.ndarray]:
    # Full batch and the plateau schedule, as the numbers in docs/benchmarks.md were measured.
    estimator = SirenRegressor(
        max_epochs=epochs,
        batch_size=None,
        lr=1e-3,
        lr_schedule="plateau",
        device="cpu",
        random_state=0,
    )
    grid = GridSearchCV(
        estimator, GRID, scoring=psnr_scorer, cv=FullSampleSplit(), n_jobs=n_jobs, refit=False
    )
    start = time.perf_counter()
    grid.fit(coords, pixels)
    return time.perf_counter() - start, grid.cv_results_["mean_test_score"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--side", type=int, default=64)
    args = parser.parse_args()
    image = bicubic_downscale(load_sample_image(), 256 / args.side)
    coords, pixels = image_to_samples(image)
    n_configs = int(np.prod([len(v) for v in GRID.values()]))
    print(
        f"torch {torch.__version__}, {os.cpu_count()} cores, {n_configs} configurations, "
        f"{args.side}x{args.side} RGB, {args.epochs} epochs each"
    )
    baseline = None
    for n_jobs in (int(j) for j in args.jobs.split(",")):
        seconds, scores = search(coords, pixels, n_jobs, args.epochs)
        baseline = baseline or (seconds, scores)
        same = np.allclose(scores, baseline[1], atol=0.05)
        print(
            f"n_jobs={n_jobs}: {seconds:7.1f} s  speed-up {baseline[0] / seconds:4.2f}x  "
            f"best {scores.max():.2f} dB  scores match n_jobs=1 (0.05 dB): {same}",
            flush=True,
        )


if __name__ == "__main__":
    main()
