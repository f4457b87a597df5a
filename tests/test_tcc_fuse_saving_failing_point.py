"""A fuse-saving finding's failing point is on its TCC with its value (plot43, left open at the
end of session 43).

IEEE 34 with the campus and the homes (rev43a's study, ``run --no-hosting``): the gate fails C2
F-L26 → R-816, fuse saving, −0.037 s: at the minimum SLG-b fault at 856 in expected/light/50%,
F-L26 (15K) starts to melt in 0.18 s at 165 A while R-816's ground fast curve 104 × K = 1.35
trips in 0.217 s at 3I0 171 A (the finding's own message: "1.35 × 0.161 s on its ground fast
curve 104 at 2.446 × the 70 A ground minimum trip"). Two things kept it off every TCC:

* the Pair coordination table's "worst V2G" row was the scenario of the smallest margin
  whatever its status: an ``info`` −0.0377 s above the crossover (firm/light/100%, at the
  close-in fault, R-816's phase fast curve), not the failing −0.0372 s;
* the base row's times are all R-816's phase fast curve's, so the ground TCC drew no fuse-saving
  interval, and the V2G row's own arrow was only drawn beside the reference's.

The figures are the run's Coordination rows (base/light, firm/light/100%, expected/light/50%).
By hand: the interval is fuse MM − K × fast (``margin_formula``) = 0.17994 − 0.21719 =
−0.03725 s; K × fast = 1.35 × 0.16088 s (the message's 0.161 s).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.report.derived import pair_table
from protv2g.report.tcc_intervals import intervals

RULE = "fuse saving: K × fast < fuse MM"
COLUMNS = ["scenario", "fault_bus", "case", "i_primary_a", "i_backup_a", "i_backup_3i0_a",
           "t_primary_s", "t_backup_s", "margin_s", "status", "data_boundary"]
#: The F-L26 → R-816 fuse-saving Coordination rows of three scenarios (SLG-b faults).
ROWS = [
    ("base/light", "856", "max", 235.49936, 236.16311, 236.43823, 0.083348, 0.091220,
     -0.007872044, "info", "F-L26 mm: i2t_asymptote"),
    ("base/light", "856", "min", 153.38830, 153.82008, 153.99943, 0.198476, 0.194585,
     0.003891146, "ok", "inside"),
    ("base/light", "f-l26 close-in", "max", 294.98984, 295.82126, 296.16589, 0.053121,
     0.084968, -0.031847036, "info", "F-L26 mm: i2t_asymptote"),
    ("base/light", "f-l26 close-in", "min", 186.41372, 186.93846, 187.15643, 0.133265,
     0.128456, 0.004809604, "ok", "inside"),
    ("expected/light/50%", "856", "max", 247.80419, 225.23605, 255.69254, 0.077803, 0.094414,
     -0.016611605, "info", "F-L26 mm: i2t_asymptote"),
    ("expected/light/50%", "856", "min", 165.13237, 136.99409, 171.24590, 0.179942, 0.217188,
     -0.037245473, "fail", "inside"),
    ("firm/light/100%", "856", "min", 167.80438, 133.27906, 175.33030, 0.170407, 0.203647,
     -0.033239780, "fail", "inside"),
    ("firm/light/100%", "f-l26 close-in", "max", 313.11724, 288.50692, 323.39713, 0.047807,
     0.085479, -0.037671806, "info", "F-L26 mm: i2t_asymptote"),
]


def _result() -> SimpleNamespace:
    c = pd.DataFrame(ROWS, columns=COLUMNS).assign(
        criterion="C2", check=RULE, fault_type="SLG-b", primary="F-L26", backup="R-816",
        required_s=0.0, rule="fuse_saving_k", rule_value=1.35)
    c["i_primary_3i0_a"] = c["i_primary_a"]
    c["ok"] = c["status"] == "ok"
    scen = pd.DataFrame({"scenario": ["base/light", "expected/light/50%", "firm/light/100%"],
                         "is_base": [True, False, False]})
    return SimpleNamespace(tables={"Coordination": c}, scenarios=scen,
                           violations=pd.DataFrame(columns=["criterion", "status"]),
                           idle_pairs=None)


def test_the_pairs_worst_v2g_row_is_the_failing_one_not_an_info_one():
    t = pair_table(_result(), models={}, faults=None)
    v = t[t["case_of"] == "worst V2G"].iloc[0]
    # the old code: firm/light/100%, info, −0.0377 s at the close-in fault
    assert v["scenario"] == "expected/light/50%" and v["status"] == "fail"
    assert v["worst_margin_s"] == pytest.approx(-0.037245, abs=1e-6)
    assert v["worst_fault"] == "SLG-b 856 (min)"
    # fuse MM − K × fast, by hand from the row's times
    assert v["t_primary_worst_s"] - v["t_backup_worst_s"] == pytest.approx(-0.037245,
                                                                          abs=1e-5)
    assert v["t_backup_worst_s"] / 1.35 == pytest.approx(0.161, abs=5e-4)  # the message
    # the base row: its worst is still the info one (no row fails there)
    b = t[t["case_of"] == "base"].iloc[0]
    assert b["status"] == "info" and b["worst_margin_s"] == pytest.approx(-0.031847, abs=1e-6)


def _notes() -> list:
    """The pair-table rows (:func:`pair_table` of the run with its devices: the elements
    named) of the pair and rule, as :func:`protv2g.report.tcc_sheets._pair_notes` gives
    them."""
    phase = "F-L26 fuse MM, R-816 fast P"
    base = {"max_fault": "SLG-b f-l26 close-in (max)", "min_fault": "SLG-b 856 (min)",
            "worst_fault": "SLG-b f-l26 close-in (max)"}
    ref = pd.Series({
        "pair": "F-L26 → R-816", "criterion": "C2", "rule": RULE, "case_of": "base",
        "scenario": "base/light, base/peak", "required_s": 0.0, "status": "info", **base,
        **{f"{k}_{t}": v for t, vals in (
            ("max", (294.98984, 295.82126, 294.98984, 296.16589, 0.053121, 0.084968)),
            ("min", (153.38830, 153.82008, 153.38830, 153.99943, 0.198476, 0.194585)),
            ("worst", (294.98984, 295.82126, 294.98984, 296.16589, 0.053121, 0.084968)))
           for k, v in zip(("i_primary", "i_backup", "i_primary_3i0", "i_backup_3i0",
                            "t_primary", "t_backup"), vals, strict=True)},
    })
    for t in ("max", "min", "worst"):
        ref[f"i_primary_{t}_a"] = ref.pop(f"i_primary_{t}")
        for k in ("i_backup", "i_primary_3i0", "i_backup_3i0"):
            ref[f"{k}_{t}_a"] = ref.pop(f"{k}_{t}")
        for k in ("t_primary", "t_backup"):
            ref[f"{k}_{t}_s"] = ref.pop(f"{k}_{t}")
        ref[f"interval_{t}_s"] = ref[f"t_primary_{t}_s"] - ref[f"t_backup_{t}_s"]
        ref[f"elements_{t}"] = phase
    ref["status_max"] = ref["status_worst"] = "info"
    ref["status_min"] = "ok"
    v = ref.copy()
    v["case_of"], v["scenario"], v["status"] = "worst V2G", "expected/light/50%", "fail"
    v["worst_fault"] = "SLG-b 856 (min)"
    for t, vals in (("max", (309.83137, 289.64443, 309.83137, 318.33189, 0.049362,
                             0.085320, phase, "info")),
                    ("min", (165.13237, 136.99409, 165.13237, 171.24590, 0.179942, 0.217188,
                             "F-L26 fuse MM, R-816 fast G (3I0)", "fail"))):
        for k, x in zip((f"i_primary_{t}_a", f"i_backup_{t}_a", f"i_primary_3i0_{t}_a",
                         f"i_backup_3i0_{t}_a", f"t_primary_{t}_s", f"t_backup_{t}_s",
                         f"elements_{t}", f"status_{t}"), vals, strict=True):
            v[k] = x
        v[f"interval_{t}_s"] = v[f"t_primary_{t}_s"] - v[f"t_backup_{t}_s"]
    for k in ("i_primary", "i_backup", "i_primary_3i0", "i_backup_3i0"):
        v[f"{k}_worst_a"] = v[f"{k}_min_a"]
    for k in ("t_primary", "t_backup", "interval"):
        v[f"{k}_worst_s"] = v[f"{k}_min_s"]
    v["elements_worst"], v["status_worst"] = v["elements_min"], "fail"
    return [("F-L26", "R-816", ref, v)]


def test_the_failing_fuse_saving_point_is_on_the_ground_tcc_with_its_value():
    ground = intervals(_notes(), ["head-l1", "R-816", "F-L26"], "ground")
    assert len(ground) == 1  # the old code: none (the base row's times are phase ones)
    (arrow,) = ground
    assert arrow.case == "v2g" and arrow.value == "V2G −0.0372 s" and not arrow.info
    # the fuse's minimum melt at its phase current, R-816's K × ground fast at its 3I0
    assert (arrow.i_a, arrow.i_backup_a) == pytest.approx((165.13, 171.25), abs=0.01)
    assert (arrow.t_primary_s, arrow.t_backup_s) == pytest.approx((0.17994, 0.21719),
                                                                  abs=1e-5)
    assert arrow.elements == "F-L26 fuse MM, R-816 fast G (3I0)"
    assert arrow.text.startswith(f"C2 F-L26→R-816 ({RULE}): V2G −0.0372 s fail")
    assert "(SLG-b 856 (min), expected/light/50%)" in arrow.text


def test_the_phase_tcc_keeps_the_reference_arrow_alone():
    phase = intervals(_notes(), ["head-l1", "R-816", "F-L26"], "phase")
    # the base row's info interval at the max fault (R-816's phase fast curve); the failing
    # point is a ground element's: not drawn here
    assert [iv.case for iv in phase] == ["ref"]
    assert phase[0].info
