"""What :func:`protv2g.study_draft.draft.draft_study` returns (:class:`StudyDraft`: the YAML
text, the curve file, the TODOs, candidates and notes) and the stages it reports to its
``progress`` callback (:data:`DRAFT_STAGES`). Plain data, nothing computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from protv2g.study_draft.notes import Note

__all__ = ["DRAFT_STAGES", "StudyDraft"]

#: The stages :func:`~protv2g.study_draft.draft.draft_study` reports to its ``progress``
#: callback, in order: compiling the model, the fault study, the devices' close-in faults,
#: the fuses drafted on fuse-named lines (with a power flow), the head relays' rule (with a
#: power flow), the candidate site buses, the notes and light load.
DRAFT_STAGES = ("model", "faults", "close-in faults", "fuses", "head relay", "candidates",
                "notes")


@dataclass(frozen=True)
class StudyDraft:
    """A drafted study: the YAML text, an optional curve file, and what was assumed."""

    text: str
    curves_text: str | None
    curves_folder: str
    todos: tuple[str, ...]
    candidates: pd.DataFrame
    proposals: tuple = ()
    #: what init read from the model (:mod:`.notes`), also in the text's comments
    notes: tuple[Note, ...] = field(default=())
    #: why a feeder head has no drafted relay (guarded by a model device, a load equivalent)
    no_relay: tuple[str, ...] = field(default=())
    #: the model's source found implausible (:func:`protv2g.study.source_check
    #: .implausible_sources`), a TODO on ``feeder.opendss``
    source_issues: tuple[str, ...] = field(default=())
    #: most of the model's fuses below their laterals' peak load, said once
    #: (:func:`.fuse_load.fuse_load_summary`; "" when not so)
    fuse_load: str = ""
