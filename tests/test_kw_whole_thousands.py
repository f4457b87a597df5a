"""kW in the hosting band and in validate's site-load lines as the hosting notes write them
(review fix40b "noticed": ``hosting/band.py`` and ``study/dss_site_loads.py`` wrote kW with
``:,.4g``, "1.25e+04 kW" from 10,000 kW). Figures by hand: 12,500 kW whole with its
thousands separator; 250.5 kW to 4 significant digits."""

from __future__ import annotations

import yaml

from protv2g.hosting.band import _kw_list
from protv2g.study.dss_site_loads import loads_text


def test_band_exports_in_whole_kw_with_thousands_separators():
    assert _kw_list([12500.0, 250.5]) == "12,500 and 250.5 kW"
    assert _kw_list([68.0, 1234.4, 70.3]) == "68, 1,234, 70.3 kW"


def test_site_loads_in_whole_kw_with_thousands_separators():
    assert loads_text([("load.a", 12500.0), ("load.b", 250.5)]) == (
        "load.a (12,500 kW), load.b (250.5 kW): 12,750 kW")


def test_band_docstring_says_the_figures_are_not_rounded():
    import protv2g.hosting.band as band

    assert "rounded **down**" not in band.__doc__
    assert "not rounded to whole" in band.__doc__


def test_a_yaml_number_stays_a_number():
    # the snippet der_behind_issue writes: p_charger_kw as YAML reads it
    assert yaml.safe_load(f"{{p_charger_kw: {12500.0:.10g}}}") == {"p_charger_kw": 12500}
