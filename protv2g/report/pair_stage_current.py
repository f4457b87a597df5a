"""The current that sets the primary fuse's time on a Pair coordination row (review rev44b M2).

A pair row prints each device's first-cycle current beside its *staged* operate time (Σ Δt/t(I)
over the chargers' stages: first cycle, sustained, after a trip). Where a later stage sets the
fuse's time the two are not one point of its curve: rev44b's 13.8 kV feeder printed 301.7 A
(the depot's chargers at 1.5 pu, first cycle) beside 316 s, a time the ≈ 385–390 A of the
sustained stage sets — the link does not melt at 301.7 A at all. Beside the first-cycle current
the row now prints ``i_primary_at_t_<fault>_a``: the constant current at which the primary
fuse's total-clearing curve gives the time printed
(:func:`protv2g.checks.fuse_melt_text.setting_current_a`: the first-cycle current itself where
the first cycle sets the time, the stages' current as the melting integrates them otherwise),
where the rule reads that fuse's total clearing (``t_primary_band_low_s`` given: C1 relay over
fuse, C2's fuse backup, C3). NaN elsewhere (a relay's or recloser's time, a backup fuse's
minimum melt: not tabulated here).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pandas as pd

from protv2g.checks.fuse_melt_text import setting_current_a

__all__ = ["AT_T_COLUMN", "number_or_nan", "primary_current_at_time_a"]

#: The column (one per fault of the row: ``max``, ``min``, ``worst``).
AT_T_COLUMN = "i_primary_at_t_{tag}_a"


def primary_current_at_time_a(models: dict[str, Any], cache: dict, primary: str,
                              row: pd.Series | None) -> float:
    """The constant current (A) at which ``primary``'s total-clearing curve gives the row's
    ``t_primary_s`` (module docstring); NaN where the row does not read a fuse's TC.

    ``models``: device name → model (:func:`protv2g.report.devices.devices_from_result`);
    ``cache``: kept by the caller across rows (the curve inversions are cached in it).
    """
    if row is None or primary not in models:
        return math.nan
    low, t_s, i_a = (number_or_nan(row.get(c)) for c in (
        "t_primary_band_low_s", "t_primary_s", "i_primary_a"))
    if not (math.isfinite(low) and math.isfinite(t_s)):
        return math.nan
    shim = SimpleNamespace(devices=models, cache=cache)  # what setting_current_a reads
    return float(setting_current_a(shim, primary, t_s, i_a))


def number_or_nan(value: Any) -> float:
    """``value`` as a float, NaN where it is none or not a number: the float of
    ``pd.to_numeric(pd.Series([value]), errors="coerce").iat[0]`` without the Series (#21,
    session 46: three Series a point, 225 points of the 10,000-bus pair table).

    >>> number_or_nan("1.5"), number_or_nan(None), number_or_nan("x"), number_or_nan(True)
    (1.5, nan, nan, 1.0)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
