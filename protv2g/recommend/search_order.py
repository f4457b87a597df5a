"""The order of the recommendation search (:func:`protv2g.recommend.search.recommend`):
which findings first (:func:`finding_order`: what the project brings before what was there,
failures before warnings, the fewest kinds of candidate first), which findings at all
(:func:`only_findings`, ``recommend --finding``), and within a finding which moves first
(:func:`worst_element_rank`: the settings of the element timing its worst row,
:mod:`.element_first`). Split from :mod:`.search`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from protv2g.checks._common import build_devices
from protv2g.checks.operating_element import OperatingElement
from protv2g.devices.kinds import kind_of
from protv2g.findings import Attribution
from protv2g.recommend.apply import apply_to_study
from protv2g.recommend.candidates import Change
from protv2g.recommend.element_first import element_rank, finding_element
from protv2g.recommend.evaluator import _identity
from protv2g.recommend.zone_clearing import ZoneClearing
from protv2g.study.loader import Study

__all__ = ["finding_order", "only_findings", "worst_element_rank"]


def only_findings(order: list[str], findings: pd.DataFrame, only: Sequence[str]) -> list[str]:
    """The keys of ``order`` whose finding id is in ``only``
    (:func:`protv2g.recommend.search.recommend`'s ``only``)."""
    from protv2g.errors import InputError, Issue

    ids = dict(zip(_identity(findings), findings["finding"].astype(str), strict=True))
    want = {str(x).strip().upper() for x in only}
    unknown = sorted(want - set(ids.values()))
    if unknown:
        have = sorted(set(ids.values()))
        raise InputError(Issue("command line", "--finding", f"no finding {', '.join(unknown)} "
                               "in the study", f"give one of {', '.join(have) or '(none)'} "
                               "(the Findings sheet's ids), or leave --finding out"))
    return [k for k in order if ids.get(k) in want]


def finding_order(active: pd.DataFrame, n_families: dict[str, int]) -> list[str]:
    """The keys of the ``active`` findings in the order they are searched: failures before
    warnings; what the project brings (its export or its charging) before what was there
    before; the fewest kinds of candidate (``n_families``) first; then by finding id."""
    rank = {Attribution.CAUSED: 0, Attribution.WORSE: 0, Attribution.CAUSED_CHARGING: 0,
            Attribution.WORSE_CHARGING: 0, Attribution.EQUIPMENT: 0, Attribution.PROJECT: 0,
            Attribution.EQUIPMENT_WORSE: 0, Attribution.PRE_EXISTING: 1}
    keys = sorted(active.index, key=lambda k: (
        active.at[k, "status"] != "fail", rank.get(active.at[k, "attribution"], 2),
        n_families.get(k, 99) or 99, str(active.at[k, "finding"])))
    return keys


def worst_element_rank(row: pd.Series, evidence: pd.DataFrame, zone_end: ZoneClearing,
                       study: Study, accepted: Sequence[Change]) -> Callable[[Change], int] | None:
    """:func:`.element_first.element_rank` for the finding ``row``: the element of its device
    that times its worst evidence row (the first of its evidence), on the study with the
    ``accepted`` changes; None when it cannot be told."""
    ev_rows = evidence[evidence["finding"] == row["finding"]]
    ctx = zone_end.context() if len(ev_rows) else None
    if ctx is None or ctx.faults is None:
        return None
    worst = ev_rows.iloc[0]
    devices = build_devices(apply_to_study(study, accepted))[0] if accepted else ctx.devices
    element = finding_element(worst, devices, ctx.faults)
    if element is OperatingElement.UNKNOWN:
        return None
    name = str(worst["device"])
    other = devices.get(str(worst.get("other_device", "")))
    primary = (str(worst["other_device"]) if str(worst.get("criterion")) == "C1"
               and other is not None and kind_of(other).role == "fuse" else "")
    return lambda c: element_rank(c, name, element, primary)
