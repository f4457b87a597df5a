"""Hosting statements (reach23, review23 §4): criteria that were not evaluated are named — never
an unqualified "no criterion limits it" — and a criterion and device that limit the figure are
not also "set aside" in the same line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.gate_hosting import (
    UNLIMITED_TEXT,
    hosting_chargers_per_site,
    hosting_kw_per_site,
    hosting_limit_per_site,
    hosting_lines,
)
from protv2g.hosting.limits import axis_extras, unmodelled_as_unevaluated
from protv2g.report.summary import hosting_headline
from protv2g.study.schema import StudyDocument

KEY = ("homes", "expected", "light")
_RELAY = {"name": "head-sw1", "kind": "relay", "location": {"line": "l", "end": "from"},
          "pickup_a": 400, "curve": "IEEE-VI", "time_dial": 1}


def _doc(**more: Any) -> StudyDocument:
    return StudyDocument.model_validate({"name": "s", "feeder": {"builtin": "x"},
                                         "devices": [_RELAY], **more})


def test_c1_to_c4_without_fuses_or_reclosers_are_not_evaluated_not_not_applicable():
    criteria = ["C1", "C2", "C3", "C4", "C5", "C7"]
    na = {c: f"{c}: no pair of its kind" for c in ("C1", "C2", "C3", "C4")}
    unevaluated, not_applicable = unmodelled_as_unevaluated(_doc(), criteria, {}, na)
    assert not_applicable == {}
    assert list(unevaluated) == ["C1", "C2", "C3", "C4"]
    assert unevaluated["C1"][0].startswith("not evaluated: no fuses or reclosers modelled")
    assert na == {c: f"{c}: no pair of its kind" for c in ("C1", "C2", "C3", "C4")}  # kept
    # the study says the feeder has none: they do not apply, as the gate says
    stated = _doc(no_fuses_or_reclosers=True)
    assert unmodelled_as_unevaluated(stated, criteria, {}, na) == ({}, na)


def _row(criterion: str, margin: float, device: str, **more: Any) -> dict[str, Any]:
    return {"scenario": "s1", "criterion": criterion, "status": "fail",
            "attribution": "worse", "margin": margin, "base_margin": -1.088,
            "margin_unit": "× pickup", "device": device, "other_device": "",
            "fault_type": "SLG-a", "fault_bus": "66", "case": "min", "input_basis": "given",
            **more}


def test_a_limiting_criterion_and_device_is_not_also_set_aside():
    """IEEE 123 homes: C5 head-sw1 limits the figure at one fault and another of its faults
    worsens by 4.1 % of its deficit: one verdict, the limit."""
    levels = [5.0, 40.0, 80.0]
    limit = _row("C5", -1.3, "head-sw1")
    aside_c5 = _row("C5", -1.133, "head-sw1", fault_bus="114")
    aside_c7 = _row("C7", -21.8, "head-sw1", base_margin=-21.8, margin_unit="kA")
    failing = {(KEY, 5.0): {}, (KEY, 40.0): {}, (KEY, 80.0): {"C5": limit}}
    aside = {(KEY, p): [aside_c5, aside_c7] for p in levels}
    out = axis_extras(failing, aside, KEY, levels, 100.0, 80.0)
    assert "C5" not in out["set_aside"]
    assert out["set_aside"].startswith("C7 head-sw1")
    # not limited: the same C5 rows are set aside, as before
    failing[(KEY, 80.0)] = {}
    out = axis_extras(failing, aside, KEY, levels, 100.0, None)
    assert "C5 head-sw1: -1.088 → -1.133 × pickup" in out["set_aside"]


def _hosting_row(**more: Any) -> dict[str, Any]:
    row = {"site": "depot", "participation": "firm", "load_level": "light",
           "hosting_kw": 360.0, "hosting_chargers": 6, "max_online_chargers": pd.NA,
           "max_online_kw": np.nan, "limiting_criterion": "", "limiting_device": "",
           "limiting_fault": "", "limiting_basis": "", "determined": True, "rests_on": "",
           "given_hosting_kw": 360.0, "given_limit": "", "settings_to_change": "",
           "set_aside": "", "not_evaluated": "C1, C2, C3, C4", "site_max_kw": 360.0,
           "limited": False, "note": ""}
    return {**row, **more}


def _verdict(table: pd.DataFrame) -> dict[str, Any]:
    return {"hosting_capacity_kw": hosting_kw_per_site(table),
            "hosting_limited": {"depot": bool(table["limited"].any())},
            "hosting_limit": hosting_limit_per_site(table),
            "hosting_chargers": hosting_chargers_per_site(table)}


def test_an_unlimited_site_names_the_criteria_not_evaluated():
    table = pd.DataFrame([_hosting_row()])
    line = hosting_lines(_verdict(table))[0]
    assert line == ("hosting capacity depot: 360 kW, 6 chargers (site maximum: no criterion "
                    "evaluated limits it; C1, C2, C3, C4 not evaluated, the figure says "
                    "nothing of them)")
    assert "no criterion limits it" not in line
    summary = dict(hosting_headline(table, _verdict(table)))["  depot"]
    assert summary == ("360 kW, 6 chargers: no criterion evaluated limits it up to the site's "
                       "maximum (C1, C2, C3, C4 not evaluated)")
    # every criterion evaluated: as before
    table = pd.DataFrame([_hosting_row(not_evaluated="")])
    assert hosting_limit_per_site(table)["depot"] == UNLIMITED_TEXT


def test_a_not_determined_site_names_them_on_its_given_figure_too():
    table = pd.DataFrame([_hosting_row(
        site="homes", hosting_kw=0.0, hosting_chargers=0, limited=True,
        limiting_criterion="C5", limiting_device="head-sw1", limiting_fault="SLG-a at 66 (min)",
        limiting_basis="todo", determined=False, rests_on="the settings of head-sw1 "
        "(drafted: TODO)", given_hosting_kw=72.0, site_max_kw=72.0)])
    text = hosting_limit_per_site(table)["homes"]
    assert ("every limit below 72 kW rests on an input to confirm, the lowest on the settings "
            "of head-sw1 (drafted: TODO); on given data alone 72 kW (no criterion evaluated on "
            "given data limits it)"
            in text)
    assert text.endswith("; C1, C2, C3, C4 not evaluated, the figure says nothing of them")


def test_the_band_names_them_too():
    from protv2g.hosting.band import _limit_text

    row = pd.Series(_hosting_row())
    assert _limit_text(row, ("firm", "light")) == (
        "no criterion evaluated fails up to the site maximum (firm, light load) (C1, C2, C3, "
        "C4 not evaluated)")
    row = pd.Series(_hosting_row(not_evaluated=""))
    assert _limit_text(row, ("firm", "light")) == (
        "no criterion fails up to the site maximum (firm, light load)")


def test_hosting_command_line_names_the_criteria_not_evaluated():
    """`protv2g hosting`'s own line for an unlimited row: "not limited" only qualified by the
    criteria the row could not evaluate (IEEE 123 depot, review s23 §4: C1–C4 without fuses or
    reclosers modelled)."""
    from protv2g.commands.hosting import _line

    row = {"site": "depot", "participation": "expected", "load_level": "peak",
           "hosting_kw": 360.0, "hosting_chargers": 6, "limited": False, "site_max_kw": 360.0,
           "not_evaluated": "C1, C2, C3, C4"}
    text = _line(row)
    assert "not limited by the criteria evaluated up to 360 kW (C1, C2, C3, C4 not evaluated)" \
        in text
    assert _line({**row, "not_evaluated": ""}).endswith("not limited up to 360 kW")


def test_a_limited_row_not_determined_for_an_unevaluated_criterion_keeps_its_figure():
    """``determined`` False because C1–C4 did not run (no stand-in input in ``rests_on``):
    the gate's line gives the figure with what was not evaluated, not the stand-in sentence."""
    table = pd.DataFrame([_hosting_row(
        limited=True, hosting_kw=240.0, hosting_chargers=4, limiting_criterion="C5",
        limiting_device="head-sw1", limiting_fault="SLG-a at 66 (min)",
        limiting_basis="given", determined=False, rests_on="")])
    text = hosting_limit_per_site(table)["depot"]
    assert text.startswith("limited by C5") and "not determined" not in text
    assert text.endswith("; C1, C2, C3, C4 not evaluated, the figure says nothing of them")

