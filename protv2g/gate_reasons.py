"""The wording of the gate's reasons: one line per criterion, device (pair) and rule.

:func:`grouped_reasons` turns a set of violation rows of one kind (``fail``, ``condition``,
``info``) into the lines :func:`protv2g.gate.gate_verdict` lists, each naming the worst row
(smallest margin) of its group with its status, attribution, scenario, fault, rule and margin,
how many rows and scenarios it stands for, and — when that row rests on a tool default or a
drafted value (``input_basis``, :mod:`protv2g.input_basis`) — which input to confirm. Text
only: what fails is decided in :mod:`protv2g.gate` from typed columns.

One finding, one attribution (review s20, EPRI ckt5): a line's attribution is its group's —
:func:`protv2g.findings.finding_attribution` of every row the line stands for, the words the
Findings, the Summary and ``protv2g recommend`` use ("caused by V2G", "made worse by V2G",
"pre-existing") — never its worst row's own ``new``/``worse``. A line attributable to V2G
names the worst row's twin without V2G (the same fault, fault type, case and rule in the base
case of its load level: ``base_margin``) and by how much V2G moves it against the tolerance
that decides materiality (:mod:`protv2g.checks.attribution`); the group's pre-existing rows
folded onto it are counted and their worst named with its scenario and fault, not called
"failing without V2G" (most are V2G rows whose change is inside the tolerance).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from protv2g.findings_rows import export_kw_by_scenario
from protv2g.gate_reason_line import (
    _GROUP,  # noqa: F401  (re-exported: tests import it from here)
    MARGINAL_WITHOUT_V2G,
    PER_DEVICE_CRITERIA,  # noqa: F401  (re-exported)
    PRESENT_WITHOUT_V2G,
    _line,  # noqa: F401  (re-exported)
    group_keys,
    reason_line,
)
from protv2g.gate_reason_record import reason_record, scenario_count_text
from protv2g.gate_reason_rows import ReasonRows
from protv2g.gate_twin import twin_text as _twin  # noqa: F401  (tests import it from here)

#: Split s47: a line's wording and groups are in :mod:`protv2g.gate_reason_line`,
#: :class:`ReasonRows` in :mod:`protv2g.gate_reason_rows`; imported from here as before.
__all__ = ["ReasonRows", "export_kw_by_scenario", "group_keys",
           "grouped_reasons", "reason_line",
           "reason_record", "scenario_count_text", "PRESENT_WITHOUT_V2G",
           "MARGINAL_WITHOUT_V2G"]


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

    ``folded``: pre-existing failing rows whose group also has a row of ``rows`` — part of
    that line (its worst row, attribution and counts are over both) and named on it
    ("pre-existing on N more row(s) of this finding …", :meth:`ReasonRows.folded_note`)
    instead of a line of their own (s16 A3: one device, one mechanism, one line; ckt5's
    service transformer had a ``fail: worse`` line and a ``confirm:`` line for its base row).
    """
    if rows.empty:
        return []
    if folded is None or folded.empty:
        return ReasonRows(rows, export_kw).reasons(kind, np.ones(len(rows), bool), note)
    table = pd.concat([rows, folded], ignore_index=True)
    own = np.arange(len(table)) < len(rows)
    return ReasonRows(table, export_kw).reasons(kind, own, note, folded=~own)
