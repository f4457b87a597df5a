"""The device-fault index of the report (issue #21): the same positions as the dict of text
tuples it replaced, on runs, duplicates, missing and non-text cells; and the Evidence's
per-row number formats looked up per distinct unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.report import fault_keys
from protv2g.report.derived import UNIT_FORMATS, _unit_formats
from protv2g.report.elements import FAULT_KEY, FaultIndex
from protv2g.text_codes import text_codes


def _dict_index(frame: pd.DataFrame) -> dict[tuple[str, ...], int]:
    """The index as it was built before #21: a dict of the key's texts, first row wins."""
    first: dict[tuple[str, ...], int] = {}
    cols = [frame[c].astype(str).to_numpy() for c in FAULT_KEY]
    for pos, key in enumerate(zip(*cols, strict=True)):
        first.setdefault(key, pos)
    return first


def _table(n: int, seed: int, runs: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    scen = np.array(["base/light", "v2g/firm", "v2g/expected", None], dtype=object)
    dev = np.array(["R-1", "RC-2", "FU-3", 7, 7.0, np.nan], dtype=object)
    bus = np.array([f"b{k}" for k in range(40)] + ["1", 1], dtype=object)
    pick = (np.sort(rng.integers(0, 4, n)) if runs else rng.integers(0, 4, n))
    return pd.DataFrame({
        "scenario": scen[pick],
        "device": dev[np.sort(rng.integers(0, 6, n)) if runs else rng.integers(0, 6, n)],
        "fault_bus_name": bus[rng.integers(0, len(bus), n)],
        "fault_type": rng.choice(np.array(["3ph", "SLG", "LL"], dtype=object), n),
        "case": rng.choice(np.array(["max", "min"], dtype=object), n),
    })


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("runs", [True, False])
def test_positions_as_the_dict_of_texts(seed, runs):
    frame = _table(5000, seed, runs)
    want = _dict_index(frame)
    index = FaultIndex(frame)
    for key, pos in list(want.items())[:300]:
        assert index.get(key) == pos
    asked = _table(2000, seed + 100, not runs)  # keys present and absent
    got = index.positions([asked[c] for c in FAULT_KEY])
    texts = zip(*(asked[c].astype(str).to_numpy() for c in FAULT_KEY), strict=True)
    assert got.tolist() == [want.get(k, -1) for k in texts]
    assert index.get(("none", "R-1", "b1", "3ph", "max")) is None
    assert index.get(("base/light", "R-1", "b1", "3ph", "nope"), -1) == -1


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("runs", [True, False])
def test_categorical_key_columns_read_from_their_codes(seed, runs):
    """The device table's key columns are categoricals (#21): coded from the category codes
    (by runs where long, the smallest unsigned type), the same codes and texts as
    ``text_codes`` and the same positions as the dict of texts."""
    frame = _table(5000, seed, runs)
    coded = frame.astype(str).astype("category")  # texts as astype(str) writes them
    for c in FAULT_KEY:
        codes, texts, lengths = fault_keys._column_codes(coded[c])
        assert codes.dtype.kind == "u" and codes.dtype.itemsize <= 2
        want_codes, want_texts = text_codes(coded[c])
        assert texts.tolist() == want_texts.tolist()
        assert (codes if lengths is None else np.repeat(codes, lengths)).tolist() == \
            want_codes.tolist()
    want = _dict_index(frame)
    index = FaultIndex(coded)
    assert all(index.get(k) == p for k, p in list(want.items())[:300])
    asked = _table(2000, seed + 100, not runs)
    texts = zip(*(asked[c].astype(str).to_numpy() for c in FAULT_KEY), strict=True)
    assert index.positions([asked[c] for c in FAULT_KEY]).tolist() == [
        want.get(k, -1) for k in texts]


def test_categorical_with_missing_or_other_cells_coded_as_text():
    """A categorical with a missing cell or a non-``str`` category is coded by its text (the
    object path), as before."""
    for values in (pd.Categorical(["a", None, "a", "b"]), pd.Categorical([1, 2, 2, 1])):
        codes, texts, lengths = fault_keys._column_codes(pd.Series(values))
        want_codes, want_texts = text_codes(pd.Series(values))
        assert texts.tolist() == want_texts.tolist()
        assert (codes if lengths is None else np.repeat(codes, lengths)).tolist() == \
            want_codes.tolist()


def test_all_text_columns_coded_by_their_runs():
    frame = pd.DataFrame({c: ["a"] * 3000 + ["b"] * 3000 for c in FAULT_KEY})
    frame["fault_bus_name"] = [f"b{k % 700}" for k in range(6000)]
    index = FaultIndex(frame)
    want = _dict_index(frame)
    assert all(index.get(k) == p for k, p in want.items())
    assert len(want) == 1400


def test_table_ordered_by_other_columns_than_the_key():
    # the engine's order (scenario, case, type, device, bus), duplicates after it
    rows = [(s, d, f"b{b}", t, c) for s in ("base", "v2g") for c in ("max", "min")
            for t in ("3ph", "SLG", "LL") for d in ("R-1", "RC-2", "FU-3", "FU-4")
            for b in range(400)]
    frame = pd.DataFrame(rows + rows[:900], columns=FAULT_KEY)
    want = _dict_index(frame)
    index = FaultIndex(frame)
    assert len(want) == len(rows) and all(index.get(k) == p for k, p in want.items())
    asked = frame.iloc[::-7].assign(fault_bus_name=lambda x: np.where(
        np.arange(len(x)) % 5 == 0, "elsewhere", x["fault_bus_name"]))
    texts = zip(*(asked[c].astype(str).to_numpy() for c in FAULT_KEY), strict=True)
    assert index.positions([asked[c] for c in FAULT_KEY]).tolist() == [
        want.get(k, -1) for k in texts]


def test_one_row_and_empty_tables():
    one = pd.DataFrame({c: ["x"] for c in FAULT_KEY})
    assert FaultIndex(one).get(("x",) * 5) == 0
    assert FaultIndex(one).positions([pd.Series(["x", "y"])] * 5).tolist() == [0, -1]
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in FAULT_KEY})
    assert FaultIndex(empty).get(("x",) * 5) is None
    assert FaultIndex(empty).positions([pd.Series(["x"])] * 5).tolist() == [-1]
    assert FaultIndex(one).positions([pd.Series([], dtype=object)] * 5).tolist() == []


def test_too_many_combinations_for_one_integer(monkeypatch):
    monkeypatch.setattr(fault_keys, "_RADIX_LIMIT", 10)
    frame = _table(800, 3, False)
    want = _dict_index(frame)
    index = FaultIndex(frame)
    assert all(index.get(k) == p for k, p in want.items())
    asked = _table(300, 4, True)
    texts = zip(*(asked[c].astype(str).to_numpy() for c in FAULT_KEY), strict=True)
    assert index.positions([asked[c] for c in FAULT_KEY]).tolist() == [
        want.get(k, -1) for k in texts]


@pytest.mark.parametrize("units", [
    [], ["s"], ["s", "A", None, np.nan, "kA", "× pickup", "fraction", "parsec", "s", 1.0],
    list(UNIT_FORMATS) * 50,
])
def test_unit_formats_per_row(units):
    values = pd.Series(units, dtype=object)
    assert _unit_formats(values) == [UNIT_FORMATS.get(str(u)) for u in values]


def _levels_result(fc: pd.DataFrame):
    from types import SimpleNamespace
    return SimpleNamespace(
        fault_currents=fc,
        settings=pd.DataFrame({"device": ["R-1", "FU-2"], "bus": ["b1", "7"]}),
        scenarios=pd.DataFrame({"scenario": ["base", "v2g"], "is_base": [True, False]}))


def test_fault_levels_at_device_buses_by_text():
    from protv2g.report.derived import FAULT_LEVEL_COLUMNS, fault_levels
    fc = pd.DataFrame({
        "scenario": ["base", "v2g", "base", "v2g", "v2g", "base"],
        "bus_name": ["b1", "b1", 7, "7", "b9", "b1"],  # 7 and "7" are one bus by their text
        "fault_type": ["3ph", "3ph", "SLG", "SLG", "3ph", "SLG"],
        "case": ["max", "max", "min", "min", "max", "max"],
        "ikss_ka": [2.0, 2.5, 1.0, "0.5", 9.0, np.nan]})
    out = fault_levels(_levels_result(fc))
    assert list(out.columns) == FAULT_LEVEL_COLUMNS
    assert out[["device", "bus", "fault_type"]].values.tolist() == [
        ["R-1", "b1", "3ph"], ["R-1", "b1", "SLG"], ["FU-2", "7", "SLG"]]
    assert out["i_max_base_ka"].iloc[0] == 2.0 and out["i_max_v2g_ka"].iloc[0] == 2.5
    assert out["change_max_percent"].iloc[0] == pytest.approx(25.0)
    assert out["i_min_v2g_ka"].iloc[2] == 0.5 and out["i_min_base_ka"].iloc[2] == 1.0
    assert out["i_max_v2g_iec_sum_ka"].isna().all()  # the result carries no IEC sum
    none_at = fault_levels(_levels_result(fc.assign(bus_name="elsewhere")))
    assert none_at.empty and list(none_at.columns) == FAULT_LEVEL_COLUMNS


def test_fraction_margin_cells_name_their_reference():
    """Review s21 (EPRI J1, F07: a C5 reach-reduction warning, margin 0.10 − 0.1075 of the
    current without V2G): the Findings cell showed "−0.8%" — a percentage of nothing said,
    rounded from −0.75 % — beside F01's "× pickup". The format names the reference."""
    fmt = _unit_formats(pd.Series(["fraction", "× pickup"]))[0]
    assert fmt.startswith("0.00%") and "of I without V2G" in fmt


@pytest.mark.parametrize("key", [
    np.array([], dtype=np.int32), np.array([5], dtype=np.int32),
    np.array([0, 1, 2, 7, 9], dtype=np.int32),  # sorted, each once: positions are indices
    np.array([0, 0, 1, 3, 3, 3], dtype=np.int64),  # sorted with repeats
    np.array([4, 1, 3, 0, 2], dtype=np.int32),  # unsorted, each once
    np.array([4, 1, 4, 0, 1, 1], dtype=np.int64),  # unsorted with repeats
])
def test_first_of_keys_as_numpy_unique(key):
    keys, first = fault_keys._first_of_keys(key)
    want_keys, want_first = np.unique(key, return_index=True)
    assert keys.tolist() == want_keys.tolist()
    assert (np.arange(len(keys)) if first is None else first).tolist() == want_first.tolist()
