"""A finding's one attribution: caused by V2G, made worse by V2G, pre-existing (or by charging),
from its rows' ``attribution`` (:mod:`protv2g.checks.attribution`).
Every place that names a finding's attribution says this text (:func:`finding_attribution`).

**Charging** (one rule for every criterion, :func:`by_charging`): a finding is said in words
of charging ("caused by charging", "made worse by charging") when it is a C8 charging peak
(:func:`is_charging_peak`), or when every row of it that is new or worse against its base case
is a row of a charging snapshot (:data:`protv2g.scenarios.CHARGING_SNAPSHOT_PREFIX`: the
sites charging at peak load, no export — whatever that row changes against its base case,
the same step without the charging, is the charging's, not V2G export's). Review s23, IEEE
123: C12's line overloads (L115 177 % at ``charging/firm``, 158 % without) read "made worse
by V2G" while C8 called the same scenario "caused by charging". A finding with a new or worse
row of an export scenario stays V2G's. A row of the sites' day
(:data:`protv2g.scenarios.DAY_SCENARIO_PREFIX`: charging and export steps in one scenario)
decides nothing either way: beside charging-snapshot rows and no export row it is the
charging's too (review rev39b M3, depot F05: C12 0.921 pu at F1-LAT2-B2 in ``charging/*``
and ``day/*`` only — pandapower 0.9207 pu with the 7.8 MW charging at peak, 0.9595 pu
without — read "caused by V2G"); a finding of day rows only stays V2G's. A charging row whose change
is inside its tolerance is ``pre-existing`` like any other (:mod:`protv2g.checks.attribution`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.equipment import EQUIPMENT as EQUIPMENT_ROW
from protv2g.checks.equipment import EQUIPMENT_WORSE as EQUIPMENT_WORSE_ROW
from protv2g.checks.equipment import PROJECT as PROJECT_ROW
from protv2g.checks.load import CHARGING_PEAKS
from protv2g.findings_headline import V2G_MOVED
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX, DAY_SCENARIO_PREFIX

__all__ = ["ROW_ATTRIBUTIONS", "Attribution", "by_charging", "by_charging_coded",
           "check_attribution", "finding_attribution",
           "is_charging_peak", "lower_status_tail",
           "is_charging_snapshot", "marginal_without_v2g"]

#: Row attributions that make a row V2G's (or the charging's) change against its base case.
_MOVED = ("new", "worse")
#: Every row ``attribution`` a check or :mod:`protv2g.checks.attribution` writes (a closed
#: set: :func:`finding_attribution` raises on any other text).
ROW_ATTRIBUTIONS = frozenset({"new", "worse", "pre-existing", EQUIPMENT_ROW, EQUIPMENT_WORSE_ROW,
                              PROJECT_ROW})


class Attribution(StrEnum):
    """Attribution of a finding (from its rows' ``attribution``): a closed set — every place
    that dispatches on it handles each member or raises (:func:`check_attribution`)."""

    CAUSED = "caused by V2G"
    WORSE = "made worse by V2G"
    PRE_EXISTING = "pre-existing"
    UNKNOWN = "not attributed"
    #: A C8 charging peak (:data:`protv2g.checks.load.CHARGING_PEAK`): vehicle load, there
    #: with or without V2G export — new or worse against the base case because of charging.
    CAUSED_CHARGING = "caused by charging"
    WORSE_CHARGING = "made worse by charging"
    #: Rows new with the project's equipment (a site's own transformer, a device on it) that
    #: fail with every charger idle (row attribution
    #: :data:`protv2g.checks.equipment.EQUIPMENT`): the project brings them — the gate fails
    #: on them — but the remedy is that equipment, not the chargers or their export
    #: (reviews rev34a M1, rev34b M1).
    EQUIPMENT = "caused by the project's equipment"
    #: Rows failing without the project too that its equipment, with every charger idle,
    #: makes worse by more than their tolerance (row attribution
    #: :data:`protv2g.checks.equipment.EQUIPMENT_WORSE`), with only pre-existing ones beside
    #: them: the feeder's failure, which the project deepens — the gate fails on it, as on
    #: "made worse by V2G"; the remedy of the worsening is the equipment (review rev42b M1).
    EQUIPMENT_WORSE = "pre-existing, made worse by the project's equipment"
    #: Rows the project moves as a whole, neither its equipment nor its chargers alone
    #: crossing the check's threshold (row attribution
    #: :data:`protv2g.checks.equipment.PROJECT`; C7 on IEEE 34 F-818: +16 % against no project
    #: = +6 % the depot's YNd transformer + 9 % the chargers, review s38): the gate acts on
    #: them as on V2G's; the remedy is the project's, equipment and export together.
    PROJECT = "caused by the project (equipment + V2G together)"


def check_attribution(value: Any) -> Attribution:
    """``value`` as an :class:`Attribution` member; a :class:`ValueError` naming the set for
    any other text (the end of every dispatch on the set, design.md §7).

    >>> check_attribution("caused by V2G") is Attribution.CAUSED
    True
    """
    try:
        return Attribution(str(value))
    except ValueError:
        raise ValueError(f"unknown finding attribution {value!r}: one of "
                         f"{', '.join(repr(a.value) for a in Attribution)}") from None


#: A charging peak's attribution in words of charging, not of V2G.
_BY_CHARGING = {Attribution.CAUSED: Attribution.CAUSED_CHARGING,
                Attribution.WORSE: Attribution.WORSE_CHARGING}


def is_charging_peak(criterion: Any, mechanism: Any) -> bool:
    """Whether a finding (or a violation row) is a C8 charging peak, said in words of
    charging by :func:`finding_attribution`: C8 stores what its peak is in ``mechanism``
    (:class:`protv2g.checks.load.LoadPeak`), not in ``rule``. The Findings and the gate's
    reason lines both ask this (review s21, EPRI J1: the gate read ``rule`` and said "caused
    by V2G" where the Findings said "caused by charging").

    >>> is_charging_peak("C8", "charging peak: vehicle charging behind the device")
    True
    """
    return str(criterion) == "C8" and str(mechanism) in CHARGING_PEAKS


def is_charging_snapshot(scenario: Any) -> bool:
    """Whether a row's scenario is a charging snapshot (the sites charging, no export):
    :data:`protv2g.scenarios.CHARGING_SNAPSHOT_PREFIX`.

    >>> is_charging_snapshot("charging/firm"), is_charging_snapshot("firm/peak/100%")
    (True, False)
    """
    return str(scenario).startswith(CHARGING_SNAPSHOT_PREFIX)


def by_charging(criterion: Any, mechanism: Any, scenarios: Sequence[Any] | np.ndarray,
                attributions: Sequence[Any] | np.ndarray) -> bool:
    """Whether a finding's (or a gate line's) rows are said in words of charging (module
    docstring): a C8 charging peak, or every row that is ``new``/``worse`` is in a charging
    snapshot or the sites' day, at least one in a charging snapshot.

    Parameters
    ----------
    criterion, mechanism : str
        The finding's criterion and mechanism.
    scenarios, attributions : array of str
        Each row's scenario and row ``attribution`` (``new``/``worse``/``pre-existing``).

    >>> by_charging("C12", "", ["charging/firm", "base/peak"], ["worse", "pre-existing"])
    True
    >>> by_charging("C12", "", ["charging/firm", "firm/peak/50%"], ["worse", "new"])
    False
    >>> by_charging("C12", "", ["charging/firm", "day/firm"], ["new", "new"])
    True
    >>> by_charging("C12", "", ["day/firm"], ["new"])
    False
    """
    if is_charging_peak(criterion, mechanism):
        return True
    # each distinct value written and tested once (#21: every row's text written, 0.08 s of
    # the 10,000-bus study's findings and as much of its gate)
    return by_charging_coded(criterion, mechanism, _coded(scenarios), _coded(attributions))


def by_charging_coded(criterion: Any, mechanism: Any, scenarios: tuple[np.ndarray, np.ndarray],
                      attributions: tuple[np.ndarray, np.ndarray]) -> bool:
    """:func:`by_charging` of rows whose scenario and attribution are given as (codes (n,),
    texts): ``texts[codes]`` the rows' ``astype(str)`` text (:func:`protv2g.text_codes.
    text_codes`); each text tested once, the rows by their codes (the findings' rows, #21)."""
    if is_charging_peak(criterion, mechanism):
        return True
    a_codes, a_texts = attributions
    moved = np.array([str(t) in _MOVED for t in a_texts.tolist()], dtype=bool)[a_codes]
    if not moved.any():
        return False
    s_codes, s_texts = scenarios
    texts = [str(t) for t in s_texts.tolist()]
    snapshot = np.array([t.startswith(CHARGING_SNAPSHOT_PREFIX) for t in texts],
                        dtype=bool)[s_codes[moved]]
    day = np.array([t.startswith(DAY_SCENARIO_PREFIX) for t in texts],
                   dtype=bool)[s_codes[moved]]
    return bool(snapshot.any() and (snapshot | day).all())


def _coded(values: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes (n,), texts) of the cells' ``astype(str)`` text, a missing cell (None, NaN)
    as ``"None"`` (no attribution and no scenario that :func:`by_charging` takes, as
    ``"nan"`` is not either)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    texts = np.array([str(u) for u in np.asarray(uniques, dtype=object).tolist()] + ["None"],
                     dtype=object)
    return np.where(codes < 0, len(texts) - 1, codes), texts


def finding_attribution(values: Iterable[str], charging: bool = False) -> str:
    """A finding's one attribution (:class:`Attribution`) from the distinct texts of its rows'
    ``attribution`` (``new``/``worse``/``pre-existing``, :mod:`protv2g.checks.attribution`):
    every row new → caused by V2G; every row pre-existing → pre-existing; any other mix →
    made worse by V2G; none given → not attributed. Rows of the project's equipment
    (:data:`~protv2g.checks.equipment.EQUIPMENT`) with only pre-existing ones (or ones it made
    worse) beside them → caused by the project's equipment; rows the equipment made worse
    (:data:`~protv2g.checks.equipment.EQUIPMENT_WORSE`) with only pre-existing ones → pre-existing,
    made worse by the project's equipment; rows of the project as a whole
    (:data:`~protv2g.checks.equipment.PROJECT`, with or without equipment rows) so → caused by
    the project (equipment + V2G together); beside new or worse rows they count as new (made
    worse: as worse).
    Returns the member's text (``str``).
    ``charging``: rows said in words of charging (:func:`by_charging`: a C8 charging peak,
    or V2G-free charging snapshots).

    The Findings, the gate's reason lines (:mod:`protv2g.gate_reasons`), the Summary and
    ``protv2g recommend`` all say this text for a finding (review s20: the gate printed its
    worst row's ``new`` while the Findings said "made worse by V2G").

    >>> finding_attribution(["new", "pre-existing"]), finding_attribution(["new"])
    ('made worse by V2G', 'caused by V2G')
    >>> finding_attribution(["equipment"])
    "caused by the project's equipment"
    >>> finding_attribution(["project", "pre-existing"])
    'caused by the project (equipment + V2G together)'
    >>> finding_attribution(["equipment-worse", "pre-existing"])
    "pre-existing, made worse by the project's equipment"
    >>> finding_attribution(["equipment-worse", "new"])
    'made worse by V2G'
    """
    given = {str(v) for v in values if v and str(v) != "nan"}
    if unknown := given - ROW_ATTRIBUTIONS:
        raise ValueError(f"unknown row attribution(s) {', '.join(map(repr, sorted(unknown)))}: "
                         f"one of {', '.join(map(repr, sorted(ROW_ATTRIBUTIONS)))}")
    project = {EQUIPMENT_ROW, EQUIPMENT_WORSE_ROW, PROJECT_ROW}
    if given & project:
        # the project's rows (its equipment's, or its equipment's and chargers' together)
        # with only the feeder's own beside them: the project's; with rows V2G moves: those
        # decide, the project's counted as new (a pre-existing row it made worse: as worse)
        if given <= project | {"pre-existing"}:
            return (Attribution.PROJECT if PROJECT_ROW in given
                    else Attribution.EQUIPMENT if EQUIPMENT_ROW in given
                    else Attribution.EQUIPMENT_WORSE).value
        given = ((given - project) | ({"new"} if given & {EQUIPMENT_ROW, PROJECT_ROW} else set())
                 | ({"worse"} if EQUIPMENT_WORSE_ROW in given else set()))
    if not given:  # rows without a base-case comparison: V2G's share is not known
        out = Attribution.UNKNOWN
    elif given <= {"pre-existing"}:
        out = Attribution.PRE_EXISTING
    elif given <= {"new"}:
        out = Attribution.CAUSED
    else:
        out = Attribution.WORSE
    return (_BY_CHARGING.get(out, out) if charging else out).value


def marginal_without_v2g(findings: pd.DataFrame, evidence: pd.DataFrame) -> np.ndarray:
    """``(n,)`` bool per finding: pre-existing only because V2G's change is inside the
    check's tolerance — every one of its evidence rows passes without V2G (``base_margin``
    ≥ 0, finite), so it is marginal without V2G, not "present without V2G" (the rule of
    :mod:`protv2g.checks.attribution` for a marginal base; review rev44a M1, EPRI ckt5 F01
    and F15 sat under the Summary's "Pre-existing findings (present without V2G …)").
    False for a finding of another attribution, or without the columns.

    >>> f = pd.DataFrame({"finding": ["F01", "F02"], "attribution": ["pre-existing"] * 2})
    >>> e = pd.DataFrame({"finding": ["F01", "F01", "F02"],
    ...                   "base_margin": [0.9, 1.4, -0.2]})
    >>> marginal_without_v2g(f, e).tolist()
    [True, False]
    """
    out = np.zeros(len(findings), dtype=bool)
    if not len(findings) or not {"finding", "base_margin"} <= set(evidence.columns):
        return out
    base = pd.to_numeric(evidence["base_margin"], errors="coerce")
    passes = (base >= 0).groupby(evidence["finding"].astype(str).to_numpy()).all()
    pre = findings["attribution"].astype(str).to_numpy() == Attribution.PRE_EXISTING.value
    ids = findings["finding"].astype(str)
    return pre & ids.map(passes).fillna(False).to_numpy(dtype=bool)


#: Attributions that already say V2G (or its charging) moves the finding's own rows.
_V2G_ATTRIBUTIONS = frozenset({Attribution.CAUSED, Attribution.WORSE, Attribution.CAUSED_CHARGING,
                               Attribution.WORSE_CHARGING, Attribution.PROJECT})


def lower_status_tail(attribution: str, status: str,
                      coded: tuple[np.ndarray, np.ndarray], lo: int, hi: int,
                      warn_rows: np.ndarray | None, charging: bool) -> str:
    """The words a fail finding whose fail rows V2G does not move adds for its warn rows
    V2G does move (review rev49b #6, IEEE 8500 F09, C5 head: seven pre-existing fail rows
    in its primary zone, 731 backup-zone warn rows made worse and 9 new): "V2G moves 740 of
    its warn rows (made worse by V2G there; not failing)"; "" otherwise. ``coded``: the
    rows' attribution codes and texts, ``warn_rows`` ``(n,)`` bool."""
    if status != "fail" or warn_rows is None or attribution in _V2G_ATTRIBUTIONS:
        return ""
    codes, texts = coded
    part = codes[lo:hi][warn_rows[lo:hi]]
    moved = np.isin(texts[part], list(V2G_MOVED)) if len(part) else np.zeros(0, bool)
    if not moved.any():
        return ""
    words = finding_attribution(pd.unique(texts[part[moved]]).tolist(), charging)
    return f"V2G moves {int(moved.sum()):,} of its warn rows ({words} there; not failing)"
