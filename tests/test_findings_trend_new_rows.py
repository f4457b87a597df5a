"""The rule that chooses a finding's trend text when its rows exist only where V2G makes it
fail (review s21, EPRI J1's F03: reverse power through the substation regulator, caused by
V2G, at 100 % export only in each participation case, read "does not move with export:
expected −0.0556 MW; firm −0.4458 MW at every level from 1,658 to 2,072 kW")."""

from __future__ import annotations

import pandas as pd

from protv2g.findings_trend import export_trend


def _rows(margins, p_kw, participation, attribution="new"):
    n = len(margins)
    return pd.DataFrame({"margin": margins, "p_export_kw": p_kw,
                         "participation": participation, "attribution": [attribution] * n,
                         "base_margin": [float("nan")] * n, "tolerance": [float("nan")] * n,
                         "device": "REG:subxfmr", "other_device": "", "fault_bus": "",
                         "fault_type": "", "case": ""})


def test_j1_f03_caused_rows_at_one_level_per_case_worsen():
    # J1's F03 rows, worst first (the Evidence sheet): no base row, every row "new"
    rows = _rows([-0.445767, -0.055596], [2072.0, 1657.6], ["firm", "expected"])
    text = export_trend(rows, "MW")
    assert not text.startswith("does not move"), text
    assert text == ("worsens with export: passes at 0 kW (without V2G); −0.0556 MW at "
                    "1,658 kW; −0.4458 MW at 2,072 kW (kW: all sites' export together)")


def test_one_level_per_case_is_no_trend_without_a_base_point():
    # the same rows, pre-existing (their base row absent from the finding): one level per
    # case gives nothing to compare within a case
    rows = _rows([-0.445767, -0.055596], [2072.0, 1657.6], ["firm", "expected"],
                 attribution="pre-existing")
    text = export_trend(rows, "MW")
    assert text.startswith("one export level per participation case only (no trend within a "
                           "case): "), text
    assert "expected −0.0556 MW at 1,658 kW" in text and "firm −0.4458 MW at 2,072 kW" in text


def test_caused_margin_flat_over_export_is_judged_on_its_rows():
    """Caused by V2G, the same margin at every export level of its case: the case's own rows
    show it does not move with export (the depot's F06); the base point is added only where a
    case has one level (it is the chargers' presence, not the export, that the rows show)."""
    rows = _rows([-0.75, -0.75, -0.75], [1036.0, 1658.0, 2072.0], ["firm"] * 3)
    assert export_trend(rows, "%").startswith("does not move with export: −0.75 % at every")
    mixed = _rows([-0.75, -0.75, -0.2], [1036.0, 2072.0, 1658.0], ["firm", "firm", "expected"])
    assert export_trend(mixed, "%").startswith(
        "worsens with export: passes at 0 kW (without V2G); −0.75 % at 1,036 kW")


def test_rows_with_a_base_row_are_unchanged():
    rows = _rows([-0.0515, -0.0518], [2072.0, 0.0], ["firm", "expected"],
                 attribution="pre-existing")
    assert export_trend(rows, "MW").startswith("does not move with export")


def test_a_passing_base_point_is_a_bound_not_a_zero_margin():
    """Review rev41a M3 (IEEE 34 with the head's 32 element, F14): reverse power exists only
    with V2G; expected 100 % (846 kW) passes by 0.04218 MW, firm 100 % (1,058 kW) fails by
    0.1677 MW. The "passes at 0 kW" point was taken as a margin of 0, so expected's 0 →
    +0.042 MW read as an improvement and the finding "varies with export (no steady trend)".
    It passes without V2G and still at 846 kW (no direction known), fails at 1,058 kW: it
    worsens."""
    f14 = _rows([-0.167737, 0.042176], [1057.6, 846.08], ["firm", "expected"])
    assert export_trend(f14, "MW") == (
        "worsens with export: passes at 0 kW (without V2G); 0.04218 MW at 846 kW; −0.1677 MW "
        "at 1,058 kW (kW: all sites' export together)")
    # F20 (51P, A): passes everywhere, one level per case — no direction, not "improves"
    f20 = _rows([101.695972, 104.589594], [1057.6, 846.08], ["firm", "expected"])
    text = export_trend(f20, "A")
    assert text.startswith("one export level per participation case only (no trend within a "
                           "case; it passes without V2G): "), text
    assert "firm 101.7 A at 1,058 kW" in text and "expected 104.6 A at 846 kW" in text
