"""A generator, PV system or storage behind a site's own transformer (aux35 left-open).

aux35 (its report, "noticed, not fixed"): a ``Generator`` on the depot's low-voltage bus,
behind the transformer the site names in ``model_transformer``, was accepted with no word —
a generator is a source in OpenDSS's fault study, so the bus stayed "energised" with the
transformer out (an island with the machine in it) and nothing was found behind the
transformer: not the generator, not a load of the model there, not the site's own load. PV
systems and storage (not machine sources) were refused with the generic "would cut those
off". Now "behind" is cut off from the grid (the model's Vsources) and every such unit gets
its own refusal, naming it and each reading's study change (the site's chargers counted
twice, the project's battery or PV as a site of its own naming the same transformer, a
standby generator disabled, today's DER → no model_transformer).

The feeder: tests/test_dss_site_transformer.py's (115/12.47 kV, 2 MVA YNd depot transformer
to 480 V ``depot_lv``) with aux35's ``Load.depot_aux`` and a unit added on ``depot_lv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.errors import InputError  # noqa: E402
from protv2g.study.loader import load_study, validate_study_warnings  # noqa: E402

from .test_dss_site_transformer import MASTER  # noqa: E402
from .test_site_transformer_aux_load import SHOP, XF_AUX, _write  # noqa: E402

GEN = "New Generator.dgen phases=3 bus1=depot_lv kv=0.48 kW=200 pf=1\n"
PV = "New PVSystem.dpv phases=3 bus1=depot_lv kv=0.48 kVA=250 Pmpp=200\n"
BESS = "New Storage.dst phases=3 bus1=depot_lv kv=0.48 kWrated=200 kVA=250 kWhrated=800\n"


def _with(unit: str, text: str = XF_AUX) -> str:
    return text.replace("Set VoltageBases", unit + "Set VoltageBases", 1)


def _refusal(path: Path, name: str):
    with pytest.raises(InputError) as exc:
        load_study(path)
    hits = [i for i in exc.value.issues if f"{name} (200 kW) behind it" in i.message]
    assert len(hits) == 1, [i.message for i in exc.value.issues]
    return hits[0], exc.value.issues


@pytest.mark.parametrize("unit, name", [(GEN, "generator.dgen"), (PV, "pvsystem.dpv"),
                                        (BESS, "storage.dst")],
                         ids=["generator", "pvsystem", "storage"])
def test_a_unit_behind_the_site_transformer_is_refused_naming_each_reading(tmp_path, unit,
                                                                           name):
    # before: the generator → "valid" with no word; PV/storage → the generic "also supplies
    # …: … would cut those off", whose fix named no way to keep the unit
    issue, _ = _refusal(_write(tmp_path, redirect=_with(unit)), name)
    assert issue.field == "v2g_sites[0].model_transformer"
    assert "in the feeder.redirects script" in issue.message
    fix = issue.fix
    assert "counted twice" in fix                                   # the chargers' model
    assert ("declare it as a site of its own on the same bus naming the same transformer"
            in fix and "bus: depot_lv" in fix and "model_transformer: depot_xf" in fix
            and "p_charger_kw: 200" in fix and "modes: [exporting]" in fix)  # the project's
    assert "enabled=no" in fix                                      # a standby generator
    assert "remove model_transformer" in fix                        # today's DER
    assert "leaves the base case with the transformer" in fix
    assert "minimum case" in fix


def test_a_generator_no_longer_hides_a_model_load_behind_the_transformer(tmp_path):
    # the master's load.shop on depot_lv: refused on its own (aux35); a generator beside it
    # kept depot_lv live and the study was "valid" (delta: with a wye shop load and the
    # generator OpenDSS's flow on the YNd's ungrounded 480 V side does not converge)
    shop = SHOP.replace("kW=50", "kW=50 conn=delta")
    path = _write(tmp_path, redirect=_with(GEN),
                  master=MASTER.replace("Set VoltageBases", shop + "Set VoltageBases", 1))
    _issue, issues = _refusal(path, "generator.dgen")
    assert any("load.shop" in i.message and "which the OpenDSS model itself has" in i.message
               for i in issues), [i.message for i in issues]


def test_the_same_study_without_the_unit_is_valid_and_names_its_load(tmp_path):
    problems, warned = validate_study_warnings(_write(tmp_path))
    assert problems == []
    assert sum("load.depot_aux (40 kW)" in w.message for w in warned) == 1


def test_grid_dead_buses_ignores_the_machine_as_a_source(tmp_path):
    """OpenDSS itself: with the transformer disabled, depot_lv carries no voltage in the
    power flow (a generator alone does not energise an island in OpenDSS's snapshot flow) —
    the grid view, which is the model's energised view too since session 42 (a machine's
    island is not energised, :mod:`protv2g.network.dss_islands`): both say depot_lv dies."""
    import opendssdirect

    from protv2g.network.dss_model import load_dss_model
    from protv2g.network.dss_site_transformers import dead_buses, grid_dead_buses

    path = _write(tmp_path, redirect=_with(GEN))
    folder = path.parent
    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{folder / "Master.dss"}"')
    dss.Text.Command(f'redirect "{folder / "depot_xf.dss"}"')
    dss.Text.Command("transformer.depot_xf.enabled=no")
    dss.Solution.Solve()
    dss.Circuit.SetActiveBus("depot_lv")
    v_v = np.abs(np.asarray(dss.Bus.VMagAngle()[0::2], dtype=float))
    assert float(v_v.max()) < 1e-6

    model = load_dss_model(folder / "Master.dss", redirects=[folder / "depot_xf.dss"])
    where = {str(b): k for k, b in enumerate(model.buses.index)}
    assert set(dead_buses(model, ["transformer.depot_xf"]).tolist()) == {where["depot_lv"]}
    assert set(grid_dead_buses(model, ["transformer.depot_xf"]).tolist()) == {
        where["depot_lv"]}
