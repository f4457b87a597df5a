"""The compiled travel integration (:mod:`protv2g.devices._staged_kernel`, #21) gives the bits
of the stage-by-stage NumPy form it replaced (kept here as the reference), for every reset
mode, with infinite and NaN operate times, zero and negative-zero times, stages that last no
time, and shapes from a scalar per stage to ``(n_stage, n, m)``."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.devices.staged import staged_operate_time_s


def _reference(t_op_s, t_start_s, t_end_s, *, reset="instantaneous", t_reset_s=None):
    """``staged_operate_time_s`` before #21's kernel, verbatim."""
    t_op = np.asarray(t_op_s, dtype=float)
    t0, t1 = np.broadcast_arrays(np.asarray(t_start_s, float), np.asarray(t_end_s, float))
    shape = np.broadcast_shapes(t_op.shape, t0.shape)
    t_op, t0, t1 = (np.broadcast_to(x, shape) for x in (t_op, t0, t1))
    tr = None if t_reset_s is None else np.broadcast_to(np.asarray(t_reset_s, float), shape)
    travel = np.zeros(shape[1:])
    out = np.full(shape[1:], np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in range(shape[0]):
            real = np.isfinite(t0[k]) & (t1[k] > t0[k])
            dt = np.where(real, t1[k] - t0[k], 0.0)
            op = t_op[k]
            picks = np.isfinite(op)
            need = np.where(picks, (1.0 - travel) * op, np.inf)
            hit = real & picks & (need <= dt) & ~np.isfinite(out)
            out = np.where(hit, t0[k] + np.maximum(need, 0.0), out)
            gain = np.where(picks & real, np.where(op > 0, dt / np.where(op > 0, op, 1.0),
                                                    np.inf), 0.0)
            travel = np.where(picks, travel + gain, travel)
            below = real & ~picks & ~np.isnan(op)
            if reset == "instantaneous":
                travel = np.where(below, 0.0, travel)
            elif reset == "electromechanical":
                drop = np.where(tr[k] > 0, dt / tr[k], np.inf)
                travel = np.where(below, np.maximum(travel - drop, 0.0), travel)
    nan = np.isnan(t_op).all(axis=0)
    return np.where(nan, np.nan, out)


def _same_bits(a, b) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype == np.float64
    np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64))


def _cases(seed: int, n_stage: int, n: int):
    """Random staged inputs with the special values mixed in."""
    rng = np.random.default_rng(seed)
    pick = rng.choice
    t_op = rng.uniform(0.0, 3.0, (n_stage, n))
    special = np.array([np.inf, np.nan, 0.0, -0.0, -1.0, 1e-300])
    t_op = np.where(rng.random(t_op.shape) < 0.3, pick(special, t_op.shape), t_op)
    dur = rng.uniform(0.0, 1.5, (n_stage, n))
    dur = np.where(rng.random(dur.shape) < 0.1, pick([0.0, -0.2], dur.shape), dur)
    t0 = np.concatenate([np.zeros((1, n)), np.cumsum(dur, axis=0)[:-1]])
    t0 = np.where(rng.random(t0.shape) < 0.1, np.inf, t0)
    t0[0] = np.where(rng.random(n) < 0.05, -0.0, t0[0])
    t1 = np.concatenate([t0[1:], np.full((1, n), np.inf)])
    t1 = np.where(rng.random(t1.shape) < 0.05, np.nan, t1)
    tr = rng.uniform(0.0, 5.0, (n_stage, n))
    tr = np.where(rng.random(tr.shape) < 0.2, pick([0.0, np.inf, np.nan], tr.shape), tr)
    return t_op, t0, t1, tr


@pytest.mark.parametrize("reset", ["hold", "instantaneous", "electromechanical"])
@pytest.mark.parametrize("n_stage", [0, 1, 2, 5])
def test_kernel_is_the_numpy_form_bit_for_bit(reset, n_stage) -> None:
    for seed in range(4):
        t_op, t0, t1, tr = _cases(seed + 10 * n_stage, n_stage, 2000)
        kw = dict(reset=reset, t_reset_s=tr if reset == "electromechanical" else None)
        _same_bits(staged_operate_time_s(t_op, t0, t1, **kw), _reference(t_op, t0, t1, **kw))


def test_kernel_shapes_and_broadcasting() -> None:
    t_op, t0, t1, tr = _cases(3, 3, 24)
    # a scalar per stage, times broadcast from one column, a trailing axis
    _same_bits(staged_operate_time_s(t_op[:, 0], t0[:, 0], t1[:, 0]),
               _reference(t_op[:, 0], t0[:, 0], t1[:, 0]))
    _same_bits(staged_operate_time_s(t_op, t0[:, :1], t1[:, :1]),
               _reference(t_op, t0[:, :1], t1[:, :1]))
    op3, s3, e3 = (x.reshape(3, 4, 6) for x in (t_op, t0, t1))
    _same_bits(staged_operate_time_s(op3, s3, e3, reset="electromechanical",
                                     t_reset_s=tr.reshape(3, 4, 6)),
               _reference(op3, s3, e3, reset="electromechanical",
                          t_reset_s=tr.reshape(3, 4, 6)))
    # non-contiguous inputs, empty rows
    _same_bits(staged_operate_time_s(t_op[:, ::2], t0[:, ::2], t1[:, ::2], reset="hold"),
               _reference(t_op[:, ::2], t0[:, ::2], t1[:, ::2], reset="hold"))
    _same_bits(staged_operate_time_s(t_op[:, :0], t0[:, :0], t1[:, :0]),
               _reference(t_op[:, :0], t0[:, :0], t1[:, :0]))
    assert float(staged_operate_time_s([1.0, 2.0], [0.0, 0.5], [0.5, np.inf])) == 1.5
