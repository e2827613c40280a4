"""
SIREN against a ReLU MLP: the fit and its derivatives
=====================================================

The study's first question: fit the same image with a SIREN (sine activations) and with a
ReLU MLP of the same size, and look at the fitted functions' gradients and Laplacians, not
only at the pixels. The derivatives are exact: :meth:`~sirenkit.SirenRegressor.predict_gradient`
and :meth:`~sirenkit.SirenRegressor.predict_laplacian` differentiate the fitted network,
in the same units as the numerical Sobel and Laplacian filters of the ground-truth row.

Full-size setting (the study): the 256x256 image, 3 hidden layers of 256, 2000 epochs, on a
GPU. Here: 128x128, 3 hidden layers of 128 and 300 epochs, a few minutes on a CPU.
"""

import os

import matplotlib.pyplot as plt

from sirenkit import ReluMLPRegressor, SirenRegressor, image_to_samples
from sirenkit.callbacks import Snapshots
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr
from sirenkit.plotting import plot_derivatives, plot_history, plot_snapshots
from sirenkit.resample import bicubic_downscale

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
SIZE, EPOCHS = (96, 100) if FAST else (128, 300)

image = bicubic_downscale(load_sample_image(), 256 / SIZE)  # (SIZE, SIZE, 3) in [0, 1]
coords, pixels = image_to_samples(image)

# %%
# Two networks of the same size
# -----------------------------
# Same width, depth, optimiser and seed. The SIREN also records its reconstruction,
# gradient and Laplacian every fifth of the training (:class:`sirenkit.callbacks.Snapshots`).
common = dict(hidden_features=128, hidden_layers=3, max_epochs=EPOCHS, random_state=0)
siren = SirenRegressor(callbacks=[Snapshots(image.shape[:2], every=EPOCHS // 5)], **common)
siren.fit(coords, pixels)
relu = ReluMLPRegressor(**common).fit(coords, pixels)
fits = {"SIREN": siren, "ReLU MLP": relu}
for name, est in fits.items():
    print(f"{name:9s} PSNR {psnr(pixels, est.predict(coords)):.2f} dB")

# %%
# Training curves
# ---------------
# The SIREN's PSNR climbs far faster and higher: a ReLU network needs many pieces to bend
# a linear function into an image's edges and textures.
plot_history(fits)
plt.show()

# %%
# Gradients and Laplacians
# ------------------------
# The SIREN's gradient magnitude and Laplacian look like the image's own (first row,
# numerical filters). The ReLU MLP's gradient is piecewise constant and its Laplacian is
# exactly zero wherever it is defined: a ReLU network is piecewise *linear*, so every second
# derivative vanishes inside each linear piece. Anything that needs a second derivative of
# the fitted signal (a Laplacian target, a physics-informed loss) cannot train a ReLU MLP.
plot_derivatives(fits, image.shape[:2], image=image)
plt.show()

# %%
# How the fit forms
# -----------------
# The SIREN's snapshots over training: the image is there after a fifth of the epochs;
# what goes on improving is the detail, which shows in the derivatives more than in the
# pixels (the Laplacian's fine structure fills in from snapshot to snapshot).
plot_snapshots(siren)
plt.show()
