"""Workplace chargers beside a midday PV plant (domain.md §6, case 3).

Run ``python feeders/workplace_pv_midday/build_feeder.py`` to rewrite ``feeder.json``.

Network (written by the protv2g team): as the residential case (69 kV source, 15 MVA Dyn1
transformer, 8 km 336.4 kcmil trunk, breaker + mid-line recloser, three fused laterals) with an
office park at B03 (1.5 km from the substation): a 2 MW PV plant (``sgen`` PV-B03) beside the
workplace chargers, so at midday PV and V2G export together through the feeder head.
Conductor data and the substation: :mod:`protv2g.network.example_feeders`.
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp

from protv2g.network.example_feeders import TRUNK, Lateral, add_feeder, add_substation, write_feeder

HERE = Path(__file__).resolve().parent
TRUNK_KM = [0.5, 1.5, 2.0, 2.0, 1.0, 1.0]
#: tap bus number → lateral section lengths (km)
LATERALS = {4: [0.8, 0.8], 5: [1.0, 1.0], 6: [1.2, 0.8]}
#: trunk bus number of the office park and its PV plant
PV_AT = 3


def build() -> pp.pandapowerNet:
    """Create the net (names as the study file uses them)."""
    net = pp.create_empty_network(name="workplace_pv_midday", f_hz=60.0)
    _, sub = add_substation(net, s_sc_max_mva=800.0, s_sc_min_mva=500.0, sn_mva=15.0)
    taps = {tap: Lateral(f"LAT{k}-", lengths_km, p_mw=0.25, q_mvar=0.08)
            for k, (tap, lengths_km) in enumerate(LATERALS.items(), start=1)}
    trunk = add_feeder(net, sub, TRUNK_KM, TRUNK, prefix="", p_mw=0.2, q_mvar=0.06,
                       laterals=taps)
    pp.create_sgen(net, trunk[PV_AT - 1], p_mw=2.0, q_mvar=0.0, name=f"PV-B{PV_AT:02d}",
                   type="PV", k=1.1)
    return net


def main() -> None:
    write_feeder(build(), HERE)


if __name__ == "__main__":
    main()
