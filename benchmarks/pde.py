"""The SIREN paper's other equations with PDESolver: Helmholtz with a point source and a
perfectly matched layer, the wave equation in 1-D and 2-D, against analytic and
finite-difference solutions; and the residual scale's rules on manufactured problems.

1. Helmholtz: ``lap u + k^2 u = -f`` on ``[-1, 1]^2``, ``f`` a narrow Gaussian at the
   centre (unit mass, width ``sigma``), the complex field ``u`` as two channels, and the
   paper's absorbing boundary: a perfectly matched layer in the outer ``--pml`` of each
   side, where the coordinates are stretched, ``d/dx -> d/dx / s_x`` with ``s_x = 1 + i
   sigma_0 ((|x| - a) / w)^2 / k``. Outside the source's support the outgoing solution is
   exactly ``exp(-k^2 sigma^2 / 2) * (i/4) H0^(1)(k r)`` (the free-space Green's function
   times the source's Fourier transform at ``k``); the relative L2 error of the real and
   imaginary parts is taken where ``r > 0.2`` and outside the layer. SIREN (at
   PDESolver's hidden omega_0 of 10 and at the paper's 30), a ReLU MLP and a tanh MLP of
   the same size (3 layers of ``--width``), the same steps.
2. Wave: ``u_tt = c^2 u_xx`` on ``x in [-1, 1]``, ``t in [0, T]``, from a Gaussian at rest
   (``u(x, 0) = exp(-x^2 / (2 s^2))``, ``u_t(x, 0) = 0``) with the boundary values of
   d'Alembert's solution ``(g(x - ct) + g(x + ct)) / 2``; the relative error at times
   across ``[0, T]``.
3. Wave, 2-D: ``u_tt = c^2 (u_xx + u_yy)`` on ``[-1, 1]^2`` from a Gaussian at rest, the
   square's edges held at zero; against a finite-difference reference on a 401^2 grid
   (:func:`sirenkit.pde.finite_difference_wave`, second order; its own error is shown by
   the same computation on a 201^2 grid), the relative error at times across ``[0, T]``.
4. The residual scale: ``residual_scale="auto"`` (the residual's and the conditions'
   gradients balanced on the initial network) against ``"rms"`` (the initial residual's
   root mean square), on the four problems of tests/test_pde.py that chose it and three
   held out, at PDESolver's defaults, seeds 0 and 1; relative errors on a grid finer than
   the collocation points.

    python benchmarks/pde.py                      # all four, 2 CPU cores: about 20 minutes
    python benchmarks/pde.py --epochs 50 --points 16   # smoke
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from scipy.special import hankel1

from sirenkit import PDESolver, grid_coords
from sirenkit.metrics import relative_l2_error
from sirenkit.pde import Condition, Helmholtz, Wave, finite_difference_wave

K, SIGMA, PML_SIGMA = 10.0, 0.08, 30.0


def point_source(x: torch.Tensor) -> torch.Tensor:
    """A unit-mass Gaussian of width SIGMA at the origin."""
    return torch.exp(-x.square().sum(dim=1) / (2 * SIGMA**2)) / (2 * math.pi * SIGMA**2)


def helmholtz_exact(X: np.ndarray) -> np.ndarray:
    r = np.linalg.norm(X, axis=1)
    field = np.exp(-(K**2) * SIGMA**2 / 2) * 0.25j * hankel1(0, K * r)
    return np.stack([field.real, field.imag], axis=1)


def helmholtz_rows(args) -> None:
    pml = args.pml
    print(
        f"\n## Helmholtz, point source, k = {K:g}, sigma = {SIGMA:g}, PML of {pml:g} "
        f"(sigma_0 = {PML_SIGMA:g}); {args.points}^2 collocation points, 3 x {args.width}, "
        f"{args.epochs} full-batch steps\n\n"
        "| network | relative error, real | relative error, imaginary | fit s |\n"
        "|---|---|---|---|"
    )
    X = grid_coords((args.points, args.points))
    residual = Helmholtz(K, point_source, pml_start=1 - pml, pml_width=pml, pml_strength=PML_SIGMA)
    test = grid_coords((101, 101))
    keep = (np.linalg.norm(test, axis=1) > 0.2) & (np.abs(test).max(axis=1) < 1 - pml)
    exact = helmholtz_exact(test[keep])
    networks = {
        "SIREN (omega_0 = 10)": dict(activation="sine", omega_0=K),
        "SIREN (omega_0 = 10, hidden_omega_0 = 30)": dict(
            activation="sine", omega_0=K, hidden_omega_0=30.0
        ),
        "ReLU MLP": dict(activation="relu"),
        "tanh MLP": dict(activation="tanh"),
    }
    for label, network in networks.items():
        start = time.perf_counter()
        est = PDESolver(
            residual=residual,
            n_outputs=2,
            hidden_features=args.width,
            hidden_layers=2,
            max_epochs=args.epochs,
            random_state=0,
            **network,
        ).fit(X)
        seconds = time.perf_counter() - start
        predicted = est.predict(test[keep])
        errors = [relative_l2_error(exact[:, c], predicted[:, c]) for c in (0, 1)]
        print(f"| {label} | {errors[0]:.3f} | {errors[1]:.3f} | {seconds:.0f} |", flush=True)


def gaussian(x: np.ndarray, width: float) -> np.ndarray:
    return np.exp(-(x**2) / (2 * width**2))


WAVE_WIDTH, WAVE_END = 0.15, 0.6  # the initial Gaussian's width, the last time


def dalembert(points: np.ndarray) -> np.ndarray:
    """The 1-D wave from the Gaussian at rest at (t, x): two halves travelling apart."""
    t, x = points[:, 0], points[:, 1]
    return 0.5 * (gaussian(x - t, WAVE_WIDTH) + gaussian(x + t, WAVE_WIDTH))


def wave_1d_problem(n: int) -> tuple[np.ndarray, list[Condition]]:
    """Collocation points (n times x 2n places) and the conditions: the displacement and
    zero velocity at t = 0, d'Alembert's values at x = -1 and 1."""
    times, space = np.linspace(0, WAVE_END, n), np.linspace(-1, 1, 2 * n)
    X = np.stack(np.meshgrid(times, space, indexing="ij"), axis=-1).reshape(-1, 2)
    initial = np.stack([np.zeros(2 * n), space], axis=1)
    ends = np.stack([np.tile(times, 2), np.repeat([-1.0, 1.0], n)], axis=1)
    return X, [
        Condition(initial, dalembert(initial), weight=10.0),
        Condition(initial, np.zeros(2 * n), weight=10.0, axis=0),
        Condition(ends, dalembert(ends)),
    ]


def fit_wave(X: np.ndarray, conditions: list[Condition], args) -> PDESolver:
    """SIREN 3 x width at omega_0 10 on the wave equation at speed 1; prints its time."""
    start = time.perf_counter()
    est = PDESolver(
        residual=Wave(speed=1.0),
        conditions=conditions,
        hidden_features=args.width,
        hidden_layers=2,
        omega_0=10.0,
        max_epochs=args.epochs,
        random_state=0,
    ).fit(X)
    print(f"fit: {time.perf_counter() - start:.0f} s\n")
    return est


def wave_rows(args) -> None:
    width, T, n = WAVE_WIDTH, WAVE_END, args.points
    X, conditions = wave_1d_problem(n)
    print(
        f"\n## Wave equation, 1-D: a Gaussian (width {width:g}) at rest, speed 1, t in [0, "
        f"{T:g}]; {n} x {2 * n} collocation points, SIREN 3 x {args.width}, {args.epochs} "
        "full-batch steps, against d'Alembert\n"
    )
    est = fit_wave(X, conditions, args)
    print("| t | relative L2 error |\n|---|---|")
    fine = np.linspace(-1, 1, 401)
    for t in np.linspace(0, T, 5):
        points = np.stack([np.full_like(fine, t), fine], axis=1)
        truth = dalembert(points)
        error = relative_l2_error(truth, est.predict(points))
        print(f"| {t:.2f} | {error:.4f} |", flush=True)


def wave_2d_rows(args) -> None:
    width, T = WAVE_WIDTH, WAVE_END
    steps, side = args.points // 3, 2 * (args.points // 3)
    times, space = np.linspace(0, T, steps), np.linspace(-1, 1, side)
    X = np.stack(np.meshgrid(times, space, space, indexing="ij"), axis=-1).reshape(-1, 3)
    plane = np.stack(np.meshgrid(space, space, indexing="ij"), axis=-1).reshape(-1, 2)
    initial = np.concatenate([np.zeros((len(plane), 1)), plane], axis=1)
    edges = X[np.abs(X[:, 1:]).max(axis=1) == 1]
    at_start = gaussian(np.linalg.norm(plane, axis=1), width)
    conditions = [
        Condition(initial, at_start, weight=10.0),
        Condition(initial, np.zeros(len(plane)), weight=10.0, axis=0),
        Condition(edges, np.zeros(len(edges))),
    ]
    print(
        f"\n## Wave equation, 2-D: a Gaussian (width {width:g}) at rest, speed 1, edges at "
        f"zero, t in [0, {T:g}]; {steps} x {side} x {side} collocation points, SIREN 3 x "
        f"{args.width}, {args.epochs} full-batch steps, against finite differences on 401^2\n"
    )
    est = fit_wave(X, conditions, args)
    report = np.linspace(0, T, 5)
    references = {}
    for n in (201, 401):
        fine = np.linspace(-1, 1, n)
        grid = np.stack(np.meshgrid(fine, fine, indexing="ij"), axis=-1)
        start_field = gaussian(np.linalg.norm(grid, axis=-1), width)
        references[n] = finite_difference_wave(start_field, fine[1] - fine[0], report)
    shown = np.linspace(-1, 1, 101)  # every 4th node of 401, every 2nd of 201
    view = np.stack(np.meshgrid(shown, shown, indexing="ij"), axis=-1).reshape(-1, 2)
    print("| t | relative L2 error, SIREN | finite differences, 201^2 against 401^2 |")
    print("|---|---|---|")
    for i, t in enumerate(report):
        truth = references[401][i, ::4, ::4].ravel()
        coarse = references[201][i, ::2, ::2].ravel()
        predicted = est.predict(np.concatenate([np.full((len(view), 1), t), view], axis=1))
        error, own = relative_l2_error(truth, predicted), relative_l2_error(truth, coarse)
        print(f"| {t:.2f} | {error:.4f} | {own:.1e} |", flush=True)


def square_edges(n: int = 64) -> np.ndarray:
    s, ones = np.linspace(-1, 1, n), np.ones(n)
    sides = ((s, -ones), (s, ones), (-ones, s), (ones, s))
    return np.concatenate([np.stack(side, axis=1) for side in sides])


def plane_wave(k: float, direction: tuple[float, float]):
    def exact(X: np.ndarray) -> np.ndarray:
        phase = k * (X @ np.array(direction))
        return np.stack([np.cos(phase), np.sin(phase)], axis=1)

    def residual(f):
        return f.laplacian + k**2 * f.u

    return exact, residual


def on_grid(times: int, points: int, t_end: float) -> np.ndarray:
    axes = np.linspace(0, t_end, times), np.linspace(-1, 1, points)
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)


def scale_problems(n: int) -> list[tuple]:
    """(name, tuned on it, solver's keywords, X, y, evaluation points, exact solution);
    ``n`` sets the sizes (24 in the tests)."""
    edges = square_edges()
    square, fine = grid_coords((n, n)), grid_coords((2 * n - 1, 2 * n - 1))

    def sines(X):
        return np.sin(np.pi * X[:, 0]) * np.sin(np.pi * X[:, 1])

    def poisson_1d(f):
        return -f.laplacian - torch.pi**2 * torch.sin(torch.pi * f.x)

    def sampled_source(f):
        return -f.laplacian - f.source

    def exp_sine(X):
        return np.exp(X[:, 0]) * np.sin(np.pi * X[:, 1])

    def exp_poisson(f):
        x, y = f.x[:, :1], f.x[:, 1:]
        return -f.laplacian - (torch.pi**2 - 1) * torch.exp(x) * torch.sin(torch.pi * y)

    def cooling(X):
        return np.exp(-0.1 * np.pi**2 * X[:, 0]) * np.sin(np.pi * X[:, 1])

    def heat(f):
        return f.gradient[:, :, 0] - 0.1 * f.derivative(1, 2)

    heat_start, heat_ends = on_grid(1, n + n // 2, 0), on_grid(n, 2, 1)
    k4, helmholtz_4 = plane_wave(4.0, (0.6, 0.8))
    k8, helmholtz_8 = plane_wave(8.0, (0.8, -0.6))
    ends = np.array([[-1.0], [1.0]])
    zero = Condition(edges, np.zeros(len(edges)))
    wave = wave_1d_problem(n)
    return [
        ("-u'' = pi^2 sin(pi x)", True, dict(residual=poisson_1d, conditions=[(ends, [0, 0])]),
         grid_coords(64), None, grid_coords(101), lambda X: np.sin(np.pi * X[:, 0])),
        ("-lap u = 2 pi^2 sin sin", True, dict(residual=sampled_source, conditions=[zero]),
         square, 2 * np.pi**2 * sines(square), fine, sines),
        ("Helmholtz plane wave, k = 4", True,
         dict(residual=helmholtz_4, conditions=[(edges, k4(edges))], n_outputs=2),
         square, None, fine, k4),
        ("wave 1-D", True, dict(residual=Wave(), omega_0=10.0, conditions=wave[1]),
         wave[0], None, on_grid(2 * n, 4 * n, WAVE_END), dalembert),
        ("Helmholtz plane wave, k = 8", False,
         dict(residual=helmholtz_8, conditions=[(edges, k8(edges))], n_outputs=2),
         grid_coords((4 * n // 3, 4 * n // 3)), None, fine, k8),
        ("-lap u = (pi^2 - 1) e^x sin(pi y)", False,
         dict(residual=exp_poisson, conditions=[(edges, exp_sine(edges))]),
         square, None, fine, exp_sine),
        ("heat u_t = 0.1 u_xx", False, dict(residual=heat, conditions=[
            (heat_start, cooling(heat_start)), (heat_ends, np.zeros(len(heat_ends)))]),
         on_grid(n - n // 6, n + n // 2, 1), None, on_grid(2 * n, 3 * n, 1), cooling),
    ]  # fmt: skip


def scale_rows(args) -> None:
    print(
        "\n## Residual scale: relative L2 error at PDESolver's defaults "
        f"({args.epochs} full-batch steps), seeds 0 / 1\n\n"
        '| problem | chose it | "auto" (balanced gradients) | "rms" | scale, "auto" / "rms" |\n'
        "|---|---|---|---|---|"
    )
    n = max(args.points // 2, 6)
    for name, tuned, params, X, y, view, exact in scale_problems(n):
        cells, scales = [], []
        for mode in ("auto", "rms"):
            errors = []
            for seed in (0, 1):
                est = PDESolver(
                    residual_scale=mode, max_epochs=args.epochs, random_state=seed, **params
                ).fit(X, y)
                truth = exact(view)
                predicted = est.predict(view).reshape(truth.shape)
                errors.append(relative_l2_error(truth, predicted))
                scales.append(est.residual_scale_)
            cells.append(" / ".join(f"{e:.1e}" for e in errors))
        scale = f"{scales[0]:.3g} / {scales[2]:.3g}"
        tuned = "yes" if tuned else "held out"
        print(f"| {name} | {tuned} | {cells[0]} | {cells[1]} | {scale} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--points", type=int, default=48, help="collocation points per axis")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--pml", type=float, default=0.25, help="width of the layer")
    parser.add_argument("--skip-helmholtz", action="store_true")
    parser.add_argument("--skip-wave", action="store_true")
    parser.add_argument("--skip-wave-2d", action="store_true")
    parser.add_argument("--skip-scales", action="store_true")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    if not args.skip_helmholtz:
        helmholtz_rows(args)
    if not args.skip_wave:
        wave_rows(args)
    if not args.skip_wave_2d:
        wave_2d_rows(args)
    if not args.skip_scales:
        scale_rows(args)


if __name__ == "__main__":
    main()
