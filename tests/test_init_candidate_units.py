"""init's candidate table gives distances in km from each line's length unit (review rev42b
M3b: IEEE 37's lines give no ``units``; 701 was listed at "1.85 km", L35 being 1,850 ft =
0.56 km by the IEEE 37 data).

OpenDSS (checked here on the engine, not protv2g): a line without ``units`` takes its length
in its linecode's units — ``Lines.Units`` reads 0 (none) while the line's impedance is the
code's per-kft impedance × the length as written (``Bus.Zsc1`` across it); with no units on
the code either the length has no physical unit at all. So: a line ``length=2`` on a
``units=kft`` code is 2 × 0.3048 = 0.6096 km (hand); a model with no units anywhere gets its
distances marked as in the model's own unit, not km.
"""

from __future__ import annotations

import re

import pytest

dss = pytest.importorskip("opendssdirect")

HEAD = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.u basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200 x1r1=8 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(12000 12000) xhl=8.0 %loadloss=0.6
"""
TAIL = """\
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=2
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=trunk length=3
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1500 kvar=500
Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""
CODE = "New Linecode.trunk nphases=3 r1=0.058 x1=0.119 r0=0.147 x0=0.371 {units}\n"


def _table(text: str) -> list[str]:
    at = text.index("# Candidate V2G site buses")
    return [ln for ln in text[at:].splitlines() if ln.startswith("#")]


def _distance(text: str, bus: str) -> float:
    row = next(ln for ln in _table(text) if re.match(rf"^#   {bus}\s", ln))
    return float(row.split()[4])


def _write(tmp_path, units: str):
    master = tmp_path / "Master.dss"
    master.write_text(HEAD + CODE.format(units=units) + TAIL)
    return master


def test_a_line_without_units_is_in_its_linecodes_units(tmp_path):
    from protv2g.study_draft.draft import draft_study

    master = _write(tmp_path, "units=kft")
    dss.Basic.ClearAll()
    dss.Text.Command(f'compile "{master}"')
    dss.Lines.Name("l1")
    assert int(dss.Lines.Units()) == 0  # the line says none …
    dss.Text.Command("solve mode=faultstudy")  # … and its impedance is 2 × the code's per kft:
    dss.Circuit.SetActiveBus("b1")
    z_b1 = complex(*dss.Bus.Zsc1())
    dss.Circuit.SetActiveBus("sub")
    assert z_b1 - complex(*dss.Bus.Zsc1()) == pytest.approx(
        2 * complex(0.058, 0.119), rel=0.05)  # (the line charging moves it 3 %)
    text = draft_study(master).text
    assert _distance(text, "b1") == pytest.approx(0.61, abs=0.006)  # 2 kft = 0.6096 km
    assert _distance(text, "b2") == pytest.approx(1.52, abs=0.006)  # 5 kft = 1.524 km
    assert " km " in _table(text)[1] and not any("(dist:" in ln for ln in _table(text))


def test_a_model_without_any_length_unit_says_its_distances_are_not_km(tmp_path):
    from protv2g.study_draft.draft import draft_study

    text = draft_study(_write(tmp_path, "")).text
    table = _table(text)
    assert " km " not in table[1] and " dist " in table[1]
    assert _distance(text, "b1") == pytest.approx(2.0)  # as written
    note = next(ln for ln in table if ln.startswith("#   (dist:"))
    assert "the model's 2 lines give no length unit" in note


def test_a_switch_without_units_is_not_counted_and_a_bare_line_is_named(tmp_path):
    """Review rev51 #7b: a tie ``switch=yes`` (OpenDSS: length 0.001, no unit) was the one
    "line" without a unit, unnamed, and the note said its linecode had none too."""
    from protv2g.study_draft.draft import draft_study

    master = tmp_path / "Master.dss"
    tail = TAIL.replace("New Load.b2", "New Line.tie phases=3 bus1=b2 bus2=b3 switch=yes\n"
                        "New Load.b2")
    master.write_text(HEAD + CODE.format(units="units=km") + tail)
    table = _table(draft_study(master).text)
    assert not any(ln.startswith("#   (dist:") for ln in table)  # the switch adds nothing
    # a line with no unit beside ones on a km code: named
    tail = tail.replace("New Line.tie", "New Line.bare phases=3 bus1=b2 bus2=b4 r1=0.1 x1=0.2 "
                        "r0=0.3 x0=0.6 length=1\nNew Line.tie")
    master.write_text(HEAD + CODE.format(units="units=km") + tail)
    note = next(ln for ln in _table(draft_study(master).text) if ln.startswith("#   (dist:"))
    assert "1 of the model's 3 lines (line.bare) give no length unit" in note
    assert "and on its linecode where it has one" in note
