"""``protv2g init`` on a low-voltage feeder drafts LV practice (review rev34b W2 and M3).

The IEEE European LV test feeder (``../shared/feeders/opendss/LVTestCase``: 11 kV source, 800
kVA Δ-Yn TR1, 416 V, 50 Hz) has no relay at its head line LINE1; init proposes one. Before:

* ``min zone faults: phase inf A, ground inf A`` and ``51P not reached, 51G not reached`` —
  the head rule's fault study faulted the primary buses only (here the 11 kV source bus);
* a 15 kV-class breaker rating (IEEE C37.06), reclosing ``[3.5, 15, 30]``, a fault-resistance
  TODO quoting "at 11 kV … 318 A", and nothing on the voltage limit (ANSI C84.1 1.05 pu on a
  230/400 V feeder: every home's hosting 0 kW).

Now the zone's LV buses are faulted (:func:`protv2g.topology_fault_buses.low_voltage_zone_buses`):
the zone's minimum multi-phase fault is LL at the far end 899, 1,211 A (IEC 60909 min, c 0.95,
cables at 80 °C; review rev34b's figure, checked against OpenDSS in
``tests/test_lv_feeder_zone_faults.py``), and :mod:`protv2g.study_draft.low_voltage` drafts
LV practice. A 60 Hz medium-voltage model (the project's OpenDSS example) keeps the MV draft.
"""

from __future__ import annotations

import math
import shutil
import warnings

import pytest
import yaml

pytest.importorskip("opendssdirect")

from .conftest import FEEDERS_DIR  # noqa: E402


@pytest.fixture(scope="module")
def lv_folder(shared_dir, tmp_path_factory):
    src = shared_dir / "feeders" / "opendss" / "LVTestCase"
    if not (src / "Master.dss").is_file():
        pytest.skip(f"{src} not found")
    folder = tmp_path_factory.mktemp("lvdraft")
    shutil.copytree(src, folder / "LVTestCase")
    return folder


@pytest.fixture(scope="module")
def lv_draft(lv_folder):
    from protv2g.study_draft.draft import draft_study, parse_site

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the relay on request (init --lv-head relay): its rule on the LV zone is tested here
        draft = draft_study(lv_folder / "LVTestCase" / "Master.dss", study_dir=lv_folder,
                            sites=[parse_site("h899:899.b:1:7.4")], lv_head="relay")
    (lv_folder / "study.yaml").write_text(draft.text, encoding="utf-8")
    return draft


def test_lv_test_feeder_head_is_drafted_a_gg_way_fuse(lv_folder):
    """By default (review rev38b F2) the head line LINE1 gets an IEC 60269 gG way fuse, not
    the relay: the model's snapshot peak at LINE1 is 93.9 A on the worst phase (55 single-phase
    loads; review rev38b: "94 A peak"), so the smallest of the gG series (… 80, 100, 125 …)
    with In ≥ it is 100gG; the interrupting rating is the LV fuse class's (IEC 60269-2,
    50/120 kA) smallest ≥ the 24.25 kA at bus 1: 50 kA. The study it writes loads."""
    from protv2g import load_study
    from protv2g.study_draft.draft import draft_study, parse_site

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        draft = draft_study(lv_folder / "LVTestCase" / "Master.dss", study_dir=lv_folder,
                            sites=[parse_site("h899:899.b:1:7.4")])
    f = draft.proposals[0].figures
    assert 80.0 < f["peak_load_a"] <= 100.0
    assert f["peak_load_a"] == pytest.approx(93.9, abs=0.5)
    doc = yaml.safe_load(draft.text)
    (head,) = [d for d in doc["devices"] if d["name"] == "head-line1"]
    assert head["kind"] == "fuse" and head["link"] == "100gG"
    assert head["interrupting_rating_ka"] == 50
    assert "IEC 60947-2" not in draft.text and "IEEE-EI" not in draft.text
    (lv_folder / "study_fuse.yaml").write_text(draft.text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(lv_folder / "study_fuse.yaml")
    from protv2g.study_draft.redraft_ratings import stale_ratings

    assert stale_ratings(study) == []


@pytest.fixture(scope="module")
def lv_drafted_study(lv_folder, lv_draft):
    from protv2g import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(lv_folder / "study.yaml")


def _relay(text: str) -> dict:
    doc = yaml.safe_load(text)
    (relay,) = [d for d in doc["devices"] if d["name"] == "head-line1"]
    return relay


def _comment_of(text: str, key: str) -> str:
    (line,) = [ln for ln in text.splitlines() if ln.lstrip().startswith(f"{key}:")]
    return line


def test_lv_head_is_drafted_against_its_zone_faults(lv_draft):
    text = lv_draft.text
    assert "inf A" not in text and "not reached" not in text
    f = lv_draft.proposals[0].figures
    assert f["head_kv"] == pytest.approx(0.416, rel=1e-3)
    # LL at 899, IEC 60909 min (review rev34b, = OpenDSS): 1,211 A
    assert f["min_phase_fault_zone_a"] == pytest.approx(1211.4, abs=1.0)
    assert math.isfinite(f["min_ground_fault_zone_a"])
    assert ("min zone faults: phase 1211 A, ground "
            f"{f['min_ground_fault_zone_a']:.0f} A (IEC 60909 min, bolted at ≤ 1 kV)") in text
    # 51P 230 A EI TD 0.5 at 1,211 A: 0.5·(28.2/(5.267² − 1) + 0.1217) + 0.1 = 0.688 s
    # (IEEE C37.112-2018 EI: A 28.2, B 0.1217, p 2; breaker 5 cycles at 50 Hz)
    m = 1211.4 / _relay(text)["pickup_a"]
    t = 0.5 * (28.2 / (m ** 2 - 1) + 0.1217) + 5 / 50
    assert f"51P {t:.3g} s at LL-" in text


def test_lv_head_does_not_reclose(lv_draft):
    text = lv_draft.text
    assert _relay(text)["reclose_intervals_s"] == []
    said = _comment_of(text, "reclose_intervals_s")
    assert "# TODO: assumed no reclosing: a low-voltage" in said
    assert "3.5" not in said


def test_lv_head_rating_is_an_lv_class(lv_draft):
    said = _comment_of(lv_draft.text, "interrupting_rating_ka")
    assert "IEC 60947-2" in said and "C37.06" not in said and "15 kV" not in said
    # the smallest of 16, 25, 36 … kA ≥ the 24.25 kA computed at bus 1
    assert _relay(lv_draft.text)["interrupting_rating_ka"] == 25


def test_lv_fault_resistance_and_voltage_limit_todos(lv_draft):
    text = lv_draft.text
    r = _comment_of(text, "r_fault_min_ohm")
    assert "this draft's devices are on 416 V" in r and "11 kV" not in r
    v = _comment_of(text, "v_max_pu")
    assert v.startswith("  v_max_pu: 1.05   # TODO:")
    assert "ANSI C84.1" in v and "EN 50160" in v and "50 Hz" in v
    assert yaml.safe_load(text)["checks"]["v_max_pu"] == pytest.approx(1.05)
    assert "checks.v_max_pu" in lv_draft.todos


def test_redraft_keeps_the_lv_rating_and_no_reclosing(lv_drafted_study):
    """``init --redraft``'s checks re-apply init's rules: the LV rating and the empty reclose
    list are what they give (were: the 15 kV class by the feeder's 11 kV primary level)."""
    from protv2g.study_draft.redraft_ratings import stale_ratings
    from protv2g.study_draft.redraft_reclose import stale_reclose

    assert stale_ratings(lv_drafted_study) == []
    assert stale_reclose(lv_drafted_study) == []


def test_mv_60hz_draft_keeps_mv_practice(tmp_path):
    """The project's 12.47 kV, 60 Hz example: 15 kV-class ratings, no voltage-limit TODO."""
    from protv2g.study_draft.draft import draft_study

    shutil.copytree(FEEDERS_DIR / "opendss_example", tmp_path / "ex")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = draft_study(tmp_path / "ex" / "Master.dss")
    assert "checks:" not in d.text and "EN 50160" not in d.text
    assert "15 kV class" in d.text and "IEC 60947-2" not in d.text
    assert "no reclosing" not in d.text


def test_zone_faults_text_never_prints_inf():
    from protv2g.study_draft.low_voltage import zone_faults_text

    f = {"min_phase_fault_zone_a": math.inf, "min_ground_fault_zone_a": 621.2,
         "head_kv": 11.0}
    said = zone_faults_text(f, 20.0)
    assert "inf" not in said
    assert said == ("min zone faults: phase none computed: no fault bus among the zone's "
                    "reach requirements, ground 621 A (IEC 60909 min, 20 Ω)")


def test_redraft_rewrites_an_inf_zone_line():
    """A study drafted before the fix carries "phase inf A, ground inf A (…, 20 Ω)":
    ``init --redraft`` re-writes the clause with the figures and the LV basis."""
    from protv2g.study_draft.low_voltage import zone_faults_text
    from protv2g.study_draft.redraft_comments import _ZONE_FAULTS, _r_ohm

    line = ("  # peak load 94 A (the model's snapshot load), residual 23 A; min zone faults: "
            "phase inf A, ground inf A (IEC 60909 min, 20 Ω)\n")
    f = {"min_phase_fault_zone_a": 1211.4, "min_ground_fault_zone_a": 621.2, "head_kv": 0.416}
    out = _ZONE_FAULTS.sub(lambda m: zone_faults_text(f, _r_ohm(m.group(1))), line)
    assert out == ("  # peak load 94 A (the model's snapshot load), residual 23 A; min zone "
                   "faults: phase 1211 A, ground 621 A (IEC 60909 min, bolted at ≤ 1 kV)\n")
