"""The TCC sheet draws the rule values the checks used (review 2026-12-01: the plot drew the
recloser's fast curve × 1.35, a fixed fallback, where C2 judged with the table's K = 1.8)."""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.report.tcc_sheets import _drawn_rules, path_figure, plan_tcc


def test_tcc_k_is_the_k_c2_used(depot_result):
    k, ratio = _drawn_rules(depot_result)
    v = depot_result.violations
    c2 = v[(v["criterion"] == "C2") & (v["rule"] == "fuse_saving_k")]
    assert len(c2), "the depot's C2 rows carry their K"
    for device, rows in c2.groupby("device", observed=True):
        used = pd.to_numeric(rows["rule_value"], errors="coerce").dropna().unique()
        assert len(used) == 1 and k[str(device)] == pytest.approx(float(used[0]))
    assert k["RC-F1"] == pytest.approx(1.8)  # Short's table, 2 fast shots (Rules sheet)
    assert ratio == pytest.approx(0.75)


def test_tcc_trace_label_names_that_k(depot_result):
    plan = plan_tcc(depot_result)
    k, ratio = _drawn_rules(depot_result)
    path = next(p for p in plan.paths if "RC-F1" in p and p[-1].startswith("FU"))
    fig = path_figure([plan.models[n] for n in path], "phase", {}, k_fast=k, mm_ratio=ratio)
    labels = [t.get_label() for t in fig.axes[0].get_lines()]
    assert any("RC-F1" in s and "1.8 × fast" in s for s in labels), labels
    assert not any("1.35 × fast" in s for s in labels)
