"""A Relay or Recloser with ``Shots=1``: one operation to lockout, no reclosing (review rev44b F1).

OpenDSS (Relay and Recloser property help): "Shots: Number of shots to lockout. … This is one
more than the number of reclose intervals." With ``Shots=1`` OpenDSS prints a Relay's
``RecloseIntervals`` as ``[NONE]`` (a Recloser's as ``[]``; checked with opendssdirect, DSS
C-API 0.14.5): reading ``[NONE]`` as numbers crashed init, validate and run with a traceback
(``ValueError: could not convert string to float: 'NONE'``). Expected by hand: no reclose
intervals, a recloser's one operation its only shot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytest.importorskip("opendssdirect")

from protv2g.study_draft import draft_study  # noqa: E402

_MASTER = """Clear
New Circuit.nr basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=2000
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(10000 10000) xhl=8 %r=0.5
New Line.l1 phases=3 bus1=sub bus2=b1 r1=0.2 x1=0.4 r0=0.6 x0=1.2 length=2 units=km
New Line.l2 phases=3 bus1=b1 bus2=b2 r1=0.2 x1=0.4 r0=0.6 x0=1.2 length=2 units=km
New Line.l3 phases=3 bus1=b2 bus2=b3 r1=0.2 x1=0.4 r0=0.6 x0=1.2 length=2 units=km
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1500 kvar=400
New Load.b3 bus1=b3 phases=3 kv=12.47 kw=1000 kvar=300
New Relay.rh monitoredobj=Line.l1 monitoredterm=1 type=current phasecurve=very_inv
~ groundcurve=very_inv phasetrip=450 groundtrip=120 tdphase=2 tdground=2 shots=1
New Recloser.rm monitoredobj=Line.l3 monitoredterm=1 phasetrip=200 groundtrip=100
~ phasefast=A phasedelayed=D groundfast=A grounddelayed=D numfast=1 shots=1
Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""


def test_shots_1_is_no_reclosing(tmp_path: Path) -> None:
    # before: ValueError 'NONE' from the relay's RecloseIntervals
    path = tmp_path / "master.dss"
    path.write_text(_MASTER, encoding="utf-8")
    draft = draft_study(path)
    devices = {d["name"]: d for d in yaml.safe_load(draft.text)["devices"]}
    assert devices["rh"]["reclose_intervals_s"] == []
    rm = devices["rm"]
    assert rm["reclose_intervals_s"] == []
    assert rm["n_fast"] + rm["n_delayed"] == 1
