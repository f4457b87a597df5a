"""The violation table's repetitive text columns held as categoricals (#21).

A 10,000-bus study has 489,286 violation rows; 17 of its text columns repeat a few values
(``criterion`` 7 distinct, ``status`` 3, ``scenario`` 9, ``device`` 57, ``fault_bus`` 9,615 …)
and held as object arrays each cost 8 bytes a row of pointers (3.7 MiB a column, ≈ 63 MiB
for the 17), ``bracket`` besides 140,504 separate ``str``. As a
:class:`pandas.Categorical` a column is 1–2 bytes a row and each distinct text once.

The categories are the column's distinct texts sorted as Python sorts ``str`` (code point
order), so that ``sort_values``, ``sort_index`` and ``groupby(sort=True)`` order the rows as
they ordered the object column; the values, ``astype(str)``, ``==``, ``isin``,
``to_numpy()`` and ``tolist()`` are those of the object column (the same ``str`` objects).
A column that holds anything but ``str`` (a missing value, a number) is left an object
column: a categorical would write a missing value as ``nan`` where the object column
held ``None``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._rows import column_at, columns_out, factorize_runs
from protv2g.engine.key_columns import key_column
from protv2g.messages import as_messages, is_messages

__all__ = ["CATEGORY_COLUMNS", "category_at", "compact_violations", "text_category"]

#: Violation columns (:data:`protv2g.violations.VIOLATION_COLUMNS`) held as categoricals: the
#: text columns that repeat their values (``message``, one text per row, is not among them).
CATEGORY_COLUMNS = frozenset({
    "criterion", "status", "attribution", "scenario", "fault_bus", "fault_type", "case",
    "device", "other_device", "margin_unit", "rule", "rule_source", "data_boundary",
    "bracket", "mechanism", "input_basis", "input_todo", "judged_start",
    "directional_element", "oc_element"})


def text_category(values: Any) -> Any:
    """An ``(n,)`` object array of ``str`` as a :class:`pandas.Categorical` of the same texts,
    its categories sorted (code point order, as ``sorted`` sorts ``str``); anything else —
    another dtype, a missing value, a non-``str`` cell — returned as it is.

    Codes by :func:`protv2g.checks._rows.factorize_runs` (the rows come in blocks), the
    categorical by :func:`protv2g.engine.key_columns.key_column` (the fault tables' key
    columns' builder); the categories are the column's own ``str`` objects."""
    if not isinstance(values, np.ndarray) or values.dtype != object:
        return values
    codes, distinct = factorize_runs(values)
    if (len(codes) and codes.min() < 0) or not all(type(d) is str for d in distinct):
        return values
    return key_column(distinct, codes)


def category_at(column: pd.Series, rows: np.ndarray) -> Any:
    """``text_category(column_at(column, rows))``: a categorical column of ``str`` categories
    read off its codes (the categories the rows use, renumbered; :func:`key_column` sorts
    them), its rows never written out as objects and hashed again (#21: the per-bus tables
    of C5's 204,561 grouped rows at 10,000 buses); any other column as
    :func:`text_category` makes it."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = np.asarray(column.cat.categories, dtype=object)
        codes = column.cat.codes.to_numpy()[np.asarray(rows, dtype=np.intp)]
        if (not len(codes) or codes.min() >= 0) and all(type(c) is str for c in cats.tolist()):
            present = np.flatnonzero(np.bincount(codes, minlength=len(cats)))
            remap = np.full(len(cats), -1, dtype=np.int64)
            remap[present] = np.arange(len(present))
            return key_column(cats[present], remap[codes])
    return text_category(column_at(column, rows))


def compact_violations(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its :data:`CATEGORY_COLUMNS` object columns as :func:`text_category`
    makes them, the other columns as they are (not copied); ``frame`` is emptied (each column
    dropped once converted: the table is not held twice); the ``message`` column a
    :class:`~protv2g.messages.MessageArray` (its texts written when read). Equal in value to
    ``frame``
    (``assert_frame_equal(check_dtype=False, check_categorical=False)``)."""
    if not frame.columns.is_unique:
        return frame
    index = frame.index
    columns = list(frame.columns)
    held = columns_out(frame)  # emptied at once (#21: a pop per column remade its blocks)
    data = {}
    for c in columns:
        col = held.pop(c)
        data[c] = (text_category(col.to_numpy()) if c in CATEGORY_COLUMNS
                   and col.dtype == object else
                   as_messages(col) if c == "message" and (col.dtype == object
                                                           or is_messages(col)) else
                   col.to_numpy() if isinstance(col.dtype, np.dtype) else col.array)
    out = pd.DataFrame(data, columns=columns, index=index, copy=False)
    out.attrs = frame.attrs
    return out
