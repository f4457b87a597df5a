"""A large feeder plot's names do not cover the markers and rings (review rev41a M5, EPRI
ckt24: the title said "names that would overprint left out" while "F-DEPOT" sat on F-6026's
marker and "depot480" / "n283749" on bus dots — only names were tested against names).

Checked on the drawn figure itself (matplotlib's own text extents, nothing protv2g
estimates): no count or bus name covers the centre of a bus dot, device marker, site marker
or ring other than its own anchor's; a device's or site's name covers one only where the
title says so.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from protv2g.report.feeder_plot import plot_feeder

from .test_feeder_plot_plot40 import _large_feeder


def _marker_centres(ax) -> np.ndarray:
    """Display coordinates of every marker drawn (bus dots, devices, sites, rings)."""
    pts = [ln.get_xydata() for ln in ax.get_children()
           if isinstance(ln, Line2D) and ln.get_marker() not in (None, "None", "", " ")]
    pts += [c.get_offsets() for c in ax.collections if len(c.get_offsets())
            and c.get_offsets().shape[-1] == 2 and not hasattr(c, "get_segments")]
    xy = np.vstack([np.asarray(p, dtype=float).reshape(-1, 2) for p in pts])
    return ax.transData.transform(xy)


def test_no_name_covers_another_marker():
    g, settings, sites, violations = _large_feeder()
    fig = plot_feeder(g, settings, sites, violations, title="big feeder")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    centres = _marker_centres(ax)
    devices = set(settings["device"])
    over = []
    for t in ax.texts:
        box = t.get_window_extent(renderer)
        anchor = ax.transData.transform(np.asarray(t.get_position(), dtype=float))
        inside = ((centres[:, 0] > box.x0 + 1) & (centres[:, 0] < box.x1 - 1)
                  & (centres[:, 1] > box.y0 + 1) & (centres[:, 1] < box.y1 - 1))
        # its own anchor's markers (its dot, its ring, its device) are its own
        inside &= np.hypot(*(centres - anchor).T) > 1.0
        if inside.any():
            over.append(t.get_text())
    kept_over = [n for n in over if n in devices or n.startswith("depot V2G")]
    assert not [n for n in over if n not in kept_over], over  # bus names, counts: left out
    title = ax.get_title()
    if kept_over:  # the title's count is protv2g's estimate of the extents: at least these
        said = int(title.split(" device or site name")[0].rsplit("\n", 1)[-1])
        assert said >= len(kept_over), (title, kept_over)
    # (session 45: the names are moved clear, with a leader, before any is left out; on this
    # feeder none is, and the title no longer says so)
    # the names an engineer looks for are still there
    names = [t.get_text() for t in ax.texts]
    assert "head-very-long-relay-name_sub" in names and "FU-LAT-01" in names
    assert any(n.startswith("depot V2G") for n in names)
