"""Small single-phase chargers lumped on a medium-voltage bus get a plausibility warning naming
the site, the bus kV, what lumping leaves out and a secondary bus of the model (review rev48a
item 4: EPRI ckt5's 20 × 7.2 kW homes on the 12.47 kV node 74436; the model's service
transformer mdv201_da_8_736_c74436-1c feeds x_74436 at 240 V, OpenDSS ``Transformers``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as N

import pandas as pd

from protv2g.study.site_lumped import lumped_site_warnings


def _study(**site):
    buses = pd.DataFrame({"kv_ll": [12.47, 0.24, 0.48]}, index=["74436", "x_74436", "depot_lv"])
    elements = pd.DataFrame({
        "name": ["transformer.mdv201_da_8_736_c74436-1c", "line.l1"],
        "cls": ["transformer", "line"], "enabled": [True, True],
        "buses": [("74436", "x_74436"), ("74435", "74436")]})
    s = dict(name="homes", bus="74436", n_chargers=20, p_charger_kw=7.2, phases=1,
             interconnection_transformer=None, model_transformer=None)
    s.update(site)
    return N(path=Path("s.yaml"), model=N(buses=buses, elements=elements),
             document=N(v2g_sites=[N(**s)]))


def test_home_chargers_on_the_primary_are_named_with_the_secondary():
    (w,) = lumped_site_warnings(_study())
    assert w.field == "v2g_sites[0].bus"
    assert "site 'homes': 20 × 7.2 kW single-phase chargers (144 kW) on bus 74436 at " \
           "12.47 kV line to line" in w.message
    assert "service transformer's impedance" in w.message and "voltage rise" in w.message
    assert "x_74436 (behind transformer.mdv201_da_8_736_c74436-1c)" in w.fix


def test_no_warning_on_a_secondary_a_depot_or_a_site_transformer():
    assert lumped_site_warnings(_study(bus="x_74436")) == []
    assert lumped_site_warnings(_study(phases=3, p_charger_kw=60.0)) == []
    assert lumped_site_warnings(_study(model_transformer="t1")) == []
