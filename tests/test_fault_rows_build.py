"""The kept device rows assembled slice by slice (``DeviceRowsBuilder.build``) and the label
helper ``repeated`` (#21): the same arrays as the concatenation they replace."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.engine.device_rows import DeviceRowsBuilder
from protv2g.engine.repeated import repeated


def _piece(rng, k: int, n_stage: int | None, dtype=np.complex128):
    pos = np.sort(rng.choice(50, size=k, replace=False)).astype(np.int64)
    i = (rng.standard_normal((k, 3)) + 1j * rng.standard_normal((k, 3))).astype(dtype)
    v = (rng.standard_normal((k, 3)) + 1j * rng.standard_normal((k, 3))).astype(dtype)
    st = None
    if n_stage is not None:
        st = (rng.random((n_stage, k, 4)).astype(np.float32),
              rng.random((n_stage, k)).astype(np.float32),
              rng.random((n_stage, k)).astype(np.float32))
    return pos, i, v, st


def _concatenated(pieces: dict, m: int, dtype) -> dict:
    """The arrays as the former ``build`` made them: one concatenation per array, the
    stages padded (currents: the last stage repeated; times: ``inf``)."""
    keys = sorted(pieces)
    parts = [pieces[k] for k in keys]
    n_stage = max((p[3][0].shape[0] for p in parts if p[3] is not None), default=0)

    def pad(x, time):
        if len(x) >= n_stage:
            return x
        fill = (np.full((n_stage - len(x),) + x.shape[1:], np.inf, x.dtype) if time
                else np.repeat(x[-1:], n_stage - len(x), axis=0))
        return np.concatenate([x, fill])

    pos = np.concatenate([p[0] for p in parts])
    out = {"pos": pos, "device": (pos // m).astype(np.int32),
           "fault_bus": (pos % m).astype(np.int32),
           "i": np.concatenate([p[1] for p in parts]).astype(dtype),
           "v": np.concatenate([p[2] for p in parts]).astype(dtype),
           "slice_key": np.repeat(np.array(keys, np.int32).reshape(-1, 3),
                                  [len(p[0]) for p in parts], axis=0)}
    if n_stage:
        for j, name, time in ((0, "staged", False), (1, "t0", True), (2, "t1", True)):
            out[name] = np.concatenate([pad(p[3][j], time) for p in parts], axis=1)
    return out


@pytest.mark.parametrize("stages", [(1, 3, 2, 3), None])
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_build_equals_the_concatenation(stages, dtype):
    rng = np.random.default_rng(7)
    keys = [(1, 0, 2), (0, 1, 0), (0, 0, 1), (1, 1, 1)]
    sizes = [5, 0, 1, 12]
    pieces = {k: _piece(rng, n, None if stages is None else stages[j], dtype)
              for j, (k, n) in enumerate(zip(keys, sizes, strict=True))}
    ref = _concatenated(dict(pieces), 10, dtype)
    b = DeviceRowsBuilder(1.0)
    b.pieces = dict(pieces)
    rows = b.build(10, dtype)
    assert b.pieces == {}  # each slice's pieces dropped as they are copied
    for name, got in (("slice_key", rows.slice_key), ("device", rows.device),
                      ("fault_bus", rows.fault_bus), ("i", rows.i_012_ka),
                      ("v", rows.v_012_pu)):
        assert got.dtype == ref[name].dtype, name
        np.testing.assert_array_equal(got, ref[name], strict=True)
    if stages is None:
        assert rows.staged_i_a is None and rows.t_start_s is None and rows.t_end_s is None
    else:
        for name, got in (("staged", rows.staged_i_a), ("t0", rows.t_start_s),
                          ("t1", rows.t_end_s)):
            np.testing.assert_array_equal(got, ref[name], strict=True)
    assert sorted(rows.positions) == sorted(keys)
    for k in keys:
        np.testing.assert_array_equal(rows.positions[k], pieces[k][0])


def test_build_without_slices():
    rows = DeviceRowsBuilder(1.0).build(10, np.complex128)
    assert len(rows) == 0 and rows.i_012_ka.shape == (0, 3)
    assert rows.slice_key.shape == (0, 3) and rows.staged_i_a is None


def test_repeated_is_one_reference_per_row():
    col = repeated("set/a", 4)
    assert col.dtype == object and col.tolist() == ["set/a"] * 4
    assert len({id(x) for x in col}) == 1
    assert repeated("x", 0).shape == (0,)
    pair = repeated((1, 2), 2)  # a tuple stays one element
    assert pair.shape == (2,) and pair[1] == (1, 2)
