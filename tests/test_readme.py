"""The README's study script runs as written (from the repository root)."""

from __future__ import annotations

import re

from .conftest import REPO_DIR


def test_readme_script_runs(monkeypatch, tmp_path):
    text = (REPO_DIR / "README.md").read_text()
    (script,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    monkeypatch.chdir(REPO_DIR)
    script = script.replace('"reports/depot_80pct.xlsx"', repr(str(tmp_path / "depot.xlsx")))
    exec(compile(script, "README.md", "exec"), {})
    assert (tmp_path / "depot.xlsx").is_file()


def test_readme_has_the_two_commands():
    text = (REPO_DIR / "README.md").read_text()
    assert "pip install -e . && protv2g run feeders/depot_two_feeder/study.yaml" in text
    assert "pip install -e '.[test]' && pytest" in text
    assert "pip install -e '.[test]' && pytest" in (REPO_DIR / ".ci" / "run").read_text()
