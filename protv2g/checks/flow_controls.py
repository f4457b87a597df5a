"""C12's reverse flow through the controls an OpenDSS feeder names (split from
:mod:`protv2g.checks.flow`): voltage regulators (:func:`~protv2g.checks.regulator_text.
regulator_row`) and current-, kvar- or power-factor-controlled capacitor banks
(:func:`~protv2g.checks.flow_capacitor.capacitor_verdict`, review rev30 §7); the pandapower
feeders' regulators by their equal winding voltages (:func:`regulators`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, violation_rows
from protv2g.checks.flow_capacitor import capacitor_verdict
from protv2g.checks.regulator_bank import BankFlow, bank_of, bank_text
from protv2g.checks.regulator_text import (
    MODE_TO_CONFIRM,
    REVERSE_SENSE_MIN_FRACTION,
    below_sense_text,
    regulator_row,
)
from protv2g.criteria import MarginUnit
from protv2g.violations import CheckStatus

__all__ = ["controlled_rows", "regulators"]


def regulators(ctx: CheckContext) -> list[int]:
    """Transformer indices that are voltage regulators (equal winding voltages); none on an
    OpenDSS feeder, whose flow device table names its regulators (:func:`controlled_rows`)."""
    if ctx.study.net is None:
        return []
    t = ctx.study.net.trafo
    if t.empty:
        return []
    same = np.isclose(t.vn_hv_kv.to_numpy(float), t.vn_lv_kv.to_numpy(float), rtol=0.02)
    return [int(i) for i in t.index[same]]



#: Capacitor-control types whose sensing is affected by reverse power, and how (OpenDSS
#: CapControl ``Type``/``ONsetting`` help: current = line amps / CT ratio, a magnitude; kvar
#: "is directional"; PF of the total power at the monitored terminal).
_REVERSE_SENSITIVE = {
    "current": "switches the bank on the current's magnitude and cannot tell export from "
               "load: reverse flow can switch it in or out as if it were load",
    "kvar": "reads the reactive power with its sign (directional): check its ON/OFF settings "
            "for the export",
    "pf": "reads the power factor of the total power, which follows the sign of the flow: "
          "check its ON/OFF settings for the export",
}


def _reverse_power(r: object, phases: str) -> tuple[float, str]:
    """The reverse power (MW, > 0 when reverse) of a flow device row and where it is: the
    terminal's total on a ``reverse_basis`` ``terminal`` row (a winding between phases, a delta
    winding, a 3-wire ungrounded line: review rev33c W4, IEEE 37's ``reg1a`` "phase b, 82 kW"
    at +795 kW through its a-b winding), else the larger of the total's and the most reverse
    phase's (a line-to-neutral unit of a wye bank,
    :func:`~protv2g.flow.opendss_ground.reverse_basis`)."""
    if getattr(r, "reverse_basis", "phase") == "terminal":
        what = (f"winding {phases[0]}-{phases[1]}" if len(phases) == 2
                else f"terminal {phases}, its total")
        return -float(r.p_mw), what  # type: ignore[attr-defined]
    p_ph = min(r.pa_mw, r.pb_mw, r.pc_mw)  # type: ignore[attr-defined]
    return -min(float(r.p_mw), float(p_ph)), f"phase {phases}"  # type: ignore[attr-defined]


def reverse_words(r: object, phases: str) -> str:
    """The reverse power of a flow device row in words that say what each figure is (review
    rev45a M5: IEEE 123's reg1a "phase ab, up to 0.081 MW" gave the three phases' net as if it
    were one phase's): on a ``phase`` row each reversed phase's power, the largest on one
    phase and the net over its phases, kW; on a ``terminal`` row the winding's or terminal's
    total (:func:`_reverse_power`)."""
    p_rev, where = _reverse_power(r, phases)
    if getattr(r, "reverse_basis", "phase") == "terminal":
        return f"{where}: {1e3 * p_rev:,.1f} kW reversed"
    per = [(ph, -1e3 * float(p)) for ph, p in zip("abc", (
        r.pa_mw, r.pb_mw, r.pc_mw), strict=True)  # type: ignore[attr-defined]
        if np.isfinite(p) and p < 0]
    net_kw = -1e3 * float(r.p_mw)  # type: ignore[attr-defined]
    if not per:
        return f"net over its phases {net_kw:,.1f} kW reversed"
    each = " and ".join(f"phase {ph} {kw:,.1f} kW" for ph, kw in per)
    top = max(kw for _, kw in per)
    net = (f"{net_kw:,.1f} kW reversed net over its phases" if net_kw > 0
           else f"{-net_kw:,.1f} kW forward net over its phases")
    most = "" if len(per) == 1 else f"; the most on one phase {top:,.1f} kW"
    return f"reversed on {each}{most}; {net}"


def reverse_current_a(r: object, buses: pd.DataFrame, bus: str | None = None) -> float:
    """The reversed active current (A, > 0 when reverse) of the unit a regulator row's control
    measures: on a ``phase`` row the most reverse phase's ``−P/V`` line to neutral (each unit
    of a wye bank has its own CT); on a ``terminal`` row the total's ``−P/V`` between the two
    phases of a winding, or ``−P/(√3·V_LL)`` on a three-phase terminal. ``V`` is the row's
    ``vm_pu`` (its bus's largest phase) × the base kV in ``buses`` (the model's bus table) of
    ``bus`` — the regulated winding's bus, where the control's CT is (a substation LTC's row
    is watched on its source side: its HV current understated the LV CT's by the turns
    ratio, review ver35: a 69/12.47 kV LTC's 200 kW reversal read 0.56 % of its CT, OpenDSS
    3.0 %) — or the row's own ``bus_name``; NaN where the bus is not in it or has no
    voltage base."""
    name = str(bus if bus is not None else getattr(r, "bus_name", ""))
    if name not in buses.index:
        return float("nan")
    kv_ln, kv_ll = float(buses.at[name, "kv_ln"]), float(buses.at[name, "kv_ll"])
    if not (kv_ln > 0 and kv_ll > 0):   # no voltage base in the model
        return float("nan")
    vm = float(r.vm_pu) if np.isfinite(r.vm_pu) else 1.0  # type: ignore[attr-defined]
    phases = getattr(r, "reverse_phases", "") or "abc"
    if getattr(r, "reverse_basis", "phase") == "terminal":
        p_kw = -1e3 * float(r.p_mw)  # type: ignore[attr-defined]
        return p_kw / (vm * kv_ll) if len(phases) == 2 else p_kw / (np.sqrt(3.0) * vm * kv_ll)
    p_ph = min(r.pa_mw, r.pb_mw, r.pc_mw)  # type: ignore[attr-defined]
    return -1e3 * float(p_ph) / (vm * kv_ln)


def _ct_primary_a(ctx: CheckContext, element: str) -> tuple[float, str | None]:
    """The CT primary (A) of the RegControl on transformer ``element`` and the bus of the
    winding it regulates (where its CT is); ``(NaN, None)`` if none is known."""
    model = ctx.study.model
    c = getattr(model, "controls", None)
    if c is None or "ct_primary_a" not in c.columns:
        return float("nan"), None
    hit = c[(c.kind == "regcontrol") & (c.target == str(element).lower())]
    if not len(hit):
        return float("nan"), None
    e = model.elements
    buses = e.buses[e.name.str.lower() == str(element).lower()]
    w = int(hit.terminal.iat[0])
    bus = (str(buses.iat[0][w - 1]).lower() if len(buses) and 0 < w <= len(buses.iat[0])
           else None)
    return float(hit.ct_primary_a.iat[0]), bus


def controlled_rows(ctx: CheckContext) -> pd.DataFrame:
    """Reverse flow at the regulators and capacitor controls an OpenDSS feeder names in its
    flow device table (``kind`` regulator/capacitor with ``control_mode``): a regulator by
    :func:`~protv2g.checks.regulator_text.regulator_row`; a current-,
    kvar- or power-factor-controlled capacitor bank ``warn`` where V2G moves what it senses
    across its ON or OFF setting, else ``info`` with the figures
    (:func:`~protv2g.checks.flow_capacitor.capacitor_verdict`); a regulator whose reversed
    active current at its regulated winding (:func:`reverse_current_a`) is under
    :data:`~protv2g.checks.regulator_text.REVERSE_SENSE_MIN_FRACTION` of its CT primary
    ``info`` (no reversal its control sees)."""
    dev = ctx.flow.get("device")
    if dev is None or not {"control_mode", "reverse_flow", "kind"} <= set(dev.columns):
        return concat([])
    sel = dev[dev.kind.isin(["regulator", "capacitor"]) & dev.reverse_flow.astype(bool)]
    if sel.empty:
        return concat([])
    worst = sel.loc[sel.groupby(["scenario", "device"]).p_mw.idxmin()]
    out = []
    for r in worst.itertuples(index=False):
        phases = getattr(r, "reverse_phases", "") or "abc"
        ct_a = i_rev_a = float("nan")  # a capacitor's row has neither (its bank's CT, current)
        if r.kind == "regulator":
            status, text = regulator_row(str(r.control_mode))
            ct_a, ct_bus = ((float("nan"), None) if ctx.study.model is None else
                            _ct_primary_a(ctx, getattr(r, "element_name", "")))
            i_rev_a = (reverse_current_a(r, ctx.study.model.buses, ct_bus)
                       if ctx.study.model is not None else float("nan"))
            if i_rev_a < REVERSE_SENSE_MIN_FRACTION * ct_a:  # False on NaN: judged as before
                status, text = CheckStatus.INFO, below_sense_text(i_rev_a, ct_a)
        elif r.control_mode in _REVERSE_SENSITIVE:
            # what it senses with and without V2G against its settings (review rev30 §7)
            status, text = capacitor_verdict(
                ctx.study.model, dev, ctx.base_of, r.scenario, r.device,
                getattr(r, "step", 0), f"its {r.control_mode}-controlled CapControl "
                f"{_REVERSE_SENSITIVE[r.control_mode]}")
        else:
            continue
        p_rev, _ = _reverse_power(r, phases)
        confirm = r.kind == "regulator" and status is CheckStatus.WARN
        bank = (bank_of(ctx, dev, r) if r.kind == "regulator"
                else BankFlow((), float("nan")))
        sense_kw = (1e3 * p_rev * REVERSE_SENSE_MIN_FRACTION * ct_a / i_rev_a
                    if r.kind == "regulator" and i_rev_a > 0 else float("nan"))
        # a regulator's row: its unit's reversed active current (A) and the control's sense
        # threshold (A, as C8 gives its limit current), and the other units of its bank
        # (review rev40b M1: the hosting text says them)
        out.append(violation_rows(
            "C12", status, scenario=r.scenario, device=r.device,
            other_device=", ".join(bank.units[1:]),
            i_device_a=i_rev_a, i_other_a=REVERSE_SENSE_MIN_FRACTION * ct_a,
            mechanism=MODE_TO_CONFIRM if confirm else "",
            margin_unit=MarginUnit.MEGAWATT, margin=-p_rev, limit=0.0,
            message=f"reverse power ({reverse_words(r, phases)}) through {r.device} "
                    f"{ctx.export_text(r.scenario)}: {text}"
                    f"{bank_text(str(r.device), bank, sense_kw)}"))
    return concat(out)
