"""A pair is judged only where no device nearer the fault clears first (review s27 §1).

EPRI J1 (review s27): recloser R-MID was judged against the 80K lateral fuse F-LAT at a 20 Ω
fault behind the 25K fuse F-END; F-END clears it in 0.57 s, so R-MID never reaches its delayed
shot (1.69 s) and F-LAT's 256 s does not matter there. :func:`protv2g.checks.pairs.
cleared_nearer` drops such rows; the pair (F-END, F-LAT) judges that fault.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.pairs import cleared_nearer


def _chain(times: dict[str, list[float]]) -> tuple[pd.DataFrame, dict, list[str]]:
    """One fault, the radial chain D0 → D1 → D2 → D3 (D0 nearest the fault); the fault
    table's rows 0..3 are the devices' rows; ``times``: each bracket's clearing times."""
    cols = list(times)
    m = pd.DataFrame({"primary": ["D0", "D1", "D2"], "backup": ["D1", "D2", "D3"]})
    for c in cols:
        m[f"p_{c}"] = np.asarray(times[c][:3], dtype=float)
    at = {"p": np.array([0, 1, 2]), "b": np.array([1, 2, 3])}
    return m, at, cols


def test_a_nearer_fuse_that_clears_first_ends_the_race():
    # D0 (F-END) 0.57 s, D1 (F-LAT) 256 s, D2 (R-MID) 1.69 s
    m, at, cols = _chain({"t_clear_s": [0.57, 256.0, 1.69, 2.0]})
    assert cleared_nearer(m, at, cols, 4).tolist() == [False, True, True]


def test_carried_over_two_pairs():
    # D0 clears at 0.5 s; D1 does not operate; D2 at 3 s: D0 ends the fault before D1 (which
    # never would) and before D2 — its time carried over D1's row to D2's
    m, at, cols = _chain({"t_clear_s": [0.5, np.nan, 3.0, 4.0]})
    assert cleared_nearer(m, at, cols, 4).tolist() == [False, True, True]


@pytest.mark.parametrize("t_d0", [np.nan, 300.0])
def test_kept_where_the_nearer_device_does_not_clear_first(t_d0: float):
    # D0 not operating, or slower than D1 (a miscoordination the pair D0/D1 reports): D1 is
    # the device that clears, so D1/D2 is judged
    m, at, cols = _chain({"t_clear_s": [t_d0, 256.0, 1.69, 2.0]})
    assert cleared_nearer(m, at, cols, 4).tolist() == [False, False, False]


def test_dropped_only_where_every_bracket_agrees():
    # low bracket: D0 first; high bracket: D1 first -> kept (the brackets disagree)
    m, at, cols = _chain({"t_clear_low_s": [0.5, 10.0, 20.0, 30.0],
                          "t_clear_high_s": [12.0, 10.0, 20.0, 30.0]})
    assert cleared_nearer(m, at, cols, 4).tolist() == [False, False, True]
    assert not cleared_nearer(m.iloc[:0], {"p": at["p"][:0], "b": at["b"][:0]}, cols, 4).size


def test_depot_no_pair_row_where_a_nearer_device_clears_first(depot_result):
    """On the depot example, no coordination row's primary is beaten at that fault by the
    device nearer the fault (the primary of a pair whose backup it is)."""
    c = depot_result.tables["Coordination"]
    keys = ["scenario", "fault_bus", "fault_type", "case"]
    c = c.astype({k: str for k in keys})
    nearer = (c.groupby([*keys, "backup"], observed=True).t_primary_s.max()
              .rename("t_nearer_s").reset_index().rename(columns={"backup": "primary"}))
    j = c.merge(nearer, on=[*keys, "primary"], how="inner")
    assert len(j)                                     # chains deeper than one pair exist
    assert not (j.t_nearer_s < j.t_primary_s - 1e-6).any()
