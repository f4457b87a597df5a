"""The fault stage's result types: what the engine is called with (:class:`EngineInputs`) and
the bus and device fault tables of every study scenario (:class:`FaultTables`), built by
:func:`protv2g.pipeline.fault_tables` (which re-exports both)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from protv2g.engine.staged_tables import StagedCurrents
from protv2g.study.loader import Study

__all__ = ["EngineInputs", "FaultTables"]


@dataclass(frozen=True)
class EngineInputs:
    """What the fault engine is called with for a list of study scenarios.

    Attributes
    ----------
    options : dict
        Keyword arguments of :func:`protv2g.engine.fault_study` (fault types, cases, method,
        fault impedances, ``scenarios`` = the distinct charger sets by name, ``devices``).
    key_of : dict
        Study scenario name → the name of its charger set in ``options["scenarios"]``.
    """

    options: dict[str, Any]
    key_of: dict[str, str]


@dataclass(frozen=True)
class FaultTables:
    """Bus and device fault tables of every study scenario (``scenario`` = its name).

    The tables are the chargers' **first-cycle** stage (every exporting site at its first-cycle
    limit; held for the whole fault, the high bracket); ``staged`` holds the later stages.

    Attributes
    ----------
    bus : DataFrame
        The engine's bus table (``ikss_ka``, phase currents, 3I0 …) per study scenario. The
        key columns of both tables (``scenario``, ``device``, ``bus_name`` /
        ``fault_bus_name``, ``fault_type``, ``case``) are categoricals whose categories are
        sorted lexically (#21, :mod:`protv2g.engine.key_columns`).
    device : DataFrame
        What every device sees for every fault (currents kA, voltages pu, angles degree).
    staged : StagedCurrents or None
        Each stage's current magnitudes, **row by row aligned with** ``device`` (position ``r``
        is ``device.iloc[r]``; held once per charger set under a row map shared by both
        brackets, :meth:`dense_stages` for the dense arrays), the stage times and the sites'
        cessation/trip table; ``None`` when not kept (``fault_tables(..., staged=False)``).
    v1_pre_pu : dict
        ``(case, device bus) → V1`` the engine's pre-fault positive-sequence voltage at each
        device bus (pu, device-phasor reference): relays' memory polarisation.
    staged_high : StagedCurrents or None
        The stages of the **high** bracket (``faults.high_bracket: sustained_limit``, the
        default: each site's sustained limit at its high end, ``docs/charger-fault-model.md``
        §3), aligned row by row with ``device`` like ``staged``; ``None`` with
        ``first_cycle_held`` (the high bracket is then ``device`` itself, held) or without
        stages.
    close_in : tuple or None
        ``(study given, the same study with close-in positions)`` the tables were solved on
        (pandapower path): the checks take their net from it instead of rebuilding it (#21).
    grid_only : tuple or None
        ``(bus, device)`` tables of the :data:`~protv2g.study.engine_inputs.GRID_ONLY` set
        (a feeder with existing inverter sources) between the engine calls and
        :func:`fault_tables`, which puts them on every row as the
        :data:`~protv2g.checks.converter_sum.GRID_COLUMNS` and drops them.
    twin_of : dict or None
        Every study scenario, in the order of its block of rows, → the scenario whose rows it
        has (itself for the scenarios ``bus``, ``device`` and the stages hold). Scenarios
        that differ only in the load level share a charger set and the engine runs
        open-circuit: their fault rows are the same, and only the first of each set is held
        (#21: the 10,000-bus study's six scenarios on three sets, 1,823,534 device rows →
        911,767). ``None``: every scenario's block is held. :meth:`expanded` gives the
        tables of every scenario (what :class:`~protv2g.result.StudyResult` shows); the
        checks evaluate the held blocks and copy their rows to the twins
        (:func:`protv2g.checks.twin_rows.held_twins`).
    site_idle : tuple or None
        ``(bus, device)`` tables of the :data:`~protv2g.study.engine_inputs.SITES_IDLE` and
        :data:`~protv2g.study.engine_inputs.SITES_GRID` sets (sites' interconnection
        transformers in, every charger idle / the grid alone) between the engine calls and
        :func:`~protv2g.pipeline.fault_tables`, which puts them on the rows the base case
        lacks as the :data:`~protv2g.checks.converter_sum.NET_COLUMNS` and drops them.
    networks : dict or None
        The sequence networks the engine built for the V2G scenarios' net (the net of
        ``close_in[1]``), by the key of :func:`~protv2g.engine.sequence.network_builder`:
        the Charger stages table re-solves its findings' faults on them instead of building
        each case again (#21: 0.15 s and a deep copy of the net per case at 10,000 buses;
        ≈ 3 MiB per sequence network there, 20 MiB for both cases). Read only; ``None``
        when that net was not solved (only base-case scenarios) or on an OpenDSS feeder.
    """

    bus: pd.DataFrame
    device: pd.DataFrame
    staged: StagedCurrents | None = None
    v1_pre_pu: dict[tuple[str, int], complex] = field(default_factory=dict)
    staged_high: StagedCurrents | None = None
    close_in: tuple[Study, Study] | None = None
    grid_only: tuple[pd.DataFrame, pd.DataFrame] | None = None
    networks: dict | None = None
    twin_of: dict[str, str] | None = None
    site_idle: tuple[pd.DataFrame, pd.DataFrame] | None = None

    def expanded(self) -> FaultTables:
        """These tables with a block of rows for every study scenario (:attr:`twin_of`): each
        twin's rows those of the scenario it repeats, under its own name — the tables as the
        pipeline made them before #21 held each charger set's rows once, value for value
        (the stages of both brackets the same arrays under row maps; the brackets stay one
        object where they are one). ``self`` when every block is held."""
        if not self.twin_of:
            return self
        from protv2g.pipeline_blocks import take, twin_positions

        dev_pos, dev_names = twin_positions(self.device["scenario"].array, self.twin_of)
        bus_pos, bus_names = twin_positions(self.bus["scenario"].array, self.twin_of)
        st = None if self.staged is None else self.staged.take(dev_pos)
        high = (st if self.staged_high is self.staged else None if self.staged_high is None
                else self.staged_high.take(dev_pos))
        if (st is not None and high is not None and high is not st and st.row_map is not None
                and high.row_map is not None and np.array_equal(st.row_map, high.row_map)):
            high = replace(high, row_map=st.row_map)  # one map for both, as the pipeline's
        return replace(self, bus=take(self.bus, bus_pos, bus_names),
                       device=take(self.device, dev_pos, dev_names), staged=st,
                       staged_high=high, twin_of=None)

    def dense_stages(self) -> FaultTables:
        """These tables with both brackets' stages in the dense form (one stage row per
        device row, :meth:`~protv2g.engine.staged_tables.StagedCurrents.dense`; the brackets
        stay one object where they are one). ``staged``/``staged_high`` hold each charger
        set's stages once under a row map (#21); the accessors and the checks read that form
        as it is — call this once, not per use, only where a caller needs the arrays
        aligned with ``device``."""
        st = None if self.staged is None else self.staged.dense()
        high = (st if self.staged_high is self.staged else None if self.staged_high is None
                else self.staged_high.dense())
        return replace(self, staged=st, staged_high=high)
