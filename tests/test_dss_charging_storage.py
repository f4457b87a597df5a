"""A model with a charging (or idling) ``Storage`` crashed the whole process (segmentation
fault in DSS C-API 0.15.7) when protv2g put it into OpenDSS's fault study
(``network/dss_compile.py`` ``_enter_fault_study``, brief recommend_fs §4). The unit is now
taken into the fault study discharging at 0 % (the same system admittance as a discharging
unit) and the model's warnings name it. Each load runs in a subprocess: a regression would
end the interpreter, not fail an assertion."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("dss")

MASTER = """\
Clear
New Circuit.stor basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=150
New Line.l1 bus1=src bus2=b1 length=1 units=km
New Load.ld bus1=b1 kv=12.47 kw=500 pf=0.95
New Storage.bess bus1=b1 kv=12.47 kwrated=300 kwhrated=1200 %stored=50 state={state} %charge=100
Set voltagebases=[12.47]
Calcvoltagebases
Solve
"""

SCRIPT = textwrap.dedent("""
    import sys
    from protv2g.network.dss_model import load_dss_model
    m = load_dss_model(sys.argv[1])
    w = m.warnings
    hit = w[w.astype(str).apply(lambda c: c.str.contains("storage.bess")).any(axis=1)]
    print("ROWS", len(hit))
    print("KW", m.injections.set_index("name").loc["storage.bess", "p_flow_kw"])
""")


@pytest.mark.parametrize("state, warned", [("charging", 1), ("idling", 1), ("discharging", 0)])
def test_a_non_discharging_storage_does_not_crash_the_fault_study(tmp_path: Path, state: str,
                                                                  warned: int) -> None:
    master = tmp_path / "master.dss"
    master.write_text(MASTER.format(state=state), encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(master)], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])  # was −11 (SIGSEGV)
    assert f"ROWS {warned}" in run.stdout
    kw = float(run.stdout.split("KW", 1)[1].split()[0])
    if state == "charging":  # its pre-fault charging is kept from the power flow
        assert kw < -100.0
