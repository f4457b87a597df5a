"""Output files refused before any work (review rev47b P1, P7) and a negative fault resistance on
``protv2g faults``' command line refused like the study file's (rev47b P2).

Before: ``faults … --csv DIR`` and ``flow … --csv DIR`` computed the whole study, then stopped
with ``IsADirectoryError`` from the atomic writer, exit 1 (a failed gate's code); ``run -o
out.csv`` wrote an Excel workbook named ``out.csv``; ``faults --r-fault-min-ohm -15`` raised the
depot's min-case SLG at F1-B05 from 311 to 522 A, exit 0.
"""

from __future__ import annotations

import argparse
import time

import pytest

from protv2g.cli import main
from protv2g.commands.output_paths import check_output_paths
from protv2g.errors import InputError

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


@pytest.mark.parametrize("command, option", [("faults", "--csv"), ("faults", "-o"),
                                             ("flow", "--csv"), ("flow", "-o")])
def test_a_folder_as_output_file_is_refused_at_once(tmp_path, capsys, command, option):
    start = time.process_time()
    argv = [command, str(DEPOT), option, str(tmp_path)]
    if command == "flow":
        argv.append("--no-day")
    assert main(argv) == 2
    assert time.process_time() - start < 5.0       # refused before the study is loaded
    err = capsys.readouterr().err
    assert "Traceback" not in err and "is a folder" in err
    suffix = ".csv" if option == "--csv" else ".xlsx"
    assert f"e.g. {option} {tmp_path / (command + suffix)}" in err
    assert list(tmp_path.iterdir()) == []


def test_run_output_with_another_suffix_is_refused(tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["run", str(DEPOT), "--no-hosting", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not end in .xlsx" in err and f"-o {tmp_path / 'out.xlsx'}" in err
    assert f"-o {out}/ for a folder" in err
    assert not out.exists()


def test_every_problem_at_once_and_run_folder_allowed(tmp_path):
    ns = argparse.Namespace(csv=str(tmp_path), output="x.png")
    with pytest.raises(InputError) as exc:
        check_output_paths("faults", ns)
    assert [i.field for i in exc.value.issues] == ["--csv", "-o"]
    check_output_paths("run", argparse.Namespace(output=str(tmp_path)))      # run's folder
    check_output_paths("run", argparse.Namespace(output=None))
    check_output_paths("validate", argparse.Namespace(output="anything"))   # no outputs


@pytest.mark.parametrize("option, value", [("--r-fault-ohm", "-1"),
                                           ("--r-fault-min-ohm", "-15"),
                                           ("--r-fault-min-ohm", "nan")])
def test_negative_fault_resistance_is_refused(tmp_path, capsys, option, value):
    out = tmp_path / "f.csv"
    assert main(["faults", str(DEPOT), option, value, "--csv", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"command line: {option}:" in err and "≥ 0" in err and f"e.g. {option} 20" in err
    assert not out.exists()
