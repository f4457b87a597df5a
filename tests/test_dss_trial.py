"""A band-edge trial solved by OpenDSS's own snapshot loop, stopped where its control moves
the tap back (issue #21, :mod:`protv2g.flow.dss_trial`).

The feeder is test_c12_tap_path's (one gang-operated regulator with line-drop compensation,
vreg 120 V, band 2 V, PT 60, CTprim 300 A, R 6 V, X 12 V). Reference, nothing computed by
protv2g: OpenDSS (``opendssdirect``) ``Solve`` with the controls acting — the tap it leaves
and its node voltages.
"""

from __future__ import annotations

import numpy as np
import pytest

from .test_c12_tap_path import _DSS

_STEP = 0.2 / 32


@pytest.fixture
def circuit(tmp_path):
    dss = pytest.importorskip("opendssdirect")
    path = tmp_path / "feeder.dss"
    path.write_text(_DSS)
    _compile(dss, path)
    return dss, path


def _compile(dss, path) -> None:
    dss.Text.Command(f"compile [{path}]")
    dss.Text.Command("set mode=snapshot")


def _from_state(dss, path, tap: float, to: float) -> None:
    """Compiled afresh, the state's tap solved (the search holds its solution), then the
    trial's tap set: both solvers start from the same voltages."""
    _compile(dss, path)
    _set_tap(dss, tap)
    dss.Solution.Solve()
    _set_tap(dss, to)


def _set_tap(dss, tap: float) -> None:
    dss.Transformers.Name("reg")
    dss.Transformers.Wdg(2)
    dss.Transformers.Tap(tap)
    dss.Text.Command("reset controls")


def _tap(dss) -> float:
    dss.Transformers.Name("reg")
    dss.Transformers.Wdg(2)
    return float(dss.Transformers.Tap())


def _rest_taps(dss) -> list[float]:
    """The taps OpenDSS's control leaves where they are (solved from each tap 0.95-1.10)."""
    out = []
    for k in range(-8, 17):
        tap = round(1.0 + k * _STEP, 6)
        _set_tap(dss, tap)
        dss.Solution.Solve()
        if abs(_tap(dss) - tap) <= 1e-9:
            out.append(tap)
    return out


def test_the_loop_is_opendss_solve_bit_for_bit(circuit, monkeypatch) -> None:
    """Run to its end (the early stop switched off), the loop leaves OpenDSS's Solve's tap,
    node voltages and iteration counts exactly, every rest tap and both directions."""
    import protv2g.flow.dss_trial as dt

    dss, path = circuit
    rests = _rest_taps(dss)
    assert rests
    monkeypatch.setattr(dt, "_SAME_TAP_PU", np.inf)  # never stops early
    for tap in rests:
        for direction in (1, -1):
            got = []
            for ours in (False, True):
                _from_state(dss, path, tap, tap + direction * _STEP)
                if ours:
                    assert dt.solve_trial(dss, "reg", 2, tap + direction * _STEP,
                                          direction) == dt.TRIAL_SOLVED
                else:
                    dss.Solution.Solve()
                got.append((_tap(dss), np.asarray(dss.Circuit.AllBusVolts()),
                            dss.Solution.ControlIterations()))
            assert got[0][0] == got[1][0] and got[0][2] == got[1][2]
            np.testing.assert_array_equal(got[0][1], got[1][1])


def test_a_trial_stopped_as_refused_is_refused_by_opendss(circuit) -> None:
    """Fails on the old code (no flow.dss_trial). Every rest tap and direction: the loop
    says refused exactly where OpenDSS's Solve moves the tap away from the trial; both
    verdicts occur."""
    import protv2g.flow.dss_trial as dt

    dss, path = circuit
    seen = set()
    for tap in _rest_taps(dss):
        for direction in (1, -1):
            to = tap + direction * _STEP
            verdict = []
            for ours in (False, True):
                _from_state(dss, path, tap, to)
                if ours:
                    verdict.append(dt.solve_trial(dss, "reg", 2, to, direction)
                                   == dt.TRIAL_REFUSED)
                else:
                    dss.Solution.Solve()
                    verdict.append(abs(_tap(dss) - to) > 1e-9)
            assert verdict[0] == verdict[1], (tap, direction)
            seen.add(verdict[0])
    assert seen == {True, False}
