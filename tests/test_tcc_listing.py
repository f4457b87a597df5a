"""The workbook draws the TCCs the failing findings link to and lists the others (#21, the
lead's decisions of sessions 35 and 43): the layout of the TCC sheet, the choice of the plots
drawn, and ``protv2g run`` end to end."""

from __future__ import annotations

import io
import random

import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image

from protv2g.cli import main
from protv2g.report.tcc_listing import TccCounts, drawn_line, write_listing
from protv2g.report.tcc_sheets import FAMILIES, TccPlan

from .conftest import FEEDERS_DIR

_PICTURE_ROWS = 28  # a picture's height in rows (558 px of 15 pt rows, tcc_sheets)


def _old_link(paths, device, other=None, family="phase"):
    """TccPlan.link as it was before the plots were chosen (main at 792cbdd)."""
    def named(x):
        return x is not None and not (isinstance(x, float) and np.isnan(x)) \
            and str(x) not in ("", "nan")
    names = [str(x) for x in (device, other) if named(x)]
    if not names:
        return "Feeder plot", "#'Feeder plot'!A1"
    for k, path in enumerate(paths):
        if all(n in path for n in names):
            return (f"TCC {' > '.join(path)} ({family})",
                    f"#'TCC'!A{3 + (2 * k + FAMILIES.index(family)) * 30}")
    for k, path in enumerate(paths):
        if names[0] in path:
            return (f"TCC {' > '.join(path)} ({family})",
                    f"#'TCC'!A{3 + (2 * k + FAMILIES.index(family)) * 30}")
    return "Feeder plot", "#'Feeder plot'!A1"


def _random_plan(rng: random.Random) -> TccPlan:
    devices = [f"D{j}" for j in range(rng.randint(1, 12))]
    paths = [rng.sample(devices, rng.randint(1, min(4, len(devices))))
             for _ in range(rng.randint(1, 15))]
    return TccPlan(paths=paths)


def test_links_and_rows_equal_the_old_ones_with_every_plot_drawn():
    rng = random.Random(35)
    for _ in range(200):
        plan = _random_plan(rng)
        plan.lay_out()  # drawn None: every plot
        for _ in range(20):
            device = rng.choice([*sum(plan.paths, []), "X", None, float("nan"), ""])
            other = rng.choice([*sum(plan.paths, []), "Y", None])
            family = rng.choice(FAMILIES)
            assert plan.link(device, other, family) == _old_link(plan.paths, device, other,
                                                                 family)
        plan.drawn = set(plan.entries())  # every plot chosen: the same layout
        plan.lay_out()
        assert plan.rows == {} and plan.listing_row is None


def test_layout_of_plots_drawn_and_listed_never_overlaps():
    rng = random.Random(21)
    for _ in range(300):
        plan = _random_plan(rng)
        entries = plan.entries()
        plan.drawn = set(rng.sample(entries, rng.randint(0, len(entries) - 1)))
        plan.listed = {e: ["line"] * rng.randint(0, 6) for e in entries
                       if e not in plan.drawn}
        plan.lay_out()
        assert set(plan.rows) == set(entries)
        spans = []  # (first, last) row of each entry: its title and what is below it
        for e in entries:
            first = plan.anchor(*e)
            last = first + (_PICTURE_ROWS if e in plan.drawn else 1 + len(plan.listed[e]))
            spans.append((first, last))
        spans.append((3, 3))  # the line counting plots drawn and listed
        spans.append((plan.listing_row, plan.listing_row))
        spans.sort()
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), spans
        # the plots drawn first, in path order, one a printed page; then the listing
        drawn = [plan.anchor(*e) for e in entries if e in plan.drawn]
        assert drawn == [4 + 30 * i for i in range(len(drawn))]
        assert all(plan.anchor(*e) > plan.listing_row for e in entries if e not in plan.drawn)


def _pictures(path) -> dict[str, np.ndarray]:
    """Title of each TCC drawn → its pixels."""
    ws = openpyxl.load_workbook(path)["TCC"]
    return {ws.cell(row=img.anchor._from.row, column=1).value:
            np.asarray(Image.open(io.BytesIO(img._data())).convert("RGBA"))
            for img in ws._images}


def test_run_draws_the_failing_findings_plots_lists_the_others_and_all_with_the_flag(
        tmp_path):
    """By default the plots the failing findings link to are drawn; a plot only warning or
    information findings link to is listed, where their link lands, naming them and the flag
    that draws it (#21, the lead's decision of session 43; before, every plot a finding
    linked to was drawn: here 3 of 4, now 2)."""
    study = FEEDERS_DIR / "opendss_example" / "study.yaml"
    chosen, every = tmp_path / "chosen.xlsx", tmp_path / "every.xlsx"
    assert main(["run", str(study), "--no-hosting", "-o", str(chosen)]) in (0, 1)
    assert main(["run", str(study), "--no-hosting", "--all-tccs", "-o", str(every)]) in (0, 1)
    wb = openpyxl.load_workbook(chosen)
    tcc, findings = wb["TCC"], wb["Findings"]
    pictures = {img.anchor._from.row + 1 for img in tcc._images}  # 1-based row
    header = [c.value for c in findings[1]]
    col, id_col, st_col = (header.index(h) + 1 for h in ("TCC", "Finding", "Status"))
    linked: dict[str, list[tuple[str, str]]] = {}  # ref → (finding, status) linking to it
    for r in range(2, findings.max_row + 1):
        link = findings.cell(row=r, column=col).hyperlink
        loc = (link.location or link.target).lstrip("#")
        sheet, _, ref = loc.rpartition("!")
        if sheet.strip("'") != "TCC":
            continue
        assert tcc[ref].value.endswith("elements")  # a link lands on a plot's title
        linked.setdefault(ref, []).append((findings.cell(row=r, column=id_col).value,
                                           findings.cell(row=r, column=st_col).value))
    failing = {ref for ref, fs in linked.items() if any(st == "fail" for _, st in fs)}
    # the opendss example: 2 paths × 2 families; findings link to 3, failing ones to 2
    assert len(linked) == 3 and len(failing) == len(tcc._images) == 2
    for ref, fs in linked.items():
        below = tcc.cell(row=int(ref[1:]) + 1, column=1).value
        text = findings.cell(row=[r for r in range(2, findings.max_row + 1) if findings.cell(
            row=r, column=id_col).value == fs[0][0]][0], column=col).value
        if ref in failing:  # its picture just below its title
            assert int(ref[1:]) + 1 in pictures and below is None
            assert "listed" not in text
        else:  # listed: the findings linking to it named, and how to draw it
            assert int(ref[1:]) + 1 not in pictures
            assert below.startswith("not drawn (only information findings link to it: "
                                    + ", ".join(f for f, _ in fs) + ")")
            assert "--all-tccs" in below and text.endswith("; listed, not drawn)")
    texts = [c for row in tcc.iter_rows(values_only=True) for c in row if c]
    assert texts[2].startswith("2 plot(s) drawn: those the failing findings link to; "
                               "2 other(s) listed")
    assert f"protv2g run {study}" in texts[2] and "--all-tccs" in texts[2]
    note = next(t for t in texts if t.startswith("not drawn (no finding links to it)"))
    assert "--all-tccs" in note
    summary = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row
               if isinstance(c, str) and "plot(s) drawn" in c]
    assert len(summary) == 1 and "2 other(s) listed" in summary[0]
    # --all-tccs: every plot drawn, no listing, nothing said about plots not drawn
    every_wb = openpyxl.load_workbook(every)
    assert len(every_wb["TCC"]._images) == 4
    assert not any("not drawn" in str(c) for row in every_wb["TCC"].iter_rows(values_only=True)
                   for c in row if c)
    # each plot drawn by default is the same picture, pixel for pixel, as with --all-tccs
    drawn, all_drawn = _pictures(chosen), _pictures(every)
    assert len(drawn) == 2 and set(drawn) < set(all_drawn)
    for title, pixels in drawn.items():
        np.testing.assert_array_equal(pixels, all_drawn[title])


def test_run_help_names_the_flag(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "--all-tccs" in capsys.readouterr().out


def _findings(*rows: tuple[str, str, str, str | None, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["finding", "status", "device", "other_device",
                                       "criterion", "worst_fault"])


def _plan() -> TccPlan:
    # models: write_listing says "no TCC" for a path with a device not modelled
    return TccPlan(paths=[["R1", "F1"], ["R1", "F2"]], study_file="s.yaml",
                   models=dict.fromkeys(("R1", "F1", "F2")))


def test_a_failing_findings_plot_is_drawn_a_warning_only_ones_listed_with_the_flag():
    """The lead's decision of session 43 (#21): the plots of the findings that fail are drawn;
    one only a warning links to is listed, its note naming the finding and ``--all-tccs``
    (before, both drawn: every plot a finding linked to)."""
    plan = _plan()
    plan.select(_findings(("F01", "fail", "F1", "R1", "C1", "SLG b3 max"),
                          ("F02", "warn", "F2", "R1", "C1", "3ph b5 max"),
                          ("F03", "warn", "F1", "R1", "C1", "SLG b3 min")))
    assert plan.drawn == {(0, "ground")} and plan.drawn_for == ("fail",)
    assert plan.linked == {(0, "ground"): [("F01", "fail"), ("F03", "warn")],
                           (1, "phase"): [("F02", "warn")]}
    plan.listed = {e: ["a line"] for e in plan.entries() if not plan.is_drawn(*e)}
    plan.lay_out()
    ws = openpyxl.Workbook().active
    write_listing(ws, plan)
    title = plan.anchor(1, "phase")
    assert ws.cell(row=title, column=1).value == "R1 > F2 — phase elements"
    assert ws.cell(row=title + 1, column=1).value == (
        "not drawn (only warning findings link to it: F02): `protv2g run s.yaml --all-tccs` "
        "draws it; what it would show:")
    assert ws.cell(row=plan.anchor(0, "phase") + 1, column=1).value.startswith(
        "not drawn (no finding links to it)")
    assert ws.cell(row=plan.listing_row, column=1).value == (
        "Not drawn: 3 plot(s) no failing finding links to, listed with their curve data")
    # the Findings' links: to the picture, or to the listing (said so)
    assert plan.link("F1", "R1", "ground") == ("TCC R1 > F1 (ground)",
                                               f"#'TCC'!A{plan.anchor(0, 'ground')}")
    assert plan.link("F2", "R1", "phase") == ("TCC R1 > F2 (phase; listed, not drawn)",
                                              f"#'TCC'!A{title}")
    assert drawn_line(TccCounts(1, 3), "s.yaml").startswith(
        "1 plot(s) drawn: those the failing findings link to; 3 other(s) listed")


def test_without_a_failing_finding_on_a_tcc_the_warnings_plots_are_drawn():
    """No failing finding links to a TCC (F01 is a feeder voltage, no device): the warning
    findings' plots are drawn, and the sheet says why; the gate's own severities first
    (``gate.fail_severities`` [fail, warn]: both drawn)."""
    rows = (("F01", "fail", None, None, "C12", "3ph b9 max"),
            ("F02", "warn", "F2", "R1", "C1", "3ph b5 max"),
            ("F03", "info", "F1", "R1", "C2", "SLG b3 min"))
    plan = _plan()
    plan.select(_findings(*rows))
    assert plan.drawn == {(1, "phase")}
    assert (plan.drawn_for, plan.passed_over) == (("warn",), ("fail",))
    assert drawn_line(TccCounts(1, 3, plan.drawn_for, plan.passed_over), "").startswith(
        "1 plot(s) drawn: those the warning findings link to (no failing finding links to "
        "a TCC); 3 other(s) listed")
    plan.select(_findings(*rows), ("fail", "warn"))
    assert plan.drawn == {(1, "phase")} and plan.drawn_for == ("fail", "warn")
    plan.select(_findings(rows[0], rows[2]))
    assert plan.drawn == {(0, "ground")} and plan.drawn_for == ("info",)
    plan.select(_findings(rows[0]))
    assert plan.drawn == set() and plan.drawn_for == ()
