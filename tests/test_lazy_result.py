"""The result's fault tables held once per charger set and made whole on first read (#21,
lazy36, :mod:`protv2g.result_rows`): the Device duty sheet and the IEC sum computed on the
held rows and copied to the twins are the ones computed on the table of every scenario, and
``StudyResult.device_faults`` / ``fault_currents`` / ``staged`` read from held rows are the
tables of every scenario — on the depot study with light and peak load and 0/3/6 MW (as
``tests/test_fault_twin_rows.py`` sets it up), plain and with a site's interconnection
transformer (two engine calls).

The references are the code paths the change did not touch: :func:`device_duty_table` and
:func:`bus_iec_sum_ka` on the expanded tables (:meth:`FaultTables.expanded`, itself checked
against the pipeline's default tables in ``test_fault_twin_rows.py``) and the pipeline's
default tables of every scenario."""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import protv2g.checks as checks
from protv2g.checks.converter_sum import bus_iec_sum_ka
from protv2g.checks.duty_sheet import device_duty_table
from protv2g.network.fault_positions import close_in_study
from protv2g.result import StudyResult
from protv2g.result_rows import HeldRows, held_base_of
from protv2g.runner import run_study
from tests.test_fault_twin_rows import _depot, _stage_arrays


@pytest.fixture(scope="module", params=["plain", "site transformer"])
def checked(request, tmp_path_factory):  # noqa: ANN001
    folder = tmp_path_factory.mktemp("depot_ynd") if request.param != "plain" else None
    study, scenarios, held, flow = _depot(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, _, ctx = checks.check_study(study, held, flow, scenarios)
    known, base_of = ctx.cache.get("duty_frame"), dict(ctx.base_of)
    del ctx
    return study, scenarios, held, known, base_of


def _base_names(scenarios) -> set[str]:  # noqa: ANN001
    return {sc.name for sc in scenarios if sc.is_base}


def test_the_depot_has_twins_whose_base_is_their_held_scenarios(checked) -> None:
    _, _, held, _, base_of = checked
    assert held.twin_of and any(n != h for n, h in held.twin_of.items())
    bases = held_base_of(base_of, held.twin_of)
    assert bases is not None and set(bases) == set(held.twin_of.values())


@pytest.mark.parametrize("with_known", [True, False])
def test_duty_sheet_on_held_rows_is_the_sheet_of_every_scenario(checked, with_known) -> None:
    study, scenarios, held, known, _ = checked
    assert known is not None  # C7 ran: its rows are taken over (mapped to the held rows)
    known = known if with_known else None
    full = held.expanded()
    st = close_in_study(study, held.close_in)
    want = device_duty_table(st, full.device, _base_names(scenarios), known=known)
    got = device_duty_table(st, held.device, _base_names(scenarios), known=known,
                            twin_of=held.twin_of)
    assert len(want) and want.scenario.nunique() > 1
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_iec_sum_on_held_rows_is_the_sum_of_every_scenario(checked) -> None:
    _, _, held, _, base_of = checked
    full = held.expanded()
    want = bus_iec_sum_ka(full.bus, base_of)
    bus = held.bus.copy(deep=False)
    bus["ikss_iec_sum_ka"] = bus_iec_sum_ka(held.bus, held_base_of(base_of, held.twin_of))
    got = HeldRows(bus, held.twin_of).expanded()["ikss_iec_sum_ka"]
    assert np.isfinite(want.to_numpy()).sum() > 0
    pd.testing.assert_series_equal(got, want, check_exact=True)


def test_held_rows_expand_to_the_tables_of_every_scenario(checked) -> None:
    _, _, held, _, _ = checked
    full = held.expanded()
    pd.testing.assert_frame_equal(HeldRows(held.device, held.twin_of).expanded(),
                                  full.device, check_exact=True)
    pd.testing.assert_frame_equal(HeldRows(held.bus, held.twin_of).expanded(), full.bus,
                                  check_exact=True)
    st = HeldRows(held.staged, held.twin_of, held.device["scenario"].array).expanded()
    assert st.n_rows == len(full.device)
    for p, q in zip(_stage_arrays(st), _stage_arrays(full.staged), strict=True):
        assert np.array_equal(p, q, equal_nan=True)


def test_held_base_of_refuses_a_twin_whose_base_is_not_its_held_scenarios() -> None:
    twin_of = {"base/light": "base/light", "base/peak": "base/light",
               "v2g/light": "v2g/light", "v2g/peak": "v2g/light"}
    base_of = {"base/light": "base/light", "base/peak": "base/peak",
               "v2g/light": "base/light", "v2g/peak": "base/peak"}
    assert held_base_of(base_of, twin_of) == {"base/light": "base/light",
                                              "v2g/light": "base/light"}
    # base/peak with rows of its own: v2g/peak's base is not v2g/light's base's block
    split = {**twin_of, "base/peak": "base/peak"}
    assert held_base_of(base_of, split) is None
    assert held_base_of({**base_of, "v2g/peak": ""}, twin_of) is None  # no base vs a base
    assert held_base_of({**base_of, "v2g/light": "elsewhere"}, twin_of) is None


def test_run_study_result_tables_are_made_on_read_and_equal_every_scenarios(
        tmp_path) -> None:
    study, scenarios, held, _ = _depot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study)
    raw = {k: result.__dict__[k] for k in ("fault_currents", "device_faults", "staged")}
    assert all(isinstance(v, HeldRows) for v in raw.values())  # nothing made by the run
    full = held.expanded()
    got = result.fault_currents
    pd.testing.assert_frame_equal(got.drop(columns="ikss_iec_sum_ka"), full.bus,
                                  check_exact=True)
    assert result.fault_currents is got  # made once, kept
    pd.testing.assert_frame_equal(result.device_faults, full.device, check_exact=True)
    for p, q in zip(_stage_arrays(result.staged), _stage_arrays(full.staged), strict=True):
        assert np.array_equal(p, q, equal_nan=True)
    assert not any(isinstance(result.__dict__[k], HeldRows) for k in raw)
    # the duty sheet: the runner's (held rows) against the sheet on every scenario's rows
    want = device_duty_table(close_in_study(study, held.close_in), full.device,
                             _base_names(scenarios))
    pd.testing.assert_frame_equal(result.tables["Device duty"], want, check_exact=True)


def test_a_held_field_survives_pickle_and_replace_makes_it_whole() -> None:
    twin_of = {"a": "a", "a2": "a"}
    rows = pd.DataFrame({"scenario": pd.Categorical(["a", "a"], categories=["a", "a2"]),
                         "ikss_ka": [1.0, 2.0]})
    r = StudyResult("s", HeldRows(rows, twin_of), pd.DataFrame(), pd.DataFrame(),
                    pd.DataFrame(), {}, {}, device_faults=HeldRows(rows, twin_of))
    back = pickle.loads(pickle.dumps(r))
    assert isinstance(back.__dict__["device_faults"], HeldRows)
    assert back.fault_currents["scenario"].astype(str).tolist() == ["a", "a", "a2", "a2"]
    assert back.fault_currents["ikss_ka"].tolist() == [1.0, 2.0, 1.0, 2.0]
    other = dataclasses.replace(r, meta={"x": 1})  # reads the fields: made whole
    assert isinstance(other.__dict__["device_faults"], pd.DataFrame)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.device_faults = rows  # type: ignore[misc]
    # the default is a new frame per result, as ``field(default_factory=pd.DataFrame)``
    e1 = StudyResult("s", rows, rows, rows, rows, {}, {})
    e2 = StudyResult("s", rows, rows, rows, rows, {}, {})
    assert e1.device_faults.empty and e1.device_faults is not e2.device_faults
    assert e1.staged is None
