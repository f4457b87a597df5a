"""One (scenario, case, fault type) of a fault study, staged, scaled to kA: :class:`FaultSlice`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.faults import seq_to_abc
from protv2g.engine.pll_note import warn_pll_frozen, warn_slice
from protv2g.units import Case, FaultType

__all__ = ["FaultSlice", "reduce_full"]

SQRT3 = np.sqrt(3.0)


@dataclass(frozen=True)
class FaultSlice:
    """Results of one (scenario, case, fault type), as yielded by
    :func:`~protv2g.engine.study.iter_fault_study`.

    Single-stage fields (the first-cycle stage, which is also the high bracket: every site
    holding its first-cycle limit for the whole fault) — complex, kA / per unit, sequence order
    ``(0, 1, 2)``; ``m`` fault buses, ``D`` devices, ``k`` chargers of the scenario:
    ``bus_i_012_ka (m, 3)``; ``device_i_012_ka``, ``device_v_012_pu (D, m, 3)`` (``None`` when
    reducing); ``device_max_ka (D, 2)`` largest phase current and largest ``|3·I0|`` over the
    fault buses with ``device_max_bus (D, 2)`` (pandapower bus of that fault; ``None`` unless
    reducing); ``charger_i_12_ka (k, m, 2)`` (``None`` when reducing); ``charger_limit_ka``
    ``(k,)`` first-cycle and ``charger_sustained_limit_ka`` sustained limits.

    Staged fields (``n_stage`` stages, :mod:`.staging`): ``stage_t_start_s``,
    ``stage_t_end_s (n_stage, m)``; ``staged_bus_i_012_ka (n_stage, m, 3)``;
    ``staged_device_i_012_ka``, ``staged_device_v_012_pu (n_stage, D, m, 3)`` or
    ``staged_device_max_ka``/``staged_device_max_bus (n_stage, D, 2)`` when reducing;
    ``staged_charger_i_12_ka (n_stage, k, m, 2)``; per site and fault bus ``(k, m)``:
    ``site_trip_s`` (trip instant, ``inf`` = never), ``site_ceased`` (momentary cessation in
    the sustained stage), ``site_v_min_pu`` (lowest applicable voltage, sustained stage).

    Pre-fault state: ``device_v1_pre_pu (D,)`` the positive-sequence voltage at each device bus
    before the fault as the engine assumes it (``c·u_nl`` with the IEC method, the given or
    flat pre-fault voltage with the classical one), pu of the bus nominal voltage, in the angle
    reference of the device phasors — what a relay's memory polarisation remembers.

    Kept rows (``iter_fault_study(device_min_a=...)``): ``device_pos (k,)`` flat positions
    in the ``(D, m)`` grid; the device arrays then hold those rows only — ``device_i_012_ka``,
    ``device_v_012_pu (k, 3)``, ``staged_device_i_012_ka (n_stage, k, 3)``,
    ``staged_device_v_012_pu`` the first stage's only (or ``None``). ``high_bracket``: a
    slice of the chargers' other bracket (``iter_fault_study(high_scenarios=...)``);
    ``device_of_rows (k,)``: such a slice holding only some of its scenario's kept rows (those
    at the fault buses whose inputs differ between the brackets, :func:`~protv2g.engine.
    row_slices.differing_columns`), each row's position among the scenario's kept rows
    (``None``: every kept row).

    Flags ``(m,)``: ``pll_frozen`` (some stage has no PLL-tracking solution and was solved with
    the PLL held at the pre-fault angle; ``pll_residual`` the smallest tracking residual found,
    pu current, NaN elsewhere), ``unconverged`` (no solution at all: results NaN).
    """

    scenario: str
    case: Case
    fault_type: FaultType
    fault_buses: np.ndarray
    bus_i_012_ka: np.ndarray
    device_i_012_ka: np.ndarray | None
    device_v_012_pu: np.ndarray | None
    device_max_ka: np.ndarray | None
    device_max_bus: np.ndarray | None
    charger_i_12_ka: np.ndarray | None
    charger_limit_ka: np.ndarray | None
    pll_frozen: np.ndarray
    unconverged: np.ndarray
    iterations: int
    stage_t_start_s: np.ndarray | None = None
    stage_t_end_s: np.ndarray | None = None
    staged_bus_i_012_ka: np.ndarray | None = None
    staged_device_i_012_ka: np.ndarray | None = None
    staged_device_v_012_pu: np.ndarray | None = None
    staged_device_max_ka: np.ndarray | None = None
    staged_device_max_bus: np.ndarray | None = None
    staged_charger_i_12_ka: np.ndarray | None = None
    charger_sustained_limit_ka: np.ndarray | None = None
    site_trip_s: np.ndarray | None = None
    site_ceased: np.ndarray | None = None
    site_v_min_pu: np.ndarray | None = None
    pll_residual: np.ndarray | None = None
    device_v1_pre_pu: np.ndarray | None = None
    device_pos: np.ndarray | None = None
    high_bracket: bool = False
    device_of_rows: np.ndarray | None = None

    @property
    def n_stages(self) -> int:
        return 1 if self.staged_bus_i_012_ka is None else len(self.staged_bus_i_012_ka)


def make_slice(name, case, ft, fault_buses, sv, i_base_f, i_base_c, sites, i_dev, v_dev, red,
               dtype) -> FaultSlice:
    """Scale one solved slice (:class:`~protv2g.engine.solve.SliceSolve`) to kA and flag it.

    ``i_dev``/``v_dev``: ``(n_stage, D, m, 3)`` filled device arrays or ``None`` (``v_dev``
    may hold only the first stages' voltages, ``iter_fault_study(device_voltages=...)``); ``red``:
    ``(max (n_stage, D, 2), bus (n_stage, D, 2))`` or ``(None, None)``.
    """
    m = len(fault_buses)
    stg = sv.charger
    n_s = sv.n_stages
    bad = np.zeros(m, bool)
    frozen = np.zeros(m, bool)
    residual = np.full(m, np.nan)
    its = 0
    chg = lim = lim_sus = trip = ceased = v_min = None
    if stg is not None:
        for sol in stg.stages:
            bad |= sol.unconverged
            frozen |= sol.pll_frozen
            residual = np.fmax(residual, np.where(sol.pll_frozen, sol.tracking_residual,
                                                  np.nan))
            its = max(its, sol.iterations)
        lim = sites.i_fc * i_base_c
        lim_sus = sites.i_sus * i_base_c
        if i_dev is not None or red[0] is None:
            chg = np.empty((n_s, len(i_base_c), m, 2), dtype=dtype)
            for j, sol in enumerate(stg.stages):
                chg[j, ..., 0] = sol.i1.T * i_base_c[:, None]
                chg[j, ..., 1] = sol.i2.T * i_base_c[:, None]
            chg[:, :, bad] = np.nan
        trip, ceased, v_min = stg.trip_s.T, stg.ceased_sustained.T, stg.v_min_sustained_pu.T
        if its:  # the control law (the frozen-PLL model is frozen by choice, not flagged)
            _warn(frozen, bad, residual, name, case, ft)
    if bad.any() and i_dev is not None:
        i_dev[:, :, bad] = np.nan
        if v_dev is not None:
            v_dev[:, :, bad] = np.nan
    i_bus = (sv.i_f * i_base_f[None, :, None]).astype(dtype, copy=False)
    i_bus[:, bad] = np.nan
    mx, at = red
    return FaultSlice(
        scenario=name, case=case, fault_type=ft, fault_buses=fault_buses,
        bus_i_012_ka=i_bus[0], device_i_012_ka=None if i_dev is None else i_dev[0],
        device_v_012_pu=None if v_dev is None or not len(v_dev) else v_dev[0],
        device_max_ka=None if mx is None else mx[0], device_max_bus=None if at is None
        else at[0], charger_i_12_ka=None if chg is None else chg[0], charger_limit_ka=lim,
        pll_frozen=frozen, unconverged=bad, iterations=its, stage_t_start_s=sv.t_start_s,
        stage_t_end_s=sv.t_end_s, staged_bus_i_012_ka=i_bus, staged_device_i_012_ka=i_dev,
        staged_device_v_012_pu=v_dev, staged_device_max_ka=mx, staged_device_max_bus=at,
        staged_charger_i_12_ka=chg, charger_sustained_limit_ka=lim_sus, site_trip_s=trip,
        site_ceased=ceased, site_v_min_pu=v_min, pll_residual=residual)


def reduce_full(i_dev: np.ndarray, fault_buses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-device maxima of a filled ``(..., D, m, 3)`` current array: largest phase current
    and largest ``|3·I0|`` over the fault buses ``(..., D, 2)`` and the pandapower bus of each
    (NaN currents are skipped)."""
    phase = np.abs(seq_to_abc(i_dev)).max(axis=-1)
    ground = 3 * np.abs(i_dev[..., 0])
    out = np.zeros(i_dev.shape[:-2] + (2,))
    bus = np.full(i_dev.shape[:-2] + (2,), -1, dtype=np.int64)
    for j, x in enumerate((phase, ground)):
        if x.shape[-1]:
            x = np.where(np.isnan(x), -np.inf, x)
            pos = np.argmax(x, axis=-1)
            out[..., j] = np.take_along_axis(x, pos[..., None], axis=-1)[..., 0]
            bus[..., j] = fault_buses[pos]
    return out, bus


def _warn(frozen, bad, residual, name: str, case: Case, ft: FaultType) -> None:
    n_frozen = int(frozen.sum())
    if n_frozen:
        worst = float(np.nanmin(residual)) if np.isfinite(residual).any() else float("nan")
        warn_pll_frozen(n_frozen, name, case, ft, worst, stacklevel=4)
    n_bad = int(bad.sum())
    if n_bad:
        warn_slice(f"charger control law has no solution at {n_bad} fault bus(es): their "
                   "results are NaN", name, case, ft, stacklevel=3)
