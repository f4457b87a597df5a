"""Feeder plot, session 45: regulators on edges of no drawn length, names placed clear of
each other, ckt24's step transformers, coordinates from LatLongCoords and run scripts.

* Review ver44 M3: EPRI J1's 8 single-phase regulators were not drawn. Each shares its edge
  with jumper lines on the other phases (``line.temp1`` …), so the edge's class was the last
  branch's (``line``), and both its buses have one coordinate (``Buscoords.dss``: ``B4870,
  1584293, 14282400`` and ``B4870reg`` the same). Reference: the model's own files —
  ``Regulators.dss`` (8 ``New RegControl.regxfmr_…``), ``Substation.dss`` (``regcontrol.SubXfmr``).
* plot44: ckt24's 24 step transformers, each in a pre-existing C12 overload, were 24 red
  names; the substation's names overlapped. Decided: a red transformer is named on a large
  feeder only where V2G makes its finding (new or worse); every device's name kept, placed
  clear of the others (a leader where it is moved out), checked on matplotlib's own drawn
  extents.
* plot44: only ``BusCoords`` of the master's scripts was read. IEEE 34's master has none; its
  ``Run_IEEE34Mod1.dss`` compiles it and reads ``IEEE34_BusXY.csv`` (checked against that
  file's text). ``LatLongCoords``: against the equirectangular projection by hand.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from protv2g.network.dss_model import load_dss_model
from protv2g.report.branch_marks import REGULATOR, TRANSFORMER
from protv2g.report.feeder_graph import device_edges, feeder_graph, feeder_tables
from protv2g.report.feeder_layout import feeder_layout
from protv2g.report.feeder_plot import plot_feeder
from tests.conftest import REAL_FEEDERS_DIR, SHARED_DIR, need_dss_master
from tests.test_feeder_plot_coordinates import _file_coordinates

NO_DEVICES = pd.DataFrame(columns=["device", "kind", "element", "element_index", "bus"])


def _symbols(ax, marker):
    return [(float(ln.get_xdata()[0]), float(ln.get_ydata()[0]), ln.get_markeredgecolor())
            for ln in ax.get_lines() if ln.get_marker() is marker]


def _no_overlap(fig):
    """Every pair of the axes' names apart on the drawn figure (1 px of anti-aliasing)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
    for i, (na, a) in enumerate(boxes):
        for nb, b in boxes[i + 1:]:
            ox = min(a.x1, b.x1) - max(a.x0, b.x0)
            oy = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert ox <= 1.0 or oy <= 1.0, (na, nb)
    return [n for n, _ in boxes]


def test_j1_regulators_drawn_at_their_buses_place():
    master = need_dss_master(REAL_FEEDERS_DIR / "EPRI_J1" / "Master_withPV.dss")
    regs = [ln.split()[1].split(".", 1)[1].lower()
            for ln in (master.parent / "Regulators.dss").read_text().splitlines()
            if ln.lower().startswith("new regcontrol.")]
    assert len(regs) == 8
    g = feeder_graph(feeder_tables(load_dss_model(master)))
    pos = feeder_layout(g).pos
    # the C12 reverse-power finding on regxfmr_b4868 (ver44's J1 run names it)
    violations = pd.DataFrame({"fault_bus": [""], "status": ["fail"],
                               "device": ["REG:regxfmr_b4868"], "other_device": [""],
                               "attribution": ["new"]})
    fig = plot_feeder(g, NO_DEVICES, [], violations)
    drawn = _symbols(fig.axes[0], REGULATOR)
    # the 8 single-phase regulators and the substation's LTC (regcontrol.SubXfmr)
    assert len(drawn) == 9
    edges = {u: v for u, v, d in g.edges(data=True) if d.get("regulator")}
    for u, v in edges.items():
        if pos[u] == pos[v]:  # no drawn length: the symbol at the buses' own place
            assert any(np.allclose((x, y), pos[u]) for x, y, _ in drawn), (u, v)
    assert sum(pos[u] == pos[v] for u, v in edges.items()) == 8
    assert [c for *_, c in drawn].count("tab:red") == 1
    assert "regxfmr_b4868" in {t.get_text() for t in fig.axes[0].texts}


def test_a_device_on_a_parallel_branch_finds_its_edge():
    tables = {"Feeder buses": pd.DataFrame({"bus": [0, 1], "name": ["a", "b"],
                                            "vn_kv": [12.47, 12.47],
                                            "is_source": [True, False]}),
              "Feeder branches": pd.DataFrame({
                  "element": ["transformer", "line"], "element_index": [3, 7],
                  "name": ["transformer.reg1", "line.temp1"], "from_bus": ["a", "a"],
                  "to_bus": ["b", "b"], "length_km": [0.0, 0.0], "in_service": [True, True]})}
    g = feeder_graph(tables)
    settings = pd.DataFrame({"device": ["F-reg"], "kind": ["fuse"],
                             "element": ["transformer.reg1"], "element_index": [3],
                             "bus": ["a"]})
    assert device_edges(g, settings) == {"F-reg": ("a", "b")}


def _crowded_head():
    """A to-scale feeder whose substation holds a relay, two reclosers and five fuses within
    metres of each other (ckt24's head: source, LTC, head relay, depot fuse), 2 km long."""
    chain = ["s", "a", "b", "c", "d", "h", "i", "j"]
    xy = {n: (1.5 * k, 1.0 * (k % 2)) for k, n in enumerate(chain)}
    xy.update({"e": (2000.0, 0.0), "f": (2000.0, 1500.0)})
    g = nx.Graph()
    for n, p in xy.items():
        g.add_node(n, is_source=n == "s", vn_kv=12.47, phases="abc", xy=p)
    pairs = list(zip(chain, chain[1:], strict=False)) + [("j", "e"), ("e", "f")]
    for k, (u, v) in enumerate(pairs):
        g.add_edge(u, v, element="line", element_index=k, name=f"line.l{k}", length_km=0.1,
                   from_bus=u, names=[f"line.l{k}"], regulator="", branches=[("line", k)])
    devices = ["head-relay_substation", "RC-head-recloser", "F-depot_xf", "F-lateral-c",
               "F-lateral-d", "RC-second", "F-lateral-i"]
    kinds = ["relay", "recloser", "fuse", "fuse", "fuse", "recloser", "fuse"]
    settings = pd.DataFrame({"device": devices, "kind": kinds, "element": "line",
                             "element_index": range(len(devices)), "bus": chain[:7]})
    violations = pd.DataFrame({"fault_bus": ["e", "f"], "status": ["fail", "fail"],
                               "device": ["head-relay_substation", "F-depot_xf"],
                               "other_device": ["RC-head-recloser", "F-lateral-d"],
                               "attribution": ["worse", "new"]})
    return g, settings, violations


def test_crowded_head_every_device_named_no_two_names_overlap():
    g, settings, violations = _crowded_head()
    sites = [{"name": "depot", "bus": "c", "n_chargers": 10, "p_charger_kw": 150}]
    fig = plot_feeder(g, settings, sites, violations)
    names = _no_overlap(fig)
    assert set(settings["device"]) <= set(names)
    assert any(n.startswith("depot V2G") for n in names)
    assert "kept over a marker" not in fig.axes[0].get_title()


def test_a_small_tree_plot_names_apart():
    g, settings, violations = _crowded_head()
    for n in g:
        g.nodes[n]["xy"] = None  # the tree layout
    fig = plot_feeder(g, settings, [], violations)
    assert set(settings["device"]) <= set(_no_overlap(fig))


def test_ckt24_step_transformers_red_not_named_unless_v2g_makes_the_finding():
    master = need_dss_master(REAL_FEEDERS_DIR / "EPRI_ckt24" / "master_ckt24.dss")
    g = feeder_graph(feeder_tables(load_dss_model(master)))
    # the step transformers (34.5/13.2 kV) first, then the service transformers, by name
    steps = sorted((not d["name"].startswith("transformer.step_"), d["name"])
                   for u, v, d in g.edges(data=True)
                   if d["element"] == "transformer" and not d.get("regulator"))
    steps = [name for _, name in steps]
    assert len(steps) >= 24
    # ckt24's run (plot44): 24 transformers in pre-existing C12 overloads, the substation's
    # transformer in one V2G makes worse
    rows = [(s, "pre-existing") for s in steps[:24]] + [("transformer.subxfmr", "worse")]
    violations = pd.DataFrame({"fault_bus": "", "status": "fail", "other_device": "",
                               "device": [r[0] for r in rows],
                               "attribution": [r[1] for r in rows]})
    fig = plot_feeder(g, NO_DEVICES, [], violations)
    ax = fig.axes[0]
    red = [c for *_, c in _symbols(ax, TRANSFORMER) + _symbols(ax, REGULATOR)
           if c == "tab:red"]
    assert len(red) == 25
    texts = {t.get_text() for t in ax.texts}
    assert not {s.split(".", 1)[1] for s in steps[:24]} & texts
    assert "subxfmr" in texts


def test_ieee34_coordinates_from_its_run_script():
    master = need_dss_master(SHARED_DIR / "feeders" / "opendss" / "34Bus" / "ieee34Mod1.dss")
    model = load_dss_model(master)
    ref = _file_coordinates(master.parent / "IEEE34_BusXY.csv")
    buses = model.buses
    placed = buses[buses.x.notna()]
    assert len(placed) >= 0.9 * len(buses)
    for bus, row in placed.iterrows():
        assert (row.x, row.y) == pytest.approx(ref[bus], abs=1e-9), bus
    notes = model.warnings
    row = notes[notes["what"].str.contains("IEEE34_BusXY", case=False)]
    assert row["name"].tolist() == ["Run_IEEE34Mod1.dss:12"]
    assert "run script" in row["action"].iloc[0]
    assert feeder_layout(feeder_graph(feeder_tables(model))).to_scale


def test_lat_long_coordinates_projected_to_metres(tmp_path):
    (tmp_path / "m.dss").write_text(
        "Clear\nNew Circuit.t basekv=12.47 bus1=src\n"
        "New Line.l1 bus1=src bus2=a length=1.1 units=km\n"
        "New Line.l2 bus1=a bus2=b length=0.9 units=km\n"
        "Set voltagebases=[12.47]\nCalcvoltagebases\nLatLongCoords ll.csv\n")
    # a 0.01° north of src; b 0.01° east of a, at 40.005° mean latitude
    (tmp_path / "ll.csv").write_text("src, 40.0, -105.0\na, 40.01, -105.0\nb, 40.01, -104.99\n")
    buses = load_dss_model(tmp_path / "m.dss").buses
    # by hand: R = 6,371,008.8 m; north 0.01° = R·π/18000 = 1,111.95 m; east 0.01° at
    # φ0 = 40.005° = 1,111.95 × cos φ0 = 851.72 m
    north = 6_371_008.8 * math.pi / 18000.0
    assert (buses.at["src", "x"], buses.at["src", "y"]) == pytest.approx((0.0, 0.0), abs=1e-6)
    assert (buses.at["a", "x"], buses.at["a", "y"]) == pytest.approx((0.0, north), rel=1e-9)
    assert buses.at["b", "x"] == pytest.approx(north * math.cos(math.radians(40.005)),
                                               rel=1e-9)
    assert north == pytest.approx(1111.95, abs=0.01)
