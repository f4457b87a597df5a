"""A site's own transformer that also feeds the site's own auxiliary load (review rev35a M1).

rev35a (EPRI ckt5): a depot's redirect adds ``Transformer.depot_xf`` (1 MVA, 796 →
depot_lv) and ``Load.depot_aux`` (40 kW on depot_lv: lighting, compressors). ``init`` did not
name the transformer ``model_transformer`` and said nothing, ``validate`` said "valid" (the
project's transformer silently became the utility's plant, no "no device at transformer"
warning), and naming it by hand was refused ("also supplies load.depot_aux … remove
model_transformer if the transformer is the utility's"). Now a load the redirects add behind
the site's transformer comes with the project: out of the base case with the transformer, in
every V2G scenario, and said so; a load the model itself has there stays refused, the fix
naming both choices.

References (nothing here is computed by protv2g): OpenDSS in a fresh ``opendssdirect``
engine — the V2G flows with the site as OpenDSS's own constant-power generator (``model=1``,
``pf=1``, ``conn=delta``: a three-wire converter) of ± the participating kW on depot_lv, the
base case as the master compiled without the redirect; the faults with every load disabled
(IEC 60909-0:2016 §5.1 neglects non-rotating loads) and the source at 1.0 pu — ``c_min``
1.00 on 12.47 kV, 0.95 on 480 V (Table 1), lines at 20 °C.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.errors import InputError  # noqa: E402
from protv2g.study.loader import load_study, validate_study_warnings  # noqa: E402

from .test_dss_site_transformer import FUSE_ON_XF, MASTER, STUDY, XF  # noqa: E402

AUX = "New Load.depot_aux phases=3 bus1=depot_lv kv=0.48 kW=40 pf=0.95\n"
XF_AUX = XF.replace("Set VoltageBases", AUX + "Set VoltageBases", 1)
SHOP = "New Load.shop phases=3 bus1=depot_lv kv=0.48 kW=50\n"


def _write(folder: Path, redirect: str = XF_AUX, master: str = MASTER,
           extra: str = ", model_transformer: depot_xf", fuse: bool = True) -> Path:
    (folder / "Master.dss").write_text(master)
    (folder / "depot_xf.dss").write_text(redirect)
    text = STUDY.format(bus="depot_lv", extra=extra)
    if fuse:
        text = text.replace("v2g_sites:\n", FUSE_ON_XF + "v2g_sites:\n")
    p = folder / "study.yaml"
    p.write_text(text)
    return p


@pytest.fixture(scope="module")
def aux_study(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("aux"))


def test_validate_accepts_the_redirects_load_and_says_so(aux_study):
    problems, warned = validate_study_warnings(aux_study)
    assert problems == []  # before: "transformer 'depot_xf' also supplies load.depot_aux"
    hits = [w for w in warned if "load.depot_aux (40 kW)" in w.message]
    assert len(hits) == 1, [w.message for w in warned]
    (w,) = hits
    assert w.field == "v2g_sites[0].model_transformer"
    assert "taken out of the base case (no V2G) with the transformer" in w.message
    assert "in every V2G scenario" in w.message


def test_a_load_of_the_model_behind_it_is_refused_naming_both_choices(tmp_path):
    path = _write(tmp_path, redirect=XF, master=MASTER.replace(
        "Set VoltageBases", SHOP + "Set VoltageBases", 1))
    with pytest.raises(InputError) as exc:
        load_study(path)
    (issue,) = [i for i in exc.value.issues if "load.shop" in i.message]
    assert issue.field == "v2g_sites[0].model_transformer"
    assert "which the OpenDSS model itself has" in issue.message
    # both choices: the load comes with the project, or the transformer is the utility's
    assert "define it in the feeder.redirects script with the transformer" in issue.fix
    assert "remove model_transformer" in issue.fix


def test_init_names_the_transformer_with_its_load(tmp_path):
    from protv2g.study_draft.draft import draft_study, parse_site

    _write(tmp_path, fuse=False)
    text = draft_study(tmp_path / "Master.dss", redirects=[tmp_path / "depot_xf.dss"],
                       sites=[parse_site("depot:depot_lv:10:100")]).text
    line = next(ln for ln in text.splitlines() if "model_transformer:" in ln)
    assert line.strip().startswith("model_transformer: depot_xf  # the site's own"), line
    assert "load.depot_aux (40 kW)" in line
    # the study without it: validate proposes it, with the load it takes along
    bare = _write(tmp_path, extra="", fuse=False)
    _problems, warned = validate_study_warnings(bare)
    (w,) = [w for w in warned if "fed only through transformer 'depot_xf'" in w.message]
    assert "model_transformer: depot_xf with the loads the redirects add" in w.fix
    assert "load.depot_aux (40 kW)" in w.fix


def _opendss_flow(folder: Path, site_kw: float | None) -> dict[str, tuple[float, float]]:
    """(largest phase current A, three-phase P kW) at terminal 1 of the transformer and of
    the head's line; ``site_kw`` None: the master alone (the base case)."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{folder / "Master.dss"}"')
    if site_kw is not None:
        dss.Text.Command(f'redirect "{folder / "depot_xf.dss"}"')
        dss.Text.Command(f"new generator.site phases=3 bus1=depot_lv.1.2.3 kv=0.48 "
                         f"kw={site_kw} pf=1 model=1 vminpu=0.5 vmaxpu=1.5 conn=delta")
    # both solves stop at OpenDSS's default convergence tolerance (1e-4 pu), protv2g's from
    # its own start voltages (the feeder re-energised after the base case): each within
    # ≈ 1e-4 of the converged value, so within 2e-4 of each other (export fuse current:
    # tolerance 1e-8 47.9143 A, protv2g 47.9107 A, this flat-start solve 47.9175 A)
    dss.Text.Command("set loadmult=1 maxiterations=100 maxcontroliter=100")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    out = {}
    for el in ("transformer.depot_xf", "line.l1"):
        if site_kw is None and el.startswith("transformer"):
            continue
        dss.Circuit.SetActiveElement(el)
        c = np.asarray(dss.CktElement.Currents(), dtype=float)
        p = np.asarray(dss.CktElement.Powers(), dtype=float)
        out[el] = (float(np.abs(c[0:6:2] + 1j * c[1:6:2]).max()), float(p[0:6:2].sum()))
    return out


def test_flows_carry_the_aux_load_against_opendss(aux_study):
    from protv2g.pipeline_dss import dss_flow

    study = load_study(aux_study)
    site = study.document.v2g_sites[0]
    kw = site.participation.expected * site.n_chargers * site.p_charger_kw  # 0.8 × 1 MW
    dev = dss_flow(study, day=False).devices
    fuse = dev[dev.device == "f-depot"].set_index("scenario")
    head = dev[dev.device == "head"].set_index("scenario")
    folder = aux_study.parent
    charging, export, base = (_opendss_flow(folder, x) for x in (-kw, kw, None))
    for scen, ref in (("charging/expected", charging), ("expected/peak/100%", export)):
        i_a, p_kw = ref["transformer.depot_xf"]
        assert float(fuse.loc[scen, "i_a"]) == pytest.approx(i_a, rel=2.5e-4)
        assert float(fuse.loc[scen, "p_mw"]) * 1e3 == pytest.approx(p_kw, rel=2.5e-4)
        assert float(head.loc[scen, "i_a"]) == pytest.approx(ref["line.l1"][0], rel=2.5e-4)
    # the aux load is in both: charging kW + 40, export kW − 40 (+ the transformer's losses)
    assert charging["transformer.depot_xf"][1] == pytest.approx(kw + 40, abs=5)
    assert -export["transformer.depot_xf"][1] == pytest.approx(kw - 40, abs=5)
    # the base case: the feeder without the transformer and its load (the master alone)
    assert float(fuse.loc["base/peak", "i_a"]) < 1e-6
    assert float(head.loc["base/peak", "i_a"]) == pytest.approx(base["line.l1"][0], rel=2.5e-4)


def _opendss_fault(folder: Path, bus: str, three_phase: bool, r_ohm: float
                   ) -> tuple[float, float]:
    """(largest phase current, |3I0|) A at the transformer's 12.47 kV terminal for a fault at
    ``bus``: every load off, the source at 1.0 pu."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{folder / "Master.dss"}"')
    dss.Text.Command(f'redirect "{folder / "depot_xf.dss"}"')
    dss.Text.Command("batchedit load..* enabled=no")
    dss.Text.Command("vsource.source.pu=1.0")
    where = f"phases=3 bus1={bus}.1.2.3" if three_phase else f"phases=1 bus1={bus}.1 bus2={bus}.0"
    dss.Text.Command(f"new fault.f {where} r={r_ohm}")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Transformer.depot_xf")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    c = c[0:6:2] + 1j * c[1:6:2]
    return float(np.abs(c).max()), float(abs(c.sum()))


def test_faults_at_the_transformers_terminals_leave_the_load_out(aux_study, tmp_path):
    from protv2g.engine.phase import PhaseDevice, phase_fault_study
    from protv2g.engine.phase.study import Case

    model = load_study(aux_study).model
    plain = load_study(_write(tmp_path, redirect=XF)).model  # the same without the load
    dev = [PhaseDevice("f", "transformer.depot_xf", 1)]

    def rows(m, bus: str, kind: str):
        r = phase_fault_study(m, cases=(Case.MIN,), r_fault_min_ohm=20, devices=dev,
                              buses=[bus], endtemp_degree=None)
        d = r.device_rows(0.0)
        return d[d.fault_type.astype(str).str.startswith(kind)]

    folder = aux_study.parent
    lv = rows(model, "depot_lv", "3ph")
    want, _ = _opendss_fault(folder, "depot_lv", True, 1e-4)
    # the 480 V terminals, bolted: c_min 0.95 (LV), 948 A in OpenDSS at 1.0 pu
    assert float(lv.ia_ka.iat[0]) * 1e3 == pytest.approx(0.95 * want, rel=0.005)
    hv = rows(model, "b2", "SLG")
    _, want_3i0 = _opendss_fault(folder, "b2", False, 20.0)  # the YNd's 3I0, 20 Ω
    assert float(hv.i3i0_ka.iat[0]) * 1e3 == pytest.approx(want_3i0, rel=1e-3)
    # loads carry no fault current (IEC 60909): the same rows without the aux load
    for bus, kind, got in (("depot_lv", "3ph", lv), ("b2", "SLG", hv)):
        ref = rows(plain, bus, kind)
        np.testing.assert_allclose(got.ia_ka.to_numpy(float), ref.ia_ka.to_numpy(float),
                                   rtol=1e-9)


def test_run_says_so_in_the_feeder_warnings(aux_study):
    from protv2g import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(load_study(aux_study), hosting=False)
    fw = res.tables["Feeder warnings"]
    text = fw.astype(str).agg(" ".join, axis=1)
    assert text.str.contains("load.depot_aux (40 kW)", regex=False).sum() == 1
    rows = res.device_faults
    fuse = rows[rows.device.astype(str).eq("f-depot")]
    assert len(fuse) and not fuse.scenario.astype(str).str.startswith("base").any()
    # C11: behind the depot's own fuse only the project (its chargers and its own load): no
    # island of other customers (rev35a M1 on EPRI ckt5: the aux load turned rev32a W5's
    # info into "sustained island possible … anti-islanding must be shown")
    v = res.violations
    c11 = v[v.criterion.astype(str).eq("C11") & v.device.astype(str).eq("f-depot")]
    assert len(c11) and set(c11.status.astype(str)) == {"info"}, c11.message.tolist()[:1]
    assert all("the project's own load.depot_aux" in m for m in c11.message.astype(str))


def test_init_peak_leaves_the_projects_own_load_out(tmp_path):
    """init's "peak = the model's own snapshot load" is the feeder's without V2G: the depot's
    aux load behind its own transformer is the project's (review rev37a F2, EPRI ckt5: 7,173
    kW with it, 7,133 kW without). Hand sum of MASTER's loads: 1,500 + 800 + 400 = 2,700 kW."""
    from protv2g.study_draft.draft import draft_study, parse_site

    _write(tmp_path, fuse=False)
    text = draft_study(tmp_path / "Master.dss", redirects=[tmp_path / "depot_xf.dss"],
                       sites=[parse_site("depot:depot_lv:10:100")]).text
    line = next(ln for ln in text.splitlines() if "own snapshot load" in ln)
    assert "(2,700 kW" in line and "2,740" not in line, line
    assert "the project's own 40 kW behind its site transformer not counted" in line
