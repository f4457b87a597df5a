"""The buses C12's voltage limit judges (split from :mod:`protv2g.checks.flow`): not a source
bus (its voltage is the study's input) nor one above :data:`RANGE_A_MAX_KV` (ANSI C84.1-2020
Table 1 gives Range A service voltages up to 34.5 kV nominal), nor a bus the OpenDSS model
marks de-energised (no source reaches it: its 0 pu is no service voltage; one ``info`` row
counts them, rev41b W3 — a pandapower flow gives such a bus no voltage)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, violation_rows
from protv2g.checks.flow_limit import limit_tolerance_pu, source_move_pu
from protv2g.checks.flow_low import V_MIN_PU, lowest_voltage_pu
from protv2g.criteria import MarginUnit
from protv2g.violations import CheckStatus

__all__ = ["RANGE_A_MAX_KV", "bus_kv_and_sources", "judged_buses", "source_setpoints"]

#: Highest nominal system voltage (kV line to line) for which ANSI C84.1-2020 Table 1 gives
#: Range A/B service voltages; the 46–230 kV systems have a nominal and a maximum voltage
#: only (C84.1 §1 scope: its ranges are for service and utilisation voltages).
RANGE_A_MAX_KV = 34.5


def bus_kv_and_sources(ctx: CheckContext, buses: np.ndarray
                       ) -> tuple[np.ndarray, set[int]]:
    """Nominal line-to-line kV of ``buses`` (NaN where unknown) and the source buses."""
    model = ctx.study.model
    if model is not None:
        kv = model.buses.kv_ll.to_numpy(float)
        ok = (buses >= 0) & (buses < len(kv))
        out = np.where(ok, kv[np.clip(buses, 0, max(len(kv) - 1, 0))], np.nan)
        return np.where(out > 0, out, np.nan), {int(b) for b in model.node_bus[model.sources]}
    net = ctx.study.net
    if net is None:
        return np.full(len(buses), np.nan), set()
    kv = net.bus.vn_kv.reindex(buses).to_numpy(float)
    eg = net.ext_grid
    src = eg.bus[eg.in_service.astype(bool)] if "in_service" in eg else eg.bus
    return kv, {int(b) for b in src}


def _dead(ctx: CheckContext, buses: np.ndarray) -> np.ndarray:
    """``(n,)`` True at the ``buses`` an OpenDSS model marks de-energised (no path to a
    source: ``model.buses.energized``); all False on a pandapower net, whose flow gives such a
    bus no voltage (NaN: never judged)."""
    model = ctx.study.model
    if model is None or "energized" not in model.buses.columns:
        return np.zeros(len(buses), dtype=bool)
    on = model.buses.energized.to_numpy(bool)
    ok = (buses >= 0) & (buses < len(on))
    return ok & ~on[np.clip(buses, 0, max(len(on) - 1, 0))]


def source_setpoints(ctx: CheckContext) -> dict[int, tuple[str, float]]:
    """Source bus → (the source's setting, its voltage set-point in pu of the bus's base):
    an OpenDSS Vsource's ``pu`` × ``basekv`` / the bus's kV (EPRI DG_Prot_Fdr: ``New Circuit
    ... basekv=34.5 pu=1.0475`` → 1.0475 at Bx, review rev39a M1), a pandapower ext_grid's
    ``vm_pu``. Read from the model's own OpenDSS context (as the regulator settings,
    :func:`~protv2g.checks.flow_taps.regulator_settings`); ``{}`` where it cannot be read."""
    model, net = ctx.study.model, ctx.study.net
    if model is not None and hasattr(model, "derived"):
        return model.derived("C12 source set-points", _dss_setpoints)
    if net is None or "vm_pu" not in getattr(net, "ext_grid", pd.DataFrame()).columns:
        return {}
    eg = net.ext_grid
    on = eg.in_service.astype(bool) if "in_service" in eg else np.ones(len(eg), bool)
    return {int(b): (f"ext_grid vm_pu={v:g}", float(v))
            for b, v in zip(eg.bus[on], eg.vm_pu[on], strict=True)}


def _dss_setpoints(model) -> dict[int, tuple[str, float]]:  # noqa: ANN001
    """:func:`source_setpoints` of an OpenDSS model (enabled Vsources)."""
    dss = getattr(model, "engine", None)
    e = model.elements
    out: dict[int, tuple[str, float]] = {}
    if dss is None:
        return out
    for name, buses in zip(e.name[(e.cls == "vsource") & e.enabled.astype(bool)],
                           e.buses[(e.cls == "vsource") & e.enabled.astype(bool)],
                           strict=True):
        b = int(model.bus_index([str(buses[0]).split(".", 1)[0]])[0])
        try:
            vals = []
            for prop in ("pu", "basekv"):
                dss.Text.Command(f"? {name}.{prop}")
                vals.append(float(dss.Text.Result()))
        except Exception:  # noqa: BLE001 - another circuit compiled since, or no engine
            continue
        kv = float(model.buses.kv_ll.iat[b]) if b >= 0 else 0.0
        if kv > 0:
            out.setdefault(b, (f"Vsource.{name.split('.', 1)[-1]} pu={vals[0]:g}",
                               vals[0] * vals[1] / kv))
    return out


def judged_buses(ctx: CheckContext, bus: pd.DataFrame, v_max_pu: float
                 ) -> tuple[np.ndarray, pd.DataFrame]:
    """Which rows of the flow's ``bus`` table (``bus``, ``vm_pu``) C12's voltage limit
    judges, and ``info`` rows naming the buses it does not judge that are above
    ``v_max_pu`` or below ``checks.v_min_pu`` (lowest service voltage,
    :func:`~protv2g.checks.flow_low.lowest_voltage_pu`) — the ones where the answer would
    differ; empty when none (review rev40b: nothing left unjudged silently).

    Not judged: a source bus (its voltage is the study's input, or behind a weak source that
    input plus the rise through the source impedance: :func:`_source_reason`) and a bus whose
    nominal voltage is above :data:`RANGE_A_MAX_KV` (ANSI C84.1-2020
    gives Range A for systems up to 34.5 kV nominal and only a maximum system voltage above:
    a transmission bus is judged by its own planning criteria, not by a service-voltage
    range). A bus of unknown nominal voltage is judged. The voltage-unbalance limit judges the
    same buses (no info row is written for an unbalance it does not judge).
    """
    buses = bus.bus.to_numpy()
    distinct = pd.unique(buses)
    kv, sources = bus_kv_and_sources(ctx, distinct.astype(np.int64))
    is_src = np.array([int(b) in sources for b in distinct], dtype=bool)
    high = np.nan_to_num(kv, nan=0.0) > RANGE_A_MAX_KV + 1e-6
    dead = _dead(ctx, distinct.astype(np.int64))
    skip = is_src | high | dead
    judged = ~pd.Series(buses).isin(distinct[skip]).to_numpy()
    listed = ~judged & ~pd.Series(buses).isin(distinct[dead]).to_numpy()  # dead: said apart
    # above the limit beyond its tolerance (:mod:`protv2g.checks.flow_limit`)
    tol_pu = limit_tolerance_pu(ctx.thresholds)
    over_pu = v_max_pu + max(tol_pu, 1e-9)
    over = bus[listed & (bus.vm_pu.to_numpy(float) > over_pu)]
    v_min_pu = float(getattr(ctx.thresholds, "v_min_pu", V_MIN_PU))
    with np.errstate(invalid="ignore"):
        low = np.where(listed, lowest_voltage_pu(bus), np.nan)
        under = low < v_min_pu - max(tol_pu, 1e-9)
    rows = [_dead_rows(ctx, distinct[dead].astype(np.int64))] if dead.any() else []
    for values, limit, what in (
            (over.groupby("bus").vm_pu.max(), v_max_pu, "limit"),
            (pd.Series(low[under]).groupby(buses[under]).min(), v_min_pu, "minimum")):
        if not len(values):
            continue
        why = []
        for b, v in values.items():
            k = int(np.flatnonzero(distinct == b)[0])
            reason = (_source_reason(bus, b, getattr(ctx, "base_of", None), tol_pu)
                      if is_src[k] else f"{kv[k]:g} kV nominal: ANSI C84.1 gives Range A "
                                        f"only up to {RANGE_A_MAX_KV:g} kV")
            why.append(f"{v:.3f} pu at {ctx.bus_name(b)} ({reason})")
        rows.append(violation_rows(
            "C12", CheckStatus.INFO, margin_unit=MarginUnit.PER_UNIT,
            message=f"voltage not judged against the ANSI C84.1 Range A {what} "
                    f"{limit:g} pu: " + "; ".join(why)))
    return judged, concat(rows)


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _dead_rows(ctx: CheckContext, dead: np.ndarray) -> pd.DataFrame:
    """The ``info`` rows of the de-energised buses C12 leaves out (rev41b W3: counted, not
    failed at 0.000 pu): one for the buses no source reaches, one for those of an island a
    machine or inverter of the model reaches without a path to the grid source (rev41b M4,
    :func:`protv2g.network.dss_islands.island_sources`)."""
    from protv2g.network.dss_islands import island_sources

    islands = island_sources(ctx.study.model)
    at = np.array([int(b) in islands for b in dead], dtype=bool)
    rows = []
    if (~at).any():
        names = [ctx.bus_name(int(b)) for b in dead[~at]]
        rows.append(f"voltage not judged at {len(names)} de-energised bus(es) ({_shown(names)}"
                    "): no source reaches them in the model (behind an open switch or a "
                    "disabled element), as validate says")
    if at.any():
        names = [ctx.bus_name(int(b)) for b in dead[at]]
        fed = sorted({s for b in dead[at] for s in islands[int(b)]})
        rows.append(f"voltage not judged at {len(names)} bus(es) of an unintended island "
                    f"({_shown(names)}): fed only by {', '.join(fed)}, with no path to the grid "
                    "source (OpenDSS: no connection to the source, solved at 0 V); ANSI C84.1's "
                    "ranges are a supplied service's, and IEEE 1547-2018 §8.1.2 has a DER cease "
                    "to energise an unintentional island within 2 s — an intended island: model "
                    "its grid-forming unit as a Vsource, then C12 judges its buses")
    return concat([violation_rows("C12", CheckStatus.INFO, margin_unit=MarginUnit.PER_UNIT,
                                  message=m) for m in rows])


def _source_reason(bus: pd.DataFrame, b: int, base_of: dict[str, str] | None,
                   tol_pu: float) -> str:
    """Why source bus ``b`` is not judged: the study's input where V2G does not move it beyond
    the limit's tolerance (:func:`~protv2g.checks.flow_limit.source_move_pu`, the test
    :func:`~protv2g.checks.flow_limit.setpoint_texts` uses); behind a weak source (EPRI
    DG_Prot_Fdr's bx: 1.048 pu without V2G, 1.057 with, OpenDSS, review ver39 M-a) the
    set-point plus the rise through the source impedance, C12 judging the buses beyond."""
    at = (bus.bus == b).to_numpy()
    step = (pd.to_numeric(bus["step"][at], errors="coerce").fillna(-1).to_numpy(float)
            if "step" in bus.columns else np.zeros(int(at.sum())))
    moved, v_without, v_with = source_move_pu(
        np.asarray(bus["scenario"].to_numpy()[at], dtype=object), step,
        bus.vm_pu.to_numpy(float)[at], base_of)
    if base_of is None or moved <= tol_pu or np.isnan(v_without):
        return "a source bus: its voltage is the study's input, not a result"
    return (f"a source bus: {v_without:.3f} pu without V2G, {v_with:.3f} pu with it — the "
            "source's set-point plus the rise through the source impedance, more than the "
            f"limit's tolerance {tol_pu:g} pu; C12 judges the buses beyond it")
