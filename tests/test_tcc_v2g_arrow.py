"""The TCC of a failing pair draws the failing V2G interval, not only the passing idle one
(review rev42a M1).

EPRI ckt5 + the depot (rev42a's study, ``run --no-hosting``, Pair coordination sheet): the pair
f-depot-xf (100K, the depot transformer's fuse) → the head relay's 51G (EI 190 A TD 2.4) at the
minimum SLG fault at f-depot-xf close-in. Every charger idle: the fuse and the 51G both see
355 A, fuse 16.2 s, 51G 27.5 s, +11.3 s. Firm export at 100 %: the fuse sees 253 A phase
(3I0 minus the chargers' ~103 A, the review's hand figure: 104 A = the IEC sum of 1,500 kVA ×
1.5 referred to 12.47 kV), the 51G 359 A 3I0, fuse 64.3 s (through the chargers' stages), 51G
26.8 s: −37.5 s, the finding F01. The one arrow drawn was the idle one, the V2G figure legend
text only: the plot read as coordinated.

Independent figures: the 51G at 359.4 A by the IEEE C37.112 EI formula, TD 2.4:
2.4 · (28.2 / ((359.4/190)² − 1) + 0.1217) = 26.54 s (the review's hand value at 360.7 A:
26.28 s); the 100K total clear at 253 A on its curve: 140 s (the review: "ANSI anchors 300 s
200–240 A, 10 s 258–388 A", `curves eval 100K`).
"""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.devices.models import Fuse, OvercurrentRelay
from protv2g.report.derived import IDLE_CASE
from protv2g.report.tcc_intervals import intervals

PRIMARY, BACKUP = "f-depot-xf", "head-mdv201_connector"
CLOSE_IN = "SLG-b f-depot-xf close-in (min)"
MAX = "LLG-bc f-depot-xf close-in (max)"


def _row(case_of: str, min_point: tuple, status_min: str) -> pd.Series:
    """A per-pair row of the ckt5 pair (figures from its Pair coordination sheet):
    ``min_point`` = (i primary, i backup, i primary 3I0, i backup 3I0, t primary, t backup)."""
    ip, ib, ip0, ib0, tp, tb = min_point
    row = {"pair": f"{PRIMARY} → {BACKUP}", "criterion": "C1", "required_s": 0.12,
           "case_of": case_of, "scenario": "firm/light/100%",
           "max_fault": MAX, "elements_max": f"{PRIMARY} fuse TC, {BACKUP} 51P",
           "i_primary_max_a": 5288.97, "i_backup_max_a": 5285.42,
           "i_primary_3i0_max_a": 5312.7, "i_backup_3i0_max_a": 5309.2,
           "t_primary_max_s": 0.020141, "t_backup_max_s": 0.358538,
           "interval_max_s": 0.338397, "status_max": "ok", "reason_max": "",
           "min_fault": CLOSE_IN, "elements_min": f"{PRIMARY} fuse TC, {BACKUP} 51G (3I0)",
           "i_primary_min_a": ip, "i_backup_min_a": ib, "i_primary_3i0_min_a": ip0,
           "i_backup_3i0_min_a": ib0, "t_primary_min_s": tp, "t_backup_min_s": tb,
           "interval_min_s": tb - tp, "status_min": status_min, "reason_min": "",
           "worst_fault": CLOSE_IN, "elements_worst": f"{PRIMARY} fuse TC, {BACKUP} 51G (3I0)",
           "worst_margin_s": tb - tp - 0.12,
           "status": status_min}
    for col in ("i_primary_{}_a", "i_backup_{}_a", "i_primary_3i0_{}_a", "i_backup_3i0_{}_a",
                "t_primary_{}_s", "t_backup_{}_s", "interval_{}_s"):
        row[col.format("worst")] = row[col.format("min")]
    return pd.Series(row)


IDLE = _row(IDLE_CASE, (355.274947, 355.029096, 355.274949, 355.033608, 16.165395, 27.454714),
            "ok")
V2G = _row("worst V2G", (252.51652, 252.341203, 355.690606, 359.443146, 64.295419, 26.776821),
           "fail")
PATH = [BACKUP, PRIMARY]


def test_the_failing_v2g_interval_has_its_own_arrow_at_each_devices_current():
    notes = [(PRIMARY, BACKUP, IDLE, V2G)]
    ground = intervals(notes, PATH, "ground")
    assert len(ground) == 2  # the old code: the idle arrow alone
    idle, v2g = ground
    assert (idle.case, v2g.case) == ("ref", "v2g")
    # the idle arrow: both devices at 355 A, fuse 16.2 s under the 51G's 27.5 s
    assert (idle.i_a, idle.i_backup_a) == pytest.approx((355.27, 355.03), abs=0.01)
    assert (idle.t_primary_s, idle.t_backup_s) == pytest.approx((16.165, 27.455), abs=1e-3)
    # the V2G arrow: the fuse at its phase current 253 A, the 51G at its 3I0 359 A
    assert (v2g.i_a, v2g.i_backup_a) == pytest.approx((252.52, 359.44), abs=0.01)
    assert (v2g.t_primary_s, v2g.t_backup_s) == pytest.approx((64.295, 26.777), abs=1e-3)
    assert v2g.t_backup_s < v2g.t_primary_s  # the backup first: the arrow shows the failure
    assert not v2g.info
    # the legend says which arrow is which
    assert idle.text.endswith("— this arrow: idle, at 355 A")
    assert "V2G −37.5 s" in v2g.text and "this arrow: V2G (firm/light/100%)" in v2g.text
    assert f"{PRIMARY} 64.3 s at 253 A, {BACKUP} 26.8 s at 359 A" in v2g.text


def test_no_second_arrow_where_the_v2g_interval_passes_or_the_reference_shows_it():
    # the phase plot: the max fault passes in both rows, one arrow
    (phase,) = intervals([(PRIMARY, BACKUP, IDLE, V2G)], PATH, "phase")
    assert phase.case == "ref" and "this arrow" not in phase.text
    # the reference failing about as much (V2G's shortfall within 10 % more: the
    # attribution's materiality share): its own arrow shows the failure, one arrow (rev43a
    # M3: a reference failing far less — IEEE 34's idle −0.0759 s beside V2G −0.818 s — gets
    # the V2G arrow too, tests/test_tcc_failing_interval_readable.py)
    failing = IDLE.copy()
    failing["status_min"] = failing["status_worst"] = "fail"
    for tag in ("min", "worst"):
        failing[f"t_primary_{tag}_s"] = failing[f"t_backup_{tag}_s"] + 36.0
        failing[f"interval_{tag}_s"] = -36.0
    assert len(intervals([(PRIMARY, BACKUP, failing, V2G)], PATH, "ground")) == 1


def test_the_legend_names_the_red_arrow_and_the_fuse_time_off_its_curve():
    """The 100K's 64.3 s is its time through the chargers' stages; its curve at 253 A gives
    140 s (`curves eval 100K`, rev42a); the 51G's 26.8 s is within 1 % of its curve's 26.5 s."""
    from protv2g.report.tcc_figure import V2G_ARROW_COLOUR, path_figure
    from protv2g.report.tcc_legend import RowLegend

    head = OvercurrentRelay(name=BACKUP, pickup_a=760.0, curve="IEEE-EI", time_dial=0.5,
                            ground_pickup_a=190.0, ground_curve="IEEE-EI",
                            ground_time_dial=2.4)
    fuse = Fuse(name=PRIMARY, link="100K")
    notes = intervals([(PRIMARY, BACKUP, IDLE, V2G)], PATH, "ground")
    fig = path_figure([head, fuse], "ground", {}, annotations=notes)
    ax = fig.axes[0]
    legend = next(a for a in ax.artists if isinstance(a, RowLegend))
    texts = " | ".join(legend._labels)
    assert "(red arrow)" in texts
    # the curve named: the row's "fuse TC" (rev43a M3: a recloser's delayed time had been
    # set against its fast curve)
    assert (f"{PRIMARY}'s 64.3 s is through the chargers' stages (its total clear curve at "
            "253 A: 141 s)" in texts)
    assert f"{BACKUP}'s 26.8 s" not in texts
    from matplotlib.colors import to_hex
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 2
    assert to_hex(arrows[1].arrow_patch.get_edgecolor()) == V2G_ARROW_COLOUR
    # the red arrow runs from the fuse at 253 A to the 51G at 359 A
    assert arrows[1].xyann[0] == pytest.approx(252.52, abs=0.01)
    assert arrows[1].xy[0] == pytest.approx(359.44, abs=0.01)
