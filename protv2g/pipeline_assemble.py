"""The fault tables of the pipeline (:mod:`protv2g.pipeline`) assembled from engine results.

* :func:`_staged` — an engine result's chargers' stages (:func:`~protv2g.engine.staged_tables.
  staged_currents`), its sites' table expanded to the study scenarios on first use;
* :func:`_v1_pre` — the pre-fault ``V1`` at each device bus of an engine result;
* :func:`_concat` — the tables of several engine calls (the base case without the sites'
  interconnection transformers, the V2G scenarios with them) as one, in study-scenario order;
* :func:`_feeder_issue` — an engine issue about the net, re-addressed to the study's feeder.

Each takes plain data (an engine result, :class:`~protv2g.pipeline_tables.FaultTables`) and
returns plain data; :func:`protv2g.pipeline.fault_tables` calls the engine and these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from protv2g.engine.key_columns import concat_keyed, mapped_codes
from protv2g.engine.staged_tables import LazyFrame, StagedCurrents, staged_currents
from protv2g.errors import Issue
from protv2g.pipeline_blocks import taken
from protv2g.pipeline_tables import FaultTables
from protv2g.study.loader import Study


def _staged(faults: Any, blocks: list[tuple[str, str]],
            like: tuple[Any, LazyFrame] | None = None
            ) -> tuple[StagedCurrents | None, tuple[Any, LazyFrame] | None]:
    """:func:`staged_currents` of an engine result with its sites' table expanded to the
    study scenarios (``blocks``: study scenario, charger set) **on first use** (#21: no stage
    of a pandapower study reads it, ≈ 98 MiB at 10,000 buses for both brackets, built at
    the stage's peak): kept are the sites' arrays and peak currents
    (:meth:`~protv2g.engine.staged_result.StagedResult.site_source`), the table built from
    them is the one built at once before. ``like``: the other bracket's source and lazy
    table, whose label columns and equal value columns the table shares
    (:meth:`~protv2g.engine.staged_result.StagedResult.sites_table`). Returns the stages
    and ``(source, lazy table)`` for the other bracket's ``like``."""
    stg = faults.staged
    if stg is None:
        return staged_currents(faults), None
    src = stg.site_source()

    def build() -> pd.DataFrame:
        return src.sites_table(blocks, None if like is None else (like[0], like[1].get()))

    table = LazyFrame(build)
    return staged_currents(faults, table), (src, table)


def _v1_pre(faults: Any, terms: Sequence[Any]) -> dict[tuple[str, int], complex]:
    """``(case, device bus) → V1`` before the fault, from an engine result."""
    v1: dict[tuple[str, int], complex] = {}
    if faults.device_v1_pre_pu is not None:
        for c, case in enumerate(faults.cases):
            for d, term in enumerate(terms):
                v = complex(faults.device_v1_pre_pu[c, d])
                if np.isfinite(v.real):
                    v1[(case.value, int(term.bus))] = v
    return v1


def _concat(parts: list[FaultTables], order: dict[str, int]) -> FaultTables:
    """Tables of several engine calls as one, rows in study-scenario order."""
    # the key columns stay categorical over the union of the parts' labels (#21)
    bus = concat_keyed([p.bus for p in parts], ignore_index=True)
    dev = concat_keyed([p.device for p in parts], ignore_index=True)
    b_ord = np.argsort(mapped_codes(bus["scenario"], order), kind="stable")
    d_ord = np.argsort(mapped_codes(dev["scenario"], order), kind="stable")
    st = st_high = None
    if all(p.staged is not None for p in parts):
        st = StagedCurrents.concat([p.staged for p in parts]).take(d_ord)  # type: ignore[misc]
    if all(p.staged_high is not None for p in parts):
        if all(p.staged_high is p.staged for p in parts):
            st_high = st
        else:
            st_high = StagedCurrents.concat(
                [p.staged_high for p in parts]).take(d_ord)  # type: ignore[misc]
            if st is not None and np.array_equal(st.row_map, st_high.row_map):
                st_high = replace(st_high, row_map=st.row_map)  # one map for both
    v1: dict[tuple[str, int], complex] = {}
    for p in parts:
        v1.update(p.v1_pre_pu)
    # every part's scenarios → their held ones, in study-scenario order (the held rows are
    # sorted so; a charger set is never shared across parts: each part solves its own)
    twin_of = dict(sorted(((n, t) for p in parts for n, t in (p.twin_of or {}).items()),
                          key=lambda nt: order[nt[0]]))
    return FaultTables(taken(bus, b_ord), taken(dev, d_ord), st, v1, st_high, twin_of=twin_of,
                       grid_only=next((p.grid_only for p in parts if p.grid_only is not None),
                                      None),
                       networks=next((p.networks for p in parts if p.networks is not None),
                                     None))


def _feeder_issue(study: Study, issue: Issue) -> Issue:
    """An engine issue about the net, re-addressed to the study file and its feeder."""
    source = study.document.feeder
    feeder = source.pandapower_json or source.opendss or f"builtin {source.builtin}"
    return Issue(str(study.path), f"feeder ({feeder}): {issue.field}", issue.message,
                 issue.fix or "correct the feeder model")
