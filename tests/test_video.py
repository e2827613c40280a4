"""Video: samples on the cell-centre grid, frames in and out, a fit in 3-D."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sirenkit import SirenRegressor, grid_coords, samples_to_video, video_to_samples
from sirenkit.io import UnreadableFileError, load_video, save_video
from sirenkit.metrics import psnr


def moving_blob(frames=8, size=16):
    t, y, x = np.meshgrid(*(np.linspace(-1, 1, n) for n in (frames, size, size)), indexing="ij")
    blob = np.exp(-((x - 0.5 * t) ** 2 + y**2) / 0.15)
    return np.stack([blob, 0.5 * blob, 1 - blob], axis=-1).astype(np.float32)


def test_video_samples_are_the_grid_with_time_first():
    video = moving_blob()
    coords, values = video_to_samples(video)
    np.testing.assert_array_equal(coords, grid_coords(video.shape[:3]))
    assert coords[0, 0] == pytest.approx(-1 + 1 / 8)  # frame 0 at its cell centre
    np.testing.assert_array_equal(values[16 * 16 + 3], video[1, 0, 3])
    np.testing.assert_array_equal(samples_to_video(values, video.shape[:3]), video)
    assert video_to_samples(video[..., 0])[1].shape == (8 * 16 * 16,)
    with pytest.raises(ValueError, match="video must have 3 or 4 dimensions"):
        video_to_samples(video[0, ..., 0])
    with pytest.raises(ValueError, match=r"shape must be \(T, H, W\)"):
        samples_to_video(values, (8, 256))
    with pytest.raises(ValueError, match="needs 2048"):
        samples_to_video(values[:-1], (8, 16, 16))


def test_a_video_fit_with_the_automatic_omega_0():
    video = moving_blob()
    coords, values = video_to_samples(video)
    est = SirenRegressor(
        omega_0="auto", hidden_features=64, hidden_layers=2, max_epochs=150, random_state=0
    ).fit(coords, values)
    assert 1 < est.omega_0_ < 200
    assert psnr(values, est.predict(coords)) > 30
    # Between frames: the blob at t halfway between frames 3 and 4.
    middle = grid_coords((15, 16, 16))[7 * 256 : 8 * 256]
    assert middle[0, 0] == pytest.approx(0.0, abs=1e-6)
    between = est.predict(middle)
    assert psnr((video[3] + video[4]).reshape(-1, 3) / 2, between) > 25


def test_frames_folder_and_gif_load_and_save(tmp_path):
    video = moving_blob(frames=4)
    for k, frame in enumerate(video):
        Image.fromarray(np.round(frame * 255).astype(np.uint8)).save(tmp_path / f"f{k:02d}.png")
    (tmp_path / "notes.txt").write_text("not a frame")
    loaded = load_video(tmp_path)
    assert loaded.shape == video.shape and loaded.dtype == np.float32
    assert np.abs(loaded - video).max() <= 0.5 / 255 + 1e-6
    save_video(tmp_path / "clip.gif", video)
    assert load_video(tmp_path / "clip.gif").shape == video.shape
    assert not list(tmp_path.glob(".*partial*"))  # written whole


def test_bad_videos_are_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="without image frames"):
        load_video(tmp_path)
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    Image.new("RGB", (8, 6)).save(tmp_path / "b.png")
    with pytest.raises(ValueError, match="one shape"):
        load_video(tmp_path)
    with pytest.raises(ValueError, match="end in .gif"):
        save_video(tmp_path / "clip.mp4", np.zeros((2, 4, 4, 3)))
    (tmp_path / "clip.mp4").write_bytes(b"not a video")
    try:
        import av  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install"):
            load_video(tmp_path / "clip.mp4")
    else:
        with pytest.raises(UnreadableFileError, match="not a video PyAV can read"):
            load_video(tmp_path / "clip.mp4")


def _moving_colours(frames=8, height=32, width=48) -> np.ndarray:
    t = np.linspace(0, 1, frames)[:, None, None]
    y, x = np.meshgrid(np.linspace(0, 1, height), np.linspace(0, 1, width), indexing="ij")
    return np.stack(
        [
            0.5 + 0.4 * np.sin(6 * x + 3 * t),
            0.5 + 0.4 * np.cos(5 * y + 2 * t),
            0.3 + 0.4 * x * y + 0 * t,
        ],
        axis=-1,
    )


def test_an_mp4_round_trips_through_pyav(tmp_path):
    iio = pytest.importorskip("imageio.v3")
    pytest.importorskip("av")
    video = _moving_colours()
    path = tmp_path / "clip.mp4"
    iio.imwrite(path, np.round(video * 255).astype(np.uint8), plugin="pyav", codec="mpeg4")
    loaded = load_video(path)
    assert loaded.shape == video.shape and loaded.dtype == np.float32
    # A lossy codec: close on average, each channel where it was (not swapped, not scaled).
    assert np.abs(loaded - video).mean() < 0.05
    for channel in range(3):
        assert abs(loaded[..., channel].mean() - video[..., channel].mean()) < 0.02


def test_a_grey_gif_stays_grey_and_a_colour_one_rgb(tmp_path):
    grey = _moving_colours()[..., 0]
    save_video(tmp_path / "grey.gif", grey)
    loaded = load_video(tmp_path / "grey.gif")
    assert loaded.shape == grey.shape  # (T, H, W), as the docstring says
    assert np.abs(loaded - grey).max() <= 0.5 / 255 + 1e-6
    colour = _moving_colours()
    save_video(tmp_path / "colour.gif", colour)
    assert load_video(tmp_path / "colour.gif").shape == colour.shape
    # A folder of grey frames stays grey too.
    for k, frame in enumerate(grey[:3]):
        Image.fromarray(np.round(frame * 255).astype(np.uint8)).save(tmp_path / f"{k}.png")
    (tmp_path / "grey.gif").unlink(), (tmp_path / "colour.gif").unlink()
    assert load_video(tmp_path).shape == grey[:3].shape


def test_a_real_gif_loads_frame_by_frame_and_fits():
    skimage = pytest.importorskip("skimage")
    from pathlib import Path

    path = Path(skimage.__file__).parent / "data" / "no_time_for_that_tiny.gif"
    video = load_video(path)
    with Image.open(path) as gif:
        assert video.shape[0] == gif.n_frames
        gif.seek(5)
        frame5 = np.asarray(gif.convert("RGB"), np.float32) / 255
    assert video.shape[1:] == frame5.shape
    np.testing.assert_allclose(video[5], frame5)
    coords, values = video_to_samples(video)
    est = SirenRegressor(
        omega_0="auto", hidden_features=64, hidden_layers=2, max_epochs=100, random_state=0
    ).fit(coords, values)
    fitted = samples_to_video(est.predict(coords), video.shape[:3])
    assert psnr(video, fitted) > 25
