"""Protection hosting capacity: the largest export of each V2G site before the first violation.

For every V2G site, participation case (low / expected / firm) and load level (light / peak),
the hosting capacity is the largest site export (kW) at which no *gate-failing* violation
(criterion in ``gate.criteria``, severity in ``gate.fail_severities``, attributed to V2G: new or
worse than the base case) appears, scanning upwards from zero export; with the limiting
criterion, device and fault named. It is also given per criterion.

How it is computed (no brute-force re-runs of the study)
-------------------------------------------------------
The admittance matrices do not depend on the export, and a site exporting ``p`` kW injects
fault current linearly in ``p`` until its current limit binds (``scenarios.py``). So:

1. **Grid** — every site × candidate export level (``n_grid`` steps from 0 to the site's
   nameplate) is one charger scenario of ONE :func:`protv2g.engine.fault_study` call (one
   factorisation per case, all scenarios by triangular solves); participation cases and load
   levels share those charger sets. Then only the checks run on the scenarios.
2. **Bisection** — each bracket (last passing level, first failing level) of each criterion is
   cut into ``n_refine + 1`` parts, all brackets at once in one further small engine call, until
   it is narrower than ``tol_kw``. The hosting capacity is the last *passing* level evaluated
   (conservative by at most ``tol_kw``).

Conventions (stated in every ``note``)
--------------------------------------
* The site under study exports; every other V2G site is idle (no export, no fault current).
* The export cannot exceed what the participating chargers can give:
  ``participation fraction × n_chargers × p_charger_kw`` (``site_max_kw``). When no criterion
  fails up to it, ``hosting_kw = site_max_kw`` and ``limited`` is False.
* Violations present in the base case (attribution ``pre-existing``) do not limit the export.
* A failure that appears and disappears again between two evaluated levels can be missed; the
  grid step (``site nameplate / n_grid``) bounds the window.

Modules: :mod:`.search` (scenarios, the pipeline and the checks on them, grid and bisection),
:mod:`.tables` (the result tables); the margin-vs-export plot is the report's
(:func:`protv2g.report.hosting.plot_hosting_margins`).
"""

from protv2g.hosting.search import (
    ChecksFunction,
    Evaluation,
    HostingAnalysis,
    evaluate_scenarios,
    hosting_analysis,
    hosting_capacity,
)
from protv2g.hosting.tables import BY_CRITERION_COLUMNS, HOSTING_COLUMNS, MARGIN_COLUMNS

__all__ = [
    "BY_CRITERION_COLUMNS",
    "HOSTING_COLUMNS",
    "MARGIN_COLUMNS",
    "ChecksFunction",
    "Evaluation",
    "HostingAnalysis",
    "evaluate_scenarios",
    "hosting_analysis",
    "hosting_capacity",
]
