"""C12's unbalance findings get a Site driver, as its voltage and loading findings do (session
51, :mod:`protv2g.findings_sites_c12`): each site alone / removed / every site idle as columns
of one flow solve, each read as C12 reads its row (the bus's voltage unbalance factor, over the
regulators' band where the row is) and judged by the row's own limit.

The residential feeder's two home sites (homes-lat1: 24 × 11.5 kW on phase a at LAT1-B2,
homes-lat2: on phase b at LAT2-B2), firm participation, C12's unbalance limit lowered to 0.5 %
so that V2G's unbalance fails: the charging snapshot (charging/firm, peak load) reads 1.0691 %
at LAT2-B2 (new: 0 % without the charging). Reference, nothing protv2g computed: pandapower
``runpp_3ph`` on feeder.json (each site an ``asymmetric_load`` of 0.276 MW on its phase), the
unbalance factor |V2|/|V1| × 100 from ``res_bus_3ph``'s phase phasors by hand
(V1 = (Va + a·Vb + a²·Vc)/3, V2 = (Va + a²·Vb + a·Vc)/3): idle 0 %, homes-lat1 alone
0.734109 %, homes-lat2 alone 1.121875 %, both 1.069108 % (the run's row) — each site fails on
its own. Before this change the finding said "not judged (flow criterion, not attributed per
site)".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from protv2g import load_study, run_study
from protv2g.findings_sites import SITE_DRIVERS, Driver, SiteEffect

FEEDER = Path(__file__).resolve().parents[1] / "feeders" / "residential_evening_peak"


@pytest.fixture(scope="module")
def unbalanced(tmp_path_factory):
    doc = yaml.safe_load((FEEDER / "study.yaml").read_text())
    doc["v2g_sites"] = [s for s in doc["v2g_sites"] if s["name"] != "homes-lat3"]
    doc["scenarios"].update(participation=["firm"], load_levels=["light"],
                            export_levels_fraction=[1.0])
    doc.setdefault("checks", {})["unbalance_max_percent"] = 0.5
    folder = tmp_path_factory.mktemp("two_sites_unbalance")
    shutil.copy(FEEDER / "feeder.json", folder / "feeder.json")
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(doc))
    return run_study(load_study(path), hosting=False)


def test_each_home_site_drives_the_unbalance_on_its_own(unbalanced) -> None:
    v = unbalanced.violations
    row = v[(v.margin_unit.astype(str) == "% VUF") & (v.scenario == "charging/firm")]
    assert len(row) == 1 and float(row.margin.iloc[0]) == pytest.approx(0.5 - 1.069108,
                                                                          abs=2e-6)
    t = unbalanced.tables[SITE_DRIVERS]
    u = t[(t["criterion"] == "C12") & (t["value_unit"] == "% VUF")].set_index("site")
    assert set(u["fault_bus"]) == {"LAT2-B2"} and set(u["counterfactual"]) == {"alone"}
    assert (u["judged_on"] == "voltage unbalance factor").all()
    assert u.at["homes-lat1", "value"] == pytest.approx(0.734109, abs=2e-6)
    assert u.at["homes-lat2", "value"] == pytest.approx(1.121875, abs=2e-6)
    assert u.at["homes-lat1", "margin"] == pytest.approx(0.5 - 0.734109, abs=2e-6)
    assert u.at["homes-lat2", "p_export_kw"] == pytest.approx(-276.0)
    assert (u["method"] == "flow unbalance against its limit").all()
    assert (u["effect"] == SiteEffect.REPRODUCES.value).all()
    assert (u["driver"] == Driver.EACH_SITE.value).all()
    assert u["driver_text"].iloc[0].startswith(
        "each of homes-lat1, homes-lat2 on its own (at LAT2-B2, charging/firm: homes-lat1 "
        "alone: 0.734 %")
