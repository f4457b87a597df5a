"""Where a criterion that does not limit the export warns (review rev40a M5).

A warning does not limit the hosting figure (by design: the gate fails on ``fail`` rows), but
"not limited" beside a criterion whose margin is negative from some export reads as "connect
it all": EPRI J1's depot read "no criterion limits it up to the site maximum" and "C11
not_limited" while its Margins sheet had C11 negative from 625 kW and C5 from 1,000 kW.
This module finds, per axis and criterion, the smallest evaluated export at which the
criterion has ``warn`` rows attributable to V2G (:mod:`.margins`, ``n_warning``) while no row of
it fails the gate there, and words it: "warns from 625 kW (C11: islanding study / DTT),
1,000 kW (C5) — not gate-failing".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from protv2g.criteria import order

__all__ = ["WARN_REMEDY", "warns_from", "warns_text"]

#: What a warning of a criterion asks for, said beside its export (domain.md C11: a sustained
#: island not ruled out by the screen — an islanding study, or direct transfer trip).
WARN_REMEDY = {"C11": "islanding study / DTT"}


def warns_from(margins: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, float]]:
    """(site, participation, load level) → criterion → the smallest export (kW) at which the
    criterion has ``warn`` rows attributable to V2G (``n_warning``) and no gate-failing row
    (``n_failing`` 0). Not a negative margin alone: C2's ``info`` rows carry negative margins
    (e.g. the shipped depot example's, 648 of them) and are no warning.

    >>> m = pd.DataFrame({"site": ["d"] * 3, "participation": ["firm"] * 3,
    ...                   "load_level": ["light"] * 3, "p_export_kw": [250.0, 625.0, 1000.0],
    ...                   "criterion": ["C11"] * 3, "margin": [0.1, -0.2, -0.5],
    ...                   "n_failing": [0, 0, 0], "n_warning": [0, 2, 2]})
    >>> warns_from(m)
    {('d', 'firm', 'light'): {'C11': 625.0}}
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
        out.setdefault((str(site), str(part), str(load)), {})[str(crit)] = float(
            pd.to_numeric(grp["p_export_kw"]).min())
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
