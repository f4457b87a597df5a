"""Result of :func:`protv2g.engine.fault_study`: dense complex arrays plus lazy tidy frames.

Array layout (all complex, phase-to-neutral voltages in per unit of the bus nominal voltage,
currents in kA; angles in the system reference, the external grid at ``va_degree``):

``bus_i_012_ka[scenario, case, fault_type, fault_bus, seq]``
    current into the fault, sequence order ``(0, 1, 2)``;
``device_i_012_ka[scenario, case, fault_type, device, fault_bus, seq]``
    current measured at the device bus, positive from the bus into the element;
``device_v_012_pu[scenario, case, fault_type, device, fault_bus, seq]``
    sequence voltages at the device bus;
``charger_i_12_ka[scenario]``: ``[case, fault_type, charger, fault_bus, seq]``, ``seq`` = (1, 2);
``pll_frozen[scenario, case, fault_type, fault_bus]``: charger injections computed with the PLL
    held at the pre-fault angle (all with ``charger_model="frozen_pll"``; with the control law
    only where no PLL-tracking solution was found, ``pll_residual`` the smallest tracking
    residual reached, pu current); ``unconverged[...]``: no solution, results NaN;
``device_max_ka[scenario, case, fault_type, device, k]`` (``keep="summary"``): largest phase
    current (``k = 0``) and largest ``|3·I0|`` (``k = 1``) over the fault buses, with
    ``device_max_bus`` the pandapower bus of that fault (device phasor arrays are ``None``).

``device_v1_pre_pu[case, device]``: pre-fault positive-sequence voltage at each device bus as
    the engine assumes it (IEC 60909: ``c·u_nl``; classical: the pre-fault voltage), pu, in the
    device phasors' angle reference (relays' memory polarisation).

``*_abc_*`` properties give phase quantities (``[..., 0:3]`` = a, b, c) without storing them.

Stages: these arrays are the chargers' **first-cycle** stage (every non-charging site at its
first-cycle limit; held for the whole fault this is the high bracket of their contribution).
``staged`` (:class:`~protv2g.engine.staged_result.StagedResult`) holds every stage (sustained,
after each trip) with its start and end times; :meth:`FaultStudyResult.stage_view` gives one
stage as a result of this same shape (so ``.device`` and ``.bus`` work unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from protv2g.engine.device_columns import (  # noqa: F401 - re-exported (#21: moved there)
    DEVICE_VALUE_COLUMNS,
    device_columns,
    device_value_block,
    object_column,
    row_runs,
)
from protv2g.engine.device_rows import DeviceRows
from protv2g.engine.faults import (
    FAULTED_PHASES,
    largest_phase,
    peak_phase_12,
    seq_to_abc,
)
from protv2g.engine.key_columns import key_column
from protv2g.engine.staged_result import StagedResult
from protv2g.units import Case, FaultType

__all__ = ["FaultStudyResult", "with_dead_rows"]


def _deg(x: np.ndarray) -> np.ndarray:
    return np.degrees(np.angle(x))


@dataclass(frozen=True)
class FaultStudyResult:
    """All fault quantities of one study (see the module docstring for the array layout).

    Attributes
    ----------
    scenarios, cases, fault_types : tuple
        Labels of the first three axes of every array.
    fault_buses : numpy.ndarray
        pandapower bus index of each fault bus (axis ``fault_bus``).
    fault_bus_names : numpy.ndarray
        Bus names (the index as a string where the name is empty).
    devices : tuple of str
        Device names (axis ``device``).
    chargers : dict
        Scenario → tuple of charger names (axis ``charger`` of ``charger_i_12_ka``).
    charger_limit_ka : dict
        Scenario → ``(case, charger)`` array of current limits, kA.
    iterations : dict
        ``(scenario, case, fault_type)`` → charger iterations used (max over fault buses).
    high : FaultStudyResult or None
        The chargers' other bracket solved in the same call (``fault_study(high_scenarios=
        ...)``): the same kept rows, currents only (``high_rows="differing"``: only the rows
        whose stages differ, ``device_rows.of_rows``).
    """

    scenarios: tuple[str, ...]
    cases: tuple[Case, ...]
    fault_types: tuple[FaultType, ...]
    fault_buses: np.ndarray
    fault_bus_names: np.ndarray
    devices: tuple[str, ...]
    bus_i_012_ka: np.ndarray
    device_i_012_ka: np.ndarray | None
    device_v_012_pu: np.ndarray | None
    chargers: dict = field(default_factory=dict)
    charger_i_12_ka: dict = field(default_factory=dict)
    charger_limit_ka: dict = field(default_factory=dict)
    iterations: dict = field(default_factory=dict)
    pll_frozen: np.ndarray | None = None
    unconverged: np.ndarray | None = None
    device_max_ka: np.ndarray | None = None
    device_max_bus: np.ndarray | None = None
    pll_residual: np.ndarray | None = None
    staged: StagedResult | None = None
    device_v1_pre_pu: np.ndarray | None = None
    device_rows: DeviceRows | None = None
    high: FaultStudyResult | None = None

    def stage_view(self, stage: int) -> FaultStudyResult:
        """The result of stage ``stage`` (0 first cycle, 1 sustained, 2… after trips) in the
        shape of this result; a fault bus where that stage does not occur repeats its last
        stage (see ``staged.t_start_s``).

        Raises
        ------
        ValueError
            Without staged results, or for a stage beyond ``staged.n_stages``.
        """
        st = self.staged
        if st is None or not 0 <= stage < st.n_stages:
            n = 0 if st is None else st.n_stages
            raise ValueError(f"stage {stage} not available: this result has {n} stage(s)")
        sel = (slice(None),) * 3 + (stage,)
        chg = {k: v[:, :, stage] for k, v in st.charger_i_12_ka.items()}
        return replace(
            self, bus_i_012_ka=st.bus_i_012_ka[sel],
            device_i_012_ka=None if st.device_i_012_ka is None else st.device_i_012_ka[sel],
            device_v_012_pu=None if st.device_v_012_pu is None else st.device_v_012_pu[sel],
            device_max_ka=None if st.device_max_ka is None else st.device_max_ka[sel],
            device_max_bus=None if st.device_max_bus is None else st.device_max_bus[sel],
            charger_i_12_ka=chg if chg or st.site_peaks_ka else self.charger_i_12_ka,
            device_rows=None,  # kept rows are first-cycle rows: their stages are in .staged
            high=None)

    # ------------------------------------------------------------------ phase views
    @property
    def bus_i_abc_ka(self) -> np.ndarray:
        """Phase currents into the fault ``[scenario, case, fault_type, fault_bus, phase]``."""
        return seq_to_abc(self.bus_i_012_ka)

    @property
    def device_i_abc_ka(self) -> np.ndarray:
        """Device phase currents ``[scenario, case, fault_type, device, fault_bus, phase]``."""
        return seq_to_abc(self.device_i_012_ka)

    @property
    def device_v_abc_pu(self) -> np.ndarray:
        """Device bus phase voltages ``[scenario, case, fault_type, device, fault_bus, phase]``."""
        return seq_to_abc(self.device_v_012_pu)

    def ikss_ka(self) -> np.ndarray:
        """Largest faulted-phase current magnitude ``[scenario, case, fault_type, fault_bus]``."""
        i_abc = np.abs(self.bus_i_abc_ka)
        out = np.empty(i_abc.shape[:-1])
        for t, ft in enumerate(self.fault_types):
            out[:, :, t] = i_abc[:, :, t][..., list(FAULTED_PHASES[ft])].max(axis=-1)
        return out

    # ------------------------------------------------------------------ tidy frames
    def _index_frame(self, n_inner: int, inner: dict,
                     keys: dict[str, tuple[Sequence[str], np.ndarray]] | None = None
                     ) -> pd.DataFrame:
        """The frame's leading columns: ``scenario, case, fault_type`` (each repeated over
        ``n_inner`` rows), ``inner``'s columns and ``keys``' label columns (``name →
        (labels, codes)`` of one ``n_inner`` block) tiled over the outer rows; the label
        columns categorical from their codes (:func:`~protv2g.engine.key_columns.key_column`,
        #21: 8 bytes a row as object columns)."""
        return pd.DataFrame(self._index_columns(n_inner, inner, keys))

    def _index_columns(self, n_inner: int, inner: dict,
                       keys: dict[str, tuple[Sequence[str], np.ndarray]] | None = None
                       ) -> dict[str, Any]:
        """:meth:`_index_frame`'s columns by name, in its order."""
        s, c, t = len(self.scenarios), len(self.cases), len(self.fault_types)
        outer = np.array(np.meshgrid(np.arange(s), np.arange(c), np.arange(t), indexing="ij"))
        outer = outer.reshape(3, -1)
        rep = n_inner
        cols = {
            "scenario": key_column(self.scenarios, np.repeat(outer[0], rep)),
            "case": key_column([x.value for x in self.cases], np.repeat(outer[1], rep)),
            "fault_type": key_column([x.value for x in self.fault_types],
                                     np.repeat(outer[2], rep)),
        }
        for k, v in inner.items():
            cols[k] = np.tile(v, outer.shape[1])
        for k, (labels, codes) in (keys or {}).items():
            cols[k] = key_column(labels, np.tile(codes, outer.shape[1]))
        return cols

    @cached_property
    def bus(self) -> pd.DataFrame:
        """Tidy bus results: one row per (scenario, case, fault type, fault bus).

        Columns: ``scenario, bus, bus_name, fault_type, case, ikss_ka, ikss_degree`` (largest
        faulted-phase current and its angle), ``ia_ka … ic_degree``, ``i3i0_ka, i3i0_degree,
        i1_ka, i2_ka, pll_frozen`` (chargers solved with the PLL at the pre-fault angle).
        ``scenario, bus_name, fault_type, case`` are categoricals, categories sorted
        lexically (:mod:`protv2g.engine.key_columns`; group them with ``observed=True``).
        """
        m = len(self.fault_buses)
        i_abc = self.bus_i_abc_ka
        mag = np.abs(i_abc)
        faulted = np.array([[p in FAULTED_PHASES[ft] for p in range(3)]
                            for ft in self.fault_types])[None, None, :, None, :]
        idx = largest_phase(mag, faulted)
        ikss = np.take_along_axis(i_abc, idx[..., None], axis=-1)[..., 0]
        i3i0 = 3 * self.bus_i_012_ka[..., 0]
        # the float columns written into one ``(12, n)`` block the frame wraps without a copy
        # (#21: 17 inserted columns and a reordering ``df[columns]`` were two copies of the
        # 482,880-row table at 10,000 buses; the same columns, values and dtypes)
        values = {"ikss_ka": lambda: np.abs(ikss), "ikss_degree": lambda: _deg(ikss)}
        for p, name in enumerate("abc"):
            values[f"i{name}_ka"] = lambda p=p: mag[..., p]
            values[f"i{name}_degree"] = lambda p=p: _deg(i_abc[..., p])
        values["i3i0_ka"] = lambda: np.abs(i3i0)
        values["i3i0_degree"] = lambda: _deg(i3i0)
        values["i1_ka"] = lambda: np.abs(self.bus_i_012_ka[..., 1])
        values["i2_ka"] = lambda: np.abs(self.bus_i_012_ka[..., 2])
        block = np.empty((len(values), mag[..., 0].size))
        for row, make in zip(block, values.values(), strict=True):
            row[:] = make().ravel()
        df = pd.DataFrame(block.T, columns=list(values), copy=False)
        index = self._index_columns(m, {"bus": self.fault_buses},
                                    {"bus_name": (self.fault_bus_names, np.arange(m))})
        for loc, name in enumerate(("scenario", "bus", "bus_name", "fault_type", "case")):
            df.insert(loc, name, index.pop(name))
        flag = self.pll_frozen if self.pll_frozen is not None else np.zeros(mag.shape[:-1], bool)
        df["pll_frozen"] = np.array(flag).ravel()
        return df

    @cached_property
    def device(self) -> pd.DataFrame:
        """Tidy device results: one row per (scenario, case, fault type, device, fault bus).

        Columns: ``scenario, device, fault_bus, fault_bus_name, fault_type, case,
        ia_ka, ia_degree, ib_ka, ib_degree, ic_ka, ic_degree, i3i0_ka, i3i0_degree, i2_ka,
        i2_degree, va_pu, va_degree, vb_pu, vb_degree, vc_pu, vc_degree, v0_pu, v0_degree,
        v2_pu, v2_degree``. With ``fault_study(..., device_min_a=...)`` only the kept rows
        (``device_rows``), in the same order. ``scenario, device, fault_bus_name,
        fault_type, case`` are categoricals, categories sorted lexically
        (:mod:`protv2g.engine.key_columns`; group them with ``observed=True``).
        """
        first = ["scenario", "device", "fault_bus", "fault_bus_name", "fault_type", "case"]
        if self.device_i_012_ka is None and self.device_rows is not None:
            return self.kept_device_frame(self.device_rows)
        if self.device_i_012_ka is None:
            raise ValueError("device phasors were not kept (keep='summary', or a stage view "
                             "of fault_study(..., device_min_a=...)): use .device_summary, "
                             "or fault_study(..., keep='full')")
        m, d = len(self.fault_buses), len(self.devices)
        df = self._index_frame(d * m, {"fault_bus": np.tile(self.fault_buses, d)}, {
            "device": (self.devices, np.repeat(np.arange(d), m)),
            "fault_bus_name": (self.fault_bus_names, np.tile(np.arange(m), d))})
        for k, v in device_columns(self.device_i_012_ka, self.device_v_012_pu).items():
            df[k] = v
        return df[first + DEVICE_VALUE_COLUMNS]

    def kept_device_frame(self, rows: DeviceRows, take: np.ndarray | None = None,
                          scenario: np.ndarray | None = None,
                          values: np.ndarray | None = None,
                          columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The device table of the kept rows ``rows`` (:attr:`device`'s columns and dtypes),
        optionally of the rows at positions ``take`` (repeated rows allowed) with the
        ``scenario`` column given: the pipeline's expansion of each charger set to the study
        scenarios sharing it, built without the per-set table (#21).

        The value columns are computed on the kept rows, one at a time, and taken into one
        ``(20, n)`` float block that the frame wraps without a copy (the per-set table and
        pandas' consolidation of 20 columns into a block were two copies of the table: the
        values are the same); the six key columns come first, in :attr:`device`'s order.
        ``values``: that block, made beforehand by :func:`device_value_block` of the same
        rows and ``take`` (#21: the caller lets the rows' phasors go before the label
        columns are made, the stage's peak; ``rows`` then needs its keys only).
        ``columns``: the value columns (default :data:`DEVICE_VALUE_COLUMNS`; a subset in its
        order, :func:`~protv2g.engine.device_columns.value_columns`), ``values``' rows: the
        others are not computed (#21: no directional relay reads the voltages).
        """
        k = rows.slice_key
        columns = list(DEVICE_VALUE_COLUMNS if columns is None else columns)
        block = device_value_block(rows.i_012_ka, rows.v_012_pu, take, columns=columns) \
            if values is None else values
        out = pd.DataFrame(block.T, columns=columns, copy=False)

        def at(x: np.ndarray) -> np.ndarray:
            return x if take is None else x[take]

        bus = at(rows.fault_bus)
        labels = {  # each column made when it is inserted (``insert`` copies it)
            # categorical from the engine's positions (#21: 8 bytes a row as objects)
            "scenario": lambda: (key_column(self.scenarios, at(k[:, 0]))
                                 if scenario is None else scenario),
            "device": lambda: key_column(self.devices, at(rows.device)),
            "fault_bus": lambda: np.asarray(self.fault_buses)[bus],
            "fault_bus_name": lambda: key_column(self.fault_bus_names, bus),
            "fault_type": lambda: key_column([x.value for x in self.fault_types],
                                             at(k[:, 2])),
            "case": lambda: key_column([x.value for x in self.cases], at(k[:, 1])),
        }
        # one label column alive beside its inserted copy at a time (#21: all six were,
        # ≈ 90 MB at 10,000 buses); the same frame, blocks and values
        for loc, (name, make) in enumerate(labels.items()):
            out.insert(loc, name, object_column(make()))
        return out

    @cached_property
    def device_summary(self) -> pd.DataFrame:
        """Per (scenario, case, fault type, device): the largest phase current and ``|3·I0|``
        over all fault buses and where they occur (``keep="summary"`` results).

        Columns: ``scenario, device, fault_type, case, i_phase_max_ka, i_phase_max_bus,
        i3i0_max_ka, i3i0_max_bus``.
        """
        if self.device_max_ka is None:
            raise ValueError("no summary kept: run fault_study(..., keep='summary')")
        d = len(self.devices)
        df = self._index_frame(d, {}, {"device": (self.devices, np.arange(d))})
        df["i_phase_max_ka"] = self.device_max_ka[..., 0].ravel()
        df["i_phase_max_bus"] = self.device_max_bus[..., 0].ravel()
        df["i3i0_max_ka"] = self.device_max_ka[..., 1].ravel()
        df["i3i0_max_bus"] = self.device_max_bus[..., 1].ravel()
        return df[["scenario", "device", "fault_type", "case", "i_phase_max_ka",
                   "i_phase_max_bus", "i3i0_max_ka", "i3i0_max_bus"]]

    @cached_property
    def charger(self) -> pd.DataFrame:
        """Tidy charger injections: one row per (scenario, case, fault type, charger, fault bus).

        Columns: ``scenario, charger, fault_bus, fault_bus_name, fault_type, case, i1_ka,
        i1_degree, i2_ka, i2_degree, i_peak_phase_ka, limit_ka, limited``.
        """
        frames = []
        m = len(self.fault_buses)
        for name in self.scenarios:
            arr = self.charger_i_12_ka.get(name)
            if arr is None or arr.shape[2] == 0:
                continue
            names = self.chargers[name]
            k = len(names)
            for c, case in enumerate(self.cases):
                for t, ft in enumerate(self.fault_types):
                    a = arr[c, t]
                    peak = peak_phase_12(a)
                    lim = np.repeat(self.charger_limit_ka[name][c], m)
                    frames.append(pd.DataFrame({
                        "scenario": name, "charger": np.repeat(np.array(names, dtype=object), m),
                        "fault_bus": np.tile(self.fault_buses, k),
                        "fault_bus_name": np.tile(self.fault_bus_names, k),
                        "fault_type": ft.value, "case": case.value,
                        "i1_ka": np.abs(a[..., 0]).ravel(), "i1_degree": _deg(a[..., 0]).ravel(),
                        "i2_ka": np.abs(a[..., 1]).ravel(), "i2_degree": _deg(a[..., 1]).ravel(),
                        "i_peak_phase_ka": peak.ravel(), "limit_ka": lim,
                        "limited": peak.ravel() >= lim * (1 - 1e-9),
                    }))
        cols = ["scenario", "charger", "fault_bus", "fault_bus_name", "fault_type", "case",
                "i1_ka", "i1_degree", "i2_ka", "i2_degree", "i_peak_phase_ka", "limit_ka",
                "limited"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def with_dead_rows(df: pd.DataFrame, buses: Sequence[Any], names: Sequence[str]
                   ) -> pd.DataFrame:
    """A bus fault table plus one 0 A row per (scenario, case, fault type) for each
    de-energised bus (``buses`` its ``bus`` values, ``names`` its ``bus_name``), with an
    ``energized`` column (True on the table's own rows, False on these) — as OpenDSS reports a
    dead bus and the phase path's table has it (review rev39b M6: the pandapower path's Fault
    currents sheet left the dead bus out while its Feeder warnings said "reported at 0 A").
    Currents and angles 0, flags False, other cells empty; ``df`` itself without dead buses."""
    if not len(buses):  # the table as it is (#21: no copy of a large table for a column)
        return df
    out = df if "energized" in df.columns else df.assign(energized=True)
    keys = out[[c for c in ("scenario", "case", "fault_type") if c in out]].drop_duplicates()
    rows = keys.merge(pd.DataFrame({"bus": list(buses), "bus_name": list(names)}), how="cross")
    for c in out.columns:
        if c in rows:
            continue
        kind = out[c].dtype
        rows[c] = (0.0 if c.endswith(("_ka", "_degree", "_a")) else
                   False if pd.api.types.is_bool_dtype(kind) else None)
    rows["energized"] = False
    return pd.concat([out, rows[out.columns]], ignore_index=True)
