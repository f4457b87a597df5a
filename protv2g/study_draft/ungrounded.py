"""The draft on an ungrounded (delta-fed, 3-wire) feeder: no 51G on its head relay, and the
candidate table's "SLG kA 0.00" explained (review rev33c M1, IEEE 37: Δ–Δ substation).

A bus with no path to ground (:func:`protv2g.flow.opendss_ground.ungrounded_buses`) has no
zero-sequence source: a single-line-to-ground fault there draws the lines' charging current
only (IEEE 37: 2.4–2.6 A at 4.8 kV, OpenDSS 2.40–2.47 A), which no overcurrent element sees.
A 51G drafted there (IEEE 37: 60 A, then 10 A) can never operate; the system's ground faults
are detected by the zero-sequence voltage, a 59N / 3V0 element on a broken-delta VT or
ground-detector lamps (IEEE Std 142-2007 §1.4, ungrounded systems — clause recalled; the
1982 edition's §1.4: "some means of detecting the presence of a ground fault on the system
should be installed"). C5 says the same of the study's ground-fault rows there
(:mod:`protv2g.checks.reach_ungrounded`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from protv2g.network.dss_model import DssModel

__all__ = ["NO_51G_TEXT", "UNGROUNDED_MARK", "candidate_note", "ground_fault_levels_kv",
           "ungrounded_feeder", "ungrounded_names", "without_ground_element"]

#: The draft's TODO on a head relay drafted without 51G (the bus is filled in).
NO_51G_TEXT = ("no 51G drafted: the head's bus {bus} has no path to ground (fed through delta "
               "or ungrounded windings, nothing grounded on the feeder), so a ground fault "
               "draws the lines' charging current only (the relay's |3I0| at its zone's ground "
               "faults ≤ {i0:.2g} A) and no 51G could ever operate; detect ground faults by the "
               "zero-sequence voltage, a 59N / 3V0 element on a broken-delta VT (IEEE Std "
               "142-2007 §1.4, ungrounded systems), and C5 judges no ground fault there")
#: Marks an ungrounded bus's SLG level in the candidate table.
UNGROUNDED_MARK = "†"
_GROUND_KEYS = ("ground_pickup_a", "ground_curve", "ground_time_dial")


def _mask(model: DssModel) -> np.ndarray:
    from protv2g.flow.opendss_ground import ungrounded_buses

    return np.asarray(ungrounded_buses(model), dtype=bool)


def _feeder_primary(model: DssModel, feeder: np.ndarray | None) -> np.ndarray:
    """Mask of the energised primary buses among ``feeder`` (a bus mask; None: all buses)."""
    buses = model.buses
    at = buses.primary.to_numpy(bool).copy()
    if feeder is not None:
        at &= np.asarray(feeder, dtype=bool)
    if "energized" in buses.columns:
        at &= buses.energized.to_numpy(bool)
    return at


def ungrounded_feeder(model: DssModel, feeder: np.ndarray | None = None) -> bool:
    """Whether no energised primary bus of the feeder (``feeder``: a bus mask, the substation's
    feeder bus and below, :func:`protv2g.study_draft.heads.feeder_buses`; None: the whole
    model) has a path to ground: a 3-wire delta-fed feeder (IEEE 37 behind its Δ–Δ
    substation transformer; its source bus above it is grounded), where no ground fault draws
    more than the lines' charging current.

    Every voltage level of the feeder counts, not only the one most buses have (draft44's left
    item: the mode of the primary buses' kV): a grounded 12.47 kV trunk with a Δ–Δ step-down to
    a longer 4.16 kV section is not an ungrounded feeder — ground faults on the trunk draw
    fault current — and the draft's "no ground-fault row" TODO would be wrong there."""
    at = _feeder_primary(model, feeder)
    return bool(at.any()) and bool(_mask(model)[at].all())


def ground_fault_levels_kv(model: DssModel, feeder: np.ndarray | None = None
                           ) -> tuple[float, ...]:
    """The line-to-line voltages (kV, highest first) of the feeder's energised primary buses
    that have a path to ground (``feeder`` as in :func:`ungrounded_feeder`): the levels at
    which the study's minimum-case ground faults through ``faults.r_fault_min_ohm`` are
    placed (the draft's V_LN / R ceiling is stated at each,
    :func:`protv2g.study_draft.draft_assumptions.r_fault_todo`)."""
    at = _feeder_primary(model, feeder) & ~_mask(model)
    kv = np.round(model.buses.kv_ll.to_numpy(float)[at], 3)
    return tuple(float(v) for v in sorted(set(kv[kv > 0].tolist()), reverse=True))


def ungrounded_names(model: DssModel) -> set[str]:
    """Names of the model's buses with no path to ground."""
    return {str(b) for b in model.buses.index[_mask(model)]}


def without_ground_element(proposal: Any, model: DssModel, head: Any) -> Any:
    """``proposal`` (a :class:`~protv2g.study_draft.head_relay.RelayProposal`) without its
    51G when the head's bus (``head.bus``, model bus index) has no path to ground: the
    ground keys dropped from the entry, the 51G pickup steps and reach conflict from the
    figures and TODOs, and :data:`NO_51G_TEXT` in their place; else ``proposal`` itself."""
    mask = _mask(model)
    if not (0 <= int(head.bus) < len(mask)) or not bool(mask[int(head.bus)]):
        return proposal
    entry = {k: v for k, v in proposal.entry.items() if k not in _GROUND_KEYS}
    figures = dict(proposal.figures)
    figures["pickup_steps"] = {k: v for k, v in figures.get("pickup_steps", {}).items()
                               if k != "51G"}
    figures["no_ground_path"] = True
    if "curve_choice" in figures:  # the clearing texts without 51G (.curve_choice)
        figures["curve_choice"] = {**figures["curve_choice"], "no_51g": True}
    i0 = float(figures.get("min_ground_fault_zone_a", np.nan))
    text = NO_51G_TEXT.format(bus=model.buses.index[int(head.bus)],
                              i0=i0 if np.isfinite(i0) else 0.0)
    conflicts = [c for c in proposal.conflicts if not str(c).startswith("51G")] + [text]
    return dataclasses.replace(proposal, entry=entry, figures=figures, conflicts=conflicts)


def candidate_note(frame: Any, ungrounded: set[str]) -> list[str]:
    """The candidate table's footnote on its buses with no path to ground (marked
    :data:`UNGROUNDED_MARK`), none when it has none."""
    if not ungrounded or frame.empty or not frame.bus.astype(str).isin(ungrounded).any():
        return []
    top = float(1e3 * frame.islg_ka[frame.bus.astype(str).isin(ungrounded)].max())
    return [f"#   ({UNGROUNDED_MARK} no path to ground: an ungrounded, delta-fed 3-wire system; "
            f"a line-to-ground fault draws the lines' charging current only, here ≤ {top:.1f} "
            "A — no overcurrent element sees it: ground faults there are detected by 3V0 "
            "(59N on a broken-delta VT, IEEE Std 142 §1.4); no 51G is drafted on such a "
            "feeder head and C5 judges no ground fault there)"]
