"""``iter_fault_study``: every bus × fault type × case × scenario, streamed slice by slice."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandapower as pp

from protv2g.engine.chargers import ChargerSource, charger_arrays
from protv2g.engine.faults import seq_to_abc
from protv2g.engine.sequence import build_sequence_networks, copy_net
from protv2g.engine.solve import CaseSolver
from protv2g.engine.validate import check_sc_data
from protv2g.errors import InputError, Issue
from protv2g.units import Case, ChargerControl, FaultType, Method

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


ChargerModel = Literal["iterate", "frozen_pll"]
Keep = Literal["full", "summary"]


@dataclass(frozen=True)
class FaultSlice:
    """Results of one (scenario, case, fault type), as yielded by :func:`iter_fault_study`.

    Arrays (complex, kA / per unit, sequence order ``(0, 1, 2)``; ``m`` fault buses, ``D``
    devices, ``k`` chargers of the scenario): ``bus_i_012_ka (m, 3)``; ``device_i_012_ka``,
    ``device_v_012_pu (D, m, 3)`` (``None`` when reducing); ``device_max_ka (D, 2)`` largest
    phase current and largest ``|3·I0|`` over the fault buses with ``device_max_bus (D, 2)``
    (pandapower bus index of that fault; ``None`` unless reducing); ``charger_i_12_ka
    (k, m, 2)`` (``None`` when reducing); ``pll_frozen``, ``unconverged`` ``(m,)`` bool.
    Fault buses without a fixed point of the charger iteration (``unconverged``) carry NaN.
    """

    scenario: str
    case: Case
    fault_type: FaultType
    fault_buses: np.ndarray
    bus_i_012_ka: np.ndarray
    device_i_012_ka: np.ndarray | None
    device_v_012_pu: np.ndarray | None
    device_max_ka: np.ndarray | None
    device_max_bus: np.ndarray | None
    charger_i_12_ka: np.ndarray | None
    charger_limit_ka: np.ndarray | None
    pll_frozen: np.ndarray
    unconverged: np.ndarray
    iterations: int


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
                     charger_model: ChargerModel = "iterate",
                     reduce: bool = False) -> Iterator[FaultSlice]:
    """Stream the results of :func:`fault_study` one (scenario, case, fault type) at a time.

    Memory stays at ``O(buses · devices)`` (one slice plus the per-case transfer arrays,
    ``6·D·m`` complex numbers) whatever the number of scenarios; with ``reduce=True`` a slice
    holds only per-device maxima (no ``D × m`` arrays are written at all).

    Parameters
    ----------
    net, fault_types, cases, method, r_fault_ohm, x_fault_ohm, r_fault_min_ohm, scenarios,
    devices, buses, v_pre_pu, lv_tolerance_percent, dtype
        As :func:`fault_study`.
    charger_model : {"iterate", "frozen_pll"}
        ``iterate``: charger injections iterated at every fault bus with the PLL tracking the
        terminal voltage (accurate; cost ~ chargers² × buses). ``frozen_pll``: every
        grid-following charger injects its current limit at its pre-fault voltage angle (the
        PLL frozen at fault inception) — a fixed current source, so its effect on every bus is
        one sparse solve per scenario, exact by superposition (cost independent of the number
        of chargers). Scenarios with grid-forming chargers or ``k2 > 0`` are iterated anyway.
    reduce : bool
        Only per-device maxima over the fault buses (``device_max_ka``).

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
    if charger_model not in ("iterate", "frozen_pll"):
        raise InputError(Issue("options", "charger_model", f"unknown {charger_model!r}",
                               "use 'iterate' or 'frozen_pll'"))
    scenarios = {"base": ()} if not scenarios else {k: tuple(v) for k, v in scenarios.items()}
    zero = any(f in (FaultType.SINGLE_LINE_GROUND, FaultType.DOUBLE_LINE_GROUND)
               for f in fault_types)
    fault_buses = _validate(net, cases, method, zero, devices, v_pre_pu, lv_tolerance_percent,
                            buses, scenarios)
    frozen = {k: charger_model == "frozen_pll" and _frozen_ok(v) for k, v in scenarios.items()}
    all_chargers = sorted({int(c.bus) for chs in scenarios.values() for c in chs})
    charger_buses = np.array(all_chargers, dtype=np.int64)
    need_neg = any(c.k2 > 0 or str(c.control) == "grid_forming"
                   for chs in scenarios.values() for c in chs)
    need_rows = any(len(v) and not frozen[k] for k, v in scenarios.items())
    dev_buses = np.array([d.bus for d in devices], dtype=np.int64)
    work = copy_net(net)  # ONE private copy per call: pandapower's builders write into it
    m, d = len(fault_buses), len(devices)
    pool: dict = {}  # work arrays handed from one case's solver to the next
    params: dict = {}
    params_base = None
    for case in cases:
        cn = build_sequence_networks(work, net, case, method, zero_sequence=zero,
                                     lv_tol_percent=lv_tolerance_percent)
        _check_islands(net, cn, fault_buses, charger_buses, dev_buses)
        rows, use_to = _device_branches(net, devices, cn.branch_lookup)
        solver = CaseSolver(cn, fault_buses, rows, use_to, dev_buses, charger_buses, need_neg,
                            charger_rows=need_rows, voltages=not reduce or need_rows,
                            pool=pool)
        pre = solver.pre_fault(_v_pre_internal(cn, net, v_pre_pu, method))
        z_base_f = solver.base_kv_f**2 / cn.base_mva
        i_base_f = cn.base_mva / (SQRT3 * solver.base_kv_f)
        i_base_d = cn.base_mva / (SQRT3 * solver.dev_base_kv)
        if params_base != cn.base_mva:  # charger parameters depend on the base only
            params = {name: (charger_arrays(list(chs), cn.base_mva) if chs else None,
                             np.searchsorted(charger_buses, [int(c.bus) for c in chs]))
                      for name, chs in scenarios.items()}
            params_base = cn.base_mva
        for ft in fault_types:
            r = r_fault_ohm
            if (case is Case.MIN and r_fault_min_ohm is not None
                    and ft in (FaultType.SINGLE_LINE_GROUND, FaultType.DOUBLE_LINE_GROUND)):
                r = r_fault_min_ohm
            zf_pu = complex(r, x_fault_ohm) / z_base_f
            stash = []  # reducible scenarios: reduced together in one pass over W
            for name, chs in scenarios.items():
                p, cpos = params[name]
                i_f, terms, sol = solver.solve(ft, zf_pu, pre, p, cpos, frozen=frozen[name])
                if reduce and all(terms[s][2] is None for s in solver.seq):
                    stash.append((name, chs, p, cpos, i_f, terms, sol))
                    continue
                i_dev = np.empty((d, m, 3), dtype=dtype)
                v_dev = np.empty((d, m, 3), dtype=dtype)
                solver.fill(i_dev, v_dev, i_f, terms, pre, i_base_d, ft, zf_pu)
                red = _reduce_full(i_dev, fault_buses) if reduce else (None, None)
                if reduce:
                    i_dev = v_dev = None
                yield _slice(name, case, ft, fault_buses, solver, cn, chs, p, cpos, i_f,
                             i_base_f, sol, i_dev, v_dev, red, dtype, reduce)
            if stash:
                mx, pos = solver.reduce([x[4] for x in stash], [x[5] for x in stash], pre,
                                        i_base_d)
                for q, (name, chs, p, cpos, i_f, _, sol) in enumerate(stash):
                    bus = np.where(pos[q] >= 0, fault_buses[np.maximum(pos[q], 0)], -1)
                    yield _slice(name, case, ft, fault_buses, solver, cn, chs, p, cpos, i_f,
                                 i_base_f, sol, None, None, (mx[q], bus), dtype, reduce)


def _slice(name, case, ft, fault_buses, solver, cn, chs, p, cpos, i_f, i_base_f, sol, i_dev,
           v_dev, red, dtype, reduce) -> FaultSlice:
    """Scale one solved (scenario, case, fault type) to kA and flag it (NaN where the charger
    iteration has no fixed point)."""
    m = len(fault_buses)
    bad = sol.unconverged if sol is not None else np.zeros(m, dtype=bool)
    if bad.any() and i_dev is not None:
        i_dev[:, bad] = np.nan
        v_dev[:, bad] = np.nan
    chg = lim = None
    if sol is not None:
        i_base_c = cn.base_mva / (SQRT3 * cn.pos.base_kv[solver.c1[cpos]])
        lim = p.i_lim_pu * i_base_c
        if not reduce:
            chg = np.empty((len(chs), m, 2), dtype=dtype)
            chg[..., 0] = sol.i1_pu * i_base_c[:, None]
            chg[..., 1] = sol.i2_pu * i_base_c[:, None]
            chg[:, bad] = np.nan
        _warn(sol, name, case, ft)
    i_bus = (i_f * i_base_f[:, None]).astype(dtype)
    i_bus[bad] = np.nan
    return FaultSlice(
        scenario=name, case=case, fault_type=ft, fault_buses=fault_buses, bus_i_012_ka=i_bus,
        device_i_012_ka=i_dev, device_v_012_pu=v_dev, device_max_ka=red[0],
        device_max_bus=red[1], charger_i_12_ka=chg, charger_limit_ka=lim,
        pll_frozen=(sol.pll_frozen if sol is not None else np.zeros(m, bool)),
        unconverged=bad, iterations=sol.iterations if sol is not None else 0)


def _reduce_full(i_dev: np.ndarray, fault_buses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-device maxima of a filled ``(D, m, 3)`` current array (see ``FaultSlice``)."""
    phase = np.abs(seq_to_abc(i_dev)).max(axis=-1)
    ground = 3 * np.abs(i_dev[..., 0])
    out = np.zeros((i_dev.shape[0], 2))
    bus = np.full((i_dev.shape[0], 2), -1, dtype=np.int64)
    for j, x in enumerate((phase, ground)):
        if x.shape[1]:
            x = np.where(np.isnan(x), -np.inf, x)
            pos = np.argmax(x, axis=1)
            out[:, j] = x[np.arange(len(x)), pos]
            bus[:, j] = fault_buses[pos]
    return out, bus


def _warn(sol, name: str, case: Case, ft: FaultType) -> None:
    n_frozen = int(sol.pll_frozen.sum()) if sol.iterations else 0
    if n_frozen:
        warnings.warn(f"{n_frozen} fault bus(es) where no charger PLL can lock (its terminal "
                      f"voltage is set by its own current): solved with the PLL held at the "
                      f"pre-fault angle, flagged in the `pll_frozen` column (scenario {name}, "
                      f"{case.value}, {ft.value})", RuntimeWarning, stacklevel=3)
    n_bad = int(sol.unconverged.sum())
    if n_bad:
        warnings.warn(f"charger iteration did not converge at {n_bad} fault bus(es) (scenario "
                      f"{name}, {case.value}, {ft.value}): their results are NaN",
                      RuntimeWarning, stacklevel=3)


def _validate(net, cases, method, zero, devices, v_pre_pu, lv_tolerance_percent, buses,
              scenarios) -> np.ndarray:
    """Every input problem at once (``InputError``); returns the fault buses."""
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
