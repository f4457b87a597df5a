"""rev47a #6: a lost backup (C4 "backup does not operate") that already took 87 s without V2G
says so beside its export trend (EPRI J1 F02, head over recloser: "worsens with export: 87.18 s
without V2G; −∞ (does not operate) at 1,644 kW" read as if the sites removed a working
backup). Reference: the margin is the backup's time less the primary's clearing and the
interval (checks.coordination), so the backup's time exceeds the base margin — arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.lost_backup import LOST_BACKUP
from protv2g.findings import build_findings


def _rows(base_margin_s: float) -> pd.DataFrame:
    return pd.DataFrame([{
        "criterion": "C4", "status": "warn", "attribution": "new", "scenario": "firm/light/100%",
        "fault_bus": "b1", "fault_type": "SLG-b", "case": "min", "device": "head",
        "other_device": "recloser-r1", "margin": -np.inf, "margin_unit": "s", "limit": 0.12,
        "mechanism": LOST_BACKUP, "message": "m", "base_margin": base_margin_s,
        "input_basis": "given"}])


def test_a_lost_backup_already_slow_without_v2g_says_so():
    f = build_findings(_rows(87.18)).findings
    assert len(f) == 1
    trend = str(f["export_trend"].iloc[0])
    assert "without V2G the backup already takes 87.18 s more than the primary's" in trend
    assert "C5's backup zone" in trend


def test_a_lost_backup_that_worked_without_v2g_says_nothing_more():
    trend = str(build_findings(_rows(0.4)).findings["export_trend"].iloc[0])
    assert "already takes" not in trend
