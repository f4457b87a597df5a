"""C5 judges a transformer fuse's reach at its own close-in fault (review rev37a F8).

EPRI ckt5: ``recommend`` "verified" F-DEPOT 100K → 140K on the depot's transformer for a C1 row
(head / F-DEPOT, SLG 20 Ω at the fuse's own terminal, 284–357 A). With 140K the fuse never
operates there (its maximum-melt asymptote is 372 A): the head's 51G tripped the whole feeder
for a fault in the project's transformer, and nothing said so — C1 has no pair row where the
primary does not operate, and C5 did not hold the close-in bus as the fuse's requirement
(``topology_reach`` took it out, "a 20 Ω fault at its bushing is for the upstream devices to
see"). The close-in fault — between the fuse and the winding — is in the fuse's zone and no
other device's: C5 judges it with the same rule as every zone fault (1.5 × minimum melt).

The feeder of ``tests/test_transformer_close_in.py`` (12.47 kV, a 2.5 MVA 12.47/0.48 kV Dyn
transformer XF at B4, fuse F-XF on its 12.47 kV side), with a 30 Ω minimum-case ground fault.

Reference, not computed by protv2g: ``pandapower.shortcircuit.calc_sc`` (IEC 60909, minimum
case, ``fault="1ph"``, ``r_fault_ohm=30``) at B4, the transformer's bus — the close-in bus is
B4 behind a 1e-7 pu stub (``tests/test_transformer_close_in.py`` checks it to 0.1 %); the
delta winding feeds no zero sequence into the fault, so the fuse carries the whole fault
current in the base case (no charger). Minimum melting currents of the links at 300 s
(``protv2g curves table``, EEI-NEMA / ANSI C37.43 K-link ranges, recalled): 100K 200 A,
140K 310 A, 65K 130 A.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower.shortcircuit as sc
import pytest

from protv2g.checks import check_context
from protv2g.checks.sensitivity import check_sensitivity
from protv2g.pipeline import fault_tables, study_with_sites
from protv2g.scenarios import build_scenarios
from tests.test_checks_common import DEVICES, make_study
from tests.test_transformer_close_in import FUSE, _net

R_FAULT_OHM = 30.0
CLOSE_IN = "F-XF close-in"
#: minimum melting current at 300 s, A (``protv2g curves table``)
MM_A = {"80K": 160.0, "100K": 200.0, "140K": 310.0, "65K": 130.0}
#: links with no total-clearing time at ≈ 227 A (``protv2g curves eval <link> --clearing``:
#: 80K 61.3 s; 100K and 140K "no trip", their maximum melt 240 A and 372 A at 300 s)
NO_CLEARING = {"100K", "140K"}


def _i_ref_a() -> float:
    """calc_sc's minimum-case SLG current at B4 through 30 Ω, A."""
    n = copy.deepcopy(_net())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.calc_sc(n, fault="1ph", case="min", r_fault_ohm=R_FAULT_OHM, branch_results=False)
    b4 = int(n.bus.index[n.bus.name == "B4"][0])
    return float(n.res_bus_sc.at[b4, "ikss_ka"]) * 1e3


def _c5(tmp_path, link: str, devices=DEVICES):
    s = make_study(tmp_path, devices=[*devices, dict(FUSE, link=link)], net=_net(),
                   faults={"fault_types": ["SLG"], "r_fault_min_ohm": R_FAULT_OHM})
    s = study_with_sites(s)
    scen = build_scenarios(s.document)
    ctx = check_context(s, fault_tables(s, scen), None, scen)
    rows = check_sensitivity(ctx)
    base = [x for x, b in ctx.base_of.items() if x == b]
    return ctx, rows, base


def _close_in_rows(rows, scenarios=None):
    r = rows[(rows.criterion.astype(str) == "C5") & (rows.device.astype(str) == "F-XF")
             & (rows.fault_bus.astype(str) == CLOSE_IN)]
    if scenarios is not None:
        r = r[r.scenario.astype(str).isin(scenarios)]
    return r


@pytest.mark.parametrize("link", ["80K", "100K", "140K"])
def test_c5_fails_a_fuse_short_of_its_close_in_fault(tmp_path, link) -> None:
    """The reference ≈ 227 A (≈ 7.2 kV / 30 Ω): 80K 1.42 ×, 100K 1.14 ×, 140K 0.73 × their
    minimum melt, all < 1.5 ×. 100K and 140K have no clearing time there (under their maximum
    melt), and the row says who clears the fault alone — what the coordination pair row, which
    needs the primary's time, cannot. On the code before the fix: no C5 row at the close-in
    bus at all (the bus was no requirement of F-XF), and no pair row for 100K/140K either:
    nothing failed."""
    i_ref = _i_ref_a()
    assert 200.0 < i_ref < 260.0  # ≈ 7.2 kV / 30 Ω, hand check of the reference
    ctx, rows, base = _c5(tmp_path, link)
    got = _close_in_rows(rows, base)
    assert len(got), "no C5 row for F-XF at its close-in fault"
    r = got.iloc[0]
    assert str(r.status) == "fail"
    assert float(r.i_device_a) == pytest.approx(i_ref, rel=0.02)
    assert float(r.i_other_a) == pytest.approx(MM_A[link], rel=1e-3)  # the pickup: MM 300 s
    assert float(r.margin) == pytest.approx(i_ref / MM_A[link] - 1.5, abs=0.03)
    assert "close-in" in str(r.message) and "F-XF" in str(r.message)
    # the pair row C1–C4 cannot have (no primary time) is said by this row: F (40K, 1.55 s
    # at 227 A by its curve) clears the fault alone; 80K clears it (61 s), no such note
    alone = "F-XF is not sure to operate for it"
    assert (alone in str(r.message)) == (link in NO_CLEARING), str(r.message)
    if link in NO_CLEARING:
        assert ": F clears it alone in" in str(r.message)
    # faults outside F-XF's zone (its close-in bus and the 480 V terminals) are not its
    assert set(rows[rows.device.astype(str) == "F-XF"].fault_bus.astype(str)) <= {CLOSE_IN,
                                                                                    "LV"}


def test_c5_passes_a_fuse_that_reaches_its_close_in_fault(tmp_path) -> None:
    """65K: ≈ 240 A / 130 A ≈ 1.85 × ≥ 1.5 ×: no failing row there, and the reach margin
    (what the attribution reads) holds the close-in fault."""
    i_ref = _i_ref_a()
    assert i_ref / MM_A["65K"] > 1.5 + 0.1
    ctx, rows, base = _c5(tmp_path, "65K")
    assert not len(_close_in_rows(rows))
    m = ctx.cache["C5 reach margins"]
    at = m[(m.device.astype(str) == "F-XF") & (m.fault_bus.astype(str) == CLOSE_IN)]
    assert len(at)
    np.testing.assert_allclose(at.margin.to_numpy(float), i_ref / MM_A["65K"] - 1.5, atol=0.05)


def test_a_fuse_that_does_not_operate_names_the_relay_that_clears_alone(tmp_path) -> None:
    """The C1 case of F8: a fuse backed up by a relay (R3, IEEE-VI, pickup 100 A, TD 1) with no
    clearing time at its own close-in fault (140K at ≈ 227 A). The pair has no C1 row (no
    primary time to take an interval from); the C5 row fails and says R3 clears the fault alone
    in ``t = TD·(19.61/(M² − 1) + 0.491)`` s (IEEE C37.112 very inverse, by hand at the
    calc_sc current: M ≈ 2.27, ≈ 5.2 s). On the code before the fix: no row at all."""
    from tests.test_checks_common import ieee_vi_s

    relays = [dict(d, pickup_a=100) if d["name"] == "R3" else d for d in DEVICES
              if d["kind"] == "relay"]
    _, rows, base = _c5(tmp_path, "140K", relays)
    r = _close_in_rows(rows, base).iloc[0]
    assert str(r.status) == "fail"
    msg = str(r.message)
    assert "F-XF is not sure to operate for it" in msg and ": R3 clears it alone in " in msg
    t_s = float(msg.split(": R3 clears it alone in ")[1].split(" s")[0])
    # M² − 1 ≈ 4.2: 2 % in current is ≈ 5 % in time
    assert t_s == pytest.approx(ieee_vi_s(_i_ref_a(), 100.0, 1.0), rel=0.06)
