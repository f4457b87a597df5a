"""A site fed only through a transformer a redirect adds (review rev33a F1): ``protv2g init``
names it in ``model_transformer``, ``validate`` warns when a study does not.

rev33a: ``init --redirect depot_xf.dss --site depot:depot_lv:16:125`` on EPRI ckt24 wrote no
``model_transformer`` and ``validate`` of the study without it said "valid": the base case
kept the project's transformer and fuse. The rule (module docstring of
:mod:`protv2g.study.dss_site_transformers`): the transformer alone feeds the site's bus
(OpenDSS's own network: taken out, the bus has no source — checked here against the model
compiled without the redirect, where the bus does not exist at all), the redirect adds it
(the master alone has no such element) and it feeds nothing but V2G sites.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study.loader import validate_study_warnings  # noqa: E402
from protv2g.study_draft.draft import draft_study, parse_site  # noqa: E402

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.xft basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200 x1r1=8 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(12000 12000) xhl=8.0 %loadloss=0.6
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=1 units=mi
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=trunk length=2 units=mi
New Line.l3 phases=3 bus1=b1 bus2=b3 linecode=trunk length=1.5 units=mi
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1500 kvar=500
New Load.b3 bus1=b3 phases=3 kv=12.47 kw=800 kvar=300
{more}Set VoltageBases=(115, 12.47, 4.16, 0.48)
CalcVoltageBases
"""
#: the depot's own 2 MVA YNyn transformer at b2, the chargers on its 480 V bus (rev33a's
#: depot_xf.dss, scaled to this feeder)
XF = """\
New Transformer.depot_xf phases=3 windings=2 buses=(b2, depot_lv) conns=(wye, wye)
~ kvs=(12.47, 0.48) kvas=(2000, 2000) xhl=5.75 %r=0.6
Set VoltageBases=(115, 12.47, 4.16, 0.48)
CalcVoltageBases
"""
#: a 12.47/4.16 kV step and then the depot transformer, both added by the redirect
SERIES = """\
New Transformer.step phases=3 windings=2 buses=(b2, mid) conns=(wye, wye)
~ kvs=(12.47, 4.16) kvas=(3000, 3000) xhl=6 %r=0.6
New Transformer.depot_xf phases=3 windings=2 buses=(mid, depot_lv) conns=(wye, wye)
~ kvs=(4.16, 0.48) kvas=(2000, 2000) xhl=5.75 %r=0.6
Set VoltageBases=(115, 12.47, 4.16, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: xft
feeder: {{opendss: Master.dss, redirects: [depot_xf.dss]}}
no_fuses_or_reclosers: true
devices:
  - {{name: head, kind: relay, location: {{line: l1, end: from}}, pickup_a: 400,
     curve: IEEE-VI, time_dial: 0.5, interrupting_rating_ka: 25}}
v2g_sites:
  - {{name: depot, bus: depot_lv, n_chargers: 10, p_charger_kw: 100{extra}}}
  - {{name: lot, bus: b3, n_chargers: 5, p_charger_kw: 50}}
scenarios: {{export_levels_fraction: [0.0, 1.0], participation: [expected],
            load_levels: [peak]}}
"""
SITES = ("depot:depot_lv:10:100", "lot:b3:5:50")


def _folder(tmp_path: Path, redirect: str, master_more: str = "") -> Path:
    (tmp_path / "Master.dss").write_text(MASTER.format(more=master_more))
    (tmp_path / "depot_xf.dss").write_text(redirect)
    return tmp_path


def _draft(folder: Path, redirects: bool = True) -> str:
    return draft_study(folder / "Master.dss",
                       redirects=[folder / "depot_xf.dss"] if redirects else [],
                       sites=[parse_site(s) for s in SITES]).text


def _site_block(text: str, name: str) -> str:
    at = text.index(f"  - name: {name}\n")
    end = text.find("\n  - name:", at + 1)
    return text[at:end if end > 0 else text.index("\nscenarios:")]


def _warned(path: Path) -> list:
    problems, warnings = validate_study_warnings(path)
    assert problems == []
    # the unnamed-transformer warning (a named one with no fuse on it has its own warning,
    # tests/test_site_transformer_guard.py)
    return [w for w in warnings if w.field.endswith("model_transformer")
            and "no device at transformer" not in w.message]


def test_the_redirect_adds_the_transformer(tmp_path):
    """The reference the rule rests on: OpenDSS compiles the master alone without the
    transformer and without the site's bus; with the redirect the bus is there."""
    folder = _folder(tmp_path, XF)
    plain = load_dss_model(folder / "Master.dss")
    full = load_dss_model(folder / "Master.dss", redirects=[folder / "depot_xf.dss"])
    assert "depot_lv" not in plain.buses.index and "depot_lv" in full.buses.index
    assert "transformer.depot_xf" not in set(plain.elements.name)
    assert full.redirect_elements == {"transformer.depot_xf"}
    assert plain.redirect_elements == frozenset()


def test_init_names_the_redirects_transformer_and_validate_is_quiet(tmp_path):
    folder = _folder(tmp_path, XF)
    text = _draft(folder)
    depot = _site_block(text, "depot")
    assert re.search(r"\n    bus: depot_lv\n    model_transformer: depot_xf  # the site's own",
                     depot), depot
    assert "model_transformer" not in _site_block(text, "lot")   # b3: a feeder bus
    (folder / "study.yaml").write_text(text)
    assert _warned(folder / "study.yaml") == []


def test_validate_warns_when_the_sites_transformer_is_not_named(tmp_path):
    folder = _folder(tmp_path, XF)
    (folder / "bare.yaml").write_text(STUDY.format(extra=""))
    (warning,) = _warned(folder / "bare.yaml")
    assert warning.field == "v2g_sites[0].model_transformer"
    assert "fed only through transformer 'depot_xf'" in warning.message
    assert "model_transformer: depot_xf" in warning.fix
    (folder / "named.yaml").write_text(STUDY.format(extra=", model_transformer: depot_xf"))
    assert _warned(folder / "named.yaml") == []


def test_a_transformer_of_the_master_is_the_utilitys(tmp_path):
    """The same transformer in the master (a service transformer of the feeder as it is):
    not proposed, no warning."""
    folder = _folder(tmp_path, "! nothing\n", master_more=XF.split("Set ")[0])
    text = _draft(folder)
    assert "model_transformer" not in _site_block(text, "depot")
    (folder / "bare.yaml").write_text(STUDY.format(extra=""))
    assert _warned(folder / "bare.yaml") == []


def test_a_transformer_that_also_feeds_a_load_is_not_proposed(tmp_path):
    """A load of the master behind it is today's feeder's: the transformer is not the site's
    own. (A load the redirect adds with it comes with the project and is proposed with it:
    tests/test_site_transformer_aux_load.py, review rev35a M1.)"""
    folder = _folder(tmp_path, XF,
                     master_more="New Load.shop bus1=depot_lv phases=3 kv=0.48 kw=50\n")
    text = _draft(folder)
    assert "model_transformer" not in _site_block(text, "depot")
    (folder / "bare.yaml").write_text(STUDY.format(extra=""))
    assert _warned(folder / "bare.yaml") == []


def test_two_transformers_in_series_get_a_todo(tmp_path):
    folder = _folder(tmp_path, SERIES)
    text = _draft(folder)
    depot = _site_block(text, "depot")
    assert "model_transformer:" not in depot.replace("add model_transformer:", "")
    bus_line = next(ln for ln in depot.splitlines() if "bus: depot_lv" in ln)
    assert "# TODO:" in bus_line and "(depot_xf, step)" in bus_line
    assert "model_transformer: <depot_xf or step>" in bus_line
    (folder / "bare.yaml").write_text(STUDY.format(extra=""))
    (warning,) = _warned(folder / "bare.yaml")
    assert "transformers 'depot_xf', 'step' (in series)" in warning.message
    (folder / "named.yaml").write_text(STUDY.format(extra=", model_transformer: depot_xf"))
    assert _warned(folder / "named.yaml") == []
