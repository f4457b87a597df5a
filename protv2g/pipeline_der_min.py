"""The minimum case with the feeder's existing inverters (PV, storage): the lower end per device.

The engine leaves the feeder's existing inverters out of the **minimum** case (ceased, 0 A:
IEC 60909-0 takes current sources in the maximum case only;
:mod:`protv2g.engine.der_model`). That is the low end of a *bus*'s fault current, not of a
*device*'s: for a device with the inverters between it and the fault, their infeed supplies
part of the fault and the device carries less (review rev34c M4, EPRI J1: the four 3-ph PV
sites, 1.88 MVA, all beyond rc_mid; LL-ab at b43441, rc_mid phase a 512.5 A with the PV out,
436.5 A with it in, −15 %, OpenDSS). The V2G chargers are already in the minimum case.

So on the OpenDSS path (:func:`protv2g.pipeline_dss.dss_fault_frames`, a feeder with such
inverters) every charger set that has them is solved a second time with them **in** the
minimum case (:data:`DER_IN_MIN`: the engine's ``der_in_min``), by their law — current-limited
at :class:`~protv2g.engine.der_model.InverterModel`'s first-cycle limit, then their sustained
limit; IEEE 1547-2018 Category II ride-through (Tables 11–13, the voltage trips and momentary
cessation below 0.5 pu are the model's stages): a unit that rides through feeds the fault —
and each **device row** of the minimum case takes the lower of the two (its largest phase
current, the first cycle; that row's later stages come with it,
:class:`~protv2g.engine.staged_tables.StagedCurrents`; a device with a ground element only
where its ``3I0`` is not raised: :func:`lower_with_der`). Bus rows keep the inverters out (the
bus's lower end). Which end each row took is data: the device table's boolean column
:data:`DER_IN_COLUMN` (``True``: the row is its twin's, the inverters in).

Which end each comparison reads (ver36 V2/V3, v2der37):

* a study scenario's row (base case or V2G) — its **own** low end, the lower of the two for
  that device in that network (the device's minimum: IEC 60909-0:2016 §1/§4.3's minimum case
  leaves current sources out, which is the *bus*'s low end; a *device*'s can be with them in,
  rev34c M4). The attribution compares a V2G row with its base row each at its own low end:
  the minimum case of the feeder as it is today against the minimum case with the project,
  the C5 margins of both read from these rows, so the equipment tests below compare with the
  very base figure the attribution compares with;
* the network part with every charger idle and the project's equipment in
  (:data:`~protv2g.study.engine_inputs.SITES_IDLE`, the reference of the "caused by the
  project's equipment" test of C1–C6, :mod:`protv2g.checks.equipment`,
  :mod:`protv2g.checks.equipment_rows`) is solved at **both** ends (twinned like a charger
  set, :func:`der_min_twins`, but not folded by :func:`lower_with_der`) and each compared row
  reads the idle row of the **end its own row took** (:data:`DER_IN_COLUMN`;
  :func:`protv2g.pipeline_blocks.with_network_columns` ``idle_der_in``): the idle reference
  is then the same case as the row it judges, only the chargers differ — with 1 kW of export
  the two agree to a fraction of an ampere. Taking the idle part's own lower end instead
  (63fbd61, reverted in d37da9b) or its DER-out end alone (before) let the two take
  different ends and read the PV's few amperes as the chargers' (EPRI J1 with one 1 kW
  charger, the head's 3I0 at SLG-c b5218: 303.5 A with the PV in, its idle figure 311.6 A
  with it out — C5 head "caused by V2G"; with the idle part's own lower end, C1
  head-temp_sub / F-DEPOT "caused by V2G" on a knife-edge LLG-bc row).

The maximum case is solved twice for those sets too (the engine solves every case of a set):
the twin's maximum-case rows equal the set's own and are not used. The pandapower
(sequence) path is unchanged: existing DER out of its minimum case.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from protv2g.checks.converter_sum import (  # DER_IN_COLUMN re-exported: the rows' end
    DER_IN_COLUMN,
    IDLE_SUSTAINED_COLUMNS,
)
from protv2g.checks.reach_stage import SUSTAINED, sustained_stage
from protv2g.engine.staged_tables import StagedCurrents

__all__ = ["DER_IN_COLUMN", "DER_IN_MIN", "der_min_twins", "lower_with_der",
           "with_idle_sustained"]

#: Suffix of a charger set's twin solved with the existing inverters in its minimum case.
DER_IN_MIN = " (existing DER in the min case)"

_KEYS = ("device", "fault_bus", "fault_type", "phase", "case")
#: A twin row is taken when its largest phase current is lower by more than this (relative):
#: equal currents (the inverters not between the device and the fault) keep the set's own.
_REL = 1e-6
#: |3I0| differences below this are noise (kA; the device table keeps rows from 1 A).
_NOISE_KA = 1e-3


def der_min_twins(sets: Mapping[str, object], skip: set[str] | frozenset[str]
                  ) -> dict[str, str]:
    """Charger set → its twin's key (:data:`DER_IN_MIN`), for the sets not in ``skip`` (the
    grid alone: no existing DER in it). The network part with every charger idle
    (:data:`~protv2g.study.engine_inputs.SITES_IDLE`) is twinned too, but not folded: both
    its ends are kept for the rows that read it (module docstring)."""
    return {k: f"{k}{DER_IN_MIN}" for k in sets if k not in skip}


def lower_with_der(device: pd.DataFrame, twins: Mapping[str, str],
                   *staged: StagedCurrents | None, ground: Collection[str] = (),
                   keep: Collection[str] = ()
                   ) -> tuple[pd.DataFrame, list[StagedCurrents | None], int]:
    """The device table (and its stages, row by row) with each minimum-case row of a set in
    ``twins`` replaced by its twin's row where the twin's largest phase current is lower —
    and, for a device in ``ground`` (one with a ground element), its ``|3I0|`` not higher.

    Parameters
    ----------
    device : DataFrame
        The engine's device table (folded ``fault_type``), the twins' rows in it.
    twins : mapping
        Charger set → its twin's key (:func:`der_min_twins`).
    *staged : StagedCurrents or None
        Stages aligned row by row with ``device``.
    ground : collection of str
        Devices with a ground element. The inverters inject positive sequence only
        (IEEE 1547-2018 era grid following): in a ground fault they lower the phase
        current of a device behind them but raise its ``3I0`` a little (the fault draws
        more and the zero-sequence network, which they are not in, shares it as before:
        +4.6 % in ``tests/test_pipeline_der_min.py``). A row cannot hold both low ends (one
        solve, its stages), so such a device keeps the inverters out there — its ground
        element's low end, the element that sees a ground fault's reach — and takes the
        twin only where both are lower or equal (3ph, LL); a device without one (a fuse, a
        phase-only recloser or relay) takes the lower phase current wherever it is.
    keep : collection of str
        Sets of ``twins`` whose rows are not replaced: both ends stay in the table, the
        twin's minimum-case rows flagged :data:`DER_IN_COLUMN` (the network part with every
        charger idle, read at each compared row's end; module docstring).

    Returns
    -------
    (DataFrame, list, int)
        The table (the same rows and order, the twins' rows left as they are: no study
        scenario maps to them) with :data:`DER_IN_COLUMN`
        (bool: ``True`` on the rows that took their twin's, and on the twins' own
        minimum-case rows), the stages taken alike, and how many rows took the twin's.

    Examples
    --------
    >>> import pandas as pd
    >>> dev = pd.DataFrame({"scenario": ["s", "s" + DER_IN_MIN], "device": ["r", "r"],
    ...                     "fault_bus": [1, 1], "fault_type": ["LL-ab", "LL-ab"],
    ...                     "phase": ["ab", "ab"], "case": ["min", "min"],
    ...                     "ia_ka": [0.51, 0.44], "ib_ka": [0.51, 0.44], "ic_ka": [0.0, 0.0],
    ...                     "i3i0_ka": [0.0, 0.0]})
    >>> out, _, taken = lower_with_der(dev, der_min_twins({"s": ()}, set()))
    >>> taken, out["ia_ka"].tolist(), out[DER_IN_COLUMN].tolist(), out["scenario"].tolist()[0]
    (1, [0.44, 0.44], [True, True], 's')
    """
    n = len(device)
    if not n or not twins:
        return device, list(staged), 0
    scen = device["scenario"].astype(str).to_numpy()
    is_min = device["case"].astype(str).to_numpy() == "min"
    # a twin's own minimum-case rows are the inverters-in end (those of the network part
    # with every charger idle are read by that flag: pipeline_blocks.with_network_columns)
    twin_rows = is_min & np.isin(scen, list(twins.values()))
    device = device.assign(**{DER_IN_COLUMN: twin_rows})
    i_max = device[["ia_ka", "ib_ka", "ic_ka"]].to_numpy(float).max(axis=1)
    i_0 = device["i3i0_ka"].to_numpy(float)
    has_ground = device["device"].astype(str).isin(list(ground)).to_numpy()
    keys = [c for c in _KEYS if c in device.columns]
    key = pd.MultiIndex.from_frame(device[keys].astype(str))
    pos = np.arange(n)
    for own, twin in twins.items():
        if own in keep:
            continue
        mine = np.flatnonzero(is_min & (scen == own))
        theirs = np.flatnonzero(is_min & (scen == twin))
        if not len(mine) or not len(theirs):
            continue
        at = key[theirs].get_indexer(key[mine])
        ok = at >= 0
        j = np.where(ok, theirs[np.where(ok, at, 0)], -1)
        jj = np.maximum(j, 0)
        lower = ok & (i_max[jj] < i_max[mine] * (1.0 - _REL))
        # a ground element's current not raised (beyond 1 A or 0.1 %: the 3ph/LL rows' 3I0
        # is numerical noise at either end)
        lower &= ~has_ground[mine] | (i_0[jj] <= i_0[mine] * (1.0 + 1e-3) + _NOISE_KA)
        pos[mine[lower]] = j[lower]
    taken = int(np.count_nonzero(pos != np.arange(n)))
    if not taken:
        return device, list(staged), 0
    out = device.take(pos)
    out.index = pd.RangeIndex(n)
    out["scenario"] = device["scenario"].array  # the row's own set, not the twin's
    out[DER_IN_COLUMN] = twin_rows | (pos != np.arange(n))  # the end taken: data (v2der37)
    return out, [None if st is None else st.take(pos) for st in staged], taken


def with_idle_sustained(device: pd.DataFrame, idle_at: np.ndarray,
                        low: StagedCurrents | None, high: StagedCurrents | None
                        ) -> pd.DataFrame:
    """``device`` with :data:`~protv2g.checks.converter_sum.IDLE_SUSTAINED_COLUMNS`: on each
    row whose idle figure is of the inverters-in end (:data:`DER_IN_COLUMN`, ``idle_at`` ≥ 0:
    its idle row's position in ``device``, :func:`protv2g.pipeline_blocks.idle_positions`),
    that idle row's largest phase current and ``|3I0|`` (A) in the sustained stage, the
    smaller of the two brackets (``low``, ``high``: stages aligned with ``device``; ``high``
    ``None``: the first cycle held) — what C5 reads of the row itself
    (:func:`protv2g.checks.reach_stage.stage_currents`), so that with 1 kW of export the
    two agree (ver36 V2: the idle figure of the PV's first cycle, 303 A, against the row's
    sustained 307 A at SLG-c b5218 on EPRI J1). Where a stage carries the first cycle's
    bits the first cycle's float64 figure is taken, as there. NaN on every other row and
    without ``low``'s sustained stage.
    """
    n = len(device)
    out = {c: np.full(n, np.nan) for c in IDLE_SUSTAINED_COLUMNS}
    at = np.asarray(idle_at, dtype=np.int64)
    mine = at >= 0
    if DER_IN_COLUMN in device.columns:
        mine &= device[DER_IN_COLUMN].to_numpy(bool)
    else:
        mine[:] = False
    if low is None or SUSTAINED not in low.stage_names or not mine.any():
        return device.assign(**out)
    rows = at[mine]
    i_ka = device[["ia_ka", "ib_ka", "ic_ka"]].to_numpy(float)[rows]
    first = (1000.0 * np.nan_to_num(i_ka).max(axis=1),
             1000.0 * np.nan_to_num(device["i3i0_ka"].to_numpy(float)[rows]))
    # each bracket's sustained stage as C5 reads it (the first cycle held without stages)
    lo, hi = (sustained_stage(st, rows, *first) or first for st in (low, high))
    for c, a, b in zip(IDLE_SUSTAINED_COLUMNS, lo, hi, strict=True):
        out[c][mine] = np.fmin(a, b)
    return device.assign(**out)
