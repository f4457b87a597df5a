"""The wording of one gate reason line, and the group of rows a line stands for.

:func:`reason_line` (and :func:`_line`, which :class:`~protv2g.gate_reason_rows.ReasonRows`
calls once per line) write a line from its worst row, its counts, its attribution and its
notes; :func:`group_keys` (:func:`_group_columns`, :func:`_grouped_column`) says which rows
one line stands for: criterion, device, other device (blank for
:data:`PER_DEVICE_CRITERIA`), rule, mechanism and margin unit. Split from
:mod:`protv2g.gate_reasons` (which re-exports these names); the rules the lines follow are
described there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.base_crossing import crossing_qualifier
from protv2g.checks.equipment import PROJECT_ROWS
from protv2g.findings import finding_attribution
from protv2g.findings_attribution import Attribution, by_charging
from protv2g.findings_rows import on_asymptote, worst_order
from protv2g.gate_reason_record import device_text, rests_on, scenario_count_text
from protv2g.gate_twin import cell_text as _fmt
from protv2g.gate_twin import twin_text as _twin
from protv2g.input_basis import InputBasis
from protv2g.text_codes import text_codes
from protv2g.violations import describe_fault, is_given, row_weights, status_count_text

#: How a pre-existing line's note begins (``ReasonRows.reasons(..., without_v2g=tail)``), or,
#: for a line whose rows all pass without V2G, the second (:meth:`ReasonRows._without_v2g_head`).
PRESENT_WITHOUT_V2G = "present without V2G"
MARGINAL_WITHOUT_V2G = ("marginal without V2G (it passes there by less than the check's "
                        "tolerance)")

#: Columns one reason stands for (with ``rule`` when the rows have it).
_GROUP = ["criterion", "device", "other_device"]
#: Criteria said once per device (and rule), not per ``other_device``: C10's first reclose is
#: one setting of the device, whichever V2G sites are behind it (review rev33a F2: EPRI ckt24
#: printed 7 ``fail: C10`` lines of ~700 characters for two settings); the line names every
#: site of its rows (``C10 R-MID / campus, homes_lv, homes_mv``), the Findings keep one
#: finding per site (:data:`protv2g.findings.PAIR_CRITERIA`).
PER_DEVICE_CRITERIA = frozenset({"C10"})
_EXTRA_GROUP = ("rule", "mechanism", "margin_unit")


def reason_line(kind: str, rows: pd.DataFrame, note: str = "") -> str:
    """One reason for a group of violation rows of one criterion and device (pair): the
    worst row (smallest margin; a tie as :func:`grouped_reasons` breaks it),
    ``"<kind>: <criterion> <device> [/ <other>]: <message> (<note>; <status>; <attribution>;
    <scenario, fault>; rule …; margin …; N fail, K warn rows in M scenarios)"``."""
    margin = pd.to_numeric(rows["margin"], errors="coerce").to_numpy(dtype=float,
                                                                    na_value=np.nan)
    worst = rows.iloc[worst_order(margin, names=_tie_names(rows), asymptote=on_asymptote(
        rows["data_boundary"] if "data_boundary" in rows else None, len(rows)))[0]]
    att = (rows["attribution"].astype(str).to_numpy() if "attribution" in rows
           else np.full(len(rows), "", dtype=object))
    w = row_weights(rows)
    status = rows["status"].astype(str).to_numpy()
    counts = {s: int(w[status == s].sum()) for s in pd.unique(status).tolist()}
    return _line(kind, worst, counts, rows["scenario"].nunique(), note,
                 _attribution_of(worst, pd.unique(att).tolist(),
                                 rows["scenario"].astype(str).to_numpy(), att))


def _attribution_of(worst: pd.Series, texts: list[str], scenarios: np.ndarray,
                    attributions: np.ndarray) -> str:
    """The line's attribution: :func:`~protv2g.findings.finding_attribution` of its rows'
    distinct ``attribution`` texts, in words of charging as the Findings decide it
    (:func:`~protv2g.findings_attribution.by_charging` of the rows' scenarios and
    attributions: a C8 charging peak, or new/worse rows of charging snapshots only)."""
    return finding_attribution([t for t in texts if is_given(t)],
                               by_charging(worst.get("criterion"), worst.get("mechanism"),
                                           scenarios, attributions))


#: A line's attributions in words of charging (:func:`_attribution_of`).
_CHARGING = (Attribution.CAUSED_CHARGING, Attribution.WORSE_CHARGING)

#: Row attributions that make a line V2G's or the project's (:mod:`protv2g.checks.attribution`,
#: :mod:`protv2g.checks.equipment`).
_ATTRIBUTABLE = ("new", "worse", *PROJECT_ROWS)

#: The columns that break a tie of margins (and of exports), as the Findings do.
_TIE_COLUMNS = ("scenario", "fault_bus", "fault_type", "case")


def _tie_names(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The columns that break a tie of margins (and of exports), as the Findings do."""
    return tuple(rows[c].astype(str).to_numpy() for c in _TIE_COLUMNS if c in rows.columns)


def _number(value: Any) -> float:
    """A cell as a float, NaN where it is none (None, "", text)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _line(kind: str, worst: pd.Series, n_rows: Mapping[str, int], n_scenarios: int, note: str,
          attribution: str, folded: str = "", others: tuple[str, ...] = (),
          margin_note: str = "") -> str:
    """:func:`reason_line`'s text from its worst row, the group's row and scenario counts,
    its attribution (:func:`_attribution_of`) and the note on its folded pre-existing rows;
    ``others``: every ``other_device`` of a line of :data:`PER_DEVICE_CRITERIA`;
    ``margin_note``: what the margin is, after it
    (:func:`~protv2g.gate_line_short.split_note`)."""
    device = device_text(worst, others)
    where = ", ".join(p for p in (str(worst["scenario"]), describe_fault(worst)) if p)
    parts = [f"{kind}: {worst['criterion']}"]
    if device:
        parts.append(device)
    text = " ".join(parts)
    msg = str(worst["message"]) if is_given(worst.get("message")) else ""
    text += f": {msg}" if msg else ""
    # "caused by V2G" at the studied fault resistance only (review rev48a item 1)
    detail = [note, f"{worst['status']}", attribution + crossing_qualifier(msg), where]
    if str(worst.get("attribution")) in _ATTRIBUTABLE:  # what makes the line V2G's
        detail.append(_twin(worst))
    detail.append(folded)
    basis, confirm = rests_on(worst)
    if confirm:  # the row rests on a stand-in: which input to confirm (#trust_defaults)
        detail.append(f"rests on {InputBasis(basis).label}: confirm {confirm}")
    if is_given(worst.get("rule")):
        detail.append(f"rule {worst['rule']}")
    unit = str(worst.get("margin_unit", "")) if is_given(worst.get("margin_unit")) else ""
    if margin := _fmt(worst.get("margin"), unit):
        detail.append(f"margin {margin}" + (f" ({margin_note})" if margin_note else ""))
    # the rows by status, as the Findings count them (s38: "N rows" there, fail rows here)
    detail.append(f"{status_count_text(n_rows)} in {scenario_count_text(n_scenarios)}")
    return f"{text} ({'; '.join(d for d in detail if d)})"


def _marginal_note(marginal: str, without_v2g: str, message: Any) -> str:
    """A marginal line's note: the figures (``marginal``, :meth:`ReasonRows._marginal`) and
    a bracketed ``without_v2g`` tail (``" (gate.pre_existing: fail)"``; another tail is left
    out: the figures say "confirm the input data") — the figures once: not where the row's
    ``message`` says them already (the pipeline's, :func:`~protv2g.checks.
    attribution_materiality.marginal_text`; txt44's left item: ``gate --json`` repeated them).
    """
    tail = without_v2g if without_v2g.startswith(" (") else ""
    opening = marginal.partition(" (passes by ")[0] + " (passes by "
    if is_given(message) and opening in str(message):
        return tail.strip().removeprefix("(").removesuffix(")")
    return marginal + tail


def _group_columns(columns: pd.Index) -> list[str]:
    """The columns of a reason group: :data:`_GROUP`, then ``rule``, ``mechanism`` and
    ``margin_unit`` where the table has them — the Findings' key splits by mechanism and
    margin unit too (:func:`protv2g.findings.finding_keys`), and a group's worst row is its
    smallest margin, which means nothing across units (review rev31 §1: the IEEE 8500 gate
    grouped the C12 voltage rows (pu) with the unbalance rows (%): −0.7878 % "beat"
    −0.0136 pu and the overvoltage F65 and the set-point row F66 had no line)."""
    return [*_GROUP, *(c for c in _EXTRA_GROUP if c in columns)]


def _grouped_column(column: str, col: pd.Series, criterion: pd.Series) -> pd.Series:
    """The column ``column`` (``col``) as the reason groups read it: ``other_device`` blank
    on the rows of :data:`PER_DEVICE_CRITERIA` (``criterion``, aligned with ``col``)."""
    if column != "other_device":
        return col
    codes, texts = text_codes(criterion)  # each distinct criterion tested once (#21)
    per_device = np.isin(texts, list(PER_DEVICE_CRITERIA))[codes]
    return col.where(~per_device, "") if per_device.any() else col


def group_keys(rows: pd.DataFrame) -> pd.Series:
    """Each row's reason group (:func:`_group_columns`, as text): the rows
    :func:`grouped_reasons` writes one line for."""
    key = _group_columns(rows.columns)
    return pd.Series(list(zip(*(_grouped_column(c, rows[c], rows["criterion"]).astype(str)
                                for c in key), strict=True)), index=rows.index, dtype=object)
