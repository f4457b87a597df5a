"""What each criterion's evaluation rests on, passing rows included: given data or a stand-in.

The violation table tags every row it holds with its ``input_basis``
(:func:`protv2g.input_basis.tag_input_basis`), but a criterion whose rows all pass writes no
row, and the Summary said "passed: evaluated" for C7 and C10 on EPRI ckt5 while both were
judged on values ``protv2g init`` drafted (the head relay, its reclose intervals, the
interrupting ratings; review s20). :func:`criterion_stand_ins` applies the same tagging to the
inputs each criterion evaluates — a row per criterion and device in its scope, as a failing
row naming that device would be tagged — so a pass can say "passed on drafted values: confirm
…" from data, never from a message.

Scope of each criterion (the devices whose inputs it reads):

* C1–C4: the devices of its pairs in the coordination table (primary or backup);
* C9: relays with a directional element; C10: devices with reclose intervals, and the V2G
  sites whose ``cease_to_energize_s`` is drafted (review rev40a M3), or whose UV2 window's
  ``ride_through_category`` / ``sustained_limit_high_pu`` (with the drafted light load) is
  (review ver40b M: a pass reads both, whichever decided), or is the tool's default where a
  reclosing device's first reclose is no later than the site's cease time + margin (c10c42:
  the pass may need the UV2 trip, and neither default is an upper bound: Category II's
  0.16 s UV2 is the quickest, 1.2 pu not the most a converter sustains; a default cease time
  is one, §8.1's 2 s, and a pass on it holds);
* C5–C8, C11: every device; C12: the lines and transformers rated by an OpenDSS default, and
  the light load when ``light_load_fraction`` is drafted (its light-load rows rest on it:
  review s21, EPRI J1's C12 passed "on given data" at init's 0.3 default) and the feeder has
  load for it to scale (``bases.light_scenarios`` is empty otherwise, review s23); on a
  feeder with no load at all, init's drafted ``scenarios.load_levels`` (``bases.no_load``,
  review rev39a M3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.island_collapse import UV2_TRIP
from protv2g.input_basis import InputBases, basis_items, input_to_confirm, weakest
from protv2g.input_reclose import UV2_SITE_FIELDS

__all__ = ["criterion_stand_ins", "MAX_INPUTS"]

#: At most this many inputs are named per criterion (the count says how many there are).
MAX_INPUTS = 4
_PAIR = ("C1", "C2", "C3", "C4")
_ALL = ("C5", "C6", "C7", "C8", "C11")


def _scope(devices: Sequence[Any], coordination: pd.DataFrame | None) -> dict[str, list[str]]:
    """Criterion → the devices whose inputs it evaluates (see the module docstring)."""
    names = [str(d.name) for d in devices]
    out = {c: names for c in _ALL}
    out["C9"] = [str(d.name) for d in devices
                 if str(getattr(d, "directional", "none") or "none") != "none"]
    out["C10"] = [str(d.name) for d in devices if getattr(d, "reclose_intervals_s", ())]
    c = coordination if coordination is not None else pd.DataFrame()
    if not {"criterion", "primary", "backup"} <= set(c.columns):
        out.update({crit: [] for crit in _PAIR})
        return out
    # the criterion column written out as text once, each criterion's names as its
    # distinct values (#21, perf42: the text and a test per row four times over, 137,344
    # coordination rows at 3,000 buses)
    text = c["criterion"].astype(str).to_numpy()
    for crit in _PAIR:
        at = text == crit
        pair = pd.unique(np.concatenate([c["primary"].to_numpy()[at],
                                         c["backup"].to_numpy()[at]]))
        out[crit] = sorted({str(n) for n in pair if isinstance(n, str) and n})
    return out


def criterion_stand_ins(bases: InputBases, devices: Sequence[Any],
                        coordination: pd.DataFrame | None = None, *,
                        v2g_sites: Sequence[Any] = (), reclose_margin_s: float | None = None
                        ) -> dict[str, dict[str, Any]]:
    """Criterion → ``{"basis": "todo" | "default", "inputs": [...], "n_inputs": N}`` for the
    criteria whose evaluation reads a stand-in input (absent: every input given).

    Parameters
    ----------
    bases : InputBases
        The study's stand-in inputs (:func:`protv2g.input_basis.study_input_bases`).
    devices : sequence
        The study's device items (``name``; ``directional``, ``reclose_intervals_s`` read).
    coordination : DataFrame, optional
        The coordination table (``criterion``, ``primary``, ``backup``): C1–C4's pairs.
    v2g_sites : sequence, optional
        The study's V2G sites (``name``, ``cease_to_energize_s``): C10's UV2 window on a
        tool default (module docstring).
    reclose_margin_s : float, optional
        C10's reclose margin, s; ``None``: every site with such a default is named.

    Returns
    -------
    dict
        ``basis``: the weakest stand-in (:func:`protv2g.input_basis.weakest`); ``inputs``:
        at most :data:`MAX_INPUTS` of the inputs to confirm, in words
        (:func:`protv2g.input_basis.input_to_confirm`); ``n_inputs``: how many there are.

    Examples
    --------
    >>> from types import SimpleNamespace as D
    >>> b = InputBases(todo_fields={"reclose_intervals_s": frozenset({"R1"})})
    >>> criterion_stand_ins(b, [D(name="R1", reclose_intervals_s=(0.5,))])["C10"]["inputs"]
    ["R1's reclose_intervals_s (drafted: TODO)"]
    >>> b = InputBases(todo_sites={"cease_to_energize_s": frozenset({"homes"})})
    >>> criterion_stand_ins(b, [D(name="R1", reclose_intervals_s=(3.5,))])["C10"]["inputs"]
    ['cease_to_energize_s of site homes (drafted: TODO)']
    """
    scope = _scope(devices, coordination)
    rows = [(crit, dev, "") for crit, names in scope.items() for dev in names]
    if bases.light_scenarios:  # a row of a light-load scenario, tagged as the checks' rows
        rows.append(("C12", "", "%", sorted(bases.light_scenarios)[0]))
    if bases.no_load:  # a feeder with no load: every C12 row rests on it (review rev39a M3)
        rows.append(("C12", "", "pu"))
    if bases.peak_load:  # the drafted peak: every C8 and C12 row (review rev42c M2)
        rows += [("C8", "", "A"), ("C12", "", "pu")]
    rows += [("C12", name, "%") for name in sorted(bases.default_lines)]
    rows += [("C12", name, "%") for name in sorted(bases.default_transformers)]
    # a reclosing device's C10 against each site whose cease_to_energize_s is drafted (the
    # site is a C10 row's other_device; review rev40a M3)
    first = scope.get("C10", [])[:1]
    sites = [("C10", first[0], "", "", site, "") for site in sorted(
        bases.todo_sites.get("cease_to_energize_s", ()))] if first else []
    # … and its UV2 window's inputs (a small site under a large load: the UV2 setting, the
    # current limit, the minimum load; review ver40b M): a pass reads both
    uv2 = {s for f in UV2_SITE_FIELDS for s in bases.todo_sites.get(f, ())}
    # … and the tool's defaults of that window (c10c42): not upper bounds (Category II's UV2
    # is the quickest, 1.2 pu not the most a converter sustains), so a pass that needs the
    # UV2 trip rests on them — a site with a reclosing device whose first reclose is no later
    # than the site's cease time + margin (any such device: which device is upstream of which
    # site is the check's, not known here)
    firsts = [d.reclose_intervals_s[0] for d in devices
              if getattr(d, "reclose_intervals_s", ())]
    for site in v2g_sites:
        need = float(site.cease_to_energize_s) + (
            reclose_margin_s if reclose_margin_s is not None else 0.0)
        if any(site.name in bases.default_sites.get(f, {}) for f in UV2_SITE_FIELDS) and (
                reclose_margin_s is None or any(t <= need for t in firsts)):
            uv2.add(site.name)
    sites += [("C10", first[0], "", "", site, UV2_TRIP) for site in sorted(uv2)] if first else []
    if not rows and not sites:
        return {}
    table = pd.DataFrame([(*r, "", "", "")[:6] for r in rows] + sites,
                         columns=["criterion", "device", "margin_unit", "scenario",
                                  "other_device", "mechanism"]).assign(status="fail")
    # the drafted field each row rests on (s22: "the settings of a" where only "in service"
    # was drafted), one input per item; both from one pass (#21)
    basis, items = basis_items(table, bases)
    table["input_basis"] = basis
    table["input_todo"] = pd.Series(items, index=table.index, dtype=object)
    out: dict[str, dict[str, Any]] = {}
    stand_in = table[table["input_basis"].isin(["todo", "default"])]
    for crit, part in stand_in.groupby("criterion", sort=False):
        inputs = list(dict.fromkeys(
            item for d, b, t in zip(part["device"], part["input_basis"], part["input_todo"],
                                    strict=True)
            for item in (t or [input_to_confirm(str(crit), str(d), "", str(b))])))
        inputs = [t for t in inputs if t]
        if inputs:
            out[str(crit)] = {"basis": weakest(part["input_basis"]),
                              "inputs": inputs[:MAX_INPUTS], "n_inputs": len(inputs)}
    return out
