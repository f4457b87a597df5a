"""The feeder's own inverters: one basis with the chargers, one IEC 60909 rule on both paths
(review s18 rank 5, closing note s18 "Left" 2–3 and 6; session 19).

A small balanced 12.47 kV feeder written both as a pandapower net (sequence path, its PV an
``sgen``) and as an OpenDSS script (phase path, its PV a ``PVSystem``): source
``S″kQ`` = 1,500 MVA (R/X 0.1), lines ``src–b1–b2–b3–b4`` and ``b2–b5``, a 2,000 kVA PV at b3
exporting 1.5 MW, no loads. The rule both paths now follow:

* **maximum case** — the PV on, by the chargers' default model
  (:class:`protv2g.engine.der_model.InverterModel`: 1.5 pu of its kVA in the first cycle,
  then active-power priority at 1.1 / 1.2 pu with Category II trips; before session 19 a
  constant 1.2 pu held for the whole fault); the duty / fault-level current is the IEC 60909
  sum ``|I_grid| + |I_PV|`` with the grid alone solved too on both paths (the phase path took
  the base case, PV included as a phasor, as the network's part);
* **minimum case** — the PV out (0 A) on both paths.

Hand calculation (IEC 60909-0:2016, full-size converter units as current sources added by
magnitude — ``I″k = (c·Un/√3 + Σ|Z_ij|·I_skPF,j) / |Z_ii|`` as pandapower's ``calc_sc``
implements it: ``ikss = IKSS1 + IKSS2``, ``doc/shortcircuit/ikss.rst``): the PV's source
current ``I_skPF = 1.5 × 2,000 kVA / (√3 × 12.47 kV) = 138.9 A``; on a radial feeder the
transfer impedance to b3 from a fault at b4 is b3's own driving-point impedance, from b5 b2's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandapower as pp
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine import fault_study  # noqa: E402
from protv2g.engine.der_model import InverterModel  # noqa: E402
from protv2g.engine.phase import phase_fault_study  # noqa: E402
from protv2g.engine.phase.der import INVERTER_MODEL  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study.engine_inputs import (  # noqa: E402
    EXISTING_INVERTERS,
    existing_der_sources,
    existing_sources_table,
)
from protv2g.units import Case, ChargerLaw, ChargerMode, Method  # noqa: E402

KV = 12.47
S_SC_MVA, RX = 1500.0, 0.1
LINES = {  # name: (from, to, km, r1, x1, r0, x0) Ω/km
    "l0": ("src", "b1", 1.0, 0.190, 0.381, 0.440, 1.440),
    "l1": ("b1", "b2", 2.0, 0.190, 0.381, 0.440, 1.440),
    "l2": ("b2", "b3", 3.0, 0.556, 0.476, 0.810, 1.560),
    "l3": ("b3", "b4", 2.5, 0.876, 0.493, 1.130, 1.580),
    "l4": ("b2", "b5", 1.5, 0.556, 0.476, 0.810, 1.560),
}
PV_KVA, PV_KW = 2000.0, 1500.0
C_MAX = 1.1
#: Agreement of the two paths: issue #4's 0.5 % of the fault's largest current.
REL = 0.005


def _z_source() -> complex:
    z = KV**2 / S_SC_MVA
    x1 = z / np.sqrt(1 + RX**2)
    return complex(RX * x1, x1)


def _feeder(tmp_path):
    net = pp.create_empty_network(f_hz=60.0, sn_mva=1.0)
    bus = {n: pp.create_bus(net, KV, name=n) for n in ("src", "b1", "b2", "b3", "b4", "b5")}
    zs = _z_source()
    pp.create_ext_grid(net, bus["src"], s_sc_max_mva=S_SC_MVA * C_MAX, s_sc_min_mva=S_SC_MVA,
                       rx_max=RX, rx_min=RX, x0x_max=1.0, r0x0_max=RX, x0x_min=1.0,
                       r0x0_min=RX)
    cmds = ["clear", "set defaultbasefrequency=60",
            f"new circuit.t basekv={KV} pu=1.0 angle=0 bus1=src Z1=[{zs.real}, {zs.imag}] "
            f"Z0=[{zs.real}, {zs.imag}]"]
    for name, (f, t, km, r1, x1, r0, x0) in LINES.items():
        pp.create_line_from_parameters(net, bus[f], bus[t], km, r1, x1, 0.0, 10.0, name=name,
                                       r0_ohm_per_km=r0, x0_ohm_per_km=x0, c0_nf_per_km=0.0,
                                       endtemp_degree=80.0)
        cmds.append(f"new line.{name} bus1={f} bus2={t} length={km} units=km r1={r1} "
                    f"x1={x1} r0={r0} x0={x0} c1=0 c0=0")
    pp.create_sgen(net, bus["b3"], p_mw=PV_KW / 1000, sn_mva=PV_KVA / 1000, name="PV1",
                   type="PV")
    cmds += [f"new PVSystem.pv1 phases=3 bus1=b3 kv={KV} kva={PV_KVA} pmpp={PV_KW} "
             "irradiance=1 pf=1", f"set voltagebases=[{KV}]", "calcvoltagebases"]
    path = tmp_path / "pv_feeder.dss"
    path.write_text("\n".join(cmds) + "\n")
    return net, path


def _phasors(frame, fault_type: str) -> dict[tuple[str, str, str], complex]:
    """(scenario, case, bus) → phase-a phasor (kA) of ``fault_type`` rows (a balanced 3ph
    fault: phase a stands for the three)."""
    rows = frame[frame.fault_type == fault_type]
    return {(r.scenario, r.case, r.bus_name): r.ia_ka * np.exp(1j * np.radians(r.ia_degree))
            for r in rows.itertuples()}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    net, path = _feeder(tmp_path_factory.mktemp("pv"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seq = fault_study(net, method=Method.IEC60909, cases=[Case.MAX, Case.MIN],
                          fault_types=["3ph"],
                          scenarios={"base": existing_der_sources(net), "grid": ()})
    ph = phase_fault_study(load_dss_model(path), method=Method.IEC60909,
                           cases=[Case.MAX, Case.MIN], fault_types=["3ph"],
                           scenarios={"base": (), "grid": ()}, existing_inverters="law",
                           without_existing=("grid",))
    return net, _phasors(seq.bus, "3ph"), _phasors(ph.bus, "3ph")


def _hand_ka() -> dict[str, tuple[float, float]]:
    """bus → (grid alone, PV part) of the 3ph maximum case by hand, kA (module docstring)."""
    zl = {n: complex(km * r1, km * x1) for n, (_, _, km, r1, x1, _, _) in LINES.items()}
    z = {"b1": _z_source() + zl["l0"]}
    z["b2"] = z["b1"] + zl["l1"]
    z["b3"] = z["b2"] + zl["l2"]
    z["b4"] = z["b3"] + zl["l3"]
    z["b5"] = z["b2"] + zl["l4"]
    common = {"b1": z["b1"], "b2": z["b2"], "b3": z["b3"], "b4": z["b3"], "b5": z["b2"]}
    i_pv_ka = 1.5 * PV_KVA / (np.sqrt(3) * KV) / 1000  # 0.1389 kA
    return {b: (C_MAX * KV / np.sqrt(3) / abs(z[b]), i_pv_ka * abs(common[b]) / abs(z[b]))
            for b in z}


def test_one_default_model_for_both_paths() -> None:
    assert INVERTER_MODEL == EXISTING_INVERTERS == InverterModel()
    assert EXISTING_INVERTERS.limits() == (1.5, 1.1, 1.2)
    assert EXISTING_INVERTERS.limits(1.1) == (1.1, 1.1, 1.1)  # an element's own k caps them
    src = EXISTING_INVERTERS.source("pv", 3, 2.0, 1.5)
    assert (src.limit_pu, src.sustained_limit_pu, src.law, src.max_case_only) == (
        1.5, 1.1, ChargerLaw.ACTIVE_PRIORITY, True)
    assert src.trip and src.dynamic
    ceased = EXISTING_INVERTERS.source("pv", 3, 2.0, 0.0, ChargerMode.CEASED)
    assert not ceased.dynamic  # 0 A throughout: no later stage of its own


def test_opendss_import_gives_the_same_first_cycle_limit(tmp_path) -> None:
    """The OpenDSS → pandapower importer (``opendss_via: pandapower``) wrote sgen.k = 1.2 for a
    PVSystem and the sequence path took it as "the model's own k" (review rev41b: one unit,
    1.2 pu there and 1.5 pu on the phase path; the script has no k). Now both take the
    project's one first-cycle limit, protv2g.units.INVERTER_FIRST_CYCLE_PU = 1.5 pu (the
    hand value of this module: 1.5 × 2,000 kVA / (√3 × 12.47 kV) = 138.9 A)."""
    from protv2g.network.opendss import import_opendss

    _, path = _feeder(tmp_path)
    net = import_opendss(path).net
    (src,) = existing_der_sources(net)
    assert src.limit_pu == EXISTING_INVERTERS.limit_pu == 1.5  # old code: 1.2
    assert np.isclose(src.limit_pu * src.s_rated_mva / (np.sqrt(3) * KV) * 1e3, 138.9,
                      atol=0.05)
    text = existing_sources_table(net).model.iat[0]
    assert "own k" not in text and "1.5 pu first cycle" in text, text
    model7 = tmp_path / "gen7.dss"
    model7.write_text(path.read_text().replace("new PVSystem.pv1", "new Generator.pv1")
                      .replace("pmpp=", "kw=").replace("irradiance=1 ", "model=7 "))
    assert "Generator.pv1" in model7.read_text()
    (src7,) = existing_der_sources(import_opendss(model7).net)
    assert src7.limit_pu == 1.5  # OpenDSS's inverter model: an inverter (old: k = 1/Xdpp 5.0)


def test_sequence_path_takes_the_model_and_the_elements_own_k(tmp_path) -> None:
    net, _ = _feeder(tmp_path)
    (src,) = existing_der_sources(net)
    assert (src.limit_pu, src.sustained_limit_pu) == (1.5, 1.1)  # was 1.2 held (K_DEFAULT)
    net.sgen["k"] = 1.1
    (src,) = existing_der_sources(net)
    assert (src.limit_pu, src.sustained_limit_pu) == (1.1, 1.1)
    assert "1.1 pu first cycle (the model's own k)" in existing_sources_table(net).model.iat[0]


#: Faults upstream of the PV leave it 5–6 % terminal voltage, inside the PLL blend below
#: ``V_PLL`` = 0.1 pu, where the two engines place the unit's current differently (sequence:
#: its pre-fault angle; phase: 127° at b1, its terminal voltage's): the phasor with the PV
#: differs by up to 1.3 % there (b1 15.169 vs 14.981 kA), the IEC sum not at all — one reason
#: for the magnitude rule in the maximum case. Left as found (session 19 report).
PLL_BLEND_REL = 0.015


@pytest.mark.parametrize("bus", ["b1", "b2", "b3", "b4", "b5"])
def test_both_paths_agree_max_and_min(both, bus: str) -> None:
    _, seq, ph = both
    for key in [(s, c, bus) for s in ("base", "grid") for c in ("max", "min")]:
        a, b = seq[key], ph[key]
        rel = PLL_BLEND_REL if key[:2] == ("base", "max") and bus in ("b1", "b2") else REL
        assert abs(abs(a) - abs(b)) <= rel * abs(a), (key, a, b)
    for got in (seq, ph):  # the min case leaves the PV out
        assert got[("base", "min", bus)] == pytest.approx(got[("grid", "min", bus)], abs=1e-9)
    iec = [abs(g[("grid", "max", bus)]) + abs(g[("base", "max", bus)] - g[("grid", "max", bus)])
           for g in (seq, ph)]
    assert iec[1] == pytest.approx(iec[0], rel=REL)


@pytest.mark.parametrize("bus", ["b1", "b2", "b3", "b4", "b5"])
def test_iec_sum_against_hand_on_both_paths(both, bus: str) -> None:
    """``|I_grid| + |I_base − I_grid|`` (what C7 and ``ikss_iec_sum_ka`` take on both paths)
    equals the hand figure; the phasor with the PV is the physics and may be lower."""
    _, seq, ph = both
    grid_ka, pv_ka = _hand_ka()[bus]
    for got in (seq, ph):
        i_grid, i_base = got[("grid", "max", bus)], got[("base", "max", bus)]
        assert abs(i_grid) == pytest.approx(grid_ka, rel=REL)
        assert abs(i_base - i_grid) == pytest.approx(pv_ka, rel=REL)
        assert abs(i_grid) + abs(i_base - i_grid) >= abs(i_grid)


def test_opendss_study_tables_carry_the_grid_alone(tmp_path) -> None:
    """The phase path's fault tables carry the grid-alone phasors (``ia_grid_ka`` …) as the
    pandapower path's do, so C7's sum there is ``|I_grid| + |I_base − I_grid| + …`` too
    (before: no grid-alone solve, the base case with the PV as a phasor was the network's
    part). opendss_example's pv3 (500 kVA at b3), base max 3ph at b3: phasor 1.7641 kA, IEC
    sum 1.7813 kA (session 41; 1.7437 / 1.7610 before, when the classical pre-fault voltage
    kept pv3's injection and the grid alone was OpenDSS's fault study *with* pv3, review
    rev41b W4; 1.7402 for both before the grid-alone solve). The grid-alone phasors are
    OpenDSS's own fault study (``solve mode=faultstudy``) of the same master without pv3,
    within 0.1 % (0.03 % measured: the power flow that sets the loads' state runs with pv3)."""
    from pathlib import Path

    from protv2g import load_study
    from protv2g.checks.converter_sum import bus_iec_sum_ka
    from protv2g.network.opendss_reference import opendss_fault_study
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios

    folder = Path(__file__).resolve().parents[1] / "feeders" / "opendss_example"
    study = load_study(folder / "study.yaml")
    for f in folder.glob("*.dss"):
        text = f.read_text()
        (tmp_path / f.name).write_text(text.replace("New PVSystem.pv3", "! New PVSystem.pv3"))
    ref, _ = opendss_fault_study(tmp_path / "Master.dss")
    ref_ka = ref[ref.bus == "b3"].set_index("phase").isc_a / 1e3
    scenarios = [s for s in build_scenarios(study.document) if s.is_base]
    bus = fault_tables(study, scenarios, staged=False).bus
    assert {"ia_grid_ka", "ib_grid_degree", "ic_grid_ka"} <= set(bus.columns)
    iec = bus_iec_sum_ka(bus, {s.name: s.name for s in scenarios})
    row = (bus.bus_name == "b3") & (bus.fault_type == "3ph") & (bus.case == "max")
    grid = bus.loc[row, ["ia_grid_ka", "ib_grid_ka", "ic_grid_ka"]].max(axis=1)
    assert (iec[row] >= grid - 1e-9).all()
    for p in "abc":
        assert bus.loc[row, f"i{p}_grid_ka"].to_numpy() == pytest.approx(ref_ka[p], rel=1e-3)
    assert iec[row].iat[0] == pytest.approx(1.7813, abs=5e-4)
    assert bus.loc[row, "ikss_ka"].iat[0] == pytest.approx(1.7641, abs=5e-4)
