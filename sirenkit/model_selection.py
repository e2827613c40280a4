"""Cross-validation helpers for fit-quality studies."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["FullSampleSplit"]


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
