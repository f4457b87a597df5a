"""Close-in fault positions just past each device (#17, ``network/fault_positions.py``).

Reference: the close-in fault is the limit of a fault on the device's line as its distance
from the device goes to zero. For a device measuring at bus A into line L, superposition on
the faulted network gives that limit from two bus faults the engine already computes: the
device's current for a fault just past it equals the current into the fault at A *plus* the
device's own (reverse) current for the fault at A, ``I_D(0⁺) = I_f(A) + I_D(A)`` (phasors;
Kirchhoff at A: everything that reaches A except what comes back through L flows through the
device). The split net must reproduce it within the impedance of the 1 m stub.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from protv2g.engine import fault_study
from protv2g.engine.study import DeviceTerminal
from protv2g.network.fault_positions import (
    CLOSE_IN_KM,
    close_in_positions,
    close_in_study,
    has_unknown_buses,
    with_close_in_positions,
)
from protv2g.units import Case, FaultType
from tests.test_checks_common import BUS, build_net, make_study


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("pos"))


def test_split_lines_keep_the_original_impedance_and_indices(hand) -> None:
    net = hand.net
    pos = close_in_positions(net, hand.device_sites)
    new = pos.net
    assert len(net.bus) == 8 and len(new.bus) == 8 + 6  # one close-in bus per device
    assert (new.bus.loc[net.bus.index, "name"] == net.bus.name).all()  # existing unchanged
    for _, line in net.line.iterrows():
        parts = new.line[new.line.name.str.startswith(str(line["name"]))]
        assert parts.length_km.sum() == pytest.approx(line.length_km, rel=1e-12)
    close = pos.table[pos.table.position == "close_in"]
    assert set(close.devices) == {"R1", "R2", "R3", "RC", "F", "F2"}
    assert (close.distance_km == CLOSE_IN_KM).all()
    r1 = pos.device_sites["R1"]
    assert r1.bus == BUS["SUB"] and r1.element_index == 0  # the stub keeps the line's index
    assert new.bus.at[r1.far_bus, "name"] == "R1 close-in"
    assert new.line.at[0, "length_km"] == pytest.approx(CLOSE_IN_KM)
    assert pos.close_in_buses["RC"] == pos.device_sites["RC"].far_bus
    assert len(net.line) == 8  # the caller's net is untouched
    assert not has_unknown_buses(net, net.bus.index) and has_unknown_buses(net, new.bus.index)


def test_line_switch_stays_on_its_bus_side(hand) -> None:
    net = build_net()
    sites = dict(hand.device_sites)
    tie = int(net.line.index[net.line.name == "TIE"][0])
    # a device at the TIE line's to-end (B3): the switch at G2 (from-end) stays on the rest
    site = sites["RC"]
    sites["X"] = type(site)(element="line", element_index=tie, bus=BUS["B3"], far_bus=BUS["G2"])
    pos = close_in_positions(net, sites)
    sw = pos.net.switch.iloc[0]
    seg = pos.net.line.loc[int(sw.element)]
    assert int(sw.bus) in (int(seg.from_bus), int(seg.to_bus)) and int(sw.bus) == BUS["G2"]
    x = pos.device_sites["X"]
    stub = pos.net.line.loc[x.element_index]
    assert {int(stub.from_bus), int(stub.to_bus)} == {BUS["B3"], x.far_bus}


def test_close_in_study_reuses_the_solved_net_only_for_the_same_study(hand) -> None:
    """The runner's close-in study comes from the fault tables' pair (given, close-in) when
    it is the same study (#21), else it is built — the same net either way."""
    built = with_close_in_positions(hand)
    reused = close_in_study(hand, (hand, built))
    assert reused.net is built.net and reused.device_sites is built.device_sites
    other = dataclasses.replace(hand, net=copy.deepcopy(hand.net))  # not the pair's study
    fresh = close_in_study(other, (hand, built))
    assert fresh.net is not built.net
    pd.testing.assert_frame_equal(fresh.net.bus, built.net.bus)
    pd.testing.assert_frame_equal(fresh.net.line, built.net.line)
    assert close_in_study(hand, None).net is not built.net


def test_close_in_study_reuses_the_solved_net_for_a_study_with_other_settings(hand) -> None:
    """``recommend``'s candidates (:meth:`Study.with_updates`, same net, device places equal
    but new objects) take the fault tables' close-in net and model, not a build of their own
    (rec37: on EPRI J1 every candidate recompiled the OpenDSS model for its base case)."""
    built = with_close_in_positions(hand)
    devices = [dict(d) for d in hand.raw["devices"]]
    devices[0] = {**devices[0], "name": devices[0]["name"]}
    variant = hand.with_updates(devices=devices)
    assert variant.device_sites is not hand.device_sites
    assert variant.device_sites == hand.device_sites
    reused = close_in_study(variant, (hand, built))
    assert reused.net is built.net and reused.device_sites is built.device_sites
    assert reused.document is variant.document  # the variant's settings


def test_transformer_devices_get_a_close_in_bus() -> None:
    """Review rev33a W1 (before: "not_created", and C7 judged a transformer fuse only at the
    through-fault): the transformer's terminal moves to a close-in bus behind a stub the
    device measures (``tests/test_transformer_close_in.py`` checks the currents)."""
    from protv2g.study.places import DeviceSite

    net = pp.create_empty_network(f_hz=60.0)
    hv, lv = pp.create_bus(net, 69.0, name="HV"), pp.create_bus(net, 12.47, name="LV")
    pp.create_ext_grid(net, hv, s_sc_max_mva=1000.0, rx_max=0.1)
    t = pp.create_transformer_from_parameters(net, hv, lv, 20.0, 69.0, 12.47, 0.5, 8.0, 15.0,
                                              0.05)
    pos = close_in_positions(net, {"T-REL": DeviceSite("trafo", t, hv, lv)})
    row = pos.table.iloc[0]
    assert row.position == "close_in" and row.bus_name == "T-REL close-in"
    assert len(pos.net.bus) == 3 and len(net.bus) == 2
    site = pos.device_sites["T-REL"]
    assert site.far_bus == row.bus and int(pos.net.trafo.at[t, "hv_bus"]) == row.bus
    assert pos.close_in_buses == {"T-REL": int(row.bus)}


@pytest.mark.parametrize("fault_type", [FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND])
def test_close_in_fault_equals_the_superposition_limit(hand, fault_type) -> None:
    """R3 at B1 into L2: I_R3(close-in) = I_f(B1) + I_R3(fault at B1), all phases."""
    study = with_close_in_positions(hand)
    s = study.device_sites["R3"]
    res = fault_study(study.net, fault_types=[fault_type], cases=[Case.MAX],
                      devices=[DeviceTerminal("R3", s.element, s.element_index, s.bus)],
                      staged=False)
    buses = list(res.fault_buses)
    a, n = buses.index(BUS["B1"]), buses.index(s.far_bus)
    i_dev = res.device_i_abc_ka[0, 0, 0, 0]     # (fault bus, phase)
    i_f = res.bus_i_abc_ka[0, 0, 0]             # (fault bus, phase)
    limit = i_f[a] + i_dev[a]
    # the 1 m stub (0.43 mΩ) against a ≥ 0.3 Ω source impedance: agreement to 0.1 %
    np.testing.assert_allclose(np.abs(i_dev[n]), np.abs(limit), rtol=1e-3, atol=1e-6)
    assert np.abs(i_dev[n]).max() > 2 * np.abs(i_dev[a]).max()  # far more than at its bus
