"""What a verified change gives up that the checks do not measure — a decision of practice
for the utility, stated beside the change in its side effects (:func:`practice_notes`): a
phase pickup above its conductor's rating, giving up fuse saving, a smaller fuse link's
continuous current (:func:`link_continuous_note`), a pickup lowered below a downstream
device's (:func:`downstream_pickup_note`). A fuse link below its window's lower bound (the
load it carries, its transformer's inrush and cold-load points) is tagged before the search
tries it (:func:`tag_link_window`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_window import (
    LINK_CONTINUOUS_FRACTION,
    link_window,
    transformer_full_load_a,
)
from protv2g.devices.transformer_withstand import points_text
from protv2g.recommend.link_note import largest_load_a
from protv2g.recommend.window import DeviceLoads
from protv2g.study_draft.fuse_draft import (
    COLD_LOAD_MARGIN,
    LOAD_CAP_MULTIPLE,
    carries_cold_load,
    link_continuous_a,
    within_load_cap,
)

__all__ = ["LINK_CONTINUOUS_FRACTION", "SERIES_ORDER_SOURCE", "below_downstream",
           "downstream_pickup_note", "link_continuous_note", "practice_notes",
           "reclose_dead_time_note", "reclose_sequence_note",
           "tag_below_downstream", "tag_link_window"]

#: Study-file fields that set a phase overcurrent pickup (relay 51P, recloser phase minimum trip).
_PHASE_PICKUPS = ("pickup_a", "phase_min_trip_a")

#: Continuous current of a fuse link as a fraction of its rating (tin K/T ≈ 150 %, silver
#: 100 %): :data:`protv2g.checks.fuse_window.LINK_CONTINUOUS_FRACTION`, with its sources.
_LINK_RE = re.compile(r"(\d+(?:\.\d+)?)([A-Za-z]+)")


def link_continuous_note(change: Any, loads: DeviceLoads | None) -> str:
    """For a fuse link change, the largest load current through the fuse in any flow
    scenario (:class:`.window.DeviceLoads`, charging snapshots included) against the new
    link's ampere rating, and above 100 % a warning: within a tin link's continuous
    capability, not a silver link's (:data:`LINK_CONTINUOUS_FRACTION`); "" for another
    change, an unrated link name or a fuse not in the flow (review rev33a R10, EPRI ckt24:
    F-LAT 100K → 65K carrying 70.7 A at charging/firm, 109 % of the 65 A link, verified
    with nothing said).

    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> c = SimpleNamespace(field="link", name="F", new="65K")
    >>> note = link_continuous_note(c, DeviceLoads({("F", "phase"): np.array([40.0, 70.7])}))
    >>> "70.7 A in the flows, 109 % of the 65K link's 65 A rating" in note
    True
    """
    m = _LINK_RE.fullmatch(str(getattr(change, "new", "")))
    i_a = (loads.by_element.get((str(change.name), "phase")) if loads is not None else None)
    if getattr(change, "field", "") != "link" or m is None or i_a is None or not len(i_a):
        return ""
    rating_a, i_max = float(m.group(1)), float(np.max(i_a))
    ratio = i_max / rating_a
    head = (f"practice: {change.name} carries up to {i_max:.1f} A in the flows, "
            f"{100 * ratio:.0f} % of the {change.new} link's {rating_a:g} A rating")
    tin, silver = LINK_CONTINUOUS_FRACTION["tin"], LINK_CONTINUOUS_FRACTION["silver"]
    if ratio <= silver + 1e-9:
        return f"{head}: within its continuous rating (tin or silver element)"
    if ratio <= tin + 1e-9:
        return (f"{head}: within a tin-element K/T link's continuous capability (≈ "
                f"{100 * tin:.0f} % of rating, maker's data), not a silver-element link's "
                f"({100 * silver:.0f} %, recalled) — confirm the link the utility stocks "
                "(tin K/T, or keep a larger link where its links are silver)")
    return (f"{head}: above even a tin-element link's ≈ {100 * tin:.0f} % — the link would "
            "melt or age under load: keep a larger link or manage the load behind it")


def link_rule_notes(change: Any, loads: DeviceLoads | None) -> list[str]:
    """For a fuse link change, each of ``protv2g init``'s sizing rules the new link breaks,
    with the rule and its figures, by init's own functions on the largest load current
    through the fuse in the flows (as :func:`link_continuous_note`): the cold-load rule
    (:func:`~protv2g.study_draft.fuse_draft.carries_cold_load`: 1.5 × the peak load within
    the link's continuous capability) and the load cap
    (:func:`~protv2g.study_draft.fuse_draft.within_load_cap`: no link above 3 × the peak
    load, said where the change raises the link). Review rev44a M3, EPRI ckt5: R02's 80K
    at 94.8 A (142 A above its 120 A) and R01's 100K on a 23.3 A lateral (cap 69.9 A) said
    neither. ``[]`` for another change, an unrated link or a fuse not in the flow.

    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(field="link", name="F", old="100K", new="80K")
    >>> link_rule_notes(c, DeviceLoads({("F", "phase"): np.array([94.8])}))[0][:64]
    "practice: the 80K link breaks protv2g init's cold-load rule: 1.5"
    """
    m = _LINK_RE.fullmatch(str(getattr(change, "new", "")))
    i_a = (loads.by_element.get((str(change.name), "phase")) if loads is not None else None)
    if getattr(change, "field", "") != "link" or m is None or i_a is None or not len(i_a):
        return []
    rating_a, peak_a = float(m.group(1)), float(np.max(i_a))
    old = _LINK_RE.fullmatch(str(getattr(change, "old", "")))
    out = []
    if not carries_cold_load(rating_a, peak_a):
        out.append(f"practice: the {change.new} link breaks protv2g init's cold-load rule: "
                   f"{COLD_LOAD_MARGIN:g} × the peak load {peak_a:.1f} A = "
                   f"{COLD_LOAD_MARGIN * peak_a:.0f} A is above its "
                   f"{link_continuous_a(rating_a):g} A continuous capability (init sizes a "
                   "link to carry it: cold-load pickup after an outage, load growth) — keep "
                   "a larger link or confirm the lateral's cold-load current")
    if not within_load_cap(rating_a, peak_a) and (old is None
                                                  or rating_a > float(old.group(1))):
        out.append(f"practice: the {change.new} link breaks protv2g init's load cap: "
                   f"{rating_a / peak_a:.1f} × the peak load {peak_a:.1f} A, above "
                   f"{LOAD_CAP_MULTIPLE:g} × ({LOAD_CAP_MULTIPLE * peak_a:.1f} A; init takes "
                   "no link above it, as a utility sizes a lateral's link from its load) — a "
                   "larger link is slower on the lateral's overloads and low-current faults")
    return out


def reclose_sequence_note(change: Any) -> str:
    """For a first reclose interval raised above a later one, that it is (review rev40a M4,
    EPRI J1: RC-MID [0.5, 2, 2] → [3.5, 2, 2] offered with "side effects: none"): reclose
    intervals usually lengthen towards lockout (e.g. 0.5-2-10 s), and a control may not accept
    a first interval longer than the next; "" for another change.

    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(field="reclose_intervals_s", name="R", new=[3.5, 2.0, 2.0])
    >>> reclose_sequence_note(c)[:72]
    "practice: R's first reclose interval 3.5 s becomes longer than the later"
    """
    new = getattr(change, "new", None)
    if getattr(change, "field", "") != "reclose_intervals_s" or not new or len(new) < 2:
        return ""
    first, later = float(new[0]), [float(t) for t in new[1:]]
    if first <= min(later) + 1e-9:
        return ""
    return (f"practice: {change.name}'s first reclose interval {first:g} s becomes longer than "
            f"the later one(s) ({', '.join(f'{t:g}' for t in later)} s): an unusual sequence "
            "(intervals usually lengthen towards lockout) — confirm the control accepts it, or "
            f"lengthen the later intervals to at least {first:g} s")


def reclose_dead_time_note(change: Any) -> str:
    """For a first reclose interval lengthened (C10's move), what the customers see and why
    the value (review rev50b #8, the depot's R02: RC-F1 [0.5, …] → [3.5, …] with "side
    effects: none"): every temporary fault in the recloser's zone now leaves its customers
    without supply for the new first interval before the first reclose — a longer momentary
    interruption (IEEE Std 1366-2012 counts an interruption under 5 min as momentary either
    way, but motors, process loads and customer equipment that ride through a 0.5 s dead time
    may not ride through 3.5 s). At protv2g init's drafted 3.5 s
    (:data:`protv2g.study_draft.head_relay.RECLOSE_INTERVALS_DER_S`) the note says where it comes
    from: the next 0.5 s step above IEEE 1547-2018 §8.1's 2 s cease-to-energise + the 1.0 s top
    of C10's 0.2–1.0 s margin bracket (:data:`protv2g.devices.rules.RECLOSE_MARGIN_BRACKET_S`;
    C10 needs the interval *longer* than the sum, so 3.0 s is not enough at the bracket's top);
    C10 at a smaller margin passes with less. "" for another change or a shorter interval.

    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(field="reclose_intervals_s", name="R", old=[0.5, 2.0], new=[3.5, 2.0])
    >>> reclose_dead_time_note(c)[:68]
    "practice: R's first reclose (dead time) 0.5 → 3.5 s: every temporary"
    """
    from protv2g.checks.reclosing import EXISTING_DER_CEASE_S
    from protv2g.devices.rules import RECLOSE_MARGIN_BRACKET_S
    from protv2g.study_draft.head_relay import RECLOSE_INTERVALS_DER_S

    old, new = getattr(change, "old", None), getattr(change, "new", None)
    if getattr(change, "field", "") != "reclose_intervals_s" or not new:
        return ""
    first_new = float(new[0])
    first_old = float(old[0]) if old else math.nan
    if math.isfinite(first_old) and first_new <= first_old + 1e-9:
        return ""
    was = f"{first_old:g} → " if math.isfinite(first_old) else ""
    than = f" instead of {first_old:g} s" if math.isfinite(first_old) else ""
    # no " — " and no "; " inside brackets: the Summary quotes each "; " part up to " — "
    # (report.summary_memo.side_effect_heads; ver50 #3: the bracket's end was cut off)
    text = (f"practice: {change.name}'s first reclose (dead time) {was}{first_new:g} s: every "
            f"temporary fault in its zone leaves its customers without supply for "
            f"{first_new:g} s{than} before the first reclose (a longer momentary "
            "interruption: confirm that motor and process loads on the zone ride through it)")
    if abs(first_new - RECLOSE_INTERVALS_DER_S[0]) < 1e-9:
        low, high = RECLOSE_MARGIN_BRACKET_S
        text += (f"; {first_new:g} s is protv2g init's drafted first reclose, the next 0.5 s "
                 f"step above IEEE 1547-2018 §8.1's {EXISTING_DER_CEASE_S:g} s "
                 f"cease-to-energise + the {high:g} s top of C10's {low:g}–{high:g} s margin "
                 "bracket (C10 needs the interval longer than their sum: at the study's own "
                 "margin, on the Rules sheet, a shorter interval may pass)")
    return text


def practice_notes(change: Any,
                    conductors: Mapping[str, tuple[str, float]] | None = None,
                    gives_up: Mapping[str, tuple[int, float]] | None = None,
                    loads: DeviceLoads | None = None, pairs: pd.DataFrame | None = None,
                    devices: Sequence[Any] | None = None) -> list[str]:
    """What a verified change gives up that the checks do not measure (a decision of practice
    for the utility, stated beside the change). ``conductors``: each device's protected
    conductor and its continuous rating (A), :func:`.conductor.protected_conductor_a`;
    ``gives_up``: for a change to no fast shot, ``{fuse: (fault rows saved before, least
    margin s)}`` — the rows it turns from fuse saving to fuse blowing; ``loads``: the flows'
    currents per device, for a fuse link's continuous current (:func:`link_continuous_note`);
    ``pairs`` (primary, backup) and the study's ``devices``, for a pickup lowered below a
    downstream device's (:func:`downstream_pickup_note`)."""
    link = link_continuous_note(change, loads)
    if link:
        return [link, *link_rule_notes(change, loads)]
    reclose = [n for n in (reclose_sequence_note(change), reclose_dead_time_note(change)) if n]
    if reclose:
        return reclose
    below = downstream_pickup_note(change, pairs, devices or ())
    if below:
        return below
    line_a = (conductors or {}).get(change.name)
    if (change.field in _PHASE_PICKUPS and line_a is not None
            and float(change.new) > line_a[1] * (1.0 + 1e-9)):
        return [f"practice: {change.name}'s phase pickup {float(change.new):g} A is above the "
                f"continuous rating of the conductor it protects ({line_a[0]}, "
                f"{line_a[1]:g} A): the conductor loses its overload protection — accept "
                "only where the utility leaves overloads to operations, else cap the "
                "charging/export or re-conductor"]
    if change.field == "n_fast" and change.new == 0:
        lost = "; ".join(f"{fuse}: {n} fault row(s) saved, least margin {m:+.3g} s"
                         for fuse, (n, m) in sorted((gives_up or {}).items()))
        return [f"practice: {change.name} gives up fuse saving (fuse blowing: every temporary "
                "fault on a fused lateral blows the fuse and interrupts its customers) — a "
                "utility decision, not only a setting; tried after every change that keeps "
                "fuse saving"
                + (f"; it turns from saving to fuse blowing {lost}" if lost else "")]
    return []


#: Each relay's or recloser's pickup field of each element (study file).
_ELEMENT_FIELDS = {"pickup_a": "phase", "phase_min_trip_a": "phase",
                   "ground_pickup_a": "ground", "ground_min_trip_a": "ground"}


def _element_pickup(dev: Any, element: str) -> tuple[str, float] | None:
    """(field, value A) of ``dev``'s pickup of ``element``, None when it has none."""
    for fld, el in _ELEMENT_FIELDS.items():
        v = getattr(dev, fld, None)
        if el == element and v is not None:
            return fld, float(v)
    return None


def below_downstream(change: Any, pairs: pd.DataFrame | None, devices: Sequence[Any]
                     ) -> list[tuple[str, str, str, float, float]]:
    """Each ``(element, downstream device, its field, its pickup A, the new pickup A)`` where
    ``change`` lowers a pickup of ``element`` below the same element's pickup of a relay or
    recloser right downstream (``pairs``: :func:`protv2g.topology.primary_backup_pairs`,
    the changed device the ``backup``); ``[]`` for another change or without ``pairs``.

    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> pairs = pd.DataFrame({"primary": ["R"], "backup": ["H"]})
    >>> c = SimpleNamespace(name="H", field="ground_pickup_a", old=240.0, new=90.0)
    >>> below_downstream(c, pairs, [SimpleNamespace(name="R", ground_min_trip_a=140.0)])
    [('ground', 'R', 'ground_min_trip_a', 140.0, 90.0)]
    """
    if pairs is None or not len(pairs) or not {"primary", "backup"} <= set(pairs.columns):
        return []
    below = sorted(str(p) for p in pd.unique(pairs.loc[pairs["backup"].astype(str)
                                                       == str(change.name), "primary"]))
    by_name = {d.name: d for d in devices}
    out = []
    for fld, old, new in getattr(change, "fields", ((change.field, change.old, change.new),)):
        element = _ELEMENT_FIELDS.get(fld)
        if element is None or not isinstance(new, (int, float)) or not (
                isinstance(old, (int, float)) and new < old):
            continue
        for name in below:
            got = _element_pickup(by_name.get(name), element)
            if got is not None and got[1] > float(new) + 1e-9:
                out.append((element, name, got[0], got[1], float(new)))
    return out


def downstream_pickup_note(change: Any, pairs: pd.DataFrame | None,
                           devices: Sequence[Any]) -> list[str]:
    """For a pickup lowered (a C5 reach move), each relay or recloser right downstream of the
    device (:func:`below_downstream`) whose pickup of the same element stays above the new
    value: faults in that device's zone with a current between the two (3I0 for the ground
    element) trip the lowered device with the downstream one not operating — the upstream
    device's whole zone out for a fault the downstream one should clear, where no
    coordination check judges it (C4 judges a pair where both operate). Review rev33a R39
    (EPRI ckt24): the head relay's 51G inside its window 27–103 A sits under R-MID's 140 A
    ground minimum trip. ``[]`` for another change or without ``pairs``. Since session 34
    :mod:`.search` does not accept such a change (:func:`tag_below_downstream`); the note
    stays for a caller that does."""
    return [f"practice: {_below_text(change.name, *b)}"
            for b in below_downstream(change, pairs, devices)]


def _below_text(upstream: str, element: str, name: str, fld: str, pickup_a: float,
                new: float) -> str:
    what = "3I0" if element == "ground" else "phase current"
    return (f"{upstream}'s {element} pickup {new:g} A is below {name}'s {fld} {pickup_a:g} A "
            f"downstream: {element} faults in {name}'s zone with {what} between {new:g} and "
            f"{pickup_a:g} A trip {upstream} with {name} not operating — {upstream}'s whole "
            f"zone out for them (no coordination check judges a pair where one device does "
            f"not operate); lower {name}'s {fld} too where its load allows, or accept "
            f"{upstream} as the only device that sees them")


#: Source of the series ordering of pickups (:func:`tag_below_downstream`).
SERIES_ORDER_SOURCE = (
    "series devices: the upstream device's pickup at or above the downstream device's of "
    "the same element, so that every fault the upstream device sees the downstream one sees "
    "too and the time margin decides (IEEE C37.230-2020 §6 feeder relay–recloser "
    "coordination, recalled; Horowitz & Phadke, Power System Relaying, §4.4 radial "
    "systems: the upstream relay picks up at the same primary current as the downstream "
    "one)")


def tag_below_downstream(options: list[Any], pairs: pd.DataFrame | None,
                         devices: Sequence[Any]) -> list[Any]:
    """``options`` (:class:`~.change.Change`), each that lowers a pickup below a relay's or
    recloser's right downstream (:func:`below_downstream`) tagged ``below`` (and ``edge``:
    :mod:`.search` tries it after every other candidate and, if it is the one that clears
    the finding, gives a warning, :data:`.result.SERIES_STATUS`, not a verified change). The
    checks cannot see the miscoordination it makes: C1–C4 judge a pair at faults where the
    primary operates (:func:`protv2g.checks.coordination.evaluate_pairs`), and for a fault
    between the two pickups the downstream device does not (review ver33/fix33g, EPRI
    ckt24: head 51G 240 → 90 A "verified" under R-MID's 140 A ground minimum trip)."""
    out = []
    for c in options:
        found = below_downstream(c, pairs, devices)
        if found:
            why = "; ".join(
                f"below {name}'s {fld} {pk:g} A downstream: {el} faults in {name}'s zone "
                f"with {'3I0' if el == 'ground' else 'phase current'} between {new:g} and "
                f"{pk:g} A would trip {c.name} with {name} not operating ({c.name}'s whole "
                f"zone out for faults {name} should clear, which no coordination check "
                "judges: C1–C4 judge a pair where the primary operates)"
                for el, name, fld, pk, new in found)
            c = dataclasses.replace(c, below=why, edge="; ".join(x for x in (c.edge, why)
                                                                  if x))
        out.append(c)
    return out


def tag_link_window(options: list[Any], study: Any, loads: DeviceLoads | None,
                    load_factor: float = 1.5) -> list[Any]:
    """``options`` (:class:`~.change.Change`), each fuse-link change whose new link is below
    the fuse's window (:func:`protv2g.checks.fuse_window.link_window`: its C8 load limit —
    minimum melt / ``load_factor``, C8's ``load_pickup_factor`` — not above the largest flow
    current through it or its transformer's full load,
    or its minimum melt inside the transformer's inrush or cold-load points) tagged ``edge``
    with the violated points: :mod:`.search` tries it after every other candidate and, if it
    is the one that clears the finding, says so as a warning, not a verified change (review
    ver37 §4b, EPRI ckt5: "F-DEPOT link 100K → 80K (verified)" on depot_xf, 1.5 MVA, FLA
    69.4 A, where 80K melts in 0.90 s at 6 × FLA and 9.3 s at 3 × FLA, inside the cold-load
    points 1 s and 10 s; the side effect checked the continuous rating only). The reach (the
    window's upper bound) is left to the search's re-check of C5."""
    windows: dict[tuple[str, str], Any] = {}
    out = []
    for c in options:
        if getattr(c, "field", "") != "link" or getattr(c, "section", "") != "devices":
            out.append(c)
            continue
        key = (str(c.name), str(c.old))
        if key not in windows:
            fla = transformer_full_load_a(study, key[0])
            windows[key] = (link_window(study.library, key[1],
                                        i_load_a=largest_load_a(loads, key[0]),
                                        full_load_a=fla[0] if fla else float("nan"),
                                        load_factor=load_factor), fla)
        w, fla = windows[key]
        why = w.lower_violations(str(c.new)) if str(c.new) in w.links else []
        if why:
            ok = [x for x, good in zip(w.links, w.carries & w.withstands, strict=True)
                  if good]
            keep = f"; the smallest link that does is {ok[0]}" if ok else ""
            what = (f"{fla[1]}'s inrush and cold-load withstand (minimum melt above "
                    f"{points_text()}: transformer-fuse practice; the cold-load points "
                    "recalled)" if fla else
                    "the load through it within C8's limit")
            edge = (f"{c.new} is below {c.name}'s window — " + "; ".join(why)
                    + f": it does not carry {what}{keep}")
            c = dataclasses.replace(c, edge="; ".join(x for x in (c.edge, edge) if x))
        out.append(c)
    return out
