"""The chargers' stages in time on the OpenDSS (phase-domain) path (#15/#16).

(a) On the balanced feeder that exists in both forms (``test_phase_sequence.py``), the staged
    device currents and the sites' trip instants of the phase path equal the sequence path's
    (within 0.5 % of the largest current of the fault, times within 0.5 %).
(b) A single-phase site on an IEEE 13 lateral phase ceases on its own phase's voltage;
    property: cessation ⇒ zero current on that phase in the sustained stage.
(c) An OpenDSS study's operate times through the stages equal the first-cycle-held ones only
    where every stage carries the first cycle's current.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine import ChargerSource, DeviceTerminal, fault_study  # noqa: E402
from protv2g.engine.phase import PhaseDevice, PhaseSite, phase_fault_study  # noqa: E402
from protv2g.engine.ride_through import trip_elements  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.units import Case, ChargerLaw, Method  # noqa: E402
from tests.test_phase_sequence import DEVICES, LINES, R_FAULT_OHM, _nets  # noqa: E402

REL = 0.005
COMBO = {"3ph": "abc", "LL": "bc", "SLG": "a", "LLG": "bc"}


def _sources(high: bool = False):
    """Two three-phase sites: Category III (momentary cessation below 0.5 pu, UV2 0.50 pu /
    2 s) active priority, and Category II (UV2 0.45 pu / 0.16 s, UV1 0.70 pu / 10 s)
    reactive priority; sustained limits 1.1 pu (``high``: 1.5 pu, the first-cycle limit)."""
    sus = 1.5 if high else 1.1
    return [("site3", "b3", 2.0, dict(limit_pu=1.5, sustained_limit_pu=sus, p_pre_mw=1.5,
                                      law=ChargerLaw.ACTIVE_PRIORITY,
                                      trip=trip_elements("III"), cessation_below_pu=0.5)),
            ("site5", "b5", 1.0, dict(limit_pu=1.5, sustained_limit_pu=sus, p_pre_mw=0.5,
                                      law=ChargerLaw.REACTIVE_PRIORITY,
                                      trip=trip_elements("II")))]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    net, bus, path = _nets(True, tmp_path_factory.mktemp("stages"))
    line = {n: int(i) for i, n in net.line.name.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seq = fault_study(net, method=Method.CLASSICAL, cases=[Case.MAX],
                          r_fault_ohm=R_FAULT_OHM,
                          scenarios={"v2g": [ChargerSource(n, bus[b], s, **kw)
                                             for n, b, s, kw in _sources()]},
                          devices=[DeviceTerminal(d, "line", line[ln], bus[at])
                                   for d, ln, at in DEVICES], staged=True)
    ph = phase_fault_study(
        load_dss_model(path), method=Method.CLASSICAL, cases=[Case.MAX],
        r_fault_ohm=R_FAULT_OHM, secondaries=True,
        scenarios={"v2g": [PhaseSite(ChargerSource(n, -1, s, **kw), b)
                           for n, b, s, kw in _sources()]},
        high_bracket={"v2g": [PhaseSite(ChargerSource(n, -1, s, **kw), b)
                              for n, b, s, kw in _sources(high=True)]},
        devices=[PhaseDevice(d, f"line.{ln}", 1 if LINES[ln][0] == at else 2)
                 for d, ln, at in DEVICES], staged=True, first_cycle_s=1 / 60)
    return seq, ph


def test_staged_device_currents_agree(both):
    seq, ph = both
    sd = seq.staged.device
    table = ph.device.reset_index(drop=True)
    st = ph.staged_currents("low")
    assert st.n_rows == len(table)
    key = {(r.device, r.fault_bus_name, r.fault_type, r.phase): i
           for i, r in enumerate(table.itertuples())}
    n_stages = 0
    for r in sd.itertuples():
        row = key[(r.device, r.fault_bus_name, r.fault_type, COMBO[r.fault_type])]
        got = st.i_a[r.stage, row]
        want = 1e3 * np.array([r.ia_ka, r.ib_ka, r.ic_ka, r.i3i0_ka])
        scale = max(want[:3].max(), 1.0)
        assert np.abs(got - want).max() <= REL * scale, (r, got, want)
        t0, t1 = st.times_s(np.array([row]))
        for a, b in ((t0[r.stage, 0], r.t_start_s), (t1[r.stage, 0], r.t_end_s)):
            assert (a == b == np.inf) or abs(a - b) <= REL * b, (r, a, b)
        n_stages = max(n_stages, r.stage)
    assert n_stages >= 2  # at least one fault with a trip


def test_site_trip_times_agree(both):
    seq, ph = both
    ss = seq.staged.sites
    ps = ph.staged_currents("low").sites
    assert set(ps.site_phases) == {"abc"}
    finite = 0
    for r in ss.itertuples():
        p = ps[(ps.site == r.site) & (ps.fault_bus_name == r.fault_bus_name)
               & (ps.fault_type == r.fault_type) & (ps.phase == COMBO[r.fault_type])]
        assert len(p) == 1
        p = p.iloc[0]
        assert bool(p.ceased) == bool(r.ceased), r
        if np.isinf(r.trip_s):
            assert np.isinf(p.trip_s), r
        else:
            finite += 1
            assert abs(p.trip_s - r.trip_s) <= REL * r.trip_s, (r, p.trip_s)
        assert abs(p.v_min_pu - r.v_min_pu) <= REL, r
    assert finite > 0 and ss.ceased.any()


def test_high_bracket_is_its_own(both):
    """The high bracket shares stage 0 and the rows; its sustained currents are its own."""
    _, ph = both
    low, high = ph.staged_currents("low"), ph.staged_currents("high")
    assert low.n_rows == high.n_rows
    np.testing.assert_array_equal(low.i_a[0], high.i_a[0])
    assert not np.allclose(low.i_a[1], high.i_a[1])


# --------------------------------------------------------------- (b) single-phase sites


def _cat3(name: str, s_mva: float) -> ChargerSource:
    return ChargerSource(name, -1, s_mva, limit_pu=1.5, sustained_limit_pu=1.1,
                         p_pre_mw=0.8 * s_mva, law=ChargerLaw.ACTIVE_PRIORITY,
                         trip=trip_elements("III"), cessation_below_pu=0.5)


@pytest.fixture(scope="module")
def ieee13(shared_dir):
    model = load_dss_model(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    sites = [PhaseSite(_cat3("s652", 0.3), "652", "a"),   # lateral 684–652, phase a only
             PhaseSite(_cat3("s645", 0.4), "645", "bc")]  # lateral 632–645–646, phases b, c
    return phase_fault_study(model, cases=[Case.MAX], scenarios={"v2g": sites},
                             devices=[PhaseDevice("r645", "line.632645", 1),
                                      PhaseDevice("f652", "line.684652", 1)], staged=True)


def test_single_phase_units_judge_their_own_phase(ieee13):
    s = ieee13.staged_currents("low").sites
    units = set(zip(s.site, s.site_phases, strict=True))
    assert units == {("s652", "a"), ("s645", "b"), ("s645", "c")}
    # the unit's own phase voltage below 0.5 pu ⇒ cessation; cessation ⇒ zero current. A
    # unit that ceased while the others still fed may see its voltage recover a little once
    # they cease too (LLG ab at 650: s645's phase-c unit at 0.502 pu with IEC 60909's rated
    # taps): it stays ceased, as IEEE 1547-2018 (ride-through) restores output only when the voltage
    # returns to the continuous operation region (≥ 0.88 pu)
    v, ceased = s.v_min_pu.to_numpy(), s.ceased.to_numpy()
    assert ceased[v < 0.5].all() and (v[ceased] < 0.88).all()
    assert (s.i_sustained_ka[s.ceased] == 0).all()
    assert (s.i_sustained_ka[~s.ceased] > 0).all()
    # an SLG fault at 645 on phase b ceases the phase-b unit only, and on c the phase-c one
    at645 = s[(s.site == "s645") & (s.fault_bus_name == "645") & (s.fault_type == "SLG")]
    got = {(r.phase, r.site_phases): bool(r.ceased) for r in at645.itertuples()}
    assert got == {("b", "b"): True, ("b", "c"): False, ("c", "b"): False, ("c", "c"): True}
    # the phase-a unit at 652 ceases for some SLG-a faults, never for SLG-b or SLG-c
    slg = s[(s.site == "s652") & (s.fault_type == "SLG")]
    assert slg[slg.phase == "a"].ceased.any()
    assert not slg[slg.phase != "a"].ceased.any()


def test_single_phase_cessation_zero_on_that_phase_property(ieee13):
    """Property over every fault row: where every unit that feeds the 652 lateral has
    ceased and none of its faults is on the lateral, the lateral's device sees no current in
    the sustained stage on phase a (the only source below it is the ceased unit; IEC 60909:
    the fault's change only, no load current)."""
    st = ieee13.staged_currents("low")
    table = ieee13.device.reset_index(drop=True)
    s = st.sites
    unit = s[s.site == "s652"].set_index(["fault_bus_name", "fault_type", "phase"])
    lateral = {"652"}
    rows = table[(table.device == "f652") & ~table.fault_bus_name.isin(lateral)]
    n = 0
    for r in rows.itertuples():
        if unit.loc[(r.fault_bus_name, r.fault_type, r.phase), "ceased"]:
            # what is left is the lateral's line charging (its shunt capacitance), ~2e-4
            assert st.i_a[1, r.Index, 0] <= 1e-3 * st.i_a[0, r.Index, 0]
            assert st.i_a[0, r.Index, 0] > 1.0  # it carried the unit's current in stage 0
            n += 1
    assert n > 0


def test_staged_device_min_a_solves_only_kept_rows(shared_dir, ieee13):
    """``staged_device_min_a`` (a study asks for 1 A, its device table's rule; 300 A here)
    solves the later stages' device currents only on those rows: identical there to the
    study solved on every row, and a lower threshold is refused rather than read as NaN."""
    model = load_dss_model(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    sites = [PhaseSite(_cat3("s652", 0.3), "652", "a"), PhaseSite(_cat3("s645", 0.4), "645",
                                                                  "bc")]
    cut = phase_fault_study(model, cases=[Case.MAX], scenarios={"v2g": sites},
                            devices=[PhaseDevice("r645", "line.632645", 1),
                                     PhaseDevice("f652", "line.684652", 1)], staged=True,
                            staged_device_min_a=300.0)
    full, part = ieee13.staged_currents("low", 300.0), cut.staged_currents("low", 300.0)
    assert full.n_stages == part.n_stages > 1 and full.n_rows == part.n_rows > 0
    np.testing.assert_array_equal(part.i_a, full.i_a)
    np.testing.assert_array_equal(part.t_start_s, full.t_start_s)
    assert 0 < len(ieee13.device_rows(300.0)) < len(ieee13.device)  # some rows are not kept
    with pytest.raises(ValueError, match="staged_device_min_a"):
        cut.staged_currents("low", 299.0)


# --------------------------------------------------------------- (c) an OpenDSS study


@pytest.fixture(scope="module")
def dss_study_times():
    from protv2g import load_study
    from protv2g.checks._common import build_context, device_times
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios
    from tests.conftest import FEEDERS_DIR

    study = load_study(FEEDERS_DIR / "opendss_example" / "study.yaml")
    scen = build_scenarios(study.document)
    ft = fault_tables(study, scen)
    ctx = build_context(study, ft, None, scen)
    held = device_times(ctx.devices, ft.device.assign(
        fault_type=ft.device.fault_type.astype(str), case=ft.device.case.astype(str)))
    return ft, ctx.faults, held


def test_opendss_study_has_both_brackets(dss_study_times):
    ft, _, _ = dss_study_times
    for st in (ft.staged, ft.staged_high):
        assert st is not None and st.n_rows == len(ft.device) and st.n_stages >= 2
        np.testing.assert_allclose(st.i_a[0, :, :3].max(axis=1),
                                   1e3 * ft.device[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1),
                                   rtol=1e-5)
    assert set(ft.staged.sites.scenario) == set(ft.device.scenario)
    assert ft.staged.sites.fault_type.str.contains("-").any()  # folded like the device table


def test_opendss_times_equal_held_only_where_stages_carry_the_same_current(dss_study_times):
    ft, faults, held = dss_study_times
    for which, st in (("low", ft.staged), ("high", ft.staged_high)):
        t = faults[f"t_op_{which}_s"].to_numpy()
        t_held = held["t_op_s"].to_numpy()
        t0, _ = st.times_s()
        real = np.isfinite(t0)                                   # stages that exist
        i = np.concatenate([st.phase_a()[:, :, None], st.ground_a()[:, :, None]], axis=2)
        same = (np.where(real[:, :, None], np.abs(i - i[:1]), 0.0)
                <= 1e-6 * np.maximum(i[:1], 1.0)).all(axis=(0, 2))
        both = np.isfinite(t) & np.isfinite(t_held)
        differ = both & ~np.isclose(t, t_held, rtol=1e-5)  # float32 stage currents
        assert not (same & differ).any(), which            # same currents ⇒ same times
        assert differ.any(), which                         # and the stages do matter
        assert ((np.isinf(t) == np.isinf(t_held)) | ~same).all()


def test_opendss_study_without_stages_keeps_the_first_cycle_only():
    from protv2g import load_study
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios
    from tests.conftest import FEEDERS_DIR

    study = load_study(FEEDERS_DIR / "opendss_example" / "study.yaml")
    scen = [sc for sc in build_scenarios(study.document) if not sc.is_base][:1]
    ft = fault_tables(study, scen, staged=False)
    assert ft.staged is None and ft.staged_high is None and len(ft.device)
