"""The default recipe on a 256x256 image: PSNR over epochs and time per epoch.

Fits ``SirenRegressor()`` and ``ReluMLPRegressor()`` with their default parameters to the
bundled 256x256 RGB image (or any image given with ``--image``), and prints the standard PSNR
(and the reports' channel-summed convention) at a few epochs, the final PSNR and the seconds
per epoch, measured in this run on this machine.

    python benchmarks/default_recipe.py [--image PATH] [--epochs 500] [--device auto]
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from sirenkit import ReluMLPRegressor, SirenRegressor, image_to_samples
from sirenkit.io import load_image, load_sample_image
from sirenkit.metrics import psnr, psnr_channel_sum

MILESTONES = (25, 50, 100, 200, 300, 500, 1000, 2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", help="image path (default: the bundled astronaut)")
    parser.add_argument("--epochs", type=int, default=SirenRegressor().max_epochs)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    image = load_image(args.image) if args.image else load_sample_image()
    coords, pixels = image_to_samples(image)
    print(
        f"image {image.shape}, {args.epochs} epochs, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, {platform.processor() or platform.machine()}"
    )
    for cls in (SirenRegressor, ReluMLPRegressor):
        est = cls(max_epochs=args.epochs, device=args.device, random_state=0)
        start = time.perf_counter()
        est.fit(coords, pixels)
        seconds = time.perf_counter() - start
        curve = est.history_[:, "train_psnr"]
        marks = ", ".join(f"{e}: {curve[e - 1]:.2f}" for e in MILESTONES if e <= len(curve))
        fitted = est.predict(coords)
        print(
            f"{cls.__name__:17s} device {est.device_}: PSNR {psnr(pixels, fitted):.2f} dB "
            f"(reports' convention {psnr_channel_sum(pixels, fitted):.2f} dB), "
            f"{seconds / args.epochs:.3f} s/epoch, {seconds:.0f} s in all"
        )
        print(f"{'':17s} train_psnr by epoch: {marks}", flush=True)


if __name__ == "__main__":
    main()
