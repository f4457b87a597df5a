"""A V2G site as a fault source: what the engine needs to know about it.

A site is the inverters that are connected (plugged in and online): their kVA rating sizes the
source (``s_rated_mva``), the export setpoint sets its pre-fault current (``p_pre_mw``). Its
injection follows a control law (:mod:`.control_law`) in stages (:mod:`.staging`):

* **first cycle** (``first_cycle_s``, one cycle): every grid-following site that is not
  charging holds its first-cycle limit ``limit_pu`` at the law's angle (the conservative
  planning value; duty and instantaneous elements use this stage); this is also the **high
  bracket** of the site's contribution, held for the whole fault;
* **sustained**: the control law at ``sustained_limit_pu``, with momentary cessation below
  ``cessation_below_pu``;
* **after each trip**: a site whose voltage trip element (``trip``) has timed out injects no
  more current (this, with cessation, is the **low bracket**).

A source without ``trip`` elements and with ``law = constant_current`` and equal limits is the
classical fixed current source (pandapower ``sgen`` with ``k``; IEC 60909-0 §6.2): the engine's
API default, so that a bare ``ChargerSource(name, bus, s_mva)`` keeps meaning what it meant.
The study file's defaults (active-power priority, Category II ride-through, 1.5/1.1 pu) come in
through :mod:`protv2g.study.engine_inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.control_law import ACTIVE, CONSTANT, REACTIVE, LawArrays
from protv2g.engine.ride_through import TripElement
from protv2g.units import AngleRule, ChargerControl, ChargerLaw, ChargerMode

__all__ = ["ChargerSource", "SiteArrays", "charger_arrays", "first_cycle_key",
           "same_first_cycle", "stack_sites", "structure_key", "Z_GFM_DEFAULT_PU"]

#: default grid-forming source impedance on the charger rating (per unit)
Z_GFM_DEFAULT_PU = 0.05 + 0.15j

_LAW_CODE = {ChargerLaw.ACTIVE_PRIORITY: ACTIVE, ChargerLaw.REACTIVE_PRIORITY: REACTIVE,
             ChargerLaw.CONSTANT_CURRENT: CONSTANT}


@dataclass(frozen=True)
class ChargerSource:
    """A V2G site as a fault-current source.

    Parameters
    ----------
    name : str
        Site name (unique within a scenario).
    bus : int
        pandapower bus index of the connection point.
    s_rated_mva : float
        Rating of the connected inverters (chargers plugged in and online × kVA), MVA.
    limit_pu : float
        First-cycle current limit, per unit of the rated current (also the limit of a
        ``constant_current`` source).
    angle_rule : AngleRule
        Angle of a ``constant_current`` source's current to its terminal voltage.
    control : ChargerControl
        Grid following (current source) or grid forming (voltage source behind impedance).
    mode : ChargerMode
        Exporting, charging (``p_pre_mw`` drawn), idle (no pre-fault power) or ceased (0 A).
    p_pre_mw, q_pre_mvar : float
        Pre-fault injection (positive = export), MW / Mvar: the export setpoint.
    k2 : float
        Negative-sequence gain, pu current per pu ``V2`` (0 = positive sequence only).
    z_source_pu : complex or None
        Grid-forming source impedance on the charger rating (default ``0.05 + 0.15j``).
    law : ChargerLaw
        Control law in the sustained stage (default ``constant_current``).
    sustained_limit_pu : float or None
        Sustained current limit (pu of rating); ``None`` = ``limit_pu``.
    k_factor, deadband_pu : float
        Reactive-current gain (pu current per pu dip) and dip dead band (pu) of
        ``reactive_priority``.
    trip : tuple of TripElement
        Voltage trip elements (:func:`protv2g.engine.ride_through.trip_elements`); empty =
        never trips.
    cessation_below_pu : float
        Momentary cessation below this applicable voltage (pu of pre-fault); 0 = none.
    max_case_only : bool
        A source of the **maximum case only**, ceased (0 A) in the minimum case: the feeder's
        existing full-converter units, which pandapower's IEC 60909 ``calc_sc`` adds as
        current sources for maximum currents only (``_current_source_current``: "only for
        Type A and case max"; review s16 §3 item 2). Default ``False`` (the V2G sites).
    """

    name: str
    bus: int
    s_rated_mva: float
    limit_pu: float = 1.2
    angle_rule: AngleRule = AngleRule.UNITY_PF
    control: ChargerControl = ChargerControl.GRID_FOLLOWING
    mode: ChargerMode = ChargerMode.EXPORTING
    p_pre_mw: float = 0.0
    q_pre_mvar: float = 0.0
    k2: float = 0.0
    z_source_pu: complex | None = None
    law: ChargerLaw = ChargerLaw.CONSTANT_CURRENT
    sustained_limit_pu: float | None = None
    k_factor: float = 2.0
    deadband_pu: float = 0.0
    trip: tuple[TripElement, ...] = ()
    cessation_below_pu: float = 0.0
    max_case_only: bool = False

    @property
    def dynamic(self) -> bool:
        """Whether the source changes after the first cycle (law, limit, cessation, trip); a
        ceased source (0 A throughout: an existing inverter in the minimum case) never does."""
        if ChargerMode(self.mode) is ChargerMode.CEASED:
            return False
        sus = self.limit_pu if self.sustained_limit_pu is None else self.sustained_limit_pu
        return (bool(self.trip) or self.cessation_below_pu > 0 or abs(sus - self.limit_pu)
                > 1e-12 or (ChargerLaw(self.law) is not ChargerLaw.CONSTANT_CURRENT
                            and ChargerControl(self.control) is ChargerControl.GRID_FOLLOWING)
                or ChargerMode(self.mode) is ChargerMode.CHARGING)


@dataclass
class SiteArrays:
    """Vectorised parameters of ``k`` sites on the system per-unit base.

    ``law`` (control law), ``i_fc``/``i_sus`` first-cycle and sustained limits (pu current,
    0 when ceased), ``hold`` (holds ``i_fc`` at ``law.phi`` in the first cycle), ``mc_pu``
    (cessation threshold), ``trip_uv``/``trip_pickup``/``trip_clearing_s`` ``(k, E)`` (NaN
    pickup: no element), ``s_pre`` pre-fault complex injection, ``dynamic``: any site changes
    after the first cycle.
    """

    law: LawArrays
    i_fc: np.ndarray
    i_sus: np.ndarray
    hold: np.ndarray
    mc_pu: np.ndarray
    trip_uv: np.ndarray
    trip_pickup: np.ndarray
    trip_clearing_s: np.ndarray
    s_pre: np.ndarray
    dynamic: bool

    @property
    def gfm(self) -> np.ndarray:
        return self.law.gfm

    @property
    def i_lim_pu(self) -> np.ndarray:
        """The first-cycle limit (the largest current a site injects), pu."""
        return self.i_fc


def charger_arrays(chargers: list[ChargerSource], base_mva: float) -> SiteArrays:
    """Parameters of ``chargers`` as arrays on the system base ``base_mva``.

    Raises
    ------
    ValueError
        For an unknown mode, angle rule, control or law (listing the allowed values).
    """
    k = len(chargers)
    modes = [ChargerMode(c.mode) for c in chargers]
    rules = [AngleRule(c.angle_rule) for c in chargers]
    controls = [ChargerControl(c.control) for c in chargers]
    laws = [ChargerLaw(c.law) for c in chargers]
    f = np.array
    s_rated = f([float(c.s_rated_mva) for c in chargers], dtype=float).reshape(k)
    i_rated = s_rated / base_mva
    charging = f([m is ChargerMode.CHARGING for m in modes], dtype=bool).reshape(k)
    ceased = f([m is ChargerMode.CEASED for m in modes], dtype=bool).reshape(k)
    idle = f([m is ChargerMode.IDLE for m in modes], dtype=bool).reshape(k)
    p_mw = f([float(c.p_pre_mw) for c in chargers], dtype=float).reshape(k)
    q_mvar = f([float(c.q_pre_mvar) for c in chargers], dtype=float).reshape(k)
    p_eff = np.where(charging, -np.abs(p_mw), np.where(idle, 0.0, p_mw))
    q_eff = np.where(idle, 0.0, q_mvar)
    code = f([_LAW_CODE[x] for x in laws], dtype=np.int64).reshape(k)
    has_pq = (p_eff != 0) | (q_eff != 0)
    phi = np.where(has_pq, np.angle(p_eff + 1j * q_eff), np.where(charging, np.pi, 0.0))
    reactive_angle = f([(lw is ChargerLaw.REACTIVE_PRIORITY) or (
        lw is ChargerLaw.CONSTANT_CURRENT and r is AngleRule.REACTIVE)
        for lw, r in zip(laws, rules, strict=True)], dtype=bool).reshape(k)
    phi = np.where(reactive_angle, np.pi / 2, phi)
    gfm = f([c is ChargerControl.GRID_FORMING for c in controls], dtype=bool).reshape(k)
    z_rated = f([Z_GFM_DEFAULT_PU if c.z_source_pu is None else complex(c.z_source_pu)
                 for c in chargers], dtype=complex).reshape(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sys = np.where(s_rated > 0, z_rated * base_mva / np.where(s_rated > 0, s_rated, 1), 0)
    law = LawArrays(law=code, gfm=gfm, i_rated=i_rated, p=p_eff / base_mva,
                    q=q_eff / base_mva, phi=phi,
                    k_factor=f([float(c.k_factor) for c in chargers], dtype=float).reshape(k),
                    deadband=f([float(c.deadband_pu) for c in chargers], dtype=float).reshape(k),
                    k2=f([float(c.k2) for c in chargers], dtype=float).reshape(k),
                    z_gfm=z_sys)
    lim_fc = f([float(c.limit_pu) for c in chargers], dtype=float).reshape(k)
    lim_sus = f([float(c.limit_pu if c.sustained_limit_pu is None else c.sustained_limit_pu)
                 for c in chargers], dtype=float).reshape(k)
    n_e = max((len(c.trip) for c in chargers), default=0)
    uv = np.zeros((k, n_e), bool)
    pick = np.full((k, n_e), np.nan)
    clear = np.full((k, n_e), np.inf)
    for i, c in enumerate(chargers):
        for j, el in enumerate(c.trip):
            uv[i, j], pick[i, j], clear[i, j] = el.kind == "uv", el.pickup_pu, el.clearing_s
    return SiteArrays(
        law=law, i_fc=np.where(ceased, 0.0, lim_fc * i_rated),
        i_sus=np.where(ceased, 0.0, lim_sus * i_rated), hold=~charging & ~gfm,
        mc_pu=f([float(c.cessation_below_pu) for c in chargers], dtype=float).reshape(k),
        trip_uv=uv, trip_pickup=pick, trip_clearing_s=clear,
        s_pre=(p_eff + 1j * q_eff) / base_mva, dynamic=any(c.dynamic for c in chargers))


_PER_COLUMN = ("i_rated", "p", "q", "phi", "k_factor", "deadband", "k2", "z_gfm")


def structure_key(sites: SiteArrays) -> tuple:
    """What must be equal for scenarios to be solved together as one set of columns (the
    same sites with the same law codes, modes and ride-through settings); the rest (rating,
    export, limits, gains) may differ per scenario (:func:`stack_sites`)."""
    return (sites.law.law.tobytes(), sites.law.gfm.tobytes(), sites.hold.tobytes(),
            sites.mc_pu.tobytes(), sites.trip_uv.tobytes(), sites.trip_pickup.tobytes(),
            sites.trip_clearing_s.tobytes())


def first_cycle_key(sites: SiteArrays) -> bytes:
    """What the first-cycle stage of a scenario depends on, among scenarios with the same
    :func:`structure_key` and the same network: equal keys, equal first-cycle equations (and
    solutions). A held site (``hold``, or the constant-current law) injects its first-cycle
    limit at ``φ`` whatever its export and gains (:func:`.control_law.injection`), so those
    drop out of its key: scenarios that differ only in their export share their first cycle."""
    law = sites.law
    held = np.asarray(sites.hold, bool) | (law.law == CONSTANT)
    free = [np.where(held, 0.0, x) for x in (law.p, law.q, law.k_factor, law.deadband)]
    parts = [sites.i_fc, law.phi, law.k2, law.i_rated, law.z_gfm,
             np.where(law.gfm, sites.s_pre, 0), *free]
    return b"".join(np.ascontiguousarray(x).tobytes() for x in parts)


def same_first_cycle(a: SiteArrays | None, b: SiteArrays | None) -> bool:
    """Whether two scenarios' site sets (at the same buses) have the same first-cycle stage at
    every fault bus: the same :func:`structure_key` (so they group alike) and the same
    :func:`first_cycle_key`. The chargers' two brackets (``high_scenarios``: the same sources
    with another ``sustained_limit_pu``) always do — that limit enters only ``i_sus`` and
    ``dynamic`` (:func:`charger_arrays`), neither of which is in either key — so the high
    bracket takes the low bracket's first-cycle stage instead of solving it again (#21)."""
    return (a is not None and b is not None and structure_key(a) == structure_key(b)
            and first_cycle_key(a) == first_cycle_key(b))


def stack_sites(group: list[SiteArrays], m: int) -> SiteArrays:
    """The sites of several scenarios (same :func:`structure_key`) as one set of
    ``len(group)·m`` columns: scenario ``s`` is columns ``s·m … (s+1)·m − 1``. Per-column
    fields become ``(k, M)`` in the law and ``(M, k)`` for the limits and pre-fault power."""
    if len(group) == 1:
        return group[0]
    g0 = group[0]

    def rows(get) -> np.ndarray:  # (M, k), C order: each scenario's (k,) row m times
        return np.repeat(np.stack([np.asarray(get(s)) for s in group]), m, axis=0)

    # the law's (k, M) fields as transposed views of (M, k) rows: the compiled solve reads a
    # column's parameters as one row (:func:`.newton_setup.column_args`, no transposed copy)
    law = LawArrays(law=g0.law.law, gfm=g0.law.gfm,
                    **{f: rows(lambda s, f=f: getattr(s.law, f)).T for f in _PER_COLUMN})
    return SiteArrays(law=law, i_fc=rows(lambda s: s.i_fc), i_sus=rows(lambda s: s.i_sus),
                      hold=g0.hold, mc_pu=g0.mc_pu, trip_uv=g0.trip_uv,
                      trip_pickup=g0.trip_pickup, trip_clearing_s=g0.trip_clearing_s,
                      s_pre=rows(lambda s: s.s_pre), dynamic=any(s.dynamic for s in group))
