"""C12 voltage, loading and reverse flow: regulators, voltage rise, thermal loading, unbalance.

Consumes the power-flow tables (by name: ``bus`` with ``scenario, bus, vm_pu`` and optionally
``step``, ``unbalance_percent``; ``branch`` with ``scenario, element, element_index,
loading_percent`` and optionally ``p_from_mw``):

* voltage above ``v_max_pu`` (default 1.05 pu, ANSI C84.1 Range A) — ``fail``, at the buses
  C84.1's ranges apply to (:func:`judged_buses`): not at a source bus (its voltage is the
  study's input, not a result: ckt24's 230 kV ``Vsource pu=1.05`` was a "fix before the
  pilot" condition) nor above :data:`RANGE_A_MAX_KV` (C84.1 gives Range A for nominal system
  voltages up to 34.5 kV; above, only a maximum system voltage for equipment, e.g. 242 kV for
  230 kV). One ``info`` row names those buses above the limit and why they are not judged.
  "Above" is beyond ``voltage_limit_tolerance_pu`` (0.001 pu, IEC 61000-4-30 Class A; a
  voltage within it is at the limit), a bus a source or regulator set-point holds is named
  so, and a V2G row whose bus is within the limit without V2G is ``new``
  (:mod:`protv2g.checks.flow_limit`, review s26 §4);
* branch loading above ``loading_max_percent`` (default 100 %) — ``fail``; failing branches
  in series that carry one current are one row per scenario naming them all
  (:mod:`protv2g.checks.flow_series`, review rev30 §5);

  a voltage (beyond the tolerance) or loading row that fails without V2G too is ``worse``
  only when V2G changes it
  by more than ``voltage_change_min_pu`` / ``loading_change_min_percent`` (the rows'
  ``tolerance``: half a regulator's bandwidth, a metering CT's ratio error; s16 A3: ckt5's
  service transformer 107.5 → 107.75 % failed the gate as "made worse by V2G");
* voltage below ``v_min_pu`` (default 0.95 pu, ANSI C84.1 Range A's minimum) beyond the same
  tolerance — ``fail``, ``mechanism`` "under-voltage", its own attribution key
  (:mod:`protv2g.checks.flow_low`; review rev34a M0: charging's under-voltage was not judged),
  on a bus with no path to ground its lowest line-to-line voltage (review rev40b W1), one
  ``info`` row counting any judged bus whose lowest service voltage the flow does not give;
* voltage unbalance above ``unbalance_max_percent`` (default 3 %; the flow reports the voltage
  unbalance factor |V2|/|V1| of IEC 61000-4-30, close to ANSI C84.1 Annex D's definition at a
  few percent) — ``fail``, in points of u2 (``% VUF``) with its own materiality threshold
  ``unbalance_change_min_percent`` (:mod:`protv2g.checks.flow_unbalance`, review rev31 §2);
* on an OpenDSS feeder, a voltage or unbalance row whose V2G change a regulator's unforced tap
  move explains, or a regulated bus V2G moves only inside a band that reaches over the limit by
  itself, is ``pre-existing`` and says so (:mod:`protv2g.checks.flow_taps`, review rev31 §1, §6),
  as is a row at a bus past a regulator whose V2G rise is the output's at the same taps
  (:mod:`protv2g.checks.flow_band`, review rev34a W3);
* reverse active power (``p_from_mw < 0``, flow from the regulated to the source side) through a
  voltage regulator — a transformer whose two windings have the same rated voltage — that is
  taken as forward-locked (the study file has no regulator mode): ``fail`` when its control
  has line-drop compensation (it acts on the net reversed current,
  :data:`FORWARD_LOCKED_LDC_TEXT`), ``warn`` without (it keeps regulating its load side, the
  voltages are judged by the rows above: confirm the field mode, :data:`FORWARD_LOCKED_TEXT`;
  review s27 §4, EPRI J1: two RegControls with no LDC failed the gate while the row's own text
  said their mode suits DER export); s23, EPRI J1 at light load: OpenDSS holds
  ``regxfmr_b4868``'s bus at 1.038 -> 1.040 pu, tap -1, over 0-72 kW of home export, while
  ``reversible=yes`` runs it to tap +16, 1.10 pu at 72 kW.

One row per (scenario, bus/branch) at its worst step. Without flow tables the check cannot be
evaluated (a failing row).

References
----------
ANSI C84.1-2020 (Range A 0.95–1.05 pu; unbalance); IEEE Std 1547.2-2023 §9 (regulators and
reverse power flow); IEEE Std C57.15 (step-voltage regulators: forward-locked, cogeneration and
bidirectional modes).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, could_not, violation_rows
from protv2g.checks._recipes import coded, formatted
from protv2g.checks._row_frames import unsolved_flow
from protv2g.checks._rows import first_largest, text_isin
from protv2g.checks.attribution_materiality import who_moves
from protv2g.checks.equipment import EQUIPMENT
from protv2g.checks.flow_band import band_bases, band_rows, with_switch_tied
from protv2g.checks.flow_band_judged import record_band_judged
from protv2g.checks.flow_band_pre import band_preexisting, band_preexisting_text
from protv2g.checks.flow_buses import (
    RANGE_A_MAX_KV,
    bus_kv_and_sources,
    judged_buses,
    source_setpoints,
)
from protv2g.checks.flow_charging import ldc_texts
from protv2g.checks.flow_controls import controlled_rows, regulators
from protv2g.checks.flow_groups import UNBALANCE, VOLTAGE
from protv2g.checks.flow_limit import (
    AT_LIMIT,
    LINE_TO_LINE_TEXT,
    REGULATOR_SETPOINT,
    WITHIN_TOLERANCE,
    at_limit_caused_text,
    at_limit_text,
    judged_voltage_pu,
    limit_tolerance_pu,
    regulated_buses,
    rise_band_pu,
    setpoint_texts,
    v2g_caused,
    within_tolerance_text,
)
from protv2g.checks.flow_low import (
    charging_at,
    step_load,
    under_voltage_margins,
    under_voltage_rows,
    unjudged_rows,
)
from protv2g.checks.flow_names import branch_names as _branch_names
from protv2g.checks.flow_names import bus_names as _bus_names
from protv2g.checks.flow_reg_moves import regulator_move_texts
from protv2g.checks.flow_series import merge_series
from protv2g.checks.flow_site_tap import SITE_TAP, site_tap
from protv2g.checks.flow_tap_path import bracketed_high, tap_path_columns, tap_path_text
from protv2g.checks.flow_taps import regulators_own
from protv2g.checks.flow_unbalance import unbalance_margins, unbalance_rows
from protv2g.checks.regulator_text import (
    FORWARD_LOCKED_TEXT,
    TAKEN_FORWARD_LOCKED_TEXT,
)
from protv2g.checks.row_groups import GROUP_PART
from protv2g.criteria import MarginUnit
from protv2g.messages import MessageArray
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.violations import CheckStatus

__all__ = ["FORWARD_LOCKED_TEXT", "RANGE_A_MAX_KV", "check_flow", "flow_margins",
           "judged_buses", "regulators"]

def _voltage_messages(ctx: CheckContext, vm_pu: list[float], names: list[str],
                      scenarios: list) -> MessageArray:
    """C12's over-voltage messages, written when read
    (:func:`~protv2g.checks._recipes.formatted`; ``%.3f`` writes what ``{:.3f}`` does; #21:
    63,262 rows at 10,000 buses)."""
    head = "voltage %.3f pu at %s %s exceeds " + f"{ctx.thresholds.v_max_pu:g}".replace(
        "%", "%%") + " pu (ANSI C84.1 Range A)"
    return formatted(head, [vm_pu, coded(names)], scenarios, ctx.export_text)


def _loading_messages(ctx: CheckContext, names: list[str], loading_percent: list[float],
                      scenarios: list) -> MessageArray:
    """C12's loading messages, ``f"{n} loaded {x:.0f} % {export text} (limit {limit:g} %)"``
    written when read (:func:`~protv2g.checks._recipes.formatted`; #21: ≈ 8,600 rows at
    10,000 buses)."""
    head = "%s loaded %.0f %% %s (limit " + f"{ctx.thresholds.loading_max_percent:g}".replace(
        "%", "%%") + " %%)"
    return formatted(head, [coded(names), loading_percent], scenarios, ctx.export_text)


def _worst(df: pd.DataFrame, keys: list[str], col: str) -> pd.DataFrame:
    """``df``'s row of the largest ``col`` per ``keys`` (the first on a tie), in the keys'
    sorted order: ``df.loc[df.groupby(keys)[col].idxmax()]``, found on the keys' codes
    (:func:`~protv2g.checks._rows.first_largest`; #21: five groupbys of the flow tables,
    0.06 s at 10,000 buses) where ``df``'s labels are unique."""
    if not df.index.is_unique:
        df = df.dropna(subset=[col])  # no value: a dead bus, a bus without three phases
        return df.loc[df.groupby(keys)[col].idxmax()]
    # the rows with a value (as ``dropna``), their key columns under a default index:
    # positions come back; the table itself is taken once, at the worst rows
    at = np.flatnonzero(df[col].notna().to_numpy())
    every = len(at) == len(df)
    frame = pd.DataFrame({k: df[k].to_numpy() if every else df[k].to_numpy()[at]
                          for k in keys}, copy=False)
    value = df[col].to_numpy()
    top = first_largest(frame, keys, (value if every else value[at]).astype(float))
    return df.iloc[top if every else at[top]]


#: Columns C12 needs of the flow's bus and branch tables, and the keys a row is judged by.
_BUS_COLUMNS = {"scenario", "bus", "vm_pu"}
_BRANCH_KEYS = ["scenario", "element", "element_index"]


def _judged_bus_rows(ctx: CheckContext, bus: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of the flow's ``bus`` table C12 judges, ``vm_pu`` the highest phase voltage
    where a three-phase flow ran (line to line on a bus with no ground path,
    :func:`~protv2g.checks.flow_limit.judged_voltage_pu`), and the ``info`` row of
    :func:`judged_buses`."""
    phases = [c for c in ("vm_a_pu", "vm_b_pu", "vm_c_pu") if c in bus.columns]
    if phases:  # a column replaced on a shallow copy (``assign`` copied the table, #21)
        vm_pu = (pd.Series(judged_voltage_pu(bus), index=bus.index)
                 if "vm_ll_max_pu" in bus.columns  # line to line on a bus with no ground path
                 else bus[["vm_pu", *phases]].max(axis=1))
        bus = bus.copy(deep=False)
        bus["vm_pu"] = vm_pu
    judged, not_judged = judged_buses(ctx, bus, ctx.thresholds.v_max_pu)
    return bus[judged], not_judged


def _has_loading(branch: pd.DataFrame | None) -> bool:
    return branch is not None and {*_BRANCH_KEYS, "loading_percent"} <= set(branch.columns)


def _over_voltage_rows(ctx: CheckContext, bus: pd.DataFrame, w: pd.DataFrame,
                       path: tuple[np.ndarray, ...] | None = None) -> pd.DataFrame:
    """C12's failing voltage rows: the worst voltage ``w`` of each judged (scenario, bus)
    above ``v_max_pu`` beyond its tolerance; a bus a source or regulator set-point holds
    named so (``mechanism``); a V2G row whose base case is within the limit ``new``
    (:mod:`protv2g.checks.flow_limit`); ``bus`` the flow's whole bus table. ``path``: the
    tap-path bracket's ``(rises, start, base)`` aligned with ``w``
    (:func:`~protv2g.checks.flow_tap_path.bracketed_high`), said in the rows' messages; a row
    whose base case fails at a band start is ``pre-existing`` unless V2G's rise there is
    material (:mod:`protv2g.checks.flow_band_pre`, review rev49b #2)."""
    th = ctx.thresholds
    tol = limit_tolerance_pu(th)
    over = (w.vm_pu > th.v_max_pu + max(tol, 1e-9)).to_numpy()
    bad = w[over]
    names = _bus_names(ctx, bad.bus)
    # Python floats and lists, not the Series' NumPy scalars (#21: 63,262 rows at 10,000
    # buses; the same text), the scenario's text and the limit's once each
    message = _voltage_messages(ctx, bad.vm_pu.tolist(), names, bad.scenario.tolist())
    caused, v_base = v2g_caused(w, bad, ctx.base_of, th.v_max_pu, tol)
    # V2G's change a regulator's unforced tap move explains, and a regulated bus V2G moves
    # inside its regulator's band where that band reaches over the limit (review rev31 §1, §6)
    pre, suffix = regulators_own(ctx, bus, bad, caused, v_base, tol)
    # a regulator's tap move reaching the bus, named (review rev41a M1: IEEE 34's 814)
    for k, text in regulator_move_texts(ctx, bad, skip=pre).items():
        suffix[k] = suffix.get(k, "") + text
    # a bus past a regulator whose V2G rise is the output's, judged as the output (review
    # rev34a W3: IEEE 8500's m1209817, 40 m past FEEDER_REG's output, limited the campus)
    band = band_rows(ctx, bus, bad, pre, v_base, tol)
    for k, text in band.items():
        pre[k] = True
        suffix[k] = suffix.get(k, "") + text
    # the base case failing at a start of the regulators' band (review rev49b #2)
    charging = bad.scenario.astype(str).str.startswith(CHARGING_SNAPSHOT_PREFIX).to_numpy()
    if path is not None:
        rises, base3 = path[0][over], path[2][over]
        by = band_preexisting(base3 - (th.v_max_pu + tol), rises, th.voltage_change_min_pu)
        for k in np.flatnonzero((by >= 0) & ~pre).tolist():
            pre[k] = True
            suffix[k] = suffix.get(k, "") + band_preexisting_text(
                int(by[k]), float(base3[k, by[k]]), float(rises[k, by[k]]), str(names[k]),
                charging=bool(charging[k]))
    caused &= ~pre
    # a site's own bus, out of the base case: judged against the site idle, its transformer's
    # no-load tap a setting of its own (review rev31 §3)
    tap, caused, device, said = site_tap(ctx, bus, bad, v_base, caused)
    tap &= ~pre
    for k, text in said.items():
        suffix[k] = suffix.get(k, "") + text
    mechanism = np.where(tap, SITE_TAP, "").astype(object)
    for k in band:
        mechanism[k] = REGULATOR_SETPOINT
    mechanism[band_bases(ctx, bad, band)] = REGULATOR_SETPOINT
    if "vm_ll_max_pu" in bad.columns:
        for k in np.flatnonzero(bad.vm_ll_max_pu.notna().to_numpy()).tolist():
            suffix[k] = LINE_TO_LINE_TEXT + suffix.get(k, "")
    # a V2G row's one tolerance: the limit's, floored as the attribution floors it (rev38a M1)
    rise_tol = rise_band_pu(th.v_max_pu, v_base, tol)
    vm = bad.vm_pu.to_numpy(float)
    at_limit = np.flatnonzero(caused & (v_base > th.v_max_pu)).tolist()
    # a charging snapshot's row is the charging's, through a regulator's LDC (rev40b M2)
    who = [who_moves(s) for s in bad.scenario.to_numpy()[at_limit].tolist()]
    how = ldc_texts(ctx, bus, bad, [k for k, x in zip(at_limit, who, strict=True)
                                    if x != "V2G"])
    for k, x in zip(at_limit, who, strict=True):
        suffix[k] = suffix.get(k, "") + at_limit_caused_text(
            float(v_base[k]), float(vm[k]), float(rise_tol[k]), tol,
            float(th.voltage_change_min_pu), x, how.get(k, ""))
    if len(bad):
        distinct = pd.unique(bad.bus.to_numpy())
        held = setpoint_texts(bus, distinct, bus_kv_and_sources(ctx, distinct)[1],
                              with_switch_tied(ctx.study.model, regulated_buses(
                                  ctx.study.model), ctx.bus_name), tol, ctx.bus_name,
                              base_of=ctx.base_of, setpoints=source_setpoints(ctx))
        if held:
            at = bad.bus.isin(list(held)).to_numpy()
            for k, b in zip(np.flatnonzero(at).tolist(), bad.bus.to_numpy()[at].tolist(),
                            strict=True):
                mechanism[k], text = held[b]
                suffix[k] = f"{suffix.get(k, '')}; {text}"
    bracket: dict[str, np.ndarray] = {}
    if path is not None:  # where in their band the regulators rest (rev49b #1)
        rises, start = path[0][over], path[1][over]
        bracket = tap_path_columns(rises, start)  # the words' figures, as data
        said = np.isfinite(rises[:, 0]) & np.isfinite(rises[:, 1:]).any(axis=1)
        for k in np.flatnonzero(said).tolist():
            suffix[k] = suffix.get(k, "") + tap_path_text(
                str(names[k]), rises[k], int(start[k]), bool(charging[k]), change="rise")
    if suffix:
        at = np.fromiter(suffix, dtype=np.intp, count=len(suffix))
        message = message.suffixed(at, [suffix[k] for k in at.tolist()])
    out = violation_rows(
        "C12", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=names, device=device, margin_unit=MarginUnit.PER_UNIT,
        margin=(th.v_max_pu - bad.vm_pu).to_numpy(), limit=th.v_max_pu,
        # a row V2G causes is judged against the limit's tolerance, not the materiality of
        # a change to a failure already there (the gate and the trend read the column)
        tolerance=np.where(caused, rise_tol, np.where(pre | tap, tol, th.voltage_change_min_pu)),
        mechanism=mechanism, message=message, **bracket, **step_load(ctx, bad))
    if caused.any() or pre.any() or tap.any():  # kept by the attribution (as C10's)
        # the site transformer's tap: the project's equipment (rev34b M1/M2)
        out["attribution"] = np.where(tap, EQUIPMENT, np.where(
            caused, "new", np.where(pre, "pre-existing", ""))).astype(object)
    out[GROUP_PART] = np.full(len(out), VOLTAGE, dtype=np.int8)  # a row per bus (#21)
    return out


def _at_limit_row(ctx: CheckContext, bus: pd.DataFrame, w: pd.DataFrame) -> pd.DataFrame:
    """C12's ``info`` rows on the buses a set-point holds at the limit
    (:func:`~protv2g.checks.flow_limit.at_limit_text`) and on the other buses above it within
    its tolerance (:func:`~protv2g.checks.flow_limit.within_tolerance_text`, review s27 §5:
    said, not silent); empty when none."""
    th = ctx.thresholds
    args = (bus, w, bus_kv_and_sources(ctx, np.zeros(0, np.int64))[1],
            with_switch_tied(ctx.study.model, regulated_buses(ctx.study.model), ctx.bus_name),
            th.v_max_pu, limit_tolerance_pu(th), ctx.bus_name)
    held_by = {"base_of": ctx.base_of, "setpoints": source_setpoints(ctx)}
    near, scenario = within_tolerance_text(*args, **held_by)
    return concat([violation_rows("C12", CheckStatus.INFO, margin_unit=MarginUnit.PER_UNIT,
                                  mechanism=mechanism, message=text, **where)
                   for mechanism, text, where in (
                       (AT_LIMIT, at_limit_text(*args, **held_by), {}),
                       (WITHIN_TOLERANCE, near, {"scenario": scenario}))
                   if text])


#: ``ctx.cache`` key (with the column) of :func:`check_flow`'s worst rows of the base cases:
#: ``(table, bases, rows)``.
_WORST_KEY = "C12 worst"


def _keep_bases(ctx: CheckContext, column: str, table: pd.DataFrame, w: pd.DataFrame) -> None:
    """Keep in ``ctx.cache`` the rows of :func:`check_flow`'s worst rows ``w`` of ``column``
    on ``table`` that are in a base case, for :func:`_worst_of_bases`."""
    if table.index.is_unique:  # (``_worst``'s positions: a row per group)
        bases = frozenset(b for b in ctx.base_of.values() if b)
        keys = _BRANCH_KEYS if column == "loading_percent" else ["scenario", "bus"]
        # the columns :func:`flow_margins` reads only, held until it takes them
        ctx.cache[(_WORST_KEY, column)] = (table, bases, w[text_isin(w["scenario"], bases)][
            [*keys, column]])


def _worst_of_bases(ctx: CheckContext, column: str, table: pd.DataFrame, bases: set[str]
                    ) -> pd.DataFrame | None:
    """The worst rows of ``column`` (``vm_pu`` of the judged buses, ``loading_percent``) in
    the scenarios ``bases`` (their keys and ``column``), as :func:`check_flow` found them on
    the same ``table`` for the same bases (:func:`_keep_bases`, taken out of ``ctx.cache``;
    None otherwise): a row's being judged is its bus's, and
    the worst row of a (scenario, bus or branch) is found within that scenario, so they are
    the rows :func:`_worst` finds on the bases' rows alone, in the same order (#21: the flow
    tables filtered, judged and grouped again for the base margins)."""
    cached = ctx.cache.pop((_WORST_KEY, column), None)  # read once, then let go
    if cached is None or cached[0] is not table or cached[1] != bases:
        return None
    return cached[2]


def flow_margins(ctx: CheckContext) -> pd.DataFrame:
    """C12's voltage and thermal margins of every judged bus and branch in the base cases
    (the scenarios ``ctx.base_of`` names as bases), passing or not, keyed as their violation
    rows (:data:`protv2g.checks.attribution.BASE_MARGIN_COLUMNS`): what the attribution reads
    when a V2G row's base case passes. Without them a bus that passes without V2G by 0.001 pu
    and fails with it by 0.0045 pu was ``new`` whatever the change, while a bus failing in
    both by the same change was pre-existing under ``checks.voltage_change_min_pu`` (review
    s17 §3.6: the same +0.0056 pu rise judged both ways on one feeder)."""
    cols = ["scenario", "criterion", "fault_bus", "fault_type", "case", "device",
            "other_device", "margin_unit", "rule", "margin"]
    bases = {b for b in ctx.base_of.values() if b}
    bus, branch = ctx.flow.get("bus"), ctx.flow.get("branch")
    th = ctx.thresholds
    parts = []
    if bus is not None and _BUS_COLUMNS <= set(bus.columns):
        w = _worst_of_bases(ctx, "vm_pu", bus, bases)
        if w is None:
            judged, _ = _judged_bus_rows(ctx, bus[bus.scenario.astype(str).isin(bases)
                                                  .to_numpy()])
            w = _worst(judged, ["scenario", "bus"], "vm_pu")
        parts.append(pd.DataFrame({
            "scenario": w.scenario.to_numpy(), "fault_bus": _bus_names(ctx, w.bus),
            "device": "", "margin_unit": MarginUnit.PER_UNIT.value,
            "margin": (th.v_max_pu - w.vm_pu).to_numpy(float)}))
        judged_bases, _ = _judged_bus_rows(ctx, bus[bus.scenario.astype(str).isin(bases)
                                                     .to_numpy()])
        parts.append(under_voltage_margins(ctx, judged_bases, partial(_bus_names, ctx)))
        if "unbalance_percent" in bus.columns:  # passing or not (review rev31 §2)
            w = _worst_of_bases(ctx, "unbalance_percent", bus, bases)
            if w is None:
                judged, _ = _judged_bus_rows(ctx, bus[bus.scenario.astype(str).isin(bases)
                                                      .to_numpy()])
                w = _worst(judged, ["scenario", "bus"], "unbalance_percent")
            parts.append(unbalance_margins(ctx, w, partial(_bus_names, ctx)))
    if _has_loading(branch):
        w = _worst_of_bases(ctx, "loading_percent", branch, bases)
        if w is None:
            branch = branch[branch.scenario.astype(str).isin(bases).to_numpy()]
            w = _worst(branch, _BRANCH_KEYS, "loading_percent")
        parts.append(pd.DataFrame({
            "scenario": w.scenario.to_numpy(), "fault_bus": "",
            "device": _branch_names(ctx, w.element, w.element_index),
            "margin_unit": MarginUnit.PERCENT.value,
            "margin": (th.loading_max_percent - w.loading_percent).to_numpy(float)}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    rule = out["rule"].fillna("") if "rule" in out.columns else ""  # under-voltage's own
    return out.assign(criterion="C12", fault_type="", case="", other_device="", rule=rule)[cols]


def check_flow(ctx: CheckContext) -> pd.DataFrame:
    """C12 violation rows (see the module docstring)."""
    bus, branch = ctx.flow.get("bus"), ctx.flow.get("branch")
    if bus is None and branch is None:
        return could_not("C12", "no power-flow result (bus voltages, branch loading)")
    th = ctx.thresholds
    rows = []
    if _has_loading(branch):
        unsolved, branch = unsolved_flow("C12", branch, "loading_percent",
                                         "voltages and branch loading")
        rows.append(unsolved)
        if bus is not None and len(unsolved) and _BUS_COLUMNS <= set(bus.columns):
            _, bus = unsolved_flow("C12", bus, "vm_pu", "")  # the same steps: said above
    if bus is None or not _BUS_COLUMNS <= set(bus.columns):
        rows.append(could_not("C12", "no bus voltages in the power-flow result"))
    else:
        judged, not_judged = _judged_bus_rows(ctx, bus)
        rows.append(not_judged)
        w = _worst(judged, ["scenario", "bus"], "vm_pu")
        _keep_bases(ctx, "vm_pu", bus, w)
        # judged at the conservative end of where in their band the regulators rest, as the
        # under-voltage rows (review rev49b #1, :mod:`protv2g.checks.flow_tap_path`)
        w, path = bracketed_high(judged, w, ctx.base_of)
        record_band_judged(ctx, bus, w, path)  # the buses judged against the limit (search)
        rows.append(_over_voltage_rows(ctx, bus, w, path))
        rows.append(_at_limit_row(ctx, bus, w))
        # below Range A's minimum (review rev34a M0: charging's under-voltage was not judged)
        rows.append(under_voltage_rows(ctx, judged, partial(_bus_names, ctx)))
        # a row per bus, grouped as the over-voltage rows (their mechanism keeps them apart)
        rows[-1][GROUP_PART] = np.full(len(rows[-1]), VOLTAGE, dtype=np.int8)
        rows.append(unjudged_rows(judged, partial(_bus_names, ctx)))  # none silently
        if "unbalance_percent" in bus.columns:
            # the buses the voltage limit judges (s16: a source bus's unbalance is the
            # study's input, a transmission bus's by its own criteria, as for Range A)
            w = _worst(judged, ["scenario", "bus"], "unbalance_percent")
            _keep_bases(ctx, "unbalance_percent", bus, w)
            rows.append(unbalance_rows(ctx, bus, w, partial(_bus_names, ctx)))
            rows[-1][GROUP_PART] = np.full(len(rows[-1]), UNBALANCE, dtype=np.int8)
    if not _has_loading(branch):
        rows.append(could_not("C12", "no branch loading in the power-flow result"))
        return _marked(concat(rows))
    w = _worst(branch, _BRANCH_KEYS, "loading_percent")
    _keep_bases(ctx, "loading_percent", branch, w)
    bad = w[w.loading_percent > th.loading_max_percent + 1e-9]
    label = _branch_names(ctx, bad.element, bad.element_index)
    # failing branches in series carrying one current: one row per path (review rev30 §5)
    bad, label, said = merge_series(ctx, branch, w, bad, label, partial(_branch_names, ctx))
    rows.append(violation_rows(
        "C12", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(), device=label,
        margin_unit=MarginUnit.PERCENT,
        margin=(th.loading_max_percent - bad.loading_percent).to_numpy(),
        limit=th.loading_max_percent, tolerance=th.loading_change_min_percent,
        message=_loading_messages(ctx, said, bad.loading_percent.tolist(),
                                  bad.scenario.tolist()),
        # the sites' charging at the row's step: a charging peak's loading trends with it
        p_charging_kw=charging_at(ctx, bad), **step_load(ctx, bad)))
    regs = regulators(ctx)
    if regs and "p_from_mw" in branch.columns:
        r = branch[(branch.element == "trafo") & branch.element_index.isin(regs)]
        lo = r.loc[r.groupby(["scenario", "element_index"]).p_from_mw.idxmin()] if len(r) \
            else r
        bad = lo[lo.p_from_mw < -1e-6]
        label = _branch_names(ctx, ["trafo"] * len(bad), bad.element_index)
        rows.append(violation_rows(
            "C12", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(), device=label,
            margin_unit=MarginUnit.MEGAWATT, margin=bad.p_from_mw.to_numpy(), limit=0.0,
            message=[f"reverse power {-p:.2f} MW through regulator {n} "
                     f"{ctx.export_text(s)}: {TAKEN_FORWARD_LOCKED_TEXT}"
                     for p, n, s in zip(bad.p_from_mw, label, bad.scenario, strict=True)]))
    rows.append(controlled_rows(ctx))
    return _marked(concat(rows))


def _marked(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (changed in place) with :data:`~protv2g.checks.row_groups.GROUP_PART` an
    int8 column, -1 on the rows that stand for themselves (:mod:`protv2g.checks.flow_groups`:
    the voltage and unbalance rows are grouped per bus)."""
    if GROUP_PART in rows.columns:
        rows[GROUP_PART] = rows[GROUP_PART].fillna(-1).to_numpy().astype(np.int8)
    return rows
