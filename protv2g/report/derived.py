"""Tables the report derives from a result: findings, per-pair coordination, fault levels.

Each is a pure function of :class:`~protv2g.result.StudyResult` fields (no new physics):

* :func:`result_findings` — :func:`protv2g.findings.build_findings` of the violations;
* :func:`pair_table` — for every primary/backup pair and rule of the Coordination table, the
  base case and the worst V2G scenario at the pair's **maximum fault** (the fault with the
  largest primary current, close to the primary) and **minimum fault** (the smallest
  primary current at which the primary still operates, its zone end): currents, operating
  times, the interval between them, the required interval, the element that operated, and
  for recloser–fuse pairs the fuse-saving range ``I_min … I_max`` (fuse currents at which the
  recloser's fast curve × K beats the fuse's minimum melt);
* :func:`fault_levels` — fault current at every device's bus, base vs. largest with V2G.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.devices.tcc import operated_element
from protv2g.findings import Findings, build_findings
from protv2g.report.devices import devices_from_result

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["PAIR_COLUMNS", "FAULT_LEVEL_COLUMNS", "UNIT_FORMATS", "derive", "fault_levels",
           "pair_table", "result_findings"]

#: Columns of the per-pair coordination table (two rows per pair and rule: base, worst V2G).
PAIR_COLUMNS = [
    "pair", "criterion", "rule", "case_of", "scenario", "max_fault", "i_primary_max_a",
    "i_backup_max_a", "t_primary_max_s", "t_backup_max_s", "interval_max_s", "min_fault",
    "i_primary_min_a", "i_backup_min_a", "t_primary_min_s", "t_backup_min_s",
    "interval_min_s", "required_s", "worst_margin_s", "status", "elements",
    "fuse_saving_range_a",
]

#: Columns of the fault-level table.
FAULT_LEVEL_COLUMNS = [
    "device", "bus", "fault_type", "i_max_base_ka", "i_max_v2g_ka", "change_max_percent",
    "i_min_base_ka", "i_min_v2g_ka", "change_min_percent", "i_max_v2g_iec_sum_ka",
]


def result_findings(result: StudyResult) -> Findings:
    """Findings and evidence of a result's violations."""
    return build_findings(result.violations, result.scenarios,
                          result.tables.get("Coordination"))


def _base_names(result: StudyResult) -> set[str]:
    s = result.scenarios
    if s is None or s.empty or "is_base" not in s.columns:
        return set()
    return set(s.loc[s["is_base"].astype(bool), "scenario"].astype(str))


def _point(rows: pd.DataFrame, largest: bool) -> tuple[str, str, str] | None:
    """(fault_bus, fault_type, case) of the largest (or smallest) primary current."""
    if rows.empty:
        return None
    i = pd.to_numeric(rows["i_primary_a"], errors="coerce")
    if i.notna().sum() == 0:
        return None
    r = rows.loc[i.idxmax() if largest else i.idxmin()]
    return str(r["fault_bus"]), str(r["fault_type"]), str(r["case"])


def _at(rows: pd.DataFrame, point: tuple[str, str, str] | None) -> pd.Series | None:
    if point is None:
        return None
    sel = rows[(rows["fault_bus"].astype(str) == point[0])
               & (rows["fault_type"].astype(str) == point[1])
               & (rows["case"].astype(str) == point[2])]
    if sel.empty:
        return None
    return sel.loc[pd.to_numeric(sel["margin_s"], errors="coerce").fillna(np.inf).idxmin()]


def _saving_range(rows: pd.DataFrame) -> str:
    """``"I_min … I_max A"`` of fuse currents where fuse saving holds (evaluated faults)."""
    ok = rows[rows["ok"].astype(bool)]
    if ok.empty:
        return "none"
    i = pd.to_numeric(ok["i_primary_a"], errors="coerce")
    return f"{i.min():,.0f} … {i.max():,.0f}"


_FAULT_KEY = ["scenario", "device", "fault_bus_name", "fault_type", "case"]


def _elements(models: dict[str, Any], faults: pd.DataFrame | None, row: pd.Series | None,
              primary: str, backup: str) -> str:
    """``"FU-1 fuse, R-1 51P"``: the element of each device that operates at ``row``'s fault
    (``faults`` indexed by :data:`_FAULT_KEY`)."""
    if row is None or faults is None or faults.empty:
        return ""
    out = []
    for name in (primary, backup):
        model = models.get(name)
        key = (str(row["scenario"]), name, str(row["fault_bus"]), str(row["fault_type"]),
               str(row["case"]))
        if model is None or key not in faults.index:
            continue
        f = faults.loc[key]
        if isinstance(f, pd.DataFrame):
            f = f.iloc[0]
        ip = 1000.0 * max(float(f["ia_ka"]), float(f["ib_ka"]), float(f["ic_ka"]))
        try:
            el = operated_element(model, [ip], [1000.0 * float(f["i3i0_ka"])])[0]
        except TypeError:
            el = ""
        out.append(f"{name} {el}".strip())
    return ", ".join(out)


def pair_table(result: StudyResult) -> pd.DataFrame:
    """The per-pair coordination table (:data:`PAIR_COLUMNS`); see the module docstring.

    ``interval_*_s`` is ``t_backup − t_primary`` (for C2 fuse saving: fuse minimum melt −
    K × recloser fast; for C3: ratio × backup MM − primary clearing); ``required_s`` is the
    CTI the rule asks for (0 where the rule's margin already holds its limit);
    ``worst_margin_s`` the smallest margin over every fault of the case.
    """
    coord = result.tables.get("Coordination")
    if coord is None or coord.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    base = _base_names(result)
    models, _ = devices_from_result(result)
    faults = result.device_faults if isinstance(result.device_faults, pd.DataFrame) else None
    if faults is not None and faults.empty:
        faults = None
    if faults is not None:
        faults = faults.astype({k: str for k in _FAULT_KEY}).set_index(_FAULT_KEY).sort_index()
    c = coord.assign(_base=coord["scenario"].astype(str).isin(base))
    rows = []
    for (crit, rule, primary, backup), grp in c.groupby(
            ["criterion", "check", "primary", "backup"], sort=False):
        b, v = grp[grp["_base"]], grp[~grp["_base"]]
        ref = b if len(b) else grp
        pmax = _point(ref[ref["case"].astype(str) == "max"] if (ref["case"].astype(str) == "max"
                                                                  ).any() else ref, True)
        pmin = _point(ref[ref["case"].astype(str) == "min"] if (ref["case"].astype(str) == "min"
                                                                  ).any() else ref, False)
        saving = "saving" in str(rule) and "not seen" not in str(rule)
        for label, part in (("base", b), ("worst V2G", v)):
            if part.empty:
                continue
            worst = part.loc[pd.to_numeric(part["margin_s"], errors="coerce").fillna(
                np.inf).idxmin()]
            at_max, at_min = _at(part, pmax), _at(part, pmin)
            scen = str(worst["scenario"]) if label != "base" else ", ".join(
                sorted(set(part["scenario"].astype(str))))
            row: dict[str, Any] = {
                "pair": f"{primary} → {backup}", "criterion": crit, "rule": rule,
                "case_of": label, "scenario": scen,
                "max_fault": " ".join(pmax[1::-1]) + f" ({pmax[2]})" if pmax else "",
                "min_fault": " ".join(pmin[1::-1]) + f" ({pmin[2]})" if pmin else "",
                "required_s": float(worst["required_s"]),
                "worst_margin_s": float(worst["margin_s"]),
                "status": "ok" if bool(part["ok"].astype(bool).all()) else str(
                    worst["status"]),
                "elements": _elements(models, faults, at_max, primary, backup),
                "fuse_saving_range_a": "",
            }
            for tag, r in (("max", at_max), ("min", at_min)):
                for col, src in (("i_primary", "i_primary_a"), ("i_backup", "i_backup_a"),
                                 ("t_primary", "t_primary_s"), ("t_backup", "t_backup_s")):
                    unit = "_a" if src.endswith("_a") else "_s"
                    row[f"{col}_{tag}{unit}"] = float(r[src]) if r is not None else np.nan
                row[f"interval_{tag}_s"] = (float(r["t_backup_s"]) - float(r["t_primary_s"])
                                            if r is not None else np.nan)
            if saving:
                if label == "base":
                    row["fuse_saving_range_a"] = _saving_range(part)
                else:  # the narrowest range over the V2G scenarios
                    ranges = {s: _saving_range(g) for s, g in part.groupby("scenario")}
                    widths = {s: _width(g) for s, g in part.groupby("scenario")}
                    s_min = min(widths, key=widths.get)
                    row["fuse_saving_range_a"] = f"{ranges[s_min]} ({s_min})"
            rows.append(row)
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def _width(rows: pd.DataFrame) -> float:
    ok = rows[rows["ok"].astype(bool)]
    if ok.empty:
        return -1.0
    i = pd.to_numeric(ok["i_primary_a"], errors="coerce")
    return float(i.max() - i.min())


def fault_levels(result: StudyResult) -> pd.DataFrame:
    """Fault current at each device's bus, base case vs. the largest with V2G
    (:data:`FAULT_LEVEL_COLUMNS`): maximum case (``max``) and minimum case (``min``).

    ``i_*_ka`` are the control-law phasor solution; ``i_max_v2g_iec_sum_ka`` is the largest
    maximum-case level with V2G on the IEC 60909 basis (the chargers' part added by
    magnitude, the Fault currents sheet's ``ikss_iec_sum_ka``,
    :mod:`protv2g.checks.converter_sum`), NaN when the result does not carry it."""
    fc, settings = result.fault_currents, result.settings
    need = {"scenario", "bus_name", "fault_type", "case", "ikss_ka"}
    if fc is None or fc.empty or settings is None or settings.empty or not need <= set(
            fc.columns) or "bus" not in settings.columns:
        return pd.DataFrame(columns=FAULT_LEVEL_COLUMNS)
    base = _base_names(result)
    f = fc.assign(_base=fc["scenario"].astype(str).isin(base),
                  ikss_ka=pd.to_numeric(fc["ikss_ka"], errors="coerce"),
                  ikss_iec_sum_ka=pd.to_numeric(fc.get("ikss_iec_sum_ka", np.nan),
                                                errors="coerce"))
    rows = []
    for dev, bus in zip(settings["device"].astype(str), settings["bus"].astype(str),
                        strict=True):
        at = f[f["bus_name"].astype(str) == bus]
        for ftype, g in at.groupby("fault_type", sort=False):
            row: dict[str, Any] = {"device": dev, "bus": bus, "fault_type": ftype}
            for case, agg in (("max", "max"), ("min", "min")):
                gc = g[g["case"].astype(str) == case]
                b = gc.loc[gc["_base"], "ikss_ka"]
                v = gc.loc[~gc["_base"], "ikss_ka"]
                ib = float(getattr(b, agg)()) if len(b) else np.nan
                iv = float(v.max() if case == "max" else v.min()) if len(v) else np.nan
                row[f"i_{case}_base_ka"], row[f"i_{case}_v2g_ka"] = ib, iv
                row[f"change_{case}_percent"] = (100.0 * (iv - ib) / ib if ib > 0
                                                 else np.nan)
            iec = g.loc[~g["_base"] & (g["case"].astype(str) == "max"), "ikss_iec_sum_ka"]
            row["i_max_v2g_iec_sum_ka"] = float(iec.max()) if iec.notna().any() else np.nan
            rows.append(row)
    return pd.DataFrame(rows, columns=FAULT_LEVEL_COLUMNS)


#: Excel number format of a margin or limit, by its unit (the cell stays a number).
UNIT_FORMATS = {"s": '0.000" s"', "A": '0" A"', "kA": '0.00" kA"', "MW": '0.00" MW"',
                "pu": '0.000" pu"', "× pickup": '0.00" × pickup"', "%": '0.0" %"',
                "fraction": "0.0%"}


def _recommendation_text(recs: pd.DataFrame | None) -> dict[str, str]:
    if recs is None or recs.empty or "finding" not in recs.columns:
        return {}
    out = {}
    for r in recs.itertuples(index=False):
        text = (f"{r.recommendation}: {r.change}" if str(r.change) else
                f"{r.recommendation}: {r.status}" + (f" ({r.note})" if str(r.note) else ""))
        out[str(r.finding)] = text
    return out


def derive(result: StudyResult) -> dict[str, Any]:
    """Every derived table of the workbook, by the key its sheet names
    (``findings``, ``evidence``, ``pairs``, ``fault_levels``), plus ``_findings`` (the full
    :class:`~protv2g.findings.Findings`) and ``_formats`` (sheet → column → per-row number
    formats for margins in their own unit)."""
    f = result_findings(result)
    findings, evidence = f.findings, f.evidence
    recs = _recommendation_text(result.tables.get("Recommendations"))
    view = findings.assign(
        evidence=[f"{a}–{b} ({n})" if a != b else a for a, b, n in zip(
            findings["evidence_first"], findings["evidence_last"], findings["n_evidence"],
            strict=True)],
        recommendation=findings["finding"].map(lambda x: recs.get(str(x), "")))
    view = view[["finding", "criterion", "status", "attribution", "title", "worst_margin",
                 "limit", "worst_fault", "worst_scenario", "export_trend", "fault_types",
                 "locations", "load_levels", "n_rows", "evidence", "recommendation",
                 "message"]]
    formats = {
        "Findings": {c: [UNIT_FORMATS.get(str(u)) for u in findings["margin_unit"]]
                     for c in ("worst_margin", "limit")},
        "Evidence": {c: [UNIT_FORMATS.get(str(u)) for u in evidence["margin_unit"]]
                     for c in ("margin", "limit")},
    }
    return {"findings": view, "evidence": evidence, "pairs": pair_table(result),
            "fault_levels": fault_levels(result), "_findings": f, "_formats": formats}
