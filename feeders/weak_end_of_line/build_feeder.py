"""Weak end-of-line circuit with a line voltage regulator (domain.md §6, case 4).

Run ``python feeders/weak_end_of_line/build_feeder.py`` to rewrite ``feeder.json``.

Network (written by the protv2g team): weak 69 kV source (300/200 MVA), 10 MVA Dyn1
transformer, a 26 km rural trunk of 1/0 ACSR with a breaker at the head, a 12.47/12.47 kV
line voltage regulator (modelled as a 1:1 transformer, 5 MVA, uk 1 %, tap ±10 %) at 10 km and
a recloser beyond it; a farm-fleet V2G site at the far end (B07).
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp

HERE = Path(__file__).resolve().parent
VN_KV = 12.47
TRUNK = dict(r_ohm_per_km=0.190, x_ohm_per_km=0.390, c_nf_per_km=10.0, r0_ohm_per_km=0.470,
             x0_ohm_per_km=1.400, c0_nf_per_km=4.5, max_i_ka=0.530)
LATERAL = dict(r_ohm_per_km=0.600, x_ohm_per_km=0.460, c_nf_per_km=8.0, r0_ohm_per_km=0.880,
               x0_ohm_per_km=1.620, c0_nf_per_km=4.0, max_i_ka=0.230)
TRUNK_KM = [0.5, 4.5, 5.0, 4.0, 4.0, 4.0, 4.0]
#: tap bus number → lateral section lengths (km)
LATERALS = {5: [2.0, 2.0]}


def build() -> pp.pandapowerNet:
    """Create the net (names as the study file uses them)."""
    net = pp.create_empty_network(name="weak_end_of_line", f_hz=60.0)
    hv = pp.create_bus(net, 69.0, name="SUB-69kV")
    sub = pp.create_bus(net, VN_KV, name="SUB-12kV")
    pp.create_ext_grid(net, hv, s_sc_max_mva=300.0, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1,
                       s_sc_min_mva=200.0, rx_min=0.1, x0x_min=1.0, r0x0_min=0.1)
    pp.create_transformer_from_parameters(
        net, hv, sub, sn_mva=10.0, vn_hv_kv=69.0, vn_lv_kv=VN_KV, vkr_percent=0.5,
        vk_percent=8.0, pfe_kw=12.0, i0_percent=0.05, shift_degree=30.0, name="T-SUB",
        vector_group="Dyn", vk0_percent=8.0, vkr0_percent=0.5, mag0_percent=100.0,
        mag0_rx=0.0, si0_hv_partial=0.9)
    prev = sub
    for i, km in enumerate(TRUNK_KM, start=1):
        bus = pp.create_bus(net, VN_KV, name=f"B{i:02d}")
        if i == 4:  # line regulator between B03 and a regulated bus B03R, then L04
            reg = pp.create_bus(net, VN_KV, name="B03R")
            pp.create_transformer_from_parameters(
                net, prev, reg, sn_mva=5.0, vn_hv_kv=VN_KV, vn_lv_kv=VN_KV, vkr_percent=0.2,
                vk_percent=1.0, pfe_kw=0.0, i0_percent=0.0, name="REG-1", vector_group="YNyn",
                vk0_percent=1.0, vkr0_percent=0.2, mag0_percent=100.0, mag0_rx=0.0,
                si0_hv_partial=0.5, tap_side="lv", tap_neutral=0, tap_min=-16, tap_max=16,
                tap_step_percent=0.625, tap_pos=8)
            prev = reg
        pp.create_line_from_parameters(net, prev, bus, km, name=f"L{i:02d}",
                                       endtemp_degree=80.0, **LATERAL)
        pp.create_load(net, bus, p_mw=0.2, q_mvar=0.06, name=f"LD{i:02d}")
        if i in LATERALS:
            lat_prev = bus
            tag = f"LAT{list(LATERALS).index(i) + 1}"
            for j, lkm in enumerate(LATERALS[i], start=1):
                lb = pp.create_bus(net, VN_KV, name=f"{tag}-B{j}")
                pp.create_line_from_parameters(net, lat_prev, lb, lkm, name=f"{tag}-L{j}",
                                               endtemp_degree=80.0, **LATERAL)
                pp.create_load(net, lb, p_mw=0.25, q_mvar=0.08, name=f"{tag}-LD{j}")
                lat_prev = lb
        prev = bus
    return net


def main() -> None:
    net = build()
    pp.to_json(net, str(HERE / "feeder.json"))
    print(f"wrote {HERE / 'feeder.json'}: {len(net.bus)} buses, {len(net.line)} lines")


if __name__ == "__main__":
    main()
