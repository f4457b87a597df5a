"""``report.feeder_graph.feeder_tables`` on pandapower nets: the same tables as the row-by-row
build it replaced (#21), on the examples and on edge cases (no branches, missing names,
out-of-service lines, bus-bus switches open and closed, transformers)."""

from __future__ import annotations

import pandapower as pp
import pandapower.networks as pn
import pandas as pd
import pytest

from protv2g.report.feeder_graph import feeder_tables

_COLUMNS = ["element", "element_index", "name", "from_bus", "to_bus", "length_km",
            "in_service", "regulator"]


def _branches_by_rows(net: pp.pandapowerNet) -> pd.DataFrame:
    """The branch table as built before #21 (``iterrows``, one tuple per element)."""
    names = net.bus["name"].astype(str)
    rows = []
    for idx, line in net.line.iterrows():
        rows.append(("line", int(idx), str(line["name"]), names[line["from_bus"]],
                     names[line["to_bus"]], float(line["length_km"]),
                     bool(line["in_service"])))
    for idx, trafo in net.trafo.iterrows():
        rows.append(("trafo", int(idx), str(trafo["name"]), names[trafo["hv_bus"]],
                     names[trafo["lv_bus"]], 0.0, bool(trafo["in_service"])))
    if "switch" in net and len(net.switch):
        bb = net.switch[(net.switch["et"] == "b") & net.switch["closed"].astype(bool)]
        for idx, sw in bb.iterrows():
            rows.append(("switch", int(idx), str(sw["name"]), names[sw["bus"]],
                         names[sw["element"]], 0.0, True))
    out = pd.DataFrame(rows, columns=_COLUMNS[:-1])
    # no tap controller in these nets: no regulator (review rev43a M4 added the column)
    out["regulator"] = pd.Series("", index=out.index, dtype=object)
    return out


def _edge_net() -> pp.pandapowerNet:
    net = pp.create_empty_network()
    b0 = pp.create_bus(net, 20, name=None)
    b1 = pp.create_bus(net, 20, name="B1")
    b2 = pp.create_bus(net, 0.4, name="LV")
    pp.create_ext_grid(net, b0)
    pp.create_line_from_parameters(net, b0, b1, 1.5, 0.1, 0.1, 10, 0.4, name=None,
                                   in_service=False)
    pp.create_line_from_parameters(net, b0, b1, 0.25, 0.1, 0.1, 10, 0.4, name="L2")
    pp.create_switch(net, b0, b1, et="b", closed=True, name=float("nan"))
    pp.create_switch(net, b0, b1, et="b", closed=False, name="open")
    pp.create_switch(net, b1, 0, et="l", closed=False, name="line switch")
    pp.create_transformer(net, b1, b2, "0.4 MVA 20/0.4 kV", name="T")
    return net


@pytest.mark.parametrize("make", [pn.example_simple, pn.mv_oberrhein, _edge_net])
def test_branches_as_row_by_row(make):
    net = make()
    pd.testing.assert_frame_equal(feeder_tables(net)["Feeder branches"],
                                  _branches_by_rows(net), check_exact=True)


def test_no_branches():
    net = pp.create_empty_network()
    pp.create_bus(net, 20, name="only")
    tables = feeder_tables(net)
    pd.testing.assert_frame_equal(tables["Feeder branches"], _branches_by_rows(net))
    assert tables["Feeder branches"].empty and list(tables["Feeder branches"]) == _COLUMNS
    assert tables["Feeder buses"]["name"].tolist() == ["only"]


def test_one_line_and_net_not_modified():
    net = _edge_net()
    before = {k: net[k].copy() for k in ("bus", "line", "trafo", "switch")}
    out = feeder_tables(net)["Feeder branches"]
    for k, v in before.items():
        pd.testing.assert_frame_equal(net[k], v)
    assert out["element"].tolist() == ["line", "line", "trafo", "switch"]
    assert out["name"].tolist() == ["None", "L2", "T", "nan"]
    assert out["from_bus"].tolist() == ["None", "None", "B1", "None"]
