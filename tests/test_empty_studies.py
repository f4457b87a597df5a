"""Empty collections in a study (#20 item 4): each runs to a workbook and a gate verdict, or is
refused by ``validate`` with the file, the field and a fix — never a traceback.

Case ``../shared/cases/study-without-devices`` (its README gives the right behaviour): a valid
study without devices used to end in a ``KeyError`` and exit 1 (the code of a failed gate).
The kind: no devices, no sites, no export levels (or only 0 kW), empty scenario / fault / gate
lists, one bus, a site at the substation bus, a device with nothing downstream, studies whose
devices are all of one kind. A property-based test draws such minimal studies on tiny nets
built here.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import openpyxl
import pandapower as pp
import pandapower.shortcircuit as sc
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from protv2g import load_study, run_study
from protv2g.cli import main
from protv2g.errors import InputError
from protv2g.study import validate_study
from protv2g.violations import CheckStatus, status_mask

from .conftest import SHARED_DIR

CASE_DIR = SHARED_DIR / "cases" / "study-without-devices"

#: External grid of the tiny nets (the case's values): S"k max/min 200/150 MVA at 20 kV.
S_SC_MAX_MVA, S_SC_MIN_MVA, VN_KV = 200.0, 150.0, 20.0


@pytest.fixture(scope="module")
def case_dir() -> Path:
    if not (CASE_DIR / "study.yaml").is_file():
        pytest.skip(f"field case not found at {CASE_DIR} (../shared beside the checkout)")
    return CASE_DIR


@contextmanager
def _quiet() -> Iterator[None]:
    """Engine notes and third-party warnings silenced (the tests read results, not notes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# --- the field case ----------------------------------------------------------------------------


def test_case_study_without_devices_runs_from_the_cli(case_dir, tmp_path, capsys):
    """``validate`` says valid and warns, in the gate's own words, that the gate will say
    ERROR (no device, no V2G site); ``run`` writes a workbook with the fault tables and no
    coordination rows and ends, like ``gate``, with ERROR, exit 2 (nothing could be judged
    without a device), never a traceback or exit 1."""
    study = case_dir / "study.yaml"
    assert main(["validate", str(study)]) == 0
    printed = capsys.readouterr().out
    for field, why in (("devices", "the study has no protective device"),
                       ("v2g_sites", "the study has no V2G site")):
        assert f"{field}: {why}" in printed and "the gate will say ERROR" in printed, printed
    out = tmp_path / "no_devices.xlsx"
    assert main(["run", str(study), "-o", str(out), "--no-hosting"]) == 2
    printed = capsys.readouterr().out
    assert "gate: ERROR" in printed and out.is_file()
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["Fault currents"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3  # B1, B2, B3 × 3ph × max × base
    code = main(["gate", str(study)])
    printed = "".join(capsys.readouterr())
    assert code == 2, printed
    assert "no protective device" in printed and "devices" in printed


def test_case_fault_currents_match_pandapower(case_dir):
    """The workbook's fault table is real: 3ph max at B1/B2/B3 against pandapower's
    ``calc_sc`` on the same net (IEC 60909, 0.5 %). The net holds a 1 MW current-source sgen
    (k = 1.2) whose part in fault runs is #20 item 2's business; the engine's value must match
    calc_sc with or without it (the two differ by 0.6-1.0 %)."""
    with _quiet():
        study = load_study(case_dir / "study.yaml")
        result = run_study(study)
    got = result.fault_currents.sort_values("bus")["ikss_ka"].to_numpy(float)
    refs = []
    for sgen_in in (True, False):
        net = pp.from_json(str(case_dir / "net.json"))
        net.sgen["in_service"] = sgen_in
        with _quiet():
            sc.calc_sc(net, case="max", fault="3ph")
        refs.append(net.res_bus_sc["ikss_ka"].to_numpy(float))
    assert any(np.allclose(got, ref, rtol=5e-3) for ref in refs), (got, refs)
    assert result.tables["Coordination"].empty and result.device_faults.empty
    assert result.meta["gate"]["verdict"] == "ERROR"


def test_case_one_device_still_runs(case_dir):
    with _quiet():
        result = run_study(load_study(case_dir / "study_one_device.yaml"))
    assert len(result.device_faults) > 0
    assert result.meta["gate"]["verdict"] in ("PASS", "FAIL", "ERROR")


# --- tiny nets ---------------------------------------------------------------------------------


def _ext_grid(net, bus):
    pp.create_ext_grid(net, bus, s_sc_max_mva=S_SC_MAX_MVA, s_sc_min_mva=S_SC_MIN_MVA,
                       rx_max=0.1, rx_min=0.1, x0x_max=1.0, r0x0_max=0.1, x0x_min=1.0,
                       r0x0_min=0.1)


def one_bus_net():
    net = pp.create_empty_network()
    _ext_grid(net, pp.create_bus(net, VN_KV, name="B1"))
    return net


def radial3_net(with_load: bool):
    """B1 (grid) - L1 - B2 - L2 - B3, 2 km each of 0.2 + j0.35 ohm/km (the case's lines)."""
    net = pp.create_empty_network()
    b = [pp.create_bus(net, VN_KV, name=f"B{i}") for i in (1, 2, 3)]
    _ext_grid(net, b[0])
    for i, (f, t) in enumerate(((0, 1), (1, 2)), start=1):
        pp.create_line_from_parameters(
            net, b[f], b[t], 2.0, r_ohm_per_km=0.2, x_ohm_per_km=0.35, c_nf_per_km=0.0,
            max_i_ka=0.4, r0_ohm_per_km=0.6, x0_ohm_per_km=1.2, c0_nf_per_km=0.0,
            name=f"L{i}", endtemp_degree=80.0)
    if with_load:
        pp.create_load(net, b[2], p_mw=1.0, q_mvar=0.3, name="LD3")
    return net


def test_one_bus_study_matches_hand_calculation(tmp_path):
    """One bus, no line, no device, one site: flows and faults run. Hand calculation
    (pandapower's external-grid model, Z = c·Un²/S"k, so I"k = S"k / (√3·Un)):
    max 200 MVA / (√3 · 20 kV) = 5.7735 kA; min 150 / (√3 · 20) = 4.3301 kA."""
    pp.to_json(one_bus_net(), str(tmp_path / "net.json"))
    doc = {"name": "one_bus", "feeder": {"pandapower_json": "net.json"},
           "faults": {"fault_types": ["3ph"]},
           "v2g_sites": [{"name": "S1", "bus": "B1", "n_chargers": 2, "p_charger_kw": 50}]}
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc))
    with _quiet():
        result = run_study(load_study(tmp_path / "study.yaml"))
    base = result.fault_currents[result.fault_currents["scenario"].str.startswith("base")]
    ik = dict(zip(base["case"], base["ikss_ka"].astype(float), strict=True))
    assert ik["max"] == pytest.approx(S_SC_MAX_MVA / (math.sqrt(3) * VN_KV), rel=5e-3)
    assert ik["min"] == pytest.approx(S_SC_MIN_MVA / (math.sqrt(3) * VN_KV), rel=5e-3)
    assert len(result.flow.buses) > 0
    gate = result.meta["gate"]
    assert gate["verdict"] == "ERROR"
    assert any("no protective device" in r for r in gate["reasons"])


#: Every list of the study file the schema refuses empty, and the field path named.
EMPTY_LISTS = {
    "scenarios.export_levels_kw": {"scenarios": {"export_levels_kw": []}},
    "scenarios.export_levels_fraction": {"scenarios": {"export_levels_fraction": []}},
    "scenarios.participation": {"scenarios": {"participation": []}},
    "scenarios.load_levels": {"scenarios": {"load_levels": []}},
    "faults.fault_types": {"faults": {"fault_types": []}},
    "faults.cases": {"faults": {"cases": []}},
    "gate.criteria": {"gate": {"criteria": []}},
    "gate.fail_severities": {"gate": {"fail_severities": []}},
    "v2g_sites[0].modes": {"v2g_sites": [{"name": "S3", "bus": "B3", "n_chargers": 4,
                                          "p_charger_kw": 50, "modes": []}]},
}


@pytest.mark.parametrize("field", list(EMPTY_LISTS))
def test_empty_list_is_refused_naming_field_and_fix(tmp_path, field):
    pp.to_json(radial3_net(with_load=True), str(tmp_path / "net.json"))
    doc = {"name": "empty_list", "feeder": {"pandapower_json": "net.json"},
           **EMPTY_LISTS[field]}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(doc))
    issues = validate_study(path)
    assert [i.field for i in issues] == [field]
    assert issues[0].file == str(path)
    assert "empty list" in issues[0].message and "remove" in issues[0].fix


# --- property: minimal studies -----------------------------------------------------------------

RELAY = {"name": "R1", "kind": "relay", "location": {"line": "L1", "end": "from"},
         "pickup_a": 200, "curve": "IEEE-VI", "time_dial": 2, "interrupting_rating_ka": 16}
RECLOSER = {"name": "RC2", "kind": "recloser", "location": {"line": "L2", "end": "from"},
            "phase_min_trip_a": 140, "ground_min_trip_a": 60, "fast_curve": "101",
            "delayed_curve": "133", "ground_fast_curve": "104", "ground_delayed_curve": "117",
            "reclose_intervals_s": [2.0, 5.0, 5.0], "interrupting_rating_ka": 8}
#: at the far end of the last line: nothing downstream of it
FUSE = {"name": "F2", "kind": "fuse", "location": {"line": "L2", "end": "to"}, "link": "40K",
        "interrupting_rating_ka": 8}
SITE_END = {"name": "S3", "bus": "B3", "n_chargers": 4, "p_charger_kw": 50}
SITE_SUB = {"name": "S1", "bus": "B1", "n_chargers": 2, "p_charger_kw": 100}


def _subset(items, min_size=0):
    return st.lists(st.sampled_from(items), unique_by=repr, min_size=min_size,
                    max_size=len(items))


#: Lists a minimal study may give empty (at most one per example, in about a quarter of them:
#: every one of them alone is in test_empty_list_is_refused_naming_field_and_fix).
AXES = {"scenarios.participation": ["low", "expected", "firm"],
        "scenarios.load_levels": ["light", "peak"],
        "faults.fault_types": ["3ph", "SLG"], "faults.cases": ["max", "min"]}


@st.composite
def minimal_studies(draw):
    net = draw(st.sampled_from(["one_bus", "radial3", "radial3_no_load"]))
    doc = {"name": "minimal", "feeder": {"pandapower_json": "net.json"},
           "scenarios": {}, "faults": {"fault_types": ["3ph", "SLG"]}}  # a few seconds each
    if net != "one_bus":
        doc["devices"] = draw(_subset([RELAY, RECLOSER, FUSE]))
        doc["v2g_sites"] = draw(_subset([SITE_END, SITE_SUB]))
    else:
        doc["v2g_sites"] = draw(_subset([SITE_SUB]))
    emptied = None
    if draw(st.booleans()) and draw(st.booleans()):  # about a quarter of the examples
        emptied = draw(st.sampled_from(["scenarios.export_levels_kw", *AXES]))
    export = draw(st.sampled_from([None, [0.0], [0.0, 150.0], "fraction"]))
    if export == "fraction":
        doc["scenarios"]["export_levels_fraction"] = [0.0, 1.0]
    elif export is not None:
        doc["scenarios"]["export_levels_kw"] = export
    for path, values in AXES.items():
        section, key = path.split(".")
        if draw(st.booleans()):  # given (else absent: the default)
            doc[section][key] = draw(_subset(values, min_size=1))
    if emptied is not None:
        section, key = emptied.split(".")
        doc[section][key] = []
    return net, doc


def _empty_lists(doc) -> set[str]:
    out = {f"scenarios.{k}" for k, v in doc.get("scenarios", {}).items() if v == []}
    return out | {f"faults.{k}" for k, v in doc["faults"].items() if v == []}


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(minimal_studies())
def test_minimal_studies_run_or_are_refused(drawn):
    """Either ``validate`` refuses the study (every issue names its file, field and a fix, and
    every empty list drawn is among them) or run_study + workbook + gate give a verdict with
    no exception; a PASS only when something was judged: devices present, no gated
    criterion ``not_evaluated``, every site that may export exporting in some scenario."""
    net_kind, doc = drawn
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        net = one_bus_net() if net_kind == "one_bus" else radial3_net(net_kind == "radial3")
        pp.to_json(net, str(folder / "net.json"))
        path = folder / "study.yaml"
        path.write_text(yaml.safe_dump(doc))
        issues = validate_study(path)
        empties = _empty_lists(doc)
        if issues:
            event("refused by validate")
            assert all(i.file == str(path) and i.field and i.fix for i in issues), issues
            assert empties <= {i.field for i in issues}, (empties, issues)
            with pytest.raises(InputError):
                load_study(path)
            return
        assert not empties, f"{empties} empty but validate said valid"
        with _quiet():
            result = run_study(load_study(path))
            written = result.to_excel(folder / "report.xlsx")
        assert Path(written).is_file()
        gate = result.meta["gate"]
        assert gate["verdict"] in ("PASS", "FAIL", "ERROR")
        event(f"ran: {gate['verdict']}")
        ik = result.fault_currents["ikss_ka"].to_numpy(float)
        assert len(ik) and np.all(np.isfinite(ik)) and np.all(ik > 0)
        if not doc.get("devices"):
            assert gate["verdict"] == "ERROR" and result.tables["Coordination"].empty
        if gate["verdict"] == "PASS":
            assert not status_mask(result.violations, CheckStatus.NOT_EVALUATED).any()
            for site in doc.get("v2g_sites", []):
                assert (result.scenarios[f"p_{site['name']}_kw"] > 0).any(), site
