"""A fault V2G leaves uncleared is caused by V2G, though both margins are −∞ (review rev35b W3).

IEEE 123, rc67 / f107 (40K), SLG-a at 109 (20 Ω, min case): without V2G f107 carries 116 A
and clears the fault alone (C2 "fuse saving: fault not seen by recloser", a ``warn``, margin
−∞: rc67 never operates); with the homes behind f107 exporting 100 % its current falls to
71–80 A, below the 40K link's maximum-melt asymptote, and nothing clears the fault (C2 "cleared
by neither fuse nor recloser", ``fail``, margin −∞, keyed as the same fuse-saving rule). The
attribution compared −∞ with −∞ and said "pre-existing"; re-run without the homes there is no
such row at all. Rule (:mod:`protv2g.checks.attribution_state`): against a twin at −∞ the
failure states are compared — a ``fail`` whose twin is a ``warn`` is ``new``.

The feeder test reproduces the case on a small OpenDSS feeder (a 1-phase 4.16 kV lateral with
a 40K fuse behind a recloser with a 140 A ground minimum trip, 10 home chargers at its end)
and checks the fuse currents against OpenDSS (``Fault`` r = 20 Ω; the chargers as an
``Isource`` in phase with the site bus's voltage, iterated; the lines' R at 80 °C, × 1.24, as
the IEC 60909 minimum case takes them) and the link's curve (ANSI C37.43 / EEI-NEMA 40K:
melting current at 300 s 80–96 A, recalled; the library's maximum-melt asymptote 95.2 A).
"""

from __future__ import annotations

import cmath
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.checks.attribution_state import absent_in_twin

BASE, V2G = "base/light", "firm/light/100%"
KEY = {"criterion": "C2", "fault_bus": "109", "fault_type": "SLG-a", "case": "min",
       "device": "rc67", "other_device": "f107", "margin_unit": "s", "rule": "fuse_saving_k",
       "tolerance": 0.0, "attribution": "", "message": "m"}


def _row(scenario: str, status: str, mechanism: str, margin: float) -> dict:
    return {**KEY, "scenario": scenario, "status": status, "mechanism": mechanism,
            "margin": margin}


NOT_SEEN = "not seen by recloser"
NEITHER = "cleared by neither fuse nor recloser"


def test_a_failure_absent_from_a_twin_at_minus_infinity_is_new():
    v = attribute(pd.DataFrame([_row(BASE, "warn", NOT_SEEN, -np.inf),
                                _row(V2G, "fail", NEITHER, -np.inf)]),
                  {BASE: BASE, V2G: BASE})
    assert v.attribution.tolist() == ["pre-existing", "new"]
    assert np.isneginf(v.base_margin.iloc[1])
    assert str(v.message.iloc[1]).endswith(
        "; without V2G this row is a warn (not seen by recloser), its margin −∞ too (the "
        "margins compare nothing): this fail (cleared by neither fuse nor recloser) is absent "
        "without V2G — caused by V2G")


def test_the_same_failure_or_a_milder_one_against_minus_infinity_stays_pre_existing():
    # the same failure without V2G (neither clears there either): V2G cannot lower −∞
    v = attribute(pd.DataFrame([_row(BASE, "fail", NEITHER, -np.inf),
                                _row(V2G, "fail", NEITHER, -np.inf)]),
                  {BASE: BASE, V2G: BASE})
    assert v.attribution.tolist() == ["pre-existing", "pre-existing"]
    # not seen with and without V2G: the same warning
    v = attribute(pd.DataFrame([_row(BASE, "warn", NOT_SEEN, -np.inf),
                                _row(V2G, "warn", NOT_SEEN, -np.inf)]),
                  {BASE: BASE, V2G: BASE})
    assert v.attribution.tolist() == ["pre-existing", "pre-existing"]
    assert str(v.message.iloc[1]) == "m"
    # a milder state with V2G than without
    v = attribute(pd.DataFrame([_row(BASE, "fail", NEITHER, -np.inf),
                                _row(V2G, "warn", NOT_SEEN, -np.inf)]),
                  {BASE: BASE, V2G: BASE})
    assert v.attribution.tolist() == ["pre-existing", "pre-existing"]


def test_a_finite_twin_is_compared_by_margins_as_before():
    # a failing base with a finite margin: −∞ with V2G is worse, not new
    v = attribute(pd.DataFrame([_row(BASE, "fail", "not saved without V2G", -2.0),
                                _row(V2G, "fail", NEITHER, -np.inf)]),
                  {BASE: BASE, V2G: BASE})
    assert v.attribution.tolist() == ["pre-existing", "worse"]
    twin = np.array([-1, 0])
    assert not absent_in_twin(v, twin, np.array([np.nan, -2.0])).any()


def test_a_check_that_set_the_attribution_keeps_it():
    rows = pd.DataFrame([_row(BASE, "warn", NOT_SEEN, -np.inf),
                         _row(V2G, "fail", NEITHER, -np.inf)])
    rows.loc[1, "attribution"] = "pre-existing"
    v = attribute(rows, {BASE: BASE, V2G: BASE})
    assert v.attribution.tolist() == ["pre-existing", "pre-existing"]
    assert str(v.message.iloc[1]) == "m"


# --- the small feeder ---------------------------------------------------------------------

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.lat basekv=4.16 pu=1.0 phases=3 bus1=src MVAsc3=70 MVAsc1=65 x1r1=8 x0r0=8
New Linecode.trunk nphases=3 r1=0.19 x1=0.41 r0=0.60 x0=1.35 c1=0 c0=0 units=km
New Linecode.lat1 nphases=1 r1=0.80 x1=0.50 r0=0.80 x0=0.50 c1=0 c0=0 units=km
New Line.trunk bus1=src bus2=b1 linecode=trunk length=1.5 units=km
New Line.lat bus1=b1.1 bus2=b2.1 phases=1 linecode=lat1 length=0.3 units=km
New Line.lat2 bus1=b2.1 bus2=b3.1 phases=1 linecode=lat1 length=0.3 units=km
New Load.trunk bus1=b1 phases=3 kv=4.16 kw=600 pf=0.95 model=1
New Load.home bus1=b3.1 phases=1 kv=2.402 kw=20 pf=0.95 model=1
Set VoltageBases=(4.16)
CalcVoltageBases
Solve
"""

STUDY = """\
name: lateral-c2
feeder:
  opendss: master.dss
devices:
  - name: rc
    kind: recloser
    location: {line: trunk, end: from}
    phase_min_trip_a: 280
    ground_min_trip_a: 140
    fast_curve: "101"
    delayed_curve: "117"
    ground_fast_curve: "101"
    ground_delayed_curve: "117"
    n_fast: 1
    n_delayed: 3
    reclose_intervals_s: [3.5, 15, 30]
    interrupting_rating_ka: 12.5
  - name: f
    kind: fuse
    location: {line: lat, end: from}
    link: 40K
    interrupting_rating_ka: 8
    interrupting_rating_basis: asym
v2g_sites:
  - name: homes
    bus: b3
    phases: 1
    phase: a
    n_chargers: 10
    p_charger_kw: 7.2
    s_charger_kva: 7.6
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [light]
faults:
  method: iec60909
  fault_types: [SLG]
  cases: [min]
  r_fault_min_ohm: 20
"""
#: The lines' resistance per km (trunk r1, r0; lateral) and the IEC 60909 minimum case's
#: factor at 80 °C (1 + 0.004 × (80 − 20), IEC 60909-0:2016 eq. 34, copper/aluminium ≈ 0.004).
_LINES = {"trunk": (0.19, 0.60), "lat": (0.80, 0.80), "lat2": (0.80, 0.80)}
_R80 = 1.24
#: The homes' first-cycle current: 10 × 7.6 kVA × 1.5 pu on 2.4018 kV (line to neutral).
_SITE_FIRST_A = 10 * 7.6 * 1.5 / (4.16 / math.sqrt(3.0))


def _opendss_fuse_a(folder, bus: str, site: str | None) -> float:
    """OpenDSS: the fuse's current (A) for a 20 Ω SLG-a fault at ``bus``, loads off, lines
    at 80 °C; ``site``: ``"first"`` (the homes at 1.5 pu) or ``"sustained"`` (active-power
    priority P / |V|, within 1.1 pu), an Isource in phase with the site bus's phase-a
    voltage (iterated)."""
    import opendssdirect as dss

    dss.Text.Command("Clear")
    dss.Text.Command(f"Redirect {folder / 'master.dss'}")
    for name, (r1, r0) in _LINES.items():
        dss.Text.Command(f"Edit Line.{name} r1={r1 * _R80} r0={r0 * _R80} units=km")
    dss.Text.Command("Edit Load.trunk enabled=no")
    dss.Text.Command("Edit Load.home enabled=no")
    dss.Text.Command(f"New Fault.f bus1={bus}.1 phases=1 r=20")
    amps, angle = _SITE_FIRST_A, 0.0
    if site is not None:
        dss.Text.Command(f"New Isource.s bus1=b3.1 phases=1 amps={amps} angle=0")
    for _ in range(50):
        dss.Text.Command("Solve mode=snap")
        if site is None:
            break
        dss.Circuit.SetActiveBus("b3")
        re, im = dss.Bus.Voltages()[:2]
        v = complex(re, im)
        if site == "sustained":
            amps = min(72_000.0 / abs(v), _SITE_FIRST_A / 1.5 * 1.1)
        new = math.degrees(cmath.phase(v))
        if abs(new - angle) < 1e-7:
            break
        angle = new
        dss.Text.Command(f"Edit Isource.s amps={amps} angle={angle}")
    dss.Circuit.SetActiveElement("Line.lat")
    return float(dss.CktElement.CurrentsMagAng()[0])


@pytest.fixture(scope="module")
def feeder(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    d = tmp_path_factory.mktemp("c2_no_margin")
    (d / "master.dss").write_text(MASTER, encoding="utf-8")
    (d / "study.yaml").write_text(STUDY, encoding="utf-8")
    from protv2g import load_study
    from protv2g.report.derived import result_findings
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(d / "study.yaml"), hosting=False)
    return d, r, result_findings(r).findings


def test_feeder_currents_agree_with_opendss_and_straddle_the_links_curve(feeder):
    d, r, _ = feeder
    from protv2g.checks.fuse_melt_text import guaranteed_melt_a
    from protv2g.devices.models import Fuse

    c2 = r.violations[r.violations.criterion == "C2"]
    # the library's 40K maximum-melt asymptote (EEI-NEMA: 96 A max melt at 300 s)
    assert guaranteed_melt_a(Fuse(name="f", link="40K")) == pytest.approx(95.2, abs=0.1)
    for bus in ("b2", "b3"):
        base = c2[(c2.scenario == BASE) & (c2.fault_bus == bus)]
        v2g = c2[(c2.scenario == V2G) & (c2.fault_bus == bus)]
        assert len(base) == 1 and len(v2g) == 1
        i_base, i_v2g = float(base.i_other_a.iloc[0]), float(v2g.i_other_a.iloc[0])
        # OpenDSS: b2 114.41 A without V2G, 69.25 A with the homes' first cycle
        assert i_base == pytest.approx(_opendss_fuse_a(d, bus, None), rel=0.005)
        assert i_v2g == pytest.approx(_opendss_fuse_a(d, bus, "first"), rel=0.005)
        # without V2G above the current at which the 40K surely melts, with V2G below it in
        # the first cycle and in the sustained stage (OpenDSS ≈ 84 A)
        assert i_base > 96.0
        assert i_v2g < 80.0
        assert _opendss_fuse_a(d, bus, "sustained") < 95.2
        # the recloser sees 3I0 = the lateral's current, below its 140 A ground minimum trip
        assert float(base.i_device_a.iloc[0]) < 140.0


def test_feeder_fault_left_uncleared_by_v2g_is_caused_by_v2g(feeder):
    _, r, findings = feeder
    c2 = r.violations[r.violations.criterion == "C2"]
    base, v2g = c2[c2.scenario == BASE], c2[c2.scenario == V2G]
    assert set(base.status) == {"warn"} and set(base.mechanism) == {NOT_SEEN}
    assert set(v2g.status) == {"fail"} and set(v2g.mechanism) == {NEITHER}
    assert np.isneginf(v2g.margin.astype(float)).all()
    assert np.isneginf(v2g.base_margin.astype(float)).all()
    # was "pre-existing" (−∞ against −∞)
    assert set(v2g.attribution) == {"new"}
    assert all("this fail (cleared by neither fuse nor recloser) is absent without V2G"
               in str(m) for m in v2g.message)
    f = findings[(findings.criterion == "C2")]
    neither = f[f.title.astype(str).str.contains("cleared by neither")]
    assert len(neither) == 1 and neither.attribution.iloc[0] == "caused by V2G"
    assert neither.status.iloc[0] == "fail"
    seen = f[f.title.astype(str).str.contains("not seen by recloser")]
    assert seen.attribution.tolist() == ["pre-existing"]


def test_the_hosting_search_reads_a_new_row_without_margin_silently():
    # `protv2g hosting --site homes` on IEEE 123 printed "note: invalid value encountered in
    # subtract" once the rows were new: V2G's worsening −∞ − (−∞) has no number (NaN)
    from protv2g.hosting.limits import worsening

    rows = pd.DataFrame({"base_margin": [-np.inf, -2.0], "margin": [-np.inf, -3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        delta, share = worsening(rows)
    assert np.isnan(delta[0]) and np.isnan(share[0])
    assert delta[1] == pytest.approx(1.0) and share[1] == pytest.approx(0.5)
