"""Every estimator at its defaults against the best recipe measured for its signal kind.

Run on signals that did not choose the defaults (see ``benchmarks/_signals.py``; the tuning
signals are printed too, marked): what a user gets from ``Estimator().fit(X, y)``, and the
gap to the best recipe in docs/benchmarks.md.

* image: ``SirenRegressor()`` on 256x256 RGB photographs, PSNR on the whole image at epochs
  40 and 100, epochs and seconds to 30 and 40 dB; against the former defaults (full batch,
  plateau schedule, 500 epochs), the best recipe before this benchmark.
* audio: ``SirenRegressor(omega_0="sample_rate", sample_rate=16000, loss="mse+fft",
  hidden_features=128, hidden_layers=3, max_epochs=300, data_range=2)`` on 0.5 s at 16 kHz
  (the case that learned nothing at the former lr 1e-3), against the same at the
  audio report's lr=1e-4 with the plateau schedule (the best recipe before).
* poisson: ``PoissonSolver(signal_mean=...)`` on the Sobel gradient of 64x64 photographs,
  against the best measured recipe (``operator="numerical", loss="multiscale"``).
* superres: ``SirenSuperResolver().upscale`` x4 of 48x48 LR images (192x192 HR crops
  downscaled by antialiased bicubic; DIV2K's own LR images), against bicubic and against the
  best lever measured (the 4-fold flip/rotation self-ensemble of the default recipe).

    python benchmarks/defaults.py                 # all kinds (~40 min on 2 CPU cores)
    python benchmarks/defaults.py --kinds image   # one kind
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _signals import (
    DATA,
    HELD_OUT_CLIPS,
    HELD_OUT_PHOTOS,
    TUNING_CLIP,
    TUNING_DIV2K,
    photo,
    speech_excerpt,
)
from skorch.callbacks import Callback
from superres import crops  # benchmarks/ is on the path of a script

from sirenkit import (
    PoissonSolver,
    SirenRegressor,
    SirenSuperResolver,
    audio_to_samples,
    bicubic_upscale,
    image_to_samples,
    samples_to_image,
)
from sirenkit.io import load_image
from sirenkit.metrics import psnr, psnr_channel_sum
from sirenkit.operators import image_gradient
from sirenkit.resample import bicubic_downscale

FORMER_IMAGE_DEFAULTS = dict(batch_size=None, lr_schedule="plateau", max_epochs=500)
PROBE_EPOCHS = 100


class WholeImagePSNR(Callback):
    """PSNR of the whole image after each epoch, and the training time so far (without
    the probe's own evaluation), through the net's own output-to-signal map."""

    def __init__(self, X, y, data_range=1.0):
        self.X, self.y, self.data_range = X, y, data_range

    def initialize(self):
        self.rows_, self._start, self._paused = [], time.perf_counter(), 0.0
        return self

    def on_epoch_end(self, net, **kwargs):
        start = time.perf_counter()
        fitted = net.signal_map.signal(self.X, net.evaluate(self.X, 65536))
        score = psnr(self.y, fitted, data_range=self.data_range)
        self.rows_.append((score, start - self._start - self._paused))
        self._paused += time.perf_counter() - start


def first_reaching(rows, target):
    for epoch, (score, seconds) in enumerate(rows, start=1):
        if score >= target:
            return epoch, seconds
    return None


def image_rows(names, former=("0803", "astronaut"), epochs=PROBE_EPOCHS):
    """The defaults on ``names``; the former defaults (first ``epochs``) on ``former``."""
    results = []
    for name in names:
        image = photo(name, 256)
        X, y = image_to_samples(image)
        variants = [("defaults", {})]
        if name in former:
            variants.append(("former defaults", FORMER_IMAGE_DEFAULTS))
        for label, params in variants:
            probe = WholeImagePSNR(X, y)
            params = {**params, "max_epochs": epochs} if label != "defaults" else params
            est = SirenRegressor(random_state=0, callbacks=[("probe", probe)], **params)
            est.fit(X, y)
            rows = dict(est.net_.callbacks_)["probe"].rows_
            results.append((name, label, rows, len(est.history_)))
            reach = {t: first_reaching(rows, t) for t in (30, 40)}
            print(
                f"  image {name:10s} {label:16s} epoch 40: {rows[min(39, len(rows) - 1)][0]:.2f} "
                f"dB, {len(rows)}: {rows[-1][0]:.2f} dB ({psnr_channel_sum(y, est.predict(X)):.2f} "
                f"reports' conv.) | 30 dB at {_reach(reach[30])}, 40 dB at {_reach(reach[40])} | "
                f"{rows[-1][1]:.0f} s",
                flush=True,
            )
    return results


def _reach(found):
    return "never" if found is None else f"epoch {found[0]} ({found[1]:.0f} s)"


AUDIO = dict(
    omega_0="sample_rate",
    sample_rate=16000,
    loss="mse+fft",
    hidden_features=128,
    hidden_layers=3,
    max_epochs=300,
    data_range=2.0,
    random_state=0,
)


def audio_rows(names):
    results = []
    for name in names:
        clip = speech_excerpt(name)
        X, y = audio_to_samples(clip)
        for label, params in [
            ("defaults", {}),
            ("report lr 1e-4", dict(lr=1e-4, lr_schedule="plateau")),
            ("former lr 1e-3", dict(lr=1e-3, lr_schedule="plateau")),
        ]:
            start = time.perf_counter()
            est = SirenRegressor(**AUDIO, **params).fit(X, y)
            mse = float(np.mean((est.predict(X) - y) ** 2))
            results.append((name, label, mse, float(np.var(y))))
            print(
                f"  audio {name:12s} {label:15s} MSE {mse:.2e} (variance {np.var(y):.2e}, "
                f"lr {est.lr_:.2g}, {est.lr_schedule_}) {time.perf_counter() - start:.0f} s",
                flush=True,
            )
    return results


def poisson_rows(names, size=64):
    results = []
    for name in names:
        image = photo(name, size)
        X, gradient = image_to_samples(image_gradient(image))
        mean = image.reshape(-1, 3).mean(axis=0)
        for label, params in [
            ("defaults", {}),
            ("numerical multiscale", dict(operator="numerical", loss="multiscale")),
        ]:
            start = time.perf_counter()
            est = PoissonSolver(signal_mean=mean, random_state=0, **params).fit(X, gradient)
            recovered = np.clip(samples_to_image(est.predict(X), image.shape[:2]), 0, 1)
            score = psnr(image, recovered)
            results.append((name, label, score))
            print(
                f"  poisson {name:10s} {label:21s} {score:.2f} dB "
                f"({psnr_channel_sum(image, recovered):.2f} reports' conv.) "
                f"{time.perf_counter() - start:.0f} s",
                flush=True,
            )
    return results


def _rotations(image, k):
    image = np.rot90(image, k % 4)
    return np.ascontiguousarray(image[:, ::-1] if k >= 4 else image)


def _unrotate(image, k):
    image = image[:, ::-1] if k >= 4 else image
    return np.ascontiguousarray(np.rot90(image, -(k % 4)))


def self_ensemble(lr_image, transforms=(0, 2, 4, 6)):
    """The default upscale averaged over flips/rotations of the LR image."""
    estimates = [
        _unrotate(SirenSuperResolver(random_state=0).upscale(_rotations(lr_image, k), 4), k)
        for k in transforms
    ]
    return np.mean(estimates, axis=0)


def superres_pairs(names):
    for name in names:
        if name.isdigit():
            lr = load_image(DATA / "div2k_subset" / "LR_bicubic_x4" / f"{name}.png")
            hr = load_image(DATA / "div2k_subset" / "HR" / f"{name}.png")
            yield name, *crops(lr, hr, 48)
        else:
            hr = photo(name, 192)
            yield name, bicubic_downscale(hr, 4), hr


def superres_rows(names, ensemble=True):
    results = []
    for name, lr, hr in superres_pairs(names):
        row = {"bicubic": (psnr(hr, bicubic_upscale(lr, 4)), 0.0)}
        start = time.perf_counter()
        row["defaults"] = (
            psnr(hr, np.clip(SirenSuperResolver(random_state=0).upscale(lr, 4), 0, 1)),
            time.perf_counter() - start,
        )
        if ensemble:
            start = time.perf_counter()
            row["self-ensemble x4"] = (
                psnr(hr, np.clip(self_ensemble(lr), 0, 1)),
                time.perf_counter() - start,
            )
        results.append((name, row))
        print(
            f"  superres {name:10s} "
            + ", ".join(f"{k} {v[0]:.2f} dB ({v[1]:.0f} s)" for k, v in row.items()),
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="image,audio,poisson,superres")
    parser.add_argument("--no-ensemble", action="store_true", help="skip the SR self-ensemble")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    div2k = sorted(p.stem for p in (DATA / "div2k_subset" / "HR").glob("*.png"))
    held_out_div2k = [n for n in div2k if n not in TUNING_DIV2K]
    if "image" in kinds:
        print(f"image (tuning: 0803; held out: {', '.join(HELD_OUT_PHOTOS[:3])})")
        image_rows(["0803", *HELD_OUT_PHOTOS[:3]])
    if "audio" in kinds:
        print(f"audio (tuning: {TUNING_CLIP}; held out: {', '.join(HELD_OUT_CLIPS)})")
        audio_rows([TUNING_CLIP, *HELD_OUT_CLIPS])
    if "poisson" in kinds:
        print(f"poisson (all held out: {', '.join(HELD_OUT_PHOTOS[:3])})")
        poisson_rows(HELD_OUT_PHOTOS[:3])
    if "superres" in kinds:
        print(f"superres (tuning: {', '.join(TUNING_DIV2K)}; held out: the rest)")
        results = superres_rows([*div2k, *HELD_OUT_PHOTOS], ensemble=not args.no_ensemble)
        print_superres_summary(results, held_out=set(held_out_div2k) | set(HELD_OUT_PHOTOS))


def print_superres_summary(results, held_out):
    methods = list(results[0][1])
    for group, keep in [
        ("DIV2K, all 11", lambda n: n.isdigit()),
        ("DIV2K held out (8)", lambda n: n.isdigit() and n in held_out),
        ("photos held out", lambda n: not n.isdigit()),
    ]:
        rows = [row for name, row in results if keep(name)]
        if not rows:
            continue
        bicubic = np.array([row["bicubic"][0] for row in rows])
        for method in methods:
            scores = np.array([row[method][0] for row in rows])
            gain = scores - bicubic
            seconds = np.mean([row[method][1] for row in rows])
            print(
                f"  {group:19s} {method:17s} {scores.mean():.2f} dB "
                f"({scores.mean() - 10 * np.log10(3):.2f} reports' conv.) vs bicubic "
                f"{gain.mean():+.3f} (min {gain.min():+.3f}), wins {np.sum(gain > 0)}/{len(rows)}, "
                f"{seconds:.1f} s/image"
            )


if __name__ == "__main__":
    main()
