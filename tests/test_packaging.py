import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    return [line for block in blocks for line in block.splitlines()
            if line and not line.startswith("#")]


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
