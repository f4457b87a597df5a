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
  multi-grounded system): see ``TRUNK`` and ``LATERAL`` in
  :mod:`protv2g.network.example_feeders`.
* School-bus depot bus F1-B02, 1.8 km from the substation, and a workplace campus bus F1-B05,
  beyond the recloser and ahead of the second lateral's fuse (F1-LAT2, a long 5 km rural lateral,
  so that its fault currents lie where the 40K link and the recloser's fast curve only just
  coordinate). The network has no site transformer: the study (``study.yaml``) connects both
  sites' chargers to these 12.47 kV buses directly (no ``interconnection_transformer``), so the
  sites add no zero-sequence source and every F1 ground-fault figure is the substation's
  alone. A real depot sits behind its own step-up transformer; a grounded-wye (HV) / delta
  (LV) one is a zero-sequence source that raises the SLG currents along F1
  (docs/study-file.md, ``interconnection_transformer``) — a study of a real site gives it.
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp

from protv2g.network.example_feeders import (
    LATERAL,
    TRUNK,
    Lateral,
    add_feeder,
    add_substation,
    write_feeder,
)

HERE = Path(__file__).resolve().parent

#: (feeder, trunk section lengths km, laterals {tap bus number: (lengths km, load MW per bus)},
#:  trunk load MW per bus at peak)
FEEDERS = {
    "F1": ([0.3, 1.5, 1.5, 1.5, 2.0, 2.0, 2.0, 2.0], {3: ([1.0, 1.5], 0.25), 6: ([2.0, 3.0], 0.2)},
           0.15),
    "F2": ([0.3, 1.2, 1.5, 2.0, 2.0, 2.0], {3: ([1.0, 1.5], 0.3), 5: ([1.2, 1.0], 0.25)}, 0.3),
}
#: Reactive load per MW of active load (power factor ≈ 0.95 lagging).
Q_PER_P = 0.33
#: Off-load tap changer of the substation transformer: ±8 × 1.25 % on the 69 kV side.
TAP_CHANGER = dict(tap_side="hv", tap_neutral=0, tap_min=-8, tap_max=8, tap_step_percent=1.25,
                   tap_pos=0)


def build() -> pp.pandapowerNet:
    """Create the two-feeder net (buses and lines named as the study file refers to them)."""
    net = pp.create_empty_network(name="depot_two_feeder", f_hz=60.0)
    _, sub = add_substation(net, s_sc_max_mva=1000.0, s_sc_min_mva=700.0,
                            source_name="69 kV source", sn_mva=20.0, pfe_kw=15.0,
                            tap_changer=TAP_CHANGER)
    for feeder, (trunk_km, laterals, load_mw) in FEEDERS.items():
        taps = {tap: Lateral(f"{feeder}-LAT{k}-", lengths_km, lat_mw, Q_PER_P * lat_mw)
                for k, (tap, (lengths_km, lat_mw)) in enumerate(laterals.items(), start=1)}
        add_feeder(net, sub, trunk_km, TRUNK, prefix=f"{feeder}-", p_mw=load_mw,
                   q_mvar=Q_PER_P * load_mw, laterals=taps, lateral_conductor=LATERAL)
    return net


def main() -> None:
    write_feeder(build(), HERE)


if __name__ == "__main__":
    main()
