"""The engine's notes as ``protv2g`` prints them after a command: one line per kind with the
range of its figures (:func:`_print_notes`), the PLL-held rows' detail a run adds
(:func:`_pll_detail`), less the notes said elsewhere (:func:`_said_elsewhere`). Split from
:mod:`protv2g.cli`, which re-exports the names the tests import.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - annotations only (the CLI starts without pandas)
    import pandas as pd

#: A figure of a note (and of a TODO, :func:`protv2g.cli_validate.todo_lines`).
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]\d+)?(?![\w.])")


def _span(tokens: list[str]) -> str:
    """One figure of a group of notes: itself when all agree, else ``lowest–highest``."""
    if len(set(tokens)) == 1:
        return tokens[0]
    values = [float(t) for t in tokens]
    lo, hi = min(values), max(values)
    fmt = "{:.2e}" if any("e" in t for t in tokens) else "{:g}"
    return f"{fmt.format(lo)}–{fmt.format(hi)}"


#: The words of the engine's note on converters solved with the PLL held
#: (:class:`protv2g.slice_note.PllNote`), which :func:`protv2g.slice_note.pll_lines` folds.
_PLL = "no PLL-tracking solution"


def _pll_detail(fault_currents: pd.DataFrame | None, workbook: Path,
                findings: object = None, duty: pd.DataFrame | None = None
                ) -> dict[str, object]:
    """What the run knows of the PLL-held rows that the engine's per-slice notes cannot
    say (:func:`protv2g.slice_note.pll_lines`): ``n_buses``, the fault buses with
    ``pll_frozen`` rows over every slice, and ``tail``: their names, the sheet (and the file
    beside the workbook holding every row) whose ``pll_frozen`` column marks them and, given
    the run's ``findings`` (:class:`protv2g.findings.Findings`) and Device duty table, the
    findings whose worst row is at one of them with whether that matters
    (:func:`protv2g.pll_findings.pll_findings`; review rev41c M3: the note asked the user to
    cross-check a truncated list). ``{}`` without any such row."""
    if fault_currents is None or "pll_frozen" not in fault_currents.columns:
        return {}
    hit = fault_currents[fault_currents["pll_frozen"].fillna(False).astype(bool)]
    if hit.empty:
        return {}
    names = sorted(set((hit["bus_name"] if "bus_name" in hit.columns else hit["bus"]
                        ).astype(str)))
    shown = ", ".join(names[:_PLL_NAMES]) + (f" … (+{len(names) - _PLL_NAMES})"
                                             if len(names) > _PLL_NAMES else "")
    side = sorted(workbook.parent.glob(f"{workbook.stem}.Fault_currents.*"))
    tail = (f"they are {shown}; that column is on the Fault currents sheet of "
            f"{workbook.name}" + (f" (every row in {side[0].name})" if side else ""))
    if findings is not None:
        from protv2g.pll_findings import pll_findings, pll_findings_text

        tail += "; " + pll_findings_text(pll_findings(
            findings.findings, findings.evidence, fault_currents, duty))  # type: ignore[attr-defined]
    return {"n_buses": len(names), "tail": tail}


#: At most this many PLL-held fault buses are named in the note.
_PLL_NAMES = 20


def _print_notes(caught: list[warnings.WarningMessage],
                 pll: dict[str, object] | None = None) -> None:
    """Engine notes (warnings raised in protv2g) as :func:`note_lines` gives them, on
    stderr."""
    for line in note_lines(caught, pll):
        print(line, file=sys.stderr)


def note_lines(caught: list[warnings.WarningMessage],
               pll: dict[str, object] | None = None) -> list[str]:
    """Engine notes (warnings raised in protv2g) as one ``note:`` line per kind, with a
    count; third-party deprecation noise is dropped. Notes that differ only in their figures
    and in the slice they name are one line giving each figure's range; the PLL notes of
    every slice one line (:func:`protv2g.slice_note.pll_lines`; ``pll``: what the run adds,
    :func:`_pll_detail`). ``run`` prints them; ``batch`` keeps them in the study's row
    (review rev48b P3: the PLL note once per scenario, 16 lines of ~700 characters)."""
    from protv2g.slice_note import PllNote, SliceNote, pll_lines  # light: no engine

    groups: dict[str, list[list[str]]] = {}
    sliced: set[str] = set()  # groups of slice notes (the count is of slices)
    where: dict[str, str] = {}  # a floating-point warning's place in protv2g's code
    plls = []
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, FutureWarning, PendingDeprecationWarning)):
            continue
        if "protv2g" not in str(w.filename):
            continue
        if isinstance(w.message, PllNote):
            plls.append(w.message)
            continue
        # a slice's note folds on its text without the slice (data, not the message cut)
        text = (w.message.text if isinstance(w.message, SliceNote)
                else str(w.message)).splitlines()[0]
        key = _NUMBER.sub("\x00", text)
        groups.setdefault(key, []).append(_NUMBER.findall(text))
        if isinstance(w.message, SliceNote):
            sliced.add(key)
        elif text.startswith(_FLOATING_POINT):
            where.setdefault(key, _code_place(str(w.filename), w.lineno))
    out = list(pll_lines(plls, pll))
    for key, figures in groups.items():
        spans = [_span([f[k] for f in figures]) for k in range(key.count("\x00"))]
        text = key
        for span in spans:
            text = text.replace("\x00", span, 1)
        n = len(figures)
        if key in where:  # numpy's floating-point warning: say where, not a slice count
            # (review rev50a #7a: "invalid value encountered in subtract [in 2 scenario/case/
            # fault-type slices]" named no slice, quantity or place)
            out.append(f"note: numpy: {text} ({n}× at {where[key]}; a NaN or infinite "
                       "intermediate figure — the results are as written, but please report "
                       "it with the study)")
            continue
        count = ((f" [in {n} scenario/case/fault-type slices]" if key in sliced else f" ({n}×)")
                 if n > 1 else "")
        out.append(f"note: {text}{count}")
    return out


#: numpy's floating-point warnings (``numpy.errstate``'s invalid, divide, overflow, under).
_FLOATING_POINT = ("invalid value encountered", "divide by zero encountered",
                   "overflow encountered", "underflow encountered")


def _code_place(filename: str, lineno: int) -> str:
    """``protv2g/checks/directional.py:155`` from a warning's file and line."""
    path = filename.replace("\\", "/")
    at = path.rfind("/protv2g/")
    return f"{path[at + 1:] if at >= 0 else path}:{lineno}"


def _said_elsewhere(caught: list[warnings.WarningMessage], command: str | None
                    ) -> list[warnings.WarningMessage]:
    """``caught`` less the notes said once elsewhere: a recloser curve clearing under one cycle
    is ``init``'s note (it drafts the device), ``validate``'s warning and a row of ``run``'s
    Feeder warnings sheet (:mod:`protv2g.study.sub_cycle`), not a console line of every
    command that builds the device (review rev39a F5: validate, run, hosting and recommend
    each printed it). The warning's class is looked up where it was raised from: a command
    that built no recloser has none (``validate`` imports no device model)."""
    rec = sys.modules.get("protv2g.devices.recloser")
    if rec is None or command == "init":
        return caught
    return [w for w in caught if not issubclass(w.category, rec.SubCycleClearingWarning)]
