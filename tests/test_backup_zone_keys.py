"""``in_backup_zone`` (protv2g.checks.pairs) on integer keys of the zone table.

Reference: the membership test the function stood for before #21, ``(backup, int(bus)) in
{(device, bus) of ctx.zones}``, evaluated here row by row on hand-built tables.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks.pairs import in_backup_zone


def _reference(zones: pd.DataFrame, m: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    pairs = set(zip(zones.device.astype(str), zones.bus.astype(int), strict=True))
    return np.array([bool(r) and (str(b), int(f)) in pairs
                     for r, b, f in zip(rows, m.backup, m.fault_bus, strict=True)])


def _ctx(zones: pd.DataFrame) -> SimpleNamespace:
    return SimpleNamespace(zones=zones, cache={})


def test_random_tables_equal_the_tuple_set() -> None:
    rng = np.random.default_rng(7)
    devices = [f"R{k}" for k in range(6)] + ["F-1", "RC"]
    zones = pd.DataFrame({"device": rng.choice(devices[:7], 300),
                          "bus": rng.integers(5, 120, 300),
                          "zone": rng.choice(["primary", "backup"], 300)})
    m = pd.DataFrame({"backup": rng.choice(devices, 2000),  # "RC" has no zone rows
                      "fault_bus": rng.integers(0, 140, 2000)})  # buses beyond the zones'
    rows = rng.random(2000) < 0.7
    ctx = _ctx(zones)
    got = in_backup_zone(ctx, m, rows)
    assert np.array_equal(got, _reference(zones, m, rows))
    assert got.sum() > 0 and not np.array_equal(got, rows)
    assert np.array_equal(in_backup_zone(ctx, m, rows), got)  # the cached keys: same answer
    assert not in_backup_zone(ctx, m, np.zeros(2000, dtype=bool)).any()


def test_hand_rows_float_buses_and_empty_zones() -> None:
    zones = pd.DataFrame({"device": ["R-H", "R-H", "F1"], "bus": [3, 7, 7]})
    m = pd.DataFrame({"backup": ["R-H", "R-H", "F1", "F1", "X"],
                      "fault_bus": [7.0, 4.0, 7.0, 3.0, 7.0]})
    rows = np.array([True, True, True, True, True])
    assert in_backup_zone(_ctx(zones), m, rows).tolist() == [True, False, True, False, False]
    empty = pd.DataFrame({"device": pd.Series([], dtype=object),
                          "bus": pd.Series([], dtype=int)})
    assert not in_backup_zone(_ctx(empty), m, rows).any()


def test_bus_numbers_too_wide_for_keys_fall_back_to_tuples() -> None:
    zones = pd.DataFrame({"device": ["A", "B"], "bus": [0, 2**62]})
    m = pd.DataFrame({"backup": ["A", "B", "B"], "fault_bus": [0, 2**62, 0]})
    rows = np.ones(3, dtype=bool)
    assert in_backup_zone(_ctx(zones), m, rows).tolist() == [True, True, False]
