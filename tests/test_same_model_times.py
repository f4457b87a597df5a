"""Devices of one model evaluated together (#21, ``protv2g.checks._times.same_model_rows``):
the operating times of every row bit for bit those of evaluating each device apart, and
row frames whose columns come in another order concatenated column by column
(``_row_frames.concat_owned``) exactly as :func:`pandas.concat` concatenates them.

Reference: :func:`protv2g.checks._times.device_times` with the grouping switched off (each
device on its own rows, what it did before) and :func:`pandas.concat`. These are equivalence
tests of a refactor: they pass on the old code's behaviour by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import protv2g.checks._times as times_module
from protv2g.checks._row_frames import concat_owned
from protv2g.checks._times import _same_model, device_times, same_model_rows
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser
from protv2g.engine.staged_tables import StagedCurrents


def _relay(name: str, **kw) -> OvercurrentRelay:
    args = dict(pickup_a=400.0, curve="IEEE-MI", time_dial=0.6, inst_pickup_a=4000.0,
                ground_pickup_a=120.0, ground_curve="IEEE-VI", ground_time_dial=2.0)
    args.update(kw)
    return OvercurrentRelay(name=name, **args)


def _recloser(name: str, **kw) -> Recloser:
    args = dict(phase_min_trip_a=280.0, fast_curve="101", delayed_curve="133",
                ground_min_trip_a=100.0)
    args.update(kw)
    return Recloser(name=name, **args)


def _devices() -> dict[str, object]:
    """Three fuses of one link, one of another, two reclosers alike, a third with another
    minimum trip, two relays alike and one with another dial (model groups of 1 to 3)."""
    return {"F1": Fuse(name="F1", link="65K"), "F2": Fuse(name="F2", link="65K"),
            "F9": Fuse(name="F9", link="40K"), "F3": Fuse(name="F3", link="65K"),
            "RC1": _recloser("RC1"), "RC2": _recloser("RC2"),
            "RC3": _recloser("RC3", phase_min_trip_a=300.0),
            "R1": _relay("R1"), "R2": _relay("R2"), "R3": _relay("R3", time_dial=0.7)}


def test_same_model_is_the_model_without_the_name():
    d = _devices()
    assert _same_model(d["F1"], d["F2"]) and _same_model(d["F1"], d["F3"])
    assert _same_model(d["RC1"], d["RC2"]) and _same_model(d["R1"], d["R2"])
    assert not _same_model(d["F1"], d["F9"])  # another link
    assert not _same_model(d["RC1"], d["RC3"])  # another minimum trip
    assert not _same_model(d["R1"], d["R3"])  # another dial
    assert not _same_model(d["F1"], d["RC1"])
    # a setting equal by ``==`` but not by its bits (0.0 and -0.0): not one model
    assert not _same_model(_relay("A", time_adder_s=0.0), _relay("B", time_adder_s=-0.0))
    assert not _same_model(Fuse(name="A", link="65K", preload_factor=1.0),
                           Fuse(name="B", link="65K", preload_factor=0.9))
    devs, rows = same_model_rows(d, {k: np.array([i]) for i, k in enumerate(d)})
    assert list(devs) == ["F1", "F9", "RC1", "RC3", "R1", "R3"]
    assert rows["F1"].tolist() == [0, 1, 3] and rows["RC1"].tolist() == [4, 5]
    # a device without rows is left out, the group then named by its first device with rows
    devs, rows = same_model_rows(d, {"F2": np.array([7]), "F3": np.array([2])})
    assert list(devs) == ["F2"] and rows["F2"].tolist() == [7, 2]


def _stages(n: int, seed: int) -> StagedCurrents:
    """``n`` rows of 1 to 4 real stages, padded as the engine pads (tests/test_checks_times)."""
    rng = np.random.default_rng(seed)
    real = rng.integers(1, 5, n)
    i_a = np.empty((4, n, 4), np.float32)
    t0 = np.full((4, n), np.inf, np.float32)
    t1 = np.full((4, n), np.inf, np.float32)
    starts = np.array([0.0, 1 / 60, 0.16, 0.9], np.float32)
    for k in range(4):
        i_a[k] = rng.uniform(0.0, 6000.0, (n, 4)).astype(np.float32)
        here = real > k
        if k:
            i_a[k, ~here] = i_a[k - 1, ~here]
        t0[k, here] = starts[k]
        t1[k, here & (real > k + 1)] = starts[k + 1] if k < 3 else np.inf
    return StagedCurrents(i_a, t0, t1, ("first_cycle", "sustained", "after_trip_1",
                                        "after_trip_2"), pd.DataFrame())


def _table(n: int, seed: int, names: list[str]) -> pd.DataFrame:
    """A device table of ``n`` rows, devices in random order (a name of no model too),
    first-cycle currents repeating on a third of the rows (``per_distinct`` groups them)."""
    rng = np.random.default_rng(seed)
    ka = rng.uniform(0.0, 6.0, (n, 4))
    again = rng.random(n) < 0.3
    ka[again] = ka[rng.integers(0, n, again.sum())]
    ka[rng.random(n) < 0.02, 3] = 0.0
    return pd.DataFrame({
        "scenario": np.array(["base", "v2g"], dtype=object)[rng.integers(0, 2, n)],
        "device": np.array([*names, "none"], dtype=object)[rng.integers(0, len(names) + 1,
                                                                         n)],
        "ia_ka": ka[:, 0], "ib_ka": ka[:, 1], "ic_ka": ka[:, 2], "i3i0_ka": ka[:, 3]})


def _high_of(low: StagedCurrents, seed: int) -> StagedCurrents:
    """The other bracket, differing on about a tenth of the rows."""
    rng = np.random.default_rng(seed)
    i_a = low.i_a.copy()
    rows = rng.random(low.n_rows) < 0.1
    i_a[1, rows, 0] *= np.float32(1.3)
    return StagedCurrents(i_a, low.t_start_s.copy(), low.t_end_s.copy(), low.stage_names,
                          low.sites)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("brackets", ["none", "one", "both"])
def test_grouped_times_are_each_device_apart(monkeypatch, seed, brackets):
    devices = _devices()
    n = 3000
    table = _table(n, seed, list(devices))
    low = _stages(n, seed) if brackets != "none" else None
    high = _high_of(low, seed) if brackets == "both" else None
    got = device_times(devices, table, low, high)
    groups = same_model_rows(devices, {k: np.zeros(1, int) for k in devices})[0]
    assert len(groups) == 6 < len(devices)  # the grouping is exercised
    # the former formulation: every device on its own rows
    monkeypatch.setattr(times_module, "same_model_rows",
                        lambda d, r: ({k: v for k, v in d.items() if k in r},
                                      {k: r[k] for k in d if k in r}))
    want = device_times(devices, table, low, high)
    assert list(got.columns) == list(want.columns)
    for c in want.columns:
        a, b = got[c].to_numpy(), want[c].to_numpy()
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64), err_msg=c)
        else:
            assert a.tolist() == b.tolist(), c
    # rows of no model keep NaN times; every device's own rows got times
    none = table.device.to_numpy() == "none"
    assert np.isnan(got["t_op_s"].to_numpy()[none]).all()
    assert not np.isnan(got["t_op_s"].to_numpy()[~none]).all()


@pytest.mark.parametrize("seed", range(6))
def test_concat_owned_of_columns_in_another_order_is_pandas_concat(seed):
    rng = np.random.default_rng(seed)
    cols = ["criterion", "margin", "element", "_reach_key", "message", "n"]

    def frame(n: int, order: list[str]) -> pd.DataFrame:
        data = {"criterion": np.array(["C5", "C2"], dtype=object)[rng.integers(0, 2, n)],
                "margin": rng.normal(size=n), "element": rng.integers(0, 3, n).astype(np.int8),
                "_reach_key": rng.integers(-1, 3, n).astype(np.int8),
                "message": np.array([f"m{k}" for k in range(n)], dtype=object),
                "n": (rng.integers(0, 9, n).astype(np.int64) if rng.random() < 0.5
                      else rng.integers(0, 9, n).astype(np.int32))}  # dtypes differing too
        return pd.DataFrame({c: data[c] for c in order})

    frames = []
    for _ in range(rng.integers(2, 5)):
        order = list(cols)
        rng.shuffle(order)
        frames.append(frame(int(rng.integers(1, 50)), order))
    want = pd.concat([f.copy() for f in frames], ignore_index=True)
    got = concat_owned(frames)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.columns) == list(frames[0].columns) or all(len(f.columns) == 0
                                                               for f in frames)
    assert all(len(f.columns) == 0 for f in frames)  # column by column: the frames emptied
