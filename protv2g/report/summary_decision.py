"""Section 1's lines of the Summary beside the verdict: the gist of a TODO item it quotes
("Unconfirmed inputs"), what the findings rest on ("Rests on") and the IEC 60909 maximum
SLG gaps ("Ground-fault maximum"). Moved out of :mod:`protv2g.report.summary` (module
size)."""

from __future__ import annotations

import pandas as pd

from protv2g.gate_hosting import first_clause
from protv2g.input_basis import InputBasis, names_default, rests_on

__all__ = ["TODO_GIST_CHARS", "also_default", "rests_on_line", "slg_gap_lines", "todo_gist"]

#: The longest gist of a TODO item the Summary quotes (characters, "…" after a cut).
TODO_GIST_CHARS = 160


def todo_gist(item: str) -> str:
    """A TODO item (``"<field>: <text>"``, :func:`protv2g.study.todos.todo_items`) cut to its
    first clause — up to its first ``"; "`` outside parentheses
    (:func:`protv2g.gate_hosting.first_clause`) or ``" — "``, at most
    :data:`TODO_GIST_CHARS` — for the Summary's "Unconfirmed inputs" example: the Summary is
    a decision memo; the whole text stays on the Inputs sheet and in ``protv2g validate``
    (review rev42a M3, EPRI ckt5: the head relay's 1,500-character TODO, every curve
    family's trial, quoted whole as the "e.g.").

    >>> todo_gist("devices[1] (line 24): assumed feeder-head relay head: the model has none; "
    ...           "settings by protv2g's stated rule (…)")
    'devices[1] (line 24): assumed feeder-head relay head: the model has none …'
    """
    text = first_clause(str(item)).split(" — ", 1)[0]
    if len(text) > TODO_GIST_CHARS:
        text = text[:TODO_GIST_CHARS].rsplit(" ", 1)[0].rstrip(",;:")
    return text + (" …" if text != str(item) else "")


def slg_gap_lines(warnings: pd.DataFrame | None) -> list[str]:
    """The Feeder warnings' rows saying the IEC 60909 maximum SLG current is no upper bound
    (:mod:`protv2g.study.iec_slg_gap`), as ``"<what>; fix: <action>"``."""
    from protv2g.study.iec_slg_gap import SLG_GAP_WHAT

    if warnings is None or not len(warnings) or "what" not in warnings:
        return []
    hit = warnings[warnings["what"].astype(str).str.startswith(SLG_GAP_WHAT)]
    return [f"{w}; fix: {a}" for w, a in zip(hit["what"], hit["action"], strict=True)]



def rests_on_line(findings: pd.DataFrame, gate: dict,
                   evidence: pd.DataFrame | None = None) -> str:
    """The Summary's one line on what the findings rest on (``input_basis``,
    :mod:`protv2g.input_basis`), counted in the order the bases rank (given data, the fuse
    curve band, a tool default, a drafted value), with the gate's ``confirm:`` count when a
    finding rests on a stand-in; empty when every finding rests on given data.

    Each finding counts once, by its weakest basis (the Findings sheet's "Rests on"); of the
    findings on a drafted value, those with a row also on a tool default (:func:`also_default`
    of ``evidence``) are counted beside it, so no basis goes unsaid (review rev47a #2, IEEE
    8500: 20 of 41 conditions were line loadings on OpenDSS's 400 A default under the drafted
    peak load, and the line read "0 on a tool default").

    >>> rests_on_line(pd.DataFrame({"input_basis": ["given", "band"]}), {})[:60]
    '1 finding(s) on given data, 1 on the fuse curve band (a fuse'
    """
    if "input_basis" not in findings.columns or findings.empty:
        return ""
    n = findings["input_basis"].astype(str).value_counts()
    n_band, n_default, n_todo = (int(n.get(b.value, 0)) for b in (
        InputBasis.BAND, InputBasis.DEFAULT, InputBasis.TODO))
    if not n_band + n_default + n_todo:
        return ""
    parts = [f"{len(findings) - n_band - n_default - n_todo} finding(s) on given data"]
    if n_band:  # given data, but the verdict flips inside a fuse's TC band (fuse19)
        parts.append(f"{n_band} on the {rests_on(InputBasis.BAND)} (a fuse's verdict flips "
                     "inside its EEI-NEMA total-clearing band: the link maker's TC curve "
                     "decides)")
    if not n_default + n_todo:
        return ", ".join(parts) + " (Findings sheet, column 'Rests on')"
    n_both = also_default(findings, evidence)
    parts += [f"{n_default} on a tool default (a value the study does not give: an OpenDSS "
              "default rating such as a line's 400 A normamps, a site's cease-to-energise "
              "time at IEEE 1547's 2 s upper bound, protv2g's reclose margin)",
              f"{n_todo} on a drafted value (TODO)"
              + (f", {n_both} of them also on a tool default" if n_both else "")]
    # review ver50 #2 (EPRI J1): "5 pre-existing failure(s)" where none was pre-existing —
    # the confirm: lines are also regulator modes and C8 rows at a regulator's rest point
    return (", ".join(parts) + f"; the gate lists "
            f"{(gate.get('counts') or {}).get('to_confirm', 0)} item(s) as 'confirm:', each "
            "saying what to confirm (a stand-in input under a pre-existing failure, a "
            "regulator's mode, a C8 row at the regulators' rest point) — confirm before "
            "fixing (Findings sheet, column 'Rests on')")


def also_default(findings: pd.DataFrame, evidence: pd.DataFrame | None) -> int:
    """How many findings resting on a drafted value have a row on a tool default too: a row
    whose ``input_basis`` is ``default``, or a ``todo`` row whose ``input_todo`` names a
    default (:func:`~protv2g.input_basis.names_default`: a line's 400 A ``normamps`` under
    the drafted peak load); 0 without the Evidence table.

    >>> f = pd.DataFrame({"input_basis": ["todo", "todo"], "evidence_first": ["E1", "E2"],
    ...                   "evidence_last": ["E1", "E3"]})
    >>> e = pd.DataFrame({"evidence": ["E1", "E2", "E3"], "input_basis": ["todo"] * 3,
    ...     "input_todo": ["x (drafted: TODO)", "", "line.a's normamps (OpenDSS default "
    ...                    "400 A, not in the model); x (drafted: TODO)"]})
    >>> also_default(f, e)
    1
    """
    need = {"evidence", "input_basis"}
    if (evidence is None or not len(evidence) or not need <= set(evidence.columns)
            or not {"evidence_first", "evidence_last"} <= set(findings.columns)):
        return 0
    todo = evidence["input_todo"] if "input_todo" in evidence else pd.Series("", evidence.index)
    on = ((evidence["input_basis"].astype(str) == InputBasis.DEFAULT.value)
          | [names_default(t) for t in todo.tolist()])
    flags = on.to_numpy(dtype=bool)
    pos = {e: i for i, e in enumerate(evidence["evidence"].astype(str).tolist())}
    n = 0
    for basis, a, b in zip(findings["input_basis"].astype(str),
                           findings["evidence_first"].astype(str),
                           findings["evidence_last"].astype(str), strict=True):
        if basis == InputBasis.TODO.value and a in pos and b in pos:
            n += bool(flags[pos[a]:pos[b] + 1].any())
    return n
