"""The checks' context reads bus names once (#21): ``CheckContext.bus_name`` gives
``study.bus_name`` for every bus, kept across brackets; unknown buses still raise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from protv2g.checks._common import build_context, in_bracket
from tests.test_checks_common import BUS, make_study, rows, scenarios


def test_bus_name_as_study(tmp_path: Path) -> None:
    study = make_study(tmp_path)
    study.net.bus.loc[BUS["B2"], "name"] = None  # a missing name: "None", as before
    ctx = build_context(study, rows(("base", "R1", "B1", "3ph", "max", 1000.0)), None,
                        scenarios())
    for b in study.net.bus.index:
        for key in (int(b), np.int64(b), np.uint32(b)):
            assert ctx.bus_name(key) == study.bus_name(key)
    assert ctx.bus_name(BUS["B2"]) == "None"
    assert "bus names" in in_bracket(ctx, "low").cache
    with pytest.raises(KeyError):
        ctx.bus_name(10_000)
