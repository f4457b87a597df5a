"""C5 rows behind line regulators say the fault study holds them at tap 1.0 (review rev32b §3c).

IEEE 34 (Mod1): regulator bank reg1a–c between 814 and 814r, reg2a–c between 852 and 832
(the model's text). The fault study takes them at tap 1.0 (IEC 60909-0 §6.3.1,
docs/opendss-phase-path.md); behind a regulator boosting at peak load the minimum fault
current is smaller: the reviewer's OpenDSS run gave the head relay 179.6 A for an LL-bc fault
at 848 (min case) at tap 1.0 and 165.5 A at the peak taps (reg1 1.025–1.0875, reg2 1.0813),
its reach margin +0.133 → +0.005 × pickup. A depot of 3 MW at 802 takes the head relay
(110 A) below 1.5 × pickup there (159 A, rev32b §3): its C5 row now names the regulators,
the taps the flows solve in its case and at peak load without V2G (those of OpenDSS's own
run: tests/test_regulator_modes.py), and says what the tap 1.0 means.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

STUDY = """\
name: ieee34-c5-taps
feeder:
  opendss: 34Bus/ieee34Mod1.dss
  adopt_devices: false
devices:
  - name: head-l1
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 110
    curve: IEEE-EI
    time_dial: 0.7
    reclose_intervals_s: []
v2g_sites:
  - {name: depot, bus: '802', n_chargers: 20, p_charger_kw: 150, s_charger_kva: 150,
     limit_pu: 1.5, sustained_limit_pu: 1.1, sustained_limit_high_pu: 1.2}
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [light, peak]
faults:
  method: iec60909
  r_fault_min_ohm: 20
"""


@pytest.fixture(scope="module")
def c5_messages(shared_dir: Path, tmp_path_factory) -> dict[str, list[str]]:
    src = shared_dir / "feeders" / "opendss" / "34Bus"
    if not (src / "ieee34Mod1.dss").is_file():
        pytest.skip(f"IEEE 34 feeder not in {src}")
    d = tmp_path_factory.mktemp("ieee34c5")
    shutil.copytree(src, d / "34Bus")   # the model redirects to ../IEEELineCodes.DSS
    shutil.copy(src.parent / "IEEELineCodes.DSS", d / "IEEELineCodes.DSS")
    (d / "study.yaml").write_text(STUDY, encoding="utf-8")
    from protv2g import load_study
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(d / "study.yaml"), hosting=False)
    v = r.violations
    c5 = v[(v.criterion == "C5") & (v.device == "head-l1") & (v.status == "fail")]
    out: dict[str, list[str]] = {}
    for b, m in zip(c5.fault_bus.astype(str), c5.message.astype(str), strict=True):
        out.setdefault(b, []).append(m)
    return out


def test_row_behind_both_banks_names_them_with_the_solved_taps(c5_messages):
    rows = c5_messages.get("848")
    assert rows, sorted(c5_messages)
    m = rows[0]
    assert ("; the fault study holds regulators reg1a, reg1b, reg1c, reg2a, reg2b, reg2c "
            "between the source and the fault at tap 1.0 (IEC 60909-0 §6.3.1); the flows "
            "solve them to ") in m
    # OpenDSS's own peak-load taps without V2G: reg1 +4…+14, reg2 +13 steps of 0.00625
    assert " and to 1.025–1.0875 at peak load without V2G: where they boost, the fault " \
           "draws less" in m
    assert m.endswith("confirmed with the solved taps (docs/opendss-phase-path.md)")


def test_row_note_names_only_the_regulators_before_the_fault(shared_dir):
    """Pure topology: a bus behind reg1 only (828, between 814r and 852) names reg1a–c."""
    from types import SimpleNamespace

    import pandas as pd

    from protv2g.checks.reach_regulators import regulator_notes
    from protv2g.network.dss_model import load_dss_model
    from protv2g.scenarios import Scenario
    from protv2g.units import LoadLevel, Participation

    master = shared_dir / "feeders" / "opendss" / "34Bus" / "ieee34Mod1.dss"
    if not master.is_file():
        pytest.skip(f"IEEE 34 feeder {master} not found")
    model = load_dss_model(master)
    flow = pd.DataFrame({"scenario": ["base/peak", "base/peak"], "kind": ["regulator"] * 2,
                         "device": ["REG:reg1a", "REG:reg2a"], "tap_pu": [1.0875, 1.08125]})
    sc = Scenario(name="base/peak", participation=Participation("expected"),
                  load_level=LoadLevel.PEAK, export_level="0%", sites=(), is_base=True)
    ctx = SimpleNamespace(study=SimpleNamespace(model=model), flow={"device": flow},
                          scenarios={"base/peak": sc})
    notes = regulator_notes(ctx, ["base/peak"], ["806", "828", "848"])
    assert notes[0, 0] == ""
    assert "regulators reg1a, reg1b, reg1c between the source" in notes[0, 1]
    assert "to 1.0875 in this case and to 1.0875 at peak load" in notes[0, 1]
    assert "reg1a, reg1b, reg1c, reg2a, reg2b, reg2c between" in notes[0, 2]
    assert "to 1.08125–1.0875 in this case" in notes[0, 2]
