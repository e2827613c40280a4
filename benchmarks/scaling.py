"""How a SirenRegressor training step scales with width, depth and number of coordinates.

One factor varies at a time around the reference network (3 hidden layers of 256, a
128x128 RGB image, full batch). Each row is the median step of a ``SirenRegressor.fit``
after warm-up steps (what a user gets, heap reuse included), the matmul FLOPs of the step
(forward and backward: ``6 n`` per weight) and the rate they ran at. With ``--peak``
(the device's peak FLOP/s for float32, in GFLOP/s) the fraction of it is printed too.

    python benchmarks/scaling.py [--steps 6] [--peak 157]

(157 GFLOP/s: 2 cores x 2.45 GHz x 32 float32 FLOPs per cycle with AVX2 FMA, the CPU
these tables were measured on.)
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from reference import _EpochClock  # benchmarks/ is on the path of a script

from sirenkit import SirenRegressor, grid_coords

BASE = dict(width=256, layers=3, side=128)
SWEEPS = {"width": [64, 128, 256, 512], "layers": [1, 2, 3, 5], "side": [32, 64, 128, 256]}
#: --small: the same code paths at toy sizes (benchmarks/gpu.sh --smoke).
SMALL_BASE = dict(width=16, layers=1, side=16)
SMALL_SWEEPS = {"width": [8, 16], "layers": [1, 2], "side": [8, 16]}
WARMUP_STEPS = 2


def matmul_flops(width: int, layers: int, n: int, channels: int = 3, dims: int = 2) -> float:
    """Forward and backward matmul FLOPs of one full-batch step: 2 n per weight, times 3."""
    weights = dims * width + layers * width * width + width * channels
    return 6.0 * n * weights


def step_seconds(width: int, layers: int, side: int, steps: int, device: str) -> float:
    coords = grid_coords((side, side))
    rng = np.random.default_rng(0)
    pixels = 0.5 + 0.5 * np.sin(rng.uniform(2, 8, 3) * coords[:, :1] + coords[:, 1:])
    est = SirenRegressor(
        hidden_features=width,
        hidden_layers=layers,
        lr=1e-4,
        lr_schedule=None,
        batch_size=None,  # one step per epoch
        max_epochs=steps + WARMUP_STEPS,
        device=device,
        random_state=0,
        callbacks=[("clock", _EpochClock(device))],
    )
    est.fit(coords, pixels)
    times = np.diff([0.0] + dict(est.net_.callbacks_)["clock"].times_)
    return statistics.median(times[WARMUP_STEPS:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument(
        "--peak", type=float, default=None, help="the device's float32 peak in GFLOP/s"
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--small", action="store_true", help="toy sizes (a smoke test)")
    args = parser.parse_args()
    base, sweeps = (SMALL_BASE, SMALL_SWEEPS) if args.small else (BASE, SWEEPS)
    print(
        f"torch {torch.__version__}, {args.device}, {torch.get_num_threads()} threads, "
        f"base: {base['layers']}x{base['width']}, {base['side']}x{base['side']} RGB, "
        f"median of {args.steps} steps"
    )
    for factor, values in sweeps.items():
        print(
            f"\n{factor:>6s} | {'s/step':>8s} | {'GFLOP/step':>10s} | {'GFLOP/s':>8s}"
            + (" | of peak" if args.peak else "")
        )
        for value in values:
            config = {**base, factor: value}
            seconds = step_seconds(
                config["width"], config["layers"], config["side"], args.steps, args.device
            )
            gflop = matmul_flops(config["width"], config["layers"], config["side"] ** 2) / 1e9
            row = f"{value:6d} | {seconds:8.4f} | {gflop:10.2f} | {gflop / seconds:8.1f}"
            if args.peak:
                row += f" | {gflop / seconds / args.peak:7.1%}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
