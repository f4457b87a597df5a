"""C5 and C6 rows a site's YNd transformer causes with every charger idle are the project's
equipment's (reviews rev36a M1, IEEE 8500: the head's 51G trips in 0.6 s on 1,139 A of the
depot transformer's 3I0 for a substation-bus ground fault — OpenDSS 5.8 A without it, 1,144.8
A with it and no charger — "caused by V2G"; rev36b M1, EPRI J1: the head's 3I0 −12.3 % with
the transformer and no charger, a "V2G-caused drop of device current > 10 %").

The feeder: ``test_dss_site_transformer``'s 12.47 kV trunk with the depot's 2 MVA YNd
transformer at b2 (grounded wye on the feeder: a zero-sequence source) and **no study device
on it** (the idle currents of the head's rows, which have a base twin, are the point), a head
relay whose 51G (100 A, IEEE MI, TD 0.5) a ground fault on the substation bus trips through
the transformer's 3I0 and whose 3I0 for a 20 Ω ground fault at b3 the transformer shunts.
References, none computed by protv2g:

* the head's 3I0 with the transformer in and **no charger**: OpenDSS (a fresh
  ``opendssdirect`` context, loads off, lines' capacitance out, a ``Fault`` element), the sum
  of ``Line.l1``'s phase currents — the minimum case (C5) with the lines' resistance × 1.24
  (protv2g's 80 °C end temperature) and the source at 1.0 pu (IEC 60909 ``c_min`` of a
  medium-voltage fault), 20 Ω; the maximum case (C6) at 1.1 pu (``c_max``), bolted;
* the head's 51G time: IEEE C37.112-2018 moderately inverse written out.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER, XF  # noqa: E402

STUDY = """\
name: xeq
feeder: {opendss: Master.dss, redirects: [depot_xf.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 400,
     curve: IEEE-MI, time_dial: 0.5, ground_pickup_a: 100, ground_curve: IEEE-MI,
     ground_time_dial: 0.5, interrupting_rating_ka: 25, reclose_intervals_s: []}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 10, p_charger_kw: 100,
     model_transformer: depot_xf}
scenarios: {export_levels_fraction: [1.0], participation: [expected], load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""
#: The clause of a C5/C6 equipment row (:mod:`protv2g.checks.equipment_rows`).
IDLE = "; the project's equipment's: with every charger idle (the site's transformer in, no " \
       "charger online) head "
REMEDY = ("remedy: the equipment — depot's transformer depot_xf (YNd): its connection on the "
          "feeder side (a delta or ungrounded-wye winding) or a neutral impedance, or {} — "
          "not the chargers or their export")
TRIP = REMEDY.format("a directional ground element (67N) at head")
REACH = REMEDY.format("a more sensitive setting of head (its ground pickup; a fuse's smaller "
                      "link)")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from protv2g.gate import gate_verdict
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    where = tmp_path_factory.mktemp("xeq")
    (where / "Master.dss").write_text(MASTER)
    (where / "depot_xf.dss").write_text(XF)
    (where / "study.yaml").write_text(STUDY)
    study = load_study(where / "study.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(study, hosting=False)
        gate = gate_verdict(study, res)
    return where, study, res, gate


def _opendss_head_3i0(where, bus: str, phases: str, xf: bool, case: str) -> float:
    """OpenDSS: the head's (Line.l1's) |3I0| for a fault at ``bus`` on ``phases`` to ground
    (module docstring); ``case`` ``"min"`` (20 Ω) or ``"max"`` (bolted)."""
    dss = opendss_fault(where, bus, phases, xf, case)
    dss.Circuit.SetActiveElement("Line.l1")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    return float(abs((c[0:6:2] + 1j * c[1:6:2]).sum()))


def opendss_fault(where, bus: str, phases: str, xf: bool, case: str,
                  xf_file: str = "depot_xf.dss"):
    """A fresh OpenDSS context solved for a fault at ``bus`` on ``phases`` to ground, as
    :func:`_opendss_head_3i0` reads it (module docstring); ``xf``: with the script
    ``xf_file`` (the site transformer) redirected."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{where / "Master.dss"}"')
    if xf:
        dss.Text.Command(f'redirect "{where / xf_file}"')
    dss.Text.Command("batchedit load..* enabled=no")
    for name in dss.Lines.AllNames():
        dss.Lines.Name(name)
        if case == "min":
            dss.Lines.RMatrix((np.asarray(dss.Lines.RMatrix()) * 1.24).tolist())
        dss.Lines.CMatrix([0.0] * len(dss.Lines.CMatrix()))
    dss.Text.Command(f"vsource.source.pu={1.0 if case == 'min' else 1.1}")
    r = 20.0 if case == "min" else 1e-5
    nodes = ".".join(str("abc".index(p) + 1) for p in phases)
    dss.Text.Command(f"new fault.f phases=1 bus1={bus}.{nodes} bus2={bus}.0 r={r}"
                     if len(phases) == 1 else
                     f"new fault.f phases={len(phases)} bus1={bus}.{nodes} r={r}")
    if len(phases) == 2:  # LLG: the two phases bolted together, then to ground through r
        dss.Text.Command("fault.f.r=0.00001")
        dss.Text.Command(f"new fault.g phases=1 bus1={bus}.{'abc'.index(phases[0]) + 1} "
                         f"bus2={bus}.0 r={r}")
    dss.Solution.Solve()
    return dss


def _mi_s(i_a: float, pickup_a: float = 100.0, td: float = 0.5) -> float:
    """IEEE C37.112-2018 moderately inverse, by hand."""
    return td * (0.0515 / ((i_a / pickup_a) ** 0.02 - 1.0) + 0.114)


def test_reach_drop_with_every_charger_idle_is_the_equipments(run):
    """C5's "reach of head reduced" rows for a ground fault past the transformer's branch:
    the drop is the YNd's with no charger. Fails on the old code: ``new``."""
    from protv2g.findings import Attribution, build_findings

    where, _study, res, _gate = run
    v = res.violations
    drop = v[(v.criterion == "C5") & (v.device == "head") & (v.margin_unit == "fraction")]
    at_b3 = drop[(drop.fault_bus == "b2") & (drop.fault_type == "SLG-a")]
    assert len(at_b3) == 1, drop[["fault_bus", "fault_type", "attribution"]]
    r = at_b3.iloc[0]
    assert r.attribution == "equipment"
    msg = str(r.message)
    m = re.search(re.escape(IDLE) + r"sees ([0-9]+) A already \(−([0-9.]+)%\) — ", msg)
    assert m, msg
    assert msg.endswith(REACH)
    idle_a, drop_pct = float(m.group(1)), float(m.group(2))
    want_idle = _opendss_head_3i0(where, "b2", "a", True, "min")
    want_base = _opendss_head_3i0(where, "b2", "a", False, "min")
    assert idle_a == pytest.approx(want_idle, abs=1.0)  # 215.7 A
    assert float(r.i_other_a) == pytest.approx(want_base, rel=0.005)  # the base: 304.6 A
    assert drop_pct == pytest.approx(100 * (1 - want_idle / want_base), abs=0.1)
    assert drop_pct > 10.0
    assert set(drop.attribution) == {"equipment"}  # every such row: the chargers add little
    f = build_findings(v).findings
    c5 = f[(f.criterion == "C5") & (f.device == "head")]
    assert set(c5.attribution) == {Attribution.EQUIPMENT}


def test_sympathetic_trip_with_every_charger_idle_is_the_equipments(run):
    """C6 at the substation bus: the head's 51G on the YNd's 3I0, with no charger. Fails on
    the old code: ``new`` ("caused by V2G")."""
    from protv2g.checks.sympathetic import SUBSTATION_PROTECTION
    from protv2g.checks.sympathetic_seen import SEEN
    from protv2g.findings import Attribution, build_findings

    where, _study, res, gate = run
    v = res.violations
    rows = v[(v.criterion == "C6") & (v.other_device == SUBSTATION_PROTECTION)]
    assert len(rows) and set(rows.device) == {"head"} and set(rows.fault_bus) == {"sub"}
    assert set(rows.attribution) == {"equipment"}
    for ft, phases in (("SLG-a", "a"), ("LLG-bc", "bc")):
        r = rows[(rows.fault_type == ft) & (rows["case"] == "max")]
        assert len(r) == 1, ft
        msg = str(r.message.iloc[0])
        m = re.search(re.escape(IDLE) + r"trips in ([0-9.]+) s on [0-9]+ A \(3I0 ([0-9]+) A\) "
                      r"and the interval fails by ([0-9.e-]+) s — ", msg)
        assert m, msg
        assert msg.endswith(TRIP)
        t_s, i0_a, short_s = (float(x) for x in m.groups())
        want = _opendss_head_3i0(where, "sub", phases, True, "max")
        assert _opendss_head_3i0(where, "sub", phases, False, "max") < 1.0  # none without it
        assert i0_a == pytest.approx(want, rel=0.02), ft
        assert t_s == pytest.approx(_mi_s(want), rel=0.01)
        # the rule: t − the substation's 1.0 s (assumed) − 0.2 s (relay–relay, numerical)
        assert -short_s == pytest.approx(_mi_s(want) - 1.0 - 0.2, abs=0.01)
    f = build_findings(v).findings
    # C6's info findings of what it tried (review rev50a #7b) are apart from the problem
    c6 = f[(f.criterion == "C6") & (f.device == "head") & (f.status.astype(str) != "info")]
    assert len(c6) == 1 and c6.attribution.iloc[0] == Attribution.EQUIPMENT
    # what it tried, per V2G scenario: the head's largest 3I0 is at the substation bus, the
    # YNd's (the chargers feed no zero sequence): OpenDSS with the transformer, max case
    seen = v[(v.criterion == "C6") & (v.status == "info") & (v.device == "head")
             & (v.mechanism.astype(str) == SEEN["ground"])]
    assert len(seen) and set(seen.fault_bus) == {"sub"}
    for r in seen.itertuples():
        phases = "a" if str(r.fault_type).startswith("SLG") else str(r.fault_type)[-2:]
        want = _opendss_head_3i0(where, "sub", phases, True, str(r.case))
        assert float(r.i_device_a) == pytest.approx(want, rel=0.02), r.fault_type
        assert float(r.limit) == 100.0 and float(r.t_other_s) == 1.0


def _idle(monkeypatch, i_phase_a, i_ground_a, t_op_s, t_clear_s=np.nan):
    """``equipment_rows.idle_times`` replaced by fixed idle figures, one per row."""
    import pandas as pd

    from protv2g.checks import equipment_rows

    def fake(ctx, rows):
        n = len(rows)
        return pd.DataFrame({"i_phase_a": np.resize(i_phase_a, n),
                             "i_ground_a": np.resize(i_ground_a, n),
                             "t_op_s": np.resize(t_op_s, n),
                             "t_clear_s": np.resize(t_clear_s, n)})
    monkeypatch.setattr(equipment_rows, "idle_times", fake)


def _ctx():
    from types import SimpleNamespace

    return SimpleNamespace(
        base_of={"base/light": "base/light", "v/light/100%": "base/light"},
        cache={"grounded site transformers": {"depot": "depot's transformer depot_xf (YNd)"}})


def test_reach_rows_the_chargers_tip_or_the_base_fails_as_much_stay_the_attributions(
        monkeypatch):
    """C5 shortfall: equipment only where the row falls short idle AND the base passes (by
    its tolerance or more) or the idle row is worse than the base by more than the
    tolerance; a base-case row never. Idle 3I0 130 A over a 100 A pickup: 1.3 < 1.5."""
    import pandas as pd

    from protv2g.checks.equipment_rows import drop_idle, reach_idle

    _idle(monkeypatch, 400.0, 130.0, 1.0)
    bad = pd.DataFrame({"scenario": ["v/light/100%"] * 4 + ["base/light"],
                        "device": "head", "fault_bus": 3, "fault_type": "SLG-a", "case": "min",
                        "element": "ground", "pickup_a": 100.0, "factor": 1.5,
                        "tolerance": 0.07})
    # base margin: passes clear; none; fails by as much (−0.22 vs idle −0.2); fails by
    # less (−0.05: idle worse by 0.15 > 0.07); the base row itself
    hit, texts = reach_idle(_ctx(), bad, np.array([0.3, np.nan, -0.22, -0.05, 0.3]))
    assert hit.tolist() == [True, True, False, True, False]
    assert "head sees 130 A (3I0), 1.3 × pickup against 1.5" in texts[0] and texts[2] == ""
    # idle passing (phase element: 400 A / 100 A = 4 × pickup): the chargers tip it
    hit, _ = reach_idle(_ctx(), bad.assign(element="phase"), np.full(5, 0.3))
    assert not hit.any()
    # the drop: 1 − 130 / 150 = 13.3 % > 10 % idle already; 1 − 130 / 140 = 7.1 % not
    rows = bad.iloc[:2].reset_index(drop=True)
    hit, texts = drop_idle(_ctx(), rows, np.array([150.0, 140.0]), 0.1)
    assert hit.tolist() == [True, False]
    assert "head sees 130 A already (−13.3%)" in texts[0]


def test_sympathetic_rows_failing_in_the_base_too_stay_the_attributions(monkeypatch):
    """C6: equipment where the candidate trips idle too (0.6 s < 1.0 + 0.2 s) and its base
    twin does not fail; a row whose base twin fails too is the attribution's (pre-existing
    or worse), a base row never; idle passing (1.5 s) → not."""
    import pandas as pd

    from protv2g.checks.equipment_rows import sympathetic_idle

    bad = pd.DataFrame({"scenario": ["v/light/100%", "v/light/100%", "base/light"],
                        "device": "head", "fault_bus": [1, 2, 2], "fault_type": "SLG-a",
                        "case": "max"})
    _idle(monkeypatch, 300.0, 650.0, 0.6)
    hit, texts = sympathetic_idle(_ctx(), bad, np.full(3, 0.2), 1.0)
    assert hit.tolist() == [True, False, False]  # bus 2's base row fails too
    assert "head trips in 0.6 s on 300 A (3I0 650 A) and the interval fails by 0.6 s" in texts[0]
    assert "(67N) at head — not the chargers or their export" in texts[0]
    _idle(monkeypatch, 300.0, 650.0, 1.5)
    hit, _ = sympathetic_idle(_ctx(), bad, np.full(3, 0.2), 1.0)
    assert not hit.any()
