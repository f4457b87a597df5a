"""The classical method's pre-fault state as a study option and a CLI option (issue #20 item 6).

``faults.prefault: power_flow`` (with ``method: classical``) reaches the engine wherever a study's
fault options are built, and ``protv2g faults --prefault power_flow`` works on pandapower JSON
networks; with ``iec60909`` both are refused with a fix the user can apply.

Right values and their sources:

* the engine called directly with ``prefault="power_flow"`` on the study's own net (the study
  path must give the same bus currents, to rounding);
* pandapower ``calc_sc(..., use_pre_fault_voltage=True)`` ("type C" superposition, pandapower
  3.5.6) for three-phase faults, independent of protv2g: its external-grid impedance is
  ``c·Un²/S''_kQ``, so it runs with ``case="min"`` (c = 1.00 above 1 kV, IEC 60909-0 Table 1)
  and ``s_sc_min_mva = s_sc_max_mva`` (the classical max case uses ``s_sc_max_mva`` without c).
  Measured on the depot feeder with its loads × 3 (lowest power-flow voltage 0.860 pu):
  ≤ 0.017 % (power_flow) against 0.91 % with the open-circuit state.

The depot feeder's loads are scaled × 3 so that the two pre-fault states differ clearly: at its
own loading (0.96 pu at the far end) they differ by ≤ 0.25 %, because the open-circuit state
already has the loads as admittances (OpenDSS's fault-study convention); with × 3 the
power-flow state is −0.7 … +0.9 % (3ph) and −1.7 … +0.9 % (SLG) off the open-circuit one.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandapower as pp
import pandas as pd
import pytest
import yaml

from protv2g import load_study, validate_study
from protv2g.api import fault_study
from protv2g.cli import main
from protv2g.engine import fault_study as engine_fault_study
from protv2g.pipeline import engine_inputs, fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.units import Case, FaultType, Method

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder"
TYPES = [FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND]
REL = 0.005  # issue #20: within 0.5 % of the reference
LOAD_SCALING = 3.0


def _loaded_net() -> pp.pandapowerNet:
    net = pp.from_json(DEPOT / "feeder.json")
    net.load["scaling"] = LOAD_SCALING
    return net


def _study(tmp_path: Path, **faults) -> Path:
    """The depot study on its feeder with loads × 3, with ``faults`` keys set."""
    pp.to_json(_loaded_net(), tmp_path / "feeder.json")
    doc = yaml.safe_load((DEPOT / "study.yaml").read_text())
    doc["faults"].update(fault_types=[t.value for t in TYPES], cases=["max"], **faults)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _table(bus: pd.DataFrame) -> pd.DataFrame:
    keys = ["bus_name", "fault_type"]  # as texts: categorical key columns (#21)
    return bus.astype(dict.fromkeys(keys, object)).set_index(keys)["ikss_ka"].unstack()


def _engine(net, prefault: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = engine_fault_study(net, fault_types=TYPES, cases=[Case.MAX],
                                 method=Method.CLASSICAL, prefault=prefault)
    return _table(res.bus)


def _calc_sc_type_c_ka() -> pd.Series:
    ref = _loaded_net()
    ref.ext_grid["s_sc_min_mva"] = ref.ext_grid["s_sc_max_mva"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.runpp(ref, trafo_model="pi")
        pp.shortcircuit.calc_sc(ref, case="min", fault="3ph", use_pre_fault_voltage=True)
    return ref.res_bus_sc.ikss_ka.rename(ref.bus.name)


def test_study_power_flow_prefault_is_the_engines(tmp_path) -> None:
    """``method: classical, prefault: power_flow``: the study's base case is the engine's
    power-flow result (api and pipeline), agrees with pandapower's type C, and is not the
    open-circuit result."""
    study = load_study(_study(tmp_path, method="classical", prefault="power_flow"))
    assert study.document.faults.prefault == "power_flow"
    direct = _engine(study.net, "power_flow")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        via_api = fault_study(study)
    base = [s for s in via_api.scenarios if s.startswith("base")]
    assert base
    api_base = _table(via_api.bus[via_api.bus.scenario == base[0]])
    pd.testing.assert_frame_equal(api_base, direct.loc[api_base.index], rtol=1e-9)

    scen = [s for s in build_scenarios(study.document) if s.is_base][:1]
    assert engine_inputs(study, scen).options["prefault"] == "power_flow"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = fault_tables(study, scen, staged=False)
    pipe = _table(tables.bus[tables.bus.bus_name.isin(direct.index)])
    pd.testing.assert_frame_equal(pipe, direct.loc[pipe.index], rtol=1e-9)

    ref = _calc_sc_type_c_ka()
    rel = direct.loc[ref.index, "3ph"] / ref - 1.0
    assert rel.abs().max() <= REL, rel

    open_circuit = _engine(study.net, "open_circuit")
    shift = (direct / open_circuit - 1.0).abs().max()
    assert shift["3ph"] > 0.005 and shift["SLG"] > 0.01, shift  # measured 0.93 %, 1.68 %


def test_study_open_circuit_is_the_default(tmp_path) -> None:
    study = load_study(_study(tmp_path, method="classical"))
    assert study.document.faults.prefault == "open_circuit"
    scen = [s for s in build_scenarios(study.document) if s.is_base][:1]
    assert engine_inputs(study, scen).options["prefault"] == "open_circuit"


@pytest.mark.parametrize("method", ["iec60909", None])
def test_power_flow_with_iec60909_is_refused(tmp_path, method) -> None:
    """IEC 60909 has no pre-fault state: ``prefault: power_flow`` without ``method:
    classical`` is one issue at ``faults`` that says what to set (also when the method is left
    at its default)."""
    path = _study(tmp_path, prefault="power_flow")
    doc = yaml.safe_load(path.read_text())
    if method is None:
        doc["faults"].pop("method")
    else:
        doc["faults"]["method"] = method
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    issues = validate_study(path)
    assert [i.field for i in issues] == ["faults"], [str(i) for i in issues]
    assert "classical" in issues[0].message and "method: classical" in issues[0].fix
    assert issues[0].file.endswith("study.yaml")


def test_unknown_prefault_lists_the_choices(tmp_path) -> None:
    issues = validate_study(_study(tmp_path, method="classical", prefault="flat"))
    assert [i.field for i in issues] == ["faults.prefault"]
    assert "power_flow" in f"{issues[0].message} {issues[0].fix}"


# ------------------------------------------------------------------------------- the CLI


def test_cli_power_flow_on_a_pandapower_json(tmp_path) -> None:
    net_path = tmp_path / "feeder.json"
    pp.to_json(_loaded_net(), net_path)
    out = tmp_path / "f.csv"
    assert main(["faults", str(net_path), "--method", "classical", "--prefault", "power_flow",
                 "--fault-types", "3ph", "SLG", "--cases", "max", "--csv", str(out)]) == 0
    got = pd.read_csv(out).set_index(["bus", "fault_type"])["ikss_ka"].unstack()
    direct = _engine(_loaded_net(), "power_flow")
    pd.testing.assert_frame_equal(got, direct.loc[got.index], rtol=1e-5, check_names=False)
    ref = _calc_sc_type_c_ka()
    rel = got.loc[ref.index, "3ph"] / ref - 1.0
    assert rel.abs().max() <= REL, rel


@pytest.mark.parametrize("kind", ["json", "study"])
def test_cli_power_flow_without_classical_is_bad_input(tmp_path, capsys, kind) -> None:
    if kind == "json":
        source = tmp_path / "feeder.json"
        pp.to_json(_loaded_net(), source)
    else:
        source = _study(tmp_path)  # method: iec60909
    assert main(["faults", str(source), "--prefault", "power_flow"]) == 2
    err = capsys.readouterr().err
    assert "--method classical" in err and "Traceback" not in err


def test_cli_iec60909_overrides_a_power_flow_study(tmp_path) -> None:
    """``--method iec60909`` on a study with ``prefault: power_flow`` runs IEC 60909 (which
    has no pre-fault state) instead of failing in the engine."""
    out = tmp_path / "f.csv"
    path = _study(tmp_path, method="classical", prefault="power_flow")
    assert main(["faults", str(path), "--method", "iec60909", "--fault-types", "3ph",
                 "--csv", str(out)]) == 0
    assert (pd.read_csv(out).ikss_ka > 0).all()


def test_cli_power_flow_on_an_opendss_master_needs_classical(tmp_path, capsys) -> None:
    master = FEEDERS_DIR / "opendss_example" / "Master.dss"
    assert main(["faults", str(master), "--prefault", "power_flow"]) == 2
    assert "--method classical" in capsys.readouterr().err
    out = tmp_path / "f.csv"
    assert main(["faults", str(master), "--method", "classical", "--prefault", "power_flow",
                 "--csv", str(out)]) == 0


def test_opendss_study_passes_prefault_to_the_phase_path(tmp_path, monkeypatch) -> None:
    """On an OpenDSS feeder the same field is the phase path's ``prefault`` (the real phase
    engine runs; the wrapper only records what it was given)."""
    import protv2g.pipeline_dss as pipeline_dss

    src = FEEDERS_DIR / "opendss_example"
    shutil.copytree(src, tmp_path, dirs_exist_ok=True)  # model_curves/ too
    doc = yaml.safe_load((src / "study.yaml").read_text())
    doc["faults"].update(prefault="power_flow", fault_types=["3ph"], cases=["max"])
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    study = load_study(tmp_path / "study.yaml")
    seen = []
    real = pipeline_dss.phase_fault_study

    def recording(*args, **kwargs):
        seen.append(kwargs.get("prefault"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_dss, "phase_fault_study", recording)
    scen = [s for s in build_scenarios(study.document) if s.is_base][:1]
    tables = fault_tables(study, scen, staged=False)
    assert seen == ["power_flow"] and (tables.bus.ikss_ka > 0).all()



@pytest.mark.parametrize(("method", "prefault"), [("classical", "power_flow"),
                                                  ("iec60909", "open_circuit")])
def test_summary_states_the_prefault_state(method, prefault) -> None:
    """The report's assumptions name the classical pre-fault state (no c factors), and the c
    factors only for IEC 60909."""
    from types import SimpleNamespace

    from openpyxl import Workbook

    # the fault-model sections moved to summary_faults.py (Summary split, polish)
    from protv2g.report.summary_faults import assumptions as _assumptions
    from protv2g.report.summary_memo import Memo

    ws = Workbook().active
    result = SimpleNamespace(meta={"method": method, "engine": "e"}, inputs={"document": {
        "faults": {"method": method, "prefault": prefault}}})
    _assumptions(Memo(ws), result)
    pairs = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    if method == "classical":
        assert pairs["Pre-fault state"].startswith("power_flow") and "c-factors" not in pairs
    else:
        assert "IEC 60909-0 Table 1" in pairs["c-factors"] and "Pre-fault state" not in pairs


def test_summary_gives_the_min_case_end_temperature(depot_study) -> None:
    """The Summary names the conductors' temperature of the min case (review s17: "min case
    at end temperature" without the value the engineer needs to reproduce a minimum current,
    IEC 60909-0:2016 eq. 34): the lines' ``endtemp_degree`` (80 °C on the example feeders),
    the phase engine's 80 °C on an OpenDSS feeder."""
    from types import SimpleNamespace

    from openpyxl import Workbook

    import protv2g
    from protv2g.report.summary_faults import assumptions
    from protv2g.report.summary_memo import Memo
    from protv2g.runner import line_end_temperature_text

    from .conftest import FEEDERS_DIR

    assert line_end_temperature_text(depot_study) == "80 °C, every line"
    dss = protv2g.load_study(FEEDERS_DIR / "opendss_example" / "study.yaml")
    assert line_end_temperature_text(dss) == "80 °C, every line"
    ws = Workbook().active
    assumptions(Memo(ws), SimpleNamespace(
        meta={"method": "iec60909", "engine": "e", "line_end_temperature": "80 °C, every line"},
        inputs={"document": {"faults": {"method": "iec60909"}}}))
    pairs = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert "min case at end temperature (80 °C, every line; IEC 60909-0 eq. 34" in pairs[
        "c-factors"]
    # session 37 (rev36b): θe is the minimum current's line resistance, not a cable limit
    assert "not a cable's short-circuit limit, which no check judges" in pairs["c-factors"]
