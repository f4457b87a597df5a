"""C8's charging snapshots switch off every existing DER of a pandapower net, as the OpenDSS
path does (review s17, brief recommend_fs §2): static generators, voltage-controlled
generators (``gen``) and discharging storage; a charging storage unit stays (it is a load).
Before, only ``sgen`` was scaled: a ``gen`` and a discharging ``storage`` kept feeding the
snapshot "existing DER off"."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from protv2g.flow.pandapower_der import PandapowerDer
from protv2g.flow.powerflow import FlowSolver


def _net(storage_mw: float) -> pp.pandapowerNet:
    net = pp.create_empty_network()
    b0, b1, b2 = (pp.create_bus(net, 12.47) for _ in range(3))
    pp.create_ext_grid(net, b0)
    for a, b in ((b0, b1), (b1, b2)):
        pp.create_line_from_parameters(net, a, b, 2.0, 0.3, 0.4, 10.0, 0.4)
    pp.create_load(net, b2, p_mw=2.0, q_mvar=0.5)
    pp.create_sgen(net, b2, p_mw=0.3, name="pv")
    pp.create_gen(net, b2, p_mw=0.5, vm_pu=1.0, name="dg")
    pp.create_storage(net, b1, p_mw=storage_mw, max_e_mwh=4.0, name="bess")
    return net


def _head_mw(net: pp.pandapowerNet, der: float) -> float:
    solver = FlowSolver(net, {"site": 2})
    assert not solver.fast  # gen, storage: pandapower's runpp
    res = solver.solve(np.array([1.0]), np.array([[-0.4]]), der_fraction=np.array([der]))
    return float(res.line_s_from_mva[0, 0].real)


def test_charging_snapshot_switches_off_gen_and_discharging_storage():
    net = _net(storage_mw=-0.6)  # discharging (pandapower: negative = discharging)
    on, off = _head_mw(net, 1.0), _head_mw(net, 0.0)
    # load 2.0 + charging 0.4 + losses; DER on: − 0.3 PV − 0.5 gen − 0.6 storage
    assert off - on == pytest.approx(0.3 + 0.5 + 0.6, abs=0.03)
    assert off == pytest.approx(2.4, abs=0.1)  # + line losses
    der = PandapowerDer.read(net, np.array([], dtype=np.int64))
    assert der.note() == ("existing DER off in the charging snapshots: 1 static generator(s), "
                          "1 generator(s), 1 discharging storage")


def test_charging_storage_stays_and_the_net_is_restored():
    net = _net(storage_mw=0.6)  # charging: a load, never switched off
    off = _head_mw(net, 0.0)
    assert off == pytest.approx(2.0 + 0.4 + 0.6, abs=0.1)  # + line losses
    solver = FlowSolver(net, {"site": 2})
    solver.solve(np.array([1.0]), np.array([[0.0]]), der_fraction=np.array([0.0]))
    assert solver.net.gen.in_service.all() and (solver.net.gen.scaling == 1.0).all()
    assert (solver.net.storage.scaling == 1.0).all() and (solver.net.sgen.scaling == 1.0).all()
