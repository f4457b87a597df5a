"""What the recommendation search reads from the study besides its findings.

For the order of the moves and the notes of :func:`protv2g.recommend.search.recommend`: the
feeder's primary/backup pairs (a lowered pickup's practice notes), what ``protv2g init
--redraft`` would and would not re-draft (a drafted value's note), the findings resting on a
drafted value, and a C8 finding's conflict with the same device's C5 reach. Each answers
None or nothing where it cannot be told: a note's wording must not stop the search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from protv2g.checks.load import RESIDUAL_PEAKS
from protv2g.input_basis import study_input_bases, tag_input_basis
from protv2g.recommend.reach import ReachFacts
from protv2g.study.loader import Study


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


def redraft_after(study: Study) -> dict[str, str] | None:
    """What ``protv2g init --redraft`` would change in ``study`` (the study with the accepted
    changes applied, :func:`~protv2g.recommend.apply.apply_to_study`): drafted relay → its
    values, ``"ground_curve IEEE-EI → IEEE-MI, ground_time_dial 2.3 → 5.1"``
    (:func:`protv2g.study_draft.redraft_reclose.redraft_values`); None when it cannot be told.
    A note saying a re-draft "would not change them" is checked against it after the changes
    (review rev44a M3: EPRI ckt5's R02, a fuse 100K → 80K below the drafted head, said so
    while `run` on the changed study found the head's curves and ground dial stale)."""
    from protv2g.study_draft.redraft_reclose import redraft_values

    try:
        values = redraft_values(study)
    except Exception:  # noqa: BLE001 - a note's wording must not stop the search
        return None
    out: dict[str, list[str]] = {}
    for v in values:
        out.setdefault(v.device, []).append(
            f"{v.key} {v.text(v.drafted)} → {v.text(v.redrafted)}")
    return {d: ", ".join(t) for d, t in out.items()}


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
