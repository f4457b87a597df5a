"""Rows new with the project's equipment: a site's own transformer and the devices on it.

A site's own transformer (``v2g_sites[].model_transformer``, a pandapower site's
``interconnection_transformer``) comes with the V2G project and is
out of the base case (:mod:`protv2g.study.dss_site_transformers`); so is a study device on it
(its fuse F-DEPOT, ``location: {trafo: depot_xf, side: hv}``). Such a device's rows have no
base twin and the attribution calls them ``new`` ("caused by V2G") — also where the row fails
with every charger idle, i.e. where the export has nothing to do with it. Reviews rev34a M1
(IEEE 8500: F-DEPOT's 10 kA cutout at 11.12 kA asymmetrical, the feeder's 7.55 kA without any
charger, the chargers adding ≈ 0.3 %) and rev34b M1 (IEEE 34: the drafted head relay against
the depot transformer's fuse, failing with no charger online).

Such a row gets the attribution :data:`EQUIPMENT` (status is data): still a failing row of the
project (the gate fails on it, as on ``new``: only ``pre-existing`` rows are the feeder's), but
said as the project's *equipment*, with the equipment as the remedy, not the chargers or their
export (:class:`protv2g.findings_attribution.Attribution` ``EQUIPMENT``). Decided where the
row is made, on data:

* C7 (:func:`duty_without_chargers`): the device's current without any charger is the
  feeder's fault level at the device's feeder-side bus in the row's base case (the bus exists
  without the project; same fault type and case); its duty on the row's rating basis, all of
  it the network's, offset at the row's X/R. Above the rating → :data:`EQUIPMENT`.
  (A grounded-wye site transformer changes the grid's share of a ground fault at its own
  terminals a little; the bus figure is the feeder's as it is today, which is what the
  device must interrupt without the project's chargers.)
* C12 at a site's own low-voltage bus over the limit with every site idle and moved by the
  scenario by less than the materiality (:data:`protv2g.checks.flow_site_tap.SITE_TAP`):
  the transformer's no-load tap, :data:`EQUIPMENT`.

* C1–C4 pair rows the base case has not (:func:`equipment_pairs`: a device on a site's own
  transformer, or a fault at or behind it — the pair exists because the project's equipment
  is built): the pair evaluated again with **every charger idle**, on the network's part of
  each device's row that the fault engine solves anyway for those rows (the sites' equipment
  in, no charger: :data:`protv2g.pipeline_dss.SITES_IDLE`, the rows'
  :data:`~protv2g.checks.converter_sum.NET_COLUMNS`; review rev34b M1: IEEE 34's drafted head
  relay against the depot transformer's fuse, failing with no charger online). No charger
  and no existing DER: one current for the whole fault, the first cycle's. With existing DER
  (its first cycle in the network's part of the maximum case) the pair is judged at both
  ends of it — its first-cycle current held and the grid alone (the rows'
  :data:`~protv2g.checks.converter_sum.GRID_COLUMNS`) — and is the equipment's only where it
  fails at both. In the minimum case each device row's idle figure is of the end its row
  took — the existing inverters out (IEC 60909-0's minimum case) or in, where the device's
  current is lower with them (:data:`~protv2g.checks.converter_sum.DER_IN_COLUMN`,
  :mod:`protv2g.pipeline_der_min`) — and a row that took them in keeps that end for the
  grid-alone judgement too: the idle pair is the same case as the pair it judges (ver36
  V3, EPRI J1: judged at the other end, a knife-edge LLG-bc row of head-temp_sub / F-DEPOT
  passed idle and read "caused by V2G"). Failing there → :data:`EQUIPMENT`, the message
  says the pair's times with every charger idle and that the remedy is the pair's settings
  or equipment, not an export cap. Rows that pass with the chargers idle are judged as
  against a passing base twin (:func:`~.idle_pairs.equipment_pairs`, the attribution's rule):
  clear of their tolerance they stay ``new`` (the chargers tip them); marginal and moved by
  V2G within it :data:`EQUIPMENT`, beyond it ``worse`` (review rev41a W1).

The pandapower path (a site's ``interconnection_transformer``) takes the same code: its
parts solve :data:`~protv2g.study.engine_inputs.SITES_IDLE` too and put it on the rows the
base case lacks (:func:`protv2g.pipeline_site_parts.network_parts`). There a fuse on the
transformer's high-voltage side has a close-in fault on the feeder's side that the base case
has (the feeder's bus), so the feeder relay's row there has a base twin and no network part
of its own; its chargers-idle current (the same SITES_IDLE rows) is on it as
:data:`IDLE_COLUMNS` and the pair is judged idle on it (:func:`.idle_pairs._mate_rows`),
every fault type: for a ground fault the transformer's grounded winding is a zero-sequence
source and the relay's idle current is not its base twin's (depot example, 7.5 MVA YNd: R-F1
SLG max at the fuse's close-in fault 4.53 kA idle against 3.74 kA in the base case). The
base twin stays the network's part of C7's and the duty's split on those rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.idle_pairs import (
    IDLE_COLUMNS,
    IDLE_GRID_COLUMNS,
    IDLE_MARGIN,
    IDLE_PAIRS,
    equipment_pairs,
    idle_coordination,
    idle_pair_margins,
    idle_pair_text,
)
from protv2g.checks.project_equipment import (
    EQUIPMENT,
    EQUIPMENT_ROW_COLUMN,
    EQUIPMENT_SAVING,
    EQUIPMENT_WORSE,
    PROJECT,
    PROJECT_ROWS,
    site_equipment,
)
from protv2g.engine.asymmetry import asym_rms_ka

__all__ = ["EQUIPMENT", "EQUIPMENT_ROW_COLUMN", "EQUIPMENT_SAVING", "EQUIPMENT_WORSE", "PROJECT",
           "PROJECT_ROWS", "IDLE_COLUMNS",
           "IDLE_GRID_COLUMNS", "IDLE_PAIRS",
           "duty_without_chargers", "equipment_duty", "equipment_pairs", "equipment_text",
           "idle_coordination", "idle_pair_margins", "idle_pair_text", "site_equipment",
           "IDLE_MARGIN"]


def duty_without_chargers(ctx: Any, rows: pd.DataFrame, rating_s: np.ndarray, t_s: float,
                          f_hz: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """C7: the symmetrical current and duty (kA) of each duty row's device with no charger
    at all, for the rows of a device on a site's own transformer (module docstring); NaN
    elsewhere and where the base case has no such bus row.

    Parameters
    ----------
    ctx : CheckContext
        ``study``, ``base_of``, ``bus_faults`` (the engine's bus table) are read.
    rows : DataFrame
        C7's duty rows (``device``, ``scenario``, ``fault_type``, ``case``, ``x_r``,
        ``rating_basis``).
    rating_s : ndarray
        ``(n,)`` the rating's asymmetry factor (:func:`protv2g.checks.asymmetry.
        asym_rms_factor` at the rating's X/R).
    t_s, f_hz : float
        Contact-parting time and frequency of C7's asymmetrical current.

    Returns
    -------
    (ndarray, ndarray, list of str)
        ``(n,)`` symmetrical kA (the largest phase), ``(n,)`` duty kA on the rating's basis,
        and the feeder-side bus's name per row (``""`` where NaN).
    """
    n = len(rows)
    sym, names = np.full(n, np.nan), [""] * n
    on = site_equipment(ctx.study)
    bus_tab = getattr(ctx, "bus_faults", None)
    if not n or not on or bus_tab is None or not len(bus_tab):
        return sym, np.full(n, np.nan), names
    sites = ctx.study.device_sites
    dev = rows["device"].astype(str).to_numpy()
    at = np.flatnonzero(np.isin(dev, list(on)))
    if not len(at):
        return sym, np.full(n, np.nan), names
    bus_of = {d: int(sites[d].bus) for d in on}
    wanted = set(bus_of.values())
    tab = bus_tab[bus_tab["bus"].isin(wanted)]
    i_max = tab[["ia_ka", "ib_ka", "ic_ka"]].to_numpy(float).max(axis=1)
    level = dict(zip(zip(tab["scenario"].astype(str), tab["bus"].astype(int),
                         tab["fault_type"].astype(str), tab["case"].astype(str), strict=True),
                     i_max.tolist(), strict=True))
    bus_name = dict(zip(tab["bus"].astype(int), tab["bus_name"].astype(str), strict=True))
    scen = rows["scenario"].astype(str).to_numpy()
    ft = rows["fault_type"].astype(str).to_numpy()
    case = rows["case"].astype(str).to_numpy()
    for k in at.tolist():
        base = str(ctx.base_of.get(scen[k], "") or "")
        b = bus_of[dev[k]]
        got = level.get((base, b, ft[k], case[k]))
        if base and base != scen[k] and got is not None and got > 0:
            sym[k] = got
            names[k] = bus_name.get(b, "")
    asym = asym_rms_ka(np.nan_to_num(sym), np.nan_to_num(sym),
                       rows["x_r"].to_numpy(float), t_s, f_hz)
    duty = np.where(rows["rating_basis"].astype(str).to_numpy() == "asym", asym,
                    np.maximum(np.nan_to_num(sym), asym / np.asarray(rating_s, float)))
    return sym, np.where(np.isfinite(sym), duty, np.nan), names


def equipment_text(device: str, transformer: str, bus: str, fault: str, sym_ka: float,
                   duty_ka: float, what: str, i_ka: float, limit_ka: float) -> str:
    """The C7 message's clause of an :data:`EQUIPMENT` row: what fails without any
    charger and the equipment's remedy.

    >>> equipment_text("F-DEPOT", "depot_xf", "m1209814", "LLG-ab, max", 7.552, 11.05,
    ...                "asymmetrical rms", 7.574, 10.0)[:80]
    "; new with the project's equipment (depot_xf, F-DEPOT): the feeder's fault level"
    """
    change = i_ka / sym_ka - 1.0
    added = f"{change:+.1%}" if abs(change) >= 5e-4 else "nothing (< 0.05 %)"
    return (f"; new with the project's equipment ({transformer}, {device}): the feeder's "
            f"fault level at {bus} is {sym_ka:.2f} kA ({fault}) without any charger, "
            f"{duty_ka:.2f} kA {what} against the {limit_ka:.2f} kA rating by itself; the "
            f"chargers (and the site's transformer) add {added} — remedy: "
            f"the equipment ({device} of a higher interrupting rating, e.g. a 12.5/16 kA "
            "cutout, or a current-limiting fuse), not the chargers or their export")


def _duty_words(r: Any) -> str:
    """The duty's basis in words, as :func:`~protv2g.checks.duty_rows.same_fault_text`."""
    return ("asymmetrical rms" if r.rating_basis == "asym" else
            "symmetrical equivalent" if r.i_duty_ka > r.i_max_ka + 1e-9 else "symmetrical")


def equipment_duty(ctx: Any, bad: pd.DataFrame, lim_ka: np.ndarray, rating_s: np.ndarray,
                   t_s: float, f_hz: float, sym_b: np.ndarray, duty_b: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """C7's failing rows ``bad`` (limits ``lim_ka``) against the feeder's fault level without
    any charger where they have no base twin (:func:`duty_without_chargers`).

    Returns
    -------
    (ndarray, ndarray, ndarray, list of str)
        ``sym_b`` and ``duty_b`` (kA, each row's figure without V2G) with the feeder's
        filled in where they were NaN; ``(n,)`` bool, the rows over the rating by that alone
        (attribution :data:`EQUIPMENT`); and their message clause (:func:`equipment_text`,
        ``""`` for the others).
    """
    eq_sym, eq_duty, eq_bus = duty_without_chargers(ctx, bad, rating_s, t_s, f_hz)
    sym_b = np.where(np.isnan(sym_b), eq_sym, sym_b)
    duty_b = np.where(np.isnan(duty_b), eq_duty, duty_b)
    with np.errstate(invalid="ignore"):
        over = np.isfinite(eq_duty) & (eq_duty > np.asarray(lim_ka, float) + 1e-9)
    on = site_equipment(ctx.study) if over.any() else {}
    texts = [equipment_text(r.device, on[r.device], eb, f"{r.fault_type}, {r.case}", es, ed,
                            _duty_words(r), r.i_max_ka, lm) if o else ""
             for r, o, es, ed, eb, lm in zip(bad.itertuples(index=False), over.tolist(),
                                             eq_sym, eq_duty, eq_bus, lim_ka, strict=True)]
    return sym_b, duty_b, over, texts


