"""
Fitting a video
===============

A video is a signal on a 3-D grid ``(t, y, x)``: :func:`sirenkit.video_to_samples` gives
its cell-centre coordinates (time first) and pixels, and any estimator fits it as it fits
an image. Here a camera pans across the sample photograph; the SIREN at
``omega_0="auto"`` (the energy-bandwidth rule in 3-D) fits the frames, and renders frames
*between* them, which no frame holds.

Full-size setting: 16 frames of 96x96, 256 wide, 300 epochs. Here: 8 frames of 48x48,
128 wide, 150 epochs, about a minute on a CPU (smaller still in the CI build).
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from sirenkit import SirenRegressor, grid_coords, samples_to_video, video_to_samples
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr
from sirenkit.resample import bicubic_downscale

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
FRAMES, SIZE, WIDTH, EPOCHS = (6, 32, 64, 60) if FAST else (8, 48, 128, 150)

photo = bicubic_downscale(load_sample_image(), 256 / (2 * SIZE))  # 2 SIZE square
# A pan: the camera moves 2 pixels right per frame. Every other frame of a pan of 1 pixel
# per frame is held out: the truth halfway between the fitted frames.
top = SIZE // 2
pan = np.stack([photo[top : top + SIZE, k : k + SIZE] for k in range(2 * FRAMES - 1)])
video, held_out = pan[::2], pan[1::2]
coords, pixels = video_to_samples(video)

# %%
# The fit
# -------
est = SirenRegressor(
    omega_0="auto", hidden_features=WIDTH, hidden_layers=3, max_epochs=EPOCHS, random_state=0
).fit(coords, pixels)
fitted = np.clip(samples_to_video(est.predict(coords), video.shape[:3]), 0, 1)
print(f"omega_0* = {est.omega_0_:.1f}; fitted frames {psnr(video, fitted):.2f} dB")

# %%
# Frames between the frames
# -------------------------
# Frame j of T sits at its cell centre ``t_j = -1 + (2 j + 1) / T``; the held-out frames
# are at the midpoints ``(t_j + t_{j+1}) / 2``, where the network renders them.
t = -1 + (2 * np.arange(FRAMES) + 1) / FRAMES
between_t = (t[:-1] + t[1:]) / 2
space = grid_coords((SIZE, SIZE))
between = np.stack(
    [
        est.predict(np.hstack([np.full((len(space), 1), tk, np.float32), space])).reshape(
            SIZE, SIZE, 3
        )
        for tk in between_t
    ]
)
between = np.clip(between, 0, 1)
print(f"held-out in-between frames {psnr(held_out, between):.2f} dB")
figure, axes = plt.subplots(3, 4, figsize=(9, 7), layout="constrained")
for column in range(4):
    for row, (frames, name) in enumerate(
        [(video, "frame"), (held_out, "held-out frame"), (between, "rendered between")]
    ):
        index = min(column, len(frames) - 1)
        axes[row, column].imshow(frames[index])
        axes[row, column].set_title(f"{name} {index}", fontsize="small")
        axes[row, column].axis("off")
plt.show()
