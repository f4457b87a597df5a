"""A device's operate times through the stages of a fault (issue #16).

:func:`staged_times` gives every device's operate time at every fault of a staged fault result
(through the stages, and with the first-cycle current held); :func:`time_key` finds the device
time (:data:`TIME_OF`) a finding compares; the rest are the helpers the "Charger stages" tables
(:mod:`protv2g.stage_report`, :mod:`protv2g.stage_report_dss`) share: a study's device model
by name, the largest phase current and 3·|I0| of sequence currents, and the device's times
through one fault's stages or with the currents held. Split from :mod:`protv2g.stage_report`
(the module had grown past 400 lines), which re-exports :data:`TIME_OF`, :func:`time_key` and
:func:`staged_times`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from protv2g.checks.directional_release import released_currents
from protv2g.devices.kinds import operating_times, spec, staged_operating_times
from protv2g.devices.models import build_device
from protv2g.devices.staged import staged_device_times
from protv2g.engine.faults import seq_to_abc
from protv2g.study.loader import Study

__all__ = ["TIME_OF", "study_device", "phase_ground_a", "times_through_stages",
           "time_through_stages", "held_time_s", "time_key", "staged_times"]

#: What each device time column is (``time_of``): the time a finding's rule compares.
TIME_OF = {"t_op_s": "first operation", "t_fast_s": "fast curve",
           "t_delayed_s": "delayed curve (lockout)", "t_longest_shot_s": "longest shot",
           "t_mm_s": "minimum melt", "t_tc_s": "total clearing"}


def study_device(study: Study, name: str):
    """The device model of ``study``'s device ``name`` (its kind's settings only), built
    with the study's curve library; a ``KeyError`` listing the devices for another name."""
    entry = next((d for d in study.document.devices if d.name == name), None)
    if entry is None:
        names = ", ".join(d.name for d in study.document.devices)
        raise KeyError(f"unknown device {name!r}; the study has: {names}")
    allowed = {f.name for f in dataclasses.fields(spec(entry.kind).settings)}
    fields = {k: v for k, v in entry.model_dump().items() if k in allowed}
    return build_device(entry.kind, fields, study.library)


def phase_ground_a(i012_ka: np.ndarray, released: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Largest phase current and 3·|I0|, A, from ``(..., 3)`` sequence currents in kA.

    ``released``: a forward-directional relay's release code on this fault
    (:func:`protv2g.directional.decide.released_code`, C9's decision on the first cycle, held
    through the stages as the checks hold it): the currents its overcurrent elements operate
    on — the largest *released* phase's, ``3·|I0|`` only where 51G is released, 0 otherwise
    (:func:`protv2g.checks.directional_release.released_currents`)."""
    abc_ka = np.abs(seq_to_abc(i012_ka))
    ip, ig = 1e3 * abc_ka.max(axis=-1), 1e3 * 3 * np.abs(i012_ka[..., 0])
    if released is None:
        return ip, ig
    code = np.full(ip.size, released, dtype=np.int8)
    p, g = released_currents(tuple(abc_ka[..., k].ravel() for k in range(3)), ip.ravel(),
                             ig.ravel(), code)
    return np.reshape(p, ip.shape), np.reshape(g, ig.shape)


def times_through_stages(dev, ip: np.ndarray, ig: np.ndarray, t0: np.ndarray,
                         t1: np.ndarray) -> dict[str, float]:
    """Every time of the device kind (s, :func:`~protv2g.devices.kinds.staged_operating_times`)
    through one fault's stages: ``(stage,)`` currents ``ip``/``ig`` (A) over ``t0``…``t1``."""
    t = staged_operating_times(dev, ip[:, None], ig[:, None], t0[:, None], t1[:, None])
    return {k: float(v[0]) for k, v in t.items()}


def time_through_stages(dev, ip: np.ndarray, ig: np.ndarray, t0: np.ndarray, t1: np.ndarray,
                        key: str = "t_op_s") -> float:
    """The ``key`` time of :func:`times_through_stages` (s)."""
    return times_through_stages(dev, ip, ig, t0, t1)[key]


def held_time_s(dev, ip: np.ndarray, ig: np.ndarray, key: str = "t_op_s") -> np.ndarray:
    """Operate time (s) with the currents held for the whole fault (single stage): the device
    kind's ``key`` time (:func:`~protv2g.devices.kinds.operating_times`), any array shape."""
    ip, ig = np.asarray(ip, float), np.asarray(ig, float)
    return operating_times(dev, ip.ravel(), ig.ravel())[key].reshape(ip.shape)


def time_key(times: dict[str, float], shown_s: float | None, scale: float = 1.0) -> str:
    """The device time (:data:`TIME_OF`) that reproduces ``shown_s`` (a finding's time of the
    device, ``scale`` × it: C2's K × fast) best, by log ratio; ``t_op_s`` without one."""
    if shown_s is None or not np.isfinite(shown_s) or shown_s <= 0:
        return "t_op_s"
    # a named curve before the first operation when both give the time (the fast shot)
    keys = sorted((k for k in times if k in TIME_OF), key=lambda k: k == "t_op_s")
    err = {k: abs(np.log(scale * times[k] / shown_s)) for k in keys
           if np.isfinite(times[k]) and times[k] > 0}
    return min(err, key=err.get) if err else "t_op_s"


def staged_times(study: Study, result) -> pd.DataFrame:
    """Operate time of every device at every fault of a staged fault result, both brackets.

    Parameters
    ----------
    study : Study
    result : FaultStudyResult
        From :func:`protv2g.engine.fault_study` with ``keep="full"`` and ``staged=True`` on the
        study's devices (:func:`~protv2g.study.engine_inputs.device_terminals`).

    Returns
    -------
    DataFrame
        ``scenario, device, fault_bus, fault_type, case, t_op_staged_s`` (through the stages:
        low bracket) ``, t_op_first_cycle_held_s`` (first-cycle current held) — the columns
        the checks can merge on their device table (same keys as ``result.device``).

    Raises
    ------
    ValueError
        Without staged device phasors.
    """
    st = result.staged
    if st is None or st.device_i_012_ka is None:
        raise ValueError("staged_times needs fault_study(..., keep='full', staged=True)")
    t0 = np.moveaxis(st.t_start_s, 3, 0)  # (stage, S, C, T, m)
    t1 = np.moveaxis(st.t_end_s, 3, 0)
    frames = []
    for d, name in enumerate(result.devices):
        dev = study_device(study, name)
        i012 = np.moveaxis(st.device_i_012_ka[:, :, :, :, d], 3, 0)  # (stage, S, C, T, m, 3)
        ip, ig = phase_ground_a(i012)
        low = staged_device_times(dev, ip, ig, t0, t1)["t_op_s"]
        high = held_time_s(dev, ip[0], ig[0])
        s, c, t, m = low.shape
        idx = np.array(np.meshgrid(np.arange(s), np.arange(c), np.arange(t), np.arange(m),
                                   indexing="ij")).reshape(4, -1)
        frames.append(pd.DataFrame({
            "scenario": np.array(result.scenarios, dtype=object)[idx[0]],
            "device": name, "fault_bus": result.fault_buses[idx[3]],
            "fault_type": np.array([x.value for x in result.fault_types], dtype=object)[idx[2]],
            "case": np.array([x.value for x in result.cases], dtype=object)[idx[1]],
            "t_op_staged_s": low.ravel(),
            "t_op_first_cycle_held_s": np.asarray(high).ravel()}))
    return pd.concat(frames, ignore_index=True)
