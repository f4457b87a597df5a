"""What the study says of an OpenDSS device's settings: the model's, replaced, or defaulted.

* Review rev35b M3 (IEEE 123): the Feeder warnings kept "Recloser rc67: no ground curves set →
  ground element off" after the study file gave rc67 a ground element (ground_min_trip_a 140,
  curves dss-a / dss-d) at the model's place: the row described the model, not the study
  that runs (:func:`protv2g.study.model_notes.superseded_rows`).
* Review rev35b field case device-delay-import: a relay imported with ``delay=0.3`` and no
  ``GroundTrip`` gets a definite-time 51G at 1 A — OpenDSS's default GroundTrip, which OpenDSS
  arms (so protv2g is faithful) — yet neither the Settings sheet nor validate said the pickup
  came from OpenDSS's default and would trip on any unbalance
  (:mod:`protv2g.study.model_defaults`).

The default is OpenDSS's own: asked of OpenDSS here (a ``Relay`` and a ``Recloser`` made
without ``PhaseTrip``/``GroundTrip`` answer 1).
"""

from __future__ import annotations

import pytest

from protv2g.errors import InputError

pytest.importorskip("opendssdirect")

from protv2g.study import load_study  # noqa: E402
from protv2g.study.loader import validate_study_warnings  # noqa: E402

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.dly basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=1800 x1r1=10 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(20000 20000) xhl=10 %r=0.5
New Linecode.oh nphases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0 units=km
New Line.l1 bus1=sub bus2=b1 linecode=oh length=3 units=km
New Line.l2 bus1=b1 bus2=b2 linecode=oh length=2 units=km
New Line.l3 bus1=b2 bus2=b3 linecode=oh length=1 units=km
New Relay.r1 monitoredobj=Line.l1 monitoredterm=1 type=current phasecurve=very_inv
~ phasetrip=400 tdphase=1 delay=0.3
New Recloser.rc monitoredobj=Line.l2 monitoredterm=1 phasetrip=280 phasefast=a phasedelayed=d
~ numfast=1 shots=4 recloseintervals=(2, 2, 5) delay=0.042
New Fuse.f3 monitoredobj=Line.l3 monitoredterm=1 fusecurve=klink ratedcurrent=40
Set VoltageBases=(115, 12.47)
CalcVoltageBases
Solve
"""

HEAD = """\
name: model-defaults
feeder:
  opendss: master.dss
faults:
  method: classical
  fault_types: [3ph, SLG]
  cases: [max]
scenarios:
  export_levels_fraction: [0.0]
"""

RC_GROUND = """\
devices:
  - name: rc
    kind: recloser
    location: {line: l2, end: from}
    phase_min_trip_a: 280
    ground_min_trip_a: 140
    fast_curve: "101"
    delayed_curve: "117"
    ground_fast_curve: "101"
    ground_delayed_curve: "117"
    n_fast: 1
    n_delayed: 3
    reclose_intervals_s: [2, 2, 5]
"""

R1_GROUND = """\
  - name: r1
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 400
    curve: IEEE-VI
    time_dial: 1
    definite_time_s: 0.3
    ground_pickup_a: 60
"""


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "master.dss").write_text(MASTER, encoding="utf-8")
    return tmp_path


def _study(folder, extra: str = ""):
    (folder / "study.yaml").write_text(HEAD + extra, encoding="utf-8")
    return load_study(folder / "study.yaml")


def _actions(study, name: str) -> dict[str, str]:
    w = study.feeder_warnings
    w = w[w["name"].astype(str).str.lower() == name]
    return dict(zip(w["what"].astype(str), w["action"].astype(str), strict=True))


def test_opendss_defaults_the_pickups_to_1_a():
    import opendssdirect as dss

    dss.Text.Command("Clear")
    dss.Text.Command("New Circuit.x basekv=12.47")
    dss.Text.Command("New Line.l bus1=sourcebus bus2=b")
    dss.Text.Command("New Relay.r monitoredobj=Line.l type=current phasecurve=very_inv")
    dss.Text.Command("New Recloser.c monitoredobj=Line.l")
    for q in ("relay.r.groundtrip", "relay.r.phasetrip", "recloser.c.groundtrip",
              "recloser.c.phasetrip"):
        dss.Text.Command(f"? {q}")
        assert float(dss.Text.Result()) == pytest.approx(1.0), q


def test_the_models_ground_note_stands_when_the_study_runs_the_models_device(folder):
    # adopted: the model's recloser has no ground element, and the study runs it so
    acts = _actions(_study(folder), "recloser.rc")
    assert acts["no ground curves set"] == "ground element off (None)"
    acts = _actions(_study(folder), "relay.r1")
    assert [a for w, a in acts.items() if w.startswith("Delay > 0 and no GroundCurve")] == [
        "kept as ground_pickup_a (set GroundTrip in the model, or define the relay in the "
        "study file, to change it)"]


def test_a_study_device_at_the_models_place_with_a_ground_element_says_so(folder):
    s = _study(folder, RC_GROUND + R1_GROUND)
    acts = _actions(s, "recloser.rc")
    assert acts["no ground curves set"] == (
        "not what the study runs: the study file's rc at this place sets a ground element "
        "(ground_min_trip_a 140 A, curves 101 / 117)")
    acts = _actions(s, "relay.r1")
    assert [a for w, a in acts.items() if w.startswith("Delay > 0 and no GroundCurve")] == [
        "not what the study runs: the study file's r1 at this place sets its own "
        "(ground_pickup_a 60 A, definite time 0.3 s)"]


def test_a_renamed_study_device_without_a_ground_element_keeps_the_note(folder):
    text = RC_GROUND.replace("name: rc", "name: rec-2").replace(
        "    ground_min_trip_a: 140\n", "").replace(
        '    ground_fast_curve: "101"\n    ground_delayed_curve: "117"\n', "")
    # fix45c (review rev45b: a misnamed study fuse became a phantom second fuse beside the
    # adopted one): a study recloser at the adopted recloser's place under another name is
    # refused, naming the model's device — the note then never has to say which one runs
    with pytest.raises(InputError, match="did you mean 'rc'"):
        _study(folder, text)


def test_validate_and_the_settings_sheet_flag_the_defaulted_51g(folder):
    from protv2g.runner import settings_table

    (folder / "study.yaml").write_text(HEAD, encoding="utf-8")
    issues, warnings = validate_study_warnings(folder / "study.yaml")
    assert not issues
    flagged = [w for w in warnings if w.field.endswith(".ground_pickup_a")]
    assert len(flagged) == 1
    w = flagged[0]
    assert w.field == "feeder.opendss (relay r1).ground_pickup_a"
    assert "ground_pickup_a 1 A is OpenDSS's default GroundTrip" in w.message
    assert "definite-time 51G element (OpenDSS arms it with Delay > 0) trips in 0.3 s" \
        in w.message
    assert "set GroundTrip on the model's relay r1" in w.fix
    # the recloser's pickups are the model's own (280 A; no ground element): nothing said
    assert not [x for x in warnings if "(recloser rc)" in x.field and "default" in x.message]
    table = settings_table(_study(folder)).set_index("device")
    assert table.at["r1", "at_model_default"] == (
        "ground_pickup_a = 1 A (GroundTrip, OpenDSS's default)")
    assert table.at["rc", "at_model_default"] == ""


def test_a_ground_pickup_the_study_file_gives_is_not_flagged(folder):
    (folder / "study.yaml").write_text(HEAD + RC_GROUND + R1_GROUND, encoding="utf-8")
    issues, warnings = validate_study_warnings(folder / "study.yaml")
    assert not issues
    assert not [w for w in warnings if "OpenDSS's default" in w.message]
