"""Predict on grids from 256^2 to 4096^2: coordinates per second and peak memory.

``predict`` runs ``predict_batch_size`` coordinates at a time, so the memory it needs beyond
its input and output arrays must not grow with the grid. Each grid runs in a fresh process
(peak resident memory only grows), with a SIREN of 3 hidden layers of 256 fitted for one
epoch to a corner of the bundled image (the weights do not change the cost). Printed per
grid: seconds, coordinates per second, peak resident memory, the output array's size, and
the rest ("working memory": the quantity that must stay flat). The coordinate grid exists
before ``predict`` starts and is not counted.

    python benchmarks/predict_memory.py [--sides 256,512,1024,2048,4096] [--device auto]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

MIB = 2**20


def measure(side: int, device: str) -> dict:
    """Runs in the child process."""
    import torch

    from sirenkit import SirenRegressor, grid_coords, image_to_samples
    from sirenkit.io import load_sample_image

    # A small fit, so that its own peak memory stays below predict's.
    coords, pixels = image_to_samples(load_sample_image()[:32, :32])
    est = SirenRegressor(max_epochs=1, device=device, random_state=0).fit(coords, pixels)
    grid = grid_coords((side, side))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if est.device_.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    output = est.predict(grid)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    gpu_peak = torch.cuda.max_memory_allocated() if est.device_.startswith("cuda") else 0
    return {
        "side": side,
        "seconds": seconds,
        "baseline": baseline,
        "peak": peak,
        "arrays": output.nbytes,
        "gpu_peak": gpu_peak,
        "device": est.device_,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default="256,512,1024,2048,4096")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.device)))
        return
    print(
        f"{'grid':>11s} | {'seconds':>8s} | {'coords/s':>10s} | {'peak RSS':>9s} | "
        f"{'output':>8s} | {'working':>8s} | {'GPU peak':>8s}   (MiB; working = peak - "
        f"memory before predict - output)"
    )
    for side in (int(s) for s in args.sides.split(",")):
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(side), "--device", args.device],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(child.stdout.strip().splitlines()[-1])
        working = r["peak"] - r["baseline"] - r["arrays"]
        print(
            f"{side:5d}x{side:<5d} | {r['seconds']:8.2f} | {side**2 / r['seconds']:10.3g} | "
            f"{r['peak'] / MIB:9.0f} | {r['arrays'] / MIB:8.0f} | {working / MIB:8.0f} | "
            f"{r['gpu_peak'] / MIB:8.0f}   ({r['device']})",
            flush=True,
        )


if __name__ == "__main__":
    main()
