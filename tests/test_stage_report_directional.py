"""The pandapower "Charger stages" table times a forward-directional relay on the elements its
directional control releases, as the checks (C1–C4, :mod:`protv2g.checks.directional_release`)
and the OpenDSS sheet (:mod:`protv2g.stage_report_dss`) do (review fix41d, "Noticed, left
alone": ``stage_report.findings_stage_table`` re-timed with ``stage_times``, no directional
control).

The feeder: ``feeders/depot_two_feeder`` with R-F1 ``directional: forward`` (as
``test_directional_depot``), the depot exporting 1 MW on F1 (firm, 100 %). At a 20 Ω SLG on
F1-B06 (minimum case) R-F1's 67N has no decision (|V0| under its 0.02 pu minimum: a solidly
grounded source and 20 Ω), the healthy phases b and c carry the depot's export towards the
substation (67P reverse) and the faulted phase a carries less than the 400 A pickup: the relay
does not trip. Before, the table credited its 51P on the healthy phases' 680 A of export
(2.96 s with the first cycle held). References, none computed by protv2g: |V0| against the
minimum and each phase's power direction ``Re(V·I*)`` from the engine's phasors, by hand;
the 51P time IEEE C37.112-2018 moderately inverse written out (TD 0.6, 400 A).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from protv2g.study.loader import load_study

from .conftest import REPO_DIR

STUDY = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"
SCENARIOS = {"export_levels_fraction": [0.0, 1.0], "participation": ["firm"],
             "load_levels": ["peak"]}


def _study(directional: bool):
    study = load_study(STUDY)
    devices = [dict(d, directional="forward") if directional and d["name"] == "R-F1" else d
               for d in study.raw["devices"]]
    return study.with_updates(devices=devices, scenarios=SCENARIOS)


def _table(directional: bool):
    from protv2g.stage_report import staged_device_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t = staged_device_table(_study(directional), "R-F1", "F1-B06", fault_types=["SLG"],
                                cases=["min", "max"], participation="firm",
                                export_fraction=1.0, load_level="peak")
    return t[t.stage == 0].set_index("case")


@pytest.fixture(scope="module")
def checks_rows():
    """R-F1's rows at F1-B06 SLG in firm/peak/100 %, as the checks time them."""
    from protv2g.checks._common import build_context
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios

    study = _study(True)
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ctx = build_context(study, fault_tables(study, scs), None, scs)
    f = ctx.faults
    on = ((f.device == "R-F1") & (f.fault_bus_name == "F1-B06") & (f.fault_type == "SLG")
          & (f.scenario == "firm/peak/100%"))
    return f[on].set_index("case")


def _mi_s(i_a: float, pickup_a: float = 400.0, td: float = 0.6) -> float:
    """IEEE C37.112-2018 moderately inverse, by hand."""
    return td * (0.0515 / ((i_a / pickup_a) ** 0.02 - 1.0) + 0.114)


def _phasor(row, mag: str, ang: str) -> complex:
    return float(row[mag]) * np.exp(1j * np.radians(float(row[ang])))


def test_held_back_relay_is_not_timed_in_the_stages_table(checks_rows) -> None:
    """Minimum case: nothing released (by hand from the phasors), no time in any column;
    the same relay without directional control: its 51P at the healthy phases' export
    current, IEEE MI by hand. Fails on the old code (2.96 s held, 7.99 s staged)."""
    row = checks_rows.loc["min"]
    assert float(row.v0_pu) < 0.02  # 67N: no decision (blinded)
    for p in "bc":  # healthy phases: the depot's export flows back to the substation
        s = _phasor(row, f"v{p}_pu", f"v{p}_degree") * np.conj(
            _phasor(row, f"i{p}_ka", f"i{p}_degree"))
        assert s.real < 0.0, p
    assert 1000.0 * float(row.ia_ka) < 400.0  # the faulted phase under the 51P pickup
    plain, directional = _table(False).loc["min"], _table(True).loc["min"]
    i_export_a = 1000.0 * max(float(row.ib_ka), float(row.ic_ka))
    assert plain.t_op_first_cycle_held_s == pytest.approx(_mi_s(i_export_a), rel=1e-3)
    assert np.isfinite(plain.t_op_staged_s)
    for c in ("t_op_staged_s", "t_op_high_s", "t_op_first_cycle_held_s", "t_op_today_s"):
        assert np.isinf(directional[c]), c
    # the currents shown stay those in the relay
    assert directional.i_phase_a == pytest.approx(plain.i_phase_a)


def test_released_relay_matches_the_checks_times(checks_rows) -> None:
    """Maximum case: 51G (67N forward) and phase a released, as the checks take it: the
    table's staged time is the checks' low-bracket time (within 1e-6: its own solve)."""
    from protv2g.checks.directional_release import RELEASED_COLUMN

    row = checks_rows.loc["max"]
    assert int(row[RELEASED_COLUMN]) != 0
    t = _table(True).loc["max"]
    assert t.t_op_staged_s == pytest.approx(float(row.t_op_low_s), rel=1e-6)
    assert np.isfinite(t.t_op_staged_s)
