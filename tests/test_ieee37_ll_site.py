"""IEEE 37 (4.8 kV delta, no neutral) with a single-phase site between two phases.

Before line-to-line sites, IEEE 37 refused every single-phase site (a line-to-neutral unit has
no neutral on a 3-wire bus: ``flow/opendss_ground.line_to_neutral_issue``). A unit between two
phases needs none: ``phase: ca`` at bus 740 (as the feeder's own delta loads ``S740c`` on
``740.3.1``) now loads, flows and faults.

References: the hand rated current ``S/V_LL`` = 1.2 × 0.5 MVA / 4.8 kV = 125 A; an independent
OpenDSS run (fresh context, the charger as a negative-kW delta ``Load`` on ``740.3.1``, kV 4.8)
for the flow's node voltages.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from protv2g import load_study
from protv2g.engine import ChargerSource
from protv2g.engine.phase import PhaseSite, phase_fault_study
from protv2g.errors import InputError
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite
from protv2g.network.dss_model import load_dss_model
from protv2g.units import Case, FaultType, Method
from tests.conftest import need_dss_master

STUDY = """name: ieee37-ll
feeder:
  opendss: 37Bus/ieee37.dss
  adopt_devices: false
devices:
  - name: head
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 600
    curve: IEEE-VI
    time_dial: 2
    ground_pickup_a: 200
    ground_curve: IEEE-VI
    ground_time_dial: 2
    interrupting_rating_ka: 12.5
v2g_sites:
  - {name: ws, bus: "740", phases: 1, phase: PHASE, n_chargers: 5, p_charger_kw: 100,
     limit_pu: 1.2, sustained_limit_pu: 1.1}
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [light]
faults:
  method: iec60909
no_fuses_or_reclosers: true
"""


@pytest.fixture(scope="module")
def master(shared_dir):
    return need_dss_master(shared_dir / "feeders" / "opendss" / "37Bus" / "ieee37.dss")


def _study(master, folder, phase):
    # the master and the line codes its own IEEELineCodes.DSS redirects from the folder above
    shutil.copytree(master.parent, folder / "37Bus")
    shutil.copy(master.parent.parent / "IEEELineCodes.DSS", folder / "IEEELineCodes.DSS")
    (folder / "study.yaml").write_text(STUDY.replace("PHASE", phase))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(folder / "study.yaml")


def test_line_to_line_site_loads_where_line_to_neutral_is_refused(master, tmp_path):
    (tmp_path / "ln").mkdir()
    with pytest.raises(InputError, match="phase: ab"):     # the fix now offered
        _study(master, tmp_path / "ln", "c")
    study = _study(master, tmp_path, "ca")
    assert study.document.v2g_sites[0].line_to_line


def test_fault_study_rates_the_unit_on_4_8_kv(master):
    model = load_dss_model(master)
    site = PhaseSite(ChargerSource("ws", -1, 0.5, limit_pu=1.2, p_pre_mw=0.4), "740", "ca",
                     line_to_line=True)
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX],
                            fault_types=[FaultType.LINE_LINE, FaultType.THREE_PHASE],
                            buses=["740", "702"], scenarios={"v2g": [site]},
                            charger_model="frozen_pll")
    c = res.charger
    rated = 1.2 * 0.5e6 / 4800.0                              # 125 A: S/V_LL, by hand
    assert np.allclose(c.ia_ka * 1e3, rated, rtol=1e-3)
    assert np.allclose(c.ic_ka * 1e3, rated, rtol=1e-3)
    assert (c.ib_ka == 0).all()
    ia = c.ia_ka * np.exp(1j * np.radians(c.ia_degree))
    ic = c.ic_ka * np.exp(1j * np.radians(c.ic_degree))
    assert np.allclose(ia + ic, 0, atol=1e-9)                  # KCL: no neutral
    assert not res.unconverged.any()


def test_flow_matches_opendss_with_a_delta_load(master):
    import opendssdirect

    model = load_dss_model(master)
    eng = DssFlowEngine(model, [DssFlowSite("ws", "740", "ca", True)])
    assert "phases=1 bus1=740.3.1 kv=4.8" in eng.commands[0]
    arr = eng.solve(np.array([1.0]), np.array([[0.4]]))
    assert arr.converged.all()
    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{master}"')
    dss.Text.Command("new load.chg bus1=740.3.1 phases=1 conn=delta kv=4.8 kw=-400 pf=1 "
                     "model=1 status=fixed vminpu=0.5")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    names = [n.lower() for n in dss.Circuit.AllNodeNames()]
    raw = np.asarray(dss.Circuit.AllBusVolts())
    v = dict(zip(names, raw[0::2] + 1j * raw[1::2], strict=True))
    ref = np.array([v[n] for n in model.node_names])
    base = model.buses.kv_ln.to_numpy(float)[model.node_bus] * 1e3
    np.testing.assert_allclose(np.abs(arr.v_v[0]) / base, np.abs(ref) / base, atol=2e-4)
