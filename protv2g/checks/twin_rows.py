"""The checks on fault tables that hold each charger set's rows once (#21).

:func:`protv2g.pipeline.fault_tables` with ``held=True`` (``run_study``, hosting) keeps one
block of rows per charger set, under its first study scenario, and names the other scenarios
of the set (other load levels: the engine runs open-circuit, their rows are the same) in
``FaultTables.twin_of``. :func:`held_twins` gives the :class:`~protv2g.checks.distinct_blocks.
FaultTwins` that :func:`~protv2g.checks.distinct_blocks.fault_twins` finds on the tables of
every scenario (:meth:`FaultTables.expanded <protv2g.pipeline_tables.FaultTables.expanded>`)
— decided on the map, the tables of every scenario never made — and :func:`held_restricted`
the tables :meth:`~protv2g.checks.distinct_blocks.FaultTwins.restrict` would give: so
:func:`protv2g.checks.check_study` evaluates the same rows and copies them to the same twins
(split from :mod:`.distinct_blocks`, which was past 400 lines).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._rows import twin_blocks
from protv2g.checks.distinct_blocks import FaultTwins, _blocks
from protv2g.checks.scenario_twins import column_bits, scenario_labels

__all__ = ["held_restricted", "held_twins"]


def held_twins(tables: Any, base_of: dict[str, str]) -> FaultTwins | None:
    """The :class:`FaultTwins` of fault tables that hold each charger set's rows once
    (:attr:`FaultTables.twin_of <protv2g.pipeline_tables.FaultTables.twin_of>`, #21), in
    the coordinates of the tables of every scenario (:meth:`FaultTables.expanded
    <protv2g.pipeline_tables.FaultTables.expanded>`), without making them: what
    :func:`fault_twins` finds on those tables, and their restriction is the held tables.

    A twin repeats its held scenario's rows by construction (the same engine rows taken
    again); :func:`fault_twins` would find it so bit for bit, and copy it when its base
    case's block repeats its held scenario's base case's (``base_of``), every evaluated
    block's base block evaluated too (:func:`~protv2g.checks.scenario_twins.base_twins`).
    That is decided here on the map. ``None`` — the caller then evaluates
    :meth:`~protv2g.pipeline_tables.FaultTables.expanded`'s tables as before — where the
    result would not be the held blocks alone: two held blocks that repeat each other bit
    for bit (:func:`~protv2g.checks._rows.twin_blocks`: export levels past the chargers'
    limit), a twin that must be evaluated (its base case's block repeats no base block of
    its held scenario's), no twin, or tables not one block per scenario.
    """
    twin_of = getattr(tables, "twin_of", None)
    if not twin_of or not isinstance(tables.device, pd.DataFrame):
        return None
    held = dataclasses.replace(tables, twin_of=None)
    table = held.device
    if "scenario" not in table.columns or not table.columns.is_unique or table.empty:
        return None
    names, starts = _blocks(scenario_labels(table["scenario"]))
    ends = [*starts[1:], len(table)]
    size = dict(zip(names, (b - a for a, b in zip(starts, ends, strict=True)), strict=True))
    if len(set(names)) != len(names) or any(twin_of.get(n) != n for n in names):
        return None
    if any(size.get(h, 0) == 0 for h in set(twin_of.values())):
        return None  # a scenario without rows: no block to copy, none found before either
    stages = []
    for st in (held.staged, held.staged_high):
        if st is not None:
            if st.n_rows != len(table):
                return None
            stages += [(a, st.row_map) for a in (st.stage_i_a, st.stage_t_start_s,
                                                 st.stage_t_end_s)]
    columns = [column_bits(table[c]) for c in table.columns if c != "scenario"]
    if len(names) > 1 and twin_blocks(scenario_labels(table["scenario"]), columns,
                                      stages) is not None:
        return None  # held blocks repeat each other: the full evaluation's twins differ

    def base(n: str) -> str | None:
        """The held scenario of ``n``'s base case's block (None: no such block)."""
        b = str(base_of.get(n, "") or "")
        return twin_of[b] if b in twin_of else None

    copies = {n: h for n, h in twin_of.items() if h != n and base(n) == base(h)}
    evaluated = [n for n in twin_of if n not in copies]
    while True:  # an evaluated block's base block is evaluated as well (base_twins)
        more = {str(base_of.get(n, "") or "") for n in evaluated} & set(copies)
        if not more:
            break
        for n in more:
            del copies[n]
        evaluated = [n for n in twin_of if n not in copies]
    if not copies or set(evaluated) != set(names):
        return None
    block, at = {}, 0
    for n in twin_of:
        block[n] = slice(at, at + size[twin_of[n]])
        at = block[n].stop
    rows = np.concatenate([np.arange(block[n].start, block[n].stop) for n in twin_of
                           if n not in copies]).astype(np.int64)
    bus_rows = None
    if isinstance(held.bus, pd.DataFrame) and len(held.bus):
        bus_rows = _held_bus_rows(held.bus, twin_of)
        if bus_rows is None:
            return None
    return FaultTwins(copies, {n: k for k, n in enumerate(twin_of)}, block, rows, bus_rows)


def held_restricted(tables: Any, twins: FaultTwins) -> Any:
    """The held tables (``twin_of`` dropped) as :meth:`FaultTwins.restrict` gives the tables
    of every scenario on ``twins``' rows (:func:`held_twins`): the same rows in the same
    order, and a table whose rows there are not one run has its columns as NumPy arrays
    (:func:`_take`: a categorical's values as objects), so that the checks read the same
    columns either way."""
    change: dict[str, Any] = {"twin_of": None}
    for name, rows in (("device", twins.rows), ("bus", twins.bus_rows)):
        frame = getattr(tables, name)
        if rows is not None and len(rows) and rows[-1] - rows[0] + 1 != len(rows):
            change[name] = pd.DataFrame({c: frame[c].to_numpy() for c in frame.columns},
                                        columns=frame.columns, copy=False)
    return dataclasses.replace(tables, **change)


def _held_bus_rows(bus: pd.DataFrame, twin_of: dict[str, str]) -> np.ndarray | None:
    """Positions of the held scenarios' bus rows in the bus table of every scenario (None:
    the held table is not one block per held scenario)."""
    if "scenario" not in bus.columns or not bus.columns.is_unique:
        return None
    names, starts = _blocks(scenario_labels(bus["scenario"]))
    ends = [*starts[1:], len(bus)]
    if len(set(names)) != len(names) or any(twin_of.get(n) != n for n in names):
        return None
    size = dict(zip(names, (b - a for a, b in zip(starts, ends, strict=True)), strict=True))
    out, at = [], 0
    for n, h in twin_of.items():
        k = size.get(h, 0)
        if n == h:
            out.append(np.arange(at, at + k))
        at += k
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)
