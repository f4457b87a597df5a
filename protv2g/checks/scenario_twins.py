"""Scenarios whose fault rows, and whose base case's rows, repeat another's bit for bit (#21).

The pipeline's fault tables hold one block of rows per scenario. Scenarios that differ only
in the load level (light, peak) are copies of one engine block — the fault engine runs
open-circuit: the load does not enter — and so are export levels past the chargers' current
limit (10,000-bus study: six scenarios, two distinct blocks). A per-row function of a row's
own columns and of its **base case's** row for the same fault (the IEC 60909 split of
:mod:`protv2g.checks.converter_sum`, C7's duty) gives the same bits on a block as on the
block it repeats **when their base cases' blocks repeat each other as well**:
:func:`base_twins` finds those blocks, so that the function is evaluated on the others only
and its output copied.

Examples
--------
>>> labels = np.array(["base/light", "base/light", "base/peak", "base/peak"], dtype=object)
>>> t = base_twins(labels, [np.array([1.0, 2.0, 1.0, 2.0])],
...                {"base/light": "base/light", "base/peak": "base/peak"})
>>> t.rows.tolist(), t.copies
([0, 1], [(slice(2, 4, None), slice(0, 2, None))])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks._rows import cell_ids, twin_blocks

__all__ = ["BaseTwins", "base_twins", "cell_ids", "column_bits", "label_runs",
           "scenario_labels"]


class BaseTwins(NamedTuple):
    """What :func:`base_twins` found.

    Attributes
    ----------
    rows : ndarray of int64
        Ascending table positions to evaluate: the blocks that repeat none (each with its
        base case's block), ``rows`` of :func:`base_twins` only.
    copies : list of (slice, slice)
        ``(block, block it repeats)``, table positions: the first block's outputs are the
        second's (the second is among ``rows``).
    """

    rows: np.ndarray
    copies: list[tuple[slice, slice]]


def base_twins(labels: Any, columns: list[np.ndarray], base_of: Mapping[str, str],
               rows: np.ndarray | None = None, stages: list[Any] | None = None
               ) -> BaseTwins | None:
    """Scenario blocks whose rows and base-case rows repeat another block's and its base's.

    Parameters
    ----------
    labels : array_like or pandas.Categorical, shape (n,)
        Each table row's scenario; one run of rows per scenario (the pipeline's tables). A
        categorical (:func:`scenario_labels`) is read on its codes (:func:`label_runs`).
    columns : list of ndarray, shape (n,) each
        Every column the per-row function reads or its output carries, the scenario aside:
        two blocks repeat when each holds the same bits at the same place
        (:func:`protv2g.checks._rows.twin_blocks`: ``0.0`` and ``-0.0`` apart); an object
        column's cells the same objects (:func:`cell_ids`).
    base_of : mapping
        Scenario name → its base case's (``str`` of the labels).
    rows : ndarray of int, optional
        Ascending positions the function is evaluated on (default all); a block repeats
        another only with the same positions in it.
    stages : list, optional
        Stage arrays compared as well (``stages`` of :func:`protv2g.checks._rows.
        twin_blocks`): a block repeats another only with the same stages.

    Returns
    -------
    BaseTwins or None
        None when no block can be copied (labels not in one run each, no repeated block,
        ``rows`` not ascending). A block ``S`` is copied from ``T`` when ``S``'s rows repeat
        ``T``'s and ``S``'s base case's block is ``T``'s base case's or repeats it (both
        without a base block also qualifies); every evaluated block's base block is
        evaluated too, so the function finds each row's base row among ``rows``.
    """
    arr, starts, names = label_runs(labels)
    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) > 1 and not (np.diff(rows) > 0).all():
            return None
    found = twin_blocks(arr, [cell_ids(c) if c.dtype == object else c for c in columns],
                        list(stages or []))
    if found is None:
        return None
    ends = np.r_[starts[1:], len(arr)]
    if len(set(names)) != len(names):
        return None  # scenarios with the same text: base_of cannot tell them apart
    block = {n: slice(int(a), int(b)) for n, a, b in zip(names, starts, ends, strict=True)}
    name_at = dict(zip(starts.tolist(), names, strict=True))

    def taken(n: str) -> np.ndarray:
        """Positions of ``rows`` in block ``n``, from the block's start."""
        b = block[n]
        if rows is None:
            return np.arange(b.stop - b.start)
        lo, hi = np.searchsorted(rows, [b.start, b.stop])
        return rows[lo:hi] - b.start

    twin = {n: n for n in names}
    for s, t in found[1]:
        a, b = name_at[s.start], name_at[t.start]
        if np.array_equal(taken(a), taken(b)):
            twin[a] = b

    def base(n: str) -> str | None:
        """The twin of ``n``'s base case's block (None: no such block)."""
        b = str(base_of.get(n, "") or "")
        return twin[b] if b in block else None

    copy = {n: t for n, t in twin.items() if t != n and base(n) == base(t)}
    evaluated = [n for n in names if n not in copy]
    while True:  # an evaluated block's base block is evaluated as well
        more = {str(base_of.get(n, "") or "") for n in evaluated} & set(copy)
        if not more:
            break
        for n in more:
            del copy[n]
        evaluated = [n for n in names if n not in copy]
    if not copy:
        return None
    at = np.concatenate([block[n].start + taken(n) for n in evaluated]).astype(np.int64)
    return BaseTwins(rows=at, copies=[(block[n], block[t]) for n, t in copy.items()])


def scenario_labels(column: pd.Series) -> Any:
    """A table's scenario column as :func:`base_twins` and :func:`label_runs` read it: a
    categorical without a missing value as its :class:`pandas.Categorical` (its runs found
    on its codes), any other column its values (#21: the device table's 1,823,534 scenario
    cells at 10,000 buses written out as objects and compared three times)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and not (
            column.cat.codes.to_numpy() < 0).any():
        return column.array
    return column.to_numpy()


def label_runs(labels: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The runs of equal neighbours of ``labels``: ``(values, starts, names)``, ``values``
    the ``(n,)`` array the runs are found on (a categorical's codes: equal codes are equal
    texts; else the labels as objects), ``starts`` ``(runs,)`` int64 the first row of each
    run (``[0]`` for no rows), ``names`` each run's label as ``str``."""
    if isinstance(labels, pd.Categorical) and not (labels.codes < 0).any():
        arr: np.ndarray = labels.codes
        heads = np.asarray(labels.categories, dtype=object)
    else:
        arr, heads = np.asarray(labels, dtype=object), None
    starts = np.r_[0, np.flatnonzero(arr[1:] != arr[:-1]) + 1].astype(np.int64)
    if not len(arr):
        return arr, starts, []
    first = arr[starts] if heads is None else heads[arr[starts]]
    return arr, starts, [str(x) for x in first.tolist()]


def column_bits(column: pd.Series) -> np.ndarray:
    """A table column as the integers two blocks are compared on (:func:`base_twins`,
    :func:`protv2g.checks._rows.twin_blocks`): a categorical's codes (equal codes, the same
    category object: what :func:`cell_ids` of its object values finds equal, #21: each of
    the fault table's four categorical columns was written out as 1.8 million object cells
    at 10,000 buses to be compared), an object column's :func:`cell_ids`, any other its
    array."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy()
    values = column.to_numpy()
    return cell_ids(values) if values.dtype == object else values
