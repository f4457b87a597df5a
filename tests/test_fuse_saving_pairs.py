"""topology.fuse_saving_pairs: a recloser and the nearest fuse beyond fuses in series
(review s27 §1, EPRI J1: R-MID → F-LAT (80K) → F-END (25K); R-MID ↔ F-END never judged)."""

from __future__ import annotations

import pandas as pd

from protv2g.topology import PAIR_COLUMNS, fuse_saving_pairs, primary_backup_pairs


def _chains(paths: dict[int, list[str]]) -> pd.DataFrame:
    """Forward chains from the substation: fault bus → devices from the fault toward the
    source (order 0 nearest the fault)."""
    rows = [{"source": "substation", "fault_bus": bus, "device": d, "order": k,
             "direction": "forward"}
            for bus, devices in paths.items() for k, d in enumerate(devices)]
    return pd.DataFrame(rows)


ROLES = {"F-END": "fuse", "F-LAT": "fuse", "R-MID": "recloser", "HEAD": "relay",
         "F-TAP": "fuse"}


def test_series_fuses_pair_the_nearest_with_the_recloser(monkeypatch):
    import protv2g.topology as topology

    monkeypatch.setattr(topology, "substation_rows", lambda c: pd.Series(True, index=c.index))
    chains = _chains({
        1: ["F-END", "F-LAT", "R-MID", "HEAD"],   # behind two fuses in series
        2: ["F-LAT", "R-MID", "HEAD"],            # in F-LAT's own zone: adjacent already
        3: ["R-MID", "HEAD"],                     # on the main line
        4: ["F-TAP", "F-END", "F-LAT", "R-MID", "HEAD"],  # three fuses in series
        5: ["F-END", "HEAD"],                     # no recloser toward the source
    })
    out = fuse_saving_pairs(chains, ROLES)
    assert list(out.columns) == PAIR_COLUMNS
    got = set(zip(out.fault_bus, out.primary, out.backup, strict=True))
    assert got == {(1, "F-END", "R-MID"), (4, "F-TAP", "R-MID")}
    consecutive = primary_backup_pairs(chains)
    assert not set(zip(consecutive.fault_bus, consecutive.primary, consecutive.backup,
                       strict=True)) & got                 # never a pair twice


def test_a_relay_between_stops_the_search(monkeypatch):
    import protv2g.topology as topology

    monkeypatch.setattr(topology, "substation_rows", lambda c: pd.Series(True, index=c.index))
    chains = _chains({1: ["F-END", "HEAD", "R-MID"]})
    assert fuse_saving_pairs(chains, ROLES).empty
    assert fuse_saving_pairs(chains.iloc[:0], ROLES).empty
