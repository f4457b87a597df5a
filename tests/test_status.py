"""Check status is data, not wording (issue #14).

Every violation row carries a typed ``status`` and a ``margin_unit``; the gate and the hosting
search decide from those columns. Rewording every message (and the coordination table's rule
names, from which C2's warn/fail split used to be read) must change no verdict, no count and no
hosting figure.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import protv2g
import protv2g.checks.recloser_fuse as recloser_fuse
import protv2g.checks.recloser_fuse_text as recloser_fuse_text
from protv2g.checks import family_function
from protv2g.checks.reach_groups import GROUP_COLUMNS
from protv2g.criteria import CATALOGUE, MarginUnit
from protv2g.violations import VIOLATION_COLUMNS, CheckStatus

#: The depot at three export levels, one participation case and load level (hosting included).
SMALL = {"export_levels_fraction": [0.0, 0.5, 1.0], "participation": ["firm"],
         "load_levels": ["light"]}


def _reworded(fn):
    def wrapper(ctx):
        rows = fn(ctx)
        words = rows["message"].astype(str).str.split(" ", n=3)
        return rows.assign(message="Reworded entirely: " + words.str[-1])
    return wrapper


def _run(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return protv2g.run_study(study, hosting=True)


def _outcome(result) -> dict:
    v = result.violations
    hosting = result.tables["Hosting capacity"]
    return {"verdict": result.meta["gate"]["verdict"],
            "counts": v.groupby(["criterion", "status", "attribution"]).size().to_dict(),
            "hosting": hosting[["site", "hosting_kw", "limiting_criterion", "limited"]]
            .to_dict(orient="records"),
            "per_site": result.meta["gate"]["hosting_capacity_kw"],
            "n_reasons": len(result.meta["gate"]["reasons"])}


@pytest.fixture(scope="module")
def small_depot(depot_study):
    # the depot site alone (one hosting axis per run), first-cycle limit held (the band's
    # pessimistic end): FAIL, with C2, C6, C10, C11 rows
    sites = [s for s in depot_study.raw["v2g_sites"] if s["name"] == "depot"]
    held = {**depot_study.raw["faults"], "high_bracket": "first_cycle_held"}
    return depot_study.with_updates(scenarios=SMALL, v2g_sites=sites, faults=held)


@pytest.fixture(scope="module")
def plain(small_depot):
    return _run(small_depot)


def test_rewording_every_message_changes_no_verdict_and_no_hosting_figure(
        small_depot, plain, monkeypatch):
    for crit in CATALOGUE.values():
        module = __import__(f"protv2g.checks.{crit.family}", fromlist=[crit.function])
        monkeypatch.setattr(module, crit.function, _reworded(family_function(crit)))
        if crit.flow_function:  # the criterion's flow-based rows (C9's reverse power)
            monkeypatch.setattr(module, crit.flow_function,
                                _reworded(family_function(crit, crit.flow_function)))
    # C2's rule names in the check column, where the rows are made and where they are worded
    for name in ("SAVING", "NOT_SEEN", "NOT_CLEARED", "NEVER_MELTS", "BACKUP"):
        for module in (recloser_fuse, recloser_fuse_text):
            monkeypatch.setattr(module, name, "renamed " + getattr(recloser_fuse_text, name))
    reworded = _run(small_depot)
    assert (reworded.violations["message"].str.startswith("Reworded entirely")).all()
    assert reworded.tables["Coordination"]["check"].astype(str).str.startswith(
        "renamed").any()
    assert _outcome(reworded) == _outcome(plain)
    assert _outcome(plain)["verdict"] == "FAIL"  # there is something to change


def test_every_row_has_a_typed_status_and_a_margin_unit(plain):
    v = plain.violations
    # the schema, then what each row stands for (#21: C5's zone rows kept one per group)
    assert list(v.columns) == VIOLATION_COLUMNS + GROUP_COLUMNS
    assert set(v["status"]) <= {s.value for s in CheckStatus} - {CheckStatus.OK.value}
    units = {u.value for u in MarginUnit}
    assert set(v["margin_unit"]) <= units
    for crit, rows in v.groupby("criterion"):
        main = rows[rows["status"] == "fail"]
        if len(main):  # failing rows of the main rule are in the catalogue's unit
            assert set(main["margin_unit"]) == {CATALOGUE[crit].margin_unit.value}, crit
    c11 = v[v["criterion"] == "C11"]
    assert len(c11) and (c11["margin_unit"] == "MW").all() and (c11["status"] == "warn").all()


def test_not_applicable_is_reported_as_such(plain):
    # The depot has no fuse backing up another device: C3 does not apply.
    v = plain.violations
    na = v[v["status"] == CheckStatus.NOT_APPLICABLE.value]
    assert set(na["criterion"]) >= {"C3"}
    assert na.set_index("criterion").loc["C3", "message"].startswith("C3 not applicable")
    assert any(r.startswith("info: C3 not applicable") for r in plain.meta["gate"]["reasons"])
    coord = plain.tables["Coordination"]
    # trust_checks: C2 fuse-saving rows above the crossover are "info" (saving impossible by
    # design, checks/fuse_saving_range.py)
    assert set(coord["status"]) <= {"ok", "fail", "warn", "info"}
    assert (coord["ok"] == (coord["status"] == "ok")).all()


def test_hosting_by_criterion_says_not_applicable(small_depot):
    from protv2g.hosting import hosting_analysis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ha = hosting_analysis(small_depot, sites=["depot"], participations=["firm"],
                              load_levels=["light"], n_grid=4)
    by = ha.by_criterion.set_index("criterion")
    assert by.loc["C3", "status"] == "not_applicable"
    assert pd.isna(by.loc["C3", "hosting_kw"]) and not by.loc["C3", "limited"]
    assert "C3" in ha.not_applicable
    row = ha.table.iloc[0]
    assert row.limited or ("C3" in row.note and "not applicable" in row.note)
