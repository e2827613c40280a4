"""
Layer and width sweep with GridSearchCV
=======================================

Which architecture fits an image best? The study swept 9 SIREN and 9 ReLU MLP
configurations (1, 2 or 3 hidden layers of 64, 128 or 256 units; Adam, lr 1e-4, 2000
steps). Here the sweep is one :class:`~sklearn.model_selection.GridSearchCV` over a pipeline
whose model step is itself a parameter, scored by PSNR on the fitted samples
(:class:`sirenkit.FullSampleSplit`: an implicit representation is judged on its own signal).

Full-size setting: the 256x256 image, widths 64/128/256, 2000 epochs. Here: 64x64, widths
32/64/128 and 500 epochs, about two minutes on a CPU (smaller still in the CI build).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sirenkit import FullSampleSplit, ReluMLPRegressor, SirenRegressor, image_to_samples
from sirenkit.callbacks import Snapshots
from sirenkit.io import load_sample_image
from sirenkit.metrics import psnr
from sirenkit.plotting import plot_snapshots
from sirenkit.resample import bicubic_downscale

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
SIZE, EPOCHS = (32, 200) if FAST else (64, 500)
LAYERS, WIDTHS = [1, 2, 3], [32, 64, 128]

image = bicubic_downscale(load_sample_image(), 256 / SIZE)
coords, pixels = image_to_samples(image)

# %%
# A scorer that also keeps the training curve
# -------------------------------------------
# ``GridSearchCV`` keeps scores, not fitted models. A scorer may return several numbers:
# besides the final PSNR, this one reads the fitted model's ``history_`` at 20 epochs, so
# ``cv_results_`` holds every configuration's curve (and the search still runs unchanged
# on joblib workers or a Dask cluster).
CURVE = np.linspace(EPOCHS / 20, EPOCHS, 20).astype(int)


def fit_quality(pipeline, X, y):
    history = pipeline[-1].history_
    scores = {"psnr": psnr(y, pipeline.predict(X))}
    for epoch in CURVE:
        scores[f"psnr@{epoch}"] = history[int(epoch) - 1, "train_psnr"]
        scores[f"loss@{epoch}"] = history[int(epoch) - 1, "train_loss"]
    return scores


# %%
# The search
# ----------
# The study's optimiser: Adam at lr 1e-4 with no schedule, full batch. Each model records
# snapshots, so the refitted best model comes with its own.
study = dict(
    lr=1e-4,
    lr_schedule=None,
    batch_size=None,
    max_epochs=EPOCHS,
    random_state=0,
    callbacks=[Snapshots(image.shape[:2], every=EPOCHS // 4)],
)
search = GridSearchCV(
    Pipeline([("model", SirenRegressor())]),
    {
        "model": [SirenRegressor(**study), ReluMLPRegressor(**study)],
        "model__hidden_layers": LAYERS,
        "model__hidden_features": WIDTHS,
    },
    scoring=fit_quality,
    refit="psnr",
    cv=FullSampleSplit(),
)
search.fit(coords, pixels)

results = search.cv_results_
kinds = ["SIREN" if isinstance(m, SirenRegressor) else "ReLU" for m in results["param_model"]]
table = {
    (kind, layers, width): score
    for kind, layers, width, score in zip(
        kinds,
        results["param_model__hidden_layers"],
        results["param_model__hidden_features"],
        results["mean_test_psnr"],
    )
}
for kind in ("SIREN", "ReLU"):
    print(f"{kind} PSNR (dB)   " + "  ".join(f"{w:>5d} wide" for w in WIDTHS))
    for layers in LAYERS:
        print(
            f"  {layers} hidden layer{'s' if layers > 1 else ' '} "
            + "  ".join(f"{table[kind, layers, w]:10.2f}" for w in WIDTHS)
        )

# %%
# What the sweep shows
# --------------------
# Deeper and wider SIRENs fit better, and every SIREN beats every ReLU MLP of the same size
# (checked here, not only read off the table):
worst_siren = min(table[k] for k in table if k[0] == "SIREN")
best_relu = max(table[k] for k in table if k[0] == "ReLU")
same_size = all(table["SIREN", d, w] > table["ReLU", d, w] for d in LAYERS for w in WIDTHS)
print(
    f"every SIREN beats the ReLU MLP of its size: {same_size}; worst SIREN "
    f"{worst_siren:.2f} dB, best ReLU MLP {best_relu:.2f} dB"
)
by_depth = [table["SIREN", depth, WIDTHS[-1]] for depth in LAYERS]  # widest SIRENs
by_width = [table["SIREN", LAYERS[-1], width] for width in WIDTHS]  # deepest SIRENs
print(
    f"widest SIRENs, deeper is better: {bool(np.all(np.diff(by_depth) > 0))}; "
    f"deepest SIRENs, wider is better: {bool(np.all(np.diff(by_width) > 0))}"
)
print(
    "best:",
    search.best_params_["model"].__class__.__name__,
    {k: v for k, v in search.best_params_.items() if k != "model"},
)

# %%
# Training curves of all 18 configurations
# -----------------------------------------
# Colour is the size (light: small, dark: large); solid lines are SIRENs, dashed ReLU MLPs.
figure, (loss_ax, psnr_ax) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
sizes = [(layers, width) for layers in LAYERS for width in WIDTHS]
colours = plt.cm.viridis(np.linspace(0.9, 0.0, len(sizes)))
for index, (kind, layers, width) in enumerate(
    zip(kinds, results["param_model__hidden_layers"], results["param_model__hidden_features"])
):
    style = dict(
        color=colours[sizes.index((layers, width))],
        linestyle="-" if kind == "SIREN" else "--",
        linewidth=1,
    )
    loss_ax.plot(CURVE, [results[f"mean_test_loss@{e}"][index] for e in CURVE], **style)
    psnr_ax.plot(
        CURVE,
        [results[f"mean_test_psnr@{e}"][index] for e in CURVE],
        label=f"{kind} {layers}x{width}",
        **style,
    )
loss_ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
psnr_ax.set(xlabel="epoch", ylabel="PSNR (dB)")
psnr_ax.legend(fontsize="x-small", ncol=2)
plt.show()

# %%
# The best model as it trains
# ---------------------------
plot_snapshots(search.best_estimator_[-1])
plt.show()
