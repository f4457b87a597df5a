"""Each kind of setting row names its own remedy in hosting's "settings to change", and a fuse on
a site's own transformer is that site's alone (review rev43a M1, IEEE 34: "settings to change
for campus …: C8 F-campus_xf: its reclosing must be declared or delayed" — a 25K link below
campus_xf's inrush / cold-load withstand, nothing to do with reclosing — and the same line for
homes1 and homes2, whose hosting scenarios do not build the campus's transformer).

Hand figures (not protv2g's): FLA = S / (√3 · V_LL); depot_xf 2,000 kVA at 12.47 kV → 92.60 A.
ANSI C37.43 10-s minimum melting currents (fuse_links.yaml's lower ends): 100K 258 A < 3 × FLA
= 277.8 A (melts inside the 10-s cold-load point), 140K 430 A (holds); no intermediate-series
K link lies between 100K and 140K, so 140K with no alternative.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.checks.load_withstand import WITHSTAND_MECHANISM

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import STUDY, folder  # noqa: E402, F401

CAMPUS = "  - {name: campus, bus: b3, n_chargers: 4, p_charger_kw: 50}\n"
FUSE = ("  - {name: F-DEPOT, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 100K, "
        "interrupting_rating_ka: 10}\n")
FLA_A = 2000.0 / (math.sqrt(3.0) * 12.47)


def test_a_c8_withstand_row_names_the_link_not_reclosing():
    """Fails on the old code ("its reclosing must be declared or delayed")."""
    from protv2g.hosting.limits import settings_text

    row = {"criterion": "C8", "device": "F-campus_xf", "mechanism": WITHSTAND_MECHANISM,
           "rule_value": 3.0, "limit": 10.0, "input_basis": "given", "other_device": ""}
    text = settings_text([row], {"F-campus_xf": ("campus_xf", "65K", "50K")})
    assert text == ("C8 F-campus_xf: its link melts inside campus_xf's inrush / cold-load "
                    "withstand (3 × full load for 10 s): fit 65K, the smallest preferred-series "
                    "link that holds (or the intermediate-series 50K) — a setting to change, "
                    "not an export limit")
    assert "reclosing" not in settings_text([row])  # without the links: its row names it
    assert "C8 row names the smallest that holds" in settings_text([row])


@pytest.fixture(scope="module")
def two_sites(folder):  # noqa: F811
    from protv2g.study.loader import load_study

    p = folder / "two_sites_fuse.yaml"
    text = STUDY.format(bus="depot_lv", extra=", model_transformer: depot_xf")
    at = text.index("v2g_sites:")  # the fuse after the head relay, under devices:
    text = text[:at] + FUSE + text[at:]
    at = text.index("scenarios:")
    p.write_text(text[:at] + CAMPUS + text[at:])
    return load_study(p)


def test_a_site_fuses_rows_only_where_the_site_is_built(two_sites):
    """Fails on the old code: F-DEPOT had a C8 row in the base case and in the campus's
    one-site hosting scenario, where depot_xf is out of the model."""
    from protv2g.checks._common import build_devices
    from protv2g.checks.load_withstand import withstand_links, withstand_rows
    from protv2g.hosting.points import base_scenario, export_scenario
    from protv2g.hosting.tables import Axis
    from protv2g.units import LoadLevel, Participation

    assert FLA_A == pytest.approx(92.60, abs=0.01) and 258.0 < 3 * FLA_A < 430.0
    assert withstand_links(two_sites) == {"F-DEPOT": ("depot_xf", "140K", None)}
    sites = two_sites.document.v2g_sites
    axes = {s.name: Axis(s, Participation.EXPECTED, LoadLevel.PEAK) for s in sites}
    scen = [base_scenario(LoadLevel.PEAK, sites),
            export_scenario(axes["campus"], 100.0, sites),
            export_scenario(axes["depot"], 500.0, sites)]
    devices, _ = build_devices(two_sites)
    flow = pd.DataFrame({"scenario": [s.name for s in scen], "device": "F-DEPOT",
                         "i_a": [0.0, 0.0, 40.0]})
    ctx = SimpleNamespace(study=two_sites, devices={"F-DEPOT": devices["F-DEPOT"]},
                          scenarios={s.name: s for s in scen})
    (rows,) = withstand_rows(ctx, flow)
    assert list(rows.scenario) == [scen[2].name]
    assert rows.attribution.iloc[0] == "equipment"
    assert str(rows.message.iloc[0]).endswith(
        "the smallest preferred-series K link that carries them is 140K (ANSI C37.42/C37.43 "
        "EEI-NEMA K and T links: preferred 6, 10, 15, 25, 40, 65, 100, 140, 200 A; "
        "intermediate 8, 12, 20, 30, 50, 80 A)")
