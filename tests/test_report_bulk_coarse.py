"""A bulk table whose summary per group is longer than ``SUMMARY_ROWS`` is summarised by its
coarser groups (``BulkSummary.coarse``): the 10,000-bus study's Fault currents per bus were
80,482 rows (#21)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report import bulk
from protv2g.report.bulk import BULK_SUMMARIES, EXTREME_COLUMN, bulk_summary, summarise
from protv2g.report.excel import write_workbook

from .test_report import _small_result

N_BUS, SCENARIOS, TYPES, CASES = 30, ("s0", "s1"), ("3ph", "SLG"), ("max", "min")


def _faults() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = [dict(scenario=s, bus=b, bus_name=f"B{b}", fault_type=t, case=c,
                 ikss_ka=float(rng.uniform(0.5, 9.0)), ikss_degree=-80.0)
            for s in SCENARIOS for b in range(N_BUS) for t in TYPES for c in CASES]
    return pd.DataFrame(rows)


def test_fine_summary_kept_below_the_limit():
    faults = _faults()
    spec = BULK_SUMMARIES["Fault currents"]
    shown, used = bulk_summary(faults, spec)
    assert used is spec
    pd.testing.assert_frame_equal(shown, summarise(faults, spec))


def test_coarse_summary_above_the_limit(monkeypatch):
    monkeypatch.setattr(bulk, "SUMMARY_ROWS", 50)
    faults = _faults()
    spec = BULK_SUMMARIES["Fault currents"]
    assert len(summarise(faults, spec)) > 50
    shown, used = bulk_summary(faults, spec)
    assert used is spec.coarse
    keys = ["scenario", "fault_type", "case"]
    assert len(shown) == 2 * len(SCENARIOS) * len(TYPES) * len(CASES)
    got = shown.groupby(keys)["ikss_ka"].agg(["max", "min"])
    want = faults.groupby(keys)["ikss_ka"].agg(["max", "min"])
    pd.testing.assert_frame_equal(got, want)
    assert set(shown[EXTREME_COLUMN]) == {"max Ikss (kA)", "min Ikss (kA)"}


@pytest.mark.parametrize("title", ["Fault currents", "Flow buses"])
def test_every_coarse_summary_groups_by_fewer_keys(title):
    spec = BULK_SUMMARIES[title]
    assert spec.coarse is not None and spec.coarse.coarse is None
    assert spec.coarse.extremes == spec.extremes
    assert "bus" not in spec.coarse.keys


def test_study_workbook_names_the_coarse_summary(monkeypatch, tmp_path):
    monkeypatch.setattr(bulk, "SUMMARY_ROWS", 50)
    faults = _faults()
    path = write_workbook(_small_result(fault_currents=faults), tmp_path / "s.xlsx",
                          bulk_rows=100, parallel_pictures=False)
    ws = openpyxl.load_workbook(path)["Fault currents"]
    n = 2 * len(SCENARIOS) * len(TYPES) * len(CASES)
    assert ws.max_row == n + 2
    note = ws.cell(row=n + 2, column=1).value
    assert f"shows {n:,} of the table's {len(faults):,} rows" in note
    assert "per scenario, fault type and case" in note
    beside = sorted(tmp_path.glob("s.Fault_currents.*"))
    whole = (pd.read_parquet(beside[0]) if beside[0].suffix == ".parquet"
             else pd.read_csv(beside[0], compression="gzip"))
    pd.testing.assert_frame_equal(whole, faults, check_dtype=False)
