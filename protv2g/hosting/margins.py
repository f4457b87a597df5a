"""Smallest margin of each criterion at each evaluated export level (the hosting search's
margin curves, :attr:`protv2g.hosting.HostingAnalysis.margins`): of the rows that limit the
hosting capacity there where any does, else of the failing rows, else of every judged row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.gate import PRE_EXISTING, failing_mask, unevaluated_mask
from protv2g.hosting.limits import immaterial_mask, setting_mask
from protv2g.hosting.tables import Axis
from protv2g.study.schema import Gate
from protv2g.violations import CheckStatus, row_weights

__all__ = ["MARGIN_COLUMNS", "margin_table"]

MARGIN_COLUMNS = [
    "site", "participation", "load_level", "p_export_kw", "criterion", "margin", "n_failing",
    # rows of the criterion with status ``warn`` there (attributable to V2G): where a
    # criterion not limiting the export warns (:mod:`.warns`, review rev40a M5)
    "n_warning",
    # failing rows of the criterion there that limit the hosting figure: not a setting to
    # change (a site transformer's no-load tap, a regulator's set-point, C10's reclose) nor
    # a worsening immaterial to a deficit already there (:mod:`.limits`, the rule the
    # Hosting capacity sheet applies; review rev41a M6)
    "n_limiting",
]


def margin_table(violations: pd.DataFrame, coordination: pd.DataFrame | None,
                 meta: dict[str, tuple[Axis, float]], criteria: list[str], gate: Gate
                 ) -> pd.DataFrame:
    """Smallest margin per (scenario, criterion) (negative = violated, criterion units).

    Where rows of the criterion limit the hosting capacity (``n_limiting`` > 0: failing, not a
    setting to change nor an immaterial worsening, :mod:`.limits`), the smallest margin of
    those rows: the curve shows what sets the limit (review plot43: IEEE 34's campus C2 curve
    showed −inf, a ``warn`` row's "fault not seen by recloser", beside the limiting −0.818 s
    fuse–recloser interval). Else, where rows fail (a setting, an immaterial worsening), the
    smallest of the failing rows. Else the smallest over the violation rows attributable to
    V2G (pre-existing failures, which V2G does not make worse, would otherwise flatten every
    curve at their own margin) that are judged (``fail``/``warn``/``ok``: an ``info`` row
    limits nothing and says so) and over the coordination pairs that still coordinate
    (``margin_s ≥ 0``), so each curve shows how the criterion approaches and crosses zero as
    the export rises; a warning's margin is in the curve only at exports where nothing fails.
    """
    frames = []
    viol = violations
    if not viol.empty:
        keep = (viol["scenario"].isin(meta.keys()) & ~unevaluated_mask(viol)
                & (viol["attribution"].astype(str) != PRE_EXISTING))
        # an ``info`` row is no limit, its margin not a violation (review rev42a M10: ckt5's
        # C11 row "only depot … no island of other customers", margin = −export, drew the C11
        # curve below 0 from the first kW where the By criterion table warns from 500 kW)
        v = viol[keep & (viol["status"].astype(str) != CheckStatus.INFO.value)]
        frames.append(pd.DataFrame({"scenario": v["scenario"], "criterion": v["criterion"],
                                    "margin": pd.to_numeric(v["margin"], errors="coerce")}))
    coord = coordination
    if (coord is not None and not coord.empty
            and {"scenario", "criterion", "margin_s"} <= set(coord.columns)):
        margin = pd.to_numeric(coord["margin_s"], errors="coerce")
        c = coord[coord["scenario"].isin(meta.keys()) & (margin >= 0)]
        frames.append(pd.DataFrame({"scenario": c["scenario"], "criterion": c["criterion"],
                                    "margin": margin[c.index]}))
    frames = [f for f in frames if not f.empty]
    rows: list[dict[str, Any]] = []
    if frames:
        allm = pd.concat(frames, ignore_index=True)
        allm = allm[allm["criterion"].astype(str).isin(criteria)]
        m = allm.groupby(["scenario", "criterion"], sort=False, observed=True)["margin"].min()
        # a C5 group's row counts as the zone rows it stands for (#21, ``n_buses``)
        failing = np.asarray(failing_mask(viol, gate), dtype=bool)
        n_fail = _weighted_count(viol, failing)
        limiting = failing.copy()
        if failing.any():
            off = viol[failing]
            limiting[failing] = ~(setting_mask(off) | immaterial_mask(off))
        n_limit = _weighted_count(viol, limiting)
        warned = (viol["status"].astype(str) == "warn").to_numpy(bool) & np.asarray(
            keep, dtype=bool) if not viol.empty else np.zeros(0, dtype=bool)
        n_warn = (viol[warned].groupby(["scenario", "criterion"], observed=True).size()
                  if warned.any() else pd.Series(dtype=int))
        # the margin of the rows that set the limit (fail), not of a warning beside them
        m = _margin_of(viol, limiting, _margin_of(viol, failing, m))
        for (name, crit), margin in m.items():
            axis, p_kw = meta[name]
            rows.append({"site": axis.site.name, "participation": axis.participation.value,
                         "load_level": axis.load_level.value, "p_export_kw": p_kw,
                         "criterion": str(crit), "margin": float(margin),
                         "n_failing": int(n_fail.get((name, crit), 0)),
                         "n_warning": int(n_warn.get((name, crit), 0)),
                         "n_limiting": int(n_limit.get((name, crit), 0))})
    return pd.DataFrame(rows, columns=MARGIN_COLUMNS)


def _margin_of(viol: pd.DataFrame, rows: np.ndarray, m: pd.Series) -> pd.Series:
    """``m`` (smallest margin per (scenario, criterion)) with, where ``rows`` ((n,) bool) of
    ``viol`` fall, their own smallest margin instead."""
    if viol.empty or not rows.any():
        return m
    own = (pd.to_numeric(viol["margin"], errors="coerce")[rows]
           .groupby([viol["scenario"][rows], viol["criterion"][rows]], observed=True).min())
    out = m.copy()
    at = out.index.isin(own.index)
    out[at] = own.reindex(out.index[at]).to_numpy(float)
    return out


def _weighted_count(viol: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """The rows ``rows`` ((n,) bool) of ``viol`` per (scenario, criterion), a C5 group's
    row counting as the zone rows it stands for (#21, ``n_buses``)."""
    if viol.empty or not rows.any():
        return pd.Series(dtype=int)
    return (viol[rows].assign(_w=row_weights(viol)[rows])
            .groupby(["scenario", "criterion"], observed=True)["_w"].sum())
