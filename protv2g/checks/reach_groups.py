"""C5's zone rows sized to what is used: one row per group of buses, the worst kept (#21).

C5 judges every device at every bus of its zones (:mod:`protv2g.checks.sensitivity`): at
10,000 buses 204,561 failing zone rows on the distinct fault blocks, 409,122 once copied to
the load-level twins — 84 % of the violation table, each with a message, an attribution, an
evidence row and a row of the Violations and Evidence sheets, where one problem (a device
that does not reach the far end of its zone) is one finding with a few groups of buses.

:func:`group_reach_rows` (:func:`protv2g.checks.row_groups.group_rows` with
:data:`REACH_GROUPS`) keeps, of the attributed C5 rows, per **group** — scenario, device,
element (phase or ground; the reduction of reach apart), zone (the row's status: ``fail``
primary, ``warn`` backup), fault type, case, attribution, margin unit and whether the base
case passes, fails or gives no margin (the gate counts the pre-existing rows that pass
without V2G) — the row with the smallest margin, with

* ``n_buses`` — the zone rows (buses; a bus once per phase where the fault table has one row
  per faulted phase) the row stands for (1 for every other row of the table);
* ``buses`` — the group's buses in words, the worst first: ``"b1175, b1180 … (+21 buses)"``
  ("" for every other row);
* ``bus_group`` — the group's number in the per-bus table (-1 for every other row);

and returns the per-bus rows of every group (:data:`BUS_COLUMNS`: each zone row's bus,
margin, currents, tolerance and base margin by its group's number and keys; the C5 per-bus
table the workbook writes beside itself, :data:`BUS_TABLE`). The attribution is decided per
zone row **before** the cut (the group key holds it), so a finding's attribution is the one
the per-bus rows give; the worst row is the one the Findings and the gate would name (the
smallest margin to :data:`~protv2g.significant.SIGNIFICANT_DIGITS` digits, a tie to the
bus first as text, :func:`protv2g.findings_rows.worst_order`).

Examples
--------
>>> import pandas as pd
>>> v = pd.DataFrame({"criterion": "C5", "status": "fail", "attribution": "new",
...     "scenario": "v2g", "fault_bus": ["b2", "b1", "b3"], "fault_type": "3ph", "case": "min",
...     "device": "R1", "margin_unit": "xIpickup", "margin": [-0.2, -0.5, -0.1],
...     "message": ["m2", "m1", "m3"], REACH_KEY: 0})
>>> kept, per_bus = group_reach_rows(v)
>>> kept[["fault_bus", "n_buses", "buses"]].values.tolist()
[['b1', 3, 'b1, b2, b3']]
>>> per_bus["fault_bus"].tolist()
['b1', 'b2', 'b3']
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from protv2g.checks.row_groups import (
    GROUP_COLUMNS,
    GROUP_PART,
    SHOWN_BUSES,
    GroupSpec,
    bus_text,
    group_rows,
    with_group_columns,
)

__all__ = ["BUS_COLUMNS", "BUS_TABLE", "GROUP_COLUMNS", "GROUP_KEY", "REACH_GROUPS",
           "REACH_KEY", "SHOWN_BUSES", "bus_text", "group_reach_rows", "with_group_columns"]

#: Working column of C5's zone rows (int8, :data:`protv2g.checks.row_groups.GROUP_PART`):
#: the group part the violation columns do not hold — 0 phase element, 1 ground element,
#: 2 reduction of reach; -1 a row not grouped (every other criterion's, C5's not-evaluated
#: rows). Dropped by :func:`group_reach_rows`.
REACH_KEY = GROUP_PART
#: The violation columns of a group's key (with :data:`REACH_KEY`; the status says the zone).
GROUP_KEY = ("scenario", "device", "status", "fault_type", "case", "attribution",
             "margin_unit")
#: Name of the per-bus table in ``StudyResult.tables`` (and of its sheet / file).
BUS_TABLE = "C5 buses"
#: Columns of the per-bus table: the group's number and keys (its kept row's), then each
#: zone row's own figures, worst first within a group.
BUS_COLUMNS = ["bus_group", "criterion", "status", "attribution", "scenario", "device",
               "fault_type", "case", "fault_bus", "i_device_a", "i_other_a", "t_device_s",
               "margin", "margin_unit", "limit", "tolerance", "base_margin", "bracket",
               "idle_margin"]
_OWN = ("fault_bus", "i_device_a", "i_other_a", "t_device_s", "margin", "limit",
        "tolerance", "base_margin", "bracket", "idle_margin")
#: C5's grouping (:mod:`protv2g.checks.row_groups`): its load-level twins' rows are copies,
#: whose groups the Findings collapse whole, as they did the rows.
REACH_GROUPS = GroupSpec("C5", BUS_TABLE, GROUP_KEY, tuple(BUS_COLUMNS), _OWN,
                         part_names=("phase", "ground"))


def group_reach_rows(v: pd.DataFrame, first_group: int = 0
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """C5's zone rows of ``v`` (attributed violation rows with :data:`REACH_KEY`) cut to one
    row per group (module docstring), the other rows as they are.

    Parameters
    ----------
    v : DataFrame
        Violation rows (:data:`protv2g.violations.VIOLATION_COLUMNS` and :data:`REACH_KEY`;
        a frame without it has no row to group). Emptied (its columns taken).
    first_group : int
        Number of the first group (the groups are numbered from it in the order their
        first rows come).

    Returns
    -------
    rows : DataFrame
        ``v``'s rows in their order, of each group its kept (worst) row only, with
        :data:`GROUP_COLUMNS`, without :data:`REACH_KEY`.
    per_bus : DataFrame
        :data:`BUS_COLUMNS`, one row per zone row of every group, by group then worst
        first (empty without groups).
    """
    # the key read when called (a test takes a column out of it)
    rows, tables = group_rows(v, (replace(REACH_GROUPS, key=tuple(GROUP_KEY)),), first_group)
    return rows, tables.get(BUS_TABLE, pd.DataFrame(columns=BUS_COLUMNS))

