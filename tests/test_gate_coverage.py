"""A gate that could not evaluate something never says PASS (review rev41b W1–W3, M3, M5).

Small studies built here from the shared field cases' masters (``../shared/cases``):

* W1: the only device a lateral fuse beyond the V2G site (``master_nogen.dss``: sub–l1–b1–l2–
  b2–l3–b3, site at b2, fuse on l3) — nothing between the site and the source; the gate said
  PASS. Now ERROR naming the site and the fix; with a head relay on l1, no such error.
* W2: ``faults.fault_types: [3ph]`` — every ground element and the most common fault never
  judged; the gate said PASS. Now ERROR "add SLG to faults.fault_types".
* M3: a study without devices: the hosting figure was "determined" over C12 alone.
* W3: C12 failed the bus dead behind the open switch of ``master_open_tie.dss`` at 0.000 pu
  (validate: no source reaches it); now it is out of C12 and counted in an info row.
* M5: a one-phase lateral's fuse with only 3ph/LL studied: "put the device on the element …";
  now "add SLG to faults.fault_types".

What the topology says is checked by hand on the masters' own text (a radial chain: the only
path from ``sub`` to b2 is l1, l2), not by protv2g.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import protv2g
from protv2g.gate import gate_verdict
from protv2g.hosting.limits import unmodelled_as_unevaluated
from protv2g.result import VIOLATION_COLUMNS, StudyResult
from protv2g.study.schema import CRITERIA

CASES = Path(__file__).resolve().parents[1].parent / "shared" / "cases"
NOGEN = CASES / "synchronous-generator-source" / "master_nogen.dss"
OPEN_TIE = CASES / "dead-bus-open-switch" / "master_open_tie.dss"

FUSE = ("  - {name: F3, kind: fuse, location: {line: l3, end: from}, link: 40K, "
        "interrupting_rating_ka: 10}\n")
RELAY = ("  - {name: R1, kind: relay, location: {line: l1, end: from}, pickup_a: 400, "
         "curve: IEEE-VI, time_dial: 2, ground_pickup_a: 200, ground_curve: IEEE-VI, "
         "ground_time_dial: 1, interrupting_rating_ka: 20, reclose_intervals_s: []}\n")


#: The V2G site of :func:`_study`: 4 × 50 kW at b2.
SITE = "{name: depot, bus: b2, n_chargers: 4, p_charger_kw: 50, cease_to_energize_s: 1.0}"


def _study(tmp_path: Path, master: Path, devices: str, fault_types: str = "[3ph, SLG]",
           extra_dss: str = "", site: str = SITE):
    if not master.is_file():
        pytest.skip(f"{master} not found (../shared/cases beside the checkout is absent)")
    pytest.importorskip("opendssdirect")
    text = master.read_text(encoding="utf-8")
    if extra_dss:  # before the voltage bases, so that the new bus gets one
        text = text.replace("Set VoltageBases", f"{extra_dss}\nSet VoltageBases", 1)
    (tmp_path / master.name).write_text(text, encoding="utf-8")
    (tmp_path / "study.yaml").write_text(
        f"name: cov\nfeeder:\n  opendss: {master.name}\n"
        f"faults:\n  method: classical\n  fault_types: {fault_types}\n  cases: [max, min]\n"
        f"v2g_sites:\n  - {site}\n"
        "scenarios:\n  export_levels_fraction: [0.0, 1.0]\n"
        + (f"devices:\n{devices}" if devices else "devices: []\n"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return protv2g.load_study(tmp_path / "study.yaml")


def _clean_result() -> StudyResult:
    """Every criterion ran on every scenario and nothing failed: only the study's make-up can
    stop a PASS."""
    v = pd.DataFrame(columns=VIOLATION_COLUMNS)
    return StudyResult("t", pd.DataFrame(), v, pd.DataFrame(), pd.DataFrame(), {},
                       {"checks": {"criteria": list(CRITERIA), "errors": []}})


def _errors(verdict: dict) -> list[str]:
    return [r for r in verdict["reasons"] if r.startswith("error:")]


def test_a_site_behind_no_device_is_an_error(tmp_path):
    """rev41b W1 (nd/b.yaml): the fuse on l3 is beyond b2; the path sub–l1–b1–l2–b2 carries no
    device of the study. Old code: PASS."""
    study = _study(tmp_path, NOGEN, FUSE)
    verdict = gate_verdict(study, _clean_result())
    assert verdict["verdict"] == "ERROR"
    from protv2g.gate_coverage import unprotected_sites

    assert unprotected_sites(study) == [("depot", "b2")]
    errors = _errors(verdict)
    assert len(errors) == 1, errors
    assert "V2G site depot (bus b2) has no modelled device between it and the source" in errors[0]
    assert "fix: add the feeder-head device" in errors[0]
    # the criteria it names are errors, not "not applicable" infos; C12 still judged
    assert set(verdict["unjudged"]) == set(CRITERIA) - {"C12"}
    assert verdict["unjudged"]["C5"].startswith("not evaluated: V2G site depot (b2)")


def test_a_head_relay_covers_the_site(tmp_path):
    """The same study with a relay on l1 (the head): no path error, and with SLG studied the
    gate passes on a clean result."""
    study = _study(tmp_path, NOGEN, RELAY + FUSE)
    verdict = gate_verdict(study, _clean_result())
    assert verdict["verdict"] == "PASS", verdict["reasons"]
    from protv2g.gate_coverage import unprotected_sites

    assert unprotected_sites(study) == []
    assert verdict["unjudged"] == {}


def test_fault_types_without_slg_are_an_error(tmp_path):
    """rev41b W2 (nd/eg.yaml: a relay with a 51G, fault types [3ph]). Old code: PASS."""
    study = _study(tmp_path, NOGEN, RELAY + FUSE, fault_types="[3ph]")
    verdict = gate_verdict(study, _clean_result())
    assert verdict["verdict"] == "ERROR"
    errors = _errors(verdict)
    assert len(errors) == 1 and "leave out SLG" in errors[0], errors
    assert errors[0].endswith("fix: add SLG to faults.fault_types")
    # the criteria judged on the fault table; the flow's (C8, C12) and C10/C11 are not
    assert set(verdict["unjudged"]) == {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C9"}
    # LL and LLG without SLG: the same (SLG is the fault the ground elements are set for)
    study = _study(tmp_path, NOGEN, RELAY + FUSE, fault_types="[3ph, LL, LLG]")
    assert gate_verdict(study, _clean_result())["unjudged"]["C5"].startswith(
        "not evaluated on ground faults")


def test_no_devices_makes_the_hosting_figure_not_evaluated(tmp_path):
    """rev41b M3 (nd/a.yaml): C1–C11 "not applicable" became a determined figure ("site
    maximum: no criterion limits it"). Old code: the dicts came back unchanged."""
    study = _study(tmp_path, NOGEN, "")
    criteria = list(CRITERIA)
    na = {c: f"{c} not applicable" for c in criteria if c != "C12"}
    unevaluated, not_applicable = unmodelled_as_unevaluated(study.document, criteria, {}, na)
    assert not_applicable == {}
    assert set(unevaluated) == set(criteria) - {"C12"}
    assert unevaluated["C5"][0].startswith("not evaluated: no protective device modelled")


def test_a_dead_bus_is_out_of_c12(tmp_path):
    """rev41b W3 (db/s_master_open_tie.yaml): b3 behind ``Open Line.sw 1`` has no source;
    OpenDSS solves it at 0 V. Old code: four C12 ``fail`` rows "voltage 0.000 pu at b3"."""
    from protv2g.checks import run_checks
    from protv2g.pipeline_flow import study_flow

    devices = RELAY + ("  - {name: F2, kind: fuse, location: {line: l2, end: from}, link: 65K, "
                       "interrupting_rating_ka: 10}\n")
    study = _study(tmp_path, OPEN_TIE, devices)
    assert not bool(study.model.buses.energized.at["b3"])  # the model's own topology
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        violations, _ = run_checks(study, None, study_flow(study))
    c12 = violations[violations["criterion"].astype(str) == "C12"]
    assert not (c12["fault_bus"].astype(str) == "b3").any(), c12[["status", "fault_bus"]]
    info = [str(m) for m, s in zip(c12["message"], c12["status"].astype(str), strict=True)
            if s == "info" and "de-energised" in str(m)]
    assert len(info) == 1 and "1 de-energised bus(es) (b3)" in info[0]


def test_a_one_phase_lateral_without_slg_names_the_fix(tmp_path):
    """rev41b M5: a fuse on a one-phase lateral (lat1 on phase a of b3) with 3ph/LL studied
    has no fault beyond it; the fix is SLG, not moving the device. Old code: "put the device
    on the element …"."""
    from types import SimpleNamespace

    from protv2g.checks.no_rows import no_rows_text
    from protv2g.topology import device_chains, device_zones

    lateral = ("New Line.lat1 bus1=b3.1 bus2=lat1.1 phases=1 r1=0.3 x1=0.6 r0=0.6 x0=1.8 "
               "c1=0 c0=0 length=1 units=km")
    fuse = ("  - {name: f1, kind: fuse, location: {line: lat1, end: from}, link: 25K, "
            "interrupting_rating_ka: 10}\n")
    study = _study(tmp_path, NOGEN, RELAY + fuse, fault_types="[3ph, LL]", extra_dss=lateral)
    zones = device_zones(device_chains(study.feeder, study.device_sites))
    ctx = SimpleNamespace(study=study, zones=zones,
                          bus_faults=pd.DataFrame({"bus_name": ["sub", "b1", "b2", "b3"]}))
    text = no_rows_text(ctx, "f1")
    assert "leave out SLG" in text and text.endswith("fix: add SLG to faults.fault_types"), text
    assert "put the device on the element" not in text


def test_the_old_relay_only_rule_still_reads_the_document():
    """``unjudged_criteria`` on a document alone (hosting's older callers): the relay-only rule,
    no site paths read."""
    from protv2g.gate_coverage import unjudged_criteria
    from protv2g.study.schema import StudyDocument

    doc = StudyDocument.model_validate({"name": "s", "feeder": {"builtin": "x"}, "devices": [
        {"name": "R1", "kind": "relay", "location": {"line": "l", "end": "from"},
         "pickup_a": 400, "curve": "IEEE-VI", "time_dial": 1}]})
    assert list(unjudged_criteria(doc)) == ["C1", "C2", "C3", "C4"]



def test_validate_warns_as_the_gate_will_refuse(tmp_path):
    """validate says what the gate will refuse (as for the relay-only study, review s25 §6):
    the site behind no device and the fault types without SLG, each with its field and fix.
    Old code: neither warned."""
    from protv2g.study.plausibility import plausibility_warnings

    study = _study(tmp_path, NOGEN, FUSE, fault_types="[3ph]")
    issues = {i.field: i for i in plausibility_warnings(study)
              if "so the gate will say ERROR" in i.message}
    assert "V2G site depot (bus b2)" in issues["devices"].message
    assert issues["devices"].fix.startswith("add the feeder-head device")
    assert issues["faults.fault_types"].fix == "add SLG to faults.fault_types"
