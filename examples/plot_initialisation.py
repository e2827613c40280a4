"""
Initialisation ablation: first layer and hidden layers
======================================================

SIREN's initialisation (Sitzmann et al.) draws the first layer's weights from
``U(-1/n, 1/n)`` and the hidden layers' from ``U(-sqrt(6/n)/omega_0, sqrt(6/n)/omega_0)``, so
that every sine layer's input stays of the same spread whatever the depth. This example
swaps each part for Xavier or He initialisation and compares the fits, as the study did:

* the first layer, at ``omega_0=30`` and at the automatic ``omega_0*``;
* the hidden layers, at two learning rates (5e-4 and 1e-4).

The activation spectra show why: with Sitzmann's scheme each sine layer is a smooth function
of the coordinates whose spectrum reaches a little higher than the previous layer's; with
He's, the hidden layers' inputs are so wide that their sines are white noise over the image.
(The histograms alone do not tell them apart: a sine of any wide input follows the same
arcsine distribution on ``[-1, 1]``.)

Full-size setting: DIV2K image 0803, 500 epochs (``benchmarks/initialisation.py`` runs the
study's table on it). Here: the bundled image at 64x64, 200 epochs, a few minutes on a CPU.
"""

import os

import matplotlib.pyplot as plt

from sirenkit import SirenRegressor, grid_coords, image_to_samples
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr
from sirenkit.plotting import plot_activations
from sirenkit.resample import bicubic_downscale

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
SIZE, EPOCHS = (32, 100) if FAST else (64, 200)
SCHEMES = ["sitzmann", "xavier", "he"]

image = bicubic_downscale(load_sample_image(), 256 / SIZE)
coords, pixels = image_to_samples(image)
settings = dict(
    hidden_features=128,
    hidden_layers=3,
    max_epochs=EPOCHS,
    lr_schedule=None,
    batch_size=None,
    random_state=0,
)


def fit_psnr(**params) -> tuple[float, SirenRegressor]:
    est = SirenRegressor(**settings, **params).fit(coords, pixels)
    return psnr(pixels, est.predict(coords)), est


# %%
# First layer
# -----------
# The hidden layers keep Sitzmann's scheme; lr 1e-4 as in the study.
print("first layer   " + "".join(f"{s:>10s}" for s in SCHEMES))
for omega in [30.0, "auto"]:
    row = [fit_psnr(first_layer_init=s, omega_0=omega, lr=1e-4)[0] for s in SCHEMES]
    print(f"omega_0={str(omega):6s}" + "".join(f"{p:10.2f}" for p in row))

# %%
# Hidden layers
# -------------
# The first layer keeps Sitzmann's scheme, omega_0=30.
print("hidden layers " + "".join(f"{s:>10s}" for s in SCHEMES))
hidden = {}
for lr in [5e-4, 1e-4]:
    row = []
    for scheme in SCHEMES:
        score, hidden[scheme, lr] = fit_psnr(hidden_init=scheme, lr=lr)
        row.append(score)
    print(f"lr={lr:<10g}" + "".join(f"{p:10.2f}" for p in row))

# %%
# Activations at initialisation
# -----------------------------
# One training epoch barely moves the weights, so these are the activations each scheme
# starts from, on a 64x64 grid. The histograms are alike. The spectra are not: Sitzmann's
# layers fall off with frequency, each reaching a little higher than the one before; He's
# hidden layers are flat, white noise, from which gradient descent has to build an image.
grid = grid_coords((64, 64))
for scheme in ["sitzmann", "he"]:
    untrained = SirenRegressor(**{**settings, "max_epochs": 1}, hidden_init=scheme)
    figure = plot_activations(untrained.fit(coords, pixels), grid)
    figure.suptitle(f"hidden_init={scheme!r}")
plt.show()
