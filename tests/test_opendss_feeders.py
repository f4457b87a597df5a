"""OpenDSS importer on the IEEE and EPRI reference feeders in ``../shared``.

Comparison quantities and tolerances (issue #5):

* Power flow: pandapower ``runpp`` (balanced, positive sequence) on the imported net against
  the magnitude of OpenDSS's positive-sequence voltage ``|V1|`` at three-phase buses, after an
  OpenDSS snapshot solve whose converged regulator taps the importer keeps. pandapower's
  element models are three-phase symmetric (untransposed coupling and per-phase regulator taps
  cannot be represented), so ``|V1|`` is the honest common quantity. Tolerance 0.01 pu.
* Faults: protv2g's sequence engine, ``method=classical`` on its own pre-fault state (the
  open-circuit voltage of the imported network: taps and winding ratios in the admittances,
  no correction factors; issue #20 item 6) — nothing of OpenDSS's solution is passed in, and
  the currents are compared unscaled — against OpenDSS ``solve mode=faultstudy``: all-phase
  fault current (3ph buses) within 1 %, single-line-to-ground (largest phase) within 2 %
  (issue #20; the balanced pandapower model averages untransposed lines; the phase-domain
  path is checked to 0.5 % in ``test_phase_opendss.py``). Where OpenDSS gives no
  ground-fault current (delta / ungrounded sections), the engine must give none either.

Reference: OpenDSS (EPRI) through opendssdirect.py; feeders from EPRI's electricdss-tst
repository (``../shared/feeders/opendss/LICENSE_electricdss-tst.txt``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandapower as pp
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine import fault_study  # noqa: E402
from protv2g.network.opendss import import_opendss  # noqa: E402
from protv2g.network.opendss_reference import (  # noqa: E402
    opendss_fault_currents,
    opendss_voltages,
)
from protv2g.units import Case, FaultType, Method  # noqa: E402

V1_TOL_PU = 0.01  # issue #5
I3PH_REL_TOL = 0.01  # issue #5
ISLG_REL_TOL = 0.02  # issue #20 (was 5 %, issue #5)
NO_GROUND_CURRENT_A = 1.0  # OpenDSS SLG below this: no ground path

FEEDERS = [
    "13Bus/IEEE13Nodeckt.dss",
    "34Bus/ieee34Mod1.dss",
    "34Bus/ieee34Mod2.dss",
    "ShortCircuitCases/ieee34Mod2_SC_Case_II.dss",
    "37Bus/ieee37.dss",
    "ShortCircuitCases/ieee37_SC_Currents.dss",
    "123Bus/IEEE123Master.dss",
    "ShortCircuitCases/IEEE123Master-SC.dss",
    "DG_Protection/DG_Prot_Fdr.dss",
    "LVTestCase/Master.dss",
]


def _import(shared_dir, rel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return import_opendss(shared_dir / "feeders" / "opendss" / rel)


@pytest.mark.parametrize("rel", FEEDERS)
def test_power_flow_converges(shared_dir, rel) -> None:
    imp = _import(shared_dir, rel)
    assert list(imp.warnings.columns) == ["element", "name", "what", "action"]
    pp.runpp(imp.net)  # raises LoadflowNotConverged otherwise
    assert imp.net.converged


@pytest.mark.parametrize(
    "rel", ["13Bus/IEEE13Nodeckt.dss", "34Bus/ieee34Mod1.dss", "34Bus/ieee34Mod2.dss"]
)
def test_positive_sequence_voltages_match_opendss(shared_dir, rel) -> None:
    """Measured max |ΔV1|: IEEE 13 0.0013 pu, 34 Mod1 0.0020 pu, 34 Mod2 0.0032 pu."""
    imp = _import(shared_dir, rel)
    net = imp.net
    pp.runpp(net)
    ref = opendss_voltages(shared_dir / "feeders" / "opendss" / rel)
    assert ref.converged.all()
    v1 = ref.loc[net.bus.name, "v1_pu"].to_numpy()
    three = ~np.isnan(v1)
    dev = np.abs(net.res_bus.vm_pu.to_numpy()[three] - v1[three])
    assert three.sum() >= 10
    assert dev.max() < V1_TOL_PU


@pytest.mark.parametrize(
    "rel",
    [
        "ShortCircuitCases/ieee34Mod2_SC_Case_II.dss",
        "ShortCircuitCases/ieee37_SC_Currents.dss",
        "ShortCircuitCases/IEEE123Master-SC.dss",
    ],
)
def test_fault_currents_match_opendss(shared_dir, rel) -> None:
    """Measured max deviation 3ph / SLG (unscaled, 2026-12-01): 34 0.78 % / 1.21 % (line
    charging neglected in Y1/Y2: 0.12 % / 0.35 % with it), 37 0.20 % / 0.01 %, 123 0.38 % /
    0.73 % (a flat 1.0 pu pre-fault gave 96 % at the 123's source bus)."""
    path = shared_dir / "feeders" / "opendss" / rel
    imp = _import(shared_dir, rel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fault_study(
            imp.net,
            fault_types=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND],
            cases=[Case.MAX],
            method=Method.CLASSICAL,
        )
    eng = res.bus.set_index(["bus_name", "fault_type"])["ikss_ka"].unstack()
    ref = opendss_fault_currents(path).join(eng)
    scale_a = 1e3  # kA → A only: no scaling by OpenDSS's Voc
    three = ref.n_phases == 3
    i3 = ref["3ph"] * scale_a
    assert np.all(np.abs(i3[three] / ref.i3ph_a[three] - 1.0) < I3PH_REL_TOL)
    islg = ref["SLG"] * scale_a
    grounded = ref.islg_a > NO_GROUND_CURRENT_A
    assert np.all(np.abs(islg[grounded] / ref.islg_a[grounded] - 1.0) < ISLG_REL_TOL)
    assert np.all(islg[~grounded] < NO_GROUND_CURRENT_A)


def test_dg_feeder_devices(shared_dir) -> None:
    imp = _import(shared_dir, "DG_Protection/DG_Prot_Fdr.dss")
    dev = {d["name"]: d for d in imp.devices}
    assert set(dev) == {"a", "b", "d", "f1", "f2"}
    a, b = dev["a"], dev["b"]
    assert a["location"] == {"line": "l1", "end": "from"}
    assert (a["fast_curve"], a["delayed_curve"], a["phase_min_trip_a"]) == ("101", "133", 200.0)
    assert (a["n_fast"], a["n_delayed"], a["reclose_intervals_s"]) == (1, 3, [2.0, 2.0, 5.0])
    assert a["delayed_adder_s"] == 0.042 and a["ground_min_trip_a"] is None
    assert dev["d"]["location"] == {"line": "l5", "end": "from"}
    assert (dev["d"]["fast_curve"], dev["d"]["phase_min_trip_a"]) == ("101", 200.0)
    assert (b["fast_curve"], b["delayed_curve"]) == ("104", "117")
    assert (b["ground_fast_curve"], b["ground_delayed_curve"]) == ("106", "135")
    assert (b["phase_min_trip_a"], b["ground_min_trip_a"], b["phase_inst_a"]) == (
        150.0,
        150.0,
        1000.0,
    )
    assert (b["n_fast"], b["n_delayed"]) == (2, 2)
    for f in ("f1", "f2"):
        assert (dev[f]["kind"], dev[f]["link"], dev[f]["rating_a"]) == ("fuse", "klink", 40.0)
    assert dev["f2"]["location"] == {"line": "lb", "end": "from"}
    curves = {c["name"] for c in imp.curves}
    assert {"101", "104", "106", "117", "133", "135", "klink"} <= curves
    w = imp.warnings
    assert "Relay.lv" in set(w.name)  # voltage relay: dropped, listed
    assert "Fault.flt" in set(w.name)
    assert set(w.loc[w.what.str.startswith("disabled"), "name"]) >= {"Recloser.a", "Fuse.f1"}
