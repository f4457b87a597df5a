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
}


def _masters(tmp_path, unit: str):
    src = need_dss_master(SHARED_DIR / "cases" / "synchronous-generator-source"
                          / "master_nogen.dss")
    text = src.read_text()
    cut = text.index("Set VoltageBases")
    grid = tmp_path / "grid.dss"
    grid.write_text(text)
    with_unit = tmp_path / "with_unit.dss"
    with_unit.write_text(text[:cut] + UNITS[unit] + "\n" + text[cut:])
    return grid, with_unit


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
