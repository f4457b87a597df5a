"""How a V2G site on one or two phases connects in the OpenDSS flow, and where it cannot.

The fault engine models a site on one or two phases as single-phase inverters, one per phase,
line to neutral, each with ``1/n`` of the site (:mod:`protv2g.engine.phase.sites`); the flow
connects it the same way (a wye ``Generator``, each phase line to neutral with ``1/n`` of the
power). On a bus with no ground path (a 3-wire system behind a delta winding) there is no
neutral: such a site is refused, in the flow and in the study loader.

References (nothing here is computed by protv2g): an independent OpenDSS run in a fresh
``opendssdirect`` context with the site as single-phase *Loads* of negative kW, one per phase,
each between its phase and ground (``kv`` line to neutral, ``status=fixed``) — another element
class than protv2g's Generator — its node voltages read with ``Circuit.AllBusVolts``.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.errors import InputError  # noqa: E402
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite  # noqa: E402
from protv2g.flow.opendss_ground import line_to_neutral_issue  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from tests.test_dss_ground import MODEL  # noqa: E402


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    path = tmp_path_factory.mktemp("phases") / "m.dss"
    path.write_text(MODEL.format(conns="wye, delta", lv="lv", extra=""))
    return load_dss_model(path), path


def _opendss_volts(path, bus: str, phases: str, p_kw: float, model) -> np.ndarray:
    """Node voltages (pu of each node's base, in ``model.node_names`` order) of OpenDSS with
    the site as one single-phase load per phase, ``-p_kw / n`` each, line to neutral."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{path}"')
    kv_ln = float(model.buses.at[bus, "kv_ln"])
    for p in phases:
        dss.Text.Command(f"new load.site_{p} bus1={bus}.{'abc'.index(p) + 1} phases=1 "
                         f"kv={kv_ln:.9g} kw={-p_kw / len(phases):.9g} pf=1 model=1 "
                         "status=fixed vminpu=0.5")
    dss.Text.Command("set mode=snapshot")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    names = [n.lower() for n in dss.Circuit.AllNodeNames()]
    raw = np.asarray(dss.Circuit.AllBusVolts())
    v = dict(zip(names, raw[0::2] + 1j * raw[1::2], strict=True))
    return np.array([v[n] for n in model.node_names])


@pytest.mark.parametrize("phases, p_kw", [("ac", 600.0), ("b", 400.0)])
def test_one_and_two_phase_sites_are_line_to_neutral_as_in_opendss(case, phases, p_kw) -> None:
    """600 kW on phases a and c (300 kW each, line to neutral) / 400 kW on phase b of the
    12.47 kV bus ``mv``: every node voltage of the flow within 1e-4 pu of OpenDSS's with the
    site as single-phase loads, and the site's phases rise unequally (it is no balanced
    three-phase injection)."""
    model, path = case
    eng = DssFlowEngine(model, [DssFlowSite("homes", "mv", phases)])
    cmd = eng.commands[0]
    assert "conn=delta" not in cmd and f"phases={len(phases)} " in cmd
    arr = eng.solve(np.array([1.0]), np.array([[p_kw / 1e3]]))
    assert arr.converged.all()
    ref = _opendss_volts(path, "mv", phases, p_kw, model)
    base = model.buses.kv_ln.to_numpy(float)[model.node_bus] * 1e3
    np.testing.assert_allclose(np.abs(arr.v_v[0]) / base, np.abs(ref) / base, atol=1e-4)
    mv = [model.node_names.tolist().index(f"mv.{k}") for k in (1, 2, 3)]
    vm = np.abs(arr.v_v[0, mv]) / base[mv]
    assert np.ptp(vm) > 1e-3


@pytest.mark.parametrize("phases", ["ac", "a"])
def test_a_site_on_fewer_phases_is_refused_on_a_bus_with_no_ground_path(case, phases) -> None:
    """``lv2`` is behind the YNd unit's delta winding (a 3-wire bus): a line-to-neutral site
    has no neutral there (its wye generator found no solution: 100 iterations, NaN); a
    three-phase site (delta) is accepted."""
    model, _ = case
    with pytest.raises(InputError, match="no path to ground"):
        DssFlowEngine(model, [DssFlowSite("homes", "lv2", phases)])
    assert line_to_neutral_issue(model, "lv2", "abc") is None
    assert line_to_neutral_issue(model, "mv", phases) is None
    assert line_to_neutral_issue(model, "nowhere", phases) is None
    DssFlowEngine(model, [DssFlowSite("depot", "lv2", "abc")])


def test_the_study_loader_refuses_a_single_phase_site_on_a_delta_bus(tmp_path) -> None:
    from protv2g.study.loader import load_study
    from tests.test_dss_site_transformer import MASTER, STUDY, XF

    (tmp_path / "Master.dss").write_text(MASTER)
    (tmp_path / "depot_xf.dss").write_text(XF)
    path = tmp_path / "study.yaml"
    path.write_text(STUDY.format(bus="depot_lv", extra=", phases: 1, phase: b, "
                                 "model_transformer: depot_xf"))
    with pytest.raises(InputError, match="no path to ground") as err:
        load_study(path)
    assert "v2g_sites[0].phases" in str(err.value)
    path.write_text(STUDY.format(bus="b3", extra=", phases: 1, phase: b"))
    load_study(path)
