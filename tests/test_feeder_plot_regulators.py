"""The feeder plot draws regulators and in-line transformers with their own symbols (review
rev43a M4: on IEEE 34 reg1 814–814r, reg2 852–852r and XFM1 832–888 were plain lines, while
gate fails were about reg1/reg2 and a C4 warning about XFM1), named when a finding names them.

Case: the shipped IEEE 34 (``34Bus/ieee34Mod1.dss``). Reference: the model file itself —
``new transformer.reg1a … buses=(814.1 814r.1)`` with ``new regcontrol.creg1a
transformer=reg1a`` (reg1a/b/c, reg2a/b/c at 852–852r), ``New Transformer.XFM1 … 832 888``
(24.9/4.16 kV), ``Transformer.SubXF`` (sourcebus–800, 115/24.9 kV); no other transformer.
"""

from __future__ import annotations

import pytest

pytest.importorskip("opendssdirect")

import pandas as pd  # noqa: E402

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.report.branch_marks import REGULATOR, TRANSFORMER  # noqa: E402
from protv2g.report.feeder_graph import feeder_graph, feeder_tables  # noqa: E402
from protv2g.report.feeder_layout import feeder_layout  # noqa: E402
from protv2g.report.feeder_plot import plot_feeder  # noqa: E402


@pytest.fixture(scope="module")
def ieee34(shared_dir):
    master = shared_dir / "feeders" / "opendss" / "34Bus" / "ieee34Mod1.dss"
    if not master.is_file():
        pytest.skip(f"IEEE 34 feeder {master} not found")
    return feeder_tables(load_dss_model(master))


def test_the_branch_table_names_each_transformers_regcontrol(ieee34):
    b = ieee34["Feeder branches"]
    regs = b[b["regulator"] != ""].set_index("name")["regulator"].to_dict()
    assert regs == {f"transformer.reg{k}{p}": f"creg{k}{p}" for k in (1, 2) for p in "abc"}
    assert set(b.loc[b["element"] == "transformer", "name"]) == {
        *regs, "transformer.xfm1", "transformer.subxf"}


def _symbols(ax, marker):
    return [(float(ln.get_xdata()[0]), float(ln.get_ydata()[0]), ln.get_markeredgecolor())
            for ln in ax.get_lines() if ln.get_marker() is marker]


def test_regulators_and_the_inline_transformer_drawn_named_when_a_finding_names_them(ieee34):
    g = feeder_graph(ieee34)
    pos = feeder_layout(g).pos  # the run script's IEEE34_BusXY.csv (session 45)
    settings = pd.DataFrame(columns=["device", "kind", "element", "element_index", "bus"])
    # the IEEE 34 run's findings: C12 reverse power through REG:reg1a (other units in
    # other_device), C4's "no device at transformer transformer.xfm1" at that fault_bus
    violations = pd.DataFrame({
        "fault_bus": ["", "transformer.xfm1", "890"], "status": ["fail", "warn", "fail"],
        "device": ["REG:reg1a", "head-l1", "R-816"], "other_device": ["reg1b, reg1c", "", ""]})
    fig = plot_feeder(g, settings, [], violations)
    ax = fig.axes[0]
    regs = _symbols(ax, REGULATOR)
    xfms = _symbols(ax, TRANSFORMER)

    def between(a, b, found):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        # on the segment, off its ends (a vertical one too: IEEE 34's 852–852r to scale)
        return [c for x, y, c in found if min(x0, x1) - 1e-9 <= x <= max(x0, x1) + 1e-9
                and min(y0, y1) - 1e-9 <= y <= max(y0, y1) + 1e-9
                and (x, y) not in ((x0, y0), (x1, y1))]

    assert len(regs) == 2 and len(xfms) == 2  # reg1, reg2; XFM1 and the substation's
    assert between("814", "814r", regs) == ["tab:red"]  # a finding names reg1a
    assert between("852", "852r", regs) == ["0.15"]     # none names reg2
    assert between("832", "888", xfms) == ["tab:red"]   # C4's warning at transformer.xfm1
    assert between("sourcebus", "800", xfms) == ["0.15"]
    names = {t.get_text() for t in ax.texts}
    assert {"reg1a/b/c", "xfm1"} <= names and not any("reg2" in n for n in names)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(t.startswith("regulator") for t in legend)
    assert any(t.startswith("transformer in line") for t in legend)


def test_a_pandapower_trafo_with_a_tap_controller_is_a_regulator():
    pp = pytest.importorskip("pandapower")
    from pandapower.control import DiscreteTapControl

    net = pp.create_empty_network()
    b = [pp.create_bus(net, kv, name=n) for kv, n in ((110, "hv"), (20, "mv"), (0.4, "lv"))]
    pp.create_ext_grid(net, b[0])
    pp.create_transformer(net, b[0], b[1], "25 MVA 110/20 kV", name="T1")
    pp.create_transformer(net, b[1], b[2], "0.4 MVA 20/0.4 kV", name="T2")
    DiscreteTapControl(net, 0, 0.99, 1.01)
    assert feeder_tables(net)["Feeder branches"]["regulator"].tolist() == ["controller 0", ""]
