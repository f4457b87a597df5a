"""The feeder's own sources in every fault run of a study (#20 item 2, pandapower path).

References, independent of protv2g:
* synchronous ``gen`` (voltage source behind ``xdss``): pandapower ``calc_sc`` (IEC 60909,
  maximum case) on the same net, every bus within 0.5 %;
* inverter ``sgen`` / discharging ``storage`` (``k × I_rated`` at unity power factor, IEC
  60909-0:2016 §6.2): a hand superposition at the source's own bus, where the source's whole
  current flows into the fault: ``|I_grid·e^(−jφ) + k·I_rated|`` with ``I_grid`` and
  ``φ = atan(xk/rk)`` from ``calc_sc`` on the net without the source (IEC's flat pre-fault
  voltage: the source's current is at 0°). pandapower itself adds these currents by magnitude
  (IEC's conservative rule), which is not the phasor physics protv2g keeps for chargers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandapower as pp
import pandapower.shortcircuit as sc
import pandas as pd
import pytest
import yaml

from protv2g.pipeline import fault_tables
from protv2g.runner import run_study
from protv2g.scenarios import build_scenarios
from protv2g.study.engine_inputs import existing_der_sources
from protv2g.study.loader import load_study


def _net(with_sources: bool = True) -> pp.pandapowerNet:
    net = pp.create_empty_network(sn_mva=1.0, f_hz=60.0)
    b = [pp.create_bus(net, 12.47, name=f"B{i}") for i in range(4)]
    pp.create_ext_grid(net, b[0], s_sc_max_mva=200, rx_max=0.1, s_sc_min_mva=150, rx_min=0.1,
                       x0x_max=1.0, r0x0_max=0.1, x0x_min=1.0, r0x0_min=0.1)
    for i in range(3):
        pp.create_line_from_parameters(net, b[i], b[i + 1], 4.0, 0.3, 0.4, 10, 0.4,
                                       r0_ohm_per_km=0.9, x0_ohm_per_km=1.2, c0_nf_per_km=5,
                                       name=f"L{i + 1}", endtemp_degree=80.0)
    pp.create_load(net, b[3], p_mw=1.0, q_mvar=0.3)
    if with_sources:
        pp.create_gen(net, b[2], p_mw=1.5, vm_pu=1.0, sn_mva=2.5, xdss_pu=0.18,
                      rdss_ohm=0.05, cos_phi=0.9, vn_kv=12.47, name="G1")
        pp.create_sgen(net, b[3], p_mw=2.0, sn_mva=3.0, k=1.2, type="PV", name="PV1")
        pp.create_storage(net, b[1], p_mw=-0.5, max_e_mwh=2.0, sn_mva=1.0, name="BESS1")
    return net


def _study(tmp, net):
    tmp.mkdir(parents=True, exist_ok=True)
    pp.to_json(net, str(tmp / "feeder.json"))
    doc = {"name": "existing", "feeder": {"pandapower_json": "feeder.json"},
           "faults": {"method": "iec60909", "cases": ["max"], "fault_types": ["3ph"]},
           "devices": [{"name": "R1", "kind": "relay", "location": {"line": "L1", "end": "from"},
                        "pickup_a": 400, "curve": "IEEE-VI", "time_dial": 2.0}],
           "v2g_sites": [{"name": "site", "bus": "B2", "n_chargers": 4, "p_charger_kw": 100}],
           "scenarios": {"export_levels_kw": [0, 400]}}
    (tmp / "study.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_study(tmp / "study.yaml")


def _pp_sc(net) -> pd.DataFrame:
    net = pp.from_json_string(pp.to_json(net))
    net.sgen.in_service = False
    net.storage.in_service = False
    sc.calc_sc(net, case="max", fault="3ph")
    return net.res_bus_sc.assign(name=net.bus.name.to_numpy()).set_index("name")


def _base_ikss_ka(study) -> pd.Series:
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bus = fault_tables(study, scs).bus
    base = bus[bus.scenario == next(s.name for s in scs if s.is_base)]
    return base.groupby("bus_name").ikss_ka.max()


def test_synchronous_generator_as_calc_sc(tmp_path):
    net = _net()
    net.sgen.in_service = False
    net.storage.in_service = False
    got = _base_ikss_ka(_study(tmp_path / "g", net))
    want = _pp_sc(net).ikss_ka
    for name, i_ka in want.items():
        assert got[name] == pytest.approx(i_ka, rel=5e-3), name
    no_gen = _net(False)
    assert got["B2"] > 1.05 * _pp_sc(no_gen).ikss_ka["B2"]


@pytest.mark.parametrize(("element", "bus", "s_mva"), [("sgen", "B3", 3.0),
                                                       ("storage", "B1", 1.0)])
def test_inverter_source_at_its_own_bus_by_hand(tmp_path, element, bus, s_mva):
    net = _net()
    other = "storage" if element == "sgen" else "sgen"
    net[other].in_service = False
    study = _study(tmp_path / element, net)
    assert len(existing_der_sources(study.net)) == 1
    got = _base_ikss_ka(study)[bus]
    grid = _pp_sc(net).loc[bus]
    i_grid = grid.ikss_ka * np.exp(-1j * np.arctan2(grid.xk_ohm, grid.rk_ohm))
    i_src = 1.2 * s_mva / (np.sqrt(3) * 12.47)  # k × I_rated, kA, at 0°
    assert got == pytest.approx(abs(i_grid + i_src), rel=5e-3)
    assert got > grid.ikss_ka + 0.2 * i_src  # it adds to the fault current


def test_existing_sources_are_listed(tmp_path):
    study = _study(tmp_path / "b", _net())
    assert [s.name for s in existing_der_sources(study.net)] == ["sgen:PV1", "storage:BESS1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, hosting=False)
    t = result.tables["Existing sources"]
    assert set(t.element) == {"sgen", "storage", "gen"}
    assert t.set_index("name").loc["PV1", "s_rated_kva"] == pytest.approx(3000.0)
