"""Input checks of session 45 (reviews rev45b §2 and rev45a M1/M3): two devices of one kind at
one line end, a fraction above 1, a range's fix, an OpenDSS ``bus.node``, a binary script,
TODOs a redirect made stale, and a site on a bus the substation does not reach."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import yaml

from protv2g.cli import main
from protv2g.study import validate_study
from protv2g.study.loader import validated_study
from protv2g.study.todos import todo_items

from .conftest import FEEDERS_DIR
from .test_validate_messages import DEPOT_DIR
from .test_validate_messages import _issues as _depot  # the depot study, edited

DSS_DIR = FEEDERS_DIR / "opendss_example"


def _dss_example(tmp_path: Path, edit, extra_dss: str = "") -> list:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for p in DSS_DIR.iterdir():
        (shutil.copytree if p.is_dir() else shutil.copy)(p, tmp_path / p.name)
    if extra_dss:  # before the model's solve commands, after its devices
        master = tmp_path / "Master.dss"
        text = master.read_text()
        at = text.index("New Fuse.fb")
        at = text.index("\n", at) + 1
        master.write_text(text[:at] + extra_dss + text[at:])
    doc = yaml.safe_load((DSS_DIR / "study.yaml").read_text())
    edit(doc)
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return validate_study(tmp_path / "study.yaml")


# --- (1) two devices of one kind at one place (rev45b §2) --------------------------------

def test_misnamed_fuse_beside_the_adopted_one_is_refused(tmp_path):
    """opendss_example with adopt_devices and its fuse fb written fz: fz became a second fuse
    on line.lb terminal 1 beside the adopted fb ("valid"; the gate then invented a C3 pair)."""
    def edit(doc):
        doc["feeder"]["adopt_devices"] = True
        fuse = next(d for d in doc["devices"] if d["name"] == "fb")
        fuse["name"] = "fz"
    issues = _dss_example(tmp_path, edit)
    assert len(issues) == 1, issues
    hit = issues[0]
    assert hit.field.startswith("devices[") and hit.field.endswith("].location")
    assert "'fz'" in hit.message and "'fb'" in hit.message
    assert "line.lb terminal 1" in hit.message and "adopted from the model" in hit.message
    assert hit.fix.startswith("did you mean 'fb'?")


def test_two_study_fuses_at_one_line_end_are_refused(tmp_path):
    """The depot with a second study fuse FU-X on F1-LAT2-L1's from end (rev45b bad/d_dup)."""
    def edit(doc):
        lat2 = next(d for d in doc["devices"] if d["name"] == "FU-F1-LAT2")
        doc["devices"].append({**copy.deepcopy(lat2), "name": "FU-X", "link": "40K"})
    issues = _depot(tmp_path, edit)
    n = len(yaml.safe_load((DEPOT_DIR / "study.yaml").read_text())["devices"])
    assert [i.field for i in issues] == [f"devices[{n}].location"]  # FU-X, the last entry
    assert "'FU-X'" in issues[0].message and "'FU-F1-LAT2'" in issues[0].message
    assert "remove one of the two" in issues[0].fix


def test_a_second_relay_on_a_breaker_is_allowed(tmp_path):
    """A separate ground relay beside the phase relay on one breaker is real: not refused."""
    def edit(doc):
        head = next(d for d in doc["devices"] if d["name"] == "R-F1")
        doc["devices"].append({"name": "R-F1-G", "kind": "relay", "location": head["location"],
                               "pickup_a": 800, "curve": "IEEE-VI", "time_dial": 1.0,
                               "interrupting_rating_ka": 25})
    assert _depot(tmp_path, edit) == []


# --- (2) fractions, ranges, bus.node, binary script (rev45b §2) ---------------------------

def test_export_fraction_above_one_is_an_over_rating_not_a_percent(tmp_path):
    def edit(doc):
        doc["scenarios"]["export_levels_fraction"] = [0, 0.5, 1.5]
        doc["v2g_sites"][0]["participation"] = {"low": 0.5, "expected": 0.8, "firm": 1.2}
    fixes = {i.field: i.fix for i in _depot(tmp_path, edit)}
    for field, pct in (("scenarios.export_levels_fraction[2]", "150 %"),
                       ("v2g_sites[0].participation.firm", "120 %")):
        assert "not a percent" not in fixes[field] and "0.01" not in fixes[field]
        assert f"{pct} of the nameplate" in fixes[field]
        assert "n_chargers or p_charger_kw" in fixes[field]
    # a percent stays a percent
    fixes = {i.field: i.fix for i in _depot(tmp_path, lambda d: d["scenarios"].update(
        export_levels_fraction=[0, 50]))}
    assert "write 0.5 for 50 %" in fixes["scenarios.export_levels_fraction[1]"]


def test_range_fix_names_the_range_and_the_usual_value(tmp_path):
    issues = _depot(tmp_path, lambda d: d["v2g_sites"][0].update(limit_pu=20))
    fix = next(i.fix for i in issues if i.field == "v2g_sites[0].limit_pu")
    assert "0 < limit_pu ≤ 5" in fix  # the schema's gt=0, le=5
    assert "1.5–2.0 pu" in fix and "domain.md" in fix


def test_one_bound_and_literal_fixes_name_what_is_allowed(tmp_path):
    """review rev47b P8: "use a value inside the allowed range" / "use one of the allowed
    values" without the range or what each value means."""
    def edit(doc):
        doc["v2g_sites"][0].update(n_chargers=0, phases=2)
        doc["scenarios"].pop("export_levels_fraction", None)
        doc["scenarios"]["export_levels_kw"] = [-100, 500]
    fixes = {i.field: i.fix for i in _depot(tmp_path, edit)}
    assert fixes["v2g_sites[0].n_chargers"].endswith("allowed range: n_chargers ≥ 1")
    assert fixes["scenarios.export_levels_kw[0]"].endswith("export_levels_kw ≥ 0")
    assert "1 for single-phase ones with phase: a, b or c" in fixes["v2g_sites[0].phases"]


def test_opendss_bus_with_node_suffix_says_drop_it(tmp_path):
    def edit(doc):
        doc["v2g_sites"][0]["bus"] = "lat1.1"
    hit = next(i for i in _dss_example(tmp_path, edit) if i.field == "v2g_sites[0].bus")
    assert "drop the node suffix" in hit.fix
    assert "bus: lat1" in hit.fix and "phase: a" in hit.fix


def test_binary_master_is_not_opendss_text(tmp_path):
    raw = bytes((i * 97 + 13) % 256 for i in range(2000))
    for p in DSS_DIR.iterdir():
        (shutil.copytree if p.is_dir() else shutil.copy)(p, tmp_path / p.name)
    (tmp_path / "Master.dss").write_bytes(raw)
    issues = validate_study(tmp_path / "study.yaml")
    assert len(issues) == 1
    assert "not OpenDSS text" in issues[0].message
    assert "rejected" not in issues[0].message and "\ufffd" not in issues[0].message


# --- (3) and (4): a tiny model with a source behind an open transformer terminal ------------

_MASTER = """Clear
New Circuit.c basekv=12.47 bus1=s pu=1.0 {source}
New Line.l1 bus1=s bus2=b1 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=1.0 c1=0 c0=0
New Line.l2 bus1=b1 bus2=b2 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=1.0 c1=0 c0=0
New Transformer.tg phases=3 windings=2 buses=[b1 bg] conns=[wye wye] kvs=[12.47 0.6]
~ kvas=[2000 2000] xhl=6
New Vsource.windgen1 bus1=bg basekv=0.6 pu=1.0 MVAsc3=0.5 MVAsc1=0.5
New Load.ld bus1=b2 kv=12.47 kw=500 kvar=100
Set voltagebases=[12.47 0.6]
Calcvoltagebases
open transformer.tg 2
"""
_OPEN = ("transformer.tg: terminal 2 (bg) open in the model, taking vsource.windgen1 off the "
         "feeder")


def _tiny(tmp_path: Path, *, redirect: str = "", site_bus: str = "b2",
          source: str = "MVAsc3=200 MVAsc1=200 x1r1=8 x0r0=8") -> Path:
    (tmp_path / "Master.dss").write_text(_MASTER.format(source=source))
    red = ""
    if redirect:
        (tmp_path / "fix.dss").write_text(redirect)
        red = "  redirects: [fix.dss]\n"
    (tmp_path / "study.yaml").write_text(
        "name: tiny\nfeeder:\n"
        f"  # TODO: {_OPEN} | fix: close it in a script listed in feeder.redirects\n"
        "  # TODO: the model's source vsource.source at bus s (12.47 kV): R1 = 0 Ω — an "
        "ideal source | fix: give the utility's source\n"
        f"  opendss: Master.dss\n{red}  adopt_devices: false\n"
        "devices:\n"
        "  - name: r1\n    kind: relay\n    location: {line: l1, end: from}\n"
        "    pickup_a: 100\n    curve: IEEE-VI\n    time_dial: 1.0\n"
        "    interrupting_rating_ka: 63  # TODO: drafted rating 63 kA sym: below the "
        "21907.72 kA computed here | fix: give the nameplate rating\n"
        f"v2g_sites:\n  - {{name: lot, bus: {site_bus}, n_chargers: 4, p_charger_kw: 50}}\n")
    return tmp_path / "study.yaml"


def test_todo_a_redirect_fixed_is_out_of_date(tmp_path, capsys):
    """rev45a M1: the redirect closes tg and gives a plausible source; validate and the
    Summary's "Unconfirmed inputs" kept stating the open terminal and the ideal source."""
    path = _tiny(tmp_path, source="R1=0 X1=0.0001 R0=0 X0=0.0001",
                 redirect="close transformer.tg 2\nEdit Vsource.source MVAsc3=100 MVAsc1=100 "
                          "X1R1=8 X0R0=8\n")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 TODO comment(s) out of date" in out
    assert "1 value(s) to confirm" in out
    from protv2g.study.stale_todos import is_out_of_date, refresh_model_todos

    issues, study = validated_study(path)
    assert issues == [] and study is not None
    items = refresh_model_todos(todo_items(path), study)
    old = {i.message.split(":", 1)[0]: i for i in items if is_out_of_date(i)}
    assert set(old) == {"transformer.tg", "the model's source vsource.source at bus s (12.47 kV)"}
    assert "with feeder.redirects (fix.dss)" in old["transformer.tg"].message
    assert "delete this TODO" in old["transformer.tg"].fix
    # the source now: 100 MVA at 12.47 kV is 4.63 kA (100 / (√3 × 12.47), by hand)
    assert "three-phase 4.63 kA" in old["the model's source vsource.source at bus s (12.47 kV)"
                                       ].message
    # the drafted rating is still to confirm, its quoted figure marked out of date
    rating = next(i for i in items if i.field.startswith("devices[0].interrupting_rating_ka"))
    assert not is_out_of_date(rating) and "its figures are OUT OF DATE" in rating.message


def test_todo_without_redirect_is_kept(tmp_path):
    """The same TODOs on the model as init read it (no redirects) stay as they are: the text
    the test matches is the model's own note."""
    from protv2g.study.stale_todos import is_out_of_date, refresh_model_todos

    path = _tiny(tmp_path, source="R1=0 X1=0.0001 R0=0 X0=0.0001")
    issues, study = validated_study(path)
    assert issues == [] and study is not None
    rows = study.feeder_warnings
    assert _OPEN in {f"{n.lower()}: {w}" for n, w in zip(rows["name"], rows["what"],
                                                          strict=True)}
    items = refresh_model_todos(todo_items(path), study)
    assert not any(is_out_of_date(i) for i in items)
    # with a redirect that changes nothing the model states, nothing goes out of date either
    path = _tiny(tmp_path, source="R1=0 X1=0.0001 R0=0 X0=0.0001", redirect="! nothing\n")
    issues, study = validated_study(path)
    assert not any(is_out_of_date(i) for i in refresh_model_todos(todo_items(path), study))


def test_site_cut_off_from_the_substation_is_refused_by_name(tmp_path):
    """rev45a M3: a site at bg, behind the open tg terminal 2 and held up by windgen1 only,
    was "valid" with "add the feeder-head device" (and flows that did not converge)."""
    issues = validate_study(_tiny(tmp_path, site_bus="bg"))
    assert [i.field for i in issues] == ["v2g_sites[0].bus"]
    msg = issues[0].message
    assert "bus 'bg' of site 'lot' is not connected to the substation" in msg
    assert "transformer.tg terminal 2 is open" in msg and "vsource.windgen1" in msg
    assert "'close transformer.tg 2'" in issues[0].fix
    # closed by a redirect: the site is on the feeder
    assert validate_study(_tiny(tmp_path, site_bus="bg",
                                redirect="close transformer.tg 2\n")) == []


def test_summary_unconfirmed_inputs_leave_out_what_a_redirect_fixed(tmp_path):
    """rev45a M1: the Summary's "Unconfirmed inputs" (the run's ``meta["unconfirmed"]``)
    quoted the open terminal and the ideal source the study's redirect had fixed."""
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    path = _tiny(tmp_path, source="R1=0 X1=0.0001 R0=0 X0=0.0001",
                 redirect="close transformer.tg 2\nEdit Vsource.source MVAsc3=100 MVAsc1=100 "
                          "X1R1=8 X0R0=8\n")
    unconfirmed = run_study(load_study(path)).meta["unconfirmed"]
    assert len(unconfirmed) == 1, unconfirmed  # the drafted rating: still to confirm
    assert unconfirmed[0].startswith("devices[0].interrupting_rating_ka")
    assert "its figures are OUT OF DATE" in unconfirmed[0]


# --- (1b) a misnamed study relay at an adopted relay's place (fix45c) ----------------------

_DSS_RELAY = ("New Relay.rly3 monitoredobj=Line.l3 monitoredterm=1 type=current "
              "phasecurve=very_inv groundcurve=very_inv phasetrip=300 groundtrip=100 "
              "tdphase=2 tdground=2 shots=1\n")


def _dss_with_relay(tmp_path: Path, relay: dict) -> list:
    """opendss_example with a relay rly3 (51P and 51G) on line l3 in the model, the model's
    devices adopted, and ``relay`` added to the study file at l3's from end."""
    def edit(doc):
        doc["feeder"]["adopt_devices"] = True
        doc["devices"].append({"kind": "relay", "location": {"line": "l3", "end": "from"},
                               "curve": "IEEE-VI", "time_dial": 2.0, "pickup_a": 300,
                               "interrupting_rating_ka": 12.5, **relay})
    issues = _dss_example(tmp_path, edit, extra_dss=_DSS_RELAY)
    return [i for i in issues if "relay" in i.message and "adopted from the model" in i.message]


_GROUND = {"ground_pickup_a": 100, "ground_curve": "IEEE-VI", "ground_time_dial": 2.0}


def test_misnamed_relay_beside_the_adopted_one_is_refused(tmp_path):
    """rly3 written rly-3 with the same 51P + 51G: a second identical relay on l3's breaker
    (old code: valid, then a C1 pair of the two); refused with "did you mean 'rly3'"."""
    hits = _dss_with_relay(tmp_path, {"name": "rly-3", **_GROUND})
    assert len(hits) == 1, hits
    hit = hits[0]
    assert hit.field.startswith("devices[") and hit.field.endswith("].location")
    assert "'rly-3'" in hit.message and "'rly3'" in hit.message
    assert "line.l3 terminal 1" in hit.message and "phase and ground" in hit.message
    assert hit.fix.startswith("did you mean 'rly3'?")


def test_second_relay_with_other_elements_or_name_is_allowed(tmp_path):
    """A phase-only relay beside the adopted 51P + 51G relay (other elements), and a relay
    with both elements named unlike it (a backup set), stay allowed."""
    assert _dss_with_relay(tmp_path / "a", {"name": "rly-3"}) == []
    assert _dss_with_relay(tmp_path / "b", {"name": "backup-b2", **_GROUND}) == []


# --- (3b) init drafts no site on a bus the substation does not reach (fix45c) ---------------

def test_init_refuses_a_site_cut_off_from_the_substation(tmp_path, capsys):
    """The tiny model's bg (behind the open tg terminal 2, held up by windgen1 only): init
    drafted the site there silently (old code: a study validate then refused)."""
    import pytest

    from protv2g.errors import InputError
    from protv2g.study_draft import draft_study
    from protv2g.study_draft.draft import parse_site

    _tiny(tmp_path)
    master = tmp_path / "Master.dss"
    with pytest.raises(InputError) as err:
        draft_study(master, sites=[parse_site("lot:bg:4:50")])
    (hit,) = err.value.issues
    assert (hit.file, hit.field) == ("--site", "lot")
    text = str(err.value)
    assert "bus 'bg' is not connected to the substation" in text
    assert "transformer.tg terminal 2 is open" in text and "vsource.windgen1" in text
    assert "close transformer.tg 2" in text and "--redirect" in text
    # the CLI: exit 2, nothing written
    out = tmp_path / "drafted.yaml"
    assert main(["init", str(master), "--site", "lot:bg:4:50", "-o", str(out)]) == 2
    assert not out.exists()
    assert "not connected to the substation" in capsys.readouterr().err
    # a site the substation feeds is drafted as before; a redirect that closes tg joins bg
    assert "lot" in draft_study(master, sites=[parse_site("lot:b2:4:50")]).text
    (tmp_path / "fix.dss").write_text("close transformer.tg 2\n")
    assert "bus: bg" in draft_study(master, redirects=[tmp_path / "fix.dss"],
                                    sites=[parse_site("lot:bg:4:50")]).text
