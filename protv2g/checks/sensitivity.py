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

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    concat_owned,
    could_not,
    ground_pickup_a,
    not_applicable,
    step_paths_of,
    unevaluable,
    violation_rows,
)
from protv2g.checks._keys import FaultKeys, keys_of
from protv2g.checks._rows import column_at, factorize_all, key_codes, text_isin
from protv2g.checks.directional_release import HELD_NOTES, zone_released
from protv2g.checks.equipment_rows import drop_idle, has_idle, mark_rows, reach_equipment
from protv2g.checks.fuse_gg_limits import gg_reach_factor, reach_pickup_a, reach_units
from protv2g.checks.ground_limited import GROUND_LIMITED
from protv2g.checks.reach_alone import alone_notes
from protv2g.checks.reach_closest import CLOSEST_KEY, closest_pass
from protv2g.checks.reach_fuse_named import behind_unmodelled_fuse
from protv2g.checks.reach_ground_limited import by_design_rows, limited_reach
from protv2g.checks.reach_groups import REACH_KEY
from protv2g.checks.reach_project_ground import project_ground_rows
from protv2g.checks.reach_stage import instantaneous_ground, judged_stage
from protv2g.checks.reach_text import (
    BAD_COLUMNS,
    reach_messages,
    transformer_note,
    transformers_below,
)
from protv2g.checks.reach_ungrounded import ground_fault_rows, ungrounded_rows
from protv2g.checks.reach_unjudged import unjudged_rows
from protv2g.checks.reach_zone import EITHER_ELEMENT, reach_rows
from protv2g.criteria import MarginUnit
from protv2g.devices.kinds import kind_of
from protv2g.violations import CheckStatus

__all__ = ["check_sensitivity", "reach_margins"]

_GROUND_FAULTS = ("SLG", "LLG")
#: Case in which reach is judged.
_REACH_CASE = "min"
#: Pickup accuracy of a relay or recloser control (fraction of the setting): IEC 60255-151
#: accuracy classes and vendors' declarations (e.g. SEL-351 ±5 % of setting) — recalled.
PICKUP_ACCURACY = 0.05


def _pickup_scatter(device: object) -> float:
    """Relative scatter of a device's pickup (fraction)."""
    if kind_of(device).role == "fuse":
        curve = device.curve  # type: ignore[attr-defined]
        lo = curve.mm_asymptote_m
        hi = curve.mx_asymptote_m or curve.tc_asymptote_m
        if lo and hi and hi > lo:
            return float(hi / lo - 1.0)
    return PICKUP_ACCURACY


#: Columns of the fault table C5 reads (#21: the zone join copied all ≈ 50 columns of the
#: checks' fault table, angles and both brackets' times included, at every zone fault).
_ZONE_COLUMNS = ("scenario", "device", "fault_bus", "fault_bus_name", "fault_type", "case",
                 "fault_kind", "phase", "i_phase_a", "i_ground_a", "t_op_s")
#: A row's element by ``ground`` (0: phase, 1: ground).
_ELEMENTS = np.array(["phase", "ground"], dtype=object)
#: ``ctx.cache`` key of :func:`reach_margins` (built with the C5 rows, read by the base margins).
_MARGINS_KEY = "C5 reach margins"


def _zone_rows(ctx: CheckContext) -> pd.DataFrame:
    """Fault rows of every device at the buses of its zones, with pickup and ratio
    (:func:`_zone_rows_split`'s first)."""
    return _zone_rows_split(ctx)[0]


def _zone_rows_split(ctx: CheckContext) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Fault rows of every device at the buses of its zones, with pickup and ratio, and the
    SLG/LLG rows at buses with no ground path taken out of them
    (:func:`~.reach_ungrounded.ground_fault_rows`; None without any).

    A fault the engine computed at a zone bus (``ctx.bus_faults``, energised) for which the
    device has no row — the device table keeps rows from ``DEVICE_ROW_MIN_A`` (1 A) — is a
    row at 0 A that never operates: the device does not see that fault (e.g. a ground fault
    behind a delta winding), a reach failure, never a silently passing absence.
    """
    cols = [c for c in _ZONE_COLUMNS if c in ctx.faults.columns]
    in_case = ctx.faults.case.to_numpy() == _REACH_CASE  # str since build_context
    z = ctx.zones[ctx.zones.device.isin(list(ctx.devices))].rename(columns={"bus": "fault_bus"})
    z = reach_rows(ctx.study, z, step_paths_of(ctx))
    m = _zone_join(ctx, z, np.flatnonzero(in_case), cols)
    absent = _absent_zone_faults(ctx, z, m)
    if len(absent):
        m = pd.concat([m, absent], ignore_index=True)
    m, no_ground, taken = ground_fault_rows(ctx, m)  # no ground path: SLG/LLG info (M1)
    if m.empty:
        return m, taken
    # each device's figures once, spread by its code (#21: three ``map``s hashed the
    # 427,896 zone rows' names at 10,000 buses); NaN for a name without a model, as ``map``
    code, names = factorize_all(m.device.to_numpy())

    def by_device(f: Any) -> np.ndarray:
        values = pd.Series([f(ctx.devices[n]) if n in ctx.devices else np.nan
                            for n in names.tolist()], dtype=object)
        return pd.to_numeric(values, errors="coerce").to_numpy(float)[code]

    ph = by_device(reach_pickup_a)  # a gG band link's: its 5-s melting current
    gp = by_device(ground_pickup_a)
    kind = m.fault_kind if "fault_kind" in m else m.fault_type  # OpenDSS tables: SLG-a …
    ground = kind.isin(_GROUND_FAULTS).to_numpy() & np.isfinite(gp) & ~no_ground
    # a forward-directional relay's elements as C9's decision releases them (ver41 W-new1:
    # a blinded 67N's 51G was credited with reach): one held back sees no current
    i_ph, i_gr, ground_ok, released, held = zone_released(
        ctx.faults, m["_at"].to_numpy(), m.i_phase_a.to_numpy(float),
        m.i_ground_a.to_numpy(float), ground)
    ground &= ground_ok
    # behind a step transformer the element that sees more (no 3I0 behind a delta winding),
    # chosen on the currents each element is judged on (reach_stage.judged_stage)
    ground, m["i_op_a"], m["stage"], m["bracket"] = judged_stage(
        ctx, m["_at"].to_numpy(), i_ph, i_gr, ground, by_device(instantaneous_ground) > 0,
        released, m[EITHER_ELEMENT].to_numpy(bool), (ph, gp))
    m["pickup_a"] = np.where(ground, gp, ph)
    first = np.where(ground, i_gr, i_ph)
    m["_held"] = held
    m["i_first_a"] = first
    # two ``str`` objects shared by the rows (#21: ``np.where`` on the two texts made a
    # ``str`` per row when the frame took it, 27 MiB of 427,896 zone rows at 10,000 buses)
    m["element"] = _ELEMENTS[ground.astype(np.intp)]
    m["ratio"] = m.i_op_a / m.pickup_a
    m["tolerance"] = m.ratio * by_device(_pickup_scatter)
    th = ctx.thresholds
    factor = np.where(m.zone == "primary", th.sensitivity_primary_factor,
                      th.sensitivity_backup_factor)
    gg = by_device(gg_reach_factor)  # a gG band link's own (IEC 60364-4-41), NaN else
    m["factor"] = np.where(np.isfinite(gg) & ~ground, gg, factor)
    return m, taken


def _zone_join(ctx: CheckContext, z: pd.DataFrame, rows: np.ndarray, cols: list[str]
               ) -> pd.DataFrame:
    """``z.merge(faults.iloc[rows][cols], on=["device", "fault_bus"])``, on the context's
    integer codes when it has them (#21: a join on the object device names)."""
    f, k = ctx.faults, keys_of(ctx)
    if k is None:
        return z.merge(f.iloc[rows][cols].assign(_at=rows), on=["device", "fault_bus"])
    code = k.device_codes(z.device)
    left = np.where(code >= 0, k.place(z.fault_bus.to_numpy(), code), -1)
    i, r = _join_positions(left, k.row_places(f.fault_bus.to_numpy())[rows])
    r = rows[r]
    out = {c: column_at(z[c], i) for c in z.columns}
    out.update({c: column_at(f[c], r) for c in cols if c not in out})
    out["_at"] = r  # the fault-table position: the row's charger stages (reach_stage)
    # the gathered arrays are new: taken as they are, not consolidated (#21)
    return pd.DataFrame(out, copy=False)


def _join_positions(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(i, r)``: the positions of every pair of equal keys ``left[i] == right[r]`` (int64
    arrays), in the order of ``pd.DataFrame({"_k": left}).merge(pd.DataFrame({"_k":
    right}))``: by ``i``, each ``i``'s ``r`` ascending. Where ``left`` holds each key once
    (a device's zone names a bus once) every right row is looked up in it and the matches
    put in left order, one stable sort of them (#21: the merge hashed both sides, 427,896
    zone faults at 10,000 buses); else, where ``right`` holds each key once, every left
    row's match looked up in it (left order); else that merge."""
    # a negative key (a device without rows: -1) pairs with no right key when none is
    # negative (a table row's place never is)
    some = np.flatnonzero(left >= 0) if len(right) and right.min() >= 0 else np.arange(
        len(left))
    index = pd.Index(left[some])
    if not index.is_unique:
        theirs = pd.Index(right)
        if theirs.is_unique:  # each left row's one right row, in left order (#21: the reach
            at = theirs.get_indexer(left)  # drop's V2G rows and their base rows)
            i = np.flatnonzero(at >= 0)
            return i.astype(np.int64), at[i].astype(np.int64)
        j = pd.DataFrame({"_k": left, "_i": np.arange(len(left))}).merge(
            pd.DataFrame({"_k": right, "_r": np.arange(len(right))}), on="_k")
        return j["_i"].to_numpy(np.int64), j["_r"].to_numpy(np.int64)
    at = index.get_indexer(right)
    r = np.flatnonzero(at >= 0)
    i = some[at[r]]  # ``some`` ascending: the order of ``at`` is the order of ``left``
    order = np.argsort(i, kind="stable")
    return i[order].astype(np.int64), r[order].astype(np.int64)


def _absent_zone_faults(ctx: CheckContext, zones: pd.DataFrame, rows: pd.DataFrame
                        ) -> pd.DataFrame:
    """Zone faults without a device row, as rows at 0 A with ``inf`` operate times."""
    b = ctx.bus_faults
    if b is None or b.empty or zones.empty:
        return rows.iloc[:0]
    in_case = _text_is(b.case, _REACH_CASE)
    if "energized" in b:
        in_case &= b.energized.astype(bool).to_numpy()
    k = keys_of(ctx)
    if k is not None and not _any_absent(k, zones, b, np.flatnonzero(in_case)):
        return rows.iloc[:0]
    b = b[in_case]
    extra = [c for c in ("fault_kind", "phase") if c in b and c in rows]
    keys = ["scenario", "fault_bus", "fault_type", "case"]
    faults = b.rename(columns={"bus": "fault_bus", "bus_name": "fault_bus_name"})[
        [*keys, "fault_bus_name", *extra]].astype({"fault_type": str, "case": str})
    every = zones.merge(faults, on="fault_bus")
    if k is None:
        seen = rows[["device", *keys]].assign(_seen=True)
        miss = every.merge(seen, on=["device", *keys], how="left")
        miss = miss[miss["_seen"].isna()].drop(columns="_seen")
    else:  # the device's row of that fault, by code (#21: a join on five object keys)
        at = k.rows_of(k.fault_codes([every[c].to_numpy() for c in keys]),
                       k.device_codes(every.device))
        miss = every[at < 0]
    if miss.empty:
        return rows.iloc[:0]
    times = [c for c in rows.columns if c.startswith("t_") and c.endswith("_s")]
    currents = [c for c in rows.columns if c.endswith(("_a", "_ka")) and c not in times]
    return miss.assign(**{c: 0.0 for c in currents}, **{c: np.inf for c in times}, _at=-1)


def _any_absent(k: FaultKeys, zones: pd.DataFrame, b: pd.DataFrame, at: np.ndarray) -> bool:
    """Whether a zone fault — a bus fault ``b.iloc[at]`` at a bus of a device's zone — has
    no row of that device: :func:`_absent_zone_faults`' test on integer codes alone (#21:
    its join copied every text column of the 630,000 zone faults at 10,000 buses, 0.3 s,
    to find none absent)."""
    fault = k.fault_codes([_rows_of(b["scenario"], at), b["bus"].to_numpy()[at],
                           _rows_of(b["fault_type"], at, text=True),
                           _rows_of(b["case"], at, text=True)])
    left = pd.DataFrame({"fault_bus": zones["fault_bus"].to_numpy(),
                         "_d": k.device_codes(zones["device"])})
    right = pd.DataFrame({"fault_bus": b["bus"].to_numpy()[at], "_f": fault})
    j = left.merge(right, on="fault_bus")
    return bool((k.rows_of(j["_f"].to_numpy(), j["_d"].to_numpy()) < 0).any())


def _str_categories(column: pd.Series) -> bool:
    """Whether ``column`` is a categorical of ``str`` categories without a missing value:
    its ``astype(str)`` is its own values."""
    return (isinstance(column.dtype, pd.CategoricalDtype)
            and all(type(c) is str for c in column.cat.categories.tolist())
            and not (column.cat.codes.to_numpy() < 0).any())


def _text_is(column: pd.Series, text: str) -> np.ndarray:
    """``(column.astype(str) == text).to_numpy()``; a categorical of ``str`` tested once per
    category (#21: the bus table's 482,880 rows at 10,000 buses written out as text)."""
    if _str_categories(column):
        hit = np.array([c == text for c in column.cat.categories.tolist()], dtype=bool)
        return hit[column.cat.codes.to_numpy()]
    return (column.astype(str) == text).to_numpy()


def _rows_of(column: pd.Series, at: np.ndarray, text: bool = False) -> Any:
    """``column.to_numpy()[at]`` (``text``: of ``column.astype(str)``); a categorical's rows as
    a :class:`pandas.Categorical` (its values those texts), for
    :meth:`~protv2g.checks._keys.FaultKeys.fault_codes` to look its categories up once."""
    if _str_categories(column) or (isinstance(column.dtype, pd.CategoricalDtype)
                                   and not text):
        return column.array.take(at)
    return (column.astype(str) if text else column).to_numpy()[at]


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
        del bad, zone, element
    else:
        del m
    drop[REACH_KEY] = np.full(len(drop), 2, dtype=np.int8)
    rows.append(drop)
    for r in rows:  # one set of columns (concat_owned)
        if REACH_KEY not in r.columns:
            r[REACH_KEY] = np.full(len(r), -1, dtype=np.int8)
    return concat_owned(rows)  # rows built here: not copied whole (#21)


def _reach_drop(ctx: CheckContext, m: pd.DataFrame) -> pd.DataFrame:
    """Warn rows where V2G lowers a primary device's current by more than the fraction."""
    prim = np.flatnonzero(m.zone.to_numpy() == "primary")
    j = _base_pairs(ctx, m, prim)
    if j is None:
        return concat([])
    # the pairs' columns only, never every zone-row column (#21: the join on five object
    # keys copied the 161,000 V2G rows' columns at 10,000 buses for 636 warn rows)
    at, base_at = prim[j[0]], prim[j[1]]
    i_op = m.i_op_a.to_numpy()[at]
    i_base = m.i_op_a.to_numpy()[base_at]
    pickup = m.pickup_a.to_numpy()[at]
    frac = ctx.thresholds.v2g_change_fraction
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = 1.0 - i_op / i_base
    keep = np.flatnonzero((drop > frac + 1e-12) & (i_base >= pickup))
    rows, drop, i_op, i_base = at[keep], drop[keep], i_op[keep], i_base[keep]
    scenario, device, bus, fault_type, case, t_op = (
        m[c].to_numpy()[rows] for c in ("scenario", "device", "fault_bus_name", "fault_type",
                                        "case", "t_op_s"))
    msgs = [
        f"reach of {d} reduced: {i:.0f} A instead of {i0:.0f} A without V2G (−{x:.0%}) for "
        f"{ctx.fault_text(b, t, c)} {ctx.export_text(sc)}"
        + (transformer_note(ctx, sc, transformers_below(ctx, d))
           if str(t).startswith(("SLG", "LLG")) else "")
        for d, i, i0, x, b, t, c, sc in zip(
            device.tolist(), i_op.tolist(), i_base.tolist(), drop.tolist(), bus.tolist(),
            fault_type.tolist(), case.tolist(), scenario.tolist(), strict=True)]
    # a fuse's drop at a ground fault the grounding limits, its relay's 51G reaching it with
    # and without V2G: who clears does not change (.reach_ground_limited)
    limited, by_design = limited_reach(ctx, m, rows)
    out = violation_rows(
        "C5", np.where(limited, CheckStatus.INFO.value, CheckStatus.WARN.value)
        if limited.any() else CheckStatus.WARN,
        frame=pd.DataFrame(index=pd.RangeIndex(len(rows))),
        mechanism=np.where(limited, GROUND_LIMITED, "") if limited.any() else "",
        margin_unit=MarginUnit.FRACTION, scenario=scenario, fault_bus=bus,
        fault_type=fault_type, case=case, device=device, other_device="", i_device_a=i_op,
        i_other_a=i_base, t_device_s=t_op, margin=frac - drop, limit=frac, message=msgs)
    if len(rows) and has_idle(ctx):  # the drop with every charger idle already: the
        # project's equipment's (review rev36b M1)
        mark_rows(out, *drop_idle(ctx, pd.DataFrame({
            "scenario": scenario, "device": device, "fault_bus": m.fault_bus.to_numpy()[rows],
            "fault_type": fault_type, "case": case, "element": m.element.to_numpy()[rows],
            "stage": m.stage.to_numpy()[rows]}), i_base, frac))
    if limited.any():
        by_design_rows(out, limited, by_design)
    return out


def _base_pairs(ctx: CheckContext, m: pd.DataFrame, prim: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """The primary-zone rows ``m.iloc[prim]`` of a V2G scenario each with the row of the same
    device, fault bus, fault type and case in its base scenario (``ctx.base_of``): ``(v2g,
    base)`` positions in ``prim``, in the order of ``v2g.merge(base, on=[device, fault_bus,
    fault_type, case, base])`` (the V2G rows' order, each one's base rows in theirs);
    ``None`` without any such pair. The join on one integer per row — the key columns
    coded (:func:`~protv2g.checks._rows.key_codes`, equal values equal codes, NaN equal to
    NaN as ``merge``), a row's scenario for a base row, its base's for a V2G row (#21: the
    merge on five object columns, a scenario's base found row by row by ``Series.map``)."""
    if not len(prim):
        return None
    scen, names = factorize_all(m.scenario.to_numpy()[prim])
    names = list(names)
    code = {n: k for k, n in enumerate(names)}
    base = [ctx.base_of.get(n) for n in names]
    # a base row: its scenario is its own base; a V2G row: another base, not "" (none), one
    # with rows here (a base without rows pairs with nothing)
    is_base = np.array([b is not None and b == n for b, n in zip(base, names, strict=True)],
                       dtype=bool)
    target = np.array([code.get(b, -1) if b is not None and b != "" and b != n else -1
                       for b, n in zip(base, names, strict=True)], dtype=np.int64)
    side = np.where(is_base[scen], scen, target[scen])
    key = key_codes([m[c].to_numpy()[prim] for c in ("device", "fault_bus", "fault_type",
                                                       "case")] + [side])
    v2g = np.flatnonzero(target[scen] >= 0)
    base_rows = np.flatnonzero(is_base[scen])
    # the merge's pairs on the keys' integer codes (:func:`_join_positions`: a base row's
    # key once, looked up for every V2G row, #21)
    i, r = _join_positions(key[v2g], key[base_rows])
    if not len(i):
        return None
    return v2g[i], base_rows[r]
