"""The recommendation search: candidate changes re-checked on the study's own fault tables.

Protective-device settings do not change the network, so the fault tables (and the power
flows) of a study stay valid when a pickup, a time dial, a reclose interval or a fuse link
changes: each candidate is verified by re-running only the checks
(:func:`protv2g.checks.run_checks`, about a second on the depot study) and grouping the rows
into findings again (:func:`protv2g.findings.build_findings`).

Procedure (greedy, every step verified)
---------------------------------------
1. Findings of the study as it is (status ``fail`` or ``warn``).
2. Findings are taken in order: gate-failing before pre-existing before warnings, and
   among them those with the fewest kinds of candidate first (a load-pickup problem can only
   be cleared by a pickup; a coordination problem by a pickup, a dial or a fuse), then by
   criterion.
3. For a finding still present: its candidates (:func:`~protv2g.recommend.candidates`) are
   grouped by setting; in each group (ordered by size) the smallest value that clears the
   finding is found by bisection (the settings move monotonically), then checked for side
   effects. A candidate is accepted when the finding is gone and no other finding appeared or
   got worse (worst margin smaller by more than its worst row's tolerance — the devices'
   scatter by which the checks themselves call a row worse — and by more than 1 % or
   1 ms/1 mA/… in any case). The smallest accepted
   candidate (relative size plus a family preference, :data:`FAMILY_RANK`) is kept and
   becomes part of the study for the next findings. A lower pickup that the finding's
   current exceeds by no more than the pickup accuracy is not tried (:mod:`.pickup_margin`).
   A pickup within 5 % of an edge of its window (C8's load floor, C5's reach ceiling:
   :mod:`.window`) is tried after every other candidate; when it is the one that clears the
   finding the recommendation is a warning (:data:`.result.EDGE_STATUS`) naming the missing
   margin, and the change is not accepted. A pickup lowered below a relay's or recloser's right
   downstream (same element) is tried last too and is a warning if it is the one
   (:func:`.practice.tag_below_downstream`: no check judges the faults between the two
   pickups). Values are on the device's declared setting steps
   (:mod:`.steps`), else on the assumed grid, said so in the note.
   For a C1/C4 finding of a relay its pickups inside their window come first, and when no
   single move clears the finding, the highest clean pickup inside the window with each dial
   step (:mod:`.pickup_first`, review rev34b M5); a C5 finding on ground faults of a device
   without a ground element gets one first, with its window (:mod:`.ground_first`, rev34c M3).
4. The combined changes are verified by one more run of the checks; every finding that
   remains is listed with why it was not cleared.

Export caps are not searched (they change pre-fault currents, so they need new fault runs):
a finding that no setting clears says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_saving_range import SavingMechanism, is_ground_fault
from protv2g.checks.load import RESIDUAL_PEAKS
from protv2g.errors import InputError
from protv2g.findings import Attribution
from protv2g.gate_hosting import hosting_kw_per_site
from protv2g.hosting import hosting_capacity
from protv2g.input_basis import drafted_devices, study_input_bases, tag_input_basis
from protv2g.recommend.apply import apply_to_study
from protv2g.recommend.candidates import (
    FUSE_BLOWING_RANK,
    Change,
    Family,
    candidates,
    describe,
    new_ground_element,
)
from protv2g.recommend.conductor import protected_conductor_a
from protv2g.recommend.evaluator import (
    Evaluator,
    _active,
    _effects,
    _identity,
    _worse,  # noqa: F401  (re-exported: read from here)
)
from protv2g.recommend.ground_first import ground_first_note, lacks_ground
from protv2g.recommend.notes import (
    _no_candidate_note,
    device_controls,
    device_kind,
    drafted_first,
    edge_note,
    ground_element_note,
    ldc_regulators,
    value_basis,
    with_drafted_first,
)
from protv2g.recommend.pickup_first import (
    COORDINATION,
    PAIR_TRIES,
    Window,
    clean,
    highest,
    pair_fields,
    pickup_first,
    with_dial,
)
from protv2g.recommend.pickup_first import (
    eases as margin_eased,
)
from protv2g.recommend.pickup_margin import split_tolerance
from protv2g.recommend.practice import practice_notes, tag_below_downstream
from protv2g.recommend.reach import ReachFacts
from protv2g.recommend.result import (
    EDGE_STATUS,
    RECOMMENDATION_COLUMNS,
    SERIES_STATUS,
    Recommendation,
    RecommendationResult,
)
from protv2g.recommend.saving import SavingFacts
from protv2g.recommend.window import DeviceLoads, tag_load_edges
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.loader import Study

__all__ = ["Evaluator", "Recommendation", "RecommendationResult", "RECOMMENDATION_COLUMNS",
           "apply_to_study", "recommend", "site_hosting_kw"]

def _order(active: pd.DataFrame, n_families: dict[str, int]) -> list[str]:
    # what the project brings first (its export or its charging), then what was there before
    rank = {Attribution.CAUSED: 0, Attribution.WORSE: 0, Attribution.CAUSED_CHARGING: 0,
            Attribution.WORSE_CHARGING: 0, Attribution.EQUIPMENT: 0,
            Attribution.PRE_EXISTING: 1}
    keys = sorted(active.index, key=lambda k: (
        active.at[k, "status"] != "fail", rank.get(active.at[k, "attribution"], 2),
        n_families.get(k, 99) or 99, str(active.at[k, "finding"])))
    return keys


def recommend(study: Study, device_faults: Any, flow: Any = None, *,
              scenarios: Sequence[Scenario] | None = None, max_tries: int = 14,
              hosting: Callable[[Study], dict[str, float]] | None = None,
              hosting_each: bool = False) -> RecommendationResult:
    """Search the smallest ordinary setting changes that clear the study's findings.

    Parameters
    ----------
    study : Study
    device_faults : FaultTables or DataFrame
        The study's fault tables (reused: settings do not change them; without the columns
        C9 reads — ``fault_tables(..., phasors=False)``, the default where no relay is
        forward-directional — a relay made directional is judged on the study's fault
        tables made again with them once, :meth:`Evaluator.findings`):
        :func:`protv2g.pipeline.fault_tables`' result judges the time-based criteria in both
        brackets of the chargers' contribution, as ``protv2g run`` does; a bare device table
        (``StudyResult.device_faults``) judges them on the first-cycle current held (one
        bracket, the ``first_cycle_held`` sensitivity).
    flow : FlowResult or mapping, optional
        ``StudyResult.flow`` (C8 and C12 need it).
    scenarios : sequence of Scenario, optional
        Default :func:`protv2g.scenarios.build_scenarios` of the study (those of the run).
    max_tries : int
        Check runs spent on one finding at most.
    hosting : callable, optional
        ``hosting(study) -> {site: kW}``; called on the study before, after all changes and,
        with ``hosting_each``, after each accepted change (cumulative).

    Returns
    -------
    RecommendationResult

    Example
    -------
    >>> result = run_study(study)  # doctest: +SKIP
    >>> rec = recommend(study, result.device_faults, result.flow)  # doctest: +SKIP
    >>> rec.table()[["finding", "change", "clears"]]  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    scen = list(scenarios) if scenarios is not None else build_scenarios(study.document)
    tables = None
    if flow is not None:
        tables = {k: (flow[k] if isinstance(flow, Mapping) else getattr(flow, attr))
                  for k, attr in (("device", "devices"), ("bus", "buses"),
                                  ("branch", "branches"))}
        # the sites' table types C8's charging peaks (none: every import peak is plain load)
        sites = flow.get("sites") if isinstance(flow, Mapping) else getattr(flow, "sites", None)
        if sites is not None:
            tables["sites"] = sites
    if getattr(device_faults, "twin_of", None):  # held rows (#21): the evaluator, its
        # contexts and tolerance tests read every scenario's
        device_faults = device_faults.expanded()
    ev = Evaluator(study, device_faults, tables, scen)
    doc = study.document
    conductors = protected_conductor_a(study)
    pairs = None  # the feeder's (primary, backup) device pairs, made at first need
    before = ev.findings()
    accepted: list[Change] = []
    recs: list[Recommendation] = []
    cur = _active(before)
    evidence = before.evidence
    drafted = drafted_devices(study)[0] if study.path else set()
    redraft_changes = _redraft_changes(study) if drafted else None
    redraft_skipped = _redraft_skipped(study) if drafted else None
    on_todo = _todo_findings(study, evidence)
    ground = {}
    for k in cur.index:
        fid = cur.at[k, "finding"]
        types = evidence.loc[evidence["finding"] == fid, "fault_type"].astype(str)
        # "SLG" or, phase-labelled (OpenDSS studies), "SLG-a": a set test on {"SLG", "LLG"}
        # missed the latter, so no ground move was ever tried there
        ground[k] = bool(is_ground_fault(types.to_numpy()).any())
    saving = SavingFacts(ev, apply_to_study)
    # C5: the failing element's pickup down to C8's floor (.reach); C12: control types
    k8 = doc.checks.load_pickup_factor
    # the C5 limits read the before evidence by each finding's identity: the current
    # findings are renumbered as changes are accepted (review rev33a R39)
    c5 = ReachFacts(evidence, (tables or {}).get("device"), k8, before.findings)
    loads = DeviceLoads.of(c5.flow_device)  # C8's currents per device, for the margins
    controls = device_controls(tables)
    cands = {k: candidates(cur.loc[k].to_dict(), doc.devices, doc.v2g_sites, study.library,
                           ground[k], *saving.of(cur.loc[k], []))
             + c5.moves(cur.loc[k], doc.devices) for k in cur.index}
    n_fam = {k: len({c.family for c in v}) for k, v in cands.items()}
    cleared_by: dict[str, str] = {}
    for k in _order(cur, n_fam):
        row = before.findings.set_index(_identity(before.findings)).loc[k]
        if isinstance(row, pd.DataFrame):
            row = row.iloc[0]
        base = dict(finding=str(row["finding"]), title=str(row["title"]),
                    attribution=str(row["attribution"]), margin_unit=str(row["margin_unit"]),
                    margin_before=float(row["worst_margin"]))
        # a finding on a drafted value: the utility's value (or a re-draft) first (s27 §6)
        first = drafted_first({**row.to_dict(), "input_basis": "todo" if str(row["finding"])
                               in on_todo else ""}, drafted, study.path, redraft_changes,
                              redraft_skipped)
        if k not in cur.index:
            recs.append(Recommendation(**base, status="cleared by",
                                       change=None, margin_after=np.nan,
                                       note=cleared_by.get(k, "")))
            continue
        doc_now = apply_to_study(study, accepted).document
        reach, limits = saving.of(cur.loc[k], accepted)
        options = candidates(cur.loc[k].to_dict(), doc_now.devices, doc_now.v2g_sites,
                             study.library, ground[k], reach, limits) + c5.moves(
                                 cur.loc[k], doc_now.devices)
        # C5 on ground faults of a device without a ground element: add one first (M3)
        g_note = ""
        if (bare := lacks_ground(row, doc_now.devices, evidence)) is not None:
            g_lim = saving.limits(bare.name, accepted)
            adds = list(new_ground_element(bare, g_lim)) if g_lim is not None else []
            options = adds + options
            g_note = ground_first_note(bare, g_lim, bool(adds))
        if not options:
            facts = {**row.to_dict(), **controls.get(str(row["device"]), {}),
                     "device_kind": device_kind(row["device"], doc_now.devices),
                     "ldc_regulators": ldc_regulators(controls)}
            recs.append(Recommendation(**base, status="no ordinary setting change",
                                       change=None, margin_after=float(row["worst_margin"]),
                                       note=with_drafted_first(first, "; ".join(x for x in (
                                           g_note,
                                           c5.note(row, doc_now.devices) or _no_candidate_note(
                                               str(row["criterion"]),
                                               str(row.get("status", "")), facts),
                                           _reach_conflict(row, cur, c5, doc_now.devices)
                                           if "would not change" in first else "") if x))))
            continue
        # a pickup within 5 % of C8's floor: tried last, a warning if it is the one (.window)
        options = tag_load_edges(options, loads, k8)
        # below a downstream relay's/recloser's pickup: tried last, a warning if it is the one
        if pairs is None and any(c.family is Family.PICKUP for c in options):
            pairs = _device_pairs(study)
        options = tag_below_downstream(options, pairs, doc_now.devices)
        # a lower pickup within the pickup's accuracy of the faults' current: not verified
        options, weak = split_tolerance(options, ev.device_faults,
                                        evidence[evidence["finding"] == row["finding"]])
        # a coordination finding of a relay: its pickups inside their window first (M5)
        windows = (saving.windows(str(row["device"]), accepted)
                   if str(row["criterion"]) in COORDINATION
                   and device_kind(row["device"], doc_now.devices) == "relay" else {})
        options = pickup_first(options, windows)
        best, tried, why = _search(ev, accepted, cur, k, options, max_tries, windows) \
            if options else (None, 0, "")
        why = "; ".join(x for x in (why, weak, "" if best else ground_element_note(
            options, row.get("other_device"))) if x)
        if best is None:
            if str(row.get("mechanism")) == SavingMechanism.RANGE_SHRUNK.value:
                why += ("; every fault of the study is still saved (the range narrowed): "
                        "giving up fuse saving is not proposed for it")
            why = "; ".join(x for x in (g_note, why, c5.note(row, doc_now.devices)) if x)
            recs.append(Recommendation(**base, status="not cleared", change=None,
                                       margin_after=float(row["worst_margin"]),
                                       candidates_tried=tried,
                                       note=with_drafted_first(first, why)))
            continue
        change, new, cleared, side = best
        if change.edge:  # clears it, but at an edge of its window: a warning, not applied
            basis = value_basis(change, row, limits, reach, c5, doc_now.devices, loads, k8)
            recs.append(Recommendation(
                **base, status=SERIES_STATUS if change.below else EDGE_STATUS, change=None,
                margin_after=float(row["worst_margin"]), candidates_tried=tried,
                note=with_drafted_first(first, "; ".join(x for x in (g_note, edge_note(
                    change, k not in new.index, side, basis, why)) if x))))
            continue
        gives_up = None
        if change.field == "n_fast" and change.new == 0:
            now = ev.saved(accepted)
            gives_up = {f: v for (r, f), v in now.items() if r == change.name
                        and (r, f) not in ev.saved([*accepted, change])}
        if change.family is Family.PICKUP and pairs is None:  # for a lowered pickup's note
            pairs = _device_pairs(study)
        side = [*side, *practice_notes(change, conductors, gives_up, loads, pairs,
                                        doc_now.devices)]
        basis = value_basis(change, row, limits, reach, c5, doc_now.devices, loads, k8)
        accepted.append(change)
        for c in cur.index:
            if c not in new.index:
                cleared_by.setdefault(c, describe(change) if gives_up is None else
                                      f"{describe(change)}: not fixed — fuse saving given up, "
                                      "so its fuse-saving rows are no longer judged")
        hosting_kw = hosting(apply_to_study(study, accepted)) if (hosting and hosting_each) \
            else None
        recs.append(Recommendation(**base, status="verified", change=change,
                                   margin_after=np.nan, clears=tuple(cleared),
                                   side_effects=tuple(side), candidates_tried=tried,
                                   hosting_after_kw=hosting_kw,
                                   note=with_drafted_first(
                                       first, (f"{g_note}; " if g_note else "")
                                       + "re-checked on every scenario, fault and case"
                                       + (f"; {basis}" if basis else "")
                                       + (f"; {why}" if why else ""))))
        cur = new
    after = ev.findings(accepted)
    result = RecommendationResult(recs, accepted, before, after, ev.n_runs,
                                  time.perf_counter() - t0)
    if hosting is not None:
        result.hosting_before_kw = hosting(study)
        result.hosting_after_kw = hosting(apply_to_study(study, accepted)) if accepted \
            else result.hosting_before_kw
    result.seconds = time.perf_counter() - t0
    return result


def _device_pairs(study: Study) -> pd.DataFrame | None:
    """The feeder's (primary, backup) device pairs (:func:`protv2g.topology.
    primary_backup_pairs`) for the practice notes of a lowered pickup; None when they cannot
    be made (a note's wording must not stop the search)."""
    from protv2g.topology import device_chains, primary_backup_pairs

    try:
        return primary_backup_pairs(device_chains(study.feeder, study.device_sites,
                                                  study.site_buses))
    except Exception:  # noqa: BLE001
        return None


def _redraft_changes(study: Study) -> set[str] | None:
    """The drafted head relays ``protv2g init --redraft`` would change
    (:func:`protv2g.study_draft.redraft_reclose.redraft_devices`); None when it cannot be told (no
    OpenDSS model, or the rule's fault study fails): the notes then offer the re-draft as
    before. About 3 s on EPRI J1 (the rule's fault study)."""
    from protv2g.study_draft.redraft_reclose import redraft_devices

    try:
        return set(redraft_devices(study))
    except Exception:  # noqa: BLE001 - a note's wording must not stop the search
        return None


def _redraft_skipped(study: Study) -> dict[str, str] | None:
    """The drafted relays ``protv2g init --redraft`` does not re-draft, and why
    (:func:`protv2g.study_draft.redraft.not_redrafted`; review rev33c M2); None when it
    cannot be told."""
    from protv2g.study_draft.redraft import not_redrafted

    try:
        return not_redrafted(study)
    except Exception:  # noqa: BLE001 - a note's wording must not stop the search
        return None


def _reach_conflict(row: Any, cur: pd.DataFrame, c5: ReachFacts, devices: Sequence[Any]
                    ) -> str:
    """For a C8 finding of a device whose C5 reach finding has no pickup satisfying both
    (the same device, the same element), that conflict, named by the C5 finding: the real
    problem once a re-draft would not change the drafted pickup (review rev32a W3: J1's R02
    promised a re-draft; R06 said "C5 backup reach needs ≤ 527 A, C8 needs > 647 A")."""
    if str(row.get("criterion")) != "C8":
        return ""
    element = "ground" if str(row.get("mechanism") or "") in RESIDUAL_PEAKS else "phase"
    same = cur[(cur["criterion"].astype(str) == "C5")
               & (cur["device"].astype(str) == str(row.get("device")))]
    for _k, f in same.iterrows():
        for lim in c5.limits(f, devices):
            if lim.element == element and not lim.feasible:
                return (f"the conflict ({f['finding']}): no {element} pickup satisfies both "
                        f"— {lim.text()}")
    return ""


def _todo_findings(study: Study, evidence: pd.DataFrame) -> set[str]:
    """The findings with a row resting on a value drafted by ``protv2g init`` (``input_basis``
    ``todo``, :func:`protv2g.input_basis.tag_input_basis`, as the run tags them; the search's
    own check runs do not)."""
    if study.path is None or not len(evidence) or "finding" not in evidence:
        return set()
    basis = tag_input_basis(evidence, study_input_bases(study))
    return set(evidence.loc[basis == "todo", "finding"].astype(str))


def _search(ev: Evaluator, accepted: list[Change], cur: pd.DataFrame, target: str,
            options: list[Change], max_tries: int,
            windows: Mapping[str, Window] | None = None
            ) -> tuple[tuple[Change, pd.DataFrame, list[str], list[str]] | None, int, str]:
    """Smallest candidate that clears ``target`` with no side effect (see module docstring);
    when no single one clears or eases it, a relay element's pickup inside its ``windows``
    with its dial (:mod:`.pickup_first`)."""
    groups: dict[tuple[Any, ...], list[Change]] = {}
    for c in options:  # giving up fuse saving is a group of its own, tried last; a move of
        # two fields together (C5's phase and ground pickups) is not the first field's alone;
        # values at an edge of their window (.window) after every other group
        groups.setdefault((*c.key, tuple(f for f, _, _ in c.extra),
                           c.size >= FUSE_BLOWING_RANK, bool(c.edge)), []).append(c)
    ordered = sorted(groups.values(), key=lambda g: (bool(g[0].edge), g[0].size))
    tried = 0
    best = None
    # a failing target that a candidate turns into a warning (its failing rows cleared, e.g.
    # C5's ground rows of a recloser, its phase backup-reach warnings left): kept when no
    # candidate clears it whole (review rev32a W7: R-MID 51G 150 → 140 A)
    eases = str(cur.at[target, "status"]) == "fail" if target in cur.index else False
    partial = None
    sides: list[str] = []
    seen_fields: set[str] = set()
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
        nonlocal best, partial
        for c in group[first:first + 3]:
            if best is not None and c.size >= best[0].size:
                break
            new = run(c)
            if new is None:
                continue
            cleared_it, cleared, side = _effects(cur, new, target)
            if cleared_it and not side:
                best = (c, new, cleared, side)
                break
            if eased(new) and not side:
                if partial is None or c.size < partial[0].size:
                    partial = (c, new, cleared, side)
                break
            if (cleared_it or eased(new)) and c.field not in seen_fields:  # first of each
                seen_fields.add(c.field)
                sides.append(f"{describe(c)}"
                             f"{'' if cleared_it else ' (its failing rows only)'}: "
                             f"{'; '.join(side)}")

    for group in ordered:
        if group[0].edge and (best is not None or partial is not None):
            break  # a change with margin (whole or easing) found: no edge value is needed
        if best is not None and group[0].size >= best[0].size:
            break
        if tried >= max_tries:
            break
        first = first_of(group, gone)
        whole = first is not None
        if not whole and eases and partial is None:
            first = first_of(group, lambda new: gone(new) or eased(new))
        if first is None:
            continue
        settle(group, first)
    if best is None and partial is None:
        # neither the pickup nor the dial alone: the pickup as high as its window allows
        # (no other finding worse), then the smallest dial with it (review rev34b M5)
        budget = max_tries + PAIR_TRIES
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
    # "without side effects" only when a candidate cleared it with some: ckt24/J1's C10 said so
    # when none of the candidates cleared it at all
    why = ("" if best else
           f"no candidate clears it without side effects ({' | '.join(sides[:3])})" if sides
           else _none_clears(len(checked), len(cached), max_tries))
    if best is not None and best[0].size >= FUSE_BLOWING_RANK and sides:
        # what kept fuse saving and why it was turned down: the utility's choice to weigh
        why = ("changes that keep fuse saving cleared it with side effects: "
               + " | ".join(sides[:2]))
    elif best is not None and best is partial:
        left = best[1].loc[target]
        why = (f"eases it to a warning: its failing rows cleared, its warning left "
               f"(worst margin {float(left['worst_margin']):.3g} {left['margin_unit']}"
               f"{', at ' + str(left['worst_fault']) if _given(left.get('worst_fault')) else ''})"
               + (f"; the candidates that went further had side effects: "
                  f"{' | '.join(sides[:2])}" if sides else ""))
    return best, tried, why


def _given(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v) != ""


def _none_clears(n_checked: int, n_cached: int, max_tries: int) -> str:
    """Why no candidate cleared a finding, with how many were re-checked: a candidate
    re-run for an earlier finding is read from the cache and not counted in the tries, so
    "0 tried" said nothing of the candidates that were checked (review s23).

    >>> _none_clears(4, 4, 14).endswith("all 4 already re-run for an earlier finding)")
    True
    """
    if not n_checked:
        return (f"no candidate was re-checked: the search's limit of {max_tries} re-runs "
                "was reached before it")
    seen = ("" if not n_cached else f", all {n_cached} already re-run for an earlier finding"
            if n_cached == n_checked else f", {n_cached} of them already re-run for an "
            "earlier finding")
    return f"no candidate clears it ({n_checked} re-checked on every scenario{seen})"


def site_hosting_kw(study: Study, *, n_grid: int = 8, tol_kw: float = 25.0) -> dict[str, float]:
    """Hosting capacity per site (kW) of ``study``, by a coarse search (grid of ``n_grid``
    levels, brackets refined to ``tol_kw``) over the study's participation cases and load
    levels: the figure of :func:`protv2g.gate_hosting.hosting_kw_per_site`."""
    if not study.document.v2g_sites:
        return {}
    doc = study.document
    table = hosting_capacity(study, participations=doc.scenarios.participation,
                             load_levels=doc.scenarios.load_levels, n_grid=n_grid,
                             tol_kw=tol_kw)
    return hosting_kw_per_site(table)

