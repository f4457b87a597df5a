"""The feeder head on a feeder with a step-down transformer (review rev44b W2, M1).

A 34.5 kV trunk out of a 138/34.5 kV substation with a 34.5/12.47 kV step-down part-way down,
more buses below the step-down than on the trunk: ``feeder_heads`` took the feeder's level as
the mode of the primary buses' kV (12.47 kV), started at the step-down's secondary and called
the head ``line.d1`` "guarded by recloser rsd" — the trunk, its loads and a V2G site on it had
no device (gate ERROR). Expected (by hand, from the script): the head is the first line out of
the substation's feeder bus, the secondary of the source's transformer — ``line.m1`` here;
several when feeders leave the same bus. The same for a 12.47/4.16 kV conversion and a
25/12.47 kV step-down.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402
from protv2g.study_draft.draft import parse_site  # noqa: E402
from protv2g.study_draft.heads import feeder_heads  # noqa: E402

_LINE = "r1=0.12 x1=0.64 r0=0.44 x0=1.5 c1=0 c0=0 units=mi"


def _feeder(trunk_kv: float, down_kv: float, *, second_feeder: bool = False,
            down_conns: str = "wye wye") -> str:
    """138 kV source → substation transformer → ``sub`` (trunk_kv): trunk m1–m3 with loads,
    a step-down at m2 to d0 (down_kv, windings ``down_conns``) and six line sections d1–d6
    below it; optionally a second trunk b1 from ``sub``."""
    out = [
        "Clear",
        "New Circuit.sd basekv=138 pu=1.0 phases=3 bus1=src MVAsc3=2500 MVAsc1=2000",
        f"New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) "
        f"kvs=(138 {trunk_kv}) kvas=(30000 30000) xhl=10 %r=0.4",
    ]
    trunk = ["sub", "m1", "m2", "m3"]
    out += [f"New Line.{b} bus1={a} bus2={b} {_LINE} length=2"
            for a, b in zip(trunk, trunk[1:], strict=False)]
    out += [f"New Load.{b} bus1={b} phases=3 kv={trunk_kv} kw=1500 kvar=500" for b in ("m1", "m3")]
    out.append(f"New Transformer.sd phases=3 windings=2 buses=(m2 d0) conns=({down_conns}) "
               f"kvs=({trunk_kv} {down_kv}) kvas=(7500 7500) xhl=7 %r=0.6")
    down = ["d0", "d1", "d2", "d3", "d4", "d5", "d6"]
    out += [f"New Line.{b} bus1={a} bus2={b} {_LINE} length=1"
            for a, b in zip(down, down[1:], strict=False)]
    out += [f"New Load.{b} bus1={b} phases=3 kv={down_kv} kw=600 kvar=200" for b in down[2::2]]
    if second_feeder:
        out += [f"New Line.b1 bus1=sub bus2=b1 {_LINE} length=2",
                f"New Line.b2 bus1=b1 bus2=b2 {_LINE} length=2",
                f"New Load.b2 bus1=b2 phases=3 kv={trunk_kv} kw=1000 kvar=300"]
    out += [f"Set VoltageBases=(138, {trunk_kv}, {down_kv})", "CalcVoltageBases"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("trunk_kv", "down_kv"), [(34.5, 12.47), (12.47, 4.16), (24.9, 12.47)])
def test_the_head_is_the_first_line_out_of_the_substation(tmp_path: Path, trunk_kv: float,
                                                          down_kv: float) -> None:
    # before: line.d1 (the step-down's secondary), protected by the recloser on it
    path = tmp_path / "master.dss"
    path.write_text(_feeder(trunk_kv, down_kv), encoding="utf-8")
    model = load_dss_model(path)
    heads = feeder_heads(model, {"rsd": "line.d1"})
    assert [(h.element, h.terminal, h.protected_by, h.skipped) for h in heads] == [
        ("line.m1", 1, "", "")]
    assert model.buses.index[heads[0].bus] == "sub"


def test_several_feeders_from_the_substation_bus(tmp_path: Path) -> None:
    # before: line.d1 only; the two trunks out of 'sub' are the heads
    path = tmp_path / "master.dss"
    path.write_text(_feeder(34.5, 12.47, second_feeder=True), encoding="utf-8")
    heads = feeder_heads(load_dss_model(path), {"rsd": "line.d1"})
    assert [(h.element, h.protected_by) for h in heads] == [("line.b1", ""), ("line.m1", "")]


def test_init_drafts_the_trunk_head_and_counts_its_load(tmp_path: Path) -> None:
    # before: "none needed — line.d1 is guarded by recloser rsd"; the load-level TODO put the
    # trunk's 3,000 kW "on the source side of the feeder head … not this feeder's" (M1)
    path = tmp_path / "master.dss"
    path.write_text(_feeder(34.5, 12.47) + (
        "New Recloser.rsd monitoredobj=Line.d1 monitoredterm=1 phasetrip=400 groundtrip=200 "
        "phasefast=A phasedelayed=D groundfast=A grounddelayed=D numfast=2 shots=4 "
        "recloseintervals=(0.5,2,2)\n"), encoding="utf-8")
    site = parse_site("lot:m3:8:100")
    draft = draft_study(path, sites=[site])
    assert [p.entry["name"] for p in draft.proposals] == ["head-m1"]
    assert not draft.no_relay
    # loads by hand: trunk 2 × 1500 kW, below the step-down 3 × 600 kW
    assert "(4,800 kW: 4,800 kW behind head-m1;" in draft.text
    assert "other load" not in draft.text
