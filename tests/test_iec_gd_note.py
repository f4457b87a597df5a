"""The IEC curves' G_D (20 × the setting, protv2g's default) is said where a study uses one.

Review ver51 #3: after IEC curves became definite time above G_D (rev51 #3), no workbook text
named the 20 × — a tool default: C1 on feeder B moved from −0.12 s at 20 × to −0.18 s at 40 ×.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from protv2g.study.iec_gd import iec_gd_issues
from protv2g.study.loader import load_study

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder"


def test_iec_relays_are_named_and_ieee_ones_are_not(tmp_path):
    assert iec_gd_issues(load_study(DEPOT / "study.yaml")) == []  # IEEE curves only
    for name in ("feeder.json", "study.yaml"):
        shutil.copy(DEPOT / name, tmp_path / name)
    text = (tmp_path / "study.yaml").read_text()
    (tmp_path / "study.yaml").write_text(text.replace("curve: IEEE-MI ", "curve: IEC-SI ", 1))
    issues = iec_gd_issues(load_study(tmp_path / "study.yaml"))
    assert len(issues) == 1
    assert "R-F1 curve IEC-SI" in issues[0].message and "G_D = 20 ×" in issues[0].message
    assert "gd_m" in issues[0].fix
