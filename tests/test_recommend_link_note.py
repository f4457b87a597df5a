"""A C5 fuse finding's window note reads which links the search re-checked from the
evaluator's one record (review s38, EPRI ckt5: "80K … not searched" beside a search that had
tried 80K on that fuse); the window's current is the one the gate's remedy reads (review s38,
IEEE 13 f_campus: 30K at the idle current on the gate line, 20K at the exporting row in
recommend). :mod:`protv2g.recommend.link_note`.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from protv2g.recommend.evaluator import _active
from protv2g.recommend.finding_search import _search

from .test_recommend_named_devices import _Fake, _options


def test_link_runs_read_the_evaluators_record():
    """F02 (C5 of F1) is told which of F1's links the search of F01 re-checked and what
    became of F02 there — from the evaluator's record, not "not searched"."""
    from protv2g.recommend.link_note import link_runs

    ev = _Fake()
    cur = _active(ev.findings())
    _search(ev, [], cur, "C1|H|F1|s|", _options(), 14)
    ran_for = {k: "F01" for k in ev.ran}
    runs = link_runs(ev, ran_for, "F1", "C5|F1||s|")
    assert runs["40K"].startswith("40K re-checked in the search of F01: it clears this "
                                  "finding there")
    # the preferred 40K is tried before the intermediate 50K (ANSI C37.42 series, review
    # rev42a M9) and clears F01: 50K is not re-checked
    assert "50K" not in runs and "65K" not in runs


def test_window_note_says_which_links_were_tried(monkeypatch):
    """The note lists the window's links, the ones re-checked with their outcome, and only
    the others as not searched."""
    from types import SimpleNamespace

    from protv2g.devices.library import default_library
    from protv2g.recommend import link_note

    monkeypatch.setattr(link_note, "transformer_full_load_a", lambda study, name: None)
    study = SimpleNamespace(library=default_library())
    finding = {"finding": "F02", "device": "F1", "criterion": "C5", "status": "fail"}
    evidence = pd.DataFrame({"finding": ["F02"], "i_device_a": [130.0], "i_other_a": [128.0],
                             "limit": [1.5], "fault_type": ["SLG-a"], "fault_bus": ["b9"],
                             "scenario": ["s"]})
    devices = [SimpleNamespace(name="F1", link="65K")]
    runs = {"50K": "50K re-checked in the search of F01: this finding stays"}
    note = link_note.link_window_note(study, finding, evidence, devices, None, 1.5, runs)
    # reach: 1.5 × minimum melt ≤ 130 A → ≤ 40K (1.5 × 80 = 120 A; 50K 1.5 × 101 = 151.5 A)
    assert note.startswith("F1's link window: 6K, 8K, 10K, 12K, 15K, 20K, 25K, 30K, 40K")
    assert "reach the finding's least current 130 A (the row's own current 130 A — SLG-a " \
           "at b9, s) / 1.5" in note
    assert note.endswith("— 6K, 8K, 10K, 12K, 15K, 20K, 25K, 30K, 40K not searched: set one "
                         "and re-run")
    runs = {"40K": "40K re-checked in the search of F01: it clears this finding there"}
    note = link_note.link_window_note(study, finding, evidence, devices, None, 1.5, runs)
    assert "; 40K re-checked in the search of F01: it clears this finding there" in note


def test_empty_window_note_names_the_links_the_search_tried(monkeypatch):
    """EPRI ckt5's f-mdv201_105409fuse (100K, 108 A of load, least fault 290 A; review s38:
    its note said "80K … not searched" while F01's search had tried 80K). By hand, C8's limit
    and C5's reach: 80K 160 / 1.5 = 106.7 A ≤ 108 A (does not carry), 100K 1.5 × 200 = 300 A
    > 290 A (does not reach): the window is empty, and the 80K run is named with its outcome."""
    from types import SimpleNamespace

    from protv2g.devices.library import default_library
    from protv2g.recommend import link_note
    from protv2g.recommend.window import DeviceLoads

    monkeypatch.setattr(link_note, "transformer_full_load_a", lambda study, name: None)
    study = SimpleNamespace(library=default_library())
    finding = {"finding": "F03", "device": "F5", "criterion": "C5", "status": "fail"}
    evidence = pd.DataFrame({"finding": ["F03"], "i_device_a": [290.0], "i_other_a": [200.0],
                             "limit": [1.5], "idle_margin": [0.02], "fault_type": ["SLG-b"],
                             "fault_bus": ["1103250"], "scenario": ["firm/light/100%"]})
    loads = DeviceLoads({("F5", "phase"): np.array([108.0])})
    runs = {"80K": "80K re-checked in the search of F01: it clears this finding there"}
    note = link_note.link_window_note(study, finding, evidence,
                                      [SimpleNamespace(name="F5", link="100K")], loads, 1.5,
                                      runs)
    assert note.startswith("F5's link window is empty at the finding's least current 290 A "
                           "(the row's own current 290 A; 304 A with every charger idle — "
                           "SLG-b at 1103250, firm/light/100%)")
    assert "the largest that reaches it is 80K (minimum melt 160 A; C8's load limit 107 A" in note
    assert note.endswith("links outside the window the search re-checked: 80K re-checked in "
                         "the search of F01: it clears this finding there")
    assert "not searched" not in note


def test_window_current_is_the_gates():
    """The idle current from the row's idle margin, (idle_margin + factor) × pickup, and the
    least of it and the row's own — the gate's remedy takes the same per row."""
    from protv2g.checks.fuse_window_text import least_current
    from protv2g.recommend.link_note import finding_current

    rows = pd.DataFrame({"i_device_a": [96.0, 90.0], "i_other_a": [200.0, 200.0],
                         "limit": [1.5, 1.5], "idle_margin": [-0.912, -1.1],
                         "fault_type": ["SLG-b", "SLG-a"], "fault_bus": ["x", "y"],
                         "scenario": ["s", "s"]})
    i_a, factor, words = finding_current(rows)
    # row 2: own 90 A, idle (−1.1 + 1.5) × 200 = 80 A → 80 A, the least of all
    assert (i_a, factor) == (pytest.approx(80.0), 1.5)
    assert words.startswith("its current with every charger idle 80 A; the row's own "
                            "current 90 A — SLG-a at y, s")
    assert least_current(96.0, 117.6)[0] == 96.0


@pytest.mark.parametrize("module", ["protv2g.recommend.link_note",
                                    "protv2g.checks.fuse_window_text",
                                    "protv2g.checks.fuse_window"])
def test_module_doctests(module):
    import importlib

    assert doctest.testmod(importlib.import_module(module)).failed == 0
