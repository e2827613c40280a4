"""Audio fitting: the report's table (ReLU, SIREN omega_0=3000, omega_0=sample rate, + FFT loss).

Each clip of ``../shared/data/audio`` is fitted by four networks of the same size, and the
MSE of the reconstruction (in sample units, the clip in [-1, 1]) is printed beside the
report's, with the seconds per epoch:

* ReLU: the ReLU MLP baseline,
* SIREN omega_0=3000 (the original SIREN audio setting),
* SIREN omega_0=sample rate (``omega_0="sample_rate"``),
* the same with ``loss="mse+fft"`` (MSE + MSE of FFT magnitudes along time / 50).

Depth is ``hidden_layers="auto"`` (grows with the number of samples and channels), resolved
once per clip by the SIREN and given to the ReLU MLP too.

    python benchmarks/audio.py --quick     # CPU: 1 s of each clip from 1 s, 128 wide, 300 ep.
    python benchmarks/audio.py             # full: whole clips, 256 wide, 500 epochs, 3 runs (GPU)

Learning rate 1e-4 (the original SIREN audio setting): 1e-3, the estimators' default for
images, fails on audio (1 s of Bach, omega_0=3000, 150 epochs: MSE 1.3e-2, the clip's
variance, against 8.6e-5 at 1e-4): Adam moves each first-layer weight by about ``lr`` per
step, a phase step of ``omega_0 * lr`` radians.

omega_0 is in radians per unit of the ``[-1, 1]`` coordinate, so its meaning depends on the
clip's duration ``T``: the first layer's band is ``omega_0 / (pi T)`` Hz. The quick mode fits
excerpts, and scales both omega_0 values by ``T_excerpt / T_clip`` so that the first layer
keeps the band in Hz it has on the whole clip (otherwise omega_0 = 44100 on a 1 s excerpt
is a 14 kHz band, and the fit learns nothing). The quick numbers are a smoke test of the
recipe on part of each clip, not the report's setting. (The first 0.7 s of Bach are near
silence, hence the offset.) The ``variance`` column is the MSE of predicting the clip's mean:
the report's ReLU MSEs equal it, i.e. its ReLU network learned nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from sirenkit import ReluMLPRegressor, SirenRegressor, audio_to_samples
from sirenkit.io import load_audio
from sirenkit.regressors import auto_hidden_layers

# The report's MSEs: ReLU, SIREN 3000, SIREN sample rate, SIREN sample rate + FFT loss.
REPORT = {
    "gt_bach": (2.42e-2, 5.40e-4, 3.80e-4, 2.40e-4),
    "gt_counting": (7.40e-3, 1.06e-3, 7.00e-4, 6.40e-4),
    "gt_movie": (6.84e-2, 1.41e-2, 8.36e-3, 8.62e-3),
}
CONFIGS = ("ReLU", "SIREN 3000", "SIREN rate", "SIREN rate+fft")
QUICK = dict(offset=1.0, seconds=1.0, hidden_features=128, epochs=300, runs=1)
FULL = dict(offset=0.0, seconds=None, hidden_features=256, epochs=500, runs=3)


def make_estimator(
    config: str,
    rate: float,
    hidden_layers: int | str,
    settings: dict,
    seed: int,
    device: str,
    lr: float,
    omega_scale: float,
):
    common = dict(
        hidden_features=settings["hidden_features"],
        hidden_layers=hidden_layers,
        max_epochs=settings["epochs"],
        lr=lr,
        data_range=2.0,
        device=device,
        random_state=seed,
    )
    if config == "ReLU":
        return ReluMLPRegressor(**common)
    if config == "SIREN 3000":
        return SirenRegressor(omega_0=3000.0 * omega_scale, **common)
    loss = "mse+fft" if config.endswith("fft") else "mse"
    return SirenRegressor(
        omega_0="sample_rate", sample_rate=rate * omega_scale, loss=loss, **common
    )


def fit_clip(
    audio: np.ndarray, rate: int, settings: dict, device: str, lr: float, omega_scale: float
) -> dict[str, list[tuple[float, float]]]:
    coords, values = audio_to_samples(audio)
    results: dict[str, list[tuple[float, float]]] = {config: [] for config in CONFIGS}
    hidden_layers: int | str = "auto"
    for seed in range(settings["runs"]):
        for config in reversed(CONFIGS):  # SIRENs first: they resolve the depth
            estimator = make_estimator(
                config, rate, hidden_layers, settings, seed, device, lr, omega_scale
            )
            start = time.perf_counter()
            estimator.fit(coords, values)
            seconds = (time.perf_counter() - start) / len(estimator.history_)
            hidden_layers = estimator.hidden_layers_
            mse = float(np.mean((estimator.predict(coords) - values) ** 2))
            results[config].append((mse, seconds))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared/data/audio")
    parser.add_argument("--quick", action="store_true", help="CPU-sized run (see above)")
    parser.add_argument("--offset", type=float, help="start the excerpt at OFFSET seconds")
    parser.add_argument("--seconds", type=float, help="use SECONDS of each clip")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--runs", type=int, help="seeds per configuration (mean reported)")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--clips", default="gt_bach,gt_counting,gt_movie")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    settings = dict(QUICK if args.quick else FULL)
    settings.update(
        {
            key: value
            for key, value in (
                ("offset", args.offset),
                ("seconds", args.seconds),
                ("epochs", args.epochs),
                ("runs", args.runs),
            )
            if value is not None
        }
    )
    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device
    device = "cpu" if device == "auto" else device
    print(
        f"{settings}, lr {args.lr}, device {device}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} CPU threads"
    )
    header = (
        f"{'clip':12s} {'samples':>9s} {'depth':>5s} {'variance':>9s} {'omega':>6s} | "
        + " | ".join(f"{config:>24s}" for config in CONFIGS)
    )
    rows = []
    for name in args.clips.split(","):
        clip, rate = load_audio(args.data / f"{name}.wav")
        start = int(settings["offset"] * rate)
        stop = None if settings["seconds"] is None else start + int(settings["seconds"] * rate)
        audio = clip[start:stop]
        omega_scale = len(audio) / len(clip)
        results = fit_clip(audio, rate, settings, device, args.lr, omega_scale)
        cells = []
        for config, report in zip(CONFIGS, REPORT[name]):
            mse = np.mean([r[0] for r in results[config]])
            seconds = np.mean([r[1] for r in results[config]])
            cells.append(f"{mse:8.2e} ({report:7.2e}) {seconds:5.2f}s")
        channels = 1 if audio.ndim == 1 else audio.shape[1]
        depth = auto_hidden_layers(len(audio), channels)
        rows.append(
            f"{name:12s} {len(audio):9d} {depth:5d} {np.var(audio, axis=0).mean():9.2e}"
            f" {omega_scale:6.3f} | " + " | ".join(f"{cell:>24s}" for cell in cells)
        )
        print(rows[-1], flush=True)
    print(
        "\nMSE (report's MSE) s/epoch, mean over runs; omega: the factor applied to both "
        "omega_0 values (excerpt / clip duration)"
    )
    print(header)
    print("-" * len(header))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
