"""The twin scenarios' rows taken with the sort (#21, mem21): ``concat_taken`` with a gather
gives what the expanded frame concatenated and taken gave; the messages rewritten a chunk at
a time are those rewritten at once."""

import numpy as np
import pandas as pd

from protv2g.checks import distinct_blocks as db
from protv2g.checks._row_frames import concat_owned, concat_taken, gathered, take_columns


def _twins() -> db.FaultTwins:
    return db.FaultTwins(copies={"s2": "s1"}, rank={"s1": 0, "s2": 1},
                         block={"s1": slice(0, 3), "s2": slice(3, 6)}, rows=np.arange(3),
                         bus_rows=None)


def _rows() -> pd.DataFrame:
    return pd.DataFrame({"criterion": ["C2", "C1", "C2"], "status": ["fail", "warn", "fail"],
                         "scenario": ["s1", "s0", "s1"], "margin": [0.5, -1.0, 2.5],
                         "message": ["x at export 1", "y", "z at export 1"]})


def test_gathered_take_is_the_expanded_take() -> None:
    text = {"s1": "export 1", "s2": "export 2", "s0": "no export"}.get
    other = pd.DataFrame({"criterion": ["C1"], "status": ["fail"], "scenario": ["s2"],
                          "margin": [7.0], "message": ["flow row"]})
    whole = [db.expand(_rows(), _twins(), text), other.copy()]
    order = np.lexsort([np.concatenate([f[c].to_numpy() for f in whole]).astype(str)
                        for c in ("scenario", "status", "criterion")])
    want = take_columns(concat_owned(whole), order)
    frames, plan = [_rows(), other.copy()], db.expansion(_rows(), _twins(), text)
    keys = [np.concatenate([gathered(f, g, c) for f, g in zip(frames, [plan, None], strict=True)])
            for c in ("scenario", "status", "criterion")]
    assert np.array_equal(np.lexsort([k.astype(str) for k in keys]), order)
    got = concat_taken(frames, order, [plan, None])
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.message.tolist().count("x at export 2") == 1


def test_messages_by_chunks_are_the_messages_at_once(monkeypatch) -> None:
    msg = np.array([f"m{k} at export 1" for k in range(7)] + [None], dtype=object)
    at_once = db._messages(msg, "s1", ["s2", "s3"], lambda s: f"export {s[1]}")
    monkeypatch.setattr(db, "_CHUNK", 3)
    by_chunks = db._messages(msg, "s1", ["s2", "s3"], lambda s: f"export {s[1]}")
    for x, y in zip(at_once, by_chunks, strict=True):
        assert x.dtype == object and x.tolist() == y.tolist()
    assert by_chunks[1][6] == "m6 at export 3" and by_chunks[0][7] is None
