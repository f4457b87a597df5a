"""Hostile input: every case gives exit 2, a message naming the file, the field and the fix,
no traceback, and no report file left behind.

Each case copies the depot example into a temporary folder, breaks one thing, and runs
``protv2g run`` in-process (``cli.main``), so the exit code, stderr and the output folder
are all checked.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandapower as pp
import pytest
import yaml

from protv2g.cli import main

from .conftest import FEEDERS_DIR

DEPOT_DIR = FEEDERS_DIR / "depot_two_feeder"
Doc = dict


def _case(tmp_path: Path, edit_doc: Callable[[Doc], None] | None = None,
          edit_net: Callable[[pp.pandapowerNet], None] | None = None,
          text: str | None = None) -> Path:
    shutil.copy(DEPOT_DIR / "feeder.json", tmp_path / "feeder.json")
    if edit_net is not None:
        net = pp.from_json(str(tmp_path / "feeder.json"))
        edit_net(net)
        pp.to_json(net, str(tmp_path / "feeder.json"))
    study = tmp_path / "study.yaml"
    if text is not None:
        study.write_bytes(text.encode("latin-1") if isinstance(text, str) else text)
        return study
    doc = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text())
    if edit_doc is not None:
        edit_doc(doc)
    study.write_text(yaml.safe_dump(doc, sort_keys=False))
    return study


def _dev(i: int, **kw):
    return lambda d: d["devices"][i].update(**kw)


def _site(i: int, **kw):
    return lambda d: d["v2g_sites"][i].update(**kw)


def _set(section: str, **kw):
    return lambda d: d.setdefault(section, {}).update(**kw)


def _feeder_json(text: str):
    def edit(doc):
        doc["feeder"] = {"pandapower_json": "bad.json"}
    return edit, text


def _open_switch_isolating(net):
    bus = int(net.bus.index[net.bus.name == "F1-LAT2-B1"][0])
    line = int(net.line.index[net.line.name == "F1-LAT2-L1"][0])
    pp.create_switch(net, bus, line, et="l", closed=False, name="SW-open")


# (id, doc edit, net edit, raw text, expected field fragment, expected words)
CASES = [
    ("malformed-yaml", None, None, "name: x\nfeeder: {a: [1,\n", "line", "YAML"),
    ("yaml-list-top", None, None, "- a\n- b\n", "", "mapping"),
    ("empty-file", None, None, "", "", "mapping"),
    ("yaml-python-tag", None, None, "name: !!python/object/apply:os.system [ls]\n", "",
     "YAML"),
    ("unknown-top-key", lambda d: d.update(sceanrios={}), None, None, "sceanrios",
     "did you mean 'scenarios'"),
    ("unknown-device-key", _dev(0, pickup_amps=400), None, None, "devices[0].pickup_amps",
     "pickup_a"),
    ("unknown-site-key", _site(0, n_charger=3), None, None, "v2g_sites[0].n_charger",
     "n_chargers"),
    ("pickup-with-unit", _dev(0, pickup_a="400 A"), None, None, "devices[0].pickup_a",
     "plain number"),
    ("time-dial-list", _dev(0, time_dial=[1, 2]), None, None, "devices[0].time_dial",
     "number"),
    ("pickup-zero", _dev(0, pickup_a=0), None, None, "devices[0].pickup_a", "greater than 0"),
    ("pickup-negative", _dev(0, pickup_a=-1), None, None, "devices[0].pickup_a",
     "greater than 0"),
    ("pickup-nan", _dev(0, pickup_a=float("nan")), None, None, "devices[0].pickup_a",
     "finite"),
    ("pickup-inf", _dev(0, pickup_a=float("inf")), None, None, "devices[0].pickup_a",
     "finite"),
    ("time-dial-zero", _dev(0, time_dial=0), None, None, "devices[0].time_dial",
     "greater than 0"),
    ("time-dial-nan", _dev(0, time_dial=float("nan")), None, None, "devices[0].time_dial",
     "finite"),
    ("rating-zero", _dev(0, interrupting_rating_ka=0), None, None,
     "devices[0].interrupting_rating_ka", "greater than 0"),
    ("rating-negative", _dev(4, interrupting_rating_ka=-10), None, None,
     "devices[4].interrupting_rating_ka", "greater than 0"),
    ("min-trip-zero", _dev(2, phase_min_trip_a=0), None, None, "devices[2].phase_min_trip_a",
     "greater than 0"),
    ("unknown-fuse-link", _dev(4, link="65Z"), None, None, "devices[4].link", "closest"),
    ("unknown-relay-curve", _dev(0, curve="IEEE-XI"), None, None, "devices[0].curve",
     "closest"),
    ("unknown-recloser-curve", _dev(2, delayed_curve="999"), None, None,
     "devices[2].delayed_curve", "closest"),
    ("device-missing-line", _dev(0, location={"line": "F7-L01", "end": "from"}), None, None,
     "devices[0].location.line", "no single line"),
    ("device-missing-trafo", _dev(0, location={"trafo": "T-NONE", "side": "lv"}), None, None,
     "devices[0].location.trafo", "no single transformer"),
    ("device-missing-switch", _dev(0, location={"switch": "SW-9"}), None, None,
     "devices[0].location.switch", "no single switch"),
    ("line-end-invalid", _dev(0, location={"line": "F1-L01", "end": "middle"}), None, None,
     "devices[0].location.end", "from"),
    ("line-end-missing", _dev(0, location={"line": "F1-L01"}), None, None,
     "devices[0].location", "end"),
    ("device-kind-unknown", _dev(0, kind="breaker"), None, None, "devices[0]", "kind"),
    ("site-missing-bus", _site(0, bus="F9-B01"), None, None, "v2g_sites[0].bus",
     "no single bus"),
    ("site-bus-typo", _site(0, bus="F1-B2"), None, None, "v2g_sites[0].bus",
     "closest names: F1-B02"),
    ("site-zero-chargers", _site(0, n_chargers=0), None, None, "v2g_sites[0].n_chargers",
     "greater than or equal to 1"),
    ("site-negative-kw", _site(0, p_charger_kw=-5), None, None, "v2g_sites[0].p_charger_kw",
     "greater than 0"),
    ("site-nan-limit", _site(0, limit_pu=float("nan")), None, None, "v2g_sites[0].limit_pu",
     "finite"),
    ("site-1ph-no-phase", _site(1, phases=1), None, None, "v2g_sites[1].phase", "phase"),
    ("duplicate-device", _dev(1, name="R-F1"), None, None, "devices", "used 2 times"),
    ("duplicate-site", _site(1, name="depot"), None, None, "v2g_sites", "used 2 times"),
    ("export-above-site", lambda d: d["scenarios"].update(export_levels_fraction=None,
                                                          export_levels_kw=[0, 7000]),
     None, None, "scenarios.export_levels_kw", "maximum"),
    ("export-fraction-above-1", _set("scenarios", export_levels_fraction=[0.5, 1.5]), None,
     None, "scenarios.export_levels_fraction[1]", "less than or equal to 1"),
    ("participation-order", _site(0, participation={"low": 0.9, "expected": 0.5,
                                                    "firm": 1.0}), None, None,
     "v2g_sites[0].participation", "low <= expected <= firm"),
    ("reclose-count", _dev(2, reclose_intervals_s=[0.5]), None, None, "devices[2]",
     "reclose_intervals_s"),
    ("fault-type-unknown", _set("faults", fault_types=["3ph", "LLLG"]), None, None,
     "faults.fault_types[1]", "allowed"),
    ("method-unknown", _set("faults", method="ansi"), None, None, "faults.method",
     "iec60909"),
    ("path-escapes", lambda d: d.update(feeder={"pandapower_json": "../../etc/passwd"}),
     None, None, "feeder.pandapower_json", "leaves the study's folder"),
    ("feeder-missing", lambda d: d.update(feeder={"pandapower_json": "nope.json"}), None,
     None, "feeder.pandapower_json", "not found"),
    ("feeder-two-sources", lambda d: d.update(feeder={"pandapower_json": "feeder.json",
                                                      "builtin": "mv_oberrhein"}),
     None, None, "feeder", "exactly one"),
    ("builtin-unknown", lambda d: d.update(feeder={"builtin": "create_cigre_mv"}), None, None,
     "feeder.builtin", "did you mean"),
    ("gate-criterion", _set("gate", criteria=["C1", "C99"]), None, None, "gate.criteria",
     "unknown criteria"),
    ("no-ext-grid", None, lambda n: n.ext_grid.drop(n.ext_grid.index, inplace=True), None,
     "feeder", "external grid"),
    ("empty-feeder", None, lambda n: [n[t].drop(n[t].index, inplace=True) for t in
                                      ("load", "line", "trafo", "ext_grid", "bus")], None,
     "feeder", "no buses"),
    ("no-sc-data", None, lambda n: n.ext_grid.__setitem__("s_sc_max_mva", float("nan")), None,
     "ext_grid.s_sc_max_mva", "missing"),
    ("no-zero-seq-data", None, lambda n: n.line.__setitem__("r0_ohm_per_km", float("nan")),
     None, "line.r0_ohm_per_km", "missing"),
    ("line-nan-impedance", None, lambda n: n.line.__setitem__("x_ohm_per_km", float("nan")),
     None, "line.x_ohm_per_km", "missing"),
    ("line-zero-impedance", None, lambda n: (n.line.__setitem__("r_ohm_per_km", 0.0),
                                             n.line.__setitem__("x_ohm_per_km", 0.0)), None,
     "line.r_ohm_per_km", "zero impedance"),
    ("device-isolated-by-open-switch", None, _open_switch_isolating, None, "", "isolated"),
]


@pytest.mark.parametrize(("name", "edit_doc", "edit_net", "text", "field", "words"), CASES,
                         ids=[c[0] for c in CASES])
def test_hostile_input(tmp_path, capsys, name, edit_doc, edit_net, text, field, words):
    study = _case(tmp_path, edit_doc, edit_net, text)
    out_dir = tmp_path / "out"
    code = main(["run", str(study), "-o", str(out_dir / "r.xlsx")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert str(study) in err, "names the file"
    assert field in err, f"names the field {field!r}: {err}"
    assert words.lower() in err.lower(), err
    assert "Fix:" in err, "says how to fix it"
    assert not out_dir.exists() or not any(out_dir.iterdir()), "no report left behind"


def test_case_count():
    assert len(CASES) >= 40


def test_non_utf8_study(tmp_path, capsys):
    study = tmp_path / "study.yaml"
    study.write_bytes(b"name: \xff\xfe\x00bad\n")
    assert main(["validate", str(study)]) == 2
    err = capsys.readouterr().err
    assert "UTF-8" in err and "Traceback" not in err


def test_feeder_json_naming_code_is_refused_without_importing(tmp_path, capsys):
    payload = {"_module": "subprocess", "_class": "Popen", "_object": "{}"}
    (tmp_path / "bad.json").write_text(json.dumps(payload))
    doc = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text())
    doc["feeder"] = {"pandapower_json": "bad.json"}
    doc["devices"] = []
    doc["v2g_sites"] = []
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc))
    import sys

    sys.modules.pop("subprocess_probe", None)
    assert main(["validate", str(tmp_path / "study.yaml")]) == 2
    err = capsys.readouterr().err
    assert "subprocess" in err and "refused" in err


def test_too_large_study_fails_fast(tmp_path, capsys, monkeypatch):
    import protv2g.pipeline_size as pipeline_size

    monkeypatch.setattr(pipeline_size, "_memory_budget_b", lambda: 2**20)
    study = _case(tmp_path)
    code = main(["run", str(study), "-o", str(tmp_path / "r.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "GiB" in err and "scenarios" in err and "Fix:" in err
    assert not (tmp_path / "r.xlsx").exists()


OPENDSS_EXAMPLE = FEEDERS_DIR / "opendss_example"


@pytest.mark.parametrize(("name", "extra_line", "field", "words"), [
    ("dss-unknown-property", "New Line.bad bus1=b3 bus2=b9 lenght=1\n", "feeder.opendss",
     "OpenDSS"),
])
def test_hostile_opendss(tmp_path, capsys, name, extra_line, field, words):
    shutil.copytree(OPENDSS_EXAMPLE, tmp_path, dirs_exist_ok=True)
    master = tmp_path / "Master.dss"
    text = master.read_text()
    master.write_text(text.replace("Set VoltageBases", extra_line + "Set VoltageBases", 1))
    study = tmp_path / "study.yaml"
    out = tmp_path / "out" / "r.xlsx"
    code = main(["run", str(study), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert str(study) in err and field.lower() in err.lower() and words.lower() in err.lower()
    assert "Fix:" in err
    assert not out.exists()


def test_opendss_three_winding_transformer_is_studied(tmp_path, capsys):
    """#15: a study on an OpenDSS feeder takes the network from OpenDSS itself, so a
    three-winding transformer (once refused by the pandapower importer) is studied."""
    shutil.copytree(OPENDSS_EXAMPLE, tmp_path, dirs_exist_ok=True)
    master = tmp_path / "Master.dss"
    text = master.read_text()
    master.write_text(text.replace(
        "Set VoltageBases",
        "New Transformer.t3 phases=3 windings=3 buses=(b3 x1 x2) conns=(wye wye wye) "
        "kvs=(12.47 4.16 0.48) kvas=(500 250 250)\nSet VoltageBases", 1))
    out = tmp_path / "out" / "r.xlsx"
    code = main(["run", str(tmp_path / "study.yaml"), "-o", str(out), "--no-hosting"])
    err = capsys.readouterr().err
    assert code in (0, 1), err
    assert "Traceback" not in err and out.is_file()
