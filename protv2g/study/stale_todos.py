"""TODOs of a study file that state a model fact its ``feeder.redirects`` have since changed.

``protv2g init`` writes what it read from the OpenDSS model as ``# TODO`` comments: a terminal
the model opens (``transformer.tg: terminal 2 (bg) open in the model, taking
vsource.windgen1 off the feeder``), an implausible source (``the model's source
vsource.source at bus 150 (4.16 kV): R1 = 0 Ω, X1 = 0.0001 Ω — three-phase 24,018 kA``), a
model without loads — and every drafted interrupting rating quotes the fault "computed here"
on that model. The engineer then fixes the model in a script listed in ``feeder.redirects``
(``close transformer.tg 2``; ``Edit Vsource.source MVAsc3=100``): the run uses the model with
the redirect, but the comments stay, and ``validate`` and the Summary's "Unconfirmed inputs"
went on stating them as the study's state (review rev45a M1: the opposite of what was
computed).

:func:`refresh_model_todos` re-derives those facts on the model as the study runs it (with
its redirects: :attr:`Study.feeder_warnings`, the rows the Feeder warnings sheet shows, and
:func:`~protv2g.study.source_check.implausible_sources` of its source) and marks each TODO
that no longer holds as out of date, saying what the model now has. A drafted rating's TODO
is marked too when the source it was computed on is out of date (its quoted fault then
rests on the model as init read it); ``ratings`` gives the rating init's rule now gives, where the
caller has it (``validate``: :func:`protv2g.study_draft.redraft_ratings.stale_ratings`).

init's other TODO on the model's fault level — a plausible source behind a near-ideal
substation transformer, judged at the feeder head ("the model's fault level 2,797 kA at
head-l1 (24.9 kV), above the largest breaker rating 63 kA …", IEEE 34's ``SubXF Xhl 0.01 %``)
— is re-judged on ``head_ka`` (head → its largest fault now, kA: init's fault study on the
model as the study runs it, :func:`protv2g.study_draft.redraft_ratings.device_peak_ka`),
where the caller has it (review rev48b P2: after a redirect set ``Xhl=8`` and the source,
3.56 kA at the head, ``validate`` still listed 2,797 kA as a value to confirm): at or below
the largest breaker rating the TODO is out of date; still above it with a figure that moved
by more than 10 %, its figures are; either way the drafted ratings quoting the fault
"computed here" rest on the old model and are marked as on a stale source.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from protv2g.errors import Issue
from protv2g.study.model_notes import NO_LOAD_WHAT
from protv2g.study.source_check import I_SC_MAX_KA, dss_source_levels, implausible_sources

__all__ = ["FIGURES_OUT_OF_DATE", "OUT_OF_DATE", "fault_level_heads", "is_out_of_date",
           "refresh_model_todos"]

#: How an out-of-date TODO's message continues (after the file's own text): what it states
#: no longer holds, the comment is to be deleted.
OUT_OF_DATE = " — OUT OF DATE"
#: How a drafted value's TODO continues whose quoted figures are out of date: the value is
#: still to confirm (it stays among the unconfirmed inputs).
FIGURES_OUT_OF_DATE = " — its figures are OUT OF DATE"
#: A TODO on an element of the model: ``<class>.<name>: <what>`` (init's model notes).
_ELEMENT_NOTE = re.compile(r"^(?P<name>[A-Za-z_]+\.[^\s:]+): (?P<what>.+)$")
#: init's TODO on an implausible source.
_SOURCE_NOTE = re.compile(r"^the model's source (?P<name>\S+) at bus ")
#: init's TODO on the fault level at a feeder head (:mod:`protv2g.study_draft.draft`).
_LEVEL_NOTE = re.compile(r"^the model's fault level (?P<ka>[0-9,.]+) kA at (?P<head>\S+) "
                         r"\([0-9.]+ kV\), above the largest breaker rating")
#: A figure moved by more than this fraction is out of date (init's re-draft threshold,
#: :data:`protv2g.study_draft.redraft.MATERIAL_FRACTION`).
_MOVED_FRACTION = 0.10
#: A drafted rating quoting the fault computed on the model init read.
_COMPUTED = "computed here"
_DELETE = ("delete this TODO comment (the model as the study runs it no longer has this; the "
           "Feeder warnings sheet says what it has)")


def is_out_of_date(item: Issue) -> bool:
    """True for an item :func:`refresh_model_todos` marked out of date (a stale statement,
    not a value still to confirm)."""
    return f"{OUT_OF_DATE}:" in item.message


def fault_level_heads(todos: Sequence[Issue]) -> list[str]:
    """The heads named by init's fault-level TODOs among ``todos`` (on ``feeder.*``), in
    order: the devices whose largest fault :func:`refresh_model_todos` needs (``head_ka``).

    >>> fault_level_heads([Issue("s.yaml", "feeder.opendss (line 8)", "the model's fault "
    ...     "level 2,797 kA at head-l1 (24.9 kV), above the largest breaker rating 63 kA")])
    ['head-l1']
    """
    return [m["head"] for t in todos if t.field.startswith("feeder")
            and (m := _LEVEL_NOTE.match(str(t.message)))]


def _level_now(m: re.Match[str], head_ka: Mapping[str, float] | None, used: str
               ) -> tuple[str, str]:
    """(why the fault-level TODO ``m`` is out of date, why its figures are), either empty."""
    i_ka = float((head_ka or {}).get(m["head"], float("nan")))
    if not i_ka == i_ka:  # no figure now: left alone
        return "", ""
    now = f"{used} the fault level at {m['head']} is {i_ka:,.2f} kA (IEC 60909 max, no V2G)"
    if i_ka <= I_SC_MAX_KA:
        return f"{now}, within the largest breaker rating {I_SC_MAX_KA:g} kA", ""
    was = float(m["ka"].replace(",", ""))
    if abs(i_ka - was) > _MOVED_FRACTION * was:
        return "", now
    return "", ""


def _source_now(levels: Any, name: str) -> str:
    row = levels[levels.name.str.lower() == name.lower()]
    if not len(row):
        return f"{name} is no longer in the model"
    r = row.iloc[0]
    return (f"{name} has R1 = {r.r1_ohm:.4g} Ω, X1 = {r.x1_ohm:.4g} Ω: three-phase "
            f"{r.i3_ka:,.2f} kA and SLG {r.i1_ka:,.2f} kA at its terminal")


def refresh_model_todos(todos: Sequence[Issue], study: Any,
                        ratings: Mapping[str, tuple[float, float]] | None = None,
                        head_ka: Mapping[str, float] | None = None) -> list[Issue]:
    """``todos`` (:func:`protv2g.study.todos.todo_items`) with each one that states a model
    fact the study's ``feeder.redirects`` changed marked :data:`OUT_OF_DATE` (module
    docstring); the others as they are. A study without an OpenDSS model or redirects is
    returned unchanged (init read the model the study runs).

    ``ratings``: field path (``devices[0].interrupting_rating_ka``) → (largest fault now at
    the device, kA; the rating init's rule now gives, kA), for drafted ratings whose quoted
    figures moved. ``head_ka``: head → its largest fault now (kA), for init's fault-level
    TODOs (:func:`fault_level_heads`); without it they are left alone.
    """
    model = getattr(study, "model", None)
    redirects = tuple(getattr(study.document.feeder, "redirects", ()) or ())
    if model is None or not redirects:
        return list(todos)
    rows = getattr(study, "feeder_warnings", None)
    now = set()
    whats = set()
    if rows is not None and len(rows):
        now = {f"{str(n).lower()}: {w}" for n, w in zip(rows["name"], rows["what"], strict=True)}
        whats = {str(w) for w in rows["what"]}
    levels = dss_source_levels(model)
    warned = implausible_sources(levels)
    used = f"with feeder.redirects ({', '.join(redirects)})"
    out: list[Issue] = []
    stale_source = False
    for t in todos:
        why = ""
        field = t.field.split(" (")[0]
        msg = str(t.message)
        if field.startswith("feeder") and (m := _SOURCE_NOTE.match(msg)):
            name = m["name"]
            if not any(f"source {name} at bus " in w for w in warned):
                why = f"{used} {_source_now(levels, name)}, a plausible source"
                stale_source = True
        elif field.startswith("feeder") and (m := _LEVEL_NOTE.match(msg)):
            why, moved = _level_now(m, head_ka, used)
            stale_source = stale_source or bool(why or moved)
            if moved:
                out.append(Issue(t.file, t.field, f"{msg}{FIGURES_OUT_OF_DATE}: {moved}", t.fix))
                continue
        elif field.startswith("feeder") and (m := _ELEMENT_NOTE.match(msg)) \
                and msg.lower() not in {x.lower() for x in now}:
            why = f"{used} the model no longer has this ({m['name']} as the study runs it)"
        elif msg.startswith(NO_LOAD_WHAT) and NO_LOAD_WHAT not in whats:
            why = f"{used} the model has enabled loads"
        out.append(t if not why else
                   Issue(t.file, t.field, f"{msg}{OUT_OF_DATE}: {why}", _DELETE))
    if not stale_source and not ratings:
        return out
    for k, t in enumerate(out):
        field = t.field.split(" (")[0]
        if OUT_OF_DATE in str(t.message) or _COMPUTED not in str(t.message):
            continue
        if ratings and field in ratings:
            i_ka, new_ka = ratings[field]
            why = (f"{used} the largest fault at the device is {i_ka:,.2f} kA, and init's "
                   f"rule gives {new_ka:g} kA")
        elif stale_source:
            why = (f"the quoted fault was computed on the model as init read it; {used} "
                   "its source or substation transformer is another")
        else:
            continue
        out[k] = Issue(t.file, t.field, f"{t.message}{FIGURES_OUT_OF_DATE}: {why}",
                       "give the nameplate rating, or re-draft it (protv2g init --redraft "
                       "rewrites the value and its comment)")
    return out
