"""The violation table's repetitive text columns as categoricals (#21,
:mod:`protv2g.checks._compact`): compact, equal in value, and sorted, grouped, coded, written
to cells and spilled to Parquet as the object columns were."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from protv2g.checks._compact import CATEGORY_COLUMNS, compact_violations, text_category
from protv2g.checks._row_frames import concat_taken
from protv2g.messages import MessageDtype
from protv2g.report.overflow import _write_parquet
from protv2g.report.table_rows import column_values
from protv2g.text_codes import text_codes
from protv2g.violations import VIOLATION_COLUMNS, empty_violations

#: texts whose code-point order differs from a case-blind or locale order
_TEXTS = np.array(["b", "", "B", "a–z", "a", "Z", "b", "a", "", "é", "a-z", "b"], dtype=object)


def _violations(n: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = empty_violations()
    data = {}
    for c in VIOLATION_COLUMNS:
        if c in CATEGORY_COLUMNS:
            data[c] = np.array([str(x) for x in _TEXTS[rng.integers(0, len(_TEXTS), n)]],
                               dtype=object)
        elif c == "message":
            data[c] = np.array([f"row {k} – {rng.random():.3f}" for k in range(n)], dtype=object)
        else:
            data[c] = rng.normal(size=n)
    frame = pd.DataFrame(data, columns=list(frame.columns))
    return frame


def test_text_category_values_and_sorted_categories() -> None:
    cat = text_category(_TEXTS)
    assert isinstance(cat, pd.Categorical)
    assert list(cat.categories) == sorted(set(_TEXTS.tolist()))
    assert np.asarray(cat, dtype=object).tolist() == _TEXTS.tolist()
    # the column's own str objects are the categories (no copies)
    assert all(any(c is t for t in _TEXTS) for c in cat.categories)
    empty = text_category(np.array([], dtype=object))
    assert isinstance(empty, pd.Categorical) and len(empty) == 0


@pytest.mark.parametrize("values", [
    np.array(["a", None, "b"], dtype=object), np.array(["a", np.nan], dtype=object),
    np.array(["a", 1], dtype=object), np.array([1.0, 2.0])])
def test_text_category_leaves_other_columns(values) -> None:
    assert text_category(values) is values


def test_compact_violations_equal_and_compact() -> None:
    v = _violations(5000)
    before = v.copy()
    deep_before = before.memory_usage(deep=True).sum()
    out = compact_violations(v)
    assert list(out.columns) == VIOLATION_COLUMNS
    assert_frame_equal(out, before, check_exact=True, check_dtype=False,
                       check_categorical=False)
    assert_frame_equal(out.astype({c: object for c in (*CATEGORY_COLUMNS, "message")}),
                       before, check_exact=True)
    for c in VIOLATION_COLUMNS:
        assert isinstance(out[c].dtype, pd.CategoricalDtype) == (c in CATEGORY_COLUMNS), c
    # the messages written when read (#21), the same texts
    assert isinstance(out["message"].dtype, MessageDtype)
    # 1 byte a row per text column instead of 8 of pointers
    assert out.memory_usage(deep=True).sum() < deep_before
    assert all(out[c].cat.codes.dtype == np.int8 for c in CATEGORY_COLUMNS)


def test_sorts_groups_and_codes_as_object_columns() -> None:
    before = _violations(2000, seed=5)
    out = compact_violations(before.copy())
    keys = ["scenario", "device", "criterion"]
    for by in (keys, ["status", "margin"], ["fault_bus"]):
        a = before.sort_values(by, kind="stable").index
        b = out.sort_values(by, kind="stable").index
        assert a.equals(b), by
    g_obj = before.groupby(keys, sort=True)["margin"].min()
    g_cat = out.groupby(keys, sort=True, observed=True)["margin"].min()
    assert g_obj.index.tolist() == g_cat.index.tolist()
    assert np.array_equal(g_obj.to_numpy(), g_cat.to_numpy())
    assert out.drop_duplicates(keys).index.equals(before.drop_duplicates(keys).index)
    assert list(out["device"].unique()) == list(before["device"].unique())
    for c in ("status", "fault_bus", "input_todo"):
        c_obj, t_obj = text_codes(before[c])
        c_cat, t_cat = text_codes(out[c])
        assert np.array_equal(c_obj, c_cat) and t_obj.tolist() == t_cat.tolist()
        assert column_values(out[c]) == column_values(before[c])


def test_concat_taken_finish_per_column() -> None:
    a, b = _violations(300, seed=1), _violations(200, seed=2)
    whole = pd.concat([a, b], ignore_index=True)
    rows = np.random.default_rng(0).permutation(len(whole))
    out = concat_taken([a.copy(), b.copy()], rows,
                       finish=lambda c, x: text_category(x) if c in CATEGORY_COLUMNS else x)
    assert_frame_equal(out, whole.take(rows).reset_index(drop=True), check_exact=True,
                       check_dtype=False, check_categorical=False)
    assert isinstance(out["criterion"].dtype, pd.CategoricalDtype)



def _finish(c: str, x: np.ndarray) -> object:
    return text_category(x) if c in CATEGORY_COLUMNS else x


def test_concat_taken_categorical_from_codes() -> None:
    """The coded categorical columns (#21) are the finished object columns exactly: the same
    categories, codes and code dtype; with gathers (a frame's rows taken, so some of its
    values on no row; a column given anew) and with a column holding a missing value (kept
    as objects, as ``text_category`` keeps it)."""
    a, b = _violations(300, seed=1), _violations(200, seed=2)
    a.loc[7, "rule"] = None  # not all str (a gathered row): objects, finished as before
    at = np.arange(0, 300, 7)  # few rows of ``a``: some of its texts on none
    new = {"device": np.array(["z"] * len(at), dtype=object)}
    rows = np.random.default_rng(0).permutation(len(at) + len(b))
    gathers = [(at, new), None]
    want = concat_taken([a.copy(), b.copy()], rows, gathers, finish=_finish)
    got = concat_taken([a.copy(), b.copy()], rows, gathers, finish=_finish,
                       categorical=CATEGORY_COLUMNS)
    assert_frame_equal(got, want, check_exact=True)
    for c in CATEGORY_COLUMNS - {"rule"}:
        assert isinstance(got[c].dtype, pd.CategoricalDtype), c
        assert got[c].cat.codes.dtype == want[c].cat.codes.dtype
        assert got[c].cat.categories.tolist() == want[c].cat.categories.tolist()
    assert got["rule"].dtype == object


def test_parquet_spill_reads_back_equal(tmp_path) -> None:
    """A spilled table of these columns (the Evidence) reads back equal in value: its text
    columns dictionary-encoded, as ``DataFrame.to_parquet`` writes a categorical."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    before = _violations(700, seed=7)
    out = compact_violations(before.copy())
    _write_parquet(out, str(tmp_path / "b.parquet"))
    back = pq.read_table(tmp_path / "b.parquet").to_pandas()
    # the messages (written when read, #21) read back as the object column of their texts
    assert_frame_equal(back, out.astype({"message": object}), check_exact=True)
    assert_frame_equal(back, before, check_exact=True, check_dtype=False,
                       check_categorical=False)


def test_sort_coded_is_sort_rows() -> None:
    """The violation rows' order found on each frame's codes (#21) is :func:`sort_rows`' on
    the gathered texts, a gather included."""
    from protv2g.checks._row_frames import gathered, gathered_codes, sort_coded, sort_rows

    rng = np.random.default_rng(5)
    a, b = _violations(300, seed=1), _violations(200, seed=2)
    for f in (a, b):
        f["criterion"] = np.array(["C12", "C5", "C1", "C10", "C2"], dtype=object)[
            rng.integers(0, 5, len(f))]
        f["status"] = np.array(["warn", "fail", "info"], dtype=object)[
            rng.integers(0, 3, len(f))]
    at = np.arange(0, 300, 3)
    gathers = [(at, {"scenario": np.array(["v2g/x"] * len(at), dtype=object)}), None]
    keys = [gathered_codes([a, b], gathers, c) for c in ("criterion", "status", "scenario")]
    want = sort_rows(*(pd.Series(np.concatenate([gathered(f, g, c) for f, g in zip(
        [a, b], gathers, strict=True)])) for c in ("criterion", "status", "scenario")))
    assert np.array_equal(sort_coded(*keys), want)


@pytest.mark.parametrize("rows", [[3, 0, 0, 2], [], [1, 1], [4, 2, 0]])
@pytest.mark.parametrize("column", [
    pd.Series(pd.Categorical(["b", "a", "c", "b", "a"], categories=["c", "b", "a", "zz"])),
    pd.Series(pd.Categorical(["b", None, "c", "b", "a"])),  # a missing value
    pd.Series(pd.Categorical([2, 1, 3, 2, 1])),  # not str categories
    pd.Series(["b", "a", "c", "b", "a"], dtype=object),
    pd.Series([1.5, 2.0, 3.0, 1.5, 2.0]),
])
def test_category_at_equals_text_category_of_the_written_out_rows(column, rows):
    # session 46: the per-bus tables' categorical columns read off their codes
    from protv2g.checks._compact import category_at
    from protv2g.checks._rows import column_at

    at = np.asarray(rows, dtype=np.intp)
    got, want = category_at(column, at), text_category(column_at(column, at))
    assert type(got) is type(want)
    if isinstance(want, pd.Categorical):
        assert list(got.categories) == list(want.categories)
        assert got.codes.dtype == want.codes.dtype
        assert got.codes.tolist() == want.codes.tolist()
    else:
        assert np.asarray(got).tolist() == np.asarray(want).tolist() or (
            pd.isna(np.asarray(got, dtype=object)) == pd.isna(np.asarray(want, dtype=object))
        ).all()
