"""The Device duty sheet on a pandapower feeder takes C7's X/R and κ (#21): the same sheet,
and the sequence network not built again when C7 solved every bus the sheet needs."""

from __future__ import annotations

import pandas as pd
import pytest

import protv2g.checks.duty_figures as duty_figures
from protv2g.checks import check_context
from protv2g.checks.duty import KnownDuty, check_duty
from protv2g.checks.duty_rows import known_x_r_kappa
from protv2g.checks.duty_sheet import device_duty_table
from protv2g.network.fault_positions import close_in_study
from protv2g.pipeline import fault_tables, study_with_sites
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study
from tests.conftest import FEEDERS_DIR


@pytest.fixture(scope="module")
def depot_faults():
    study = study_with_sites(load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml"))
    sc = build_scenarios(study.document)
    return study, sc, fault_tables(study, sc)


def test_duty_sheet_reuses_c7_x_r_kappa(depot_faults, monkeypatch) -> None:
    study, sc, f = depot_faults
    assert study.model is None
    bases = {s.name for s in sc if s.is_base}
    on = close_in_study(study, f.close_in)
    plain = device_duty_table(on, f.device, bases)
    ctx = check_context(study, f, None, sc)
    check_duty(ctx)
    known = ctx.cache["duty_frame"]
    assert isinstance(known, KnownDuty) and known.net is ctx.study.net
    got = known.x_r_kappa(ctx.study)
    assert got and known.x_r(None) == {}
    calls: list[int] = []
    real = duty_figures.driving_point_x_r

    def counting(net, buses, *args):  # noqa: ANN001, ANN002, ANN202
        calls.append(len(buses))
        return real(net, buses, *args)

    monkeypatch.setattr(duty_figures, "driving_point_x_r", counting)
    reused = device_duty_table(ctx.study, f.device, bases, known=known)
    pd.testing.assert_frame_equal(reused, plain, check_exact=True)
    assert calls == []  # every bus the sheet needs was C7's: no sequence network built
    # another net, or another fault method, gives nothing
    assert known._replace(net=object()).x_r_kappa(ctx.study) == {}
    assert known._replace(method="other").x_r_kappa(ctx.study) == {}


def test_known_x_r_kappa_needs_every_bus() -> None:
    known = {1: (2.0, 1.5), 2: (3.0, 1.6)}
    x_r, kappa = known_x_r_kappa(pd.Series([2, 1, 2]).to_numpy(), known)
    assert x_r.tolist() == [3.0, 2.0, 3.0] and kappa.tolist() == [1.6, 1.5, 1.6]
    assert known_x_r_kappa(pd.Series([1, 5]).to_numpy(), known) is None
    assert known_x_r_kappa(pd.Series([1]).to_numpy(), {}) is None
