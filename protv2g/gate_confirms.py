"""The gate's ``confirm:`` items that are not a finding's failing rows: reverse power through
forward-locked regulators (C12's regulator modes). Moved out of :mod:`protv2g.gate` (module
size)."""

from __future__ import annotations

import pandas as pd

from protv2g.checks.regulator_text import MODE_TO_CONFIRM
from protv2g.gate_reason_record import scenario_count_text
from protv2g.violations import status_count_text

__all__ = ["mode_confirms"]


def mode_confirms(violations: pd.DataFrame) -> list[str]:
    """``confirm:`` lines for reverse power through forward-locked regulators without
    line-drop compensation (C12 ``warn`` rows, ``mechanism``
    :data:`~protv2g.checks.regulator_text.MODE_TO_CONFIRM`; review s28 §5): the model's mode
    suits DER export, but the field control's mode is an input only OpenDSS's default gives,
    and a bidirectional one would run its taps to a limit. One line per regulator, its
    largest reverse power; never decides the verdict."""
    if not {"mechanism", "device", "margin", "scenario"} <= set(violations.columns):
        return []
    at = violations["mechanism"].isin([MODE_TO_CONFIRM]).to_numpy(dtype=bool)
    if not at.any():
        return []
    rows = violations[at]
    lines = []
    for device, g in rows.groupby(rows["device"].astype(str), sort=True):
        w = g.loc[pd.to_numeric(g["margin"], errors="coerce").idxmin()]
        lines.append(f"confirm: C12 {device}: {w['message']} (warn: the model's mode suits the "
                     f"export; {w['scenario']}; "
                     f"{status_count_text(g['status'].astype(str).value_counts().to_dict())} "
                     f"in {scenario_count_text(g['scenario'].nunique())})")
    return lines
