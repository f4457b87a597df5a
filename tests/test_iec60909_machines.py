"""IEC 60909 correction factors of synchronous generators on the OpenDSS path (review rev41b M1).

Until session 42 the phase path put a generator behind ``X″d`` with no ``K_G``/``K_SO``: the
shared case's 10 MVA unit (X″d 0.15, unity pf, behind a 10 MVA YNd unit transformer) gave
3654.9 A at its high-voltage terminal b1 where the standard gives 3436.6 A (+6.4 %).

References, none computed by protv2g:

* hand calculation from IEC 60909-0:2016 §6.7.2 (``K_SO``) and §6.6.1 eq. (18) (``K_G``) on the
  OpenDSS elements' own impedances (below);
* pandapower 3.5.6 ``calc_sc`` on the same network built as a pandapower net (``gen`` with
  ``cos_phi``/``xdss_pu``/``rdss_ohm``, ``power_station_trafo``): its ``_add_gen_sc_z_kg_ks``
  applies ``K_G`` and ``K_SO``.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import phase_fault_study  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

KV = 12.47
MVASC = 200.0
X1R1 = 10.0
HEAD = f"""Clear
Set DefaultBaseFrequency=60
New Circuit.kg basekv={KV} pu=1.0 phases=3 bus1=src MVAsc3={MVASC} MVAsc1={MVASC}
~ x1r1={X1R1} x0r0={X1R1}
New Linecode.oh nphases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0 units=km
New Line.l1 bus1=src bus2=b1 linecode=oh length=4 units=km
New Line.l2 bus1=b1 bus2=b2 linecode=oh length=4 units=km
"""
UNIT = """New Transformer.gsu phases=3 windings=2 buses=(b1 gen) conns=(wye delta) kvs=(12.47 4.16)
~ kvas=(10000 10000) xhl=6 %rs=(0.4 0.4)
New Generator.g1 bus1=gen kV=4.16 kW=8000 kVA=10000 pf={pf} model=1 Xdpp=0.15 Xdp=0.25 Xrdp=20
"""
DIRECT = ("New Generator.g1 bus1=b1 kV=12.47 kW=4000 kVA=5000 pf={pf} model=1 Xdpp=0.15 "
          "Xdp=0.25 Xrdp=20\n")
TAIL = f"Set VoltageBases=({KV}, 4.16)\nCalcVoltageBases\nSolve\n"


def _master(tmp_path, body: str, pf: float):
    path = tmp_path / "m.dss"
    path.write_text(HEAD + body.format(pf=pf) + TAIL)
    return path


def _iec(path, case: Case) -> dict[str, float]:
    model = load_dss_model(path)
    res = phase_fault_study(model, method=Method.IEC60909, cases=[case],
                            fault_types=[FaultType.THREE_PHASE], endtemp_degree=None,
                            buses=["b1", "b2"])
    return {b: float(np.abs(res.bus_i_abc_a[0, 0, k, 0]))
            for k, b in enumerate(res.bus_names[res.rows.bus])}


def _hand(unit: bool, pf: float, case: Case) -> dict[str, float]:
    """IEC 60909-0:2016 by hand: source ``Z_Q = U²/S''kQ`` (OpenDSS's Vsource: its impedance
    from MVAsc3 and X1/R1, no ``c`` in it), lines 0.3 + j0.6 Ω/km, generator
    ``Z_G = (X″d/Xrdp + j·X″d)·U_rG²/S_rG``; ``K_SO`` (§6.7.2, no OLTC, p_G = p_T = 0, rated
    voltages = nominal) or ``K_G`` (eq. 18) with ``c_max`` 1.1 — applied in both cases —,
    equivalent source ``c·U_n/√3`` (``c_max`` 1.1, ``c_min`` 1.0)."""
    zq = KV ** 2 / MVASC * (1 + 1j * X1R1) / abs(1 + 1j * X1R1)
    zl = 4 * (0.3 + 0.6j)
    sin_phi = np.sqrt(1 - pf ** 2)
    xdpp = 0.15
    if unit:
        zg = (xdpp / 20 + 1j * xdpp) * KV ** 2 / 10.0  # referred to 12.47 kV: t_r² Z_G
        zt = (0.008 + 0.06j) * KV ** 2 / 10.0
        k = 1.1 / (1 + xdpp * sin_phi)  # K_SO, U_nQ/U_rG · U_rTLV/U_rTHV = 1
        zgen = k * (zg + zt)
    else:
        zgen = 1.1 / (1 + xdpp * sin_phi) * (xdpp / 20 + 1j * xdpp) * KV ** 2 / 5.0  # K_G
    c = 1.1 if case is Case.MAX else 1.0
    z1 = 1 / (1 / (zq + zl) + 1 / zgen)
    z2 = z1 + zl
    return {"b1": c * KV * 1e3 / np.sqrt(3) / abs(z1), "b2": c * KV * 1e3 / np.sqrt(3) / abs(z2)}


@pytest.mark.parametrize("unit", [True, False], ids=["power_station_unit", "direct"])
@pytest.mark.parametrize("pf", [1.0, 0.8])
@pytest.mark.parametrize("case", [Case.MAX, Case.MIN])
def test_generator_corrected_as_iec_60909_by_hand(tmp_path, unit, pf, case):
    got = _iec(_master(tmp_path, UNIT if unit else DIRECT, pf), case)
    want = _hand(unit, pf, case)
    for bus in ("b1", "b2"):  # old code, unit at pf 1: b1 +6.2 % (no K_SO)
        assert got[bus] == pytest.approx(want[bus], rel=1e-4), bus


def test_factor_text_names_the_standard_and_the_pf(tmp_path):
    from protv2g.engine.phase.iec_machines import machine_corrections

    model = load_dss_model(_master(tmp_path, UNIT, 0.8))
    (corr,) = machine_corrections(model)
    assert (corr.factor, corr.transformer) == ("K_SO", "transformer.gsu")
    assert corr.k == pytest.approx(1.1 / 1.09, rel=1e-12)
    assert "§6.7.2" in corr.text and "cos φ_rG = 0.8" in corr.text


def test_an_oltc_makes_it_k_s(tmp_path):
    from protv2g.engine.phase.iec_machines import machine_corrections

    body = UNIT + "New RegControl.oltc transformer=gsu winding=1 vreg=120 ptratio=60\n"
    (corr,) = machine_corrections(load_dss_model(_master(tmp_path, body, 0.8)))
    # §6.7.1: c_max / (1 + |x''d − x_T|·sin φ), rated voltages = nominal
    assert corr.factor == "K_S"
    assert corr.k == pytest.approx(1.1 / (1 + abs(0.15 - 0.06) * 0.6), rel=1e-9)


@pytest.mark.parametrize("unit", [True, False], ids=["power_station_unit", "direct"])
def test_same_as_pandapower_calc_sc(tmp_path, unit):
    """pandapower's ``calc_sc`` (its own ``K_G``/``K_SO``) on the same network, max case."""
    pp = pytest.importorskip("pandapower")
    sc = pytest.importorskip("pandapower.shortcircuit")
    pf = 0.8
    got = _iec(_master(tmp_path, UNIT if unit else DIRECT, pf), Case.MAX)
    net = pp.create_empty_network(sn_mva=1.0)
    src, b1, b2 = (pp.create_bus(net, KV, name=n) for n in ("src", "b1", "b2"))
    # ext_grid Z = c_max·U²/S: S = 1.1 × 200 MVA is OpenDSS's Vsource impedance
    pp.create_ext_grid(net, src, s_sc_max_mva=1.1 * MVASC, rx_max=1 / X1R1,
                       s_sc_min_mva=MVASC, rx_min=1 / X1R1)
    for a, b in ((src, b1), (b1, b2)):
        pp.create_line_from_parameters(net, a, b, 4.0, 0.3, 0.6, 0.0, 1.0)
    if unit:
        gen_bus = pp.create_bus(net, 4.16, name="gen")
        t = pp.create_transformer_from_parameters(
            net, b1, gen_bus, 10.0, KV, 4.16, vkr_percent=0.8,
            vk_percent=float(np.hypot(6.0, 0.8)), pfe_kw=0.0, i0_percent=0.0,
            vector_group="YNd5", oltc=False, power_station_unit=True)  # no K_T (§6.3.3)
        pp.create_gen(net, gen_bus, p_mw=8.0, vm_pu=1.0, sn_mva=10.0, vn_kv=4.16,
                      xdss_pu=0.15, rdss_ohm=0.15 / 20 * 4.16 ** 2 / 10.0, cos_phi=pf,
                      power_station_trafo=t)
    else:
        pp.create_gen(net, b1, p_mw=4.0, vm_pu=1.0, sn_mva=5.0, vn_kv=KV, xdss_pu=0.15,
                      rdss_ohm=0.15 / 20 * KV ** 2 / 5.0, cos_phi=pf)
    sc.calc_sc(net, fault="3ph", case="max", branch_results=False)
    for bus, idx in (("b1", b1), ("b2", b2)):
        assert got[bus] == pytest.approx(1e3 * net.res_bus_sc.ikss_ka.at[idx], rel=1e-4), bus
