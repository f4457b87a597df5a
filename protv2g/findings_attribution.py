"""A finding's one attribution: caused by V2G, made worse by V2G, pre-existing (or by charging
for a C8 charging peak), from its rows' ``attribution`` (:mod:`protv2g.checks.attribution`).
Every place that names a finding's attribution says this text (:func:`finding_attribution`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protv2g.checks.load import CHARGING_PEAKS

__all__ = ["Attribution", "finding_attribution", "is_charging_peak"]


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


def is_charging_peak(criterion: Any, mechanism: Any) -> bool:
    """Whether a finding (or a violation row) is a C8 charging peak, said in words of
    charging by :func:`finding_attribution`: C8 stores what its peak is in ``mechanism``
    (:class:`protv2g.checks.load.LoadPeak`), not in ``rule``. The Findings and the gate's
    reason lines both ask this (review s21, EPRI J1: the gate read ``rule`` and said "caused
    by V2G" where the Findings said "caused by charging").

    >>> is_charging_peak("C8", "charging peak: vehicle charging behind the device")
    True
    """
    return str(criterion) == "C8" and str(mechanism) in CHARGING_PEAKS


def finding_attribution(values: Iterable[str], charging: bool = False) -> str:
    """A finding's one attribution (:class:`Attribution`) from the distinct texts of its rows'
    ``attribution`` (``new``/``worse``/``pre-existing``, :mod:`protv2g.checks.attribution`):
    every row new → caused by V2G; every row pre-existing → pre-existing; any other mix →
    made worse by V2G; none given → not attributed. ``charging``: a C8 charging peak's
    rows (:func:`is_charging_peak`), said in words of charging.

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
