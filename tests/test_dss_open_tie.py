"""A terminal the model opens stays open when a Fuse, Recloser or Relay watches it (rev44b W1).

OpenDSS forces the element a protective device switches to the device's own state when the
device is edited (``enabled=no``/``yes``) or the controls reset (``set mode=faultstudy``):
a device defined before ``Open Line.tie 1`` closes the tie again, and protv2g — which disables
the devices for its power flows and enters OpenDSS's fault-study state — paralleled the two
sources (review rev44b W1: 3ph at the far feeder's end +65 %, a reverse flow turned forward).

References (nothing here is computed by protv2g):

* faults: OpenDSS's own fault study (``solve mode=faultstudy``; ``Bus.Isc`` for 3ph,
  ``|Voc_k / Zsc_kk|`` per phase for SLG, as tests/test_pp_neutrals.py) of the same script
  with its Fuse/Recloser/Relay lines left out and the opened terminal opened by ``Open``,
  compiled in a fresh engine here. The devices
  carry no impedance, so the network is the model's; left in, OpenDSS's own fault study
  closes the tie too (its control reset), which this test shows as well;
* flows: OpenDSS's own snapshot ``Solve`` of the unmodified script (devices enabled, controls
  on: load current is below every pickup), line currents and powers read with
  ``CktElement.Currents``/``Powers``; the tie is asserted open in it. A plain ``Solve``, as a
  master has it: setting the mode (``solve mode=snapshot``) resets the controls and closes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine.phase import phase_fault_study  # noqa: E402
from protv2g.flow.opendss import DssFlowEngine, DssWatch  # noqa: E402
from protv2g.network.dss_graph import graph_warnings  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

REL = 1e-3  # the brief's 0.1 %

HEAD = """Clear
Set DefaultBaseFrequency=60
New Circuit.tie2 basekv=115 pu=1.01 phases=3 bus1=srcA MVAsc3=2000 MVAsc1=1700 x1r1=10 x0r0=3.5
New Vsource.srcB basekv=115 pu=1.0 phases=3 bus1=srcB MVAsc3=1200 MVAsc1=1000 x1r1=9 x0r0=3
~ angle=-1.5
New Transformer.subA phases=3 windings=2 buses=(srcA subA) conns=(delta wye)
~ kvs=(115 12.47) kvas=(20000 20000) xhl=9 %r=0.45
New Transformer.subB phases=3 windings=2 buses=(srcB subB) conns=(delta wye)
~ kvs=(115 12.47) kvas=(12000 12000) xhl=8 %r=0.5
New Linecode.t336 nphases=3 r1=0.306 x1=0.627 r0=0.774 x0=1.93 c1=4.0 c0=1.9 units=mi normamps=530
New Line.a1 bus1=subA bus2=a1 linecode=t336 length=1.0 units=mi
New Line.a2 bus1=a1 bus2=a2 linecode=t336 length=1.5 units=mi
New Line.a3 bus1=a2 bus2=a3 linecode=t336 length=1.5 units=mi
New Line.tie bus1=a3 bus2=b2 switch=yes
"""
TAIL = """New Line.b1 bus1=subB bus2=b1 linecode=t336 length=1.5 units=mi
New Line.b2 bus1=b1 bus2=b2 linecode=t336 length=1.5 units=mi
New Load.a1 bus1=a1 phases=3 kv=12.47 kw=800 kvar=250
New Load.a3 bus1=a3 phases=3 kv=12.47 kw=600 kvar=200
New Load.b1 bus1=b1 phases=3 kv=12.47 kw=1500 kvar=500
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1000 kvar=330
New PVSystem.pv3 bus1=a3 phases=3 kv=12.47 kva=2200 pmpp=2000 irradiance=1 pf=1
New Recloser.rc2 monitoredobj=Line.a2 monitoredterm=1 phasetrip=300 groundtrip=150
Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""
_REC = "New Recloser.rtie monitoredobj=Line.tie monitoredterm=1 phasetrip=300 groundtrip=150\n"
_FUSE = "New Fuse.ftie monitoredobj=Line.tie monitoredterm=1 fusecurve=klink ratedcurrent=65\n"
_RELAY = ("New Relay.rytie monitoredobj=Line.tie monitoredterm=1 type=current "
          "phasecurve=very_inv groundcurve=very_inv phasetrip=400 groundtrip=100\n")
#: what goes after the tie's line: its devices, then the model's ``Open`` (element, terminal
#: the model opens)
VARIANTS = {
    "recloser": (_REC + "Open Line.tie 1\n", "line.tie", 1),
    "fuse": (_FUSE + "Open Line.tie 1\n", "line.tie", 1),
    "relay": (_RELAY + "Open Line.tie 1\n", "line.tie", 1),
    "all_three": (_REC + _FUSE + _RELAY + "Open Line.tie 1\n", "line.tie", 1),
    # the device's own state (right before the fix too: kept as it is)
    "recloser_state_open": (_REC.replace("\n", " state=open\n"), "line.tie", 1),
    # the second source's transformer opened under a relay, the tie closed: feeder B from A
    "transformer": ("New Relay.rsubb monitoredobj=Transformer.subB monitoredterm=2 "
                    "type=current phasetrip=400 groundtrip=100\nOpen Transformer.subB 2\n",
                    "transformer.subb", 2),
}
DEVICE_CLASSES = ("new fuse.", "new recloser.", "new relay.")


def _write(tmp_path: Path, variant: str) -> Path:
    path = tmp_path / f"{variant}.dss"
    path.write_text(HEAD + VARIANTS[variant][0] + TAIL, encoding="utf-8")
    return path


def _fresh(script: str):  # noqa: ANN202
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Basic.AllowEditor(False)
    for line in script.splitlines():
        if line.strip():
            dss.Text.Command(line)
    return dss


def _is_open(dss, element: str, terminal: int) -> bool:  # noqa: ANN001
    dss.Circuit.SetActiveElement(element)
    return bool(dss.CktElement.IsOpen(terminal, 0))


def _opendss_fault_study(path: Path, element: str, terminal: int) -> dict:
    """(bus, '3ph'/'SLG') → A, OpenDSS's fault study of the script without its devices."""
    script = "\n".join(x for x in path.read_text().splitlines()
                       if not x.lower().startswith(DEVICE_CLASSES))
    script += f"\nOpen {element} {terminal}\n"  # a device's own state=open, left out with it
    dss = _fresh(script)
    dss.Text.Command("set mode=snapshot")
    dss.Solution.Solve()
    dss.Text.Command("solve mode=faultstudy")
    assert _is_open(dss, element, terminal)
    out = {}
    for bus in dss.Circuit.AllBusNames():
        dss.Circuit.SetActiveBus(bus)
        n = len(dss.Bus.Nodes())
        if n != 3 or dss.Bus.kVBase() > 10.0:
            continue
        isc = np.asarray(dss.Bus.Isc(), dtype=float)
        voc = np.asarray(dss.Bus.Voc(), dtype=float)
        ysc = np.asarray(dss.Bus.YscMatrix(), dtype=float)
        z = np.linalg.inv((ysc[0::2] + 1j * ysc[1::2]).reshape(n, n))
        out[(bus, "3ph")] = float(np.abs(isc[0::2] + 1j * isc[1::2]).mean())
        out[(bus, "SLG")] = float(np.max(np.abs((voc[0::2] + 1j * voc[1::2]) / np.diag(z))))
    return out


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_fault_currents_keep_the_opened_terminal(tmp_path, variant):
    path = _write(tmp_path, variant)
    _, element, terminal = VARIANTS[variant]
    model = load_dss_model(path)
    assert _is_open(model.engine, element, terminal)
    row = model.elements.set_index("name").loc[element]
    assert not row.closed  # the tie is reported open
    said = graph_warnings(model)
    assert any(f"terminal {terminal}" in w and "open in the model" in w
               for w in said[said.name == element].what)
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX],
                            fault_types=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND])
    ours = {}
    for r in res.bus.itertuples():
        key = (r.bus_name, "SLG" if r.fault_type == FaultType.SINGLE_LINE_GROUND.value
               else r.fault_type)
        ours[key] = max(ours.get(key, 0.0), r.ikss_ka * 1e3)
    ref = _opendss_fault_study(path, element, terminal)
    assert {"a3", "b2"} <= {b for b, _ in ref}
    for key, amps in ref.items():
        assert ours[key] == pytest.approx(amps, rel=REL), key
    # before: the tie closed, 3ph at b2 (the far end of feeder B) was that of two sources
    # in parallel; with the tie open, b2 is fed from subB alone
    if "Open Line.tie" in VARIANTS[variant][0]:  # a device's own state=open is kept by it
        both = _opendss_fault_study_closed(path)
        assert ours[("b2", "3ph")] < 0.8 * both


def _opendss_fault_study_closed(path: Path) -> float:
    """OpenDSS's own fault study of the unmodified script: its control reset closes the tie
    (the reason the reference above leaves the devices out); 3ph at b2, A."""
    dss = _fresh(path.read_text())
    dss.Text.Command("solve")
    assert _is_open(dss, "line.tie", 1)
    dss.Text.Command("solve mode=faultstudy")
    assert not _is_open(dss, "line.tie", 1)
    dss.Circuit.SetActiveBus("b2")
    isc = np.asarray(dss.Bus.Isc(), dtype=float)
    return float(np.abs(isc[0::2] + 1j * isc[1::2]).mean())


@pytest.mark.parametrize("variant", ["all_three", "transformer"])
def test_flows_keep_the_opened_terminal(tmp_path, variant):
    path = _write(tmp_path, variant)
    _, element, terminal = VARIANTS[variant]
    model = load_dss_model(path)
    watched = [("rc2", "recloser", "line.a2", 1), ("tie", "recloser", "line.tie", 1),
               ("b1", "relay", "line.b1", 1)]
    eng = DssFlowEngine(model, (), [DssWatch(*w) for w in watched])
    arr = eng.solve(np.ones(1), np.zeros((0, 1)))
    dss = _fresh(path.read_text())
    dss.Text.Command("solve")  # as the user's master: ``solve mode=snapshot`` would close it
    assert dss.Solution.Converged()
    assert _is_open(dss, element, terminal)
    for k, (_, _, line, term) in enumerate(watched):
        dss.Circuit.SetActiveElement(line)
        n = int(dss.CktElement.NumConductors())
        c = np.asarray(dss.CktElement.Currents(), dtype=float)
        i_ref = np.abs(c[0::2] + 1j * c[1::2])[(term - 1) * n:(term - 1) * n + 3]
        s = np.asarray(dss.CktElement.Powers(), dtype=float)
        p_ref_kw = float(s[0::2][(term - 1) * n:(term - 1) * n + 3].sum())
        i_ours = np.abs(arr.watch_i_a[0, k])
        p_ours_kw = float(arr.watch_s_kva[0, k].real.sum())
        scale = max(i_ref.max(), 1.0)
        assert np.abs(i_ours - i_ref).max() <= 5e-4 * scale, (line, i_ours, i_ref)
        assert p_ours_kw == pytest.approx(p_ref_kw, rel=5e-4, abs=1.0), line
    # the recloser on a2 carries the PV's export back towards subA: reverse (OpenDSS: P < 0)
    p_rc2_kw = float(arr.watch_s_kva[0, 0].real.sum())
    if variant == "all_three":
        assert p_rc2_kw < -1000.0
        assert np.abs(arr.watch_i_a[0, 1]).max() < 1e-6  # the open tie carries nothing
