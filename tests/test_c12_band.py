"""A bus past a regulator whose V2G rise is the output's rise is the band's, not V2G's (review
rev34a W3, ver34 N1/N2: IEEE 8500's m1209817, 40 m past FEEDER_REG's output, limited the
campus's hosting at 370 kW; :mod:`protv2g.checks.flow_band`).

A small OpenDSS feeder written here: a stiff source at 1.06 pu, 1 km of line to ``a``, three
single-phase regulators ``a`` → ``ar`` (vreg 126.5 V, band 2 V, PT 60: 1.0459–1.0626 pu on
7.2 kV, no LDC), 40 m to ``m`` (4 MW of load), 3 km to ``d`` (1.5 MW of load and a 3 MW
depot). At peak the export relieves the first line's drop: the regulators keep tap +1 and
``ar`` rises ≈ 0.0057 pu, ``m`` with it (the band's); ``d`` rises ≈ 0.022 pu by the depot's own
current (V2G's).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

_DSS = """clear
new circuit.bandtest basekv=12.47 pu=1.06 bus1=src phases=3 MVAsc3=200000 MVAsc1=200000
new line.l1 bus1=src bus2=a phases=3 length=1 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
{regs}
new line.l2 bus1=ar bus2=m phases=3 length=0.04 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.lm bus1=m phases=3 kv=12.47 kw=4000 pf=0.95
new line.l3 bus1=m bus2=d phases=3 length=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.ld bus1=d phases=3 kv=12.47 kw=1500 pf=0.95
set voltagebases=[12.47]
calcvoltagebases
"""
_REG = ("new transformer.reg1{p} phases=1 windings=2 buses=[a.{n} ar.{n}] conns=[wye wye] "
        "kvs=[7.2 7.2] kvas=[5000 5000] xhl=0.01 %loadloss=0.01\n"
        "new regcontrol.creg1{p} transformer=reg1{p} winding=2 vreg=126.5 band=2 ptratio=60{x}")


def _write(tmp_path, ldc: bool = False):
    regs = "\n".join(_REG.format(p=p, n=n, x=" R=3 X=6" if ldc else "")
                     for n, p in enumerate("abc", 1))
    path = tmp_path / "feeder.dss"
    path.write_text(_DSS.format(regs=regs))
    return path


def _opendss(path, kw: float) -> dict[str, float]:
    """OpenDSS itself: the depot as a pf-1 generator at ``d``, the taps from the base solve
    (they do not move: asserted), highest phase per bus."""
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
    for k in (0.0, kw):
        dss.Generators.Name("g")
        dss.Generators.kW(k)
        dss.Solution.Solve()
        assert taps() == t0
        for b in ("ar", "m", "d"):
            dss.Circuit.SetActiveBus(b)
            out[(b, k)] = max(dss.Bus.puVmagAngle()[::2])
    return out


def band_study(tmp):
    """The feeder in ``tmp`` and its study drafted by ``init`` (the depot at d, 30 × 100 kW;
    firm participation at peak, 0 and 100 % export): ``(feeder.dss, study.yaml)``."""
    from protv2g.cli import main

    dss = _write(tmp)
    out = tmp / "study.yaml"
    assert main(["init", str(dss), "-o", str(out), "--site", "depot:d:30:100"]) == 0
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    doc["scenarios"].update(participation=["firm"], load_levels=["peak"],
                            export_levels_fraction=[0.0, 1.0])
    out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return dss, out


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    import protv2g

    dss, out = band_study(tmp_path_factory.mktemp("band"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = protv2g.run_study(protv2g.load_study(out), hosting=False, staged=False)
    return result, _opendss(dss, 3000.0), out


def _row(result, bus: str):
    v = result.violations
    c12 = v[(v.criterion == "C12") & (v.status == "fail") & (v.scenario == "firm/peak/100%")]
    from protv2g.checks.flow_groups import FLOW_BUS_TABLE

    per_bus = result.tables[FLOW_BUS_TABLE]
    r = per_bus[(per_bus.fault_bus == bus) & (per_bus.scenario == "firm/peak/100%")]
    assert len(r) == 1, (bus, c12)
    return r.iloc[0]


def test_a_bus_whose_rise_is_the_outputs_is_the_set_points(small) -> None:
    """``m``: 1.0486 pu without V2G (passing), 1.0545 pu with the depot (OpenDSS, taps held):
    its rise is ``ar``'s within 0.001 pu — pre-existing, the regulator's set-point, as ``ar``
    itself. Before: ``new`` (caused by V2G), and it limited the export."""
    result, dss, _ = small
    m = _row(result, "m")
    assert -m.margin + 1.05 == pytest.approx(dss[("m", 3000.0)], abs=1e-4)
    assert 1.05 - m.base_margin == pytest.approx(dss[("m", 0.0)], abs=1e-4)
    # the hand check: the rise at m is the output's (OpenDSS)
    assert abs((dss[("m", 3000.0)] - dss[("m", 0.0)])
               - (dss[("ar", 3000.0)] - dss[("ar", 0.0)])) < 0.001
    assert m.attribution == "pre-existing"
    assert m.mechanism == "regulator set-point"
    ar = _row(result, "ar")
    assert (ar.attribution, ar.mechanism) == (m.attribution, m.mechanism)
    v = result.violations
    msg = v[(v.criterion == "C12") & (v.scenario == "firm/peak/100%")
            & (v.mechanism == "regulator set-point")].message.astype(str)
    assert any("the set-point's, not V2G's" in t for t in msg)


def test_a_bus_the_site_raises_beyond_the_output_stays_v2gs(small) -> None:
    """``d``: 1.0346 → 1.0570 pu (OpenDSS), 0.016 pu beyond ``ar``'s rise: caused by V2G."""
    result, dss, _ = small
    d = _row(result, "d")
    assert -d.margin + 1.05 == pytest.approx(dss[("d", 3000.0)], abs=1e-4)
    assert d.attribution == "new"
    assert d.mechanism == ""


def test_no_gate_line_says_set_point_and_made_worse_by_v2g(small) -> None:
    """ver34 N1: a set-point line said "made worse by V2G" and "not the load or V2G"."""
    result, _, _ = small
    for line in map(str, result.meta["gate"].get("reasons", [])):
        if "set-point" in line:
            assert "made worse by V2G" not in line and "caused by V2G" not in line, line


def test_the_hosting_figure_is_ds_not_ms(small) -> None:
    """The depot's peak figure: before, 1,119 kW "limited by C12 (at m)" — m's rise being the
    output's; now the export is limited where it raises a bus itself, d. OpenDSS (the
    depot as a pf-1 generator, taps held at +1 throughout): d's highest phase is 1.05099 pu
    at 2,139 kW and 1.05107 pu at 2,150 kW, over 1.05 pu + the tolerance (≈ 0.00107 pu at
    that base) between them."""
    from protv2g.hosting import hosting_analysis
    from protv2g.study.loader import load_study

    _, _, path = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = hosting_analysis(load_study(path), participations=["firm"], load_levels=["peak"])
    row = out.table.set_index("site").loc["depot"]
    assert "at d;" in str(row.limiting_fault), row.limiting_fault
    assert float(row.hosting_kw) == pytest.approx(2145.0, abs=60.0)
    import opendssdirect as dss

    dss.Text.Command(f"compile [{path.parent / 'feeder.dss'}]")
    dss.Text.Command("new generator.g bus1=d phases=3 kv=12.47 kw=0 pf=1 model=1 conn=delta")
    v = {}
    for kw in (0.0, float(row.hosting_kw) - 30.0, float(row.hosting_kw) + 30.0):
        dss.Generators.Name("g")
        dss.Generators.kW(kw)
        dss.Solution.Solve()
        dss.Circuit.SetActiveBus("d")
        v[kw] = max(dss.Bus.puVmagAngle()[::2])
    lo, hi = sorted(v)[1:]
    assert v[lo] < 1.05 + 0.00107 < v[hi]


# ---------------------------------------------------------------- the rule, row by row
def _bus_table(v: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Bus table of ``base/peak`` and ``v2g``: bus name → (base, V2G) voltage on all phases;
    ``a`` (the regulators' input) moved as ``ar`` so the taps read the same."""
    return pd.DataFrame([
        {"scenario": s, "step": 0, "bus": k, "vm_pu": x[j], "vm_a_pu": x[j], "vm_b_pu": x[j],
         "vm_c_pu": x[j]}
        for j, s in enumerate(("base/peak", "v2g")) for k, x in v.items()])


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    return load_dss_model(_write(tmp_path_factory.mktemp("bandm")))


def _held(model, v: dict[str, tuple[float, float]], device=None, tol: float = 0.001):
    from protv2g.checks.flow_band import band_held

    at = {b: k for k, b in enumerate(model.buses.index)}
    bus = _bus_table({at[b]: x for b, x in v.items()})
    rows = bus[(bus.scenario == "v2g") & bus.bus.isin([at["m"], at["d"]])].reset_index(drop=True)
    out = band_held(model, bus, device, {"v2g": "base/peak"}, rows, np.ones(len(rows), bool),
                    1.05, tol, lambda b: model.buses.index[b])
    return {model.buses.index[int(rows.bus.iat[k])]: t for k, t in out.items()}


def test_the_rule_row_by_row(model) -> None:
    """Hand-built tables (ratio ar/a 1.00625 in both: the same taps)."""
    base = {"a": (1.0420, 1.0476), "ar": (1.0485, 1.0541), "m": (1.0478, 1.0534),
            "d": (1.0346, 1.0570)}
    held = _held(model, base)
    assert list(held) == ["m"]  # d rises 0.0224 pu against the output's 0.0056
    assert "+0.0056 pu, the output's own rise +0.0056 pu" in held["m"]
    assert "band (1.0459–1.0626 pu)" in held["m"]
    # the rise beyond the output's by more than the tolerance: V2G's
    assert _held(model, {**base, "m": (1.0478, 1.0546)}) == {}
    # a tap moved between the base case and the V2G step: not this rule's
    assert _held(model, {**base, "ar": (1.0485, 1.0541 + 0.00625),
                         "m": (1.0478, 1.0534 + 0.00625)}) == {}
    # the output above its band with V2G (1.0630 > 1.0626 + 0.001 would be; 1.0640 is)
    assert _held(model, {**base, "a": (1.0420, 1.0574), "ar": (1.0485, 1.0640),
                         "m": (1.0478, 1.0633)}) == {}
    # reverse power through the regulators in the V2G step
    dev = pd.DataFrame({"scenario": "v2g", "step": 0, "kind": "regulator",
                        "element_name": ["transformer.reg1a"], "reverse_flow": True})
    assert _held(model, base, dev) == {}
    # a drop of 0.012 pu: the band's top less it, 1.0506 pu, is at the limit, not over it
    assert _held(model, {"a": (1.0420, 1.0555), "ar": (1.0485, 1.0620),
                         "m": (1.0365, 1.0509), "d": (1.0346, 1.0570)}) == {}


def test_ldc_is_not_the_band(tmp_path) -> None:
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    ldc = load_dss_model(_write(tmp_path, ldc=True))
    assert _held(ldc, {"a": (1.0420, 1.0476), "ar": (1.0485, 1.0541),
                       "m": (1.0478, 1.0534), "d": (1.0346, 1.0570)}) == {}


def test_the_gate_context_is_consistent() -> None:
    """``band_rows`` leaves a study without an OpenDSS model alone."""
    from protv2g.checks.flow_band import band_rows

    ctx = SimpleNamespace(study=SimpleNamespace(model=None))
    assert band_rows(ctx, pd.DataFrame(), pd.DataFrame({"scenario": ["v2g"], "bus": [1]}),
                     np.zeros(1, bool), np.ones(1), 0.001) == {}
