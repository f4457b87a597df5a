"""A multi-site finding no site alone reproduces names only the sites it needs: a site whose
removal still reproduces it is not "needed" (review rev49a #1, IEEE 37 F01 C8 head-l35 in
charging/firm: "needs depot, campus and homes together" while depot + campus without the homes
give 489.35 A against 486.67 A, −2.69 A inside the check's ±6.01 A; OpenDSS with the charging
loads at constant P gives 420.78 / 436.11 / 489.35 A for depot alone / campus alone / homes
removed, the reviewer's /tmp/rev49a/chk/flow37.py). The figures below are those."""

from __future__ import annotations

import pandas as pd

from protv2g.findings_sites import KEY_COLUMNS, Driver, SiteEffect
from protv2g.findings_sites_kinds import driver, together_words
from protv2g.findings_sites_text import short_driver_texts, with_driver_lines

_LIMIT_A = 486.666667  # head-l35 pickup 730 A / 1.5
_TOL_A = 6.01


def _row(site: str, kind: str, i_a: float, limit_a: float = _LIMIT_A) -> dict:
    m = limit_a - i_a
    return {"criterion": "C8", "device": "head-l35", "partner": "",
            "mechanism": "charging peak: vehicle charging behind the device", "margin_unit": "A",
            "scenario": "charging/firm", "site": site, "counterfactual": kind,
            "i_judged_a": i_a, "margin": m, "row_attribution": "new",
            "effect": (SiteEffect.REPRODUCES if m < 0 else SiteEffect.CLEAR).value}


def _rows(removed: dict[str, float]) -> list[dict]:
    alone = {"depot": 420.779589, "campus": 436.107475, "homes": 377.749852}
    return ([_row(s, "alone", i) for s, i in alone.items()]
            + [_row(s, "removed", i) for s, i in removed.items()])


def test_a_site_whose_removal_still_fails_is_not_named_as_needed():
    rows = _rows({"depot": 446.648984, "campus": 430.623221, "homes": 489.352365})
    drv, sites, text = driver(rows, "head-l35", "A", _TOL_A)
    assert drv is Driver.TOGETHER
    assert sites == ["depot", "campus"]
    assert text.startswith("needs depot and campus together; without homes still fails: "
                           "margin −2.686 A, inside the tolerance ±6.01 A (in charging/firm: "
                           "depot alone: 420.8 A at head-l35, margin 65.89 A, holds;")


def test_no_removal_reproducing_names_every_site():
    rows = _rows({"depot": 446.6, "campus": 430.6, "homes": 480.0})
    drv, sites, text = driver(rows, "head-l35", "A", _TOL_A)
    assert sites == ["depot", "campus", "homes"]
    assert text.startswith("needs depot, campus and homes together (in charging/firm")


def test_several_removals_reproducing_say_any_of_them():
    """Two sites each removable on its own (not both: only leave-one-out is solved)."""
    rows = _rows({"depot": 446.6, "campus": 500.0, "homes": 489.352365})
    drv, sites, text = driver(rows, "head-l35", "A", _TOL_A)
    assert sites == ["depot", "campus", "homes"]
    assert text.startswith(
        "needs depot with any one of campus and homes; without campus still fails: margin "
        "−13.33 A; without homes still fails: margin −2.686 A, inside the tolerance ±6.01 A (")
    words, _ = together_words(["a", "b", "c"], [{"site": s, "margin": -1.0,
                                                 "row_attribution": "new"} for s in "abc"],
                              "A")
    assert words.startswith("needs any two of a, b and c together; without a still fails")


def test_gate_line_and_summary_quote_the_sites_needed():
    rows = _rows({"depot": 446.648984, "campus": 430.623221, "homes": 489.352365})
    drv, sites, text = driver(rows, "head-l35", "A", _TOL_A)
    table = pd.DataFrame([{**r, "driver": drv.value, "driver_sites": ", ".join(sites),
                           "driver_text": text} for r in rows])
    rec = {"kind": "fail", "criterion": "C8", "device": "head-l35",
           "attribution": "caused by charging", "short": "fail: C8 head-l35 (fail)"}
    reasons, data = with_driver_lines(["fail: C8 head-l35 (fail; margin −14.14 A)"], [rec],
                                      table)
    words = ("needs depot and campus together; without homes still fails: margin −2.686 A, "
             "inside the tolerance ±6.01 A")
    assert reasons[0] == f"fail: C8 head-l35 (fail; margin −14.14 A; {words})"
    assert data[0]["short"] == f"fail: C8 head-l35 (fail; {words})"
    assert data[0]["driver_sites"] == "depot, campus"
    findings = pd.DataFrame([{"finding": "F01", "attribution": "caused by charging",
                              "criterion": "C8", "device": "head-l35", "other_device": "",
                              "mechanism": rows[0]["mechanism"], "margin_unit": "A"}])
    assert set(KEY_COLUMNS) <= set(table.columns)
    assert short_driver_texts(findings, table) == {"F01": words}


def test_a_site_that_changes_nothing_at_the_device_is_set_apart():
    """The aggregated-fleet study's R-A charging peak (six sites): feeder B's vans-b2 and
    park-b5 alone leave R-A at its every-site-idle 114.2 A; the others are needed in any
    three of four (each removal still fails)."""
    idle = 114.2
    alone = {"vans-a1": 182.5, "vans-a2": 183.6, "park-a3": 161.0, "park-a5": 162.0,
             "vans-b2": idle, "park-b5": idle}
    removed = {"vans-a1": 282.1, "vans-a2": 280.2, "park-a3": 303.1, "park-a5": 302.1,
               "vans-b2": 352.3, "park-b5": 352.4}
    lim = 400.0 / 1.5  # R-A's pickup / 1.5
    alone["vans-b2"] = idle + 0.02  # feeder B's charging moves R-A by 0.02 A: < 4.23 A
    rows = ([{**_row(s, "alone", i, lim), "i_idle_a": idle, "margin_idle": lim - idle}
             for s, i in alone.items()]
            + [{**_row(s, "removed", i, lim), "i_idle_a": idle, "margin_idle": lim - idle}
               for s, i in removed.items()])
    drv, sites, text = driver(rows, "R-A", "A", 4.23)
    assert drv is Driver.TOGETHER
    assert sites == ["vans-a1", "vans-a2", "park-a3", "park-a5"]
    assert text.startswith("needs any three of vans-a1, vans-a2, park-a3 and park-a5 together; "
                           "without vans-a1 still fails: margin −15.43 A;")
    assert ("; vans-b2 and park-b5 change nothing at R-A: alone, within the tolerance ±4.23 A "
            "of the margin with every site idle (in charging/firm") in text
    assert "without vans-b2" not in text
