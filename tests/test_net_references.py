"""rev43b F1: a pandapower JSON with a dangling reference (a line's bus, the grid's bus, a
switch's element, a load's bus not in its table) is bad input (exit 2) naming the table, row,
column and value, on ``faults net.json``, ``validate`` and ``run`` — it passed validation and
crashed the engine (IndexError / KeyError, exit 1) or lost the load silently.

The reference is the net's own tables as pandapower writes them (``pp.to_json``)."""

from __future__ import annotations

import pandapower as pp
import pytest

from protv2g.cli import main


def _net() -> pp.pandapowerNet:
    """Four 20 kV buses in a chain from a grid, an open-able line switch, a load at the end."""
    net = pp.create_empty_network()
    b = [pp.create_bus(net, 20.0, name=f"B{i + 1}") for i in range(4)]
    pp.create_ext_grid(net, b[0], s_sc_max_mva=200.0, s_sc_min_mva=150.0, rx_max=0.1,
                       rx_min=0.1)
    for i in range(3):
        pp.create_line_from_parameters(net, b[i], b[i + 1], 2.0, 0.2, 0.4, 10.0, 0.4,
                                       name=f"L{i + 1}", r0_ohm_per_km=0.6, x0_ohm_per_km=1.2,
                                       c0_nf_per_km=5.0)
    pp.create_switch(net, b[2], 2, "l", closed=True, name="S1")
    pp.create_load(net, b[3], 0.5, 0.1, name="LD1")
    return net


#: each broken reference: (table, row, column, bad value, the table it should index)
BROKEN = {"line_to_bus": ("line", 1, "to_bus", 7, "bus"),
          "ext_grid_bus": ("ext_grid", 0, "bus", 9, "bus"),
          "switch_element": ("switch", 0, "element", 9, "line"),
          "load_bus": ("load", 0, "bus", 9, "bus")}


def _broken(tmp_path, kinds) -> tuple:
    net = _net()
    for kind in kinds:
        table, row, column, value, _ = BROKEN[kind]
        getattr(net, table).at[row, column] = value
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    return net, path


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_dangling_reference_is_bad_input_on_faults_validate_and_run(kind, tmp_path, capsys):
    table, row, column, value, target = BROKEN[kind]
    _, path = _broken(tmp_path, [kind])
    assert main(["faults", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{table}" in err and f"(row {row}).{column}: {value} is not a {target}" in err
    assert "Traceback" not in err and "Fix: set" in err
    study = tmp_path / "s.yaml"
    study.write_text("name: s\nfeeder:\n  pandapower_json: net.json\n")
    assert main(["validate", str(study)]) != 0
    out = capsys.readouterr()
    assert f"feeder.pandapower_json (net.json): {table}" in out.out + out.err
    assert main(["run", str(study), "-o", str(tmp_path / "s.xlsx")]) == 2
    assert f"(row {row}).{column}: {value}" in capsys.readouterr().err


def test_every_dangling_reference_is_listed_together(tmp_path):
    from protv2g.network.net_references import reference_issues

    net, _ = _broken(tmp_path, sorted(BROKEN))
    issues = reference_issues(net, "net.json", "")
    assert sorted(i.field for i in issues) == [
        "ext_grid (row 0).bus", "line 'L2' (row 1).to_bus", "load 'LD1' (row 0).bus",
        "switch 'S1' (row 0).element"]


def test_a_sound_net_has_no_dangling_reference():
    from protv2g.network.net_references import reference_issues

    assert reference_issues(_net(), "net.json", "") == []


def test_validate_reads_every_element_table_for_references(tmp_path, capsys):
    """A static generator on a bus the net lacks: validate's table read (no pandapower) names
    it too, not only run's full load."""
    net = _net()
    pp.create_sgen(net, 3, 0.2, name="PV1")
    net.sgen.at[0, "bus"] = 9
    pp.to_json(net, str(tmp_path / "net.json"))
    study = tmp_path / "s.yaml"
    study.write_text("name: s\nfeeder:\n  pandapower_json: net.json\n")
    assert main(["validate", str(study)]) != 0
    out = capsys.readouterr()
    assert "feeder.pandapower_json (net.json): sgen 'PV1' (row 0).bus: 9 is not a bus" in (
        out.out + out.err)


def test_pandapowers_diagnostic_judges_what_it_covers_in_the_same_words(tmp_path, monkeypatch):
    """Library first (fix44b): on a full net pandapower's ``MissingBusIndices`` judges the
    bus columns it covers, this module the rest (an impedance, a shunt, a switch's line);
    the issues are the same as this module's own check of every table (the light read's)."""
    import importlib

    from protv2g.network.net_references import reference_issues

    net, _ = _broken(tmp_path, sorted(BROKEN))
    pp.create_impedance(net, 0, 1, 0.01, 0.01, 10.0)
    net.impedance.at[0, "to_bus"] = 11
    pp.create_shunt(net, 2, 0.1)
    net.shunt.at[0, "bus"] = 12
    pp.create_switch(net, 1, 2, "b", name="S2")
    net.switch.at[1, "element"] = 13
    functions = importlib.import_module("pandapower.diagnostic.diagnostic_functions")
    seen = []
    real = functions.MissingBusIndices.diagnostic

    def spy(self, n, **kw):  # noqa: ANN001, ANN202
        seen.append(real(self, n, **kw))
        return seen[-1]

    monkeypatch.setattr(functions.MissingBusIndices, "diagnostic", spy)
    ours = [str(i) for i in reference_issues(net, "net.json", "")]
    assert not seen
    lib = [str(i) for i in reference_issues(net, "net.json", "", library=True)]
    assert seen and set(seen[0]) == {"ext_grid", "line", "load", "switch"}   # its part
    assert lib == ours and len(ours) == 7
    assert any("impedance" in x for x in lib) and any("'S2' (row 1).element: 13" in x
                                                      for x in lib)
