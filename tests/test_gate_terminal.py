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
    monkeypatch.setattr(gate_cmd, "evaluate", lambda study, hosting=True: OUT)
    code = gate_cmd.run(argparse.Namespace(study="s.yaml", json=as_json, no_hosting=True))
    assert code == 1
    return capsys.readouterr().out


def test_gate_prints_4_digits_and_json_keeps_10(monkeypatch, capsys):
    text = _run(monkeypatch, capsys, False)
    assert "margin \u2212114.5 A" in text and "114.5228718" not in text
    assert "--json keeps them in full" in text
    doc = json.loads(_run(monkeypatch, capsys, True))
    assert doc["reasons"] == [REASON]  # the gate's data unchanged
