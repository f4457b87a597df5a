"""The row a finding (or a gate line) leads with, and the tail that names its worst row overall
when that is another, pre-existing row (review s28 §3).

A finding "made worse by V2G" holds rows V2G moved (``new``/``worse`` against their base
case, :mod:`protv2g.checks.attribution`) beside pre-existing ones. Its worst row overall may be
pre-existing (EPRI J1 with 40 homes: C2 R-MID / F-LAT, −199.1 s at b56685, fails by 193.4 s
without V2G, V2G's part 2.9 % of that deficit), while the row that makes the finding V2G's
is elsewhere (b14325, −60.5 → −124.2 s, 105 % of its deficit). Headlining the former under
"made worse by V2G" reads as a contradiction; so a finding with a row V2G moved leads with the
worst such row (:func:`headline_offset`) — its margin, fault, scenario, trend and message —
and says the worst row overall in a tail (:func:`overall_worst_tail`). The Findings sheet
(:mod:`protv2g.findings`), the gate's reason lines (:mod:`protv2g.gate_reasons`) and the
"Charger stages" sheet (:func:`protv2g.stage_report_findings.time_findings`: V2G-attributed
rows first) lead with the same row. A finding without such a row (pre-existing, not
attributed) leads with its worst row, as before; so does one whose worst row V2G moved.

A finding that mixes rows of the project's equipment (:data:`~protv2g.checks.equipment.
EQUIPMENT`: failing with every charger idle) with rows the chargers move (``new``/``worse``)
is V2G's (:func:`protv2g.findings_attribution.finding_attribution`), so it leads with the
worst row the chargers move (:data:`V2G_MOVED`), not with a worse equipment row — review
mix38 / v2der37 J1 F01: five equipment rows and one LLG-bc row the chargers tip read "caused
by V2G" while the gate line and the headline quoted an equipment row ("the pair fails without
the chargers"). The equipment rows are said in one clause (:func:`equipment_tail`: "5 more
row(s) fail with the chargers idle: the project's equipment").
"""

from __future__ import annotations

import math

import numpy as np

from protv2g.checks.equipment import PROJECT_ROWS
from protv2g.significant import TEXT_DIGITS, number_text, round_significant
from protv2g.violations import is_given

__all__ = ["MOVED", "V2G_MOVED", "base_case_lead", "equipment_tail", "headline_offset",
           "lead_message", "lead_positions", "moved_texts", "overall_worst_tail", "row_where",
           "tied", "v2g_change_tail"]

#: Row attributions of a row V2G (or the sites' charging, or the project: its equipment, its
#: equipment and chargers together) moved against its base case.
MOVED = ("new", "worse", *PROJECT_ROWS)
#: Row attributions of a row the chargers themselves moved (not the project's equipment):
#: where a finding has one, it leads with the worst of them (module docstring).
V2G_MOVED = ("new", "worse")


def moved_texts(texts: np.ndarray, of: tuple[str, ...] = MOVED) -> np.ndarray:
    """``(k,)`` bool: which of the distinct attribution ``texts`` are in ``of``
    (:data:`MOVED`, or :data:`V2G_MOVED`)."""
    return np.array([str(t) in of for t in np.asarray(texts, dtype=object).tolist()],
                    dtype=bool)


def headline_offset(moved: np.ndarray, v2g: np.ndarray | None = None) -> int:
    """The position, among a finding's rows sorted worst first, of the row it leads with: the
    first row the chargers moved (``v2g``, ``(n,)`` bool: :data:`V2G_MOVED`), else the first
    row V2G or the project moved (``moved``, ``(n,)`` bool: :data:`MOVED`), else the first
    row (0).

    >>> headline_offset(np.array([False, True, True])), headline_offset(np.array([False]))
    (1, 0)
    >>> headline_offset(np.array([True, True, True]), np.array([False, False, True]))
    2
    """
    at = np.flatnonzero(v2g) if v2g is not None else np.zeros(0, np.intp)
    if not len(at):
        at = np.flatnonzero(moved)
    return int(at[0]) if len(at) else 0


def _first_in(mask: np.ndarray, first: np.ndarray, ends: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per finding (rows ``first[k]:ends[k]``), the first position where ``mask`` holds and
    whether there is one."""
    at = np.flatnonzero(mask)
    nxt = np.searchsorted(at, first)
    has = nxt < len(at)
    has[has] = at[nxt[has]] < ends[has]
    pos = np.asarray(first, dtype=np.intp).copy()
    pos[has] = at[nxt[has]]
    return pos, has


def lead_positions(moved: np.ndarray, first: np.ndarray, ends: np.ndarray,
                   v2g: np.ndarray | None = None) -> np.ndarray:
    """Per finding, the position of the row it leads with (:func:`headline_offset`, for all
    findings at once): rows sorted by finding then worst first, finding k's rows
    ``first[k]:ends[k]``; ``moved`` ``(n,)`` bool, the rows V2G or the project's equipment
    moved (:data:`MOVED`); ``v2g`` ``(n,)`` bool, the rows the chargers moved
    (:data:`V2G_MOVED`), which lead where a finding has one (module docstring).

    >>> lead_positions(np.array([False, True, False, False]), np.array([0, 2]),
    ...                np.array([2, 4])).tolist()
    [1, 2]
    >>> lead_positions(np.array([True, True, True]), np.array([0]), np.array([3]),
    ...                np.array([False, False, True])).tolist()
    [2]
    """
    lead, _ = _first_in(moved, first, ends)
    if v2g is not None:
        by_v2g, has = _first_in(v2g, first, ends)
        lead[has] = by_v2g[has]
    return lead


def equipment_tail(n_rows: int, margin: float, unit: str, where: str,
                   digits: int = TEXT_DIGITS) -> str:
    """"<n> more row(s) fail with the chargers idle: the project's equipment (the worst <m>
    at <where>)" — the clause of a finding (or gate line) the chargers' rows make V2G's that
    also holds rows of the project's equipment (module docstring); "" for ``n_rows`` 0.

    >>> equipment_tail(5, -1.18, "s", "SLG-a f-depot min")[41:]
    ": the project's equipment (the worst −1.18 s at SLG-a f-depot min)"
    """
    if n_rows <= 0:
        return ""
    text = f"{n_rows} more row(s) fail with the chargers idle: the project's equipment"
    if math.isfinite(margin):
        text += f" (the worst {number_text(margin, unit, digits)} at {where})"
    return text


def overall_worst_tail(margin: float, base_margin: float, unit: str, where: str,
                       digits: int = TEXT_DIGITS, without: str = "without V2G") -> str:
    """"the worst row overall, <margin> at <where>, is pre-existing: without V2G it fails
    there by <deficit>" — the tail of a finding (or gate line) that leads with V2G's worst row
    while its worst row overall is pre-existing (module docstring).

    Parameters
    ----------
    margin, base_margin : float
        The worst row's margin and its twin's without V2G (``base_margin``: the same fault,
        case and rule in the base case; NaN: not known), in ``unit``.
    unit : str
        The margin's unit (``s``, ``× pickup`` …).
    where : str
        The row's scenario and fault as the caller writes them.
    digits : int
        Significant digits of the numbers (:func:`protv2g.significant.number_text`).
    without : str
        What the base case lacks: ``"without V2G"``, or ``"without the sites' charging"``
        for a finding said in words of charging (its base is the step without the charging).

    >>> text = overall_worst_tail(-199.1, -193.4, "s", "SLG-b b56685 min")
    >>> text.split(", is ")[0]
    'the worst row overall, −199.1 s at SLG-b b56685 min'
    >>> text.split(", is ")[1]
    'pre-existing: without V2G it fails there by 193.4 s'
    """
    m = number_text(margin, unit, digits) if math.isfinite(margin) else (
        "−∞ (does not operate)" if margin == -math.inf else "")
    text = "the worst row overall" + (f", {m} at {where}," if m else f", at {where},")
    text += " is pre-existing"
    if math.isfinite(base_margin):
        verb = "fails" if base_margin < 0 else "passes"
        text += (f": {without} it {verb} there by "
                 f"{number_text(abs(base_margin), unit, digits)}")
        if base_margin >= 0:
            text += " (the change is within the check's tolerance)"
    elif base_margin == -math.inf:
        text += f": {without} no margin is left there either"
    return text


def base_case_lead(p_export_kw: np.ndarray, twins: np.ndarray, h: int) -> int:
    """The row a **pre-existing** finding's message leads with (rows worst first): its leading
    row ``h``'s twin without V2G (``twins``, ``(n,)`` bool: the rows of ``h``'s device, fault
    and case; ``p_export_kw`` 0: the base case) when ``h`` has V2G exporting
    (``p_export_kw`` > 0), else ``h``. Such a finding's worst row is a V2G scenario's only by
    V2G's immaterial change; leading with it reads as an export overload (review rev42a M2,
    EPRI ckt5 F03: "transformer … loaded 144 % with depot exporting 1.5 MW … (peak load)",
    143.6 % in OpenDSS already at base/peak, V2G's row worse by 0.016 %). V2G's change is
    said in :func:`v2g_change_tail`.

    >>> p = np.array([1500.0, 770.0, 0.0, np.nan, 0.0])
    >>> base_case_lead(p, np.array([True, True, False, True, True]), 0)
    4
    >>> base_case_lead(p, np.array([True, True, False, True, False]), 0)
    0
    """
    if not p_export_kw[h] > 0:
        return h
    at = np.flatnonzero((p_export_kw == 0) & twins)
    return int(at[0]) if len(at) else h


def v2g_change_tail(margin: float, base_margin: float, unit: str, where: str,
                    digits: int = TEXT_DIGITS, message: object = "") -> str:
    """"V2G changes it by <change> (<margin> at <where>, the worst with V2G): pre-existing" —
    the tail of a pre-existing finding led by its base case (:func:`base_case_lead`);
    ``message``: the V2G row's own (what it says of V2G's change, e.g. "under the
    materiality threshold 1.2 %"), after a colon.

    A margin that is not finite (a device that never operates: ±∞; no margin: NaN) has no
    change to give: with both so, "V2G changes nothing: … with or without V2G"; with one so,
    both ends in words (review rev43a M12: "V2G changes it by  (−inf s at SLG-a 832 min …)").

    >>> v2g_change_tail(-44.48833, -44.47282, "%", "firm/peak/100%")
    'V2G changes it by −0.01551 % (−44.49 % at firm/peak/100%, the worst with V2G): pre-existing'
    >>> print(v2g_change_tail(-math.inf, -math.inf, "s", "SLG-a 832 min")[:59])
    V2G changes nothing: it never operates, with or without V2G
    """
    change = margin - base_margin
    if math.isfinite(change):
        sign = "+" if change > 0 else ""
        head = f"V2G changes it by {sign}{number_text(change, unit, digits)} "
        text = f"{head}({number_text(margin, unit, digits)} at {where}, the worst with V2G)"
    elif _end_text(margin, unit, digits) == _end_text(base_margin, unit, digits):
        text = (f"V2G changes nothing: {_end_text(margin, unit, digits)}, with or without V2G "
                f"({where}, the worst with V2G)")
    else:
        text = (f"without V2G {_end_text(base_margin, unit, digits)}, with V2G "
                f"{_end_text(margin, unit, digits)} ({where}, the worst with V2G)")
    text += ": pre-existing"
    return text + (f" — with V2G: {message}" if is_given(message) and str(message) else "")


def _end_text(margin: float, unit: str, digits: int) -> str:
    """One end of :func:`v2g_change_tail` in words: "it never operates" (±∞: no time to
    compare), "no margin" (NaN), else the margin."""
    if math.isinf(margin):
        return "it never operates"
    if not margin == margin:
        return "no margin"
    return f"margin {number_text(margin, unit, digits)}"


def row_where(worst: dict[str, np.ndarray], at: int) -> str:
    """Row ``at``'s fault and scenario as a finding's tail writes them."""
    fault = " ".join(str(worst[c][at]) for c in ("fault_type", "fault_bus", "case")
                     if is_given(worst[c][at]))
    return f"{fault} ({worst['scenario'][at]})" if fault else str(worst["scenario"][at])


def lead_message(message: object, own: bool, worst: dict[str, np.ndarray], lo: int,
                  margin: float, base_margin: float, unit: str, charging: bool = False,
                  equipment: tuple[int, int, float] = (0, -1, np.nan)) -> str:
    """The finding's message: its leading row's; when that is not its worst row (``own``
    False: V2G's worst row leads, the worst overall is pre-existing), with the tail naming
    the worst row overall (:func:`overall_worst_tail`; ``worst``: the evidence's scenario
    and fault columns, ``lo`` that row; ``charging``: the finding is said in words of
    charging, its base the step without the charging).

    ``equipment``: (count, position in ``worst``, margin) of the finding's rows of the
    project's equipment beside the chargers' leading row (:func:`equipment_tail`; count 0:
    none). When the worst row overall is one of them, the equipment clause says it in place
    of :func:`overall_worst_tail` (it is not pre-existing)."""
    text = str(message) if is_given(message) else ""
    n_eq, eq_at, eq_m = equipment
    tails = []
    if not own and not (n_eq and eq_at == lo):
        tails.append(overall_worst_tail(margin if margin != np.inf else np.nan, base_margin,
                                        unit, row_where(worst, lo),
                                        without="without the sites' charging" if charging
                                        else "without V2G"))
    if n_eq:
        tails.append(equipment_tail(n_eq, eq_m if eq_m != np.inf else np.nan, unit,
                                    row_where(worst, eq_at)))
    return "; ".join(t for t in (text, *tails) if t)


def tied(margin: np.ndarray, h: int, lo: int) -> bool:
    """Whether rows ``h`` and ``lo`` have one margin to
    :data:`~protv2g.significant.SIGNIFICANT_DIGITS` digits (equal infinities alike): the row
    a finding leads with is then one of its worst, no tail needed."""
    a, b = round_significant(margin[[h, lo]].astype(float))
    return bool(a == b or (np.isnan(a) and np.isnan(b)))
