"""Every estimator on CUDA: fits, derivatives, pickling to the CPU, CUDA graphs, stacked
parity, warm starts, reproducibility. Skipped without CUDA; the GPU run
(``benchmarks/gpu.sh``) runs it with ``-v``, in well under 2 minutes on an H200.

The same code paths run on the CPU in the rest of the suite (the graph logic through a
stand-in in tests/test_engine.py); here they meet a real device.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sirenkit import (
    INRRegressor,
    PoissonSolver,
    SignedDistanceRegressor,
    SirenRegressor,
    SirenSuperResolver,
    fit_many,
    grid_coords,
    image_to_samples,
    samples_to_image,
)
from sirenkit.metrics import psnr
from sirenkit.operators import image_gradient
from sirenkit.resample import bicubic_downscale

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

SMALL = dict(hidden_features=64, hidden_layers=2, random_state=0)


def _image(side: int = 64) -> np.ndarray:
    coords = grid_coords((side, side))
    red = 0.5 + 0.4 * np.sin(6 * coords[:, 0]) * np.cos(4 * coords[:, 1])
    green = 0.5 + 0.3 * np.cos(5 * coords[:, 0] + 2 * coords[:, 1])
    return samples_to_image(np.stack([red, green, 1 - red], axis=1), (side, side))


def test_a_fit_trains_on_cuda_in_graphs_and_matches_the_cpu():
    coords, pixels = image_to_samples(_image())
    cuda = SirenRegressor(**SMALL, max_epochs=60, device="cuda").fit(coords, pixels)
    assert cuda.device_.startswith("cuda") and cuda.precision_ == "float32"
    assert cuda.net_.step_mode_ == "graph", cuda.net_.graph_fallback_
    cpu = SirenRegressor(**SMALL, max_epochs=60, device="cpu").fit(coords, pixels)
    assert psnr(pixels, cuda.predict(coords)) > 30
    # Another device, another batch order and rounding: the same quality, not the same bits.
    assert abs(cuda.history_[-1, "train_psnr"] - cpu.history_[-1, "train_psnr"]) < 3


def test_mini_batch_fits_replay_a_graph_per_epoch_and_learn():
    coords, pixels = image_to_samples(_image(128))  # 16384 pixels: 2 mini-batches
    est = SirenRegressor(**SMALL, max_epochs=40, device="cuda").fit(coords, pixels)
    assert est.batch_size_ == 8192 and est.history_[-1, "train_batch_count"] == 2
    assert est.net_.step_mode_ == "graph", est.net_.graph_fallback_
    psnrs = est.history_[:, "train_psnr"]
    assert psnrs[-1] > psnrs[1] + 10  # the replayed epochs trained
    rates = est.history_[:, "event_lr"]  # the schedule reached the captured optimizer
    assert rates[0] == pytest.approx(est.lr_) and rates[-1] < rates[0] / 10


@pytest.mark.parametrize("sampling", [None, "error"])
def test_hash_grid_and_error_guided_fits_replay_graphs_on_cuda(sampling):
    coords, pixels = image_to_samples(_image(128))
    grid = dict(encoding="hashgrid", activation="relu", hidden_features=64, hidden_layers=1)
    est = INRRegressor(**grid, sampling=sampling, max_epochs=30, random_state=0, device="cuda")
    est.fit(coords, pixels)
    assert est.net_.step_mode_ == "graph", est.net_.graph_fallback_
    assert psnr(pixels, est.predict(coords)) > 35
    lap = est.predict_laplacian(coords[:100])
    assert np.isfinite(lap).all() and np.abs(lap).max() > 0


def _poisson_1d(f):
    return -f.laplacian - torch.pi**2 * torch.sin(torch.pi * f.x)


def test_a_pde_fit_solves_its_equation_on_cuda():
    from sirenkit.metrics import relative_l2_error
    from sirenkit.pde import Condition, PDESolver

    X = grid_coords(64)
    ends = Condition(np.array([[-1.0], [1.0]]), np.zeros(2))
    est = PDESolver(residual=_poisson_1d, conditions=[ends], random_state=0, device="cuda")
    est.fit(X)
    exact = np.sin(np.pi * X[:, 0])
    assert relative_l2_error(exact, est.predict(X)) < 1e-2
    assert est.net_.step_mode_ in ("graph", "eager")  # a capture failure is reported, not fatal


def test_seeded_cuda_fits_repeat_bit_for_bit():
    coords, pixels = image_to_samples(_image(128))
    first = SirenRegressor(**SMALL, max_epochs=10, device="cuda").fit(coords, pixels)
    second = SirenRegressor(**SMALL, max_epochs=10, device="cuda").fit(coords, pixels)
    np.testing.assert_array_equal(first.predict(coords), second.predict(coords))


def test_a_cuda_fit_pickles_to_the_cpu_with_its_predictions_and_derivatives(monkeypatch):
    coords, pixels = image_to_samples(_image(32))
    est = SirenRegressor(**SMALL, max_epochs=20, device="cuda").fit(coords, pixels)
    data = pickle.dumps(est)
    # As on a machine without CUDA: skorch maps the net onto the CPU.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    restored = pickle.loads(data)
    assert restored.device_ == "cpu"
    assert next(restored.net_.module_.parameters()).device.type == "cpu"
    for method in ("predict", "predict_gradient", "predict_laplacian"):
        np.testing.assert_allclose(
            getattr(restored, method)(coords), getattr(est, method)(coords), rtol=1e-3, atol=1e-3
        )


def test_poisson_reconstructs_on_cuda():
    image = _image(48)
    coords, gradient = image_to_samples(image_gradient(image))
    solver = PoissonSolver(**SMALL, max_epochs=300, device="cuda", signal_mean=image.mean((0, 1)))
    solver.fit(coords, gradient)
    recovered = samples_to_image(solver.predict(coords), image.shape[:2])
    assert psnr(image, recovered) > 25
    # kornia's finite differences build their kernels on the host: eager steps, said so.
    assert solver.net_.step_mode_ == "eager"


def test_super_resolution_on_cuda_beats_nearest_neighbour():
    high = _image(64)
    low = bicubic_downscale(high, 4)
    upscaled = SirenSuperResolver(random_state=0, max_epochs=150, device="cuda").upscale(low, 4)
    nearest = np.repeat(np.repeat(low, 4, axis=0), 4, axis=1)
    assert psnr(high, upscaled) > psnr(high, nearest)


def test_a_sphere_sdf_on_cuda_draws_its_space_points_there():
    rng = np.random.default_rng(0)
    normals = rng.standard_normal((2000, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    points = 0.5 * normals
    est = SignedDistanceRegressor(**SMALL, max_epochs=60, device="cuda").fit(points, normals)
    assert est.net_.step_mode_ == "graph", est.net_.graph_fallback_
    assert np.mean(np.abs(est.predict(points))) < 0.05 * 0.5
    assert est.predict(np.zeros((1, 3)))[0] < 0 < est.predict(np.ones((1, 3)))[0]


def test_stacked_fits_on_cuda_match_single_fits():
    X = grid_coords((16, 16))
    signals = [np.sin((k + 2) * X[:, 0]) / 2 + 0.5 for k in range(4)]
    estimator = SirenRegressor(**SMALL, max_epochs=30, device="cuda")
    stacked = fit_many(estimator, X, signals)
    for signal, fit in zip(signals, stacked):
        alone = clone(estimator).fit(X, signal)
        np.testing.assert_allclose(fit.predict(X), alone.predict(X), atol=2e-3)


def test_warm_start_continues_on_cuda():
    coords, pixels = image_to_samples(_image(96))
    est = SirenRegressor(**SMALL, max_epochs=10, warm_start=True, device="cuda")
    est.fit(coords, pixels)
    first = est.history_[-1, "train_psnr"]
    est.fit(coords, pixels)
    assert len(est.history_) == 20 and est.history_[-1, "train_psnr"] > first
