"""The faults a drafted head relay's time dials are set at: each pair (head, device right below
it) at every fault C1–C4 judge the pair at, **max and min case** (review s32: EPRI ckt5's
dials, set at the max-case faults only, failed C1 at its 20 Ω min-case faults), with the head's
currents there and the device's clearing time — what does not depend on the head's curve
(:func:`protv2g.study_draft.head_relay.propose_relay` tries each family over them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["PairFaults", "clearing_s", "pair_faults"]


@dataclass(frozen=True)
class PairFaults:
    """The pairs' faults, one row each (shape ``(n,)``): the head's largest phase current and
    its ``|3I0|`` (A), the device's clearing time (s), the device's name and the fault
    (``"SLG-a at b2 (min case)"``), and the case (``"max"``/``"min"``)."""

    i_phase_a: np.ndarray
    i_ground_a: np.ndarray
    t_dev_s: np.ndarray
    devices: np.ndarray
    faults: np.ndarray
    cases: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))


def pair_faults(rows: pd.DataFrame, name: str, below: Sequence[tuple[str, object]],
                judged: Mapping[str, set[int]] | None, bus_names: Sequence[str]
                ) -> PairFaults:
    """The faults of the pairs (``name``, device of ``below``) both see, in either case.

    ``rows``: the fault study's device rows (``device``, ``case``, ``fault_bus``,
    ``fault_type``, ``phase``) with ``i_phase_a``/``i_ground_a`` (A); ``below``: (name,
    device model); ``judged``: device → the fault buses its pair is judged at (every fault
    both see for a device without an entry); ``bus_names``: the model's, by bus index.
    """
    keys = ["case", "fault_bus", "fault_type", "phase"]
    head = rows[rows.device == name].set_index(keys)
    parts: list[list[np.ndarray]] = [[], [], [], [], [], []]
    for dev_name, model_dev in below:
        mine = rows[rows.device == dev_name].set_index(keys)
        both = mine.index.intersection(head.index)
        if judged is not None and dev_name in judged:
            both = both[both.get_level_values("fault_bus").isin(list(judged[dev_name]))]
        if not len(both):
            continue
        r, x = head.loc[both], mine.loc[both]
        parts[0].append(r.i_phase_a.to_numpy())
        parts[1].append(r.i_ground_a.to_numpy())
        parts[2].append(np.asarray(clearing_s(model_dev, x.i_phase_a.to_numpy(),
                                              x.i_ground_a.to_numpy()), dtype=float))
        parts[3].append(np.full(len(both), dev_name, dtype=object))
        parts[4].append(np.array([f"{ft}-{ph} at {bus_names[int(b)]} ({case} case)"
                                  for case, b, ft, ph in both.tolist()], dtype=object))
        parts[5].append(np.array([str(k[0]) for k in both.tolist()], dtype=object))
    cat = [np.concatenate(p) if p else np.zeros(0) for p in parts]
    return PairFaults(*cat)


def clearing_s(device: object, i_phase_a: np.ndarray, i_ground_a: np.ndarray) -> np.ndarray:
    """Time the device below clears a fault: fuse total clearing, recloser delayed (slowest)
    shot, relay operate time."""
    if hasattr(device, "total_clear_time_s"):
        return device.total_clear_time_s(i_phase_a)
    if hasattr(device, "shot_times_s"):
        shots = np.asarray(device.shot_times_s(i_phase_a, i_ground_a), dtype=float)
        slowest = np.where(np.isfinite(shots), shots, -np.inf).max(axis=0)
        return np.where(np.isfinite(slowest), slowest, np.inf)
    return device.operate_time_s(i_phase_a, i_ground_a)
