"""96-step (15-minute) day of a V2G fleet and of the feeder load: pure functions.

Fleet model (per site, one vehicle per participating charger; documented assumptions)
-----------------------------------------------------------------------------------
* ``n_vehicles = round(participation fraction × n_chargers)``; vehicle ``v`` arrives at
  ``arrival_h + arrival_spread_h·(v + ½)/n`` and leaves at
  ``departure_h − departure_spread_h·(v + ½)/n`` (the *arrival and departure windows*); the
  plug-in window wraps past midnight when departure is earlier than arrival (an overnight
  depot). A step is plugged when its start time lies in ``[arrival, departure)``.
* A vehicle arrives with ``arrival_soc_fraction`` of ``battery_kwh``.
* Dispatch (normal, communication up): inside the export window a plugged vehicle exports at
  its charger rating until its state of charge reaches the driver reserve
  ``soc_reserve_fraction`` (battery energy out = grid energy / efficiency) and does not charge;
  outside the window it charges at the charger rating until ``soc_target_fraction`` (battery
  energy in = grid energy × efficiency): *charging after arrival, export in the dispatch window*.
* The day is the periodic steady state (two days simulated, the second returned), so vehicles
  plugged in at midnight carry their state of charge over.
* Site power ``p_kw`` is positive for **export** (into the grid), negative while charging.

Loss of communication (:class:`CommLossFallback`) from step ``k`` on
------------------------------------------------------------------
* ``cease_export``: every charger goes to 0 kW (no export, no charging) for the rest of the day.
* ``hold_last``: every plugged vehicle keeps the set-point it had at step ``k − 1`` (export or
  charge), still limited by its driver reserve / full battery and by its departure; vehicles
  arriving after the loss have no set-point and stay idle.
* ``revert_to_charging``: unmanaged charging: every plugged vehicle charges at its rating until
  full, regardless of the export window.

References
----------
IEEE 1547-2018 §4.10 (cease to energize); SAE J3072 (V2G charger interface). The load shape is a
generic planning shape (minimum ~04:00, evening peak ~18:30), not measured data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.units import ChargerMode, _StrEnum

__all__ = [
    "STEPS_PER_DAY",
    "STEP_H",
    "CommLossFallback",
    "FleetDay",
    "fleet_day",
    "site_day",
    "load_shape_fraction",
    "step_times_h",
]

STEPS_PER_DAY = 96
STEP_H = 24.0 / STEPS_PER_DAY


class CommLossFallback(_StrEnum):
    """What a site does when it loses dispatch communication."""

    CEASE_EXPORT = "cease_export"
    HOLD_LAST = "hold_last"
    REVERT_TO_CHARGING = "revert_to_charging"


def step_times_h(n_steps: int = STEPS_PER_DAY) -> np.ndarray:
    """Start time of every step of the day, hours (0, 0.25, …, 23.75)."""
    return np.arange(n_steps) * (24.0 / n_steps)


def _in_window(t_h: np.ndarray, start_h: np.ndarray, end_h: np.ndarray) -> np.ndarray:
    """``t`` in the (possibly wrapping) window ``[start, end)``; equal ends → always inside."""
    length = np.mod(end_h - start_h, 24.0)
    inside = np.mod(t_h - start_h, 24.0) < length
    return np.where(np.isclose(length, 0.0), True, inside)


#: Generic daily load shape: (hour, fraction of the light-to-peak range).
_LOAD_SHAPE = np.array([(0.0, 0.25), (4.0, 0.0), (7.0, 0.45), (12.0, 0.6), (16.0, 0.75),
                        (18.5, 1.0), (21.0, 0.8), (24.0, 0.25)])


def load_shape_fraction(time_h: np.ndarray, light_fraction: float) -> np.ndarray:
    """Feeder load as a fraction of its peak over the day.

    Parameters
    ----------
    time_h : array_like
        Hours of the day.
    light_fraction : float
        Load at the daily minimum as a fraction of peak (``Scenarios.light_load_fraction``).

    Returns
    -------
    numpy.ndarray
        ``light + (1 − light)·shape(t)``, between ``light_fraction`` and 1.
    """
    shape = np.interp(np.mod(np.asarray(time_h, float), 24.0), _LOAD_SHAPE[:, 0],
                      _LOAD_SHAPE[:, 1])
    return light_fraction + (1.0 - light_fraction) * shape


@dataclass(frozen=True)
class FleetDay:
    """A site's 96-step day (arrays of length ``n_steps``).

    Attributes
    ----------
    time_h : numpy.ndarray
        Step start times, hours.
    p_kw : numpy.ndarray
        Site power, kW, positive = export, negative = charging.
    p_export_kw, p_charge_kw : numpy.ndarray
        Export and charging parts (both ≥ 0), kW.
    n_plugged : numpy.ndarray of int
        Vehicles plugged in.
    soc_mean_fraction : numpy.ndarray
        Mean state of charge of the plugged vehicles at the end of the step (NaN if none).
    mode : numpy.ndarray of str
        ``exporting`` / ``charging`` / ``idle`` (net site power sign); ``ceased`` after a
        ``cease_export`` communication loss.
    """

    time_h: np.ndarray
    p_kw: np.ndarray
    p_export_kw: np.ndarray
    p_charge_kw: np.ndarray
    n_plugged: np.ndarray
    soc_mean_fraction: np.ndarray
    mode: np.ndarray

    def frame(self, site: str = "") -> pd.DataFrame:
        """Tidy table: ``site, step, time_h, p_kw, p_export_kw, p_charge_kw, n_plugged,
        soc_mean_fraction, mode``."""
        return pd.DataFrame({
            "site": site, "step": np.arange(len(self.time_h)), "time_h": self.time_h,
            "p_kw": self.p_kw, "p_export_kw": self.p_export_kw, "p_charge_kw": self.p_charge_kw,
            "n_plugged": self.n_plugged, "soc_mean_fraction": self.soc_mean_fraction,
            "mode": self.mode})


def fleet_day(n_vehicles: int, p_charger_kw: float, battery_kwh: float, efficiency: float,
              arrival_h: float, departure_h: float, export_window_h: tuple[float, float],
              soc_reserve_fraction: float, *, arrival_soc_fraction: float = 0.5,
              soc_target_fraction: float = 1.0, arrival_spread_h: float = 1.0,
              departure_spread_h: float = 0.0, comm_loss_step: int | None = None,
              fallback: CommLossFallback | str | None = None,
              n_steps: int = STEPS_PER_DAY) -> FleetDay:
    """Simulate a fleet's day (see the module docstring for the model).

    Parameters
    ----------
    n_vehicles : int
        Participating vehicles (one per charger).
    p_charger_kw : float
        Charger rating, kW (grid side), both directions.
    battery_kwh : float
        Usable battery capacity per vehicle, kWh.
    efficiency : float
        One-way charger efficiency (0–1].
    arrival_h, departure_h : float
        Start of the arrival window and end of the departure window, hours (0–24).
    export_window_h : (float, float)
        Dispatch window ``[start, end)``, hours (may wrap past midnight).
    soc_reserve_fraction : float
        Driver reserve: no export below this state of charge.
    arrival_soc_fraction : float
        State of charge on arrival.
    soc_target_fraction : float
        Charging stops at this state of charge.
    arrival_spread_h, departure_spread_h : float
        Widths of the arrival and departure windows, hours.
    comm_loss_step : int, optional
        First step without dispatch communication.
    fallback : CommLossFallback or str, optional
        Behaviour after the loss (required with ``comm_loss_step``).
    n_steps : int
        Steps per day (96 = 15 min).

    Returns
    -------
    FleetDay

    Raises
    ------
    ValueError
        For an unknown fallback, a loss step outside the day, or a loss without a fallback.

    Example
    -------
    >>> day = fleet_day(10, 125.0, 150.0, 0.92, 15.5, 6.0, (16.5, 20.0), 0.4)
    >>> bool(day.p_kw.max() > 0 and day.p_kw.min() < 0)
    True
    """
    if comm_loss_step is not None:
        if fallback is None:
            raise ValueError("comm_loss_step needs a fallback "
                             f"({', '.join(f.value for f in CommLossFallback)})")
        fallback = CommLossFallback(fallback)
        if not 0 <= comm_loss_step < n_steps:
            raise ValueError(f"comm_loss_step {comm_loss_step} outside the day (0–{n_steps - 1})")
    dt_h = 24.0 / n_steps
    t = step_times_h(n_steps)
    n = int(n_vehicles)
    frac = (np.arange(n) + 0.5) / max(n, 1)
    arr = np.mod(arrival_h + arrival_spread_h * frac, 24.0)
    dep = np.mod(departure_h - departure_spread_h * frac, 24.0)
    plugged = _in_window(t[:, None], arr[None, :], dep[None, :])           # (step, vehicle)
    window = _in_window(t, np.float64(export_window_h[0]), np.float64(export_window_h[1]))
    arriving = plugged & ~np.roll(plugged, 1, axis=0)
    e_kwh = float(battery_kwh)
    soc = np.full(n, arrival_soc_fraction, dtype=float)
    held = np.zeros(n)
    p_out = np.zeros((n_steps, n))
    soc_out = np.full((n_steps, n), np.nan)
    for k in range(2 * n_steps):
        s = k % n_steps
        day2 = k >= n_steps
        soc = np.where(arriving[s], arrival_soc_fraction, soc)
        plug = plugged[s]
        room_kw = np.maximum(soc_target_fraction - soc, 0.0) * e_kwh / (efficiency * dt_h)
        avail_kw = np.maximum(soc - soc_reserve_fraction, 0.0) * e_kwh * efficiency / dt_h
        charge = np.minimum(p_charger_kw, room_kw)
        export = np.minimum(p_charger_kw, avail_kw)
        lost = day2 and comm_loss_step is not None and s >= comm_loss_step
        if not lost:
            p = np.where(plug, np.where(window[s], export, -charge), 0.0)
            held = p.copy()
        elif fallback is CommLossFallback.CEASE_EXPORT:
            p = np.zeros(n)
        elif fallback is CommLossFallback.REVERT_TO_CHARGING:
            p = np.where(plug, -charge, 0.0)
        elif fallback is CommLossFallback.HOLD_LAST:
            held = np.where(arriving[s] | ~plug, 0.0, held)
            p = np.where(held > 0, np.minimum(held, export), -np.minimum(-held, charge))
            p = np.where(plug, p, 0.0)
        else:  # pragma: no cover - closed set
            raise ValueError(f"unknown fallback {fallback!r}")
        soc = soc - np.where(p > 0, p * dt_h / (efficiency * e_kwh), 0.0) \
            + np.where(p < 0, -p * dt_h * efficiency / e_kwh, 0.0)
        if day2:
            p_out[s] = p
            soc_out[s] = np.where(plug, soc, np.nan)
    p_kw = p_out.sum(axis=1)
    p_export = np.clip(p_out, 0, None).sum(axis=1)
    p_charge = -np.clip(p_out, None, 0).sum(axis=1)
    n_plugged = plugged.sum(axis=1)
    soc_mean = np.full(n_steps, np.nan)
    has = ~np.isnan(soc_out).all(axis=1) if n else np.zeros(n_steps, bool)
    if has.any():
        soc_mean[has] = np.nanmean(soc_out[has], axis=1)
    mode = np.where(p_kw > 1e-9, ChargerMode.EXPORTING.value,
                    np.where(p_kw < -1e-9, ChargerMode.CHARGING.value, ChargerMode.IDLE.value))
    mode = mode.astype(object)
    if comm_loss_step is not None and fallback is CommLossFallback.CEASE_EXPORT:
        mode[comm_loss_step:] = ChargerMode.CEASED.value
    return FleetDay(t, p_kw, p_export, p_charge, n_plugged, soc_mean, mode)


def site_day(site: object, participation_fraction: float, *,
             comm_loss_step: int | None = None,
             fallback: CommLossFallback | str | None = None,
             **assumptions: float) -> FleetDay:
    """The day of a study's :class:`~protv2g.study.schema.V2GSite` (``site.day`` required).

    Parameters
    ----------
    site : V2GSite
        With a ``day`` block.
    participation_fraction : float
        Fraction of its chargers with a vehicle.
    comm_loss_step, fallback
        See :func:`fleet_day`.
    **assumptions
        ``arrival_soc_fraction``, ``soc_target_fraction``, ``arrival_spread_h``,
        ``departure_spread_h`` (not yet in the study schema).

    Raises
    ------
    ValueError
        When the site has no ``day`` block.
    """
    day = site.day  # type: ignore[attr-defined]
    if day is None:
        raise ValueError(f"site {site.name!r} has no 'day' block")  # type: ignore[attr-defined]
    n = int(round(participation_fraction * site.n_chargers))  # type: ignore[attr-defined]
    return fleet_day(n, site.p_charger_kw, day.battery_kwh, day.efficiency,  # type: ignore
                     day.arrival_h, day.departure_h, tuple(day.export_window_h),
                     day.soc_reserve_fraction, comm_loss_step=comm_loss_step,
                     fallback=fallback, **assumptions)
