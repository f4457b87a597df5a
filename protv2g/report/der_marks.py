"""The feeder's existing sources (PV, storage, generators) on the feeder plot (review rev42a M7:
EPRI J1's 13 PVSystems, 1.9 MW, which every fault run, C10 and C11 use, were not on the
one-line and the legend had no symbol for them).

The sources are the result's "Existing sources" table (OpenDSS:
:func:`protv2g.engine.phase.der.der_table`, columns ``kind``, ``bus``, ``kva``; pandapower:
:func:`protv2g.study.engine_inputs.existing_sources_table`, ``element``, ``bus``,
``s_rated_kva``). One mark per bus and kind, below the bus (a V2G site's is above it), and one
legend entry per kind drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from matplotlib.lines import Line2D

from protv2g.report.plot_marks import add_line

__all__ = ["DER_OFFSET", "DER_STYLES", "der_marks"]

#: Marker, colour and legend name of each kind of existing source (the table's ``kind`` /
#: ``element``, lower case); another kind is drawn as ``other``.
DER_STYLES = {
    "pvsystem": ("*", "goldenrod", "existing PV"),
    "sgen": ("*", "goldenrod", "existing PV / static generator"),
    "storage": ("P", "tab:purple", "existing storage"),
    "generator": ("h", "tab:brown", "existing generator"),
    "gen": ("h", "tab:brown", "existing generator"),
    "other": ("D", "0.4", "existing source"),
}
#: Below its bus, in the layout's units (a V2G site's mark is 0.38 above).
DER_OFFSET = 0.38


def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    for name in names:
        if name in frame.columns:
            return frame[name]
    return pd.Series([None] * len(frame), index=frame.index)


def der_marks(ax: Any, pos: Mapping[str, tuple[float, float]], existing: pd.DataFrame | None,
              label: Callable[..., None], z: float) -> list[Line2D]:
    """Draw each existing source at its bus (one mark per bus and kind, its total kVA beside
    it through ``label(rank, text, xy, offset_pt, **style)``, rank 2: left out before a
    device's or a site's name where names would overprint) and return the legend handles of
    the kinds drawn. A source whose bus is not on the plot is not drawn."""
    if existing is None or len(existing) == 0 or "bus" not in existing.columns:
        return []
    kinds = _column(existing, "kind", "element").astype(str).str.lower()
    kva = pd.to_numeric(_column(existing, "kva", "s_rated_kva"), errors="coerce")
    bus = existing["bus"].astype(str).str.split(".").str[0]
    frame = pd.DataFrame({"bus": bus, "kind": [k if k in DER_STYLES else "other"
                                               for k in kinds], "kva": kva})
    frame = frame[frame["bus"].isin(set(pos))]
    handles: dict[str, Line2D] = {}
    for (b, kind), g in frame.groupby(["bus", "kind"], sort=True):
        marker, color, name = DER_STYLES[kind]
        x, y = pos[b]
        add_line(ax, [x, x], [y, y - DER_OFFSET], color=color, lw=1.0, zorder=2)
        add_line(ax, x, y - DER_OFFSET, marker=marker, ms=11, color=color, mec="white",
                 mew=0.6, zorder=z)
        total = float(g["kva"].sum())
        text = f"{name.split(' ', 1)[1].split(' /')[0]}" + (
            f" ×{len(g)}" if len(g) > 1 else "") + (
            f" {total:,.0f} kVA" if total == total and total > 0 else "")
        label(2, text, (x, y - DER_OFFSET), (8, 0), va="center", fontsize=7, color=color)
        handles.setdefault(name, Line2D([], [], marker=marker, ls="", color=color, ms=9,
                                        label=f"{name} (Existing sources sheet)"))
    return list(handles.values())
