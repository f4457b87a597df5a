"""C5's base twin of a ground-fault row at a bus the base case leaves with no path to ground.

A feeder with no ground source of its own (IEEE 37: a Δ–Δ substation) is grounded by a
project's grounded-wye / delta site transformer (``YNd``) in the V2G scenarios only. In the
base case C5 does not judge a ground fault there — it draws the lines' charging current
only, one ``info`` row per device says so (:mod:`protv2g.checks.reach_ungrounded`) — so the
V2G rows of the same fault have no base twin in C5's base margins
(:func:`protv2g.checks.sensitivity.reach_margins`): the attribution called them new, and the
chargers-idle judgement (:func:`protv2g.checks.equipment_rows.reach_idle`) "caused by the
project's equipment" — review rev42b M1: head-l35 behind the Δ–Δ substation sees 0 A of 3I0
for every ground fault with or without the project (OpenDSS: 3I0 0.0 A at the head for an SLG
at 741 with ``xgd`` in, 1,431 A bolted through ``xgd``'s neutral; ≈ 6e-4 A without it),
margins −1.499979 × pickup without the project and −1.499999 with it, filed as the
equipment's.

:func:`ungrounded_twin_margins` gives those rows their twin: the same device, fault type,
case and bus in the row's base case, its margin ``I / pickup − factor`` with the row's own
element (3I0 for a ground element, else the largest phase current), pickup and factor, the
current as the base case's device table gives it — 0 A where the table has no row (it keeps
rows from :data:`~protv2g.engine.device_rows.DEVICE_ROW_MIN_A`, 1 A; C5 takes an absent row
as 0 A the same way). That is what the device sees of the fault without the project; the
attribution's rule then weighs the project's change against it
(:func:`~protv2g.checks.attribution_materiality.failing_row_codes`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_gg_limits import reach_pickup_a
from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.checks.reach_ungrounded import no_ground_path
from protv2g.devices.kinds import ground_pickup_a

__all__ = ["twin_element", "ungrounded_twin_margins"]

#: The elements C5 judges a row on (:mod:`protv2g.checks.sensitivity`).
_ELEMENTS = ("phase", "ground")

_KEY = ("scenario", "device", "fault_bus", "fault_type", "case")


def _keys(columns: list[np.ndarray]) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([np.asarray(c).astype(str) for c in columns])


def ungrounded_twin_margins(ctx: Any, bad: pd.DataFrame, m_base: np.ndarray) -> np.ndarray:
    """``(n,)`` float: the base twin's margin (multiples of pickup) of each of C5's shortfall
    rows ``bad`` (``scenario``, ``device``, ``fault_bus`` model bus position, ``fault_type``,
    ``case``, ``element``, ``pickup_a``, ``factor``) that has none in C5's base margins
    (``m_base`` NaN) because its fault is a ground fault at a bus with no path to ground in
    its base case (module docstring); NaN on every other row, and where the base case did not
    fault that bus (a bus only the project energises).

    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace(base_of={"b": "b", "v": "b"}, faults=None, bus_faults=None)
    >>> bad = pd.DataFrame({"scenario": ["v"], "device": "R", "fault_bus": 3,
    ...                     "fault_type": "SLG-a", "case": "min", "element": "ground",
    ...                     "pickup_a": 30.0, "factor": 1.5})
    >>> ungrounded_twin_margins(ctx, bad, np.array([np.nan])).tolist()  # no fault tables
    [nan]
    """
    n = len(bad)
    out = np.full(n, np.nan)
    f, b = getattr(ctx, "faults", None), getattr(ctx, "bus_faults", None)
    if not n or f is None or b is None or "fault_type" not in bad:
        return out
    base_of = getattr(ctx, "base_of", {}) or {}
    scen = bad["scenario"].astype(str).to_numpy()
    base = np.array([str(base_of.get(s, "") or "") for s in scen], dtype=object)
    at = np.flatnonzero(np.isnan(np.asarray(m_base, dtype=float)) & (base != "")
                        & (base != scen) & is_ground_fault(bad["fault_type"].to_numpy()))
    if len(at):  # … at a bus with no ground path in the base case
        at = at[no_ground_path(ctx, bad["fault_bus"].to_numpy()[at], base[at])]
    if not len(at):
        return out
    cols = [base[at], *(bad[c].to_numpy()[at] for c in _KEY[2:])]
    # the base case faulted the bus (energised there)
    live = b[b["energized"].astype(bool)] if "energized" in b else b
    faulted = _keys([live[c].to_numpy() for c in ("scenario", "bus", "fault_type", "case")]
                    ).get_indexer(_keys(cols)) >= 0
    at = at[faulted]
    if not len(at):
        return out
    # the device's row of that fault in the base case; none: below the table's 1 A, 0 A
    devices = bad["device"].to_numpy()[at]
    pick = np.flatnonzero(f["scenario"].astype(str).isin(set(base[at].tolist())).to_numpy()
                          & f["device"].astype(str).isin({str(d) for d in devices}).to_numpy())
    index = _keys([f[c].to_numpy()[pick] for c in _KEY])
    first = ~index.duplicated()
    pos = index[first].get_indexer(_keys([base[at], devices,
                                          *(bad[c].to_numpy()[at] for c in _KEY[2:])]))
    rows = pick[first][np.maximum(pos, 0)]
    ground = bad["element"].to_numpy(dtype=object)[at] == "ground"
    i_a = np.where(ground, f["i_ground_a"].to_numpy(float)[rows],
                   f["i_phase_a"].to_numpy(float)[rows])
    i_a = np.where(pos >= 0, np.nan_to_num(i_a), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[at] = (i_a / bad["pickup_a"].to_numpy(float)[at]
                   - bad["factor"].to_numpy(float)[at])
    return out


def twin_rows(rows: pd.DataFrame, at: np.ndarray, m_base: np.ndarray, labels: list[str]
              ) -> None:
    """C5's violation ``rows`` (``device``, ``margin``, ``limit``, ``tolerance``,
    ``i_device_a``, ``i_other_a`` the pickup) at ``at`` (``(n,)`` bool: a twin of
    :func:`ungrounded_twin_margins`, not the equipment's) attributed against that twin
    ``m_base`` as the attribution would, which has none of its own: ``pre-existing`` within
    the tolerance (:func:`~protv2g.checks.attribution_materiality.failing_row_codes`), the
    message saying what the device sees without the project; ``worse`` beyond it; a twin
    passing clear of it left to the attribution (new). In place; the rows keep the twin as
    their ``base_margin`` (the export trend's point without the project)."""
    from protv2g.checks.attribution_materiality import (
        PRE_EXISTING,
        WORSE,
        failing_row_codes,
        twin_tolerance,
    )
    from protv2g.checks.reach_project_ground import ungrounded_remedy_text
    from protv2g.engine.device_rows import DEVICE_ROW_MIN_A

    k = np.flatnonzero(at)
    if not len(k):
        return
    margin = rows["margin"].to_numpy(float)[k]
    factor = rows["limit"].to_numpy(float)[k]
    tol = rows["tolerance"].to_numpy(float)[k]
    twin = np.asarray(m_base, dtype=float)[k]
    code = failing_row_codes(margin, twin, tol, factor)
    tol = twin_tolerance(tol, factor, twin)
    att = rows["attribution"].to_numpy(object).copy()
    msg = rows["message"].astype(str).to_numpy(object).copy()
    pickup = rows["i_other_a"].to_numpy(float)[k]
    i_row = rows["i_device_a"].to_numpy(float)[k]
    for j, r in enumerate(k.tolist()):
        if code[j] == WORSE:
            att[r] = "worse"
        elif code[j] == PRE_EXISTING:
            att[r] = "pre-existing"
            d = str(rows["device"].iat[r])
            i_b = (twin[j] + factor[j]) * pickup[j]
            msg[r] += (
                f"; pre-existing: without the project {d} sees {i_b:.0f} A of this fault too "
                f"({twin[j] + factor[j]:.3g} × pickup; the bus has no path to ground there, "
                "its ground faults not judged: the C5 info row), and the project changes its "
                f"margin by {abs(twin[j] - margin[j]):.2g} × pickup, within the tolerance "
                f"{tol[j]:.2g}" + (f" — {ungrounded_remedy_text(labels, d)}"
                                   if not i_row[j] >= DEVICE_ROW_MIN_A else ""))
    rows["attribution"] = att
    rows["message"] = msg


def twin_element(ctx: Any, bad: pd.DataFrame, base_element: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The element each of C5's shortfall rows ``bad`` (``device``, ``element``,
    ``pickup_a``) is judged on with every charger idle, and its pickup (A): its base twin's
    element ``base_element`` (``(n,)`` ``"phase"``/``"ground"``, anything else for none),
    the row's own where the twin has none or the device lacks that element.

    The project's equipment moves a margin only if the idle figure differs from the base
    figure **on the same element** (review rev43a W1, IEEE 34: R-816's base twin at LLG-ab
    890 binds its ground element, 14.65 A of 3I0 against 70 A, margin −0.991; the V2G row
    binds its phase element, the export's own current, 140 A; the idle figure read on the
    V2G row's element, 16.4 A of phase against 140 A, −1.083, was compared with the ground
    margin and the Δ-connected campus_xf, which changes none of R-816's currents (OpenDSS),
    was filed as making the failure worse). Behind a step transformer C5 judges each row on
    the element that sees more (:mod:`protv2g.checks.sensitivity`), so a V2G row's element
    may differ from its twin's by the chargers' current alone. The factor is the row's: a
    device with both elements (relay, recloser) has one factor for both; a gG link's own
    factor is of its one, phase, element.

    >>> from types import SimpleNamespace
    >>> bad = pd.DataFrame({"device": ["R", "R"], "element": "phase", "pickup_a": 140.0})
    >>> ctx = SimpleNamespace(devices={})  # R not modelled: its rows keep their own element
    >>> twin_element(ctx, bad, np.array(["ground", ""], dtype=object))[0].tolist()
    ['phase', 'phase']
    """
    element = bad["element"].to_numpy(dtype=object).copy()
    pickup = bad["pickup_a"].to_numpy(float).copy()
    if base_element is None or not len(bad):
        return element, pickup
    base = np.asarray(base_element, dtype=object)
    other = np.isin(base, _ELEMENTS) & (base != element)
    devices = getattr(ctx, "devices", None) or {}
    names = bad["device"].astype(str).to_numpy()
    for d in set(names[other].tolist()):  # the devices whose rows changed element: few
        dev = devices.get(d)
        if dev is None:
            continue
        for e, p in (("ground", ground_pickup_a(dev)), ("phase", reach_pickup_a(dev))):
            at = other & (names == d) & (base == e)
            if p is not None and np.isfinite(p) and p > 0 and at.any():
                element[at], pickup[at] = e, float(p)
    return element, pickup
