"""init's TODO on the fault level at a feeder head, re-judged after a redirect (review rev48b
P2): on IEEE 34 a redirect gave the substation transformer its impedance and the source, the
head's fault fell from 2,797 kA to 4.37 kA, yet ``validate`` and the Summary kept listing
"the model's fault level 2,797 kA at head-l1 … above the largest breaker rating" as a value
to confirm. Only the implausible-source TODO was re-judged."""

from __future__ import annotations

from pathlib import Path

from protv2g.cli import main
from protv2g.study.loader import validated_study
from protv2g.study.stale_todos import fault_level_heads, is_out_of_date, refresh_model_todos
from protv2g.study.todos import todo_items
from protv2g.study_draft.redraft_ratings import head_fault_now

_MASTER = """Clear
New Circuit.c basekv=12.47 bus1=s pu=1.0 MVAsc3=200 MVAsc1=200 x1r1=8 x0r0=8
New Line.l1 bus1=s bus2=b1 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=1.0 c1=0 c0=0
New Load.ld bus1=b1 kv=12.47 kw=500 kvar=100
Set voltagebases=[12.47]
Calcvoltagebases
"""
_LEVEL = ("the model's fault level {ka} kA at r1 (12.47 kV), above the largest breaker rating "
          "63 kA (IEEE C37.06): its source or substation transformer impedance is close to ideal")


def _study(tmp_path: Path, redirect: str, ka: str = "2,797") -> Path:
    (tmp_path / "Master.dss").write_text(_MASTER)
    (tmp_path / "fix.dss").write_text(redirect)
    (tmp_path / "study.yaml").write_text(
        "name: tiny\nfeeder:\n"
        f"  # TODO: {_LEVEL.format(ka=ka)} | fix: give its nameplate impedance\n"
        "  opendss: Master.dss\n  redirects: [fix.dss]\n  adopt_devices: false\n"
        "devices:\n"
        "  - name: r1\n    kind: relay\n    location: {line: l1, end: from}\n"
        "    pickup_a: 100\n    curve: IEEE-VI\n    time_dial: 1.0\n"
        "    interrupting_rating_ka: 25  # TODO: assumed rating 25 kA: below the 2796.87 kA "
        "computed here | fix: give the nameplate rating\n"
        "v2g_sites:\n  - {name: lot, bus: b1, n_chargers: 4, p_charger_kw: 50}\n")
    return tmp_path / "study.yaml"


def test_fault_level_within_the_rating_is_out_of_date(tmp_path, capsys):
    path = _study(tmp_path, "! the source as given\n")
    issues, study = validated_study(path)
    assert issues == [] and study is not None
    todos = todo_items(path)
    assert fault_level_heads(todos) == ["r1"]
    head_ka = head_fault_now(study, todos)
    # by hand: 200 MVA at 12.47 kV is 200 / (√3 × 12.47) = 9.260 kA, × c 1.1 (IEC 60909
    # max) = 10.19 kA at the breaker's own terminal (the close-in fault)
    assert abs(head_ka["r1"] - 1.1 * 200 / (3 ** 0.5 * 12.47)) < 0.02
    items = refresh_model_todos(todos, study, None, head_ka)
    level = next(i for i in items if i.field.startswith("feeder"))
    assert is_out_of_date(level)
    assert "fault level at r1 is 10.18 kA" in level.message and "within" in level.message
    rating = next(i for i in items if "interrupting_rating_ka" in i.field)
    assert not is_out_of_date(rating) and "its figures are OUT OF DATE" in rating.message
    # without the figure (a caller that has none) the TODO is listed as written
    assert not any(is_out_of_date(i) for i in refresh_model_todos(todos, study))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 TODO comment(s) out of date" in out
    # the rating's stale figures, said at the end of its long message, named on a line
    assert ("1 of them quote figures now OUT OF DATE (feeder.redirects changed the model): "
            "devices[0].interrupting_rating_ka") in out
    assert "value(s) to confirm" in out and "fault level 2,797 kA" in out.split(
        "out of date")[-1]


def test_fault_level_still_above_the_rating_gets_its_figure_marked(tmp_path):
    # a head still above the largest breaker rating: the TODO stays to confirm, its figure
    # marked where it moved by more than 10 % (10.5 → 70 kA), left alone within 10 %
    path = _study(tmp_path, "! nothing\n", ka="10.5")
    issues, study = validated_study(path)
    todos = todo_items(path)
    items = refresh_model_todos(todos, study, None, {"r1": 70.0})
    level = next(i for i in items if i.field.startswith("feeder"))
    assert not is_out_of_date(level) and "its figures are OUT OF DATE" in level.message
    assert "fault level at r1 is 70.00 kA" in level.message
    quoted = _study(tmp_path, "! nothing\n", ka="72")
    items = refresh_model_todos(todo_items(quoted), study, None, {"r1": 74.2})
    level = next(i for i in items if i.field.startswith("feeder"))
    assert "OUT OF DATE" not in level.message  # 74.2 vs 72 kA: within 10 %
