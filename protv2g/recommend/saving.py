"""What a recloser's fuse-saving finding allows: the limits of the moves that keep fuse saving.

A recloser that no longer saves a fuse (C2, :mod:`protv2g.checks.recloser_fuse`) is first
made to *see* and *outrun* the fuse again; giving up fuse saving (no fast shot: every
temporary fault on the lateral blows the fuse) comes last (:mod:`.candidates`). Two moves
keep fuse saving, each bounded here by the rules the checks themselves apply, and each
verified afterwards by re-running every check (:mod:`.search`):

* **a lower phase minimum trip**, not below ``load_pickup_factor`` × the largest load
  current the flow puts through the recloser, charging and export peaks included (C8:
  largest load current < pickup / 1.5, ``../shared/domain.md`` §4; IEEE Std C37.230-2020
  §6.1, pickup above maximum load with margin);
* **a ground (51G) element** on a recloser that has none, where the finding's ground faults
  reach it with an **unchanged 3I0** (within ``v2g_change_fraction`` of the case without
  V2G): the chargers feed positive-sequence current only, which lowers the recloser's share
  of the phase current but not of the residual current, so an element on 3I0 sees the fault
  as it did without V2G. Its minimum trip lies between

  - a floor above the unbalance: ``load_pickup_factor`` × the largest residual current the
    flow shows through the recloser (C8's margin applied to 3I0: a residual element must not
    trip on unbalanced load, SEL-351 instruction manual §8 "raise pickup for unbalance
    current"), and no lower than 0.25 × the phase minimum trip, the project's drafted 51G
    rule (:mod:`protv2g.study_draft.head_relay`) standing for the unbalance a balanced
    model cannot show;
  - a ceiling ``min 3I0 of a ground fault in its primary zone / sensitivity_primary_factor``
    (the zone C5 requires, :func:`protv2g.checks.reach_zone.reach_rows`)
    (C5: minimum fault ≥ pickup × 1.5 in the primary zone, ``domain.md`` §4; IEEE Std
    C37.230-2020 §6.2);

  its fast and delayed ground curves are the recloser's own phase curves (the same family:
  OpenDSS's ``Recloser`` and :class:`~protv2g.devices.recloser.RecloserSettings` default the
  ground curves to them), with the phase multipliers.

The residual is the flow's ``i_residual_a`` (``|Ia + Ib + Ic|`` from the phasors of OpenDSS or
of pandapower's three-phase flow; 0 on balanced steps, where the 0.25 × phase floor decides);
a flow table without the column gives 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import build_context
from protv2g.checks.fuse_saving_range import SavingMechanism, is_ground_fault
from protv2g.checks.ground_diverted import diverted_rows
from protv2g.checks.reach_zone import reach_rows
from protv2g.study_draft.head_relay import GROUND_FLOOR_OF_PHASE
from protv2g.units import DeviceKind

__all__ = ["FindingReach", "RecloserLimits", "SavingFacts", "finding_reach", "recloser_limits",
           "no_range", "saved_rows", "saving_lost", "GROUND_FLOOR_OF_PHASE"]



@dataclass(frozen=True)
class RecloserLimits:
    """Bounds of a recloser's phase and ground minimum trips by the checks' rules (A)."""

    device: str
    phase_trip_a: float
    load_a: float
    residual_a: float
    zone_min_3i0_a: float
    phase_floor_a: float
    ground_floor_a: float
    ground_ceiling_a: float
    #: The study's ``checks.load_pickup_factor`` (C8) and ``sensitivity_primary_factor``
    #: (C5) the floor and the ceiling were computed with.
    load_pickup_factor: float = 1.5
    sensitivity_primary_factor: float = 1.5
    #: A zero-sequence source behind the device that takes the zone minimum fault's ground
    #: current (:func:`protv2g.checks.ground_diverted.diverted_rows`; review rev51 #2), in
    #: words; empty where none does.
    diverted: str = ""

    def ground_text(self) -> str:
        """``"[50 A = …, 184 A = …]"``: where the ground minimum trip may lie, and why."""
        return (f"[{self.ground_floor_a:.0f} A = max({self.load_pickup_factor:g} × residual "
                f"{self.residual_a:.0f} A, {GROUND_FLOOR_OF_PHASE:g} × phase "
                f"{self.phase_trip_a:g} A), {self.ground_ceiling_a:.0f} A = zone min 3I0 "
                f"{self.zone_min_3i0_a:.0f} A / {self.sensitivity_primary_factor:g}]")


@dataclass(frozen=True)
class FindingReach:
    """How a fuse-saving finding's faults reach its recloser.

    Attributes
    ----------
    unseen : bool
        The recloser operates for none of the finding's faults (below its minimum trips):
        no fast-shot, instantaneous, delayed-curve or fuse-link change can clear it.
    i0_unchanged : bool
        Every ground fault of the finding brings the recloser a 3I0 within
        ``v2g_change_fraction`` of its case without V2G (a ground element would see it).
    text : str
        The figures, one line per fault with the scenario that decides it
        (:func:`reach_text`), e.g. ``"SLG-a lat1 min at firm/light/100%: phase 143 A (224 A
        without V2G), 3I0 209 A (223 A)"``.
    """

    unseen: bool
    i0_unchanged: bool
    text: str = ""


def recloser_limits(ctx: Any, name: str) -> RecloserLimits | None:
    """The limits of recloser ``name`` (module docstring) from a check context
    (:func:`protv2g.checks._common.build_context`); None without fault or flow tables."""
    th = ctx.thresholds
    flow = ctx.flow.get("device")
    faults = ctx.faults
    if flow is None or faults is None or name not in ctx.devices:
        return None
    mine = flow[flow.device.astype(str) == name]
    load_a = float(np.nanmax(np.abs(mine.i_a.to_numpy(float)))) if len(mine) else 0.0
    residual_a = (float(np.nanmax(mine["i_residual_a"].to_numpy(float)))
                  if len(mine) and "i_residual_a" in mine.columns else 0.0)
    # C5's primary reach zone (to the first step transformer, no LV bus), not the topology's
    zone = reach_rows(ctx.study, ctx.zones.rename(columns={"bus": "fault_bus"}))
    buses = set(zone.fault_bus[(zone.device == name) & (zone.zone == "primary")].tolist())
    f = faults[(faults.device.astype(str) == name) & faults.fault_bus.isin(buses)
               & (faults.case == "min")
               & is_ground_fault(faults.fault_type.to_numpy())]
    if "energized" in f:
        f = f[f.energized.astype(bool)]
    i0 = f.i_ground_a.to_numpy(float)
    ok = np.isfinite(i0) & (i0 > 0)
    zone_min = float(i0[ok].min()) if ok.any() else math.inf
    diverted = ""
    if ok.any():  # the zone minimum's fault: does a bank behind the device take its current?
        w = f.iloc[int(np.flatnonzero(ok)[np.argmin(i0[ok])])]
        notes = diverted_rows(ctx, {k: np.array([str(w[k])], dtype=object) for k in (
            "scenario", "device", "fault_bus_name", "fault_type", "case")})
        diverted = "" if notes is None else str(notes[0])
    st = ctx.devices[name].settings   # a recloser's phase minimum trip, a relay's 51P
    trip = float(getattr(st, "phase_min_trip_a", None) or getattr(st, "pickup_a", 0.0) or 0.0)
    return RecloserLimits(
        device=name, phase_trip_a=trip, load_a=load_a, residual_a=residual_a,
        zone_min_3i0_a=zone_min,
        phase_floor_a=th.load_pickup_factor * load_a,
        ground_floor_a=max(th.load_pickup_factor * residual_a, GROUND_FLOOR_OF_PHASE * trip),
        ground_ceiling_a=zone_min / th.sensitivity_primary_factor,
        load_pickup_factor=th.load_pickup_factor,
        sensitivity_primary_factor=th.sensitivity_primary_factor, diverted=diverted)


def finding_reach(ctx: Any, evidence: pd.DataFrame, recloser: str) -> FindingReach:
    """:class:`FindingReach` of a finding from its evidence rows (``scenario``,
    ``fault_bus`` name, ``fault_type``, ``case``, ``t_device_s``) and the context's fault
    table (each row and its base twin, :attr:`CheckContext.base_of`)."""
    t = pd.to_numeric(evidence.get("t_device_s"), errors="coerce").to_numpy(float)
    unseen = bool(len(t)) and bool(np.isposinf(t).all())  # NaN: a row without a fault
    faults = ctx.faults
    ground = evidence[is_ground_fault(evidence.fault_type.to_numpy())]
    if faults is None or ground.empty:
        return FindingReach(unseen, False)
    mine = faults[faults.device.astype(str) == recloser].set_index(
        ["scenario", "fault_bus_name", "fault_type", "case"])
    mine = mine[~mine.index.duplicated()]
    frac = ctx.thresholds.v2g_change_fraction
    ok = True
    seen: dict[tuple[str, str, str], list[tuple[float, str, float, float, float, float]]] = {}
    for r in ground.drop_duplicates(["scenario", "fault_bus", "fault_type", "case"]).itertuples():
        key = (r.scenario, r.fault_bus, r.fault_type, r.case)
        base = ctx.base_of.get(r.scenario, r.scenario) or r.scenario
        bkey = (base, *key[1:])
        if key not in mine.index or bkey not in mine.index:
            ok = False
            continue
        i0, i0_b = float(mine.at[key, "i_ground_a"]), float(mine.at[bkey, "i_ground_a"])
        ip, ip_b = float(mine.at[key, "i_phase_a"]), float(mine.at[bkey, "i_phase_a"])
        ok &= bool(i0 >= (1.0 - frac) * i0_b)
        ratio = i0 / i0_b if i0_b > 0 else np.inf
        seen.setdefault((str(r.fault_type), str(r.fault_bus), str(r.case)), []).append(
            (ratio, str(r.scenario), ip, ip_b, i0, i0_b))
    return FindingReach(unseen, ok, reach_text(seen))


def reach_text(seen: Mapping[tuple[str, str, str], Sequence[tuple[float, str, float, float,
                                                                   float, float]]],
               limit: int = 2) -> str:
    """The figures of :class:`FindingReach`: one line per fault (``seen``: (fault type, bus,
    case) → its scenarios' ``(3I0 / 3I0 without V2G, scenario, phase A, phase A without
    V2G, 3I0 A, 3I0 A without V2G)``), at most ``limit`` faults, each with the scenario that
    decides whether a ground element sees it — the least 3I0 against its case without V2G
    (:func:`finding_reach`'s test) — named, and how many scenarios it is the least of
    (ver39b, EPRI DG feeder F01: "SLG-a lat1 min" twice, 143 A and 159 A, without the
    scenarios: firm and expected participation).

    >>> reach_text({("SLG-a", "lat1", "min"): [
    ...     (0.950, "expected/light/100%", 159.1, 224.0, 211.7, 223.0),
    ...     (0.936, "firm/light/100%", 143.1, 224.0, 208.6, 223.0)]})
    'SLG-a lat1 min at firm/light/100% (of its 2 scenarios, the least 3I0 against no V2G): \
phase 143 A (224 A without V2G), 3I0 209 A (223 A)'
    """
    parts = []
    for (ftype, bus, case), rows in list(seen.items())[:limit]:
        ratio, scen, ip, ip_b, i0, i0_b = min(rows, key=lambda x: (x[0], x[1]))
        n = len({x[1] for x in rows})
        which = f" (of its {n} scenarios, the least 3I0 against no V2G)" if n > 1 else ""
        parts.append(f"{ftype} {bus} {case} at {scen}{which}: phase {ip:.0f} A ({ip_b:.0f} A "
                     f"without V2G), 3I0 {i0:.0f} A ({i0_b:.0f} A)")
    more = len(seen) - limit
    return "; ".join(parts) + (f"; {more} more fault(s)" if more > 0 else "")


def saved_rows(coord: pd.DataFrame | None, by_kind: bool = False
               ) -> Mapping[tuple[str, ...], tuple[int, float]]:
    """``{(recloser, fuse): (fault rows saved, smallest margin s)}`` of the C2 fuse-saving
    rows that pass: what a recloser gives up when it stops saving fuses. ``by_kind``: keyed
    ``(recloser, fuse, kind)``, ``kind`` ``"ground"`` for the ground faults (SLG, LLG:
    :func:`~protv2g.checks.fuse_saving_range.is_ground_fault`) and ``"phase"`` for the
    others — the two kinds of fault the checks judge a pair's fuse-saving range for
    (:class:`~protv2g.checks.fuse_saving_range.SavingMechanism` ``NO_RANGE``)."""
    if coord is None or coord.empty:
        return {}
    c = coord[(coord.criterion == "C2") & coord.check.astype(str).str.startswith("fuse saving")
              & coord.ok.astype(bool)]
    if c.empty:
        return {}
    keys = [c.backup.astype(str), c.primary.astype(str)]
    if by_kind:
        keys.append(pd.Series(np.where(is_ground_fault(c.fault_type.astype(str).to_numpy()),
                                       "ground", "phase"), index=c.index))
    g = c.groupby(keys).margin_s.agg(["size", "min"])
    return {k: (int(v["size"]), float(v["min"])) for k, v in g.iterrows()}


def no_range(violations: pd.DataFrame | None) -> frozenset[tuple[str, str, str]]:
    """The ``(recloser, fuse, kind)`` with no fuse-saving range at all for that kind of fault
    (C2 rows :attr:`SavingMechanism.NO_RANGE`; ``kind`` as in :func:`saved_rows`)."""
    if violations is None or violations.empty or "mechanism" not in violations.columns:
        return frozenset()
    v = violations[(violations.criterion.astype(str) == "C2") & (
        violations.mechanism.astype(str) == SavingMechanism.NO_RANGE.value)]
    kind = np.where(is_ground_fault(v.fault_type.astype(str).to_numpy()), "ground", "phase")
    return frozenset(zip(v.device.astype(str), v.other_device.astype(str), kind, strict=True))


_FAULTS = {"ground": "ground faults (SLG, LLG)", "phase": "phase faults (3ph, LL)"}


def saving_lost(now: Mapping[tuple[str, ...], tuple[int, float]],
                after: Mapping[tuple[str, ...], tuple[int, float]],
                ranges_now: frozenset = frozenset(), ranges_after: frozenset = frozenset()
                ) -> list[str]:
    """What a change gives up of fuse saving that no finding shows: each recloser–fuse pair
    and kind of fault whose fuse-saving range is gone (``ranges_*``: :func:`no_range` before
    and after the change), or whose fault rows saved before are none after (``now``,
    ``after``: :func:`saved_rows` ``by_kind``), with the pair's saved rows before → after.

    Such a pair's rows become ``info`` ("no fuse-saving range" or "above crossover: saving
    impossible by design", :mod:`protv2g.checks.fuse_saving_range`) — not a finding the
    search counts as new or worse, and with a link that small already so without V2G
    ("pre-existing"). A C2 "range shrunk by V2G" warning then reads as cleared because no
    range is left (review rev41c W1: the depot's FU-F1-LAT2 40K → 25K "verified" for RC-F1's
    shrunk range; the 25K's minimum melt, 0.157 s at RC-F1's 280 A minimum trip, lies below
    the fast curve × K at every current). The search refuses such a candidate as it does a
    side effect (:func:`protv2g.recommend.finding_search._search`): giving up fuse saving is
    the fast-shot move's, tried last and said so (:func:`.practice.practice_notes`).

    >>> saving_lost({("RC", "F1", "ground"): (126, 0.002)}, {("RC", "F1", "ground"): (18, 0.004)},
    ...             frozenset(), frozenset({("RC", "F1", "phase")}))
    ['gives up fuse saving: RC has no fuse-saving range over F1 for phase faults (3ph, LL) \
after it (its fast shot × K no longer opens before the fuse starts to melt at any current: C2 \
"no fuse-saving range", info, no finding); RC saves F1 in 18 fault rows after it, 126 before']
    """
    lost = sorted({k for k in ranges_after - ranges_now}
                  | {k for k, (n, _) in now.items() if n > 0 and after.get(k, (0,))[0] == 0})
    out = []
    for key in lost:
        recloser, fuse, kind = (*key, "")[:3]
        faults = _FAULTS.get(kind, "faults")
        why = ("its fast shot × K no longer opens before the fuse starts to melt at any "
               'current: C2 "no fuse-saving range", info, no finding' if key in ranges_after
               else 'its rows turn "saving impossible by design", info, no finding')
        n_now = sum(n for k, (n, _) in now.items() if k[:2] == (recloser, fuse))
        n_after = sum(n for k, (n, _) in after.items() if k[:2] == (recloser, fuse))
        rows = (f"; {recloser} saves {fuse} in {n_after} fault rows after it, {n_now} before"
                if n_now != n_after else "")
        out.append(f"gives up fuse saving: {recloser} has no fuse-saving range over {fuse} "
                   f"for {faults} after it ({why}){rows}" if key in ranges_after else
                   f"gives up fuse saving: {recloser} saves {fuse} in none of the "
                   f"{now[key][0]} {faults} rows it saved ({why})")
    return out


class SavingFacts:
    """Reach and trip limits of the recloser of each fuse-saving finding (:mod:`.saving`),
    from a check context of the study with the changes accepted so far (rebuilt when they
    change)."""

    def __init__(self, ev: Any, apply: Callable[[Any, Sequence[Any]], Any]) -> None:
        self.ev = ev  # the search's Evaluator: study, tables, memo key, findings
        self.apply = apply  # :func:`.apply.apply_to_study`
        self._ctx: tuple[tuple, Any] | None = None

    def _context(self, accepted: Sequence[Any]) -> Any:
        key = self.ev.key(accepted)
        if self._ctx is None or self._ctx[0] != key:
            ev = self.ev
            self._ctx = (key, build_context(self.apply(ev.study, accepted),
                                            ev.device_faults, ev.flow, ev.scenarios))
        return self._ctx[1]

    def windows(self, name: str, accepted: Sequence[Any]) -> dict[str, Any]:
        """Relay ``name``'s pickup windows with ``accepted`` applied
        (:func:`.pickup_first.relay_windows`); empty when they cannot be made."""
        from protv2g.recommend.pickup_first import relay_windows

        try:
            return relay_windows(self._context(accepted), name)
        except (KeyError, AttributeError, ValueError):
            return {}

    def limits(self, name: str, accepted: Sequence[Any]) -> RecloserLimits | None:
        """:func:`recloser_limits` of device ``name`` (a recloser or a relay) with
        ``accepted`` applied; None without tables."""
        return recloser_limits(self._context(accepted), name)

    def of(self, finding: pd.Series, accepted: Sequence[Any]
           ) -> tuple[FindingReach | None, RecloserLimits | None]:
        """``(reach, limits)`` of a C2 finding on a recloser, else ``(None, None)``."""
        name = str(finding.get("device") or "")
        if str(finding.get("criterion")) != "C2":
            return None, None
        ctx = self._context(accepted)
        dev = ctx.devices.get(name)
        if dev is None or getattr(dev, "kind", None) is not DeviceKind.RECLOSER:
            return None, None
        evidence = self.ev.findings(accepted).evidence  # the finding's own run
        rows = evidence[evidence["finding"] == finding.get("finding")]
        return finding_reach(ctx, rows, name), recloser_limits(ctx, name)
