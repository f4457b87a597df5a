"""The #19 review's label and count errors on the depot workbook, each checked on the sheet.

* Pair coordination: every row's worst margin follows from the columns it prints, at its
  worst fault (``worst margin = interval − required``, the interval from ``t_primary`` and
  ``t_backup`` as ``margin_formula`` says); the element named beside a time is the one whose
  curve gives it (phase or ground, fast or delayed, fuse MM or TC), checked against the
  settings by hand where the printed current is below a phase pickup;
* the charger stages' export fraction is an engineering number, the chargers online an
  expected number with its label.
"""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report.derived import PAIR_COLUMNS, pair_table

from .conftest import FEEDERS_DIR

_POINTS = ("max", "min", "worst")


@pytest.fixture(scope="module")
def pairs(depot_result) -> pd.DataFrame:
    return pair_table(depot_result)


def _interval(formula: str, t_p: float, t_b: float) -> float:
    """The interval the row's ``margin_formula`` states, from the printed times."""
    if formula.startswith("t_primary − t_backup"):
        return t_p - t_b
    ratio = re.match(r"([0-9.]+) × t_backup − t_primary", formula)
    if ratio:
        return float(ratio.group(1)) * t_b - t_p
    assert formula.startswith("t_backup − t_primary − required"), formula
    return t_b - t_p


def test_every_margin_follows_from_its_printed_columns(pairs):
    assert list(pairs.columns) == PAIR_COLUMNS and len(pairs) == 16
    for r in pairs.itertuples(index=False):
        # the worst margin is the interval at the worst fault less the required interval …
        assert r.worst_margin_s == pytest.approx(r.interval_worst_s - r.required_s, abs=1e-6)
        for tag in _POINTS:  # … and every interval is the stated formula of its two times
            t_p, t_b = getattr(r, f"t_primary_{tag}_s"), getattr(r, f"t_backup_{tag}_s")
            assert getattr(r, f"interval_{tag}_s") == pytest.approx(
                _interval(r.margin_formula, t_p, t_b), abs=1e-6), (r.pair, r.case_of, tag)
        # the worst fault is the smallest margin of the row's scenarios
        assert r.worst_margin_s <= min(r.interval_max_s, r.interval_min_s) - r.required_s + 1e-9


def test_the_c4_margin_the_review_could_not_rederive(pairs, depot_result):
    # RC-F1 → R-F1, base: 0.286 s was printed beside intervals of 0.645 s (max fault) and
    # 12.6 s (min fault) — the worst fault (then LL F1-LAT2-B2 min, on curve 133's old straight
    # stretch) was not printed. Now its fault and times are, and the margin is the smallest of
    # the pair's base Coordination rows
    r = pairs[(pairs.pair == "RC-F1 → R-F1") & (pairs.case_of == "base")].iloc[0]
    assert r.worst_margin_s == pytest.approx(
        r.t_backup_worst_s - r.t_primary_worst_s - 0.12, abs=1e-6)
    coord = depot_result.tables["Coordination"]
    rows = coord[coord.scenario.astype(str).str.startswith("base") & (coord.primary == "RC-F1")
                 & (coord.backup == "R-F1") & (coord.check == r.rule)]
    assert r.worst_margin_s == pytest.approx(rows.margin_s.min(), abs=1e-9)


def test_worst_v2g_row_shows_one_scenario(pairs, depot_result):
    coord = depot_result.tables["Coordination"]
    for r in pairs[pairs.case_of == "worst V2G"].itertuples(index=False):
        primary, backup = r.pair.split(" → ")
        rows = coord[(coord.scenario == r.scenario) & (coord.primary == primary)
                     & (coord.backup == backup) & (coord.check == r.rule)]
        for tag in _POINTS:  # every printed time is a Coordination row of that scenario
            t = getattr(r, f"t_primary_{tag}_s")
            assert np.isclose(rows.t_primary_s, t, rtol=0, atol=1e-12).any(), (r.pair, tag)


def _named(elements: str, device: str) -> str:
    return next(e[len(device) + 1:] for e in elements.split(", ") if e.startswith(device))


def test_elements_name_the_element_whose_time_is_shown(pairs, depot_study):
    devices = {d.name: d for d in depot_study.document.devices}
    for r in pairs.itertuples(index=False):
        primary, backup = r.pair.split(" → ")
        saving = r.rule.startswith("fuse saving")
        for tag in _POINTS:
            els = getattr(r, f"elements_{tag}")
            p_el, b_el = _named(els, primary), _named(els, backup)
            # the rule says which time: fuse MM against K × fast for fuse saving, fuse TC and
            # a recloser's delayed curve (its longest shot) otherwise
            if devices[primary].kind == "fuse":
                assert p_el == ("fuse MM" if saving else "fuse TC"), (r.pair, tag)
            if devices[primary].kind == "recloser":
                assert p_el.startswith("delayed "), (r.pair, tag, p_el)
            if devices[backup].kind == "recloser":
                assert b_el.startswith("fast " if saving else "delayed "), (r.pair, tag)
            # phase or ground: a phase element is never named below its pickup
            for dev, el, i_a in ((primary, p_el, getattr(r, f"i_primary_{tag}_a")),
                                 (backup, b_el, getattr(r, f"i_backup_{tag}_a"))):
                d = devices[dev]
                if el in ("51P", "50P"):
                    assert i_a >= d.pickup_a, (r.pair, tag, dev)
                if el.endswith(" P") and d.kind == "recloser":
                    assert i_a >= d.phase_min_trip_a, (r.pair, tag, dev)


def test_the_review_rows_now_name_ground_elements(pairs):
    # at the SLG fault at F1-LAT2-B2 (min) RC-F1 and R-F1 see 242 A, below RC-F1's phase
    # minimum trip (280 A) and R-F1's phase pickup (400 A): only their ground elements
    # operate — the review found "RC-F1 fast P" beside the ground delayed curve's 1.10 s and
    # "R-F1 51P" beside the 51G time
    r = pairs[(pairs.pair == "RC-F1 → R-F1") & (pairs.case_of == "base")].iloc[0]
    assert r.min_fault == "SLG F1-LAT2-B2 (min)"
    assert r.i_primary_min_a < 280.0 and r.i_backup_min_a < 400.0
    assert r.t_primary_min_s == pytest.approx(1.10, abs=0.01)
    # trust_checks: the Pair coordination sheet names a ground element with the current it
    # runs on, "51G (3I0)"
    assert r.elements_min == "RC-F1 delayed G (3I0), R-F1 51G (3I0)"


def test_charger_stages_and_scenarios_print_engineering_numbers(depot_result, depot_workbook):
    stages = depot_result.tables["Charger stages"]
    # a ratio of kW sums, rounded: 0.75, not 0.7500000000000001
    assert all(f == round(f, 9) for f in stages["export_of_all_sites_rating_fraction"])
    wb = openpyxl.load_workbook(depot_workbook)
    ws = wb["Charger stages"]
    head = [c.value for c in ws[1]]
    col = head.index("Export of all sites rating fraction") + 1
    assert ws.cell(row=2, column=col).number_format == "0.00"
    sc = wb["Scenarios"]
    head = [c.value for c in sc[1]]
    # 0.8 × 48 = 38.4: the model's expected number of chargers online, labelled as such
    col = head.index("Chargers online expected depot") + 1
    values = [sc.cell(row=r, column=col).value for r in range(2, sc.max_row + 1)]
    assert 38.4 in [pytest.approx(v) for v in values]
    shown = [r for r in range(2, sc.max_row + 1) if sc.cell(row=r, column=col).value]
    assert shown and all(sc.cell(row=r, column=col).number_format == "0.0" for r in shown)
    assert not any(str(h).startswith("N online") for h in head)


def test_cli_and_summary_count_the_same_rows_in_the_same_words(tmp_path, monkeypatch, capsys):
    # the review read "718 violations" from `protv2g run` and "719 check rows" in the Summary
    # (the one not_applicable row counted in one only): both now print describe_rows
    import protv2g
    from protv2g.cli import main
    from protv2g.violations import describe_rows

    from .test_report import _small_result

    result = _small_result()
    monkeypatch.setattr(protv2g, "load_study", lambda path: type("S", (), {"name": "small"}))
    monkeypatch.setattr(protv2g, "run_study", lambda study, **kw: result)
    expected = {"PASS": 0, "FAIL": 1}.get(result.meta.get("gate", {}).get("verdict"), 2)
    assert main(["run", "small.yaml", "-o", str(tmp_path / "s.xlsx"), "--no-hosting"]) == expected
    text = describe_rows(result.violations)
    assert text == "6 violation rows (3 failing, 2 warnings, 1 info)"
    assert f"bus fault rows, {text}" in capsys.readouterr().out
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["Summary"]
    line = next(r[1] for r in ws.iter_rows(values_only=True) if r[0] == "Findings")
    assert line.endswith(f"from {text}")


def test_evidence_rows_show_the_current_of_the_element_they_time(depot_result, depot_workbook):
    # #19 review: "RC-F1 … 1.08 s at 146 A" — 146 A is RC-F1's phase current, below its 280 A
    # phase minimum trip; the 1.08 s is its ground delayed curve on 3I0 ≈ 256 A. The row now
    # names the element of each device and gives 3I0 beside the phase current.
    ev = pd.read_excel(depot_workbook, sheet_name="Evidence")
    assert {"I device 3I0 (A)", "I other 3I0 (A)", "Elements"} <= set(ev.columns)
    row = ev[(ev["Device"] == "RC-F1") & (ev["Other device"] == "FU-F1-LAT2")
             & (ev["Scenario"] == "firm/light/25%") & (ev["Fault bus"] == "F1-LAT2-B2")
             & (ev["Fault type"] == "SLG") & (ev["Case"] == "min")
             & ev["Message"].str.contains("locks out")]
    assert len(row) == 1
    r = row.iloc[0]
    assert r["I device (A)"] < 280.0 and r["I device 3I0 (A)"] == pytest.approx(256.0, abs=1.0)
    assert r["T device (s)"] == pytest.approx(1.08, abs=0.01)
    assert r["Elements"] == "RC-F1 delayed G, FU-F1-LAT2 fuse TC"
    # session-13 review: the message said "1.08 s at 178 A" — the recloser's time beside its
    # phase current only; it now gives the 3I0 its ground element runs on (not for the fuse)
    import re
    assert re.search(r"RC-F1 delayed trip \(1\.0\d s at \d+ A, 3I0 25[5-7] A[):]", r["Message"])
    # and the element, curve and multiple that set the time (review rev28 §2, fs29)
    # (a staged time names the curve's own at the first-cycle 3I0 beside it, rev43a M2)
    assert re.search(r"on its ground delayed curve 117 at (the first-cycle \d+ A, )?2\.5",
                     r["Message"]), r["Message"]
    assert re.search(r"FU-F1-LAT2 clears \([0-9.]+ s at \d+ A[ )]", r["Message"]), r["Message"]
    # the smallest-margin pair rows of every finding name their elements (at most
    # EVIDENCE_NAMED_PER_FINDING each: naming recomputes the times row by row); a ground
    # element stands beside a 3I0 it can see
    from protv2g.report.derived import EVIDENCE_NAMED_PER_FINDING

    # trust_checks: C2's range-shrink rows (one per pair and scenario, no fault) time no
    # element: only the rows at a fault are named
    pair = ev[ev["Criterion"].isin(["C1", "C2", "C3", "C4"]) & ev["Fault bus"].notna()]
    named = pair["Elements"].fillna("").str.len().gt(0)
    per_finding = pair.assign(named=named).groupby("Finding").named.sum()
    sizes = pair.groupby("Finding").size()
    assert len(pair) and (per_finding == sizes.clip(upper=EVIDENCE_NAMED_PER_FINDING)).all()
    ground = pair[named & pair["Elements"].fillna("").str.split(",").str[0].str.endswith(" G")]
    assert (ground["I device 3I0 (A)"] > 0).all()
    coord = pd.read_excel(depot_workbook, sheet_name="Coordination", nrows=5)
    assert {"I primary 3I0 (A)", "I backup 3I0 (A)"} <= set(coord.columns)


def test_charger_stages_show_the_time_of_the_finding_rule(depot_result):
    # #19 review: the base-case row of the C2 lockout finding showed 0.150 s (RC-F1's fast
    # shot) where the finding is about the delayed trip (1.10 s), labelled "expected"
    # participation, and read "both bracket"
    stages = depot_result.tables["Charger stages"]
    base = stages[stages["scenario"].str.startswith("base/")]
    assert len(base) and (base["participation"] == "—").all()
    lockout = base[(base["device"] == "RC-F1") & (base["fault_bus"] == "F1-LAT2-B2")]
    assert (lockout["time_of"] == "delayed curve (lockout) (t_delayed_s)").all()
    assert lockout["t_op_staged_s"].iloc[0] == pytest.approx(1.10, abs=0.01)
    ev = depot_result.violations
    shown = ev[(ev["criterion"] == "C2") & (ev["scenario"] == lockout["scenario"].iloc[0])
               & (ev["device"] == "RC-F1") & (ev["fault_bus"] == "F1-LAT2-B2")
               & ev["message"].str.contains("locks out")]
    assert lockout["t_op_staged_s"].iloc[0] == pytest.approx(shown["t_device_s"].min(),
                                                             rel=1e-6)
    assert not stages["finding"].str.contains("both bracket,").any()
    assert stages["finding"].str.contains("both brackets").any()
    # C2 fuse saving compares K × the fast curve: named as the fast curve
    saving = stages[stages["finding"].str.startswith("C2") & stages["device"].eq("RC-F2")]
    assert (saving["time_of"] == "fast curve (t_fast_s)").all()


def test_elements_named_in_one_batch_as_row_by_row(depot_result):
    # #21: the Pair coordination sheet and the Evidence name every row's elements in one
    # vectorised call per (device, time kind); each request named alone gives the same text
    from protv2g.report.devices import devices_from_result
    from protv2g.report.elements import device_elements, device_elements_many, fault_index

    models, _ = devices_from_result(depot_result)
    faults = fault_index(depot_result)
    coord = depot_result.tables["Coordination"]
    sample = coord.iloc[:: max(1, len(coord) // 150)]  # across criteria, cases and types
    requests = [(r, str(r["primary"]), str(r["backup"])) for _, r in sample.iterrows()]
    requests.append((None, "x", "y"))  # a point the pair table has no row for
    batch = device_elements_many(models, faults, depot_result, requests)
    alone = [device_elements(models, faults, depot_result, *q) for q in requests]
    assert batch == alone and batch[-1] == ""
    assert sum(bool(b) for b in batch) >= 30 and any(" G" in b for b in batch)


def test_pair_coordination_gives_the_3i0_a_ground_element_times():
    """Review s16: the Pair coordination sheet showed a 51G time beside the phase current (the
    workplace's R-HEAD 9.759 s at 185.96 A; IEEE VI TD 2 on 120 A at 186 A is 29 s) and its
    3I0 only in the Coordination Parquet file. Each point now has I and 3I0 of both devices,
    and the row's time reproduces by hand from the 3I0: IEEE C37.112-2018 very inverse,
    t = TD·(19.61 / (M² − 1) + 0.491), M = 3I0 / pickup."""
    from protv2g import load_study, run_study
    from protv2g.report.format import header_label

    assert header_label("i_backup_3i0_min_a") == "I backup 3I0 min (A)"
    study = load_study(FEEDERS_DIR / "workplace_pv_midday" / "study.yaml")
    pc = pair_table(run_study(study, hosting=False))
    row = pc[(pc["pair"] == "RC-MID \u2192 R-HEAD") & (pc["case_of"] == "base")].iloc[0]
    assert "R-HEAD 51G (3I0)" in row["elements_min"]
    head = next(d for d in study.document.devices if d.name == "R-HEAD")
    m = row["i_backup_3i0_min_a"] / head.ground_pickup_a
    t_hand_s = head.ground_time_dial * (19.61 / (m**2 - 1.0) + 0.491)
    assert row["t_backup_min_s"] == pytest.approx(t_hand_s, rel=1e-3)        # 9.76 s
    assert row["i_backup_min_a"] < row["i_backup_3i0_min_a"]                  # 186 < 281 A
