"""C7's duty figures of every device (:func:`duty_frame`): per scenario, device and maximum
case, the fault with the largest symmetrical current through the device on the IEC 60909
basis, its X/R, peak, asymmetrical current and the duty on the rating's basis — the frame
:func:`protv2g.checks.duty.check_duty` judges and the Device duty sheet shows
(:mod:`protv2g.checks.duty_sheet`). The figures, their equations and sources are described in
:mod:`protv2g.checks.duty`; the rows each figure is read from are :mod:`.duty_rows`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._keys import FaultKeys
from protv2g.checks.asymmetry import (
    KAPPA_MAX,
    METHOD_B_MESHED_FACTOR,
    RATING_X_R_DEFAULT,
    asym_rms_factor,
    asym_rms_ka,
    driving_point_x_r,
    kappa_iec60909,
    peak_current_ka,
    rating_x_r_default,
)
from protv2g.checks.converter_sum import (
    GRID_COLUMNS,
    IDLE_COLUMNS,
    IDLE_GRID_COLUMNS,
    NET_COLUMNS,
)
from protv2g.checks.duty_rows import KEYS as _KEYS
from protv2g.checks.duty_rows import block_base_rows as _block_base_rows
from protv2g.checks.duty_rows import dss_x_r as _dss_x_r
from protv2g.checks.duty_rows import (
    duty_twins,
    known_x_r_kappa,
    with_twin_scenarios,
)
from protv2g.checks.duty_rows import take_block as _take
from protv2g.checks.duty_rows import worst_rows as _worst_rows
from protv2g.units import Case

__all__ = ["DUTY_BLOCK_ROWS", "DUTY_COLUMNS", "RATING_X_R_DEFAULT", "duty_frame"]

#: Columns of the Device duty sheet. ``i_max_ka``: the symmetrical current duty is on
#: (``current_basis``): ``i_iec_sum_ka`` (maximum case, IEC 60909 magnitude sum of the
#: network's and the chargers' parts) or the control-law ``i_phasor_ka``. ``i_idle_ka``: the
#: device's largest with every charger idle and the sites' own equipment in (NaN without
#: such equipment), the reference of the chargers' share of ``increase_percent`` (rev37b F2).
DUTY_COLUMNS = ["device", "kind", "scenario", "fault_bus", "fault_type", "case", "i_max_ka",
                "i_phasor_ka", "i_iec_sum_ka", "current_basis", "i_network_ka",
                "i_converter_ka", "x_r", "kappa", "ip_ka", "i_asym_ka", "rating_basis",
                "rating_x_r", "i_duty_ka", "interrupting_rating_ka", "duty_percent",
                "i_base_ka", "i_idle_ka", "increase_percent", "v2g_increase_percent", "severity",
                "severity_rule"]

#: Rows of the fault table :func:`duty_frame` evaluates at once (whole devices per block).
DUTY_BLOCK_ROWS = 100_000
#: Columns of the checks' fault table that C7 reads.
_DUTY_COLUMNS = ("scenario", *_KEYS, "fault_bus_name", "fault_kind", "phase",
                 *(c for p in "abc" for c in (f"i{p}_ka", f"i{p}_degree")),
                 *GRID_COLUMNS,  # (a feeder with existing DER only)
                 *NET_COLUMNS,  # (sites' own equipment in the model only)
                 *IDLE_COLUMNS, *IDLE_GRID_COLUMNS)  # (its chargers-idle network, rev37b F2)
#: Columns of :func:`duty_frame` the Device duty sheet reads.
_DUTY_FRAME_COLUMNS = ["scenario", "device", "case", "fault_bus_name", "fault_type",
                       *DUTY_COLUMNS[6:18], "i_duty_ka", "rating_ka", "i_idle_ka"]


def duty_frame(study: Any, faults: pd.DataFrame, base_of: dict[str, str],
               rows: np.ndarray | None = None, columns: list[str] | None = None,
               x_r_known: dict[int, float] | None = None, keys: FaultKeys | None = None,
               x_r_kappa_known: dict[int, tuple[float, float]] | None = None
               ) -> pd.DataFrame:
    """Per (scenario, device, case): the fault with the largest symmetrical current through
    the device on the case's basis and its duty figures (see the module docstring).

    Parameters
    ----------
    study : Study
        On the net the fault table was computed on (close-in buses included).
    faults : DataFrame
        Engine device table (``ia_ka``, ``ia_degree`` … ``ic_degree``, ``fault_bus``,
        ``fault_bus_name`` …), the base cases' rows included.
    base_of : dict
        Scenario → its base case.
    rows, columns : optional
        Only these rows (positions) and columns of ``faults`` (default all): taken block by
        block, never as one copy (#21).
    x_r_known : dict, optional
        OpenDSS feeder: fault bus → X/R already computed on ``study.model`` (another
        :func:`duty_frame` of the same study, :attr:`KnownDuty.x_r`); only the other buses
        are solved. The figure depends on the model and the bus alone (one sparse LU of
        ``y_s``, one solve per bus), so it is the same number.
        Scenarios whose rows (and base case's rows) repeat another scenario's bit for bit
        are evaluated once (:func:`~protv2g.checks.duty_rows.duty_twins`, #21): their
        groups are the other's under their own name.
    x_r_kappa_known : dict, optional
        pandapower feeder: fault bus → (X/R, κ) already computed on ``study.net`` with the
        study's method (:meth:`KnownDuty.x_r_kappa`). When every bus of the frame is in it,
        the sequence network is not built again (#21: the Device duty sheet rebuilt it for
        the buses C7 had solved, ≈ 0.1 s CPU at 10,000 buses); both figures depend on the
        net, the method and the bus alone, so they are the same numbers.
    keys : FaultKeys, optional
        The integer codes of ``faults``' rows (``CheckContext.keys``): each row's base row
        is read off them (:meth:`~protv2g.checks._keys.FaultKeys.base_rows`), the key
        columns are not joined again per block (#21).

    Returns
    -------
    DataFrame
        ``scenario, device, case, fault_bus, fault_bus_name, fault_type, i_max_ka,
        i_phasor_ka, i_iec_sum_ka, current_basis, i_network_ka, i_converter_ka, x_r, kappa,
        ip_ka, i_asym_ka, rating_basis, rating_x_r, i_duty_ka, rating_ka`` (``rating_ka`` NaN
        without a rating). ``i_max_ka`` is the symmetrical current duty is computed on:
        ``i_iec_sum_ka`` in the maximum case, the phasor ``i_phasor_ka`` otherwise
        (``current_basis``, :data:`~protv2g.checks.converter_sum.CurrentBasis`).
    """
    n_rows = len(faults) if rows is None else len(rows)
    if n_rows == 0:
        return _take(faults, rows, columns, None).assign(i_max_ka=pd.Series(dtype=float))
    # scenarios repeating another's rows and base rows: evaluated once, their groups copied
    # (#21: four of the six scenarios at 10,000 buses)
    twins = duty_twins(faults, rows, columns, base_of)
    if twins is None:
        return _duty_frame(study, faults, base_of, rows, columns, x_r_known, keys,
                           x_r_kappa_known)
    w = _duty_frame(study, faults, base_of, twins.rows, columns, x_r_known, keys,
                    x_r_kappa_known)
    return with_twin_scenarios(w, faults["scenario"].to_numpy(), twins.copies)


def _duty_frame(study: Any, faults: pd.DataFrame, base_of: dict[str, str],
                rows: np.ndarray | None, columns: list[str] | None,
                x_r_known: dict[int, float] | None, keys: FaultKeys | None,
                x_r_kappa_known: dict[int, tuple[float, float]] | None = None
                ) -> pd.DataFrame:
    """:func:`duty_frame` of every scenario of ``rows`` (at least one row)."""
    dev = faults["device"].to_numpy()
    dev = dev if rows is None else dev[rows]
    # device by device in blocks of about DUTY_BLOCK_ROWS rows, only each block's worst rows
    # kept (#21: the whole table's copies — reset_index, assign, the base join, the phasors —
    # were +835 MiB at the 10,000-bus study's checks peak); a row's base-case row is the same
    # device's, so every block holds its own
    codes, uniques = pd.factorize(dev)
    sizes = np.bincount(codes[codes >= 0], minlength=len(uniques))
    block = (np.cumsum(sizes) - sizes) // DUTY_BLOCK_ROWS  # each device's block
    if len(block) == 0 or block.max() == 0 or (codes < 0).any():
        worst = _worst_rows(_take(faults, rows, columns, None), base_of,
                            _block_base_rows(keys, rows, None, len(faults), base_of))
    else:
        at = block[codes]
        worst = pd.concat([
            _worst_rows(_take(faults, rows, columns, np.flatnonzero(at == b)), base_of,
                        _block_base_rows(keys, rows, np.flatnonzero(at == b), len(faults),
                                         base_of))
            for b in np.unique(block)])
        worst = worst.sort_values(["scenario", "device", "case"], kind="stable")
    f_hz = float(getattr(study.feeder, "f_hz", 60.0) or 60.0)
    # X/R of the maximum-case network (the duty case) at every fault position
    known = known_x_r_kappa(worst.fault_bus.to_numpy(), x_r_kappa_known)
    if known is not None:  # every bus solved before on this net (pandapower feeder)
        x_r, kappa = known
    else:
        if study.model is not None:  # OpenDSS feeder: its system matrix (IEC: no shunts)
            x_r = _dss_x_r(study.model, worst.fault_bus.to_numpy(), x_r_known or {},
                           study.document.faults.method)
            meshed = False
        else:
            x_r, meshed = driving_point_x_r(study.net, worst.fault_bus.to_numpy(), Case.MAX,
                                            study.document.faults.method)
        kappa = kappa_iec60909(1.0 / x_r)
        if meshed:
            kappa = np.minimum(METHOD_B_MESHED_FACTOR * kappa, KAPPA_MAX)
    worst["x_r"] = x_r
    worst["kappa"] = kappa
    worst["ip_ka"] = peak_current_ka(worst.i_network_ka.to_numpy(),
                                     worst.i_converter_ka.to_numpy(), kappa)
    t_s = 0.5 / f_hz
    worst["i_asym_ka"] = asym_rms_ka(worst.i_max_ka.to_numpy(), worst.i_network_ka.to_numpy(),
                                     x_r, t_s, f_hz)
    devices = {d.name: d for d in study.document.devices}
    worst["rating_basis"] = worst.device.map(lambda n: devices[n].interrupting_rating_basis)
    # the device's own test X/R, else the standard 45 ms dc time constant at the feeder's
    # frequency (17 at 60 Hz, 14.1 at 50 Hz: review rev51 #7a)
    x_r_std = rating_x_r_default(f_hz)
    worst["rating_x_r"] = worst.device.map(
        lambda n: devices[n].rating_x_r or x_r_std).astype(float)
    s_rating = asym_rms_factor(worst.rating_x_r.to_numpy(), t_s, f_hz)
    sym_equiv = np.maximum(worst.i_max_ka.to_numpy(), worst.i_asym_ka.to_numpy() / s_rating)
    worst["i_duty_ka"] = np.where(worst.rating_basis == "asym", worst.i_asym_ka, sym_equiv)
    worst["rating_ka"] = worst.device.map(
        lambda n: devices[n].interrupting_rating_ka).astype(float)
    return worst.reset_index(drop=True)


def _max_case(faults: pd.DataFrame) -> pd.DataFrame:
    """Duty is the maximum case's (all rows when the study has no maximum case)."""
    mx = faults[faults.case.astype(str) == Case.MAX.value]
    return mx if len(mx) else faults
