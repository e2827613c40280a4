"""The hash-grid encoding: its interpolation and exact derivatives, and every estimator on it."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from sirenkit import (
    INRRegressor,
    PoissonSolver,
    SignedDistanceRegressor,
    SirenRegressor,
    SirenSuperResolver,
    fit_many,
    grid_coords,
    image_to_samples,
)
from sirenkit.metrics import psnr
from sirenkit.nn import MLP, HashGridEncoding, smoothstep
from sirenkit.operators import forward_derivatives, gradient, image_gradient, laplacian

GRID = dict(encoding="hashgrid", activation="relu", hidden_features=32, hidden_layers=1)


def random_table(encoding: HashGridEncoding, seed: int = 0) -> HashGridEncoding:
    """Vertex values of order one, so that every level shows in the derivatives."""
    with torch.no_grad():
        encoding.table.copy_(torch.randn(encoding.table.shape, generator=torch.manual_seed(seed)))
    return encoding


def test_one_level_interpolates_its_vertices_with_smoothstep_weights():
    encoding = HashGridEncoding(1, levels=1, features=1, finest=4, coarsest=4).double()
    vertices = torch.tensor([0.3, -1.0, 2.0, 0.5, 4.0], dtype=torch.float64)
    with torch.no_grad():
        encoding.table.copy_(vertices[:, None])
    x = torch.linspace(-1, 1, 41, dtype=torch.float64)[:, None]
    position = (x[:, 0] + 1) / 2 * 4
    cell = position.floor().clamp(max=3).long()
    s = 3 * (position - cell) ** 2 - 2 * (position - cell) ** 3
    expected = vertices[cell] * (1 - s) + vertices[cell + 1] * s
    torch.testing.assert_close(encoding(x)[:, 0], expected)
    # On a vertex, its own value; the derivative is zero there (s'(0) = 0).
    vertex = torch.tensor([[-0.5]], dtype=torch.float64)
    value, slope, _ = encoding.propagate(vertex, torch.ones(1, 1, 1).double(), None)
    torch.testing.assert_close(value, vertices[1:2, None])
    assert slope.abs().max() == 0


def test_smoothstep_derivatives():
    t = torch.rand(50, dtype=torch.float64, requires_grad=True)
    s, ds, d2s = smoothstep(t)
    first = torch.autograd.grad(s.sum(), t, create_graph=True)[0]
    second = torch.autograd.grad(first.sum(), t)[0]
    torch.testing.assert_close(first, ds)
    torch.testing.assert_close(second, d2s)


@pytest.mark.parametrize(
    "dims, table_size", [(1, 2**18), (2, 2**18), (2, 2**6), (3, 2**18), (3, 2**8)]
)
@pytest.mark.parametrize("layer", ["relu", "sine"])
def test_forward_derivatives_of_a_hash_grid_network_equal_autograd(dims, table_size, layer):
    torch.manual_seed(0)
    params = {"omega_0": 1.0} if layer == "sine" else {}
    net = MLP(
        dims,
        2,
        16,
        1,
        layer=layer,
        first_params=params,
        hidden_params=params,
        encoding=dict(levels=3, features=2, finest=12, coarsest=3, table_size=table_size),
    ).double()
    random_table(net.hidden[0])
    assert bool(net.hidden[0].dense.all()) == (table_size == 2**18)
    coords = (torch.rand(40, dims, dtype=torch.float64) * 2 - 1).requires_grad_(True)
    output, grad, lap = forward_derivatives(net, coords)
    expected = net(coords)
    torch.testing.assert_close(output, expected)
    torch.testing.assert_close(grad, gradient(expected, coords))
    torch.testing.assert_close(lap, laplacian(expected, coords))
    assert lap.abs().max() > 1  # the grid's second derivatives are there (not linear weights)


def test_encoding_of_an_encoded_input_follows_the_chain_rule():
    """A non-identity input Jacobian (an encoding after a layer): the Hessian's cross terms."""
    torch.manual_seed(1)
    encoding = random_table(HashGridEncoding(2, levels=2, features=2, finest=8, coarsest=4))
    encoding = encoding.double()
    mix = torch.tensor([[0.6, 0.3], [-0.2, 0.5]], dtype=torch.float64)
    coords = (torch.rand(30, 2, dtype=torch.float64) - 0.5).requires_grad_(True)
    inner = torch.sin(coords @ mix.T)
    jacobian = torch.stack([torch.cos(coords @ mix.T) * mix[:, axis] for axis in range(2)])
    inner_laplace = -(torch.sin(coords @ mix.T) * mix.square().sum(1))
    value, jac, lap = encoding.propagate(inner, jacobian, inner_laplace)
    expected = encoding(inner)
    torch.testing.assert_close(value, expected)
    torch.testing.assert_close(jac.permute(1, 2, 0), gradient(expected, coords))
    torch.testing.assert_close(lap, laplacian(expected, coords))


def test_hashed_levels_index_their_own_table_and_dense_ones_each_vertex_once():
    encoding = HashGridEncoding(2, levels=3, features=1, finest=64, coarsest=4, table_size=2**10)
    assert encoding.dense.tolist() == [True, True, False]  # 5^2, 17^2 <= 1024 < 65^2
    x = torch.cartesian_prod(*[torch.linspace(-1, 1, 65)] * 2)
    rows, _, _ = encoding._cells(x)
    for level in range(3):
        level_rows = rows[:, level].flatten()
        start = int(encoding.offsets[level])
        size = min((int(encoding.cells[level]) + 1) ** 2, 2**10)
        assert level_rows.min() >= start and level_rows.max() < start + size
    # The dense levels: every vertex has its own row.
    assert len(torch.unique(rows[:, 1])) == 17**2
    assert encoding.table.shape == (5**2 + 17**2 + 2**10, 1)


def test_outside_its_domain_the_encoding_holds_its_boundary_value():
    encoding = random_table(
        HashGridEncoding(1, levels=2, features=1, finest=8, coarsest=4)
    ).double()
    inside = torch.tensor([[1.0]], dtype=torch.float64)
    outside = torch.tensor([[1.5]], dtype=torch.float64)
    torch.testing.assert_close(encoding(outside), encoding(inside))
    _, jacobian, laplace = encoding.propagate(outside, torch.ones(1, 1, 1).double(), None)
    assert laplace is None and jacobian.abs().max() == 0


def test_encoding_errors():
    with pytest.raises(ValueError, match="table_size must be a power of two"):
        HashGridEncoding(2, table_size=1000)
    with pytest.raises(ValueError, match="in_features must be 1 to 3"):
        HashGridEncoding(4)
    with pytest.raises(ValueError, match="finest must be at least coarsest"):
        HashGridEncoding(2, finest=8, coarsest=16)


@pytest.fixture(scope="module")
def image():
    coords = grid_coords((32, 32))
    y, x = coords[:, 0], coords[:, 1]
    pixels = 0.5 + 0.3 * np.sin(6 * x + 2 * y) * np.cos(5 * y)
    return coords, pixels.astype(np.float32)


def test_an_image_fit_on_a_hash_grid_learns_and_pickles(image):
    coords, pixels = image
    est = INRRegressor(**GRID, max_epochs=30, random_state=0).fit(coords, pixels)
    assert psnr(pixels, est.predict(coords)) > 35
    assert est.lr_ == 1e-2 and est.network_.encoding["finest"] == 32
    assert est.network_.encoding["domain"] == (-1.0, 1.0)
    assert est.net_.module_.hidden[0].table.numel() > 0
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(coords), est.predict(coords))
    assert np.abs(est.predict_laplacian(coords)).max() > 0


def test_the_same_seed_gives_the_same_fit(image):
    coords, pixels = image
    fits = [INRRegressor(**GRID, max_epochs=3, random_state=1).fit(coords, pixels) for _ in "ab"]
    np.testing.assert_array_equal(fits[0].predict(coords), fits[1].predict(coords))


def test_grid_parameters_need_the_encoding_and_a_power_of_two(image):
    coords, pixels = image
    with pytest.raises(ValueError, match="grid_levels, grid_features configure"):
        SirenRegressor(grid_levels=4, grid_features=2, max_epochs=1).fit(coords, pixels)
    with pytest.raises(ValueError, match="grid_table_size must be a power of two, got 1000"):
        INRRegressor(**GRID, grid_table_size=1000, max_epochs=1).fit(coords, pixels)
    with pytest.raises(ValueError, match="1 to 3 dimensions, got X with 4 columns"):
        INRRegressor(**GRID, max_epochs=1).fit(np.zeros((10, 4)), np.zeros(10))


def test_fit_many_and_grid_search_fit_hash_grids_one_by_one(image):
    coords, pixels = image
    estimator = INRRegressor(**GRID, max_epochs=2, random_state=0)
    fitted = fit_many(estimator, coords, [pixels, 1 - pixels])
    alone = INRRegressor(**GRID, max_epochs=2, random_state=0).fit(coords, 1 - pixels)
    np.testing.assert_array_equal(fitted[1].predict(coords), alone.predict(coords))
    search = GridSearchCV(
        INRRegressor(**GRID, max_epochs=2, random_state=0),
        {"grid_levels": [2, 4]},
        cv=[(np.arange(0, 1024, 2), np.arange(1, 1024, 2))],
    ).fit(coords, pixels)
    assert search.best_estimator_.network_.encoding["levels"] in (2, 4)


def test_poisson_super_resolution_and_shapes_train_on_a_hash_grid(image, small):
    coords, pixels = image
    picture = pixels.reshape(32, 32)
    grad_coords, grad = image_to_samples(image_gradient(picture))
    poisson = PoissonSolver(
        **small(**GRID, max_epochs=40, operator="autograd", signal_mean=float(pixels.mean()))
    ).fit(grad_coords, grad)
    assert poisson.score(grad_coords, grad) > 0.5
    lr = picture.reshape(16, 2, 16, 2).mean(axis=(1, 3))
    lr_coords, lr_pixels = image_to_samples(lr)
    resolver = SirenSuperResolver(**small(**GRID, max_epochs=20)).fit(lr_coords, lr_pixels)
    assert resolver.predict(grid_coords((32, 32))).shape == (1024,)
    rng = np.random.default_rng(0)
    normals = rng.normal(size=(500, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sdf = SignedDistanceRegressor(**small(**GRID, max_epochs=5)).fit(0.5 * normals, normals)
    assert np.isfinite(sdf.predict(rng.uniform(-1, 1, (10, 3)))).all()
