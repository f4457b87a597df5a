"""Where the violations of a study are, for the feeder plot: each fault bus's count and
worst status, the worst buses first, and the rings drawn in one collection per colour (split
from :mod:`protv2g.report.feeder_plot`, session 44)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.text_codes import text_codes

__all__ = ["SEVERITY_COLOR", "SEVERITY_WORDS", "violation_buses", "worst_first", "rings"]

SEVERITY_COLOR = {"fail": "tab:red", "not_evaluated": "tab:orange", "warn": "orange",
                  "info": "tab:cyan"}
#: What each ring colour means, in the legend (review rev39b M8: red and cyan unexplained).
SEVERITY_WORDS = {"fail": "fail", "not_evaluated": "not evaluated", "warn": "warning",
                  "info": "info (reported, not judged)"}
#: The rings' drawing order (matplotlib ``zorder``), :data:`protv2g.report.feeder_plot.Z_RINGS`.
Z_RINGS = 5


def violation_buses(violations: pd.DataFrame, names: set[str]) -> dict[str, tuple[int, str]]:
    """Fault bus → (violations there, worst status), buses in order of first appearance.

    On the codes of the bus and status texts (:func:`~protv2g.text_codes.text_codes`): a
    boolean mask per bus was ≈ 10 ms × buses on the 1,000-bus study's 54,032 violations, and
    a frame of every row's bus, status and rank ≈ 0.13 s CPU of the 10,000-bus study's
    feeder plot (#21); the worst status is the first of fail, not evaluated, warn, info met
    there (any other text ranks after them, the first met first).
    """
    if violations is None or violations.empty or "fault_bus" not in violations.columns:
        return {}
    order = {"fail": 0, "not_evaluated": 1, "warn": 2, "info": 3}
    bus, bus_t = text_codes(violations["fault_bus"])
    if "status" in violations.columns:
        status, status_t = text_codes(violations["status"])
    else:
        status, status_t = np.zeros(len(bus), dtype=np.int64), np.array(["info"], dtype=object)
    rows = np.flatnonzero(np.array([t in names for t in bus_t.tolist()], dtype=bool)[bus])
    if not len(rows):
        return {}
    rank = np.array([order.get(t, 9) for t in status_t.tolist()], dtype=np.int64)[status[rows]]
    at_bus = bus[rows]
    counts = np.bincount(at_bus, minlength=len(bus_t))
    # per bus its smallest rank, the first row met among equals (a stable sort's first)
    by = np.lexsort((rank, at_bus))
    head = by[np.concatenate([[True], at_bus[by][1:] != at_bus[by][:-1]])]
    worst = dict(zip(at_bus[head].tolist(), status[rows[head]].tolist(), strict=True))
    _, first = np.unique(at_bus, return_index=True)
    return {str(bus_t[b]): (int(counts[b]), str(status_t[worst[b]]))
            for b in at_bus[np.sort(first)].tolist()}


def worst_first(buses: dict[str, tuple[int, str]], n: int) -> list[str]:
    """The ``n`` buses of ``buses`` (:func:`violation_buses`) with the worst status, then the
    most violations (the first met first on ties)."""
    order = {"fail": 0, "not_evaluated": 1, "warn": 2, "info": 3}
    ranked = sorted(enumerate(buses.items()),
                    key=lambda kv: (order.get(kv[1][1][1], 9), -kv[1][1][0], kv[0]))
    return [bus for _, (bus, _) in ranked[:n]]


def rings(ax: Any, pos: dict[str, tuple[float, float]], buses: dict[str, tuple[int, str]]
           ) -> None:
    """A ring at each bus of ``buses``, sized by its count and coloured by its worst status,
    as the single markers :func:`~protv2g.report.feeder_plot.plot_feeder` draws, in one
    collection per colour."""
    by_color: dict[str, list[str]] = {}
    for bus, (_, worst) in buses.items():
        by_color.setdefault(SEVERITY_COLOR.get(worst, "tab:red"), []).append(bus)
    for color, names in by_color.items():
        size_pt = np.array([14 + min(buses[b][0], 20) * 0.5 for b in names])
        ax.scatter([pos[b][0] for b in names], [pos[b][1] for b in names], s=size_pt ** 2,
                   marker="o", facecolors="none", edgecolors=color, linewidths=2.2,
                   zorder=Z_RINGS)
