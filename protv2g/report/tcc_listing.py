"""The TCC sheet's plots not drawn, listed with their curve data (#21).

The workbook draws the plots the failing findings link to (:meth:`protv2g.report.tcc_plan.
TccPlan.select`: those the gate fails on, else the warning ones) and the feeder plot; every
other protection path and element family is listed below the pictures, nothing left out
silently: its title (where the Pair coordination sheet's and the Findings' links land), a line
saying it is not drawn, which findings link to it and how to draw it (``protv2g run <study>
--all-tccs``, or ``write_workbook(..., all_tccs=True)``), then what its picture would show, in
words — each device of the path with its elements' settings as the plot's legend names them
(:func:`protv2g.devices.tcc.family_traces`) and its maximum and minimum fault currents, base
and with V2G (:func:`protv2g.report.tcc_extremes.device_extremes`), and each coordination
interval of the path (:func:`protv2g.report.tcc_intervals.intervals`).

Examples
--------
>>> device_line("R1", ["R1 51P IEEE-VI 600 A TD 2"], {"max_base": 5432.1})
'R1: 51P IEEE-VI 600 A TD 2 — max fault 5,432 A base'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.devices.models import Fuse, Recloser
from protv2g.devices.tcc import family_traces
from protv2g.report.format import NOTE_FONT, write_cell

__all__ = ["ALL_TCCS_FLAG", "STATUS_WORDS", "TccCounts", "device_line", "draw_command",
           "drawn_basis", "drawn_line", "entry_lines", "interval_line", "listed_note",
           "write_listing"]

#: The ``protv2g run`` option that draws every plot.
ALL_TCCS_FLAG = "--all-tccs"


def draw_command(study_file: str) -> str:
    """The command that writes the workbook with every plot drawn."""
    return f"`protv2g run {study_file or '<study.yaml>'} {ALL_TCCS_FLAG}`"


def _amps(x: float) -> str:
    return f"{x:,.0f} A"


def device_line(name: str, labels: Sequence[str], extremes: dict[str, float]) -> str:
    """One device of a listed plot: its elements (the legend's labels) and fault currents (A)."""
    parts = []
    for key, word in (("max", "max fault"), ("min", "min fault")):
        vals = [f"{_amps(extremes[f'{key}_{who}'])} {tag}" for who, tag in
                (("base", "base"), ("v2g", "with V2G")) if extremes.get(f"{key}_{who}") is not None]
        if vals:
            parts.append(f"{word} {', '.join(vals)}")
    # the legend's labels start with the device's name, which starts the line already
    own = [lb[len(name) + 1:] if lb.startswith(f"{name} ") else lb for lb in labels]
    elements = "; ".join(own) if own else "no elements of this family"
    return f"{name}: {elements}" + (f" — {'; '.join(parts)}" if parts else "")


def interval_line(k: int, note: tuple[float, float, float, str]) -> str:
    """Interval ``k`` of a listed plot (as its legend numbers it), at its fault current
    (``note``: a :class:`~protv2g.report.tcc_intervals.Interval`, or its first four fields)."""
    i_a, t_primary_s, t_backup_s, text = note[:4]
    return (f"interval {k}: {text}, at {_amps(i_a)} (primary {t_primary_s:.3g} s, backup "
            f"{t_backup_s:.3g} s)")


def entry_lines(models: Sequence[Any], family: str,
                extremes: dict[tuple[str, str], dict[str, float]],
                k_fast: dict[str, float], mm_ratio: float | None,
                notes: Sequence[tuple[float, float, float, str]],
                labels: dict[tuple, list[str]]) -> list[str]:
    """The lines of a plot not drawn: each device (:func:`device_line`) then each interval
    (:func:`interval_line`). ``labels``: the legend labels by device and drawing options,
    kept across plots (a device sits on many paths)."""
    out = []
    names = [m.name for m in models]
    for j, m in enumerate(models):
        fuse_below = any(isinstance(x, Fuse) for x in models[j + 1:])
        k = k_fast.get(m.name) if isinstance(m, Recloser) and fuse_below else None
        ratio = mm_ratio if isinstance(m, Fuse) and bool(names[j + 1:]) else None
        key = (m.name, family, k, ratio)
        if key not in labels:
            labels[key] = [t.label for t in family_traces(m, family, None, k_fast=k,
                                                          mm_ratio=ratio)]
        out.append(device_line(m.name, labels[key], extremes.get((m.name, family), {})))
    out += [interval_line(k, note) for k, note in enumerate(notes, start=1)]
    return out


#: A finding status in the TCC sheet's words ("the failing findings").
STATUS_WORDS = {"fail": "failing", "warn": "warning", "info": "information"}
#: Findings named in a listed plot's note, at most (then "and N more").
NAMED_FINDINGS = 6


def _status_words(statuses: Sequence[str]) -> str:
    return " or ".join(STATUS_WORDS.get(s, s) for s in statuses)


class TccCounts(NamedTuple):
    """Plots drawn and listed on the TCC sheet, and why (:func:`protv2g.report.tcc_sheets
    .drawn_counts`): ``drawn_for``, the statuses of the findings whose plots are drawn;
    ``passed_over``, the statuses tried before them, none of whose findings links to a TCC
    (:meth:`protv2g.report.tcc_plan.TccPlan.select`)."""

    drawn: int
    listed: int
    drawn_for: tuple[str, ...] = ("fail",)
    passed_over: tuple[str, ...] = ()


def drawn_basis(drawn_for: Sequence[str], passed_over: Sequence[str] = ()) -> str:
    """Which findings' plots are drawn, in words, and why when they are not the failing ones.

    >>> drawn_basis(("fail",)), drawn_basis(())
    ('those the failing findings link to', 'no finding links to a TCC')
    >>> drawn_basis(("warn",), ("fail",))
    'those the warning findings link to (no failing finding links to a TCC)'
    """
    if not drawn_for:
        return "no finding links to a TCC"
    text = f"those the {_status_words(drawn_for)} findings link to"
    return text + (f" (no {_status_words(passed_over)} finding links to a TCC)"
                   if passed_over else "")


def drawn_line(counts: TccCounts, study_file: str) -> str:
    """The TCC sheet's (and the Summary's sheet index's) count of plots drawn and listed
    (:func:`drawn_basis`)."""
    return (f"{counts.drawn} plot(s) drawn: {drawn_basis(counts.drawn_for, counts.passed_over)}"
            f"; {counts.listed} other(s) listed below them with their curve data, not drawn "
            f"({draw_command(study_file)} draws them all)")


def listed_note(linked: Sequence[tuple[str, str]], study_file: str) -> str:
    """The line under a listed plot's title: which findings link to it (none drawn: their
    status is not the drawn ones') and the command that draws it.

    >>> listed_note([("F03", "warn"), ("F07", "info")], "s.yaml")[:69]
    'not drawn (only warning or information findings link to it: F03, F07)'
    """
    if not linked:
        why = "no finding links to it"
    else:
        statuses = [s for s in STATUS_WORDS if any(st == s for _, st in linked)]
        statuses += sorted({st for _, st in linked} - set(statuses))
        ids = [f for f, _ in linked]
        named = ", ".join(ids[:NAMED_FINDINGS]) + (
            f" and {len(ids) - NAMED_FINDINGS} more" if len(ids) > NAMED_FINDINGS else "")
        why = f"only {_status_words(statuses)} findings link to it: {named}"
    return f"not drawn ({why}): {draw_command(study_file)} draws it; what it would show:"


def write_listing(ws: Worksheet, plan: Any) -> None:
    """Write the plots of ``plan`` not drawn (:class:`~protv2g.report.tcc_plan.TccPlan`,
    laid out) on ``ws``: the listing's title, then each plot's title, note and lines."""
    row = plan.listing_row
    if row is None:
        return
    n = sum(not plan.is_drawn(*e) for e in plan.entries())
    whose = (f"no {_status_words(plan.drawn_for)} finding links to" if plan.drawn_for
             else "no finding links to")
    write_cell(ws, row, 1, f"Not drawn: {n} plot(s) {whose}, listed with their curve data"
               ).font = Font(bold=True, size=13)
    if row > 3:
        ws.row_breaks.append(Break(id=row - 1))
    for (k, family), first in plan.rows.items():
        if plan.is_drawn(k, family):
            continue
        path = plan.paths[k]
        write_cell(ws, first, 1, f"{' > '.join(path)} — {family} elements").font = Font(
            bold=True, size=11)
        missing = [f"{n}: {plan.problems.get(n, 'not in settings')}" for n in path
                   if n not in plan.models]
        note = (f"no TCC: {'; '.join(missing)}" if missing else
                listed_note(plan.linked.get((k, family), ()), plan.study_file))
        write_cell(ws, first + 1, 1, note).font = NOTE_FONT
        for j, line in enumerate(plan.listed.get((k, family), ()), start=2):
            write_cell(ws, first + j, 1, line)
