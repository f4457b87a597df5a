"""C5 sensitivity (reach): every device must see the minimum fault in its zones.

Reach is judged in the **minimum case** only (minimum source, conductors at end temperature,
fault resistance of ``faults.r_fault_min_ohm``): the maximum case tells nothing about whether a
device sees the smallest fault in its zone. A study without the minimum case gets a
``not_evaluated`` row. For every bus of a device's primary zone (and backup zone) and every
fault type, the device's operating quantity divided by its pickup must reach the factor
(default 1.5 primary, 1.2 backup): phase faults (3ph, LL) use the phase current and the
phase pickup; ground faults (SLG, LLG) the residual current ``3I0`` and the ground pickup
when the device has a ground element, otherwise the phase current. A fuse's pickup is its
minimum-melt current (an IEC 60269 gG band link's: its conventional fusing current 1.6 In,
the current that melts every conforming link within the conventional time,
:mod:`.fuse_gg_limits`). Primary-zone shortfalls are ``fail``, backup-zone shortfalls ``warn``.
The row's tolerance (in multiples of pickup) is the ratio × the pickup's own scatter: 5 % for
a relay or recloser control (pickup accuracy, IEC 60255-151 / vendors' declarations), the
published melting range at long times for a fuse (maximum / minimum melting current − 1).

A device's primary zone ends at the first step transformer below it without a device of its
own: the buses behind it are its backup zone, judged by its more sensitive element (a ground
fault behind a delta winding gives no 3I0), chosen on the currents each element is judged on
(:func:`~.reach_stage.judged_stage`); low-voltage buses (at or below 1 kV) are no
requirement of a device on a medium-voltage bus, except a transformer fuse's own secondary
terminals (:func:`protv2g.checks.reach_zone.reach_rows`, :mod:`protv2g.topology_reach`).

The current judged is the one of the charger stage that holds while the element would operate
(:mod:`protv2g.checks.reach_stage`): the sustained stage for a time-delayed element (51/51G,
recloser curves, fuse melting), in the worse of the two brackets (the row's ``bracket``); the
first cycle for an instantaneous one (a relay's 50G without a 51G). A row whose first cycle
gives another verdict says which stage decided it.

A forward-directional relay is judged only on the overcurrent elements its directional
control releases at that fault, C9's decision (:func:`~.directional_release.zone_released`,
the device table's ``oc_released``): a blinded 67N's 51G counts for nothing, the row is judged
on the released phases' 51P, and with no element released the relay does not see the fault
(0 A, ratio 0); the message says which (ver41 W-new1).

At a fault bus with no path to ground (an ungrounded, delta-fed section) SLG and LLG
faults are not judged: one ``info`` row per device says why (:mod:`.reach_ungrounded`).

A zone fault the device does not operate for at all (C1–C4 have no pair row there: an interval
needs the primary's time, domain.md C1 "at every fault both see") fails here, as every zone
fault under 1.5 × pickup does; its message names the backup that clears it alone and when
(:mod:`.reach_alone`, review rev37a F8). One finding, not two: the missing pair row would only
repeat it.

Reduction of reach: where V2G sits between a device and a fault in its primary zone, the
device's current drops; a drop of more than ``v2g_change_fraction`` (default 10 %) against the
base case (minimum case) is a ``warn`` row even when the device still picks up.

References
----------
IEEE Std C37.230-2020 §6.2 (minimum fault current and reach); IEEE Std 1547.2-2023 §8
(reduction of reach, "blinding", by DER infeed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    concat_owned,
    could_not,
    not_applicable,
    unevaluable,
    violation_rows,
)
from protv2g.checks._rows import text_isin
from protv2g.checks.directional_release import HELD_NOTES
from protv2g.checks.equipment_rows import reach_equipment
from protv2g.checks.fuse_gg_limits import reach_units
from protv2g.checks.ground_limited import GROUND_LIMITED
from protv2g.checks.reach_alone import alone_notes
from protv2g.checks.reach_blind import blind_spots
from protv2g.checks.reach_closest import CLOSEST_KEY, closest_pass
from protv2g.checks.reach_drop import _reach_drop
from protv2g.checks.reach_fuse_named import behind_unmodelled_fuse
from protv2g.checks.reach_ground_limited import by_design_rows, limited_reach
from protv2g.checks.reach_groups import REACH_KEY
from protv2g.checks.reach_project_ground import project_ground_rows
from protv2g.checks.reach_text import (
    BAD_COLUMNS,
    reach_messages,
)
from protv2g.checks.reach_ungrounded import ungrounded_rows
from protv2g.checks.reach_unjudged import unjudged_rows
from protv2g.checks.reach_zone_rows import (  # PICKUP_ACCURACY, _join_positions: re-exported
    _REACH_CASE,
    PICKUP_ACCURACY,  # noqa: F401
    _join_positions,  # noqa: F401
    _zone_rows,
    _zone_rows_split,
)
from protv2g.violations import CheckStatus

__all__ = ["check_sensitivity", "reach_margins"]

#: ``ctx.cache`` key of :func:`reach_margins` (built with the C5 rows, read by the base margins).
_MARGINS_KEY = "C5 reach margins"


def reach_margins(ctx: CheckContext) -> pd.DataFrame:
    """Reach margin ``I_op/pickup − factor`` (multiples of pickup) of every device at every
    bus of its zones in the minimum case of every base case (the scenarios ``ctx.base_of``
    names as bases), passing or not, keyed as its violation row would be
    (:data:`protv2g.checks.attribution.BASE_MARGIN_COLUMNS`) and its factor (``limit``: a
    close-in row's twin is judged at the row's own factor, :func:`protv2g.checks.
    close_in_twins.own_factor_twins`) and element (``reach_element``, ``"ground"`` or
    ``"phase"``: the chargers-idle judgement compares element for element, :func:`~protv2g.
    checks.equipment_rows.reach_idle`): what the attribution reads for a row whose base case
    passes. Empty without a fault result or the minimum case.

    Built once per context: :func:`check_sensitivity` leaves it in ``ctx.cache`` (#21: the
    zone rows were joined twice, once for the check and once for the base margins)."""
    if _MARGINS_KEY in ctx.cache:
        return ctx.cache[_MARGINS_KEY]
    if ctx.faults is None or ctx.zones.empty:
        return _margins(ctx, pd.DataFrame())
    return _margins(ctx, _zone_rows(ctx))


def _margins(ctx: CheckContext, m: pd.DataFrame) -> pd.DataFrame:
    """:func:`reach_margins` of the zone rows ``m`` (:func:`_zone_rows`), the base cases'
    rows only: the attribution reads no other (#21: every scenario's, held in ``ctx.cache``
    until the end of the checks, were ≈ 360 MiB of the 10,000-bus study's checks)."""
    cols = ["scenario", "criterion", "fault_bus", "fault_type", "case", "device",
            "other_device", "margin_unit", "rule", "margin", "limit", "reach_element"]
    if not m.empty:
        bases = {b for b in ctx.base_of.values() if b}
        m = m[text_isin(m.scenario, bases)]
    if m.empty:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({
        "scenario": m.scenario.to_numpy(), "criterion": "C5",
        "fault_bus": m.fault_bus_name.to_numpy(), "fault_type": m.fault_type.to_numpy(),
        "case": m.case.to_numpy(), "device": m.device.to_numpy(), "other_device": "",
        "margin_unit": reach_units(ctx.devices, m.device.to_numpy()), "rule": "",
        "margin": (m.ratio - m.factor).to_numpy(float),
        # the factor: a close-in row's twin judged at the row's own (:mod:`.close_in_twins`)
        "limit": m.factor.to_numpy(float),
        # the element judged: the idle row is compared element for element (rev43a W1)
        "reach_element": m.element.to_numpy()}, columns=cols)


def check_sensitivity(ctx: CheckContext) -> pd.DataFrame:
    """C5 violation rows (see the module docstring)."""
    names = sorted(set(ctx.zones.device))
    if not names:
        return not_applicable("C5", "no device has a protection zone in this study")
    if ctx.faults is None:
        return could_not("C5", "no fault result (engine device table)")
    rows = [unevaluable(ctx, "C5", names)]
    if not (ctx.faults.case.to_numpy() == _REACH_CASE).any():
        return concat([*rows, could_not("C5", "reach is judged in the minimum case, which the "
                                        "study does not compute (add min to faults.cases)")])
    m, taken = _zone_rows_split(ctx)
    rows.append(unjudged_rows(ctx, names))  # a zone bus not faulted: not a pass (rev34b W2)
    rows.append(ungrounded_rows(ctx, taken))
    rows.append(project_ground_rows(ctx))  # a substation bus only the project grounds (W2)
    ctx.cache[_MARGINS_KEY] = _margins(ctx, m)
    ctx.cache[CLOSEST_KEY] = closest_pass(m)  # a PASS on drafted inputs names it (draft43)
    if m.empty:
        return concat(rows)
    # the reach drop first (it reads the zone rows, 636 rows out at 10,000 buses), then the
    # failing rows' columns gathered one by one and the zone rows let go before the messages
    # are written (#21: the zone rows, a ``.loc`` copy of the failing rows and the rows'
    # own columns were held at once with the messages, C5's peak: +410 MiB at 10,000 buses)
    drop = _reach_drop(ctx, m)
    at = np.flatnonzero((m.ratio < m.factor - 1e-12).to_numpy())
    if len(at):
        bad = {c: m[c].to_numpy()[at] for c in BAD_COLUMNS}
        fault_bus = m.fault_bus.to_numpy()[at]
        # the group part the violation columns do not hold (:mod:`.reach_groups`)
        element = (m["element"].to_numpy()[at] == "ground").astype(np.int8)
        held = m["_held"].to_numpy()[at]
        # a fuse at a ground fault the grounding limits, the relay's 51G reaching it (ngr45)
        limited, by_design = limited_reach(ctx, m, at)
        del m
        zone = bad.pop("zone")
        # a bus behind a line named like a fuse, not modelled (review rev30 §4): said by it
        where = behind_unmodelled_fuse(ctx, bad["device"], fault_bus, zone, bad["ratio"])
        # a device that does not operate at all: who clears the fault alone (rev37a F8)
        alone = alone_notes(ctx, bad["scenario"], bad["device"], fault_bus,
                            bad["fault_type"], bad["case"])
        if held.any():  # the directional control's reason first (ver41 W-new1)
            alone = np.array([HELD_NOTES[h] + a for h, a in zip(held.tolist(), alone.tolist(),
                                                          strict=True)], dtype=object)
        # blind without V2G too: pre-existing, which element and why (rev50a #2); its note
        # written when the message is read (.reach_text)
        blind, bad["blind_ratio"], bad["blind_why"] = blind_spots(
            ctx, bad, ctx.cache.get(_MARGINS_KEY))
        said = (bad["fault_bus_name"] if not any(where) else np.array(
            [f"{b}{w}" for b, w in zip(bad["fault_bus_name"].tolist(), where, strict=True)],
            dtype=object))
        rows.append(violation_rows(
            "C5", np.where(limited, CheckStatus.INFO.value, np.where(
                zone == "primary", CheckStatus.FAIL.value, CheckStatus.WARN.value)),
            frame=None, mechanism=np.where(limited, GROUND_LIMITED, "") if limited.any()
            else "",
            message=reach_messages(ctx, {**bad, "zone": zone, "fault_bus_name": said,
                                         "alone": alone}),
            scenario=bad["scenario"], fault_bus=bad["fault_bus_name"],
            fault_type=bad["fault_type"], case=bad["case"], device=bad["device"],
            other_device="", i_device_a=bad["i_op_a"], i_other_a=bad["pickup_a"],
            t_device_s=bad["t_op_s"], margin=bad["ratio"] - bad["factor"],
            limit=bad["factor"], tolerance=bad["tolerance"], bracket=bad["bracket"],
            margin_unit=reach_units(ctx.devices, bad["device"])))
        rows[-1][REACH_KEY] = element
        # falling short with every charger idle too: the project's equipment's (rev36a M1)
        reach_equipment(ctx, rows[-1], fault_bus, bad, ctx.cache.get(_MARGINS_KEY))
        if limited.any():  # by design: its own message, pre-existing (.reach_ground_limited)
            by_design_rows(rows[-1], limited, by_design)
        if blind.any():  # the device is blind without V2G: pre-existing (.reach_blind)
            att = rows[-1]["attribution"].astype(object).fillna("").to_numpy(dtype=object)
            rows[-1]["attribution"] = np.where(blind & (att == ""), "pre-existing",
                                               att).astype(object)
        del bad, zone, element, blind
    else:
        del m
    drop[REACH_KEY] = np.full(len(drop), 2, dtype=np.int8)
    rows.append(drop)
    for r in rows:  # one set of columns (concat_owned)
        if REACH_KEY not in r.columns:
            r[REACH_KEY] = np.full(len(r), -1, dtype=np.int8)
    return concat_owned(rows)  # rows built here: not copied whole (#21)


