"""C10 on the shipped depot: a cease-to-energise time the study does not give is the tool's
default, not "given data"; and the island text bounded by the unit's OV2 pickup, with the
chargers online in the scenario (review rev41c M1, M2).

The depot's F04 (RC-F1 / campus, gate fail) is decided by ``cease_to_energize_s`` 2 s, which
the study file does not set (its Inputs sheet: ``tool default``): the rows must rest on a tool
default naming that input, in Rests on, the message, the Summary and the gate. The island's
voltage bound by hand (Ohm's law on the load's conductance, ``V = I_lim·S / P_min``,
:mod:`protv2g.checks.island_collapse`): campus 36 of 40 chargers online at firm (participation
0.9 × 40, the study file), 36 × 50 kVA × 1.5 pu = 2,700 kVA, a third on each phase against a
third of the minimum load behind RC-F1 — far above IEEE 1547-2018 Table 11/12's OV2 pickup
1.20 pu (Category II, 0.16 s), so the text says "above its OV2 pickup" and prints no island
voltage of several pu; the 2 s cease time stays the window (the conservative end).
"""

from __future__ import annotations

import re
import warnings

import pytest
import yaml

from .conftest import DEPOT_FILE


@pytest.fixture(scope="module")
def depot_run(depot_study):
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(depot_study, hosting=False)


def _campus(result):
    v = result.violations
    return v[(v.criterion.astype(str) == "C10") & (v.other_device.astype(str) == "campus")]


def test_the_study_file_gives_no_cease_time():
    # the premise, from the file itself (not protv2g's loader)
    raw = yaml.safe_load(DEPOT_FILE.read_text(encoding="utf-8"))
    assert all("cease_to_energize_s" not in s for s in raw["v2g_sites"])


def test_c10_rows_rest_on_the_default_cease_time(depot_run):
    rows = _campus(depot_run)
    assert len(rows) and set(rows.status.astype(str)) == {"fail"}
    # old code: "given" and no input to confirm
    assert set(rows.input_basis.astype(str)) == {"default"}
    for text in rows.input_todo.astype(str):
        assert text.startswith("cease_to_energize_s of site campus = 2 s (the tool's default"), text
        assert "give the chargers' cease-to-energise time" in text
    for msg in rows.message.astype(str):
        assert "the tool's default — not declared" in msg, msg
        assert "its declared cease-to-energise time" not in msg, msg   # old: "declared … 2 s"


def test_the_gate_and_summary_say_tool_default(depot_study, depot_run):
    from protv2g.gate import gate_verdict

    out = gate_verdict(depot_study, depot_run)
    by = dict(zip(out["reasons"], out["reason_data"], strict=True))
    (line,) = [r for r in out["reasons"] if r.startswith("fail: C10 RC-F1 / campus")]
    assert by[line]["rests_on"] == "default"                          # old: ""
    assert "rests on tool default: confirm cease_to_energize_s of site campus = 2 s" in line


def test_island_text_uses_the_online_chargers_and_the_ov2_pickup(depot_study, depot_run):
    rows = _campus(depot_run)
    site = next(s for s in depot_study.document.v2g_sites if s.name == "campus")
    for row in rows.itertuples(index=False):
        part = next(p for p in depot_study.document.scenarios.participation
                    if f"{p.value}/" in str(row.scenario))
        n_on = site.participation.fraction(part) * site.n_chargers     # 36 at firm, 24 expected
        # after the first cycle: the high end of the sustained limit, 1.2 pu (c10c42; was
        # the first-cycle 1.5 pu held for the window)
        kva_phase = n_on * site.charger_kva * site.sustained_limit_high / 3
        msg = str(row.message)
        assert (f"{kva_phase:,.0f} kVA after the first cycle, at the high end 1.2 pu (the "
                "tool's default) of its sustained current limit") in msg, msg
        assert f"campus: {n_on:g} chargers online in this scenario" in msg
        assert "above its OV2 pickup 1.2 pu" in msg and "0.16 s" in msg
        assert "the cease time is the window" in msg
        # no island voltage above 2 pu printed (old: "at most 10 pu")
        for v in re.findall(r"([\d.]+) pu(?! current)", msg):
            assert float(v) <= 2.0, msg
        assert float(row.t_other_s) == pytest.approx(2.0)             # the conservative end
    firm = rows[rows.scenario.astype(str).str.startswith("firm/")]
    # 36 × 50 kVA × 1.2 / 3 = 720 kVA a phase at firm (900 at the first-cycle 1.5 pu)
    assert len(firm) and all("720 kVA" in m for m in firm.message.astype(str))
