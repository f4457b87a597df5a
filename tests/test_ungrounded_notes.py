"""The reasons fault buses have no path to ground reach the workbooks as data (review inp43,
left open in session 43): ``faults MASTER.dss`` printed them on the terminal only; now
``run``'s Feeder warnings sheet (the model notes of a study, ``Study.feeder_warnings`` and
what the run adds) and ``faults -o``'s Model notes sheet carry the same rows
(:func:`protv2g.flow.ungrounded_why.ungrounded_rows`: ``element, name, what, action``).

The feeder is rev43b's F3 case (``test_faults_cli.test_faults_says_why_a_feeder_is_ungrounded``):
a Dyn substation whose star point sub.4 is grounded through a neutral reactor typed onto bus
'sbu' — a new, isolated bus — so nothing grounds it. The reference is OpenDSS itself: its
SLG current at sub and b1 with the typo (< 1 A, the lines' charging current; none here, c=0)
against ≈ 0.9 kA with the reactor on sub (rev43b's hand check 888.6 A).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g.cli import main  # noqa: E402
from protv2g.study import load_study  # noqa: E402

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.ner basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=1800 x1r1=10 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub.1.2.3.4) conns=(delta wye)
~ kvs=(115 12.47) kvas=(20000 20000) xhl=10 %r=0.5
New Reactor.ngr phases=1 bus1={bus}.4 bus2={bus}.0 R=8 X=0.001
New Linecode.oh nphases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0 units=km
New Line.l1 bus1=sub bus2=b1 linecode=oh length=3 units=km
New Line.l2 bus1=b1 bus2=b2 linecode=oh length=2 units=km
New Load.b2 bus1=b2 phases=3 conn=delta kv=12.47 kw=1500 kvar=500
Set VoltageBases=(115, 12.47)
CalcVoltageBases
Solve
"""
STUDY = """\
name: ngr
feeder: {opendss: Master.dss}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 400,
     curve: IEEE-VI, time_dial: 0.5, ground_pickup_a: 300, ground_curve: IEEE-VI,
     ground_time_dial: 0.5, interrupting_rating_ka: 20, reclose_intervals_s: []}
v2g_sites:
  - {name: lot, bus: b2, n_chargers: 4, p_charger_kw: 125}
scenarios: {export_levels_fraction: [0.0, 1.0], participation: [expected],
            load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""


def _folder(tmp_path: Path, bus: str) -> Path:
    out = tmp_path / bus
    out.mkdir()
    (out / "Master.dss").write_text(MASTER.format(bus=bus))
    (out / "study.yaml").write_text(STUDY)
    return out


def _reasons(notes: pd.DataFrame) -> dict[str, str]:
    return {str(n): str(w) for n, w in zip(notes["name"], notes["what"], strict=True)}


def test_run_feeder_warnings_say_why_buses_have_no_ground_path(tmp_path):
    from protv2g.runner import run_study

    typo = run_study(load_study(_folder(tmp_path, "sbu") / "study.yaml"))
    w = typo.tables["Feeder warnings"]
    said = _reasons(w)
    buses = w[w["element"] == "bus"]
    assert len(buses) == 1 and set(str(buses["name"].iat[0]).split(", ")) == {"sub", "b1", "b2"}
    assert buses["what"].iat[0].startswith("no path to ground")
    assert "star point on sub.4, which nothing grounds" in said["transformer.sub"]
    assert "so it grounds nothing" in w.loc[w["element"] == "reactor", "what"].str.cat()
    # OpenDSS's side of it: SLG at sub ≈ 0 A with the typo, the run's own fault table
    f = typo.fault_currents
    slg = f[(f["fault_kind"] == "SLG") & (f["bus_name"] == "sub")]
    assert float(slg["ikss_ka"].max()) < 1e-3
    # grounded through the reactor on sub: no such rows
    grounded = run_study(load_study(_folder(tmp_path, "sub") / "study.yaml"))
    w = grounded.tables.get("Feeder warnings")
    assert w is None or not (w["element"] == "bus").any()
    assert w is None or "transformer.sub" not in set(w["name"])


def test_faults_workbook_model_notes_carry_the_reasons(tmp_path, capsys):
    folder = _folder(tmp_path, "sbu")
    out = tmp_path / "faults.xlsx"
    assert main(["faults", str(folder / "Master.dss"), "--method", "classical",
                 "--fault-types", "SLG", "--cases", "max", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    notes = pd.read_excel(out, sheet_name="Model notes")
    notes.columns = notes.columns.str.lower()          # the sheet's headers: Element, Name…
    said = _reasons(notes)
    assert "star point on sub.4, which nothing grounds" in said["transformer.sub"]
    assert said["transformer.sub"] in printed          # the same words as the terminal's
    assert (notes["element"] == "bus").sum() == 1


@pytest.mark.parametrize("variant, hit", [
    ("master_n4_rneut8.dss", []), ("master_n4_reactor.dss", []),
    ("master_n4_floating.dss", ["b1", "sub"])])
def test_a_star_point_grounded_by_its_own_rneut_is_not_floating(shared_dir, variant,
                                                                  hit) -> None:
    """Review rev46b M2: the shared case's star point on ``sub.4`` grounded by the winding's
    own ``rneut=8`` gives SLG 888.6 A at sub (its README, OpenDSS), but ``faults`` also said
    "2 fault bus(es) with no path to ground (SLG ≈ 0 A): b1, sub" and told the user to fix a
    star point "which nothing grounds". Only the ``_floating`` variant (OpenDSS 3e-6 A) is."""
    from protv2g.flow.ungrounded_why import ungrounded_lines
    from protv2g.network.dss_model import load_dss_model

    model = load_dss_model(shared_dir / "cases" / "transformer-neutral-grounding" / variant)
    lines = ungrounded_lines(model, ["sub", "b1"])
    if not hit:
        assert lines == []
        return
    assert lines[0].startswith("2 fault bus(es) with no path to ground")
    assert "which nothing grounds" in "\n".join(lines)
