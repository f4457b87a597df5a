"""The phase engine (OpenDSS feeders) raises the sequence engine's PLL note where it holds a
charger's PLL (review rev31 §7: on the IEEE 8500 study 76 rows carried ``pll_frozen`` and the
run printed no note, while the README promises one)."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np

from protv2g.cli import _PLL
from protv2g.engine.phase.study import _note_frozen
from protv2g.engine.pll_note import warn_pll_frozen
from protv2g.units import Case, FaultType


def _notes(frozen: np.ndarray) -> list[str]:
    rows = SimpleNamespace(
        fault_type=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND,
                    FaultType.SINGLE_LINE_GROUND, FaultType.SINGLE_LINE_GROUND],
        bus=np.array([4, 4, 4, 9]))  # SLG rows a and b at bus 4, then bus 9
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _note_frozen(rows, frozen, "expected/light/100%", Case.MAX)
    return [str(w.message) for w in caught]


def test_one_note_per_fault_type_counting_buses_not_rows():
    notes = _notes(np.array([True, True, True, True]))
    assert len(notes) == 2
    assert notes[0].startswith("1 fault bus(es) where the chargers' control cannot lock on")
    assert notes[0].endswith("(scenario expected/light/100%, max, 3ph)")
    assert notes[1].startswith("2 fault bus(es)")  # bus 4 (two phases) and bus 9
    assert notes[1].endswith("(scenario expected/light/100%, max, SLG)")
    assert all(_PLL in n for n in notes)  # the CLI adds the buses and the sheet


def test_no_rows_no_note_and_no_residual_unless_known():
    assert _notes(np.zeros(4, dtype=bool)) == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_pll_frozen(3, "s", Case.MIN, FaultType.THREE_PHASE)
        warn_pll_frozen(3, "s", Case.MIN, FaultType.THREE_PHASE, 2.5e-3)
        warn_pll_frozen(3, "s", Case.MIN, FaultType.THREE_PHASE, float("nan"))
    texts = [str(w.message) for w in caught]
    assert "residual" not in texts[0] and "residual" not in texts[2]
    assert "terminal voltage; smallest tracking residual 2.50e-03 pu): the" in texts[1]
