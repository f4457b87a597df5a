"""The notes on buses with no path to ground name the grounding found next to them.

A grounded 12.47 kV trunk (Δ–Yg substation transformer ``sub``) with a Δ–Δ step-down ``sd`` to
a 4.16 kV section (:func:`tests.test_heads_stepdown._feeder`): the Feeder warnings / Model notes
row said "no path to ground … none if the feeder is a 3-wire (ungrounded) system by design",
the words of a whole ungrounded feeder, for a section of a grounded one. Now it names the
winding between and what grounds its other side. Checked against OpenDSS itself: the
zero-sequence short-circuit impedance at m2 (trunk) is finite, at d3 (behind ``sd``) it is
not (no zero-sequence path; ``Bus.Zsc0`` after ``Solve mode=faultstudy``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

odd = pytest.importorskip("opendssdirect")

from protv2g.flow.ungrounded_why import ungrounded_lines, ungrounded_rows  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from tests.test_heads_stepdown import _feeder  # noqa: E402

WORDS = ("transformer.sd (its m2 side grounded by transformer.sub) stands between these buses "
         "and the grounded part of the model, passing no zero sequence")


def _zsc0_ohm(text: str, bus: str) -> float:
    odd.Text.Command("Clear")
    odd.Text.Commands(text)
    odd.Text.Command("Solve mode=faultstudy")
    odd.Circuit.SetActiveBus(bus)
    r, x = odd.Bus.Zsc0()
    return abs(complex(r, x))


def test_a_delta_delta_section_names_the_grounding_next_to_it(tmp_path: Path) -> None:
    # the section's loads delta-connected: OpenDSS's fault study counts a wye load's star
    # point as a ground path, protv2g does not (flow.opendss_ground, step 2)
    text = _feeder(12.47, 4.16, down_conns="delta delta").replace(
        "kv=4.16 kw", "conn=delta kv=4.16 kw")
    # OpenDSS: the trunk has a zero-sequence path, the section behind sd none
    assert _zsc0_ohm(text, "m2") < 100.0
    assert _zsc0_ohm(text, "d3") > 1e4 * _zsc0_ohm(text, "m2")
    path = tmp_path / "master.dss"
    path.write_text(text, encoding="utf-8")
    model = load_dss_model(path)
    rows = ungrounded_rows(model, list(model.buses.index))
    bus = rows[rows.element == "bus"].iloc[0]
    assert set(bus["name"].split(", ")) == {f"d{i}" for i in range(7)}
    assert WORDS in bus["what"]
    assert any(WORDS in line for line in ungrounded_lines(model, list(model.buses.index)))


def test_a_grounded_feeder_has_no_row(tmp_path: Path) -> None:
    path = tmp_path / "master.dss"
    path.write_text(_feeder(12.47, 4.16), encoding="utf-8")   # wye-wye step-down
    model = load_dss_model(path)
    assert ungrounded_rows(model, list(model.buses.index)).empty
