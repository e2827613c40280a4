"""How the automatic omega_0* rule behaves across resolutions, on the DIV2K images.

For each image: omega_0* (the report's rule, 250 * std of the unnormalised 3x3 Laplacian)
of the HR image (1020 px wide), of HR downsampled by 2 and by 4 with bicubic (Pillow), and of
DIV2K's own bicubic x4 LR image (255 px wide, the image the report fitted). Prints the table
and the ratio per halving of the pixel pitch.

    python benchmarks/omega_resolution.py [--data ../shared/data/div2k_subset]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from sirenkit.io import load_image
from sirenkit.omega import omega_from_laplacian


def downsample(image: np.ndarray, factor: int) -> np.ndarray:
    pil = Image.fromarray(np.round(image * 255).astype(np.uint8))
    size = (pil.width // factor, pil.height // factor)
    return np.asarray(pil.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 255


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=here.parent / "shared/data/div2k_subset")
    args = parser.parse_args()
    rows = []
    print(f"{'image':6s} {'HR':>8s} {'HR/2':>8s} {'HR/4':>8s} {'LR x4':>8s}")
    for path in sorted((args.data / "HR").glob("*.png")):
        hr = load_image(path)
        lr = load_image(args.data / "LR_bicubic_x4" / path.name)
        row = [
            omega_from_laplacian(hr),
            omega_from_laplacian(downsample(hr, 2)),
            omega_from_laplacian(downsample(hr, 4)),
            omega_from_laplacian(lr),
        ]
        rows.append(row)
        print(f"{path.stem:6s} " + " ".join(f"{v:8.1f}" for v in row))
    table = np.array(rows)
    print(f"{'mean':6s} " + " ".join(f"{v:8.1f}" for v in table.mean(axis=0)))
    per_halving = (table[:, 1] / table[:, 0], table[:, 2] / table[:, 1])
    print(
        f"omega*(h x2) / omega*(h): HR->HR/2 {per_halving[0].mean():.2f} "
        f"(range {per_halving[0].min():.2f}-{per_halving[0].max():.2f}), HR/2->HR/4 "
        f"{per_halving[1].mean():.2f} (range {per_halving[1].min():.2f}-"
        f"{per_halving[1].max():.2f}); a smooth image would give 2^1.5-4 (2.8-4)"
    )


if __name__ == "__main__":
    main()
