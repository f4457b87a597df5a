"""C6's coordination interval on each (candidate, clearing device) row (#21, session 38).

The interval depends only on the pair kind (by the clearing device's role) and the
technology (a recloser candidate's electronic control is numerical, else the study's), so
C6 asks :func:`protv2g.checks.rule_values.interval` once per distinct key and spreads the
value by an integer code; it asked once per row before (35,470 calls per bracket on EPRI
ckt5). The values are checked against IEEE Std 242-2001 clause 15's components written out
here, and the number of look-ups against the rows C6 judges."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import protv2g.checks.sympathetic as sym
from protv2g import load_study, run_study

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"

# IEEE Std 242-2001 cl. 15 CTI components (recalled, protv2g/relay_library/rules.yaml):
# 5-cycle breaker 0.08 s (a relay downstream only), induction-disk overtravel 0.10 s
# (electromechanical upstream only), safety margin 0.12 s.
BREAKER_S, OVERTRAVEL_S, SAFETY_S = 0.08, 0.10, 0.12


def test_interval_on_each_row_by_pair_kind_and_technology():
    checks = load_study(DEPOT).document.checks.model_copy(
        update={"relay_technology": "electromechanical"})
    ctx = SimpleNamespace(thresholds=checks)
    role = {"R1": "relay", "RC1": "recloser"}
    device = np.array(["R1", "RC1", "R1", "RC1", "R1", "RC1", "R1"] * 50, dtype=object)
    clear = np.array(["relay", "relay", "fuse", "fuse", "recloser", "recloser", "relay"] * 50,
                     dtype=object)
    cti, src = sym._interval_rows(ctx, role, device, clear)
    # relay candidate: the study's electromechanical (overtravel); recloser candidate: numerical
    em_rr = BREAKER_S + OVERTRAVEL_S + SAFETY_S          # 0.30 s
    em_rf = OVERTRAVEL_S + SAFETY_S                      # 0.22 s (fuse: clearing time)
    num_rr = BREAKER_S + SAFETY_S                        # 0.20 s
    num_rf = SAFETY_S                                    # 0.12 s
    want = np.array([em_rr, num_rr, em_rf, num_rf, em_rf, num_rf, em_rr] * 50)
    np.testing.assert_allclose(cti, want, rtol=0, atol=1e-9)
    assert all("IEEE Std 242-2001" in s for s in src)


def test_no_rows_no_lookup():
    cti, src = sym._interval_rows(SimpleNamespace(thresholds=None), {},
                                  np.array([], dtype=object), np.array([], dtype=object))
    assert cti.shape == (0,) and src.shape == (0,)


def test_an_unknown_clearing_role_is_refused_as_before():
    checks = load_study(DEPOT).document.checks
    with pytest.raises(KeyError):
        sym._interval_rows(SimpleNamespace(thresholds=checks), {"R1": "relay"},
                           np.array(["R1"], dtype=object), np.array(["switch"], dtype=object))


def test_c6_looks_the_interval_up_once_per_distinct_key(monkeypatch):
    """The depot study with a 7.5 MVA YNd at its site (as test_sympathetic_substation): C6
    judges R-F1 against the substation's protection on every fault it feeds back; the
    interval was looked up once per such row (fails on the old code), now once per key."""
    study = load_study(DEPOT)
    sites = [s.model_dump(exclude_none=True) for s in study.document.v2g_sites]
    sites[0]["interconnection_transformer"] = {"sn_kva": 7500, "connection": "YNd"}
    study = study.with_updates(v2g_sites=sites)
    calls, stages = [], []
    real_interval = sym.interval

    def counted(*a, **k):
        calls.append(a[1:])
        return real_interval(*a, **k)

    def staged(real):
        def run(*a, **k):
            stages.append(real.__name__)
            return real(*a, **k)
        return run

    monkeypatch.setattr(sym, "interval", counted)
    for name in ("_intervals", "_substation_rows"):  # the two stages that look it up
        monkeypatch.setattr(sym, name, staged(getattr(sym, name)))
    result = run_study(study, hosting=False)
    v = result.violations
    assert len(v[v.criterion == "C6"]) and stages  # C6 judged rows (warn at the substation)
    # at most one look-up per (pair kind, technology) per stage: 3 pairs × 2 technologies
    # (the old code: one per row, here > 6 per stage)
    assert len(calls) <= 6 * len(stages), (len(calls), stages)
