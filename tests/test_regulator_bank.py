"""A regulator unit's reverse power said as one unit of its bank (review rev40b M1).

IEEE 37's substation regulator is two single-phase units in open delta (reg1a across a-b,
reg1c across c-b, 799 → 799r). protv2g's hosting said "campus 534 kW, limited by C12
(REG:reg1a, reverse power 17.4 kW at 535 kW export …)" while the feeder still imports.
OpenDSS (rev40b, light load 0.3, the campus as a delta PQ generator at 740, regulators
solved): at 535 kW reg1a −17.4 kW (= protv2g), reg1c +235.1 kW, the head (L35) +217.4 kW; at
the study's 640 + 138 kW reg1a −66.0, reg1c +47.5 kW (protv2g −65.9, +47.5). The sense
threshold: 1 % of reg1a's 350 A CT at ≈ 4.9 kV between phases ≈ 17 kW.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from protv2g.checks.regulator_bank import BankFlow, bank_of, bank_text
from protv2g.hosting.voltage_text import reverse_power_text

#: OpenDSS at 535 kW of campus export (module docstring), kW
REG1A_KW, REG1C_KW = -17.4, 235.1


def _ctx() -> SimpleNamespace:
    elements = pd.DataFrame({
        "name": ["transformer.reg1a", "transformer.reg1c", "transformer.subxf"],
        "buses": [("799", "799r"), ("799", "799r"), ("sourcebus", "799")]})
    model = SimpleNamespace(elements=elements)
    model.derived = lambda name, f: f(model)
    return SimpleNamespace(study=SimpleNamespace(model=model))


def _dev(p_a_kw: float, p_c_kw: float) -> pd.DataFrame:
    return pd.DataFrame({
        "kind": ["regulator", "regulator", "line"], "scenario": ["s", "s", "s"],
        "step": [0, 0, 0], "device": ["REG:reg1a", "REG:reg1c", "L35"],
        "element_name": ["transformer.reg1a", "transformer.reg1c", "line.l35"],
        "p_mw": [p_a_kw / 1e3, p_c_kw / 1e3, 0.2174]})


def test_the_bank_of_reg1a_and_its_forward_total():
    dev = _dev(REG1A_KW, REG1C_KW)
    bank = bank_of(_ctx(), dev, dev.iloc[0])
    assert bank.units == ("reg1a", "reg1c")
    assert abs(1e3 * bank.p_mw - (REG1A_KW + REG1C_KW)) < 1e-9  # +217.7; OpenDSS head +217.4
    text = bank_text("REG:reg1a", bank, 17.2)
    assert "REG:reg1a is one unit of an open-delta bank (reg1a, reg1c" in text
    assert "the bank as a whole carries +217.7 kW forward (reg1c +235.1 kW)" in text
    assert "the feeder still imports through the bank" in text
    assert "1 % of its CT primary (≈ 17.2 kW here" in text


def test_a_bank_reversing_as_a_whole_says_so():
    dev = _dev(-66.0, 47.5)  # the study's 640 + 138 kW
    text = bank_text("REG:reg1a", bank_of(_ctx(), dev, dev.iloc[0]), float("nan"))
    assert "the bank's total reverses too (-18.5 kW; reg1c +47.5 kW)" in text


def test_a_lone_regulator_has_no_bank_words():
    dev = _dev(REG1A_KW, REG1C_KW).iloc[[0, 2]]
    assert not bank_of(_ctx(), dev, dev.iloc[0]).units
    assert bank_text("REG:reg1a", BankFlow((), float("nan")), 17.0) == ""


def test_the_hosting_text_names_the_bank_and_the_threshold_it_rests_on():
    """The limiting row at 535 kW: 17.4 kW reverse, its unit's reversed active current and the
    1 %-of-CT threshold (A), the bank's other unit."""
    i_rev_a = 17.4 / 4.92  # kW / kV between phases (799r at ≈ 1.025 pu of 4.8 kV)
    row = {"criterion": "C12", "margin_unit": "MW", "margin": REG1A_KW / 1e3,
           "device": "REG:reg1a", "other_device": "reg1c", "i_device_a": i_rev_a,
           "i_other_a": 0.01 * 350.0}
    text = reverse_power_text(row, 535.0)
    assert "1 % of its CT primary, ≈ 17.2 kW here" in text
    assert "the figure rests on that threshold" in text
    assert "REG:reg1a is one unit of a bank with reg1c" in text
    assert "the bank as a whole may still import" in text
