"""Tests for sirenkit.io: image and audio reading and writing, and the bundled samples."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from sirenkit.io import load_audio, load_image, load_sample_image, save_audio, save_image

RNG = np.random.default_rng(0)


def _pillow_mode(path):
    with Image.open(path) as image:
        return image.mode


# Images ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3)])
def test_image_round_trip_8_bit(tmp_path, shape):
    image = RNG.random(shape)
    path = tmp_path / "image.png"
    save_image(path, image)
    loaded = load_image(path)
    assert loaded.dtype == np.float32
    assert loaded.shape == shape
    assert np.abs(loaded - image).max() <= 0.5 / 255 + 1e-6


def test_image_round_trip_16_bit_grey(tmp_path):
    image = RNG.random((6, 4))
    path = tmp_path / "grey16.png"
    save_image(path, image, bit_depth=16)
    assert _pillow_mode(path) == "I;16"
    assert np.abs(load_image(path) - image).max() <= 0.5 / 65535 + 1e-7


def test_image_single_channel_is_saved_as_grey(tmp_path):
    image = RNG.random((3, 4, 1))
    path = tmp_path / "grey.png"
    save_image(path, image)
    assert _pillow_mode(path) == "L"
    np.testing.assert_allclose(load_image(path), image[:, :, 0], atol=0.5 / 255 + 1e-6)


def test_non_square_image_keeps_height_width_order(tmp_path):
    image = np.zeros((2, 5, 3))
    image[1, 4] = [1.0, 0.0, 0.0]
    path = tmp_path / "wide.png"
    save_image(path, image)
    with Image.open(path) as written:
        assert written.size == (5, 2)  # Pillow reports (width, height).
    loaded = load_image(path)
    assert loaded.shape == (2, 5, 3)
    np.testing.assert_array_equal(loaded[1, 4], [1.0, 0.0, 0.0])
    assert loaded.sum() == 1.0


def test_16_bit_png_written_by_pillow_is_divided_by_65535(tmp_path):
    values = np.array([[0, 1, 1000], [32768, 65534, 65535]], dtype=np.uint16)
    path = tmp_path / "pillow16.png"
    Image.fromarray(values).save(path)
    loaded = load_image(path)
    assert loaded.dtype == np.float32
    np.testing.assert_allclose(loaded, values / 65535, rtol=1e-6)


def test_8_bit_grey_is_divided_by_255(tmp_path):
    values = np.array([[0, 1, 128, 255]], dtype=np.uint8)
    path = tmp_path / "grey8.png"
    Image.fromarray(values).save(path)
    np.testing.assert_allclose(load_image(path), values / 255, rtol=1e-6)


def test_mode_i_image_is_divided_by_65535(tmp_path):
    values = np.array([[0, 300, 65535]], dtype=np.int32)
    path = tmp_path / "int32.tif"
    Image.fromarray(values).save(path)
    np.testing.assert_allclose(load_image(path), values / 65535, rtol=1e-6)


def test_mode_i_image_out_of_16_bit_range_raises(tmp_path):
    path = tmp_path / "int32.tif"
    Image.fromarray(np.array([[0, 70000]], dtype=np.int32)).save(path)
    with pytest.raises(ValueError, match="65535"):
        load_image(path)


def test_float_image_in_unit_range_is_returned_as_is(tmp_path):
    values = np.array([[0.0, 0.123456, 1.0]], dtype=np.float32)
    path = tmp_path / "float.tif"
    Image.fromarray(values).save(path)
    np.testing.assert_array_equal(load_image(path), values)


def test_float_image_out_of_unit_range_raises(tmp_path):
    path = tmp_path / "float.tif"
    Image.fromarray(np.array([[0.0, 1.5]], dtype=np.float32)).save(path)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        load_image(path)


def test_rgba_image_warns_and_drops_alpha(tmp_path):
    rgba = np.array([[[255, 0, 0, 0], [0, 255, 0, 128]]], dtype=np.uint8)
    path = tmp_path / "rgba.png"
    Image.fromarray(rgba).save(path)
    with pytest.warns(UserWarning, match=r"rgba\.png"):
        loaded = load_image(path)
    np.testing.assert_array_equal(loaded, [[[1, 0, 0], [0, 1, 0]]])


def test_la_image_warns_and_gives_grey(tmp_path):
    path = tmp_path / "la.png"
    Image.fromarray(np.array([[[51, 0], [255, 255]]], dtype=np.uint8), mode="LA").save(path)
    with pytest.warns(UserWarning, match="alpha"):
        loaded = load_image(path)
    np.testing.assert_allclose(loaded, [[0.2, 1.0]], rtol=1e-6)


def test_palette_image_gives_rgb(tmp_path):
    rgb = np.array([[[255, 0, 0], [0, 0, 255]], [[0, 0, 255], [255, 0, 0]]], dtype=np.uint8)
    path = tmp_path / "palette.png"
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=2).save(path)
    assert _pillow_mode(path) == "P"
    np.testing.assert_array_equal(load_image(path), rgb / 255)


def test_bilevel_image_gives_grey_zero_or_one(tmp_path):
    path = tmp_path / "bilevel.png"
    Image.fromarray(np.array([[0, 255, 0]], dtype=np.uint8)).convert("1").save(path)
    assert _pillow_mode(path) == "1"
    np.testing.assert_array_equal(load_image(path), [[0.0, 1.0, 0.0]])


def test_save_image_clips_out_of_range_values(tmp_path):
    path = tmp_path / "clipped.png"
    save_image(path, np.array([[-0.5, 0.5, 1.5]]))
    with Image.open(path) as written:
        np.testing.assert_array_equal(np.asarray(written), [[0, 128, 255]])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_save_image_with_non_finite_values_raises(tmp_path, bad):
    image = np.full((2, 2), 0.5)
    image[0, 1] = bad
    with pytest.raises(ValueError, match="image"):
        save_image(tmp_path / "bad.png", image)
    assert not (tmp_path / "bad.png").exists()


@pytest.mark.parametrize("shape", [(4,), (4, 4, 2), (4, 4, 4), (2, 4, 4, 3)])
def test_save_image_with_wrong_shape_raises(tmp_path, shape):
    with pytest.raises(ValueError, match=r"image must have shape .*got shape") as info:
        save_image(tmp_path / "bad.png", np.zeros(shape))
    assert str(shape) in str(info.value)


def test_save_empty_image_raises(tmp_path):
    with pytest.raises(ValueError, match="image must not be empty"):
        save_image(tmp_path / "empty.png", np.zeros((0, 3)))


def test_save_non_numeric_image_raises_type_error(tmp_path):
    with pytest.raises(TypeError, match="image"):
        save_image(tmp_path / "text.png", [["a", "b"]])


def test_save_16_bit_rgb_raises(tmp_path):
    with pytest.raises(ValueError, match="16-bit RGB"):
        save_image(tmp_path / "rgb16.png", np.zeros((2, 2, 3)), bit_depth=16)


def test_save_16_bit_to_non_png_raises(tmp_path):
    with pytest.raises(ValueError, match=r"\.png"):
        save_image(tmp_path / "grey16.jpg", np.zeros((2, 2)), bit_depth=16)


@pytest.mark.parametrize("bit_depth", [1, 12, 32])
def test_save_image_with_bad_bit_depth_raises(tmp_path, bit_depth):
    with pytest.raises(ValueError, match="bit_depth"):
        save_image(tmp_path / "image.png", np.zeros((2, 2)), bit_depth=bit_depth)


@pytest.mark.parametrize("loader", [load_image, load_audio])
def test_loading_missing_file_raises_file_not_found(tmp_path, loader):
    path = tmp_path / "missing.file"
    with pytest.raises(FileNotFoundError, match=r"missing\.file"):
        loader(path)


# Audio -------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1000,), (1000, 2)])
def test_audio_round_trip_float_is_exact(tmp_path, shape):
    samples = RNG.uniform(-1, 1, shape).astype(np.float32)
    path = tmp_path / "audio.wav"
    save_audio(path, samples, 22050, subtype="FLOAT")
    loaded, sample_rate = load_audio(path)
    assert sample_rate == 22050
    assert isinstance(sample_rate, int)
    assert loaded.dtype == np.float32
    assert loaded.shape == shape
    np.testing.assert_array_equal(loaded, samples)


@pytest.mark.parametrize("shape", [(1000,), (1000, 2)])
def test_audio_round_trip_pcm_16(tmp_path, shape):
    samples = RNG.uniform(-1, 1, shape)
    path = tmp_path / "audio.wav"
    save_audio(path, samples, 44100, subtype="PCM_16")
    assert sf.info(str(path)).subtype == "PCM_16"
    loaded, sample_rate = load_audio(path)
    assert sample_rate == 44100
    assert loaded.shape == shape
    assert np.abs(loaded - samples).max() <= 1 / 32768 + 1e-9


def test_save_audio_default_subtype_for_wav_is_pcm_16(tmp_path):
    path = tmp_path / "audio.wav"
    save_audio(path, np.zeros(10), 8000)
    assert sf.info(str(path)).subtype == "PCM_16"


def test_save_audio_clips_with_warning_for_pcm(tmp_path):
    path = tmp_path / "loud.wav"
    with pytest.warns(UserWarning, match="clipped"):
        save_audio(path, np.array([-2.0, 0.5, 2.0]), 8000, subtype="PCM_16")
    loaded, _ = load_audio(path)
    np.testing.assert_allclose(loaded, [-1.0, 0.5, 1.0], atol=1 / 32768)


def test_save_audio_keeps_out_of_range_values_for_float(tmp_path, recwarn):
    path = tmp_path / "loud.wav"
    save_audio(path, np.array([-2.0, 0.5, 2.0]), 8000, subtype="FLOAT")
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    np.testing.assert_array_equal(load_audio(path)[0], [-2.0, 0.5, 2.0])


@pytest.mark.parametrize("shape", [(0,), (0, 2)])
def test_save_empty_audio_raises(tmp_path, shape):
    with pytest.raises(ValueError, match="samples must not be empty"):
        save_audio(tmp_path / "empty.wav", np.zeros(shape), 8000)


@pytest.mark.parametrize("channels", [1, 2])
def test_load_zero_length_audio_raises(tmp_path, channels):
    path = tmp_path / "empty.wav"
    sf.write(str(path), np.zeros((0, channels)), 8000)
    with pytest.raises(ValueError, match=r"empty\.wav"):
        load_audio(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_save_audio_with_non_finite_samples_raises(tmp_path, bad):
    with pytest.raises(ValueError, match="samples"):
        save_audio(tmp_path / "bad.wav", np.array([0.0, bad]), 8000)


def test_save_audio_with_wrong_shape_raises(tmp_path):
    with pytest.raises(ValueError, match=r"samples must have shape .*\(2, 3, 4\)"):
        save_audio(tmp_path / "bad.wav", np.zeros((2, 3, 4)), 8000)


@pytest.mark.parametrize(
    ("sample_rate", "error"),
    [
        (0, ValueError),
        (-8000, ValueError),
        (8000.0, TypeError),
        ("8000", TypeError),
        (True, TypeError),
    ],
)
def test_save_audio_with_bad_sample_rate_raises(tmp_path, sample_rate, error):
    with pytest.raises(error, match="sample_rate"):
        save_audio(tmp_path / "bad.wav", np.zeros(10), sample_rate)


def test_save_audio_accepts_numpy_integer_sample_rate(tmp_path):
    path = tmp_path / "audio.wav"
    save_audio(path, np.zeros(10), np.int64(16000))
    assert load_audio(path)[1] == 16000


# Sample images -----------------------------------------------------------------------------


def test_load_sample_image_astronaut():
    image = load_sample_image()
    assert image.shape == (256, 256, 3)
    assert image.dtype == np.float32
    assert image.min() >= 0.0
    assert image.max() <= 1.0
    assert image.std() > 0.1
    np.testing.assert_array_equal(load_sample_image("astronaut"), image)


def test_load_sample_image_unknown_name_lists_available():
    with pytest.raises(ValueError, match="astronaut") as info:
        load_sample_image("no-such-image")
    assert "no-such-image" in str(info.value)


def test_save_image_rejects_integer_images(tmp_path):
    # 0-255 integers would be clipped to [0, 1]: an almost white image, written silently.
    with pytest.raises(TypeError, match="divide 8-bit data by 255"):
        save_image(tmp_path / "x.png", np.full((4, 4), 200, dtype=np.uint8))
