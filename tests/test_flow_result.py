"""``reverse_flow_summary`` (the "Flow reverse" sheet) against a per-group reference (#21)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.flow.result import REVERSE_COLUMNS, reverse_flow_summary, step_ranges


def _per_group(devices: pd.DataFrame) -> pd.DataFrame:
    """The one-frame-per-group summary used before #21 (reference)."""
    rows = []
    for (scenario, device), g in devices.groupby(["scenario", "device"], sort=False):
        rev = g[g["reverse_flow"]]
        rows.append({
            "scenario": scenario, "device": device, "kind": g["kind"].iloc[0],
            "n_steps": len(g), "n_reverse_steps": len(rev),
            "reverse_steps": step_ranges(rev["step"].to_numpy()),
            "first_reverse_time_h": float(rev["time_h"].min()) if len(rev) else np.nan,
            "max_reverse_p_mw": float(max(0.0, -g["p_mw"].min())) if len(rev) else 0.0,
            "max_i_a": float(g["i_a"].max())})
    return pd.DataFrame(rows, columns=REVERSE_COLUMNS)


def test_reverse_summary_equals_the_per_group_reference() -> None:
    rng = np.random.default_rng(3)
    n = 600
    step = rng.integers(0, 96, n)
    p = rng.normal(0.2, 0.5, n)
    p[rng.choice(n, 30)] = np.nan
    devices = pd.DataFrame({
        "scenario": rng.choice(["v2g/peak", "base/peak", "day/base"], n), "step": step,
        "time_h": step * 0.25, "device": rng.choice(["R1", "F2", "REC-3", "R4"], n),
        "kind": "relay", "i_a": rng.uniform(0, 300, n), "p_mw": p, "reverse_flow": p < 0})
    devices.loc[devices.device == "R4", "p_mw"] = np.nan   # all NaN: 0 MW reverse
    devices.loc[devices.device == "F2", "reverse_flow"] = False
    got = reverse_flow_summary(devices)
    pd.testing.assert_frame_equal(got, _per_group(devices), check_exact=True)
    assert (got.loc[got.device == "R4", "max_reverse_p_mw"] == 0.0).all()
    assert (got.loc[got.device == "F2", "reverse_steps"] == "").all()
    empty = reverse_flow_summary(devices.iloc[:0])
    pd.testing.assert_frame_equal(empty, _per_group(devices.iloc[:0]))


def test_noise_below_the_deadband_is_no_reverse_power() -> None:
    """Review rev39a F4 (EPRI DG feeder, recloser d with no load behind it): the Flow reverse
    sheet printed "Max reverse p (MW)" 6.9e-13 with 0 reverse steps. A power inside the flow's
    direction deadband (1 kW, :mod:`protv2g.flow.opendss_study`) is not reverse: 0 MW."""
    devices = pd.DataFrame({"scenario": "v2g", "step": [0, 1], "time_h": [0.0, 0.25],
                            "device": "d", "kind": "recloser", "i_a": [0.1, 0.1],
                            "p_mw": [-6.9e-13, 2e-13], "reverse_flow": [False, False]})
    got = reverse_flow_summary(devices)
    assert got.n_reverse_steps.tolist() == [0] and got.max_reverse_p_mw.tolist() == [0.0]
    rev = devices.assign(p_mw=[-0.25, 0.1], reverse_flow=[True, False])
    assert reverse_flow_summary(rev).max_reverse_p_mw.tolist() == [0.25]
