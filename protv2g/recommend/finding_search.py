"""The search for one finding: its candidates verified, and the smallest clean one chosen.

Step 3 of the procedure in :mod:`protv2g.recommend.search`: the candidates of one finding are
grouped by setting; in each group the smallest value that clears (or, for a failing finding,
eases to a warning) the finding is found by bisection, then the clearing values are checked
for side effects (:func:`protv2g.recommend.evaluator._effects`, and the costs of practice the
checks do not measure that refuse a candidate the same way: ``practice``, e.g. a slower
clearing of the device's zone-minimum fault beyond 10 s, :mod:`.zone_clearing`). When no
single move clears
or eases it, a relay element's pickup as high as its window allows with each dial step
(:mod:`.pickup_first`). Also why nothing cleared a finding, with how many candidates were
re-checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.errors import InputError
from protv2g.recommend.candidates import FUSE_BLOWING_RANK, Change, describe
from protv2g.recommend.effects import margin_text, new_warnings
from protv2g.recommend.evaluator import Evaluator, _active, _effects
from protv2g.recommend.link_series import is_intermediate, series_note
from protv2g.recommend.pickup_first import (
    PAIR_TRIES,
    Window,
    clean,
    highest,
    pair_fields,
    with_dial,
)
from protv2g.recommend.pickup_first import (
    eases as margin_eased,
)


def _search(ev: Evaluator, accepted: list[Change], cur: pd.DataFrame, target: str,
            options: list[Change], max_tries: int,
            windows: Mapping[str, Window] | None = None,
            practice: Callable[[Change], list[str]] | None = None,
            rank: Callable[[Change], int] | None = None
            ) -> tuple[tuple[Change, pd.DataFrame, list[str], list[str]] | None, int, str]:
    """Smallest candidate that clears ``target`` with no side effect (see module docstring);
    when no single one clears or eases it, a relay element's pickup inside its ``windows``
    with its dial (:mod:`.pickup_first`). ``practice(candidate)``: side effects the checks
    do not measure (:meth:`.zone_clearing.ZoneClearing.side_effects`), asked of a candidate
    that clears or eases the finding; one refuses it as a check's side effect does (review
    rev35a W1: EPRI ckt5's 51G dial 2.4 → 2.8 "verified, side effects: none", its
    zone-minimum clearing 48.1 → 56.4 s). ``rank(candidate)``: groups of a lower rank are
    tried first, the smaller move first within a rank (:func:`.element_first.element_rank`:
    the settings of the element that times the finding); a group of a later rank is still
    tried when its move is smaller than the best found."""
    groups: dict[tuple[Any, ...], list[Change]] = {}
    for c in options:  # giving up fuse saving is a group of its own, tried last; a move of
        # two fields together (C5's phase and ground pickups) is not the first field's alone;
        # values at an edge of their window (.window) after every other group
        groups.setdefault((*c.key, tuple(f for f, _, _ in c.extra),
                           c.size >= FUSE_BLOWING_RANK, bool(c.edge), is_intermediate(c)),
                          []).append(c)
    # a fuse's intermediate-series links after every other group of their rank (.link_series)
    ordered = sorted(groups.values(), key=lambda g: (
        bool(g[0].edge), rank(g[0]) if rank is not None else 0, is_intermediate(g[0]),
        g[0].size))
    held: list[list[Change]] = []  # intermediate links of the fuse a preferred one cleared
    tried = 0
    best = None
    # a failing target that a candidate turns into a warning (its failing rows cleared, e.g.
    # C5's ground rows of a recloser, its phase backup-reach warnings left): kept when no
    # candidate clears it whole (review rev32a W7: R-MID 51G 150 → 140 A)
    eases = str(cur.at[target, "status"]) == "fail" if target in cur.index else False
    partial = None
    # a failing target cleared whole whose only side effects are new warnings (no new
    # failure, nothing worse, no cost of practice): offered only when no candidate clears or
    # eases it cleanly (recfix35: ckt24 F-LAT 25K → 50K clears a pre-existing C8 fail and
    # adds a C5 backup-reach warning, and was refused as every side effect is)
    trade = None
    sides: list[str] = []
    seen_fields: set[tuple[str, bool]] = set()  # a fuse link's two series each
    refused: list[Change] = []  # the first refused of each field (its text: ``sides``)
    # every candidate re-checked for this finding, and those already re-run for an earlier
    # one (their result read from the cache, not counted in ``tried``): review s23, DG
    # feeder, "no candidate clears it (0 tried)" where every candidate had been re-checked
    checked: set[Any] = set()
    cached: set[Any] = set()

    def run(c: Change) -> pd.DataFrame:
        nonlocal tried
        key = ev.key([*accepted, c])
        if key not in checked:
            checked.add(key)
            if key in ev._cache:
                cached.add(key)
        tried += key not in ev._cache
        try:
            return _active(ev.findings([*accepted, c]))
        except InputError:
            return None

    def gone(new: pd.DataFrame | None) -> bool:
        return new is not None and target not in new.index

    def eased(new: pd.DataFrame | None) -> bool:
        return (eases and new is not None and target in new.index
                and str(new.at[target, "status"]) == "warn")

    def first_of(group: list[Change], ok: Callable[[Any], bool],
                 budget: int = max_tries) -> int | None:
        lo, hi = 0, len(group) - 1
        first = None
        while lo <= hi and tried < budget:  # smallest value of the setting that clears
            mid = (lo + hi) // 2
            if ok(run(group[mid])):
                first, hi = mid, mid - 1
            else:
                lo = mid + 1
        return first

    def settle(group: list[Change], first: int) -> None:
        """Verify the clearing values from ``first`` on: the first without side effect."""
        nonlocal best, partial, trade
        for c in group[first:first + 3]:
            if best is not None and c.size >= best[0].size:
                break
            new = run(c)
            if new is None:
                continue
            cleared_it, cleared, side = _effects(cur, new, target)
            cost = (practice(c) if practice is not None and (cleared_it or eased(new))
                    else [])
            warned = (new_warnings(cur, new, target, side)
                      if eases and cleared_it and side and not cost else None)
            if warned and (trade is None or c.size < trade[0].size):
                trade = (c, new, cleared, warned)
            side = [*side, *cost]
            if cleared_it and not side:
                best = (c, new, cleared, side)
                break
            if eased(new) and not side:
                if partial is None or c.size < partial[0].size:
                    partial = (c, new, cleared, side)
                break
            if (cleared_it or eased(new)) and (c.field, is_intermediate(c)) not in seen_fields:
                seen_fields.add((c.field, is_intermediate(c)))  # the first of each
                refused.append(c)
                sides.append(f"{describe(c)}"
                             f"{'' if cleared_it else ' (its failing rows only)'}: "
                             f"{'; '.join(side)}")

    # what became of each group of candidates, for the note of a finding not cleared (review
    # rev36b R01, EPRI J1: "ground_pickup_a 160 → 210: worse C5" named one candidate; the
    # reader could not tell whether the dial was tried): label → outcome
    outcomes: dict[str, str] = {}
    reached: set[str] = set()  # the devices with a group re-checked
    limited: set[str] = set()  # the devices with a group left at the limit
    for group in ordered:
        if group[0].edge and (best is not None or partial is not None):
            break  # a change with margin (whole or easing) found: no edge value is needed
        if best is not None and group[0].size >= best[0].size:
            continue  # a later rank may still hold a smaller move
        if best is not None and is_intermediate(group[0]) and best[0].key == group[0].key:
            held.append(group)  # the preferred series cleared it: an alternative only
            continue
        label = group_label(group)
        if tried >= max_tries:
            outcomes.setdefault(label, f"{label}: not tried (the search's limit of "
                                       f"{max_tries} re-runs was reached)")
            limited.add(group[0].name)
            continue
        reached.add(group[0].name)
        n_refused = len(refused)
        first = first_of(group, gone)
        whole = first is not None
        if not whole and eases and partial is None:
            first = first_of(group, lambda new: gone(new) or eased(new))
        if first is None:
            outcomes.setdefault(label, f"{label}: none clears it" if tried < max_tries
                                else f"{label}: none of those re-checked clears it (the "
                                f"search's limit of {max_tries} re-runs reached)")
            continue
        settle(group, first)
        if len(refused) > n_refused:  # the first value that clears it, and its cost
            outcomes.setdefault(label, sides[-1])
    # each device the finding names gets its best candidate tried, past the limit if need be
    # (:data:`NAMED_TRIES`; review s38, EPRI J1 / IEEE 8500: a C1 finding's primary fuse had
    # its links "not tried (limit reached)" behind the relay's many pickup and dial values)
    past = tried
    for group in _named_groups(ordered, cur, target, limited - reached):
        label = group_label(group)
        n_refused = len(refused)
        probe = group[-1]  # the group's largest move: if it does not clear, none does
        new = run(probe)
        if not (gone(new) or eased(new)):
            outcomes[label] = (f"{label}: none clears it ({describe(probe)}, its largest "
                               f"move, tried past the search's limit of {max_tries} re-runs: "
                               "each device the finding names gets its best candidate)")
            continue
        budget = tried + NAMED_TRIES
        first = first_of(group[:-1], gone if gone(new) else eased, budget)
        settle(group, len(group) - 1 if first is None else first)
        outcomes[label] = (sides[-1] if len(refused) > n_refused else
                           f"{label}: clears it (tried past the search's limit of {max_tries} "
                           "re-runs: each device the finding names gets its best candidate)")
    if best is None and partial is None:
        # neither the pickup nor the dial alone: the pickup as high as its window allows
        # (no other finding worse), then the smallest dial with it (review rev34b M5)
        budget = max_tries + PAIR_TRIES + tried - past  # the named devices' runs aside
        for pickups, dials in pair_fields(options, windows or {}):
            top = highest(pickups, lambda c: clean(cur, run(c), target),
                           lambda: tried < budget)
            if top is None or not margin_eased(cur, run(top), target):
                continue
            group = with_dial(top, dials)
            first = first_of(group, gone, budget)
            if first is not None:
                settle(group, first)
            if best is not None or tried >= budget:
                break
    if best is None and partial is not None:
        best = partial
    traded = best is None and trade is not None
    if traded:
        best = trade
    # "without side effects" only when a candidate cleared it with some: ckt24/J1's C10 said so
    # when none of the candidates cleared it at all
    tried_each = ("candidates tried: " + " | ".join(outcomes.values())
                  if len(outcomes) > 1 else "")  # each group, and why it was refused
    why = (trade_note(cur.loc[target], best[3]) if traded else "" if best else
           f"no candidate clears it without side effects ({tried_each})" if sides and tried_each
           else f"no candidate clears it without side effects ({' | '.join(sides[:3])})" if sides
           else _none_clears(len(checked), len(cached), max_tries)
           + (f"; {tried_each}" if tried_each else ""))
    if best is not None and not traded and best is not partial:  # the link's series
        alt = next((c for g in held for c in g if c.size < best[0].size
                    and gone(new := run(c)) and clean(cur, new, target)
                    and not (practice(c) if practice is not None else [])), None)
        why = "; ".join(x for x in (why, series_note(best[0], alt)) if x)
    if best is not None and not traded and best[0].size >= FUSE_BLOWING_RANK and sides:
        # what kept fuse saving and why it was turned down: the utility's choice to weigh
        why = ("changes that keep fuse saving cleared it with side effects: "
               + " | ".join(sides[:2]))
    elif best is not None and best is partial:
        left = best[1].loc[target]
        why = (f"eases it to a warning: its failing rows cleared, its warning left "
               f"(worst margin {margin_text(left['worst_margin'])} {left['margin_unit']}"
               f"{', at ' + str(left['worst_fault']) if _given(left.get('worst_fault')) else ''})"
               + (f"; the candidates that went further had side effects: "
                  f"{' | '.join(sides[:2])}" if sides else ""))
    return best, tried, why


#: Re-runs past the search's limit a device named in the finding may take when its best
#: candidate clears the finding: the bisection down its group (2–3 for the 2–8 values of a
#: fuse link group) before the first clean value is checked for side effects.
NAMED_TRIES = 3


def _named_groups(ordered: list[list[Change]], cur: pd.DataFrame, target: str,
                  left: set[str]) -> list[list[Change]]:
    """The first group (in the search's order) of each device the finding ``target`` names —
    its device and the other device of a pair — that is in ``left`` (none of its groups
    re-checked, one left at the limit); a fuse's link group is its links inside its window
    (a link below it is a group of its own, tagged ``edge`` by
    :func:`.practice.tag_link_window`, tried only when the device has no other)."""
    if target not in cur.index:
        return []
    row = cur.loc[target]
    names = [str(row.get(c) or "") for c in ("device", "other_device")]
    out = []
    for name in dict.fromkeys(n for n in names if n in left):
        own = [g for g in ordered if g[0].name == name]
        if own:
            out.append(own[0])
    return out


def group_label(group: list[Change]) -> str:
    """``"head ground_time_dial 0.5 → 0.6…1.5"``: a group of candidates of one setting, its
    old value and the range of new values (one value: :func:`describe`'s text).

    >>> from protv2g.recommend.candidates import Family
    >>> g = [Change("devices", "H", "ground_time_dial", 0.5, v, Family.TIME_DIAL, v - 0.5)
    ...      for v in (0.6, 1.0, 1.5)]
    >>> group_label(g)
    'H ground_time_dial 0.5 → 0.6…1.5'
    """
    first, last = describe(group[0]), describe(group[-1])
    if len(group) == 1 or first == last:
        return first
    return f"{first}…{last.rsplit(' → ', 1)[-1]}"


def _given(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v) != ""


def _none_clears(n_checked: int, n_cached: int, max_tries: int) -> str:
    """Why no candidate cleared a finding, with how many were re-checked: a candidate
    re-run for an earlier finding is read from the cache and not counted in the tries, so
    "0 tried" said nothing of the candidates that were checked (review s23).

    More re-checked than the limit (the devices the finding names get their best candidate
    past it, and the pickup–dial pairs a budget of their own) says so: "24 re-checked" beside
    "the search's limit of 14 re-runs" read as a contradiction (review rev48b P4).

    >>> _none_clears(4, 4, 14).endswith("all 4 already re-run for an earlier finding)")
    True
    >>> "(24 re-checked on every scenario: the search's 14 and 10 past its limit" in (
    ...     _none_clears(24, 0, 14))
    True
    """
    if not n_checked:
        return (f"no candidate was re-checked: the search's limit of {max_tries} re-runs "
                "was reached before it")
    past = n_checked - max_tries
    beyond = (f": the search's {max_tries} and {past} past its limit, for the devices the "
              "finding names and the pickup–dial pairs" if past > 0 else "")
    seen = ("" if not n_cached else f", all {n_cached} already re-run for an earlier finding"
            if n_cached == n_checked else f", {n_cached} of them already re-run for an "
            "earlier finding")
    return f"no candidate clears it ({n_checked} re-checked on every scenario{beyond}{seen})"


def trade_note(target: pd.Series, warnings: list[str]) -> str:
    """The note of a traded candidate (:func:`_search`): what it fixes and the warnings it
    adds or makes worse (:func:`.effects.new_warnings`' texts, with their figures); the
    candidate is verified like any other (every scenario, fault and case re-checked), offered
    because none clears the failure without a side effect.

    >>> trade_note(pd.Series({"title": "C8 load pickup: F-LAT", "worst_margin": -12.0,
    ...                       "margin_unit": "A"}), ["new warning C5 reach: F-LAT (warn: …)"]
    ...            ).split("; ")[:2]
    ['trade-off: fixes C8 load pickup: F-LAT (fail, worst margin \u221212 A)', 'side effect: new \
warning C5 reach: F-LAT (warn: …) — none of the candidates re-checked clears it without a \
side effect']
    """
    margin = pd.to_numeric(pd.Series([target.get("worst_margin")]), errors="coerce").iloc[0]
    worst = (f", worst margin {margin_text(margin)} {target['margin_unit']}"
             if np.isfinite(margin) else "")  # a finding with no margin (ver39b: "nan s")
    return (f"trade-off: fixes {target['title']} (fail{worst}); side effect"
            f"{'s' if len(warnings) > 1 else ''}: {'; '.join(warnings)}"
            " — none of the candidates re-checked clears it without a side effect; it adds "
            "no failure and makes no failing finding worse")
