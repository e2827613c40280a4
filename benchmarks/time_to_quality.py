"""Time to quality: seconds to 30 and 40 dB, PSNR at a wall-clock budget, and rendering
between the pixels, of today's defaults and of each lever of issue 30.

Candidates (``CANDIDATES``): ``SirenRegressor()`` at its defaults; the hash-grid encoding
(``encoding="hashgrid"``) with a 2x64 ReLU network, its defaults otherwise (lr 1e-2,
mini-batches of 4096), also with error-guided sampling; the weight-scaled SIREN
(``weight_scale=1.5``, the best factor on the tuning photograph); the SIREN with
error-guided sampling (``sampling="error"``).

Sections, each printing its rows as it measures them:

1. 256x256 photographs: each candidate fitted at its defaults (``max_epochs`` 100 unless
   ``--epochs``) until ``--seconds`` of wall time (from the call of ``fit``: validation,
   set-up and the first epoch included); the seconds and epochs to 30 and 40 dB training
   PSNR, and the training PSNR of the last epoch within the budget.
2. Between the pixels: fitted to the 128x128 area-downsampled photograph at its defaults,
   predicted at 256x256 and compared with the 256x256 photograph (where a grid can alias).
3. ``--div2k N``: the first N of the 11 DIV2K x4 LR images, whole, fitted for
   ``--div2k-seconds``; the training PSNR then, per image and mean.
4. ``--small``: where the grid's lead shrinks: the first photograph at 32x32 and 64x64
   (one full batch) and a smooth 32x32x32 volume, seconds to 40 dB and parameters.

Photographs (benchmarks/_signals.py): DIV2K 0803 chose the new defaults (tuning);
astronaut and scikit-image's coffee are held out.

    python benchmarks/time_to_quality.py                      # sections 1 and 2
    python benchmarks/time_to_quality.py --div2k 11 --skip-photos
    python benchmarks/time_to_quality.py --side 32 --seconds 3 --photos astronaut  # smoke
    python benchmarks/time_to_quality.py --device cuda --seconds 10 --skip-between
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from _signals import DATA, photo
from reference import _EpochClock
from skorch.callbacks import Callback

from sirenkit import INRRegressor, SirenRegressor, grid_coords, image_to_samples
from sirenkit.callbacks import TargetReached
from sirenkit.io import load_image
from sirenkit.metrics import psnr

HASH_GRID = dict(encoding="hashgrid", activation="relu", hidden_features=64, hidden_layers=1)
CANDIDATES = {
    "SirenRegressor()": lambda **p: SirenRegressor(**p),
    "SIREN, weight_scale=1.5": lambda **p: SirenRegressor(weight_scale=1.5, **p),
    "SIREN, sampling='error'": lambda **p: SirenRegressor(sampling="error", **p),
    "hash grid, ReLU 2x64": lambda **p: INRRegressor(**HASH_GRID, **p),
    "hash grid, ReLU 2x64, sampling='error'": lambda **p: INRRegressor(
        **HASH_GRID, sampling="error", **p
    ),
}
PHOTOS = {"tuning": ("0803",), "held out": ("astronaut", "coffee")}


class TimeLimit(Callback):
    """Stop a fit at the end of the first epoch past ``seconds`` of its clock."""

    def __init__(self, clock: _EpochClock, seconds: float) -> None:
        self.clock, self.seconds = clock, seconds

    def on_epoch_end(self, net, **kwargs) -> None:
        if self.clock.times_[-1] >= self.seconds:
            raise KeyboardInterrupt  # skorch ends training on it, as its EarlyStopping does


def timed_fit(make, image: np.ndarray, args, seconds: float):
    """The estimator fitted until ``seconds``, and the end time of each of its epochs."""
    coords, pixels = image_to_samples(image)
    clock = _EpochClock(args.device, start=time.perf_counter())
    est = make(**fixed(args), callbacks=[("clock", clock), ("limit", TimeLimit(clock, seconds))])
    est.fit(coords, pixels)
    return est, clock.times_


def fixed(args) -> dict:
    """What every fit shares: the seed, the device, and ``--epochs`` if given."""
    params = {"random_state": 0, "device": args.device}
    return params if args.epochs is None else {**params, "max_epochs": args.epochs}


def last_within(times, seconds: float) -> int:
    """The last epoch that ended within ``seconds`` (the first if none did)."""
    return max([i for i, t in enumerate(times) if t <= seconds], default=0)


def reached(psnrs, times, target: float) -> str:
    at = next((i for i, p in enumerate(psnrs) if p >= target), None)
    return "-" if at is None else f"{times[at]:.1f} s ({at + 1})"


def photo_rows(args) -> None:
    print(
        f"\n## 1. {args.side}x{args.side} photographs, at most {args.seconds:g} s a fit\n\n"
        "| photograph | role | candidate | s to 30 dB (epochs) | s to 40 dB (epochs) | "
        f"PSNR at {args.seconds:g} s (epoch) |\n|---|---|---|---|---|---|"
    )
    for role, name in args.photos:
        image = photo(name, args.side)
        for label, make in CANDIDATES.items():
            est, times = timed_fit(make, image, args, args.seconds)
            psnrs = est.history_[:, "train_psnr"]
            within = last_within(times, args.seconds)
            print(
                f"| {name} | {role} | {label} | {reached(psnrs, times, 30)} | "
                f"{reached(psnrs, times, 40)} | {psnrs[within]:.2f} ({within + 1}) |",
                flush=True,
            )


def downsample(image: np.ndarray) -> np.ndarray:
    tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]
    half = torch.nn.functional.avg_pool2d(tensor, 2)
    return half[0].permute(1, 2, 0).numpy()


def between_rows(args) -> None:
    side = args.side
    print(
        f"\n## 2. Between the pixels: fitted at {side // 2}x{side // 2} (defaults), "
        f"predicted at {side}x{side}\n\n"
        "| photograph | role | candidate | PSNR at the fitted pixels | PSNR between | fit s |"
        "\n|---|---|---|---|---|---|"
    )
    for role, name in args.photos:
        image = photo(name, side)
        small = downsample(image)
        coords, pixels = image_to_samples(small)
        for label, make in CANDIDATES.items():
            start = time.perf_counter()
            est = make(**fixed(args)).fit(coords, pixels)
            seconds = time.perf_counter() - start
            fitted = psnr(small, est.predict(coords).reshape(small.shape))
            rendered = np.clip(est.predict(grid_coords((side, side))), 0, 1)
            print(
                f"| {name} | {role} | {label} | {fitted:.2f} | "
                f"{psnr(image, rendered.reshape(image.shape)):.2f} | {seconds:.1f} |",
                flush=True,
            )


def div2k_rows(args) -> None:
    paths = sorted((DATA / "div2k_subset" / "LR_bicubic_x4").glob("*.png"))[: args.div2k]
    if not paths:
        print(f"\n(no DIV2K LR images at {DATA}: section 3 not measured)")
        return
    print(
        f"\n## 3. DIV2K x4 LR images, whole, PSNR after {args.div2k_seconds:g} s\n\n"
        "| image | pixels | candidate | PSNR (dB) | epochs |\n|---|---|---|---|---|"
    )
    results: dict[str, list[float]] = {label: [] for label in CANDIDATES}
    for path in paths:
        image = load_image(path)
        for label, make in CANDIDATES.items():
            est, times = timed_fit(make, image, args, args.div2k_seconds)
            psnrs = est.history_[:, "train_psnr"]
            within = last_within(times, args.div2k_seconds)
            results[label].append(psnrs[within])
            print(
                f"| {path.stem} | {image.shape[1]}x{image.shape[0]} | {label} | "
                f"{psnrs[within]:.2f} | {within + 1} |",
                flush=True,
            )
    print("\n| candidate | mean PSNR (dB) |\n|---|---|")
    for label, values in results.items():
        print(f"| {label} | {np.mean(values):.2f} |")


def volume(side: int) -> tuple[np.ndarray, np.ndarray]:
    """A smooth scalar volume on a ``side``^3 grid: coordinates and values in [0, 1]."""
    X = grid_coords((side,) * 3)
    x, y, z = X.T
    values = 0.5 + 0.2 * np.sin(3 * x + 1) * np.cos(2 * y) + 0.2 * np.sin(4 * z * x)
    return X, values.astype(np.float32)


def small_rows(args) -> None:
    """Where the grid's lead shrinks: small images (full batch) and a smooth volume."""
    print(
        "\n## 4. Small signals: seconds to 40 dB at the defaults (at most 300 epochs)\n\n"
        "| signal | candidate | s to 40 dB (epochs) | parameters |\n|---|---|---|---|"
    )
    signals = {
        f"{side}x{side} {args.photos[0][1]}": photo(args.photos[0][1], side) for side in (32, 64)
    }
    signals = {name: image_to_samples(image) for name, image in signals.items()}
    signals["32x32x32 smooth volume"] = volume(32)
    for name, (X, y) in signals.items():
        for label, make in CANDIDATES.items():
            clock = _EpochClock(args.device, start=time.perf_counter())
            stop = ("stop", TargetReached(40.0))
            params = {**fixed(args), "max_epochs": 300}
            est = make(**params, callbacks=[("clock", clock), stop]).fit(X, y)
            psnrs = est.history_[:, "train_psnr"]
            size = sum(p.numel() for p in est.net_.module_.parameters())
            print(
                f"| {name} | {label} | {reached(psnrs, clock.times_, 40)} | {size:,} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=60.0, help="budget of a fit")
    parser.add_argument("--epochs", type=int, default=None, help="default: each one's own")
    parser.add_argument("--photos", default=None, help="names; default: tuning and held out")
    parser.add_argument("--candidates", default=None, help="labels, separated by ;")
    parser.add_argument("--skip-photos", action="store_true")
    parser.add_argument("--skip-between", action="store_true")
    parser.add_argument("--small", action="store_true", help="section 4")
    parser.add_argument("--div2k", type=int, default=0, help="number of LR images")
    parser.add_argument("--div2k-seconds", type=float, default=60.0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    roles = {name: role for role, names in PHOTOS.items() for name in names}
    names = args.photos.split(",") if args.photos else list(roles)
    args.photos = [(roles.get(name, "held out"), name) for name in names]
    if args.candidates:
        keep = args.candidates.split(";")
        for label in list(CANDIDATES):
            if label not in keep:
                CANDIDATES.pop(label)
    machine = (
        torch.cuda.get_device_name()
        if args.device.startswith("cuda")
        else f"CPU, {torch.get_num_threads()} threads ({os.cpu_count()} cores)"
    )
    print(f"torch {torch.__version__}, {machine}; wall time from the call of fit")
    if not args.skip_photos:
        photo_rows(args)
    if not args.skip_between:
        between_rows(args)
    if args.div2k:
        div2k_rows(args)
    if args.small:
        small_rows(args)


if __name__ == "__main__":
    main()
