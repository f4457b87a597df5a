"""init on a model with no device to adopt and no feeder head to draft on (review rev44b F2).

The shared transformer-neutral-grounding case's master (a 115/12.47 kV substation, one line to
an empty bus, no Relay/Recloser/Fuse) stopped init with a traceback, ``ValueError: no devices
were given to phase_fault_study(..., devices=...)``: its one head is skipped as a lumped load
equivalent and there is nothing else. Expected: exit 2, the file named, why, and the fix; no
study written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from protv2g.cli import main  # noqa: E402

_SUB = """Clear
New Circuit.ner basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=1800 x1r1=10 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(20000 20000) xhl=10 %r=0.5
~ wdg=2 rneut=8 xneut=0
"""
_END = """Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""
_MODELS = {
    # transformer-neutral-grounding/master.dss as shipped: one line to an empty bus
    "lumped": "New Line.l1 bus1=sub bus2=b1 r1=1.8 x1=3.6 r0=3.6 x0=10.8 c1=0 c0=0 "
              "units=km length=1\n",
    # a load on the substation bus, no line at all
    "no_line": "New Load.s bus1=sub phases=3 kv=12.47 kw=1000 kvar=300\n",
}


@pytest.mark.parametrize("kind", sorted(_MODELS))
def test_init_says_why_nothing_can_be_drafted(tmp_path: Path, capsys, kind: str) -> None:
    # before: ValueError traceback (exit 1)
    master = tmp_path / "master.dss"
    master.write_text(_SUB + _MODELS[kind] + _END, encoding="utf-8")
    out = tmp_path / "study.yaml"
    assert main(["init", str(master), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{master}: nothing to draft: the model has no Relay, Recloser or Fuse" in err
    assert {"lumped": "line.l1 leads to b1", "no_line": "no line leaves the substation bus"
            }[kind] in err
    assert "Fix: model the feeder below its head" in err
    assert not out.exists()
