"""C6's words for what feeds a device back (review rev32b M1, EPRI DG_Prot_Fdr with its wind
machine connected): a base-case row read "258 A fed back by V2G … without V2G (base case)",
where the 258 A were the feeder's own machine's (OpenDSS: 259 A through recloser A for LL-bc
at bp, the machine behind X"d with Tg closed)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from protv2g.checks.sympathetic_text import fed_back_texts


def _ctx(scenarios):
    return SimpleNamespace(cache={"grounded site transformers": {}},
                           scenarios={n: SimpleNamespace(is_base=b, load_level=lv)
                                      for n, b, lv in scenarios})


def test_who_feeds_the_device_back():
    ctx = _ctx([("base/light", True, "light"), ("firm/light/100%", False, "light"),
                ("firm/peak/100%", False, "peak")])
    bad = pd.DataFrame({
        "scenario": ["base/light", "firm/light/100%", "firm/peak/100%"],
        "device": "a", "fault_bus": 7, "fault_type": "LL-bc", "case": "min",
        "i_phase_a": [258.0, 300.0, 290.0], "i_ground_a": 0.0})
    base, both, v2g = fed_back_texts(ctx, bad)
    assert base == "fed back by the feeder's own sources, no V2G exporting (3I0 0 A)"
    assert both == ("fed back by V2G and the feeder's own sources (258 A of it without V2G, "
                    "the feeder's own sources'; V2G's change +42 A; 3I0 0 A)")
    assert v2g == "fed back by V2G (3I0 0 A)"  # no failing base twin at peak load


def test_the_machines_share_is_said_where_the_base_twin_passes():
    """Review rev39a M4 (EPRI DG_Prot_Fdr, wind machine connected with X/R 10): "a trips in
    0.102 s on 269 A fed back by V2G (3I0 30 A)" for LLG-ca (min) at bx, where without V2G a
    carries 199 A (its base row passes, so it is not among the failing rows): the machine's.
    V2G's share is the change, 269 − 199 = +70 A (the reviewer's OpenDSS: ≤ 69 A from the
    depot plus the homes' 30 A on phase a)."""
    ctx = _ctx([("base/light", True, "light"), ("firm/light/100%", False, "light")])
    ctx.base_of = {"base/light": "base/light", "firm/light/100%": "base/light"}
    ctx.faults = pd.DataFrame({
        "scenario": ["base/light", "firm/light/100%", "base/light"], "device": "a",
        "fault_bus": [3, 3, 4], "fault_type": "LLG-ca", "case": "min",
        "i_phase_a": [199.0, 269.0, 5.0], "i_ground_a": [0.0, 30.0, 0.0]})
    bad = ctx.faults.iloc[[1]]
    assert fed_back_texts(ctx, bad) == [
        "fed back by V2G and the feeder's own sources (199 A of it without V2G, the feeder's "
        "own sources'; V2G's change +70 A; 3I0 30 A)"]
    # no current without V2G (a feeder with no source of its own): V2G's alone
    ctx.faults.loc[0, "i_phase_a"] = 0.2
    assert fed_back_texts(ctx, bad) == ["fed back by V2G (3I0 30 A)"]
