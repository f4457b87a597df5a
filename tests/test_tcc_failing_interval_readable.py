"""The TCC's failing interval is readable (review rev43a M3).

IEEE 34 with the campus (rev43a's study, ``run --no-hosting``), ground TCC head-l1 > R-816 >
F-campus_xf: the C2 pair F-campus_xf → R-816 ("fuse TC < recloser delayed") fails. Every
charger idle, at its min fault SLG-b f-campus_xf close-in: the fuse 1.677 s, R-816's 51G
1.601 s at 136 A, −0.0759 s — a few-pixel slanted tick, its number ③ under ①'s (C4 R-816 →
head-l1 at about the same current and time). The finding's V2G −0.818 s (firm/light/100 %,
SLG-c f-campus_xf close-in: the fuse 2.08 s at 129 A, R-816 1.26 s at 3I0 164 A) was legend
text only. Figures: that run's Pair coordination rows (below), which the review read too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser
from protv2g.report.derived import IDLE_CASE
from protv2g.report.tcc_badges import MIN_SPAN_PT, place_badges
from protv2g.report.tcc_intervals import intervals

FUSE, REC, HEAD = "F-campus_xf", "R-816", "head-l1"
PATH = [HEAD, REC, FUSE]
_COLS = ("i_primary_{}_a", "i_backup_{}_a", "i_primary_3i0_{}_a", "i_backup_3i0_{}_a",
         "t_primary_{}_s", "t_backup_{}_s")


def _row(pair, criterion, need, case_of, scenario, points, elements):
    """A per-pair row: ``points`` tag → (fault, (i p, i b, i p 3I0, i b 3I0, t p, t b),
    status)."""
    row = {"pair": pair, "criterion": criterion, "required_s": need, "case_of": case_of,
           "scenario": scenario}
    for tag, (fault, values, status) in points.items():
        row[f"{tag}_fault"] = fault
        row[f"elements_{tag}"] = elements
        row.update({c.format(tag): v for c, v in zip(_COLS, values, strict=True)})
        row[f"interval_{tag}_s"] = values[5] - values[4]
        row[f"status_{tag}"], row[f"reason_{tag}"] = status, ""
    margins = [v[5] - v[4] - need for _, v, _ in points.values()]
    row["worst_margin_s"] = min(margins)
    row["status"] = "fail" if min(margins) < 0 else "ok"
    return pd.Series(row)


MIN_B = "SLG-b f-campus_xf close-in (min)"
C2_IDLE = _row(f"{FUSE} → {REC}", "C2", 0.0, IDLE_CASE, "expected/light/100%", {
    "min": (MIN_B, (136.256, 136.792, 136.256, 136.967, 1.677356, 1.601490), "fail"),
    "worst": ("SLG-a f-campus_xf close-in (min)",
              (136.023, 136.630, 136.023, 136.774, 1.689269, 1.605387), "fail")},
    f"{FUSE} fuse, {REC} ground element (3I0)")
C2_V2G = _row(f"{FUSE} → {REC}", "C2", 0.0, "worst V2G", "firm/light/100%", {
    "min": (MIN_B, (128.007, 121.882, 154.995, 162.800, 2.049337, 1.280236), "fail"),
    "worst": ("SLG-c f-campus_xf close-in (min)",
              (128.521, 128.903, 155.557, 164.102, 2.081719, 1.263333), "fail")},
    f"{FUSE} fuse TC, {REC} delayed G (3I0)")


def test_the_failing_v2g_interval_gets_its_own_arrow_at_the_findings_fault():
    out = intervals([(FUSE, REC, C2_IDLE, C2_V2G)], PATH, "ground")
    assert [n.case for n in out] == ["ref", "v2g"]  # the old code: the idle tick alone
    idle, v2g = out
    assert idle.value == "idle −0.0759 s"
    # at the V2G row's worst fault (the finding's −0.818 s), each device at its own current
    assert (v2g.i_a, v2g.i_backup_a) == pytest.approx((128.52, 164.10), abs=0.01)
    assert (v2g.t_primary_s, v2g.t_backup_s) == pytest.approx((2.0817, 1.2633), abs=1e-4)
    assert v2g.value == "V2G −0.818 s"
    assert "this arrow: V2G (SLG-c f-campus_xf close-in (min), firm/light/100%)" in v2g.text


def test_no_v2g_arrow_where_the_reference_fails_about_as_much():
    """V2G worse by less than 10 % of the reference's shortfall (the attribution's materiality
    share, :data:`protv2g.checks.attribution_share.MATERIAL_SHARE`): one arrow."""
    close = C2_V2G.copy()
    close["t_backup_worst_s"] = close["t_primary_worst_s"] - 0.08  # −0.08 s vs idle −0.0759:
    close["interval_worst_s"] = -0.08                                # 5.4 % more
    close["t_backup_min_s"], close["interval_min_s"] = close["t_primary_min_s"] - 0.078, -0.078
    assert [n.case for n in intervals([(FUSE, REC, C2_IDLE, close)], PATH, "ground")] == ["ref"]
    close["t_backup_worst_s"], close["interval_worst_s"] = close["t_primary_worst_s"] - 0.09, -0.09
    assert [n.case for n in intervals([(FUSE, REC, C2_IDLE, close)], PATH, "ground")] == [
        "ref", "v2g"]  # 18.6 % more


def test_numbers_clear_of_each_other_and_the_short_arrow_drawn_visibly():
    from protv2g.report.tcc_figure import path_figure

    c4 = _row(f"{REC} → {HEAD}", "C4", 0.12, "base", "base/light", {
        "min": ("SLG-a 816 (min)", (136.5, 136.5, 136.5, 136.5, 1.60, 2.084), "ok")},
        f"{REC} delayed G (3I0), {HEAD} 51G (3I0)")
    notes = intervals([(REC, HEAD, c4, None), (FUSE, REC, C2_IDLE, C2_V2G)], PATH, "ground")
    head = OvercurrentRelay(name=HEAD, pickup_a=150.0, curve="IEEE-VI", time_dial=0.6,
                            ground_pickup_a=40.0, ground_curve="IEEE-VI", ground_time_dial=0.9)
    rec = Recloser(name=REC, phase_min_trip_a=140.0, ground_min_trip_a=70.0, fast_curve="101",
                   delayed_curve="133", ground_fast_curve="104", ground_delayed_curve="117")
    fig = path_figure([head, rec, Fuse(name=FUSE, link="25K")], "ground", {},
                      annotations=notes)
    ax = fig.axes[0]
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    badges = [t for t in ax.texts if t.get_text() in ("1", "2", "3")]
    values = [t for t in ax.texts if t.get_text() in ("idle −0.0759 s", "V2G −0.818 s")]
    assert len(badges) == 3 and len(values) == 2
    boxes = [t.get_window_extent(r) for t in badges + values]
    for i, a in enumerate(boxes):  # the old code: ③'s number under ①'s
        assert not any(a.overlaps(b) for b in boxes[i + 1:])
    # the idle −0.0759 s (a few points) drawn as a small dimension: bars at its ends, the
    # arrowheads outside pointing in; the V2G one an arrow
    # (the C4 0.484 s, 1.60 → 2.08 s, is one too: 8.6 points on this plot)
    bars = {round(float(ln.get_ydata()[0]), 6) for ln in ax.get_lines()
            if ln.get_marker() == "_"}
    assert {1.60149, 1.677356} <= bars
    px = np.log10(1.677356 / 1.60149) / np.diff(np.log10(ax.get_ylim()))[0] * ax.bbox.height
    assert px * 72.0 / fig.dpi < MIN_SPAN_PT
    heads = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None
             and a.get_text() == "" and a.anncoords == "offset points"]
    assert len(heads) == 2 * (len(bars) // 2)
    v2g = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None
           and a.anncoords != "offset points"]
    assert len(v2g) == 1 and v2g[0].xy[0] == pytest.approx(164.10, abs=0.01)
    # its legend sets R-816's staged 1.26 s against the curve the pair uses, the delayed 117:
    # by hand (rev43a M2) log-log between its points (2.0 ×, 1.5 s) and (2.5 ×, 1.0 s) at
    # 164.1 / 70 = 2.344 × pickup: 1.124 s, + 0.042 s mechanism = 1.166 s (it said "its
    # curve at 164 A: 0.158 s", the fast curve 104)
    from protv2g.report.tcc_legend import RowLegend

    legend = " | ".join(next(a for a in ax.artists if isinstance(a, RowLegend))._labels)
    assert ("R-816's 1.26 s is through the chargers' stages (its delayed curve at 164 A: "
            "1.17 s)") in legend


def test_place_badges_moves_a_number_off_another():
    ends = np.array([[[100, 100], [100, 140]], [[100, 118], [100, 122]]], float)
    spots = place_badges(ends, [12.0, 40.0])
    assert spots[0] == (105.0, 120.0)
    assert spots[1] != (105.0, 120.0)
