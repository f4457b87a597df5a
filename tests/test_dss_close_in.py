"""Close-in fault positions on the OpenDSS path (review s22): the device's line split in the
phase model (:mod:`protv2g.network.dss_close_in`) against OpenDSS with the line split in the
script itself.

EPRI's DG-protection feeder (``../shared/feeders/opendss/DG_Protection``): fuse F1 on line La
(terminal 1 at b1, a single-phase lateral) and, for the terminal-2 branch, line L4 measured at
its terminal 2. OpenDSS solves a copy of the script with the line written as a 1 m stub and the
rest, and a ``Fault`` at the stub's far bus (:func:`opendss_faulted`, OpenDSS's fault-study
state). Tolerance 1 % (brief); measured at this commit: ≤ 1e-8 relative (OpenDSS's own
primitive admittances, split exactly).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import PhaseDevice, phase_fault_study  # noqa: E402
from protv2g.network.dss_close_in import close_in_bus_name, close_in_model  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.fault_positions import (  # noqa: E402
    has_unknown_buses,
    with_close_in_positions,
)
from protv2g.network.opendss_reference import opendss_faulted  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

REL_TOL = 0.01  # brief: 1 %
R_FAULT_OHM = 1e-4
KFT_KM = 0.3048
#: (line, terminal, OpenDSS definition in the script, length kft, fault phases, earthed)
PLACES = {
    "la": (1, "new Line.La bus1=B1 bus2=Lat1 geometry=Lateral units=kft length=21.2",
           21.2, "a", True),
    "l4": (2, "new Line.L4 bus1=B2 bus2=Bt   geometry=Trunk   units=kft length=1.0",
           1.0, "abc", True),
}


@pytest.fixture(scope="module")
def feeder(shared_dir):
    path = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    model = load_dss_model(path)
    ci = close_in_model(model, [(f"line.{n}", t) for n, (t, *_) in PLACES.items()])
    return path, model, ci


def _split_script(path: Path, tmp: Path, line: str, d_km: float) -> Path:
    term, text, length_kft, *_ = PLACES[line]
    m = re.match(r"new Line\.(\w+) bus1=(\w+) bus2=(\w+)\s+(geometry=\w+)", text, flags=re.I)
    name, b1, b2, geo = m.groups()
    total = length_kft * KFT_KM
    near, far = (d_km, total - d_km) if term == 1 else (total - d_km, d_km)
    new = (f"new Line.{name} bus1={b1} bus2=ci {geo} units=km length={near}\n"
           f"new Line.{name}x bus1=ci bus2={b2} {geo} units=km length={far}")
    script = path.read_text()
    assert text in script
    out = tmp / line / path.name
    out.parent.mkdir(parents=True)
    out.write_text(script.replace(text, new))
    return out


@pytest.mark.parametrize("line", sorted(PLACES))
def test_close_in_device_current_matches_opendss_split_line(feeder, tmp_path, line):
    path, _, ci = feeder
    term, _, _, phases, earthed = PLACES[line]
    row = ci.table[ci.table.line == f"line.{line}"].iloc[0]
    assert int(row.terminal) == term
    ft = FaultType.SINGLE_LINE_GROUND if phases == "a" else FaultType.THREE_PHASE
    dev = PhaseDevice("dev", f"line.{line}", term)
    res = phase_fault_study(ci.model, method=Method.CLASSICAL, cases=[Case.MAX],
                            r_fault_ohm=R_FAULT_OHM, devices=[dev], fault_types=[ft],
                            buses=[row.bus_name])
    ours = res.device[(res.device.fault_bus_name == row.bus_name)
                      & (res.device.phase.isin([phases, "a"]))].iloc[0]
    split = _split_script(path, tmp_path, line, float(row.distance_km))
    # OpenDSS: the device's section is Line.<name> (terminal 1) or Line.<name>x (terminal 2)
    elem = f"line.{line}" if term == 1 else f"line.{line}x"
    ref = opendss_faulted(split, "ci", phases, earthed, R_FAULT_OHM, [elem])
    cur = np.asarray(ref[elem])
    half = len(cur) // 2
    cur = cur[:half] if term == 1 else cur[half:]
    # the fault current at the close-in bus (hundreds of A at least: a terminal fault)
    bus = res.bus[res.bus.bus_name == row.bus_name].iloc[0]
    fault = np.asarray(ref["fault"])
    assert np.abs(fault).max() > 500.0
    for k, p in enumerate(phases):
        o = bus[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(bus[f"i{p}_degree"]))
        assert abs(o - fault[k]) <= REL_TOL * np.abs(fault).max(), (p, o, fault[k])
    # the device's current: F1 carries the whole fault; L4 at its terminal 2 (bt, nothing
    # behind it in this model) carries ~0 A, compared with a 1 A floor
    scale = max(np.abs(cur).max(), 1.0)
    if line == "la":
        assert scale > 1000.0
    for k, p in enumerate(phases):
        o = ours[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(ours[f"i{p}_degree"]))
        assert abs(o - cur[k]) <= REL_TOL * scale, (p, o, cur[k])


def test_existing_buses_unchanged(feeder):
    _, model, ci = feeder
    kw = dict(method=Method.CLASSICAL, cases=[Case.MAX], r_fault_ohm=R_FAULT_OHM,
              fault_types=[FaultType.SINGLE_LINE_GROUND, FaultType.THREE_PHASE])
    a = phase_fault_study(model, **kw).bus
    b = phase_fault_study(ci.model, **kw).bus
    b = b[b.bus_name.isin(a.bus_name.unique())]
    assert len(a) == len(b)
    for p in "abc":
        np.testing.assert_allclose(b[f"i{p}_ka"].to_numpy(), a[f"i{p}_ka"].to_numpy(),
                                   rtol=1e-6, atol=1e-9)
    n0 = model.n_nodes
    assert list(ci.model.node_names[:n0]) == list(model.node_names)
    assert list(ci.model.buses.index[: len(model.buses)]) == list(model.buses.index)
    # a close-in bus has the line's conductors only (La: phase a)
    assert ci.model.buses.at[close_in_bus_name("line.la", 1), "phases"] == "a"
    # the feeder graph reaches the close-in bus through the split line
    assert len(ci.model.elements) == len(model.elements) + 2


def test_study_gets_close_in_positions_on_the_opendss_path(feeder):
    from dataclasses import dataclass

    from protv2g.study.places import DeviceSite

    _, model, _ = feeder

    @dataclass(frozen=True)
    class S:
        net: object
        model: object
        device_sites: dict

    b1, lat1 = model.bus_index(["b1", "lat1"])
    row = int(np.flatnonzero(model.elements.name.to_numpy() == "line.la")[0])
    study = S(None, model, {"f1": DeviceSite("line", row, int(b1), int(lat1), "line.la", 1)})
    out = with_close_in_positions(study)
    assert out.model is not model and study.device_sites["f1"].far_bus == lat1
    far = out.device_sites["f1"].far_bus
    assert out.model.buses.index[far] == close_in_bus_name("line.la", 1)
    assert has_unknown_buses(model, [far]) and not has_unknown_buses(out.model, [far])
