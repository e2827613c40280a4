"""Coordinate grids and conversions between signals and ``(coords, values)`` samples.

The coordinate convention
-------------------------
Every grid in sirenkit samples the cube ``[-1, 1]^d`` at **cell centres**: along an axis of
``n`` samples, sample ``i`` sits at ``-1 + (2 i + 1) / n``. A grid never touches -1 or 1; the
outermost samples lie half a cell inside. This is the convention of bicubic resampling with
``align_corners=False`` (PyTorch, Pillow, OpenCV, MATLAB ``imresize``): a low-resolution and a
high-resolution grid of the same image cover the same extent ``[-1, 1]^d``, so pixel ``i`` of a
4x downsampled image lies at the centre of HR pixels ``4 i .. 4 i + 3``. Grids are row-major:
the last axis varies fastest, as in ``numpy.reshape``.

Internal API
------------
Not exported, shared by the other modules: :func:`check_shape` (a grid shape argument),
:func:`grid_order` (whether coordinates form a full grid, and their row-major order) and
:func:`as_signal_array` (a signal argument: real, numeric, non-empty, of given ranks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._units import refuse_boolean

__all__ = [
    "grid_coords",
    "infer_grid_shape",
    "image_to_samples",
    "samples_to_image",
    "audio_to_samples",
    "samples_to_audio",
    "samples_to_grid",
    "video_to_samples",
    "samples_to_video",
]


def check_shape(shape: Sequence[int] | int, name: str = "shape") -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be an int or a sequence of ints, got {shape!r}") from None
    if not dims or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in dims):
        raise ValueError(f"{name} must be a non-empty sequence of positive ints, got {shape!r}")
    return tuple(int(n) for n in dims)


def _axis_centres(n: int) -> np.ndarray:
    return ((2 * np.arange(n) + 1) / n - 1).astype(np.float32)


def grid_coords(shape: Sequence[int] | int) -> np.ndarray:
    """Coordinates of the cell centres of a regular grid over ``[-1, 1]^d``.

    Parameters
    ----------
    shape : int or sequence of int
        Number of samples along each axis, e.g. ``(H, W)`` for an image, ``n_samples`` for
        audio, ``(D, H, W)`` for a volume.

    Returns
    -------
    coords : ndarray of shape (prod(shape), len(shape)), float32
        Row-major: ``coords.reshape(*shape, d)[i, j]`` is the centre of cell ``(i, j)``;
        column ``k`` is the coordinate along axis ``k``.

    Examples
    --------
    >>> from sirenkit import grid_coords
    >>> grid_coords(4).ravel()
    array([-0.75, -0.25,  0.25,  0.75], dtype=float32)
    >>> grid_coords((2, 3)).shape
    (6, 2)
    """
    dims = check_shape(shape)
    axes = np.meshgrid(*(_axis_centres(n) for n in dims), indexing="ij")
    return np.stack([a.ravel() for a in axes], axis=-1)


def infer_grid_shape(coords: np.ndarray, atol: float = 1e-5) -> tuple[int, ...] | None:
    """The grid shape of ``coords`` if they are a full cell-centre grid, else ``None``.

    The samples may come in any order (e.g. shuffled); see :func:`samples_to_grid`.

    Examples
    --------
    >>> from sirenkit import grid_coords, infer_grid_shape
    >>> infer_grid_shape(grid_coords((3, 5)))
    (3, 5)
    >>> infer_grid_shape(grid_coords((3, 5))[:-1]) is None
    True
    """
    coords = np.asarray(coords)
    if coords.ndim != 2 or coords.shape[0] == 0:
        return None
    order = grid_order(coords, atol)
    return None if order is None else order[0]


def grid_order(coords: np.ndarray, atol: float) -> tuple[tuple[int, ...], np.ndarray] | None:
    """Shape and the permutation that puts ``coords`` in row-major grid order, if a full grid."""
    # Rounding to the tolerance makes unique() robust to float32 noise.
    rounded = np.round(coords.astype(np.float64) / atol) * atol
    shape = tuple(len(np.unique(rounded[:, k])) for k in range(coords.shape[1]))
    if int(np.prod(shape)) != coords.shape[0]:
        return None
    order = np.lexsort(rounded.T[::-1])
    if not np.allclose(coords[order], grid_coords(shape), atol=atol):
        return None
    return shape, order


def samples_to_grid(coords: np.ndarray, values: np.ndarray, atol: float = 1e-5) -> np.ndarray:
    """Arrange ``values`` sampled at ``coords`` (any order) on their grid.

    Parameters
    ----------
    coords : ndarray of shape (n, d)
        A full cell-centre grid (see :func:`grid_coords`), possibly permuted.
    values : ndarray of shape (n,) or (n, c)

    Returns
    -------
    grid : ndarray of shape ``shape + (c,)``
        ``c`` is 1 for 1-D ``values``.

    Raises
    ------
    ValueError
        If ``coords`` are not a full grid.
    """
    coords = np.asarray(coords)
    values = np.asarray(values)
    found = grid_order(coords, atol) if coords.ndim == 2 and len(coords) else None
    if found is None:
        raise ValueError(
            "coords must be a full cell-centre grid as returned by grid_coords(shape) "
            f"(in any order); got {coords.shape[0]} samples that are not."
        )
    shape, order = found
    columns = values.reshape(len(values), -1)
    return columns[order].reshape(*shape, columns.shape[1])


def as_signal_array(signal: np.ndarray, name: str, allowed_ndim: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(signal)
    refuse_boolean(array, name)
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(f"{name} must be a real numeric array, got dtype {array.dtype}")
    if array.ndim not in allowed_ndim:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, allowed_ndim))} dimensions, "
            f"got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    return array


def image_to_samples(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split an image into pixel-centre coordinates and pixel values.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)

    Returns
    -------
    coords : ndarray of shape (H * W, 2), float32
        ``coords[:, 0]`` is the row (y) coordinate, ``coords[:, 1]`` the column (x).
    values : ndarray of shape (H * W,) or (H * W, C)
        Same dtype as ``image``; 1-D for a greyscale ``(H, W)`` image.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import image_to_samples, samples_to_image
    >>> image = np.random.rand(4, 6, 3)
    >>> coords, values = image_to_samples(image)
    >>> coords.shape, values.shape
    ((24, 2), (24, 3))
    >>> np.array_equal(samples_to_image(values, (4, 6)), image)
    True
    """
    image = as_signal_array(image, "image", (2, 3))
    height, width = image.shape[:2]
    values = image.reshape(height * width, *image.shape[2:])
    return grid_coords((height, width)), values


def samples_to_image(values: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Reshape values predicted on ``grid_coords(shape)`` back into an image.

    Parameters
    ----------
    values : ndarray of shape (H * W,) or (H * W, C)
    shape : (H, W)

    Returns
    -------
    image : ndarray of shape (H, W) or (H, W, C)
    """
    height, width = check_shape(shape)
    values = as_signal_array(values, "values", (1, 2))
    if values.shape[0] != height * width:
        raise ValueError(
            f"values has {values.shape[0]} rows but shape {tuple(shape)} needs {height * width}"
        )
    return values.reshape(height, width, *values.shape[1:])


def audio_to_samples(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a waveform into time coordinates in ``[-1, 1]`` and sample values.

    Parameters
    ----------
    audio : ndarray of shape (n_samples,) or (n_samples, channels)

    Returns
    -------
    coords : ndarray of shape (n_samples, 1), float32
    values : ndarray of shape (n_samples,) or (n_samples, channels)

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import audio_to_samples
    >>> coords, values = audio_to_samples(np.zeros((100, 2)))
    >>> coords.shape, values.shape
    ((100, 1), (100, 2))
    """
    audio = as_signal_array(audio, "audio", (1, 2))
    return grid_coords(audio.shape[0]), audio


def samples_to_audio(values: np.ndarray) -> np.ndarray:
    """The waveform of values predicted on ``grid_coords(n_samples)`` (a validated view)."""
    return as_signal_array(values, "values", (1, 2))


def video_to_samples(video: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a video into ``(t, y, x)`` cell-centre coordinates and pixel values.

    The same grid convention as :func:`image_to_samples`, with time as the first axis:
    frame ``k`` of ``T`` is at ``t = -1 + (2k + 1) / T``.

    Parameters
    ----------
    video : ndarray of shape (T, H, W) or (T, H, W, C)

    Returns
    -------
    coords : ndarray of shape (T * H * W, 3), float32
        Columns ``t``, ``y`` (rows), ``x`` (columns).
    values : ndarray of shape (T * H * W,) or (T * H * W, C)

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import samples_to_video, video_to_samples
    >>> video = np.random.rand(5, 4, 6, 3)
    >>> coords, values = video_to_samples(video)
    >>> coords.shape, values.shape
    ((120, 3), (120, 3))
    >>> np.array_equal(samples_to_video(values, (5, 4, 6)), video)
    True
    """
    video = as_signal_array(video, "video", (3, 4))
    shape = video.shape[:3]
    return grid_coords(shape), video.reshape(int(np.prod(shape)), *video.shape[3:])


def samples_to_video(values: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Reshape values predicted on ``grid_coords((T, H, W))`` back into a video.

    Parameters
    ----------
    values : ndarray of shape (T * H * W,) or (T * H * W, C)
    shape : (T, H, W)

    Returns
    -------
    video : ndarray of shape (T, H, W) or (T, H, W, C)
    """
    shape = check_shape(shape)
    if len(shape) != 3:
        raise ValueError(f"shape must be (T, H, W), got {tuple(shape)}")
    values = as_signal_array(values, "values", (1, 2))
    if values.shape[0] != int(np.prod(shape)):
        raise ValueError(
            f"values has {values.shape[0]} rows but shape {tuple(shape)} needs "
            f"{int(np.prod(shape))}"
        )
    return values.reshape(*shape, *values.shape[1:])
