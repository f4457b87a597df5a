"""``protv2g init`` drafts an IEC 60269 gG way fuse at a low-voltage feeder head (review rev38b
F2: it drafted an IEEE-EI relay with an IEC 60947-2 breaker rating on the European LV test
feeder's head, which the engineer had to delete by hand).

The rule (:mod:`protv2g.study_draft.lv_head_fuse`): the smallest gG rating of the library's
series with In ≥ the head's peak load current without V2G; the LV fuse class's interrupting
rating; ``lv_head="relay"`` keeps the relay.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import pytest
import yaml

pytest.importorskip("opendssdirect")

#: A 416 V, 50 Hz way: 11 kV source, 500 kVA Dyn transformer, three 50 kW (pf 0.95) 3-phase
#: constant-PQ loads along 250 m of cable. No device in the model.
SYNTHETIC_LV = """Clear
Set DefaultBaseFrequency=50
New Circuit.lvsyn basekv=11 pu=1.0 phases=3 bus1=src MVAsc3=100 MVAsc1=100 frequency=50
New Transformer.tr1 phases=3 windings=2 buses=[src lvbus] conns=[delta wye] kvs=[11 0.416] kvas=[500 500] xhl=4 %r=0.5
New Linecode.cab nphases=3 r1=0.1 x1=0.07 r0=0.4 x0=0.28 units=km
New Line.way1 bus1=lvbus bus2=b1 linecode=cab length=0.05 units=km
New Line.l2 bus1=b1 bus2=b2 linecode=cab length=0.1 units=km
New Line.l3 bus1=b2 bus2=b3 linecode=cab length=0.1 units=km
New Load.ld1 bus1=b1 phases=3 kv=0.416 kw=50 pf=0.95 model=1
New Load.ld2 bus1=b2 phases=3 kv=0.416 kw=50 pf=0.95 model=1
New Load.ld3 bus1=b3 phases=3 kv=0.416 kw=50 pf=0.95 model=1
Set VoltageBases=[11 0.416]
CalcVoltageBases
"""  # noqa: E501


def _draft(folder, **kw):
    from protv2g.study_draft.draft import draft_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return draft_study(folder / "Master.dss", **kw)


def _device(text: str, name: str) -> dict:
    (d,) = [d for d in yaml.safe_load(text)["devices"] if d["name"] == name]
    return d


@pytest.fixture(scope="module")
def syn_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lvsyn")
    (folder / "Master.dss").write_text(SYNTHETIC_LV, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def syn_draft(syn_folder):
    d = _draft(syn_folder)
    (syn_folder / "study.yaml").write_text(d.text, encoding="utf-8")
    return d


def test_lv_head_is_drafted_a_gg_way_fuse_by_hand(syn_draft):
    """Hand: 3 × 50 kW at pf 0.95 = 157.9 kVA; at 416 V, 157.9 / (√3 × 0.416) = 219.1 A, and
    at the head's voltage under load (0.9–1.0 pu; constant-PQ loads draw more current as it
    sags) 219.1–243.5 A. Both ends lie in (200, 250] of the gG series (… 160, 200, 250, 315
    …): 250gG. Interrupting rating: the LV fuse class (IEC 60269-2, 50/120 kA), the
    smallest ≥ the max fault at the head (a 500 kVA, 4 % transformer on a 100 MVA source:
    ≤ 500 / (√3 × 0.416 × (0.04 + 0.005)) ≈ 15.4 kA × c 1.10 ≈ 17 kA): 50 kA."""
    s_kva = 3 * 50.0 / 0.95
    i_nom = s_kva / (math.sqrt(3) * 0.416)
    assert i_nom == pytest.approx(219.1, abs=0.1)
    f = syn_draft.proposals[0].figures
    assert i_nom <= f["peak_load_a"] <= i_nom / 0.9
    dev = _device(syn_draft.text, "head-way1")
    assert dev["kind"] == "fuse" and dev["link"] == "250gG"
    assert dev["location"] == {"line": "way1", "end": "from"}
    assert dev["interrupting_rating_ka"] in (50, 120)
    assert "pickup_a" not in dev and "reclose_intervals_s" not in dev
    said = [ln for ln in syn_draft.text.splitlines() if ln.lstrip().startswith("link:")][0]
    assert "# TODO: drafted gG way fuse 250gG" in said
    assert "In ≥ the head's peak load current without V2G" in said
    assert "IEC 60269" in syn_draft.text and "IEC 60947-2" not in syn_draft.text
    assert "head-way1: link" in syn_draft.todos


def test_drafted_lv_study_validates(syn_folder, syn_draft):
    """The drafted study loads (the gG link resolves, the LV rating class is accepted) and
    its fuse is a gG band."""
    from protv2g import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(syn_folder / "study.yaml")
    (dev,) = [d for d in study.document.devices if d.name == "head-way1"]
    assert dev.kind.value == "fuse" and dev.link == "250gG"


def test_lv_head_relay_when_asked(syn_folder):
    """``lv_head="relay"`` (``init --lv-head relay``) keeps the relay (the behaviour before)."""
    d = _draft(syn_folder, lv_head="relay")
    dev = _device(d.text, "head-way1")
    assert dev["kind"] == "relay" and dev["reclose_intervals_s"] == []
    assert "IEC 60947-2" in d.text


def test_lv_head_choice_is_checked(syn_folder):
    from protv2g.errors import InputError

    with pytest.raises(InputError, match="--lv-head"):
        _draft(syn_folder, lv_head="breaker")


def _prop(load_a: float, kv: float = 0.416) -> SimpleNamespace:
    return SimpleNamespace(entry={"name": "head-x", "location": {"line": "x", "end": "from"}},
                           figures={"peak_load_a": load_a, "head_kv": kv,
                                    "min_phase_fault_zone_a": 5000.0})


@pytest.mark.parametrize(("load_a", "link"), [(93.9, "100gG"), (100.0, "100gG"),
                                              (100.5, "125gG"), (400.1, "500gG"),
                                              (500.0, "500gG"), (612.0, "630gG")])
def test_head_link_is_the_smallest_gg_at_or_above_the_peak(load_a, link):
    from protv2g.devices.library import default_library
    from protv2g.study_draft.lv_head_fuse import head_fuse

    assert head_fuse(_prop(load_a), default_library()).entry["link"] == link


def test_head_keeps_the_relay_above_630a_or_above_1kv():
    from protv2g.devices.library import default_library
    from protv2g.study_draft.lv_head_fuse import head_fuse

    lib = default_library()
    assert head_fuse(_prop(631.0), lib) is None
    assert head_fuse(_prop(93.9, kv=11.0), lib) is None
