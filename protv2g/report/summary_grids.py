"""The Summary's findings grids (sections 3–5): one row per finding with its problem, worst
margin, where, its trend with export (or charging) and its recommendation. Moved out of
:mod:`protv2g.report.summary` (module size)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.checks.base_crossing import crossing_qualifier
from protv2g.checks.no_primary import no_primary_qualifier
from protv2g.gate_grouping import finding_records, group_head, item_groups
from protv2g.report.summary_memo import Memo, margin_text, side_effect_heads

__all__ = ["NOTE_GIST_CHARS", "TREND_HEADER", "findings_grid", "margin_cell", "note_gist",
           "recommendation_map"]

#: The findings grids' trend column: its figures are the finding's margin at each export (or
#: charging) level, in the worst margin's unit, not the quantity checked.
TREND_HEADER = "margin with export (or charging)"


def findings_grid(w: Memo, findings: pd.DataFrame, recs: dict[str, str],
                  no_margin: dict[str, str] | None = None,
                  overall: dict[str, str] | None = None, grouped: bool = False) -> None:
    """``no_margin``: why a finding has no finite worst margin
    (:func:`protv2g.report.findings_margin.no_margin_texts`), in its "worst margin" cell;
    ``overall``: the worst row overall of a finding that leads with another row
    (:func:`~protv2g.report.findings_margin.overall_worst_texts`), after its margin.
    ``grouped``: the findings the gate's lines group (:func:`protv2g.gate_grouping.
    item_groups`: C12's items present without V2G, by kind of element) on one row per group
    where its first was — the count, every id, the worst's figures (review rev50b #6: ckt24's
    26 pre-existing overloads were 26 rows here)."""
    if findings.empty:
        w.note("none")
        return
    groups = item_groups(finding_records(findings)) if grouped else []
    first = {at[0]: (key, at) for key, at in groups}
    dropped = {k for _, at in groups for k in at[1:]}
    every = list(findings.itertuples(index=False))
    rows = []
    for k, f in enumerate(every):
        if k in dropped:
            continue
        if k in first:
            key, at = first[k]
            f = _worst_of([every[j] for j in at])
            ids = ", ".join(str(every[j].finding) for j in at)
            rows.append([f"{len(at)} findings", f"{f.status}: {group_head(key, len(at))}: "
                         f"{ids}; the worst {f.finding} {f.title}",
                         margin_cell(f, no_margin, overall), f.worst_fault or "",
                         f.export_trend, recs.get(str(f.finding), "")])
            continue
        # a V2G attribution at the studied fault resistance only, buses with no judged
        # primary protection: said beside the problem (review rev48a items 1 and 6)
        said = getattr(f, "message", "")
        rows.append([f.finding, f"{f.status}: {f.title}" + no_primary_qualifier(said)
                     + (f" (caused by V2G{q})" if (q := crossing_qualifier(said)) else ""),
                     margin_cell(f, no_margin, overall), f.worst_fault or "",
                     f.export_trend, recs.get(str(f.finding), "")])
    # the trend's figures are margins, as the column beside it (review rev50b #5: ckt24
    # F26's "64.9 % without the sites' charging", a transformer's margin, read as its loading)
    w.grid(["finding", "problem", "worst margin", "where (worst)", TREND_HEADER,
            "recommendation"], rows, spans=[1, 3, 1, 1, 2, 2])


def _worst_of(these: list[Any]) -> Any:
    """The finding of smallest worst margin (the first of equals; none: the first)."""
    margins = pd.to_numeric(pd.Series([f.worst_margin for f in these]), errors="coerce")
    return these[int(margins.fillna(float("inf")).to_numpy().argmin())]


def margin_cell(f: Any, no_margin: dict[str, str] | None,
                overall: dict[str, str] | None) -> str:
    """A finding's "worst margin" cell: its leading row's margin, followed by the worst row
    overall where that is another row; why it has none where it has none."""
    text = margin_text(f.worst_margin, f.margin_unit)
    if not text:
        return (no_margin or {}).get(str(f.finding), "")
    more = (overall or {}).get(str(f.finding), "")
    return f"{text} (the worst row the project moved; {more})" if more else text


def recommendation_map(recs: pd.DataFrame | None) -> dict[str, str]:
    if recs is None or recs.empty:
        return {}
    out = {}
    for r in recs.itertuples(index=False):
        # a verified change's side effects said where the change is (review rev42c M3: the
        # depot's R01 "R-F1 pickup_a 400 → 550 (verified)" read as clean in §2; its conductor
        # overload was in §6 only): each one up to its advice, the full text in
        # Recommendations (review rev50b #3: the first only left the overload out)
        heads = side_effect_heads(str(getattr(r, "side_effects", "") or ""))
        side = (f"; side effect{'s' if len(heads) > 1 else ''}: {'; '.join(heads)}"
                if heads else "")
        # no change: its note's gist and the id, the whole note once, in section 6 (review
        # rev50b #6: the depot's charging caps, R03's and R04's, were written in full in
        # conditions 1 and 4, each also quoting the other's)
        out[str(r.finding)] = ((f"{r.recommendation}: {r.change} (verified{side})")
                               if str(r.change)
                               else f"{r.recommendation}: {r.status} "
                               f"{note_gist(str(r.note), str(r.recommendation))}".strip())
    return out


#: A note without a change longer than this (characters) is cut to its gist where the
#: Summary cites it (:func:`note_gist`): the depot's R03 and R04, 900 characters each.
NOTE_GIST_CHARS = 240


def _cut(text: str, at: int) -> str:
    """``text`` up to its ``at``-th ``": "`` or first ``"; "`` outside parentheses (the whole
    text when it has neither)."""
    depth = colons = 0
    for k, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if depth > 0:
            continue
        if text.startswith("; ", k):
            return text[:k]
        if text.startswith(": ", k):
            colons += 1
            if colons == at:
                return text[:k]
    return text


def note_gist(note: str, rec: str) -> str:
    """A recommendation without a change in the Summary's conditions and grids: a note longer
    than :data:`NOTE_GIST_CHARS` up to its second ``": "`` or first ``"; "`` outside
    parentheses — what it asks ("load pickup: for a charging peak, schedule or cap the sites'
    charging below pickup / 1.5") — and where its whole text is (the Recommendations grid of
    section 6, by ``rec``'s id); a shorter note as it is.

    >>> note_gist("load pickup: cap the charging: at ≈ 5,391 kW (a linear estimate …) "
    ...           + "x" * 200, "R03")
    'load pickup: cap the charging (the whole text: R03 in section 6)'
    >>> note_gist("islanding screen: an export cap; not searched", "R10")
    'islanding screen: an export cap; not searched'
    """
    head = _cut(note, 2) if len(note) > NOTE_GIST_CHARS else note
    return note if head == note else f"{head} (the whole text: {rec} in section 6)"
