"""A C5 row failing without the project that its equipment makes worse is "pre-existing, made
worse by the project's equipment", not "caused by the project's equipment" (review rev42b M1,
issue #21's note "left open").

IEEE 13 with site A behind its own grounded-wye / delta transformer ``xyd`` (rev42b's study,
re-run on main): the head relay's C5 rows at 675 (SLG-a, min case) fail without the project,
margin −1.401377 × pickup (its phase element sees 0.0986 × its 1,190 A pickup), and with
``xyd`` in and every charger idle −1.422293 (0.0777 × pickup): the transformer lowers the
margin by 0.021, beyond the attribution's floor 0.0029 (0.1 % of |limit| + |margin|,
:func:`protv2g.checks.attribution_materiality.tolerance_floor`), so the project's equipment
does make the failure worse — but the failure was there without it. The figures are protv2g's
own (the inputs of the classification, not its output); the rule is
:func:`~protv2g.checks.attribution_materiality.failing_row_codes` (a failing twin, lowered
beyond the tolerance: worse). IEEE 37's head, whose margin the project does not move, is
``tests/test_ungrounded_project_ground.py``'s.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.project_equipment import EQUIPMENT, EQUIPMENT_WORSE
from protv2g.findings import build_findings
from protv2g.findings_attribution import Attribution
from protv2g.gate_reasons import export_kw_by_scenario, grouped_reasons

_BASE_M, _IDLE_RATIO, _PICKUP, _FACTOR = -1.401377, 0.077707, 1190.0, 1.5


def _reach_idle(monkeypatch, idle_ratio: float, m_base: np.ndarray, **columns):
    """``reach_idle`` on two of the head's SLG-a rows (firm/light, the base base/light) with
    its phase current idle ``idle_ratio`` × pickup, ``xyd`` the site's YNd."""
    from protv2g.checks import equipment_rows

    def idle(ctx, rows):  # the head's phase current with xyd in, no charger online
        return pd.DataFrame({"i_phase_a": np.full(len(rows), idle_ratio * _PICKUP),
                             "i_ground_a": 0.0, "t_op_s": np.nan, "t_clear_s": np.nan})

    monkeypatch.setattr(equipment_rows, "idle_times", idle)
    ctx = SimpleNamespace(base_of={"base/light": "base/light", "firm/light/100%": "base/light"},
                          cache={"grounded site transformers": {"siteA": "xyd (YNd)"}})
    bad = pd.DataFrame({"scenario": ["firm/light/100%"] * 2, "device": "head-650632",
                        "fault_bus": 9, "fault_type": "SLG-a", "case": "min",
                        "element": "phase", "pickup_a": _PICKUP, "factor": _FACTOR,
                        "tolerance": 0.0, **columns})
    out: dict = {}
    hit, texts = equipment_rows.reach_idle(ctx, bad, m_base, out=out)
    return hit, texts, out


def test_reach_idle_files_a_pre_existing_failure_the_equipment_worsens(monkeypatch):
    """Fails on the old code: both rows were the equipment's (no attribution per row)."""
    # the first: IEEE 13's base twin (fails); the second: a base passing clear (new)
    hit, texts, out = _reach_idle(monkeypatch, _IDLE_RATIO, np.array([_BASE_M, 0.5]))
    assert hit.tolist() == [True, True]
    assert out["attribution"].tolist() == [EQUIPMENT_WORSE, EQUIPMENT]
    assert texts[0].startswith("; pre-existing, made worse by the project's equipment: it "
                               "fails by 1.4 × pickup without the project, and with every "
                               "charger idle")
    assert "0.021 × pickup lower, beyond the tolerance 0.0029" in texts[0]
    assert texts[1].startswith("; the project's equipment's: with every charger idle")


_SCEN = pd.DataFrame({
    "scenario": ["base/light", "firm/light/100%"], "participation": ["", "firm"],
    "load_level": ["light"] * 2, "export_level": ["0", "100%"], "is_base": [True, False],
    "p_s_kw": [0.0, 1080.0]})


def _rows() -> pd.DataFrame:
    """The head's finding: an SLG-a row the equipment made worse, an SLG-b row within the
    tolerance (pre-existing)."""
    return pd.DataFrame({
        "criterion": "C5", "device": "head-650632", "other_device": "", "rule": "",
        "status": "fail", "attribution": [EQUIPMENT_WORSE, "pre-existing"],
        "scenario": "firm/light/100%", "fault_bus": "675", "fault_type": ["SLG-a", "SLG-b"],
        "case": "min", "margin": [-1.422293, -1.4013], "base_margin": [_BASE_M, -1.4013],
        "idle_margin": [-1.422293, -1.4013], "tolerance": 0.0, "margin_unit": "× pickup",
        "limit": _FACTOR, "bracket": "",
        "message": ["head-650632 sees 92 A: pre-existing, made worse by the project's "
                    "equipment", "head-650632 sees 117 A"]})


def test_the_finding_and_its_gate_line_say_made_worse_by_the_equipment():
    """Fails on the old code (no such row attribution: the finding's attribution raised)."""
    (row,) = build_findings(_rows(), _SCEN).findings.to_dict("records")
    assert row["attribution"] == Attribution.EQUIPMENT_WORSE.value == (
        "pre-existing, made worse by the project's equipment")
    assert row["worst_margin"] == pytest.approx(-1.422293)
    (line,) = grouped_reasons("fail", _rows(), export_kw=export_kw_by_scenario(_SCEN))
    assert line.startswith("fail: C5 head-650632: head-650632 sees 92 A")
    assert "(fail; pre-existing, made worse by the project's equipment; " in line


def test_the_gate_fails_on_it_and_a_mix_with_v2g_rows_is_v2g_s():
    """The project makes the failure worse: a gate fail, as "made worse by V2G" (not the
    feeder's own condition); beside rows V2G moves it counts as worse."""
    from protv2g.findings_attribution import finding_attribution
    from protv2g.gate_rows import classify
    from protv2g.study.schema import Gate

    assert classify(_rows(), Gate()).tolist() == ["fail", "condition"]
    assert finding_attribution([EQUIPMENT_WORSE, "new"]) == Attribution.WORSE.value
    assert finding_attribution([EQUIPMENT_WORSE, EQUIPMENT]) == Attribution.EQUIPMENT.value


def test_when_the_export_moves_it_too_the_text_names_both(monkeypatch):
    """Review ver43 M-m2 (IEEE 13 + xyd, head-650632 SLG at 675): −1.399 × pickup without the
    project, −1.405 with every charger idle, −1.5 at 540 kW — the export lowers the margin
    0.095 × pickup against the equipment's 0.006, so "remedy: the equipment … — not the
    chargers or their export" misleads. The text names both shares and drops "not the
    chargers". Figures: the review's trend of protv2g's rows (the inputs of the text, not its
    output). Fails on the old code ("not the chargers or their export")."""
    hit, texts, out = _reach_idle(monkeypatch, 0.095, np.full(2, -1.399),
                                  margin=[-1.5, -1.405])
    assert hit.tolist() == [True, True]
    assert out["attribution"].tolist() == [EQUIPMENT_WORSE, EQUIPMENT_WORSE]
    both, alone = texts
    assert both.startswith("; pre-existing, made worse by the project's equipment and its "
                           "export: it fails by 1.4 × pickup without the project")
    assert "0.006 × pickup lower, beyond the tolerance" in both  # the equipment's share
    assert ("and the export: the sites' export lowers head-650632's margin by a further "
            "0.095 × pickup (from -1.405 × pickup with every charger idle)") in both
    assert "not the chargers or their export" not in both
    # the export within the tolerance of the idle row: the equipment's alone, as before
    assert alone.startswith("; pre-existing, made worse by the project's equipment: it fails")
    assert alone.endswith("not the chargers or their export")
