"""The Device duty sheet on an OpenDSS feeder takes C7's X/R (#21): the same sheet, and the
driving-point X/R solved only at the buses C7 did not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

import protv2g.checks.duty_rows as duty_rows_mod  # noqa: E402
from protv2g.checks import check_context  # noqa: E402
from protv2g.checks.duty import KnownDuty, check_duty  # noqa: E402
from protv2g.checks.duty_sheet import device_duty_table  # noqa: E402
from protv2g.network.fault_positions import close_in_study  # noqa: E402
from protv2g.pipeline import fault_tables, study_with_sites  # noqa: E402
from protv2g.scenarios import build_scenarios  # noqa: E402
from protv2g.study.loader import load_study  # noqa: E402
from tests.conftest import FEEDERS_DIR  # noqa: E402


@pytest.fixture(scope="module")
def dss_faults():
    study = study_with_sites(load_study(FEEDERS_DIR / "opendss_example" / "study.yaml"))
    sc = build_scenarios(study.document)
    return study, sc, fault_tables(study, sc)


def test_duty_sheet_reuses_c7_x_r(dss_faults, monkeypatch) -> None:
    given, sc, f = dss_faults
    assert given.model is not None
    # s22: the OpenDSS path's tables are on the model with close-in buses, as the checks'
    study = close_in_study(given, f.close_in)
    assert study.model is not given.model
    bases = {s.name for s in sc if s.is_base}
    plain = device_duty_table(study, f.device, bases)
    ctx = check_context(study, f, None, sc)
    check_duty(ctx)
    known = ctx.cache["duty_frame"]
    assert isinstance(known, KnownDuty) and known.model is study.model
    x_r = known.x_r(study.model)
    assert x_r and known.x_r(None) == {}
    solved: list[np.ndarray] = []
    real = duty_rows_mod.dss_driving_point_x_r

    def counting(model, buses, *method):  # noqa: ANN001, ANN002, ANN202
        solved.append(np.asarray(buses))
        return real(model, buses, *method)

    monkeypatch.setattr(duty_rows_mod, "dss_driving_point_x_r", counting)
    reused = device_duty_table(study, f.device, bases, known=known)
    pd.testing.assert_frame_equal(reused, plain, check_exact=True)
    asked = np.concatenate(solved) if solved else np.zeros(0, np.int64)
    assert not np.isin(asked, list(x_r)).any()     # only the buses C7 did not solve
    # a frame from another model gives no X/R
    assert known._replace(model=object()).x_r(study.model) == {}
