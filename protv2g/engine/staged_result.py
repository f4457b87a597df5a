"""The stage dimension of a fault study: :class:`StagedResult` (``FaultStudyResult.staged``).

Array layout (padded to the study's largest stage count ``n_stage``; a padded stage repeats the
fault bus's last stage with ``t_start_s = t_end_s = inf``, i.e. zero duration):

``t_start_s``, ``t_end_s`` ``[scenario, case, fault_type, stage, fault_bus]``
    when each stage begins and ends at each fault bus, s from fault inception (stage 0,
    ``first_cycle``, is ``[0, t_fc)``; the last real stage ends at ``inf``);
``bus_i_012_ka`` ``[scenario, case, fault_type, stage, fault_bus, seq]`` (built on first use
    from ``bus_stages`` when that is a function);
``device_i_012_ka``, ``device_v_012_pu`` ``[scenario, case, fault_type, stage, device,
    fault_bus, seq]`` (``keep="full"``) or ``device_max_ka``/``device_max_bus`` ``[...,
    stage, device, 2]`` (``keep="summary"``);
``charger_i_12_ka[scenario]`` ``[case, fault_type, stage, charger, fault_bus, seq(1, 2)]``
    (a fault study's kept device rows, ``fault_study(device_min_a=...)``: empty, the sites'
    peaks ``site_peaks_ka[scenario]`` ``[case, fault_type, 2, charger, fault_bus]`` instead);
``site_trip_s``, ``site_ceased``, ``site_v_min_pu`` ``[scenario]`` → ``[case, fault_type,
    charger, fault_bus]``.

Brackets: the **high** bracket of every site's contribution is stage 0 held for the whole fault
(``FaultStudyResult``'s own single-stage arrays); the **low** bracket is the sequence of stages
(sustained limit, cessation, trips). :func:`protv2g.devices.staged.staged_operate_time_s` turns
the per-stage currents into operate times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from protv2g.engine.faults import peak_phase_12, seq_to_abc
from protv2g.engine.repeated import repeated
from protv2g.engine.staging import stage_names
from protv2g.units import Case, FaultType

__all__ = ["SITE_COLUMNS", "SITE_KEY_COLUMNS", "BusStages", "StagedResult", "pad_stages",
           "put_site_peaks", "put_stages"]

#: Columns of :attr:`StagedResult.sites`, in order; the first six label the rows.
SITE_COLUMNS = ("scenario", "case", "fault_type", "site", "fault_bus", "fault_bus_name",
                "v_min_pu", "ceased", "trip_s", "i_first_cycle_ka", "i_sustained_ka")
SITE_KEY_COLUMNS = SITE_COLUMNS[:6]


def pad_stages(x: np.ndarray, n: int, fill_time: bool = False) -> np.ndarray:
    """``x`` with its stage axis (axis 0) padded to ``n`` by repeating the last stage (or with
    ``inf`` for time arrays)."""
    if len(x) >= n:
        return x
    extra = np.full((n - len(x),) + x.shape[1:], np.inf) if fill_time else np.repeat(
        x[-1:], n - len(x), axis=0)
    return np.concatenate([x, extra.astype(x.dtype)], axis=0)


def put_stages(out: np.ndarray, x: np.ndarray, fill_time: bool = False) -> None:
    """``out[...] = pad_stages(x, len(out), fill_time)`` written in place, without the padded
    copy (#21: the study's staged bus currents are the largest arrays of a summary run)."""
    n = min(len(x), len(out))
    out[:n] = x[:n]
    if n < len(out):
        out[n:] = np.inf if fill_time else x[n - 1:n]


def put_site_peaks(out: np.ndarray, x: np.ndarray, dtype: type) -> None:
    """``out[j]`` = the sites' largest phase current in stage ``j`` (0 first cycle, 1
    sustained; the last stage where fewer) of one slice's staged charger currents ``x``
    ``(n_stage, k, m, 2)`` taken as ``dtype``: what :meth:`StagedResult.site_source` reads
    from the padded ``charger_i_12_ka`` (:func:`put_stages`, the last stage repeated), the
    same values (#21: a study's kept rows need the sites' peaks only, not every stage's
    currents, ≈ 140 MB of new memory a bracket at 10,000 buses). ``out`` ``(2, k, m)``."""
    for j in (0, 1):
        out[j] = peak_phase_12(np.asarray(x[min(j, len(x) - 1)], dtype=dtype))


class BusStages:
    """The bus currents of every stage ``(scenario, case, fault_type, stage, fault_bus, seq)``
    built from the slices' own stage arrays when called (:attr:`StagedResult.bus_i_012_ka`
    calls it on first use): each slice's stages, the last one repeated up to the study's
    stage count (:func:`put_stages`). Pickled as the array it
    builds (a result sent between processes or copied carries the values, not the slices).

    Parameters
    ----------
    parts : dict
        ``(scenario, case, fault type)`` positions → that slice's ``(n_stage, m, 3)`` bus
        currents (kA).
    shape : tuple
        The dense array's shape.
    dtype : numpy dtype
    """

    def __init__(self, parts: dict, shape: tuple, dtype: type) -> None:
        self.parts, self.shape, self.dtype = parts, shape, dtype

    def __call__(self) -> np.ndarray:
        bus = np.zeros(self.shape, dtype=self.dtype)
        for (si, ci, ti), x in self.parts.items():
            put_stages(bus[si, ci, ti], x)
        return bus

    def __reduce__(self) -> tuple:
        return (np.asarray, (self(),))


@dataclass(frozen=True)
class StagedResult:
    """Every stage of every (scenario, case, fault type) (see the module docstring)."""

    scenarios: tuple[str, ...]
    cases: tuple[Case, ...]
    fault_types: tuple[FaultType, ...]
    fault_buses: np.ndarray
    fault_bus_names: np.ndarray
    devices: tuple[str, ...]
    t_start_s: np.ndarray
    t_end_s: np.ndarray
    bus_stages: np.ndarray | Callable[[], np.ndarray]
    device_i_012_ka: np.ndarray | None = None
    device_v_012_pu: np.ndarray | None = None
    device_max_ka: np.ndarray | None = None
    device_max_bus: np.ndarray | None = None
    chargers: dict = field(default_factory=dict)
    charger_i_12_ka: dict = field(default_factory=dict)
    site_trip_s: dict = field(default_factory=dict)
    site_ceased: dict = field(default_factory=dict)
    site_v_min_pu: dict = field(default_factory=dict)
    site_peaks_ka: dict = field(default_factory=dict)

    @property
    def n_stages(self) -> int:
        return self.t_start_s.shape[3]

    def site_source(self) -> StagedResult:
        """This result with only what :meth:`sites_table` reads: labels, the sites' arrays
        and each site's largest phase current in the first-cycle and sustained stages
        (``site_peaks_ka[scenario]`` ``[case, fault_type, 2, charger, fault_bus]``), to
        build the table later — the same rows, values and dtypes (#21: the pipeline's sites
        tables, ≈ 98 MiB at 10,000 buses, are read by no stage of a pandapower study; the
        source is ≈ 10 MiB a bracket)."""
        peaks = dict(self.site_peaks_ka)
        for scen, chg in self.charger_i_12_ka.items():
            if chg is not None and scen not in peaks:
                peaks[scen] = np.stack([self._site_peak(scen, j) for j in (0, 1)], axis=2)
        shape = self.t_start_s.shape[:4] + (0,)
        return replace(self, t_start_s=np.empty(shape), t_end_s=np.empty(shape),
                       bus_stages=np.zeros((0, 3), complex), device_i_012_ka=None,
                       device_v_012_pu=None, device_max_ka=None, device_max_bus=None,
                       charger_i_12_ka={}, site_peaks_ka=peaks)

    def _site_peak(self, scen: str, j: int) -> np.ndarray | None:
        """``[case, fault_type, charger, fault_bus]`` largest phase current of ``scen``'s
        sites in stage ``j`` (0 first cycle, 1 sustained; the last stage where fewer), kA;
        ``None`` without the chargers' currents."""
        if scen in self.site_peaks_ka:
            return self.site_peaks_ka[scen][:, :, j]
        chg = self.charger_i_12_ka.get(scen)
        return None if chg is None else peak_phase_12(chg[:, :, min(j, chg.shape[2] - 1)])

    def _has_currents(self, scen: str) -> bool:
        return scen in self.site_peaks_ka or self.charger_i_12_ka.get(scen) is not None

    @cached_property
    def bus_i_012_ka(self) -> np.ndarray:
        """``[scenario, case, fault_type, stage, fault_bus, seq]`` bus currents of every
        stage: ``bus_stages``, or built by it on first use when it is a function (the
        pipeline's kept-row runs never read them: #21, ≈ 120 MiB at 10,000 buses not
        assembled at the engine's peak)."""
        return self.bus_stages if isinstance(self.bus_stages, np.ndarray) else \
            self.bus_stages()

    @property
    def stage_names(self) -> tuple[str, ...]:
        """``first_cycle``, ``sustained``, ``after_trip_1`` … (axis ``stage``)."""
        return stage_names(self.n_stages)

    def _frame(self, inner: dict, n_inner: int) -> pd.DataFrame:
        s, c, t, n = (len(self.scenarios), len(self.cases), len(self.fault_types),
                      self.n_stages)
        idx = np.array(np.meshgrid(np.arange(s), np.arange(c), np.arange(t), np.arange(n),
                                   indexing="ij")).reshape(4, -1)
        cols = {
            "scenario": np.repeat(np.array(self.scenarios, dtype=object)[idx[0]], n_inner),
            "case": np.repeat(np.array([x.value for x in self.cases], dtype=object)[idx[1]],
                              n_inner),
            "fault_type": np.repeat(np.array([x.value for x in self.fault_types],
                                             dtype=object)[idx[2]], n_inner),
            "stage": np.repeat(idx[3], n_inner),
            "stage_name": np.repeat(np.array(self.stage_names, dtype=object)[idx[3]], n_inner),
        }
        for k, v in inner.items():
            cols[k] = np.tile(v, idx.shape[1])
        return pd.DataFrame(cols)

    @cached_property
    def stages(self) -> pd.DataFrame:
        """One row per (scenario, case, fault type, stage, fault bus): ``t_start_s``,
        ``t_end_s`` (zero-duration padded stages left out)."""
        m = len(self.fault_buses)
        df = self._frame({"fault_bus": self.fault_buses, "fault_bus_name": self.fault_bus_names},
                         m)
        df["t_start_s"] = self.t_start_s.ravel()
        df["t_end_s"] = self.t_end_s.ravel()
        return df[np.isfinite(df.t_start_s.to_numpy())].reset_index(drop=True)

    @cached_property
    def device(self) -> pd.DataFrame:
        """Device currents per stage: one row per (scenario, case, fault type, stage, device,
        fault bus) of a stage that exists there. Columns: ``scenario, case, fault_type,
        stage, stage_name, device, fault_bus, fault_bus_name, t_start_s, t_end_s, ia_ka,
        ib_ka, ic_ka, i3i0_ka, i2_ka``."""
        if self.device_i_012_ka is None:
            raise ValueError("staged device phasors were not kept (keep='summary')")
        m, d = len(self.fault_buses), len(self.devices)
        df = self._frame({"device": np.repeat(np.array(self.devices, dtype=object), m),
                          "fault_bus": np.tile(self.fault_buses, d),
                          "fault_bus_name": np.tile(self.fault_bus_names, d)}, d * m)
        t0 = np.broadcast_to(self.t_start_s[:, :, :, :, None, :], self.device_i_012_ka.shape[:-1])
        t1 = np.broadcast_to(self.t_end_s[:, :, :, :, None, :], self.device_i_012_ka.shape[:-1])
        df["t_start_s"] = t0.ravel()
        df["t_end_s"] = t1.ravel()
        i_abc = np.abs(seq_to_abc(self.device_i_012_ka))
        for p, name in enumerate("abc"):
            df[f"i{name}_ka"] = i_abc[..., p].ravel()
        df["i3i0_ka"] = (3 * np.abs(self.device_i_012_ka[..., 0])).ravel()
        df["i2_ka"] = np.abs(self.device_i_012_ka[..., 2]).ravel()
        return df[np.isfinite(df.t_start_s.to_numpy())].reset_index(drop=True)

    @cached_property
    def sites(self) -> pd.DataFrame:
        """Per (scenario, case, fault type, site, fault bus): ``v_min_pu`` (lowest applicable
        voltage relative to pre-fault, sustained stage), ``ceased`` (momentary cessation),
        ``trip_s`` (instant the site trips, ``inf`` never), ``i_first_cycle_ka``,
        ``i_sustained_ka`` (largest phase current of the site in those stages)."""
        return self.sites_table()

    def sites_table(self, blocks: Sequence[tuple[str, str]] | None = None,
                    like: tuple[StagedResult, pd.DataFrame] | None = None) -> pd.DataFrame:
        """:attr:`sites`, or with ``blocks`` (``(name, scenario)`` pairs) one block of
        ``scenario``'s rows per pair, in that order, its ``scenario`` column ``name``: the
        pipeline's study scenarios that share a charger set (#21: built expanded, without the
        per-set table and its ``take``; the same rows, values and dtypes).

        Each scenario's block is built from its ``(case, fault type, site, fault bus)``
        arrays at once (row order = their C order, the order of the per-slice frames it
        replaces); a scenario without the chargers' currents takes the per-slice frames.

        ``like``: another result of the same study (the chargers' other bracket) and its
        ``sites_table(blocks)``. When both label the same rows (same blocks, sites, cases,
        fault types and fault buses) the table takes that table's label columns instead of
        building them, and its array of every value column whose values are equal (the
        first-cycle current, the cessation flags): the same values, held once for both
        brackets (#21: ≈ 55 MB at 10,000 buses)."""
        pairs = [(n, n) for n in self.scenarios] if blocks is None else list(blocks)
        pairs = [(n, sc) for n, sc in pairs
                 if sc in self.site_trip_s and len(self.chargers.get(sc, ()))]
        if pairs and all(self._has_currents(sc) for _, sc in pairs):
            same = like is not None and like[0]._site_labels(blocks) == self._site_labels(
                blocks) and len(like[1]) == self._n_site_rows(pairs)
            return self._expanded_sites(pairs, like[1] if same else None)
        frames = []
        for name, scen in pairs:
            if scen not in self.site_trip_s or not len(self.chargers.get(scen, ())):
                continue
            if not self._has_currents(scen):
                part = pd.concat(self._site_frames(scen), ignore_index=True)
                part["scenario"] = repeated(name, len(part))
                frames.append(part)
            else:
                frames.append(pd.DataFrame(self._site_columns(name, scen)))
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0] if \
            frames else pd.DataFrame(columns=list(SITE_COLUMNS))

    def _site_labels(self, blocks: Sequence[tuple[str, str]] | None) -> tuple:
        """What the label columns of ``sites_table(blocks)`` are made of (its rows)."""
        pairs = [(n, n) for n in self.scenarios] if blocks is None else list(blocks)
        pairs = [(n, sc) for n, sc in pairs
                 if sc in self.site_trip_s and len(self.chargers.get(sc, ()))]
        return (tuple(pairs), tuple(tuple(self.chargers[sc]) for _, sc in pairs),
                self.cases, self.fault_types, tuple(np.asarray(self.fault_buses).tolist()),
                tuple(np.asarray(self.fault_bus_names).tolist()))

    def _n_site_rows(self, pairs: list[tuple[str, str]]) -> int:
        m, c_n, t_n = len(self.fault_buses), len(self.cases), len(self.fault_types)
        return sum(c_n * t_n * len(self.chargers[sc]) * m for _, sc in pairs)

    def _expanded_sites(self, pairs: list[tuple[str, str]], like: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
        """:meth:`sites_table` of ``pairs`` whose scenarios all have the chargers' currents:
        each charger set's columns computed once, every column concatenated over the blocks
        and wrapped once (#21: a frame per block and their concatenation were two copies of
        the table, and a set shared by several study scenarios was computed again for each);
        the same rows, values and dtypes as the concatenated frames. ``like``: a table of
        the same rows whose label columns, and equal value columns, are taken as they are."""
        per_set: dict[str, dict[str, np.ndarray]] = {}
        for _, scen in pairs:
            if scen not in per_set:
                per_set[scen] = self._site_columns(scen, scen, labels=like is None)
        cols = {}
        for col in SITE_COLUMNS:
            if like is not None and col in SITE_KEY_COLUMNS:
                cols[col] = like[col].to_numpy()
                continue
            if col == "scenario":
                cols[col] = np.concatenate([repeated(name, self._n_site_rows([(name, scen)]))
                                            for name, scen in pairs])
            else:
                cols[col] = np.concatenate([per_set[scen][col] for _, scen in pairs])
            for part in per_set.values():  # each set's column goes once it is taken
                del part[col]
            if like is not None:
                other = like[col].to_numpy()
                if other.dtype == cols[col].dtype and np.array_equal(
                        other, cols[col], equal_nan=other.dtype.kind == "f"):
                    cols[col] = other  # the same values: one array for both tables
        # the columns as they are, no consolidation into blocks: one copy of the table less
        return pd.DataFrame(cols, copy=False)

    def _site_columns(self, name: str, scen: str, labels: bool = True
                      ) -> dict[str, np.ndarray]:
        """The columns of ``scen``'s site rows (named ``name``), all cases and fault types
        (``labels=False``: the value columns only)."""
        m, c_n, t_n = len(self.fault_buses), len(self.cases), len(self.fault_types)
        sites = np.array(self.chargers[scen], dtype=object)
        per = len(sites) * m
        cols = {} if not labels else {
            "scenario": repeated(name, c_n * t_n * per),
            "case": np.array([x.value for x in self.cases], dtype=object).repeat(t_n * per),
            "fault_type": np.tile(np.array([x.value for x in self.fault_types],
                                           dtype=object).repeat(per), c_n),
            "site": np.tile(sites.repeat(m), c_n * t_n),
            "fault_bus": np.tile(self.fault_buses, c_n * t_n * len(sites)),
            "fault_bus_name": np.tile(self.fault_bus_names, c_n * t_n * len(sites))}
        cols |= {
            "v_min_pu": self.site_v_min_pu[scen].ravel(),
            "ceased": self.site_ceased[scen].ravel(),
            "trip_s": self.site_trip_s[scen].ravel()}
        for j, col in ((0, "i_first_cycle_ka"), (1, "i_sustained_ka")):
            cols[col] = self._site_peak(scen, j).ravel()
        return cols

    def _site_frames(self, name: str) -> list[pd.DataFrame]:
        """``name``'s site rows as one frame per (case, fault type)."""
        frames = []
        m = len(self.fault_buses)
        names = np.array(self.chargers[name], dtype=object)
        k = len(names)
        has = self._has_currents(name)
        for c, case in enumerate(self.cases):
            for t, ft in enumerate(self.fault_types):
                row = {"scenario": name, "case": case.value, "fault_type": ft.value,
                       "site": np.repeat(names, m), "fault_bus": np.tile(self.fault_buses, k),
                       "fault_bus_name": np.tile(self.fault_bus_names, k),
                       "v_min_pu": self.site_v_min_pu[name][c, t].ravel(),
                       "ceased": self.site_ceased[name][c, t].ravel(),
                       "trip_s": self.site_trip_s[name][c, t].ravel()}
                if has:
                    for j, col in ((0, "i_first_cycle_ka"), (1, "i_sustained_ka")):
                        row[col] = self._site_peak(name, j)[c, t].ravel()
                frames.append(pd.DataFrame(row))
        return frames
