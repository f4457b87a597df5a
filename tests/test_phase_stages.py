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
from protv2g.units import Case, ChargerLaw, FaultType, Method  # noqa: E402
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
