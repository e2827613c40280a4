import math

import pytest
import torch

from sirenkit.nn import LAYERS, MLP, Layer, ReluMLP, SineLayer, Siren, init_linear_, register_layer


def test_sine_layer_computes_sin_of_scaled_affine_map():
    torch.manual_seed(0)
    layer = SineLayer(3, 5, omega_0=7.0)
    x = torch.randn(4, 3)
    expected = torch.sin(7.0 * (x @ layer.linear.weight.T + layer.linear.bias))
    torch.testing.assert_close(layer(x), expected)


def test_sitzmann_bounds():
    torch.manual_seed(0)
    first = init_linear_(torch.nn.Linear(2, 4096), "sitzmann", is_first=True)
    hidden = init_linear_(torch.nn.Linear(256, 256), "sitzmann", omega_0=30.0)
    assert first.weight.abs().max() <= 0.5 and first.weight.abs().max() > 0.49
    bound = math.sqrt(6 / 256) / 30
    assert hidden.weight.abs().max() <= bound and hidden.weight.abs().max() > 0.99 * bound


def test_xavier_and_he_bounds():
    torch.manual_seed(0)
    xavier = init_linear_(torch.nn.Linear(256, 128), "xavier")
    he = init_linear_(torch.nn.Linear(256, 128), "he")
    assert xavier.weight.abs().max() <= math.sqrt(6 / (256 + 128))
    assert xavier.weight.abs().max() > 0.99 * math.sqrt(6 / (256 + 128))
    assert he.weight.abs().max() <= math.sqrt(6 / 256)
    assert he.weight.abs().max() > 0.99 * math.sqrt(6 / 256)


def test_unknown_init_scheme():
    with pytest.raises(ValueError, match="init scheme must be one of"):
        init_linear_(torch.nn.Linear(2, 2), "orthogonal")


def test_siren_structure_and_omegas():
    net = Siren(2, 3, hidden_features=8, hidden_layers=2, omega_0=12.0, hidden_omega_0=25.0)
    sines = [m for m in net.modules() if isinstance(m, SineLayer)]
    assert [s.omega_0 for s in sines] == [12.0, 25.0, 25.0]
    assert net.output.linear.out_features == 3 and list(net.layers)[-1] is net.output
    assert net(torch.zeros(10, 2)).shape == (10, 3)


def test_sitzmann_init_keeps_activations_distributed():
    # The point of the initialisation: hidden pre-activations stay ~N(0, 1)-like through
    # depth (Sitzmann et al. Thm 1.8), with std close to 1.
    torch.manual_seed(0)
    net = Siren(2, 1, hidden_features=512, hidden_layers=4)
    x = torch.rand(4096, 2) * 2 - 1
    with torch.no_grad():
        for layer in net.hidden:
            pre = layer.omega_0 * layer.linear(x)
            x = torch.sin(pre)
    assert 0.7 < float(pre.std()) < 1.3


def test_relu_mlp_is_piecewise_linear_without_frequency_factor():
    torch.manual_seed(0)
    net = ReluMLP(1, 1, hidden_features=16, hidden_layers=2)
    assert not any(isinstance(m, SineLayer) for m in net.modules())
    x = torch.linspace(-1, 1, 2001)[:, None]
    second_difference = net(x)[2:] - 2 * net(x)[1:-1] + net(x)[:-2]
    # Zero except at the few kinks.
    assert (second_difference.abs() > 1e-5).float().mean() < 0.05


# -- a new layer type: one class and its registration, no edit elsewhere -------------------
class GaussLayer(Layer):
    """``exp(-(s z)^2 / 2)``: defined only by its activation and derivatives."""

    def __init__(self, in_features, out_features, *, scale=3.0, init="auto", is_first=False):
        self.scale = scale
        super().__init__(in_features, out_features, init=init, is_first=is_first)

    def activation(self, z):
        return torch.exp(-0.5 * (self.scale * z) ** 2)

    def activation_derivatives(self, z):
        value = self.activation(z)
        slope = -(self.scale**2) * z * value
        return value, slope, self.scale**2 * ((self.scale * z) ** 2 - 1) * value


@pytest.fixture
def gauss_layer():
    register_layer("test-gauss")(GaussLayer)
    yield "test-gauss"
    del LAYERS["test-gauss"]


def test_a_registered_layer_gets_derivatives_estimators_and_plots(gauss_layer):
    from sirenkit import grid_coords
    from sirenkit._base import BaseINR
    from sirenkit._plan import Model, SignalMap
    from sirenkit.operators import forward_derivatives, gradient, laplacian
    from sirenkit.plotting import layer_activations

    torch.manual_seed(0)
    net = MLP(2, 2, 16, 2, layer=gauss_layer, hidden_params={"scale": 2.0}).double()
    coords = (2 * torch.rand(30, 2, dtype=torch.float64) - 1).requires_grad_(True)
    value, grad, lap = forward_derivatives(net, coords)
    torch.testing.assert_close(grad, gradient(net(coords), coords))
    torch.testing.assert_close(lap, laplacian(net(coords), coords))
    with pytest.raises(ValueError, match="already registered"):
        register_layer(gauss_layer)(GaussLayer)

    class GaussRegressor(BaseINR):
        def _model(self, X, y):
            signal = SignalMap.from_range(y)
            return Model(self._network(X, signal.n_outputs, gauss_layer), signal)

    points = grid_coords((8, 8))
    est = GaussRegressor(hidden_features=16, hidden_layers=1, max_epochs=5).fit(
        points, points[:, 0]
    )
    assert est.predict_gradient(points).shape == (64, 2)
    assert [name for name, _ in layer_activations(est, points)] == ["test-gauss 1", "test-gauss 2"]


@pytest.mark.parametrize("encoding", [None, dict(levels=2, finest=8, coarsest=4)])
@pytest.mark.parametrize("layer", ["sine", "relu", "fourier"])
def test_weight_scaling_multiplies_every_trained_weight_matrix_but_the_output(layer, encoding):
    from sirenkit.nn import NetworkSpec

    plain = NetworkSpec(layer, 2, 3, 16, 2, encoding=encoding)
    scaled = NetworkSpec(layer, 2, 3, 16, 2, encoding=encoding, weight_scale=2.5)
    a, b = plain.build(seed=0), scaled.build(seed=0)
    trained = [i for i, m in enumerate(a.hidden) if getattr(m, "linear", None) is not None]
    for i, (one, other) in enumerate(zip(a.hidden, b.hidden)):
        for (name, x), (_, y) in zip(one.named_parameters(), other.named_parameters()):
            factor = 2.5 if name == "linear.weight" and one.linear.weight.requires_grad else 1.0
            torch.testing.assert_close(y, factor * x, msg=f"hidden.{i}.{name}")
    assert len(trained) >= 3
    for x, y in zip(a.output.parameters(), b.output.parameters()):
        torch.testing.assert_close(x, y)
