"""``fault_study``: every bus × fault type × case × scenario, with devices and chargers."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandapower as pp

from protv2g.engine.chargers import ChargerSource, charger_arrays
from protv2g.engine.result import FaultStudyResult
from protv2g.engine.sequence import build_sequence_networks, copy_net
from protv2g.engine.solve import CaseSolver
from protv2g.engine.validate import check_sc_data
from protv2g.errors import InputError, Issue
from protv2g.units import Case, FaultType, Method

__all__ = ["DeviceTerminal", "fault_study"]

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


def _check_devices(net: pp.pandapowerNet, devices: Sequence[DeviceTerminal]) -> list[Issue]:
    issues = []
    seen = set()
    for i, d in enumerate(devices):
        where = f"devices[{i}] ({d.name})"
        if d.name in seen:
            issues.append(Issue("devices", where, "duplicate device name"))
        seen.add(d.name)
        if d.element not in ("line", "trafo"):
            issues.append(Issue("devices", where, f"unknown element {d.element!r}",
                                "use 'line' or 'trafo'"))
            continue
        table = net[d.element]
        if d.element_index not in table.index:
            issues.append(Issue("devices", where, f"unknown {d.element} {d.element_index}"))
            continue
        ends = ("from_bus", "to_bus") if d.element == "line" else ("hv_bus", "lv_bus")
        if int(d.bus) not in {int(table.at[d.element_index, e]) for e in ends}:
            issues.append(Issue("devices", where,
                                f"bus {d.bus} is not an end of {d.element} {d.element_index}"))
    return issues


def fault_study(net: pp.pandapowerNet, *, fault_types: Sequence[FaultType] = tuple(FaultType),
                cases: Sequence[Case] = (Case.MAX, Case.MIN),
                method: Method = Method.IEC60909, r_fault_ohm: float = 0.0,
                x_fault_ohm: float = 0.0, r_fault_min_ohm: float | None = None,
                scenarios: Mapping[str, Sequence[ChargerSource]] | None = None,
                devices: Sequence[DeviceTerminal] = (), buses: Sequence[int] | None = None,
                v_pre_pu: Mapping[int, complex] | np.ndarray | None = None,
                lv_tolerance_percent: int = 10,
                dtype: type = np.complex128) -> FaultStudyResult:
    """Shunt faults at every bus for every fault type, case and charger scenario.

    Parameters
    ----------
    net : pandapowerNet
        Feeder with short-circuit data (never modified).
    fault_types : sequence of FaultType
        Any of 3ph, LL, SLG, LLG.
    cases : sequence of Case
        ``max`` and/or ``min``.
    method : Method
        ``iec60909`` (equivalent source ``c·Un/√3``, IEC 60909-0:2016 §6) or ``classical``
        (pre-fault 1.0 pu or ``v_pre_pu``, no c factor, no ``K_T``).
    r_fault_ohm, x_fault_ohm : float
        Fault impedance per faulted phase, Ω (LL: ``2·Z_F`` between phases; SLG: ``Z_F`` to
        ground; LLG: ``Z_F`` in each phase to a solidly earthed point).
    r_fault_min_ohm : float, optional
        Fault resistance of ground faults (SLG, LLG) in the min case, Ω (e.g. 20–40 Ω).
    scenarios : mapping, optional
        Scenario name → chargers; default one scenario ``"base"`` without chargers.
    devices : sequence of DeviceTerminal
        Where device phasors are wanted.
    buses : sequence of int, optional
        Fault buses (pandapower indices); default every in-service bus.
    v_pre_pu : mapping or array, optional
        Complex pre-fault voltage per pandapower bus (``classical`` only), e.g. from a power
        flow; default 1.0 pu (with transformer phase shifts).
    lv_tolerance_percent : int
        6 or 10: LV c factors (IEC 60909-0 Table 1).
    dtype : numpy dtype
        Storage type of the result arrays (``numpy.complex64`` halves the memory of large
        studies; the computation itself is always complex128).

    Returns
    -------
    FaultStudyResult

    Raises
    ------
    InputError
        Missing/invalid short-circuit data (every field named), unknown or islanded buses,
        unknown devices.

    Examples
    --------
    >>> res = fault_study(net, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX])
    >>> res.bus[["bus", "ikss_ka"]]  # doctest: +SKIP
    """
    fault_types = tuple(FaultType(f) for f in fault_types)
    cases = tuple(Case(c) for c in cases)
    method = Method(method)
    scenarios = {"base": ()} if not scenarios else {k: tuple(v) for k, v in scenarios.items()}
    zero = any(f in (FaultType.SINGLE_LINE_GROUND, FaultType.DOUBLE_LINE_GROUND)
               for f in fault_types)
    issues = check_sc_data(net, cases, method, zero)
    issues += _check_devices(net, devices)
    if v_pre_pu is not None and method is not Method.CLASSICAL:
        issues.append(Issue("options", "v_pre_pu", "a pre-fault voltage is only used by the "
                            "classical method", "pass method='classical'"))
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

    all_chargers = sorted({int(c.bus) for chs in scenarios.values() for c in chs})
    charger_buses = np.array(all_chargers, dtype=np.int64)
    need_neg = any(c.k2 > 0 or str(c.control) == "grid_forming"
                   for chs in scenarios.values() for c in chs)
    dev_buses = np.array([d.bus for d in devices], dtype=np.int64)

    work = copy_net(net)  # ONE private copy per call: pandapower's builders write into it
    s_n, c_n, t_n = len(scenarios), len(cases), len(fault_types)
    m, d = len(fault_buses), len(devices)
    bus_i = np.zeros((s_n, c_n, t_n, m, 3), dtype=dtype)
    dev_i = np.zeros((s_n, c_n, t_n, d, m, 3), dtype=dtype)
    dev_v = np.zeros((s_n, c_n, t_n, d, m, 3), dtype=dtype)
    chg_i = {name: np.zeros((c_n, t_n, len(chs), m, 2), dtype=dtype)
             for name, chs in scenarios.items()}
    chg_lim = {name: np.zeros((c_n, len(chs))) for name, chs in scenarios.items()}
    iterations: dict = {}

    for ci, case in enumerate(cases):
        cn = build_sequence_networks(work, net, case, method, zero_sequence=zero,
                                     lv_tol_percent=lv_tolerance_percent)
        _check_islands(net, cn, fault_buses, charger_buses, dev_buses)
        rows, use_to = _device_branches(net, devices, cn.branch_lookup)
        solver = CaseSolver(cn, fault_buses, rows, use_to, dev_buses, charger_buses, need_neg)
        v_pre = _v_pre_internal(cn, net, v_pre_pu, method)
        base_kv_f = solver.base_kv_f
        z_base_f = base_kv_f**2 / cn.base_mva
        i_base_f = cn.base_mva / (SQRT3 * base_kv_f)
        i_base_d = cn.base_mva / (SQRT3 * solver.dev_base_kv)
        for ti, ft in enumerate(fault_types):
            r = r_fault_ohm
            if (case is Case.MIN and r_fault_min_ohm is not None
                    and ft in (FaultType.SINGLE_LINE_GROUND, FaultType.DOUBLE_LINE_GROUND)):
                r = r_fault_min_ohm
            zf_pu = complex(r, x_fault_ohm) / z_base_f
            for si, (name, chs) in enumerate(scenarios.items()):
                p = charger_arrays(list(chs), cn.base_mva) if chs else None
                cpos = np.searchsorted(charger_buses, [int(c.bus) for c in chs])
                i_f, i_dev, v_dev, sol = solver.solve(ft, zf_pu, v_pre, p, cpos)
                bus_i[si, ci, ti] = i_f * i_base_f[:, None]
                dev_i[si, ci, ti] = i_dev * i_base_d[:, None, None]
                dev_v[si, ci, ti] = v_dev
                if sol is not None:
                    i_base_c = cn.base_mva / (SQRT3 * cn.pos.base_kv[solver.c1[cpos]])
                    chg_i[name][ci, ti, :, :, 0] = sol.i1_pu * i_base_c[:, None]
                    chg_i[name][ci, ti, :, :, 1] = sol.i2_pu * i_base_c[:, None]
                    chg_lim[name][ci] = p.i_lim_pu * i_base_c
                    iterations[(name, case, ft)] = sol.iterations
                    n_frozen = int(sol.pll_frozen.sum()) if sol.pll_frozen is not None else 0
                    if n_frozen:
                        warnings.warn(f"{n_frozen} fault bus(es) without a PLL-tracking fixed "
                                      f"point, solved with the PLL at the pre-fault angle "
                                      f"(scenario {name}, {case.value}, {ft.value})",
                                      RuntimeWarning, stacklevel=2)
                    if not sol.converged:
                        warnings.warn(f"charger iteration did not converge in {sol.iterations} "
                                      f"steps (scenario {name}, {case.value}, {ft.value})",
                                      RuntimeWarning, stacklevel=2)
    return FaultStudyResult(
        scenarios=tuple(scenarios), cases=cases, fault_types=fault_types,
        fault_buses=fault_buses, fault_bus_names=_bus_names(net, fault_buses),
        devices=tuple(d.name for d in devices), bus_i_012_ka=bus_i, device_i_012_ka=dev_i,
        device_v_012_pu=dev_v,
        chargers={k: tuple(c.name for c in v) for k, v in scenarios.items()},
        charger_i_12_ka=chg_i, charger_limit_ka=chg_lim, iterations=iterations)


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


def _v_pre_internal(cn, net: pp.pandapowerNet, v_pre_pu, method: Method) -> np.ndarray | None:
    if method is Method.IEC60909:
        return None
    v = cn.u_nl.astype(complex).copy()
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
