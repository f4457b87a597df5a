"""validate's TODO on an existing source written as a Vsource gives the figures the study runs
it with (review rev49a #6: EPRI DG_Prot_Fdr's WindGen1, "confirm what it is" without the
R1 1.604 Ω, 0.224 MVA and 10.39 A at 12.47 kV of the Existing sources sheet).

The model writes WindGen1 as DG_Prot_Fdr does: ``basekv=0.6 X1=0.037091`` and no R1, behind a
12.47/0.6 kV transformer whose terminal 2 the model opens. By hand (OpenDSS's Vsource
defaults MVAsc3 2000 MVA at basekv 115 kV, X1/R1 4, from which it derives R1 when only X1 is
given): R1 = 115² / 2000 / √17 = 1.6038 Ω; at 0.6 kV, 0.6² / |1.6038 + j0.037091| = 0.2244 MVA,
215.9 A; referred to 12.47 kV, 215.9 × 0.6 / 12.47 = 10.39 A (OpenDSS's own R1 and MVAsc3 on
DG_Prot_Fdr: 1.60377 Ω, 0.224412 MVA).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from protv2g.cli import main

_MASTER = """Clear
New Circuit.c basekv=12.47 bus1=s pu=1.0 MVAsc3=200 MVAsc1=200 x1r1=8 x0r0=8
New Line.l1 bus1=s bus2=b1 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=1.0 c1=0 c0=0
New Line.l2 bus1=b1 bus2=b2 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=1.0 c1=0 c0=0
New Transformer.tg phases=3 windings=2 buses=[b1 bg] conns=[delta wye] kvs=[12.47 0.6]
~ kvas=[1700 1700] xhl=5
New Vsource.windgen1 bus1=bg basekv=0.6 pu=1.0 X1=0.037091 X0=1e6
New Load.ld bus1=b2 kv=12.47 kw=500 kvar=100
Set voltagebases=[12.47 0.6]
Calcvoltagebases
open transformer.tg 2
"""
_NOTE = ("vsource.windgen1: a further Vsource at bg (0.6 kV), beside source (12.47 kV), below "
         "the supply voltage: an existing source on the feeder (a generator or DER written as "
         "a voltage source behind its impedance), not a substation and not an inverter-based "
         "DER")


def _study(tmp_path: Path, redirect: str = "") -> Path:
    pytest.importorskip("opendssdirect")
    (tmp_path / "Master.dss").write_text(_MASTER)
    red = ""
    if redirect:
        (tmp_path / "fix.dss").write_text(redirect)
        red = "  redirects: [fix.dss]\n"
    (tmp_path / "study.yaml").write_text(
        "name: tiny\nfeeder:\n"
        f"  # TODO: {_NOTE} | fix: confirm what it is\n"
        f"  opendss: Master.dss\n{red}  adopt_devices: false\n"
        "devices:\n"
        "  - {name: r1, kind: relay, location: {line: l1, end: from}, pickup_a: 100, "
        "curve: IEEE-VI, time_dial: 1.0, interrupting_rating_ka: 25}\n"
        "v2g_sites:\n  - {name: lot, bus: b2, n_chargers: 4, p_charger_kw: 50}\n")
    return tmp_path / "study.yaml"


def _line(out: str) -> str:
    return next(x for x in out.splitlines() if "vsource.windgen1: a further" in x)


def test_the_todo_gives_the_sources_figures_when_kept_off(tmp_path, capsys):
    """Old code: the TODO as init wrote it, no figures."""
    main(["validate", str(_study(tmp_path))])
    line = _line(capsys.readouterr().out)
    r1 = 115**2 / 2000 / math.sqrt(17)
    mva = 0.6**2 / abs(complex(r1, 0.037091))
    assert f"R1 = {r1:.4g} Ω, X1 = 0.03709 Ω: {mva:.3g} MVA three-phase short circuit" in line
    assert f"{mva / (math.sqrt(3) * 0.6) * 1e3:,.0f} A at 0.6 kV" in line  # 216 A
    i_feeder = mva / (math.sqrt(3) * 12.47) * 1e3
    assert f"at most {i_feeder:,.2f} A referred to 12.47 kV if the element keeping it off " \
           "were closed" in line and f"{i_feeder:.2f}" == "10.39"
    assert "a resistor, not a machine" in line
    assert line.rstrip().endswith("Fix: confirm what it is")


def test_the_todo_gives_the_sources_figures_when_connected(tmp_path, capsys):
    """With ``close transformer.tg 2`` redirected the source feeds the feeder: its figures
    without the 'if closed'."""
    main(["validate", str(_study(tmp_path, "close transformer.tg 2\n"))])
    line = _line(capsys.readouterr().out)
    assert "at most 10.39 A referred to 12.47 kV;" in line and "were closed" not in line
