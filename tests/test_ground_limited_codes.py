"""The grounding ratio of every relay in one pass over the checks' key codes (#21, session 46).

:func:`protv2g.checks.ground_limited.slg_ratio` read each relay's rows out of the fault table
and converted their text columns (the head relay sees every fault: 0.3 s CPU of the 10,000-bus
checks); it now computes every device's ratio once, off the context's
:class:`~protv2g.checks._keys.FaultKeys`. These tests hold the coded pass to the per-relay one
(the rule as ngr45 wrote it) on hand-built tables whose ratios are worked by hand, and to
OpenDSS on the NGR feeder of ``test_c1_ground_limited`` (nothing there computed by protv2g:
the bolted SLG and three-phase fault currents at the head's bus, IEC 60909 maximum case).
"""

from __future__ import annotations

import math
import types

import numpy as np
import pandas as pd
import pytest

from protv2g.checks._keys import fault_keys
from protv2g.checks.ground_limited import _ratio_of, _ratios_by_code, slg_ratio


def _table() -> pd.DataFrame:
    """Two relays, a fuse and a device with no three-phase row, over a base and a V2G
    scenario, both cases (hand figures in :func:`test_coded_ratios_match_the_hand_figures`)."""
    rows = []

    def add(scenario, device, bus, fault_type, case, i_a):
        rows.append((scenario, device, bus, fault_type, case, i_a))

    for sc, k in (("base", 1.0), ("v2g", 1.3)):  # the V2G rows must not count
        for case, c in (("max", 1.0), ("min", 0.5)):  # nor the minimum case
            # R: 3ph largest at bus 2 (1200 A, a tie with bus 5 — the first row wins)
            add(sc, "R", 1, "3ph", case, 900.0 * k * c)
            add(sc, "R", 2, "3ph", case, 1200.0 * k * c)
            add(sc, "R", 2, "SLG-a", case, 70.0 * k * c)
            add(sc, "R", 2, "SLG-b", case, np.nan)
            add(sc, "R", 2, "LL-ab", case, 1000.0 * k * c)
            add(sc, "R", 5, "3ph", case, 1200.0 * k * c)
            add(sc, "R", 5, "SLG-a", case, 900.0 * k * c)
            add(sc, "R", 1, "SLG-a", case, 500.0 * k * c)
            # Q: effectively grounded, a NaN three-phase row skipped
            add(sc, "Q", 3, "3ph", case, np.nan)
            add(sc, "Q", 4, "3ph", case, 2000.0 * k * c)
            add(sc, "Q", 4, "SLG", case, 1800.0 * k * c)
            # F: no SLG row at its largest 3ph fault's bus
            add(sc, "F", 6, "3ph", case, 400.0 * k * c)
            add(sc, "F", 7, "SLG-a", case, 300.0 * k * c)
            # G: ground faults only
            add(sc, "G", 8, "SLG-a", case, 50.0 * k * c)
    f = pd.DataFrame(rows, columns=["scenario", "device", "fault_bus", "fault_type", "case",
                                    "i_phase_a"])
    f["scenario"] = f["scenario"].astype("category")
    f["device"] = f["device"].astype("category")
    return f


def _ctx(f: pd.DataFrame, keys=True):
    return types.SimpleNamespace(faults=f, keys=fault_keys(f) if keys else None,
                                 base_of={"base": "base", "v2g": "base"}, cache={})


def test_coded_ratios_match_the_hand_figures():
    every = _ratios_by_code(_ctx(_table()))
    # R: bus 2 (the first of the two 1200 A rows), its SLG rows 70 A and NaN: 70 / 1200
    assert every["R"] == pytest.approx(70.0 / 1200.0, rel=1e-15)
    assert every["Q"] == pytest.approx(1800.0 / 2000.0, rel=1e-15)
    assert math.isnan(every["F"]) and math.isnan(every["G"])
    assert "nobody" not in every


def test_coded_ratios_equal_the_per_relay_pass():
    f = _table()
    every = _ratios_by_code(_ctx(f))
    for name in ["R", "Q", "F", "G", "nobody"]:
        one = _ratio_of(_ctx(f, keys=False), name)
        got = every.get(name, math.nan)
        assert (math.isnan(one) and math.isnan(got)) or one == got, name
        # slg_ratio gives the same through either path
        coded, plain = slg_ratio(_ctx(f), name), slg_ratio(_ctx(f, keys=False), name)
        assert (math.isnan(coded) and math.isnan(plain)) or coded == plain, name


def test_rows_in_another_order_give_the_same_ratios():
    f = _table()
    g = f.iloc[::-1].reset_index(drop=True)  # the tie at 1200 A now won by bus 5
    for name in ["R", "Q", "F", "G"]:
        a = _ratios_by_code(_ctx(g)).get(name, math.nan)
        b = _ratio_of(_ctx(g, keys=False), name)
        assert (math.isnan(a) and math.isnan(b)) or a == b, name
    assert _ratios_by_code(_ctx(g))["R"] == pytest.approx(900.0 / 1200.0, rel=1e-15)


def test_head_ratio_on_the_ngr_feeder_against_opendss(tmp_path):
    pytest.importorskip("opendssdirect")
    from protv2g import load_study
    from protv2g.checks.study_context import check_context
    from protv2g.pipeline import fault_tables, study_flow, study_with_sites
    from protv2g.scenarios import build_scenarios

    from .test_c1_ground_limited import _dss_fault, _write

    study = study_with_sites(load_study(_write(tmp_path)))
    scenarios = build_scenarios(study.document)
    ctx = check_context(study, fault_tables(study, scenarios, held=True), study_flow(study),
                        scenarios)
    assert ctx.keys is not None
    every = _ratios_by_code(ctx)
    assert every["head-c1"] == _ratio_of(ctx, "head-c1")
    # OpenDSS: bolted SLG over three-phase at the head's bus (sub), source at 1.1 pu
    i3 = _dss_fault(tmp_path / "master.dss", "sub", "3ph")
    i1 = _dss_fault(tmp_path / "master.dss", "sub", "SLG")
    assert every["head-c1"] == pytest.approx(i1 / i3, rel=0.01)
