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


def test_lu_built_once_per_model(monkeypatch):
    """#21: y_s's LU is a view derived once per (frozen) model; a later call reuses it and
    gives the same X/R, bit for bit; a bus position outside the model is NaN."""
    import protv2g.engine.asymmetry as asym

    path = SHARED / "13Bus/IEEE13Nodeckt.dss"
    if not path.is_file():
        pytest.skip(f"{path} not found (shared feeders absent)")
    built = []
    build = asym._energized_lu
    monkeypatch.setattr(asym, "_energized_lu", lambda m: built.append(1) or build(m))
    model = load_dss_model(path)
    buses = np.arange(len(model.buses))
    first = dss_driving_point_x_r(model, buses)
    again = dss_driving_point_x_r(model, buses[::-1])
    assert len(built) == 1
    np.testing.assert_array_equal(again[::-1], first)
    assert np.isfinite(first).sum() >= 5
    assert np.isnan(dss_driving_point_x_r(model, [len(model.buses), -1])).all()


def test_one_phase_device_on_a_three_phase_bus_takes_its_own_phase_loop(tmp_path):
    """A one-phase cutout at a three-phase tap: init's drafted duty takes the X/R of its own
    phase's loop (the faults it interrupts), as ``run``'s Device duty does — not the bus's Z1
    (review rev37a F11, EPRI ckt5: 9.9 against run's and OpenDSS's 7.21).

    Reference: OpenDSS's own short-circuit impedance matrix at the tap (``Bus.ZscMatrix`` after
    ``Solve mode=faultstudy``, loads disabled — the IEC network), its phase-2 self term; and
    ``Bus.Zsc1`` for the three-phase relay at the same bus."""
    dss = pytest.importorskip("opendssdirect")
    from types import SimpleNamespace

    from protv2g.study_draft.ratings import device_x_r
    from tests.test_dss_site_transformer import MASTER

    master = tmp_path / "Master.dss"
    master.write_text(MASTER.replace(
        "Set VoltageBases", "New Line.lat phases=1 bus1=b2.2 bus2=b5.2 r1=0.306 x1=0.627 "
        "r0=0.775 x0=1.96 length=0.5 units=mi\nSet VoltageBases"))
    model = load_dss_model(master)
    got = device_x_r(model, [SimpleNamespace(name="fuse", element="line.lat", terminal=1),
                             SimpleNamespace(name="relay", element="line.l2", terminal=2)])
    dss.Basic.ClearAll()
    dss.Text.Command(f'compile "{master}"')
    dss.Text.Command("batchedit load..* enabled=no")
    dss.Text.Command("solve mode=faultstudy")
    dss.Circuit.SetActiveBus("b2")
    zm = np.array(dss.Bus.ZscMatrix()).reshape(-1, 2)
    z = (zm[:, 0] + 1j * zm[:, 1]).reshape(3, 3)
    r1, x1 = dss.Bus.Zsc1()[:2]
    assert got["fuse"] == pytest.approx(z[1, 1].imag / z[1, 1].real, rel=0.01)
    assert got["relay"] == pytest.approx(x1 / r1, rel=0.01)
    # the bus's Z1 (what the fuse was given before): 2.99 against its loop's 2.93 here
    assert abs(got["fuse"] / got["relay"] - 1) > 0.015
