"""Cross-validation helpers for fit-quality studies."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from numbers import Real

import joblib
import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.model_selection import GridSearchCV, ParameterGrid, check_cv

from .stacked import DEFAULT_STACK_BYTES, fit_stacked

__all__ = ["FullSampleSplit", "StackedGridSearchCV"]


class FullSampleSplit:
    """A CV splitter whose single "fold" trains and tests on every sample.

    An implicit neural representation is judged by how well it fits *its* signal. A K-fold
    split over pixels would instead measure interpolation at held-out pixels (a different
    question, answered by super-resolution). Use this splitter to run ``GridSearchCV`` as an
    architecture sweep of fit quality.

    Parameters
    ----------
    n_repeats : int, default=1
        Number of identical splits, e.g. to average over random initialisations when the
        estimator's ``random_state`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.model_selection import FullSampleSplit
    >>> [(tr.tolist(), te.tolist()) for tr, te in FullSampleSplit().split(np.zeros((3, 2)))]
    [([0, 1, 2], [0, 1, 2])]
    """

    def __init__(self, n_repeats: int = 1) -> None:
        self.n_repeats = n_repeats

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        if not isinstance(self.n_repeats, (int, np.integer)) or self.n_repeats < 1:
            raise ValueError(f"n_repeats must be a positive int, got {self.n_repeats!r}")
        return int(self.n_repeats)

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        indices = np.arange(len(X))
        for _ in range(self.get_n_splits()):
            yield indices, indices

    def __repr__(self) -> str:
        return f"FullSampleSplit(n_repeats={self.n_repeats})"


class StackedGridSearchCV(GridSearchCV):
    """:class:`~sklearn.model_selection.GridSearchCV` that trains candidates side by side.

    The same search, ``cv_results_``, ``best_params_``, ``best_estimator_``, scorers and
    splitters as ``GridSearchCV``; the difference is how the fits run. The fits of every
    (candidate, split) pair are grouped by what their networks share (shape, frequencies,
    training settings, training samples; see :mod:`sirenkit.stacked`): each group trains as
    one stacked network, within ``max_stack_bytes`` of activations, and the groups run
    through joblib (``n_jobs``, or a Dask backend). Candidates that cannot be stacked (other
    estimators, losses or callbacks) are fitted as ``GridSearchCV`` would fit them. The
    scores then come from the fitted networks exactly as ``GridSearchCV`` computes them.

    Each network follows the updates it would get alone (its own initialisation, Adam
    state and learning-rate schedule); the scores agree with ``GridSearchCV``'s up to float32
    rounding (the batched products sum in another order). ``mean_fit_time`` in
    ``cv_results_`` is the look-up of the fitted network; ``stack_time_`` is the training.

    Parameters
    ----------
    estimator, param_grid, scoring, n_jobs, refit, cv, verbose, pre_dispatch : as GridSearchCV
        As :class:`~sklearn.model_selection.GridSearchCV`.
    error_score, return_train_score : as GridSearchCV
        As :class:`~sklearn.model_selection.GridSearchCV`.
    max_stack_bytes : float, default=2 GiB
        Memory for one stack's activations; larger groups are split.

    Attributes
    ----------
    stacks_ : list of int
        The number of networks in each group trained (1: a fit on its own).
    stack_time_ : float
        Seconds spent training all groups.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import SirenRegressor, grid_coords
    >>> from sirenkit.metrics import psnr_scorer
    >>> from sirenkit.model_selection import FullSampleSplit, StackedGridSearchCV
    >>> X = grid_coords((8, 8))
    >>> y = np.sin(4 * X[:, 0]) * np.cos(3 * X[:, 1]) / 2 + 0.5
    >>> search = StackedGridSearchCV(
    ...     SirenRegressor(hidden_features=16, max_epochs=30, random_state=0),
    ...     {"omega_0": [10, 30], "random_state": [0, 1]}, cv=FullSampleSplit(),
    ...     scoring=psnr_scorer).fit(X, y)
    >>> search.stacks_, len(search.cv_results_["params"])
    ([4], 4)
    """

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
        max_stack_bytes=DEFAULT_STACK_BYTES,
    ):
        super().__init__(
            estimator,
            param_grid,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.max_stack_bytes = max_stack_bytes

    def fit(self, X, y=None, **params):
        """Train every (candidate, split) fit, stacked, then run the search on them."""
        if params:
            raise ValueError(f"StackedGridSearchCV takes no fit parameters, got {sorted(params)}")
        if not isinstance(self.max_stack_bytes, Real) or self.max_stack_bytes <= 0:
            raise ValueError(
                f"max_stack_bytes must be a positive number, got {self.max_stack_bytes!r}"
            )
        X, y = np.asarray(X), None if y is None else np.asarray(y)
        splits = list(check_cv(self.cv, y, classifier=is_classifier(self.estimator)).split(X, y))
        fits, keys = [], []
        for candidate in ParameterGrid(self.param_grid):
            for train, _ in splits:
                estimator = clone(self.estimator).set_params(**clone(candidate, safe=False))
                fits.append((estimator, X[train], None if y is None else y[train]))
                keys.append(_fit_key(estimator, fits[-1][1], fits[-1][2]))
        start = time.perf_counter()
        fitted, self.stacks_ = fit_stacked(
            fits, n_jobs=self.n_jobs, max_stack_bytes=self.max_stack_bytes
        )
        self.stack_time_ = time.perf_counter() - start
        token = uuid.uuid4().hex
        _PREFITTED[token] = {}
        for key, estimator in zip(keys, fitted):  # repeated splits: in order
            _PREFITTED[token].setdefault(key, []).append(estimator)
        estimator, n_jobs = self.estimator, self.n_jobs
        try:
            # The search scores the fitted networks in this process (where they are).
            self.estimator, self.n_jobs = _Prefitted(estimator, token), None
            super().fit(X, y)
        finally:
            self.estimator, self.n_jobs = estimator, n_jobs
            del _PREFITTED[token]
        if hasattr(self, "best_estimator_"):
            self.best_estimator_ = self.best_estimator_.fitted_
        return self


#: Fitted networks of a running StackedGridSearchCV, by search and by fit (a list: one per
#: repeated split).
_PREFITTED: dict[str, dict[str, list]] = {}


def _fit_key(estimator, X, y) -> str:
    return joblib.hash((type(estimator), estimator.get_params(deep=False), X, y))


class _Prefitted(BaseEstimator):
    """The search's estimator while it scores: ``fit`` takes the network trained for those
    parameters and samples (or fits one, for a refit on samples no split trained on)."""

    def __init__(self, estimator, token):
        self.estimator = estimator
        self.token = token

    def set_params(self, **params):
        own = {k: params.pop(k) for k in ("estimator", "token") if k in params}
        super().set_params(**own)
        self.estimator.set_params(**params)
        return self

    def fit(self, X, y=None):
        key = _fit_key(self.estimator, np.asarray(X), None if y is None else np.asarray(y))
        cached = _PREFITTED.get(self.token, {}).get(key)
        if not cached:
            self.fitted_ = clone(self.estimator).fit(X, y)
        else:  # the last one stays for the refit on the same samples
            self.fitted_ = cached.pop(0) if len(cached) > 1 else cached[0]
        return self

    def predict(self, X):
        return self.fitted_.predict(X)

    def score(self, X, y=None):
        return self.fitted_.score(X, y)
