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


def test_readme_says_hosting_reports_progress_off_a_terminal():
    """Review rev44a F1: the README said `hosting` prints "nothing when their output goes to
    a pipe or a file", but it writes a progress line to stderr every
    :data:`~protv2g.commands.hosting.PROGRESS_EVERY_S` off a terminal
    (docs/hosting-capacity.md, "Stopped before it finishes")."""
    from protv2g.commands.hosting import PROGRESS_EVERY_S

    text = " ".join((REPO_DIR / "README.md").read_text().split())
    (para,) = re.findall(r"`run`, `gate`, `hosting`, `recommend` and `init` show a stage bar"
                         r".*?turns the bar and the lines off\.", text)
    silent = re.search(r"a pipe or a file, (.*?) print nothing", para)
    assert silent and "`hosting`" not in silent.group(1)
    assert f"`hosting` writes a progress line to stderr every {PROGRESS_EVERY_S:g} s" in para
    assert "--quiet" in para
