"""C12 judges a low-voltage bus on the rated voltage of the winding that feeds it, not on the
``kVBase`` OpenDSS rounded to from ``Set VoltageBases`` (review rev50a #5: EPRI ckt5's 240 V
secondaries on 0.415/√3 = 239.6 V).

References (nothing here computed by protv2g):
* OpenDSS (``opendssdirect``, the model compiled in the test): each bus's volts
  (``Bus.VMagAngle``) and ``kVBase``, each transformer winding's ``kV`` (``Transformers.kV``);
* the base by hand from that ``kV`` (ANSI C84.1 reads service voltage on the system nominal):
  a single-phase winding line to neutral its ``kV`` (0.24 → 240 V; each 0.12 kV half of a
  center-tapped transformer → 120 V per leg), a three-phase delta winding ``kV/√3``
  (0.48 → 277.1 V); a medium-voltage bus keeps OpenDSS's ``kVBase``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

dss = pytest.importorskip("opendssdirect")

from protv2g.flow.opendss_tables import bus_table  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.dss_site_base import (  # noqa: E402
    with_site_base_rows,
    zone_base_warnings,
)
from protv2g.network.dss_zone_base import zone_base_kv_ln, zone_base_notes  # noqa: E402

MODEL = """Clear
Set DefaultBaseFrequency=60
New Circuit.zb basekv=12.47 pu=1.03 phases=3 bus1=src MVAsc3=200 MVAsc1=210
New Line.l1 phases=3 bus1=src bus2=b1 r1=0.306 x1=0.627 r0=0.592 x0=1.820 length=1 units=mi
New Load.b1 bus1=b1 phases=3 kv=12.47 kw=900 kvar=300
! 240 V single-phase service, line to neutral on one node (EPRI ckt5/ckt24/J1 form)
New Transformer.homexf phases=1 windings=2 xhl=2.0
~ wdg=1 bus=b1.1.0 kv=7.2 kva=50 %r=0.9
~ wdg=2 bus=homes.1.0 kv=0.24 kva=50 %r=0.9
New Line.svc phases=1 bus1=homes.1 bus2=house.1 r1=0.3 x1=0.1 r0=0.3 x0=0.1 length=0.03 units=km
New Load.house bus1=house.1 phases=1 kv=0.24 kw=6 kvar=1
! 120/240 V center-tapped service, 3-winding form (IEEE 8500)
New Transformer.ctxf phases=1 windings=3 xhl=2.04 xht=2.04 xlt=1.36
~ wdg=1 bus=b1.2 kv=7.2 kva=25 %r=0.6
~ wdg=2 bus=sx.1.0 kv=0.12 kva=25 %r=1.2
~ wdg=3 bus=sx.0.2 kv=0.12 kva=25 %r=1.2
New Line.tx phases=2 bus1=sx.1.2 bus2=sxh.1.2 r1=0.3 x1=0.1 r0=0.3 x0=0.1 length=0.03 units=km
New Load.sxh bus1=sxh.1.2 phases=1 kv=0.24 kw=5 kvar=1
! 480 V three-phase delta secondary
New Transformer.dxf phases=3 windings=2 xhl=5 conns=(wye delta) kvs=(12.47 0.48) kvas=(300 300)
~ buses=(b1 d480)
New Load.d480 bus1=d480 phases=3 kv=0.48 kw=100 kvar=30 conn=delta
Set VoltageBases=({bases})
CalcVoltageBases
Solve
"""
#: ckt5's list (no 0.24, no 0.12): 240 V → 0.415/√3, 120 V → 0.208/√3
LACKING = "12.47, 0.48, 0.415, 0.208"
#: every winding voltage in the list (0.24·√3, 0.12·√3 line to line)
COMPLETE = "12.47, 0.48, 0.41569, 0.20785"


def _model(folder, bases: str):
    path = folder / "master.dss"
    path.write_text(MODEL.replace("{bases}", bases))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dss_model(path), path


def _opendss(path) -> dict[str, tuple[float, np.ndarray]]:
    """OpenDSS's own ``kVBase`` and phase-node volts of each bus, and the hand bases."""
    dss.Text.Command(f"Redirect {path}")
    out = {}
    for bus in ("b1", "homes", "house", "sx", "sxh", "d480"):
        dss.Circuit.SetActiveBus(bus)
        va = np.asarray(dss.Bus.VMagAngle(), float)[0::2]
        out[bus] = (float(dss.Bus.kVBase()), va)
    return out


def _winding_kv(name: str, w: int) -> float:
    dss.Transformers.Name(name)
    dss.Transformers.Wdg(w)
    return float(dss.Transformers.kV())


def test_lv_zones_take_their_winding_base_mv_keeps_kvbase(tmp_path):
    model, path = _model(tmp_path, LACKING)
    ref = _opendss(path)
    # the artefact is real: OpenDSS's bases are the list's, not the windings'
    assert ref["homes"][0] == pytest.approx(0.415 / math.sqrt(3), rel=1e-4)
    assert ref["sx"][0] == pytest.approx(0.208 / math.sqrt(3), rel=1e-4)
    hand = {"b1": ref["b1"][0],                                   # MV: OpenDSS's own
            "homes": _winding_kv("homexf", 2), "house": _winding_kv("homexf", 2),
            "sx": _winding_kv("ctxf", 2), "sxh": _winding_kv("ctxf", 3),
            "d480": _winding_kv("dxf", 2) / math.sqrt(3)}
    assert hand["homes"] == 0.24 and hand["sx"] == 0.12 and hand["sxh"] == 0.12
    kv = zone_base_kv_ln(model)
    for bus, want in hand.items():
        assert kv[model.bus_index([bus])[0]] == pytest.approx(want, rel=1e-12), bus
    # the flow's bus table: OpenDSS's volts over the hand base (old code: over kVBase)
    v = model.v_pf_v[None, :]
    tab = bus_table(model, v, np.array([0]), np.array(["s"]), np.array([0]), np.array([0.0]))
    tab = tab.set_index("bus_name")
    for bus, want in hand.items():
        got = tab.loc[bus, ["vm_a_pu", "vm_b_pu", "vm_c_pu"]].to_numpy(float)
        got = got[np.isfinite(got)]
        volts = ref[bus][1][: len(got)]
        assert got == pytest.approx(volts / (want * 1e3), rel=2e-6), bus
    # 0.17 % off OpenDSS's own pu on the 240 V bus (1.05178 vs 1.05003 in rev50a #5)
    homes = float(tab.loc["homes", "vm_a_pu"])
    assert homes / (ref["homes"][1][0] / (ref["homes"][0] * 1e3)) == pytest.approx(
        0.415 / math.sqrt(3) / 0.24, rel=1e-6)


def test_the_note_names_count_both_bases_and_winding(tmp_path):
    model, _path = _model(tmp_path, LACKING)
    notes = zone_base_notes(model)
    # 240 V: homes + house (-0.17 %); 120 V legs: sx + sxh (+0.074 %, inside 0.001 pu)
    assert len(notes) == 1
    text = notes[0]
    assert text.startswith("2 bus(es) fed by 240 V transformer windings")
    assert "transformer.homexf" in text and "240 V" in text and "239.6 V" in text

    class _Study:
        path = tmp_path / "study.yaml"
        document = None

    _Study.model = model
    said = zone_base_warnings(_Study())
    assert [w.message for w in said] == notes and said[0].field == "feeder.opendss"
    rows = with_site_base_rows(_Study(), None)   # the run's Feeder warnings sheet
    assert rows.what.tolist() == notes and rows.name.tolist() == ["feeder.opendss"]


def test_no_change_and_no_note_when_the_list_has_the_windings(tmp_path):
    model, path = _model(tmp_path, COMPLETE)
    ref = _opendss(path)
    kv = zone_base_kv_ln(model)
    for bus, (base, _v) in ref.items():
        assert kv[model.bus_index([bus])[0]] == pytest.approx(base, rel=1e-4), bus
    assert zone_base_notes(model) == []
