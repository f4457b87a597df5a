"""A failing fuse–fuse row whose verdict rests on the arcing time says so (review rev30 §3).

EPRI ckt5, C3 F-TAP (40K) backing up F-END (25K), SLG-c max at F-END close-in, 1,409 A: the
reviewer's hand check (EEI-NEMA anchors, constant I²t below 0.1 s): 25K TC = 0.1 × (420/1409)² +
0.0083 = 0.01718 s, 40K minimum melt 0.1 × (565/1409)² = 0.01608 s, margin 0.75 × 0.01608 −
0.01718 = −0.00512 s (tool −0.005124 s). With no arcing the rule holds by 3.18 ms.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from protv2g.checks.fuse_arcing_text import arcing_text
from protv2g.devices.models import Fuse, OvercurrentRelay

I_A = 1409.23
F_END, F_TAP = Fuse(name="F-END", link="25K"), Fuse(name="F-TAP", link="40K")
CTX = SimpleNamespace(devices={"F-END": F_END, "F-TAP": F_TAP,
                               "R": OvercurrentRelay(name="R", pickup_a=100.0, curve="IEEE-VI")})


def _row(**kw) -> SimpleNamespace:
    tc = float(F_END.total_clear_time_s([I_A])[0])
    mm = float(F_TAP.min_melt_time_s([I_A])[0])
    row = dict(primary="F-END", t_primary_s=tc, margin_s=0.75 * mm - tc,
               data_boundary="F-END tc: i2t_asymptote; F-TAP mm: i2t_asymptote")
    row.update(kw)
    return SimpleNamespace(**row)


def test_the_reviewers_hand_values():
    r = _row()
    assert r.t_primary_s == pytest.approx(0.01718, abs=2e-5)
    assert r.margin_s == pytest.approx(-0.00512, abs=2e-5)


def test_a_row_that_holds_with_less_arcing_says_how_much():
    text = arcing_text(CTX, _row())
    need_ms = float(re.search(r"cleared within ([\d.]+) ms of melting", text).group(1))
    assert need_ms == pytest.approx(3.18, abs=0.03)
    assert "nominal arcing, 8.3 ms" in text and "ANSI C37.40" in text
    assert "below 0.1 s, the shortest EEI-NEMA point" in text  # melting time extrapolated


def test_no_text_where_arcing_does_not_decide():
    assert arcing_text(CTX, _row(margin_s=0.001)) == ""  # passes
    assert arcing_text(CTX, _row(margin_s=-0.009)) == ""  # fails with no arcing at all
    assert arcing_text(CTX, _row(primary="R")) == ""  # a relay has no arcing
    assert "EEI-NEMA point" not in arcing_text(CTX, _row(data_boundary="inside"))
