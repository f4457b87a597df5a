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
from protv2g.checks.regulator_text import MODE_TO_CONFIRM, regulator_row
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


def controlled_rows(ctx: CheckContext) -> pd.DataFrame:
    """Reverse flow at the regulators and capacitor controls an OpenDSS feeder names in its
    flow device table (``kind`` regulator/capacitor with ``control_mode``): a regulator by
    :func:`~protv2g.checks.regulator_text.regulator_row`; a current-,
    kvar- or power-factor-controlled capacitor bank ``warn`` where V2G moves what it senses
    across its ON or OFF setting, else ``info`` with the figures
    (:func:`~protv2g.checks.flow_capacitor.capacitor_verdict`)."""
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
        if r.kind == "regulator":
            status, text = regulator_row(str(r.control_mode))
        elif r.control_mode in _REVERSE_SENSITIVE:
            # what it senses with and without V2G against its settings (review rev30 §7)
            status, text = capacitor_verdict(
                ctx.study.model, dev, ctx.base_of, r.scenario, r.device,
                getattr(r, "step", 0), f"its {r.control_mode}-controlled CapControl "
                f"{_REVERSE_SENSITIVE[r.control_mode]}")
        else:
            continue
        p_rev, where = _reverse_power(r, phases)
        confirm = r.kind == "regulator" and status is CheckStatus.WARN
        out.append(violation_rows(
            "C12", status, scenario=r.scenario, device=r.device,
            mechanism=MODE_TO_CONFIRM if confirm else "",
            margin_unit=MarginUnit.MEGAWATT, margin=-p_rev, limit=0.0,
            message=f"reverse power ({where}, up to {p_rev:.3f} MW) through {r.device} "
                    f"{ctx.export_text(r.scenario)}: {text}"))
    return concat(out)
