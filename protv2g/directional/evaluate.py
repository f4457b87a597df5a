"""Every directional element of every directional relay on every row of the engine's device table.

:func:`evaluate_directional` is the one evaluation behind the Directional sheet and C9: it feeds
each fault's phasors through the pure elements (:mod:`.elements`) with the study's settings
(:mod:`.settings`), applies each relay's control logic — which element decides for its phase and
its ground overcurrent element (:func:`protv2g.directional.decide.control`) — and judges every
decision against the true direction (:mod:`.true_direction`), the relay's own operate time and
the clearing time of the device that should clear the fault (:mod:`.decide`).

Both paths: the feeder is a pandapower net or an OpenDSS model (voltage bases through
:func:`protv2g.directional.feeder.bus_vn_kv`, the graph through
:func:`protv2g.topology.feeder_graph`); on the phase path a row's faulted phases come from its
``phase`` column (``SLG-b`` faults phase b), its ``fault_type`` label is kept for reporting.

One output row per (scenario, device, fault bus, fault type, case, element, phase):
:data:`DIRECTIONAL_COLUMNS`. ``element`` is ``67P`` (``phase`` a/b/c), ``32Q``, ``67N``, or
``51P``/``51G`` for an overcurrent element left non-directional (an empty element list).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.directional.decide import (
    ALL_RELEASED,
    DIRECTIONAL_COLUMNS,
    control,
    judge,
    released_code,
)
from protv2g.directional.elements import ground_67n, phase_67p
from protv2g.directional.feeder import bus_vn_kv
from protv2g.directional.impedance import (
    ImpedanceElement,
    negative_sequence_32q,
    zero_sequence_32v,
)
from protv2g.directional.memory import prefault_v1_pu
from protv2g.directional.settings import DirectionalSettings, settings_from_study
from protv2g.directional.true_direction import true_direction
from protv2g.engine.faults import FAULTED_PHASES, abc_to_seq
from protv2g.network.dss_model import DssModel
from protv2g.topology import feeder_graph
from protv2g.units import SQRT3, Direction, FaultType

__all__ = ["DIRECTIONAL_COLUMNS", "evaluate_directional",
           "evaluate_fault_directional", "fault_phasors", "released_elements"]

_NONE = Direction.NONE.value
#: Currents at or below a microampere are numerical zeros (no decision), A.
I_ZERO_A = 1e-6

@dataclass(frozen=True)
class FaultPhasors:
    """Phasors of ``n`` engine rows of one device (primary A and V, and pu voltages)."""

    i_abc_a: np.ndarray   # (n, 3)
    v_abc_pu: np.ndarray  # (n, 3)
    i012_a: np.ndarray    # (n, 3) sequence order 0, 1, 2
    v012_v: np.ndarray    # (n, 3)
    v_base_v: float       # phase-to-neutral nominal voltage


def _phasor(df: pd.DataFrame, mag: str, ang: str) -> np.ndarray:
    return df[mag].to_numpy(float) * np.exp(1j * np.radians(df[ang].to_numpy(float)))


def fault_phasors(rows: pd.DataFrame, vn_kv: float) -> FaultPhasors:
    """Phase and sequence phasors of engine device rows (currents kA → A, voltages pu → V).

    ``I1`` is not in the device table; it is formed from the phase currents (``I1 = (Ia +
    a·Ib + a²·Ic)/3``). ``V0`` and ``V2`` come from the table (``v0_*``, ``v2_*``).
    """
    i_abc = 1000.0 * np.stack([_phasor(rows, f"i{p}_ka", f"i{p}_degree") for p in "abc"], -1)
    v_abc = np.stack([_phasor(rows, f"v{p}_pu", f"v{p}_degree") for p in "abc"], -1)
    v_base = vn_kv * 1000.0 / SQRT3
    i012 = abc_to_seq(i_abc)
    v012 = abc_to_seq(v_abc) * v_base
    return FaultPhasors(i_abc, v_abc, i012, v012, v_base)


def _faulted(rows: pd.DataFrame) -> np.ndarray:
    """``(n, 3)`` bool: the faulted phases of each row — its ``phase`` column (the phase
    path's ``"a"``, ``"bc"``, ``"abc"``) where the table has one, else those of its bare
    fault type (``fault_kind``, or ``fault_type`` on the sequence path: SLG on a, LL/LLG on
    b–c, :data:`protv2g.engine.faults.FAULTED_PHASES`)."""
    n = len(rows)
    out = np.zeros((n, 3), bool)
    if "phase" in rows.columns:
        labels = rows["phase"].astype(str).str.lower().to_numpy()
        for label in np.unique(labels):
            out[np.ix_(labels == label, ["abc".index(c) for c in label if c in "abc"])] = True
        return out
    kind = rows["fault_kind" if "fault_kind" in rows.columns else "fault_type"]
    types = kind.astype(str).to_numpy()
    for ft in np.unique(types):
        out[np.ix_(types == ft, list(FAULTED_PHASES[FaultType(ft)]))] = True
    return out


def _impedance_row(e: ImpedanceElement, angle_degree: float, v_base_v: float
                   ) -> dict[str, np.ndarray]:
    """The row quantities of a 32Q / 32V element (its polarising voltage in pu)."""
    n = len(e.z_ohm)
    return dict(declared=e.direction, i_op=e.i_op, v_pol_pu=e.v_pol / v_base_v,
                angle=np.full(n, np.nan), mta=np.full(n, angle_degree), z=e.z_ohm,
                zf=e.forward_threshold_ohm, zr=e.reverse_threshold_ohm, min_pol=np.full(n, np.nan),
                memory=np.zeros(n, bool), low=np.zeros(n, bool),
                enabled=e.forward_supervision | e.reverse_supervision)


def _element_rows(p: FaultPhasors, s: DirectionalSettings, v1_mem: np.ndarray | None
                  ) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """Decision and measured quantities of every element of the relay, per row."""
    n = len(p.i_abc_a)
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    nan = np.full(n, np.nan)
    if "67P" in s.elements:
        e = phase_67p(p.i_abc_a, p.v_abc_pu, s.mta_phase_degree, min_pol_pu=s.min_pol_phase_pu,
                      pickup=0.0, v1_memory=v1_mem if s.use_memory else None,
                      half_width_degree=s.half_width_degree, i_min=I_ZERO_A)
        for k, ph in enumerate("abc"):
            out[("67P", ph)] = dict(
                declared=e.direction[:, k], i_op=e.i_op[:, k], v_pol_pu=e.v_pol[:, k],
                angle=e.delta_degree[:, k], mta=np.full(n, s.mta_phase_degree), z=nan,
                zf=nan, zr=nan, min_pol=np.full(n, s.min_pol_phase_pu),
                memory=e.memory_used[:, k], low=e.low_polarising[:, k],
                enabled=e.direction[:, k] != _NONE)
    if "32Q" in s.elements:
        q = negative_sequence_32q(
            p.v012_v[:, 2], p.i012_a[:, 2], p.i012_a[:, 1], z1_angle_degree=s.z1_angle_degree,
            z2_forward_ohm=s.z2_forward_ohm, z2_reverse_ohm=s.z2_reverse_ohm,
            forward_pickup_a=s.q_forward_pickup_a, reverse_pickup_a=s.q_reverse_pickup_a,
            a2=s.a2, i_min=I_ZERO_A)
        out[("32Q", "")] = _impedance_row(q, s.z1_angle_degree, p.v_base_v)
    if "67N" in s.elements and s.ground_method == "impedance":
        z = zero_sequence_32v(
            p.v012_v[:, 0], 3.0 * p.i012_a[:, 0], p.i012_a[:, 1],
            z0_angle_degree=s.z0_angle_degree, z0_forward_ohm=s.z0_forward_ohm,
            z0_reverse_ohm=s.z0_reverse_ohm, forward_pickup_a=s.g_forward_pickup_a,
            reverse_pickup_a=s.g_reverse_pickup_a, a0=s.a0, i_min=I_ZERO_A)
        out[("67N", "")] = _impedance_row(z, s.z0_angle_degree, p.v_base_v)
    elif "67N" in s.elements:
        g = ground_67n(p.i012_a[:, 0] * 3.0, p.v012_v[:, 0] / p.v_base_v,
                       mta_degree=s.mta_ground_degree, min_pol_pu=s.min_pol_ground_pu,
                       half_width_degree=s.half_width_degree, i_min=I_ZERO_A)
        out[("67N", "")] = dict(
            declared=g.direction, i_op=g.i_op, v_pol_pu=g.v_pol, angle=g.delta_degree,
            mta=np.full(n, s.mta_ground_degree), z=nan, zf=nan, zr=nan,
            min_pol=np.full(n, 3.0 * s.min_pol_ground_pu), memory=np.zeros(n, bool),
            low=g.low_polarising, enabled=g.direction != _NONE)
    return out


def _device_elements(rows: pd.DataFrame, net: object, site: object, s: DirectionalSettings,
                     v1_memory_pu: Mapping[tuple[str, int], complex] | None
                     ) -> tuple[FaultPhasors, dict[tuple[str, str], dict[str, np.ndarray]]]:
    """One relay's rows (``rows``, its device-table rows) as phasors and every directional
    element's decision on them (memory voltage by each row's case at the relay's bus)."""
    p = fault_phasors(rows, bus_vn_kv(net, site.bus))  # type: ignore[attr-defined]
    mem = None
    if v1_memory_pu is not None:
        mem = np.array([v1_memory_pu.get((str(c), int(site.bus)), 0j)  # type: ignore[attr-defined]
                        for c in rows["case"].astype(str)], complex)
    return p, _element_rows(p, s, mem)


def released_elements(device_table: pd.DataFrame, net: object,
                      device_sites: Mapping[str, object],
                      settings: Mapping[str, DirectionalSettings], *,
                      relays: Mapping[str, object] | None = None,
                      v1_memory_pu: Mapping[tuple[str, int], complex] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Which overcurrent elements of each row's device its directional control releases.

    The decision C9 judges (:func:`protv2g.directional.decide.control`, the same elements
    and settings as :func:`evaluate_directional`): an overcurrent element of a
    forward-directional relay (51P/50P of phase a, b, c; 51G/50G) may operate only where
    the element that controls it declares forward — not where it declares reverse, nor
    where it is blocked (polarising quantity below its minimum, supervision not picked
    up; ``docs/directional-elements.md`` §4). The operating times of C1–C4 and C6 read
    it (:func:`protv2g.checks._times.device_times`).

    Parameters
    ----------
    device_table, net, device_sites, settings, relays, v1_memory_pu
        As :func:`evaluate_directional`; ``relays`` give the pickups' operate times (an
        element picks up where its time is finite), without them its current against its
        pickup.

    Returns
    -------
    released : numpy.ndarray of int8, shape (n,)
        Per row of ``device_table`` (by position) the sum of
        :data:`~protv2g.directional.decide.RELEASE_BITS` of the released elements
        (:func:`~protv2g.directional.decide.released_code`);
        :data:`~protv2g.directional.decide.ALL_RELEASED` on the rows of every other device.
    blocked : numpy.ndarray of bool, shape (n,)
        Rows where an overcurrent element that picks up is not released.
    """
    n = len(device_table)
    released = np.full(n, ALL_RELEASED, dtype=np.int8)
    blocked = np.zeros(n, dtype=bool)
    names = device_table["device"].to_numpy()
    for device in pd.unique(names):
        s = settings.get(str(device))
        if s is None or not s.directional:
            continue
        at = np.flatnonzero(names == device)
        rows = device_table.iloc[at].reset_index(drop=True)
        p, elements = _device_elements(rows, net, device_sites[str(device)], s, v1_memory_pu)
        released[at], blocked[at] = released_code(
            control(p, s, elements, (relays or {}).get(str(device))))
    return released, blocked


def evaluate_directional(device_table: pd.DataFrame, net: object,
                         device_sites: Mapping[str, object],
                         settings: Mapping[str, DirectionalSettings], *,
                         relays: Mapping[str, object] | None = None,
                         clearing: pd.DataFrame | None = None,
                         zones: pd.DataFrame | None = None,
                         v1_memory_pu: Mapping[tuple[str, int], complex] | None = None,
                         margin_s: float = 0.1,
                         element_time_columns: Mapping[str, str] | None = None
                         ) -> pd.DataFrame:
    """Directional elements, control logic and verdicts for every fault row.

    Parameters
    ----------
    device_table : pandas.DataFrame
        The engine's device table (``FaultStudyResult.device``: currents kA, voltages pu,
        angles degrees; ``fault_bus_name`` optional).
    net : pandapowerNet or DssModel
        The study's feeder (``study.feeder``: bus voltage bases, the feeder graph); not
        modified. On an OpenDSS model bus indices are positions in ``model.buses`` and the
        rows' ``phase`` column gives the faulted phases.
    device_sites : mapping name → DeviceSite
    settings : mapping name → DirectionalSettings
        Only devices with ``trip_direction == "forward"`` are evaluated.
    relays : mapping name → OvercurrentRelay, optional
        Overcurrent models giving each element's operate time (``phase_time_s``,
        ``ground_time_s``). Without them times are ``nan`` and every wrong trip is taken as
        one that matters.
    clearing : pandas.DataFrame, optional
        ``scenario, fault_bus, fault_type, case, clearing_device, t_clear_s``: the device that
        should clear each fault and when (``t_clear_s`` ``inf`` = no modelled device clears
        it; rows absent or ``nan`` = no device on the substation path — the relay's
        ``unmodelled_clearing_time_s`` is used). An input so that staged times can replace
        today's single-stage ones.
    zones : pandas.DataFrame, optional
        ``device, bus, zone`` (:func:`protv2g.topology.device_zones`): a relay is expected to
        trip for forward faults in its primary and backup zones (all forward faults without).
    v1_memory_pu : mapping (case, bus) → complex, optional
        Pre-fault positive-sequence voltage (:func:`protv2g.directional.memory.prefault_v1_pu`).
    margin_s : float
        A wrong trip within ``t_clear + margin_s`` counts (C6's sympathetic margin).
    element_time_columns : mapping, optional
        ``"a"``, ``"b"``, ``"c"``, ``"G"`` → a column of ``device_table`` holding that
        overcurrent element's operate time (s) on each row, used instead of the relay model's
        time at the row's (first-cycle) current — how the staged operate times of the low
        bracket enter (:func:`protv2g.checks.directional.directional_table`).

    Returns
    -------
    pandas.DataFrame
        :data:`DIRECTIONAL_COLUMNS`; ``step`` is -1 (fault rows).
    """
    graph = None  # built for the first directional device (#21: 0.4 s on the IEEE 8500)
    frames = []
    table = device_table
    if "fault_bus_name" not in table.columns:
        names = (pd.Series(net.buses.index.astype(str)) if isinstance(net, DssModel)
                 else net.bus["name"].astype(str))  # type: ignore[attr-defined]
        table = table.assign(fault_bus_name=table.fault_bus.map(names))
    for device, rows in table.groupby("device", sort=False, observed=True):
        s = settings.get(str(device))
        if s is None or not s.directional:
            continue
        site = device_sites[str(device)]
        rows = rows.reset_index(drop=True)
        p, elements = _device_elements(rows, net, site, s, v1_memory_pu)
        if graph is None:
            graph = feeder_graph(net)
        true_dir = true_direction(graph, site.element, site.element_index,  # type: ignore[attr-defined]
                                  site.bus, site.far_bus,  # type: ignore[attr-defined]
                                  rows["fault_bus"].to_numpy())
        times = None
        if element_time_columns:
            times = {oc: rows[c].to_numpy(float) for oc, c in element_time_columns.items()
                     if c in rows.columns}
        ctrl = control(p, s, elements, (relays or {}).get(str(device)), times)
        faulted = _faulted(rows)
        frames.append(judge(rows, s, elements, ctrl, true_dir, faulted, clearing, zones,
                            str(device), margin_s))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DIRECTIONAL_COLUMNS})
    return pd.concat(frames, ignore_index=True).reindex(columns=DIRECTIONAL_COLUMNS)


def evaluate_fault_directional(device_table: pd.DataFrame, study: object,
                               settings: Mapping[str, DirectionalSettings] | None = None,
                               v1_memory_pu: Mapping[tuple[str, int], complex] | None = None,
                               ) -> pd.DataFrame:
    """Directional table of a study's fault rows without the checks' timing context.

    Decisions, control and true direction as :func:`evaluate_directional`, with the memory
    voltage from :func:`~protv2g.directional.memory.prefault_v1_pu` (on an OpenDSS feeder only
    the ``v1_memory_pu`` given: ``FaultTables.v1_pre_pu``, none without); without relay and
    clearing times every wrong forward decision counts as a ``wrong_trip``. The full
    evaluation (operate and clearing times, zones), which C9 uses, is
    :func:`protv2g.checks.directional.directional_table`.
    """
    settings = dict(settings) if settings is not None else settings_from_study(study)
    net = study.feeder  # type: ignore[attr-defined]
    sites = study.device_sites  # type: ignore[attr-defined]
    if v1_memory_pu is None and isinstance(net, DssModel):
        v1_memory_pu = {}
    if v1_memory_pu is None:
        buses = [sites[n].bus for n, s in settings.items() if s.directional and n in sites]
        doc = study.document  # type: ignore[attr-defined]
        v1_memory_pu = prefault_v1_pu(net, buses, cases=doc.faults.cases,
                                      method=doc.faults.method) if buses else {}
    return evaluate_directional(device_table, net, sites, settings, v1_memory_pu=v1_memory_pu)
