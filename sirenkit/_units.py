"""The units of signal values, checked rather than assumed.

sirenkit's images are floats in ``[0, 1]`` and its audio floats in ``[-1, 1]``; an
estimator's ``data_range`` names the full scale of its targets (1 for images, 2 for
audio). PSNR (``history_``, ``score``), the automatic omega_0 of images and the learning
check read values in those units, so values far outside them (an image of 0-255 values
with ``data_range=1``) warn, naming ``data_range`` and the fix. The image functions that
assume ``[0, 1]`` (:func:`sirenkit.bicubic_upscale` clamps to it) refuse integer images
rather than guess their scale.
"""

from __future__ import annotations

import numpy as np

from ._caller import warn_at_caller

#: Values beyond the interval ``data_range`` implies by more than this fraction of
#: ``data_range`` are "far outside" it: overshoot of a fit, a residual or a slightly
#: negative pixel are not.
FAR_OUTSIDE = 0.5


class UnitsWarning(UserWarning):
    """Signal values far outside the range their estimator's ``data_range`` implies."""


def bit_depth_full_scale(largest: float) -> float:
    """``2**bits - 1`` of the smallest bit depth that holds ``largest`` (255 for 200)."""
    return float(2.0 ** np.ceil(np.log2(largest + 1)) - 1)


def refuse_boolean(array: np.ndarray, name: str) -> None:
    """TypeError for a boolean array (a mask), with the conversion to use."""
    if array.dtype.kind == "b":
        raise TypeError(
            f"{name} must hold numbers, got a boolean array; convert a mask with "
            f"{name}.astype(float)"
        )


def _within(smallest: float, largest: float, low: float, high: float, margin: float) -> bool:
    return smallest >= low - margin and largest <= high + margin


def units_problem(
    values: np.ndarray, data_range: float, name: str = "y", dtype: np.dtype | None = None
) -> str | None:
    """Why ``values`` do not look like values of full scale ``data_range``, or None.

    ``dtype``: that of the values as given, when they were converted since.
    """
    values = np.asarray(values)
    dtype = values.dtype if dtype is None else np.dtype(dtype)
    smallest, largest = float(np.min(values)), float(np.max(values))
    margin = FAR_OUTSIDE * data_range
    # Either convention will do: an image with some undershoot, audio with data_range=1.
    if _within(smallest, largest, 0, data_range, margin) or _within(
        smallest, largest, -data_range / 2, data_range / 2, margin
    ):
        return None
    hint = f" (integer dtype {dtype})" if dtype.kind in "iu" else ""
    # Clearly signed values (audio) against [-dr/2, dr/2], others (pixels) against [0, dr].
    low, high = (-data_range / 2, data_range / 2) if smallest < -margin else (0.0, data_range)
    if low == 0:
        full_scale = bit_depth_full_scale(largest)
        fix = f"data_range={full_scale:g} if they are {np.log2(full_scale + 1):g}-bit levels"
    else:
        full_scale = 2.0 ** np.ceil(np.log2(max(-smallest, largest)))
        fix = f"data_range={2 * full_scale:g} for samples in [-{full_scale:g}, {full_scale:g})"
    return (
        f"{name} has values in [{smallest:.4g}, {largest:.4g}]{hint}, far outside "
        f"[{low:g}, {high:g}], the range data_range={data_range:g} implies; PSNR (history_, "
        f"score) is measured in those units. Set data_range to the full scale of the "
        f"values ({fix}), or rescale them to the range (y / {full_scale:g})"
    )


def warn_units(
    values: np.ndarray, data_range: float, name: str, dtype: np.dtype | None = None
) -> None:
    """Warn (:class:`UnitsWarning`, at the caller's line) when :func:`units_problem` finds
    one."""
    problem = units_problem(values, data_range, name, dtype)
    if problem is not None:
        warn_at_caller(problem + ".", UnitsWarning)


def check_image(image, name: str = "image", unit_range: bool = False) -> np.ndarray:
    """``image`` as an ``(H, W)`` or ``(H, W, C)`` array of finite floats.

    Integer and boolean images are refused with the conversion to use: sirenkit's images
    are floats in ``[0, 1]``, and an integer image's scale (255? 4095? 65535?) is a guess.
    ``unit_range=True`` (functions that clamp to ``[0, 1]``) also refuses values far
    outside ``[0, 1]``, which clamping would silently destroy.
    """
    array = np.asarray(image)
    refuse_boolean(array, name)
    if array.dtype.kind in "iu":
        full_scale = np.iinfo(array.dtype).max
        raise TypeError(
            f"{name} must hold floats in [0, 1], got integer dtype {array.dtype}; divide "
            f"by its full scale ({name} / {full_scale} for {array.dtype}, or / 4095 for "
            "12-bit data) or read files with sirenkit.io.load_image, which does"
        )
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must be an array of real floats, got dtype {array.dtype}")
    if array.ndim not in (2, 3) or array.size == 0:
        raise ValueError(f"{name} must be an (H, W) or (H, W, C) array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers, got NaN or infinity")
    if unit_range and (array.min() < -FAR_OUTSIDE or array.max() > 1 + FAR_OUTSIDE):
        raise ValueError(
            f"{name} must hold values in [0, 1], got values in [{array.min():.4g}, "
            f"{array.max():.4g}]: divide 8-bit pixels by 255"
        )
    return array
