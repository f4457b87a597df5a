"""A hosting-capacity search on paper: its workbook and its margin-vs-export plot.

Example
-------
>>> analysis = hosting_analysis(study)  # doctest: +SKIP
>>> write_hosting_workbook(analysis, Path("reports/depot_hosting.xlsx"))  # doctest: +SKIP
>>> plot_hosting_margins(analysis, "reports/depot_margins.png")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from protv2g.criteria import order

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.hosting import HostingAnalysis

__all__ = ["hosting_margins_figure", "plot_hosting_margins", "write_hosting_workbook"]


def write_hosting_workbook(analysis: HostingAnalysis, path: Path,
                           p_charger_kw: Mapping[str, float] | None = None) -> Path:
    """Write the hosting tables (sheets Hosting capacity, By criterion, Margins) to ``path``,
    atomically and formula-safe, and return it; a table too long for a sheet is written
    whole beside it (:func:`protv2g.report.plain_sheets.write_sheets`). ``p_charger_kw``
    (site → kW per charger): a figure below one charger's export says so in its
    ``hosting_chargers`` cell (:mod:`protv2g.report.hosting_cells`)."""
    from openpyxl import Workbook

    from protv2g.report.excel import save_workbook_atomic
    from protv2g.report.hosting_cells import hosting_chargers_view
    from protv2g.report.plain_sheets import write_sheets

    wb = Workbook()
    default = wb.active
    per = p_charger_kw or {}
    write_sheets(wb, {"Hosting capacity": hosting_chargers_view(analysis.table, per),
                      "By criterion": hosting_chargers_view(analysis.by_criterion, per),
                      "Margins": analysis.margins}, Path(path))
    wb.remove(default)
    save_workbook_atomic(wb, Path(path))
    return Path(path)


def plot_hosting_margins(analysis: HostingAnalysis, path: str | Path, *, title: str = ""
                         ) -> Path:
    """Margin vs export per criterion (one panel per criterion), written as a PNG.

    Parameters
    ----------
    analysis : HostingAnalysis
    path : str or Path
        PNG to write.
    title : str
        Figure title.

    Returns
    -------
    Path
        The PNG written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from protv2g.report.atomic import atomic_target

    path = Path(path)
    fig = hosting_margins_figure(analysis, title=title)
    try:  # whole or not at all, as the workbook (fix43: a stop mid-write left half a PNG)
        with atomic_target(path, suffix=".png.tmp") as tmp:
            fig.savefig(tmp, dpi=110, format="png")
    finally:
        plt.close(fig)
    return path


def hosting_margins_figure(analysis: HostingAnalysis, *, title: str = "") -> Any:
    """The figure :func:`plot_hosting_margins` writes (a pyplot Figure; close it after).

    Each point is the margin of the rows that limit the hosting capacity there where any
    does, else of the failing rows, else the smallest judged one
    (:func:`protv2g.hosting.margins.margin_table`; plot43: IEEE 34's campus C2 curve was a
    warning's −inf beside the limiting −0.818 s). A point below 0 is a violation: filled
    where rows of it limit the hosting capacity at
    that export (``n_limiting`` > 0, the rule of the Hosting capacity sheet,
    :mod:`protv2g.hosting.limits`; ``n_failing`` where the table has no such column), a
    square where rows fail but none limits (a setting to change — a site transformer's
    no-load tap, a regulator's set-point, a reclose interval — or a worsening immaterial to a
    deficit already there: the sheet's "not limiting"; review rev41a M6, IEEE 34's light-load
    C12 points at depot480 were "● fails (limits the hosting capacity)" beside the sheet's
    "not limiting … set by transformer.depot_xf's no-load tap"), open where they only warn
    (it limits nothing; an ``info`` row's margin is not in the curve,
    :func:`protv2g.hosting.margins.margin_table`, review rev42a M10); a panel with points
    below 0 and none limiting says so in its title (review rev40b M6: ckt5's C11/C12 panels
    sat at −0.09…−0.25 under "below 0: violated" with 0 failing). A margin of −inf (+inf)
    is drawn on a dashed line below (above) the others, which says so (review rev43a M9: IEEE
    34's campus, limited at 0 kW by C2 with a margin of −inf, had no curve)."""
    import matplotlib.pyplot as plt

    margins = analysis.margins
    crits = sorted(map(str, margins["criterion"].unique()), key=order)
    n = max(len(crits), 1)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 3.6 * rows), squeeze=False)
    flat = list(np.ravel(axes))
    colors: dict[tuple[str, str], str] = {}
    if not crits:
        flat[0].text(0.5, 0.5, "no margins reported by the checks", ha="center", va="center",
                     transform=flat[0].transAxes)
    for ax, crit in zip(flat, crits, strict=False):
        sub = margins[margins["criterion"] == crit]
        # an infinite margin (a device that never operates: C2's "fault not seen by the
        # recloser", −inf) on a line below (above) the finite ones, said in the panel: matplotlib
        # leaves it out, and IEEE 34's campus, limited at 0 kW by C2, had no curve (rev43a M9)
        edge = _infinite_edges(sub["margin"].to_numpy(float))
        for (site, part, load), g in sub.groupby(["site", "participation", "load_level"]):
            g = g.assign(margin=np.clip(g["margin"].to_numpy(float), *edge))
            line, = ax.plot(g["p_export_kw"], g["margin"], marker=".", ms=3,
                            ls="-" if load == "peak" else "--",
                            color=colors.setdefault((site, part), f"C{len(colors)}"),
                            label=f"{site} {part}/{load}")
            below = g[g["margin"] < 0.0]
            fails = below["n_failing"].to_numpy() > 0
            limits = _limiting(below)
            for sel, face, mark, label in (
                    (limits, line.get_color(), "o", "_fails"),
                    (fails & ~limits, "none", "s", "_settings"),
                    (~fails, "none", "o", "_warns")):
                if sel.any():
                    ax.plot(below["p_export_kw"][sel], below["margin"][sel], ls="",
                            marker=mark, ms=5, mfc=face, mec=line.get_color(), label=label)
            row = analysis.by_criterion[(analysis.by_criterion["site"] == site)
                                        & (analysis.by_criterion["participation"] == part)
                                        & (analysis.by_criterion["load_level"] == load)
                                        & (analysis.by_criterion["criterion"] == crit)]
            if len(row) and bool(row["limited"].iloc[0]):
                ax.axvline(float(row["hosting_kw"].iloc[0]), color=line.get_color(), ls=":",
                           lw=1)
        ax.axhline(0.0, color="k", lw=0.8)
        infinite = _say_infinite(ax, sub["margin"].to_numpy(float), edge)
        negative = sub["margin"] < 0.0
        quiet = negative.any() and not _limiting(sub[negative]).any()
        what = ("settings/warnings only" if (sub.loc[negative, "n_failing"] > 0).any()
                else "warnings only")
        ax.set_title(f"{crit}" + (f" — below 0: {what}, limits nothing" if quiet else "")
                     + (f"\n{infinite}" if infinite else ""), fontsize=10)
        ax.set_xlabel("site export (kW)")
        ax.set_ylabel("smallest margin (criterion units)")
        ax.grid(True, alpha=0.3)
    for ax in flat[len(crits) or 1:]:
        ax.set_visible(False)
    labels: dict[str, Any] = {}
    for ax in flat[:len(crits)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            labels.setdefault(label, handle)
    if labels:
        fig.legend(list(labels.values()), list(labels), loc="lower center", fontsize=7,
                   ncol=min(len(labels), 6), frameon=False)
    fig.suptitle((title + "\n" if title else "") + "margin vs export (of the limiting rows "
                 "where any, else the smallest); dotted: hosting capacity per criterion\n"
                 "below 0: violated — ● fails (limits the "
                 "hosting capacity), □ fails, not limiting (a setting to change),\n○ "
                 "warning only (limits nothing); info rows (no limit) not drawn", fontsize=10)
    rows_legend = math.ceil(len(labels) / 6) if labels else 0
    fig.tight_layout(rect=(0, 0.03 * rows_legend + 0.01, 1, 1))
    return fig


def _limiting(margins: Any) -> np.ndarray:
    """``(n,)`` bool: the margin points whose failing rows limit the hosting capacity
    (``n_limiting`` > 0, :mod:`protv2g.hosting.margins`; ``n_failing`` > 0 in a table
    without that column)."""
    col = "n_limiting" if "n_limiting" in margins.columns else "n_failing"
    return margins[col].to_numpy() > 0


def _infinite_edges(margin: np.ndarray) -> tuple[float, float]:
    """Where a panel draws its −inf and +inf margins: 12 % of the finite margins' span (0
    included) below and above them."""
    finite = margin[np.isfinite(margin)]
    lo, hi = min(float(finite.min(initial=0.0)), 0.0), max(float(finite.max(initial=0.0)), 0.0)
    span = (hi - lo) or 1.0
    return lo - 0.12 * span, hi + 0.12 * span


def _say_infinite(ax: Any, margin: np.ndarray, edge: tuple[float, float]) -> str:
    """A dashed line where a panel draws its margins of −inf (+inf) (:func:`_infinite_edges`)
    and the words for its title ("" without any)."""
    said = []
    for y, sign in ((edge[0], -np.inf), (edge[1], np.inf)):
        if (margin == sign).any():
            ax.axhline(y, color="0.4", lw=0.8, ls=(0, (4, 3)))
            said.append(f"{'−' if sign < 0 else '+'}∞ on the dashed line")
    return "margin " + " and ".join(said) + " (a device never operates)" if said else ""
