"""A gate line's short form, and what its margin is where a finding is split over two lines.

The gate's reason lines (:mod:`protv2g.gate_reasons`) carry a row's whole message, its twin
without V2G, folded rows and tails: EPRI J1's C10 line ran to 1,358 characters, its C5 line to
1,563 (review ver40b). The terminal and the Summary print each line's short form
(:func:`short_line`, kept in the line's record as ``short``: the gate's ``reason_data``): the
criterion and device, the message's first clause (:func:`headline`), status, attribution,
where, the input the row rests on, the margin, the rows, and where the whole text is; the
gate's ``reasons`` (``--json``) keep the whole line.

Where a finding's rows are split between a ``condition:`` line (the rows on given data) and a
``confirm:`` line (those resting on an input to confirm), each line's margin says which worst
it is and gives the other's (:func:`split_note`; review ver40b §2, J1 F01: −6.964 s on one,
−386 s on the other and in the Summary, neither saying what it was).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protv2g.checks.base_crossing import crossing_qualifier
from protv2g.gate_reason_record import device_text, rests_on, scenario_count_text
from protv2g.gate_twin import cell_text
from protv2g.input_basis import InputBasis
from protv2g.significant import TEXT_DIGITS
from protv2g.violations import describe_fault, is_given, status_count_text

__all__ = ["HEADLINE_CHARS", "headline", "short_line", "split_note"]


def _fmt(value: Any, unit: str = "") -> str:
    """A finite number as prose writes it (:data:`protv2g.significant.TEXT_DIGITS`, 4
    significant digits: a line people read; the gate's data and ``--json`` keep the cells'
    10), "" otherwise (:func:`protv2g.gate_twin.cell_text`)."""
    return cell_text(value, unit, TEXT_DIGITS)


#: Characters of a message a gate line's short form keeps (:func:`headline`).
HEADLINE_CHARS = 90
#: Characters past :data:`HEADLINE_CHARS` a short form runs on to keep words whole that must
#: not be cut (:func:`headline`'s ``keep``: a scenario's export, "with depot exporting
#: 0.6 MW and homes_a exporting 0.0864 MW and homes_b exporting 0.0576 MW" is 88); a longer
#: run is cut before them instead.
KEEP_CHARS = 90


def headline(message: str, limit: int = HEADLINE_CHARS, keep: str = "") -> str:
    """A row message's first clause, as a gate line's short form says it: up to its first
    ``"; "`` or ``": "`` outside parentheses, its parenthesised asides left out, cut at a word
    before ``limit`` characters with "…" (the whole message is the Findings' and the
    Evidence's). ``keep``: words not to be cut inside (a scenario's export,
    :meth:`protv2g.findings_trend_sites.SiteAxis.line_words`; review rev48a #3: "… with depot
    exporting 1.5 …" named one site of three and not the one driving it): where the cut
    falls inside them, the line runs on to their end (up to :data:`KEEP_CHARS` past
    ``limit``), else stops before them.

    >>> msg = "R trips for a fault at 9 with depot exporting 1.5 MW and homes exporting 0.1 MW"
    >>> headline(msg, 40)
    'R trips for a fault at 9 with depot …'
    >>> headline(msg, 40, keep="with depot exporting 1.5 MW")
    'R trips for a fault at 9 with depot exporting 1.5 MW …'

    >>> headline("RC-MID delayed trip (0.414 s at 415 A, 3I0 415 A: 0.414 s on 117) comes "
    ...          "before FU-LAT2PH clears (7.38 s at 415 A) for a SLG-b fault (max case) at "
    ...          "5962929303: the recloser locks out; fails across its band")
    'RC-MID delayed trip comes before FU-LAT2PH clears for a SLG-b fault at 5962929303'
    """
    out, depth, k = [], 0, 0
    text = " ".join(str(message).split())
    while k < len(text):
        c = text[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(("; ", ": "), k):
            break
        elif depth == 0:
            out.append(c)
        k += 1
    head = " ".join("".join(out).split()).replace(" ,", ",")
    if len(head) <= limit:
        return head
    at = head.find(keep) if keep else -1
    if 0 <= at < limit < at + len(keep):  # the cut inside the words kept whole
        end = at + len(keep) if at + len(keep) <= limit + KEEP_CHARS else at
        if end >= len(head):
            return head
        return head[:end].rstrip(" ,;:") + " …"
    return head[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def short_line(kind: str, worst: Mapping[str, Any], n_rows: Mapping[str, int],
               n_scenarios: int, attribution: str, others: tuple[str, ...] = (),
               margin_note: str = "", marginal: str = "", keep: str = "") -> str:
    """A gate line's short form, what the terminal and the Summary print (review ver40b:
    EPRI J1's C10 line ran to 1,358 characters): the criterion and device, the message's
    :func:`headline`, status, attribution (with ``marginal`` after it: a pre-existing line
    whose rows pass without V2G by less than the check's tolerance, in its figures —
    review rev44a M1, EPRI ckt5's F01/F15 read "pre-existing" alone), where, the input it
    rests on, the margin (and ``margin_note``, :func:`split_note`'s short form), the rows,
    and where the whole text is. The gate's ``reasons`` (its ``--json``) keep the whole
    line (:func:`_line`). ``keep``: the message's words :func:`headline` keeps whole."""
    device = device_text(worst, others)
    head = f"{kind}: {worst['criterion']}" + (f" {device}" if device else "")
    msg = (headline(str(worst["message"]), keep=keep) if is_given(worst.get("message"))
           else "")
    where = ", ".join(p for p in (str(worst["scenario"]), describe_fault(worst)) if p)
    # "caused by V2G" at the studied fault resistance only (review rev48a item 1)
    attribution += crossing_qualifier(worst.get("message"))
    detail = [str(worst["status"]), f"{attribution}: {marginal}" if marginal else attribution,
              where]
    basis, confirm = rests_on(worst)
    if confirm:  # the input's own words say drafted or default ("(drafted: TODO)")
        detail.append(f"confirm {confirm}" if "drafted" in confirm or "default" in confirm
                      else f"rests on {InputBasis(basis).label}: confirm {confirm}")
    unit = str(worst.get("margin_unit", "")) if is_given(worst.get("margin_unit")) else ""
    if margin := _fmt(worst.get("margin"), unit):
        detail.append(f"margin {margin}" + (f" ({margin_note})" if margin_note else ""))
    detail.append(f"{status_count_text(n_rows)} in {scenario_count_text(n_scenarios)}")
    detail.append("whole text: Findings sheet")
    return f"{head}: {msg} ({'; '.join(d for d in detail if d)})" if msg else (
        f"{head} ({'; '.join(d for d in detail if d)})")


def split_note(kind: str, leads: bool, other: Mapping[str, Any], short: bool = False) -> str:
    """What a line's margin is where its finding's rows are split between a ``condition:``
    line (the rows on given data) and a ``confirm:`` line (the rows resting on an input to
    confirm), and the other line's worst (``other``, its row): ``leads``, whether this
    line's is the finding's worst (the Findings' and the Summary's figure, ranked as
    :func:`~protv2g.findings_rows.worst_order` ranks them).

    >>> row = {"margin": -386.0, "margin_unit": "s", "scenario": "firm/light/50%",
    ...        "fault_type": "SLG-a", "fault_bus": "b19009reg", "case": "min"}
    >>> print(split_note("condition", False, row))  # doctest: +NORMALIZE_WHITESPACE
    the worst on given data; the finding's worst, −386 s at firm/light/50%, SLG-a at
    b19009reg (min), rests on an input to confirm: the confirm: line
    """
    unit = str(other.get("margin_unit", "")) if is_given(other.get("margin_unit")) else ""
    where = ", ".join(p for p in (str(other.get("scenario", "")), describe_fault(other)) if p)
    figure = f"{_fmt(other.get('margin'), unit)} at {where}"
    if short:  # a gate line's short form (:func:`short_line`): the other figure, no place
        other_figure = _fmt(other.get("margin"), unit)
        if kind == "confirm":
            return (f"the finding's worst; on given data {other_figure}: condition: line"
                    if leads else f"worst on that input; the finding's {other_figure}, on "
                    "given data: condition: line")
        return (f"the finding's worst; on an input to confirm {other_figure}: confirm: line"
                if leads else f"worst on given data; the finding's {other_figure}: confirm: "
                "line")
    if kind == "confirm":
        return (f"the finding's worst, resting on that input; on given data {figure}: "
                "the condition: line" if leads else
                f"the worst of the rows resting on that input; the finding's worst, on "
                f"given data, {figure}: the condition: line")
    return (f"the finding's worst, on given data; the rows resting on an input to confirm "
            f"reach {figure}: the confirm: line" if leads else
            f"the worst on given data; the finding's worst, {figure}, rests on an input to "
            "confirm: the confirm: line")
