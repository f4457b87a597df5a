"""The first cycle's kept rows decided without the dense grid (``engine/first_cycle_rows.py``):
the positions of the dense fill and ``kept_positions``, at thresholds that put rows at the
early drop's bound, in NumPy's band and far from both."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import protv2g.engine.device_rows as device_rows
from protv2g.engine import ChargerSource, DeviceTerminal, fault_study
from protv2g.engine.first_cycle_rows import kept_first_cycle_positions
from protv2g.engine.ride_through import trip_elements
from protv2g.network.synthetic import synthetic_radial_feeder
from protv2g.units import ChargerLaw


def _dense(solver, i_f, terms, pre, scale_i, ft, zf, bad, min_a):
    d, m = len(scale_i), len(solver.f1)
    i0 = np.empty((d, m, 3), complex)
    solver.fill(i0, None, i_f, terms, pre, scale_i, ft, zf)
    i0[:, bad] = np.nan
    return device_rows.kept_positions(i0, min_a)


@pytest.fixture(scope="module")
def slices():
    """Each first-cycle slice's arguments, checked against the dense path while the case's
    solver is current (its work arrays are reused by the next case)."""
    net = synthetic_radial_feeder(80, seed=3)
    lines = net.line.index.values[::7]
    devs = [DeviceTerminal(f"D{i}", "line", int(i), int(net.line.at[i, "from_bus"]))
            for i in lines]
    trip = trip_elements("II")
    scen = {f"x{lv}": [ChargerSource(f"s{b}", b, 1.0, limit_pu=1.5, sustained_limit_pu=1.1,
                                     law=ChargerLaw.ACTIVE_PRIORITY, p_pre_mw=0.3 * lv,
                                     trip=trip) for b in (5, 20)] for lv in (1, 3)}
    seen = []
    real = device_rows.kept_first_cycle_positions

    def check(*args):
        got = real(*args)
        i_f, bad = args[1], args[7]
        for min_a in (1e-3, 0.3, 1.0, 7.0, 60.0, 900.0, 2e4):
            a = list(args)
            a[8] = min_a
            np.testing.assert_array_equal(real(*a), _dense(*a))
        # a threshold at a row's own largest phase: NumPy's band decides it
        d, m = len(args[4]), len(args[0].f1)
        i0 = np.empty((d, m, 3), complex)
        args[0].fill(i0, None, i_f, args[2], args[3], args[4], args[5], args[6])
        mag = np.abs(1e3 * device_rows.seq_to_abc(i0)).max(-1)
        ok = np.isfinite(mag) & (mag > 0) & ~bad[None, :]
        for q in np.quantile(mag[ok], [0.5, 0.9, 0.99]):
            a = list(args)
            a[8] = float(q)
            np.testing.assert_array_equal(real(*a), _dense(*a))
        seen.append(len(got))
        return got

    device_rows.kept_first_cycle_positions = check
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fault_study(net, devices=devs, scenarios=scen, device_min_a=1.0)
    finally:
        device_rows.kept_first_cycle_positions = real
    return seen


def test_the_same_positions_as_the_dense_rule(slices):
    assert len(slices) >= 8  # every (scenario, case, fault type) was checked
    assert all(n > 0 for n in slices)


def test_a_nan_fault_bus_keeps_its_rows():
    class _Rows:
        w_i = np.ones((2, 3), complex)

    class _Solver:
        f1 = np.arange(3)
        seq = {1: _Rows()}

        def _sequence_terms(self, i_f, terms, pre, scale_i):
            z = np.zeros(2, complex)
            yield (1, _Rows(), np.ascontiguousarray(i_f[:, 1]),
                   (z, z, np.zeros((2, 0), complex), np.zeros((0, 0), complex)), None)

        def work_array(self, key, shape, dtype=complex):
            return np.empty(shape, dtype)

    class _Pre:
        b = np.ones(3, complex)

    i_f = np.zeros((3, 3), complex)
    i_f[:, 1] = [1e-9, 1.0, 1e-9]  # kA per unit: the middle bus's currents are 1 kA
    bad = np.array([False, False, True])
    pos = kept_first_cycle_positions(_Solver(), i_f, {}, _Pre(), np.ones(2), None, 0.0, bad,
                                     1.0)
    assert pos.tolist() == [1, 2, 4, 5]
