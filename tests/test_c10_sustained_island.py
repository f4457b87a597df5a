"""C10's island bound at the chargers' *sustained* current limit, both ends (c10c42).

Until c10c42 the bound held every charger at its first-cycle ``limit_pu`` (1.5 pu) for the whole
UV2 window (0.16 s, ten cycles): the artefact ``docs/charger-fault-model.md`` §3 removed from the
fault engine's time checks. After the first cycle a grid-following converter's output is its
control law's, within its sustained limit: 1.0–1.2 pu published for grid-following inverters
(``../shared/reference/der/inverter_fault_current_and_reclosing.csv``; the fault engine's low /
high bracket ends 1.1 / 1.2 pu, ``schema_sites.SUSTAINED_LIMIT_*``).

Every figure here by hand, Ohm's law on the load's conductance ``V = I·S / P`` (pu; the bound of
``island_collapse``), IEEE 1547-2018 Table 12 Category II UV2 0.45 pu within 0.16 s, one cycle
at 60 Hz = 1/60 s. One single-phase site on phase a, ``n`` chargers of 10 kVA, against 250 kW of
load on its phase (a third of 750 kW):

=====  ==============  ===============  ==============  =================================
  n    first cycle 1.5  high end 1.2     low end 1.1     window
=====  ==============  ===============  ==============  =================================
  5    75/250 = 0.30    60/250 = 0.24    55/250 = 0.22   UV2: 0.16 s
  9    135/250 = 0.54   108/250 = 0.432  99/250 = 0.396  UV2, one cycle late: 0.16 + 1/60 s
 10    150/250 = 0.60   120/250 = 0.48   110/250 = 0.44  cease 2 s (the high end; low: UV2)
=====  ==============  ===============  ==============  =================================

The old code (first-cycle held) gave 2 s for n = 9 and 10 (0.54, 0.60 ≥ 0.45).
"""

from __future__ import annotations

import pytest

from protv2g.checks.island_window import island_window, sustained_ends
from protv2g.study.schema import V2GSite

SHARES = ({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, "a third each (test)")
T_FC_S = 1 / 60


def _site(**kw) -> V2GSite:
    return V2GSite(name="s", bus="b1", n_chargers=10, p_charger_kw=10.0, phases=1, phase="a",
                   **kw)


def _window(site: V2GSite, n_online: float, held: bool = False):
    return island_window(site, [site], {"s": n_online}, 0.75, 0.0, set(), SHARES, T_FC_S,
                         held)


def test_sustained_ends_are_the_fault_engines():
    site = _site()
    assert sustained_ends(site) == (1.1, 1.2)                    # schema defaults
    assert sustained_ends(site, first_cycle_held=True) == (1.1, 1.5)
    assert sustained_ends(_site(sustained_limit_pu=1.0, sustained_limit_high_pu=1.4)) == (
        1.0, 1.4)
    assert site.sustained_limit_high_is_default
    assert not _site(limit_pu=1.2).sustained_limit_high_is_default  # capped by the given 1.2
    assert not _site(sustained_limit_high_pu=1.2).sustained_limit_high_is_default


def test_every_end_below_uv2_the_ends_agree():
    w = _window(_site(), 5)
    assert w.by_uv2 and w.window_s == pytest.approx(0.16)
    assert "holds the island's load at most 0.24 pu, 0.22 pu at its low end 1.1 pu" in w.why
    assert "first-cycle limit 1.5 pu (the tool's default) at most 0.3 pu, below UV2 too" in w.why
    assert "60 kVA after the first cycle, at the high end 1.2 pu (the tool's default)" in w.why
    assert w.bracket == ("high end 1.2 pu of the sustained limit decided (low end 1.1 pu: "
                         "the same)")


def test_the_first_cycle_above_uv2_delays_its_pickup_one_cycle():
    """n = 9: 0.432 pu sustained (high end) is below 0.45 pu; the first cycle's 0.54 pu is not
    (old code: 0.54 pu held for the window, no UV2 credit, 2 s)."""
    w = _window(_site(), 9)
    assert w.by_uv2
    assert w.window_s == pytest.approx(0.16 + 1 / 60, abs=1e-12)   # 0.1767 s
    assert "may hold it up to 0.54 pu, not below UV2" in w.why
    assert "UV2 picks up at most one cycle late, 0.177 s" in w.why
    assert "holds the island's load at most 0.43 pu, 0.4 pu at its low end" in w.why


def test_ends_that_differ_keep_the_conservative_high_end():
    """n = 10: 0.48 pu at the high end (not below UV2), 0.44 pu at the low end (below it):
    the high end holds, no UV2 credit, and the row says the low end would credit it."""
    w = _window(_site(), 10)
    assert not w.by_uv2 and w.window_s == pytest.approx(2.0)
    assert "holds the island's load at most 0.48 pu, 0.44 pu at its low end 1.1 pu" in w.why
    assert ("at the low end 1.1 pu of the sustained limit the island would hold 0.44 pu, "
            "below UV2, and the UV2 trip would end it — the high end holds") in w.why
    assert w.bracket == ("high end 1.2 pu of the sustained limit decided (low end 1.1 pu: "
                         "would credit UV2)")


def test_first_cycle_held_high_bracket_is_the_studys_choice():
    """``faults.high_bracket: first_cycle_held``: the high end is the first-cycle 1.5 pu held
    (the old bound): n = 5 gives 75/250 = 0.30 pu, still below UV2."""
    w = _window(_site(), 5, held=True)
    assert "at its first-cycle limit 1.5 pu held (faults.high_bracket: first_cycle_held)" in w.why
    assert "at most 0.3 pu, 0.22 pu at its low end 1.1 pu" in w.why
    assert w.by_uv2 and w.window_s == pytest.approx(0.16)


def test_the_findings_title_says_the_rule_in_protection_terms():
    """c10c42: a C10 finding decided by the cease time was titled "… (reclose_margin_s)", a
    schema field name."""
    from protv2g.findings_table import finding_title

    title = finding_title("C10", "RC-F1", "", "reclose_margin_s")
    assert title == ("C10 reclosing vs anti-islanding: RC-F1 (first reclose within the DER's "
                     "anti-islanding time + margin)")
    assert finding_title("C10", "RC-F1", "", "UV2 trip ends the island").endswith(
        "(UV2 trip ends the island)")
