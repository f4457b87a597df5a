"""C12's per-bus rows sized to what is used: one row per group of buses, the worst kept (#21).

C12 judges the voltage and the voltage unbalance of every judged bus in every scenario
(:mod:`protv2g.checks.flow`, :mod:`protv2g.checks.flow_unbalance`): at 10,000 buses 71,788
failing voltage rows, 88 % of the violation table once C5's were grouped — one finding
(the feeder's voltage above ANSI C84.1 Range A), each row with a message, an evidence row and
a row of the Violations and Evidence sheets.

Those rows are grouped as C5's are (:mod:`protv2g.checks.row_groups`, :data:`FLOW_GROUPS`):
per scenario, device (a V2G site's own bus judged against its idle transformer names the
site), status, attribution, margin unit (pu voltage, % VUF unbalance), mechanism (a
set-point or a site tap holding the bus) and base state (no base margin, passing, failing),
the row with the smallest margin is kept with ``n_buses``, ``buses`` and ``bus_group``;
every row's bus, margin, limit, tolerance and base margin are in the per-bus table
:data:`FLOW_BUS_TABLE` (:data:`FLOW_BUS_COLUMNS`). The branch loading rows (one finding per
branch), the reverse-power rows (one per regulator) and the info rows stand for themselves.

The rows of a finding two of whose rows the Findings would collapse into one evidence row
(two load levels at one bus with one margin to 6 decimals: a flow that does not move with
the load) are left as they are (``apart_when_collapsing``), since a group's row stands for
the buses of one scenario.
"""

from __future__ import annotations

from protv2g.checks.row_groups import GroupSpec

__all__ = ["FLOW_BUS_COLUMNS", "FLOW_BUS_TABLE", "FLOW_GROUPS", "FLOW_GROUP_KEY", "UNBALANCE",
           "VOLTAGE"]

#: :data:`~protv2g.checks.row_groups.GROUP_PART` of C12's over-voltage rows.
VOLTAGE = 0
#: :data:`~protv2g.checks.row_groups.GROUP_PART` of C12's unbalance rows.
UNBALANCE = 1
#: The violation columns of a group's key (with the group part and the base state).
FLOW_GROUP_KEY = ("scenario", "device", "other_device", "status", "fault_type", "case",
                  "attribution", "margin_unit", "mechanism")
#: Name of C12's per-bus table in ``StudyResult.tables`` (and of its sheet / file).
FLOW_BUS_TABLE = "C12 buses"
#: Columns of the per-bus table: the group's number and keys (its kept row's), then each
#: bus's own figures, worst first within a group.
FLOW_BUS_COLUMNS = ("bus_group", "criterion", "status", "attribution", "scenario", "device",
                    "mechanism", "fault_bus", "margin", "margin_unit", "limit", "tolerance",
                    "base_margin")
#: C12's grouping.
FLOW_GROUPS = GroupSpec("C12", FLOW_BUS_TABLE, FLOW_GROUP_KEY, FLOW_BUS_COLUMNS,
                        ("fault_bus", "margin", "limit", "tolerance", "base_margin"),
                        apart_when_collapsing=True)
