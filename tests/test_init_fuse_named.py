"""init says when a model draws fuses as lines named ``…FUSE…`` without ``Fuse`` elements
(review s20, EPRI ckt5: 110 such lines, no Fuse; the draft had no fuse, C1–C4 read "not
applicable" and a lateral site counted as behind the head relay)."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study_draft.notes import FUSE_NAMED_FIX, fuse_named_lines, model_notes  # noqa: E402

MASTER = """Clear
New Circuit.fz basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.trunk bus1=src bus2=b1 phases=3 r1=0.1 x1=0.3 r0=0.3 x0=0.9 length=1 units=km
New Line.lat7_fuse bus1=b1 bus2=b2 phases=1 switch=y
New Line.lat8_FUSE bus1=b1 bus2=b3 phases=1 switch=y
New Load.l2 bus1=b2.1 phases=1 kv=7.2 kw=50 kvar=10
New Load.l3 bus1=b3.1 phases=1 kv=7.2 kw=50 kvar=10
{fuse}
Set voltagebases=[12.47]
Calcvoltagebases
"""


def _model(tmp_path, fuse=""):
    (tmp_path / "Master.dss").write_text(MASTER.format(fuse=fuse))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dss_model(tmp_path / "Master.dss")


def test_fuse_named_lines_without_fuse_are_one_todo(tmp_path):
    m = _model(tmp_path)
    assert fuse_named_lines(m) == ["line.lat7_fuse", "line.lat8_fuse"]
    import pandas as pd

    none = pd.DataFrame(columns=["element", "name", "what", "action"])
    notes = [n for n in model_notes(m, none, none, set()) if n.fix == FUSE_NAMED_FIX]
    assert len(notes) == 1 and notes[0].todo
    assert notes[0].what.startswith("2 line(s) named like fuses (line.lat7_fuse, line.lat8_fuse)")


def test_a_fuse_element_on_the_line_silences_it(tmp_path):
    m = _model(tmp_path, "New Fuse.f7 MonitoredObj=Line.lat7_fuse MonitoredTerm=1 "
                         "FuseCurve=tlink RatedCurrent=25")
    assert fuse_named_lines(m) == ["line.lat8_fuse"]
