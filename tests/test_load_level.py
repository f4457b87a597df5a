"""Load levels on a model with ``status=fixed``/``exempt`` loads (review rev34a W2).

References (nothing here is computed by protv2g):
* OpenDSS itself, in a fresh context of the same script: the loads' power (each load's
  ``CktElement.Powers``) at the ``LoadMult`` a hand calculation gives;
* hand: a load level f is f × (P_variable + P_held) of load, the held loads at their kW
  (OpenDSS Reference Guide, Load ``Status``: fixed and exempt loads are not scaled by
  ``LoadMult``).
"""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.flow.load_level import LoadSplit, load_multiplier

#: A 12.47 kV source and a line to ``b`` with a variable 1,000 kW load and a fixed 400 kW one
#: (constant-power model 1: the load's kW do not depend on the voltage).
MODEL = """Clear
New Circuit.ll basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=210
New Line.l1 bus1=src bus2=b phases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 length=1 units=km
New Load.v bus1=b phases=3 kv=12.47 kw=1000 pf=1 model=1
New Load.h bus1=b phases=3 kv=12.47 kw=400 pf=1 model=1 status={status}
Set voltagebases=[12.47]
Calcvoltagebases
"""


def _load_kw(dss) -> float:
    """The loads' total active power drawn, kW (each load's terminal powers)."""
    total, ok = 0.0, dss.Loads.First()
    while ok:
        total += float(np.sum(np.asarray(dss.CktElement.Powers())[0::2]))
        ok = dss.Loads.Next()
    return total


def test_multiplier_hand() -> None:
    # hand: 0.3 × 1400 = 420 kW of load; 400 held → the 1000 kW variable load at 0.02
    assert load_multiplier([0.3], 1000.0, 400.0)[0] == pytest.approx(0.02, abs=1e-12)
    # under the held share (400/1400 = 0.2857): LoadMult 0, and the note says so
    assert load_multiplier([0.2], 1000.0, 400.0)[0] == pytest.approx(0.0, abs=1e-12)
    note = LoadSplit(1000.0, 400.0, 1).note(np.array([0.2, 1.0]))
    assert "0.2 → LoadMult 0" in note and "under the held loads' own 0.286" in note
    # nothing held: LoadMult = the fraction, and no note
    np.testing.assert_allclose(load_multiplier([0.3, 1.0], 1000.0, 0.0), [0.3, 1.0])
    assert LoadSplit(1000.0, 0.0, 0).note(np.array([0.3])) is None


@pytest.mark.parametrize("status", ["fixed", "exempt"])
def test_flow_load_is_the_fraction_of_peak(tmp_path, status) -> None:
    dss_mod = pytest.importorskip("opendssdirect")
    from protv2g.flow.opendss import DssFlowEngine
    from protv2g.network.dss_model import load_dss_model

    path = tmp_path / "ll.dss"
    path.write_text(MODEL.format(status=status))
    model = load_dss_model(path)
    engine = DssFlowEngine(model)
    engine.solve(np.array([0.3]), np.zeros((0, 1)))
    assert any("status=fixed/exempt" in n for n in engine.notes)
    dss = engine._dss  # the engine's own context: its load after the step
    p_load_kw = _load_kw(dss)
    assert p_load_kw == pytest.approx(0.3 * 1400.0, rel=1e-4)  # hand: 420 kW
    # independent: OpenDSS in a fresh context at the hand LoadMult 0.02 draws the same
    dss_mod.Text.Command(f"redirect {path}")
    dss_mod.Solution.LoadMult(0.02)
    dss_mod.Solution.Solve()
    assert p_load_kw == pytest.approx(_load_kw(dss_mod), rel=1e-4)  # solution tolerance
    # and the old behaviour (LoadMult = 0.3) is not what the step solved: 700 kW of load
    dss_mod.Solution.LoadMult(0.3)
    dss_mod.Solution.Solve()
    assert _load_kw(dss_mod) == pytest.approx(700.0, rel=1e-4)


def test_held_loads_are_said_in_validate_and_the_workbook(tmp_path) -> None:
    """ver34 M-A: the note reached only the flows' meta notes, which `run` never prints."""
    pytest.importorskip("opendssdirect")
    from types import SimpleNamespace

    from protv2g.flow.load_level import held_load_issues
    from protv2g.network.dss_model import load_dss_model

    path = tmp_path / "ll.dss"
    path.write_text(MODEL.format(status="fixed"))
    study = SimpleNamespace(model=load_dss_model(path), path=tmp_path / "study.yaml",
                            document=SimpleNamespace(
                                scenarios=SimpleNamespace(light_load_fraction=0.3)))
    (issue,) = held_load_issues(study)
    assert issue.field == "scenarios.light_load_fraction"
    assert "0.3 → LoadMult 0.02" in issue.message  # hand: (0.3·1400 − 400)/1000
    path.write_text(MODEL.format(status="variable"))
    study.model = load_dss_model(path)
    assert held_load_issues(study) == []
