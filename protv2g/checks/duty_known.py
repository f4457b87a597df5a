"""What C7 leaves for the Device duty sheet: its duty frame with the rows, base cases, model,
fault codes and net it was computed on (:class:`KnownDuty`, ``ctx.cache["duty_frame"]``), so
that the sheet (:mod:`protv2g.checks.duty_sheet`) takes C7's rows and X/R over instead of
computing them again (#21). The frame is :func:`protv2g.checks.duty.duty_frame`'s.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks._keys import FaultKeys
from protv2g.checks.distinct_blocks import FaultTwins, NotTwins, expand
from protv2g.checks.duty_rows import GROUP_KEYS

__all__ = ["KnownDuty", "expand_to_twins"]


class KnownDuty(NamedTuple):
    """C7's :func:`duty_frame` (``ctx.cache["duty_frame"]``): ``frame`` of the rows at
    ``rows`` of a table of ``n_rows`` rows, on the base cases ``base_of``; ``model`` the
    OpenDSS model it was computed on (None on a pandapower feeder); ``keys`` the fault codes
    of that table's rows (:func:`keys_for`); ``net`` and ``method`` the pandapower net and
    fault method of its X/R (:meth:`x_r_kappa`)."""

    frame: pd.DataFrame
    rows: np.ndarray
    n_rows: int
    base_of: dict[str, str]
    model: Any = None
    keys: FaultKeys | None = None
    net: Any = None
    method: Any = None

    def keys_for(self, faults: pd.DataFrame) -> FaultKeys | None:
        """``keys`` when they are the codes of ``faults``' rows: a table with their very
        index object (the engine's device table the checks' context was built on, #21: the
        Device duty sheet joined the base rows on five text columns again)."""
        keys = self.keys
        if keys is None or faults.index is not keys.index or len(keys.fault) != len(faults):
            return None
        return keys

    def x_r(self, model: Any) -> dict[int, float]:
        """Fault bus → X/R of ``frame`` when computed on ``model`` (else empty)."""
        if model is None or self.model is not model or not len(self.frame):
            return {}
        return dict(zip(self.frame.fault_bus.astype(np.int64).tolist(),
                        self.frame.x_r.astype(float).tolist(), strict=True))

    def x_r_kappa(self, study: Any) -> dict[int, tuple[float, float]]:
        """pandapower feeder: fault bus → (X/R, κ) of ``frame`` when computed on ``study``'s
        net (the same object) with its fault method, else empty (:func:`duty_frame`'s
        ``x_r_kappa_known``)."""
        if (study.model is not None or self.net is None or self.net is not study.net
                or self.method != study.document.faults.method or not len(self.frame)):
            return {}
        return dict(zip(self.frame.fault_bus.astype(np.int64).tolist(),
                        zip(self.frame.x_r.astype(float).tolist(),
                            self.frame.kappa.astype(float).tolist(), strict=True),
                        strict=True))


def expand_to_twins(cache: dict[str, Any], twins: FaultTwins) -> None:
    """C7's duty frame in the checks' ``cache`` (the Device duty sheet's known rows,
    ``cache["duty_frame"]``) for every scenario of ``twins`` (:func:`protv2g.checks.
    check_study` on the distinct fault blocks): rows of the whole device table, the frame's
    rows copied (dropped when they cannot be: the sheet then computes them)."""
    known = cache.get("duty_frame")
    if known is None:
        return
    try:  # one row per group: in the group keys' order, as the frame of every scenario is
        frame = expand(known.frame, twins).sort_values(
            list(GROUP_KEYS), kind="stable").reset_index(drop=True)
    except NotTwins:
        del cache["duty_frame"]
        return
    n_rows = max(b.stop for b in twins.block.values())
    cache["duty_frame"] = known._replace(frame=frame, rows=twins.full_rows(known.rows),
                                         n_rows=n_rows, keys=None)
