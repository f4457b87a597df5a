"""A site bus whose OpenDSS voltage base disagrees with the winding feeding it (review rev33c
W5): a 240 V single-phase service under ``Set VoltageBases=(12.47, 0.48)`` gets a 0.277 kV
line-to-neutral base, and the site's rated current came out 13 % low (1.5 × 86.4 kVA /
0.2771 kV = 467.7 A instead of 540 A).

References (nothing here computed by protv2g):
* OpenDSS itself (``opendssdirect``, the model compiled in the test): ``Bus.kVBase()`` of
  ``homes`` and the service transformer's winding ``kV``;
* the hand calculation: 12 chargers × 7.2 kVA, first-cycle limit 1.5 pu, at the winding's
  240 V: 1.5 × 86.4 kVA / 0.240 kV = 540.0 A.
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("opendssdirect")

from protv2g import load_study, run_study  # noqa: E402
from protv2g.study.plausibility import plausibility_warnings  # noqa: E402

MODEL = """Clear
Set DefaultBaseFrequency=60
New Circuit.w5 basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=210
New Line.l1 phases=3 bus1=src bus2=b1 r1=0.306 x1=0.627 r0=0.592 x0=1.820 c1=15.6 c0=6.7
~ length=2 units=mi normamps=400
New Load.b1 bus1=b1 phases=3 kv=12.47 kw=1500 kvar=500
New Transformer.homexf phases=1 windings=2 xhl=2.0
~ wdg=1 bus=b1.1.0 kv=7.2 kva=167 %r=0.9
~ wdg=2 bus=homes.1.0 kv=0.24 kva=167 %r=0.9
New Load.homes bus1=homes.1 phases=1 kv=0.24 kw=20 kvar=5
Set VoltageBases=({bases})
CalcVoltageBases
"""
STUDY = """name: w5
feeder:
  opendss: master.dss
  adopt_devices: false
devices:
  - name: head
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 300
    curve: IEEE-VI
    time_dial: 2
    ground_pickup_a: 80
    ground_curve: IEEE-VI
    ground_time_dial: 2
    reclose_intervals_s: [3.5]
    interrupting_rating_ka: 12.5
v2g_sites:
  - name: HOMES
    bus: homes
    phases: 1
    phase: a
    n_chargers: 12
    p_charger_kw: 7.2
    limit_pu: 1.5
    sustained_limit_pu: 1.1
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [light]
  light_load_fraction: 0.3
faults:
  method: iec60909
  r_fault_min_ohm: 20
no_fuses_or_reclosers: true
"""


def _study(folder, bases: str):
    (folder / "master.dss").write_text(MODEL.replace("{bases}", bases))
    (folder / "study.yaml").write_text(STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(folder / "study.yaml")


def _opendss(folder) -> tuple[float, float]:
    """OpenDSS's own ``kVBase`` of ``homes`` and HOMEXF's winding-2 ``kV``."""
    import opendssdirect as dss

    dss.Text.Command(f"Redirect {folder / 'master.dss'}")
    dss.Circuit.SetActiveBus("homes")
    base = float(dss.Bus.kVBase())
    dss.Transformers.Name("homexf")
    dss.Transformers.Wdg(2)
    return base, float(dss.Transformers.kV())


def test_a_site_is_rated_at_its_winding_voltage_and_validate_warns(tmp_path):
    study = _study(tmp_path, "12.47, 0.48")
    base, kv = _opendss(tmp_path)
    assert base == pytest.approx(0.48 / 3 ** 0.5, rel=1e-3)   # 0.2771: the mismatch is real
    assert kv == pytest.approx(0.24)
    said = [w for w in plausibility_warnings(study) if w.field == "v2g_sites[0].bus"]
    assert len(said) == 1
    text = f"{said[0].message} {said[0].fix}"
    assert "bus homes" in text and "0.2771 kV" in text and "0.24 kV" in text
    assert "VoltageBases" in text and "0.4157" in text   # 0.24 × √3: the LL kV to add
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(study, hosting=False)
    first = 1e3 * r.staged.sites.i_first_cycle_ka
    # old code: 1.5 × 86.4 / 0.2771 = 467.7 A
    assert float(first.max()) == pytest.approx(1.5 * 12 * 7.2 / 0.240, rel=1e-6)
    sheet = r.tables["Feeder warnings"]   # the workbook says so too
    assert sheet.what.astype(str).str.contains("rates site HOMES's current from the winding").any()
    # the bus's per-unit voltages are on the 240 V winding too (review rev50a #5), said once
    assert "per-unit voltages (the Flow sheets, C12) are on the winding's too" in text
    zone = sheet[sheet.name == "feeder.opendss"].what.astype(str).tolist()
    assert zone == ["1 bus(es) fed by 240 V transformer windings (e.g. transformer.homexf, bus "
                    "homes): C12 and the Flow sheets judge their voltage on the winding's 240 V "
                    "line to neutral, not on OpenDSS's voltage base 277.1 V (+15.47%; 'Set "
                    "VoltageBases' lacks the winding's voltage)"]


def test_no_warning_when_the_base_matches(tmp_path):
    """With 0.4157 kV (240 V line to neutral) in the list the base is the winding's: OpenDSS
    says so, and protv2g neither warns nor changes anything."""
    study = _study(tmp_path, "12.47, 0.48, 0.4157")
    base, kv = _opendss(tmp_path)
    assert base == pytest.approx(kv, rel=1e-3)
    assert not [w for w in plausibility_warnings(study) if w.field == "v2g_sites[0].bus"]
