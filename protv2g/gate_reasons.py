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
from typing import Any

import numpy as np
import pandas as pd

from protv2g.criteria import order
from protv2g.findings_rows import export_kw_by_scenario, worst_order
from protv2g.input_basis import InputBasis, input_to_confirm
from protv2g.significant import SIGNIFICANT_DIGITS, number_text
from protv2g.violations import describe_fault, is_given

__all__ = ["export_kw_by_scenario", "group_keys", "grouped_reasons", "reason_line"]

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


def _tie_names(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The columns that break a tie of margins (and of exports), as the Findings do."""
    return tuple(rows[c].astype(str).to_numpy() for c in ("scenario", "fault_bus",
                                                         "fault_type", "case")
                 if c in rows.columns)


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
    # one reason per criterion, device (pair) and rule: two rules failing on one pair (C2 fuse
    # saving and fuse-before-delayed) are two conditions
    key = [*_GROUP, *(["rule"] if "rule" in rows.columns else [])]
    grouped = rows[key].astype(str).groupby(key, sort=True)
    # each group's worst row and counts from the columns' arrays by position, the same as
    # reason_line on the group's frame (#21: 91 sub-frames per gate on the IEEE 8500; by
    # label, a repeated index mixed groups)
    margin = pd.to_numeric(rows["margin"], errors="coerce").to_numpy(dtype=float,
                                                                    na_value=np.nan)
    scenario = rows["scenario"].to_numpy()
    names = _tie_names(rows)
    p_kw = (pd.Series(scenario).astype(str).map(export_kw).to_numpy(dtype=float)
            if export_kw else None)
    also = _folded_notes(folded)
    out = []
    for gk, at in sorted(grouped.indices.items(), key=lambda kv: (order(kv[0][0]), kv[0])):
        worst = at[worst_order(margin[at], None, None if p_kw is None else p_kw[at],
                               tuple(n[at] for n in names))[0]]
        seen = pd.unique(scenario[at])
        extra = also.get(tuple(gk), "") if also else ""
        out.append(_line(kind, rows.iloc[worst], len(at), int((~pd.isna(seen)).sum()),
                         "; ".join(t for t in (note, extra) if t)))
    return out


def _folded_notes(folded: pd.DataFrame | None) -> dict[tuple[str, ...], str]:
    """Group key → "also failing without V2G: N row(s), margin M" of ``folded`` rows."""
    if folded is None or folded.empty:
        return {}
    keys = group_keys(folded).tolist()
    margin = pd.to_numeric(folded["margin"], errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
    unit = (folded["margin_unit"].astype(str).to_numpy() if "margin_unit" in folded
            else np.full(len(folded), ""))
    at: dict[tuple[str, ...], list[int]] = {}
    for k, key in enumerate(keys):
        at.setdefault(key, []).append(k)
    out = {}
    for key, pos in at.items():
        text = f"also failing without V2G: {len(pos)} row(s)"
        m = margin[pos]
        if np.isfinite(m).any():
            k = pos[int(np.nanargmin(m))]
            text += f", margin {_fmt(margin[k], unit[k])}"
        out[key] = text
    return out
