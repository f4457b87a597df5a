"""``DssFlowEngine.solve(..., keep_base_open=True)`` (regb45): a base case's elements stay open
for the next base-case solve, and the next solve that is not the base case's closes them and
re-energises first — its result is the one after an ordinary base-case solve.

The feeder: 12.47 kV source, 3 mi of trunk to ``b2`` (1.2 MW of load), and a site's own 1 MVA
Dyn transformer ``depot_xf`` to ``depot_lv`` (the base case's element out, ``base_open``).
Reference (not computed by protv2g): OpenDSS in a fresh ``opendssdirect`` context, the site's
800 kW export a three-phase generator at unity power factor (``model=1``) on ``depot_lv``.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.kbo basekv=12.47 pu=1.0 phases=3 bus1=sub MVAsc3=60 MVAsc1=50 x1r1=6 x0r0=3
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l1 phases=3 bus1=sub bus2=b2 linecode=trunk length=3 units=mi
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1200 kvar=400
New Transformer.depot_xf phases=3 windings=2 buses=(b2, depot_lv) conns=(delta, wye)
~ kvs=(12.47, 0.48) kvas=(1000, 1000) xhl=5.75 %r=0.8
Set VoltageBases=(12.47, 0.48)
CalcVoltageBases
"""


def test_base_case_left_open_then_re_energised(tmp_path) -> None:
    import opendssdirect

    from protv2g.flow.opendss import DssFlowEngine, DssFlowSite
    from protv2g.network.dss_model import load_dss_model

    path = tmp_path / "Master.dss"
    path.write_text(MASTER)
    model = load_dss_model(path)
    eng = DssFlowEngine(model, [DssFlowSite("depot", "depot_lv", "abc")],
                        base_open=("transformer.depot_xf",))
    lv = [model.node_names.tolist().index(f"depot_lv.{k}") for k in (1, 2, 3)]
    one, idle, export = np.array([1.0]), np.array([[0.0]]), np.array([[0.8]])

    base = eng.solve(one, idle, base_case=True)
    after_base = eng.solve(one, export)
    assert not eng.base_left_open
    kept = [eng.solve(one, idle, base_case=True, keep_base_open=True) for _ in range(2)]
    assert eng.base_left_open
    for arr in kept:  # the base case again, its transformer still open: depot_lv dead
        assert arr.converged.all() and np.isnan(arr.v_v[0, lv]).all()
        np.testing.assert_allclose(np.abs(arr.v_v), np.abs(base.v_v), rtol=1e-6)
    after_kept = eng.solve(one, export)  # closes and re-energises first
    assert not eng.base_left_open
    assert np.isfinite(after_kept.v_v[0, lv]).all()
    np.testing.assert_allclose(np.abs(after_kept.v_v), np.abs(after_base.v_v), rtol=1e-6)

    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{path}"')
    dss.Text.Command("new generator.site bus1=depot_lv.1.2.3 phases=3 kv=0.48 kw=800 pf=1 "
                     "model=1 conn=delta vminpu=0.5 vmaxpu=1.5")
    dss.Text.Command("set mode=snapshot")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Circuit.SetActiveBus("depot_lv")
    ref = np.asarray(dss.Bus.Voltages())
    ref = np.abs(ref[0::2] + 1j * ref[1::2])[:3]
    np.testing.assert_allclose(np.abs(after_kept.v_v[0, lv]), ref, rtol=1e-4)
