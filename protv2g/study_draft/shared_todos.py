"""The explanation many device TODOs share, written once above the devices (review rev36a T2).

IEEE 8500's 30 model fuses each carried two ~600-character TODO comments — the link swap
(``OpenDSS's generic TCC_Curve.tlink at 10 A → the EEI-NEMA 10T link is used (melting ranges
as recalled …), not OpenDSS's normalised curve (#17); at 5025 A (max fault) …``) and the
cutout rating (``drafted rating 8 kA asym: …; class range 8–16 kA; source IEEE C37.42 …;
fault duty 5.02 kA × 1.114 for X/R 3.0 (IEEE C37.010 §5.3, half a cycle, total rms) = 5.60
kA | fix: give the device's nameplate …``): the study was 370 lines, ~75 % of it one sentence
with other numbers. :func:`factor_shared` writes each clause that two or more device TODOs
repeat word for word once, as a block comment below ``devices:``, and leaves each TODO its own
figures and choice (the link and its opening times; the rating, the fault and its duty):

* the link's provenance and OpenDSS's curve (:data:`PROVENANCE`); where every model fuse
  maps to the same link, that too (:func:`same_link_text`, review rev47a item 3: IEEE
  8500's 30 ``TCC_Curve.tlink`` 10 A fuses all became 10T, and its condition 1, C3 10T
  behind 10T, can never pass: C3 asks the downstream link's total clearing ≤ 0.75 × the
  upstream link's minimum melting, and a link's clearing is above its own minimum melting at
  every current);
* a rating class's range and source (:data:`RATING_CLASSES`, :data:`LV_RATING_CLASSES`);
* the asymmetry rule's source (IEEE C37.010 §5.3) and both fixes, shortened.

Every TODO stays on its own value's line, starting as before (``drafted rating 8 kA`` is what
:mod:`.redraft_ratings` reads back; ``protv2g validate`` lists each, folding alike ones), so
the TODO count and the fields they name do not change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from protv2g.study_draft.ratings import (
    LV_RATING_CLASSES,
    MV_BREAKER_CLASSES,
    MV_RECLOSER_CLASSES,
    RATING_CLASSES,
)

__all__ = ["factor_shared", "SHARE_MIN", "SHARED_HEAD", "same_link_text"]

#: A clause is written once when at least this many device TODOs repeat it.
SHARE_MIN = 2
#: The block's first line.
SHARED_HEAD = "  # What the device TODOs below share (each TODO keeps its own figures):"

#: The link swap's provenance clause (:func:`protv2g.study.opendss_devices.link_provenance`).
PROVENANCE = re.compile(r" \((melting ranges [^()]*(?:\([^()]*\)[^()]*)*)\), not OpenDSS's "
                        r"normalised curve \(#17\)")
#: A model fuse's link swap as its TODO states it: the link used.
SWAPPED_LINK = re.compile(r"→ the EEI-NEMA (\S+) link is used")
#: How the draft marks a device adopted from the model (:mod:`.draft_text`).
MODEL_FUSE = "# from the model (fuse on "
_LINK_FIX = "confirm the link (type and rating), or give the fuse's own curve in a curve file"
_LINK_FIX_SHORT = "confirm the link, or give the fuse's own curve"
_C37_010 = " (IEEE C37.010 §5.3, half a cycle, total rms)"
_C37_010_SYM = " (IEEE C37.010 §5.3, half a cycle, rating X/R 17)"
_RATING_FIX = "give the device's nameplate interrupting rating (and its basis: sym / asym)"
_RATING_FIX_SHORT = "give the nameplate rating (sym / asym)"


def _class_clauses() -> list[tuple[str, str]]:
    """(clause as a rating TODO writes it, the class's label) of every rating class."""
    out = {}
    for cls in [*RATING_CLASSES.values(), *LV_RATING_CLASSES.values(),
                *MV_BREAKER_CLASSES.values(), *MV_RECLOSER_CLASSES.values()]:
        lo, hi = cls.bracket_ka
        out[f"; class range {lo:g}–{hi:g} kA; source {cls.source}"] = cls.label
    return list(out.items())


def same_link_text(n_fuses: int, links: Sequence[str]) -> str:
    """The clause said once where every one of the model's ``n_fuses`` fuses maps to the same
    link (``links``: the link each swap TODO names), else "".

    >>> same_link_text(30, ["10T"] * 30)[:55]
    'all 30 model fuses map to the same link, 10T: fuse–fuse'
    >>> same_link_text(3, ["10T", "10T", "15T"]), same_link_text(2, ["10T"])
    ('', '')
    """
    if n_fuses < SHARE_MIN or len(links) != n_fuses or len(set(links)) != 1:
        return ""
    return (f"all {n_fuses} model fuses map to the same link, {links[0]}: fuse–fuse pairs of "
            "the same link cannot coordinate (C3) for any current (its total clearing is "
            "above its own minimum melting at every current, C3 asks ≤ 0.75 ×); confirm the "
            "model's fuse ratings")


def factor_shared(lines: Sequence[str]) -> list[str]:
    """``lines`` (a drafted study's) with the clauses two or more device TODOs repeat
    (module docstring) written once below ``devices:``; ``lines`` unchanged when none is."""
    at = next((i for i, ln in enumerate(lines) if ln == "devices:"), None)
    if at is None:
        return list(lines)
    end = next((i for i in range(at + 1, len(lines)) if lines[i][:1] not in (" ", "#")
                or lines[i].startswith("# Candidate")), len(lines))
    body = list(lines[at + 1:end])
    block: list[str] = []
    todo_lines = [i for i, ln in enumerate(body) if "# TODO:" in ln]

    def count(pattern: str | re.Pattern) -> int:
        if isinstance(pattern, str):
            return sum(pattern in body[i] for i in todo_lines)
        return sum(bool(pattern.search(body[i])) for i in todo_lines)

    provenances = {m.group(1) for i in todo_lines if (m := PROVENANCE.search(body[i]))}
    if count(PROVENANCE) >= SHARE_MIN and len(provenances) == 1:
        same = same_link_text(sum(ln.lstrip().startswith(MODEL_FUSE) for ln in body),
                              [m.group(1) for i in todo_lines
                               if (m := SWAPPED_LINK.search(body[i]))])
        block.append(
            "  #   fuse links: OpenDSS's generic TCC_Curve.tlink/klink at a rating is taken "
            f"as the EEI-NEMA T/K link of that rating ({provenances.pop()}), not OpenDSS's "
            "normalised curve (#17); each link's TODO gives the model's curve's opening time "
            "and the link's melting and clearing times at the fuse's max and min fault "
            f"(IEC 60909, no V2G)" + (f"; {same}" if same else "")
            + f" | fix for each: {_LINK_FIX}")
        body = [PROVENANCE.sub("", ln) if i in todo_lines else ln for i, ln in enumerate(body)]
        body = [ln.replace(f"| fix: {_LINK_FIX}", f"| fix: {_LINK_FIX_SHORT}")
                for ln in body]
    for clause, label in _class_clauses():
        if count(clause) >= SHARE_MIN:
            block.append(f"  #   drafted {label} ratings: the smallest preferred rating of "
                         f"the class at or above the device's fault duty{clause}")
            body = [ln.replace(clause, "").replace(f"the smallest {label} rating ≥ the",
                                                   "≥ the") for ln in body]
    for clause, basis in ((_C37_010, "an asym rating: the total rms current"),
                          (_C37_010_SYM, "a sym rating: raised above X/R 17")):
        if count(clause) >= SHARE_MIN:
            block.append("  #   fault duty: the largest fault protv2g computes at the device "
                         "(IEC 60909 max, every fault type, no V2G; the bus faults and its "
                         "close-in fault) × the asymmetry factor of its X/R, half a cycle "
                         f"(IEEE C37.010 §5.3; {basis})")
            body = [ln.replace(clause, "") for ln in body]
    if count(f"| fix: {_RATING_FIX}") >= SHARE_MIN:
        block.append(f"  #   ratings, fix for each: {_RATING_FIX}")
        body = [ln.replace(f"| fix: {_RATING_FIX}", f"| fix: {_RATING_FIX_SHORT}")
                for ln in body]
    if not block:
        return list(lines)
    return [*lines[:at + 1], SHARED_HEAD, *block, *body, *lines[end:]]
