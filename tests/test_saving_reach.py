"""Where along a fuse's line fuse saving is impossible (:mod:`protv2g.checks.saving_reach`).

Hand checks of the closed form (``1/I`` linear along the line), a brute-force scan, OpenDSS at
points inside a line (EPRI's DG-protection feeder, the line split in a copy of its script; the
interpolation from the engine's two end currents within 1 % of OpenDSS's fault current, and
the fraction found for a limit equal to OpenDSS's current at ``u`` within 0.01 of ``u``), and
the C2 text on the depot example.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from protv2g.checks.saving_reach import fraction_above


def test_fraction_hand_checks():
    # in phase: 1/I(u) = 1e-3·(1 + u); I(0.5) = 666.7 A
    assert fraction_above(1000.0, 500.0, 1000.0 / 1.5) == pytest.approx(0.5)
    # reactive source, resistive line: 1/I(u) = 1e-3·(j + u), |I(u)| = 1000/√(1 + u²);
    # 1000/√1.25 = 894.4 A at u = 0.5
    assert fraction_above(1 / 1e-3j, 1 / (1e-3 * (1 + 1j)), 1000 / np.sqrt(1.25)) \
        == pytest.approx(0.5)
    # the whole line above, none of it, and bad currents
    np.testing.assert_allclose(fraction_above([1000.0, 1000.0, 0.0], [800.0, 500.0, 500.0],
                                              [700.0, 1200.0, 100.0]), [1.0, 0.0, np.nan])


def test_fraction_matches_a_fine_scan():
    rng = np.random.default_rng(7)
    z0 = rng.uniform(0.2, 2.0, 200) * np.exp(1j * rng.uniform(0.5, 1.5, 200))
    zl = rng.uniform(0.1, 3.0, 200) * np.exp(1j * rng.uniform(0.3, 1.4, 200))
    e = 7200.0 * np.exp(1j * rng.uniform(-1, 1, 200))
    u = np.linspace(0.0, 1.0, 20001)
    i_u = np.abs(e[:, None] / (z0[:, None] + u[None, :] * zl[:, None]))   # (200, 20001)
    limit = rng.uniform(0.3, 1.1, 200) * i_u[:, 0]
    got = fraction_above(e / z0, e / (z0 + zl), limit)
    scan = (i_u > limit[:, None]).mean(axis=1)  # monotone along the line: the fraction above
    np.testing.assert_allclose(got, scan, atol=2e-4)


# --- OpenDSS inside the line ------------------------------------------------------------------
KFT_KM = 0.3048
#: (line, OpenDSS definition, length kft, fault phases)
LINES = {
    "la": ("new Line.La bus1=B1 bus2=Lat1 geometry=Lateral units=kft length=21.2", 21.2, "a"),
    "l2": ("new Line.L2 bus1=B1 bus2=Bm   geometry=Trunk   units=kft length=13.5", 13.5, "abc"),
}


@pytest.mark.parametrize("line", sorted(LINES))
def test_thevenin_interpolation_matches_opendss_inside_the_line(shared_dir, tmp_path, line):
    pytest.importorskip("opendssdirect")
    from protv2g.engine.phase import PhaseDevice, phase_fault_study
    from protv2g.network.dss_close_in import close_in_model
    from protv2g.network.dss_model import load_dss_model
    from protv2g.network.opendss_reference import opendss_faulted
    from protv2g.units import Case, FaultType, Method

    path = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    text, kft, phases = LINES[line]
    ci = close_in_model(load_dss_model(path), [(f"line.{line}", 1, "dev")])
    row = ci.table.iloc[0]
    far = ci.model.elements.set_index("name").at[f"line.{line}~rest", "buses"][1]
    ft = FaultType.THREE_PHASE if phases == "abc" else FaultType.SINGLE_LINE_GROUND
    res = phase_fault_study(ci.model, method=Method.CLASSICAL, cases=[Case.MAX],
                            r_fault_ohm=1e-4, devices=[PhaseDevice("dev", f"line.{line}", 1)],
                            fault_types=[ft], buses=[row.bus_name, far])
    dev = res.device[res.device.phase.isin([phases, "a"])].set_index("fault_bus_name")

    def phasor(bus: str) -> complex:
        return complex(dev.at[bus, "ia_ka"] * 1e3 * np.exp(1j * np.radians(
            dev.at[bus, "ia_degree"])))

    i0, il = phasor(row.bus_name), phasor(far)
    assert abs(i0) > 1.2 * abs(il)  # a real change along the line (L2 1,143 → 899 A)
    m = re.match(r"new Line\.(\w+) bus1=(\w+) bus2=(\w+)\s+(geometry=\w+)", text, flags=re.I)
    name, b1, b2, geo = m.groups()
    total = kft * KFT_KM
    script = path.read_text()
    for u in (0.25, 0.5, 0.75):
        out = tmp_path / f"u{u}" / path.name
        out.parent.mkdir()
        out.write_text(script.replace(text, (
            f"new Line.{name} bus1={b1} bus2=mid {geo} units=km length={u * total}\n"
            f"new Line.{name}x bus1=mid bus2={b2} {geo} units=km length={(1 - u) * total}")))
        ref = np.asarray(opendss_faulted(out, "mid", phases, True, 1e-4, [])["fault"])
        i_u = abs(1.0 / (1.0 / i0 + u * (1.0 / il - 1.0 / i0)))
        assert i_u == pytest.approx(np.abs(ref[0]), rel=0.01), (u, i_u, np.abs(ref))
        assert fraction_above(i0, il, np.abs(ref[0])) == pytest.approx(u, abs=0.01)


def test_c2_info_rows_say_how_much_of_the_fuse_line_is_above_the_range(depot_result):
    """Every C2 fuse-saving ``info`` row of a series fault kind (3ph, LL, SLG) names the part
    of the fuse's line above the range; LLG rows say nothing (not a series connection)."""
    v = depot_result.violations
    info = v[(v.criterion == "C2") & (v.status == "info") & (v.rule == "fuse_saving_k")]
    llg = info.message.str.contains(" LLG fault ")
    assert len(info[~llg]) and info[~llg].message.str.contains(
        r"; faults on (?:the whole of|the first [\d.]+ km \(\d+ %\) of) \S+ \([\d.]+ km\) "
        r"from \S+ exceed the range's upper limit \([\d,]+ A\)").all()
    assert not info[llg].message.str.contains("exceed the range").any()
