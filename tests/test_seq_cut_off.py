"""The sequence-domain engine holds chargers a bolted fault cuts off from every source
(review rev39b M5).

Depot example, 3ph bolted fault at SUB-12kV (max case, expected participation, 100 % export):
both sites (F1-B02, F1-B05) sit behind the faulted bus, with no source of their own, so no grid
voltage reaches their PLLs (their terminal voltages are what their own currents drive, 0.05–0.06
pu). Before the fix the engine took the control law's low-voltage blend towards the pre-fault
reference as a "tracking" solution — currents 64–74° from their terminal voltages, the fault
level 9.555 kA against 10.009 kA without V2G, unflagged (the firm participation, with no such
solution found, was held and flagged: +0.7 %). As the phase-domain engine does for its cut-off
units (:mod:`protv2g.engine.phase.cut_off`), the sites hold the pre-fault angle and the row is
flagged ``pll_frozen``.

Reference (hand): every charger current flows into the bolted fault, so the fault current is
the base case's plus each site's first-cycle limit (participation × chargers × kVA × limit_pu /
(√3 × 12.47 kV), inputs of the study file) at the pre-fault angle of its terminal voltage —
IEC 60909's equivalent source c·Un/√3 behind the substation transformer, whose vector group
shifts the 12.47 kV side by the transformer's ``shift_degree`` (pandapower net: Dyn, 30°).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandapower as pp

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "feeders/depot_two_feeder/study.yaml"


def test_sites_cut_off_by_a_bolted_fault_hold_the_pre_fault_angle():
    from protv2g.api import fault_study
    from protv2g.study.loader import load_study

    study = load_study(STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fault_study(study)
    b = res.bus
    pick = (b.bus_name.astype(str) == "SUB-12kV") & (b.fault_type.astype(str) == "3ph") \
        & (b.case.astype(str) == "max")
    base = b[pick & (b.scenario.astype(str) == "base/light")].iloc[0]
    row = b[pick & (b.scenario.astype(str) == "expected/light/100%")].iloc[0]
    assert bool(row.pll_frozen)

    net = pp.from_json(str(ROOT / "feeders/depot_two_feeder/feeder.json"))
    shift_deg = float(net.trafo.shift_degree.iloc[0])
    kv = 12.47
    limit_ka = sum(site.participation.expected * site.n_chargers * site.p_charger_kw
                   * site.limit_pu / (math.sqrt(3) * kv) / 1000.0
                   for site in study.document.v2g_sites)
    i_base = base.ikss_ka * np.exp(1j * np.radians(base.ikss_degree))
    i_hand = abs(i_base + limit_ka * np.exp(-1j * np.radians(shift_deg)))
    assert abs(row.ikss_ka - i_hand) <= 1e-4 * i_hand  # hand 10.0600 kA
    assert row.ikss_ka > base.ikss_ka  # not the 9.555 kA "V2G lowers the fault level"
