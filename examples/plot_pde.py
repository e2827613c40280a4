"""
Beyond Poisson: Helmholtz, the wave equation in 1-D and 2-D, and a grid search
==============================================================================

:class:`~sirenkit.PDESolver` fits a network to an equation given as a residual of its
value and exact derivatives (:class:`sirenkit.pde.Fields`), with boundary and initial
conditions as data (:class:`sirenkit.pde.Condition`). Three studies of the SIREN paper:

* the Helmholtz equation with a point source and a perfectly matched layer
  (:class:`sirenkit.pde.Helmholtz`), against the analytic field ``(i/4) H0(k r)``;
* the 1-D wave equation from a Gaussian at rest (:class:`sirenkit.pde.Wave`), against
  d'Alembert's solution;
* the 2-D wave equation, against a finite-difference reference
  (:func:`sirenkit.pde.finite_difference_wave`);
* ``GridSearchCV`` over ``activation`` and ``omega_0`` on a manufactured Poisson problem,
  scored by the residual at held-out collocation points.

Full-size settings and the tables: ``benchmarks/pde.py`` and docs/benchmarks.md. Here:
fewer points and steps, a few minutes on a CPU.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.special import hankel1
from sklearn.model_selection import GridSearchCV

from sirenkit import PDESolver, grid_coords
from sirenkit.metrics import relative_l2_error
from sirenkit.pde import Condition, Helmholtz, Wave, finite_difference_wave

FAST = os.environ.get("SIRENKIT_FAST_EXAMPLES") == "1"  # the CI docs build: smaller
POINTS, EPOCHS = (16, 60) if FAST else (40, 1500)

# %%
# Helmholtz with a point source
# -----------------------------
# ``lap u + k^2 u = -f``, ``f`` a unit-mass Gaussian of width 0.08 at the centre, the
# complex field as two channels, a PML in the outer quarter of each side. Outside the
# source, the exact outgoing field is ``exp(-k^2 sigma^2 / 2) (i/4) H0(k r)``. The hidden
# layers at the SIREN paper's omega_0 of 30, not PDESolver's 10: this field oscillates
# (in docs/benchmarks.md, 10 times closer to the exact field than at 10).
K, SIGMA = 10.0, 0.08


def point_source(x):
    return torch.exp(-x.square().sum(dim=1) / (2 * SIGMA**2)) / (2 * np.pi * SIGMA**2)


helmholtz = PDESolver(
    residual=Helmholtz(K, point_source, pml_start=0.75),
    n_outputs=2,
    omega_0=K,
    hidden_omega_0=30.0,
    max_epochs=EPOCHS,
    random_state=0,
).fit(grid_coords((POINTS, POINTS)))

view = grid_coords((96, 96))
r = np.linalg.norm(view, axis=1)
exact = np.exp(-(K**2) * SIGMA**2 / 2) * 0.25j * hankel1(0, K * np.maximum(r, 1e-3))
field = helmholtz.predict(view)
inside = (r > 0.2) & (np.abs(view).max(axis=1) < 0.75)
error = relative_l2_error(exact.real[inside], field[inside, 0])
print(f"Helmholtz: relative error of the real part, outside the source and the PML: {error:.3f}")

figure, axes = plt.subplots(1, 3, figsize=(10, 3.4), layout="constrained")
for ax, values, title in zip(
    axes,
    (
        field[:, 0],
        np.where(r > 0.05, exact.real, np.nan),
        np.where(r > 0.2, np.abs(field[:, 0] - exact.real), np.nan),  # as measured
    ),
    ("SIREN, real part", "analytic, real part", "|error| where r > 0.2"),
):
    shown = ax.imshow(values.reshape(96, 96), extent=(-1, 1, -1, 1), origin="lower")
    ax.set_title(title)
    figure.colorbar(shown, ax=ax, shrink=0.8)
axes[2].plot([-0.75, 0.75, 0.75, -0.75, -0.75], [-0.75, -0.75, 0.75, 0.75, -0.75], "w--")
plt.show()

# %%
# The wave equation in 1-D
# ------------------------
# ``u_tt = u_xx`` (time on axis 0) for ``t`` in ``[0, 0.6]``: a Gaussian at rest splits
# into two halves travelling apart. The conditions: the initial displacement and zero
# velocity (a derivative condition along the time axis), and the values at ``x = +-1``.
width, T = 0.15, 0.6


def dalembert(points):
    t, x = points[:, 0], points[:, 1]
    return 0.5 * (
        np.exp(-((x - t) ** 2) / (2 * width**2)) + np.exp(-((x + t) ** 2) / (2 * width**2))
    )


times, space = np.linspace(0, T, POINTS), np.linspace(-1, 1, 2 * POINTS)
X = np.stack(np.meshgrid(times, space, indexing="ij"), axis=-1).reshape(-1, 2)
start = np.stack([np.zeros_like(space), space], axis=1)
ends = np.stack([np.tile(times, 2), np.repeat([-1.0, 1.0], len(times))], axis=1)
wave = PDESolver(
    residual=Wave(speed=1.0),
    conditions=[
        Condition(start, dalembert(start), weight=10.0),
        Condition(start, np.zeros(len(start)), weight=10.0, axis=0),
        Condition(ends, dalembert(ends)),
    ],
    omega_0=10.0,
    max_epochs=EPOCHS,
    random_state=0,
).fit(X)

grid = np.stack(np.meshgrid(np.linspace(0, T, 61), np.linspace(-1, 1, 201), indexing="ij"), -1)
grid = grid.reshape(-1, 2)
predicted, truth = wave.predict(grid), dalembert(grid)
figure, axes = plt.subplots(1, 3, figsize=(10, 3.4), layout="constrained")
for ax, values, title in zip(
    axes, (predicted, truth, np.abs(predicted - truth)), ("SIREN", "d'Alembert", "error")
):
    shown = ax.imshow(values.reshape(61, 201), extent=(-1, 1, T, 0), aspect="auto")
    ax.set(title=title, xlabel="x", ylabel="t")
    figure.colorbar(shown, ax=ax, shrink=0.8)
plt.show()

# %%
# The wave equation in 2-D
# ------------------------
# ``u_tt = u_xx + u_yy`` on the square, the same Gaussian at rest in its centre, the edges
# held at zero: a ring spreads out, with a trough behind it. No closed form here: the
# reference is a second-order finite-difference solution on a 201x201 grid.
steps, side = POINTS // 3, 2 * (POINTS // 3)
times, space = np.linspace(0, T, steps), np.linspace(-1, 1, side)
X = np.stack(np.meshgrid(times, space, space, indexing="ij"), axis=-1).reshape(-1, 3)
plane = np.stack(np.meshgrid(space, space, indexing="ij"), axis=-1).reshape(-1, 2)
start = np.concatenate([np.zeros((len(plane), 1)), plane], axis=1)
edges = X[np.abs(X[:, 1:]).max(axis=1) == 1]


def bump(points):
    return np.exp(-np.square(points).sum(axis=-1) / (2 * width**2))


wave_2d = PDESolver(
    residual=Wave(speed=1.0),
    conditions=[
        Condition(start, bump(plane), weight=10.0),
        Condition(start, np.zeros(len(plane)), weight=10.0, axis=0),
        Condition(edges, np.zeros(len(edges))),
    ],
    omega_0=10.0,
    max_epochs=EPOCHS,
    random_state=0,
).fit(X)

fine = np.linspace(-1, 1, 201)
view = np.stack(np.meshgrid(fine, fine, indexing="ij"), axis=-1)
shown = [0.0, T / 2, T]
reference = finite_difference_wave(bump(view), fine[1] - fine[0], shown)
figure, axes = plt.subplots(3, 3, figsize=(9, 8.4), layout="constrained")
for column, (t, truth) in enumerate(zip(shown, reference)):
    points = np.concatenate([np.full((201 * 201, 1), t), view.reshape(-1, 2)], axis=1)
    predicted = wave_2d.predict(points).reshape(201, 201)
    error = relative_l2_error(truth, predicted)
    print(f"2-D wave, t = {t:.1f}: relative error against finite differences {error:.3f}")
    for row, (values, title) in enumerate(
        ((predicted, "SIREN"), (truth, "finite differences"), (predicted - truth, "error"))
    ):
        ax = axes[row, column]
        limit = np.abs(values).max()  # zero in white
        shown_image = ax.imshow(
            values.T, extent=(-1, 1, -1, 1), origin="lower", cmap="RdBu_r", vmin=-limit, vmax=limit
        )
        ax.set_title(f"{title}, t = {t:.1f}")
        ax.set_axis_off()
        figure.colorbar(shown_image, ax=ax, shrink=0.8)
plt.show()

# %%
# A grid search on an equation
# ----------------------------
# ``-u'' = pi^2 sin(pi x)`` with ``u(+-1) = 0``. ``score`` is minus the mean squared
# residual, here at every other collocation point held out. A ReLU network's second
# derivative is zero: it cannot satisfy the equation, whatever its width.


def poisson(f):
    return -f.laplacian - torch.pi**2 * torch.sin(torch.pi * f.x)


X = grid_coords(48)
search = GridSearchCV(
    PDESolver(
        residual=poisson,
        conditions=[Condition(np.array([[-1.0], [1.0]]), np.zeros(2))],
        max_epochs=EPOCHS,
        random_state=0,
    ),
    [
        {"activation": ["sine"], "omega_0": [1.0, 5.0, 20.0]},
        {"activation": ["tanh", "relu"]},
    ],
    cv=[(np.arange(0, 48, 2), np.arange(1, 48, 2))],
).fit(X)
for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    print(f"{params}: mean squared residual {-score:.3g}")

# %%
# The best network, refitted on every point, against the exact solution ``sin(pi x)``:
line = grid_coords(401)
exact = np.sin(np.pi * line[:, 0])
best = search.best_estimator_.predict(line)
figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
left.plot(line[:, 0], exact, "k", lw=3, alpha=0.3, label="sin(pi x)")
left.plot(line[:, 0], best, label=f"best: {search.best_params_}")
left.set(xlabel="x", title="solution")
left.legend(fontsize=8, loc="upper left")
right.plot(line[:, 0], best - exact)
right.set(xlabel="x", title="error")
plt.show()
