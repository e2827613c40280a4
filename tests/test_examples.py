"""Run every gallery example end to end (slow: minutes on a CPU)."""

import runpy
from pathlib import Path

import matplotlib
import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(script, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(script.parent)
    runpy.run_path(str(script), run_name="__main__")
