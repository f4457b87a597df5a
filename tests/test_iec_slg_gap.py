"""The IEC 60909 maximum SLG current is said to be no upper bound where the model's loads carry
the zero sequence of an impedance-grounded source (review rev46b M1).

rev46b's v1 (IEEE 13, Yg–Yg substation, 10 Ω neutral reactor): the default IEC 60909 max SLG
at 675 was 244 A, OpenDSS's fault study 665–1129 A, and nothing said so. The model here is the
same mechanism in six lines: a Yg–Yg 115/4.16 kV unit whose star point is grounded through a
10 Ω reactor, a line, and a 1.5 MW load at OpenDSS's default ``conn=wye`` (its star point on
node 0) — or, as the control, connected delta.

References (nothing here is computed by protv2g):
* OpenDSS's own fault study (``opendssdirect``, a fresh compile: ``solve`` then ``solve
  mode=faultstudy``; SLG on phase k = |Voc_k / Zsc_kk|, rev46b's ``dssfault.py`` method): the
  classical current with the loads in;
* the same with the load disabled and the source at 1.1 pu: IEC 60909's maximum case (no
  loads, c_max = 1.1), as rev46b emulated it; by hand at sub: 3·1.1·2401.8 V / |2·Z1 + Z0| with
  OpenDSS's Z1 = 0.0321 + 0.2807j Ω, Z0 = 0.0296 + 30.2836j Ω = 257.0 A.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.report.summary_decision import slg_gap_lines as _slg_gap_lines  # noqa: E402
from protv2g.study.iec_slg_gap import SLG_GAP_WHAT, gap_text, slg_gaps  # noqa: E402

MODEL = """Clear
Set DefaultBaseFrequency=60
New Circuit.ngr basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=2100
New Transformer.sub phases=3 windings=2 buses=(src, sub.1.2.3.4) conns=(wye, wye)
~ kvs=(115, 4.16) kvas=(5000, 5000) xhl=8 %r=0.5
New Reactor.ngr phases=1 bus1=sub.4 bus2=sub.0 r=0.001 x=10
New Line.l1 bus1=sub bus2=b1 phases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0 length=1 units=km
New Load.b1 bus1=b1 phases=3 conn={conn} kv=4.16 kw=1500 kvar=700 model=1
Set VoltageBases=(115, 4.16)
CalcVoltageBases
"""


def _opendss_slg_a(path, bus: str, iec: bool = False) -> np.ndarray:
    """OpenDSS's SLG current (A) on each phase of ``bus``: |Voc_k / Zsc_kk| after a fault
    study; ``iec``: the load disabled and the source at 1.1 pu."""
    import opendssdirect as dss

    dss.Text.Command(f"redirect {path}")
    if iec:
        dss.Text.Command("Edit Vsource.source pu=1.1")
        dss.Text.Command("Edit Load.b1 enabled=no")
    dss.Text.Command("solve")
    dss.Text.Command("solve mode=faultstudy")
    dss.Circuit.SetActiveBus(bus)
    voc = np.array(dss.Bus.Voc()).reshape(-1, 2) @ [1, 1j]
    z = np.array(dss.Bus.ZscMatrix()).reshape(-1, 2) @ [1, 1j]
    n = len(voc)
    return np.abs(voc / np.diag(z.reshape(n, n)))[:3]


@pytest.fixture(params=["wye", "delta"])
def case(request, tmp_path):
    path = tmp_path / f"{request.param}.dss"
    path.write_text(MODEL.format(conn=request.param))
    return request.param, path


def test_grounded_wye_loads_on_an_impedance_grounded_source_are_named(case) -> None:
    conn, path = case
    gaps = slg_gaps(load_dss_model(path))
    if conn == "delta":  # no zero-sequence path but the reactor: the IEC maximum bounds it
        assert gaps.empty
        return
    assert set(gaps["bus_name"]) == {"sub", "b1"}  # not src (solidly grounded, 115 kV)
    for bus in ("sub", "b1"):
        got = gaps[gaps["bus_name"] == bus].sort_values("phase")
        # protv2g's classical current is OpenDSS's fault study's (loads in)
        np.testing.assert_allclose(got["i_classical_a"], _opendss_slg_a(path, bus), rtol=0.01)
        # ... its IEC maximum the loads-out emulation's (2 %: c·Un against the tap's Voc)
        np.testing.assert_allclose(got["i_iec_a"], _opendss_slg_a(path, bus, iec=True),
                                   rtol=0.02)
    sub = gaps[gaps["bus_name"] == "sub"]
    assert sub["i_iec_a"].iloc[0] == pytest.approx(257.0, rel=0.005)  # by hand, docstring
    assert (gaps["ratio"] > 2.5).all()  # OpenDSS: 715.7 / 257.0 = 2.78 at sub
    what, fix = gap_text(gaps)
    assert what.startswith(SLG_GAP_WHAT) and "2 fault bus(es) (sub, b1)" in what
    assert "grounded-wye loads" in what and "faults.method: classical" in fix


def test_the_summary_says_it_from_the_feeder_warnings() -> None:
    rows = pd.DataFrame({"element": ["load", "faults"], "name": ["x", "faults.method"],
                         "what": ["something else", f"{SLG_GAP_WHAT}: at 1 fault bus(es)"],
                         "action": ["a", "confirm how the loads are really connected"]})
    assert _slg_gap_lines(rows) == [f"{SLG_GAP_WHAT}: at 1 fault bus(es); fix: confirm how "
                                    "the loads are really connected"]
    assert _slg_gap_lines(None) == [] and _slg_gap_lines(rows.iloc[:1]) == []


@pytest.mark.parametrize("method", [None, "classical"])
def test_the_faults_command_says_it_too(case, method, tmp_path, capsys) -> None:
    """``protv2g faults MASTER.dss`` printed the IEC maximum alone (review ver46 #2): with the
    default IEC 60909 method it now gives the same warning as validate and run; with
    ``--method classical`` (the loads in) there is nothing to warn of."""
    from protv2g.cli import main

    conn, path = case
    argv = ["faults", str(path), "--csv", str(tmp_path / "f.csv")]
    assert main(argv + (["--method", method] if method else [])) == 0
    out = capsys.readouterr().out
    assert (SLG_GAP_WHAT in out) == (conn == "wye" and method is None), out
