"""C5's equipment marks (:func:`protv2g.checks.equipment_rows.reach_equipment`) look the base
margins up only when the fault table holds idle figures (#21, perf37: the lookup — a string
MultiIndex of every shortfall row, 204,561 at 10,000 buses — ran and was thrown away on every
study without a site transformer, ≈ 0.2 s CPU). With idle figures the lookup and the marks are
as before (``test_equipment_reach_sympathetic`` checks their values against OpenDSS)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks import equipment_rows
from protv2g.checks.converter_sum import NET_COLUMNS


def _rows_and_bad(n: int = 3) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    bad = {"scenario": np.array(["v/light/100%"] * n, dtype=object),
           "device": np.array(["head"] * n, dtype=object),
           "fault_bus_name": np.array([f"b{k}" for k in range(n)], dtype=object),
           "fault_type": np.array(["SLG-a"] * n, dtype=object),
           "case": np.array(["min"] * n, dtype=object),
           "element": np.array(["ground"] * n, dtype=object),
           "pickup_a": np.full(n, 100.0), "factor": np.full(n, 1.5),
           "tolerance": np.full(n, 0.07)}
    rows = pd.DataFrame({"attribution": [""] * n, "message": ["m"] * n})
    return rows, bad


def _ctx(columns: list[str]) -> SimpleNamespace:
    faults = pd.DataFrame({c: [np.nan] for c in ["scenario", "device", *columns]})
    return SimpleNamespace(faults=faults, base_of={"v/light/100%": "base/light"}, cache={})


def test_no_idle_figures_no_base_margin_lookup_and_no_mark(monkeypatch):
    """Without idle columns nothing is marked (as before) and ``_base_twin`` is not called
    (it was: this fails on 2864b09)."""
    def boom(*args, **kwargs):
        raise AssertionError("base margins looked up on a study without idle figures")

    monkeypatch.setattr(equipment_rows, "_base_twin", boom)
    rows, bad = _rows_and_bad()
    before = rows.copy()
    equipment_rows.reach_equipment(_ctx([]), rows, np.arange(3), bad, None)
    pd.testing.assert_frame_equal(rows, before)


def test_idle_figures_still_look_the_base_margins_up(monkeypatch):
    """With the network part's columns (a site transformer modelled) the base margins are
    read and handed to :func:`reach_idle`, whose marks are set on the rows."""
    seen = {}

    def margin(ctx, frame, margins):
        seen["rows"] = len(frame)
        return np.array([0.3, np.nan, -0.2]), np.array(["ground", "", "phase"], dtype=object)

    def idle(ctx, frame, m_base, out=None, base_element=None):
        seen["m_base"] = np.asarray(m_base)
        seen["base_element"] = list(base_element)
        return np.array([True, False, False]), ["; idle", "", ""]

    monkeypatch.setattr(equipment_rows, "_base_twin", margin)
    monkeypatch.setattr(equipment_rows, "reach_idle", idle)
    rows, bad = _rows_and_bad()
    equipment_rows.reach_equipment(_ctx(list(NET_COLUMNS)), rows, np.arange(3), bad, None)
    assert seen["rows"] == 3
    np.testing.assert_allclose(seen["m_base"], [0.3, np.nan, -0.2], equal_nan=True)
    assert seen["base_element"] == ["ground", "", "phase"]  # the twins' elements (rev43a W1)
    assert rows["message"].tolist() == ["m; idle", "m", "m"]
    assert rows["attribution"].iloc[0] != "" and rows["attribution"].iloc[1] == ""
