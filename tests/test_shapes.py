"""Signed distance fields from oriented point clouds, against shapes with exact SDFs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sirenkit import SignedDistanceRegressor
from sirenkit.io import load_mesh, load_point_cloud, save_mesh
from sirenkit.losses import sdf_loss
from sirenkit.shapes import chamfer_distance, normal_consistency, sample_surface

pytest.importorskip("skimage")

# A shape in the caller's units, off the origin and not of unit size, so that the
# normalisation into the network's cube is exercised.
CENTER, RADIUS = np.array([2.0, -1.0, 0.5]), 3.0


def sphere_cloud(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    normals = np.random.default_rng(seed).normal(size=(n, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return CENTER + RADIUS * normals, normals


def sphere_sdf(x: np.ndarray) -> np.ndarray:
    return np.linalg.norm(x - CENTER, axis=1) - RADIUS


def torus_cloud(n: int, major=0.6, minor=0.25, seed=0):
    rng = np.random.default_rng(seed)
    u, v = rng.uniform(0, 2 * np.pi, (2, n))
    ring = np.stack([np.cos(u), np.sin(u), np.zeros(n)], 1)
    normals = np.cos(v)[:, None] * ring + np.sin(v)[:, None] * np.array([0, 0, 1.0])
    return major * ring + minor * normals, normals


def torus_sdf(x, major=0.6, minor=0.25):
    return np.hypot(np.hypot(x[:, 0], x[:, 1]) - major, x[:, 2]) - minor


def box_cloud(n: int, half=(0.6, 0.4, 0.3), seed=0):
    rng = np.random.default_rng(seed)
    half = np.asarray(half)
    axis = rng.integers(0, 3, n)
    sign = rng.choice([-1.0, 1.0], n)
    points = rng.uniform(-1, 1, (n, 3)) * half
    points[np.arange(n), axis] = sign * half[axis]
    normals = np.zeros((n, 3))
    normals[np.arange(n), axis] = sign
    return points, normals


def box_sdf(x, half=(0.6, 0.4, 0.3)):
    q = np.abs(x) - np.asarray(half)
    return np.linalg.norm(np.maximum(q, 0), axis=1) + np.minimum(q.max(axis=1), 0)


FAST = dict(hidden_features=64, hidden_layers=2, max_epochs=60, random_state=0)


@pytest.fixture(scope="module")
def sphere_fit():
    points, normals = sphere_cloud(2000)
    return SignedDistanceRegressor(batch_size=500, **FAST).fit(points, normals)


def test_sdf_loss_is_zero_for_the_exact_sdf_and_penalises_each_term():
    torch.manual_seed(0)
    surface = torch.nn.functional.normalize(torch.randn(50, 3, dtype=torch.float64), dim=1)
    space = 0.3 + torch.rand(50, 3, dtype=torch.float64)  # off the unit sphere, away from zero
    coords = torch.cat([surface, space])
    value = coords.norm(dim=1, keepdim=True) - 1
    gradient = coords / coords.norm(dim=1, keepdim=True)
    exact = sdf_loss(value, gradient, surface, off_surface_weight=0.0)
    assert float(exact) < 1e-9
    # Each term's sum is divided by all 100 points (the paper's masked means), 50 on the
    # surface: 3000 x 0.1 x 50 / 100, 50 x |2 - 1|, 100 x (1 - cos pi) x 50 / 100.
    off = dict(off_surface_weight=0.0)
    assert float(sdf_loss(value + 0.1, gradient, surface, **off)) == pytest.approx(150)
    assert float(sdf_loss(value, 2 * gradient, surface, **off)) == pytest.approx(50)
    assert float(sdf_loss(value, -gradient, surface, **off)) == pytest.approx(100)
    # Off the surface: exp(-100 |f|) at the 50 space points, here all at f = 0.
    zero_space = torch.cat([value[:50], torch.zeros(50, 1, dtype=value.dtype)])
    assert float(sdf_loss(zero_space, gradient, surface, eikonal_weight=0)) == pytest.approx(50)


def test_a_sphere_fit_has_the_exact_sdf_near_the_surface_and_its_sign_away(sphere_fit):
    rng = np.random.default_rng(1)
    directions = rng.normal(size=(3000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    band = CENTER + RADIUS * (1 + rng.uniform(-0.05, 0.05, (3000, 1))) * directions
    error = np.abs(sphere_fit.predict(band) - sphere_sdf(band))
    assert error.mean() < 0.02 * RADIUS, error.mean()
    inside = CENTER + RADIUS * rng.uniform(0, 0.6, (500, 1)) * directions[:500]
    outside = CENTER + RADIUS * rng.uniform(1.25, 1.4, (500, 1)) * directions[:500]
    assert (sphere_fit.predict(inside) < 0).all() and (sphere_fit.predict(outside) > 0).all()
    # Eikonal: the gradient of a distance has unit norm, in the caller's units too.
    norms = np.linalg.norm(sphere_fit.predict_gradient(band), axis=1)
    assert np.abs(norms - 1).mean() < 0.05, np.abs(norms - 1).mean()
    # On the surface the gradient is the normal.
    points, normals = sphere_cloud(300, seed=2)
    cosine = np.sum(sphere_fit.predict_gradient(points) * normals, axis=1) / np.linalg.norm(
        sphere_fit.predict_gradient(points), axis=1
    )
    assert cosine.mean() > 0.99


def test_the_extracted_mesh_is_the_sphere_with_outward_faces(sphere_fit, tmp_path):
    vertices, faces = sphere_fit.to_mesh(resolution=48)
    assert faces.shape[1] == 3 and faces.max() < len(vertices)
    truth = sphere_cloud(4000, seed=3)[0]
    assert chamfer_distance(vertices, truth) < 0.03 * RADIUS
    assert np.abs(sphere_sdf(vertices)).max() < 0.08 * RADIUS
    # Outward: each triangle's normal points away from the centre.
    corners = vertices[faces]
    face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    outward = np.sum(face_normals * (corners.mean(axis=1) - CENTER), axis=1) > 0
    assert outward.mean() > 0.99
    # Sampled back into an oriented cloud, the mesh agrees with the sphere's normals.
    points, normals = sample_surface(vertices, faces, 3000, random_state=0)
    exact_normals = (truth - CENTER) / RADIUS
    assert normal_consistency(points, normals, truth, exact_normals) > 0.98
    # PLY round trip.
    save_mesh(tmp_path / "sphere.ply", vertices, faces)
    read_vertices, read_faces = load_mesh(tmp_path / "sphere.ply")
    np.testing.assert_allclose(read_vertices, vertices, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(read_faces, faces)


def test_pieces_of_the_level_set_away_from_the_points_are_dropped_with_a_warning(sphere_fit):
    from skimage import measure

    def ball_mesh(center, radius):
        axis = np.linspace(-1, 1, 40)
        grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1)
        values = np.linalg.norm(grid - center, axis=-1) - radius
        v, f, _, _ = measure.marching_cubes(values, 0.0, spacing=(2 / 39,) * 3)
        return v - 1, f

    # The fitted sphere's own surface in the unit cube (radius 0.9) and a small ball in a
    # corner that no point is near: the spurious piece a short fit leaves.
    real, real_faces = ball_mesh(np.zeros(3), 0.9)
    spurious, spurious_faces = ball_mesh(np.full(3, 0.85), 0.1)
    vertices = np.vstack([spurious, real])
    faces = np.vstack([spurious_faces, real_faces + len(spurious)])
    message = rf"dropped 1 of 2 pieces .*\({len(spurious_faces)} of"
    with pytest.warns(UserWarning, match=message):
        kept, kept_faces = sphere_fit._supported(vertices, faces, 2 / 39)
    np.testing.assert_array_equal(kept, real)
    np.testing.assert_array_equal(kept_faces, real_faces)
    with pytest.raises(ValueError, match="no piece of the fitted level set"):
        sphere_fit._supported(spurious, spurious_faces, 2 / 39)


def test_a_circle_gives_a_closed_curve():
    angle = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    circle = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    sdf = SignedDistanceRegressor(**FAST).fit(5 * circle, circle)
    vertices, edges = sdf.to_mesh(resolution=64)
    assert vertices.shape[1] == 2 and edges.shape[1] == 2
    assert np.abs(np.linalg.norm(vertices, axis=1) - 5).max() < 0.25
    assert sdf.score(5 * circle) > -0.1
    # Closed: one cycle through distinct vertices, each with two edges.
    assert len(np.unique(vertices.round(9), axis=0)) == len(vertices)
    assert (np.bincount(edges.ravel(), minlength=len(vertices)) == 2).all()
    assert len(edges) == len(vertices)
    following = dict(edges.tolist())
    walk, vertex = [0], following[0]
    while vertex != 0:
        walk.append(vertex)
        vertex = following[vertex]
    assert len(walk) == len(vertices)  # the cycle visits every vertex once
    # ... all around the circle: no gap over 5 degrees.
    angles = np.sort(np.arctan2(vertices[:, 1], vertices[:, 0]))
    assert np.diff(np.concatenate([angles, [angles[0] + 2 * np.pi]])).max() < np.radians(5)


def test_fits_are_reproducible_and_clone():
    points, normals = sphere_cloud(400)
    settings = dict(FAST, max_epochs=3, batch_size=100)
    a = SignedDistanceRegressor(**settings).fit(points, normals)
    b = clone(a).fit(points, normals)
    probe = CENTER + np.random.default_rng(0).normal(size=(20, 3))
    np.testing.assert_array_equal(a.predict(probe), b.predict(probe))


def test_bad_point_clouds_are_refused_clearly():
    points, normals = sphere_cloud(100)
    sdf = SignedDistanceRegressor(**dict(FAST, max_epochs=1))
    with pytest.raises(ValueError, match="points must have shape"):
        sdf.fit(points[:, :1], normals[:, :1])
    with pytest.raises(ValueError, match="normals must have the shape"):
        sdf.fit(points, normals[:, :2])
    with pytest.raises(ValueError, match="unit vectors: 1 of 100"):
        sdf.fit(points, np.vstack([2 * normals[:1], normals[1:]]))
    nan = points.copy()
    nan[7, 1] = np.nan
    with pytest.raises(ValueError, match="points has 1 rows with NaN .* row 7"):
        sdf.fit(nan, normals)
    with pytest.raises(ValueError, match="batch_size=500 .* only 100 points"):
        SignedDistanceRegressor(batch_size=500, **FAST).fit(points, normals)
    with pytest.raises(ValueError, match="all of them are the same point"):
        sdf.fit(np.zeros((10, 3)), normals[:10])
    with pytest.raises(ValueError, match="shape takes a number"):
        SignedDistanceRegressor(omega_0="auto", **FAST).fit(points, normals)


def test_an_empty_level_set_is_an_error_not_an_empty_mesh(sphere_fit):
    shifted = clone(sphere_fit).set_params(max_epochs=1, batch_size=100).fit(*sphere_cloud(200))
    with torch.no_grad():
        shifted.net_.module_.output.linear.bias += 100.0  # positive everywhere: no surface
    with pytest.raises(ValueError, match="does not cross zero"):
        shifted.to_mesh(resolution=16)
    with pytest.raises(ValueError, match="resolution must be an integer"):
        sphere_fit.to_mesh(resolution=2)


def test_point_clouds_load_from_ply_and_xyz(tmp_path):
    plyfile = pytest.importorskip("plyfile")
    points, normals = sphere_cloud(50)
    rows = np.hstack([points, normals])
    np.savetxt(tmp_path / "cloud.xyz", rows)
    np.testing.assert_allclose(np.hstack(load_point_cloud(tmp_path / "cloud.xyz")), rows)
    vertex = np.array(
        [tuple(r) for r in rows], dtype=[(k, "f8") for k in ("x", "y", "z", "nx", "ny", "nz")]
    )
    plyfile.PlyData([plyfile.PlyElement.describe(vertex, "vertex")]).write(tmp_path / "c.ply")
    np.testing.assert_allclose(np.hstack(load_point_cloud(tmp_path / "c.ply")), rows)
    with pytest.raises(ValueError, match="has no face element"):
        load_mesh(tmp_path / "c.ply")
    np.savetxt(tmp_path / "bad.xyz", rows[:, :3])
    with pytest.raises(ValueError, match="6 columns"):
        load_point_cloud(tmp_path / "bad.xyz")
    with pytest.raises(ValueError, match=".ply or .xyz"):
        load_point_cloud(_touch(tmp_path / "c.obj"))


def _touch(path):
    path.write_text("")
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "cloud, exact", [(torus_cloud, torus_sdf), (box_cloud, box_sdf)], ids=["torus", "box"]
)
def test_torus_and_box_meshes_are_close_to_the_analytic_surfaces(cloud, exact):
    points, normals = cloud(5000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sdf = SignedDistanceRegressor(
            hidden_features=128, hidden_layers=3, max_epochs=100, random_state=0
        ).fit(points, normals)
    vertices, faces = sdf.to_mesh(resolution=96)
    truth = cloud(20000, seed=1)[0]
    assert chamfer_distance(vertices, truth) < 0.02
    near = truth + np.random.default_rng(2).uniform(-0.02, 0.02, truth.shape)
    assert np.abs(sdf.predict(near) - exact(near)).mean() < 0.02


def test_the_command_line_fits_a_point_cloud_and_writes_its_mesh(tmp_path, capsys):
    from sirenkit.cli import main

    points, normals = sphere_cloud(800)
    np.savetxt(tmp_path / "ball.xyz", np.hstack([points, 1.001 * normals]))  # near-unit
    status = main(
        [
            "fit",
            str(tmp_path / "ball.xyz"),
            *("--epochs", "20", "--hidden-features", "32", "--hidden-layers", "2"),
            *("--resolution", "24", "--quiet"),
        ]
    )
    assert status == 0
    vertices, faces = load_mesh(tmp_path / "ball_mesh.ply")
    assert len(faces) > 100
    # Measured: 0.003 R on average, 0.018 R at most (a mesh 15% too large: 0.15 R).
    assert np.abs(sphere_sdf(vertices)).mean() < 0.02 * RADIUS
    assert (tmp_path / "ball_mesh.joblib").exists()
    assert "ball_mesh.ply" in capsys.readouterr().out
