"""IEC 60909 magnitude addition of the chargers' fault current for the maximum case (#16),
on the fault tables: each row against its base case's row.

The sum of one row's parts — why the maximum case adds the chargers' current by magnitude,
and the split ``I_net`` / ``I_conv`` — is :mod:`protv2g.checks.converter_split`; here the
rows of a fault table find their network part:

* the base case's row for the same fault, device and phase (:func:`split_against_base`,
  :func:`bus_iec_sum_ka`), or
* the row's own phasors of the network without the chargers, where the base case is not
  the network's part:

**Existing DER** (review s16 §3 item 2, ``tests/test_existing_der_iec.py``): the feeder's
own inverter sources are on in the base case's maximum case, so the base case is not the
network's part. On such a feeder the pipeline also solves the **grid alone** (no existing
DER, no charger: :data:`~protv2g.study.engine_inputs.GRID_ONLY`) and puts its phasors on
every row (:data:`GRID_COLUMNS`); the split is then

    I_iec = |I_grid| + |I_base − I_grid| + |I − I_base|

(network, existing DER, chargers: every full-size converter unit's part by magnitude,
IEC 60909-0:2016 §6.9 current sources; pandapower ``calc_sc`` sums them into one ``IKSS2``,
the same figure when they are in phase at the fault). Workplace B04 3ph, firm: 2.378961 kA
vs ``calc_sc`` 2.378852 (+0.005 %; was 2.331890, −2.0 %); base case SUB-12kV 7.711 kA ≥ the
grid alone 7.610 (was 7.587). ``i_network_ka`` is the grid's part, ``i_converter_ka`` the
existing DER's and the chargers' together. OpenDSS feeders do the same since session 19
(:mod:`protv2g.pipeline_dss` solves the grid alone beside the base case). (The minimum case
leaves existing DER out since session 16, as calc_sc.)

**A site's own equipment** (OpenDSS ``v2g_sites[].model_transformer``, a pandapower
site's ``interconnection_transformer``: out of the base case; reviews rev34c W1, rev34b L1,
rev37b F2): the pipeline solves the same model with every charger idle (and the grid alone,
with existing DER) and puts those phasors on the rows of the parts that build the equipment:
:data:`NET_COLUMNS` on a row whose base case has no twin (a fault at, or a device on, the
site's transformer), the :data:`~protv2g.checks.equipment.IDLE_COLUMNS` (and
``IDLE_GRID_COLUMNS``) on a row that has one (device and bus tables). Either is the row's
network part, ``I_idle`` in place of ``I_base``: the equipment changes the network — a grounded-wye
(``YNd``) winding on the feeder side is a zero-sequence source for every ground fault on the
feeder — so the base case is not what the network drives there, and ``I − I_base`` would
count the transformer's infeed as the chargers'. DG feeder, depot fuse close-in SLG-a max,
firm: 1.520 kA on the phasor with "I converter 0" before rev34c; 1.502 kA network (OpenDSS
1.504) + 0.055 kA chargers (OpenDSS: the three groups' magnitudes through the fuse sum to
0.057) = 1.557 kA. IEEE 34 with the depot's 1.5 MVA YNd at 806 (rev37b F2), F-818 close-in
SLG-a max, firm: network 0.288450 kA (the base case) + chargers 0.042798 = 0.331248 kA before;
the chargers-idle network 0.307019 kA (OpenDSS 305.28 A with the site transformers and no
charger, 284.32 A without) + chargers 0.027857 kA = 0.334876 kA now.
:attr:`ConverterSplit.i_idle_ka` is the row's network figure on its own (``|I_idle|``; with
existing DER ``|I_grid| + |I_idle − I_grid|``): C7 splits a fault-level change into the
equipment's and the chargers' share on it (:mod:`protv2g.checks.duty`).

Per row the phase with the largest ``I_iec`` is kept. Where no base row and no network part
of its own exist (the OpenDSS path keeps device rows ≥ 1 A only; a study without a site's
own equipment) the phasor current is used and the whole of it is taken as the network's
(``phasor_no_base``), as before #16.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._rows import column_at, factorize_all
from protv2g.checks.converter_split import (
    CURRENT_BASES,
    IEC_SUM_SOURCE,
    ConverterSplit,
    CurrentBasis,
    magnitude_sum_ka,
    phasors_ka,
    split_currents,
)
from protv2g.checks.scenario_twins import base_twins, column_bits, scenario_labels

__all__ = ["CurrentBasis", "CURRENT_BASES", "ConverterSplit", "magnitude_sum_ka",
           "phasors_ka", "split_currents", "split_against_base", "bus_iec_sum_ka",
           "IEC_SUM_SOURCE", "GRID_COLUMNS", "NET_COLUMNS", "DER_IN_COLUMN",
           "IDLE_SUSTAINED_COLUMNS", "IDLE_VOLTAGE_COLUMNS", "IDLE_GRID_VOLTAGE_COLUMNS"]

_PHASES = ("a", "b", "c")

#: Phase phasors of the same fault with **no existing DER and no charger** (the network's
#: voltage sources alone: IEC 60909's ``I″kI``), kA and degrees, on every row of the fault
#: tables of a feeder with existing inverter sources (:func:`protv2g.pipeline.fault_tables`;
#: absent otherwise). NaN: the device sees < 1 A without them.
GRID_COLUMNS: tuple[str, ...] = tuple(c for p in _PHASES
                                      for c in (f"i{p}_grid_ka", f"i{p}_grid_degree"))

#: Phase phasors of the same fault with the sites' own equipment in and **every charger
#: idle** (existing DER as in the row's case: in the maximum case; in the minimum case at the
#: end the row took, :data:`DER_IN_COLUMN`), kA and degrees: the network's part of a row
#: whose base case has no such row — a fault at, or a device on, a site's own transformer,
#: which is out of the base case (OpenDSS ``v2g_sites[].model_transformer``,
#: :func:`protv2g.pipeline_dss.dss_fault_frames`; review rev34c W1, rev34b L1). NaN on
#: every other row (the base row is the network's part there) and where the device sees
#: < 1 A with the chargers idle; absent on a study without such equipment. With
#: :data:`GRID_COLUMNS` on the same rows (existing DER), those are the grid alone with the
#: equipment in.
NET_COLUMNS: tuple[str, ...] = tuple(c for p in _PHASES
                                     for c in (f"i{p}_net_ka", f"i{p}_net_degree"))
#: The chargers-idle phasors of a device row that *has* a base twin, in a part that builds a
#: site's equipment (:data:`protv2g.checks.equipment.IDLE_COLUMNS`, the same names; written
#: out here because that module imports this one) and the grid alone with the equipment in
#: (``IDLE_GRID_COLUMNS``, existing DER): the network part of those rows (rev37b F2).
IDLE_COLUMNS: tuple[str, ...] = tuple(c for p in _PHASES
                                       for c in (f"i{p}_idle_ka", f"i{p}_idle_degree"))
IDLE_GRID_COLUMNS: tuple[str, ...] = tuple(
    c for p in _PHASES for c in (f"i{p}_idle_grid_ka", f"i{p}_idle_grid_degree"))
#: The phase voltages (pu, degrees) at the device's bus of the same chargers-idle solution
#: (and, ``IDLE_GRID_VOLTAGE_COLUMNS``, of the grid alone with the equipment in), on every
#: device row that gets :data:`NET_COLUMNS` or :data:`IDLE_COLUMNS`, where the device table
#: has its voltages (a study with a forward-directional relay,
#: :func:`protv2g.pipeline.phasors_read`): what a directional relay's elements polarise on
#: with every charger idle, so that the idle judgements time only the elements its
#: directional control releases there (:func:`protv2g.checks.directional_release.
#: idle_release`); 0 where the idle solution has no row for the device.
IDLE_VOLTAGE_COLUMNS: tuple[str, ...] = tuple(
    c for p in _PHASES for c in (f"v{p}_idle_pu", f"v{p}_idle_degree"))
IDLE_GRID_VOLTAGE_COLUMNS: tuple[str, ...] = tuple(
    c for p in _PHASES for c in (f"v{p}_idle_grid_pu", f"v{p}_idle_grid_degree"))

#: Device-table column (bool) of a feeder with existing inverters (the OpenDSS path): the
#: row's minimum case is the one with them **in** — the lower end of that device's current
#: (:func:`protv2g.pipeline_der_min.lower_with_der`, review rev34c M4) —, ``False`` where
#: they are out (IEC 60909-0's minimum case) and on maximum-case rows; absent (read as
#: ``False``) without such inverters. Its idle figures (:data:`NET_COLUMNS`,
#: :data:`~protv2g.checks.equipment.IDLE_COLUMNS`) are of the same end
#: (:func:`protv2g.pipeline_blocks.with_network_columns`, ver36 V2/V3).
DER_IN_COLUMN = "der_in_min"

#: The idle figure's sustained stage (A: the largest phase current, ``|3I0|``) on a row whose
#: idle figure is of the inverters-in end (:data:`DER_IN_COLUMN`): the existing inverters
#: have stages of their own there (first cycle, then their sustained limit), which the rows
#: judged on the sustained stage (C5's time-delayed elements, :mod:`protv2g.checks.
#: reach_stage`) read — the worse bracket, as C5 takes it. NaN elsewhere: without a
#: converter in the idle part its first cycle holds for the whole fault.
IDLE_SUSTAINED_COLUMNS = ("i_phase_idle_sustained_a", "i_ground_idle_sustained_a")


def split_against_base(frame: pd.DataFrame, keys: Sequence[str],
                       base_of: Mapping[str, str], base_row: np.ndarray | None = None,
                       rows: np.ndarray | None = None) -> ConverterSplit:
    """:func:`split_currents` of every row of a fault table against its base case's row.

    Parameters
    ----------
    frame : DataFrame
        ``scenario``, ``case``, the ``keys`` and the phase phasors ``ia_ka, ia_degree …
        ic_degree`` (kA, degrees); the base cases' rows included.
    keys : sequence of str
        Columns that name the same fault (and device) in another scenario.
    base_of : mapping
        Scenario → its base case.
    base_row : ndarray of int, optional
        ``(len(frame),)``: the position in ``frame`` of each row's base row (``-1``: none),
        when the caller has it from integer codes (C7:
        :meth:`protv2g.checks._keys.FaultKeys.base_rows`); the keys are then not joined.
    rows : ndarray of int, optional
        Only these positions of ``frame`` are split (their base rows read where they are):
        each row is split on its own, so a row's figures are the same numbers as when every
        row is (#21: C7 splits the candidates of each group's largest current only).

    Returns
    -------
    ConverterSplit
        Aligned row by row with ``frame`` (with ``rows``: with ``rows``); the network part
        is the row's chargers-idle phasor where it carries one (:data:`NET_COLUMNS`, the
        idle columns; module docstring), else the base row's (NaN where the base case has
        no such row).
    """
    case = None
    if base_row is None:
        row, case = _base_rows(frame, keys, base_of)
    else:
        row = np.asarray(base_row, dtype=np.int64)
    if case is None:
        case = factorize_all(frame["case"].to_numpy())
    is_max = np.array([str(u) == "max" for u in case[1]], bool)
    mx = is_max[case[0]] if len(is_max) else np.zeros(0, bool)
    if rows is not None:  # the rows asked for; each one's base row from the whole frame
        at = np.asarray(rows, dtype=np.int64)
        row, mx = row[at], mx[at]
        base = np.maximum(row, 0)

        def phasors(ka: str, degree: str, where: np.ndarray) -> np.ndarray:
            return np.column_stack([phasors_ka(frame[ka.format(p)].to_numpy()[where],
                                               frame[degree.format(p)].to_numpy()[where])
                                    for p in _PHASES])

        i = phasors("i{}_ka", "i{}_degree", at)
        i_base = phasors("i{}_ka", "i{}_degree", base)
        grid, net, idle, idle_grid = (
            phasors(f"i{{}}_{u}_ka", f"i{{}}_{u}_degree", at) if set(cols) <= set(frame.columns)
            else None for u, cols in (("grid", GRID_COLUMNS), ("net", NET_COLUMNS),
                                      ("idle", IDLE_COLUMNS),
                                      ("idle_grid", IDLE_GRID_COLUMNS)))
    else:
        i = np.column_stack([phasors_ka(frame[f"i{p}_ka"], frame[f"i{p}_degree"])
                             for p in _PHASES])
        i_base = None
        # chunk by chunk of rows (each row on its own: the same numbers): the temporaries
        # of split_currents, ≈ 250 bytes a row, held for a chunk, not the table (#21: the
        # Device duty sheet's peak at 10,000 buses, the IEC column's 482,880 bus rows);
        # existing DER: the grid-only phasors; a site's own equipment: chargers idle on the
        # rows without a base twin (net) and with one (idle), and the grid alone with it
        grid, net, idle, idle_grid = (
            np.column_stack([phasors_ka(frame[f"i{p}_{u}_ka"], frame[f"i{p}_{u}_degree"])
                             for p in _PHASES]) if set(cols) <= set(frame.columns) else None
            for u, cols in (("grid", GRID_COLUMNS), ("net", NET_COLUMNS),
                            ("idle", IDLE_COLUMNS), ("idle_grid", IDLE_GRID_COLUMNS)))
    has = row >= 0

    def network(a: int, b: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """The network's phasors of rows a:b, their grid-alone phasors (existing DER) and
        which rows are the chargers-idle solve: the base row's, or where the row carries
        :data:`NET_COLUMNS` (its base case has no such row) or the chargers-idle phasors
        of a row with a base twin (``IDLE_COLUMNS``: a part with a site's equipment, whose
        grounded winding changes the network — rev37b F2) those."""
        out = np.where(has[a:b, None], i[np.maximum(row[a:b], 0)] if i_base is None
                       else i_base[a:b], np.nan)
        g = None if grid is None else grid[a:b]
        use = np.zeros(b - a, bool)
        for ph, ph_grid in ((idle, idle_grid), (net, None)):  # net last: it wins
            if ph is None:
                continue
            own = np.isfinite(ph[a:b]).any(axis=1)
            out = np.where(own[:, None], ph[a:b], out)
            if g is not None and ph_grid is not None:
                g = np.where(own[:, None], ph_grid[a:b], g)
            use |= own
        return out, g, use

    def split(a: int, b: int) -> ConverterSplit:
        n_ph, g, use = network(a, b)
        return split_currents(i[a:b], n_ph, mx[a:b], g, idle=use)

    parts = [split(a, b) for a, b in _chunks(len(i), SPLIT_CHUNK_ROWS)]
    if len(parts) == 1:
        return parts[0]
    return ConverterSplit(*(np.concatenate([getattr(p, f.name) for p in parts])
                            for f in fields(ConverterSplit)))


def _base_rows(frame: pd.DataFrame, keys: Sequence[str], base_of: Mapping[str, str]
               ) -> tuple[np.ndarray, tuple[np.ndarray, Any] | None]:
    """Each row's base row in ``frame`` (``-1``: none) for :func:`split_against_base`, and
    the ``case`` column's :func:`~protv2g.checks._rows.factorize_all` when it is a key."""
    keys = list(dict.fromkeys(keys))
    # the base row of each row: the first row of its base scenario with the same keys (as a
    # left join on the keys, base rows deduplicated), found on integer codes (#21: the join
    # on the string columns took 0.3 s on the IEEE 8500 bus table) by hashing, not sorting
    # (#21: np.unique of the scenario texts and of the row keys was a third of C7's split)
    scen, names = _str_codes(frame["scenario"].to_numpy())
    base_code = np.array([names.get(base_of.get(n, ""), -1) for n in names], np.int64)
    codes, dims = [scen], [max(len(names), 1)]
    case = None
    for k in keys:
        c, u = factorize_all(frame[k].to_numpy())
        codes.append(c.astype(np.int64))
        dims.append(max(len(u), 1))
        if k == "case":
            case = (c, u)
    own = np.ravel_multi_index(codes, dims)
    wanted = base_code[scen]
    has = wanted >= 0
    look = np.ravel_multi_index([np.where(has, wanted, 0), *codes[1:]], dims)
    # one factorisation of both: ``own``'s codes number its keys by first appearance, so
    # a code below their count is a key of some row, whose first row is where it appears
    both = pd.factorize(np.concatenate([own, look]))[0]
    own_code, look_code = both[:len(own)], both[len(own):]
    first = _first_appearance(own_code)
    has &= look_code < len(first)
    return np.where(has, first[np.where(has, look_code, 0)] if len(first) else 0, -1), case


#: Rows :func:`split_against_base` hands :func:`split_currents` at once.
SPLIT_CHUNK_ROWS = 65_536


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of ``size``-row chunks of ``n`` rows (one empty chunk for none)."""
    return [(a, min(a + size, n)) for a in range(0, n, size)] or [(0, 0)]


def _str_codes(values: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Integer codes of ``values`` by their ``str`` and the texts → code (in order of first
    appearance): the grouping of ``values.astype(str)``, by hashing the values once."""
    code, uniq = factorize_all(values)
    text, names = pd.factorize(np.array([str(u) for u in uniq], dtype=object))
    return (text[code] if len(text) else code).astype(np.int64), {
        str(n): k for k, n in enumerate(names)}


def _first_appearance(code: np.ndarray) -> np.ndarray:
    """First position of every code of a :func:`pandas.factorize` result (codes numbered
    by first appearance): where the running maximum grows."""
    if not len(code):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.diff(np.maximum.accumulate(code), prepend=-1) > 0)


def bus_iec_sum_ka(bus: pd.DataFrame, base_of: Mapping[str, str]) -> pd.Series:
    """``ikss_iec_sum_ka`` of a bus fault table: the largest phase ``|I_net| + |I_conv|``.

    The join is per phase (``ia … ic``), never on ``ikss_ka/ikss_degree``: ``ikss`` is the
    largest faulted phase, and for a balanced fault which phase that is is rounding noise
    (depot SUB-12kV 3ph: phase a in the base case, c with the depot's chargers — 120° apart).

    Parameters
    ----------
    bus : DataFrame
        Engine bus table (``scenario, bus, fault_type, case``, phase phasors ``ia_ka,
        ia_degree … ic_degree``; the phase engine's ``phase`` column joins the same fault
        of the base case).
    base_of : mapping
        Scenario → its base case.

    Returns
    -------
    Series
        kA, aligned with ``bus``; NaN in the minimum case, where the base case has no row
        and for a table without phase phasors (the phasor ``ikss_ka`` is then the row's
        fault level). Scenarios whose rows and base case's rows repeat another's bit for
        bit (:func:`~protv2g.checks.scenario_twins.base_twins`) take its figures.
    """
    cols = [c for p in _PHASES for c in (f"i{p}_ka", f"i{p}_degree")]
    if bus.empty or not set(cols) <= set(bus.columns):
        return pd.Series(np.nan, index=bus.index, name="ikss_iec_sum_ka", dtype=float)
    cols += [c for c in GRID_COLUMNS if c in bus.columns]  # existing DER
    cols += [c for c in NET_COLUMNS if c in bus.columns]  # a site's own equipment
    # its chargers-idle network on the rows with a base twin (rev37b F2)
    cols += [c for c in (*IDLE_COLUMNS, *IDLE_GRID_COLUMNS) if c in bus.columns]
    keys = [c for c in ("bus", "fault_type", "case", "phase") if c in bus.columns]
    # scenarios repeating another's rows and base rows: split once, the column copied (#21:
    # light and peak load, export levels past the chargers' limit — 4 of 6 at 10,000 buses);
    # a categorical column compared on its codes (equal codes, equal values: #21, the
    # engine's bus table has four, and every row was split)
    read = ["scenario", *keys, *cols]
    twins = base_twins(scenario_labels(bus["scenario"]), [column_bits(bus[c]) for c in read[1:]],
                       base_of) if all(isinstance(bus[c].dtype, np.dtype | pd.CategoricalDtype)
                                       for c in read) else None
    part = bus if twins is None else pd.DataFrame(
        {c: column_at(bus[c], twins.rows) for c in read}, copy=False)
    # the maximum case's rows only: every other row's figure is NaN (#21: the minimum
    # case's half of the 482,880 bus rows at 10,000 buses was split for nothing)
    codes, cases = factorize_all(part["case"].to_numpy())
    is_max = np.array([str(u) == "max" for u in cases], bool)
    at = np.flatnonzero(is_max[codes]) if len(is_max) else np.zeros(0, np.int64)
    figures = np.full(len(part), np.nan)
    figures[at] = split_against_base(part, keys, base_of, rows=at).i_iec_sum_ka
    if twins is None:
        return pd.Series(figures, index=bus.index, name="ikss_iec_sum_ka")
    out = np.empty(len(bus))
    out[twins.rows] = figures
    for dst, src in twins.copies:
        out[dst] = out[src]
    return pd.Series(out, index=bus.index, name="ikss_iec_sum_ka")
