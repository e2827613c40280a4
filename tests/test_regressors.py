import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback

from sirenkit import (
    CoordinateRangeWarning,
    FullSampleSplit,
    ReluMLPRegressor,
    SirenRegressor,
    grid_coords,
)
from sirenkit._training import Derivative
from sirenkit.metrics import psnr, psnr_scorer
from sirenkit.omega import auto_omega_0

ESTIMATORS = [SirenRegressor, ReluMLPRegressor]


def test_siren_fits_a_smooth_rgb_image(small, smooth_image):
    coords, values, _ = smooth_image
    # omega_0 30 for this small full-batch fit of a smooth image (60, the default, is for
    # the mini-batch fits of photographs).
    est = SirenRegressor(**small(hidden_features=64, max_epochs=300, omega_0=30.0))
    est.fit(coords, values)
    prediction = est.predict(coords)
    assert prediction.shape == values.shape and prediction.dtype == np.float64
    assert psnr(values, prediction) > 40
    # The history's last PSNR is measured before the last update: close to the final one.
    assert est.history_[-1, "train_psnr"] == pytest.approx(psnr(values, prediction), abs=1.5)


def test_siren_beats_relu_on_the_same_budget(small, smooth_image):
    coords, values, _ = smooth_image
    scores = {}
    for cls in ESTIMATORS:
        est = cls(**small(hidden_features=64, max_epochs=150)).fit(coords, values)
        scores[cls] = psnr(values, est.predict(coords))
    assert scores[SirenRegressor] > scores[ReluMLPRegressor] + 5


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_output_shape_follows_y(small, cls):
    coords = grid_coords((6, 7))
    one = cls(**small(max_epochs=2)).fit(coords, coords[:, 0])
    assert one.predict(coords).shape == (42,) and one.n_outputs_ == 1
    column = cls(**small(max_epochs=2)).fit(coords, coords[:, :1])
    assert column.predict(coords).shape == (42, 1)
    assert column.predict(grid_coords((3, 5))).shape == (15, 1)


def test_targets_are_scaled_and_mapped_back(small):
    coords = grid_coords(64)
    signal = 1000 + 250 * np.stack([np.sin(3 * coords[:, 0]), np.cos(2 * coords[:, 0])], 1)
    est = SirenRegressor(**small(max_epochs=200)).fit(coords, signal)
    assert est.target_scale_ == pytest.approx(250 * np.ptp(signal) / 500, rel=1e-6)
    scaled = (signal - est.target_center_) / est.target_scale_
    assert scaled.min() >= -1 - 1e-9 and scaled.max() <= 1 + 1e-9
    np.testing.assert_allclose(est.predict(coords), signal, atol=5)


def test_constant_signal_does_not_divide_by_zero(small):
    coords = grid_coords(16)
    est = SirenRegressor(**small(max_epochs=20)).fit(coords, np.full(16, 3.0))
    np.testing.assert_allclose(est.predict(coords), 3.0, atol=0.05)


def test_random_state_makes_cpu_fits_reproducible(small, smooth_image):
    coords, values, _ = smooth_image
    fits = [
        SirenRegressor(**small(max_epochs=20, random_state=seed))
        .fit(coords, values)
        .predict(coords)
        for seed in (3, 3, 4)
    ]
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.allclose(fits[0], fits[2])


def test_fit_does_not_touch_global_torch_rng(small, smooth_image):
    coords, values, _ = smooth_image
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    SirenRegressor(**small(max_epochs=2)).fit(coords, values)
    torch.testing.assert_close(torch.rand(3), expected)


def test_history_records_loss_psnr_and_learning_rate(small, smooth_image):
    coords, values, _ = smooth_image
    est = SirenRegressor(**small(max_epochs=30, omega_0=30.0)).fit(coords, values)
    history = est.history_
    assert len(history) == 30
    for key in ("train_loss", "train_mse", "train_psnr", "event_lr"):
        assert len(history[:, key]) == 30
    mse = history[-1, "train_mse"]
    assert history[-1, "train_psnr"] == pytest.approx(10 * np.log10(1 / mse))
    # train_loss is the MSE of the [-1, 1]-scaled targets.
    assert history[-1, "train_loss"] == pytest.approx(mse / est.target_scale_**2, rel=1e-4)
    assert history[-1, "train_psnr"] > history[0, "train_psnr"] + 4


def test_plateau_schedule_reduces_the_learning_rate(small):
    # A constant target is fitted at once; then the loss stops improving.
    coords = grid_coords(32)
    est = SirenRegressor(**small(max_epochs=60, lr_patience=3, lr=1e-2))
    est.fit(coords, np.sin(20 * coords[:, 0]) > 0)
    lrs = est.history_[:, "event_lr"]
    assert lrs[0] == pytest.approx(1e-2) and min(lrs) < 1e-2
    assert all(b / a in (pytest.approx(1.0), pytest.approx(0.6)) for a, b in zip(lrs, lrs[1:]))
    none = SirenRegressor(**small(max_epochs=5, lr_schedule=None, lr=1e-2))
    assert none.fit(coords, coords[:, 0]).history_[:, "event_lr"] == [1e-2] * 5


def test_lr_patience_auto_is_tied_to_depth(small):
    est = SirenRegressor(**small(max_epochs=1, hidden_layers=2))
    est.fit(grid_coords(8), np.zeros(8))
    scheduler = dict(est.net_.callbacks_)["lr_scheduler"]
    assert scheduler.patience == 30 and scheduler.factor == 0.6


def test_mini_batches_cover_all_coordinates(small):
    coords = grid_coords((16, 16))
    values = np.sin(4 * coords[:, 0]) + coords[:, 1]
    est = SirenRegressor(**small(batch_size=50, max_epochs=40)).fit(coords, values)
    assert est.history_[-1, "train_batch_count"] == 6  # ceil(256 / 50)
    assert psnr(values, est.predict(coords), data_range=np.ptp(values)) > 30


def test_predict_is_chunked_and_equal_to_one_pass(small, smooth_image):
    coords, values, _ = smooth_image
    est = SirenRegressor(**small(max_epochs=5)).fit(coords, values)
    whole = est.predict(coords)
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, x):
            seen.append(len(x))
            return self.module(x)

    est.net_.module_ = Spy(est.net_.module_)
    chunked = est.set_params(predict_batch_size=100).predict(coords)
    assert seen == [100] * 7 + [68]
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


def test_omega_auto_records_the_rule_value(small, smooth_image):
    coords, values, _ = smooth_image
    est = SirenRegressor(**small(max_epochs=2, omega_0="auto")).fit(coords, values)
    assert est.omega_0_ == pytest.approx(auto_omega_0(coords, values))
    assert est.net_.module_.hidden[0].omega_0 == pytest.approx(est.omega_0_)
    with pytest.raises(ValueError, match="needs the whole signal on its grid"):
        est.fit(coords[::2], values[::2])


def test_verbose_shows_an_epoch_progress_bar(small, capsys):
    coords = grid_coords(16)
    est = SirenRegressor(**small(max_epochs=7, verbose=True))
    est.fit(coords, coords[:, 0])
    err = capsys.readouterr().err
    assert "7/7" in err and "epoch" in err and "psnr" in err
    assert not hasattr(dict(est.net_.callbacks_)["progress_bar"], "bar_")  # closed, dropped
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(est)).predict(coords), est.predict(coords)
    )
    SirenRegressor(**small(max_epochs=3)).fit(coords, coords[:, 0])
    assert capsys.readouterr().err == ""


def test_keyboard_interrupt_keeps_the_work(small):
    class Interrupt(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 4:
                raise KeyboardInterrupt

    coords = grid_coords(16)
    est = SirenRegressor(**small(max_epochs=50, callbacks=[Interrupt()]))
    est.fit(coords, coords[:, 0])
    assert len(est.history_) == 4
    assert est.predict(coords).shape == (16,)


def test_warm_start_continues_training(small):
    coords = grid_coords(32)
    est = SirenRegressor(**small(max_epochs=10, warm_start=True))
    est.fit(coords, np.sin(5 * coords[:, 0]))
    first_loss = est.history_[-1, "train_loss"]
    est.fit(coords, np.sin(5 * coords[:, 0]))
    assert len(est.history_) == 20 and est.history_[-1, "train_loss"] < first_loss
    with pytest.raises(ValueError, match="outputs"):
        est.fit(coords, np.zeros((32, 2)))
    with pytest.raises(ValueError, match="expecting 1 features"):
        est.fit(grid_coords((4, 8)), np.zeros(32))
    est.set_params(max_epochs=3).fit(coords, np.sin(5 * coords[:, 0]))
    assert len(est.history_) == 23


class WeightsRecorder(Callback):
    """The network's weights at the end of every epoch."""

    def initialize(self):
        self.weights_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights_.append({k: v.clone() for k, v in net.module_.state_dict().items()})


def test_checkpoint_dir_saves_the_best_epochs_parameters(small, tmp_path):
    coords = grid_coords(16)
    # A rate too high: the loss jumps around, so the best epoch is not the last one.
    est = SirenRegressor(
        **small(max_epochs=12, lr=0.05, lr_schedule=None, checkpoint_dir=tmp_path),
    )
    est.set_params(callbacks=[("weights", WeightsRecorder())]).fit(coords, coords[:, 0])
    assert [p.name for p in tmp_path.iterdir()] == ["params.pt"]
    losses = est.history_[:, "train_loss"]
    best = int(np.argmin(losses))
    assert best < len(losses) - 1  # the case this test is about
    assert est.history_[best, "train_loss_best"] and not any(
        est.history_[best + 1 :, "train_loss_best"]
    )
    saved = torch.load(tmp_path / "params.pt")
    recorded = dict(est.net_.callbacks_)["weights"].weights_
    for name, value in saved.items():
        torch.testing.assert_close(value, recorded[best][name], rtol=0, atol=0)
    assert any(not torch.equal(saved[k], recorded[-1][k]) for k in saved)  # not the last


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_pickle_joblib_and_clone(small, cls, tmp_path):
    coords = grid_coords((8, 8))
    est = cls(**small(max_epochs=5)).fit(coords, coords)
    expected = est.predict(coords)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(coords), expected)
    joblib.dump(est, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").predict(coords), expected)
    fresh = clone(est)
    assert fresh.get_params() == est.get_params() and not hasattr(fresh, "net_")


def test_model_pickled_on_cuda_loads_on_cpu(small, monkeypatch):
    # No GPU in CI: mark the fitted net as a CUDA one (its tensors stay on the CPU) so that
    # pickling goes through skorch's CUDA path and unpickling through its CPU fallback.
    coords = grid_coords(16)
    est = SirenRegressor(**small(max_epochs=3)).fit(coords, coords[:, 0])
    expected = est.predict(coords)
    est.net_.device, est.device_ = "cuda", "cuda"
    payload = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="(?i)cuda"):
        loaded = pickle.loads(payload)
    assert loaded.device_ == "cpu"
    np.testing.assert_allclose(loaded.predict(coords), expected)


def test_device_auto_picks_cuda_when_available(monkeypatch):
    from sirenkit._base import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch, "empty", lambda *args, **kwargs: None)  # allocates anywhere
    assert resolve_device("cuda:1") == "cuda:1"


def test_pipeline_with_a_coordinate_transform(small):
    coords = grid_coords(32)
    pipe = Pipeline(
        [
            ("halve", FunctionTransformer(lambda c: c / 2)),
            ("siren", SirenRegressor(**small(max_epochs=50))),
        ]
    )
    pipe.fit(coords, np.cos(2 * coords[:, 0]))
    assert psnr(np.cos(2 * coords[:, 0]), pipe.predict(coords), data_range=2) > 30


def test_grid_search_over_layers_width_and_omega(small):
    shape = (16, 16)
    coords = grid_coords(shape)
    values = 0.5 + 0.5 * np.sin(8 * coords[:, 0]) * np.sin(6 * coords[:, 1])
    search = GridSearchCV(
        SirenRegressor(**small(max_epochs=60)),
        param_grid={
            "hidden_layers": [0, 1],
            "hidden_features": [4, 32],
            "omega_0": [1.0, 30.0, "auto"],
        },
        scoring=psnr_scorer,
        cv=FullSampleSplit(),
        n_jobs=2,
    )
    search.fit(coords, values)
    scores = {
        tuple(p.values()): s
        for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])
    }
    assert len(scores) == 12
    assert search.best_params_["hidden_features"] == 32
    # Capacity and frequency matter: the widest net with omega_0=30 beats the smallest one
    # with omega_0=1, which cannot represent the oscillation.
    assert scores[(32, 1, 30.0)] > scores[(4, 0, 1.0)] + 10
    assert search.best_estimator_.predict(coords).shape == (256,)


BAD_FIT_INPUT = [
    (np.full((4, 2), np.nan), np.zeros(4), ValueError, "NaN"),
    (np.zeros((4, 2)), np.array([0, 1, np.inf, 0]), ValueError, "infinity"),
    (np.zeros(4), np.zeros(4), ValueError, "Reshape your data"),
    (np.zeros((4, 2, 1)), np.zeros(4), ValueError, "dim 3"),
    (np.zeros((4, 2)), np.zeros((4, 2, 3)), ValueError, r"y \(the signal\) must have shape"),
    (np.zeros((4, 2)), np.zeros(5), ValueError, "same number of samples, got 4 and 5"),
    (np.zeros((0, 2)), np.zeros(0), ValueError, "0 sample"),
    (np.array([["a", "b"]] * 4), np.zeros(4), ValueError, "convert"),
    (np.zeros((4, 2)), np.array(["a", "b", "c", "d"]), ValueError, "convert"),
    (np.zeros((4, 2)), None, ValueError, "requires y"),
]


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("X, y, error, match", BAD_FIT_INPUT)
def test_bad_fit_input_raises(small, cls, X, y, error, match):
    with pytest.raises(error, match=match):
        cls(**small(max_epochs=1)).fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_coordinates_outside_the_range_warn_or_raise_in_strict_mode(small, cls):
    coords = np.full((4, 2), 3.0)
    with pytest.warns(CoordinateRangeWarning, match=r"should lie in \[-1, 1\].*grid_coords"):
        cls(**small(max_epochs=1)).fit(coords, np.zeros(4))
    with pytest.raises(ValueError, match=r"should lie in \[-1, 1\]"):
        cls(**small(max_epochs=1, strict_coords=True)).fit(coords, np.zeros(4))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_pipeline_after_a_standard_scaler(small, cls):
    from sklearn.preprocessing import StandardScaler

    coords = grid_coords(32)
    target = np.cos(2 * coords[:, 0])
    pipe = Pipeline(
        [("scale", StandardScaler()), ("inr", cls(**small(max_epochs=150, coord_range=None)))]
    )
    pipe.fit(coords, target)
    assert psnr(target, pipe.predict(coords), data_range=2) > 25
    # The standardised coordinates reach 1.7: by default the estimator warns, and fits.
    with pytest.warns(CoordinateRangeWarning):
        Pipeline([("scale", StandardScaler()), ("inr", cls(**small(max_epochs=2)))]).fit(
            coords, target
        )


BAD_PARAMS = [
    ({"hidden_features": 0}, "hidden_features", r"an int in the range \[1, inf\)"),
    ({"hidden_layers": 1.5}, "hidden_layers", "an int in the range"),
    ({"first_layer_init": "glorot"}, "first_layer_init", "a str among"),
    ({"hidden_init": None}, "hidden_init", "a str among"),
    ({"lr": -1}, "lr", r"a float in the range \(0.0, inf\)"),
    ({"lr": float("inf")}, "lr", r"a float in the range \(0.0, inf\)"),
    ({"lr": "fast"}, "lr", "a float in the range"),
    ({"max_epochs": 0}, "max_epochs", r"an int in the range \[1, inf\)"),
    (
        {"batch_size": 0},
        "batch_size",
        r"an int in the range \[1, inf\), a str among {'auto'} or None",
    ),
    ({"lr_schedule": "linear"}, "lr_schedule", "a str among {.*'plateau'.*} or None"),
    ({"lr_factor": 1.5}, "lr_factor", r"a float in the range \(0.0, 1.0\)"),
    ({"lr_patience": "soon"}, "lr_patience", "an int in the range"),
    ({"weight_decay": -1e-3}, "weight_decay", r"a float in the range \[0.0, inf\)"),
    ({"loss": "l1"}, "loss", "a str among"),
    ({"data_range": 0}, "data_range", r"a float in the range \(0.0, inf\)"),
    ({"coord_range": "unit"}, "coord_range", "an instance of 'tuple'"),
    ({"strict_coords": "yes"}, "strict_coords", "an instance of 'bool'"),
    ({"device": 0}, "device", "an instance of 'str'"),
    ({"callbacks": "progress"}, "callbacks", "an instance of 'list'"),
    ({"predict_batch_size": 0}, "predict_batch_size", "an int in the range"),
    ({"warm_start": "no"}, "warm_start", "an instance of 'bool'"),
    ({"compile": "yes"}, "compile", "an instance of 'bool'"),
    ({"precision": "float16"}, "precision", "a str among"),
    ({"verbose": -1}, "verbose", "an int in the range"),
]


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("params, name, expected", BAD_PARAMS)
def test_bad_parameters_raise_naming_the_parameter(small, cls, params, name, expected):
    # scikit-learn's parameter validation: InvalidParameterError is a ValueError and a
    # TypeError.
    with pytest.raises(
        (ValueError, TypeError),
        match=f"The '{name}' parameter of {cls.__name__} must be {expected}",
    ):
        cls(**small(**{"max_epochs": 1, **params})).fit(grid_coords(8), np.zeros(8))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"coord_range": (1, -1)}, ValueError, "low < high"),
        ({"coord_range": ("a", "b")}, ValueError, "coord_range must be a .low, high. pair"),
        ({"device": "gpu0"}, ValueError, "device must be"),
        ({"callbacks": [1]}, TypeError, "callbacks must hold skorch callbacks .* item 0 is 1"),
    ],
)
def test_bad_parameter_values_beyond_their_types(small, params, error, match):
    with pytest.raises(error, match=match):
        SirenRegressor(**small(**{"max_epochs": 1, **params})).fit(grid_coords(8), np.zeros(8))


@pytest.mark.parametrize(
    "params, error, match",
    [
        (
            {"omega_0": "high"},
            ValueError,
            "'omega_0' parameter of SirenRegressor must be a float in the range .0.0, inf. or a "
            "str among {('auto', 'sample_rate'|'sample_rate', 'auto')}",
        ),
        ({"omega_0": "sample_rate"}, ValueError, "needs sample_rate"),
        ({"omega_0": "sample_rate", "sample_rate": -1}, ValueError, "'sample_rate' parameter"),
        ({"hidden_layers": "deep"}, TypeError, "'hidden_layers' parameter"),
        ({"loss": "fft"}, ValueError, "'loss' parameter"),
        ({"omega_0": 0}, ValueError, "'omega_0' parameter"),
        ({"hidden_omega_0": -30}, ValueError, "'hidden_omega_0' parameter"),
    ],
)
def test_bad_siren_parameters(small, params, error, match):
    with pytest.raises(error, match=match):
        SirenRegressor(**small(**params)).fit(grid_coords(8), np.zeros(8))


def test_predict_validates_coordinates(small):
    est = SirenRegressor(**small(max_epochs=1)).fit(grid_coords((4, 4)), np.zeros(16))
    with pytest.raises(ValueError, match="expecting 2 features"):
        est.predict(grid_coords(5))
    with pytest.warns(CoordinateRangeWarning, match=r"should lie in \[-1, 1\]"):
        assert est.predict(np.array([[0.0, 1.5]])).shape == (1,)
    with pytest.raises(ValueError, match=r"should lie in \[-1, 1\]"):
        est.set_params(strict_coords=True).predict(np.array([[0.0, 1.5]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert est.set_params(coord_range=None).predict(np.array([[0.0, 1.5]])).shape == (1,)

    with pytest.raises(ValueError, match="NaN"):
        est.predict(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="'predict_batch_size' parameter"):
        est.set_params(predict_batch_size=0).predict(grid_coords((4, 4)))


def test_unfitted_estimator_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SirenRegressor().predict(grid_coords((2, 2)))
    with pytest.raises(NotFittedError):
        _ = SirenRegressor().history_


# -- derivative predictions ---------------------------------------------------------------
# With omega_0=30 a SIREN interpolates a few dozen samples of a smooth signal exactly but
# oscillates between them, and its derivatives are noise: omega_0 must match the signal's
# frequencies for derivatives of the fit to mean anything.
def test_predicted_gradient_is_in_coordinate_units(small):
    # f(t) = 3 t + 5: the gradient is 3 whatever the internal target scaling.
    t = grid_coords(64)
    est = SirenRegressor(**small(max_epochs=300, omega_0="auto"))
    est.fit(t, 3 * t[:, 0] + 5)
    gradient = est.predict_gradient(t)
    assert gradient.shape == (64, 1)
    np.testing.assert_allclose(gradient[4:-4, 0], 3, rtol=0.05)


def test_predicted_derivatives_match_the_analytic_ones(small, smooth_image):
    coords, values, shape = smooth_image
    # omega_0="auto" (the report's Laplacian rule) gives ~28 on this small smooth image:
    # its std(L) is dominated by the reflected border (docs/omega_rule.md); 30 makes the
    # fit's derivatives noise (~70-90% error), 3 matches the content.
    est = SirenRegressor(**small(hidden_features=64, max_epochs=400, omega_0=3.0))
    est.fit(coords, values[:, 0])  # 0.5 + 0.4 sin(3 x) cos(2 y)
    y, x = coords[:, 0], coords[:, 1]
    expected = np.stack(
        [-0.8 * np.sin(3 * x) * np.sin(2 * y), 1.2 * np.cos(3 * x) * np.cos(2 * y)], axis=1
    )
    gradient = est.predict_gradient(coords)
    assert gradient.shape == (len(coords), 2)
    interior = (np.abs(coords) < 0.8).all(axis=1)
    error = np.linalg.norm(gradient[interior] - expected[interior])
    assert error / np.linalg.norm(expected[interior]) < 0.05
    laplacian = est.predict_laplacian(coords)
    expected_laplacian = -13 * 0.4 * np.sin(3 * x) * np.cos(2 * y)
    # A relative error, not a correlation: it catches a wrong constant factor too
    # (measured: 4.4%).
    error = np.linalg.norm(laplacian[interior] - expected_laplacian[interior])
    assert error / np.linalg.norm(expected_laplacian[interior]) < 0.1


def test_derivative_shapes_for_multichannel_and_chunking(small, smooth_image):
    coords, values, _ = smooth_image
    est = SirenRegressor(**small(max_epochs=5)).fit(coords, values)
    gradient, laplacian = est.predict_gradient(coords), est.predict_laplacian(coords)
    assert gradient.shape == (len(coords), 3, 2) and laplacian.shape == (len(coords), 3)
    est.set_params(predict_batch_size=80)  # derivative chunks of 10
    np.testing.assert_allclose(est.predict_gradient(coords), gradient, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.predict_laplacian(coords), laplacian, rtol=1e-4, atol=1e-4)
    # Closed-form (forward) derivatives, used by default, equal reverse-mode autograd's.
    for kind, forward in (("gradient", gradient), ("laplacian", laplacian)):
        reverse = est._predict_derivative(coords, Derivative(kind, method="reverse"))
        np.testing.assert_allclose(reverse, forward, rtol=1e-4, atol=1e-4 * np.abs(forward).max())


def test_relu_laplacian_is_zero_almost_everywhere(small, smooth_image):
    coords, values, _ = smooth_image
    laplacians = {}
    for cls in ESTIMATORS:
        est = cls(**small(max_epochs=50)).fit(coords, values[:, 0])
        laplacians[cls] = est.predict_laplacian(coords)
    assert np.mean(np.abs(laplacians[ReluMLPRegressor]) < 1e-6) > 0.95
    assert np.mean(np.abs(laplacians[SirenRegressor]) > 1e-3) > 0.95
