"""Whether a study models the devices its gated criteria judge (read by validation, the gate,
hosting and the Summary alike, so that ``validate`` says what the gate will refuse).

C1–C4 judge fuse and recloser coordination; a study whose devices are relays only judged
nothing there (review s21, EPRI J1) and the gate makes it an ``error:`` unless the study states
``no_fuses_or_reclosers: true``. Review s25 §6: ``validate`` said "valid" for such a study.
"""

from __future__ import annotations

from protv2g.study.schema import StudyDocument

__all__ = ["FUSE_RECLOSER_CRITERIA", "NO_FUSES_OR_RECLOSERS", "empty_collections",
           "unmodelled_fuses_and_reclosers"]

#: The criteria that judge a feeder's fuses and reclosers (relay over fuse, recloser–fuse and
#: fuse saving, fuse–fuse, relay–recloser: :data:`protv2g.criteria.CRITERIA`).
FUSE_RECLOSER_CRITERIA = ("C1", "C2", "C3", "C4")
#: How the gate and the Summary say that those criteria judged nothing.
NO_FUSES_OR_RECLOSERS = "not evaluated: no fuses or reclosers modelled"


def empty_collections(document: StudyDocument) -> list[tuple[str, str, str]]:
    """``(field, why, fix)`` of each collection the gate needs that the study leaves empty.

    A study without devices has nothing the coordination criteria can judge (they all come
    out ``not_applicable``); a study without V2G sites asks nothing of the gate, whose question
    is what a site's export or charging does to the feeder's protection (review of the s15
    ckt5 draft, which passed). The gate makes each an ``error:`` (#20); ``validate`` warns
    with the same words (the field case ``study-without-devices``: "valid", then ERROR).

    >>> from protv2g.study.schema import StudyDocument
    >>> doc = StudyDocument.model_validate({"name": "s", "feeder": {"builtin": "x"}})
    >>> [field for field, _, _ in empty_collections(doc)]
    ['devices', 'v2g_sites']
    """
    out = []
    if not document.devices:
        out.append(("devices", "the study has no protective device (devices is empty): no "
                    "coordination criterion could be judged",
                    "list the feeder's relays, reclosers and fuses under devices"))
    if not document.v2g_sites:
        out.append(("v2g_sites", "the study has no V2G site (v2g_sites is empty): the gate "
                    "judges what a site's export or charging does to the feeder's protection, "
                    "and there is none",
                    "add the proposed site under v2g_sites (bus, n_chargers, p_charger_kw)"))
    return out


def unmodelled_fuses_and_reclosers(document: StudyDocument) -> str:
    """Why C1–C4 were not evaluated, or "" when they were (or cannot have been).

    A study with protective devices but neither a fuse nor a recloser has judged no fuse or
    recloser coordination: C1–C4 come out ``not_applicable``, which on a feeder whose laterals
    are fused in reality means "not checked", not "passed" (review s21, EPRI J1: a drafted
    head relay only; the Summary looked clean). Unless the study states that the feeder has
    none (``no_fuses_or_reclosers: true``), the gate makes it an ``error:`` (a gate that could
    not evaluate something never passes) and the Summary says "not evaluated". "" also when
    the study has no device (its own error, #20) or gates none of C1–C4.

    >>> from protv2g.study.schema import StudyDocument
    >>> doc = StudyDocument.model_validate({"name": "s", "feeder": {"builtin": "x"},
    ...     "devices": [{"name": "R1", "kind": "relay", "location": {"line": "l", "end": "from"},
    ...                  "pickup_a": 400, "curve": "IEEE-VI", "time_dial": 1}]})
    >>> unmodelled_fuses_and_reclosers(doc)[:46]
    'not evaluated: no fuses or reclosers modelled '
    >>> unmodelled_fuses_and_reclosers(doc.model_copy(update={"no_fuses_or_reclosers": True}))
    ''
    """
    devices = document.devices
    if not devices or document.no_fuses_or_reclosers:
        return ""
    if any(str(d.kind) in ("fuse", "recloser") for d in devices):
        return ""
    gated = [c for c in FUSE_RECLOSER_CRITERIA if c in document.gate.criteria]
    if not gated:
        return ""
    names = ", ".join(str(d.name) for d in devices[:5]) + (" …" if len(devices) > 5 else "")
    return (f"{NO_FUSES_OR_RECLOSERS} — {', '.join(gated)} (fuse and recloser coordination, "
            f"fuse saving) judged nothing: the study's devices are relays only ({names}); "
            "add the feeder's fuses and reclosers (devices: kind fuse / recloser; an OpenDSS "
            "model's own with feeder.adopt_devices) or state that none exist "
            "(no_fuses_or_reclosers: true)")
