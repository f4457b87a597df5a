"""C5, C11 and C12 rows name the threshold they are judged by (review rev39a F2: the Evidence
sheet's Rule / Rule value / Rule source were empty on every C5, C11 and C12 row of EPRI ckt24
and the DG feeder; :mod:`protv2g.checks.rule_fill`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.rule_fill import fill_threshold_rules
from protv2g.study.schema import Checks


def _rows() -> pd.DataFrame:
    return pd.DataFrame({
        "criterion": ["C5", "C5", "C5", "C5", "C11", "C12", "C12", "C12", "C1"],
        "status": ["fail", "warn", "warn", "fail", "warn", "fail", "fail", "fail", "fail"],
        "margin_unit": ["× pickup", "× pickup", "fraction", "× pickup", "MW", "pu", "pu", "%",
                        "s"],
        # a gG band link's own reach factor (not the study's 1.5); C12's under-voltage row
        # names its own rule already
        "limit": [1.5, 1.2, 0.1, 1.6, 0.0, 1.05, 0.95, 100.0, 0.3],
        "rule": ["", "", "", "", "", "", "v_min_pu", "", "coordination_interval"],
        "rule_value": [np.nan] * 6 + [0.95, np.nan, 0.3],
        "rule_source": [""] * 6 + ["ANSI C84.1", "", "IEEE 242"]})


def test_each_row_names_its_threshold_and_source():
    v = fill_threshold_rules(_rows(), Checks())
    assert v.rule.tolist() == [
        "sensitivity_primary_factor", "sensitivity_backup_factor", "v2g_change_fraction", "",
        "island_load_ratio", "v_max_pu", "v_min_pu", "loading_max_percent",
        "coordination_interval"]
    # the published values (domain.md §4: 1.5 / 1.2 × pickup, 10 %, 1/3; ANSI C84.1-2020
    # Range A 126 V / 120 V = 1.05 pu by hand)
    assert v.rule_value.tolist()[:3] == [1.5, 1.2, 0.1]
    assert v.rule_value[4] == pytest.approx(1 / 3) and v.rule_value[5] == pytest.approx(126 / 120)
    assert v.rule_source[0].startswith("IEEE Std C37.230-2020 §6.2")
    assert v.rule_source[4].startswith("Sandia SAND2012-1365")
    assert v.rule_source[5].startswith("ANSI C84.1-2020 Table 1, Range A")
    assert v.rule_source[6] == "ANSI C84.1" and v.rule_source[8] == "IEEE 242"  # kept
    assert np.isnan(v.rule_value[3])


def test_a_study_value_is_sourced_to_the_study_file():
    v = fill_threshold_rules(_rows().assign(limit=[1.5, 1.3, 0.1, 1.6, 0.0, 1.05, 0.95, 100.0,
                                                   0.3]),
                             Checks(sensitivity_backup_factor=1.3))
    assert v.rule[1] == "sensitivity_backup_factor" and v.rule_value[1] == 1.3
    assert v.rule_source[1] == "study file (checks.sensitivity_backup_factor)"


def test_a_threshold_rule_keys_no_finding_of_its_own():
    """The rule named on C5/C12 rows is the criterion's threshold for every row: the findings
    group and title as before (no "(v_max_pu)" sub-rule), C2's own rule still keys its own."""
    from protv2g.findings import build_findings

    v = pd.DataFrame({"criterion": ["C12", "C12"], "status": ["fail", "fail"],
                      "attribution": ["new", "new"],
                      "scenario": ["firm/light/100%", "firm/peak/100%"],
                      "fault_bus": ["B2", "B3"], "fault_type": ["", ""], "case": ["", ""],
                      "device": ["", ""], "other_device": ["", ""], "margin": [-0.01, -0.02],
                      "margin_unit": ["pu", "pu"], "limit": [1.05, 1.05],
                      "message": ["m", "m"], "mechanism": ["", ""], "rule": ["", ""],
                      "rule_value": [np.nan, np.nan], "rule_source": ["", ""]})
    before = build_findings(v).findings
    filled = fill_threshold_rules(v.copy(), Checks())
    assert filled.rule.tolist() == ["v_max_pu", "v_max_pu"]
    after = build_findings(filled).findings
    assert len(before) == len(after) == 1
    assert after.title.tolist() == before.title.tolist()
    assert after.mechanism.tolist() == [""]
