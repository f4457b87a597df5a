"""A part only a generator reaches, behind an open tie, is an island: de-energised as OpenDSS
has it, its source named, and out of C12 (review rev41b M4).

The feeder is rev41b's d1: the shared case ``dead-bus-open-switch/master_open_tie.dss`` (b3
behind ``Open Line.sw 1``) with 1 km of line to b4 and a 500 kW synchronous Generator g4 there.
OpenDSS itself (a fresh ``opendssdirect`` solve, :func:`_opendss`): the snapshot power flow
solves b3 and b4 at 0 V and the fault study gives ``Isc`` = 0 A and ``Voc`` = 0 V at both (its
``Show Isolated`` report lists them under "no connection to the source"). Old code: the
buses were ``energized`` (the Generator counted as a source), at 0 A with no note, and C12
failed b3 at 0.000 pu.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from .test_gate_coverage import OPEN_TIE, RELAY, _study

ISLAND = ("New Line.l4 bus1=b3 bus2=b4 linecode=oh length=1 units=km\n"
          "New Generator.g4 bus1=b4 kV=12.47 kW=500 kVA=800 pf=1 model=1 Xdpp=0.2 Xdp=0.3")
FUSE = ("  - {name: F2, kind: fuse, location: {line: l2, end: from}, link: 65K, "
        "interrupting_rating_ka: 10}\n")


def _opendss(master) -> dict[str, tuple[float, float, float]]:
    """Bus → (highest snapshot voltage pu, highest fault-study |Isc| A, highest |Voc| V)."""
    import opendssdirect as dss

    dss.Text.Command(f"compile [{master}]")
    dss.Solution.Solve()
    out = {}
    for b in ("b2", "b3", "b4"):
        dss.Circuit.SetActiveBus(b)
        out[b] = [max(dss.Bus.puVmagAngle()[::2])]
    dss.Text.Command("solve mode=faultstudy")
    for b in out:
        dss.Circuit.SetActiveBus(b)
        isc, voc = np.asarray(dss.Bus.Isc()), np.asarray(dss.Bus.Voc())
        out[b] += [float(np.abs(isc[0::2] + 1j * isc[1::2]).max()),
                   float(np.abs(voc[0::2] + 1j * voc[1::2]).max())]
    dss.Text.Command("solve mode=snap")
    return {b: tuple(v) for b, v in out.items()}


@pytest.fixture
def island(tmp_path):
    study = _study(tmp_path, OPEN_TIE, RELAY + FUSE, extra_dss=ISLAND)
    return study, _opendss(tmp_path / OPEN_TIE.name)


def test_the_island_is_de_energised_as_opendss_has_it(island):
    from protv2g.engine.phase import phase_fault_study
    from protv2g.units import Method

    study, ref = island
    assert ref["b2"][0] > 0.9 and ref["b2"][1] > 1000.0  # the grid's part: live
    for b in ("b3", "b4"):
        assert ref[b] == (0.0, 0.0, 0.0), (b, ref[b])  # OpenDSS: 0 V, 0 A, Voc 0
    model = study.model
    assert not model.buses.energized.loc[["b3", "b4"]].any()
    assert model.buses.energized.loc[["sub", "b1", "b2"]].all()
    notes = model.warnings[model.warnings.name == "generator.g4"]
    assert len(notes) == 1 and "in an island with no path to the grid source" in \
        notes.what.iat[0], model.warnings
    res = phase_fault_study(model, fault_types=["3ph"], cases=["max"], method=Method.CLASSICAL)
    rows = res.bus.set_index("bus_name")
    for b in ("b3", "b4"):
        assert not bool(rows.loc[b, "energized"])
        assert float(rows.loc[b, "ia_ka"]) == pytest.approx(ref[b][1] / 1e3, abs=1e-9)
    assert float(rows.loc["b2", "ia_ka"]) == pytest.approx(ref["b2"][1] / 1e3, rel=1e-3)


def test_c12_lists_the_island_instead_of_judging_it(island):
    """Old code: a C12 ``fail`` "voltage 0.000 pu at b3" (b4, the generator's bus, was left
    out as a "source bus")."""
    from protv2g.checks import run_checks
    from protv2g.pipeline_flow import study_flow

    study, _ = island
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        violations, _ = run_checks(study, None, study_flow(study))
    c12 = violations[violations["criterion"].astype(str) == "C12"]
    assert not c12["fault_bus"].astype(str).isin(["b3", "b4"]).any(), \
        c12[["status", "fault_bus", "message"]]
    info = [str(m) for m, s in zip(c12["message"], c12["status"].astype(str), strict=True)
            if s == "info" and "island" in str(m)]
    assert len(info) == 1, info
    assert "2 bus(es) of an unintended island (b3, b4): fed only by generator.g4" in info[0]
    assert "model its grid-forming unit as a Vsource" in info[0]
