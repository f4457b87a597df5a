"""``run -o``: the folders of the path are created, which the help says (review rev45b), and
an ``-o`` naming a folder puts ``<study name>.xlsx`` inside it: before, an existing folder
stopped the run with ``IsADirectoryError`` after all its work, and ``-o new/`` wrote a
workbook named ``new`` without ``.xlsx``."""

from __future__ import annotations

from pathlib import Path

from protv2g.cli import build_parser, main, run_workbook_path

from .conftest import FEEDERS_DIR

STUDY = FEEDERS_DIR / "weak_end_of_line" / "study.yaml"


def _run_help() -> str:
    parser = build_parser("run")
    sub = next(a for a in parser._actions if a.dest == "command")
    return " ".join(sub.choices["run"].format_help().split())


def test_help_says_folders_are_created_and_a_folder_is_taken():
    text = _run_help()
    assert "folders on the path that do not exist are created" in text
    assert "an existing folder, or a path ending in '/', gets <study name>.xlsx inside it" in text


def test_workbook_path(tmp_path):
    (tmp_path / "there").mkdir()
    assert run_workbook_path(str(tmp_path / "there"), "s") == tmp_path / "there" / "s.xlsx"
    assert run_workbook_path(f"{tmp_path}/new/", "s") == tmp_path / "new" / "s.xlsx"
    assert run_workbook_path(str(tmp_path / "a" / "b.xlsx"), "s") == tmp_path / "a" / "b.xlsx"
    assert run_workbook_path(None, "s") == Path("reports") / "s.xlsx"


def test_run_into_an_existing_folder(tmp_path, capsys):
    out = tmp_path / "reports"
    out.mkdir()
    assert main(["run", str(STUDY), "--no-hosting", "-o", str(out)]) in (0, 1)
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["weak_end_of_line.xlsx"]
