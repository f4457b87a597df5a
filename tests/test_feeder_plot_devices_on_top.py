"""The device a finding names stays visible and named on the feeder plot (review ver40b §4:
on EPRI J1 the violation rings were drawn over FU-LAT2PH and FU-LAT-HOMES — rings zorder 5,
device markers 4, names 3 — so the two fuses the findings are about were half hidden and
their names unreadable)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D

from protv2g.report.feeder_plot import plot_feeder

from .test_feeder_plot_plot40 import _large_feeder


def _crowded_lateral() -> tuple[nx.Graph, pd.DataFrame, list[dict], pd.DataFrame, str]:
    """The 250-bus feeder of test_feeder_plot_plot40 (a 50-bus trunk, a 4-bus lateral at each
    trunk bus) with its head relay and the fuse at the head of lateral 10 only, and failing
    violations at every bus of that lateral and at the trunk buses around it (20 each: the
    largest rings) — the J1 picture, where the rings crowd the lateral the finding's fuse
    protects."""
    g, settings, _, _ = _large_feeder()
    fuse = "FU-LAT-10"
    settings = settings[settings["device"].isin([settings["device"].iloc[0], fuse])]
    buses = [f"l10_{k}" for k in range(4)] + [f"t{i:02d}" for i in range(8, 13)]
    violations = pd.DataFrame({"fault_bus": np.repeat(buses, 20), "status": "fail",
                               "device": settings["device"].iloc[0], "other_device": fuse})
    return g, settings.reset_index(drop=True), [], violations, fuse


def test_the_fuse_a_finding_names_is_drawn_and_named_above_the_rings():
    g, settings, sites, violations, fuse = _crowded_lateral()
    fig = plot_feeder(g, settings, sites, violations, title="crowded")
    ax = fig.axes[0]
    rings = [a for a in ax.get_children()
             if isinstance(a, Line2D) and a.get_markerfacecolor() == "none"]
    rings += list(ax.collections[1:])  # a crowded plot's ring collections (none here)
    assert rings
    ring_z = max(a.get_zorder() for a in rings)
    brown = to_rgb("tab:brown")
    markers = [a for a in ax.get_children() if isinstance(a, Line2D)
               and a.get_marker() == "v" and to_rgb(a.get_color()) == brown]
    assert len(markers) == 1
    (name,) = [t for t in ax.texts if t.get_text() == fuse]
    # drawn after (above) every ring: matplotlib draws an axes' artists by zorder
    assert markers[0].get_zorder() > ring_z
    assert name.get_zorder() > ring_z
    # the marker's own pixel is the fuse's colour, not a ring's red
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    x, y = ax.transData.transform((markers[0].get_xdata()[0], markers[0].get_ydata()[0]))
    row = rgba.shape[0] - int(round(y))
    px = rgba[row - 1:row + 2, int(round(x)) - 1:int(round(x)) + 2, :3] / 255.0
    assert np.allclose(px.mean(axis=(0, 1)), brown, atol=0.08), px.mean(axis=(0, 1))
