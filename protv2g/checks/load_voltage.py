"""C8 rows at a device no site's current crosses: the loads' response to the voltage V2G moves
(review rev51 #1).

A V2G site's current flows between the site and the source through the devices on that path:
the devices with the site's bus behind them (:meth:`~protv2g.checks.context.CheckContext.
downstream`, the feeder graph of the fault study). At a device with no site behind it that
exports or charges in the row's step (the flow's site table, or the scenario's site states
where the flow has none: the hosting search's snapshots), V2G changes the load current only
through the voltage it moves at the loads behind the device (and any regulator or capacitor
there). rev51's feeder A: the depot on the three-phase main raises the voltage of a phase-a
lateral whose loads sit below OpenDSS's ``Vminpu`` 0.95 (0.8866 pu), where OpenDSS holds
them at constant impedance, so the 25K fuse feeding them carries 38.93 A without V2G and
39.50 A with 421.9 kW exported; at constant power (``vminpu=0``) 44.71 → 43.96 A — the export
lowers it (opendssdirect). The hosting search read "limited by C8 (f_lat1)" at 417 kW.

**What is chosen, and why.** The export does not overload a fuse or relay it does not feed:
the device's load current is the feeder's loads', and V2G moves it only through the voltage,
which C12 judges (rev51: the lateral's 0.887 pu, below Range A, without V2G). So such a row
is never V2G's current:

* its base case fails the same device (current ≥ the limit without V2G): the row keeps its
  status and is ``pre-existing`` (set here, :func:`protv2g.checks.attribution.attribute`
  keeps a preset attribution): the gate treats it as the feeder's condition
  (``gate.pre_existing``), and the hosting search, which never limits an export on a
  ``pre-existing`` row, does not limit the site by it;
* its base case passes and only the V2G flow's current crosses the limit: a ``warn`` to
  confirm (a gate ``confirm:`` item, :func:`protv2g.checks.load_tap_path.gate_confirms`), not
  a fail — what decides it is the loads' model at a voltage V2G moves (a constant-power load
  draws less as the voltage rises), not a current V2G sends through the device.

Either row's text gives the figures: "f_lat1 load 38.93 → 39.50 A from the loads' voltage
dependence: the loads behind it at 0.8866 → 0.8981 pu (lowest, load.homes at h) are below
their Vminpu 0.95, where OpenDSS holds them at constant impedance; no site's current crosses
f_lat1". The loads below ``Vminpu`` come from the OpenDSS flow
(:mod:`protv2g.flow.load_vmin`); a pandapower flow has none (its loads are constant power).
A row whose scenario's site states are not known (no site table, not a known scenario), or
whose current does not rise above the base's by more than its tolerance (the metering CT's
``loading_change_min_percent``: the attribution's rule already calls it ``pre-existing``; on
the IEEE 8500 62 such rows of lateral fuses would have had the words for nothing), is left to
the ordinary attribution.

References
----------
IEEE Std C37.230-2020 §6.1 (a pickup above the load it carries: the load is the feeder's);
R. C. Dugan, D. Montenegro, OpenDSS Reference Guide, EPRI, 2020 — Load ``Vminpu``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext

__all__ = ["VOLTAGE_ONLY_TEXT", "voltage_only"]

#: The words that mark a C8 row whose change is the loads' voltage response (module
#: docstring; the gate's ``confirm:`` line reads them, :func:`.load_tap_path.gate_confirms`).
VOLTAGE_ONLY_TEXT = "from the loads' voltage dependence"


def _active_sites(ctx: CheckContext, scenario: str, step: object) -> set[str] | None:
    """The sites exporting or charging at ``scenario``'s ``step`` (None: not known)."""
    cache = ctx.cache
    if "site_p" not in cache:
        sites = (getattr(ctx, "flow", None) or {}).get("sites")
        by: dict = {}
        if sites is not None and not sites.empty and {"scenario", "step", "site", "p_kw"} <= set(
                sites.columns):
            p = pd.to_numeric(sites["p_kw"], errors="coerce").abs().to_numpy(float)
            for sc, st, s, x in zip(sites["scenario"].astype(str), sites["step"],
                                    sites["site"].astype(str), p, strict=True):
                on = by.setdefault((sc, int(st)), set())
                if x > 0:
                    on.add(s)
        cache["site_p"] = by
    key = (str(scenario), int(step) if step == step and step != "" else 0)
    if key in cache["site_p"]:
        return cache["site_p"][key]
    sc = (getattr(ctx, "scenarios", None) or {}).get(str(scenario))
    if sc is None:
        return None
    return {st.site for st in sc.sites if st.p_export_kw != 0}


def _vmin_text(ctx: CheckContext, dev: str, scenario: str, base: str, step: object,
               down: set[int]) -> str:
    """The loads behind ``dev`` below their Vminpu at the row's step ("" when none)."""
    low = (getattr(ctx, "flow", None) or {}).get("loads_vmin")
    if low is None or low.empty:
        return ""
    at = low[low["bus"].isin(list(down)).to_numpy()]
    now = at[(at["scenario"].astype(str) == scenario).to_numpy()
             & (at["step"].to_numpy() == step)] if len(at) else at
    if now.empty:
        return ""
    w = now.loc[now["v_pu"].idxmin()]
    was = at[(at["scenario"].astype(str) == base).to_numpy()
             & (at["load"].to_numpy() == w["load"])]
    v0 = f"{was['v_pu'].min():.4g} → " if len(was) else ""
    return (f": the loads behind it at {v0}{w['v_pu']:.4g} pu (lowest, load.{w['load']} at "
            f"{w['bus_name']}) are below their Vminpu {w['vminpu']:g}, where OpenDSS holds "
            "them at constant impedance (their current rises with the voltage)")


def voltage_only(ctx: CheckContext, f: pd.DataFrame, bad: pd.DataFrame, i_a: np.ndarray,
                 lim_a: np.ndarray, col: str = "i_a"
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(attribution, to_warn, suffix)`` of C8's rows ``bad`` (the flow's device rows ``f``,
    ``i_a`` the current judged, ``col`` its column, ``lim_a`` its limit). At a device no site's
    current crosses, in a V2G scenario with a known base case, whose current rises above the
    base's by more than the row's tolerance (``loading_change_min_percent``; a smaller change
    or a fall the attribution's own rule calls ``pre-existing``) (module docstring):
    ``pre-existing`` where the base fails; ``to_warn`` where only the V2G flow fails (the row a
    ``warn``); each with its text. Elsewhere "", False and ""."""
    n = len(bad)
    att = np.full(n, "", dtype=object)
    to_warn = np.zeros(n, dtype=bool)
    suffix = [""] * n
    base_of = getattr(ctx, "base_of", {}) or {}
    buses = getattr(ctx.study, "site_buses", {}) or {}
    if not n or not buses or not base_of:
        return att, to_warn, suffix
    tol = float(ctx.thresholds.loading_change_min_percent) / 100.0  # C8's row tolerance
    cur = pd.to_numeric(f[col], errors="coerce").abs()
    base_i = cur.groupby([f["scenario"].astype(str).to_numpy(),
                          f["device"].astype(str).to_numpy()]).max()
    steps = bad["step"].to_numpy() if "step" in bad else np.zeros(n, dtype=int)
    for j, (sc, dev, st) in enumerate(zip(bad["scenario"].astype(str),
                                          bad["device"].astype(str), steps, strict=True)):
        base = base_of.get(sc) or ""
        if not base or base == sc or (base, dev) not in base_i.index:
            continue
        active = _active_sites(ctx, sc, st)
        if active is None:
            continue
        down = ctx.downstream(dev)
        if any(buses.get(s) in down for s in active):
            continue  # a site's current crosses the device: V2G's own
        i0 = float(base_i[(base, dev)])
        if i_a[j] - i0 <= tol * i_a[j]:
            continue  # no material rise: the attribution's own rule says pre-existing
        fails_base = i0 >= lim_a[j]
        if fails_base:
            att[j] = "pre-existing"
        else:
            to_warn[j] = i_a[j] >= lim_a[j]
        what = "3I0" if col != "i_a" else "load"
        suffix[j] = (f"; {dev} {what} {i0:.2f} → {i_a[j]:.2f} A {VOLTAGE_ONLY_TEXT}"
                     + _vmin_text(ctx, dev, sc, base, st, down)
                     + f"; no site's current crosses {dev} (" + (
                         f"it fails without V2G ({base}): the feeder's load, not V2G's)"
                         if fails_base else
                         f"it passes without V2G ({base}): V2G moves the loads' voltage, not "
                         "their current through the device; confirm the loads' model)"))
    return att, to_warn, suffix
