"""The notes the recommendation search (:func:`protv2g.recommend.search.recommend`) writes once
every finding is searched: the note of a finding no candidate applies to ("no ordinary
setting change", :func:`no_change_note`, from the facts read when its turn came:
:func:`no_change_facts`, :func:`no_change_cap`), then, with the accepted changes known,
:func:`finish_notes`: the drafted values' first step said again with the changes (review
rev44a M3) and which of several charging caps binds. Split from :mod:`.search`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.recommend.apply import apply_to_study
from protv2g.recommend.change import Change
from protv2g.recommend.charging_cap import (
    ChargingCap,
    binding_text,
    c8_cap,
    cap_with_changes,
    run_driver_rows,
    under_voltage_cap,
)
from protv2g.recommend.evaluator import Evaluator
from protv2g.recommend.link_note import link_runs, link_window_note
from protv2g.recommend.notes import (
    _no_candidate_note,
    charging_under_voltage,
    device_kind,
    drafted_first,
    ldc_regulators,
    regulator_names,
    with_drafted_first,
)
from protv2g.recommend.reach import ReachFacts
from protv2g.recommend.result import Recommendation
from protv2g.recommend.study_facts import _reach_conflict, redraft_after
from protv2g.recommend.window import DeviceLoads
from protv2g.study.loader import Study

__all__ = ["SearchFacts", "finish_notes", "no_change_cap", "no_change_facts", "no_change_note"]


@dataclass(frozen=True)
class SearchFacts:
    """What a note written after every search reads of the search: the study, its evaluator,
    C5's reach facts, the findings' evidence before any change, C8's loads and factor, and
    the search's growing record — the changes accepted, which finding's search re-ran each
    candidate (``ran_for``, :mod:`.link_note`) and the charging caps the notes give
    (``caps``, filled by :func:`no_change_note`)."""

    study: Study
    ev: Evaluator
    c5: ReachFacts
    evidence: pd.DataFrame
    loads: DeviceLoads
    k8: float
    accepted: list[Change]
    ran_for: dict[tuple, str]
    caps: dict[int, tuple[str, ChargingCap]]


def no_change_facts(row: pd.Series, controls: Mapping[str, Mapping[str, str]],
                    doc: Any) -> dict[str, Any]:
    """The finding ``row`` with what its no-candidate note speaks of
    (:func:`.notes._no_candidate_note`): its flow device's control (``controls``,
    :func:`.notes.device_controls`), its device's kind, the model's regulators (those with
    line-drop compensation apart) and the sites (the unbalance note's, review rev36b X9) of
    the study document ``doc`` as it stands."""
    return {**row.to_dict(), **controls.get(str(row["device"]), {}),
            "device_kind": device_kind(row["device"], doc.devices),
            "ldc_regulators": ldc_regulators(controls),
            "regulators": regulator_names(controls),
            "sites": doc.v2g_sites}


def no_change_cap(row: pd.Series, evidence: pd.DataFrame, study: Any = None,
                  scenarios: Sequence[Any] | None = None,
                  drivers: pd.DataFrame | None = None) -> ChargingCap:
    """The charging cap the no-candidate note of ``row`` gives, from its own evidence rows: a
    charging peak's (C8, review rev40b M3) or a charging under-voltage's (review rev43c M1),
    each its criterion's; none (NaN, no text) for another finding. With ``study`` and
    ``scenarios`` (the run's) and two or more sites, a C8 cap also reads each site charging
    alone (:func:`protv2g.findings_sites.site_drivers` on the finding's rows: the worst
    combination sets the cap, review rev49b #3; :func:`.charging_cap.c8_cap`), and an
    under-voltage cap each site's drop per kW (the cap for any split, review rev50b #2;
    :func:`.charging_cap.under_voltage_cap`). ``drivers``: the run's Site drivers table,
    where the caller has it (``protv2g run --recommend``): the finding's rows are read there
    (:func:`.charging_cap.run_driver_rows`, the same flows) and solved again only where it has
    none."""
    own_ev = evidence[evidence["finding"] == row["finding"]]
    c8 = str(row["criterion"]) == "C8"
    if not c8 and not charging_under_voltage(row):
        return ChargingCap(np.nan, "", "")
    drivers = run_driver_rows(drivers, own_ev)
    if (drivers is None and study is not None and scenarios is not None
            and len(study.document.v2g_sites) >= 2):
        from protv2g.findings_sites import site_drivers

        drivers = site_drivers(study, own_ev, scenarios)
    if c8:
        return c8_cap(str(row["device"]), own_ev, drivers)
    return under_voltage_cap(own_ev, drivers)  # any split of the charging (rev50b #2)


def no_change_note(facts_of: SearchFacts, row: pd.Series, k: Any, first: str, g_note: str,
                   facts: dict[str, Any], cap: ChargingCap, at: int, devices: Sequence[Any],
                   now: pd.DataFrame) -> str:
    """The note of the finding ``row`` (key ``k``, the ``at``-th recommendation) that no
    candidate applies to, written after every search: its ground-element note, C5's or the
    fuse link's window note, else why no ordinary setting change applies
    (:func:`.notes._no_candidate_note` on ``facts`` with the charging cap, with the accepted
    changes for a C8), and a re-draft's conflict with the reach — after ``first``
    (:func:`.notes.drafted_first`). ``devices`` and ``now`` (the findings then) as they
    stood at its turn. A cap the note gives is recorded in ``facts_of.caps``."""
    s = facts_of
    if cap.text and s.accepted and str(row["criterion"]) == "C8":  # the cap with
        cap = cap_with_changes(str(row["device"]), k, s.ev.findings(s.accepted),
                               s.accepted, cap)  # the accepted changes
    facts = {**facts, "charging_cap": cap.text}
    runs = link_runs(s.ev, s.ran_for, str(row["device"]), k)
    text = with_drafted_first(first, "; ".join(x for x in (
        g_note, s.c5.note(row, devices) or link_window_note(
            s.study, row, s.evidence, devices, s.loads, s.k8, runs)
        or _no_candidate_note(str(row["criterion"]), str(row.get("status", "")),
                              facts),
        _reach_conflict(row, now, s.c5, devices) if "would not change" in first
        else "") if x), str(row["criterion"]))
    if cap.text and cap.text in text:  # a cap the note gives: which one binds
        s.caps[at] = (str(row["finding"]), cap)
    return text


def finish_notes(recs: Sequence[Recommendation], later: Sequence[tuple[int, Callable[[], str]]],
                 firsts: Mapping[int, tuple[dict, str]], facts_of: SearchFacts,
                 drafted: Any, redraft_changes: set[str] | None,
                 redraft_skipped: Mapping[str, str] | None) -> list[Recommendation]:
    """``recs`` with the notes written after every search (``later``: index → its note), the
    drafted values' first step (``firsts``: index → its finding and
    :func:`.notes.drafted_first` text) said again once the accepted changes are known
    (review rev44a M3), and, where more than one charging cap is given, which one binds."""
    recs = list(recs)
    study, accepted = facts_of.study, facts_of.accepted
    for i, note in later:
        recs[i] = dataclasses.replace(recs[i], note=note())
    if firsts and accepted and redraft_changes is not None:  # rev44a M3: after the changes
        after = redraft_after(apply_to_study(study, accepted))
        for i, (todo_row, old) in firsts.items():
            new = drafted_first(todo_row, drafted, study.path, redraft_changes,
                                redraft_skipped, after)
            if new != old and recs[i].note.startswith(old):
                recs[i] = dataclasses.replace(recs[i], note=new + recs[i].note[len(old):])
    caps = facts_of.caps
    for i, (_, cap) in caps.items():  # more than one charging cap: which one binds
        if extra := binding_text(cap, list(caps.values())):
            recs[i] = dataclasses.replace(recs[i], note=f"{recs[i].note}; {extra}")
    return recs
