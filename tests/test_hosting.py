"""Protection hosting capacity (issue #9) on the depot example, with hand-made criteria.

The criterion used for the machinery is simple on purpose: "C12" fails when the reverse active
power through the feeder-head relay R-F1 (the pipeline's power flow, ``flow["device"]``)
exceeds a limit, attributed to V2G when it is larger than in the base case of the same load
level. The depot sits downstream of R-F1 (F1-B02), so its export raises that power
monotonically (P through R-F1 ≈ F1's load + losses − export) and the crossing is known.

Why not the bus fault current (the criterion these tests used before #16): a site's
first-cycle fault current is sized by the chargers ONLINE (participation × n_chargers × kVA at
``limit_pu``), not by its export (:mod:`protv2g.hosting`). A criterion on it is a step at
p → 0⁺: it fails at any export or at none — :func:`test_first_cycle_fault_current_is_a_step_
at_the_smallest_export` states that physics.
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
import protv2g.hosting.calls as hosting_calls
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
from protv2g.pipeline import fault_tables, flow_tables
from protv2g.report.hosting import plot_hosting_margins
from protv2g.result import VIOLATION_COLUMNS
from protv2g.scenarios import Scenario, SiteState, build_scenarios, site_state
from protv2g.significant import number_text
from protv2g.study.schema import Gate
from protv2g.units import ChargerMode, LoadLevel, Participation

from .conftest import FEEDERS_DIR

DEPOT_DIR = FEEDERS_DIR / "depot_two_feeder"
#: The depot's own bus (its first-cycle fault current there is set by the chargers online).
BUS = "F1-B02"
#: The feeder-head relay of F1, upstream of the depot: the reverse power through it rises with
#: the depot's export.
DEVICE = "R-F1"
ONE_AXIS = {"sites": ["depot"], "participations": ["firm"], "load_levels": ["peak"]}


def _site(study, name="depot"):
    return next(s for s in study.document.v2g_sites if s.name == name)


def _reverse_mw(flow, device: str) -> pd.Series:
    """Scenario → the largest reverse active power through ``device`` (``−p_mw``), MW."""
    d = flow["device"]
    d = d[d["device"] == device]
    return (-d["p_mw"]).groupby(d["scenario"]).max()


@functools.cache
def reverse_power_mw(device: str = DEVICE) -> tuple[float, float]:
    """Reverse active power through ``device`` without V2G and with the depot alone at its
    nameplate (firm participation, peak load), MW — the pipeline's flow tables, as run_study
    makes them."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        study = protv2g.load_study(DEPOT_DIR / "study.yaml")
        variant = protv2g.load_study(depot_variant(Path(tmp), _site(study).p_max_kw))
        scenarios = build_scenarios(variant.document)
        rev = _reverse_mw(flow_tables(variant, scenarios), device)
    # c8_charging: the flow also holds C8's charging snapshots (charging/<participation>,
    # sorted first) and their base case base/der_off (review s18); the export scenario is
    # the other non-base one
    rev = rev[~rev.index.str.startswith("charging/") & (rev.index != "base/der_off")]
    return float(rev["base/peak"]), float(rev.drop("base/peak").iloc[0])


def halfway_limit_mw(device: str = DEVICE, fraction: float = 0.5) -> float:
    """A limit crossed at about ``fraction`` of the depot's nameplate (from the flow)."""
    base, full = reverse_power_mw(device)
    assert full > base + 1.0, "the depot's export should raise the reverse power through R-F1"
    return base + fraction * (full - base)


def _over_limit(scenarios: Sequence[Scenario], value: pd.Series, limit: float,
                within_base: Callable[[float, float], bool],
                row: Callable[[float], dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hand-made checks' result: a violation row (``row(value)``) for each scenario whose
    ``value[scenario]`` exceeds ``limit``, attributed by hand against the base case of the
    same load level — pre-existing for the base case itself or a value ``within_base`` of the
    base value, else "worse" when the base already exceeds the limit, "new" when it does not.
    """
    base = {sc.load_level: sc.name for sc in scenarios if sc.is_base}
    rows = []
    for sc in scenarios:
        v = float(value[sc.name])
        if v <= limit:
            continue
        v_base = float(value[base[sc.load_level]])
        if sc.is_base or within_base(v, v_base):
            attribution = "pre-existing"
        else:
            attribution = "worse" if v_base > limit else "new"
        rows.append({"attribution": attribution, "scenario": sc.name, **row(v)})
    return pd.DataFrame(rows, columns=VIOLATION_COLUMNS), pd.DataFrame()


def reverse_power_check(limit_mw: float | None = None, device: str = DEVICE,
                        criterion: str = "C12", status: str = "fail") -> Callable:
    """A hand-made check with the signature of ``protv2g.checks.run_checks``: reverse active
    power through ``device`` above ``limit_mw`` (default: crossed at half the depot's
    nameplate) is a violation, attributed against the base case of the same load level.
    ``margin`` = limit − reverse power, MW (negative = violated)."""
    if limit_mw is None:
        limit_mw = halfway_limit_mw(device)

    def checks(study, faults, flow, scenarios: Sequence[Scenario]):
        return _over_limit(
            scenarios, _reverse_mw(flow, device), limit_mw,
            lambda p_mw, p_base: p_mw <= p_base + 1e-6,
            lambda p_mw: {"criterion": criterion, "status": status, "device": device,
                          "margin": limit_mw - p_mw, "limit": limit_mw,
                          "message": f"reverse {p_mw:.4f} MW > {limit_mw:.4f} MW"})

    return checks


@functools.cache
def bus_current_ka(bus: str = BUS, export_kw: float | None = None) -> tuple[float, float]:
    """Largest first-cycle fault current at ``bus`` without V2G and with the depot alone
    exporting ``export_kw`` (default its nameplate; firm, peak), kA — the pipeline's fault
    tables."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        study = protv2g.load_study(DEPOT_DIR / "study.yaml")
        p_kw = _site(study).p_max_kw if export_kw is None else export_kw
        variant = protv2g.load_study(depot_variant(Path(tmp), p_kw))
        fc = fault_tables(variant, build_scenarios(variant.document), staged=False).bus
    worst = fc[fc["bus_name"] == bus].groupby("scenario", observed=True)["ikss_ka"].max()
    return float(worst["base/peak"]), float(worst.drop("base/peak").iloc[0])


def bus_duty_check(limit_ka: float, bus: str = BUS, criterion: str = "C7") -> Callable:
    """A hand-made check on the largest first-cycle fault current at ``bus`` above
    ``limit_ka``, attributed against the base case of the same load level."""

    def checks(study, faults, flow, scenarios: Sequence[Scenario]):
        b = faults.bus[faults.bus["bus_name"] == bus]
        return _over_limit(
            scenarios, b.groupby("scenario", observed=True)["ikss_ka"].max(), limit_ka,
            lambda i_ka, i_base: i_ka <= i_base * (1 + 1e-9),
            lambda i_ka: {"criterion": criterion, "status": "fail", "fault_bus": bus,
                          "device": f"bus {bus}", "margin": (limit_ka - i_ka) / limit_ka,
                          "limit": 1000 * limit_ka,
                          "message": f"{i_ka:.4f} kA > {limit_ka} kA"})

    return checks


def combined(*checks: Callable) -> Callable:
    def run(study, faults, flow, scenarios):
        parts = [c(study, faults, flow, scenarios)[0] for c in checks]
        parts = [p for p in parts if not p.empty] or parts[:1]
        return pd.concat(parts, ignore_index=True), pd.DataFrame()

    return run


def held_faults() -> dict:
    """The depot's ``faults`` section with ``high_bracket: first_cycle_held``: the planning
    upper bound (every site's first-cycle limit held for the whole fault) under which the
    depot's C4/C6 mechanisms appear (docs/charger-fault-model.md §3)."""
    raw = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text(encoding="utf-8"))
    return {**raw["faults"], "high_bracket": "first_cycle_held"}


def depot_variant(tmp_path: Path, export_kw: float | None = None, *,
                  participation: str = "firm", load_level: str = "peak",
                  campus: bool = False, day: bool | None = None, charging: bool = True,
                  **sections) -> Path:
    """The shipped depot study in ``tmp_path`` with one export level, one participation and
    one load level (the campus site dropped unless asked for; its 96-step day as shipped
    unless ``day`` says; ``charging=False``: the sites export only — no charging snapshot,
    C8's charging peak out of the question, s16)."""
    folder = tmp_path / f"depot_{export_kw}_{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    shutil.copy(DEPOT_DIR / "feeder.json", folder / "feeder.json")
    raw = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text(encoding="utf-8"))
    if not campus:
        raw["v2g_sites"] = [s for s in raw["v2g_sites"] if s["name"] == "depot"]
    if not charging:
        raw["v2g_sites"] = [{**s, "modes": ["exporting"]} for s in raw["v2g_sites"]]
    scen = dict(raw["scenarios"])
    scen.pop("export_levels_fraction", None)
    if export_kw is not None:
        scen["export_levels_kw"] = [float(export_kw)]
    scen["participation"] = [participation]
    scen["load_levels"] = [load_level]
    if day is not None:
        scen["day"] = day
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
        return hosting_analysis(study, checks=reverse_power_check(), sites=["depot"],
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
    # the limiting rows' input basis, as run_study tags rows (#polish): the depot's data given
    lim = analysis.table[analysis.table["limited"]]
    assert set(lim["limiting_basis"]) <= {"given"} and set(
        analysis.table.loc[~analysis.table["limited"], "limiting_basis"]) <= {""}


def test_hosting_capacity_brackets_the_crossing(analysis, study):
    depot = _site(study)
    row = analysis.table.set_index("participation").loc["firm"]
    assert row.limited and row.limiting_criterion == "C12"
    assert row.limiting_device == DEVICE
    assert 0.2 * depot.p_max_kw < row.hosting_kw < 0.9 * depot.p_max_kw
    assert row.hosting_chargers == math.floor(row.hosting_kw / depot.p_charger_kw)
    assert row.site_max_kw == pytest.approx(depot.participation.firm * depot.p_max_kw)
    # the two ends of the final bracket: pass just below, fail above, ≤ tol_kw apart
    levels = analysis.levels_kw[("depot", "firm", "peak")]
    above = min(p for p in levels if p > row.hosting_kw + 1e-9)
    assert above - row.hosting_kw <= 5.0 + 1e-9
    # the note writes kW by the report's prose rule (number_text, 4 digits since review
    # s15; was 10, and .6g before)
    assert f"first fails at {number_text(above, 'kW')}" in row.note
    assert f"(passes at {number_text(row.hosting_kw, 'kW')})" in row.note
    # and the crossing is where the flow puts it: the reverse power is nearly linear in the
    # export (losses are second order), so the half-way limit is crossed near half the
    # nameplate (hand estimate, ±10 % of the nameplate for the I²R losses)
    assert row.hosting_kw == pytest.approx(0.5 * depot.p_max_kw, abs=0.1 * depot.p_max_kw)


def test_same_export_same_limit_for_expected_and_firm(analysis, study):
    # The power flow depends on the export (kW), not on how many chargers are online, which
    # only caps the export: expected (0.8 of nameplate available) is limited at the same kW.
    depot = _site(study)
    t = analysis.table.set_index("participation")
    assert t.loc["expected", "hosting_kw"] == pytest.approx(t.loc["firm", "hosting_kw"],
                                                            abs=1e-9)
    assert t.loc["expected", "site_max_kw"] == pytest.approx(
        depot.participation.expected * depot.p_max_kw)


def test_margin_curve_decreases_with_export(analysis):
    m = analysis.margins.query("participation == 'firm' and criterion == 'C12'")
    assert len(m) >= 5
    assert (m["margin"] < 0).all()  # the hand-made check reports failing rows only
    assert np.all(np.diff(m.sort_values("p_export_kw")["margin"].to_numpy()) < 1e-12)


def test_first_cycle_fault_current_is_a_step_at_the_smallest_export(study):
    """#16: the first-cycle fault current at the depot's bus is set by the chargers ONLINE
    (firm: 48 × 125 kVA at ``limit_pu`` 2.0), not by the export. A limit half-way between
    the base case and the depot at nameplate is therefore already exceeded at the smallest
    export evaluated (``tol_kw`` = 5 kW, one charger at 4 % of its rating): hosting 0 kW,
    and the note says the chargers online set it."""
    base, full = bus_current_ka()
    assert full > base * 1.005, "48 online inverters should raise the fault current at F1-B02"
    limit_ka = base + 0.5 * (full - base)
    ha = hosting_analysis(study, checks=bus_duty_check(limit_ka), **ONE_AXIS)
    row = ha.table.iloc[0]
    assert row.limited and row.limiting_criterion == "C7" and row.hosting_kw == 0.0
    assert ("fails from the smallest export evaluated (5 kW, the search's first export step, "
            "with all 48 chargers of the participation online)") in row.note
    assert ("the fault current comes from the chargers' connected kVA (the fleet online), not "
            "from their export: the 48 chargers online give up to their first-cycle limit "
            "(48 × 125 kVA at 2 pu)") in row.note
    assert min(ha.levels_kw[("depot", "firm", "peak")]) == pytest.approx(5.0)
    # the current itself: the same at 5 kW as at the nameplate (the 48 online inverters at
    # their first-cycle limit either way; 0.1 % for the pre-fault state)
    assert bus_current_ka(BUS, 5.0)[1] == pytest.approx(full, rel=1e-3)
    # review s20: the chargers online searched instead (hosting.online): the most online
    # with no limit up to their full export, bracketed by separate fault runs with k and k + 1
    # chargers online at their full export
    k = int(row.max_online_chargers)
    p_charger = _site(study).p_charger_kw
    assert row.max_online_kw == pytest.approx(k * p_charger)
    i_k, i_next = online_bus_current_ka(study, [k, k + 1])
    assert i_k <= limit_ka < i_next
    # the inverters' first-cycle currents add nearly in proportion to the number online:
    # half-way in current is about half of the 48
    assert abs(k - 24) <= 2
    assert f"at most {k} of 48 online" in row.note
    assert f"with {k + 1} online C7" in row.note


def online_bus_current_ka(study, ks: list[int], bus: str = BUS) -> list[float]:
    """Largest first-cycle fault current at ``bus`` with ``k`` of the depot's chargers online
    at their full export (every other site idle; firm, peak), kA, per ``k`` — the pipeline's
    fault tables on scenarios made here, not by the hosting search."""
    doc = study.document
    site = _site(study)
    idle = {s.name: SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0, 0.0)
            for s in doc.v2g_sites}
    scen = [Scenario("base/peak", Participation.EXPECTED, LoadLevel.PEAK, "0",
                     tuple(idle.values()), is_base=True)]
    for k in ks:
        p_kw = k * site.p_charger_kw
        states = {**idle, site.name: SiteState(site.name, ChargerMode.EXPORTING, p_kw, p_kw,
                                               p_kw, float(k))}
        scen.append(Scenario(f"k{k}", Participation.FIRM, LoadLevel.PEAK, f"{p_kw:g} kW",
                             tuple(states[s.name] for s in doc.v2g_sites)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fc = fault_tables(study, scen, staged=False).bus
    worst = fc[fc["bus_name"] == bus].groupby("scenario", observed=True)["ikss_ka"].max()
    return [float(worst[f"k{k}"]) for k in ks]


def test_not_limited_up_to_the_site_maximum(study):
    table = hosting_capacity(study, checks=reverse_power_check(limit_mw=50.0), **ONE_AXIS)
    row = table.iloc[0]
    depot = _site(study)
    assert not row.limited
    assert row.hosting_kw == pytest.approx(depot.p_max_kw)
    assert row.hosting_chargers == depot.n_chargers
    assert row.limiting_criterion == "" and "no criterion limits it" in row.note


def test_participation_caps_the_site_maximum(study):
    table = hosting_capacity(study, checks=reverse_power_check(limit_mw=50.0),
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
    # Below the base-case reverse power: the base case fails (pre-existing) and every export
    # makes it worse -> limited from the first kW; the same rows all pre-existing -> none.
    below_base = reverse_power_mw()[0] - 1.0
    table = hosting_capacity(study, checks=reverse_power_check(limit_mw=below_base),
                             **ONE_AXIS)
    assert table.iloc[0].limited and table.iloc[0].hosting_kw == 0.0
    assert "fails from the smallest export evaluated" in table.iloc[0].note

    def only_pre_existing(study, faults, flow, scenarios):
        v, c = reverse_power_check(limit_mw=below_base)(study, faults, flow, scenarios)
        return v.assign(attribution="pre-existing"), c

    table = hosting_capacity(study, checks=only_pre_existing, **ONE_AXIS)
    assert not table.iloc[0].limited
    # whatever the gate makes of them (gate.pre_existing: fail fails the verdict), the export
    # does not cause them: they do not limit it
    strict = study.with_updates(gate={"pre_existing": "fail"})
    assert not hosting_capacity(strict, checks=only_pre_existing, **ONE_AXIS).iloc[0].limited


def test_warn_severity_does_not_limit_unless_the_gate_says_so(study):
    warn = reverse_power_check(status="warn")
    assert not hosting_capacity(study, checks=warn, **ONE_AXIS).iloc[0].limited
    strict = study.with_updates(gate={"fail_severities": ["fail", "warn"]})
    assert hosting_capacity(strict, checks=warn, **ONE_AXIS).iloc[0].limited


def test_per_criterion_and_overall(study):
    # C12 at half the nameplate and a tighter "C11" on the same power at a quarter.
    checks = combined(reverse_power_check(),
                      reverse_power_check(limit_mw=halfway_limit_mw(DEVICE, 0.25),
                                          criterion="C11"))
    ha = hosting_analysis(study, checks=checks, **ONE_AXIS)
    by = ha.by_criterion.set_index("criterion")
    assert by.loc["C12", "limited"] and by.loc["C11", "limited"]
    assert not by.loc["C1", "limited"]
    assert by.loc["C1", "hosting_kw"] == pytest.approx(_site(study).p_max_kw)
    overall = ha.table.iloc[0]
    assert overall.hosting_kw == pytest.approx(by.loc[["C11", "C12"], "hosting_kw"].min())
    assert overall.limiting_criterion == "C11"
    assert by.loc["C11", "hosting_kw"] < by.loc["C12", "hosting_kw"]
    assert by.loc["C12", "hosting_kw"] == pytest.approx(
        hosting_capacity(study, checks=reverse_power_check(), **ONE_AXIS).iloc[0].hosting_kw)


def _count_engine_calls(monkeypatch) -> list[int]:
    """The number of scenarios of each ``fault_study`` call the pipeline makes from now on."""
    calls: list[int] = []
    real = protv2g.pipeline.fault_study

    def counting(*args, **kwargs):
        calls.append(len(kwargs["scenarios"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(protv2g.pipeline, "fault_study", counting)
    return calls


def test_grid_in_one_engine_call_then_small_bisection_calls(study, monkeypatch):
    """Charger sets are solved once whatever the load level, but the participation case is
    part of a set since #16: it sets the chargers online, hence the source's kVA. The first
    call is therefore every site × participation × candidate level (+ the base case)."""
    calls = _count_engine_calls(monkeypatch)
    n_grid = 16
    ha = hosting_analysis(study, checks=reverse_power_check(), sites=["depot", "campus"],
                          participations=["low", "expected", "firm"],
                          load_levels=["light", "peak"], n_grid=n_grid, n_refine=7,
                          tol_kw=5.0)
    # each fault_tables call solves both brackets in one engine call (#21: the high bracket
    # shares the low one's sequence networks and factorisations)
    assert len(calls) == ha.n_engine_calls <= 4
    expected = 1  # the base case (no site has an interconnection transformer: same call)
    for site in study.document.v2g_sites:
        for part in ("low", "expected", "firm"):
            cap_kw = getattr(site.participation, part) * site.p_max_kw
            grid = [k * site.p_max_kw / n_grid for k in range(1, n_grid + 1)]
            on_grid = [p for p in grid if p < cap_kw * (1 - 1e-9)]
            expected += len(on_grid) + 1 + 1  # + the cap + the smallest export (5 kW)
    assert calls[0] == expected
    # each later call: at most 7 levels per axis (site × participation × load level) whose
    # bracket is still open (one criterion; the reverse power depends on the load level, so
    # light and peak cross at different exports) + the base case
    assert all(n <= 2 * 3 * 2 * 7 + 1 for n in calls[1:])
    assert ha.n_scenarios > sum(calls)  # far more scenarios checked than solved


def test_flow_tables_keep_the_base_case_of_every_load_level(study):
    """The search's flow tables run one variant study per exporting site; each load level's
    base case must survive whichever site's variant brings it (a later round may bisect only
    campus at light load and the depot at peak: both bases are needed for attribution)."""
    sites = study.document.v2g_sites
    base = {ld: Scenario(f"base/{ld.value}", Participation.EXPECTED, ld, "0",
                         tuple(SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0)
                               for s in sites), is_base=True) for ld in LoadLevel}

    def one(site: str, load: LoadLevel) -> Scenario:
        states = tuple(site_state(s, Participation.FIRM, 500.0) if s.name == site
                       else SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0, 0.0)
                       for s in sites)
        return Scenario(f"{site}/{load.value}", Participation.FIRM, load, "500 kW", states)

    scenarios = [base[LoadLevel.LIGHT], base[LoadLevel.PEAK], one("campus", LoadLevel.LIGHT),
                 one("depot", LoadLevel.PEAK)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        flow = flow_tables(study, scenarios)
    rev = _reverse_mw(flow, DEVICE)
    assert set(rev.index) == {sc.name for sc in scenarios}
    # each export lowers the import through R-F1 by about its own size (500 kW, ± losses)
    assert rev["depot/peak"] - rev["base/peak"] == pytest.approx(0.5, abs=0.05)
    assert rev["campus/light"] - rev["base/light"] == pytest.approx(0.5, abs=0.05)


def test_unknown_site_is_an_input_error(study):
    with pytest.raises(protv2g.InputError, match="unknown site"):
        hosting_capacity(study, checks=reverse_power_check(), sites=["nope"])


def test_plot_writes_png(analysis, tmp_path):
    path = plot_hosting_margins(analysis, tmp_path / "m.png", title="depot")
    assert path.stat().st_size > 10_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- the command -------------------------------------------------------------------------------


def test_cli_hosting_workbook_plot_and_json(tmp_path, monkeypatch, capsys):
    from protv2g.cli import main

    monkeypatch.setattr(hosting_calls, "run_checks", reverse_power_check())
    study_file = depot_variant(tmp_path, 1000.0)
    out = tmp_path / "h.xlsx"
    assert main(["hosting", str(study_file), "-o", str(out), "--study-axes"]) == 0
    text = capsys.readouterr().out
    assert "limited by C12" in text
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
        v, c = reverse_power_check(limit_mw=50.0)(study, faults, flow, scenarios)
        bad = pd.DataFrame([{"criterion": "C9", "status": "not_evaluated", "attribution": "new",
                             "scenario": "", "device": "R-F1",
                             "message": "could not evaluate C9: no polarising voltage"}],
                           columns=VIOLATION_COLUMNS)
        return pd.concat([v, bad], ignore_index=True) if len(v) else bad, c

    ha = hosting_analysis(study, checks=with_could_not, n_grid=4, **ONE_AXIS)
    assert ha.unevaluated == {"C9": ["could not evaluate C9: no polarising voltage"]}
    row = ha.table.iloc[0]
    assert not row.limited and "NOT ESTABLISHED: C9 could not be evaluated" in row.note
    # the machine-readable field says so too (review25 §4: ``hosting --json`` gave
    # determined true beside the note); the gate's line keeps its "not evaluated" wording
    assert not row.determined and row.not_evaluated == "C9" and row.rests_on == ""
    by = ha.by_criterion.set_index("criterion")
    assert "no polarising voltage" in by.loc["C9", "note"] and by.loc["C1", "note"] == ""
    assert by.loc["C9", "status"] == "not_evaluated" and by.loc["C1", "status"] == "not_limited"


def test_not_applicable_criterion_is_never_not_limited(study):
    """A criterion with nothing to apply to is reported as such in both hosting tables."""
    def with_not_applicable(study, faults, flow, scenarios):
        v, c = reverse_power_check()(study, faults, flow, scenarios)
        na = pd.DataFrame([{"criterion": "C2", "status": "not_applicable", "attribution": "",
                            "scenario": "", "message": "C2 not applicable: no fuse backed up "
                            "by a recloser"}], columns=VIOLATION_COLUMNS)
        return pd.concat([v, na], ignore_index=True), c

    ha = hosting_analysis(study, checks=with_not_applicable, n_grid=4, **ONE_AXIS)
    assert ha.not_applicable == {"C2": "C2 not applicable: no fuse backed up by a recloser"}
    by = ha.by_criterion.set_index("criterion")
    assert by.loc["C2", "status"] == "not_applicable" and not by.loc["C2", "limited"]
    assert math.isnan(by.loc["C2", "hosting_kw"]) and "not applicable" in by.loc["C2", "note"]
    assert by.loc["C12", "status"] == "limited"
    assert ha.table.iloc[0].limiting_criterion == "C12"


def test_calls_of_bounded_size_give_the_same_answers(study, monkeypatch):
    """#21: a large study's rounds are evaluated in calls of a few exports each (each with its
    load level's base case) to bound the peak memory. The checks of a scenario read only it
    and its base case, so every table is the one of a single call; only the calls differ."""
    options = {"sites": ["depot", "campus"], "participations": ["low", "firm"],
               "load_levels": ["light", "peak"], "n_grid": 6, "n_refine": 3}
    one = hosting_analysis(study, **options)
    calls = _count_engine_calls(monkeypatch)
    monkeypatch.setattr(hosting_calls, "FAULT_ROWS_PER_CALL", 0)
    monkeypatch.setattr(hosting_calls, "MIN_EXPORTS_PER_CALL", 5)
    split = hosting_analysis(study, **options)
    assert split.n_engine_calls > one.n_engine_calls
    assert max(calls) <= 5 + 1  # the exports of a call + its base case
    for name in ("table", "by_criterion", "margins"):
        pd.testing.assert_frame_equal(getattr(split, name), getattr(one, name),
                                      check_exact=True)
    assert (split.levels_kw, split.unevaluated, split.not_applicable) == (
        one.levels_kw, one.unevaluated, one.not_applicable)


def test_calls_keep_an_export_of_every_load_level_together(study):
    """Session 22 (EPRI J1): the fault study solves a charger set once whatever the load level,
    so the calls of a large round keep an export's load levels together (one call per load
    level solved every set twice); every call stays within its size."""
    from protv2g.hosting.tables import Axis
    from protv2g.units import LoadLevel, Participation

    site = study.document.v2g_sites[0]
    points = [(Axis(site, Participation.FIRM, ld), p_kw)
              for ld in (LoadLevel.LIGHT, LoadLevel.PEAK) for p_kw in (10.0, 20.0, 30.0)]
    chunks = hosting_search._chunks(points, 4)
    flat = [(a.key, p) for c in chunks for a, p in c]
    assert sorted(flat) == sorted((a.key, p) for a, p in points)
    assert all(len(c) <= 4 for c in chunks) and len(chunks) == 2
    for c in chunks:  # each export with both load levels in one call
        assert all(sum(p == q for _, p in c) == 2 for _, q in c)
    assert hosting_search._chunks(points, 6) == [points]
