"""What a scenario is called when no site exports (review rev30 §1): the base case is the
feeder as it is, "without V2G"; a scenario that is not the base case and in which the sites'
own transformers (out of the base case: an OpenDSS ``model_transformer``, a pandapower
``interconnection_transformer``) are in service says so — its zero-sequence effect is the
project's — and a charging snapshot says it charges."""

from __future__ import annotations

from types import SimpleNamespace

from protv2g.checks._common import CheckContext, site_transformer_texts
from protv2g.scenarios import Scenario, SiteState
from protv2g.units import ChargerMode, LoadLevel, Participation


def _scenario(name: str, p_kw: float, is_base: bool = False) -> Scenario:
    mode = ChargerMode.IDLE if p_kw == 0 else (
        ChargerMode.EXPORTING if p_kw > 0 else ChargerMode.CHARGING)
    return Scenario(name, Participation.EXPECTED, LoadLevel.LIGHT, "0",
                    (SiteState("depot", mode, p_kw, 0.0, 0.0),), is_base=is_base)


def _ctx(**site):
    fields = {"model_transformer": None, "interconnection_transformer": None, **site}
    sites = [SimpleNamespace(name="depot", **fields)]
    scen = {sc.name: sc for sc in (_scenario("base/light", 0.0, True),
                                   _scenario("idle", 0.0), _scenario("out", 1200.0),
                                   _scenario("in", -600.0))}
    return SimpleNamespace(scenarios=scen, study=SimpleNamespace(
        document=SimpleNamespace(v2g_sites=sites)))


def test_the_base_case_is_without_v2g_whatever_the_sites() -> None:
    for ctx in (_ctx(), _ctx(model_transformer="depot_xf")):
        assert CheckContext._export_text(ctx, "base/light") == (
            "without V2G (base case, light load)")
        assert CheckContext._export_text(ctx, "out") == (
            "with depot exporting 1.2 MW (light load)")
        assert CheckContext._export_text(ctx, "in") == "with depot charging 0.6 MW (light load)"


def test_an_idle_scenario_with_the_sites_transformers_in_is_no_base_case() -> None:
    ctx = _ctx(model_transformer="depot_xf")
    assert CheckContext._export_text(ctx, "idle") == (
        "with the sites connected and idle (depot's transformer depot_xf in service, no "
        "export; light load)")
    pp = _ctx(interconnection_transformer=SimpleNamespace(connection="YNd"))
    assert site_transformer_texts(pp.study) == ["depot's YNd transformer"]
    assert "depot's YNd transformer in service" in CheckContext._export_text(pp, "idle")
    # without transformers of the sites it is the base case's equal
    assert CheckContext._export_text(_ctx(), "idle") == "without V2G (base case, light load)"
    assert site_transformer_texts(None) == []
