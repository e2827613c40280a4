"""Warnings that point at the user's line, however deep in sirenkit, skorch, scikit-learn
or torch they are raised (a callback runs inside skorch's loop, a check inside sklearn's
``_fit_context``), as Python 3.12's ``skip_file_prefixes`` does."""

from __future__ import annotations

import os
import sys
import warnings

import sklearn
import skorch
import torch

_LIBRARIES = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (sys.modules[__package__], skorch, sklearn, torch)
)


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` at the first frame outside these libraries."""
    frame, level = sys._getframe(1), 2  # stacklevel 2: the frame that called this
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
