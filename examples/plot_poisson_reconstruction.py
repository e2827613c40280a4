"""
Poisson reconstruction: an image from its gradient or its Laplacian
===================================================================

The report's experiment: give a network only the gradient (or the Laplacian) of an image and
ask for the image. :class:`~sirenkit.PoissonSolver` fits its output's derivative to the
target, either exactly by automatic differentiation (``operator="autograd"``) or with the
same finite-difference filters that made the target (``operator="numerical"``, kornia's
Sobel and Laplacian on the rendered grid). A gradient says nothing about the image's mean and
a Laplacian nothing about its mean or slope: the solver takes those as known constraints
(``signal_mean``, ``gradient_mean``), never from the image itself.

``loss="multiscale"`` compares the derivatives over a pyramid of poolings: a derivative loss
weighs an error at frequency ``k`` by ``|k|^2`` (``|k|^4`` for a Laplacian) and leaves the
image's broad shapes for last.

Full-size setting: the DIV2K LR images, 1000 epochs (``benchmarks/poisson.py``). Here: the
bundled image at 64x64, 300 epochs, a few minutes on a CPU.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from sirenkit import PoissonSolver, image_to_samples, samples_to_image
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr
from sirenkit.operators import image_gradient, image_laplacian
from sirenkit.resample import bicubic_downscale

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
SIZE, EPOCHS = (32, 150) if FAST else (64, 300)

image = bicubic_downscale(load_sample_image(), 256 / SIZE)
coords, pixels = image_to_samples(image)
mean = pixels.mean(axis=0)  # the one number a gradient cannot give: assumed known

# %%
# Four solvers
# ------------
# Targets in the units of the ``[-1, 1]`` coordinates (no hand-tuned factors).
_, gradient = image_to_samples(image_gradient(image))
_, laplacian = image_to_samples(image_laplacian(image))
common = dict(
    hidden_features=128, hidden_layers=3, max_epochs=EPOCHS, signal_mean=mean, random_state=0
)
runs = {
    "gradient, autograd": (
        PoissonSolver(target="gradient", operator="autograd", **common),
        gradient,
    ),
    "gradient, numerical": (
        PoissonSolver(target="gradient", operator="numerical", **common),
        gradient,
    ),
    "gradient, numerical, multiscale": (
        PoissonSolver(target="gradient", operator="numerical", loss="multiscale", **common),
        gradient,
    ),
    "Laplacian, numerical, multiscale": (
        PoissonSolver(target="laplacian", operator="numerical", loss="multiscale", **common),
        laplacian,
    ),
}
recovered = {}
for name, (solver, target) in runs.items():
    recovered[name] = np.clip(solver.fit(coords, target).predict(coords), 0, 1)
    print(f"{name:34s} image PSNR {psnr(pixels, recovered[name]):6.2f} dB")

# %%
# The reconstructions
# -------------------
# Training through the same filters that made the target (numerical) wins by far. The
# target is kornia's Sobel gradient, a smoothed finite difference: it is not the exact
# derivative of any sharp image, and on a coarse grid the autograd fit matches it at the
# sample points while the values in between drift. With an exact derivative as the target
# (the analytic tests), autograd is the exact operator. The Laplacian leaves more freedom
# than the gradient (a harmonic function can be added), which shows as smooth colour drifts.
figure, axes = plt.subplots(
    1, len(runs) + 1, figsize=(3 * (len(runs) + 1), 3.4), layout="constrained"
)
axes[0].imshow(image)
axes[0].set_title("image")
for ax, (name, values) in zip(axes[1:], recovered.items()):
    ax.imshow(samples_to_image(values, image.shape[:2]))
    ax.set_title(f"{name}\n{psnr(pixels, values):.1f} dB", fontsize="small")
for ax in axes:
    ax.axis("off")
plt.show()
