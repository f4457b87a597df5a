"""Protection hosting capacity (issue #9) on the depot example, with hand-made criteria.

The criterion used here is simple on purpose: "C7" fails when the largest bus fault current at
one bus exceeds a limit, attributed to V2G when it is larger than in the base case of the same
load level. The depot's export raises that current monotonically, so the crossing is known.
"""

from __future__ import annotations

import functools
import math
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import protv2g
import protv2g.hosting.search as hosting_search
import protv2g.pipeline
from protv2g.gate import failing_mask
from protv2g.hosting import (
    BY_CRITERION_COLUMNS,
    HOSTING_COLUMNS,
    MARGIN_COLUMNS,
    hosting_analysis,
    hosting_capacity,
)
from protv2g.pipeline import fault_tables
from protv2g.report.hosting import plot_hosting_margins
from protv2g.result import VIOLATION_COLUMNS
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.schema import Gate

from .conftest import FEEDERS_DIR

DEPOT_DIR = FEEDERS_DIR / "depot_two_feeder"
#: The depot's own bus: the fault current there rises with the depot's export.
BUS = "F1-B02"
ONE_AXIS = {"sites": ["depot"], "participations": ["firm"], "load_levels": ["peak"]}


@functools.cache
def bus_current_ka(bus: str = BUS) -> tuple[float, float]:
    """Largest fault current at ``bus`` without V2G and with the depot alone at nameplate
    (the pipeline's fault tables, as run_study makes them)."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        study = protv2g.load_study(DEPOT_DIR / "study.yaml")
        p_max_kw = _site(study).p_max_kw
        variant = protv2g.load_study(depot_variant(Path(tmp), p_max_kw))
        fc = fault_tables(variant, build_scenarios(variant.document)).bus
    worst = fc[fc["bus_name"] == bus].groupby("scenario")["ikss_ka"].max()
    return float(worst["base/peak"]), float(worst.drop("base/peak").iloc[0])


def halfway_limit_ka(bus: str = BUS, fraction: float = 0.5) -> float:
    """A limit crossed at about ``fraction`` of the depot's nameplate (from the engine)."""
    base, full = bus_current_ka(bus)
    assert full > base * 1.005, "the depot's export should raise the fault current at its bus"
    return base + fraction * (full - base)


def _site(study, name="depot"):
    return next(s for s in study.document.v2g_sites if s.name == name)


def bus_duty_check(limit_ka: float | None = None, bus: str = BUS, criterion: str = "C7",
                   status: str = "fail") -> Callable:
    """A hand-made check with the signature of ``protv2g.checks.run_checks``: the largest
    fault current at ``bus`` above ``limit_ka`` (default: crossed at half the depot's
    nameplate) is a violation, attributed against the base case of the same load level."""
    if limit_ka is None:
        limit_ka = halfway_limit_ka(bus)

    def checks(study, faults, flow, scenarios: Sequence[Scenario]):
        b = faults.bus[faults.bus["bus_name"] == bus]
        worst = b.loc[b.groupby("scenario")["ikss_ka"].idxmax()].set_index("scenario")
        base = {sc.load_level: sc.name for sc in scenarios if sc.is_base}
        rows = []
        for sc in scenarios:
            r = worst.loc[sc.name]
            if r.ikss_ka <= limit_ka:
                continue
            i_base = worst.loc[base[sc.load_level], "ikss_ka"]
            if sc.is_base or r.ikss_ka <= i_base * (1 + 1e-9):
                attribution = "pre-existing"
            else:
                attribution = "worse" if i_base > limit_ka else "new"
            rows.append({
                "criterion": criterion, "status": status, "attribution": attribution,
                "scenario": sc.name, "fault_bus": bus, "fault_type": r.fault_type,
                "case": r.case, "device": f"bus {bus}", "i_device_a": 1000 * r.ikss_ka,
                "margin": (limit_ka - r.ikss_ka) / limit_ka, "limit": 1000 * limit_ka,
                "message": f"{r.ikss_ka:.4f} kA > {limit_ka} kA"})
        return pd.DataFrame(rows, columns=VIOLATION_COLUMNS), pd.DataFrame()

    return checks


def combined(*checks: Callable) -> Callable:
    def run(study, faults, flow, scenarios):
        parts = [c(study, faults, flow, scenarios)[0] for c in checks]
        parts = [p for p in parts if not p.empty] or parts[:1]
        return pd.concat(parts, ignore_index=True), pd.DataFrame()

    return run


def depot_variant(tmp_path: Path, export_kw: float | None = None, *,
                  participation: str = "firm", load_level: str = "peak",
                  campus: bool = False, **sections) -> Path:
    """The shipped depot study in ``tmp_path`` with one export level, one participation and
    one load level (the campus site dropped unless asked for)."""
    folder = tmp_path / f"depot_{export_kw}_{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    shutil.copy(DEPOT_DIR / "feeder.json", folder / "feeder.json")
    raw = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text(encoding="utf-8"))
    if not campus:
        raw["v2g_sites"] = [s for s in raw["v2g_sites"] if s["name"] == "depot"]
    scen = dict(raw["scenarios"])
    scen.pop("export_levels_fraction", None)
    if export_kw is not None:
        scen["export_levels_kw"] = [float(export_kw)]
    scen["participation"] = [participation]
    scen["load_levels"] = [load_level]
    raw["scenarios"] = scen
    raw.update(sections)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture(scope="module")
def study(depot_study):
    return depot_study


@pytest.fixture(scope="module")
def analysis(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return hosting_analysis(study, checks=bus_duty_check(), sites=["depot"],
                                participations=["expected", "firm"], load_levels=["peak"])


# --- which rows fail -----------------------------------------------------------------------------


def test_failing_mask_follows_the_gate_section():
    v = pd.DataFrame({"criterion": ["C1", "C1", "C2", "C3", "C1"],
                      "status": ["fail", "warn", "fail", "fail", "fail"],
                      "attribution": ["new", "new", "worse", "pre-existing", None],
                      "scenario": ["s"] * 5, "margin": [0.0] * 5})
    gate = Gate(criteria=("C1", "C3"), fail_severities=("fail",))
    assert failing_mask(v, gate).tolist() == [True, False, False, False, True]
    assert failing_mask(v, gate, attributable=False).tolist() == [False, False, False, True,
                                                                  False]
    warn_too = Gate(criteria=("C1",), fail_severities=("fail", "warn"))
    assert failing_mask(v, warn_too).tolist() == [True, True, False, False, True]


# --- the depot with one hand-made criterion ------------------------------------------------------


def test_table_columns_and_one_row_per_axis(analysis):
    assert list(analysis.table.columns) == HOSTING_COLUMNS
    assert list(analysis.by_criterion.columns) == BY_CRITERION_COLUMNS
    assert list(analysis.margins.columns) == MARGIN_COLUMNS
    assert len(analysis.table) == 2
    assert analysis.table["limited"].dtype == bool


def test_hosting_capacity_brackets_the_crossing(analysis, study):
    depot = _site(study)
    row = analysis.table.set_index("participation").loc["firm"]
    assert row.limited and row.limiting_criterion == "C7"
    assert row.limiting_device == f"bus {BUS}"
    assert row.limiting_fault.endswith(f"at {BUS} (max)")
    assert 0.2 * depot.p_max_kw < row.hosting_kw < 0.9 * depot.p_max_kw
    assert row.hosting_chargers == math.floor(row.hosting_kw / depot.p_charger_kw)
    assert row.site_max_kw == pytest.approx(depot.participation.firm * depot.p_max_kw)
    # the two ends of the final bracket, evaluated again directly: pass just below, fail above
    levels = analysis.levels_kw[("depot", "firm", "peak")]
    above = min(p for p in levels if p > row.hosting_kw + 1e-9)
    assert above - row.hosting_kw <= 5.0 + 1e-9
    assert f"first fails at {above:.6g} kW" in row.note


def test_same_export_same_limit_for_expected_and_firm(analysis, study):
    # The fault contribution depends on the export (kW), not on the participation case, which
    # only caps the export: expected (0.8 of nameplate available) is limited at the same kW.
    depot = _site(study)
    t = analysis.table.set_index("participation")
    assert t.loc["expected", "hosting_kw"] == pytest.approx(t.loc["firm", "hosting_kw"],
                                                            abs=1e-9)
    assert t.loc["expected", "site_max_kw"] == pytest.approx(
        depot.participation.expected * depot.p_max_kw)


def test_margin_curve_decreases_with_export(analysis):
    m = analysis.margins.query("participation == 'firm' and criterion == 'C7'")
    assert len(m) >= 5
    assert (m["margin"] < 0).all()  # the hand-made check reports failing rows only
    assert np.all(np.diff(m.sort_values("p_export_kw")["margin"].to_numpy()) < 1e-12)


def test_not_limited_up_to_the_site_maximum(study):
    table = hosting_capacity(study, checks=bus_duty_check(limit_ka=50.0), **ONE_AXIS)
    row = table.iloc[0]
    depot = _site(study)
    assert not row.limited
    assert row.hosting_kw == pytest.approx(depot.p_max_kw)
    assert row.hosting_chargers == depot.n_chargers
    assert row.limiting_criterion == "" and "no criterion limits it" in row.note


def test_participation_caps_the_site_maximum(study):
    table = hosting_capacity(study, checks=bus_duty_check(limit_ka=50.0),
                             sites=["campus"], participations=["low"], load_levels=["light"])
    row = table.iloc[0]
    campus = _site(study, "campus")
    cap_kw = campus.participation.low * campus.n_chargers * campus.p_charger_kw
    assert row.site_max_kw == pytest.approx(cap_kw)
    assert row.hosting_kw == pytest.approx(cap_kw)
    assert row.hosting_chargers == math.floor(cap_kw / campus.p_charger_kw + 1e-9)
    assert (f"{campus.participation.low:g} × {campus.n_chargers} × {campus.p_charger_kw:g} kW "
            f"= {cap_kw:g} kW") in row.note


def test_pre_existing_violations_do_not_limit(study):
    # Below the base-case current: the base case fails (pre-existing), and every export makes
    # it worse -> limited from the first kW; with the criterion left out of the gate -> none.
    below_base = 0.5 * bus_current_ka()[0]
    table = hosting_capacity(study, checks=bus_duty_check(limit_ka=below_base), **ONE_AXIS)
    assert table.iloc[0].limited and table.iloc[0].hosting_kw < 5.0 + 1e-9
    assert "fails from the smallest export" in table.iloc[0].note or \
        table.iloc[0].hosting_kw > 0

    def only_pre_existing(study, faults, flow, scenarios):
        v, c = bus_duty_check(limit_ka=below_base)(study, faults, flow, scenarios)
        return v.assign(attribution="pre-existing"), c

    table = hosting_capacity(study, checks=only_pre_existing, **ONE_AXIS)
    assert not table.iloc[0].limited


def test_warn_severity_does_not_limit_unless_the_gate_says_so(study):
    warn = bus_duty_check(status="warn")
    assert not hosting_capacity(study, checks=warn, **ONE_AXIS).iloc[0].limited
    strict = study.with_updates(gate={"fail_severities": ["fail", "warn"]})
    assert hosting_capacity(strict, checks=warn, **ONE_AXIS).iloc[0].limited


def test_per_criterion_and_overall(study):
    # C7 at F1-B02 (half the nameplate) and a tighter "C5" at F1-B02 (a quarter).
    checks = combined(bus_duty_check(), bus_duty_check(limit_ka=halfway_limit_ka(BUS, 0.25),
                                                       criterion="C5"))
    ha = hosting_analysis(study, checks=checks, **ONE_AXIS)
    by = ha.by_criterion.set_index("criterion")
    assert by.loc["C7", "limited"] and by.loc["C5", "limited"]
    assert not by.loc["C1", "limited"]
    assert by.loc["C1", "hosting_kw"] == pytest.approx(_site(study).p_max_kw)
    overall = ha.table.iloc[0]
    assert overall.hosting_kw == pytest.approx(by.loc[["C5", "C7"], "hosting_kw"].min())
    limiting = by.loc[["C5", "C7"], "hosting_kw"].idxmin()
    assert overall.limiting_criterion == limiting
    assert by.loc["C7", "hosting_kw"] == pytest.approx(
        hosting_capacity(study, checks=bus_duty_check(), **ONE_AXIS).iloc[0].hosting_kw)


def test_grid_in_one_engine_call_then_small_bisection_calls(study, monkeypatch):
    calls: list[int] = []
    real = protv2g.pipeline.fault_study

    def counting(*args, **kwargs):
        calls.append(len(kwargs["scenarios"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(protv2g.pipeline, "fault_study", counting)
    ha = hosting_analysis(study, checks=bus_duty_check(), sites=["depot", "campus"],
                          participations=["low", "expected", "firm"],
                          load_levels=["light", "peak"], n_grid=16, n_refine=7, tol_kw=5.0)
    assert len(calls) == ha.n_engine_calls <= 4
    # first call: 16 depot + 16 campus levels (+ participation caps) + the base: shared by
    # every participation case and load level (identical charger sets are solved once)
    assert 33 <= calls[0] <= 40
    assert all(n <= 2 * 7 + 1 for n in calls[1:])
    assert ha.n_scenarios > sum(calls)  # far more scenarios checked than solved


def test_unknown_site_is_an_input_error(study):
    with pytest.raises(protv2g.InputError, match="unknown site"):
        hosting_capacity(study, checks=bus_duty_check(), sites=["nope"])


def test_plot_writes_png(analysis, tmp_path):
    path = plot_hosting_margins(analysis, tmp_path / "m.png", title="depot")
    assert path.stat().st_size > 10_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- the command -------------------------------------------------------------------------------


def test_cli_hosting_workbook_plot_and_json(tmp_path, monkeypatch, capsys):
    from protv2g.cli import main

    monkeypatch.setattr(hosting_search, "run_checks", bus_duty_check())
    study_file = depot_variant(tmp_path, 1000.0)
    out = tmp_path / "h.xlsx"
    assert main(["hosting", str(study_file), "-o", str(out), "--study-axes"]) == 0
    text = capsys.readouterr().out
    assert "limited by C7" in text
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"Hosting capacity", "By criterion", "Margins"}
    assert len(sheets["Hosting capacity"]) == 1
    assert (tmp_path / "h_margins.png").is_file()
    assert main(["hosting", str(study_file), "--json", "--grid", "4"]) == 0
    import json

    records = json.loads(capsys.readouterr().out)  # default axes: 3 participations × 2 loads
    assert len(records) == 6 and {r["participation"] for r in records} == {
        "low", "expected", "firm"}


def test_cli_hosting_bad_input_exit_2(tmp_path, capsys):
    from protv2g.cli import main

    assert main(["hosting", str(tmp_path / "missing.yaml")]) == 2
    study_file = depot_variant(tmp_path, 1000.0)
    assert main(["hosting", str(study_file), "-o", str(tmp_path / "x.csv")]) == 2


def test_unevaluated_criterion_is_flagged_not_limiting(study):
    def with_could_not(study, faults, flow, scenarios):
        v, c = bus_duty_check(limit_ka=50.0)(study, faults, flow, scenarios)
        bad = pd.DataFrame([{"criterion": "C9", "status": "not_evaluated", "attribution": "new",
                             "scenario": "", "device": "R-F1",
                             "message": "could not evaluate C9: no polarising voltage"}],
                           columns=VIOLATION_COLUMNS)
        return pd.concat([v, bad], ignore_index=True) if len(v) else bad, c

    ha = hosting_analysis(study, checks=with_could_not, n_grid=4, **ONE_AXIS)
    assert ha.unevaluated == {"C9": ["could not evaluate C9: no polarising voltage"]}
    row = ha.table.iloc[0]
    assert not row.limited and "NOT ESTABLISHED: C9 could not be evaluated" in row.note
    by = ha.by_criterion.set_index("criterion")
    assert "no polarising voltage" in by.loc["C9", "note"] and by.loc["C1", "note"] == ""
    assert by.loc["C9", "status"] == "not_evaluated" and by.loc["C1", "status"] == "not_limited"


def test_not_applicable_criterion_is_never_not_limited(study):
    """A criterion with nothing to apply to is reported as such in both hosting tables."""
    def with_not_applicable(study, faults, flow, scenarios):
        v, c = bus_duty_check()(study, faults, flow, scenarios)
        na = pd.DataFrame([{"criterion": "C2", "status": "not_applicable", "attribution": "",
                            "scenario": "", "message": "C2 not applicable: no fuse backed up "
                            "by a recloser"}], columns=VIOLATION_COLUMNS)
        return pd.concat([v, na], ignore_index=True), c

    ha = hosting_analysis(study, checks=with_not_applicable, n_grid=4, **ONE_AXIS)
    assert ha.not_applicable == {"C2": "C2 not applicable: no fuse backed up by a recloser"}
    by = ha.by_criterion.set_index("criterion")
    assert by.loc["C2", "status"] == "not_applicable" and not by.loc["C2", "limited"]
    assert math.isnan(by.loc["C2", "hosting_kw"]) and "not applicable" in by.loc["C2", "note"]
    assert by.loc["C7", "status"] == "limited"
    assert ha.table.iloc[0].limiting_criterion == "C7"
