"""Sweeps at scale: GridSearchCV (n_jobs 1 and 2) against stacked training, in one run.

Each study runs the same fits three ways (plain ``GridSearchCV`` with ``n_jobs=1`` and
``n_jobs=2``, or for many signals a loop and a joblib pool; and the stacked path,
``StackedGridSearchCV`` / ``sirenkit.fit_many``) and prints wall time, the speed-up of the
stacked path over the better plain one, and the largest score difference. All fits: SIREN,
full batch, Adam at lr 1e-3 with the plateau schedule, ``FullSampleSplit`` scored by PSNR.

1. omega_0 x seeds: 8 x 4 = 32 width-32 networks (2 hidden layers) on a 32x32 image.
2. Many signals: 32 tiles of 32x32 of the sample image, one width-32 fit each.
3. The course study's layer/width sweep (9 depths at width 64, 9 widths at depth 3) on a
   64x64 image: every candidate a different shape, so no two stack (the stacked search
   then runs them one by one: what it costs when stacking cannot help).
4. omega_0 x first-layer initialisation (4 x 4) at width 64 on a 64x64 image.
5. Where stacking stops paying: 8 or 32 networks at widths 32-256 on 32x32 and 64x64.

``--plain-jobs`` picks the plain runs (``1`` alone on a GPU, where worker processes would
each start CUDA); ``--budget`` stops starting studies when it is spent. Rows are printed as
they are measured.

    python benchmarks/sweeps.py [--epochs 200] [--quick] [--plain-jobs 1,2] [--budget 60]
"""

from __future__ import annotations

import argparse
import os
import time

import joblib
import numpy as np
import torch
from _budget import Budget
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sirenkit import SirenRegressor, fit_many, image_to_samples
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr, psnr_scorer
from sirenkit.model_selection import FullSampleSplit, StackedGridSearchCV
from sirenkit.resample import bicubic_downscale
from sirenkit.stacked import fit_stacked

DEVICE = "cpu"
#: n_jobs of the plain runs (--plain-jobs).
PLAIN_JOBS = (1, 2)


def image(side: int) -> tuple[np.ndarray, np.ndarray]:
    return image_to_samples(bicubic_downscale(load_sample_image(), 256 / side))


def base(epochs: int, **params) -> SirenRegressor:
    return SirenRegressor(
        max_epochs=epochs,
        batch_size=None,
        lr=1e-3,
        lr_schedule="plateau",
        device=DEVICE,
        random_state=0,
        verbose=0,
        **params,
    )


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def compare_search(name, estimator, grid, X, y) -> None:
    """GridSearchCV n_jobs 1 and 2 against StackedGridSearchCV, same grid and scorer."""
    settings = dict(scoring=psnr_scorer, cv=FullSampleSplit(), refit=False)
    runs = {}
    makers = [("StackedGridSearchCV", lambda: StackedGridSearchCV(estimator, grid, **settings))]
    makers += [
        (
            f"GridSearchCV n_jobs={n}",
            lambda n=n: GridSearchCV(estimator, grid, n_jobs=n, **settings),
        )
        for n in PLAIN_JOBS
    ]
    for label, make in makers:
        seconds, search = timed(lambda make=make: make().fit(X, y))
        runs[label] = (seconds, search.cv_results_["mean_test_score"], search)
    report(name, runs, runs["StackedGridSearchCV"][2].stacks_)


def compare_many(name, estimator, X, signals) -> None:
    """A loop of fits, a joblib pool of 2, and fit_many."""

    def scores(fits):
        return np.array([psnr(s, f.predict(X)) for s, f in zip(signals, fits)])

    runs = {}
    seconds, fits = timed(lambda: fit_many(estimator, X, signals))
    runs["fit_many"] = (seconds, scores(fits), None)
    seconds, fits = timed(lambda: [clone(estimator).fit(X, s) for s in signals])
    runs["one after another"] = (seconds, scores(fits), None)
    for n in (n for n in PLAIN_JOBS if n > 1):
        seconds, fits = timed(
            lambda n=n: joblib.Parallel(n_jobs=n)(
                joblib.delayed(clone(estimator).fit)(X, s) for s in signals
            )
        )
        runs[f"joblib n_jobs={n}"] = (seconds, scores(fits), None)
    report(name, runs, None)


def report(name: str, runs: dict, stacks) -> None:
    labels = list(runs)  # the stacked run first (it runs first), then the two plain ones
    best_plain = min(runs[label][0] for label in labels[1:])
    stacked_seconds, stacked_scores, _ = runs[labels[0]]
    difference = np.abs(stacked_scores - runs[labels[1]][1]).max()
    times = ", ".join(f"{label} {runs[label][0]:.1f} s" for label in labels)
    print(
        f"| {name} | {times} | **{best_plain / stacked_seconds:.2f}x** | "
        f"{runs[labels[1]][1].mean():.2f} / {stacked_scores.mean():.2f} | {difference:.3f} | "
        f"{stacks if stacks is not None else '-'} |",
        flush=True,
    )


def stack_pays(width: int, side: int, count: int, epochs: int) -> None:
    """Stacked against one after another for ``count`` networks of ``width``."""
    X, y = image(side)
    estimator = base(epochs, hidden_features=width, hidden_layers=2)
    seeds = [clone(estimator).set_params(random_state=k) for k in range(count)]
    sequential, _ = timed(lambda: [clone(e).fit(X, y) for e in seeds])
    stacked, _ = timed(lambda: fit_stacked([(clone(e), X, y) for e in seeds]))
    print(
        f"| {count} x width {width} | {side}x{side} | {sequential:.1f} s | {stacked:.1f} s | "
        f"**{sequential / stacked:.2f}x** |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="studies 1, 2 and 5 only")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--plain-jobs", default="1,2")
    parser.add_argument("--budget", type=float, default=None, help="seconds")
    args = parser.parse_args()
    global DEVICE, PLAIN_JOBS
    DEVICE = args.device
    PLAIN_JOBS = tuple(int(n) for n in args.plain_jobs.split(","))
    budget = Budget(args.budget)
    epochs = args.epochs
    print(
        f"torch {torch.__version__}, device {DEVICE}, {os.cpu_count()} cores, "
        f"{torch.get_num_threads()} torch threads, {epochs} epochs per fit (study 5: "
        f"{max(2, epochs // 4)}), full batch, plateau schedule\n"
    )
    print(
        "| study | wall time | stacked speed-up over the better plain run | mean PSNR plain / "
        "stacked (dB) | largest score difference (dB) | stacks |\n|---|---|---|---|---|---|"
    )
    # Warm up outside the timings: the first fit of a process imports torch's compiler
    # modules (about 2 s here), which would count against whichever path runs first.
    X, y = image(8)
    fit_stacked([(base(2, hidden_features=8), X, y), (base(2, hidden_features=8), X, y)])
    studies = [("32 candidates", lambda: study_omega_seeds(epochs))]
    studies.append(("32 signals", lambda: study_many_signals(epochs)))
    if not args.quick:
        studies.append(("layer/width sweep", lambda: study_layers_widths(epochs)))
        studies.append(("omega_0 x init", lambda: study_omega_init(epochs)))
    studies.append(("where stacking stops paying", lambda: study_stack_pays(epochs)))
    for index, (_, study) in enumerate(studies):
        if budget.spent():
            budget.skipped(", ".join(n for n, _ in studies[index:]))
            break
        study()


def study_omega_seeds(epochs: int) -> None:
    X, y = image(32)
    omega_seeds = {"omega_0": [10, 20, 30, 45, 60, 80, 100, 120], "random_state": [0, 1, 2, 3]}
    compare_search(
        "32 candidates (omega_0 x seeds), width 32, 32x32",
        base(epochs, hidden_features=32, hidden_layers=2),
        omega_seeds,
        X,
        y,
    )


def study_many_signals(epochs: int) -> None:
    _, full = image(256)
    tiles = full.reshape(8, 32, 8, 32, 3).transpose(0, 2, 1, 3, 4).reshape(64, 32 * 32, 3)
    tile_coords = image_to_samples(np.zeros((32, 32, 3)))[0]
    compare_many(
        "32 signals (32x32 tiles), width 32",
        base(epochs, hidden_features=32, hidden_layers=2),
        tile_coords,
        list(tiles[::2]),
    )


def study_layers_widths(epochs: int) -> None:
    X, y = image(64)
    compare_search(
        "layer/width sweep (9 + 9 shapes), 64x64",
        base(epochs),
        [
            {"hidden_layers": list(range(1, 10)), "hidden_features": [64]},
            {"hidden_layers": [3], "hidden_features": [16, 32, 48, 64, 96, 128, 192, 256, 384]},
        ],
        X,
        y,
    )


def study_omega_init(epochs: int) -> None:
    X, y = image(64)
    compare_search(
        "omega_0 x first-layer init (4 x 4), width 64, 64x64",
        base(epochs, hidden_features=64, hidden_layers=3),
        {
            "omega_0": [10, 30, 60, 90],
            "first_layer_init": ["sitzmann", "xavier", "he", "pytorch"],
        },
        X,
        y,
    )


def study_stack_pays(epochs: int) -> None:
    print("\n| networks | image | one after another | stacked | speed-up |\n|---|---|---|---|---|")
    for width, side, count in [
        (32, 32, 8),
        (32, 32, 32),
        (64, 64, 8),
        (64, 64, 32),
        (128, 64, 8),
        (256, 64, 8),
    ]:
        stack_pays(width, side, count, max(2, epochs // 4))


if __name__ == "__main__":
    main()
