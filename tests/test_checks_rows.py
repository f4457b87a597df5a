"""Row grouping by hashing and per-label texts (#21): the same results as the per-row code
they replace (``np.unique`` + ``names == name``; a per-row join of boundary labels)."""

from __future__ import annotations

import numpy as np

from protv2g.checks._rows import labels_by_key, rows_by_value
from protv2g.checks.tolerance import INSIDE, combine_boundaries


def _reference_combine(*parts: np.ndarray) -> np.ndarray:
    """The per-row join the vectorised combine_boundaries replaced (kept as the reference)."""
    out = np.empty(len(parts[0]), dtype=object)
    for k in range(len(parts[0])):
        labels = [str(p[k]) for p in parts if str(p[k])]
        out[k] = "; ".join(labels) if labels else INSIDE
    return out


def test_rows_by_value_matches_unique_and_flatnonzero():
    rng = np.random.default_rng(0)
    names = rng.choice(np.array(["FU-3", "R-HEAD", "RC-1", "FU-10"], dtype=object), 500)
    got = list(rows_by_value(names))
    assert [v for v, _ in got] == list(np.unique(names))
    for value, idx in got:
        np.testing.assert_array_equal(idx, np.flatnonzero(names == value))


def test_rows_by_value_skips_missing_and_empty():
    names = np.array(["a", None, "b", float("nan"), "a"], dtype=object)
    got = {v: idx.tolist() for v, idx in rows_by_value(names)}
    assert got == {"a": [0, 4], "b": [2]}
    assert list(rows_by_value(np.array([], dtype=object))) == []


def test_combine_boundaries_matches_per_row_join():
    rng = np.random.default_rng(1)
    pool = np.array(["", "", "", "FU-1 tc: table_end", "RC-2 delayed: asymptote", None,
                     float("nan")], dtype=object)
    a, b, c = (rng.choice(pool, 2000) for _ in range(3))
    for parts in ((a,), (a, b), (a, b, c)):
        got = combine_boundaries(*parts)
        assert got.dtype == object
        np.testing.assert_array_equal(got, _reference_combine(*parts))
    assert len(combine_boundaries(np.array([], dtype=object))) == 0


def test_labels_by_key_groups_equal_tuples():
    x = np.array(["a", "b", "a", "a", None], dtype=object)
    y = np.array(["", "", "", "z", float("nan")], dtype=object)
    first, inverse = labels_by_key(x, y)
    keys = [(str(x[k]), str(y[k])) for k in range(len(x))]
    assert len(first) == len(set(keys))
    for k in range(len(x)):
        assert keys[first[inverse[k]]] == keys[k]
