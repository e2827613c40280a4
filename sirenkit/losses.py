"""Training losses beyond the MSE: a spectral term for audio, a multiscale MSE for Poisson,
the signed-distance loss for shapes.

Each has a functional form (:func:`spectral_mse`, :func:`mse_with_spectrum`,
:func:`multiscale_mse`, :func:`sdf_loss`) and a thin module (:class:`MSEWithSpectrumLoss`,
:class:`MultiscaleMSELoss`, :class:`SDFLoss`) that the estimators use as their skorch
criterion.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "spectral_mse",
    "mse_with_spectrum",
    "MSEWithSpectrumLoss",
    "multiscale_mse",
    "MultiscaleMSELoss",
    "sdf_loss",
    "SDFLoss",
]

_AVG_POOLS = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
#: The coarsest level of :func:`multiscale_mse` keeps at least this many samples per axis.
MIN_LEVEL_SIZE = 4


def spectral_mse(prediction: torch.Tensor, target: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Mean squared difference of the DFT magnitudes along ``dim`` (the time axis).

    ``mean(( |F(prediction)| - |F(target)| )^2)`` over every frequency and channel, with the
    orthonormal DFT ``F`` (``norm="ortho"``): by Parseval's theorem it is at most the MSE of
    the waveforms, and it does not grow with the number of samples. Blind to phase, it
    weighs every frequency equally, where the waveform MSE is dominated by the loud low
    frequencies.

    Parameters
    ----------
    prediction, target : Tensor of shape (n, C) (or any shape, with ``dim`` the time axis)
        Samples in time order, uniformly spaced.
    dim : int, default=0

    Returns
    -------
    loss : Tensor, scalar

    Examples
    --------
    >>> import torch
    >>> from sirenkit.losses import spectral_mse
    >>> t = torch.arange(64.0)[:, None]
    >>> wave = torch.sin(0.5 * t)
    >>> float(spectral_mse(torch.roll(wave, 5, dims=0), wave)) < 1e-10   # a shift: no change
    True
    """
    magnitude = torch.fft.fft(prediction, dim=dim, norm="ortho").abs()
    reference = torch.fft.fft(target, dim=dim, norm="ortho").abs()
    return torch.mean((magnitude - reference) ** 2)


def mse_with_spectrum(
    prediction: torch.Tensor, target: torch.Tensor, alpha: float = 50.0, dim: int = 0
) -> torch.Tensor:
    """``MSE + spectral_mse / alpha``: the audio report's combined loss, along time.

    The report computed its FFT along the channel axis, which on a mono clip is the
    identity (it compared ``|y|`` with ``|y_hat|``); here it runs along ``dim``, the time
    axis, one spectrum per channel.

    Parameters
    ----------
    prediction, target : Tensor of shape (n, C)
    alpha : float, default=50.0
        The report's weight: the spectral term counts ``1 / alpha``.
    dim : int, default=0
    """
    mse = torch.mean((prediction - target) ** 2)
    return mse + spectral_mse(prediction, target, dim) / alpha


class MSEWithSpectrumLoss(nn.Module):
    """Module form of :func:`mse_with_spectrum` (a skorch criterion).

    Parameters
    ----------
    alpha : float, default=50.0
    dim : int, default=0
    """

    #: The estimators feed it samples in time order, in windows of consecutive samples.
    needs_time_order = True

    def __init__(self, alpha: float = 50.0, dim: int = 0) -> None:
        super().__init__()
        self.alpha = alpha
        self.dim = dim

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mse_with_spectrum(prediction, target, self.alpha, self.dim)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}, dim={self.dim}"


def multiscale_mse(
    prediction: torch.Tensor, target: torch.Tensor, shape: Sequence[int], level_weight: float = 2.0
) -> torch.Tensor:
    """Sum over a pyramid of 2x average-poolings of ``level_weight**s * MSE`` at level ``s``.

    Level 0 is the MSE itself; level ``s`` compares the two fields averaged over blocks of
    ``2**s`` samples per axis, down to the last level with at least ``MIN_LEVEL_SIZE``
    samples along every axis. A residual component of frequency ``k`` survives the levels
    whose blocks are shorter than its period, about ``log2(k_max / k)`` of them, so its
    weight grows like ``(k_max / k)**p`` for ``level_weight = 2**p``.

    A gradient loss weighs an error of the signal at frequency ``k`` by ``k**2`` (a
    Laplacian loss by ``k**4``), so a large image's lowest frequencies converge last.
    ``level_weight=4`` (16 for a Laplacian) would cancel that exactly; half of it in
    powers, 2 (4), converged faster on DIV2K images, keeping weight on the fine detail
    (``docs/benchmarks.md``), and is what :class:`sirenkit.PoissonSolver` uses.

    Parameters
    ----------
    prediction, target : Tensor of shape (n, C)
        Samples of fields on the grid ``grid_coords(shape)`` in row-major order
        (``n = prod(shape)``).
    shape : sequence of int
        The grid, 1 to 3 axes.
    level_weight : float, default=2.0

    Returns
    -------
    loss : Tensor, scalar

    Examples
    --------
    >>> import torch
    >>> from sirenkit.losses import multiscale_mse
    >>> zeros, ones = torch.zeros(64, 1), torch.ones(64, 1)
    >>> float(multiscale_mse(ones, zeros, (8, 8)))    # levels 8x8 and 4x4: 1 + 2
    3.0
    """
    shape = tuple(shape)
    if len(shape) not in _AVG_POOLS:
        raise ValueError(f"shape must have 1 to 3 axes, got {shape}")
    residual = (prediction - target).T.reshape(1, -1, *shape)  # (1, C, *shape)
    pool = _AVG_POOLS[len(shape)]
    loss, weight = residual.square().mean(), 1.0
    while min(residual.shape[2:]) >= 2 * MIN_LEVEL_SIZE:
        residual = pool(residual, 2, ceil_mode=True)
        weight *= level_weight
        loss = loss + weight * residual.square().mean()
    return loss


class MultiscaleMSELoss(nn.Module):
    """Module form of :func:`multiscale_mse` (a skorch criterion).

    Parameters
    ----------
    shape : sequence of int
    level_weight : float, default=2.0
    """

    def __init__(self, shape: Sequence[int], level_weight: float = 2.0) -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.level_weight = level_weight

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return multiscale_mse(prediction, target, self.shape, self.level_weight)

    def extra_repr(self) -> str:
        return f"shape={self.shape}, level_weight={self.level_weight:g}"


#: The SIREN paper's weights of the four terms of its shape loss (its ``sdf`` loss).
SDF_WEIGHTS = {"surface": 3e3, "normal": 1e2, "eikonal": 5e1, "off_surface": 1e2}
#: The decay of its off-surface penalty ``exp(-alpha |f|)``.
SDF_OFF_SURFACE_DECAY = 100.0


def sdf_loss(
    value: torch.Tensor,
    gradient: torch.Tensor,
    normals: torch.Tensor,
    surface_weight: float = SDF_WEIGHTS["surface"],
    normal_weight: float = SDF_WEIGHTS["normal"],
    eikonal_weight: float = SDF_WEIGHTS["eikonal"],
    off_surface_weight: float = SDF_WEIGHTS["off_surface"],
    off_surface_decay: float = SDF_OFF_SURFACE_DECAY,
) -> torch.Tensor:
    """The SIREN paper's loss for a signed distance function ``f`` from an oriented cloud.

    The first ``m = len(normals)`` rows are points on the surface, the rest points in space:

    ``(surface_weight * sum_surface |f|
    + normal_weight * sum_surface (1 - cos(grad f, n))
    + eikonal_weight * sum_all | |grad f| - 1 |
    + off_surface_weight * sum_space exp(-off_surface_decay |f|)) / n``:
    zero on the surface, the gradient along the normals there, unit gradient norm
    everywhere (a distance), and values kept away from zero off the surface (no spurious
    surfaces). Every sum is divided by all ``n`` points, as the paper's masked means
    (``torch.where`` over the whole batch, then the mean) are; the weights are the paper's.

    Parameters
    ----------
    value : Tensor of shape (n, 1) or (n,)
        ``f`` at the ``m`` surface points, then at ``n - m`` points in space.
    gradient : Tensor of shape (n, 1, d) or (n, d)
    normals : Tensor of shape (m, d)
        Unit outward normals at the surface points.
    surface_weight, normal_weight, eikonal_weight, off_surface_weight : float
    off_surface_decay : float

    Returns
    -------
    loss : Tensor, scalar

    Examples
    --------
    >>> import torch
    >>> from sirenkit.losses import sdf_loss
    >>> points = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.2, 0.1], [2.0, 0.0]])
    >>> radius = points.norm(dim=1, keepdim=True)   # the SDF of the unit circle, exactly
    >>> value, gradient = radius - 1, points / radius
    >>> round(float(sdf_loss(value, gradient, points[:2])), 4)  # only the off-surface term
    0.0
    """
    value = value.reshape(len(value))
    gradient = gradient.reshape(len(gradient), -1)
    n, m = len(value), len(normals)
    # Sums over each term's points divided by all n points: the paper's masked means.
    surface = value[:m].abs().sum() / n
    normal = (1 - F.cosine_similarity(gradient[:m], normals, dim=-1)).sum() / n
    eikonal = (gradient.norm(dim=-1) - 1).abs().mean()
    off_surface = torch.exp(-off_surface_decay * value[m:].abs()).sum() / n
    return (
        surface_weight * surface
        + normal_weight * normal
        + eikonal_weight * eikonal
        + off_surface_weight * off_surface
    )


class SDFLoss(nn.Module):
    """:func:`sdf_loss` as a criterion of ``((value, gradient), normals)``.

    Parameters
    ----------
    surface_weight, normal_weight, eikonal_weight, off_surface_weight : float
        See :func:`sdf_loss`.
    off_surface_decay : float, default=100.0
    """

    def __init__(
        self,
        surface_weight: float = SDF_WEIGHTS["surface"],
        normal_weight: float = SDF_WEIGHTS["normal"],
        eikonal_weight: float = SDF_WEIGHTS["eikonal"],
        off_surface_weight: float = SDF_WEIGHTS["off_surface"],
        off_surface_decay: float = SDF_OFF_SURFACE_DECAY,
    ) -> None:
        super().__init__()
        self.weights = dict(
            surface_weight=surface_weight,
            normal_weight=normal_weight,
            eikonal_weight=eikonal_weight,
            off_surface_weight=off_surface_weight,
            off_surface_decay=off_surface_decay,
        )

    def forward(self, prediction: tuple, normals: torch.Tensor) -> torch.Tensor:
        value, gradient = prediction
        return sdf_loss(value, gradient, normals, **self.weights)
