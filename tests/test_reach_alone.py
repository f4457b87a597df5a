"""C5's note on a zone fault its device has no clearing time for (review rev37a F8): who clears
it alone, on hand-made fault and pair tables (times by hand, nothing computed)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks.reach_alone import alone_notes


def _ctx(times: dict[tuple[str, int], float], pairs: list[tuple[int, str, str]]):
    faults = pd.DataFrame([{"scenario": "v2g", "device": d, "fault_bus": b, "fault_type": "SLG",
                            "case": "min", "t_clear_s": t} for (d, b), t in times.items()])
    return SimpleNamespace(faults=faults, pairs=pd.DataFrame(
        pairs, columns=["fault_bus", "primary", "backup"]).assign(source="sub"))


def _notes(ctx, devices, buses):
    n = len(devices)
    return alone_notes(ctx, np.full(n, "v2g"), np.array(devices), np.array(buses),
                       np.full(n, "SLG"), np.full(n, "min")).tolist()


def test_the_backup_that_clears_alone_is_named_with_its_time() -> None:
    # F has no time at bus 7 (below its TC curve); R (26.3 s) and a slower R2 back it up
    ctx = _ctx({("F", 7): np.inf, ("R", 7): 26.3, ("R2", 7): 40.0, ("F", 8): 0.5},
               [(7, "F", "R"), (7, "F", "R2"), (8, "F", "R")])
    out = _notes(ctx, ["F", "F"], [7, 8])
    assert out[0].startswith("; F is not sure to operate for it (no clearing time at this "
                             "current: below its pickup or its total-clearing curve): R "
                             "clears it alone in 26.3 s, taking out everything behind R")
    assert out[1] == ""  # F clears at bus 8: the row fails on its margin alone


def test_no_row_no_backup_time_and_no_backup() -> None:
    # G has no row at bus 3 (it sees ≈ 0 A); its backup R has no time either; H has no pair
    ctx = _ctx({("R", 3): np.inf, ("H", 4): np.inf}, [(3, "G", "R")])
    out = _notes(ctx, ["G", "H"], [3, 4])
    assert out[0].endswith(", and nor is R, the next device toward the source")
    assert out[1].endswith(", and no device of the study is between it and the source")
