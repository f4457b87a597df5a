"""C5's zone rows kept one per group, the worst (#21, protv2g.checks.reach_groups): the kept
rows and counts against a pandas groupby of the same rows, the attribution decided per zone
row before the cut, and the Findings (attribution, worst row, counts, locations) and the
gate's row counts as the per-bus rows give them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import protv2g.checks.reach_groups as rg
from protv2g.checks.attribution import attribute
from protv2g.checks.reach_groups import (
    BUS_COLUMNS,
    GROUP_KEY,
    REACH_KEY,
    bus_text,
    group_reach_rows,
)
from protv2g.findings import build_findings
from protv2g.gate_reasons import reason_line
from protv2g.violations import VIOLATION_COLUMNS, row_weights

_KEYS = [*GROUP_KEY, REACH_KEY, "_b"]


def _rows(rng: np.random.Generator, n: int, n_buses: int = 40) -> pd.DataFrame:
    """``n`` random C5-like rows (a few groups, ties of margins, NaN margins, rows of other
    criteria that must not be grouped)."""
    crit = np.where(rng.random(n) < 0.15, "C1", "C5")
    margin = np.round(rng.normal(-0.3, 0.2, n), 2)  # ties on purpose
    margin[rng.random(n) < 0.03] = np.nan
    v = pd.DataFrame({
        "criterion": crit,
        "status": rng.choice(["fail", "warn"], n),
        "attribution": rng.choice(["new", "worse", "pre-existing"], n),
        "scenario": rng.choice(["base/peak", "v2g/peak/50%", "v2g/peak/100%"], n),
        "fault_bus": rng.choice([f"b{k}" for k in range(n_buses)], n),
        "fault_type": rng.choice(["3ph", "LL", "SLG"], n),
        "case": "min",
        "device": rng.choice(["R1", "R2", "F3"], n),
        "other_device": "",
        "margin": margin,
        "margin_unit": rng.choice(["× pickup", "fraction"], n, p=[0.8, 0.2]),
        "limit": 1.5,
        "base_margin": np.where(rng.random(n) < 0.3, np.nan, rng.normal(0.0, 0.2, n)),
        "message": [f"m{k}" for k in range(n)],
    })
    v[REACH_KEY] = np.where(crit == "C5", rng.integers(0, 3, n), -1).astype(np.int8)
    return v


@pytest.mark.parametrize("seed", range(12))
def test_grouping_keeps_worst_row_and_counts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = _rows(rng, int(rng.integers(1, 400)))
    ref = v.copy()
    kept, per_bus = group_reach_rows(v.copy(), first_group=5)
    c5 = ref[ref[REACH_KEY] >= 0]
    # the base case's state: no margin, passing, failing (the gate's folded counts)
    c5 = c5.assign(_b=np.select([c5.base_margin.isna(), c5.base_margin >= 0], [0, 1], 2))
    # pandas: per group the size and the smallest margin (NaN last), a tie to the bus text
    expect = (c5.assign(_m=c5.margin.fillna(np.inf))
              .sort_values(["_m", "fault_bus"], kind="stable")
              .groupby(_KEYS, sort=False).agg(first_bus=("fault_bus", "first"),
                                              first_msg=("message", "first"),
                                              size=("fault_bus", "size"),
                                              worst=("_m", "first")))
    got = kept[kept.bus_group >= 0].set_index(list(GROUP_KEY) + ["message"])
    assert len(got) == len(expect)
    assert int(kept.n_buses.sum()) == len(ref)  # every row stood for once
    g = kept[kept.bus_group >= 0]
    m = c5.set_index("message")[[REACH_KEY, "_b"]]
    key_of = [tuple(r) for r in g[list(GROUP_KEY)].itertuples(index=False)]
    for k, (msg, n, bus, margin) in enumerate(zip(g.message, g.n_buses, g.fault_bus,
                                                  g.margin, strict=True)):
        e = expect.loc[(*key_of[k], *m.loc[msg].tolist())]
        assert e["first_msg"] == msg and e["first_bus"] == bus and e["size"] == n
        assert np.isclose(np.nan_to_num(margin, nan=np.inf), e["worst"]) or (
            np.isnan(margin) and np.isinf(e["worst"]))
    # the other rows untouched, in order; kept rows in table order
    others = kept[kept.bus_group < 0]
    assert others.message.tolist() == ref.loc[ref[REACH_KEY] < 0, "message"].tolist()
    assert (others.n_buses == 1).all() and (others.buses == "").all()
    order = ref.reset_index().set_index("message").loc[kept.message, "index"].to_numpy()
    assert (np.diff(order) > 0).all()
    assert REACH_KEY not in kept.columns
    # the per-bus table: every zone row once, by group, the kept row first
    assert list(per_bus.columns) == BUS_COLUMNS
    assert len(per_bus) == len(c5)
    assert sorted(per_bus.bus_group.unique().tolist()) == sorted(g.bus_group.tolist())
    assert g.bus_group.min() == 5 if len(g) else True
    firsts = per_bus.groupby("bus_group", sort=False).first()
    assert firsts.loc[g.bus_group, "fault_bus"].tolist() == g.fault_bus.tolist()


def test_bus_text() -> None:
    assert bus_text(["b1"]) == "b1"
    assert bus_text(["b1", "b2", "b2"]) == "b1, b2"
    assert bus_text([f"b{k}" for k in range(25)]) == "b0, b1, b2 … (+22 buses)"
    assert bus_text(["b1", "b2", "b3", "b4"]) == "b1, b2, b3 … (+1 bus)"


def _c5_rows(v2g: list[tuple[str, float, float]]) -> pd.DataFrame:
    """C5 fail rows of one device, fault type and case at the buses ``(bus, margin in the
    base case, margin with V2G)``: each bus's base row and V2G row."""
    rows = []
    for scenario, col in (("base/peak", 1), ("v2g/peak/100%", 2)):
        for r in v2g:
            rows.append({c: None for c in VIOLATION_COLUMNS} | {
                "criterion": "C5", "status": "fail", "attribution": "", "scenario": scenario,
                "fault_bus": r[0], "fault_type": "3ph", "case": "min", "device": "R1",
                "other_device": "", "margin": r[col], "margin_unit": "× pickup",
                "limit": 1.5, "tolerance": 0.01, "rule": "", "message": f"{scenario} {r[0]}"})
    v = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    v[REACH_KEY] = np.int8(0)
    return v


def _findings(v: pd.DataFrame, grouped: bool) -> pd.DataFrame:
    a = attribute(v, {"base/peak": "base/peak", "v2g/peak/100%": "base/peak"})
    if not grouped:
        return build_findings(a.drop(columns=[REACH_KEY])).findings
    kept, per_bus = group_reach_rows(a)
    return build_findings(kept, bus_rows=per_bus).findings


def test_attribution_before_the_cut() -> None:
    # b1 is the worst (-0.5, pre-existing: V2G moves it by 0.001 < tolerance); b2 is made
    # worse by V2G (-0.1 → -0.3) but is not the worst margin: the finding is still "made worse
    # by V2G", as without grouping (a cut on the margin alone said "pre-existing": perf32 §4)
    v = _c5_rows([("b1", -0.499, -0.5), ("b2", -0.1, -0.3), ("b3", -0.45, -0.45)])
    plain, grouped = _findings(v.copy(), False), _findings(v.copy(), True)
    assert plain.attribution.tolist() == ["made worse by V2G"]
    for c in ("finding", "attribution", "worst_margin", "worst_fault", "worst_scenario",
              "status", "n_rows", "n_evidence", "locations", "device"):
        assert plain[c].tolist() == grouped[c].tolist(), c


def test_a_cut_without_the_attribution_loses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above fails for a cut made on the margin alone (the attribution out of the
    key): it tells the design from perf32's crude experiment."""
    monkeypatch.setattr(rg, "GROUP_KEY", tuple(c for c in GROUP_KEY if c != "attribution"))
    v = _c5_rows([("b1", -0.499, -0.5), ("b2", -0.1, -0.3), ("b3", -0.45, -0.45)])
    assert _findings(v, True).attribution.tolist() == ["pre-existing"]


@pytest.mark.parametrize("n_buses", [3, 10, 11, 40])
def test_locations_and_counts(n_buses: int) -> None:
    rng = np.random.default_rng(n_buses)
    buses = [f"b{k:02d}" for k in range(n_buses)]
    v = _c5_rows([(b, float(m), float(m - d)) for b, m, d in zip(
        buses, rng.normal(-0.2, 0.1, n_buses).round(3), rng.choice([0.0, 0.2], n_buses),
        strict=True)])
    plain, grouped = _findings(v.copy(), False), _findings(v.copy(), True)
    assert len(plain) == len(grouped)
    for c in ("attribution", "worst_margin", "worst_fault", "n_rows", "n_evidence",
              "locations", "export_trend", "base_margin"):
        assert plain[c].tolist() == grouped[c].tolist(), c
    # without the per-bus table the locations name the kept rows' (worst) buses only
    kept, _ = group_reach_rows(attribute(v.copy(), {"base/peak": "base/peak",
                                                    "v2g/peak/100%": "base/peak"}))
    bare = build_findings(kept).findings
    assert bare.n_rows.tolist() == plain.n_rows.tolist()


def test_gate_line_counts_the_zone_rows() -> None:
    v = _c5_rows([("b1", -0.1, -0.5), ("b2", -0.1, -0.3), ("b3", -0.1, -0.45)])
    a = attribute(v, {"base/peak": "base/peak", "v2g/peak/100%": "base/peak"})
    plain = reason_line("fail", a.drop(columns=[REACH_KEY]))
    kept, _ = group_reach_rows(a)
    assert row_weights(kept).sum() == 6
    assert reason_line("fail", kept) == plain
    assert "6 fail rows in 2 scenarios" in plain


def test_gate_folded_rows_count_the_zone_rows() -> None:
    """The gate's line of a finding failing with V2G says how many pre-existing rows fold
    onto it and how many of them pass without V2G: counted bus by bus (the base case's
    state is part of the group key)."""
    from protv2g.gate_reasons import ReasonRows

    v = _c5_rows([("b1", -0.1, -0.5), ("b2", 0.005, -0.001), ("b3", -0.3, -0.3),
                  ("b4", 0.004, -0.002), ("b5", -0.35, -0.35)])
    a = attribute(v, {"base/peak": "base/peak", "v2g/peak/100%": "base/peak"})

    def lines(rows: pd.DataFrame) -> list[str]:
        att = rows["attribution"].astype(str).to_numpy()
        fail, pre = np.isin(att, ["new", "worse"]), att == "pre-existing"
        return ReasonRows(rows, {}, rows=fail | pre).reasons("fail", fail, folded=pre)

    plain = lines(a.drop(columns=[REACH_KEY]))
    kept, _ = group_reach_rows(a)
    assert len(kept) < len(a)
    assert lines(kept) == plain
    assert "pre-existing on 9 more row(s) of this finding (2 pass without V2G" in plain[0]


@pytest.mark.parametrize("seed", range(6))
def test_findings_of_groups_equal_the_zone_rows(seed: int) -> None:
    """Random zone rows of two devices at three export levels (fail and warn rows, worse
    and pre-existing): the Findings of the groups (with the per-bus table) equal the
    Findings of the zone rows in every column but the Evidence ids — the export trend
    follows one bus across the levels, read from the per-bus rows."""
    rng = np.random.default_rng(seed)
    levels = {"base/peak": 0.0, "v2g/peak/50%": 450.0, "v2g/peak/100%": 900.0}
    rows = []
    for dev in ("R1", "F2"):
        for b in range(int(rng.integers(2, 25))):
            base = round(float(rng.normal(-0.2, 0.2)), 4)
            status = "fail" if b % 3 else "warn"
            for scenario, kw in levels.items():
                m = base - (kw / 900.0) * float(rng.choice([0.0, 0.0, 0.05, 0.3]))
                rows.append({c: None for c in VIOLATION_COLUMNS} | {
                    "criterion": "C5", "status": status, "attribution": "",
                    "scenario": scenario, "fault_bus": f"b{b:02d}", "fault_type": "3ph",
                    "case": "min", "device": dev, "other_device": "", "margin": round(m, 4),
                    "margin_unit": "× pickup", "limit": 1.5, "tolerance": 0.01, "rule": "",
                    "message": f"{scenario} {dev} b{b}"})
    v = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    v = v[pd.to_numeric(v.margin) < 0].reset_index(drop=True)
    v[REACH_KEY] = np.int8(0)
    scen = pd.DataFrame({"scenario": list(levels), "participation": ["", "firm", "firm"],
                         "load_level": "peak", "export_level": ["0", "50%", "100%"],
                         "is_base": [True, False, False], "p_s_kw": list(levels.values())})
    base_of = dict.fromkeys(levels, "base/peak")
    a = attribute(v, base_of)
    plain = build_findings(a.drop(columns=[REACH_KEY]), scen).findings
    kept, per_bus = group_reach_rows(a)
    grouped = build_findings(kept, scen, bus_rows=per_bus).findings
    # the element: the groups' (C5's group part, 0 phase) where the plain rows say none
    cols = [c for c in plain.columns if c not in ("evidence_first", "evidence_last", "element")]
    pd.testing.assert_frame_equal(plain[cols], grouped[cols])
    assert set(grouped["element"]) == {"phase"} and set(plain["element"]) == {""}
