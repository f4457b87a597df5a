"""What a study leaves unjudged by what it models, not by what its checks found (review rev41b
W1–W2, M3): the gate makes each an ``error:`` (a gate that could not evaluate something never
says PASS) and a hosting figure lists the criteria as not evaluated instead of "no criterion
limits it".

Beside the relay-only study (:func:`protv2g.study.device_coverage.unmodelled_fuses_and_reclosers`)
and the empty collections (#20):

* **A V2G site with no feeder device between it and the source** (:func:`site_gaps`):
  no relay, recloser or breaker on the substation's path to the site's bus — the site's own
  transformer's fuse (the project's equipment) does not count: it clears a fault in the site,
  not on the feeder (session 42); nor do line fuses alone: a fuse clears the faults beyond
  it, and the feeder head's breaker relay the site's export and fault current pass is not
  modelled (review rev42a W1: EPRI ckt5 without its head relay, every site behind a fuse,
  FAIL instead of ERROR). Every fault between
  the site and the substation is cleared by a device the study does not have; the criteria
  that judge that path (the head device's reach, duty, load pickup, direction, reclosing and
  the island it leaves: C1–C11) judged nothing there, whatever a lateral fuse beyond the site
  passed (rev41b W1: one fuse beyond the site, PASS).
  **Except a low-voltage feeder's way fuse** (:func:`lv_head_fuses`, review rev49a #4): on a
  European 230/400 V feeder fed from its own MV/LV transformer the fuse on the way at the
  substation's LV board *is* the feeder-head device — there is no breaker or recloser on an LV
  way (IEC 60269 gG way fuses; the transformer's MV fuse or the ring main unit's switch-fuse
  protects the transformer, not the way), and ``protv2g init`` drafts that fuse by default
  (``--lv-head fuse``, :mod:`protv2g.study_draft.lv_head_fuse`). Such a fuse — at ≤ 1 kV
  (:data:`~protv2g.topology_reach.LOW_VOLTAGE_KV`) with no line between the source and it
  (the source, the MV/LV transformer, at most a switch) — covers the sites behind it. What
  judges a fuse head (:data:`FUSE_HEAD_JUDGED`): its reach (C5: the far end's minimum fault
  within the link's Imax(5 s)), sympathetic melting by fed-back current (C6), breaking
  capacity (C7), load against In (C8), the island it leaves when it blows (C11), and C3 with a
  fuse beyond it; what does not (:data:`FUSE_HEAD_NOT_JUDGED`): C1 and C4 (no relay), C2 (no
  recloser), C9 (a fuse has no direction), C10 (a fuse does not reclose) — those come out
  ``not_applicable`` with their own reason, not as an error. A fuse on an MV line, or at LV
  behind an MV line, stays a line fuse: that MV feeder's head is missing (rev42a W1).
* **Fault types without SLG** (:func:`ground_fault_gap`): the single-line-to-ground fault is the
  most common on overhead distribution (most faults involve one phase and ground: T. A. Short,
  *Electric Power Distribution Handbook*, 2nd ed., CRC 2014, ch. 7, fault statistics) and the
  one every ground element (51G, 67N, a recloser's ground curve) and the minimum-fault reach
  with fault resistance (domain.md §2: 20–40 Ω for minimum ground faults) are judged on.
  The fault-based criteria (C1–C7, C9) judged phase faults only (rev41b W2: recloser–fuse
  saving failed on SLG, PASS with ``[3ph]``).
* **No devices** (M3): the gate's own error (#20); every criterion but the feeder's voltage and
  loading (C12) judged nothing, and a hosting figure says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.criteria import CATALOGUE, FEEDER_FLOW_CRITERION, Need, order
from protv2g.study.device_coverage import (
    FUSE_RECLOSER_CRITERIA,
    NO_FUSES_OR_RECLOSERS,
    unmodelled_fuses_and_reclosers,
)
from protv2g.study.site_equipment import site_transformer_devices
from protv2g.topology import device_chains, source_buses, source_trees, substation_rows
from protv2g.topology_tree import HOP_KM, feeder_edges
from protv2g.units import DeviceKind, Direction, FaultType

__all__ = ["DEVICE_CRITERIA", "FUSE_HEAD_JUDGED", "FUSE_HEAD_NOT_JUDGED",
           "GROUND_FAULT_CRITERIA", "SiteGap", "ground_fault_gap", "lv_head_fuses",
           "path_gaps", "site_gaps", "unjudged_criteria", "unprotected_sites"]

#: The kinds of device that can be the feeder head's protection on a site's path: a relay
#: (with its breaker) or a recloser; a line fuse is not (:func:`site_gaps`).
_HEAD_KINDS = frozenset({DeviceKind.RELAY, DeviceKind.RECLOSER})
#: What judges a low-voltage way fuse at the feeder head (module docstring): criterion → what.
FUSE_HEAD_JUDGED = {"C3": "fuse–fuse, with a fuse beyond it", "C5": "reach",
                    "C6": "sympathetic melting", "C7": "breaking capacity", "C8": "load",
                    "C11": "the island it leaves"}
#: What a fuse head has not (module docstring): criterion → why it judges nothing there.
FUSE_HEAD_NOT_JUDGED = {"C1": "no relay", "C2": "no recloser", "C4": "no relay or recloser",
                        "C9": "a fuse has no direction", "C10": "a fuse does not reclose"}
#: Line length (km) the source's path to a way fuse may cross and the fuse still sit at the
#: substation's board: a switch (OpenDSS ``switch=yes`` makes a line 0.001 long), no cable.
_BOARD_KM = 1e-3
#: The criteria that judge protective devices: all but the feeder's voltage and loading (C12).
DEVICE_CRITERIA = tuple(c for c in CATALOGUE if c != FEEDER_FLOW_CRITERION)
#: The criteria judged on the fault table (:class:`protv2g.criteria.Need` ``FAULTS``).
GROUND_FAULT_CRITERIA = tuple(c.id for c in CATALOGUE.values() if Need.FAULTS in c.needs)


def _gated(criteria: tuple[str, ...], document: Any) -> list[str]:
    gated = set(map(str, document.gate.criteria))
    return sorted((c for c in criteria if c in gated), key=order)


@dataclass(frozen=True)
class SiteGap:
    """A V2G site with no feeder device on the substation's path to its bus.

    Attributes
    ----------
    site, bus : str
        The site and its bus's name.
    own : tuple of str
        The study devices on that path that are the site's own equipment (on its own
        transformer, :func:`protv2g.study.site_equipment.site_transformer_devices`): they
        clear a fault in the site, not one on the feeder between it and the source; empty
        when the path carries no device at all.
    """

    site: str
    bus: str
    own: tuple[str, ...] = ()
    #: The feeder's line fuses on that path where they are all it has (no relay, recloser
    #: or breaker): a fuse clears the faults beyond it, not the feeder head's (review
    #: rev42a W1, EPRI ckt5 with its head relay deleted: FAIL, not ERROR).
    fuses: tuple[str, ...] = ()


def lv_head_fuses(study: Any, fuses: set[str] | list[str]) -> set[str]:
    """The fuses of ``fuses`` (study device names) that are a low-voltage feeder's head device
    (module docstring): the bus they measure at is at ≤ 1 kV and the substation source's
    shortest path to it crosses no more than :data:`_BOARD_KM` of line (the tree's path
    weight less its per-edge ``HOP_KM``: transformers and bus ties weigh 0)."""
    sites = study.device_sites
    named = sorted(f for f in fuses if f in sites)
    if not named:
        return set()
    # imported here: topology_reach imports pandapower, which `validate` (this module's
    # caller through study.plausibility) must not load (tests/test_validate_light.py)
    from protv2g.topology_reach import LOW_VOLTAGE_KV, bus_kv

    bus = np.array([int(sites[f].bus) for f in named], dtype=np.int64)
    low = bus_kv(study.feeder, bus) <= LOW_VOLTAGE_KV  # NaN (unknown) is not low
    if not low.any():
        return set()
    line_km = np.full(len(named), np.inf)
    feeder = study.feeder
    for _, _, tree in source_trees(feeder, feeder_edges(feeder), source_buses(feeder)):
        at = np.minimum(np.searchsorted(tree.nodes, bus), max(len(tree.nodes) - 1, 0))
        hit = (tree.nodes[at] == bus) if len(tree.nodes) else np.zeros(len(bus), bool)
        km = np.where(hit, tree.dist_km[at] - HOP_KM * tree.depth[at], np.inf)
        line_km = np.fmin(line_km, km)
    return {f for f, ok in zip(named, low & (line_km <= _BOARD_KM * (1 + 1e-6)), strict=True)
            if ok}


def site_gaps(study: Any) -> list[SiteGap]:
    """The V2G sites with no feeder-head device on the substation's path to their bus: no
    relay or recloser crossed forward (:func:`protv2g.topology.device_chains`) that is not the
    site's own equipment — a site whose only device upstream is its own transformer's fuse is
    one (session 42: the feeder head can still be missing there), and so is one behind line
    fuses only (review rev42a W1). [] for a study without devices (its own error, #20) or
    sites. One walk of the chains; the gate passes its answer to :func:`path_gaps` and
    :func:`unjudged_criteria`."""
    document = study.document
    if not document.devices or not study.site_buses:
        return []
    buses = sorted({int(b) for b in study.site_buses.values()})
    chains = device_chains(study.feeder, study.device_sites, fault_buses=buses)
    fwd = chains[substation_rows(chains)
                 & (chains["direction"].astype(str) == Direction.FORWARD.value).to_numpy()]
    own = {d: site for d, (site, _) in site_transformer_devices(study).items()}
    on_path: dict[int, list[str]] = {}
    for bus, device in zip(fwd["fault_bus"].tolist(), fwd["device"].astype(str).tolist(),
                           strict=True):
        on_path.setdefault(int(bus), []).append(device)
    kinds = {d.name: DeviceKind(d.kind) for d in document.devices}
    # a low-voltage feeder's way fuse at the board is its head (rev49a #4)
    heads = {d for d, k in kinds.items() if k in _HEAD_KINDS} | lv_head_fuses(
        study, {d for ds in on_path.values() for d in ds
                if kinds.get(d) == DeviceKind.FUSE and d not in own})
    out = []
    for name, bus in study.site_buses.items():
        devices = on_path.get(int(bus), [])
        mine = tuple(sorted(d for d in devices if own.get(d) == str(name)))
        feeder = [d for d in devices if own.get(d) != str(name)]
        if not heads.intersection(feeder):
            # nothing on the path but the site's own equipment, or line fuses only
            out.append(SiteGap(str(name), study.bus_name(int(bus)), mine,
                               tuple(sorted(feeder))))
    return out


def unprotected_sites(study: Any) -> list[tuple[str, str]]:
    """``(site, bus name)`` of each :func:`site_gaps` entry."""
    return [(g.site, g.bus) for g in site_gaps(study)]


def _sites_text(gaps: list[SiteGap]) -> str:
    """``V2G site depot (bus b2) has`` / ``V2G sites a (bus 1), b (bus 2) have``."""
    said = ", ".join(f"{g.site} (bus {g.bus})" for g in gaps)
    return f"V2G site{'s' if len(gaps) > 1 else ''} {said} ha{'ve' if len(gaps) > 1 else 's'}"


def _gap_text(gaps: list[SiteGap], gated: list[str],
              judged: Mapping[str, list[str]] | None) -> str:
    """The reason of sites sharing one gap (the same line fuses, own devices or none)."""
    gap = gaps[0]
    if gap.fuses:
        n = len(gap.fuses)
        head = (f"not evaluated: {_sites_text(gaps)} no relay, recloser or breaker between "
                f"{'them' if len(gaps) > 1 else 'it'} and the source — only the line "
                f"fuse{'s' if n > 1 else ''} {', '.join(gap.fuses)} on the substation's path "
                "(a line fuse clears the faults beyond it; the feeder head's breaker, whose "
                "reach, load pickup, direction and reclosing the sites' export and fault "
                "current change, is not modelled, and a fuse counts as the head only on a "
                "≤ 1 kV way at the transformer's board)")
        rows = sorted({c for f in gap.fuses for c in (judged or {}).get(f, [])}, key=order)
        on_fuse = (f"; {', '.join(rows)} judged {'these fuses' if n > 1 else 'the fuse'} "
                   "only" if rows else "")
        return (f"{head}, so the protection that clears a fault on that path was not judged "
                f"({', '.join(gated)} judged no feeder-head device there{on_fuse})")
    if gap.own:
        head = (f"not evaluated: {_sites_text(gaps)} no feeder device between "
                f"{'them' if len(gaps) > 1 else 'it'} and the source — the only device on "
                f"the substation's path is {'their' if len(gaps) > 1 else 'its'} own "
                f"transformer's {', '.join(sorted({d for g in gaps for d in g.own}))} (the "
                "project's equipment: it clears a fault in the site, not one on the feeder) "
                "and no relay, recloser, breaker or line fuse of the feeder")
    else:
        head = (f"not evaluated: {_sites_text(gaps)} no modelled device between "
                f"{'them' if len(gaps) > 1 else 'it'} and the source — no relay, recloser or "
                "breaker on the substation's path")
    return (f"{head}, so the protection that clears a fault on that path was not judged "
            f"({', '.join(gated)} judged nothing there)")


#: The fix of a :func:`path_gaps` line.
_GAP_FIX = ("add the feeder-head device (the substation breaker's relay or the head recloser; "
            "on a ≤ 1 kV feeder the way fuse at the MV/LV transformer's board, as protv2g init "
            "drafts it) under devices (an OpenDSS model's own with feeder.adopt_devices)")


def path_gaps(study: Any, gaps: list[SiteGap] | None = None,
              judged: Mapping[str, list[str]] | None = None) -> list[tuple[str, str]]:
    """``(why, fix)`` per kind of gap (:func:`site_gaps`, or ``gaps`` already found): one line
    for the sites behind the same line fuses, behind no device, or behind their own
    equipment only (rev49a #4: four identical lines, one per site), naming the criteria the
    study gates; [] when none. ``judged``: device → the criteria with evaluated rows on it
    (the gate's, from the result): a line names those that judged the fuses it names. The
    gate's ``error:`` line and validate's warning."""
    gated = _gated(DEVICE_CRITERIA, study.document)
    if not gated:
        return []
    groups: dict[tuple, list[SiteGap]] = {}
    for g in (site_gaps(study) if gaps is None else gaps):
        groups.setdefault((g.fuses, bool(g.own)), []).append(g)
    return [(_gap_text(group, gated, judged), _GAP_FIX) for group in groups.values()]


def ground_fault_gap(document: Any) -> tuple[str, str] | None:
    """``(why, fix)`` when ``faults.fault_types`` leaves out the single-line-to-ground fault
    (module docstring), naming the gated fault-based criteria; None otherwise (or without
    devices: that study's own error)."""
    types = {str(getattr(t, "value", t)) for t in document.faults.fault_types}
    gated = _gated(GROUND_FAULT_CRITERIA, document)
    if FaultType.SINGLE_LINE_GROUND.value in types or not gated or not document.devices:
        return None
    studied = ", ".join(str(getattr(t, "value", t)) for t in document.faults.fault_types)
    return (f"not evaluated: the study's fault types ({studied}) leave out SLG, the most "
            "common fault and the one every ground element (51G, 67N, a recloser's ground "
            f"curve) and the minimum-fault reach are judged on: {', '.join(gated)} judged "
            "phase faults only", "add SLG to faults.fault_types")


def unjudged_criteria(study: Any, gaps: list[SiteGap] | None = None) -> dict[str, str]:
    """Gated criterion → why the study's make-up left it unjudged, in a few words with the fix
    (the relay-only study's C1–C4, a study without devices, a V2G site behind no device, fault
    types without SLG; module docstring), the first reason of each; {} when none. The gate
    lists these criteria as errors, not as "not applicable" (its verdict carries this dict as
    ``unjudged``, the Summary's per-criterion notes read it); a hosting figure lists them as not
    evaluated (rev41b M3). ``study`` a :class:`~protv2g.study.loader.Study`, or its document
    alone (the sites' paths then not read); ``gaps``: :func:`site_gaps` already found."""
    document = getattr(study, "document", study)
    out: dict[str, str] = {}

    def add(criteria: tuple[str, ...], why: str) -> None:
        for c in _gated(criteria, document):
            out.setdefault(c, why)

    if not document.devices:
        add(DEVICE_CRITERIA, "not evaluated: no protective device modelled (add the feeder's "
            "relays, reclosers and fuses under devices)")
    if unmodelled_fuses_and_reclosers(document):
        add(FUSE_RECLOSER_CRITERIA, f"{NO_FUSES_OR_RECLOSERS} (the study's devices are relays "
            "only; add the feeder's fuses and reclosers or state no_fuses_or_reclosers: true)")
    if gaps is None:
        gaps = site_gaps(study) if hasattr(study, "site_buses") else []
    if gaps:
        add(DEVICE_CRITERIA, "not evaluated: V2G site "
            + ", ".join(f"{g.site} ({g.bus})" for g in gaps)
            + " behind no " + ("feeder-head" if all(g.fuses for g in gaps) else "feeder"
                               if all(g.own or g.fuses for g in gaps) else "modelled")
            + " device (add the feeder-head device under devices; on a ≤ 1 kV feeder the "
            "way fuse at the transformer's board)")
    if ground_fault_gap(document):
        add(GROUND_FAULT_CRITERIA, "not evaluated on ground faults: faults.fault_types leaves "
            "out SLG (add SLG)")
    return dict(sorted(out.items(), key=lambda kv: order(kv[0])))
