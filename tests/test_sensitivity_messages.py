"""C5's reach messages (#21, ``protv2g.checks.reach_text.reach_messages``): written by ``%``
templates when read (a :class:`~protv2g.messages.MessageArray`), the text the per-row
f-strings wrote, character for character — floats at rounding ties, ``-0.0``, NaN,
``inf``, huge and tiny values included."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks.reach_text import BAD_COLUMNS as _BAD_COLUMNS
from protv2g.checks.reach_text import reach_messages as _reach_messages
from protv2g.checks.reach_text import stage_note as _stage_note
from protv2g.devices.models import Fuse, OvercurrentRelay


def _reference(ctx, bad: pd.DataFrame) -> list[str]:
    """The message as first written: one f-string per row (``fault_text`` written out; "×
    pickup" at the end since review s19 found the bare "×" dangling; the stage note since
    reach23); a fuse's in a fuse's words since review rev29 §6 (it melts; its pickup is its
    minimum melting current)."""
    out = []
    for r in bad.itertuples(index=False):
        fuse = r.device in _FUSES
        pickup = "minimum melting current" if fuse else "pickup"
        note = _stage_note(r.stage, r.bracket, r.i_op_a, r.i_first_a, r.pickup_a, r.factor,
                           fuse)
        out.append(f"{r.device} sees {r.i_op_a:.0f} A ({r.element}{note}) for a "
                   f"{r.fault_type} fault ({r.case} case) at {r.fault_bus_name} in its "
                   f"{r.zone} zone {ctx.export_text(r.scenario)}: {r.ratio:.2f} × {pickup} "
                   f"{r.pickup_a:.0f} A < {r.factor:g} × {pickup}")
    return out


#: The devices of :func:`_bad` that are fuses (the others: a relay, and names without a model).
_FUSES = ("F 1",)


def _bad(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    special = np.array([0.5, 1.5, 2.5, -0.5, -0.0, 0.0, 0.125, 0.005, 0.015, 1.005, 2.675,
                        np.nan, np.inf, -np.inf, 1e300, 1e-300, 123456789.5, 1e16, 1e-5,
                        1.2, 1.5, 100000.0, 1e6, 5e-324])

    def numbers(scale: float) -> np.ndarray:
        x = rng.uniform(0, scale, n)
        ties = rng.random(n) < 0.2  # x.5 and x.x05: rounding ties of the formats
        x[ties] = np.floor(x[ties]) + rng.choice([0.5, 0.005, 0.015], ties.sum())
        pick = rng.random(n) < 0.25
        x[pick] = rng.choice(special, pick.sum())
        return x

    frame = pd.DataFrame({
        "scenario": rng.choice(["base/light", "x/peak/100%", "gone"], n).astype(object),
        "device": rng.choice(["R-HEAD", "F 1", "RC-2", "é"], n).astype(object),
        "element": rng.choice(["phase", "ground"], n).astype(object),
        "fault_bus_name": rng.choice(["b1", "F2-B03", "b%d", "b{x}"], n).astype(object),
        "fault_type": rng.choice(["3ph", "SLG-a", "LL"], n).astype(object),
        "case": np.full(n, "min", dtype=object), "zone": rng.choice(["primary", "backup"], n),
        "i_op_a": numbers(5000.0), "ratio": numbers(3.0), "pickup_a": numbers(900.0),
        "factor": rng.choice([1.5, 1.2, 1.25, 2.0, 1e-7, 3.3333333333333335], n),
        "t_op_s": rng.uniform(0, 9, n), "tolerance": rng.uniform(0, 1, n),
        "stage": rng.choice(["", "sustained", "first_cycle"], n).astype(object),
        "bracket": rng.choice(["", "low", "high", "both"], n).astype(object)})
    # the first cycle's current: the judged one (no charger between) or another
    frame["i_first_a"] = np.where(rng.random(n) < 0.5, frame.i_op_a, numbers(5000.0))
    # repeated rows across scenarios, as the scenarios sharing a charger set give them
    frame = pd.concat([frame, frame.assign(scenario="x/light/100%")], ignore_index=True)
    return frame[_BAD_COLUMNS]


def _ctx():
    texts = {"base/light": "without V2G (base case, light load)",
             "x/peak/100%": "with s1 exporting 1.25 MW (peak load)",
             "x/light/100%": "with s1 exporting 1.25 MW (light load)", "gone": "in scenario %s"}
    devices = {"F 1": Fuse(name="F 1", link="40K"),
               "R-HEAD": OvercurrentRelay(name="R-HEAD", pickup_a=400.0, curve="U2")}
    return SimpleNamespace(export_text=texts.__getitem__, devices=devices)


def test_reach_messages_are_the_per_row_f_strings():
    ctx = _ctx()
    for seed in range(6):
        bad = _bad(700, seed)
        assert _reach_messages(ctx, bad).tolist() == _reference(ctx, bad)


def test_reach_messages_of_one_row_and_of_none():
    ctx = _ctx()
    bad = _bad(1, 9)
    assert _reach_messages(ctx, bad).tolist() == _reference(ctx, bad)
    assert _reach_messages(ctx, bad.iloc[:0]).tolist() == []


def _reach_drop_by_merge(ctx, m: pd.DataFrame) -> pd.DataFrame:
    """C5's reach drop as first written: a merge on the five key columns."""
    from protv2g.checks._common import concat, violation_rows
    from protv2g.criteria import MarginUnit
    from protv2g.violations import CheckStatus

    keys = ["device", "fault_bus", "fault_type", "case"]
    prim = m.loc[(m.zone == "primary").to_numpy(), [*keys, "scenario", "fault_bus_name",
                                                   "i_op_a", "pickup_a", "t_op_s"]]
    prim = prim.assign(base=prim.scenario.map(ctx.base_of))
    base = prim[prim.scenario == prim.base][[*keys, "scenario", "i_op_a"]].rename(
        columns={"scenario": "base", "i_op_a": "i_base_a"})
    v2g = prim[(prim.scenario != prim.base) & (prim.base != "")]
    v2g = v2g[[*keys, "base", "scenario", "fault_bus_name", "i_op_a", "pickup_a", "t_op_s"]]
    j = v2g.merge(base, on=[*keys, "base"])
    if j.empty:
        return concat([])
    frac = ctx.thresholds.v2g_change_fraction
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = 1.0 - j.i_op_a / j.i_base_a
    bad = j[(drop > frac + 1e-12) & (j.i_base_a >= j.pickup_a)]
    drop = drop[bad.index]
    msgs = [
        f"reach of {r.device} reduced: {r.i_op_a:.0f} A instead of {r.i_base_a:.0f} A "
        f"without V2G (−{d:.0%}) for {ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)} "
        f"{ctx.export_text(r.scenario)}" for r, d in zip(bad.itertuples(index=False), drop,
                                                         strict=True)]
    return violation_rows(
        "C5", CheckStatus.WARN, frame=bad, margin_unit=MarginUnit.FRACTION,
        scenario=bad.scenario.to_numpy(),
        fault_bus=bad.fault_bus_name.to_numpy(), fault_type=bad.fault_type.to_numpy(),
        case=bad.case.to_numpy(), device=bad.device.to_numpy(), other_device="",
        i_device_a=bad.i_op_a.to_numpy(), i_other_a=bad.i_base_a.to_numpy(),
        t_device_s=bad.t_op_s.to_numpy(), margin=(frac - drop).to_numpy(), limit=frac,
        message=msgs)


def _zone_rows(n: int, seed: int) -> pd.DataFrame:
    """Zone rows of several scenarios: the same (device, bus, type, case) in each, some
    missing from one, some repeated (a bus in a device's zone twice), NaN and 0 A."""
    rng = np.random.default_rng(seed)
    one = pd.DataFrame({
        "device": rng.choice(["R1", "R2", "F3"], n).astype(object),
        "fault_bus": rng.integers(0, 40, n), "fault_type": rng.choice(["3ph", "SLG"], n),
        "case": "min", "zone": rng.choice(["primary", "primary", "backup"], n)})
    one = one.astype({"fault_type": object, "case": object, "zone": object})
    parts = []
    for sc in ("base/light", "x/light/100%", "y/light/50%", "base/peak", "x/peak/100%",
               "orphan", "nobase"):
        p = one.sample(frac=0.9, random_state=int(rng.integers(1 << 30))).sort_index()
        p = pd.concat([p, p.iloc[:3]]) if sc == "x/light/100%" else p
        parts.append(p.assign(scenario=sc, i_op_a=rng.uniform(0, 2000, len(p))))
    m = pd.concat(parts, ignore_index=True)
    m["fault_bus_name"] = ("b" + m.fault_bus.astype(str)).astype(object)
    m.loc[m.sample(frac=0.05, random_state=seed).index, "i_op_a"] = np.nan
    m.loc[m.sample(frac=0.05, random_state=seed + 1).index, "i_op_a"] = 0.0
    m["pickup_a"] = np.where(m.device == "F3", 200.0, 400.0)
    m["t_op_s"] = rng.uniform(0, 3, len(m))
    return m.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_reach_drop_on_codes_is_the_merge_on_the_key_columns():
    from protv2g.checks.sensitivity import _reach_drop

    base_of = {"base/light": "base/light", "x/light/100%": "base/light",
               "y/light/50%": "base/light", "base/peak": "base/peak",
               "x/peak/100%": "base/peak", "orphan": "absent", "nobase": ""}
    texts = {k: f"({k})" for k in base_of}
    ctx = SimpleNamespace(base_of=base_of, thresholds=SimpleNamespace(v2g_change_fraction=0.1),
                          export_text=texts.__getitem__,
                          fault_text=lambda b, t, c: f"a {t} fault ({c} case) at {b}")
    for seed in range(4):
        m = _zone_rows(300, seed)
        want = _reach_drop_by_merge(ctx, m)
        assert len(want) > 10
        pd.testing.assert_frame_equal(_reach_drop(ctx, m), want, check_exact=True)
    # no pair at all; pairs but no warn row
    m = _zone_rows(50, 7)
    only_base = m[m.scenario.str.startswith("base")].reset_index(drop=True)
    pd.testing.assert_frame_equal(_reach_drop(ctx, only_base),
                                  _reach_drop_by_merge(ctx, only_base), check_exact=True)
    flat = m.assign(i_op_a=100.0)
    assert len(_reach_drop(ctx, flat)) == 0
    pd.testing.assert_frame_equal(_reach_drop(ctx, flat), _reach_drop_by_merge(ctx, flat),
                                  check_exact=True)
    empty = m.iloc[:0]
    pd.testing.assert_frame_equal(_reach_drop(ctx, empty), _reach_drop_by_merge(ctx, empty),
                                  check_exact=True)


def test_join_positions_are_the_merge_pairs_in_its_order():
    from protv2g.checks.sensitivity import _join_positions

    rng = np.random.default_rng(3)
    for case in range(200):
        n_left, n_right = int(rng.integers(0, 60)), int(rng.integers(0, 200))
        unique = case % 3 != 0
        left = (rng.permutation(100)[:n_left] if unique
                else rng.integers(-1, 30, n_left)).astype(np.int64)
        if case % 4 == 1:
            left[: n_left // 3] = -1  # devices without rows
        right = rng.integers(-1 if case % 5 == 0 else 0, 100, n_right).astype(np.int64)
        if case % 2:  # each right key once (the reach drop's base rows), -1 among them
            right = (rng.permutation(101)[:min(n_right, 101)] - (case % 5 == 1)).astype(
                np.int64)
            n_right = len(right)
        j = pd.DataFrame({"_k": left, "_i": np.arange(n_left)}).merge(
            pd.DataFrame({"_k": right, "_r": np.arange(n_right)}), on="_k")
        i, r = _join_positions(left, right)
        np.testing.assert_array_equal(i, j["_i"].to_numpy())
        np.testing.assert_array_equal(r, j["_r"].to_numpy())


def test_reach_messages_of_rows_that_do_not_repeat():
    """Rows all distinct (the distinct blocks' rows, #21): each message written whole, in
    chunks, the same text."""
    ctx = _ctx()
    for seed in range(3):
        bad = _bad(700, seed)
        bad = bad.iloc[:700].reset_index(drop=True)  # the scenario-swapped copy left out
        assert _reach_messages(ctx, bad).tolist() == _reference(ctx, bad)


def test_reach_messages_across_chunks(monkeypatch):
    import protv2g.checks.reach_text as reach_text

    monkeypatch.setattr(reach_text, "_CHUNK", 64)
    ctx = _ctx()
    bad = _bad(500, 11).iloc[:500].reset_index(drop=True)
    assert _reach_messages(ctx, bad).tolist() == _reference(ctx, bad)


def test_stage_notes_are_stage_note_of_each_row():
    from protv2g.checks.reach_text import stage_notes

    bad = _bad(900, 4)
    cols = [bad[c].tolist() for c in ("stage", "bracket", "i_op_a", "i_first_a", "pickup_a",
                                      "factor")]
    assert stage_notes(*cols) == list(map(_stage_note, *cols))
    fuse = (bad.device == "F 1").tolist()
    assert stage_notes(*cols, fuse) == list(map(_stage_note, *cols, fuse))
    assert stage_notes([], [], [], [], [], []) == []


def test_a_fuses_reach_message_says_it_melts():
    """Review rev29 §6 (IEEE 123, F-73): C5 said "while its time-delayed element operates"
    and "× pickup" of a fuse; a relay's and a recloser's keep their words."""
    ctx = _ctx()
    row = {"scenario": "x/peak/100%", "element": "phase", "fault_bus_name": "73",
           "fault_type": "SLG-c", "case": "min", "zone": "primary", "i_op_a": 82.0,
           "ratio": 1.025, "pickup_a": 80.0, "factor": 1.5, "t_op_s": 30.0, "tolerance": 0.2,
           "stage": "sustained", "bracket": "both", "i_first_a": 65.0}
    bad = pd.DataFrame([{**row, "device": "F 1"}, {**row, "device": "R-HEAD"}])[_BAD_COLUMNS]
    fuse, relay = _reach_messages(ctx, bad).tolist()
    assert fuse == (
        "F 1 sees 82 A (phase, sustained stage: the chargers at their sustained limit or below "
        "it while it melts, both brackets; fails in the first cycle too (65 A, 0.81 × minimum "
        "melting current)) for a SLG-c fault (min case) at 73 in its primary zone with s1 "
        "exporting 1.25 MW (peak load): 1.02 × minimum melting current 80 A < 1.5 × minimum "
        "melting current")
    assert "time-delayed element operates" not in fuse and "pickup" not in fuse
    assert relay.startswith("R-HEAD sees 82 A (phase, sustained stage: the chargers at their "
                            "sustained limit or below it while its time-delayed element "
                            "operates, both brackets; fails in the first cycle too (65 A, "
                            "0.81 × pickup))")
    assert relay.endswith(": 1.02 × pickup 80 A < 1.5 × pickup")


def test_reach_messages_taken_and_for_a_twin_are_the_rows_texts():
    """Rows taken in any order, and the rows of a twin scenario (the export text replaced,
    ``MessageArray.replaced``): the texts of the rows, as the f-strings write them."""
    ctx = _ctx()
    bad = _bad(300, 5)
    m, ref = _reach_messages(ctx, bad), _reference(ctx, bad)
    at = np.random.default_rng(2).permutation(len(ref))[:200]
    assert m.take(at).tolist() == [ref[k] for k in at]
    old, new = ctx.export_text("x/peak/100%"), ctx.export_text("x/light/100%")
    assert m.replaced(old, new).tolist() == [r.replace(old, new) for r in ref]


def test_the_note_says_whether_the_chargers_are_at_their_limit():
    """Review rev49a #7a (IEEE 13 F03, F-611 at 60 A sustained, 31 A first cycle, minimum
    melting current 128 A): "the chargers at their sustained limit … both brackets" where the
    chargers' current was the export's P/|V| (≈ 59 A, OpenDSS with a 60.6 A in-phase source
    57.9 A) below the 1.1 / 1.2 pu limits (66 / 72 A) — why the brackets agree. One current
    in both brackets whose limits differ is below both; where they differ, the low bracket's
    chargers are at their limit, the high one's up to theirs."""
    from protv2g.checks.reach_text import limits_apart

    site = SimpleNamespace(limit_pu=1.5, sustained_limit=1.1, sustained_limit_high=1.2)
    doc = SimpleNamespace(v2g_sites=[site], faults=SimpleNamespace(
        high_bracket="sustained_limit"))
    ctx = SimpleNamespace(**vars(_ctx()), study=SimpleNamespace(document=doc))
    assert limits_apart(ctx) and not limits_apart(_ctx())
    row = {"scenario": "x/light/100%", "device": "F 1", "element": "phase",
           "fault_bus_name": "611", "fault_type": "SLG-c", "case": "min", "zone": "primary",
           "i_op_a": 59.8, "ratio": 0.467, "pickup_a": 128.0, "factor": 1.5, "t_op_s": 30.0,
           "tolerance": 0.2, "stage": "sustained", "bracket": "both", "i_first_a": 31.0}
    both, low, high = _reach_messages(ctx, pd.DataFrame(
        [row, {**row, "bracket": "low"}, {**row, "bracket": "high"}])[_BAD_COLUMNS]).tolist()
    assert both.startswith(
        "F 1 sees 60 A (phase, sustained stage: the chargers below their sustained limit (the "
        "export's P/|V| or the current their control gives, the same in both brackets, not "
        "the limit) while it melts, both brackets; fails in the first cycle too (31 A, ")
    assert "the chargers at their sustained limit while it melts, low bracket;" in low
    assert "the chargers at up to their high sustained limit while it melts, high bracket;" \
        in high
    # one limit in both brackets: the same current may be at it
    site.sustained_limit_high = 1.1
    assert not limits_apart(ctx)
    doc.faults.high_bracket = "first_cycle_held"  # the high bracket: 1.5 pu held
    assert limits_apart(ctx)
