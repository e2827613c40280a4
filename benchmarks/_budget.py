"""A time budget for a benchmark section: rows are measured while it lasts, and printed as
they are measured, so that a section cut off by its limit keeps what it measured.

    budget = Budget(60)
    for row in rows:
        if budget.spent():
            budget.report_skipped(rows_left)
            break
        ...  # measure, then print(..., flush=True)
"""

from __future__ import annotations

import math
import time


class Budget:
    """``seconds`` of wall time from now (None or 0: no limit)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds or math.inf
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return self.seconds - self.elapsed()

    def spent(self) -> bool:
        return self.left() <= 0

    def skipped(self, what: str) -> None:
        """Say what was not measured because the budget ran out."""
        print(f"\n(budget of {self.seconds:.0f} s spent: not measured: {what})", flush=True)
