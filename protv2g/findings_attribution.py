"""A finding's one attribution: caused by V2G, made worse by V2G, pre-existing (or by charging
for a C8 charging peak), from its rows' ``attribution`` (:mod:`protv2g.checks.attribution`).
Every place that names a finding's attribution says this text (:func:`finding_attribution`).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Attribution", "finding_attribution"]


class Attribution:
    """Attribution of a finding (from its rows' ``attribution``)."""

    CAUSED = "caused by V2G"
    WORSE = "made worse by V2G"
    PRE_EXISTING = "pre-existing"
    UNKNOWN = "not attributed"
    #: A C8 charging peak (:data:`protv2g.checks.load.CHARGING_PEAK`): vehicle load, there
    #: with or without V2G export — new or worse against the base case because of charging.
    CAUSED_CHARGING = "caused by charging"
    WORSE_CHARGING = "made worse by charging"


#: A charging peak's attribution in words of charging, not of V2G.
_BY_CHARGING = {Attribution.CAUSED: Attribution.CAUSED_CHARGING,
                Attribution.WORSE: Attribution.WORSE_CHARGING}


def finding_attribution(values: Iterable[str], charging: bool = False) -> str:
    """A finding's one attribution (:class:`Attribution`) from the distinct texts of its rows'
    ``attribution`` (``new``/``worse``/``pre-existing``, :mod:`protv2g.checks.attribution`):
    every row new → caused by V2G; every row pre-existing → pre-existing; any other mix →
    made worse by V2G; none given → not attributed. ``charging``: a C8 charging peak's
    rows (:data:`protv2g.checks.load.CHARGING_PEAKS`), said in words of charging.

    The Findings, the gate's reason lines (:mod:`protv2g.gate_reasons`), the Summary and
    ``protv2g recommend`` all say this text for a finding (review s20: the gate printed its
    worst row's ``new`` while the Findings said "made worse by V2G").

    >>> finding_attribution(["new", "pre-existing"]), finding_attribution(["new"])
    ('made worse by V2G', 'caused by V2G')
    """
    given = {str(v) for v in values if v and str(v) != "nan"}
    if not given:  # rows without a base-case comparison: V2G's share is not known
        out = Attribution.UNKNOWN
    elif given <= {"pre-existing"}:
        out = Attribution.PRE_EXISTING
    elif given <= {"new"}:
        out = Attribution.CAUSED
    else:
        out = Attribution.WORSE
    return _BY_CHARGING.get(out, out) if charging else out
