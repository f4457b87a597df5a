"""C7 "interrupting duty and V2G fault-level change": both bases on every row.

Rating duty (IEEE C37.010-1999 §5.3, C37.60) and the change against no V2G (IEEE Std
1547.2-2023 §8.2) are two questions: a row answering one states the other too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g import run_study
from protv2g.checks.duty import LEVEL_CHANGE, RATING_DUTY
from protv2g.checks.duty_rows import base_ka, change_text
from protv2g.criteria import CATALOGUE


def test_title_says_what_c7_checks():
    assert CATALOGUE["C7"].title == "interrupting duty and V2G fault-level change"


def test_base_ka_and_change_text():
    w = pd.DataFrame({"scenario": ["b", "v", "v", "x"], "device": ["R", "R", "S", "R"],
                      "case": "max", "i_max_ka": [2.0, 2.2, 1.0, 3.0]})
    got = base_ka(w, {"b": "b", "v": "b", "x": "y"})
    assert np.isnan(got[0]) and got[1] == pytest.approx(2.0)
    assert np.isnan(got[2]) and np.isnan(got[3])  # no base row of S; no base scenario y
    assert change_text(2.2, 2.0) == "; symmetrical +10% against no V2G's largest (2.00 kA)"
    assert change_text(2.0, np.nan) == ""


def test_depot_warn_rows_state_the_rating_duty(depot_result):
    v = depot_result.violations
    warn = v[(v.criterion == "C7") & (v.status == "warn")]
    assert len(warn) and (warn.mechanism == LEVEL_CHANGE).all()
    assert warn.message.str.contains(r"rating duty [0-9.]+ kA = \d+% of its", regex=True).all()


def test_fail_rows_state_the_change_against_no_v2g(depot_study):
    devs = [dict(d, interrupting_rating_ka=1.0) if d["name"] == "RC-F1" else d
            for d in depot_study.raw["devices"]]
    study = depot_study.with_updates(devices=devs, scenarios={
        **depot_study.raw["scenarios"], "export_levels_fraction": [0.0, 1.0],
        "participation": ["firm"], "load_levels": ["peak"], "day": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = run_study(study).violations
    fail = v[(v.criterion == "C7") & (v.status == "fail") & (v.device == "RC-F1")]
    assert len(fail) and (fail.mechanism == RATING_DUTY).all()
    v2g = fail[~fail.scenario.str.startswith("base")]
    # the same fault without V2G on the rating's basis (review rev33b W3), or, without a
    # base twin, the largest currents
    said = "without V2G at the same fault|against no V2G"
    assert len(v2g) and v2g.message.str.contains(said).all()
    base = fail[fail.scenario.str.startswith("base")]
    assert not base.message.str.contains(said).any()
