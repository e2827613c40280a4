"""x4 super-resolution of the DIV2K LR images: bicubic, the report's SIREN recipes, and ours.

Each LR image (``LR_bicubic_x4``) is super-resolved 4x and compared with its HR image. The
methods:

* ``bicubic``: :func:`sirenkit.bicubic_upscale` (the baseline).
* ``bicubic + back-projection``: bicubic, then :func:`sirenkit.resample.back_project`
  (10 iterations): consistent with the LR image, no network.
* ``defaults``: ``SirenSuperResolver()`` with no parameter changed (the report's loss on
  2 hidden layers of 128, omega_0 15, 300 epochs, then back-projection).
* ``report basic``: the report's SIREN fitted to the LR pixels and rendered on the HR grid
  (2 hidden layers of 256, omega_0 30, Adam 5e-4, weight decay 5e-6, ``MSE + 1.28 x``
  Sobel-gradient MSE: its 0.1-scaled unnormalised Sobel, see ``SirenSuperResolver``).
* ``report trick 1`` / ``trick 2``: the same with its two multi-stage schedules.
* ``forward``: the network rendered on the HR grid, degraded by antialiased bicubic x4 and
  compared with the LR image (``degradation="bicubic"``).
* ``forward residual``: the same, the network being the correction to the bicubic upscale.

PSNR in the standard per-element convention and in the report's (squared error summed over
the three channels, 4.77 dB lower); SSIM (kornia, 11x11 Gaussian window, on [0, 1] RGB).

    python benchmarks/superres.py --quick    # CPU: 3 images, 48x48 LR crops, small nets
    python benchmarks/superres.py            # full: 11 whole images, 5000 epochs (GPU)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import kornia
import numpy as np
import torch

from sirenkit import SirenSuperResolver, bicubic_upscale
from sirenkit.io import load_image
from sirenkit.metrics import psnr, psnr_channel_sum
from sirenkit.resample import back_project

# The report's numbers (its channel-summed PSNR), for the 11 images.
REPORT = {
    "bicubic": 20.36,
    "report basic": "19.42-20.32",
    "report trick 1": "19.42-20.32",
    "report trick 2": "19.42-20.32",
}
REPORT_RECIPE = dict(
    hidden_layers=2,
    omega_0=30.0,
    lr=5e-4,
    weight_decay=5e-6,
    gradient_weight=1.28,
    back_projection=0,
    lr_schedule="plateau",
)
#: None: the estimator's defaults, no size or epochs from the settings.
METHODS = {
    "defaults": None,
    "report basic": REPORT_RECIPE,
    "report trick 1": dict(REPORT_RECIPE, schedule="multiscale"),
    "report trick 2": dict(REPORT_RECIPE, schedule="progressive"),
    "forward": dict(degradation="bicubic", back_projection=0),
    "forward residual": dict(degradation="bicubic", residual=True, back_projection=0),
}
QUICK = dict(crop=48, hidden_features=128, epochs=300, images=3)
FULL = dict(crop=None, hidden_features=256, epochs=5000, images=None)


def crops(lr: np.ndarray, hr: np.ndarray, size: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Aligned centre crops: LR pixel ``i`` covers HR pixels ``4 i .. 4 i + 3``."""
    if size is None:
        return lr, hr
    top, left = (lr.shape[0] - size) // 2, (lr.shape[1] - size) // 2
    return (
        lr[top : top + size, left : left + size],
        hr[4 * top : 4 * (top + size), 4 * left : 4 * (left + size)],
    )


def ssim(truth: np.ndarray, estimate: np.ndarray) -> float:
    def tensor(image: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()

    return float(kornia.metrics.ssim(tensor(truth), tensor(estimate), 11).mean())


def scores(hr: np.ndarray, estimate: np.ndarray) -> dict:
    estimate = np.clip(estimate, 0, 1)
    return {
        "psnr": psnr(hr, estimate),
        "psnr_report": psnr_channel_sum(hr, estimate),
        "ssim": ssim(hr, estimate),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared/data/div2k_subset")
    parser.add_argument("--quick", action="store_true", help="CPU-sized run (see above)")
    parser.add_argument("--images", type=int, help="first N images (quick: 3, full: 11)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--crop", type=int, help="LR crop side (quick: 48; full: whole)")
    parser.add_argument("--methods", help="comma-separated subset of: " + ", ".join(METHODS))
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    settings = dict(QUICK if args.quick else FULL)
    for key in ("epochs", "crop"):
        if getattr(args, key):
            settings[key] = getattr(args, key)
    methods = list(METHODS) if not args.methods else args.methods.split(",")
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown --methods {sorted(unknown)}; choose from {list(METHODS)}")
    paths = sorted((args.data / "HR").glob("*.png"))[: args.images or settings["images"]]
    print(
        f"{len(paths)} images, {settings}, methods {methods}, torch {torch.__version__}, "
        f"device {args.device}, {torch.get_num_threads()} CPU threads"
    )
    results = {name: [] for name in ["bicubic", "bicubic + back-projection", *methods]}
    for path in paths:
        lr, hr = crops(
            load_image(args.data / "LR_bicubic_x4" / path.name), load_image(path), settings["crop"]
        )
        bicubic = bicubic_upscale(lr, 4)
        row = {"bicubic": scores(hr, bicubic)}
        row["bicubic + back-projection"] = scores(hr, back_project(bicubic, lr))
        for name in methods:
            params = dict(device=args.device, random_state=0)
            if METHODS[name] is not None:
                params |= dict(
                    hidden_features=settings["hidden_features"],
                    max_epochs=settings["epochs"],
                    **METHODS[name],
                )
            estimator = SirenSuperResolver(**params)
            start = time.perf_counter()
            row[name] = scores(hr, estimator.upscale(lr, 4))
            row[name]["seconds"] = time.perf_counter() - start
        for name, result in row.items():
            results[name].append(result)
        print(
            f"  {path.name} LR {lr.shape[1]}x{lr.shape[0]}: "
            + ", ".join(f"{name} {result['psnr']:.2f}" for name, result in row.items()),
            flush=True,
        )
    print_table(results)


def print_table(results: dict) -> None:
    bicubic = np.array([row["psnr"] for row in results["bicubic"]])
    header = (
        f"{'method':26s} | {'PSNR (dB)':>13s} | {'report conv.':>12s} | "
        f"{'report':>11s} | {'SSIM':>13s} | {'vs bicubic':>10s} | {'wins':>5s} | "
        f"{'s/image':>7s}"
    )
    print(header)
    print("-" * len(header))
    for name, rows in results.items():
        values = {
            key: np.array([row[key] for row in rows]) for key in ("psnr", "psnr_report", "ssim")
        }
        gain = values["psnr"] - bicubic
        seconds = np.mean([row.get("seconds", 0.0) for row in rows])
        print(
            f"{name:26s} | {values['psnr'].mean():6.2f} ± {values['psnr'].std():4.2f} | "
            f"{values['psnr_report'].mean():12.2f} | {REPORT.get(name, ''):>11} | "
            f"{values['ssim'].mean():.4f} ± {values['ssim'].std():.3f} | "
            f"{gain.mean():+10.3f} | {int((gain > 0).sum()):2d}/{len(gain):<2d} | "
            f"{seconds:7.1f}"
        )


if __name__ == "__main__":
    main()
