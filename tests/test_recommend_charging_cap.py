"""``recommend`` on a C8 charging peak gives the cap its own figures imply (review rev40b M3).

IEEE 37 (rev40b's study: campus 10 × 80 kW at 740, homes 24 × 7.2 kW on 736.bc, R-708 on L17
with a 280 A minimum trip): F01, C8 R-708 at the charging peak, said "schedule or cap the sites'
charging below minimum trip / 1.5" and no number. Its figures: 131 A without the charging,
209 A with 778 kW of it, limit 280 / 1.5 = 186.7 A → ≈ 555 kW.

Checked by an OpenDSS flow, not protv2g (opendssdirect, /tmp/txt40/cap37.py: ieee37.dss at
LoadMult 1, the campus as a 3-phase delta constant-P load at 740 and the homes as a 1-phase
delta load on 736.2.3, both pf 1 and constant P down to 0.5 pu as protv2g's site generators
are, the two scaled together; Line.L17's largest phase current): 131.13 A without, 209.12 A at
778.24 kW, 185.62 A at 555 kW, the 186.67 A limit crossed at ≈ 559 kW.
"""

from __future__ import annotations

import pandas as pd

from protv2g.checks.load import CHARGING_PEAK
from protv2g.recommend.charging_cap import charging_cap_kw, charging_cap_text
from protv2g.recommend.notes import _no_candidate_note

LIMIT_A = 280.0 / 1.5
#: OpenDSS (module docstring)
DSS_WITHOUT_A, DSS_WITH_A, DSS_FULL_KW = 131.13, 209.12, 778.24
DSS_AT_CAP_A, DSS_CROSSING_KW = 185.62, 559.1


def _evidence() -> pd.DataFrame:
    """F01's worst evidence row as the C8 check writes it (margin = limit − current; the
    attribution's base margin the same without the charging), and a milder row."""
    return pd.DataFrame({
        "finding": ["F01", "F01"], "device": ["R-708", "R-708"],
        "margin": [LIMIT_A - DSS_WITH_A, LIMIT_A - 190.0],
        "i_device_a": [DSS_WITH_A, 190.0], "limit": [LIMIT_A, LIMIT_A],
        "base_margin": [LIMIT_A - DSS_WITHOUT_A, LIMIT_A - DSS_WITHOUT_A],
        "p_charging_kw": [DSS_FULL_KW, 600.0]})


def test_the_cap_from_the_findings_figures_holds_in_an_opendss_flow():
    cap = charging_cap_kw(DSS_WITH_A, DSS_WITHOUT_A, LIMIT_A, DSS_FULL_KW)
    assert cap == 554.0  # the review: ≈ 555 kW from figures rounded to the ampere
    # OpenDSS at the cap: under the limit, and the true crossing within 1 % above it
    assert DSS_AT_CAP_A < LIMIT_A
    assert 0.0 <= DSS_CROSSING_KW - cap <= 0.01 * DSS_CROSSING_KW


def test_no_charging_fits_where_the_load_alone_exceeds_the_limit():
    assert charging_cap_kw(209.0, 190.0, LIMIT_A, 778.0) == 0.0
    assert "no charging fits behind R-708" in charging_cap_text("R-708", pd.DataFrame({
        "margin": [-22.0], "i_device_a": [209.0], "limit": [LIMIT_A],
        "base_margin": [LIMIT_A - 190.0], "p_charging_kw": [778.0]}))


def test_the_recommendation_names_the_cap():
    """The note of F01 (a recloser's charging peak) gives the number, from the worst row."""
    cap = charging_cap_text("R-708", _evidence())
    assert "cap the simultaneous charging behind R-708 at ≈ 554 kW" in cap
    assert "131 A without the charging, 209 A with 778 kW of it, limit 186.7 A" in cap
    note = _no_candidate_note("C8", "fail", {"device_kind": "recloser",
                                             "mechanism": CHARGING_PEAK,
                                             "charging_cap": cap})
    assert note.startswith("load pickup: for a charging peak, schedule or cap the sites' "
                           "charging below minimum trip / 1.5: cap the simultaneous charging "
                           "behind R-708 at ≈ 554 kW")


# Review rev49b #3 (EPRI J1, depot b5218 2 MW, campus b4631 500 kW, homes 3 × 7.2 kW on
# x_5962929303_cust1-b.b): F02, C8 recloser-oh_b18853's 51G (80 A / 1.5 = 53.33 A of 3I0) at
# the charging peak. The tool's rows: 51.61 A without the charging, 53.585 A with the three
# sites charging (the homes' 21.6 kW all of it behind the recloser), 54.283 A with the homes
# alone (Site drivers). OpenDSS, not protv2g (opendssdirect, /tmp/lead49/chk/cap.py: J1
# Master_withPV at LoadMult 1, PV off, the homes a 1-phase constant-P load at 240 V, nothing
# else charging; |Ia + Ib + Ic| of Line.oh_b18853): 51.608 A without, 53.210 A at 13 kW,
# 54.125 A at 18 kW, 54.634 A at 21.6 kW.
J1_LIMIT_A = 80.0 / 1.5
J1_WITHOUT_A, J1_ALL_A, J1_HOMES_ALONE_A, J1_HOMES_KW = 51.61, 53.585224, 54.283338, 21.6
J1_DSS_AT_13_KW_A, J1_DSS_AT_18_KW_A = 53.210, 54.125


def _j1_evidence() -> pd.DataFrame:
    return pd.DataFrame({
        "finding": ["F02"], "device": ["recloser-oh_b18853"], "scenario": ["charging/firm"],
        "margin": [J1_LIMIT_A - J1_ALL_A], "i_device_a": [J1_ALL_A], "limit": [J1_LIMIT_A],
        "base_margin": [J1_LIMIT_A - J1_WITHOUT_A], "p_charging_kw": [J1_HOMES_KW]})


def _j1_drivers() -> pd.DataFrame:
    """The Site drivers rows of F02 as the run wrote them (each site alone, charging)."""
    return pd.DataFrame({
        "criterion": "C8", "device": "recloser-oh_b18853", "scenario": "charging/firm",
        "site": ["depot", "campus", "homes", "depot"],
        "counterfactual": ["alone", "alone", "alone", "removed"],
        "p_export_kw": [-2000.0, -500.0, -J1_HOMES_KW, -521.6],
        "i_judged_a": [49.884367, 51.305253, J1_HOMES_ALONE_A, 53.249966]})


def test_a_site_alone_worse_than_all_together_sets_the_cap():
    """The sites together give ≈ 18 kW; with the depot and campus idle the homes alone load
    the recloser's 51G more, so the cap is theirs: ≈ 13 kW. OpenDSS: 53.21 A at 13 kW holds,
    54.13 A at the old 18 kW fails."""
    from protv2g.recommend.charging_cap import c8_cap

    together = c8_cap("recloser-oh_b18853", _j1_evidence())
    assert together.kw == 18.0
    cap = c8_cap("recloser-oh_b18853", _j1_evidence(), _j1_drivers())
    assert cap.kw == 13.0
    assert J1_DSS_AT_13_KW_A < J1_LIMIT_A < J1_DSS_AT_18_KW_A
    assert cap.text.startswith("cap the charging of homes behind recloser-oh_b18853 at ≈ 13 kW")
    assert "with the other sites idle" in cap.text
    assert "with every site charging the cap would be ≈ 18 kW" in cap.text
    assert "54.3 A with 22 kW of homes alone" in cap.text


def test_the_sites_together_keep_the_cap_where_no_site_alone_is_worse():
    from protv2g.recommend.charging_cap import c8_cap

    milder = _j1_drivers().assign(i_judged_a=[49.9, 51.3, 53.0, 53.2])
    assert c8_cap("recloser-oh_b18853", _j1_evidence(), milder).kw == 18.0
    other = _j1_drivers().assign(scenario="charging/expected")  # another snapshot's rows
    assert c8_cap("recloser-oh_b18853", _j1_evidence(), other).kw == 18.0
