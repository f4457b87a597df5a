"""What to do first for a finding that rests on a drafted value (``input_basis`` ``todo``,
:mod:`protv2g.input_basis`): give the utility's settings, re-draft them, or confirm where a
drafted device sits (:func:`drafted_first`), and the note that then follows
(:func:`with_drafted_first`). Split from :mod:`.notes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protv2g.criteria import CATALOGUE
from protv2g.violations import is_given

__all__ = ["drafted_first", "with_drafted_first"]


def drafted_first(finding: Mapping[str, Any], drafted: set[str] | frozenset[str],
                  study_path: Any = None, redraft_changes: set[str] | None = None,
                  redraft_skipped: Mapping[str, str] | None = None,
                  redraft_after: Mapping[str, str] | None = None) -> str:
    """What to do first for a finding resting on a drafted value (``input_basis`` ``todo``,
    :mod:`protv2g.input_basis`), "" for another: a drafted device's settings are not the
    utility's, so neither a setting change nor a cap on the sites is the answer before they
    are given (review s27 §6, EPRI J1: a C8 on the drafted head relay was told "schedule or
    cap the sites' charging"; its drafted pickup was stale).

    ``drafted``: the devices drafted as a whole (:func:`protv2g.input_basis.drafted_devices`).
    ``redraft_changes``: the drafted devices ``protv2g init --redraft`` would change
    (:func:`protv2g.study_draft.redraft.stale_drafts`); None when not known. A re-draft is
    offered only for those: review rev32a W3 (EPRI J1) — the re-draft then said "nothing
    re-drafted", and the advice looped.
    ``redraft_skipped``: the drafted relays ``init --redraft`` does not re-draft, and why
    (:func:`protv2g.study_draft.redraft.not_redrafted`); for those neither a re-draft nor
    "a re-draft would not change them" is said, but why (review rev33c M2: IEEE 37's relay
    moved off the regulator jumper was told a re-draft "gives the same values" while the
    re-draft never looked at it).
    ``redraft_after``: what ``init --redraft`` would change once the recommended changes are
    applied (drafted relay → its values, :func:`.study_facts.redraft_after`); None when no
    change is accepted or it is not known. "Would not change them" is said only where neither
    set has them (review rev44a M3: EPRI ckt5's R02, fuse 100K → 80K, said it while `run` on
    the changed study found the head's curves and ground dial stale).

    >>> drafted_first({"input_basis": "todo", "device": "head"}, {"head"}, "s.yaml")[:43]
    "first give the utility's settings of head ("
    >>> drafted_first({"input_basis": "given", "device": "head"}, {"head"})
    ''
    >>> "would not change" in drafted_first({"input_basis": "todo", "device": "head"},
    ...                                     {"head"}, "s.yaml", set())
    True
    >>> drafted_first({"input_basis": "todo", "device": "head"}, {"head"}, "s.yaml", set(),
    ...               {"head": "it sits on transformer.t1"})[-74:]
    '`protv2g init --redraft` does not re-draft head: it sits on transformer.t1'
    """
    if str(finding.get("input_basis", "")) != "todo":
        return ""
    names = [str(finding.get(k)) for k in ("device", "other_device")
             if is_given(finding.get(k)) and str(finding.get(k)) in drafted]
    crit = CATALOGUE.get(str(finding.get("criterion", "")))
    if names and crit is not None and not crit.reads_settings:
        # review rev36b X10 (IEEE 37, C11 behind head-l35): "first give the utility's
        # settings … the finding rests on them", while C11 reads no setting
        return (f"first confirm where the utility's {' and '.join(names)} sits (drafted by "
                f"protv2g init: TODO): {crit.id} ({crit.title}) reads the DER and load of its "
                "zone, not its settings — the finding rests on the drafted device's location "
                "and stands whatever settings the utility gives")
    if names:
        redraft = (f"`protv2g init --redraft {study_path}`" if study_path
                   else "`protv2g init --redraft STUDY.yaml`")
        given = (f"first give the utility's settings of {' and '.join(names)} (drafted by "
                 "protv2g init: TODO)")
        skipped = {n: (redraft_skipped or {})[n] for n in names if n in (redraft_skipped or {})}
        if skipped:
            return (f"{given}, and re-run: the finding rests on them; `protv2g init --redraft`"
                    " does not re-draft " + "; ".join(f"{n}: {why}" for n, why in
                                                      skipped.items()))
        if redraft_changes is not None and not set(names) & set(redraft_changes):
            after = {n: (redraft_after or {})[n] for n in names if n in (redraft_after or {})}
            if after:  # the recommended changes make a re-draft change them
                return (f"{given}, and re-run: the finding rests on them; a re-draft "
                        f"({redraft}) would not change them as the study now stands, but "
                        "would once the recommended changes are applied (init's rule then "
                        "gives " + "; ".join(f"{n}: {v}" for n, v in after.items())
                        + "): re-draft the changed study after `--apply`, or give the "
                        "utility's settings")
            return (f"{given}, and re-run: the finding rests on them; a re-draft ({redraft})"
                    " would not change them (init's rule, as the study now stands"
                    + (" and with the recommended changes" if redraft_after is not None
                       else "") + ", gives the same values)")
        return (f"{given}, or re-draft them for the study as it now stands ({redraft}), and "
                "re-run: the finding rests on them")
    return ("first confirm the drafted value (TODO) the finding rests on (the Findings "
            "sheet's \"Rests on\"; `protv2g validate` lists the TODOs) and re-run")


def with_drafted_first(first: str, note: str, criterion: str = "") -> str:
    """``note`` after :func:`drafted_first`'s text (``first``), which it then qualifies;
    for a ``criterion`` that reads no setting (C11) "with the device where it is drafted".

    >>> with_drafted_first("first give X", "raise the pickup")
    'first give X; with the drafted values: raise the pickup'
    >>> with_drafted_first("first confirm X", "cap", "C11")
    'first confirm X; with the device where it is drafted: cap'
    """
    if not first:
        return note
    crit = CATALOGUE.get(criterion)
    basis = ("the device where it is drafted" if crit is not None and not crit.reads_settings
             else "the drafted values")
    return f"{first}; with {basis}: {note}" if note else first
