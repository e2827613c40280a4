"""The per-device defaults: seconds to 30 and 40 dB of each candidate, on photographs.

``SirenRegressor()`` at its defaults but for the candidate's mini-batch size and precision
(``lr="auto"`` follows the batch size, the cosine schedule over ``max_epochs``), fitted to
256x256 photographs until 40 dB (``TargetReached``) or ``--epochs``. The seconds are wall
time from the start of ``fit`` (validation, set-up and the first epochs' warm-up and CUDA
graph capture included): what a user waits. ``DEVICE_DEFAULTS`` in sirenkit/_base.py takes,
per device, the candidate that reaches 40 dB soonest on the tuning photograph (DIV2K 0803,
see benchmarks/_signals.py) without a slower 30 dB; the held-out photographs (astronaut and
scikit-image's coffee) report it.

    python benchmarks/device_defaults.py [--device cuda] [--budget 90]
    python benchmarks/device_defaults.py --side 32 --epochs 3 --batches 256,none --device cpu
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from _budget import Budget
from _signals import DATA, photo
from reference import _EpochClock

from sirenkit import SirenRegressor, image_to_samples
from sirenkit.callbacks import TargetReached

PHOTOS = {"tuning": ("0803",), "held out": ("astronaut", "coffee")}


def seconds_to(history, times, target: float) -> tuple[str, str]:
    psnrs = history[:, "train_psnr"]
    reached = next((i for i, p in enumerate(psnrs) if p >= target), None)
    if reached is None:
        return "not reached", "-"
    return f"{times[reached]:.2f}", str(reached + 1)


def fit(image, batch_size, precision: str, epochs: int, device: str):
    coords, pixels = image_to_samples(image)
    clock = _EpochClock(device, start=time.perf_counter())
    est = SirenRegressor(
        batch_size=batch_size,
        precision=precision,
        max_epochs=epochs,
        device=device,
        random_state=0,
        callbacks=[("clock", clock), ("stop", TargetReached(40.0))],
    )
    est.fit(coords, pixels)
    return est, dict(est.net_.callbacks_)["clock"].times_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batches", default="none,4096,8192,16384,32768")
    parser.add_argument("--precisions", default=None, help="default: float32,tf32 on CUDA")
    parser.add_argument("--budget", type=float, default=None, help="seconds")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    cuda = args.device.startswith("cuda")
    precisions = (args.precisions or ("float32,tf32" if cuda else "float32")).split(",")
    batches = [None if b == "none" else int(b) for b in args.batches.split(",")]
    name = torch.cuda.get_device_name() if cuda else args.device
    print(
        f"torch {torch.__version__}, {name}; {args.side}x{args.side} photographs, "
        f"SirenRegressor defaults but batch_size and precision, at most {args.epochs} "
        "epochs, until 40 dB\n"
    )
    print(
        "| photographs | batch_size | precision | photograph | s to 30 dB | s to 40 dB | "
        "epochs to 30 | epochs to 40 | final PSNR (dB) |\n|---|---|---|---|---|---|---|---|---|"
    )
    budget = Budget(args.budget)
    photos = dict(PHOTOS)
    if not (DATA / "div2k_subset" / "HR").is_dir():
        print(f"(no DIV2K images at {DATA}: the tuning rows are not measured)\n")
        photos.pop("tuning")
    fit(photo("astronaut", 32), None, "float32", 2, args.device)  # warm the process up
    runs = [
        (role, b, p, name)
        for role, names in photos.items()
        for name in names
        for b in batches
        for p in precisions
    ]
    for index, (role, batch, precision, name) in enumerate(runs):
        if budget.spent():
            budget.skipped(f"{len(runs) - index} of {len(runs)} fits")
            break
        est, times = fit(photo(name, args.side), batch, precision, args.epochs, args.device)
        (s30, e30), (s40, e40) = (seconds_to(est.history_, times, t) for t in (30.0, 40.0))
        final = est.history_[-1, "train_psnr"]
        print(
            f"| {role} | {batch if batch else 'full'} | {precision} | {name} | {s30} | {s40} | "
            f"{e30} | {e40} | {final if math.isfinite(final) else np.inf:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
