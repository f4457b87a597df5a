"""TCC sheet: one time–current plot per protection path and element family, and the feeder plot.

A *path* is the chain of devices from the substation to a feeder end
(:func:`protv2g.report.feeder_graph.device_chains`); every primary/backup pair sits on one.
Each path has two plots, the **phase** elements
(51P/50P, recloser phase curves, fuses) and the **ground** elements (51G/50G on 3I0, recloser
ground curves, fuses), as a protection engineer reads them. On each plot:

* every device of the path with its settings in the legend; curves end at the device's
  largest fault current (:func:`protv2g.devices.tcc.family_traces`);
* the recloser's fast curve × K where a fuse downstream relies on fuse saving (C2), and a
  fuse's 75 % minimum-melt curve where it backs up another fuse (C3);
* markers at each device's maximum and minimum fault current (faults in its own zone: the
  buses between it and the next devices downstream), base case (hollow) and with V2G
  (filled), placed on the device's own curve;
* the coordination interval of each pair of the path at its maximum fault (phase plot) or
  minimum ground fault (ground plot), base and worst V2G, against the required interval
  (from the per-pair table, :func:`protv2g.report.derived.pair_table`), each device's time
  its own element's: a 51G time on the ground plot only (:mod:`protv2g.report.tcc_intervals`).

The plots the failing findings link to are drawn (:meth:`TccPlan.select`, #21: the findings
the gate fails on; without any linking to a TCC, the warning ones); the others are listed
below them with their curve data (:mod:`protv2g.report.tcc_listing`), unless every plot is
asked for (``write_workbook(..., all_tccs=True)``, ``protv2g run --all-tccs``).
Pictures are drawn by :func:`protv2g.report.tcc_figure.path_figure` (on one Figure each
process reuses), rendered once per distinct content (an in-process cache keyed by a digest of
what is drawn), in a second process while the tables are written when a CPU is free for it
(:mod:`protv2g.report.pictures`), and placed one per printed page.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.report.elements import ColumnCoding
from protv2g.report.feeder_plot import plot_feeder, studied_export_kw
from protv2g.report.format import NOTE_FONT, write_cell
from protv2g.report.pair_coordination import IDLE_CASE
from protv2g.report.pictures import Pictures
from protv2g.report.print_setup import picture_print
from protv2g.report.sheets import FEEDER, TCC
from protv2g.report.tcc_extremes import device_extremes
from protv2g.report.tcc_figure import path_figure
from protv2g.report.tcc_intervals import intervals as _annotations
from protv2g.report.tcc_listing import TccCounts, drawn_line, entry_lines, write_listing
from protv2g.report.tcc_plan import (
    FAMILIES,
    SHOW_PX,
    TOP,
    TccPlan,
    finding_plot,
    plan_tcc,
)

if TYPE_CHECKING:  # pragma: no cover - annotations only (the report reads a result)
    from protv2g.result import StudyResult

__all__ = ["FAMILIES", "FEEDER_KEY", "TccPlan", "device_extremes", "drawn_counts",
           "finding_plot", "path_figure", "plan_tcc", "submit_feeder", "submit_tccs",
           "write_tcc_sheets"]

#: Print scale (%) of the TCC sheet: a plot (990 px = 742.5 pt) prints 705 pt wide, inside
#: the 734 pt between 0.4 in margins on landscape Letter (A4 is wider), and a page (32 rows of
#: 15 pt = 480 pt at most) 456 pt high, inside Letter's 540 pt and A4's 523 pt.
_TCC_PRINT_SCALE = 95
#: Width (Excel units) of the TCC sheet's column A: 994 px, the plots lie inside it, so the
#: sheet prints one column wide (with default columns the plot's last one, cut by the picture,
#: printed as a second page column of blank pages).
_TCC_COLUMN_WIDTH = 142


def _pair_notes(pairs: pd.DataFrame | None
                ) -> list[tuple[str, str, pd.Series, pd.Series | None]]:
    """(primary, backup, reference row, first worst-V2G row or None) of each pair and rule of
    the per-pair table, in its order: grouped once for all paths (#21: grouped again for each
    path and family, 84 times on the 250-bus study). The reference is the base row, or for a
    pair the base case has not its row with every charger idle (:data:`~protv2g.report.
    derived.IDLE_CASE`), else the V2G row itself (then no second row: review rev36a M2, the
    legend said "−49.32 s, V2G −49.32 s" of a pair without a base case)."""
    if pairs is None or pairs.empty:
        return []
    out = []
    for (pair, _rule), g in pairs.groupby(["pair", "rule"], sort=False):
        primary, _, backup = str(pair).partition(" → ")
        case_of = g["case_of"].astype(str).to_numpy()
        ref_at = np.flatnonzero(case_of == "base")
        if not len(ref_at):
            ref_at = np.flatnonzero(case_of == IDLE_CASE)
        v2g = g[(case_of != "base") & (case_of != IDLE_CASE)]
        if len(ref_at):
            out.append((primary, backup, g.iloc[int(ref_at[0])],
                        v2g.iloc[0] if len(v2g) else None))
        else:
            out.append((primary, backup, g.iloc[0], None))
    return out


def _add_picture(ws: Worksheet, data: bytes, row: int, size: tuple[int, int] = SHOW_PX
                 ) -> None:
    img = Image(io.BytesIO(data))
    img.width, img.height = size
    ws.add_image(img, f"A{row}")


class _QueuedImage(Image):
    """A PNG picture of :class:`~protv2g.report.pictures.Pictures` placed on a sheet before it
    is drawn: its bytes are asked for when the workbook's media are written (``_data``, by
    openpyxl's writer after every worksheet's XML), so the picture worker draws on while this
    process writes the sheets (#21: the main process waited for, or drew, the last TCCs
    before the save, ≈ 1.1 s of worksheet XML at 10,000 buses that could run beside them).
    The same part bytes as an :class:`~openpyxl.drawing.image.Image` of the PNG."""

    def __init__(self, pictures: Pictures, key: str, size: tuple[int, int]) -> None:
        # not Image.__init__, which opens the picture for its size and format
        self.ref = None
        self.format = "png"
        self.width, self.height = size
        self._pictures, self._key = pictures, key
        self._png: bytes | None = None

    def resolve(self) -> None:
        """Take the picture's bytes now (the Pictures are about to be closed)."""
        if self._png is None:
            self._png = self._pictures.get(self._key)[0]

    def _data(self) -> bytes:
        self.resolve()
        return self._png


def _title(ws: Worksheet, text: str, subtitle: str | None = None,
           scale: int | None = None) -> None:
    """Title (row 1), subtitle (row 2) and the print setup (:func:`picture_print`)."""
    write_cell(ws, 1, 1, text).font = Font(bold=True, size=13)
    if subtitle:
        write_cell(ws, 2, 1, subtitle).font = NOTE_FONT
    ws.sheet_view.showGridLines = False
    picture_print(ws, scale)


def _drawn_rules(result: StudyResult) -> tuple[dict[str, float], float | None]:
    """The fuse-saving K of each recloser and the fuse–fuse ratio **the checks used** (the
    result's Rules table, :func:`protv2g.checks.rule_values.study_rules_table`), so that a TCC
    draws what C2 and C3 judged (review 2026-12-01: the plot drew 1.35 × fast where C2 used the
    table's 1.8). Without a Rules table, nothing is drawn for them rather than a guess."""
    rules = result.tables.get("Rules") if hasattr(result.tables, "get") else None
    if rules is None or len(rules) == 0 or "rule" not in rules:
        return {}, None
    value = pd.to_numeric(rules["value"], errors="coerce")
    k_rows = (rules["rule"] == "fuse_saving_k") & value.notna()
    k = {str(d): float(v) for d, v in zip(rules.loc[k_rows, "device"], value[k_rows],
                                           strict=True)}
    ratio = value[(rules["rule"] == "fuse_fuse_ratio") & value.notna()]
    return k, (float(ratio.iloc[0]) if len(ratio) else None)


#: Key of the feeder plot among the workbook's pictures.
FEEDER_KEY = "feeder plot"


#: The violation columns :func:`~protv2g.report.feeder_plot.plot_feeder` reads.
FEEDER_COLUMNS = ("fault_bus", "status", "device", "other_device")


def submit_feeder(pictures: Pictures, result: StudyResult, plan: TccPlan) -> None:
    """Queue the feeder plot (needs only the plan: it can be drawn while the tables are
    derived). The first job: the picture worker starts with it, holding the plot's inputs
    and the device models the TCCs draw (:meth:`~protv2g.report.pictures.Pictures.share`)."""
    if plan.graph is None:
        return
    sites = (result.inputs.get("document") or {}).get("v2g_sites") or []
    violations = result.violations
    # not pickled to the worker, which is forked holding them (#21, 10,000 buses: the
    # violations' four columns were 9.8 MB pickled and each path's models 0.12 MB)
    pictures.share(plan.graph, plan.tree, plan.edges, result.settings, violations,
                   *plan.models.values())
    if isinstance(violations, pd.DataFrame) and not pictures.by_reference(violations):
        # only the columns the plot reads (:data:`FEEDER_COLUMNS`), all its rows, when they
        # are pickled (#21: the 10,000-bus study's 481,228 violation rows whole were
        # +400 MiB RSS in this process and its CPU)
        violations = violations[[c for c in FEEDER_COLUMNS if c in violations.columns]]
    pictures.submit(FEEDER_KEY, plot_feeder, plan.graph, result.settings, sites,
                    violations, cache=False, tree=plan.tree, edges=plan.edges,
                    studied_kw=studied_export_kw(result.scenarios, sites),
                    existing=result.tables.get("Existing sources")
                    if hasattr(result.tables, "get") else None,
                    name=result.study_name)


def submit_tccs(pictures: Pictures, result: StudyResult, plan: TccPlan,
                pairs: pd.DataFrame | None, coded: dict[str, ColumnCoding] | None = None
                ) -> dict[tuple[int, str], str]:
    """Queue the TCC of each path and family drawn (:meth:`TccPlan.is_drawn`) whose devices
    all have models, list the others' curve data (:attr:`TccPlan.listed`,
    :mod:`protv2g.report.tcc_listing`) and lay the sheet out (:meth:`TccPlan.lay_out`);
    returns (path index, family) → picture key (``coded``: as :func:`device_extremes`
    takes it)."""
    extremes = device_extremes(result, plan, coded)
    k, ratio = _drawn_rules(result)
    pair_notes = _pair_notes(pairs)
    keys = {}
    labels: dict[tuple, list[str]] = {}
    plan.listed = {}
    for kp, path in enumerate(plan.paths):
        if any(n not in plan.models for n in path):
            continue
        models = [plan.models[n] for n in path]
        for family in FAMILIES:
            if not plan.is_drawn(kp, family):
                # each interval with its own status (and why, for info/warn): no finding's
                # row beside a plot not drawn says it
                plan.listed[(kp, family)] = entry_lines(
                    models, family, extremes, k, ratio,
                    _annotations(pair_notes, path, family, with_status=True), labels)
                continue
            notes = _annotations(pair_notes, path, family)
            # the extremes of this path's devices, all path_figure reads (#21: all devices'
            # were pickled to the picture worker with each TCC)
            own = {(n, f): v for (n, f), v in extremes.items() if n in path and f == family}
            key = repr((family, [(m.name, repr(getattr(m, "settings", m))) for m in models],
                        sorted((n, f, sorted(v.items())) for (n, f), v in own.items()),
                        notes, sorted(k.items()), ratio))
            pictures.submit(key, path_figure, models, family, own, k_fast=k,
                            mm_ratio=ratio, annotations=notes, reuse=True,
                            title=f"{' > '.join(path)}: {family} elements")
            keys[(kp, family)] = key
    plan.lay_out()
    return keys


def drawn_counts(plan: TccPlan) -> TccCounts | None:
    """Plots drawn and listed, and why (:class:`~protv2g.report.tcc_listing.TccCounts`),
    when some are not drawn, else None."""
    if plan.listing_row is None:
        return None
    shown = [e for e in plan.entries() if plan.is_drawn(*e)]
    drawn = sum(all(n in plan.models for n in plan.paths[k]) for k, _ in shown)
    return TccCounts(drawn, len(plan.entries()) - len(shown), plan.drawn_for,
                     plan.passed_over)


def _tcc_sheet(wb: Workbook, plan: TccPlan, pictures: Pictures,
               keys: dict[tuple[int, str], str]) -> None:
    ws = wb.create_sheet(TCC)
    _title(ws, "TCC per protection path and element family",
           "▲ max (its close-in fault included) / ▼ min fault in each device's zone; "
           "hollow: base, filled: with V2G",
           scale=_TCC_PRINT_SCALE)
    ws.column_dimensions["A"].width = _TCC_COLUMN_WIDTH
    if plan.graph is None:
        write_cell(ws, 2, 1, "not computed in this run: no feeder topology in the result "
                   "(tables['Feeder buses'] and tables['Feeder branches'])").font = NOTE_FONT
        return
    if not plan.paths:
        write_cell(ws, 2, 1, "no protection paths: no device sits on a feeder branch"
                   ).font = NOTE_FONT
        return
    counts = drawn_counts(plan)
    if counts is not None:
        write_cell(ws, TOP, 1, drawn_line(counts, plan.study_file)).font = Font(bold=True)
    for kp, path in enumerate(plan.paths):
        missing = [f"{n}: {plan.problems.get(n, 'not in settings')}" for n in path
                   if n not in plan.models]
        for family in FAMILIES:
            if not plan.is_drawn(kp, family):
                continue
            row = plan.anchor(kp, family)
            write_cell(ws, row, 1, f"{' > '.join(path)} — {family} elements").font = Font(
                bold=True, size=11)
            if row > TOP + (counts is not None):
                ws.row_breaks.append(Break(id=row - 1))
            if missing:
                write_cell(ws, row + 1, 1, f"no TCC: {'; '.join(missing)}").font = NOTE_FONT
                continue
            ws.add_image(_QueuedImage(pictures, keys[(kp, family)], SHOW_PX), f"A{row + 1}")
    write_listing(ws, plan)


def _feeder_sheet(wb: Workbook, result: StudyResult, plan: TccPlan,
                  pictures: Pictures) -> None:
    ws = wb.create_sheet(FEEDER)
    _title(ws, "Feeder: devices, V2G sites and violation locations")
    if plan.graph is None:
        write_cell(ws, 2, 1, "not computed in this run: no feeder topology in the result "
                   "(tables['Feeder buses'] and tables['Feeder branches'])").font = NOTE_FONT
        return
    if FEEDER_KEY not in pictures:
        submit_feeder(pictures, result, plan)
    data, (w_in, h_in) = pictures.get(FEEDER_KEY)
    _add_picture(ws, data, 3, (int(w_in * 96), int(h_in * 96)))


def write_tcc_sheets(wb: Workbook, result: StudyResult, plan: TccPlan,
                     pairs: pd.DataFrame | None = None, pictures: Pictures | None = None,
                     tcc_keys: dict[tuple[int, str], str] | None = None) -> None:
    """Append the TCC and Feeder plot sheets.

    Parameters
    ----------
    wb : Workbook
    result : StudyResult
    plan : TccPlan
        From :func:`plan_tcc` (the Findings sheet links to its anchors).
    pairs : DataFrame, optional
        The per-pair table (:func:`protv2g.report.derived.pair_table`) for the interval
        annotations.
    pictures : Pictures, optional
        Where the pictures were queued (:func:`submit_feeder`, :func:`submit_tccs`, whose
        keys are ``tcc_keys``); by default they are drawn here, in this process.
    """
    if pictures is None:
        with Pictures(parallel=False) as own:
            write_tcc_sheets(wb, result, plan, pairs, own)
            for ws in (wb[TCC], wb[FEEDER]):
                for img in ws._images:
                    if isinstance(img, _QueuedImage):
                        img.resolve()
        return
    if tcc_keys is None:
        tcc_keys = submit_tccs(pictures, result, plan, pairs)
    _tcc_sheet(wb, plan, pictures, tcc_keys)
    _feeder_sheet(wb, result, plan, pictures)
