"""A charger's kW in watts or kVA in volt-amperes beside a sane partner field (review rev48b
P1): the error names the W/kW (VA/kVA) slip and gives the fix in kW, not "give the
inverter's kVA rating (>= its kW)" — which for 150,000 "kW" meant 150,000 kVA."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from protv2g.study.plausibility import CHARGER_MAX_KW
from protv2g.study.schema_sites import CHARGER_SLIP_KW, V2GSite


def _error(**fields: float) -> str:
    with pytest.raises(ValidationError) as err:
        V2GSite(name="depot", bus="840", n_chargers=4, **fields)
    return str(err.value)


def test_same_bound_as_the_plausibility_warning():
    assert CHARGER_SLIP_KW == CHARGER_MAX_KW == 1250 * 3000 / 1000  # MCS: 1,250 V × 3,000 A


def test_kw_in_watts_names_the_slip_and_the_kw_fix():
    text = _error(p_charger_kw=150_000, s_charger_kva=150)
    assert "likely watts given as kW" in text
    assert "fix: p_charger_kw: 150 (W / 1000)" in text
    assert "give the inverter's kVA rating" not in text


def test_kva_in_volt_amperes_names_the_slip():
    text = _error(p_charger_kw=150, s_charger_kva=150_000)
    assert "likely volt-amperes given as kVA" in text and "1,000 times" in text
    assert "fix: s_charger_kva: 150 (VA / 1000" in text


def test_plain_kva_below_kw_keeps_its_message():
    text = _error(p_charger_kw=150, s_charger_kva=100)
    assert "s_charger_kva (100) is below p_charger_kw (150)" in text
    assert "give the inverter's kVA rating (>= its kW)" in text


@pytest.mark.parametrize(("p_kw", "s_kva"), [
    (150, 180), (3700, 3800), (150_000, 150_000), (7.2, 70), (150_000, None)])
def test_consistent_pairs_stay_valid(p_kw, s_kva):
    # both in watts (or no kVA) is one implausible value, not an inconsistent pair: the
    # plausibility warning names it (tests/test_plausibility.py), the schema accepts it
    site = V2GSite(name="d", bus="840", n_chargers=1, p_charger_kw=p_kw, s_charger_kva=s_kva)
    assert site.charger_kva == (p_kw if s_kva is None else s_kva)
