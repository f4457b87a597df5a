"""A finding's worst margin is one a reader finds on the TCC (review rev40a M8).

EPRI J1, RC-MID / FU-LAT2PH (100K link), C2 "fuse TC < recloser delayed": the Summary and the
Findings led with −561.5 s (LLG-ab at b54079, min): FU-LAT2PH "clears in 563 s at 236 A", at or
below the 100K's guaranteed melting current 238 A — the curve gives no time there; the 563 s
came from a later charger stage's higher current. The worst row on the curve proper is
−386.0 s (SLG-a at b19009reg, min: 240.5 A, 387.1 s total clearing, RC-MID's ground delayed
shot 1.13 s).

The 100K's figures against ANSI C37.43 (EEI-NEMA K links, 300 s melting currents 200–240 A,
as fuse-link catalogues reproduce them; recalled): protv2g's maximum-melt asymptote 237.95 A
lies inside that range, its 300 s maximum-melt point at 240 A.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks.fuse_melt_text import guaranteed_melt_a, with_later_stage
from protv2g.devices.models import Fuse
from protv2g.findings import build_findings
from protv2g.findings_rows import on_asymptote, worst_order

LINK = Fuse(name="FU-LAT2PH", link="100K")
FLAG = "FU-LAT2PH tc: long_time_asymptote"


def test_the_100k_asymptote_lies_in_c37_43s_300_s_range():
    assert 200.0 < guaranteed_melt_a(LINK) < 240.0
    assert LINK.max_melt_time_s(np.array([240.0]))[0] == __import__("pytest").approx(
        300.0, rel=1e-3)


def test_a_time_quoted_at_or_below_the_asymptote_is_flagged():
    ctx = SimpleNamespace(devices={"FU-LAT2PH": LINK}, cache={})
    names = np.array(["FU-LAT2PH"] * 3, dtype=object)
    out = with_later_stage(ctx, np.array(["inside", "inside", "RC-MID delayed: x"],
                                         dtype=object),
                           names, np.array([236.3, 240.5, 236.3]),
                           np.array([563.4, 387.1, 563.4]))
    assert out.tolist() == [FLAG, "inside", f"RC-MID delayed: x; {FLAG}"]


def test_worst_order_puts_asymptote_rows_after_the_others():
    m = np.array([-561.5, -386.0, -100.0])
    asym = on_asymptote(np.array([FLAG, "inside", "inside"], dtype=object), 3)
    assert worst_order(m).tolist() == [0, 1, 2]
    assert worst_order(m, asymptote=asym).tolist() == [1, 2, 0]
    assert on_asymptote(np.array(["inside"] * 3, dtype=object), 3) is None


def test_the_finding_leads_with_the_worst_margin_on_the_curve():
    def row(margin: float, bus: str, boundary: str) -> dict:
        return {"criterion": "C2", "status": "fail", "attribution": "pre-existing",
                "scenario": "firm/light/100%", "fault_bus": bus, "fault_type": "LLG-ab",
                "case": "min", "device": "RC-MID", "other_device": "FU-LAT2PH",
                "margin": margin, "margin_unit": "s", "limit": 0.0, "rule": "",
                "data_boundary": boundary, "message": "m"}
    rows = pd.DataFrame([row(-561.5, "b54079", FLAG), row(-386.0, "b19009reg", "inside")])
    f = build_findings(rows).findings
    assert len(f) == 1
    assert f.worst_margin.iloc[0] == -386.0
