"""rev43b F2: a Generator's or Load's kV in volts (4160 for 4.16) and a machine's Xd″/Xd′ in
percent (20 for 0.2 pu) are "values that look like a slip" — on ``faults MASTER.dss``, in
the model notes and in ``validate`` — naming the element, the OpenDSS property, the value and
the likely intended one. They passed silently and the machine's contribution vanished.

Reference: the case's own model (``cases/synchronous-generator-source``: a 3 MVA machine,
kV=4.16 on its 4.16 kV bus, Xdpp 0.2, Xdp 0.3 pu) with one value slipped; IEEE 13 (loads of
2.4 kV line-to-neutral and 4.16 kV line-to-line on 4.16 kV buses) has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from protv2g.cli import main

SLIPS = {  # property as the model has it → (slipped text, the field, intended value)
    "kV": ("kV=4.16 kW=2000", "kV=4160 kW=2000", "generator.g1.kV", "kV=4.16?"),
    "Xdpp": ("Xdpp=0.2 Xdp=0.3", "Xdpp=20 Xdp=0.3", "generator.g1.Xdpp", "Xdpp=0.2?"),
    "Xdp": ("Xdpp=0.2 Xdp=0.3", "Xdpp=0.2 Xdp=30", "generator.g1.Xdp", "Xdp=0.3?"),
    "load": ("Set VoltageBases", "New Load.ld2 bus1=b2 kv=12470 kw=300 kvar=100\n"
             "Set VoltageBases", "load.ld2.kV", "kV=12.47?"),
    # inp43's note: the kV bound for the feeder's inverters too (the same words)
    "pvsystem": ("Set VoltageBases", "New PVSystem.pv2 bus1=b2 kV=12470 kVA=500 Pmpp=450 "
                 "irradiance=1\nSet VoltageBases", "pvsystem.pv2.kV", "kV=12.47?"),
    "storage": ("Set VoltageBases", "New Storage.st3 bus1=b3 kV=12470 kWrated=1000 "
                "kWhrated=4000\nSet VoltageBases", "storage.st3.kV", "kV=12.47?"),
}


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_unit_slip_of_a_model_element_is_warned(slip, shared_dir, tmp_path, capsys):
    master = (shared_dir / "cases" / "synchronous-generator-source" / "master.dss").read_text()
    old, new, field, intended = SLIPS[slip]
    assert old in master
    dss = tmp_path / "m.dss"
    dss.write_text(master.replace(old, new, 1))
    assert main(["faults", str(dss), "--cases", "max", "--fault-types", "3ph"]) == 0
    out = capsys.readouterr().out
    assert "values that look like a slip" in out
    line = next(x for x in out.splitlines() if f"{field}:" in x)
    assert intended in line and "Fix: give" in line
    (tmp_path / "s.yaml").write_text("name: s\nfeeder:\n  opendss: m.dss\n")
    assert main(["validate", str(tmp_path / "s.yaml")]) == 0
    out = capsys.readouterr().out
    assert f"feeder.opendss ({field.rsplit('.', 1)[0]}).{field.rsplit('.', 1)[1]}:" in out


def test_sound_models_have_no_unit_slip(shared_dir, capsys):
    example = Path(__file__).resolve().parents[1] / "feeders" / "opendss_example"
    for master in (shared_dir / "cases" / "synchronous-generator-source" / "master.dss",
                   shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss",
                   example / "Master.dss"):  # a PVSystem of kV=12.47 on its 12.47 kV b3
        assert main(["faults", str(master), "--cases", "max", "--fault-types", "3ph"]) == 0
        assert "look like a slip" not in capsys.readouterr().out


def test_an_inverter_kv_in_volts_injects_next_to_nothing_in_opendss(shared_dir):
    """The fix's words for a PVSystem's or Storage's kV in volts ("injects next to nothing")
    checked in OpenDSS itself: the case's feeder with a 450 kW PVSystem on b2 at kV=12.47
    and at kV=12470, OpenDSS's own power flow (``CktElement.Powers``)."""
    odd = pytest.importorskip("opendssdirect")
    master = (shared_dir / "cases" / "synchronous-generator-source" / "master.dss").read_text()
    kw = {}
    for kv in (12.47, 12470):
        odd.Text.Command("Clear")
        for line in master.replace("Set VoltageBases", f"New PVSystem.pv2 bus1=b2 kV={kv} "
                                   "kVA=500 Pmpp=450 irradiance=1\nSet VoltageBases"
                                   ).splitlines():
            if line.strip() and not line.startswith("!"):
                odd.Text.Command(line)
        odd.Circuit.SetActiveElement("pvsystem.pv2")
        kw[kv] = -sum(odd.CktElement.Powers()[0::2])
    odd.Text.Command("Clear")
    assert kw[12.47] > 100.0                     # it exports (OpenDSS's default 25 °C curve)
    assert abs(kw[12470]) < 1e-3 * kw[12.47]     # … and next to nothing when slipped
