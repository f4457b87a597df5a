"""The feeder head beside a regulator bank (review rev33c W1).

IEEE 37's open-delta regulator bank: ``reg1a`` (799.1–799.2 → 799r.1–799r.2) and ``reg1c``
(799.3–799.2 → 799r.3–799r.2) share phase B, which ``Line.Jumper`` (1-phase, 1 mΩ,
799.2–799r.2) ties across the bank. The branch 799→799r holds the two regulators and the
jumper; ``init`` took the jumper for the feeder head and drafted a relay on it that saw 0 A of
load and "0.00 kA" max fault (pickup 10 A). OpenDSS (the snapshot at the model's load): the
jumper carries 0 A (both its ends on node 2: the B-phase current flows in the regulators'
windings), ``Line.L35`` (799r → 701) 376 / 286 / 366 A — the feeder's current. The head is
L35's from end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .conftest import need_dss_master

pytest.importorskip("opendssdirect")

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study_draft.heads import feeder_heads  # noqa: E402

#: A 115/12.47 kV substation, then a regulator bank 'sub' → 'subr', then two line sections.
_BANK = {
    # IEEE 37's open delta: two 1-phase units on A–B and C–B, a jumper on B
    "open_delta": """
New Transformer.rega phases=1 windings=2 buses=(sub.1.2 subr.1.2) conns='delta delta'
~ kvs="12.47 12.47" kvas="5000 5000" XHL=1
New Transformer.regc like=rega buses=(sub.3.2 subr.3.2)
New Line.Jumper phases=1 bus1=sub.2 bus2=subr.2 r0=1e-3 r1=1e-3 x0=0 x1=0 c0=0 c1=0
""",
    # three 1-phase wye units (IEEE 13's bank), no line beside them
    "wye": """
New Transformer.rega phases=1 windings=2 buses=(sub.1 subr.1) conns='wye wye'
~ kvs="7.2 7.2" kvas="5000 5000" XHL=1
New Transformer.regb like=rega buses=(sub.2 subr.2)
New Transformer.regc like=rega buses=(sub.3 subr.3)
""",
}
_FEEDER = """Clear
New Circuit.bank basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=2000
New Transformer.subxf phases=3 windings=2 xhl=8
~ wdg=1 bus=src conn=delta kv=115 kva=10000 %r=1
~ wdg=2 bus=sub conn=wye kv=12.47 kva=10000 %r=1
{bank}
New Line.L1 phases=3 bus1=subr bus2=b1 r1=0.2 x1=0.4 r0=0.6 x0=1.2 length=1 units=km
New Line.L2 phases=3 bus1=b1 bus2=b2 r1=0.2 x1=0.4 r0=0.6 x0=1.2 length=1 units=km
New Load.ld1 bus1=b2 phases=3 kv=12.47 kw=2000 kvar=500
Set VoltageBases=[115 12.47]
CalcVoltageBases
"""


def _model(tmp_path: Path, bank: str):
    path = tmp_path / f"{bank}.dss"
    path.write_text(_FEEDER.format(bank=_BANK[bank]), encoding="utf-8")
    return load_dss_model(path)


@pytest.mark.parametrize("bank", ["open_delta", "wye"])
def test_the_head_is_the_first_line_branch_after_the_bank(tmp_path, bank) -> None:
    # before: the open delta's jumper (sub → subr) was the head; the wye bank's head L1
    model = _model(tmp_path, bank)
    heads = feeder_heads(model, {})
    assert [(h.element, h.terminal) for h in heads] == [("line.l1", 1)]
    names = model.buses.index
    assert (names[heads[0].bus], names[heads[0].far_bus]) == ("subr", "b1")


def test_a_line_beside_a_transformer_is_no_line_branch() -> None:
    from protv2g.study_draft.heads import _line_branch

    assert _line_branch([("line", 3)])
    assert not _line_branch([("transformer", 1), ("transformer", 2), ("line", 3)])
    assert not _line_branch([("autotrans", 1), ("line", 3)])
    assert not _line_branch([("transformer", 1)])


def test_ieee37_head_is_l35_not_the_regulator_jumper(shared_dir) -> None:
    master = need_dss_master(shared_dir / "feeders" / "opendss" / "37Bus" / "ieee37.dss")
    model = load_dss_model(master)
    heads = feeder_heads(model, {})
    assert [(h.element, h.terminal, h.protected_by, h.skipped) for h in heads] == [
        ("line.l35", 1, "", "")]
    assert model.buses.index[heads[0].bus] == "799r"
    # independent: OpenDSS's own snapshot at the model's load — the jumper carries nothing,
    # L35 the feeder's current (rev33c: 376 / 286 / 366 A)
    import opendssdirect as dss

    dss.Text.Command(f'compile "{master}"')
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Line.Jumper")
    assert max(dss.CktElement.CurrentsMagAng()[0::2]) < 1.0
    dss.Circuit.SetActiveElement("Line.L35")
    i_a = np.array(dss.CktElement.CurrentsMagAng()[0:6:2])
    assert i_a.max() > 300.0
