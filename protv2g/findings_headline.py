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
"""

from __future__ import annotations

import math

import numpy as np

from protv2g.checks.equipment import EQUIPMENT
from protv2g.significant import TEXT_DIGITS, number_text, round_significant
from protv2g.violations import is_given

__all__ = ["MOVED", "headline_offset", "lead_message", "lead_positions", "moved_texts",
           "overall_worst_tail", "tied"]

#: Row attributions of a row V2G (or the sites' charging) moved against its base case.
MOVED = ("new", "worse", EQUIPMENT)


def moved_texts(texts: np.ndarray) -> np.ndarray:
    """``(k,)`` bool: which of the distinct attribution ``texts`` are :data:`MOVED`."""
    return np.array([str(t) in MOVED for t in np.asarray(texts, dtype=object).tolist()],
                    dtype=bool)


def headline_offset(moved: np.ndarray) -> int:
    """The position, among a finding's rows sorted worst first, of the row it leads with: the
    first row V2G moved (``moved``, ``(n,)`` bool), else the first row (0).

    >>> headline_offset(np.array([False, True, True])), headline_offset(np.array([False]))
    (1, 0)
    """
    at = np.flatnonzero(moved)
    return int(at[0]) if len(at) else 0


def lead_positions(moved: np.ndarray, first: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per finding, the position of the row it leads with (:func:`headline_offset`, for all
    findings at once): rows sorted by finding then worst first, finding k's rows
    ``first[k]:ends[k]``; ``moved`` ``(n,)`` bool, the rows V2G moved.

    >>> lead_positions(np.array([False, True, False, False]), np.array([0, 2]),
    ...                np.array([2, 4])).tolist()
    [1, 2]
    """
    at = np.flatnonzero(moved)
    nxt = np.searchsorted(at, first)
    lead = np.asarray(first, dtype=np.intp).copy()
    has = nxt < len(at)
    has[has] = at[nxt[has]] < ends[has]
    lead[has] = at[nxt[has]]
    return lead


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


def lead_message(message: object, own: bool, worst: dict[str, np.ndarray], lo: int,
                  margin: float, base_margin: float, unit: str, charging: bool = False) -> str:
    """The finding's message: its leading row's; when that is not its worst row (``own``
    False: V2G's worst row leads, the worst overall is pre-existing), with the tail naming
    the worst row overall (:func:`overall_worst_tail`; ``worst``: the evidence's scenario
    and fault columns, ``lo`` that row; ``charging``: the finding is said in words of
    charging, its base the step without the charging)."""
    text = str(message) if is_given(message) else ""
    if own:
        return text
    fault = " ".join(str(worst[c][lo]) for c in ("fault_type", "fault_bus", "case")
                     if is_given(worst[c][lo]))
    where = f"{fault} ({worst['scenario'][lo]})" if fault else str(worst["scenario"][lo])
    tail = overall_worst_tail(margin if margin != np.inf else np.nan, base_margin, unit, where,
                              without="without the sites' charging" if charging
                              else "without V2G")
    return f"{text}; {tail}" if text else tail


def tied(margin: np.ndarray, h: int, lo: int) -> bool:
    """Whether rows ``h`` and ``lo`` have one margin to
    :data:`~protv2g.significant.SIGNIFICANT_DIGITS` digits (equal infinities alike): the row
    a finding leads with is then one of its worst, no tail needed."""
    a, b = round_significant(margin[[h, lo]].astype(float))
    return bool(a == b or (np.isnan(a) and np.isnan(b)))
