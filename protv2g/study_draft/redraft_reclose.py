"""A drafted relay's reclose intervals that init's rule now drafts otherwise: re-drafted by
``protv2g init --redraft`` while still marked TODO (review s28 §6b).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from protv2g.study.todos import todo_items
from protv2g.study_draft.draft_assumptions import der_reclose_why
from protv2g.study_draft.redraft import RECLOSE, StaleValue, redrafted, stale_drafts

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.study.loader import Study

__all__ = ["redraft_devices", "redraft_values", "stale_reclose"]


def stale_reclose(study: Study, again: list | None = None) -> list[StaleValue]:
    """The drafted relays' reclose intervals (still marked TODO) that init's rule now drafts
    otherwise (review s28 §6b, EPRI J1: a relay drafted at 0.5 s before V2G sites were added,
    which init now drafts at 3.5 s — past the sites' cease-to-energise time, IEEE 1547-2018
    §8.1 —, left as it was by ``--redraft``; C10's findings then rested on a value nobody
    set). Not a stale-value warning: ``validate`` and ``run`` warn of a drafted first
    reclose C10 will fail (:func:`protv2g.study.plausibility.plausibility_warnings`).

    ``again``: :func:`redrafted`'s result when the caller has it (computed otherwise).
    """
    todo = {t.field.split(" (")[0] for t in todo_items(study.path)} if study.path else set()
    out = []
    for index, d, prop in (redrafted(study) if again is None else again):
        now = [float(v) for v in (getattr(d, RECLOSE, None) or ())]
        new = [float(v) for v in prop.entry.get(RECLOSE) or ()]
        if f"devices[{index}].{RECLOSE}" not in todo or not new or now == new:
            continue
        why = ("the study's V2G sites (or the model's own DER) are DER under IEEE 1547-2018 "
               f"(§8.1): init's rule drafts {new[0]:g} s, {der_reclose_why()}"
               if new[0] > now[0] else "init's reclosing rule for the study as it now stands")
        out.append(StaleValue(d.name, index, RECLOSE, now, new, why))
    return out


def redraft_devices(study: Study) -> frozenset[str]:
    """The drafted relays ``protv2g init --redraft`` would change in ``study``: those with a
    stale value (:func:`.redraft.stale_drafts`, :func:`stale_reclose`), the set it
    writes; empty when it would say "nothing re-drafted" (review rev32a W3: ``recommend``
    advised a re-draft that changed nothing)."""
    return frozenset(s.device for s in redraft_values(study))


def redraft_values(study: Study) -> list[StaleValue]:
    """The values ``protv2g init --redraft`` would change in ``study`` (:func:`stale_drafts`,
    :func:`stale_reclose`): the drafted value and the rule's value now, per relay
    (``recommend`` says them of the study with its changes applied, review rev44a M3)."""
    again = redrafted(study)
    return [*stale_drafts(study, again), *stale_reclose(study, again)]
