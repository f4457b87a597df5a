"""A line-to-line single-phase site in the study file (``phases: 1, phase: ab``), end to end.

Review rev34a W1: on the IEEE 8500 a home charger site on a center-tapped (split-phase 120/240 V)
secondary could only be given on one 120 V leg (line to neutral): 14.4 kW was 120 A on one leg,
and the gate got a C12 voltage fail and a 108 % triplex that vanish with the real 240 V
connection across both legs. Here, on a small feeder written in the test (a 12.47 kV line, a
center-tapped 7.2 kV : 120/120 V transformer as the IEEE 8500's ``CT25``, 50 m of triplex to
``home``):

* the schema and ``init --site BUS.ab`` take ``ab``; ``phases: 3`` with ``phase: ab`` is refused
  naming the field;
* ``validate`` warns that ``phase: a`` on the center-tapped bus is one 120 V leg (fix
  ``phase: ab``); a phase the bus lacks says the nodes are the legs;
* the flow puts ``Generator phases=1 bus1=home.1.2 kv=0.24`` — checked against an independent
  OpenDSS run (the charger as a negative-kW ``Load`` across ``home.1.2``, another element
  class, in a fresh context): both legs' voltages and the triplex current; the current is
  ``P/240 V`` on each leg (hand: 14.4 kW / 240 V = 60 A at 1 pu), half the one-leg current;
* a pandapower study refuses ``phase: ab`` naming ``v2g_sites[i].phase``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

pytest.importorskip("opendssdirect")

from protv2g import load_study  # noqa: E402
from protv2g.errors import InputError  # noqa: E402
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.dss_site_base import split_phase  # noqa: E402
from protv2g.study.plausibility import plausibility_warnings  # noqa: E402
from protv2g.study.schema_sites import V2GSite  # noqa: E402
from protv2g.study_draft.draft import parse_site  # noqa: E402
from tests.test_phase_ll_sites import MASTER  # noqa: E402

STUDY = """name: ll
feeder:
  opendss: master.dss
  adopt_devices: false
devices:
  - name: head
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 300
    curve: IEEE-VI
    time_dial: 2
    ground_pickup_a: 80
    ground_curve: IEEE-VI
    ground_time_dial: 2
    reclose_intervals_s: [3.5]
    interrupting_rating_ka: 12.5
v2g_sites:
  - name: homes1
    bus: home
    phases: 1
    phase: PHASE
    n_chargers: 2
    p_charger_kw: 7.2
    limit_pu: 1.5
    sustained_limit_pu: 1.1
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [light]
  light_load_fraction: 0.3
faults:
  method: iec60909
  r_fault_min_ohm: 20
no_fuses_or_reclosers: true
"""


def _study(folder: Path, phase: str):
    (folder / "master.dss").write_text(MASTER)
    (folder / "study.yaml").write_text(STUDY.replace("PHASE", phase))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(folder / "study.yaml")


def test_schema_and_init_take_a_line_to_line_phase():
    s = V2GSite(name="h", bus="x", n_chargers=2, p_charger_kw=7.2, phases=1, phase="ab")
    assert s.line_to_line and s.conductors == "ab"
    assert not V2GSite(name="h", bus="x", n_chargers=2, p_charger_kw=7.2, phases=1,
                       phase="a").line_to_line
    with pytest.raises(ValueError, match="phases: 1"):
        V2GSite(name="h", bus="x", n_chargers=2, p_charger_kw=7.2, phases=3, phase="ab")
    entry = parse_site("homes1:sx3312692a.ab:2:7.2")
    assert entry == {"name": "homes1", "bus": "sx3312692a", "n_chargers": 2,
                     "p_charger_kw": 7.2, "phases": 1, "phase": "ab"}
    assert parse_site("w:b1.ca:4:11.5")["phase"] == "ca"
    assert parse_site("x:sx3312692a:2:7.2")["bus"] == "sx3312692a"     # 'a' ends the name


def test_one_leg_site_on_a_center_tap_warns_with_the_fix(tmp_path):
    study = _study(tmp_path, "a")
    assert split_phase(study.model, "home") and not split_phase(study.model, "p")
    found = [w for w in plausibility_warnings(study) if w.field == "v2g_sites[0].phase"]
    assert len(found) == 1
    assert "120 V leg" in found[0].message and "120 A" in found[0].message
    assert "'phase: ab'" in found[0].fix


def test_across_both_legs_no_warning(tmp_path):
    study = _study(tmp_path, "ab")
    assert study.document.v2g_sites[0].line_to_line
    assert not [w for w in plausibility_warnings(study) if w.field == "v2g_sites[0].phase"]


def test_a_phase_the_center_tap_lacks_names_the_legs(tmp_path):
    with pytest.raises(InputError) as exc:
        _study(tmp_path, "c")
    text = str(exc.value)
    assert "v2g_sites[0].phase" in text and "120 V legs" in text and "'phase: ab'" in text


def _opendss_reference(path: Path, nodes: str, kv: float, p_kw: float, model):
    """Node voltages (model order) and the triplex's conductor currents of OpenDSS, fresh
    context, the charger as a negative-kW Load between ``nodes`` (``kv`` across it)."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{path}"')
    dss.Text.Command(f"new load.chg bus1=home.{nodes} phases=1 kv={kv} kw={-p_kw} pf=1 "
                     "model=1 status=fixed vminpu=0.5")
    dss.Text.Command("set mode=snapshot")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    names = [n.lower() for n in dss.Circuit.AllNodeNames()]
    raw = np.asarray(dss.Circuit.AllBusVolts())
    v = dict(zip(names, raw[0::2] + 1j * raw[1::2], strict=True))
    dss.Circuit.SetActiveElement("line.tpx")
    c = np.asarray(dss.CktElement.Currents())
    return np.array([v[n] for n in model.node_names]), np.abs(c[0:4:2] + 1j * c[1:4:2])


def test_flow_puts_one_unit_across_both_legs_as_opendss(tmp_path):
    path = tmp_path / "master.dss"
    path.write_text(MASTER)
    model = load_dss_model(path)
    p_kw = 14.4
    eng = DssFlowEngine(model, [DssFlowSite("homes1", "home", "ab", True)])
    # kV between the legs: 2 × the bus base 0.208/√3 (OpenDSS kVBase) = 0.24018
    assert "phases=1 bus1=home.1.2 kv=0.2401777" in eng.commands[0]
    arr = eng.solve(np.array([1.0]), np.array([[p_kw / 1e3]]))
    assert arr.converged.all()
    ref_v, ref_i = _opendss_reference(path, "1.2", 0.240178, p_kw, model)
    base = model.buses.kv_ln.to_numpy(float)[model.node_bus] * 1e3
    np.testing.assert_allclose(np.abs(arr.v_v[0]) / base, np.abs(ref_v) / base, atol=1e-5)
    legs = [model.node_names.tolist().index(f"home.{k}") for k in (1, 2)]
    v_legs = np.abs(arr.v_v[0, legs])
    assert abs(v_legs[0] / v_legs[1] - 1) < 0.01          # the legs rise together
    tpx = eng.branches.index("line.tpx")
    # both legs carry the same current; it is the charger's P/|V12| less the home's own 2 kW
    assert ref_i[0] == pytest.approx(ref_i[1], rel=1e-3)
    assert arr.branch_i_a[0, tpx] == pytest.approx(ref_i.max(), rel=1e-3)
    v12 = abs(arr.v_v[0, legs[0]] - arr.v_v[0, legs[1]])
    assert (p_kw - 2.0) * 1e3 / v12 * 0.9 < arr.branch_i_a[0, tpx] < p_kw * 1e3 / v12 * 1.05
    # against the same power on one 120 V leg: twice the current on that leg
    one = DssFlowEngine(model, [DssFlowSite("homes1", "home", "a")])
    arr1 = one.solve(np.array([1.0]), np.array([[p_kw / 1e3]]))
    assert arr1.branch_i_a[0, tpx] > 1.7 * arr.branch_i_a[0, tpx]


def test_pandapower_study_refuses_a_line_to_line_site(tmp_path):
    src = Path(__file__).resolve().parents[1] / "feeders" / "residential_evening_peak"
    doc = yaml.safe_load((src / "study.yaml").read_text())
    doc["v2g_sites"][0]["phase"] = "ab"
    (tmp_path / "feeder.json").write_text((src / "feeder.json").read_text())
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as exc, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_study(tmp_path / "study.yaml")
    text = str(exc.value)
    assert "v2g_sites[0].phase" in text and "OpenDSS" in text


def test_init_marks_a_one_leg_site_on_a_center_tap(tmp_path):
    """``init --site homes1:home.a`` writes a TODO on ``phase`` (one 120 V leg; ``ab`` for a
    240 V charger); ``home.ab`` writes none and the study loads with a line-to-line site."""
    from protv2g.study_draft.draft import draft_study

    (tmp_path / "master.dss").write_text(MASTER)
    texts = {}
    for ph in ("a", "ab"):
        d = draft_study(tmp_path / "master.dss", study_dir=tmp_path,
                        sites=[parse_site(f"homes1:home.{ph}:2:7.2")])
        texts[ph] = d.text
    line = next(t for t in texts["a"].splitlines() if t.strip().startswith("phase:"))
    assert "TODO" in line and "120 V leg" in line and "'phase: ab'" in line
    line = next(t for t in texts["ab"].splitlines() if t.strip().startswith("phase:"))
    assert line.split("#")[0].strip() == "phase: ab" and "TODO" not in line
