"""Figures of the studies: training curves, derivatives, snapshots, audio and activations.

Every function draws with matplotlib and returns the :class:`~matplotlib.figure.Figure`;
pass ``axes`` to draw into a figure of your own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from .callbacks import get_snapshots
from .coords import check_shape, grid_coords, infer_grid_shape, samples_to_grid

__all__ = [
    "plot_history",
    "plot_derivatives",
    "plot_snapshots",
    "plot_audio",
    "layer_activations",
    "plot_activations",
]

METRIC_LABELS = {
    "train_loss": "training loss",
    "train_psnr": "PSNR (dB)",
    "train_mse": "MSE (signal units)",
    "event_lr": "learning rate",
}
LOG_SCALE_METRICS = {"train_loss", "train_mse", "event_lr"}


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _axes(axes, n: int, ncols: int | None = None, size: float = 3.2):
    """``n`` axes: the given ones (checked), or a new figure of them."""
    if axes is not None:
        axes = np.ravel(axes)
        if len(axes) < n:
            raise ValueError(f"axes must hold at least {n} axes, got {len(axes)}")
        return axes[0].figure, axes
    ncols = ncols or n
    nrows = -(-n // ncols)
    figure, axes = _pyplot().subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False, layout="constrained"
    )
    return figure, axes.ravel()


def _history(fit):
    """A skorch History from a fitted estimator, a skorch net or a History."""
    history = getattr(fit, "history_", None) or getattr(fit, "history", None) or fit
    if (
        not hasattr(history, "__getitem__")
        or not len(history)
        or not isinstance(history[0], Mapping)
    ):
        raise TypeError(
            f"expected a fitted estimator, a skorch net or a skorch History, "
            f"got {type(fit).__name__}"
        )
    return history


def plot_history(fits, metrics: Sequence[str] = ("train_loss", "train_psnr"), axes=None):
    """Training curves of one or several fits, one panel per metric.

    Parameters
    ----------
    fits : estimator, skorch History, or dict of label -> either
        Fitted sirenkit estimators (their ``history_``). A dict draws one labelled curve
        per fit on every panel.
    metrics : sequence of str, default=("train_loss", "train_psnr")
        History keys (``train_mse`` and ``event_lr`` too). Losses are drawn on a log scale.
    axes : sequence of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fits = fits if isinstance(fits, Mapping) else {None: fits}
    figure, axes = _axes(axes, len(metrics))
    for label, fit in fits.items():
        history = _history(fit)
        epochs = history[:, "epoch"]
        for ax, metric in zip(axes, metrics):
            if metric not in history[-1]:
                raise ValueError(
                    f"metric {metric!r} is not in the history; it has {sorted(history[-1])}"
                )
            ax.plot(epochs, history[:, metric], label=label, linewidth=1)
    for ax, metric in zip(axes, metrics):
        ax.set_xlabel("epoch")
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        if metric in LOG_SCALE_METRICS:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    if None not in fits:
        axes[len(metrics) - 1].legend(fontsize="small")
    return figure


# -- images and their derivatives ------------------------------------------------------
def _show_signal(ax, image: np.ndarray, title: str) -> None:
    """An ``(H, W, C)`` signal: RGB when C is 3, else the channel mean in grey."""
    if image.shape[-1] == 3:
        ax.imshow(np.clip(image, 0, 1))
    else:
        ax.imshow(image.mean(axis=-1), cmap="gray")
    _tidy(ax, title)


def _show_gradient(ax, gradient: np.ndarray, title: str) -> None:
    """Magnitude of an ``(H, W, ...)`` gradient: over every direction and channel."""
    magnitude = np.sqrt(np.sum(gradient.reshape(gradient.shape[:2] + (-1,)) ** 2, axis=-1))
    ax.imshow(magnitude, cmap="magma", vmin=0, vmax=np.percentile(magnitude, 99.5) or None)
    _tidy(ax, title)


def _show_laplacian(ax, laplacian: np.ndarray, title: str) -> None:
    """Channel mean of an ``(H, W, C)`` Laplacian, on a symmetric diverging scale."""
    mean = laplacian.mean(axis=-1)
    bound = float(np.percentile(np.abs(mean), 99.5)) or 1.0
    ax.imshow(mean, cmap="RdBu_r", vmin=-bound, vmax=bound)
    _tidy(ax, title)


def _tidy(ax, title: str) -> None:
    ax.set_title(title, fontsize="medium")
    ax.set_xticks([])
    ax.set_yticks([])


def _as_image(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(values, np.float64).reshape(shape + (-1,))


def plot_derivatives(
    estimators, shape: int | Sequence[int], image: np.ndarray | None = None, axes=None
):
    """Fitted images with their gradient magnitude and Laplacian, one row per fit.

    Parameters
    ----------
    estimators : fitted estimator or dict of label -> fitted estimator
        Fitted to an image on 2-D coordinates.
    shape : int or (int, int)
        Grid to render on.
    image : ndarray of shape (H, W) or (H, W, C), optional
        The ground truth: adds a first row with its numerical gradient and Laplacian
        (:func:`sirenkit.operators.image_gradient`, same units as the fits').
    axes : array of matplotlib Axes, optional
        At least ``3 * rows``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .operators import image_gradient, image_laplacian

    shape = check_shape(shape)
    if len(shape) != 2:
        raise ValueError(f"shape must be an image's (H, W), got {shape}")
    estimators = estimators if isinstance(estimators, Mapping) else {"fit": estimators}
    rows = []
    if image is not None:
        image = np.asarray(image, np.float64).reshape(np.shape(image)[:2] + (-1,))
        rows.append(("ground truth", image, image_gradient(image), image_laplacian(image)))
    coords = grid_coords(shape)
    for label, estimator in estimators.items():
        rows.append(
            (
                label,
                _as_image(estimator.predict(coords), shape),
                _as_image(estimator.predict_gradient(coords), shape),
                _as_image(estimator.predict_laplacian(coords), shape),
            )
        )
    figure, axes = _axes(axes, 3 * len(rows), ncols=3)
    for row, (label, signal, gradient, laplacian) in enumerate(rows):
        _show_signal(axes[3 * row], signal, label)
        _show_gradient(axes[3 * row + 1], gradient, f"{label}: |gradient|")
        _show_laplacian(axes[3 * row + 2], laplacian, f"{label}: Laplacian")
    return figure


def plot_snapshots(snapshots, axes=None):
    """The signal, gradient magnitude and Laplacian at each recorded epoch (image fits).

    Parameters
    ----------
    snapshots : list of dict or fitted estimator
        :class:`sirenkit.callbacks.Snapshots` recordings of a 2-D grid, or an estimator
        fitted with that callback.
    axes : array of matplotlib Axes, optional
        At least ``3 * len(snapshots)`` (drawn column by column).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(snapshots, list):
        snapshots = get_snapshots(snapshots)
    if not snapshots:
        raise ValueError("no snapshots to plot: was every larger than max_epochs?")
    if snapshots[0]["signal"].ndim != 3:
        raise ValueError(
            f"plot_snapshots draws 2-D grids, got a grid of shape "
            f"{snapshots[0]['signal'].shape[:-1]}"
        )
    with_derivatives = "laplacian" in snapshots[0]
    nrows = 3 if with_derivatives else 1
    n = len(snapshots)
    if axes is None:
        figure, grid = _pyplot().subplots(
            nrows, n, figsize=(2.4 * n, 2.4 * nrows), squeeze=False, layout="constrained"
        )
    else:
        figure, flat = _axes(axes, nrows * n)
        grid = np.asarray(flat[: nrows * n]).reshape(nrows, n)
    for column, snapshot in enumerate(snapshots):
        _show_signal(grid[0, column], snapshot["signal"], f"epoch {snapshot['epoch']}")
        if with_derivatives:
            _show_gradient(grid[1, column], snapshot["gradient"], "|gradient|")
            _show_laplacian(grid[2, column], snapshot["laplacian"], "Laplacian")
    return figure


# -- audio -----------------------------------------------------------------------------
def plot_audio(
    signals: Mapping[str, np.ndarray],
    sample_rate: float,
    axes=None,
    window: tuple[float, float] | None = None,
):
    """Waveforms and magnitude spectra of audio clips on shared axes.

    Parameters
    ----------
    signals : dict of label -> ndarray of shape (n,) or (n, channels)
        E.g. the original clip and fitted ones (the first channel is drawn).
    sample_rate : float
        In Hz.
    axes : two matplotlib Axes, optional
    window : (float, float), optional
        Time span of the waveform panel in seconds (default: the whole clip).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not signals:
        raise ValueError("signals must hold at least one clip")
    figure, axes = _axes(axes, 2, size=4.0)
    wave_ax, spectrum_ax = axes[:2]
    for label, signal in signals.items():
        clip = np.asarray(signal, np.float64)
        clip = clip if clip.ndim == 1 else clip[:, 0]
        times = np.arange(len(clip)) / sample_rate
        shown = slice(None) if window is None else (times >= window[0]) & (times <= window[1])
        wave_ax.plot(times[shown], clip[shown], linewidth=0.7, label=label)
        magnitude = np.abs(np.fft.rfft(clip)) / len(clip)
        frequencies = np.fft.rfftfreq(len(clip), 1 / sample_rate)
        spectrum_ax.plot(
            frequencies, 20 * np.log10(magnitude + 1e-12), linewidth=0.5, label=label, alpha=0.8
        )
    wave_ax.set(xlabel="time (s)", ylabel="amplitude", title="waveform")
    spectrum_ax.set(
        xlabel="frequency (Hz)", ylabel="magnitude (dB)", title="spectrum", xscale="symlog"
    )
    for ax in (wave_ax, spectrum_ax):
        ax.grid(alpha=0.3)
    spectrum_ax.legend(fontsize="small")
    return figure


# -- activations -----------------------------------------------------------------------
def layer_activations(estimator, coords: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The output of every activation layer of a fitted network at ``coords``.

    Parameters
    ----------
    estimator : fitted SirenRegressor, ReluMLPRegressor or other sirenkit estimator
    coords : ndarray of shape (n_samples, n_dims)

    Returns
    -------
    list of (name, ndarray of shape (n_samples, hidden_features))
        In network order, named by layer type: ``"sine 1"``, ``"sine 2"``, ... or
        ``"relu 1"``, ...
    """
    module = estimator.net_.module_
    layers = getattr(module, "hidden", None)
    if layers is None:
        raise ValueError(
            f"{type(module).__name__} has no hidden layers to record (a sirenkit.nn.MLP has)"
        )
    recorded = []
    x = torch.as_tensor(np.asarray(coords, np.float32), device=estimator.net_.device)
    with torch.no_grad():
        for index, layer in enumerate(layers):
            x = layer(x)
            recorded.append((f"{layer.name} {index + 1}", x.cpu().numpy()))
    return recorded


def _radial_power(coords: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Power spectrum of each unit over the full grid ``coords``, averaged over units and
    over shells of equal |frequency| (in cycles per unit of coordinate)."""
    grid = samples_to_grid(coords, values)
    shape = grid.shape[:-1]
    axes = tuple(range(len(shape)))
    power = np.mean(np.abs(np.fft.fftn(grid - grid.mean(axis=axes), axes=axes)) ** 2, axis=-1)
    # Samples are 2 / n apart along an axis of n: frequencies are multiples of 1/2 cycle
    # per unit of coordinate, and shells of width 1/2 hold whole multiples.
    frequency = np.sqrt(
        sum(f**2 for f in np.meshgrid(*[np.fft.fftfreq(n, 2 / n) for n in shape], indexing="ij"))
    )
    shell = np.rint(frequency.ravel() / 0.5).astype(int)
    counts = np.bincount(shell)
    spectrum = np.bincount(shell, power.ravel()) / np.maximum(counts, 1)
    centres = 0.5 * np.arange(len(counts))
    keep = counts > 0
    return centres[keep], spectrum[keep]


def plot_activations(estimator, coords: np.ndarray, bins: int = 80, axes=None):
    """Histogram of each activation layer's outputs and, on a full grid, their spectrum.

    The SIREN paper's argument for its initialisation: with it, every sine layer's output
    follows the same arcsine distribution on [-1, 1] whatever the depth, and the spectrum
    of the activations reaches higher frequencies layer after layer.

    Parameters
    ----------
    estimator : fitted sirenkit estimator
    coords : ndarray of shape (n_samples, n_dims)
        A full grid (e.g. ``grid_coords((64, 64))``) adds the spectra.
    bins : int, default=80
    axes : array of matplotlib Axes, optional
        One (histograms) or two (and spectra).

    Returns
    -------
    matplotlib.figure.Figure
    """
    coords = np.asarray(coords, np.float32)
    activations = layer_activations(estimator, coords)
    shape = infer_grid_shape(coords)
    figure, axes = _axes(axes, 1 if shape is None else 2, size=4.0)
    colours = _pyplot().cm.viridis(np.linspace(0, 0.9, len(activations)))
    for (name, values), colour in zip(activations, colours):
        axes[0].hist(
            values.ravel(),
            bins=bins,
            density=True,
            histtype="step",
            color=colour,
            label=f"{name} (std {values.std():.2f})",
        )
        if shape is not None:
            frequency, power = _radial_power(coords, values)
            axes[1].loglog(frequency[1:], power[1:], color=colour, label=name, linewidth=1)
    axes[0].set(xlabel="activation", ylabel="density", title="activation histograms")
    axes[0].legend(fontsize="x-small")
    if shape is not None:
        axes[1].set(
            xlabel="frequency (cycles per unit)", ylabel="mean power", title="activation spectra"
        )
        axes[1].grid(alpha=0.3)
    return figure
