"""The checks of the hosting band's optimistic end: timing deficits inside the devices' time
scatter do not count (:mod:`protv2g.hosting.band`, "curve tolerances").

That end only ever drops failing rows, never adds one: its inputs loosen a criterion, so its
search cannot land below the figure by this step (band38).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks import run_checks
from protv2g.checks._common import build_devices
from protv2g.devices.tolerances import tolerance_s
from protv2g.scenarios import Scenario
from protv2g.study.loader import Study

__all__ = ["tolerant_checks"]


def tolerant_checks(study: Study, fault_result: Any, flow_result: Any = None,
                    scenarios: Sequence[Scenario] | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`protv2g.checks.run_checks`, then failing timing rows whose deficit is inside the
    devices' time tolerance are dropped (the optimistic end of the curve tolerances).

    The tolerance of a row is its ``tolerance`` column when the checks give one, else the sum
    of both devices' :func:`protv2g.devices.tolerances.tolerance_s` at their currents.
    """
    v, coord = run_checks(study, fault_result, flow_result, scenarios)
    timing = (v["status"].astype(str) == "fail") & (v["margin_unit"].astype(str) == "s")
    if not timing.any():
        return v, coord
    if "tolerance" in v.columns:
        tol = pd.to_numeric(v["tolerance"], errors="coerce").fillna(0.0)
    else:
        models, _ = build_devices(study)
        tol = pd.Series(0.0, index=v.index)
        for idx in v.index[timing]:
            total = 0.0
            for dev, cur in (("device", "i_device_a"), ("other_device", "i_other_a")):
                m = models.get(str(v.at[idx, dev]))
                i_a = pd.to_numeric(pd.Series([v.at[idx, cur]]), errors="coerce").iloc[0]
                if m is None or pd.isna(i_a) or i_a <= 0:
                    continue
                try:
                    t = float(np.asarray(tolerance_s(m, [float(i_a)]))[0])
                except (TypeError, ValueError):
                    t = 0.0
                total += t if np.isfinite(t) else 0.0
            tol[idx] = total
    margin = pd.to_numeric(v["margin"], errors="coerce")
    inside = timing & (margin >= -tol) & (tol > 0)
    return v[~inside].reset_index(drop=True), coord
