"""Where a V2G-caused C1–C4 row on a minimum-case ground fault stands on the fault resistance.

Review rev48a item 1 (EPRI ckt5, F03): the drafted 51G (190 A, MI TD 0.7) at the feeder head
over a 65K link passed without V2G at the SLG-c fault at 39749 (20 Ω, 295.6 A: interval
0.386 s against the 0.12 s CTI) and failed with the homes exporting — "caused by V2G". But
the 51G curve crosses the 65K total-clearing curve (less the CTI) near 287 A: the same two
devices fall short of the interval without V2G for every ground fault there above ≈ 20.75 Ω,
inside the 20–40 Ω practice range the study's ``r_fault_min_ohm`` is the low end of. The
homes only move the crossing through the one resistance studied. The row keeps its label
(at the studied resistance the base case passes and V2G makes it fail: that is what the
attribution rule states), and its message says where the base case itself falls short.

Method, for each such row (C1–C4, ``new``, failing, min case, SLG on a bus above 1 kV, where
``r_fault_min_ohm`` applies; the margin of its rule from the devices' curves,
:mod:`.base_crossing_rules`: C1/C4 intervals, C3's melting-time ratio, C2's fuse saving, fuse
backup and source-side factor):

1. **Crossing current.** Without V2G the network has no source between the two devices, so
   every current of the fault scales with the fault current (the IEC 60909 method has no
   load currents: superposition of one source). With ``s`` that scale, both devices' phase
   and residual currents of the base row are ``s`` times the row's, and the base margin is
   ``m(s) = t_backup(s) − t_primary(s) − CTI`` with the devices' own curves
   (:func:`protv2g.devices.kinds.operating_times`; the primary's clearing time as the check
   takes it: its longest shot where it has one, else its operating time). Infeed between the
   devices (a shunt, an existing generator of the base case) is carried by the row's own
   ratio of the two devices' currents, held at every ``s``. The crossing is the largest
   ``s < 1`` with ``m(s) = 0`` (scan on a geometric grid, then bisection). The method is used
   only where ``m(1)`` reproduces the base row's margin (within :data:`SELF_CHECK_S`).
2. **Fault resistance of the crossing.** An SLG through ``R_F`` at a bus sees the Thevenin
   loop ``(z + R_F)·I = E`` (phase coordinates: :mod:`protv2g.engine.phase.faults`), ``E =
   c·U_n/√3`` (IEC 60909-0 §6.1; c_max 1.10, c_min 1.00 above 1 kV). The base case's min row
   (``R_F = r_fault_min_ohm``, conductors at end temperature) and max row (``R_F =
   r_fault_ohm``, 20 °C) at the same bus share ``E``'s angle and the loop's reactance (the
   temperature changes conductor resistance only, IEC 60909-0 §2.3.2), which fixes ``E``'s
   angle from the two currents' angles: ``|E_min|/|I_min|·sin(θ − φ_min) = |E_max|/|I_max|·
   sin(θ − φ_max)``. Then ``z_min = E_min/I_min − R_F`` and the crossing's resistance is
   ``R_x = −Re z + √((|E_min|/I_x)² − (Im z)²)``. ckt5, 39749 SLG-c: 295.69 A at 20 Ω and
   1314.71 A at 0 Ω give ``z_min`` = 3.79 + j5.18 Ω, the reviewer's OpenDSS loop with lines
   × 1.24 (3.79 + j5.17 Ω).

Where the method does not hold, the row says so instead of staying silent (review rev48a
R02): an **LLG** fault through ``r_fault_min_ohm`` (its two faulted phases share the fault
path to ground: each phase current and 3I0 change apart as ``R_F`` grows, so the row's
currents do not scale by one factor and no single loop ``(z + R_F)·I = E`` gives ``R_F``); a
rule that is no difference of curve times (:mod:`.base_crossing_rules`); a base row the
curves do not reproduce (staged times, another element, a reset travel). A row whose pair has
no base row at its fault (its primary does not operate there without V2G, or V2G makes the
pair) says that a higher resistance, lowering the currents, does not make one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks.base_crossing_rules import C1_CHECK, Margin, rule_margin, rule_text
from protv2g.devices.kinds import operating_times
from protv2g.units import C_MAX_MV, C_MIN_MV

__all__ = ["PRACTICE_R_FAULT_HIGH_OHM", "SELF_CHECK_S", "crossing_scale", "loop_impedance_ohm",
           "crossing_resistance_ohm", "crossing_text", "not_computed_text", "crossing_qualifier",
           "base_crossing_notes"]

#: The high end of the minimum-ground-fault resistance practice range init cites with its
#: drafted 20 Ω (North American practice 20–40 Ω, domain.md §2; ``study_draft.
#: draft_assumptions``). Background for the 40 Ω end (not checked against the documents
#: themselves): many utilities' minimum fault is "line to ground plus 40 Ω", the US Rural
#: Utilities Service's older standard, examined as an assumption in "The 40-Ω ground-fault
#: phenomenon" (from a 1997 NRECA Cooperative Research Network study); RUS Bulletin
#: 1724E-102 (2012, "Design Guide for Sectionalizing Distribution Lines", p. 39) is reported
#: to leave the value to engineering judgment. A practice value, then, not a bound.
PRACTICE_R_FAULT_HIGH_OHM = 40.0
#: The base row's margin the curves must reproduce at ``s = 1`` before a crossing is stated, s.
SELF_CHECK_S = 1e-3
#: The smallest scale searched (a fault current a fifth of the row's).
_S_MIN = 0.2
#: Why no crossing is stated (:func:`not_computed_text`): the row's reason, its short form.
_WHY = {"LLG": ("an LLG fault's two faulted phases share the path to ground through R_F, so "
                "each phase current and 3I0 change apart as R_F grows: the row's currents do "
                "not scale by one factor and no single loop (z + R_F)·I = E gives R_F", "LLG"),
        "rule": ("its rule is no difference of the two curves' times", "rule"),
        "curves": ("the pair's curves at the base row's currents do not reproduce its margin "
                   "(a staged time, another element or a reset travel decides it)", "curves")}
#: A row whose pair has no base row at its fault (:func:`_note`): V2G's at any resistance.
NO_BASE_TEXT = ("; without V2G this pair has no interval at this fault (its primary does not "
                "operate there, or V2G makes the pair), nor through a higher fault resistance, "
                "whose currents are lower: V2G's at any resistance")


def crossing_scale(primary: Any, backup: Any, i_primary_a: tuple[float, float],
                   i_backup_a: tuple[float, float], required_s: float,
                   margin_s: float | None = None, margin_of: Margin | None = None
                   ) -> float | None:
    """The largest scale ``s < 1`` of the row's currents at which the pair's margin is 0.

    Parameters
    ----------
    primary, backup : Device
        The device models.
    i_primary_a, i_backup_a : (float, float)
        Phase and residual (3I0) current of each device on the base row, A.
    required_s : float
        The interval the rule asks (CTI), s (C1's margin when ``margin_of`` is None).
    margin_s : float, optional
        The base row's margin: ``None`` is returned unless the curves reproduce it at
        ``s = 1`` within :data:`SELF_CHECK_S`.
    margin_of : callable, optional
        The rule's margin from (primary's, backup's) operating times
        (:func:`.base_crossing_rules.rule_margin`); C1's interval by default.

    Returns
    -------
    float or None
        ``s`` (the crossing current is ``s`` × the row's), or None where the margin at
        ``s = 1`` is not positive or does not change sign down to ``s`` = 0.2.
    """
    s, _, _ = _crossing(primary, backup, i_primary_a, i_backup_a,
                        margin_of or rule_margin(C1_CHECK, np.nan, required_s), margin_s)
    return s


def _crossing(primary: Any, backup: Any, i_primary_a: tuple[float, float],
              i_backup_a: tuple[float, float], margin_of: Margin,
              margin_s: float | None) -> tuple[float | None, str, str]:
    """(:func:`crossing_scale`'s ``s``, ``"curves"`` where the curves do not reproduce the
    base row's margin at ``s = 1``, else ``""``, and ``"primary"``/``"backup"`` where the
    pair falls short because that device stops operating below the crossing — its pickup —
    else ``""``).

    A device that stops operating is a crossing too (review ver49, EPRI DG_Protection F01:
    C2 recloser a / fuse f1, recloser a's 200 A phase element sees 223.3 A at 20 Ω and
    199.8 A at 24 Ω without V2G — OpenDSS — and below its pickup there is no fuse saving)."""
    def times(s: np.ndarray) -> tuple[dict, dict]:
        s = np.asarray(s, float)
        return (operating_times(primary, s * i_primary_a[0], s * i_primary_a[1]),
                operating_times(backup, s * i_backup_a[0], s * i_backup_a[1]))

    def margin(s: np.ndarray) -> np.ndarray:
        tp, tb = times(s)
        with np.errstate(invalid="ignore"):
            return np.asarray(margin_of(tp, tb), float)

    m1 = float(margin(np.array([1.0]))[0])
    if not math.isfinite(m1) or m1 <= 0 or (margin_s is not None
                                             and abs(m1 - margin_s) > SELF_CHECK_S):
        return None, "curves", ""
    grid = np.geomspace(1.0, _S_MIN, 321)
    m = margin(grid)
    below = np.flatnonzero(~(m > 0))  # first point not passing (NaN: no time: not passing)
    if not len(below):
        return None, "", ""  # no crossing down to _S_MIN
    hi, lo = float(grid[below[0] - 1]), float(grid[below[0]])
    for _ in range(60):
        mid = 0.5 * (hi + lo)
        if float(margin(np.array([mid]))[0]) > 0:
            hi = mid
        else:
            lo = mid
    stopped = ""
    if not np.isfinite(margin(np.array([lo]))[0]):  # short of a time, not of the rule
        tp, tb = times(np.array([lo]))
        stopped = ("backup" if not np.isfinite(np.asarray(tb["t_op_s"], float)[0])
                   else "primary" if not np.isfinite(np.asarray(tp["t_op_s"], float)[0])
                   else "")
    return 0.5 * (hi + lo), "", stopped


def loop_impedance_ohm(i_min_a: float, phi_min_deg: float, i_max_a: float, phi_max_deg: float,
                       e_min_v: float, e_max_v: float, r_min_ohm: float,
                       r_max_ohm: float = 0.0) -> complex | None:
    """The SLG loop impedance ``z`` of the min case (module docstring, step 2), Ω.

    ``i_*_a``, ``phi_*_deg``: the base case's fault current and its angle in the min and max
    case at the bus; ``e_*_v``: ``c·U_n/√3`` of each case; ``r_*_ohm``: each case's fault
    resistance. None where no angle gives a loop of positive resistance and reactance.
    """
    m1, m2 = e_min_v / i_min_a, e_max_v / i_max_a
    p1, p2 = math.radians(phi_min_deg), math.radians(phi_max_deg)
    theta = math.atan2(m1 * math.sin(p1) - m2 * math.sin(p2),
                       m1 * math.cos(p1) - m2 * math.cos(p2))
    for th in (theta, theta + math.pi):
        z_min = m1 * complex(math.cos(th - p1), math.sin(th - p1)) - r_min_ohm
        z_max = m2 * complex(math.cos(th - p2), math.sin(th - p2)) - r_max_ohm
        if z_min.real > 0 and z_min.imag > 0 and z_max.real > 0:
            return z_min
    return None


def crossing_resistance_ohm(z_ohm: complex, e_v: float, i_a: float) -> float:
    """The fault resistance through which the SLG current is ``i_a``: ``|z + R| = e/i``, Ω
    (NaN where no ``R ≥ 0`` gives it)."""
    m = e_v / i_a
    if m < abs(z_ohm.imag):
        return math.nan
    r = -z_ohm.real + math.sqrt(m * m - z_ohm.imag ** 2)
    return r if r >= 0 else math.nan


def crossing_text(i_x_a: float, r_x_ohm: float, r_min_ohm: float, cti_s: float,
                  rule: str | None = None) -> str:
    """The message's sentence (review rev48a item 1); ``rule``: what the pair falls short of
    (:func:`.base_crossing_rules.rule_text`), the ``cti_s`` interval by default."""
    where = (f"ground faults here through more than about {r_x_ohm:.1f} Ω" if
             math.isfinite(r_x_ohm) else "ground faults here of a lower current")
    over = (f", inside the {r_min_ohm:g}–{PRACTICE_R_FAULT_HIGH_OHM:g} Ω practice range "
            "r_fault_min_ohm is the low end of (domain.md §2)"
            if math.isfinite(r_x_ohm) and r_x_ohm <= PRACTICE_R_FAULT_HIGH_OHM else "")
    rule = rule or f"the {cti_s:g} s interval"
    return (f"; without V2G this pair already falls short of {rule} below "
            f"{i_x_a:.1f} A of fault current ({where}{over}): V2G moves the crossing to "
            f"this fault at r_fault_min_ohm = {r_min_ohm:g} Ω — caused by V2G at that "
            "resistance only; the pair's own curves fall short at higher resistances")


def not_computed_text(r_min_ohm: float, why: str) -> str:
    """The sentence of a row whose crossing is not computed (``why``: a key of ``_WHY``,
    module docstring), instead of silence (review rev48a R02).

    >>> not_computed_text(20.0, "LLG")[:88]
    '; without V2G at a fault resistance above r_fault_min_ohm = 20 Ω: not computed (LLG): an'
    """
    long, short = _WHY[why]
    return (f"; without V2G at a fault resistance above r_fault_min_ohm = {r_min_ohm:g} Ω: not "
            f"computed ({short}): {long} — caused by V2G as studied at that resistance only")


#: :func:`crossing_text`'s figures, read back by :func:`crossing_qualifier`.
_SENTENCE = re.compile(r"without V2G this pair already falls short of .+? below "
                       r"(?P<i>[\d.,]+) A of fault current \((?:ground faults here through "
                       r"more than about (?P<r>[\d.,]+) Ω)?.*?V2G moves the crossing to this "
                       r"fault at r_fault_min_ohm = (?P<r0>[\d.,]+) Ω")
#: :func:`not_computed_text`'s, alike.
_NOT_COMPUTED = re.compile(r"without V2G at a fault resistance above r_fault_min_ohm = "
                           r"(?P<r0>[\d.,]+) Ω: not computed \((?P<why>[^)]+)\)")


def crossing_qualifier(message: object) -> str:
    """The attribution's qualifier for a finding or gate line whose worst row's message
    has :func:`crossing_text` or :func:`not_computed_text` (``""`` otherwise): a signer does
    not read "caused by V2G" alone (review rev48a item 1).

    >>> q = crossing_qualifier("x; without V2G this pair already falls short of the 0.12 s "
    ...     "interval below 285.3 A of fault current (ground faults here through more than "
    ...     "about 20.9 Ω, inside …): V2G moves the crossing to this fault at "
    ...     "r_fault_min_ohm = 20 Ω — …")
    >>> q.split(": ")[0]
    ' at r_fault_min_ohm = 20 Ω only'
    >>> q.split(": ")[1]
    'without V2G the pair falls short below 285.3 A (above about 20.9 Ω)'
    >>> crossing_qualifier("x" + not_computed_text(20.0, "LLG"))
    ' at r_fault_min_ohm = 20 Ω (without V2G at higher resistances: not computed, LLG)'
    """
    text = str(message) if message is not None else ""
    m = _SENTENCE.search(text)
    if m is None:
        n = _NOT_COMPUTED.search(text)
        return (f" at r_fault_min_ohm = {n['r0']} Ω (without V2G at higher resistances: not "
                f"computed, {n['why']})" if n else "")
    above = f" (above about {m['r']} Ω)" if m["r"] else ""
    return (f" at r_fault_min_ohm = {m['r0']} Ω only: without V2G the pair falls short "
            f"below {m['i']} A{above}")


def _e_v(kv_ln: float, case: str) -> float:
    return (C_MAX_MV if case == "max" else C_MIN_MV) * kv_ln * 1e3


#: The coordination criteria whose pair margins are judged here.
_PAIR_CRITERIA = ("C1", "C2", "C3", "C4")


def base_crossing_notes(v: pd.DataFrame, ctx: Any) -> pd.DataFrame:
    """``v`` with the crossing sentence (:func:`crossing_text`) ending the message of each
    V2G-caused failing C1–C4 row on a min-case SLG fault whose base row passes above a
    crossing current the base case reaches at a higher fault resistance, and
    :func:`not_computed_text` on each such row (SLG or LLG) where the method does not hold
    (module docstring)."""
    coord = getattr(ctx, "coordination", None)
    bus_faults = getattr(ctx, "bus_faults", None)
    if coord is None or bus_faults is None or not len(v):
        return v
    ft = v.fault_type.astype(str)
    sel = np.flatnonzero(v.criterion.astype(str).isin(_PAIR_CRITERIA).to_numpy()
                         & (v.attribution.astype(str).to_numpy() == "new")
                         & (v.case.astype(str).to_numpy() == "min")
                         & (ft.str.startswith("SLG") | ft.str.startswith("LLG")).to_numpy()
                         & (v.status.astype(str).to_numpy() == "fail"))
    if not len(sel):
        return v
    faults_doc = ctx.study.document.faults
    buses = getattr(getattr(ctx.study, "model", None), "buses", None)
    iec = faults_doc.method.value == "iec60909" and faults_doc.x_fault_ohm == 0
    # the rows at the selected rows' buses only, found once (#21: a 10,000-bus study has
    # ~10⁵ pair rows and 10⁵ bus fault rows, each row's twin is looked up among these)
    at_bus = set(v.fault_bus.to_numpy()[sel].astype(str).tolist())
    c = coord[coord.criterion.astype(str).isin(_PAIR_CRITERIA).to_numpy()
              & (coord.case.astype(str) == "min").to_numpy()
              & coord.fault_bus.astype(str).isin(at_bus).to_numpy()]
    bus_faults = bus_faults[bus_faults.bus_name.astype(str).isin(at_bus).to_numpy()]
    env = _Env(c, bus_faults, ctx.devices, buses if buses is not None and "kv_ln" in buses
               else None, float(faults_doc.r_fault_min_ohm), float(faults_doc.r_fault_ohm), iec)
    texts: dict[int, str] = {}
    seen: dict[tuple, str | None] = {}
    for k, r in enumerate(v.iloc[sel].itertuples(index=False)):
        key = (ctx.base_of.get(str(r.scenario)), str(r.fault_bus), str(r.fault_type),
               str(r.device), str(r.other_device), str(r.criterion), getattr(r, "rule", None))
        if key not in seen:
            seen[key] = _note(env, *key)
        if seen[key]:
            texts[k] = seen[key]  # type: ignore[assignment]
    at = np.array([sel[k] for k in texts], dtype=np.intp)
    if not len(at):
        return v
    from protv2g.messages import suffixed_messages
    v = v.copy()
    v["message"] = suffixed_messages(v.message, at, [texts[k] for k in texts])
    return v


class _Env(NamedTuple):
    """What :func:`_note` reads: the base case's min-case pair rows, the bus faults, the
    device models, the buses' ``kv_ln`` (None: not known), the study's fault resistances
    and whether its loop is IEC 60909's with a purely resistive fault."""

    coord: pd.DataFrame
    bus_faults: pd.DataFrame
    devices: Mapping[str, Any]
    buses: pd.DataFrame | None
    r_min_ohm: float
    r_max_ohm: float
    iec: bool


def _bus_rows(env: _Env, base: str, fault_bus: str, fault_type: str
              ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The base case's min and max bus fault rows at ``fault_bus`` and its ``kv_ln`` (NaN:
    not known)."""
    f = env.bus_faults
    f = f[(f.scenario.astype(str) == base) & (f.bus_name.astype(str) == fault_bus)
          & (f.fault_type.astype(str) == fault_type)]
    mn, mx = f[f.case.astype(str) == "min"], f[f.case.astype(str) == "max"]
    kv_ln = (float(env.buses.kv_ln.iloc[int(mn.bus.iloc[0])])
             if env.buses is not None and len(mn) == 1 else math.nan)
    return mn, mx, kv_ln


def _note(env: _Env, base: str | None, fault_bus: str, fault_type: str, dev: str,
          other: str, criterion: str, rule: str | None) -> str | None:
    """The sentence of one row (None: nothing to say: a low-voltage bus, where
    ``r_fault_min_ohm`` does not apply, or no crossing down to 0.2 × the row's current)."""
    if base is None:
        return None  # a scenario without a base case: no attribution to qualify
    mn, mx, kv_ln = _bus_rows(env, base, fault_bus, fault_type)
    if not (math.isnan(kv_ln) or kv_ln > 1.0 / math.sqrt(3.0)):
        return None  # r_fault_min_ohm applies above 1 kV only (engine.phase.faults)
    if fault_type.startswith("LLG"):
        return not_computed_text(env.r_min_ohm, "LLG")
    c = env.coord
    b = c[(c.scenario.astype(str) == base) & (c.fault_bus.astype(str) == fault_bus)
          & (c.fault_type.astype(str) == fault_type) & (c.criterion.astype(str) == criterion)
          & (c.backup.astype(str) == dev) & (c.primary.astype(str) == other)]
    if rule is not None and "rule" in b:  # C2's fuse saving and backup of one pair apart
        b = b[b.rule.astype(str) == str(rule)]
    if not len(b):
        return NO_BASE_TEXT
    if b.margin_s.nunique() > 1:
        return not_computed_text(env.r_min_ohm, "curves")
    row = b.iloc[0]
    p, k = env.devices.get(str(row.primary)), env.devices.get(str(row.backup))
    f = float(row.get("rule_value", np.nan))
    margin_of = rule_margin(str(row.check), f, float(row.required_s))
    if margin_of is None:
        return not_computed_text(env.r_min_ohm, "rule")
    if p is None or k is None:
        return not_computed_text(env.r_min_ohm, "curves")
    s, why, stopped = _crossing(p, k, (float(row.i_primary_a), float(row.i_primary_3i0_a)),
                                (float(row.i_backup_a), float(row.i_backup_3i0_a)),
                                margin_of, float(row.margin_s))
    if s is None:
        return not_computed_text(env.r_min_ohm, why) if why else None
    i_min = float(mn.ikss_ka.iloc[0]) * 1e3 if len(mn) == 1 else float(row.i_primary_a)
    z = (loop_impedance_ohm(i_min, float(mn.ikss_degree.iloc[0]),
                            float(mx.ikss_ka.iloc[0]) * 1e3, float(mx.ikss_degree.iloc[0]),
                            _e_v(kv_ln, "min"), _e_v(kv_ln, "max"), env.r_min_ohm,
                            env.r_max_ohm)
         if env.iec and len(mn) == 1 and len(mx) == 1 and math.isfinite(kv_ln) else None)
    i_x = s * i_min
    r_x = math.nan if z is None else crossing_resistance_ohm(z, _e_v(kv_ln, "min"), i_x)
    stops = {"backup": str(row.backup), "primary": str(row.primary)}.get(stopped)
    return crossing_text(i_x, r_x, env.r_min_ohm, float(row.required_s),
                         rule_text(str(row.check), f, float(row.required_s))) + (
        f" (below that current {stops} does not operate: its pickup)" if stops else "")
