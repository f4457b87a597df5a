"""A fuse's clearing time quoted at a current its curve gives no time for (review s27 §3).

EPRI J1: "F-LAT clears (256 s at 188 A)" for an 80K link whose maximum-melt curve ends at
2.38 × 80 A = 190 A in the library's EEI-NEMA points (the reviewer read "no trip below 2.4×"
from `protv2g curves eval 80K --max-melt`); the time came from a later charger stage's 194 A.
The message now says so.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from protv2g.checks.fuse_melt_text import clearing_text, guaranteed_melt_a
from protv2g.devices.models import Fuse, OvercurrentRelay


def _ctx(*devices):
    return SimpleNamespace(devices={d.name: d for d in devices}, cache={})


def test_guaranteed_melt_is_the_curve_asymptote():
    f = Fuse(name="F-LAT", link="80K")
    i_melt = guaranteed_melt_a(f)
    assert i_melt == pytest.approx(192.0, rel=0.02)
    # the link's total clearing gives no time at or below it, a finite time just above
    assert not np.isfinite(f.total_clear_time_s([0.999 * i_melt])[0])
    assert np.isfinite(f.total_clear_time_s([1.01 * i_melt])[0])
    assert math.isnan(guaranteed_melt_a(OvercurrentRelay(name="R", pickup_a=100.0,
                                                         curve="IEEE-VI")))


def test_time_below_the_guaranteed_melt_is_explained():
    ctx = _ctx(Fuse(name="F-LAT", link="80K"))
    text = clearing_text(ctx, "F-LAT", 256.0, "188 A", 188.0)
    assert text.startswith("256 s at 188 A — at or below F-LAT's guaranteed melting current "
                           "190 A (its curve gives no time there)")
    assert "later charger stage's higher current (Charger stages sheet)" in text


@pytest.mark.parametrize(("t_s", "i_a", "plain"), [
    (2.47, 423.0, "2.47 s at 423 A"),              # above: plain
    (math.inf, 188.0, "does not operate at 188 A"),  # no time at all: nothing to explain
])
def test_plain_where_nothing_needs_saying(t_s, i_a, plain):
    ctx = _ctx(Fuse(name="F-LAT", link="80K"))
    assert clearing_text(ctx, "F-LAT", t_s, f"{i_a:.0f} A", i_a) == plain


def test_not_a_fuse_is_plain():
    ctx = _ctx(OvercurrentRelay(name="R", pickup_a=100.0, curve="IEEE-VI"))
    assert clearing_text(ctx, "R", 1.0, "90 A", 90.0) == "1 s at 90 A"


def test_the_note_names_the_current_where_the_message_does_not():
    """C1/C3 messages quote no current beside the fuse's time: the note names it."""
    from protv2g.checks.fuse_melt_text import below_melt_note
    ctx = _ctx(Fuse(name="F-LAT", link="80K"))
    assert below_melt_note(ctx, "F-LAT", 256.0, 188.0).startswith(
        " — at or below F-LAT's guaranteed melting current 190 A at 188 A (its curve")
    assert below_melt_note(ctx, "F-LAT", 2.47, 423.0) == ""


def test_a_time_away_from_the_curve_says_where_it_comes_from():
    """Review s28 §4 (J1): "192 s at 190.4 A" where the 80K curve gives far more; a time
    within 10 % of the curve's is plain."""
    from protv2g.checks.fuse_melt_text import DEPARTURE_REL, below_melt_note
    f = Fuse(name="F-LAT", link="80K")
    ctx = _ctx(f)
    t_curve = float(f.total_clear_time_s([200.0])[0])
    note = below_melt_note(ctx, "F-LAT", 0.5 * t_curve, 200.0)
    assert note.startswith(f" — F-LAT's curve gives {t_curve:.3g} s at 200 A; the time is "
                           "from the fault's later stages' currents")
    assert below_melt_note(ctx, "F-LAT", (1 + 0.5 * DEPARTURE_REL) * t_curve, 200.0) == ""


def test_first_cycle_fuse_time_tells_a_staged_time_apart():
    """Review s28 §2: the attribution's current test needs the long time to be the fuse's
    curve at the first-cycle current. F-LAT (80K) at 245.8 A: its curve's time passes; twice
    it (a later stage set it), a short time, a current at the guaranteed melt, a relay's
    long time do not."""
    import pandas as pd

    from protv2g.checks.fuse_melt_text import first_cycle_fuse_time

    f = Fuse(name="F-LAT", link="80K")
    ctx = _ctx(f, OvercurrentRelay(name="R", pickup_a=100.0, curve="IEEE-VI"))
    t_curve = float(f.total_clear_time_s([245.8])[0])
    assert t_curve > 10.0
    v = pd.DataFrame({
        "device": ["R", "R", "R", "R", "F-LAT"],
        "other_device": ["F-LAT", "F-LAT", "F-LAT", "F-LAT", "R"],
        "t_device_s": [1.7, 1.7, 1.7, 1.7, 1.05 * t_curve],
        "t_other_s": [1.08 * t_curve, 2.0 * t_curve, 0.5, 300.0, 20.0],
        "i_device_a": [260.0] * 5,
        "i_other_a": [245.8, 245.8, 245.8, 150.0, 245.8],
    })
    v.loc[4, "i_device_a"] = 245.8
    got = first_cycle_fuse_time(ctx, v, np.arange(5), 10.0)
    assert got.tolist() == [True, False, False, False, True]
