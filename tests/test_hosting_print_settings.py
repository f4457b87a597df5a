"""``protv2g hosting`` prints the settings to change under its table (review rev33a M1: every line
read "not limited up to …" while the gate failed on C10 first-reclose rows named only in the
workbook's ``Settings to change`` column)."""

from __future__ import annotations

import pandas as pd

from protv2g.commands.hosting import _settings_lines

C10 = ("C10 head: first reclose 0.5 s (drafted: TODO) must exceed 2.5 s for depot — a setting "
       "to change, not an export limit")


def test_each_site_and_text_once():
    table = pd.DataFrame({
        "site": ["depot", "depot", "campus", "campus", "homes"],
        "settings_to_change": [C10, C10, "", C10.replace("depot", "campus"), None],
    })
    lines = _settings_lines(table)
    assert len(lines) == 2
    assert lines[0].startswith("settings to change for depot (not export limits; the gate fails")
    assert lines[0].count("C10 head") == 1
    assert "for campus" in lines[1]


def test_no_column_no_lines():
    assert _settings_lines(pd.DataFrame({"site": ["a"]})) == []


def test_a_limit_set_by_a_preexisting_failure_says_so():
    """Review rev33a M2 (EPRI ckt24, homes_mv): a C2 pair failing by 0.929 s without V2G limited
    the hosting where V2G's worsening reached 10 % of that deficit; the note said "C2 first fails
    at 279.8 kW (passes at 278.4 kW)"."""
    from protv2g.hosting.tables import Axis, _limiting, _note
    from protv2g.study.schema import V2GSite
    from protv2g.units import LoadLevel, Participation

    axis = Axis(V2GSite(name="homes_mv", bus="n284433", n_chargers=200, p_charger_kw=7.2,
                        participation={"low": 0.5, "expected": 0.8, "firm": 1.0}),
                Participation.FIRM, LoadLevel.LIGHT)
    row = {"criterion": "C2", "device": "R-MID", "other_device": "F-LAT",
           "fault_bus": "n284397", "fault_type": "SLG-a", "case": "min",
           "attribution": "worse", "margin": -1.0225, "base_margin": -0.9294,
           "margin_unit": "s"}
    failing = {(axis.key, 278.4): {}, (axis.key, 279.8): {"C2": row}}
    lim = _limiting(failing, axis, [278.4, 279.8], None)
    note = _note(axis, lim, [])
    # V2G's worsening 1.0225 − 0.9294 = 0.0931 s, 10.0 % of 0.9294 s
    assert "fails without V2G too (margin -0.9294 s: a condition either way)" in note
    assert ("at 279.8 kW V2G's worsening (0.0931 s) is 10.0 % of that deficit" in note
            and "(at 278.4 kW it is smaller)" in note)
    assert "first fails" not in note
    # a row V2G causes keeps the former words
    lim_new = _limiting({(axis.key, 278.4): {}, (axis.key, 279.8): {
        "C2": {**row, "attribution": "new", "base_margin": 0.1}}}, axis, [278.4, 279.8], None)
    assert "first fails at" in _note(axis, lim_new, [])


def test_the_terminal_line_says_the_limit_fails_without_v2g_too():
    """ver33: the "fails without V2G too" note was in the hosting workbook only; the terminal
    line read "limited by C2 (R-MID / F-LAT, …)" as if V2G made the failure."""
    import numpy as np

    from protv2g.commands.hosting import _line

    row = {"site": "homes_mv", "participation": "firm", "load_level": "light",
           "hosting_kw": 278.4, "hosting_chargers": 38, "limited": True,
           "limiting_criterion": "C2", "limiting_device": "R-MID / F-LAT",
           "limiting_fault": "SLG-a at n284397 (min)", "limiting_basis": "given",
           "max_online_chargers": None, "fails_without_v2g": np.True_}
    assert "it fails without V2G too" in _line(row, 7.2)
    assert "without V2G" not in _line({**row, "fails_without_v2g": np.False_}, 7.2)


def test_a_site_searched_alone_says_the_other_sites_are_not_built():
    """Review rev43c M3 (IEEE 123 with RC-67, `hosting --site homes`): the terminal printed
    "C10 RC-67: first reclose 0.5 s must exceed 0.66 s for homes" — right for homes alone
    (34.6 kVA against 168 kW on phase a: the island collapses, UV trip 0.16 s + 0.5 s), but
    with the campus built the island holds, and `run` (F06) needs > 2.5 s (cease 2 s + 0.5 s);
    only the workbook's Note said "other sites not built"."""
    text = ("C10 RC-67: first reclose 0.5 s must exceed 0.66 s for homes — a setting to "
            "change, not an export limit")
    table = pd.DataFrame({"site": ["homes"], "settings_to_change": [text]})
    (line,) = _settings_lines(table, ["campus", "homes"])
    assert line.endswith(f"{text} — for homes alone: campus not built (this site added to "
                         "today's feeder); with every site built the study may need more "
                         "(`protv2g run` gives that figure in its findings)"), line
    # one site in the study: its figure is the study's, nothing to add
    assert _settings_lines(table, ["homes"])[0].endswith(text)


def test_a_setting_item_is_said_once_per_site_across_its_axes():
    """Review rev43a M1 (IEEE 34, hosting1.out): homes1's line listed the C8 fuse item twice —
    one axis's text held it alone, another's with a C10 item. Fails on the old code."""
    from protv2g.hosting.limits import SETTINGS_TAIL

    c8 = "C8 F-x: its link melts inside x's inrush / cold-load withstand: fit 65K"
    c10 = "C10 R-816: first reclose 2 s must exceed 2.5 s for campus"
    table = pd.DataFrame({"site": ["campus", "campus"],
                          "settings_to_change": [c8 + SETTINGS_TAIL,
                                                 f"{c8}; {c10}{SETTINGS_TAIL}"]})
    (line,) = _settings_lines(table)
    assert line.count("C8 F-x") == 1 and line.count("C10 R-816") == 1
    assert line.count(SETTINGS_TAIL) == 1 and line.endswith(f"{c8}; {c10}{SETTINGS_TAIL}")
