"""The SIREN paper's other equations with PDESolver: Helmholtz with a point source and a
perfectly matched layer, and the 1-D wave equation, against their analytic solutions.

1. Helmholtz: ``lap u + k^2 u = -f`` on ``[-1, 1]^2``, ``f`` a narrow Gaussian at the
   centre (unit mass, width ``sigma``), the complex field ``u`` as two channels, and the
   paper's absorbing boundary: a perfectly matched layer in the outer ``--pml`` of each
   side, where the coordinates are stretched, ``d/dx -> d/dx / s_x`` with ``s_x = 1 + i
   sigma_0 ((|x| - a) / w)^2 / k``. Outside the source's support the outgoing solution is
   exactly ``exp(-k^2 sigma^2 / 2) * (i/4) H0^(1)(k r)`` (the free-space Green's function
   times the source's Fourier transform at ``k``); the relative L2 error of the real and
   imaginary parts is taken where ``r > 0.2`` and outside the layer. SIREN, a ReLU MLP
   and a tanh MLP of the same size (3 layers of ``--width``), the same steps.
2. Wave: ``u_tt = c^2 u_xx`` on ``x in [-1, 1]``, ``t in [0, T]``, from a Gaussian at rest
   (``u(x, 0) = exp(-x^2 / (2 s^2))``, ``u_t(x, 0) = 0``) with the boundary values of
   d'Alembert's solution ``(g(x - ct) + g(x + ct)) / 2``; the relative error at times
   across ``[0, T]``.

    python benchmarks/pde.py                      # both, 2 CPU cores: a few minutes
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
from sirenkit.pde import Condition, Helmholtz, Wave

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
        errors = [
            np.linalg.norm(predicted[:, c] - exact[:, c]) / np.linalg.norm(exact[:, c])
            for c in (0, 1)
        ]
        print(f"| {label} | {errors[0]:.3f} | {errors[1]:.3f} | {seconds:.0f} |", flush=True)


def gaussian(x: np.ndarray, width: float) -> np.ndarray:
    return np.exp(-(x**2) / (2 * width**2))


def wave_rows(args) -> None:
    width, T = 0.15, 0.6
    n = args.points
    times, space = np.linspace(0, T, n), np.linspace(-1, 1, 2 * n)
    X = np.stack(np.meshgrid(times, space, indexing="ij"), axis=-1).reshape(-1, 2)

    def exact(points: np.ndarray) -> np.ndarray:
        t, x = points[:, 0], points[:, 1]
        return 0.5 * (gaussian(x - t, width) + gaussian(x + t, width))

    initial = np.stack([np.zeros(2 * n), space], axis=1)
    ends = np.stack([np.tile(times, 2), np.repeat([-1.0, 1.0], n)], axis=1)
    conditions = [
        Condition(initial, exact(initial), weight=10.0),
        Condition(initial, np.zeros(2 * n), weight=10.0, axis=0),
        Condition(ends, exact(ends)),
    ]
    print(
        f"\n## Wave equation, 1-D: a Gaussian (width {width:g}) at rest, speed 1, t in [0, "
        f"{T:g}]; {n} x {2 * n} collocation points, SIREN 3 x {args.width}, {args.epochs} "
        "full-batch steps, against d'Alembert\n"
    )
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
    print(f"fit: {time.perf_counter() - start:.0f} s\n\n| t | relative L2 error |\n|---|---|")
    fine = np.linspace(-1, 1, 401)
    for t in np.linspace(0, T, 5):
        points = np.stack([np.full_like(fine, t), fine], axis=1)
        truth = exact(points)
        error = np.linalg.norm(est.predict(points) - truth) / np.linalg.norm(truth)
        print(f"| {t:.2f} | {error:.4f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--points", type=int, default=48, help="collocation points per axis")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--pml", type=float, default=0.25, help="width of the layer")
    parser.add_argument("--skip-helmholtz", action="store_true")
    parser.add_argument("--skip-wave", action="store_true")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    if not args.skip_helmholtz:
        helmholtz_rows(args)
    if not args.skip_wave:
        wave_rows(args)


if __name__ == "__main__":
    main()
