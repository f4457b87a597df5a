"""Residential 12.47 kV feeder with home V2G chargers at its far end (domain.md §6, case 1).

Run ``python feeders/residential_evening_peak/build_feeder.py`` to rewrite ``feeder.json``.

Network (written by the protv2g team): 69 kV source (800/500 MVA, X/R 10), 15 MVA 69/12.47 kV
Dyn1 transformer (uk 8 %), one 8 km trunk of 336.4 kcmil ACSR with a breaker at the head and a
recloser at 4 km, and three fused 1/0 ACSR laterals of houses at the far end (R-LAT1..3), each
0.25 MW per bus at the evening peak. The home chargers of each lateral are one V2G site.
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


def build() -> pp.pandapowerNet:
    """Create the net (names as the study file uses them)."""
    net = pp.create_empty_network(name="residential_evening_peak", f_hz=60.0)
    _, sub = add_substation(net, s_sc_max_mva=800.0, s_sc_min_mva=500.0, sn_mva=15.0)
    taps = {tap: Lateral(f"LAT{k}-", lengths_km, p_mw=0.25, q_mvar=0.08)
            for k, (tap, lengths_km) in enumerate(LATERALS.items(), start=1)}
    add_feeder(net, sub, TRUNK_KM, TRUNK, prefix="", p_mw=0.2, q_mvar=0.06, laterals=taps)
    return net


def main() -> None:
    write_feeder(build(), HERE)


if __name__ == "__main__":
    main()
