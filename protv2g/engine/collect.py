"""``fault_study``: every bus × fault type × case × scenario, collected into one result."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandapower as pp

from protv2g.engine.chargers import ChargerSource
from protv2g.engine.device_rows import DeviceRowsBuilder, SliceKey
from protv2g.engine.result import FaultStudyResult
from protv2g.engine.sequence import Prefault
from protv2g.engine.slices import FaultSlice
from protv2g.engine.staged_result import BusStages, StagedResult, put_site_peaks, put_stages
from protv2g.engine.study import (
    ChargerModel,
    DeviceTerminal,
    Keep,
    _bus_names,
    iter_fault_study,
)
from protv2g.errors import InputError, Issue
from protv2g.memory_pages import small_pages
from protv2g.units import Case, FaultType, Method

__all__ = ["fault_study", "release_freed_memory"]


@small_pages()
def fault_study(net: pp.pandapowerNet, *, fault_types: Sequence[FaultType] = tuple(FaultType),
                cases: Sequence[Case] = (Case.MAX, Case.MIN),
                method: Method = Method.IEC60909, r_fault_ohm: float = 0.0,
                x_fault_ohm: float = 0.0, r_fault_min_ohm: float | None = None,
                scenarios: Mapping[str, Sequence[ChargerSource]] | None = None,
                devices: Sequence[DeviceTerminal] = (), buses: Sequence[int] | None = None,
                v_pre_pu: Mapping[int, complex] | np.ndarray | None = None,
                lv_tolerance_percent: int = 10, dtype: type = np.complex128,
                charger_model: ChargerModel = "control_law",
                keep: Keep = "full", staged: bool = True,
                first_cycle_s: float | None = None,
                prefault: Prefault = "open_circuit", device_min_a: float | None = None,
                device_rows: Mapping[SliceKey, np.ndarray] | None = None,
                device_voltages: bool = True,
                high_scenarios: Mapping[str, Sequence[ChargerSource]] | None = None,
                networks: dict | None = None,
                high_rows: Literal["all", "differing"] = "all") -> FaultStudyResult:
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
        (the network at its actual state: transformer taps and winding ratios in the
        admittances, loads as constant admittances, no c factor, no ``K_T``/``K_G``; the
        pre-fault voltage of ``prefault``, or ``v_pre_pu`` where given).
    r_fault_ohm, x_fault_ohm : float
        Fault impedance per faulted phase, Ω (LL: ``2·Z_F`` between phases; SLG: ``Z_F`` to
        ground; LLG: ``Z_F`` in each phase to a solidly earthed point).
    r_fault_min_ohm : float, optional
        Fault resistance of ground faults (SLG, LLG) in the min case on buses above 1 kV, Ω
        (e.g. 20–40 Ω); low-voltage buses keep ``r_fault_ohm`` (a medium-voltage practice:
        :func:`protv2g.engine.phase.faults.fault_impedance`).
    scenarios : mapping, optional
        Scenario name → chargers; default one scenario ``"base"`` without chargers.
    devices : sequence of DeviceTerminal
        Where device phasors are wanted.
    buses : sequence of int, optional
        Fault buses (pandapower indices); default every in-service bus.
    v_pre_pu : mapping or array, optional
        Complex pre-fault voltage per pandapower bus (``classical`` only), in place of the
        ``prefault`` state at those buses.
    lv_tolerance_percent : int
        6 or 10: LV c factors (IEC 60909-0 Table 1).
    dtype : numpy dtype
        Storage type of the result arrays (``numpy.complex64`` halves the memory of large
        studies; the computation itself is always complex128).
    charger_model : {"control_law", "frozen_pll"}
        ``control_law`` (default; alias ``iterate``): each site's control law at every fault
        bus with the PLL tracking its terminal voltage, solved by Newton's method, in stages.
        ``frozen_pll`` (fast): chargers as fixed current sources at their first-cycle limit
        and pre-fault angle, by exact superposition, one stage — see
        :func:`~protv2g.engine.study.iter_fault_study` and ``benchmarks/bench_engine.py``.
    keep : {"full", "summary"}
        ``full``: every device phasor (``D × buses`` per slice; ``.device`` table).
        ``summary``: bus currents plus per-device maxima over the fault buses only
        (``device_max_ka``, ``.device_summary``): memory ``O(buses + devices)`` per slice —
        for 10,000-bus feeders with many scenarios. Use
        :func:`~protv2g.engine.study.iter_fault_study` to stream full slices instead.
    staged : bool
        Also solve the chargers' later stages (sustained, after each trip): ``.staged``.
        The result's own arrays and tables are always the first-cycle stage (= every site
        holding its first-cycle limit, the high bracket); ``result.stage_view(j)`` gives any
        stage with the same shape.
    first_cycle_s : float, optional
        Duration of the first-cycle stage; default one cycle of ``net.f_hz``.
    prefault : {"open_circuit", "power_flow"}
        Pre-fault state of the ``classical`` method (the names of ``protv2g faults
        --prefault`` on OpenDSS masters): the open-circuit voltage of the network, every
        source at its EMF with loads as constant admittances at rated voltage (default; what
        OpenDSS's fault study uses), or the voltages of a pandapower power flow (loads then
        as admittances at the power-flow voltage, pandapower's ``calc_sc`` type C). Ignored
        by ``iec60909`` (anything but the default is refused).
    device_min_a : float, optional
        Keep only the device rows where the device sees at least this current (A) in a phase
        or in ``3·I0`` (:func:`~protv2g.engine.device_rows.device_row_kept`; a study passes
        :data:`~protv2g.engine.device_rows.DEVICE_ROW_MIN_A`), dropped slice by slice as the
        engine yields them: the dense device arrays are then not built (``device_i_012_ka``,
        ``device_v_012_pu`` and the staged ones are ``None``), ``.device`` has the kept rows
        only and ``.device_rows`` holds them (``keep="full"`` only).
    device_rows : mapping, optional
        With ``device_min_a``: keep these rows instead (``result.device_rows.positions`` of
        another run on the same buses and devices, e.g. the chargers' other bracket).
    device_voltages : bool
        ``False`` (with ``device_min_a`` only): no device voltages are computed — the
        ``.device`` table's voltage columns are NaN; for a run whose staged currents alone
        are read (the chargers' other bracket). With ``device_min_a`` the voltages of the
        stages after the first cycle are never computed (the kept rows hold the first
        cycle's only).
    high_scenarios : mapping, optional
        With ``device_min_a``: the same scenarios with the chargers' other limits (same keys
        and chargers), solved in the same call on the same factorisations, at the rows this
        result keeps, currents only (``device_voltages=False``): ``result.high``
        (:func:`~protv2g.engine.study.iter_fault_study`; #21, a second call rebuilt every
        case's sequence networks).
    high_rows : {"all", "differing"}
        With ``high_scenarios``: ``result.high.device_rows`` holds every row (default) or
        only the rows whose stages differ in some bit from this result's
        (``DeviceRows.of_rows`` says which; the others are this result's, #21: what the
        pipeline keeps of the high bracket, :func:`~protv2g.engine.staged_tables.
        shared_brackets`).
    networks : dict, optional
        A dict kept by the caller between calls on the same net: the sequence networks are
        taken from it where built before, and put in it (one build per case for many calls,
        :func:`~protv2g.engine.sequence.network_builder`).

    Returns
    -------
    FaultStudyResult

    Raises
    ------
    InputError
        Missing/invalid short-circuit data (every field named), unknown or islanded buses,
        unknown devices, unknown options.

    Examples
    --------
    >>> res = fault_study(net, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX])
    >>> res.bus[["bus", "ikss_ka"]]  # doctest: +SKIP
    """
    if keep not in ("full", "summary"):
        raise InputError(Issue("options", "keep", f"unknown {keep!r}", "use 'full' or 'summary'"))
    fault_types = tuple(FaultType(f) for f in fault_types)
    cases = tuple(Case(c) for c in cases)
    scen = {"base": ()} if not scenarios else {k: tuple(v) for k, v in scenarios.items()}
    names = list(scen)
    d = len(devices)
    full = keep == "full"
    rows = (DeviceRowsBuilder(device_min_a, device_rows)
            if full and device_min_a is not None else None)
    if not device_voltages and rows is None:
        raise InputError(Issue("options", "device_voltages", "False needs kept device rows",
                               "pass device_min_a (and keep='full') or leave it True"))
    voltages = "all" if rows is None else "first_cycle" if device_voltages else "none"
    low = _Collected(scen, cases, fault_types, d, full, rows, dtype)
    if high_rows not in ("all", "differing"):
        raise InputError(Issue("options", "high_rows", f"unknown {high_rows!r}",
                               "use 'all' or 'differing'"))
    high = None if high_scenarios is None else _Collected(
        {k: tuple(v) for k, v in high_scenarios.items()}, cases, fault_types, d, full,
        DeviceRowsBuilder(device_min_a, against=rows if high_rows == "differing" else None)
        if rows is not None else None, dtype)
    for sl in iter_fault_study(
            net, fault_types=fault_types, cases=cases, method=method, r_fault_ohm=r_fault_ohm,
            x_fault_ohm=x_fault_ohm, r_fault_min_ohm=r_fault_min_ohm, scenarios=scen,
            devices=devices, buses=buses, v_pre_pu=v_pre_pu,
            lv_tolerance_percent=lv_tolerance_percent, dtype=dtype,
            charger_model=charger_model, reduce=not full, staged=staged,
            first_cycle_s=first_cycle_s, prefault=prefault, device_voltages=voltages,
            device_min_a=None if rows is None else rows.min_current_a,
            device_rows=None if device_rows is None or rows is None else {
                (names[k[0]], cases[k[1]], fault_types[k[2]]): v
                for k, v in device_rows.items()}, high_scenarios=high_scenarios,
            networks=networks, high_same_columns=high_rows == "differing"):
        (high if sl.high_bracket and high is not None else low).add(sl)
    release_freed_memory()  # the slices' freed transients, before the rows are built (#21)
    # room behind the first bracket's stage rows for the other's differing rows (#21:
    # ``shared_brackets`` appends them there instead of copying both)
    spare = (high.rows.n_rows() if high is not None and high.rows is not None
             and high.rows.against is not None else 0)
    res = low.result(net, devices, spare_rows=spare)
    del low  # its slices, before the other bracket's rows are built
    if high is None:
        return res
    release_freed_memory()
    return replace(res, high=high.result(net, devices, res.fault_bus_names))


class _Collected:
    """The slices of one bracket as :func:`fault_study` collects them into its result."""

    def __init__(self, scen: dict, cases: tuple, fault_types: tuple, d: int, full: bool,
                 rows: DeviceRowsBuilder | None, dtype: type) -> None:
        self.scen, self.names, self.cases, self.fault_types = scen, list(scen), cases, fault_types
        self.d, self.full, self.rows, self.dtype = d, full, rows, dtype
        c_n = len(cases)
        self.bus_i = self.dev_i = self.dev_v = self.dev_max = self.dev_bus = None
        self.chg_i: dict = {k: None for k in scen}
        self.chg_lim = {name: np.zeros((c_n, len(chs))) for name, chs in scen.items()}
        self.iterations: dict = {}
        self.frozen = self.unconverged = self.residual = self.fault_buses = None
        self.pieces: dict = {}
        self.peaks: dict = {}  # kept rows: the sites' peaks
        self.v1_pre = np.full((c_n, d), np.nan + 0j)

    def add(self, sl: FaultSlice) -> None:
        """Put one slice in its place (kept rows: its device arrays go to the rows)."""
        s_n, c_n, t_n, d, dtype = (len(self.scen), len(self.cases), len(self.fault_types),
                                   self.d, self.dtype)
        si, ci, ti = (self.names.index(sl.scenario), self.cases.index(sl.case),
                      self.fault_types.index(sl.fault_type))
        m = len(sl.fault_buses)
        if self.bus_i is None:
            self.fault_buses = sl.fault_buses
            self.bus_i = np.zeros((s_n, c_n, t_n, m, 3), dtype=dtype)
            self.frozen = np.zeros((s_n, c_n, t_n, m), dtype=bool)
            self.unconverged = np.zeros((s_n, c_n, t_n, m), dtype=bool)
            self.residual = np.full((s_n, c_n, t_n, m), np.nan)
            if self.full and self.rows is None:
                self.dev_i = np.zeros((s_n, c_n, t_n, d, m, 3), dtype=dtype)
                self.dev_v = np.zeros((s_n, c_n, t_n, d, m, 3), dtype=dtype)
            elif not self.full:
                self.dev_max = np.zeros((s_n, c_n, t_n, d, 2))
                self.dev_bus = np.zeros((s_n, c_n, t_n, d, 2), dtype=np.int64)
        self.bus_i[si, ci, ti] = sl.bus_i_012_ka
        self.frozen[si, ci, ti] = sl.pll_frozen
        self.unconverged[si, ci, ti] = sl.unconverged
        self.residual[si, ci, ti] = sl.pll_residual if sl.pll_residual is not None else np.nan
        if self.rows is not None:  # the kept rows only; the slice goes on without them
            sl = self.rows.add((si, ci, ti), sl)
        self.pieces[(si, ci, ti)] = sl
        if sl.device_v1_pre_pu is not None:
            self.v1_pre[ci] = sl.device_v1_pre_pu
        if self.dev_i is not None:
            self.dev_i[si, ci, ti] = sl.device_i_012_ka
            self.dev_v[si, ci, ti] = sl.device_v_012_pu
        elif not self.full:
            self.dev_max[si, ci, ti] = sl.device_max_ka
            self.dev_bus[si, ci, ti] = sl.device_max_bus
        if sl.charger_limit_ka is not None:
            self.chg_lim[sl.scenario][ci] = sl.charger_limit_ka
            self.iterations[(sl.scenario, sl.case, sl.fault_type)] = sl.iterations
            if sl.charger_i_12_ka is not None:
                if self.chg_i[sl.scenario] is None:
                    self.chg_i[sl.scenario] = np.zeros((c_n, t_n) + sl.charger_i_12_ka.shape,
                                                       dtype=dtype)
                self.chg_i[sl.scenario][ci, ti] = sl.charger_i_12_ka
        x = sl.staged_charger_i_12_ka
        if self.rows is not None and x is not None:  # kept rows: the sites' peaks now, the
            # slice's staged charger currents let go (#21: ≈ 5 MB a slice held to the end)
            if sl.scenario not in self.peaks:  # made once (#21: ``setdefault`` made and
                # zeroed a 4 MB array at every slice, 10,000 buses)
                self.peaks[sl.scenario] = np.zeros((c_n, t_n, 2) + x.shape[1:3])
            put_site_peaks(self.peaks[sl.scenario][ci, ti], x, dtype)
            self.pieces[(si, ci, ti)] = replace(sl, charger_i_12_ka=None,
                                                staged_charger_i_12_ka=None)

    def result(self, net: pp.pandapowerNet, devices: Sequence[DeviceTerminal],
               bus_names: np.ndarray | None = None, spare_rows: int = 0) -> FaultStudyResult:
        """The collected slices as one result (``bus_names``: the fault buses' names when
        the caller has them, e.g. from the other bracket's result; #21: made once;
        ``spare_rows``: :meth:`DeviceRowsBuilder.build`'s)."""
        c_n, t_n, scen, fault_buses = (len(self.cases), len(self.fault_types), self.scen,
                                       self.fault_buses)
        for name, chs in scen.items():
            if self.chg_i[name] is None and self.full:
                self.chg_i[name] = np.zeros((c_n, t_n, len(chs), len(fault_buses), 2),
                                            dtype=self.dtype)
        if bus_names is None:
            bus_names = _bus_names(net, fault_buses)
        st = _collect_stages(self.pieces, scen, self.cases, self.fault_types, fault_buses,
                             bus_names, devices, "full" if self.dev_i is not None else "summary"
                             if not self.full else "kept", self.dtype, self.peaks)
        return FaultStudyResult(
            scenarios=tuple(scen), cases=self.cases, fault_types=self.fault_types,
            fault_buses=fault_buses, fault_bus_names=bus_names,
            devices=tuple(dv.name for dv in devices), bus_i_012_ka=self.bus_i,
            device_i_012_ka=self.dev_i, device_v_012_pu=self.dev_v,
            chargers={k: tuple(c.name for c in v) for k, v in scen.items()},
            charger_i_12_ka={k: v for k, v in self.chg_i.items() if v is not None},
            charger_limit_ka=self.chg_lim, iterations=self.iterations,
            pll_frozen=self.frozen, unconverged=self.unconverged, device_max_ka=self.dev_max,
            device_max_bus=self.dev_bus, pll_residual=self.residual, staged=st,
            device_v1_pre_pu=self.v1_pre, device_rows=None if self.rows is None
            else self.rows.build(len(fault_buses), self.dtype, spare_rows))


def _collect_stages(pieces: dict, scen: dict, cases, fault_types, fault_buses, bus_names,
                    devices, device: str, dtype, peaks: dict | None = None) -> StagedResult:
    """Stage arrays of every slice, padded to the largest stage count; device arrays dense
    (``device="full"``), per-device maxima (``"summary"``) or none (``"kept"``: the kept
    rows are in ``FaultStudyResult.device_rows``; the bus stages then assembled on first
    use from the slices' own arrays, :attr:`StagedResult.bus_i_012_ka`, and of the
    chargers' staged currents only the sites' peaks, ``site_peaks_ka``; ``peaks``: those
    already taken from the slices, :meth:`_Collected.add`)."""
    full = device == "full"
    names = list(scen)
    s_n, c_n, t_n = len(names), len(cases), len(fault_types)
    n = max((sl.n_stages for sl in pieces.values()), default=1)
    m, d = len(fault_buses), len(devices)
    t0 = np.full((s_n, c_n, t_n, n, m), np.inf)
    t1 = np.full((s_n, c_n, t_n, n, m), np.inf)
    bus_stages = BusStages({k: sl.staged_bus_i_012_ka for k, sl in pieces.items()},
                           (s_n, c_n, t_n, n, m, 3), dtype)
    dev_i = dev_v = dev_max = dev_bus = None
    if full:
        dev_i = np.zeros((s_n, c_n, t_n, n, d, m, 3), dtype=dtype)
        dev_v = np.zeros((s_n, c_n, t_n, n, d, m, 3), dtype=dtype)
    elif device == "summary":
        dev_max = np.zeros((s_n, c_n, t_n, n, d, 2))
        dev_bus = np.zeros((s_n, c_n, t_n, n, d, 2), dtype=np.int64)
    chg, trip, ceased, v_min = {}, {}, {}, {}
    for (si, ci, ti), sl in pieces.items():
        put_stages(t0[si, ci, ti], sl.stage_t_start_s, True)
        put_stages(t1[si, ci, ti], sl.stage_t_end_s, True)
        if full:
            put_stages(dev_i[si, ci, ti], sl.staged_device_i_012_ka)
            put_stages(dev_v[si, ci, ti], sl.staged_device_v_012_pu)
        elif dev_max is not None:
            put_stages(dev_max[si, ci, ti], sl.staged_device_max_ka)
            put_stages(dev_bus[si, ci, ti], sl.staged_device_max_bus)
        name = names[si]
        k = len(scen[name])
        if sl.site_trip_s is not None:
            for store, x, fill in ((trip, sl.site_trip_s, np.inf), (ceased, sl.site_ceased,
                                                                      False),
                                   (v_min, sl.site_v_min_pu, np.nan)):
                if name not in store:
                    store[name] = np.full((c_n, t_n, k, m), fill, dtype=np.asarray(x).dtype)
                store[name][ci, ti] = x
        # kept rows: the slice's staged charger currents were let go once its sites' peaks
        # were taken (:meth:`_Collected.add`, ``peaks``)
        if sl.staged_charger_i_12_ka is not None:
            if name not in chg:
                chg[name] = np.zeros((c_n, t_n, n, k, m, 2), dtype=dtype)
            put_stages(chg[name][ci, ti], sl.staged_charger_i_12_ka)
        # the slice's own arrays go once copied (#21: the chargers' stages were held twice
        # while the device rows were built, ≈ 50 MiB a bracket at 10,000 buses)
        pieces[(si, ci, ti)] = replace(sl, charger_i_12_ka=None, staged_charger_i_12_ka=None,
                                       site_trip_s=None, site_ceased=None, site_v_min_pu=None)
    return StagedResult(
        scenarios=tuple(names), cases=tuple(cases), fault_types=tuple(fault_types),
        fault_buses=fault_buses, fault_bus_names=bus_names,
        devices=tuple(dv.name for dv in devices), t_start_s=t0, t_end_s=t1,
        # the dense bus stages only on first use where the device rows are kept or only the
        # devices' maxima (nothing on the pipeline's path reads them, #21: ≈ 120 MiB at the
        # engine's peak; a summary run's largest array: 10 scenarios × 5 stages at 10,000
        # buses, 384 MB); with every device phasor now
        bus_stages=bus_stages if device in ("kept", "summary") else bus_stages(),
        device_i_012_ka=dev_i, device_v_012_pu=dev_v, device_max_ka=dev_max,
        device_max_bus=dev_bus, chargers={k: tuple(c.name for c in v) for k, v in scen.items()},
        charger_i_12_ka=chg, site_trip_s=trip, site_ceased=ceased, site_v_min_pu=v_min,
        site_peaks_ka={} if peaks is None else peaks)


def release_freed_memory() -> None:
    """Hand the memory freed by a stage back to the operating system (glibc ``malloc_trim``;
    nothing elsewhere).

    The fault stage's transients (the engine's per-slice device arrays, the per-charger-set
    tables before their expansion) are freed when it ends, but glibc keeps most of the freed
    heap for later allocations: the process held ≈ 2× its live tables after the stage (#21,
    ``benchmarks/bench_memory.py``: 1,000 buses 247 MiB held, 129 MiB live; trimmed 169 MiB,
    in 0.01 s). Values and results are untouched; later stages fault the pages in again when
    they need them. :func:`fault_study` calls it before it builds each bracket's kept rows
    (the slices' freed transients: 10,000 buses, peak 1,510 → see ``_Collected.result``).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None (not Linux, not glibc: musl has none). Looked up
    once: ``ctypes.util.find_library`` runs ``ldconfig`` in a subprocess."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
