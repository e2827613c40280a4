"""The seed report's image-fitting table: SIREN (omega_0 = 30), ReLU MLP, SIREN (omega_0*).

Each of the DIV2K x4 LR images of ``../shared/data`` (whole, or centre crops with
``--crop``) is fitted by the three networks, 3 hidden layers of 256 (the report's), Adam
at the estimators' lr="auto", full batch, ``--epochs`` epochs; standard PSNR with the
reports' channel-summed convention beside it, and the seconds per epoch. Without the data
(a clean CI machine) it fits the bundled sample image instead and says so.

Each fit's row is printed as it completes (a run cut off keeps them), the summary of each
network once all its images are done; ``--budget`` stops starting fits when it is spent.

    python benchmarks/image_table.py                       # 11 whole images, 5000 epochs (GPU)
    python benchmarks/image_table.py --images 1 --crop 32 --epochs 5   # smoke
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _budget import Budget
from _signals import DATA

from sirenkit import ReluMLPRegressor, SirenRegressor, image_to_samples, samples_to_image
from sirenkit.io import load_image, load_sample_image
from sirenkit.metrics import psnr, psnr_channel_sum

MODELS = {
    "SIREN omega_0 = 30": lambda **p: SirenRegressor(omega_0=30, **p),
    "ReLU MLP": lambda **p: ReluMLPRegressor(**p),
    "SIREN omega_0*": lambda **p: SirenRegressor(omega_0="auto", **p),
}


def images(count: int, crop: int | None) -> tuple[list[np.ndarray], str]:
    folder = DATA / "div2k_subset" / "LR_bicubic_x4"
    paths = sorted(folder.glob("*.png"))[:count]
    found = [load_image(p) for p in paths] or [load_sample_image()]
    source = f"{len(paths)} DIV2K LR images" if paths else "the bundled sample image (no data)"
    if crop:
        found = [
            im[(im.shape[0] - crop) // 2 :][:crop, (im.shape[1] - crop) // 2 :][:, :crop]
            for im in found
        ]
        source += f", {crop}x{crop} centre crops"
    return found, source


def fit_one(make, image: np.ndarray, args) -> tuple[float, float, float]:
    """PSNR, PSNR in the reports' convention, and seconds per epoch of one fit."""
    coords, pixels = image_to_samples(image)
    est = make(
        hidden_features=args.width,
        hidden_layers=3,
        max_epochs=args.epochs,
        batch_size=None,
        device=args.device,
        random_state=0,
        verbose=0,
    )
    start = time.perf_counter()
    est.fit(coords, pixels)
    seconds = (time.perf_counter() - start) / args.epochs
    fitted = samples_to_image(est.predict(coords), image.shape[:2])
    return psnr(image, fitted), psnr_channel_sum(image, fitted), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=11)
    parser.add_argument("--crop", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--budget", type=float, default=None, help="seconds")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    found, source = images(args.images, args.crop)
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else args.device
    print(
        f"{source}; {args.width} x 3 hidden layers, {args.epochs} full-batch epochs, "
        f"lr 'auto'; device {device}, torch {torch.__version__}\n"
    )
    print("| network | image | PSNR (dB) | reports' convention (dB) | s/epoch |")
    print("|---|---|---|---|---|")
    budget, summaries = Budget(args.budget), []
    for name, make in MODELS.items():
        scores, summed, seconds = [], [], []
        for index, image in enumerate(found):
            if budget.spent():
                break
            score, channel_sum, per_epoch = fit_one(make, image, args)
            scores.append(score), summed.append(channel_sum), seconds.append(per_epoch)
            print(
                f"| {name} | {index + 1} | {score:.2f} | {channel_sum:.2f} | {per_epoch:.4f} |",
                flush=True,
            )
        if scores:
            summaries.append(
                f"| {name} | {len(scores)} of {len(found)} | {np.mean(scores):.2f} ± "
                f"{np.std(scores):.2f} | {np.mean(summed):.2f} | {np.median(seconds):.4f} |"
            )
        if budget.spent():
            budget.skipped(f"the fits after {name}'s image {len(scores)}")
            break
    print(f"\n(whole run: {budget.elapsed():.0f} s)\n")
    print("| network | images | PSNR mean ± std (dB) | reports' convention (dB) | s/epoch |")
    print("|---|---|---|---|---|")
    print("\n".join(summaries), flush=True)


if __name__ == "__main__":
    main()
