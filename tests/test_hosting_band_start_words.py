"""Review rev50a #1: IEEE 123 homes (12 × 7.2 kW on 114.a), expected/peak — the hosting text read
"13.5 kW, limited by C12 at 83: 1.0552 pu at 14.2 kW, from 1.0493 pu without V2G; … 1.05 pu
itself is passed at ≈ 1.7 kW", while the flow from the base case's own taps gives 1.0488 pu.

The 1.0552 is the base case's own-taps 1.0493 pu plus the rise from the bottom of the band
(+0.0059 pu: reg4b one tap up, 1.00625 → 1.0125). Checked in OpenDSS (opendssdirect, controls
off, taps set; /tmp/hst50/dss83.py): 83 phase b at the bottom taps 1.03547 pu without the homes,
1.04139 pu with them at 14.175 kW and reg4b at 1.0125 (tool 1.035485 / 1.041386); at the own taps
1.0493 / 1.04877 pu (tool 1.049299 / 1.048778). The hosting text now names the start, says the
own-taps flow's voltage and draws no straight line across the tap step.

Also: ``recommend --hosting`` searched a coarser grid (8 levels, brackets to 25 kW) than ``run``
and ``hosting`` (16 levels, a quarter charger): "11 kW" against 13.5 kW for one study.
"""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.checks.flow_tap_path import tap_path_text
from protv2g.hosting.voltage_text import voltage_limit_text

MESSAGE = ("voltage 1.055 pu at 83 with homes exporting 0.0142 MW (peak load) exceeds 1.05 pu "
           "(ANSI C84.1 Range A)" + tap_path_text("83", np.array([-0.0005, -0.0011, 0.0059]), 2,
                                                  change="rise"))
ROW = {"criterion": "C12", "margin_unit": "pu", "limit": 1.05, "margin": -0.005201336821999858,
       "base_margin": 0.0007005220625351249, "tolerance": 0.0010507, "attribution": "new",
       "message": MESSAGE, "change_own_taps": -0.0005, "change_band_top": -0.0011,
       "change_band_bottom": 0.0059, "judged_start": "band_bottom"}


def test_the_text_names_the_band_start_and_the_own_taps_voltage():
    text = voltage_limit_text(ROW, 14.175)
    assert text.startswith("1.0552 pu at 14.2 kW")
    assert "judged from the bottom of the regulators' band" in text
    assert "the flow from the base case's own taps gives 1.0488 pu" in text
    assert "+0.0059 pu, set by where the regulators rest in their band" in text
    assert "linear estimate" not in text  # no straight line across a tap step


def test_a_row_judged_at_its_own_taps_keeps_the_linear_estimate():
    own = dict(ROW, message=MESSAGE.replace("judged on the rise from the bottom of their band "
                                            "with and without V2G", "judged on the rise from "
                                            "the base case's taps"), judged_start="own_taps")
    text = voltage_limit_text(own, 14.175)
    assert "linear estimate" in text and "judged from" not in text


def test_recommend_hosting_searches_as_run_does(monkeypatch):
    """One figure for one study: the same grid and tolerance as run's hosting search."""
    import protv2g.recommend.hosting_kw as hk

    seen = {}

    def capture(study, **options):
        seen.update(options)
        raise RuntimeError("stop")

    class Doc:
        v2g_sites = ["x"]

        class scenarios:
            participation = ["firm"]
            load_levels = ["peak"]

    class Study:
        document = Doc

    monkeypatch.setattr(hk, "hosting_capacity", capture)
    with pytest.raises(RuntimeError):
        hk.site_hosting_kw(Study())
    assert "n_grid" not in seen and "tol_kw" not in seen
