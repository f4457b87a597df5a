"""Device currents and voltages of the phase engine (:mod:`protv2g.engine.phase.terminals`).

Reference: on IEEE 13's fault system, for each fault row the voltage change ``ΔV = Z·J`` at
every node of a device's element (the rows ``Z[extra, :]`` the engine solved, ``J`` the fault
currents drawn at the faulted nodes and the site currents injected at the site nodes), and
each device's current ``Yprim_τ[measured, :]·V_element`` (``ΔV``, plus the pre-fault voltage
for the classical method) conductor by conductor — the definition, without the transfer rows
``W = Yprim_τ·Z[element nodes, :]`` the engine forms (``Z`` itself is checked against
OpenDSS in ``test_phase_opendss.py``).
The operator is linear, so random fault and site currents check it (no law solved). Both
entry points: the device table (``fill``, with voltages) and a later stage's magnitudes on
chosen (device, row) pairs (``magnitudes``).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase.faults import fault_rows, faulted_live  # noqa: E402
from protv2g.engine.phase.first_cycle import Prepared, site_node_map  # noqa: E402
from protv2g.engine.phase.stages import magnitudes_a  # noqa: E402
from protv2g.engine.phase.study import PhaseDevice  # noqa: E402
from protv2g.engine.phase.system import build_system, prefault_voltage  # noqa: E402
from protv2g.engine.phase.terminals import Terminals  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

DEVICES = ["line.650632", "line.632670", "line.670671", "line.671684", "line.684611",
           "line.684652", "line.632645", "transformer.xfm1"]


@pytest.mark.parametrize("method", [Method.IEC60909, Method.CLASSICAL])
def test_device_currents_are_yprim_times_element_voltages(shared_dir, method):
    model = load_dss_model(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    tab = model.buses
    wanted = tab.primary.to_numpy() & tab.energized.to_numpy()
    system = build_system(model, method, wanted)
    devices = [PhaseDevice(e, e, 1) for e in DEVICES]
    elements = [model.element_y(e) for e in DEVICES]
    sites = [("675", "abc"), ("652", "a")]
    prep = Prepared(system, Terminals(system, elements, devices),
                    site_node_map(system, model, sites))
    has = np.array([[p in ph for p in "abc"] for ph in tab.phases], dtype=bool)
    rows = fault_rows(np.flatnonzero(wanted), has[wanted], tuple(FaultType))
    node = system.phase_node[rows.bus[:, None], np.arange(3)[None, :]]
    live = faulted_live(rows, node).any(axis=1)
    cpos = np.concatenate([prep.site_nodes[s] for s in sites])
    rng = np.random.default_rng(4)
    r = len(rows)
    i_p = 500 * (rng.normal(size=(r, 3)) + 1j * rng.normal(size=(r, 3)))
    i_c = 50 * (rng.normal(size=(r, len(cpos))) + 1j * rng.normal(size=(r, len(cpos))))
    i_p[7] = np.nan                                   # an unconverged row
    v0 = prefault_voltage(system, method, Case.MAX, 10)
    d_n = len(devices)
    i_out = np.full((d_n, r, 3), 7.0 + 0j)
    v_out = np.zeros((d_n, r, 3), complex)
    prep.terminals.fill(i_out, v_out, rows, live, node, v0, i_p, i_c, cpos, method,
                        tr=prep.device_transfer())

    extra, z_rows, _ = prep.transfer()
    base_v = tab.kv_ln.to_numpy() * 1e3
    ref_i = np.zeros((d_n, r, 3), complex)
    ref_v = np.full((d_n, r, 3), np.nan, complex)
    for k in range(r):
        j = np.zeros(len(system.nodes), complex)
        for p in np.flatnonzero(rows.phases[k] & (node[k] >= 0)):
            j[node[k, p]] -= i_p[k, p]
        j[cpos] += i_c[k]
        dv = np.zeros(len(system.nodes), complex)
        dv[extra] = z_rows @ j                       # ΔV at the element and site nodes
        for d, (dev, e) in enumerate(zip(devices, elements, strict=True)):
            sys_n = np.where(e.node >= 0, system.local[np.maximum(e.node, 0)], -1)
            on = sys_n >= 0
            v_e = np.where(on, dv[np.maximum(sys_n, 0)], 0)
            if method is Method.CLASSICAL:
                v_e = v_e + np.where(on, v0[np.maximum(sys_n, 0)], 0)
            y = system.element_yprim(e)
            bus_v = base_v[model.bus_index([e.buses[dev.terminal - 1]])[0]]
            for c in np.flatnonzero(e.terminal == dev.terminal):
                ph = int(e.node_num[c]) - 1
                if 0 <= ph <= 2:
                    ref_i[d, k, ph] = y[c] @ v_e if live[k] else 0.0
                    if on[c]:
                        ref_v[d, k, ph] = (v0[sys_n[c]] + dv[sys_n[c]]) / bus_v
    ref_i[:, 7] = np.nan
    ref_v[:, 7] = np.nan
    scale = np.nanmax(np.abs(ref_i))
    assert scale > 100.0
    np.testing.assert_allclose(i_out, ref_i, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(v_out, ref_v, rtol=0, atol=1e-9)
    # a later stage's magnitudes on some (device, row) pairs: the same currents
    pairs = np.sort(rng.choice(d_n * r, size=d_n * r // 3, replace=False))
    got = prep.terminals.magnitudes(i_p, i_c, tr=prep.device_transfer(), rows=rows,
                                    live=live, node=node, v0=v0, cpos=cpos, method=method,
                                    pairs=pairs)
    want = magnitudes_a(ref_i.reshape(-1, 3)[pairs])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * scale)
