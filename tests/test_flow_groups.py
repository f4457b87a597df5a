"""C12's voltage and unbalance rows kept one per group, the worst (#21,
protv2g.checks.flow_groups on protv2g.checks.row_groups): on random C12 tables the grouped rows
and their per-bus tables give the same Findings (every column but the Evidence ids) and the same
gate lines as the rows themselves; rows the Findings would collapse across load levels leave
their finding ungrouped; C5's grouping is the one c5rows33 made."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.attribution import attribute
from protv2g.checks.flow_groups import FLOW_BUS_COLUMNS, FLOW_BUS_TABLE, FLOW_GROUPS
from protv2g.checks.reach_groups import REACH_GROUPS, group_reach_rows
from protv2g.checks.row_groups import GROUP_PART, collapsing_rows, group_rows
from protv2g.findings import build_findings
from protv2g.findings_groups import bus_table
from protv2g.gate_reasons import ReasonRows
from protv2g.violations import VIOLATION_COLUMNS, row_weights

#: Two load levels × (base, 50 %, 100 % export) of one participation case, and a scenario the
#: scenario table lacks (the flow's existing-DER-off case: its own, never collapsed).
_LEVELS = {
    "base/light": ("expected", "0", "light", 0.0),
    "expected/light/50%": ("expected", "50%", "light", 450.0),
    "expected/light/100%": ("expected", "100%", "light", 900.0),
    "base/peak": ("expected", "0", "peak", 0.0),
    "expected/peak/50%": ("expected", "50%", "peak", 450.0),
    "expected/peak/100%": ("expected", "100%", "peak", 900.0),
}
_BASE_OF = {s: ("base/light" if "light" in s else "base/peak") for s in _LEVELS} | {
    "base/der_off": "base/der_off"}
_PARTS = {s: p[:3] for s, p in _LEVELS.items()}


def _scenarios() -> pd.DataFrame:
    return pd.DataFrame({
        "scenario": list(_LEVELS), "participation": [p[0] for p in _LEVELS.values()],
        "load_level": [p[2] for p in _LEVELS.values()],
        "export_level": [p[1] for p in _LEVELS.values()],
        "is_base": [s.startswith("base/") for s in _LEVELS],
        "p_s_kw": [p[3] for p in _LEVELS.values()]})


def _c12_rows(rng: np.random.Generator, n_buses: int, equal_levels: float = 0.0
              ) -> pd.DataFrame:
    """C12-like rows: per bus and scenario a voltage row (pu) where it fails, some unbalance
    rows (% VUF), a few rows a check attributes itself (caused by V2G, a set-point holding
    the bus: ``mechanism``, a site's own bus: ``device``), branch loading rows and C1 rows
    (not grouped). ``equal_levels``: the share of buses whose voltage is the same at both
    load levels (rows the Findings collapse)."""
    rows = []

    def row(**kw: object) -> dict:
        return {c: None for c in VIOLATION_COLUMNS} | {
            "criterion": "C12", "status": "fail", "attribution": "", "fault_type": "",
            "case": "", "device": "", "other_device": "", "mechanism": "", "rule": "",
            "fault_bus": ""} | kw

    for b in range(n_buses):
        v_light = round(1.04 + float(rng.normal(0.012, 0.01)), 4)
        same = rng.random() < equal_levels
        v_peak = v_light if same else round(v_light - float(rng.uniform(0.0, 0.02)), 4)
        rise = float(rng.choice([0.0, 0.0005, 0.004, 0.01]))
        mech = str(rng.choice(["", "", "", "set-point"]))
        dev = "SITE1" if rng.random() < 0.05 else ""
        for s, (_, _, level, kw) in _LEVELS.items():
            v = (v_light if level == "light" else v_peak) + rise * kw / 900.0
            if v <= 1.05:
                continue
            rows.append(row(scenario=s, fault_bus=f"b{b:03d}", margin=round(1.05 - v, 6),
                            margin_unit="pu", limit=1.05, device=dev, mechanism=mech,
                            tolerance=float(rng.choice([0.001, 0.005])),
                            attribution=str(rng.choice(["", "", "", "", "new"]))
                            if kw else "", message=f"v {s} b{b}", **{GROUP_PART: 0}))
            if rng.random() < 0.2:
                u = 3.0 + float(rng.uniform(0.01, 0.5)) + rise * kw
                rows.append(row(scenario=s, fault_bus=f"b{b:03d}", margin=round(3.0 - u, 6),
                                margin_unit="% VUF", limit=3.0, tolerance=0.15,
                                message=f"u {s} b{b}", **{GROUP_PART: 1}))
        if rng.random() < 0.3:  # the flow's existing-DER-off case: not in the scenario table
            rows.append(row(scenario="base/der_off", fault_bus=f"b{b:03d}",
                            margin=round(1.05 - v_light, 6), margin_unit="pu", limit=1.05,
                            tolerance=0.005, message=f"v der_off b{b}", **{GROUP_PART: 0}))
    for k in range(int(rng.integers(0, 6))):  # branch loading: one finding per branch
        for s in _LEVELS:
            rows.append(row(scenario=s, device=f"line.l{k}", margin=-float(rng.uniform(1, 9)),
                            margin_unit="%", limit=100.0, tolerance=1.0,
                            message=f"l{k} {s}", **{GROUP_PART: -1}))
    for s in list(_LEVELS)[:2]:  # another criterion's rows
        rows.append(row(criterion="C1", scenario=s, device="R1", other_device="F1",
                        fault_bus="b001", fault_type="3ph", case="min", margin=-0.1,
                        margin_unit="s", limit=0.3, tolerance=0.01, message=f"c1 {s}",
                        **{GROUP_PART: -1}))
    v = pd.DataFrame(rows)
    v = v[pd.to_numeric(v.margin) < 0].reset_index(drop=True)
    v[GROUP_PART] = v[GROUP_PART].astype(np.int8)
    return v


def _grouped(a: pd.DataFrame, spec=FLOW_GROUPS) -> tuple[pd.DataFrame, dict]:  # noqa: ANN001
    return group_rows(a.copy(), (REACH_GROUPS, spec), scenario_parts=_PARTS)


def _findings_columns(f: pd.DataFrame) -> list[str]:
    return [c for c in f.columns if c not in ("evidence_first", "evidence_last")]


def _reason_lines(rows: pd.DataFrame) -> list[str]:
    att = rows["attribution"].astype(str).to_numpy()
    fail, pre = np.isin(att, ["new", "worse"]), att == "pre-existing"
    table = ReasonRows(rows, {s: p[3] for s, p in _LEVELS.items()}, rows=fail | pre)
    return (table.reasons("fail", fail, folded=pre)
            + table.reasons("condition", pre, "present without V2G: fix before the pilot"))


@pytest.mark.parametrize("seed", range(10))
def test_findings_and_gate_of_groups_equal_the_rows(seed: int) -> None:
    """Random C12 tables (equal voltages at both load levels at some buses in half the
    cases): the grouped rows with their per-bus table give the Findings of the rows in every
    column but the Evidence ids (locations, n_rows, n_evidence, trend, load levels,
    attribution, worst row, message), and the same gate lines and counts."""
    rng = np.random.default_rng(seed)
    v = _c12_rows(rng, int(rng.integers(1, 120)), equal_levels=0.1 if seed % 2 else 0.0)
    a = attribute(v, _BASE_OF)
    plain = build_findings(a.drop(columns=[GROUP_PART]), _scenarios())
    kept, tables = _grouped(a)
    if seed % 2 == 0 and (a[GROUP_PART] >= 0).sum() > 20:
        assert len(kept) < len(a)  # grouped
    grouped = build_findings(kept, _scenarios(), bus_rows=list(tables.values()))
    cols = _findings_columns(plain.findings)
    pd.testing.assert_frame_equal(plain.findings[cols], grouped.findings[cols])
    assert int(row_weights(kept).sum()) == len(a)
    assert _reason_lines(kept) == _reason_lines(a.drop(columns=[GROUP_PART]))


@pytest.mark.parametrize("seed", range(8))
def test_kept_rows_and_per_bus_table(seed: int) -> None:
    """Per group (scenario, device, status, attribution, unit, mechanism, part, base state)
    the row of the smallest margin (a tie to the bus first as text) is kept with the group's
    size, against a pandas groupby of the same rows; the per-bus table holds every grouped
    row once, its group's kept row first; the rows not grouped are untouched, in order."""
    rng = np.random.default_rng(100 + seed)
    a = attribute(_c12_rows(rng, int(rng.integers(1, 80))), _BASE_OF)
    kept, tables = _grouped(a)
    marked = a[a[GROUP_PART] >= 0]
    marked = marked[~collapsing_rows(a, np.flatnonzero(a[GROUP_PART] >= 0), _PARTS)]
    if not len(marked):
        assert FLOW_BUS_TABLE not in tables
        return
    per_bus = tables[FLOW_BUS_TABLE]
    assert list(per_bus.columns) == list(FLOW_BUS_COLUMNS)
    assert len(per_bus) == len(marked)
    base = pd.to_numeric(marked.base_margin, errors="coerce")
    keys = ["scenario", "device", "status", "attribution", "margin_unit", "mechanism",
            GROUP_PART, "_b"]
    expect = (marked.assign(_b=np.select([base.isna(), base >= 0], [0, 1], 2),
                            _m=pd.to_numeric(marked.margin))
              .sort_values(["_m", "fault_bus"], kind="stable")
              .groupby(keys, sort=False).agg(bus=("fault_bus", "first"),
                                             msg=("message", "first"), n=("fault_bus", "size")))
    groups = kept[kept.bus_group >= 0]
    assert sorted(zip(groups.message, groups.n_buses, strict=True)) == sorted(
        zip(expect.msg, expect.n, strict=True))
    firsts = per_bus.groupby("bus_group", sort=False).first()
    assert firsts.loc[groups.bus_group, "fault_bus"].astype(str).tolist() == \
        groups.fault_bus.tolist()
    others = kept[kept.bus_group < 0]
    assert others.message.tolist() == a.loc[~a.message.isin(marked.message), "message"].tolist()


def test_collapsing_rows_leave_their_finding_apart() -> None:
    """A bus whose voltage is the same at light and peak load (one margin to 6 decimals,
    one participation and export level) is one Evidence row of two load levels; grouped per
    scenario it would be two: the finding's rows stay as they are — and a grouping without
    that guard changes the finding's evidence count (the guard is what keeps it)."""
    rows = []
    for s in ("expected/light/100%", "expected/peak/100%"):
        for b, m in (("b1", -0.004), ("b2", -0.002 if "light" in s else -0.001)):
            rows.append({c: None for c in VIOLATION_COLUMNS} | {
                "criterion": "C12", "status": "fail", "attribution": "new", "scenario": s,
                "fault_bus": b, "fault_type": "", "case": "", "device": "",
                "other_device": "", "margin": m, "margin_unit": "pu", "limit": 1.05,
                "tolerance": 0.005, "mechanism": "", "rule": "", "message": f"{s} {b}",
                GROUP_PART: 0})
    v = pd.DataFrame(rows)
    v[GROUP_PART] = v[GROUP_PART].astype(np.int8)
    plain = build_findings(v.drop(columns=[GROUP_PART]), _scenarios())
    assert plain.findings.n_evidence.tolist() == [3]  # b1 light and peak: one row
    at = np.arange(len(v))
    assert collapsing_rows(v, at, _PARTS).all()
    kept, tables = _grouped(v)
    assert len(kept) == len(v) and not tables
    cols = _findings_columns(plain.findings)
    pd.testing.assert_frame_equal(
        plain.findings[cols], build_findings(kept, _scenarios()).findings[cols])
    # without the guard: 2 groups of 2 buses, whose kept rows (b1 at both levels) collapse
    # into one Evidence row standing for 2 rows: 2 evidence rows counted, not 3
    kept, tables = _grouped(v, replace(FLOW_GROUPS, apart_when_collapsing=False))
    assert len(kept) == 2
    wrong = build_findings(kept, _scenarios(), bus_rows=list(tables.values())).findings
    assert wrong.n_evidence.tolist() == [2]


def test_c5_grouping_unchanged() -> None:
    """C5's rows grouped through the generalised module as c5rows33's group_reach_rows did
    (its own tests: tests/test_reach_groups.py), C12's left to their spec."""
    rng = np.random.default_rng(7)
    v = _c12_rows(rng, 30)
    c5 = v.copy()
    c5["criterion"] = np.where(c5[GROUP_PART] >= 0, "C5", c5["criterion"])
    kept_a, bus_a = group_reach_rows(c5.copy())
    kept_b, tables = group_rows(c5.copy(), (REACH_GROUPS, FLOW_GROUPS))
    pd.testing.assert_frame_equal(kept_a, kept_b)
    pd.testing.assert_frame_equal(bus_a, tables["C5 buses"])


def test_bus_table_of_both_tables() -> None:
    """The Findings read C5's and C12's per-bus tables as one (distinct group numbers)."""
    c5 = pd.DataFrame({"bus_group": [0, 0], "fault_bus": pd.Categorical(["b1", "b2"]),
                       "margin": [-1.0, -0.5], "tolerance": 0.01, "base_margin": np.nan})
    c12 = pd.DataFrame({"bus_group": [1], "fault_bus": pd.Categorical(["b9"]),
                        "margin": [-0.01], "tolerance": 0.005, "base_margin": 0.002})
    t = bus_table([c5, None, c12])
    assert t.bus_group.tolist() == [0, 0, 1]
    assert t.fault_bus.tolist() == ["b1", "b2", "b9"]
    assert t.base_margin.isna().tolist() == [True, True, False]
    assert bus_table([None]) is None and bus_table(c5) is c5
    # a table of another shape (a bulk table's summary keys only) is not a per-bus table
    other = pd.DataFrame({"scenario": ["s"], "margin": [-1.0]})
    assert bus_table([c5, other]) is c5


def test_summary_counts_read_every_bus() -> None:
    """The Summary's failing rows per criterion count the rows a group's row stands for
    (before: the kept rows, 16 instead of 71,788 C12 rows at 10,000 buses)."""
    from protv2g.report.summary_counts import criterion_counts

    a = attribute(_c12_rows(np.random.default_rng(3), 60), _BASE_OF)
    kept, _ = _grouped(a)
    assert len(kept) < len(a)
    empty = pd.DataFrame({"criterion": []})
    assert criterion_counts(kept, empty) == criterion_counts(a.drop(columns=[GROUP_PART]), empty)
