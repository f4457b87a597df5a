"""C5's (reach, :mod:`.sensitivity`) row messages: the failing zone rows' text, formatted once
per distinct row and the scenario's export text put between (#21), with the stage the row was
judged on (:mod:`.reach_stage`, review s23)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._rows import distinct_rows, factorize_all
from protv2g.checks.reach_stage import FIRST_CYCLE

__all__ = ["BAD_COLUMNS", "reach_messages", "stage_note", "stage_notes"]

#: Columns of C5's message other than the scenario (texts, then numbers).
_TEXT_COLUMNS = ("device", "element", "fault_bus_name", "fault_type", "case", "zone", "stage",
                 "bracket")
_NUMBER_COLUMNS = ("i_op_a", "ratio", "pickup_a", "factor", "i_first_a")
#: C5's message around the export text: device, current, element and stage, fault type, case,
#: bus, zone; then ratio, pickup, factor.
_HEAD = "%s sees %.0f A (%s%s) for a %s fault (%s case) at %s in its %s zone "
_TAIL = ": %.2f × pickup %.0f A < %g × pickup"
#: Zone-row columns C5's rows and messages read.
BAD_COLUMNS = ["scenario", *_TEXT_COLUMNS, *_NUMBER_COLUMNS, "t_op_s", "tolerance"]


#: :func:`stage_note`'s texts: the first cycle's, the bracket names, the two verdicts.
_FIRST_NOTE = ", first cycle: an instantaneous element acts in it"
_ENDS = {"both": "both brackets", "low": "low bracket", "high": "high bracket"}
_FAILS_TOO = "fails in the first cycle too (%.0f A, %.2f × pickup)"
_WOULD_PASS = ("the first cycle's %.0f A (%.2f × pickup) would pass: the sustained stage "
               "decides")
_SUSTAINED = ", sustained stage: the chargers at their sustained limit while its " \
    "time-delayed element operates, %s; %s"


def stage_note(stage: str, bracket: str, i_op_a: float, i_first_a: float, pickup_a: float,
                factor: float) -> str:
    """The stage a C5 row was judged on (:mod:`protv2g.checks.reach_stage`), after the element
    in its message: ``""`` where every stage gives the same current (no charger between) or
    the fault result has one stage;
    otherwise the stage, why, and the first cycle's current with which stage decided the
    verdict when the two disagree."""
    if stage == FIRST_CYCLE:
        return _FIRST_NOTE
    if stage == "" or i_op_a == i_first_a:  # one stage, or no charger between
        return ""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as the ratio
        q = float(np.float64(i_first_a) / pickup_a)
    verdict = (_FAILS_TOO if q < factor - 1e-12 else _WOULD_PASS) % (i_first_a, q)
    return _SUSTAINED % (_ENDS.get(bracket, bracket), verdict)


def stage_notes(stage: list, bracket: list, i_op_a: list, i_first_a: list, pickup_a: list,
                factor: list) -> list[str]:
    """:func:`stage_note` of every row of the ``(n,)`` lists (Python ``str`` and ``float``),
    the same texts: the ratio and the verdict computed for all rows at once and a row
    formatted only where it has a sustained-stage note (#21: one ``np.errstate`` and one
    NumPy division per row, 1.0 s of C5's 204,554 distinct rows at 10,000 buses)."""
    n = len(stage)
    if n == 0:
        return []
    i1 = np.asarray(i_first_a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as the ratio
        q = i1 / np.asarray(pickup_a, dtype=float)
        fails = q < np.asarray(factor, dtype=float) - 1e-12
    st = np.asarray(stage, dtype=object)
    first = st == FIRST_CYCLE
    # "" where one stage or no charger between (NaN ≠ NaN: such a row is written, as there)
    same = (st == "") | (np.asarray(i_op_a, dtype=float) == i1)
    notes: list[str] = [""] * n
    for k in np.flatnonzero(first).tolist():
        notes[k] = _FIRST_NOTE
    write = np.flatnonzero(~first & ~same).tolist()
    if write:
        fl, ql, fa = i1[write].tolist(), q[write].tolist(), fails[write].tolist()
        for j, k in enumerate(write):
            b = bracket[k]
            verdict = (_FAILS_TOO if fa[j] else _WOULD_PASS) % (fl[j], ql[j])
            notes[k] = _SUSTAINED % (_ENDS.get(b, b), verdict)
    return notes


def reach_messages(ctx: CheckContext, bad: dict[str, np.ndarray]) -> list[str]:
    """C5's message of every row of ``bad`` (the failing zone rows' columns by name).

    Where rows repeat (more than :data:`_DISTINCT_SHARE` of them equal to another in every
    column but the scenario: scenarios sharing a charger set, evaluated without
    :mod:`~protv2g.checks.distinct_blocks`) the text around the scenario is formatted once
    per distinct row (:func:`~protv2g.checks._rows.distinct_rows` on the numbers' bits and
    the texts' codes) and the scenario's text put between; otherwise each message is
    written whole, :data:`_CHUNK` rows at a time (#21: at 10,000 buses the distinct blocks'
    204,555 rows are all distinct; the per-distinct heads, ≈ 55 MiB, were held beside the
    messages at C5's peak, 0.8 s of which 0.5 s joining). The same text either way."""
    scenario = bad["scenario"]
    texts = [bad[k] for k in _TEXT_COLUMNS]
    numbers = [np.asarray(bad[k], dtype=float) for k in _NUMBER_COLUMNS]
    first, inverse = distinct_rows(
        *numbers, *(factorize_all(t)[0] for t in texts))
    sc_codes, sc_names = pd.factorize(scenario, use_na_sentinel=False)
    exports = _objects([ctx.export_text(n) for n in sc_names.tolist()])
    if len(first) > _DISTINCT_SHARE * len(inverse):
        return _whole_messages([np.asarray(t, dtype=object) for t in texts], numbers,
                               exports[sc_codes])
    d, el, b, ft, c, z, st, br = (t[first].tolist() for t in texts)
    # Python floats: formatting NumPy scalars costs twice as much, same text
    i, q, p, fac, i1 = (x[first].tolist() for x in numbers)
    notes = stage_notes(st, br, i, i1, p, fac)
    # :meth:`CheckContext.fault_text` written out, by ``%`` on the tuples zip makes (#21:
    # 137,000 distinct rows at 10,000 buses; the f-strings' loop cost half as much again):
    # ``%s``/``%.0f``/``%.2f``/``%g`` write what ``{x}``/``{x:.0f}``/``{x:.2f}``/``{x:g}``
    # write (the same conversion of the float)
    heads = _objects(list(map(_HEAD.__mod__, zip(d, i, el, notes, ft, c, b, z, strict=True))))
    tails = _objects(list(map(_TAIL.__mod__, zip(q, p, fac, strict=True))))
    # each row's three parts gathered by position and joined in one pass (#21: the
    # comprehension's per-row look-ups cost half as much again)
    return list(map("".join, zip(heads[inverse].tolist(), exports[sc_codes].tolist(),
                                 tails[inverse].tolist(), strict=True)))


#: Share of distinct rows above which :func:`reach_messages` writes every message whole.
_DISTINCT_SHARE = 0.9
#: Rows whose values are made Python objects at a time by :func:`_whole_messages`.
_CHUNK = 2**14
#: C5's whole message: :data:`_HEAD`, the export text, :data:`_TAIL` (``%`` on the
#: concatenation writes the three parts' concatenation).
_MESSAGE = _HEAD + "%s" + _TAIL


def _whole_messages(texts: list[np.ndarray], numbers: list[np.ndarray], exports: np.ndarray
                    ) -> list[str]:
    """:func:`reach_messages` of rows that do not repeat: each row's message by one ``%``
    (:data:`_MESSAGE`), the columns made Python objects :data:`_CHUNK` rows at a time."""
    out: list[str] = []
    for a in range(0, len(exports), _CHUNK):
        at = slice(a, a + _CHUNK)
        d, el, b, ft, c, z, st, br = (t[at].tolist() for t in texts)
        i, q, p, fac, i1 = (x[at].tolist() for x in numbers)
        notes = stage_notes(st, br, i, i1, p, fac)
        out += map(_MESSAGE.__mod__, zip(d, i, el, notes, ft, c, b, z, exports[at].tolist(),
                                         q, p, fac, strict=True))
    return out


def _objects(values: list[str]) -> np.ndarray:
    """``(n,)`` object array of ``values`` (the same ``str`` objects)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
