"""``protv2g gate`` prints its reasons with short numbers; ``--json`` keeps the gate's data."""

from __future__ import annotations

import argparse
import json

from protv2g.commands import gate as gate_cmd
from protv2g.commands.gate import terminal_text

REASON = ("fail: C8 R-F1: charging peak above pickup / 1.5 = 267 A (fail; new; day/firm; "
          "margin \u2212114.5228718 A; 3 row(s) in 3 scenario(s))")
OUT = {"verdict": "FAIL", "study": "demo", "exit_code": 1, "reasons": [REASON],
       "screening": {}, "hosting_capacity_kw": {}}


def test_terminal_text_rounds_long_decimals_only():
    assert terminal_text(REASON).endswith("margin \u2212114.5 A; 3 row(s) in 3 scenario(s))")
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
            f"margin \u2212{loaded - 100:.7f} %; 5 row(s) in 5 scenario(s))")


CKT24_LIKE = [
    "fail: C10 head / depot: head recloses after 0.5 s (fail; new; expected/light/100%; "
    "margin \u22122 s; 4 row(s) in 4 scenario(s))",
    "fail: C12 transformer.subxfmr: transformer.subxfmr loaded 107 % (also failing without "
    "V2G: 4 row(s), margin \u22123.684265933 %; fail; worse; charging/expected; margin "
    "\u22127.496 %; 1 row(s) in 1 scenario(s))",
    _c12("condition", "line.a_sec", 106.0, "fix before the pilot"),
    _c12("condition", "line.b_sec", 101.0, "fix before the pilot"),
    *[_c12("confirm", f"transformer.t{k:02d}", 100.0 + 7 * k % 180, "confirm the input, then "
           "fix before the pilot if it holds") for k in range(1, 24)],
    "info: C1 not applicable: no primary/backup pair of a relay backing up a relay",
]


def test_gate_groups_pre_existing_c12_lines(monkeypatch, capsys):
    """the EPRI ckt24 review: 23 ``confirm:`` C12 lines for service transformers overloaded
    without V2G were printed one by one under the 3 lines V2G causes. The terminal prints
    the V2G lines first, then one line per kind of reason and element with the count and the
    worst element; the verdict, the exit code and ``--json`` are unchanged."""
    out = dict(OUT, reasons=CKT24_LIKE)
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

    _print_reasons(CKT24_LIKE)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and lines[-1].startswith("  … 1 info (")
    assert lines[3].strip().startswith("confirm: C12 23 transformer(s)")


def test_a_single_pre_existing_line_is_left_as_it_is():
    from protv2g.commands.gate import grouped_lines

    one = [CKT24_LIKE[0], _c12("confirm", "transformer.t1", 120.0, "confirm the input")]
    assert grouped_lines(one) == one


def test_lines_on_a_tool_default_rating_are_one_line():
    """Review rev31 §4 (IEEE 8500): 29 of the gate's 38 ``fail:`` lines were trunk lines at
    OpenDSS's default 400 A, made worse by charging — one missing input said 29 times. The
    terminal prints them as one line naming the count and the worst; ``--json`` keeps each."""
    from protv2g.commands.gate import _DEFAULT_RATING, grouped_lines
    from protv2g.input_basis import InputBasis

    assert _DEFAULT_RATING == f"; rests on {InputBasis.DEFAULT.label}: "
    rows = [f"fail: C12 line.l{k}: line.l{k} loaded {m} % in scenario charging/expected "
            f"(fail; made worse by charging; charging/expected; rests on tool default: "
            f"confirm line.l{k}'s normamps (OpenDSS default 400 A, not in the model); "
            f"margin \u2212{m - 100} %; 1 row(s) in 1 scenario(s))"
            for k, m in ((1, 120), (2, 159), (3, 131))]
    given = ("fail: C12 line.g1: line.g1 loaded 130 % (fail; made worse by charging; "
             "charging/expected; margin \u221230 %; 1 row(s) in 1 scenario(s))")
    out = grouped_lines(["fail: C10 R1 / depot: recloses after 0.5 s (…)", *rows, given])
    assert len(out) == 3
    assert out[1].startswith("fail: C12 3 line(s) rated by a tool default (confirm their "
                             "ratings first), the worst line.l2: line.l2 loaded 159 %")
    assert out[2] == given  # a given rating: its own line
