"""Feeder graph, chains, zones and pairs on the hand-built test feeder."""

from __future__ import annotations

from pathlib import Path

import pytest

from protv2g.topology import (
    device_chains,
    device_zones,
    downstream_bus_sets,
    downstream_buses,
    feeder_graph,
    primary_backup_pairs,
)
from tests.test_checks_common import BUS, build_net, make_study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("topo"))


def _chain(ch, source, bus):
    sel = ch[(ch.source == source) & (ch.fault_bus == BUS[bus])].sort_values("order")
    return list(zip(sel.device, sel.direction, strict=True))


def test_graph_skips_open_tie() -> None:
    assert not feeder_graph(build_net()).has_edge(BUS["G2"], BUS["B3"])
    assert feeder_graph(build_net(tie_closed=True)).has_edge(BUS["G2"], BUS["B3"])


def test_substation_chain_ordered_from_fault(study) -> None:
    ch = device_chains(study.net, study.device_sites, study.site_buses)
    assert _chain(ch, "substation", "B5") == [("F2", "forward"), ("F", "forward"),
                                              ("RC", "forward"), ("R3", "forward"),
                                              ("R1", "forward")]
    assert _chain(ch, "substation", "G2") == [("R2", "forward")]
    # the V2G site at B1 feeds a fault on the other feeder back through R1
    assert _chain(ch, "site", "G1") == [("R2", "forward"), ("R1", "reverse")]
    assert _chain(ch, "site", "B3") == [("RC", "forward"), ("R3", "forward")]


def test_pairs_and_zones(study) -> None:
    ch = device_chains(study.net, study.device_sites, study.site_buses)
    pairs = primary_backup_pairs(ch)
    got = set(map(tuple, pairs[["primary", "backup"]].drop_duplicates().to_numpy()))
    assert got == {("R3", "R1"), ("RC", "R3"), ("F", "RC"), ("F2", "F")}
    z = device_zones(ch)
    prim = z[z.zone == "primary"].groupby("device").bus.apply(set).to_dict()
    assert prim["R1"] == {BUS["B1"]}
    assert prim["RC"] == {BUS["B3"]}
    assert prim["R2"] == {BUS["G1"], BUS["G2"]}
    backup = z[z.zone == "backup"].groupby("device").bus.apply(set).to_dict()
    assert backup["R1"] == {BUS["B2"]}
    assert downstream_buses(ch, "RC") == {BUS["B3"], BUS["B4"], BUS["B5"]}


def test_alternate_feed_reverses_chain(tmp_path: Path) -> None:
    """L1 out, tie closed: B1–B3 are fed from R2's feeder and R3 is crossed in reverse."""
    s = make_study(tmp_path, net=build_net(tie_closed=True, l1_in_service=False))
    ch = device_chains(s.net, s.device_sites, s.site_buses)
    assert _chain(ch, "substation", "B1") == [("R3", "reverse"), ("RC", "reverse"),
                                              ("R2", "forward")]
    assert "R1" not in set(ch.device)
    pairs = primary_backup_pairs(ch)
    assert set(pairs[pairs.fault_bus == BUS["B1"]].primary) == set()  # only R2 forward


def test_downstream_bus_sets_equal_downstream_buses(study) -> None:
    """#21: every device's downstream buses in one pass, the same sets as one at a time."""
    ch = device_chains(study.net, study.device_sites, study.site_buses)
    sets = downstream_bus_sets(ch)
    assert sets
    for name in set(ch.device) | {"no-such-device"}:
        assert sets.get(name, set()) == downstream_buses(ch, name)
