"""What the hosting search returns (:func:`protv2g.hosting.search.hosting_analysis`): the
hosting-capacity tables, the margins, the search's size and time, what it could not judge
and its warnings (:class:`HostingAnalysis`). Split from :mod:`.search`, which re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from protv2g.slice_note import PllNote

__all__ = ["HostingAnalysis"]


@dataclass
class HostingAnalysis:
    """Result of :func:`protv2g.hosting.search.hosting_analysis`.

    Attributes
    ----------
    table : DataFrame
        ``HOSTING_COLUMNS``: one row per site × participation × load level.
    by_criterion : DataFrame
        ``BY_CRITERION_COLUMNS``: the same per gate criterion.
    margins : DataFrame
        ``MARGIN_COLUMNS``: smallest margin of each criterion at each evaluated export level
        (violation rows attributable to V2G, coordination pairs that still coordinate;
        negative = violated), for the margin-vs-export plot.
    n_scenarios : int
        Export scenarios evaluated (base cases not counted).
    n_engine_calls : int
        Fault-engine calls: one per round, or more where a round's exports exceed
        :func:`.calls.exports_per_call` (a large study: calls of bounded size, #21).
    seconds : float
        Wall time, s.
    levels_kw : dict
        (site, participation, load level) → export levels evaluated, kW.
    unevaluated : dict
        Criterion → what the checks could not evaluate (one line each). The hosting capacity
        ignores those criteria where they could not run: treat it as not established.
    not_applicable : dict
        Criterion → why it does not apply to the study (no pair of its kind …).
    warnings : list of str
        Distinct warnings of the engine, flow and checks during the search, scenario names
        left out, each with its count (recorded here instead of printed per scenario);
        the PLL notes apart:
    pll_notes : list of PllNote
        The engines' PLL notes of every slice of the search, which the ``hosting`` command
        says as ``run`` does (:func:`protv2g.slice_note.pll_lines`).
    """

    table: pd.DataFrame
    by_criterion: pd.DataFrame
    margins: pd.DataFrame
    n_scenarios: int = 0
    n_engine_calls: int = 0
    seconds: float = 0.0
    levels_kw: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    unevaluated: dict[str, list[str]] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    pll_notes: list[PllNote] = field(default_factory=list)
