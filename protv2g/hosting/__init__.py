"""Protection hosting capacity: the largest export of each V2G site before the first violation.

For every V2G site, participation case (low / expected / firm) and load level (light / peak),
the hosting capacity is the largest site export (kW) at which no *gate-failing* violation
(criterion in ``gate.criteria``, severity in ``gate.fail_severities``, attributed to V2G: new or
worse than the base case) appears, scanning upwards from zero export; with the limiting
criterion, device and fault named. It is also given per criterion.

How it is computed (no brute-force re-runs of the study)
-------------------------------------------------------
Each level is the site's state from :func:`protv2g.scenarios.site_state`: its participating
chargers are online (``participation fraction × n_chargers``; a site whose ``modes`` lack
``exporting`` never exports and has no axis to search) and asked to export ``p`` kW. The fault
current is **not linear in the export**: in the first cycle every online charger gives its
first-cycle limit whatever it exports (the kVA online sizes the source), so a criterion driven
by it is a step at ``p → 0⁺`` — it fails at any export or at none; afterwards (sustained
stage, active-power priority) a site injects ``P/|V|`` up to its sustained limit, rising with
the export until the limit binds, and its trips depend on its terminal voltages. Every time-based
criterion is judged on the worse of the two brackets of that behaviour (first cycle held /
through the stages, :mod:`protv2g.checks.brackets`). So the search evaluates the real checks
at every level it reports and interpolates nothing:

1. **Grid** — every site × participation case × candidate export level (the smallest
   export ``tol_kw``, then ``n_grid`` steps from 0 to the site's nameplate, capped at the
   participation's maximum) is one charger scenario of ONE :func:`protv2g.engine.fault_study`
   call (one factorisation per case, all scenarios by triangular solves). The participation
   case is part of the charger set (it sets the chargers online, hence the source's kVA);
   load levels share those sets. Then only the checks run. On a large study a round's exports
   are split into calls of bounded size (:data:`protv2g.hosting.calls.FAULT_ROWS_PER_CALL`,
   each with its base case), so the peak memory does not grow with the grid (#21); the
   search keeps only the worst failing row per scenario and criterion between calls.
2. **Bisection** — each bracket (last passing level, first failing level) of each criterion is
   cut into ``n_refine + 1`` parts, all brackets at once in one further small engine call, until
   it is narrower than ``tol_kw`` (default per site: min(5 kW, ¼ of one charger's kW),
   :func:`protv2g.hosting.points.site_tol_kw`). The hosting capacity is the last *passing*
   level evaluated
   (conservative by at most ``tol_kw``). A criterion that fails at the smallest export is
   limited by the chargers online, not by the export, and its note says so.
3. **Chargers online** — on such an axis the number of chargers online is searched instead
   (:mod:`.online`, integer bisection, one engine call per round): ``max_online_chargers``
   is the most online with no limiting row up to their full export (``max_online_kw``).

An axis whose smallest export fails on a row resting on given data has its figure decided
(0 kW): its other grid levels (where evaluating the smallest exports first costs no extra
call) and its bisection are left out, every column of its hosting row being the same
(:mod:`.early`, review rev34c F1).

Conventions (stated in every ``note``)
--------------------------------------
* The site under study exports; every other V2G site is idle (no export, no fault current).
* The export cannot exceed what the participating chargers can give:
  ``participation fraction × n_chargers × p_charger_kw`` (``site_max_kw``). When no criterion
  fails up to it, ``hosting_kw = site_max_kw`` and ``limited`` is False.
* Violations present in the base case (attribution ``pre-existing``) do not limit the export,
  whatever ``gate.pre_existing`` says (the gate lists them as conditions, failures or info;
  none of them is caused by the export).
* Of the gate-failing rows, three kinds do not limit the figure as they fail the gate
  (:mod:`.limits`, review s19): C10's reclose interval is a setting to change, not an export
  limit (``settings_to_change``); a row failing without V2G that V2G worsens by less than
  :data:`.limits.MATERIAL_SHARE` (10 %) of that deficit is set aside (``set_aside``); a
  figure whose limiting rows all rest on a drafted value or a tool default is *not
  determined* (``determined``, ``rests_on``), with ``given_hosting_kw`` on the rows resting
  on given data beside it.
* The search judges export levels (snapshot scenarios), not the study's 96-step day: a
  violation of the day (e.g. C8 while the fleet charges) is reported by ``run_study`` and the
  gate, never as an export limit — no export level removes it.
* A failure that appears and disappears again between two evaluated levels can be missed; the
  grid step (``site nameplate / n_grid``) bounds the window.

Modules: :mod:`.search` (scenarios, the pipeline and the checks on them, grid and bisection;
:mod:`.early` where it stops),
:mod:`.tables` (the result tables); the margin-vs-export plot is the report's
(:func:`protv2g.report.hosting.plot_hosting_margins`).
"""

from protv2g.hosting.margins import MARGIN_COLUMNS
from protv2g.hosting.search import (
    ChecksFunction,
    Evaluation,
    HostingAnalysis,
    evaluate_scenarios,
    hosting_analysis,
    hosting_capacity,
)
from protv2g.hosting.tables import (
    BY_CRITERION_COLUMNS,
    HOSTING_COLUMNS,
    SITE_CRITERION_COLUMNS,
    by_site_criterion,
)

__all__ = [
    "BY_CRITERION_COLUMNS",
    "HOSTING_COLUMNS",
    "MARGIN_COLUMNS",
    "SITE_CRITERION_COLUMNS",
    "ChecksFunction",
    "Evaluation",
    "HostingAnalysis",
    "by_site_criterion",
    "evaluate_scenarios",
    "hosting_analysis",
    "hosting_capacity",
]
