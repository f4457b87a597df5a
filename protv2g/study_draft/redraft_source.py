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
"""

from __future__ import annotations

import re
from typing import Any

from protv2g.study.source_check import (
    DSS_SOURCE_FIX,
    dss_source_levels,
    implausible_sources,
)
from protv2g.study_draft.writer import todo

__all__ = ["refresh_source_todos", "source_todo"]

#: init's source TODO on a line of its own (:func:`protv2g.study_draft.draft_text.study_text`):
#: its indent and the source's name.
_TODO = re.compile(r"^(?P<indent>\s*)# TODO: the model's source (?P<name>\S+) at bus (?P<bus>\S+) "
                   r"\((?P<kv>[0-9.]+) kV\): (?P<what>.*?)(?: \| fix: .*)?$")
_REDRAFTED = "re-drafted by protv2g init --redraft"


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
