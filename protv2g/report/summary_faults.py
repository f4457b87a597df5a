"""The Summary's fault model: its assumptions (section 8) and the fault levels at the device
locations with and without V2G (section 9), from the result's study document and the derived
fault-level table (:func:`protv2g.report.fault_levels.fault_levels`). Text only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.checks.load import CHARGING_PEAK, clock_text
from protv2g.engine.phase.system import MACHINE_REACTANCE
from protv2g.report.sheets import staged_time_note
from protv2g.report.summary_memo import Memo
from protv2g.report.voltage_basis import source_text
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.significant import number_text
from protv2g.study.schema import V2GSite
from protv2g.units import Method

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["assumptions", "interval_text", "charging_assumption", "existing_sources_assumption",
           "fault_level_grid", "fault_level_rows", "machine_reactance_text", "num_text"]


def num_text(value: Any) -> str:
    """A float as the report writes numbers in prose (1/3: 0.3333, U+2212 minus:
    :func:`protv2g.significant.number_text`), else as is."""
    return number_text(value) if isinstance(value, float) else str(value)


def assumptions(w: Memo, result: StudyResult) -> None:
    doc = result.inputs.get("document") or {}
    faults = doc.get("faults") or {}
    method = str(result.meta.get('method', faults.get('method', '')))
    w.pair("Fault method", f"{method}: {result.meta.get('engine', '')}")
    hot = result.meta.get("line_end_temperature")
    if method == "classical":  # #20 item 6: the actual pre-fault state, no correction factors
        w.pair("Pre-fault state", f"{faults.get('prefault', 'open_circuit')} (taps, winding "
               "ratios, loads as admittances); no c, K_T or K_G"
               + (f"; min case conductors at {hot}" if hot else ""))
    else:
        w.pair("c-factors", "IEC 60909-0 Table 1 (as pandapower applies them): c_max 1.10 / "
               "c_min 1.00 above 1 kV; LV 1.05 (1.10 with 10 % tolerance) / 0.95 (0.90); max "
               "case conductors at 20 °C, min case at end temperature"
               + (f" ({hot}; IEC 60909-0 eq. 34: θe for the lines' resistance of the "
                  "minimum current, not a cable's short-circuit limit, which no check judges)"
                  if hot else ""))
    w.pair("Fault resistance", "max case {} Ω + j{} Ω; min-case ground faults {} Ω".format(
        *(num_text(faults.get(k, 0)) for k in ("r_fault_ohm", "x_fault_ohm", "r_fault_min_ohm"))))
    w.pair("Fault types, cases", f"{', '.join(map(str, faults.get('fault_types') or []))}; "
           f"{', '.join(map(str, faults.get('cases') or []))}")
    held = faults.get("high_bracket") == "first_cycle_held"
    for raw in doc.get("v2g_sites") or []:
        site = V2GSite.model_validate(raw)  # its limits' defaults from the schema itself
        w.pair(f"  charger site {site.name}",
               f"{site.n_chargers} × {site.p_charger_kw:g} kW ({site.p_max_kw:,.0f} kW) at "
               f"{site.bus}, {site.phases}-phase"
               + (f" ({site.phase} line to line)" if site.line_to_line
                  else f" (phase {site.phase})" if site.phase and site.phases == 1 else "")
               + f", {site.control.value}, angle "
               f"{site.angle_rule.value}; first-cycle limit {site.limit_pu:g} pu of rating"
               + (" (high bracket: held for the whole fault)" if held else
                  f", then sustained {site.sustained_limit:g} pu (low bracket) / "
                  f"{site.sustained_limit_high:g} pu (high bracket)")
               + f"; ride-through category {site.ride_through_category.value}, cease to "
               f"energise {site.cease_to_energize_s:g} s; fault source = chargers "
               "online (kVA), not the export setpoint")
    if text := source_text(getattr(result, "flow", None)):  # review rev41c M8
        w.pair("Source and taps (flows)", f"{text}: every bus voltage of the flows, C12's "
               "voltage findings included, rests on this set-point")
    if text := existing_sources_assumption((getattr(result, "tables", None) or {}).get(
            "Existing sources"), method):
        w.pair("Existing sources", text)
    if text := charging_assumption(getattr(result, "violations", None),
                                   getattr(getattr(result, "flow", None), "sites", None)):
        w.pair("Charging (C8)", text)
    w.pair("Switching state", switching_text(result.meta.get("open_lines"),
                                             result.meta.get("dead_end_lines")))
    w.pair("Times and currents", "Coordination, Pair coordination, Evidence: "
           + staged_time_note(getattr(result, "tables", None) or {}))


def switching_text(open_lines: list[str] | None,
                   dead_ends: list[str] | None = None) -> str:
    """The Summary's "Switching state": the feeder as its model is switched, the open lines
    whose alternate feeds are not studied, and the lines ending at a bus nothing else
    connects to — what the model shows (an open point written as a stub, or equipment the
    master does not load: :mod:`protv2g.study.switching`)."""
    def names(x: list[str]) -> str:
        return ", ".join(x[:6]) + (f" and {len(x) - 6} more" if len(x) > 6 else "")

    # what the model shows, not an intent (review rev40a M7: EPRI J1's Line.Site4_PV, the
    # closed switch to PV site 4, which Master_noPV does not load, read as "a normally-open
    # point written as a closed switch to a dummy bus")
    stubs = (f"; {len(dead_ends)} closed switch(es) end at a bus nothing else connects to "
             f"in this model ({names(dead_ends)}): nothing is fed through them as modelled — "
             "an open point written as a stub, or equipment this master does not load (e.g. "
             "a DER connection); confirm which"
             if dead_ends else "")
    if open_lines is None:  # a result from before the key existed
        return "the feeder as its model is switched; alternate feeds are not studied"
    if not open_lines:
        return ("the feeder as its model is switched (no line or switch open or out of "
                f"service{stubs}); alternate feeds are not studied")
    return (f"the feeder as its model is switched: {len(open_lines)} line(s) or switch(es) "
            f"open or out of service ({names(open_lines)}), each kept open in every fault run "
            f"and flow{stubs}. Alternate feeds through them (a tie closed for switching, a "
            "section fed from a neighbour) are not studied: study each configuration as its "
            "own model (a redirect that closes the tie and opens the normal open point)")


def charging_assumption(violations: pd.DataFrame | None,
                        sites: pd.DataFrame | None = None) -> str:
    """What C8's charging cases assume (review s15, s16): the charging snapshots at peak load
    (from the flow's site table ``sites``, pass or fail) and the worst charging-peak row with
    its hour and charging; "" when C8 judged no charging at all."""
    parts = []
    snap = _snapshot_text(sites)
    if snap:
        parts.append(snap)
    need = {"criterion", "mechanism", "margin", "device", "scenario"}
    rows = (violations[(violations["criterion"] == "C8")
                       & (violations["mechanism"] == CHARGING_PEAK)]
            if violations is not None and not violations.empty
            and need <= set(violations.columns) else None)
    if rows is None or rows.empty:
        return "; ".join(parts)
    worst = rows.loc[pd.to_numeric(rows["margin"], errors="coerce").idxmin()]
    hour = pd.to_numeric(pd.Series([worst.get("time_h")]), errors="coerce").iloc[0]
    at = f" at {clock_text(hour)}" if pd.notna(hour) else ""
    kw = pd.to_numeric(pd.Series([worst.get("p_charging_kw")]), errors="coerce").iloc[0]
    what = f", {kw:,.0f} kW of charging behind it" if pd.notna(kw) else ""
    if not str(worst["scenario"]).startswith(CHARGING_SNAPSHOT_PREFIX):
        parts.append(
            "the charging peaks C8 judges come from the sites' 96-step day: every "
            "participating vehicle (participation × n_chargers) charges at its charger's "
            "rating from the end of the export window until full, with the feeder load of "
            "that hour")
    parts.append(f"the worst: {worst['device']}{at} (scenario {worst['scenario']}){what} "
                 "(each site's part in the finding's text)")
    return "; ".join(parts)


def _snapshot_text(sites: pd.DataFrame | None) -> str:
    """The charging snapshots' assumption, with each site's charging in the largest one."""
    if sites is None or sites.empty or not {"scenario", "site", "p_kw"} <= set(sites.columns):
        return ""
    snap = sites[sites["scenario"].astype(str).str.startswith(CHARGING_SNAPSHOT_PREFIX)]
    if snap.empty:
        return ""
    kw = -pd.to_numeric(snap["p_kw"], errors="coerce")
    top = snap.loc[kw.groupby(snap["scenario"]).transform("sum").idxmax(), "scenario"]
    each = ", ".join(f"{r.site} {-r.p_kw:,.0f} kW" for r in snap[snap["scenario"] == top]
                     .itertuples() if r.p_kw < 0)
    names = ", ".join(dict.fromkeys(snap["scenario"].astype(str)))
    return (f"C8 charging snapshots ({names}): peak load (the net's loads, as the flow's peak "
            "level), every participating vehicle (participation × n_chargers) charging at its "
            "charger's rating (capped by the site transformer), existing DER (PV, generators, "
            f"storage) off — the worst case for load current; {top}: {each}")


#: Section 9's columns in kA and in % (:func:`fault_level_rows`), and the figures a signed
#: memo gives of them: kA to the ampere, a change to 0.01 % (review rev43c F4: the cells held
#: 10.00902616 kA and 3.386113623e-05 %, the raw floats, under a display format).
_KA_AT, _PCT_AT = (3, 4, 6, 7, 9, 10), (5, 8, 11)
KA_DECIMALS, PERCENT_DECIMALS = 3, 2
KA_FORMAT, PERCENT_FORMAT = "0.000", "0.00"


def memo_figures(row: list[Any]) -> list[Any]:
    """A :func:`fault_level_rows` row with its figures rounded as the memo shows them (kA to
    :data:`KA_DECIMALS`, % to :data:`PERCENT_DECIMALS` decimals; −0.0 as 0.0, a missing figure
    as it is): the cell holds the figure the memo signs, not only a display format over it.

    >>> memo_figures(["R-F1", "SUB", "3ph", 10.00902616, 10.07990173, 0.7081165354,
    ...               10.00902616, 10.68962351, 6.799835864, 8.5299288, 8.584218759,
    ...               -3.386113623e-05])[3:]
    [10.009, 10.08, 0.71, 10.009, 10.69, 6.8, 8.53, 8.584, 0.0]
    """
    out = list(row)
    for k in (*_KA_AT, *_PCT_AT):
        v = out[k]
        if isinstance(v, int | float) and math.isfinite(v):
            out[k] = round(float(v), KA_DECIMALS if k in _KA_AT else PERCENT_DECIMALS) + 0.0
    return out


def fault_level_grid(w: Memo, levels: pd.DataFrame) -> None:
    if levels is None or levels.empty:
        w.note("not computed: no fault currents or device buses in the result")
        return
    w.grid(["device", "bus", "fault", "max base kA", "max V2G kA", "change %",
            "max base kA (IEC sum)", "max V2G kA (IEC sum)", "change % (IEC sum)",
            "min base kA", "min V2G kA", "change %"],
           [memo_figures(r) for r in fault_level_rows(levels)],
           fmt={k: KA_FORMAT if k in _KA_AT else PERCENT_FORMAT for k in (*_KA_AT, *_PCT_AT)})
    w.note("bus totals: the fault current at each device's bus from every source, not the "
           "current through the device (where a site feeds the fault from the device's far "
           "side, the device sees less of V2G's part: its own current, C7's 'through …' "
           "texts, is on the Device duty sheet); per device, of the faults on its own phases "
           "(Settings' phases), its phase fault (3ph, or the largest line-to-line fault) and "
           "its largest ground fault (a 1-phase device: its phase's only); max: the largest "
           "bus fault current over the V2G scenarios (the chargers' control-law phasor "
           "solution, and its change %); IEC sum: their contribution added by magnitude, "
           "the duty basis, ≥ the phasor (docs/charger-fault-model.md §8), its change % "
           "against the base case's IEC sum (existing DER by magnitude too); min: the "
           "smallest (min case, with fault resistance); every fault type on the device's "
           "phases on the Fault levels sheet, every bus's on the Fault currents sheet")


def fault_level_rows(levels: pd.DataFrame) -> list[list[Any]]:
    """Section 9's rows: per device (table order) its phase fault — ``3ph``, else the
    line-to-line fault (``LL``, ``LL-bc``) with the largest base maximum — and its ground
    fault — ``SLG``, else the ``SLG-x`` with the largest base maximum — of the fault types
    ``levels`` gives it, those on its own phases
    (:func:`~protv2g.report.fault_levels.fault_levels`; review ver39b M-c: IEEE 13's FU-611,
    a phase-c fuse, read "SLG-a 2.235 kA", its bus's largest ground fault). Review rev39b M8:
    only ``3ph`` and ``SLG`` were kept, so a fuse on a 1- or 2-phase bus had no row, and a
    3-phase OpenDSS bus (``SLG-a/b/c``) no ground row."""
    kinds = levels["fault_type"].astype(str)
    ground = kinds.str.match(r"SLG(-|$)")
    phase = kinds.str.match(r"(3ph|LL)(-|$)") & ~kinds.str.startswith("LLG")
    base = pd.to_numeric(levels["i_max_base_ka"], errors="coerce").fillna(-np.inf)
    keep: list[int] = []
    device = levels["device"].astype(str)
    for _, at in device.groupby(device, sort=False).indices.items():  # positions, in order
        for pick, exact in ((phase.to_numpy(), "3ph"), (ground.to_numpy(), "SLG")):
            rows = [int(i) for i in at if pick[i]]
            if not rows:
                continue
            named = [i for i in rows if kinds.iat[i] == exact]
            keep.append(named[0] if named else max(rows, key=lambda i: base.iat[i]))
    sel = levels.iloc[keep]

    def col(name: str) -> np.ndarray:  # a column of an older table: NaN
        return (pd.to_numeric(sel[name], errors="coerce").to_numpy(dtype=float)
                if name in sel.columns else np.full(len(sel), np.nan))

    # the IEC-sum change against the base case's IEC sum, like with like (review s21, EPRI
    # J1: against the base phasor it read +6.8 % where the same basis gives +3.0 %)
    return [[r.device, r.bus, r.fault_type, r.i_max_base_ka, r.i_max_v2g_ka,
             r.change_max_percent, ib_iec, i_iec, c_iec, r.i_min_base_ka, r.i_min_v2g_ka,
             r.change_min_percent]
            for r, ib_iec, i_iec, c_iec in zip(
                sel.itertuples(index=False), col("i_max_base_iec_sum_ka"),
                col("i_max_v2g_iec_sum_ka"), col("change_max_iec_sum_percent"), strict=True)]


#: How both engines carry the feeder's own inverter-based sources in each case (review s16
#: §3 items 2 and 5; session 17: the max case's duty basis adds them by magnitude; session
#: 19: the chargers' model, and the OpenDSS path's grid-alone solve — one rule on both).
EXISTING_DER_CASES = (
    "max case: on in every scenario, base case included, by the chargers' model (first-cycle "
    "limit, then the sustained brackets and Category II trips). Duty and fault level (C7, "
    "Device duty, ikss_iec_sum_ka) add its current by magnitude to the grid alone, then each "
    "V2G site's by magnitude (IEC 60909-0:2016 full-size converters as current sources; "
    "pandapower calc_sc: I''k = I''kI + I''kII), so they are never below the grid alone. "
    "Coordination and time checks use the control-law solution, where it adds to the grid's "
    "current as a phasor (unity power factor at its terminal): a device upstream of it can "
    "see slightly less than with it off. Min case: left out (0 A), as calc_sc leaves "
    "current sources out of minimum currents")

def existing_sources_assumption(table: pd.DataFrame | None, method: str = "") -> str:
    """Section 8's line on the feeder's existing sources (the "Existing sources" sheet): each
    inverter-based one with its rating and model, then :data:`EXISTING_DER_CASES`; machines
    by name with the reactance the run's ``method`` puts them behind
    (:func:`machine_reactance_text`); "" without any."""
    if table is None or table.empty:
        return ""
    name = table.get("name", pd.Series([""] * len(table), index=table.index)).astype(str)
    model = table.get("model", table.get("fault_model", pd.Series([""] * len(table),
                                                                   index=table.index)))
    kva = table.get("s_rated_kva", table.get("kva"))
    off = model.astype(str).str.startswith("disconnected")  # review rev34c M2
    machine = model.astype(str).str.contains("voltage source|synchronous machine") & ~off
    parts = []
    for i in table.index[~machine & ~off]:
        rating = f"{float(kva[i]):,.0f} kVA " if kva is not None and pd.notna(kva[i]) else ""
        parts.append(f"{name[i]} ({rating}at {table.at[i, 'bus']}): {model[i]}")
    text = "; ".join(parts)
    if parts:
        text += " — " + EXISTING_DER_CASES  # both paths (session 19)
    if machine.any():
        text += ("; " if text else "") + "; ".join(
            f"{name[i]}: {machine_reactance_text(table.loc[i], method)}"
            for i in table.index[machine]) + ", every scenario, both cases"
    if off.any():
        text += ("; " if text else "") + ", ".join(name[off]) + (
            ": disconnected in the model (an element between it and the feeder is open or "
            "disabled): feeds no fault and no flow")
    return text


def machine_reactance_text(row: pd.Series, method: str) -> str:
    """What a machine or voltage source of the Existing sources sheet is behind in a run of
    ``method`` (review rev39b M1: "subtransient" was said of a classical run, which puts a
    generator behind X′d, OpenDSS's fault-study reactance: 1654 A at b1 of the shared case
    synchronous-generator-source, 1885 A behind X″d): a Generator behind the reactance
    :data:`protv2g.engine.phase.system.MACHINE_REACTANCE` gives its method, with its value;
    a Vsource behind its own impedance as the model gives it. Under IEC 60909 a generator's
    impedance carries its correction factor (the sheet's ``iec_correction``: ``K_G``, ``K_S``
    or ``K_SO`` with the pf it used, :mod:`protv2g.engine.phase.iec_machines`; session 42,
    review rev41b M1: none was applied, the Summary said only "§6.6.1").

    >>> row = pd.Series({"kind": "generator", "xdp_pu": 0.3, "xdpp_pu": 0.2})
    >>> machine_reactance_text(row, "classical")[:59]
    "voltage source behind its transient reactance X'd = 0.3 pu "
    """
    xdp, xdpp = (pd.to_numeric(pd.Series([row.get(k)]), errors="coerce").iloc[0]
                 for k in ("xdp_pu", "xdpp_pu"))
    if str(row.get("kind")) != "generator" or not (pd.notna(xdp) and pd.notna(xdpp)):
        return ("voltage source behind its impedance as the model gives it (IEC 60909-0: "
                "the subtransient one for a machine)")
    try:
        which = MACHINE_REACTANCE[Method(method)]
    except ValueError:  # no method recorded: both values, no choice claimed
        return (f"voltage source behind X'd = {xdp:g} pu (classical method) or X''d = "
                f"{xdpp:g} pu (IEC 60909)")
    if which == "transient":
        return (f"voltage source behind its transient reactance X'd = {xdp:g} pu (the "
                f"classical method, as OpenDSS's fault study; X''d = {xdpp:g} pu not used: "
                "the first-cycle current behind it is higher)")
    corr = row.get("iec_correction")
    corr = corr if isinstance(corr, str) and corr else (
        "no correction factor (K_G/K_SO not known for it: the rated voltage or pf is not in "
        "the model)")
    return (f"voltage source behind its subtransient reactance X''d = {xdpp:g} pu "
            f"(IEC 60909-0 §6.6.1; X'd = {xdp:g} pu not used), impedance × {corr}")


def interval_text(rules: pd.DataFrame | None) -> str:
    """The study-wide coordination intervals (CTI) by pair type, as the Rules sheet gives them
    (review s25 §8: the Summary named no CTI, and relay–fuse / relay–recloser use 0.12 s, not
    domain.md's relay–relay 0.2 s: the downstream time is a clearing time, so no breaker time,
    IEEE Std 242-2001 §15); empty without a Rules table.

    >>> interval_text(pd.DataFrame({"rule": ["coordination_interval"], "device": [""],
    ...     "value": [0.2], "basis": ["relay-relay: safety 0.12 s + breaker 0.08 s"]}))[:48]
    'relay-relay: safety 0.12 s + breaker 0.08 s = 0.'
    """
    if rules is None or not {"rule", "device", "value", "basis"} <= set(rules.columns):
        return ""
    cti = rules[(rules["rule"].astype(str) == "coordination_interval")
                & (rules["device"].astype(str) == "")]
    if cti.empty:
        return ""
    parts = [f"{b} = {num_text(float(v))} s" for b, v in zip(cti["basis"], cti["value"],
                                                             strict=True)]
    return ("; ".join(parts) + " (a fuse's or recloser's time is a clearing time: no breaker "
            "time, IEEE Std 242-2001 §15; per device: the Rules sheet)")
