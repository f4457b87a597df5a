"""C12 at a V2G site's own low-voltage bus, a bus the base case lacks: its unbalance rows take
the feeder bus's base case as their twin, its under-voltage rows the bus's idle voltage
(review rev38b W3: IEEE 37's campus_lv at 3.44 % VUF, the feeder's own at 740, was judged as if
all of it were V2G's: F04 "made worse by V2G", "worsens with export", hosting 0 kW).

The small feeder: a 12.47 kV source, 3.5 mi of trunk to ``b2`` where single-phase loads
(1300/150/200 kW on phases a/b/c) unbalance the voltage, and a depot's 1 MVA Dyn transformer
at ``b2`` with a fuse on its feeder side (a close-in stub: the transformer's HV terminal moves
to a bus only the stub reaches). References (nothing here is computed by protv2g): OpenDSS
itself in a fresh ``opendssdirect`` context, the depot a three-phase delta generator at unity
power factor (``model=1``), VUF = |V2|/|V1| of the line-to-line voltages (IEC 61000-4-30
§5.7.1, Fortescue's transform written out below).

Measured in OpenDSS (the test recomputes them): VUF at ``b2`` without the depot's transformer
3.881 %; at ``depot_lv`` with the transformer in and the depot idle 3.881 % (a Dyn transformer
passes the negative sequence as the positive one: the same ratio); 800 kW export 3.857 %
(lowers it), 800 kW charging 3.910 %.
"""

from __future__ import annotations

import cmath
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.vuf basekv=12.47 pu=1.0 phases=3 bus1=sub MVAsc3=60 MVAsc1=50 x1r1=6 x0r0=3
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=0.5 units=mi
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=trunk length=3 units=mi
New Load.a bus1=b2.1 phases=1 kv=7.2 kw=1300 kvar=400
New Load.b bus1=b2.2 phases=1 kv=7.2 kw=150 kvar=50
New Load.c bus1=b2.3 phases=1 kv=7.2 kw=200 kvar=60
Set VoltageBases=(12.47, 0.48)
CalcVoltageBases
"""
XF = """\
! the depot's 1 MVA pad-mount transformer: delta on 12.47 kV, grounded wye on 480 V
New Transformer.depot_xf phases=3 windings=2 buses=(b2, depot_lv) conns=(delta, wye)
~ kvs=(12.47, 0.48) kvas=(1000, 1000) xhl=5.75 %r=0.8
Set VoltageBases=(12.47, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: vuf
feeder: {opendss: Master.dss, redirects: [depot_xf.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 400,
     curve: IEEE-VI, time_dial: 0.5, ground_pickup_a: 100, ground_curve: IEEE-VI,
     ground_time_dial: 0.5}
  - {name: F-DEPOT, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 65K}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 8, p_charger_kw: 100, model_transformer: depot_xf}
scenarios: {export_levels_fraction: [0.0, 1.0], participation: [firm], load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""
_A = cmath.exp(2j * cmath.pi / 3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vuf")
    (out / "Master.dss").write_text(MASTER)
    (out / "depot_xf.dss").write_text(XF)
    (out / "study.yaml").write_text(STUDY)
    return out


def _vuf(bus: str) -> float:
    """|V2|/|V1| × 100 of the active circuit's line-to-line voltages at ``bus``."""
    import opendssdirect as dss

    dss.Circuit.SetActiveBus(bus)
    v = dss.Bus.Voltages()
    ph = [complex(v[2 * i], v[2 * i + 1]) for i in range(3)]
    ll = [ph[0] - ph[1], ph[1] - ph[2], ph[2] - ph[0]]
    v1 = (ll[0] + _A * ll[1] + _A * _A * ll[2]) / 3
    v2 = (ll[0] + _A * _A * ll[1] + _A * ll[2]) / 3
    return 100.0 * abs(v2) / abs(v1)


def _opendss(folder: Path, xf: bool, depot_kw: float = 0.0, bus: str = "depot_lv"
             ) -> tuple[float, float]:
    """(VUF %, lowest phase voltage pu) at ``bus`` in OpenDSS, peak load."""
    import opendssdirect as dss

    dss.Basic.ClearAll()
    dss.Text.Command(f"redirect [{folder / 'Master.dss'}]")
    if xf:
        dss.Text.Command(f"redirect [{folder / 'depot_xf.dss'}]")
        if depot_kw:
            dss.Text.Command("new generator.depot phases=3 bus1=depot_lv kv=0.48 "
                             f"kw={depot_kw} pf=1 model=1 conn=delta")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    u = _vuf(bus)
    dss.Circuit.SetActiveBus(bus)
    return u, float(min(dss.Bus.puVmagAngle()[::2]))


def test_dyn_transformer_passes_the_feeders_unbalance(folder):
    u_feeder, _ = _opendss(folder, False, bus="b2")
    u_idle, _ = _opendss(folder, True)
    assert u_feeder > 3.0  # the feeder's own, over the 3 % limit without the project
    assert u_idle == pytest.approx(u_feeder, abs=0.005)
    # export lowers it (V1 up, V2 the feeder's), charging raises it
    assert _opendss(folder, True, 800.0)[0] < u_idle - 0.01
    assert _opendss(folder, True, -800.0)[0] > u_idle + 0.01


@pytest.fixture(scope="module")
def result(folder):
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(load_study(folder / "study.yaml"))


def _site_rows(result, unit: str, bus: str = "depot_lv"):
    """C12's per-bus rows at ``bus`` in ``unit`` (the "C12 buses" table: the violation table
    keeps one row per group, the worst)."""
    v = result.tables["C12 buses"]
    return v[(v.criterion == "C12") & (v.fault_bus == bus)
             & (v.margin_unit.astype(str) == unit)].set_index("scenario")


def test_unbalance_rows_at_the_site_bus_have_the_feeder_bus_as_twin(folder, result):
    """Fails on the old code: every row there ``new`` (no base twin)."""
    u_feeder, _ = _opendss(folder, False, bus="b2")
    rows = _site_rows(result, "% VUF")
    export = rows.loc["firm/peak/100%"]
    assert 3.0 - export.margin == pytest.approx(_opendss(folder, True, 800.0)[0], abs=0.02)
    assert export.base_margin == pytest.approx(3.0 - u_feeder, abs=0.02)
    assert export.attribution == "pre-existing"  # export lowers it
    charging = rows.loc["charging/firm"]  # 800 kW charging: +0.03 points, immaterial
    assert 3.0 - charging.margin == pytest.approx(_opendss(folder, True, -800.0)[0], abs=0.02)
    assert charging.attribution == "pre-existing"
    v = result.violations
    said = v[(v.fault_bus == "depot_lv") & (v.scenario == "charging/firm")].message.astype(str)
    assert any("its feeder side (b2) is at 3.88 %" in m for m in said)
    # no row there is the project's own: each one's twin is the feeder's unbalance
    assert not (rows.attribution == "new").any()
    assert np.isfinite(rows.base_margin.to_numpy(float)).all()


def test_under_voltage_rows_at_the_site_bus_have_the_idle_voltage_as_twin(folder, result):
    """Fails on the old code: the export row ``new`` ("caused by V2G") at a bus that is as low
    with every charger idle."""
    _, v_idle = _opendss(folder, True)
    _, v_export = _opendss(folder, True, 800.0)
    assert v_idle < 0.95 and v_export > v_idle  # low idle (the feeder's), export raises it
    rows = _site_rows(result, "pu")
    rows = rows[rows.mechanism == "under-voltage"]
    export = rows.loc["firm/peak/100%"]  # still under 0.95 pu with the export
    assert 0.95 + export.margin == pytest.approx(v_export, abs=2e-3)
    assert export.attribution == "pre-existing"
    assert export.base_margin == pytest.approx(v_idle - 0.95, abs=2e-3)
    assert rows.loc["charging/firm"].attribution == "worse"  # charging lowers it by 0.02 pu
    assert not (rows.attribution == "new").any()


def test_depot_hosting_not_limited_at_its_own_bus(folder):
    """Fails on the old code: depot 0 kW, "limited by C12 (at depot_lv)"."""
    from protv2g.hosting import hosting_analysis
    from protv2g.study.loader import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = hosting_analysis(load_study(folder / "study.yaml"), participations=["firm"],
                               load_levels=["peak"], n_grid=4)
    c12 = out.by_criterion.set_index(["site", "criterion"]).loc[("depot", "C12")]
    assert str(c12.status) == "not_limited"  # (its overall figure is C1's: a fuse pair)
    assert float(c12.hosting_kw) == pytest.approx(800.0)


# --- IEEE 37 with the review's campus (review rev38b W3) -------------------------------------

CAMPUS = """\
New Transformer.campus_xf phases=3 windings=2 buses=(740, campus_lv) conns=(delta, wye)
~ kvs=(4.8, 0.48) kvas=(750, 750) xhl=5.75 %r=0.8 normhkva=750
Set voltagebases=[230, 4.8, 0.48]
Calcv
"""
STUDY37 = """\
name: ieee37-campus
feeder: {opendss: 37Bus/ieee37.dss, redirects: [campus.dss], adopt_devices: false}
devices:
  - {name: head-l35, kind: relay, location: {line: l35, end: from}, pickup_a: 730,
     curve: IEEE-MI, time_dial: 0.5, interrupting_rating_ka: 12.5}
  - {name: F-CAMPUS, kind: fuse, location: {trafo: campus_xf, side: hv}, link: 100K,
     interrupting_rating_ka: 12.0}
v2g_sites:
  - {name: campus, bus: campus_lv, model_transformer: campus_xf, n_chargers: 12,
     p_charger_kw: 50, s_charger_kva: 50, limit_pu: 1.5}
scenarios: {export_levels_fraction: [0.0, 0.5, 1.0], participation: [expected, firm],
            load_levels: [light, peak], light_load_fraction: 0.3}
faults: {method: iec60909, r_fault_min_ohm: 20}
"""


@pytest.fixture(scope="module")
def i37(shared_dir, tmp_path_factory):
    from tests.conftest import need_dss_master

    master = need_dss_master(shared_dir / "feeders" / "opendss" / "37Bus" / "ieee37.dss")
    folder = tmp_path_factory.mktemp("i37vuf")
    shutil.copytree(master.parent, folder / "37Bus")
    shutil.copy(master.parent.parent / "IEEELineCodes.DSS", folder / "IEEELineCodes.DSS")
    (folder / "campus.dss").write_text(CAMPUS)
    (folder / "study.yaml").write_text(STUDY37)
    return folder


def _i37_vuf(folder: Path, campus: bool, kw: float = 0.0) -> float:
    import opendssdirect as dss

    dss.Basic.ClearAll()
    dss.Text.Command(f"compile [{folder / '37Bus' / 'ieee37.dss'}]")
    if campus:
        dss.Text.Command(f"redirect [{folder / 'campus.dss'}]")
        if kw:
            dss.Text.Command(f"new generator.campus bus1=campus_lv phases=3 kv=0.48 kw={kw} "
                             "pf=1 model=1")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    return _vuf("campus_lv" if campus else "740")


def test_ieee37_campus_unbalance_is_the_feeders(i37):
    """Fails on the old code: the campus_lv rows ``new`` / "made worse by V2G" and the
    campus's peak hosting 0 kW limited by C12 at campus_lv."""
    from protv2g.hosting import hosting_analysis
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    u740 = _i37_vuf(i37, False)
    assert u740 > 3.0
    assert _i37_vuf(i37, True) == pytest.approx(u740, abs=0.005)  # idle: passed through
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(i37 / "study.yaml")
        res = run_study(study)
    rows = _site_rows(res, "% VUF", "campus_lv")
    assert len(rows)
    assert rows.base_margin.to_numpy(float) == pytest.approx(3.0 - u740, abs=0.01)
    charging = rows.loc["charging/firm"]
    assert charging.attribution == "worse"  # made worse by the charging
    export = rows.loc["firm/peak/50%"]
    assert export.attribution == "pre-existing"
    assert 3.0 - export.margin == pytest.approx(_i37_vuf(i37, True, 300.0), abs=0.02)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = hosting_analysis(study, participations=["expected"], load_levels=["peak"],
                               n_grid=4, max_rounds=2)
    row = out.table.set_index("site").loc["campus"]
    assert float(row.hosting_kw) == pytest.approx(480.0, abs=1.0)  # the axis's whole export
