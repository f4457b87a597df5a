"""``protv2g faults`` on every kind of SOURCE: a study, a pandapower JSON, an OpenDSS master."""

from __future__ import annotations

import openpyxl
import pandas as pd

from protv2g.cli import main

from .conftest import FEEDERS_DIR


def test_faults_on_a_study_uses_its_scenarios(tmp_path):
    out = tmp_path / "f.csv"
    assert main(["faults", str(FEEDERS_DIR / "depot_two_feeder" / "study.yaml"),
                 "--fault-types", "SLG", "--cases", "min", "--csv", str(out)]) == 0
    table = pd.read_csv(out)
    assert {"scenario", "bus", "fault_type", "case", "ikss_ka", "ikss_degree"} <= set(table)
    assert set(table.fault_type) == {"SLG"} and set(table.case) == {"min"}
    assert table.scenario.nunique() > 1                      # base + V2G charger sets
    assert "F1-B02" in set(table.bus)                         # bus names from the model


def test_faults_on_an_opendss_master_keeps_bus_names(tmp_path):
    out = tmp_path / "f.xlsx"
    assert main(["faults", str(FEEDERS_DIR / "opendss_example" / "Master.dss"),
                 "--method", "classical", "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Fault currents"]
    header = [c.value for c in ws[1]]
    col = header.index("Bus")
    buses = {row[col] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert {"sub", "b1", "b2", "lat1"} <= buses


def test_faults_unknown_kind_is_bad_input(tmp_path, capsys):
    bad = tmp_path / "net.txt"
    bad.write_text("x")
    assert main(["faults", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown file kind" in err and "Traceback" not in err


# ------------------------------------------------------------ OpenDSS masters: the phase path


def test_faults_on_ieee13_with_default_options(shared_dir, tmp_path):
    """#15: default options on an OpenDSS master (IEC 60909, all fault types, max and min)."""
    out = tmp_path / "f.csv"
    master = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    assert main(["faults", str(master), "--csv", str(out)]) == 0
    t = pd.read_csv(out, dtype={"bus": str})
    assert {"phase", "energized", "ikss_ka", "ia_ka"} <= set(t)
    assert set(t[t.bus == "611"].fault_type) == {"SLG"} and set(t[t.bus == "611"].phase) == {"c"}
    assert len(t[(t.bus == "671") & (t.case == "max")]) == 10   # 3ph + 3 LL + 3 SLG + 3 LLG
    assert "634" not in set(t.bus)                               # 0.48 kV: --secondaries only
    assert t.energized.all() and (t.ikss_ka > 0).all()


def test_faults_secondaries_and_devices_workbook(shared_dir, tmp_path):
    out = tmp_path / "f.xlsx"
    assert main(["faults", str(FEEDERS_DIR / "opendss_example" / "Master.dss"), "-o", str(out),
                 "--method", "classical", "--fault-types", "SLG", "--secondaries"]) == 0
    wb = openpyxl.load_workbook(out)
    assert {"Fault currents", "Devices", "Model notes"} <= set(wb.sheetnames)
    header = [c.value for c in wb["Devices"][1]]
    col = header.index("Device")
    assert "I phase max (kA)" in header or any("phase max" in str(h).lower() for h in header)
    devices = {r[col] for r in wb["Devices"].iter_rows(min_row=2, values_only=True)}
    assert devices == {"recloser.r1", "fuse.fa", "fuse.fb"}


def test_faults_dead_bus_behind_open_switch_is_reported(shared_dir, tmp_path, capsys):
    """#20 item 5: the de-energised bus is listed at 0 A, everything else computed."""
    case = shared_dir / "cases" / "dead-bus-open-switch"
    for source in ("master_open_tie.dss", "net.json"):
        out = tmp_path / f"{source}.csv"
        assert main(["faults", str(case / source), "--csv", str(out)]) == 0
        t = pd.read_csv(out)
        dead = t[~t.energized]
        assert set(dead.bus) == {"b3" if source.endswith(".dss") else "B4"}
        assert (dead.ikss_ka == 0).all() and (t[t.energized].ikss_ka > 0).all()
        assert "de-energised" in capsys.readouterr().out


def test_faults_study_on_a_feeder_with_a_dead_bus_reports_it(shared_dir, tmp_path, capsys):
    """rev43b F0: ``faults STUDY.yaml`` on a pandapower feeder (a net, or an OpenDSS master
    through pandapower) with a bus behind an open switch lists that bus at 0 A as ``faults
    net.json`` and ``run`` do; the old route refused the whole feeder ("leave it out of
    `buses`"). The live rows equal the bare net's (the same engine call on the same buses)."""
    case = shared_dir / "cases" / "dead-bus-open-switch"
    relay = ("devices:\n  - {name: R1, kind: relay, location: {line: L1, end: from}, "
             "pickup_a: 200, curve: IEEE-VI, time_dial: 2}\n")
    for name in ("net.json", "master_open_tie.dss"):  # a study's files stay in its folder
        (tmp_path / name).write_bytes((case / name).read_bytes())
    feeders = {"B4": "  pandapower_json: net.json\n",
               "b3": "  opendss: master_open_tie.dss\n  opendss_via: pandapower\n"}
    for dead_bus, feeder in feeders.items():
        study = tmp_path / f"s_{dead_bus}.yaml"
        study.write_text(f"name: dead\nfeeder:\n{feeder}"
                         + (relay if dead_bus == "B4" else "")
                         + "faults:\n  method: classical\n")
        out = tmp_path / f"{dead_bus}.csv"
        assert main(["faults", str(study), "--csv", str(out)]) == 0, capsys.readouterr().err
        t = pd.read_csv(out)
        dead = t[~t.energized]
        assert set(dead.bus) == {dead_bus}
        assert (dead.ikss_ka == 0).all() and (t[t.energized].ikss_ka > 0).all()
        assert "de-energised" in capsys.readouterr().out
    bare = tmp_path / "bare.csv"
    assert main(["faults", str(case / "net.json"), "--method", "classical", "--csv",
                 str(bare)]) == 0
    b = pd.read_csv(bare).set_index(["bus", "fault_type", "case"]).sort_index()
    s = pd.read_csv(tmp_path / "B4.csv").set_index(["bus", "fault_type", "case"]).sort_index()
    assert list(s.index) == list(b.index)
    assert (abs(s.ikss_ka - b.ikss_ka) <= 1e-9 + 1e-9 * b.ikss_ka).all()


def test_faults_dss_options_on_other_sources_are_bad_input(tmp_path, capsys):
    assert main(["faults", str(FEEDERS_DIR / "depot_two_feeder" / "study.yaml"),
                 "--secondaries"]) == 2
    err = capsys.readouterr().err
    assert "OpenDSS masters (.dss) only" in err and "Traceback" not in err


def test_faults_unknown_redirect_is_bad_input(tmp_path, capsys):
    assert main(["faults", str(FEEDERS_DIR / "opendss_example" / "Master.dss"),
                 "--redirect", str(tmp_path / "missing.dss")]) == 2
    assert "--redirect" in capsys.readouterr().err


def test_device_on_an_element_not_in_the_model_says_so(tmp_path, capsys):
    """rev43b F5: a fuse monitoring Line.l9 of a model with l1 and l2 was refused in OpenDSS's
    words ("(#405) … CktElement for SwitchedObj is not set"); now "line.l9 is not in the
    model" with the closest names, file and line kept."""
    dss = tmp_path / "m.dss"
    dss.write_text(
        "Clear\nNew Circuit.c basekv=12.47 pu=1.0 phases=3 bus1=sub MVAsc3=200 MVAsc1=180\n"
        "New Line.l1 bus1=sub bus2=b1 length=1 units=km\n"
        "New Line.l2 bus1=b1 bus2=b2 length=1 units=km\n"
        "New Fuse.f2 monitoredobj=Line.l9 monitoredterm=1 fusecurve=klink ratedcurrent=65\n"
        "Set VoltageBases=(12.47)\nCalcVoltageBases\nSolve\n")
    assert main(["faults", str(dss)]) == 2
    err = capsys.readouterr().err
    assert f"{dss}: line 5:" in err and "line.l9 is not in the model" in err
    assert "closest: line.l1, line.l2" in err or "closest: line.l2, line.l1" in err
    assert "#405" not in err


_NER = ("Clear\nSet DefaultBaseFrequency=60\n"
        "New Circuit.ner basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=1800 x1r1=10 "
        "x0r0=3\nNew Transformer.sub phases=3 windings=2 buses=(src sub.1.2.3.4) "
        "conns=(delta wye) kvs=(115 12.47)\n~ kvas=(20000 20000) xhl=10 %r=0.5\n"
        "{reactor}New Linecode.oh nphases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0 units=km\n"
        "New Line.l1 bus1=sub bus2=b1 linecode=oh length=3 units=km\n"
        "Set VoltageBases=(115, 12.47)\nCalcVoltageBases\nSolve\n")


def test_faults_says_why_a_feeder_is_ungrounded(tmp_path, capsys):
    """rev43b F3: a Dyn substation whose star point (sub.4) is grounded through a neutral
    reactor typed onto bus 'sbu', or through nothing, gives SLG ≈ 0 A at sub and b1 (OpenDSS
    the same, rev43b's ref.py); ``faults`` now says those buses have no path to ground and
    why, where it said nothing. With the reactor on sub the feeder is grounded: no such line.
    """
    cases = {"typo": "New Reactor.ngr phases=1 bus1=sbu.4 bus2=sbu.0 R=8 X=0.001\n",
             "floating": "", "grounded": "New Reactor.ngr phases=1 bus1=sub.4 bus2=sub.0 R=8 "
                                         "X=0.001\n"}
    for case, reactor in cases.items():
        dss, out = tmp_path / f"{case}.dss", tmp_path / f"{case}.csv"
        dss.write_text(_NER.format(reactor=reactor))
        assert main(["faults", str(dss), "--method", "classical", "--fault-types", "SLG",
                     "--cases", "max", "--csv", str(out)]) == 0
        said = capsys.readouterr().out
        slg = pd.read_csv(out).groupby("bus").ikss_ka.max()
        if case == "grounded":  # 3V/|2Z1 + Z0 + 3·8 Ω| ≈ 0.9 kA (rev43b hand check 888.6 A)
            assert slg["sub"] > 0.5 and "no path to ground" not in said
            continue
        assert slg["sub"] < 1e-3 and slg["b1"] < 1e-3
        assert "2 fault bus(es) with no path to ground" in said and "b1, sub" in said
        assert "star point on sub.4, which nothing grounds" in said
        assert ("reactor.ngr is de-energised" in said) == (case == "typo")
