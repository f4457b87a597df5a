"""C8/C12 materiality thresholds in attribution, and the numerical floor of a missing tolerance.

A C8 or C12 row failing without V2G too carries a materiality threshold as its ``tolerance``
(s16 A3: half a feeder regulator's bandwidth for a voltage, a class 1.2 metering CT's ratio
error for a loading): V2G changing it by less leaves it ``pre-existing``, and the row's message
says by how much and under which threshold (:func:`protv2g.checks.attribution.attribute`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from protv2g.checks.attribution_codes import isin_runs as _isin_runs
from protv2g.criteria import MarginUnit
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX

__all__ = ["marginal_base_text", "MATERIALITY", "FUSE_PICKUP_UNIT", "WHO", "NEW", "WORSE",
           "PRE_EXISTING",
           "QUANTITY_REL", "NUMERICAL_ABS", "fallback_tolerance", "failing_row_codes",
           "tolerance_floor",
           "twin_tolerance", "fmt", "lowered_beyond", "marginal_twin", "passing_twin_codes",
           "under_materiality", "material_text", "marginal_text", "marginal_worse_text",
           "unit_words", "who_moves"]


#: A fuse's margin in multiples of pickup, in words: its C5 pickup is its minimum melting
#: current (the 300 s point of its minimum-melt curve, :mod:`protv2g.checks.reach_text`;
#: brief trust31 §2a: the attribution texts wrote "× pickup" of a fuse).
FUSE_PICKUP_UNIT = "× minimum melting current"


def unit_words(units: Mapping[int, str], devices: Sequence[object], fuses: Collection[str]
               ) -> dict[int, str]:
    """``units`` (row → its margin unit's text, in row order) with the rows whose device
    (``devices``, aligned with ``units``' keys) is one of ``fuses`` and whose unit is
    multiples of pickup said as :data:`FUSE_PICKUP_UNIT`.

    >>> unit_words({3: "× pickup", 7: "× pickup", 9: "s"}, ["F1", "R1", "F1"], {"F1"})
    {3: '× minimum melting current', 7: '× pickup', 9: 's'}
    """
    pickup = MarginUnit.PICKUP_MULTIPLE.value  # once, not an enum look-up per row (#21)
    return {k: (FUSE_PICKUP_UNIT if u == pickup and str(d) in fuses else u)
            for (k, u), d in zip(units.items(), devices, strict=True)}


def fallback_tolerance(base_margin: np.ndarray) -> np.ndarray:
    """Numerical floor for rows without a data-derived tolerance: ``max(1e-3, 1 %·|m|)``."""
    return np.maximum(1e-3, 0.01 * np.abs(np.asarray(base_margin, dtype=float)))


#: Criteria whose failing rows carry a materiality threshold as their ``tolerance`` (s16 A3),
#: and the study keys that set it: a row failing without V2G that V2G changes by less is
#: ``pre-existing``, and its message says by how much and under which threshold.
MATERIALITY = {
    ("C12", "pu"): "checks.voltage_change_min_pu: half a feeder regulator's bandwidth",
    ("C12", "%"): "checks.loading_change_min_percent: a class 1.2 metering CT's ratio error",
    ("C12", "% VUF"): "checks.unbalance_change_min_percent: IEC 61000-4-30 Class A's "
                      "uncertainty of the voltage unbalance u2",
    ("C8", "A"): "checks.loading_change_min_percent of the current: a class 1.2 metering "
                 "CT's ratio error"}


def under_materiality(v: pd.DataFrame, pre_had: np.ndarray, margin: np.ndarray,
                      m_base: np.ndarray) -> np.ndarray:
    """Rows of a :data:`MATERIALITY` criterion made pre-existing by their threshold: the
    base fails them too and V2G lowers the margin, by more than the numerical floor."""
    out = np.zeros(len(v), dtype=bool)
    if "criterion" not in v or "margin_unit" not in v or not pre_had.any():
        return out
    with np.errstate(invalid="ignore"):
        lower = margin < m_base - fallback_tolerance(np.nan_to_num(m_base))
    crit = _isin_runs(v["criterion"].to_numpy(), {c for c, _ in MATERIALITY})
    at = np.flatnonzero(pre_had & lower & crit)  # C8/C12 rows failing in the base
    if len(at):
        # the two columns gathered once, not read cell by cell (#21: 27,629 rows at 10,000
        # buses, two ``DataFrame.__getattr__`` and ``.iat`` each, ≈ 1 s)
        crits = map(str, v["criterion"].to_numpy()[at].tolist())
        units = map(str, v["margin_unit"].to_numpy()[at].tolist())
        out[at] = [key in MATERIALITY for key in zip(crits, units, strict=True)]
    return out


#: Relative floor of every row's tolerance, on the size of the quantities its margin is made
#: of (:mod:`protv2g.checks.attribution`, "Floor"): 0.1 %.
QUANTITY_REL = 1e-3
#: Absolute floor (in the margin's unit) where the quantities are 0: a change of 1e-9 is the
#: smallest the checks act on (1e-9 s on a 1 s time, :mod:`protv2g.significant`).
NUMERICAL_ABS = 1e-9

def tolerance_floor(limit: np.ndarray, base_margin: np.ndarray) -> np.ndarray:
    """Smallest tolerance of a row (:mod:`protv2g.checks.attribution`, "Floor"):
    ``max(NUMERICAL_ABS, QUANTITY_REL · (|limit| + |m_base|))``, the non-finite parts taken
    as 0 (a base margin of ±inf, a device that does not operate, gives no size).

    >>> tolerance_floor(np.array([63.0]), np.array([-21810.0])).round(3).tolist()
    [21.873]
    """
    size = (np.abs(np.nan_to_num(np.asarray(limit, dtype=float), nan=0.0, posinf=0.0,
                                 neginf=0.0))
            + np.abs(np.nan_to_num(np.asarray(base_margin, dtype=float), nan=0.0, posinf=0.0,
                                   neginf=0.0)))
    return np.maximum(NUMERICAL_ABS, QUANTITY_REL * size)


def twin_tolerance(tol: np.ndarray, limit: np.ndarray, m_twin: np.ndarray) -> np.ndarray:
    """The tolerance a row is judged with against its twin's margin ``m_twin``
    (:mod:`protv2g.checks.attribution`, "Materiality" and "Floor"): its own ``tol``, the
    numerical floor :func:`fallback_tolerance` where it has none (NaN), never below
    :func:`tolerance_floor`.
    The base twins' (:func:`protv2g.checks.attribution.attribute`) and the chargers-idle pairs'
    (:func:`protv2g.checks.idle_pairs.equipment_pairs`).

    >>> twin_tolerance(np.array([0.03115, np.nan]), np.array([0.12, 0.12]),
    ...                np.array([0.01566, 0.5])).round(5).tolist()
    [0.03115, 0.005]
    """
    tol = np.asarray(tol, dtype=float)
    m_twin = np.asarray(m_twin, dtype=float)
    tol = np.where(np.isfinite(tol), tol, fallback_tolerance(np.nan_to_num(m_twin)))
    return np.fmax(tol, tolerance_floor(limit, m_twin))


def lowered_beyond(margin: np.ndarray, m_twin: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Rows whose ``margin`` is below their twin's ``m_twin`` by more than ``tol`` (NaN taken
    as 0): a change V2G can be said to make (:mod:`protv2g.checks.attribution`,
    "Materiality"); False where either margin is NaN.

    >>> lowered_beyond(np.array([-0.006793, -0.3]), np.array([0.01566, 0.01566]),
    ...                np.array([0.03115, 0.03115])).tolist()
    [False, True]
    """
    with np.errstate(invalid="ignore"):
        return np.asarray(margin, float) < np.asarray(m_twin, float) - np.nan_to_num(tol)


def marginal_twin(m_twin: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Twins passing by less than their tolerance (``m_twin < tol``): **marginal**, the limit
    is not met with the devices' own scatter even without V2G."""
    with np.errstate(invalid="ignore"):
        return np.asarray(m_twin, float) < np.nan_to_num(tol)


#: Codes of :func:`passing_twin_codes`: ``new``, ``worse``, ``pre-existing`` (the order of
#: :data:`protv2g.checks.attribution._ATTRIBUTIONS`).
NEW, WORSE, PRE_EXISTING = 0, 1, 2


def passing_twin_codes(m_twin: np.ndarray, moved: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """The attribution of failing rows whose twin **passes** with margin ``m_twin`` (≥ 0) —
    the base case's (:func:`protv2g.checks.attribution.attribute`) or, for a pair the base case
    has not, the pair with every charger idle (:func:`protv2g.checks.idle_pairs.
    equipment_pairs`): :data:`NEW` where the twin passes clear of ``tol``, :data:`WORSE` where
    it is marginal (:func:`marginal_twin`) and V2G lowers it by more than ``tol`` (``moved``,
    :func:`lowered_beyond`), :data:`PRE_EXISTING` where ``moved`` is False: V2G's change is
    immaterial, never ``new`` (docs/study-file.md; :mod:`protv2g.checks.attribution`).

    >>> passing_twin_codes(np.array([0.01566, 0.01566, 0.5]), np.array([False, True, True]),
    ...                    np.array([0.03115] * 3)).tolist()
    [2, 1, 0]
    """
    moved = np.asarray(moved, dtype=bool)
    return np.where(~moved, PRE_EXISTING, np.where(marginal_twin(m_twin, tol), WORSE, NEW))


def failing_row_codes(margin: np.ndarray, m_twin: np.ndarray, tol: np.ndarray,
                      limit: np.ndarray) -> np.ndarray:
    """The attribution code (:data:`NEW`, :data:`WORSE`, :data:`PRE_EXISTING`) of failing rows
    of margin ``margin`` against their twin's ``m_twin`` (NaN: none), the attribution's rule
    (:func:`protv2g.checks.attribution.attribute`, without its response-scatter and share
    refinements): no twin :data:`NEW`; a passing twin :func:`passing_twin_codes`; a failing
    twin :data:`WORSE` where the row is lower by more than the tolerance
    (:func:`lowered_beyond`), else :data:`PRE_EXISTING` — the tolerance ``tol`` taken as
    :func:`twin_tolerance` takes it (floored on ``limit`` and ``m_twin``). C5's chargers-idle
    judgement (:func:`protv2g.checks.equipment_rows.reach_idle`: the idle margin as the row,
    the base twin's as the twin; review att41, "Left open" 3).

    >>> failing_row_codes(np.array([-0.2] * 4), np.array([0.3, np.nan, -0.22, -0.05]),
    ...                   np.array([0.07] * 4), np.array([1.5] * 4)).tolist()
    [0, 0, 2, 1]
    """
    m_twin = np.asarray(m_twin, dtype=float)
    tol = twin_tolerance(tol, limit, m_twin)
    moved = lowered_beyond(margin, m_twin, tol)
    with np.errstate(invalid="ignore"):
        passed = m_twin >= 0
    return np.where(np.isnan(m_twin), NEW, np.where(
        passed, passing_twin_codes(m_twin, moved, tol), np.where(moved, WORSE, PRE_EXISTING)))


def fmt(x: float, unit: str) -> str:
    """A change or threshold in a materiality text: ``12.3 ms``, ``4.55 s``, ``0.0083 pu``;
    ``unbounded`` for an infinite tolerance (a fuse band with no upper end, review rev28 §7)."""
    if x == float("inf"):
        return "unbounded"
    if unit == "s":  # seconds from 1 s up (review rev29 §2: "4.55e+03 ms")
        return f"{x:.3g} s" if abs(x) >= 1.0 else f"{1000.0 * x:.3g} ms"
    return f"{x:.3g} {unit}".rstrip()


#: Who moves a row against its base case, in its words: ``"V2G"`` (a site exports), or
#: ``"charging"`` in a charging snapshot (:data:`protv2g.scenarios.CHARGING_SNAPSHOT_PREFIX`:
#: every participating vehicle charging at peak load, no export; review rev40b M2: IEEE 123's
#: C12 in charging/expected said "V2G raises it", ckt5's "V2G changes it by 0.00178 pu").
WHO = ("V2G", "charging")


def who_moves(scenario: object) -> str:
    """``"charging"`` for a row of a charging snapshot, else ``"V2G"`` (:data:`WHO`).

    >>> who_moves("charging/expected"), who_moves("expected/light/100%")
    ('charging', 'V2G')
    """
    return WHO[1] if str(scenario).startswith(CHARGING_SNAPSHOT_PREFIX) else WHO[0]


def material_text(criterion: str, unit: str, change: float, tol: float, who: str = "V2G"
                  ) -> str:
    """The message suffix of a C8/C12 row failing without V2G that V2G (``who``: or the
    sites' charging, :func:`who_moves`) changes by less than its :data:`MATERIALITY`
    threshold ``tol``.

    >>> material_text("C12", "pu", 0.00178, 1 / 120, "charging")[:46]
    '; pre-existing: charging changes it by 0.00178'
    """
    key = MATERIALITY[(criterion, unit)]
    return (f"; pre-existing: {who} changes it by {fmt(change, unit)}, under the materiality "
            f"threshold {fmt(tol, unit)} ({key})")


def _improved(unit: str, change: float, who: str = "V2G") -> str:
    """What V2G (``who``) does to a row whose margin it raises by ``-change`` (> 0): the
    quantity of a loading (``%``, in points), a current (``A``) or an unbalance (``% VUF``)
    goes down by it (its margin is the limit less it); a voltage's margin (either limit) goes
    up."""
    up = -change
    if unit in ("%", "% VUF"):
        return f"{who} lowers it by {up:.3g} points"
    if unit == "A":
        return f"{who} lowers it by {fmt(up, unit)}"
    return f"{who} raises its margin by {fmt(up, unit)}"


def marginal_text(criterion: str, unit: str, m_base: float, change: float, tol: float,
                  who: str = "V2G") -> str:
    """The message suffix of a row whose base margin ``m_base`` is under its tolerance or
    threshold ``tol`` (passing by less, or failing), and that V2G changes by ``change``
    (``m_base − m_v2g``: positive a worsening) within it.

    A base that fails is said to fail, and a change that improves the row is said as an
    improvement, not compared with a threshold of worsening (review rev38a M7, IEEE 8500
    line.ln5805761-1: "without V2G it passes by -30.3 % and V2G changes it by -5.85 %, under
    the materiality threshold 1.2 %" for a line 130 % loaded without V2G that V2G lowers
    to 124 %).

    >>> marginal_text("C12", "%", -30.3, -5.85, 1.2)[:75]
    '; pre-existing: it fails by 30.3 % without V2G; V2G lowers it by 5.85 point'
    >>> marginal_text("C12", "%", 0.5, 0.2, 1.2).split(", under")[0]
    '; pre-existing: without V2G it passes by 0.5 % and V2G changes it by 0.2 %'
    """
    key = MATERIALITY.get((criterion, unit))
    without = "without V2G" if who == WHO[0] else f"without the sites' {who}"
    state = (f"{without} it passes by {fmt(m_base, unit)}" if m_base >= 0
             else f"it fails by {fmt(-m_base, unit)} {without}")
    if key is not None:  # a flow criterion: the threshold is the change's (s17)
        if change < 0:  # an improvement: no worsening to weigh against the threshold
            return (f"; pre-existing: {state}; {_improved(unit, change, who)}, an improvement "
                    f"(the materiality threshold {fmt(tol, unit)}, {key}, weighs a worsening)")
        return (f"; pre-existing: {state} and {who} changes it by {fmt(change, unit)}, under "
                f"the materiality threshold {fmt(tol, unit)} ({key})")
    if m_base < 0:
        return (f"; pre-existing: {state}, and {who} changes its margin by "
                f"{fmt(change, unit)}, within the tolerance {fmt(tol, unit)} of the device "
                "data")
    if m_base - change < 0:  # passes without V2G, fails with it (review rev44a M1)
        return f"; pre-existing: {marginal_base_text(m_base, -change, tol, unit, who)}"
    return (f"; pre-existing: {state}, within the "
            f"tolerance {fmt(tol, unit)} of the device data: the limit is not met with the "
            "devices' own scatter even without V2G")


def marginal_worse_text(criterion: str, unit: str, m_base: float, change: float, tol: float,
                        who: str = "V2G") -> str:
    """The message suffix of a row made ``worse`` on a base that passes, by less than its
    tolerance ``tol`` (:func:`marginal_twin`), and that V2G (``who``: or the sites' charging,
    :func:`who_moves`) lowers by ``change`` (``m_base − m_v2g``), more than ``tol``: why the
    row is worse, not new, with a base margin ≥ 0 (fix47: the residential two-site study's
    C12 0.947 pu at LAT2-B2, its base 0.9578 pu — passing by 0.0078 pu, inside the 0.0083 pu
    threshold — read "made worse by V2G" with nothing to say why).

    >>> marginal_worse_text("C12", "pu", 0.007772, 0.010475, 1 / 120).split(", inside")[0]
    '; made worse, not caused, by V2G: without V2G it passes by 0.00777 pu'
    """
    key = MATERIALITY.get((criterion, unit))
    own = who == WHO[0]
    without = "without V2G" if own else f"without the sites' {who}"
    by = "V2G" if own else f"the sites' {who}"
    band = (f"the materiality threshold {fmt(tol, unit)} ({key})" if key is not None
            else f"the tolerance {fmt(tol, unit)} of the device data")
    return (f"; made worse, not caused, by {by}: {without} it passes by {fmt(m_base, unit)}, "
            f"inside {band}, at the limit already, and {by} lowers it by "
            f"{fmt(change, unit)}, more than that")


def marginal_base_text(m_base: float, moved: float, tol: float, unit: str,
                       who: str = "V2G") -> str:
    """What a failing row whose base passes by less than the check's tolerance is: marginal
    without V2G (``who``), the change ``moved`` (margin with V2G − margin without, negative a
    worsening) inside the tolerance ``tol`` taking it below 0 — the attribution's rule keeps
    it pre-existing (:mod:`protv2g.checks.attribution`), and the words say why instead of
    "present without V2G" (review rev44a M1, EPRI ckt5 F15: 0.055 × pickup without V2G,
    −0.007 × pickup with it, tolerance 0.075). The Findings' message, the gate line and the
    Summary say it alike.

    >>> marginal_base_text(0.05498, -0.06195, 0.07465, "× pickup")
    "marginal without V2G (passes by 0.055 × pickup, inside the check's tolerance 0.0746 × \
pickup); V2G's change (−0.0619 × pickup) is inside the tolerance and takes it below 0 — \
confirm the input data"
    """
    without = "without V2G" if who == WHO[0] else f"without the sites' {who}"
    owner = "V2G's" if who == WHO[0] else f"the sites' {who}'s"
    change = fmt(moved, unit).replace("-", "\u2212", 1)
    return (f"marginal {without} (passes by {fmt(m_base, unit)}, inside the check's tolerance "
            f"{fmt(tol, unit)}); {owner} change ({change}) is inside the tolerance and takes "
            "it below 0 — confirm the input data")
