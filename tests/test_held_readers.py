"""The workbook's readers of the device-fault rows work on the rows held once per charger set
(#21, held36, :func:`protv2g.result_rows.device_rows`) and give what they give on the table of
every scenario: the fault index (every key's row values and stages), the TCCs' extremes, the
Pair coordination table, the Evidence's elements and 3I0, the lateral texts of C2 findings,
and the whole workbook (every sheet's cells) — on the depot with light and peak load and
0/3/6 MW (``tests/test_fault_twin_rows.py``'s study, as ``tests/test_lazy_result.py`` runs it).

Besides the run's own map, an altered map (the scenarios in reverse order, a scenario with V2G
showing a base case's rows) checks the order of the TCCs' devices and a held row counted on
both sides of base case / V2G. The reference is the same reader on the result whose fields
were read first (:meth:`HeldRows.expanded`, checked against the pipeline's tables of every
scenario in ``test_lazy_result.py``)."""

from __future__ import annotations

import dataclasses
import math
import pickle
import warnings
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report.derived import pair_table, result_findings
from protv2g.report.devices import devices_from_result
from protv2g.report.elements import FAULT_KEY, evidence_elements, fault_index
from protv2g.report.findings_backup import unseen_lateral_texts
from protv2g.report.tcc_extremes import device_extremes
from protv2g.report.tcc_sheets import plan_tcc
from protv2g.result_rows import HeldRows, device_rows
from protv2g.runner import run_study
from tests.test_fault_twin_rows import _depot, _stage_arrays

_FIELDS = ("fault_currents", "device_faults", "staged")


@pytest.fixture(scope="module")
def run():  # noqa: ANN201
    study, _, _, _ = _depot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, hosting=False)
    assert all(isinstance(result.__dict__[k], HeldRows) for k in _FIELDS)
    return result


def _altered(result):  # noqa: ANN001, ANN202
    """``result`` with its held rows under another map: the scenarios in reverse order, and
    the first scenario with V2G showing the first base case's rows."""
    result = pickle.loads(pickle.dumps(result))  # replace reads its fields: a copy's
    dev, stg = result.__dict__["device_faults"], result.__dict__["staged"]
    s = result.scenarios
    base = s.loc[s["is_base"].astype(bool), "scenario"].astype(str).tolist()
    v2g = s.loc[~s["is_base"].astype(bool), "scenario"].astype(str).tolist()
    twin_of = dict(reversed(list(dev.twin_of.items())))
    twin_of[v2g[0]] = dev.twin_of[base[0]]
    return dataclasses.replace(
        result, device_faults=HeldRows(dev.rows, twin_of),
        staged=HeldRows(stg.rows, twin_of, stg.labels))


@pytest.fixture(scope="module", params=["run's map", "altered map"])
def pair(request, run):  # noqa: ANN001, ANN201
    """(held, whole): the result with its rows held, and a copy read whole."""
    held = run if request.param == "run's map" else _altered(run)
    held = pickle.loads(pickle.dumps(held))  # the held form kept, the fixture's untouched
    whole = pickle.loads(pickle.dumps(held))
    for k in _FIELDS:
        getattr(whole, k)
    assert not any(isinstance(whole.__dict__[k], HeldRows) for k in _FIELDS)
    return held, whole


def _still_held(result) -> bool:  # noqa: ANN001
    return all(isinstance(result.__dict__[k], HeldRows) for k in ("device_faults", "staged"))


def test_the_held_rows_are_fewer_and_have_twins(pair) -> None:  # noqa: ANN001
    held, whole = pair
    rows = device_rows(held)
    assert rows.twin_of is not None and len(rows.faults) < len(whole.device_faults)
    assert device_rows(whole).twin_of is None


def test_fault_index_on_held_rows_finds_every_scenarios_row_values(pair) -> None:  # noqa: ANN001
    held, whole = pair
    fh, fw = fault_index(held), fault_index(whole)
    assert _still_held(held)
    keys = whole.device_faults[FAULT_KEY].astype(str)
    keys = pd.concat([keys, keys.head(3).assign(scenario="no such scenario")],
                     ignore_index=True)
    ph = fh.positions([keys[c] for c in FAULT_KEY])
    pw = fw.positions([keys[c] for c in FAULT_KEY])
    assert np.array_equal(ph < 0, pw < 0) and (pw < 0).sum() == 3
    ph, pw = ph[ph >= 0], pw[pw >= 0]
    a = fh.rows.faults.iloc[ph].drop(columns="scenario").reset_index(drop=True)
    b = whole.device_faults.iloc[pw].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for p, q in zip(_stage_arrays(fh.rows.staged.take(ph)),
                    _stage_arrays(whole.staged.take(pw)), strict=True):
        assert np.array_equal(p, q, equal_nan=True)
    for k in range(0, len(keys) - 3, 97):  # the one-key look-up, a sample
        key = tuple(keys.iloc[k])
        assert fh.rows.faults.iloc[fh.get(key)].drop("scenario").equals(
            whole.device_faults.iloc[fw.get(key)].drop("scenario"))
    assert fh.get(("no such scenario", *keys.iloc[0, 1:])) is None


def test_tcc_extremes_on_held_rows_are_every_scenarios(pair) -> None:  # noqa: ANN001
    held, whole = pair
    plan = plan_tcc(whole)
    got, want = device_extremes(held, plan), device_extremes(whole, plan)
    assert _still_held(held)
    assert any(v for v in want.values())
    assert list(got.items()) == list(want.items())  # the same figures, in the same order


def test_pair_table_and_evidence_elements_on_held_rows_are_every_scenarios(pair) -> None:  # noqa: ANN001
    held, whole = pair
    models, _ = devices_from_result(whole)
    got = pair_table(held, models, fault_index(held))
    want = pair_table(whole, models, fault_index(whole))
    assert len(want) and (want.filter(like="element").astype(str) != "").any().any()
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    evidence = result_findings(whole).evidence
    got = evidence_elements(held, evidence, models, fault_index(held))
    want = evidence_elements(whole, evidence, models, fault_index(whole))
    assert (want["elements"] != "").any() and want["i_device_3i0_a"].notna().any()
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert _still_held(held)


def test_unseen_lateral_texts_count_a_held_row_on_each_side_of_its_scenarios() -> None:
    """A held base-case block shown by a base case and by a scenario with V2G (an altered
    map): the recloser's base and V2G ranges both include its rows, as on the table of
    every scenario."""
    findings = pd.DataFrame({"finding": ["F08"], "criterion": ["C2"],
                             "mechanism": ["not seen by recloser"], "device": ["a"],
                             "other_device": ["f2"], "attribution": ["pre-existing"]})
    evidence = pd.DataFrame({"finding": ["F08"], "fault_bus": ["lat2"]})
    rows = []
    for scen, i_a, i_f in (("base/light", 0.089, 0.089), ("base/light", 0.140, 0.140),
                           ("firm/light/100%", 0.050, 0.091), ("firm/light/100%", 0.108, 0.142)):
        for dev, i in (("a", i_a), ("f2", i_f)):
            rows.append({"scenario": scen, "device": dev, "fault_bus_name": "lat2",
                         "fault_type": "SLG-a", "case": "min", "ia_ka": i, "ib_ka": 0.0,
                         "ic_ka": 0.0, "i3i0_ka": i})
    names = ["base/light", "base/peak", "firm/light/0%", "firm/light/100%"]
    frame = pd.DataFrame(rows).assign(scenario=lambda d: pd.Categorical(d["scenario"],
                                                                       categories=names))
    scenarios = pd.DataFrame({"scenario": names, "is_base": [True, True, False, False]})
    models = {"a": SimpleNamespace(settings=SimpleNamespace(phase_min_trip_a=200.0,
                                                            ground_min_trip_a=None))}
    for zero, v2g in (("base/light", "50–140 A"), ("firm/light/100%", "50–108 A")):
        twin_of = {"base/light": "base/light", "base/peak": "base/light",
                   "firm/light/0%": zero, "firm/light/100%": "firm/light/100%"}
        rows_held = HeldRows(frame, twin_of)
        held = SimpleNamespace(device_faults=rows_held, staged=None, scenarios=scenarios)
        whole = SimpleNamespace(device_faults=rows_held.expanded(), scenarios=scenarios)
        got = unseen_lateral_texts(findings, evidence, held, models)
        want = unseen_lateral_texts(findings, evidence, whole, models)
        assert got == want and list(got) == ["F08"]
        # 0 % showing base/light's rows: those rows are on the V2G side too
        assert f"a carries 89–140 A without V2G, {v2g} with V2G" in got["F08"]


def _cells(path) -> dict[str, list[tuple]]:  # noqa: ANN001
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)]
                for ws in book.worksheets}
    finally:
        book.close()


def _same(x, y) -> bool:  # noqa: ANN001
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return type(x) is type(y) and x == y


def test_the_workbook_of_held_rows_is_the_workbook_of_every_scenario(pair, tmp_path) -> None:  # noqa: ANN001
    held, whole = pair
    (tmp_path / "held").mkdir()
    (tmp_path / "whole").mkdir()
    a = held.to_excel(tmp_path / "held" / "depot.xlsx")
    assert _still_held(held)  # the workbook made no table of every scenario's device rows
    b = whole.to_excel(tmp_path / "whole" / "depot.xlsx")
    ca, cb = _cells(a), _cells(b)
    assert list(ca) == list(cb) and "Pair coordination" in ca
    for title, rows in ca.items():
        assert len(rows) == len(cb[title]), title
        for r, (p, q) in enumerate(zip(rows, cb[title], strict=True)):
            assert len(p) == len(q) and all(map(_same, p, q)), (title, r)
