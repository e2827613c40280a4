"""Differential operators: autograd and finite differences against analytic derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sirenkit import grid_coords
from sirenkit.nn import LinearLayer, ReluMLP, SineLayer, Siren
from sirenkit.operators import (
    divergence,
    forward_derivatives,
    gradient,
    grid_gradient,
    grid_laplacian,
    image_gradient,
    image_laplacian,
    jacobian,
    laplacian,
    supports_forward_derivatives,
)

# (a, b) of the channels f_c(y, x) = sin(a y) cos(b x).
FREQUENCIES = [(2.0, 3.0), (1.5, 2.5), (3.0, 1.0)]
SHAPES = [(32, 48), (64, 96), (128, 192)]


def coords64(shape: tuple[int, ...]) -> torch.Tensor:
    """``grid_coords(shape)`` computed in float64.

    grid_coords is float32: its rounding (~6e-8) moves the samples, which a second difference
    amplifies by 1/h^2 and which would hide the O(h^2) truncation error on fine grids.
    """
    axes = np.meshgrid(*((2 * np.arange(n) + 1) / n - 1 for n in shape), indexing="ij")
    coords = np.stack([a.ravel() for a in axes], axis=-1)
    np.testing.assert_allclose(coords, grid_coords(shape), atol=1e-6)
    return torch.from_numpy(coords)


def analytic(coords: torch.Tensor, channels: int = 3):
    """f (n, C), its gradient (n, C, 2) and Laplacian (n, C) at ``coords`` (n, 2)."""
    a = torch.tensor([p[0] for p in FREQUENCIES[:channels]], dtype=coords.dtype)
    b = torch.tensor([p[1] for p in FREQUENCIES[:channels]], dtype=coords.dtype)
    y, x = coords[:, 0:1], coords[:, 1:2]
    f = torch.sin(a * y) * torch.cos(b * x)
    grad = torch.stack(
        [a * torch.cos(a * y) * torch.cos(b * x), -b * torch.sin(a * y) * torch.sin(b * x)], dim=-1
    )
    return f, grad, -(a**2 + b**2) * f


def tiny_siren(out_features: int = 1, **kwargs) -> Siren:
    torch.manual_seed(0)
    return Siren(2, out_features, hidden_features=8, hidden_layers=1, **kwargs).double()


# --------------------------------------------------------------------------------------------
# Autograd operators
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("dtype, atol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_autograd_matches_analytic(channels, dtype, atol):
    torch.manual_seed(0)
    coords = (2 * torch.rand(200, 2, dtype=dtype) - 1).requires_grad_(True)
    f, grad, lap = analytic(coords, channels)
    assert gradient(f, coords).shape == (200, channels, 2)
    torch.testing.assert_close(gradient(f, coords), grad, atol=atol, rtol=atol)
    torch.testing.assert_close(laplacian(f, coords), lap, atol=10 * atol, rtol=atol)
    torch.testing.assert_close(divergence(grad, coords), lap, atol=10 * atol, rtol=atol)


def test_batched_equals_per_channel_loop():
    net = tiny_siren(out_features=3)
    coords = torch.rand(50, 2, dtype=torch.float64, requires_grad=True)
    output = net(coords)
    loop_grad, loop_lap = [], []
    for c in range(3):
        (g,) = torch.autograd.grad(output[:, c].sum(), coords, create_graph=True)
        loop_grad.append(g)
        loop_lap.append(
            sum(
                torch.autograd.grad(g[:, k].sum(), coords, create_graph=True)[0][:, k]
                for k in range(2)
            )
        )
    torch.testing.assert_close(gradient(output, coords), torch.stack(loop_grad, dim=1))
    torch.testing.assert_close(laplacian(output, coords), torch.stack(loop_lap, dim=1))
    assert jacobian is gradient
    # The operator's double backward gives the independent loop's parameter gradients.
    batched_grads = torch.autograd.grad(
        laplacian(output, coords).pow(2).sum(), list(net.parameters())[:-1], retain_graph=True
    )
    loop_grads = torch.autograd.grad(
        torch.stack(loop_lap, dim=1).pow(2).sum(), list(net.parameters())[:-1]
    )
    for batched, looped in zip(batched_grads, loop_grads):
        torch.testing.assert_close(batched, looped)


def test_create_graph_false_gives_plain_tensors():
    net = tiny_siren(out_features=2)
    coords = torch.rand(10, 2, dtype=torch.float64, requires_grad=True)
    with_graph = laplacian(net(coords), coords)
    without = laplacian(net(coords), coords, create_graph=False)
    assert with_graph.requires_grad and not without.requires_grad
    torch.testing.assert_close(without, with_graph.detach())
    assert not gradient(net(coords), coords, create_graph=False).requires_grad


def test_laplacian_loss_backward():
    net = tiny_siren()
    coords = (2 * torch.rand(64, 2, dtype=torch.float64) - 1).requires_grad_(True)
    loss = laplacian(net(coords), coords).pow(2).mean()
    loss.backward()
    *hidden, output_bias = net.parameters()
    for parameter in hidden:
        assert torch.isfinite(parameter.grad).all() and parameter.grad.abs().sum() > 0
    assert output_bias.grad is None  # a constant offset has no Laplacian


def test_laplacian_gradcheck_through_parameters():
    net = tiny_siren(omega_0=3.0, hidden_omega_0=3.0)
    names = [name for name, _ in net.named_parameters()]
    coords = torch.rand(5, 2, dtype=torch.float64)

    def params_to_laplacian(*params):
        x = coords.clone().requires_grad_(True)
        output = torch.func.functional_call(net, dict(zip(names, params)), (x,))
        return laplacian(output, x)

    params = tuple(p.detach().clone().requires_grad_(True) for p in net.parameters())
    assert torch.autograd.gradcheck(params_to_laplacian, params)


def test_relu_laplacian_is_zero_but_siren_is_not():
    torch.manual_seed(0)
    coords = (2 * torch.rand(500, 2, dtype=torch.float64) - 1).requires_grad_(True)
    relu = ReluMLP(2, 2, hidden_features=32, hidden_layers=2).double()
    relu_output = relu(coords)
    assert gradient(relu_output, coords).abs().max() > 0
    assert torch.equal(laplacian(relu_output, coords), torch.zeros(500, 2, dtype=torch.float64))
    assert torch.equal(
        laplacian(relu(coords), coords, create_graph=False),
        torch.zeros(500, 2, dtype=torch.float64),
    )
    siren = tiny_siren(out_features=2)
    assert laplacian(siren(coords), coords).abs().mean() > 1e-2


def test_laplacian_of_affine_output_is_zero():
    coords = torch.rand(7, 2, requires_grad=True)
    linear = torch.nn.Linear(2, 3)  # gradient W does not depend on coords
    for output in (2 * coords[:, :1] + 1, linear(coords)):
        zeros = torch.zeros(7, output.shape[1])
        assert torch.equal(laplacian(output, coords), zeros)
        assert torch.equal(laplacian(output, coords, create_graph=False), zeros)


def test_autograd_errors():
    coords = torch.rand(5, 2)
    with pytest.raises(ValueError, match=r"coords must require grad \(coords.requires_grad_"):
        gradient(coords.sum(dim=1, keepdim=True), coords)
    coords.requires_grad_(True)
    with pytest.raises(ValueError, match="output"):
        gradient(coords.sum(dim=1), coords)
    with pytest.raises(ValueError, match="coords must require grad"):
        gradient(torch.ones(5, 1, requires_grad=True), coords)  # not computed from coords
    with pytest.raises(ValueError, match="coords must require grad"):
        gradient(torch.ones(5, 1), coords)
    field = gradient(coords.pow(3), coords, create_graph=False)
    with pytest.raises(ValueError, match="create_graph=True"):
        divergence(field, coords)
    with pytest.raises(ValueError, match="field"):
        divergence(coords, coords)


# --------------------------------------------------------------------------------------------
# Forward (closed-form) derivatives
# --------------------------------------------------------------------------------------------


def test_forward_derivatives_of_one_sine_layer_are_analytic():
    # f(x) = sin(omega (w . x + b)): grad = omega w cos(.), Laplacian = -omega^2 |w|^2 sin(.)
    layer = SineLayer(3, 1, omega_0=2.5).double()
    output_layer = LinearLayer(1, 1).double()
    with torch.no_grad():
        output_layer.linear.weight.fill_(1.0)
        output_layer.linear.bias.zero_()
    coords = 2 * torch.rand(50, 3, dtype=torch.float64) - 1
    value, grad, lap = forward_derivatives(torch.nn.Sequential(layer, output_layer), coords)
    w, b = layer.linear.weight[0].detach(), layer.linear.bias[0].detach()
    phase = 2.5 * (coords @ w + b)
    torch.testing.assert_close(value[:, 0], torch.sin(phase))
    torch.testing.assert_close(grad[:, 0], 2.5 * torch.cos(phase)[:, None] * w)
    torch.testing.assert_close(lap[:, 0], -(2.5**2) * w.square().sum() * torch.sin(phase))


@pytest.mark.parametrize("n_dims, channels", [(1, 1), (2, 3), (3, 2)])
def test_forward_derivatives_equal_autograd(n_dims, channels):
    torch.manual_seed(n_dims)
    net = Siren(n_dims, channels, hidden_features=16, hidden_layers=2, omega_0=10.0).double()
    coords = (2 * torch.rand(40, n_dims, dtype=torch.float64) - 1).requires_grad_(True)
    output = net(coords)
    value, grad, lap = forward_derivatives(net, coords)
    torch.testing.assert_close(value, output)
    torch.testing.assert_close(grad, gradient(output, coords), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(lap, laplacian(output, coords), rtol=1e-10, atol=1e-10)
    value1, grad1, lap1 = forward_derivatives(net, coords, order=1)
    assert lap1 is None and torch.equal(grad1, grad) and torch.equal(value1, value)


def test_forward_derivatives_train_like_autograd():
    # A loss on the forward Laplacian has the parameter gradients of the reverse-mode one
    # (a third derivative of the network).
    net = tiny_siren(out_features=2, omega_0=5.0, hidden_omega_0=5.0)
    coords = (2 * torch.rand(30, 2, dtype=torch.float64) - 1).requires_grad_(True)
    target = torch.rand(30, 2, dtype=torch.float64)
    grads = []
    for lap in (forward_derivatives(net, coords)[2], laplacian(net(coords), coords)):
        net.zero_grad()
        (lap - target).square().mean().backward()
        grads.append([p.grad.clone() for p in net.parameters() if p.grad is not None])
    assert len(grads[0]) == len(grads[1]) == len(list(net.parameters())) - 1
    for forward_grad, reverse_grad in zip(*grads):
        torch.testing.assert_close(forward_grad, reverse_grad, rtol=1e-9, atol=1e-12)


def test_forward_derivatives_of_a_relu_mlp():
    torch.manual_seed(0)
    relu = ReluMLP(2, 3, hidden_features=32, hidden_layers=2).double()
    coords = (2 * torch.rand(200, 2, dtype=torch.float64) - 1).requires_grad_(True)
    output = relu(coords)
    value, grad, lap = forward_derivatives(relu, coords)
    torch.testing.assert_close(value, output)
    torch.testing.assert_close(grad, gradient(output, coords))
    assert grad.abs().max() > 0 and torch.equal(lap, torch.zeros_like(lap))


def test_forward_derivatives_errors():
    assert supports_forward_derivatives(Siren(2, 1)) and supports_forward_derivatives(ReluMLP(2, 1))
    other = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    assert not supports_forward_derivatives(other)
    with pytest.raises(TypeError, match="Tanh"):
        forward_derivatives(other, torch.zeros(3, 2))
    with pytest.raises(ValueError, match="order"):
        forward_derivatives(Siren(2, 1), torch.zeros(3, 2), order=3)
    with pytest.raises(ValueError, match="coords must be a 2-D"):
        forward_derivatives(Siren(2, 1), torch.zeros(3))


# --------------------------------------------------------------------------------------------
# Grid operators
# --------------------------------------------------------------------------------------------


def grid_errors(shape: tuple[int, int]) -> tuple[float, float]:
    """Max interior (2-sample margin) errors of grid_gradient and grid_laplacian."""
    f, grad, lap = analytic(coords64(shape))
    values = f.reshape(*shape, 3)
    gradient_error = grid_gradient(values) - grad.reshape(*shape, 3, 2)
    laplacian_error = grid_laplacian(values) - lap.reshape(*shape, 3)
    return (
        float(gradient_error[2:-2, 2:-2].abs().max()),
        float(laplacian_error[2:-2, 2:-2].abs().max()),
    )


def test_grid_operators_converge_at_second_order():
    errors = np.array([grid_errors(shape) for shape in SHAPES])  # (3 grids, 2 operators)
    assert errors[0, 0] < 0.03 and errors[0, 1] < 0.04
    ratios = errors[:-1] / errors[1:]
    # Halving the pitch divides an O(h^2) error by 4 (measured: 3.99-4.00).
    assert np.all((ratios > 3.7) & (ratios < 4.3)), ratios


def test_grid_operators_exact_on_quadratics_non_square():
    shape = (10, 24)
    coords = coords64(shape)
    y, x = coords[:, 0], coords[:, 1]
    values = torch.stack([y**2 + 3 * x**2, 2 * y - x], dim=1).reshape(*shape, 2)
    lap = grid_laplacian(values)[1:-1, 1:-1]
    torch.testing.assert_close(lap, torch.tensor([8.0, 0.0], dtype=torch.float64).expand_as(lap))
    # Sobel is exact on the ramp; on y^2 + 3 x^2 its error is the smoothing term only.
    ramp_gradient = grid_gradient(values)[1:-1, 1:-1, 1]
    expected = torch.tensor([2.0, -1.0], dtype=torch.float64).expand_as(ramp_gradient)
    torch.testing.assert_close(ramp_gradient, expected)


def test_grid_matches_autograd_on_a_siren():
    net = tiny_siren(omega_0=5.0, hidden_omega_0=5.0)
    shape = (128, 192)
    coords = coords64(shape).requires_grad_(True)
    output = net(coords)
    values = output.detach().reshape(*shape, 1)
    auto_grad = gradient(output, coords).detach().reshape(*shape, 1, 2)
    auto_lap = laplacian(output, coords).detach().reshape(*shape, 1)
    grad_error = (grid_gradient(values) - auto_grad)[2:-2, 2:-2].abs().max()
    lap_error = (grid_laplacian(values) - auto_lap)[2:-2, 2:-2].abs().max()
    # Measured: 8e-4 and 3e-4 of the largest value.
    assert grad_error < 3e-3 * auto_grad.abs().max()
    assert lap_error < 3e-3 * auto_lap.abs().max()


def test_grid_operators_1d():
    k = 5.0
    errors = []
    for n in (100, 200, 400):
        t = coords64((n,))
        signal = torch.sin(k * t)  # (n, 1)
        grad, lap = grid_gradient(signal), grid_laplacian(signal)
        assert grad.shape == (n, 1, 1) and lap.shape == (n, 1)
        # The Sobel smoothing across the singleton axis is a no-op: a plain central difference.
        central = (signal[2:] - signal[:-2]) / (2 * 2.0 / n)
        torch.testing.assert_close(grad[1:-1, :, 0], central)
        errors.append(
            [
                float((grad[2:-2, :, 0] - k * torch.cos(k * t[2:-2])).abs().max()),
                float((lap[2:-2] + k**2 * signal[2:-2]).abs().max()),
            ]
        )
    errors = np.array(errors)
    assert errors[0, 0] < 0.01 and errors[0, 1] < 0.03
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 3.7) & (ratios < 4.3)), ratios


def test_volume_operators_match_analytic_derivatives_at_second_order():
    # f = sin(2 z) cos(y) + x^2 y on (D, H, W) grids of non-cubic cells, axes (z, y, x).
    errors = []
    for n in (16, 32, 64):
        shape = (n, n + 4, n // 2 + 8)
        z, y, x = torch.from_numpy(grid_coords(shape)).double().T
        f = torch.sin(2 * z) * torch.cos(y) + x**2 * y
        exact_gradient = torch.stack(
            [
                2 * torch.cos(2 * z) * torch.cos(y),
                -torch.sin(2 * z) * torch.sin(y) + x**2,
                2 * x * y,
            ],
            -1,
        ).reshape(*shape, 1, 3)
        exact_laplacian = (-5 * torch.sin(2 * z) * torch.cos(y) + 2 * y).reshape(*shape, 1)
        grid = f.reshape(*shape, 1)
        inner = (slice(1, -1),) * 3
        errors.append(
            [
                float((grid_gradient(grid) - exact_gradient)[inner].abs().max()),
                float((grid_laplacian(grid) - exact_laplacian)[inner].abs().max()),
            ]
        )
    errors = np.array(errors)
    assert errors[-1, 0] < 2e-3 and errors[-1, 1] < 5e-3, errors
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 3.3) & (ratios < 4.7)), ratios


def test_grid_shapes_and_errors():
    assert grid_gradient(torch.zeros(6, 9, 4)).shape == (6, 9, 4, 2)
    assert grid_laplacian(torch.zeros(6, 9, 4)).shape == (6, 9, 4)
    assert grid_laplacian(torch.zeros(6, 9, 4, dtype=torch.float64)).dtype == torch.float64
    assert grid_gradient(torch.zeros(5, 6, 7, 2)).shape == (5, 6, 7, 2, 3)
    assert grid_laplacian(torch.zeros(5, 6, 7, 2)).shape == (5, 6, 7, 2)
    with pytest.raises(NotImplementedError, match="3-D .D, H, W, C"):
        grid_gradient(torch.zeros(4, 4, 4, 4, 1))
    with pytest.raises(NotImplementedError):
        grid_laplacian(torch.zeros(4, 4, 4, 4, 1))
    with pytest.raises(ValueError, match="channels-last"):
        grid_laplacian(torch.zeros(10))


def test_image_wrappers():
    rng = np.random.default_rng(0)
    rgb = rng.random((12, 20, 3)).astype(np.float32)
    grad, lap = image_gradient(rgb), image_laplacian(rgb)
    assert grad.shape == (12, 20, 6) and grad.dtype == np.float32
    assert lap.shape == (12, 20, 3) and lap.dtype == np.float32
    # Channel-major: [c0 d/dy, c0 d/dx, c1 d/dy, ...].
    expected = grid_gradient(torch.from_numpy(rgb).double()).reshape(12, 20, 6).numpy()
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(grad[..., 2:4], image_gradient(rgb[..., 1]), rtol=1e-6)
    grey = rgb[..., 0]
    assert image_gradient(grey).shape == (12, 20, 2)
    assert image_laplacian(grey).shape == (12, 20)
    np.testing.assert_allclose(image_laplacian(grey), lap[..., 0], rtol=1e-6)
    # Units of the [-1, 1] convention: a ramp 0..H-1 in pixels has slope (H / 2) per unit.
    ramp = np.repeat(np.arange(12.0)[:, None], 20, axis=1)
    np.testing.assert_allclose(image_gradient(ramp)[1:-1, :, 0], 6.0, rtol=1e-6)
    with pytest.raises(ValueError, match="image"):
        image_gradient(np.zeros(5))
