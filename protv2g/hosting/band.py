"""Hosting capacity with its band: the figure, and its range over the uncertain inputs.

The band's two ends — which inputs each moves, and why the coordination intervals move
without the relays' timing accuracy — are :mod:`.band_ends`'s (:func:`band_ends`).

Each end is one hosting search (:func:`protv2g.hosting.hosting_analysis`) on the limiting
axis of each site (the participation case and load level that gave the site its figure),
with a coarse grid to which the figure and the figure's first failing export are added (so
that an end whose inputs do not move the limit reproduces the figure, and does not step over
a limit that holds over a window of exports only: :mod:`protv2g.hosting.window`); the figure
itself is the caller's full search. The band brackets its figure by construction: the
pessimistic end's rule inputs only tighten a criterion (a larger interval, a larger K; never
a wider materiality, above) and its search evaluates the figure's first failing export, so
it fails there too; the optimistic end's only loosen (a smaller interval and K; its tolerant
checks drop rows, never add them). A guard remains for the charger current, whose effect is
not monotonic (more current can speed a primary fuse as well as a backup relay): an end's
search on the wrong side of
the figure is capped at it and ``driven_by`` says so, with the export it evaluated (review
rev37b F4, IEEE 123 campus: "205 kW, band 205 – 288 kW … pessimistic end (288 kW)", its 50 kW
searches having stepped over C12's window ≈ 208–245 kW at bus 83; ver37 §5e, EPRI ckt5
campus: 112 kW against 68 kW, from the materiality above — both gone since; the first by the
figure's exports in each end's search). ``driven_by`` names, for
each end that moved the figure, what limits it there (criterion, device(s), fault, the axis)
and the inputs that differ (the ends vary them together: which one alone drives it is not
separated); and for an end that stays at the figure, what limits the figure (or that
nothing does below the site maximum).

Rounding rule: none. The figure and both ends are kW as the searches found them, the figure as
the gate and the Hosting capacity sheet say it (one figure, review s22), not rounded to whole
chargers: the ``rounding`` column says so, with the kW of one charger and the band searches'
resolution, and the chargers' words say a fraction as such ("4.5 chargers' output, not
rounded", :func:`protv2g.charger_counts.chargers_words`). :func:`round_kw` (down to a
multiple of a step) is the band searches' own grid, not the figure's rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.gate_hosting import hosting_kw_per_site
from protv2g.hosting.band_checks import tolerant_checks
from protv2g.hosting.band_ends import CTI_KEYS, IBR_SUSTAINED_TOP_PU, BandEnd, band_ends
from protv2g.hosting.search import hosting_analysis
from protv2g.significant import kw_text
from protv2g.study.loader import Study

__all__ = ["BAND_COLUMNS", "CTI_KEYS", "IBR_SUSTAINED_TOP_PU", "BandEnd", "after_not_computed",
           "band_ends", "hosting_band", "round_kw", "tolerant_checks"]

#: Columns of the hosting-band table (one row per site).
BAND_COLUMNS = ["site", "hosting_kw", "band_low_kw", "band_high_kw", "driven_by",
                "limiting_finding", "after_recommendations_kw", "rounding", "inputs"]


def round_kw(value_kw: float, step_kw: float) -> float:
    """``value_kw`` rounded down to a multiple of ``step_kw`` (kW)."""
    if not np.isfinite(value_kw) or step_kw <= 0:
        return value_kw
    return math.floor(value_kw / step_kw + 1e-9) * step_kw


def _limiting_axis(table: pd.DataFrame, site: str) -> tuple[str, str]:
    rows = table[table["site"].astype(str) == site]
    limited = rows[rows["limited"].astype(bool)]
    if len(limited):  # the axis whose criterion gives the figure
        best = limited.loc[pd.to_numeric(limited["hosting_kw"]).idxmin()]
    else:  # unlimited: the figure is the largest site maximum (gate.hosting_kw_per_site)
        best = rows.loc[pd.to_numeric(rows["site_max_kw"]).idxmax()]
    return str(best["participation"]), str(best["load_level"])


def _site_figure(study: Study, site: str, axis: tuple[str, str], checks: Any,
                 n_grid: int, tol_kw: float,
                 progress: Callable[[str], None] | None = None,
                 extra_kw: Sequence[float] = ()) -> tuple[float, str]:
    ha = hosting_analysis(study, checks=checks, sites=[site], participations=[axis[0]],
                          load_levels=[axis[1]], n_grid=n_grid, tol_kw=tol_kw,
                          progress=progress, extra_kw={site: list(extra_kw)})
    row = ha.table.iloc[0]
    return float(row["hosting_kw"]), _limit_text(row, axis)


def _figure_points(table: pd.DataFrame, site: str, axis: tuple[str, str],
                   fig_kw: float) -> list[float]:
    """The figure and the first failing export of the figure's search on ``axis`` (kW; the
    table's ``first_fail_kw`` where it has one), for the ends' searches to evaluate."""
    rows = table[(table["site"].astype(str) == site)
                 & (table["participation"].astype(str) == axis[0])
                 & (table["load_level"].astype(str) == axis[1])]
    out = [float(fig_kw)] if np.isfinite(fig_kw) and fig_kw > 0 else []
    if len(rows) and "first_fail_kw" in rows.columns:
        first = pd.to_numeric(rows["first_fail_kw"], errors="coerce").iloc[0]
        if pd.notna(first) and first > 0:
            out.append(float(first))
    return out


def _kw_list(values: Sequence[float]) -> str:
    """``"68 and 70.3 kW"``: the exports an end's search was given (kW, 4 significant
    digits below 1,000 kW, whole kW with thousands separators from it:
    :func:`protv2g.significant.kw_text`; a 4-digit general format wrote "1.25e+04 kW").

    >>> _kw_list([68.0, 70.3]), _kw_list([1234.5, 12500.0, 99.95])
    ('68 and 70.3 kW', '1,234, 12,500, 99.95 kW')
    """
    text = [kw_text(v, 4) for v in values]
    return (" and ".join(text) if len(text) < 3 else ", ".join(text)) + " kW" if text \
        else "no extra export"


def _limit_text(row: Any, axis: tuple[str, str]) -> str:
    """What limits a figure: ``"C6 R-F1 / R-F2 (LLG at F2-B03 (min); firm, peak load)"`` from a
    hosting-table row (its ``limiting_*`` columns), or that nothing does below the site
    maximum."""
    if row is None or not bool(row["limited"]):
        return (f"no criterion {'evaluated ' if _missing(row) else ''}fails up to the site "
                f"maximum ({axis[0]}, {axis[1]} load){_missing(row, ' ({} not evaluated)')}")
    fault = row["limiting_fault"] if isinstance(row["limiting_fault"], str) else ""
    where = "; ".join(x for x in (fault,
                                  f"{axis[0]}, {axis[1]} load") if x)
    who = " ".join(str(x) for x in (row["limiting_criterion"], row["limiting_device"]) if x)
    return f"{who} ({where})"


def _missing(row: Any, form: str = "{}") -> str:
    """``form`` with the criteria a hosting-table row could not evaluate (its
    ``not_evaluated``, e.g. C1–C4 without fuses or reclosers, review23 §4); "" for none."""
    value = None if row is None else row.get("not_evaluated")
    return form.format(value) if isinstance(value, str) and value else ""


def after_not_computed(study: Study) -> str:
    """What the band's ``after_recommendations_kw`` says when no fixed study was given:
    the commands that compute the recommendations, apply them and re-run the study."""
    path = study.path if study.path is not None else "STUDY"
    return (f"not computed: run `protv2g recommend {path} --apply -o fixed.yaml` then "
            "`protv2g gate fixed.yaml` (its hosting capacity: `protv2g hosting fixed.yaml`)")


def hosting_band(study: Study, table: pd.DataFrame, *, after: Study | None = None,
                 n_grid: int = 6, tol_kw: float = 50.0,
                 progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The hosting band of every site (:data:`BAND_COLUMNS`).

    Parameters
    ----------
    study : Study
    table : DataFrame
        The study's own hosting table (:func:`protv2g.hosting.hosting_capacity`): the figure
        and the limiting axis per site.
    after : Study, optional
        The study with the recommended changes applied: its figure per site (a coarse search
        over the study's participation cases and load levels). Without it,
        ``after_recommendations_kw`` says "not computed" and the commands that give it
        (:func:`after_not_computed`), never an empty cell.
    n_grid, tol_kw : int, float
        Coarseness of the band's searches.
    progress : callable, optional
        Passed to each search (:func:`protv2g.hosting.hosting_analysis`).

    Returns
    -------
    DataFrame
        One row per site; kW as searched, the figure as the gate says it (``rounding`` says
        so; review s22: rounded to whole chargers here, 50.4 kW beside the gate's 54 kW).
    """
    if table is None or table.empty:
        return pd.DataFrame(columns=BAND_COLUMNS)
    figures = hosting_kw_per_site(table)
    ends = band_ends(study)
    after_kw: dict[str, float] = {}
    if after is not None:
        doc = after.document
        after_table = hosting_analysis(after, participations=doc.scenarios.participation,
                                       load_levels=doc.scenarios.load_levels,
                                       n_grid=n_grid, tol_kw=tol_kw,
                                       progress=progress).table
        after_kw = hosting_kw_per_site(after_table)
    rows = []
    for site in study.document.v2g_sites:
        name = site.name
        if name not in figures:
            continue
        axis = _limiting_axis(table, name)
        step = site.p_charger_kw
        # the site's resolution: a search resolving 50 kW on a 58 kW site said "neither end
        # moves the figure (54 kW)" beside a band of 43–50 kW (review s22, DG feeder's homes)
        site_tol = min(tol_kw, step) if step > 0 else tol_kw
        fig = figures[name]
        values = {"figure": fig}
        whats = {}
        # each end also evaluates the figure and the export where the figure's search first
        # fails: a coarse grid would otherwise step over a limit that holds over a window of
        # exports only (review rev37b F4)
        extra = _figure_points(table, name, axis, fig)
        for end in ends:
            values[end.name], whats[end.name] = _site_figure(
                end.study, name, axis, end.checks, n_grid, site_tol,
                None if progress is None else
                (lambda text, e=f"{name} {end.name} end": progress(f"{e}, {text}")),
                extra)
        # the band brackets its figure: pessimistic ≤ figure ≤ optimistic. An end's coarse
        # search can land on the wrong side of the figure where the limit is not monotonic
        # in the export (review rev37b F4, IEEE 123 campus: C12 at 83 fails only in a window
        # ≈ 205–245 kW closed by reg4b's tap; the 50 kW searches stepped over it and said
        # "pessimistic end (288 kW)" beside the figure 205 kW): such an end is capped at the
        # figure, and the text says so
        raw = dict(values)
        for end in ends:
            values[end.name] = (min(raw[end.name], fig) if end is ends[0]
                                else max(raw[end.name], fig))
        lo = values[ends[0].name]
        hi = values[ends[1].name]
        limiting = table[(table["site"].astype(str) == name)
                         & (table["participation"].astype(str) == axis[0])
                         & (table["load_level"].astype(str) == axis[1])]
        lim = limiting.iloc[0] if len(limiting) else None
        lim_text = ("" if lim is None or not bool(lim["limited"]) else
                    " ".join(str(x) for x in (lim["limiting_criterion"], lim["limiting_device"])
                             if x) + f" ({lim['limiting_fault']}; {axis[0]}, {axis[1]} load)")
        whats["figure"] = _limit_text(lim, axis)
        driven = []
        for end in ends:
            if not math.isclose(raw[end.name], fig, abs_tol=site_tol) and math.isclose(
                    values[end.name], fig):
                side = "above" if raw[end.name] > fig else "below"
                driven.append(f"{end.name} end capped at the figure ({fig:,.0f} kW) — a "
                              f"guard: its own search (resolving {site_tol:g} kW) gave "
                              f"{raw[end.name]:,.0f} kW, {side} the figure "
                              f"({whats[end.name]}), though it also evaluated "
                              f"{_kw_list(extra)} (the figure and its first failing "
                              f"export) and this end's inputs only "
                              f"{'tighten' if end is ends[0] else 'loosen'} the criteria: "
                              "the limit is not monotonic in them (e.g. more charger "
                              "current speeding the primary of the limiting pair; see the "
                              "figure's limit); inputs moved: "
                              + ("; ".join(end.changes) or "none"))
            elif not math.isclose(values[end.name], fig, abs_tol=site_tol):
                driven.append(f"{end.name} end ({values[end.name]:,.0f} kW) limited by "
                              f"{whats[end.name]}; inputs moved: "
                              + ("; ".join(end.changes) or "none"))
        # an end within the searches' resolution of the figure does not move it (review
        # s22); one that differs says its own kW (band38, ckt5 campus: "low end = the figure
        # (68 kW)" beside a band from 65.7 kW)
        near = {label: (f"{label} end = the figure ({fig:,.0f} kW)"
                        if math.isclose(kw, fig, rel_tol=1e-6) else
                        f"{label} end ({kw_text(kw, 4)} kW) within the band searches' resolution "
                        f"({site_tol:g} kW) of the figure ({fig:,.0f} kW)")
                for label, kw in (("low", lo), ("high", hi))
                if math.isclose(kw, fig, abs_tol=site_tol)}
        if driven:  # an end the inputs do not move is the figure: say what limits it too
            driven += [f"{text}: {whats['figure']}" for text in near.values()]
        elif any("within" in text for text in near.values()):
            driven = [f"neither end moves the figure ({fig:,.0f} kW) by more than the band "
                      f"searches' resolution ({site_tol:g} kW): "
                      + "; ".join(t for t in near.values() if "within" in t)
                      + f"; the figure: {whats['figure']}"]
        rows.append({
            # the figure as the gate and the Hosting capacity sheet say it (one figure, s22:
            # 54 kW there, 50.4 kW rounded to whole chargers here)
            "site": name, "hosting_kw": fig, "band_low_kw": lo, "band_high_kw": hi,
            "driven_by": " | ".join(driven) or (f"neither end moves the figure "
                                                 f"({fig:,.0f} kW): {whats['figure']}"),
            "limiting_finding": lim_text or ("none up to the site maximum"
                                             + _missing(lim, " ({} not evaluated)")),
            "after_recommendations_kw": (after_kw[name] if name in after_kw
                                         else after_not_computed(study) if after is None
                                         else np.nan),
            "rounding": f"kW as searched, as the gate says them (not rounded to whole "
                        f"chargers: {step:g} kW per charger at {name}); band searches resolve "
                        f"{site_tol:g} kW",
            "inputs": "; ".join(f"{e.name}: {', '.join(e.changes) or 'as the study'}"
                                for e in ends),
        })
    return pd.DataFrame(rows, columns=BAND_COLUMNS)
