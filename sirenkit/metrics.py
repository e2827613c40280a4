"""Signal-fitting metrics and scorers.

``psnr`` is the standard per-element PSNR: the mean squared error is taken over every pixel
*and* every channel. Some reference code sums the squared error over the colour channels
before averaging over pixels, which multiplies the MSE by the number of channels and reads
``10 log10(C)`` dB low (4.77 dB for RGB); :func:`psnr_channel_sum` computes that convention so
that results can be printed beside published numbers.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import make_scorer

__all__ = ["psnr", "psnr_channel_sum", "psnr_scorer", "make_psnr_scorer", "relative_l2_error"]


def _squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:
        raise ValueError("y_true is empty")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise ValueError("y_true and y_pred must be finite (found NaN or inf)")
    return (y_true - y_pred) ** 2


def _psnr_from_mse(mse: float, data_range: float) -> float:
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range!r}")
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def psnr(y_true: np.ndarray, y_pred: np.ndarray, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range^2 / MSE)``.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        Any shape: ``(n,)``, ``(n, channels)``, ``(H, W, C)``...
    data_range : float, default=1.0
        Peak-to-peak range of the signal (1 for images in [0, 1], 2 for audio in [-1, 1]).

    Returns
    -------
    float
        ``inf`` for a perfect prediction.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.metrics import psnr
    >>> round(psnr(np.zeros(4), np.full(4, 0.1)), 6)
    20.0
    """
    return _psnr_from_mse(float(np.mean(_squared_error(y_true, y_pred))), data_range)


def relative_l2_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """``||y_pred - y_true|| / ||y_true||`` over every element: how far a solution is from
    a reference, the usual measure for differential equations.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.metrics import relative_l2_error
    >>> relative_l2_error(np.array([3.0, 4.0]), np.array([3.0, 4.5]))
    0.1
    """
    squared_error = _squared_error(y_true, y_pred)
    norm = float(np.linalg.norm(np.asarray(y_true, dtype=np.float64)))
    if norm == 0:
        raise ValueError("y_true is zero everywhere: the relative error is undefined")
    return float(np.sqrt(squared_error.sum())) / norm


def psnr_channel_sum(
    y_true: np.ndarray, y_pred: np.ndarray, data_range: float = 1.0, channel_axis: int = -1
) -> float:
    """PSNR with the squared error summed over channels before averaging (reports' convention).

    Equals ``psnr(y_true, y_pred) - 10 log10(C)`` for ``C`` channels along ``channel_axis``.
    Use it only to compare with numbers published in that convention.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.metrics import psnr, psnr_channel_sum
    >>> a, b = np.zeros((8, 8, 3)), np.full((8, 8, 3), 0.1)
    >>> round(psnr(a, b) - psnr_channel_sum(a, b), 2)
    4.77
    """
    summed = np.sum(_squared_error(y_true, y_pred), axis=channel_axis)
    return _psnr_from_mse(float(np.mean(summed)), data_range)


def make_psnr_scorer(data_range: float = 1.0):
    """A scorer for ``GridSearchCV(scoring=...)`` computing :func:`psnr` (greater is better).

    Examples
    --------
    >>> from sirenkit.metrics import make_psnr_scorer
    >>> scorer = make_psnr_scorer(data_range=2.0)   # audio in [-1, 1]
    """
    return make_scorer(psnr, greater_is_better=True, data_range=data_range)


#: PSNR scorer for signals in [0, 1] (``data_range=1``).
psnr_scorer = make_psnr_scorer()
