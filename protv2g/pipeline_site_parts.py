"""The pandapower pipeline's parts with sites' interconnection transformers
(:func:`protv2g.pipeline.fault_tables`): the base case's engine call without them and the
devices on them, the V2G scenarios' call with them — the OpenDSS path's rule
(:func:`protv2g.pipeline_dss.dss_fault_frames`) for the rows the base case lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from protv2g.pipeline_blocks import with_grid_columns, with_network_columns
from protv2g.pipeline_tables import FaultTables
from protv2g.study.engine_inputs import SITES_GRID, SITES_IDLE
from protv2g.study.loader import Study
from protv2g.study.site_equipment import site_transformer_devices

__all__ = ["network_parts", "without_devices_on"]


def without_devices_on(study: Study, out: Sequence[str]) -> Study:
    """``study`` without the devices on the transformers of the sites ``out`` (their
    interconnection transformers out of this part's net): a fuse on such a transformer comes
    with it (:func:`protv2g.study.site_equipment.site_transformer_devices`; the OpenDSS
    path's rule, review rev32a W4) — its stub would carry the feeder's fault at its bus."""
    on = {d for d, (site, _) in site_transformer_devices(study).items() if site in out}
    if not on:
        return study
    return replace(study, device_sites={n: s for n, s in study.device_sites.items()
                                        if n not in on})


def network_parts(parts: list[FaultTables], base_names: set[str]) -> list[FaultTables]:
    """``parts`` (the base part first) with the grid-only columns on every row (existing
    DER: the base part's grid alone) and, on a later part's rows whose fault (and device)
    the base case lacks, that part's own network phasors
    (:func:`~protv2g.pipeline_blocks.with_network_columns`, the rule the OpenDSS path's
    parts take: :data:`~protv2g.study.engine_inputs.SITES_IDLE` as the
    :data:`~protv2g.checks.converter_sum.NET_COLUMNS`, :data:`~protv2g.study.engine_inputs.
    SITES_GRID` as their grid columns)."""
    if all(p.site_idle is None for p in parts[1:]):
        return parts
    first = parts[0]
    grid = first.grid_only
    base_bus = first.bus[first.bus["scenario"].astype(str).isin(base_names)]
    base_dev = first.device[first.device["scenario"].astype(str).isin(base_names)]
    out = []
    for p in parts:
        b, d = p.bus, p.device
        if grid is not None:  # existing DER: the grid alone of the base part on every row
            b, d = with_grid_columns(b, grid[0]), with_grid_columns(d, grid[1])
        if p.site_idle is not None:
            g = SITES_GRID if grid is not None else None
            b = with_network_columns(b, base_bus, SITES_IDLE, g, rows=p.site_idle[0])
            d = with_network_columns(d, base_dev, SITES_IDLE, g, rows=p.site_idle[1])
        out.append(replace(p, bus=b, device=d, grid_only=None, site_idle=None))
    return out
