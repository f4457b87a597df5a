"""Row groups of a table by one key column, found once by hashing (#21).

The checks evaluate every device's curves on the rows of that device. Looping over
``np.unique(names)`` and selecting with ``names == name`` sorts the (object) column once and
scans it once per device: O(n log n + devices × n) string comparisons, the largest part of
the checks' time at utility scale. :func:`rows_by_value` factorises the column once (a hash
table, :func:`pandas.factorize`) and cuts one stable argsort of the integer codes into
groups: the same row sets, in the same order, in O(n log n) integer work.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["rows_by_value", "labels_by_key", "key_codes"]


def rows_by_value(values: Any) -> Iterator[tuple[Any, np.ndarray]]:
    """``(value, rows)`` for every distinct non-missing value of ``values``, in sorted order of
    the values (as ``np.unique``), ``rows`` ascending (as ``np.flatnonzero(values == value)``).

    Parameters
    ----------
    values : array-like
        One key per row (device names, …); missing keys (None, NaN) belong to no group.
    """
    arr = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    if len(uniques) == 0:
        return
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    for k in sorted(range(len(uniques)), key=lambda j: uniques[j]):
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


def key_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One integer per row for the tuple of its values in ``columns`` (NaN, None equal to
    themselves, as ``groupby(dropna=False)``): each column factorised, combined with the
    codes so far and factorised again (no overflow however many columns)."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for values in columns:
        c, uniques = pd.factorize(values, use_na_sentinel=False)
        code, _ = pd.factorize(code * max(len(uniques), 1) + c)
    return code.astype(np.int64)
