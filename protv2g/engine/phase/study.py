"""``phase_fault_study``: every fault on a bus's own phases × case × charger scenario.

One :class:`~.system.FaultSystem` per method (factorised once); per case only the pre-fault
vector and the fault impedance change; per scenario only the site currents. For every fault
row the faulted phases ``P`` see the Thevenin equivalent ``(E_P, Z_PP)``; with sites ``C``::

    I_P = M·(V0_P + Z_PC·I_C)                       (fault, :func:`.faults.fault_operator`)
    V_C = V0_C − Z_CP·I_P + Z_CC·I_C = a + B·I_C    (sites, solved in :mod:`.sites`)
    V_T = V0_T − Z_TP·I_P + Z_TC·I_C                (device terminals)
    I_dev = Yprim_τ · V_element                     (OpenDSS's primitive admittance)

For ``iec60909`` the pre-fault state is the equivalent source ``c·Un/√3`` (at the angle of
OpenDSS's open-circuit voltage, balanced at three-phase buses: :mod:`.prefault`) and device
currents are the fault's change only (no load current, IEC 60909-0 §1); for ``classical``
they are the total currents in OpenDSS's fault-study state (loads as admittances carry their
pre-fault current).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Literal

import numpy as np

from protv2g.engine.der_model import InverterModel
from protv2g.engine.device_rows import device_row_kept
from protv2g.engine.phase.cut_off import grid_drive
from protv2g.engine.phase.der import INVERTER_MODEL, der_sites
from protv2g.engine.phase.faults import (
    fault_impedance,
    fault_rows,
    faulted_live,
)
from protv2g.engine.phase.first_cycle import Prepared, site_base, site_node_map, solve_rows
from protv2g.engine.phase.result import PhaseFaultResult
from protv2g.engine.phase.sites import PhaseSite, SiteLaw
from protv2g.engine.phase.stages import (
    FaultGroup,
    assemble_staged,
    bracket_stages,
    magnitudes_a,
)
from protv2g.engine.phase.system import (
    MachineReactance,
    Prefault,
    build_system,
    prefault_voltage,
)
from protv2g.engine.phase.terminals import Terminals
from protv2g.engine.pll_note import warn_pll_frozen
from protv2g.errors import InputError, Issue
from protv2g.network.dss_model import DssModel
from protv2g.units import Case, ChargerMode, FaultType, Method

__all__ = ["PhaseDevice", "model_devices", "phase_fault_study", "ENDTEMP_DEGREE"]

#: Conductor end temperature of the minimum case, °C (OpenDSS models carry none;
#: the value the pandapower importer and the project's example feeders use).
#:
#: What it is: IEC 60909-0's θe, "the conductor temperature at the end of the short circuit",
#: used ONLY to take the lines' resistance up for the minimum short-circuit current,
#: ``R_L = [1 + 0.004 /K · (θe − 20 °C)] · R_L20`` (IEC 60909-0:2016, the minimum-current
#: clause's equation for R_L, eq. (34); §2.5 of the 2001 edition — clause numbers recalled).
#: What it is not: a cable's short-circuit limit. protv2g does not judge a conductor's thermal
#: withstand (no ``k²S² ≥ I²t`` check anywhere in C1–C12): the final temperatures of IEC
#: 60949 / IEC 60364-5-54 Table A.54 (copper: PVC ≤ 300 mm² k = 115, 70 → 160 °C; XLPE/EPR
#: k = 143, 90 → 250 °C; aluminium 76 / 94) are not used. The temperature a cable reaches at
#: the end of a minimum fault lies between its operating temperature (70 °C PVC, 90 °C XLPE)
#: and that limit, so θe is uncertain: bracket 70–160 °C (PVC) or 90–250 °C (XLPE). The end
#: that drives the minimum-current criteria (C5 reach, a fuse's or relay's time at the
#: minimum fault) is the HOT end — more resistance, less current; 80 °C is nearer the cool
#: end. On the IEEE European LV test feeder (416 V cables) the far end's (899) minimum
#: faults fall from 80 °C to 160 °C: LL 1,211 → 972 A (−20 %), SLG 864 → 690 A; at 250 °C
#: 795 / 562 A (OpenDSS ``ZscMatrix``, every line's R × ``1 + 0.004·(θe − 20)``, c = 0.95;
#: session 37): where a minimum-case row passes by less than that, it rests on θe.
ENDTEMP_DEGREE = 80.0


@dataclass(frozen=True)
class PhaseDevice:
    """Where a protective device measures: an element's terminal (current into the element).

    ``element`` is ``class.name`` as in the model (``"line.l1"``); ``terminal`` is 1-based.
    """

    name: str
    element: str
    terminal: int = 1


def model_devices(model: DssModel, include_disabled: bool = False) -> list[PhaseDevice]:
    """The model's own fuses, reclosers, relays and switch controls as :class:`PhaseDevice`."""
    d = model.devices
    if not include_disabled:
        d = d[d["enabled"].astype(bool)]
    return [PhaseDevice(n, e, int(t)) for n, e, t in zip(d["name"], d["element"], d["terminal"],
                                                         strict=True)]


def phase_fault_study(model: DssModel, *,
                      fault_types: Sequence[FaultType] = tuple(FaultType),
                      cases: Sequence[Case] = (Case.MAX, Case.MIN),
                      method: Method = Method.IEC60909, r_fault_ohm: float = 0.0,
                      x_fault_ohm: float = 0.0, r_fault_min_ohm: float | None = None,
                      scenarios: Mapping[str, Sequence[PhaseSite]] | None = None,
                      devices: Sequence[PhaseDevice] = (), buses: Sequence[str] | None = None,
                      secondaries: bool = False,
                      machine_reactance: MachineReactance | None = None,
                      prefault: Prefault = "open_circuit", lv_tolerance_percent: int = 10,
                      endtemp_degree: float | None = ENDTEMP_DEGREE,
                      charger_model: str = "iterate",
                      existing_inverters: Literal["opendss", "law"] = "opendss",
                      inverter_model: InverterModel = INVERTER_MODEL,
                      inverter_limit_pu: float | None = None,
                      without_existing: Collection[str] = (), staged: bool = False,
                      der_in_min: Mapping[str, str] | None = None,
                      high_bracket: Mapping[str, Sequence[PhaseSite]] | None = None,
                      first_cycle_s: float | None = None,
                      staged_device_min_a: float = 0.0) -> PhaseFaultResult:
    """Faults on every fault bus's own phases, for each case and charger scenario.

    Parameters
    ----------
    model : DssModel
        From :func:`protv2g.network.dss_model.load_dss_model` (never modified).
    fault_types : sequence of FaultType
        3ph (buses with three phases), LL and LLG (per phase pair), SLG (per phase).
    cases : sequence of Case
        ``max`` / ``min``: IEC 60909 ``c_max`` / ``c_min``; the min case uses
        ``r_fault_min_ohm`` for ground faults (both methods).
    method : Method
        ``iec60909`` or ``classical`` (see :mod:`.system`).
    r_fault_ohm, x_fault_ohm : float
        Fault impedance in each faulted phase, Ω (LL: ``2·Z_F`` between the phases).
    r_fault_min_ohm : float, optional
        Fault resistance of SLG/LLG faults in the min case on primary buses (above 1 kV), Ω;
        low-voltage buses keep ``r_fault_ohm`` (:func:`.faults.fault_impedance`).
    scenarios : mapping, optional
        Scenario name → :class:`PhaseSite` list; default one scenario ``"base"`` without sites.
    devices : sequence of PhaseDevice
        Where device currents and voltages are wanted (e.g. :func:`model_devices`).
    buses : sequence of str, optional
        Fault buses by name; default every primary bus (above 1 kV), plus the secondaries when
        ``secondaries`` — the other buses are reduced exactly into the primary (Kron).
    machine_reactance : {"transient", "subtransient"}, optional
        Synchronous machines behind ``Xdp`` or ``Xdpp``; default by method (see :mod:`.system`).
    prefault : {"open_circuit", "power_flow"}
        Classical pre-fault state: OpenDSS's ``Voc`` or its power-flow voltages.
    lv_tolerance_percent : int
        6 or 10: IEC 60909 ``c_max`` of LV buses.
    endtemp_degree : float or None
        Min case (both methods, as the sequence path: IEC 60909-0 §2.4 for ``iec60909``,
        :func:`protv2g.engine.classical.prepare_classical` for ``classical``): line conductors
        at this end temperature, °C (default 80, the importer's and the example feeders'
        convention); ``None`` keeps 20 °C. The max case is at 20 °C.
    charger_model : {"iterate", "frozen_pll"}
        See :mod:`.sites`.
    existing_inverters : {"opendss", "law"}
        The model's PV systems and storage: as OpenDSS's fault study has them (a constant
        admittance; the default, comparable with OpenDSS) or, as a study runs them (#20
        item 2), current-limited sources by the chargers' control law in every scenario's
        maximum case (:mod:`.der`; their rows are in the ``charger`` table), ceased (0 A) in
        the minimum case as on the sequence path (IEC 60909: current sources in the maximum
        case only).
    inverter_model : InverterModel
        How those inverters inject with ``"law"`` (default: the chargers' defaults,
        :mod:`protv2g.engine.der_model`); the high bracket's scenarios get its high
        sustained limit.
    inverter_limit_pu : float, optional
        A first-cycle limit for all of them instead of ``inverter_model.limit_pu``, pu of
        their kVA (``0``: no current).
    without_existing : collection of str
        Scenarios solved without those inverters (with ``"law"``): the grid alone, the
        network's part of the IEC 60909 maximum-case sum
        (:data:`protv2g.study.engine_inputs.GRID_ONLY`).
    der_in_min : mapping, optional
        Scenario → an earlier scenario of the same sites (its twin): its **minimum** case keeps
        those inverters by their law (with ``"law"``) instead of ceasing them — the other end
        of their contribution there, for a device with the inverters between it and the fault
        (they lower its current; :mod:`protv2g.pipeline_der_min`). Its other cases equal the
        twin's and are copied from it, not solved.
    staged : bool
        Also solve the chargers' later stages (sustained limit, momentary cessation, trips;
        :mod:`.stages`), kept in ``PhaseFaultResult.staged["low"]``.
    high_bracket : mapping, optional
        With ``staged``: the same scenarios with each site's sustained limit at the high
        end (only the sustained limits may differ); their stages are
        ``PhaseFaultResult.staged["high"]``, solved on the same eliminated faults.
    first_cycle_s : float, optional
        Duration of the first-cycle stage, s; default one cycle of the model's frequency.
    staged_device_min_a : float
        The later stages' device currents only on the (device, fault) rows whose first cycle
        :func:`~protv2g.engine.device_rows.device_row_kept` keeps at this threshold, A (NaN
        elsewhere; ``staged_currents`` then refuses a lower one); 0 (default): every row.

    Returns
    -------
    PhaseFaultResult

    Raises
    ------
    InputError
        Unknown buses, devices, site buses or phases, or options; all listed at once.

    Examples
    --------
    >>> m = load_dss_model("../shared/feeders/opendss/13Bus/IEEE13Nodeckt.dss")  # doctest: +SKIP
    >>> res = phase_fault_study(m, method=Method.CLASSICAL, cases=[Case.MAX])  # doctest: +SKIP
    >>> res.bus.query("bus_name == '671'")[["fault_type", "phase", "ikss_ka"]]  # doctest: +SKIP
    """
    fault_types = tuple(FaultType(f) for f in fault_types)
    cases = tuple(Case(c) for c in cases)
    method = Method(method)
    scen = {"base": ()} if not scenarios else {k: tuple(v) for k, v in scenarios.items()}
    if existing_inverters not in ("opendss", "law"):
        raise InputError(Issue("options", "existing_inverters", f"unknown "
                               f"{existing_inverters!r}", "use 'opendss' or 'law'"))
    law_der = existing_inverters == "law" and bool(model.inverters)
    der_in = dict(der_in_min or {})
    order = {k: i for i, k in enumerate(scen)}
    high = None if not (staged and high_bracket) else {k: tuple(v) for k, v in
                                                        high_bracket.items()}
    der_names: frozenset[str] = frozenset()  # existing inverters: ceased in the min case
    if law_der:
        der = tuple(der_sites(model, inverter_model, limit_pu=inverter_limit_pu))
        der_hi = tuple(der_sites(model, inverter_model, limit_pu=inverter_limit_pu, high=True))
        der_names = frozenset(d.name for d in der)
        bare = frozenset(without_existing)
        scen = {k: v if k in bare else (*v, *der) for k, v in scen.items()}
        high = None if high is None else {k: v if k in bare else (*v, *der_hi)
                                          for k, v in high.items()}
    if high is not None:
        _same_sites(scen, high)
    if first_cycle_s is None:
        first_cycle_s = 1.0 / float(model.f_hz or 60.0)
    wanted = _validate(model, buses, secondaries, scen, devices, lv_tolerance_percent,
                       charger_model)
    tab = model.buses
    has_phase = np.array([[p in ph for p in "abc"] for ph in tab.phases], dtype=bool)
    rows = fault_rows(np.flatnonzero(wanted), has_phase[wanted], fault_types)
    elements = [model.element_y(d.element, d.terminal) for d in devices]
    all_sites = sorted({(s.bus.lower(), s.phases) for v in scen.values() for s in v})
    prepared: dict[tuple[bool, bool], Prepared] = {}
    for case in cases:
        key = _system_key(case, method, endtemp_degree)
        if key not in prepared:
            system = build_system(model, method, wanted & tab.energized.to_numpy(),
                                  machine_reactance=machine_reactance, prefault=prefault,
                                  endtemp_degree=endtemp_degree if key[0] else None,
                                  inverters_out=law_der, plan=next(
                                      (p.system.plan for p in prepared.values()), None),
                                  case=case, lv_tolerance_percent=lv_tolerance_percent)
            prepared[key] = Prepared(system, Terminals(system, elements, devices),
                                      site_node_map(system, model, all_sites))
    first = next(iter(prepared.values())).system
    type_labels = np.array([f.value for f in rows.fault_type], dtype=object)
    node = first.phase_node[rows.bus[:, None], np.arange(3)[None, :]]
    faulted = faulted_live(rows, node)
    live = faulted.any(axis=1)
    s_n, c_n, r = len(scen), len(cases), len(rows)
    bus_i = np.zeros((s_n, c_n, r, 3), dtype=complex)
    # every (scenario, case) written whole by Terminals.fill
    dev_i = np.empty((s_n, c_n, len(devices), r, 3), dtype=complex)
    dev_v = np.empty((s_n, c_n, len(devices), r, 3), dtype=complex)
    dev_v1_pre = np.full((c_n, len(devices)), np.nan, dtype=complex)
    frozen = np.zeros((s_n, c_n, r), dtype=bool)
    bad = np.zeros((s_n, c_n, r), dtype=bool)
    chg = {}
    stg: dict[str, dict] = {}
    kept: dict[tuple[int, int], np.ndarray] = {}
    for ci, case in enumerate(cases):
        prep = prepared[_system_key(case, method, endtemp_degree)]
        system, dev, site_nodes = prep.system, prep.terminals, prep.site_nodes
        extra, z_rows, z_cols = prep.transfer()
        v0 = prefault_voltage(system, method, case, lv_tolerance_percent)
        v_law = prefault_voltage(system, method, case, lv_tolerance_percent, law=True)
        if ci == 0:
            pn = system.phase_node
            mag = np.abs(v0[np.maximum(pn, 0)])
            source_unit = np.where((pn >= 0) & (mag > 0), v0[np.maximum(pn, 0)]
                                   / np.where(mag > 0, mag, 1.0), 1.0 + 0j)
        if len(devices):
            dev_v1_pre[ci] = dev.prefault_v1_pu(v0)
        zf = fault_impedance(rows, case, r_fault_ohm, x_fault_ohm, r_fault_min_ohm,
                             primary=tab.primary.to_numpy(bool))
        drive = None  # the sources' own drive (cut-off units, .cut_off), on first need
        for si, (name, given) in enumerate(scen.items()):
            twin = order.get(der_in.get(name, ""), si) if case is not Case.MIN else si
            if twin < si:  # the maximum case of a der_in_min scenario: its twin's
                _copy_solved(si, twin, ci, (name, der_in[name]), c_n, (bus_i, frozen, bad),
                             (dev_i, dev_v) if len(devices) else (), chg,
                             stg if staged else {}, kept)
                continue
            ceased = case is Case.MIN and name not in der_in
            sites = _der_ceased(given, der_names) if ceased else given
            cpos = np.concatenate([site_nodes[(s.bus.lower(), s.phases)] for s in sites]) if (
                sites) else np.zeros(0, np.int64)
            law = SiteLaw(sites, site_base(model, sites)) if sites else None
            groups: list[FaultGroup] | None = [] if staged else None
            if law is not None and drive is None:
                drive = grid_drive(system, v0)
            i_p, i_c, fz, nc = solve_rows(system, rows, faulted, node, v0, zf, law, extra, cpos,
                                      z_rows, z_cols, charger_model, groups, drive, v_law)
            bus_i[si, ci] = i_p
            frozen[si, ci], bad[si, ci] = fz, nc
            if charger_model != "frozen_pll" and fz.any():  # held by choice: no note
                _note_frozen(rows, fz, name, case, _units(sites, der_names))
            if law is not None:
                arr = chg.setdefault(name, np.zeros((c_n, len(sites), r, 3), dtype=complex))
                arr[ci, law.site_of, :, law.phase_of] = i_c.T
            if len(devices):
                dev.fill(dev_i[si, ci], dev_v[si, ci], rows, live, node, v0, i_p, i_c, cpos,
                         method, tr=prep.device_transfer())
            if staged:
                laws = {"low": law}
                if high is not None:
                    laws["high"] = SiteLaw(
                        _der_ceased(high[name], der_names) if ceased else high[name],
                        site_base(model, sites)) if sites else None
                fill = dev_a0 = None
                if len(devices):
                    # the (device, row) pairs whose later stages are solved and stored
                    flat = dev_i[si, ci].reshape(-1, 3)
                    pairs = (np.flatnonzero(device_row_kept(flat, staged_device_min_a))
                             if staged_device_min_a > 0 else np.arange(len(flat)))
                    kept[(si, ci)] = (si * c_n + ci) * len(flat) + pairs
                    dev_a0 = magnitudes_a(flat[pairs])
                    fill = partial(dev.magnitudes, tr=prep.device_transfer(), rows=rows,
                                   live=live, node=node, v0=v0, cpos=cpos, method=method,
                                   pairs=pairs)
                frame = dict(scenario=name, case=case.value, fault_type=type_labels,
                             phase=rows.label, fault_bus=rows.bus,
                             fault_bus_name=tab.index.to_numpy()[rows.bus])
                for br, part in bracket_stages(
                        laws, groups or [], i_p, i_c, dev_a0, fill,
                        charger_model=charger_model, first_cycle_s=first_cycle_s,
                        frame=frame).items():
                    stg.setdefault(br, {})[(si, ci)] = part
    kept_all = np.concatenate([kept[k] for k in sorted(kept)]) if kept else None
    return PhaseFaultResult(
        scenarios=tuple(scen), cases=cases, rows=rows,
        bus_names=np.asarray(tab.index, dtype=object), row_energized=live,
        bus_i_abc_a=bus_i, devices=tuple(d.name for d in devices), source_unit=source_unit,
        device_i_abc_a=dev_i if len(devices) else None,
        device_v_abc_pu=dev_v if len(devices) else None,
        device_v1_pre_pu=dev_v1_pre if len(devices) else None,
        sites={k: tuple(s.name for s in v) for k, v in scen.items()}, charger_i_abc_a=chg,
        pll_frozen=frozen, unconverged=bad,
        staged={br: assemble_staged(p, s_n, c_n, kept_all, len(devices), staged_device_min_a)
                for br, p in stg.items()},
        # the device table's rows at the stages' threshold: the same rule, found once
        _kept={} if kept_all is None or staged_device_min_a <= 0 else {
            float(staged_device_min_a): kept_all})


# --------------------------------------------------------------------------------- pieces


def _copy_solved(si: int, twin: int, ci: int, names: tuple[str, str], c_n: int,
                 bus: tuple, device: tuple, chg: dict, stg: dict, kept: dict) -> None:
    """Scenario ``si``'s case ``ci`` as scenario ``twin``'s, already solved (the same sites,
    the same case; ``names``: theirs, ``si``'s first): its arrays, chargers, stages (the site
    table under its own name) and kept device pairs."""
    for arr in (*bus, *device):
        arr[si, ci] = arr[twin, ci]
    name, twin_name = names
    if twin_name in chg:
        chg.setdefault(name, np.zeros_like(chg[twin_name]))[ci] = chg[twin_name][ci]
    for parts in stg.values():
        t0, t1, dev_a, sites = parts[(twin, ci)]
        parts[(si, ci)] = (t0, t1, dev_a, sites.assign(scenario=name) if len(sites) else sites)
    if (twin, ci) in kept:  # flat (S, C, D, r) positions: the same pairs, offset
        n_flat = device[0].shape[2] * device[0].shape[3]
        kept[(si, ci)] = kept[(twin, ci)] + (si - twin) * c_n * n_flat


def _units(sites, der_names: frozenset[str]) -> str:
    """Whose control a slice's converters are (:func:`~protv2g.engine.pll_note.warn_pll_frozen`
    ``units``): the V2G sites', the feeder's existing inverters' (``der_names``), or both."""
    der = any(s.name in der_names for s in sites)
    chargers = any(s.name not in der_names for s in sites)
    return ("chargers and existing inverters" if der and chargers
            else "existing inverters" if der else "chargers")


def _note_frozen(rows, frozen: np.ndarray, scenario: str, case: Case,
                 units: str = "chargers") -> None:
    """The PLL note of the sequence engine (:func:`protv2g.engine.pll_note.warn_pll_frozen`)
    for the rows of one (scenario, case) solved with the PLL held: one note per fault type,
    counting fault buses (review rev31 §7: the phase engine flagged them silently); ``units``
    whose control it is (:func:`_units`)."""
    types = np.array([f.value for f in rows.fault_type], dtype=object)
    for ft in dict.fromkeys(types[frozen].tolist()):
        at = frozen & (types == ft)
        warn_pll_frozen(len(np.unique(np.asarray(rows.bus)[at])), scenario, case,
                        FaultType(ft), stacklevel=3, units=units)


def _validate(model: DssModel, buses, secondaries: bool, scen, devices, lv_tol: int,
              charger_model: str) -> np.ndarray:
    issues = []
    tab = model.buses
    if buses is None:
        wanted = tab.primary.to_numpy() | bool(secondaries)
    else:
        pos = model.bus_index(list(buses))
        unknown = [str(b) for b, p in zip(buses, pos, strict=True) if p < 0]
        if unknown:
            issues.append(Issue(model.source, "buses", f"unknown bus(es) {unknown[:20]}",
                                "name buses as the model does (see the bus list)"))
        wanted = np.zeros(len(tab), dtype=bool)
        wanted[pos[pos >= 0]] = True
    for name, sites in scen.items():
        names: set[str] = set()
        for i, s in enumerate(sites):
            where = f"{name}[{i}] ({s.name})"
            if s.name in names:
                issues.append(Issue("scenarios", where, "duplicate site name in the scenario",
                                    "give every site of a scenario its own name"))
            names.add(s.name)
            p = model.bus_index([s.bus])[0]
            if p < 0:
                issues.append(Issue("scenarios", where, f"unknown bus {s.bus!r}",
                                    "connect the site to a bus of the model"))
                continue
            bad = [c for c in s.phases.lower() if c not in tab.phases.iloc[p]]
            if bad or not s.phases or len(set(s.phases.lower())) != len(s.phases):
                issues.append(Issue("scenarios", where, f"phases {s.phases!r} not all at bus "
                                    f"{s.bus!r} (it has {tab.phases.iloc[p]!r})",
                                    "connect the site to phases the bus has"))
            elif not all(model.energized[(model.node_bus == p)
                                         & (model.node_num == "abc".index(c) + 1)].any()
                         for c in s.phases.lower()):
                issues.append(Issue("scenarios", where, f"bus {s.bus!r} is de-energised on "
                                    f"phase(s) {s.phases!r} (no path to a source)",
                                    "connect the site to energised phases"))
    seen = set()
    for i, d in enumerate(devices):
        if d.name in seen:
            issues.append(Issue("devices", f"devices[{i}] ({d.name})", "duplicate device name"))
        seen.add(d.name)
    if lv_tol not in (6, 10):
        issues.append(Issue("options", "lv_tolerance_percent", "must be 6 or 10"))
    if charger_model not in ("iterate", "frozen_pll"):
        issues.append(Issue("options", "charger_model", f"unknown {charger_model!r}",
                            "use 'iterate' or 'frozen_pll'"))
    if issues:
        raise InputError(issues)
    return wanted


def _der_ceased(sites: Sequence[PhaseSite], names: frozenset[str]) -> tuple[PhaseSite, ...]:
    """``sites`` with the feeder's existing inverters (``names``) ceased (0 A, no pre-fault
    power), in the same order: the minimum case leaves them out, as the sequence path
    (:attr:`~protv2g.engine.chargers.ChargerSource.max_case_only`) and IEC 60909 ``calc_sc``
    (current sources in the maximum case only)."""
    return tuple(replace(s, source=replace(s.source, mode=ChargerMode.CEASED, p_pre_mw=0.0,
                                           q_pre_mvar=0.0))
                 if s.name in names else s for s in sites)


def _same_sites(scen, high) -> None:  # noqa: ANN001
    """The high bracket's scenarios must be ``scen``'s sites (names, buses, phases)."""
    key = {k: [(s.name, s.bus.lower(), s.phases) for s in v] for k, v in scen.items()}
    if {k: [(s.name, s.bus.lower(), s.phases) for s in v] for k, v in high.items()} != key:
        raise InputError(Issue("options", "high_bracket", "the high bracket's scenarios are "
                               "not the same sites on the same buses and phases as "
                               "'scenarios'", "give each scenario's sites again, with only "
                               "their sustained limits changed"))


def _system_key(case: Case, method: Method, endtemp_degree: float | None) -> tuple[bool, bool]:
    """Which network a case solves on: (lines heated, IEC ``K_T`` on transformers)."""
    return (case is Case.MIN and endtemp_degree is not None,
            case is Case.MAX and method is Method.IEC60909)
