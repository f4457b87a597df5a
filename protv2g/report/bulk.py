"""Bulk evidence tables: written whole beside the workbook, summarised in their sheet (#21).

A study of a utility feeder yields evidence tables of 10⁴–10⁵ rows (IEEE 8500: 100,464 fault
current rows, 29,256 flow bus rows): no one reads them in a sheet, and writing them cell by
cell made the workbook 87 s of a 94 s study. A table named in :data:`BULK_SUMMARIES` with more
than :data:`BULK_ROWS` rows is therefore written whole beside the workbook
(:func:`protv2g.report.overflow.spill`, Parquet or CSV.gz) and its sheet holds, per group
(per bus, per device, per pair), the rows where the quantities an engineer checks reach their
extreme (largest and smallest fault current, smallest margin, highest loading, lowest and
highest voltage), each row marked with the extreme it shows and the number of rows it stands
for; a note beside the header names the file. Nothing is cut: every row is in the file.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"bus": [1, 1, 2], "fault_type": "3ph", "ikss_ka": [2.0, 3.0, 1.0]})
>>> summarise(f, BULK_SUMMARIES["Fault currents"])["ikss_ka"].tolist()
[2.0, 3.0, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from protv2g.report.format import header_label

__all__ = ["BULK_ROWS", "BulkSummary", "BULK_SUMMARIES", "EVIDENCE_FIRST", "EVIDENCE_ROWS",
           "EVIDENCE_SUMMARY", "EXTREME_COLUMN", "ROWS_COLUMN", "SUMMARY_ROWS", "bulk_summary",
           "summarise", "summary_rows"]

#: Rows above which a table of :data:`BULK_SUMMARIES` goes beside the workbook and its sheet
#: holds the summary. A design choice, not a standard: what an engineer reads by eye in a sheet
#: (scrolling, an autofilter on one column) is a few hundred rows, 25 screens of 40 rows at
#: most; a longer table is read with a filter or a script, which the file beside the workbook
#: serves better (every row, typed columns), while its sheet's summary shows per group where
#: the checked quantities reach their extremes. 1,000 keeps whole every table of the depot
#: study that an engineer reads row by row (Evidence 380 rows, which the Findings link into, is
#: never summarised; Flow sites 612) and summarises its six bulk tables (2,448–7,344 rows:
#: 521,000 of its 546,000 cells), which bounds the workbook to ≈ 50,000 cells: about a second
#: of openpyxl at ≈ 20–25 µs a cell (``benchmarks/bench_workbook.py``, 2026-12-01). Session 4
#: chose 20,000 (the depot's tables whole in their sheets, 22 s a workbook).
BULK_ROWS = 1_000
#: Rows above which a bulk table's summary is made again by its coarser groups
#: (``BulkSummary.coarse``): a summary per bus is itself a listing on a utility feeder (the
#: 10,000-bus synthetic study's Fault currents: 80,482 rows, 1.65 M cells, 71 % of the
#: workbook's cells after its Evidence was summarised; Flow buses 30,000 rows), which the
#: Fault levels sheet (every device's bus) and the findings cover. The tested studies keep
#: their summaries per bus: 250 buses ≈ 2,000 rows, IEEE 8500 Fault currents 16,744.
SUMMARY_ROWS = 20_000
#: Column (first in a summarised sheet) naming the extreme each row shows.
EXTREME_COLUMN = "shows"
#: Column (second) with the number of table rows of the row's group.
ROWS_COLUMN = "rows_in_group"

Extreme = Literal["max", "min"]


@dataclass(frozen=True)
class BulkSummary:
    """How a bulk table is summarised in its sheet.

    Attributes
    ----------
    keys : tuple of str
        Group columns (those absent from the table are ignored).
    extremes : tuple of (column, "max" | "min")
        For each, the row of each group where ``column`` is largest / smallest is kept.
    description : str
        Plain words for the sheet's note and the Summary.
    coarse : BulkSummary, optional
        The summary used instead when this one has more than :data:`SUMMARY_ROWS` rows
        (:func:`bulk_summary`): fewer, larger groups.
    """

    keys: tuple[str, ...]
    extremes: tuple[tuple[str, Extreme], ...]
    description: str
    coarse: BulkSummary | None = None


#: Bulk tables, by sheet title, and how their sheet summarises them.
BULK_SUMMARIES: dict[str, BulkSummary] = {
    "Fault currents": BulkSummary(
        ("bus", "bus_name", "fault_type"), (("ikss_ka", "max"), ("ikss_ka", "min")),
        "per bus and fault type, the rows of the largest and the smallest Ikss over "
        "scenarios and cases",
        BulkSummary(("scenario", "fault_type", "case"), (("ikss_ka", "max"), ("ikss_ka", "min")),
                    "per scenario, fault type and case, the rows of the bus with the largest "
                    "and the bus with the smallest Ikss (a summary per bus would be longer "
                    f"than {SUMMARY_ROWS:,} rows; the Fault levels sheet gives every device's "
                    "bus)")),
    "Coordination": BulkSummary(
        ("criterion", "check", "primary", "backup"), (("margin_s", "min"),),
        "per criterion, check and primary/backup pair, the row of the smallest margin"),
    "Flow": BulkSummary(
        ("device",), (("loading_percent", "max"), ("i_a", "max"), ("i_residual_a", "max"),
                      ("p_mw", "min"), ("vm_pu", "min"), ("vm_pu", "max")),
        "per device, the rows of the highest loading, phase current and residual current "
        "(3I0), the most reverse power, and the lowest and highest voltage over scenarios "
        "and steps"),
    "Flow buses": BulkSummary(
        ("bus", "bus_name"), (("vm_pu", "min"), ("vm_pu", "max"), ("unbalance_percent", "max"),
                              ("vm_ll_min_pu", "min")),
        "per bus, the rows of the lowest and highest voltage and the largest unbalance over "
        "scenarios and steps (and of the lowest line-to-line voltage on a bus with no path "
        "to ground)",
        BulkSummary(("scenario",), (("vm_pu", "min"), ("vm_pu", "max"),
                                    ("unbalance_percent", "max"), ("vm_ll_min_pu", "min")),
                    "per scenario, the rows of the bus with the lowest and the highest voltage "
                    "and the largest unbalance over steps (and of the lowest line-to-line "
                    "voltage on a bus with no path to ground; a summary per bus would be "
                    f"longer than {SUMMARY_ROWS:,} rows)")),
    "Flow branches": BulkSummary(
        ("element", "element_index", "name"), (("loading_percent", "max"), ("i_ka", "max")),
        "per branch, the rows of the highest loading and current over scenarios and steps"),
    "Flow directional": BulkSummary(
        ("device", "element"), (("wrong_direction", "max"), ("v_polarising_pu", "min"),
                                ("i_operating_a", "max")),
        "per device and directional element, a row where it declares the wrong direction "
        "(else its first row), and the rows of the lowest polarising voltage and the largest "
        "operating current over scenarios and steps"),
    # C5's zone rows of its grouped Evidence rows (#21, protv2g.checks.reach_groups.BUS_TABLE)
    "C5 buses": BulkSummary(
        ("device", "status", "fault_type"), (("margin", "min"),),
        "per device, status (zone) and fault type, the row of the smallest margin over "
        "scenarios, cases and buses"),
    # C12's voltage and unbalance rows of its grouped Evidence rows (#21,
    # protv2g.checks.flow_groups.FLOW_BUS_TABLE)
    "C12 buses": BulkSummary(
        ("scenario", "status", "margin_unit"), (("margin", "min"),),
        "per scenario, status and unit (voltage pu, unbalance % VUF), the row of the "
        "smallest margin over buses"),
    "Flow sites": BulkSummary(
        ("site",), (("p_kw", "max"), ("p_kw", "min")),
        "per V2G site, the rows of the largest export and the largest import (smallest P) "
        "over scenarios and steps"),
    "Directional": BulkSummary(
        ("device", "element"), (("wrong_direction", "max"), ("v_polarising_pu", "min"),
                                ("i_operating_a", "max")),
        "per device and directional element, a row where it declares the wrong direction "
        "(else its first row), and the rows of the lowest polarising voltage and the largest "
        "operating current over faults and scenarios"),
    "Device duty": BulkSummary(
        ("device",), (("duty_percent", "max"), ("i_max_ka", "max")),
        "per device, the rows of the highest duty and fault current"),
}


#: Evidence rows above which the Evidence sheet holds a summary and the whole table goes beside
#: the workbook (#21). The Evidence is a listing the Findings already cover (one row per
#: problem: worst margin, fault, scenario, fault types, locations, row count), but it is what a
#: reviewer reads behind a finding, so it stays whole far longer than the bulk tables: every
#: shipped example, the 250-bus study (4,937 rows) and the IEEE 8500 (5,407) keep it whole,
#: ≈ 4× below this. Above it the sheet is not read row by row but filtered, and writing it
#: costs what no finding needs: the 10,000-bus synthetic study's 264,000 rows (6.3 M cells,
#: one hyperlink each) were most of its 120 s workbook (profile 2026-12-02); 20,000 rows
#: (≈ 500,000 cells) cost ≈ 2 s.
EVIDENCE_ROWS = 20_000
#: What an Evidence summary row marks on each finding's first row: the rows are sorted by
#: finding, then status (fail first), then margin, so it is the finding's worst row, the one
#: its Findings row names first and links to.
EVIDENCE_FIRST = "first row of the finding (its worst; the Findings row links here)"
#: How a long Evidence sheet is summarised: per finding, its first row (:data:`EVIDENCE_FIRST`)
#: and the rows of its smallest margin and of its largest and smallest device current.
EVIDENCE_SUMMARY = BulkSummary(
    ("finding",), (("margin", "min"), ("i_device_a", "max"), ("i_device_a", "min")),
    "per finding, its first (worst) row, which the Findings link to, and the rows of the "
    "smallest margin and of the largest and smallest current through the device")


def bulk_summary(frame: pd.DataFrame, spec: BulkSummary
                 ) -> tuple[pd.DataFrame, BulkSummary]:
    """:func:`summarise` of ``frame`` by ``spec``, or by ``spec.coarse`` when the first has
    more than :data:`SUMMARY_ROWS` rows; returns the summary and the spec it was made by.

    A summary keeps at least one row per group: with more groups than
    :data:`SUMMARY_ROWS` the coarse one is made without making the first (#21: the
    10,000-bus study's Fault currents, 40,240 groups of bus and fault type, ≈ 0.15 s CPU).
    """
    groups = _groups(frame, spec)
    if spec.coarse is not None and (int(groups.max()) + 1 if len(groups) else 0) > SUMMARY_ROWS:
        return summarise(frame, spec.coarse), spec.coarse
    shown = _summarise(frame, spec, None, groups)
    if len(shown) > SUMMARY_ROWS and spec.coarse is not None:
        return summarise(frame, spec.coarse), spec.coarse
    return shown, spec


def _groups(frame: pd.DataFrame, spec: BulkSummary) -> pd.Series:
    """Each row's group number (``groupby(sort=False, dropna=False).ngroup()`` of
    ``spec.keys`` present in ``frame``; 0 for all without keys), indexed 0…n-1."""
    keys = [k for k in spec.keys if k in frame.columns]
    if not keys:
        return pd.Series(0, index=pd.RangeIndex(len(frame)))
    # each key column factorised where it lies (nulls one value) and the codes combined,
    # numbered by first appearance as ``ngroup`` numbers them: the key columns were copied
    # twice (``frame[keys].reset_index``) and grouped by pandas (#21)
    groups = None
    for key in keys:
        codes, distinct = pd.factorize(frame[key], use_na_sentinel=False)
        groups = codes if groups is None else pd.factorize(groups * len(distinct) + codes)[0]
    return pd.Series(groups, index=pd.RangeIndex(len(frame)))


def summary_rows(frame: pd.DataFrame, spec: BulkSummary, first: str | None = None,
                 groups: pd.Series | None = None) -> tuple[list[int], list[str], np.ndarray]:
    """The row positions :func:`summarise` keeps, what each shows, and its group's size.

    Parameters
    ----------
    frame : DataFrame
        The whole table (not modified).
    spec : BulkSummary
    first : str, optional
        Also keep the first row of every group, marked with this text (the Evidence rows the
        Findings link into, :data:`EVIDENCE_SUMMARY`); by default a group's first row is kept
        only when its extreme columns hold no number.
    groups : Series, optional
        Each row's group (:func:`_groups` of ``frame`` and ``spec``), when already made.

    Returns
    -------
    positions : list of int
        Positions in ``frame``, ascending.
    shows : list of str
        :data:`EXTREME_COLUMN` of each kept row.
    rows_in_group : ndarray of int, shape (len(positions),)
        :data:`ROWS_COLUMN` of each kept row.
    """
    # only the columns read, by position (#21: the whole table copied, 482,880 rows × 19
    # at 10,000 buses, and again by summarise: the workbook's peak memory)
    read = list(dict.fromkeys(c for c, _ in spec.extremes if c in frame.columns))
    data = frame[read].reset_index(drop=True)
    if groups is None:
        groups = _groups(frame, spec)
    shows: dict[int, list[str]] = {}
    if first is not None:
        for row in groups.drop_duplicates().index:
            shows[int(row)] = [first]
    for column, how in spec.extremes:
        if column not in data.columns:
            continue
        values = pd.to_numeric(data[column], errors="coerce")
        finite = values.notna()
        if not finite.any():
            continue
        by_group = values[finite].groupby(groups[finite], sort=False)
        rows = by_group.idxmax() if how == "max" else by_group.idxmin()
        label = f"{how} {header_label(column)}"  # once, not per row (37,000 on the IEEE 8500)
        for row in rows.to_numpy():
            shows.setdefault(int(row), []).append(label)
    covered = set(groups[list(shows)].tolist()) if shows else set()
    for row, group in groups.drop_duplicates().items():
        if group not in covered:
            shows[int(row)] = ["first row (no value)"]
    kept = sorted(shows)
    counts = groups.value_counts()
    return (kept, ["; ".join(shows[r]) for r in kept],
            counts.reindex(groups.iloc[kept]).to_numpy())


def summarise(frame: pd.DataFrame, spec: BulkSummary, first: str | None = None
              ) -> pd.DataFrame:
    """The rows of ``frame`` where each of ``spec.extremes`` is reached, per group.

    Parameters
    ----------
    frame : DataFrame
        The whole table (not modified).
    spec : BulkSummary
    first : str, optional
        Also keep each group's first row, marked with this text (:func:`summary_rows`).

    Returns
    -------
    DataFrame
        :data:`EXTREME_COLUMN` (e.g. ``"max Ikss (kA); min Ikss (kA)"`` when one row is both),
        :data:`ROWS_COLUMN`, then ``frame``'s columns; rows in the table's order. A group whose
        extreme columns hold no number is shown by its first row (``"first row (no value)"``);
        ties keep the first row.
    """
    return _summarise(frame, spec, first)


def _summarise(frame: pd.DataFrame, spec: BulkSummary, first: str | None = None,
               groups: pd.Series | None = None) -> pd.DataFrame:
    """:func:`summarise` (``groups``: as :func:`summary_rows` takes them)."""
    kept, shows, counts = summary_rows(frame, spec, first, groups)
    out = frame.iloc[kept].reset_index(drop=True)  # the kept rows only
    out.insert(0, ROWS_COLUMN, counts)
    out.insert(0, EXTREME_COLUMN, shows)
    return out.reset_index(drop=True)
