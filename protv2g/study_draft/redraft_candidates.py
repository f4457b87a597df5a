"""The candidate-site table init writes as comments, re-computed by ``init --redraft`` on the
model as the study now stands (review rev33b F1).

``protv2g init`` writes below the devices a comment table of candidate V2G site buses with
their short-circuit level without V2G (IEC 60909 max: three-phase and single-line-to-ground
kA, and the X/R of the short-circuit impedance, :func:`.draft._network_x_r`). A user who then
gives the utility's source in a redirect (``Edit Vsource.source MVAsc3=…``) re-drafts; the
drafted ratings were refreshed (:mod:`.redraft_ratings`) but the table still read the ideal
source's levels (IEEE 123 bus 1: 55.14 kA three-phase). :func:`refresh_candidate_table`
re-computes the listed buses' levels with init's own functions
(:func:`.candidates.short_circuit_levels` on an IEC 60909 max fault study of those buses,
the feeder's inverters by their law, as init's) and re-writes their numbers in place; the
buses, their order, distance and the device behind them stay (the source moves none).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["refresh_candidate_table"]

_HEAD = "# Candidate V2G site buses, short-circuit level without V2G"
_SAID = " — kA and X/R re-computed by protv2g init --redraft on the model as it now stands"
#: … where only the devices the buses sit behind moved (review rev42b M5).
_BEHIND = (" — the devices behind re-found by protv2g init --redraft among the study's devices "
           "as they now stand")
_ROW = re.compile(r"^#   (?P<bus>\S+)\s+(?P<ph>[a-c]+)\s+(?P<kv>[\d.]+)\s+(?P<km>[\d.]+)\s+"
                  r"(?P<i3>-|[\d.]+)\s+(?P<slg>[\d.]+)(?P<mark>\S*)\s+(?P<xr>[\d.]+|nan)"
                  r"(?P<star>\*?)  (?P<behind>.*)$")


def refresh_candidate_table(text: str, model: Any,
                            devices: Mapping[str, tuple[str, str]] | None = None
                            ) -> tuple[str, int]:
    """``text`` (a study file) with its candidate table's kA and X/R re-computed on
    ``model`` (the study's, with its redirects), and how many rows moved by more than 10 %
    (:data:`~.redraft.MATERIAL_FRACTION`) or, with ``devices`` (name → (OpenDSS element,
    kind shown), the study's devices), now sit behind another device; ``(text, 0)`` unchanged
    without a table or when the fault study fails (the table is a comment: the re-draft goes
    on). A device the table already named keeps the kind it showed (``relay, proposed``)."""
    from protv2g.study_draft.redraft import MATERIAL_FRACTION

    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, ln in enumerate(lines) if ln.startswith(_HEAD))
    except StopIteration:
        return text, 0
    rows = {}
    for i in range(start + 1, len(lines)):
        if not lines[i].startswith("#"):
            break
        if m := _ROW.match(lines[i].rstrip("\n")):
            rows[i] = m
    if not rows:
        return text, 0
    try:
        levels = _levels(model, sorted({m["bus"] for m in rows.values()}))
    except Exception:  # noqa: BLE001 - a comment's figures: never stop the re-draft
        return text, 0
    behind = _behind(model, rows, text, devices) if devices else {}
    moved, changed = 0, set()
    for i, m in rows.items():
        if m["bus"] not in levels.index:
            continue
        now = behind.get(m["bus"], m["behind"])
        if now != m["behind"]:
            changed.add(i)
        r = levels.loc[m["bus"]]
        i3 = "-" if m["i3"] == "-" or not np.isfinite(r.i3ph_ka) else f"{r.i3ph_ka:.2f}"
        slg = f"{r.islg_ka:.2f}" + m["mark"]
        xr = f"{r.x_r:.1f}" + m["star"]
        was = float(m["slg"])
        if not math.isclose(was, float(r.islg_ka), rel_tol=MATERIAL_FRACTION) or (
                i3 != "-" and not math.isclose(float(m["i3"]), float(r.i3ph_ka),
                                               rel_tol=MATERIAL_FRACTION)):
            moved += 1
            changed.add(i)
        newline = "\n" if lines[i].endswith("\n") else ""
        lines[i] = (f"#   {m['bus']:<24} {m['ph']:<4} {float(m['kv']):>6.2f} "
                    f"{float(m['km']):>7.2f} {i3:>7} {slg:>7} {xr:>6}  {now}"
                    + newline)
    if changed:
        head = lines[start].rstrip("\n").split(_SAID)[0].split(_BEHIND)[0].rstrip(":")
        lines[start] = f"{head}{_SAID if moved else _BEHIND}:\n"
    return "".join(lines), len(changed)


#: One device as the table names it: ``head-sw1 (relay, proposed)``.
_NAMED = re.compile(r"^(?P<name>[^,(]+?) \((?P<kind>[^()]+)\)$")


def _behind(model: Any, rows: Mapping[int, re.Match], text: str,
            devices: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """Bus → its ``behind`` cell now (:func:`.candidates.upstream_devices` on ``model``'s
    feeder graph, the text :func:`.writer.candidate_comments` writes); a device the table
    named alone keeps the kind it showed."""
    from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
    from protv2g.study_draft.candidates import upstream_devices

    shown = {m["name"]: m["kind"] for r in rows.values() if (m := _NAMED.match(r["behind"]))}
    kinds = {n: shown.get(n, kind) for n, (_el, kind) in devices.items()}
    where = {str(b): k for k, b in enumerate(model.buses.index)}
    buses = sorted({r["bus"] for r in rows.values() if r["bus"] in where})
    g = dss_feeder_graph(model)
    found = upstream_devices(model, g, set(dss_source_buses(model).values()),
                             [where[b] for b in buses],
                             {n: el for n, (el, _kind) in devices.items()})
    return {b: (f"{', '.join(f)} ({', '.join(kinds[x] for x in f)})" if f
                else "(no device upstream)") for b, f in zip(buses, found, strict=True)}


def _levels(model: Any, buses: list[str]) -> Any:
    """init's candidate levels (:func:`.candidates.short_circuit_levels`, X/R of ``Z_k``) at
    ``buses`` on ``model``."""
    from protv2g.engine.phase import phase_fault_study
    from protv2g.study_draft.candidates import short_circuit_levels
    from protv2g.study_draft.draft_faults import _network_x_r
    from protv2g.units import Case, FaultType, Method

    res = phase_fault_study(model, method=Method.IEC60909, cases=(Case.MAX,),
                            fault_types=(FaultType.THREE_PHASE,
                                         FaultType.SINGLE_LINE_GROUND),
                            buses=buses, existing_inverters="law")
    levels = short_circuit_levels(model, res)
    levels["x_r"] = _network_x_r(model, levels)
    return levels
