"""The INR family side by side: SIREN, FINER, WIRE, Gauss, ReLU and Fourier-feature ReLU.

The image-fitting comparison of the FINER and WIRE papers, under one protocol for every
activation: the same width and depth (3 hidden layers), Adam at the same learning rate
(1e-3, cosine-annealed to 0 over the run), full batch, the same epochs, seed 0; each
activation at its paper's initialisation and frequency parameters (sirenkit's omega_0 = 60 /
30 for sine; FINER 30 / 30 with first-layer bias k = 20; WIRE omega 20, scale 10; Gauss
scale 10; Fourier features sigma = 10, 256 features), i.e. ``INRRegressor(activation=a)``
with nothing else changed. PSNR is the standard per-element one on [0, 1], the reports'
channel-summed convention beside it; the epochs to 30 dB and the seconds per step exclude
the per-epoch PSNR probe.

Signals: the 11 DIV2K validation LR images of ``../shared/data``. None of these activations'
parameters were tuned here (they are the papers'), except sine's omega_0 = 60, which was
chosen on 0803 among others (see ``benchmarks/_signals.py``): the table marks 0803-0805 as
tuning images and gives the mean over the other 8 too.

Then the same activations on one audio clip (0.5 s of ``gt_bach`` at 16 kHz, held out:
``loss="mse+fft"``, lr "auto", full batch), sine also at ``omega_0="sample_rate"``, and one
Poisson case (``PoissonSolver`` on the Sobel gradient of a 64x64 crop of 0810, held out,
the image's mean given).

    python benchmarks/activations.py --quick   # CPU: 96x96 centre crops, 64 wide (~20 min)
    python benchmarks/activations.py           # whole LR images, 256 wide, 2000 epochs (GPU)
    python benchmarks/activations.py --quick --kinds image --images 3 --lr 5e-3  # lr check
    python benchmarks/activations.py --quick --kinds sensitivity  # parameters, tuning images
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from _signals import DATA, TUNING_DIV2K, speech_excerpt
from defaults import WholeImagePSNR, first_reaching  # benchmarks/ is on the path of a script
from poisson import centre_crop

from sirenkit import (
    INRRegressor,
    PoissonSolver,
    audio_to_samples,
    image_to_samples,
    samples_to_image,
)
from sirenkit.io import load_image
from sirenkit.metrics import psnr, psnr_channel_sum
from sirenkit.operators import image_gradient

ACTIVATIONS = ("sine", "finer", "wire", "gauss", "relu", "fourier")
#: The image-fitting ranking both papers report (best first; WIRE ~ SIREN in FINER's table).
PAPERS_RANKING = "finer > wire ~ sine > gauss > fourier > relu"
#: Quick: about 0.5 network parameters per signal value, as in the full mode (256x3 on a
#: ~510x340 RGB image: 0.38), so that no network can simply memorise its crop.
QUICK = dict(crop=96, hidden_features=64, epochs=500, images=11)
FULL = dict(crop=None, hidden_features=256, epochs=2000, images=11)
TARGET_DB = 30.0
#: ``--kinds sensitivity``: each activation's frequency parameter around its default.
SENSITIVITY = {
    "sine": ("omega_0", (30, 60, 120)),
    "finer": ("first_bias_scale", (1, 5, 20)),
    "wire": ("gaussian_scale", (5, 10, 20)),
    "gauss": ("gaussian_scale", (5, 10, 20)),
    "fourier": ("fourier_scale", (5, 10, 20)),
}


def image_fit(image: np.ndarray, activation: str, settings: dict, device: str, **params) -> dict:
    X, y = image_to_samples(image)
    probe = WholeImagePSNR(X, y)
    est = INRRegressor(
        activation=activation,
        hidden_features=settings["hidden_features"],
        hidden_layers=3,
        lr=settings["lr"],
        lr_schedule="cosine",
        batch_size=None,
        max_epochs=settings["epochs"],
        device=device,
        random_state=0,
        callbacks=[("probe", probe)],
        **params,
    ).fit(X, y)
    rows = dict(est.net_.callbacks_)["probe"].rows_
    fitted = est.predict(X)
    reached = first_reaching(rows, TARGET_DB)
    return {
        "psnr": psnr(y, fitted),
        "report": psnr_channel_sum(y, fitted),
        "step": rows[-1][1] / len(rows),
        "to_target": None if reached is None else reached[0],
    }


def image_table(paths: list[Path], settings: dict, device: str) -> dict:
    results = {activation: {} for activation in ACTIVATIONS}
    image_fit(np.zeros((8, 8, 3)), "sine", dict(settings, epochs=2), device)  # warm-up
    for path in paths:
        image = centre_crop(load_image(path), settings["crop"])
        for activation in ACTIVATIONS:
            row = image_fit(image, activation, settings, device)
            results[activation][path.stem] = row
            print(
                f"  {path.stem} {image.shape} {activation:8s} {row['psnr']:6.2f} dB "
                f"({row['report']:.2f} reports' conv.), {row['step']:.4f} s/step, "
                f"{TARGET_DB:.0f} dB at epoch {row['to_target']}",
                flush=True,
            )
    return results


def print_image_table(results: dict, epochs: int) -> list[str]:
    header = (
        f"| activation | PSNR (dB), all | held-out 8 | reports' conv. | s/step (median) | "
        f"epochs to {TARGET_DB:.0f} dB (median, reached) |"
    )
    print("\n" + header + "\n|" + "---|" * 6)
    means = {}
    for activation, rows in results.items():
        scores = np.array([row["psnr"] for row in rows.values()])
        held_out = [row["psnr"] for name, row in rows.items() if name not in TUNING_DIV2K]
        report = np.array([row["report"] for row in rows.values()])
        reached = [row["to_target"] for row in rows.values() if row["to_target"] is not None]
        median = f"{np.median(reached):.0f}" if reached else f"> {epochs}"
        means[activation] = scores.mean()
        print(
            f"| {activation} | {scores.mean():.2f} ± {scores.std():.2f} | "
            f"{np.mean(held_out):.2f} | {report.mean():.2f} | "
            f"{np.median([row['step'] for row in rows.values()]):.4f} | "
            f"{median} ({len(reached)}/{len(rows)}) |"
        )
    ranking = sorted(means, key=means.get, reverse=True)
    print(f"\nmeasured ranking: {' > '.join(ranking)}\npapers' ranking:  {PAPERS_RANKING}")
    return ranking


def sensitivity_rows(paths: list[Path], settings: dict, device: str) -> None:
    """Mean PSNR over ``paths`` of each activation at three values of its parameter."""
    images = [centre_crop(load_image(path), settings["crop"]) for path in paths]
    print(
        f"\nSensitivity, mean PSNR (dB) over {', '.join(p.stem for p in paths)}, "
        f"lr {settings['lr']}"
    )
    print("| activation | parameter | values | PSNR (dB) |\n|---|---|---|---|")
    for activation, (name, values) in SENSITIVITY.items():
        scores = [
            np.mean(
                [image_fit(im, activation, settings, device, **{name: v})["psnr"] for im in images]
            )
            for v in values
        ]
        print(
            f"| {activation} | {name} | {' / '.join(map(str, values))} | "
            f"{' / '.join(f'{s:.2f}' for s in scores)} |",
            flush=True,
        )


def audio_rows(hidden_features: int, epochs: int, device: str) -> None:
    clip = speech_excerpt("gt_bach")
    X, y = audio_to_samples(clip)
    variants = [(a, {}) for a in ACTIVATIONS]
    variants.insert(1, ("sine", dict(omega_0="sample_rate", sample_rate=16000)))
    print(
        f"\n0.5 s of gt_bach at 16 kHz (held out), loss mse+fft, {hidden_features}x3, "
        f"{epochs} epochs, lr auto; PSNR on the [-1, 1] range and MSE / variance"
    )
    print("| activation | omega_0 | PSNR (dB) | MSE / variance | s/step |\n|---|---|---|---|---|")
    for activation, params in variants:
        start = time.perf_counter()
        est = INRRegressor(
            activation=activation,
            loss="mse+fft",
            hidden_features=hidden_features,
            hidden_layers=3,
            max_epochs=epochs,
            data_range=2.0,
            device=device,
            random_state=0,
            **params,
        ).fit(X, y)
        seconds = (time.perf_counter() - start) / len(est.history_)
        fitted = est.predict(X)
        ratio = float(np.mean((fitted - y) ** 2) / np.var(y))
        omega_0 = est.activation_params_.get("omega_0", "-")
        print(
            f"| {activation} | {omega_0} | {psnr(y, fitted, data_range=2.0):.2f} | "
            f"{ratio:.3f} | {seconds:.4f} |",
            flush=True,
        )


def poisson_rows(hidden_features: int, epochs: int, device: str) -> None:
    image = centre_crop(load_image(DATA / "div2k_subset" / "LR_bicubic_x4" / "0810.png"), 64)
    X, gradient = image_to_samples(image_gradient(image))
    print(
        f"\nPoisson: Sobel gradient of a 64x64 crop of 0810 (held out), {hidden_features}x3, "
        f"{epochs} epochs, the image's mean given; image PSNR"
    )
    print("| activation | PSNR (dB) | reports' conv. | s/step |\n|---|---|---|---|")
    for activation in ACTIVATIONS:
        start = time.perf_counter()
        est = PoissonSolver(
            activation=activation,
            signal_mean=image.reshape(-1, 3).mean(axis=0),
            hidden_features=hidden_features,
            hidden_layers=3,
            max_epochs=epochs,
            device=device,
            random_state=0,
        ).fit(X, gradient)
        seconds = (time.perf_counter() - start) / len(est.history_)
        recovered = np.clip(samples_to_image(est.predict(X), image.shape[:2]), 0, 1)
        print(
            f"| {activation} | {psnr(image, recovered):.2f} | "
            f"{psnr_channel_sum(image, recovered):.2f} | {seconds:.4f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA / "div2k_subset" / "LR_bicubic_x4")
    parser.add_argument("--quick", action="store_true", help="CPU-sized run (see above)")
    parser.add_argument("--images", type=int, help="use the first N images (default 11)")
    parser.add_argument("--epochs", type=int, help="image epochs (quick 300, full 2000)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's lr for the images")
    parser.add_argument("--kinds", default="image,audio,poisson")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    settings = dict(QUICK if args.quick else FULL)
    settings["epochs"] = args.epochs or settings["epochs"]
    settings["lr"] = args.lr
    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device
    device = "cpu" if device == "auto" else device
    kinds = args.kinds.split(",")
    print(
        f"{settings}, device {device}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} CPU threads; tuning images: {', '.join(TUNING_DIV2K)}"
    )
    if "image" in kinds:
        paths = sorted(args.data.glob("*.png"))[: args.images or settings["images"]]
        print_image_table(image_table(paths, settings, device), settings["epochs"])
    if "sensitivity" in kinds:
        paths = [args.data / f"{name}.png" for name in TUNING_DIV2K]
        sensitivity_rows(paths, settings, device)
    if "audio" in kinds:
        audio_rows(128 if args.quick else 256, 300 if args.quick else 1000, device)
    if "poisson" in kinds:
        poisson_rows(settings["hidden_features"], 500 if args.quick else 1000, device)


if __name__ == "__main__":
    main()
