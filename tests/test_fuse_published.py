"""K and T links against the published EEI-NEMA melting-current ranges (#17 must-show).

Reference values: the melting-current ranges of ANSI C37.43 (EEI-NEMA K and T links) —
minimum and maximum melting current (A) at 300 s (600 s for 140 and 200 A), 10 s and
0.1 s — read here straight from ``protv2g/relay_library/fuse_links.yaml`` (each link's
``melting_ranges`` and ``source``; the file's header says what they were checked against).
protv2g's curves are evaluated by ``protv2g.devices.fuse.Fuse``; the checks are
inversion-free where they can be (time of the curve at the published currents).

Tolerance: 0.5 % in current, 0.5 % in time at the anchors (the node table is exact there;
the curve inversion of ``fuse_table`` is converged to < 1e-12).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

import protv2g
from protv2g.devices.fuse import Fuse
from protv2g.devices.fuse_table import published_range_table, report, speed_ratio_table
from protv2g.devices.library import CurveLibrary, default_library

DATA = Path(protv2g.__file__).parent / "relay_library" / "fuse_links.yaml"
RAW = yaml.safe_load(DATA.read_text())["curves"]
LINKS = {c["name"]: c for c in RAW if "melting_ranges" in c}
SHIPPED_RATINGS = {6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 65, 80, 100, 140, 200}
TOL = 5e-3


def test_every_rating_is_shipped_with_its_published_ranges_and_source():
    for kind in "KT":
        got = {int(c["rating_a"]) for n, c in LINKS.items() if n.endswith(kind)}
        assert got == SHIPPED_RATINGS, kind
    for name, c in LINKS.items():
        r = c["melting_ranges"]
        long_t = 600 if c["rating_a"] > 100 else 300
        assert r["t_s"] == [long_t, 10, 0.1], name
        assert all(lo < hi for lo, hi in zip(r["min_a"], r["max_a"], strict=True)), name
        assert "ANSI C37.43" in c["source"] and "EEI-NEMA" in c["source"], name


@pytest.mark.parametrize("name", sorted(LINKS))
def test_mm_crosses_each_anchor_time_inside_the_published_range(name):
    """MM time at the range's lower end ≥ t and at its upper end ≤ t: the MM curve reaches
    each anchor time at a current inside [min, max] (the curves are monotone)."""
    r = LINKS[name]["melting_ranges"]
    f = Fuse(name="F", link=name)
    for t_s, lo, hi in zip(r["t_s"], r["min_a"], r["max_a"], strict=True):
        assert float(f.min_melt_time_s(lo * (1 - TOL))) >= t_s, (name, t_s)
        assert float(f.min_melt_time_s(hi)) <= t_s, (name, t_s)
        # and the maximum melting curve reaches t at the range's upper end
        assert float(f.max_melt_time_s(hi)) == pytest.approx(t_s, rel=TOL), (name, t_s)


@pytest.mark.parametrize("name", sorted(LINKS))
def test_tc_above_mm_everywhere(name):
    f = Fuse(name="F", link=name)
    grid = np.geomspace(0.9 * f.min_melt_current_a, 300.0 * f.rating_a, 4000)
    mm, mx, tc = f.min_melt_time_s(grid), f.max_melt_time_s(grid), f.total_clear_time_s(grid)
    fin = np.isfinite(mm)
    assert fin.any() and (~fin).any()  # the grid starts below the minimum melting current
    both = fin & np.isfinite(tc)
    assert (tc[both] > mm[both]).all() and (tc[both] >= mx[both]).all()
    # where the link would not melt at its fastest, it does not clear at all (no TC left of MM)
    assert np.isinf(tc[~fin]).all()
    # TC exceeds max melt by the arcing time, never more (ANSI C37.40: clearing = melt + arc)
    arc = f.curve.arcing_time_s
    np.testing.assert_allclose(tc[both] - mx[both], arc, atol=1e-12)


@pytest.mark.parametrize("name", sorted(LINKS))
def test_tc_over_mm_in_the_published_band(name):
    """At each anchor: 1 < I_TC/I_MM ≤ (max/min)·√(t/(t − t_arc,high)) (fuse_table docs)."""
    df = published_range_table(names=[name])
    r = LINKS[name]["melting_ranges"]
    arc_hi = LINKS[name]["arcing_time_s"]["high"]
    for row, t_s, lo, hi in zip(df.itertuples(), r["t_s"], r["min_a"], r["max_a"],
                                strict=True):
        band = (hi / lo) * np.sqrt(t_s / (t_s - arc_hi))
        assert 1.0 < row.tc_over_mm <= band * (1 + TOL), (name, t_s)
        assert row.mm_a == pytest.approx(lo, rel=TOL) and row.tc_a >= hi * (1 - TOL)
        assert row.status == "PASS"


def test_speed_ratios_in_the_published_bands():
    """Speed ratio (0.1-s / 300- or 600-s minimum melting current): K 6.0–8.1, T 10.0–13.1
    (EEI-NEMA, as quoted with the ranges); the MM curve reproduces the data file's ratio."""
    sr = speed_ratio_table(published_range_table())
    for row in sr.itertuples():
        lo, hi = (6.0, 8.1) if row.link.endswith("K") else (10.0, 13.1)
        assert lo - 0.05 <= row.speed_ratio_published <= hi + 0.05, row.link
        assert row.speed_ratio_mm == pytest.approx(row.speed_ratio_published, rel=1e-3)


def test_table_covers_every_link_and_reports_pass(capsys):
    df = published_range_table()
    assert len(df) == 3 * len(LINKS) and set(df["link"]) == set(LINKS)
    assert (df["status"] == "PASS").all()
    text = report(df)
    assert f"{len(df)} rows, {len(df)} PASS, 0 FAIL" in text and "| 40K | 10 |" in text


def test_table_fails_a_curve_off_its_range():
    """A link whose 10-s range is moved 10 % above its curve is reported FAIL."""
    c = default_library().get("40K")
    ranges = list(c.melting_ranges)
    t, lo, hi = ranges[1]
    ranges[1] = (t, lo * 1.1, hi * 1.1)
    bad = dataclasses.replace(c, melting_ranges=tuple(ranges))
    df = published_range_table(CurveLibrary([bad]), ["40K"])
    assert df["status"].tolist() == ["PASS", "FAIL", "PASS"]
    assert "MM outside range" in df["failed"].iloc[1]
    with pytest.raises(ValueError, match="no published melting ranges"):
        published_range_table(names=["101"])


def test_cli_curves_table(capsys):
    import argparse
    import json

    from protv2g.commands.curves import register
    from protv2g.errors import InputError

    p = argparse.ArgumentParser(prog="protv2g")
    register(p.add_subparsers(dest="command", required=True))

    def run(argv: list[str]) -> int:
        args = p.parse_args(argv)
        return args.func(args)

    assert run(["curves", "table", "40K", "65T"]) == 0
    out = capsys.readouterr().out
    assert "| 65T | 0.1 | 1650 | 1975 |" in out and "6 rows, 6 PASS, 0 FAIL" in out
    assert run(["curves", "table", "6K", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["t_s"] for r in rows] == [300.0, 10.0, 0.1] and rows[0]["status"] == "PASS"
    with pytest.raises(InputError, match="no published melting ranges"):
        run(["curves", "table", "IEEE-VI"])


def test_plot_draws_the_i2t_tail_off_the_axis_not_along_its_floor():
    """The TCC plot clamps only instantaneous (0 s) operation to the time-axis floor; a
    fuse's constant-I²t tail below the floor leaves the plot (no drawn flat floor)."""
    from protv2g.devices.tcc import TccTrace, curve_traces, plot_tcc

    traces = curve_traces("40K") + [TccTrace("inst", np.array([1e3, 2e3, 3e3]),
                                             np.array([0.5, 0.0, 0.0]))]
    fig = plot_tcc(traces, t_range_s=(0.01, 1000.0))
    lines = fig.axes[0].get_lines()
    for line in lines:
        y = np.asarray(line.get_ydata(), float)
        y = y[np.isfinite(y)]
        if line.get_label() == "inst":
            assert np.isclose(y, 0.01).sum() == 2  # 0 s drawn on the floor
        else:
            assert not np.isclose(y, 0.01, rtol=1e-9).any(), line.get_label()
    fuse_y = np.concatenate([np.asarray(ln.get_ydata(), float) for ln in lines
                             if ln.get_label() != "inst"])
    assert np.nanmin(fuse_y) < 0.01  # the dotted I²t tail continues below the floor


def test_fuse_table_doctests():
    import doctest

    from protv2g.devices import fuse_table

    result = doctest.testmod(fuse_table)
    assert result.failed == 0 and result.attempted > 0
