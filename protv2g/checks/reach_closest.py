"""C5's passing zone row nearest its limit (review draft43: a PASS on drafted inputs names the
drafted inputs the passing criteria read; an engineer also wants the row that passes by the
least — EPRI J1's head 51P at b18911, 1.5011 × pickup against C5's 1.5, passing by 0.0011 ×).

The passing rows are not violation rows; C5 judges every zone row (device, fault bus, fault
type, case, scenario) as ``ratio = I / pickup`` against ``factor`` (1.5 primary, 1.2 backup,
:mod:`protv2g.checks.sensitivity`), a row passing where ``ratio ≥ factor``. The row kept is
the one with the smallest ``ratio − factor`` among those, the figures it was judged on
(module of the check; no new physics).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CLOSEST_KEY", "closest_pass"]

#: ``CheckContext.cache`` key of C5's closest passing row (read by the runner into
#: ``StudyResult.meta["closest_passing"]["C5"]``).
CLOSEST_KEY = "C5 closest passing row"


def closest_pass(m: pd.DataFrame) -> dict[str, Any] | None:
    """The passing zone row of ``m`` nearest its limit, or None where none passes.

    Parameters
    ----------
    m : DataFrame
        C5's zone rows (``device``, ``fault_bus_name``, ``fault_type``, ``case``,
        ``scenario``, ``zone``, ``ratio``, ``factor``: the multiple of pickup the row's
        element sees and the multiple C5 asks).

    Returns
    -------
    dict or None
        ``device``, ``margin`` (``ratio − factor``, × pickup), ``margin_unit``, ``limit``
        (the factor), ``fault`` ("LL-ab b18911 min"), ``scenario``, ``zone``.

    Examples
    --------
    >>> m = pd.DataFrame({"device": ["H", "H", "R"], "fault_bus_name": ["b1", "b2", "b3"],
    ...     "fault_type": "LL-ab", "case": "min", "scenario": "base/peak",
    ...     "zone": ["primary", "primary", "backup"], "ratio": [1.5011, 1.2, 2.0],
    ...     "factor": [1.5, 1.5, 1.2]})
    >>> r = closest_pass(m)
    >>> (r["device"], round(r["margin"], 4), r["fault"], r["zone"])
    ('H', 0.0011, 'LL-ab b1 min', 'primary')
    """
    if m.empty:
        return None
    ratio = pd.to_numeric(m["ratio"], errors="coerce").to_numpy(float)
    factor = pd.to_numeric(m["factor"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        margin = ratio - factor
        ok = np.isfinite(margin) & (margin >= -1e-12)
    if not ok.any():
        return None
    k = int(np.flatnonzero(ok)[np.argmin(margin[ok])])
    col = {c: m[c].to_numpy(object)[k] for c in ("device", "fault_bus_name", "fault_type",
                                                 "case", "scenario", "zone")}
    return {"device": str(col["device"]), "margin": float(margin[k]),
            "margin_unit": "× pickup", "limit": float(factor[k]),
            "fault": f"{col['fault_type']} {col['fault_bus_name']} {col['case']}",
            "scenario": str(col["scenario"]), "zone": str(col["zone"])}
