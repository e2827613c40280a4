"""What the ``precision`` option costs in accuracy and gains in speed.

Fits the sample image with the default recipe in each precision, same seed, and prints
the PSNR on the fitted grid and the mean seconds per epoch. ``tf32`` only differs from
``float32`` on a CUDA GPU; ``bfloat16`` runs the matmuls in bfloat16 under autocast (on a
CPU without bfloat16 instructions it is emulated and slower, but the accuracy is the one
a GPU gets: bfloat16 rounds the same everywhere).

    python benchmarks/precision.py [--side 64] [--epochs 300]
"""

from __future__ import annotations

import argparse
import time

import torch

from sirenkit import SirenRegressor, image_to_samples
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr
from sirenkit.resample import bicubic_downscale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--precisions", default="float32,tf32,bfloat16")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    coords, pixels = image_to_samples(bicubic_downscale(load_sample_image(), 256 / args.side))
    print(
        f"torch {torch.__version__}, {args.device}, sample image {args.side}x{args.side} "
        f"RGB, SIREN 3x256, default recipe, {args.epochs} epochs"
    )
    for precision in args.precisions.split(","):
        # The former defaults (full batch, plateau), as these numbers were measured with.
        est = SirenRegressor(
            max_epochs=args.epochs,
            batch_size=None,
            lr=1e-3,
            lr_schedule="plateau",
            precision=precision,
            device=args.device,
            random_state=0,
        )
        start = time.perf_counter()
        est.fit(coords, pixels)
        seconds = (time.perf_counter() - start) / args.epochs
        print(
            f"{precision:9s} PSNR {psnr(pixels, est.predict(coords)):6.2f} dB  "
            f"{seconds:.4f} s/epoch",
            flush=True,
        )


if __name__ == "__main__":
    main()
