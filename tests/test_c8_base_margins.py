"""C8 rows whose base case passes are attributed on the base's margin (review ver34 N3: IEEE
8500 at a true 30 % light load, fuse ln5985355-3 12.9814 A without V2G and 13.0081 A with the
campus exporting, against 13.0 A = minimum melt / 1.5: "made worse by V2G" on a 0.027 A change,
a sixth of the row's 0.156 A tolerance).

Hand: the limit 13.0 A; base margin 13.0 − 12.9814 = 0.0186 A (< the tolerance: a marginal
base); change 0.0267 A (< the tolerance) → pre-existing (attribution's rule for a passing base,
:mod:`protv2g.checks.attribution`); with a base at 11.0 A (margin 2.0 A, clear of the tolerance)
the same V2G row is new.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

import protv2g.checks.load_margins as lm
from protv2g.checks.attribution import attribute
from protv2g.violations import VIOLATION_COLUMNS


def _ctx(i_base_a: float) -> SimpleNamespace:
    flow = pd.DataFrame({"scenario": ["base/light", "base/light", "v2g/light"],
                         "device": ["F1", "F1", "F1"], "step": [0, 1, 0],
                         "i_a": [i_base_a - 1.0, i_base_a, 13.0081]})
    return SimpleNamespace(flow={"device": flow}, base_of={"v2g/light": "base/light"},
                           devices={"F1": object()},
                           thresholds=SimpleNamespace(load_pickup_factor=1.5))


def _row() -> pd.DataFrame:
    row = {c: None for c in VIOLATION_COLUMNS}
    row.update(criterion="C8", status="fail", scenario="v2g/light", fault_bus="",
               fault_type="", case="", device="F1", other_device="", margin_unit="A",
               rule="", margin=13.0 - 13.0081, limit=13.0, tolerance=0.012 * 13.0081,
               attribution=None)
    return pd.DataFrame([row])


@pytest.mark.parametrize(("i_base_a", "expected"), [(12.9814, "pre-existing"), (11.0, "new")])
def test_c8_base_margin_decides_the_attribution(monkeypatch, i_base_a, expected) -> None:
    monkeypatch.setattr(lm, "phase_pickup_a", lambda d: 19.5)  # 19.5 / 1.5 = 13.0 A
    monkeypatch.setattr(lm, "ground_pickup_a", lambda d: None)
    margins = lm.load_margins(_ctx(i_base_a))
    assert margins.margin.tolist() == pytest.approx([13.0 - i_base_a])  # the base's worst step
    out = attribute(_row(), {"v2g/light": "base/light", "base/light": "base/light"}, margins)
    assert out.attribution.iat[0] == expected
    # without the margins (C8 before): a passing base is never seen, the row is new
    assert attribute(_row(), {"v2g/light": "base/light"}).attribution.iat[0] == "new"
