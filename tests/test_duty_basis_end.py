"""C7's fault-level change on the IEC 60909 sum says which basis drove it (review rev41c M4).

Depot F07: FU-F1-LAT2 +16.7 % (2.0251 kA on the IEC sum against 1.7360 kA without V2G), over
the 10 % flag; on the control-law phasor 1.83 kA, +5.2 % — under it. The message said "IEC
60909 sum, control-law phasor 1.83 kA" and not that the pessimistic basis decided the warning.
Figures: the depot's Device duty row (rev41c checked the IEC sum by hand: 1736.3 + 188.0 +
101.3 = 2025.6 A); the phasor's rise by hand 1.8262 / 1.7360 − 1 = +5.2 %."""

from __future__ import annotations

from types import SimpleNamespace

from protv2g.checks.duty_text import _phasor_note


def _row(i_phasor_ka: float) -> SimpleNamespace:
    return SimpleNamespace(current_basis="iec_sum", i_phasor_ka=i_phasor_ka, i_max_ka=2.0251,
                           i_base_ka=1.7360, i_idle_ka=float("nan"))


def test_the_pessimistic_basis_drove_a_warning_the_phasor_stays_under():
    assert _phasor_note(_row(1.8262), 0.10) == (
        "; IEC 60909 sum, control-law phasor 1.83 kA: +5.2%, under the 10% flag — the "
        "pessimistic basis, the IEC sum, drove it")


def test_over_the_flag_on_both_bases_and_unchanged_without_a_flag():
    assert _phasor_note(_row(1.95), 0.10).endswith(": +12.3%, over the 10% flag on both bases")
    assert _phasor_note(_row(1.8262)) == "; IEC 60909 sum, control-law phasor 1.83 kA"
    assert _phasor_note(SimpleNamespace(current_basis="phasor_min_case"), 0.10) == ""
