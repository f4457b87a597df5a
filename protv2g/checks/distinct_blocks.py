"""The fault-based checks on the distinct scenario blocks only, their rows copied to the twins.

The fault engine runs open-circuit: study scenarios that differ only in the load level (light,
peak), and export levels past the chargers' current limit, repeat one engine block bit for bit
(10,000-bus study: six scenarios, two distinct blocks, #21). A fault-based criterion (C1–C7
and C9's fault part: :func:`twin_able`) judges a scenario's rows from its own fault rows and
its base case's: on a scenario whose block and whose base case's block repeat another
scenario's and that one's base case's (:func:`protv2g.checks.scenario_twins.base_twins`), it
gives the same rows. :func:`check_study <protv2g.checks.check_study>` therefore builds its
context on the blocks that repeat none (:meth:`FaultTwins.restrict`) and copies each
criterion's rows to the twin scenarios (:func:`expand`): the scenario label, and the
message's scenario text (:meth:`CheckContext.export_text
<protv2g.checks._common.CheckContext.export_text>`) rewritten.

Nothing is assumed that is not checked: the blocks are compared on every column of the
device and bus tables and on both brackets' stage arrays; a copied row that carries a flow
column (``p_charging_kw``, ``time_h``, ``load_fraction``), a text column other than the
message naming its scenario or its scenario's text, or a message naming the scenario by its
name raises :class:`NotTwins`, and the caller evaluates every block instead. Tables whose
row order matters (the coordination and directional tables) are put in the full evaluation's
order: within each run of equal ``outer`` columns by scenario (the fault table's block
order), checked to be so ordered in the restricted table.

Examples
--------
>>> tw = FaultTwins(copies={"b": "a"}, rank={"a": 0, "b": 1}, block={"a": slice(0, 2),
...                 "b": slice(2, 4)}, rows=np.arange(2), bus_rows=None)
>>> f = pd.DataFrame({"scenario": ["a"], "message": ["x in a-text"]})
>>> expand(f, tw, {"a": "a-text", "b": "b-text"}.get).message.tolist()
['x in a-text', 'x in b-text']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks._rows import _same_block, factorize_all, key_codes
from protv2g.checks.scenario_twins import base_twins, column_bits, label_runs, scenario_labels
from protv2g.criteria import Criterion, Need
from protv2g.messages import MessageArray, as_messages, is_messages

__all__ = ["FLOW_COLUMNS", "Expansion", "FaultTwins", "NotTwins", "expand", "expansion",
           "fault_twins", "twin_able"]

#: Violation columns that only a flow row fills: a copied row must have none.
FLOW_COLUMNS = ("p_charging_kw", "time_h", "load_fraction")


class NotTwins(Exception):
    """A row of a twin scenario could not be copied from its source (see the module
    docstring): every block is to be evaluated."""


class FaultTwins(NamedTuple):
    """Scenario blocks of a fault result that repeat another's (:func:`fault_twins`).

    Attributes
    ----------
    copies : dict
        Twin scenario → the evaluated scenario whose rows it repeats (and whose base case's
        rows its base case's repeat).
    rank : dict
        Every scenario of the device table → its block's place in the table.
    block : dict
        Every scenario → its device-table rows (slice).
    rows : ndarray of int64
        Ascending device-table positions of the evaluated blocks.
    bus_rows : ndarray of int64 or None
        The same for the bus table (None without one).
    """

    copies: dict[str, str]
    rank: dict[str, int]
    block: dict[str, slice]
    rows: np.ndarray
    bus_rows: np.ndarray | None

    def twins_of(self, name: str) -> list[str]:
        """The twin scenarios copied from ``name``, in table order."""
        return sorted((t for t, s in self.copies.items() if s == name), key=self.rank.get)

    def restrict(self, fault_result: Any) -> Any:
        """``fault_result`` (a device table, or the pipeline's
        :class:`~protv2g.pipeline.FaultTables`) on the evaluated blocks only: rows taken,
        default index, the stages under the row map of the rows kept (not copied)."""
        if isinstance(fault_result, pd.DataFrame):
            return _take(fault_result, self.rows)
        change: dict[str, Any] = {"device": _take(fault_result.device, self.rows)}
        if self.bus_rows is not None:
            change["bus"] = _take(fault_result.bus, self.bus_rows)
        low, high = fault_result.staged, fault_result.staged_high
        if low is not None:
            change["staged"] = low.take(self.rows)  # the same arrays under a row map
        if high is not None:
            change["staged_high"] = (change["staged"] if high is low
                                     else high.take(self.rows))
        return dataclasses.replace(fault_result, **change)

    def full_rows(self, rows: np.ndarray) -> np.ndarray:
        """Positions ``rows`` of the restricted device table as positions of the whole
        table, with their twins' positions, ascending."""
        at = self.rows[np.asarray(rows, dtype=np.int64)]
        out = [at]
        for t, s in self.copies.items():
            b, tb = self.block[s], self.block[t]
            inside = at[(at >= b.start) & (at < b.stop)]
            out.append(inside - b.start + tb.start)
        # distinct positions (each copy in a block of its own, none evaluated) marked and
        # read back in order, O(n): the same ascending array as their sort (#21: the sort
        # of 1.4 million positions at 10,000 buses); repeated positions: sorted
        every = np.concatenate(out)
        if not len(every) or every.min() < 0:
            return np.sort(every)
        mark = np.zeros(int(every.max()) + 1, dtype=bool)
        mark[every] = True
        found = np.flatnonzero(mark)
        return found if len(found) == len(every) else np.sort(every)


def _take(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The rows ``rows`` of ``frame``, column by column, with a default index: views of its
    NumPy columns when ``rows`` is one run of positions (the evaluated blocks are the table's
    first ones: 10,000 buses, the first 911,767 of 1,823,534 rows; a copy cost 190 MiB)."""
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        at: Any = slice(int(rows[0]), int(rows[-1]) + 1)
        return pd.DataFrame({c: _rows_of(frame[c], at) for c in frame.columns},
                            columns=frame.columns, copy=False)
    return pd.DataFrame({c: frame[c].to_numpy()[rows] for c in frame.columns},
                        columns=frame.columns, copy=False)


def _rows_of(column: pd.Series, at: slice) -> Any:
    """``column``'s rows ``at``: a view of a NumPy column's array, else its array's."""
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy()[at]
    return column.array[at]


def fault_twins(fault_result: Any, base_of: dict[str, str]) -> FaultTwins | None:
    """The scenario blocks of ``fault_result`` to evaluate and those to copy (None: none to
    copy). A block is copied when its device rows, bus rows and both brackets' stages repeat
    an evaluated block's bit for bit and its base case's block repeats that block's base
    case's (:func:`protv2g.checks.scenario_twins.base_twins`); every evaluated block's base
    block is evaluated too.

    Parameters
    ----------
    fault_result : DataFrame or FaultTables
        As :func:`protv2g.checks.run_checks` takes it.
    base_of : dict
        Scenario name → its base case's.
    """
    table = fault_result if isinstance(fault_result, pd.DataFrame) else getattr(
        fault_result, "device", None)
    if not isinstance(table, pd.DataFrame) or "scenario" not in table.columns \
            or not table.columns.is_unique or len(table) < 2:
        return None
    stages = []
    if not isinstance(fault_result, pd.DataFrame):
        for st in (fault_result.staged, fault_result.staged_high):
            if st is not None:
                if st.n_rows != len(table):
                    return None
                stages += [(a, st.row_map) for a in (st.stage_i_a, st.stage_t_start_s,
                                                     st.stage_t_end_s)]
    labels = scenario_labels(table["scenario"])
    found = base_twins(labels, [column_bits(table[c]) for c in table.columns
                                if c != "scenario"], base_of, stages=stages)
    if found is None:
        return None
    names, starts = _blocks(labels)
    block = {n: slice(int(a), int(b)) for n, a, b in
             zip(names, starts, [*starts[1:], len(labels)], strict=True)}
    name_at = {b.start: n for n, b in block.items()}
    copies = {name_at[t.start]: name_at[s.start] for t, s in found.copies}
    bus_rows = None
    bus = None if isinstance(fault_result, pd.DataFrame) else getattr(fault_result, "bus", None)
    if isinstance(bus, pd.DataFrame) and len(bus):
        bus_rows = _bus_rows(bus, copies)
        if bus_rows is None:
            return None
    return FaultTwins(copies, {n: k for k, n in enumerate(names)}, block, found.rows,
                      bus_rows)


def _blocks(labels: Any) -> tuple[list[str], list[int]]:
    """Names (``str``) and first rows of the runs of ``labels`` (a categorical's on its
    codes: :func:`~protv2g.checks.scenario_twins.label_runs`)."""
    _, starts, names = label_runs(labels)
    return names, starts.tolist()


def _bus_rows(bus: pd.DataFrame, copies: dict[str, str]) -> np.ndarray | None:
    """Bus-table rows of the blocks not in ``copies``, or None when a copied block's bus
    rows do not repeat its source's bit for bit (or the table is not in one block per
    scenario)."""
    if "scenario" not in bus.columns or not bus.columns.is_unique:
        return None
    labels = scenario_labels(bus["scenario"])
    names, starts = _blocks(labels)
    if len(set(names)) != len(names):
        return None
    block = {n: slice(a, b) for n, a, b in zip(names, starts, [*starts[1:], len(labels)],
                                               strict=True)}
    # object cells by identity (a copy built apart counts as different), as the device rows
    cols = [column_bits(bus[c]) for c in bus.columns if c != "scenario"]
    for t, s in copies.items():
        if t not in block or s not in block or not _same_block(block[t], block[s], cols, []):
            return None
    return np.concatenate([np.arange(b.start, b.stop) for n, b in block.items()
                           if n not in copies]).astype(np.int64)


def twin_able(criterion: Criterion) -> bool:
    """Whether ``criterion``'s rows (its family function's; with a ``flow_function``, the
    others) are judged on the fault table alone: it needs the fault table and not the flow."""
    return Need.FAULTS in criterion.needs and Need.FLOW not in criterion.needs


class Expansion(NamedTuple):
    """A frame's rows with its twins' copies, described but not made (:func:`expansion`):
    the expanded frame is ``frame.take(at)`` with the columns ``new`` in place of its own."""

    at: np.ndarray
    new: dict[str, np.ndarray]


def expand(frame: pd.DataFrame | None, tw: FaultTwins | None,
           export_text: Callable[[str], str] | None = None,
           outer: Sequence[str] | None = None) -> pd.DataFrame | None:
    """``frame``'s rows with the rows of each evaluated scenario copied to its twins.

    Parameters
    ----------
    frame : DataFrame
        Rows with a ``scenario`` column, evaluated on the restricted context.
    tw : FaultTwins
    export_text : callable, optional
        Scenario name → its text in messages (``CheckContext.export_text``): a copied row's
        ``message`` has its source's text replaced by the twin's.
    outer : sequence of str, optional
        The columns of the runs within which the full evaluation orders rows by scenario
        (block order): the rows are then put in that order. Without it the copies follow
        the rows (the violation table is sorted later; within a scenario the copies keep
        their source's order).

    Raises
    ------
    NotTwins
        When a copied row cannot be a twin's (see the module docstring).
    """
    plan = expansion(frame, tw, export_text, outer)
    if plan is None:
        return frame
    return pd.DataFrame({c: plan.new[c] if c in plan.new else _column(frame[c], plan.at)
                         for c in frame.columns}, columns=frame.columns, copy=False)


def expansion(frame: pd.DataFrame | None, tw: FaultTwins | None,
              export_text: Callable[[str], str] | None = None,
              outer: Sequence[str] | None = None) -> Expansion | None:
    """:func:`expand`'s rows as positions in ``frame`` and the new columns (the scenario and
    the message), None where no row is copied (#21: the violation rows are then taken once,
    sorted, straight from ``frame``: :func:`protv2g.checks._row_frames.concat_taken`; the
    expanded frame made first was 150 MB at the checks' peak at 10,000 buses).

    Raises
    ------
    NotTwins
        When a copied row cannot be a twin's (see the module docstring).
    """
    if frame is None or tw is None or not len(frame) or "scenario" not in frame.columns:
        return None
    codes, names = factorize_all(frame["scenario"].to_numpy())
    plan = [(k, str(s), tw.twins_of(str(s))) for k, s in enumerate(names)]
    plan = [(k, s, twins) for k, s, twins in plan if twins]
    if not plan:
        return None
    rows = {s: np.flatnonzero(codes == k) for k, s, _ in plan}
    _check_copies(frame, np.sort(np.concatenate(list(rows.values()))), list(rows),
                  export_text)
    at = np.concatenate([np.arange(len(frame)), *(rows[s] for _, s, twins in plan
                                                  for _ in twins)])
    # each twin's name itself in its rows (``np.full(n, name, dtype=object)`` made a new
    # ``str`` per row: #21, ≈ 400,000 strings, 20 MB at 10,000 buses; the same values)
    new = {"scenario": np.concatenate([frame["scenario"].to_numpy(), *(
        np.array([t], dtype=object).repeat(len(rows[s])) for _, s, twins in plan
        for t in twins)])}
    if "message" in frame.columns and is_messages(frame["message"]):
        lazy = as_messages(frame["message"])
        parts = [lazy]
        for _, s, twins in plan:
            parts += _lazy_messages(lazy.take(rows[s]), s, twins, export_text)
        new["message"] = MessageArray._concat_same_type(parts)
    elif "message" in frame.columns:
        msg = frame["message"].to_numpy()
        parts = [msg]
        for _, s, twins in plan:
            parts += _messages(msg[rows[s]], s, twins, export_text)
        new["message"] = np.concatenate(parts)
    if outer is not None:
        # the order composed with the copy's positions: every column taken once (#21: the
        # coordination table taken, consolidated and copied by ``reset_index`` again, 0.13 s
        # at 3,000 buses)
        order = _order(frame, new["scenario"], at, tw, list(outer))
        at = at[order]
        new = {c: v[order] for c, v in new.items()}
    return Expansion(at, new)


def _column(column: pd.Series, at: np.ndarray) -> Any:
    """``column``'s values at ``at`` (a NumPy column as its array)."""
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy().take(at)
    return column.array.take(at)


#: Joins the texts of a column for one substring search (no row's text holds it).
_SEP = "\x00"


def _joined(values: np.ndarray) -> str | None:
    """The values, all ``str``, joined by :data:`_SEP`; None when one is not a ``str``
    or holds the separator."""
    try:
        text = _SEP.join(values.tolist())
    except TypeError:
        return None
    return None if text.count(_SEP) != max(len(values) - 1, 0) else text


def _messages(messages: np.ndarray, source: str, twins: list[str],
              export_text: Callable[[str], str] | None) -> list[np.ndarray]:
    """The messages of ``source``'s rows for each of ``twins``: the source's scenario text
    replaced by the twin's (one pass over the joined text of each :data:`_CHUNK` messages
    when every message is a ``str`` without :data:`_SEP`).

    Raises
    ------
    NotTwins
        When a message names ``source`` by its name.
    """
    out = [np.empty(len(messages), dtype=object) for _ in twins]
    for a in range(0, len(messages), _CHUNK):
        for new, part in zip(out, _message_chunk(messages[a:a + _CHUNK], source, twins,
                                                 export_text), strict=True):
            new[a:a + _CHUNK] = part
    return out


def _lazy_messages(messages: MessageArray, source: str, twins: list[str],
                   export_text: Callable[[str], str] | None) -> list[MessageArray]:
    """:func:`_messages` of messages written when read (#21): each twin's rows the same
    with the source's scenario text replaced by the twin's
    (:meth:`~protv2g.messages.MessageArray.replaced`), not written. A recipe that writes the
    scenario from its export texts alone (:meth:`~protv2g.messages.MessageArray.swappable`:
    C5's, 204,536 rows at 10,000 buses) then writes the twin's rows as the full evaluation
    would: its rows are not checked; the others are, :data:`_CHUNK` at a time.

    Raises
    ------
    NotTwins
        When a message names ``source`` by its name.
    """
    check = np.flatnonzero(~messages.swappable())
    for a in range(0, len(check), _CHUNK):
        texts = messages.texts(check[a:a + _CHUNK])
        text = _joined(texts)
        if (any(source in m for m in texts.tolist() if isinstance(m, str)) if text is None
                else source in text):
            raise NotTwins(f"a message names scenario {source}")
        del texts, text
    if export_text is None:
        return [messages for _ in twins]
    return [messages.replaced(export_text(source), export_text(t)) for t in twins]


#: Messages joined at a time by :func:`_messages` (#21: all of a scenario's at once, ≈ 100
#: MB of text copies at 10,000 buses, were the checks' peak).
_CHUNK = 2**14


def _message_chunk(messages: np.ndarray, source: str, twins: list[str],
                   export_text: Callable[[str], str] | None) -> list[list[Any]]:
    """:func:`_messages` of some messages, as lists."""
    texts = messages.tolist()
    text = _joined(messages)
    if (any(source in m for m in texts if isinstance(m, str)) if text is None
            else source in text):
        raise NotTwins(f"a message names scenario {source}")
    out = []
    for t in twins:
        if export_text is None:
            out.append(texts)
            continue
        old_text, new_text = export_text(source), export_text(t)
        parts = None if text is None else text.replace(old_text, new_text).split(_SEP)
        if parts is None or len(parts) != len(texts):
            parts = [m.replace(old_text, new_text) if isinstance(m, str) else m
                     for m in texts]
        out.append(parts)
    return out


def _check_copies(frame: pd.DataFrame, rows: np.ndarray, sources: list[str],
                  export_text: Callable[[str], str] | None) -> None:
    """Raise :class:`NotTwins` where a row of ``frame`` at ``rows`` (the rows of the
    scenarios ``sources`` to be copied) carries a flow column, or a text column other than
    the message (:func:`_messages`) a source scenario's name or scenario text (see the module
    docstring); judged on each column's distinct values."""
    for c in FLOW_COLUMNS:
        if c in frame.columns:
            v = pd.to_numeric(pd.Series(frame[c].to_numpy()[rows]), errors="coerce")
            if v.notna().any():
                raise NotTwins(f"column {c} filled on a row to copy")
    texts = [export_text(s) for s in sources] if export_text is not None else []
    marks = [m for m in (*sources, *texts) if m]
    every = len(rows) == len(frame)  # ``rows`` ascending and distinct: all of them
    for c in frame.columns:
        if c in ("scenario", "message") or frame[c].dtype != object:
            continue
        # the column's distinct values on ``rows``: the whole column coded (its blocks of
        # equal cells in their order), the codes of ``rows`` marked (#21: the rows' object
        # cells gathered and coded, 15 columns of ≈ 240,000 rows at 10,000 buses)
        codes, values = factorize_all(frame[c].to_numpy())
        if not every:
            used = np.zeros(len(values), dtype=bool)
            used[codes[rows]] = True
            values = values[used] if isinstance(values, np.ndarray) else [
                v for v, u in zip(values, used.tolist(), strict=True) if u]
        values = np.asarray(values, dtype=object)
        text = _joined(values)
        if text is None:  # not all texts, or one holding the separator: one by one
            found = any(m in v for v in values.tolist() if isinstance(v, str) for m in marks)
        else:
            found = any(m in text for m in marks)
        if found:
            raise NotTwins(f"column {c} names a scenario to copy")


def _order(frame: pd.DataFrame, scenario: np.ndarray, at: np.ndarray, tw: FaultTwins,
           outer: list[str]) -> np.ndarray:
    """Positions of the expanded rows (``frame``'s rows ``at`` under the scenarios
    ``scenario``) in the full evaluation's order: by run of equal ``outer`` values (runs of
    ``frame``), then scenario block, then row of ``frame``."""
    if outer:
        code = key_codes([frame[c].to_numpy() for c in outer])
        run = np.cumsum(np.r_[0, (code[1:] != code[:-1]).astype(np.int64)])
    else:
        run = np.zeros(len(frame), dtype=np.int64)
    codes, names = factorize_all(scenario)
    rank = np.array([tw.rank.get(str(s), -1) for s in names], np.int64)[codes]
    own = rank[:len(frame)]
    if len(own) > 1 and ((np.diff(own) < 0) & (np.diff(run) == 0)).any():
        raise NotTwins(f"rows not in block order within runs of {outer}")
    return np.lexsort((at, rank, run[at]))
