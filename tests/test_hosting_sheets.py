"""The run workbook's hosting sheets (#19): "Hosting by criterion" per site × criterion, and
the band's "after recommendations" cell that says how to get it when the run did not.

The depot workbook is ``run_study(depot, hosting=True)`` written once per test run
(``depot_workbook`` in conftest). The per-criterion figures come from the same search as the
Hosting capacity sheet; they are checked here against that sheet (which the hosting tests
check against re-runs of the checks) and, for the reduction itself, against a per-axis table
written out by hand below.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from protv2g.gate import hosting_kw_per_site
from protv2g.hosting import (
    BY_CRITERION_COLUMNS,
    HOSTING_COLUMNS,
    SITE_CRITERION_COLUMNS,
    by_site_criterion,
)
from protv2g.hosting.band import BAND_COLUMNS
from protv2g.hosting.tables import limiting_criteria
from protv2g.report.format import header_label

KW_TOL = 1e-6  # the sheets copy the search's levels: only float round-trip differences


def _row(part: str, load: str, crit: str, status: str, hosting_kw: float,
         first_fail_kw: float, site_max_kw: float) -> dict:
    return {"site": "depot", "participation": part, "load_level": load, "criterion": crit,
            "status": status, "hosting_kw": hosting_kw, "first_fail_kw": first_fail_kw,
            "hosting_chargers": None if math.isnan(hosting_kw) else int(hosting_kw // 50),
            "limiting_device": "R-F1" if status == "limited" else "",
            "limiting_fault": "3ph at B7" if status == "limited" else "",
            "site_max_kw": site_max_kw, "limited": status == "limited", "note": ""}


def test_by_site_criterion_reduces_axes_by_hand():
    """Hand-made per-axis table (50 kW chargers; expected cap 1,000 kW, firm 2,000 kW).

    C2 first fails at 1,250 kW (firm/peak) and 900 kW (expected/light) → its site figure is
    the expected/light one, 850 kW, first failing at 900 kW. C3 is limited nowhere → not
    limited up to the largest site maximum, 2,000 kW. C5 does not apply → no figure.
    """
    rows = [
        _row("expected", "light", "C2", "limited", 850.0, 900.0, 1000.0),
        _row("firm", "peak", "C2", "limited", 1200.0, 1250.0, 2000.0),
        _row("expected", "light", "C3", "not_limited", 1000.0, math.nan, 1000.0),
        _row("firm", "peak", "C3", "not_limited", 2000.0, math.nan, 2000.0),
        _row("expected", "light", "C5", "not_applicable", math.nan, math.nan, 1000.0),
        _row("firm", "peak", "C5", "not_applicable", math.nan, math.nan, 2000.0),
    ]
    out = by_site_criterion(pd.DataFrame(rows, columns=BY_CRITERION_COLUMNS))
    assert list(out.columns) == SITE_CRITERION_COLUMNS
    assert list(out["criterion"]) == ["C2", "C3", "C5"]
    c2, c3, c5 = (out.iloc[i] for i in range(3))
    assert c2["status"] == "limited" and bool(c2["limited"])
    assert c2["hosting_kw"] == pytest.approx(850.0)
    assert c2["first_fail_kw"] == pytest.approx(900.0)
    assert (c2["participation"], c2["load_level"]) == ("expected", "light")
    assert c2["hosting_chargers"] == 17
    assert "firm/peak: first fails at 1,250 kW" in c2["per_axis"]
    assert c3["status"] == "not_limited" and not bool(c3["limited"])
    assert c3["hosting_kw"] == pytest.approx(2000.0) and math.isnan(c3["first_fail_kw"])
    assert c5["status"] == "not_applicable" and math.isnan(c5["hosting_kw"])
    assert "not applicable" in c5["per_axis"]


def test_by_site_criterion_empty():
    out = by_site_criterion(pd.DataFrame(columns=BY_CRITERION_COLUMNS))
    assert out.empty and list(out.columns) == SITE_CRITERION_COLUMNS


def read_sheets(path) -> dict[str, pd.DataFrame]:
    """The three hosting sheets, with the table's column names (the sheets show labels)."""
    names = {header_label(c): c for c in
             SITE_CRITERION_COLUMNS + HOSTING_COLUMNS + BAND_COLUMNS}
    sheets = pd.read_excel(path, sheet_name=["Hosting capacity", "Hosting by criterion",
                                             "Hosting band"])
    return {k: v.rename(columns=names) for k, v in sheets.items()}


@pytest.fixture(scope="module")
def depot_sheets(depot_workbook):
    return read_sheets(depot_workbook)


def test_depot_workbook_has_hosting_by_criterion(depot_sheets):
    """One row per site × gate criterion, consistent with the Hosting capacity sheet: the
    smallest per-criterion figure of a site is its hosting figure, reached by its limiting
    criterion on its limiting axis, and every limited criterion first fails above its figure."""
    by = depot_sheets["Hosting by criterion"]
    hosting = depot_sheets["Hosting capacity"]
    criteria = list(by["criterion"].drop_duplicates())
    sites = list(hosting["site"].drop_duplicates())
    assert len(by) == len(sites) * len(criteria)
    assert not by.duplicated(["site", "criterion"]).any()
    assert {f"C{k}" for k in range(1, 13)} == set(criteria)  # the depot gate: C1–C12
    figures = hosting_kw_per_site(hosting)
    for site in sites:
        rows = by[by["site"] == site]
        lim = rows[rows["status"] == "limited"]
        host = hosting[hosting["site"] == site]
        free = rows[rows["status"] == "not_limited"]
        if not host["limited"].astype(bool).any():  # no criterion limits the site
            assert lim.empty
            assert free["hosting_kw"].to_numpy() == pytest.approx(figures[site], abs=KW_TOL)
            continue
        assert float(lim["hosting_kw"].min()) == pytest.approx(figures[site], abs=KW_TOL)
        assert (lim["first_fail_kw"] > lim["hosting_kw"]).all()
        # the axis of the site's figure and its limiting criterion (several when they fail
        # together) on the Hosting capacity sheet
        axis = host[host["limited"].astype(bool)].sort_values("hosting_kw").iloc[0]
        # criteria failing together each carry their evidence since s18 ("C5 (a, SLG-a at
        # b2 (min)), C10"): their ids through limiting_criteria, not a split on ", "
        for crit in limiting_criteria(axis["limiting_criterion"]):
            row = rows[rows["criterion"] == crit].iloc[0]
            assert row["status"] == "limited"
            assert row["hosting_kw"] == pytest.approx(float(axis["hosting_kw"]), abs=KW_TOL)
    # a criterion that was not checked says so and has no figure
    na = by[by["status"] == "not_applicable"]
    assert na["hosting_kw"].isna().all()
    assert by.loc[by["status"] != "not_applicable", "hosting_kw"].notna().all()


def test_depot_band_says_after_recommendations_not_computed(depot_sheets):
    band = depot_sheets["Hosting band"]
    assert len(band)
    for text in band["after_recommendations_kw"]:
        assert str(text).startswith("not computed: run `protv2g recommend ")
        assert "--apply -o fixed.yaml` then `protv2g gate fixed.yaml`" in str(text)


def test_depot_summary_says_how_to_get_hosting_after(depot_workbook):
    """The Summary's hosting table says "not computed" and a note gives the commands."""
    from openpyxl import load_workbook

    ws = load_workbook(depot_workbook, read_only=True)["Summary"]
    texts = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "not computed" in texts
    assert any(t.startswith("hosting after the recommendations not computed: run `protv2g "
                            "recommend ") for t in texts)


def test_a_zero_figure_names_what_decides_it():
    """A site limited from the smallest export by C10 (reclose interval vs cease-to-energise)
    is not told to bring fewer chargers online (a fault-current remedy); one limited by a
    fault-current criterion is (found by a new-user review on the campus site)."""
    from protv2g.hosting.tables import Axis, _note
    from protv2g.study.schema import V2GSite
    from protv2g.units import LoadLevel, Participation

    site = V2GSite(name="campus", bus="F1-B05", n_chargers=40, p_charger_kw=50)
    axis = Axis(site, Participation.EXPECTED, LoadLevel.LIGHT)
    lim = {"limited": True, "hosting_kw": 0.0, "first_fail_kw": 5.0}
    c10 = _note(axis, {**lim, "limiting_criterion": "C10"}, [])
    assert "presence behind the device" in c10 and "fewer chargers online" not in c10
    c6 = _note(axis, {**lim, "limiting_criterion": "C6"}, [])
    assert "fewer chargers online" in c6


def test_criteria_failing_together_each_carry_their_evidence():
    """Review s17 §5 (DG_Prot_Fdr homes): "0 kW (limited by C5, C10 (a, SLG-a at b2
    (min)), expected/light)" put C5's device and fault after C10, and the note said of C10
    that the chargers online set the fault current. Now each criterion carries its own
    evidence, the last one's in the device/fault columns (so "limited by {criterion}
    ({device}, {fault})" reads right), each has its own reason, and the hosting chargers come
    first in the note."""
    from protv2g.gate import hosting_limit_per_site
    from protv2g.hosting.tables import Axis, _limiting, _note
    from protv2g.study.schema import V2GSite
    from protv2g.units import LoadLevel, Participation

    site = V2GSite(name="homes", bus="lat2", phases=1, phase="a", n_chargers=20,
                   p_charger_kw=7.2)
    axis = Axis(site, Participation.EXPECTED, LoadLevel.LIGHT)
    c5 = {"criterion": "C5", "device": "a", "other_device": None, "fault_type": "SLG-a",
          "fault_bus": "b2", "case": "min", "input_basis": "todo"}
    c10 = {"criterion": "C10", "device": "a", "other_device": "homes", "fault_type": None,
           "fault_bus": "lat2", "case": None, "input_basis": "todo"}
    failing = {(axis.key, 57.6): {"C10": c10, "C5": c5}}
    lim = _limiting(failing, axis, [57.6], None)
    assert lim["limiting_criterion"] == "C5 (a, SLG-a at b2 (min)), C10"
    assert (lim["limiting_device"], lim["limiting_fault"]) == ("a / homes", "at lat2")
    assert limiting_criteria(lim["limiting_criterion"]) == ["C5", "C10"]
    assert lim["hosting_chargers"] == 0
    row = pd.DataFrame([{"site": "homes", "participation": "expected", "load_level": "light",
                         "limited": True, "hosting_kw": 0.0, **lim}])
    # was "limited by C5, C10 (a, SLG-a at b2 (min)), expected/light"
    assert hosting_limit_per_site(row)["homes"] == (
        "limited by C5 (a, SLG-a at b2 (min)), C10 (a / homes, at lat2), expected/light")
    note = _note(axis, lim, [])
    assert note.startswith("hosting 0 of 16 chargers (0 kW): C5 and C10 fail from the "
                           "smallest export evaluated (57.6 kW, the search's first export "
                           "step, with all 16 chargers of the participation online): not a "
                           "matter of export — ")
    c5_why, c10_why = note.split("; C10: ")
    assert ("C5: the fault current comes from the chargers' connected kVA (the fleet online), "
            "not from their export: the 16 chargers online give up to their first-cycle limit "
            "(16 × 7.2 kVA at 1.5 pu)") in c5_why
    assert "presence behind the device" in c10_why and "chargers online" not in c10_why
