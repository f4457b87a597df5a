"""The OpenDSS Charger stages table finds a finding's device row by its key columns' codes
(``stage_report_dss._row_keys``/``_row_of``, #21): the same row as the text comparison it
replaced (``device`` and ``scenario`` as they are, the other three as ``astype(str)``),
on categorical and object columns, missing cells and values the table lacks."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from protv2g.stage_report_dss import _row_keys, _row_of

COLUMNS = ("device", "fault_bus_name", "fault_type", "case", "scenario")


def _reference(device: pd.DataFrame, values: tuple) -> int | None:
    """The first row whose keys equal ``values`` (the comparison before #21)."""
    m = np.ones(len(device), dtype=bool)
    for c, v in zip(COLUMNS, values, strict=True):
        col = device[c] if c in ("device", "scenario") else device[c].astype(str)
        m &= col.to_numpy() == v
    pos = np.flatnonzero(m)
    return int(pos[0]) if len(pos) else None


def _table(categorical: bool) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    t = pd.DataFrame({
        "device": rng.choice(["F1", "F2", "R1", None], n),
        "fault_bus_name": rng.choice(["b1", "b2", "190-7361", np.nan], n),
        "fault_type": rng.choice(["3ph", "SLG-a", "LL-bc"], n),
        "case": rng.choice(["max", "min"], n),
        "scenario": rng.choice(["base/light", "expected/peak/100%"], n)})
    if categorical:
        t = t.astype("category")
    return t


@pytest.mark.parametrize("categorical", [True, False])
def test_row_of_equals_text_comparison(categorical: bool) -> None:
    t = _table(categorical)
    keys = _row_keys(t)
    asked = itertools.product(["F1", "R1", "X"], ["b1", "190-7361", "nan", "zz"],
                              ["3ph", "SLG-a"], ["max", "min", "x"],
                              ["base/light", "expected/peak/100%"])
    n_found = 0
    for values in asked:
        got = _row_of(keys, *values)
        assert got == _reference(t, values)
        n_found += got is not None
    assert n_found > 20  # the comparison found rows, not only None


def test_row_of_hand_table() -> None:
    # hand case: the second matching row of a device comes after another device's rows
    t = pd.DataFrame({"device": ["A", "B", "A"], "fault_bus_name": ["x", "y", "y"],
                      "fault_type": ["3ph"] * 3, "case": ["max"] * 3,
                      "scenario": ["s"] * 3}).astype("category")
    keys = _row_keys(t)
    assert _row_of(keys, "A", "y", "3ph", "max", "s") == 2
    assert _row_of(keys, "B", "y", "3ph", "max", "s") == 1
    assert _row_of(keys, "B", "x", "3ph", "max", "s") is None
