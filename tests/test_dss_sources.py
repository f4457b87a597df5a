"""What a Vsource is (review s17 §3.10, ``network/dss_graph.py:126``): the circuit's source is
the substation; a further Vsource at the supply voltage a second substation; one below it —
EPRI DG_Prot_Fdr's ``Vsource.WindGen1`` at 0.6 kV behind Tg — an existing source on the
feeder, not a substation (before session 18: ``substation:windgen1``, drawn as a black
substation square at bg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_graph import dss_source_buses, dss_sources, graph_warnings  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402

MASTER = """\
Clear
New Circuit.two basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=150
New Line.l1 bus1=src bus2=b1 length=1 units=km
New Line.l2 bus1=b1 bus2=b2 length=1 units=km
New Transformer.tg phases=3 windings=2 buses=(b2 bg) conns=(delta wye) kvs=(12.47 0.6)
~ kvas=(1700 1700) xhl=5
New Vsource.wind bus1=bg basekv=0.6 pu=1.0 X1=0.037 X0=1e99
{second}
Set voltagebases=[12.47 0.6]
Calcvoltagebases
"""


def _model(tmp_path: Path, second: str = ""):
    master = tmp_path / "master.dss"
    master.write_text(MASTER.format(second=second), encoding="utf-8")
    return load_dss_model(master)


def test_a_vsource_behind_a_transformer_is_an_existing_source(tmp_path):
    m = _model(tmp_path)
    roles = dict(zip(dss_sources(m).name, dss_sources(m).role, strict=True))
    assert roles == {"vsource.source": "substation", "vsource.wind": "existing source"}
    assert dss_source_buses(m) == {"substation": int(m.bus_index(["src"])[0])}
    w = graph_warnings(m)
    row = w[w.name == "vsource.wind"].iloc[0]
    assert "below the supply voltage: an existing source on the feeder" in row.what
    assert "not a substation" in row.what
    assert row.action.endswith("it is connected to the feeder: it feeds its faults")


def test_a_further_vsource_at_the_supply_voltage_is_a_second_substation(tmp_path):
    m = _model(tmp_path, "New Vsource.tie bus1=b2 basekv=12.47 pu=1.0 MVAsc3=150 MVAsc1=100")
    assert dss_source_buses(m) == {"substation:source": int(m.bus_index(["src"])[0]),
                                   "substation:tie": int(m.bus_index(["b2"])[0])}
    w = graph_warnings(m)
    assert "a second substation" in w[w.name == "vsource.tie"].iloc[0].what


def test_dg_prot_fdr_windgen1(shared_dir: Path):
    master = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    if not master.is_file():
        pytest.skip(f"EPRI DG-protection feeder {master} not found")
    m = load_dss_model(master)
    assert dss_source_buses(m) == {"substation": int(m.bus_index(["bx"])[0])}  # was + windgen1
    w = graph_warnings(m)
    row = w[w.name == "vsource.windgen1"].iloc[0]
    assert row.what.startswith("a further Vsource at bg (0.6 kV), beside source (34.5 kV), "
                               "below the supply voltage: an existing source on the feeder")
    assert "it feeds none of its faults" in row.action             # Tg's terminal 2 is open


def test_existing_sources_sheet_lists_a_vsource_dg(shared_dir: Path):
    """The Existing sources sheet (``der_table``) was empty for DG_Prot_Fdr (closing note s18
    "Left" 6): WindGen1 is listed with what the study does with it and OpenDSS's own values
    (the model gives X1 only; R1 stays at OpenDSS's default 1.604 Ω: 0.224 MVA)."""
    from protv2g.engine.phase.der import der_table
    from protv2g.report.summary_faults import existing_sources_assumption

    master = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    if not master.is_file():
        pytest.skip(f"EPRI DG-protection feeder {master} not found")
    t = der_table(load_dss_model(master))
    assert list(t.name) == ["vsource.windgen1"]  # was an empty table
    row = t.iloc[0]
    # review rev34c M2: the model ends with "open transformer.tg 2": WindGen1 feeds nothing,
    # and the sheet and the Summary said it fed "every scenario, both cases"
    assert (row["kind"], row["bus"], row["mode"]) == ("vsource", "bg", "disconnected")
    assert row.fault_model.startswith("disconnected in the model")
    assert "X1 = 0.03709 Ω" in row.fault_model and "0.224 MVA" in row.fault_model
    said = existing_sources_assumption(t)
    assert said.startswith("vsource.windgen1: disconnected in the model"), said
    assert "every scenario" not in said
    # review rev32b M2: OpenDSS's own Yprim of WindGen1 (read here, not by protv2g) is real
    # (X1 lost beside X0 = 1e99) and R1 is 43 × X1: the sheet says both, with the fix
    import opendssdirect as dss

    dss.Text.Command("clear")
    dss.Text.Command(f"compile [{master}]")
    dss.Circuit.SetActiveElement("Vsource.WindGen1")
    y = np.asarray(dss.CktElement.YPrim())
    assert np.all(np.abs(y[1::2]) < 1e-30) and y[0] == pytest.approx(0.4157, rel=1e-3)
    assert "caution: R1 is 43.2 × X1 (X/R 0.023): a resistor, not a machine" in row.fault_model
    assert "give R1" in row.fault_model
    assert "X0 = 1e+99 Ω is 2.7e+100 × X1: OpenDSS's Yprim loses X1" in row.fault_model


def test_existing_sources_sheet_gives_each_sources_size(shared_dir: Path, tmp_path_factory):
    """Review rev45a M2: with ``close transformer.tg 2`` (a redirect) WindGen1 feeds the
    feeder, and the sheet listed it with a blank kVA: a signer could not see that the
    "1,650 kW wind generator" is a 0.224 MVA source. Its size is now given as the model gives
    it: MVAsc3 and Isc3 at its 0.6 kV terminal, X1/R1, and Isc3 referred to the 12.47 kV
    feeder its transformer hangs on (an upper bound of what it adds to a feeder fault).

    Independent values: Isc3 by hand from OpenDSS's own R1/X1 (``opendssdirect``),
    600 V/√3 / |R1 + jX1|, and OpenDSS's ``Isc3`` property; the reviewer's OpenDSS fault runs
    (rev45a M2): the 3ph fault at bt rises 767 → 771 A with WindGen1 in, under the bound."""
    import opendssdirect as dss

    from protv2g.engine.phase.der import der_table
    from tests.conftest import dg_protection_copy

    d = dg_protection_copy(shared_dir, tmp_path_factory, "dgsize")
    master = d / "DG_Prot_Fdr.dss"
    master.write_text(master.read_text() + "\nclose transformer.tg 2\n")
    t = der_table(load_dss_model(master))
    row = t[t.name == "vsource.windgen1"].iloc[0]
    assert row["mode"] == "generating"
    dss.Text.Command("clear")
    dss.Text.Command(f"compile [{master}]")
    dss.Text.Command("? vsource.windgen1.R1")
    r1 = float(dss.Text.Result())
    dss.Text.Command("? vsource.windgen1.X1")
    x1 = float(dss.Text.Result())
    dss.Text.Command("? vsource.windgen1.Isc3")
    isc3_dss = float(dss.Text.Result())
    dss.Text.Command("clear")
    hand_a = 600.0 / np.sqrt(3.0) / abs(complex(r1, x1))
    assert row.kv_ll == pytest.approx(0.6)
    assert row.isc3_a == pytest.approx(hand_a, rel=1e-3)            # ≈ 216 A
    assert row.isc3_a == pytest.approx(isc3_dss, rel=1e-2)
    assert row.sc3_mva == pytest.approx(np.sqrt(3.0) * 0.6 * hand_a / 1e3, rel=1e-3)
    assert row.x_over_r == pytest.approx(x1 / r1, rel=1e-6)         # 0.023: a resistor
    assert row.feeder_kv == pytest.approx(12.47)
    assert row.isc3_feeder_a == pytest.approx(hand_a * 0.6 / 12.47, rel=1e-3)   # ≈ 10.4 A
    assert row.isc3_feeder_a >= 771 - 767
