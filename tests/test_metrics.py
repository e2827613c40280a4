import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

from sirenkit import FullSampleSplit
from sirenkit.metrics import make_psnr_scorer, psnr, psnr_channel_sum


def test_psnr_analytic_values():
    truth = np.zeros((10, 3))
    assert psnr(truth, truth + 0.1) == pytest.approx(20.0)
    assert psnr(truth, truth + 0.1, data_range=2.0) == pytest.approx(20 + 20 * np.log10(2))
    assert psnr(truth, truth) == np.inf


def test_psnr_is_per_element_over_channels():
    truth = np.zeros((4, 4, 3))
    pred = truth.copy()
    pred[..., 0] = 0.3  # error in one channel only
    assert psnr(truth, pred) == pytest.approx(10 * np.log10(1 / (0.09 / 3)))


def test_channel_sum_convention_is_10log10_C_lower():
    rng = np.random.default_rng(0)
    truth, pred = rng.random((8, 8, 3)), rng.random((8, 8, 3))
    assert psnr(truth, pred) - psnr_channel_sum(truth, pred) == pytest.approx(10 * np.log10(3))


@pytest.mark.parametrize(
    "a, b, kwargs, match",
    [
        (np.zeros(3), np.zeros(4), {}, "same shape"),
        (np.zeros(0), np.zeros(0), {}, "empty"),
        (np.array([np.nan]), np.zeros(1), {}, "finite"),
        (np.zeros(2), np.ones(2), {"data_range": 0}, "data_range"),
    ],
)
def test_psnr_bad_input(a, b, kwargs, match):
    with pytest.raises(ValueError, match=match):
        psnr(a, b, **kwargs)


def test_scorer_and_full_sample_split():
    class Constant(RegressorMixin, BaseEstimator):
        def predict(self, X):
            return np.full(len(X), 0.1)

    X, y = np.zeros((5, 2)), np.zeros(5)
    assert make_psnr_scorer()(Constant(), X, y) == pytest.approx(20.0)
    splits = list(FullSampleSplit(n_repeats=2).split(X))
    assert len(splits) == 2
    for train, test in splits:
        np.testing.assert_array_equal(train, np.arange(5))
        np.testing.assert_array_equal(test, np.arange(5))
    with pytest.raises(ValueError, match="n_repeats"):
        FullSampleSplit(0).get_n_splits()


def test_relative_l2_error_against_hand_values_and_bad_input():
    from sirenkit.metrics import relative_l2_error

    truth = np.array([[3.0, 0.0], [0.0, 4.0]])
    assert relative_l2_error(truth, truth) == 0
    assert relative_l2_error(truth, truth + [[0.0, 0.0], [0.0, 1.0]]) == pytest.approx(0.2)
    assert relative_l2_error(truth, -truth) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="same shape"):
        relative_l2_error(truth, truth.ravel())
    with pytest.raises(ValueError, match="zero everywhere"):
        relative_l2_error(np.zeros(3), np.ones(3))
