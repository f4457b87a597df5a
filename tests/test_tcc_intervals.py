"""Each element's time on its own TCC (report20, the EPRI ckt24 review): the C1 arrow drew the
head relay's 51G time on the phase plot, where it reads as a 51P time.

The per-pair table names, at each of a pair's faults, the element whose time it shows
(``elements_*``, :func:`protv2g.report.derived.pair_table`); the arrow of a plot is drawn at a
fault whose times are that plot's elements' (:func:`protv2g.report.tcc_intervals.intervals`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.report.tcc_intervals import intervals


def _row(**points) -> pd.Series:
    """A C1 per-pair row (F-TAP → HEAD) with its max, min and worst faults: ``tag=(fault,
    elements, i phase A, i 3I0 A, t primary s, t backup s)``."""
    row = {"pair": "F-TAP → HEAD", "criterion": "C1", "required_s": 0.12}
    for tag, (fault, elements, i_a, i0_a, tp, tb) in points.items():
        row.update({f"{tag}_fault": fault, f"elements_{tag}": elements,
                    f"i_primary_{tag}_a": i_a, f"i_primary_3i0_{tag}_a": i0_a,
                    f"t_primary_{tag}_s": tp, f"t_backup_{tag}_s": tb,
                    f"interval_{tag}_s": tb - tp})
    return pd.Series(row)


#: The max fault is an SLG where the head relay's 51G is its fastest element (2.58 s at 3I0
#: 205 A, the review's J1 hand case); the worst is a 3ph fault timed by its 51P.
SLG_MAX = ("SLG B1 (max)", "F-TAP fuse TC, HEAD 51G (3I0)", 192.4, 205.1, 1.0, 2.584)
PH_WORST = ("3ph B2 (max)", "F-TAP fuse TC, HEAD 51P", 900.0, 0.0, 0.05, 0.9)
SLG_MIN = ("SLG B3 (min)", "F-TAP fuse TC, HEAD 51G (3I0)", 150.0, 160.0, 2.0, 4.0)


def test_the_51g_time_is_drawn_on_the_ground_plot_not_the_phase_plot():
    ref = _row(max=SLG_MAX, worst=PH_WORST, min=SLG_MIN)
    notes = [("F-TAP", "HEAD", ref, None)]
    (phase,) = intervals(notes, ["HEAD", "F-TAP"], "phase")
    # the phase plot takes the 3ph fault timed by 51P, at the fuse's phase current
    assert phase[:3] == pytest.approx((900.0, 0.05, 0.9))
    assert phase[3] == "C1 F-TAP→HEAD: 0.85 s (need ≥ 0.12 s)"
    (ground,) = intervals(notes, ["HEAD", "F-TAP"], "ground")
    assert ground[:3] == pytest.approx((150.0, 2.0, 4.0))  # the minimum ground fault (51G)


def test_a_pair_timed_only_by_ground_elements_has_no_phase_arrow():
    ref = _row(max=SLG_MAX, worst=SLG_MAX, min=SLG_MIN)
    assert intervals([("F-TAP", "HEAD", ref, None)], ["HEAD", "F-TAP"], "phase") == []


def test_a_ground_element_primary_is_drawn_at_its_3i0():
    ref = pd.Series({"criterion": "C4", "required_s": 0.2, "min_fault": "SLG B (min)",
                     "elements_min": "RC delayed G (3I0), R 51G (3I0)", "i_primary_min_a": 300.0,
                     "i_primary_3i0_min_a": 310.0, "t_primary_min_s": 0.5,
                     "t_backup_min_s": 1.0, "interval_min_s": 0.5})
    for tag in ("max", "worst"):  # the other faults timed by phase elements
        ref[f"{tag}_fault"], ref[f"elements_{tag}"] = "3ph B (max)", "RC delayed P, R 51P"
    v = ref.copy()
    v["elements_min"], v["interval_min_s"] = "RC delayed P, R 51P", 0.4  # V2G: phase times
    ((i_a, tp, tb, text, *_),) = intervals([("RC", "R", ref, v)], ["R", "RC"], "ground")
    assert (i_a, tp, tb) == (310.0, 0.5, 1.0)
    assert "V2G" not in text  # its interval at that fault is not the ground elements'
    v["elements_min"] = ref["elements_min"]
    (note,) = intervals([("RC", "R", ref, v)], ["R", "RC"], "ground")
    assert note.text == "C4 RC→R: 0.5 s, V2G 0.4 s (need ≥ 0.2 s)"


def test_without_element_names_the_fault_type_decides():
    ref = _row(max=("SLG B1 (max)", "", 192.4, 205.1, 1.0, 2.5),
               worst=("LL B2 (max)", "", 800.0, 0.0, 0.1, 0.7),
               min=("SLG B3 (min)", "", 150.0, 160.0, 2.0, 4.0))
    notes = [("F-TAP", "HEAD", ref, None)]
    assert intervals(notes, ["F-TAP", "HEAD"], "phase")[0][0] == 800.0
    assert intervals(notes, ["F-TAP", "HEAD"], "ground")[0][0] == 150.0
    assert np.isfinite(intervals(notes, ["F-TAP", "HEAD"], "ground")[0][1])


def test_phase_path_fault_labels_name_their_phases():
    """Review s20 (EPRI ckt5): the OpenDSS path labels faults ``SLG-c``/``LL-ca``; they
    matched neither plot, so the ground TCC had no arrow and the phase one took a 3ph fault."""
    from protv2g.report.tcc_intervals import fault_kind

    assert [fault_kind(x) for x in ("SLG-c 74436 (max)", "LL-ca B2", "3ph B1", "LLG-ab",
                                    "SLG")] == ["SLG", "LL", "3ph", "LLG", "SLG"]
    ref = _row(max=("SLG-c B1 (max)", "", 192.4, 205.1, 1.0, 2.5),
               worst=("LL-ca B2 (max)", "", 800.0, 0.0, 0.1, 0.7),
               min=("SLG-a B3 (min)", "", 150.0, 160.0, 2.0, 4.0))
    notes = [("F-TAP", "HEAD", ref, None)]
    assert intervals(notes, ["F-TAP", "HEAD"], "phase")[0][0] == 800.0
    assert intervals(notes, ["F-TAP", "HEAD"], "ground")[0][0] == 150.0


class _Jobs:
    """Collects what :func:`submit_tccs` queues (a stand-in for the picture queue)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[tuple, dict]] = []

    def submit(self, key, draw, *args, cache=True, **kwargs) -> None:
        self.jobs.append((args, kwargs))


def test_depot_arrows_are_drawn_with_their_own_elements(depot_result):
    """The depot's TCCs as the workbook queues them: every phase-plot arrow at a fault timed by
    phase elements (51P, recloser P, fuse) at the primary's phase current, every ground-plot
    arrow at the minimum SLG fault timed by 51G / recloser G (the fuse's curve) at the
    primary's 3I0 where the primary's element is a ground one (was its phase current)."""
    from protv2g.report.derived import pair_table
    from protv2g.report.tcc_sheets import plan_tcc, submit_tccs

    plan = plan_tcc(depot_result)
    pairs = pair_table(depot_result, plan.models)
    queue = _Jobs()
    submit_tccs(queue, depot_result, plan, pairs)
    base = pairs[pairs.case_of == "base"]
    seen = {"phase": 0, "ground": 0}
    for args, kwargs in queue.jobs:
        family = args[1]
        for i_a, tp, _tb, text, *_ in kwargs["annotations"]:
            pair = text.split(": ")[0].split(" ", 1)[1].replace("→", " → ")
            rows = base[base.pair == pair]
            tag = "max" if family == "phase" else "min"
            row = rows[np.isclose(rows[f"t_primary_{tag}_s"], tp)].iloc[0]
            elements = row[f"elements_{tag}"]
            assert ("(3I0)" in elements) is (family == "ground"), (family, elements)
            primary = pair.split(" → ")[0]
            col = ("i_primary_3i0" if family == "ground" and not primary.startswith("FU")
                   else "i_primary")
            assert i_a == pytest.approx(row[f"{col}_{tag}_a"])
            seen[family] += 1
    assert seen["phase"] and seen["ground"]


def test_a_pair_with_no_base_case_is_not_labelled_as_if_it_had_one():
    """Review rev36a M2: F-DEPOT (a site transformer's fuse) leaves the base case with the
    transformer; its pair with the head had only V2G rows, the reference was one of them, and
    the legend read "−49.32 s, V2G −49.32 s" as if the pair existed without the project."""
    ref = _row(max=SLG_MAX, worst=PH_WORST, min=SLG_MIN)
    ref["case_of"] = "worst V2G"
    (phase,) = intervals([("F-TAP", "HEAD", ref, ref)], ["HEAD", "F-TAP"], "phase")
    assert phase[3] == "C1 F-TAP→HEAD: V2G 0.85 s (no base case) (need ≥ 0.12 s)"
    base = ref.copy()
    base["case_of"] = "base"
    (phase,) = intervals([("F-TAP", "HEAD", base, ref)], ["HEAD", "F-TAP"], "phase")
    assert phase[3] == "C1 F-TAP→HEAD: 0.85 s, V2G 0.85 s (need ≥ 0.12 s)"
