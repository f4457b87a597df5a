"""init reads the voltage where a bus or device is, not the mode of the primary buses' kV.

draft44's left item (review rev44b W2): init took the feeder's voltage as the most common kV of
the model's primary buses. On a 34.5 kV trunk with a 34.5/12.47 kV step-down and more buses
below it, that is 12.47 kV: the candidate table listed no trunk bus (rev44b's f1: its m4 depot
bus was missing), the minimum-case fault resistance's V_LN / R ceiling was stated at 12.47 kV
only (360 A, where a 34.5 kV trunk fault through 20 Ω may draw 996 A), and a grounded 12.47 kV
trunk with a Δ–Δ step-down to a longer 4.16 kV section was called an ungrounded feeder. The
feeders are built in the test (:func:`tests.test_heads_stepdown._feeder`); expected values by
hand from the script: the buses and their voltage bases, V_LN / R = kV · 1000 / √3 / 20 Ω.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402
from protv2g.study_draft.draft_assumptions import r_fault_todo  # noqa: E402
from tests.test_heads_stepdown import _feeder  # noqa: E402


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "master.dss"
    path.write_text(text, encoding="utf-8")
    return path


def test_ceiling_by_hand_at_each_level() -> None:
    # 34.5 kV / √3 / 20 Ω = 995.9 A; 12.47 kV / √3 / 20 Ω = 360.0 A
    assert round(34.5e3 / math.sqrt(3) / 20) == 996 and round(12.47e3 / math.sqrt(3) / 20) == 360
    text = r_fault_todo((34.5, 12.47))
    assert ("no ground fault through it exceeds V_LN / R = 996 A at 34.5 kV, 360 A at "
            "12.47 kV (the feeder's voltages), whatever the source") in text
    # one level: the words as before
    assert "; at 4.16 kV no ground fault through it exceeds V_LN / R = 120 A," in r_fault_todo(
        (4.16,))


def test_step_down_feeder_candidates_and_ceiling(tmp_path: Path) -> None:
    # before: the mode (12.47 kV: d0–d6 against sub, m1–m3) — no trunk bus among the
    # candidates, and the ceiling "at 12.47 kV … 360 A" only
    draft = draft_study(_write(tmp_path, _feeder(34.5, 12.47)))
    cand = draft.candidates
    assert sorted(set(cand.kv_ll.round(2))) == [12.47, 34.5]
    assert {"m1", "m3"} <= set(cand.bus) and "d6" in set(cand.bus)
    assert "sub" not in set(cand.bus) and "src" not in set(cand.bus)
    assert "V_LN / R = 996 A at 34.5 kV, 360 A at 12.47 kV" in draft.text
    assert "at 12.47 kV no ground fault" not in draft.text


def test_delta_delta_step_down_is_not_an_ungrounded_feeder(tmp_path: Path) -> None:
    # a grounded 12.47 kV trunk (Δ–Yg substation) and a Δ–Δ step-down to seven 4.16 kV buses,
    # ungrounded: before, the mode (4.16 kV) found no grounded bus at "the feeder's level" and
    # the draft said no primary bus has a path to ground (C5 judges no ground fault) — the
    # trunk's ground faults draw fault current
    path = _write(tmp_path, _feeder(12.47, 4.16, down_conns="delta delta"))
    draft = draft_study(path)
    assert "no primary bus has a path to ground" not in draft.text
    assert "; at 12.47 kV no ground fault through it exceeds V_LN / R = 360 A," in draft.text
    from protv2g.study_draft.heads import feeder_buses
    from protv2g.study_draft.ungrounded import ground_fault_levels_kv, ungrounded_feeder

    model = load_dss_model(path)
    sub, feeder = feeder_buses(model)
    assert model.buses.index[sub] == "sub"
    assert set(model.buses.index[feeder]) == {"sub", "m1", "m2", "m3",
                                              *(f"d{i}" for i in range(7))}
    assert not ungrounded_feeder(model, feeder)
    assert ground_fault_levels_kv(model, feeder) == (12.47,)   # the 4.16 kV section: none
