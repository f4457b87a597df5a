"""Hosting says where a criterion that does not limit the export warns (review rev40a M5,
EPRI J1 ``hosting --site depot``: "no criterion limits it up to the site maximum", By
criterion "C11 not_limited" and "C5 not_limited", while the Margins sheet of the same run had
C11 negative from 625 kW (−1.40 MW at 2 MW) and C5 −0.10…−0.14 × pickup from 1,000 kW, both
`warn` rows).

The margins below are the reviewer's J1 Margins sheet (/tmp/rev40a/j1_host.xlsx, firm/light:
C11 and C5 smallest margin per evaluated export, ``n_failing`` 0 — warns only); the figures
the text must give are read off it by hand: 625 kW and 1,000 kW.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

#: (export kW, C11 margin MW, C5 margin × pickup), firm/light, from the reviewer's sheet
#: (rounded; the signs and the first negative level are what matter)
J1_MARGINS = [(0.0, 0.18, 0.03), (250.0, 0.10, 0.02), (500.0, 0.01, 0.01),
              (625.0, -0.07, 0.005), (1000.0, -0.40, -0.10), (2000.0, -1.40, -0.14)]


def _margins() -> pd.DataFrame:
    rows = [{"site": "depot", "participation": "firm", "load_level": "light",
             "p_export_kw": p, "criterion": crit, "margin": m, "n_failing": 0,
             "n_warning": int(m < 0)}
            for p, c11, c5 in J1_MARGINS for crit, m in (("C11", c11), ("C5", c5))]
    return pd.DataFrame(rows)


def _axis():
    from protv2g.hosting.tables import Axis
    from protv2g.study.schema import V2GSite
    from protv2g.units import LoadLevel, Participation

    site = V2GSite(name="depot", bus="b4968", n_chargers=10, p_charger_kw=200)
    return Axis(site, Participation.FIRM, LoadLevel.LIGHT)


def test_warns_from_the_margins():
    from protv2g.hosting.warns import warns_from, warns_text

    w = warns_from(_margins())
    # C11 from its exact crossing (review rev50a #7c: its margin falls 1 MW per MW exported):
    # 625 kW + (−0.07 MW) on these rounded margins; C5 from the level evaluated
    assert w == {("depot", "firm", "light"): {"C11": 555.0, "C5": 1000.0}}
    assert warns_text(w[("depot", "firm", "light")]) == (
        "warns from 555 kW (C11: islanding study / DTT), 1,000 kW (C5) — not gate-failing")
    # a gate-failing level is a limit, not a warning; a negative margin of no warn row
    # (C2's info rows) neither
    assert warns_from(_margins().assign(n_failing=1)) == {}
    assert warns_from(_margins().assign(n_warning=0)) == {}


def test_not_limited_tables_say_the_warnings():
    """Fails on the old code: the hosting note said only "no criterion limits it up to the
    site maximum", and the By criterion rows had no warns_from_kw."""
    from protv2g.commands.hosting import _line
    from protv2g.hosting.tables import by_site_criterion, hosting_tables
    from protv2g.hosting.warns import warns_from

    axis = _axis()
    failing = {(axis.key, p): {} for p, *_ in J1_MARGINS}
    table, by_crit = hosting_tables(failing, [axis], ["C5", "C11"], {}, {}, None,
                                    warns=warns_from(_margins()))
    row = table.iloc[0]
    assert not bool(row["limited"])
    want = "warns from 555 kW (C11: islanding study / DTT), 1,000 kW (C5) — not gate-failing"
    assert row["warns"] == want
    assert f"no criterion limits it up to the site maximum (firm participation: 1 × 10 × " \
           f"200 kW = 2000 kW); {want}" in row["note"]
    assert _line(row.to_dict(), 200.0).endswith(f"not limited up to 2,000 kW; {want}")
    c = by_crit.set_index("criterion")
    assert c.loc["C11", "status"] == "not_limited"
    assert c.loc["C11", "warns_from_kw"] == pytest.approx(555.0)
    assert c.loc["C5", "warns_from_kw"] == pytest.approx(1000.0)
    assert "warns from 555 kW (C11: islanding study / DTT)" in c.loc["C11", "note"]
    site = by_site_criterion(by_crit).set_index("criterion")
    assert site.loc["C11", "warns_from_kw"] == pytest.approx(555.0)
    assert "firm/light: not limited up to 2,000 kW, warns from 555 kW" in \
        site.loc["C11", "per_axis"]


def test_no_warning_no_text():
    from protv2g.hosting.tables import hosting_tables

    axis = _axis()
    failing = {(axis.key, p): {} for p, *_ in J1_MARGINS}
    table, by_crit = hosting_tables(failing, [axis], ["C5", "C11"], {}, {})
    assert table.iloc[0]["warns"] == "" and "warns" not in table.iloc[0]["note"]
    assert by_crit["warns_from_kw"].map(math.isnan).all()


def test_summary_says_the_warnings_of_a_site_not_limited():
    from protv2g.hosting.tables import hosting_tables
    from protv2g.hosting.warns import warns_from
    from protv2g.report.summary_hosting import hosting_headline

    axis = _axis()
    failing = {(axis.key, p): {} for p, *_ in J1_MARGINS}
    table, _ = hosting_tables(failing, [axis], ["C5", "C11"], {}, {}, None,
                              warns=warns_from(_margins()))
    out = hosting_headline(table, {"hosting_capacity_kw": {"depot": 2000.0}})
    assert out == [("  depot", "2,000 kW: no criterion limits it up to the site's maximum; "
                    "warns from 555 kW (C11: islanding study / DTT), 1,000 kW (C5) — not "
                    "gate-failing")]
