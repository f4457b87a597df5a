"""Bit-exact comparison of staged device rows: which rows of two slices (or two brackets)
differ in some bit, so that only those are stored twice (#21: the high bracket's stage rows
appended beside the low bracket's, :func:`protv2g.engine.bracket_rows.shared_brackets`).
0.0 and −0.0 differ; a NaN equals the same NaN (the float's bits are compared).
"""

from __future__ import annotations

import numpy as np

__all__ = ["float_bits", "rows_differ", "stages_differ"]


def stages_differ(a: tuple, b: tuple) -> np.ndarray:
    """``(k,)`` bool: the rows whose stages differ in some bit between two slices' staged
    rows ``(|I| (n_stage, k, 4), t_start (n_stage, k), t_end (n_stage, k))`` of the same
    rows, both padded as :meth:`~protv2g.engine.device_rows.DeviceRowsBuilder.build` pads
    them (the last stage repeated, ``inf`` times) to the larger stage count: rows the same
    here are the same padded to any count (0.0 and −0.0 differ, a NaN equals the same
    NaN)."""
    n = max(len(a[0]), len(b[0]))
    out = np.zeros(a[0].shape[1], dtype=bool)
    for x, y, time in zip(a, b, (False, True, True), strict=True):
        for j in range(n):  # one stage at a time: no whole-array temporary
            xj, yj = (float_bits(_padded_stage(z, j, time)) for z in (x, y))
            out |= rows_differ(xj, yj) if xj.ndim == 2 else np.not_equal(xj, yj)
    return out


def _padded_stage(x: np.ndarray, j: int, time: bool) -> np.ndarray:
    """Stage ``j`` of ``x`` padded as :func:`protv2g.engine.device_rows._put_padded` pads
    it: times with ``inf``, currents by repeating the last stage."""
    if j < len(x):
        return x[j]
    return np.full(x.shape[1:], np.inf, x.dtype) if time else x[-1]


def float_bits(x: np.ndarray) -> np.ndarray:
    """A float array's bits as integers of its size (an integer array as it is)."""
    return x.view(f"i{x.itemsize}") if x.dtype.kind == "f" else x


def rows_differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a != b).any(axis=-1)`` of two ``(n, m)`` arrays: ``(n,)`` bool, the ``m`` flags of
    a row read as one integer where ``m`` is an integer's size (``any`` along a short last
    axis is 5× slower)."""
    ne = np.not_equal(a, b)
    m = ne.shape[-1]
    if ne.ndim == 2 and m in (1, 2, 4, 8):
        return ne.view(f"u{m}").reshape(-1) != 0
    return ne.any(axis=-1)
