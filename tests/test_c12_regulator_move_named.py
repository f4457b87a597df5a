"""A C12 over-voltage row at a regulator's terminal names the regulator's tap move (review
rev41a M1: IEEE 34's F07, 1.061 pu at 814 at light load, "V2G lowers the margin by 0.00858 pu",
while the rise at reg1's source-side bus is reg1b's answer to 57.6 kW of homes: its line-drop
compensation sees less forward current and the tap goes 0.975 → 0.9625).

The feeder: IEEE 34 (Mod1) with the reviewer's utility source (69 kV, 1500/1200 MVA, the
substation transformer at its nameplate 8 %), 8 × 7.2 kW of homes on phase b at 838 (firm
participation: 57.6 kW at 100 %), light load 0.3. Reference, nothing computed by protv2g:
OpenDSS (``opendssdirect``) with the homes as a unity-power-factor Generator, LoadMult 0.3,
the controls free (the reviewer's chk/e34_814.py): 814 phase b 1.0526 → 1.0599 pu, reg1b
0.975 → 0.9625, reg1a 0.9875 → 0.98125.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

dss = pytest.importorskip("opendssdirect")

SOURCE = """\
Edit Vsource.source MVAsc3=1500 MVAsc1=1200 X1R1=10 X0R0=8
Edit Transformer.SubXF Xhl=8
"""
STUDY = """\
name: ieee34-reg-move
feeder:
  opendss: 34Bus/ieee34Mod1.dss
  redirects: [34Bus/source.dss]
  adopt_devices: false
devices:
  - name: head-l1
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 120
    curve: IEEE-VI
    time_dial: 0.7
    reclose_intervals_s: []
v2g_sites:
  - {name: homes, bus: '838', phases: 1, phase: b, n_chargers: 8, p_charger_kw: 7.2}
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [light]
  light_load_fraction: 0.3
faults:
  method: iec60909
  r_fault_min_ohm: 20
"""


def _opendss(folder: Path, homes_kw: float) -> tuple[float, dict[str, float]]:
    """OpenDSS: 814's phase-b voltage (pu) and reg1a/reg1b's taps at LoadMult 0.3."""
    dss.Basic.ClearAll()
    try:
        dss.Text.Command(f'compile "{folder / "34Bus" / "ieee34Mod1.dss"}"')
        dss.Text.Command(f'redirect "{folder / "34Bus" / "source.dss"}"')
        if homes_kw:
            dss.Text.Command(f"new generator.homes bus1=838.2 phases=1 kv=14.376 "
                             f"kw={homes_kw} pf=1 model=1")
        dss.Text.Command("set loadmult=0.3")
        dss.Text.Command("set maxcontroliter=100")
        dss.Text.Command("solve")
        assert dss.Solution.Converged()
        dss.Circuit.SetActiveBus("814")
        v_b = float(np.array(dss.Bus.puVmagAngle())[0::2][1])
        taps = {}
        for reg in ("reg1a", "reg1b"):
            dss.Transformers.Name(reg)
            dss.Transformers.Wdg(2)
            taps[reg] = float(dss.Transformers.Tap())
        return v_b, taps
    finally:
        dss.Basic.ClearAll()


def ieee34_run(shared_dir: Path, folder: Path, scripts: dict[str, str], study: str):
    """``(folder, result)``: IEEE 34 (Mod1) copied to ``folder/34Bus`` with ``scripts`` (file
    name → text) written beside it and ``study`` run there without hosting."""
    src = shared_dir / "feeders" / "opendss" / "34Bus"
    if not (src / "ieee34Mod1.dss").is_file():
        pytest.skip(f"IEEE 34 feeder not in {src}")
    shutil.copytree(src, folder / "34Bus")  # the model redirects to ../IEEELineCodes.DSS
    shutil.copy(src.parent / "IEEELineCodes.DSS", folder / "IEEELineCodes.DSS")
    for name, text in scripts.items():
        (folder / "34Bus" / name).write_text(text, encoding="utf-8")
    (folder / "study.yaml").write_text(study, encoding="utf-8")
    from protv2g import load_study
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(load_study(folder / "study.yaml"), hosting=False)
    return folder, result


@pytest.fixture(scope="module")
def run(shared_dir: Path, tmp_path_factory):
    return ieee34_run(shared_dir, tmp_path_factory.mktemp("ieee34regmove"),
                      {"source.dss": SOURCE}, STUDY)


def test_the_row_at_814_names_reg1bs_tap_move(run):
    """Fails on the old code: the message said nothing of the regulators."""
    folder, result = run
    v_base, taps_base = _opendss(folder, 0.0)
    v_homes, taps_homes = _opendss(folder, 57.6)
    assert taps_base["reg1b"] == pytest.approx(0.975) and taps_homes["reg1b"] == pytest.approx(
        0.9625)
    v = result.violations
    rows = v[(v.criterion == "C12") & (v.fault_bus == "814")].set_index("scenario")
    row = rows.loc["firm/light/100%"]
    # the flow's own voltage (the base case's taps) is OpenDSS's; the row is judged at the
    # conservative end of where in their band the regulators rest (review rev49b #1), never
    # below it, and says which start drove it
    b = result.flow.buses
    own = b[(b.bus_name.astype(str) == "814") & (b.scenario == "firm/light/100%")]
    v_own = float(own[["vm_pu", "vm_a_pu", "vm_b_pu", "vm_c_pu"]].max(axis=1).max())
    assert v_own == pytest.approx(v_homes, abs=2e-4)
    assert 1.05 - float(row.margin) >= v_own - 1e-9
    assert "judged on the rise from the " in str(row.message)
    assert 1.05 - float(rows.loc["base/light", "margin"]) == pytest.approx(v_base, abs=2e-4)
    msg = str(row.message)
    assert "; a regulator's response is in this rise (its tap against the case without V2G" in msg
    want = (f"reg1b moved {taps_base['reg1b']:.6g} → {taps_homes['reg1b']:.6g} (LDC sees less "
            "forward current: ")
    assert want in msg, msg
    assert "814 is its source-side terminal" in msg
    a0, a1 = taps_base["reg1a"], taps_homes["reg1a"]
    assert (f"reg1a moved {a0:.6g} → {a1:.6g}" in msg) == (abs(a1 - a0) > 1e-6)
    # the base case's row names nothing: no move against itself
    assert "regulator's response" not in str(rows.loc["base/light", "message"])


def test_a_bus_no_move_reaches_is_left_alone(run):
    _, result = run
    v = result.violations
    rows = v[(v.criterion == "C12") & (v.scenario == "firm/light/100%")
             & (v.fault_bus.astype(str).isin(["800", "802", "806", "808", "810", "812"]))]
    assert not rows.message.astype(str).str.contains("regulator's response").any()
