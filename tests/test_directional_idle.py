"""The "every charger idle" figures of a forward-directional relay credit no element its
directional control holds back there (review fix41d, "Noticed, left alone": idle-twin times),
and C5's idle judgement takes the attribution's rule, tolerance floors included (att41, "Left
open" 3).

The feeder: ``test_equipment_reach_sympathetic``'s — the 12.47 kV trunk with the depot's 2 MVA
YNd transformer at b2 (a zero-sequence source on the feeder) — with the head relay made
forward-directional (``directional: forward``, the default 67N: MTA −60°, |V0| ≥ 0.02 pu).
For a bolted ground fault on the substation bus the transformer feeds 0.7–1.1 kA of 3I0 back
through the head with no charger online: behind the head, so its 67N declares **reverse** and
its 51G, which would trip in ~0.6 s (C6's "the project's equipment's" row of that test), is
held back. Before, the idle figure credited the 51G (its time from the unmasked 3I0), so the
head's idle sympathetic trip was still called the equipment's although the remedy that row
names — a directional ground element at the head — is in place.

References, none computed by protv2g: the head's |3I0| and the substation bus's V0 with the
transformer in and no charger from OpenDSS (a fresh ``opendssdirect`` context,
``test_equipment_reach_sympathetic.opendss_fault``: loads off, capacitance out, source
1.1 pu, bolted fault), the direction by hand from the torque ``Re[3I0·conj(−3V0·e^{jMTA})]``
(< 0: reverse), and the IEEE C37.112-2018 moderately inverse time written out for the
non-directional head.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER, XF  # noqa: E402
from .test_equipment_reach_sympathetic import STUDY, _mi_s, opendss_fault  # noqa: E402

#: The V2G scenario of the study (its one export level).
SCENARIO = "expected/peak/100%"


def _context(where, directional: bool):
    from protv2g.checks._common import build_context
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios
    from protv2g.study.loader import load_study

    text = STUDY.replace("reclose_intervals_s: []}", "reclose_intervals_s: []"
                         + (", directional: forward}" if directional else "}"))
    (where / "study.yaml").write_text(text)
    study = load_study(where / "study.yaml")
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        faults = fault_tables(study, scs)
    return build_context(study, faults, None, scs)


@pytest.fixture(scope="module")
def contexts(tmp_path_factory):
    """(directional context, non-directional context, the feeder's folder)."""
    where = tmp_path_factory.mktemp("xidle")
    (where / "Master.dss").write_text(MASTER)
    (where / "depot_xf.dss").write_text(XF)
    return _context(where, True), _context(where, False), where


def _opendss_sub_fault(where, phases: str) -> tuple[complex, complex]:
    """OpenDSS, no charger, the transformer in, max case (1.1 pu source, bolted:
    ``test_equipment_reach_sympathetic.opendss_fault``): the head's (Line.l1's, into the
    line) 3I0 in A and the substation bus's V0 in V for a ground fault at sub on ``phases``."""
    dss = opendss_fault(where, "sub", phases, True, "max")
    dss.Circuit.SetActiveElement("Line.l1")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    i3i0 = complex((c[0:6:2] + 1j * c[1:6:2]).sum())
    dss.Circuit.SetActiveBus("sub")
    v = np.asarray(dss.Bus.Voltages(), dtype=float)
    v0 = complex((v[0:6:2] + 1j * v[1:6:2]).sum() / 3.0)
    return i3i0, v0


def _sub_rows(ctx) -> pd.DataFrame:
    f = ctx.faults
    on = ((f.device == "head") & (f.fault_bus_name == "sub") & (f["case"] == "max")
          & f.fault_type.isin(["SLG-a", "LLG-bc"]) & (f.scenario == SCENARIO))
    return f.loc[on, ["scenario", "device", "fault_bus", "fault_type", "case",
                      "fault_bus_name"]].sort_values("fault_type").reset_index(drop=True)


def test_idle_figure_credits_no_element_held_back(contexts) -> None:
    """Head at a substation-bus ground fault with every charger idle: 67N reverse (by hand
    from OpenDSS's 3I0 and V0), so no time and no operating current; the same head without
    directional control trips on its 51G at OpenDSS's 3I0 (IEEE MI by hand). Fails on the
    old code: the directional head's idle time was the 51G's, 0.6 s."""
    from protv2g.checks.equipment_rows import idle_times

    d, nd, where = contexts
    rows = _sub_rows(d)
    assert rows.fault_type.tolist() == ["LLG-bc", "SLG-a"]
    got, plain = idle_times(d, rows), idle_times(nd, _sub_rows(nd))
    mta = np.exp(1j * np.radians(-60.0))  # the 67N's default MTA (docs/directional-elements)
    for k, ft in enumerate(rows.fault_type):
        i3i0, v0 = _opendss_sub_fault(where, "a" if ft == "SLG-a" else "bc")
        assert abs(v0) / (12470.0 / np.sqrt(3.0)) > 0.02  # polarised: a decision is made
        assert (i3i0 * np.conj(-3.0 * v0 * mta)).real < 0.0  # reverse, by hand
        assert abs(i3i0) > 500.0  # the transformer's 3I0, over 5 × the 100 A 51G pickup
        # without directional control: the 51G's time at that 3I0
        assert plain.i_ground_a[k] == pytest.approx(abs(i3i0), rel=0.02)
        assert plain.t_op_s[k] == pytest.approx(_mi_s(abs(i3i0)), rel=0.01)
        # directional: held back, and the phases (I0 alone, ~3I0/3 < 400 A) do not pick up
        assert got.i_ground_a[k] == 0.0, ft
        assert np.isinf(got.t_op_s[k]), ft


def test_idle_sympathetic_trip_is_not_the_equipments_once_held_back(contexts) -> None:
    """C6's idle judgement of the head at that fault (the row as C6 makes it, against the
    substation's 1.0 s and a 0.2 s interval): the head does not trip idle, so the row is not
    the equipment's; without directional control it is (test_equipment_reach_sympathetic).
    Fails on the old code."""
    from protv2g.checks.equipment_rows import sympathetic_idle

    d, nd, _ = contexts
    for ctx, want in ((d, False), (nd, True)):
        bad = _sub_rows(ctx)
        hit, texts = sympathetic_idle(ctx, bad, np.full(len(bad), 0.2), 1.0)
        assert hit.tolist() == [want] * len(bad)
        assert all(("(67N) at head" in t) == want for t in texts)


def test_idle_pair_table_carries_the_idle_release(contexts) -> None:
    """The C1–C4 idle pairs read the same decision: the device table of a directional study
    carries each row's idle voltages, the idle tables time the released elements only."""
    from protv2g.checks.converter_sum import IDLE_VOLTAGE_COLUMNS
    from protv2g.checks.directional_release import RELEASED_COLUMN, idle_release
    from protv2g.checks.idle_pairs import _idle_table

    d, nd, _ = contexts
    assert set(IDLE_VOLTAGE_COLUMNS) <= set(d.faults.columns)
    assert not set(IDLE_VOLTAGE_COLUMNS) & set(nd.faults.columns)  # no directional relay
    f = d.faults
    at = np.flatnonzero(np.isfinite(f["ia_net_ka"].to_numpy(float)))
    table = idle_release(d, _idle_table(f, at, "net"))
    assert RELEASED_COLUMN in table.columns
    assert RELEASED_COLUMN not in idle_release(nd, _idle_table(nd.faults, at, "net")).columns


def test_reach_idle_takes_the_attributions_tolerance_floor(monkeypatch) -> None:
    """C5's idle judgement with the attribution's rule: a row without a data tolerance
    (NaN) judged with the numerical floor, max(1e-3, 1e-3·(factor + |m_base|)) = 1.2005e-3
    here — its base passing by 0.0005 (marginal) and the idle row at −0.0002, lowered by
    0.0007: within the floor, pre-existing as the attribution calls it, not the equipment's.
    Fails on the old code (its own copy took a missing tolerance as 0: "equipment")."""
    from types import SimpleNamespace

    from protv2g.checks import equipment_rows

    def fake(ctx, rows):  # I_idle / pickup = 1.1998: margin −0.0002 against 1.2
        return pd.DataFrame({"i_phase_a": np.full(len(rows), 119.98),
                             "i_ground_a": 0.0, "t_op_s": np.nan, "t_clear_s": np.nan})
    monkeypatch.setattr(equipment_rows, "idle_times", fake)
    ctx = SimpleNamespace(base_of={"base/light": "base/light", "v/light/100%": "base/light"},
                          cache={"grounded site transformers": {"depot": "depot_xf (YNd)"}})
    bad = pd.DataFrame({"scenario": ["v/light/100%"] * 2, "device": "head", "fault_bus": 3,
                        "fault_type": "3ph", "case": "min", "element": "phase",
                        "pickup_a": 100.0, "factor": 1.2, "tolerance": [np.nan, np.nan]})
    hit, _ = equipment_rows.reach_idle(ctx, bad, np.array([0.0005, 0.01]))
    # the second: base passes by 0.01, clear of the floor: lowered beyond it → new
    assert hit.tolist() == [False, True]
