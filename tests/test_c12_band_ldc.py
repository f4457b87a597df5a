"""The regulator set-point rule with line-drop compensation and across a closed switch (review
rev35b M1/M5, ver35 §1b/§5: IEEE 123's creg1a has LDC R=3 X=7.5, so bus 149 — 150r across the
closed switch sw1 — and buses 1, 7 were judged apart from 150r; :mod:`protv2g.checks.flow_band`).

A small OpenDSS feeder written here: a stiff source at 1.03 pu, 2 km of line to ``a``, three
single-phase regulators ``a`` → ``ar`` (vreg 123.6 V, band 2 V, PT 60, CTprim 300 A, LDC R = 4 V,
X = 8 V), a closed switch ``sw1`` to ``s``, 200 m to ``m`` (3 MW), 1.5 km to ``d`` (0.3 MW and a
0.5 MW depot). OpenDSS keeps tap +7 with the depot at 0 and 500 kW: ``ar`` rises 0.0020 pu,
``s`` with it to 1e-4 pu and ``m`` within 0.0002 pu of it (the set-point's), ``d`` 0.0036 pu
(0.0016 pu of its own: V2G's).
"""

from __future__ import annotations

import pytest

from .drafted_run import drafted_result

_DSS = """clear
new circuit.ldctest basekv=12.47 pu=1.03 bus1=src phases=3 MVAsc3=200000 MVAsc1=200000
new line.l1 bus1=src bus2=a phases=3 length=2 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
{regs}
new line.sw1 bus1=ar bus2=s phases=3 switch=yes
new line.l2 bus1=s bus2=m phases=3 length=0.2 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.lm bus1=m phases=3 kv=12.47 kw=3000 pf=0.95
new line.l3 bus1=m bus2=d phases=3 length=1.5 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.ld bus1=d phases=3 kv=12.47 kw=300 pf=0.95
set voltagebases=[12.47]
calcvoltagebases
"""
_REG = ("new transformer.reg1{p} phases=1 windings=2 buses=[a.{n} ar.{n}] conns=[wye wye] "
        "kvs=[7.2 7.2] kvas=[5000 5000] xhl=0.01 %loadloss=0.01\n"
        "new regcontrol.creg1{p} transformer=reg1{p} winding=2 vreg=123.6 band=2 ptratio=60 "
        "ctprim=300 R=4 X=8")
_KW = 500.0


def _opendss(path) -> dict[tuple[str, float], float]:
    """OpenDSS itself: the depot as a pf-1 delta generator at ``d``; the taps do not move
    between 0 and 500 kW (asserted); highest phase per bus."""
    import opendssdirect as dss

    dss.Text.Command(f"compile [{path}]")
    dss.Text.Command("new generator.g bus1=d phases=3 kv=12.47 kw=0 pf=1 model=1 conn=delta")
    dss.Solution.Solve()

    def taps():
        out = []
        dss.RegControls.First()
        while True:
            out.append(dss.RegControls.TapNumber())
            if not dss.RegControls.Next():
                return out

    t0 = taps()
    out = {}
    for kw in (0.0, _KW):
        dss.Generators.Name("g")
        dss.Generators.kW(kw)
        dss.Solution.Solve()
        assert taps() == t0
        for b in ("ar", "s", "m", "d"):
            dss.Circuit.SetActiveBus(b)
            out[(b, kw)] = max(dss.Bus.puVmagAngle()[::2])
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    result, path = drafted_result(tmp_path_factory.mktemp("ldc"), _DSS.format(
        regs="\n".join(_REG.format(p=p, n=n) for n, p in enumerate("abc", 1))), "depot:d:5:100")
    return result, _opendss(path)


def _row(result, bus: str):
    from protv2g.checks.flow_groups import FLOW_BUS_TABLE

    per_bus = result.tables[FLOW_BUS_TABLE]
    r = per_bus[(per_bus.fault_bus == bus) & (per_bus.scenario == "firm/peak/100%")]
    assert len(r) == 1, (bus, per_bus[per_bus.scenario == "firm/peak/100%"])
    return r.iloc[0]


def test_the_opendss_feeder_is_what_the_rule_reads(small) -> None:
    """The hand check, in OpenDSS: ``s`` is ``ar`` (closed switch), ``m``'s rise is ``ar``'s
    within the 0.001 pu tolerance, ``d``'s is not."""
    _, dss = small

    def rise(b):
        return dss[(b, _KW)] - dss[(b, 0.0)]

    assert abs(dss[("s", _KW)] - dss[("ar", _KW)]) < 1e-4
    assert abs(rise("m") - rise("ar")) < 0.001
    assert rise("d") - rise("ar") > 0.001


@pytest.mark.parametrize("bus", ["s", "m"])
def test_with_ldc_a_bus_whose_rise_is_the_outputs_is_the_set_points(small, bus) -> None:
    """``s`` (across the closed switch) and ``m`` (200 m out): taps held, the rise the
    output's — pre-existing, the regulator's set-point. Before: LDC kept every such row V2G's
    ("made worse by V2G")."""
    result, dss = small
    r = _row(result, bus)
    assert 1.05 - r.margin == pytest.approx(dss[(bus, _KW)], abs=2e-4)
    assert r.attribution == "pre-existing"
    assert r.mechanism == "regulator set-point"


def test_with_ldc_a_bus_the_site_raises_is_not_the_set_points(small) -> None:
    """``d``: 0.0016 pu of its own rise beyond the output's (OpenDSS): not the set-point's.
    It was V2G's (+0.0036 pu from 1.0494 pu); since the lead's rule (review rev49b #2) it is
    pre-existing all the same: without V2G the band's top already gives 1.0615 pu at ``d``
    (the flow's band edge) and V2G lowers it there, a condition of the regulator settings
    (:mod:`protv2g.checks.flow_band_pre`)."""
    result, dss = small
    d = _row(result, "d")
    assert 1.05 - d.margin == pytest.approx(dss[("d", _KW)], abs=2e-4)
    assert d.mechanism != "regulator set-point"
    assert d.attribution == "pre-existing"


def test_a_bus_across_a_closed_switch_is_the_output(small) -> None:
    """``s`` is ``ar`` through ``sw1`` (OpenDSS: the same voltage to 1e-4 pu): in every
    scenario, base cases included, its rows read as ``ar``'s, the switch named (rev35b M5).
    Before: ``s``'s base rows had no mechanism while ``ar``'s said the set-point."""
    from protv2g.checks.flow_groups import FLOW_BUS_TABLE

    result, _ = small
    pb = result.tables[FLOW_BUS_TABLE]
    pb = pb[pb.status == "fail"]
    ar = pb[pb.fault_bus == "ar"].set_index("scenario")
    s = pb[pb.fault_bus == "s"].set_index("scenario")
    assert sorted(s.index) == sorted(ar.index)
    assert {"base/peak", "firm/peak/100%"} <= set(s.index)
    for sc in s.index:
        assert (s.at[sc, "attribution"], s.at[sc, "mechanism"]) == (
            ar.at[sc, "attribution"], ar.at[sc, "mechanism"]) == (
            "pre-existing", "regulator set-point"), sc
    # one finding row per scenario with ar: s grouped with its output (the same words)
    v = result.violations
    v = v[(v.criterion == "C12") & (v.fault_bus == "ar")]
    assert all("s" in str(b).split(", ") for b in v.buses), v.buses


def test_compensated_voltage_is_opendss_own(tmp_path) -> None:
    """:func:`compensated_pu` from magnitudes (|V|, |I|, P, the sign of Q) against
    ``|V/PT − I/CTprim·(R + jX)|`` from OpenDSS's own complex voltage and current at the
    regulated winding (creg1a of the feeder here, its solved tap): within 1e-5 pu."""
    pytest.importorskip("opendssdirect")
    import numpy as np
    import opendssdirect as dss

    from protv2g.checks.flow_band import compensated_pu

    path = tmp_path / "feeder.dss"
    path.write_text(_DSS.format(regs="\n".join(
        _REG.format(p=p, n=n) for n, p in enumerate("abc", 1))))
    dss.Text.Command(f"compile [{path}]")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("transformer.reg1a")
    v = np.array(dss.CktElement.Voltages()).reshape(-1, 2) @ np.array([1, 1j])
    i = np.array(dss.CktElement.Currents()).reshape(-1, 2) @ np.array([1, 1j])
    vo, io = v[2], -i[2]  # winding 2, phase conductor: the line current out of the regulator
    exact = abs(vo / 60 - io / 300 * (4 + 8j)) * 60 / 7200.0
    s = vo * np.conj(io)
    kv = 12.47 / np.sqrt(3)
    got = compensated_pu((4.0, 8.0, 300.0, 60.0, 1), abs(vo) / (kv * 1e3), kv, abs(s),
                         s.real, float(np.sign(s.imag)))
    assert got == pytest.approx(exact * 7200.0 / (kv * 1e3), abs=1e-5)
    # inside the band vreg ± 1 V on the PT (OpenDSS settled there)
    assert 122.6 - 0.01 <= exact * 7200.0 / 60 <= 124.6 + 0.01
