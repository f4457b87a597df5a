"""Residential 12.47 kV feeder with home V2G chargers at its far end (domain.md §6, case 1).

Run ``python feeders/residential_evening_peak/build_feeder.py`` to rewrite ``feeder.json``.

Network (written by the protv2g team): 69 kV source (800/500 MVA, X/R 10), 15 MVA 69/12.47 kV
Dyn1 transformer (uk 8 %), one 8 km trunk of 336.4 kcmil ACSR with a breaker at the head and a
recloser at 4 km, and three fused 1/0 ACSR laterals of houses at the far end (R-LAT1..3), each
0.25 MW per bus at the evening peak. The home chargers of each lateral are one V2G site.
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
TRUNK_KM = [0.5, 1.5, 2.0, 2.0, 1.0, 1.0]
#: tap bus number → lateral section lengths (km)
LATERALS = {4: [0.8, 0.8], 5: [1.0, 1.0], 6: [1.2, 0.8]}


def build() -> pp.pandapowerNet:
    """Create the net (names as the study file uses them)."""
    net = pp.create_empty_network(name="residential_evening_peak", f_hz=60.0)
    hv = pp.create_bus(net, 69.0, name="SUB-69kV")
    sub = pp.create_bus(net, VN_KV, name="SUB-12kV")
    pp.create_ext_grid(net, hv, s_sc_max_mva=800.0, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1,
                       s_sc_min_mva=500.0, rx_min=0.1, x0x_min=1.0, r0x0_min=0.1)
    pp.create_transformer_from_parameters(
        net, hv, sub, sn_mva=15.0, vn_hv_kv=69.0, vn_lv_kv=VN_KV, vkr_percent=0.5,
        vk_percent=8.0, pfe_kw=12.0, i0_percent=0.05, shift_degree=30.0, name="T-SUB",
        vector_group="Dyn", vk0_percent=8.0, vkr0_percent=0.5, mag0_percent=100.0,
        mag0_rx=0.0, si0_hv_partial=0.9)
    prev = sub
    for i, km in enumerate(TRUNK_KM, start=1):
        bus = pp.create_bus(net, VN_KV, name=f"B{i:02d}")
        pp.create_line_from_parameters(net, prev, bus, km, name=f"L{i:02d}",
                                       endtemp_degree=80.0, **TRUNK)
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
