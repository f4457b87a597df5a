"""Hosting figures judged at a site transformer's present no-load tap where the study asks
to change it (review rev34b M2): the words a figure adds (:func:`present_tap_text`), split
from :mod:`protv2g.hosting.limits` (its ``at_present_tap`` column).
"""

from __future__ import annotations

from typing import Any

from protv2g.checks.flow_site_tap import SITE_TAP
from protv2g.violations import is_given

__all__ = ["asked_taps", "present_tap_text"]


def _text(value: object) -> str:
    return str(value) if is_given(value) else ""


def asked_taps(aside: dict) -> set[str]:
    """The site transformers (``device`` of the C12 rows, ``"transformer.depot_xf"``) whose
    no-load tap the study asks to change: a :data:`SITE_TAP` row among the rows set aside,
    at any axis and export (:func:`worst_by_scenario`)."""
    return {_text(r.get("device")) for rows in aside.values() for r in rows
            if _text(r.get("mechanism")) == SITE_TAP and _text(r.get("device"))}


def present_tap_text(rows: list[dict[str, Any]], taps: set[str]) -> str:
    """What a figure limited at a site transformer's bus is judged at, where the study asks
    to change that transformer's no-load tap (:func:`asked_taps`), "" otherwise.

    A no-load tap is one setting for every load level: the light-load row that asks for it
    (:mod:`protv2g.checks.flow_site_tap`) and the peak-load rows that limit the figure are
    the same transformer's. Review rev34b M2 (IEEE 34): the depot's 562 kW at peak was set
    by ``depot_xf`` at tap 1.0 (idle 1.0456 pu, under the tap rule's trigger) while the gate
    asked to raise that tap 1 → 1.025; with it the idle voltage is ≈ 1.020 pu and 600 kW does
    not reach 1.05 pu (OpenDSS). The rows are judged at the present tap (exactly, as the
    model has it); the figure with the asked tap is not computed here (a flow with that
    tap), only said to rise.

    >>> present_tap_text([{"criterion": "C12", "device": "transformer.depot_xf",
    ...                    "fault_bus": "depot_lv", "mechanism": ""}],
    ...                  {"transformer.depot_xf"})[:61]
    'C12 transformer.depot_xf (at depot_lv): judged at depot_xf’s '
    """
    out = []
    for r in rows:
        dev = _text(r.get("device"))
        if str(r.get("criterion")) != "C12" or dev not in taps or _text(
                r.get("mechanism")) == SITE_TAP:
            continue
        name = dev.split(".", 1)[-1]
        at = _text(r.get("fault_bus"))
        out.append(f"C12 {dev}{f' (at {at})' if at else ''}: judged at {name}’s present "
                   f"no-load tap, which the study asks to raise (its C12 row with every site "
                   f"idle gives the tap); a no-load tap is one setting for every load level, "
                   f"so with that tap this figure rises (not re-judged at it here)")
    return "; ".join(dict.fromkeys(out))
