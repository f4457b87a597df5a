"""A low-voltage feeder's way fuse is its feeder-head device (review rev49a #4).

LVTestCase (416 V) drafted by ``protv2g init`` with its default ``--lv-head fuse`` ended in gate
ERROR: "no relay, recloser or breaker … (C1, C2, … C11 judged nothing there)", one identical
line per site, asking for "the substation breaker's relay or the head recloser" that an LV way
does not have — while the same run had C5, C8 and C11 rows on the fuse. A European LV way is
protected by its gG fuse at the MV/LV transformer's board: that fuse now covers the sites.

The feeder is written here (its topology read off its own text, not from protv2g): an 11 kV
source, an 11/0.416 kV 800 kVA transformer ``tx`` to the board ``lvb``, the way's cable ``way``
(lvb–n1, 0.2 km) and ``w2`` (n1–n2, 0.1 km), the sites at n2. ``MV`` puts a 2 km 11 kV line
between the source and the transformer: the fuse is then behind an MV feeder whose head is
missing (rev42a W1's case at low voltage), still an error.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import protv2g
from protv2g.gate import gate_verdict

from .test_gate_coverage import _clean_result, _errors

MASTER = """Clear
New Circuit.lv basekv=11 pu=1.0 phases=3 bus1=src MVAsc3=100 MVAsc1=90
{mv}New Transformer.tx phases=3 windings=2 buses=[{hv} lvb] conns=[delta wye] kVs=[11 0.416]
~ kVAs=[800 800] XHL=4 %R=1
New Linecode.cab nphases=3 r1=0.2 x1=0.08 r0=0.8 x0=0.3 units=km
New Line.way bus1=lvb bus2=n1 linecode=cab length=0.2 units=km
New Line.w2 bus1=n1 bus2=n2 linecode=cab length=0.1 units=km
New Load.l1 bus1=n2 phases=3 kV=0.416 kW=60 pf=0.95
Set VoltageBases=[11 0.416]
Calcvoltagebases
"""
MV = "New Line.mv bus1=src bus2=mvb phases=3 length=2 units=km\n"
SITES = ("  - {name: a, bus: n2, n_chargers: 2, p_charger_kw: 11, cease_to_energize_s: 1.0}\n"
         "  - {name: b, bus: n2, n_chargers: 1, p_charger_kw: 7.4, cease_to_energize_s: 1.0}\n")


def _fuse(line: str) -> str:
    return (f"  - {{name: F, kind: fuse, location: {{line: {line}, end: from}}, link: 160gG, "
            "interrupting_rating_ka: 50}\n")


def _study(tmp_path: Path, fuse_line: str = "way", mv: bool = False):
    pytest.importorskip("opendssdirect")
    (tmp_path / "master.dss").write_text(
        MASTER.format(mv=MV if mv else "", hv="mvb" if mv else "src"), encoding="utf-8")
    (tmp_path / "study.yaml").write_text(
        "name: lvh\nfeeder:\n  opendss: master.dss\n"
        "faults:\n  method: classical\n  fault_types: [3ph, SLG]\n  cases: [max, min]\n"
        f"v2g_sites:\n{SITES}scenarios:\n  export_levels_fraction: [0.0, 1.0]\n"
        f"devices:\n{_fuse(fuse_line)}", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return protv2g.load_study(tmp_path / "study.yaml")


def test_the_way_fuse_at_the_board_is_the_head(tmp_path):
    """Old code: ERROR, two identical lines (one per site). Now no path error: PASS on a clean
    result, nothing unjudged."""
    from protv2g.gate_coverage import lv_head_fuses, site_gaps

    study = _study(tmp_path)
    assert lv_head_fuses(study, ["F"]) == {"F"}
    assert site_gaps(study) == []
    verdict = gate_verdict(study, _clean_result())
    assert verdict["verdict"] == "PASS", verdict["reasons"]
    assert verdict["unjudged"] == {}


def test_a_fuse_behind_the_ways_cable_is_no_head_and_one_line_says_so(tmp_path):
    """The fuse on w2, 0.2 km of cable from the board: not the way's head fuse. One error line
    naming both sites (old code: one line per site), whose fix names the way fuse."""
    from protv2g.gate_coverage import lv_head_fuses

    study = _study(tmp_path, fuse_line="w2")
    assert lv_head_fuses(study, ["F"]) == set()
    verdict = gate_verdict(study, _clean_result())
    assert verdict["verdict"] == "ERROR"
    errors = _errors(verdict)
    assert len(errors) == 1, errors
    assert errors[0].startswith("error: not evaluated: V2G sites a (bus n2), b (bus n2) have "
                                "no relay, recloser or breaker between them and the source")
    assert "the way fuse at the MV/LV transformer's board" in errors[0]


def test_an_lv_fuse_behind_an_mv_line_is_no_head(tmp_path):
    """An 11 kV line before the transformer: the MV feeder's head is missing (rev42a W1)."""
    from protv2g.gate_coverage import lv_head_fuses, site_gaps

    study = _study(tmp_path, mv=True)
    assert lv_head_fuses(study, ["F"]) == set()
    assert [(g.site, g.fuses) for g in site_gaps(study)] == [("a", ("F",)), ("b", ("F",))]
    assert gate_verdict(study, _clean_result())["verdict"] == "ERROR"


def test_the_gap_line_names_the_criteria_that_judged_the_fuse(tmp_path):
    """rev49a #4: "C1, … C11 judged nothing there" beside C5 and C8 rows on that fuse. The line
    now says which criteria judged the fuse (and only the fuse); n/a and not-evaluated rows do
    not count."""
    from protv2g.gate_coverage import path_gaps
    from protv2g.gate_rows import judged_by_device

    rows = pd.DataFrame({"device": ["F", "F", "F", "G"], "criterion": ["C8", "C5", "C2", "C7"],
                         "status": ["fail", "warn", "not_applicable", "fail"]})
    judged = judged_by_device(rows)
    assert sorted(judged["F"]) == ["C5", "C8"] and judged["G"] == ["C7"]
    study = _study(tmp_path, mv=True)
    [(why, _)] = path_gaps(study, judged=judged)
    assert "judged no feeder-head device there; C5, C8 judged the fuse only)" in why
    assert "judged nothing there" not in why


def test_init_default_and_the_gate_agree(tmp_path):
    """``protv2g init``'s default ``--lv-head fuse`` on a 416 V way (the synthetic LV feeder of
    test_lv_head_fuse) with a site at its end: the drafted head fuse covers the site (old code:
    validate warned "the gate will say ERROR"), and its comment says which criteria judge a
    fuse head and which do not."""
    from protv2g.gate_coverage import site_gaps
    from protv2g.study.plausibility import plausibility_warnings
    from protv2g.study_draft.draft import draft_study, parse_site

    from .test_lv_head_fuse import SYNTHETIC_LV

    pytest.importorskip("opendssdirect")
    (tmp_path / "Master.dss").write_text(SYNTHETIC_LV, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        draft = draft_study(tmp_path / "Master.dss", sites=[parse_site("s:b3:2:11")])
        (tmp_path / "study.yaml").write_text(draft.text, encoding="utf-8")
        study = protv2g.load_study(tmp_path / "study.yaml")
    assert [d.kind.value for d in study.document.devices] == ["fuse"]
    assert site_gaps(study) == []
    assert not any("not evaluated" in i.message for i in plausibility_warnings(study))
    assert ("judged by C3 (fuse–fuse, with a fuse beyond it), C5 (reach), C6 (sympathetic "
            "melting), C7 (breaking capacity), C8 (load), C11 (the island it leaves); not by "
            "C1 (no relay), C2 (no recloser), C4 (no relay or recloser), C9 (a fuse has no "
            "direction), C10 (a fuse does not reclose)") in draft.text
