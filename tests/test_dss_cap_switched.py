"""A capacitor its CapControl switches off in the snapshot flow is not "open in the model"
(review rev48a item 5, EPRI ckt5: four banks written closed, opened by their current-mode
CapControls, ON 300 / OFF 200 at CT ratio 60, on the first solve).

Reference (not protv2g): OpenDSS itself, compiled here — after ``compile`` the bank is
closed (``Capacitors.States() == [1]``, terminal 1 not open), after the first ``Solve`` its
CapControl has switched it off (``[0]``, terminal 1 open).
"""

from __future__ import annotations

import pytest

dss = pytest.importorskip("opendssdirect")

from protv2g.network.dss_graph import graph_warnings  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402

SCRIPT = """Clear
Set DefaultBaseFrequency=60
New Circuit.capsw basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Linecode.t336 nphases=3 r1=0.306 x1=0.627 r0=0.774 x0=1.93 units=mi normamps=530
New Line.l1 bus1=src bus2=b1 linecode=t336 length=1.0 units=mi
New Line.l2 bus1=b1 bus2=b2 linecode=t336 length=1.0 units=mi
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=300 kvar=100
New Capacitor.c1 bus1=b1 phases=3 kvar=600 kv=12.47
New CapControl.cc1 element=line.l1 terminal=1 capacitor=c1 type=current ctratio=60
~ ONsetting=300 OFFsetting=200
Set VoltageBases=[12.47]
Calcvoltagebases
"""


def test_opendss_switches_the_bank_off_in_the_first_solve(tmp_path):
    master = tmp_path / "master.dss"
    master.write_text(SCRIPT)
    dss.Text.Command(f'compile "{master}"')
    dss.Capacitors.Name("c1")
    dss.Circuit.SetActiveElement("capacitor.c1")
    assert list(dss.Capacitors.States()) == [1] and not dss.CktElement.IsOpen(1, 0)
    dss.Text.Command("solve")
    dss.Capacitors.Name("c1")
    dss.Circuit.SetActiveElement("capacitor.c1")
    assert list(dss.Capacitors.States()) == [0] and dss.CktElement.IsOpen(1, 0)

    w = graph_warnings(load_dss_model(master))
    row = w[w["name"] == "capacitor.c1"]
    assert len(row) == 1
    what, action = str(row["what"].iloc[0]), str(row["action"].iloc[0])
    assert "open in the model" not in what
    assert what.startswith("terminal 1 (b1) open after the snapshot power flow: switched off "
                           "there by capcontrol.cc1 (current mode, ON 300 / OFF 200, CT ratio "
                           "60) — its control")
    assert action.startswith("kept off in every fault run")
