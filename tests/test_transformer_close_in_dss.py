"""A device on a transformer is judged at the fault at its own terminal: the OpenDSS path
(review rev33a W1; the pandapower path is ``tests/test_transformer_close_in.py``).

The project's OpenDSS example feeder with a 2.5 MVA 12.47/0.48 kV grounded-wye/grounded-wye
transformer ``depot_xf`` at b1 (a 1.5 MW load behind it, so that it feeds a fault at b1) and fuse
F-XF on its high-voltage side; the example's PV system is left out so that the base case's
current is the network's alone (no existing inverter added by magnitude). References, from
``opendssdirect`` (not computed by protv2g):

* the device's current for a fault just past it, by Kirchhoff at b1: the current into a
  ``Fault`` at b1 plus the transformer's own terminal-1 current for that fault,
  ``I_D(0⁺) = I_f(b1) + I_D(b1)`` (phasors, per phase);
* the bus's X/R: OpenDSS's ``Bus.Zsc1`` at b1 (``solve mode=faultstudy``);
* the duty: ``I_asym = I·√(1 + 2·e^(−2π/(X/R)))`` (IEEE C37.010-1999 §5.3 at half a cycle,
  ``engine/asymmetry.asym_rms_ka`` written out) against the fuse's asymmetrical rating.

The study runs the classical method (the example's: OpenDSS's own fault-study conventions), so
OpenDSS's fault at b1 is the reference current itself.
"""

from __future__ import annotations

import math
import shutil
import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import PhaseDevice, phase_fault_study  # noqa: E402
from protv2g.network.close_in_distance import TRANSFORMER_STUB_X_PU  # noqa: E402
from protv2g.network.dss_close_in import close_in_model  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.opendss_reference import opendss_faulted  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

from .conftest import FEEDERS_DIR, with_lines_before_voltage_bases  # noqa: E402

XF = """New Transformer.depot_xf phases=3 windings=2 buses=(b1, depot_lv) conns=(wye, wye)
~ kvs=(12.47, 0.48) kvas=(2500, 2500) xhl=5.75 %r=0.6
New Load.depot bus1=depot_lv phases=3 conn=wye model=1 kv=0.48 kw=1500 kvar=300
"""
FUSE = """  - name: F-XF
    kind: fuse
    location: {trafo: depot_xf, side: hv}
    link: 65K
    interrupting_rating_ka: 5
"""
R_FAULT_OHM = 1e-4
F_HZ = 60.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("dss_xf")
    shutil.copytree(FEEDERS_DIR / "opendss_example", out, dirs_exist_ok=True)
    lines = [ln for ln in (out / "Master.dss").read_text().splitlines()
             if not ln.startswith("New PVSystem.pv3")]
    lines = with_lines_before_voltage_bases(lines, XF, "Set VoltageBases=(115, 12.47, 0.48)")
    (out / "Master.dss").write_text("\n".join(lines) + "\n")
    text = (out / "study.yaml").read_text()
    assert text.count("faults:\n") == 1
    (out / "study.yaml").write_text(text.replace("faults:\n", FUSE + "faults:\n"))
    return out


@pytest.fixture(scope="module")
def model(folder):
    return load_dss_model(folder / "Master.dss")


def test_close_in_model_moves_the_transformer_terminal(model) -> None:
    ci = close_in_model(model, [("transformer.depot_xf", 1, "F-XF")])
    row = ci.table.iloc[0]
    assert (row.bus_name, row.line, int(row.terminal), row.near_bus_name, row.section) == (
        "f-xf close-in", "transformer.depot_xf", 1, "b1", "transformer.depot_xf~stub1")
    m = ci.model
    assert m.buses.at["f-xf close-in", "phases"] == "abc"
    xf = m.element_y("transformer.depot_xf")
    assert xf.buses[0] == "f-xf close-in"
    stub = m.element_y("transformer.depot_xf", 1)  # what a device at terminal 1 measures
    assert stub.name == "transformer.depot_xf~stub1" and stub.buses == ("b1", "f-xf close-in")
    # per conductor 1/(j·1e-7·12.47² Ω): purely reactive, no coupling
    y = stub.yprim_s[:3, :3]
    np.testing.assert_allclose(y, np.eye(3) / (1j * TRANSFORMER_STUB_X_PU * 12.47**2),
                               rtol=1e-12)
    names = m.elements.name.tolist()
    assert "transformer.depot_xf~stub1" in names and len(names) == len(model.elements) + 1
    assert len(model.buses) + 1 == len(m.buses) and m.n_nodes == model.n_nodes + 3


@pytest.mark.parametrize("fault_type,phases", [(FaultType.THREE_PHASE, "abc"),
                                               (FaultType.SINGLE_LINE_GROUND, "a")])
def test_close_in_current_is_the_superposition_limit_of_opendss(folder, model, fault_type,
                                                                 phases) -> None:
    ci = close_in_model(model, [("transformer.depot_xf", 1, "F-XF")])
    res = phase_fault_study(ci.model, method=Method.CLASSICAL, cases=[Case.MAX],
                            r_fault_ohm=R_FAULT_OHM, fault_types=[fault_type],
                            devices=[PhaseDevice("F-XF", "transformer.depot_xf", 1)],
                            buses=["f-xf close-in", "b1"])
    dev = res.device[(res.device.fault_bus_name == "f-xf close-in")
                     & (res.device.phase.isin([phases]))].iloc[0]
    ref = opendss_faulted(folder / "Master.dss", "b1", phases, True, R_FAULT_OHM,
                          ["transformer.depot_xf"])
    fault, xf = np.asarray(ref["fault"]), np.asarray(ref["transformer.depot_xf"])
    limit = fault + xf[: len(fault)]  # terminal 1's phase conductors, into the transformer
    assert np.abs(xf[: len(fault)]).max() > 4.0  # the load behind it feeds the fault at b1
    for k, p in enumerate(phases):
        ours = dev[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(dev[f"i{p}_degree"]))
        assert abs(ours - limit[k]) <= 1e-3 * abs(limit[k]), (p, ours, limit[k])
    # on the model without the close-in bus, the fuse sees only the transformer's few amps
    # for the fault at b1: the terminal fault was missing
    assert np.abs(xf[: len(fault)]).max() < 0.01 * np.abs(fault).max()


@pytest.fixture(scope="module")
def duty(folder):
    from protv2g.checks import check_context
    from protv2g.checks.duty import check_duty
    from protv2g.pipeline import fault_tables, study_with_sites
    from protv2g.scenarios import build_scenarios
    from protv2g.study.loader import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = study_with_sites(load_study(folder / "study.yaml"))
        scen = build_scenarios(study.document)
        ctx = check_context(study, fault_tables(study, scen), None, scen)
        rows = check_duty(ctx)
    return ctx, rows, ctx.cache["duty_frame"].frame


def _zsc1_x_r(folder) -> float:
    from protv2g.network.dss_model import _enter_fault_study, compile_model, solve_power_flow

    dss, warn = compile_model(folder / "Master.dss", ())
    solve_power_flow(dss, True, warn)
    _enter_fault_study(dss, str(folder / "Master.dss"))
    dss.Text.Command("solve mode=faultstudy")
    dss.Circuit.SetActiveBus("b1")
    r, x = dss.Bus.Zsc1()
    return x / r


def test_c7_judges_the_fuse_at_its_terminal_fault(folder, duty) -> None:
    """F-XF's duty is the 3ph fault at its terminal: OpenDSS's 4.27 kA at b1 at OpenDSS's X/R
    4.0 → 5.1 kA asymmetrical, over its 5 kA rating (before the fix: the 480 V through-fault,
    1.34 kA at 12.47 kV, and C7 passed)."""
    ctx, rows, frame = duty
    base = sorted(s for s, b in ctx.base_of.items() if s == b)[0]
    row = frame[(frame.device == "F-XF") & (frame.scenario == base)].iloc[0]
    assert (row.fault_bus_name, row.fault_type) == ("f-xf close-in", "3ph")
    ref = opendss_faulted(folder / "Master.dss", "b1", "abc", True, R_FAULT_OHM,
                          ["transformer.depot_xf"])
    limit = np.abs(np.asarray(ref["fault"]) + np.asarray(ref["transformer.depot_xf"])[:3])
    assert row.i_max_ka * 1e3 == pytest.approx(limit.max(), rel=2e-3)
    x_r = _zsc1_x_r(folder)
    assert row.x_r == pytest.approx(x_r, rel=1e-3)
    i_ka = limit.max() / 1e3
    i_asym_ka = i_ka * math.sqrt(1.0 + 2.0 * math.exp(-2.0 * math.pi / x_r))
    assert row.rating_basis == "asym"
    assert row.i_duty_ka == pytest.approx(i_asym_ka, rel=3e-3)
    fails = rows[(rows.criterion == "C7") & (rows.device == "F-XF")
                 & (rows.status.astype(str) == "fail")]
    assert len(fails) and set(fails.fault_bus) == {"f-xf close-in"}
