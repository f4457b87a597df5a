"""Findings on integer codes (issue #21): the codes of a column group its cells exactly as
their ``astype(str)`` text does (and the given codes as ``is_given`` reads them), and
``build_findings`` on codes keeps the rules of its text version — rows differing only in
load level collapse, ``None`` and ``""`` cells stay apart in the evidence but read as one
blank device, ``-0.0`` and ``0.0`` margins stay apart, index labels do not matter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.findings import EVIDENCE_COLUMNS, FINDING_COLUMNS, build_findings, finding_keys
from protv2g.text_codes import ColumnCodes, combine_codes, given_codes, numeric_codes, text_codes
from protv2g.violations import CheckStatus, is_given

_AWKWARD = [
    pd.Series(["a", None, np.nan, pd.NA, "b", "a", pd.NaT, "", "None", "nan"], dtype=object),
    pd.Series([1, 1.0, True, "1", None, 0.0, -0.0, np.float64("nan")], dtype=object),
    pd.Series([CheckStatus.FAIL, "fail", "warn", None], dtype=object),
    pd.Series([0.0, -0.0, np.nan, 1.5, 1.5, np.inf]),
    pd.Series([3, 1, 3, 2]),
    pd.Series(["x", "y", None, "x"], dtype="category"),
    pd.Series([], dtype=object),
    pd.Series(["only"], dtype=object),
]


@pytest.mark.parametrize("values", _AWKWARD)
def test_text_codes_write_each_cell_as_astype_str(values):
    codes, texts = text_codes(values)
    assert codes.shape == (len(values),)
    assert [str(t) for t in texts[codes]] == [str(t) for t in values.astype(str)]
    assert len(set(map(str, texts))) == len(texts)  # canonical: one code per text


@pytest.mark.parametrize("values", _AWKWARD)
def test_given_codes_read_cells_as_is_given(values):
    codes, texts = given_codes(*text_codes(values))
    expected = [str(v) if is_given(v) else "" for v in values]
    assert [str(t) for t in texts[codes]] == expected
    assert len(set(texts.tolist())) == len(texts)


def test_numeric_codes_group_as_the_text_of_the_floats():
    x = pd.Series([0.0, -0.0, np.nan, -np.nan, 0.1 + 0.2, 0.3, 0.3, np.inf, -np.inf])
    codes = numeric_codes(x)
    assert pd.Series(codes).groupby(x.astype(str).to_numpy()).nunique().eq(1).all()
    assert len(set(codes.tolist())) == x.astype(str).nunique()


def test_combine_codes_number_tuples_as_groupby_ngroup():
    rng = np.random.default_rng(3)
    parts = [rng.integers(0, k, 500) for k in (3, 1, 50, 7, 2 ** 20, 2 ** 21)]
    frame = pd.DataFrame({f"c{i}": p for i, p in enumerate(parts)})
    expected = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    assert np.array_equal(combine_codes(*parts), expected)
    assert np.array_equal(combine_codes(np.array([], dtype=np.int64)), np.array([]))


def test_column_codes_read_a_missing_column_as_none():
    cols = ColumnCodes(pd.DataFrame({"a": ["x", "y", "z"]}), np.array([2, 0]))
    assert cols.text("a")[1][cols.text("a")[0]].tolist() == ["z", "x"]
    assert cols.text("b")[1][cols.text("b")[0]].tolist() == ["None", "None"]
    assert cols.given("b")[1][cols.given("b")[0]].tolist() == ["", ""]
    assert cols.values("b").tolist() == [None, None]


def test_column_codes_give_plain_text_cells_from_their_codes():
    """#21: a coded column of plain ``str`` cells is taken from its texts (the Evidence's
    columns); any other column (a missing cell, a number, not coded yet) is not."""
    frame = pd.DataFrame({"a": ["x", "y", "x", "z"], "b": ["x", None, "y", "x"],
                          "c": [1, 2, 3, 4], "d": ["p", "q", "p", "q"]})
    cols = ColumnCodes(frame, np.array([3, 0, 2]))
    for col in ("a", "b", "c"):
        cols.text(col)
    pos = np.array([2, 0, 0])
    assert cols.cells("a", pos).tolist() == frame["a"].to_numpy()[cols.at[pos]].tolist()
    assert all(type(x) is str for x in cols.cells("a", pos))
    assert cols.cells("b", pos) is None and cols.cells("c", pos) is None
    assert cols.cells("d", pos) is None  # not coded: nothing to take it from


def _rows(**over) -> pd.DataFrame:
    base = {"criterion": ["C4", "C4"], "status": ["fail", "fail"], "attribution": ["new", "new"],
            "scenario": ["firm/light/100%", "firm/peak/100%"], "fault_bus": ["B2", "B2"],
            "fault_type": ["LL", "LL"], "case": ["min", "min"], "device": ["R1", "R1"],
            "other_device": ["RC", "RC"], "margin": [-0.2, -0.2], "margin_unit": ["s", "s"],
            "limit": [0.3, 0.3], "message": ["m", "m"]}
    base.update(over)
    return pd.DataFrame(base)


_SCEN = pd.DataFrame({"scenario": ["firm/light/100%", "firm/peak/100%"],
                      "participation": ["firm", "firm"], "load_level": ["light", "peak"],
                      "export_level": ["100%", "100%"], "is_base": [False, False],
                      "p_s_kw": [900.0, 900.0]})


def test_rows_differing_in_load_level_collapse():
    f = build_findings(_rows(), _SCEN)
    assert len(f.findings) == 1 and len(f.evidence) == 1
    assert f.evidence["load_levels"].tolist() == ["light, peak"]
    assert f.evidence["evidence"].tolist() == ["E0001"]
    assert f.findings["finding"].tolist() == ["F01"]
    assert f.findings["n_rows"].tolist() == [2]
    assert list(f.evidence.columns) == EVIDENCE_COLUMNS
    assert list(f.findings.columns) == FINDING_COLUMNS


def test_one_row_and_no_finding_rows():
    one = build_findings(_rows().iloc[:1], _SCEN)
    assert len(one.findings) == 1 and one.evidence["load_levels"].tolist() == ["light"]
    none = build_findings(_rows(status=["not_applicable", "ok"]), _SCEN)
    assert none.findings.empty and none.evidence.empty
    assert list(none.evidence.columns) == EVIDENCE_COLUMNS
    assert build_findings(_rows().iloc[:0]).findings.empty


def test_blank_cells_one_finding_apart_in_evidence():
    # None and "" are both a blank device (one finding) but different cells (two rows)
    f = build_findings(_rows(device=[None, ""]), _SCEN)
    assert len(f.findings) == 1
    assert f.findings["device"].tolist() == [""]
    assert len(f.evidence) == 2
    assert f.evidence["load_levels"].tolist() == ["light", "peak"]
    pair = build_findings(_rows(other_device=[np.nan, "RC"]), _SCEN)  # C4: a pair criterion
    assert pair.findings["other_device"].tolist() == ["", "RC"]


def test_signed_zero_and_nan_margins():
    f = build_findings(_rows(margin=[0.0, -0.0]), _SCEN)
    assert len(f.evidence) == 2  # "0.0" and "-0.0" are two margins, as their text
    f = build_findings(_rows(margin=[np.nan, np.nan]), _SCEN)
    assert len(f.evidence) == 1 and np.isnan(f.findings["worst_margin"].iloc[0])


def test_index_labels_do_not_matter():
    rows = pd.concat([_rows(), _rows(device=["R2", "R2"], margin=[-0.5, -0.1])],
                     ignore_index=True)
    plain = build_findings(rows, _SCEN)
    shuffled = build_findings(rows.set_axis([7, 3, 9, 1]), _SCEN)
    pd.testing.assert_frame_equal(plain.findings, shuffled.findings, check_exact=True)
    pd.testing.assert_frame_equal(plain.evidence, shuffled.evidence, check_exact=True)
    assert plain.findings["device"].tolist() == ["R2", "R1"]  # worst margin first


def test_finding_keys_blank_partner_outside_pair_criteria():
    rows = _rows(criterion=["C4", "C6"], other_device=["RC", "S1"])
    keys = finding_keys(rows)
    assert keys["partner"].tolist() == ["RC", ""]
    assert keys["criterion"].tolist() == ["C4", "C6"]
    assert keys.index.equals(rows.index)
