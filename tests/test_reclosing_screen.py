"""C10's reclose rows say where the DER behind the device stands against C11's island screen
(review s27 §7, EPRI J1: 0.30 MW of V2G against ≈ 1.9 MW of minimum load behind the head
relay, ratio 0.16, under the one-third screen, was not said)."""

from __future__ import annotations

import re

import pytest


def test_c10_rows_give_the_island_screen_ratio(depot_result):
    v = depot_result.violations
    c10 = v[(v.criterion.astype(str) == "C10") & (v.other_device.astype(str) != "existing DER")]
    assert len(c10)
    c11 = v[v.criterion.astype(str) == "C11"]
    flagged = set(zip(c11.scenario.astype(str), c11.device.astype(str), strict=True))
    for row in c10.itertuples(index=False):
        msg = str(row.message)
        m = re.search(r"DER behind (\S+) ([\d.e+-]+) MW against its minimum load "
                      r"([\d.e+-]+) MW: ratio ([\d.e+-]+), (under|over) the island screen", msg)
        assert m, msg
        der, load, ratio = float(m[2]), float(m[3]), float(m[4])
        assert ratio == pytest.approx(der / load, rel=0.06)      # 3 significant figures
        # the same screen C11 applies: over it exactly where C11 warns
        assert (m[5] == "over") == ((str(row.scenario), str(row.device)) in flagged)
