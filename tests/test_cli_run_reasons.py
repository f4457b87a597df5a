"""``protv2g run`` prints the gate's deciding reasons under its verdict (review s15: a user had
to open the workbook to learn why the gate failed)."""

from __future__ import annotations

from protv2g.cli import _RUN_REASONS, _print_reasons


def test_deciding_reasons_printed_info_left_out(capsys) -> None:
    _print_reasons(["fail: C2 R1/F1 margin \u22120.1155113101 s", "info: no screening",
                    "condition: C10 B1 margin \u2212114.5228718 A"])
    out = capsys.readouterr().out.splitlines()
    # review s16: "(3 reasons)" over 2 printed lines — the line left out is counted
    assert out == ["  fail: C2 R1/F1 margin \u22120.1155 s",
                   "  condition: C10 B1 margin \u2212114.5 A",
                   "  … 1 info (`protv2g gate` prints them all; the Summary sheet lists them)"]


def test_at_most_ten_then_a_count(capsys) -> None:
    _print_reasons([f"fail: row {i}" for i in range(_RUN_REASONS + 3)])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == _RUN_REASONS + 1
    assert out[-1].startswith("  … 3 more")
