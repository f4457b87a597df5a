"""A fuse's total clearing as a bracket (review s18 rank 4, task fuse19).

The rules that read a fuse's total clearing (TC) as the downstream device's time — C1 relay
over fuse, C2 fuse TC < recloser delayed, C3 fuse–fuse, C6 against a clearing fuse — take the
high end of the link's EEI-NEMA band (maximum melt + arcing, as before) and say whether the
verdict holds at its low end (minimum melt, no arcing: review rev30 §3). A link given by a
maker's TC table has no band.

Hand case: EPRI J1 with a 40K link on a tap (review s18, "Device times by hand"): the fuse sees
192.4 A, the head relay's 51G (IEEE VI, TD 0.5, 90 A) 3I0 = 205.08 A.
"""

from __future__ import annotations

import math
import re
import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from protv2g import load_study, run_study
from protv2g.checks.pairs import tc_band_text
from protv2g.checks.tolerance import with_curve_band
from protv2g.devices.boundary import DataBoundary
from protv2g.devices.fuse import TcBasis
from protv2g.devices.library import load_library
from protv2g.devices.models import Fuse, OvercurrentRelay
from protv2g.errors import InputError
from protv2g.input_basis import InputBases, input_to_confirm, rests_on, tag_input_basis

from .conftest import FEEDERS_DIR, REPO_DIR

RESIDENTIAL = FEEDERS_DIR / "residential_evening_peak"

#: ANSI C37.43 EEI-NEMA 40K melting-current ranges (A) at 300 s, 10 s and 0.1 s, as tabulated
#: in protv2g/relay_library/fuse_links.yaml ("40K": min_a [80, 98, 565], max_a [96, 148, 680])
#: with the arcing time's nominal 8.3 ms (½ cycle at 60 Hz, ``x-arc``).
RANGES_40K = {"t_s": (300.0, 10.0, 0.1), "min_a": (80.0, 98.0, 565.0),
              "max_a": (96.0, 148.0, 680.0)}
ARC_S = 0.0083
#: Relay-fuse coordination interval, numerical relay (rules.yaml ``coordination_interval``:
#: IEEE Std 242-2001 §15, 0.2 s less the 0.08 s breaker time: a fuse time is a clearing time).
CTI_RELAY_FUSE_S = 0.12


def _chord_time_s(i_a: float, anchors_i: tuple[float, float], rating_a: float) -> float:
    """By hand: OpenDSS's normalised Klink shape (fuse_links.yaml ``x-klink``) shifted in ln I
    to pass the 10-s and 0.1-s anchors (the shift linear in ln t between them, as
    fuse_melting_nodes does), then a straight log–log chord between the shifted points."""
    shape_m = [2.0, 2.2, 3.0, 4.0, 6.0, 30.0]
    shape_t = [300.0, 20.0, 4.0, 1.3, 0.41, 0.02]

    def shape_ln_m(t: float) -> float:  # chord of the shape table at time t
        lt = [math.log(x) for x in shape_t]
        k = next(j for j in range(len(lt) - 1) if lt[j] >= math.log(t) >= lt[j + 1])
        f = (math.log(t) - lt[k]) / (lt[k + 1] - lt[k])
        return math.log(shape_m[k]) + f * (math.log(shape_m[k + 1]) - math.log(shape_m[k]))

    off10 = math.log(anchors_i[0] / rating_a) - shape_ln_m(10.0)
    off01 = math.log(anchors_i[1] / rating_a) - shape_ln_m(0.1)
    pts = [(anchors_i[0], 10.0), (anchors_i[1], 0.1)]
    for m, t in zip(shape_m, shape_t, strict=True):
        if 0.1 < t < 10.0:
            lam = (math.log(t) - math.log(10.0)) / (math.log(0.1) - math.log(10.0))
            pts.append((rating_a * m * math.exp(off10 + lam * (off01 - off10)), t))
    pts.sort()
    for (i0, t0), (i1, t1) in zip(pts, pts[1:], strict=False):
        if i0 <= i_a <= i1:
            f = math.log(i_a / i0) / math.log(i1 / i0)
            return math.exp(math.log(t0) + f * (math.log(t1) - math.log(t0)))
    raise AssertionError("current outside the anchors")


def test_j1_40k_band_by_hand():
    fuse = Fuse(name="f-tap", link="40K")
    # the anchors are the C37.43 range ends themselves
    t, lo, hi = RANGES_40K["t_s"], RANGES_40K["min_a"], RANGES_40K["max_a"]
    assert fuse.min_melt_time_s(np.array(lo)) == pytest.approx(t, rel=1e-6)
    assert fuse.max_melt_time_s(np.array(hi)) == pytest.approx(t, rel=1e-6)
    assert fuse.total_clear_time_s(np.array(hi)) == pytest.approx(np.array(t) + ARC_S, rel=1e-6)
    # at 192.4 A: by hand, the shifted Klink chord gives MM ≈ 0.87 s and max melt ≈ 2.58 s;
    # the library's curve is the smooth convex spline through the same shifted nodes (its
    # Fritsch-Carlson node positions differ from the chord's): within 20 % of the chord
    mm_hand = _chord_time_s(192.4, (lo[1], lo[2]), 40.0)
    mx_hand = _chord_time_s(192.4, (hi[1], hi[2]), 40.0)
    low, high = fuse.total_clear_band_s(np.array([192.4]))
    assert float(fuse.min_melt_time_s(192.4)) == pytest.approx(mm_hand, rel=0.20)
    assert float(fuse.max_melt_time_s(192.4)) == pytest.approx(mx_hand, rel=0.25)
    # the review's figures: MM 0.989 s, max melt 3.114 s, TC 3.122 s; the band's low end is
    # MM with the arcing bracket's low end, 0 (melting at a current zero, review rev30 §3)
    assert float(fuse.min_melt_time_s(192.4)) == pytest.approx(0.9889, abs=1e-3)
    assert float(high[0]) == pytest.approx(3.1221, abs=1e-3)
    assert float(low[0]) == pytest.approx(0.9889, abs=1e-3)
    assert fuse.tc_basis is TcBasis.STANDARD_BAND

    # the head relay's 51G by hand: t = TD·(19.61/(M² − 1) + 0.491), M = 205.08/90
    m = 205.08 / 90.0
    t_relay = 0.5 * (19.61 / (m * m - 1.0) + 0.491)
    assert t_relay == pytest.approx(2.584, abs=1e-3)
    relay = OvercurrentRelay(name="head", pickup_a=340.0, curve="IEEE-VI", time_dial=0.5,
                             ground_pickup_a=90.0, ground_curve="IEEE-VI",
                             ground_time_dial=0.5)
    assert float(relay.ground_time_s(205.08)) == pytest.approx(t_relay, rel=1e-9)

    # C1 relay over fuse: margin = t_relay − TC − CTI. At the high end it fails, at the low end
    # it holds: the verdict flips at TC = 2.464 s, inside the band 0.997 … 3.122 s
    margin = np.array([t_relay - float(high[0]) - CTI_RELAY_FUSE_S])
    margin_low = np.array([t_relay - float(low[0]) - CTI_RELAY_FUSE_S])
    assert margin[0] == pytest.approx(-0.658, abs=2e-3) and margin_low[0] > 1.4
    assert float(low[0]) < t_relay - CTI_RELAY_FUSE_S < float(high[0])
    bnd = with_curve_band(np.array(["inside"], dtype=object), ["f-tap"], margin, margin_low)
    assert bnd.tolist() == [f"f-tap tc: {DataBoundary.CURVE_BAND.value}"]
    text = tc_band_text(SimpleNamespace(primary="f-tap", t_primary_s=float(high[0]),
                                        t_primary_band_low_s=float(low[0]),
                                        margin_s=float(margin[0])))
    assert "TC band 0.989 s–3.12 s" in text and "rests on the fuse curve band" in text

    # the row rests on the fuse curve band (a drafted relay keeps "drafted value (TODO)")
    rows = {"criterion": ["C1", "C1"], "status": ["fail", "fail"], "device": ["head", "head2"],
            "other_device": ["f-tap", "f-tap"], "data_boundary": [bnd[0], bnd[0]]}
    basis = tag_input_basis(pd.DataFrame(rows),
                            InputBases(todo_devices=frozenset({"head2"})))
    assert basis.tolist() == ["band", "todo"]
    assert rests_on("band") == "fuse curve band"
    assert "f-tap's total-clearing curve" in input_to_confirm("C1", "head", "f-tap", "band")


def test_a_failure_across_the_whole_band_is_not_flagged():
    fuse = Fuse(name="f", link="40K")
    low, high = fuse.total_clear_band_s(np.array([192.4]))
    t_relay = float(low[0]) - 0.05  # faster than the fuse even at the band's low end
    margin = np.array([t_relay - float(high[0]) - CTI_RELAY_FUSE_S])
    margin_low = np.array([t_relay - float(low[0]) - CTI_RELAY_FUSE_S])
    assert with_curve_band("inside", ["f"], margin, margin_low) == "inside"
    text = tc_band_text(SimpleNamespace(primary="f", t_primary_s=float(high[0]),
                                        t_primary_band_low_s=float(low[0]),
                                        margin_s=float(margin[0])))
    assert text.startswith("; fails across f's TC band")


def _maker_40k(folder):
    """A 40K TC table lying inside the EEI-NEMA band (a test table, not a maker's data): MM
    the band's minimum melt, TC the log-midpoint of minimum and maximum melt + arcing."""
    ref = Fuse(name="ref", link="40K")
    i_a = [100.0, 120.0, 150.0, 200.0, 300.0, 600.0, 1000.0]
    mm = ref.min_melt_time_s(np.array(i_a))
    tc = np.sqrt(mm * ref.max_melt_time_s(np.array(i_a))) + ARC_S
    folder.mkdir(exist_ok=True)
    entry = {"name": "40K-TEST", "kind": "fuse", "family": "points", "rating_a": 40,
             "mm_points": {"i_a": i_a, "t_s": [round(float(x), 5) for x in mm]},
             "tc_points": {"i_a": i_a, "t_s": [round(float(x), 5) for x in tc]},
             "source": "test table inside the EEI-NEMA 40K band (not a maker's data)"}
    (folder / "maker.yaml").write_text(yaml.safe_dump({"curves": [entry]}), encoding="utf-8")
    return entry


def test_maker_table_has_no_band(tmp_path):
    _maker_40k(tmp_path / "curves")
    fuse = Fuse(name="f", link="40K-TEST", library=load_library([tmp_path / "curves"]))
    assert fuse.tc_basis is TcBasis.TC_TABLE and math.isnan(fuse.clearing_after_melt_s)
    low, high = fuse.total_clear_band_s(np.array([192.4, 500.0]))
    assert np.array_equal(low, high)
    text = tc_band_text(SimpleNamespace(primary="f", t_primary_s=float(high[0]),
                                        t_primary_band_low_s=float(low[0]), margin_s=-0.1))
    assert text == "; f's TC from its TC table (no band)"


def test_bad_maker_tables_are_collected(tmp_path):
    folder = tmp_path / "curves"
    folder.mkdir()
    (folder / "bad.yaml").write_text(
        "curves:\n"
        "  - {name: 40K-X, kind: fuse, family: points, rating_a: 40, source: s,\n"
        "     mm_points: {i_a: [85, 200, 1000], t_s: [300, 3.0, 0.02]},\n"  # MM above TC at 200 A
        "     tc_points: {i_a: [90, 200, 1000], t_s: [300, 1.5, 0.03]}}\n"
        "  - {name: 40K-Y, kind: fuse, family: points, source: s,\n"  # amperes without rating
        "     mm_points: {i_a: [85, 1000], t_s: [300, 0.02]},\n"
        "     tc_points: {i_a: [90, 1000], t_s: [300, 0.03]}}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_library([folder])
    issues = exc.value.issues
    assert all(i.file.endswith("bad.yaml") and i.fix for i in issues)
    fields = [i.field for i in issues]
    assert "curves[0] (40K-X).mm_points" in fields
    assert any("melts before it clears" in i.message and "200" in i.message for i in issues)
    assert any(f.startswith("curves[1] (40K-Y).rating_a") for f in fields)


@pytest.fixture(scope="module")
def residential_runs(tmp_path_factory):
    """The residential example as shipped, and with FU-LAT1 on a maker's TC table."""
    tmp = tmp_path_factory.mktemp("maker")
    shutil.copy(RESIDENTIAL / "feeder.json", tmp / "feeder.json")
    _maker_40k(tmp / "curves")
    text = (RESIDENTIAL / "study.yaml").read_text(encoding="utf-8")
    old = "{name: FU-LAT1, kind: fuse, location: {line: LAT1-L1, end: from}, link: 40K,"
    assert old in text
    text = text.replace(old, old.replace("link: 40K", "link: 40K-TEST"))
    text = text.replace("feeder:\n", "library: [curves]\nfeeder:\n", 1)
    (tmp / "study.yaml").write_text(text, encoding="utf-8")
    return run_study(load_study(RESIDENTIAL / "study.yaml")), run_study(load_study(
        tmp / "study.yaml"))


def test_c2_backup_rows_state_the_band(residential_runs):
    shipped, _ = residential_runs
    c = shipped.tables["Coordination"]
    backup = c[c.check == "fuse TC < recloser delayed"]
    low, tc = backup.t_primary_band_low_s.to_numpy(float), backup.t_primary_s.to_numpy(float)
    assert np.all(low < tc)  # every 40K row has a band
    other = c[c.check != "fuse TC < recloser delayed"]
    assert other.t_primary_band_low_s.isna().all()  # fuse saving reads MM, not TC
    # the verdict is taken at the high end as before; some failing rows hold at the low end
    flips = backup.data_boundary.astype(str).str.contains("tc: curve_band")
    assert flips.any() and not backup[flips].ok.astype(bool).any()
    m = backup[flips]
    assert np.all(m.t_backup_s - m.t_primary_band_low_s >= 0)
    v = shipped.violations
    band = v[v.input_basis == "band"]
    assert len(band) and set(band.criterion) == {"C2"}
    assert band.message.str.contains("rests on the fuse curve band").all()


def test_c2_backup_on_a_maker_table_has_no_band(residential_runs):
    shipped, maker = residential_runs
    c = maker.tables["Coordination"]
    rows = c[(c.check == "fuse TC < recloser delayed") & (c.primary == "FU-LAT1")]
    assert len(rows) and np.allclose(rows.t_primary_band_low_s, rows.t_primary_s)
    assert not rows.data_boundary.astype(str).str.contains("curve_band").any()
    v = maker.violations
    lat1 = v[(v.criterion == "C2") & (v.other_device == "FU-LAT1") & v.message.str.contains(
        "locks out")]
    assert lat1.message.str.contains("FU-LAT1's TC from its TC table \\(no band\\)").all()
    assert not (lat1.input_basis == "band").any()
    # the other two laterals keep their EEI-NEMA band
    others = c[(c.check == "fuse TC < recloser delayed") & (c.primary != "FU-LAT1")]
    assert (others.t_primary_band_low_s < others.t_primary_s).all()


def test_readme_maker_table_example_loads(tmp_path):
    text = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
                if "40K-MAKER" in b]
    study_part, curves_part = block.split("\ncurves:\n", 1)
    assert "library: [curves]" in study_part and "link: 40K-MAKER" in study_part
    (tmp_path / "maker_links.yaml").write_text("curves:\n" + curves_part, encoding="utf-8")
    fuse = Fuse(name="F", link="40K-MAKER", library=load_library([tmp_path]))
    low, high = fuse.total_clear_band_s(np.array([192.4]))
    assert fuse.tc_basis is TcBasis.TC_TABLE and low[0] == high[0]


def test_c3_fuse_fuse_rows_state_the_band(tmp_path):
    """C3 on the hand-built study of test_checks_criteria (F2 = 15K protecting F = 40K): above
    both links' 0.1-s anchors the times are constant I²t (slope −2) plus 8.3 ms arcing, so
    by hand 0.75·MM_40K − TC_15K = (0.75·0.1·565² − 0.1·258²)/I² − 0.0083 (high end) and
    (0.75·0.1·565² − 0.1·215²)/I² at the band's low end (15K minimum melt, no arcing: review
    rev30 §3): above 1,442 A the rule fails at the high end and holds at the low end — the
    verdict rests on the link's arcing time, which the row states (at 2,000 A: within
    (0.75·0.1·565² − 0.1·258²)/2000² = 4.32 ms of melting); below, it passes."""
    from protv2g.checks import run_checks
    from tests.test_checks_common import BASE, make_study, rows, scenarios

    k40, k15_hi, k15_lo = 0.75 * 0.1 * 565.0**2, 0.1 * 258.0**2, 0.1 * 215.0**2
    i_flip = (math.sqrt((k40 - k15_hi) / ARC_S) + math.sqrt((k40 - k15_lo) / ARC_S)) / 2
    assert 1440.0 < i_flip < 1530.0
    study = make_study(tmp_path)
    for i_a, flips in ((i_flip, True), (2000.0, True)):
        v, coord = run_checks(study, rows((BASE, "F2", "B5", "3ph", "max", i_a),
                                          (BASE, "F", "B5", "3ph", "max", i_a)), None,
                              scenarios(500.0))
        c = coord[coord.criterion == "C3"].iloc[0]
        assert not c.ok
        assert c.margin_s == pytest.approx((k40 - k15_hi) / i_a**2 - ARC_S, abs=1e-6)
        assert c.t_primary_band_low_s == pytest.approx(k15_lo / i_a**2, abs=1e-6)
        row = v[(v.criterion == "C3") & (v.status == "fail")].iloc[0]
        assert ("F2 tc: curve_band" in row.data_boundary) is flips
        assert ("rests on the fuse curve band" in row.message) is flips
        assert ("fails across F2's TC band" in row.message) is not flips
        need_ms = 1000.0 * (k40 - k15_hi) / i_a**2
        assert f"cleared within {need_ms:.3g} ms of melting" in row.message


def test_workbook_shows_the_band_and_counts_it(residential_runs, tmp_path):
    """report20: the Coordination sheet has the band's low end beside the primary time under a
    header that says what it is; the Findings say "fuse curve band" and the Summary's "Rests
    on" counts those findings apart from given data (the residential example: F01–F03, C2 fuse
    TC < recloser delayed, fail at the band's high end and hold at its low end)."""
    from openpyxl import load_workbook

    from protv2g import devices
    from protv2g.input_basis import InputBasis
    from protv2g.report.format import header_label
    from protv2g.report.sheets import DATA_SHEETS, TC_BAND_NOTE

    assert devices.TcBasis is TcBasis  # item 4: re-exported with the fuse models
    shipped, _ = residential_runs
    wb = load_workbook(shipped.to_excel(tmp_path / "res.xlsx"), read_only=True)
    ws = wb["Coordination"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    j = header.index("T primary (s)")
    assert header[j + 1] == header_label("t_primary_band_low_s")
    assert header[j + 1] == "T primary TC low (s; min melt, no arcing)"
    check = header.index("Check")
    data = [r for r in rows[1:] if r[check] is not None]
    band = [r for r in data if r[check] == "fuse TC < recloser delayed"]
    assert band and all(0 < r[j + 1] < r[j] for r in band)
    assert all(r[j + 1] is None for r in data if r[check] != "fuse TC < recloser delayed")
    spec = next(s for s in DATA_SHEETS if s.title == "Coordination")
    assert TC_BAND_NOTE in spec.description and "minimum melt, no arcing" in TC_BAND_NOTE
    # the Findings' note lists every basis a finding can rest on, the band among them
    note = next(s for s in DATA_SHEETS if s.title == "Findings").description
    assert all(b.label in note for b in InputBasis)
    fs = list(wb["Findings"].iter_rows(values_only=True))
    # a voltage finding's cell adds the source set-point it rests on after "; " (fix41f)
    rests = [str(r[fs[0].index("Rests on")]).split(";")[0] for r in fs[1:]]
    n_band = rests.count("fuse curve band")
    # the C10 findings rest on the sites' cease-to-energise time at its tool default, IEEE
    # 1547's 2 s (the study gives none: c10b41)
    n_default = rests.count("tool default")
    assert n_band == 3 and n_default == 3
    assert rests.count("given data") == len(rests) - n_band - n_default
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(max_col=2, values_only=True)
               if r[0]}
    line = summary["Rests on"]
    assert line.startswith(f"{len(rests) - n_band - n_default} finding(s) on given data, "
                           f"{n_band} on the fuse curve band")
    assert f"{n_default} on a tool default" in line and "cease-to-energise" in line
