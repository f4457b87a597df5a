"""What a check row rests on (task trust_defaults): the OpenDSS line-rating reader, the
``input_basis`` tagging, the gate's ``confirm:`` kind, the class ratings ``protv2g init``
drafts, and an end-to-end run where an overloaded line is rated by OpenDSS's default."""

from __future__ import annotations

import dataclasses
import math
import shutil
import warnings

import pandas as pd
import pytest
import yaml

from protv2g import load_study, run_study
from protv2g.cli import main
from protv2g.findings import build_findings
from protv2g.gate import gate_verdict
from protv2g.input_basis import (
    InputBases,
    input_to_confirm,
    study_input_bases,
    tag_input_basis,
    weakest,
)
from protv2g.network.dss_ratings import DSS_DEFAULT_NORMAMPS_A, line_rating_sources
from protv2g.result import VIOLATION_COLUMNS, StudyResult
from protv2g.study.schema import CRITERIA
from protv2g.study_draft import draft_study
from protv2g.study_draft.ratings import RATING_CLASSES, draft_rating

from .conftest import FEEDERS_DIR

EXAMPLE = FEEDERS_DIR / "opendss_example"


# --- network/dss_ratings -------------------------------------------------------------------------


def test_line_rating_sources_reads_where_normamps_comes_from(tmp_path):
    """Line, linecode (with a ``~`` continuation), geometry → first wire, ``Like=``, a
    redirect in a sub-folder, comments; the rest default to OpenDSS's 400 A."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "codes.dss").write_text(
        "New LineCode.a nphases=3 r1=0.1 x1=0.2\n~ normamps=310  ! rated\n"
        "New LineCode.b nphases=1 r1=0.3 x1=0.3 // normamps=99 in a comment\n"
        "New WireData.acsr336 gmr=0.02 diam=0.7 normamps=530\n"
        "New LineGeometry.g3 nconds=4 nphases=3 wires=[acsr336 acsr336 acsr336 acsr336]\n")
    (tmp_path / "Master.dss").write_text(
        "Clear\nNew Circuit.t basekv=12.47\nRedirect sub/codes.dss\n"
        "/* New Line.ghost bus1=x bus2=y normamps=5 */\n"
        "New Line.own bus1=a bus2=b linecode=b normamps=120\n"
        "New Line.bycode bus1=b bus2=c linecode=a\n"
        "New Line.nocode bus1=c bus2=d linecode=b\n"
        "New Line.geo bus1=d bus2=e geometry=g3\n"
        "New Line.copy like=bycode bus1=e bus2=f\n"
        "New Line.plain bus1=f bus2=g r1=0.1 x1=0.1\n")
    t = line_rating_sources(tmp_path / "Master.dss")
    assert t.source.to_dict() == {
        "line.own": "line", "line.bycode": "linecode", "line.nocode": "default",
        "line.geo": "wiredata", "line.copy": "linecode", "line.plain": "default"}
    assert t.normamps_a.to_dict() == {"line.own": 120.0, "line.bycode": 310.0,
                                      "line.nocode": DSS_DEFAULT_NORMAMPS_A,
                                      "line.geo": 530.0, "line.copy": 310.0,
                                      "line.plain": DSS_DEFAULT_NORMAMPS_A}


def test_ieee8500_lines_rated_by_default(shared_dir):
    """The IEEE 8500 rates only its triplex (4/0, 750) and 1/0 AXNJ linecodes: 2,413 of its
    3,703 lines carry OpenDSS's default 400 A."""
    model = shared_dir / "feeders" / "opendss" / "real" / "IEEE8500"
    if not (model / "Master.dss").is_file():
        pytest.skip("IEEE 8500 model not in ../shared")
    t = line_rating_sources(model / "Master.dss", [model / "Fuses.DSS"])
    assert len(t) == 3703
    assert t.source.value_counts().to_dict() == {"default": 2413, "linecode": 1290}
    assert t.at["line.hvmv_sub_connector", "source"] == "default"


# --- input_basis ---------------------------------------------------------------------------------


def _rows(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"criterion": ["C12"] * n, "status": ["fail"] * n, "device": [""] * n,
            "other_device": [""] * n}
    return pd.DataFrame({**base, **cols})


def test_tag_input_basis_by_criterion_device_and_status():
    bases = InputBases(frozenset({"line.l1"}), frozenset({"head"}),
                       {"interrupting_rating_ka": frozenset({"F1"}),
                        "reclose_intervals_s": frozenset({"R1"})})
    v = _rows(criterion=["C12", "C12", "C7", "C7", "C10", "C1", "C3", "C12", "C7"],
              status=["fail", "warn", "fail", "fail", "fail", "fail", "info", "fail",
                      "not_evaluated"],
              device=["line.l1", "line.l2", "F1", "F2", "R1", "F9", "F1", "b7", "F1"],
              other_device=["", "", "", "", "site", "head", "F2", "", ""])
    assert tag_input_basis(v, bases).tolist() == [
        "default",   # C12 on a default-rated line
        "given",     # a rated line
        "todo",      # C7 on a drafted rating
        "given",     # C7 on a given rating
        "todo",      # C10 on drafted reclose intervals
        "todo",      # any row naming a drafted device (as other_device)
        "given",     # C3 does not rest on F1's interrupting rating
        "given",     # a voltage row on a bus
        ""]          # not a finding: no basis
    assert tag_input_basis(v.iloc[:0], bases).tolist() == []


def test_weakest_and_the_input_named():
    assert weakest(["given", "default"]) == "default"
    assert weakest(["", "given"]) == "given"
    assert weakest([]) == ""
    assert "normamps" in input_to_confirm("C12", "line.l1", basis="default")
    assert input_to_confirm("C12", "line.l1", basis="given") == ""
    assert input_to_confirm("C10", "R1", "site", "todo").startswith("R1's reclose_intervals_s")
    assert "head / F2" in input_to_confirm("C1", "head", "F2", "todo")


def test_study_input_bases_from_todo_fields(depot_study):
    names = [d.name for d in depot_study.document.devices]
    b = study_input_bases(depot_study, [
        "devices[0].interrupting_rating_ka (line 40)", "devices[1] (line 50)",
        "devices[1].name (line 51)", "scenarios.export_levels_kw (line 80)",
        f"devices[{len(names)}].pickup_a (line 99)"])
    assert b.default_lines == frozenset()  # a pandapower feeder: its ratings are its data
    assert b.todo_devices == {names[1]}
    assert dict(b.todo_fields) == {"interrupting_rating_ka": {names[0]}}


# --- the gate --------------------------------------------------------------------------------


def _result(rows: list[dict]) -> StudyResult:
    v = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    return StudyResult("t", pd.DataFrame(), v, pd.DataFrame(), pd.DataFrame(), {},
                       {"checks": {"criteria": list(CRITERIA), "errors": []}})


def _row(basis: str, attribution: str, device: str = "line.l1", **kw) -> dict:
    return {"criterion": "C12", "status": "fail", "attribution": attribution,
            "scenario": "base/peak", "device": device, "margin": -20.0,
            "message": f"{device} loaded 120 %", "input_basis": basis, **kw}


def test_gate_confirm_kind_and_fail_names_the_input(depot_study):
    """A pre-existing failure on a default input is a ``confirm:`` item (counted apart from
    the conditions); one on given data stays a condition; a failure attributable to V2G on a
    default input still fails, and its reason names the input to confirm."""
    out = gate_verdict(depot_study, _result([
        _row("default", "pre-existing"), _row("given", "pre-existing", "line.l2")]))
    assert out["verdict"] == "PASS"
    assert [r.split(":")[0] for r in out["reasons"][:2]] == ["condition", "confirm"]
    assert out["to_confirm"] == [out["reasons"][1]] and "line.l1" in out["to_confirm"][0]
    assert "confirm line.l1's normamps (OpenDSS default 400 A" in out["to_confirm"][0]
    assert out["counts"]["conditions"] == 1 and out["counts"]["to_confirm"] == 1
    # both are the feeder's own loading items (C12), listed after protection (review s25 §5)
    assert out["flow_items"] == out["reasons"][:2]
    out = gate_verdict(depot_study, _result([
        _row("given", "pre-existing", criterion="C8", margin=-5.0),
        _row("given", "pre-existing", "line.l2")]))
    assert [r.split(" ")[:2] for r in out["conditions"]] == [["condition:", "C8"],
                                                            ["condition:", "C12"]]
    assert out["flow_items"] == out["conditions"][1:]
    out = gate_verdict(depot_study, _result([_row("default", "new")]))
    assert out["verdict"] == "FAIL" and out["exit_code"] == 1  # never a pass on a default
    assert out["reasons"][0].startswith("fail: C12 line.l1")
    assert "rests on tool default: confirm line.l1's normamps" in out["reasons"][0]
    assert out["counts"]["unconfirmed"] == 1 and out["to_confirm"] == []


# --- the draft's ratings ---------------------------------------------------------------------


def test_draft_rating_picks_the_class_value_and_brackets():
    r = draft_rating("recloser", 12.47, 6.9)
    assert r.rating_ka == 12.5 and r.basis == "sym" and "C37.60" in r.note
    assert "12–16 kA" in r.note
    f = draft_rating("fuse", 12.47, 1.6)
    assert f.rating_ka == 8.0 and f.basis == "asym" and "C37.42" in f.note
    assert draft_rating("relay", 13.2, 21.0).rating_ka == 25.0
    top = draft_rating("relay", 12.47, 70.0)   # above the class: its largest, and said so
    assert top.rating_ka == 63.0 and "below the 70.00 kA" in top.note
    assert draft_rating("fuse", 12.47, math.nan).rating_ka == RATING_CLASSES["fuse"].typical_ka
    # a recloser of the 38 kV class (IEEE C37.60-2012, recalled; review ver43 M-t1)
    assert draft_rating("recloser", 34.5, 6.9).rating_ka == 12.5
    assert draft_rating("recloser", 24.9, 14.0).rating_ka == 16.0
    assert draft_rating("fuse", 34.5, 6.9) is None      # cutouts above 15 kV: not tabled
    # a feeder breaker of the 38 kV class (IEEE C37.06-2009, review rev43a M6)
    assert draft_rating("relay", 34.5, 6.9).rating_ka == 16.0
    assert draft_rating("relay", 72.5, 6.9) is None     # above every tabled class
    assert draft_rating("relay", 4.16, 6.9).rating_ka == 12.5  # 15.5 kV gear on 4.16 kV
    for c in RATING_CLASSES.values():
        assert list(c.preferred_ka) == sorted(c.preferred_ka)
        assert c.bracket_ka[0] <= c.typical_ka <= c.bracket_ka[1]


@pytest.fixture()
def model_dir(tmp_path):
    for f in ("Master.dss", "LineCodes.dss"):
        shutil.copy(EXAMPLE / f, tmp_path / f)
    return tmp_path


def test_draft_writes_class_ratings_marked_todo(model_dir):
    d = draft_study(model_dir / "Master.dss")
    doc = yaml.safe_load(d.text)
    by = {x["name"]: x for x in doc["devices"]}
    fuses = [x for x in doc["devices"] if x["kind"] == "fuse"]
    assert fuses and all(x["interrupting_rating_ka"] in RATING_CLASSES["fuse"].preferred_ka
                         and x["interrupting_rating_basis"] == "asym" for x in fuses)
    rec = [x for x in doc["devices"] if x["kind"] == "recloser"]
    assert rec and all(x["interrupting_rating_ka"] in RATING_CLASSES["recloser"].preferred_ka
                       and "interrupting_rating_basis" not in x for x in rec)
    lines = [ln for ln in d.text.splitlines() if "interrupting_rating_ka:" in ln]
    assert len(lines) == len(by) and all("# TODO: drafted rating" in ln for ln in lines)
    # the classes' standards: in the explanation the devices' rating TODOs share, written
    # once under devices: (init36, review rev36a T2), or on the lines themselves
    shared = d.text.split("devices:", 1)[1].split("  - ", 1)[0]
    for std in ("C37.42", "C37.60"):
        assert std in shared or any(std in ln for ln in lines), std


# --- end to end --------------------------------------------------------------------------------


def test_default_rated_line_c12_row_carries_its_basis(model_dir):
    """The example's trunk linecode loses its normamps (OpenDSS rates l1/l2 at 400 A) and the
    load at b2 grows past it: their C12 thermal rows rest on the default; l3 (branch10,
    normamps 310 given) stays ``given``; the gate lists the base-case overloads on the
    default as ``confirm:`` and the Findings carry the basis."""
    codes = (model_dir / "LineCodes.dss").read_text()
    (model_dir / "LineCodes.dss").write_text(codes.replace(" normamps=530", ""))
    master = (model_dir / "Master.dss").read_text()
    (model_dir / "Master.dss").write_text(master.replace("kw=1800 kvar=600",
                                                         "kw=8000 kvar=2600"))
    out = model_dir / "study.yaml"
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(out),
                 "--site", "lot:b3:10:100"]) == 0
    # the peak level confirmed (init drafts it as the model's loads, a TODO every C8/C12 row
    # would rest on: rev42c M2): the rows' basis is their ratings'
    out.write_text("\n".join(line.replace("# TODO: peak = ", "# confirmed: peak = ")
                             if line.lstrip().startswith("load_levels:") else line
                             for line in out.read_text().split("\n")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(load_study(out))
    v = result.violations
    thermal = v[(v.criterion == "C12") & v.device.astype(str).str.startswith("line.")]
    basis = thermal.groupby("device", observed=True).input_basis.agg(set).to_dict()
    assert basis.get("line.l1") == {"default"} and basis.get("line.l2") == {"default"}
    assert all(b == {"given"} for dev, b in basis.items() if dev not in ("line.l1", "line.l2"))
    c7 = v[(v.criterion == "C7") & v.status.isin(["fail", "warn", "info"])]
    assert set(c7.input_basis) <= {"todo"}  # every drafted rating is a TODO
    gate = result.meta["gate"]
    # s16: C8's charging snapshot loads l1 past its row without V2G (126 % vs 112 %): the
    # gate line is a fail naming the input to confirm; with the base rows folded into it
    # (one line per device and rule), there is no separate confirm: line for l1 any more
    l1 = [r for r in gate["reasons"] if r.startswith(("fail: C12 line.l1", "confirm: C12 line.l1"))]
    assert len(l1) == 1 and "confirm line.l1's normamps" in l1[0]
    assert gate["counts"]["to_confirm"] == len(gate["to_confirm"])
    f = build_findings(v, result.scenarios).findings
    assert set(f[f.device == "line.l1"].input_basis) == {"default"}


def test_summary_rests_on_line():
    from protv2g.report.summary_decision import rests_on_line as _rests_on_line

    f = pd.DataFrame({"input_basis": ["given", "default", "todo", "default"]})
    line = _rests_on_line(f, {"counts": {"to_confirm": 2}})
    assert line.startswith("1 finding(s) on given data, 2 on a tool default")
    assert "1 on a drafted value (TODO)" in line and "lists 2 item(s) as 'confirm:'" in line
    assert "pre-existing failure(s) as" not in line  # ver50 #2: not all are pre-existing
    assert _rests_on_line(f.iloc[:1], {}) == ""   # all given: no line


def test_summary_rests_on_counts_the_band_apart():
    """report20: a finding resting on the fuse curve band is not counted as given data; the
    bases are listed as they rank (given, band, default, todo)."""
    from protv2g.report.summary_decision import rests_on_line as _rests_on_line

    f = pd.DataFrame({"input_basis": ["given", "band", "band", "todo"]})
    line = _rests_on_line(f, {"counts": {"to_confirm": 1}})
    assert line.startswith("1 finding(s) on given data, 2 on the fuse curve band")
    i_band, i_default, i_todo = (line.index(w) for w in (
        "fuse curve band", "on a tool default", "on a drafted value"))
    assert i_band < i_default < i_todo and "lists 1 item(s)" in line
    only_band = _rests_on_line(f.iloc[:3], {})
    assert "2 on the fuse curve band" in only_band and "confirm:" not in only_band


def test_gate_unconfirmed_counts_the_rows_a_group_stands_for(depot_study):
    """#21: a C5/C12 group's row (``n_buses``) counts as the rows it stands for in the gate's
    ``unconfirmed`` count, as in its ``failing`` and ``pre_existing`` counts (it counted 1:
    IEEE 8500 read 816 where its rows are 2,138)."""
    rows = [_row("todo", "new", fault_bus="b1", n_buses=5, buses="b1, b2, b3 … (+2 buses)",
                 bus_group=0), _row("given", "new", "line.l2", n_buses=1, buses="",
                                    bus_group=-1)]
    result = dataclasses.replace(_result(rows), violations=pd.DataFrame(
        rows, columns=[*VIOLATION_COLUMNS, "n_buses", "buses", "bus_group"]))
    out = gate_verdict(depot_study, result)
    assert out["counts"]["failing"] == 6
    assert out["counts"]["unconfirmed"] == 5


def test_summary_rests_on_line_says_a_default_under_a_drafted_value():
    """rev47a #2 (IEEE 8500): a line loading on OpenDSS's 400 A default under the drafted
    peak load counts once, as drafted; the line says it also rests on the default (it read
    "0 on a tool default" beside 20 such conditions)."""
    from protv2g.input_basis import input_to_confirm
    from protv2g.report.summary_decision import rests_on_line as _rests_on_line

    rating = input_to_confirm("C12", "line.a", basis="default")
    f = pd.DataFrame({"input_basis": ["todo", "todo", "default"],
                      "evidence_first": ["E0001", "E0002", "E0004"],
                      "evidence_last": ["E0001", "E0003", "E0004"]})
    e = pd.DataFrame({"evidence": ["E0001", "E0002", "E0003", "E0004"],
                      "input_basis": ["todo", "todo", "todo", "default"],
                      "input_todo": ["peak (drafted: TODO)", "peak (drafted: TODO)",
                                     f"{rating}; peak (drafted: TODO)", ""]})
    line = _rests_on_line(f, {"counts": {"to_confirm": 0}}, e)
    assert "1 on a tool default" in line
    assert "2 on a drafted value (TODO), 1 of them also on a tool default" in line
    assert "also on" not in _rests_on_line(f, {}, e.assign(input_todo="x (drafted: TODO)"))
