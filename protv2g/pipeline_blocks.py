"""Study-scenario blocks of the fault engine's tables (:mod:`protv2g.pipeline`).

The engine solves each distinct charger set once; the pipeline's tables have one block of rows
per *study* scenario (scenarios that differ only in load level share a set and its rows). Split
from :mod:`protv2g.pipeline` (#21) to keep it under 600 lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from protv2g.checks.converter_sum import DER_IN_COLUMN
from protv2g.engine.collect import release_freed_memory  # noqa: F401 - re-exported
from protv2g.engine.device_rows import DeviceRows
from protv2g.engine.key_columns import key_column
from protv2g.engine.result import object_column
from protv2g.engine.staged_tables import StagedCurrents

__all__ = ["check_aligned", "held_scenarios", "idle_positions", "kept_stages",
           "positions", "release_freed_memory", "scenario_codes", "take", "taken", "twin_positions",
           "with_grid_columns", "with_network_columns"]


def positions(scenario: np.ndarray, key_of: dict[str, str],
              labels: tuple[str, ...] | None = None, every: Sequence[str] | None = None
              ) -> tuple[np.ndarray, pd.Categorical | np.ndarray]:
    """Row positions of each solved charger set, repeated for every study scenario that shares
    it (in ``key_of`` order), and the study scenario name of each taken row (a categorical,
    :func:`~protv2g.engine.key_columns.key_column`; #21). A charger set with no rows (a study
    without devices has an empty device table) takes none.

    ``scenario``: each row's charger set name, or with ``labels`` its integer position in
    ``labels`` (the engine's kept rows, ``DeviceRows.slice_key[:, 0]``: no strings to
    factorise, #21). ``every``: the names the categorical's categories are made of (default
    ``key_of``'s; the held blocks of :func:`held_scenarios` name every study scenario, as the
    table of every block does)."""
    if labels is None:
        codes, uniques = pd.factorize(pd.Series(scenario, dtype=object), sort=False)
    else:
        codes, uniques = np.asarray(scenario, dtype=np.int64), list(labels)
    # rows come grouped by charger set: a stable sort of codes already in order is the
    # identity (#21: 15 ms on the 10,000-bus study's 0.9 M device rows, checked in 1 ms)
    order = (np.arange(len(codes)) if len(codes) < 2 or bool((codes[1:] >= codes[:-1]).all())
             else np.argsort(codes, kind="stable"))
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    where = {u: order[bounds[i]:bounds[i + 1]] for i, u in enumerate(uniques)}
    none = np.zeros(0, np.int64)
    pos = [where.get(key, none) for key in key_of.values()]
    block = np.repeat(np.arange(len(pos)), [len(p) for p in pos])  # each row's study scenario
    names = list(key_of)
    if every is not None:  # the rows' names among ``every``'s
        at = {n: k for k, n in enumerate(every)}
        block = np.asarray([at[n] for n in names], dtype=np.int64)[block]
        names = list(every)
    return (np.concatenate(pos) if pos else np.zeros(0, np.int64),
            key_column(names, block))


def scenario_codes(frame: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """``frame``'s scenario column for :func:`positions`: its integer codes and labels where it
    is categorical (#21: no factorising of 241,440 names at 10,000 buses), else its values
    and ``None``. The same positions either way."""
    col = frame["scenario"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return (col.cat.codes.to_numpy().astype(np.int64),
                tuple(str(c) for c in col.cat.categories))
    return col.to_numpy(), None


def held_scenarios(key_of: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The study scenarios whose blocks the fault tables hold (``key_of`` cut to the first
    scenario of each charger set, in ``key_of`` order) and ``twin_of``: every study scenario,
    in ``key_of`` order, → the held scenario of its charger set (itself for a held one;
    :attr:`~protv2g.pipeline_tables.FaultTables.twin_of`). Scenarios that differ only in the
    load level share a set: the engine runs open-circuit, their rows are the same (#21)."""
    first: dict[str, str] = {}
    for name, key in key_of.items():
        first.setdefault(key, name)
    held = {name: key for name, key in key_of.items() if first[key] == name}
    return held, {name: first[key] for name, key in key_of.items()}


def twin_positions(labels: pd.Categorical, twin_of: dict[str, str]
                   ) -> tuple[np.ndarray, pd.Categorical | np.ndarray]:
    """Row positions and scenario names of a table of every study scenario made from a held
    table (:meth:`~protv2g.pipeline_tables.FaultTables.expanded`): each scenario of
    ``twin_of`` (in its order) takes the rows of its held scenario. ``labels``: the held
    table's scenario column (one run of rows per held scenario, as the pipeline makes it),
    a categorical read on its codes.

    Raises
    ------
    RuntimeError
        When a held scenario's rows are not one run or a scenario's held one has no rows
        while others have (not a table the pipeline made: a bug)."""
    if not isinstance(labels, pd.Categorical):  # names that are not all ``str``
        labels = pd.Categorical(np.asarray(labels, dtype=object))
    codes = np.asarray(labels.codes, dtype=np.int64)
    heads = np.asarray(labels.categories, dtype=object)
    starts = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1].astype(np.int64)
    ends = np.r_[starts[1:], len(codes)].astype(np.int64)
    if not len(codes):  # no rows (a study without devices): no run
        starts = ends = np.zeros(0, np.int64)
    names = [str(x) for x in heads[codes[starts]].tolist()]
    if len(set(names)) != len(names) or (names and not set(names) <= set(twin_of.values())):
        raise RuntimeError("the held fault rows are not one run per held scenario: "
                           "please report this bug")
    run = {n: np.arange(a, b, dtype=np.int64)
           for n, a, b in zip(names, starts.tolist(), ends.tolist(), strict=True)}
    none = np.zeros(0, np.int64)
    pos = [run.get(twin_of[n], none) for n in twin_of]
    block = np.repeat(np.arange(len(pos)), [len(p) for p in pos])
    return (np.concatenate(pos) if pos else none, key_column(list(twin_of), block))


def take(frame: pd.DataFrame, pos: np.ndarray, names: pd.Categorical | np.ndarray, *,
         shared: bool = False) -> pd.DataFrame:
    """:func:`taken` with each row's study scenario name (from :func:`positions`).

    ``shared``: where ``pos`` is every row of ``frame`` in its order, the new frame shares
    ``frame``'s columns instead of copying them (for a frame its caller drops at once: the
    engine's bus table, whose charger sets are all held; #21: a 33 MB copy of 241,440 rows
    at 10,000 buses). The same values, dtypes and column order; ``frame`` is unchanged."""
    if shared and len(pos) == len(frame) and np.array_equal(pos, np.arange(len(pos))):
        out = frame.copy(deep=False)
        out.index = pd.RangeIndex(len(out))
    else:
        out = taken(frame, pos)
    out["scenario"] = object_column(names)  # no type inferred from the names (#21)
    return out


def taken(frame: pd.DataFrame, pos: np.ndarray) -> pd.DataFrame:
    """The rows ``pos`` of ``frame`` as a new frame numbered from 0: one copy (#21:
    ``iloc[pos].reset_index(drop=True)`` made two, 380 MB more at 10,000 buses)."""
    out = frame.take(pos)
    out.index = pd.RangeIndex(len(out))
    return out


def _fault_keys(frame: pd.DataFrame) -> list[str]:
    """The columns naming one fault (and device) of a bus or device fault table."""
    keys = ["device", "fault_bus"] if "device" in frame.columns else ["bus"]
    return keys + ["fault_type", "case", *(["phase"] if "phase" in frame.columns else [])]


def with_grid_columns(frame: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a bus or device fault table) with the phase phasors of the same fault in
    ``grid`` (the grid-only charger set's table: no existing DER, no charger) as the
    :data:`~protv2g.checks.converter_sum.GRID_COLUMNS` of every row, joined on the fault
    (and device); NaN where ``grid`` has no row (a device seeing < 1 A without them)."""
    keys = _fault_keys(frame)
    at = pd.MultiIndex.from_frame(grid[keys].astype(str))
    if not at.is_unique:  # pragma: no cover - one row per fault and device
        raise RuntimeError("the grid-only fault rows repeat a fault: please report this bug")
    pos = at.get_indexer(pd.MultiIndex.from_frame(frame[keys].astype(str)))
    out = frame.copy(deep=False)
    for p in "abc":
        for src, dst in ((f"i{p}_ka", f"i{p}_grid_ka"), (f"i{p}_degree", f"i{p}_grid_degree")):
            vals = np.append(grid[src].to_numpy(float), np.nan)  # the last: no row
            out[dst] = vals[np.where(pos >= 0, pos, len(vals) - 1)]
    return out


def with_network_columns(frame: pd.DataFrame, base: pd.DataFrame, idle: str,
                         grid: str | None = None, rows: pd.DataFrame | None = None,
                         idle_der_in: str | None = None, voltages: bool = True
                         ) -> pd.DataFrame:
    """``frame`` (a bus or device fault table of one engine call, the rows of its charger
    sets ``idle`` — every charger idle — and ``grid`` — the grid alone — in it) with the
    :data:`~protv2g.checks.converter_sum.NET_COLUMNS` on the rows whose fault (and device)
    ``base`` (the base case's rows, another call's) lacks — a fault at or a device on a site's
    own equipment —, NaN on the others; 0 where ``idle`` has no such row (a device row is
    kept from 1 A: the network drives less through it). With ``grid`` (a feeder with existing
    DER) the :data:`~protv2g.checks.converter_sum.GRID_COLUMNS` of those rows are ``grid``'s
    (the base call's grid alone has no such row: NaN, or a dead bus's 0 there); the other
    rows keep theirs. Joined on the fault (and device), as :func:`with_grid_columns`.
    ``rows``: the table holding the ``idle`` and ``grid`` rows when they are not in ``frame``
    (the pandapower path keeps only the study scenarios' rows in its tables).

    ``idle_der_in`` (a feeder with existing inverters, the OpenDSS path): the key of
    ``idle``'s twin solved with them in the minimum case
    (:data:`~protv2g.pipeline_der_min.DER_IN_MIN`). A row that took that end
    (:data:`~protv2g.checks.converter_sum.DER_IN_COLUMN` ``True``: its minimum case is the lower
    with the inverters in) reads its idle phasors from the twin, every other row from
    ``idle`` (inverters out) — each compared row against the idle row of the end it took
    (:mod:`protv2g.pipeline_der_min`, ver36 V2/V3). ``grid`` has no existing inverter: one
    end.

    The rows *with* a base twin (e.g. a feeder relay at the close-in fault of a fuse on a
    site's transformer, whose bus the base case has; or the same relay at a substation-bus
    ground fault that a site's YNd transformer feeds) get the same ``idle`` (and ``grid``)
    phasors as the :data:`~protv2g.checks.equipment.IDLE_COLUMNS` (and
    :data:`~protv2g.checks.equipment.IDLE_GRID_COLUMNS`), NaN on the others: the currents
    with every charger idle and the site's equipment in that the pair's idle judgement
    (:func:`~protv2g.checks.equipment.idle_coordination`) and C5's and C6's
    (:mod:`~protv2g.checks.equipment_rows`) read, and that C7's and the duty's split takes as
    those rows' network part (:func:`~protv2g.checks.converter_sum.split_against_base`;
    review rev37b F2: IEEE 34, F-818 close-in SLG-a max 0.307 kA idle against 0.288 kA in
    the base case, the depot's YNd at 806 a zero-sequence source) — separate columns from
    the NET ones, which mark the rows without a twin (the pairs the base case has not).
    Every row with a twin gets them, a bus table's too (since rev37b F2; before, only a
    device table's and only where another device's row had none): 48 bytes a row more (96
    with existing DER) on the parts that build a site's equipment. A device table with
    voltages (a study with a forward-directional relay; ``voltages`` False: not asked for)
    also gets each row's idle (and grid)
    phase voltages, :data:`~protv2g.checks.converter_sum.IDLE_VOLTAGE_COLUMNS` (48 bytes a
    row more, 96 with existing DER): the idle judgements time only the elements the relay's
    directional control releases with every charger idle (review fix41d, "Idle-twin
    times")."""
    keys = _fault_keys(frame)

    def index(f: pd.DataFrame, on: list[str] = keys) -> pd.MultiIndex:
        return pd.MultiIndex.from_frame(f[on].astype(str))

    own = index(frame)
    no_base = ~np.asarray(own.isin(index(base).unique()), dtype=bool)
    # every device row with a base twin in a part that builds a site's equipment: the
    # C1 pair's idle judgement reads those at a fault of a row without a twin
    # (:func:`~protv2g.checks.equipment._mate_rows`), C5's and C6's anywhere (a YNd site
    # transformer's 3I0 through the head relay at a substation-bus ground fault, review
    # rev36a M1: :mod:`protv2g.checks.equipment_rows`)
    # — and C7's and the duty's split takes them as those rows' network part (review rev37b
    # F2: a YNd site transformer's infeed to a feeder ground fault is not the chargers'),
    # so every such row gets them, whether or not another row lacks a twin; a bus table's
    # too (the Fault currents sheet's IEC sum, :func:`~protv2g.checks.converter_sum.
    # bus_iec_sum_ka`)
    mate = ~no_base
    out = frame.copy(deep=False)
    rows = frame if rows is None else rows
    for key, suffix in ((idle, "net"), *(((grid, "grid"),) if grid is not None else ())):
        # each row's idle row of its own end (grid: one end); 0 where that end has none
        found = idle_positions(frame, key, idle_der_in if suffix == "net" else None, rows)
        for p in "abc":
            for col in ("ka", "degree"):
                vals = np.append(rows[f"i{p}_{col}"].to_numpy(float), 0.0)  # the last: no row
                got = vals[np.where(found >= 0, found, len(vals) - 1)]
                new = np.where(no_base, got, np.nan)
                name = f"i{p}_{suffix}_{col}"
                out[name] = new if suffix == "net" else np.where(
                    no_base, new, out[name].to_numpy(float))
                if mate.any():
                    idle_name = f"i{p}_idle_{col}" if suffix == "net" else f"i{p}_idle_grid_{col}"
                    out[idle_name] = np.where(mate, got, np.nan)
        if voltages and "va_pu" in rows.columns and "device" in frame.columns:  # a relay's
            # polarising voltages of the same solution (IDLE_VOLTAGE_COLUMNS), on every row
            end = "idle" if suffix == "net" else "idle_grid"
            for p in "abc":
                for col in ("pu", "degree"):
                    vals = np.append(rows[f"v{p}_{col}"].to_numpy(float), 0.0)
                    out[f"v{p}_{end}_{col}"] = vals[np.where(found >= 0, found, len(vals) - 1)]
    return out


def idle_positions(frame: pd.DataFrame, idle: str, idle_der_in: str | None = None,
                   rows: pd.DataFrame | None = None) -> np.ndarray:
    """The position in ``rows`` (``frame`` when not given) of each ``frame`` row's row of
    the same fault (and device) in the charger set ``idle`` — or, for a row that took the
    existing inverters in (:data:`~protv2g.checks.converter_sum.DER_IN_COLUMN`) and with
    ``idle_der_in`` given, in that twin (:func:`with_network_columns`); ``-1``: none.

    >>> f = pd.DataFrame({"scenario": ["v", "v", "i", "i+"], "bus": [1, 2, 1, 1],
    ...                   "fault_type": ["3ph"] * 4, "case": ["min"] * 4,
    ...                   "der_in_min": [True, False, False, True]})
    >>> idle_positions(f, "i", "i+").tolist()
    [3, -1, 2, 3]
    """
    rows = frame if rows is None else rows
    own = pd.MultiIndex.from_frame(frame[_fault_keys(frame)].astype(str))
    scen = rows["scenario"].to_numpy()
    der_in = (frame[DER_IN_COLUMN].to_numpy(bool)
              if idle_der_in is not None and DER_IN_COLUMN in frame.columns
              else np.zeros(len(frame), dtype=bool))
    two = idle_der_in is not None and bool(der_in.any())
    ends, whose = ((idle, idle_der_in), (~der_in, der_in)) if two else (
        (idle,), (np.ones(len(frame), dtype=bool),))
    found = np.full(len(frame), -1, dtype=np.int64)
    keys = _fault_keys(frame)
    for end, mine in zip(ends, whose, strict=True):
        pos = np.flatnonzero(scen == end)
        at = pd.MultiIndex.from_frame(rows.iloc[pos][keys].astype(str))
        if not at.is_unique:  # pragma: no cover - one row per fault and device
            raise RuntimeError(f"the {end!r} fault rows repeat a fault: please report this bug")
        got = at.get_indexer(own)
        hit = mine & (got >= 0)
        found[hit] = pos[got[hit]]
    return found


def kept_stages(st: StagedCurrents | None, dev_pos: np.ndarray, key_of: dict[str, str]
                ) -> StagedCurrents | None:
    """``st`` expanded like the device table (one block per study scenario)."""
    if st is None:
        return None
    sites = st.sites
    if len(sites):  # one take of the blocks (#21: a filter, a copy and a concat per scenario)
        pos, names = positions(sites["scenario"].to_numpy(), key_of)
        sites = take(sites, pos, np.asarray(names, dtype=object))  # an object column as before
    return st.take(dev_pos, sites)


def check_aligned(low: DeviceRows, high: DeviceRows) -> None:
    """The high bracket's device rows must be the low one's, position by position (same
    slices — charger set, case, fault type —, devices and fault buses; only the later stages
    differ). Compared on the engine's kept-row arrays (#21: the high bracket's tidy table was
    built for this comparison alone)."""
    if len(low) != len(high) or not all(
            np.array_equal(getattr(low, k), getattr(high, k))
            for k in ("slice_key", "device", "fault_bus")):
        raise RuntimeError("the high bracket's fault rows do not align with the low "
                           "bracket's: please report this as a bug")
