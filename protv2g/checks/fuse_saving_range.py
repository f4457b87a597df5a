"""C2 fuse saving judged on the fuse-saving range, not fault by fault.

A recloser saves a downstream fuse only for fault currents inside a range that both devices'
curves fix: the recloser's fast shot × K must open before the fuse starts to melt. On the
time-current plane the range ends where the fuse's minimum-melt curve crosses the recloser's
fast curve × K (the **crossover**, Eaton's "amp max" column); below it the range ends at the
recloser's minimum trip, or where the two curves cross a second time near the recloser's
pickup. Above the crossover the fuse melts first **by design**: fuse saving was never possible
there, with or without V2G, and a row there is information, not a V2G effect
(:attr:`SavingMechanism.ABOVE_CROSSOVER`). What V2G can do is move a fault that was saved
without it out of the range — a charger between recloser and fuse adds to the fuse's current
and not to the recloser's, which lowers the crossover in fuse current and raises the lower
end — and that is what fails (:attr:`SavingMechanism.LOST_SAVING`).

Every fuse-saving row of the coordination table is classified against its **base twin** (the
same pair, fault, type and case in the scenario's base case, ``CheckContext.base_of``):

======================  ========  ======================================================
mechanism               status    when
======================  ========  ======================================================
(saved)                 ok        ``K·t_fast(I_recloser) < MM(I_fuse)``
LOST_SAVING             fail      fails with V2G where the base twin was saved
ABOVE_CROSSOVER         info      fails, and fails without V2G at a fuse current at or
                                  above the pair's crossover (saving impossible)
NO_RANGE                info      fails, and the pair has no range at all for that kind of
                                  fault (phase or ground): saving impossible at any current
NOT_SAVED_WITHOUT_V2G   fail      fails without V2G inside the range (a pre-existing
                                  miscoordination: the gate makes it a condition)
NOT_SEEN                warn      the recloser does not see the fault, and did not
                                  without V2G either (unchanged from before)
RANGE_SHRUNK            warn      one row per pair and V2G scenario: the range at the
                                  scenario's infeed is narrower than without V2G (the
                                  faults it costs are LOST_SAVING rows of their own)
======================  ========  ======================================================

A V2G row whose base twin also fails takes the twin's mechanism; a V2G row without a base
twin is judged on its own currents as a base row is.

A recloser with a ground (51G) element has a second range, for ground faults: its first shot
is then the faster of the phase and ground fast curves (3I0 = the fault current), from its
ground minimum trip up (``saving_range_a(..., ground=True)``). Ground-fault rows (SLG, LLG)
are classified against it, phase-fault rows against the phase range; the Pair coordination
sheet shows both. Without a ground element ground faults are timed on the phase element, and
the output says so. K multiplies the fast shot's *clearing* time (Cooper TD132010EN: the
minimum melting time at least 1.35 × the recloser's maximum fast clearing time for two fast
and two delayed operations, 1.20 for one fast and three delayed); the 1.80 of Short's table
for a 25–30-cycle first reclose was not found in a source we could read, so the rows name
which end of the bracket 1.35–1.80 decides them (:mod:`protv2g.checks.recloser_fuse`).

:func:`saving_range_a` gives the range of a pair from the curves, both devices on the same
phase current times ``ratio`` for the recloser (``ratio = I_recloser / I_fuse`` ≤ 1: 1
without infeed between them); :func:`range_text` prints it. The Pair coordination sheet
(:mod:`protv2g.report.derived`) prints the same range: without V2G at the base case's
smallest current ratio, with V2G at the worst scenario's — a narrower range there is the V2G
shrink of the range.

References
----------
Eaton's Cooper Power Series, *Coordination of fuse links with oil circuit reclosers*,
Technical Data TD132010EN (2017), coordination figure: the upper limit of the
recloser–fuse range is the intersection of the fuse minimum-melt curve with the recloser
fast curve × K ("amp max", column A). IEEE Std C37.230-2020 §6.4 (recloser–fuse
coordination, fuse saving). C. McCarthy, R. O'Leary, D. Staszesky, "A new fuse-saving
philosophy", DistribuTECH 2008 (S&C Electric): conventional fuse saving has coordination
limits at higher currents, where recloser and fuse operate together. S. M. Brahma,
A. A. Girgis, "Development of adaptive protection scheme for distribution systems with high
penetration of distributed generation", IEEE Trans. Power Del. 19(1), 2004: DG between a
recloser and a fuse raises the fuse current and shrinks the coordination range.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from protv2g.violations import CheckStatus

__all__ = ["STATUS", "SavingMechanism", "base_twin", "classify", "crossover_grid",
           "GROUND_FAULT_PREFIXES", "ground_range_text", "has_ground_element", "is_ground_fault",
           "range_text",
           "ranges_by_scenario", "rows_range_a", "saving_range_a", "statuses"]


class SavingMechanism(StrEnum):
    """Why a fuse-saving row does not hold (the violation row's ``mechanism``)."""

    LOST_SAVING = "lost saving: saved without V2G, not with it"
    ABOVE_CROSSOVER = "above crossover: saving impossible by design"
    #: The pair has no fuse-saving range at all for the row's kind of fault (phase or
    #: ground): the fuse starts to melt before the recloser's first shot × K from its minimum
    #: trip up (review rev36b X6, EPRI J1 R-MID / F-LAT for ground faults).
    NO_RANGE = "no fuse-saving range: saving impossible by design"
    NOT_SAVED_WITHOUT_V2G = "not saved without V2G"
    NOT_SEEN = "not seen by recloser"
    #: One row per pair and V2G scenario: the range itself is narrower than without V2G.
    RANGE_SHRUNK = "range shrunk by V2G"


#: Status of each mechanism's row.
STATUS = {SavingMechanism.LOST_SAVING: CheckStatus.FAIL,
          SavingMechanism.ABOVE_CROSSOVER: CheckStatus.INFO,
          SavingMechanism.NO_RANGE: CheckStatus.INFO,
          SavingMechanism.NOT_SAVED_WITHOUT_V2G: CheckStatus.FAIL,
          SavingMechanism.NOT_SEEN: CheckStatus.WARN,
          SavingMechanism.RANGE_SHRUNK: CheckStatus.WARN}

#: Points of the log-spaced current grid per decade on which the curves are compared (a
#: bound is then interpolated between two neighbours: well inside 0.5 % of the current).
_PER_DECADE = 400
#: Decades above the recloser's minimum trip searched for the crossover.
_DECADES = 3.0
_TOL_S = 1e-9


def has_ground_element(recloser: Any) -> bool:
    """Whether the recloser has a ground (51G) element: a ground minimum trip."""
    return getattr(recloser.settings, "ground_min_trip_a", None) is not None


def crossover_grid(recloser: Any, fuse: Any, k: float, ratio: float = 1.0,
                   ground: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Fuse currents (A) from the recloser's minimum trip / ``ratio`` up :data:`_DECADES`
    decades, and the fuse-saving margin ``MM(I) − K·t_first(ratio·I)`` (s) on them (the
    recloser's first shot: phase fast curve or instantaneous, as the checks time it).

    ``ground``: for a ground fault on the fuse's lateral, the recloser's first shot is the
    faster of its phase and ground (51G) fast elements, with 3I0 = its phase current (a
    single-line-to-ground fault; chargers add no zero sequence), from its ground minimum
    trip up — the ground element's fuse-saving range (review s15: only the phase range was
    shown). Without a ground element it is the phase grid."""
    ground = ground and has_ground_element(recloser)
    s = recloser.settings
    pickup = s.ground_min_trip_a if ground else s.phase_min_trip_a
    lo = float(pickup) / max(float(ratio), 1e-6)
    i = lo * np.logspace(1e-6, _DECADES, int(_DECADES * _PER_DECADE) + 1)
    i_r = ratio * i
    t_fast = np.fmin(recloser.fast_time_s(i_r),
                     recloser.first_shot_inst_time_s(i_r, i_r if ground else None))
    if ground:
        t_fast = np.fmin(t_fast, recloser.ground_fast_time_s(i_r))
    with np.errstate(invalid="ignore"):
        return i, fuse.min_melt_time_s(i) - k * t_fast


def _cross(i: np.ndarray, m: np.ndarray, j: int) -> float:
    """The current between grid points ``j`` and ``j + 1`` where the margin changes sign
    (interpolated in log current; an infinite margin takes the grid point)."""
    a, b = m[j], m[j + 1]
    if not (np.isfinite(a) and np.isfinite(b)) or a == b:
        return float(i[j + 1] if np.isfinite(b) else i[j])
    f = a / (a - b)
    return float(np.exp(np.log(i[j]) + f * (np.log(i[j + 1]) - np.log(i[j]))))


def saving_range_a(recloser: Any, fuse: Any, k: float, ratio: float = 1.0,
                   ground: bool = False) -> tuple[float, float]:
    """The fuse-saving range ``(low, high)`` in fuse current (A) of a recloser and a fuse.

    ``high`` is the crossover (the first current above ``low`` where the fuse's minimum melt
    is no longer slower than the recloser's first shot × ``k``; the shot's *clearing*
    time is multiplied — multiplier · curve + adder, then the curve data's clearing adder, e.g.
    0.042 s for the EPRI points (:class:`~protv2g.devices.recloser.Recloser`) — as the K
    tables define K on the fast curve's clearing time, Cooper TD132010EN; K × the curve alone
    with the adders added after would give a higher crossover), ``low`` the recloser's
    minimum trip / ``ratio`` or the first current above it where saving holds.
    ``(nan, nan)`` when saving holds nowhere on the grid; ``high = inf`` when it holds up to
    the grid's end (three decades above the minimum trip).

    Parameters
    ----------
    recloser, fuse : device models
        :class:`~protv2g.devices.recloser.Recloser` and :class:`~protv2g.devices.fuse.Fuse`.
    k : float
        The fuse-saving K factor (:func:`protv2g.checks.rule_values.fuse_saving`).
    ratio : float
        Recloser current / fuse current (≤ 1 with chargers between them; 1 without).
    ground : bool
        The range of ground faults (:func:`crossover_grid`): from the ground minimum trip,
        the first shot the faster of the phase and ground fast elements. It applies to
        single-line-to-ground faults; for a double-line-to-ground fault (3I0 below the fuse
        current) it is an upper bound, the conservative side for the above-crossover test.

    Examples
    --------
    >>> saving_range_a(rc, fu, 1.35)  # doctest: +SKIP
    (312.4, 1650.2)
    """
    i, m = crossover_grid(recloser, fuse, k, ratio, ground)
    ok = m > _TOL_S
    if not ok.any():
        return np.nan, np.nan
    j0 = int(np.argmax(ok))
    low = float(i[0]) if j0 == 0 else _cross(i, m, j0 - 1)
    after = np.flatnonzero(~ok[j0:])
    if not len(after):
        return low, np.inf
    j1 = j0 + int(after[0]) - 1
    return low, _cross(i, m, j1)


def _ratios(rows: pd.DataFrame) -> np.ndarray:
    """Recloser/fuse phase-current ratio of every phase-fault row (NaN for a ground fault,
    whose recloser time is its ground element's on 3I0, and where either current is not
    given)."""
    phase = ~is_ground_fault(rows["fault_type"])
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (pd.to_numeric(rows["i_backup_a"], errors="coerce").to_numpy(float)
             / pd.to_numeric(rows["i_primary_a"], errors="coerce").to_numpy(float))
    return np.where(phase & np.isfinite(r) & (r > 0), r, np.nan)


_NEED = ("rule_value", "fault_type", "i_primary_a", "i_backup_a")


def rows_range_a(rows: pd.DataFrame, recloser: Any, fuse: Any) -> tuple[float, float]:
    """The fuse-saving range (A) of one pair in one scenario (or the base case) from its
    coordination rows: :func:`saving_range_a` with the rows' K (``rule_value``) at the
    smallest recloser/fuse phase-current ratio of its phase faults (a ground fault's recloser
    time is its ground element's, on 3I0; no phase fault: ratio 1). ``(nan, nan)`` without
    a K (or without the columns). C2's range shrink (:func:`ranges_by_scenario`) and the
    Pair coordination sheet read this definition."""
    if not set(_NEED) <= set(rows.columns):
        return np.nan, np.nan
    k = pd.to_numeric(rows["rule_value"], errors="coerce").dropna()
    if k.empty:
        return np.nan, np.nan
    r = _ratios(rows)
    rho = float(min(np.nanmin(r), 1.0)) if np.isfinite(r).any() else 1.0
    return saving_range_a(recloser, fuse, float(k.iloc[0]), rho)


def ranges_by_scenario(rows: pd.DataFrame, devices: dict[str, Any]
                       ) -> dict[tuple[str, str, str], tuple[float, float]]:
    """:func:`rows_range_a` of every (primary, backup, scenario) group of ``rows`` at once
    (pairs whose devices are not in ``devices`` or without a K left out); groups with the
    same pair, K and ratio share one curve evaluation."""
    if rows.empty or not set(_NEED) <= set(rows.columns):
        return {}
    t = pd.DataFrame({"p": rows["primary"].astype(str).to_numpy(),
                      "b": rows["backup"].astype(str).to_numpy(),
                      "s": rows["scenario"].astype(str).to_numpy(),
                      "k": pd.to_numeric(rows["rule_value"], errors="coerce").to_numpy(float),
                      "r": _ratios(rows)})
    g = t.groupby(["p", "b", "s"], sort=False).agg(k=("k", "first"), r=("r", "min"))
    g["k"] = t.dropna(subset=["k"]).groupby(["p", "b", "s"], sort=False)["k"].first()
    out: dict[tuple[str, str, str], tuple[float, float]] = {}
    memo: dict[tuple[str, str, float, float], tuple[float, float]] = {}
    for (p, b, sc), k, r in zip(g.index, g["k"].to_numpy(float), g["r"].to_numpy(float),
                                strict=True):
        if not np.isfinite(k) or p not in devices or b not in devices:
            continue
        rho = float(min(r, 1.0)) if np.isfinite(r) else 1.0
        key = (p, b, k, rho)
        if key not in memo:
            memo[key] = saving_range_a(devices[b], devices[p], k, rho)
        out[(p, b, sc)] = memo[key]
    return out


def ground_range_text(recloser: Any, fuse: Any, k: float) -> str:
    """The ground faults' fuse-saving range as text (``"ground faults 100 … 553 A (the first
    shot the faster of the phase and ground fast curves)"``), or
    why it is not judged (no ground element: ground faults are timed on the phase element,
    whose range applies)."""
    if not has_ground_element(recloser):
        return ("ground faults: no ground (51G) element, timed on the phase element (its "
                "range applies)")
    return (f"ground faults {range_text(*saving_range_a(recloser, fuse, k, ground=True))} "
            "(the first shot the faster of the phase and ground fast curves)")


#: Fault types that are ground faults (the recloser's ground element may time them).
GROUND_FAULT_PREFIXES = ("SLG", "LLG")


def is_ground_fault(fault_type: Any) -> np.ndarray:
    """Whether each fault type is a ground fault (:data:`GROUND_FAULT_PREFIXES`: SLG, LLG,
    the recloser's ground element may time it): bool ``(n,)``, the same as
    ``pd.Series(fault_type).astype(str).str.startswith(GROUND_FAULT_PREFIXES)``.

    Each distinct value's ``str`` tested once (a categorical's categories, other values
    factorised), not a Series and its string accessor built per call (#21: one call per
    C1/C4 lost-backup message, 2,357 at 10,000 buses, ≈ 1 ms each).
    """
    if isinstance(getattr(fault_type, "dtype", None), pd.CategoricalDtype):
        cat = pd.Categorical(fault_type)
        codes, uniques = cat.codes.astype(np.int64), list(cat.categories)
    else:
        arr = np.asarray(fault_type, dtype=object).reshape(-1)
        if len(arr) <= _ONE_BY_ONE:
            return np.array([_ground_text(v) for v in arr.tolist()], dtype=bool)
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        uniques = uniques.tolist()
    # a missing value (code −1) reads "nan"/"None": no ground fault
    flags = np.array([_ground_text(u) for u in uniques] + [False], dtype=bool)
    return flags[codes]


#: Values below which :func:`is_ground_fault` tests each value without factorising.
_ONE_BY_ONE = 64


def _ground_text(value: Any) -> bool:
    """Whether ``str(value)`` starts with a ground fault's prefix."""
    return str(value).startswith(GROUND_FAULT_PREFIXES)


def range_text(low: float, high: float) -> str:
    """``"312 … 1,650 A"``, ``"312 A … (beyond 1000 × minimum trip)"`` or ``"none"``."""
    if not np.isfinite(low):
        return "none"
    if not np.isfinite(high):
        return f"{low:,.0f} A … (no crossover within {10 ** _DECADES:g} × minimum trip)"
    return f"{low:,.0f} … {high:,.0f} A"


def base_twin(frame: pd.DataFrame, base_of: dict[str, str],
              keys: tuple[str, ...] = ("fault_bus", "fault_type", "case", "primary",
                                       "backup")) -> np.ndarray:
    """Position in ``frame`` of each row's base twin (the row with the same ``keys`` in the
    scenario's base case, ``base_of``), −1 where there is none; a base row is its own twin.

    Examples
    --------
    >>> f = pd.DataFrame({"scenario": ["b", "v"], "fault_bus": [1, 1], "fault_type": "3ph",
    ...                   "case": "max", "primary": "F", "backup": "R"})
    >>> base_twin(f, {"b": "b", "v": "b"}).tolist()
    [0, 0]
    """
    if frame.empty:
        return np.zeros(0, dtype=np.int64)
    cols = list(keys)
    scen = frame["scenario"].astype(str)
    left = frame[cols].assign(_s=scen.map(base_of).fillna("").to_numpy(),
                              _i=np.arange(len(frame)))
    right = frame[cols].assign(_s=scen.to_numpy(), _t=np.arange(len(frame)))
    right = right.drop_duplicates([*cols, "_s"])
    j = left.merge(right, on=[*cols, "_s"], how="left")
    out = np.full(len(frame), -1, dtype=np.int64)
    hit = j["_t"].notna().to_numpy()
    out[j["_i"].to_numpy()[hit]] = j["_t"].to_numpy()[hit].astype(np.int64)
    return out


def classify(margin_s: np.ndarray, seen: np.ndarray, i_fuse_a: np.ndarray,
             high_a: np.ndarray, twin: np.ndarray) -> np.ndarray:
    """Mechanism of every fuse-saving row (object array; ``""`` where saving holds).

    Parameters
    ----------
    margin_s : ndarray
        ``MM(I_fuse) − K·t_fast(I_recloser)`` (s); ``-inf`` where the recloser does not see
        the fault.
    seen : ndarray of bool
        The recloser sees the fault (a finite fast time).
    i_fuse_a : ndarray
        The fuse's phase current (A).
    high_a : ndarray
        The pair's crossover (A, :func:`saving_range_a` without infeed); NaN where saving
        holds nowhere (a failing row is then :attr:`SavingMechanism.NO_RANGE`).
    twin : ndarray of int
        :func:`base_twin` positions.
    """
    n = len(margin_s)
    fails = ~(margin_s >= -_TOL_S)
    no_range = np.isnan(np.asarray(high_a, dtype=float))
    with np.errstate(invalid="ignore"):
        above = ~(i_fuse_a < high_a)
    # no range at all is not "above" one (review rev36b X6: the title read "the fault is too
    # big to save" where the recloser can save the fuse at no current)
    own = np.where(~seen, SavingMechanism.NOT_SEEN.value,
                   np.where(no_range, SavingMechanism.NO_RANGE.value,
                            np.where(above, SavingMechanism.ABOVE_CROSSOVER.value,
                                     SavingMechanism.NOT_SAVED_WITHOUT_V2G.value))
                   ).astype(object)
    own[~fails] = ""
    out = own.copy()
    has = twin >= 0
    t = np.where(has, twin, 0)
    is_base = has & (t == np.arange(n))
    v2g = has & ~is_base & fails
    twin_saved = v2g & ~fails[t]
    out[twin_saved] = SavingMechanism.LOST_SAVING.value
    inherit = v2g & fails[t]
    out[inherit] = own[t[inherit]]
    return out


def statuses(mechanism: np.ndarray) -> np.ndarray:
    """The row status of each mechanism (``ok`` for ``""``)."""
    table = {m.value: s.value for m, s in STATUS.items()} | {"": CheckStatus.OK.value}
    return np.array([table[str(x)] for x in mechanism], dtype=object)
