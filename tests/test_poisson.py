import pickle

import numpy as np
import pytest

from sirenkit import PoissonSolver, grid_coords, image_to_samples, samples_to_image
from sirenkit.metrics import psnr
from sirenkit.operators import image_gradient, image_laplacian

SHAPE = (24, 32)


@pytest.fixture
def image():
    yy, xx = np.meshgrid(*(grid_coords(n)[:, 0] for n in SHAPE), indexing="ij")
    return (0.5 + 0.3 * np.sin(2 * xx) * np.cos(1.5 * yy) + 0.1 * xx).astype(np.float32)


@pytest.fixture
def solver(small):
    def make(**params):
        # The exact operator unless a test asks for another: these targets are analytic.
        params = {"hidden_features": 64, "max_epochs": 300, "operator": "autograd", **params}
        return PoissonSolver(**small(**params))

    return make


@pytest.mark.parametrize("operator", ["autograd", "numerical"])
def test_recovers_a_smooth_image_from_its_gradient(solver, image, operator):
    coords, gradient = image_to_samples(image_gradient(image))
    est = solver(operator=operator, signal_mean=float(image.mean())).fit(coords, gradient)
    recovered = samples_to_image(est.predict(coords), SHAPE)
    assert recovered.shape == SHAPE
    assert psnr(image[2:-2, 2:-2], recovered[2:-2, 2:-2]) > 30
    assert est.score(coords, gradient) > 0.95


def test_without_signal_mean_the_output_has_zero_mean(solver, image):
    coords, gradient = image_to_samples(image_gradient(image))
    est = solver().fit(coords, gradient)
    recovered = est.predict(coords)
    assert abs(recovered.mean()) < 1e-6
    # The signal up to its mean, which the solver never saw.
    assert psnr(image.ravel() - image.mean(), recovered) > 30


def test_shuffled_coordinates_work_with_the_numerical_operator(solver, image):
    coords, gradient = image_to_samples(image_gradient(image))
    order = np.random.default_rng(0).permutation(len(coords))
    est = solver(operator="numerical", signal_mean=float(image.mean()))
    est.fit(coords[order], gradient[order])
    assert psnr(image.ravel(), est.predict(coords)) > 30


@pytest.mark.parametrize("operator", ["autograd", "numerical"])
def test_laplacian_target_with_mean_and_gradient_mean(solver, image, operator):
    coords, laplacian = image_to_samples(image_laplacian(image))
    true_gradient = image_gradient(image).reshape(-1, 1, 2).mean(axis=0)
    est = solver(
        target="laplacian",
        operator=operator,
        signal_mean=float(image.mean()),
        gradient_mean=true_gradient,
    )
    est.fit(coords, laplacian)
    recovered = est.predict(coords)
    assert recovered.shape == (len(coords),)
    np.testing.assert_allclose(
        est.predict_gradient(coords).mean(axis=0), true_gradient[0], atol=1e-4
    )
    assert recovered.mean() == pytest.approx(image.mean(), abs=1e-6)
    # R^2 of the Laplacian fit; the outermost pixels of a finite-difference Laplacian target
    # carry the stencil's first-order border error, which is hard to match.
    assert est.score(coords, laplacian) > 0.85
    # Without boundary conditions a Laplacian leaves a harmonic part free (x^2 - y^2, xy,
    # ...): the constant and linear parts are pinned above, the rest is up to the fit.
    assert psnr(image.ravel(), recovered) > 20


@pytest.mark.parametrize("operator", ["autograd", "numerical"])
def test_multiscale_loss_recovers_the_image_and_trains_on_the_grid_in_order(
    solver, image, operator
):
    coords, gradient = image_to_samples(image_gradient(image))
    order = np.random.default_rng(1).permutation(len(coords))
    est = solver(operator=operator, loss="multiscale", signal_mean=float(image.mean()))
    est.fit(coords[order], gradient[order])
    criterion = est.net_.criterion_
    assert (criterion.shape, criterion.level_weight) == (SHAPE, 2.0)
    assert psnr(image.ravel(), est.predict(coords)) > 30


def test_multiscale_loss_brings_the_lowest_frequencies_in_sooner(solver):
    # A slow wave plus fine ripples: a gradient MSE is dominated by the ripples (weight k^2)
    # and leaves the slow wave for last; the multiscale loss weighs both alike. (Trained
    # long enough on so small an image, the plain MSE catches up and ends higher.)
    shape = (64, 64)
    yy, xx = np.meshgrid(*(grid_coords(n)[:, 0] for n in shape), indexing="ij")
    image = 0.5 + 0.3 * np.sin(1.5 * xx + yy) + 0.05 * np.sin(20 * xx) * np.cos(18 * yy)
    coords, gradient = image_to_samples(image_gradient(image))
    results = {
        loss: psnr(
            image.ravel(),
            solver(operator="numerical", loss=loss, max_epochs=20, signal_mean=float(image.mean()))
            .fit(coords, gradient)
            .predict(coords),
        )
        for loss in ("mse", "multiscale")
    }
    assert results["multiscale"] > results["mse"] + 10, results


def test_laplacian_multiscale_loss_weighs_levels_by_4(solver, image):
    coords, laplacian = image_to_samples(image_laplacian(image))
    est = solver(target="laplacian", operator="numerical", loss="multiscale", max_epochs=2)
    assert est.fit(coords, laplacian).net_.criterion_.level_weight == 4.0


def test_rgb_gradient_and_pickle(solver, image):
    rgb = np.stack([image, 1 - image, 0.5 * image], axis=-1)
    coords, gradient = image_to_samples(image_gradient(rgb))
    assert gradient.shape == (len(coords), 6)
    est = solver(signal_mean=rgb.reshape(-1, 3).mean(axis=0)).fit(coords, gradient)
    recovered = est.predict(coords)
    assert recovered.shape == (len(coords), 3)
    assert psnr(rgb.reshape(-1, 3), recovered) > 28
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(coords), recovered)
    # A single signal_mean applies to every channel.
    grey_mean = solver(signal_mean=0.4, max_epochs=2).fit(coords, gradient).predict(coords)
    np.testing.assert_allclose(grey_mean.mean(axis=0), 0.4, atol=1e-6)


@pytest.mark.parametrize(
    "params, X, y, match",
    [
        ({}, grid_coords(SHAPE), np.zeros((768, 3)), r"\(n, 2 \* C\)"),
        (
            {"operator": "numerical"},
            grid_coords(SHAPE)[:-1],
            np.zeros((767, 2)),
            "needs X to be a full grid",
        ),
        (
            {"operator": "numerical", "grid_shape": (32, 24)},
            grid_coords(SHAPE),
            np.zeros((768, 2)),
            r"full grid of shape \(32, 24\)",
        ),
        (
            {"operator": "numerical", "batch_size": 100},
            grid_coords(SHAPE),
            np.zeros((768, 2)),
            "batch_size must be None",
        ),
        (
            {"gradient_mean": [0.0, 0.0]},
            grid_coords(SHAPE),
            np.zeros((768, 2)),
            "only applies to target='laplacian'",
        ),
        (
            {"signal_mean": [0.0, 1.0]},
            grid_coords(SHAPE),
            np.zeros((768, 2)),
            "signal_mean must be None or 1",
        ),
        ({"target": "divergence"}, grid_coords(SHAPE), np.zeros((768, 2)), "'target' parameter"),
        ({"operator": "sobel"}, grid_coords(SHAPE), np.zeros((768, 2)), "'operator' parameter"),
        ({"omega_0": "auto"}, grid_coords(SHAPE), np.zeros((768, 2)), "needs the signal itself"),
        (
            {"loss": "multiscale"},
            grid_coords(SHAPE)[::2],
            np.zeros((384, 2)),
            "loss='multiscale' needs X to be a full grid",
        ),
        (
            {"loss": "multiscale", "batch_size": 64},
            grid_coords(SHAPE),
            np.zeros((768, 2)),
            "loss='multiscale' works on the whole grid at once: batch_size must be None",
        ),
        ({"loss": "spectral"}, grid_coords(SHAPE), np.zeros((768, 2)), "'loss' parameter"),
    ],
)
def test_bad_input(solver, params, X, y, match):
    with pytest.raises(ValueError, match=match):
        solver(max_epochs=1, **params).fit(X, y)
