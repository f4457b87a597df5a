"""C5's note on a fault behind line voltage regulators: the fault study holds them at tap 1.0.

The fault study takes transformers at their rated ratio, line regulators included (IEC
60909-0 §6.3.1; ``docs/opendss-phase-path.md``, "Line voltage regulators in the min case").
Behind a regulator that boosts at the fault's load level that is the optimistic end for a
minimum fault current: seen from the fault, the impedance upstream of a regulator at ratio
``a`` grows by ``a²``. Review rev32b §3c, IEEE 34 (Mod1), head relay for an LL-bc fault at
848 (min case): 179.6 A with the regulators at 1.0, 165.5 A at the peak-load taps the flow
solves (reg1 1.025–1.0875, reg2 1.0813), the base reach margin +0.133 → +0.005 × pickup. A C5
row whose fault is behind regulators says so, with the taps the study's flows solve for them
in the row's scenario and at peak load without V2G (the Flow sheet's ``tap_pu``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks.flow_taps import downstream_sets, regulator_settings
from protv2g.units import LoadLevel

__all__ = ["regulator_notes"]


def _tap_ranges(ctx: CheckContext) -> pd.DataFrame:
    """``tap_pu`` of the flows' regulator rows (``REG:<name>``) with ``transformer`` (lower
    case) and ``scenario``; empty without them (a pandapower feeder, an older flow table)."""
    dev = getattr(ctx, "flow", {}).get("device")
    if dev is None or not {"kind", "device", "tap_pu", "scenario"} <= set(dev.columns):
        return pd.DataFrame(columns=["scenario", "transformer", "tap_pu"])
    regs = dev[(dev.kind == "regulator") & dev.tap_pu.notna()]
    return pd.DataFrame({"scenario": regs.scenario.astype(str).to_numpy(),
                         "transformer": [str(d).split(":", 1)[-1].lower()
                                         for d in regs.device.tolist()],
                         "tap_pu": regs.tap_pu.to_numpy(float)})


def _span(taps: pd.DataFrame, scenarios: set[str], names: tuple[str, ...]) -> str:
    """``"0.975–1.0125"`` (or one value) of ``names``' taps over ``scenarios``; "" if none."""
    sel = taps[taps.scenario.isin(scenarios) & taps.transformer.isin(names)].tap_pu
    if sel.empty:
        return ""
    lo, hi = float(sel.min()), float(sel.max())
    return f"{lo:.6g}" if abs(hi - lo) < 1e-9 else f"{lo:.6g}–{hi:.6g}"


def _note(names: tuple[str, ...], here: str, peak: str) -> str:
    plural = "s" if len(names) > 1 else ""
    solved = [f"to {here} in this case" if here else "",
              f"to {peak} at peak load without V2G" if peak else ""]
    solved_text = " and ".join(x for x in solved if x)
    return (f"; the fault study holds regulator{plural} {', '.join(names)} between the source "
            f"and the fault at tap 1.0 (IEC 60909-0 §6.3.1)"
            + (f"; the flows solve them {solved_text}" if solved_text else "")
            + ": where they boost, the fault draws less (a regulator at ratio a adds a² to "
            "the impedance upstream of it, seen from the fault), so a row near its limit is "
            "to be confirmed with the solved taps (docs/opendss-phase-path.md)")


def regulator_notes(ctx: CheckContext, scenarios: Sequence[str], bus_names: Sequence[str]
                    ) -> np.ndarray:
    """``(n_scenarios, n_buses)`` object array: the note C5 appends to a row of that scenario
    whose fault is at that bus (by name) when line regulators are between the source and it
    (their regulated side holds it: :func:`~protv2g.checks.flow_taps.downstream_sets`), with
    the taps the flows solve for them in the row's scenario and at peak load without V2G;
    ``""`` elsewhere — everywhere on a pandapower feeder or a model without RegControls
    acting in its flows. One ``str`` per scenario and set of regulators, shared by its buses.
    """
    out = np.full((len(scenarios), len(bus_names)), "", dtype=object)
    study = getattr(ctx, "study", None)
    model = getattr(study, "model", None)
    if model is None or not len(bus_names) or not len(scenarios):
        return out
    settings = regulator_settings(model)
    down = downstream_sets(model) if not settings.empty else {}
    if not down:
        return out
    xf = dict(zip(settings.name.tolist(), settings.transformer.tolist(), strict=True))
    at = model.buses.index.get_indexer([str(b).lower() for b in bus_names])
    sets: dict[tuple[str, ...], list[int]] = {}
    for k, b in enumerate(at.tolist()):
        names = tuple(sorted({str(xf[n]).lower() for n, part in down.items()
                              if b >= 0 and b in part and n in xf}))
        if names:
            sets.setdefault(names, []).append(k)
    if not sets:
        return out
    taps = _tap_ranges(ctx)
    known = getattr(ctx, "scenarios", {}) or {}
    peak = {n for n, sc in known.items() if sc.is_base and sc.load_level == LoadLevel.PEAK}
    for names, cols in sets.items():
        at_peak = _span(taps, peak, names)
        for i, sc in enumerate(scenarios):
            out[i, cols] = _note(names, _span(taps, {str(sc)}, names), at_peak)
    return out
