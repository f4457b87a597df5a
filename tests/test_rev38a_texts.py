"""Texts that contradicted their own figures (review rev38a M2, M3; IEEE 8500 r_mid / f_campus).

Small synthetic inputs, the review's figures by hand: r_mid (recloser, phase minimum trip 460 A,
ground 140 A) over f_campus (50K on campus_xf, a 750 kVA Dyn transformer of the project).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from protv2g.findings import build_findings

BASE, FIRM = "base/light", "firm/light/100%"


def _c2(scenario: str, attribution: str, margin: float) -> dict:
    return {"criterion": "C2", "status": "fail", "scenario": scenario,
            "fault_bus": "campus_lv", "fault_type": "LLG-bc", "case": "max", "device": "r_mid",
            "other_device": "f_campus", "margin": margin, "margin_unit": "s",
            "rule": "fuse_saving_k", "limit": 0.0, "tolerance": 0.01,
            "mechanism": "not saved without V2G", "attribution": attribution, "message": "m",
            "input_basis": "given"}


def test_c2_title_matches_a_finding_of_the_projects_equipment() -> None:
    """M3: F30 "C2 recloser–fuse: r_mid / f_campus (not saved without V2G)" read "not saved,
    even without V2G" beside "caused by the project's equipment" (f_campus exists only with
    the project; it fails with every charger idle). The title now says so; a pre-existing
    finding of the same mechanism keeps its words (there they are right)."""
    v = pd.DataFrame([_c2(FIRM, "equipment", -0.0603)])
    f = build_findings(v).findings.iloc[0]
    assert f.attribution == "caused by the project's equipment"
    assert f.title == ("C2 recloser–fuse: r_mid / f_campus (fuse saving fails with the "
                       "project's equipment in, every charger idle)")
    assert "without V2G" not in f.title
    pre = build_findings(pd.DataFrame([_c2(FIRM, "pre-existing", -0.0603)])).findings.iloc[0]
    assert pre.title == "C2 recloser–fuse: r_mid / f_campus (not saved without V2G)"
    lost = {**_c2(FIRM, "new", -0.0603), "mechanism": "not saved without V2G"}
    new = build_findings(pd.DataFrame([lost])).findings.iloc[0]
    assert new.attribution == "caused by V2G"
    assert new.title == "C2 recloser–fuse: r_mid / f_campus (fuse saving lost with V2G)"


def _device_rows() -> pd.DataFrame:
    """r_mid's and f_campus's currents at campus_lv / f_campus close-in: the SLG faults on the
    480 V side (355 A through the fuse, 3I0 at r_mid 3 A: the Dyn transformer passes no zero
    sequence) are below both of r_mid's minimum trips; the LLG and 3ph faults (547–548 A) are
    above its 460 A phase minimum trip: r_mid sees them (F30 is one, r_mid fast 0.13 s)."""
    rows = []
    for scen, ft, i_f, i_r, i0_r in (
            (BASE, "SLG-a", 0.355, 0.355, 0.003), (FIRM, "SLG-a", 0.357, 0.308, 0.003),
            (BASE, "LLG-bc", 0.548, 0.547, 0.003), (FIRM, "3ph", 0.548, 0.500, 0.0)):
        for dev, i, i0 in (("r_mid", i_r, i0_r), ("f_campus", i_f, 0.0)):
            rows.append({"scenario": scen, "device": dev, "fault_bus_name": "campus_lv",
                         "fault_type": ft, "case": "min", "ia_ka": i, "ib_ka": 0.0,
                         "ic_ka": 0.0, "i3i0_ka": i0})
    return pd.DataFrame(rows)


def test_not_seen_text_gives_only_the_currents_below_the_minimum_trip() -> None:
    """M2: F70 said "faults there carry 307–548 A through f_campus, below r_mid's minimum
    trip 460 A (phase; ground 140 A); r_mid sees 308–548 A" — 548 A is not below 460 A. Only
    the faults r_mid does not see are given (its phase current below 460 A and its 3I0 below
    140 A), and a ground fault whose 3I0 a delta winding blocks is said so."""
    from protv2g.report.findings_backup import unseen_lateral_texts

    findings = pd.DataFrame({"finding": ["F70"], "criterion": ["C2"],
                             "mechanism": ["not seen by recloser"], "device": ["r_mid"],
                             "other_device": ["f_campus"], "attribution": ["pre-existing"]})
    evidence = pd.DataFrame({"finding": ["F70"], "fault_bus": ["campus_lv"]})
    result = SimpleNamespace(device_faults=_device_rows(), scenarios=pd.DataFrame(
        {"scenario": [BASE, FIRM], "is_base": [True, False]}))
    models = {"r_mid": SimpleNamespace(settings=SimpleNamespace(phase_min_trip_a=460.0,
                                                                ground_min_trip_a=140.0))}
    text = unseen_lateral_texts(findings, evidence, result, models)["F70"]
    unseen = text.split("; r_mid sees the other")[0]
    assert "548" not in unseen and "547" not in unseen
    assert ("faults there that r_mid does not see (SLG-a) carry 355–357 A through f_campus, "
            "below r_mid's minimum trip 460 A (phase; ground 140 A") in text
    assert "3I0 at r_mid at most 3 A" in text and "delta" in text
    assert "r_mid carries 355 A without V2G, 308 A with V2G" in text
    # the faults it does see are counted, not hidden
    assert "r_mid sees the other 2 fault row(s) there (up to 548 A through f_campus)" in text
