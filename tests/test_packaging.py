import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    return [
        line for block in blocks for line in block.splitlines() if line and not line.startswith("#")
    ]


def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    if not (ROOT / ".ci" / "run").exists():
        pytest.skip("not a source checkout")
    commands = _readme_commands()
    assert len(commands) == 2
    assert "sirenkit demo" in commands[0] and "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_sample_data_is_packaged_and_small():
    data = ROOT / "sirenkit" / "data"
    assert sum(p.stat().st_size for p in data.iterdir()) < 1_000_000
    assert "data/*.png" in (ROOT / "setup.cfg").read_text()


# The README's snippets with sizes a CPU runs in seconds; each replacement must apply, so
# an edited README fails here instead of silently running for minutes.
README_SHRINK = {
    'load_sample_image("astronaut")': 'load_sample_image("astronaut")[:48, :48]',
    "max_epochs=500": "max_epochs=3",
    "(1024, 1024)": "(64, 64)",
    "max_epochs=300": "max_epochs=2",
    "[1, 2, 3]": "[1]",
    "[64, 128, 256]": "[16]",
    "signal_mean=0.45)": "signal_mean=0.45, max_epochs=2)",
}


def test_readme_python_snippets_run(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    readme = (ROOT / "README.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", readme, flags=re.S))
    for old, new in README_SHRINK.items():
        assert old in code, f"README snippet changed: {old!r} not found"
        code = code.replace(old, new)
    monkeypatch.chdir(tmp_path)
    from sirenkit.io import save_audio

    save_audio("speech.wav", 0.5 * np.sin(np.arange(800) / 5), 8000)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["big"].shape == (64, 64, 3)
    assert namespace["fast"].network_.encoding["finest"] == 48
    assert namespace["recovered"].shape == (48, 48, 3)
    assert namespace["audio_est"].hidden_layers_ == 3
    assert namespace["high"].shape == namespace["baseline"].shape == (48, 48, 3)
    assert (tmp_path / "speech_siren.wav").exists()
