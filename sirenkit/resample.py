"""Bicubic resampling on sirenkit's cell-centre grids: the super-resolution baseline and the
degradation that made the DIV2K low-resolution images.

Both use PyTorch's bicubic resampling with ``align_corners=False``: output pixel ``i`` of
``n_out`` samples the input at the same point of ``[-1, 1]`` as ``grid_coords(n_out)``,
so an image and its resampled version line up on the coordinate convention of
:mod:`sirenkit.coords` (a 4x upscale puts LR pixel ``i`` at the centre of HR pixels
``4 i .. 4 i + 3``).
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
import torch.nn.functional as F

from ._units import check_image

__all__ = ["bicubic_upscale", "bicubic_downscale", "back_project", "resize_grid", "scaled_shape"]


def scaled_shape(shape: tuple[int, int], scale: float) -> tuple[int, int]:
    """``(round(H * scale), round(W * scale))``, at least one pixel per axis.

    Examples
    --------
    >>> from sirenkit.resample import scaled_shape
    >>> scaled_shape((48, 33), 4), scaled_shape((255, 192), 0.25)
    ((192, 132), (64, 48))
    """
    return tuple(max(1, int(round(n * scale))) for n in shape)


def resize_grid(
    grid: torch.Tensor, shape: tuple[int, int], antialias: bool = False
) -> torch.Tensor:
    """Bicubic resampling of a channels-last image tensor ``(H, W, C)`` to ``shape``.

    ``antialias=True`` widens the kernel by the downscaling factor (PyTorch's antialiased
    bicubic, the kernel of MATLAB's and Pillow's ``imresize``-style downscaling). It is
    differentiable: the super-resolver trains through it.
    """
    channels_first = grid.permute(2, 0, 1)[None]
    resized = F.interpolate(
        channels_first, size=tuple(shape), mode="bicubic", align_corners=False, antialias=antialias
    )
    return resized[0].permute(1, 2, 0)


def _check_scale(scale, minimum_exclusive: float) -> float:
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a number, got {scale!r}")
    if not np.isfinite(scale) or scale <= minimum_exclusive:
        raise ValueError(f"scale must be a finite number > {minimum_exclusive:g}, got {scale!r}")
    return float(scale)


def _resample(image, scale: float, antialias: bool, unit_range: bool = False) -> np.ndarray:
    array = check_image(image, unit_range=unit_range)
    grid = torch.from_numpy(np.asarray(array, dtype=np.float64).reshape(*array.shape[:2], -1))
    shape = scaled_shape(array.shape[:2], scale)
    resized = resize_grid(grid, shape, antialias=antialias).numpy()
    return resized.reshape(*shape, *array.shape[2:])


def bicubic_upscale(image, scale: float) -> np.ndarray:
    """Bicubic upscaling, pixel-centre aligned and clamped to [0, 1]: the baseline.

    Parameters
    ----------
    image : array-like of shape (H, W) or (H, W, C)
        Pixel values in [0, 1], floats (integer images are refused: divide 8-bit ones by
        255; values far outside [0, 1], which the clamp would destroy, too).
    scale : float
        At least 1; the output has ``round(H * scale) x round(W * scale)`` pixels.

    Returns
    -------
    upscaled : ndarray of shape (round(H * scale), round(W * scale)[, C]), float64

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import bicubic_upscale
    >>> bicubic_upscale(np.random.rand(48, 33, 3), 4).shape
    (192, 132, 3)
    """
    scale = _check_scale(scale, 0)
    if scale < 1:
        raise ValueError(
            f"scale must be >= 1 for an upscale, got {scale!r}; use "
            "bicubic_downscale to shrink an image"
        )
    return np.clip(_resample(image, scale, antialias=False, unit_range=True), 0.0, 1.0)


def bicubic_downscale(image, scale: float) -> np.ndarray:
    """Antialiased bicubic downscaling by ``scale`` (not clamped).

    The degradation of DIV2K's ``LR_bicubic`` images (MATLAB ``imresize``): on the 11 images
    of the super-resolution report, downscaling the HR image 4x this way reproduces the LR
    image to 42-46 dB PSNR.

    Parameters
    ----------
    image : array-like of shape (H, W) or (H, W, C)
    scale : float
        At least 1; the output has ``round(H / scale) x round(W / scale)`` pixels.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.resample import bicubic_downscale
    >>> bicubic_downscale(np.ones((64, 48)), 4).shape
    (16, 12)
    """
    scale = _check_scale(scale, 0)
    if scale < 1:
        raise ValueError(f"scale must be >= 1 (the downscaling factor), got {scale!r}")
    return _resample(image, 1 / scale, antialias=True)


def back_project(estimate, low, iterations: int = 10) -> np.ndarray:
    """Iterative back-projection: make a high-resolution estimate consistent with its
    low-resolution image (Irani and Peleg, 1991).

    Repeats ``estimate += bicubic_upscale(low - bicubic_downscale(estimate))``: the
    antialiased bicubic downscale of the result reproduces ``low`` (after 10 iterations on
    a 48x48 DIV2K crop: rms error 1e-4, largest 6e-4; the error shrinks about 6x per 5
    iterations), and what ``low`` cannot see (frequencies above its
    Nyquist limit) stays as ``estimate`` has it. The degradation assumed is
    :func:`bicubic_downscale`'s, that of DIV2K's LR images; a point-sampled ``low``
    (``image[::4, ::4]``) needs another one.

    Parameters
    ----------
    estimate : array-like of shape (H, W) or (H, W, C)
        The high-resolution estimate (e.g. a SIREN's or bicubic's).
    low : array-like of shape (h, w) or (h, w, C)
        The low-resolution image, ``h < H`` and ``w < W`` (not clamped: any units).
    iterations : int, default=10

    Returns
    -------
    ndarray of the shape of ``estimate``, float64

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import bicubic_upscale
    >>> from sirenkit.resample import back_project, bicubic_downscale
    >>> low = np.random.default_rng(0).random((12, 16))
    >>> sharp = back_project(bicubic_upscale(low, 4), low, iterations=30)
    >>> bool(np.abs(bicubic_downscale(sharp, 4) - low).max() < 1e-4)
    True
    """
    estimate, low = check_image(estimate, "estimate"), check_image(low, "low")
    if estimate.ndim != low.ndim or estimate.shape[2:] != low.shape[2:]:
        raise ValueError(
            f"estimate and low must have the same channels, got shapes {estimate.shape} "
            f"and {low.shape}"
        )
    if not all(high > small for high, small in zip(estimate.shape[:2], low.shape[:2])):
        raise ValueError(
            f"estimate must be larger than low in both dimensions, got shapes "
            f"{estimate.shape[:2]} and {low.shape[:2]}"
        )
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral):
        raise TypeError(f"iterations must be an int, got {iterations!r}")
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations!r}")
    shape = estimate.shape
    result = torch.from_numpy(np.asarray(estimate, np.float64).reshape(*shape[:2], -1).copy())
    target = torch.from_numpy(np.asarray(low, np.float64).reshape(*low.shape[:2], -1))
    for _ in range(int(iterations)):
        error = target - resize_grid(result, low.shape[:2], antialias=True)
        result += resize_grid(error, shape[:2])
    return result.numpy().reshape(shape)
