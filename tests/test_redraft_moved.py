"""A drafted head relay the user moved: ``init --redraft`` re-drafts it where it sits or says
why not, ``validate`` warns of a pickup below the load it carries on an OpenDSS study, and
``recommend`` does not claim a re-draft leaves a relay it never looks at (review rev33c W2, M2).

The feeder: the project's OpenDSS example without its devices (init drafts ``head-l1``), the
relay then moved by hand. Expected figures: OpenDSS's own snapshot currents, and the model's
load kVA summed by hand.
"""

from __future__ import annotations

import math
import re
import shutil

import numpy as np
import pytest
import yaml

from .conftest import need_dss_master
from .test_redraft import _bare_model, _with_recloser

pytest.importorskip("opendssdirect")

from protv2g.cli import main  # noqa: E402
from protv2g.recommend.notes import drafted_first  # noqa: E402
from protv2g.study import load_study  # noqa: E402
from protv2g.study.loader import validate_study_warnings  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402
from protv2g.study_draft.redraft import not_redrafted, redrafted  # noqa: E402

_DRAFTED = "location: {line: l1, end: from}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("moved")
    master = _bare_model(folder)
    text = draft_study(master, study_dir=folder).text
    assert _DRAFTED in text
    (folder / "fresh.txt").write_text(text)
    return folder


def _moved(folder, name: str, location: str, recloser: bool = False, pickup: str = ""):
    text = (folder / "fresh.txt").read_text().replace(_DRAFTED, f"location: {location}")
    if pickup:
        text = re.sub(r"pickup_a: \d+", f"pickup_a: {pickup}", text, count=1)
    path = folder / f"{name}.yaml"
    path.write_text(_with_recloser(text) if recloser else text)
    return path


def _opendss_peak_a(master, line: str) -> float:
    """OpenDSS: the line's largest phase current at terminal 1, the model's load, DER off
    (the rule's peak: gross load)."""
    import opendssdirect as dss

    dss.Text.Command("clear")
    try:
        dss.Text.Command(f'compile "{master}"')
    except Exception:  # noqa: BLE001 - the example's BusCoords file is not copied
        pass
    dss.Text.Command("edit PVSystem.pv3 enabled=no")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement(f"Line.{line}")
    n = dss.CktElement.NumConductors()
    return float(max(dss.CktElement.CurrentsMagAng()[0:2 * n:2]))


def test_a_relay_moved_down_the_feeder_is_redrafted_where_it_sits(folder) -> None:
    # before: redrafted() matched drafted relays to detected heads only → [] and
    # "nothing re-drafted"
    study = load_study(_moved(folder, "l2", "{line: l2, end: from}"))
    (index, d, prop), = redrafted(study)
    assert (index, d.name) == (0, "head-l1")
    assert prop.entry["location"] == {"line": "l2", "end": "from"}
    assert prop.figures["peak_load_a"] == pytest.approx(
        _opendss_peak_a(folder / "Master.dss", "l2"), rel=0.02)
    assert not_redrafted(study) == {}


def _candidate_row(line: str) -> bool:
    """A row of init's candidate-site table (``#   b1   abc  12.47  …  behind``) or its
    heading."""
    return bool(re.match(r"^#   \S+\s+[a-c]+\s+[\d.]+\s+[\d.]+\s", line)
                or line.startswith("# Candidate V2G site buses"))


@pytest.mark.parametrize(("name", "location", "recloser", "said"), [
    ("towards", "{line: l2, end: to}", False, "it looks towards the source (line.l2's end"),
    ("below", "{line: l3, end: from}", True, "R-MID sits above it"),
    ("trafo", "{trafo: sub, side: lv}", False, "it sits on transformer.sub"),
])
def test_a_relay_the_rule_does_not_apply_to_is_said(folder, capsys, name, location, recloser,
                                                    said) -> None:
    path = _moved(folder, name, location, recloser)
    study = load_study(path)
    assert redrafted(study) == []
    why = not_redrafted(study)
    assert list(why) == ["head-l1"] and why["head-l1"].startswith(said)
    before = path.read_text()
    assert main(["init", "--redraft", str(path)]) == 0
    out = capsys.readouterr().out
    assert "head-relay rule" not in out  # its settings: not re-drafted
    assert f"  - head-l1 not re-drafted: {said}" in out
    # its drafted interrupting rating is, on the fault where it sits now (review rev33b F1)
    # (the candidate table's "behind" column names the devices where they sit now: review
    # rev42b M5)
    kept = [ln for ln in path.read_text().splitlines() if "interrupting_rating_ka" not in ln
            and not _candidate_row(ln)]
    assert kept == [ln for ln in before.splitlines() if "interrupting_rating_ka" not in ln
                    and not _candidate_row(ln)]
    # recommend's note: no "a re-draft would not change them" for it (review rev33c M2)
    note = drafted_first({"input_basis": "todo", "device": "head-l1"}, {"head-l1"}, path,
                         set(), why)
    assert "would not change" not in note
    assert f"`protv2g init --redraft` does not re-draft head-l1: {said}" in note


def test_validate_warns_of_a_pickup_below_the_load_on_an_opendss_study(folder) -> None:
    # before: _load_bound returned None whenever study.model was set: no warning
    path = _moved(folder, "low", "{line: l2, end: from}", pickup="10")
    problems, warnings = validate_study_warnings(path)
    assert problems == []
    hit = [w for w in warnings if w.field == "devices[0].pickup_a"
           and "lies below the load current" in w.message]
    assert len(hit) == 1
    # by hand: the loads below l2 (b2, b3, b4, lat2) as the script sets them
    s_kva = abs(complex(1800 + 900 + 300 + 180, 600 + 300 + 100 + 60))
    bound_a = s_kva / (math.sqrt(3) * 12.47)
    assert bound_a == pytest.approx(155.2, abs=0.1)
    # and OpenDSS carries more than that static bound (a lower bound, DER off): the warning
    # gives OpenDSS's largest phase current, init's "peak load" (session 34: validate said
    # the static 336 A on IEEE 37's L35 where init said 376 A)
    peak_a = _opendss_peak_a(folder / "Master.dss", "l2")
    assert peak_a > bound_a
    got = float(re.search(r"at least ([\d,]+) A", hit[0].message).group(1).replace(",", ""))
    assert got == pytest.approx(peak_a, abs=1.0)
    assert "its largest phase current at peak load without V2G" in hit[0].message
    # a pickup above it: no such warning
    _p, ok = validate_study_warnings(_moved(folder, "ok", "{line: l2, end: from}",
                                            pickup="300"))
    assert not [w for w in ok if "lies below the load current" in w.message]


# --- IEEE 37: the open-delta regulator bank's jumper ----------------------------------------

@pytest.fixture(scope="module")
def ieee37(shared_dir, tmp_path_factory):
    src = need_dss_master(shared_dir / "feeders" / "opendss" / "37Bus" / "ieee37.dss")
    folder = tmp_path_factory.mktemp("ieee37")
    # the study reads a copy below it (37Bus/IEEELineCodes.DSS redirects to ../)
    (folder / "37Bus").mkdir()
    for name in ("ieee37.dss", "IEEELineCodes.DSS"):
        shutil.copy(src.parent / name, folder / "37Bus" / name)
    shutil.copy(src.parent.parent / "IEEELineCodes.DSS", folder / "IEEELineCodes.DSS")
    text = draft_study(folder / "37Bus" / "ieee37.dss", study_dir=folder).text
    return folder, text


def test_ieee37_init_drafts_the_head_on_l35(ieee37) -> None:
    _folder, text = ieee37
    doc = yaml.safe_load(text)
    head = next(d for d in doc["devices"] if d["kind"] == "relay")
    # before: head-jumper on {line: jumper, end: from}, 51P 10 A, "peak load 0 A"
    assert head["name"] == "head-l35"
    assert head["location"] == {"line": "l35", "end": "from"}
    peak = float(re.search(r"# peak load (\d+) A", text).group(1))
    assert peak == pytest.approx(370.0, rel=0.03)     # OpenDSS L35 at the snapshot: 369.5 A
    assert head["pickup_a"] >= 2 * peak - 10


def test_ieee37_a_study_drafted_on_the_jumper_is_told_where_the_head_is(ieee37) -> None:
    folder, text = ieee37
    old = text.replace("location: {line: l35, end: from}", "location: {line: jumper, end: from}")
    path = folder / "jumper.yaml"
    path.write_text(old)
    study = load_study(path)
    assert redrafted(study) == []
    why = not_redrafted(study)["head-l35"]
    assert why.startswith("line.jumper is in parallel with transformer.reg1a, "
                          "transformer.reg1c")
    assert "move it there (location: {line: l35, end: from})" in why
    # validate: no load bound for a line in parallel with another element (the split is
    # unknown without a flow): no false "pickup below the load" on the jumper
    _p, warnings = validate_study_warnings(path)
    assert not [w for w in warnings if "lies below the load current" in w.message]


def test_ieee37_moved_relay_with_its_drafted_10_a_warns(ieee37) -> None:
    folder, text = ieee37
    path = folder / "low.yaml"
    path.write_text(re.sub(r"pickup_a: \d+", "pickup_a: 10", text, count=1))
    _p, warnings = validate_study_warnings(path)
    hit = [w for w in warnings if w.field == "devices[0].pickup_a"
           and "lies below the load current" in w.message]
    assert len(hit) == 1
    bound = float(re.search(r"at least ([\d,]+) A", hit[0].message).group(1).replace(",", ""))
    # by hand, IEEE 37's loads (ieee37.dss, the 30 `New Load` lines summed): 2,457 kW +
    # j1,201 kvar = 2,734.8 kVA / (√3 · 4.8 kV) = 328.9 A, the static mean; the warning gives
    # OpenDSS's L35 at the snapshot, 369.5 A (phase a), as init's "peak load" (session 34)
    assert bound == pytest.approx(369.5, abs=2.0)
    peak = float(re.search(r"# peak load (\d+) A", text).group(1))
    assert bound == pytest.approx(peak, abs=1.0)
    assert np.isfinite(bound)
