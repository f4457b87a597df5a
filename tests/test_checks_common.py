"""Shared hand-checkable test feeder for the topology and checks tests (plus context tests).

Feeder (12.47 kV, source at SUB)::

    SUB ─L1(R1)─ B1 ─L2(R3)─ B2 ─L3(RC)─ B3 ─L4(F)─ B4 ─L6(F2)─ B5
     └──L5(R2)─ G1 ─L7─ G2          B3 ┄┄ TIE (normally open) ┄┄ G2

Relays use IEEE-VI ``t = TD·(19.61/(M² − 1) + 0.491)`` (IEEE C37.112 Table 1), so relay times
below are checked by hand; recloser and fuse times come from the library's point tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd
import pytest
import yaml

from protv2g.scenarios import Scenario, SiteState
from protv2g.study.loader import Study, load_study
from protv2g.units import ChargerMode, LoadLevel, Participation

LINE = dict(r_ohm_per_km=0.19, x_ohm_per_km=0.39, c_nf_per_km=10.0, r0_ohm_per_km=0.47,
            x0_ohm_per_km=1.4, c0_nf_per_km=4.5, max_i_ka=0.53)


def ieee_vi_s(i_a: float, pickup_a: float, td: float) -> float:
    """IEEE C37.112 very inverse by hand."""
    m = i_a / pickup_a
    return td * (19.61 / (m**2 - 1) + 0.491)


def build_net(tie_closed: bool = False, l1_in_service: bool = True) -> pp.pandapowerNet:
    net = pp.create_empty_network(f_hz=60.0)
    names = ["SUB", "B1", "B2", "B3", "B4", "B5", "G1", "G2"]
    b = {n: pp.create_bus(net, 12.47, name=n) for n in names}
    pp.create_ext_grid(net, b["SUB"], s_sc_max_mva=300.0, rx_max=0.1, x0x_max=1.0,
                       r0x0_max=0.1, s_sc_min_mva=200.0, rx_min=0.1, x0x_min=1.0, r0x0_min=0.1)
    for name, a, c in [("L1", "SUB", "B1"), ("L2", "B1", "B2"), ("L3", "B2", "B3"),
                       ("L4", "B3", "B4"), ("L5", "SUB", "G1"), ("L6", "B4", "B5"),
                       ("L7", "G1", "G2"), ("TIE", "G2", "B3")]:
        i = pp.create_line_from_parameters(net, b[a], b[c], 1.0, name=name, **LINE)
        if name == "TIE":
            pp.create_switch(net, b["G2"], i, et="l", closed=tie_closed, name="SW-TIE")
    net.line.loc[net.line.name == "L1", "in_service"] = l1_in_service
    for n in ("B1", "B2", "B3", "B4", "B5", "G1", "G2"):
        pp.create_load(net, b[n], p_mw=0.2, q_mvar=0.05, name=f"LD-{n}")
    return net


DEVICES: list[dict[str, Any]] = [
    dict(name="R1", kind="relay", location={"line": "L1", "end": "from"}, pickup_a=400,
         curve="IEEE-VI", time_dial=2.0, interrupting_rating_ka=10),
    dict(name="R2", kind="relay", location={"line": "L5", "end": "from"}, pickup_a=400,
         curve="IEEE-VI", time_dial=2.0, interrupting_rating_ka=10),
    dict(name="R3", kind="relay", location={"line": "L2", "end": "from"}, pickup_a=200,
         curve="IEEE-VI", time_dial=1.0, interrupting_rating_ka=10),
    dict(name="RC", kind="recloser", location={"line": "L3", "end": "from"},
         phase_min_trip_a=280, fast_curve="101", delayed_curve="133",
         reclose_intervals_s=[0.5, 2.0, 2.0], interrupting_rating_ka=10),
    dict(name="F", kind="fuse", location={"line": "L4", "end": "from"}, link="40K",
         interrupting_rating_ka=10),
    dict(name="F2", kind="fuse", location={"line": "L6", "end": "from"}, link="15K",
         interrupting_rating_ka=10),
]


def make_study(tmp: Path, devices: list[dict[str, Any]] | None = None,
               site_bus: str = "B1", net: pp.pandapowerNet | None = None,
               **sections: Any) -> Study:
    """Write the feeder and a study file into ``tmp`` and load it."""
    tmp.mkdir(parents=True, exist_ok=True)
    pp.to_json(net if net is not None else build_net(), str(tmp / "feeder.json"))
    doc = {"name": "hand", "feeder": {"pandapower_json": "feeder.json"},
           "devices": devices if devices is not None else DEVICES,
           "v2g_sites": [{"name": "site", "bus": site_bus, "n_chargers": 10,
                          "p_charger_kw": 100}],
           "scenarios": {"export_levels_kw": [0, 500]}}
    doc.update(sections)
    (tmp / "study.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_study(tmp / "study.yaml")


def with_devices(study: Study, **changes: dict[str, Any]) -> Study:
    """The study with some device fields changed (by device name)."""
    devs = [dict(d, **changes.get(d["name"], {})) for d in study.raw["devices"]]
    return study.with_updates(devices=devs)


BASE = "base/peak"
V2G = "v2g"


def scenarios(p_kw: float = 500.0) -> list[Scenario]:
    base = Scenario(BASE, Participation.EXPECTED, LoadLevel.PEAK, "0",
                    (SiteState("site", ChargerMode.IDLE, 0.0, 0.0, 0.0),), is_base=True)
    v2g = Scenario(V2G, Participation.EXPECTED, LoadLevel.PEAK, f"{p_kw:g} kW",
                   (SiteState("site", ChargerMode.EXPORTING, p_kw, p_kw, 1000.0),))
    return [base, v2g]


def rows(*specs: tuple) -> pd.DataFrame:
    """Engine device-table rows from ``(scenario, device, bus, type, case, i_phase_a
    [, i_ground_a])`` (balanced phases, angles for a forward fault)."""
    out = []
    for s in specs:
        sc, dev, bus, ft, case, i_a = s[:6]
        ig = s[6] if len(s) > 6 else 0.0
        out.append(dict(scenario=sc, device=dev, fault_bus=BUS[bus], fault_bus_name=bus,
                        fault_type=ft, case=case, ia_ka=i_a / 1000, ib_ka=i_a / 1000,
                        ic_ka=i_a / 1000, i3i0_ka=ig / 1000, ia_degree=-60.0,
                        ib_degree=180.0, ic_degree=60.0, i3i0_degree=0.0, i2_ka=0.0,
                        i2_degree=0.0, va_pu=0.5, va_degree=0.0, vb_pu=1.0,
                        vb_degree=-120.0, vc_pu=1.0, vc_degree=120.0, v0_pu=0.0,
                        v0_degree=0.0, v2_pu=0.0, v2_degree=0.0))
    return pd.DataFrame(out)


BUS = {n: i for i, n in enumerate(["SUB", "B1", "B2", "B3", "B4", "B5", "G1", "G2"])}


@pytest.fixture()
def study(tmp_path: Path) -> Study:
    return make_study(tmp_path / "hand")


def test_fixture_feeder_loads(study: Study) -> None:
    assert set(study.device_sites) == {"R1", "R2", "R3", "RC", "F", "F2"}
    assert study.site_buses == {"site": BUS["B1"]}


def test_hand_formula_matches_relay_model() -> None:
    from protv2g.devices.models import OvercurrentRelay

    r = OvercurrentRelay(name="R", pickup_a=400.0, curve="IEEE-VI", time_dial=2.0)
    assert float(r.operate_time_s(1000.0)[()]) == pytest.approx(ieee_vi_s(1000, 400, 2.0),
                                                               rel=1e-9)
    assert np.isinf(r.operate_time_s(399.0))
