"""TCC sheets: log–log time–current plots for violating pairs and device chains, and the
feeder plot, as PNG pictures in the workbook.

What it reads from a :class:`~protv2g.result.StudyResult`:

* ``violations`` — rows with both ``device`` and ``other_device`` give one plot per device
  pair (both devices' curves), with markers at ``(i_device_a, t_device_s)`` and
  ``(i_other_a, t_other_s)`` for the worst rows of that pair;
* ``settings`` (+ the study's curve library) — the device models
  (:mod:`protv2g.report.devices`);
* ``tables["Feeder buses"]`` / ``tables["Feeder branches"]`` — the chains from the substation
  and the feeder plot (:mod:`protv2g.report.feeder_graph`);
* ``fault_currents`` — max / min fault current markers on the chain plots.

The plan (which plot sits where) is made first so that the Violations sheet can link to
pictures before they are drawn.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.devices.models import Device
from protv2g.devices.tcc import device_traces, plot_tcc
from protv2g.report.devices import devices_from_result
from protv2g.report.feeder_graph import device_chains, device_edges, feeder_graph
from protv2g.report.feeder_plot import plot_feeder
from protv2g.report.format import NOTE_FONT, write_cell
from protv2g.report.sheets import FEEDER, TCC_CHAINS, TCC_PAIRS

if TYPE_CHECKING:  # pragma: no cover - annotations only (the report reads a result)
    from protv2g.result import StudyResult

__all__ = ["TccPlan", "plan_tcc", "write_tcc_sheets", "MAX_PAIR_PLOTS"]

#: Pair plots drawn at most (worst pairs first); keeps large studies quick to write.
MAX_PAIR_PLOTS = 40
#: Markers (violation rows) drawn per pair plot.
MAX_MARKERS = 4
DPI = 130
_FIGSIZE_IN = (7.5, 5.6)
_SHOW_PX = (750, 560)  # shown at 3/4 of the rendered size: sharp when printed
_ROWS_PER_PLOT = 32  # 560 px / 20 px default row height, plus the title and a gap
_MARKER_COLORS = ("tab:red", "tab:purple", "tab:olive", "tab:cyan")


@dataclass
class TccPlan:
    """Which pictures go where: anchors for hyperlinks, and why some are missing."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    pair_rows: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    chains: list[list[str]] = field(default_factory=list)
    models: dict[str, Device] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    graph: Any = None
    skipped_pairs: int = 0

    def pair_anchor(self, pair: tuple[str, str]) -> int:
        """Row of the pair's title cell on the TCC pairs sheet."""
        return 3 + self.pairs.index(pair) * _ROWS_PER_PLOT

    def chain_anchor(self, k: int) -> int:
        """Row of chain ``k``'s title cell on the TCC chains sheet."""
        return 3 + k * _ROWS_PER_PLOT

    def link(self, device: Any, other: Any) -> tuple[str, str]:
        """(text, target) of the picture for a violation row's device(s)."""
        if _named(device) and _named(other):
            pair = _pair_key(device, other)
            if pair in self.pairs:
                return (f"TCC {pair[0]} / {pair[1]}",
                        f"#'{TCC_PAIRS}'!A{self.pair_anchor(pair)}")
            return "TCC pairs (not drawn)", f"#'{TCC_PAIRS}'!A1"
        for name in (device, other):
            if _named(name):
                for k, chain in enumerate(self.chains):
                    if str(name) in chain:
                        return (f"TCC chain {' > '.join(chain)}",
                                f"#'{TCC_CHAINS}'!A{self.chain_anchor(k)}")
        return "Feeder plot", f"#'{FEEDER}'!A1"


def _named(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) \
        and str(value) != ""


def _pair_key(a: Any, b: Any) -> tuple[str, str]:
    x, y = sorted((str(a), str(b)))
    return x, y


def plan_tcc(result: StudyResult, violations: pd.DataFrame) -> TccPlan:
    """Decide the pictures for a result; ``violations`` in the order they are written."""
    plan = TccPlan()
    plan.models, plan.problems = devices_from_result(result)
    if {"device", "other_device"} <= set(violations.columns):
        for i, (a, b) in enumerate(zip(violations["device"], violations["other_device"],
                                       strict=True)):
            if _named(a) and _named(b):
                plan.pair_rows.setdefault(_pair_key(a, b), []).append(i)
    pairs = list(plan.pair_rows)  # first seen = worst (violations are sorted)
    plan.pairs = pairs[:MAX_PAIR_PLOTS]
    plan.skipped_pairs = len(pairs) - len(plan.pairs)
    plan.graph = feeder_graph(result.tables)
    if plan.graph is not None:
        plan.chains = device_chains(plan.graph, result.settings)
    return plan


def _png(fig: Figure) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    fig.clear()
    buf.seek(0)
    return buf


def _add_picture(ws: Worksheet, buf: io.BytesIO, row: int) -> None:
    img = Image(buf)
    img.width, img.height = _SHOW_PX
    ws.add_image(img, f"A{row}")


def _float(value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return x


def _op_time(model: Device, i_a: float, t_s: float) -> float:
    if np.isfinite(t_s) and t_s > 0:
        return t_s
    if not (np.isfinite(i_a) and i_a > 0):
        return float("nan")
    return float(np.asarray(model.operate_time_s(np.array([i_a])))[0])


def _new_figure() -> tuple[Figure, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # Fixed margins: constrained layout would double the drawing time of these log axes.
    fig = Figure(figsize=_FIGSIZE_IN)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.095, right=0.955, bottom=0.09, top=0.935)
    return fig, fig.add_subplot()


def _widen_x(ax: Any, currents: list[float]) -> None:
    finite = [c for c in currents if np.isfinite(c) and c > 0]
    if not finite:
        return
    lo, hi = ax.get_xlim()
    lo = min(lo, 10.0 ** np.floor(np.log10(min(finite))))
    hi = max(hi, 10.0 ** np.ceil(np.log10(max(finite))))
    ax.set_xlim(lo, hi)


def pair_figure(a: Device, b: Device, rows: pd.DataFrame) -> Figure:
    """Both devices' curves, and markers at the currents/times of the worst rows."""
    fig, ax = _new_figure()
    plot_tcc(device_traces(a) + device_traces(b), ax=ax)
    currents: list[float] = []
    models = {a.name: a, b.name: b}
    for k, row in enumerate(rows.head(MAX_MARKERS).to_dict("records")):
        color = _MARKER_COLORS[k % len(_MARKER_COLORS)]
        label = (f"{row.get('criterion', '')} {row.get('fault_type', '')} "
                 f"{row.get('case', '')} at {row.get('fault_bus', '')}, "
                 f"{row.get('scenario', '')}: margin {_float(row.get('margin')):.3g}")
        for dev_col, i_col, t_col, marker in (("device", "i_device_a", "t_device_s", "o"),
                                              ("other_device", "i_other_a", "t_other_s", "s")):
            model = models.get(str(row.get(dev_col)))
            i_a = _float(row.get(i_col))
            if model is None or not np.isfinite(i_a):
                continue
            t_s = _op_time(model, i_a, _float(row.get(t_col)))
            currents.append(i_a)
            ax.axvline(i_a, color=color, lw=0.8, ls=":")
            if np.isfinite(t_s):
                ax.plot(i_a, t_s, marker=marker, ms=8, color=color, mec="black", ls="",
                        label=f"{row.get(dev_col)}: {label}" if marker == "o" else
                        f"{row.get(dev_col)} (same fault)")
    _widen_x(ax, currents)
    ax.legend(loc="upper right", fontsize=6.5, framealpha=0.9)
    ax.set_title(f"{a.name} / {b.name}: violating pair", fontsize=11)
    return fig


def chain_figure(models: list[Device], markers: dict[str, float], title: str) -> Figure:
    """Every device of a chain on one TCC, with fault-current lines."""
    fig, ax = _new_figure()
    traces = [t for m in models for t in device_traces(m)]
    plot_tcc(traces, ax=ax, fault_currents_a=markers or None)
    ax.legend(loc="upper right", fontsize=6.5, framealpha=0.9)
    ax.set_title(title, fontsize=11)
    return fig


def _chain_markers(result: StudyResult, end_bus: str | None) -> dict[str, float]:
    fc = result.fault_currents
    if end_bus is None or fc is None or fc.empty or not {"bus_name", "case", "ikss_ka"} <= set(
            fc.columns):
        return {}
    at = fc[fc["bus_name"].astype(str) == end_bus]
    out = {}
    for case, agg in (("max", "max"), ("min", "min")):
        vals = pd.to_numeric(at.loc[at["case"].astype(str) == case, "ikss_ka"], errors="coerce")
        vals = vals[np.isfinite(vals) & (vals > 0)]
        if len(vals):
            out[f"{case} fault at {end_bus}"] = float(getattr(vals, agg)()) * 1000.0
    return out


def _title(ws: Worksheet, text: str) -> None:
    write_cell(ws, 1, 1, text).font = Font(bold=True, size=13)
    ws.sheet_view.showGridLines = False
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _section(ws: Worksheet, row: int, text: str, note: str | None = None) -> None:
    write_cell(ws, row, 1, text).font = Font(bold=True, size=11)
    if note:
        write_cell(ws, row + 1, 1, note).font = NOTE_FONT
    if row > 3:
        ws.row_breaks.append(Break(id=row - 1))


def _pairs_sheet(wb: Workbook, result: StudyResult, plan: TccPlan,
                 violations: pd.DataFrame) -> None:
    ws = wb.create_sheet(TCC_PAIRS)
    _title(ws, "TCC of each violating device pair (markers: the worst violations)")
    if not plan.pairs:
        why = ("no violation names a device pair" if len(violations)
               else "no violations in this result")
        write_cell(ws, 2, 1, f"no pair plots: {why}").font = NOTE_FONT
    elif plan.skipped_pairs:
        write_cell(ws, 2, 1, f"{plan.skipped_pairs} further pair(s) not drawn (at most "
                   f"{MAX_PAIR_PLOTS} plots, worst first)").font = NOTE_FONT
    for pair in plan.pairs:
        row = plan.pair_anchor(pair)
        rows = violations.iloc[plan.pair_rows[pair]]
        worst = rows.iloc[0]
        head = (f"{pair[0]} / {pair[1]}: {len(rows)} violation(s); worst {worst.get('criterion')}"
                f" {worst.get('status')}, margin {_float(worst.get('margin')):.3g}")
        missing = [f"{n}: {plan.problems.get(n, 'not in settings')}" for n in pair
                   if n not in plan.models]
        _section(ws, row, head, f"no TCC: {'; '.join(missing)}" if missing else None)
        if not missing:
            fig = pair_figure(plan.models[pair[0]], plan.models[pair[1]], rows)
            _add_picture(ws, _png(fig), row + 1)


def _chains_sheet(wb: Workbook, result: StudyResult, plan: TccPlan) -> None:
    ws = wb.create_sheet(TCC_CHAINS)
    _title(ws, "TCC of each device chain from the substation (lines: fault current at the "
           "chain end, all scenarios)")
    if plan.graph is None:
        write_cell(ws, 2, 1, "not computed in this run: no feeder topology in the result "
                   "(tables['Feeder buses'] and tables['Feeder branches'])").font = NOTE_FONT
        return
    if not plan.chains:
        write_cell(ws, 2, 1, "no device chains: no device sits on a feeder branch").font = \
            NOTE_FONT
    edges = device_edges(plan.graph, result.settings)
    for k, chain in enumerate(plan.chains):
        row = plan.chain_anchor(k)
        missing = [f"{n}: {plan.problems.get(n, 'not in settings')}" for n in chain
                   if n not in plan.models]
        _section(ws, row, " > ".join(chain), f"no TCC: {'; '.join(missing)}" if missing
                 else None)
        if missing:
            continue
        end_bus = edges.get(chain[-1], (None, None))[1]
        fig = chain_figure([plan.models[n] for n in chain], _chain_markers(result, end_bus),
                           f"Chain {' > '.join(chain)}")
        _add_picture(ws, _png(fig), row + 1)


def _feeder_sheet(wb: Workbook, result: StudyResult, plan: TccPlan,
                  violations: pd.DataFrame) -> None:
    ws = wb.create_sheet(FEEDER)
    _title(ws, "Feeder: devices, V2G sites and violation locations")
    if plan.graph is None:
        write_cell(ws, 2, 1, "not computed in this run: no feeder topology in the result "
                   "(tables['Feeder buses'] and tables['Feeder branches'])").font = NOTE_FONT
        return
    sites = (result.inputs.get("document") or {}).get("v2g_sites") or []
    fig = plot_feeder(plan.graph, result.settings, sites, violations,
                      title=f"{result.study_name}: feeder (tree from the substation, "
                      "not to scale)")
    w_in, h_in = fig.get_size_inches()
    buf = _png(fig)
    img = Image(buf)
    img.width, img.height = int(w_in * 96), int(h_in * 96)
    ws.add_image(img, "A3")


def write_tcc_sheets(wb: Workbook, result: StudyResult, plan: TccPlan,
                     violations: pd.DataFrame) -> None:
    """Append the TCC pairs, TCC chains and Feeder plot sheets.

    Parameters
    ----------
    wb : Workbook
        Workbook to append to.
    result : StudyResult
        The study's results.
    plan : TccPlan
        From :func:`plan_tcc` (the Violations sheet links to its anchors).
    violations : DataFrame
        Violations in the order written on the Violations sheet.
    """
    _pairs_sheet(wb, result, plan, violations)
    _chains_sheet(wb, result, plan)
    _feeder_sheet(wb, result, plan, violations)
