"""benchmarks/gpu.sh --smoke: the GPU run's code paths, on the CPU at toy sizes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_gpu_run_passes_its_smoke_mode_on_the_cpu(tmp_path):
    out = tmp_path / "gpu.md"
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "gpu.sh"), "--smoke", str(out)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = out.read_text()
    assert done.returncode == 0, done.stderr + report[-3000:]
    assert report.startswith("# GPU measurements") and "cpu (no CUDA device)" in report
    for title in [
        "CUDA test module",
        "Step time",
        "Time to 30 and 40 dB",
        "Per-device defaults",
        "Stacked sweeps",
        "Image-fitting table",
        "Time to quality",
        "Partial differential equations",
    ]:
        assert f"## {title}" in report
    assert report.count(", exit 0)") == 8
    # Rows of every measurement, written as they were measured.
    assert "SKIPPED" in report and "needs CUDA" in report  # the CUDA tests, named one by one
    assert "| 16 | - |" in report  # a step-time row
    assert "| held out | 128 | float32 | coffee |" in report
    assert "| SIREN omega_0* | 1 |" in report and "| 32 candidates" in report
    assert "| astronaut | held out | hash grid, ReLU 2x64 |" in report
    assert "| tanh MLP |" in report and "| 0.60 |" in report and "201^2 against 401^2" in report
