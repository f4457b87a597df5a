"""``backup_reach_notes`` joins the Coordination rows with C5's bus rows on integer codes of
both sides' keys (#21): the same notes as the MultiIndex join on the texts it replaced (each
coordination row's first C5 row of its scenario, fault bus, fault type, case and backup),
with repeated C5 rows, categorical key columns and rows without a match; the caller's
table is not written into."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.backup_reach_note import NOTE_COLUMN, backup_reach_notes


def _reference(coord: pd.DataFrame, bus_table: pd.DataFrame, violations: pd.DataFrame
               ) -> np.ndarray:
    """The notes by the MultiIndex join (the code before #21)."""
    t = bus_table[(bus_table.criterion == "C5") & (bus_table.status == "warn")
                  & (bus_table.margin_unit == "× pickup")]
    v = violations[violations.criterion == "C5"]
    groups = pd.DataFrame({"bus_group": v.bus_group.to_numpy(np.int64),
                           "scenario": v.scenario.astype(str).to_numpy()}).drop_duplicates()
    rows = pd.DataFrame({"bus_group": t.bus_group.to_numpy(np.int64),
                         **{c: t[c].astype(str).to_numpy()
                            for c in ("fault_bus", "fault_type", "case", "device")},
                         "ratio": (t.margin + t.limit).to_numpy(float),
                         "limit": t.limit.to_numpy(float)}).merge(groups, on="bus_group")
    keys = ["scenario", "fault_bus", "fault_type", "case"]
    index = pd.MultiIndex.from_frame(rows[[*keys, "device"]])
    first = ~index.duplicated()
    at = np.flatnonzero(coord.criterion.isin(["C1", "C4"]).to_numpy() & coord.ok.to_numpy())
    pos = index[first].get_indexer(pd.MultiIndex.from_arrays(
        [coord[k].astype(str).to_numpy()[at] for k in (*keys, "backup")]))
    ratio, limit = rows.ratio.to_numpy()[first], rows.limit.to_numpy()[first]
    note = np.full(len(coord), "", dtype=object)
    hit = pos >= 0
    note[at[hit]] = [f"coordinates, but as a backup {b} barely reaches here: {r:.3f} × pickup "
                     f"against {lim:g} (see C5)" for b, r, lim in zip(
                         coord.backup.astype(str).to_numpy()[at[hit]], ratio[pos[hit]],
                         limit[pos[hit]], strict=True)]
    return note


def test_notes_equal_multiindex_join() -> None:
    rng = np.random.default_rng(7)
    n_c5, n_coord = 600, 900
    buses, types, devices = ["b1", "b2", "b3", "860"], ["SLG-a", "LL-bc"], ["head", "RC-1"]
    bus_table = pd.DataFrame({
        "bus_group": rng.integers(0, 5, n_c5), "criterion": "C5",
        "status": rng.choice(["warn", "ok"], n_c5), "margin_unit": "× pickup",
        "scenario": "v", "device": rng.choice(devices, n_c5),
        "fault_type": rng.choice(types, n_c5), "case": rng.choice(["min", "max"], n_c5),
        "fault_bus": rng.choice(buses, n_c5), "margin": rng.uniform(-0.5, 0.0, n_c5),
        "limit": rng.choice([1.2, 1.5], n_c5)})
    violations = pd.DataFrame({"criterion": ["C5"] * 6 + ["C1"],
                               "scenario": ["v", "w", "v", "w", "v", "x", "v"],
                               "bus_group": [0, 0, 1, 2, 3, 3, 4]})
    coord = pd.DataFrame({
        "criterion": rng.choice(["C1", "C4", "C2"], n_coord),
        "scenario": rng.choice(["v", "w", "x", "y"], n_coord),
        "fault_bus": rng.choice(buses, n_coord), "fault_type": rng.choice(types, n_coord),
        "case": rng.choice(["min", "max"], n_coord), "backup": rng.choice(devices, n_coord),
        "ok": rng.random(n_coord) < 0.8, "margin_s": rng.random(n_coord)})
    coord = coord.astype({c: "category" for c in ("criterion", "scenario", "backup")})
    before = coord.copy()
    out = backup_reach_notes(coord, bus_table, violations)
    want = _reference(coord, bus_table, violations)
    assert (want != "").sum() > 50  # the join found rows, not only blanks
    assert out[NOTE_COLUMN].tolist() == want.tolist()
    pd.testing.assert_frame_equal(out.drop(columns=NOTE_COLUMN), before)
    pd.testing.assert_frame_equal(coord, before)  # the caller's table as it was
    assert NOTE_COLUMN not in coord.columns
