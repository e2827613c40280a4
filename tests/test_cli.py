import subprocess
import sys

import joblib
import numpy as np
import pytest
from PIL import Image

from sirenkit import SirenRegressor, grid_coords, image_to_samples
from sirenkit.cli import build_parser, main
from sirenkit.io import load_audio, load_image, save_audio, save_image
from sirenkit.metrics import psnr
from sirenkit.omega import auto_omega_0
from sirenkit.superres import DEFAULT_RECIPE

TINY = ["--epochs", "60", "--hidden-features", "32", "--hidden-layers", "1", "--quiet"]


@pytest.fixture
def image_file(tmp_path):
    coords = grid_coords((20, 28)).reshape(20, 28, 2)
    image = 0.5 + 0.4 * np.sin(3 * coords[..., :1]) * np.cos(2 * coords[..., 1:]) * [1, 0.5, -1]
    path = tmp_path / "wave.png"
    save_image(path, image)
    return path


def test_fit_writes_reconstruction_and_model(image_file, capsys):
    assert main(["fit", str(image_file), *TINY]) == 0
    out = image_file.with_name("wave_siren.png")
    reconstruction, original = load_image(out), load_image(image_file)
    assert reconstruction.shape == original.shape == (20, 28, 3)
    printed = capsys.readouterr().out
    assert "PSNR" in printed and "channel-summed" in printed and "after 60 epochs" in printed
    reported = float(printed.split("PSNR ")[1].split(" dB")[0])
    # The printed PSNR is the one of the written image (up to 8-bit quantisation).
    assert reported == pytest.approx(psnr(original, reconstruction), abs=0.5)
    model = joblib.load(out.with_suffix(".joblib"))
    assert model.predict(grid_coords((40, 56))).shape == (40 * 56, 3)


def test_fit_options_out_model_and_auto_omega(image_file, tmp_path, capsys):
    out, model = tmp_path / "new" / "fit.png", tmp_path / "models" / "m.joblib"
    assert (
        main(
            [
                "fit",
                str(image_file),
                "--out",
                str(out),
                "--model",
                str(model),
                "--omega-0",
                "auto",
                *TINY,
            ]
        )
        == 0
    )
    assert out.exists() and model.exists()
    fitted = joblib.load(model)
    assert fitted.omega_0 == "auto"
    # The rule ran, on the image the command read: omega_0_ is its value there.
    coords, pixels = image_to_samples(load_image(image_file))
    assert fitted.omega_0_ == pytest.approx(auto_omega_0(coords, pixels, 1.0), rel=1e-9)
    assert fitted.omega_0_ != SirenRegressor().omega_0


def test_fit_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "missing.png"), *TINY]) == 2
    assert "missing.png" in capsys.readouterr().err
    (tmp_path / "notes.png").write_text("not an image")
    assert main(["fit", str(tmp_path / "notes.png"), *TINY]) == 2
    assert "cannot identify image file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fit", "x.png", "--omega-0", "fast"])


def test_fit_checks_the_output_path_before_training(image_file, capsys):
    assert main(["fit", str(image_file), "--out", str(image_file.with_suffix(".xyz")), *TINY]) == 2
    assert "--out must end in an image extension" in capsys.readouterr().err
    assert not image_file.with_suffix(".joblib").exists()  # no fit ran


@pytest.fixture
def stereo_file(tmp_path):
    t = np.arange(1500) / 1000  # 1.5 s at 1 kHz
    clip = np.stack([0.5 * np.sin(2 * np.pi * 20 * t), 0.4 * np.cos(2 * np.pi * 45 * t)], 1)
    path = tmp_path / "tones.wav"
    save_audio(path, clip, 1000, subtype="FLOAT")
    return path


@pytest.mark.parametrize("loss", ["mse", "mse+fft"])
def test_fit_audio_writes_a_playable_clip(stereo_file, capsys, loss):
    assert (
        main(
            [
                "fit",
                str(stereo_file),
                "--loss",
                loss,
                "--epochs",
                "400",
                "--hidden-features",
                "64",
                "--quiet",
            ]
        )
        == 0
    )
    out = stereo_file.with_name("tones_siren.wav")
    reconstruction, rate = load_audio(out)
    original, _ = load_audio(stereo_file)
    assert rate == 1000 and reconstruction.shape == original.shape == (1500, 2)
    mse = np.mean((reconstruction - original) ** 2)
    assert mse < 5e-3 * np.mean(original**2)  # SNR above 23 dB
    printed = capsys.readouterr().out
    # The audio recipe by default: omega_0 = sample rate, depth from the clip's size.
    assert "omega_0 = 1000, 3 hidden layers" in printed
    printed_mse = float(printed.split("MSE ")[1].split()[0])
    np.testing.assert_allclose(printed_mse, mse, rtol=0.05)  # float WAV: what was printed
    est = joblib.load(stereo_file.with_name("tones_siren.joblib"))
    assert est.loss == loss and est.sample_rate == 1000


def test_fit_audio_checks_the_output_extension(stereo_file, capsys):
    assert (
        main(["fit", str(stereo_file), "--out", str(stereo_file.with_suffix(".png")), *TINY]) == 2
    )
    assert "--out must end in an audio extension" in capsys.readouterr().err


def test_demo_writes_figure_and_compares(tmp_path, capsys):
    assert main(["demo", "--size", "32", "--out-dir", str(tmp_path), *TINY]) == 0
    printed = capsys.readouterr().out
    margin = float(printed.split("SIREN beats the ReLU MLP by ")[1].split(" dB")[0])
    assert margin > 2  # measured: 4.7 dB on this 32x32 image at 60 epochs
    width, height = Image.open(tmp_path / "sirenkit_demo.png").size
    assert 0.8 < width / height < 1.25  # 3x3: truth, SIREN, ReLU; signal, gradient, Laplacian
    assert load_image(tmp_path / "sirenkit_demo_siren.png").shape == (32, 32, 3)


def test_demo_stops_the_siren_at_its_target_and_gives_relu_as_many_epochs(tmp_path, capsys):
    args = ["demo", "--size", "32", "--out-dir", str(tmp_path), *TINY]
    assert main([*args, "--epochs", "300", "--target-psnr", "25"]) == 0
    printed = capsys.readouterr().out
    siren_line = next(line for line in printed.splitlines() if line.startswith("SIREN "))
    relu_line = next(line for line in printed.splitlines() if line.startswith("ReLU MLP"))
    epochs = int(siren_line.split(" after ")[1].split(" epochs")[0])
    assert 1 <= epochs < 300
    assert float(siren_line.split("PSNR ")[1].split(" dB")[0]) >= 24.5
    assert f"after {epochs} epochs" in relu_line


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "sirenkit", "--help"], capture_output=True, text=True, check=True
    )
    assert "fit" in result.stdout and "demo" in result.stdout


@pytest.mark.slow
def test_default_demo_siren_beats_relu_by_20_db(tmp_path, capsys):
    assert main(["demo", "--out-dir", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    gain = float(printed.split("SIREN beats the ReLU MLP by ")[1].split(" dB")[0])
    assert gain >= 20


def test_superres_writes_the_upscaled_image_and_compares_with_a_reference(tmp_path, capsys):
    shape = (64, 48)
    coords = grid_coords(shape).reshape(*shape, 2)
    hr = 0.5 + 0.3 * np.sin(4 * coords[..., :1]) * np.cos(3 * coords[..., 1:]) * [1, -1, 0.5]
    from sirenkit.resample import bicubic_downscale

    low, reference = tmp_path / "low.png", tmp_path / "high.png"
    save_image(low, bicubic_downscale(hr, 4))
    save_image(reference, hr)
    assert (
        main(["superres", str(low), "--reference", str(reference), "--omega-0", "10", *TINY]) == 0
    )
    out = tmp_path / "low_x4.png"
    assert load_image(out).shape == (64, 48, 3)
    assert joblib.load(out.with_suffix(".joblib")).hr_shape_ == shape
    printed = capsys.readouterr().out
    assert "Rendered 48x64 after 60 epochs" in printed
    siren = float(printed.split("SIREN   PSNR ")[1].split(" dB")[0])
    assert siren == pytest.approx(psnr(hr, load_image(out)), abs=0.5)
    assert "bicubic PSNR" in printed


def test_superres_errors(tmp_path, capsys, image_file):
    assert main(["superres", str(image_file), "--scale", "0.5", *TINY]) == 2
    assert (
        "'scale' parameter of SirenSuperResolver must be a float in the range [1.0, inf)"
        in capsys.readouterr().err
    )
    assert (
        main(["superres", str(image_file), "--scale", "2", "--reference", str(image_file), *TINY])
        == 2
    )
    assert "--reference must be 56x40" in capsys.readouterr().err


def test_superres_defaults_and_omega_choices(image_file, capsys):
    from sirenkit import SirenSuperResolver

    parser = build_parser()
    args = parser.parse_args(["superres", str(image_file)])
    assert (args.method, args.omega_0, args.epochs, args.lr) == ("default", None, None, None)
    help_text = parser._subparsers._group_actions[0].choices["superres"].format_help()
    defaults = SirenSuperResolver()
    assert f"(default: {defaults.max_epochs})" in help_text
    assert f"(default: {defaults.hidden_features})" in help_text
    assert "auto for audio" not in help_text
    assert parser.parse_args(["superres", "x.png", "--omega-0", "auto_hr"]).omega_0 == "auto_hr"
    with pytest.raises(SystemExit):
        parser.parse_args(["superres", "x.png", "--omega-0", "sample_rate"])
    assert "expected a number or one of 'auto', 'auto_hr'" in capsys.readouterr().err
    out = image_file.with_name("wave_x2.png")
    assert main(["superres", str(image_file), "--scale", "2", "--out", str(out), *TINY]) == 0
    model = joblib.load(out.with_suffix(".joblib"))
    assert model.back_projection == 10 and model.omega_0_ == DEFAULT_RECIPE["omega_0"]
