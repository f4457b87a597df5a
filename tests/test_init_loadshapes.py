"""The light-load fraction ``protv2g init`` takes from the model's loadshapes
(``protv2g/study_draft/loadshapes.py``).

Reference: hand sums of the shapes written below (OpenDSS Reference Guide: a load's ``yearly``
shape multiplies its ``kW``; a ``UseActual`` shape is in kW), and review s19 §3.7's figure for
EPRI ckt24 (0.209, the lumped ``Other_Feeders`` load left out).
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study_draft import draft_study, parse_site  # noqa: E402
from protv2g.study_draft.loadshapes import (  # noqa: E402
    DEFAULT_LIGHT_LOAD_FRACTION,
    light_load,
)

from .conftest import FEEDERS_DIR  # noqa: E402

HOURS = np.arange(24)
#: two daily-period shapes of 24 points: residential (minimum 0.25 at 04:00) and commercial
#: (minimum 0.40 at 02:00–05:00); their coincident minimum is not the sum of their minima
RES = 0.25 + 0.75 * np.clip(np.abs(HOURS - 4) / 14, 0, 1)
COM = np.where((HOURS >= 2) & (HOURS <= 5), 0.4, 0.9)
MASTER = """Clear
New Circuit.ls basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.l1 bus1=src bus2=b1 phases=3 r1=0.1 x1=0.3 r0=0.3 x0=0.9 length=1 units=km
New Line.l2 bus1=b1 bus2=b2 phases=3 r1=0.1 x1=0.3 r0=0.3 x0=0.9 length=1 units=km
New LoadShape.res npts=24 interval=1 mult=({res})
New LoadShape.com npts=24 interval=1 mult=({com}) {com_actual}
New Load.r bus1=b1 phases=3 kv=12.47 kw=1200 kvar=300 yearly=res
New Load.c bus1=b2 phases=3 kv=12.47 kw=800 kvar=200 yearly=com
New Load.u bus1=b2 phases=3 kv=12.47 kw={kw_unshaped} kvar=100
Set voltagebases=[12.47]
Calcvoltagebases
"""


def _model(tmp_path, kw_unshaped=100.0, com_scale=1.0, edit=lambda text: text):
    """The test feeder (``edit``: a change to MASTER's text before it is filled in)."""
    com = COM * com_scale
    text = edit(MASTER).format(res=" ".join(f"{x:.6f}" for x in RES),
                         com=" ".join(f"{x:.6f}" for x in com),
                         com_actual="useactual=yes" if com_scale != 1.0 else "",
                         kw_unshaped=kw_unshaped)
    (tmp_path / "Master.dss").write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dss_model(tmp_path / "Master.dss")


def test_coincident_minimum_by_hand(tmp_path):
    got = light_load(_model(tmp_path).engine)
    hand = np.min(1200 * RES + 800 * COM) / 2000           # the shaped loads' own total
    assert got.from_model
    assert got.fraction == pytest.approx(round(hand, 3), abs=1e-9)
    assert hand < (1200 * RES.min() + 800 * COM.min()) / 2000 + 0.2
    assert "coincident minimum" in got.source and "95 %" in got.source   # 2000 / 2100 kW


def test_use_actual_shape_is_divided_by_its_maximum(tmp_path):
    """A ``UseActual`` shape in kW (here 500 × the per-unit shape) reads as per unit of its
    maximum, applied to the load's kW as OpenDSS reports it (OpenDSS gives a load on such a
    shape the shape's kW: 450 here, not the 800 written)."""
    dss = _model(tmp_path, com_scale=500.0).engine
    dss.Loads.Name("c")
    kw_c = float(dss.Loads.kW())
    got = light_load(dss)
    hand = np.min(1200 * RES + kw_c * COM / COM.max()) / (1200 + kw_c)
    assert got.fraction == pytest.approx(round(hand, 3), abs=1e-9)
    assert hand != pytest.approx(np.min(1200 * RES + kw_c * 500 * COM) / (1200 + kw_c))


def test_mostly_unshaped_load_keeps_the_default(tmp_path):
    got = light_load(_model(tmp_path, kw_unshaped=3000.0).engine)   # 2000 of 5000 kW shaped
    assert not got.from_model
    assert got.fraction == pytest.approx(DEFAULT_LIGHT_LOAD_FRACTION)
    assert "40 %" in got.source


def test_lumped_loads_left_out(tmp_path):
    """The loads at an excluded bus (a lumped equivalent of other feeders) are left out."""
    got = light_load(_model(tmp_path).engine, frozenset({"b2"}))
    assert got.fraction == pytest.approx(round(RES.min(), 3), abs=1e-9)
    assert "left out" in got.source


def test_draft_writes_the_fraction_and_a_todo_for_the_default(tmp_path):
    """init writes the model's fraction with its source; the default is a TODO validate lists.
    With sites the draft adds the firm participation case (review s19 §3.5)."""
    _model(tmp_path)
    d = draft_study(tmp_path / "Master.dss", sites=[parse_site("lot:b2:10:50")])
    line = next(ln for ln in d.text.splitlines() if "light_load_fraction" in ln)
    hand = round(np.min(1200 * RES + 800 * COM) / 2000, 3)
    assert line.startswith(f"  light_load_fraction: {hand:g}   # the model's own loadshapes")
    assert "light_load_fraction" not in d.todos
    assert "  participation: [expected, firm]" in d.text.splitlines()
    example = tmp_path / "ex"
    example.mkdir()
    for f in ("Master.dss", "LineCodes.dss"):
        shutil.copy(FEEDERS_DIR / "opendss_example" / f, example / f)
    d = draft_study(example / "Master.dss")
    line = next(ln for ln in d.text.splitlines() if "light_load_fraction" in ln)
    assert line.startswith("  light_load_fraction: 0.3   # TODO: light_load_fraction: protv2g's")
    assert "light_load_fraction" in d.todos
    assert "  participation: [expected]" in d.text.splitlines()


#: A one-point flat loadshape (EPRI J1's ``Other``).
_FLAT = "New LoadShape.flat npts=1 interval=1 mult=(1)"


def test_flat_one_point_shapes_are_not_zero_coverage(tmp_path):
    """A 1-point shape (EPRI J1's ``Other``: ``npts=1 mult=(1)``) covers the whole year at one
    level: the draft says the load is on flat shapes (100 % here), never "cover 0 %", and keeps
    the default (a flat shape states no light load). Review s21, J1."""
    def edit(text):
        text = text.replace("yearly=res", "yearly=flat").replace("yearly=com", "yearly=flat")
        text = text.replace("New Load.r", _FLAT + "\nNew Load.r")
        return text.replace("kw={kw_unshaped} kvar=100", "kw={kw_unshaped} kvar=100 yearly=flat")

    got = light_load(_model(tmp_path, 100.0, edit=edit).engine)
    assert not got.from_model
    assert got.fraction == pytest.approx(DEFAULT_LIGHT_LOAD_FRACTION)
    assert "0 %" not in got.source.replace("100 %", "")
    assert "flat" in got.source and "100 %" in got.source and "whole day/year" in got.source


def test_mixed_flat_and_varying_shapes_say_both(tmp_path):
    """Varying shapes on 40 % of the kW, a flat shape on the rest: both shares are stated."""
    def edit(text):
        text = text.replace("kw={kw_unshaped} kvar=100", "kw={kw_unshaped} kvar=100 yearly=flat")
        return text.replace("New Load.r", _FLAT + "\nNew Load.r")

    got = light_load(_model(tmp_path, 3000.0, edit=edit).engine)
    assert not got.from_model
    assert "vary cover 40 %" in got.source and "60 % is on flat shapes" in got.source
