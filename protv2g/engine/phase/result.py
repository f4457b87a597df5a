"""Result of :func:`protv2g.engine.phase.phase_fault_study`: arrays plus tidy tables.

The tables have the columns of the sequence engine's
:class:`~protv2g.engine.result.FaultStudyResult` (``bus``, ``device``, ``charger``) plus
``phase`` (the faulted phases, ``"abc"``, ``"bc"``, ``"a"`` …: a bus has a row per phase
combination it can be faulted on) and ``energized`` (``False``: no path to a source; every
current 0, as OpenDSS reports). Currents in kA, voltages in per unit of the bus's line-to-neutral
base; angles in degrees in OpenDSS's reference (its source at its angle). Absent phases carry 0 A
and a NaN voltage. ``i1/i2/i3i0`` are the symmetrical components of ``(ia, ib, ic)``.

Array layout (complex, A / pu): ``bus_i_abc_a[scenario, case, row, phase]`` current from the bus
into the fault; ``device_i_abc_a[scenario, case, device, row, phase]`` current at the device's
terminal into its element; ``device_v_abc_pu[...]`` voltage at that terminal;
``device_v1_pre_pu[case, device]`` its pre-fault positive-sequence voltage (relays' memory);
``charger_i_abc_a[scenario][case, site, row, phase]`` site injections; ``pll_frozen`` /
``unconverged[scenario, case, row]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from protv2g.engine.device_rows import device_row_kept
from protv2g.engine.faults import A_MATRIX, largest_phase
from protv2g.engine.key_columns import key_column
from protv2g.engine.phase.faults import FaultRows
from protv2g.engine.phase.stages import PhaseStaged
from protv2g.engine.staged_tables import StagedCurrents
from protv2g.engine.staging import stage_names
from protv2g.units import Case

__all__ = ["PhaseFaultResult"]

BUS_COLUMNS = ["scenario", "bus", "bus_name", "fault_type", "case", "phase", "energized",
               "ikss_ka", "ikss_degree", "ia_ka", "ia_degree", "ib_ka", "ib_degree", "ic_ka",
               "ic_degree", "i3i0_ka", "i3i0_degree", "i1_ka", "i2_ka", "pll_frozen"]


_A_INV = np.linalg.inv(A_MATRIX)


def abc_to_seq(x: np.ndarray) -> np.ndarray:
    """:func:`protv2g.engine.faults.abc_to_seq` (``V012 = A⁻¹·Vabc`` on the last axis) as an
    einsum: three columns wide, the matmul's BLAS call cost more in its threads than in its
    arithmetic (45 ms a call on the IEEE 8500's 111,636 device rows, session 9)."""
    return np.einsum("...p,sp->...s", x, _A_INV)


def _deg(x: np.ndarray) -> np.ndarray:
    return np.degrees(np.angle(x))


@dataclass(frozen=True)
class PhaseFaultResult:
    """All fault quantities of one phase-domain study (see the module docstring).

    Attributes
    ----------
    scenarios, cases : tuple
        Labels of the first two array axes.
    rows : FaultRows
        The faults (axis ``row``).
    bus_names : numpy.ndarray
        Name of every model bus (``rows.bus`` indexes it).
    row_energized : numpy.ndarray
        ``(row,)`` bool: every faulted phase has a path to a source.
    devices : tuple of str
    sites : dict
        Scenario → tuple of site names.
    staged : dict
        ``"low"`` (and ``"high"``) → :class:`~.stages.PhaseStaged`, with
        ``phase_fault_study(..., staged=True)``; read through :meth:`staged_currents`.
    source_unit : numpy.ndarray or None
        ``(bus, 3)`` complex unit phasor of the pre-fault voltage at each bus's phase a, b, c
        (1 where it has none): the angle the fault currents' angles are measured against
        (:func:`~.prefault.prefault_voltage`).
    """

    scenarios: tuple[str, ...]
    cases: tuple[Case, ...]
    rows: FaultRows
    bus_names: np.ndarray
    row_energized: np.ndarray
    bus_i_abc_a: np.ndarray
    devices: tuple[str, ...] = ()
    device_i_abc_a: np.ndarray | None = None
    device_v_abc_pu: np.ndarray | None = None
    device_v1_pre_pu: np.ndarray | None = None
    sites: dict = field(default_factory=dict)
    charger_i_abc_a: dict = field(default_factory=dict)
    pll_frozen: np.ndarray | None = None
    unconverged: np.ndarray | None = None
    staged: dict[str, PhaseStaged] = field(default_factory=dict)
    source_unit: np.ndarray | None = None
    _kept: dict[float, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def _outer(self, inner: int) -> dict[str, np.ndarray]:
        s, c = len(self.scenarios), len(self.cases)
        si, ci = np.meshgrid(np.arange(s), np.arange(c), indexing="ij")
        # key columns categorical from their codes (#21)
        return {"scenario": key_column(self.scenarios, np.repeat(si.ravel(), inner)),
                "case": key_column([x.value for x in self.cases], np.repeat(ci.ravel(), inner))}

    @cached_property
    def bus(self) -> pd.DataFrame:
        """One row per (scenario, case, fault): columns :data:`BUS_COLUMNS`."""
        r = len(self.rows)
        reps = len(self.scenarios) * len(self.cases)
        cols = self._outer(r)
        cols["bus"] = np.tile(self.rows.bus, reps)
        cols["bus_name"] = key_column(self.bus_names, np.tile(self.rows.bus, reps))
        cols["fault_type"] = key_column([f.value for f in self.rows.fault_type],
                                        np.tile(np.arange(r), reps))
        cols["phase"] = np.tile(self.rows.label, reps)
        cols["energized"] = np.tile(self.row_energized, reps)
        i = self.bus_i_abc_a.reshape(-1, 3) / 1e3
        mag = np.abs(i)
        faulted = np.tile(self.rows.phases, (reps, 1))
        pick = largest_phase(mag, faulted)
        ik = i[np.arange(len(i)), pick]
        cols["ikss_ka"] = np.abs(ik)
        cols["ikss_degree"] = _deg(ik)
        for p, name in enumerate("abc"):
            cols[f"i{name}_ka"] = mag[:, p]
            cols[f"i{name}_degree"] = _deg(i[:, p])
        seq = abc_to_seq(i)
        cols["i3i0_ka"] = 3 * np.abs(seq[:, 0])
        cols["i3i0_degree"] = _deg(seq[:, 0])
        cols["i1_ka"] = np.abs(seq[:, 1])
        cols["i2_ka"] = np.abs(seq[:, 2])
        flag = self.pll_frozen if self.pll_frozen is not None else np.zeros(
            (len(self.scenarios), len(self.cases), r), dtype=bool)
        cols["pll_frozen"] = flag.ravel()
        return pd.DataFrame(cols)[BUS_COLUMNS]

    @cached_property
    def device(self) -> pd.DataFrame:
        """One row per (scenario, case, device, fault): :meth:`device_rows` with every row."""
        return self.device_rows()

    def device_rows(self, min_current_a: float = 0.0) -> pd.DataFrame:
        """Device rows, optionally only where the device sees current.

        Parameters
        ----------
        min_current_a : float
            Keep a (scenario, case, device, fault) row only when the device's largest phase
            current or its ``|3·I0|`` reaches this many amperes (0: every row; NaN rows are
            always kept). The tables a study needs on a utility feeder: a fuse sees nothing of
            the faults on other laterals.

        Returns
        -------
        pandas.DataFrame
            Columns ``scenario, device, fault_bus, fault_bus_name, fault_type, case, phase,
            energized, ia_ka … ic_degree, i3i0_ka, i3i0_degree, i2_ka, i2_degree, va_pu …
            vc_degree, v0_pu, v0_degree, v2_pu, v2_degree``.
        """
        idx = self._device_index(min_current_a)
        s_n, c_n = len(self.scenarios), len(self.cases)
        d, r = len(self.devices), len(self.rows)
        i_all = self.device_i_abc_a.reshape(-1, 3)
        si, ci, di, ri = np.unravel_index(idx, (s_n, c_n, d, r))
        cols: dict[str, Any] = {  # key columns categorical from their codes (#21)
            "scenario": key_column(self.scenarios, si),
            "case": key_column([x.value for x in self.cases], ci),
            "device": key_column(self.devices, di),
            "fault_bus": self.rows.bus[ri],
            "fault_bus_name": key_column(self.bus_names, self.rows.bus[ri]),
            "fault_type": key_column([f.value for f in self.rows.fault_type], ri),
            "phase": self.rows.label[ri], "energized": self.row_energized[ri]}
        i = i_all[idx] / 1e3
        v = self.device_v_abc_pu.reshape(-1, 3)[idx]
        for p, name in enumerate("abc"):
            cols[f"i{name}_ka"] = np.abs(i[:, p])
            cols[f"i{name}_degree"] = _deg(i[:, p])
        seq_i = abc_to_seq(i)
        cols["i3i0_ka"] = 3 * np.abs(seq_i[:, 0])
        cols["i3i0_degree"] = _deg(seq_i[:, 0])
        cols["i2_ka"] = np.abs(seq_i[:, 2])
        cols["i2_degree"] = _deg(seq_i[:, 2])
        for p, name in enumerate("abc"):
            cols[f"v{name}_pu"] = np.abs(v[:, p])
            cols[f"v{name}_degree"] = _deg(v[:, p])
        sv = abc_to_seq(np.nan_to_num(v))
        for k, name in ((0, "v0"), (2, "v2")):
            cols[f"{name}_pu"] = np.abs(sv[:, k])
            cols[f"{name}_degree"] = _deg(sv[:, k])
        first = ["scenario", "device", "fault_bus", "fault_bus_name", "fault_type", "case",
                 "phase", "energized"]
        return pd.DataFrame(cols)[first + [c for c in cols if c not in first]]

    def _device_index(self, min_current_a: float) -> np.ndarray:
        """Flat ``(scenario, case, device, row)`` positions of :meth:`device_rows` (found
        once per threshold: the device table and each bracket's stages ask for the same)."""
        if self.device_i_abc_a is None or not self.devices:
            raise ValueError("no devices were given to phase_fault_study(..., devices=...)")
        i_all = self.device_i_abc_a.reshape(-1, 3)
        if min_current_a <= 0:
            return np.arange(len(i_all))
        key = float(min_current_a)
        if key not in self._kept:
            self._kept[key] = np.flatnonzero(device_row_kept(i_all, min_current_a))
        return self._kept[key]

    def staged_currents(self, bracket: str = "low", min_current_a: float = 0.0
                        ) -> StagedCurrents:
        """The stages of ``bracket`` (``"low"`` / ``"high"``) aligned row by row with
        :meth:`device_rows` ``(min_current_a)`` (row ``r`` of one is row ``r`` of the other).

        The site table (``StagedCurrents.sites``) has one row per (scenario, case, site unit,
        fault): a three-phase site is one unit, a one- or two-phase site one per phase
        (``site_phases``); ``phase`` is the faulted phases as in the device table.

        Raises
        ------
        ValueError
            Without devices, when the study was not solved with that bracket's stages
            (``phase_fault_study(..., staged=True, high_bracket=...)``), or below the
            threshold its later stages were solved from (``staged_device_min_a``).
        """
        if bracket not in self.staged:
            raise ValueError(f"no {bracket!r} stages: phase_fault_study(..., staged=True"
                             + (", high_bracket=...)" if bracket == "high" else ")"))
        st = self.staged[bracket]
        if min_current_a < st.device_min_a:
            raise ValueError(f"the later stages were solved only on rows of at least "
                             f"{st.device_min_a} A (phase_fault_study(..., staged_device_min_a"
                             f"=...)): ask for min_current_a >= {st.device_min_a}")
        idx = self._device_index(min_current_a)
        if st.device_kept is None or st.device_kept_a is None:
            raise ValueError("no devices were given to phase_fault_study(..., devices=...)")
        s_n, c_n, n, r = st.t_start_s.shape
        # the stored pairs hold every row of the threshold (device_row_kept is monotone in it)
        at = np.searchsorted(st.device_kept, idx)
        if len(idx) and not np.array_equal(st.device_kept[np.minimum(at, len(
                st.device_kept) - 1)], idx):  # pragma: no cover - a study's own rule
            raise ValueError("the stages' stored device rows do not hold the rows asked for")
        i_a = st.device_kept_a[:, at]
        shape = (n, s_n, c_n, len(self.devices), r)

        def times(t: np.ndarray) -> np.ndarray:
            t = np.broadcast_to(np.moveaxis(t, 2, 0)[:, :, :, None, :], shape)
            return t.reshape(n, -1)[:, idx]

        return StagedCurrents(i_a, times(st.t_start_s), times(st.t_end_s), stage_names(n),
                              st.sites)

    @cached_property
    def device_summary(self) -> pd.DataFrame:
        """Per (scenario, case, device, fault type): the largest phase current and ``|3·I0|``
        over every fault, and the fault (bus and phases) it occurs at — the table a workbook
        can hold on a utility feeder (the full ``device`` table has devices × faults rows).

        Columns: ``scenario, case, device, fault_type, i_phase_max_ka, i_phase_max_bus,
        i_phase_max_phase, i3i0_max_ka, i3i0_max_bus, i3i0_max_phase``.
        """
        if self.device_i_abc_a is None or not self.devices:
            raise ValueError("no devices were given to phase_fault_study(..., devices=...)")
        i = self.device_i_abc_a / 1e3                       # (s, c, d, r, 3)
        phase = np.nan_to_num(np.abs(i), nan=-1.0).max(axis=-1)
        ground = np.nan_to_num(np.abs(i.sum(axis=-1)), nan=-1.0)
        types = np.array([f.value for f in self.rows.fault_type], dtype=object)
        names = self.bus_names[self.rows.bus]
        out = []
        for si, scen in enumerate(self.scenarios):
            for ci, case in enumerate(self.cases):
                for ft in dict.fromkeys(types):
                    cols = np.flatnonzero(types == ft)
                    ph, gr = phase[si, ci][:, cols], ground[si, ci][:, cols]
                    kp, kg = cols[np.argmax(ph, axis=1)], cols[np.argmax(gr, axis=1)]
                    out.append(pd.DataFrame({
                        "scenario": scen, "case": case.value,
                        "device": np.array(self.devices, dtype=object), "fault_type": ft,
                        "i_phase_max_ka": ph.max(axis=1), "i_phase_max_bus": names[kp],
                        "i_phase_max_phase": self.rows.label[kp],
                        "i3i0_max_ka": gr.max(axis=1), "i3i0_max_bus": names[kg],
                        "i3i0_max_phase": self.rows.label[kg]}))
        return pd.concat(out, ignore_index=True)

    @cached_property
    def charger(self) -> pd.DataFrame:
        """One row per (scenario, case, site, fault): ``ia_ka … ic_degree`` injected."""
        frames = []
        r = len(self.rows)
        for s_i, name in enumerate(self.scenarios):
            arr = self.charger_i_abc_a.get(name)
            if arr is None or arr.shape[1] == 0:
                continue
            k = arr.shape[1]
            for c_i, case in enumerate(self.cases):
                i = arr[c_i].reshape(-1, 3) / 1e3
                df = {"scenario": name, "case": case.value,
                      "site": np.repeat(np.array(self.sites[name], dtype=object), r),
                      "fault_bus_name": np.tile(self.bus_names[self.rows.bus], k),
                      "fault_type": np.tile(np.array([f.value for f in self.rows.fault_type],
                                                     dtype=object), k),
                      "phase": np.tile(self.rows.label, k)}
                for p, ph in enumerate("abc"):
                    df[f"i{ph}_ka"] = np.abs(i[:, p])
                    df[f"i{ph}_degree"] = _deg(i[:, p])
                df["pll_frozen"] = np.tile(self.pll_frozen[s_i, c_i], k)
                frames.append(pd.DataFrame(df))
        cols = ["scenario", "case", "site", "fault_bus_name", "fault_type", "phase", "ia_ka",
                "ia_degree", "ib_ka", "ib_degree", "ic_ka", "ic_degree", "pll_frozen"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
