"""Aggregated V2G fleet under a service contract: many small sites on two feeders (case 5).

Run ``python feeders/aggregated_fleet/build_feeder.py`` to rewrite ``feeder.json``.

Network (written by the protv2g team): 69 kV source, 20 MVA Dyn1 transformer and two 12.47 kV
feeders A and B of 336.4 kcmil ACSR (buses A-B01.., B-B01..), each with a head breaker, a
mid-line recloser and one fused lateral; the aggregator's small sites (fleet depots, car
parks) sit on both feeders.
Conductor data and the substation: :mod:`protv2g.network.example_feeders`.
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp

from protv2g.network.example_feeders import TRUNK, Lateral, add_feeder, add_substation, write_feeder

HERE = Path(__file__).resolve().parent
TRUNK_KM = [0.5, 1.5, 2.0, 2.0, 1.0, 1.0]
#: tap bus number → lateral section lengths (km)
LATERALS = {5: [1.0, 1.5]}


def build() -> pp.pandapowerNet:
    """Create the net (names as the study file uses them)."""
    net = pp.create_empty_network(name="aggregated_fleet", f_hz=60.0)
    _, sub = add_substation(net, s_sc_max_mva=800.0, s_sc_min_mva=500.0, sn_mva=20.0)
    for f in ("A", "B"):
        taps = {tap: Lateral(f"{f}-LAT-", lengths_km, p_mw=0.25, q_mvar=0.08)
                for tap, lengths_km in LATERALS.items()}
        add_feeder(net, sub, TRUNK_KM, TRUNK, prefix=f"{f}-", p_mw=0.3, q_mvar=0.09,
                   laterals=taps)
    return net


def main() -> None:
    write_feeder(build(), HERE)


if __name__ == "__main__":
    main()
