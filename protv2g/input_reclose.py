"""C10's inputs a row rests on besides its devices' fields (:mod:`protv2g.input_basis`
tags the rows; split from it, past 400 lines): where the unit's UV2 trip ends the collapsed
island, the UV2 setting, the current limit and the minimum load, not the declared
cease-to-energise time (review ver40b M, EPRI J1 F03: "confirm cease_to_energize_s" beside a
window of 0.16 s from UV2 — confirming 2 s cleared nothing); and protv2g's default reclose
margin where its bracket flips the row (the 0.5 s alone decided J1 F03); and a site's
cease-to-energise time where the study does not give it (the tool's default, IEEE 1547-2018
§8.1's 2 s upper bound: review rev41c M1, the depot's C10 gate fail read "given data"); and
a UV2-decided row's category and sustained limit at the tool's defaults (c10c42).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.island_collapse import UV2_TRIP
from protv2g.checks.rule_values import RECLOSE_MARGIN_BRACKET_S
from protv2g.input_stand_ins import InputBases

__all__ = ["UV2_SITE_FIELDS", "cease_default_sources", "default_sources", "margin_sources",
           "uv2_default_sources", "uv2_rows", "uv2_sources"]

#: The V2G site fields a C10 row rests on where the unit's UV2 trip ends the collapsed island
#: (``mechanism`` :data:`~protv2g.checks.island_collapse.UV2_TRIP`, the row's site its
#: ``other_device``), in place of the cease time
#: (:data:`protv2g.input_basis.SITE_CRITERION_FIELDS`); with the drafted light load (the
#: minimum load the island collapses under). The current is the high end of the sustained
#: limit, which decides (:mod:`protv2g.checks.island_window`, c10c42: the first-cycle
#: ``limit_pu`` was held for the whole window; it now bounds the first cycle only, at most
#: one cycle of the window).
UV2_SITE_FIELDS = ("ride_through_category", "sustained_limit_high_pu")

#: A UV2-decided row on a tool default, in words: field → (value's unit, why the default is
#: not an upper bound, what to give). One input each: no "; " (the Summary splits at it).
_UV2_DEFAULT_WORDS = {
    "ride_through_category": (
        "", "Category II's UV2 0.16 s is the quickest of IEEE 1547-2018 Tables 11–13 (III: 2 s),"
        " so it errs toward a pass and a fail holds at any category",
        "give the category the utility's interconnection requirement sets"),
    "sustained_limit_high_pu": (
        " pu", "the top of 1.0–1.2 pu for grid-following inverters, not of 1.1–1.5 pu for "
        "inverter-based resources: a higher current raises the island's voltage, so it errs "
        "toward a pass and a fail holds at any higher value",
        "give the charger maker's sustained fault current"),
}


def uv2_rows(rows: Any) -> np.ndarray:
    """``(n,)`` bool: the C10 rows whose window is the UV2 trip (``rows``: the violation
    table's coded columns, :class:`protv2g.input_basis._Coded`)."""
    return rows.test("criterion", "C10".__eq__) & rows.test("mechanism", UV2_TRIP.__eq__)


def uv2_sources(rows: Any, bases: InputBases, light_text: str
                ) -> list[tuple[np.ndarray, str]]:
    """The drafted inputs of the UV2 rows (:func:`uv2_rows`): each site's
    :data:`UV2_SITE_FIELDS` marked ``# TODO`` and, when drafted, the light load
    (``light_text``, :data:`protv2g.input_basis.LIGHT_LOAD_INPUT`)."""
    uv2 = uv2_rows(rows)
    out = [(uv2 & rows.test("other_device", name.__eq__), f"{fld} of site {name} (drafted: TODO)")
           for fld in UV2_SITE_FIELDS for name in sorted(bases.todo_sites.get(fld, ()))]
    if bases.light_scenarios:  # the minimum load the island collapses under
        out.append((uv2, light_text))
    return out


def margin_sources(violations: pd.DataFrame, bases: InputBases,
                   rows: Any) -> list[tuple[np.ndarray, str]]:
    """The failing C10 rows that rest on protv2g's default reclose margin
    (:attr:`InputBases.reclose_margin_s`): those holding at the low end of its bracket
    (first reclose ``t_device_s`` > window ``t_other_s`` + low end), with the input in
    words; [] where the study sets the margin or no row flips (module docstring)."""
    if bases.reclose_margin_s is None or not {"t_device_s", "t_other_s"} <= set(violations):
        return []
    lo, hi = RECLOSE_MARGIN_BRACKET_S
    first = pd.to_numeric(violations["t_device_s"], errors="coerce").to_numpy(float)
    window = pd.to_numeric(violations["t_other_s"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        flips = first > window + lo + 1e-9
    hit = (rows.test("criterion", "C10".__eq__) & rows.test("status", "fail".__eq__)
           & rows.test("rule", "reclose_margin_s".__eq__) & flips)
    if not hit.any():
        return []
    # one input: no "; " in its words (the Summary splits a row's inputs at it)
    return [(hit, f"reclose_margin_s = {bases.reclose_margin_s:g} s (protv2g's default, no "
                  f"published value: bracket {lo:g}–{hi:g} s, the row passing with {lo:g} s)")]


def cease_default_sources(rows: Any, bases: InputBases) -> list[tuple[np.ndarray, str]]:
    """The C10 rows of each site whose ``cease_to_energize_s`` is the tool's default
    (:attr:`InputBases.default_sites`) and decides the row's window (not a UV2 row,
    :func:`uv2_rows`), with the input in words. A pass needs no such tag
    (:mod:`protv2g.criteria_basis`): the default is IEEE 1547-2018 §8.1's upper bound, so a
    compliant unit ceases no later and the pass holds; a fail may not (a shorter real cease
    time can clear it)."""
    sites = bases.default_sites.get("cease_to_energize_s", {})
    if not sites:
        return []
    cease = rows.test("criterion", "C10".__eq__) & ~uv2_rows(rows)
    # one input: no "; " in its words (the Summary splits a row's inputs at it)
    return [(cease & rows.test("other_device", name.__eq__),
             f"cease_to_energize_s of site {name} = {value:g} s (the tool's default, IEEE "
             "1547-2018 §8.1's upper bound, not declared: give the chargers' cease-to-energise "
             "time)") for name, value in sorted(sites.items())]


def uv2_default_sources(rows: Any, bases: InputBases) -> list[tuple[np.ndarray, str]]:
    """The C10 rows the UV2 trip decides (:func:`uv2_rows`) of each site whose
    :data:`UV2_SITE_FIELDS` are the tool's defaults (:attr:`InputBases.default_sites`), with
    the input in words. Unlike the cease time's 2 s (an upper bound: a pass on it holds),
    neither default is a bound on the side of safety: Category II's 0.16 s is the shortest UV2
    clearing of the categories and 1.2 pu is not the most a converter may sustain, so each errs
    toward a pass (a shorter window). A fail on them holds at any real value (the window only
    grows); a pass rests on them (:func:`protv2g.criteria_basis.criterion_stand_ins` names
    them for a site whose pass needs the UV2 trip)."""
    uv2 = uv2_rows(rows)
    if not uv2.any():
        return []
    out = []
    for fld in UV2_SITE_FIELDS:
        unit, why, fix = _UV2_DEFAULT_WORDS[fld]
        for name, value in sorted(bases.default_sites.get(fld, {}).items()):
            value = value if isinstance(value, str) else f"{value:g}"
            out.append((uv2 & rows.test("other_device", name.__eq__),
                        f"{fld} of site {name} = {value}{unit} (the tool's default, not "
                        f"declared: {why} — {fix})"))
    return out


def default_sources(violations: pd.DataFrame, bases: InputBases, rows: Any
                    ) -> list[tuple[np.ndarray, str]]:
    """The C10 rows resting on a tool default, in the order the report names them: the
    reclose margin (:func:`margin_sources`), then the sites' cease times
    (:func:`cease_default_sources`), then a UV2 row's category and sustained limit
    (:func:`uv2_default_sources`)."""
    return (margin_sources(violations, bases, rows) + cease_default_sources(rows, bases)
            + uv2_default_sources(rows, bases))
