"""A recloser curve clearing under one cycle is said once where it belongs, not on every
command's console (review rev39a F5).

EPRI's DG_Prot_Fdr defines ``Recloser.D like=A``; OpenDSS's ``like=`` does not copy A's
``Delay`` (0.042 s), so D's fast curve ``dss-101`` clears in 15 ms at high current (its
fastest point, 0.015 s, with no delay added), under one cycle (16.7 ms at 60 Hz; the figures
are the DSS file's own: ``TCC_Curve.101`` and ``Recloser.D``). ``init`` said so (it drafts
the device), and then ``validate``, ``run``, ``hosting`` and ``recommend`` each printed it
again, once per engine slice. Now ``validate`` lists it once with its field and fix, ``run``
writes one row of its Feeder warnings sheet, and neither ``run``'s console nor any other
command repeats it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import dg_protection_copy

NOTE = "under one cycle"


@pytest.fixture(scope="module")
def dg_study(shared_dir: Path, tmp_path_factory) -> Path:
    pytest.importorskip("opendssdirect")
    from protv2g.cli import main

    out = dg_protection_copy(shared_dir, tmp_path_factory, "dgsubcycle")
    assert main(["init", str(out / "DG_Prot_Fdr.dss"), "--site", "campus:bt:4:150"]) == 0
    return out / "study.yaml"


def test_validate_says_it_once_with_its_field(dg_study, capsys):
    from protv2g.cli import main

    capsys.readouterr()
    assert main(["validate", str(dg_study)]) == 0
    out, err = capsys.readouterr()
    lines = [x for x in (out + err).splitlines() if NOTE in x]
    assert len(lines) == 1, lines
    assert "recloser 'd': fast_curve 'dss-101' clears in 15.0 ms" in lines[0]
    assert ".fast_curve" in lines[0] and "fast_adder_s" in lines[0]
    assert not err.startswith("note:")


def test_run_writes_it_on_the_feeder_warnings_sheet_not_the_console(dg_study, tmp_path,
                                                                     capsys):
    from protv2g.cli import main

    wb = tmp_path / "dg.xlsx"
    capsys.readouterr()
    main(["run", str(dg_study), "--no-hosting", "-o", str(wb)])  # the gate fails: exit 1
    out, err = capsys.readouterr()
    assert NOTE not in out + err  # before: "note: recloser 'd': … [in 4 … slices]"
    sheet = pd.read_excel(wb, sheet_name="Feeder warnings")
    rows = sheet[sheet.astype(str).apply(lambda c: c.str.contains(NOTE)).any(axis=1)]
    assert len(rows) == 1, rows
    assert "recloser 'd'" in " ".join(rows.astype(str).iloc[0].tolist())
