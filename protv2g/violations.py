"""The violation table's schema: its columns and the typed status of each row.

A leaf module (pandas, NumPy). The checks write these rows; the gate, the hosting search, the
report and batch runs read them — by their ``status`` and ``criterion`` columns, never by
the wording of ``message`` (which is for people and may change).

Columns (:data:`VIOLATION_COLUMNS`)
-----------------------------------
``criterion`` C1…C12 (:mod:`protv2g.criteria`); ``status`` (:class:`CheckStatus`);
``attribution`` new / worse / pre-existing against the base case; ``scenario``;
``fault_bus`` (bus name); ``fault_type``; ``case``; ``device`` and ``other_device``;
``i_device_a``/``i_other_a`` (A); ``t_device_s``/``t_other_s`` (s); ``margin`` (negative =
violated) and ``limit``, both in ``margin_unit`` (:class:`protv2g.criteria.MarginUnit`);
``tolerance`` (same unit): the scatter of the data the margin is made of (device timing bands,
curve tolerance) on its failing side — a fuse's minimum melt, the low end of its melting band,
adds none (:mod:`protv2g.checks.tolerance`) — a margin that changes by less than it against the
base case is not a change attributable to V2G; ``base_margin`` (same unit): the margin of the
same row in the base case, failing or passing, that the attribution compared with (NaN where
the base case gives none, :mod:`protv2g.checks.attribution`); ``idle_margin`` (same unit):
the same row with every charger idle and the project's equipment in, where the check judged
it so (C1–C4 pairs and C5 reach rows the equipment changes, :mod:`protv2g.checks.equipment`;
NaN elsewhere) — the export trend's 0 kW point (mix38); ``rule``, ``rule_value`` and
``rule_source``: the published rule the row was judged by (name, value in the rule's unit,
source; empty where the limit is a study threshold); ``data_boundary``: where the curve
lookups behind the row fall in their data (``inside``, or each device's
``table end``/``interpolated``/asymptote flag, or ``<fuse> tc: curve_band`` where a failing
verdict on a fuse's total clearing holds at the low end of its EEI-NEMA band,
:class:`protv2g.devices.boundary.DataBoundary`); ``bracket`` — which end of the chargers'
contribution drove a time-based finding: ``high`` (through the stages with each
site's sustained limit at its high end, or the first-cycle current held with
``faults.high_bracket: first_cycle_held``), ``low`` (through the stages: sustained limit,
cessation, trips) or ``both``;
empty for criteria not judged in brackets (:mod:`protv2g.checks.brackets`) — but C10's V2G
rows, whose cell says in words which end of the sustained limit decided the island's window
(:mod:`protv2g.checks.island_window`), and C2's range-shrunk rows (the fuse-saving K's end);
``mechanism``: the sub-rule or cause of the row where a criterion has several (C8: import
peak or export peak, :mod:`protv2g.checks.load`), empty otherwise; ``p_charging_kw``, ``time_h``,
``load_fraction``: for a flow row (C8), the V2G sites' charging (kW), the time of day (h) and
the load (fraction of peak) at the step the row is from (nan where not known);
``input_basis``: what the row rests on — ``given`` (the study's and the model's own data),
``default`` (a tool default, e.g. OpenDSS's 400 A ``normamps``), ``todo`` (a value drafted
by ``protv2g init``) or ``band`` (given data, but the verdict flips inside a fuse's EEI-NEMA
total-clearing band), empty for rows without a finding status
(:class:`protv2g.input_basis.InputBasis`, written by the runner); ``input_todo``: for a
``todo`` or ``default`` row, the drafted or default input(s) to confirm, in words
(:func:`protv2g.input_basis.confirm_texts`, written by the runner), empty otherwise;
``change_own_taps``, ``change_band_top``, ``change_band_bottom`` (the row's ``margin_unit``: pu
for a voltage row, % VUF — points of the unbalance factor — for an unbalance row): on a C12
voltage or unbalance row judged over where in their band the regulators rest
(:mod:`protv2g.checks.flow_tap_path`), V2G's change of the row's quantity from each of the
three starts — the base case's taps, the top and the bottom of the band, each against the case
without V2G at the same start — signed as the row worsens (a rise for over-voltage and
unbalance, a drop for under-voltage), NaN where the flow gives none and on every other row;
``judged_start`` the start the row is judged from (:data:`protv2g.checks.flow_tap_path.
START_KEYS`: ``own_taps``, ``band_top``, ``band_bottom``; "" without a bracket) — the figures
the row's message says in words; ``directional_element`` and ``oc_element``: on a C9 row the
directional element (``67N``, or ``67P-a`` with its phase) and the overcurrent element it
controls (``51G``, ``51P``); ``v_polarising_pu`` and ``v_polarising_min_pu`` (pu: of V LN; a
67P's line to line): on a C9 row whose element declares no direction for want of polarising
voltage, its polarising quantity (|3V0| for a 67N, |Vpol| otherwise) and its minimum, NaN on
every other row (:mod:`protv2g.checks.directional`);
``message`` (in a study's result a :class:`protv2g.messages.MessageArray`: the texts,
written when read).

A study's table (:func:`protv2g.checks.run_checks`) has four more columns after these
(:data:`protv2g.checks.row_groups.GROUP_COLUMNS`): C5's zone rows (scenario, device,
element, zone, status, fault type, case, attribution) and C12's voltage and unbalance rows
(scenario, device, status, attribution, unit, mechanism) are kept one per group, the worst, and
``n_buses`` says how many rows (buses) the row stands for (1 for every other row; counts
of rows read it, :func:`row_weights`), ``buses`` names them in words (worst first, "" for
other rows) and ``bus_group`` numbers the group in its per-bus table
(``StudyResult.tables["C5 buses"]`` / ``["C12 buses"]``, -1 for other rows) and ``element``
the element a C5 zone row was judged on (``phase``/``ground``, "" for other rows: the
Findings' TCC link follows it, review ver43 M-p1).

Examples
--------
>>> CheckStatus("not_evaluated").is_finding
False
>>> list(empty_violations().columns)[:3]
['criterion', 'status', 'attribution']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CheckStatus", "VIOLATION_COLUMNS", "SCENARIO_COLUMNS", "STATUS_ORDER",
           "NOT_GIVEN_TEXT", "describe_fault", "describe_rows", "empty_violations", "is_given",
           "status_count_text", "status_mask", "text_values", "row_weights", "COUNTED_STATUSES"]


class CheckStatus(StrEnum):
    """Status of a violation row (and of a coordination-table row).

    ``fail``, ``warn`` and ``info`` are findings of a check that ran. ``not_evaluated``: the
    check could not be evaluated for that device/scenario (missing curve data, no engine or
    flow result) — not a finding, an error for the gate. ``not_applicable``: the study has
    nothing the criterion applies to (e.g. no fuse protected by a recloser for C2) — neither
    a pass nor a failure, and never "not limited" in the hosting tables. ``ok`` appears only
    in tables that list every evaluated item (the Coordination sheet), never as a violation.
    """

    FAIL = "fail"
    WARN = "warn"
    INFO = "info"
    NOT_EVALUATED = "not_evaluated"
    NOT_APPLICABLE = "not_applicable"
    OK = "ok"

    @property
    def is_finding(self) -> bool:
        """True for ``fail``, ``warn`` and ``info``: the check ran and found something."""
        return self in (CheckStatus.FAIL, CheckStatus.WARN, CheckStatus.INFO)

    @classmethod
    def _missing_(cls, value: object) -> None:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"{value!r} is not a valid CheckStatus; allowed: {allowed}")


#: Sort order of statuses in reports (anything else sorts last).
STATUS_ORDER: dict[str, int] = {s.value: i for i, s in enumerate(
    (CheckStatus.FAIL, CheckStatus.NOT_EVALUATED, CheckStatus.WARN, CheckStatus.INFO,
     CheckStatus.NOT_APPLICABLE, CheckStatus.OK))}

#: One row per violation (see the module docstring).
VIOLATION_COLUMNS = [
    "criterion", "status", "attribution", "scenario", "fault_bus", "fault_type", "case",
    "device", "other_device", "i_device_a", "i_other_a", "t_device_s", "t_other_s",
    "margin", "margin_unit", "limit", "tolerance", "base_margin", "idle_margin", "rule",
    "rule_value",
    "rule_source", "data_boundary", "bracket", "mechanism", "p_charging_kw", "time_h",
    "load_fraction", "input_basis", "input_todo", "change_own_taps", "change_band_top",
    "change_band_bottom", "judged_start", "directional_element", "oc_element",
    "v_polarising_pu", "v_polarising_min_pu", "message",
]

#: One row per study scenario.
SCENARIO_COLUMNS = ["scenario", "participation", "load_level", "export_level", "is_base"]


def row_weights(frame: pd.DataFrame, at: Any = None) -> Any:
    """The violation rows each row stands for (``n_buses``: a C5 or C12 row kept for a group
    of rows stands for them all, :mod:`protv2g.checks.row_groups`; 1 for every other row
    and without the column), as an int64 array, at positions ``at`` (default all).

    >>> row_weights(pd.DataFrame({"n_buses": [1, 22]})).tolist()
    [1, 22]
    """
    n = len(frame) if at is None else len(at)
    if "n_buses" not in frame.columns:
        return np.ones(n, dtype=np.int64)
    w = pd.to_numeric(frame["n_buses"], errors="coerce").to_numpy(dtype=float,
                                                                 na_value=np.nan)
    w = np.where(np.isfinite(w) & (w >= 1), w, 1).astype(np.int64)
    return w if at is None else w[at]


def empty_violations() -> pd.DataFrame:
    """An empty violations table with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in VIOLATION_COLUMNS})


def text_values(column: pd.Series) -> pd.Series:
    """``column.astype(str)`` (the same texts, index and name); a categorical (the violation
    table's text columns, :mod:`protv2g.checks._compact`) read through its object values, the
    categories' own ``str`` in every row: ``Categorical.astype(str)`` writes each row's text
    as a new ``str`` (#21: 489,286 rows at 10,000 buses, ≈ 60 MB and 0.1–0.5 s a column)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    return column.astype(str)


def status_mask(violations: pd.DataFrame, *statuses: CheckStatus | str) -> pd.Series:
    """Rows of ``violations`` whose ``status`` is one of ``statuses`` (bool Series)."""
    if violations.empty or "status" not in violations.columns:
        return pd.Series(False, index=violations.index, dtype=bool)
    wanted = {CheckStatus(s).value for s in statuses}
    return text_values(violations["status"]).isin(wanted)


#: The statuses a row count is said by (:func:`status_count_text`), in that order.
COUNTED_STATUSES = (CheckStatus.FAIL.value, CheckStatus.WARN.value, CheckStatus.INFO.value)


def status_count_text(counts: Mapping[str, int]) -> str:
    """How many violation rows, by status, as the Findings sheet and the gate's lines both
    say them: ``"3 fail, 2 warn rows"``, ``"1 fail row"`` (review s38: the Findings counted
    fail + warn rows as "N rows" where the gate's line for the same finding counted its fail
    rows — two numbers for one finding, neither saying what it counted). ``counts``: status
    → rows (:data:`COUNTED_STATUSES` in that order, then any other status, a zero left out).

    >>> status_count_text({"warn": 2, "fail": 3}), status_count_text({"fail": 1, "info": 0})
    ('3 fail, 2 warn rows', '1 fail row')
    """
    order = [*COUNTED_STATUSES, *sorted(set(map(str, counts)) - set(COUNTED_STATUSES))]
    got = {str(k): int(v) for k, v in counts.items()}
    parts = [f"{got[s]} {s.replace('_', ' ')}" for s in order if got.get(s, 0)]
    n = sum(got.get(s, 0) for s in order)
    return f"{', '.join(parts) or '0'} row{'' if n == 1 else 's'}"


def describe_rows(violations: pd.DataFrame) -> str:
    """The count of violation rows, as the CLI and the Summary both print it.

    A *violation row* is a row with a finding status (``fail``, ``warn``, ``info``);
    ``not_evaluated`` and ``not_applicable`` rows are counted apart, after a semicolon.

    Examples
    --------
    >>> v = pd.DataFrame({"status": ["fail", "fail", "warn", "not_applicable"]})
    >>> describe_rows(v)
    '3 violation rows (2 failing, 1 warning); 1 not applicable'
    """
    # a group's row counts as the rows it stands for (#21, ``n_buses``)
    weight = row_weights(violations)
    n = {s: int(weight[np.asarray(status_mask(violations, s), dtype=bool)].sum())
         for s in CheckStatus}
    found = n[CheckStatus.FAIL] + n[CheckStatus.WARN] + n[CheckStatus.INFO]
    parts = [f"{n[CheckStatus.FAIL]} failing"]
    if n[CheckStatus.WARN]:
        parts.append(f"{n[CheckStatus.WARN]} warning{'s' if n[CheckStatus.WARN] != 1 else ''}")
    if n[CheckStatus.INFO]:
        parts.append(f"{n[CheckStatus.INFO]} info")
    apart = [f"{n[s]} {s.value.replace('_', ' ')}" for s in (
        CheckStatus.NOT_EVALUATED, CheckStatus.NOT_APPLICABLE) if n[s]]
    text = f"{found} violation row{'s' if found != 1 else ''} ({', '.join(parts)})"
    return text + (f"; {', '.join(apart)}" if apart else "")


#: The texts of a blank table cell (:func:`is_given`): a cell is given exactly when its
#: ``str`` is none of these (``str(None)`` and ``str(nan)`` are among them), which lets
#: :func:`protv2g.text_codes.given_codes` judge a column on its distinct texts only.
NOT_GIVEN_TEXT = frozenset({"", "nan", "None", "<NA>"})


def is_given(value: Any) -> bool:
    """False for None, NaN and empty or "nan"/"None" text (a blank table cell)."""
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value) not in NOT_GIVEN_TEXT


def describe_fault(row: pd.Series | dict) -> str:
    """``"SLG at F1-B03 (min)"`` from a violation row; empty parts are left out."""
    get = row.get
    ftype, bus, case = get("fault_type"), get("fault_bus"), get("case")
    parts = [str(ftype)] if is_given(ftype) else []
    if is_given(bus):
        parts.append(f"at {bus}")
    if is_given(case):
        parts.append(f"({case})")
    return " ".join(parts)
