"""Driving-point X/R on an OpenDSS feeder (C7 duty basis, #17) against OpenDSS's own Zsc1.

OpenDSS computes, per bus, the positive-sequence short-circuit impedance ``Zsc1`` from the
same fault-study system matrix (``Bus.Zsc1`` after ``Solve mode=faultstudy``; R. C. Dugan,
OpenDSS Reference Guide, "FaultStudy mode"). protv2g inverts the bus block itself
(:func:`protv2g.checks.asymmetry.dss_driving_point_x_r`); the two must agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from protv2g.checks.asymmetry import dss_driving_point_x_r
from protv2g.network.dss_model import load_dss_model

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "feeders" / "opendss"


@pytest.mark.parametrize("master", ["13Bus/IEEE13Nodeckt.dss", "34Bus/ieee34Mod1.dss"])
def test_x_r_equals_opendss_zsc1(master):
    path = SHARED / master
    if not path.is_file():
        pytest.skip(f"{path} not found (shared feeders absent)")
    dss = pytest.importorskip("opendssdirect")
    model = load_dss_model(path)
    dss.Basic.ClearAll()
    dss.Text.Command(f'compile "{path}"')
    dss.Text.Command("solve")
    dss.Text.Command("solve mode=faultstudy")
    names = [str(n) for n in model.buses.index]
    want, three = [], []
    for name in names:
        dss.Circuit.SetActiveBus(name)
        r, x = dss.Bus.Zsc1()[:2]
        want.append(x / r if r > 0 else np.nan)
        three.append(len(dss.Bus.Nodes()) >= 3)
    got = dss_driving_point_x_r(model, np.arange(len(names)))
    three = np.array(three)
    ok = three & np.isfinite(want)
    assert ok.sum() >= 5
    np.testing.assert_allclose(got[ok], np.array(want)[ok], rtol=0.01)
