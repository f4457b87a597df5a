"""Both brackets' stages in one set of arrays (:func:`shared_brackets`): the low bracket's
stage rows, then the high bracket's rows that differ from them in some bit, each bracket under
its own row map of :class:`~protv2g.engine.staged_tables.StagedCurrents` (#21: at 10,000 buses
99.3 % of the rows are the same in both brackets).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from protv2g.engine.row_bits import stages_differ
from protv2g.engine.staged_tables import StagedCurrents, _as_map

__all__ = ["shared_brackets"]


def shared_brackets(low: StagedCurrents, high: StagedCurrents, rows: np.ndarray,
                    at: np.ndarray | None = None) -> tuple[StagedCurrents, StagedCurrents]:
    """Both brackets' stages of the same engine rows taken at ``rows`` (as :meth:`take`),
    held in **one** set of stage arrays: the low bracket's stage rows, then the high
    bracket's rows that differ from them in some bit, each bracket under its own row map
    (#21: at 10,000 buses 99.3 % of the rows are the same in both brackets — the base cases
    and every fault where no site's limit moves — and both were held whole).

    Parameters
    ----------
    low, high : StagedCurrents
        Dense (no row map), the same engine rows position by position; with ``at``, ``high``
        holds only the rows ``at`` of them.
    rows : numpy.ndarray
        ``(n,)`` int positions (the study scenarios' blocks of the engine rows).
    at : numpy.ndarray, optional
        ``(k,)`` ascending positions in ``low``'s rows of ``high``'s rows: every other row
        of the high bracket is the low one's, bit for bit (``fault_study(high_rows=
        "differing")``, ``DeviceRows.of_rows``: the high bracket's rows not built whole,
        #21). Default: ``high`` holds every row and they are compared here.

    Returns
    -------
    (StagedCurrents, StagedCurrents)
        The same values as ``low.take(rows)`` and ``high.take(rows)`` (with ``at``, of the
        high bracket made whole); each bracket's own ``stage_names`` and ``sites``. Two
        separate takes where the two cannot share (a row map, other stage counts or dtypes).
    """
    pairs = ((low.stage_i_a, high.stage_i_a), (low.stage_t_start_s, high.stage_t_start_s),
             (low.stage_t_end_s, high.stage_t_end_s))
    shareable = (low.row_map is None and high.row_map is None
                 and low.stage_names == high.stage_names
                 and all(x.dtype == y.dtype and x.shape[::2] == y.shape[::2]
                         and (at is not None or x.shape == y.shape) for x, y in pairs))
    if not shareable:
        if at is not None:
            high = _whole(low, high, at)
        return low.take(rows), high.take(rows)
    n = low.n_stage_rows
    if at is None:  # bit for bit (0.0 and -0.0 differ, a NaN equals the same NaN)
        at = np.flatnonzero(stages_differ(*zip(*pairs, strict=True)))
        pairs = tuple((x, y[:, at]) for x, y in pairs)
    if not len(at):  # the same stages: one set of arrays as they are
        out = low.take(rows)
        return out, replace(out, site_rows=high.site_rows)
    arrays = [_appended(x, y) for x, y in pairs]
    of_high = np.arange(n, dtype=np.int64)
    of_high[at] = n + np.arange(len(at))
    rows = np.asarray(rows, dtype=np.int64)
    size = n + len(at)
    return (StagedCurrents(*arrays, low.stage_names, low.site_rows, _as_map(rows, size)),
            StagedCurrents(*arrays, high.stage_names, high.site_rows,
                           _as_map(of_high[rows], size)))


def _appended(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.concatenate([x, y], axis=1)``, written in place where ``x`` is the first rows of
    a C-ordered array with exactly ``y``'s rows to spare behind them
    (``DeviceRowsBuilder.build(spare_rows=...)``, #21: no copy of ``x``); the same values.
    The spare rows are claimed once: the array is then made read-only (the view returned
    stays writeable), so a second call on the same ``x`` copies instead of overwriting
    them."""
    base, n, k = x.base, x.shape[1], y.shape[1]
    if (isinstance(base, np.ndarray) and base.flags.writeable and base.flags.c_contiguous
            and base.dtype == x.dtype == y.dtype
            and base.shape == x.shape[:1] + (n + k,) + x.shape[2:]
            and x.strides == base.strides and y.shape[::2] == x.shape[::2]
            and x.__array_interface__["data"][0] == base.__array_interface__["data"][0]):
        out = base[...]
        out[:, n:] = y
        base.flags.writeable = False
        return out
    return np.concatenate([x, y], axis=1)


def _whole(low: StagedCurrents, high: StagedCurrents, at: np.ndarray) -> StagedCurrents:
    """The high bracket's every row from its rows ``at`` and the low bracket's (dense, no
    row map) elsewhere, padded to its own stage count as the engine pads (the last stage
    repeated, ``inf`` times) or cut to it (a row the same in both has no more stages)."""
    n = high.n_stages
    out = []
    for x, y, time in ((low.stage_i_a, high.stage_i_a, False),
                       (low.stage_t_start_s, high.stage_t_start_s, True),
                       (low.stage_t_end_s, high.stage_t_end_s, True)):
        z = np.empty((n,) + x.shape[1:], y.dtype)
        k = min(n, len(x))
        z[:k] = x[:k]
        if k < n:
            z[k:] = np.inf if time else x[k - 1:k]
        z[:, at] = y
        out.append(z)
    return StagedCurrents(*out, high.stage_names, high.site_rows)
