"""The feeder plot draws the feeder's existing sources (review rev42a M7: EPRI J1's 13
PVSystems, 1.9 MW, which every fault run, C10 and C11 use, were not on the one-line, and the
legend had no symbol for them).

Case: the shipped ``synchronous-generator-source/master_nogen.dss`` (12.47 kV, sub–b1–b2–b3,
its generator commented out) with a 1,000 kVA 3-ph PVSystem at b3 and a 50 kVA 1-ph one at
b2.1, as written here. Reference: the two ``New PVSystem`` lines themselves (bus, kVA), read by
OpenDSS into the study's Existing sources table (:func:`protv2g.engine.phase.der.der_table`).
"""

from __future__ import annotations

import pytest

pytest.importorskip("opendssdirect")

import pandas as pd  # noqa: E402

from protv2g.engine.phase.der import der_table  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.report.der_marks import DER_OFFSET  # noqa: E402
from protv2g.report.feeder_graph import feeder_graph, feeder_tables, tree_layout  # noqa: E402
from protv2g.report.feeder_plot import plot_feeder  # noqa: E402

from .conftest import SHARED_DIR, need_dss_master  # noqa: E402

PV = ("New PVSystem.pv1 phases=3 bus1=b3 kV=12.47 kVA=1000 Pmpp=1000 irradiance=1\n"
      "New PVSystem.pv2 phases=1 bus1=b2.1 kV=7.2 kVA=50 Pmpp=50 irradiance=1\n")


def test_existing_pv_is_drawn_at_its_bus_with_a_legend_symbol(tmp_path):
    src = need_dss_master(SHARED_DIR / "cases" / "synchronous-generator-source"
                          / "master_nogen.dss")
    text = src.read_text()
    cut = text.index("Set VoltageBases")
    master = tmp_path / "pv.dss"
    master.write_text(text[:cut] + PV + text[cut:])
    model = load_dss_model(master)
    existing = der_table(model)
    assert sorted(existing["bus"]) == ["b2", "b3"]
    g = feeder_graph(feeder_tables(model))
    settings = pd.DataFrame(columns=["device", "kind", "element", "element_index", "bus"])
    fig = plot_feeder(g, settings, [], pd.DataFrame(columns=["fault_bus", "status"]),
                      existing=existing)
    ax = fig.axes[0]
    pos = tree_layout(g)
    stars = {(float(ln.get_xdata()[0]), float(ln.get_ydata()[0])) for ln in ax.get_lines()
             if ln.get_marker() == "*"}
    for bus in ("b2", "b3"):
        x, y = pos[bus]
        # a star below the bus (a V2G site's triangle is above it)
        assert any(abs(a - x) < 1e-9 and abs(b - (y - DER_OFFSET)) < 1e-9
                   for a, b in stars), bus
    names = [t.get_text() for t in ax.texts]
    assert "PV 1,000 kVA" in names and "PV 50 kVA" in names
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "existing PV (Existing sources sheet)" in legend


def test_no_existing_sources_no_legend_entry():
    import networkx as nx
    g = nx.Graph()
    nx.add_path(g, ["src", "a", "b"])
    g.nodes["src"]["is_source"] = True
    for k, (u, v) in enumerate(g.edges):
        g.edges[u, v].update(element="line", element_index=k)
    settings = pd.DataFrame(columns=["device", "kind", "element", "element_index", "bus"])
    fig = plot_feeder(g, settings, [], pd.DataFrame(columns=["fault_bus", "status"]),
                      existing=pd.DataFrame(columns=["name", "kind", "bus", "kva"]))
    assert not any("existing" in t.get_text() for t in fig.legends[0].get_texts())
