"""A "fuse saving not possible" row's twin without V2G is the fuse-saving row (review rev29 §1).

IEEE 123 with a depot and home chargers (R-67 over a 40K link F-73, SLG-c close-in, min case):
with V2G the recloser no longer sees the fault; the row said "made worse by V2G; without V2G …
fails by 38.09 s" — the base case's *lockout* row (R-67's delayed curve 4.288 s against F-73's
total clearing 42.38 s), matched because both rows had an empty ``rule``. Its twin is the base
fuse-saving row, which passes by 4.55 s (minimum melt 5.131 s against K × fast 0.583 s): the
loss is caused by V2G. The row is now keyed as the fuse-saving rule (``fuse_saving_k``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from protv2g.checks import attribute
from protv2g.checks.attribution import BASE_MARGIN_COLUMNS

from .conftest import opendss_example_on_edge

BASE, V2G = "base/light", "expected/light/50%"
KEY = {"criterion": "C2", "fault_bus": "f-73 close-in", "fault_type": "SLG-c", "case": "min",
       "device": "R-67", "other_device": "F-73", "margin_unit": "s", "mechanism": ""}


def test_not_seen_row_is_caused_by_v2g_against_the_saving_twin():
    lockout = {**KEY, "scenario": BASE, "status": "fail", "rule": "", "margin": -38.09,
               "tolerance": 0.1, "attribution": "", "message": "R-67 delayed trip …"}
    not_seen = {**KEY, "scenario": V2G, "status": "fail", "rule": "fuse_saving_k",
                "margin": -np.inf, "tolerance": np.nan, "attribution": "",
                "message": "fuse saving not possible: …"}
    saving_base = pd.DataFrame([{**KEY, "scenario": BASE, "rule": "fuse_saving_k",
                                 "margin": 4.55}])[BASE_MARGIN_COLUMNS]
    v = attribute(pd.DataFrame([lockout, not_seen]), {BASE: BASE, V2G: BASE}, saving_base)
    assert v.attribution.tolist() == ["pre-existing", "new"]
    assert v.base_margin.iloc[1] == 4.55


def test_shipped_not_seen_rows_carry_the_saving_rule_and_say_when_the_fuse_melts():
    from protv2g.runner import run_study

    # r1 blind to lat2 SLG-c in the base case only (conftest.R1_GROUND_EDGE_A, session 41)
    study = opendss_example_on_edge()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = run_study(study, hosting=False)
    c = r.tables["Coordination"]
    ns = c[c.check == "fuse saving: fault not seen by recloser"]
    assert len(ns) and (ns.rule == "fuse_saving_k").all()
    v = r.violations
    msgs = [str(m) for m in v.message if "fuse saving not possible" in str(m)]
    assert msgs and all("clears alone, starting to melt in " in m for m in msgs)
    # the current quoted is the first cycle's (review rev32b M3: "a sees 133 A", 161 A later)
    assert all(" in the first cycle, below its minimum trip, for " in m for m in msgs)
