"""A C5 reach row at a project-only device's close-in position is compared with its base
twin (the base case's fault at the device's terminal bus, :mod:`protv2g.checks.close_in_twins`)
at the row's own factor (twin2_38; c5tw38's report: the head's close-in row is its backup
zone's, × 1.2, its twin at the terminal bus its primary zone's, × 1.5 — domain.md C5).

By hand, pickup-multiple ratios I/pickup: the head's ratio at b2 without the project 1.30
(fails its primary zone's 1.5 by 0.20); at "f_depot close-in" with V2G 1.05 (fails its backup
zone's 1.2 by 0.15): V2G lowered the head's reach by 0.25 × pickup (19 %), tolerance
5 % × 1.05 = 0.0525 × pickup. Against the twin's own factor the margins read −0.20 → −0.15,
"better", pre-existing; at the row's factor the base passes by 1.30 − 1.2 = +0.10 (more than
the tolerance) and V2G makes it fail: new.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.checks.attribution import attribute
from protv2g.checks.close_in_twins import TWIN_BUSES, attributed

BASE, V2G = "base/peak", "expected/peak/100%"
BASE_OF = {BASE: BASE, V2G: BASE}
KEY = {"criterion": "C5", "fault_type": "SLG-a", "case": "min", "device": "head",
       "other_device": "", "margin_unit": "× pickup", "rule": "", "attribution": "",
       "message": "m"}


def _run(base_ratio: float, v2g_ratio: float, base_fails: bool, categorical: bool = False):
    v = pd.DataFrame([
        {**KEY, "scenario": V2G, "fault_bus": "f_depot close-in", "status": "warn",
         "margin": v2g_ratio - 1.2, "limit": 1.2, "tolerance": 0.05 * v2g_ratio}]
        + ([{**KEY, "scenario": BASE, "fault_bus": "b2", "status": "fail",
             "margin": base_ratio - 1.5, "limit": 1.5, "tolerance": 0.05 * base_ratio}]
           if base_fails else []))
    if categorical:  # the checks' text columns (#21): kept as they came
        v = v.astype({c: "category" for c in ("scenario", "fault_bus", "device", "status",
                                                "attribution", "criterion")})
    margins = pd.DataFrame([{k: KEY[k] for k in ("criterion", "fault_type", "case", "device",
                                                  "other_device", "margin_unit", "rule")}
                            | {"scenario": BASE, "fault_bus": "b2",
                               "margin": base_ratio - 1.5, "limit": 1.5}])
    ctx = SimpleNamespace(cache={TWIN_BUSES: {"f_depot close-in": "b2"}}, base_of=BASE_OF)
    out = attributed(attribute, ctx, v, BASE_OF, margins)
    assert len(out) == len(v) and list(out.fault_bus) == list(v.fault_bus)
    if categorical:
        assert isinstance(out.fault_bus.dtype, pd.CategoricalDtype)
    return out.iloc[0]


def test_v2g_drop_at_the_close_in_position_is_not_masked_by_the_zone_change():
    """Fails on the old code (pre-existing, base margin −0.20)."""
    r = _run(1.30, 1.05, base_fails=True)
    assert float(r.base_margin) == pytest.approx(1.30 - 1.2, abs=1e-9)
    assert r.attribution == "new", r.message


def test_twin_failing_at_the_rows_factor_too_is_pre_existing_or_worse():
    """Base ratio 1.10 (fails × 1.5 and × 1.2); V2G 1.05: a change of 0.05 inside the
    tolerance 0.0525 — pre-existing, its base margin at the row's factor −0.10 (old: −0.40)."""
    r = _run(1.10, 1.05, base_fails=True)
    assert float(r.base_margin) == pytest.approx(1.10 - 1.2, abs=1e-9)
    assert r.attribution == "pre-existing", r.message
    # V2G 0.95: a change of 0.15, more than the tolerance 0.0475 — worse
    r = _run(1.10, 0.95, base_fails=True)
    assert r.attribution == "worse", r.message


def test_passing_base_twin_is_judged_at_the_rows_factor():
    """Base ratio 1.60 (passes × 1.5 by 0.10, no violation row): at × 1.2 by 0.40."""
    r = _run(1.60, 1.05, base_fails=False)
    assert float(r.base_margin) == pytest.approx(1.60 - 1.2, abs=1e-9)
    assert r.attribution == "new"


def test_categorical_columns_come_back_as_they_were():
    r = _run(1.30, 1.05, base_fails=True, categorical=True)
    assert r.attribution == "new" and float(r.base_margin) == pytest.approx(0.10, abs=1e-9)
