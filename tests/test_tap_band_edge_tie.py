"""The snapshot's first solve from its base case's band edge is read with the tie rule
(review rev50a #1, hst50; :mod:`protv2g.flow.edge_tie`).

IEEE 123 (shared data, the source of rev50a's study: MVAsc3 150, MVAsc1 120, X1R1 8,
X0R0 3), homes exporting on 114.a at peak. With the regulators at the bottom of their band
(base case: reg4b at 1.00625, its compensated voltage 0.107 V inside its 123 V edge), the
homes' 14.175 kW bring reg4b's control to 0.0001 V below 123 V — inside OpenDSS's 0.012 V
convergence tolerance. Solved after 13.5 kW OpenDSS's control raised reg4b to 1.0125 and bus
83's highest phase at the bottom start rose to 1.0414 pu; solved alone it stayed at 1.00625
(1.0363 pu). C12 judged the homes' over-voltage on which came first (hst50: 13.5 kW against
14.2 kW). A move from within the tolerance of the edge is now held, as a band-edge trial's
tie is: both orders give 1.0363. A move from beyond it (18 kW: 0.029 V below) stands.

Reference (nothing protv2g computed): OpenDSS (``opendssdirect``), the controls off and the
taps set, the homes a single-phase pf-1 Generator: bus 83's highest phase and reg4b's
compensated voltage ``|V/PT − I_out/CTprim·(R + jX)|`` (PT 20, CTprim 300 A, R 1.4 V,
X 2.6 V: IEEE123Regulators.DSS; band 124 ± 1 V).
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from .conftest import SHARED_DIR

pytest.importorskip("opendssdirect")

SOURCE = "Edit Vsource.source MVAsc3=150 MVAsc1=120 X1R1=8 X0R0=3\n"
#: The base case's bottom edge (peak, no V2G) as the search finds it; the test checks it is
#: one against OpenDSS (below).
BOTTOM = {"reg1a": 1.05, "reg2a": 0.99375, "reg3a": 1.0125, "reg3c": 1.0, "reg4a": 1.05625,
          "reg4b": 1.00625, "reg4c": 1.03125}
STEP = 0.00625


def test_a_move_from_a_tie_by_hand() -> None:
    """Band 124 ± 1 V on 120 V, tolerance 1e-4 pu = 0.012 V: a move up is driven by the
    bottom (123 V), a move down by the top (125 V); either side of it within 0.012 V."""
    from protv2g.flow.reg_band import moved_from_tie

    s = {"vreg": 124.0, "band": 2.0, "base_v": 120.0}
    assert moved_from_tie((122.9999, 120.0), s, 1, 1e-4)  # IEEE 123's reg4b at 14.175 kW
    assert moved_from_tie((123.0119, 120.0), s, 1, 1e-4)
    assert not moved_from_tie((122.9847, 120.0), s, 1, 1e-4)  # 16.2 kW: 0.0153 V below
    assert moved_from_tie((125.011, 120.0), s, -1, 1e-4)
    assert not moved_from_tie((125.011, 120.0), s, 1, 1e-4)  # the top drives no move up
    assert not moved_from_tie((np.nan, 120.0), s, 1, 1e-4)


@pytest.fixture(scope="module")
def ieee123(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge_tie")
    src = SHARED_DIR / "feeders" / "opendss"
    shutil.copytree(src / "123Bus", root / "123Bus")
    shutil.copy(src / "IEEELineCodes.DSS", root / "IEEELineCodes.DSS")
    (root / "source.dss").write_text(SOURCE)
    return root / "123Bus" / "IEEE123Master.dss", root / "source.dss"


def _opendss(ieee123, kw: float, taps: dict[str, float]) -> tuple[float, float]:
    """Bus 83's highest phase (pu) and reg4b's compensated voltage (V), controls off."""
    import opendssdirect as dss

    master, source = ieee123
    dss.Text.Command("clear")
    dss.Text.Command(f"compile [{master}]")
    dss.Text.Command(f"redirect [{source}]")
    dss.Text.Command(f"new generator.homes phases=1 bus1=114.1 kv=2.401777 kw={kw} pf=1 "
                     "model=1")
    dss.Text.Command("set controlmode=off")
    for name, tap in taps.items():
        dss.Transformers.Name(name)
        dss.Transformers.Wdg(2)
        dss.Transformers.Tap(tap)
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Circuit.SetActiveBus("83")
    v83 = max(dss.Bus.puVmagAngle()[0::2])
    dss.Circuit.SetActiveElement("transformer.reg4b")
    v = np.asarray(dss.CktElement.Voltages())
    i = np.asarray(dss.CktElement.Currents())
    v_w = complex(v[4], v[5]) - complex(v[6], v[7])  # winding 2: phase less neutral
    i_out = -complex(i[4], i[5])
    return v83, abs(v_w / 20 - i_out / 300 * complex(1.4, 2.6))


def _flow(ieee123, kws: list[float], monkeypatch) -> tuple[dict, dict]:
    """protv2g's flow of the base case and ``kws`` (in that order, each from the base case):
    83's bottom-start highest voltage per export, and each snapshot's bottom-edge taps."""
    import protv2g.flow.tap_band as tb
    from protv2g.flow.blocks import ScenarioBlock
    from protv2g.flow.opendss import DssFlowSite
    from protv2g.flow.opendss_study import dss_watches, opendss_flow
    from protv2g.network.dss_model import load_dss_model

    def block(name: str, kw: float) -> ScenarioBlock:
        nan = np.array([np.nan])
        return ScenarioBlock(name, "base/peak", nan, np.array([1.0]), np.array([[kw / 1e3]]),
                             [np.array(["exporting" if kw else "idle"], dtype=object)],
                             [np.array([1.0])], [nan], np.array([False]))

    edges: dict[str, dict] = {}
    edge = tb.band_edge

    def recorded(engine, block, start, direction, base_case=True, **k):
        out = edge(engine, block, start, direction, base_case, **k)
        if direction == -1:
            state = out[0] if isinstance(out, tuple) else out
            edges[block.scenario] = {t.split(".", 1)[1]: v for (t, _), v in
                                     state["taps"].items()}
        return out

    master, source = ieee123
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_dss_model(master, redirects=[source])
        watches = [w for w in dss_watches(model) if w.kind == "regulator"]
        blocks = [block("base/peak", 0.0), *[block(f"{k:g} kW", k) for k in kws]]
        with monkeypatch.context() as m:
            m.setattr(tb, "band_edge", recorded)
            res, _ = opendss_flow(model, [DssFlowSite("homes", "114", "a")], blocks, watches)
    b = res.buses[res.buses.bus_name.astype(str) == "83"]
    return dict(zip(b.scenario, b.vm_band_bottom_high_pu.astype(float), strict=True)), edges


def test_the_bottom_edge_is_a_rest_point_and_the_homes_bring_reg4b_to_its_edge(ieee123):
    """OpenDSS alone: at :data:`BOTTOM` reg4b reads 0.107 V inside its 123 V edge without
    the homes; with 14.175 kW within the 0.012 V tolerance of it (the tie); with 18 kW
    beyond it. One step lower it is out of the band (no lower rest point)."""
    _, vc0 = _opendss(ieee123, 0.0, BOTTOM)
    _, vc_low = _opendss(ieee123, 0.0, {**BOTTOM, "reg4b": BOTTOM["reg4b"] - STEP})
    _, vc_tie = _opendss(ieee123, 14.175, BOTTOM)
    _, vc_18 = _opendss(ieee123, 18.0, BOTTOM)
    assert 123.0 + 0.012 < vc0 < 125.0 and vc_low < 123.0
    assert abs(vc_tie - 123.0) <= 0.012
    assert vc_18 < 123.0 - 0.012


def test_a_move_from_a_tie_does_not_depend_on_the_order(ieee123, monkeypatch):
    """Fails on the old code (14.175 kW after 13.5 kW: reg4b 1.0125, 83 at 1.0414 pu at
    the bottom start; alone 1.00625, 1.0363). Both orders hold reg4b at the base case's edge
    tap, and 83's voltage is OpenDSS's at those taps (±5e-5 pu, its tolerance apart)."""
    after, edges_after = _flow(ieee123, [13.5, 14.175], monkeypatch)
    alone, edges_alone = _flow(ieee123, [14.175], monkeypatch)
    assert edges_after["base/peak"] == pytest.approx(BOTTOM, abs=1e-9)
    assert edges_after["14.175 kW"]["reg4b"] == pytest.approx(BOTTOM["reg4b"], abs=1e-9)
    assert edges_alone["14.175 kW"]["reg4b"] == pytest.approx(BOTTOM["reg4b"], abs=1e-9)
    v83, _ = _opendss(ieee123, 14.175, edges_after["14.175 kW"])
    assert after["14.175 kW"] == pytest.approx(v83, abs=5e-5)
    assert alone["14.175 kW"] == pytest.approx(v83, abs=5e-5)
    moved, _ = _opendss(ieee123, 14.175, {**BOTTOM, "reg4b": BOTTOM["reg4b"] + STEP})
    assert moved - v83 > 0.005  # the tap the tie decided: 0.0051 pu at 83


def test_a_move_from_beyond_the_tolerance_stands(ieee123, monkeypatch):
    """18 kW: reg4b's control 0.029 V below its edge — OpenDSS raises it, and so does the
    flow; 83 as OpenDSS at the raised tap."""
    got, edges = _flow(ieee123, [18.0], monkeypatch)
    assert edges["18 kW"]["reg4b"] == pytest.approx(BOTTOM["reg4b"] + STEP, abs=1e-9)
    v83, _ = _opendss(ieee123, 18.0, edges["18 kW"])
    assert got["18 kW"] == pytest.approx(v83, abs=5e-5)
