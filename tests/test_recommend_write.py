"""``recommend --apply`` writes only the changed values (review rev41c F: on the depot study
one changed fuse link re-wrapped 8 device lines it did not change, with trailing spaces, and
the depot's ``day:`` block — ruamel.yaml's round trip re-emits flow-style entries at its own
width). Every line the changes do not touch is kept byte for byte; the file reads back as
the study with the changes applied."""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from protv2g import load_study
from protv2g.recommend import Change, Family, write_study

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "study.yaml"

#: The depot's four verified changes of session 41 (rev41c's run), one a field the file
#: lacks (ground_delayed_multiplier), one a flow-style entry (the fuse link), one a list.
CHANGES = [
    Change("devices", "R-F1", "pickup_a", 400, 550.0, Family.PICKUP, 0.1),
    Change("devices", "RC-F1", "reclose_intervals_s", [0.5, 2.0, 2.0], [3.5, 2.0, 2.0],
           Family.RECLOSE_INTERVAL, 0.1),
    Change("devices", "RC-F1", "delayed_multiplier", 1.0, 1.2, Family.TIME_DIAL, 0.1,
           extra=(("ground_delayed_multiplier", None, 1.2),)),
    Change("devices", "FU-F1-LAT2", "link", "40K", "25K", Family.FUSE_LINK, 0.1),
]


def _changed(old: str, new: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def test_apply_rewrites_only_the_changed_values(tmp_path):
    study = load_study(DEPOT)
    out = write_study(study, CHANGES, tmp_path / "fixed.yaml")
    old = DEPOT.read_text(encoding="utf-8")
    new = (tmp_path / "fixed.yaml").read_text(encoding="utf-8")
    removed, added = _changed(old, new)
    # 3 values changed in place, 2 fields added (delayed_multiplier is at its default 1)
    assert removed == ["    pickup_a: 400", "    reclose_intervals_s: [0.5, 2.0, 2.0]",
                       "  - {name: FU-F1-LAT2, kind: fuse, location: {line: F1-LAT2-L1, end: "
                       "from}, link: 40K,"]
    assert added == ["    pickup_a: 550  # protv2g recommend: was 400",
                     "    reclose_intervals_s: [3.5, 2.0, 2.0]  # protv2g recommend: was "
                     "[0.5, 2, 2]",
                     "    delayed_multiplier: 1.2  # protv2g recommend: was 1",
                     "    ground_delayed_multiplier: 1.2  # protv2g recommend: was none",
                     "  - {name: FU-F1-LAT2, kind: fuse, location: {line: F1-LAT2-L1, end: "
                     "from}, link: 25K,"]
    assert not [x for x in new.splitlines() if x != x.rstrip()]  # no trailing spaces
    assert out["comments_kept"]
    # it reads back as the study with the changes (and loads: the feeder copied beside it)
    want = yaml.safe_load(old)
    for d in want["devices"]:
        for ch in CHANGES:
            if d["name"] == ch.name:
                d.update({f: v for f, _, v in ch.fields})
    assert yaml.safe_load(new) == want
    fixed = load_study(tmp_path / "fixed.yaml")
    fu = next(d for d in fixed.document.devices if d.name == "FU-F1-LAT2")
    assert fu.link == "25K"


def test_a_changed_field_with_a_comment_keeps_it_and_quotes(tmp_path):
    """A commented block field keeps its comment after the old value's note; a quoted
    value keeps its quotes; a field added to a flow entry goes inside its braces."""
    study = load_study(DEPOT)
    changes = [Change("devices", "R-F1", "curve", "IEEE-MI", "IEEE-VI", Family.TIME_DIAL, 0.1),
               Change("devices", "RC-F1", "fast_curve", "101", "102", Family.TIME_DIAL, 0.1),
               Change("devices", "FU-F2-LAT1", "link", "65K", "50K", Family.FUSE_LINK, 0.1,
                      extra=(("interrupting_rating_ka", 10, 12.5),))]
    write_study(study, changes, tmp_path / "fixed.yaml")
    removed, added = _changed(DEPOT.read_text(encoding="utf-8"),
                              (tmp_path / "fixed.yaml").read_text(encoding="utf-8"))
    assert added[0] == ("    curve: IEEE-VI             # protv2g recommend: was IEEE-MI; "
                        "moderately inverse phase element, TD 0.6 (coordinates with RC)")
    assert added[1] == '    fast_curve: "102"  # protv2g recommend: was 101'
    assert added[2:] == ["  - {name: FU-F2-LAT1, kind: fuse, location: {line: F2-LAT1-L1, "
                         "end: from}, link: 50K,", "     interrupting_rating_ka: 12.5}"]
    assert len(removed) == 4


def test_a_drafted_value_keeps_its_todo_without_the_old_values_figures(tmp_path):
    """Review rev42c M5 (IEEE 8500): ``link: 25T  # protv2g recommend: was 10T; TODO: OpenDSS's
    generic TCC_Curve.tlink at 10 A → the EEI-NEMA 10T link is used; at 673 A (max fault) …
    10T melts in 0.0111 s …`` — the TODO's figures describe a link no longer there, and
    validate no longer listed it (``# TODO`` must open the comment). The TODO stays first
    (the new link rests on a drafted one), its first clause and fix kept, the figures
    dropped."""
    from protv2g.study.todos import todo_items

    text = DEPOT.read_text(encoding="utf-8")
    old = ("link: 40K,\n     interrupting_rating_ka: 10}\n"
           "  - {name: FU-F2-LAT1")
    assert text.count("  - {name: FU-F1-LAT2, kind: fuse") == 1
    # the depot's fuse as a block entry with init's kind of TODO on its link
    todo = ("OpenDSS's generic TCC_Curve.klink at 40 A → the EEI-NEMA 40K link is used; at "
            "1,200 A (max fault) the model's curve opens in 0.05 s, 40K melts in 0.04 s | fix: "
            "confirm the link, or give the fuse's own curve")
    text = text.replace(
        "  - {name: FU-F1-LAT2, kind: fuse, location: {line: F1-LAT2-L1, end: from}, "
        "link: 40K,\n     interrupting_rating_ka: 10}\n",
        "  - name: FU-F1-LAT2\n    kind: fuse\n    location: {line: F1-LAT2-L1, end: from}\n"
        f"    link: 40K  # TODO: {todo}\n    interrupting_rating_ka: 10\n")
    assert old not in text and "link: 40K  # TODO" in text
    (tmp_path / "study.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "feeder.json").write_bytes((DEPOT.parent / "feeder.json").read_bytes())
    study = load_study(tmp_path / "study.yaml")
    write_study(study, [Change("devices", "FU-F1-LAT2", "link", "40K", "65K",
                               Family.FUSE_LINK, 0.1)], tmp_path / "fixed.yaml")
    new = (tmp_path / "fixed.yaml").read_text(encoding="utf-8")
    line = next(x for x in new.splitlines() if x.strip().startswith("link: 65K"))
    assert line == ("    link: 65K  # TODO: protv2g recommend: was 40K, a drafted value "
                    "(OpenDSS's generic TCC_Curve.klink at 40 A → the EEI-NEMA 40K link is "
                    "used); init's figures were for that value | fix: confirm the link, or "
                    "give the fuse's own curve")
    items = [i for i in todo_items(tmp_path / "fixed.yaml") if ".link" in i.field]
    assert len(items) == 1 and "was 40K" in items[0].message
    assert "0.04 s" not in items[0].message
