"""
The INR family: one GridSearchCV over the activation
====================================================

:class:`sirenkit.INRRegressor` puts SIREN's successors and baselines behind one estimator:
``activation="sine"`` (SIREN), ``"finer"`` (variable-periodic sine), ``"wire"`` (complex
Gabor wavelet), ``"gauss"``, ``"relu"`` and ``"fourier"`` (a ReLU MLP on random Fourier
features). Each comes with its paper's initialisation and default frequency parameter, and
each parameter is an estimator parameter, so a grid search over the activation *and* its
frequency is a list of scikit-learn parameter grids.

Full-size setting: the 256x256 image, 256 wide, 2000 epochs (``benchmarks/activations.py``
runs that comparison on the 11 DIV2K images). Here: 64x64, 64 wide, 300 epochs, about three
minutes on a CPU (smaller still in the CI build).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sirenkit import FullSampleSplit, INRRegressor, image_to_samples, samples_to_image
from sirenkit.io import load_sample_image
from sirenkit.metrics import make_psnr_scorer, psnr
from sirenkit.resample import bicubic_downscale

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
SIZE, EPOCHS = (32, 100) if FAST else (64, 300)

image = bicubic_downscale(load_sample_image(), 256 / SIZE)
coords, pixels = image_to_samples(image)

# %%
# The search
# ----------
# One protocol for every candidate (the same width, depth, Adam learning rate, schedule,
# epochs and seed); each activation's own frequency parameter at its paper's default and at
# half of it. ``FullSampleSplit`` scores each fit on the samples it represents.
protocol = dict(
    hidden_features=64,
    hidden_layers=3,
    lr=1e-3,
    lr_schedule="cosine",
    batch_size=None,
    max_epochs=EPOCHS,
    random_state=0,
)
grid = [
    {"activation": ["sine"], "omega_0": [30, 60]},
    {"activation": ["finer"], "omega_0": [15, 30]},
    {"activation": ["wire"], "gaussian_scale": [5, 10]},
    {"activation": ["gauss"], "gaussian_scale": [5, 10]},
    {"activation": ["fourier"], "fourier_scale": [5, 10]},
    {"activation": ["relu"]},
]
search = GridSearchCV(
    INRRegressor(**protocol),
    grid,
    scoring=make_psnr_scorer(),
    cv=FullSampleSplit(),
    refit=False,
)
search.fit(coords, pixels)
results = search.cv_results_
for params, score in zip(results["params"], results["mean_test_score"]):
    print(f"{params}: {score:.2f} dB")

# %%
# Each activation at its best setting
# -----------------------------------
# ``GridSearchCV`` keeps scores, not fitted models: refit the best candidate of each
# activation and look at what it draws.
best = {}
for params, score in zip(results["params"], results["mean_test_score"]):
    activation = params["activation"]
    if score > best.get(activation, (None, -np.inf))[1]:
        best[activation] = (params, score)
fits = {
    activation: clone(search.estimator).set_params(**params).fit(coords, pixels)
    for activation, (params, _) in best.items()
}
order = sorted(fits, key=lambda activation: -best[activation][1])


def label(activation):
    params = {k: v for k, v in best[activation][0].items() if k != "activation"}
    return "\n".join([activation, *(f"{k}={v}" for k, v in params.items())])


# %%
# Reconstructions and error maps
# ------------------------------
# Top: each activation's fit, best first; bottom: its absolute error (mean over the colour
# channels) on one colour scale, so that the maps compare directly. The ReLU MLP without an
# encoding cannot leave its low frequencies: its error is the image's detail.
renders = {a: samples_to_image(fits[a].predict(coords), image.shape[:2]) for a in order}
errors = {a: np.abs(renders[a] - image).mean(axis=-1) for a in order}
top = max(float(np.percentile(e, 99)) for e in errors.values())
figure, axes = plt.subplots(2, len(order) + 1, figsize=(2.2 * (len(order) + 1), 5.4))
axes[0, 0].imshow(np.clip(image, 0, 1))  # bicubic overshoots [0, 1] a little
axes[0, 0].set_title("image")
axes[1, 0].axis("off")
for column, activation in enumerate(order, start=1):
    axes[0, column].imshow(np.clip(renders[activation], 0, 1))
    axes[0, column].set_title(f"{label(activation)}\n{psnr(image, renders[activation]):.1f} dB")
    shown = axes[1, column].imshow(errors[activation], cmap="magma", vmin=0, vmax=top)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
figure.colorbar(shown, ax=axes[1, :].tolist(), shrink=0.8, label="|error|")
plt.show()

# %%
# The whole grid
# --------------
# Every candidate's PSNR, grouped by activation: how much each one depends on its frequency
# parameter.
names = [" ".join(f"{v}" for v in params.values()) for params in results["params"]]
figure, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.barh(names, results["mean_test_score"])
ax.invert_yaxis()
ax.set(xlabel="PSNR (dB)", title=f"{SIZE}x{SIZE}, {EPOCHS} epochs, one protocol")
ax.grid(axis="x", alpha=0.3)
plt.show()
