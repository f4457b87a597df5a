"""IEC 60909 pre-fault state of the phase path: balanced at three-phase buses (review rev31b M1).

The equivalent voltage source ``c·Un/√3`` acts in the positive-sequence system alone (IEC
60909-0:2016 §4.3.1.1, §6). protv2g took each phase node's angle from OpenDSS's loaded
open-circuit state; with unbalanced loads those angles carry a zero- and negative-sequence part,
which the relay voltages kept while the IEC device currents are the fault's change only. On EPRI
ckt24 the head's 3V0 was 0.0022 pu off, and |V0|/|I0| there scattered 2.69–2.89 Ω instead of
the 45 MVA Dyn bank's K_T·Z_T = 2.763 Ω (max case) for faults behind 1-phase step transformers.

Right values: opendssdirect on the same file (loads out, ``Vsource pu = c_min = 1.0``, a
``Fault`` element of the same resistance; lines at 20 °C: ``endtemp_degree=None``), and the
substation transformer's zero-sequence impedance by hand — its leakage impedance, a Dyn bank
being the only zero-sequence path upstream of the head (Anderson 1995, ch. 3): ``(0.007 +
j0.10)·12.47²/20 Ω``, × ``K_T = 0.95·1.1/(1 + 0.6·0.10)`` in the max case (eq. 12a).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from protv2g.engine.phase.prefault import balanced_units, prefault_voltage
from protv2g.engine.phase.study import PhaseDevice, phase_fault_study
from protv2g.engine.phase.system import build_system
from protv2g.network.dss_model import load_dss_model
from protv2g.units import Case, FaultType, Method

CASE = Path(__file__).parent / "data" / "phase_cases" / "step_transformer_unbalanced_load.dss"
A = np.exp(2j * np.pi / 3)
Z_SUB_OHM = (0.007 + 0.10j) * 12.47**2 / 20
KT_SUB = 0.95 * 1.1 / (1 + 0.6 * 0.10)
V_LN = 12470 / np.sqrt(3)
R_MIN_OHM = 5.0


def _head(path, cases, buses, **kw):
    model = load_dss_model(path, **kw.pop("load", {}))
    res = phase_fault_study(model, fault_types=[FaultType.SINGLE_LINE_GROUND], cases=cases,
                            r_fault_min_ohm=R_MIN_OHM, endtemp_degree=None,
                            devices=[PhaseDevice("head", kw.pop("element", "line.head"), 1)],
                            buses=buses, **kw)
    names = res.bus_names[res.rows.bus]
    return res, names


def test_balanced_units_keep_only_the_positive_sequence():
    rng = np.random.default_rng(3)
    u = np.exp(1j * (np.radians([-7.0, -128.0, 111.0]) + rng.normal(0, 0.02, (5, 3))))
    w = balanced_units(u)
    assert np.allclose(np.abs(w), 1.0)
    assert np.allclose(w.sum(axis=1), 0.0, atol=1e-12)                  # no V0
    assert np.allclose(w[:, 0] + A * A * w[:, 1] + A * w[:, 2], 0.0, atol=1e-12)  # no V2
    u1 = u[:, 0] + A * u[:, 1] + A * A * u[:, 2]
    assert np.allclose(np.angle(w[:, 0]), np.angle(u1))                # V1's angle kept
    reversed_seq = np.exp(1j * np.radians([[0.0, 120.0, -120.0]]))
    assert np.allclose(balanced_units(reversed_seq), reversed_seq)      # not a–b–c: kept


def test_iec_prefault_has_no_zero_sequence_at_three_phase_buses():
    model = load_dss_model(CASE)
    system = build_system(model, Method.IEC60909, model.buses.primary.to_numpy(), case=Case.MAX)
    v = prefault_voltage(system, Method.IEC60909, Case.MAX, 10)
    three = system.phase_node[np.all(system.phase_node >= 0, axis=1)]
    assert len(three) >= 3
    assert np.abs(v[three].sum(axis=1)).max() <= 1e-9 * V_LN
    assert np.allclose(np.abs(v[three[1:]]), 1.1 * V_LN)             # 12.47 kV buses
    # the loaded open-circuit state is unbalanced (what made the old pre-fault V0)
    u = system.v_open[three]
    assert np.abs((u / np.abs(u)).sum(axis=1)).max() > 0.01


pytest.importorskip("opendssdirect")


def _opendss_head(bus: str, phase: int) -> tuple[complex, complex]:
    """3I0 (A) and 3V0 (V) at line.head, terminal 1, for an SLG through R_MIN_OHM (c = 1.0)."""
    import opendssdirect as dss

    dss.Text.Command(f"redirect {CASE}")
    dss.Text.Command("batchedit load..* enabled=no")
    dss.Text.Command("vsource.source.pu=1.0")
    dss.Text.Command(f"new fault.f bus1={bus}.{phase} phases=1 r={R_MIN_OHM}")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("line.head")
    c = dss.CktElement.Currents()
    dss.Circuit.SetActiveBus("sub")
    v = dss.Bus.Voltages()
    return (sum(complex(c[2 * k], c[2 * k + 1]) for k in range(3)),
            sum(complex(v[2 * k], v[2 * k + 1]) for k in range(3)))


def test_head_v0_and_i0_match_opendss_behind_a_step_transformer():
    """Before: 3V0 at the head 270.5 V (OpenDSS 110.7 V) for the fault at ``lo`` behind the
    step transformer, |V0/I0| 0.51–1.99 Ω over the faults; now within 0.15 % of OpenDSS
    (the rest: the step ratio 7.2 kV against 12.47/√3, and 4.16 kV's base) and |Z_SUB|."""
    res, names = _head(CASE, [Case.MIN], ["b1", "b2", "lo", "lo2"])
    i3 = res.device_i_abc_a[0, 0, 0].sum(axis=1)
    v3 = res.device_v_abc_pu[0, 0, 0].sum(axis=1) * V_LN
    assert {"lo", "lo2"} <= set(names)
    for k, name in enumerate(names):
        ref_i, ref_v = _opendss_head(name, "abc".index(res.rows.label[k]) + 1)
        assert abs(abs(i3[k]) / abs(ref_i) - 1) <= 0.0015, name
        assert abs(abs(v3[k]) / abs(ref_v) - 1) <= 0.0015, name
        z = v3[k] / i3[k]
        assert abs(z / (ref_v / ref_i) - 1) <= 1e-3, name
        assert abs(abs(z) / abs(Z_SUB_OHM) - 1) <= 1e-3, name


def test_head_v0_over_i0_is_the_corrected_bank_impedance_in_the_max_case():
    res, names = _head(CASE, [Case.MAX], ["b1", "b2", "lo", "lo2"])
    z = (res.device_v_abc_pu[0, 0, 0].sum(axis=1) * V_LN
         / res.device_i_abc_a[0, 0, 0].sum(axis=1))
    assert np.allclose(-z, KT_SUB * Z_SUB_OHM, rtol=1e-3), z


def test_ckt24_head_v0_over_i0_is_the_bank_z0_behind_step_transformers(shared_dir):
    """Review rev31b: ckt24's head (line fdr_05410) for SLGs on the 34.5 kV feeder and behind
    1-phase step transformers (n284034, n274196, n312568). Before: |V0/I0| 2.69–2.89 Ω (max)
    and 2.49–3.07 Ω (min); n284034 SLG-b max 3V0 0.0416 pu (now 0.0427 pu, OpenDSS with IEC's
    K_T on both transformers: 3I0 × 2.763 Ω). After: one value per case — the 45 MVA bank's
    Z0, K_T·|Z_T| = 2.7627 Ω (max) and |Z_T| = 2.8123 Ω (min)."""
    path = shared_dir / "feeders" / "opendss" / "real" / "EPRI_ckt24" / "master_ckt24.dss"
    res, names = _head(path, [Case.MAX, Case.MIN], ["05410", "n292753", "n284034", "n274196",
                                                    "n312568"], element="line.fdr_05410")
    base = 34500 / np.sqrt(3)
    z = np.abs(res.device_v_abc_pu[0, :, 0].sum(axis=2) * base
               / res.device_i_abc_a[0, :, 0].sum(axis=2))
    live = np.abs(res.device_i_abc_a[0, :, 0].sum(axis=2)) > 1.0
    assert np.allclose(z[0][live[0]], 2.7627, rtol=5e-4)
    assert np.allclose(z[1][live[1]], 2.8123, rtol=5e-4)
    k = np.flatnonzero((names == "n284034") & (res.rows.label == "b"))[0]
    assert abs(abs(res.device_v_abc_pu[0, 0, 0, k].sum()) - 0.0427) <= 5e-4
