"""Read and write images, audio, point clouds and meshes as arrays; bundled sample images.

Images are float32 arrays in [0, 1] of shape ``(H, W)`` (greyscale) or ``(H, W, 3)`` (RGB).
Audio is float32 samples of shape ``(n,)`` (mono) or ``(n, channels)``, plus a sample rate.
Videos are float32 arrays ``(T, H, W)`` or ``(T, H, W, 3)`` in [0, 1] (frames of a folder,
a GIF, or an MP4 where imageio with PyAV is installed).
Point clouds are ``(points, normals)`` of shape ``(n, 3)``; meshes ``(vertices, faces)``.
PLY goes through plyfile (``pip install sirenkit[shapes]``).
"""

from __future__ import annotations

import contextlib
import numbers
import os
import warnings
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image

__all__ = [
    "UnreadableFileError",
    "load_audio",
    "load_image",
    "load_mesh",
    "load_point_cloud",
    "load_sample_image",
    "load_video",
    "replacing",
    "save_audio",
    "save_image",
    "save_mesh",
    "save_video",
]

# Pillow modes that hold one channel (plus alpha for "LA" and "La").
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
# The value that maps to 1.0, keyed on the kind and item size of the pixel dtype.
_FULL_SCALE = {"u1": 255, "u2": 65535, "i4": 65535, "f4": 1}
# soundfile subtypes that store floats. Values outside [-1, 1] are clipped for all others.
_FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})


class UnreadableFileError(OSError):
    """A file that exists but is not an image (or audio) file its reader can decode."""


def _existing_file(path: str | os.PathLike[str]) -> str:
    """Return ``path`` as a string; FileNotFoundError or IsADirectoryError if it is not a
    file."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"path must be a file, {path!r} is a directory")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path must be an existing file; {path!r} was not found")
    return path


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Write ``path`` whole or not at all: yield a temporary name beside it (same
    extension, so writers that pick the format from it still do), then rename it to
    ``path``; on an error or an interrupt the temporary file is removed and ``path`` is
    left as it was.

    Examples
    --------
    >>> import os, tempfile
    >>> from sirenkit.io import replacing
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with replacing(os.path.join(tmp, "model.txt")) as partial:
    ...         _ = partial.write_text("done")
    ...     sorted(os.listdir(tmp))
    ['model.txt']
    """
    path = Path(path)
    partial = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    try:
        yield partial
        os.replace(partial, path)
    except OSError as error:
        if error.filename is None or os.fspath(error.filename) != os.fspath(partial):
            raise
        # Name the file the caller asked for, not the temporary one.
        raise type(error)(error.errno, error.strerror, os.fspath(path)) from None
    finally:
        partial.unlink(missing_ok=True)


def _finite_array(value: object, name: str) -> np.ndarray:
    """Return ``value`` as a non-empty, finite float64 array. Errors name ``name``."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must contain only finite values; got NaN or infinity")
    return array.astype(np.float64, copy=False)


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as a float32 array in [0, 1].

    Parameters
    ----------
    path : str or os.PathLike
        Any image file that Pillow can read. Multi-frame files give their first frame.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(H, W)`` for greyscale modes (``1``, ``L``, ``I;16``, ``I``,
        ``F``) and ``(H, W, 3)`` for all other modes, which are converted to RGB
        (``P``, ``CMYK``, ``YCbCr``, ...). 8-bit values are divided by 255, and 16-bit values
        (``I;16*`` modes, and mode ``I``) by 65535. Float (``F``) values are returned as they
        are.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` is not an existing file.
    UnreadableFileError
        If the file is not an image Pillow can decode (a corrupt or truncated file).
    ValueError
        If a mode ``I`` image has values outside [0, 65535], or a mode ``F`` image has values
        outside [0, 1].

    Warns
    -----
    UserWarning
        If the image has an alpha channel or transparency. It is dropped and not applied.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sirenkit.io import load_image, save_image
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "ramp.png")
    ...     save_image(path, np.linspace(0, 1, 12).reshape(3, 4))
    ...     image = load_image(path)
    >>> image.shape, image.dtype, float(image.max())
    ((3, 4), dtype('float32'), 1.0)
    """
    path = _existing_file(path)
    try:
        with Image.open(path) as image:
            if image.has_transparency_data:
                warnings.warn(
                    f"{path!r}: the alpha channel or transparency of this mode "
                    f"{image.mode!r} image was dropped",
                    UserWarning,
                    stacklevel=2,
                )
            pixels = _grey_or_rgb(image)
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # Pillow's decode errors
        raise UnreadableFileError(
            f"{path!r} is not an image file Pillow can read (PNG, JPEG, TIFF...): {error}"
        ) from None
    return _unit_floats(pixels, path)


def _grey_or_rgb(image: Image.Image) -> np.ndarray:
    """The pixels of a Pillow image in a grey mode (``L``, ``I;16``, ``I``, ``F``: kept) or
    in RGB (every other mode, converted): what :func:`load_image` and the GIF frames of
    :func:`load_video` return."""
    if image.mode not in _GREY_MODES:
        image = image.convert("RGB")
    elif image.mode in ("1", "LA", "La"):
        image = image.convert("L")
    return np.asarray(image)


def _unit_floats(pixels: np.ndarray, path: str) -> np.ndarray:
    """Pixel values as float32 in [0, 1]: 8-bit divided by 255, 16-bit (and Pillow's
    32-bit ``I`` mode, which holds 16-bit PNGs) by 65535, floats as they are; values
    outside that range are an error naming ``path``."""
    full_scale = _FULL_SCALE.get(f"{pixels.dtype.kind}{pixels.dtype.itemsize}")
    if full_scale is None:
        raise UnreadableFileError(f"{path!r}: pixels of dtype {pixels.dtype} are not read")
    values = pixels.astype(np.float32) / np.float32(full_scale)
    if not ((values >= 0) & (values <= 1)).all():
        raise ValueError(
            f"{path!r}: pixel values of dtype {pixels.dtype} must lie in [0, {full_scale}]; "
            f"got values from {np.nanmin(pixels)} to {np.nanmax(pixels)}"
        )
    return values


def save_image(path: str | os.PathLike[str], image: np.ndarray, bit_depth: int = 8) -> None:
    """Write a float image with values in [0, 1] to an image file.

    Values are clipped to [0, 1], as is usual when you save a network's prediction, and then
    scaled to the integer range of ``bit_depth`` and rounded to the nearest integer.

    Parameters
    ----------
    path : str or os.PathLike
        Output file. Pillow picks the format from the extension (``.png``, ``.jpg``, ...).
        It is written whole or not at all (see :func:`replacing`).
    image : array_like
        Real-valued array of shape ``(H, W)`` or ``(H, W, 1)`` (greyscale) or ``(H, W, 3)``
        (RGB). It must not contain NaN or infinity.
    bit_depth : {8, 16}, default 8
        Bits per channel. 16 is supported for greyscale PNG files only, because Pillow
        cannot write 16-bit RGB images.

    Raises
    ------
    TypeError
        If ``image`` is not numeric, or has an integer dtype (pass floats in [0, 1]).
    ValueError
        If ``image`` is empty, has the wrong shape, or contains NaN or infinity, or if
        ``bit_depth`` is not 8 or 16, or is 16 for an RGB image or a path that is not PNG.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sirenkit.io import load_image, save_image
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "grey16.png")
    ...     save_image(path, np.array([[0.0, 0.25], [0.5, 2.0]]), bit_depth=16)
    ...     levels = load_image(path) * 65535  # 2.0 is clipped to 1.0
    >>> print(np.round(levels).astype(int))
    [[    0 16384]
     [32768 65535]]
    """
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16; got {bit_depth!r}")
    if np.asarray(image).dtype.kind in "iu":
        # Clipping 0-255 integers to [0, 1] would silently write an almost white image.
        raise TypeError(
            f"image must be a float array with values in [0, 1]; got integer "
            f"dtype {np.asarray(image).dtype} (divide 8-bit data by 255)"
        )
    pixels = _finite_array(image, "image")
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    if pixels.ndim != 2 and (pixels.ndim != 3 or pixels.shape[2] != 3):
        raise ValueError(
            f"image must have shape (H, W), (H, W, 1) or (H, W, 3); got shape {np.shape(image)}"
        )
    if bit_depth == 16 and pixels.ndim == 3:
        raise ValueError(
            "bit_depth=16 requires a greyscale image of shape (H, W) or (H, W, 1), because "
            f"Pillow cannot write 16-bit RGB images; got shape {np.shape(image)}. "
            "Use bit_depth=8 for RGB images."
        )
    if bit_depth == 16 and not os.fspath(path).lower().endswith(".png"):
        raise ValueError(f"bit_depth=16 requires a path ending in .png; got {os.fspath(path)!r}")
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    levels = np.rint(np.clip(pixels, 0, 1) * np.iinfo(dtype).max).astype(dtype)
    with replacing(path) as partial:
        Image.fromarray(levels).save(partial)


def load_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples.

    Parameters
    ----------
    path : str or os.PathLike
        Any file that soundfile (libsndfile) can read: WAV, FLAC, OGG, ...

    Returns
    -------
    samples : numpy.ndarray
        float32 array of shape ``(n,)`` for mono files and ``(n, channels)`` otherwise. PCM
        files are scaled to [-1, 1).
    sample_rate : int
        Sample rate in Hz.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` is not an existing file.
    UnreadableFileError
        If libsndfile cannot decode the file (a corrupt file, or not audio).
    ValueError
        If the file contains no samples.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sirenkit.io import load_audio, save_audio
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "tone.wav")
    ...     save_audio(path, np.sin(np.linspace(0, 100, 16000)), 16000)
    ...     samples, sample_rate = load_audio(path)
    >>> samples.shape, samples.dtype, sample_rate
    ((16000,), dtype('float32'), 16000)
    """
    path = _existing_file(path)
    try:
        samples, sample_rate = sf.read(path, dtype="float32", always_2d=False)
    except sf.SoundFileError as error:
        raise UnreadableFileError(
            f"{path!r} is not an audio file libsndfile can read (WAV, FLAC, OGG...): "
            f"{str(error).removeprefix(f'Error opening {path!r}: ')}"
        ) from None
    if samples.shape[0] == 0:
        raise ValueError(f"path must be an audio file with at least one sample; {path!r} has none")
    return samples, int(sample_rate)


def save_audio(
    path: str | os.PathLike[str],
    samples: np.ndarray,
    sample_rate: int,
    subtype: str | None = None,
) -> None:
    """Write samples to an audio file. The arguments are in the order of ``soundfile.write``.

    Parameters
    ----------
    path : str or os.PathLike
        Output file. soundfile picks the format from the extension (``.wav``, ``.flac``, ...).
        It is written whole or not at all (see :func:`replacing`).
    samples : array_like
        Real-valued array of shape ``(n,)`` (mono) or ``(n, channels)``. It must not be empty
        or contain NaN or infinity. Values are expected to lie in [-1, 1].
    sample_rate : int
        Sample rate in Hz. It must be positive.
    subtype : str, optional
        soundfile subtype, for example ``"PCM_16"`` or ``"FLOAT"``. By default soundfile uses
        the default for the format (``"PCM_16"`` for WAV and FLAC).

    Raises
    ------
    TypeError
        If ``samples`` is not numeric, or ``sample_rate`` is not an integer.
    ValueError
        If ``samples`` is empty, has the wrong shape, or contains NaN or infinity, or if
        ``sample_rate`` is not positive.

    Warns
    -----
    UserWarning
        If samples outside [-1, 1] are clipped. Clipping applies to all subtypes except
        ``"FLOAT"`` and ``"DOUBLE"``, which can store such values.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sirenkit.io import load_audio, save_audio
    >>> stereo = np.array([[0.0, 0.5], [-0.25, 1.0]])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "stereo.wav")
    ...     save_audio(path, stereo, 8000, subtype="FLOAT")
    ...     samples, sample_rate = load_audio(path)
    >>> print(samples, sample_rate)
    [[ 0.    0.5 ]
     [-0.25  1.  ]] 8000
    """
    data = _finite_array(samples, "samples")
    if data.ndim not in (1, 2):
        raise ValueError(f"samples must have shape (n,) or (n, channels); got shape {data.shape}")
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Integral):
        raise TypeError(f"sample_rate must be an int; got {type(sample_rate).__name__}")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive number of Hz; got {sample_rate}")
    channels = 1 if data.ndim == 1 else data.shape[1]
    if not Path(path).parent.is_dir():  # libsndfile would only say "System error."
        raise FileNotFoundError(2, "No such folder", os.fspath(path))
    with (
        replacing(path) as partial,
        sf.SoundFile(partial, "w", int(sample_rate), channels, subtype) as file,
    ):
        if file.subtype not in _FLOAT_SUBTYPES and np.abs(data).max() > 1:
            warnings.warn(
                f"samples outside [-1, 1] were clipped for the {file.subtype} subtype",
                UserWarning,
                stacklevel=2,
            )
            data = np.clip(data, -1, 1)
        file.write(data)


def load_sample_image(name: str = "astronaut") -> np.ndarray:
    """Load an image bundled with sirenkit.

    Parameters
    ----------
    name : str, default "astronaut"
        Name of a PNG file in ``sirenkit/data/``, without the extension. ``"astronaut"`` is
        a 256 x 256 RGB photo of NASA astronaut Eileen Collins (public domain, taken from
        scikit-image's sample data).

    Returns
    -------
    numpy.ndarray
        float32 array in [0, 1], as returned by `load_image`.

    Raises
    ------
    ValueError
        If no bundled image is called ``name``. The message lists the available names.

    Examples
    --------
    >>> from sirenkit.io import load_sample_image
    >>> image = load_sample_image()
    >>> image.shape, image.dtype
    ((256, 256, 3), dtype('float32'))
    """
    data = files("sirenkit") / "data"
    available = sorted(item.name[:-4] for item in data.iterdir() if item.name.endswith(".png"))
    if name not in available:
        raise ValueError(f"name must be one of {', '.join(available)}; got {name!r}")
    with as_file(data / f"{name}.png") as path:
        return load_image(path)


def _plyfile():
    try:
        import plyfile
    except ImportError:  # an optional dependency
        raise ImportError(
            "PLY files need plyfile: pip install plyfile (or sirenkit[shapes])"
        ) from None
    return plyfile


def _read_ply(path: str):
    plyfile = _plyfile()
    try:
        return plyfile.PlyData.read(path)
    except (plyfile.PlyParseError, plyfile.PlyHeaderParseError, ValueError, EOFError) as error:
        raise UnreadableFileError(f"{path!r} is not a PLY file plyfile can read: {error}") from None


def _columns(element, names: tuple[str, ...], path: str) -> np.ndarray:
    present = element.data.dtype.names
    missing = [name for name in names if name not in present]
    if missing:
        raise ValueError(
            f"{path!r}: the {element.name!r} element has no {', '.join(missing)} "
            f"property (it has {', '.join(present)})"
        )
    return np.stack([np.asarray(element[name], np.float64) for name in names], axis=1)


def load_point_cloud(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read an oriented point cloud: points and their normals.

    Parameters
    ----------
    path : str or os.PathLike
        A PLY file whose vertices have ``x y z nx ny nz``, or an ``.xyz`` text file of rows
        ``x y z nx ny nz`` (the SIREN paper's shape data).

    Returns
    -------
    points, normals : ndarray of shape (n, 3), float64
        The normals as stored (:class:`sirenkit.SignedDistanceRegressor` refuses
        non-unit ones: normalise them if your scanner does not).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sirenkit.io import load_point_cloud
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "cloud.xyz")
    ...     np.savetxt(path, [[1, 0, 0, 1, 0, 0], [0, 1, 0, 0, 1, 0]])
    ...     points, normals = load_point_cloud(path)
    >>> points.shape, normals[1].tolist()
    ((2, 3), [0.0, 1.0, 0.0])
    """
    path = _existing_file(path)
    if path.lower().endswith(".ply"):
        vertex = _read_ply(path)["vertex"]
        return (
            _columns(vertex, ("x", "y", "z"), path),
            _columns(vertex, ("nx", "ny", "nz"), path),
        )
    if not path.lower().endswith(".xyz"):
        raise ValueError(f"path must be a .ply or .xyz file, got {path!r}")
    try:
        rows = np.loadtxt(path, ndmin=2)
    except ValueError as error:
        raise UnreadableFileError(f"{path!r} is not a table of numbers: {error}") from None
    if rows.shape[1] != 6:
        raise ValueError(f"{path!r} must have 6 columns (x y z nx ny nz), got {rows.shape[1]}")
    return rows[:, :3], rows[:, 3:]


def save_mesh(path: str | os.PathLike[str], vertices: np.ndarray, faces: np.ndarray) -> None:
    """Write a triangle mesh to a binary PLY file (written whole or not at all).

    Parameters
    ----------
    path : str or os.PathLike
        Ends in ``.ply``.
    vertices : ndarray of shape (n, 3)
    faces : ndarray of shape (m, 3), int
        Vertex indices of each triangle.
    """
    plyfile = _plyfile()
    vertices = _finite_array(vertices, "vertices")
    faces = np.asarray(faces)
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise ValueError(f"vertices must have shape (n, 3), got {vertices.shape}")
    if faces.ndim != 2 or faces.shape[1] != 3 or faces.dtype.kind not in "iu":
        raise ValueError(f"faces must be integers of shape (m, 3), got {faces.dtype} {faces.shape}")
    if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise ValueError(
            f"faces must index the {len(vertices)} vertices, got {faces.min()} to {faces.max()}"
        )
    if not os.fspath(path).lower().endswith(".ply"):
        raise ValueError(f"path must end in .ply, got {os.fspath(path)!r}")
    vertex = np.empty(len(vertices), [("x", "f4"), ("y", "f4"), ("z", "f4")])
    vertex["x"], vertex["y"], vertex["z"] = vertices.T
    face = np.empty(len(faces), [("vertex_indices", "i4", (3,))])
    face["vertex_indices"] = faces
    data = plyfile.PlyData(
        [plyfile.PlyElement.describe(vertex, "vertex"), plyfile.PlyElement.describe(face, "face")]
    )
    with replacing(path) as partial:
        data.write(os.fspath(partial))


def load_mesh(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read a triangle mesh from a PLY file: vertices ``(n, 3)`` and faces ``(m, 3)``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sirenkit.io import load_mesh, save_mesh
    >>> vertices = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> faces = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_mesh(os.path.join(tmp, "tetra.ply"), vertices, faces)
    ...     read_vertices, read_faces = load_mesh(os.path.join(tmp, "tetra.ply"))
    >>> bool(np.array_equal(read_vertices, vertices) and np.array_equal(read_faces, faces))
    True
    """
    path = _existing_file(path)
    data = _read_ply(path)
    vertices = _columns(data["vertex"], ("x", "y", "z"), path)
    try:
        faces = np.vstack(data["face"]["vertex_indices"]).astype(np.int64)
    except KeyError:
        raise ValueError(f"{path!r} has no face element: it is a point cloud, not a mesh") from None
    if faces.shape[1] != 3:
        raise ValueError(
            f"{path!r} has faces of {faces.shape[1]} vertices; only triangles are read"
        )
    return vertices, faces


#: Image files a folder of frames may hold, read in name order.
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def load_video(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a video as float32 frames in [0, 1].

    Parameters
    ----------
    path : str or os.PathLike
        A folder of image frames (read in name order, all of one size and mode), an
        animated GIF (read with Pillow), or another video file (MP4, ...) read with
        imageio's PyAV plugin when installed (``pip install imageio av``).

    Returns
    -------
    video : ndarray of shape (T, H, W) (greyscale) or (T, H, W, 3), float32
        In [0, 1], converted as :func:`load_image` converts images: grey frames (a folder
        of grey images, a GIF of grey frames) stay grey, other modes become RGB.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sirenkit.io import load_video, save_video
    >>> frames = np.linspace(0, 1, 4 * 8 * 10 * 3).reshape(4, 8, 10, 3)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_video(os.path.join(tmp, "clip.gif"), frames)
    ...     video = load_video(os.path.join(tmp, "clip.gif"))
    >>> video.shape, float(np.abs(video - frames).max()) < 0.01
    ((4, 8, 10, 3), True)
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.lower().endswith(FRAME_SUFFIXES))
        if not names:
            raise ValueError(f"path {path!r} is a folder without image frames {FRAME_SUFFIXES}")
        return _stack_frames([load_image(os.path.join(path, n)) for n in names], names)
    path = _existing_file(path)
    if path.lower().endswith(".gif"):
        from PIL import ImageSequence

        with Image.open(path) as gif:
            frames = [_grey_or_rgb(frame) for frame in ImageSequence.Iterator(gif)]
        if len({frame.ndim for frame in frames}) > 1:  # grey frames among colour ones
            frames = [np.stack([f] * 3, axis=-1) if f.ndim == 2 else f for f in frames]
        return _stack_frames([_unit_floats(frame, path) for frame in frames], None)
    try:
        import imageio.v3 as iio
    except ImportError:
        raise ImportError(
            f"reading {os.path.splitext(path)[1] or path!r} video needs imageio with PyAV: "
            "pip install imageio av; or pass a folder of frames or a GIF"
        ) from None
    try:
        frames = iio.imread(path, plugin="pyav")
    except (ImportError, ModuleNotFoundError):
        raise ImportError(f"reading {path!r} needs PyAV: pip install av") from None
    except Exception as error:  # the plugin's own errors are not a common type
        raise UnreadableFileError(f"{path!r} is not a video PyAV can read: {error}") from None
    return _stack_frames([_unit_floats(frame, path) for frame in frames], None)


def _stack_frames(frames: list[np.ndarray], names: list[str] | None) -> np.ndarray:
    shapes = {frame.shape for frame in frames}
    if len(shapes) > 1:
        where = "" if names is None else f" ({names[0]}: {frames[0].shape})"
        raise ValueError(f"the frames must all have one shape, got {sorted(shapes)}{where}")
    return np.stack(frames).astype(np.float32)


def save_video(
    path: str | os.PathLike[str], video: np.ndarray, frame_duration_ms: int = 100
) -> None:
    """Write frames in [0, 1] as an animated GIF (8 bits, Pillow's palette), whole or not
    at all.

    Parameters
    ----------
    path : str or os.PathLike
        Ends in ``.gif``.
    video : ndarray of shape (T, H, W) or (T, H, W, 3)
    frame_duration_ms : int, default=100
    """
    video = _finite_array(video, "video")
    if video.ndim not in (3, 4) or (video.ndim == 4 and video.shape[-1] != 3):
        raise ValueError(f"video must have shape (T, H, W) or (T, H, W, 3), got {video.shape}")
    if not os.fspath(path).lower().endswith(".gif"):
        raise ValueError(f"path must end in .gif, got {os.fspath(path)!r}")
    levels = np.round(np.clip(video, 0, 1) * 255).astype(np.uint8)
    frames = [Image.fromarray(frame) for frame in levels]
    with replacing(path) as partial:
        frames[0].save(
            partial,
            save_all=True,
            append_images=frames[1:],
            duration=frame_duration_ms,
            loop=0,
            optimize=False,
        )
