"""C9 directional behaviour: 67/67N declare the true direction; reverse power by V2G export.

For every relay with ``directional: forward`` and every fault where its operating quantity is
above pickup and its polarising voltage above :data:`MIN_POLARISING_PU`:

* phase faults (and ground faults without a ground element): the faulted phase with the
  largest current, quadrature (90°) polarisation ``Ia–Vbc``, ``Ib–Vca``, ``Ic–Vab``; forward when
  ``cos(∠I − ∠Vpol − θ) > 0`` with ``θ`` the relay's ``characteristic_angle_degree``;
* ground faults with a ground element: ``3I0`` against ``−3V0``, forward when
  ``cos(∠3I0 − ∠(−V0) − θ0) > 0`` with ``θ0`` = :data:`GROUND_MTA_DEGREE` (current lagging).

The true direction is forward when the substation's path to the fault crosses the device
forward. A mismatch is a ``fail``. Power-flow part (when the flow colleague's device table is
given): a V2G scenario in which power through a directional relay reverses while it flows
forward in the base case is a ``warn`` (a 32 element or a 67 set on load picks up on export).

References
----------
IEEE Std C37.230-2020 §7.3 (directional overcurrent on lines with DER); Blackburn & Domin,
*Protective Relaying*, 4th ed., §3.6 (90° connection, −3V0 polarisation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    ground_pickup_a,
    phase_pickup_a,
    violation_rows,
)
from protv2g.topology import SUBSTATION
from protv2g.units import Direction, Severity

__all__ = ["check_directional", "declared_direction", "MIN_POLARISING_PU", "GROUND_MTA_DEGREE"]

#: Minimum polarising voltage (pu of phase-to-neutral) below which a 67 does not decide.
MIN_POLARISING_PU = 0.02
#: Characteristic angle of a −3V0-polarised 67N (3I0 lags −3V0 by ~60° for a forward fault).
GROUND_MTA_DEGREE = -60.0
_ANGLE_COLS = ("ia_degree", "ib_degree", "ic_degree", "va_pu", "va_degree", "vb_pu",
               "vb_degree", "vc_pu", "vc_degree", "i3i0_degree", "v0_pu", "v0_degree")


def _ph(mag: np.ndarray, deg: np.ndarray) -> np.ndarray:
    return np.asarray(mag, float) * np.exp(1j * np.radians(np.asarray(deg, float)))


def declared_direction(rows: pd.DataFrame, mta_degree: float, use_ground: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Direction a 67/67N declares for each row of the engine's device table.

    Parameters
    ----------
    rows : DataFrame
        Engine device rows (currents kA, voltages pu, angles degree).
    mta_degree : float
        Phase-element characteristic angle (degree, current leading the quadrature voltage).
    use_ground : ndarray of bool
        Rows to decide with the ground element (−3V0 polarised).

    Returns
    -------
    direction : ndarray of str
        ``forward``/``reverse``.
    v_pol_pu : ndarray
        Magnitude of the polarising voltage (pu).
    """
    i = np.stack([_ph(rows[f"i{p}_ka"], rows[f"i{p}_degree"]) for p in "abc"], axis=1)
    v = np.stack([_ph(rows[f"v{p}_pu"], rows[f"v{p}_degree"]) for p in "abc"], axis=1)
    k = np.abs(i).argmax(axis=1)
    n = np.arange(len(rows))
    i_op = i[n, k]
    v_pol = v[n, (k + 1) % 3] - v[n, (k + 2) % 3]
    torque = np.cos(np.angle(i_op) - np.angle(v_pol) - np.radians(mta_degree))
    i0 = _ph(rows["i3i0_ka"], rows["i3i0_degree"])
    v0 = -_ph(rows["v0_pu"], rows["v0_degree"])
    t0 = np.cos(np.angle(i0) - np.angle(v0) - np.radians(GROUND_MTA_DEGREE))
    torque = np.where(use_ground, t0, torque)
    vmag = np.where(use_ground, np.abs(v0), np.abs(v_pol))
    return np.where(torque > 0, Direction.FORWARD.value, Direction.REVERSE.value), vmag


def check_directional(ctx: CheckContext) -> pd.DataFrame:
    """C9 violation rows (see the module docstring)."""
    relays = [d for d in ctx.study.document.devices
              if getattr(d, "directional", "none") == "forward"]
    if not relays:
        return concat([])
    if ctx.faults is None or not set(_ANGLE_COLS) <= set(ctx.faults.columns):
        return could_not("C9", "no fault result with device current and voltage phasors")
    rows = []
    ch = ctx.chains
    fwd = ch[ch.source.astype(str).str.startswith(SUBSTATION)
             & (ch.direction == Direction.FORWARD.value)][["fault_bus", "device"]]
    fwd = fwd.assign(_true=Direction.FORWARD.value)
    for d in relays:
        if d.name not in ctx.devices:
            rows.append(could_not("C9", f"device {d.name} could not be built "
                                  f"({ctx.build_errors.get(d.name, '?')})", device=d.name))
            continue
        f = ctx.faults[ctx.faults.device == d.name]
        if f.empty:
            rows.append(could_not("C9", f"no engine result for device {d.name}", device=d.name))
            continue
        f = f.merge(fwd[fwd.device == d.name], how="left", on=["fault_bus", "device"])
        true = f._true.fillna(Direction.REVERSE.value).to_numpy()
        dev = ctx.devices[d.name]
        gp = ground_pickup_a(dev)
        ground = f.fault_type.isin(("SLG", "LLG")).to_numpy() & (gp is not None)
        declared, vpol = declared_direction(f, d.characteristic_angle_degree, ground)
        i_op = np.where(ground, f.i_ground_a, f.i_phase_a)
        pickup = np.where(ground, gp if gp is not None else np.nan, phase_pickup_a(dev))
        judged = (i_op >= pickup) & (vpol >= MIN_POLARISING_PU)
        bad = judged & (declared != true)
        b = f[bad]
        if b.empty:
            continue
        msgs = [f"{d.name} ({'67N' if g else '67'}) declares {dc} for "
                f"{ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)} that is {tr} of it "
                f"{ctx.export_text(r.scenario)} ({io:.0f} A, polarising {vp:.3f} pu)"
                for r, g, dc, tr, io, vp in zip(b.itertuples(index=False), ground[bad],
                                                declared[bad], true[bad], i_op[bad],
                                                vpol[bad], strict=True)]
        rows.append(violation_rows(
            "C9", Severity.FAIL, frame=b, scenario=b.scenario.to_numpy(),
            fault_bus=b.fault_bus_name.to_numpy(), fault_type=b.fault_type.to_numpy(),
            case=b.case.to_numpy(), device=d.name, i_device_a=i_op[bad],
            i_other_a=pickup[bad], t_device_s=b.t_op_s.to_numpy(), margin=vpol[bad],
            limit=MIN_POLARISING_PU, message=msgs))
    rows.append(_reverse_power(ctx, [d.name for d in relays]))
    return concat(rows)


def _reverse_power(ctx: CheckContext, names: list[str]) -> pd.DataFrame:
    flow = ctx.flow.get("device")
    if flow is None or not {"scenario", "device", "p_mw"} <= set(flow.columns):
        return concat([])
    f = flow[flow.device.isin(names)]
    if f.empty:
        return concat([])
    lo = f.groupby(["scenario", "device"]).p_mw.min().reset_index()
    lo["base"] = lo.scenario.map(ctx.base_of)
    base = lo[lo.scenario == lo.base][["device", "base", "p_mw"]].rename(
        columns={"p_mw": "p_base_mw"})
    j = lo[(lo.scenario != lo.base)].merge(base, on=["device", "base"], how="left")
    bad = j[(j.p_mw < 0) & ~(j.p_base_mw < 0)]
    msgs = [f"V2G export reverses power through {r.device} (P = {r.p_mw:.2f} MW) "
            f"{ctx.export_text(r.scenario)}: a 32 reverse-power element or a 67 set on load "
            "current picks up" for r in bad.itertuples(index=False)]
    return violation_rows("C9", Severity.WARN, frame=bad, scenario=bad.scenario.to_numpy(),
                          device=bad.device.to_numpy(), margin=bad.p_mw.to_numpy(), limit=0.0,
                          message=msgs)
