"""A hosting figure that rests on C12's 0.001 pu tolerance says so, with the tolerance bracket's
low end (review rev41a M7, vr41).

Review rev41a M7, IEEE 34 with the depot at peak: "on given data alone 539 kW (C12 at depot480
from 540 kW)" is where depot480 reaches 1.05 + 0.001 pu; OpenDSS (solved from the no-V2G state,
the chargers a pf-1 Generator, regulators free, LoadMult 1) gives depot480 1.0500 pu at
419.8 kW, 1.0501 pu at 431.7 kW and 1.051 pu at 540.7 kW: 22 % of the figure rests on a 0.1 %
instrument tolerance, and nothing said so.

Here the search runs on the shipped depot study with a hand-made C12 (signature of
``protv2g.checks.run_checks``, as tests/test_hosting_at_limit.py) whose bus voltage rises
linearly with the export (ΔV ≈ (R·P + X·Q)/V, Kersting, *Distribution System Modeling and
Analysis*); the flow's bus table the search keeps is the same hand model. By hand:

* ``far``: 1.0484 pu without V2G, +4e-6 pu/kW. At the default tolerance 0.001 pu its row is
  ``new`` once over 1.051 pu and its rise passes max(0.001, 0.001 × (1.05 + 0.0016)) =
  0.0010516 pu: from (1.051 − 1.0484) / 4e-6 = 650 kW (the rise passes the band at 262.9 kW).
* At the bracket's low end, 0.0001 pu, it passes 1.0501 pu at (1.0501 − 1.0484) / 4e-6 =
  425 kW: ``at_v_max_kw``, interpolated between the search's levels (exact on a line) and
  rounded down to a whole kW.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd
import pytest

from protv2g.result import VIOLATION_COLUMNS
from protv2g.scenarios import Scenario

V0, DV, V_MAX, TOL = 1.0484, 4e-6, 1.05, 0.001
#: By hand (module docstring), kW.
FIGURE_KW = (V_MAX + TOL - V0) / DV  # 650
AT_V_MAX_KW = (V_MAX + 1e-4 - V0) / DV  # 425
#: The search's bisection tolerance here, kW.
TOL_KW = 25.0


def _export_kw(sc: Scenario) -> float:
    return float(sum(s.p_export_kw for s in sc.sites if s.site == "depot"))


def _c12_check(study, faults, flow, scenarios: Sequence[Scenario]):
    """C12 over-voltage rows of the hand model, as :mod:`protv2g.checks.flow` writes them."""
    len(flow)  # C12 reads the flow: the search keeps what it needs of it
    rows = []
    for sc in scenarios:
        p = _export_kw(sc)
        v = V0 + DV * p
        if sc.is_base or p <= 0 or v <= V_MAX + TOL:
            continue
        band = max(TOL, 0.001 * (V_MAX + abs(V_MAX - V0)))
        rows.append({"criterion": "C12", "status": "fail", "scenario": sc.name,
                     "attribution": "new" if v - V0 > band else "pre-existing",
                     "fault_bus": "far", "margin_unit": "pu", "limit": V_MAX,
                     "margin": V_MAX - v, "base_margin": V_MAX - V0, "tolerance": band,
                     "message": f"{v:.5f} pu at far"})
    return pd.DataFrame(rows, columns=VIOLATION_COLUMNS), pd.DataFrame()


@pytest.fixture(scope="module")
def searched(depot_study):
    """The depot's firm / peak axis on the hand model: the flow's bus table the search keeps
    is the hand model's (bus 0, ``far``), every scenario the search evaluates."""
    from protv2g.hosting import hosting_analysis, search, tolerance_end

    exports: dict[str, float] = {}

    def hand_excess(study, base_of, names, v_max_pu):
        def keep(flow, judged):  # C12's record: none from the hand check
            rows = [*((n, exports[n]) for n in names),
                    *((b, 0.0) for b in set(base_of.values()))]
            bus = pd.DataFrame([{"scenario": n, "bus": 0, "vm_pu": V0 + DV * p}
                                for n, p in rows])
            return tolerance_end.excess_by_bus(bus, base_of, set(names), v_max_pu)
        return keep

    def check(study, faults, flow, scenarios):
        exports.update({sc.name: _export_kw(sc) for sc in scenarios})
        return _c12_check(study, faults, flow, scenarios)

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mp.setattr(search, "flow_excess", hand_excess)
        mp.setattr(search, "bus_label", lambda study, b: "far")
        return hosting_analysis(depot_study, checks=check, sites=["depot"],
                                participations=["firm"], load_levels=["peak"],
                                n_grid=8, tol_kw=TOL_KW)


def test_the_hand_figures():
    assert FIGURE_KW == pytest.approx(650.0)
    assert AT_V_MAX_KW == pytest.approx(425.0)


def test_a_figure_resting_on_the_tolerance_gives_its_low_end(searched):
    """Fails on the old code: no ``at_v_max_kw`` column, and nothing said that the figure rests
    on the 0.001 pu tolerance (rev41a M7)."""
    row = searched.table.iloc[0]
    # the figure is unchanged: the gate decides on the default tolerance
    assert row["limiting_criterion"] == "C12"
    assert FIGURE_KW - TOL_KW <= row["hosting_kw"] <= FIGURE_KW
    # the low end: by hand 425 kW, rounded down to a whole kW
    assert AT_V_MAX_KW - 1.0 <= row["at_v_max_kw"] <= AT_V_MAX_KW
    note = str(row["note"])
    assert note.startswith("rests on C12's measurement tolerance "
                           "(checks.voltage_limit_tolerance_pu 0.001 pu, which the gate decides "
                           "on; bracket 0.0001–0.001 pu): at the bracket's low end, a limit of "
                           "1.0501 pu, it would be 42")
    assert "kW (C12 at far, over it at " in note
    # the figure as it is, not rounded (review ver51 #1: 15.525 kW said as "16 kW")
    assert f"kW; interpolated between solved levels); the default end drove the figure " \
           f"{row['hosting_kw']:,.6g} kW; " in note
    from protv2g.gate_hosting import hosting_limit_per_site

    line = hosting_limit_per_site(searched.table)["depot"]
    assert (f"; within C12's measurement tolerance: {row['at_v_max_kw']:,.0f} kW at the limit "
            "itself") in line


def test_no_low_end_where_no_bus_enters_the_band_below_the_figure():
    """A bus that passes 1.0501 pu only above the figure leaves no low end (NaN)."""
    from protv2g.hosting.tolerance_end import at_v_max

    key = ("depot", "firm", "peak")
    excess = {(key, p): pd.Series([V0 + DV * p - (V_MAX + 1e-4)]) for p in (0.0, 400.0, 500.0)}
    assert at_v_max(excess, key, [0.0, 400.0, 500.0], 450.0) is None
    kw, bus, first = at_v_max(excess, key, [0.0, 400.0, 500.0], 500.0)
    assert (kw, bus, first) == (425, 0, 500.0)
