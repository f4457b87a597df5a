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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import PhaseDevice, phase_fault_study  # noqa: E402
from protv2g.network.dss_close_in import close_in_model  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.fault_positions import (  # noqa: E402
    close_in_bus_name,
    has_unknown_buses,
    with_close_in_positions,
)
from protv2g.network.opendss_reference import opendss_faulted  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402


@dataclass(frozen=True)
class _PhaseStudy:
    """The three attributes of a study that :func:`with_close_in_positions` reads."""

    net: object
    model: object
    device_sites: dict

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
    assert ci.model.buses.at["la end 1 close-in", "phases"] == "a"
    # the feeder graph reaches the close-in bus through the split line
    assert len(ci.model.elements) == len(model.elements) + 2


def test_study_gets_close_in_positions_on_the_opendss_path(feeder):
    from protv2g.study.places import DeviceSite

    _, model, _ = feeder

    b1, lat1 = model.bus_index(["b1", "lat1"])
    row = int(np.flatnonzero(model.elements.name.to_numpy() == "line.la")[0])
    site = DeviceSite("line", row, int(b1), int(lat1), "line.la", 1)
    study = _PhaseStudy(None, model, {"f1": site})
    out = with_close_in_positions(study)
    assert out.model is not model and study.device_sites["f1"].far_bus == lat1
    far = out.device_sites["f1"].far_bus
    assert out.model.buses.index[far] == close_in_bus_name(["f1"]) == "f1 close-in"
    assert has_unknown_buses(model, [far]) and not has_unknown_buses(out.model, [far])


# --- devices at both ends of one line (review s22 follow-up, closein23) -----------------------
#: Line L3 (Bm → B2, 13.5 kft of trunk) with a device at each end. The copy adds a second
#: source at Bt (a stiff tie to another feeder, 40 MVA three-phase, 15 MVA single-phase), so L3
#: is fed from both ends and the terminal-2 device carries real current into its close-in
#: fault (the script's wind generator gives 10 A on the 12.47 kV side, too little to compare).
L3 = "new Line.L3 bus1=Bm bus2=B2   geometry=Trunk   units=kft length=13.5"
FAR = "new Vsource.Far bus1=Bt basekv=12.47 pu=1.0 angle=0 MVAsc3=40 MVAsc1=15"


@pytest.fixture(scope="module")
def both_ends(shared_dir, tmp_path_factory):
    path = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    script = path.read_text()
    assert L3 in script and "open transformer.tg 2" in script
    tmp = tmp_path_factory.mktemp("both_ends")
    tied = tmp / "tied" / path.name
    tied.parent.mkdir()
    tied.write_text(script.replace("open transformer.tg 2", f"open transformer.tg 2\n{FAR}"))
    model = load_dss_model(tied)
    ci = close_in_model(model, [("line.l3", 1, "R-Bm"), ("line.l3", 2, "R-B2"),
                                ("line.l3", 2, "F-B2")])
    d_km = float(ci.table.distance_km.iat[0])
    total = 13.5 * KFT_KM
    split = tmp / "split" / path.name
    split.parent.mkdir()
    split.write_text(tied.read_text().replace(L3, (
        f"new Line.L3 bus1=Bm bus2=ci1 geometry=Trunk units=km length={d_km}\n"
        f"new Line.L3x bus1=ci1 bus2=ci2 geometry=Trunk units=km length={total - 2 * d_km}\n"
        f"new Line.L3y bus1=ci2 bus2=B2 geometry=Trunk units=km length={d_km}")))
    return model, ci, split


def test_both_ends_two_stubs_named_after_their_devices(both_ends):
    model, ci, _ = both_ends
    tab = ci.table.set_index("terminal")
    assert list(tab.bus_name) == ["r-bm close-in", "r-b2 + f-b2 close-in"]
    assert list(tab.devices) == ["R-Bm", "R-B2, F-B2"]
    assert list(tab.section) == ["line.l3", "line.l3~stub2"]
    assert list(tab.near_bus_name) == ["bm", "b2"]
    # three sections whose series impedances add up to the line's, in the element table
    e = ci.model.elements.set_index("name")
    assert e.at["line.l3", "buses"] == ("bm", "r-bm close-in")
    assert e.at["line.l3~rest", "buses"] == ("r-bm close-in", "r-b2 + f-b2 close-in")
    assert e.at["line.l3~stub2", "buses"] == ("r-b2 + f-b2 close-in", "b2")
    length = model.elements.set_index("name").at["line.l3", "length_km"]
    assert e.loc[["line.l3", "line.l3~rest", "line.l3~stub2"], "length_km"].sum() == \
        pytest.approx(length, rel=1e-12)
    # a device at terminal 2 measures the terminal-2 stub, at terminal 1 the terminal-1 stub
    assert ci.model.element_y("line.l3", 2).name == "line.l3~stub2"
    assert ci.model.element_y("line.l3", 1).name == ci.model.element_y("line.l3").name \
        == "line.l3"


def test_end_without_stub_measures_the_rest(feeder):
    """A line split at one end only: a device at its other end (not given as a place) reads the
    rest section, whose terminal there is the line's own bus."""
    _, _, ci = feeder
    for line, term, bus in (("line.la", 2, "lat1"), ("line.l4", 1, "b2")):
        e = ci.model.element_y(line, term)
        assert e.name == f"{line}~rest" and e.buses[term - 1] == bus


@pytest.mark.parametrize("ft", [FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND])
@pytest.mark.parametrize("term", [1, 2])
def test_both_ends_match_opendss_three_sections(both_ends, term, ft):
    """Each end's device at its own close-in fault against OpenDSS with L3 written as three
    lines (1 m, the rest, 1 m) and a Fault at the stub's inner bus."""
    _, ci, split = both_ends
    row = ci.table[ci.table.terminal == term].iloc[0]
    devs = [PhaseDevice("t1", "line.l3", 1), PhaseDevice("t2", "line.l3", 2)]
    res = phase_fault_study(ci.model, method=Method.CLASSICAL, cases=[Case.MAX],
                            r_fault_ohm=R_FAULT_OHM, devices=devs, fault_types=[ft],
                            buses=[row.bus_name])
    phases = "abc" if ft is FaultType.THREE_PHASE else "a"
    elem = "line.l3" if term == 1 else "line.l3y"
    ref = opendss_faulted(split, f"ci{term}", phases, True, R_FAULT_OHM, [elem])
    cur = np.asarray(ref[elem])
    cur = cur[:len(cur) // 2] if term == 1 else cur[len(cur) // 2:]
    fault = np.asarray(ref["fault"])
    bus = res.bus[res.bus.bus_name == row.bus_name].iloc[0]
    for k, p in enumerate(phases):
        o = bus[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(bus[f"i{p}_degree"]))
        assert abs(o - fault[k]) <= REL_TOL * np.abs(fault).max(), (p, o, fault[k])
    dev = res.device[res.device.device == f"t{term}"].iloc[0]
    scale = np.abs(cur[:3]).max()
    # a terminal fault: the substation's side through 4.4 km of trunk (≈ 0.7–0.9 kA), the
    # tie's side through 0.3 km (≈ 1–2 kA)
    assert scale > (500.0 if term == 1 else 900.0)
    for k, p in enumerate("abc"):
        o = dev[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(dev[f"i{p}_degree"]))
        assert abs(o - cur[k]) <= REL_TOL * scale, (p, o, cur[k])


def test_study_sites_on_both_ends(both_ends):
    """with_close_in_positions on a study with a device at each end of L3: each its own
    close-in bus and its own stub's row; the feeder graph runs bm – stub – rest – stub – b2."""
    from protv2g.network.dss_graph import device_site, dss_feeder_graph
    from protv2g.study.places import DeviceSite

    model, _, _ = both_ends

    sites = {}
    for name, term in (("R-Bm", 1), ("R-B2", 2)):
        s = device_site(model, "line.l3", term)
        sites[name] = DeviceSite("line", s.element_index, s.bus, s.far_bus, "line.l3", term)
    out = with_close_in_positions(_PhaseStudy(None, model, sites))
    names = out.model.buses.index
    el = out.model.elements
    for name, bus, stub in (("R-Bm", "bm", "line.l3"), ("R-B2", "b2", "line.l3~stub2")):
        site = out.device_sites[name]
        assert names[site.far_bus] == close_in_bus_name([name]).lower()
        assert names[site.bus] == bus and el.name.iat[site.element_index] == stub
        assert set(el.buses.iat[site.element_index]) == {bus, names[site.far_bus]}
    g = dss_feeder_graph(out.model)
    bm, c1, c2, b2 = out.model.bus_index(["bm", "r-bm close-in", "r-b2 close-in", "b2"])
    assert all(g.has_edge(a, b) for a, b in ((bm, c1), (c1, c2), (c2, b2)))
    assert not g.has_edge(bm, b2)
