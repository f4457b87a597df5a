"""The status of each fault a per-pair row shows, and why where it is neither ok nor a fail.

The per-pair table (:func:`protv2g.report.derived.pair_table`) gives each pair's intervals at
three faults (max, min, worst) and one status for the row (its worst fault's). A TCC's
interval sits at one of those faults (:mod:`protv2g.report.tcc_intervals`), whose own status
may differ: a C2 (fuse saving) interval of −0.06 s above the recloser–fuse crossover is
``info`` — saving is impossible there by design, with or without V2G
(:class:`protv2g.checks.fuse_saving_range.SavingMechanism`) — and read as an undrawn failure
in the TCC listing without it (tcc35 / wbtree35 review). ``status_<tag>`` is the coordination
row's own status at that fault; ``reason_<tag>`` the ``mechanism`` of the violation row of the
same pair, fault and scenario where the status is ``info`` or ``warn`` (empty otherwise, and
where the checks name none).

Examples
--------
>>> status_text("info", "above crossover: saving impossible by design")
'info (above crossover: saving impossible by design)'
>>> status_text("ok", "")
'ok'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.findings import PAIR_CRITERIA

__all__ = ["REASONED", "point_reasons", "point_status", "status_text"]

#: Statuses whose reason is looked up (a fail's is its interval against the required one).
REASONED = frozenset({"info", "warn"})

_KEY = ("criterion", "scenario", "fault_bus", "fault_type", "case")


def point_reasons(violations: pd.DataFrame | None) -> dict[tuple, str]:
    """(criterion, scenario, fault bus, fault type, case, the pair's two devices as a
    frozenset, status) → the violation row's ``mechanism``, for the pair criteria's
    ``info``/``warn`` rows that name one (the first such row of a key)."""
    if violations is None or violations.empty or "mechanism" not in violations:
        return {}
    v = violations
    keep = (v["criterion"].astype(str).isin(PAIR_CRITERIA).to_numpy()
            & v["status"].astype(str).isin(REASONED).to_numpy()
            & (v["mechanism"].astype(str).str.len() > 0).to_numpy())
    if not keep.any():
        return {}
    v = v[keep]
    cols = [v[c].astype(str).tolist() for c in (*_KEY, "device", "other_device", "status",
                                                   "mechanism")]
    out: dict[tuple, str] = {}
    for crit, scen, bus, ftype, case, dev, other, status, mech in zip(*cols, strict=True):
        out.setdefault((crit, scen, bus, ftype, case, frozenset((dev, other)), status), mech)
    return out


def point_status(row: pd.Series | None, reasons: dict[tuple, str]) -> tuple[str, str]:
    """(status, reason) of a coordination row (``row``: one fault of a pair): its own status
    and, where ``info``/``warn``, the reason :func:`point_reasons` has for it; ``("", "")``
    for no row."""
    if row is None:
        return "", ""
    status = str(row.get("status", "") or "")
    if status not in REASONED:
        return status, ""
    key = (*(str(row.get(c, "")) for c in _KEY),
           frozenset((str(row.get("primary", "")), str(row.get("backup", "")))), status)
    return status, reasons.get(key, "")


def status_text(status: Any, reason: Any) -> str:
    """``"info (above crossover: …)"``, ``"fail"``; empty without a status."""
    s = "" if status is None or (isinstance(status, float) and status != status) else str(
        status)
    r = "" if reason is None or (isinstance(reason, float) and reason != reason) else str(
        reason)
    if not s:
        return ""
    return f"{s} ({r})" if r else s
