"""``protv2g flow`` on an OpenDSS-feeder study runs the flows in OpenDSS, as ``run`` does
(review ver34: it took the pandapower path with no net and stopped with ``TypeError: argument
of type 'NoneType' is not iterable`` on every OpenDSS study — IEEE 8500, IEEE 34, the DG
feeder), and prints the flows' notes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "feeders" / "opendss_example" / "study.yaml"


def test_flow_command_on_an_opendss_study(tmp_path, capsys) -> None:
    pytest.importorskip("opendssdirect")
    from protv2g.cli import main

    out = tmp_path / "flow.xlsx"
    assert main(["flow", str(EXAMPLE), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "(opendss)" in said and "note: C8 charging snapshots" in said
    wb = openpyxl.load_workbook(out, read_only=True)
    assert len(wb.sheetnames) >= 1


def test_flow_command_refuses_comm_loss_on_an_opendss_study(tmp_path) -> None:
    pytest.importorskip("opendssdirect")
    from protv2g.cli import main

    # a clear error naming the flag (exit 2), not a traceback
    assert main(["flow", str(EXAMPLE), "--comm-loss-step", "3", "-o",
                 str(tmp_path / "f.xlsx")]) == 2
