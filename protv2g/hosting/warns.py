"""Where a criterion that does not limit the export warns (review rev40a M5).

A warning does not limit the hosting figure (by design: the gate fails on ``fail`` rows), but
"not limited" beside a criterion whose margin is negative from some export reads as "connect
it all": EPRI J1's depot read "no criterion limits it up to the site maximum" and "C11
not_limited" while its Margins sheet had C11 negative from 625 kW and C5 from 1,000 kW.
This module finds, per axis and criterion, the smallest evaluated export at which the
criterion has ``warn`` rows attributable to V2G (:mod:`.margins`, ``n_warning``) while no row of
it fails the gate there, and words it: "warns from 625 kW (C11: islanding study / DTT),
1,000 kW (C5) — not gate-failing".

A criterion whose margin falls by exactly the site's export (:data:`LINEAR_MW`: C11's margin is
``ratio × minimum load − (V2G + PV)`` in MW, :mod:`protv2g.checks.islanding`) warns from its
exact crossing, not from the grid level the search evaluated after it (review rev50a #7c: EPRI
ckt5's depot "warns from 468.8 kW (C11 …)", the grid point 1,500/16 × 5, where the threshold is
1/3 × 0.161 × 7,133 kW = 383 kW — hand calculation, the study's light-load fraction and the
zone's peak load).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from protv2g.criteria import order

__all__ = ["LINEAR_MW", "WARN_REMEDY", "warns_from", "warns_text"]

#: What a warning of a criterion asks for, said beside its export (domain.md C11: a sustained
#: island not ruled out by the screen — an islanding study, or direct transfer trip).
WARN_REMEDY = {"C11": "islanding study / DTT"}
#: Criteria whose margin (MW) falls by exactly the site's export: 1 MW of margin per MW
#: exported, so the export where it turns negative is the level's export plus its margin.
LINEAR_MW = frozenset({"C11"})


def warns_from(margins: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, float]]:
    """(site, participation, load level) → criterion → the smallest export (kW) at which the
    criterion has ``warn`` rows attributable to V2G (``n_warning``) and no gate-failing row
    (``n_failing`` 0). Not a negative margin alone: C2's ``info`` rows carry negative margins
    (e.g. the shipped depot example's, 648 of them) and are no warning.

    >>> m = pd.DataFrame({"site": ["d"] * 3, "participation": ["firm"] * 3,
    ...                   "load_level": ["light"] * 3, "p_export_kw": [250.0, 625.0, 1000.0],
    ...                   "criterion": ["C11"] * 3, "margin": [0.15, -0.225, -0.6],
    ...                   "n_failing": [0, 0, 0], "n_warning": [0, 2, 2]})
    >>> warns_from(m)  # C11: 625 kW − 0.225 MW, its exact crossing (:data:`LINEAR_MW`)
    {('d', 'firm', 'light'): {'C11': 400.0}}
    >>> warns_from(m.assign(criterion="C5"))  # another criterion: the level evaluated
    {('d', 'firm', 'light'): {'C5': 625.0}}
    """
    out: dict[tuple[str, str, str], dict[str, float]] = {}
    if margins is None or margins.empty:
        return out
    if "n_warning" not in margins:
        return out
    m = margins[(pd.to_numeric(margins["n_warning"], errors="coerce").fillna(0) > 0)
                & (pd.to_numeric(margins["n_failing"], errors="coerce").fillna(0) == 0)]
    for (site, part, load, crit), grp in m.groupby(
            ["site", "participation", "load_level", "criterion"], sort=False):
        p_kw = pd.to_numeric(grp["p_export_kw"])
        at_kw = float(p_kw.min())
        if str(crit) in LINEAR_MW:  # the exact crossing (module docstring)
            margin_mw = float(pd.to_numeric(grp["margin"], errors="coerce")[p_kw == at_kw].min())
            if math.isfinite(margin_mw) and margin_mw < 0:
                at_kw = max(0.0, at_kw + 1000.0 * margin_mw)
        out.setdefault((str(site), str(part), str(load)), {})[str(crit)] = at_kw
    return out


def warns_text(warns: Mapping[str, float], up_to_kw: float = math.inf) -> str:
    """``"warns from 625 kW (C11: islanding study / DTT), 1,000 kW (C5) — not gate-failing"``
    for the criteria warning at or below ``up_to_kw`` (by export, then number); "" for none.

    >>> warns_text({"C5": 1000.0, "C11": 625.0})
    'warns from 625 kW (C11: islanding study / DTT), 1,000 kW (C5) — not gate-failing'
    """
    items = sorted(((kw, c) for c, kw in warns.items() if kw <= up_to_kw + 1e-9),
                   key=lambda x: (x[0], order(x[1])))
    if not items:
        return ""
    parts = [f"{kw:,.4g} kW ({c}{': ' + WARN_REMEDY[c] if c in WARN_REMEDY else ''})"
             for kw, c in items]
    return f"warns from {', '.join(parts)} — not gate-failing"
