"""``protv2g init``: a study drafted from an OpenDSS model (``protv2g/study_draft``).

References: the model file's own text (its devices and their settings), the rules stated in
``study_draft/head_relay.py`` checked against the device curves at the faults the rule names,
and the R10 series of IEC 60059 (ISO 3).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

pytest.importorskip("opendssdirect")

from protv2g import run_study  # noqa: E402
from protv2g.cli import main  # noqa: E402
from protv2g.devices.library import default_library  # noqa: E402
from protv2g.devices.models import build_device  # noqa: E402
from protv2g.errors import InputError  # noqa: E402
from protv2g.study import load_study, validate_study  # noqa: E402
from protv2g.study.todos import todo_items  # noqa: E402
from protv2g.study_draft import draft_study, parse_site, r10_rating_ka  # noqa: E402
from protv2g.study_draft.head_relay import (  # noqa: E402
    RECLOSE_INTERVALS_DER_S,
    RECLOSE_INTERVALS_S,
)

from .conftest import FEEDERS_DIR  # noqa: E402

EXAMPLE = FEEDERS_DIR / "opendss_example"


@pytest.fixture()
def model_dir(tmp_path):
    for f in ("Master.dss", "LineCodes.dss"):
        shutil.copy(EXAMPLE / f, tmp_path / f)
    return tmp_path


def test_r10_series():
    # IEC 60059 / ISO 3 R10: 1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8
    assert [r10_rating_ka(x) for x in (0.93, 1.0, 1.3, 3.2, 6.0, 7.84, 9.0, 12.0, 26.0)] == \
        [1.0, 1.0, 1.6, 4.0, 6.3, 8.0, 10.0, 12.5, 31.5]


def test_parse_site():
    assert parse_site("depot:m1209817:20:100") == {
        "name": "depot", "bus": "m1209817", "n_chargers": 20, "p_charger_kw": 100.0}
    assert parse_site("homes:L3312692.b:20:7.2")["phase"] == "b"
    with pytest.raises(InputError, match="NAME:BUS"):
        parse_site("depot:m1209817")


def test_example_draft_adopts_devices_and_validates(model_dir):
    d = draft_study(model_dir / "Master.dss", sites=[parse_site("lot:b2:20:75"),
                                                     parse_site("homes:lat2.c:10:7")])
    doc = yaml.safe_load(d.text)
    assert doc["feeder"] == {"opendss": "Master.dss", "adopt_devices": False}
    names = [x["name"] for x in doc["devices"]]
    assert names == ["r1", "fa", "fb"]                       # the model's, in its order
    r1 = doc["devices"][0]
    # Master.dss: phasetrip=560 groundtrip=280 numfast=2 shots=4 recloseintervals=(0.5, 2, 2)
    assert (r1["phase_min_trip_a"], r1["ground_min_trip_a"], r1["n_fast"], r1["n_delayed"],
            r1["reclose_intervals_s"]) == (560, 280, 2, 2, [0.5, 2, 2])
    assert [x["link"] for x in doc["devices"][1:]] == ["65K", "40T"]   # klink 65 A, tlink 40 A
    assert all(x["interrupting_rating_ka"] > 0 for x in doc["devices"])
    assert not d.proposals                                    # r1 protects the feeder head
    # the site as given, then the charger assumptions written out, each a TODO on its own
    # field (review s23 §5)
    assert doc["v2g_sites"][1] == {"name": "homes", "bus": "lat2", "n_chargers": 10,
                                   "p_charger_kw": 7, "phases": 1, "phase": "c",
                                   "s_charger_kva": 7, "limit_pu": 1.5,
                                   "sustained_limit_pu": 1.1, "sustained_limit_high_pu": 1.2,
                                   "ride_through_category": "II", "cease_to_energize_s": 2}
    (model_dir / "study.yaml").write_text(d.text)
    if d.curves_text:
        (model_dir / d.curves_folder).mkdir()
        (model_dir / d.curves_folder / "c.yaml").write_text(d.curves_text)
    assert validate_study(model_dir / "study.yaml") == []
    todos = todo_items(model_dir / "study.yaml")
    # review s17 §3.4: the fuses' OpenDSS klink/tlink curves swapped for the EEI-NEMA links are
    # now TODOs above each fuse (devices[1], devices[2]), with the times that differ
    assert [t.field.split(" ")[0] for t in todos] == [
        # s22: a fuse's swapped link is a TODO on its ``link`` (the rest is the model's); the
        # minimum-case fault resistance is drafted too
        "devices[0].interrupting_rating_ka", "devices[1].link",
        "devices[1].interrupting_rating_ka", "devices[2].link",
        "devices[2].interrupting_rating_ka",
        # s23: each site's charger assumptions on their fields; peak = the model's load
        *[f"v2g_sites[{i}].{k}" for i in (0, 1) for k in (
            "s_charger_kva", "limit_pu", "sustained_limit_pu", "sustained_limit_high_pu",
            "ride_through_category", "cease_to_energize_s")],
        "scenarios.load_levels", "scenarios.light_load_fraction",
        "faults.r_fault_min_ohm"]
    assert "nameplate" in todos[0].fix
    assert "TCC_Curve.klink at 65 A" in todos[1].message and "65K melts in" in todos[1].message
    assert "TCC_Curve.tlink at 40 A" in todos[3].message
    assert {"b1", "lat1", "lat2"} <= set(d.candidates.bus)
    # Master.dss: fa on line la (b1 → lat1), fb on lb (b2 → lat2), r1 on l1 (sub → b1)
    behind = dict(zip(d.candidates.bus, zip(d.candidates.device, d.candidates.device_kind,
                                             strict=True), strict=True))
    assert behind["lat1"] == ("fa", "fuse") and behind["lat2"] == ("fb", "fuse")
    assert {behind[b] for b in ("b1", "b2", "b3")} == {("r1", "recloser")}
    assert any(ln.startswith("#   lat1 ") and ln.endswith("  fa (fuse)")
               for ln in d.text.splitlines())


def test_head_relay_proposed_by_the_stated_rule(model_dir):
    """Without the recloser the feeder head l1 gets a proposed relay: 51P within
    [1.5 × peak load, …], and slower than each fuse by 0.3 s at the faults behind it."""
    text = (model_dir / "Master.dss").read_text()
    lines = text.splitlines()
    # without the model's recloser and its PV (a feeder with DER gets a first reclose past
    # the DER's cease-to-energise time, RECLOSE_INTERVALS_DER_S: test_real_feeders J1)
    keep = [ln for i, ln in enumerate(lines) if not ln.startswith(("New Recloser",
                                                                   "New PVSystem"))
            and not (ln.startswith("~") and lines[i - 1].startswith(("New Recloser", "~ phase")))]
    (model_dir / "Master.dss").write_text("\n".join(keep) + "\n")
    d = draft_study(model_dir / "Master.dss")
    assert len(d.proposals) == 1
    p = d.proposals[0]
    e = p.entry
    assert e["location"] == {"line": "l1", "end": "from"} and e["name"] == "head-l1"
    f = p.figures
    assert 1.5 * f["peak_load_a"] <= e["pickup_a"] <= max(2.0 * f["peak_load_a"] + 10,
                                                          1.5 * f["peak_load_a"] + 10)
    # only fuses below it: IEEE-EI before session 32; now the family (MI/VI/EI) that holds
    # the interval and clears the zone's minimum faults soonest (tests/test_head_curve_family)
    choice = p.figures["curve_choice"]
    assert e["curve"] == e["ground_curve"] == choice["curve"] and choice["met"]
    assert any("head-l1" in t for t in d.todos) and any("CT ratio" in t for t in d.todos)
    assert "# TODO: assumed feeder-head relay head-l1" in d.text
    # the candidates on the trunk now sit behind the proposed relay, the laterals behind fuses
    behind = dict(zip(d.candidates.bus, d.candidates.device, strict=True))
    assert behind["b1"] == "head-l1" and behind["lat1"] == "fa"
    assert set(d.candidates.device_kind[d.candidates.bus == "b2"]) == {"relay, proposed"}
    # the coordination the rule promises, at the fuses' own largest faults (bolted, max case)
    lib = default_library()
    relay = build_device("relay", {k: v for k, v in e.items()
                                   if k not in ("kind", "location", "reclose_intervals_s")}, lib)
    doc = yaml.safe_load(d.text)
    for dev in doc["devices"][:2]:
        fuse = build_device("fuse", {"name": dev["name"], "link": dev["link"]}, lib)
        i = np.array([300.0, 1000.0, 2000.0])            # the same current through both
        t_relay, t_fuse = relay.phase_time_s(i), fuse.total_clear_time_s(i)
        ok = np.isfinite(t_relay) & np.isfinite(t_fuse) & (i <= 1e3 * 2.5)
        assert np.all(t_relay[ok] >= t_fuse[ok] + 0.3 - 1e-9)


def test_study_folder_must_be_above_the_model(model_dir, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("other")
    with pytest.raises(InputError, match="not above the model file") as err:
        draft_study(model_dir / "Master.dss", study_dir=elsewhere)
    assert "-o" in err.value.issues[0].fix


def test_bad_sites_refused(model_dir):
    with pytest.raises(InputError) as err:
        draft_study(model_dir / "Master.dss", sites=[parse_site("a:nowhere:2:7"),
                                                     parse_site("b:lat1.b:2:7"),
                                                     parse_site("c:lat1:2:7")])
    text = str(err.value)
    assert "not in the model" in text and "has no phase b" in text and "not three" in text
    # the fix says how to see the candidates (init writes nothing on a refusal: review ver46 #7)
    assert "run init without --site" in text


def test_misspelt_site_bus_gets_did_you_mean(model_dir):
    with pytest.raises(InputError) as err:
        draft_study(model_dir / "Master.dss", sites=[parse_site("a:lat11:2:7")])
    assert "did you mean 'lat1'" in str(err.value)


def test_cli_init_writes_and_refuses_to_overwrite(model_dir, capsys):
    out = model_dir / "study.yaml"
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(out)]) == 0
    assert out.is_file() and "value(s) marked TODO" in capsys.readouterr().out
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["validate", str(out)]) == 0
    assert "value(s) to confirm" in capsys.readouterr().out


def test_cli_init_elsewhere_copies_the_model(model_dir, tmp_path_factory, capsys):
    """Review 2026-12-03: with the model on a read-only share, ``init -o`` elsewhere was
    refused ("not above the model file") and left no way but copying the model by hand. Now the
    model (its scripts and the files they name) is copied beside the study, which reads the
    copy; a second run without --force refuses to copy over it. A file of the folder the
    scripts do not name is not the model's (review ver39b: the user's notes and outputs were
    copied with it)."""
    (model_dir / "notes").mkdir()
    (model_dir / "notes" / "readme.txt").write_text("x")
    elsewhere = tmp_path_factory.mktemp("studies") / "ckt" / "study.yaml"
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(elsewhere)]) == 0
    printed = capsys.readouterr().out
    copy = elsewhere.parent / model_dir.name
    assert f"to {copy}" in printed and "2 files" in printed  # Master.dss, LineCodes.dss
    assert (copy / "Master.dss").read_text() == (model_dir / "Master.dss").read_text()
    assert not (copy / "notes").exists()
    assert yaml.safe_load(elsewhere.read_text())["feeder"]["opendss"] == \
        f"{model_dir.name}/Master.dss"
    assert validate_study(elsewhere) == []
    assert len(load_study(elsewhere).model.buses) > 0
    elsewhere.unlink()
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(elsewhere)]) == 2
    assert "model copy's folder exists" in capsys.readouterr().err and not elsewhere.exists()
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(elsewhere), "--force"]) == 0


@pytest.mark.parametrize("where", ["elsewhere", "in_the_model"])
def test_cli_init_copies_a_redirect_from_outside_the_model(model_dir, tmp_path_factory,
                                                          capsys, where):
    """Review s26 (IEEE 34): ``init --redirect /tmp/source.dss -o elsewhere`` took the
    redirect's folder into the model's (the common folder: "/", refused as 1 GB, or a folder
    holding a virtualenv, copied) and the study never found the script. Now only the files the
    redirect reaches are copied beside the study, which names the copy; the source it sets
    is the one the draft and the study read."""
    src_dir = tmp_path_factory.mktemp("utility")
    (src_dir / "unrelated.bin").write_bytes(b"x" * 1000)  # must not be copied
    source = src_dir / "source.dss"
    source.write_text("Edit Vsource.source MVAsc3=123 MVAsc1=100\n")
    out = (tmp_path_factory.mktemp("studies") / "s" / "study.yaml" if where == "elsewhere"
           else model_dir / "study.yaml")
    assert main(["init", str(model_dir / "Master.dss"), "--redirect", str(source),
                 "-o", str(out)]) == 0
    assert f"copied {source} to {out.parent / 'source.dss'}" in capsys.readouterr().out
    assert (out.parent / "source.dss").read_text() == source.read_text()
    assert not (out.parent / "unrelated.bin").exists()
    assert yaml.safe_load(out.read_text())["feeder"]["redirects"] == ["source.dss"]
    assert validate_study(out) == []
    model = load_study(out).model
    assert any(abs(float(v) - 123.0) < 1e-9 for v in _vsource_mvasc3(model))
    # a redirect the study names but that is not there: its own field and the path
    bad = out.with_name("bad.yaml")
    bad.write_text(out.read_text().replace("redirects: [source.dss]", "redirects: [no.dss]"))
    issues = validate_study(bad)
    assert [i.field for i in issues] == ["feeder.redirects[0]"], issues
    assert str(out.parent / "no.dss") in issues[0].message


def _vsource_mvasc3(model) -> list[float]:
    """MVAsc3 of the model's Vsource ``source`` as the engine read it."""
    dss = model.engine
    dss.Text.Command("? vsource.source.MVAsc3")
    return [float(dss.Text.Result())]


def test_cli_init_in_a_folder_below_the_model(model_dir, capsys):
    """A study folder inside the model's folder: the copy skips the study folder itself."""
    out = model_dir / "studies" / "study.yaml"
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(out)]) == 0
    copy = out.parent / model_dir.name
    assert (copy / "Master.dss").is_file() and not (copy / "studies").exists()
    assert validate_study(out) == []


def test_head_relay_reclosing_is_a_todo_the_study_counts(model_dir):
    """The proposed head relay declares a typical reclosing sequence marked TODO, so that C10
    checks it (instead of warning that reclosing is not declared) and validate lists it."""
    text = (model_dir / "Master.dss").read_text()
    lines = text.splitlines()
    # without the model's recloser and its PV (a feeder with DER gets a first reclose past
    # the DER's cease-to-energise time, RECLOSE_INTERVALS_DER_S: test_real_feeders J1)
    keep = [ln for i, ln in enumerate(lines) if not ln.startswith(("New Recloser",
                                                                   "New PVSystem"))
            and not (ln.startswith("~") and lines[i - 1].startswith(("New Recloser", "~ phase")))]
    (model_dir / "Master.dss").write_text("\n".join(keep) + "\n")
    # without sites (and without DER of the model's own) the typical sequence, short end
    plain = draft_study(model_dir / "Master.dss")
    assert plain.proposals[0].entry["reclose_intervals_s"] == list(RECLOSE_INTERVALS_S)
    assert RECLOSE_INTERVALS_S[0] <= 0.5 and all(10 <= t <= 45 for t in RECLOSE_INTERVALS_S[1:])
    # with V2G sites drafted the first reclose waits past their cease-to-energise (review
    # s19 §3.5): RECLOSE_INTERVALS_DER_S, as for a model with DER of its own
    d = draft_study(model_dir / "Master.dss", sites=[parse_site("lot:b2:20:75")])
    assert d.proposals[0].entry["reclose_intervals_s"] == list(RECLOSE_INTERVALS_DER_S)
    line = next(ln for ln in d.text.splitlines() if "reclose_intervals_s:" in ln)
    assert line.startswith("    reclose_intervals_s: [3.5, 15.0, 30.0]  # TODO: ")
    assert "IEEE C37.104" in line and "| fix:" in line and "[]" in line.split("| fix:")[1]
    assert "head-l1: reclose_intervals_s" in d.todos
    out = model_dir / "study.yaml"
    out.write_text(d.text)
    assert validate_study(out) == []
    todos = todo_items(out)
    k = [x["name"] for x in yaml.safe_load(d.text)["devices"]].index("head-l1")
    hit = [t for t in todos if t.field.startswith(f"devices[{k}].reclose_intervals_s ")]
    assert len(hit) == 1 and "feeder breakers usually reclose" in hit[0].message
    relay = next(x for x in load_study(out).document.devices if x.name == "head-l1")
    assert "reclose_intervals_s" in relay.model_fields_set     # C10: declared, not a warning
    assert relay.reclose_intervals_s == RECLOSE_INTERVALS_DER_S
    # C10 on the drafted study: the site at b2 is behind head-l1, whose drafted first reclose
    # 3.5 s clears the 2 s cease-to-energise + 0.5 s margin (IEEE 1547-2018 §8.1) by 1.0 s:
    # no C10 row (the 0.5 s of the plain sequence failed by 2.0 s), no "not declared" warning
    v = run_study(load_study(out)).violations
    c10 = v[(v.criterion == "C10") & (v.device == "head-l1")]
    assert set(c10.status.astype(str)) <= {"pass"}


def test_ieee13_candidates_sit_behind_the_proposed_head_relay(shared_dir):
    """IEEE 13 has no protective device: the head line 650632 (RG60 → 632) gets the proposed
    relay with the TODO reclosing, and every candidate bus (all below 632) sits behind it."""
    d = draft_study(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    assert [p.entry["name"] for p in d.proposals] == ["head-650632"]
    assert "head-650632: reclose_intervals_s" in d.todos
    assert len(d.candidates) >= 5
    assert set(d.candidates.device) == {"head-650632"}
    assert set(d.candidates.device_kind) == {"relay, proposed"}
    # its substation transformer is nearly ideal (XHL = 0.008 %): 1,363 kA at the 4.16 kV
    # head, which the Vsource check (115 kV) does not see; the fault level says it (s25)
    assert len(d.source_issues) == 1 and "above the largest breaker rating 63 kA" in \
        d.source_issues[0] and "head-650632 (4.16 kV)" in d.source_issues[0]
    assert "source: fault level" in " ".join(d.todos)


def test_summary_says_the_verdict_rests_on_the_todo_values(model_dir, tmp_path):
    """Review 2026-12-01: a drafted study's findings rested on values protv2g init assumed
    (ratings, the head relay's reclosing) and the Summary never said so."""
    import openpyxl

    out = model_dir / "study.yaml"
    assert main(["init", str(model_dir / "Master.dss"), "-o", str(out)]) == 0
    n = len(todo_items(out))
    assert n > 0
    book = tmp_path / "r.xlsx"
    main(["run", str(out), "-o", str(book), "--no-hosting"])
    ws = openpyxl.load_workbook(book, read_only=True)["Summary"]
    texts = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "Unconfirmed inputs" in texts
    line = next(t for t in texts if "marks TODO" in t)
    assert line.startswith(f"{n} value(s) the study file marks TODO") and "validate" in line


def test_head_relay_comment_and_values_come_from_one_number(model_dir):
    """Review s21 (EPRI J1): the comment's rule "51G = max(2 × residual, 0.25 × 51P)" read
    0.25 × 470 = 117.5 A while the value written was 110 A (lowered to the zone's minimum
    ground fault / 1.5). The draft states each pickup's steps, ending at the value written."""
    import re

    from protv2g.study_draft.head_relay import _fit_pickup, pickup_steps

    text = (model_dir / "Master.dss").read_text()
    lines = text.splitlines()
    keep = [ln for i, ln in enumerate(lines) if not ln.startswith("New Recloser")
            and not (ln.startswith("~") and lines[i - 1].startswith(("New Recloser", "~ phase")))]
    (model_dir / "Master.dss").write_text("\n".join(keep) + "\n")
    d = draft_study(model_dir / "Master.dss")
    (p,) = d.proposals
    for element, field in (("51P", "pickup_a"), ("51G", "ground_pickup_a")):
        (line,) = [ln for ln in d.text.splitlines() if ln.strip().startswith(f"# {element}:")]
        written = yaml.safe_load(d.text)["devices"][-1][field]
        assert written == p.entry[field]
        assert float(re.findall(r"([\d.]+) A", line.split("→")[-1])[0]) == written, line
    # J1's figures: 51P 470 A, residual 35 A, min zone ground fault 173 A
    wanted, floor, ceiling = max(2 * 35.0, 0.25 * 470.0), 1.5 * 35.0, 173.0 / 1.5
    assert _fit_pickup(wanted, floor, ceiling)[0] == 110.0
    assert pickup_steps(wanted, floor, ceiling).startswith("117.5 A → 120 A")
    assert pickup_steps(wanted, floor, ceiling).endswith("→ 110 A")
    kept = pickup_steps(620.0, 465.0, 445.0 / 1.5)  # J1's 51P: the load floor wins
    assert kept.startswith("620 A > min zone fault / 1.5 = 296.7 A → 470 A, the floor"), kept


def test_ieee13_init_elsewhere_copies_the_line_codes_it_redirects_to(shared_dir, tmp_path,
                                                                     capsys):
    """Review s25: the IEEE test feeders redirect to ``../IEEELineCodes.DSS`` (their
    ``IEEELineCodes.DSS`` holds only that line); ``init -o`` elsewhere copied the master's
    folder alone and the drafted study did not validate ("redirected file
    '../IEEELineCodes.DSS' not found"). The copy now holds every file the scripts reach, at
    the same relative place."""
    models = shared_dir / "feeders" / "opendss"
    out = tmp_path / "ieee13" / "study.yaml"
    assert main(["init", str(models / "13Bus" / "IEEE13Nodeckt.dss"), "-o", str(out)]) == 0
    capsys.readouterr()
    copy = out.parent / models.name
    assert (copy / "IEEELineCodes.DSS").read_text() == \
        (models / "IEEELineCodes.DSS").read_text()
    assert (copy / "13Bus" / "IEEE13Node_BusXY.csv").is_file()  # named by its BusCoords
    assert not (copy / "123Bus").exists() and not (copy / "real").exists()  # not the rest
    assert yaml.safe_load(out.read_text())["feeder"]["opendss"] == \
        f"{models.name}/13Bus/IEEE13Nodeckt.dss"
    assert validate_study(out) == []


def test_sites_added_by_hand_beside_a_drafted_short_reclose_are_warned(model_dir):
    """Review s25 §1: ``init`` without ``--site`` drafts a 0.5 s first reclose (TODO); sites
    added by hand then fail C10 on that drafted value alone. ``validate`` warns, naming the
    field, the site's cease-to-energise time and the 3.5 s ``init --site`` drafts."""
    from protv2g.study.loader import validate_study_warnings

    text = (model_dir / "Master.dss").read_text().splitlines()
    keep = [ln for i, ln in enumerate(text) if not ln.startswith(("New Recloser", "New PVSystem"))
            and not (ln.startswith("~") and text[i - 1].startswith(("New Recloser", "~ phase")))]
    (model_dir / "Master.dss").write_text("\n".join(keep) + "\n")
    d = draft_study(model_dir / "Master.dss")
    doc = yaml.safe_load(d.text)
    assert d.proposals[0].entry["reclose_intervals_s"] == list(RECLOSE_INTERVALS_S)
    out = model_dir / "study.yaml"
    out.write_text(d.text)
    assert [w for w in validate_study_warnings(out)[1] if "reclose" in w.field] == []
    k = [x["name"] for x in doc["devices"]].index("head-l1")
    assert "v2g_sites: []" in d.text
    out.write_text(d.text.replace(
        "v2g_sites: []", "v2g_sites:\n  - {name: lot, bus: b2, n_chargers: 20, "
        "p_charger_kw: 75}\n", 1))
    problems, warnings = validate_study_warnings(out)
    assert problems == []
    hit = [w for w in warnings if w.field == f"devices[{k}].reclose_intervals_s"]
    assert len(hit) == 1
    assert "drafted first reclose 0.5 s (TODO)" in hit[0].message
    assert "site 'lot', 2 s, + checks.reclose_margin_s 0.5 s" in hit[0].message
    assert "[3.5, 15, 30]" in hit[0].fix and "init --site" in hit[0].fix
    # the value given (no TODO on it): no warning, whatever it is
    given = out.read_text().replace("reclose_intervals_s: [0.5, 15.0, 30.0]  # TODO:",
                                    "reclose_intervals_s: [0.5, 15.0, 30.0]  # given:")
    out.write_text(given)
    assert [w for w in validate_study_warnings(out)[1] if "reclose" in w.field] == []
