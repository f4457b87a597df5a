"""Which element of a device operates for a row's time: phase or ground (review ver31).

A relay's time is the faster of its phase elements (51P/50P, on the largest phase current)
and its ground elements (51G/50G, on the residual current ``|3I0|``); a recloser's fast and
delayed curves each the faster of the phase and the ground curve; a fuse has no ground
element (it melts on its phase current). Which element gives the time decides which current
the time answers to: a relay tripping on 51G for a single-line-to-ground fault is moved by
``|3I0|``, not by the phase current (EPRI ckt5 with drafted fuses, review ver31: |3I0| +2.8 %
with V2G, the phase current −33 %; judged on the phase current, a C1 row read "made worse
by V2G").

The element is decided as the row's tolerance and data boundary decide it
(:mod:`protv2g.checks.tolerance`): the ground element where its time at the first-cycle
``|3I0|`` is shorter than the phase element's at the first-cycle phase current, both
read on the time kind the rule uses (a relay's operate time, a recloser's ``fast`` or
``delayed`` curve). The times the rules compare are staged (:mod:`protv2g.devices.staged`):
where the two elements' times are close the staged race may go the other way; both currents
are then near their elements' curves alike, and the attribution reads the larger change of
the two where the row and its base twin differ (:mod:`protv2g.checks.attribution_share`).

Codes (:class:`OperatingElement`, ``int8`` columns ``element_primary``/``element_backup``
of the coordination table, ``element_device``/``element_other`` of the pair violation rows
until the attribution has read them): ``-1`` not known (no time, a rule that reads no
operating time, rows of other criteria), ``0`` phase (every fuse), ``1`` ground.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.tolerance import DeviceRows, device_rows, phase_time_s
from protv2g.devices.kinds import kind_of

__all__ = ["OperatingElement", "ELEMENT_COLUMNS", "ELEMENT_DTYPE", "ELEMENT_WORDS",
           "element_codes", "ground_operates", "uniform_columns", "with_element_columns"]


class OperatingElement(IntEnum):
    """Which element of a device gives a row's time (module docstring)."""

    UNKNOWN = -1
    PHASE = 0
    GROUND = 1


#: dtype of the element-code columns: one byte a row (#21: no text per row at 10,000 buses).
ELEMENT_DTYPE = np.int8

#: How messages name the current each element operates on.
ELEMENT_WORDS = {OperatingElement.UNKNOWN: "phase current",
                 OperatingElement.PHASE: "phase current",
                 OperatingElement.GROUND: "|3I0|"}


def ground_operates(dev: Any, i_phase_a: np.ndarray, i_ground_a: np.ndarray, which: str
                    ) -> np.ndarray:
    """Rows where ``dev``'s ground element is faster than its phase element for the time
    kind ``which`` (``op``, ``fast``, ``delayed``, ``mm``, ``tc``; mapped per kind as
    :func:`protv2g.checks.tolerance.device_tolerance_s` maps it), at the currents (A).

    Returns
    -------
    numpy.ndarray of bool
        ``(n,)``; False throughout for a fuse and for a device without a ground element.
    """
    role = kind_of(dev).role
    i_p, i_g = np.asarray(i_phase_a, dtype=float), np.asarray(i_ground_a, dtype=float)
    if role == "fuse":
        return np.zeros(i_p.shape, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        if role == "relay":
            t_g = dev.ground_time_s(i_g)
        else:
            shot = which if which in ("fast", "delayed") else "delayed"
            # no fast shot, or no ground element: the ground element gives no time (as
            # the row's tolerance reads it, :func:`protv2g.checks.tolerance._tolerance_s`)
            if (shot == "fast" and not dev.settings.n_fast) or (
                    dev.settings.ground_min_trip_a is None):
                return np.zeros(i_p.shape, dtype=bool)
            t_g = (dev.ground_fast_time_s(i_g) if shot == "fast"
                   else dev.ground_delayed_time_s(i_g))
            which = shot
        t_p = phase_time_s(dev, role, i_p, which)
        return np.asarray(np.fmin(t_g, np.inf) < t_p, dtype=bool)


def element_codes(devices: Any, names: Sequence[str] | np.ndarray, i_phase_a: np.ndarray,
                  i_ground_a: np.ndarray, which: str,
                  rows: list[DeviceRows] | None = None) -> np.ndarray:
    """:class:`OperatingElement` code of each row's device for the time kind ``which``.

    Parameters
    ----------
    devices : mapping
        Device name → model (``CheckContext.devices``).
    names : array of str, shape (n,)
        Device of each row.
    i_phase_a, i_ground_a : numpy.ndarray, shape (n,)
        First-cycle largest phase current and ``|3I0|`` (A).
    which : str
        The time kind the rule reads (see :func:`ground_operates`).
    rows : list of DeviceRows, optional
        :func:`~protv2g.checks.tolerance.device_rows` of the same arrays (found once per
        table); evaluated once per distinct current pair.

    Returns
    -------
    numpy.ndarray of int8, shape (n,)
        ``1`` ground, ``0`` phase, ``-1`` where the device is not in ``devices``.
    """
    i_p, i_g = np.asarray(i_phase_a, dtype=float), np.asarray(i_ground_a, dtype=float)
    out = np.full(len(i_p), OperatingElement.UNKNOWN, dtype=ELEMENT_DTYPE)
    for g in device_rows(np.asarray(names, dtype=object), i_p, i_g) if rows is None else rows:
        dev = devices.get(str(g.name))
        if dev is None:
            continue
        ground = g.once(lambda p, q, d=dev: ground_operates(d, p, q, which), i_p[g.rows],
                        i_g[g.rows])
        out[g.rows] = np.where(ground, OperatingElement.GROUND, OperatingElement.PHASE)
    return out


#: Working columns of violation rows that carry a time's element to the attribution
#: (:func:`protv2g.checks.attribution.attribute` reads and drops them): each device's
#: first-cycle ``|3I0|`` (A) and its :class:`OperatingElement` code. Only the pair criteria
#: (C1–C4) write them; :func:`uniform_columns` gives the other frames their defaults. A byte
#: per code and float32 currents (4 significant digits are what messages print): 10 bytes a
#: row while the checks run (#21: the 10,000-bus study's ≈ 489,000 rows, ≈ 5 MB).
ELEMENT_COLUMNS: dict[str, Any] = {"i_device_3i0_a": np.float32, "i_other_3i0_a": np.float32,
                                   "element_device": ELEMENT_DTYPE,
                                   "element_other": ELEMENT_DTYPE}


def _default(dtype: Any, n: int) -> np.ndarray:
    if np.dtype(dtype).kind == "f":
        return np.full(n, np.nan, dtype=dtype)
    return np.full(n, OperatingElement.UNKNOWN, dtype=dtype)


def with_element_columns(rows: Any, **values: np.ndarray) -> Any:
    """``rows`` (a violation-row frame, changed in place and returned) with the
    :data:`ELEMENT_COLUMNS` set from ``values`` (arrays aligned with ``rows``), the others
    at their defaults (NaN, ``-1``)."""
    for c, dtype in ELEMENT_COLUMNS.items():
        v = values.get(c)
        rows[c] = _default(dtype, len(rows)) if v is None else _as(v, dtype)
    return rows


def _as(values: Any, dtype: Any) -> np.ndarray:
    """``values`` at ``dtype``; a code that is not a finite number ``-1`` (not known)."""
    x = np.asarray(values)
    if x.dtype == dtype:
        return x
    x = np.asarray(pd.to_numeric(pd.Series(x), errors="coerce"), dtype=float)
    if np.dtype(dtype).kind != "f":
        x = np.where(np.isfinite(x), x, OperatingElement.UNKNOWN)
    return x.astype(dtype)


def uniform_columns(frames: list[Any]) -> list[Any]:
    """``frames`` (violation-row frames the caller owns) with the :data:`ELEMENT_COLUMNS` in
    every non-empty frame at their dtypes (defaults where a frame lacks them, a missing value
    of a concatenation filled), where some frame has one; as they are otherwise. Columns
    are added in place (no copy that would hold the frames' other columns through their
    concatenation, :func:`protv2g.checks._row_frames.concat_owned`): one concatenation path
    and one dtype per column. The list itself is returned."""
    if not any(f is not None and len(f) and c in f.columns for f in frames
               for c in ELEMENT_COLUMNS):
        return frames
    for f in frames:
        if f is None or not len(f):
            continue
        for c, dtype in ELEMENT_COLUMNS.items():
            if c not in f.columns:
                f[c] = _default(dtype, len(f))
            elif f[c].dtype != dtype:
                f[c] = _as(f[c].to_numpy(), dtype)
    return frames
