"""C8's text for a fuse names what its limit is: a fuse has no pickup; the check divides the
lowest current of the link's minimum-melt curve by 1.5 — for an EEI-NEMA K/T link its melting
current at 300 s (600 s for 140 and 200 A links), ANSI C37.43 (:mod:`protv2g.checks.load`).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.checks.load import check_load, limit_text
from protv2g.devices.fuse import Fuse
from protv2g.devices.kinds import phase_pickup_a
from protv2g.devices.relay import OvercurrentRelay


def test_fuse_limit_names_the_minimum_melt_not_a_pickup():
    f = Fuse(name="FU", link="65K")
    assert phase_pickup_a(f) == pytest.approx(128.0)  # 65K minimum melt at 300 s
    text = limit_text(f, 1.5, 128.0 / 1.5)
    assert text == "minimum melt (65K at 300 s, 128 A; rating 65 A) / 1.5 = 85 A"
    assert "pickup" not in text
    big = Fuse(name="FU", link="140K")  # 600 s point above 100 A (C37.43)
    assert limit_text(big, 1.5, phase_pickup_a(big) / 1.5).startswith(
        "minimum melt (140K at 600 s, 310 A; rating 140 A) / 1.5 = 207 A")


def test_relay_limit_stays_pickup():
    r = OvercurrentRelay(name="R", pickup_a=400.0, curve="U2", time_dial=1.0)
    assert limit_text(r, 1.5, 400.0 / 1.5) == "pickup / 1.5 = 267 A"


def test_check_load_fuse_row_says_minimum_melt():
    fuse = Fuse(name="FU", link="40K")
    flow = pd.DataFrame({"scenario": ["base/peak"], "step": [0], "device": ["FU"],
                         "i_a": [70.0], "p_mw": [1.0]})
    ctx = SimpleNamespace(
        study=SimpleNamespace(document=SimpleNamespace(devices=[object()], v2g_sites=[])),
        flow={"device": flow}, thresholds=SimpleNamespace(load_pickup_factor=1.5,
                                                          loading_change_min_percent=1.0),
        build_errors={}, devices={"FU": fuse}, export_text=lambda sc: "without V2G")
    rows = check_load(ctx)
    msg = rows.loc[rows.status == "fail", "message"].item()
    lim = phase_pickup_a(fuse) / 1.5
    assert msg.endswith(f"above minimum melt (40K at 300 s, {phase_pickup_a(fuse):.3g} A; "
                        f"rating 40 A) / 1.5 = {lim:.0f} A")
    assert "pickup" not in msg
