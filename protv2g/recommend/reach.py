"""C5 reach: the failing element's pickup searched downward, bounded by C8's load margin.

A C5 finding (a device that does not see the minimum fault of its zone with the margin of
``checks.sensitivity_primary_factor``, 1.5 × pickup, or the backup factor) is cleared by a
lower pickup of the element that fails — the phase element for phase faults, the ground
element (51G / ground minimum trip, on 3I0) for ground faults, the one C5 judged the row on —
as long as the pickup stays above the largest current that element carries with no fault
(C8, domain.md: largest load current < pickup / ``checks.load_pickup_factor``; for a ground
element the largest standing residual 3I0 = |Ia + Ib + Ic| of any flow scenario, unbalanced
load and single-phase chargers included). Review s20 (EPRI ckt5, F01): the drafted head
relay's 51G at 190 A saw 273 A (3I0) for an SLG fault through 20 Ω, 1.43 × pickup; 180 A
clears it, which ``recommend`` had not tried ("lower the pickup only after checking load
(C8); not searched").

Bounds (:class:`ReachLimits`), both from the study's own results:

* **C5 ceiling** — the smallest ``I_op / factor`` over the finding's rows of that element
  (the operating current each failing row's device sees, over its zone's factor): a pickup at
  or below it meets C5 on every row of the finding;
* **C8 floor** — ``load_pickup_factor`` × the largest current of that element in the power
  flow (phase: ``|i_a|``; ground: ``|i_residual_a|``) over every scenario and step, the
  charging snapshots included: a pickup must stay above it.

The moves are the pickups below the present one (:func:`element_values`), nearest first, on
the device's declared setting step (:mod:`.steps`) or the assumed settings grid of
:mod:`.candidates` (10 A steps up to 200 A, 50 A above; 10/5/1 A inside a narrow window), each
keeping 5 % beyond both criteria's own factors (:mod:`.window`): those above C5's ceiling ease
the finding (its failing rows), those at least 5 % inside it clear it, the highest of them —
C5's edge sets it — being :func:`window_pick`'s. When no value keeps the margin to both edges,
the window's maximin value is the only move, tagged: :mod:`.search` tries it after every other
candidate and, if it is the one, says so as a warning (review s33: J1's R-MID 400 → 360 A was
"verified" 1.5 A above C8's floor). :mod:`.search` finds the highest that clears the finding
and accepts it only when the re-run of every check (C5, C8, the coordination pairs it touches)
shows no other finding new or worse. When the ceiling is below the floor no pickup satisfies
both and the note says so with both limits. A finding failing on both elements moves each
alone and both, step by step together; an element with no window does not stop the others'
moves (review rev32a W7, EPRI J1: R-MID's ground window 95–142 A was printed beside "no
ordinary setting change").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.criteria import MarginUnit
from protv2g.recommend.candidates import Change, Family, _change, _lower, _rel
from protv2g.recommend.evaluator import _identity
from protv2g.recommend.reach_unreleased import unreleased, unreleased_text
from protv2g.recommend.steps import SettingSteps, settings_steps
from protv2g.recommend.window import (
    WINDOW_MARGIN,
    Pick,
    choose_lower,
    edge_reasons,
    window_warning,
)
from protv2g.units import DeviceKind

__all__ = ["ReachFacts", "ReachLimits", "element_values", "reach_moves", "window_pick"]

Element = Literal["phase", "ground"]
#: Study-file pickup field of each element, per device kind.
_FIELDS: dict[DeviceKind, dict[str, str]] = {
    DeviceKind.RELAY: {"phase": "pickup_a", "ground": "ground_pickup_a"},
    DeviceKind.RECLOSER: {"phase": "phase_min_trip_a", "ground": "ground_min_trip_a"},
}
#: The margin unit of C5's reach rows (I_op / pickup − factor); its reach-drop rows differ.
_PICKUP_MULTIPLE = MarginUnit.PICKUP_MULTIPLE.value
#: What C8 reads for each element, for the notes.
_LOAD_TEXT = {"phase": "load current", "ground": "standing residual 3I0"}


@dataclass(frozen=True)
class ReachLimits:
    """One element's pickup bounds for a C5 finding (module docstring), in primary A."""

    device: str
    element: Element
    field: str
    pickup_a: float
    ceiling_a: float
    i_fault_a: float
    c5_factor: float
    floor_a: float
    load_a: float
    c8_factor: float
    #: The C5 ceiling over the element's *failing* rows only (A; NaN without one): a pickup
    #: between it and :attr:`ceiling_a` clears the failing rows and leaves warnings (e.g.
    #: backup reach, factor 1.2) — the finding eases from fail to warn.
    ceiling_fail_a: float = float("nan")
    #: The device's declared setting steps (:mod:`.steps`; none: the assumed grid).
    steps: SettingSteps = SettingSteps()

    @property
    def feasible(self) -> bool:
        """Whether a pickup meets both C5 (≤ ceiling) and C8 (> floor)."""
        return not (self.ceiling_a <= self.floor_a)

    def text(self) -> str:
        """Both limits, e.g. ``ground pickup ≤ 182 A for C5 (3I0 273 A / 1.5) and > 54 A for
        C8 (1.5 × largest standing residual 3I0 36 A)``."""
        c8 = (f"> {self.floor_a:.0f} A for C8 ({self.c8_factor:g} × largest "
              f"{_LOAD_TEXT[self.element]} {self.load_a:.0f} A in any flow scenario)"
              if np.isfinite(self.load_a) else "C8's load not known (no flow result)")
        return (f"{self.device} {self.element} pickup ≤ {self.ceiling_a:.0f} A for C5 "
                f"(smallest {'3I0' if self.element == 'ground' else 'phase current'} of the "
                f"finding's faults {self.i_fault_a:.0f} A / {self.c5_factor:g}) and {c8}")

    def margin_text(self, pickup_a: float) -> str:
        """C8's margin at ``pickup_a``."""
        if not np.isfinite(self.load_a):
            return "C8 margin not known (no flow result)"
        lim = pickup_a / self.c8_factor
        return (f"C8 margin: largest {_LOAD_TEXT[self.element]} {self.load_a:.0f} A < "
                f"{pickup_a:g} A / {self.c8_factor:g} = {lim:.0f} A (margin "
                f"{lim - self.load_a:.0f} A)")


def _element_of(rows: pd.DataFrame, dev: Any) -> np.ndarray:
    """The element each C5 evidence row was judged on: ground for a ground fault whose row's
    pickup (``i_other_a``) is the device's ground pickup, phase otherwise."""
    field = _FIELDS[dev.kind]["ground"]
    gp = getattr(dev, field, None)
    ground = is_ground_fault(rows["fault_type"].to_numpy())
    if gp is None:
        return np.full(len(rows), "phase", dtype=object)
    pick = pd.to_numeric(rows["i_other_a"], errors="coerce").to_numpy(float)
    same = np.isclose(pick, float(gp), rtol=1e-6) | ~np.isfinite(pick)
    return np.where(ground & same, "ground", "phase").astype(object)


def reach_limits(finding: Mapping[str, Any], evidence: pd.DataFrame, dev: Any,
                 flow_device: pd.DataFrame | None, c8_factor: float) -> list[ReachLimits]:
    """:class:`ReachLimits` of each element the C5 ``finding`` fails on (its evidence rows),
    for ``dev`` (a relay or recloser entry of the study file)."""
    if (dev is None or dev.kind not in _FIELDS or str(finding.get("criterion")) != "C5"
            or str(finding.get("margin_unit")) != _PICKUP_MULTIPLE):
        return []  # not a reach shortfall (C5's reach-drop rows are a fraction of current)
    ev = evidence[evidence["finding"].astype(str) == str(finding["finding"])]
    ev = ev[ev["status"].astype(str).isin(("fail", "warn"))
            & (ev["margin_unit"].astype(str) == _PICKUP_MULTIPLE)]
    if ev.empty:
        return []
    element = _element_of(ev, dev)
    i_op = pd.to_numeric(ev["i_device_a"], errors="coerce").to_numpy(float)
    factor = pd.to_numeric(ev["limit"], errors="coerce").to_numpy(float)
    flow = (flow_device[flow_device["device"].astype(str) == dev.name]
            if flow_device is not None and "device" in flow_device.columns else None)
    failing = (ev["status"].astype(str) == "fail").to_numpy()
    out = []
    for el in ("phase", "ground"):
        # a row at 0 A (no element released: rev50a #2) bounds no pickup (:func:`unreleased`)
        at = (element == el) & np.isfinite(i_op) & (i_op > 0) & np.isfinite(factor) \
            & (factor > 0)
        field = _FIELDS[dev.kind][el]
        present = getattr(dev, field, None)
        if not at.any() or present is None:
            continue
        k = int(np.argmin(i_op[at] / factor[at]))
        col = "i_a" if el == "phase" else "i_residual_a"
        load = (pd.to_numeric(flow[col], errors="coerce").abs().max()
                if flow is not None and col in flow.columns and len(flow) else np.nan)
        load = float(load) if load is not None and np.isfinite(load) else np.nan
        fl = at & failing
        out.append(ReachLimits(
            dev.name, el, field, float(present), float(i_op[at][k] / factor[at][k]),
            float(i_op[at][k]), float(factor[at][k]),
            c8_factor * load if np.isfinite(load) else 0.0, load, c8_factor,
            float(np.min(i_op[fl] / factor[fl])) if fl.any() else float("nan"),
            settings_steps(dev)))
    return out


def window_pick(lim: ReachLimits) -> Pick | None:
    """The pickup :func:`.window.choose_lower` picks in ``lim``'s window (C8's floor, C5's
    ceiling] below the present one, on the device's step or the assumed grid: the highest
    with 5 % margin to both edges, else the maximin value (``edge``); None when the window
    holds no value.

    >>> lim = ReachLimits("R", "phase", "phase_min_trip_a", 400, 369.2, 443, 1.2, 358.5,
    ...                   239, 1.5)
    >>> window_pick(lim).value_a, window_pick(lim).edge
    (364.0, True)
    """
    if not lim.feasible:
        return None
    return choose_lower(lim.floor_a, lim.ceiling_a, lim.pickup_a, lim.steps)


def element_values(lim: ReachLimits, n: int = 20) -> list[tuple[float, str]]:
    """``lim``'s pickups to try, as ``(value, edge)`` (``edge``: why the value keeps less than
    :data:`.window.WINDOW_MARGIN` to an edge of the window, else ``""``), the present one's
    nearest first: the grid's values with that margin above C8's floor — those above C5's
    ceiling ease the finding (its failing rows), those at least 5 % below it clear it — with
    :func:`window_pick`'s value among them; then, tagged, the highest grid value inside C5's
    ceiling by less than the margin (the smallest move that clears it, on paper) and, when no
    value keeps the margin to both edges, the window's maximin value. Empty when no pickup
    satisfies both limits. :mod:`.search` tries the tagged values only when no other
    candidate clears or eases the finding, and then as a warning."""
    pick = window_pick(lim)
    if pick is None:
        return []
    low = lim.floor_a * (1.0 + WINDOW_MARGIN)
    high = lim.ceiling_a / (1.0 + WINDOW_MARGIN)
    ladder = _lower(lim.pickup_a, lim.floor_a, lim.steps, n)
    keep = {v for v in ladder if v >= low - 1e-6
            and (v <= high + 1e-6 or v > lim.ceiling_a + 1e-9)}
    edges = [v for v in ladder if high + 1e-6 < v <= lim.ceiling_a + 1e-9
             and v > lim.floor_a + 1e-9][:1]
    if pick.edge:
        edges.append(pick.value_a)
    else:
        keep.add(pick.value_a)
    out = [(v, "") for v in sorted(keep, reverse=True)]
    out += [(v, window_warning(lim.field, v, lim.floor_a, lim.ceiling_a))
            for v in dict.fromkeys(edges) if v not in keep]
    return out


def reach_moves(limits: Sequence[ReachLimits], n: int = 20) -> list[Change]:
    """The pickups of :func:`element_values` (nearest the present one first; a value without
    margin to the window's edges tagged ``edge``, tried last by :mod:`.search`): each element
    whose window exists on its own, and, when the finding fails on both elements and both have
    values, both stepping together (the first element's field carries the other's as
    ``extra``; its size the sum of both moves; tagged when either value is).
    An element with no pickup satisfying both limits gets no move; the others still do
    (review rev32a W7: an empty phase list dropped R-MID's ground window 95–142 A)."""
    values = [(lim, element_values(lim, n)) for lim in limits]
    values = [(lim, v) for lim, v in values if v]
    out = [_change("devices", lim.device, lim.field, lim.pickup_a, v, Family.PICKUP,
                   _rel(lim.pickup_a, v), edge=why) for lim, vals in values for v, why in vals]
    if len(values) > 1 and len(values) == len(limits):
        lims = [lim for lim, _ in values]
        clean = [[x for x in vals if not x[1]] for _, vals in values]
        edge = [[x for x in vals if x[1]] for _, vals in values]
        # the values with margin step together; an element with none steps its tagged ones
        # (the pairs tagged, tried last)
        lists = [c or e for c, e in zip(clean, edge, strict=True)]
        for k in range(max(len(x) for x in lists)):
            out.append(_together(lims, [x[min(k, len(x) - 1)] for x in lists]))
    return out


def _together(lims: Sequence[ReachLimits], vals: Sequence[tuple[float, str]]) -> Change:
    """One move of every element of ``lims`` to its value of ``vals`` (``(value, edge)``):
    the first element's field carries the others' as ``extra``; its size the sum of the
    moves; tagged when any value is."""
    main = lims[0]
    extra = tuple((lim.field, lim.pickup_a, v) for lim, (v, _w) in zip(lims[1:], vals[1:],
                                                                        strict=True))
    size = sum(_rel(lim.pickup_a, v) for lim, (v, _w) in zip(lims, vals, strict=True))
    why = "; ".join(w for _v, w in vals if w)
    return _change("devices", main.device, main.field, main.pickup_a, vals[0][0],
                   Family.PICKUP, size, extra, edge=why)


@dataclass
class ReachFacts:
    """What :mod:`.search` asks about a C5 finding: its moves, and the notes beside them.

    Attributes
    ----------
    evidence : DataFrame
        The study's findings evidence (before any change).
    flow_device : DataFrame or None
        The flow's device table (``device``, ``i_a``, ``i_residual_a``).
    c8_factor : float
        ``checks.load_pickup_factor``.
    findings : DataFrame or None
        The findings ``evidence`` belongs to (before any change): a finding of a later run —
        renumbered once an accepted change cleared a finding ahead of it — is read by its
        identity (criterion, device, partner, unit, mechanism), not its id. Review rev33a
        R39 (EPRI ckt24): after three accepted changes the head relay's C5 finding was F31
        in the search's current findings, F39 in the evidence; F31's rows were another
        finding's, so no pickup was tried and the finding read "no ordinary setting change:
        reach: window 27–103 A". None: ids taken as they are.
    """

    evidence: pd.DataFrame
    flow_device: pd.DataFrame | None
    c8_factor: float
    findings: pd.DataFrame | None = None
    #: The study's fault tables (``FaultTables`` or the device table; None: not known): the
    #: 3I0 of the faults no pickup clears (:func:`unreleased_text`).
    faults: Any = None
    #: identity → id of :attr:`findings` (made at the first use)
    _ids: dict[str, str] | None = field(default=None, init=False, repr=False)

    def _own(self, finding: Mapping[str, Any]) -> Mapping[str, Any]:
        """``finding`` with the id its identity has in :attr:`findings` (itself when it is
        not there, or without :attr:`findings`)."""
        keys = ("criterion", "device", "other_device", "margin_unit", "mechanism")
        if self.findings is None or not len(self.findings) or not all(
                k in finding for k in keys):
            return finding
        if self._ids is None:
            self._ids = dict(zip(_identity(self.findings),
                                 self.findings["finding"].astype(str), strict=True))
        key = _identity(pd.DataFrame([{k: finding[k] for k in keys}])).iloc[0]
        fid = self._ids.get(key)
        return finding if fid is None else {**dict(finding), "finding": fid}

    def limits(self, finding: Mapping[str, Any], devices: Sequence[Any]) -> list[ReachLimits]:
        """:func:`reach_limits` of ``finding`` (by its identity in :attr:`findings`) for its
        device among ``devices``."""
        dev = next((d for d in devices if d.name == str(finding.get("device"))), None)
        return reach_limits(self._own(finding), self.evidence, dev, self.flow_device,
                            self.c8_factor)

    def moves(self, finding: Mapping[str, Any], devices: Sequence[Any]) -> list[Change]:
        """:func:`reach_moves` of ``finding`` (empty unless a C5 finding of a relay or
        recloser)."""
        return reach_moves(self.limits(finding, devices))

    def note(self, finding: Mapping[str, Any], devices: Sequence[Any]) -> str:
        """Both limits of each element, and whether they leave a window: no pickup
        satisfies both (say both limits), or the window and its values (empty when the
        finding is not a C5 finding of a relay or recloser). A window is never called "no
        setting change" (review rev32a W7)."""
        lims = self.limits(finding, devices)
        dev = next((d for d in devices if d.name == str(finding.get("device"))), None)
        zero = (unreleased(self._own(finding), self.evidence)
                if dev is not None and dev.kind in _FIELDS else pd.DataFrame())
        if not lims and not len(zero):
            return ""
        parts = [unreleased_text(zero, dev, self.faults)] if len(zero) else []
        for lim in lims:
            if not lim.feasible:
                parts.append("no pickup satisfies both C5 and C8 — " + lim.text()
                             + ": a lower pickup would trip on load; look at the fault "
                             "resistance assumed, a sectionalising device nearer the faults, "
                             "or the load's unbalance")
            elif (pick := window_pick(lim)) is not None:
                head = f"window {lim.floor_a:.0f}–{min(lim.ceiling_a, lim.pickup_a):.0f} A"
                why = edge_reasons(pick.value_a, lim.floor_a, lim.ceiling_a)
                if why:
                    head += (f": no margin for {' or '.join(why)} at its best value "
                             f"{pick.value_a:g} A")
                parts.append(f"{head}: {lim.text()}")
            else:
                step = lim.steps.pickup_a or 1.0
                parts.append(f"window {lim.floor_a:.1f}–{lim.ceiling_a:.1f} A holds no "
                             f"setting on a {step:g} A step below the present "
                             f"{lim.pickup_a:g} A: {lim.text()}")
        return "reach: " + "; ".join(parts)

    def basis(self, change: Change, finding: Mapping[str, Any], devices: Sequence[Any]) -> str:
        """Why an accepted lower pickup is allowed: its window (C5 ceiling, C8 floor), which
        edge set the value (:mod:`.window`: the highest value 5 % inside C5's ceiling, or the
        maximin of a narrow window), its C8 margin, and the step it is on (the device's, or
        the assumed grid, said so)."""
        by_field = {lim.field: lim for lim in self.limits(finding, devices)}
        parts = []
        for fld, _old, new in change.fields:
            lim = by_field.get(fld)
            if lim is not None and isinstance(new, (int, float)) and math.isfinite(new):
                parts.append(_value_basis(lim, float(new)))
        return "; ".join(parts)


def _value_basis(lim: ReachLimits, new: float) -> str:
    """The basis text of one element's new pickup ``new`` (A): which edge drove it, both
    margins, and its step."""
    pick = window_pick(lim)
    m = f"{100 * WINDOW_MARGIN:g} %"
    if new > lim.ceiling_a + 1e-9:  # between the failing rows' ceiling and every row's
        c5 = (f"≤ {lim.ceiling_fail_a:.0f} A, the C5 ceiling of its failing rows (every "
              f"row's, warnings included, is {lim.ceiling_a:.0f} A): eases the finding")
    elif pick is not None and math.isclose(new, pick.value_a) and not pick.edge:
        c5 = (f"≤ C5 ceiling {lim.ceiling_a:.0f} A: C5's edge set it — the highest value "
              f"at least {m} inside it ({lim.ceiling_a:.1f} A / {1 + WINDOW_MARGIN:g} = "
              f"{lim.ceiling_a / (1 + WINDOW_MARGIN):.1f} A), keeping the most load margin")
    elif pick is not None and math.isclose(new, pick.value_a):
        c5 = (f"≤ C5 ceiling {lim.ceiling_a:.0f} A: the window is narrower than {m} to "
              f"each edge; the value with the largest smaller margin "
              f"(C8 +{100 * pick.margin_floor:.1f} %, C5 +{100 * pick.margin_ceiling:.1f} %)")
    else:
        c5 = (f"≤ C5 ceiling {lim.ceiling_a:.0f} A ({100 * (lim.ceiling_a / new - 1):.0f} % "
              f"inside it)")
    step = (f"on {lim.device}'s own {lim.steps.pickup_a:.6g} A step ({lim.steps.source})"
            if lim.steps.pickup_a is not None else "on the assumed settings grid (no "
            "pickup_step_a or ct_ratio/pickup_step_secondary_a for the device)")
    return (f"{lim.element} pickup {new:g} A {c5}; {lim.margin_text(new)}, "
            f"{100 * (new / lim.floor_a - 1):.0f} % above C8's floor {lim.floor_a:.0f} A"
            f"; {step}" if lim.floor_a > 0 else
            f"{lim.element} pickup {new:g} A {c5}; {lim.margin_text(new)}; {step}")
