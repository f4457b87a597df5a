"""Published coordination rules as data: lookups, sources, stepping and overrides (#17).

Expected values are typed in from the sources (not read back from rules.yaml):
* fuse-saving K: Short, Electric Power Distribution Handbook, K factors by reclose time
  (after Cooper): 1 fast shot 1.25 at every interval; 2 fast shots 1.80 at 25-30 cycles,
  1.35 at 60, 90 and 120 cycles. Bracket: Cooper TD132010EN (R240-30-3) 1.20 / 1.35.
* source-side factor: Cooper TD132010EN Table 1 (50 % preload), columns B04/C04, B13/C13,
  B22/C22: 30 cycles 3.50/3.10/2.60; 60: 2.70/2.50/2.10; 90: 2.20/2.10/1.85;
  120: 1.90/1.80/1.70.
"""

from __future__ import annotations

import pytest

from protv2g.devices import rules
from protv2g.devices.rules import (
    RuleOutOfRange,
    coordination_interval_s,
    fuse_fuse_ratio,
    fuse_saving_k,
    rules_table,
    source_side_fuse_factor,
)


@pytest.mark.parametrize(("n_fast", "first_s", "k"), [
    (1, 0.5, 1.25),    # 30 cycles, short interval
    (1, 2.0, 1.25),    # 120 cycles, long interval
    (2, 0.42, 1.80),   # 25 cycles
    (2, 0.5, 1.80),    # 30 cycles: the 25-30 row
    (2, 0.75, 1.80),   # 45 cycles: stepped down to the 25-30 row (less cooling)
    (2, 1.0, 1.35),    # 60 cycles
    (2, 2.0, 1.35),    # 120 cycles
    (2, 10.0, 1.35),   # beyond the table: the 120 row
])
def test_fuse_saving_k_from_the_table(n_fast, first_s, k):
    r = fuse_saving_k(n_fast, first_s)
    assert r.value == pytest.approx(k) and r.unit == "-" and not r.overridden
    assert "Short" in r.source and "Cooper" in r.source
    assert "cycles" in r.basis
    assert r.bracket == (min(k, {1: 1.20, 2: 1.35}[n_fast]), max(k, {1: 1.20, 2: 1.35}[n_fast]))


def test_fuse_saving_k_outside_the_table_asks_for_an_override():
    with pytest.raises(RuleOutOfRange, match="1 or 2 fast shots") as exc:
        fuse_saving_k(3, 2.0)
    assert exc.value.issues[0].field == "checks.fuse_saving_k"
    with pytest.raises(RuleOutOfRange, match="shorter than the table"):
        fuse_saving_k(2, 0.2)  # 12 cycles
    r = fuse_saving_k(3, 2.0, override=1.6)
    assert r.value == 1.6 and r.overridden and "checks.fuse_saving_k" in r.source
    with pytest.raises(RuleOutOfRange):
        fuse_saving_k(2, 2.0, override=float("nan"))


@pytest.mark.parametrize(("n_fast", "n_delayed", "intervals", "factor"), [
    (2, 2, (0.5, 0.5, 0.5), 2.60),    # 30 cycles, B22/C22
    (1, 3, (0.5, 2.0, 2.0), 3.10),    # shortest 30 cycles, B13/C13
    (0, 4, (1.0, 1.0, 1.0), 2.70),    # 60 cycles, B04/C04
    (2, 2, (1.5, 1.5, 1.5), 1.85),    # 90 cycles
    (1, 3, (2.0, 2.0, 2.0), 1.80),    # 120 cycles
    (0, 4, (2.0, 5.0, 5.0), 1.90),    # 120 cycles
    (2, 2, (1.2, 2.0, 2.0), 2.10),    # 72 cycles: stepped down to 60
    (3, 1, (2.0, 2.0, 2.0), 1.70),    # 1 delayed: B22 column (more heating, conservative)
    (1, 2, (2.0, 5.0), 1.70),         # 3 trips: column with 2 delayed
])
def test_source_side_factor_from_the_table(n_fast, n_delayed, intervals, factor):
    r = source_side_fuse_factor(n_fast, n_delayed, intervals)
    assert r.value == pytest.approx(factor)
    assert "TD132010EN" in r.source and "verified" in r.basis


def test_source_side_factor_extension_rows_are_marked_recalled():
    assert source_side_fuse_factor(0, 4, (0.42, 2, 2)).value == pytest.approx(3.70)  # 25 cyc
    assert "recalled" in source_side_fuse_factor(2, 2, (10.0, 10, 10)).basis      # 600 cyc
    with pytest.raises(RuleOutOfRange, match="up to 4 trips"):
        source_side_fuse_factor(2, 3, (1, 1, 1, 1))
    with pytest.raises(RuleOutOfRange, match="shorter than"):
        source_side_fuse_factor(2, 2, (0.3, 2, 2))  # 18 cycles
    assert source_side_fuse_factor(2, 3, (1,) * 4, override=3.0).value == 3.0


@pytest.mark.parametrize(("pair", "tech", "cti"), [
    ("relay-relay", "electromechanical", 0.30), ("relay-relay", "numerical", 0.20),
    ("relay-fuse", "electromechanical", 0.22), ("relay-fuse", "numerical", 0.12),
    ("relay-recloser", "electromechanical", 0.22), ("relay-recloser", "numerical", 0.12),
])
def test_coordination_intervals_from_their_components(pair, tech, cti):
    # IEEE 242: breaker 0.08 s (downstream relay only) + overtravel 0.10 s (electromechanical)
    # + safety 0.12 s
    r = coordination_interval_s(pair, tech)
    assert r.value == pytest.approx(cti) and r.unit == "s" and "IEEE Std 242" in r.source
    with pytest.raises(ValueError, match="allowed"):
        coordination_interval_s("fuse-relay")


def test_rules_table_echoes_overrides_for_the_settings_sheet():
    df = rules_table()
    assert list(df.columns) == ["rule", "value", "unit", "basis", "source", "overridden"]
    assert not df.overridden.any() and fuse_fuse_ratio().value == 0.75
    df = rules_table({"cti_relay_fuse_s": 0.25, "fuse_fuse_ratio": 0.8}, "electromechanical")
    row = df[df.basis.str.startswith("override") & (df.value == 0.25)].iloc[0]
    assert row.overridden and row.source == "study file (checks.cti_relay_fuse_s)"
    assert df[df.rule == "fuse_fuse_ratio"].iloc[0].value == 0.8
    assert df.iloc[0].value == pytest.approx(0.30)  # relay-relay, electromechanical


def test_study_checks_accept_the_overrides():
    from protv2g.study.schema import Checks

    c = Checks(fuse_saving_k=1.5, cti_relay_relay_s=0.25, relay_technology="electromechanical")
    assert c.source_side_fuse_factor is None and c.fuse_saving_k == 1.5
    with pytest.raises(ValueError):
        Checks(fuse_saving_k=5.0)
    assert fuse_saving_k(2, 0.5, override=c.fuse_saving_k).value == 1.5


def test_rule_file_is_not_a_curve_file():
    from protv2g.devices.library import default_library

    assert rules.RULES_FILE.exists() and "rules" not in [c.name for c in default_library()]
