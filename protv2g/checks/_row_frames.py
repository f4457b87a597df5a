"""Row frames of the checks: empty and one-row frames (``not_evaluated``/``not_applicable``),
their concatenation (a memory-lean one for frames nothing else holds), the violation rows'
order and the time text of a message. Plain data in and out; re-exported by
:mod:`protv2g.checks._common`, where the check modules have always imported them from."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._rows import columns_out, factorize_runs
from protv2g.checks._violation_rows import violation_rows
from protv2g.criteria import order
from protv2g.messages import MessageArray, as_messages, is_messages
from protv2g.violations import STATUS_ORDER, CheckStatus

__all__ = ["NOT_CONVERGED_FIX", "Gather", "concat", "concat_owned", "concat_taken", "could_not",
           "empty", "fmt_s",
           "gathered", "gathered_codes", "not_applicable", "small_code_type", "sort_coded",
           "sort_rows", "take_columns", "unsolved_flow"]

#: A frame's rows as positions in it and the columns given anew (:func:`concat_taken`).
Gather = tuple[np.ndarray, dict[str, np.ndarray]]
#: A frame's columns by name, taken out of it (:func:`~protv2g.checks._rows.columns_out`).
Columns = dict[str, pd.Series]


def empty() -> pd.DataFrame:
    """No rows, right columns (a copy of one frame built once: #21, 11 calls per study)."""
    return _empty().copy()


@functools.cache
def _empty() -> pd.DataFrame:
    return violation_rows("", CheckStatus.INFO, frame=pd.DataFrame(index=[]))


#: What to do about a flow that did not converge, said on each ``not_evaluated`` row of it.
#: protv2g already solves every flow with at least 100 iterations and 100 control iterations
#: (``protv2g.network.dss_compile.RETRY_ITERATIONS``, or the model's own where larger;
#: tests/test_not_converged_once.py holds the two equal), so "Set maxiterations=100" helped
#: no one (review rev40a F, EPRI J1 at 10 MW, whose master sets 100 already): more
#: iterations help a flow that is slow to settle (rev40a: OpenDSS solved J1's 10 MW of
#: charging at peak load in 212 iterations and 56 control iterations); one that still fails
#: has no steady state at that power in the model.
NOT_CONVERGED_FIX = (
    "Fix: protv2g solved it with at least 100 iterations and 100 control iterations (the "
    "model's own where larger); a slow flow converges with more (a redirect: `Set "
    "maxiterations=500 maxcontroliter=500`); one that still fails has no steady state at "
    "that power in the model (voltage collapse: check it in OpenDSS) — leave that export "
    "level out (scenarios.export_levels_fraction) or study a smaller site")


def could_not(criterion: str, what: str, device: str = "", scenario: str = "") -> pd.DataFrame:
    """A ``not_evaluated`` row: the check could not be evaluated (``what`` says why)."""
    return violation_rows(criterion, CheckStatus.NOT_EVALUATED, device=device,
                          scenario=scenario, message=f"could not evaluate {criterion}: {what}")


def unsolved_flow(criterion: str, table: pd.DataFrame, value: str, what: str
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flow steps that did not converge, as ``not_evaluated`` rows, and ``table`` without
    them.

    A step whose power flow did not converge has every row's ``value`` NaN (the OpenDSS
    flow fills it so, :mod:`protv2g.flow.opendss_tables`; a dead bus or element alone is NaN
    in its own rows only). Such a step is not a pass: one row per scenario names its steps
    (review s20: a depot behind its own YNd transformer on EPRI ckt5 left one scenario
    unsolved, and C8 failed with a ``KeyError`` where it should have said so).

    Parameters
    ----------
    table : DataFrame
        A flow table with ``scenario``, ``value`` and optionally ``step``.
    what : str
        What the criterion cannot judge there (``"device load currents"``).

    Returns
    -------
    (rows, solved) : tuple of DataFrame
    """
    keys = ["scenario", "step"] if "step" in table.columns else ["scenario"]
    nan = table[value].isna()
    if not nan.any():
        return empty(), table
    per_step = nan.groupby([table[k] for k in keys], sort=False, observed=True).all()
    bad = per_step[per_step]
    if bad.empty:
        return empty(), table
    steps: dict[str, list[str]] = {}
    for key in bad.index:
        key = key if isinstance(key, tuple) else (key,)
        steps.setdefault(str(key[0]), []).append(str(key[1]) if len(key) > 1 else "")
    rows = [could_not(criterion, f"the power flow of scenario {s} did not converge"
                      + (f" (step {', '.join(k for k in st if k)})" if any(st) else "")
                      + f": its {what} are not known there. {NOT_CONVERGED_FIX}",
                      scenario=s) for s, st in steps.items()]
    index = pd.MultiIndex.from_frame(table[keys]) if len(keys) > 1 else pd.Index(
        table[keys[0]])
    drop = index.isin(bad.index)
    return concat(rows), table[~drop]


def not_applicable(criterion: str, why: str) -> pd.DataFrame:
    """A ``not_applicable`` row: the study has nothing the criterion applies to."""
    return violation_rows(criterion, CheckStatus.NOT_APPLICABLE,
                          message=f"{criterion} not applicable: {why}")


def concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate row frames (empty frames dropped)."""
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty()


def concat_owned(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`concat` of frames nothing else holds, column by column, each dropped once
    copied (emptied): held once, not twice (#21: C5's rows at 10,000 buses, +88 MiB; the
    criteria's rows in :func:`protv2g.checks.check_study`, ≈ 120 MB). With the same columns
    in all (in any order: the first frame's order kept, as :func:`pandas.concat` keeps it),
    a column of one NumPy dtype in every frame is the arrays one after the other as
    :func:`pandas.concat` makes it, any other column pandas' concatenation of that column
    alone (its dtype rules are column by column); other frames: :func:`concat` (#21: C5's
    zone rows carry ``_reach_key`` before the pair rows' element columns, the other
    criteria's rows after them, and the fault rows, 208,701 at 10,000 buses, went through
    :func:`pandas.concat` as a whole)."""
    frames = [f for f in frames if f is not None and len(f)]
    if len(frames) < 2:
        return concat(frames)
    columns = list(frames[0].columns)
    if frames[0].columns.has_duplicates or any(
            list(f.columns) != columns and (len(f.columns) != len(columns)
                                            or set(f.columns) != set(columns))
            for f in frames):
        return concat(frames)
    # the frames emptied at once, their columns held here and each let go once copied (#21:
    # popped one by one, every pop remade each frame's block list)
    held = [columns_out(f) for f in frames]
    data = {}
    for c in columns:
        parts = [h.pop(c) for h in held]
        dtypes = [p.dtype for p in parts]
        if all(isinstance(d, np.dtype) and d == dtypes[0] for d in dtypes):
            data[c] = np.concatenate([p.to_numpy() for p in parts])
        else:
            col = pd.concat([p.to_frame() for p in parts], ignore_index=True)[c]
            data[c] = col.to_numpy() if isinstance(col.dtype, np.dtype) else col.array
        del parts
    return pd.DataFrame(data, columns=columns, copy=False)


def concat_taken(frames: list[pd.DataFrame], rows: np.ndarray,
                 gathers: Sequence[Gather | None] | None = None,
                 finish: Callable[[str, np.ndarray], Any] | None = None,
                 categorical: Collection[str] = (),
                 known: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
                 ) -> pd.DataFrame | None:
    """``concat_owned(frames).take(rows)`` with a default index, ``rows`` a permutation of
    the concatenation's positions: each column scattered from each frame straight to its
    places, one pass (#21: the concatenation and then the sorted take each copied the
    489,846 violation rows of the 10,000-bus study), each frame's column dropped once
    placed (the frames are emptied). None, the frames untouched, unless every frame has the
    same columns, each of one NumPy dtype in all (a message column: object or
    :class:`~protv2g.messages.MessageArray` in each, concatenated as messages and taken).

    ``gathers``: per frame, None or ``(at, new)``: that frame's rows are then
    ``frame.take(at)`` with the columns ``new`` (same dtypes) in place of its own, taken
    here column by column (#21: the twin scenarios' violation rows,
    :func:`protv2g.checks.distinct_blocks.expansion`, never made as a frame of their own).

    ``finish(column, array)``: what each column is kept as once placed (e.g. a categorical,
    :func:`protv2g.checks._compact.text_category`), before the next column is made (#21: the
    17 repetitive text columns' pointers, 63 MiB at 10,000 buses, never held at once).

    ``categorical``: columns kept as :func:`protv2g.checks._compact.text_category` keeps
    them (``finish`` is not called for them): where every frame's values are ``str`` with
    none missing, a :class:`pandas.Categorical` made from each frame's codes
    (:func:`_coded_column`) — the same categories, codes and values as ``text_category`` of
    the placed object column, but no object column placed and coded again (#21: 17 columns
    of 489,195 rows at 10,000 buses); any other column placed and finished as above.
    ``known``: :func:`gathered_codes` of some of them, already made on these frames and
    gathers (the sort keys', #21: coded twice), any integer dtype."""
    known = known or {}
    keep = [k for k, f in enumerate(frames) if f is not None and len(f)]
    frames = [frames[k] for k in keep]
    gathers = [None] * len(frames) if gathers is None else [gathers[k] for k in keep]
    if not frames:
        return None
    columns = list(frames[0].columns)
    if frames[0].columns.has_duplicates or any(list(f.columns) != columns for f in frames):
        return None
    dtypes = [f.dtypes.tolist() for f in frames]
    # message columns (:class:`~protv2g.messages.MessageArray` in one frame at least, object
    # in the others) concatenated as messages and taken, their texts not written (#21)
    lazy = {c for j, c in enumerate(columns) if any(is_messages(f[c]) for f in frames)
            and all(is_messages(f[c]) or d[j] == np.dtype(object) for f, d in zip(frames, dtypes,
                                                                         strict=True))}
    if any(not (c in lazy or (isinstance(dtypes[0][j], np.dtype)
                              and all(d[j] == dtypes[0][j] for d in dtypes)))
           for j, c in enumerate(columns)):
        return None
    if any(g is not None and any((not (is_messages(v) or np.asarray(v).dtype == object))
                                 if c in lazy else np.asarray(v).dtype != frames[0][c].dtype
                                 for c, v in g[1].items()) for g in gathers):
        return None
    sizes = [len(f) if g is None else len(g[0]) for f, g in zip(frames, gathers, strict=True)]
    n = sum(sizes)
    place = np.empty(n, dtype=np.int64)
    place[np.asarray(rows, dtype=np.int64)] = np.arange(n)
    bounds = np.cumsum([0, *sizes])
    # the frames emptied at once, their columns held here and each let go once placed (#21:
    # popped one by one, every pop remade each frame's block list)
    held = [columns_out(f) for f in frames]
    data = {}
    for c, dtype in zip(columns, dtypes[0], strict=True):
        if c in lazy:
            parts = []
            for h, g in zip(held, gathers, strict=True):
                values = as_messages(h.pop(c))
                parts.append(values if g is None else as_messages(g[1][c]) if c in g[1]
                             else values.take(g[0]))
            data[c] = MessageArray._concat_same_type(parts).take(rows)
            del parts
            continue
        if c in categorical and dtype == np.dtype(object):
            coded = _coded_column(held, gathers, c, place, bounds, known.get(c))
            if coded is not None:
                data[c] = coded
                continue
        out = np.empty(n, dtype=dtype)
        for h, g, a, b in zip(held, gathers, bounds[:-1], bounds[1:], strict=True):
            values = h.pop(c).to_numpy()
            out[place[a:b]] = (values if g is None else g[1][c] if c in g[1]
                               else values.take(g[0]))
            del values
        data[c] = out if finish is None else finish(c, out)
        del out
    return pd.DataFrame(data, columns=columns, copy=False)


def _coded_column(frames: list[Columns], gathers: list[Gather | None], column: str,
                  place: np.ndarray, bounds: np.ndarray,
                  coded: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> pd.Categorical | None:
    """``text_category`` (:mod:`protv2g.checks._compact`) of the object column
    :func:`concat_taken` would place, made from codes (:func:`gathered_codes`) put in their
    places: the categories the distinct texts sorted as ``sorted`` sorts ``str``, codes of
    the smallest integer type that holds them — :func:`protv2g.engine.key_columns.
    key_column`'s. Each frame's column is dropped once coded (the frames are emptied of
    it). None, the frames untouched, when a value is missing or not a ``str``
    (``text_category`` keeps such a column as objects).

    ``frames``: each frame's columns (:func:`~protv2g.checks._rows.columns_out`), ``column``
    dropped from each once coded. ``place``: ``(n,)`` the output position of each row of the
    frames one after the other; ``bounds``: ``(frames + 1,)`` where each frame's rows start
    in that order; ``coded``: :func:`gathered_codes` of the column when already made."""
    coded = gathered_codes(frames, gathers, column) if coded is None else coded
    if coded is None:
        return None
    codes, cats = coded
    # placed straight in the smallest type that holds them (#21: an int64 column and its
    # cast per column); renumbered below when some category is on no row
    out = np.empty(len(place), dtype=small_code_type(len(cats)))
    out[place[bounds[0]:bounds[-1]]] = codes
    del codes, coded
    for f in frames:
        del f[column]
    used = np.bincount(out, minlength=len(cats)) > 0
    if not used.all():  # a frame's value on none of its gathered rows
        cats = cats[used]
        out = (np.cumsum(used) - 1)[out].astype(small_code_type(len(cats)))
    return pd.Categorical.from_codes(out, categories=pd.Index(cats, dtype=object),
                                     validate=False)


def small_code_type(n_categories: int) -> type:
    """The smallest of int8, int16, int32 that holds the codes of ``n_categories``
    (:func:`protv2g.engine.key_columns.key_column`'s choice)."""
    return next(t for t in (np.int8, np.int16, np.int32) if n_categories <= np.iinfo(t).max)


def gathered_codes(frames: Sequence[pd.DataFrame | Columns],
                   gathers: Sequence[Gather | None],
                   column: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``column`` of the frames' rows one after the other, each frame's as
    :func:`gathered` reads it, as codes: ``(codes, texts)``, ``codes`` ``(n,)`` int64 into
    ``texts``, the distinct texts sorted as ``sorted`` sorts ``str`` (object array; some
    may be on no row when a gather leaves them out). Each frame's values (or its gather's)
    coded in their own order by :func:`~protv2g.checks._rows.factorize_runs` (blocks of
    equal cells, #21: no object column of all the rows made and coded). None when a frame's
    column is not of objects, or a value is missing or not a ``str``."""
    parts = []
    for f, g in zip(frames, gathers, strict=True):
        if g is not None and column in g[1]:
            values = np.asarray(g[1][column])
            if values.dtype != object:
                return None
            codes, uniques = factorize_runs(values)
        else:
            if f[column].dtype != object:
                return None
            codes, uniques = factorize_runs(f[column].to_numpy())
            if g is not None:
                codes = codes.take(g[0])
        if (len(codes) and codes.min() < 0) or not all(type(u) is str
                                                       for u in uniques.tolist()):
            return None
        parts.append((codes, uniques))
    every = np.concatenate([np.asarray(u, dtype=object) for _, u in parts])
    cats, inverse = np.unique(every, return_inverse=True)  # sorted as Python sorts str
    inverse = inverse.reshape(-1).astype(np.int64)
    out, start = [], 0
    for codes, uniques in parts:
        out.append(inverse[start:start + len(uniques)][codes])
        start += len(uniques)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64), cats


def gathered(frame: pd.DataFrame, gather: Gather | None, column: str) -> np.ndarray:
    """``column`` of ``frame``'s rows as :func:`concat_taken` reads them under ``gather``."""
    if gather is None:
        return frame[column].to_numpy()
    at, new = gather
    return new[column] if column in new else frame[column].to_numpy().take(at)


def fmt_s(t: float) -> str:
    """A time for a message: ``0.41 s`` / ``does not operate``."""
    return "does not operate" if not math.isfinite(t) else f"{t:.3g} s"


def sort_rows(criterion: pd.Series, status: pd.Series, scenario: pd.Series) -> np.ndarray:
    """Positions of the violation rows in their order (criterion in catalogue order, status,
    scenario; stable), found on the three sort keys alone, the rows then taken once (#21:
    the assign, sort, drop, reset_index and column selection each copied the 472,765-row
    table of the 10,000-bus study, the checks' peak)."""
    o = _ranks(criterion, order)
    s = _ranks(status, lambda s: STATUS_ORDER.get(s, 9))
    codes, distinct = _text_codes(scenario) if scenario.dtype == object else (None, None)
    if codes is not None and len(codes) and isinstance(distinct, np.ndarray) \
            and all(type(d) is str for d in distinct.tolist()):
        # the scenario texts by their sorted ranks (#21: the stable sort of the 489,286-row
        # key frame compared the object column's texts): one stable lexicographic sort of
        # three integer keys, the same order as ``sort_values`` of the texts
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[np.argsort(distinct.astype(str), kind="stable")] = np.arange(len(distinct))
        return np.lexsort((rank[codes], s, o))
    keys = pd.DataFrame({"_o": o, "_s": s, "scenario": scenario.to_numpy()})
    return keys.sort_values(["_o", "_s", "scenario"], kind="stable").index.to_numpy()


def sort_coded(criterion: tuple[np.ndarray, np.ndarray], status: tuple[np.ndarray, np.ndarray],
               scenario: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """:func:`sort_rows` of the three keys as :func:`gathered_codes` gives them (codes into
    sorted distinct texts): the same positions, found on the codes (#21: the keys' 489,195
    object cells at 10,000 buses gathered and coded again)."""
    return np.lexsort((scenario[0], _places(status, lambda s: STATUS_ORDER.get(s, 9)),
                       _places(criterion, order)))


def _places(coded: tuple[np.ndarray, np.ndarray], key: Callable[[str], Any]) -> np.ndarray:
    """:func:`_ranks` of a column given as ``(codes, texts)``."""
    codes, texts = coded
    keys = [key(d) for d in texts.tolist()]
    place = {k: i for i, k in enumerate(sorted(set(keys)))}  # equal keys share a place
    return np.array([place[k] for k in keys], dtype=np.int64)[codes]


def take_columns(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.take(rows)`` with a default index, column by column, each column of
    ``frame`` dropped once taken (``frame`` is emptied): the table is held about once, not
    twice (#21: the sorted copy of the 472,765 rows at 10,000 buses was the checks' peak)."""
    columns = list(frame.columns)
    data = {c: _take(frame.pop(c), rows) for c in columns}
    return pd.DataFrame(data, columns=columns, copy=False)


def _take(column: pd.Series, rows: np.ndarray) -> Any:
    """``column.array.take(rows)``; a NumPy column's as its ndarray (the frame built from a
    pandas ``NumpyExtensionArray`` scans it for missing values, #21: 0.5 s at 10,000 buses,
    an object column's strings one by one)."""
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy().take(rows)
    return column.array.take(rows)


def _ranks(values: pd.Series, key: Callable[[str], Any]) -> np.ndarray:
    """Per row, the place of its value among the column's distinct values sorted by ``key``:
    ``(n,)`` ints, ``key`` called once per distinct value (#21: ``Series.map`` called it per
    row — 10,249 rows on the IEEE 8500, 0.35 s)."""
    codes, distinct = _text_codes(values)
    keys = [key(d) for d in distinct]
    place = {k: i for i, k in enumerate(sorted(set(keys)))}  # equal keys share a place
    return np.array([place[k] for k in keys], dtype=np.int64)[codes]


def _text_codes(values: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(values.astype(str))``: an object column of ``str`` only (none missing)
    coded as it is, by runs (:func:`~protv2g.checks._rows.factorize_runs`; #21: the
    criterion and status columns of 489,846 rows at 10,000 buses, each written out as text
    and hashed); the same codes and texts."""
    if values.dtype == object:
        codes, distinct = factorize_runs(values.to_numpy())
        if (not len(codes) or codes.min() >= 0) and all(type(d) is str for d in distinct):
            return codes, distinct
    return pd.factorize(values.astype(str))
