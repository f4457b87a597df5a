"""The violation messages' array (#21, :mod:`protv2g.messages`): rows of plain texts and of
recipes behave as the object column of the same texts under take, concatenation, ``iloc``,
``astype``, Parquet, Excel, pickling and the ``.str`` methods, and a take or a
concatenation writes no text."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from protv2g import messages as msgs
from protv2g.messages import MessageArray, MessageDtype, as_messages, render_formatted

_RENDERED: list[int] = []


def _counted(args: dict, rows: np.ndarray) -> list[str]:
    """:func:`render_formatted`, counting the rows written (module-level: it pickles)."""
    _RENDERED.append(len(rows))
    return render_formatted(args, rows)


def _recipe(n: int, seed: int = 0) -> tuple[MessageArray, list[str]]:
    """``n`` rows of a recipe (non-ASCII texts, floats) and the texts it writes."""
    rng = np.random.default_rng(seed)
    names = np.array(["R1", "Fuse-ü", "Recl 3"], dtype=object)
    codes = rng.integers(0, 3, n).astype(np.int8)
    amps = rng.normal(300, 200, n)
    amps[:3] = [0.5, -0.0, np.inf][:min(3, n)]
    fmt = "%s sees %.0f A — %.2f × pickup"
    m = MessageArray.from_recipe(_counted, {"format": fmt,
                                            "columns": ((codes, names), amps, amps / 7)}, n)
    texts = [fmt % (names[c], a, a / 7) for c, a in zip(codes, amps, strict=True)]
    return m, texts


def _mixed(n: int = 50) -> tuple[MessageArray, list[str]]:
    """A recipe's rows after plain texts, then a take across both."""
    m, texts = _recipe(n)
    plain = ["could not evaluate C5: no fault", "C1 not applicable: —"]
    both = MessageArray._concat_same_type([as_messages(_objects(plain)), m])
    every = plain + texts
    at = np.random.default_rng(3).permutation(len(every))
    return both.take(at), [every[k] for k in at]


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def test_values_are_the_texts():
    m, texts = _mixed()
    s = pd.Series(m)
    assert isinstance(s.dtype, MessageDtype)
    assert s.tolist() == texts
    assert list(s) == texts
    assert [s.iloc[k] for k in range(len(s))] == texts
    assert s.iloc[3] == texts[3] and type(s.iloc[3]) is str
    assert s.astype(str).tolist() == texts and s.astype(str).dtype == object
    assert s.astype(object).tolist() == texts
    np.testing.assert_array_equal(s.to_numpy(), _objects(texts))
    assert_series_equal(s.astype(object), pd.Series(texts, dtype=object))


def test_take_slice_concat_copy_keep_recipes():
    m, texts = _recipe(40)
    _RENDERED.clear()
    t = m.take([5, 1, 5])
    c = MessageArray._concat_same_type([t, m[10:12], m.copy()[np.arange(40) % 7 == 0]])
    f = pd.concat([pd.DataFrame({"message": m}), pd.DataFrame({"message": ["x"]})],
                  ignore_index=True)
    # none of these wrote a text but the first row pandas' concatenation reads (``is_na``)
    assert sum(_RENDERED) <= 1
    assert isinstance(f["message"].dtype, MessageDtype)
    assert c.tolist() == ([texts[5], texts[1], texts[5]] + texts[10:12]
                          + [texts[k] for k in range(0, 40, 7)])
    assert f["message"].tolist() == [*texts, "x"]
    assert c.nbytes < sum(len(x) for x in texts)


def test_iteration_writes_in_blocks(monkeypatch):
    monkeypatch.setattr(msgs, "RENDER_ROWS", 8)
    m, texts = _recipe(30)
    _RENDERED.clear()
    assert list(m) == texts
    assert max(_RENDERED) <= 8


def test_equality_missing_values_and_fill():
    m, texts = _mixed(20)
    assert (m == texts[4]).tolist() == [t == texts[4] for t in texts]
    assert not m.isna().any()
    with_nan = pd.Series(m).reindex([0, 99, 1])
    assert with_nan.isna().tolist() == [False, True, False]
    assert with_nan.iloc[0] == texts[0]
    assert pd.Series(m).equals(pd.Series(MessageArray._from_sequence(texts)))


def test_setitem_and_with_texts():
    m, texts = _mixed(20)
    n = m.with_texts(np.array([2, 5]), ["a", "b"])
    assert n.tolist() == texts[:2] + ["a"] + texts[3:5] + ["b"] + texts[6:]
    assert m.tolist() == texts  # the original unchanged
    s = pd.Series(m.copy())
    s.iloc[0] = "first"
    assert s.tolist() == ["first", *texts[1:]]
    part = m[2:6]  # a slice: its positions a view of m's
    part[0] = "other"
    assert part.tolist() == ["other", *texts[3:6]] and m.tolist() == texts


def test_suffixed_joins_when_read():
    m, texts = _mixed(20)
    _RENDERED.clear()
    n = m.suffixed(np.array([7, 3]), ["; a", "; b"])
    assert _RENDERED == []
    assert n.tolist() == [t + {7: "; a", 3: "; b"}.get(k, "") for k, t in enumerate(texts)]
    assert pickle.loads(pickle.dumps(n)).tolist() == n.tolist()


def test_replaced_swaps_a_recipes_export_text():
    codes = np.array([0, 1, 0], dtype=np.int8)
    exports = _objects(["with A exporting", "without V2G"])
    m = MessageArray.from_recipe(_export_render, {"scenario": codes, "exports": exports}, 3)
    plain = as_messages(_objects(["x with A exporting y", "z"]))
    both = MessageArray._concat_same_type([m, plain])
    r = both.replaced("with A exporting", "with B exporting")
    assert r.tolist() == [t.replace("with A exporting", "with B exporting")
                          for t in both.tolist()]
    assert r._chunks[0].args["scenario"] is codes  # the recipe's arrays shared


def _export_render(args: dict, rows: np.ndarray) -> list[str]:
    return [f"row {k} {args['exports'][args['scenario'][k]]}" for k in rows.tolist()]


def test_pickle_and_frame_round_trip():
    m, texts = _mixed(30)
    f = pd.DataFrame({"k": np.arange(len(texts)), "message": m})
    back = pickle.loads(pickle.dumps(f))
    assert_frame_equal(back, f)
    assert back["message"].tolist() == texts


def test_parquet_and_arrow_write_the_texts(monkeypatch):
    pa = pytest.importorskip("pyarrow")
    monkeypatch.setattr(msgs, "RENDER_ROWS", 16)
    m, texts = _mixed(60)
    assert pa.array(m).to_pylist() == texts
    f = pd.DataFrame({"k": np.arange(len(texts)), "message": m})
    buf = io.BytesIO()
    f.to_parquet(buf)
    back = pd.read_parquet(io.BytesIO(buf.getvalue()))
    assert back["message"].tolist() == texts


def test_excel_writes_the_texts(tmp_path):
    pytest.importorskip("openpyxl")
    m, texts = _mixed(12)
    pd.DataFrame({"message": m}).to_excel(tmp_path / "m.xlsx", index=False)
    assert pd.read_excel(tmp_path / "m.xlsx")["message"].tolist() == texts


def test_str_methods_groupby_and_sort_are_the_object_columns():
    m, texts = _mixed(40)
    s, o = pd.Series(m), pd.Series(texts, dtype=object)
    assert s.str.contains("pickup").tolist() == o.str.contains("pickup").tolist()
    assert s.str.startswith("could").tolist() == o.str.startswith("could").tolist()
    k = pd.Series(np.arange(len(texts)) % 3)
    assert_series_equal(k.groupby(s).sum(), k.groupby(o).sum(), check_index_type=False)
    assert s.sort_values().tolist() == sorted(texts)
    assert sorted(s.unique().tolist()) == sorted(set(texts))
