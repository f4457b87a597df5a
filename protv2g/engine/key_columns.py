"""The fault and device tables' key columns as categoricals (#21: memory).

The bus and device fault tables repeat a few labels over millions of rows: ``scenario`` (a
handful), ``device`` (tens), ``fault_type`` and ``case`` (a few), ``bus_name`` /
``fault_bus_name`` (one per fault bus). As object columns each costs 8 bytes a row of
pointers (13.9 MiB per column of the 10,000-bus device table's 1.8 million rows); as a
:class:`pandas.Categorical` it costs its integer codes (1–2 bytes a row) and the labels once.

Every key column here is made **from codes** (the engine's own axis positions), never by
converting an object column, and its categories are the distinct labels **sorted lexically**
(Python's ``str`` order, as ``sort_values`` orders an object column): a sort or a
``groupby(sort=True)`` over a key column orders its rows as it did on the object column.
Readers group with ``observed=True`` (pandas' default ``observed=False`` makes a group of
every category, rows or not) and compare values, not codes.

Frames whose key columns have different categories are concatenated by
:func:`concat_keyed`, which gives each such column the union of the categories first
(``pd.concat`` makes them object columns otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KEY_COLUMNS", "concat_keyed", "key_column", "mapped_codes"]

#: The key columns of the bus and device fault tables made categorical here.
KEY_COLUMNS = ("scenario", "device", "bus_name", "fault_bus_name", "fault_type", "case")


def key_column(labels: Sequence[Any] | np.ndarray, codes: np.ndarray
               ) -> pd.Categorical | np.ndarray:
    """The column whose row ``r`` is ``labels[codes[r]]``, as a categorical.

    Parameters
    ----------
    labels : sequence of str, shape (k,)
        The labels the codes index (repeats allowed: equal labels become one category).
    codes : numpy.ndarray of int, shape (n,)
        Each row's position in ``labels``, ``0 ≤ codes < k``.

    Returns
    -------
    pandas.Categorical or numpy.ndarray
        ``(n,)`` categorical whose categories are the distinct labels sorted lexically (the
        order ``sort_values`` gives the object column) and whose codes are the smallest
        integer type that holds them (int8 up to 127 categories, int16 up to 32,767);
        an object array ``labels[codes]`` as before when a label is not a ``str`` (``None``,
        a number: no lexical order to give them).

    Examples
    --------
    >>> col = key_column(["max", "min"], np.array([1, 0, 1]))
    >>> list(col), list(col.categories), col.codes.dtype.name
    (['min', 'max', 'min'], ['max', 'min'], 'int8')
    """
    lab = np.empty(len(labels), dtype=object)
    lab[:] = list(labels)
    codes = np.asarray(codes)
    if not all(isinstance(x, str) for x in lab):
        return lab[codes]
    lab[:] = [str(x) for x in lab]  # plain str (a NumPy str_ label too)
    cats, inverse = np.unique(lab, return_inverse=True)  # sorted as Python sorts str
    small = next(t for t in (np.int8, np.int16, np.int32) if len(cats) <= np.iinfo(t).max)
    return pd.Categorical.from_codes(inverse.ravel().astype(small)[codes],  # no int64 copy
                                     categories=pd.Index(cats, dtype=object), validate=False)


def concat_keyed(frames: Sequence[pd.DataFrame], **kwargs: Any) -> pd.DataFrame:
    """``pd.concat(frames, **kwargs)`` that keeps every categorical column categorical.

    A column categorical in every frame gets the union of the frames' categories (sorted
    lexically, :func:`key_column`'s order) before the concatenation: ``pd.concat`` turns
    categoricals whose categories differ into an object column (the same values either way).
    Other columns are concatenated as ``pd.concat`` does.
    """
    frames = list(frames)
    if len(frames) < 2:
        return pd.concat(frames, **kwargs)
    cols = [c for c in frames[0].columns
            if all(c in f.columns and isinstance(f[c].dtype, pd.CategoricalDtype)
                   for f in frames)]
    out = []
    for c in cols:
        cats = [f[c].cat.categories for f in frames]
        if all(x.equals(cats[0]) for x in cats[1:]):
            continue
        union = pd.Index(np.unique(np.concatenate([np.asarray(x, dtype=object) for x in cats])),
                         dtype=object)
        out.append((c, union))
    if out:
        frames = [f.copy(deep=False) for f in frames]
        for f in frames:
            for c, union in out:
                f[c] = f[c].cat.set_categories(union)
    return pd.concat(frames, **kwargs)


def mapped_codes(column: pd.Series, mapping: Mapping[Any, Any], dtype: Any = np.int64
                 ) -> np.ndarray:
    """``column.map(mapping).to_numpy(dtype)`` of an object or categorical column, on the
    categories for a categorical (one look-up per category, not per row)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        of_cat = np.array([mapping[x] for x in column.cat.categories], dtype=dtype)
        return of_cat[column.cat.codes.to_numpy()]
    return column.map(mapping).to_numpy(dtype)
