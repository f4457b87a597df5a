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
