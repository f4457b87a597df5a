"""The feeder plot draws a feeder at its OpenDSS bus coordinates, the three-phase primary heavy
and the laterals and secondaries thin (review rev43a M10).

EPRI ckt24 with rev43a's depot (a 0.1 km tap from N283602, ≈ 270 m from the substation, to a
2.5 MVA 34.5 kV / 480 V transformer): the plot was a hop-count tree of its 6,060 buses, a dot at
each, every line one weight, and the depot drawn at the far lower left, the substation at the
top left. The model's ``Buscoords buscoords_ckt24.dss`` was skipped with the other commands
protv2g does not run. Checked against the coordinate file's own text (read here as text) and
OpenDSS's own line phases and bus voltage bases (``Lines.Phases``, ``Bus.kVBase``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from protv2g.network.dss_model import load_dss_model
from protv2g.report.feeder_graph import feeder_graph, feeder_tables, tree_layout
from protv2g.report.feeder_layout import (
    COORDINATE_TITLE,
    SPAN_UNITS,
    TREE_TITLE,
    coordinate_layout,
    feeder_layout,
)
from protv2g.report.feeder_lines import LINE_STYLES, branch_classes
from protv2g.report.feeder_plot import plot_feeder
from protv2g.report.feeder_tree import feeder_tree
from tests.conftest import REAL_FEEDERS_DIR, SHARED_DIR, need_dss_master

DEPOT = """New Line.depot_tap phases=3 bus1=N283602.1.2.3 bus2=depot_hv.1.2.3 \
geometry=OH3P_FR8_N56_OH_477_AAC_OH_477_AAC_ABCN length=328 units=ft
New Transformer.depot_xf phases=3 windings=2 xhl=5.75 %loadloss=0.9
~ wdg=1 bus=depot_hv conn=delta kv=34.5 kva=2500
~ wdg=2 bus=depot_lv conn=wye kv=0.48 kva=2500
New Load.depot_aux bus1=depot_lv phases=3 conn=wye kv=0.48 kw=50 kvar=15
Set voltagebases=[230,34.5,13.2,0.48,0.415,0.208]
Calcvoltagebases
"""


@pytest.fixture(scope="module")
def ckt24(tmp_path_factory):
    master = need_dss_master(REAL_FEEDERS_DIR / "EPRI_ckt24" / "master_ckt24.dss")
    depot = tmp_path_factory.mktemp("ckt24") / "depot.dss"
    depot.write_text(DEPOT)
    model = load_dss_model(master, redirects=[depot])
    return master, model, feeder_tables(model)


def _file_coordinates(path) -> dict[str, tuple[float, float]]:
    """``bus x y`` lines of an OpenDSS coordinate file (blanks, tabs or commas)."""
    out = {}
    for line in path.read_text().splitlines():
        parts = line.replace(",", " ").split()
        if len(parts) >= 3:
            out[parts[0].lower()] = (float(parts[1]), float(parts[2]))
    return out


def test_ckt24_bus_positions_are_its_coordinate_files(ckt24):
    master, model, tables = ckt24
    buses = tables["Feeder buses"].set_index("name")
    given = _file_coordinates(master.parent / "buscoords_ckt24.dss")
    both = [b for b in given if b in buses.index]
    assert len(both) >= 1340  # 1,347 of the file's 1,356 names are buses of the circuit
    got = buses.loc[both, ["x", "y"]].to_numpy(float)
    assert np.array_equal(got, np.array([given[b] for b in both]))
    # the depot's buses, which the file does not name: none
    assert buses.loc[["depot_hv", "depot_lv"], ["x", "y"]].isna().all().all()
    notes = model.warnings
    read = notes[notes["what"].str.lower().str.startswith("buscoords")]
    assert read["action"].tolist() == [
        "read for the feeder plot's bus positions only (no effect on the circuit)"]


def test_ckt24_drawn_to_scale_with_the_depot_beside_the_head(ckt24):
    _, _, tables = ckt24
    g = feeder_graph(tables)
    tree = feeder_tree(g)
    layout = feeder_layout(g, tree)
    assert layout.to_scale and layout.title == COORDINATE_TITLE
    pos = layout.pos
    # every bus the file places: one scale and no turn (pairs of buses' distances in one ratio,
    # x to x and y to y)
    placed = [n for n in g if g.nodes[n]["xy"] is not None]
    xy = np.array([g.nodes[n]["xy"] for n in placed])
    p = np.array([pos[n] for n in placed])
    k = (p[:, 0].max() - p[:, 0].min()) / (xy[:, 0].max() - xy[:, 0].min())
    assert np.allclose(p - p.min(axis=0), (xy - xy.min(axis=0)) * k, atol=1e-9)
    assert max(np.ptp(p, axis=0)) == pytest.approx(SPAN_UNITS)
    # the depot drawn < 500 m from the substation's bus at the file's scale (feet): N283602
    # is 249 m from 05410 in the file (≈ 270 m along the lines), then the 100 m tap and the
    # transformer's step; the tree layout put it at the other end of the drawing
    feet = math.dist(pos["depot_lv"], pos["05410"]) / k
    assert feet * 0.3048 < 500.0
    assert math.dist(pos["depot_lv"], pos["05410"]) < 0.1 * SPAN_UNITS
    tree_pos = tree_layout(g, tree)
    extent = max(np.ptp(np.array(list(tree_pos.values())), axis=0))
    assert math.dist(tree_pos["depot_lv"], tree_pos["05410"]) > 0.5 * extent
    # the tap drawn at its length at the file's scale: 328 ft = 0.1 km, the file's feet
    # (0.3048 m) times k
    assert math.dist(pos["depot_hv"], pos["n283602"]) == pytest.approx(
        0.1 / 0.0003048 * k, rel=0.05)


def _line_classes_against_opendss(model, tables) -> dict[tuple[str, str], int]:
    g = feeder_graph(tables)
    cls = {frozenset(e): k for k, es in branch_classes(g).items() for e in es}
    dss = model.engine
    counts: dict[tuple[str, str], int] = {}
    ok = dss.Lines.First()
    while ok:
        b1, b2 = (b.split(".")[0].lower() for b in (dss.Lines.Bus1(), dss.Lines.Bus2()))
        phases = dss.Lines.Phases()
        dss.Circuit.SetActiveBus(b1)
        kv_ll = dss.Bus.kVBase() * math.sqrt(3.0)
        want = "secondary" if kv_ll < 1.0 else "three-phase" if phases == 3 else "lateral"
        got = cls.get(frozenset((b1, b2)))
        if got is not None:
            counts[(want, got)] = counts.get((want, got), 0) + 1
        ok = dss.Lines.Next() > 0
    return counts


def test_line_weights_follow_opendss_phases_and_voltage(ckt24):
    _, model, tables = ckt24
    counts = _line_classes_against_opendss(model, tables)
    # every line of ckt24 as OpenDSS has it: 378 three-phase primary, 953 one- or two-phase,
    # 3,891 secondary (the depot's tap a 379th three-phase one)
    assert all(a == b for a, b in counts) and sum(counts.values()) >= 5200
    assert counts[("three-phase", "three-phase")] == 379
    master = need_dss_master(SHARED_DIR / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    m13 = load_dss_model(master)
    counts = _line_classes_against_opendss(m13, feeder_tables(m13))
    assert counts == {("three-phase", "three-phase"): 7, ("lateral", "lateral"): 5}


def test_the_ckt24_plot_draws_lines_not_dots(ckt24):
    _, _, tables = ckt24
    g = feeder_graph(tables)
    sites = [{"name": "depot", "bus": "depot_lv", "n_chargers": 20, "p_charger_kw": 100}]
    settings = pd.DataFrame(columns=["device", "kind", "element", "element_index", "bus"])
    fig = plot_feeder(g, settings, sites, pd.DataFrame(columns=["fault_bus", "status"]))
    ax = fig.axes[0]
    assert ax.get_title().startswith(COORDINATE_TITLE[:40])
    # no dot at each of the 6,060 buses (the old plot: one line of 6,059 markers)
    assert max((len(ln.get_xdata()) for ln in ax.get_lines() if ln.get_marker() == "o"),
               default=0) < 10
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    for key in ("three-phase", "lateral", "secondary"):
        assert LINE_STYLES[key][2] in legend
    widths = sorted({float(c.get_linewidths()[0]) for c in ax.collections
                     if len(c.get_segments()) > 100})
    assert widths == [LINE_STYLES["secondary"][1], LINE_STYLES["lateral"][1],
                      LINE_STYLES["three-phase"][1]]
    # x and y to one scale: data units per point alike
    box = ax.get_window_extent()
    per_x = np.ptp(ax.get_xlim()) / box.width
    per_y = np.ptp(ax.get_ylim()) / box.height
    assert per_x == pytest.approx(per_y, rel=1e-6)


def test_a_model_without_coordinates_keeps_the_tree():
    # EPRI's DG-protection feeder: no coordinates in its script nor beside it (IEEE 34's
    # master has none either, but its run script beside it has: read since session 45)
    master = need_dss_master(SHARED_DIR / "feeders" / "opendss" / "DG_Protection"
                             / "DG_Prot_Fdr.dss")
    tables = feeder_tables(load_dss_model(master))
    assert tables["Feeder buses"][["x", "y"]].isna().all().all()
    layout = feeder_layout(feeder_graph(tables))
    assert not layout.to_scale and layout.title == TREE_TITLE


def test_buses_without_coordinates_are_drawn_from_their_upstream_bus():
    import networkx as nx

    g = nx.Graph()
    xy = {"s": (0.0, 0.0), "a": (1000.0, 0.0), "b": (20000.0, 0.0)}
    for n in ("s", "a", "b", "t1", "t2", "t3"):
        g.add_node(n, is_source=n == "s", vn_kv=12.47, xy=xy.get(n))
    g.add_edge("s", "a", length_km=1.0)
    g.add_edge("a", "b", length_km=19.0)
    g.add_edge("a", "t1", length_km=0.2)
    g.add_edge("t1", "t2", length_km=0.15)
    g.add_edge("t2", "t3", length_km=0.0)  # a transformer: the smallest step, 0.5 % of span
    pos = coordinate_layout(g, feeder_tree(g))
    unit = SPAN_UNITS / 20000.0  # per file unit; 1 km of line = 1,000 file units here
    assert pos["a"] == pytest.approx((1000 * unit, 0.0))
    # off the placed bus a square to the branch into it, 0.2 km; then straight on, 0.15 km
    assert pos["t1"] == pytest.approx((1000 * unit, 200 * unit))
    assert pos["t2"] == pytest.approx((1000 * unit, 350 * unit))
    assert pos["t3"] == pytest.approx((1000 * unit, 350 * unit + 0.005 * SPAN_UNITS))
    # too few primary buses placed: no coordinate layout
    for n in ("a", "b"):
        g.nodes[n]["xy"] = None
    assert coordinate_layout(g, feeder_tree(g)) is None


def test_the_workbook_plot_keeps_the_layouts_own_title():
    """The workbook's feeder plot is titled by its layout (ver44 M2: ckt5's and J1's plots,
    drawn to scale at their bus coordinates, were titled "tree from the substation, not to
    scale" by the workbook, which passed its own title)."""
    from types import SimpleNamespace

    from protv2g.report.tcc_sheets import submit_feeder

    master = need_dss_master(SHARED_DIR / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    g = feeder_graph(feeder_tables(load_dss_model(master)))
    assert feeder_layout(g).to_scale  # IEEE13Node_BusXY.csv
    jobs = []
    pictures = SimpleNamespace(share=lambda *a: None, by_reference=lambda v: True,
                               submit=lambda key, fn, *a, **kw: jobs.append((fn, a, kw)))
    empty = pd.DataFrame(columns=["fault_bus", "status", "device", "other_device"])
    result = SimpleNamespace(inputs={}, violations=empty, study_name="ckt",
                             settings=pd.DataFrame(columns=["device", "kind", "element",
                                                            "element_index", "bus"]),
                             scenarios=pd.DataFrame(), tables={})
    plan = SimpleNamespace(graph=g, tree=None, edges=None, models={})
    submit_feeder(pictures, result, plan)
    fn, args, kw = jobs[0]
    kw.pop("cache", None)  # the picture worker's option, not the plot's
    title = fn(*args, **kw).axes[0].get_title().replace("\n", " ")
    assert title.startswith("ckt: " + COORDINATE_TITLE[:30]) and "not to scale" not in title
