"""Weak end-of-line circuit with a line voltage regulator (domain.md §6, case 4).

Run ``python feeders/weak_end_of_line/build_feeder.py`` to rewrite ``feeder.json``.

Network (written by the protv2g team): weak 69 kV source (300/200 MVA), 10 MVA Dyn1
transformer, a 26 km rural trunk of 1/0 ACSR with a breaker at the head, a 12.47/12.47 kV
line voltage regulator (modelled as a 1:1 transformer, 5 MVA, uk 1 %, tap ±10 %) at 10 km and
a recloser beyond it; a farm-fleet V2G site at the far end (B07).
Conductor data and the substation: :mod:`protv2g.network.example_feeders`.
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp

from protv2g.network.example_feeders import (
    ENDTEMP_DEGREE,
    LATERAL,
    VN_KV,
    Lateral,
    add_feeder,
    add_radial_run,
    add_substation,
    write_feeder,
)
from protv2g.network.opendss_elements import Z_MAG0_PU

HERE = Path(__file__).resolve().parent
TRUNK_KM = [0.5, 4.5, 5.0, 4.0, 4.0, 4.0, 4.0]
#: tap bus number → lateral section lengths (km)
LATERALS = {5: [2.0, 2.0]}
#: trunk section fed through the line regulator (regulated bus B03R ahead of it)
REGULATED = 4
#: regulator zero-sequence leakage impedance (% on its rating)
VK0_REG_PERCENT = 1.0
#: trunk load per bus (MW, Mvar)
P_MW, Q_MVAR = 0.2, 0.06


def build() -> pp.pandapowerNet:
    """Create the net (names as the study file uses them)."""
    net = pp.create_empty_network(name="weak_end_of_line", f_hz=60.0)
    _, sub = add_substation(net, s_sc_max_mva=300.0, s_sc_min_mva=200.0, sn_mva=10.0)
    head = add_radial_run(net, sub, TRUNK_KM[:REGULATED - 1], LATERAL, prefix="", p_mw=P_MW,
                          q_mvar=Q_MVAR)
    # line regulator between B03 and a regulated bus B03R, then L04 (bus B04 created first).
    # A step-voltage regulator (single-phase units, series autotransformers) is no ground
    # source: its zero-sequence magnetising impedance is as large as its positive-sequence one.
    # pandapower takes it as mag0_percent = Zm0/Zk0 in %; Zm0 = Z_MAG0_PU (1e3 pu, the value
    # protv2g's OpenDSS import gives regulators) over Zk0 = vk0_percent/100 pu. The former
    # mag0_percent = 100 (Zm0 = 1 pu = 31 ohm) was a grounding bank at B03: it fed most of the
    # 3I0 of every ground fault beyond B03, so R-HEAD's 51G saw 2-5 A for them (#16/#17 review).
    n = f"{REGULATED:02d}"
    bus = pp.create_bus(net, VN_KV, name=f"B{n}")
    reg = pp.create_bus(net, VN_KV, name=f"B{REGULATED - 1:02d}R")
    pp.create_transformer_from_parameters(
        net, head[-1], reg, sn_mva=5.0, vn_hv_kv=VN_KV, vn_lv_kv=VN_KV, vkr_percent=0.2,
        vk_percent=1.0, pfe_kw=0.0, i0_percent=0.0, name="REG-1", vector_group="YNyn",
        vk0_percent=VK0_REG_PERCENT, vkr0_percent=0.2,
        mag0_percent=Z_MAG0_PU / (VK0_REG_PERCENT / 100.0) * 100.0, mag0_rx=0.0,
        si0_hv_partial=0.5, tap_side="lv", tap_neutral=0, tap_min=-16, tap_max=16,
        tap_step_percent=0.625, tap_pos=8)
    pp.create_line_from_parameters(net, reg, bus, TRUNK_KM[REGULATED - 1], name=f"L{n}",
                                   endtemp_degree=ENDTEMP_DEGREE, **LATERAL)
    pp.create_load(net, bus, p_mw=P_MW, q_mvar=Q_MVAR, name=f"LD{n}")
    taps = {tap: Lateral(f"LAT{k}-", lengths_km, p_mw=0.25, q_mvar=0.08)
            for k, (tap, lengths_km) in enumerate(LATERALS.items(), start=1)}
    add_feeder(net, bus, TRUNK_KM[REGULATED:], LATERAL, prefix="", p_mw=P_MW, q_mvar=Q_MVAR,
               laterals=taps, first=REGULATED + 1)
    return net


def main() -> None:
    write_feeder(build(), HERE)


if __name__ == "__main__":
    main()
