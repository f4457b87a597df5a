"""The export trend's 0 kW point is the chargers-idle figure where the rows carry one
(mix38; ver37 §3, §5a, §6):

* EPRI ckt5 F02 (C1 head / F-DEPOT, F-DEPOT on the project's own transformer: no base twin)
  read "worsens with export: passes at 0 kW (without V2G); −3.801 s at 1,054 kW; −9.87 s at
  1,318 kW" — F-DEPOT does not exist without the project; the reviewer's OpenDSS: with the
  chargers idle the pair passes (fuse 354 A, 100K ≈ 18 s against the head's 51G ≈ 27 s).
* EPRI J1 at 1 kW F06 (C5 head-temp_sub, "caused by the project's equipment") read "worsens
  with export: −0.1216 × pickup at 0 kW; −0.2532 × pickup at 1 kW": the 0 kW point was the
  base case (no project), the change the transformer's; 1 kW of export moves nothing.
* IEEE 123 F02 left out its idle point (0.248 × pickup, margin 0.248 − 1.5 = −1.252), better
  than every exporting row.

Stand-in rows: one row's story (same device, fault, case) at export levels, with
``idle_margin`` (the same row with every charger idle, the project's equipment in).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.findings_trend import export_trend


def _rows(margins, kws, base, idle, attribution="new", unit_tol=0.05):
    n = len(margins)
    return pd.DataFrame({
        "margin": margins, "p_export_kw": kws, "participation": "firm",
        "tolerance": unit_tol, "device": "head", "other_device": "F-DEPOT",
        "fault_bus": "f-depot", "fault_type": "SLG-b", "case": "min",
        "attribution": attribution, "base_margin": [base] * n, "idle_margin": [idle] * n})


def test_a_device_without_base_twin_reads_its_chargers_idle_point():
    rows = _rows([-9.87, -3.801], [1318.0, 1054.0], np.nan, 8.6)
    text = export_trend(rows, "s")
    assert text.startswith("worsens with export: 8.6 s with the chargers idle; −3.801 s at "
                           "1,054 kW; −9.87 s at 1,318 kW")
    assert "without V2G" not in text and "passes at 0 kW" not in text
    assert "the 0 kW point with every charger idle and the project's equipment in" in text


def test_an_equipment_change_is_not_called_a_change_with_export():
    rows = _rows([-0.2532], [1.0], -0.1216, -0.2532, attribution="equipment", unit_tol=0.02)
    text = export_trend(rows, "× pickup")
    assert text.startswith("does not move with export")
    assert "−0.1216 × pickup without the project" in text
    assert "−0.2532 × pickup" in text
    assert "worsens" not in text


def test_the_idle_point_is_kept_where_it_is_better_than_every_exporting_row():
    rows = _rows([-1.372, -1.259], [634.0, 1268.0], np.nan, -1.252, unit_tol=0.0)
    text = export_trend(rows, "× pickup")
    assert "−1.252 × pickup with the chargers idle" in text
    assert text.index("−1.252") < text.index("−1.372")


def test_without_an_idle_figure_the_base_twin_stays_the_0_kw_point():
    rows = _rows([-4.192, -12.35], [659.0, 1318.0], 2.759, np.nan)
    assert export_trend(rows, "s").startswith("worsens with export: 2.759 s without V2G; "
                                              "−4.192 s at 659 kW")


def test_a_base_row_in_the_finding_is_the_point_without_the_project():
    """J1 1 kW F06 as it is: the finding holds the base case's own row (0 kW, −0.1216) and
    the 1 kW row (−0.2532), whose idle figure is −0.2532."""
    rows = _rows([-0.2532, -0.1216], [1.0, 0.0], -0.1216, np.nan, attribution="equipment",
                 unit_tol=0.02)
    rows.loc[0, "idle_margin"] = -0.2532
    rows.loc[1, "attribution"] = "pre-existing"
    text = export_trend(rows, "× pickup")
    assert text.startswith("does not move with export")
    assert "−0.1216 × pickup without the project; −0.2532 × pickup with the chargers idle" in text


def test_another_row_of_the_equipment_is_not_said_to_be_v2gs():
    """J1 1 kW F06 after the idle point: "does not move with export" then named another row
    of the finding, an equipment row, as "V2G worsens another row"."""
    rows = _rows([-0.2532, -0.1216, -0.001827], [1.0, 0.0, 1.0], np.nan, np.nan,
                 attribution="equipment", unit_tol=0.02)
    rows["base_margin"] = [-0.1216, np.nan, 0.1657]
    rows["idle_margin"] = [-0.2532, np.nan, -0.0018]
    rows.loc[1, "attribution"] = "pre-existing"
    rows.loc[2, "fault_bus"] = "g44012"
    text = export_trend(rows, "× pickup")
    assert "V2G worsens" not in text
    assert text.endswith("; the project's equipment worsens another row of the finding: "
                         "−0.001827 × pickup at SLG-b g44012 min (0.1657 × pickup without "
                         "the project)")
