"""Poisson reconstruction on the DIV2K LR images: the report's experiment, measured.

For each image, a network is fitted to the image's gradient (Sobel, kornia) or Laplacian and
the reconstruction is compared with the image. Configurations: target {gradient, laplacian}
x training operator {autograd, numerical} x network {SIREN, ReLU MLP} with the plain MSE,
and the four SIREN ones again with ``loss="multiscale"`` (the MSE over a pyramid of
average-poolings, weighted to undo the derivative's emphasis on high frequencies).

What a derivative cannot determine is given explicitly, never read from the result: the
image's mean (``signal_mean``) and, for the Laplacian, its mean gradient (``gradient_mean``),
the report's two constraints. Gradient and Laplacian PSNRs compare ``image_gradient`` /
``image_laplacian`` of the reconstruction with those of the image (same finite differences
on both sides, any network), with ``data_range`` the peak-to-peak of the image's field.

PSNR is printed in the standard per-element convention and in the report's (squared error
summed over the three channels, 10 log10(3) = 4.77 dB lower), beside the report's numbers.

    python benchmarks/poisson.py --quick      # CPU, ~4 min: 3 images, 48x48 crops, small nets
    python benchmarks/poisson.py --quick --images 11                 # the same, all 11 (~14 min)
    python benchmarks/poisson.py              # full: 11 whole LR images, 256x3 nets (GPU)
    python benchmarks/poisson.py --steps-only # full-size cost per step of each operator only

After the fits it times one training step (forward, loss, backward) of each way to take the
derivatives, on the first image at the run's size: kornia's finite differences (numerical),
the closed-form forward propagation that ``operator="autograd"`` uses for a SIREN or a ReLU
MLP, and reverse-mode autograd (``torch.autograd.grad``, what the report did).
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
from derivatives import seconds_per_step  # benchmarks/ is on the path of a script

from sirenkit import PoissonSolver, grid_coords, image_to_samples, samples_to_image
from sirenkit.io import load_image
from sirenkit.metrics import psnr, psnr_channel_sum
from sirenkit.nn import Siren
from sirenkit.operators import image_gradient, image_laplacian
from sirenkit.poisson import ExactTarget, GridTarget

# The report's image PSNRs, in its channel-summed convention.
REPORT = {("gradient", "numerical"): 33.88, ("laplacian", "numerical"): 10.34}
CONFIGS = [
    (target, operator, network, loss)
    for target in ("gradient", "laplacian")
    for operator in ("autograd", "numerical")
    for network, loss in (("siren", "mse"), ("relu", "mse"), ("siren", "multiscale"))
]
QUICK = dict(crop=48, hidden_features=64, hidden_layers=2, epochs=300, images=3)
FULL = dict(crop=None, hidden_features=256, hidden_layers=3, epochs=1000, images=None)


def centre_crop(image: np.ndarray, size: int | None) -> np.ndarray:
    if size is None:
        return image
    top, left = (image.shape[0] - size) // 2, (image.shape[1] - size) // 2
    return image[top : top + size, left : left + size]


def fit_one(
    image: np.ndarray,
    target: str,
    operator: str,
    network: str,
    loss: str,
    settings: dict,
    device: str,
) -> dict:
    coords, gradient = image_to_samples(image_gradient(image))
    channels = image.shape[2]
    params = dict(
        target=target,
        operator=operator,
        activation="sine" if network == "siren" else network,
        loss=loss,
        signal_mean=image.reshape(-1, channels).mean(axis=0),
        hidden_features=settings["hidden_features"],
        hidden_layers=settings["hidden_layers"],
        max_epochs=settings["epochs"],
        device=device,
        random_state=0,
    )
    if network == "relu":
        params.update(first_layer_init="he", hidden_init="he")
    if target == "laplacian":
        y = image_to_samples(image_laplacian(image))[1]
        params["gradient_mean"] = gradient.reshape(-1, channels, 2).mean(axis=0)
    else:
        y = gradient
    solver = PoissonSolver(**params)
    start = time.perf_counter()
    solver.fit(coords, y)
    seconds = (time.perf_counter() - start) / settings["epochs"]
    recovered = np.clip(samples_to_image(solver.predict(coords), image.shape[:2]), 0, 1)
    return {
        "image": psnr(image, recovered),
        "image_report": psnr_channel_sum(image, recovered),
        "gradient": _field_psnr(image_gradient(image), image_gradient(recovered)),
        "laplacian": _field_psnr(image_laplacian(image), image_laplacian(recovered)),
        "step": seconds,
    }


def _field_psnr(truth: np.ndarray, estimate: np.ndarray) -> float:
    return psnr(truth, estimate, data_range=float(np.ptp(truth)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument(
        "--data", type=Path, default=root.parent / "shared/data/div2k_subset/LR_bicubic_x4"
    )
    parser.add_argument("--quick", action="store_true", help="CPU-sized run (see above)")
    parser.add_argument("--images", type=int, help="use the first N images (quick: 3, full: 11)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--configs",
        help="comma-separated target:operator:network[:loss] to "
        "run, e.g. gradient:numerical:siren:multiscale (loss defaults to mse; "
        "default: all 12)",
    )
    parser.add_argument(
        "--steps-only",
        action="store_true",
        help="skip the fits, only time one step of each operator",
    )
    parser.add_argument(
        "--no-steps", action="store_true", help="skip the timing of one step of each operator"
    )
    args = parser.parse_args()
    settings = dict(QUICK if args.quick else FULL)
    if args.epochs:
        settings["epochs"] = args.epochs
    paths = sorted(args.data.glob("*.png"))[: args.images or settings["images"]]
    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device
    device = "cpu" if device == "auto" else device
    print(
        f"{len(paths)} images from {args.data}, {settings}, device {device}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
    )
    print("signal_mean (and gradient_mean for the Laplacian) are given as known constants")
    if not args.steps_only:
        configs = (
            CONFIGS
            if not args.configs
            else [tuple((config + ":mse").split(":")[:4]) for config in args.configs.split(",")]
        )
        unknown = set(configs) - set(CONFIGS)
        if unknown:
            parser.error(f"unknown --configs {sorted(unknown)}; choose from {CONFIGS}")
        results = {config: [] for config in configs}
        for path in paths:
            image = centre_crop(load_image(path), settings["crop"])
            for config in configs:
                row = fit_one(image, *config, settings, device)
                results[config].append(row)
                print(
                    f"  {path.name} {image.shape} {' '.join(config)}: image "
                    f"{row['image']:.2f} dB ({row['image_report']:.2f} report conv.), "
                    f"{row['step']:.3f} s/step",
                    flush=True,
                )
        print_table(results)
    if not args.no_steps:
        image = centre_crop(load_image(paths[0]), settings["crop"])
        print_step_costs(image.shape, settings, device)


def print_step_costs(shape: tuple[int, ...], settings: dict, device: str) -> None:
    """Seconds per training step (forward, loss, backward) of each derivative method."""
    torch.manual_seed(0)
    net = Siren(2, shape[2], settings["hidden_features"], settings["hidden_layers"]).to(device)
    coords = torch.from_numpy(grid_coords(shape[:2])).to(device)
    print(
        f"\nSeconds per training step, {shape[0]}x{shape[1]}x{shape[2]} image, SIREN "
        f"{settings['hidden_layers']}x{settings['hidden_features']}, {device}:"
    )
    print(
        f"{'target':9s} | {'numerical':>9s} | {'forward (closed form)':>21s} | "
        f"{'reverse autograd':>16s}"
    )
    for kind in ("gradient", "laplacian"):
        # The training operators PoissonSolver uses, the last one forced to reverse mode.
        operators = (
            GridTarget(kind, shape[:2]),
            ExactTarget(kind, training=True),
            ExactTarget(kind, training=True, method="reverse"),
        )
        seconds = [seconds_per_step(operator, net, coords, device) for operator in operators]
        numerical, forward, reverse = seconds
        print(
            f"{kind:9s} | {numerical:9.4f} | {forward:9.4f} ({forward / numerical:4.1f}x)"
            f"      | {reverse:9.4f} ({reverse / numerical:4.1f}x)",
            flush=True,
        )


def _mean_std(rows: list[dict], key: str) -> str:
    values = np.array([row[key] for row in rows])
    return f"{values.mean():6.2f} ± {values.std():4.2f}"


def print_table(results: dict) -> None:
    header = (
        f"{'target':9s} {'operator':9s} {'network':7s} {'loss':10s} | {'image PSNR':>13s} "
        f"{'(report conv.)':>14s} {'report':>7s} | {'gradient':>13s} | "
        f"{'Laplacian':>13s} | {'s/step':>8s}"
    )
    print(header)
    print("-" * len(header))
    for (target, operator, network, loss), rows in results.items():
        cell = partial(_mean_std, rows)
        report = REPORT.get((target, operator)) if network == "siren" else None
        step = np.mean([row["step"] for row in rows])
        print(
            f"{target:9s} {operator:9s} {network:7s} {loss:10s} | {cell('image'):>13s} "
            f"{cell('image_report'):>14s} {report or '':>7} | {cell('gradient'):>13s} | "
            f"{cell('laplacian'):>13s} | {step:8.4f}"
        )


if __name__ == "__main__":
    main()
