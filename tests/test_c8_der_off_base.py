"""C8's charging snapshots (peak load, existing DER off, every site charging) are compared with
the same step without charging, ``base/der_off`` — not with ``base/peak``, where the feeder's
PV still runs (review s18: on EPRI J1, 1.9 MW of PV at full sun hid 92 A at the head, and the
load it hid was reported "caused by charging").

References: a power flow's own load balance (with the PV off the head carries its load and the
PV's share of it; no protv2g figure is taken as the reference).
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from protv2g.checks.attribution import base_scenarios
from protv2g.scenarios import DER_OFF_BASE

from .conftest import FEEDERS_DIR


def test_snapshots_resolve_to_the_der_off_base():
    names = ["base/peak", "base/light", DER_OFF_BASE, "charging/firm", "charging/expected"]
    base = base_scenarios([], names)
    assert base["charging/firm"] == base["charging/expected"] == DER_OFF_BASE
    assert base[DER_OFF_BASE] == DER_OFF_BASE
    # without it (older flow tables) the peak base case, as before
    assert base_scenarios([], ["base/peak", "charging/firm"])["charging/firm"] == "base/peak"


def test_workplace_pv_der_off_base_carries_what_the_pv_hid():
    from protv2g import load_study, run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(FEEDERS_DIR / "workplace_pv_midday" / "study.yaml"),
                      hosting=False)
    d = r.flow.devices
    if DER_OFF_BASE not in set(d.scenario):
        pytest.skip("no charging snapshot in this example")
    by = d.groupby(["scenario", "device"]).p_mw.max().unstack("scenario")
    on = [c for c in by.columns if str(c).startswith("base/") and c != DER_OFF_BASE]
    assert on
    # every watched device imports at least as much at peak load with the PV off as in any
    # base case with it on, and the snapshots' base has no site charging
    assert (by[DER_OFF_BASE] >= by[on].max(axis=1) - 1e-6).all()
    sites = r.flow.sites
    assert (pd.to_numeric(sites[sites.scenario == DER_OFF_BASE].p_kw) == 0).all()
    c8 = r.violations[(r.violations.criterion == "C8")
                      & r.violations.scenario.astype(str).str.startswith("charging/")]
    assert (c8.attribution.isin(["new", "worse", "pre-existing"])).all()
