"""``recommend`` against ``protv2g init``'s own rules (review rev44a M3, EPRI ckt5).

* R02 (f-mdv201_105409fuse 100K → 80K under the drafted head) said "a re-draft (`init
  --redraft`) would not change them" — true of the study before the change; on the changed
  study `run` found the head's curve, ground curve and ground dial stale (IEEE-EI → IEEE-MI,
  2.3 → 5.1). The note is now judged with the changes applied too.
* The 80K carries 94.8 A in the flows: 1.5 × 94.8 = 142.2 A against the 80K's 120 A
  continuous capability (tin K link 150 % of rating) breaks init's cold-load rule; R01's
  100K on a lateral carrying 23.3 A is 4.3 × its load, above init's 3 × cap (69.9 A).
  The side effects say so, by init's own rule functions (hand figures above).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import protv2g.study_draft.fuse_draft as fuse_draft
from protv2g.recommend.notes import drafted_first
from protv2g.recommend.practice import practice_notes
from protv2g.recommend.window import DeviceLoads

ROW = {"finding": "F01", "criterion": "C1", "device": "head", "other_device": "f-105409",
       "input_basis": "todo"}


def test_a_redraft_that_the_changes_make_stale_is_not_said_to_change_nothing():
    before = drafted_first(ROW, {"head"}, "study.yaml", set(), None)
    assert "would not change them (init's rule, as the study now stands, gives" in before
    after = drafted_first(ROW, {"head"}, "study.yaml", set(), None,
                          {"head": "ground_curve IEEE-EI → IEEE-MI, ground_time_dial 2.3 → 5.1"})
    assert "would not change them (" not in after
    assert ("would not change them as the study now stands, but would once the recommended "
            "changes are applied (init's rule then gives head: ground_curve IEEE-EI → "
            "IEEE-MI, ground_time_dial 2.3 → 5.1)") in after
    # the changes leave the re-draft alone: said of both
    same = drafted_first(ROW, {"head"}, "study.yaml", set(), None, {})
    assert ("would not change them (init's rule, as the study now stands and with the "
            "recommended changes, gives the same values)") in same


def _notes(old: str, new: str, load_a: float) -> list[str]:
    change = SimpleNamespace(field="link", name="F", old=old, new=new, family=None)
    return practice_notes(change, loads=DeviceLoads({("F", "phase"): np.array([load_a])}))


def test_a_smaller_link_breaking_the_cold_load_rule_says_so():
    notes = _notes("100K", "80K", 94.8)
    assert notes[0].startswith("practice: F carries up to 94.8 A in the flows, 118 %")
    assert notes[1].startswith("practice: the 80K link breaks protv2g init's cold-load rule: "
                               "1.5 × the peak load 94.8 A = 142 A is above its 120 A "
                               "continuous capability")
    # 100K carries it (150 A ≥ 142.2 A): nothing said
    assert len(_notes("65K", "100K", 94.8)) == 1


def test_a_larger_link_above_the_load_cap_says_so():
    notes = _notes("65K", "100K", 23.3)
    assert notes[1].startswith("practice: the 100K link breaks protv2g init's load cap: "
                               "4.3 × the peak load 23.3 A, above 3 × (69.9 A;")
    assert len(_notes("100K", "65K", 23.3)) == 1  # lowered: not the cap's concern here


def test_the_notes_read_inits_own_rules(monkeypatch):
    """Init's rule functions decide (not a copy): a cap of 5 × takes the 100K in."""
    monkeypatch.setattr(fuse_draft, "LOAD_CAP_MULTIPLE", 5.0)
    assert len(_notes("65K", "100K", 23.3)) == 1


@pytest.mark.parametrize(("peak_a", "link"), [(33.0, 40), (19.7, 25), (0.0, 6), (94.2, 100),
                                              (110.0, 200)])
def test_inits_continuous_link_keeps_its_choice(peak_a, link):
    """The rule function init sizes with, refactored onto :func:`carries_cold_load`: the same
    links as before (1.5 × peak within 150 % of a ≤ 100K's rating, 100 % above)."""
    assert fuse_draft.continuous_link(peak_a) == link


def test_the_redraft_is_judged_on_the_changed_study(tmp_path):
    """A test-sized study: the OpenDSS example drafted by ``init`` (head relay head-l1 on l1,
    fuses fa 65K and fb 40T below it, tests/test_head_charging.py's sites). A re-draft of the
    study as drafted changes nothing; with fa's link lowered to 40K — a change ``recommend``
    could accept — init's rule gives head-l1 other values (its dial is set by the fuses right
    below it), and the note says them (before: "would not change them")."""
    from protv2g.recommend.apply import apply_to_study
    from protv2g.recommend.change import Change, Family
    from protv2g.recommend.study_facts import _redraft_changes, redraft_after
    from protv2g.study import load_study
    from protv2g.study_draft import draft_study, parse_site

    from .test_head_charging import SITES, _bare

    master = _bare(tmp_path)
    (tmp_path / "study.yaml").write_text(
        draft_study(master, sites=[parse_site(s) for s in SITES]).text)
    study = load_study(tmp_path / "study.yaml")
    assert {d.name: getattr(d, "link", None) for d in study.document.devices}["fa"] == "65K"
    assert _redraft_changes(study) == set()
    changed = apply_to_study(study, [Change("devices", "fa", "link", "65K", "40K",
                                            Family.FUSE_LINK, 0.4)])
    after = redraft_after(changed)
    # the drafted dial the change moves (1.4 since init drafts on the no-V2G peak, review
    # rev47a item 1; 1.3 when the head carried the sites' charging)
    assert set(after) == {"head-l1"} and "ground_time_dial 1.4 → " in after["head-l1"]
    note = drafted_first({**ROW, "device": "head-l1"}, {"head-l1"}, "study.yaml", set(), None,
                         after)
    assert f"init's rule then gives head-l1: {after['head-l1']}" in note
    assert redraft_after(study) == {}
