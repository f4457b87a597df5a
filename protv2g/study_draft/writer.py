"""Text of a drafted study file (YAML with comments) and of its model-curve library file.

Values protv2g assumed carry a ``# TODO: <what> | fix: <what to do>`` comment on their line
(or on a comment line just above a block); :func:`protv2g.study.todos.todo_items` reads them
back and ``protv2g validate`` lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import yaml

from protv2g.devices.library import Curve
from protv2g.units import DeviceKind

__all__ = ["inline", "todo", "device_block", "curves_file_text", "candidate_comments"]


def inline(value: Any) -> str:
    """``value`` as one line of YAML (flow style)."""
    if isinstance(value, float | np.floating):
        value = float(value)
        return f"{value:.6g}" if np.isfinite(value) else ".nan"
    text = yaml.safe_dump(value, default_flow_style=True, width=100000, sort_keys=False)
    text = text.strip()
    return text[:-3].strip() if text.endswith("...") else text


def todo(what: str, fix: str) -> str:
    """A TODO comment (see the module docstring)."""
    return f"# TODO: {what} | fix: {fix}"


def device_block(entry: dict, comments: Sequence[str] = (),
                 value_todos: dict[str, str] | None = None) -> list[str]:
    """Lines of one ``devices`` list item; ``value_todos`` key → TODO comment on its line."""
    lines = [f"  {c}" for c in comments]
    first = True
    for key, value in entry.items():
        prefix = "  - " if first else "    "
        first = False
        line = f"{prefix}{key}: {inline(value)}"
        note = (value_todos or {}).get(key)
        lines.append(f"{line}  {note}" if note else line)
    return lines


def _points(m: Iterable[float], t: Iterable[float]) -> dict:
    return {"m": [float(x) for x in m], "t_s": [float(x) for x in t]}


def curves_file_text(curves: Sequence[Curve], source: str) -> str:
    """A curve-library file (``protv2g/relay_library/README.md`` schema) with ``curves``."""
    entries = []
    for c in curves:
        e: dict[str, Any] = {"name": c.name, "kind": c.kind.value, "family": "points"}
        if c.kind is DeviceKind.FUSE:
            e["rating_a"] = float(c.rating_a or 0.0)
            e["tc_points"] = _points(c.m_points, c.t_points)
            e["mm_points"] = _points(c.mm_m_points, c.mm_t_points)
            e["notes"] = c.mm_derivation or "minimum melt from the model"
        else:
            e["points"] = _points(c.m_points, c.t_points)
            if c.kind is DeviceKind.RECLOSER:
                e["clearing_adder_s"] = float(c.clearing_adder_s or 0.0)
                e["clearing_adder_source"] = (c.clearing_adder_source
                                              or "OpenDSS model: the element's Delay is the "
                                                 "device's adder")
        e["source"] = c.source
        entries.append(e)
    head = (f"# TCC curves of the OpenDSS model {source}, written by protv2g init: the "
            "model's own\n# point tables that the curve library has no equal of.\n")
    return head + yaml.safe_dump({"curves": entries}, sort_keys=False, width=100,
                                 default_flow_style=None)


def candidate_comments(frame: pd.DataFrame, ungrounded: set[str] | None = None) -> list[str]:
    """The candidate-bus table as comment lines; ``ungrounded``: the buses with no path to
    ground, their SLG level marked and explained (:mod:`.ungrounded`)."""
    from protv2g.study_draft.ungrounded import UNGROUNDED_MARK, candidate_note

    ungrounded = ungrounded or set()
    n_bare, n_lines, bare_names = (*frame.attrs.get("unitless_lines", (0, 0)), [])[:3]
    if frame.empty:
        return ["# (no candidate buses: no energised primary bus at the feeder's voltage)"]
    out = ["# Candidate V2G site buses, short-circuit level without V2G (IEC 60909 max case), "
           "and the nearest protective device upstream (the one they sit behind):",
           f"#   {'bus':<24} {'ph':<4} {'kV':>6} {'km' if not n_bare else 'dist':>7} "
           f"{'3ph kA':>7} {'SLG kA':>7} {'X/R':>6}  behind"]
    for group, rows in frame.groupby("group", sort=False):
        out.append(f"#   {group}:")
        for r in rows.itertuples(index=False):
            i3 = "-" if not np.isfinite(r.i3ph_ka) else f"{r.i3ph_ka:.2f}"
            xr = f"{r.x_r:.1f}" + ("*" if r.x_r_of == "loop" else "")
            dev = f"{r.device} ({r.device_kind})" if r.device else "(no device upstream)"
            slg = f"{r.islg_ka:.2f}" + (UNGROUNDED_MARK if str(r.bus) in ungrounded else "")
            out.append(f"#   {r.bus:<24} {r.phases:<4} {r.kv_ll:>6.2f} {r.distance_km:>7.2f} "
                       f"{i3:>7} {slg:>7} {xr:>6}  {dev}")
    out.append("#   (* X/R of the single-line-to-ground loop, (Z1+Z2+Z0)/3, on buses with fewer "
               "than three phases)")
    if n_bare:  # review rev42b M3b: IEEE 37's lengths are kft, unsaid in the model
        which = (f"the model's {n_lines} lines give" if n_bare == n_lines
                 else f"{n_bare} of the model's {n_lines} lines ({_some(bare_names)}) give")
        out.append(f"#   (dist: the distance from the substation along the lines; {which} no "
                   "length unit (OpenDSS units=none on the line, and on its linecode where "
                   "it has one: OpenDSS "
                   "multiplies the code's impedance per unit length by the length as "
                   "written), so their lengths are added as written, in the model's own unit"
                   f"{'' if n_bare == n_lines else ', the others in km'} — give units=… on "
                   "the lines or their linecodes for km)")
    return out + candidate_note(frame, ungrounded)


def _some(names: list[str], at_most: int = 5) -> str:
    """``names`` joined, at most ``at_most`` of them and how many more.

    >>> _some(["l1", "l2"]), _some([f"l{i}" for i in range(7)], 3)
    ('l1, l2', 'l0, l1, l2 and 4 more')
    """
    more = len(names) - at_most
    return ", ".join(names[:at_most]) + (f" and {more} more" if more > 0 else "")
