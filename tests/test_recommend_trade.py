"""recommend: a candidate that fixes a failing finding but adds a new warning is offered as a
trade (recfix35 left-open; EPRI ckt24 F-LAT: the 25K → 50K link fixes a pre-existing C8
fail, adds a C5 backup-zone warning — 116 A = 1.15 × 50K's 101 A minimum melt < 1.2 — and
was refused "because every side effect refuses").

A trade is verified like any candidate (every scenario, fault and case re-checked), ranked
after every candidate without side effects (a clean one, or one easing the failure to a
warning), named as such with the new warning's figures; never one that adds a failure, makes
a finding worse, or has a cost of practice (:mod:`protv2g.recommend.zone_clearing`).

The evaluator here is a stand-in with ckt24's figures (recfix35's report: the links tried
and what each did there): 25K fails C8 (61.0 A > 25K's 50 A / 1.5), 50K clears it with a
C5 warning (backup zone 116 A / 101 A = 1.15 < 1.2), 65K with a C5 warning (0.91 ×), 80K
with a C2 failure (fuse saving with R-MID lost).
"""

from __future__ import annotations

import pandas as pd

from protv2g.recommend.candidates import Change, Family
from protv2g.recommend.evaluator import _active
from protv2g.recommend.finding_search import _search

_COLS = ["finding", "title", "status", "attribution", "criterion", "device", "other_device",
         "margin_unit", "mechanism", "worst_margin", "limit", "worst_fault", "evidence_first"]
_MM_A = {"25K": 50.0, "30K": 63.0, "40K": 80.0, "50K": 101.0, "65K": 128.0, "80K": 160.0}
_I_LOAD_A, _I_BACKUP_A = 61.0, 116.0


class _Found:
    def __init__(self, rows: list[dict]) -> None:
        self.findings = pd.DataFrame(rows, columns=_COLS)
        self.evidence = pd.DataFrame(columns=["finding", "status", "tolerance", "evidence"])


def _row(fid, title, status, crit, margin, unit, limit, fault="", device="F-LAT", other=""):
    return {"finding": fid, "title": title, "status": status, "attribution": "pre-existing",
            "criterion": crit, "device": device, "other_device": other, "margin_unit": unit,
            "mechanism": "", "worst_margin": margin, "limit": limit, "worst_fault": fault,
            "evidence_first": ""}


class _Ev:
    """F-LAT's link decides C8 (load 61 A vs MM / 1.5), C5 backup (116 A vs 1.2 × MM) and,
    from 80K on, C2 with the recloser R-MID; ``clean`` links clear C8 with nothing else."""

    def __init__(self, clean: tuple[str, ...] = (), worse_at: tuple[str, ...] = (),
                 i_load_a: float = _I_LOAD_A) -> None:
        self._cache: dict = {}
        self.clean, self.worse_at, self.i_load_a = clean, worse_at, i_load_a

    @staticmethod
    def key(changes):
        return tuple(sorted((c.key, repr(c.fields)) for c in changes))

    def findings(self, changes=()):
        link = "25K"
        for c in changes:
            link = c.new
        self._cache[self.key(changes)] = None
        mm = _MM_A[link]
        rows = [_row("F09", "C3 fuse–fuse: F-END / F-LAT", "warn", "C3",
                     -0.02 if link not in self.worse_at else -0.05, "s", 0.0,
                     device="F-END", other="F-LAT")]
        if self.i_load_a > mm / 1.5:
            rows.append(_row("F01", "C8 load pickup: F-LAT", "fail", "C8",
                             mm / 1.5 - self.i_load_a, "A", 0.0, "import peak"))
        if link in self.clean:
            return _Found(rows)
        if _I_BACKUP_A < 1.2 * mm:
            rows.append(_row("F02", "C5 sensitivity / reach: F-LAT", "warn", "C5",
                             _I_BACKUP_A / mm, "× pickup", 1.2, "SLG-a at n284244 (min)"))
        if link == "80K":
            rows.append(_row("F03", "C2 recloser–fuse: R-MID / F-LAT", "fail", "C2", -0.1,
                             "s", 0.0, device="R-MID", other="F-LAT"))
        return _Found(rows)


def _links() -> list[Change]:
    sizes = ["30K", "40K", "50K", "65K", "80K"]
    return [Change("devices", "F-LAT", "link", "25K", s, Family.FUSE_LINK,
                   (_MM_A[s] - 50.0) / 50.0) for s in sizes]


def _target(ev) -> tuple[pd.DataFrame, str]:
    cur = _active(ev.findings())
    (key,) = [k for k in cur.index if k.startswith("C8|")]
    return cur, key


def test_a_fix_that_adds_only_a_new_warning_is_offered_as_a_trade_with_its_figures():
    ev = _Ev()
    cur, target = _target(ev)
    best, _tried, why = _search(ev, [], cur, target, _links(), 14)
    # before: (None, …, "no candidate clears it without side effects (F-LAT link 25K → 50K:
    # new: C5 sensitivity / reach: F-LAT (warn))")
    assert best is not None
    change, new, cleared, side = best
    assert (change.field, change.new) == ("link", "50K")  # the smallest that clears C8
    assert target not in new.index and cleared == ["C8 load pickup: F-LAT"]
    (effect,) = side
    assert effect.startswith("new warning C5 sensitivity / reach: F-LAT (warn: worst margin ")
    assert f"{_I_BACKUP_A / 101.0:.3g} × pickup, limit 1.2, at SLG-a at n284244 (min)" \
        in effect
    # the minus U+2212 of the Summary and the gate's lines (ver39b: ASCII "-27.7")
    assert why.startswith("trade-off: fixes C8 load pickup: F-LAT (fail, worst margin "
                          f"\u2212{61.0 - 50.0 / 1.5:.3g}"
                          " A); side effect: new warning C5 sensitivity / reach: F-LAT")


def test_a_candidate_without_side_effects_is_ranked_before_a_trade():
    ev = _Ev(clean=("65K",))
    cur, target = _target(ev)
    best, _tried, why = _search(ev, [], cur, target, _links(), 14)
    assert best is not None and best[0].new == "65K" and best[3] == []
    assert not why.startswith("trade-off")


def test_a_trade_that_makes_a_warning_worse_is_offered_with_both_margins():
    """rev39a F3 (EPRI DG feeder): a ground element on recloser A clears F01's failure and
    moves the pre-existing C4 warning A/B from −0.152 to −0.176 s; it was refused outright.
    A warning made worse (still a warning) is a trade like a new warning, named with both
    margins."""
    ev = _Ev(worse_at=("50K", "65K", "80K"))  # C3 F-END / F-LAT −0.02 → −0.05 s, a warning
    cur, target = _target(ev)
    best, _tried, why = _search(ev, [], cur, target, _links(), 14)
    assert best is not None and best[0].new == "50K"
    # ver39b (the DG feeder's note read "-0.152 → -0.176 s" where the Summary and the gate
    # write "−"): U+2212, as they do
    assert "warning made worse C3 fuse–fuse: F-END / F-LAT (warn: worst margin \u22120.02 → " \
        "\u22120.05 s)" in why and why.startswith("trade-off: fixes C8 load pickup")
    assert "-0.0" not in why


def test_a_trade_that_also_makes_a_failing_finding_worse_or_costs_practice_is_refused():
    class _FailEv(_Ev):
        def findings(self, changes=()):
            f = super().findings(changes)
            f.findings.loc[f.findings.criterion == "C3", "status"] = "fail"
            return f

    ev = _FailEv(worse_at=("50K", "65K", "80K"))  # C3 a failure, −0.02 → −0.05 s
    cur, target = _target(ev)
    best, _tried, why = _search(ev, [], cur, target, _links(), 14)
    assert best is None and "worse: C3 fuse–fuse" in why
    ev = _Ev()
    cur, target = _target(ev)
    best, _tried, why = _search(ev, [], cur, target, _links(), 14, None,
                                lambda c: ["practice: slower"] if c.field == "link" else [])
    assert best is None and "practice: slower" in why


def test_a_warning_is_not_traded_for_another():
    class _WarnEv(_Ev):
        def findings(self, changes=()):
            f = super().findings(changes)
            f.findings.loc[f.findings.criterion == "C8", "status"] = "warn"
            return f

    ev = _WarnEv()
    cur, target = _target(ev)
    best, _tried, why = _search(ev, [], cur, target, _links(), 14)
    assert best is None and "new: C5 sensitivity / reach: F-LAT (warn)" in why


def test_a_new_failure_is_never_traded():
    # only 80K clears C8 (load 100 A: 80K's 160 A / 1.5 = 107 A), adding the C2 failure
    ev = _Ev(i_load_a=100.0)
    cur, target = _target(ev)
    best, _tried, why = _search(ev, [], cur, target, _links(), 14)
    assert best is None and "new: C2 recloser–fuse: R-MID / F-LAT (fail)" in why


# --- end to end on a small OpenDSS feeder where the trade exists -----------------------------
# Built for it (numbers from protv2g, then checked against OpenDSS below): a 12.47 kV feeder
# (115 kV source 1500 MVA, 12 MVA substation transformer), 3 mi of trunk to b1; a lateral off
# b1 through F-LAT (25K) with 900 kW + 300 kvar at b2 (≈ 46 A: above 25K's 50 A / 1.5 =
# 33 A, a pre-existing C8 failure; 30K's 63 A / 1.5 = 42 A still short, 40K's 80 A / 1.5 =
# 53 A clears it), 4 mi of small conductor to F-END (6K) at b3 and 18 mi more to b4, the end
# of F-LAT's backup zone: its minimum fault (SLG, 40 Ω, lines at 80 °C) ≈ 87 A = 1.73 × 25K's
# minimum melt (no C5 row) but 1.08 × 40K's (< 1.2: a new backup-zone warning), while the
# primary zone's end (b3, ≈ 146 A) stays above 1.5 × 80 A. Every larger link is worse (50K:
# a warning too; 65K: 146 / 128 < 1.5, a primary-zone failure). The depot (4 × 50 kW) is on
# another branch (b5).
_MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.trade basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200 x1r1=8 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(12000 12000) xhl=8.0 %loadloss=0.6
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Linecode.small nphases=3 r1=1.12 x1=0.80 r0=1.40 x0=2.50 units=mi
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=3 units=mi
New Line.lat phases=3 bus1=b1 bus2=b2 linecode=small length=0.3 units=mi
New Line.l2 phases=3 bus1=b2 bus2=b3 linecode=small length=4 units=mi
New Line.end phases=3 bus1=b3 bus2=b4 linecode=small length=18 units=mi
New Line.l5 phases=3 bus1=b1 bus2=b5 linecode=trunk length=1 units=mi
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=900 kvar=300
New Load.b4 bus1=b4 phases=3 kv=12.47 kw=30 kvar=10
New Load.b5 bus1=b5 phases=3 kv=12.47 kw=500 kvar=150
Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""
_STUDY = """\
name: trade
feeder: {opendss: Master.dss}
devices:
  - {name: F-LAT, kind: fuse, location: {line: lat, end: from}, link: 25K,
     interrupting_rating_ka: 10}
  - {name: F-END, kind: fuse, location: {line: end, end: from}, link: 6K,
     interrupting_rating_ka: 10}
v2g_sites:
  - {name: depot, bus: b5, n_chargers: 4, p_charger_kw: 50}
scenarios: {export_levels_fraction: [0.0, 1.0], participation: [expected],
            load_levels: [peak]}
faults: {r_fault_min_ohm: 40}
"""


def _opendss(folder, fault: bool) -> float:
    """OpenDSS in a fresh engine: F-LAT's largest phase current (A) at peak load with the
    depot charging (C8's worst: ``charging/expected``), or for an
    SLG-a of 40 Ω at b4 in the minimum case as protv2g's (every load off, IEC 60909-0:2016
    §5.1; source at 1.0 pu, c_min 1.00 on 12.47 kV; line resistances × 1 + 0.004 × (80 − 20),
    eq. 34)."""
    import numpy as np
    import opendssdirect

    master = folder / "Master.dss"
    if fault:  # the linecodes' resistances at 80 °C, before the lines read them
        hot = 1.0 + 0.004 * (80.0 - 20.0)
        text = master.read_text()
        for r in ("r1=0.306", "r0=0.775", "r1=1.12", "r0=1.40"):
            name, value = r.split("=")
            text = text.replace(f" {r} ", f" {name}={float(value) * hot:.6g} ")
        master = folder / "hot" / "Master.dss"
        master.parent.mkdir(exist_ok=True)
        master.write_text(text)
    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{master}"')
    if not fault:  # C8's peak: the depot charging (expected: 0.8 × 4 × 50 kW), as aux35's
        dss.Text.Command("new generator.site phases=3 bus1=b5.1.2.3 kv=12.47 kw=-160 pf=1 "
                         "model=1 vminpu=0.5 vmaxpu=1.5 conn=delta")
    if fault:
        dss.Text.Command("batchedit load..* enabled=no")
        dss.Text.Command("vsource.source.pu=1.0")
        dss.Text.Command("new fault.f phases=1 bus1=b4.1 bus2=b4.0 r=40")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Circuit.SetActiveElement("line.lat")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    return float(np.abs(c[0:6:2] + 1j * c[1:6:2]).max())


def test_the_trade_end_to_end_on_a_small_feeder(tmp_path):
    import re
    import warnings

    pytest = __import__("pytest")
    pytest.importorskip("opendssdirect")
    from protv2g.pipeline import fault_tables
    from protv2g.recommend.search import recommend
    from protv2g.runner import run_study
    from protv2g.scenarios import build_scenarios
    from protv2g.study.loader import load_study

    (tmp_path / "Master.dss").write_text(_MASTER)
    (tmp_path / "study.yaml").write_text(_STUDY)
    study = load_study(tmp_path / "study.yaml")
    scen = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, hosting=False)
        rec = recommend(study, fault_tables(study, scen), result.flow, scenarios=scen)
    i_load_a, i_b4_a = _opendss(tmp_path, False), _opendss(tmp_path, True)
    mm_a = {"25K": 50.0, "30K": 63.0, "40K": 80.0, "50K": 101.0}  # ANSI C37.43, 300 s
    assert mm_a["30K"] / 1.5 < i_load_a <= mm_a["40K"] / 1.5              # 40K: smallest
    assert i_b4_a >= 1.2 * mm_a["25K"] and i_b4_a < 1.2 * mm_a["40K"]     # new C5 warning
    t = rec.table()
    (row,) = t[t.title.str.startswith("C8") & t.title.str.contains("F-LAT")].itertuples()
    # before: "not cleared: no candidate clears it without side effects (F-LAT link 25K →
    # 40K: new: C5 sensitivity / reach: F-LAT (warn) | …)"
    assert row.status == "verified", row.note
    assert row.change == "F-LAT link 25K → 40K"
    assert row.margin_before == pytest.approx(mm_a["25K"] / 1.5 - i_load_a, abs=0.01)
    assert "trade-off: fixes C8" in row.note and "it adds no failure" in row.note
    (warned,) = [s for s in row.side_effects.split("; ") if s.startswith("new warning C5 ")]
    m = re.search(r"worst margin (−?-?[\d.]+) × pickup, limit 1.2, at SLG-a b4 min", warned)
    assert m, warned
    # C5's margin: the backup zone's minimum fault / the 40K's minimum melt − 1.2
    # the text's minus is U+2212 (fix40b, as the Summary's)
    assert float(m.group(1).replace("\u2212", "-")) == pytest.approx(
        i_b4_a / mm_a["40K"] - 1.2, abs=0.002)
    assert [c.new for c in rec.changes] == ["40K"]
    after = rec.after.findings
    assert set(after.status.astype(str)) == {"warn"}  # no failure left, none added


def test_a_trade_note_for_a_finding_without_a_margin_prints_none():
    """ver39b (EPRI DG feeder F01, no ground element: no margin): the note read "(fail, worst
    margin nan s)"; and it says only what the search re-checked (that run hit its limit)."""
    import numpy as np

    from protv2g.recommend.finding_search import trade_note

    note = trade_note(pd.Series({"title": "C5 reach: A", "worst_margin": np.nan,
                                 "margin_unit": "s"}), ["warning made worse C4: A / B (…)"])
    assert note.startswith("trade-off: fixes C5 reach: A (fail); side effect: warning made")
    assert "nan" not in note and "none of the candidates re-checked" in note
