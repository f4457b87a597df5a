"""The kept device rows' stage magnitudes (:class:`~protv2g.engine.device_rows.
DeviceRowsBuilder`; split from :mod:`.device_rows`, #21): ``|Ia|, |Ib|, |Ic|, |3·I0|`` of
each stage, float32, the :class:`~protv2g.engine.staged_tables.StagedCurrents` layout."""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.engine.faults import phase_magnitudes

__all__ = ["staged_rows"]


def staged_rows(sl: Any, x: np.ndarray | None, col: np.ndarray) -> tuple | None:
    """``(|Ia|, |Ib|, |Ic|, |3·I0|`` A float32 ``(n_stage, k, 4)``, stage starts, stage ends
    ``(n_stage, k)``) of the kept rows' staged currents ``x`` ``(n_stage, k, 3)`` (kA,
    sequence order; ``col`` the rows' fault-bus positions; ``sl`` their slice, whose
    ``stage_t_start_s``/``stage_t_end_s`` ``(n_stage, m)`` give the times); ``None``
    without stages. The same values as ``phase_magnitudes(x, 1e3, i_a)`` and
    ``i_a[..., 3] = 3e3·|x[..., 0]|`` on the whole array (:func:`_changed_rows`)."""
    if x is None:
        return None
    i_a = np.empty(x.shape[:2] + (4,), np.float32)
    for j in range(len(x)):
        at = _changed_rows(x, j)
        if at is None:  # every row: one phase at a time (#21: no phase array, temporaries)
            phase_magnitudes(x[j], 1e3, i_a[j])
            i_a[j, :, 3] = 3e3 * np.abs(x[j, :, 0])
            continue
        i_a[j] = i_a[j - 1]  # the rows whose currents are the previous stage's, bit for bit
        if len(at):
            part = np.empty((len(at), 4), np.float32)
            xj = x[j, at]
            phase_magnitudes(xj, 1e3, part)
            part[:, 3] = 3e3 * np.abs(xj[:, 0])
            i_a[j, at] = part
    return (i_a, np.asarray(sl.stage_t_start_s, np.float32)[:, col],
            np.asarray(sl.stage_t_end_s, np.float32)[:, col])


def _changed_rows(x: np.ndarray, j: int) -> np.ndarray | None:
    """The rows of stage ``j`` of ``x`` ``(n_stage, k, 3)`` complex whose currents differ in
    some bit from stage ``j − 1``'s, or None (every row: the first stage, a strided
    ``x``, or more than half of the rows differ).

    A stage after the sustained one reaches few of a slice's rows (a charger trips or ceases
    at some fault buses only); elsewhere its currents are the previous stage's, copied
    (:func:`~protv2g.engine.device_rows.kept_device_arrays`), and so are their magnitudes:
    :func:`staged_rows` copies those instead of recomputing them (#21: ≈ 36 % of the staged
    rows at 10,000 buses, ≈ 99 % of stages 2 and later). The magnitudes of the other rows are
    computed by the same NumPy loops on a gathered ``(r, 3)`` array: NumPy's complex loops
    give each element the same value whatever its position and the array's length (checked
    bit for bit on the studies' tables and on random arrays,
    ``tests/test_stage_magnitudes.py``)."""
    if j == 0 or not x.flags.c_contiguous:
        return None
    n = x.shape[1]
    bits = np.dtype(f"u{x.dtype.itemsize // 2}")  # a real or imaginary part's bits
    cur, prev = (x[i].view(bits).reshape(n, 6) for i in (j, j - 1))
    same = np.ones(n, bool)
    for c in range(6):  # bit for bit (-0.0 differs from 0.0)
        same &= cur[:, c] == prev[:, c]
    if 2 * int(same.sum()) < n:
        return None
    return np.flatnonzero(~same)
