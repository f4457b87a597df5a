"""Which overcurrent elements of a forward-directional relay may operate, row by row, and the
currents its operating times are then taken at (review rev41a W2).

A forward-directional relay (``directional: forward`` or a ``directional`` mapping) operates
through an overcurrent element only where the directional element that controls it declares
forward (``docs/directional-elements.md`` §4): not where it declares reverse, and not where it
makes no decision (polarising quantity below its minimum, supervision not picked up). That
decision is C9's (:func:`protv2g.directional.decide.control`, through
:func:`protv2g.directional.evaluate.released_elements`); here it enters the device table once
(:func:`with_release_columns`, in :func:`protv2g.checks._common.build_context`), so the
operating times C1–C4 and C6 read (:func:`protv2g.checks._times.device_times`) are those of
the released elements only: an element held back sees no current and gives no time. Before
this a blinded 67N's 51G was credited as a recloser's backup (IEEE 34, head relay over RC-808,
SLG at 836 with 1 MW of export: C9 "the relay never trips", C4 "ok, +0.478 s").

The decision is made on the first-cycle phasors and held through the later stages of the
chargers' contribution (a numerical relay seals it in while the element is picked up), as C9
takes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.directional.decide import ALL_RELEASED, release_masks
from protv2g.engine.staged_tables import StagedCurrents

__all__ = ["DIRECTIONAL_SETTINGS", "RELEASED_COLUMN", "BLOCKED_COLUMN",
           "RELEASED_CURRENT_COLUMNS", "ANGLE_COLUMNS",
           "HELD_NOTES", "PHASOR_INPUT_COLUMNS", "idle_release", "relay_memory_pu",
           "released_currents", "stage_released_currents", "with_release_columns",
           "zone_released"]

#: ``ctx.cache`` key of the forward-directional relays' settings (name →
#: ``DirectionalSettings``) that :func:`with_release_columns` builds and
#: :func:`protv2g.checks._common.build_context` keeps (C9 and :func:`idle_release` reuse them).
DIRECTIONAL_SETTINGS = "directional settings"
#: Column of the device table holding each row's release code
#: (:func:`protv2g.directional.decide.released_code`, int8; ``ALL_RELEASED`` on every other
#: device's rows); absent in a study without a forward-directional relay.
RELEASED_COLUMN = "oc_released"
#: Column of the device table: the relay's directional control holds back an overcurrent
#: element that picks up on this row (bool; absent with :data:`RELEASED_COLUMN`).
BLOCKED_COLUMN = "oc_blocked"
#: Columns of the device table (A; with :data:`RELEASED_COLUMN`): the largest released phase
#: current and the ground current where the ground element is released
#: (:func:`released_currents`) — what the operating times, their tolerances and the element
#: that gives them are read at (:class:`protv2g.checks.pair_terms.PairTerms`).
RELEASED_CURRENT_COLUMNS = ("i_phase_released_a", "i_ground_released_a")
#: The fault-table columns the directional elements read (phasor angles, sequence values).
ANGLE_COLUMNS = ("ia_degree", "ib_degree", "ic_degree", "va_pu", "va_degree", "vb_pu",
                 "vb_degree", "vc_pu", "vc_degree", "i3i0_degree", "v0_pu", "v0_degree",
                 "i2_ka", "i2_degree", "v2_pu", "v2_degree")
#: The columns the directional elements' phasors are formed from
#: (:func:`protv2g.directional.evaluate.fault_phasors`: phase currents kA and voltages pu,
#: with their angles); a table built from other phasors than the engine's (the chargers-idle
#: tables, :func:`idle_release`) needs these only.
PHASOR_INPUT_COLUMNS = tuple(c for p in "abc" for c in (
    f"i{p}_ka", f"i{p}_degree", f"v{p}_pu", f"v{p}_degree"))


def relay_memory_pu(study: Any, names: list[str],
                    v1_pre_pu: Mapping[tuple[str, int], complex] | None
                    ) -> Mapping[tuple[str, int], complex]:
    """The pre-fault positive-sequence voltage at the relays ``names``' buses (memory
    polarisation): the engine's ``v1_pre_pu``; on a pandapower study without it at every
    such bus (a hand-built context) :func:`protv2g.directional.memory.prefault_v1_pu`."""
    from protv2g.directional.memory import prefault_v1_pu

    memory = v1_pre_pu or {}
    buses = {study.device_sites[n].bus for n in names}
    if study.model is None and (not memory or not all(any(k[1] == b for k in memory)
                                                      for b in buses)):
        doc = study.document
        memory = prefault_v1_pu(study.net, sorted(buses), cases=doc.faults.cases,
                                method=doc.faults.method)
    return memory


def with_release_columns(study: Any, faults: pd.DataFrame, devices: Mapping[str, Any],
                         v1_pre_pu: Mapping[tuple[str, int], complex] | None
                         ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``faults`` with :data:`RELEASED_COLUMN` and :data:`BLOCKED_COLUMN` (a shallow copy),
    and the forward-directional relays' settings (name → ``DirectionalSettings``, for C9 to
    reuse); ``faults`` itself and ``{}`` without such a relay or without the phasor columns
    the elements read (C9 then says it could not judge them).

    ``devices``: the built device models (the relays' pickups and times decide which
    element picks up)."""
    from protv2g.directional.settings import is_forward_directional, settings_from_study

    names = [d.name for d in study.document.devices
             if getattr(d.kind, "value", d.kind) != "fuse" and is_forward_directional(d)]
    if not names or not set(ANGLE_COLUMNS) <= set(faults.columns):
        return faults, {}
    settings = settings_from_study(study, devices=names)
    return _with_release(study, faults, devices, settings, v1_pre_pu), settings


def _with_release(study: Any, table: pd.DataFrame, devices: Mapping[str, Any],
                  settings: Mapping[str, Any],
                  v1_pre_pu: Mapping[tuple[str, int], complex] | None) -> pd.DataFrame:
    """``table`` (a shallow copy) with :data:`RELEASED_COLUMN` and :data:`BLOCKED_COLUMN`:
    C9's decision (:func:`protv2g.directional.evaluate.released_elements`) of the relays
    ``settings`` (name → ``DirectionalSettings``) on its rows' phasors."""
    from protv2g.devices.models import OvercurrentRelay
    from protv2g.directional.evaluate import released_elements

    relays = {n: d for n, d in devices.items() if isinstance(d, OvercurrentRelay)}
    released, blocked = released_elements(
        table, study.feeder, study.device_sites, settings, relays=relays,
        v1_memory_pu=relay_memory_pu(study, list(settings), v1_pre_pu))
    out = table.copy(deep=False)
    out[RELEASED_COLUMN] = released
    out[BLOCKED_COLUMN] = blocked
    return out


def idle_release(ctx: Any, table: pd.DataFrame) -> pd.DataFrame:
    """A chargers-idle table (``device``, ``case`` and :data:`PHASOR_INPUT_COLUMNS`: the
    phasors with every charger idle and the project's equipment in, built by
    :func:`protv2g.checks.idle_pairs.idle_coordination` and
    :func:`protv2g.checks.idle_figures.idle_times` from the fault table's idle columns)
    with :data:`RELEASED_COLUMN` and :data:`BLOCKED_COLUMN`: the same decision as the
    checks' own rows (:func:`with_release_columns`, the settings ``ctx.cache`` holds), taken
    on the idle phasors — so the idle figure of a forward-directional relay credits no
    element its directional control holds back with every charger idle (review fix41d,
    "Idle-twin times"). ``table`` itself without such a relay or without the voltages
    (:data:`~protv2g.checks.converter_sum.IDLE_VOLTAGE_COLUMNS` absent)."""
    settings = (getattr(ctx, "cache", None) or {}).get(DIRECTIONAL_SETTINGS)
    if not settings or not len(table) or not set(PHASOR_INPUT_COLUMNS) <= set(table.columns):
        return table
    return _with_release(ctx.study, table, ctx.devices, settings,
                         getattr(ctx, "v1_pre_pu", None))


def released_currents(phases_ka: tuple[np.ndarray, np.ndarray, np.ndarray],
                      i_phase_a: np.ndarray, i_ground_a: np.ndarray,
                      released: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The phase and ground currents (A) the overcurrent elements operate on: ``i_phase_a``
    and ``i_ground_a`` themselves (no copy) without ``released``; else, on the rows whose
    release code (:func:`protv2g.directional.decide.released_code`) holds back an element,
    the largest current of the released phases (``phases_ka``: ``|Ia|, |Ib|, |Ic|`` in kA;
    0 with none released) and ``|3I0|`` only where the ground element is released (0
    otherwise): an element its directional control does not release does not operate."""
    if released is None or not (released != ALL_RELEASED).any():
        return i_phase_a, i_ground_a
    at = np.flatnonzero(released != ALL_RELEASED)
    ph, gr = release_masks(released[at])
    i_p, i_g = np.array(i_phase_a, dtype=float), np.array(i_ground_a, dtype=float)
    i_p[at] = 1000.0 * np.stack([np.asarray(p, float)[at] for p in phases_ka], -1).max(
        axis=-1, where=ph, initial=0.0)
    i_g[at] = np.where(gr, i_g[at], 0.0)
    return i_p, i_g




def stage_released_currents(staged: StagedCurrents, phase: np.ndarray, r: np.ndarray, k: int,
                    released: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(phase, ground)`` currents (A, ``(k, len(r))``) of rows ``r``'s first ``k`` stages as
    the overcurrent elements see them: ``phase`` (every stage row's largest phase current)
    gathered, and ``|3I0|``; on rows whose release code holds an element back
    (:func:`released_currents`) the largest released phase's and the ground current only
    where the ground element is released."""
    i_p = phase[:k, staged.stage_rows(r)].astype(float)
    i_g = staged.ground_a(r, k)
    if released is None:
        return i_p, i_g
    part = np.flatnonzero(released[r] != ALL_RELEASED)
    if len(part):
        ph, gr = release_masks(released[r[part]])
        i_p[:, part] = staged.phases_a(r[part], k).max(axis=-1, where=ph[None],
                                                      initial=0.0)
        i_g[:, part] = np.where(gr[None], i_g[:, part], 0.0)
    return i_p, i_g




#: :func:`zone_released`'s per-row note codes: 0 nothing held back, 1 the ground element held
#: back (the row judged on the phase element), 2 no overcurrent element released.
HELD_NOTES = ("",
              "; its directional control holds back its ground element at this fault (C9: "
              "no forward decision), so its phase element is judged",
              "; its directional control releases none of its overcurrent elements at this "
              "fault (C9: no forward decision), so it does not see the fault")


def zone_released(faults: pd.DataFrame, at: np.ndarray, i_phase_a: np.ndarray,
                  i_ground_a: np.ndarray, fault_kind_ground: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """C5's zone rows (``at``: positions in ``faults``, ``-1`` for a zone fault without a
    row) as their overcurrent elements see them: ``(i_phase_a, i_ground_a, ground_ok,
    released, held)`` — the first-cycle currents of the released elements
    (:func:`released_currents`), whether the ground element may operate (bool), the release
    codes (None without :data:`RELEASED_COLUMN`) and a :data:`HELD_NOTES` code per row
    (``fault_kind_ground``: the row is a ground fault, where a held-back ground element is
    noted). The inputs themselves and all-True/zeros without :data:`RELEASED_COLUMN`."""
    n = len(at)
    if RELEASED_COLUMN not in faults.columns:
        return i_phase_a, i_ground_a, np.ones(n, bool), None, np.zeros(n, np.int8)
    have = at >= 0
    pos = np.where(have, at, 0)
    released = np.where(have, faults[RELEASED_COLUMN].to_numpy()[pos], ALL_RELEASED)
    phases = tuple(np.where(have, faults[c].to_numpy(float)[pos], 0.0)
                   for c in ("ia_ka", "ib_ka", "ic_ka"))
    i_p, i_g = released_currents(phases, i_phase_a, i_ground_a, released)
    ph, gr = release_masks(released)
    none = ~ph.any(axis=-1) & ~gr
    held = np.where(released == ALL_RELEASED, 0, np.where(
        none, 2, np.where(np.asarray(fault_kind_ground, bool) & ~gr, 1, 0))).astype(np.int8)
    return i_p, i_g, gr, released, held
