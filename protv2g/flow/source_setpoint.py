"""The source voltage and the transformer taps a pandapower flow holds fixed.

Every bus voltage of a flow — C12's under- and over-voltage, the voltage rise — is measured
from the source's set-point: the external grid's ``vm_pu`` at its bus, and each transformer's
tap position, held where the model puts it unless a controller (an on-load tap changer, a
line regulator: ``net.controller``) moves it (pandapower, ``runpp(run_control=True)``). A
voltage finding rests on those inputs as much as on the loads (review rev41c M8: the depot's
C12 under-voltage, a gate failure, rests on SUB-69kV held at 1.0 pu and T-SUB at tap 0 with
no LTC: a source set 0.025 pu higher, or the tap two 1.25 % steps the other way, raises every
bus of the feeder by about as much).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["source_setpoint"]

#: Transformers named in the text; the others counted.
_NAMED = 3


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def source_setpoint(net: Any) -> dict[str, Any]:
    """``{"sources": [(bus name, vm_pu)], "taps": [(transformer, tap_pos, tap_neutral,
    tap_step_percent)], "controllers": n, "text": …}`` of a pandapower net: the in-service
    external grids, the in-service two-winding transformers with a tap changer
    (``tap_step_percent`` > 0; the first three named in ``text``), and how many
    controllers the flow runs. ``text``: one line for a reader, e.g. ``"SUB-69kV held at
    1.000 pu; T-SUB at tap 0 (neutral 0, 1.25 %/step), fixed: no tap changer or regulator
    controller in the model"``."""
    sources = []
    ext = getattr(net, "ext_grid", None)
    if ext is not None and len(ext):
        names = net.bus["name"] if "name" in net.bus.columns else net.bus.index.astype(str)
        for r in ext[ext["in_service"].astype(bool)].itertuples():
            name = names.get(r.bus, str(r.bus)) if hasattr(names, "get") else str(r.bus)
            sources.append((str(name if isinstance(name, str) and name else r.bus),
                            _num(r.vm_pu)))
    taps = []
    trafo = getattr(net, "trafo", None)
    if trafo is not None and len(trafo) and "tap_pos" in trafo.columns:
        for idx, r in trafo[trafo["in_service"].astype(bool)].iterrows():
            pos, step = _num(r.get("tap_pos")), _num(r.get("tap_step_percent"))
            if np.isfinite(pos) and np.isfinite(step) and step > 0:  # a tap changer
                name = r.get("name")
                taps.append((str(name) if isinstance(name, str) and name else f"trafo {idx}",
                             pos, _num(r.get("tap_neutral")), _num(r.get("tap_step_percent"))))
    controllers = int(len(net.controller)) if "controller" in net else 0
    parts = [f"{b} held at {v:.3f} pu" for b, v in sources]
    parts += [f"{t} at tap {p:g}" + (f" (neutral {n:g}, {s:g} %/step)" if np.isfinite(n)
                                     else "")
              for t, p, n, s in taps[:_NAMED]]
    if len(taps) > _NAMED:
        parts.append(f"{len(taps) - _NAMED} more transformer(s) at their model taps")
    fixed = ("fixed: no tap changer or regulator controller in the model" if not controllers
             else f"{controllers} controller(s) in the model move taps (run_control)")
    text = "; ".join(parts) + (f", {fixed}" if parts else "")
    return {"sources": sources, "taps": taps, "controllers": controllers, "text": text}
