"""``iter_fault_study``: every bus × fault type × case × scenario, streamed slice by slice."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandapower as pp

from protv2g.engine.chargers import ChargerSource, charger_arrays, structure_key
from protv2g.engine.row_slices import high_sets, high_slice, row_slice, same_first_cycle
from protv2g.engine.sequence import (
    PREFAULTS,
    Prefault,
    network_builder,
)
from protv2g.engine.slices import FaultSlice, make_slice
from protv2g.engine.solve import CaseSolver
from protv2g.engine.validate import check_devices, check_sc_data
from protv2g.errors import InputError, Issue
from protv2g.network.dss_model import PRIMARY_KV_LL
from protv2g.units import Case, ChargerControl, ChargerMode, FaultType, Method

__all__ = ["DeviceTerminal", "FaultSlice", "iter_fault_study"]

SQRT3 = np.sqrt(3.0)


@dataclass(frozen=True)
class DeviceTerminal:
    """Where a protective device measures.

    Current is measured at ``bus`` (one end of the element, a pandapower bus index), positive
    when it flows from ``bus`` into the element ("forward" = away from the substation when
    ``bus`` is the upstream end).
    """

    name: str
    element: Literal["line", "trafo"]
    element_index: int
    bus: int


def _bus_names(net: pp.pandapowerNet, buses: np.ndarray) -> np.ndarray:
    names = net.bus.loc[buses, "name"].values if "name" in net.bus else [None] * len(buses)
    return np.array([str(n) if n is not None and str(n) not in ("", "nan", "None") else str(b)
                     for n, b in zip(names, buses, strict=True)], dtype=object)


def _device_branches(net: pp.pandapowerNet, devices: Sequence[DeviceTerminal],
                     branch_lookup: dict) -> tuple[np.ndarray, np.ndarray]:
    rows = np.zeros(len(devices), dtype=np.int64)
    use_to = np.zeros(len(devices), dtype=bool)
    for i, d in enumerate(devices):
        table = net[d.element]
        pos = table.index.get_loc(d.element_index)
        rows[i] = branch_lookup[d.element][0] + pos
        ends = ("from_bus", "to_bus") if d.element == "line" else ("hv_bus", "lv_bus")
        use_to[i] = int(table.at[d.element_index, ends[1]]) == int(d.bus)
    return rows, use_to


ChargerModel = Literal["control_law", "frozen_pll", "iterate"]
DeviceVoltages = Literal["all", "first_cycle", "none"]
Keep = Literal["full", "summary"]


def _solve_scenarios(solver, ft, zf_pu, pre, scenarios, params, frozen, staged,
                     first_cycle_s, device_terms: bool = True, first: dict | None = None
                     ) -> dict:
    """Every scenario of one (case, fault type): no-charger and frozen-PLL scenarios one by
    one, control-law scenarios grouped by site structure into one Newton solve each
    (``first``: name → (sites, first-cycle stage) of the other bracket, for ``solve_group``)."""
    out, groups = {}, {}
    for name in scenarios:
        p, cpos = params[name]
        if p is None or frozen[name]:
            out[name] = solver.solve(ft, zf_pu, pre, p, cpos, frozen=frozen[name],
                                     staged=staged, first_cycle_s=first_cycle_s,
                                     device_terms=device_terms)
        else:
            groups.setdefault((tuple(cpos), structure_key(p)), []).append(name)
    for (cpos, _), names in groups.items():
        fc = [first[n] for n in names] if first and all(n in first for n in names) else None
        res = solver.solve_group(ft, zf_pu, pre, [params[n][0] for n in names],
                                 np.array(cpos, dtype=np.int64), staged=staged,
                                 first_cycle_s=first_cycle_s, device_terms=device_terms,
                                 first_cycle=fc)
        out.update(zip(names, res, strict=True))
    return out


def _min_case_sets(sets: Mapping[str, Sequence[ChargerSource]]
                   ) -> dict[str, tuple[ChargerSource, ...]]:
    """``sets`` with every max-case-only source ceased (0 A, no pre-fault power)."""
    return {k: tuple(replace(c, mode=ChargerMode.CEASED, p_pre_mw=0.0, q_pre_mvar=0.0)
                     if c.max_case_only else c for c in v) for k, v in sets.items()}


def _frozen_ok(chs: Sequence[ChargerSource]) -> bool:
    """The frozen-PLL superposition is exact for grid-following chargers without ``k2``."""
    return all(ChargerControl(c.control) is ChargerControl.GRID_FOLLOWING and c.k2 == 0
               for c in chs)


def iter_fault_study(net: pp.pandapowerNet, *,
                     fault_types: Sequence[FaultType] = tuple(FaultType),
                     cases: Sequence[Case] = (Case.MAX, Case.MIN),
                     method: Method = Method.IEC60909, r_fault_ohm: float = 0.0,
                     x_fault_ohm: float = 0.0, r_fault_min_ohm: float | None = None,
                     scenarios: Mapping[str, Sequence[ChargerSource]] | None = None,
                     devices: Sequence[DeviceTerminal] = (), buses: Sequence[int] | None = None,
                     v_pre_pu: Mapping[int, complex] | np.ndarray | None = None,
                     lv_tolerance_percent: int = 10, dtype: type = np.complex128,
                     charger_model: ChargerModel = "control_law",
                     reduce: bool = False, staged: bool = True,
                     first_cycle_s: float | None = None,
                     prefault: Prefault = "open_circuit",
                     device_voltages: DeviceVoltages = "all",
                     device_min_a: float | None = None,
                     device_rows: Mapping[tuple[str, Case, FaultType], np.ndarray] | None = None,
                     high_scenarios: Mapping[str, Sequence[ChargerSource]] | None = None,
                     networks: dict | None = None,
                     high_same_columns: bool = False) -> Iterator[FaultSlice]:
    """Stream the results of :func:`fault_study` one (scenario, case, fault type) at a time.

    Memory stays at ``O(buses · devices)`` (one slice plus the per-case transfer arrays,
    ``6·D·m`` complex numbers) whatever the number of scenarios; with ``reduce=True`` a slice
    holds only per-device maxima (no ``D × m`` arrays are written at all).

    Parameters
    ----------
    net, fault_types, cases, method, r_fault_ohm, x_fault_ohm, r_fault_min_ohm, scenarios,
    devices, buses, v_pre_pu, lv_tolerance_percent, dtype, prefault
        As :func:`fault_study`.
    charger_model : {"control_law", "frozen_pll"}
        ``control_law`` (default; ``"iterate"`` is an alias): each site's control law solved
        at every fault bus with the PLL tracking its terminal voltage (Newton on the site
        currents, :mod:`.newton`), stage by stage (:mod:`.staging`). ``frozen_pll``: every
        grid-following charger injects its first-cycle limit at its pre-fault voltage angle
        (the PLL frozen at fault inception) for the whole fault — a fixed current source, so
        its effect on every bus is one sparse solve per scenario, exact by superposition (cost
        independent of the number of chargers); one stage. Scenarios with grid-forming
        chargers or ``k2 > 0`` use the control law anyway.
    reduce : bool
        Only per-device maxima over the fault buses (``device_max_ka``, per stage).
    staged : bool
        Solve the stages after the first cycle (sustained, after each trip); ``False``: the
        first cycle held (the high bracket) only.
    first_cycle_s : float, optional
        Duration of the first-cycle stage; default one cycle, ``1/net.f_hz``.
    device_voltages : {"all", "first_cycle", "none"}
        Stages whose device voltages are computed (full slices only): every stage (default),
        the first cycle only (``staged_device_v_012_pu`` then holds that stage alone: what a
        study's kept rows read, :mod:`.device_rows`) or none (``device_v_012_pu`` and
        ``staged_device_v_012_pu`` are ``None``: the chargers' other bracket needs currents
        only). Each stage's voltages cost as much as its currents.
    device_min_a : float, optional
        Full slices in **row form** (``FaultSlice.device_pos``): only the device rows where
        the device sees at least this current in the first cycle
        (:func:`~protv2g.engine.device_rows.device_row_kept`), or the rows ``device_rows``
        gives for the slice's ``(scenario, case, fault type)``; later stages and voltages are
        computed at those rows only (:func:`~protv2g.engine.device_rows.kept_device_arrays`).
    device_rows : mapping, optional
        With ``device_min_a``: the flat positions to keep per slice instead of the rule.
    high_scenarios : mapping, optional
        With ``device_min_a``: the chargers' **other bracket** — the same keys and chargers
        (same buses, control and ``k2``) with other limits. Each of its slices is solved
        right after the scenario's own (same sequence networks and factorisation; its own
        Newton solves), at the scenario's kept rows, currents only, and yielded with
        ``high_bracket=True`` (#21: a second call rebuilt and refactorised every case).
    networks : dict, optional
        Sequence networks kept by the caller between calls on the same net
        (:func:`~protv2g.engine.sequence.network_builder`).
    high_same_columns : bool
        With ``high_scenarios``: each of its slices holds only the scenario's kept rows at the
        fault buses whose inputs differ from the scenario's own slice
        (:func:`~protv2g.engine.row_slices.differing_columns`; the others are the scenario's
        own rows, bit for bit), ``FaultSlice.device_of_rows`` saying which (#21: what
        ``fault_study(high_rows="differing")`` keeps; default ``False``: every kept row).

    Yields
    ------
    FaultSlice
        Case by case, fault type by fault type; within a (case, fault type) the scenarios
        come in no guaranteed order (reduced scenarios are batched).

    Raises
    ------
    InputError
        As :func:`fault_study`.
    """
    fault_types = tuple(FaultType(f) for f in fault_types)
    cases = tuple(Case(c) for c in cases)
    method = Method(method)
    if device_voltages not in ("all", "first_cycle", "none"):
        raise InputError(Issue("options", "device_voltages", f"unknown {device_voltages!r}",
                               "use 'all', 'first_cycle' or 'none'"))
    if charger_model not in ("control_law", "iterate", "frozen_pll"):
        raise InputError(Issue("options", "charger_model", f"unknown {charger_model!r}",
                               "use 'control_law' or 'frozen_pll'"))
    if first_cycle_s is None:
        first_cycle_s = 1.0 / float(getattr(net, "f_hz", 60.0) or 60.0)
    scenarios = {"base": ()} if not scenarios else {k: tuple(v) for k, v in scenarios.items()}
    high = high_sets(scenarios, high_scenarios, device_min_a is not None and not reduce)
    zero = any(f in (FaultType.SINGLE_LINE_GROUND, FaultType.DOUBLE_LINE_GROUND)
               for f in fault_types)
    fault_buses = _validate(net, cases, method, zero, devices, v_pre_pu, lv_tolerance_percent,
                            buses, scenarios, prefault)
    frozen = {k: charger_model == "frozen_pll" and _frozen_ok(v) for k, v in scenarios.items()}
    frozen_h = {k: charger_model == "frozen_pll" and _frozen_ok(v) for k, v in high.items()}
    all_chargers = sorted({int(c.bus) for chs in scenarios.values() for c in chs})
    charger_buses = np.array(all_chargers, dtype=np.int64)
    need_neg = any(c.k2 > 0 or str(c.control) == "grid_forming"
                   for chs in scenarios.values() for c in chs)
    need_rows = any(len(v) and not frozen[k] for k, v in scenarios.items())
    dev_buses = np.array([d.bus for d in devices], dtype=np.int64)
    # ONE private copy per call (pandapower's builders write into it), or the caller's networks
    build = network_builder(net, method, zero_sequence=zero, lv_tol_percent=lv_tolerance_percent,
                            prefault=prefault, networks=networks)
    any_max_only = any(c.max_case_only for chs in scenarios.values() for c in chs)
    m, d = len(fault_buses), len(devices)
    pool: dict = {}  # work arrays handed from one case's solver to the next
    params: dict = {}
    params_base = None
    for case in cases:
        cn = build(case)
        _check_islands(net, cn, fault_buses, charger_buses, dev_buses)
        rows, use_to = _device_branches(net, devices, cn.branch_lookup)
        solver = CaseSolver(cn, fault_buses, rows, use_to, dev_buses, charger_buses, need_neg,
                            charger_rows=need_rows,
                            voltages=not reduce and device_voltages != "none",
                            pool=pool)
        v_int = _v_pre_internal(cn, net, v_pre_pu, method)
        pre = solver.pre_fault(v_int)
        v1_dev = _device_v1_pre(cn, dev_buses, v_int)
        z_base_f = solver.base_kv_f**2 / cn.base_mva
        i_base_f = cn.base_mva / (SQRT3 * solver.base_kv_f)
        i_base_d = cn.base_mva / (SQRT3 * solver.dev_base_kv)
        # charger parameters depend on the base and, with max-case-only sources (existing
        # full converters), on the case: ceased (0 A, same sites) in the minimum case
        key = (cn.base_mva, case is Case.MIN and any_max_only)
        if params_base != key:
            params, params_h = ({name: (charger_arrays(list(chs), cn.base_mva) if chs else None,
                                        np.searchsorted(charger_buses, [int(c.bus) for c in chs]))
                                 for name, chs in (_min_case_sets(sets) if key[1]
                                                   else sets).items()}
                                for sets in (scenarios, high))
            params_base = key
        for ft in fault_types:
            r = r_fault_ohm
            if (case is Case.MIN and r_fault_min_ohm is not None
                    and ft in (FaultType.SINGLE_LINE_GROUND, FaultType.DOUBLE_LINE_GROUND)):
                # the minimum-case fault resistance on primary (> 1 kV) buses only
                # (:func:`protv2g.engine.phase.faults.fault_impedance`, review rev32a W2)
                r = np.where(solver.base_kv_f > PRIMARY_KV_LL, r_fault_min_ohm, r_fault_ohm)
            zf_pu = (r + 1j * x_fault_ohm) / z_base_f
            stash = []  # reducible scenarios: reduced together in one pass over W
            pending: dict = {}  # control-law scenarios by charger set, reduced together
            solved = _solve_scenarios(solver, ft, zf_pu, pre, scenarios, params, frozen,
                                      staged, first_cycle_s, device_terms=not reduce)
            kept: dict = {}  # row form: each scenario's kept rows, for its other bracket
            firsts: list = []  # row form: (solved, kept rows, first-cycle currents) of the
            # control-law scenarios so far, for those with the same first cycle (export only)
            for name in scenarios:
                p, cpos = params[name]
                sv = solved[name]
                i_base_c = (cn.base_mva / (SQRT3 * cn.pos.base_kv[solver.c1[cpos]])
                            if p is not None else None)
                if reduce and sv.fixed:
                    stash.append((name, p, i_base_c, sv))
                    continue
                if reduce:
                    pending.setdefault(tuple(cpos), []).append((name, p, i_base_c, sv))
                    continue
                n_s = sv.n_stages
                n_v = {"all": n_s, "first_cycle": 1, "none": 0}[device_voltages]
                if device_min_a is not None:  # row form: the kept rows only
                    given = None if device_rows is None else device_rows.get(
                        (name, case, ft), np.zeros(0, np.int64))
                    twin = None
                    if given is None and not min(n_v, 1):
                        twin = next(((pos, i0) for other, pos, i0 in firsts
                                     if same_first_cycle(other, sv, m)), None)
                    sl = row_slice(solver, sv, pre, (i_base_d, i_base_f, i_base_c), ft,
                                    zf_pu, given, device_min_a, min(n_v, 1), dtype,
                                    (name, case, fault_buses, p, v1_dev), first=twin)
                    kept[name] = sl.device_pos
                    if given is None and twin is None and sv.charger is not None:
                        firsts.append((sv, sl.device_pos, sl.device_i_012_ka))
                    yield sl
                    continue
                i_dev = np.empty((n_s, d, m, 3), dtype=dtype)
                v_dev = np.empty((n_v, d, m, 3), dtype=dtype) if n_v else None
                for j in range(n_s):
                    solver.fill(i_dev[j], v_dev[j] if j < n_v else None, sv.i_f[j],
                                sv.terms[j], pre, i_base_d, ft, zf_pu)
                yield replace(make_slice(name, case, ft, fault_buses, sv, i_base_f, i_base_c, p,
                                         i_dev, v_dev, (None, None), dtype),
                              device_v1_pre_pu=v1_dev)
            if high:  # the other bracket, grouped as its own call would group it
                first = {n: (params[n][0], solved[n].charger) for n in high
                         if solved[n].charger is not None}  # sites, stages: to reuse
                # this bracket's solves, to fill the other's rows where they differ only
                low = solved if high_same_columns else {}
                del solved
                solved = _solve_scenarios(solver, ft, zf_pu, pre, high, params_h, frozen_h,
                                          staged, first_cycle_s, first=first)
                for name in high:
                    yield high_slice(solver, solved[name], params_h[name], pre, ft, zf_pu,
                                      kept[name], (i_base_d, i_base_f), device_min_a, dtype,
                                      (name, case, fault_buses, v1_dev), low.get(name))
                del low
            for group in pending.values():
                reds = solver.reduce_chargers([x[3] for x in group], pre, i_base_d)
                for (name, p, i_base_c, sv), (mx, pos) in zip(group, reds, strict=True):
                    bus = np.where(pos >= 0, fault_buses[np.maximum(pos, 0)], -1)
                    yield replace(make_slice(name, case, ft, fault_buses, sv, i_base_f,
                                             i_base_c, p, None, None, (mx, bus), dtype),
                                  device_v1_pre_pu=v1_dev)
            if stash:
                mx, pos = solver.reduce([x[3].i_f[0] for x in stash],
                                        [x[3].terms[0] for x in stash], pre, i_base_d)
                for q, (name, p, i_base_c, sv) in enumerate(stash):
                    bus = np.where(pos[q] >= 0, fault_buses[np.maximum(pos[q], 0)], -1)
                    yield replace(make_slice(name, case, ft, fault_buses, sv, i_base_f,
                                             i_base_c, p, None, None, (mx[q][None], bus[None]),
                                             dtype), device_v1_pre_pu=v1_dev)


def _validate(net, cases, method, zero, devices, v_pre_pu, lv_tolerance_percent, buses,
              scenarios, prefault="open_circuit") -> np.ndarray:
    """Every input problem at once (``InputError``); returns the fault buses."""
    issues = check_sc_data(net, cases, method, zero)
    issues += check_devices(net, devices)
    if v_pre_pu is not None and method is not Method.CLASSICAL:
        issues.append(Issue("options", "v_pre_pu", "a pre-fault voltage is only used by the "
                            "classical method", "pass method='classical'"))
    if prefault not in PREFAULTS:
        issues.append(Issue("options", "prefault", f"unknown {prefault!r}",
                            "use 'open_circuit' or 'power_flow'"))
    elif prefault != "open_circuit" and method is not Method.CLASSICAL:
        issues.append(Issue("options", "prefault", "a pre-fault state is only used by the "
                            "classical method (IEC 60909 uses c·Un/√3)",
                            "pass method='classical' or leave prefault out"))
    if lv_tolerance_percent not in (6, 10):
        issues.append(Issue("options", "lv_tolerance_percent", "must be 6 or 10"))
    if buses is None:
        fault_buses = net.bus.index[net.bus.in_service.values.astype(bool)].values
    else:
        fault_buses = np.asarray(list(buses), dtype=np.int64)
        unknown = [int(b) for b in fault_buses if b not in net.bus.index]
        if unknown:
            issues.append(Issue("options", "buses", f"unknown bus index {unknown[:20]}"))
    for name, chs in scenarios.items():
        for i, ch in enumerate(chs):
            if ch.bus not in net.bus.index:
                issues.append(Issue("scenarios", f"{name}[{i}] ({ch.name})",
                                    f"unknown bus {ch.bus}"))
            if not np.isfinite(ch.s_rated_mva) or ch.s_rated_mva < 0:
                issues.append(Issue("scenarios", f"{name}[{i}] ({ch.name})",
                                    "s_rated_mva must be finite and ≥ 0"))
    if issues:
        raise InputError(issues)
    return np.asarray(fault_buses, dtype=np.int64)


def _check_islands(net: pp.pandapowerNet, cn, fault_buses: np.ndarray,
                   charger_buses: np.ndarray, dev_buses: np.ndarray) -> None:
    issues = []
    for what, b in (("fault bus", fault_buses), ("charger bus", charger_buses),
                    ("device bus", dev_buses)):
        if len(b) == 0:
            continue
        bad = b[cn.pos.index(b) < 0]
        if cn.zero is not None and what == "fault bus":
            bad = np.union1d(bad, b[cn.zero.index(b) < 0])
        if len(bad):
            names = ", ".join(_bus_names(net, bad)[:20])
            issues.append(Issue("net", "bus", f"{what} not connected to any source "
                                f"(islanded or out of service): {names}",
                                "close a switch to connect it or leave it out of `buses`"))
    if issues:
        raise InputError(issues)


def _device_v1_pre(cn, dev_buses: np.ndarray, v_int: np.ndarray | None) -> np.ndarray:
    """Pre-fault positive-sequence voltage at the device buses (pu, device-phasor reference):
    ``c·u_nl`` (IEC 60909, the device bus's own ``c`` of the case) or the classical pre-fault
    voltage; ``nan`` at a bus outside the network."""
    idx = cn.pos.index(dev_buses)
    ok = idx >= 0
    v = cn.c_factor * cn.u_nl if v_int is None else v_int
    out = np.full(len(dev_buses), np.nan + 0j)
    out[ok] = v[idx[ok]]
    return out


def _v_pre_internal(cn, net: pp.pandapowerNet, v_pre_pu, method: Method) -> np.ndarray | None:
    """The classical pre-fault voltage per internal bus: the network's open-circuit or
    power-flow voltage (``cn.v_pre``), with the entries of ``v_pre_pu`` put in its place;
    ``None`` for IEC 60909 (the equivalent source ``c·u_nl``)."""
    if method is Method.IEC60909:
        return None
    v = np.asarray(cn.v_pre if cn.v_pre is not None else cn.u_nl, dtype=complex).copy()
    if v_pre_pu is None:
        return v
    if isinstance(v_pre_pu, Mapping):
        items = list(v_pre_pu.items())
    else:
        arr = np.asarray(v_pre_pu, dtype=complex)
        items = list(zip(net.bus.index.values, arr, strict=True))
    b = np.array([int(k) for k, _ in items], dtype=np.int64)
    vals = np.array([complex(x) for _, x in items])
    idx = cn.pos.index(b)
    v[idx[idx >= 0]] = vals[idx >= 0]
    return v
