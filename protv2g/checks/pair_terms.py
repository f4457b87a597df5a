"""Tolerances and data boundaries of both devices at every row of the pairs × faults join.

:class:`PairTerms` works out, once per time kind (``op``, ``mm``, ``tc``, ``fast``,
``delayed``) and side (primary ``"p"``, backup ``"b"``), the timing tolerance and data
boundary of each device at its own current (:mod:`protv2g.checks.tolerance`) and the element
whose time the rule reads (:mod:`protv2g.checks.operating_element`), for the rules of
:func:`protv2g.checks.coordination.evaluate_pairs` and :mod:`protv2g.checks.recloser_fuse`;
they depend on the currents only, so both brackets share them
(:func:`protv2g.checks.brackets.pairs_in_brackets`). Split from
:mod:`protv2g.checks.coordination` (the module had grown past 400 lines), which re-exports it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks.directional_release import RELEASED_CURRENT_COLUMNS
from protv2g.checks.operating_element import element_codes
from protv2g.checks.tolerance import (
    DeviceRows,
    combine_boundaries,
    device_boundary,
    device_rows,
    device_tolerance_s,
    rss,
)

__all__ = ["PairTerms"]


class PairTerms:
    """Tolerances and data boundaries of both devices of every row of a merged pair table,
    computed once per time kind (``op``, ``mm``, ``tc``, ``fast``, ``delayed``)."""

    def __init__(self, ctx: CheckContext, m: pd.DataFrame) -> None:
        self.ctx, self.m = ctx, m
        self._tol: dict[tuple[str, str], np.ndarray] = {}
        self._bnd: dict[tuple[str, str], np.ndarray] = {}
        self._both: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._combined: dict[tuple[str, str], np.ndarray] = {}
        self._rows: dict[str, list[DeviceRows]] = {}
        self._el: dict[tuple[str, str], np.ndarray] = {}

    def take(self, rows: np.ndarray, m: pd.DataFrame) -> PairTerms:
        """The terms of ``m``, the rows ``rows`` (positions) of this table: those worked out
        already taken (#21, perf42b: a subset's own terms repeated every device's curve
        look-ups), the others worked out on ``m`` when asked."""
        out = PairTerms(self.ctx, m)
        n = len(self.m)

        def cut(a: object) -> object:
            return a[rows] if isinstance(a, np.ndarray) and a.shape[:1] == (n,) else a

        for mine, theirs in ((self._tol, out._tol), (self._bnd, out._bnd),
                             (self._combined, out._combined), (self._el, out._el)):
            theirs.update({k: cut(v) for k, v in mine.items()})
        out._both.update({k: (cut(t), cut(b)) for k, (t, b) in self._both.items()})
        return out

    def currents(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        """The primary's or backup's phase and ground currents (A) its elements operate on:
        the released ones of a forward-directional relay (``*_released_a``,
        :mod:`protv2g.checks.directional_release`: an element its directional control holds
        back gives no time, tolerance nor boundary), else ``i_phase_a``/``i_ground_a``."""
        cols = [f"{side}_{c}" for c in RELEASED_CURRENT_COLUMNS]
        if not all(c in self.m.columns for c in cols):
            cols = [f"{side}_i_phase_a", f"{side}_i_ground_a"]
        return self.m[cols[0]].to_numpy(), self.m[cols[1]].to_numpy()

    def rows(self, side: str) -> list[DeviceRows]:
        """The primary's or backup's rows per device and their distinct current pairs
        (:func:`~protv2g.checks.tolerance.device_rows`), found once for every tolerance and
        boundary of that side (#21)."""
        if side not in self._rows:
            names = self.m.primary if side == "p" else self.m.backup
            self._rows[side] = device_rows(names.to_numpy(), *self.currents(side))
        return self._rows[side]

    def tol(self, side: str, which: str) -> np.ndarray:
        """Tolerance (s) of the primary (``"p"``) or backup (``"b"``) time ``which``, of the
        element (phase or ground) whose time the rule uses."""
        key = (side, which)
        if key not in self._tol:
            names = self.m.primary if side == "p" else self.m.backup
            i_p, i_g = self.currents(side)
            self._tol[key] = device_tolerance_s(self.ctx, names.to_numpy(), i_p, which, i_g,
                                                self.rows(side))
        return self._tol[key]

    def element(self, side: str, which: str) -> np.ndarray:
        """:class:`~protv2g.checks.operating_element.OperatingElement` code (int8) of the
        primary's or backup's time ``which``: the element whose time the rule uses, as
        :meth:`tol` decides it."""
        key = (side, which)
        if key not in self._el:
            names = self.m.primary if side == "p" else self.m.backup
            self._el[key] = element_codes(self.ctx.devices, names.to_numpy(),
                                          *self.currents(side), which, self.rows(side))
        return self._el[key]

    def elements(self, p_which: str, b_which: str) -> tuple[np.ndarray, np.ndarray]:
        """(primary's, backup's) :meth:`element` codes of a margin read on ``p_which`` and
        ``b_which``, for :func:`~protv2g.checks.pairs.coordination_rows`."""
        return self.element("p", p_which), self.element("b", b_which)

    def boundary(self, side: str, which: str) -> np.ndarray:
        """Data-boundary label of the primary or backup lookup ``which`` (``""`` inside)."""
        key = (side, which)
        if key not in self._bnd:
            names = self.m.primary if side == "p" else self.m.backup
            i_p, i_g = self.currents(side)
            self._bnd[key] = device_boundary(self.ctx, names.to_numpy(), i_p, i_g, which,
                                             self.rows(side))
        return self._bnd[key]

    def boundaries(self, p_which: str, b_which: str) -> np.ndarray:
        """Both devices' data-boundary labels of a margin joined (:func:`combine_boundaries`),
        kept: they do not depend on the rule's factors nor the bracket (#21)."""
        key = (p_which, b_which)
        if key not in self._combined:
            self._combined[key] = combine_boundaries(self.boundary("p", p_which),
                                                     self.boundary("b", b_which))
        return self._combined[key]

    def both(self, p_which: str, b_which: str, p_scale: float | np.ndarray = 1.0,
             b_scale: float | np.ndarray = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(tolerance, boundary) of a margin ``b_scale·t_b − p_scale·t_p − …`` (kept for
        scalar scales: both brackets ask for the same, #21)."""
        key = None
        if np.ndim(p_scale) == 0 and np.ndim(b_scale) == 0:
            key = (p_which, b_which, float(p_scale), float(b_scale))
            if key in self._both:
                return self._both[key]
        out = (rss(np.asarray(p_scale) * self.tol("p", p_which),
                    np.asarray(b_scale) * self.tol("b", b_which)),
                self.boundaries(p_which, b_which))
        if key is not None:
            self._both[key] = out
        return out
