"""Phase-domain fault engine against OpenDSS itself, on the IEEE and EPRI test feeders.

Two references, both OpenDSS (EPRI) through ``opendssdirect.py`` on the same model in the same
state (:func:`protv2g.network.dss_model.load_dss_model`: snapshot power flow with the model's
controls — regulator taps as solved — then OpenDSS's fault-study conventions: loads as constant
admittances at rated voltage, generators behind ``Xdp``):

1. ``solve mode=faultstudy`` (:func:`opendss_fault_study`): at every primary bus and phase
   OpenDSS reports, the three-phase fault's phase current against OpenDSS's all-node ``Isc`` and
   the SLG current against ``|Voc_k/Zsc_kk|``, unscaled, within 0.5 % (issue #15); the IEEE 34
   and 123 short-circuit cases also against issue #20's 1 % (3ph) / 2 % (SLG).
2. A ``Fault`` element placed by OpenDSS and the whole network solved by OpenDSS
   (:func:`opendss_faulted`): every fault type and phase combination at buses of IEEE 13
   (untransposed lines, 1- and 2-phase laterals), fault and device phasors within 0.5 % of the
   largest current (and 0.5°), which checks LL/LLG, angles and the device-current path that the
   fault study does not report.
Measured (this commit): every difference below 1e-7 relative (the engine uses OpenDSS's
admittances; what is checked is the fault calculation, node mapping and state).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import PhaseDevice, phase_fault_study  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.opendss_reference import (  # noqa: E402
    compare_with_fault_study,
    opendss_fault_study,
    opendss_faulted,
)
from protv2g.units import Case, FaultType, Method  # noqa: E402

from .conftest import FEEDERS_DIR  # noqa: E402

REL_TOL = 0.005  # issue #15: 0.5 %
ANG_TOL_DEG = 0.5
FEEDERS = [
    "13Bus/IEEE13Nodeckt.dss",
    "34Bus/ieee34Mod1.dss",
    "34Bus/ieee34Mod2.dss",
    "37Bus/ieee37.dss",
    "123Bus/IEEE123Master.dss",
    "ShortCircuitCases/ieee34Mod2_SC_Case_II.dss",
    "ShortCircuitCases/ieee37_SC_Currents.dss",
    "ShortCircuitCases/IEEE123Master-SC.dss",
    "DG_Protection/DG_Prot_Fdr.dss",
]
#: issue #20 item 6: classical, unscaled, 3ph within 1 %, SLG within 2 %
SC_CASES = {"ShortCircuitCases/ieee34Mod2_SC_Case_II.dss": (0.01, 0.02),
            "ShortCircuitCases/IEEE123Master-SC.dss": (0.01, 0.02)}


def _compare(path):
    model = load_dss_model(path)
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX],
                            fault_types=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND])
    ref, _ = opendss_fault_study(path)
    primary = model.buses.index[model.buses.primary]
    cmp = compare_with_fault_study(res.bus, ref, buses=primary)
    ref_primary = ref[ref.bus.isin(primary)]
    return model, cmp, ref_primary


def _assert_within(cmp, tol_3ph, tol_slg):
    for kind, tol in (("3ph", tol_3ph), ("SLG", tol_slg)):
        d = cmp[cmp.kind == kind]
        worst = d.rel_diff.abs().max()
        assert worst <= tol, d.loc[d.rel_diff.abs().idxmax()].to_dict()
        small = d[d.rel_diff.isna()]  # OpenDSS gives (almost) no current: neither may we
        assert (small.ours_a < 1.0).all(), small


@pytest.mark.parametrize("rel", FEEDERS)
def test_fault_study_matches_opendss(shared_dir, rel):
    model, cmp, ref = _compare(shared_dir / "feeders" / "opendss" / rel)
    _assert_within(cmp, REL_TOL, REL_TOL)
    # every primary bus and phase OpenDSS reports is compared
    assert len(cmp[cmp.kind == "SLG"]) == len(ref)
    assert len(cmp[cmp.kind == "3ph"]) == len(ref[ref.n_phases == 3])
    if rel in SC_CASES:
        _assert_within(cmp, *SC_CASES[rel])


def test_project_example_matches_opendss():
    _, cmp, _ = _compare(FEEDERS_DIR / "opendss_example" / "Master.dss")
    _assert_within(cmp, REL_TOL, REL_TOL)


def _close(ours: complex, ref: complex, scale: float) -> None:
    assert abs(ours - ref) <= REL_TOL * scale, (ours, ref)
    if abs(ref) > 0.02 * scale:
        d = (np.degrees(np.angle(ours) - np.angle(ref)) + 180) % 360 - 180
        assert abs(d) <= ANG_TOL_DEG, (ours, ref)


IEEE13_DEVICES = ["line.650632", "line.632670", "line.670671", "line.671684", "line.684611",
                  "line.684652", "line.632645", "transformer.xfm1"]


@pytest.fixture(scope="module")
def ieee13(shared_dir):
    path = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    model = load_dss_model(path)
    devices = [PhaseDevice(e, e, 1) for e in IEEE13_DEVICES]
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX], r_fault_ohm=0.7,
                            devices=devices, buses=["671", "684", "611", "645", "634"])
    return path, model, res


def _matches_opendss(path, model, res, rows, line_r_scale: float = 1.0) -> int:
    """Each fault row's fault and device phase currents against :func:`opendss_faulted`
    (0.7 Ω) on the same model; returns the number of device phase currents compared."""
    n = 0
    for _, row in rows.iterrows():
        ft, ph, bus = row.fault_type, row.phase, row.bus_name
        ref = opendss_faulted(path, bus, ph, ft != "LL", 0.7, IEEE13_DEVICES,
                              line_r_scale=line_r_scale)
        ours = [row[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(row[f"i{p}_degree"])) for p in ph]
        scale = np.abs(ref["fault"]).max()
        for o, r in zip(ours, ref["fault"], strict=True):
            _close(o, r, scale)
        dev = res.device[(res.device.fault_type == ft) & (res.device.phase == ph)
                         & (res.device.fault_bus_name == bus)].set_index("device")
        for name in IEEE13_DEVICES:
            e = model.element_y(name)
            meas = e.terminal == 1
            cur = ref[name][: meas.sum()]
            scale = max(np.abs(cur).max(), 1.0)
            for j, num in enumerate(e.node_num[meas]):
                if 1 <= num <= 3:
                    p = "abc"[num - 1]
                    o = dev.at[name, f"i{p}_ka"] * 1e3 * np.exp(
                        1j * np.radians(dev.at[name, f"i{p}_degree"]))
                    _close(o, cur[j], scale)
                    n += 1
    return n


@pytest.mark.parametrize("bus", ["671", "684", "611", "645", "634"])
def test_every_fault_type_and_device_matches_an_opendss_fault_element(ieee13, bus):
    path, model, res = ieee13
    rows = res.bus[res.bus.bus_name == bus]
    n_ph = len(model.buses.at[bus, "phases"])
    # 3 phases: 3ph + 3 LL + 3 SLG + 3 LLG; 2 phases: LL + 2 SLG + LLG; 1 phase: SLG
    assert len(rows) == {3: 10, 2: 4, 1: 1}[n_ph]
    assert _matches_opendss(path, model, res, rows) > 0


def test_min_case_heated_lines_match_opendss_with_hot_lines(shared_dir):
    """The classical min case with the lines at 80 °C (resistance × 1.24, IEC 60909-0 eq. 34)
    against OpenDSS solving the same fault on the same model with every line's ``rmatrix``
    × 1.24 (:func:`opendss_faulted` ``line_r_scale``): fault and device currents, every fault
    type at a 3-, 2- and 1-phase bus of IEEE 13 — its loads carry hundreds of amperes, so the
    pre-fault state must be the heated network's (a line's current from its hot admittance
    on the 20 °C voltages was 36 % off; before that, OpenDSS's 20 °C ``Yprim`` on the hot
    voltages, 11 % in the IEC min case — #15, fourth review)."""
    path = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    model = load_dss_model(path)
    devices = [PhaseDevice(e, e, 1) for e in IEEE13_DEVICES]
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MIN], r_fault_ohm=0.7,
                            devices=devices, buses=["671", "645", "611"], endtemp_degree=80.0)
    k = 1.0 + 0.004 * (80.0 - 20.0)
    assert _matches_opendss(path, model, res, res.bus, line_r_scale=k) > 100


def test_faults_only_on_a_bus_own_phases(ieee13):
    _, model, res = ieee13
    b = res.bus
    assert set(b[b.bus_name == "611"].fault_type) == {"SLG"}           # phase c only
    assert set(b[b.bus_name == "611"].phase) == {"c"}
    assert set(b[b.bus_name == "684"].phase) == {"a", "c", "ca"}         # phases a and c
    assert "3ph" not in set(b[b.bus_name == "684"].fault_type)


def test_secondaries_are_reduced_exactly(shared_dir):
    """Primary buses only (default) or every bus: the primary results are the same (the
    secondaries are eliminated exactly, not approximated as loads), and there are fewer
    fault buses (IEEE 8500: 2,522 primary of 4,876)."""
    path = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    model = load_dss_model(path)
    kw = dict(method=Method.CLASSICAL, cases=[Case.MAX])
    prim = phase_fault_study(model, **kw).bus
    every = phase_fault_study(model, secondaries=True, **kw).bus
    assert set(every.bus_name) - set(prim.bus_name) == {"634"}
    both = every.merge(prim, on=["bus_name", "fault_type", "phase"], suffixes=("", "_p"))
    assert len(both) == len(prim)
    assert np.allclose(both.ikss_ka, both.ikss_ka_p, rtol=1e-9)


def test_device_summary_is_the_maximum_of_the_device_table(ieee13):
    _, _, res = ieee13
    full = res.device.assign(i_phase=lambda d: d[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1))
    summ = res.device_summary.set_index(["device", "fault_type"])
    for (dev, ft), g in full.groupby(["device", "fault_type"], observed=True):
        top = g.loc[g.i_phase.idxmax()]
        assert np.isclose(summ.at[(dev, ft), "i_phase_max_ka"], top.i_phase)
        assert np.isclose(summ.at[(dev, ft), "i3i0_max_ka"], g.i3i0_ka.max())
        assert summ.at[(dev, ft), "i_phase_max_bus"] == top.fault_bus_name
