"""A capacitor bank open after the snapshot power flow because its CapControl switched it off.

Review rev48a item 5 (EPRI ckt5): four banks (capacitor.mdv201_hn_2_116_abc28285-1 and three
more, 1,950 kvar together) were reported as "terminal 1 (28285) open in the model → kept
open". The model writes them closed: after ``compile`` OpenDSS gives ``Capacitors.States() =
[1]`` and ``CktElement.IsOpen(1, 0) = False``; their CapControls (current mode, ON 300 / OFF
200 at CT ratio 60) switch them off in the first snapshot solve, after which ``States() =
[0]`` and terminal 1 is open (opendssdirect, checked in session 48). protv2g reads the
elements' state after that solve (:mod:`.dss_model`), so the fault runs keep the banks as the
solve left them (off), while each flow compiles the model again and lets the CapControl act
(C12 judges the control under reverse flow). :func:`cap_switched_warning` says so instead of
"open in the model".
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["cap_switched_warning"]


def _controls_of(model: Any, name: str) -> pd.DataFrame:
    """The enabled CapControls whose target is capacitor ``name`` (lower case)."""
    c = getattr(model, "controls", None)
    if c is None or not len(c):
        return pd.DataFrame()
    sel = ((c.kind.astype(str) == "capcontrol") & (c.target.astype(str) == name)
           & c.enabled.astype(bool))
    return c[sel]


def _settings(dss: Any, control: str) -> str:
    """``"ON 300 / OFF 200, CT ratio 60"`` of a CapControl (``""`` without an engine)."""
    try:
        dss.CapControls.Name(control.split(".", 1)[1])
        return (f"ON {float(dss.CapControls.ONSetting()):g} / OFF "
                f"{float(dss.CapControls.OFFSetting()):g}, CT ratio "
                f"{float(dss.CapControls.CTRatio()):g}")
    except Exception:  # noqa: BLE001 - a model rebuilt from tables has no engine
        return ""


def cap_switched_warning(model: Any, name: str, where: str) -> tuple[str, str] | None:
    """``(what, action)`` of the Feeder warning for capacitor ``name`` open at ``where``
    (``"terminal 1 (28285)"``) when an enabled CapControl switches it and the snapshot power
    flow ran with the model's controls (``model.controls_on``); None otherwise (the caller's
    "open in the model")."""
    if not name.startswith("capacitor.") or not bool(getattr(model, "controls_on", False)):
        return None
    ctl = _controls_of(model, name)
    if not len(ctl):
        return None
    r = ctl.iloc[0]
    settings = _settings(getattr(model, "engine", None), str(r["name"]))
    how = f"{r['mode']} mode" + (f", {settings}" if settings else "")
    what = (f"{where} open after the snapshot power flow: switched off there by "
            f"{r['name']} ({how}) — its control's state, whatever the model writes")
    action = ("kept off in every fault run, as that flow leaves it; each flow runs its "
              "CapControl as the model does (C12 judges the control)")
    return what, action
