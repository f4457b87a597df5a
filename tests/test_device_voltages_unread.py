"""The faults stage asks the engine for the devices' fault voltages only where the device
table has their columns (#21, perf43a: without a forward-directional relay the engine filled
every kept row's first-cycle voltages and the table dropped them unread). Skipping them
changes no other value: the depot's tables with and without the phasor columns hold the
same rows and the same bits in every other column, and the same stages.

Reference: the same pipeline with the voltages computed (``phasors=True``, the path C9's
studies take), whose values the engine tests check against OpenDSS and pandapower."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from protv2g.engine.device_columns import PHASOR_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def _stage_arrays(st) -> dict:
    return {k: v for k, v in vars(st).items() if isinstance(v, np.ndarray)}


def test_no_voltages_same_values() -> None:
    from protv2g import load_study
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios

    path = ROOT / "feeders" / "depot_two_feeder" / "study.yaml"
    if not path.exists():
        pytest.skip("shipped examples absent")
    study = load_study(str(path))
    sc = build_scenarios(study.document)
    lean = fault_tables(study, sc, phasors=False, held=True)
    full = fault_tables(study, sc, phasors=True, held=True)
    assert not set(PHASOR_COLUMNS) & set(lean.device.columns)
    assert set(PHASOR_COLUMNS) <= set(full.device.columns)
    assert len(lean.device) > 1000  # the depot's kept rows, chargers' scenarios among them
    assert_frame_equal(lean.device, full.device[list(lean.device.columns)], check_exact=True)
    assert_frame_equal(lean.bus, full.bus, check_exact=True)
    assert lean.v1_pre_pu == full.v1_pre_pu
    assert lean.twin_of == full.twin_of
    for a, b in ((lean.staged, full.staged), (lean.staged_high, full.staged_high)):
        assert (a is None) == (b is None)
        if a is not None:
            x, y = _stage_arrays(a), _stage_arrays(b)
            assert x.keys() == y.keys() and x
            for k in x:
                assert np.array_equal(x[k], y[k], equal_nan=True), k
