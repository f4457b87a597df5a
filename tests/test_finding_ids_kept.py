"""Finding ids stay the same across ``recommend --apply`` and a re-run (review rev43c F5,
rev42c: IEEE 123b's F08 became F06 after the change, so "F03" in an engineer's notes named
another finding). The study written by ``--apply`` carries the ids of the study it was made
from (``finding_ids``, :mod:`protv2g.finding_ids`); its report, its ``recommend --finding``
and its terminal lines number the findings by them; a cleared finding's id is not reused.

On the depot study: clearing the C10 finding (RC-F1's first reclose, ``[0.5, 2, 2] → [3.5, 2,
2]``, as test_cli's ``recommend`` finds) left every later finding one number lower on the old
code. The reference is the first run's own Findings table: each finding of the re-run is
matched to it by its key (criterion, devices, mechanism, margin unit), not by its number.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from protv2g import load_study, run_study
from protv2g.cli import main
from protv2g.finding_ids import kept_ids, table_keys, with_kept_ids
from protv2g.findings import Findings
from protv2g.report.derived import result_findings

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "study.yaml"


def test_ids_survive_apply_and_rerun(tmp_path, capsys):
    before = result_findings(run_study(load_study(DEPOT))).findings
    was = dict(zip(table_keys(before), before["finding"], strict=True))
    c10 = before.loc[before["criterion"] == "C10", "finding"].iat[0]
    fixed = tmp_path / "fixed.yaml"
    assert main(["recommend", str(DEPOT), "--finding", c10, "--apply", "-o", str(fixed)]) == 0
    capsys.readouterr()
    assert "finding_ids:" in fixed.read_text()
    study = load_study(fixed)
    assert {e.id for e in study.document.finding_ids} == set(before["finding"])
    result = run_study(study)
    after = result_findings(result).findings
    ids = after["finding"].tolist()
    assert c10 not in ids                                   # cleared, its id not reused
    for key, fid in zip(table_keys(after), ids, strict=True):
        assert fid == was.get(key, fid), (key, fid, was.get(key))
    # the test means something: numbered afresh, a finding would have moved
    assert ids != [f"F{i:02d}" for i in range(1, len(ids) + 1)]
    # the workbook's Findings sheet says the same ids
    book = tmp_path / "fixed.xlsx"
    result.to_excel(book)
    rows = list(openpyxl.load_workbook(book, read_only=True)["Findings"].iter_rows(
        values_only=True))
    col = [str(h) for h in rows[0]].index("Finding")
    assert [r[col] for r in rows[1:] if r[col]] == ids
    # recommend --finding takes the kept id and names that finding
    kept = next(f for f in after.itertuples() if f.finding != f"F{ids.index(f.finding) + 1:02d}")
    assert main(["recommend", str(fixed), "--finding", kept.finding]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("R01 "))
    assert line.startswith(f"R01 {kept.finding} ") and kept.criterion in line


def _table(ids, keys):
    return pd.DataFrame({"finding": ids, "criterion": [k[0] for k in keys],
                         "device": [k[1] for k in keys], "other_device": [k[2] for k in keys],
                         "mechanism": "", "margin_unit": "s"})


def test_new_findings_take_the_next_free_id_and_evidence_follows():
    keys = [("C4", "R", "RC"), ("C10", "RC", "campus"), ("C5", "F", "x")]
    table = _table(["F01", "F02", "F03"], keys)
    kept = [{"id": "F07", "criterion": "C10", "device": "RC", "other_device": "campus",
             "mechanism": "", "margin_unit": "s"},
            {"id": "F09", "criterion": "C5", "device": "F", "other_device": "y",  # not a pair
             "mechanism": "", "margin_unit": "s"},
            {"id": "F12", "criterion": "C1", "device": "Z", "other_device": "W",
             "mechanism": "", "margin_unit": "s"}]                            # cleared
    assert kept_ids(table, kept).tolist() == ["F13", "F07", "F09"]
    evidence = pd.DataFrame({"finding": ["F01", "F01", "F02", "F03"], "evidence": list("abcd")})
    out = with_kept_ids(Findings(table, evidence), kept)
    assert out.evidence["finding"].tolist() == ["F13", "F13", "F07", "F09"]
    assert table["finding"].tolist() == ["F01", "F02", "F03"]            # input untouched
    assert with_kept_ids(Findings(table, evidence), []).findings is table


@pytest.mark.parametrize("text", ["name: s\n", "name: s\nfinding_ids: []\ngate: {}\n"])
def test_the_written_list_replaces_an_earlier_one(text):
    from protv2g.recommend.apply import with_finding_ids

    entry = {"id": "F01", "criterion": "C10", "device": "RC: 1", "other_device": "",
             "mechanism": "it's", "margin_unit": "s"}
    import yaml

    out = yaml.safe_load(with_finding_ids(text, [entry]))
    assert out["finding_ids"] == [entry] and out["name"] == "s"
