"""A table spilled beside the workbook is written in row groups (#21,
``protv2g.report.overflow.PARQUET_CHUNK_ROWS``) and reads back as ``DataFrame.to_parquet``
wrote it: the same Arrow table, schema and pandas metadata included; sheet columns reordered
or joined without copying them (``protv2g.report.sheets.column_view``) equal the copy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.report import overflow
from protv2g.report.sheets import _ordered, column_view

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _table(n: int) -> pd.DataFrame:
    k = np.arange(n)
    return pd.DataFrame({
        "finding": [f"F{i % 7:02d}" for i in k],
        "message": [f"margin −{i / 1000:.3f} s ≥ CTI" for i in k],  # non-ASCII text
        "other_device": [None if i % 3 else f"FU-{i}" for i in k],  # str and None
        "mixed_number": [1 if i % 2 else 2.5 for i in k],  # int and float: double
        "empty": [None] * n,  # all missing: Arrow null
        "margin": np.where(k % 5 == 0, np.nan, k / 10.0),
        "ok": k % 2 == 0,
        "rows": k.astype(np.int64),
        "kind": pd.Categorical(["a" if i % 2 else "b" for i in k]),
    })


@pytest.mark.parametrize("n", [0, 1, 5, 12, 13])
def test_chunked_parquet_reads_back_as_to_parquet(tmp_path, monkeypatch, n):
    monkeypatch.setattr(overflow, "PARQUET_CHUNK_ROWS", 4)  # 13 rows: 4 row groups
    frame = _table(n)
    frame.attrs = {"source": "test"}
    old, new = tmp_path / "old.parquet", tmp_path / "new.parquet"
    frame.to_parquet(old, index=False, engine="pyarrow")
    overflow._write_parquet(frame, str(new))
    a, b = pq.read_table(old), pq.read_table(new)
    assert a.equals(b, check_metadata=True)
    pd.testing.assert_frame_equal(pd.read_parquet(old), pd.read_parquet(new), check_exact=True)
    assert pq.ParquetFile(new).num_row_groups == max(1, -(-n // 4))


def test_a_column_parquet_cannot_store_still_goes_to_csv(tmp_path, monkeypatch):
    monkeypatch.setattr(overflow, "PARQUET_CHUNK_ROWS", 2)
    frame = pd.DataFrame({"x": ["a", "b", "c", 1, "d"]})  # text and a number
    spilled = overflow.spill(frame, tmp_path / "w.xlsx", "T", 2)
    assert spilled.format == "csv.gz"
    assert not list(tmp_path.glob("*.parquet")) and not list(tmp_path.glob(".*tmp"))
    assert pd.read_csv(spilled.path)["x"].astype(str).tolist() == ["a", "b", "c", "1", "d"]


def test_column_view_equals_the_copy_and_shares_the_columns():
    frame = _table(9)
    frame.attrs = {"k": [1]}
    order = list(frame.columns[::-1])
    view = _ordered(frame, tuple(order))
    pd.testing.assert_frame_equal(view, frame[order])
    assert np.shares_memory(view["margin"].to_numpy(), frame["margin"].to_numpy())
    assert view.attrs == frame.attrs
    assert _ordered(frame, tuple(frame.columns[:3])) is frame  # already in order
    joined = column_view([frame["finding"], frame["margin"]])
    pd.testing.assert_frame_equal(joined, frame[["finding", "margin"]])
