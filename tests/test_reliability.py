"""Every bad input and fault tried, and what the user gets.

The table of the user guide's "Reliability" section (docs/user_guide.rst), kept as tests:
each case id here is a row there (``test_the_user_guide_lists_every_case``).
"""

import os
import re
import signal
from pathlib import Path

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sirenkit import (
    SirenRegressor,
    SirenSuperResolver,
    UnitsWarning,
    _training,
    bicubic_upscale,
    grid_coords,
    image_to_samples,
)
from sirenkit.cli import main
from sirenkit.io import (
    UnreadableFileError,
    load_audio,
    load_image,
    replacing,
    save_audio,
    save_image,
)
from sirenkit.metrics import psnr
from sirenkit.resample import back_project, bicubic_downscale

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide.rst"
TINY = dict(hidden_features=16, hidden_layers=1, max_epochs=2, device="cpu", random_state=0)
CLI_TINY = ["--epochs", "3", "--hidden-features", "16", "--hidden-layers", "1", "--quiet"]
# A device no machine has: on one without CUDA torch refuses it for that, with CUDA for the
# ordinal.
NO_DEVICE = "cuda:99"


def _image(size=16):
    coords = grid_coords((size, size)).reshape(size, size, 2)
    return (
        0.5 + 0.4 * np.sin(3 * coords[..., :1]) * np.cos(2 * coords[..., 1:]) * [1, 0.5, -1]
    ).astype(np.float32)


def _samples():
    return image_to_samples(_image())


def _fit(y, **params):
    X, _ = _samples()
    return SirenRegressor(**{**TINY, **params}).fit(X, y)


def _fitted_then(name, value):
    est = _fit(_samples()[1])
    setattr(est, name, value)
    return est.predict(_samples()[0])


def _corrupt(tmp_path, suffix):
    path = tmp_path / f"corrupt{suffix}"
    path.write_bytes(b"RIFF0000WAVEjunk" if suffix == ".wav" else b"\x89PNG\r\n\x1a\njunk")
    return path


# (id, action(tmp_path), expected exception or warning class, message pattern)
API_CASES = [
    ("fit-0-255-image", lambda t: _fit(255 * _samples()[1]), UnitsWarning, r"data_range=1.*255"),
    ("fit-uint8-image", lambda t: _fit(np.uint8(255 * _samples()[1])), UnitsWarning, r"uint8"),
    (
        "fit-int16-audio",
        lambda t: SirenRegressor(**TINY, data_range=2.0).fit(
            grid_coords(64), np.int16(20000 * np.sin(np.arange(64)))
        ),
        UnitsWarning,
        r"\[-1, 1\].*data_range=2",
    ),
    ("bicubic-uint8", lambda t: bicubic_upscale(np.uint8(255 * _image()), 2), TypeError, r"/ 255"),
    ("bicubic-0-255", lambda t: bicubic_upscale(255 * _image(), 2), ValueError, r"\[0, 1\]"),
    (
        "downscale-uint8",
        lambda t: bicubic_downscale(np.uint8(255 * _image()), 2),
        TypeError,
        r"/ 255",
    ),
    (
        "back-project-uint16",
        lambda t: back_project(np.uint16(_image(32)), _image(16)),
        TypeError,
        r"estimate .*/ 65535",
    ),
    (
        "upscale-uint8",
        lambda t: SirenSuperResolver(**TINY).upscale(np.uint8(255 * _image()), 2),
        TypeError,
        r"/ 255",
    ),
    ("boolean-image", lambda t: image_to_samples(_image() > 0.5), TypeError, r"astype\(float\)"),
    ("nan-signal", lambda t: _fit(np.full((256, 3), np.nan)), ValueError, r"NaN"),
    (
        "unavailable-device",
        lambda t: _fit(_samples()[1], device=NO_DEVICE),
        ValueError,
        r"not available",
    ),
    ("unknown-device", lambda t: _fit(_samples()[1], device="tpu9"), ValueError, r"torch device"),
    (
        "callback-not-a-callback",
        lambda t: _fit(_samples()[1], callbacks=[1]),
        TypeError,
        r"callbacks",
    ),
    (
        "predict-batch-size-0-after-fit",
        lambda t: _fitted_then("predict_batch_size", 0),
        ValueError,
        r"predict_batch_size",
    ),
    ("load-missing-file", lambda t: load_image(t / "missing.png"), FileNotFoundError, r"not found"),
    ("load-directory", lambda t: load_audio(t), IsADirectoryError, r"is a directory"),
    (
        "load-corrupt-image",
        lambda t: load_image(_corrupt(t, ".png")),
        UnreadableFileError,
        r"Pillow",
    ),
    (
        "load-corrupt-audio",
        lambda t: load_audio(_corrupt(t, ".wav")),
        UnreadableFileError,
        r"libsndfile",
    ),
    (
        "save-unwritable",
        lambda t: save_image(t / "missing-folder" / "x.png", _image()),
        FileNotFoundError,
        r"x\.png",
    ),
]


@pytest.mark.parametrize(
    "action, expected, pattern", [case[1:] for case in API_CASES], ids=[c[0] for c in API_CASES]
)
def test_api_fault(tmp_path, action, expected, pattern):
    if issubclass(expected, Warning):
        with pytest.warns(expected, match=pattern):
            action(tmp_path)
    else:
        with pytest.raises(expected, match=pattern):
            action(tmp_path)


def test_units_warning_points_at_the_callers_line():
    with pytest.warns(UnitsWarning) as record:
        _fit(255 * _samples()[1])
    assert record[0].filename == __file__


def test_a_fit_in_0_255_units_matches_the_fit_in_0_1_units():
    """Warned, and the same fit: the output map and omega_0='auto' follow the values."""
    X, y = image_to_samples(_image(32))
    params = dict(TINY, max_epochs=60, omega_0="auto")
    unit = SirenRegressor(**params).fit(X, y)
    with pytest.warns(UnitsWarning):
        bytes_ = SirenRegressor(**params).fit(X, 255 * y)
    assert bytes_.omega_0_ == pytest.approx(unit.omega_0_, rel=1e-5)
    assert psnr(255 * y, bytes_.predict(X), data_range=255) == pytest.approx(
        psnr(y, unit.predict(X)), abs=0.5
    )


def test_values_in_their_units_do_not_warn(recwarn):
    _fit(_samples()[1])
    SirenRegressor(**TINY, data_range=2.0).fit(grid_coords(64), np.sin(np.arange(64)))
    assert not [w for w in recwarn if issubclass(w.category, UnitsWarning)]


def test_keyboard_interrupt_keeps_a_usable_estimator():
    est = _fit(_samples()[1], max_epochs=50, callbacks=[_RaiseInterrupt(at=3)])
    assert len(est.history_) == 3
    assert est.predict(_samples()[0]).shape == (256, 3)


def test_a_failed_write_leaves_the_previous_file_and_no_partial_one(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError), replacing(path) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("the writer failed")
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]
    save_audio(tmp_path / "tone.wav", np.zeros(8), 8000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin", "tone.wav"]


# -- the command line -------------------------------------------------------------------
class _RaiseInterrupt(Callback):
    """Ctrl-C from Python: skorch ends the fit on KeyboardInterrupt."""

    def __init__(self, at):
        self.at = at

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at:
            raise KeyboardInterrupt


class _SendSigint(Callback):
    """Ctrl-C as the terminal sends it: SIGINT to this process at epoch ``at``."""

    def __init__(self, at):
        self.at = at

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture
def inputs(tmp_path):
    save_image(tmp_path / "photo.png", _image())
    save_audio(tmp_path / "tone.wav", 0.5 * np.sin(np.arange(400) / 5), 1000)
    return tmp_path


# subcommand -> (arguments before the input, input file name, output suffix, first line)
COMMANDS = {
    "fit-image": (["fit"], "photo.png", ".png", "Fitting"),
    "fit-audio": (["fit"], "tone.wav", ".wav", "Fitting"),
    "superres": (["superres", "--scale", "2"], "photo.png", ".png", "Super-resolving"),
    "demo": (["demo", "--size", "16"], None, None, "sirenkit demo:"),
}
FAULTS = ["missing-file", "directory", "corrupt-file", "unwritable-output", "bad-device"]


def _command(name, folder, fault=None):
    head, file, suffix, _ = COMMANDS[name]
    args = [*head, *CLI_TINY]
    if name == "demo":
        out_dir = "/proc/sirenkit-demo" if fault == "unwritable-output" else str(folder / "demo")
        return [*args, "--out-dir", out_dir] + (
            ["--device", NO_DEVICE] if fault == "bad-device" else []
        )
    source = {
        "missing-file": str(folder / f"missing{suffix}"),
        "directory": str(folder),
        "corrupt-file": str(_corrupt(folder, suffix)) if fault == "corrupt-file" else "",
    }.get(fault, str(folder / file))
    args.insert(len(head), source)
    if fault == "unwritable-output":
        args += ["--out", f"/proc/sirenkit-out{suffix}"]
    if fault == "bad-device":
        args += ["--device", NO_DEVICE]
    return args


CLI_CASES = [
    (name, fault)
    for name in COMMANDS
    for fault in FAULTS
    if name != "demo" or fault in ("unwritable-output", "bad-device")
]


@pytest.mark.parametrize("name, fault", CLI_CASES, ids=[f"cli-{n}-{f}" for n, f in CLI_CASES])
def test_cli_fault_is_one_line_and_exit_2_before_training(inputs, capsys, name, fault):
    assert main(_command(name, inputs, fault)) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sirenkit {name.split('-')[0]}: error: ")
    assert "Traceback" not in captured.err
    assert COMMANDS[name][3] not in captured.out  # nothing was read or trained
    assert not list(inputs.glob("*.joblib")) and not (inputs / "demo").exists()


@pytest.mark.parametrize("name", list(COMMANDS), ids=[f"cli-{n}-interrupt" for n in COMMANDS])
def test_cli_interrupt_saves_the_fit_so_far_and_exits_130(inputs, capsys, monkeypatch, name):
    callbacks = _training.training_callbacks
    monkeypatch.setattr(
        _training,
        "training_callbacks",
        lambda *args: [*callbacks(*args), ("sigint", _SendSigint(2))],
    )
    command = _command(name, inputs)
    command[command.index("--epochs") + 1] = "50"
    handler = signal.getsignal(signal.SIGINT)
    assert main(command) == 130
    err = capsys.readouterr().err
    assert re.search(r"Interrupted after 2 of (50|300) epochs: wrote ", err)
    written = [p for p in Path(inputs).rglob("*") if p.suffix in (".png", ".wav", ".joblib")]
    assert len(written) > 2  # the two inputs and what the command saved
    assert not [p for p in Path(inputs).rglob(".*partial*")]
    assert signal.getsignal(signal.SIGINT) is handler  # restored


def test_cli_interrupt_before_the_fit_writes_nothing(inputs, capsys, monkeypatch):
    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr("sirenkit.cli.load_image", interrupted)
    assert main(["fit", str(inputs / "photo.png"), *CLI_TINY]) == 130
    assert "interrupted; nothing was written" in capsys.readouterr().err
    assert not list(inputs.glob("*_siren*"))


def test_cli_debug_shows_the_traceback(inputs, capsys):
    assert main(["fit", str(inputs / "missing.png"), "--debug", *CLI_TINY]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_cli_version(capsys):
    from sirenkit import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"sirenkit {__version__}"


def test_cli_audio_fits_with_the_fft_loss_by_default(inputs, capsys):
    assert main(["fit", str(inputs / "tone.wav"), *CLI_TINY]) == 0
    assert "loss mse+fft" in capsys.readouterr().out


def test_the_user_guide_lists_every_case():
    guide = GUIDE.read_text()
    ids = [case[0] for case in API_CASES] + [f"cli-{f}" for f in FAULTS] + ["cli-interrupt"]
    missing = [case for case in ids if f"``{case}``" not in guide]
    assert not missing, f"docs/user_guide.rst's reliability table lacks {missing}"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_value_error():
    with pytest.raises(ValueError, match="device='cuda' is not available"):
        _fit(_samples()[1], device="cuda")


def test_cli_output_under_a_file_names_the_file(inputs, capsys):
    (inputs / "afile").write_text("")
    command = ["fit", str(inputs / "photo.png"), "--out", str(inputs / "afile" / "x.png")]
    assert main([*command, *CLI_TINY]) == 2
    assert "'afile' is a file, not a folder" in capsys.readouterr().err.replace(
        str(inputs) + "/", ""
    )


def test_learning_and_coordinate_warnings_point_at_the_callers_line():
    from sirenkit import CoordinateRangeWarning, LearningWarning

    X, y = _samples()
    with pytest.warns(LearningWarning) as learning:
        SirenRegressor(**{**TINY, "max_epochs": 51, "lr": 1.0}).fit(X, y)
    with pytest.warns(CoordinateRangeWarning) as coords:
        SirenRegressor(**TINY).fit(100 * X, y)
    assert {w.filename for w in [*learning, *coords]} == {__file__}


def test_an_image_with_some_undershoot_does_not_warn(recwarn):
    """bicubic_downscale rings slightly below 0 and above 1: still [0, 1] pixels."""
    _fit(np.clip(_samples()[1], 0, 1) * 1.06 - 0.04)
    assert not [w for w in recwarn if issubclass(w.category, UnitsWarning)]
