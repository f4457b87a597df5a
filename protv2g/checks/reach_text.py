"""C5's (reach, :mod:`.sensitivity`) row messages: the failing zone rows' text, formatted once
per distinct row and the scenario's export text put between (#21), with the stage the row was
judged on (:mod:`.reach_stage`, review s23)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._rows import distinct_rows, factorize_all
from protv2g.checks.reach_stage import FIRST_CYCLE

__all__ = ["BAD_COLUMNS", "reach_messages", "stage_note"]

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


def stage_note(stage: str, bracket: str, i_op_a: float, i_first_a: float, pickup_a: float,
                factor: float) -> str:
    """The stage a C5 row was judged on (:mod:`protv2g.checks.reach_stage`), after the element
    in its message: ``""`` where every stage gives the same current (no charger between) or
    the fault result has one stage;
    otherwise the stage, why, and the first cycle's current with which stage decided the
    verdict when the two disagree."""
    if stage == FIRST_CYCLE:
        return ", first cycle: an instantaneous element acts in it"
    if stage == "" or i_op_a == i_first_a:  # one stage, or no charger between
        return ""
    end = {"both": "both brackets", "low": "low bracket", "high": "high bracket"}.get(bracket,
                                                                                   bracket)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as the ratio
        q = float(np.float64(i_first_a) / pickup_a)
    verdict = (f"fails in the first cycle too ({i_first_a:.0f} A, {q:.2f} × pickup)"
               if q < factor - 1e-12 else
               f"the first cycle's {i_first_a:.0f} A ({q:.2f} × pickup) would pass: the "
               "sustained stage decides")
    return (f", sustained stage: the chargers at their sustained limit while its "
            f"time-delayed element operates, {end}; {verdict}")


def reach_messages(ctx: CheckContext, bad: dict[str, np.ndarray]) -> list[str]:
    """C5's message of every row of ``bad`` (the failing zone rows' columns by name): the
    text around the scenario formatted once per distinct row of the other columns
    (:func:`~protv2g.checks._rows.distinct_rows` on the numbers' bits and the texts'
    codes), the scenario's text put between (#21: 409,046 messages at 10,000 buses, 1.9 s,
    most of them repeated by the scenarios that share a charger set; the same text)."""
    scenario = bad["scenario"]
    texts = [bad[k] for k in _TEXT_COLUMNS]
    numbers = [np.asarray(bad[k], dtype=float) for k in _NUMBER_COLUMNS]
    first, inverse = distinct_rows(
        *numbers, *(factorize_all(t)[0] for t in texts))
    d, el, b, ft, c, z, st, br = (t[first].tolist() for t in texts)
    # Python floats: formatting NumPy scalars costs twice as much, same text
    i, q, p, fac, i1 = (x[first].tolist() for x in numbers)
    notes = list(map(stage_note, st, br, i, i1, p, fac))
    # :meth:`CheckContext.fault_text` written out, by ``%`` on the tuples zip makes (#21:
    # 137,000 distinct rows at 10,000 buses; the f-strings' loop cost half as much again):
    # ``%s``/``%.0f``/``%.2f``/``%g`` write what ``{x}``/``{x:.0f}``/``{x:.2f}``/``{x:g}``
    # write (the same conversion of the float)
    heads = _objects(list(map(_HEAD.__mod__, zip(d, i, el, notes, ft, c, b, z, strict=True))))
    tails = _objects(list(map(_TAIL.__mod__, zip(q, p, fac, strict=True))))
    # each row's three parts gathered by position and joined in one pass (#21: the
    # comprehension's per-row look-ups cost half as much again)
    sc_codes, sc_names = pd.factorize(scenario, use_na_sentinel=False)
    exports = _objects([ctx.export_text(n) for n in sc_names.tolist()])
    return list(map("".join, zip(heads[inverse].tolist(), exports[sc_codes].tolist(),
                                 tails[inverse].tolist(), strict=True)))


def _objects(values: list[str]) -> np.ndarray:
    """``(n,)`` object array of ``values`` (the same ``str`` objects)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
