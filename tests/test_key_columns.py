"""The fault and device tables' key columns as categoricals (#21, :mod:`protv2g.engine.
key_columns`): made from codes with their categories sorted lexically, so that a sort or a
group over them orders the rows as over the object columns they replace; the values, the
text codes and the Parquet spills are those of the object columns."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g import load_study
from protv2g.engine.key_columns import concat_keyed, key_column, mapped_codes
from protv2g.pipeline import fault_tables
from protv2g.report.overflow import _write_parquet
from protv2g.scenarios import build_scenarios
from protv2g.text_codes import text_codes

from .conftest import REPO_DIR

DEPOT = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"
OPENDSS = REPO_DIR / "feeders" / "opendss_example" / "study.yaml"
BUS_KEYS = ["scenario", "bus_name", "fault_type", "case"]
DEVICE_KEYS = ["scenario", "device", "fault_bus_name", "fault_type", "case"]


def _as_object(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: object for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def test_key_column_lexical_categories_and_small_codes():
    labels = ["min", "max", "b10", "b9", "B2", "max"]  # repeats merge; "B2" < "b10" < "b9"
    codes = np.array([0, 1, 2, 3, 4, 5, 2, 0])
    col = key_column(labels, codes)
    assert isinstance(col, pd.Categorical)
    assert list(col.categories) == sorted(set(labels))
    assert col.codes.dtype == np.int8
    assert list(col) == [labels[c] for c in codes]
    many = key_column([f"bus{i}" for i in range(1000)], np.arange(1000)[::-1])
    assert many.codes.dtype == np.int16 and list(many.categories) == sorted(many.categories)


def test_key_column_of_other_labels_is_an_object_column():
    col = key_column(["a", None, 3], np.array([2, 1, 0]))
    assert isinstance(col, np.ndarray) and col.dtype == object
    assert col.tolist() == [3, None, "a"]
    text = key_column(np.array(["b", "a"]), np.array([0, 1, 0]))  # NumPy str_ labels
    assert list(text) == ["b", "a", "b"] and all(type(x) is str for x in text.categories)


def test_concat_keyed_keeps_categoricals_over_the_union():
    a = pd.DataFrame({"k": key_column(["x", "base"], np.array([0, 1])), "v": [1, 2]})
    b = pd.DataFrame({"k": key_column(["y", "x"], np.array([0, 1, 0])), "v": [3, 4, 5]})
    out = concat_keyed([a, b], ignore_index=True)
    assert isinstance(out["k"].dtype, pd.CategoricalDtype)
    assert list(out["k"].cat.categories) == ["base", "x", "y"]
    pd.testing.assert_frame_equal(_as_object(out), _as_object(
        pd.concat([_as_object(a), _as_object(b)], ignore_index=True)), check_exact=True)


def test_mapped_codes_of_categorical_and_object():
    col = pd.Series(key_column(["s2", "s1"], np.array([0, 1, 1, 0])))
    order = {"s1": 0, "s2": 1}
    assert mapped_codes(col, order).tolist() == [1, 0, 0, 1]
    assert mapped_codes(col.astype(object), order).tolist() == [1, 0, 0, 1]


def test_text_codes_of_categorical_as_of_object():
    col = pd.Series(key_column(["b", "a", "c"], np.array([2, 0, 1, 0, 2])))
    got, want = text_codes(col), text_codes(col.astype(object))
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


def test_parquet_spill_of_categorical_reads_back_as_to_parquet(tmp_path):
    import pyarrow.parquet as pq

    n = 70_000  # more than one chunk of rows; a repeated text column beside the key
    rng = np.random.default_rng(0)
    col = key_column(["b", "a", "c"], rng.integers(0, 3, n))
    cat = pd.DataFrame({"k": col, "t": np.array(["x", "y"], dtype=object)[rng.integers(0, 2, n)],
                        "x": np.arange(n, dtype=float)})
    _write_parquet(cat, str(tmp_path / "cat.parquet"))
    cat.to_parquet(tmp_path / "ref.parquet", index=False, engine="pyarrow")
    assert pq.read_table(tmp_path / "cat.parquet").equals(pq.read_table(tmp_path / "ref.parquet"))
    back = pd.read_parquet(tmp_path / "cat.parquet")
    pd.testing.assert_frame_equal(_as_object(back), _as_object(cat), check_exact=True)
    # a spill (as_text): the file of the object columns, read back as texts
    _write_parquet(cat, str(tmp_path / "text.parquet"), as_text=True)
    _write_parquet(_as_object(cat), str(tmp_path / "obj.parquet"))
    assert (tmp_path / "text.parquet").read_bytes() == (tmp_path / "obj.parquet").read_bytes()
    back = pd.read_parquet(tmp_path / "text.parquet")
    assert back["k"].dtype == object
    pd.testing.assert_frame_equal(back, _as_object(cat), check_exact=True)


@pytest.fixture(scope="module", params=[DEPOT, OPENDSS], ids=["sequence", "phase"])
def study_tables(request):
    study = load_study(request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fault_tables(study, build_scenarios(study.document), staged=False)


@pytest.mark.parametrize("which, keys", [("bus", BUS_KEYS), ("device", DEVICE_KEYS)])
def test_fault_tables_keys_are_categorical_and_order_as_objects(study_tables, which, keys):
    frame = getattr(study_tables, which)
    assert len(frame) > 0
    for k in keys:
        assert isinstance(frame[k].dtype, pd.CategoricalDtype), k
        cats = list(frame[k].cat.categories)
        assert cats == sorted(cats), k
        assert frame[k].cat.codes.dtype.itemsize <= 2, k
    obj = _as_object(frame)
    for by in ([keys[0]], keys, keys[::-1], keys[1:3]):
        a = frame.sort_values(by, kind="stable").index.to_numpy()
        b = obj.sort_values(by, kind="stable").index.to_numpy()
        assert np.array_equal(a, b), by
        for sort in (True, False):
            g = frame.groupby(by, sort=sort, observed=True)
            h = obj.groupby(by, sort=sort)
            assert np.array_equal(g.ngroup().to_numpy(), h.ngroup().to_numpy()), (by, sort)
            assert g.size().to_numpy().tolist() == h.size().to_numpy().tolist(), (by, sort)
            assert [tuple(x) if isinstance(x, tuple) else x for x in g.size().index] == \
                [tuple(x) if isinstance(x, tuple) else x for x in h.size().index], (by, sort)
