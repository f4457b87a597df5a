"""A single-phase V2G site behind its own interconnection transformer (pandapower feeders): a
site on one phase is line to neutral (the fault engine's single-phase inverter, the
three-phase flow's ``asymmetric_sgen``), so the transformer's low-voltage winding must give it
a neutral — a grounded wye (``Dyn``, ``YNyn``, ``Yyn``); behind a delta or ungrounded-wye
winding (a 3-wire bus) the study is refused. Physics: IEEE Std 142-2007 §1.2 (an ungrounded
system has no neutral to ground); ANSI C84.1-2020 (3-wire systems are line to line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from protv2g.errors import InputError
from protv2g.study.loader import load_study

ROOT = Path(__file__).resolve().parents[1]


def _study(tmp_path: Path, site: str) -> Path:
    src = ROOT / "feeders" / "weak_end_of_line"
    (tmp_path / "feeder.json").write_text((src / "feeder.json").read_text())
    text = (src / "study.yaml").read_text()
    old = "n_chargers: 12, p_charger_kw: 60, limit_pu: 1.2,"
    assert old in text
    path = tmp_path / "study.yaml"
    path.write_text(text.replace(old, old + " " + site + ","))
    return path


@pytest.mark.parametrize("connection", ["YNd", "Yd", "Dd", "Yy", "YNy", "Dy"])
def test_a_single_phase_site_behind_an_ungrounded_winding_is_refused(tmp_path, connection
                                                                     ) -> None:
    path = _study(tmp_path, "phases: 1, phase: a, interconnection_transformer: "
                            f"{{sn_kva: 1000, connection: {connection}}}")
    with pytest.raises(InputError, match="line to neutral") as err:
        load_study(path)
    assert "v2g_sites[0].phases" in str(err.value) and connection in str(err.value)


@pytest.mark.parametrize("site", [
    "phases: 1, phase: a, interconnection_transformer: {sn_kva: 1000, connection: Dyn}",
    "phases: 1, phase: a, interconnection_transformer: {sn_kva: 1000, connection: YNyn}",
    "interconnection_transformer: {sn_kva: 1000, connection: YNd}",  # three-phase: 3-wire
])
def test_a_grounded_wye_winding_or_a_three_phase_site_is_accepted(tmp_path, site) -> None:
    load_study(_study(tmp_path, site))


def test_pp_ungrounded_buses_from_the_vector_groups() -> None:
    """A site's LV bus behind a YNd/Yd/Dd/YNy/Yy/Dy winding has no ground path; behind Dyn,
    YNyn or Yyn (a grounded LV star) it has; the shipped feeders (Dyn substation, YNyn
    regulator) have none."""
    from protv2g.network.pp_ground import ungrounded_bus_mask
    from protv2g.network.site_transformer import with_site_transformers

    base = load_study(ROOT / "feeders" / "weak_end_of_line" / "study.yaml")
    assert not ungrounded_bus_mask(base.net).any()
    for connection, floating in (("YNd", True), ("Yd", True), ("Dd", True), ("Yy", True),
                                 ("YNy", True), ("Dy", True), ("Dyn", False),
                                 ("YNyn", False), ("Yyn", False)):
        sites = [s.model_dump(exclude_none=True) for s in base.document.v2g_sites]
        sites[0]["interconnection_transformer"] = {"sn_kva": 1000, "connection": connection}
        study = with_site_transformers(base.with_updates(v2g_sites=sites))
        mask = ungrounded_bus_mask(study.net)
        assert set(study.net.bus.name[mask]) == ({"farm-fleet-LV"} if floating else set())


def test_c12_judges_the_lv_bus_behind_a_delta_winding_line_to_line(tmp_path) -> None:
    """The farm fleet behind its 1 MVA YNd transformer (480 V delta): pandapower's balanced
    flow gives the LV bus its positive-sequence voltage, which in pu of the line-to-line base
    is the line-to-line voltage (|Va − Vb| = √3·|V1| when balanced); the bus table carries it
    as ``vm_ll_max_pu`` and ``vm_ll_min_pu`` there (NaN elsewhere) and a C12 row there says it
    is line to line."""
    import warnings

    from protv2g.checks.flow_limit import LINE_TO_LINE_TEXT
    from protv2g.runner import run_study

    path = _study(tmp_path, "interconnection_transformer: {sn_kva: 1000, connection: YNd}")
    path.write_text(path.read_text() + "checks: {v_max_pu: 1.01}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(path)
        result = run_study(study, hosting=False)
    bus = result.flow.buses
    lv = bus.bus_name == "farm-fleet-LV"
    assert lv.any() and (bus.vm_ll_max_pu[lv] == bus.vm_pu[lv]).all()
    assert (bus.vm_ll_min_pu[lv] == bus.vm_pu[lv]).all()  # balanced: the lowest alike
    assert bus.vm_ll_max_pu[~lv].isna().all() and bus.vm_ll_min_pu[~lv].isna().all()
    v = result.violations
    c12 = v[(v.criterion == "C12") & (v.fault_bus == "farm-fleet-LV") & (v.status == "fail")]
    assert len(c12) and all(LINE_TO_LINE_TEXT in str(m) for m in c12.message)
    other = v[(v.criterion == "C12") & (v.fault_bus != "farm-fleet-LV") & (v.status == "fail")]
    assert not any(LINE_TO_LINE_TEXT in str(m) for m in other.message)


def test_a_single_phase_site_on_a_delta_fed_bus_of_the_net_is_refused(tmp_path) -> None:
    """The feeder's regulator REG-1 made YNd (its LV side a delta winding): every bus behind
    it, B07 among them, is a 3-wire bus; the single-phase farm fleet there is refused by
    ``load_study`` and by ``protv2g validate`` (the tables read without pandapower), and
    accepted with the regulator YNyn as shipped."""
    import pandapower as pp

    from protv2g.network.pp_ground import ungrounded_bus_mask
    from protv2g.study.loader import validate_study

    path = _study(tmp_path, "phases: 1, phase: a")
    load_study(path)
    net = pp.from_json(str(tmp_path / "feeder.json"))
    net.trafo.loc[net.trafo.name == "REG-1", "vector_group"] = "YNd"
    pp.to_json(net, str(tmp_path / "feeder.json"))
    assert "B07" in set(net.bus.name[ungrounded_bus_mask(net)])
    with pytest.raises(InputError, match="no path to ground") as err:
        load_study(path)
    assert "v2g_sites[0].phases" in str(err.value)
    assert any("no path to ground" in str(i) for i in validate_study(path))
