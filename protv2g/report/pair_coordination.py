"""The per-pair coordination table of the report (the Pair coordination sheet).

:func:`pair_table` — for every primary/backup pair and rule of the Coordination table, the
base case and the worst V2G scenario at the pair's **maximum fault** (the fault with the
largest primary current, close to the primary), **minimum fault** (the smallest primary
current at which the primary still operates, its zone end) and **worst fault** (where the
margin is smallest, of the rows of the worst status: a failing row before an ``info``
one): currents, operating times, the rule's interval, the required interval,
the element of each device whose time is shown, and for recloser–fuse pairs C2's
fuse-saving range ``I_min … I_max`` (fuse currents at which the recloser's fast curve × K
beats the fuse's minimum melt, from the curves at the scenario's smallest recloser/fuse
current ratio, :mod:`protv2g.checks.fuse_saving_range`); :func:`margin_formula` says how a
row's margin follows from the columns it prints. A pure function of
:class:`~protv2g.result.StudyResult` fields (no new physics); :mod:`protv2g.report.derived`
puts it beside the other derived tables.

The element named beside each time comes from :mod:`protv2g.report.elements`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_gg_i2t import I2T_RULE
from protv2g.checks.fuse_saving_range import ground_range_text, range_text, rows_range_a
from protv2g.findings_rows import worst_order
from protv2g.report.devices import devices_from_result
from protv2g.report.elements import (
    FaultIndex,
    coded_elements,
    device_elements_many,
    fault_index,
)
from protv2g.report.pair_columns import PairColumns
from protv2g.report.pair_stage_current import AT_T_COLUMN, primary_current_at_time_a
from protv2g.report.pair_status import point_reasons, point_status

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["IDLE_CASE", "PAIR_COLUMNS", "POINT_STATUS_COLUMNS", "margin_formula", "pair_table"]

#: Each fault's own status and, for info/warn, why (:mod:`protv2g.report.pair_status`): the
#: TCC listing's intervals read them; not columns of the Pair coordination sheet
#: (:func:`~protv2g.report.derived.derive` leaves them out of its frame).
POINT_STATUS_COLUMNS = [f"{col}_{tag}" for tag in ("max", "min", "worst")
                        for col in ("status", "reason")]

#: ``case_of`` of a pair-table row judged with every charger idle (the site's own equipment
#: in): a pair the base case has not — a device on a site's transformer — gets it in place
#: of the base row (:attr:`protv2g.result.StudyResult.idle_pairs`, review rev36a M2).
IDLE_CASE = "every charger idle"
#: Columns of the per-pair coordination table (two rows per pair and rule: base, worst V2G;
#: a pair without a base case: :data:`IDLE_CASE`, worst V2G).
PAIR_COLUMNS = [
    "pair", "criterion", "rule", "case_of", "scenario",
    *(col for tag in ("max", "min", "worst") for col in (
        f"{tag}_fault", f"i_primary_{tag}_a", f"i_backup_{tag}_a", f"i_primary_3i0_{tag}_a",
        f"i_backup_3i0_{tag}_a", f"t_primary_{tag}_s", f"t_backup_{tag}_s",
        f"interval_{tag}_s", f"elements_{tag}", AT_T_COLUMN.format(tag=tag))),
    "required_s", "worst_margin_s", "margin_formula", "status", "fuse_saving_range_a",
    *POINT_STATUS_COLUMNS,
]

#: The three faults of a pair-table row: column tag → what the fault is.
_POINTS = ("max", "min", "worst")


def _base_names(result: StudyResult) -> set[str]:
    s = result.scenarios
    if s is None or s.empty or "is_base" not in s.columns:
        return set()
    return set(s.loc[s["is_base"].astype(bool), "scenario"].astype(str))


def _saving_range(rows: pd.DataFrame, recloser: Any, fuse: Any) -> tuple[str, float]:
    """C2's fuse-saving range of the pair in one scenario group (:func:`~protv2g.checks.
    fuse_saving_range.rows_range_a`): its text and its width (A, −1 for none)."""
    if recloser is None or fuse is None:
        return "", -1.0
    lo, hi = rows_range_a(rows, recloser, fuse)
    k = (pd.to_numeric(rows["rule_value"], errors="coerce").dropna()
         if "rule_value" in rows.columns else pd.Series(dtype=float))
    if np.isnan(lo) and k.empty:
        return "", -1.0
    # the phase range (at the group's current ratio), then the ground element's (review s15)
    ground = f"; {ground_range_text(recloser, fuse, float(k.iloc[0]))}" if len(k) else ""
    return range_text(lo, hi) + ground, (hi - lo if np.isfinite(lo) else -1.0)


def _em_reset(model: Any) -> bool:
    return getattr(getattr(model, "settings", None), "reset", None) == "electromechanical"


def margin_formula(rule: str, rule_value: float, em_reset: bool = False) -> str:
    """How a pair-table row's margin follows from the columns it prints.

    ``interval = worst_margin + required`` at every fault of the row; the interval is
    ``t_backup − t_primary`` except for fuse saving (``t_primary − t_backup``: fuse MM − K ×
    recloser fast, K already in ``t_backup``) and the fuse–fuse ratio rule (``ratio ×
    t_backup − t_primary``, ``t_backup`` the backup link's MM). A backup relay with
    electromechanical reset (``em_reset``) may have a smaller margin: its travel over the
    recloser's whole sequence (:mod:`protv2g.checks.coordination`), not printed.
    """
    if rule == "fuse_saving_k":
        return (f"t_primary − t_backup (fuse MM − K × recloser fast; K = {rule_value:g} is in "
                "t_backup)")
    if rule == I2T_RULE:
        return ("not a time: IEC 60269 gG I²t rule, backup's minimum pre-arcing I²t ÷ "
                "primary's maximum I²t (0.01 s; and the 0.1-s gates) ≥ 1 — the Coordination "
                "sheet's I²t ratio (interval and margin blank)")
    if rule == "fuse_fuse_ratio":
        return f"{rule_value:g} × t_backup − t_primary (backup fuse MM; the {rule_value:.0%} rule)"
    if rule == "coordination_interval" and em_reset:
        return ("t_backup − t_primary − required, or less: the electromechanical relay's "
                "travel over the recloser's sequence")
    return "t_backup − t_primary − required"


def _label(row: pd.Series | None) -> str:
    if row is None:
        return ""
    return f"{row['fault_type']} {row['fault_bus']} ({row['case']})"


def pair_table(result: StudyResult, models: dict[str, Any] | None = None,
               faults: FaultIndex | None | bool = False) -> pd.DataFrame:
    """The per-pair coordination table (:data:`PAIR_COLUMNS`); see the module docstring.

    Every value of a row comes from the Coordination rows of the scenarios it names (base:
    the base scenarios; worst V2G: the one scenario of the worst row, failing first, then
    of the smallest margin). At each of
    its three faults (max, min, worst) ``interval_*_s`` is the rule's margin before the
    required interval (``margin + required``), so ``worst_margin_s = interval_worst_s −
    required_s``; ``margin_formula`` says how the interval follows from ``t_primary`` and
    ``t_backup`` (:func:`margin_formula`). ``elements_*`` name the element of each device
    whose time is shown at that fault.

    ``models`` (device name → model, :func:`protv2g.report.devices.devices_from_result`) and
    ``faults`` (:func:`protv2g.report.elements.fault_index`) are computed when not given
    (``faults=False``); :func:`derive` passes the ones it shares with the Evidence.
    """
    coord = result.tables.get("Coordination")
    if coord is None or coord.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    base = _base_names(result)
    if models is None:
        models, _ = devices_from_result(result)
    if faults is False:
        faults = fault_index(result)
    # the fault's text columns once (#21: converted again for every pair point, 120 times on
    # the IEEE 8500)
    idle = getattr(result, "idle_pairs", None)
    if idle is not None and len(idle):  # a pair with no base case: its idle judgement
        coord = pd.concat([coord.assign(_idle=False), idle.assign(_idle=True)],
                          ignore_index=True)
    else:
        coord = coord.assign(_idle=False)
    c = coord.assign(_base=coord["scenario"].astype(str).isin(base),
                     _bus=coord["fault_bus"].astype(str), _type=coord["fault_type"].astype(str),
                     _case=coord["case"].astype(str),
                     _margin=pd.to_numeric(coord["margin_s"], errors="coerce").fillna(np.inf))
    # each text's alphabetical rank once, the tie-breaks worst_order takes as ordered
    # integer codes (#21: it ranked the texts of every pair's rows again)
    c = c.assign(**{f"_r{k}": pd.factorize(c[col].astype(str), sort=True)[0]
                    for k, col in (("scenario", "scenario"), ("bus", "_bus"), ("type", "_type"),
                                   ("case", "_case"))})
    reasons = point_reasons(result.violations)
    curve_cache: dict = {}
    rows: list[dict[str, Any]] = []
    asked: list[tuple[dict[str, Any], str, tuple[pd.Series | None, str, str] | None]] = []
    requests: list[tuple[pd.Series | None, str, str]] = []
    at = PairColumns(c)
    for (crit, rule, primary, backup), grp in at.groups(["criterion", "check", "primary",
                                                        "backup"]):
        # each group as its rows' positions in ``c`` (#21: a sub-frame of each group and
        # part cost ≈ 0.3 s CPU on the 10,000-bus study's 37 pairs; the same rows)
        own = ~at.idle[grp]
        b, v = grp[at.base[grp] & own], grp[~at.base[grp] & own]
        # a pair the base case has not: its rows with every charger idle (the project's
        # equipment in, review rev36a M2), the reference its V2G row is read against
        i = grp[~own] if not len(b) else grp[:0]
        if not len(b) and not len(v):
            continue
        ref = b if len(b) else grp[own]
        is_max, is_min = at.case[ref] == "max", at.case[ref] == "min"
        pmax = at.point(ref[is_max] if is_max.any() else ref, True)
        pmin = at.point(ref[is_min] if is_min.any() else ref, False)
        saving = "saving" in str(rule) and "not seen" not in str(rule)
        for label, part in (("base", b), (IDLE_CASE, i), ("worst V2G", v)):
            if not len(part):
                continue
            # the smallest margin of the worst status (a failing row before an info one:
            # plot43, IEEE 34's F-L26 fuse saving, the gate's −0.037 s fail at 856 was not
            # the pair's worst, an info −0.0377 s above the crossover was); equal ones in
            # one order (findings_rows.worst_order), a margin on a fuse's melting asymptote
            # after the others (review rev40a M8)
            asymptote = None if at.asymptote is None else at.asymptote[part]
            w = part[worst_order(at.margin[part], status_rank=(
                None if at.status_rank is None else at.status_rank[part]),
                names=tuple(n[part] for n in at.names),
                asymptote=asymptote if asymptote is not None and asymptote.any() else None
            )[0]]
            worst = c.iloc[w]
            # the worst V2G row shows one scenario: the one with the smallest margin
            shown = part if label == "base" else part[at.scenario[part] == at.scenario[w]]
            points = {"max": at.row_at(shown, pmax), "min": at.row_at(shown, pmin),
                      "worst": worst}
            scen = str(worst["scenario"]) if label != "base" else ", ".join(
                sorted(set(at.scenario_text[part].tolist())))
            row: dict[str, Any] = {
                "pair": f"{primary} → {backup}", "criterion": crit, "rule": rule,
                "case_of": label, "scenario": scen,
                "required_s": float(worst["required_s"]),
                "worst_margin_s": float(worst["margin_s"]),
                "margin_formula": margin_formula(str(worst.get("rule", "")),
                                                 float(worst.get("rule_value", np.nan)),
                                                 _em_reset(models.get(backup))),
                "status": "ok" if bool(at.ok[part].all()) else str(worst["status"]),
                "fuse_saving_range_a": "",
            }
            for tag in _POINTS:
                r = points[tag]
                row[f"{tag}_fault"] = _label(r)
                for col, src in (("i_primary", "i_primary_a"), ("i_backup", "i_backup_a"),
                                 ("i_primary_3i0", "i_primary_3i0_a"),
                                 ("i_backup_3i0", "i_backup_3i0_a"),
                                 ("t_primary", "t_primary_s"), ("t_backup", "t_backup_s")):
                    unit = "_a" if src.endswith("_a") else "_s"
                    row[f"{col}_{tag}{unit}"] = (float(r[src]) if r is not None and src in r
                                                 else np.nan)
                row[f"interval_{tag}_s"] = (float(r["margin_s"]) + float(r["required_s"])
                                            if r is not None else np.nan)
                # the current that sets the fuse's printed time (rev44b M2, .pair_stage_current)
                row[AT_T_COLUMN.format(tag=tag)] = primary_current_at_time_a(
                    models, curve_cache, primary, r)
                row[f"status_{tag}"], row[f"reason_{tag}"] = point_status(r, reasons)
                # named for all rows at once below; an idle row's elements are not the
                # device table's (its currents are the idle ones): its own codes' (W3)
                asked.append((row, f"elements_{tag}",
                              (r, primary, backup) if label == IDLE_CASE else None))
                requests.append((r if label != IDLE_CASE else None, primary, backup))
            if saving:
                row["fuse_saving_range_a"] = _range_cell(c.iloc[part], label,
                                                         models.get(backup),
                                                         models.get(primary))
            rows.append(row)
    for (row, col, idle), names in zip(
            asked, device_elements_many(models, faults, result, requests), strict=True):
        row[col] = (coded_elements(*idle, models) if idle is not None
                    else _GROUND.sub(r"\1 (3I0)", names))
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


#: A ground element's name (relay 51G/50G, recloser fast/delayed G): it runs on 3I0, and the
#: Pair coordination sheet says so beside the phase currents it prints ("51G (3I0)").
_GROUND = re.compile(r"\b(5[01]G|(?:fast|delayed) G)\b")


def _range_cell(part: pd.DataFrame, label: str, recloser: Any, fuse: Any) -> str:
    """The fuse-saving range cell: without V2G at the base case's current ratio; with V2G
    the narrowest over the V2G scenarios, with its scenario."""
    if label == "base":
        return _saving_range(part, recloser, fuse)[0]
    ranges = {s: _saving_range(g, recloser, fuse) for s, g in part.groupby("scenario")}
    s_min = min(ranges, key=lambda s: ranges[s][1])
    phase, sep, ground = ranges[s_min][0].partition("; ")  # the scenario names the phase range
    return f"{phase} ({s_min}){sep}{ground}" if phase else ""
