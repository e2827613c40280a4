"""Where a training step's time goes: its kernels against the wall clock, per device.

A full-batch step of a SIREN (3 hidden layers of 256, the tutorial's) on a ``side`` x
``side`` RGB image, four ways, each the median over ``--steps`` steps after warm-up:

* ``tutorial``: the plain PyTorch loop (Adam at 1e-4, MSE, nothing else per step);
* ``estimator``: ``SirenRegressor(lr=1e-4, lr_schedule=None, batch_size=None).fit`` at
  ``precision="float32"``: everything a user gets, its epochs replayed from a CUDA graph
  on CUDA; the wall time of an epoch (one step), history and callbacks included;
* ``kernels``: the sum of the estimator's device kernel times per step (``torch.profiler``
  over a few epochs; CUDA only): the floor the wall time is compared with
  (``wall / kernels``: 1.0 means no host gaps between kernels);
* the same two at ``precision="tf32"`` (TF32 tensor cores; CUDA only).

The FLOP floor of a step (matmuls of the forward and backward passes, ``6 n`` per weight)
and the time it takes at ``--peak`` GFLOP/s are printed beside.

    python benchmarks/step_time.py [--sides 64,256] [--steps 30] [--peak 67000]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from _budget import Budget
from reference import _EpochClock, _sync, reference_loop, tutorial_estimator
from scaling import matmul_flops

from sirenkit import SirenRegressor, _engine, image_to_samples
from sirenkit.io import load_sample_image
from sirenkit.resample import bicubic_downscale

WIDTH, LAYERS = 256, 3  # reference.py's default SHAPE, the tutorial's
WARMUP = 3


def data(side: int) -> tuple[np.ndarray, np.ndarray]:
    return image_to_samples(bicubic_downscale(load_sample_image(), 256 / side))


def estimator(steps: int, device: str, precision: str, callbacks=()) -> SirenRegressor:
    return tutorial_estimator(steps, device, precision=precision, callbacks=list(callbacks))


def estimator_ms(coords, pixels, steps: int, device: str, precision: str) -> tuple[float, str]:
    est = estimator(steps + WARMUP, device, precision, [("clock", _EpochClock(device))])
    est.fit(coords, pixels)
    times = np.diff([0.0] + dict(est.net_.callbacks_)["clock"].times_)
    return 1e3 * statistics.median(times[WARMUP:]), getattr(est.net_, "step_mode_", "eager")


def kernel_ms(coords, pixels, steps: int, device: str, precision: str) -> float | None:
    """The device kernels' time per step of a fit, from torch's profiler (CUDA only).

    Profiled with eager steps (no graph is captured: a CUDA graph replays the same
    kernels, and the profiler need not see inside a replay).
    """
    if not device.startswith("cuda"):
        return None
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    saved, _engine.WARMUP_EPOCHS = _engine.WARMUP_EPOCHS, 10**9
    try:
        estimator(WARMUP, device, precision).fit(coords, pixels)  # warm caches and kernels
        est = estimator(steps, device, precision)
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            est.fit(coords, pixels)
            _sync(device)
    finally:
        _engine.WARMUP_EPOCHS = saved
    kernels = [e for e in prof.events() if e.device_type == DeviceType.CUDA]
    return sum(e.device_time for e in kernels) / 1e3 / steps


def tutorial_ms(coords, pixels, steps: int, device: str) -> float:
    X = torch.from_numpy(coords).to(device)
    Y = torch.from_numpy((2 * pixels - 1).astype(np.float32)).to(device)
    times = np.diff([0.0] + reference_loop(X, Y, steps + WARMUP, device))
    return 1e3 * statistics.median(times[WARMUP:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default="64,256")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--peak", type=float, default=None, help="float32 GFLOP/s")
    parser.add_argument("--budget", type=float, default=None, help="seconds")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    budget = Budget(args.budget)
    cuda = args.device.startswith("cuda")
    name = torch.cuda.get_device_name() if cuda else args.device
    print(f"torch {torch.__version__}, {name}, Siren {LAYERS}x{WIDTH}, full batch\n")
    print(
        "| side | FLOP floor (ms) | tutorial (ms) | estimator (ms) | kernels (ms) | "
        "wall / kernels | estimator / tutorial | tf32 estimator (ms) | tf32 kernels (ms) | "
        "epochs ran |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    sides = [int(s) for s in args.sides.split(",")]
    for index, side in enumerate(sides):
        if budget.spent():
            budget.skipped(f"sides {sides[index:]}")
            break
        coords, pixels = data(side)
        flops = matmul_flops(WIDTH, LAYERS, len(coords))
        floor = f"{flops / (args.peak * 1e9) * 1e3:.3f}" if args.peak else "-"
        tutorial = tutorial_ms(coords, pixels, args.steps, args.device)
        wall, mode = estimator_ms(coords, pixels, args.steps, args.device, "float32")
        kernels = kernel_ms(coords, pixels, args.steps, args.device, "float32")
        cells = [f"{tutorial:.3f}", f"{wall:.3f}"]
        cells += ["-", "-"] if kernels is None else [f"{kernels:.3f}", f"{wall / kernels:.2f}"]
        cells.append(f"{wall / tutorial:.2f}")
        if cuda:
            tf32, _ = estimator_ms(coords, pixels, args.steps, args.device, "tf32")
            tf32_kernels = kernel_ms(coords, pixels, args.steps, args.device, "tf32")
            cells += [f"{tf32:.3f}", f"{tf32_kernels:.3f}"]
        else:
            cells += ["-", "-"]
        print(f"| {side} | {floor} | " + " | ".join(cells) + f" | {mode} |", flush=True)


if __name__ == "__main__":
    main()
