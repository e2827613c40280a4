import subprocess
import sys

import joblib
import numpy as np
import pytest
from PIL import Image

from sirenkit import grid_coords
from sirenkit.cli import main
from sirenkit.io import load_image, save_image
from sirenkit.metrics import psnr

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
    assert main(["fit", str(image_file), "--out", str(out), "--model", str(model),
                 "--omega-0", "auto", *TINY]) == 0
    assert out.exists() and model.exists()
    assert joblib.load(model).omega_0 == "auto"


def test_fit_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "missing.png"), *TINY]) == 2
    assert "missing.png" in capsys.readouterr().err
    (tmp_path / "notes.png").write_text("not an image")
    assert main(["fit", str(tmp_path / "notes.png"), *TINY]) == 2
    assert "cannot identify image file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fit", "x.png", "--omega-0", "fast"])


def test_fit_checks_the_output_path_before_training(image_file, capsys):
    assert main(["fit", str(image_file), "--out", str(image_file.with_suffix(".xyz")),
                 *TINY]) == 2
    assert "--out must end in an image extension" in capsys.readouterr().err
    assert not image_file.with_suffix(".joblib").exists()      # no fit ran


def test_demo_writes_figure_and_compares(tmp_path, capsys):
    assert main(["demo", "--size", "32", "--out-dir", str(tmp_path), *TINY]) == 0
    printed = capsys.readouterr().out
    assert "SIREN beats the ReLU MLP by" in printed
    width, height = Image.open(tmp_path / "sirenkit_demo.png").size
    assert width > 2 * height          # three panels side by side
    assert load_image(tmp_path / "sirenkit_demo_siren.png").shape == (32, 32, 3)


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "sirenkit", "--help"], capture_output=True,
                            text=True, check=True)
    assert "fit" in result.stdout and "demo" in result.stdout


@pytest.mark.slow
def test_default_demo_siren_beats_relu_by_10_db(tmp_path, capsys):
    assert main(["demo", "--out-dir", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    gain = float(printed.split("SIREN beats the ReLU MLP by ")[1].split(" dB")[0])
    assert gain >= 10
