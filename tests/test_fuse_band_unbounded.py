"""A fuse's melting band in a margin read at its minimum melt (review rev28 §7, rev29 §2).

EPRI J1, ``out/study.Coordination.parquet`` rows 15221/15222 (SLG-b min at b56685, R-MID / F-LAT
80K): the C2 fuse-saving margin is F-LAT's minimum melt − K × R-MID's fast trip. Session 29 gave
the row the link's whole melting band as its tolerance (181.4 s without V2G, 245.2 s with it, at
the current that set the staged minimum melt), and review rev29 §2 showed what that does: a
synthetic loss of fuse saving, +4.55 s without V2G → −0.08 s with it, was "within the tolerance
37.24 s of the device data" and pre-existing. The minimum melt is the band's low end (ANSI
C37.43: the link melts no earlier), so the band lies wholly on the passing side of every margin
read there (C2 fuse saving and source side, C3's backup link): its tolerance in the checks is 0
and the row keeps the recloser's K × fast-curve accuracy (1.8 × 10 ms = 0.018 s).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.tolerance import device_tolerance_s
from protv2g.devices.models import Fuse
from protv2g.devices.tolerances import tolerance_s

F_LAT = Fuse(name="F-LAT", link="80K")
I_BASE, I_V2G = 196.243370, 190.293903  # F-LAT's current without / with V2G (A)


def test_the_melting_band_is_unbounded_under_the_max_melt_asymptote():
    """80K (``protv2g curves eval 80K --min-melt / --max-melt``): min melt 13.58 s, max melt
    195.00 s at 196.24 A (2.4530 ×): a band of 181.4 s. At 190.29 A (2.379 ×) min melt 15.26 s
    and no maximum melt (its asymptote is 2.380 ×, 190.4 A; ANSI C37.43's 300 s maximum
    melting current 192 A): the link need not melt at all, an unbounded band, not the 0 it
    used to be mapped to."""
    assert F_LAT.max_melt_time_s([I_BASE])[0] == pytest.approx(195.00, abs=0.01)
    assert F_LAT.min_melt_time_s([I_BASE])[0] == pytest.approx(13.58, abs=0.01)
    tol = tolerance_s(F_LAT, [I_BASE, I_V2G, 150.0], "mm")
    assert tol[0] == pytest.approx(181.42, abs=0.01)
    assert np.isfinite(F_LAT.min_melt_time_s([I_V2G])[0])
    assert not np.isfinite(F_LAT.max_melt_time_s([I_V2G])[0])
    assert tol[1] == math.inf  # operates, band without an upper end
    assert math.isnan(tol[2])  # does not melt at all (under its min-melt asymptote)


def _ctx(**devices):
    return SimpleNamespace(devices=devices,
                           thresholds=SimpleNamespace(relay_technology="numerical"))


def test_a_minimum_melt_has_no_failing_side_tolerance():
    """In the checks a fuse's minimum melt carries 0 (the band above it only helps a rule that
    asks the link not to melt first), whether the band is 181.4 s, unbounded or absent; its
    total clearing keeps its arcing bracket."""
    tol = device_tolerance_s(_ctx(**{"F-LAT": F_LAT}),
                             np.array(["F-LAT"] * 3, dtype=object),
                             np.array([I_BASE, I_V2G, 150.0]), "mm")
    np.testing.assert_array_equal(tol, [0.0, 0.0, 0.0])
    tc = device_tolerance_s(_ctx(**{"F-LAT": F_LAT}), np.array(["F-LAT"], dtype=object),
                            np.array([I_BASE]), "tc")
    assert tc[0] > 0.0


def test_a_v2g_loss_of_fuse_saving_is_not_hidden_in_the_melting_band():
    """rev29 §2's synthetic row: fuse saving passes by 4.55 s without V2G and fails by 0.08 s
    with it (the fuse's current 117 → 260 A). With the band as tolerance (37.24 s) it was
    pre-existing; with the recloser's K × 10 ms it is V2G's, and the message reads seconds."""
    from protv2g.checks import attribute

    def row(scenario: str, margin: float, i_a: float) -> dict:
        return {"criterion": "C2", "status": "fail" if margin < 0 else "pass",
                "scenario": scenario, "fault_bus": "73", "fault_type": "SLG-c", "case": "min",
                "device": "F-73", "other_device": "R-67", "margin": margin,
                "margin_unit": "s", "limit": 0.0, "tolerance": 0.018, "rule": "fuse_saving_k",
                "attribution": "", "i_device_a": i_a, "i_other_a": i_a, "t_device_s": 1.0,
                "t_other_s": 0.5, "message": "fuse saving lost", "mechanism": ""}

    base, v2g = "base/light", "expected/light/100%"
    v = attribute(pd.DataFrame([row(base, 4.55, 117.0), row(v2g, -0.08, 260.0)]),
                  {base: base, v2g: base})
    assert v.attribution.iloc[1] != "pre-existing"
    assert "e+0" not in str(v.message.iloc[1])
    from protv2g.checks.attribution_materiality import fmt
    assert fmt(4.55, "s") == "4.55 s" and fmt(0.0135, "s") == "13.5 ms"
