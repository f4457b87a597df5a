"""C9 directional behaviour: would a directional relay trip the wrong way, or fail to trip?

One evaluation (:func:`directional_table`, i.e. :func:`protv2g.directional.evaluate_directional`
with the checks' context) feeds both C9 and the Directional sheet. For every relay whose
overcurrent elements are directionally controlled (``directional: forward`` or a
``directional`` mapping), every fault and every scenario, C9 fails when:

* **wrong trip** — the fault is behind the relay (true direction from the feeder graph), the
  element that releases one of its overcurrent elements declares forward, and that element
  operates before the fault is cleared by the device that should clear it: ``t_op < t_clear +
  sympathetic_margin_s``. ``t_clear`` is that device's clearing time from the context
  (recloser: its longest shot; :func:`protv2g.checks.sympathetic.clearing_devices`); ``inf``
  when devices sit on the substation's path to the fault but none operates; the relay's
  ``unmodelled_clearing_time_s`` (default 0.5 s) when no modelled device does (bus and
  sub-transmission faults); a clearing fuse's time is the high end of its EEI-NEMA TC band
  (maximum melt + arcing), and a wrong trip the relay would not make at the band's low end
  (minimum melt, no arcing) is flagged ``<fuse> tc: curve_band``
  (:func:`protv2g.checks.tolerance.with_curve_band`), as C1–C3 and C6 do;
* **fails to trip** — the fault is ahead of the relay in its primary or backup zone, its
  overcurrent element picks up, yet no directional element releases any of them. Behind a
  step transformer without a device the relay is a backup, as C5 ranks it: such a row is a
  ``warn`` (backup zone) or an ``info`` (beyond it) (:mod:`.directional_zone`).

Both brackets of the chargers' contribution (:mod:`protv2g.checks.brackets`): the decision is
made on the first-cycle phasors (numerical relays seal it in while the overcurrent element is
picked up); the relay's operate time and the clearing time are taken in each bracket — first-
cycle current held (high with ``faults.high_bracket: first_cycle_held``), or through each
bracket's stages with each overcurrent element integrating its own current
(:func:`protv2g.devices.staged.staged_phase_element_times`). Each row of the
directional table keeps the worse bracket (a decision that matters before one that does not,
then the smaller timing margin) and says which in ``bracket``.

Power-flow part: a V2G scenario in which power through a directional relay reverses while it
flows forward in the base case, judged against the relay's 51P pickup and, where the study
gives one, its 32 element (:mod:`.directional_flow`: ``warn`` where one picks up, else
``info``).

Each row names its mechanism (``mechanism``: :data:`WRONG_TRIP`, :data:`FAILS_TO_TRIP`,
:data:`~.directional_flow.REVERSE_POWER`), so each is a finding of its own with its own
status, attribution, margin and unit (review rev40a M1: 2,724 pre-existing *fails to trip*
rows and one new reverse-power row made one finding); a wrong trip's margin is in s.

References
----------
IEEE Std C37.230-2020 §7.3 (directional overcurrent on lines with DER); IEEE Std C37.113-2015
§5.4; SEL-351 instruction manual §4 (directional control, ORDER logic).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    DIRECTIONAL_SETTINGS,
    CheckContext,
    concat,
    could_not,
    from_substation,
    in_bracket,
    not_applicable,
    unevaluable,
    violation_rows,
)
from protv2g.checks.directional_flow import reverse_power_rows
from protv2g.checks.directional_release import ANGLE_COLUMNS, relay_memory_pu
from protv2g.checks.directional_zone import step_zone_grades
from protv2g.checks.pairs import tc_band_text
from protv2g.checks.sympathetic import _clearing_band_low_s as clearing_band_low_s
from protv2g.checks.sympathetic import clearing_devices
from protv2g.checks.tolerance import with_curve_band
from protv2g.criteria import MarginUnit
from protv2g.devices.models import OvercurrentRelay
from protv2g.devices.staged import staged_phase_element_times
from protv2g.directional import (
    Verdict,
    is_forward_directional,
    settings_from_study,
)
from protv2g.directional.evaluate import evaluate_directional
from protv2g.engine.staged_tables import StagedCurrents
from protv2g.units import Direction

__all__ = ["FAILS_TO_TRIP", "WRONG_TRIP", "check_directional", "clearing_table",
           "directional_fault_rows", "directional_flow_rows", "directional_table",
           "polarising_words"]

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]
#: ``mechanism`` of C9's fault rows: a wrong trip, a failure to trip (each its own finding).
WRONG_TRIP = "wrong trip"
FAILS_TO_TRIP = "fails to trip"
_ANGLE_COLS = ANGLE_COLUMNS


def clearing_table(ctx: CheckContext) -> pd.DataFrame:
    """The device that should clear every fault of the context, and when.

    Returns
    -------
    pandas.DataFrame
        ``scenario, fault_bus, fault_type, case, clearing_device, t_clear_s``: ``t_clear_s``
        from :func:`~protv2g.checks.sympathetic.clearing_devices`, ``inf`` where devices sit on
        the substation's path to the fault but none operates, ``nan`` where none sits there.
    """
    keys = ctx.faults[_KEYS].drop_duplicates()
    clr = clearing_devices(ctx)[[*_KEYS, "clearing_device", "t_clear_s"]]
    m = keys.merge(clr, how="left", on=_KEYS)
    ch = ctx.chains
    on_path = ch[from_substation(ch)
                 & (ch.direction == Direction.FORWARD.value)].fault_bus.astype(int).unique()
    t = m.t_clear_s.to_numpy(float)
    m["t_clear_s"] = np.where(np.isnan(t) & m.fault_bus.astype(int).isin(on_path), np.inf, t)
    m["clearing_device"] = m.clearing_device.fillna("")
    return m


#: Columns holding each overcurrent element's staged operate time (low bracket).
_ELEMENT_TIME = {"a": "t_elem_a_s", "b": "t_elem_b_s", "c": "t_elem_c_s", "G": "t_elem_g_s"}
_ROW_KEY = ["scenario", "device", "fault_bus", "fault_type", "case", "element", "phase"]
#: Timing margins closer than this (s) count as equal (``bracket = "both"``).
_TOL_S = 1e-6


def _staged_element_times(ctx: CheckContext, faults: pd.DataFrame,
                          relays: dict[str, OvercurrentRelay], st: StagedCurrents | None
                          ) -> pd.DataFrame:
    """``faults`` (rows of ``ctx.faults``) plus each overcurrent element's operate time
    through the stages ``st`` (:data:`_ELEMENT_TIME` columns); unchanged without them."""
    if st is None or st.n_stages < 2:
        return faults
    out = faults.copy()
    pos = ctx.faults.index.get_indexer(faults.index)
    cols = {c: np.full(len(out), np.nan) for c in _ELEMENT_TIME.values()}
    names = out["device"].to_numpy()
    for name, relay in relays.items():
        sel = np.flatnonzero(names == name)
        if not len(sel):
            continue
        rows = pos[sel]
        t0, t1 = st.times_s(rows)
        times = staged_phase_element_times(relay, st.phases_a(rows),
                                           st.ground_a(rows), t0, t1)
        for oc, col in _ELEMENT_TIME.items():
            cols[col][sel] = times[oc]
    for col, v in cols.items():
        out[col] = v
    return out


def _margin(t: pd.DataFrame, margin_s: float) -> np.ndarray:
    """Timing margin of a wrong trip (s; ``inf`` where the row is not a wrong trip)."""
    with np.errstate(invalid="ignore"):  # inf − inf (neither operates): NaN, not a wrong trip
        m = (t.t_operate_s.to_numpy(float) - t.t_clear_s.to_numpy(float) - margin_s)
    return np.where((t.verdict == Verdict.WRONG_TRIP.value).to_numpy() & ~np.isnan(m), m,
                    np.inf)


def merge_directional(high: pd.DataFrame, low: pd.DataFrame, margin_s: float) -> pd.DataFrame:
    """Per (scenario, device, fault, element, phase) the worse of the two brackets' rows:
    a verdict that matters (C9) before one that does not, then the smaller wrong-trip margin;
    ``bracket`` = ``low``/``high``, or ``both`` when both give the same verdict and margin."""
    if low is None or low.empty:
        return high.assign(bracket="both")
    h = high.assign(_b="high", _mt=~high.matters.astype(bool), _m=_margin(high, margin_s))
    lo = low.assign(_b="low", _mt=~low.matters.astype(bool), _m=_margin(low, margin_s))
    both = pd.concat([h, lo], ignore_index=True)
    both = both.sort_values([*_ROW_KEY, "_mt", "_m", "_b"], kind="stable")
    grp = both.groupby(_ROW_KEY, dropna=False, sort=False)
    first = grp.head(1).copy()
    n = grp["_b"].transform("size").loc[first.index].to_numpy()
    n_verdict = grp["verdict"].transform("nunique").loc[first.index].to_numpy()
    m_max = grp["_m"].transform("max").loc[first.index].to_numpy()
    m_min = first["_m"].to_numpy()
    with np.errstate(invalid="ignore"):
        same = (n == 2) & (n_verdict == 1) & ((m_max == m_min) | (np.abs(m_max - m_min)
                                                                   <= _TOL_S))
    first["bracket"] = np.where(same, "both", first["_b"].to_numpy())
    return first.sort_index(kind="stable").drop(columns=["_b", "_mt", "_m"]).reset_index(
        drop=True)


def directional_table(ctx: CheckContext) -> pd.DataFrame:
    """The directional table of a study (the Directional sheet's source and C9's).

    :func:`protv2g.directional.evaluate_directional` with the relays' overcurrent models, the
    clearing times of :func:`clearing_table`, the device zones, the engine's pre-fault memory
    voltage and ``checks.sympathetic_margin_s``, in both brackets of the chargers'
    contribution, the worse row kept with its ``bracket`` (module docstring). Computed once
    per context (``ctx.cache["directional"]``). Empty when no relay is directional or there
    is no fault table with phasors.
    """
    if "directional" in ctx.cache:
        return ctx.cache["directional"]
    study = ctx.study
    feeder = study.feeder
    # the forward-directional relays' settings only (the others are never evaluated; #21:
    # every relay's defaults, feeder graph included, took 0.55 s on the IEEE 8500)
    names = [d.name for d in study.document.devices
             if getattr(d.kind, "value", d.kind) != "fuse" and is_forward_directional(d)]
    # built once with the device table's release columns (:func:`~protv2g.checks.
    # _common.build_context`), else here
    settings = (ctx.cache.get(DIRECTIONAL_SETTINGS)
                or (settings_from_study(study, devices=names) if names else {}))
    if not names or ctx.faults is None or not set(_ANGLE_COLS) <= set(ctx.faults.columns):
        out = evaluate_directional(ctx.faults.iloc[:0] if ctx.faults is not None else
                                   pd.DataFrame(columns=["device"]), feeder,
                                   study.device_sites, {}).assign(bracket=pd.Series(dtype=object))
        ctx.cache["directional"] = out
        return out
    relays = {n: d for n, d in ctx.devices.items() if isinstance(d, OvercurrentRelay)}
    # the engine's pre-fault state (a hand-built context without it: computed; an OpenDSS
    # study's comes only from its engine: FaultTables.v1_pre_pu)
    memory = relay_memory_pu(study, names, ctx.v1_pre_pu)
    margin_s = ctx.thresholds.sympathetic_margin_s
    tables = {}
    for which in ("high", "low"):
        if which == "low" and (ctx.staged is None or ctx.staged.n_stages < 2):
            tables["low"] = None
            continue
        c = in_bracket(ctx, which)
        faults = c.faults[c.faults.device.isin(names)]
        cols = None
        st = ctx.staged if which == "low" else ctx.staged_high
        if st is not None and st.n_stages > 1:
            faults = _staged_element_times(c, faults, relays, st)
            cols = _ELEMENT_TIME
        tables[which] = evaluate_directional(
            faults, feeder, study.device_sites, settings, relays=relays,
            clearing=clearing_table(c), zones=c.zones, v1_memory_pu=memory,
            margin_s=margin_s, element_time_columns=cols)
    out = merge_directional(tables["high"], tables["low"], margin_s)
    ctx.cache["directional"] = out
    return out


#: The charger stage of the current C9's fault rows quote (review rev50a #7d: C5's row of
#: the same fault gives the sustained stage's 3I0, 136.98 A, C9's the first cycle's, 150.42 A,
#: and neither said which): the directional decision and its operating current are the first
#: cycle's (module docstring); the operate time runs through the stages.
FIRST_CYCLE_WORDS = ("first cycle of the chargers' contribution, on which the directional "
                     "decision is made; C5 judges a time-delayed element on the sustained stage")


def polarising_words(element: str) -> str:
    """The polarising quantity of a directional ``element`` in words: ``"|3V0|"`` for a 67N,
    ``"|Vpol|"`` otherwise (as C9's row says it)."""
    return "|3V0|" if str(element) == "67N" else "|Vpol|"


def _blinded(table: pd.DataFrame) -> np.ndarray:
    """``(n,)`` the rows of a directional ``table`` whose element declares no direction for
    want of polarising voltage (below its minimum, no memory): the rows whose message says
    ``"(|3V0| … pu below its minimum … pu)"``."""
    return ((table.declared_direction.astype(str).to_numpy() == Direction.NONE.value)
            & table.low_polarising.astype(bool).to_numpy()
            & ~table.memory_used.astype(bool).to_numpy())


def _name(r: Any) -> str:
    return f"{r.element}-{r.phase}" if r.phase else str(r.element)


def _message(ctx: CheckContext, r: Any, zone: str = "in its zone") -> str:
    fault = ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)
    export = ctx.export_text(r.scenario)
    head = (f"{r.device} {_name(r)} declares {r.declared_direction} for {fault} that is "
            f"{r.true_direction} of it {export}")
    if r.verdict == Verdict.WRONG_TRIP.value:
        by = (f"{r.clearing_device} clears it in {r.t_clear_s:.3g} s" if r.clearing_device
              else ("no modelled device clears it" if math.isinf(r.t_clear_s)
                    else f"no modelled device clears it (assumed cleared in "
                         f"{r.t_clear_s:.3g} s: directional.unmodelled_clearing_time_s)"))
        return (f"{head}: its {r.controls} trips in {r.t_operate_s:.3g} s on "
                f"{r.oc_current_a:.0f} A ({FIRST_CYCLE_WORDS}; pickup {r.oc_pickup_a:.0f} A)"
                f"; {by}")
    why = ""
    if r.declared_direction == Direction.NONE.value:
        why = (f" ({polarising_words(r.element)} {r.v_polarising_pu:.3g} pu below its minimum "
               f"{r.min_pol_pu:.3g} pu)" if r.low_polarising and not r.memory_used else
               " (its supervision does not pick up)")
    return (f"{head}{why}, {zone}: the relay never trips although its {r.controls} picks "
            f"up on {r.oc_current_a:.0f} A ({FIRST_CYCLE_WORDS}; without directional "
            "control it would trip in "
            f"{r.relay_t_nondirectional_s:.3g} s)")


def c9_rows(ctx: CheckContext, table: pd.DataFrame) -> pd.DataFrame:
    """C9 violation rows: one per row of ``table`` whose decision matters (``fail``; a
    *fails to trip* behind a step transformer without a device ``warn`` or ``info``:
    :func:`~protv2g.checks.directional_zone.step_zone_grades`)."""
    bad = table[table["matters"].astype(bool)]
    if bad.empty:
        return concat([])
    status, zone = step_zone_grades(ctx, bad)
    wrong = (bad.verdict == Verdict.WRONG_TRIP.value).to_numpy()
    t_op = bad.t_operate_s.to_numpy(float)
    t_clear = bad.t_clear_s.to_numpy(float)
    margin_s = ctx.thresholds.sympathetic_margin_s
    margin = np.where(wrong, t_op - t_clear - margin_s, np.nan)
    # a clearing fuse's time is the high end of its TC band; a wrong trip that the relay
    # would not make at the band's low end rests on the fuse curve band (as C1–C3, C6)
    low = np.where(wrong, _clearing_band_low_s(ctx, bad), np.nan)
    boundary = with_curve_band("", bad.clearing_device.fillna("").to_numpy(), margin,
                               t_op - low - margin_s)
    blind = _blinded(bad)  # the polarising figures the message says, as data
    band = [tc_band_text(SimpleNamespace(primary=d, t_primary_s=tc, t_primary_band_low_s=lo,
                                         margin_s=mg))
            for d, tc, lo, mg in zip(bad.clearing_device.fillna(""), t_clear, low, margin,
                                     strict=True)]
    return violation_rows(
        "C9", status, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=bad.fault_bus_name.astype(str).to_numpy(),
        fault_type=bad.fault_type.astype(str).to_numpy(), case=bad.case.astype(str).to_numpy(),
        device=bad.device.to_numpy(), other_device=bad.clearing_device.fillna("").to_numpy(),
        i_device_a=bad.oc_current_a.to_numpy(float), i_other_a=bad.oc_pickup_a.to_numpy(float),
        t_device_s=t_op, t_other_s=t_clear,
        margin=margin, limit=np.where(wrong, margin_s, np.nan), data_boundary=boundary,
        margin_unit=np.where(wrong, MarginUnit.SECOND.value, MarginUnit.PER_UNIT.value),
        mechanism=np.where(wrong, WRONG_TRIP, FAILS_TO_TRIP).astype(object),
        bracket=(bad["bracket"].fillna("").to_numpy() if "bracket" in bad.columns else ""),
        directional_element=[_name(r) for r in bad[["element", "phase"]].itertuples(
            index=False)], oc_element=bad.controls.astype(str).to_numpy(),
        v_polarising_pu=np.where(blind, bad.v_polarising_pu.to_numpy(float), np.nan),
        v_polarising_min_pu=np.where(blind, bad.min_pol_pu.to_numpy(float), np.nan),
        message=[_message(ctx, r, z) + b for r, z, b in zip(bad.itertuples(index=False), zone,
                                                            band, strict=True)])


def _clearing_band_low_s(ctx: CheckContext, rows: pd.DataFrame) -> np.ndarray:
    """The low end of the clearing fuse's total-clearing band (s) on each directional-table
    row, in the row's bracket (``high`` for ``both``: equal there), from the fuse's staged
    minimum melt at that fault; NaN where a relay or recloser clears, or none
    (:func:`protv2g.checks.sympathetic._clearing_band_low_s`)."""
    out = np.full(len(rows), np.nan)
    which = (rows["bracket"].fillna("").astype(str).to_numpy() if "bracket" in rows.columns
             else np.full(len(rows), ""))
    named = rows.clearing_device.fillna("").astype(str).to_numpy() != ""
    for b in ("low", "high"):
        at = np.flatnonzero(named & ((which == b) | ((b == "high") & (which != "low"))))
        if len(at):
            c = in_bracket(ctx, b) if ctx.faults is not None else ctx
            out[at] = clearing_band_low_s(c, rows.iloc[at])
    return out


def check_directional(ctx: CheckContext) -> pd.DataFrame:
    """C9 violation rows (see the module docstring): :func:`directional_fault_rows`, then
    :func:`directional_flow_rows`."""
    return concat([directional_fault_rows(ctx), directional_flow_rows(ctx)])


def _c9_relays(ctx: CheckContext) -> tuple[list[Any], bool]:
    """The forward-directional relays and whether the fault table has the phasors C9
    reads."""
    relays = [d for d in ctx.study.document.devices if is_forward_directional(d)]
    return relays, ctx.faults is not None and set(_ANGLE_COLS) <= set(ctx.faults.columns)


def directional_fault_rows(ctx: CheckContext) -> pd.DataFrame:
    """C9's rows from the fault table: the directional decisions that matter, and the
    relays that could not be judged; a ``not_applicable`` row where no relay is
    forward-directional."""
    relays, phasors = _c9_relays(ctx)
    if not relays:  # as C1 says it (review rev40a M6: J1 and IEEE 8500 read "passed")
        return not_applicable("C9", "no directional element (no relay set forward-"
                              "directional) in this study")
    if not phasors:
        return could_not("C9", "no fault result with device current and voltage phasors")
    # the relays that failed to build or have no fault rows — one rule with C1–C8 (a device on
    # a site's own transformer that no scenario builds has none by design: ver33)
    return concat([unevaluable(ctx, "C9", [d.name for d in relays]),
                   c9_rows(ctx, directional_table(ctx))])


def directional_flow_rows(ctx: CheckContext) -> pd.DataFrame:
    """C9's rows from the power flow: V2G export reversing power through a
    forward-directional relay (none where C9 cannot read the fault table's phasors)."""
    relays, phasors = _c9_relays(ctx)
    if not relays or not phasors:
        return concat([])
    return reverse_power_rows(ctx, [d.name for d in relays])
