"""The hosting search's distinct warnings, one line per kind (review rev38a X1).

The search gathers every warning of its engine, flow and check calls, scenario names blanked,
with how many times each came (:func:`protv2g.hosting.search.hosting_analysis`). A note that
opens with a count — ``SliceNote: 27 fault bus(es) where the chargers' control cannot lock
on …`` — came once per count: IEEE 8500's campus search printed "6 distinct warning(s)" that
were one note with N = 27, 48, 65, 10, 20 and 6, each ~600 characters. Warnings that differ
only in that leading count are one line here, with the counts.
"""

from __future__ import annotations

import re

from protv2g.slice_note import SliceNote

__all__ = ["grouped_warnings", "warning_key"]

#: ``<Category>: <count> <rest>``: a warning text that opens with a count.
_LEADING_COUNT = re.compile(r"^(?P<cat>\w+): (?P<n>\d[\d,]*) (?P<rest>.*)$", re.DOTALL)


def warning_key(category: str, message: object) -> str:
    """The text a warning of the search is counted under: ``"<category>: <text>"``, an engine
    note of one fault-study slice (:class:`~protv2g.slice_note.SliceNote`) by its text alone,
    its slice (scenario, case, fault type) left out, any other with its scenario names
    blanked. Review rev39a F1: the PLL note was printed 3× on EPRI ckt24 and 5× on the DG
    feeder, the copies differing only by max/min and 3ph/SLG/LLG; each slice is now one of
    the note's count of cases.

    >>> warning_key("SliceNote", SliceNote("4 fault bus(es) …", "scenario x, max, 3ph"))
    'SliceNote: 4 fault bus(es) …'
    >>> warning_key("RuntimeWarning", "odd (scenario firm/light/100%)")
    'RuntimeWarning: odd (scenario …)'
    """
    text = (message.text if isinstance(message, SliceNote)
            else re.sub(r"scenario [^,)]*", "scenario …", str(message)))
    return f"{category}: {text}"


def grouped_warnings(counts: dict[str, int]) -> list[str]:
    """``"<warning> (<n>×)"`` for each distinct warning of ``counts`` (text → times), in
    first-seen order; warnings that differ only in their leading count are one line, ``N``
    in the count's place, followed by each count with its times.

    >>> grouped_warnings({"SliceNote: 27 buses (scenario …)": 4,
    ...                   "SliceNote: 48 buses (scenario …)": 3, "UserWarning: x": 1})
    ['SliceNote: N buses (scenario …) (7× in all: N = 27 (4×), 48 (3×))', 'UserWarning: x (1×)']
    """
    groups: dict[str, list[tuple[str, str, int]]] = {}
    for text, n in counts.items():
        m = _LEADING_COUNT.match(text)
        key = f"{m['cat']}: N {m['rest']}" if m else text
        groups.setdefault(key, []).append((text, m["n"] if m else "", n))
    out = []
    for key, members in groups.items():
        if len(members) == 1:
            text, _, n = members[0]
            out.append(f"{text} ({n}×)")
            continue
        each = ", ".join(f"{c} ({n}×)" for _, c, n in members)
        out.append(f"{key} ({sum(n for *_, n in members)}× in all: N = {each})")
    return out
