"""A fuse's melting band at the time a C2 or C3 row uses (review rev28 §7 "Noticed").

A C2 row's tolerance (and a C3 row's, for its backup fuse) holds the fuse's melting band
(minimum to maximum melt, :func:`protv2g.devices.tolerances.tolerance_s`). The pair table reads
it at the fault's quoted first-cycle current (:class:`protv2g.checks.coordination.PairTerms`),
while the row's minimum melt comes from the staged currents (:mod:`protv2g.checks._times`). EPRI
J1, SLG-b min at b56685, F-LAT 80K under R-MID: without V2G 196.24 A, minimum melt 13.58 s, band
to 195.00 s, a tolerance of 181.4 s; with V2G 190.29 A quoted, under the 80K maximum-melt
asymptote (190.4 A), where the band has no upper end and was taken as 0 — the row kept R-MID's
1.8 × 10 ms = 0.018 s alone — while its staged minimum melt, 15.26 s, is the curve's at 193.38
A, where the band reaches 260.47 s: a tolerance of 245.2 s. :func:`staged_mm_tolerance_s` reads
the band at the current that set the row's time
(:func:`protv2g.devices.tolerances.mm_tolerance_at_time_s`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.checks._rows import rows_by_value
from protv2g.devices.kinds import kind_of
from protv2g.devices.tolerances import mm_inverse_grid, mm_tolerance_at_time_s

__all__ = ["staged_mm_tolerance_s"]


def staged_mm_tolerance_s(ctx: Any, names: np.ndarray, t_mm_s: np.ndarray,
                          rows: np.ndarray, fallback_s: np.ndarray) -> np.ndarray:
    """The melting-band tolerance (s) of each fuse row at its own minimum-melt time.

    Parameters
    ----------
    ctx : CheckContext
        For the device models and a cache of each link's inverted minimum-melt curve
        (``ctx.cache``: both brackets and every pair share it).
    names : numpy.ndarray
        The fuse of each row (``(n,)``, object).
    t_mm_s : numpy.ndarray
        The rows' minimum-melt times (s, ``(n,)``): the bracket's staged times.
    rows : numpy.ndarray
        ``(n,)`` bool: the rows to read (others keep ``fallback_s``).
    fallback_s : numpy.ndarray
        ``(n,)`` tolerance (s) of the rows not read, and of rows whose device is not a fuse.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` tolerance (s): ``inf`` where the band has no upper end at the current that
        set the time (the link need not melt there), 0 where the fuse does not melt (as
        :func:`protv2g.checks.tolerance.device_tolerance_s` takes a time that is not one).
    """
    out = np.array(fallback_s, dtype=float, copy=True)
    at = np.flatnonzero(rows)
    if not len(at):
        return out
    grids = ctx.cache.setdefault("mm inverse grid", {})
    t = np.asarray(t_mm_s, dtype=float)
    for name, idx in rows_by_value(np.asarray(names, dtype=object)[at]):
        dev = ctx.devices.get(str(name))
        if dev is None or kind_of(dev).role != "fuse":
            continue
        # one grid per link curve and melt factor, not per fuse (56 40K links at 10,000
        # buses, #21); the curve objects live as long as the devices holding them
        key = (id(dev.curve), dev.melt_factor)
        if key not in grids:
            grids[key] = mm_inverse_grid(dev)
        rows_at = at[idx]
        tol = np.where(np.isnan(t[rows_at]), 0.0,
                       mm_tolerance_at_time_s(dev, t[rows_at], grids[key]))
        tol = np.where(np.isnan(tol), 0.0, tol)
        # a time that is the curve's at the quoted current (no stages): the look-up at that
        # current, bit for bit (the inverted grid agrees to ≈ 1e-6)
        fb = out[rows_at]
        same = np.isfinite(fb) & (np.abs(tol - fb) <= _SAME_REL * np.abs(fb))
        out[rows_at] = np.where(same, fb, tol)
    return out


#: Relative agreement of the two readings below which the quoted current's is kept.
_SAME_REL = 1e-4
