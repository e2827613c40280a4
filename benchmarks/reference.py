"""SirenRegressor against a plain PyTorch loop: seconds per step and time to quality.

The reference is the loop of the original SIREN tutorial: the same ``Siren`` module (3
hidden layers of 256, omega_0 30), Adam at lr 1e-4, full batch, MSE, nothing else per step.
Ways to train it, measured in this run on this machine, same seed:

* ``reference``: the plain loop, glibc's default allocator settings;
* ``ref+heap``: the plain loop under sirenkit's CPU heap reuse (``reuse_cpu_memory``);
* ``skorch``: the same module and data through sirenkit's skorch net (``INRNet`` with its
  whole-tensor batches), no callbacks, under the same heap reuse: skorch's own overhead
  is ``skorch / ref+heap``;
* ``estimator``: ``SirenRegressor(lr=1e-4, lr_schedule=None).fit``, everything a user
  gets (input validation, target scaling, the per-epoch PSNR record, heap reuse on the
  CPU);
* ``est-noheap``: the same with ``reuse_cpu_memory=False``, like for like with
  ``reference``;
* ``compiled``: the estimator with ``compile=True`` (the compile step is a warm-up step).

Heap reuse leaves the process changed after it ends (glibc keeps the address space it grew
and stops adapting its mmap threshold), so the glibc-default methods are only pristine in
a process where no heap-reuse method ran: compare ``est-noheap`` with ``reference`` in a
run of ``--methods reference,est-noheap``.

Seconds per step: the median step time of a run (after warm-up steps, so set-up costs do
not count), the best of ``--repeats`` runs, the methods taking turns.
``--quality`` also times the epochs to 30 and 40 dB on the largest image: the reference
loop against the default recipe (``SirenRegressor()``; at the time of the numbers in
docs/benchmarks.md, lr 1e-3 with a plateau schedule, full batch).

    python benchmarks/reference.py [--sizes 64,128,256] [--steps 20] [--quality]
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from functools import partial

import numpy as np
import torch
from skorch.callbacks import Callback

from sirenkit import SirenRegressor, image_to_samples
from sirenkit._runtime import cpu_heap_reuse
from sirenkit._training import CoordinateBatches, INRNet
from sirenkit.io import load_sample_image
from sirenkit.nn import Siren
from sirenkit.resample import bicubic_downscale

OMEGA, LR = 30.0, 1e-4
#: The network of every method (--width, --layers): the tutorial's 3x256 by default.
SHAPE = {"width": 256, "layers": 3}


def _data(size: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    coords, pixels = image_to_samples(bicubic_downscale(load_sample_image(), 256 / size))
    # The estimator trains on targets scaled to [-1, 1]; give every method the same ones.
    pixels = 2 * pixels - 1
    return (
        torch.from_numpy(coords).to(device),
        torch.from_numpy(pixels.astype(np.float32)).to(device),
    )


def _module(device: str) -> Siren:
    torch.manual_seed(0)
    return Siren(2, 3, SHAPE["width"], SHAPE["layers"], omega_0=OMEGA).to(device)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


class _EpochClock(Callback):
    """Seconds since the start of training (or since ``start``, a ``time.perf_counter()``
    reading such as the call of ``fit``) at the end of each epoch."""

    def __init__(self, device: str = "cpu", start: float | None = None) -> None:
        self.device = device
        self.start = start

    def on_train_begin(self, net, **kwargs):
        _sync(self.device)
        self.start_ = time.perf_counter() if self.start is None else self.start
        self.times_ = []

    def on_epoch_end(self, net, **kwargs):
        _sync(self.device)
        self.times_.append(time.perf_counter() - self.start_)


def reference_loop(coords, pixels, steps: int, device: str, on_step=None) -> list[float]:
    """The tutorial's loop; returns the time at the end of each step."""
    model = _module(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    times = []
    _sync(device)
    start = time.perf_counter()
    for step in range(steps):
        loss = ((model(coords) - pixels) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if on_step is not None:
            on_step(step, loss)
        _sync(device)
        times.append(time.perf_counter() - start)
    return times


def heap_reference_loop(coords, pixels, steps: int, device: str) -> list[float]:
    with cpu_heap_reuse(device == "cpu"):
        return reference_loop(coords, pixels, steps, device)


def skorch_loop(coords, pixels, steps: int, device: str) -> list[float]:
    net = INRNet(
        _module(device),
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=LR,
        max_epochs=steps,
        batch_size=-1,
        iterator_train=CoordinateBatches,
        iterator_valid=CoordinateBatches,
        train_split=None,
        device=device,
        callbacks=[("clock", _EpochClock(device))],
        callbacks__epoch_timer=None,
        callbacks__print_log=None,
        callbacks__valid_loss=None,
        verbose=0,
    )
    with cpu_heap_reuse(device == "cpu"):
        net.fit(coords, pixels)
    return dict(net.callbacks_)["clock"].times_


def tutorial_estimator(steps: int, device: str, **params) -> SirenRegressor:
    """SirenRegressor set as the tutorial loop trains: its network, Adam at its rate with
    no schedule, full batch, ``steps`` epochs (one step each)."""
    return SirenRegressor(
        hidden_features=SHAPE["width"],
        hidden_layers=SHAPE["layers"],
        omega_0=OMEGA,
        lr=LR,
        lr_schedule=None,
        batch_size=None,  # full batch, as the tutorial loop
        max_epochs=steps,
        device=device,
        random_state=0,
        **params,
    )


def estimator_fit(coords, pixels, steps: int, device: str, **params) -> list[float]:
    X, y = coords.cpu().numpy(), (pixels.cpu().numpy() + 1) / 2
    est = tutorial_estimator(steps, device, callbacks=[("clock", _EpochClock(device))], **params)
    est.fit(X, y)
    return dict(est.net_.callbacks_)["clock"].times_


METHODS = {
    "reference": reference_loop,
    "ref+heap": heap_reference_loop,
    "skorch": skorch_loop,
    "estimator": estimator_fit,
    "est-noheap": partial(estimator_fit, reuse_cpu_memory=False),
    "compiled": partial(estimator_fit, compile=True),
}
#: The printed ratios: (numerator, denominator).
RATIOS = {
    "skorch/ref+heap": ("skorch", "ref+heap"),
    "est/ref": ("estimator", "reference"),
    "est-noheap/ref": ("est-noheap", "reference"),
    "compiled/ref": ("compiled", "reference"),
}
WARMUP_STEPS = 2


def seconds_per_step(
    coords, pixels, steps: int, device: str, repeats: int, methods: list[str]
) -> dict[str, float]:
    """Per method, the best over repeats of the median step time (after warm-up steps).

    The methods take turns within each repeat, so a machine that slows down for a while
    (other tenants, clock changes) slows all of them alike; the median ignores single slow
    steps.
    """
    best = dict.fromkeys(methods, math.inf)
    for _ in range(repeats):
        for name in methods:
            steps_times = np.diff(METHODS[name](coords, pixels, steps + WARMUP_STEPS, device))
            best[name] = min(best[name], float(np.median(steps_times[WARMUP_STEPS - 1 :])))
    return best


def time_to_quality(size: int, device: str, epochs: int, targets=(30.0, 40.0)) -> None:
    coords, pixels = _data(size, device)
    # PSNR of the [0, 1] image from the MSE of the [-1, 1] targets: 10 log10(4 / mse).
    curves = {}
    psnrs: list[float] = []
    times = reference_loop(
        coords,
        pixels,
        epochs,
        device,
        on_step=lambda step, loss: psnrs.append(10 * math.log10(4 / max(loss.item(), 1e-20))),
    )
    curves["reference (lr 1e-4)"] = (psnrs, times)
    # At its defaults (max_epochs too), timed from the call of fit.
    X, y = coords.cpu().numpy(), (pixels.cpu().numpy() + 1) / 2
    clock = _EpochClock(device, start=time.perf_counter())
    est = SirenRegressor(device=device, random_state=0, callbacks=[("clock", clock)])
    est.fit(X, y)
    clock = dict(est.net_.callbacks_)["clock"]
    curves["SirenRegressor() default"] = (list(est.history_[:, "train_psnr"]), clock.times_)
    print(
        f"\ntime to quality, {size}x{size}: the tutorial loop for at most {epochs} epochs, "
        f"SirenRegressor() at its defaults ({est.max_epochs} epochs, batch_size_ "
        f"{est.batch_size_}, precision_ {est.precision_}), from the call of fit:"
    )
    for name, (psnr_curve, seconds) in curves.items():
        cells = []
        for target in targets:
            reached = next((i for i, p in enumerate(psnr_curve) if p >= target), None)
            cells.append(
                f"{target:.0f} dB: "
                + (
                    "not reached"
                    if reached is None
                    else f"epoch {reached + 1}, {seconds[reached]:.3f} s"
                )
            )
        print(f"  {name:26s} " + "; ".join(cells) + f"; final {psnr_curve[-1]:.2f} dB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,128,256")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--width", type=int, default=SHAPE["width"])
    parser.add_argument("--layers", type=int, default=SHAPE["layers"])
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--quality-epochs", type=int, default=1000)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    SHAPE.update(width=args.width, layers=args.layers)
    name = (
        torch.cuda.get_device_name()
        if args.device.startswith("cuda")
        else (platform.processor() or platform.machine())
    )
    print(
        f"torch {torch.__version__}, device {args.device} ({name}), "
        f"{torch.get_num_threads()} CPU threads, Siren {args.layers}x{args.width}, "
        f"omega_0 {OMEGA}, Adam {LR}, full batch, best of {args.repeats}"
    )
    print("milliseconds per step, then ratios")
    methods = args.methods.split(",")
    ratios = {name: pair for name, pair in RATIOS.items() if set(pair) <= set(methods)}
    print(
        f"{'side':>5s} | " + " | ".join(f"{m:>10s}" for m in methods) + " | " + " | ".join(ratios)
    )
    for size in (int(s) for s in args.sizes.split(",")):
        coords, pixels = _data(size, args.device)
        steps = args.steps * max(1, (256 // size) ** 2 // 4)
        timings = seconds_per_step(coords, pixels, steps, args.device, args.repeats, methods)
        print(
            f"{size:5d} | "
            + " | ".join(f"{1e3 * t:10.3f}" for t in timings.values())
            + " | "
            + " | ".join(
                f"{timings[a] / timings[b]:{len(name)}.3f}" for name, (a, b) in ratios.items()
            ),
            flush=True,
        )
    if args.quality:
        time_to_quality(
            max(int(s) for s in args.sizes.split(",")), args.device, args.quality_epochs
        )


if __name__ == "__main__":
    main()
