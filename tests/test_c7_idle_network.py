"""C7's network part on feeder rows the project's own grounded-wye transformer changes
(review rev37b F2).

A site's ``model_transformer`` with a grounded-wye winding on the feeder side (YNd) is a
zero-sequence source: with every charger idle it raises the ground-fault current through
the feeder's devices. Before, C7's IEC 60909 split took the **base case's** phasor (no
project) as the network's part of every row with a base twin, so the transformer's infeed
was counted as the chargers' (``I − I_base``) and the fault-level change "caused by V2G"
(IEEE 34, F-818 close-in SLG-a max: network 0.2885 kA = the base row's, "+14.8 %", of which
the depot's YNd alone makes about half). Now the network's part is the chargers-idle solve
of the same model (``I_idle``) and the change is split into the project's equipment's
(``I_idle / I_base``) and the chargers' (``I_iec / I_idle``).

References (nothing here is computed by protv2g):

* hand calculations written out in the unit tests;
* OpenDSS in a fresh ``opendssdirect`` context on the feeder of
  ``tests/test_dss_site_transformer.py`` (its MASTER and 2 MVA YNd depot transformer at b2)
  with a single-phase lateral ``l4`` from b2.1 and its fuse F-4: the fuse's close-in
  position emulated by moving ``l4``'s bus1 behind a 1e-4 Ω stub from b2, loads off,
  controls off, the source at ``pu = 1.1`` (IEC 60909 ``c_max`` on MV), a bolted SLG-a
  ``Fault`` at the stub's end, the stub's current: 1735.3 A without the transformer, 2602.8 A
  with it and no charger (+50 %); the depot's chargers' own part by superposition (source
  at ``pu = 1e-9``, the group an ``Isource`` of its first-cycle limit at depot_lv).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.converter_sum import split_against_base, split_currents
from protv2g.checks.duty_rows import worst_rows

FRAC = 0.10


def _phasor(ka: float, deg: float) -> complex:
    return ka * np.exp(1j * np.deg2rad(deg))


def _frame(with_idle: bool = True, der: bool = False) -> pd.DataFrame:
    """A base row and a V2G row of one single-phase device (phase a) at one fault."""
    rows = [
        {"scenario": "base", "device": "F", "fault_bus": 7, "fault_type": "SLG-a",
         "case": "max", "ia_ka": 0.2885, "ia_degree": -64.0},
        {"scenario": "v2g", "device": "F", "fault_bus": 7, "fault_type": "SLG-a",
         "case": "max", "ia_ka": 0.3156, "ia_degree": -57.7},
    ]
    f = pd.DataFrame(rows)
    for p in "bc":
        f[f"i{p}_ka"] = np.nan
        f[f"i{p}_degree"] = np.nan
    if with_idle:  # the chargers-idle solve with the site's YNd in (base row: none)
        f["ia_idle_ka"] = [np.nan, 0.3070]
        f["ia_idle_degree"] = [np.nan, -62.6]
        for p in "bc":
            f[f"i{p}_idle_ka"] = np.nan
            f[f"i{p}_idle_degree"] = np.nan
    if der:  # grid alone: without the equipment (every row), with it (idle rows)
        f["ia_grid_ka"] = [0.2500, 0.2500]
        f["ia_grid_degree"] = [-70.0, -70.0]
        f["ia_idle_grid_ka"] = [np.nan, 0.2700]
        f["ia_idle_grid_degree"] = [np.nan, -68.0]
        for p in "bc":
            for c in ("grid_ka", "grid_degree", "idle_grid_ka", "idle_grid_degree"):
                f[f"i{p}_{c}"] = np.nan
    return f


BASE_OF = {"base": "base", "v2g": "base"}
KEYS = ["fault_bus", "fault_type", "case", "device"]


def test_network_part_is_the_chargers_idle_phasor_where_the_row_has_one():
    """Hand calculation (phase a, kA):

    I      = 0.3156 ∠−57.7°,  I_base = 0.2885 ∠−64.0°,  I_idle = 0.3070 ∠−62.6°
    I − I_idle: 0.3156·(cos −57.7°, sin −57.7°) = (0.16862, −0.26678)
                0.3070·(cos −62.6°, sin −62.6°) = (0.14126, −0.27254)
                difference (0.02736, 0.00576) → |·| = 0.02796
    I_iec = 0.3070 + 0.02796 = 0.33496 (before: |I_base| + |I − I_base| = 0.2885 + 0.0430).
    """
    i, i_idle = _phasor(0.3156, -57.7), _phasor(0.3070, -62.6)
    conv = abs(i - i_idle)
    assert conv == pytest.approx(0.02796, abs=5e-5)
    for rows in (None, np.array([1])):
        s = split_against_base(_frame(), KEYS, BASE_OF, rows=rows)
        k = -1
        assert s.basis[k] == "iec_sum"
        assert s.i_network_ka[k] == pytest.approx(0.3070, rel=1e-12)  # was 0.2885
        assert s.i_converter_ka[k] == pytest.approx(conv, rel=1e-9)
        assert s.i_iec_sum_ka[k] == pytest.approx(0.3070 + conv, rel=1e-9)
        assert s.i_idle_ka[k] == pytest.approx(0.3070, rel=1e-12)
    # the base row itself and a part without the equipment: the base twin, as before
    s = split_against_base(_frame(), KEYS, BASE_OF)
    assert s.i_network_ka[0] == pytest.approx(0.2885) and np.isnan(s.i_idle_ka[0])
    s = split_against_base(_frame(with_idle=False), KEYS, BASE_OF)
    assert s.i_network_ka[1] == pytest.approx(0.2885, rel=1e-12)
    assert s.i_converter_ka[1] == pytest.approx(abs(i - _phasor(0.2885, -64.0)), rel=1e-9)
    assert np.isnan(s.i_idle_ka[1])


def test_existing_der_splits_against_the_idle_grid_alone():
    """With existing DER: |I_idle_grid| + |I_idle − I_idle_grid| + |I − I_idle| (the grid
    alone with the equipment in, the existing DER's part, the chargers')."""
    i, idle, ig = _phasor(0.3156, -57.7), _phasor(0.3070, -62.6), _phasor(0.2700, -68.0)
    want = abs(ig) + abs(idle - ig) + abs(i - idle)
    s = split_against_base(_frame(der=True), KEYS, BASE_OF)
    assert s.i_iec_sum_ka[1] == pytest.approx(want, rel=1e-9)
    assert s.i_network_ka[1] == pytest.approx(0.2700, rel=1e-12)
    assert s.i_idle_ka[1] == pytest.approx(abs(ig) + abs(idle - ig), rel=1e-9)
    # split_currents' own: the idle flag only labels the figure
    d = split_currents([[i]], [[idle]], [True], [[ig]], idle=[True])
    assert d.i_iec_sum_ka[0] == pytest.approx(want, rel=1e-12)


def test_worst_rows_carry_the_groups_largest_idle_current():
    f = _frame()
    extra = f.iloc[[1]].assign(fault_bus=8, ia_ka=0.1000, ia_idle_ka=0.0900)
    f = pd.concat([f, extra], ignore_index=True)
    w = worst_rows(f, BASE_OF)
    v = w[w.scenario == "v2g"].iloc[0]
    assert v.i_idle_ka == pytest.approx(0.3070, rel=1e-12)
    assert v.i_network_ka == pytest.approx(0.3070, rel=1e-12)
    assert np.isnan(w[w.scenario == "base"].iloc[0].i_idle_ka)


def test_change_shares_attribute_each_cause():
    from protv2g.checks.duty_rows import change_shares

    # IEEE 34 F-818 (rev37b F2, figures of the tool): I_iec 0.334876 on the idle network
    # 0.307019, base 0.288450: chargers +9.07 %, equipment +6.44 %: neither crosses 10 %
    rv, re, v2g, eq = change_shares(np.array([0.334876, 2.671419, 0.40, 0.40]),
                                    np.array([0.307019, 2.598908, 0.32, np.nan]),
                                    np.array([0.288450, 1.736278, 0.30, 0.30]), FRAC)
    assert rv[0] == pytest.approx(0.334876 / 0.307019 - 1.0)
    assert re[0] == pytest.approx(0.307019 / 0.288450 - 1.0)
    assert not v2g[0] and not eq[0]
    assert eq[1] and not v2g[1]  # the equipment's +49.7 %, the chargers' +2.8 %
    assert v2g[2] and not eq[2]  # the chargers' +25 %: V2G's
    assert v2g[3] and np.isnan(re[3])  # no idle figure: against the base, as before


# --- end to end on a small OpenDSS feeder --------------------------------------------------

pytest.importorskip("opendssdirect")

LATERAL = """\
New Linecode.lat nphases=1 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l4 phases=1 bus1=b2.1 bus2=b4.1 linecode=lat length=1 units=mi
New Load.b4 bus1=b4.1 phases=1 kv=7.2 kw=200 kvar=60
"""
STUDY = """\
name: xft7
feeder: {opendss: Master.dss, redirects: [depot_xf.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 400,
     curve: IEEE-VI, time_dial: 0.5, ground_pickup_a: 100, ground_curve: IEEE-VI,
     ground_time_dial: 0.5, interrupting_rating_ka: 20}
  - {name: F-4, kind: fuse, location: {line: l4, end: from}, link: 65K,
     interrupting_rating_ka: 10}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 10, p_charger_kw: 100, s_charger_kva: 100,
     limit_pu: 1.5, model_transformer: depot_xf}
scenarios: {export_levels_fraction: [1.0], participation: [firm], load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""
FIRM = "firm/peak/100%"
DEPOT_A = 10 * 100e3 * 1.5 / (3 ** 0.5 * 480)  # the depot's first-cycle limit, 1804.2 A


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    from .test_dss_site_transformer import MASTER, XF

    out = tmp_path_factory.mktemp("c7idle")
    (out / "Master.dss").write_text(MASTER.replace("Set VoltageBases", LATERAL
                                                   + "Set VoltageBases", 1))
    (out / "depot_xf.dss").write_text(XF)
    (out / "study.yaml").write_text(STUDY)
    return out


@pytest.fixture(scope="module")
def result(folder):
    from protv2g import load_study, run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(load_study(folder / "study.yaml"), hosting=False)


def _opendss_fuse_a(folder: Path, xf: bool, extra: tuple[str, ...] = ()) -> complex:
    """The module docstring's OpenDSS run: F-4's current (A) for a bolted SLG-a at its
    close-in position, with or without the depot's YNd, no charger unless ``extra``."""
    import opendssdirect

    d = opendssdirect.NewContext()
    d.Text.Command("clear")
    d.Text.Command(f'compile "{folder / "Master.dss"}"')
    if xf:
        d.Text.Command(f'redirect "{folder / "depot_xf.dss"}"')
    d.Text.Command("edit Line.l4 bus1=b2x.1")
    d.Text.Command("New Line.stub phases=1 bus1=b2.1 bus2=b2x.1 r1=1e-4 x1=0 r0=1e-4 x0=0 "
                   "c1=0 c0=0 length=1 units=none")
    d.Text.Command("batchedit load..* enabled=no")
    d.Text.Command("edit Vsource.source pu=1.1")
    for c in extra:
        d.Text.Command(c)
    d.Text.Command("New Fault.f bus1=b2x.1.0 phases=1 r=0.0001")
    d.Text.Command("set mode=snapshot")
    d.Text.Command("set controlmode=off")
    d.Solution.Solve()
    d.Circuit.SetActiveElement("Line.stub")
    c = np.asarray(d.CktElement.Currents(), dtype=float)
    return complex(c[0], c[1])


def _duty_row(result) -> pd.Series:
    d = result.tables["Device duty"]
    return d[(d.device.astype(str) == "F-4") & (d.scenario.astype(str) == FIRM)
             & (d.case.astype(str) == "max")].iloc[0]


def test_network_part_is_opendss_chargers_idle_current(result, folder):
    r = _duty_row(result)
    assert str(r.fault_bus) == "f-4 close-in" and str(r.fault_type) == "SLG-a"
    assert str(r.current_basis) == "iec_sum"
    base = abs(_opendss_fuse_a(folder, xf=False))  # 1735.3 A
    idle = abs(_opendss_fuse_a(folder, xf=True))  # 2602.8 A
    assert r.i_base_ka * 1e3 == pytest.approx(base, rel=5e-3)  # 1736.3 A
    # was the base case's 1736.3 A (the YNd's infeed counted as the chargers')
    assert r.i_network_ka * 1e3 == pytest.approx(idle, rel=5e-3)  # 2598.9 A
    assert r.i_idle_ka * 1e3 == pytest.approx(idle, rel=5e-3)
    # the chargers' part: at most their own current through the fuse (OpenDSS by
    # superposition, the group at its first-cycle limit), and not far below it
    group = abs(_opendss_fuse_a(folder, xf=True, extra=(
        "edit Vsource.source pu=1e-9",
        f"New Isource.d bus1=depot_lv phases=3 amps={DEPOT_A:.3f} angle=0")))
    assert 0.5 * group <= r.i_converter_ka * 1e3 <= group * (1 + 1e-3)
    assert r.i_max_ka == pytest.approx(r.i_network_ka + r.i_converter_ka, rel=1e-12)


def test_fault_level_change_is_the_project_equipments(result):
    """+50 % from the YNd with every charger idle, +3 % from the chargers: a C7 change row
    "caused by the project's equipment", none "caused by V2G" (before: one ``new`` row,
    +54 % against the base case)."""
    v = result.violations
    c7 = v[(v.criterion.astype(str) == "C7") & (v.device.astype(str) == "F-4")
           & (v.mechanism.astype(str) == "fault-level change against no V2G")]
    assert len(c7) == 1
    row = c7.iloc[0]
    assert str(row.attribution) == "equipment"
    assert str(row.status) == "warn"
    assert "the project's equipment (depot's transformer depot_xf (YNd))" in str(row.message)
    r = _duty_row(result)
    assert r.i_idle_ka / r.i_base_ka - 1.0 > 0.4
    assert r.i_max_ka / r.i_idle_ka - 1.0 < FRAC
    assert str(r.severity) == "warn"


def _opendss_bus_fault_a(folder: Path, xf: bool) -> float:
    """|I| (A) of a bolted SLG-a at b2 (OpenDSS, as :func:`_opendss_fuse_a`, no stub)."""
    import opendssdirect

    d = opendssdirect.NewContext()
    d.Text.Command("clear")
    d.Text.Command(f'compile "{folder / "Master.dss"}"')
    if xf:
        d.Text.Command(f'redirect "{folder / "depot_xf.dss"}"')
    d.Text.Command("batchedit load..* enabled=no")
    d.Text.Command("edit Vsource.source pu=1.1")
    d.Text.Command("New Fault.f bus1=b2.1.0 phases=1 r=0.0001")
    d.Text.Command("set mode=snapshot")
    d.Text.Command("set controlmode=off")
    d.Solution.Solve()
    d.Circuit.SetActiveElement("Fault.f")
    c = np.asarray(d.CktElement.Currents(), dtype=float)
    return abs(complex(c[0], c[1]))


def test_bus_fault_level_splits_against_the_chargers_idle_network(result, folder):
    """The Fault currents table's IEC sum at a feeder bus the YNd feeds: its network part
    is the chargers-idle fault current (OpenDSS 2.6x the…: +~50 % over the base case's)."""
    fc = result.fault_currents
    r = fc[(fc.bus_name.astype(str) == "b2") & (fc.scenario.astype(str) == FIRM)
           & (fc.fault_type.astype(str) == "SLG-a") & (fc.case.astype(str) == "max")].iloc[0]
    idle = _opendss_bus_fault_a(folder, xf=True)
    assert idle > 1.3 * _opendss_bus_fault_a(folder, xf=False)
    assert r.ia_idle_ka * 1e3 == pytest.approx(idle, rel=5e-3)
    i = _phasor(r.ia_ka, r.ia_degree)
    net = _phasor(r.ia_idle_ka, r.ia_idle_degree)
    assert r.ikss_iec_sum_ka == pytest.approx(abs(net) + abs(i - net), rel=1e-9)
