"""Which TCC plot sits where on the TCC sheet, which are drawn, and the device models they
draw (:class:`TccPlan`, made once per workbook by :func:`plan_tcc`), and which plot a finding
links to (:func:`finding_plot`). The sheet itself is written by
:mod:`protv2g.report.tcc_sheets`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.devices.models import Device
from protv2g.findings import PAIR_CRITERIA
from protv2g.report.devices import devices_from_result
from protv2g.report.feeder_graph import device_chains, device_edges, feeder_graph
from protv2g.report.feeder_tree import FeederTree, feeder_tree
from protv2g.report.sheets import FEEDER, TCC
from protv2g.report.tcc_intervals import GROUND_TYPES, fault_kind
from protv2g.violations import COUNTED_STATUSES, CheckStatus

if TYPE_CHECKING:  # pragma: no cover - annotations only (the report reads a result)
    from protv2g.result import StudyResult

__all__ = ["FAMILIES", "ROWS_PER_PLOT", "SHOW_PX", "TOP", "TccPlan", "finding_plot", "plan_tcc"]

FAMILIES = ("phase", "ground")
#: Size of a plot on the sheet (px at 96 dpi: 10.3 in × 5.8 in at 100 %).
SHOW_PX = (990, 558)
#: Rows from one plot's heading to the next: the heading row and the picture (558 px =
#: 418.5 pt = 28 rows of 15 pt), one row spare. Each plot starts a printed page.
ROWS_PER_PLOT = 30
@dataclass
class TccPlan:
    """Which plot sits where (anchors for hyperlinks), which are drawn, and the device models.

    ``graph``: the feeder graph (:func:`~protv2g.report.feeder_graph.feeder_graph`), ``tree``
    its breadth-first tree (:func:`~protv2g.report.feeder_tree.feeder_tree`) and ``edges``
    each device's branch (:func:`~protv2g.report.feeder_graph.device_edges`), made once for
    the paths, the zones and the feeder plot (#21: each made them again);
    ``drawn``: the (path index, family) entries drawn as pictures, ``None`` for every one
    (:meth:`select`); ``drawn_for``: the finding statuses whose plots are drawn (``()``
    when every plot is, or none is) and ``passed_over`` those tried before them, none of
    whose findings links to a TCC; ``linked``: each entry's findings as (finding, status),
    in the Findings' order; ``listed``: the lines written for each entry not drawn (its
    devices' curve data, :mod:`protv2g.report.tcc_listing`); ``rows``: each entry's title
    row once :meth:`lay_out` placed them (before, the layout of every plot drawn).
    """

    paths: list[list[str]] = field(default_factory=list)
    models: dict[str, Device] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    graph: Any = None
    tree: FeederTree | None = None
    edges: dict[str, tuple[str, str]] = field(default_factory=dict)
    drawn: set[tuple[int, str]] | None = None
    drawn_for: tuple[str, ...] = ()
    passed_over: tuple[str, ...] = ()
    linked: dict[tuple[int, str], list[tuple[str, str]]] = field(default_factory=dict)
    listed: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    rows: dict[tuple[int, str], int] = field(default_factory=dict)
    study_file: str = ""

    def entries(self) -> list[tuple[int, str]]:
        """Every (path index, family), in path order."""
        return [(k, f) for k in range(len(self.paths)) for f in FAMILIES]

    def is_drawn(self, k: int, family: str) -> bool:
        """Whether the plot of path ``k`` and ``family`` is in the pictures' part of the sheet
        (a picture, or the note saying why it has none)."""
        return self.drawn is None or (k, family) in self.drawn

    def anchor(self, k: int, family: str) -> int:
        """Row of the title cell of path ``k``'s plot (or listing) of ``family``."""
        if (k, family) in self.rows:
            return self.rows[(k, family)]
        return TOP + (2 * k + FAMILIES.index(family)) * ROWS_PER_PLOT

    def target(self, device: Any, other: Any = None) -> int | None:
        """Index of the path showing ``device`` (and ``other``): the first holding both,
        else the first holding ``device``; None without a named device or such a path."""
        names = [str(x) for x in (device, other) if _named(x)]
        if not names:
            return None
        for k, path in enumerate(self.paths):
            if all(n in path for n in names):
                return k
        for k, path in enumerate(self.paths):
            if names[0] in path:
                return k
        return None

    def link(self, device: Any, other: Any = None, family: str = "phase") -> tuple[str, str]:
        """(text, target) of the plot showing ``device`` (and ``other``)."""
        k = self.target(device, other)
        if k is None:
            return "Feeder plot", f"#'{FEEDER}'!A1"
        shown = "" if self.is_drawn(k, family) else "; listed, not drawn"
        return (f"TCC {' > '.join(self.paths[k])} ({family}{shown})",
                f"#'{TCC}'!A{self.anchor(k, family)}")

    def select(self, findings: pd.DataFrame | None,
               fail_severities: Iterable[str] = (CheckStatus.FAIL.value,)) -> None:
        """Draw only the plots of the findings the gate fails on: those whose status is one of
        the gate's ``fail_severities`` (``gate.fail_severities``, default ``fail``: the
        findings behind its ``fail:`` and ``condition:`` lines); when none of them links to a
        TCC, those of the next status down that does (``warn``, then ``info``: an engineer
        still sees a plot). A finding's plot is the one the Findings sheet's TCC column links
        to (:func:`finding_plot`); the other plots are listed with their curve data, where
        that column's link then lands (#21, the lead's decisions: 2026-12-05, only the plots
        the findings link to — 112 TCCs at 10,000 buses were 68 % of the workbook's CPU;
        session 43, only the failing findings' — 80 plots linked there).
        """
        self.drawn, self.linked, self.drawn_for, self.passed_over = set(), {}, (), ()
        if findings is None or findings.empty:
            return
        status = (findings["status"].astype(str) if "status" in findings.columns
                  else pd.Series(CheckStatus.FAIL.value, index=findings.index))
        element = (findings["element"] if "element" in findings.columns
                   else pd.Series("", index=findings.index))
        for fid, st, *args in zip(findings["finding"].astype(str), status,
                                  findings["device"], findings["other_device"],
                                  findings["criterion"], findings["worst_fault"], element,
                                  strict=True):
            device, other, family = finding_plot(*args)
            k = self.target(device, other)
            if k is not None:
                self.linked.setdefault((k, family), []).append((fid, st))
        gate = tuple(dict.fromkeys(str(getattr(s, "value", s)) for s in fail_severities))
        tried: tuple[str, ...] = ()
        for tier in (gate, *((s,) for s in COUNTED_STATUSES if s not in gate)):
            chosen = {e for e, fs in self.linked.items() if any(st in tier for _, st in fs)}
            if chosen:
                self.drawn, self.drawn_for, self.passed_over = chosen, tier, tried
                return
            tried += tier

    def lay_out(self) -> None:
        """Place the entries: with every plot drawn, one a printed page from row
        :data:`TOP`, as always; else a line saying how many are drawn (row :data:`TOP`),
        the plots drawn one a page below it, then the others listed (their title, a line
        saying they are not drawn, their curve data: :attr:`listed`)."""
        self.rows = {}
        shown = [e for e in self.entries() if self.is_drawn(*e)]
        if len(shown) == len(self.entries()):
            return
        row = TOP + 1
        for e in shown:
            self.rows[e] = row
            row += ROWS_PER_PLOT
        row += 1  # the listing's own title
        for e in self.entries():
            if e not in self.rows:
                self.rows[e] = row
                row += 2 + len(self.listed.get(e, ())) + 1  # title, note, lines, a blank

    @property
    def listing_row(self) -> int | None:
        """Row of the listing's title (None when every plot is drawn)."""
        if not self.rows:
            return None
        return TOP + 1 + sum(self.is_drawn(*e) for e in self.entries()) * ROWS_PER_PLOT


#: Row of the first plot's title (rows 1–2: the sheet's title and legend note).
TOP = 3


def finding_plot(device: Any, other: Any, criterion: Any, worst_fault: Any,
                 element: Any = "") -> tuple[Any, Any, str]:
    """(device, other device or None, family) of the plot a finding links to: the pair's
    path for a pair criterion (:data:`protv2g.findings.PAIR_CRITERIA`), the device's for the
    others; the plot of ``element``, the element the finding's worst row was judged on
    (C5: ``phase`` or ``ground``, the Findings' ``element``) where it says, else the ground
    elements' plot when its worst fault is a ground fault (review ver43 M-p1: IEEE 34's C5
    R-816 at LLG-ab 890, judged on its phase element, linked the ground TCC).

    >>> finding_plot("R1", "", "C5", "LLG-ab 890 min", "phase")[2]
    'phase'
    >>> finding_plot("R1", "", "C5", "LLG-ab 890 min")[2]
    'ground'
    """
    family = (str(element) if str(element) in FAMILIES else
              "ground" if fault_kind(str(worst_fault)) in GROUND_TYPES else "phase")
    return device, (other if str(criterion) in PAIR_CRITERIA else None), family


def _named(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) \
        and str(value) not in ("", "nan")


def plan_tcc(result: StudyResult) -> TccPlan:
    """The paths of a result and its device models."""
    plan = TccPlan()
    plan.models, plan.problems = devices_from_result(result)
    plan.graph = feeder_graph(result.tables)
    plan.study_file = str((result.inputs or {}).get("study_file") or "")
    if plan.graph is not None:
        plan.tree = feeder_tree(plan.graph)
        plan.edges = device_edges(plan.graph, result.settings)
        plan.paths = device_chains(plan.graph, result.settings, plan.tree, plan.edges)
    return plan
