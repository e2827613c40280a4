"""The ``sirenkit`` command: ``sirenkit fit IMAGE|AUDIO|POINT_CLOUD``, ``sirenkit superres
LR_IMAGE`` and ``sirenkit demo``."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import joblib
import numpy as np

from . import __version__
from ._base import resolve_device
from .coords import (
    audio_to_samples,
    grid_coords,
    image_to_samples,
    samples_to_audio,
    samples_to_image,
)
from .io import (
    load_audio,
    load_image,
    load_point_cloud,
    load_sample_image,
    replacing,
    save_audio,
    save_image,
    save_mesh,
)
from .metrics import psnr, psnr_channel_sum
from .regressors import ReluMLPRegressor, SirenRegressor
from .resample import bicubic_upscale, scaled_shape
from .shapes import SignedDistanceRegressor
from .superres import DEFAULT_RECIPE, SirenSuperResolver

#: ``sirenkit superres --method``: the estimator's recipes. "default": its defaults (the
#: report's loss on a smaller network, then back-projection; see docs/benchmarks.md);
#: "report": the super-resolution report's recipe on aligned grids, 2 hidden layers of
#: 256, without back-projection.
SUPERRES_METHODS = {
    "default": dict(),
    "report": dict(hidden_features=256, back_projection=0),
    "forward-residual": dict(degradation="bicubic", residual=True, back_projection=0),
    "direct": dict(gradient_weight=0.0, weight_decay=0.0, back_projection=0),
}
# The demo fits a 128x128 image until the SIREN reaches DEMO_TARGET_PSNR (at most
# DEMO_EPOCHS), then the ReLU MLP for as many epochs: under a minute on two CPU cores.
DEMO_SIZE = 128
DEMO_EPOCHS = 300
DEMO_TARGET_PSNR = 40.0
# Exit statuses besides 0: the command cannot run as asked (as argparse's usage errors),
# Ctrl-C (128 + SIGINT, as shells report it), an unexpected error.
EXIT_USAGE, EXIT_INTERRUPTED, EXIT_INTERNAL = 2, 130, 1


def _omega(*words: str):
    """An ``--omega-0`` type: a number or one of ``words``."""

    def parse(text: str) -> float | str:
        if text in words:
            return text
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number or one of {', '.join(map(repr, words))}, got {text!r}"
            ) from None

    return parse


def _depth(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int or 'auto', got {text!r}") from None


def _add_network_options(
    parser: argparse.ArgumentParser, estimator, epochs: int | None = None, audio: bool = False
) -> None:
    """The network options, their defaults shown from ``estimator``'s (None: the estimator's
    own default applies)."""
    defaults = estimator.get_params()
    epochs_default = defaults["max_epochs"] if epochs is None else epochs
    parser.add_argument(
        "--epochs", type=int, default=epochs, help=f"training epochs (default: {epochs_default})"
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help=f"Adam learning rate (default: {defaults['lr']}"
        + (
            ": from omega_0, 1e-3 for images, 1/omega_0 down to 1e-4 for audio)"
            if defaults["lr"] == "auto"
            else ")"
        ),
    )
    parser.add_argument(
        "--hidden-features",
        type=int,
        default=None,
        help=f"width of the hidden layers (default: {defaults['hidden_features']})",
    )
    parser.add_argument(
        "--hidden-layers",
        type=_depth,
        default=None,
        help=f"hidden layers or 'auto' (default: {defaults['hidden_layers']}"
        + (", auto for audio)" if audio else ")"),
    )
    parser.add_argument("--device", default="auto", help="'auto', 'cpu', 'cuda'...")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the fit")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error, not one line"
    )


def _network_params(args: argparse.Namespace) -> dict:
    """The options given on the command line (the estimator's defaults for the others)."""
    given = {
        "hidden_features": args.hidden_features,
        "hidden_layers": args.hidden_layers,
        "lr": args.lr,
        "max_epochs": args.epochs,
    }
    return {name: value for name, value in given.items() if value is not None} | {
        "device": args.device,
        "random_state": args.seed,
        "verbose": 0 if args.quiet else 1,
    }


def _psnr_report(image: np.ndarray, fitted: np.ndarray) -> str:
    text = f"PSNR {psnr(image, fitted):.2f} dB"
    if image.ndim == 3:
        # The SIREN reports sum the squared error over channels; shown for comparison.
        text += (
            f" (channel-summed convention of the reports: {psnr_channel_sum(image, fitted):.2f} dB)"
        )
    return text


def _fit_image(estimator, image: np.ndarray) -> tuple[np.ndarray, float]:
    coords, values = image_to_samples(image)
    start = time.perf_counter()
    estimator.fit(coords, values)
    seconds = time.perf_counter() - start
    fitted = np.clip(samples_to_image(estimator.predict(coords), image.shape[:2]), 0, 1)
    return fitted, seconds


def _or_default(value, default):
    return default if value is None else value


def _is_audio(path: Path) -> bool:
    import soundfile

    return path.suffix[1:].upper() in soundfile.available_formats()


def _prepare_outputs(outputs: dict[str, Path], audio: bool = False) -> None:
    """Fail before a long fit, not after it, on outputs that cannot be written
    (``outputs``: option -> path; "--out" is the reconstruction)."""
    from PIL import Image

    out = outputs["--out"]
    if audio and not _is_audio(out):
        raise ValueError(
            f"--out must end in an audio extension such as .wav or .flac, got {str(out)!r}"
        )
    if not audio and out.suffix.lower() not in Image.registered_extensions():
        raise ValueError(f"--out must end in an image extension such as .png, got {str(out)!r}")
    _check_writable(outputs.items())


def _check_writable(outputs) -> None:
    """Make each output's folder, and write and remove a file there: (option, path) pairs."""
    for option, path in outputs:
        blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise NotADirectoryError(
                f"{option} {str(path)!r} cannot be written: {str(blocking)!r} is a file, "
                "not a folder"
            )
        if path.is_dir():
            raise IsADirectoryError(f"{option} {str(path)!r} is a folder; give a file name")
        probe = path.with_name(f".{path.name}.probe-{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise type(error)(
                f"{option} {str(path)!r} cannot be written: creating a file there failed "
                f"({error.strerror or error})"
            ) from None


def _dump_model(estimator, path: Path) -> None:
    """joblib.dump, written whole or not at all."""
    with replacing(path) as partial:
        joblib.dump(estimator, partial)


class _Interrupts:
    """Notes a Ctrl-C (SIGINT) while still raising KeyboardInterrupt, which skorch turns
    into the end of training: the command then saves what it has and exits 130."""

    def __init__(self) -> None:
        self.seen = False

    @contextlib.contextmanager
    def watching(self) -> Iterator[_Interrupts]:
        def note(signum, frame):
            self.seen = True
            raise KeyboardInterrupt

        try:
            previous = signal.signal(signal.SIGINT, note)
        except ValueError:  # not the main thread: no handler, no note
            yield self
            return
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def _finish(interrupts: _Interrupts, estimator, written: str) -> int:
    """The exit status and last line of a command that wrote ``written``."""
    if interrupts.seen:
        print(
            f"Interrupted after {len(estimator.history_)} of {estimator.max_epochs} epochs: "
            f"wrote {written} from the fit so far",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(f"Wrote {written}")
    return 0


def _outputs(args: argparse.Namespace, default_out: Path) -> dict[str, Path]:
    out = Path(args.out) if args.out else default_out
    return {"--out": out, "--model": Path(args.model) if args.model else out.with_suffix(".joblib")}


#: Point-cloud files ``sirenkit fit`` fits a signed distance function to.
SHAPE_SUFFIXES = (".ply", ".xyz")


def run_fit(args: argparse.Namespace) -> int:
    path = Path(args.signal)
    if path.suffix.lower() in SHAPE_SUFFIXES:
        return _fit_shape(args, path)
    audio = _is_audio(path)
    suffix = path.suffix if audio else ".png"
    outputs = _outputs(args, path.with_name(f"{path.stem}_siren{suffix}"))
    _prepare_outputs(outputs, audio)
    if audio:
        return _fit_audio(args, path, outputs)
    image = load_image(path)
    estimator = SirenRegressor(
        omega_0=_or_default(args.omega_0, SirenRegressor().omega_0),
        loss=_or_default(args.loss, "mse"),
        **_network_params(args),
    )
    print(
        f"Fitting a SIREN to {path} ({image.shape[1]}x{image.shape[0]}, "
        f"{1 if image.ndim == 2 else image.shape[2]} channel(s))"
    )
    with _Interrupts().watching() as interrupts:
        fitted, seconds = _fit_image(estimator, image)
    _dump_model(estimator, outputs["--model"])
    save_image(outputs["--out"], fitted)
    print(
        f"{_psnr_report(image, fitted)} after {len(estimator.history_)} epochs in "
        f"{seconds:.1f} s "
        f"(omega_0 = {estimator.omega_0_:.4g}, device {estimator.device_})"
    )
    return _finish(interrupts, estimator, _written(outputs))


def _fit_shape(args: argparse.Namespace, path: Path) -> int:
    """An oriented point cloud: a signed distance function, and its zero level set as a
    PLY mesh."""
    outputs = _outputs(args, path.with_name(f"{path.stem}_mesh.ply"))
    if outputs["--out"].suffix.lower() != ".ply":
        raise ValueError(f"--out must end in .ply for a shape, got {str(outputs['--out'])!r}")
    _check_writable(outputs.items())
    points, normals = load_point_cloud(path)
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    if np.all(lengths > 0):  # scanners store approximately unit normals
        normals = normals / lengths
    if isinstance(args.omega_0, str):
        raise ValueError(
            f"--omega-0 {args.omega_0} is a rule for signals; a point cloud takes a number"
        )
    shape_params = {} if args.omega_0 is None else {"omega_0": args.omega_0}
    estimator = SignedDistanceRegressor(**_network_params(args), **shape_params)
    print(f"Fitting a signed distance function to {path} ({len(points)} oriented points)")
    start = time.perf_counter()
    with _Interrupts().watching() as interrupts:
        estimator.fit(points, normals)
    seconds = time.perf_counter() - start
    _dump_model(estimator, outputs["--model"])
    vertices, faces = estimator.to_mesh(resolution=args.resolution)
    save_mesh(outputs["--out"], vertices, faces)
    print(
        f"Mean |SDF| on the points {-estimator.score(points):.3g} (bounding box side "
        f"{float(np.ptp(points, axis=0).max()):.3g}) after {len(estimator.history_)} epochs "
        f"in {seconds:.1f} s; mesh of {len(vertices)} vertices, {len(faces)} triangles"
    )
    return _finish(interrupts, estimator, _written(outputs))


def _written(outputs: dict[str, Path]) -> str:
    return f"{outputs['--out']} and the model {outputs['--model']} (load it with joblib.load)"


def _fit_audio(args: argparse.Namespace, path: Path, outputs: dict[str, Path]) -> int:
    """The audio report's recipe by default: omega_0 = sample rate, depth from the size,
    the MSE plus the FFT-magnitude loss."""
    clip, rate = load_audio(path)
    params = _network_params(args)
    params.setdefault("hidden_layers", "auto")
    estimator = SirenRegressor(
        omega_0=_or_default(args.omega_0, "sample_rate"),
        sample_rate=rate,
        loss=_or_default(args.loss, "mse+fft"),
        data_range=2.0,
        **params,
    )
    channels = 1 if clip.ndim == 1 else clip.shape[1]
    print(
        f"Fitting a SIREN to {path} ({len(clip)} samples at {rate} Hz, "
        f"{len(clip) / rate:.2f} s, {channels} channel(s))"
    )
    coords, values = audio_to_samples(clip)
    start = time.perf_counter()
    with _Interrupts().watching() as interrupts:
        estimator.fit(coords, values)
    seconds = time.perf_counter() - start
    fitted = samples_to_audio(estimator.predict(coords))
    _dump_model(estimator, outputs["--model"])
    out = outputs["--out"]
    save_audio(
        out, np.clip(fitted, -1, 1), rate, subtype="FLOAT" if _is_float_format(out) else None
    )
    mse = float(np.mean((fitted - clip) ** 2))
    print(
        f"MSE {mse:.3e} (signal variance {float(np.var(clip, axis=0).mean()):.3e}) after "
        f"{len(estimator.history_)} epochs in {seconds:.1f} s (omega_0 = "
        f"{estimator.omega_0_:.4g}, {estimator.hidden_layers_} hidden layers, loss "
        f"{estimator.loss}, device {estimator.device_})"
    )
    return _finish(interrupts, estimator, _written(outputs))


def run_superres(args: argparse.Namespace) -> int:
    path = Path(args.image)
    outputs = _outputs(args, path.with_name(f"{path.stem}_x{args.scale:g}.png"))
    _prepare_outputs(outputs)
    image = load_image(path)
    reference = load_image(args.reference) if args.reference else None
    hr_shape = (*scaled_shape(image.shape[:2], args.scale), *image.shape[2:])
    if reference is not None and reference.shape != hr_shape:
        # Checked before the fit, not after it.
        raise ValueError(
            f"--reference must be {hr_shape[1]}x{hr_shape[0]} with "
            f"{hr_shape[2] if len(hr_shape) == 3 else 1} channel(s) like the "
            f"output, got shape {reference.shape}"
        )
    params = {**SUPERRES_METHODS[args.method], **_network_params(args)}
    if args.omega_0 is not None:
        params["omega_0"] = args.omega_0
    estimator = SirenSuperResolver(scale=args.scale, **params)
    print(
        f"Super-resolving {path} ({image.shape[1]}x{image.shape[0]}) {args.scale:g}x with "
        f"a SIREN ({args.method})"
    )
    start = time.perf_counter()
    with _Interrupts().watching() as interrupts:
        estimator.fit(*image_to_samples(image))
    upscaled = estimator.predict(grid_coords(hr_shape[:2])).reshape(hr_shape)
    upscaled = np.clip(upscaled, 0, 1)
    seconds = time.perf_counter() - start
    _dump_model(estimator, outputs["--model"])
    save_image(outputs["--out"], upscaled)
    print(
        f"Rendered {upscaled.shape[1]}x{upscaled.shape[0]} after "
        f"{len(estimator.history_)} epochs in {seconds:.1f} s (device {estimator.device_})"
    )
    if reference is not None:
        bicubic = bicubic_upscale(image, args.scale)
        print(f"SIREN   {_psnr_report(reference, upscaled)}")
        print(f"bicubic {_psnr_report(reference, bicubic)}")
    return _finish(interrupts, estimator, _written(outputs))


def _is_float_format(path: Path) -> bool:
    """WAV can hold float samples: no 16-bit rounding of the reconstruction."""
    return path.suffix.lower() == ".wav"


def _demo_image(size: int) -> np.ndarray:
    from PIL import Image

    image = load_sample_image("astronaut")
    if size == image.shape[0]:
        return image
    pixels = Image.fromarray(np.round(image * 255).astype(np.uint8))
    resized = pixels.resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(resized, dtype=np.float32) / 255


def _demo_figure(path: Path, image: np.ndarray, estimators: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_derivatives

    figure = plot_derivatives(estimators, image.shape[:2], image=image)
    with replacing(path) as partial:
        figure.savefig(partial, dpi=80)
    plt.close(figure)


def run_demo(args: argparse.Namespace) -> int:
    from .callbacks import TargetReached

    start = time.perf_counter()
    out_dir = Path(args.out_dir)
    figure_path = out_dir / "sirenkit_demo.png"
    reconstruction = {name: out_dir / f"sirenkit_demo_{name}.png" for name in ("siren", "relu")}
    _check_writable(("--out-dir", p) for p in (figure_path, *reconstruction.values()))
    image = _demo_image(args.size)
    params = _network_params(args)
    siren = SirenRegressor(**params, callbacks=[TargetReached(args.target_psnr)])
    network = siren.get_params()
    print(
        f"sirenkit demo: fitting the bundled astronaut image ({args.size}x{args.size} RGB) "
        f"with a SIREN until {args.target_psnr:g} dB (at most {args.epochs} epochs), then "
        f"a ReLU MLP for as many epochs ({network['hidden_layers']} hidden layers of "
        f"{network['hidden_features']} each)"
    )
    with _Interrupts().watching() as interrupts:
        fitted, seconds = _fit_image(siren, image)
        epochs = len(siren.history_)
        print(f"SIREN     {_psnr_report(image, fitted)} after {epochs} epochs, {seconds:.1f} s")
        save_image(reconstruction["siren"], fitted)
        if interrupts.seen:
            return _finish(interrupts, siren, str(reconstruction["siren"]))
        relu = ReluMLPRegressor(**{**params, "max_epochs": epochs})
        relu_fitted, seconds = _fit_image(relu, image)
        print(
            f"ReLU MLP  {_psnr_report(image, relu_fitted)} after {epochs} epochs, {seconds:.1f} s"
        )
        save_image(reconstruction["relu"], relu_fitted)
        if interrupts.seen:
            return _finish(interrupts, relu, " and ".join(map(str, reconstruction.values())))
    scores = {"SIREN": psnr(image, fitted), "ReLU": psnr(image, relu_fitted)}
    print(f"SIREN beats the ReLU MLP by {scores['SIREN'] - scores['ReLU']:.2f} dB")
    labels = {f"SIREN {scores['SIREN']:.1f} dB": siren, f"ReLU {scores['ReLU']:.1f} dB": relu}
    _demo_figure(figure_path, image, labels)
    print(
        f"Wrote {figure_path} (each fit, its gradient and its Laplacian, against the "
        f"image's) and the two reconstructions in {out_dir}; {time.perf_counter() - start:.0f} s"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sirenkit", description="Fit implicit neural representations (SIREN) to signals."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser(
        "fit", help="fit a SIREN to an image, an audio clip or an oriented point cloud"
    )
    fit.add_argument(
        "signal",
        help="image file (PNG, JPEG...; grey or RGB, 8 or 16 bit), "
        "audio file (WAV, FLAC, OGG...; mono or multi-channel) or oriented point cloud "
        "(.ply with normals, .xyz of 'x y z nx ny nz' rows: fits a signed distance "
        "function and writes its mesh)",
    )
    fit.add_argument(
        "--out",
        help="reconstruction path (default: SIGNAL_siren.png for an "
        "image, SIGNAL_siren.wav etc. for audio, SIGNAL_mesh.ply for a point cloud)",
    )
    fit.add_argument(
        "--resolution",
        type=int,
        default=128,
        help="point clouds: marching-cubes grid points per axis (default: 128)",
    )
    fit.add_argument("--model", help="fitted model path (default: the --out path with .joblib)")
    fit.add_argument(
        "--omega-0",
        type=_omega("auto", "sample_rate"),
        default=None,
        help="first-layer omega_0, 'auto' or 'sample_rate' (default: 60 for an "
        "image, sample_rate for audio)",
    )
    fit.add_argument(
        "--loss",
        choices=("mse", "mse+fft"),
        default=None,
        help="'mse+fft' adds the FFT-magnitude term along time (default: mse+fft for "
        "audio, mse for an image)",
    )
    _add_network_options(fit, SirenRegressor(), audio=True)
    fit.set_defaults(run=run_fit)

    superres = commands.add_parser("superres", help="super-resolve an image with a SIREN")
    superres.add_argument("image", help="the low-resolution image (grey or RGB)")
    superres.add_argument(
        "--scale", type=float, default=4.0, help="upscaling factor (default: %(default)s)"
    )
    superres.add_argument(
        "--method",
        choices=tuple(SUPERRES_METHODS),
        default="default",
        help="'default': SirenSuperResolver's defaults: fit the pixels with the report's "
        "loss (MSE + 1.28 x Sobel-gradient MSE, weight decay 5e-6, lr 5e-4) on 2 hidden "
        "layers of 128, render denser, back-project onto the image; 'report': the same on "
        "2 hidden layers of 256 without back-projection (the report's recipe); "
        "'forward-residual': the correction to bicubic that makes the rendering, "
        "downscaled by antialiased bicubic, match the image; 'direct': fit the pixels "
        "with the plain MSE",
    )
    superres.add_argument(
        "--reference",
        help="the true high-resolution image: print the "
        "PSNR of the result and of bicubic against it",
    )
    superres.add_argument("--out", help="output path (default: IMAGE_x4.png)")
    superres.add_argument("--model", help="fitted model path (default: --out with .joblib)")
    superres.add_argument(
        "--omega-0",
        type=_omega("auto", "auto_hr"),
        default=None,
        help=f"first-layer omega_0, 'auto' or 'auto_hr' (default: {DEFAULT_RECIPE['omega_0']:g})",
    )
    _add_network_options(superres, SirenSuperResolver())
    superres.set_defaults(run=run_superres)

    demo = commands.add_parser("demo", help="fit SIREN and a ReLU MLP to a bundled image")
    demo.add_argument(
        "--out-dir", default=".", help="where to write the figure (default: current folder)"
    )
    demo.add_argument(
        "--size",
        type=int,
        default=DEMO_SIZE,
        help="side of the image (the bundled one is 256; default: %(default)s)",
    )
    demo.add_argument(
        "--target-psnr",
        type=float,
        default=DEMO_TARGET_PSNR,
        help="stop the SIREN at this training PSNR in dB (default: %(default)s)",
    )
    _add_network_options(demo, SirenRegressor(), epochs=DEMO_EPOCHS)
    demo.set_defaults(run=run_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; a fault ends in one line on stderr and an exit status: 2 when the
    command cannot run as asked (a bad option value, an unavailable device, an input file
    that is missing, a folder or corrupt, an output that cannot be written; argparse's own
    errors too), 130 for Ctrl-C, 1 for anything else (a bug: ``--debug`` shows its
    traceback, as it does for every error)."""
    args = build_parser().parse_args(argv)
    try:
        resolve_device(args.device)  # before reading or training anything
        return args.run(args)
    except KeyboardInterrupt:
        print(f"sirenkit {args.command}: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, TypeError, OSError) as error:  # OSError: the files named
        if args.debug:
            traceback.print_exc()
        print(f"sirenkit {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        print(
            f"sirenkit {args.command}: internal error: {type(error).__name__}: {error} "
            "(--debug shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
