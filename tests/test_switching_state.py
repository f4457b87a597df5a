"""The Summary's "Switching state": the feeder as its model is switched, the open lines named,
alternate feeds said not studied (review rev37b: IEEE 123's normally-open ties, nothing said the
alternate feeds were not studied).

Reference: the models themselves — OpenDSS's own element state (``CktElement.Enabled``,
``CktElement.IsOpen``) read in a fresh ``opendssdirect`` context; pandapower's switch table.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandapower as pp
import pytest

from protv2g.report.summary_faults import switching_text
from protv2g.study.switching import dead_end_line_names, open_line_names

TIES = """
New Line.tie1 phases=3 bus1=b2 bus2=b3 linecode=trunk length=0.5 units=mi switch=yes
Open Line.tie1 term=2
New Line.osw phases=3 bus1=b3 bus2=b4 linecode=trunk length=0.5 units=mi switch=yes enabled=no
"""


def test_opendss_open_and_disabled_lines_named_as_opendss_holds_them(tmp_path):
    pytest.importorskip("opendssdirect")
    import opendssdirect as dss

    from protv2g.network.dss_model import load_dss_model
    from tests.test_dss_site_transformer import MASTER

    master = tmp_path / "Master.dss"
    master.write_text(MASTER.replace("Set VoltageBases", TIES + "Set VoltageBases"))
    names = open_line_names(SimpleNamespace(model=load_dss_model(master), net=None))
    # OpenDSS itself, fresh: which lines are disabled or have an open terminal
    dss.Basic.ClearAll()
    dss.Text.Command(f"compile [{master}]")
    ref = []
    for name in dss.Circuit.AllElementNames():
        if not name.lower().startswith("line."):
            continue
        dss.Circuit.SetActiveElement(name)
        opened = any(dss.CktElement.IsOpen(t, 0) for t in (1, 2))
        if not dss.CktElement.Enabled() or opened:
            ref.append(name.lower())
    assert sorted(names) == sorted(ref) == ["line.osw", "line.tie1"]


def test_pandapower_open_switch_and_line_out_of_service():
    net = pp.create_empty_network()
    b = [pp.create_bus(net, 12.47) for _ in range(3)]
    pp.create_ext_grid(net, b[0])
    ln = pp.create_line(net, b[0], b[1], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV", name="main")
    pp.create_line(net, b[1], b[2], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV", in_service=False)
    pp.create_switch(net, b[1], ln, "l", closed=False, name="tie")
    assert open_line_names(SimpleNamespace(model=None, net=net)) == ["switch tie", "line 1"]


def test_the_summary_text_names_them_and_says_alternate_feeds_are_not_studied():
    text = switching_text([f"line.sw{i}" for i in range(8)])
    assert "8 line(s) or switch(es) open" in text and "line.sw5 and 2 more" in text
    assert "line.sw6" not in text and "not studied" in text
    assert "no line or switch open" in switching_text([])
    assert "not studied" in switching_text(None)


def test_an_open_point_written_as_a_stub_to_a_dummy_bus_is_named(tmp_path):
    """IEEE 123 writes its normally-open ties as closed switch lines to dead-end dummy buses
    ("NORMALLY OPEN SWITCHES; DEFINED AS SHORT LINE TO OPEN BUS": Sw7 to 300_OPEN): ver38,
    the Summary said "no line or switch open". Reference: the model's own connectivity, each
    bus's enabled elements counted in OpenDSS (``Bus.AllPCEatBus`` / ``AllPDEatBus``)."""
    pytest.importorskip("opendssdirect")
    import opendssdirect as dss

    from protv2g.network.dss_model import load_dss_model
    from tests.test_dss_site_transformer import MASTER

    master = tmp_path / "Master.dss"
    master.write_text(MASTER.replace("Set VoltageBases", "New Line.sw9 phases=3 bus1=b3 "
                                     "bus2=b3_open switch=yes\nSet VoltageBases"))
    names = dead_end_line_names(SimpleNamespace(model=load_dss_model(master), net=None))
    dss.Basic.ClearAll()
    dss.Text.Command(f'compile "{master}"')
    dss.Circuit.SetActiveBus("b3_open")
    at = [x for x in (dss.Bus.AllPDEatBus() or []) + (dss.Bus.AllPCEatBus() or []) if x]
    assert [x.lower() for x in at] == ["line.sw9"]  # nothing else there
    assert names == ["line.sw9"]
    text = switching_text([], names)
    assert "1 closed switch(es) end at a bus nothing else connects to in this model "\
           "(line.sw9)" in text


def test_ieee123_ties_are_named(shared_dir):
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    model = load_dss_model(shared_dir / "feeders/opendss/123Bus/IEEE123Master.dss")
    names = dead_end_line_names(SimpleNamespace(model=model, net=None))
    assert set(names) == {"line.sw7", "line.sw8"}  # l32, l99, l108: unloaded ends, not named


def test_unloaded_line_ends_are_not_open_points(shared_dir):
    """IEEE 8500 has dozens of line sections ending at an empty bus (ln6048642-1, 111 m); the
    Summary named them as possible open points (session 38). Only switches are named: the
    model's ``Switch=yes`` (OpenDSS ``Lines.IsSwitch``) or a zero-impedance line, as IEEE
    123's short-circuit case writes Sw7 (r1 = 1 µΩ, no ``switch=yes``)."""
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    root = shared_dir / "feeders/opendss"
    sc = load_dss_model(root / "ShortCircuitCases/IEEE123Master-SC.dss")
    assert {"line.sw7", "line.sw8"} <= set(
        dead_end_line_names(SimpleNamespace(model=sc, net=None)))
    big = load_dss_model(root / "real/IEEE8500/Master.dss")
    e = big.elements
    assert "line.ln6048642-1" not in dead_end_line_names(SimpleNamespace(model=big, net=None))
    assert not bool(e.switch_like[e.name == "line.ln6048642-1"].iloc[0])


def test_a_switch_to_equipment_the_master_does_not_load_is_not_called_an_open_point(
        shared_dir):
    """EPRI J1's ``Master_noPV``: ``Line.Site4_PV`` (Services.dss, ``switch=yes enabled=yes
    !PV``) is the closed switch to PV site 4's bus ``B51854_sec2``, where ``ExistingPV.dss``
    (loaded by ``Master_withPV`` only) puts ``PVSystem.3P_ExistingSite4``. The Summary called
    it "a normally-open point written as a closed switch to a dummy bus" (review rev40a M7);
    it says now what the model shows. Reference: OpenDSS's own connectivity at that bus."""
    pytest.importorskip("opendssdirect")
    import opendssdirect as dss

    from protv2g.network.dss_model import load_dss_model

    master = shared_dir / "feeders/opendss/real/EPRI_J1/Master_noPV.dss"
    names = dead_end_line_names(SimpleNamespace(model=load_dss_model(master), net=None))
    assert "line.site4_pv" in names
    dss.Basic.ClearAll()
    dss.Text.Command(f'compile "{master}"')
    dss.Circuit.SetActiveBus("b51854_sec2")
    at = [x for x in (dss.Bus.AllPDEatBus() or []) + (dss.Bus.AllPCEatBus() or []) if x]
    assert [x.lower() for x in at] == ["line.site4_pv"]
    pv = (master.parent / "ExistingPV.dss").read_text()
    assert "PVSystem.3P_ExistingSite4 phases=3 bus1=B51854_sec2" in pv
    text = switching_text([], ["line.site4_pv"])
    assert "normally-open point" not in text and "dummy bus" not in text
    assert ("1 closed switch(es) end at a bus nothing else connects to in this model "
            "(line.site4_pv): nothing is fed through them as modelled — an open point written "
            "as a stub, or equipment this master does not load (e.g. a DER connection); "
            "confirm which") in text
