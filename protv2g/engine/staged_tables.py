"""The stages of a fault study in the memory-sized form a study keeps: :class:`StagedCurrents`.

:class:`~protv2g.engine.staged_result.StagedResult` holds every stage's complex device current
*and voltage* phasors, ``n_stage × 2 × 3`` complex numbers per device row — six times the
first-cycle table for a three-stage fault. What the checks need from the later stages is less:
the magnitude of each phase current and of ``3·I0`` in each stage (the operate times of the
overcurrent elements, fuses and recloser curves integrate those, ``devices/staged.py``) and
when each stage begins and ends. :func:`staged_currents` keeps exactly that, as ``float32``
aligned row by row with the first-cycle device table ``FaultStudyResult.device`` (16 bytes per
stage and row for the currents, 8 for the times), plus the per-site table of cessation and
trip instants (``StagedResult.sites``).

Rows whose fault bus has fewer stages than the study's largest count carry padded stages with
``t_start_s = t_end_s = inf`` (zero duration), as in :class:`StagedResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.engine.faults import phase_magnitudes
from protv2g.engine.result import FaultStudyResult
from protv2g.engine.staging import stage_names

__all__ = ["StagedCurrents", "staged_currents", "take_stages", "BYTES_PER_STAGE_ROW"]

#: Memory of one stage of one device row: 4 float32 currents + 2 float32 times.
BYTES_PER_STAGE_ROW = 24


@dataclass(frozen=True)
class StagedCurrents:
    """Per-stage current magnitudes of the rows of a device table.

    Attributes
    ----------
    i_a : numpy.ndarray
        ``(n_stage, n_rows, 4)`` float32: ``|Ia|``, ``|Ib|``, ``|Ic|``, ``|3·I0|`` in primary
        A in each stage (stage 0 = the first cycle, equal to the device table's currents).
    t_start_s, t_end_s : numpy.ndarray
        ``(n_stage, n_rows)`` float32: when each stage begins and ends, s from fault inception
        (``inf``/``inf`` for a padded stage; the last real stage ends at ``inf``).
    stage_names : tuple of str
        ``first_cycle``, ``sustained``, ``after_trip_1`` …
    sites : DataFrame
        Per (scenario, case, fault type, site, fault bus): ``v_min_pu``, ``ceased``,
        ``trip_s``, ``i_first_cycle_ka``, ``i_sustained_ka`` (``StagedResult.sites``).
    """

    i_a: np.ndarray
    t_start_s: np.ndarray
    t_end_s: np.ndarray
    stage_names: tuple[str, ...]
    sites: pd.DataFrame

    @property
    def n_stages(self) -> int:
        return int(self.i_a.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.i_a.shape[1])

    @property
    def nbytes(self) -> int:
        return int(self.i_a.nbytes + self.t_start_s.nbytes + self.t_end_s.nbytes)

    def phase_a(self, rows: np.ndarray | slice = slice(None), n_stages: int | None = None
                ) -> np.ndarray:
        """``(n_stage, n)`` largest phase current (A) of ``rows`` (the first ``n_stages``
        stages; default all)."""
        return self.i_a[:n_stages, rows, :3].max(axis=-1).astype(float)

    def ground_a(self, rows: np.ndarray | slice = slice(None), n_stages: int | None = None
                 ) -> np.ndarray:
        """``(n_stage, n)`` ``|3·I0|`` (A) of ``rows`` (the first ``n_stages`` stages)."""
        return self.i_a[:n_stages, rows, 3].astype(float)

    def times_s(self, rows: np.ndarray | slice = slice(None), n_stages: int | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """``(t_start_s, t_end_s)`` of ``rows`` as float64 ``(n_stage, n)`` (the first
        ``n_stages`` stages)."""
        return (self.t_start_s[:n_stages, rows].astype(float),
                self.t_end_s[:n_stages, rows].astype(float))

    def take(self, rows: np.ndarray, sites: pd.DataFrame | None = None) -> StagedCurrents:
        """The rows ``rows`` (positions), e.g. to follow a selection of the device table."""
        rows = np.asarray(rows, dtype=np.int64)
        return StagedCurrents(_take_rows(self.i_a, rows), _take_rows(self.t_start_s, rows),
                              _take_rows(self.t_end_s, rows), self.stage_names,
                              self.sites if sites is None else sites)

    @staticmethod
    def concat(parts: list[StagedCurrents]) -> StagedCurrents:
        """Rows of several parts one after the other (padded to the largest stage count)."""
        n = max(p.n_stages for p in parts)
        names = max((p.stage_names for p in parts), key=len)

        def pad(x: np.ndarray, time: bool) -> np.ndarray:
            if len(x) == n:
                return x
            fill = (np.full((n - len(x),) + x.shape[1:], np.inf, x.dtype) if time
                    else np.repeat(x[-1:], n - len(x), axis=0))
            return np.concatenate([x, fill], axis=0)

        return StagedCurrents(
            np.concatenate([pad(p.i_a, False) for p in parts], axis=1),
            np.concatenate([pad(p.t_start_s, True) for p in parts], axis=1),
            np.concatenate([pad(p.t_end_s, True) for p in parts], axis=1), names,
            pd.concat([p.sites for p in parts if len(p.sites)] or [parts[0].sites],
                      ignore_index=True))


def take_stages(owner: list[StagedCurrents], rows: np.ndarray,
                sites: pd.DataFrame | None = None) -> StagedCurrents:
    """``owner[0].take(rows, sites)`` array by array, each source array released once it
    is taken (#21: the fault stage's peak was the last expansion, the whole source beside
    the whole result; now the largest source array beside its result).

    Parameters
    ----------
    owner : list
        A one-element list holding the only reference to the stages to take; it is emptied
        (the caller keeps no reference, or nothing is released).
    rows : numpy.ndarray
        ``(n,)`` int positions (repeats allowed), as :meth:`StagedCurrents.take`.
    sites : DataFrame, optional
        The sites' table of the result; default the source's.

    Returns
    -------
    StagedCurrents
        The same arrays and values as :meth:`StagedCurrents.take`.
    """
    st = owner.pop()
    arrays = {"i_a": st.i_a, "t_start_s": st.t_start_s, "t_end_s": st.t_end_s}
    names, sites = st.stage_names, st.sites if sites is None else sites
    del st
    rows = np.asarray(rows, dtype=np.int64)
    out = {k: _take_rows(arrays.pop(k), rows) for k in list(arrays)}
    return StagedCurrents(out["i_a"], out["t_start_s"], out["t_end_s"], names, sites)


def _take_rows(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``x[:, rows]``; as a few slices when ``rows`` is a few runs of consecutive positions
    (the pipeline's expansion of charger sets to study scenarios: 4× faster than the
    gather along the second axis at 10,000 buses, #21). The same values either way."""
    if len(rows) < 2:
        return x[:, rows]
    cut = np.flatnonzero(np.diff(rows) != 1) + 1
    if len(cut) > len(rows) // 64:  # scattered rows: gather
        return x[:, rows]
    start = np.concatenate([[0], cut])
    end = np.concatenate([cut, [len(rows)]])
    return np.concatenate([x[:, rows[a]:rows[b - 1] + 1] for a, b in zip(start, end,
                                                                         strict=True)],
                          axis=1)


def staged_currents(result: FaultStudyResult, sites: pd.DataFrame | None = None
                    ) -> StagedCurrents | None:
    """The memory-sized stages of a fault study, aligned with ``result.device``.

    Parameters
    ----------
    result : FaultStudyResult
        From :func:`protv2g.engine.fault_study` with ``keep="full"`` (``staged=True`` for more
        than the first-cycle stage).
    sites : DataFrame, optional
        The sites' table to keep instead of ``result.staged.sites`` (kept rows only; e.g.
        ``result.staged.sites_table(blocks)``, the pipeline's expanded one, #21).

    Returns
    -------
    StagedCurrents or None
        ``None`` without device phasors (``keep="summary"``). Row ``r`` is row ``r`` of
        ``result.device`` (order scenario, case, fault type, device, fault bus; only the kept
        rows with ``fault_study(..., device_min_a=...)``, taken from ``result.device_rows``).

    Examples
    --------
    >>> st = staged_currents(fault_study(net, devices=devs, scenarios=chargers))  # doctest: +SKIP
    >>> st.phase_a()[:, 0]  # doctest: +SKIP
    array([812.4, 655.0, 431.2])
    """
    rows = result.device_rows
    if result.device_i_012_ka is None and rows is not None and rows.staged_i_a is not None:
        stg = result.staged
        if sites is None:
            sites = stg.sites if stg is not None else pd.DataFrame()
        return StagedCurrents(rows.staged_i_a, rows.t_start_s, rows.t_end_s,
                              stage_names(rows.staged_i_a.shape[0]), sites)
    if result.device_i_012_ka is None:
        return None
    stg = result.staged
    if stg is None or stg.device_i_012_ka is None:  # one stage: the first cycle, held
        arrays = result.device_i_012_ka[None]  # (1, S, C, T, D, m, 3)
        t0 = np.zeros(arrays.shape[:-1], np.float32)
        t1 = np.full(arrays.shape[:-1], np.inf, np.float32)
        names: tuple[str, ...] = ("first_cycle",)
        sites = pd.DataFrame() if sites is None else sites
    else:
        arrays = np.moveaxis(stg.device_i_012_ka, 3, 0)  # (stage, S, C, T, D, m, 3)
        shape = arrays.shape[:-1]
        t0 = np.broadcast_to(np.moveaxis(stg.t_start_s, 3, 0)[:, :, :, :, None, :], shape)
        t1 = np.broadcast_to(np.moveaxis(stg.t_end_s, 3, 0)[:, :, :, :, None, :], shape)
        names = stg.stage_names
        sites = stg.sites if sites is None else sites
    n_stage = arrays.shape[0]
    n_rows = int(np.prod(arrays.shape[1:-1]))
    i_a = np.empty((n_stage, n_rows, 4), np.float32)
    for k in range(n_stage):  # one stage at a time: no n_stage-sized complex temporary
        x = arrays[k].reshape(n_rows, 3)
        phase_magnitudes(x, 1e3, i_a[k])
        i_a[k, :, 3] = 3e3 * np.abs(x[:, 0])
    return StagedCurrents(i_a, np.asarray(t0, np.float32).reshape(n_stage, n_rows),
                          np.asarray(t1, np.float32).reshape(n_stage, n_rows), tuple(names),
                          sites)
