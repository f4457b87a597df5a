"""The gate's ``confirm:`` items that are not a finding's failing rows: reverse power through
forward-locked regulators (C12's regulator modes; moved out of :mod:`protv2g.gate`, module
size) and C8's rows within one regulator tap of the limit with their records
(:func:`c8_tap_confirms`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.checks.load_tap_path import gate_confirm_rows
from protv2g.checks.regulator_text import MODE_TO_CONFIRM
from protv2g.findings_attribution import by_charging, finding_attribution
from protv2g.gate_reason_record import reason_record, scenario_count_text
from protv2g.violations import status_count_text

__all__ = ["c8_tap_confirms", "mode_confirms", "with_c8_drivers"]


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


def c8_tap_confirms(violations: pd.DataFrame) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """C8's ``confirm:`` lines within one regulator tap of the limit
    (:func:`protv2g.checks.load_tap_path.gate_confirms`) and each line's record
    (:func:`~protv2g.gate_reason_record.reason_record` of its worst row, with its rows'
    attribution as the gate's lines say it), so that its driver is said as on every other
    line (:func:`protv2g.findings_sites_text.with_driver_lines`; review ver50 #4: J1 F05's
    line was the only one without driver words)."""
    lines, records = [], {}
    for line, rows in gate_confirm_rows(violations):
        worst = rows.iloc[0].to_dict()
        attr = rows["attribution"].astype(str).tolist() if "attribution" in rows else []
        scen = rows["scenario"].astype(str).tolist() if "scenario" in rows else []
        attribution = finding_attribution(
            sorted(set(attr)), by_charging(worst.get("criterion"), worst.get("mechanism"),
                                           scen, attr))
        lines.append(line)
        records[line] = reason_record("confirm", worst, attribution)
    return lines, records


def with_c8_drivers(reasons: list[str], data: list[dict[str, Any] | None],
                    table: pd.DataFrame | None, violations: pd.DataFrame | None = None,
                    scenarios: pd.DataFrame | None = None
                    ) -> tuple[list[str], list[dict[str, Any] | None]]:
    """The gate's ``reasons`` and ``reason_data`` with C8's ``confirm:`` lines (within one
    tap, :func:`c8_tap_confirms`) saying their driver as a ``fail:`` line does: the same
    matching by criterion, device, mechanism and margin unit
    (:func:`protv2g.findings_sites_text.with_driver_lines`, which words ``fail:`` lines
    only), the line's kind kept."""
    from protv2g.findings_sites_text import with_driver_lines

    at = [k for k, rec in enumerate(data) if isinstance(rec, dict)
          and rec.get("kind") == "confirm" and rec.get("criterion") == "C8"]
    if not at:
        return reasons, data
    as_fail: list[dict[str, Any] | None] = [{**(data[k] or {}), "kind": "fail"} for k in at]
    got_r, got_d = with_driver_lines([reasons[k] for k in at], as_fail, table, violations,
                                     scenarios)
    out_r, out_d = list(reasons), list(data)
    for k, r, d in zip(at, got_r, got_d, strict=True):
        out_r[k], out_d[k] = r, ({**d, "kind": "confirm"} if d else d)
    return out_r, out_d
