"""A feeder's own PV system or storage is counted once on the OpenDSS path, classical method
(review rev41b W4, session 41).

``phase_fault_study(existing_inverters="law")`` takes each unit out of ``Y`` and adds it back
as the control law's current. OpenDSS's fault study solves its open-circuit voltages with the
unit still a source (``Y·Voc = J + J_unit``); until session 41 the pre-fault voltage lost the
unit's admittance but kept its injection, so the study's maximum case was OpenDSS's fault
study *with* the unit plus the law's current (b3 3ph 611.8 A against 655.2 A) and its minimum
case (unit ceased) 553.4 A against the grid alone's 596.9 A.

Case: the shipped ``synchronous-generator-source/master_nogen.dss`` (12.47 kV, 16 km of line,
its generator commented out) with a 1,000 kVA ``PVSystem`` (or a 1,000 kW ``Storage``
discharging) at b3. Reference, not computed by protv2g: OpenDSS's own fault study
(``solve mode=faultstudy``, :func:`protv2g.network.opendss_reference.opendss_fault_study`)
on the same master **without** the unit — the grid alone. The minimum case must equal it;
the maximum case minus the unit's own current (the study's charger table) too. Lines at
20 °C (``endtemp_degree=None``) so that the minimum case is OpenDSS's network.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import phase_fault_study  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.opendss_reference import opendss_fault_study  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

from .conftest import SHARED_DIR, need_dss_master  # noqa: E402

REL_TOL = 0.001  # 0.1 %
UNITS = {
    "pv": "New PVSystem.pv1 phases=3 bus1=b3 kV=12.47 kVA=1000 Pmpp=1000 irradiance=1",
    "storage": ("New Storage.bess phases=3 bus1=b3 kV=12.47 kWrated=1000 kVA=1000 "
                "kWhrated=4000 %stored=80 State=DISCHARGING %Discharge=100"),
    # OpenDSS's inverter approximation (Generator model 7): an inverter since session 42
    # (review rev41b M6), a synchronous machine behind Xdp 0.28 pu before
    "generator_model7": ("New Generator.pvgen bus1=b3 kV=12.47 kW=1000 kVA=1000 pf=1 model=7 "
                         "Vminpu=0.8"),
}


#: OpenDSS's inverter approximation, 2 MW at b2 (review rev41b's sg4_model7.dss)
MODEL7_AT_B2 = "New Generator.pvgen bus1=b2 kV=12.47 kW=2000 kVA=2000 pf=1 model=7 Vminpu=0.8"


def _with_unit(tmp_path, line: str):
    """The shared master without a source of its own (``grid.dss``) and with ``line``."""
    src = need_dss_master(SHARED_DIR / "cases" / "synchronous-generator-source"
                          / "master_nogen.dss")
    text = src.read_text()
    cut = text.index("Set VoltageBases")
    grid = tmp_path / "grid.dss"
    grid.write_text(text)
    with_unit = tmp_path / "with_unit.dss"
    with_unit.write_text(text[:cut] + line + "\n" + text[cut:])
    return grid, with_unit


def _masters(tmp_path, unit: str):
    return _with_unit(tmp_path, UNITS[unit])


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_unit_counted_once_classical(tmp_path, unit):
    grid, with_unit = _masters(tmp_path, unit)
    ref, _ = opendss_fault_study(grid)
    ref_a = ref[ref.phase == "a"].set_index("bus").isc_a
    model = load_dss_model(with_unit)
    assert len(model.inverters) == 1
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX, Case.MIN],
                            fault_types=[FaultType.THREE_PHASE], existing_inverters="law",
                            endtemp_degree=None, buses=["b1", "b2", "b3"])
    names = res.bus_names[res.rows.bus]
    unit_i = res.charger_i_abc_a["base"]  # [case, site, row, phase]
    assert unit_i.shape[1] == 1
    for r, bus in enumerate(names):
        i_max = res.bus_i_abc_a[0, 0, r]
        i_min = res.bus_i_abc_a[0, 1, r]
        grid_a = ref_a[bus]
        # minimum case: the unit ceased, the grid alone (old code: b3 553.4 vs 596.9 A)
        np.testing.assert_allclose(np.abs(i_min), grid_a, rtol=REL_TOL, err_msg=f"min {bus}")
        assert np.abs(unit_i[1, 0, r]).max() == 0.0
        # maximum case: the grid alone + the unit's own current, once
        own = unit_i[0, 0, r]
        assert np.abs(own).max() > 30.0  # the unit does feed the fault (≈ 69 A at b3)
        np.testing.assert_allclose(np.abs(i_max - own), grid_a, rtol=REL_TOL,
                                   err_msg=f"max {bus}")


def test_generator_model7_is_a_current_limited_inverter(tmp_path):
    """An OpenDSS ``Generator`` of ``model=7`` (OpenDSS's current-limited inverter
    approximation) feeds a fault as an inverter at the first-cycle limit, not as OpenDSS's
    fault study has it (a machine behind Xdp = 0.28 pu, its default; review rev41b M6: 2 MW at
    12.47 kV adds 224 A at its bus). Hand: 1.5 pu × 2,000 kVA / (√3 × 12.47 kV) = 138.9 A
    (the chargers' first-cycle limit, protv2g.engine.der_model); the rest of the feeder is
    OpenDSS's fault study of the same master without the unit."""
    grid, with_unit = _with_unit(tmp_path, MODEL7_AT_B2)
    ref_grid, _ = opendss_fault_study(grid)
    ref_unit, _ = opendss_fault_study(with_unit)
    grid_b2 = float(ref_grid[(ref_grid.bus == "b2") & (ref_grid.phase == "a")].isc_a.iat[0])
    dss_b2 = float(ref_unit[(ref_unit.bus == "b2") & (ref_unit.phase == "a")].isc_a.iat[0])
    assert dss_b2 - grid_b2 > 200.0  # OpenDSS's own fault study: the machine behind Xdp
    model = load_dss_model(with_unit)
    assert [e.name for e in model.inverters] == ["generator.pvgen"]
    assert model.machines == ()
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX],
                            fault_types=[FaultType.THREE_PHASE], existing_inverters="law",
                            endtemp_degree=None, buses=["b2"])
    own = np.abs(res.charger_i_abc_a["base"][0, 0, 0])
    limit_a = 1.5 * 2000.0 / (np.sqrt(3) * 12.47)
    np.testing.assert_allclose(own, limit_a, rtol=1e-3)  # 138.9 A, the limit binds at b2
    total = np.abs(res.bus_i_abc_a[0, 0, 0])
    assert np.all(total <= grid_b2 + limit_a + 1e-6)  # old code: 1037.3 A (OpenDSS's 981.6)


def test_init_asks_whether_a_model7_generator_is_an_inverter(tmp_path):
    """``protv2g init`` drafts a TODO on a Generator of ``model=7`` (review rev41b M6: it was
    listed with no TODO) that ``protv2g validate`` lists."""
    from protv2g.study.todos import todo_items
    from protv2g.study_draft import draft_study

    _, master = _with_unit(tmp_path, MODEL7_AT_B2)
    draft = draft_study(master)
    assert "generator.pvgen: inverter or synchronous machine" in draft.todos
    study = tmp_path / "study.yaml"
    study.write_text(draft.text)
    items = [i for i in todo_items(study) if "generator.pvgen" in i.message]
    assert len(items) == 1 and "model=7" in items[0].message, items
    assert "model=1" in items[0].fix
