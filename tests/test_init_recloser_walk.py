"""``protv2g init`` drafts a mid-line recloser on every part of the feeder the head cannot
protect (review rev44a M2, M4: :mod:`protv2g.study_draft.recloser_walk`).

**Two branches** (rev44a M2, IEEE 8500: one recloser on one branch, the other branch's far
end reached by nothing). The 12.47 kV trunk of :mod:`tests.test_init_mid_recloser` (Z1 =
0.5 + j0.8 Ω/km, source 200 MVA X/R 4, 4.5 MW at b1) splits at b2 (4.1 km) into branch a
(a3…a10, 2 km each) and branch c (c3…c10, the last 3 km), 0.2 MW at each far end. By hand
(IEC 60909 min LL, :func:`tests.test_init_mid_recloser._ll_min_a`): b2 1,279.9 A, a3/c3
(6.1 km) 904.6 A, a10 (20.1 km) 296.1 A, c10 (21.1 km) 282.5 A. The head's 51P carries its
load (370 A) and reaches ≥ 555 A: neither branch's end. Re-drafted to its 500 A load rule, it
reaches b2 with 2.56 × and a3/c3 with 1.81 × (< 2 ×): a recloser on the line into a3 *and*
on the line into c3. The old rule drafted one, on the path to the single weakest fault
(c10), and left branch a to nothing.
"""

from __future__ import annotations

import pytest

from protv2g.study_draft.draft import draft_study
from tests.test_init_mid_recloser import R_KM, X_KM, _devices, _ll_min_a, _snapshot_a


def _two_branches(path, c_end_km: float = 3.0) -> None:
    """The feeder of the module docstring."""
    lines = ["Clear",
             "New Circuit.fork basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180",
             f"New Linecode.trunk nphases=3 r1={R_KM} x1={X_KM} r0=0.8 x0=2.4 c1=0 c0=0 "
             "units=km normamps=400",
             "New Line.head bus1=src bus2=b0 linecode=trunk length=0.1 units=km",
             "New Line.L1 bus1=b0 bus2=b1 linecode=trunk length=2 units=km",
             "New Line.L2 bus1=b1 bus2=b2 linecode=trunk length=2 units=km"]
    for br in ("a", "c"):
        for j in range(3, 11):
            up = "b2" if j == 3 else f"{br}{j - 1}"
            km = c_end_km if (br == "c" and j == 10) else 2.0
            lines.append(f"New Line.{br}{j} bus1={up} bus2={br}{j} linecode=trunk "
                         f"length={km:g} units=km")
    lines += ["New Load.big bus1=b1 phases=3 kV=12.47 kW=4500 pf=0.95 model=1",
              "New Load.ea bus1=a10 phases=3 kV=12.47 kW=200 pf=0.95 model=1",
              "New Load.ec bus1=c10 phases=3 kV=12.47 kW=200 pf=0.95 model=1",
              "Set voltagebases=[12.47]", "Calcv"]
    path.write_text("\n".join(lines) + "\n")


def test_hand_figures():
    assert _ll_min_a(21.1) == pytest.approx(282.5, abs=0.3)
    assert _ll_min_a(6.1) == pytest.approx(904.6, abs=0.3)


def test_a_recloser_on_each_branch_the_head_cannot_reach(tmp_path):
    """Both branches get a recloser at their first line (a3, c3); each one's pickup within
    [2 × its own load (OpenDSS), ½ × its branch's minimum (hand)], the head reaching b2
    with ≥ 2 × its re-drafted pickup. Fails on the old rule: recloser-c3 only."""
    path = tmp_path / "Master.dss"
    _two_branches(path)
    draft = draft_study(path)
    dev = _devices(draft)
    recs = sorted(n for n, d in dev.items() if d["kind"] == "recloser")
    assert recs == ["recloser-a3", "recloser-c3"]
    head = dev["head-head"]["pickup_a"]
    assert _ll_min_a(4.1) >= 2 * head > _ll_min_a(6.1)
    for br, end_km in (("a", 20.1), ("c", 21.1)):
        rec = dev[f"recloser-{br}3"]
        assert rec["location"] == {"line": f"{br}3", "end": "from"}
        i_a = _snapshot_a(path, f"{br}3")
        assert 2 * i_a <= rec["phase_min_trip_a"] <= 0.5 * _ll_min_a(end_km)
    assert "zone not covered" not in draft.text


# --- a long ground-weak zone (rev44a M4): the 51P reaches, the 51G is slow at the end --------

KV_G = 24.9


def _ground_weak(path) -> None:
    """A 24.9 kV trunk of ten 4 km lines (source 400/360 MVA), a 100K-fused 1.5 km lateral at
    b1 carrying 1.5 MW (it sets the head's dials), 0.5 MW three-phase and 0.75 MW on phase a
    at b1 (its residual sets the 51G near its reach cap), 0.2 MW at b10. The head's 51P
    reaches b10 (LL 296 A); its 51G does not clear b10's 20 Ω ground fault within 10 s."""
    lines = ["Clear",
             f"New Circuit.gw basekv={KV_G} pu=1.0 phases=3 bus1=src MVAsc3=400 MVAsc1=360",
             f"New Linecode.trunk nphases=3 r1={R_KM} x1={X_KM} r0=0.8 x0=2.4 c1=0 c0=0 "
             "units=km normamps=400",
             "New Line.head bus1=src bus2=b0 linecode=trunk length=0.1 units=km"]
    lines += [f"New Line.L{j} bus1=b{j - 1} bus2=b{j} linecode=trunk length=4 units=km"
              for j in range(1, 11)]
    lines += ["New Line.lat bus1=b1 bus2=x1 linecode=trunk length=1.5 units=km",
              "New Fuse.flat monitoredobj=Line.lat monitoredterm=1 fusecurve=klink "
              "ratedcurrent=100",
              f"New Load.big bus1=b1 phases=3 kV={KV_G} kW=500 pf=0.95 model=1",
              f"New Load.lat bus1=x1 phases=3 kV={KV_G} kW=1500 pf=0.95 model=1",
              f"New Load.end bus1=b10 phases=3 kV={KV_G} kW=200 pf=0.95 model=1",
              f"New Load.sp bus1=b1.1 phases=1 kV={KV_G / 3 ** 0.5:.4f} kW=750 pf=0.95 "
              "model=1",
              f"Set voltagebases=[{KV_G}]", "Calcv"]
    path.write_text("\n".join(lines) + "\n")


def _mi_clear_s(i_a: float, pickup_a: float, td: float) -> float:
    """IEEE C37.112-1996 moderately inverse, ``TD·(0.0515/(M^0.02 − 1) + 0.114)``, plus a
    5-cycle breaker at 60 Hz (IEEE C37.06 preferred rating): the clearing time, s."""
    m = i_a / pickup_a
    return td * (0.0515 / (m**0.02 - 1.0) + 0.114) + 5.0 / 60.0


def test_recloser_where_the_head_51g_is_slow_at_the_zone_end(tmp_path):
    """Review rev44a M4 (EPRI ckt5: no recloser although the head's 51G took 46 s at its
    zone's 20 Ω ground fault). The walk drafts one on the trunk; its TODO gives the head's
    51G as first drafted and its time at b10's minimum |3I0|, > 10 s — checked here by the
    IEEE MI formula by hand; the recloser's ground pickup sees that fault with ≥ 2 ×. Fails
    on the old rule (the 51P reaches: no recloser)."""
    import re

    path = tmp_path / "Master.dss"
    _ground_weak(path)
    draft = draft_study(path)
    dev = _devices(draft)
    recs = [n for n, d in dev.items() if d["kind"] == "recloser"]
    assert len(recs) == 1 and recs[0].startswith("recloser-l")
    todo = next(ln for ln in draft.text.splitlines() if f"- name: {recs[0]}  # TODO" in ln)
    m = re.search(r"the head's 51G \((\d+) A IEEE-MI TD ([\d.]+), relay \+ breaker, as first "
                  r"drafted\) takes ([\d.]+) s at b10's minimum ground fault \((\d+) A \|3I0\|",
                  todo)
    assert m, todo
    gp, td, t_s, i0 = (float(x) for x in m.groups())
    assert t_s > 10.0
    assert t_s == pytest.approx(_mi_clear_s(i0, gp, td), rel=0.01)
    assert dev[recs[0]]["ground_min_trip_a"] <= 0.5 * (i0 + 0.5)
    assert "zone not covered" not in draft.text
