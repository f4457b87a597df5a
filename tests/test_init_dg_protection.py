"""``protv2g init`` on EPRI's DG-protection feeder (review s17 §3.1, 3.4, 3.5, 3.10, §5).

The model (``../shared/feeders/opendss/DG_Protection/DG_Prot_Fdr.dss``) ends with ``edit
Recloser.A enabled=no`` … ``edit Relay.LV enabled=no``, opens ``transformer.tg 2``, has no
``Load`` and a second ``Vsource.WindGen1`` behind Tg; ``Recloser.D like=A`` has OpenDSS's
default ``Delay`` 0 (OpenDSS Recloser property help: "Fixed delay time (sec) added to Recloser
trip time. Default is 0.0"; ``like=`` does not copy it — the reviewer's ``? Recloser.D.delay``
and OpenDSS dynamics: D opens 0.0155 s after a bolted fault at bp). Expected values come from
the model's text and its TCC tables by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from .conftest import dg_protection_copy

pytest.importorskip("opendssdirect")

from protv2g.cli import main  # noqa: E402
from protv2g.devices.library import CurveLibrary, default_library  # noqa: E402
from protv2g.devices.models import build_device  # noqa: E402
from protv2g.devices.recloser import SubCycleClearingWarning  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study import load_study, validate_study  # noqa: E402
from protv2g.study.todos import todo_items  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402
from protv2g.study_draft.head_relay import feeder_heads  # noqa: E402


@pytest.fixture(scope="module")
def dg_dir(shared_dir: Path, tmp_path_factory) -> Path:
    return dg_protection_copy(shared_dir, tmp_path_factory, "dg")


@pytest.fixture(scope="module")
def draft(dg_dir):
    return draft_study(dg_dir / "DG_Prot_Fdr.dss")


def test_no_head_relay_on_top_of_the_disabled_recloser(draft, dg_dir):
    # §3.1: before, head-l1 (51P 10 A, TD 15) on line.l1 beside recloser A
    doc = yaml.safe_load(draft.text)
    assert [d["name"] for d in doc["devices"]] == ["a", "d", "b", "f1", "f2"]
    assert not draft.proposals
    assert any(w.startswith("line.l1 is guarded by recloser a (disabled in the model")
               for w in draft.no_relay)
    assert "# no head relay drafted: line.l1 is guarded by recloser a" in draft.text
    # one rule: the guards are the devices the study adopts, enabled in the model or not
    model = load_dss_model(dg_dir / "DG_Prot_Fdr.dss")
    heads = {h.element: h.protected_by for h in feeder_heads(model, {"a": "line.l1"})}
    assert heads["line.l1"] == "a"
    assert feeder_heads(model, {})[0].protected_by == ""      # no guard: a head to protect


def test_disabled_devices_are_todos_and_printed(draft, dg_dir, capsys):
    disabled = [n for n in draft.notes if n.what.startswith("disabled in the OpenDSS model")]
    assert {n.device for n in disabled} == {"a", "b", "d", "f1", "f2"}
    assert all(n.todo for n in disabled)
    out = dg_dir / "study.yaml"
    assert main(["init", str(dg_dir / "DG_Prot_Fdr.dss"), "-o", str(out), "--force"]) == 0
    printed = capsys.readouterr().out
    # alike notes on one line (as cli.todo_lines groups alike TODOs)
    line = next(ln for ln in printed.splitlines() if "disabled in the OpenDSS model" in ln)
    assert line.startswith("  - recloser.a, recloser.d, recloser.b, fuse.f1, fuse.f2: ")
    for word in ("vsource.windgen1", "transformer.tg: terminal 2 (bg) open",
                 "no enabled Load in the model", "relay.lv: relay type 'voltage'",
                 "no relay drafted: line.l1 is guarded by recloser a"):
        assert word in printed, word
    assert validate_study(out) == []
    todos = todo_items(out)
    fields = [t.field.split(" ")[0] for t in todos]
    # s22: the drafted "in service" sits on its field, not on the item as a whole (the
    # device's settings are the model's)
    assert fields.count("devices[0].location") == 1 and "feeder.opendss" in fields
    assert "devices[0]" not in fields
    assert "scenarios.load_levels" in fields                    # light = peak: no Load
    assert sum("disabled in the OpenDSS model" in t.message for t in todos) == 5
    # rev39a M5: the open terminal that takes the wind source off the feeder is listed
    assert sum("transformer.tg: terminal 2 (bg) open" in t.message for t in todos) == 1


def test_fuse_swap_said_with_the_times(draft):
    # §3.4: Klink (c 2 2.2 3 4 6 30, t 300 20 4 1.3 0.41 0.02) × 40 A. s23: the max fault is
    # F1's close-in fault, as run places it (1,501.7 A; OpenDSS 1,504.3 A), no longer the
    # 573 A at the bus past it: M = 37.5 lies beyond the table's last point (30): OpenDSS
    # takes the last time, 0.02 s. (At 573 A, M = 14.3, log-log between (6, 0.41) and
    # (30, 0.02): 0.41·(0.02/0.41)^(ln(14.3/6)/ln 5) = 0.080 s.)
    f1 = next(n for n in draft.notes if n.device == "f1" and "TCC_Curve.klink" in n.what)
    assert f1.todo and "40K" in f1.action
    t_hand = 0.41 * (0.02 / 0.41) ** (np.log(573.0 / 40.0 / 6.0) / np.log(5.0))
    assert t_hand == pytest.approx(0.0801, abs=5e-4)
    assert "at 573 A (max fault)" not in f1.action
    assert "at 1502 A (max fault) the model's curve opens in 0.02 s" in f1.action
    assert "at 223 A (min fault)" in f1.action                 # 20 Ω SLG at lat1
    assert "# TODO: OpenDSS's generic TCC_Curve.klink at 40 A" in draft.text
    # s22: the library says its ranges are recalled, not verified: so does the draft
    assert "published" not in f1.action and "NOT verified" in f1.action


def test_model_sources_and_loads_stated(draft):
    text = draft.text
    assert "vsource.windgen1: a further Vsource at bg (0.6 kV)" in text
    assert "not connected to the feeder as switched" in text
    assert "transformer.tg: terminal 2 (bg) open in the model" in text
    assert "load_levels: [light, peak]  # TODO: no enabled Load in the model" in text
    assert "relay.lv: relay type 'voltage' on transformer.tg terminal 2" in text


def test_the_open_terminal_that_takes_the_generator_out_is_a_todo(draft, dg_dir):
    """Review rev39a M5: the script's trailing ``open transformer.tg 2`` takes the feeder's
    only generator (``Vsource.WindGen1`` at bg) out of every check; init said so only in a
    header note, and ``validate`` did not list it. OpenDSS itself: with Tg open the wind
    source delivers no power; after the fix's ``close transformer.tg 2`` it does."""
    import opendssdirect as dss

    master = dg_dir / "DG_Prot_Fdr.dss"
    power = []
    for fix in ("", "close transformer.tg 2"):
        dss.Text.Command("clear")
        dss.Text.Command(f"redirect '{master}'")
        dss.Text.Command("fault.flt.enabled=no")
        if fix:
            dss.Text.Command(fix)
        dss.Text.Command("solve mode=snapshot")
        dss.Circuit.SetActiveElement("vsource.windgen1")
        power.append(abs(complex(*dss.CktElement.TotalPowers()[:2])))
    assert power[0] < 1e-6 < 1.0 < power[1]  # kVA: isolated as scripted; feeding once closed
    note = next(n for n in draft.notes if n.name == "transformer.tg")
    assert note.todo and note.what.endswith("taking vsource.windgen1 off the feeder")
    assert "'close transformer.tg 2'" in note.fix and "feeder.redirects" in note.fix
    assert ("# TODO: transformer.tg: terminal 2 (bg) open in the model, taking "
            "vsource.windgen1 off the feeder | fix: ") in draft.text
    # the fix closes it: nothing is taken off any more
    from protv2g.network.dss_graph import opened_sources

    (dg_dir / "close_tg.dss").write_text("close transformer.tg 2\n")
    assert opened_sources(load_dss_model(master)) == {"transformer.tg": ["vsource.windgen1"]}
    assert opened_sources(load_dss_model(master, redirects=[dg_dir / "close_tg.dss"])) == {}


def test_recloser_d_clears_at_the_model_delay(draft, dg_dir):
    # §3.5: D's Delay is 0 (OpenDSS default): clearing = table time, as OpenDSS (0.0155 s at
    # a bolted fault at bp); A's Delay 0.042 = the library 101's mechanism time: table + 0.042
    doc = yaml.safe_load(draft.text)
    dev = {d["name"]: d for d in doc["devices"]}
    assert dev["d"]["fast_curve"] == "dss-101" and "fast_adder_s" not in dev["d"]
    assert dev["a"]["fast_curve"] == "101"
    extra = yaml.safe_load(draft.curves_text)["curves"]
    d101 = next(c for c in extra if c["name"] == "dss-101")
    assert d101["clearing_adder_s"] == 0.0
    lib = CurveLibrary([*default_library(),
                        *load_study_curves(dg_dir, draft)])
    keep = ("name", "phase_min_trip_a", "fast_curve", "delayed_curve", "n_fast", "n_delayed")
    # the model's own time is under one cycle at high current (0.015 s): said, not hidden
    with pytest.warns(SubCycleClearingWarning, match="recloser 'd'"):
        d = build_device("recloser", {k: dev["d"][k] for k in keep}, lib)
    a = build_device("recloser", {k: dev["a"][k] for k in keep}, lib)
    i = np.array([920.0])                                      # M 4.6 on 101: 0.0155 s
    t_table = float(np.exp(np.interp(np.log(4.6), np.log([3.0, 6.0]), np.log([0.016, 0.015]))))
    assert float(d.shot_times_s(i)[0, 0]) == pytest.approx(t_table, rel=1e-6)
    assert float(a.shot_times_s(i)[0, 0]) == pytest.approx(t_table + 0.042, rel=1e-6)
    note = next(n for n in draft.notes if n.device == "d" and "Delay 0 s" in n.what)
    assert note.todo and "0.042 s faster" in note.action
    # review rev32b M6: why D's Delay is 0 where A's is 0.042 s (OpenDSS's like= copies the
    # curves and trips, not Delay nor the TD multipliers: TRecloser.MakeLike; DSS C-API 0.14.5)
    assert ("(OpenDSS's default is 0: d is defined like=a in the script, and OpenDSS's like= "
            "does not copy a's Delay 0.042 s (nor the TD multipliers))") in note.what
    assert "like=" not in next(n.what for n in draft.notes
                               if n.device == "a" and "Delay" in n.what)


def test_like_sources_read_from_the_script(tmp_path):
    # what the script sets itself decides; OpenDSS's compile keeps no ``like`` (rev32b M6)
    from protv2g.network.dss_like import like_sources

    (tmp_path / "more.dss").write_text("edit Recloser.E delay=0.05\n")
    (tmp_path / "m.dss").write_text(
        "new Recloser.A monitoredobj=Line.L1 delay=0.042 ! A's own\n"
        "new Recloser.D like=A monitoredobj=Line.L5\n"
        "New recloser.E Like=a\n~ tdphfast=2\nredirect more.dss\n")
    got = like_sources(tmp_path / "m.dss")
    assert got == {"d": ("a", frozenset({"monitoredobj"})),
                   "e": ("a", frozenset({"tdphfast", "delay"}))}


def load_study_curves(dg_dir: Path, draft) -> list:  # noqa: ANN001
    """The draft's model curves, through the study loader (the study file and its folder)."""
    folder = dg_dir / "dcurves"
    (folder / draft.curves_folder).mkdir(parents=True, exist_ok=True)
    (folder / draft.curves_folder / "model_curves.yaml").write_text(draft.curves_text)
    shutil.copy(dg_dir / "DG_Prot_Fdr.dss", folder / "DG_Prot_Fdr.dss")
    (folder / "study.yaml").write_text(draft.text)
    study = load_study(folder / "study.yaml")
    return [c for c in study.library if c.name.startswith("dss-")]
