"""A V2G site's own transformer in an OpenDSS model (``v2g_sites[].model_transformer``,
review rev30 §1): out of the base case, in the V2G scenarios.

References (nothing here is computed by protv2g):
* OpenDSS itself: the same model compiled without the transformer's script (the base case as
  OpenDSS builds it), and an independent fault run in a fresh ``opendssdirect`` context — a
  ``Fault`` element of 20 Ω on one phase, loads off, the source at 1.0 pu (IEC 60909's
  ``c_min`` on MV), the relay's ``3I0`` the sum of its line's terminal-1 currents read with
  ``CktElement.Currents``;
* EPRI ckt5 with the reviewer's 2 MVA YNd depot transformer (rev30 §1: head 3I0 for the
  20 Ω SLG-c at 1008222, 296.6 A without / 232.2 A with it in OpenDSS at 20 °C; the tool's
  min case at 80 °C 286.7 / 224.4 A).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import PhaseDevice, phase_fault_study  # noqa: E402
from protv2g.engine.phase.study import Case  # noqa: E402
from protv2g.errors import InputError  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.dss_site_transformers import dead_buses, without_elements  # noqa: E402
from protv2g.study.dss_site_transformers import base_case_model  # noqa: E402

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.xft basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200 x1r1=8 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(12000 12000) xhl=8.0 %loadloss=0.6
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=1 units=mi
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=trunk length=2 units=mi
New Line.l3 phases=3 bus1=b1 bus2=b3 linecode=trunk length=1.5 units=mi
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1500 kvar=500
New Load.b3 bus1=b3 phases=3 kv=12.47 kw=800 kvar=300
New Load.b2a bus1=b2.1 phases=1 kv=7.2 kw=400 kvar=120
Set VoltageBases=(115, 12.47, 0.48)
CalcVoltageBases
"""
XF = """\
! the depot's 2 MVA step-up transformer: grounded wye on 12.47 kV, delta on 480 V (YNd)
New Transformer.depot_xf phases=3 windings=2 buses=(b2, depot_lv) conns=(wye, delta)
~ kvs=(12.47, 0.48) kvas=(2000, 2000) xhl=5.64 %r=0.564
Set VoltageBases=(115, 12.47, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: xft
feeder: {{opendss: Master.dss, redirects: [depot_xf.dss]}}
devices:
  - {{name: head, kind: relay, location: {{line: l1, end: from}}, pickup_a: 400,
     curve: IEEE-VI, time_dial: 0.5, ground_pickup_a: 100, ground_curve: IEEE-VI,
     ground_time_dial: 0.5}}
v2g_sites:
  - {{name: depot, bus: {bus}, n_chargers: 10, p_charger_kw: 100{extra}}}
scenarios: {{export_levels_fraction: [0.0, 1.0], participation: [expected],
            load_levels: [peak]}}
faults: {{r_fault_min_ohm: 20}}
"""
HEAD = [PhaseDevice("head", "line.l1", 1)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("xft")
    (out / "Master.dss").write_text(MASTER)
    (out / "depot_xf.dss").write_text(XF)
    return out


@pytest.fixture(scope="module")
def models(folder):
    return (load_dss_model(folder / "Master.dss", redirects=[folder / "depot_xf.dss"]),
            load_dss_model(folder / "Master.dss"))


def _study(folder: Path, name: str, bus: str = "depot_lv",
           extra: str = ", model_transformer: depot_xf", more: str = "") -> Path:
    p = folder / f"{name}.yaml"
    p.write_text(STUDY.format(bus=bus, extra=extra) + more)
    return p


def _head_3i0(model, bus: str = "b3", case: Case = Case.MIN, **kw) -> dict[str, float]:
    r = phase_fault_study(model, cases=(case,), r_fault_min_ohm=20, devices=HEAD, buses=[bus],
                          **kw)
    d = r.device_rows(0.0)
    d = d[d.fault_type.astype(str) == "SLG"]
    return {str(p): float(i) * 1e3 for p, i in zip(d.phase, d.i3i0_ka, strict=True)}


def test_base_model_is_the_model_compiled_without_the_transformer(models):
    with_xf, plain = models
    base = without_elements(with_xf, ["transformer.depot_xf"])
    assert list(with_xf.buses.index[dead_buses(with_xf, ["Transformer.DEPOT_XF"])]) == [
        "depot_lv"]
    assert not base.buses.energized["depot_lv"] and with_xf.buses.energized["depot_lv"]
    assert not base.elements.set_index("name").enabled["transformer.depot_xf"]
    assert without_elements(with_xf, []) is with_xf
    # cached on the model: the second call returns the same derived model
    assert without_elements(with_xf, ["transformer.depot_xf"]) is base
    for case in (Case.MIN, Case.MAX):
        for bus in ("b2", "b3", "sub"):
            got, want = _head_3i0(base, bus, case), _head_3i0(plain, bus, case)
            assert got.keys() == want.keys()
            for p in want:
                assert got[p] == pytest.approx(want[p], rel=1e-6, abs=1e-6)
    # the YNd is a zero-sequence source: with it the head sees less 3I0 of a fault past b1
    assert _head_3i0(with_xf, "b2")["a"] < 0.9 * _head_3i0(base, "b2")["a"]


def _opendss_head_3i0(folder: Path, xf: bool, bus: str = "b3") -> float:
    """The module docstring's independent OpenDSS run: SLG-a 20 Ω at ``bus``."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{folder / "Master.dss"}"')
    if xf:
        dss.Text.Command(f'redirect "{folder / "depot_xf.dss"}"')
    dss.Text.Command("batchedit load..* enabled=no")
    dss.Text.Command("vsource.source.pu=1.0")
    dss.Text.Command(f"new fault.f phases=1 bus1={bus}.1 bus2={bus}.0 r=20")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Line.l1")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    return float(abs((c[0:6:2] + 1j * c[1:6:2]).sum()))


def test_head_3i0_with_and_without_the_transformer_against_opendss(folder, models):
    with_xf, _plain = models
    base = without_elements(with_xf, ["transformer.depot_xf"])
    # 20 °C lines (OpenDSS's), c_min = 1.0 (MV): the same state as the OpenDSS run
    got_with = _head_3i0(with_xf, endtemp_degree=None)["a"]
    got_base = _head_3i0(base, endtemp_degree=None)["a"]
    want_with, want_base = _opendss_head_3i0(folder, True), _opendss_head_3i0(folder, False)
    assert got_base == pytest.approx(want_base, rel=0.01)
    assert got_with == pytest.approx(want_with, rel=0.01)
    assert want_with < 0.95 * want_base  # the transformer's effect is real and sizeable


def test_study_valid_and_base_case_model(folder):
    from protv2g.study.loader import load_study

    study = load_study(_study(folder, "ok"))
    base = base_case_model(study)
    assert base is not study.model and not base.buses.energized["depot_lv"]
    plain = load_study(_study(folder, "plain", extra=""))
    assert base_case_model(plain) is plain.model


@pytest.mark.parametrize("name, bus, extra, more, field, words", [
    ("unknown", "depot_lv", ", model_transformer: depot_x", "", "v2g_sites[0].model_transformer",
     "no transformer 'depot_x'"),
    ("elsewhere", "depot_lv", ", model_transformer: sub", "", "v2g_sites[0].model_transformer",
     "also supplies"),
    ("not_behind", "b3", ", model_transformer: depot_xf", "", "v2g_sites[0].model_transformer",
     "not behind transformer 'depot_xf'"),
])
def test_model_transformer_refused(folder, name, bus, extra, more, field, words):
    from protv2g.study.loader import load_study

    with pytest.raises(InputError) as exc:
        load_study(_study(folder, name, bus=bus, extra=extra, more=more))
    hits = [i for i in exc.value.issues if i.field == field]
    assert hits and any(words in i.message for i in hits), exc.value.issues
    assert all(i.fix for i in hits)


def test_transformer_that_feeds_a_load_is_not_the_sites(tmp_path):
    """A load of the model itself behind it is refused (the redirect's own loads come with
    the project: tests/test_site_transformer_aux_load.py, review rev35a M1)."""
    from protv2g.study.loader import load_study

    (tmp_path / "Master.dss").write_text(MASTER.replace(
        "Set VoltageBases", "New Load.shop bus1=depot_lv phases=3 kv=0.48 kw=50\nSet "
        "VoltageBases", 1))
    (tmp_path / "depot_xf.dss").write_text(XF)
    with pytest.raises(InputError) as exc:
        load_study(_study(tmp_path, "load"))
    msg = " ".join(i.message for i in exc.value.issues)
    assert "also supplies load.shop" in msg


def test_pandapower_feeder_refuses_model_transformer(tmp_path):
    import shutil

    import yaml

    from protv2g.study.loader import load_study

    from .conftest import FEEDERS_DIR

    src = FEEDERS_DIR / "depot_two_feeder"
    shutil.copy(src / "feeder.json", tmp_path / "feeder.json")
    doc = yaml.safe_load((src / "study.yaml").read_text())
    doc["v2g_sites"][0]["model_transformer"] = "x"
    p = tmp_path / "study.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as exc:
        load_study(p)
    assert any(i.field == "v2g_sites[0].model_transformer" and "pandapower" in i.message
               for i in exc.value.issues)


def test_base_faults_without_the_transformer_v2g_with_it(folder, models):
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios
    from protv2g.study.loader import load_study

    study = load_study(_study(folder, "ft"))
    scen = build_scenarios(study.document)
    dev = fault_tables(study, scen, staged=False).device
    sel = ((dev.device == "head") & (dev.fault_bus_name == "b3") & (dev.case == "min")
           & (dev.fault_type.astype(str) == "SLG-a"))
    by = {str(s): float(i) * 1e3 for s, i in zip(dev.scenario[sel], dev.i3i0_ka[sel],
                                                   strict=True)}
    base = [s.name for s in scen if s.is_base]
    v2g = [s.name for s in scen if not s.is_base]
    assert base and v2g
    _with, plain = models
    want_base = _head_3i0(plain)["a"]  # the model compiled without the transformer
    for s in base:
        assert by[s] == pytest.approx(want_base, rel=1e-6)
    want_xf = _head_3i0(_with)["a"]  # with it, no chargers: the chargers barely move 3I0
    for s in v2g:
        assert by[s] == pytest.approx(want_xf, rel=0.05)
        assert by[s] < 0.95 * want_base


def test_base_flow_without_the_transformer(folder, models):
    from protv2g.pipeline_dss import dss_flow
    from protv2g.study.loader import load_study

    study = load_study(_study(folder, "fl"))
    flow = dss_flow(study, day=False)
    dev = flow.devices.set_index("scenario")
    assert "base/peak" in dev.index
    bus = flow.buses[flow.buses.bus_name == "depot_lv"].set_index("scenario")
    is_base = bus.index.str.startswith("base/")  # base/peak, base/der_off (C8's)
    assert is_base.sum() == 2
    assert np.isnan(bus.vm_pu[is_base]).all()  # no source: the site's bus is not in the base
    assert np.isfinite(bus.vm_pu[~is_base]).all()
    # the base case as the feeder without the transformer's script; the V2G scenarios with
    # it: its YNd winding carries part of the feeder's unbalance (the single-phase load)
    ref_path = _study(folder, "fl_ref", bus="b2", extra="")
    ref_path.write_text(ref_path.read_text().replace(", redirects: [depot_xf.dss]", ""))
    ref = dss_flow(load_study(ref_path), day=False).devices.set_index("scenario")
    kept = load_study(_study(folder, "fl_kept", extra=""))  # the transformer in the base case
    old = dss_flow(kept, day=False).devices.set_index("scenario")
    r_base, r_ref = (float(x.loc["base/peak", "i_residual_a"]) for x in (dev, ref))
    assert r_base == pytest.approx(r_ref, rel=1e-3)
    assert float(old.loc["base/peak", "i_residual_a"]) < 0.95 * r_ref
    assert float(dev.loc["base/peak", "i_a"]) == pytest.approx(
        float(ref.loc["base/peak", "i_a"]), rel=1e-3)


CKT5_XF = """\
! rev30's depot transformer: 2 MVA, grounded wye on 12.47 kV (bus 791), delta on 480 V
New Transformer.DEPOT_XF phases=3 windings=2 buses=(791, depot_lv) conns=(wye, delta)
~ kvs=(12.47, 0.48) kvas=(2000, 2000) xhl=5.64 %r=0.564
Set voltagebases=[345, 115, 13.8, 12.47, 4.16, 0.48, 0.415, 0.208]
Calcvoltagebases
"""


def _ckt5_opendss_3i0(master: Path, xf: Path | None) -> float:
    """rev30's own OpenDSS check (``/tmp/rev30/dss_xf.py``): SLG-c 20 Ω at 1008222, loads,
    capacitors and their controls off, source at 1.0 pu, controls off; the head's 3I0."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{master}"')
    if xf is not None:
        dss.Text.Command(f'redirect "{xf}"')
    for c in ("load", "capacitor", "capcontrol"):
        dss.Text.Command(f"batchedit {c}..* enabled=no")
    dss.Text.Command("vsource.source.pu=1.0")
    dss.Text.Command("set controlmode=off")
    dss.Text.Command("new fault.f phases=1 bus1=1008222.3 bus2=1008222.0 r=20")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Line.mdv201_connector")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    return float(abs((c[0:6:2] + 1j * c[1:6:2]).sum()))


def test_ckt5_depot_transformer_head_3i0(shared_dir, tmp_path):
    """rev30 §1 end to end on EPRI ckt5: the base case (no V2G) has the feeder's head 3I0
    without the depot's YNd, 286.7 A in the tool's min case (80 °C), 224.4 A with it; at
    20 °C against OpenDSS (296.6 / 232.2 A in the review)."""
    master = shared_dir / "feeders" / "opendss" / "real" / "EPRI_ckt5" / "Master_ckt5.dss"
    if not master.is_file():
        pytest.skip(f"EPRI ckt5 not found at {master}")
    xf = tmp_path / "depot_xf.dss"
    xf.write_text(CKT5_XF)
    model = load_dss_model(master, redirects=[xf])
    base = without_elements(model, ["transformer.depot_xf"])
    assert list(model.buses.index[dead_buses(model, ["transformer.depot_xf"])]) == ["depot_lv"]
    dev = [PhaseDevice("head", "line.mdv201_connector", 1)]

    def head(m, **kw) -> float:
        r = phase_fault_study(m, cases=(Case.MIN,), r_fault_min_ohm=20, devices=dev,
                              buses=["1008222"], **kw)
        d = r.device_rows(0.0)
        return float(d.i3i0_ka[d.fault_type.astype(str) == "SLG"].iloc[0]) * 1e3

    assert head(base) == pytest.approx(286.7, abs=0.1)
    assert head(model) == pytest.approx(224.4, abs=0.1)
    want_base, want_xf = _ckt5_opendss_3i0(master, None), _ckt5_opendss_3i0(master, xf)
    assert want_base == pytest.approx(296.6, abs=0.1)  # the review's figures
    assert want_xf == pytest.approx(232.2, abs=0.1)
    assert head(base, endtemp_degree=None) == pytest.approx(want_base, rel=0.01)
    assert head(model, endtemp_degree=None) == pytest.approx(want_xf, rel=0.01)


def test_run_attributes_the_transformer_to_the_project_and_names_it(folder):
    """End to end on the small feeder: no row is pre-existing because of the site's YNd; the
    C5 reach-drop rows of ground faults and the C6 rows of a ground fault fed back through
    the head name the transformer as the 3I0's source (review rev30 §1)."""
    from protv2g.runner import run_study
    from protv2g.study.dss_site_transformers import grounded_site_transformers
    from protv2g.study.loader import load_study

    study = load_study(_study(folder, "run"))
    assert grounded_site_transformers(study) == {"depot": "depot's transformer depot_xf (YNd)"}
    v = run_study(study).violations
    name = "depot's transformer depot_xf (YNd)"
    drop = v[(v.criterion == "C5") & v.message.astype(str).str.startswith("reach of head")]
    ground = drop[drop.fault_type.astype(str).str.startswith("SLG")]
    assert len(ground) and ground.message.astype(str).str.contains(name, regex=False).all()
    assert (ground.attribution.astype(str) != "pre-existing").all()
    c6 = v[(v.criterion == "C6") & v.fault_type.astype(str).str.startswith("SLG")
           & (v.device == "head")]
    assert len(c6)
    msg = c6.message.astype(str)
    assert msg.str.contains(f"{name} feeds 3I0 into ground faults", regex=False).all()
    assert not msg.str.contains("fed back by V2G", regex=False).any()
    assert (c6.attribution.astype(str) != "pre-existing").all()
    # the same feeder, the transformer kept in the base case (no model_transformer): its
    # effects are the feeder's (what rev30 §1 found), and no text names it
    kept = run_study(load_study(_study(folder, "run_kept", extra=""))).violations
    assert not kept.message.astype(str).str.contains(name, regex=False).any()


def test_stale_draft_check_runs_on_the_base_case(tmp_path):
    """init's drafted head relay is not re-drafted for the project's own transformer: with
    a 5 MVA YNd at b3 of the example (no model_transformer) the rule gives 51G 80 → 20 A
    "for the feeder as it now stands" (rev30 §1's 190 → 140 A on ckt5); naming it as the
    site's, the base case is the feeder without it and nothing is stale."""
    import re
    import shutil

    from protv2g.study.loader import load_study
    from protv2g.study_draft import draft_study
    from protv2g.study_draft.redraft import stale_drafts

    from .conftest import FEEDERS_DIR

    example = FEEDERS_DIR / "opendss_example"
    shutil.copy(example / "LineCodes.dss", tmp_path / "LineCodes.dss")
    lines = (example / "Master.dss").read_text().splitlines()
    keep = [ln for ln in lines if not ln.startswith(("New Recloser", "New Fuse", "~"))]
    (tmp_path / "Master.dss").write_text("\n".join(keep) + "\n")
    text = draft_study(tmp_path / "Master.dss", study_dir=tmp_path).text
    assert "ground_pickup_a: 80" in text
    (tmp_path / "depot_xf.dss").write_text(
        "New Transformer.depot_xf phases=3 windings=2 buses=(b3, depot_lv) conns=(wye, delta)"
        " kvs=(12.47, 0.48) kvas=(5000, 5000) xhl=5.64 %r=0.564\n"
        "Set VoltageBases=(115, 12.47, 0.48)\nCalcVoltageBases\n")
    at = text.index("\n", text.index("  opendss:"))
    text = text[:at] + "\n  redirects: [depot_xf.dss]" + text[at:]
    site = "v2g_sites:\n  - {name: depot, bus: depot_lv, n_chargers: 20, p_charger_kw: 100%s}"
    stale = {}
    for name, extra in (("kept", ""), ("site", ", model_transformer: depot_xf")):
        path = tmp_path / f"{name}.yaml"
        path.write_text(re.sub(r"^v2g_sites:.*$", site % extra, text, count=1, flags=re.M))
        stale[name] = [(s.field, s.drafted, s.redrafted)
                       for s in stale_drafts(load_study(path))]
    # the depot's 2 MW charging (the head carries 240 A with it, > 290 A / 1.5 = 193 A) does
    # not re-draft the pickup: the drafted relay stands for the feeder without the sites,
    # C8 reports the charging as V2G's (review rev47a item 1; old code, rev32a W3: 290 →
    # 370 A in both). The ground pickup is re-drafted only where the project's YNd
    # transformer is taken as the feeder's (its 3I0 in the base case)
    assert stale["kept"] == [("devices[0].ground_pickup_a", 80.0, 20.0)]
    # named as the site's, the base case has no YNd and no site: nothing to re-draft (old
    # code: 80 → 100 A, the 0.25 × 51P floor of the 370 A drafted for the charging)
    assert stale["site"] == []


def test_grounded_site_transformers_pandapower_labels():
    """A pandapower site's ``interconnection_transformer`` is named by its net element
    (``<site>-XFMR``, :mod:`protv2g.network.site_transformer`) when its feeder-side winding
    is grounded wye (``YN…``); a delta or ungrounded one feeds no 3I0 and is not named."""
    from types import SimpleNamespace

    from protv2g.study.dss_site_transformers import grounded_site_transformers
    from protv2g.study.schema_sites import InterconnectionTransformer, V2GSite

    sites = [V2GSite(name=n, bus="1", n_chargers=2, p_charger_kw=50,
                     interconnection_transformer=InterconnectionTransformer(
                         sn_kva=500, connection=c))
             for n, c in (("a", "YNd"), ("b", "Dyn"), ("c", "Yd"), ("d", "YNyn"))]
    study = SimpleNamespace(document=SimpleNamespace(v2g_sites=sites), model=None)
    # a YNyn feeds no 3I0 with nothing grounded on its site side (review rev35b M4)
    assert grounded_site_transformers(study) == {"a": "a's transformer a-XFMR (YNd)"}


def test_two_sites_behind_one_transformer(folder):
    """Several sites may name one transformer; a site behind it that does not is refused
    (the base case would cut it off)."""
    from protv2g.study.loader import load_study

    two = "  - {name: vans, bus: depot_lv, n_chargers: 4, p_charger_kw: 50%s}\n"
    path = _study(folder, "two")
    text = path.read_text()
    at = text.index("scenarios:")
    path.write_text(text[:at] + two % ", model_transformer: depot_xf" + text[at:])
    study = load_study(path)
    assert not base_case_model(study).buses.energized["depot_lv"]
    path.write_text(text[:at] + two % "" + text[at:])
    with pytest.raises(InputError) as exc:
        load_study(path)
    (issue,) = exc.value.issues
    assert issue.field == "v2g_sites[0].model_transformer"
    assert "also supplies site 'vans' (v2g_sites[1])" in issue.message
    assert "model_transformer: depot_xf" in issue.fix


FUSE_ON_XF = ("  - {name: f-depot, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 140K,\n"
              "     interrupting_rating_ka: 10}\n")


@pytest.fixture(scope="module")
def fused_site(folder):
    """The depot's own transformer with its own fuse on the 12.47 kV side (review rev32a W4:
    validate refused it, "transformer 'depot_xf' also supplies device 'F-DEPOT'")."""
    from protv2g.study.loader import load_study

    p = folder / "fused.yaml"
    text = STUDY.format(bus="depot_lv", extra=", model_transformer: depot_xf")
    assert text.count("v2g_sites:\n") == 1
    p.write_text(text.replace("v2g_sites:\n", FUSE_ON_XF + "v2g_sites:\n"))
    return load_study(p)


def test_the_site_transformer_may_carry_its_own_fuse(fused_site):
    import warnings

    from protv2g import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(fused_site, hosting=False)
    v = res.violations
    # (the head relay's C7/C10 inputs are left out of this study on purpose: not the fuse's)
    bad = v[v.status.astype(str).eq("not_evaluated") & v.device.astype(str).eq("f-depot")]
    assert not len(bad), bad.message.tolist()[:3]
    rows = res.device_faults
    fuse = rows[rows.device.astype(str).eq("f-depot")]
    scen = fuse.scenario.astype(str)
    # the fuse comes with the transformer: no row in the base case (the feeder today) …
    assert len(fuse) and not scen.str.startswith("base").any()
    # … and in the V2G scenarios it sees the through-fault at its 480 V terminals: a bolted
    # 3ph there is at most 2 MVA / 5.64 % on 12.47 kV = 1.64 kA (infinite source; hand)
    lv = fuse[fuse.fault_bus_name.astype(str).eq("depot_lv")
              & fuse.fault_type.astype(str).eq("3ph") & fuse.case.astype(str).eq("max")]
    assert len(lv)
    i_a = lv.ia_ka.to_numpy(float) * 1e3
    assert ((i_a > 1000.0) & (i_a < 1.1 * 2000 / (np.sqrt(3) * 12.47 * 0.0564))).all()
    # … and its terminal fault (review rev33a W1): the close-in bus between b2 and the
    # transformer, the fault at b2 itself (its stub 1e-7 pu), in the V2G scenarios only (the
    # stub leaves the base case with the transformer); C7 judges it there, and C5 too (its
    # reach, review rev37a F8: the fault between the fuse and the winding is in its zone and
    # nobody else's): the minimum case's resistance-limited SLG fault there (≈ 230 A) is under
    # 1.5 × the 140K link's 310 A minimum melt — under the melt itself: the fuse does not clear
    # a fault at its own terminal (before F8 the bus was no requirement: no row)
    ci = fuse[fuse.fault_bus_name.astype(str).eq("f-depot close-in")
              & fuse.fault_type.astype(str).eq("3ph") & fuse.case.astype(str).eq("max")]
    assert len(ci)
    f = res.fault_currents
    at = f[f.fault_type.astype(str).eq("3ph") & f.case.astype(str).eq("max")]
    dead = at[at.bus_name.astype(str).eq("f-depot close-in")
              & at.scenario.astype(str).str.startswith("base")]
    assert (dead[["ia_ka", "ib_ka", "ic_ka"]].to_numpy(float) < 1e-9).all()  # de-energised
    b2 = at[at.bus_name.astype(str).eq("b2")].set_index("scenario").ia_ka
    for scen, i_ka in zip(ci.scenario.astype(str), ci.ia_ka.astype(float), strict=True):
        assert i_ka > 0.9 * b2[scen]  # the feeder's part: all but what the depot feeds
    duty = v[v.criterion.astype(str).eq("C7") & v.device.astype(str).eq("f-depot")]
    assert set(duty.fault_bus.astype(str)) <= {"f-depot close-in"}
    c5 = v[v.criterion.astype(str).eq("C5") & v.device.astype(str).eq("f-depot")
           & v.status.astype(str).eq("fail") & v.fault_bus.astype(str).eq("f-depot close-in")]
    assert len(c5)
    assert c5.i_other_a.astype(float).to_numpy() == pytest.approx(310.0, rel=1e-3)
    assert (c5.i_device_a.astype(float).to_numpy() < 310.0).all()


def test_a_ynyn_site_transformer_is_no_zero_sequence_source(folder, tmp_path):
    """Review rev35b M4 (IEEE 13/123: "depot's transformer depot_xf (YNyn) (a zero-sequence
    source that comes with the project)"). OpenDSS, the small feeder with the depot
    transformer as YNyn and nothing on its 480 V side: a bolted SLG-a at b3 draws 0 A
    through it and the head's 3I0 is the same with and without it — so it is not named."""
    import opendssdirect

    from protv2g.study.dss_site_transformers import grounded_site_transformers
    from protv2g.study.loader import load_study

    ynyn = XF.replace("conns=(wye, delta)", "conns=(wye, wye)").replace("(YNd)", "(YNyn)")
    (tmp_path / "Master.dss").write_text((folder / "Master.dss").read_text())
    (tmp_path / "depot_xf.dss").write_text(ynyn)

    def head_3i0_and_xf(with_xf: bool) -> tuple[float, float]:
        dss = opendssdirect.NewContext()
        dss.Text.Command("clear")
        dss.Text.Command(f'redirect "{tmp_path / "Master.dss"}"')
        if with_xf:
            dss.Text.Command(f'redirect "{tmp_path / "depot_xf.dss"}"')
        dss.Text.Command("batchedit load..* enabled=no")
        dss.Text.Command("new fault.f bus1=b3.1 phases=1 r=0.0001")
        dss.Solution.Solve()
        dss.Circuit.SetActiveElement("line.l1")
        c = np.asarray(dss.CktElement.Currents())
        i0 = abs(complex(c[0:6:2].sum(), c[1:6:2].sum()))
        xf = 0.0
        if with_xf:
            dss.Circuit.SetActiveElement("transformer.depot_xf")
            x = np.asarray(dss.CktElement.Currents())
            xf = float(np.abs(x[0:8:2] + 1j * x[1:8:2]).max())
        return i0, xf

    i0_with, i_xf = head_3i0_and_xf(True)
    i0_without, _ = head_3i0_and_xf(False)
    assert i_xf < 1.0 and i0_with == pytest.approx(i0_without, rel=1e-3) and i0_with > 1000
    assert grounded_site_transformers(load_study(_study(tmp_path, "ynyn"))) == {}
