"""The hosting band on the depot (issue #19): ``run_study(hosting=True)`` gives every site's
figure with its range over the uncertain inputs, and the band brackets the figure.

The figure checked against is the gate's (``meta["gate"]["hosting_capacity_kw"]``, from the
study's own full hosting search), not the band table's own column.
"""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.checks.rule_values import study_rules_table
from protv2g.hosting.band import BAND_COLUMNS, band_ends


@pytest.fixture(scope="module")
def band(depot_result):
    assert "Hosting band" in depot_result.tables, "run_study(hosting=True) makes the band"
    return depot_result, depot_result.tables["Hosting band"]


def test_band_brackets_the_figure(band):
    result, table = band
    assert list(table.columns) == BAND_COLUMNS
    figures = result.meta["gate"]["hosting_capacity_kw"]
    doc = result.inputs["document"]
    step = {s["name"]: float(s["p_charger_kw"]) for s in doc["v2g_sites"]}
    assert set(table["site"]) == set(figures)
    for row in table.itertuples(index=False):
        fig = float(figures[row.site])
        # one figure (review s22: the gate's 54 kW was 50.4 kW here, rounded to whole
        # chargers): the gate's, with the band's ends around it
        assert row.hosting_kw == pytest.approx(fig)
        assert row.band_low_kw <= row.hosting_kw <= row.band_high_kw
        assert f"resolve {min(50.0, step[row.site]):g} kW" in row.rounding
        assert row.driven_by and row.inputs and row.rounding


def test_band_ends_move_the_inputs_the_right_way(depot_study):
    pess, opt = band_ends(depot_study)
    rules = study_rules_table(depot_study)
    k = rules[rules["rule"] == "fuse_saving_k"]
    values = pd.concat([k["value"], k["bracket_low"], k["bracket_high"]]).astype(float)
    # pessimistic: the largest K in the reclosers' table values and brackets, the sustained
    # limit's high end at the top of the IBR range (1.5 pu, never above the first-cycle
    # limit; not the first-cycle limit held for seconds); optimistic: the other end
    assert pess.study.document.checks.fuse_saving_k == pytest.approx(values.max())
    assert opt.study.document.checks.fuse_saving_k == pytest.approx(values.min())
    assert values.min() < values.max()  # the depot's reclosers: 1.80 (table) vs 1.35
    assert pess.study.document.faults.high_bracket == "sustained_limit"
    for s0, s_opt, s_pess in zip(depot_study.document.v2g_sites, opt.study.document.v2g_sites,
                                 pess.study.document.v2g_sites, strict=True):
        assert s_pess.limit_pu == s0.limit_pu
        assert s_pess.sustained_limit_high == pytest.approx(min(s0.limit_pu, 1.5))
        assert s_pess.sustained_limit_high > s0.sustained_limit_high
        assert s_opt.limit_pu <= s0.limit_pu
    # the depot declares numerical relays: a known technology is not bracketed (review
    # 2026-12-01); without the key, electromechanical intervals are the pessimistic end
    assert "relay_technology" in depot_study.document.checks.model_fields_set
    assert {e.study.document.checks.relay_technology for e in (pess, opt)} == {"numerical"}
    assert not any("relays" in c for c in pess.changes + opt.changes)
    raw_checks = dict(depot_study.raw.get("checks") or {})
    raw_checks.pop("relay_technology", None)
    p2, o2 = band_ends(depot_study.with_updates(checks=raw_checks))
    assert p2.study.document.checks.relay_technology == "electromechanical"
    assert o2.study.document.checks.relay_technology == "numerical"
    # the intervals only: the timing accuracy (the materiality of V2G's change of a margin)
    # stays the study's numerical relays' at both ends (ver37 §5e)
    assert {e.study.document.checks.timing_accuracy_technology for e in (p2, o2)} == {
        "numerical"}
    assert opt.checks is not None and pess.checks is None  # tolerances: optimistic end only
    # a value the study file sets is the user's: not moved
    fixed = depot_study.with_updates(checks={"fuse_saving_k": 1.5, "cti_relay_relay_s": 0.3,
                                             "cti_relay_fuse_s": 0.2,
                                             "cti_recloser_relay_s": 0.2})
    for end in band_ends(fixed):
        assert end.study.document.checks.fuse_saving_k == pytest.approx(1.5)
        assert end.study.document.checks.cti_relay_relay_s == pytest.approx(0.3)
        assert not any("K" in c or "interval" in c for c in end.changes)


def test_an_unlimited_site_is_banded_on_the_axis_of_its_figure():
    """A site no criterion limits has the largest site maximum as its figure
    (gate.hosting_kw_per_site): its band must be searched on that axis (firm), not on the
    axis with the smallest site maximum (found on the depot: figure 6,000 kW on firm, band
    searched on expected, whose ends could never exceed 4,800 kW)."""
    from protv2g.hosting.band import _limiting_axis

    table = pd.DataFrame({
        "site": ["depot"] * 4, "participation": ["expected", "expected", "firm", "firm"],
        "load_level": ["light", "peak", "light", "peak"],
        "hosting_kw": [4800.0, 4800.0, 6000.0, 6000.0],
        "site_max_kw": [4800.0, 4800.0, 6000.0, 6000.0], "limited": [False] * 4})
    assert _limiting_axis(table, "depot")[0] == "firm"
    table.loc[1, ["hosting_kw", "limited"]] = [1200.0, True]  # a limited axis decides
    assert _limiting_axis(table, "depot") == ("expected", "peak")


def test_each_band_end_names_what_limits_it(band):
    # #19 review: each end names what limits it, or that nothing does. The pessimistic end
    # held the first-cycle current for the whole fault until the 2026-12-01 review (the depot
    # read 0 kW: 48 × 125 kVA × 2 pu at 12.47 kV = 555.6 A fed back through R-F1 for 3 s, an
    # artefact no inverter sustains). Now its sustained limit is 1.5 pu, the top of the IBR
    # range. Hand check that C6 then holds at the site maximum: 6,000 kVA × 1.5 / (√3 × 12.47
    # kV) = 416.7 A through R-F1 (51P 400 A, IEEE-MI, TD 0.6), M = 1.0417, t = 0.6 × (0.0515 /
    # (M^0.02 − 1) + 0.114) = 37.9 s (IEEE C37.112), while the site trips within seconds
    # (IEEE 1547 Category II) — R-F1 does not trip for the F2 fault.
    _, table = band
    depot = table.set_index("site").loc["depot"]
    m = 6000 * 1.5 / (3 ** 0.5 * 12.47) / 400
    assert 0.6 * (0.0515 / (m ** 0.02 - 1) + 0.114) == pytest.approx(37.9, abs=0.1)
    assert depot.band_low_kw == pytest.approx(depot.hosting_kw)
    assert "depot sustained limit (high end) 1.2 → 1.5 pu" in depot.inputs
    assert "first-cycle limit held" not in depot.inputs + depot.driven_by
    assert depot.driven_by.startswith("neither end moves the figure (6,000 kW): no criterion "
                                      "fails up to the site maximum (")
    i_held_a = 48 * 125 * 2.0 / (3 ** 0.5 * 12.47)
    assert i_held_a == pytest.approx(555.6, abs=0.05) and i_held_a > 400.0


def test_optimistic_end_keeps_a_drafted_sustained_high_end_valid(depot_study):
    """``init --site`` drafts ``sustained_limit_high_pu: 1.2``; the optimistic end lowers the
    first-cycle limit to the sustained one (1.1 pu), and the study file's validator refused a
    high end above it: `run` with hosting ended in "bad input" on every drafted study
    (helper fuse31, session 31)."""
    sites = [{**s, "sustained_limit_high_pu": 1.2} for s in depot_study.raw["v2g_sites"]]
    pess, opt = band_ends(depot_study.with_updates(v2g_sites=sites))
    for s in opt.study.document.v2g_sites:
        assert s.sustained_limit_high_pu is not None
        assert s.sustained_limit_high_pu <= s.limit_pu + 1e-12
        assert s.sustained_limit_high_pu == pytest.approx(min(1.2, s.limit_pu))
    assert all(s.limit_pu >= 1.2 for s in pess.study.document.v2g_sites)
