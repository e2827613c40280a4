import pickle

import numpy as np
import pytest
import torch

from sirenkit import SirenSuperResolver, bicubic_upscale, grid_coords, image_to_samples
from sirenkit.metrics import psnr
from sirenkit.resample import bicubic_downscale
from sirenkit.superres import ForwardModel, SobelMSELoss, schedule_stages

HR_SHAPE = (64, 48)


@pytest.fixture(scope="module")
def images():
    coords = grid_coords(HR_SHAPE).reshape(*HR_SHAPE, 2)
    y, x = coords[..., 0], coords[..., 1]
    hr = 0.5 + 0.25 * np.sin(5 * x + 2 * y) + 0.15 * np.cos(7 * y) * np.sin(3 * x)
    return hr, bicubic_downscale(hr, 4)  # (64, 48) and (16, 12)


def nearest_upscale(image, scale):
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)


@pytest.fixture
def resolver(small):
    def make(**params):
        return SirenSuperResolver(**small(**{"hidden_features": 64, "max_epochs": 300, **params}))

    return make


@pytest.mark.parametrize(
    "params", [{}, {"degradation": "bicubic"}, {"degradation": "bicubic", "residual": True}]
)
def test_lr_and_hr_grids_line_up(resolver, images, params):
    hr, lr = images
    # omega_0 of the order of the image's frequencies: 30 is meant for hundreds of pixels
    # and rings between 16x12 samples.
    upscaled = resolver(omega_0=10.0, **params).upscale(lr, 4)
    assert upscaled.shape == HR_SHAPE
    scores = {
        "siren": psnr(hr, upscaled),
        "nearest": psnr(hr, nearest_upscale(lr, 4)),
        "bicubic": psnr(hr, bicubic_upscale(lr, 4)),
    }
    # A half-pixel misalignment of either grid would cost several dB on this image.
    assert scores["siren"] > scores["nearest"] + 3, scores
    assert scores["siren"] > scores["bicubic"] - 1.5, scores


def test_residual_forward_model_starts_at_bicubic_and_keeps_the_lr_image(resolver, images):
    hr, lr = images
    # Without back-projection: it is the forward model that is tested here.
    params = dict(degradation="bicubic", residual=True, back_projection=0)
    est = resolver(max_epochs=1, lr=1e-12, **params).fit(*image_to_samples(lr))
    # The output layer starts at zero: the prediction is the (unclamped) bicubic upscale.
    np.testing.assert_allclose(
        est.predict(grid_coords(HR_SHAPE)).reshape(HR_SHAPE), bicubic_upscale(lr, 4), atol=1e-6
    )
    est = resolver(**params).fit(*image_to_samples(lr))
    render = est.predict(grid_coords(HR_SHAPE)).reshape(HR_SHAPE)
    # Degraded again, the rendering reproduces the LR image better than bicubic does.
    consistency = psnr(lr, bicubic_downscale(render, 4))
    assert consistency > psnr(lr, bicubic_downscale(bicubic_upscale(lr, 4), 4)) + 5
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(grid_coords(HR_SHAPE)).reshape(HR_SHAPE), render)


@pytest.mark.parametrize("shape", [(9, 7), (10, 13, 3), (5, 5, 1)])
@pytest.mark.parametrize(
    "params", [{}, {"degradation": "bicubic"}, {"schedule": "progressive", "gradient_weight": 1.0}]
)
def test_upscale_shapes_for_non_square_and_odd_images(resolver, shape, params):
    image = np.random.default_rng(0).random(shape)
    est = resolver(max_epochs=3, **params)
    for scale in (3, 2.5):
        high = est.upscale(image, scale)
        assert high.shape == (round(scale * shape[0]), round(scale * shape[1]), *shape[2:])
        # Back-projected (the default calibration): degraded as the LR image was made, the
        # upscale gives it back (measured 54-56 dB on these noise images; a bicubic
        # upscale, degraded again, 19-20 dB), on every grid whatever its shape and scale.
        degraded = bicubic_downscale(high, scale).reshape(shape)
        assert psnr(image, degraded) > 45


@pytest.mark.parametrize(
    "schedule, first, last",
    [("multiscale", (16, 12), (32, 24)), ("progressive", (16, 12), (48, 36))],
)
def test_schedule_stages(resolver, images, schedule, first, last):
    lr = images[1][..., None]
    stages = schedule_stages(lr, schedule, 500)
    assert sum(epochs for _, epochs in stages) == 500
    assert stages[0][0].shape[:2] == first and stages[-1][0].shape[:2] == last
    assert any(image.shape == lr.shape and np.allclose(image, lr) for image, _ in stages)
    est = resolver(schedule=schedule, max_epochs=60).fit(*image_to_samples(images[1]))
    assert len(est.history_) == 60 if schedule == "multiscale" else len(est.history_) >= 60


def test_omega_auto_hr_is_the_rule_on_the_bicubic_upscale_over_0_15(resolver, images):
    from sirenkit.omega import omega_from_laplacian

    lr = images[1]
    est = resolver(omega_0="auto_hr", max_epochs=1).fit(*image_to_samples(lr))
    assert est.omega_0_ == pytest.approx(omega_from_laplacian(bicubic_upscale(lr, 4)) / 0.15)


def test_sobel_loss_and_forward_model_operators():
    ramp = torch.from_numpy(grid_coords((8, 8))[:, 1:]).double()  # f = x, pitch 2/8
    loss = SobelMSELoss((8, 8), gradient_weight=2.0)
    # The per-pixel gradient of x is the pitch (0.25) inside, about half of it on the border
    # columns (replicated border): compare with a constant image.
    gradient_term = float(loss(ramp, torch.zeros_like(ramp)) - (ramp**2).mean())
    assert 2.0 * 0.25**2 * 0.5 * 0.7 < gradient_term < 2.0 * 0.25**2 * 0.5
    module = torch.nn.Linear(2, 3)
    torch.nn.init.zeros_(module.weight)
    torch.nn.init.constant_(module.bias, 0.7)
    low, derived = ForwardModel((12, 8), (3, 2))(module, torch.zeros(6, 2))
    assert low.shape == (6, 3) and low is derived
    np.testing.assert_allclose(low.detach().numpy(), 0.7, atol=1e-6)


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({"scale": 0.5}, None, r"'scale' parameter .* must be a float in the range \[1.0, inf\)"),
        ({"degradation": "gaussian"}, None, "'degradation' parameter"),
        ({"schedule": "trick1"}, None, "'schedule' parameter"),
        ({"residual": True}, None, "residual=True needs degradation='bicubic'"),
        ({"schedule": "multiscale", "degradation": "bicubic"}, None, "do not combine"),
        ({"gradient_weight": -1.0}, None, "'gradient_weight' parameter"),
        ({"gradient_weight": 1.0, "loss": "mse+fft"}, None, "loss must be 'mse'"),
        ({"degradation": "bicubic", "batch_size": 8}, None, "batch_size must be None"),
        ({"degradation": "bicubic"}, grid_coords((16, 12))[::2], "full 2-D pixel grid"),
        ({"degradation": "bicubic"}, grid_coords(192), "full 2-D pixel grid"),
    ],
)
def test_bad_input(resolver, images, params, X, match):
    coords, pixels = image_to_samples(images[1])
    if X is not None:
        pixels = pixels[: len(X)]
        coords = X
    with pytest.raises(ValueError, match=match):
        resolver(max_epochs=1, **params).fit(coords, pixels)


def test_bad_upscale_and_predict_input(resolver, images):
    est = resolver(max_epochs=1)
    with pytest.raises(ValueError, match="'scale' parameter"):
        est.upscale(images[1], 0.5)
    with pytest.raises(ValueError, match=r"image must be an \(H, W\) or \(H, W, C\)"):
        est.upscale(np.ones(10), 2)
    est.fit(*image_to_samples(images[1]))
    with pytest.raises(ValueError, match="features"):
        est.predict(grid_coords((4, 4, 4)))  # 3-D coordinates for a 2-D fit


def test_back_project_makes_the_estimate_consistent_with_the_lr_image(images):
    from sirenkit.resample import back_project

    hr, lr = images
    upscaled = bicubic_upscale(lr, 4)
    projected = back_project(upscaled, lr)
    # Bicubic's downscale misses the LR image by about 1e-2; the projection's by 1e-4.
    before = np.abs(bicubic_downscale(upscaled, 4) - lr).max()
    after = np.abs(bicubic_downscale(projected, 4) - lr).max()
    assert after < 1e-3 < before
    # What the LR image holds is restored: closer to the true HR image than bicubic.
    assert psnr(hr, projected) > psnr(hr, upscaled) + 1
    np.testing.assert_array_equal(back_project(upscaled, lr, iterations=0), upscaled)
    rgb = np.stack([lr, 1 - lr], axis=-1)
    assert back_project(bicubic_upscale(rgb, 4), rgb).shape == (*HR_SHAPE, 2)


@pytest.mark.parametrize(
    "estimate, low, iterations, error, match",
    [
        (np.ones((8, 8)), np.ones((2, 2, 3)), 10, ValueError, "same channels"),
        (np.ones((8, 8)), np.ones((8, 2)), 10, ValueError, "larger than low"),
        (np.ones((8, 8)), np.ones((2, 2)), 1.5, TypeError, "iterations must be an int"),
        (np.ones((8, 8)), np.ones((2, 2)), -1, ValueError, "iterations must be >= 0"),
    ],
)
def test_back_project_bad_input(estimate, low, iterations, error, match):
    from sirenkit.resample import back_project

    with pytest.raises(error, match=match):
        back_project(estimate, low, iterations)


def test_back_projection_is_the_default_calibration(resolver, images):
    hr, lr = images
    coords, pixels = image_to_samples(lr)
    plain = resolver(back_projection=0).fit(coords, pixels)
    projected = resolver().fit(coords, pixels)
    assert projected.back_projection == 10 and projected.signal_map_.correction is not None
    # The same network: the correction is all that differs, and it is exact on the HR grid.
    hr_coords = grid_coords(HR_SHAPE)
    network_only = plain.predict(hr_coords).reshape(HR_SHAPE)
    render = projected.predict(hr_coords).reshape(HR_SHAPE)
    from sirenkit.resample import back_project

    np.testing.assert_allclose(render, back_project(network_only, lr), atol=1e-6)
    assert np.abs(bicubic_downscale(render, 4) - lr).max() < 1e-3
    assert psnr(hr, render) > psnr(hr, network_only)
    # Between the HR pixels the correction is interpolated; at other scales too.
    assert projected.predict(grid_coords((32, 24))).shape == (32 * 24,)
    with pytest.raises(NotImplementedError, match="back_projection=0"):
        projected.predict_gradient(hr_coords)
    # A warm start recomputes the correction for the network it continues.
    projected.set_params(warm_start=True, max_epochs=5).fit(coords, pixels)
    again = projected.predict(hr_coords).reshape(HR_SHAPE)
    assert np.abs(bicubic_downscale(again, 4) - lr).max() < 1e-3
    restored = pickle.loads(pickle.dumps(projected))
    np.testing.assert_array_equal(restored.predict(hr_coords).reshape(HR_SHAPE), again)


def test_default_recipe_differs_from_the_shared_defaults_where_it_says():
    from sirenkit import SirenRegressor
    from sirenkit.superres import DEFAULT_RECIPE

    resolver, regressor = SirenSuperResolver().get_params(), SirenRegressor().get_params()
    # omega_0 is an activation parameter: None, which is 15 for the sine layers.
    assert resolver["omega_0"] is None
    assert SirenSuperResolver._activation_defaults["sine"] == {"omega_0": DEFAULT_RECIPE["omega_0"]}
    for name, value in DEFAULT_RECIPE.items():
        assert name == "omega_0" or resolver[name] == value
    shared = set(resolver) & set(regressor)
    # hidden_omega_0: None, the sine layers' 30, as SirenRegressor's.
    assert resolver["hidden_omega_0"] is None and regressor["hidden_omega_0"] == 30.0
    differs = {n for n in shared if resolver[n] != regressor[n]} - {"hidden_omega_0"}
    assert differs == set(DEFAULT_RECIPE) & shared
