"""init's TODO on an implausible model source, re-judged by ``init --redraft`` (review rev40b M4).

``protv2g init`` writes a TODO on ``feeder.opendss`` when the model's substation source is not
a plausible utility source (:func:`protv2g.study.source_check.implausible_sources`: IEEE 123's
``R1 = 0 Ω, X1 = 0.0001 Ω``, 24,018 kA at its terminal). The user then gives the utility's
source in a redirect (``Edit Vsource.source MVAsc3=60 MVAsc1=60 X1R1=8 X0R0=8``) and runs
``init --redraft``, which re-drafted the ratings and the candidate table on the model as it
now stands (9.16 kA) — but the TODO still claimed the ideal source's 24,018 kA, and
``validate`` listed it. :func:`refresh_source_todos` re-runs the same check on the study's
model (with its redirects): a source now plausible has its TODO replaced by a plain comment
giving the source as the study now has it (no TODO: nothing left to confirm there); one still
implausible with other figures gets the TODO with the figures of the model as it stands.

The other form of that TODO — a plausible source behind a near-ideal substation transformer,
judged by the fault level at the feeder head (IEEE 13's ``Transformer.Sub XHL=0.008``: "the
model's fault level 1,363 kA at head-650632 (4.16 kV), above the largest breaker rating 63
kA …") — is re-judged by :func:`refresh_fault_level_todos` on the head's largest fault now
(review rev42b M3a: after ``Edit Transformer.Sub XHL=8`` the re-draft said "max fault now 9.50
kA" and left the 1,363 kA TODO in the file): below the rating the TODO becomes a comment with
the fault now; still above it, the TODO's figure is the one now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from protv2g.study.source_check import (
    DSS_SOURCE_FIX,
    I_SC_MAX_KA,
    dss_source_levels,
    implausible_sources,
)
from protv2g.study_draft.writer import todo

__all__ = ["fault_level_heads", "refresh_fault_level_todos", "refresh_source_todos",
           "source_todo"]

#: init's source TODO on a line of its own (:func:`protv2g.study_draft.draft_text.study_text`):
#: its indent and the source's name.
_TODO = re.compile(r"^(?P<indent>\s*)# TODO: the model's source (?P<name>\S+) at bus (?P<bus>\S+) "
                   r"\((?P<kv>[0-9.]+) kV\): (?P<what>.*?)(?: \| fix: .*)?$")
_REDRAFTED = "re-drafted by protv2g init --redraft"
#: init's TODO on a head's implausible fault level (:mod:`.draft`: the source plausible, the
#: fault level at the head above the largest breaker rating): its indent, figure and head.
_LEVEL = re.compile(r"^(?P<indent>\s*)# TODO: the model's fault level (?P<ka>[0-9,.]+) kA at "
                    r"(?P<head>\S+) \((?P<kv>[0-9.]+) kV\), above the largest breaker rating "
                    r"(?P<max>[0-9.]+) kA(?P<rest>.*)$")


def source_todo(text: str) -> str:
    """init's TODO on an implausible source (``text``: one of :func:`implausible_sources`'
    sentences), as :func:`protv2g.study_draft.draft_text.study_text` writes it."""
    return todo(f"the model's {text}: every fault level, C7 duty and drafted interrupting "
                "rating near the substation rests on it", DSS_SOURCE_FIX)


def _ka(i_ka: float) -> str:
    return f"{i_ka:,.2f} kA" if i_ka < 100 else f"{i_ka:,.0f} kA"


def refresh_source_todos(text: str, model: Any) -> tuple[str, list[str]]:
    """``text`` (the study file) with init's source TODOs re-judged on ``model`` (the study's
    compiled model, its redirects run), and one line per change for the command to print
    (module docstring); ``text`` unchanged and no lines where nothing changed or the model
    holds no substation source any more.

    Examples
    --------
    A TODO on a source the model no longer has is left alone:

    >>> class M: pass
    >>> refresh_source_todos("  # TODO: the model's source vsource.x at bus 1 (4.16 kV): a",
    ...                      M())[1]
    []
    """
    lines = text.splitlines(keepends=True)
    found = [(k, m) for k, ln in enumerate(lines) if (m := _TODO.match(ln.rstrip("\n")))]
    if not found:
        return text, []
    try:
        levels = dss_source_levels(model)
    except Exception:  # noqa: BLE001 - no engine holding the circuit: nothing to re-judge
        return text, []
    now = {}
    for sentence in implausible_sources(levels):
        now[sentence.split(" ", 2)[1]] = sentence
    rows = {str(r.name): r for r in levels.itertuples(index=False)}
    said = []
    for k, m in found:
        name, indent = m["name"], m["indent"]
        newline = "\n" if lines[k].endswith("\n") else ""
        if name in now:  # still implausible: the TODO with today's figures
            new = indent + source_todo(now[name]) + newline
            if new != lines[k]:
                lines[k] = new
                said.append(f"feeder.opendss: the TODO on source {name} re-written with the "
                            "model's figures as it now stands (still not a plausible utility "
                            "source)")
            continue
        r = rows.get(name)
        if r is None:  # the source is gone from the model: not this module's to judge
            continue
        was = m["what"].split(" — ", 1)[0]
        lines[k] = (f"{indent}# the model's source {name} at bus {r.bus} ({r.kv_ll:g} kV) as "
                    f"the study now gives it: R1 = {r.r1_ohm:.4g} Ω, X1 = {r.x1_ohm:.4g} Ω — "
                    f"three-phase {_ka(r.i3_ka)} and SLG {_ka(r.i1_ka)} at its terminal, X/R "
                    f"{r.x_r:.3g}: a plausible utility source ({_REDRAFTED}; init's TODO on "
                    f"the model's own source, {was}, is resolved){newline}")
        said.append(f"feeder.opendss: source {name} is now a plausible utility source "
                    f"(three-phase {_ka(r.i3_ka)}, X/R {r.x_r:.3g}): init's TODO on it "
                    "replaced by a comment")
    return "".join(lines), said


def fault_level_heads(text: str) -> list[str]:
    """The devices named by init's fault-level TODOs in ``text`` (:data:`_LEVEL`), in file
    order: the heads whose largest fault :func:`refresh_fault_level_todos` needs.

    >>> fault_level_heads("  # TODO: the model's fault level 1,363 kA at head-650632 (4.16 kV),"
    ...                   " above the largest breaker rating 63 kA (IEEE C37.06): x")
    ['head-650632']
    """
    return [m["head"] for ln in text.splitlines() if (m := _LEVEL.match(ln))]


def refresh_fault_level_todos(text: str, peak_ka: Mapping[str, float]) -> tuple[str, list[str]]:
    """``text`` with init's fault-level TODOs re-judged on ``peak_ka`` (head → its largest
    fault now, kA: init's fault study on the model as the study now stands — IEC 60909 max,
    every fault type, no V2G, close-in faults included, as :mod:`.draft` judged it), and one
    line per change for the command to print. A head's fault at most ``I_SC_MAX_KA`` (the
    largest breaker rating, IEEE C37.06, as init's check) has its TODO replaced by a plain
    comment giving the fault now; one still above it keeps the TODO with the figure now; a
    head not in ``peak_ka`` (or NaN) is left alone.

    Examples
    --------
    >>> t = ("  # TODO: the model's fault level 1,363 kA at h (4.16 kV), above the largest "
    ...      "breaker rating 63 kA (IEEE C37.06): its source … | fix: give it")
    >>> refresh_fault_level_todos(t, {"h": 9.5})[0]  # doctest: +ELLIPSIS
    "  # the model's fault level at h (4.16 kV) as the study now gives it: 9.50 kA ..."
    """
    lines = text.splitlines(keepends=True)
    said = []
    for k, ln in enumerate(lines):
        m = _LEVEL.match(ln.rstrip("\n"))
        i_ka = float(peak_ka.get(m["head"], float("nan"))) if m else float("nan")
        if m is None or not i_ka == i_ka:  # no such TODO, or no figure now: left alone
            continue
        newline = "\n" if ln.endswith("\n") else ""
        head, kv, was = m["head"], m["kv"], m["ka"]
        if i_ka > I_SC_MAX_KA:  # still implausible: the TODO with the figure now
            new = (f"{m['indent']}# TODO: the model's fault level {_ka(i_ka)} at {head} ({kv} "
                   f"kV), above the largest breaker rating {m['max']} kA{m['rest']}{newline}")
            if new != ln:
                lines[k] = new
                said.append(f"feeder.opendss: the TODO on the fault level at {head} re-written "
                            f"with the model's figure as it now stands ({_ka(i_ka)}; still "
                            f"above the largest breaker rating {m['max']} kA)")
            continue
        lines[k] = (f"{m['indent']}# the model's fault level at {head} ({kv} kV) as the study "
                    f"now gives it: {_ka(i_ka)} (IEC 60909 max, no V2G), within the largest "
                    f"breaker rating {m['max']} kA ({_REDRAFTED}; init's TODO on the model's "
                    f"fault level, {was} kA there, is resolved){newline}")
        said.append(f"feeder.opendss: the fault level at {head} is now {_ka(i_ka)}, within "
                    f"the largest breaker rating {m['max']} kA: init's TODO on it (was {was} kA)"
                    " replaced by a comment")
    return "".join(lines), said
