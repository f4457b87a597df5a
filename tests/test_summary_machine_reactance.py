"""The Summary's "Existing sources" line names the machine reactance the run used (review
rev39b M1): a classical run puts a Generator behind X′d (OpenDSS's fault-study reactance), an
IEC 60909 run behind X″d; the line said "(subtransient)" for both.

Checked against OpenDSS itself (``opendssdirect``, ``solve mode=faultstudy``, read here, not
through protv2g) on the shared case ``cases/synchronous-generator-source`` (g1: Xdp 0.3 pu,
Xdpp 0.2 pu; its README's 3ph values 1654.2 / 1037.0 / 754.4 A are OpenDSS's behind Xdp).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import phase_fault_study  # noqa: E402
from protv2g.engine.phase.der import der_table  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.report.summary_faults import existing_sources_assumption  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402


def _opendss_isc_a(master, bus: str, extra: tuple[str, ...] = ()) -> float:
    """OpenDSS's own 3ph fault current (A, phase a) at ``bus`` (faultstudy)."""
    import opendssdirect as dss

    dss.Text.Command("clear")
    dss.Text.Command(f"redirect [{master}]")
    for cmd in extra:
        dss.Text.Command(cmd)
    dss.Text.Command("solve mode=faultstudy")
    dss.Circuit.SetActiveBus(bus)
    isc = dss.Bus.Isc()
    return abs(complex(isc[0], isc[1]))


def test_existing_sources_line_names_the_reactance_the_method_uses(shared_dir):
    master = shared_dir / "cases" / "synchronous-generator-source" / "master.dss"
    model = load_dss_model(master)
    table = der_table(model)
    classical = existing_sources_assumption(table, "classical")
    iec = existing_sources_assumption(table, "iec60909")
    # the old line: "voltage sources behind their (subtransient) impedance" for both
    assert "subtransient" not in classical, classical
    assert "transient reactance X'd = 0.3 pu" in classical, classical
    assert "subtransient reactance X''d = 0.2 pu" in iec, iec
    # and its IEC 60909 correction (session 42, review rev41b M1: none was applied): the unit
    # with its 3 MVA transformer at unity pf, K_SO = c_max = 1.1 (§6.7.2)
    assert "impedance × K_SO = 1.1 on the power station unit with transformer.gsu" in iec, iec
    assert "cos φ_rG = 1 (the model's Generator pf; the standard's is the rated one" in iec
    assert "K_SO" not in classical, classical
    # the classical figures are OpenDSS's behind Xdp = 0.3 pu (the reactance named), not
    # behind Xdpp: OpenDSS 1654.2 A at b1 as the model is, 1885.4 A with Xdp=0.2
    got_a = 1e3 * float(phase_fault_study(
        model, method=Method.CLASSICAL, cases=[Case.MAX], fault_types=[FaultType.THREE_PHASE],
        buses=["b1"]).bus.ia_ka.iloc[0])
    behind_xdp = _opendss_isc_a(master, "b1")
    behind_xdpp = _opendss_isc_a(master, "b1", ("edit Generator.g1 Xdp=0.2",))
    assert np.isclose(behind_xdp, 1654.2, atol=0.5)  # the case README's value
    assert np.isclose(got_a, behind_xdp, rtol=5e-3)
    assert behind_xdpp > 1.1 * got_a  # the reactance matters: 14 % more behind X''d
    # no method recorded: both values, no choice claimed
    both = existing_sources_assumption(table)
    assert "X'd = 0.3 pu (classical method) or X''d = 0.2 pu (IEC 60909)" in both
