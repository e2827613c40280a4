"""PDESolver: manufactured solutions, the residual interface, conditions and errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from sirenkit import grid_coords
from sirenkit.metrics import relative_l2_error
from sirenkit.nn import MLP, Siren
from sirenkit.pde import Condition, Fields, PDESolver, finite_difference_wave


def square_edges(n: int = 64) -> np.ndarray:
    s = np.linspace(-1, 1, n)
    ones = np.ones(n)
    return np.concatenate(
        [np.stack(p, axis=1) for p in ((s, -ones), (s, ones), (-ones, s), (ones, s))]
    )


def poisson_1d(f: Fields) -> torch.Tensor:
    """-u'' = pi^2 sin(pi x): u = sin(pi x) with u(-1) = u(1) = 0."""
    return -f.laplacian - torch.pi**2 * torch.sin(torch.pi * f.x)


def poisson_2d(f: Fields) -> torch.Tensor:
    """-lap u = 2 pi^2 sin(pi x) sin(pi y): u = sin(pi x) sin(pi y), zero on the square."""
    x, y = f.x[:, :1], f.x[:, 1:]
    return -f.laplacian - 2 * torch.pi**2 * torch.sin(torch.pi * x) * torch.sin(torch.pi * y)


def poisson_with_source(f: Fields) -> torch.Tensor:
    return -f.laplacian - f.source


K = 4.0  # the plane wave's wavenumber


def helmholtz(f: Fields) -> torch.Tensor:
    """lap u + k^2 u = 0 for the complex field u (two channels)."""
    return f.laplacian + K**2 * f.u


def plane_wave(X: np.ndarray) -> np.ndarray:
    """exp(i k d.x) along d = (0.6, 0.8), as real and imaginary parts."""
    phase = K * (0.6 * X[:, 0] + 0.8 * X[:, 1])
    return np.stack([np.cos(phase), np.sin(phase)], axis=1)


def test_poisson_with_dirichlet_ends_is_solved_to_1e_3():
    X = grid_coords(64)
    ends = Condition(np.array([[-1.0], [1.0]]), np.zeros(2))
    est = PDESolver(residual=poisson_1d, conditions=[ends], random_state=0).fit(X)
    exact = np.sin(np.pi * X[:, 0])
    assert relative_l2_error(exact, est.predict(X)) <= 1e-3
    # Between the collocation points too.
    between = grid_coords(101)
    assert relative_l2_error(np.sin(np.pi * between[:, 0]), est.predict(between)) <= 1e-3
    assert est.score(X) > -1e-2


def test_poisson_on_the_square_with_a_sampled_source_is_solved_to_1e_2():
    X = grid_coords((24, 24))
    exact = np.sin(np.pi * X[:, 0]) * np.sin(np.pi * X[:, 1])
    edges = square_edges()
    est = PDESolver(
        residual=poisson_with_source,
        conditions=[Condition(edges, np.zeros(len(edges)))],
        max_epochs=1000,
        random_state=0,
    ).fit(X, 2 * np.pi**2 * exact)
    assert relative_l2_error(exact, est.predict(X)) <= 1e-2
    with pytest.raises(ValueError, match="pass y at X as in fit"):
        est.score(X)


def test_helmholtz_plane_wave_is_solved_to_1e_2():
    X = grid_coords((24, 24))
    edges = square_edges()
    est = PDESolver(
        residual=helmholtz,
        conditions=[Condition(edges, plane_wave(edges))],
        n_outputs=2,
        max_epochs=1000,
        random_state=0,
    ).fit(X)
    assert est.predict(X).shape == (len(X), 2)
    assert relative_l2_error(plane_wave(X), est.predict(X)) <= 1e-2


def test_a_derivative_condition_and_second_derivatives_along_an_axis():
    """u'' = 0 with u(0) = 1 and u'(0) = 2: the line u = 1 + 2x."""

    def straight(f: Fields) -> torch.Tensor:
        return f.derivative(0, order=2)

    start = np.array([[0.0]])
    est = PDESolver(
        residual=straight,
        conditions=[Condition(start, [1.0]), Condition(start, [2.0], axis=0)],
        max_epochs=1500,
        random_state=0,
    ).fit(grid_coords(32))
    X = grid_coords(32)
    assert relative_l2_error(1 + 2 * X[:, 0], est.predict(X)) <= 1e-2
    np.testing.assert_allclose(est.predict_gradient(X).ravel(), 2.0, atol=0.05)


def test_fields_derivatives_are_the_exact_ones():
    torch.manual_seed(0)
    net = Siren(2, 2, 16, 1, omega_0=3.0).double()
    x = torch.rand(20, 2, dtype=torch.float64).requires_grad_(True)
    fields = Fields(net, x)
    u = net(x)
    for c in range(2):
        (first,) = torch.autograd.grad(u[:, c].sum(), x, create_graph=True)
        torch.testing.assert_close(fields.gradient[:, c], first)
        for axis in range(2):
            (second,) = torch.autograd.grad(first[:, axis].sum(), x, create_graph=True)
            torch.testing.assert_close(fields.derivative(axis, 2)[:, c], second[:, axis])
            torch.testing.assert_close(fields.derivative(axis)[:, c], first[:, axis])
    torch.testing.assert_close(fields.laplacian, fields.derivative(0, 2) + fields.derivative(1, 2))
    relu = MLP(2, 1, 16, 1, layer="relu")
    flat = Fields(relu, torch.rand(5, 2).requires_grad_(True))
    assert flat.derivative(1, 2).abs().max() == 0  # piecewise linear: zero, not an error


def test_grid_search_over_omega_0_and_activation_on_an_equation():
    X = grid_coords(48)
    ends = Condition(np.array([[-1.0], [1.0]]), np.zeros(2))
    search = GridSearchCV(
        PDESolver(residual=poisson_1d, conditions=[ends], max_epochs=150, random_state=0),
        {"activation": ["sine", "relu"], "omega_0": [2.0, 5.0]},
        cv=[(np.arange(0, 48, 2), np.arange(1, 48, 2))],
        error_score="raise",
    )
    # ReLU takes no omega_0: those candidates are refused, which GridSearchCV reports.
    search.set_params(
        param_grid=[
            {"activation": ["sine"], "omega_0": [2.0, 5.0]},
            {"activation": ["relu"]},
        ]
    )
    search.fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 3 and np.all(scores <= 0)
    # A ReLU network's Laplacian is zero: it cannot satisfy -u'' = f, the sine can.
    assert search.best_params_["activation"] == "sine"
    assert pickle.loads(pickle.dumps(search.best_estimator_)).predict(X).shape == (48,)


def test_bad_input_gets_clear_errors():
    X = grid_coords(16)
    ends = Condition(np.array([[-1.0], [1.0]]), np.zeros(2))
    with pytest.raises(ValueError, match="residual is required"):
        PDESolver(conditions=[ends]).fit(X)
    with pytest.raises(ValueError, match=r"residual must return a tensor of shape \(n, \.\.\.\)"):
        PDESolver(residual=lambda f: f.u.sum(), max_epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"residual must return a tensor .* got float"):
        PDESolver(residual=lambda f: 0.0, max_epochs=1).fit(X)
    wrong_dims = Condition(np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"conditions\[0\].points must have shape \(m, 1\)"):
        PDESolver(residual=poisson_1d, conditions=[wrong_dims], max_epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"conditions\[1\].values must have shape \(2,\)"):
        PDESolver(
            residual=poisson_1d, conditions=[ends, (ends.points, np.zeros(3))], max_epochs=1
        ).fit(X)
    with pytest.raises(ValueError, match=r"conditions\[0\] has non-finite points or values"):
        PDESolver(
            residual=poisson_1d, conditions=[Condition(ends.points, [0.0, np.nan])], max_epochs=1
        ).fit(X)
    with pytest.raises(ValueError, match=r"conditions\[0\].axis must be None or 0 to 0"):
        PDESolver(residual=poisson_1d, conditions=[Condition(ends.points, [0, 0], axis=1)]).fit(X)
    with pytest.raises(ValueError, match="batch_size must be 'auto' or None"):
        PDESolver(residual=poisson_1d, batch_size=8).fit(X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        PDESolver(residual=poisson_1d).fit(np.full((4, 1), np.nan))


class StretchedPlaneWave(torch.nn.Module):
    """exp(i k d.x~) in the PML's stretched coordinates x~_a = x_a + i (sigma_0 / k)
    sign(x_a) w depth^3 / 3: the exact solution of the stretched source-free equation."""

    def __init__(self, equation, direction=(0.6, 0.8)) -> None:
        super().__init__()
        self.equation, self.direction = equation, direction

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        eq = self.equation
        phase = 0
        for a, d in enumerate(self.direction):
            depth = ((x[:, a].abs() - eq.pml_start) / eq.pml_width).clamp(min=0)
            shift = eq.pml_strength / eq.wavenumber * torch.sign(x[:, a]) * eq.pml_width
            stretched = torch.complex(x[:, a], shift * depth**3 / 3)
            phase = phase + eq.wavenumber * d * stretched
        u = torch.exp(1j * phase)
        return torch.stack([u.real, u.imag], dim=1)


@pytest.mark.parametrize("pml_start", [None, 0.5])
def test_the_helmholtz_residual_vanishes_on_its_exact_solutions(pml_start):
    from sirenkit.pde import Helmholtz

    equation = Helmholtz(7.0, pml_start=pml_start if pml_start else 2.0, pml_width=0.4)
    wave = StretchedPlaneWave(equation).double()
    x = (torch.rand(200, 2, dtype=torch.float64) * 2 - 1).requires_grad_(True)
    residual = equation(Fields(wave, x))
    assert residual.shape == (200, 2)
    assert residual.abs().max() < 1e-9 * equation.wavenumber**2
    # The same field with the layer switched off (or another k) does not solve it.
    wrong = Helmholtz(7.5, pml_start=equation.pml_start, pml_width=0.4)
    assert wrong(Fields(wave, x)).abs().max() > 1


def test_the_wave_residual_vanishes_on_d_alembert_solutions():
    from sirenkit.pde import Wave

    class Travelling(torch.nn.Module):
        def forward(self, tx):
            t, x = tx[:, :1], tx[:, 1:]
            return torch.exp(-((x - 2 * t) ** 2)) + torch.sin(3 * (x + 2 * t))

    x = torch.rand(100, 2, dtype=torch.float64).requires_grad_(True)
    assert Wave(speed=2.0)(Fields(Travelling(), x)).abs().max() < 1e-9
    assert Wave(speed=1.0)(Fields(Travelling(), x)).abs().max() > 1


def test_a_warm_start_keeps_the_residual_scale_and_continues():
    X = grid_coords(32)
    ends = Condition(np.array([[-1.0], [1.0]]), np.zeros(2))
    est = PDESolver(residual=poisson_1d, conditions=[ends], max_epochs=300, random_state=0)
    est.fit(X)
    scale, score = est.residual_scale_, est.score(X)
    # Continued at a small rate: a fresh Adam at 1e-3 would shake the converged solution.
    est.set_params(warm_start=True, max_epochs=200, lr=1e-5).fit(X)
    assert est.residual_scale_ == scale and len(est.history_) == 500
    assert est.score(X) > 2 * score  # no worse than twice the mean squared residual


def test_the_objective_propagates_once_per_step_at_the_order_its_residual_reads(monkeypatch):
    from sirenkit import operators
    from sirenkit.pde import PDEObjective

    calls = []
    propagate = operators.forward_derivatives

    def counted(module, coords, order=2):
        calls.append(order)
        return propagate(module, coords, order)

    monkeypatch.setattr(operators, "forward_derivatives", counted)

    def reads_all(f):  # the value, then the gradient, then the Laplacian
        return f.u + f.gradient[:, :, 0] + f.laplacian

    objective = PDEObjective(reads_all, 8, [], 1.0, None)
    net = Siren(1, 1, 8, 1, omega_0=3.0)
    coords = torch.linspace(-1, 1, 8)[:, None]
    first = objective(net, coords)[1]
    assert calls == [1, 2] and objective.order == 2  # learnt on the first step
    calls.clear()
    second = objective(net, coords)[1]
    assert calls == [2]  # then one propagation, to order 2
    torch.testing.assert_close(first, second)


def test_the_finite_difference_wave_converges_at_second_order_to_a_standing_wave():
    def error(n: int) -> float:
        x = np.linspace(-1, 1, n)
        grid = np.meshgrid(x, x, indexing="ij")
        mode = np.sin(np.pi * (grid[0] + 1) / 2) * np.sin(np.pi * (grid[1] + 1) / 2)
        times = np.array([0.1, 0.5, 1.3])
        u = finite_difference_wave(mode, x[1] - x[0], times, speed=2.0)
        frequency = 2.0 * np.pi / 2 * np.sqrt(2)  # c |k|, k = (pi/2, pi/2)
        return np.abs(u - mode * np.cos(frequency * times)[:, None, None]).max()

    coarse, fine = error(41), error(81)
    assert fine < 2e-4
    assert 3.5 < coarse / fine < 4.5  # halving the spacing divides the error by 4


def test_the_finite_difference_wave_matches_d_alembert_and_an_initial_velocity():
    x = np.linspace(-2, 2, 801)
    times = [0.0, 0.3, 0.6]
    u = finite_difference_wave(np.exp(-(x**2) / 0.045), x[1] - x[0], times)
    exact = [
        0.5 * (np.exp(-((x - t) ** 2) / 0.045) + np.exp(-((x + t) ** 2) / 0.045)) for t in times
    ]
    assert np.abs(u - np.stack(exact)).max() < 1e-4
    # u = sin(pi x) sin(pi t) / pi on [0, 1]: flat at first, pushed by u_t = sin(pi x).
    x = np.linspace(0, 1, 201)
    u = finite_difference_wave(
        np.zeros_like(x), x[1] - x[0], [0.5, 1.5], velocity=np.sin(np.pi * x)
    )
    exact = np.sin(np.pi * x) * np.sin(np.pi * np.array([[0.5], [1.5]])) / np.pi
    assert np.abs(u - exact).max() < 1e-4


def test_the_finite_difference_wave_refuses_bad_input():
    grid = np.zeros((5, 5))
    with pytest.raises(ValueError, match="initial must be a finite grid"):
        finite_difference_wave(np.zeros((5, 2)), 0.1, [1.0])
    with pytest.raises(ValueError, match="velocity must be finite, of shape"):
        finite_difference_wave(grid, 0.1, [1.0], velocity=np.zeros(5))
    with pytest.raises(ValueError, match="times must be finite, non-decreasing"):
        finite_difference_wave(grid, 0.1, [1.0, 0.5])
    with pytest.raises(ValueError, match="spacing must be a number > 0"):
        finite_difference_wave(grid, 0.0, [1.0])
    with pytest.raises(ValueError, match="courant must be at most 1"):
        finite_difference_wave(grid, 0.1, [1.0], courant=1.5)


@pytest.mark.parametrize("balance", [True, False])
def test_the_initial_scale_balances_the_gradients_of_the_residual_and_the_conditions(balance):
    from sirenkit.pde import PDEObjective

    torch.manual_seed(0)
    net = Siren(2, 2, 16, 1, omega_0=3.0).double()
    X = torch.rand(50, 2, dtype=torch.float64) * 2 - 1
    edges = square_edges(8)
    condition = Condition(edges, plane_wave(edges)).checked(2, 2, 0)
    objective = PDEObjective(helmholtz, 50, [condition], 0.5, None, None, balance)
    coords = torch.cat([X, torch.as_tensor(edges)])
    terms = objective(net, coords)[1][:, 0]
    residual = objective.residual_of(objective.fields(net, X)).detach()
    if not balance:  # the initial residual's root mean square
        assert objective.scale == pytest.approx(float(residual.square().mean().sqrt()))
        return
    # With the scale found, the two weighted terms of the loss have equal gradient norms.
    params = list(net.parameters())

    def gradient_norm(loss):
        return torch.cat(
            [g.flatten() for g in torch.autograd.grad(loss, params, retain_graph=True)]
        ).norm()

    in_residual, in_conditions = terms[: residual.numel()], terms[residual.numel() :]
    torch.testing.assert_close(
        gradient_norm(in_residual.square().sum()), gradient_norm(in_conditions.square().sum())
    )
    assert in_residual.square().sum().item() == pytest.approx(
        0.5 * residual.square().mean().item() / objective.scale**2
    )


def test_the_residual_scale_options_reach_the_objective():
    X = grid_coords(16)
    ends = Condition(np.array([[-1.0], [1.0]]), np.zeros(2))
    scales = {}
    for mode in ("auto", "rms", 3.0):
        # A step at lr 1e-12 leaves the initial network: its residual is the first one.
        est = PDESolver(
            residual=poisson_1d, conditions=[ends], residual_scale=mode, max_epochs=1, lr=1e-12
        ).set_params(random_state=0)
        scales[mode] = est.fit(X).residual_scale_
    initial_rms = np.sqrt(np.mean(est.residual_at(X) ** 2))
    assert scales["rms"] == pytest.approx(initial_rms, rel=1e-4)
    assert scales[3.0] == 3.0
    assert abs(scales["auto"] / scales["rms"] - 1) > 0.1  # balanced: another scale
