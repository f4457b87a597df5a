"""The workbook draws the TCCs the findings link to and lists the others (#21, the lead's
decision of session 35): the layout of the TCC sheet, and ``protv2g run`` end to end."""

from __future__ import annotations

import io
import random

import numpy as np
import openpyxl
import pytest
from PIL import Image

from protv2g.cli import main
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


def test_run_draws_the_plots_the_findings_link_to_and_all_with_the_flag(tmp_path):
    study = FEEDERS_DIR / "opendss_example" / "study.yaml"
    chosen, every = tmp_path / "chosen.xlsx", tmp_path / "every.xlsx"
    assert main(["run", str(study), "--no-hosting", "-o", str(chosen)]) in (0, 1)
    assert main(["run", str(study), "--no-hosting", "--all-tccs", "-o", str(every)]) in (0, 1)
    wb = openpyxl.load_workbook(chosen)
    tcc, findings = wb["TCC"], wb["Findings"]
    pictures = {img.anchor._from.row + 1 for img in tcc._images}  # 1-based row
    col = [c.value for c in findings[1]].index("TCC") + 1
    linked = set()
    for r in range(2, findings.max_row + 1):
        link = findings.cell(row=r, column=col).hyperlink
        loc = (link.location or link.target).lstrip("#")
        sheet, _, ref = loc.rpartition("!")
        if sheet.strip("'") != "TCC":
            continue
        linked.add(ref)
        # a finding's link lands on a plot's title, its picture just below
        assert tcc[ref].value.endswith("elements") and int(ref[1:]) + 1 in pictures
    # the opendss example: 2 paths × 2 families, the findings link to 3 of the 4 plots
    assert len(linked) == len(tcc._images) == 3
    texts = [c for row in tcc.iter_rows(values_only=True) for c in row if c]
    assert texts[2].startswith("3 plot(s) drawn") and "1 other(s) listed" in texts[2]
    assert f"protv2g run {study}" in texts[2] and "--all-tccs" in texts[2]
    note = next(t for t in texts if t.startswith("not drawn (no finding links to it)"))
    assert "--all-tccs" in note
    summary = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row
               if isinstance(c, str) and "plot(s) drawn" in c]
    assert len(summary) == 1 and "1 other(s) listed" in summary[0]
    # --all-tccs: every plot drawn, no listing, nothing said about plots not drawn
    every_wb = openpyxl.load_workbook(every)
    assert len(every_wb["TCC"]._images) == 4
    assert not any("not drawn" in str(c) for row in every_wb["TCC"].iter_rows(values_only=True)
                   for c in row if c)
    # each plot drawn by default is the same picture, pixel for pixel, as with --all-tccs
    drawn, all_drawn = _pictures(chosen), _pictures(every)
    assert len(drawn) == 3 and set(drawn) < set(all_drawn)
    for title, pixels in drawn.items():
        np.testing.assert_array_equal(pixels, all_drawn[title])


def test_run_help_names_the_flag(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "--all-tccs" in capsys.readouterr().out
