"""The hosting rules of :mod:`protv2g.hosting.limits` (review s19 rank 1), on hand-built rows.

Three kinds of gate-failing row do not set a hosting figure as they stand:

* a C10 row (first reclose against the chargers' cease-to-energise time) is a setting to
  change, not an export limit: it is listed under ``settings_to_change``;
* a ``worse`` row whose worsening by V2G is below 10 % of its deficit without V2G
  (:data:`~protv2g.hosting.limits.MATERIAL_SHARE`) is set aside (``set_aside``) — 9 % is set
  aside, 11 % limits;
* a figure whose limiting rows all rest on a drafted value or a tool default is *not
  determined*, with ``given_hosting_kw`` on the rows resting on given data beside it.

The gate's own reading of the rows is unchanged (:func:`test_gate_still_fails_every_row`).
The end-to-end figures of the shipped examples are in ``tests/test_hosting_limits_examples.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from protv2g.gate import failing_mask
from protv2g.gate_hosting import (
    NOT_DETERMINED,
    hosting_chargers_per_site,
    hosting_kw_per_site,
    hosting_limit_per_site,
    hosting_lines,
    hosting_row_per_site,
)
from protv2g.hosting.limits import (
    MATERIAL_SHARE,
    axis_extras,
    extras_note,
    given_bracket,
    immaterial_mask,
    is_stand_in,
    setting_mask,
    settings_text,
    worsening,
    worst_by_scenario,
)
from protv2g.report.summary import hosting_headline
from protv2g.study.schema import Gate

GATE = Gate()
KEY = ("homes", "expected", "peak")


def _row(criterion: str, margin: float, *, base: float = np.nan, attribution: str = "new",
         basis: str = "given", scenario: str = "s1", device: str = "R1",
         other: str = "F1", **more: Any) -> dict[str, Any]:
    """One failing violation row (status fail, the gate's default severity)."""
    return {"scenario": scenario, "criterion": criterion, "status": "fail",
            "attribution": attribution, "margin": margin, "base_margin": base,
            "margin_unit": "s", "device": device, "other_device": other,
            "fault_type": "SLG-a", "fault_bus": "b2", "case": "min",
            "input_basis": basis, **more}


def _c10(**more: Any) -> dict[str, Any]:
    """A C10 row: the drafted first reclose 0.5 s against the 2.5 s the chargers need."""
    return _row("C10", -2.0, device="head", other="homes", t_device_s=0.5, limit=2.5,
                fault_type="", fault_bus="", case="", **more)


# --- C10: a setting, not an export limit ----------------------------------------------------


def test_c10_row_is_a_setting_not_a_limit():
    v = pd.DataFrame([_c10(basis="todo"), _row("C1", -0.2)])
    assert setting_mask(v).tolist() == [True, False]
    worst, aside = worst_by_scenario(v, GATE, {"s1"})
    assert list(worst["s1"]) == ["C1"]  # C10 limits nothing
    assert [r["criterion"] for r in aside["s1"]] == ["C10"]
    text = settings_text(aside["s1"])
    assert text == ("C10 head: first reclose 0.5 s (drafted: TODO) must exceed 2.5 s for homes "
                    "— a setting to change, not an export limit")


def test_c10_alone_leaves_the_axis_unlimited_and_names_the_setting():
    failing = {(KEY, p): {} for p in (5.0, 100.0)}
    aside = {(KEY, p): [_c10()] for p in (5.0, 100.0)}
    out = axis_extras(failing, aside, KEY, [5.0, 100.0], 100.0, None)
    assert out["determined"] and out["given_hosting_kw"] == 100.0 and out["set_aside"] == ""
    assert out["settings_to_change"].startswith("C10 head: first reclose 0.5 s must exceed")
    assert "not limiting: C10 head" in extras_note(out)


def test_undeclared_reclosing_is_a_setting_too():
    """C10's "reclosing not declared" row has no interval: it must be declared or delayed."""
    row = _c10(basis="todo")
    row.update(t_device_s=np.nan, limit=np.nan)
    assert "its reclosing (drafted: TODO) must be declared or delayed" in settings_text([row])


# --- a failure already there without V2G, worsened immaterially ------------------------------


@pytest.mark.parametrize(("margin", "share", "limits"), [
    (-1.09, 0.09, False),  # 9 % of the 1.0 s deficit: set aside
    (-1.11, 0.11, True),   # 11 %: limits
    (-0.55 * 2, 0.10, True),  # base −1.0 → −1.1: at the share itself it limits (≥ 10 %)
])
def test_worsening_each_side_of_the_share(margin, share, limits):
    v = pd.DataFrame([_row("C1", margin, base=-1.0, attribution="worse")])
    delta, frac = worsening(v)
    assert delta[0] == pytest.approx(-1.0 - margin)
    assert frac[0] == pytest.approx(share)
    assert immaterial_mask(v).tolist() == [not limits]
    worst, aside = worst_by_scenario(v, GATE, {"s1"})
    assert ("C1" in worst.get("s1", {})) is limits
    assert bool(aside) is not limits


def test_set_aside_text_carries_its_share_and_the_figure_ignores_it():
    rows = [_row("C1", -1.09, base=-1.0, attribution="worse", device="R-F1", other="F-LAT")]
    failing = {(KEY, p): {} for p in (5.0, 100.0)}
    aside = {(KEY, 5.0): rows, (KEY, 100.0): rows}
    out = axis_extras(failing, aside, KEY, [5.0, 100.0], 100.0, None)
    assert out["set_aside"] == "C1 R-F1 / F-LAT: -1 → -1.09 s, 9.0 % of its deficit without V2G"
    assert out["settings_to_change"] == "" and out["determined"]
    assert (f"worsened by less than {100 * MATERIAL_SHARE:g} % of that deficit: C1 R-F1"
            in extras_note(out))


def test_new_rows_and_other_shares():
    """A ``new`` row (no base margin) always limits; the share is a parameter to bracket."""
    v = pd.DataFrame([_row("C1", -0.5), _row("C1", -1.07, base=-1.0, attribution="worse")])
    assert immaterial_mask(v).tolist() == [False, True]
    assert immaterial_mask(v, share=0.05).tolist() == [False, False]  # 7 % ≥ 5 %: limits
    assert immaterial_mask(v.drop(columns="base_margin")).tolist() == [False, False]


def test_gate_still_fails_every_row():
    """The rules change the hosting figure only: the gate fails C10 and the 9 % row as
    before, and the pre-existing row as before does not."""
    v = pd.DataFrame([_c10(), _row("C1", -1.09, base=-1.0, attribution="worse"),
                      _row("C2", -1.0, base=-1.0, attribution="pre-existing")])
    assert failing_mask(v, GATE).tolist() == [True, True, False]
    worst, aside = worst_by_scenario(v, GATE, {"s1"})
    assert worst == {} and {r["criterion"] for r in aside["s1"]} == {"C10", "C1"}


# --- a figure resting on a drafted value or a tool default ------------------------------------


def _stand_in_axis(basis: str) -> tuple[dict, list[float]]:
    """C7 fails from 5 kW on a stand-in rating, C1 on given data from 200 kW."""
    levels = [5.0, 100.0, 150.0, 200.0, 300.0]
    c7 = _row("C7", -0.1, basis=basis, device="F1" if basis == "todo" else "line.l1",
              other="", margin_unit="kA")
    c1 = _row("C1", -0.05, device="R-F1", other="F-LAT")
    failing = {(KEY, p): {"C7": c7, **({"C1": c1} if p >= 200.0 else {})} for p in levels}
    return failing, levels


@pytest.mark.parametrize(("basis", "input_text"), [
    ("todo", "F1's interrupting_rating_ka (drafted: TODO)"),
    ("default", "line.l1's normamps (OpenDSS default 400 A, not in the model)"),
])
def test_limit_on_a_stand_in_is_not_determined(basis, input_text):
    failing, levels = _stand_in_axis(basis)
    assert is_stand_in(failing[(KEY, 5.0)]["C7"])
    out = axis_extras(failing, {}, KEY, levels, 400.0, 5.0)
    assert not out["determined"]
    assert out["rests_on"] == input_text
    assert out["given_hosting_kw"] == 150.0  # the last level before C1 fails on given data
    assert out["given_limit"] == "C1 R-F1 / F-LAT (SLG-a at b2 (min)) from 200 kW"
    assert extras_note(out).startswith(f"; NOT DETERMINED: the limit rests on {input_text}; "
                                       "on the rows resting on given data 150 kW (C1 R-F1")
    assert given_bracket(failing, KEY, levels, "C1") == (150.0, 200.0)
    assert given_bracket(failing, KEY, levels, "C7") == (300.0, None)


def test_a_row_on_given_data_at_the_first_failing_level_determines_the_figure():
    failing, levels = _stand_in_axis("todo")
    out = axis_extras(failing, {}, KEY, levels, 400.0, 200.0)  # C7 fixed: C1 decides
    assert out["determined"] and out["rests_on"] == ""
    assert out["given_hosting_kw"] == 150.0


def test_no_given_row_limits():
    failing, levels = _stand_in_axis("todo")
    failing = {k: {"C7": v["C7"]} for k, v in failing.items()}
    out = axis_extras(failing, {}, KEY, levels, 400.0, 5.0)
    assert not out["determined"] and out["given_hosting_kw"] == 400.0
    assert out["given_limit"] == "" and "400 kW (none limits it)" in extras_note(out)


def test_a_criterion_keeps_its_row_on_given_data():
    """Of a criterion's failing rows the one on given data is kept even with a larger margin:
    the criterion fails on given data whenever one such row fails."""
    v = pd.DataFrame([_row("C7", -0.9, basis="todo", device="F1"),
                      _row("C7", -0.1, device="F2")])
    worst, _ = worst_by_scenario(v, GATE, {"s1"})
    assert worst["s1"]["C7"]["device"] == "F2"


# --- the gate's line and the Summary's --------------------------------------------------------


def _hosting_row(part: str, kw: float, **more: Any) -> dict[str, Any]:
    row = {"site": "homes", "participation": part, "load_level": "peak", "hosting_kw": kw,
           "hosting_chargers": int(kw // 7.2), "limiting_criterion": "C7",
           "limiting_device": "F1", "limiting_fault": "SLG-a at b2 (max)",
           "limiting_basis": "given", "determined": True, "rests_on": "",
           "given_hosting_kw": kw, "given_limit": "C7 F1 (SLG-a at b2 (max)) from 80 kW",
           "settings_to_change": "", "set_aside": "", "site_max_kw": 173.0, "limited": True,
           "note": ""}
    return {**row, **more}


def _verdict(table: pd.DataFrame) -> dict[str, Any]:
    return {"hosting_capacity_kw": hosting_kw_per_site(table),
            "hosting_limited": {"homes": True}, "hosting_limit": hosting_limit_per_site(table),
            "hosting_chargers": hosting_chargers_per_site(table)}


def test_not_determined_site_gives_no_bare_figure_and_the_given_figure_over_its_axes():
    table = pd.DataFrame([
        _hosting_row("expected", 0.0, limiting_basis="todo", determined=False,
                     rests_on="F1's interrupting_rating_ka (drafted: TODO)",
                     given_hosting_kw=150.0, given_limit="C1 R-F1 / F-LAT from 155 kW",
                     settings_to_change="C10 head: first reclose 0.5 s (drafted: TODO) must "
                     "exceed 2.5 s for homes — a setting to change, not an export limit"),
        _hosting_row("firm", 94.0, given_limit="C12 line.a from 95 kW"),
    ])
    lines = hosting_lines(_verdict(table))
    assert lines == [
        "hosting capacity homes: not determined: 0 kW if F1's interrupting_rating_ka "
        "(drafted: TODO) holds (limited by C7 (F1, SLG-a at b2 (max)), expected/peak); 94 kW "
        "on the rows resting on given data (C12 line.a from 95 kW, firm/peak); not limiting: "
        "C10 head: first reclose 0.5 s (drafted: TODO) must exceed 2.5 s for homes — a "
        "setting to change, not an export limit"]
    summary = dict(hosting_headline(table, _verdict(table)))
    assert summary["  homes"] == lines[0].removeprefix("hosting capacity homes: ")
    assert summary["  homes"].startswith(NOT_DETERMINED)


def test_of_equal_figures_the_determined_one_is_taken():
    table = pd.DataFrame([
        _hosting_row("expected", 0.0, limiting_basis="todo", determined=False,
                     rests_on="F1's interrupting_rating_ka (drafted: TODO)"),
        _hosting_row("firm", 0.0, limiting_criterion="C5", limiting_device="R-F1"),
    ])
    assert hosting_row_per_site(table)["homes"]["participation"] == "firm"
    assert hosting_lines(_verdict(table)) == [
        "hosting capacity homes: 0 kW, 0 chargers (limited by C5 (R-F1, SLG-a at b2 (max)), "
        "firm/peak)"]


def test_summary_line_gives_chargers_as_the_gate_line():
    table = pd.DataFrame([_hosting_row("firm", 86.4)])
    verdict = _verdict(table)
    assert hosting_lines(verdict)[0].startswith("hosting capacity homes: 86 kW, 12 chargers (")
    assert dict(hosting_headline(table, verdict))["  homes"] == (
        "86 kW, 12 chargers (limited by C7 at F1)")
    one = pd.DataFrame([_hosting_row("firm", 7.2, hosting_chargers=1)])
    assert dict(hosting_headline(one, _verdict(one)))["  homes"].startswith("7 kW, 1 charger (")


def test_summary_does_not_ask_to_confirm_a_stand_in_beside_a_given_limit():
    """Limited at the same export by a drafted rating and by given data, the figure is
    determined: the Summary does not ask to confirm the drafted value for it."""
    table = pd.DataFrame([_hosting_row("firm", 50.0, limiting_basis="todo")])
    assert "confirm" not in dict(hosting_headline(table, _verdict(table)))["  homes"]
    band = pd.DataFrame([_hosting_row("firm", 50.0, limiting_basis="band")])
    assert "fuse curve band: confirm it" in dict(hosting_headline(band, _verdict(band)))[
        "  homes"]
