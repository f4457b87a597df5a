"""Figures as row columns, not read back from a row's message (session 51, design.md: "status
is data, never parsed from a message").

C9's *fails to trip* rows carry the directional element, the overcurrent element it controls
and, where it is blind for want of polarising voltage, that voltage and its minimum
(``directional_element``, ``oc_element``, ``v_polarising_pu``, ``v_polarising_min_pu``); the
hosting knife-edge text (:mod:`protv2g.hosting.knife_edge`) reads them, where it read the
message with regexes and said nothing once the wording changed.

The feeder: ``feeders/weak_end_of_line`` with R-HEAD forward-directional and its 67N given a
minimum polarising voltage no ground fault reaches (``ground_min_polarising_pu: 0.5``, |3V0|
≥ 1.5 pu; :mod:`tests.test_directional_backup`'s): its 67N declares none at every ground
fault, with V2G and without. Reference: the directional table's own figures (the decision
C9 judges) and the row's message, which says them in words.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from protv2g.checks import check_study
from protv2g.checks.attribution import base_scenarios
from protv2g.hosting.knife_edge import BASE_POL_COLUMN, knife_edge_text, with_pickup_excess
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios

from .test_directional_backup import _study


@pytest.fixture(scope="module")
def blind():
    """(violations, the checks' context) of the study with R-HEAD's 67N blind."""
    study = _study(True)
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # PLL frozen at close-in faults
        outcome = check_study(study, fault_tables(study, scs), None, scs)
    return outcome.violations, outcome.context


def _fails_to_trip(v: pd.DataFrame) -> pd.DataFrame:
    return v[(v.criterion == "C9") & (v.mechanism.astype(str) == "fails to trip")
             & (v.device.astype(str) == "R-HEAD")]


def test_c9_rows_carry_the_polarising_figures_their_message_says(blind) -> None:
    v, ctx = blind
    rows = _fails_to_trip(v)
    ground = rows[rows.directional_element.astype(str) == "67N"]
    assert len(ground), rows[["scenario", "message"]]
    assert set(ground.oc_element.astype(str)) == {"51G"}
    # the row's message says the same figures (3 significant digits)
    said = re.compile(r"\(\|3V0\| ([\d.eE+-]+) pu below its minimum ([\d.eE+-]+) pu\)")
    for r in ground.itertuples(index=False):
        got = said.search(str(r.message))
        assert got, r.message
        assert float(got.group(1)) == pytest.approx(r.v_polarising_pu, rel=5e-3)
        assert float(got.group(2)) == pytest.approx(r.v_polarising_min_pu, rel=5e-3)
        assert " 67N declares none " in str(r.message)
    assert ground.v_polarising_min_pu.astype(float).to_numpy() == pytest.approx(1.5)
    # the directional table's own figure, row by row (its decision is what C9 judges)
    d = ctx.cache["directional"]
    d = d[(d.device == "R-HEAD") & (d.element == "67N")].set_index(
        ["scenario", "fault_bus_name", "fault_type", "case"])
    ref = d.loc[list(zip(ground.scenario.astype(str), ground.fault_bus.astype(str),
                         ground.fault_type.astype(str), ground.case.astype(str),
                         strict=True)), "v_polarising_pu"].to_numpy(float)
    assert ground.v_polarising_pu.astype(float).to_numpy() == pytest.approx(ref, rel=1e-12)
    # NaN on every other row
    others = v.drop(index=ground.index)
    assert others.v_polarising_pu.isna().all() and others.v_polarising_min_pu.isna().all()


def test_the_knife_edge_reads_the_columns_not_the_message(blind) -> None:
    """With the message's wording gone the hosting text still says the element is blind
    without V2G too (old code: "" — the regexes found nothing)."""
    v, ctx = blind
    scen = list(v["scenario"].astype(str).unique())
    got = with_pickup_excess(v, ctx.devices, ctx.cache["directional"],
                             base_scenarios(list(ctx.scenarios.values()), scen))
    rows = _fails_to_trip(got)
    row = rows[(rows.directional_element.astype(str) == "67N")
               & (rows.attribution.astype(str) != "")
               & rows[BASE_POL_COLUMN].notna()]
    assert len(row), rows[["scenario", "attribution", BASE_POL_COLUMN]]
    r = dict(row.iloc[0], message="reworded")
    text = knife_edge_text(r, 1000.0)
    v_min, v_with = r["v_polarising_min_pu"], r["v_polarising_pu"]
    assert (f"the directional element is blind without V2G too (|3V0| {r[BASE_POL_COLUMN]:.3g} "
            f"pu without V2G, {v_with:.3g} pu with, its minimum {v_min:g} pu") in text
    assert "there its 51G reads" in text
