"""The melting band of an 80K link at its maximum-melt asymptote: the tolerance of a C2
fuse-saving row (review rev28 §7 "Noticed", EPRI J1, ``out/study.Coordination.parquet`` rows
15221/15222: SLG-b min at b56685, R-MID / F-LAT, ``tolerance_s`` 181.4 s without V2G and 0.018 s
with it).

The row's tolerance is the root-sum-square of F-LAT's minimum-melt band (minimum to maximum
melt at its current, :func:`protv2g.devices.tolerances.tolerance_s`) and K × R-MID's fast-curve
accuracy (1.8 × 10 ms = 0.018 s). With V2G F-LAT's current falls to 190.29 A, under the 80K
maximum-melt asymptote (190.4 A): the band has no upper end, and
``protv2g.checks.tolerance._tolerance_s`` maps that to 0, so the row keeps the recloser's
0.018 s alone.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
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


@pytest.mark.xfail(strict=True, reason="fix belongs in protv2g/checks/tolerance.py "
                   "(_tolerance_s maps an unbounded band to 0: the twin gets the recloser's "
                   "0.018 s alone); the lead edits that file this session")
def test_the_rows_tolerance_keeps_the_unbounded_band():
    ctx = SimpleNamespace(devices={"F-LAT": F_LAT},
                          thresholds=SimpleNamespace(relay_technology="numerical"))
    tol = device_tolerance_s(ctx, np.array(["F-LAT", "F-LAT"], dtype=object),
                             np.array([I_BASE, I_V2G]), "mm")
    assert tol[0] == pytest.approx(181.42, abs=0.01)
    assert tol[1] >= tol[0]  # now 0.0: K × the recloser's 10 ms gives the row its 0.018 s
