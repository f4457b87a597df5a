"""The Device duty sheet: per device and case, the largest fault current it must interrupt.

Built on :func:`protv2g.checks.duty.duty_frame` over the whole engine device table (every
device, both cases, close-in faults included), C7's rows taken over where they were built on
the same table and base cases (:class:`~protv2g.checks.duty_known.KnownDuty`, #21). The figures,
their basis and sources are C7's (:mod:`protv2g.checks.duty`, module docstring). Split from
:mod:`protv2g.checks.duty` (#21: the module had grown past 400 lines).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.attribution import base_scenarios as resolve_bases
from protv2g.checks.duty_figures import (
    _DUTY_COLUMNS,
    _DUTY_FRAME_COLUMNS,
    DUTY_COLUMNS,
    duty_frame,
)
from protv2g.checks.duty_known import KnownDuty
from protv2g.checks.duty_rows import change_shares, project_change
from protv2g.network.fault_positions import has_unknown_buses, with_close_in_positions

__all__ = ["DUTY_TIE_REL", "device_duty_table"]

#: Relative tolerance within which two scenarios' duty currents are one tie (#21). The
#: sheet's row for a device and case is then the base case's (V2G adds nothing there), else
#: the first in :func:`duty_frame`'s order — not whichever rounding noise favours (EPRI ckt5:
#: ``base/light`` and ``expected/light/100%`` at the same 5.039303 kA swapped between
#: runs). 1e-9 is far above float rounding (~1e-15 relative) and far below anything the sheet
#: shows (kA to 3 decimals).
DUTY_TIE_REL = 1e-9


def _duty_frame_reusing(study: Any, device_faults: pd.DataFrame, base_of: dict[str, str],
                        known: KnownDuty | None, names: list[str] | None = None
                        ) -> pd.DataFrame:
    """:func:`duty_frame` of all ``device_faults``, the groups of ``known`` taken from it
    when built on the same rows (the checks' context shares the engine's) and base cases.
    C7's rows are whole (scenario, device, case) groups with their base cases' rows, and a
    group's figures depend on those only: the frame is the same, in :func:`duty_frame`'s
    order (scenario, device, case), which the sheet's ties follow. ``names``: the table's
    scenarios as texts when known (#21: a ``unique`` of 1.8 million objects at 10,000
    buses)."""
    if names is None:
        names = [str(n) for n in device_faults.scenario.unique()]
    if (known is None or known.n_rows != len(device_faults)
            or any(known.base_of.get(n, "") != base_of.get(n, "") for n in names)):
        return duty_frame(study, device_faults, base_of)
    done = np.zeros(len(device_faults), bool)
    done[known.rows] = True
    rest = np.flatnonzero(~done)
    parts = [known.frame]
    if len(rest):
        cols = [c for c in _DUTY_COLUMNS if c in device_faults.columns]
        parts.append(duty_frame(study, device_faults, base_of, rows=rest, columns=cols,
                                x_r_known=known.x_r(study.model),
                                x_r_kappa_known=known.x_r_kappa(study),
                                keys=known.keys_for(device_faults)))
    w = pd.concat([p[_DUTY_FRAME_COLUMNS] for p in parts if len(p)], ignore_index=True)
    return w.sort_values(["scenario", "device", "case"], kind="stable").reset_index(drop=True)


def _held_duty_frame(study: Any, held: pd.DataFrame, base_of: dict[str, str],
                     known: KnownDuty | None, twin_of: dict[str, str]
                     ) -> pd.DataFrame | None:
    """:func:`_duty_frame_reusing`'s frame of the table of every scenario, from ``held``
    (each charger set's rows once; ``twin_of`` every scenario → its held one; ``base_of``
    every scenario → its base case): each held scenario's (device, case) rows computed
    against its base case's held rows, copied to its twins under their names, in the
    frame's (scenario, device, case) order. A group's figures depend on its rows and its
    base case's rows only (:func:`_duty_frame_reusing`), the same for a twin whose base case
    is the twin of its held scenario's (:func:`~protv2g.result_rows.held_base_of`); None
    when a twin's is not (the caller computes on the table of every scenario).
    ``known`` (C7's rows, of the table of every scenario) is taken to the held rows."""
    from protv2g.pipeline_blocks import twin_positions
    from protv2g.result_rows import held_base_of

    bases = held_base_of(base_of, twin_of)
    if bases is None:
        return None
    if known is not None:
        known = _held_known(known, held, twin_of, bases, twin_positions)
    w = _duty_frame_reusing(study, held, bases, known, list(bases))
    # each scenario's rows its held scenario's, under its name (one row per group)
    codes, uniques = pd.factorize(w.scenario.astype(str).to_numpy(), sort=False)
    at = {str(u): np.flatnonzero(codes == k) for k, u in enumerate(uniques)}
    none = np.zeros(0, np.int64)
    pos = [at.get(twin_of[n], none) for n in twin_of]
    names = np.repeat(np.asarray(list(twin_of), dtype=object), [len(p) for p in pos])
    out = w.take(np.concatenate(pos) if pos else none)
    col = w.scenario
    out["scenario"] = (pd.Categorical(names, dtype=col.dtype)
                       if isinstance(col.dtype, pd.CategoricalDtype) else names)
    return out.sort_values(["scenario", "device", "case"], kind="stable").reset_index(drop=True)


def _held_known(known: KnownDuty, held: pd.DataFrame, twin_of: dict[str, str],
                bases: dict[str, str], twin_positions: Any) -> KnownDuty | None:
    """``known`` (C7's rows of the table of every scenario: ``known.rows`` its positions)
    as the rows of the held scenarios in ``held``'s positions; None when its rows are not
    of that table (the sheet then computes them, as :func:`_duty_frame_reusing` does)."""
    pos, names = twin_positions(held["scenario"].array, twin_of)
    if known.n_rows != len(pos):
        return None
    rows = np.asarray(known.rows, dtype=np.int64)
    labels = pd.Categorical(names) if not isinstance(names, pd.Categorical) else names
    is_held = np.asarray([twin_of.get(str(c)) == str(c) for c in labels.categories], bool)
    keep = is_held[np.asarray(labels.codes, dtype=np.int64)[rows]]
    frame = known.frame[known.frame.scenario.astype(str).isin(list(bases)).to_numpy()]
    base_of = {n: twin_of.get(b, b) if b else b for n, b in known.base_of.items()
               if n in bases}
    return known._replace(frame=frame.reset_index(drop=True), rows=pos[rows[keep]],
                          n_rows=len(held), base_of=base_of, keys=None)


def _worst_rows(w: pd.DataFrame, base_scenarios: set[str]) -> np.ndarray:
    """Index labels of each (device, case) group's largest ``i_duty_ka`` in (device, case)
    order, a tie within :data:`DUTY_TIE_REL` going to a base-case row, then to the first row
    (a group without any finite duty: all its rows tie)."""
    keys = ["device", "case"]
    top = w.groupby(keys, observed=True).i_duty_ka.transform("max").to_numpy(float)
    duty = w.i_duty_ka.to_numpy(float)
    tied = (duty >= top - DUTY_TIE_REL * np.abs(top)) | np.isnan(top)  # all-NaN: all tie
    order = pd.DataFrame({"device": w.device.to_numpy(), "case": w.case.to_numpy(),
                          "not_base": ~w.scenario.isin(base_scenarios).to_numpy(),
                          "pos": np.arange(len(w))}, index=w.index)[tied]
    first = order.sort_values([*keys, "not_base", "pos"], kind="stable").groupby(keys).head(1)
    return first.index.to_numpy()


def device_duty_table(study: Any, device_faults: pd.DataFrame, base_scenarios: set[str],
                      known: KnownDuty | None = None,
                      twin_of: dict[str, str] | None = None) -> pd.DataFrame:
    """The Device duty sheet: per device and case, the largest fault current it must
    interrupt (any scenario, close-in faults included) with X/R, κ, peak and first-cycle
    asymmetrical current, the duty current on its rating's basis against the rating, and the
    V2G increase. The maximum case is on the IEC 60909 magnitude sum (``i_iec_sum_ka``),
    the minimum case on the control-law phasor (``current_basis``; module docstring).

    Parameters
    ----------
    study : Study
    device_faults : DataFrame
        The engine's device table (``ia_ka``, ``ib_ka``, ``ic_ka`` …), as from
        :func:`protv2g.pipeline.fault_tables` (close-in buses after the net's own).
    base_scenarios : set of str
        Names of the base-case (no V2G) scenarios.
    known : KnownDuty, optional
        What C7 built on the same table (``CheckContext.cache["duty_frame"]``): those
        groups are not recomputed (:func:`_duty_frame_reusing`).
    twin_of : dict, optional
        ``device_faults`` holds each charger set's rows once
        (:attr:`~protv2g.pipeline_tables.FaultTables.twin_of`, every study scenario → the
        held one whose rows it has; ``known`` then of the table of every scenario): each
        held scenario's figures computed once and copied to its twins
        (:func:`_held_duty_frame`), the same sheet as on the table of every scenario (#21,
        lazy36: half the rows at 10,000 buses).

    Returns
    -------
    DataFrame
        :data:`DUTY_COLUMNS`; ``severity`` ``fail`` above the rating × ``duty_margin``,
        ``warn`` for a V2G increase above ``v2g_change_fraction``, else ``ok``; ``not rated``
        without a rating; ``severity_rule`` the rule that set it, with its figures
        ("V2G increase 17 % > checks.v2g_change_fraction 10 % (within the rating: 41 %)").
    """
    if device_faults.empty:
        return pd.DataFrame(columns=DUTY_COLUMNS)
    # each distinct bus once, found by hashing (#21: the test sorted 1.8 million rows)
    if has_unknown_buses(study.feeder, pd.unique(device_faults.fault_bus.to_numpy())):
        study = with_close_in_positions(study)
    names = [str(n) for n in device_faults.scenario.unique()]
    w = None
    if twin_of:
        held = set(names)  # every scenario whose held block has rows, in block order
        names = [n for n in twin_of if twin_of[n] in held]
        w = _held_duty_frame(study, device_faults, resolve_bases(
            [], [*sorted(base_scenarios), *names]), known, twin_of)
        if w is None:  # a twin's base case not its held scenario's: every scenario's rows
            from protv2g.result_rows import HeldRows

            device_faults = HeldRows(device_faults, twin_of).expanded()
            names = [str(n) for n in device_faults.scenario.unique()]
    if w is None:
        base_of = resolve_bases([], [*sorted(base_scenarios), *names])
        w = _duty_frame_reusing(study, device_faults, base_of, known, names)
    worst = w.loc[_worst_rows(w, base_scenarios)]
    base = w[w.scenario.isin(base_scenarios)].groupby(["device", "case"],
                                                      observed=True).i_max_ka.max()
    checks = study.document.checks
    kinds = {d.name: d.kind.value for d in study.document.devices}
    rows = []
    for r in worst.itertuples(index=False):
        rating = None if np.isnan(r.rating_ka) else float(r.rating_ka)
        i_base = float(base.get((r.device, r.case), np.nan))
        increase = 100.0 * (r.i_max_ka / i_base - 1.0) if i_base > 0 else np.nan
        lim = 100.0 * checks.v2g_change_fraction
        # the change split into the project's equipment's and the chargers' (rev37b F2)
        rise_v2g, rise_eq, is_v2g, is_eq = (float(x[0]) for x in change_shares(
            np.array([r.i_max_ka]), np.array([r.i_idle_ka]), np.array([i_base]),
            checks.v2g_change_fraction))
        rise_all, is_proj = (float(x[0]) for x in project_change(
            np.array([r.i_max_ka]), np.array([r.i_idle_ka]), np.array([i_base]),
            checks.v2g_change_fraction))
        if is_proj:  # the project as a whole over the fraction, each share within (mix38)
            rise = (f"project increase {100.0 * rise_all:.0f} % > checks.v2g_change_fraction "
                    f"{lim:.0f} % against no project ({i_base:.3f} kA): the project's "
                    f"equipment {100.0 * rise_eq:+.0f} % and V2G {100.0 * rise_v2g:+.0f} % "
                    f"against every charger idle ({r.i_idle_ka:.3f} kA), each within it")
        elif np.isfinite(rise_eq):
            rise = (f"V2G increase {100.0 * rise_v2g:.0f} % {'>' if is_v2g else '≤'} "
                    f"checks.v2g_change_fraction {lim:.0f} % against every charger idle "
                    f"({r.i_idle_ka:.3f} kA), the project's equipment "
                    f"{100.0 * rise_eq:+.0f} % against no project"
                    + (" (> the fraction: the equipment's)" if is_eq else ""))
        elif np.isfinite(increase):
            rise = (f"V2G increase {increase:.0f} % {'>' if increase > lim else '≤'} "
                    f"checks.v2g_change_fraction {lim:.0f} %")
        else:
            rise = "no base case to compare"
        if rating is None:
            severity, why = "not rated", "no interrupting rating given"
        elif r.i_duty_ka > rating * checks.duty_margin + 1e-12:
            severity = "fail"
            why = (f"duty {100.0 * r.i_duty_ka / rating:.0f} % > rating × checks.duty_margin "
                   f"({100.0 * checks.duty_margin:.0f} %)")
        elif is_v2g or is_eq or is_proj:
            severity = "warn"
            why = f"{rise} (within the rating: {100.0 * r.i_duty_ka / rating:.0f} %)"
        else:
            severity, why = "ok", f"within the rating; {rise}"
        rows.append({
            "device": r.device, "kind": kinds[r.device], "scenario": r.scenario,
            "fault_bus": r.fault_bus_name, "fault_type": r.fault_type, "case": r.case,
            "i_max_ka": r.i_max_ka, "i_phasor_ka": r.i_phasor_ka,
            "i_iec_sum_ka": r.i_iec_sum_ka, "current_basis": r.current_basis,
            "i_network_ka": r.i_network_ka, "i_converter_ka": r.i_converter_ka, "x_r": r.x_r,
            "kappa": r.kappa, "ip_ka": r.ip_ka, "i_asym_ka": r.i_asym_ka,
            "rating_basis": r.rating_basis, "rating_x_r": r.rating_x_r,
            "i_duty_ka": r.i_duty_ka, "interrupting_rating_ka": rating,
            "duty_percent": 100.0 * r.i_duty_ka / rating if rating else np.nan,
            "i_base_ka": i_base, "i_idle_ka": r.i_idle_ka, "increase_percent": increase,
            # the chargers' share: against every charger idle where the model holds the
            # sites' own equipment, else the whole increase (mix38)
            "v2g_increase_percent": (100.0 * rise_v2g if np.isfinite(rise_eq)
                                     else increase),
            "severity": severity, "severity_rule": why})
    return pd.DataFrame(rows, columns=DUTY_COLUMNS)
