"""A hosting figure below one charger's export is not "0 chargers" (review rev36b X8).

The IEEE European LV feeder, one home of 1 × 7.4 kW at expected participation 0.8: the hosting
table read ``hosting_kw 5.92, hosting_chargers 0`` — a figure of 5.92 kW from 0 chargers. By
hand: 5.92 kW / 7.4 kW = 0.8 of one charger's export. The table keeps its whole chargers (0,
``docs/hosting-capacity.md``); the workbook's cells and the words of the gate line and the
Summary say "< 1 charger (0.8 × one charger's export)". ``charger_count`` moved below the
hosting search and the report (:mod:`protv2g.charger_counts`), which imported it from
:mod:`protv2g.gate_hosting`.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

ONE_KW = 7.4  # one charger's export, kW (the LV feeder's home, rev36b)
FIGURE_KW = 0.8 * 1 * ONE_KW  # expected participation 0.8 × 1 charger × 7.4 kW = 5.92 kW


def _table() -> pd.DataFrame:
    return pd.DataFrame({"site": ["h899", "h899"], "participation": ["expected", "firm"],
                         "load_level": ["light", "light"], "hosting_kw": [FIGURE_KW, ONE_KW],
                         "hosting_chargers": [0, 1], "limited": [False, False],
                         "site_max_kw": [FIGURE_KW, ONE_KW], "note": ["", ""]})


def test_words_below_one_charger():
    from protv2g.charger_counts import charger_count, chargers_words

    assert FIGURE_KW / ONE_KW == pytest.approx(0.8)  # the hand calculation
    assert charger_count(FIGURE_KW, ONE_KW) == pytest.approx(0.8)
    assert chargers_words(charger_count(FIGURE_KW, ONE_KW)) == (
        "< 1 charger (0.8 × one charger's export)")
    # the others as before (review s31)
    assert chargers_words(charger_count(1280.0, 100.0)) == (
        "12.8 chargers' output, not rounded to whole chargers")
    assert chargers_words(charger_count(86.4, 7.2)) == "12 chargers"


def test_gate_and_hosting_share_the_low_module():
    """One helper, below both (the gate re-exports it; nothing imports it upward)."""
    import protv2g.charger_counts as low
    import protv2g.gate_hosting as gate
    import protv2g.hosting.tables as tables

    assert gate.charger_count is low.charger_count and gate.chargers_words is low.chargers_words
    from tests.test_import_graph import import_graph

    assert tables.charger_count is low.charger_count
    graph = import_graph()
    assert not graph.has_edge("protv2g.hosting.tables", "protv2g.gate_hosting")
    assert list(graph.successors("protv2g.charger_counts")) == []


def test_hosting_capacity_sheet_cell_says_less_than_one_charger():
    from protv2g.report.sheets import DATA_SHEETS, sheet_frame

    spec = next(s for s in DATA_SHEETS if s.title == "Hosting capacity")
    result = SimpleNamespace(tables={"Hosting capacity": _table()}, meta={},
                             inputs={"document": {"v2g_sites": [
                                 {"name": "h899", "p_charger_kw": ONE_KW, "n_chargers": 1}]}})
    frame, note = sheet_frame(result, spec)
    assert note is None
    assert frame["hosting_chargers"].tolist() == [
        "< 1 charger (0.8 × one charger's export)", 1]
    assert result.tables["Hosting capacity"]["hosting_chargers"].tolist() == [0, 1]  # data kept


def test_hosting_workbook_cell_says_less_than_one_charger(tmp_path):
    from openpyxl import load_workbook

    from protv2g.report.hosting import write_hosting_workbook

    table = _table()
    by_crit = table.assign(criterion="C5")[["site", "criterion", "hosting_kw",
                                             "hosting_chargers"]]
    analysis = SimpleNamespace(table=table, by_criterion=by_crit,
                               margins=pd.DataFrame({"site": [], "margin": []}))
    path = write_hosting_workbook(analysis, tmp_path / "h.xlsx", {"h899": ONE_KW})
    wb = load_workbook(path, read_only=True)
    for sheet in ("Hosting capacity", "By criterion"):
        rows = list(wb[sheet].iter_rows(values_only=True))
        at = next(j for j, v in enumerate(rows[0]) if str(v).lower().startswith(
            "hosting chargers"))
        cells = [r[at] for r in rows[1:] if r[at] is not None]
        assert cells[:2] == ["< 1 charger (0.8 × one charger's export)", 1], (sheet, rows[:3])


def test_summary_count_cell_is_never_a_rounded_number():
    """As a number in the Summary's #,##0 cell, 0.8 read "1" and 12.8 "13"."""
    from protv2g.report.summary_hosting import count_cell as _count_cell

    assert _count_cell(0.8) == "< 1 charger (0.8 × one charger's export)"
    assert _count_cell(12.8) == (
        "12.8 chargers' output, not rounded to whole chargers")
    assert _count_cell(12) == 12
