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


def test_equal_times_name_the_first_pair_and_unfaulted_backups_are_listed_once() -> None:
    # F has no time at bus 7; its backups R2 and R both clear in 2.0 s: the pair table's
    # first (R2) is named, as the merges' stable sort did; a duplicated pair row changes
    # nothing. At bus 9 neither backup has a time: both named once, sorted ("R and R2").
    ctx = _ctx({("F", 7): np.nan, ("R2", 7): 2.0, ("R", 7): 2.0, ("R", 9): np.inf},
               [(7, "F", "R2"), (7, "F", "R"), (7, "F", "R2"), (9, "F", "R2"), (9, "F", "R"),
                (9, "F", "R")])
    out = _notes(ctx, ["F", "F", "F"], [7, 9, 7])
    assert ": R2 clears it alone in 2" in out[0]
    assert out[2] == out[0]  # the same fault twice: the same text
    assert out[1].endswith(", and nor is R and R2, the next device toward the source")


def test_keys_are_compared_as_text_on_categorical_columns() -> None:
    # the checks' fault table holds its key columns as categoricals (#21): the rows' keys
    # are plain strings; a row in another scenario or case is not the fault's
    ctx = _ctx({("F", 7): np.inf, ("R", 7): 3.5}, [(7, "F", "R")])
    for c in ("scenario", "device", "fault_type", "case"):
        ctx.faults[c] = ctx.faults[c].astype("category")
    assert ": R clears it alone in 3.5 s" in _notes(ctx, ["F"], [7])[0]
    other = alone_notes(ctx, np.array(["base"]), np.array(["F"]), np.array([7]),
                        np.array(["SLG"]), np.array(["min"]))
    assert other[0].endswith(", and nor is R, the next device toward the source")


def test_backup_sets_are_told_apart_beyond_64_backups() -> None:
    # #21: the 'nor is' texts are written once per (device, set of backups), the sets
    # compared as bit masks 64 backups a word. F at bus 1 has 70 backups without a time, at
    # bus 2 the same but the 66th (B65, second word) and at bus 3 the same 70 again: three
    # rows, two texts, each listing its own backups sorted as text
    names = [f"B{k:02d}" for k in range(70)]
    pairs = [(1, "F", b) for b in names] + [(2, "F", b) for b in names if b != "B65"] \
        + [(3, "F", b) for b in reversed(names)]
    ctx = _ctx({("F", 1): np.inf, ("F", 2): np.inf, ("F", 3): np.inf}, pairs)
    out = _notes(ctx, ["F", "F", "F", "G"], [1, 2, 3, 1])
    assert out[0].endswith(f", and nor is {' and '.join(names)}, the next device toward the "
                           "source")
    assert "B64 and B66" in out[1] and "B65" not in out[1]
    assert out[2] == out[0]
    assert out[3].endswith("G is not sure to operate for it (no clearing time at this current: "
                           "below its pickup or its total-clearing curve), and no device of the "
                           "study is between it and the source")
