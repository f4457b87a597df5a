"""The passing rows of a pair finding's story: the coordination table's rows of its followed
row's pair, rule and fault at the export levels where the pair holds (review rev48a #3).

A finding is made of violation rows, so its export trend (:mod:`protv2g.findings_trend`)
knew only the levels where the row fails: EPRI ckt5's F03 (C1 head-mdv201_connector over
f-mdv201_106259fuse, SLG-c at 39749 min) read "worsens with export: 0.2658 s without V2G;
−0.1296 s at 2,115 kW; −0.2433 s at 2,644 kW" and left out 1,322 kW, where the same row
passes (+0.0295 s, the Coordination sheet's expected/light/50 % row). The coordination table
(``StudyResult.tables["Coordination"]``, :data:`protv2g.checks.pair_rows.COORDINATION_COLUMNS`)
holds every judged row, passing ones too: :func:`passing_stories` takes, for each finding's
followed row, the ``ok`` rows of the same criterion, rule, backup (``device``), primary
(``other_device``), fault bus, fault type and case in the scenarios with V2G export, as
trend columns (margin as the violation rows hold it, :func:`protv2g.checks.pair_rows.
row_margins`), so the trend shows where the margin crosses 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.pair_rows import row_margins
from protv2g.findings_trend_rows import PASSING_ROW

__all__ = ["PASSING_ROW", "STORY_KEY", "finding_stories", "passing_stories"]

#: The followed row's columns (Evidence names) a passing coordination row must share, and the
#: coordination table's name of each.
STORY_KEY = {"criterion": "criterion", "rule": "rule", "device": "backup",
             "other_device": "primary", "fault_bus": "fault_bus", "fault_type": "fault_type",
             "case": "case"}
#: The coordination criteria's margin unit where no row of the pair is judged by I²t.
_SECONDS = "s"


def _text(values: pd.Series | np.ndarray) -> np.ndarray:
    """Cells as text, a missing one (None, NaN) as ""."""
    s = pd.Series(np.asarray(values, dtype=object))
    return s.where(s.notna(), "").astype(str).to_numpy(dtype=object)


def passing_stories(coordination: pd.DataFrame | None, keys: pd.DataFrame,
                    info: pd.DataFrame) -> dict[int, dict[str, np.ndarray]]:
    """Each followed row's passing coordination rows as trend columns.

    Parameters
    ----------
    coordination : DataFrame or None
        The coordination table.
    keys : DataFrame
        One row per finding to look up, index the finding's position: the :data:`STORY_KEY`
        columns (Evidence names), ``margin_unit`` and ``load_levels`` (the followed row's,
        ``"light, peak"``: a passing row at another load level is another story,
        :func:`protv2g.findings_trend_rows.followed_rows`).
    info : DataFrame
        Scenario → ``participation``, ``load_level``, ``p_export_kw`` (all sites, kW;
        :func:`protv2g.findings._scenario_info`).

    Returns
    -------
    dict
        Finding position → ``margin``, ``p_export_kw``, ``participation``, ``tolerance``,
        ``attribution`` (:data:`PASSING_ROW`), ``scenario`` of its passing rows at a V2G
        export (> 0 kW); a finding without such rows is absent.
    """
    need = set(STORY_KEY.values()) | {"ok", "scenario", "margin_s"}
    if (coordination is None or not len(coordination) or not len(keys) or not len(info)
            or not need <= set(coordination.columns)):
        return {}
    c = coordination
    # narrowed on the pairs' devices and buses first (hashing), then matched on text
    mask = c["ok"].to_numpy(dtype=bool, na_value=False)
    for col in ("backup", "primary", "fault_bus"):
        ev = next(k for k, v in STORY_KEY.items() if v == col)
        mask &= c[col].isin(pd.unique(keys[ev].astype(object))).to_numpy()
    if not mask.any():
        return {}
    sub = c.iloc[np.flatnonzero(mask)]
    p_kw = sub["scenario"].astype(str).map(info["p_export_kw"]).to_numpy(dtype=float)
    sub = sub[p_kw > 0]
    if not len(sub):
        return {}
    margin, _, unit = row_margins(sub)
    right = pd.DataFrame({v: _text(sub[v]) for v in STORY_KEY.values()})
    right["_unit"] = _SECONDS if unit is None else _text(unit)
    right["_at"] = np.arange(len(sub))
    left = pd.DataFrame({v: _text(keys[k]) for k, v in STORY_KEY.items()})
    left["_unit"] = _text(keys["margin_unit"])
    left["_finding"] = keys.index.to_numpy()
    m = left.merge(right, on=[*STORY_KEY.values(), "_unit"], how="inner")
    if m.empty:
        return {}
    scen = sub["scenario"].astype(str).to_numpy(dtype=object)
    level = pd.Series(scen).map(info["load_level"]).fillna("").to_numpy(object)
    tol = (pd.to_numeric(sub["tolerance_s"], errors="coerce").to_numpy(float)
           if "tolerance_s" in sub.columns else np.full(len(sub), np.nan))
    part = pd.Series(scen).map(info["participation"]).fillna("").to_numpy(object)
    levels = dict(zip(keys.index, _text(keys["load_levels"]), strict=True))
    out = {}
    for k, at in m.groupby("_finding", sort=False)["_at"]:
        at = at.to_numpy()
        allowed = {t for t in levels[k].split(", ") if t}
        if allowed:
            at = at[np.isin(level[at], list(allowed))]
        if not len(at):
            continue
        out[int(k)] = {"margin": margin[at], "p_export_kw": p_kw[p_kw > 0][at],
                       "participation": part[at], "tolerance": tol[at],
                       "attribution": np.full(len(at), PASSING_ROW, dtype=object),
                       "scenario": scen[at], "load_levels": level[at]}
    return out


def finding_stories(evidence: pd.DataFrame, lead: np.ndarray, units: np.ndarray,
                    coordination: pd.DataFrame | None, info: pd.DataFrame | None
                    ) -> dict[int, dict[str, np.ndarray]]:
    """:func:`passing_stories` of each finding's followed row: Evidence row ``lead[k]`` of
    finding ``k``, its margin unit ``units[k]`` (the finding's)."""
    if coordination is None or info is None or not len(lead) or not len(info):
        return {}
    cols = {k: (evidence[k].to_numpy(dtype=object)[lead] if k in evidence.columns
                else np.full(len(lead), "", dtype=object))
            for k in (*STORY_KEY, "load_levels")}
    keys = pd.DataFrame({**cols, "margin_unit": np.asarray(units, dtype=object)})
    return passing_stories(coordination, keys, info)
