"""The wording of the gate's reasons: one line per criterion, device (pair) and rule.

:func:`grouped_reasons` turns a set of violation rows of one kind (``fail``, ``condition``,
``info``) into the lines :func:`protv2g.gate.gate_verdict` lists, each naming the worst row
(smallest margin) of its group with its status, attribution, scenario, fault, rule and margin,
how many rows and scenarios it stands for, and — when that row rests on a tool default or a
drafted value (``input_basis``, :mod:`protv2g.input_basis`) — which input to confirm. Text
only: what fails is decided in :mod:`protv2g.gate` from typed columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from protv2g.criteria import order
from protv2g.findings_rows import export_kw_by_scenario, text_ranks, worst_order
from protv2g.input_basis import InputBasis, input_to_confirm
from protv2g.significant import SIGNIFICANT_DIGITS, number_text
from protv2g.text_codes import combine_code_stream, text_codes
from protv2g.violations import describe_fault, is_given

__all__ = ["ReasonRows", "export_kw_by_scenario", "group_keys", "grouped_reasons", "reason_line"]

#: Columns one reason stands for (with ``rule`` when the rows have it).
_GROUP = ["criterion", "device", "other_device"]


def _fmt(value: Any, unit: str = "") -> str:
    """A finite number as the report writes numbers in text (:func:`protv2g.significant
    .number_text`: the cells' 10 significant digits, U+2212 minus), "" otherwise."""
    x = pd.to_numeric(value, errors="coerce")
    if pd.isna(x) or not math.isfinite(float(x)):
        return ""
    return number_text(float(x), unit, SIGNIFICANT_DIGITS)  # the gate's data: as the cells


def reason_line(kind: str, rows: pd.DataFrame, note: str = "") -> str:
    """One reason for a group of violation rows of one criterion and device (pair): the
    worst row (smallest margin; a tie as :func:`grouped_reasons` breaks it),
    ``"<kind>: <criterion> <device> [/ <other>]: <message> (<note>; <status>; <attribution>;
    <scenario, fault>; rule …; margin …; N row(s) in M scenario(s))"``."""
    margin = pd.to_numeric(rows["margin"], errors="coerce").to_numpy(dtype=float,
                                                                    na_value=np.nan)
    worst = rows.iloc[worst_order(margin, names=_tie_names(rows))[0]]
    return _line(kind, worst, len(rows), rows["scenario"].nunique(), note)


#: The columns that break a tie of margins (and of exports), as the Findings do.
_TIE_COLUMNS = ("scenario", "fault_bus", "fault_type", "case")


def _tie_names(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The columns that break a tie of margins (and of exports), as the Findings do."""
    return tuple(rows[c].astype(str).to_numpy() for c in _TIE_COLUMNS if c in rows.columns)


def _line(kind: str, worst: pd.Series, n_rows: int, n_scenarios: int, note: str) -> str:
    """:func:`reason_line`'s text from its worst row and the group's row and scenario counts."""
    device = str(worst["device"]) if is_given(worst.get("device")) else ""
    if is_given(worst.get("other_device")):
        device += f" / {worst['other_device']}"
    where = ", ".join(p for p in (str(worst["scenario"]), describe_fault(worst)) if p)
    parts = [f"{kind}: {worst['criterion']}"]
    if device:
        parts.append(device)
    text = " ".join(parts)
    msg = str(worst["message"]) if is_given(worst.get("message")) else ""
    text += f": {msg}" if msg else ""
    detail = [note, f"{worst['status']}", f"{worst['attribution']}", where]
    basis = str(worst.get("input_basis", "")) if is_given(worst.get("input_basis")) else ""
    confirm = input_to_confirm(str(worst["criterion"]), str(worst.get("device", "")),
                               str(worst.get("other_device", "")), basis)
    if confirm:  # the row rests on a stand-in: which input to confirm (#trust_defaults)
        detail.append(f"rests on {InputBasis(basis).label}: confirm {confirm}")
    if is_given(worst.get("rule")):
        detail.append(f"rule {worst['rule']}")
    unit = str(worst.get("margin_unit", "")) if is_given(worst.get("margin_unit")) else ""
    if margin := _fmt(worst.get("margin"), unit):
        detail.append(f"margin {margin}")
    detail.append(f"{n_rows} row(s) in {n_scenarios} scenario(s)")
    return f"{text} ({'; '.join(d for d in detail if d)})"


def group_keys(rows: pd.DataFrame) -> pd.Series:
    """Each row's reason group (criterion, device, other device and rule, as text): the rows
    :func:`grouped_reasons` writes one line for."""
    key = [*_GROUP, *(["rule"] if "rule" in rows.columns else [])]
    return pd.Series(list(zip(*(rows[c].astype(str) for c in key), strict=True)),
                     index=rows.index, dtype=object)


def grouped_reasons(kind: str, rows: pd.DataFrame, note: str = "",
                    export_kw: Mapping[str, float] | None = None,
                    folded: pd.DataFrame | None = None) -> list[str]:
    """One :func:`reason_line` per criterion, device (pair) and rule of ``rows`` (violation
    rows), in criterion order; ``kind`` starts each line (``fail``, ``condition``, ``confirm``,
    ``info``), ``note`` is added to each line's detail.

    Each group's worst row is the one the Findings sheet shows for it
    (:func:`protv2g.findings_rows.worst_order`: smallest margin to 10 significant digits, then
    the larger total export — ``export_kw``, scenario → kW, :func:`export_kw_by_scenario` —
    then scenario, fault bus, fault type and case as text), so the gate and the Findings name
    the same scenario for a tie (review s15: F04 said firm/1.8 MW, the gate expected/1.2 MW).

    ``folded``: failing rows present without V2G whose group also has a row of ``rows`` —
    said on that line ("also failing without V2G: N row(s)") instead of a line of their own
    (s16 A3: one device, one mechanism, one line; ckt5's service transformer had a
    ``fail: worse`` line and a ``confirm:`` line for its base row).
    """
    if rows.empty:
        return []
    also = (ReasonRows(folded).folded_notes(np.ones(len(folded), bool))
            if folded is not None and not folded.empty else {})
    return ReasonRows(rows, export_kw).reasons(kind, np.ones(len(rows), bool), note, also)


class ReasonRows:
    """A violation table's columns as :func:`grouped_reasons` reads them, coded once for the
    whole table (#21: the gate copied the 481,228 rows at 10,000 buses into a frame per kind
    of reason and hashed each copy's texts again, 0.3 s): each row's reason group (criterion,
    device, other device and rule as text, :func:`protv2g.text_codes.text_codes`, equal codes
    exactly for equal texts), its margin, scenario, total export and the tie-breaking texts
    as alphabetical ranks (:func:`protv2g.findings_rows.text_ranks`: the order of the texts
    on any subset of rows). :meth:`reasons` then writes the lines of any subset of rows, by
    mask, as :func:`grouped_reasons` writes them for that subset as a frame.

    Parameters
    ----------
    table : DataFrame
        Violation rows (not copied, not modified).
    export_kw : mapping, optional
        Scenario → total V2G export, kW (:func:`export_kw_by_scenario`).
    rows : ndarray of bool, shape (n,), optional
        The rows to code (default all): every mask given to the methods lies within them
        (the gate's failing rows, 286,342 of 481,228 at 10,000 buses).
    """

    def __init__(self, table: pd.DataFrame, export_kw: Mapping[str, float] | None = None,
                 rows: np.ndarray | None = None) -> None:
        self.table = table
        self.export_kw = export_kw
        self.pos = np.arange(len(table)) if rows is None else np.flatnonzero(rows)

    def _local(self, at: np.ndarray) -> np.ndarray:
        """Positions within :attr:`pos` of the rows of the ``(n,)`` bool mask ``at``."""
        if len(self.pos) == len(self.table):
            return np.flatnonzero(at)
        inside = at[self.pos]
        if int(inside.sum()) != int(np.count_nonzero(at)):
            raise ValueError("rows outside the coded rows of this ReasonRows")
        return np.flatnonzero(inside)

    def _column(self, name: str) -> pd.Series:
        c = self.table[name]
        return c if len(self.pos) == len(c) else c.take(self.pos)

    @cached_property
    def _group(self) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        key = [*_GROUP, *(["rule"] if "rule" in self.table.columns else [])]
        coded = [text_codes(self._column(c)) for c in key]
        group = combine_code_stream(c for c, _ in coded)
        first = np.unique(group, return_index=True)[1]  # groups are numbered as they appear
        texts = [tuple(str(t[c[k]]) for c, t in coded) for k in first.tolist()]
        return group, texts

    def group_of(self, at: np.ndarray) -> np.ndarray:
        """The reason groups (int64 codes, equal exactly for equal texts) of the rows of the
        ``(n,)`` bool mask ``at``, in table order."""
        return self._group[0][self._local(at)]

    @cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None,
                                tuple[np.ndarray, ...]]:
        col = self._column
        margin = pd.to_numeric(col("margin"), errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
        seen = pd.factorize(col("scenario").to_numpy())[0]  # missing: -1, not counted
        coded = {c: text_codes(col(c)) for c in _TIE_COLUMNS if c in self.table.columns}
        p_kw = None
        if self.export_kw:
            codes, texts = coded["scenario"]
            p_kw = pd.Series(texts, dtype=object).map(self.export_kw).to_numpy(
                dtype=float)[codes]
        names = tuple(text_ranks(c) for c in coded.values())
        return margin, seen, p_kw, names

    def reasons(self, kind: str, at: np.ndarray, note: str = "",
                also: Mapping[tuple[str, ...], str] | None = None) -> list[str]:
        """:func:`grouped_reasons` of the rows ``at`` (``(n,)`` bool); ``also``: a note per
        group (its texts) for its line (:meth:`folded_notes` of the folded rows)."""
        pos = self._local(at)
        if not len(pos):
            return []
        group, texts = self._group
        margin, seen, p_kw, names = self._columns
        also = also or {}
        g = group[pos]
        by_group = np.argsort(g, kind="stable")  # each group's rows in table order
        bounds = np.flatnonzero(np.diff(g[by_group])) + 1
        groups = {int(g[k[0]]): pos[k] for k in np.split(by_group, bounds)}
        out = []
        for gk in sorted(groups, key=lambda k: (order(texts[k][0]), texts[k])):
            at_g = groups[gk]
            worst = at_g[worst_order(margin[at_g], None, None if p_kw is None else p_kw[at_g],
                                     tuple(n[at_g] for n in names))[0]]
            s = seen[at_g]
            extra = also.get(texts[gk], "")
            out.append(_line(kind, self.table.iloc[self.pos[worst]], len(at_g),
                             len(np.unique(s[s >= 0])),
                             "; ".join(t for t in (note, extra) if t)))
        return out

    def folded_notes(self, at: np.ndarray) -> dict[tuple[str, ...], str]:
        """Group (its texts) → "also failing without V2G: N row(s), margin M" of the rows
        ``at`` (``(n,)`` bool): failing rows present without V2G, said on their group's line
        of :meth:`reasons`."""
        pos = self._local(at)
        if not len(pos):
            return {}
        group, texts = self._group
        margin = self._columns[0]
        unit = self.table["margin_unit"] if "margin_unit" in self.table.columns else None
        g, m = group[pos], margin[pos]
        # per group (in arrays, #21: a loop over 100,000s of folded rows): its row count,
        # whether a margin is finite, and the first row of its smallest margin (NaN aside,
        # as ``nanargmin``)
        by = np.lexsort((pos, np.where(np.isnan(m), np.inf, m), g))
        starts = np.flatnonzero(np.r_[True, g[by][1:] != g[by][:-1]])
        counts = np.diff(np.r_[starts, len(by)])
        finite = np.add.reduceat(np.isfinite(m[by]).astype(np.int64), starts) > 0
        out = {}
        for start, count, has in zip(starts.tolist(), counts.tolist(), finite.tolist(),
                                     strict=True):
            k = int(pos[by[start]])
            text = f"also failing without V2G: {count} row(s)"
            if has:
                u = "" if unit is None else str(unit.iat[int(self.pos[k])])
                text += f", margin {_fmt(margin[k], u)}"
            out[texts[int(group[k])]] = text
        return out
