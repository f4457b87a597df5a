"""A zero-sequence source beyond a device takes a ground fault's current from its ground
element, and C5's texts name it with its share (review rev51 #2: feeder A's 1 MVA Yg/Δ bank
at b4 behind recloser rc1; OpenDSS, SLG-a at b4 through 20 Ω, min case: 113.8 A at the fault,
10.75 A of 3I0 through rc1 — ≈ 90 % returns through the bank's neutral; no text said so)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.ground_diverted import (
    MATERIAL_SHARE,
    diverted_note,
    diverted_rows,
    diverted_share,
    zero_sequence_sources,
)
from protv2g.checks.reach_text import reach_messages

BANK = [("transformer.dxf", "b9")]


def test_share_is_the_current_the_device_does_not_see():
    # rev51's OpenDSS figures: 1 − 10.75 / 113.8 = 0.9055
    share = diverted_share(np.array([10.75, 50.0, 1.0]), np.array([113.8, 50.0, 0.0]))
    assert share[0] == pytest.approx(1 - 10.75 / 113.8, rel=1e-12)
    assert share[1] == pytest.approx(0.0, abs=1e-12) and np.isnan(share[2])


def test_note_names_the_bank_its_share_and_the_remedies():
    note = diverted_note("rc1", 0.9055, 10.75, 113.8, "b4", [("transformer.dxf", "b4")])
    assert "91 % of the fault's ground current (114 A at b4) does not pass rc1 (3I0 10.8 A " \
           "there): transformer.dxf (YNd at b4), a zero-sequence source between rc1 and the " \
           "fault, takes it" in note
    assert "neutral CT with a 51N" in note
    # below the material share, or no source found: nothing
    assert diverted_note("rc1", MATERIAL_SHARE - 0.01, 1, 2, "b4", BANK) == ""
    assert diverted_note("rc1", 0.9, 10.75, 113.8, "b4", []) == ""


_MASTER = """Clear
New Circuit.t basekv=34.5 pu=1.0 phases=3 bus1=src MVAsc3=500 MVAsc1=400
New Transformer.sub phases=3 windings=2 buses=[src sub] conns=[delta wye] kvs=[34.5 4.16] \
kvas=[7500 7500] XHL=7
New Line.L1 bus1=sub bus2=b2 length=1 units=km
New Line.L2 bus1=b2 bus2=b4 length=1 units=km
New Transformer.dxf phases=3 windings=2 buses=[b4 d1] conns=[wye delta] kvs=[4.16 2.4] \
kvas=[1000 1000] XHL=5
New Load.d phases=3 bus1=d1 conn=delta kv=2.4 kw=100
New Transformer.depxf phases=3 windings=2 buses=[b2 dep] conns=[delta wye] kvs=[4.16 0.48] \
kvas=[1500 1500] XHL=5.5
New Load.dep phases=3 bus1=dep kv=0.48 kw=50
Set voltagebases=[34.5 4.16 2.4 0.48]
Calcvoltagebases
"""


def test_sources_are_grounded_wye_windings_facing_the_grid(tmp_path):
    from protv2g.network.dss_model import load_dss_model
    (tmp_path / "master.dss").write_text(_MASTER)
    model = load_dss_model(tmp_path / "master.dss")
    # dxf's YN faces the feeder; depxf's YN is on the site side (no source to feeder faults);
    # sub's YN is the source's own winding, in front of every device
    assert zero_sequence_sources(model, ["transformer.sub"]) == [("transformer.dxf", "b4")]
    assert zero_sequence_sources(model, ["transformer.dxf", "transformer.sub"]) == []


def _ctx() -> SimpleNamespace:
    behind = {"rc1": {3, 9}, "f1": {3}}
    faults = pd.DataFrame({"device": ["rc1", "rc1", "f1"], "scenario": "base",
                           "fault_bus_name": ["b9", "b3", "b3"],
                           "fault_type": ["SLG-a", "SLG-a", "SLG-a"], "case": "min",
                           "i_ground_a": [10.75, 40.0, 40.0]})
    bus = pd.DataFrame({"scenario": "base", "bus_name": ["b9", "b3"], "fault_type": "SLG-a",
                        "case": "min", "i3i0_ka": [0.1138, 0.045]})
    return SimpleNamespace(
        study=SimpleNamespace(site_buses={}), cache={"zero-sequence sources": BANK,
                                                     "grounded site transformers": {}},
        base_of={"base": "base"}, downstream=lambda d: behind[d],
        bus_name=lambda b: f"b{b}", devices={}, faults=faults, bus_faults=bus,
        export_text=lambda s: "without V2G")


def _bad(devices, buses, types) -> dict[str, np.ndarray]:
    n = len(devices)
    out = {"scenario": np.array(["base"] * n, dtype=object),
           "device": np.array(devices, dtype=object),
           "fault_bus_name": np.array(buses, dtype=object),
           "fault_type": np.array(types, dtype=object)}
    text = {"element": "phase", "case": "min", "zone": "primary", "stage": "", "bracket": "low"}
    out.update({k: np.array([v] * n, dtype=object) for k, v in text.items()})
    out.update({k: np.full(n, x) for k, x in (("i_op_a", 79.0), ("ratio", 0.28),
                                               ("pickup_a", 280.0), ("factor", 1.5),
                                               ("i_first_a", 79.0))})
    return out


def test_c5_rows_name_the_bank_only_where_it_takes_the_ground_current():
    ctx = _ctx()
    bad = _bad(["rc1", "rc1", "rc1", "f1"], ["b9", "b9", "b3", "b3"],
               ["SLG-a", "LL-bc", "SLG-a", "SLG-a"])
    texts = reach_messages(ctx, bad).texts(np.arange(4)).tolist()
    # the bank behind rc1 takes 1 − 10.75 / 113.8 = 91 % at b9
    assert "; 91 % of the fault's ground current (114 A at b9) does not pass rc1" in texts[0]
    assert "transformer.dxf (YNd at b9)" in texts[0]
    assert "does not pass" not in texts[1]  # a phase fault
    assert "does not pass" not in texts[2]  # 1 − 40 / 45 = 11 %: not material
    assert "does not pass" not in texts[3]  # f1 has no source behind it
    assert diverted_rows(ctx, _bad(["f1"], ["b3"], ["SLG-a"])) is None


def test_recommend_names_the_bank_where_the_ground_window_is_empty():
    from protv2g.recommend.ground_first import ground_first_note
    from protv2g.recommend.saving import RecloserLimits
    from protv2g.units import DeviceKind
    dev = SimpleNamespace(name="rc1", kind=DeviceKind.RECLOSER)
    note = diverted_note("rc1", 0.9055, 10.75, 113.8, "b4", [("transformer.dxf", "b4")])
    lim = RecloserLimits("rc1", 280.0, 228.0, 19.0, 4.0, 342.0, 70.0, 4.0 / 1.5,
                         diverted=note)
    text = ground_first_note(dev, lim, proposed=False)
    assert "holds no setting (the zone's minimum ground fault brings it too little 3I0" in text
    assert "does not pass rc1 (3I0 10.8 A there): transformer.dxf (YNd at b4)" in text
    assert "sectionalising" not in text
    plain = RecloserLimits("rc1", 280.0, 228.0, 19.0, 4.0, 342.0, 70.0, 4.0 / 1.5)
    assert "a sectionalising device nearer the faults" in ground_first_note(dev, plain, False)


def test_a_fault_on_another_voltage_level_does_not_name_the_bank():
    # SLG at a depot's 480 V bus behind its Dyn: rc1 sees no 3I0 (share 100 %), but the
    # delta blocks it, not the 4.16 kV bank at b9
    ctx = _ctx()
    ctx.faults.loc[len(ctx.faults)] = ["rc1", "base", "dep", "SLG-a", "min", 0.0]
    ctx.bus_faults.loc[len(ctx.bus_faults)] = ["base", "dep", "SLG-a", "min", 20.0]
    ctx.cache["bus kV"] = {"b9": 4.16, "b3": 4.16, "dep": 0.48}
    out = diverted_rows(ctx, _bad(["rc1", "rc1"], ["dep", "b9"], ["SLG-a", "SLG-a"]))
    assert out[0] == "" and "transformer.dxf (YNd at b9)" in out[1]


def test_a_pandapower_nets_ynd_transformers_are_sources_on_their_hv_side():
    import pandapower as pp

    from protv2g.checks.ground_diverted import net_zero_sequence_sources
    net = pp.create_empty_network()
    b = [pp.create_bus(net, vn_kv=kv, name=n) for n, kv in (("HV", 20.0), ("MV", 4.16),
                                                            ("D1", 2.4), ("LV", 0.4))]
    kw = dict(vk_percent=5.0, vkr_percent=1.0, pfe_kw=0.0, i0_percent=0.0)
    pp.create_transformer_from_parameters(net, b[0], b[1], 1.0, 20.0, 4.16, name="T-SUB",
                                          vector_group="Dyn", **kw)
    pp.create_transformer_from_parameters(net, b[1], b[2], 1.0, 4.16, 2.4, name="DXF",
                                          vector_group="YNd", **kw)
    pp.create_transformer_from_parameters(net, b[1], b[3], 1.0, 4.16, 0.4, name="REG",
                                          vector_group="YNyn", **kw)
    assert net_zero_sequence_sources(net) == [("trafo DXF", "mv")]
