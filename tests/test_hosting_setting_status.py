"""Hosting's By criterion gives each criterion its own rows' status (review txt43 / rev43a M11,
IEEE 34 campus: the settings line named "C8 F-campus_xf: … fit 65K" while By criterion said C8
"not_limited" — only C10's rows could make a criterion's status ``setting``).

A criterion is ``setting`` where its own failing rows are settings to change (C10's reclose,
C8's transformer fuse inside its withstand, C12's set-point or site tap: the rows the axis's
"settings to change" line names); another criterion's setting rows at the same export level
leave it as its rows say (txt43's note: extending the rule moved C12's status as well — a
criterion read the level's setting rows of every criterion, not its own).
"""

from __future__ import annotations

from protv2g.checks.flow_limit import REGULATOR_SETPOINT
from protv2g.checks.load_withstand import WITHSTAND_MECHANISM

LEVELS_KW = (0.0, 250.0, 500.0)


def _axis():
    from protv2g.hosting.tables import Axis
    from protv2g.study.schema import V2GSite
    from protv2g.units import LoadLevel, Participation

    site = V2GSite(name="campus", bus="campus_lv", n_chargers=10, p_charger_kw=50)
    return Axis(site, Participation.FIRM, LoadLevel.LIGHT)


def _row(crit: str, **kw) -> dict:
    return {"criterion": crit, "status": "fail", "attribution": "caused", "device": "",
            "other_device": "", "mechanism": "", "margin": -1.0, "limit": 0.0,
            "input_basis": "given", "input_todo": "", "fault_bus": "", "t_device_s": None,
            "scenario": "", **kw}


def _tables(aside_rows):
    from protv2g.hosting.tables import hosting_tables

    axis = _axis()
    failing = {(axis.key, p): {} for p in LEVELS_KW}
    aside = {(axis.key, p): aside_rows(p) for p in LEVELS_KW}
    table, by_crit = hosting_tables(
        failing, [axis], ["C8", "C10", "C12"], {}, {}, aside,
        fuse_links={"F-campus_xf": ("campus_xf", "65K", "50K")})
    return table.iloc[0], by_crit.set_index("criterion")


def test_c8_withstand_rows_make_c8_a_setting_and_c12_keeps_its_own():
    """Fails on the old code (C8 ``not_limited``)."""
    c8 = _row("C8", device="F-campus_xf", mechanism=WITHSTAND_MECHANISM, rule_value=3.0,
              limit=10.0)
    c10 = _row("C10", device="R-816", other_device="campus", t_device_s=2.0, limit=2.5)
    row, by = _tables(lambda p: [c8, c10])
    assert "C8 F-campus_xf: its link melts inside campus_xf's inrush" in \
        row["settings_to_change"]
    assert "C10 R-816: first reclose 2 s must exceed 2.5 s" in row["settings_to_change"]
    assert by.loc["C8", "status"] == "setting" and by.loc["C10", "status"] == "setting"
    assert "fit 65K" in by.loc["C8", "note"]
    # C12 has no row of its own: the other criteria's settings are not its
    assert by.loc["C12", "status"] == "not_limited"


def test_c12_set_point_rows_are_c12s_setting():
    sp = _row("C12", device="REG:reg1a", mechanism=REGULATOR_SETPOINT, fault_bus="814r")
    row, by = _tables(lambda p: [sp] if p > 0 else [])
    assert "C12 814r: held at the ANSI C84.1 Range A limit by a regulator's set-point" in \
        row["settings_to_change"]
    assert by.loc["C12", "status"] == "setting"
    assert by.loc["C8", "status"] == "not_limited" and by.loc["C10", "status"] == "not_limited"
