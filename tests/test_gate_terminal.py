"""``protv2g gate`` prints its reasons with short numbers; ``--json`` keeps the gate's data."""

from __future__ import annotations

import argparse
import json

from protv2g.commands import gate as gate_cmd
from protv2g.commands.gate import terminal_text

REASON = ("fail: C8 R-F1: charging peak above pickup / 1.5 = 267 A (fail; new; day/firm; "
          "margin \u2212114.5228718 A; 3 row(s) in 3 scenarios)")
OUT = {"verdict": "FAIL", "study": "demo", "exit_code": 1, "reasons": [REASON],
       "screening": {}, "hosting_capacity_kw": {}}


def test_terminal_text_rounds_long_decimals_only():
    assert terminal_text(REASON).endswith("margin \u2212114.5 A; 3 row(s) in 3 scenarios)")
    assert terminal_text("\u22120.1155113101 s") == "\u22120.1155 s"
    assert terminal_text("12345.678 kW") == "12350 kW"  # positional, never 1.235e+04
    # a margin below 1e-4 is written with an exponent (EPRI ckt24's C12 source-bus row printed
    # "margin −3.07170779e−05 pu" under "numbers to 4 significant digits"): its mantissa is
    # rounded and its exponent kept as written
    assert terminal_text("margin \u22123.07170779e\u221205 pu") == "margin \u22123.072e\u221205 pu"
    assert terminal_text("1.23456789e+05 A") == "1.235e+05 A"
    # names, thousands groups, short exponent forms, short numbers and ranges stay as written
    for text in ("F1.23456x", "8,080.12345", "2.71e+00", "0.2-1 s", "1.2 MW", "6,000 kW"):
        assert terminal_text(text) == text


def _run(monkeypatch, capsys, as_json: bool) -> str:
    monkeypatch.setattr(gate_cmd, "evaluate", lambda study, hosting=True, progress=None: OUT)
    code = gate_cmd.run(argparse.Namespace(study="s.yaml", json=as_json, no_hosting=True))
    assert code == 1
    return capsys.readouterr().out


def test_gate_prints_4_digits_and_json_keeps_10(monkeypatch, capsys):
    text = _run(monkeypatch, capsys, False)
    assert "margin \u2212114.5 A" in text and "114.5228718" not in text
    assert "--json keeps them in full" in text
    doc = json.loads(_run(monkeypatch, capsys, True))
    assert doc["reasons"] == [REASON]  # the gate's data unchanged


def _c12(kind: str, device: str, loaded: float, note: str) -> str:
    """A pre-existing C12 line as the gate writes it (gate_reasons._line; EPRI ckt24's)."""
    return (f"{kind}: C12 {device}: {device} loaded {loaded:g} % without V2G (base case, peak "
            f"load) (limit 100 %) (present without V2G: {note}; fail; pre-existing; base/peak; "
            f"margin \u2212{loaded - 100:.7f} %; 5 row(s) in 5 scenarios)")


def _record(kind: str, device: str, attribution: str, margin: float,
            rests_on: str = "") -> dict:
    """What the gate says of a C12 line as data (its ``reason_data``,
    :func:`protv2g.gate_reason_record.reason_record`)."""
    return {"kind": kind, "criterion": "C12", "device": device, "attribution": attribution,
            "rests_on": rests_on, "margin": margin, "margin_unit": "%"}


CKT24_LIKE = [
    "fail: C10 head / depot: head recloses after 0.5 s (fail; new; expected/light/100%; "
    "margin \u22122 s; 4 row(s) in 4 scenarios)",
    "fail: C12 transformer.subxfmr: transformer.subxfmr loaded 107 % (also failing without "
    "V2G: 4 row(s), margin \u22123.684265933 %; fail; worse; charging/expected; margin "
    "\u22127.496 %; 1 row(s) in 1 scenario)",
    _c12("condition", "line.a_sec", 106.0, "fix before the pilot"),
    _c12("condition", "line.b_sec", 101.0, "fix before the pilot"),
    *[_c12("confirm", f"transformer.t{k:02d}", 100.0 + 7 * k % 180, "confirm the input, then "
           "fix before the pilot if it holds") for k in range(1, 24)],
    "info: C1 not applicable: no primary/backup pair of a relay backing up a relay",
]
CKT24_DATA = [
    None,  # a line V2G causes: not grouped (its record's attribution says so; None here)
    _record("fail", "transformer.subxfmr", "made worse by V2G", -7.496),
    _record("condition", "line.a_sec", "pre-existing", -6.0),
    _record("condition", "line.b_sec", "pre-existing", -1.0),
    *[_record("confirm", f"transformer.t{k:02d}", "pre-existing", -(7 * k % 180))
      for k in range(1, 24)],
    None,
]


def test_gate_groups_pre_existing_c12_lines(monkeypatch, capsys):
    """the EPRI ckt24 review: 23 ``confirm:`` C12 lines for service transformers overloaded
    without V2G were printed one by one under the 3 lines V2G causes. The terminal prints
    the V2G lines first, then one line per kind of reason and element with the count and the
    worst element; the verdict, the exit code and ``--json`` are unchanged."""
    out = dict(OUT, reasons=CKT24_LIKE, reason_data=CKT24_DATA)
    monkeypatch.setattr(gate_cmd, "evaluate", lambda study, hosting=True, progress=None: out)
    code = gate_cmd.run(argparse.Namespace(study="s.yaml", json=False, no_hosting=True))
    lines = [x.strip() for x in capsys.readouterr().out.splitlines()]
    assert code == 1 and lines[0] == "FAIL demo"
    assert lines[1].startswith("fail: C10 head / depot") and lines[2].startswith(
        "fail: C12 transformer.subxfmr")  # V2G lines first, as the gate wrote them
    worst = max(range(1, 24), key=lambda k: 7 * k % 180)
    assert lines[3].startswith("condition: C12 2 line(s) present without V2G, the worst "
                               "line.a_sec: line.a_sec loaded 106 %")
    assert lines[4].startswith(f"confirm: C12 23 transformer(s) present without V2G, the "
                               f"worst transformer.t{worst:02d}: ")
    assert "margin \u2212" in lines[4] and "each of the 23 in `protv2g gate --json`" in lines[4]
    assert lines[5].startswith("info: C1 not applicable")
    assert sum(x.startswith(("fail:", "condition:", "confirm:", "info:")) for x in lines) == 5
    doc = json.loads(_run_json(monkeypatch, capsys, out))
    assert doc["reasons"] == CKT24_LIKE and doc["exit_code"] == 1  # the gate's data unchanged


def _run_json(monkeypatch, capsys, out: dict) -> str:
    monkeypatch.setattr(gate_cmd, "evaluate", lambda study, hosting=True, progress=None: out)
    assert gate_cmd.run(argparse.Namespace(study="s.yaml", json=True, no_hosting=True)) == 1
    return capsys.readouterr().out


def test_run_prints_the_grouped_lines(capsys):
    """``protv2g run`` prints the gate's deciding lines as ``protv2g gate`` does: the 23
    ``confirm:`` lines are one, so none is cut by its 10-line limit."""
    from protv2g.cli import _print_reasons

    _print_reasons(CKT24_LIKE, CKT24_DATA)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and lines[-1].startswith("  … 1 info (")
    assert lines[3].strip().startswith("confirm: C12 23 transformer(s)")


def test_a_single_pre_existing_line_is_left_as_it_is():
    from protv2g.commands.gate import grouped_lines

    one = [CKT24_LIKE[0], _c12("confirm", "transformer.t1", 120.0, "confirm the input")]
    assert grouped_lines(one, [None, _record("confirm", "transformer.t1", "pre-existing",
                                             -20.0)]) == one


def test_lines_on_a_tool_default_rating_are_one_line():
    """Review rev31 §4 (IEEE 8500): 29 of the gate's 38 ``fail:`` lines were trunk lines at
    OpenDSS's default 400 A, made worse by charging — one missing input said 29 times. The
    terminal prints them as one line naming the count and the worst; ``--json`` keeps each."""
    from protv2g.commands.gate import grouped_lines
    from protv2g.input_basis import InputBasis

    rows = [f"fail: C12 line.l{k}: line.l{k} loaded {m} % in scenario charging/expected "
            f"(fail; made worse by charging; charging/expected; rests on tool default: "
            f"confirm line.l{k}'s normamps (OpenDSS default 400 A, not in the model); "
            f"margin \u2212{m - 100} %; 1 row in 1 scenario)"
            for k, m in ((1, 120), (2, 159), (3, 131))]
    given = ("fail: C12 line.g1: line.g1 loaded 130 % (fail; made worse by charging; "
             "charging/expected; margin \u221230 %; 1 row in 1 scenario)")
    data = [None, *[_record("fail", f"line.l{k}", "made worse by charging", 100.0 - m,
                            InputBasis.DEFAULT.value) for k, m in ((1, 120), (2, 159), (3, 131))],
            _record("fail", "line.g1", "made worse by charging", -30.0)]
    out = grouped_lines(["fail: C10 R1 / depot: recloses after 0.5 s (…)", *rows, given], data)
    assert len(out) == 3
    assert out[1].startswith("fail: C12 3 line(s) rated by a tool default (confirm their "
                             "ratings first), the worst line.l2: line.l2 loaded 159 %")
    assert out[2] == given  # a given rating: its own line


def test_lines_are_grouped_by_the_gates_data_not_their_words():
    """ver39 (design.md: status is data, never parsed from a message): the terminal read
    each line's kind, attribution, input basis and margin back out of its words. A device
    whose message quotes "; pre-existing; " was grouped as present without V2G (it is made
    worse by V2G); lines whose words do not say "pre-existing" were not grouped though the
    gate's data says they are; the worst was the smallest number after "; margin ". Now only
    the gate's ``reason_data`` decides; without it nothing is grouped."""
    from protv2g.commands.gate import grouped_lines

    worded = [f"condition: C12 transformer.w{k}: note; pre-existing; margin \u22129{k} % "
              "(fail; made worse by V2G; margin \u22121 %)" for k in (1, 2)]
    data = [_record("condition", f"transformer.w{k}", "made worse by V2G", -1.0)
            for k in (1, 2)]
    assert grouped_lines(worded, data) == worded  # V2G's: never folded into a group
    assert grouped_lines(worded) == worded  # no data, no grouping
    quiet = [f"confirm: C12 line.q{k}: line.q{k} loaded {m} % (fail; base/peak)"
             for k, m in ((1, 104), (2, 130), (3, 112))]
    data = [_record("confirm", f"line.q{k}", "pre-existing", 100.0 - m)
            for k, m in ((1, 104), (2, 130), (3, 112))]
    (line,) = grouped_lines(quiet, data)
    assert line.startswith("confirm: C12 3 line(s) present without V2G, the worst line.q2: ")


def test_the_gates_reason_data_follows_its_reasons(depot_study):
    """The gate writes, for each line of violation rows, what it says as data (None for the
    other lines), aligned with ``reasons``: two service transformers overloaded without V2G
    are two ``condition:`` lines, one record each, and the terminal prints them as one line;
    the scenario counts are inflected ("1 fail row in 1 scenario", ver39)."""
    import pandas as pd

    from protv2g.commands.gate import grouped_lines
    from protv2g.gate import gate_verdict
    from protv2g.result import VIOLATION_COLUMNS, StudyResult
    from protv2g.study.schema import CRITERIA

    rows = [{"criterion": "C12", "status": "fail", "attribution": "pre-existing",
             "scenario": f"base/peak/{k}", "device": f"transformer.t{k}", "margin": -m,
             "margin_unit": "%", "message": f"transformer.t{k} loaded {100 + m} %",
             "base_margin": -m} for k, m in ((1, 4.0), (2, 9.0))]
    rows += [{"criterion": "C7", "status": "fail", "attribution": "new",
              "scenario": "firm/peak/5000 kW", "fault_bus": "F1-B01", "fault_type": "3ph",
              "case": "max", "device": "R-F1", "margin": -0.1, "message": "26 kA > 25 kA"}]
    result = StudyResult("t", pd.DataFrame(), pd.DataFrame(rows, columns=VIOLATION_COLUMNS),
                         pd.DataFrame(), pd.DataFrame(), {},
                         {"checks": {"criteria": list(CRITERIA), "errors": []}})
    out = gate_verdict(depot_study, result)
    assert len(out["reason_data"]) == len(out["reasons"])
    by = {r: d for r, d in zip(out["reasons"], out["reason_data"], strict=True)}
    c12 = [r for r in out["reasons"] if r.startswith("condition: C12")]
    assert len(c12) == 2 and all(by[r]["attribution"] == "pre-existing" for r in c12)
    assert {by[r]["device"] for r in c12} == {"transformer.t1", "transformer.t2"}
    (fail,) = [r for r in out["reasons"] if r.startswith("fail: C7")]
    assert by[fail]["attribution"] == "caused by V2G" and by[fail]["margin"] == -0.1
    assert fail.endswith("1 fail row in 1 scenario)"), fail
    printed = grouped_lines(out["reasons"], out["reason_data"])
    assert sum(x.startswith("condition: C12 2 transformer(s) present without V2G, the worst "
                            "transformer.t2") for x in printed) == 1
