"""Figures and the Snapshots callback: right content, right shapes, clear errors."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from sirenkit import ReluMLPRegressor, SirenRegressor, grid_coords, image_to_samples  # noqa: E402
from sirenkit.callbacks import Snapshots, get_snapshots  # noqa: E402
from sirenkit.plotting import (  # noqa: E402
    _radial_power,
    layer_activations,
    plot_activations,
    plot_audio,
    plot_derivatives,
    plot_history,
    plot_snapshots,
)

SHAPE = (12, 10)


def _image():
    rows, cols = np.meshgrid(*(grid_coords(n)[:, 0] for n in SHAPE), indexing="ij")
    return np.stack(
        [0.5 + 0.4 * np.sin(3 * rows), 0.5 + 0.4 * np.cos(2 * cols), 0.5 + 0.2 * rows * cols],
        axis=-1,
    )


@pytest.fixture(scope="module")
def fits():
    coords, pixels = image_to_samples(_image())
    # The plateau schedule: a 12-epoch fit's first 5 epochs are then those of a 5-epoch one.
    kwargs = dict(
        hidden_features=16, hidden_layers=1, max_epochs=12, lr_schedule="plateau", random_state=0
    )
    siren = SirenRegressor(callbacks=[Snapshots(SHAPE, every=5)], **kwargs).fit(coords, pixels)
    relu = ReluMLPRegressor(**kwargs).fit(coords, pixels)
    return siren, relu


def test_snapshots_match_the_estimator_after_the_recorded_epoch(fits):
    siren, _ = fits
    snapshots = get_snapshots(siren)
    assert [s["epoch"] for s in snapshots] == [5, 10]
    assert snapshots[0]["signal"].shape == SHAPE + (3,)
    assert snapshots[0]["gradient"].shape == SHAPE + (3, 2)
    assert snapshots[0]["laplacian"].shape == SHAPE + (3,)
    # A continued fit's first snapshot equals the estimator right after that epoch.
    coords, pixels = image_to_samples(_image())
    short = SirenRegressor(
        hidden_features=16,
        hidden_layers=1,
        max_epochs=5,
        lr_schedule="plateau",
        random_state=0,
        callbacks=[Snapshots(SHAPE, every=5)],
    ).fit(coords, pixels)
    np.testing.assert_allclose(
        snapshots[0]["signal"].reshape(-1, 3), short.predict(coords), atol=1e-5
    )
    np.testing.assert_allclose(
        snapshots[0]["laplacian"].reshape(-1, 3),
        short.predict_laplacian(coords),
        rtol=1e-4,
        atol=1e-3,
    )
    assert not np.allclose(snapshots[0]["signal"], snapshots[1]["signal"])


def test_snapshots_errors():
    coords = grid_coords(SHAPE)
    with pytest.raises(ValueError, match="every"):
        SirenRegressor(max_epochs=2, callbacks=[Snapshots(SHAPE, every=0)]).fit(
            coords, coords[:, 0]
        )
    with pytest.raises(ValueError, match="2-D"):
        SirenRegressor(max_epochs=2, callbacks=[Snapshots((8,), every=1)]).fit(coords, coords[:, 0])
    est = SirenRegressor(max_epochs=2, hidden_features=8).fit(coords, coords[:, 0])
    with pytest.raises(ValueError, match="Snapshots"):
        get_snapshots(est)


def test_plot_history_draws_one_curve_per_fit_and_metric(fits):
    siren, relu = fits
    figure = plot_history({"siren": siren, "relu": relu})
    loss_ax, psnr_ax = figure.axes
    assert [len(line.get_xdata()) for line in psnr_ax.lines] == [12, 12]
    np.testing.assert_allclose(psnr_ax.lines[0].get_ydata(), siren.history_[:, "train_psnr"])
    assert loss_ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="not in the history"):
        plot_history(siren, metrics=("valid_loss",))
    with pytest.raises(TypeError, match="fitted estimator"):
        plot_history([1, 2])


def test_plot_derivatives_shows_the_relu_laplacian_is_zero(fits):
    siren, relu = fits
    figure = plot_derivatives({"siren": siren, "relu": relu}, SHAPE, image=_image())
    assert len(figure.axes) == 9
    relu_laplacian = figure.axes[8].images[0].get_array()
    siren_laplacian = figure.axes[5].images[0].get_array()
    assert np.abs(relu_laplacian).max() < 1e-6 < np.abs(siren_laplacian).max()
    with pytest.raises(ValueError, match="image"):
        plot_derivatives(siren, (4, 4, 4))


def test_plot_snapshots_one_column_per_recording(fits):
    siren, _ = fits
    figure = plot_snapshots(siren)
    assert len(figure.axes) == 3 * 2
    assert figure.axes[0].get_title() == "epoch 5"
    # Each column draws its recording: the signal, |gradient| and the mean Laplacian.
    for column, snapshot in enumerate(get_snapshots(siren)):
        signal, gradient, laplacian = (figure.axes[column + 2 * k] for k in range(3))
        np.testing.assert_allclose(signal.images[0].get_array(), np.clip(snapshot["signal"], 0, 1))
        magnitude = np.sqrt((snapshot["gradient"] ** 2).sum(axis=(-1, -2)))
        np.testing.assert_allclose(gradient.images[0].get_array(), magnitude)
        np.testing.assert_allclose(
            laplacian.images[0].get_array(), snapshot["laplacian"].mean(axis=-1)
        )
    with pytest.raises(ValueError, match="no snapshots"):
        plot_snapshots([])


def test_plot_audio_spectrum_peaks_at_the_tone():
    rate = 8000
    tone = np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    figure = plot_audio({"tone": tone, "stereo": np.stack([tone, tone], axis=1)}, rate)
    spectrum = figure.axes[1].lines[0]
    assert spectrum.get_xdata()[np.argmax(spectrum.get_ydata())] == pytest.approx(440)
    with pytest.raises(ValueError, match="at least one"):
        plot_audio({}, rate)


def test_layer_activations_and_their_plot(fits):
    siren, relu = fits
    coords = grid_coords(SHAPE)
    names = [name for name, _ in layer_activations(siren, coords)]
    assert names == ["sine 1", "sine 2"]
    values = layer_activations(relu, coords)
    assert [v.shape for _, v in values] == [(120, 16), (120, 16)]
    assert min(v.min() for _, v in values) >= 0
    figure = plot_activations(siren, coords)
    assert len(figure.axes) == 2
    assert_plots_the_activations(figure, layer_activations(siren, coords), coords)
    assert len(plot_activations(siren, coords[::3]).axes) == 1  # not a grid: histograms


def assert_plots_the_activations(figure, activations, coords, bins=80) -> None:
    """The figure's histograms are those of the activations, its spectra their radial
    power (shared with tests/test_activations.py)."""
    histograms, spectra = figure.axes[0].patches, figure.axes[1].lines
    assert len(histograms) == len(spectra) == len(activations)
    for (name, values), histogram, spectrum in zip(activations, histograms, spectra):
        density, _ = np.histogram(values.ravel(), bins=bins, density=True)
        drawn = histogram.get_xy()[:, 1]  # a step outline: each bin's height, twice
        np.testing.assert_allclose(np.unique(drawn[drawn > 0]), np.unique(density[density > 0]))
        frequency, power = _radial_power(coords, values)
        np.testing.assert_allclose(spectrum.get_ydata(), power[1:])
        np.testing.assert_allclose(spectrum.get_xdata(), frequency[1:])
        assert spectrum.get_label() == name


def test_radial_power_finds_a_plane_wave_frequency():
    coords = grid_coords((32, 32))
    wave = np.cos(2 * np.pi * 3 * coords[:, :1])  # 3 cycles per unit along rows
    frequency, power = _radial_power(coords[::-1], wave[::-1])  # any sample order
    assert frequency[np.argmax(power)] == pytest.approx(3.0)


def test_snapshots_survive_pickling(fits):
    import pickle

    siren, _ = fits
    restored = pickle.loads(pickle.dumps(siren))
    np.testing.assert_array_equal(
        get_snapshots(restored)[1]["laplacian"], get_snapshots(siren)[1]["laplacian"]
    )
