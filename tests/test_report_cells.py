"""Cells a reviewer reads (trust_report): floats to 10 significant digits, +inf operate times
as "never", the Settings sheet's ``at_tool_default`` and "n/a (not directional)", an empty
list in the Inputs sheet, the Summary's numbers; the side files keep full precision."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report.format import write_table
from protv2g.report.sheets import DATA_SHEETS, EMPTY_LIST, NOT_DIRECTIONAL, _flatten, _settings_view
from protv2g.report.summary_faults import num_text as _num  # moved out of summary.py (#polish)
from protv2g.report.table_rows import NEVER, cell_value, column_values, is_time_column
from protv2g.runner import at_tool_default
from protv2g.significant import round_significant
from protv2g.study.schema import FuseDevice, RelayDevice


def test_floats_to_ten_significant_digits():
    # before: 3622.370212095586 (the depot's Pair coordination I primary max)
    assert column_values(pd.Series([3622.370212095586, 0.01752146082026636, -114.5228717855694,
                                    np.nan], name="i_primary_a")) == [
        3622.370212, 0.01752146082, -114.5228718, None]
    assert cell_value(np.float64(1 / 3)) == 0.3333333333
    assert cell_value(7) == 7 and cell_value(True) is True  # ints and booleans unchanged
    # a nullable float column goes through cell_value: the same digits
    assert column_values(pd.Series([2 / 3, None], dtype="Float64", name="x")) == [
        0.6666666667, None]


def test_round_significant_equals_text_rounding():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(20_000) * 10.0 ** rng.integers(-30, 30, 20_000)
    want = np.array([float(f"{v:.10g}") for v in x])
    np.testing.assert_array_equal(round_significant(x), want)
    assert round_significant([0.0, np.inf, -np.inf]).tolist() == [0.0, np.inf, -np.inf]


@pytest.mark.parametrize(("column", "is_time"), [
    ("t_primary_s", True), ("t_backup_max_s", True), ("relay_t_trip_s", True),
    ("trip_depot_s", True), ("t_op_staged_s", True), ("margin_s", False),
    ("required_s", False), ("interval_max_s", False), ("worst_margin_s", False),
    ("t_primary", False), (3, False), ("t_start_s", False), ("t_end_s", False)])
def test_time_columns(column, is_time):
    assert is_time_column(column) is is_time


def test_infinite_trip_time_reads_never_and_the_column_stays_numeric():
    # before: 'inf' (the depot's Charger stages "Trip depot (s)", Flow directional "T
    # operate (s)")
    assert column_values(pd.Series([0.057, np.inf, -np.inf], name="trip_depot_s")) == [
        0.057, NEVER, "-inf"]
    assert column_values(pd.Series([1.0, np.inf], name="margin_s")) == [1.0, "inf"]
    assert column_values(pd.Series([0.5, np.inf], dtype=object, name="t_device_s")) == [
        0.5, NEVER]
    ws = openpyxl.Workbook().active
    write_table(ws, pd.DataFrame({"t_primary_s": [0.25, np.inf]}))
    assert ws["A2"].value == 0.25 and ws["A2"].data_type == "n"
    assert ws["A3"].value == "never" and ws["A3"].data_type == "s"


def test_at_tool_default_lists_the_settings_not_given():
    relay = RelayDevice.model_validate({
        "name": "R", "kind": "relay", "location": {"line": "L1", "end": "from"},
        "pickup_a": 400, "curve": "IEEE-MI", "time_dial": 0.6, "reset": "instantaneous"})
    listed = at_tool_default(relay).split(", ")
    assert "time_multiplier" in listed and "characteristic_angle_degree" in listed
    assert "reclose_intervals_s" in listed  # () taken as "does not reclose"
    # given ones (even at the default value) and absent (None) ones are not listed
    assert "reset" not in listed and "pickup_a" not in listed and "ground_curve" not in listed
    fuse = FuseDevice.model_validate({"name": "F", "kind": "fuse", "link": "65K",
                                      "location": {"line": "L1", "end": "from"}})
    assert at_tool_default(fuse) == ("interrupting_rating_basis, preload_factor, "
                                     "ambient_factor, time_adder_s")


def test_settings_view_not_directional():
    frame = pd.DataFrame({
        "device": ["R-F1", "R-D", "RC-F1"], "kind": ["relay", "relay", "recloser"],
        "directional": ["none", {"phase_elements": ["67P"]}, np.nan],
        "characteristic_angle_degree": [45.0, 30.0, np.nan],
        "at_tool_default": ["reset, characteristic_angle_degree, directional",
                            "reset, characteristic_angle_degree", "n_fast"]})
    view = _settings_view(frame)
    assert view["characteristic_angle_degree"].tolist()[:2] == [NOT_DIRECTIONAL, 30.0]
    assert np.isnan(view["characteristic_angle_degree"].iloc[2])
    assert view["at_tool_default"].tolist() == ["reset, directional",
                                                "reset, characteristic_angle_degree", "n_fast"]
    assert frame["characteristic_angle_degree"].iloc[0] == 45.0  # the result is not changed
    # an empty list (a relay's reclose_intervals_s: []) as the Inputs sheet shows it
    view = _settings_view(pd.DataFrame({"reclose_intervals_s": ["", "0.5, 2.0", np.nan],
                                        "at_tool_default": ["", "", ""]}))
    assert view["reclose_intervals_s"].tolist()[:2] == [EMPTY_LIST, "0.5, 2.0"]
    assert view["at_tool_default"].tolist() == ["", "", ""]
    spec = next(s for s in DATA_SHEETS if s.title == "Settings")
    assert "at_tool_default" in spec.columns


def test_inputs_empty_list():
    rows = dict(_flatten({"devices": [{"name": "R", "reclose_intervals_s": [],
                                       "x": [0.5, 2.0]}], "gate": {"criteria": []}}))
    assert rows["devices[0].reclose_intervals_s"] == EMPTY_LIST == "[] (empty list)"
    assert rows["devices[0].x"] == "0.5, 2.0" and rows["gate.criteria"] == EMPTY_LIST


def test_summary_numbers_in_prose():
    # before: "island_load_ratio 0.3333333333333333", "min-case ground faults 20.0 Ω", then
    # 10 digits ("0.3333333333"); prose at 4 significant digits since review s15
    assert _num(1 / 3) == "0.3333" and _num(20.0) == "20" and _num(0.5) == "0.5"
    assert _num("numerical") == "numerical" and _num(3) == "3"
