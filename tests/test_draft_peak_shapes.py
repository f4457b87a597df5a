"""init's peak TODO says where the model's own loadshapes reach more than its snapshot (review
rev49a #7c: LVTestCase drafted peak = the 55 kW snapshot and light = 0.051 from its shapes,
whose coincident maximum is 57.36 kW — OpenDSS, yearly mode over the 1,440 steps with the
loads held at constant P: 57.356 kW at step 565, minimum 2.797 kW — and the TODO did not
say so).

The model here: two loads, 600 kW on shape ``sa`` and 400 kW on ``sb`` (daily, 24
points, 0.5 everywhere but hours 18 and 19: sa 1.2 and 1.0, sb 0.9 and 1.3). By hand: hour 18
600 × 1.2 + 400 × 0.9 = 1,080 kW, hour 19 600 × 1.0 + 400 × 1.3 = 1,120 kW — the coincident
maximum, 12.0 % above the 1,000 kW snapshot (the loads' own maxima would add to 1,240 kW);
the minimum 500 kW (light 0.5).
"""

from __future__ import annotations

import pytest

from protv2g.study_draft import draft_study

pytest.importorskip("opendssdirect")

_MASTER = """Clear
New Circuit.c basekv=12.47 bus1=s pu=1.0 MVAsc3=200 MVAsc1=200 x1r1=8 x0r0=8
New Line.l1 bus1=s bus2=b1 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=1.0 c1=0 c0=0
New Line.l2 bus1=b1 bus2=b2 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=1.0 c1=0 c0=0
New Loadshape.sa npts=24 interval=1 mult=({sa})
New Loadshape.sb npts=24 interval=1 mult=({sb})
New Load.la bus1=b1 kv=12.47 kw=600 pf=0.95 daily=sa
New Load.lb bus1=b2 kv=12.47 kw=400 pf=0.95 daily=sb
Set voltagebases=[12.47]
Calcvoltagebases
"""


def _shape(h18: float, h19: float) -> str:
    return " ".join(str(h18 if h == 18 else h19 if h == 19 else 0.5) for h in range(24))


def _peak_line(tmp_path, sa: str, sb: str) -> str:
    (tmp_path / "m.dss").write_text(_MASTER.format(sa=sa, sb=sb))
    text = draft_study(tmp_path / "m.dss").text
    assert "light_load_fraction: 0.5 " in text
    return next(x for x in text.splitlines() if "load_levels:" in x)


def test_the_peak_todo_names_the_shapes_larger_maximum(tmp_path):
    """Old code: the TODO said the snapshot only."""
    line = _peak_line(tmp_path, _shape(1.2, 1.0), _shape(0.9, 1.3))
    assert "peak = the model's own snapshot load (1,000 kW" in line
    assert ("the same loadshapes that give the light level reach a coincident 1,120.00 kW, "
            "12.0 % above this snapshot: kept at the snapshot") in line
    assert "'Set LoadMult=1.120' in a feeder.redirects script makes that the peak" in line


def test_no_word_when_the_shapes_stay_at_or_below_the_snapshot(tmp_path):
    line = _peak_line(tmp_path, _shape(1.0, 0.9), _shape(0.8, 1.0))
    assert "peak = the model's own snapshot load (1,000 kW" in line
    assert "loadshapes that give the light level reach" not in line
