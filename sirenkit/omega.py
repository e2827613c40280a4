"""Automatic choice of the first-layer frequency factor omega_0.

Two rules, chosen by the dimension of the coordinate grid:

* **2-D grids (images)**: the rule of the SIREN image-fitting report,
  ``omega_0* = 250 * std(L)``, with ``L`` the 3x3 (8-neighbour) Laplacian of the image, in
  units of ``data_range``, computed exactly as the report did:
  ``kornia.filters.laplacian(image, 3, normalized=False)`` (kornia's default
  ``normalized=True`` divides the kernel by 16 and gives a value 16x smaller).
  ``L`` is a per-pixel second difference, so the rule depends on the sampling. Inside a
  smooth image ``L ~ 3 h^2 lap(f)`` with the pixel pitch ``h``: sampling the same content
  twice as densely divides that part by 4. kornia pads by reflection, which puts a kink
  where the image has a slope at its border, and there ``L ~ h f'``; on smooth content
  these border pixels dominate ``std(L)`` and omega_0* falls as ``h^1.5`` (2.8x per
  doubling). Natural images have detail at every scale, so their omega_0* falls less than
  either when they are sampled more densely: on the 11 DIV2K images omega_0* changes by
  only 1.1-1.2x per halving of the pixel pitch (``docs/omega_rule.md``).
* **Other dimensions (audio, volumes)**: a spectral rule. ``omega_0*`` is the angular
  frequency, in radians per unit of coordinate, below which 99% of the energy of the
  mean-removed signal lies, from its discrete cosine transform (an FFT would see the jump
  between the signal's two ends and report high frequencies for a mere ramp). A first SIREN
  layer ``sin(omega_0 w x)`` with the Sitzmann initialisation covers frequencies up to about
  ``omega_0`` in each direction, so this puts the first layer's band on the signal's band.
  It does not depend on the sampling of a band-limited signal (a tone ``cos(k x)`` gives
  ``k`` at any sampling rate).

Values in other units than ``data_range`` says (0-255 pixels with ``data_range=1``) would
give a rule 255x too large: the Laplacian rule measures such an image in the full scale of
its bit depth (:func:`rule_unit`), so ``omega_0="auto"`` does not depend on the units the
values came in (the estimators also warn about them).

Both results are clipped below at ``MIN_OMEGA_0`` (a constant or linear signal has no
Laplacian and no spectrum, and omega_0=0 would switch the first layer off).
"""

from __future__ import annotations

import kornia
import numpy as np
import scipy.fft
import torch

from ._units import FAR_OUTSIDE, bit_depth_full_scale
from .coords import samples_to_grid

__all__ = [
    "LAPLACIAN_RULE_FACTOR",
    "MIN_OMEGA_0",
    "omega_from_laplacian",
    "omega_from_spectrum",
    "auto_omega_0",
    "rule_unit",
]

#: The report's constant in ``omega_0* = 250 * std(L)``.
LAPLACIAN_RULE_FACTOR = 250.0
#: Lower bound of the automatic omega_0.
MIN_OMEGA_0 = 1.0
_ENERGY_FRACTION = 0.99


def omega_from_laplacian(image: np.ndarray, data_range: float = 1.0) -> float:
    """The report's rule ``250 * std(laplacian_3x3(image / data_range))`` for an image.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
    data_range : float, default=1.0
        The image is divided by it first (the rule is defined for images in [0, 1]).

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.omega import omega_from_laplacian
    >>> checker = np.indices((16, 16)).sum(axis=0) % 2.0      # the sharpest possible image
    >>> round(omega_from_laplacian(checker), -1)                # |L| = 4 at every pixel
    1000.0
    """
    image = np.asarray(image, dtype=np.float32) / np.float32(data_range)
    channels_first = image.reshape(*image.shape[:2], -1).transpose(2, 0, 1)
    tensor = torch.from_numpy(np.ascontiguousarray(channels_first))[None]
    laplacian = kornia.filters.laplacian(tensor, 3, normalized=False)
    return max(MIN_OMEGA_0, LAPLACIAN_RULE_FACTOR * float(laplacian.std()))


def rule_unit(values: np.ndarray, data_range: float) -> float:
    """The full scale the omega_0 rules measure ``values`` in.

    ``data_range`` for values in its units; for values far above it (beyond
    ``1.5 * data_range``, see :mod:`sirenkit._units`), the full scale of the smallest bit
    depth that holds them, ``2**bits - 1``: 255 for 8-bit pixels, 4095 for 12-bit, 65535
    for 16-bit ones given with ``data_range=1``, whatever span the image covers.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.omega import rule_unit
    >>> pixels = np.array([0.1, 0.9])
    >>> rule_unit(pixels, 1.0), rule_unit(np.round(255 * pixels), 1.0), rule_unit(3000, 1.0)
    (1.0, 255.0, 4095.0)
    """
    largest = float(np.max(np.abs(values)))
    if largest <= (1 + FAR_OUTSIDE) * data_range:
        return float(data_range)
    return max(float(data_range), bit_depth_full_scale(largest))


def omega_from_spectrum(grid: np.ndarray, energy_fraction: float = _ENERGY_FRACTION) -> float:
    """Angular frequency (rad per unit coordinate) holding ``energy_fraction`` of the energy.

    Parameters
    ----------
    grid : ndarray of shape ``shape + (C,)``
        A signal on the cell-centre grid ``grid_coords(shape)`` over ``[-1, 1]^d``, channels
        last (``C`` may be 1).
    energy_fraction : float, default=0.99

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import grid_coords
    >>> from sirenkit.omega import omega_from_spectrum
    >>> t = grid_coords(1000)
    >>> round(omega_from_spectrum(np.cos(40 * np.pi * t)) / np.pi)   # 20 periods on [-1, 1]
    40
    """
    grid = np.asarray(grid, dtype=np.float64)
    shape = grid.shape[:-1]
    axes = tuple(range(len(shape)))
    centred = grid - grid.mean(axis=axes, keepdims=True)
    # A DCT, not an FFT: the FFT sees the signal as periodic, and the jump between its two
    # ends (a ramp, any trend) spreads energy up to the Nyquist frequency.
    energy = (scipy.fft.dctn(centred, type=2, axes=axes, norm="ortho") ** 2).sum(axis=-1)
    total = energy.sum()
    if total <= 0:
        return MIN_OMEGA_0
    # DCT-II basis m on the cell centres of [-1, 1] is cos(pi m (x + 1) / 2).
    freqs = np.meshgrid(*(np.pi * np.arange(n) / 2 for n in shape), indexing="ij")
    angular = np.sqrt(sum(f**2 for f in freqs)).ravel()
    order = np.argsort(angular, kind="stable")
    cumulative = np.cumsum(energy.ravel()[order]) / total
    index = min(int(np.searchsorted(cumulative, energy_fraction)), len(order) - 1)
    return max(MIN_OMEGA_0, float(angular[order][index]))


def auto_omega_0(coords: np.ndarray, values: np.ndarray, data_range: float = 1.0) -> float:
    """omega_0* for a signal sampled on a full grid (2-D: Laplacian rule, else spectral).

    Parameters
    ----------
    coords : ndarray of shape (n, d)
        A full cell-centre grid (any sample order).
    values : ndarray of shape (n,) or (n, C)
    data_range : float, default=1.0
        The full scale of ``values`` (the Laplacian rule measures them in units of
        :func:`rule_unit`).

    Raises
    ------
    ValueError
        If ``coords`` are not a full grid.
    """
    try:
        grid = samples_to_grid(coords, values)
    except ValueError as error:
        raise ValueError(
            f"omega_0='auto' needs the whole signal on its grid: {error} "
            "Pass a number for omega_0 to fit scattered samples."
        ) from None
    if grid.ndim == 3:
        return omega_from_laplacian(grid, rule_unit(grid, data_range))
    return omega_from_spectrum(grid)
