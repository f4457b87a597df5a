"""The load-level text of a flows-only row (:func:`protv2g.findings_rows.day_load`): the
charging snapshots' base ``base/der_off`` is not a step of the day (review rev43c M2 follow-up,
IEEE 123 as init drafts it: C12's line.sw1 loading rows at ``base/der_off`` read "day (100 %
of peak load)" once C12 rows carried their load fraction)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.findings_rows import day_load


def test_each_flows_only_scenario_reads_its_own_load_level():
    rows = pd.DataFrame({
        "scenario": ["charging/firm", "base/der_off", "day/expected", "firm/peak/100%"],
        "load_fraction": [1.0, 1.0, 0.916, 1.0], "time_h": [np.nan, np.nan, 20.0, np.nan]})
    got = day_load(np.array(["", "", "", "peak"], dtype=object), rows).tolist()
    assert got == ["charging snapshot (100 % of peak load)",
                   "charging snapshots' base, existing DER off (100 % of peak load)",
                   "day 20:00 (92 % of peak load)", "peak"]
