"""Row groups of a table by one key column, found once by hashing (#21).

The checks evaluate every device's curves on the rows of that device. Looping over
``np.unique(names)`` and selecting with ``names == name`` sorts the (object) column once and
scans it once per device: O(n log n + devices × n) string comparisons, the largest part of
the checks' time at utility scale. :func:`rows_by_value` factorises the column once (a hash
table, :func:`pandas.factorize`) and cuts one stable argsort of the integer codes into
groups: the same row sets, in the same order, in O(n log n) integer work.

:func:`per_distinct` evaluates a per-row function once per distinct input: the study's
scenarios that share a charger set (light and peak load) carry the same fault currents, and
a device backs up several primaries at the same fault, so most rows of a device repeat.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.text_codes import combine_code_stream

__all__ = ["cell_ids", "column_at", "text_isin", "rows_by_value", "labels_by_key", "key_codes",
           "distinct_rows", "per_distinct", "twin_blocks", "factorize_all", "factorize_runs",
           "as_text", "is_text", "distinct_values", "first_largest", "columns_out"]


def factorize_all(values: Any, sort: bool = False) -> tuple[np.ndarray, Any]:
    """``pandas.factorize(values, sort=sort, use_na_sentinel=False)`` (missing values coded
    as values), the same codes and uniques: an object array without missing values is
    factorised without pandas' missing-value pass first, which costs as much as the
    hashing (#21: 1.8 million device rows at 10,000 buses, 60 ms a column), and one value
    per run of equal neighbours (:func:`factorize_runs`); with one, or any other input,
    that call itself.
    """
    if isinstance(values, np.ndarray) and values.dtype == object:
        codes, uniques = factorize_runs(values, sort=sort)
        if not len(codes) or codes.min() >= 0:  # none missing: the same numbering
            return codes, uniques
    return pd.factorize(values, sort=sort, use_na_sentinel=False)


#: Rows below which :func:`factorize_runs` hashes every value (the run scan would not pay).
_RUNS_MIN_ROWS = 4096


def factorize_runs(values: np.ndarray, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(values, sort=sort)`` of an ``(n,)`` object array (missing values
    ``-1``), the same codes and uniques, hashing only the first value of each run of
    neighbours that are one object when the runs are few, else only the first cell of each
    distinct object when those are few: the pipeline's tables come in blocks (scenario, case
    and fault type in a few runs, each device's rows together) and share one ``str`` per
    text, and comparing or hashing cell addresses (:func:`cell_ids`) costs a fraction of
    comparing or hashing the strings (#21: the violation table's 17 text columns, 489,286
    rows at 10,000 buses). The first occurrence of a value is always the first cell of its
    object (and starts a run), so the uniques are the same objects in the same order;
    cells that are other objects of equal value are hashed as values.
    """
    n = len(values)
    if n >= _RUNS_MIN_ROWS and values.dtype == object:
        ids = cell_ids(values)
        starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        if 4 * (len(starts) + 1) <= n:
            starts = np.r_[0, starts]
            head_codes, uniques = pd.factorize(values[starts], sort=sort)
            return np.repeat(head_codes, np.diff(np.r_[starts, n])), uniques
        cell, distinct = pd.factorize(ids)  # the cells' objects, in first appearance
        if 4 * len(distinct) <= n:
            head_codes, uniques = pd.factorize(values[_first_rows(cell)], sort=sort)
            return head_codes[cell], uniques
    elif n >= _RUNS_MIN_ROWS:  # another dtype: by runs of equal values
        try:
            starts = np.flatnonzero(np.asarray(values[1:] != values[:-1], dtype=bool)) + 1
        except (TypeError, ValueError):  # values whose comparison is not a bool
            starts = None
        if starts is not None and 4 * (len(starts) + 1) <= n:
            starts = np.r_[0, starts]
            head_codes, uniques = pd.factorize(values[starts], sort=sort)
            return np.repeat(head_codes, np.diff(np.r_[starts, n])), uniques
    return pd.factorize(values, sort=sort)


def cell_ids(values: np.ndarray) -> np.ndarray:
    """The addresses of an object array's cells, int64 ``(n,)``: equal where a cell holds
    the same object. Blocks compared on them, not by ``==`` on the objects (#21: 10–30 ms
    per 300,000-cell text column, four columns of four scenarios per duty frame); the
    pipeline's scenario blocks share one ``str`` per name, and a copy built apart only
    counts as different (the function is then evaluated on both blocks)."""
    a = np.ascontiguousarray(values, dtype=object)
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    # read in place while ``a`` holds the references, then copied: the ctypes buffer does
    # not keep ``a`` alive
    cells = (ctypes.c_ssize_t * len(a)).from_address(a.ctypes.data)
    return np.frombuffer(cells, dtype=np.intp).astype(np.int64, copy=True)


def column_at(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """``column.to_numpy()[rows]`` for integer positions ``rows``: the same array (a
    categorical's rows the same category objects), a categorical's codes taken first and
    only those rows written out (#21: the checks' fault table's categorical columns, 911,767
    rows at 10,000 buses, were written out whole as objects to take a part)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.array.take(np.asarray(rows, dtype=np.intp)))
    return column.to_numpy()[rows]


def text_isin(column: pd.Series, texts: set[str]) -> np.ndarray:
    """``column.astype(str).isin(texts).to_numpy()``: each distinct value's text tested once
    (a categorical's categories, an object column's values coded by
    :func:`factorize_runs`; #21: the zone rows' and base margins' scenario columns, 427,896
    rows at 10,000 buses, written out as text and hashed again)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        cats = column.cat.categories.tolist()
        if not len(codes) or codes.min() >= 0:
            return np.array([str(c) in texts for c in cats], dtype=bool)[codes]
    elif column.dtype == object:
        codes, uniques = factorize_runs(column.to_numpy())
        if not len(codes) or codes.min() >= 0:
            return np.array([str(u) in texts for u in uniques.tolist()], dtype=bool)[codes]
    return column.astype(str).isin(texts).to_numpy()


def as_text(column: pd.Series) -> pd.Series:
    """``column.astype(str)``; an object column whose distinct values are all ``str``
    as its values coded once (:func:`factorize_runs`): the same
    texts, no ``str`` per row (#21: two 1.8-million-row columns at 10,000 buses)."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # its categories' own str (#21)
        column = column.astype(object)
    if column.dtype == object:
        codes, uniques = factorize_runs(column.to_numpy())
        if (not len(codes) or codes.min() >= 0) and all(type(u) is str for u in uniques):
            return pd.Series(np.asarray(uniques, dtype=object)[codes], index=column.index,
                             name=column.name)
    if isinstance(column.dtype, pd.CategoricalDtype):  # the fault tables' keys (#21): each
        cats = np.asarray(column.cat.categories, dtype=object)  # category's str once, as
        codes = column.cat.codes.to_numpy()  # the engine's object columns held them
        if not (codes < 0).any() and all(type(u) is str for u in cats.tolist()):
            return pd.Series(cats[codes], index=column.index, name=column.name)
    return column.astype(str)


def is_text(column: pd.Series) -> bool:
    """Whether ``column.astype(str)`` is ``column`` cell for cell: an object column of
    ``str`` values only, none missing (decided on its distinct values,
    :func:`factorize_runs`)."""
    if column.dtype != object:
        return False
    codes, uniques = factorize_runs(column.to_numpy())
    return (not len(codes) or codes.min() >= 0) and all(type(u) is str for u in uniques)


def distinct_values(column: pd.Series) -> list:
    """``list(column.unique())``: the values in order of first appearance, coded once by
    runs (:func:`factorize_runs`) when none is missing."""
    if column.dtype == object:
        codes, uniques = factorize_runs(column.to_numpy())
        if not len(codes) or codes.min() >= 0:
            return list(uniques)
    return list(column.unique())


def rows_by_value(values: Any) -> Iterator[tuple[Any, np.ndarray]]:
    """``(value, rows)`` for every distinct non-missing value of ``values``, in sorted order of
    the values (as ``np.unique``), ``rows`` ascending (as ``np.flatnonzero(values == value)``).

    Parameters
    ----------
    values : array-like
        One key per row (device names, …); missing keys (None, NaN) belong to no group. A
        categorical (Series or Categorical) is grouped by its codes.
    """
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        # a categorical's own codes and categories (#21: the checks' device column, 911,767
        # rows at 10,000 buses, written out as objects and hashed again); a category
        # without rows is no group
        cat = pd.Categorical(values)
        codes, uniques = cat.codes.astype(np.int64), np.asarray(cat.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    if len(uniques) == 0:
        return
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    for k in sorted(range(len(uniques)), key=lambda j: uniques[j]):
        if bounds[k + 1] > bounds[k]:
            yield uniques[k], order[bounds[k]:bounds[k + 1]]


def labels_by_key(*parts: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rows of equal ``(parts[0][k], parts[1][k], …)`` as one group: ``(first, inverse)``,
    ``first`` the first row of each group and ``inverse`` each row's group, so that a
    per-row function of the parts is computed once per group: ``f(first)[inverse]``.

    Missing values are keyed by their ``str`` (None, NaN and pd.NA stay apart).
    """
    keyed = []
    for p in parts:
        arr = np.array(p, dtype=object)
        na = pd.isna(arr)
        if na.any():
            arr[na] = [str(x) for x in arr[na]]
        keyed.append(arr)
    _, first, inverse = np.unique(key_codes(keyed), return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def key_codes(columns: Iterable[np.ndarray]) -> np.ndarray:
    """One integer per row for the tuple of its values in ``columns`` (NaN, None equal to
    themselves, as ``groupby(dropna=False)``), numbered by first appearance: each column
    coded (an integer column by its offset from its minimum, others factorised), then
    combined in mixed radix by :func:`protv2g.text_codes.combine_code_stream` (#21: two
    factorisations per column, 0.4 s for the attribution's 18 columns at 10,000 buses).
    ``columns`` may be a generator: each column is then made, coded and let go in turn."""
    return combine_code_stream(_column_codes(values) for values in columns)


def _column_codes(values: np.ndarray) -> np.ndarray:
    """Codes ``0 … m − 1`` (int64) of one key column, equal values equal codes."""
    arr = np.asarray(values)
    if (arr.dtype.kind in "ib" or arr.dtype.kind == "u" and arr.dtype.itemsize < 8) \
            and len(arr):
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 2**31:
            return arr.astype(np.int64) - lo
    return factorize_all(values)[0].astype(np.int64)


def _mix(h: np.ndarray) -> None:
    """SplitMix64's finaliser, in place on uint64 ``h`` (Steele, Lea & Flood, "Fast
    splittable pseudorandom number generators", OOPSLA 2014): every input bit reaches the
    low bits the hash table reads. A multiply alone carries bits only upwards, and floats
    differ in their high bits: the hash table saw equal low bits (10,000 buses: 9 ms per
    30,000-row factorise instead of < 1 ms)."""
    with np.errstate(over="ignore"):
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)


def _bit_columns(arrays: tuple[Any, ...]) -> list[np.ndarray]:
    """Every ``(n,)`` array and every row of every ``(k, n)`` array as int64 bit patterns
    (float64 viewed, float32 viewed and widened): equal patterns are identical inputs."""
    cols = []
    for a in arrays:
        a = np.asarray(a)
        for c in (a,) if a.ndim == 1 else a:
            c = np.ascontiguousarray(c)
            if c.dtype == np.float32:
                c = c.view(np.int32)
            cols.append(c.view(np.int64) if c.dtype.itemsize == 8 else c.astype(np.int64))
    return cols


def distinct_rows(*arrays: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rows with bit-for-bit equal values in every array as one group: ``(first, inverse)``
    as :func:`labels_by_key` (``first`` ascending), for numeric ``(n,)`` and ``(k, n)``
    arrays (axis −1 = rows). Equal bits, not equal values: ``0.0`` and ``-0.0`` stay apart,
    a NaN meets the same NaN, so a per-row function gives the same output bits on every
    row of a group.

    One 64-bit hash per row (each column's bits mixed in, :func:`_mix`), factorised; the
    rows are then compared with their group's first row and, on a hash collision, grouped
    by :func:`key_codes` instead.
    """
    cols = _bit_columns(arrays)
    n = len(cols[0]) if cols else 0
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    h = np.full(n, 14695981039346656037, dtype=np.uint64)
    for c in cols:
        h ^= c.view(np.uint64)
        _mix(h)
    code = pd.factorize(h)[0].astype(np.int64)
    first = _first_rows(code)
    if not all(np.array_equal(c, c[first][code]) for c in cols):
        code = key_codes(cols)  # a collision: exact grouping
        first = _first_rows(code)
    return first, code


def _first_rows(code: np.ndarray) -> np.ndarray:
    """First row of every group of codes numbered in order of first appearance (as
    :func:`pandas.factorize` numbers them): where the running maximum grows, O(n)."""
    return np.flatnonzero(np.diff(np.maximum.accumulate(code), prepend=-1) > 0)


def per_distinct(fn: Any, *arrays: Any, min_share: float = 0.9) -> Any:
    """``fn(*arrays)`` for a function of the rows (axis −1) of numeric arrays that treats
    every row on its own, evaluated once per distinct row (:func:`distinct_rows`) and
    spread back: the same output bits, ``fn`` on fewer rows (#21). ``fn`` returns an
    ``(n,)`` array or a dict of them. Evaluated directly when more than ``min_share`` of
    the rows are distinct."""
    first, inverse = distinct_rows(*arrays)
    if len(first) > min_share * len(inverse):
        return fn(*arrays)
    out = fn(*(np.asarray(a)[..., first] for a in arrays))
    if isinstance(out, dict):
        return {k: np.asarray(v)[inverse] for k, v in out.items()}
    return np.asarray(out)[inverse]


def twin_blocks(labels: Any, columns: list[np.ndarray], stages: list[Any]
                ) -> tuple[np.ndarray, list[tuple[slice, slice]]] | None:
    """Blocks of rows (one per label, e.g. a scenario) that repeat an earlier block bit for
    bit: ``(rows, copies)``, ``rows`` the ascending positions of the blocks that repeat none
    (a per-row function evaluated there only) and ``copies`` the ``(block, earlier block)``
    slices to copy its outputs to; ``None`` when no block repeats or the labels do not come
    in one run each (the pipeline's tables do: one block per study scenario, #21).

    Two blocks repeat when they have the same length and every array of ``columns``
    (``(n,)``, axis 0 = rows) and of ``stages`` (``(k, n, …)``, axis 1 = rows; or a ``(stage
    array, row map)`` pair whose rows are ``array[:, row_map]``, two blocks with the same
    stage rows equal without reading them, #21) holds the same
    bits at the same place in the block (``0.0`` and ``-0.0`` apart, a NaN equal to the same
    NaN, as :func:`distinct_rows`): the study's scenarios that share a charger set (light and
    peak load) are copies of one engine block, found here by comparing, not by hashing
    every row."""
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iu":  # integer labels (a categorical's codes) compared as such
        arr = np.asarray(labels, dtype=object)
    n = len(arr)
    if n == 0:
        return None
    cut = np.flatnonzero(arr[1:] != arr[:-1]) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, n]
    if len(set(arr[starts].tolist())) != len(starts):
        return None  # a label in several runs
    blocks = [slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]
    keep: list[slice] = []
    copies: list[tuple[slice, slice]] = []
    for b in blocks:
        twin = next((k for k in keep if _same_block(b, k, columns, stages)), None)
        if twin is None:
            keep.append(b)
        else:
            copies.append((b, twin))
    if not copies:
        return None
    return np.concatenate([np.arange(b.start, b.stop) for b in keep]), copies


def _same_block(a: slice, b: slice, columns: list[np.ndarray], stages: list[Any]
                ) -> bool:
    """Rows ``a`` and ``b`` hold the same bits in every array (see :func:`twin_blocks`).

    Each array is compared on the blocks' first :data:`_PREFIX_ROWS` rows before all of
    them: blocks that differ mostly differ there, and were read whole (#21: the scenario
    blocks of 10,000 buses compared with every kept block, 0.3 s, most of them differing).
    The same answer: equal blocks have equal first rows."""
    if a.stop - a.start != b.stop - b.start:
        return False
    n = a.stop - a.start
    for c in columns:
        if not _rows_equal(_column_pair(c, a, b), n):
            return False
    for st in stages:
        rows = None
        if isinstance(st, tuple):  # (stage array, its row map): rows name their stage rows
            st, rows = st
            if rows is not None and np.array_equal(rows[a], rows[b]):
                continue  # the same stage rows: the same bits
        if not _rows_equal(_stage_pair(st, rows, a, b), n):
            return False
    return True


#: Rows of two blocks :func:`_same_block` compares first.
_PREFIX_ROWS = 4096


def _rows_equal(pair: Any, n: int) -> bool:
    """Whether the arrays ``pair(rows)`` gives for the blocks' ``rows`` (a slice of ``n``)
    hold the same bits: first on the leading :data:`_PREFIX_ROWS` rows, then on all."""
    if n > _PREFIX_ROWS and not _same_bits(*pair(slice(0, _PREFIX_ROWS))):
        return False
    return _same_bits(*pair(slice(None)))


def _same_bits(x: np.ndarray, y: np.ndarray) -> bool:
    """``x`` and ``y`` hold the same bits (floats compared as integers: ``0.0`` and ``-0.0``
    apart, a NaN equal to the same NaN)."""
    if x.dtype.kind == "f":
        x, y = x.view(f"i{x.itemsize}"), y.view(f"i{y.itemsize}")
    return bool(np.array_equal(x, y))


def _column_pair(c: np.ndarray, a: slice, b: slice) -> Any:
    """``rows -> (c[a][rows], c[b][rows])``: a column's two blocks (:func:`_rows_equal`)."""
    x, y = c[a], c[b]

    def pair(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        return x[rows], y[rows]
    return pair


def _stage_pair(st: np.ndarray, row_map: np.ndarray | None, a: slice, b: slice) -> Any:
    """``rows -> (stages of block a's rows, of block b's)``, axis 1 = rows, through the row
    map when there is one (only the rows asked for gathered)."""
    if row_map is None:
        x, y = st[:, a], st[:, b]

        def pair(rows: slice) -> tuple[np.ndarray, np.ndarray]:
            return x[:, rows], y[:, rows]
        return pair
    ra, rb = row_map[a], row_map[b]

    def mapped(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        return st[:, ra[rows]], st[:, rb[rows]]
    return mapped


def first_largest(frame: pd.DataFrame, keys: Sequence[str], value: np.ndarray) -> np.ndarray:
    """``frame[keys].assign(v=value).groupby(keys).v.idxmax().to_numpy()`` on a frame with a
    default index: per group in sorted key order, the first row of its largest ``value``.
    On the keys' sorted codes (#21: the groupby factorised the three text keys again per
    block of C7); NaN values, missing keys, keys of a pandas dtype (a categorical's order
    is its own) or far more key combinations than rows: that groupby itself."""
    codes = []
    for k in keys:
        v = frame[k].to_numpy()
        # by runs (:func:`factorize_runs`: the same codes, C7's blocks come device by device)
        c, uniques = (factorize_runs(v, sort=True) if v.dtype == object
                      else pd.factorize(v, sort=True))
        codes.append((c, max(len(uniques), 1)))
    value = np.asarray(value, dtype=float)
    n_groups = int(np.prod([m for _, m in codes], dtype=object))
    if np.isnan(value).any() or any((c < 0).any() for c, _ in codes) or not all(
            isinstance(frame[k].dtype, np.dtype) for k in keys) \
            or n_groups > 8 * len(value) + 4096:  # (key tables of every combination)
        keys = list(keys)
        return frame[keys].assign(_v=value).groupby(keys, observed=True)["_v"].idxmax().to_numpy()
    group = np.zeros(len(value), dtype=np.int64)
    for c, m in codes:  # lexicographic, as the groupby orders its groups
        group = group * m + c
    # each group's largest value, then its first row holding it (no sort: #21, a lexsort
    # per block of C7); a tie between 0.0 and -0.0 goes to the first, as idxmax's
    largest = np.full(n_groups, -np.inf)
    np.maximum.at(largest, group, value)
    top = np.flatnonzero(value == largest[group])
    first = np.full(n_groups, len(value), dtype=np.int64)
    np.minimum.at(first, group[top], top)
    return first[np.bincount(group, minlength=n_groups) > 0]


def columns_out(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Every column of ``frame`` (unique column names) as a Series, ``frame`` emptied of them
    in one step (its index kept): the columns are then held by the returned dict alone, each
    let go when the caller drops it — as popping them one by one lets each go, but without
    rebuilding the frame's blocks at every pop (#21: each ``pop`` or ``del`` remakes the
    frame's block list, O(columns) per column: 345 of them, ≈ 16 ms per 28-column frame,
    in the checks' concatenations at 10,000 buses)."""
    out = {c: frame[c] for c in frame.columns}
    frame.drop(columns=frame.columns, inplace=True)
    return out
