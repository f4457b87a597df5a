"""validate's TODO on an existing source written as a Vsource gives the figures the study runs
it with (review rev49a #6: EPRI DG_Prot_Fdr's WindGen1, "confirm what it is" without the
R1 1.604 Ω, 0.224 MVA and 10.39 A at 12.47 kV of the Existing sources sheet).

The model writes WindGen1 as DG_Prot_Fdr does (test_validate_input_checks's tiny feeder):
``basekv=0.6 X1=0.037091`` and no R1, behind a 12.47/0.6 kV transformer whose terminal 2 the
model opens. By hand (OpenDSS's Vsource
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

from .test_validate_input_checks import _tiny

_NOTE = ("vsource.windgen1: a further Vsource at bg (0.6 kV), beside source (12.47 kV), below "
         "the supply voltage: an existing source on the feeder (a generator or DER written as "
         "a voltage source behind its impedance), not a substation and not an inverter-based "
         "DER")


#: DG_Prot_Fdr's WindGen1 line, in place of the tiny model's own Vsource at bg.
_WINDGEN = "New Vsource.windgen1 bus1=bg basekv=0.6 pu=1.0 X1=0.037091 X0=1e6"


def _study(tmp_path: Path, redirect: str = "") -> Path:
    """test_validate_input_checks's tiny model (12.47 kV, tg 12.47/0.6 kV to bg, its terminal
    2 opened) with WindGen1 as DG_Prot_Fdr writes it, and init's TODO on it."""
    pytest.importorskip("opendssdirect")
    path = _tiny(tmp_path, redirect=redirect)
    master = (tmp_path / "Master.dss").read_text()
    old = next(x for x in master.splitlines() if x.startswith("New Vsource.windgen1"))
    (tmp_path / "Master.dss").write_text(master.replace(old, _WINDGEN))
    path.write_text(path.read_text().replace(
        "feeder:\n", f"feeder:\n  # TODO: {_NOTE} | fix: confirm what it is\n", 1))
    return path


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
