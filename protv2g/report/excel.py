"""Write a :class:`~protv2g.result.StudyResult` as the Excel coordination workbook (openpyxl).

Sheets, in order (:data:`protv2g.report.sheets.SHEET_ORDER`): Summary (the decision memo),
Findings, Recommendations, Pair coordination, Fault levels, Evidence, Coordination, Fault
currents, Device duty, Directional, Flow, Hosting capacity, Hosting band, Hosting by
criterion, (further ``tables`` entries), Scenarios, Settings, Inputs, Feeder buses, Feeder
branches, TCC, Feeder plot. What each data sheet reads is in :mod:`protv2g.report.sheets`
(derived tables: :mod:`protv2g.report.derived`); a sheet whose source is absent is still
written, with its header and a "not computed" note. Every sheet prints landscape with its
header row repeated (:func:`protv2g.report.print_setup.print_layout`). An evidence table
longer than :data:`protv2g.report.bulk.BULK_ROWS` rows is written whole beside the workbook
and its sheet holds a summary (:mod:`protv2g.report.bulk`); the pictures are drawn in a worker
process while the tables are written when a CPU is free (:mod:`protv2g.report.pictures`).

Safe output: formula-like text is stored as text (:func:`~protv2g.report.format.write_cell`);
the workbook and the tables spilled beside it are written to temporary files in the target
folder and moved into place once all are complete, the workbook last, so an error or a stop
never leaves a half-written report nor a new table beside an old workbook; the same result
gives the same cell contents. It is saved by openpyxl's writer with plain rows serialised a
row at a time
(:mod:`protv2g.report.sheet_writer`: the same bytes), the tables' data rows written from their
columns without openpyxl cells (:mod:`protv2g.report.table_rows`), styles and merges set once
per distinct style (:mod:`protv2g.report.styling`), the garbage collector paused meanwhile.

Examples
--------
>>> result = run_study(load_study("feeders/depot_two_feeder/study.yaml"))  # doctest: +SKIP
>>> write_workbook(result, Path("reports/depot.xlsx"))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook

from protv2g.engine.collect import release_freed_memory
from protv2g.gate_findings import gate_of_meta
from protv2g.report.atomic import atomic_set, atomic_target
from protv2g.report.bulk import (
    BULK_ROWS,
    BULK_SUMMARIES,
    EVIDENCE_FIRST,
    EVIDENCE_ROWS,
    EVIDENCE_SUMMARY,
    EXTREME_COLUMN,
    ROWS_COLUMN,
    bulk_summary,
    summary_rows,
)
from protv2g.report.derived import derive, result_findings
from protv2g.report.elements import fault_index, fault_key_codes
from protv2g.report.format import header_label, write_cell, write_table
from protv2g.report.overflow import Overflow, spill, spill_if_too_long
from protv2g.report.pair_coordination import pair_table
from protv2g.report.pictures import Pictures
from protv2g.report.sheet_writer import save_workbook
from protv2g.report.sheets import sheet_frame, sheet_specs
from protv2g.report.summary import write_summary
from protv2g.report.tcc_intervals import GROUND_TYPES, fault_kind
from protv2g.report.tcc_sheets import (
    TccPlan,
    drawn_counts,
    finding_plot,
    plan_tcc,
    submit_feeder,
    submit_tccs,
    write_tcc_sheets,
)

if TYPE_CHECKING:  # pragma: no cover - annotations only (the report reads a result)
    from protv2g.report.table_rows import TableRows
    from protv2g.result import StudyResult

__all__ = ["write_workbook", "header_label", "write_cell", "sheet_specs"]

#: Column added to the Findings sheet, holding the link to the finding's TCC.
LINK_COLUMN = "TCC"


def _links(title: str, frame: pd.DataFrame, plan: TccPlan, anchors: dict[str, int]
           ) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Hyperlinks of a sheet: Findings → Evidence and TCC; Pair coordination → TCC;
    Evidence → Findings."""
    links: list[tuple[int, str, str]] = []
    if frame.empty:
        return frame, links
    if title == "Findings":
        texts = []
        for i, (first, dev, other, crit, fault, element) in enumerate(zip(
                frame["evidence"].astype(str), frame.get("device", frame["finding"]),
                frame.get("other_device", frame["finding"]), frame["criterion"],
                frame["worst_fault"].astype(str),
                frame.get("element", pd.Series("", index=frame.index)), strict=True)):
            row = anchors.get(first.split("–")[0].split(" ")[0])
            if row is not None:
                links.append((i, "evidence", f"#'Evidence'!A{row}"))
            # the plot of the element the worst row was judged on (C5), else of the
            # elements that see the worst fault: 3I0 ones for ground faults
            text, target = plan.link(*finding_plot(dev, other, crit, fault, element))
            texts.append(text)
            links.append((i, LINK_COLUMN, target))
        frame = frame.assign(**{LINK_COLUMN: texts})
    elif title == "Pair coordination":
        texts = []
        for i, (pair, fault) in enumerate(zip(frame["pair"].astype(str),
                                              frame["max_fault"].astype(str), strict=True)):
            primary, _, backup = pair.partition(" → ")
            family = "ground" if fault_kind(fault) in GROUND_TYPES else "phase"
            text, target = plan.link(primary, backup or None, family)
            texts.append(text)
            links.append((i, LINK_COLUMN, target))
        frame = frame.assign(**{LINK_COLUMN: texts})
    elif title == "Evidence":
        first_row = {}
        for i, fid in enumerate(frame["finding"].astype(str)):
            first_row.setdefault(fid, i)
        findings_row = {fid: k + 2 for k, fid in enumerate(first_row)}
        links = [(i, "finding", f"#'Findings'!A{findings_row[fid]}")
                 for i, fid in enumerate(frame["finding"].astype(str))]
    return frame, links


def write_workbook(result: StudyResult, path: Path, bulk_rows: int = BULK_ROWS,
                   parallel_pictures: bool | None = None,
                   evidence_rows: int = EVIDENCE_ROWS, all_tccs: bool = False) -> Path:
    """Write the workbook to ``path`` atomically and return the path.

    Parameters
    ----------
    result : StudyResult
        The study's results (not modified).
    path : Path
        Target ``.xlsx``; its folder is created if needed.
    bulk_rows : int, optional
        A bulk evidence table (:data:`protv2g.report.bulk.BULK_SUMMARIES`: fault currents,
        coordination rows, flow tables) with more rows is written whole beside ``path`` and
        its sheet holds a summary (:func:`protv2g.report.bulk.bulk_summary`: per group, or by
        coarser groups when that is longer than :data:`protv2g.report.bulk.SUMMARY_ROWS`).
    parallel_pictures : bool, optional
        Draw the TCCs and the feeder plot in a worker process while the tables are written
        (:class:`protv2g.report.pictures.Pictures`); ``None`` (default): when a second CPU is
        free and this process runs no other thread. The workbook is the same either way.
    evidence_rows : int, optional
        An Evidence table with more rows is written whole beside ``path`` and its sheet holds
        per finding its first (worst) row, which the Findings link to, and its extremes
        (:data:`protv2g.report.bulk.EVIDENCE_SUMMARY`); the links between the Findings and
        the Evidence rows shown still resolve.
    all_tccs : bool, optional
        Draw the TCC of every protection path and element family. By default (#21) only
        those the failing findings link to are drawn (the Findings sheet's TCC column; the
        findings whose status is one of the gate's ``fail_severities``, or when none of them
        links to a TCC the warning ones, then the information ones:
        :meth:`protv2g.report.tcc_plan.TccPlan.select`); the others are listed on the TCC
        sheet below the pictures with their curve data and the findings that link to them,
        where the Findings' links then land, and the TCC sheet and the Summary's sheet index
        say how many were drawn and listed (:mod:`protv2g.report.tcc_listing`). With every
        plot drawn the workbook is as before.

    Returns
    -------
    Path

    Raises
    ------
    OSError
        If a file cannot be written; nothing is left at ``path`` nor beside it (an existing
        workbook there and its spilled tables are kept unchanged: on an error or a stop,
        SIGTERM or Ctrl-C included, before all are complete none of them is replaced;
        :func:`protv2g.report.atomic.atomic_set`).

    Notes
    -----
    A table longer than a sheet (:data:`protv2g.report.overflow.EXCEL_MAX_ROWS`) is written
    whole beside ``path`` (:func:`protv2g.report.overflow.spill_if_too_long`, before the
    workbook); its sheet holds the first rows and a note naming the file, and the Summary
    lists it. So does a bulk table longer than ``bulk_rows``, its sheet holding the summary,
    and an Evidence table longer than ``evidence_rows``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the spills and the workbook moved into place together, the workbook last, once the
    # picture worker is stopped (review rev45b: a stop between them left a mixed set)
    with atomic_set(), _collection_paused(), Pictures(parallel_pictures) as pictures:
        plan = plan_tcc(result)
        submit_feeder(pictures, result, plan)  # drawn while the tables are derived
        if not all_tccs:  # the failing findings' plots (the gate's severities)
            plan.select(result_findings(result).findings,
                        gate_of_meta(result.meta.get("gate")).fail_severities)
        _write(result, path, bulk_rows, evidence_rows, plan, pictures)
    return path


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the workbook is built, as it was after.

    Building ≈ 33,000 cells (and their style arrays) allocates enough objects to start
    collections that walk every object of the process, the study's result included: ≈ 0.25 s
    of the depot's 0.36 s of table cells (``gc.disable()`` around ``write_workbook``, CPU
    seconds at load 7, 2026-12-02). Reference counting still frees everything not in a
    cycle; the cycles made meanwhile (a workbook's cells and their sheet) are collected
    after. Process-wide while it lasts, like any ``gc`` setting: a thread running meanwhile
    is not collected either.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _summarised_evidence(frame: pd.DataFrame, formats: dict[str, list[str | None]],
                         path: Path) -> tuple[pd.DataFrame, dict[str, list[str | None]],
                                              Overflow]:
    """The Evidence sheet's summary of ``frame`` (:data:`EVIDENCE_SUMMARY`), its rows' own
    number formats (``formats``: column → one per row of ``frame``), and ``frame`` written
    whole beside ``path``."""
    kept, shows, counts = summary_rows(frame, EVIDENCE_SUMMARY, EVIDENCE_FIRST)
    shown = frame.iloc[kept].reset_index(drop=True)
    shown.insert(0, ROWS_COLUMN, counts)
    shown.insert(0, EXTREME_COLUMN, shows)
    kept_formats = {c: [fmts[k] for k in kept] for c, fmts in formats.items()}
    overflow = spill(frame, path, "Evidence", len(shown), EVIDENCE_SUMMARY.description)
    return shown, kept_formats, overflow


def _write(result: StudyResult, path: Path, bulk_rows: int, evidence_rows: int,
           plan: TccPlan, pictures: Pictures) -> None:
    # the pair table first: the TCCs it annotates are drawn while the rest is derived (#21:
    # the picture worker waited for all of derive, ≈ 10 s at 10,000 buses)
    coded = fault_key_codes(result)  # the device table's key columns, coded once
    faults = fault_index(result, coded)
    pairs = pair_table(result, plan.models, faults)
    tcc_keys = submit_tccs(pictures, result, plan, pairs, coded)
    del coded
    derived = derive(result, plan.models, faults, pairs)
    # the fault index is not read again; the heap the index, the findings and the Evidence's
    # elements took and freed is handed back before the spills and the save, where the
    # workbook's peak was (#21, 10,000 buses: RSS after derive +317 -> +171 MiB, the
    # workbook's peak +412 -> +355 MiB, now derive's own: the findings' transients)
    del faults
    release_freed_memory()
    specs = sheet_specs(result)
    frames = {s.title: sheet_frame(result, s, derived) for s in specs}
    notes = {title: note for title, (_, note) in frames.items()
             if note and note.startswith("not computed")}
    row_formats = dict(derived["_formats"])
    summarised: dict[str, Overflow] = {}
    if len(frames["Evidence"][0]) > evidence_rows:
        shown, row_formats["Evidence"], summarised["Evidence"] = _summarised_evidence(
            frames["Evidence"][0], row_formats.get("Evidence", {}), path)
        release_freed_memory()  # each spill's transients (Arrow chunks), as above
        frames["Evidence"] = (shown, frames["Evidence"][1])
    evidence = frames["Evidence"][0]
    anchors = {str(e): k + 2 for k, e in enumerate(evidence["evidence"])} if len(evidence) \
        else {}
    full = derived["_findings"].findings
    findings_view = frames["Findings"][0]
    if len(findings_view):
        frames["Findings"] = (findings_view.assign(
            device=full["device"].to_numpy(), other_device=full["other_device"].to_numpy(),
            element=full["element"].to_numpy()), frames["Findings"][1])
    linked = {s.title: _links(s.title, frames[s.title][0], plan, anchors) for s in specs}
    if "element" in linked.get("Findings", (pd.DataFrame(),))[0].columns:  # the link's only
        linked["Findings"] = (linked["Findings"][0].drop(columns="element"),
                              linked["Findings"][1])
    overflows = {}
    for title, (frame, links) in list(linked.items()):
        bulk = BULK_SUMMARIES.get(title)
        if title in summarised:
            overflows[title] = summarised[title]
        elif bulk is not None and len(frame) > bulk_rows and not links:
            shown, bulk = bulk_summary(frame, bulk)
            overflows[title] = spill(frame, path, title, len(shown), bulk.description)
            linked[title] = (shown, [])
            release_freed_memory()
        elif (spilled := spill_if_too_long(frame, path, title)) is not None:
            overflows[title] = spilled
    wb = Workbook()
    write_summary(wb, result, derived, notes, list(overflows.values()),
                  tcc_counts=drawn_counts(plan) if plan.graph is not None and plan.paths
                  else None, study_file=plan.study_file)
    tables = {}  # the tables' data rows, written from their columns when saved
    for spec in specs:
        frame, links = linked[spec.title]
        rows = write_table(wb.create_sheet(spec.title), frame, frames[spec.title][1], links,
                           row_formats.get(spec.title),
                           overflow=overflows.get(spec.title), deferred=True)
        if rows is not None:
            tables[spec.title] = rows
    write_tcc_sheets(wb, result, plan, derived["pairs"], pictures, tcc_keys)
    save_workbook_atomic(wb, path, tables)


def save_workbook_atomic(wb: Workbook, path: Path,
                         tables: Mapping[str, TableRows] | None = None) -> None:
    """Save ``wb`` to a temporary file beside ``path`` and move it into place; ``tables``:
    sheet title → its table rows held as columns
    (:func:`protv2g.report.sheet_writer.save_workbook`).

    An error leaves nothing at ``path`` (an existing file there is kept unchanged).
    """
    with atomic_target(path, prefix=f".{path.stem}-", suffix=".xlsx.tmp") as tmp:
        save_workbook(wb, tmp, tables)  # openpyxl's save, plain rows a row at a time
