"""A gG way fuse at the head of a low-voltage feeder (review rev38b F2).

``protv2g init`` on the IEEE European LV test feeder (416 V, 50 Hz) drafted an IEEE-EI relay
with a 25 kA IEC 60947-2 breaker rating at the head line; a European secondary substation's LV
way is protected by an NH gG fuse-link (250–400 A typical, 500–630 A for large ways and
incomers), and the engineer had to delete the relay by hand. At a head on ≤ 1 kV
(:data:`~protv2g.topology_reach.LOW_VOLTAGE_KV`) ``init`` now drafts, in the relay's place
and under its name, a study fuse with an IEC 60269 gG link:

* **Rule.** The smallest rating of the library's gG series (``relay_library/fuse_gg.yaml``,
  16–630 A) with In ≥ the head's peak load current without V2G (the model's snapshot load,
  largest phase; :func:`head_fuse`). The way fuse stands for the one the feeder has before
  the project: it is not sized up for the sites' charging or export — where those exceed In,
  C8 says so as the project's finding (the comment gives the figure). A gG link carries its
  rated current continuously (IEC 60269-1 §5.3.1, clause number recalled) and does not melt
  below its conventional non-fusing current 1.25 In (Table 2), so C8 reads In as its load
  limit (:func:`protv2g.checks.fuse_gg_limits.gg_load_limit_a`); a circuit is sized
  Ib ≤ In ≤ Iz (IEC 60364-4-43 §433.1, recalled): the cable's Iz is the engineer's to check.
* **Rating.** The LV fuse class's (:data:`protv2g.study_draft.ratings.LV_RATING_CLASSES`:
  50 or 120 kA), the smallest at or above the head's maximum fault, as every drafted rating
  (the European LV feeder: 50 kA for its 24.25 kA).
* **Where not.** A head whose load needs more than the largest gG link keeps the relay (an
  incomer of that size is a circuit-breaker); ``init --lv-head relay`` keeps the relay
  everywhere (the behaviour before); a head above 1 kV always keeps it.

The fuse's clearing at the zone's minimum faults (total clearing, the band's high end) is
written beside it: a gG way fuse that does not clear the far end's minimum fault within 5 s
is C5's finding (:mod:`protv2g.checks.fuse_gg_limits`), and the TODO says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from protv2g.devices.library import CurveLibrary
from protv2g.devices.load_limit import load_limit_a
from protv2g.devices.models import Fuse
from protv2g.study_draft.low_voltage import is_low_voltage

__all__ = ["GG_STANDARD", "HEAD_FUSE_FIX", "HeadFuseProposal", "LV_HEAD_CHOICES",
           "gg_series_a", "head_fuse", "head_fuse_comments", "head_fuse_rule_text"]

#: The ``standard`` of the library's IEC 60269 gG links.
GG_STANDARD = "IEC 60269 gG"
#: ``init --lv-head``: what is drafted at a feeder head on ≤ 1 kV.
LV_HEAD_CHOICES = ("fuse", "relay")
#: The fix of the drafted link's TODO.
HEAD_FUSE_FIX = ("give the way's fuse-link (rating and maker's curve if you have it, e.g. "
                 "link: 250gG), at most the cable's Iz; or draft the relay with protv2g init "
                 "--lv-head relay where the way has a circuit-breaker")


@dataclass
class HeadFuseProposal:
    """A drafted gG way fuse at a low-voltage feeder head: its study entry (``kind: fuse``,
    the relay proposal's name and location) and the figures behind the link."""

    entry: dict
    figures: dict = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)


def gg_series_a(library: CurveLibrary) -> tuple[float, ...]:
    """The rated currents (A) of the library's gG links named ``<In>gG``, ascending.

    >>> from protv2g.devices.library import default_library
    >>> s = gg_series_a(default_library()); s[0], s[-3:]
    (16.0, (400.0, 500.0, 630.0))
    """
    out = {float(c.rating_a) for c in library
           if c.standard == GG_STANDARD and c.name == f"{c.rating_a:g}gG"}
    return tuple(sorted(out))


def head_fuse_rule_text() -> str:
    """The rule in one clause (the drafted fuse's TODO)."""
    return ("smallest IEC 60269 gG rating (library series 16–630 A) with In ≥ the head's "
            "peak load current without V2G: a gG link carries In continuously and does not "
            "melt below 1.25 In (IEC 60269-1 Table 2), C8's load limit is In; Ib ≤ In ≤ Iz (IEC "
            "60364-4-43 §433.1, recalled)")


def head_fuse(prop: Any, library: CurveLibrary) -> HeadFuseProposal | None:
    """The gG way fuse drafted in place of the head relay ``prop``
    (:class:`~protv2g.study_draft.head_relay.RelayProposal`), or None where the relay is kept:
    its head above 1 kV, or a load above the largest gG link.

    The load is ``figures["peak_load_a"]`` (the head's peak load current without V2G, A,
    largest phase); the link is the smallest of :func:`gg_series_a` whose C8 load limit
    (:func:`~protv2g.devices.load_limit.load_limit_a`: In for a gG link) is ≥ it. The V2G
    cases (``figures["c8_load_a"]``, ``["c8_case"]``) are not sized for: the comment says
    where they exceed In (C8's finding).
    """
    f: Mapping[str, Any] = prop.figures
    if not is_low_voltage(float(f.get("head_kv", math.nan))):
        return None
    load_a = float(f.get("peak_load_a", math.nan))
    if not math.isfinite(load_a):
        return None
    # C8's own load limit of each link (In for a gG band link, no factor: one rule, read by
    # C8 and the draft, :func:`protv2g.devices.load_limit.load_limit_a`)
    fuse = next((fz for fz in (Fuse(name=prop.entry["name"], link=f"{r:g}gG")
                               for r in gg_series_a(library))
                 if load_limit_a(fz, 1.0) >= load_a * (1 - 1e-9)), None)
    if fuse is None:
        return None
    rating = float(fuse.curve.rating_a)
    link = f"{rating:g}gG"
    clear = {}
    for key in ("min_phase_fault_zone_a", "min_ground_fault_zone_a"):
        i_a = float(f.get(key, math.nan))
        if math.isfinite(i_a) and i_a > 0:
            clear[key] = float(fuse.total_clear_time_s([i_a])[0])
    entry = {"name": prop.entry["name"], "kind": "fuse", "location": prop.entry["location"],
             "link": link}
    why = (f"{link}: peak load {load_a:.1f} A (no V2G) needs In ≥ {load_a:.1f} A, the "
           "smallest of the gG series "
           f"({', '.join(f'{r:g}' for r in gg_series_a(library))} A) is {rating:g} A")
    c8_a, case = float(f.get("c8_load_a", math.nan)), str(f.get("c8_case", "peak"))
    if case != "peak" and math.isfinite(c8_a) and c8_a > rating:
        why += (f"; with the V2G sites' {case} the head carries {c8_a:.1f} A > In: C8 "
                "reports it (a larger way fuse, or the cable's Iz, is the engineer's call)")
    figures = {**f, "load_a": load_a, "rating_a": rating, "why": why, "clear_s": clear}
    return HeadFuseProposal(entry, figures)


def head_fuse_comments(prop: HeadFuseProposal, der_off: bool, r_fault_ohm: float
                       ) -> list[str]:
    """The comment lines above a drafted head fuse: why a fuse, the load and the zone's
    minimum faults with the link's total clearing at them."""
    from protv2g.study_draft.low_voltage import zone_faults_text

    f = prop.figures
    clear = f.get("clear_s", {})
    said = [f"{k.split('_')[1]} {t:.3g} s" for k, t in clear.items() if math.isfinite(t)]
    lines = [f"# drafted: the model has no relay, recloser or fuse at this feeder head on "
             f"{1e3 * float(f['head_kv']):.0f} V: an IEC 60269 gG way fuse as a European LV "
             "way has (init --lv-head relay drafts a relay instead)",
             f"# peak load {f['peak_load_a']:.0f} A (the model's snapshot load"
             + (", existing DER off: gross load)" if der_off else ")")
             + f"; {zone_faults_text(f, r_fault_ohm)}"]
    # the gate takes it as the feeder head (rev49a #4): which criteria judge it, which not
    from protv2g.gate_coverage import FUSE_HEAD_JUDGED, FUSE_HEAD_NOT_JUDGED

    lines.append("# the feeder-head device (protv2g's gate takes a way fuse at the board as "
                 "the head of a ≤ 1 kV feeder): judged by "
                 + ", ".join(f"{c} ({w})" for c, w in FUSE_HEAD_JUDGED.items())
                 + "; not by " + ", ".join(f"{c} ({w})" for c, w in FUSE_HEAD_NOT_JUDGED.items()))
    if said:
        lines.append(f"# {prop.entry['link']} total clearing at those faults: "
                     f"{', '.join(said)} (the band's high end; C5 judges the far end's "
                     "minimum fault against the link's Imax(5 s))")
    return lines
