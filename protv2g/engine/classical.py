"""The classical method's network and pre-fault state on a pandapower net (issue #20 item 6).

Helpers of :func:`protv2g.engine.sequence.build_sequence_networks` for ``method="classical"``:
the private copy rewritten so that pandapower's superposition ("type C") builders give the
network at its actual state (taps and winding ratios in the admittances, no c factor, no
``K_T``/``K_G``, loads as constant admittances), and its pre-fault voltage — the open-circuit
voltage (what OpenDSS's fault study calls ``Voc``) or the power flow's:

* no IEC 60909 correction: no c factor in the source impedance (``Z_Q = Un²/S''_kQ``), no
  ``K_T`` (transformers), no ``K_G``/``K_S`` (generators, power-station units: pandapower's
  ``_create_k_updated_ppci`` is not applied);
* transformer taps in the admittances (off-nominal ratio from ``tap_pos``, tap changer tables
  included) and the rated winding voltages against the bus voltages — pandapower's own
  superposition ("type C", ``use_pre_fault_voltage=True``) branch builder; the line charging
  and magnetising admittances it adds are taken out again (neglected as in the ``iec60909``
  network, IEC 60909-0:2016 §6.3.1; zero sequence keeps ``c0`` as before);
* loads (and wards) as constant admittances: at rated voltage with the default
  ``prefault="open_circuit"`` (OpenDSS: ``LoadModel=Admittance``), at the power-flow voltage
  with ``prefault="power_flow"`` (pandapower's type-C load model). Static generators are *not*
  admittances here: the engine models inverter-based sources by their control law. Loads are
  not in the zero-sequence network (pandapower's builder has none);
* the pre-fault voltage is either the open-circuit voltage of that network (every external
  grid an EMF ``vm_pu∠va_degree`` behind ``Z_Q``, every synchronous generator an EMF of
  ``vm_pu`` behind ``Z″``; no fault, no power flow), as OpenDSS's fault study, or the
  power-flow voltages (``pandapower.runpp``, transformer shifts included).

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — FaultStudy mode (loads as admittances, ``Voc`` by a direct solve).
pandapower 3.5.6, ``pandapower.shortcircuit.calc_sc(use_pre_fault_voltage=True)`` — the
type-C element models reused here.
IEC 60909-0:2016 eq. 34 (line resistance at the end temperature, ``α = 0.004 /K``).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandapower as pp

from protv2g.errors import InputError, Issue
from protv2g.units import Case

if TYPE_CHECKING:  # the type only: sequence.py imports this module
    from protv2g.engine.sequence import SequenceData

__all__ = ["Prefault", "PREFAULTS", "prepare_classical", "run_prefault_power_flow",
           "drop_branch_shunts", "add_shunt_admittances", "open_circuit_voltage",
           "power_flow_voltage"]

#: Pre-fault state of the classical method, named as ``protv2g faults --prefault`` names it
#: for OpenDSS masters (:data:`protv2g.engine.phase.system.Prefault`).
Prefault = Literal["open_circuit", "power_flow"]
PREFAULTS: tuple[str, ...] = ("open_circuit", "power_flow")

#: IEC 60909-0:2016 eq. 34: resistance temperature coefficient for the minimum case, 1/K.
ALPHA_IEC_PER_K = 0.004


def prepare_classical(work: pp.pandapowerNet, original: pp.pandapowerNet, case: Case,
                       lv_tol_percent: int) -> None:
    """Rewrite the copy so that pandapower's min-case type-C builders yield the classical
    network: source impedance without c, lines at 20 °C (max) or their end temperature (min),
    static generators out of the load-admittance model (the engine's own sources)."""
    eg = original.ext_grid
    vn = original.bus.loc[eg.bus.values, "vn_kv"].values
    c_min = np.where(vn < 1.0, 0.9 if lv_tol_percent == 10 else 0.95, 1.0)
    s = case.value
    work.ext_grid["s_sc_min_mva"] = eg[f"s_sc_{s}_mva"].values * c_min  # c/(S·c) = 1/S
    for col in ("rx", "x0x", "r0x0"):
        if f"{col}_{s}" in eg.columns:
            work.ext_grid[f"{col}_min"] = eg[f"{col}_{s}"].values
    if len(work.line):
        if case is Case.MAX or "endtemp_degree" not in original.line.columns:
            work.line["endtemp_degree"] = 20.0
        else:
            work.line["endtemp_degree"] = original.line["endtemp_degree"].values
        # the type-C positive-sequence builder reads the operating temperature instead
        work.line["temperature_degree_celsius"] = work.line["endtemp_degree"].values
        work.line["alpha"] = ALPHA_IEC_PER_K
    if len(work.sgen):
        # pandapower's type-C load model would add each sgen as a negative admittance; the
        # engine models inverter-based sources by their control law instead.
        work.sgen["scaling"] = 0.0


def run_prefault_power_flow(work: pp.pandapowerNet) -> None:
    """Power flow on the private copy ``work`` for ``prefault="power_flow"``.

    Run once per study, before :func:`build_sequence_networks` (its builders read
    ``work.res_bus``), with transformer phase shifts in the angles as the sequence networks
    have them.

    Raises
    ------
    InputError
        The power flow does not converge.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pp.runpp(work, calculate_voltage_angles=True, init="auto", trafo_model="pi")
    except pp.LoadflowNotConverged as exc:
        raise InputError(Issue("options", "prefault", f"the power flow for the pre-fault "
                               f"voltages does not converge ({exc})",
                               "use prefault='open_circuit' or make the net's power flow "
                               "converge (pandapower.runpp)")) from exc


def drop_branch_shunts(ppc: dict, ppci: dict) -> None:
    """Line charging and transformer magnetising out of the positive- and negative-sequence
    branches (the type-C builder puts them in): neglected as in IEC 60909-0:2016 §6.3.1 and
    as the ``iec60909`` network has them (the directional elements' hand checks rely on no
    negative-sequence current circulating through capacitance).

    What it costs against OpenDSS's fault study, which keeps line charging (measured
    2026-12-01): 0.003 % instead of 0.0005 % on ``tests/test_classical_prefault``'s 5 km
    feeder; IEEE 34 (24.9 kV, ~60 km of line, Ferranti rise) 0.78 % / 1.21 % (3ph / SLG)
    instead of 0.12 % / 0.35 %; IEEE 37 and 123 within 0.01 % of the same either way."""
    from pandapower.pypower.idx_brch import BR_B, BR_B_ASYM, BR_G, BR_G_ASYM

    for p in (ppc, ppci):
        cols = [c for c in (BR_B, BR_G, BR_B_ASYM, BR_G_ASYM) if c < p["branch"].shape[1]]
        p["branch"][:, cols] = 0.0


def add_shunt_admittances(work: pp.pandapowerNet, ppci: dict) -> None:
    """In-service ``shunt`` elements (capacitor banks, reactors) as constant admittances at
    their rated voltage in the positive- and negative-sequence bus data, as OpenDSS's fault
    study keeps them in ``Y`` (pandapower's short-circuit builders leave them out). The same
    conversion as pandapower's power flow (``_calc_shunts_and_add_on_ppc``):
    ``G + jB = (p_mw − j·q_mvar)·step·(U_bus/U_rated)²`` (MW at 1 pu, ``q_mvar < 0`` a
    capacitor). Not in the zero-sequence network (pandapower's builder has no shunts)."""
    from pandapower.pypower.idx_bus import BASE_KV, BS, GS

    sh = work.shunt
    if not len(sh):
        return
    sh = sh[sh.in_service.values.astype(bool)]
    lookup = np.asarray(work._pd2ppc_lookups["bus"], dtype=np.int64)
    bus = sh.bus.values.astype(np.int64)
    ok = (bus >= 0) & (bus < len(lookup))
    idx = np.full(len(bus), -1, dtype=np.int64)
    idx[ok] = lookup[bus[ok]]
    n = ppci["bus"].shape[0]
    ok &= (idx >= 0) & (idx < n)
    if not ok.any():
        return
    idx = idx[ok]
    step = sh.step.values.astype(float)[ok] if "step" in sh else np.ones(len(idx))
    ratio = (np.real(ppci["bus"][idx, BASE_KV]) / sh.vn_kv.values.astype(float)[ok]) ** 2
    np.add.at(ppci["bus"][:, GS], idx, sh.p_mw.values.astype(float)[ok] * step * ratio)
    np.add.at(ppci["bus"][:, BS], idx, -sh.q_mvar.values.astype(float)[ok] * step * ratio)


def open_circuit_voltage(work: pp.pandapowerNet, pos: SequenceData, ppci: dict,
                          u_unit: np.ndarray) -> np.ndarray:
    """Open-circuit positive-sequence voltage of the classical network, pu (complex).

    ``Y1·V = Σ y_s·E_s``: every in-service external grid an EMF ``vm_pu∠va_degree`` behind
    its short-circuit admittance ``y_Q = 1/Z_Q`` (``Z_Q = Un²/S''_kQ`` split by ``rx``, as
    pandapower's ``_add_ext_grid_sc_impedance`` puts it in ``Y1``), every synchronous
    generator an EMF of its voltage set point ``vm_pu`` behind ``Z″ = R_G + jX″d`` (the
    admittance ``_add_gen_sc_z_kg_ks`` puts in ``Y1``; an unloaded machine's internal voltage
    is its terminal voltage) at the angle of the no-load phasor ``u_unit`` of its bus. ``Y1``
    holds the taps, winding ratios and load admittances, so ``V`` is what OpenDSS's fault
    study calls ``Voc``.
    """
    from pandapower.pypower.idx_bus_sc import BS_GEN, C_MIN, GS_GEN

    n = pos.n_bus
    base_mva = float(ppci["baseMVA"])
    rhs = np.zeros(n, dtype=complex)
    eg = work.ext_grid[work.ext_grid.in_service.values.astype(bool)]
    idx = pos.index(eg.bus.values) if len(eg) else np.zeros(0, dtype=np.int64)
    ok = idx >= 0
    if ok.any():
        eg, idx = eg[ok], idx[ok]
        c = np.real(ppci["bus"][idx, C_MIN])
        z = c / (eg.s_sc_min_mva.values.astype(float) / base_mva)
        x = z / np.sqrt(eg.rx_min.values.astype(float) ** 2 + 1.0)
        y = 1.0 / (eg.rx_min.values.astype(float) * x + 1j * x)
        e = eg.vm_pu.values.astype(float) * np.exp(1j * np.deg2rad(
            eg.va_degree.values.astype(float)))
        np.add.at(rhs, idx, y * e)
    gen = work.gen[work.gen.in_service.values.astype(bool)] if len(work.gen) else work.gen
    if len(gen):
        g_idx = pos.index(gen.bus.values)
        keep = g_idx >= 0
        g_idx, vm = g_idx[keep], gen.vm_pu.values.astype(float)[keep]
        buses, first = np.unique(g_idx, return_index=True)
        y_g = (np.nan_to_num(np.real(ppci["bus"][buses, GS_GEN]))
               + 1j * np.nan_to_num(np.real(ppci["bus"][buses, BS_GEN]))) / base_mva
        rhs[buses] += y_g * vm[first] * u_unit[buses]
    if not np.any(rhs):
        return u_unit.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = pos.solve(rhs)
    return np.asarray(v, dtype=complex)


def power_flow_voltage(work: pp.pandapowerNet, pos: SequenceData,
                        fallback: np.ndarray) -> np.ndarray:
    """The power flow's bus voltages (``work.res_bus``) at the internal buses, pu; buses
    without a result keep ``fallback``."""
    v = fallback.astype(complex).copy()
    res = work.res_bus
    buses = res.index.values.astype(np.int64)
    vm = res.vm_pu.values.astype(float)
    va = res.va_degree.values.astype(float)
    idx = pos.index(buses)
    ok = (idx >= 0) & np.isfinite(vm) & np.isfinite(va)
    v[idx[ok]] = vm[ok] * np.exp(1j * np.deg2rad(va[ok]))
    return v
