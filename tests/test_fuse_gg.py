"""IEC 60269 gG fuse links (relay_library/fuse_gg.yaml): a band between the standard's gates.

Checked against what protv2g did not compute: the gate table as written in the data file,
a hand calculation of the log–log interpolation, and the currents at which BS 88-2 gG links
disconnect in 5 s and 0.4 s from Metrel's published fuse tables (MI 3000 EasiPLUS manual,
Appendix A; loop impedances × 0.8 at U0 = 230 V).
"""

from __future__ import annotations

import math

import pytest

from protv2g.devices.fuse import TcBasis
from protv2g.devices.library import default_library
from protv2g.devices.models import Fuse
from protv2g.errors import InputError

RATINGS_A = (16, 20, 25, 32, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630)


def test_every_rating_16_to_630_is_shipped_as_an_iec_band():
    lib = default_library()
    for r in RATINGS_A:
        c = lib.get(f"{r}gG")
        assert c.standard == "IEC 60269 gG"
        assert c.rating_a == pytest.approx(r)
        assert lib.get(f"gG{r}").name == c.name
        f = Fuse(name="F", link=c.name)
        assert f.tc_basis is TcBasis.STANDARD_BAND
        assert f.has_max_melt


def test_100gg_times_by_hand_from_the_gates():
    """100 A gG at 1,000 A (data: min gates (820 A, 0.1 s), (1643.2 A, 0.01 s) = √(27,000 A²s
    / 0.01 s); max gates (580 A, 5 s), (1450 A, 0.1 s); arcing 10 ms nominal, 0 low).

    Minimum melt, log–log between (820, 0.1) and (1643.2, 0.01):
      slope = ln(0.01/0.1) / ln(1643.2/820) = −2.302585 / 0.695096 = −3.312612
      t = 0.1 × (1000/820)^−3.312612 = 0.1 × exp(−3.312612 × 0.198451) = 0.051820 s
    Maximum melt, between (580, 5) and (1450, 0.1):
      slope = ln(0.1/5) / ln(1450/580) = −3.912023 / 0.916291 = −4.269412
      t = 5 × (1000/580)^−4.269412 = 5 × exp(−4.269412 × 0.544727) = 0.488592 s
    Total clearing (band's high end) = 0.488592 + 0.010 = 0.498592 s; band's low end = the
    minimum melt + 0 = 0.051820 s.
    """
    f = Fuse(name="F", link="100gG")
    assert float(f.min_melt_time_s([1000.0])[0]) == pytest.approx(0.051820, rel=1e-4)
    assert float(f.max_melt_time_s([1000.0])[0]) == pytest.approx(0.488592, rel=1e-4)
    lo, hi = f.total_clear_band_s([1000.0])
    assert float(hi[0]) == pytest.approx(0.498592, rel=1e-4)
    assert float(lo[0]) == pytest.approx(0.051820, rel=1e-4)
    # at the gates themselves the curves pass through the table values
    assert float(f.min_melt_time_s([290.0])[0]) == pytest.approx(10.0, rel=1e-9)
    assert float(f.max_melt_time_s([580.0])[0]) == pytest.approx(5.0, rel=1e-9)
    # conventional currents: 1.25 In not melted before 2 h, 1.6 In operated by 2 h
    assert float(f.min_melt_time_s([125.0])[0]) == pytest.approx(7200.0, rel=1e-9)
    assert float(f.max_melt_time_s([160.0])[0]) == pytest.approx(7200.0, rel=1e-9)


@pytest.mark.parametrize(("rating", "i2t_min_a2s", "i2t_max_a2s"),
                         [(500, 1.3e6, 3.8e6), (630, 2.25e6, 7.5e6)])
def test_500_and_630gg_conventional_and_i2t_nodes(rating, i2t_min_a2s, i2t_max_a2s):
    """500gG / 630gG (review rev38b: the library stopped at 400 A): 1.25 In not melted before
    the 4-h conventional time, 1.6 In operated by it (IEC 60269-1 Table 2, 400 < In ≤ 1000 A,
    recalled); at 0.01 s the band's edges are √(I²t / 0.01 s) of Table 7's pre-arcing I²t
    (500 A: √(1.3e6/0.01) = 11,401.8 A and √(3.8e6/0.01) = 19,493.6 A; 630 A: 15,000 A and
    27,386.1 A)."""
    f = Fuse(name="F", link=f"{rating}gG")
    assert float(f.min_melt_time_s([1.25 * rating])[0]) == pytest.approx(14400.0, rel=1e-9)
    assert float(f.max_melt_time_s([1.6 * rating])[0]) == pytest.approx(14400.0, rel=1e-9)
    assert float(f.min_melt_time_s([math.sqrt(i2t_min_a2s / 0.01)])[0]) == pytest.approx(
        0.01, rel=1e-4)
    assert float(f.max_melt_time_s([math.sqrt(i2t_max_a2s / 0.01)])[0]) == pytest.approx(
        0.01, rel=1e-4)


#: BS 88-2 gG (systems E and G) maximum earth-loop impedance (Ω, × 0.8) for disconnection in
#: 5 s and 0.4 s: Metrel MI 3000 EasiPLUS instruction manual, Appendix A "Fuse base tables"
#: (stored copy https://www.easymanua.ls/metrel/easiplus-mi-3000/manual?p=57).
METREL_BS88_2_ZS_OHM = {
    5.0: {16: 3.344, 20: 2.36, 25: 1.84, 32: 1.472, 40: 1.08, 50: 0.832, 63: 0.656,
          80: 0.456, 100: 0.368, 125: 0.272, 160: 0.224, 200: 0.152},
    0.4: {16: 2.048, 20: 1.416, 25: 1.08, 32: 0.832},
}


@pytest.mark.parametrize("t_s", sorted(METREL_BS88_2_ZS_OHM))
def test_published_bs88_gg_disconnection_currents_lie_inside_the_bands(t_s):
    """A BS 88-2 gG link is a gG link: the current that disconnects it in t (Ia = 0.8 × 230 V /
    Zs) must fall where the band's minimum melt is at most t and its total clearing at least t."""
    for rating, zs in METREL_BS88_2_ZS_OHM[t_s].items():
        ia = 0.8 * 230.0 / zs
        f = Fuse(name="F", link=f"{rating}gG")
        assert float(f.min_melt_time_s([ia])[0]) <= t_s, (rating, ia)
        assert float(f.total_clear_time_s([ia])[0]) >= t_s, (rating, ia)


def test_i2t_nodes_keep_the_one_to_one_point_six_selectivity_ratio():
    """The 0.01-s nodes are √(I²t/0.01 s): I²t max of In equals I²t min of 1.6 In (IEC 60269's
    gG selectivity ratio), so the max node of In sits on the min node of the next-but-one."""
    lib = default_library()
    for small, big in ((16, 25), (25, 40), (40, 63), (63, 100), (100, 160), (160, 250),
                       (250, 400), (315, 500), (400, 630)):
        mx = lib.get(f"{small}gG").mx_m_points[-1] * small
        mn = lib.get(f"{big}gG").mm_m_points[-1] * big
        assert mx == pytest.approx(mn, rel=1e-3)
        assert lib.get(f"{small}gG").mx_t_points[-1] == pytest.approx(0.01)


def _gg_file(tmp_path, gates: str, extra: str = "") -> str:
    d = tmp_path / "lib"
    d.mkdir()
    (d / "g.yaml").write_text(
        "curves:\n  - name: MY-gG\n    kind: fuse\n    family: points\n    rating_a: 63\n"
        f"    gates: {gates}\n{extra}"
        "    arcing_time_s: {nominal: 0.01, low: 0.0, high: 0.02, source: test}\n"
        "    source: test\n", encoding="utf-8")
    return str(d)


def test_a_user_gate_file_loads_and_a_min_gate_right_of_the_max_is_an_error(tmp_path):
    from protv2g.devices.library import load_library

    ok = _gg_file(tmp_path, "{min_pre_arcing: {i_a: [78.75, 160, 480], t_s: [3600, 10, 0.1]}, "
                            "max_operating: {i_a: [100.8, 320, 820], t_s: [3600, 5, 0.1]}}")
    c = load_library([ok]).get("MY-gG")
    assert c.mx_m_points[1] * 63 == pytest.approx(320.0)
    assert math.isfinite(c.mm_asymptote_m) and c.mm_asymptote_m < 1.25


def test_gates_crossing_is_named_with_the_field(tmp_path):
    """A minimum gate right of the maximum one (400 A not melted in 10 s where 320 A must melt
    in 5 s): the file, the entry, the field and the currents are named."""
    from protv2g.devices.library import load_library

    bad = _gg_file(tmp_path, "{min_pre_arcing: {i_a: [78.75, 400, 480], t_s: [3600, 10, 0.1]}, "
                             "max_operating: {i_a: [100.8, 320, 820], t_s: [3600, 5, 0.1]}}")
    with pytest.raises(InputError) as exc:
        load_library([bad])
    text = str(exc.value)
    assert "MY-gG" in text and "gates.min_pre_arcing" in text and "g.yaml" in text
    assert "longer than the maximum operating time" in text


def test_gates_with_a_tc_table_is_an_error(tmp_path):
    from protv2g.devices.library import load_library

    bad = _gg_file(tmp_path, "{min_pre_arcing: {i_a: [78.75, 160, 480], t_s: [3600, 10, 0.1]}, "
                             "max_operating: {i_a: [100.8, 320, 820], t_s: [3600, 5, 0.1]}}",
                   "    tc_points: {m: [2, 10], t_s: [10, 0.1]}\n")
    with pytest.raises(InputError) as exc:
        load_library([bad])
    assert "tc_points" in str(exc.value) and "cannot be combined with gates" in str(exc.value)


def test_a_gg_rows_arcing_text_names_iec_60269_not_ansi():
    """A C1/C3 row failing by less than a gG link's nominal arcing (10 ms) says the IEC basis
    and the gG's shortest point (0.01 s), not ANSI C37.40 / EEI-NEMA's 0.1 s."""
    from types import SimpleNamespace

    from protv2g.checks.fuse_arcing_text import arcing_text

    f = Fuse(name="F", link="100gG")
    t_tc = float(f.total_clear_time_s([3000.0])[0])  # above the 0.01-s node: constant I²t
    r = SimpleNamespace(primary="F", margin_s=-0.004, t_primary_s=t_tc,
                        data_boundary="F tc: i2t_asymptote")
    text = arcing_text(SimpleNamespace(devices={"F": f}), r)
    assert "within 6 ms of melting" in text and "10 ms" in text
    assert "IEC 60269-1" in text and "0.01 s, the shortest IEC 60269 gG point" in text
    assert "ANSI" not in text and "EEI-NEMA" not in text


def test_c3_between_gg_links_says_the_bands_cannot_show_iec_selectivity():
    """100gG under 160gG (ratio 1.6, selective by IEC 60269's I²t rule: 86,000 A²s max vs
    86,000 A²s min at 0.01 s) fails the 75 % rule on the gate bands at 1.4 kA, below 100gG's
    Imax(0.1 s) 1,450 A where the time gates decide (C3 judges it there by the bands,
    tests/test_fuse_gg_selectivity.py): 0.75 × MM(160gG) − TC(100gG) < 0. The failing row
    says why its verdict rests on the gates."""
    from types import SimpleNamespace

    from protv2g.checks.fuse_gg_text import gg_pair_text

    small, big = Fuse(name="F1", link="100gG"), Fuse(name="F2", link="160gG")
    margin = 0.75 * float(big.min_melt_time_s([1400.0])[0]) \
        - float(small.total_clear_time_s([1400.0])[0])
    # by hand in tests/test_fuse_gg_selectivity.py: 0.75 × 0.115114 − 0.126162 s
    assert margin == pytest.approx(-0.039827, abs=5e-4)
    ctx = SimpleNamespace(devices={"F1": small, "F2": big})
    text = gg_pair_text(ctx, SimpleNamespace(primary="F1", backup="F2", margin_s=margin))
    assert "both are IEC 60269 gG links (160/100 A = 1.60), at a current below F1's Imax(0.1 s)" \
        " gate, where the standard's time gates (not its I²t limits) bound the links" in text
    assert "F1 at most 86,000 A²s, F2 at least 86,000 A²s (the standard's I²t criterion " \
        "holds)" in text
    # not a gG pair, or a passing row: nothing
    k = Fuse(name="K", link="65K")
    ctx = SimpleNamespace(devices={"F1": small, "K": k})
    assert gg_pair_text(ctx, SimpleNamespace(primary="F1", backup="K", margin_s=-1.0)) == ""
    assert gg_pair_text(SimpleNamespace(devices={"F1": small, "F2": big}),
                        SimpleNamespace(primary="F1", backup="F2", margin_s=0.1)) == ""


#: IEC 60269-1 Table 3, gG pre-arcing gates: In → (Imin(10 s), Imax(5 s), Imin(0.1 s),
#: Imax(0.1 s)), A. The same values in two independent public reproductions found with the
#: search tool (a gG curve builder citing "IEC 60269-1 Table 3 gates", and a TCC regression
#: test of an arc-flash tool; review rev38b W1: the library's 0.1-s gates of 63–400 A were
#: recalled wrong, 100 A 950/1650 A against the table's 820/1450 A).
IEC_60269_1_TABLE_3 = {
    16: (33, 65, 85, 150), 20: (42, 85, 110, 200), 25: (52, 110, 150, 260),
    32: (75, 150, 200, 350), 40: (95, 190, 260, 450), 50: (125, 250, 350, 610),
    63: (160, 320, 450, 820), 80: (215, 425, 610, 1100), 100: (290, 580, 820, 1450),
    125: (355, 715, 1100, 1910), 160: (460, 950, 1450, 2590), 200: (610, 1250, 1910, 3420),
    250: (750, 1650, 2590, 4500), 315: (1050, 2200, 3420, 6000), 400: (1420, 2840, 4500, 8060),
    # review rev38b: a European LV way / incomer is 500–630 A NH gG; the same reproduction
    500: (1780, 3800, 6000, 10600), 630: (2200, 5100, 8060, 14140)}


@pytest.mark.parametrize("rating", RATINGS_A)
def test_the_bands_pass_through_the_published_gates(rating):
    """Each link's curves at the published gates: minimum melt 10 s at Imin(10 s) and 0.1 s at
    Imin(0.1 s), maximum melt 5 s at Imax(5 s) and 0.1 s at Imax(0.1 s)."""
    i10, i5, i01_min, i01_max = IEC_60269_1_TABLE_3[rating]
    f = Fuse(name="F", link=f"{rating}gG")
    assert float(f.min_melt_time_s([i10])[0]) == pytest.approx(10.0, rel=1e-6)
    assert float(f.min_melt_time_s([i01_min])[0]) == pytest.approx(0.1, rel=1e-6)
    assert float(f.max_melt_time_s([i5])[0]) == pytest.approx(5.0, rel=1e-6)
    assert float(f.max_melt_time_s([i01_max])[0]) == pytest.approx(0.1, rel=1e-6)


def test_the_0p1s_gates_follow_the_standards_1_to_1p6_selectivity_ratio():
    """IEC 60269's gG series is selective at a rating ratio of 1.6: Imin(0.1 s) of a link equals
    Imax(0.1 s) of the link 1.6 × smaller (25↔16, 40↔25, 63↔40, 100↔63, 160↔100, 250↔160,
    400↔250, and 500↔315 = 1.587, 630↔400 = 1.575: the R10 series' steps, which the
    standard's tables pair as 1:1.6) — a check on the data independent of any one
    reproduction."""
    pairs = [(25, 16), (40, 25), (63, 40), (100, 63), (160, 100), (250, 160), (400, 250),
             (500, 315), (630, 400)]
    for big, small in pairs:
        assert float(Fuse(name="B", link=f"{big}gG").min_melt_time_s(
            [IEC_60269_1_TABLE_3[small][3]])[0]) == pytest.approx(0.1, rel=1e-6)


def test_a_gg_link_without_a_rating_gets_an_lv_example():
    """review rev38b F1: validate's fix offered 'interrupting_rating_ka: 10' for a gG link on a
    416 V bus whose maximum fault is 24 kA; NH gG links are rated ≥ 50 kA, commonly 120 kA
    (IEC 60269-2)."""
    from protv2g.study.device_plausibility import no_rating_issue
    from protv2g.study.schema import FuseDevice

    where = {"line": "l1", "end": "from"}
    gg = FuseDevice(name="F", kind="fuse", location=where, link="100gG")
    k = FuseDevice(name="K", kind="fuse", location=where, link="65K")
    assert ("devices[1].interrupting_rating_ka: 120 (kA"
            in no_rating_issue(gg, "devices[1]", "s").fix)
    assert ("devices[2].interrupting_rating_ka: 10 (kA"
            in no_rating_issue(k, "devices[2]", "s").fix)
