"""The words of a fuse's window (:mod:`protv2g.checks.fuse_window`): what its lower bound
carries, why it is empty, and the C5 remedy of a transformer's own fuse short of a fault of
its zone (review ver37 §6)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from protv2g.checks.fuse_window import (
    LinkWindow,
    largest_load_a,
    link_family,
    link_window,
    transformer_full_load_a,
)

__all__ = ["carried_text", "empty_window_text", "least_current", "own_fuse_remedy"]


def least_current(i_row_a: float, i_idle_a: float = math.nan) -> tuple[float, str]:
    """The current a fuse's window is judged at for one C5 row, and what it is, in words: the
    lesser of the row's own current (the chargers as the row's scenario has them) and the
    same fault's with every charger idle — the link must clear the fault either way. The
    gate's remedy (:func:`own_fuse_remedy`, per row) and recommend's window note
    (:func:`protv2g.recommend.practice.link_window_note`, the finding's least over its rows)
    both read it, so the two give one window (review s38: IEEE 13 f_campus, 30K at the idle
    current on the gate line, 20K at the exporting row in recommend).

    >>> least_current(96.0, 117.6)
    (96.0, "the row's own current 96 A; 118 A with every charger idle")
    >>> least_current(96.0)
    (96.0, "the row's own current 96 A")
    """
    row = f"the row's own current {i_row_a:.0f} A"
    if not math.isfinite(i_idle_a):
        return float(i_row_a), row
    if math.isfinite(i_row_a) and i_row_a <= i_idle_a:
        return float(i_row_a), f"{row}; {i_idle_a:.0f} A with every charger idle"
    idle = f"its current with every charger idle {i_idle_a:.0f} A"
    return float(i_idle_a), (f"{idle}; {row}" if math.isfinite(i_row_a) else idle)


def empty_window_text(w: LinkWindow, device: str, transformer: str = "", basis: str = "") -> str:
    """Why ``w`` holds no link (``""`` when it holds one): the smallest link that carries the
    load (and the transformer's points) and the largest that reaches, e.g. "no K link
    carries F-DEPOT's 110 A … and reaches 119 A / 1.5: the smallest that does is 140K …, the
    largest that reaches 30K (…)"."""
    if not len(w.links) or w.feasible.any():
        return ""
    family = link_family(w.links[0])
    low_ok = w.carries & w.withstands
    carries = carried_text(w, device, transformer)
    smallest = (f"the smallest that does is {w.links[int(np.argmax(low_ok))]}" if low_ok.any()
                else "none does")
    reach = np.flatnonzero(w.reaches)
    if len(reach):
        j = int(reach[-1])
        short = w.lower_violations(w.links[j])[:1]
        largest = (f"the largest that reaches it is {w.links[j]} ({w.pickup_word(j)} "
                   f"{w.reach_pickup_a[j]:.0f} A"
                   + "".join(f"; {x.split(': ', 1)[1]}" for x in short) + ")")
    else:
        largest = "none reaches it"
    said = f" ({basis})" if basis else ""
    return (f"no {family} link carries {carries} and reaches {w.i_fault_min_a:.0f} A / "
            f"{w.factor_text()}{said}: {smallest}, {largest}")


def carried_text(w: LinkWindow, device: str, transformer: str = "") -> str:
    """What the window's lower bound carries, in words ("F-DEPOT's 110 A of load and
    depot_xf's inrush and cold-load pickup (full load 139 A)")."""
    what = []
    if math.isfinite(w.i_load_a):
        what.append(f"{device}'s {w.i_load_a:.0f} A of load")
    if math.isfinite(w.full_load_a):
        what.append(f"{transformer or 'its transformer'}'s inrush and cold-load pickup "
                    f"(full load {w.full_load_a:.0f} A)")
    return " and ".join(what) or "its load"


def own_fuse_remedy(study: Any, flow_device: Any, device: str, link: str, i_fault_a: float,
                    factor: float, ground: bool, basis: str = "") -> str:
    """The remedy of a C5 row of a transformer's own fuse ``device`` (``link``) short of a
    fault of its zone (``i_fault_a``, the current its window is judged at — the lesser of the
    row's own and its current with every charger idle, :func:`least_current`, whose words are
    ``basis``; ``factor`` C5's zone factor): the links inside its window
    (:func:`link_window`: its largest load current in ``flow_device`` — the flows'
    ``scenario, device, i_a`` table, :func:`~protv2g.checks.fuse_window.largest_load_a` —,
    the transformer's full load and points, C8's load limit and C5's reach at
    ``i_fault_a``) when there are some; else that no link carries
    the site and reaches the fault, and what can (review ver37 §6, IEEE 123: "a smaller
    link" for F-DEPOT 200K at 119 A, where ≤ 30K reaches it and carries 42 A of the depot's
    110 A): ground-fault detection upstream for a ground fault, or a confirmed minimum
    fault resistance; a device that sees the fault for a phase fault.
    """
    i_load = largest_load_a(flow_device, device)
    fla = transformer_full_load_a(study, device)
    doc = getattr(study, "document", None)
    k8 = float(getattr(getattr(doc, "checks", None), "load_pickup_factor", 1.5))
    w = link_window(study.library, link, i_load_a=i_load,
                    full_load_a=fla[0] if fla else math.nan, i_fault_min_a=i_fault_a,
                    reach_factor=factor, load_factor=k8)
    xf = fla[1] if fla else ""
    tail = " — not the chargers or their export"
    if not len(w.links):
        return (f"remedy: {device} itself — a smaller link that clears the faults of its own "
                f"zone, its terminal fault included{tail}")
    ok = w.feasible_links()
    said = f" ({basis})" if basis else ""
    if ok:
        family = link_family(w.links[0])
        return (f"remedy: {device} itself — a smaller link ({', '.join(ok)}: the {family} "
                f"links that carry {carried_text(w, device, xf)} and reach "
                f"{i_fault_a:.0f} A / {w.factor_text()}{said}) that clears the faults of its "
                f"own zone, its terminal fault included{tail}")
    r_min = getattr(getattr(doc, "faults", None), "r_fault_min_ohm", None)
    if ground:
        r = f"{float(r_min):g} Ω " if r_min is not None else ""
        need = (f"its zone's {r}ground faults need ground-fault detection upstream (a ground "
                f"element that sees them and is set above {device}'s zone load, or a "
                "sensitive ground-fault relay at the site's feeder tap) or a confirmed "
                "faults.r_fault_min_ohm (the utility's minimum ground-fault resistance at "
                "this voltage)")
    else:
        need = ("its zone's least fault needs a device that sees it (a recloser or relay "
                "with a pickup under it, nearer the fault)")
    return (f"remedy: not {device}'s link — {empty_window_text(w, device, xf, basis)}: {need}"
            f"{tail}")
