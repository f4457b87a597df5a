"""Row grouping by hashing and per-label texts (#21): the same results as the per-row code
they replace (``np.unique`` + ``names == name``; a per-row join of boundary labels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks._rows import (
    distinct_rows,
    factorize_all,
    key_codes,
    labels_by_key,
    per_distinct,
    rows_by_value,
    twin_blocks,
)
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


def test_distinct_rows_groups_bit_equal_rows():
    rng = np.random.default_rng(2)
    base = rng.choice(np.array([0.0, -0.0, 1.5, np.nan, np.inf, 3e-300]), (3, 400))
    f32 = rng.choice(np.array([0.0, 2.5, np.nan], dtype=np.float32), 400)
    first, inverse = distinct_rows(base, base[0], f32)
    assert np.all(np.diff(first) > 0)
    cols = np.vstack([base, base[:1], f32.astype(float)])
    keys = [cols[:, k].tobytes() for k in range(cols.shape[1])]
    assert len(first) == len(set(keys))  # -0.0 apart from 0.0, NaN with NaN
    for k in range(400):
        assert keys[first[inverse[k]]] == keys[k]
    assert [len(x) for x in distinct_rows(np.zeros(0))] == [0, 0]


def test_per_distinct_equals_direct_call():
    rng = np.random.default_rng(3)
    i_p = rng.choice(np.array([10.0, 200.0, 4000.0, np.nan]), 1000)
    i_g = rng.choice(np.array([0.0, 50.0, 900.0]), 1000)

    def times(p, g):
        with np.errstate(invalid="ignore", divide="ignore"):
            return {"t_s": 0.14 / ((p / 100.0) ** 0.02 - 1.0) + g / (g + 1.0),
                    "flag": np.where(p > g, "phase", "ground")}

    got, want = per_distinct(times, i_p, i_g), times(i_p, i_g)
    for k in want:
        np.testing.assert_array_equal(got[k], want[k])
        assert got[k].dtype == want[k].dtype
    np.testing.assert_array_equal(per_distinct(lambda p: 2 * p, i_p), 2 * i_p)


def test_distinct_rows_exact_on_hash_collisions(monkeypatch):
    import protv2g.checks._rows as rows

    def collide(h):  # every row the same hash: the check against the first row must regroup
        h[:] = 7

    x = np.array([1.0, 2.0, 1.0, np.nan, 2.0, np.nan, -0.0, 0.0])
    y = np.array([5, 5, 5, 6, 6, 6, 1, 1], dtype=np.float32)
    want = distinct_rows(x, y)
    monkeypatch.setattr(rows, "_mix", collide)
    got = distinct_rows(x, y)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[0], [0, 1, 3, 4, 6, 7])


def test_twin_blocks_finds_repeated_scenarios_bit_for_bit():
    rng = np.random.default_rng(3)
    n = 7
    a, b = rng.random(n), rng.random(n)
    stages = rng.random((2, 4 * n)).astype(np.float32)
    labels = np.array(["base/light"] * n + ["base/peak"] * n + ["v2g/light"] * n
                      + ["v2g/peak"] * n, dtype=object)
    cur = np.concatenate([a, a, b, b])
    stages[:, n:2 * n] = stages[:, :n]
    stages[:, 3 * n:] = stages[:, 2 * n:3 * n]
    rows, copies = twin_blocks(labels, [cur], [stages])
    np.testing.assert_array_equal(rows, np.r_[0:n, 2 * n:3 * n])
    assert [(d.start, s.start) for d, s in copies] == [(n, 0), (3 * n, 2 * n)]
    # one bit apart (-0.0 against 0.0) or a stage apart: not a twin
    zero = np.concatenate([np.zeros(n), -np.zeros(n)])
    assert twin_blocks(labels[:2 * n], [zero], []) is None
    other = stages.copy()
    other[1, n + 2] += 1.0
    assert twin_blocks(labels, [cur], [other])[1] == [(slice(3 * n, 4 * n),
                                                      slice(2 * n, 3 * n))]
    # a label in two runs, or a single block: no twins claimed
    assert twin_blocks(np.array(["x", "y", "x"], dtype=object), [np.zeros(3)], []) is None
    assert twin_blocks(np.array(["x"] * 3, dtype=object), [np.zeros(3)], []) is None


@pytest.mark.parametrize("sort", [False, True])
@pytest.mark.parametrize("values", [
    np.array(["b", "a", "b", "c", "a"], dtype=object),
    np.array(["b", None, "a", np.nan, "b", None], dtype=object),
    np.array([3.0, np.nan, 1.0, 3.0]),
    np.array([5, 2, 5, 7], dtype=np.int64),
    np.array([], dtype=object),
    np.array(["x"], dtype=object),
    np.array([("a", 1), "a", 1], dtype=object),
])
def test_factorize_all_is_pandas_factorize_keeping_missing_values(values, sort):
    try:
        codes, uniques = pd.factorize(values, sort=sort, use_na_sentinel=False)
    except TypeError:  # values that do not sort: the same error
        with pytest.raises(TypeError):
            factorize_all(values, sort=sort)
        return
    got_codes, got_uniques = factorize_all(values, sort=sort)
    np.testing.assert_array_equal(got_codes, codes)
    assert got_codes.dtype == codes.dtype
    assert type(got_uniques) is type(uniques)
    assert len(got_uniques) == len(uniques)
    assert all((a is b) or (a == b) or (pd.isna(a) and pd.isna(b))
               for a, b in zip(got_uniques, uniques, strict=True))


def _key_codes_column_by_column(columns: list[np.ndarray]) -> np.ndarray:
    """key_codes as first written: each column factorised and the codes so far with it."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for values in columns:
        c, uniques = pd.factorize(values, use_na_sentinel=False)
        code, _ = pd.factorize(code * max(len(uniques), 1) + c)
    return code.astype(np.int64)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_key_codes_equal_the_column_by_column_factorisation(seed):
    rng = np.random.default_rng(seed)
    n = 5000
    names = np.array(["a", "b", None, "c", np.nan], dtype=object)
    columns = [
        names[rng.integers(0, 5, n)],
        rng.integers(-3, 4, n),  # small ints, negative codes (-1 / -2) included
        rng.integers(0, 2**62, n) * rng.integers(0, 2, n),  # a range past 2**31
        np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 3, n).astype(float)),
        rng.random(n) < 0.5,
        np.full(n, np.iinfo(np.int64).min) + rng.integers(0, 2, n),
        rng.integers(0, 2**16, n).astype(np.uint16),
        rng.integers(0, 2**40, n).astype(np.uint64),
    ]
    for k in range(1, len(columns) + 1):
        np.testing.assert_array_equal(key_codes(columns[:k]),
                                      _key_codes_column_by_column(columns[:k]))
    # many wide columns: the combined code renumbered before it overflows
    wide = [rng.integers(0, 2**30, n) for _ in range(6)]
    np.testing.assert_array_equal(key_codes(wide), _key_codes_column_by_column(wide))
    one = [np.array([7]), np.array(["x"], dtype=object)]
    np.testing.assert_array_equal(key_codes(one), [0])
    empty = [np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)]
    assert key_codes(empty).shape == (0,)


@pytest.mark.parametrize("run", [1, 3, 700])
@pytest.mark.parametrize("pool", [["a", "b", "c"], ["x", None, "y"], ["p", float("nan"), "q"],
                                  [1, 1.0, True, "1"], ["s", np.str_("s"), "t"]])
def test_factorize_runs_as_pandas(pool, run) -> None:
    """#21: one value hashed per run of equal neighbours, the same codes and the same unique
    objects as pandas (missing values -1; every value coded by ``factorize_all``)."""
    from protv2g.checks._rows import factorize_all, factorize_runs

    rng = np.random.default_rng(run)
    n = 9000
    arr = np.empty(n, dtype=object)
    picks = rng.integers(0, len(pool), n // run + 1)
    for i in range(n):
        arr[i] = pool[picks[i // run]]
    for sort in (False, True):
        for ours, theirs in ((factorize_runs(arr, sort=sort), pd.factorize(arr, sort=sort)),
                             (factorize_all(arr, sort=sort),
                              pd.factorize(arr, sort=sort, use_na_sentinel=False))) \
                if sort is False or all(isinstance(p, str) for p in pool if p is not None) \
                else ():
            assert ours[0].dtype == theirs[0].dtype
            assert np.array_equal(ours[0], theirs[0])
            assert len(ours[1]) == len(theirs[1])
            assert all(a is b or (a != a and b != b) for a, b in zip(ours[1], theirs[1],
                                                                     strict=True))


def test_factorize_runs_edge_cases() -> None:
    from protv2g.checks._rows import factorize_runs

    for arr in (np.zeros(0, dtype=object), np.array(["one"], dtype=object),
                np.array([pd.NA, pd.NA, "a"] * 3000, dtype=object)):
        codes, uniques = factorize_runs(arr)
        ref = pd.factorize(arr)
        assert np.array_equal(codes, ref[0]) and len(uniques) == len(ref[1])


@pytest.mark.parametrize("values", [["3ph", "SLG"] * 3000, ["max"] * 5000 + ["min"] * 5000,
                                    ["a", None, "b"] * 2000, ["x", 1, "y"] * 2000, [], ["one"],
                                    [np.str_("s"), "t"] * 3000])
def test_as_text_and_distinct_values_as_pandas(values) -> None:
    """#21: the text columns and scenario names of the checks' context coded once."""
    from protv2g.checks._rows import as_text, distinct_values

    col = pd.Series(values, dtype=object, name="c", index=np.arange(len(values)) * 2)
    pd.testing.assert_series_equal(as_text(col), col.astype(str), check_exact=True)
    assert distinct_values(col) == list(col.unique())
    num = pd.Series(np.arange(len(values)) % 3, name="n")
    pd.testing.assert_series_equal(as_text(num), num.astype(str), check_exact=True)
    assert distinct_values(num) == list(num.unique())


def test_key_codes_of_a_generator_equal_the_list_and_the_old_combination():
    """#21: key_codes and combine_code_stream take the columns one at a time (a generator);
    the codes equal those of the list and the mixed radix written out (renumbering past
    2**62 included)."""
    from protv2g.checks._rows import key_codes
    from protv2g.text_codes import combine_code_stream, combine_codes

    rng = np.random.default_rng(5)
    for n, k, hi in ((0, 3, 4), (1, 2, 3), (500, 4, 7), (2000, 9, 2**20), (300, 5, 2**40)):
        cols = [rng.integers(-3, hi, n) for _ in range(k)]
        want = key_codes(list(cols))
        assert key_codes(c for c in cols).tolist() == want.tolist()
        # the groups are those of the tuples, numbered by first appearance
        tuples = list(zip(*(c.tolist() for c in cols), strict=True)) if n else []
        assert want.tolist() == pd.factorize(pd.Series(tuples, dtype=object))[0].tolist()
        codes = [c - c.min() if n else c for c in cols]
        assert combine_code_stream(iter(codes)).tolist() == combine_codes(*codes).tolist()
    assert combine_code_stream(iter([])).tolist() == []


@pytest.mark.parametrize("where", ["prefix", "after_prefix", "last"])
def test_twin_blocks_past_the_compared_prefix(where):
    """Blocks longer than the prefix compared first (#21): a difference before it, after it
    or in the last row keeps them apart, in a column, a stage array and through a row
    map; bit-equal blocks (NaN, -0.0 at the same places) still repeat."""
    from protv2g.checks import _rows

    n = _rows._PREFIX_ROWS + 1000
    at = {"prefix": 5, "after_prefix": _rows._PREFIX_ROWS + 3, "last": n - 1}[where]
    labels = np.repeat(np.array(["a", "b"], dtype=object), n)
    base = np.linspace(0.0, 1.0, n)
    base[[1, 7]] = np.nan, -0.0
    cur = np.tile(base, 2)
    assert twin_blocks(labels, [cur], [])[1] == [(slice(n, 2 * n), slice(0, n))]
    for name in ("column", "stage", "mapped"):
        col, st = cur.copy(), np.stack([cur, cur])
        row_map = np.r_[np.arange(n), np.arange(n) + n]
        stage = st
        if name == "column":
            col[n + at] = 2.0
        elif name == "stage":
            st[1, n + at] = 2.0
        else:
            # block b's rows name other stage rows, the same bits: still twins
            stage = (np.concatenate([st, st[:, :1]], axis=1), row_map.copy())
            stage[1][n] = stage[0].shape[1] - 1  # a copy of stage row 0
            assert twin_blocks(labels, [col], [stage]) is not None
            stage[0][:, -1] = 5.0  # that copy now other bits
            stage[1][n] = n
            stage[1][n + at] = stage[0].shape[1] - 1
        assert twin_blocks(labels, [col], [stage]) is None, name
