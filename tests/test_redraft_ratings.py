"""``protv2g init --redraft`` re-drafts the interrupting ratings init drafted, on the model as
the study now stands (review rev33b F1: after ``Edit Vsource.source MVAsc3=…`` in a redirect,
IEEE 123's head rating TODO still said "63 kA … below the 21907.72 kA computed here").

The feeder: the project's OpenDSS example without its protective devices (init drafts a relay
``head-l1`` at the head and a 15 kV class breaker rating for it). The user then gives the
substation transformer's nameplate in a redirect (``Edit Transformer.sub kvas=(30000 30000)
xhl=8``; the bare model, its ``~`` lines dropped, has OpenDSS's default 1 MVA, 7 %): the head's
fault rises from 1.6 kA and the drafted rating must follow. The expected fault is
OpenDSS's own (``Bus.Zsc1``/``Zsc0`` at the head's bus, loads, capacitor and PV out, as
IEC 60909-0's calculation assumptions neglect non-rotating loads and shunt admittances
(recalled) — the PV sits behind the head
and feeds no current through it), × c_max = 1.1 (IEC 60909-0 Table 1, 1–35 kV), the larger
of the three-phase ``c·U/(√3·|Z1|)`` and the single-line-to-ground ``3·c·U/(√3·|2Z1 + Z0|)``
(IEC 60909-0 eq. 29/52, with Z2 = Z1).
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("opendssdirect")

import opendssdirect as dss  # noqa: E402

from protv2g.cli import main  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402

from .test_redraft import _bare_model  # noqa: E402

FIX = "Edit Transformer.sub kvas=(30000 30000) xhl=8\n"
#: IEEE C37.06-2009 outdoor preferred ratings, 15.5 kV (recalled; protv2g/study_draft/ratings)
BREAKER_KA = (12.5, 20.0, 25.0, 31.5, 40.0, 63.0)


def _opendss_head_fault_ka(master, redirect) -> tuple[float, float]:
    """(max fault at the head's bus ``sub``, kA, IEC 60909 max; X/R of Z1) from OpenDSS."""
    # the model's own script, without its bus-coordinate file (not in the example's folder)
    script = [ln for ln in master.read_text().splitlines()
              if not ln.lower().startswith("buscoords")]
    dss.Text.Command(f"cd [{master.parent}]")
    for ln in script:
        if ln.strip() and not ln.startswith("!"):
            dss.Text.Command(ln)
    dss.Text.Command(f"Redirect [{redirect}]")
    for cls in ("load", "capacitor", "pvsystem"):
        dss.Text.Command(f"batchedit {cls}..* enabled=no")
    dss.Text.Command("Set mode=faultstudy")
    dss.Solution.Solve()
    dss.Circuit.SetActiveBus("sub")
    z1, z0 = complex(*dss.Bus.Zsc1()), complex(*dss.Bus.Zsc0())
    v_ln_kv = dss.Bus.kVBase()
    i3 = 1.1 * v_ln_kv / abs(z1)
    i1 = 3 * 1.1 * v_ln_kv / abs(2 * z1 + z0)
    return max(i3, i1), z1.imag / z1.real


def _rating_line(text: str) -> str:
    head = text[text.index("- name: head-l1"):]
    return next(ln for ln in head.splitlines() if "interrupting_rating_ka:" in ln)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redraft_ratings")
    master = _bare_model(folder)
    text = draft_study(master, study_dir=folder).text
    (folder / "fix.dss").write_text(FIX)
    opendss = next(ln for ln in text.splitlines() if ln.startswith("  opendss:"))
    edited = text.replace(opendss, opendss + "\n  redirects: [fix.dss]")
    return folder, master, text, edited


def test_redraft_refreshes_the_drafted_rating_on_the_model_now(study, capsys):
    folder, master, fresh, edited = study
    drafted = _rating_line(fresh)
    assert "# TODO: drafted rating 12.5 kA sym" in drafted
    path = folder / "work.yaml"
    path.write_text(edited)
    assert main(["init", "--redraft", str(path)]) == 0
    out = capsys.readouterr().out
    line = _rating_line(path.read_text())
    i_ka, x_r = _opendss_head_fault_ka(master, folder / "fix.dss")
    assert x_r < 17  # no asymmetry correction: the duty is the symmetrical current
    expected = min(r for r in BREAKER_KA if r >= i_ka)
    assert expected == pytest.approx(20.0)
    m = re.search(r"interrupting_rating_ka: ([0-9.]+)  # TODO: drafted rating ([0-9.]+) kA sym: "
                  r"the smallest .* ≥ the ([0-9.]+) kA max fault computed here", line)
    assert m is not None, line
    assert float(m.group(1)) == pytest.approx(expected)
    assert float(m.group(2)) == pytest.approx(expected)
    assert float(m.group(3)) == pytest.approx(i_ka, rel=0.01)  # OpenDSS's, 1 %
    assert "re-drafted by protv2g init --redraft on the model as it now stands (was 12.5 kA)" \
        in line and line.endswith("| fix: give the device's nameplate interrupting rating "
                                  "(and its basis: sym / asym)")
    assert "devices[0].interrupting_rating_ka (head-l1): 12.5 kA → 20 kA" in out
    # once re-drafted, a second run changes nothing
    again = path.read_text()
    assert main(["init", "--redraft", str(path)]) == 0
    assert "nothing re-drafted" in capsys.readouterr().out
    assert path.read_text() == again


def test_a_rating_the_user_set_is_left_alone(study, capsys):
    folder, _master, _fresh, edited = study
    drafted = _rating_line(edited)
    path = folder / "user.yaml"
    # the user's value with init's comment left on it: not init's value any more
    path.write_text(edited.replace(drafted, drafted.replace(
        "interrupting_rating_ka: 12.5", "interrupting_rating_ka: 25")))
    assert main(["init", "--redraft", str(path)]) == 0
    assert "interrupting rating" not in capsys.readouterr().out  # the relay's own: re-drafted
    assert "interrupting_rating_ka: 25  # TODO: drafted rating 12.5 kA" in path.read_text()


def test_a_fresh_draft_redrafted_is_unchanged(study, capsys):
    folder, _master, fresh, _edited = study
    path = folder / "fresh.yaml"
    path.write_text(fresh)
    assert main(["init", "--redraft", str(path)]) == 0
    assert "nothing re-drafted" in capsys.readouterr().out
    assert path.read_text() == fresh


def test_nothing_redrafted_still_says_what_the_rule_cannot_meet(study, capsys, monkeypatch):
    """review rev38a M5: IEEE 8500 with 65T links below the head — "nothing re-drafted" and
    silent on the intervals no dial up to the cap gives (the rule's conflicts)."""
    import dataclasses

    import protv2g.study_draft.redraft as redraft

    folder, _master, fresh, _edited = study
    path = folder / "fresh_conflict.yaml"
    path.write_text(fresh)
    real = redraft.redrafted
    unmet = "51G (IEEE-VI): no time dial up to 2 gives the 0.3 s interval over F9 at 3 faults"
    monkeypatch.setattr(redraft, "redrafted", lambda s: [
        (i, d, dataclasses.replace(p, conflicts=[*p.conflicts, unmet])) for i, d, p in real(s)])
    assert main(["init", "--redraft", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nothing re-drafted" in out
    assert f"the rule is not met as the study now stands — {unmet}" in out
    assert path.read_text() == fresh


def test_no_drafted_head_relay_found_is_said_not_claimed_unchanged(study, capsys):
    """ver38 (IEEE 8500, rev38a M5): an item put between the head relay's TODO comments and
    the relay took them, no drafted relay was found, and `--redraft` claimed no drafted value
    "differs materially" — nothing had been compared."""
    folder, _master, fresh, _edited = study
    path = folder / "no_todo.yaml"
    # the relay's own TODO marks gone (as if another item had taken its comment block)
    lines = fresh.splitlines(keepends=True)
    start = next(i for i, x in enumerate(lines) if "kind: relay" in x)
    head = next(i for i in range(start, -1, -1) if lines[i].lstrip().startswith("- name:"))
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].lstrip().startswith("- name:") or not lines[i].startswith(" ")),
               len(lines))
    lines[head:end] = [x.split("  # TODO")[0].rstrip() + "\n" for x in lines[head:end]]
    above = head
    while above > 0 and lines[above - 1].lstrip().startswith("#"):
        above -= 1
    del lines[above:head]  # its comment block, TODOs included
    path.write_text("".join(lines))
    assert main(["init", "--redraft", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no head relay drafted by init found" in out
    assert "differs materially" not in out
