"""The INR family behind INRRegressor: each activation's derivatives, initialisation and
estimator contract."""

import math
import warnings

import matplotlib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks
from test_sklearn_compat import expected_failed_checks

matplotlib.use("Agg")

from test_plotting import assert_plots_the_activations  # noqa: E402

from sirenkit import (  # noqa: E402
    CoordinateRangeWarning,
    FullSampleSplit,
    INRRegressor,
    PoissonSolver,
    ReluMLPRegressor,
    SirenRegressor,
    SirenSuperResolver,
    audio_to_samples,
    grid_coords,
)
from sirenkit.coords import image_to_samples  # noqa: E402
from sirenkit.metrics import psnr  # noqa: E402
from sirenkit.nn import LAYERS, MLP, FourierFeatures, WireLayer  # noqa: E402
from sirenkit.operators import forward_derivatives, gradient, image_gradient, laplacian  # noqa: E402
from sirenkit.plotting import layer_activations, plot_activations  # noqa: E402

ACTIVATIONS = sorted(LAYERS)
SMALL = dict(hidden_features=32, hidden_layers=1, max_epochs=30, random_state=0)


def _net(layer: str, **first) -> MLP:
    torch.manual_seed(0)
    return MLP(2, 3, 16, 2, layer=layer, first_params=first).double()


@pytest.mark.parametrize("layer", ACTIVATIONS)
def test_closed_form_derivatives_match_autograd_in_float64(layer):
    net = _net(layer)
    coords = (2 * torch.rand(64, 2, dtype=torch.float64) - 1).requires_grad_()
    value, grad, lap = forward_derivatives(net, coords)
    output = net(coords)
    torch.testing.assert_close(value, output)
    torch.testing.assert_close(grad, gradient(output, coords), rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(lap, laplacian(output, coords), rtol=1e-8, atol=1e-8)


def test_wire_matches_the_complex_gabor_network_of_its_paper():
    # WIRE in complex arithmetic: z = W u + b, a = exp(i w z - |s z|^2), output Re(W a + b).
    torch.manual_seed(0)
    net = MLP(
        2,
        1,
        8,
        1,
        layer="wire",
        first_params={"omega_0": 5.0, "gaussian_scale": 2.0},
        hidden_params={"omega_0": 5.0, "gaussian_scale": 2.0},
    ).double()
    x = torch.rand(20, 2, dtype=torch.float64)
    first, hidden = net.hidden
    z = x @ first.linear.weight.T + first.linear.bias
    a = torch.exp(1j * 5.0 * z - (2.0 * z.abs()) ** 2)
    weight = torch.complex(hidden.linear.weight, hidden.linear_imag.weight)
    bias = torch.complex(hidden.linear.bias, hidden.linear_imag.bias)
    z = a @ weight.T + bias
    a = torch.exp(1j * 5.0 * z - (2.0 * z.abs()) ** 2)
    m = a.shape[1]
    w_out = net.output.linear.weight
    out_weight = torch.complex(w_out[:, :m], -w_out[:, m:])
    expected = (a @ out_weight.T).real + net.output.linear.bias
    torch.testing.assert_close(net(x), expected)
    assert m == int(8 / math.sqrt(2))  # the reference's width for the same parameters


def test_each_initialisation_is_its_papers():
    torch.manual_seed(0)
    sine = MLP(
        2, 1, 256, 1, layer="sine", first_params={"omega_0": 30.0}, hidden_params={"omega_0": 30.0}
    )
    assert sine.hidden[0].linear.weight.abs().max() <= 1 / 2
    bound = math.sqrt(6 / 256) / 30
    assert bound * 0.98 < sine.hidden[1].linear.weight.abs().max() <= bound
    finer = MLP(
        2,
        1,
        256,
        1,
        layer="finer",
        first_params={"omega_0": 30.0, "first_bias_scale": 20.0},
        hidden_params={"omega_0": 30.0},
    )
    assert 19 < finer.hidden[0].linear.bias.abs().max() <= 20  # U(-k, k), first layer
    assert finer.hidden[1].linear.bias.abs().max() <= 1 / 16  # PyTorch's elsewhere
    assert bound * 0.98 < finer.hidden[1].linear.weight.abs().max() <= bound
    wire = MLP(2, 1, 256, 1, layer="wire")
    m = int(256 / math.sqrt(2))
    for part in (wire.hidden[1].linear.weight, wire.hidden[1].linear_imag.weight):
        assert 0.98 / math.sqrt(m) < part.abs().max() <= 1 / math.sqrt(m)
    assert wire.output.linear.weight.abs().max() <= 1 / math.sqrt(m)  # complex fan-in m
    assert wire.output.linear.weight.abs().max() > 1 / math.sqrt(2 * m)
    relu = MLP(2, 1, 256, 1, layer="relu")
    he = math.sqrt(6 / 256)
    assert he * 0.98 < relu.hidden[1].linear.weight.abs().max() <= he
    fourier = MLP(2, 1, 256, 1, layer="fourier", first_params={"fourier_scale": 10.0})
    encoding = fourier.hidden[0]
    assert isinstance(encoding, FourierFeatures) and encoding.out_features == 512
    frequencies = encoding.linear.weight / math.pi  # B ~ N(0, 10^2)
    assert 9 < frequencies.std() < 11 and not encoding.linear.weight.requires_grad
    glorot = math.sqrt(6 / (512 + 256))
    assert glorot * 0.98 < fourier.hidden[1].linear.weight.abs().max() <= glorot


def test_fourier_features_are_the_papers_encodings():
    x = 2 * torch.rand(10, 2, dtype=torch.float64) - 1
    gaussian = FourierFeatures(2, 4, scale=3.0).double()
    b = gaussian.linear.weight / math.pi
    v = (x + 1) / 2  # Tancik et al.'s coordinates on a unit interval
    expected = torch.cat([torch.cos(2 * math.pi * v @ b.T), torch.sin(2 * math.pi * v @ b.T)], 1)
    torch.testing.assert_close(gaussian(x), expected, atol=1e-5, rtol=0)  # B built in float32
    nerf = FourierFeatures(2, 3, encoding="positional").double()
    assert torch.allclose(nerf(x)[:, 6 + 3 + 1], torch.sin(2 * math.pi * x[:, 1]))  # k=1, axis 1
    with pytest.raises(ValueError, match="encoding must be one of"):
        FourierFeatures(2, encoding="nerf")
    with pytest.raises(ValueError, match="even"):
        WireLayer(3, 4)


def test_siren_and_relu_regressors_are_inr_regressor_at_a_fixed_activation():
    coords = grid_coords((16, 16))
    values = np.sin(3 * coords[:, 0]) * coords[:, 1]
    for fixed, activation in ((SirenRegressor, "sine"), (ReluMLPRegressor, "relu")):
        a = fixed(**SMALL).fit(coords, values).predict(coords)
        b = INRRegressor(activation=activation, **SMALL).fit(coords, values).predict(coords)
        np.testing.assert_array_equal(a, b)
    est = INRRegressor(**SMALL).fit(coords, values)
    assert est.omega_0_ == 60.0 and est.activation_params_ == {
        "omega_0": 60.0,
        "hidden_omega_0": 30.0,
    }


def test_a_parameter_the_activation_does_not_take_is_refused():
    coords = grid_coords((8, 8))
    with pytest.raises(ValueError, match="'relu' does not take omega_0"):
        INRRegressor(activation="relu", omega_0=30.0, **SMALL).fit(coords, coords[:, 0])
    with pytest.raises(ValueError, match="activation must be one of"):
        INRRegressor(activation="softplus", **SMALL).fit(coords, coords[:, 0])
    with pytest.raises(ValueError, match="rule for SIREN"):
        INRRegressor(activation="finer", omega_0="auto", **SMALL).fit(coords, coords[:, 0])


def test_grid_search_over_activations_names_every_candidate():
    coords = grid_coords((12, 12))
    values = np.cos(2 * coords[:, 0]) * coords[:, 1]
    grid = [
        {"activation": ["sine", "finer"], "omega_0": [10.0, 30.0]},
        {"activation": ["wire"], "gaussian_scale": [2.0, 5.0]},
        {"activation": ["relu"]},
        {"activation": ["fourier"], "fourier_scale": [1.0, 3.0]},
    ]
    search = GridSearchCV(INRRegressor(**SMALL), grid, cv=FullSampleSplit()).fit(coords, values)
    params = search.cv_results_["params"]
    assert len(params) == 4 + 2 + 1 + 2
    assert {p["activation"] for p in params} == {"sine", "finer", "wire", "relu", "fourier"}
    assert {"activation": "wire", "gaussian_scale": 5.0} in params
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


# Measured at 100 epochs (the image's mean alone reads 17.4 dB): FINER 33.4 dB, Fourier
# features 23.8, WIRE 19.9 (WIRE fits Poisson worst, as in docs/benchmarks.md).
POISSON_MINIMUM_PSNR = {"finer": 28.0, "fourier": 21.0, "wire": 18.5}


@pytest.mark.parametrize("activation", ["finer", "wire", "fourier"])
def test_every_activation_solves_a_poisson_problem(activation):
    yy, xx = np.mgrid[0:24, 0:24] / 24
    image = 0.5 + 0.3 * np.sin(4 * xx) * np.cos(3 * yy)
    coords, grad = image_to_samples(image_gradient(image))
    solver = PoissonSolver(
        activation=activation,
        hidden_features=32,
        hidden_layers=1,
        max_epochs=100,
        signal_mean=image.mean(),
        random_state=0,
    )
    recovered = solver.fit(coords, grad).predict(coords)
    assert recovered.shape == (24 * 24,)
    assert psnr(image.ravel(), recovered) > POISSON_MINIMUM_PSNR[activation]
    assert psnr(image.ravel(), np.full(24 * 24, image.mean())) < 17.5  # the mean alone
    assert solver.predict_laplacian(coords).shape == (24 * 24,)


@parametrize_with_checks(
    [INRRegressor(activation=a, hidden_features=64, hidden_layers=1) for a in ACTIVATIONS],
    expected_failed_checks=expected_failed_checks,  # the one list, test_sklearn_compat's
)
def test_inr_regressor_is_a_sklearn_estimator_at_each_activation(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoordinateRangeWarning)
        check(estimator)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_activation_plots_show_every_activation(activation):
    coords = grid_coords((16, 16))
    est = INRRegressor(activation=activation, **SMALL).fit(coords, np.sin(3 * coords[:, 0]))
    recorded = layer_activations(est, coords)
    names = [name for name, _ in recorded]
    layer = LAYERS[activation]
    width = layer.hidden_width(SMALL["hidden_features"])
    assert names[-1] == f"{layer.name} {len(names)}"
    assert recorded[-1][1].shape == (len(coords), width)
    assert all(np.isfinite(values).all() for _, values in recorded)
    figure = plot_activations(est, coords)
    assert len(figure.axes) == 2  # histograms and spectra
    assert_plots_the_activations(figure, recorded, coords)
    matplotlib.pyplot.close(figure)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_fits_audio_and_upscales_an_image(activation):
    t = np.linspace(0, 1, 400, endpoint=False)
    stereo = np.stack([np.sin(2 * np.pi * 5 * t), 0.5 * np.cos(2 * np.pi * 3 * t)], axis=1)
    coords, samples = audio_to_samples(stereo)
    est = INRRegressor(activation=activation, loss="mse+fft", **SMALL).fit(coords, samples)
    assert est.predict(coords).shape == (400, 2)
    # It learns: 3.7 (FINER) to 20.6 dB (Fourier features) over its 30 epochs, measured.
    psnrs = est.history_[:, "train_psnr"]
    assert psnrs[-1] > psnrs[0] + 3
    assert np.mean((est.predict(coords) - stereo) ** 2) < np.mean(np.var(stereo, axis=0))

    yy, xx = np.mgrid[0:12, 0:12] / 12
    image = np.stack([0.5 + 0.3 * np.sin(3 * xx + c) * np.cos(2 * yy) for c in range(3)], -1)
    high = SirenSuperResolver(activation=activation, **SMALL).upscale(image, 2)
    assert high.shape == (24, 24, 3) and np.isfinite(high).all()
