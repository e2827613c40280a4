"""
A shape from a point cloud: signed distance field and mesh
==========================================================

The SIREN paper's shape experiment: from points on a surface and their normals, learn the
signed distance to the surface (negative inside) with
:class:`sirenkit.SignedDistanceRegressor`, then extract a mesh of its zero level set with
marching cubes. Here the cloud is sampled from a torus, whose exact distance is known, so
the fit can be checked everywhere.

Full-size setting: 20,000 points, 256 wide, 3 hidden layers, 200 epochs. Here: 5,000
points, 128 wide, 60 epochs, about a minute on a CPU (smaller still in the CI build).
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from sirenkit import SignedDistanceRegressor
from sirenkit.shapes import chamfer_distance

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
N_POINTS, WIDTH, EPOCHS = (2000, 64, 30) if FAST else (5000, 128, 60)
MAJOR, MINOR = 0.6, 0.25


def torus(n, seed):
    """Points on the torus and their outward normals."""
    u, v = np.random.default_rng(seed).uniform(0, 2 * np.pi, (2, n))
    ring = np.stack([np.cos(u), np.sin(u), np.zeros(n)], axis=1)
    normals = np.cos(v)[:, None] * ring + np.sin(v)[:, None] * np.array([0.0, 0.0, 1.0])
    return MAJOR * ring + MINOR * normals, normals


def torus_sdf(x):
    return np.hypot(np.hypot(x[:, 0], x[:, 1]) - MAJOR, x[:, 2]) - MINOR


points, normals = torus(N_POINTS, seed=0)

# %%
# The fit
# -------
# The loss weights are the paper's (``surface_weight``, ``normal_weight``,
# ``eikonal_weight``, ``off_surface_weight``); each step adds as many fresh random points
# in the bounding cube as surface points, in batches of an eighth of the points. The other
# defaults (omega_0 = 5, lr 3e-4) are a recipe for a short fit, not the paper's 10k epochs.
sdf = SignedDistanceRegressor(
    hidden_features=WIDTH, hidden_layers=3, max_epochs=EPOCHS, random_state=0
).fit(points, normals)
vertices, faces = sdf.to_mesh(resolution=64 if FAST else 96)
truth = torus(20000, seed=1)[0]
print(
    f"{len(vertices)} vertices, {len(faces)} triangles; Chamfer distance to the torus "
    f"{chamfer_distance(vertices, truth):.4f} (minor radius {MINOR})"
)

# %%
# The mesh
# --------
figure = plt.figure(figsize=(6, 4.5))
ax = figure.add_subplot(projection="3d")
ax.plot_trisurf(*vertices.T, triangles=faces, cmap="viridis", linewidth=0, antialiased=False)
ax.set_box_aspect((1, 1, 0.45))
ax.set_axis_off()
plt.show()

# %%
# Slices of the signed distance
# -----------------------------
# The plane z = 0 through the torus and the plane y = 0 across it: the fitted distance,
# its zero level (black) and the exact surface (dashed white), and the error.
n = 128
a, b = np.meshgrid(np.linspace(-1, 1, n), np.linspace(-1, 1, n), indexing="xy")
planes = {
    "z = 0": np.stack([a.ravel(), b.ravel(), np.zeros(n * n)], 1),
    "y = 0": np.stack([a.ravel(), np.zeros(n * n), 0.5 * b.ravel()], 1),
}
figure, axes = plt.subplots(2, 2, figsize=(8, 7), layout="constrained")
for row, (name, plane) in zip(axes, planes.items()):
    fitted = sdf.predict(plane).reshape(n, n)
    exact = torus_sdf(plane).reshape(n, n)
    extent = (-1, 1, plane[:, 2].min(), plane[:, 2].max()) if name == "y = 0" else (-1, 1, -1, 1)
    shown = row[0].imshow(fitted, origin="lower", extent=extent, cmap="RdBu", vmin=-0.5, vmax=0.5)
    row[0].contour(fitted, [0], colors="k", extent=extent)
    row[0].contour(exact, [0], colors="w", linestyles="--", extent=extent)
    row[0].set_title(f"fitted signed distance, {name}")
    figure.colorbar(shown, ax=row[0], shrink=0.8)
    error = row[1].imshow(np.abs(fitted - exact), origin="lower", extent=extent, cmap="magma")
    row[1].set_title(f"|fitted - exact|, {name}")
    figure.colorbar(error, ax=row[1], shrink=0.8)
plt.show()
