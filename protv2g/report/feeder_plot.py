"""Feeder one-line sketch: the feeder's buses and lines, devices, chargers, violations.

Where each bus goes (the model's bus coordinates, else a tree by hops from the source), the
figure's size and the axes' limits: :mod:`protv2g.report.feeder_layout`; the lines (the
three-phase primary heavy, laterals and secondaries thin and grey):
:mod:`protv2g.report.feeder_lines`; the violations' buses and rings:
:mod:`protv2g.report.feeder_violations`. Drawn with matplotlib's object API on the Agg canvas
(no display).

Examples
--------
>>> fig = plot_feeder(graph, settings, sites, violations)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke
from matplotlib.transforms import offset_copy

from protv2g.devices.kinds import spec
from protv2g.report.branch_marks import branch_marks, named_in
from protv2g.report.der_marks import DER_OFFSET, der_marks
from protv2g.report.feeder_graph import device_edges
from protv2g.report.feeder_layout import (
    axis_limits,
    feeder_layout,
    figure_size_in,
    same_scale,
    wrap_title,
)
from protv2g.report.feeder_lines import draw_lines
from protv2g.report.feeder_overlap import LabelSpec, place_labels
from protv2g.report.feeder_overlap import extent_pt as _extent_pt
from protv2g.report.feeder_tree import FeederTree
from protv2g.report.feeder_violations import SEVERITY_COLOR as _SEVERITY_COLOR
from protv2g.report.feeder_violations import SEVERITY_WORDS as _SEVERITY_WORDS
from protv2g.report.feeder_violations import rings as _rings
from protv2g.report.feeder_violations import violation_buses as _violation_buses
from protv2g.report.feeder_violations import worst_first as _worst_first
from protv2g.report.glyph_cache import GlyphCachingCanvas
from protv2g.report.plot_marks import add_line
from protv2g.text_codes import text_codes
from protv2g.units import DeviceKind

__all__ = ["plot_feeder", "site_label", "studied_export_kw"]

#: Feeders with more buses name only the buses an engineer looks for (the source and the worst
#: fault locations of violations; the devices and V2G sites by their own names, not their
#: buses': #21, session 43, the 10,000-bus plot made 58 device-bus names beside the devices'
#: own): thousands of 7 pt names overprint each other.
LABEL_ALL_BUSES = 200
#: Fault locations of violations drawn one by one (a ring sized by the count, the count and the
#: bus's name beside it) at most. Above it (the 10,000-bus synthetic study: 9,557 of its 10,000
#: buses, 19,000 texts and 9,600 artists, ≈ 25 s of drawing of a picture where the names
#: overprint each other, 2026-12-02) every location is still ringed, by one collection per
#: status, and the :data:`VIOLATION_LABELS` with the worst status and the most violations are
#: named and counted; the title says so. The tested studies (250 buses at most) stay below it.
VIOLATION_BUSES_DRAWN = 300
#: Fault locations named and counted on a feeder with more than :data:`LABEL_ALL_BUSES` buses
#: (every location is ringed; the rest are in the workbook's tables): review rev40a M10, the
#: J1 and IEEE 8500 plots named and counted hundreds of locations, overprinting each other.
VIOLATION_LABELS = 20
#: Drawing order (matplotlib ``zorder``): the tree, then the violation rings, then the
#: devices and sites, then every name above all of them, each on a white halo
#: (:data:`_HALO`). Review ver40b §4: on EPRI J1 the rings (5) were drawn over the fuses the
#: findings name (markers 4, names 3: matplotlib's default for text), FU-LAT2PH and
#: FU-LAT-HOMES half hidden and their bus names and counts unreadable.
Z_RINGS = 5
#: Room above the axes for the title, pt: one line on a small feeder, three on a large one
#: (its title says what was left out and what kept over a marker: rev41a M5), wrapped to the
#: figure's width (:func:`~protv2g.report.feeder_layout.wrap_title`; rev43a M10: ckt24's
#: to-scale title ran off both sides of a 9 in figure).
TITLE_LINES_PT = {False: 30.0, True: 62.0}
Z_DEVICES = 6
Z_NAMES = 7
#: The white outline each name is drawn with, so that a ring or a line under it does not
#: cross its letters.
_HALO = (withStroke(linewidth=2.5, foreground="white"),)
#: The box a device's name is drawn on (white, a little see-through, no edge).
_NAME_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
             "alpha": 0.85}


def studied_export_kw(scenarios: pd.DataFrame | None, sites: Sequence[dict[str, Any]]
                      ) -> dict[str, float]:
    """Site name → the largest export (kW) a scenario of the study gives it: the scenario
    table's ``p_<site>_kw`` (:func:`protv2g.scenarios.scenario_table`: participating
    chargers × rating, at the export level), not the installed chargers × rating. Sites
    without that column are left out."""
    if not isinstance(scenarios, pd.DataFrame):
        return {}
    out = {}
    for site in sites:
        col = f"p_{site.get('name')}_kw"
        if col in scenarios.columns:
            p = pd.to_numeric(scenarios[col], errors="coerce").max()
            if np.isfinite(p):
                out[str(site.get("name"))] = float(p)
    return out


def site_label(site: dict[str, Any], studied_kw: float | None) -> str:
    """A V2G site's label on the feeder plot: the export studied (the largest of the
    scenarios), and the installed chargers × rating where they differ (review rev39b M8:
    "campus 2 MW V2G" was the installed rating, 1.8 MW the studied export at 0.9 firm
    participation); the installed rating, said so, where the export studied is not known.

    Examples
    --------
    >>> site = {"name": "campus", "n_chargers": 40, "p_charger_kw": 50}
    >>> site_label(site, 1800.0)
    'campus V2G 1.8 MW export studied (2 MW installed)'
    >>> site_label(site, 2000.0), site_label(site, None)
    ('campus V2G 2 MW export studied', 'campus V2G 2 MW installed')
    """
    installed_mw = float(site.get("n_chargers", 0)) * float(site.get("p_charger_kw", 0)) / 1e3
    if studied_kw is None:
        return f"{site.get('name')} V2G {installed_mw:g} MW installed"
    studied_mw = studied_kw / 1e3
    text = f"{site.get('name')} V2G {studied_mw:.3g} MW export studied"
    return text + ("" if np.isclose(studied_mw, installed_mw, rtol=1e-6, atol=0.0)
                   else f" ({installed_mw:g} MW installed)")


def _marker(kind: Any) -> tuple[str, str]:
    """Marker and colour of a device kind (:mod:`protv2g.devices.kinds`), grey if unknown."""
    try:
        return spec(str(kind)).marker
    except ValueError:
        return ("P", "tab:gray")


def _kind_styles() -> dict[str, tuple[str, str]]:
    return {k.value: _marker(k) for k in DeviceKind}


def _named_by(violations: pd.DataFrame | None) -> tuple[set[str], set[str]]:
    """The texts of ``violations``' ``device`` and ``other_device`` columns, and the
    transformers its ``fault_bus`` names (a finding at one: ``"transformer.xfm1"``); each
    distinct text once (#21: 490k cells)."""
    flagged: set[str] = set()
    at_element: set[str] = set()
    if violations is None or violations.empty:
        return flagged, at_element
    for col in ("device", "other_device", "fault_bus"):
        if col in violations.columns:
            texts_ = set(text_codes(violations[col].dropna())[1].tolist())
            if col == "fault_bus":
                at_element = {t for t in texts_ if t.startswith(("transformer.", "trafo"))}
            else:
                flagged |= texts_
    return flagged, at_element


def _label(ax: Any, text: str, xy: tuple[float, float], offset_pt: tuple[float, float],
           **kwargs: Any) -> Any:
    """``text`` at ``offset_pt`` points from the data point ``xy``: a plain Text with an offset
    transform (:func:`matplotlib.transforms.offset_copy`), drawn where ``ax.annotate(text,
    xy, xytext=offset_pt, textcoords="offset points")`` draws it, at about half the cost (the
    250-bus study's 303 labels: 0.73 s to draw as annotations, 2026-12-01)."""
    return ax.text(*xy, text, transform=offset_copy(ax.transData, ax.figure, *offset_pt,
                                                    units="points"), **kwargs)


def plot_feeder(g: nx.Graph, settings: pd.DataFrame, sites: Sequence[dict[str, Any]],
                violations: pd.DataFrame, title: str = "", tree: FeederTree | None = None,
                edges: dict[str, tuple[str, str]] | None = None,
                studied_kw: Mapping[str, float] | None = None,
                existing: pd.DataFrame | None = None, name: str = "") -> Figure:
    """Draw the feeder as a tree with devices, V2G sites and violation locations.

    Parameters
    ----------
    g : networkx.Graph
        From :func:`~protv2g.report.feeder_graph.feeder_graph` (nodes: bus names).
    settings : DataFrame
        Devices (``device``, ``kind``, ``element``, ``element_index``, ``bus``).
    sites : sequence of dict
        V2G sites as in the study document (``name``, ``bus``, ``n_chargers``,
        ``p_charger_kw``).
    violations : DataFrame
        ``fault_bus`` and ``status`` are used; devices named in ``device`` /
        ``other_device`` are ringed in red.
    title : str
        Figure title (default: the layout's own, which says whether it is drawn to scale).
    name : str
        The study's name, put before the layout's own title when ``title`` is not given.
    tree, edges : optional
        ``g``'s :func:`~protv2g.report.feeder_tree.feeder_tree` and the devices' branches
        (:func:`~protv2g.report.feeder_graph.device_edges` of ``g`` and ``settings``) when the
        caller made them (the workbook's :class:`~protv2g.report.tcc_plan.TccPlan`); made
        here when not given.
    studied_kw : mapping, optional
        Site name → the largest export studied (kW, :func:`studied_export_kw`): each site
        is labelled with it (:func:`site_label`), else with its installed rating.
    existing : DataFrame, optional
        The feeder's existing sources (the result's "Existing sources" table): each drawn
        below its bus with a legend symbol per kind (:func:`protv2g.report.der_marks.der_marks`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    layout = feeder_layout(g, tree)
    pos = layout.pos
    # the layout says how it is drawn (ver44 M2: the workbook titled ckt5's and J1's plots,
    # drawn to scale at their bus coordinates, "tree from the substation, not to scale")
    default_title = f"{name}: {layout.title}" if name else layout.title
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    width, height = figure_size_in(pos, layout.to_scale)
    fig = Figure(figsize=(width, height))
    GlyphCachingCanvas(fig)  # Agg, each glyph rendered once (#21: its hundreds of labels)
    ax = fig.add_subplot()
    # lines and markers by add_line, not ax.plot: both limits are set at the end (#21)
    line_legend = draw_lines(ax, g, pos)
    violated = _violation_buses(violations, set(pos))
    crowded = len(violated) > VIOLATION_BUSES_DRAWN
    # a large feeder names its source bus and the worst locations only (review rev40a M10:
    # J1's and IEEE 8500's hundreds of names overprinted each other); its devices and sites
    # carry their own names (#21, session 43: not their buses' too)
    large = len(pos) > LABEL_ALL_BUSES or crowded
    # every marker and ring (data x, y, half-size in points): a name must not cover one
    # (review rev41a M5: ckt24's "F-DEPOT" on F-6026's marker, bus names on the dots); a
    # large feeder's buses without a dot each, its lines are the drawing (rev43a M10: ckt24's
    # 6,060 dots hid its lines)
    marks: list[tuple[float, float, float]] = []
    sources = [n for n in pos if g.nodes[n].get("is_source")]
    others = [] if large else [n for n in pos if not g.nodes[n].get("is_source")]
    for nodes, marker, size in ((sources, "s", 11), (others, "o", 5)):
        if nodes:
            add_line(ax, [pos[n][0] for n in nodes], [pos[n][1] for n in nodes], ls="",
                     marker=marker, ms=size, color="black", zorder=3)
            marks += [(*pos[n], size / 2.0) for n in nodes]
    named: set[str] = set(violated)
    placed: list[LabelSpec] = []
    # (rank: a device a violation names, the sites and the named regulators 0, the source,
    # other relays and reclosers 1, counts and the failing buses' names 2, other fuses 3,
    # other buses 4; its Text): a finding's device keeps its name where names would
    # overprint (ver40b §4); a fuse no finding names gives way to the failing buses (ckt5's
    # 95 fuse names, plot45)
    texts: list[tuple[int, Any]] = []

    def label(rank: int, text: str, xy: tuple[float, float], offset_pt: tuple[float, float],
              **kwargs: Any) -> None:
        ha, va = kwargs.get("ha", "left"), kwargs.get("va", "baseline")
        bold = kwargs.get("fontweight") == "bold"
        placed.append((*xy, _extent_pt(text, offset_pt, ha, va, kwargs["fontsize"], bold),
                       text, offset_pt, ha, va, kwargs["fontsize"], bold))
        # a name on its white box needs no halo (drawn as paths, the halo cost 12 ms a name
        # on the IEEE 8500: the plot names more devices since session 45)
        halo = {} if "bbox" in kwargs else {"path_effects": _HALO}
        texts.append((rank, _label(ax, text, xy, offset_pt, zorder=Z_NAMES, **halo,
                                   **kwargs)))

    if large:
        worst = _worst_first(violated, VIOLATION_LABELS)
        named = set(worst)
        labelled = [n for n in pos if g.nodes[n].get("is_source")]
        labelled += [b for b in worst if b not in set(labelled)]
        if len(named) < len(violated):
            title = (f"{title or default_title}; {len(violated):,} fault locations of violations "
                     f"ringed, the {len(named)} worst named and counted")
    else:
        labelled = list(pos)
    for node in labelled:
        rank = 1 if g.nodes[node].get("is_source") else 2 if node in violated else 4
        label(rank, node, pos[node], (0, -11), ha="center", va="top", fontsize=7,
              color="0.15")
    flagged, at_element = _named_by(violations)
    # on a large feeder a red transformer is named only where V2G makes its finding (new
    # or worse: ckt24's 24 step transformers in pre-existing C12 overloads were 24 red names,
    # plot44); a small one names every bus, and every red transformer (IEEE 13's xfm1)
    made = (violations[violations["attribution"].astype(str) != "pre-existing"]
            if large and violations is not None and "attribution" in violations.columns
            else violations)
    titled = named_in(set().union(*_named_by(made)))
    kinds = dict(zip(settings.get("device", []), settings.get("kind", []), strict=False))
    edges = device_edges(g, settings) if edges is None else edges
    for name, (near, far) in sorted(edges.items()):
        (x0, y0), (x1, y1) = pos[near], pos[far]
        x, y = x0 + 0.35 * (x1 - x0), y0 + 0.35 * (y1 - y0)
        marker, color = _marker(kinds.get(name))
        marks.append((x, y, 5.0))
        add_line(ax, x, y, marker=marker, ms=10, color=color, zorder=Z_DEVICES,
                 markeredgecolor="red" if name in flagged else "white",
                 markeredgewidth=2.0 if name in flagged else 0.8)
        # on a white box: a device's name must read over the rings round its lateral
        rank = 0 if name in flagged else 3 if str(kinds.get(name)) == DeviceKind.FUSE else 1
        label(rank, name, (x, y), (0, 9), ha="center", fontsize=7.5, color=color,
              fontweight="bold", bbox=_NAME_BOX)
    # regulators and in-line transformers, named when a finding names them (rev43a M4); under
    # the devices (to scale, ckt24's LTC hid the head relay's marker)
    branch_legend, branch_at = branch_marks(ax, g, pos, named_in(flagged | at_element), label,
                                            Z_DEVICES - 0.5, titled)
    marks += branch_at
    for site in sites:
        bus = str(site.get("bus"))
        if bus not in pos:
            continue
        x, y = pos[bus]
        add_line(ax, x, y + 0.38, marker="^", ms=12, color="tab:green", zorder=Z_DEVICES)
        marks.append((x, y + 0.38, 6.0))
        add_line(ax, [x, x], [y, y + 0.38], color="tab:green", lw=1.0, zorder=2)
        # on a large feeder above the device names' row (a site near a device lost its name)
        label(0, site_label(site, (studied_kw or {}).get(str(site.get("name")))),
              (x, y + 0.38), (8, 26) if large else (8, 0), va="center", fontsize=7.5,
              color="tab:green")
    der = der_marks(ax, pos, existing, label, Z_DEVICES)  # review rev42a M7
    if crowded:
        _rings(ax, pos, violated)
    for bus, (n, worst) in violated.items():
        x, y = pos[bus]
        marks.append((x, y, (14 + min(n, 20) * 0.5) / 2.0 + 1.1))  # the ring, its line
        if not crowded:
            add_line(ax, x, y, marker="o", ms=14 + min(n, 20) * 0.5, mfc="none",
                     mec=_SEVERITY_COLOR.get(worst, "tab:red"), mew=2.2, zorder=Z_RINGS)
        if bus in named:
            label(2, str(n), (x, y), (7, 5), fontsize=7,
                  color=_SEVERITY_COLOR.get(worst, "tab:red"), fontweight="bold")
    handles = [Line2D([], [], marker="s", ls="", color="black", ms=9, label="substation source")]
    handles += [Line2D([], [], marker=m, ls="", color=c, ms=8, label=k)
                for k, (m, c) in _kind_styles().items()]
    handles.append(Line2D([], [], marker="^", ls="", color="tab:green", ms=9, label="V2G site"))
    handles += line_legend
    handles += branch_legend
    handles += der
    # one ring entry per colour drawn, saying which worst status it marks (rev39b M8)
    worst_drawn = {w for _, w in violated.values()}
    for status, color in _SEVERITY_COLOR.items():
        if status in worst_drawn:
            handles.append(Line2D([], [], marker="o", ls="", mfc="none", mec=color, mew=2,
                                  ms=11, label="fault location of violations (count), worst: "
                                  f"{_SEVERITY_WORDS[status]}"))
    if worst_drawn - set(_SEVERITY_COLOR):
        handles.append(Line2D([], [], marker="o", ls="", mfc="none", mec="tab:red", mew=2,
                              ms=11, label="fault location of violations (count), worst: "
                              + ", ".join(sorted(worst_drawn - set(_SEVERITY_COLOR)))))
    handles.append(Line2D([], [], marker="s", ls="", color="0.7", mec="red", mew=2, ms=9,
                          label="device named in a violation"))
    # the legend below the tree, outside the axes (review rev40a M10: it covered the lower
    # left of J1's and IEEE 8500's trees); the title above them, the labels inside them
    ncol = 3
    rows = -(-len(handles) // ncol)
    bottom = (rows * 7.5 * 1.9 + 14.0) / 72.0 / height
    # a large feeder's title may take a second line (:func:`drop_overlaps`' names kept over
    # a marker, said there: rev41a M5)
    top = 1.0 - TITLE_LINES_PT[large or layout.to_scale] / 72.0 / height
    fig.subplots_adjust(left=0.01, right=0.99, bottom=bottom, top=top)
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=ncol,
               fontsize=7.5, framealpha=0.9)
    ext = np.array([p[2] for p in placed]).reshape(-1, 4)
    at = np.array([p[:2] for p in placed]).reshape(-1, 2)
    w_pt, h_pt = width * 72.0 * 0.98, height * 72.0 * (top - bottom)
    xlim = axis_limits(min(xs), max(xs), at[:, 0], ext[:, 0], ext[:, 1], w_pt)
    ylim = axis_limits(min(ys) - (DER_OFFSET if der else 0.0),
                       max(ys) + (0.38 if sites else 0.0), at[:, 1], ext[:, 2], ext[:, 3], h_pt)
    if layout.to_scale:  # x and y to one scale (the coordinates' own)
        xlim, ylim = same_scale(xlim, ylim, w_pt, h_pt)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    # every plot's names placed clear of each other and of the markers (the model's
    # coordinates may put two buses close: IEEE 13's rg60 under the head relay's name;
    # ckt24's substation: source, LTC, head relay and depot fuse, plot44)
    removed, covering = place_labels(ax, texts, placed, np.array(marks), w_pt, h_pt)
    if removed:
        title = f"{title or default_title}; names that would overprint left out"
    if covering:  # no place near its marker free: said, not claimed away (rev41a M5)
        title = (f"{title or default_title}\n{covering} device or site name"
                 f"{'s' if covering > 1 else ''} kept over a marker (no place near it free)")
    ax.set_axis_off()
    ax.set_title(wrap_title(title or default_title, width), fontsize=11)
    return fig
