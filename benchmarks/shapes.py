"""Signed distance fields from oriented point clouds: mesh quality and cost.

For each shape, ``SignedDistanceRegressor`` at its defaults (SIREN, omega_0 = 5, the SIREN
paper's loss and weights, Adam lr 3e-4, batches of an eighth of the surface points, at most
1024, plus as many uniform points in the cube; ``--omega-0`` and ``--lr`` change them), 3
hidden layers, is fitted for a fixed number of epochs; its zero level set is extracted by
marching cubes at 128^3 (pieces through none of the points dropped, their count reported)
and compared with the true surface:

* Chamfer distance (mean nearest-neighbour distance, both ways, averaged) between the mesh
  and 50,000 points of the true surface, in units of the shape's bounding-box diagonal;
* normal consistency (mean |cos| between the normals of 50,000 points sampled on the mesh
  and those of the nearest true points, both ways);
* for the analytic shapes, the mean |f - SDF| in a band of +-2% of the diagonal around the
  surface;
* for the analytic shapes, the fraction of uniform points in the network's cube, farther
  than 2% of the diagonal from the surface, where the fitted sign is wrong;
* seconds per step (surface batch + space points, forward and closed-form gradient,
  backward).

Shapes: a sphere, a torus and a box with exact SDFs, and a real shape: scikit-image's
``horse`` silhouette (a binary photograph) extruded into a slab, meshed by marching cubes
and sampled into an oriented point cloud (``sirenkit.shapes.sample_surface``); its truth
is that mesh. Then the cost and quality against the number of points and the width, on the
torus.

    python benchmarks/shapes.py --quick   # CPU: 100 epochs, 64-128 wide
    python benchmarks/shapes.py           # 400 epochs, up to 256 wide (GPU)
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch

from sirenkit import SignedDistanceRegressor
from sirenkit.shapes import chamfer_distance, normal_consistency, sample_surface

QUICK = dict(epochs=100, widths=(64, 128), points=(1000, 5000, 20000), width=128)
FULL = dict(epochs=400, widths=(64, 128, 256), points=(1000, 5000, 20000, 100000), width=256)
RESOLUTION, TRUTH_POINTS = 128, 50000


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def sphere(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    normals = _unit(rng.normal(size=(n, 3)))
    return 0.5 * normals, normals


def torus(n: int, rng, major=0.6, minor=0.25):
    # Area-uniform: the angle around the tube weighted by the distance from the axis.
    u = rng.uniform(0, 2 * np.pi, n)
    v = np.empty(0)
    while len(v) < n:
        draw = rng.uniform(0, 2 * np.pi, 2 * n)
        keep = rng.uniform(0, 1, 2 * n) < (major + minor * np.cos(draw)) / (major + minor)
        v = np.concatenate([v, draw[keep]])
    v = v[:n]
    ring = np.stack([np.cos(u), np.sin(u), np.zeros(n)], 1)
    normals = np.cos(v)[:, None] * ring + np.sin(v)[:, None] * np.array([0, 0, 1.0])
    return major * ring + minor * normals, normals


HALF = np.array([0.6, 0.4, 0.3])


def box(n: int, rng):
    area = np.array([HALF[1] * HALF[2], HALF[0] * HALF[2], HALF[0] * HALF[1]])
    axis = rng.choice(3, n, p=area / area.sum())
    sign = rng.choice([-1.0, 1.0], n)
    points = rng.uniform(-1, 1, (n, 3)) * HALF
    points[np.arange(n), axis] = sign * HALF[axis]
    normals = np.zeros((n, 3))
    normals[np.arange(n), axis] = sign
    return points, normals


EXACT = {
    "sphere": lambda x: np.linalg.norm(x, axis=1) - 0.5,
    "torus": lambda x: np.hypot(np.hypot(x[:, 0], x[:, 1]) - 0.6, x[:, 2]) - 0.25,
    "box": lambda x: (
        np.linalg.norm(np.maximum(np.abs(x) - HALF, 0), axis=1)
        + np.minimum((np.abs(x) - HALF).max(axis=1), 0)
    ),
}


def horse_mesh() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's horse silhouette extruded into a slab, as a triangle mesh."""
    import skimage.data
    from skimage import measure, transform

    silhouette = ~skimage.data.horse()  # True on the horse
    silhouette = transform.rescale(silhouette.astype(float), 0.25, anti_aliasing=True)
    depth = 12
    volume = np.zeros((*silhouette.shape, depth + 4))
    volume[..., 2 : 2 + depth] = silhouette[..., None]
    volume = np.pad(volume, 2)
    vertices, faces, _, _ = measure.marching_cubes(volume, 0.5, gradient_direction="ascent")
    return vertices / max(volume.shape), faces


def horse(n: int, rng, mesh=None):
    vertices, faces = mesh if mesh is not None else horse_mesh()
    return sample_surface(vertices, faces, n, random_state=rng)


def fit_shape(points, normals, width: int, epochs: int, device: str, **params):
    """The estimator's defaults (recipe, batches of an eighth of the points) but width and
    epochs."""
    est = SignedDistanceRegressor(
        hidden_features=width,
        hidden_layers=3,
        max_epochs=epochs,
        device=device,
        random_state=0,
        **params,
    )
    start = time.perf_counter()
    est.fit(points, normals)
    seconds = time.perf_counter() - start
    batch = est.get_params()["batch_size"]
    batch = est._surface_batch(len(points)) if batch == "auto" else batch
    n_steps = epochs * int(np.ceil(len(points) / batch))
    return est, seconds / n_steps, n_steps


def evaluate(est, sampler, name: str, rng) -> dict:
    truth, truth_normals = sampler(TRUTH_POINTS, rng)
    diagonal = float(np.linalg.norm(np.ptp(truth, axis=0)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vertices, faces = est.to_mesh(resolution=RESOLUTION)
    dropped = [str(w.message).split(" pieces")[0].split("dropped ")[-1] for w in caught]
    mesh_points, mesh_normals = sample_surface(vertices, faces, TRUTH_POINTS, random_state=0)
    row = {
        "chamfer": chamfer_distance(mesh_points, truth) / diagonal,
        "normals": normal_consistency(mesh_points, mesh_normals, truth, truth_normals),
        "faces": len(faces),
        "dropped": dropped[0] if dropped else "0",
    }
    if name in EXACT:
        band = truth + rng.uniform(-0.02, 0.02, (len(truth), 1)) * diagonal * truth_normals
        row["band"] = float(np.mean(np.abs(est.predict(band) - EXACT[name](band)))) / diagonal
        # The sign in the whole cube the network sees, away from the surface.
        space = est.center_ + est.scale_ * rng.uniform(-1, 1, (TRUTH_POINTS, truth.shape[1]))
        exact = EXACT[name](space)
        far = np.abs(exact) > 0.02 * diagonal
        row["sign"] = float(np.mean(np.sign(est.predict(space[far])) != np.sign(exact[far])))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CPU-sized run (see above)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--omega-0", type=float, help="(default: the estimator's)")
    parser.add_argument("--lr", type=float, help="(default: the estimator's)")
    parser.add_argument("--shapes", help="comma-separated subset of sphere,torus,box,horse")
    parser.add_argument("--no-sweeps", action="store_true", help="skip points/width sweeps")
    args = parser.parse_args()
    params = {k: v for k, v in (("omega_0", args.omega_0), ("lr", args.lr)) if v is not None}
    settings = QUICK if args.quick else FULL
    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device
    device = "cpu" if device == "auto" else device
    print(
        f"{settings}, the estimator's batches (an eighth of the points, at most 1024, and as "
        f"many space points), marching cubes at "
        f"{RESOLUTION}^3, device {device}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} CPU threads, "
        f"{SignedDistanceRegressor(**params).get_params()['omega_0'] or 'default'} omega_0, "
        f"estimator parameters {params or 'at their defaults'}"
    )
    mesh = horse_mesh()
    samplers = {
        "sphere": sphere,
        "torus": torus,
        "box": box,
        "horse (mesh)": lambda n, rng: horse(n, rng, mesh),
    }
    print(
        "\n| shape | points | width | steps | Chamfer / diagonal | normal consistency | "
        "band MAE / diagonal | wrong signs in the cube | pieces dropped | s/step |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    chosen = args.shapes.split(",") if args.shapes else ["sphere", "torus", "box", "horse"]
    runs = [(name, 5000, settings["width"]) for name in samplers if name.split()[0] in chosen]
    if not args.no_sweeps:
        runs += [("torus", n, settings["width"]) for n in settings["points"] if n != 5000]
        runs += [("torus", 5000, w) for w in settings["widths"] if w != settings["width"]]
    for name, n_points, width in runs:
        rng = np.random.default_rng(0)
        points, normals = samplers[name](n_points, rng)
        est, step, n_steps = fit_shape(points, normals, width, settings["epochs"], device, **params)
        row = evaluate(est, samplers[name], name, np.random.default_rng(1))
        band = f"{row['band']:.4f}" if "band" in row else "-"
        sign = f"{row['sign']:.4f}" if "sign" in row else "-"
        print(
            f"| {name} | {n_points} | {width} | {n_steps} | {row['chamfer']:.4f} | "
            f"{row['normals']:.4f} | {band} | {sign} | {row['dropped']} | {step:.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
