"""Everything an importer emits is a study-schema key (#20 item 3), and hints name the level.

The keys are derived from the importer's code (every dict key ``read_devices`` can write, by
reading its source) and from running it: on a model written to reach every branch of it, and
on every shared OpenDSS model with protective devices. Each key then passes validation with
its OpenDSS meaning (unit tests per key below, hand-computed values); the OpenDSS timing of
the keys is checked against OpenDSS itself in ``tests/test_device_delay_import.py``.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

import protv2g
from protv2g.devices.library import default_library
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser
from protv2g.network import opendss_devices
from protv2g.network.opendss import import_opendss
from protv2g.study import schema
from protv2g.study.opendss_devices import CONSUMED_KEYS, adopt_model_devices
from protv2g.units import DeviceKind

from .device_fields import model_of

_MODELS = {DeviceKind.RELAY: schema.RelayDevice, DeviceKind.RECLOSER: schema.RecloserDevice,
           DeviceKind.FUSE: schema.FuseDevice}
_CLASSES = {"Relay": DeviceKind.RELAY, "Recloser": DeviceKind.RECLOSER, "Fuse": DeviceKind.FUSE}


def _importer_keys() -> dict[DeviceKind, set[str]]:
    """Every key the importer writes into a device dict, per device kind (from the source of
    ``read_device_dicts``, which ``read_devices`` and the OpenDSS-model loader both use).

    Each ``for … in iter_class(dss, "<Class>")`` loop builds the devices of one class: the
    keys of its dict literals and of ``device["key"] = …`` assignments.
    """
    tree = ast.parse(inspect.getsource(opendss_devices.read_device_dicts))
    out: dict[DeviceKind, set[str]] = {}
    for loop in (n for n in ast.walk(tree) if isinstance(n, ast.For)):
        call = loop.iter
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "iter_class"):
            continue
        kind = _CLASSES[call.args[1].value]
        keys = out.setdefault(kind, set())
        for node in ast.walk(loop):
            if isinstance(node, ast.Dict) and any(
                    isinstance(k, ast.Constant) and k.value == "kind" for k in node.keys):
                keys |= {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and isinstance(
                            target.slice, ast.Constant) and getattr(
                            target.value, "id", "") == "device":
                        keys.add(target.slice.value)
    return out


IMPORTER_KEYS = _importer_keys()


def test_importer_keys_are_found():
    assert set(IMPORTER_KEYS) == set(DeviceKind)
    assert {"definite_time_s", "time_adder_s", "ground_pickup_a"} <= IMPORTER_KEYS[
        DeviceKind.RELAY]
    assert "time_adder_s" in IMPORTER_KEYS[DeviceKind.FUSE]


@pytest.mark.parametrize("kind", list(DeviceKind))
def test_every_importer_key_is_a_schema_key(kind):
    allowed = set(_MODELS[kind].model_fields) | CONSUMED_KEYS.get(kind, frozenset())
    assert IMPORTER_KEYS[kind] <= allowed, IMPORTER_KEYS[kind] - allowed


# ------------------------------------------------------------------ a model reaching every branch
EVERY_BRANCH = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.every basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=1800 x1r1=10 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(20000 20000) xhl=10 %r=0.5
New Linecode.oh nphases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0 units=km
New Line.l1 bus1=sub bus2=b1 linecode=oh length=1 units=km
New Line.l2 bus1=b1 bus2=b2 linecode=oh length=1 units=km
New Line.l3 bus1=b2 bus2=b3 linecode=oh length=1 units=km
New Line.l4 bus1=b3 bus2=b4 linecode=oh length=1 units=km
New Line.l5 bus1=b4 bus2=b5 linecode=oh length=1 units=km
New Line.l6 bus1=b5 bus2=b6 linecode=oh length=1 units=km
New Line.l7 bus1=b6 bus2=b7 linecode=oh length=1 units=km
New Line.l8 bus1=b7 bus2=b8 linecode=oh length=1 units=km
New Line.l9 bus1=b8 bus2=b9 linecode=oh length=1 units=km
New TCC_Curve.rcfast npts=6 c_array=(1 2 3 5 10 20) t_array=(1.0 0.2 0.09 0.05 0.03 0.025)
New TCC_Curve.rcslow npts=6 c_array=(1 2 3 5 10 20) t_array=(10 3 1.5 0.8 0.4 0.3)
New TCC_Curve.lnk npts=6 c_array=(2 3 5 10 20 40) t_array=(100 8 1.2 0.25 0.06 0.02)
! relays: definite time (no ground curve), inverse with ground, on a transformer, no 51 at all,
! a voltage relay
New Relay.rd monitoredobj=Line.l1 monitoredterm=1 switchedobj=Line.l1 switchedterm=1
~ type=current phasecurve=very_inv phasetrip=400 tdphase=2 delay=0.3 breakertime=0.05
~ phaseinst=4000 groundinst=3000 shots=2 recloseintervals=(1) reset=10
New Relay.ri monitoredobj=Line.l2 type=current phasecurve=ext_inv phasetrip=300 tdphase=0.5
~ groundcurve=mod_inv groundtrip=100 tdground=0.7 phaseinst=3000 groundinst=2000 breakertime=0.03
New Relay.rt monitoredobj=Transformer.sub monitoredterm=2 type=current phasecurve=mod_inv
~ phasetrip=1200
New Relay.rnone monitoredobj=Line.l3 type=current phasetrip=300 groundcurve=mod_inv groundtrip=50
New Relay.rv monitoredobj=Line.l3 type=voltage kvbase=12.47 overvoltcurve=ov1547
~ undervoltcurve=uv1547
! reclosers: every setting; library curves without ground; one made like another, disabled
New Recloser.rc monitoredobj=Line.l4 phasetrip=200 groundtrip=100 phasefast=rcfast
~ phasedelayed=rcslow groundfast=rcfast grounddelayed=rcslow numfast=1 shots=3
~ recloseintervals=(1, 2) delay=0.03 tdphfast=1.5 tdphdelayed=1.2 tdgrfast=2 tdgrdelayed=0.8
~ phaseinst=2500 groundinst=1500 reset=20
New Recloser.rn monitoredobj=Line.l5 phasetrip=150 phasefast=a phasedelayed=d
New Recloser.rl like=rc monitoredobj=Line.l6 monitoredterm=2
edit Recloser.rl enabled=no
! fuses: library K link with Delay, library T link, the model's own curve with Delay
New Fuse.fk monitoredobj=Line.l7 fusecurve=klink ratedcurrent=65 delay=0.05
New Fuse.ft Line.l8 1 fusecurve=tlink ratedcurrent=10
New Fuse.fu monitoredobj=Line.l9 fusecurve=lnk ratedcurrent=30 delay=0.02
Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""


@pytest.fixture(scope="module")
def every_branch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("every")
    (folder / "master.dss").write_text(EVERY_BRANCH)
    (folder / "study.yaml").write_text(
        "name: every_branch\nfeeder: {opendss: master.dss}\nfaults: {method: classical}\n")
    return folder


def _emitted(devices) -> dict[DeviceKind, set[str]]:
    out: dict[DeviceKind, set[str]] = {}
    for d in devices:
        out.setdefault(DeviceKind(d["kind"]), set()).update(d)
    return out


def test_the_model_reaches_every_importer_key(every_branch):
    imp = import_opendss(every_branch / "master.dss")
    assert _emitted(imp.devices) == IMPORTER_KEYS


def test_every_emitted_key_validates_and_builds(every_branch):
    imp = import_opendss(every_branch / "master.dss")
    devices, _, issues, warnings = adopt_model_devices(
        imp.devices, imp.curves, default_library(), set(), "every")
    assert issues == []
    assert {d.name for d in devices} == {"rd", "ri", "rt", "rc", "rn", "rl", "fk", "ft", "fu"}
    # the relay with neither PhaseCurve nor Delay: reported, not imported
    assert warnings.loc[warnings.name == "rnone", "action"].str.startswith("not imported").all()
    study = protv2g.load_study(every_branch / "study.yaml")
    for d in study.document.devices:
        model = model_of(d, study.library)
        assert model.name == d.name
    by_name = {d.name: d for d in study.document.devices}
    assert by_name["rd"].definite_time_s == pytest.approx(0.3)
    assert by_name["rd"].ground_pickup_a == pytest.approx(1.0)  # OpenDSS's GroundTrip default
    assert by_name["ri"].ground_inst_pickup_a == pytest.approx(2000.0)
    assert by_name["rc"].ground_delayed_multiplier == pytest.approx(0.8)
    assert by_name["rc"].phase_inst_a == pytest.approx(2500.0)
    assert by_name["fk"].time_adder_s == pytest.approx(0.05)
    assert by_name["fu"].link == "dss-lnk-30A"


_DEVICE_STATEMENT = re.compile(r"^\s*new\s+(relay|recloser|fuse)\.", re.IGNORECASE)


def _device_properties(text: str) -> set[str]:
    """Names of the key=value properties of every Relay/Recloser/Fuse statement."""
    props: set[str] = set()
    inside = False
    for line in text.splitlines():
        code = line.split("!")[0].split("//")[0]
        if _DEVICE_STATEMENT.match(code):
            inside = True
        elif not code.strip().startswith("~"):
            inside = code.strip().lower().startswith("edit ") and bool(
                re.match(r"\s*edit\s+(relay|recloser|fuse)\.", code, re.IGNORECASE))
        if inside:
            props |= {m.lower() for m in re.findall(r"([A-Za-z%0-9_]+)\s*=", code)}
    return props


def _shared_models_with_devices(shared_dir: Path) -> list[Path]:
    found = []
    for root in (shared_dir / "feeders" / "opendss", shared_dir / "cases"):
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() == ".dss" and _device_properties(
                    path.read_text(errors="replace")):
                found.append(path)
    return found


def test_every_device_property_of_the_shared_models_is_in_the_model(shared_dir):
    ours = _device_properties(EVERY_BRANCH)
    for path in _shared_models_with_devices(shared_dir):
        theirs = _device_properties(path.read_text(errors="replace"))
        assert theirs <= ours, (path, theirs - ours)


# The shared models with devices the importer can read today (IEEE 8500's Fuses.DSS and
# Run_RecloserSiting.DSS come with a model the importer refuses for its series Reactor; their
# properties are covered by the test above).
IMPORTABLE = ["feeders/opendss/DG_Protection/DG_Prot_Fdr.dss",
              "cases/device-delay-import/master.dss",
              "cases/device-delay-import/master_nodelay.dss"]


@pytest.mark.parametrize("rel", IMPORTABLE)
def test_shared_models_emit_only_known_keys_and_validate(shared_dir, rel):
    path = shared_dir / rel
    if not path.is_file():
        pytest.skip(f"{path} not found")
    imp = import_opendss(path)
    for kind, keys in _emitted(imp.devices).items():
        assert keys <= IMPORTER_KEYS[kind]
    devices, _, issues, _ = adopt_model_devices(imp.devices, imp.curves, default_library(),
                                                set(), str(path))
    assert issues == []
    assert len(devices) == len(imp.devices)


# ------------------------------------------------------------------ one test per key
def _device(**fields):
    return schema.StudyDocument.model_validate(
        {"name": "t", "feeder": {"builtin": "example_simple"},
         "devices": [{"name": "d", "location": {"line": "x", "end": "from"}, **fields}]}
    ).devices[0]


def _model(**fields):
    return model_of(_device(**fields), default_library())


def test_relay_definite_time_s():
    relay = _model(kind="relay", pickup_a=400, definite_time_s=0.3)
    assert isinstance(relay, OvercurrentRelay)
    t = relay.operate_time_s([300.0, 500.0, 20000.0])
    assert math.isinf(t[0]) and np.allclose(t[1:], 0.3)
    # BreakerTime-like adder on top; time_dial and time_multiplier do not apply
    relay = _model(kind="relay", pickup_a=400, curve="IEEE-VI", time_dial=5.0,
                   time_multiplier=3.0, definite_time_s=0.3, time_adder_s=0.05)
    assert float(relay.phase_time_s(800.0)) == pytest.approx(0.35)
    # the ground element on the definite time without a ground curve
    relay = _model(kind="relay", pickup_a=400, definite_time_s=0.2, ground_pickup_a=60)
    assert float(relay.ground_time_s(100.0)) == pytest.approx(0.2)
    assert math.isinf(float(relay.ground_time_s(50.0)))


def test_relay_needs_a_time_element():
    with pytest.raises(ValidationError, match="definite_time_s"):
        _device(kind="relay", pickup_a=400)
    with pytest.raises(ValidationError, match="time_dial"):
        _device(kind="relay", pickup_a=400, curve="IEEE-VI")
    with pytest.raises(ValidationError, match="greater than 0"):
        _device(kind="relay", pickup_a=400, definite_time_s=0)


def test_relay_inst_delay_from_the_importer():
    # OpenDSS: 0.01 s + BreakerTime, opened BreakerTime later (BreakerTime 0.04 s → 0.09 s)
    relay = _model(kind="relay", pickup_a=400, curve="IEEE-EI", time_dial=5, inst_pickup_a=2000,
                   inst_delay_s=0.09, time_adder_s=0.04)
    assert float(relay.phase_time_s(3000.0)) == pytest.approx(0.09)


def test_fuse_time_adder_s():
    plain = _model(kind="fuse", link="65K")
    delayed = _model(kind="fuse", link="65K", time_adder_s=0.05)
    assert isinstance(delayed, Fuse)
    i = np.array([200.0, 1000.0, 5000.0, 50.0])
    tc, tc0 = delayed.total_clear_time_s(i), plain.total_clear_time_s(i)
    np.testing.assert_allclose(tc[:3] - tc0[:3], 0.05, atol=1e-12)
    assert math.isinf(tc[3])  # below melting: never
    np.testing.assert_array_equal(delayed.min_melt_time_s(i), plain.min_melt_time_s(i))
    np.testing.assert_array_equal(delayed.operate_time_s(i), tc)
    with pytest.raises(ValidationError):
        _device(kind="fuse", link="65K", time_adder_s=-0.01)


# recloser 101 (A) at M = 2: 0.022 s, 117 (B) at M = 2: 1.5 s, both + 0.042 s mechanism
# (relay_library recloser curves, EPRI DG_Prot_Fdr points; see the Recloser doctest)
RC = {"kind": "recloser", "phase_min_trip_a": 200, "ground_min_trip_a": 100,
      "fast_curve": "A", "delayed_curve": "B", "n_fast": 1, "n_delayed": 2,
      "reclose_intervals_s": [1.0, 2.0]}


def test_recloser_ground_fast_multiplier():
    rc = _model(**RC, ground_fast_multiplier=2.0)
    assert isinstance(rc, Recloser)
    assert float(rc.ground_fast_time_s(200.0)) == pytest.approx(2 * 0.022 + 0.042, rel=1e-3)
    assert float(rc.fast_time_s(400.0)) == pytest.approx(0.022 + 0.042, rel=1e-3)
    same = _model(**RC, fast_multiplier=1.5)  # default: the phase multiplier
    assert float(same.ground_fast_time_s(200.0)) == pytest.approx(1.5 * 0.022 + 0.042, rel=1e-3)


def test_recloser_ground_delayed_multiplier():
    rc = _model(**RC, ground_delayed_multiplier=0.5)
    assert float(rc.ground_delayed_time_s(200.0)) == pytest.approx(0.5 * 1.5 + 0.042, rel=1e-3)
    assert float(rc.delayed_time_s(400.0)) == pytest.approx(1.5 + 0.042, rel=1e-3)


def test_recloser_phase_inst_a_and_inst_delay_s():
    rc = _model(**{**RC, "fast_curve": "B"}, phase_inst_a=1000, inst_delay_s=0.05,
                fast_adder_s=0.02)
    shots = rc.shot_times_s([400.0, 1200.0])
    # first shot above 1000 A: 0.05 + 0.02 adder + 0.042 mechanism; later shots: the curves
    assert shots[0, 1] == pytest.approx(0.05 + 0.02 + 0.042)
    assert shots[0, 0] == pytest.approx(1.5 + 0.02 + 0.042, rel=1e-3)
    assert shots[1, 1] == pytest.approx(float(rc.delayed_time_s(1200.0)))


def test_recloser_ground_inst_a():
    rc = _model(**{**RC, "fast_curve": "B"}, ground_inst_a=300)
    shots = rc.shot_times_s([150.0], [400.0])
    assert shots[0, 0] == pytest.approx(0.042)
    assert shots[1, 0] == pytest.approx(float(rc.ground_delayed_time_s(400.0)))
    with pytest.raises(ValidationError, match="ground_min_trip_a"):
        _device(**{**RC, "ground_min_trip_a": None}, ground_inst_a=300)


# ------------------------------------------------------------------ "allowed here" hints
def _issues(tmp_path: Path, text: str):
    path = tmp_path / "study.yaml"
    path.write_text(text)
    return protv2g.validate_study(path)


BASE = """\
name: hints
feeder: {builtin: example_simple}
"""


def _allowed(fix: str) -> set[str]:
    assert "allowed here: " in fix, fix
    return set(fix.split("allowed here: ", 1)[1].split(", "))


@pytest.mark.parametrize(("text", "path", "model"), [
    ("zzzz: 1\n", "zzzz", schema.StudyDocument),
    ("devices:\n  - {name: r, kind: relay, location: {line: l, end: from}, pickup_a: 1,\n"
     "     definite_time_s: 0.3, zzzz: 1}\n", "devices[0].zzzz", schema.RelayDevice),
    ("devices:\n  - {name: f, kind: fuse, location: {line: l, end: from}, link: 65K, "
     "zzzz: 1}\n", "devices[0].zzzz", schema.FuseDevice),
    ("devices:\n  - {name: f, kind: fuse, location: {line: l, end: from, zzzz: 1}, "
     "link: 65K}\n", "devices[0].location.zzzz", schema.Location),
    ("devices:\n  - {name: r, kind: relay, location: {line: l, end: from}, pickup_a: 1,\n"
     "     definite_time_s: 0.3, directional: {zzzz: 1}}\n", "devices[0].directional.zzzz",
     schema.DirectionalElements),
    ("v2g_sites:\n  - {name: s, bus: '1', n_chargers: 1, p_charger_kw: 10, zzzz: 1}\n",
     "v2g_sites[0].zzzz", schema.V2GSite),
    ("v2g_sites:\n  - {name: s, bus: '1', n_chargers: 1, p_charger_kw: 10, day: {zzzz: 1}}\n",
     "v2g_sites[0].day.zzzz", schema.DayProfile),
    ("checks: {zzzz: 1}\n", "checks.zzzz", schema.Checks),
    ("scenarios: {zzzz: 1}\n", "scenarios.zzzz", schema.Scenarios),
])
def test_unknown_key_hint_lists_its_level(tmp_path, text, path, model):
    # a device's issue names it first ("device 'r': unknown key", trust_report)
    issues = [i for i in _issues(tmp_path, BASE + text) if i.message.endswith("unknown key")]
    assert [i.field for i in issues] == [path]
    assert _allowed(issues[0].fix) == set(model.model_fields)


@pytest.mark.parametrize("kind", list(DeviceKind))
def test_unknown_key_in_an_imported_device(kind):
    raw = {"relay": {"pickup_a": 400.0, "curve": "IEEE-VI", "time_dial": 1.0},
           "recloser": {"phase_min_trip_a": 200.0, "fast_curve": "A", "delayed_curve": "B"},
           "fuse": {"link": "65K"}}[kind.value]
    entry = {"name": "x", "kind": kind.value, "location": {"line": "l", "end": "from"},
             **raw, "zzzz": 1}
    _, _, issues, _ = adopt_model_devices([entry], [], default_library(), set(), "m.dss")
    (issue,) = issues
    assert issue.field == f"feeder.opendss: {kind.value} 'x': zzzz"
    assert _allowed(issue.fix) == set(_MODELS[kind].model_fields)
