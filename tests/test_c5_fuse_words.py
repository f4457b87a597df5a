"""C5's messages of a fuse in a fuse's words, end to end (review rev29 §6: "while its
time-delayed element operates" and "× pickup" were said of a fuse): the residential example
with its minimum-case fault resistance raised to 100 Ω, so that its 40K lateral fuses (C5
pickup: their minimum melting current, the 300 s point of the minimum-melt curve, 80 A) do
not see the zone's faults with 1.5 ×; the recloser and relay rows keep their words."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import protv2g

STUDY = Path(__file__).resolve().parents[1] / "feeders" / "residential_evening_peak" / "study.yaml"


@pytest.fixture(scope="module")
def c5(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = protv2g.load_study(STUDY).with_updates(faults={"r_fault_min_ohm": 100.0})
        result = protv2g.run_study(study, hosting=False)
    v = result.violations
    path = result.to_excel(tmp_path_factory.mktemp("c5") / "c5.xlsx")
    return v[v.criterion.astype(str) == "C5"], path


def test_a_fuse_melts_and_has_a_minimum_melting_current(c5):
    rows, _ = c5
    fuse = rows[rows.device.astype(str) == "FU-LAT1"].message.astype(str).tolist()
    assert fuse and all(m.startswith("FU-LAT1 sees ") for m in fuse)
    assert all("× minimum melting current 80 A < 1.5 × minimum melting current" in m
               for m in fuse)
    assert not any("pickup 80 A" in m or "time-delayed element" in m for m in fuse)
    staged = [m for m in fuse if "sustained stage" in m]
    # where the chargers are: at their limit (low bracket), up to it (high) or below it
    # (the same current in both; review rev49a #7a)
    assert staged and all(" while it melts, " in m and any(
        f"sustained stage: the chargers {w}" in m for w in (
            "at their sustained limit while", "at up to their high sustained limit while",
            "below their sustained limit (the export's P/|V|")) for m in staged)
    relay = rows[rows.device.astype(str) == "RC-MID"].message.astype(str).tolist()
    assert relay and all(" × pickup " in m for m in relay)
    assert any("while its time-delayed element operates" in m for m in relay)


def test_the_fuse_words_reach_the_workbook(c5):
    from openpyxl import load_workbook

    rows, path = c5
    wb = load_workbook(path, read_only=True)
    texts = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
             for v in row if isinstance(v, str) and v.startswith("FU-LAT")}
    assert any("while it melts" in t for t in texts)
    assert not any("FU-LAT" in t.split(" sees ")[0] and "time-delayed element operates" in t
                   for t in texts)
