"""init's note on fuses whose OpenDSS generic TCC_Curve is swapped for an EEI-NEMA link names
each fuse's own link (review rev44b M3).

Before: notes alike but for their numbers were one line with the first's text, so fuses of
40, 30 and 15 A on ``klink`` read "fla, flb, flcc: OpenDSS's generic TCC_Curve.klink at 40 A
→ the EEI-NEMA 40K link is used … (the others with other values)". Expected (the model's
ratings, by hand): 40 A → 40K, 30 A → 30K, 15 A → 15K; two fuses of the same rating share a
line (their fault currents, hence times, differ).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from protv2g.study_draft import draft_study  # noqa: E402
from protv2g.study_draft.notes import note_lines  # noqa: E402

_LINE = "r1=0.3 x1=0.6 r0=0.9 x0=1.8 c1=0 c0=0 units=km"
_MASTER = f"""Clear
New Circuit.fs basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=2000
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(10000 10000) xhl=8 %r=0.5
New Line.m1 phases=3 bus1=sub bus2=m1 {_LINE} length=1
New Line.m2 phases=3 bus1=m1 bus2=m2 {_LINE} length=1
New Line.ta phases=1 bus1=m1.1 bus2=ta.1 {_LINE} length=1
New Line.ta2 phases=1 bus1=m2.1 bus2=ta2.1 {_LINE} length=2
New Line.tb phases=1 bus1=m2.2 bus2=tb.2 {_LINE} length=1
New Line.tc phases=1 bus1=m2.3 bus2=tc.3 {_LINE} length=1
New Load.ta bus1=ta.1 phases=1 kv=7.2 kw=100 kvar=30
New Load.ta2 bus1=ta2.1 phases=1 kv=7.2 kw=100 kvar=30
New Load.tb bus1=tb.2 phases=1 kv=7.2 kw=100 kvar=30
New Load.tc bus1=tc.3 phases=1 kv=7.2 kw=60 kvar=20
New Fuse.fa monitoredobj=Line.ta monitoredterm=1 fusecurve=klink ratedcurrent=40
New Fuse.fa2 monitoredobj=Line.ta2 monitoredterm=1 fusecurve=klink ratedcurrent=40
New Fuse.fb monitoredobj=Line.tb monitoredterm=1 fusecurve=klink ratedcurrent=30
New Fuse.fc monitoredobj=Line.tc monitoredterm=1 fusecurve=klink ratedcurrent=15
Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""


def test_each_fuse_line_names_its_own_link(tmp_path: Path) -> None:
    path = tmp_path / "master.dss"
    path.write_text(_MASTER, encoding="utf-8")
    lines = [ln for ln in note_lines(list(draft_study(path).notes)) if "TCC_Curve.klink" in ln]
    heads = sorted(ln.split(" is used", 1)[0] for ln in lines)
    assert heads == [
        "fa, fa2: OpenDSS's generic TCC_Curve.klink at 40 A → the EEI-NEMA 40K link",
        "fb: OpenDSS's generic TCC_Curve.klink at 30 A → the EEI-NEMA 30K link",
        "fc: OpenDSS's generic TCC_Curve.klink at 15 A → the EEI-NEMA 15K link"]
