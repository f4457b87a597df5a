"""Build the two-feeder 12.47 kV example network of the school-bus-depot study.

Run ``python feeders/depot_two_feeder/build_feeder.py`` to rewrite ``feeder.json``; the
written file is what the study loads (the script documents where every number comes from).

Network (written by the protv2g team, not copied from any test case)
--------------------------------------------------------------------
* 69 kV source, 1000 MVA max / 700 MVA min short-circuit level, X/R 10, X0/X1 1.0.
* 20 MVA 69/12.47 kV Dyn1 substation transformer, uk 8 %, LV neutral solidly grounded.
* Two overhead feeders F1 and F2 from the 12.47 kV bus, each with a breaker (relay) on its first
  section, a mid-line recloser and two fused 1/0 ACSR laterals.
* Trunk conductor 336.4 kcmil ACSR, lateral 1/0 ACSR, on a typical 12.47 kV crossarm with a
  multi-grounded neutral. Sequence impedances (Ω/km) are the usual planning values for these
  conductors (Z1 from conductor tables plus Carson's equations; Z0 ≈ 2.5–3.5 × X1 for a 4-wire
  multi-grounded system): see ``TRUNK`` and ``LATERAL`` below.
* School-bus depot (bidirectional DC chargers behind a grounded-wye/delta 12.47 kV/480 V
  transformer) at F1-B02, 1.8 km from the substation; a workplace campus at F1-B05, beyond the
  recloser and ahead of the second lateral's fuse (F1-LAT2, a long 5 km rural lateral, so that its
  fault currents lie where the 40K link and the recloser's fast curve only just coordinate).
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp

HERE = Path(__file__).resolve().parent
VN_KV = 12.47

#: 336.4 kcmil ACSR trunk: Ω/km, nF/km, kA.
TRUNK = dict(r_ohm_per_km=0.190, x_ohm_per_km=0.390, c_nf_per_km=10.0, r0_ohm_per_km=0.470,
             x0_ohm_per_km=1.400, c0_nf_per_km=4.5, max_i_ka=0.530)
#: 1/0 ACSR lateral: Ω/km, nF/km, kA.
LATERAL = dict(r_ohm_per_km=0.600, x_ohm_per_km=0.460, c_nf_per_km=8.0, r0_ohm_per_km=0.880,
               x0_ohm_per_km=1.620, c0_nf_per_km=4.0, max_i_ka=0.230)

#: (feeder, trunk section lengths km, laterals {tap bus number: (lengths km, load MW per bus)},
#:  trunk load MW per bus at peak)
FEEDERS = {
    "F1": ([0.3, 1.5, 1.5, 1.5, 2.0, 2.0, 2.0, 2.0], {3: ([1.0, 1.5], 0.25), 6: ([2.0, 3.0], 0.2)},
           0.15),
    "F2": ([0.3, 1.2, 1.5, 2.0, 2.0, 2.0], {3: ([1.0, 1.5], 0.3), 5: ([1.2, 1.0], 0.25)}, 0.3),
}


def _line(net: pp.pandapowerNet, name: str, a: int, b: int, length_km: float, kind: dict) -> int:
    return pp.create_line_from_parameters(net, a, b, length_km, name=name, endtemp_degree=80.0,
                                          **kind)


def build() -> pp.pandapowerNet:
    """Create the two-feeder net (buses and lines named as the study file refers to them)."""
    net = pp.create_empty_network(name="depot_two_feeder", f_hz=60.0)
    hv = pp.create_bus(net, 69.0, name="SUB-69kV")
    sub = pp.create_bus(net, VN_KV, name="SUB-12kV")
    pp.create_ext_grid(net, hv, vm_pu=1.0, name="69 kV source",
                       s_sc_max_mva=1000.0, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1,
                       s_sc_min_mva=700.0, rx_min=0.1, x0x_min=1.0, r0x0_min=0.1)
    pp.create_transformer_from_parameters(
        net, hv, sub, sn_mva=20.0, vn_hv_kv=69.0, vn_lv_kv=VN_KV, vkr_percent=0.5,
        vk_percent=8.0, pfe_kw=15.0, i0_percent=0.05, shift_degree=30.0, name="T-SUB",
        vector_group="Dyn", vk0_percent=8.0, vkr0_percent=0.5, mag0_percent=100.0,
        mag0_rx=0.0, si0_hv_partial=0.9, tap_side="hv", tap_neutral=0, tap_min=-8, tap_max=8,
        tap_step_percent=1.25, tap_pos=0)
    for feeder, (trunk_km, laterals, load_mw) in FEEDERS.items():
        prev = sub
        for i, length_km in enumerate(trunk_km, start=1):
            bus = pp.create_bus(net, VN_KV, name=f"{feeder}-B{i:02d}")
            _line(net, f"{feeder}-L{i:02d}", prev, bus, length_km, TRUNK)
            pp.create_load(net, bus, p_mw=load_mw, q_mvar=0.33 * load_mw,
                           name=f"{feeder}-LD{i:02d}")
            if i in laterals:
                lengths_km, lat_load_mw = laterals[i]
                lat_prev = bus
                tag = f"{feeder}-LAT{list(laterals).index(i) + 1}"
                for j, lat_km in enumerate(lengths_km, start=1):
                    lat_bus = pp.create_bus(net, VN_KV, name=f"{tag}-B{j}")
                    _line(net, f"{tag}-L{j}", lat_prev, lat_bus, lat_km, LATERAL)
                    pp.create_load(net, lat_bus, p_mw=lat_load_mw, q_mvar=0.33 * lat_load_mw,
                                   name=f"{tag}-LD{j}")
                    lat_prev = lat_bus
            prev = bus
    return net


def main() -> None:
    net = build()
    pp.to_json(net, str(HERE / "feeder.json"))
    print(f"wrote {HERE / 'feeder.json'}: {len(net.bus)} buses, {len(net.line)} lines")


if __name__ == "__main__":
    main()
