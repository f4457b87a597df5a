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
   Within a finding the settings of the element that times its worst row (51G for a row
   timed by the ground element, 51P for one timed by the phase element) are tried first
   (:mod:`.element_first`; review rev36b R01).
3. For a finding still present: its candidates (:func:`~protv2g.recommend.candidates`) are
   grouped by setting; in each group (ordered by size) the smallest value that clears the
   finding is found by bisection (the settings move monotonically), then checked for side
   effects. A candidate is accepted when the finding is gone and no other finding appeared or
   got worse (worst margin smaller by more than its worst row's tolerance — the devices'
   scatter by which the checks themselves call a row worse — and by more than 1 % or
   1 ms/1 mA/… in any case), and it does not slow a relay's or recloser's clearing of its
   zone's minimum fault beyond 10 s (:mod:`.zone_clearing`, review rev35a W1: a cost of
   practice no check measures, refused like a side effect), and it does not take away a
   recloser's fuse saving of a fuse for a kind of fault (phase, ground) that it saved
   (:func:`.saving.saving_lost`, review rev41c W1: the pair's rows turn ``info``, no
   finding shows it; giving up fuse saving is the fast-shot move's, tried last).
   A failing finding that no
   candidate clears or eases cleanly takes the smallest candidate that clears it whose only
   side effects are warnings — new ones, or warnings made worse that stay warnings (review
   rev39a F3) — (a trade-off, said in its note with the warnings' figures:
   :func:`.finding_search.trade_note`; never a new failure or a failing finding made worse).
   The smallest accepted
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

Step 3 is :mod:`.finding_search`; what the notes read from the study besides its findings
(device pairs, what a re-draft would change, the findings on drafted values) is
:mod:`.study_facts`; the order of the findings and of their moves :mod:`.search_order`; the
notes written once every finding is searched :mod:`.no_change`.

Export caps are not searched (they change pre-fault currents, so they need new fault runs):
a finding that no setting clears says so.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import build_context
from protv2g.checks.fuse_saving_range import SavingMechanism, is_ground_fault
from protv2g.input_basis import drafted_devices
from protv2g.recommend.apply import apply_to_study
from protv2g.recommend.back_feed import back_feed_alternative
from protv2g.recommend.candidates import (
    Change,
    Family,
    candidates,
    describe,
    new_ground_element,
)
from protv2g.recommend.charging_cap import (
    ChargingCap,
)
from protv2g.recommend.conductor import protected_conductor_a
from protv2g.recommend.evaluator import (
    Evaluator,
    _active,
    _identity,
    _worse,  # noqa: F401  (re-exported: read from here)
)
from protv2g.recommend.finding_search import (
    _none_clears,  # noqa: F401  (re-exported: read from here)
    _search,
)
from protv2g.recommend.ground_first import ground_first_note, lacks_ground
from protv2g.recommend.hosting_kw import site_hosting_kw
from protv2g.recommend.no_change import (
    SearchFacts,
    finish_notes,
    no_change_cap,
    no_change_facts,
    no_change_note,
)
from protv2g.recommend.notes import (
    _no_candidate_note,  # noqa: F401  (re-exported: read from here)
    device_controls,
    device_kind,
    drafted_first,
    edge_note,
    ground_element_note,
    value_basis,
    with_drafted_first,
)
from protv2g.recommend.pickup_first import COORDINATION, pickup_first
from protv2g.recommend.pickup_margin import split_tolerance
from protv2g.recommend.practice import practice_notes, tag_below_downstream, tag_link_window
from protv2g.recommend.reach import ReachFacts
from protv2g.recommend.result import (
    EDGE_STATUS,
    RECOMMENDATION_COLUMNS,
    SERIES_STATUS,
    Recommendation,
    RecommendationResult,
)
from protv2g.recommend.saving import SavingFacts
from protv2g.recommend.search_order import finding_order, only_findings, worst_element_rank
from protv2g.recommend.study_facts import (
    _device_pairs,
    _reach_conflict,  # noqa: F401  (re-exported: read from here)
    _redraft_changes,
    _redraft_skipped,
    _todo_findings,
)
from protv2g.recommend.window import DeviceLoads, tag_load_edges
from protv2g.recommend.zone_clearing import ZoneClearing
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.loader import Study

__all__ = ["Evaluator", "Recommendation", "RecommendationResult", "RECOMMENDATION_COLUMNS",
           "apply_to_study", "recommend", "site_hosting_kw"]


def recommend(study: Study, device_faults: Any, flow: Any = None, *,
              scenarios: Sequence[Scenario] | None = None, max_tries: int = 14,
              hosting: Callable[[Study], dict[str, float]] | None = None,
              hosting_each: bool = False,
              progress: Callable[[str], None] | None = None,
              only: Sequence[str] | None = None,
              site_drivers: pd.DataFrame | None = None) -> RecommendationResult:
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
    progress : callable, optional
        ``progress(text)`` told what the search is doing as it goes ("finding 3 of 12: F05
        (C8 R-F1)", "the findings after the changes", "hosting before the changes"): the
        command's stage detail (:class:`protv2g.commands.progress.StageProgress`; review
        rev36a T1: ``recommend`` printed nothing for minutes on IEEE 8500).
    only : sequence of str, optional
        Finding ids (``"F01"``, as the Findings sheet numbers them) to search; the others
        are left out of the search (not of the findings before and after). Review rev38a
        X4: IEEE 8500's 72 findings at ≈ 140 s each under load — the gate's fail lines first.
    site_drivers : DataFrame, optional
        The run's Site drivers table (``StudyResult.tables["Site drivers"]``): the charging
        caps read each site alone there, and solve it again only for a finding it has no
        rows of (:func:`.no_change.no_change_cap`).

    Raises
    ------
    InputError
        An id in ``only`` that is no finding of the study (the ids it has are listed).

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
    tell = progress if progress is not None else (lambda text: None)
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
    tell("the findings before any change")
    before = ev.findings()
    accepted: list[Change] = []
    recs: list[Recommendation] = []
    cur = _active(before)
    evidence = before.evidence
    drafted = drafted_devices(study)[0] if study.path else set()
    redraft_changes = _redraft_changes(study) if drafted else None
    redraft_skipped = _redraft_skipped(study) if drafted else None
    on_todo = _todo_findings(study, evidence)
    firsts: dict[int, tuple[dict, str]] = {}  # rec → its finding and drafted_first text
    ground = {}
    for k in cur.index:
        fid = cur.at[k, "finding"]
        types = evidence.loc[evidence["finding"] == fid, "fault_type"].astype(str)
        # "SLG" or, phase-labelled (OpenDSS studies), "SLG-a": a set test on {"SLG", "LLG"}
        # missed the latter, so no ground move was ever tried there
        ground[k] = bool(is_ground_fault(types.to_numpy()).any())
    saving = SavingFacts(ev, apply_to_study)
    # a candidate slowing a relay's/recloser's zone-minimum clearing beyond 10 s: refused
    # (.zone_clearing; review rev35a W1), the zone minima read once from the fault tables
    zone_end = ZoneClearing(study, lambda: build_context(study, ev.device_faults, ev.flow,
                                                         ev.scenarios), apply_to_study)
    # C5: the failing element's pickup down to C8's floor (.reach); C12: control types
    k8 = doc.checks.load_pickup_factor
    # the C5 limits read the before evidence by each finding's identity: the current
    # findings are renumbered as changes are accepted (review rev33a R39)
    c5 = ReachFacts(evidence, (tables or {}).get("device"), k8, before.findings,
                    ev.device_faults)
    loads = DeviceLoads.of(c5.flow_device)  # C8's currents per device, for the margins
    controls = device_controls(tables)
    cands = {k: candidates(cur.loc[k].to_dict(), doc.devices, doc.v2g_sites, study.library,
                           ground[k], *saving.of(cur.loc[k], []))
             + c5.moves(cur.loc[k], doc.devices) for k in cur.index}
    n_fam = {k: len({c.family for c in v}) for k, v in cands.items()}
    cleared_by: dict[str, str] = {}
    ran_for: dict[tuple, str] = {}  # memo key → the finding whose search re-ran it first
    later: list[tuple[int, Callable[[], str]]] = []  # notes written after every search
    caps: dict[int, tuple[str, ChargingCap]] = {}  # the charging caps the notes give
    facts_of = SearchFacts(study, ev, c5, evidence, loads, k8, accepted, ran_for, caps)
    order = finding_order(cur, n_fam)
    if only is not None:
        order = only_findings(order, before.findings, only)
    for i, k in enumerate(order, 1):
        row = before.findings.set_index(_identity(before.findings)).loc[k]
        if isinstance(row, pd.DataFrame):
            row = row.iloc[0]
        tell(f"finding {i} of {len(order)}: {row['finding']} ({row['criterion']} "
             f"{row['device']})")
        base = dict(finding=str(row["finding"]), title=str(row["title"]),
                    attribution=str(row["attribution"]), margin_unit=str(row["margin_unit"]),
                    margin_before=float(row["worst_margin"]))
        # a finding on a drafted value: the utility's value (or a re-draft) first (s27 §6)
        todo_row = {**row.to_dict(), "input_basis": "todo" if str(row["finding"])
                    in on_todo else ""}
        first = drafted_first(todo_row, drafted, study.path, redraft_changes, redraft_skipped)
        if first:  # said again with the accepted changes (.study_facts.redraft_after)
            firsts[len(recs)] = (todo_row, first)
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
            at = len(recs)
            later.append((at, functools.partial(
                no_change_note, facts_of, row, k, first, g_note,
                no_change_facts(row, controls, doc_now),
                no_change_cap(row, evidence, study, scen, site_drivers), at,
                doc_now.devices, cur)))  # written after every search
            recs.append(Recommendation(**base, status="no ordinary setting change",
                                       change=None, margin_after=float(row["worst_margin"])))
            continue
        # a pickup within 5 % of C8's floor: tried last, a warning if it is the one (.window)
        options = tag_load_edges(options, loads, k8)
        # a fuse link below its window (load, transformer inrush/cold-load): tried last, alike
        options = tag_link_window(options, study, loads, k8)
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
        # the settings of the element timing the finding's worst row first (.element_first)
        rank = worst_element_rank(row, evidence, zone_end, study, accepted)
        best, tried, why = _search(
            ev, accepted, cur, k, options, max_tries, windows,
            # costs the checks do not count, refused like a side effect: a slower zone-end
            # clearing, and fuse saving given up without a finding (review rev41c W1)
            lambda c, done=tuple(accepted): [*zone_end.side_effects(done, c),
                                             *ev.saving_lost(done, c)], rank) \
            if options else (None, 0, "")
        for key in ev.ran:  # which finding's search re-ran each candidate (.link_note)
            ran_for.setdefault(key, str(row["finding"]))
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
        # a material slowing of the device's zone-minimum clearing within 10 s: its cost,
        # with the back-feed remedy it stands in for where a site transformer feeds the 3I0
        # (review rev36a M3: IEEE 8500 51G TD 0.5 → 1.3, 3.26 → 8.35 s, "side effects: none")
        alt = (back_feed_alternative(zone_end.context(), change.name,
                                     evidence[evidence["finding"] == row["finding"]])
               if str(row["criterion"]) == "C6" else "")
        side = [*side, *zone_end.costs(accepted, change, alt),
                *practice_notes(change, conductors, gives_up, loads, pairs, doc_now.devices)]
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
    recs = finish_notes(recs, later, firsts, facts_of, drafted, redraft_changes,
                        redraft_skipped)
    tell("the findings after the changes")
    after = ev.findings(accepted)
    result = RecommendationResult(recs, accepted, before, after, ev.n_runs,
                                  time.perf_counter() - t0)
    if hosting is not None:
        tell("hosting before and after the changes")
        result.hosting_before_kw = hosting(study)
        result.hosting_after_kw = hosting(apply_to_study(study, accepted)) if accepted \
            else result.hosting_before_kw
    result.seconds = time.perf_counter() - t0
    return result
