"""A gG link's C5 row names the rating that reaches its fault and carries its load, and says
its margin in multiples of Imax(5 s), not "× pickup" (review s38, the European LV feeder: the
head's 250gG short of the far end's minimum fault — 0.52 × Imax(5 s) 1,650 A — read only "a
gG link whose Imax(5 s) is at or below this fault …", and its gate line "margin −0.48 ×
pickup").

References (nothing computed by protv2g): IEC 60269-1 Table 3's Imax(5 s) gates as the
library reproduces them (``protv2g/relay_library/fuse_gg.yaml``, its VERIFICATION note):
100 A → 580 A, 125 A → 715 A, 160 A → 950 A, 250 A → 1,650 A, 16 A → 65 A; the rule "the
largest rating whose Imax(5 s) ≤ the fault and whose In ≥ the load" by hand.
"""

from __future__ import annotations

import math
import shutil
import warnings

import numpy as np
import pytest

from protv2g.checks.fuse_gg_remedy import GENERIC_GG_REMEDY, gg_remedies
from protv2g.checks.fuse_window import link_window
from protv2g.criteria import MarginUnit
from protv2g.devices.library import default_library

#: IEC 60269-1 Table 3, Imax(5 s) (A) by rating (module docstring).
IMAX_5S_A = {16: 65, 100: 580, 125: 715, 160: 950, 250: 1650}


def _window(load_a: float):
    return link_window(default_library(), "250gG", i_load_a=load_a, reach_factor=1.0)


def test_largest_rating_that_reaches_and_carries():
    """857 A at the far end (the LV feeder's SLG-a min) with the head's 113.8 A of load
    (init's figure with the site charging): 160gG needs 950 A > 857 A, 125gG 715 A ≤ 857 A
    and In 125 A ≥ 113.8 A → 125gG. At 700 A: 100gG (580 A); 100 A < 113.8 A of load though,
    so none both reaches and carries: the largest that reaches, 100gG, said with its In."""
    w = {0: _window(113.8)}
    got, low = gg_remedies(w, ["head-line1"], np.array([0, 0]), np.array([857.0, 700.0]))
    assert got.startswith("125gG, the largest gG rating")
    assert f"Imax(5 s) {IMAX_5S_A[125]} A is at or below this fault" in got
    assert "head-line1's 114 A of load" in got
    assert low.startswith("no gG rating both reaches this fault and carries head-line1's "
                          "114 A of load: the largest that reaches it, 100gG (Imax(5 s) "
                          f"{IMAX_5S_A[100]} A), has In 100 A")
    # below the smallest rating's gate: nothing of the series reaches
    (none,) = gg_remedies(w, ["head-line1"], np.array([0]), np.array([50.0]))
    assert none.startswith(f"no gG rating of the library's series reaches this fault (the "
                           f"smallest, 16gG, melts within 5 s only from {IMAX_5S_A[16]} A)")
    # no load in the flows: the reach alone, said so
    (free,) = gg_remedies({0: _window(math.nan)}, ["h"], np.array([0]), np.array([900.0]))
    assert free.startswith("125gG") and "not in the flows" in free
    assert gg_remedies({}, ["h"], np.array([0]), np.array([900.0])) == [GENERIC_GG_REMEDY]


pytest.importorskip("opendssdirect")

@pytest.fixture(scope="module")
def lv(shared_dir, tmp_path_factory):
    """The European LV test feeder drafted by init with one 7.4 kW charger at 899.b, its
    head fuse set to 250gG (review s38's setup; init drafts 100gG for this load)."""
    from protv2g.gate import gate_verdict
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study
    from protv2g.study_draft.draft import draft_study, parse_site

    src = shared_dir / "feeders" / "opendss" / "LVTestCase"
    if not (src / "Master.dss").is_file():
        pytest.skip(f"{src} not found")
    folder = tmp_path_factory.mktemp("lvgg")
    shutil.copytree(src, folder / "LVTestCase")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = draft_study(folder / "LVTestCase" / "Master.dss", study_dir=folder,
                        sites=[parse_site("h899:899.b:1:7.4")])
        text = d.text.replace("link: 100gG", "link: 250gG")
        assert "link: 250gG" in text
        (folder / "study.yaml").write_text(text)
        study = load_study(folder / "study.yaml")
        res = run_study(study, hosting=False)
        gate = gate_verdict(study, res)
    return res, gate


def test_lv_head_gg_row_names_125gG_and_its_unit(lv):
    """Fails on the old code: the remedy named no rating and the unit was "× pickup"."""
    res, gate = lv
    v = res.violations
    c5 = v[(v.criterion == "C5") & (v.device == "head-line1") & (v.status == "fail")]
    assert len(c5)
    assert set(c5.margin_unit.astype(str)) == {MarginUnit.IMAX_5S_MULTIPLE.value}
    worst = c5.loc[c5.margin.astype(float).idxmin()]
    i_a = float(worst.i_device_a)
    # the row's own current against the table: 125gG reaches it, 160gG does not
    assert IMAX_5S_A[125] <= i_a < IMAX_5S_A[160]
    assert float(worst.margin) == pytest.approx(i_a / IMAX_5S_A[250] - 1.0, rel=1e-6)
    msg = str(worst.message)
    assert "— remedy: 125gG, the largest gG rating" in msg
    assert "a gG link whose Imax(5 s) is at or below" not in msg
    line = next(r for r in gate["reasons"] if r.split(": ")[1].startswith("C5 head-line1"))
    assert "× Imax(5 s)" in line and "× pickup" not in line


def test_one_load_lookup_for_both_remedies():
    """att39 (left open): a K/T transformer fuse's remedy
    (:func:`~protv2g.checks.fuse_window_text.own_fuse_remedy`) repeated the "largest load
    current from the flows" lines of the gG remedy; both read
    :func:`~protv2g.checks.fuse_window.largest_load_a` now. The K link's window carries that
    load: F-DEPOT's largest |i_a| 110 A (a charging snapshot's −110 A, by hand) in the text."""
    import pandas as pd

    from protv2g.checks import fuse_gg_remedy, fuse_window, fuse_window_text

    assert fuse_window_text.largest_load_a is fuse_window.largest_load_a
    assert fuse_gg_remedy.largest_load_a is fuse_window.largest_load_a
    flow = pd.DataFrame({"scenario": ["a", "charging/firm", "a"],
                         "device": ["F-DEPOT", "F-DEPOT", "F-OTHER"],
                         "i_a": [42.0, -110.0, 300.0]})
    assert fuse_window.largest_load_a(flow, "F-DEPOT") == 110.0
    assert math.isnan(fuse_window.largest_load_a(flow[["device"]], "F-DEPOT"))

    class _Study:  # the fuse on no transformer: the load and the fault decide the window
        library = default_library()
        document = model = None

    text = fuse_window_text.own_fuse_remedy(_Study(), flow, "F-DEPOT", "200K", 119.0, 1.5,
                                            ground=True)
    assert "F-DEPOT's 110 A of load" in text, text
