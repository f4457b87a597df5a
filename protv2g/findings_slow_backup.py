"""The export trend of a lost backup (C1/C4 ``backup does not operate``) that was already slow
without V2G.

Review rev47a #6 (EPRI J1 F02, head over the recloser): "worsens with export: 87.18 s without
V2G; −∞ (does not operate) at 1,644 kW". The margin is the backup's time less the primary's
clearing and the coordination interval (:mod:`protv2g.checks.coordination`), so without V2G
the backup already takes more than 87 s: the trend reads as if the sites removed a working
backup. The project has no time limit for a backup; whether one that slow still backs up is
C5's backup-zone reach, ``I / pickup ≥ 1.2`` (``checks.sensitivity_backup_factor``,
:mod:`protv2g.checks.sensitivity`), the rule :mod:`protv2g.checks.backup_reach_note` already
points passing slow C1/C4 rows to (fix41d: a 99–2,525 s head 51P "barely reaches"). The bound
used here is the same one in time: the backup's base margin beyond the row's own coordination
interval by more than :data:`SLOW_BACKUP_S` — an interval the check could not tell from a
backup that is there at all is not claimed.
"""

from __future__ import annotations

import math

from protv2g.checks.lost_backup import LOST_BACKUP, LOST_BACKUP_CRITERIA

__all__ = ["SLOW_BACKUP_S", "slow_backup_note"]

#: A base margin (s) from which the note is said: 10 × the relay–relay interval's largest
#: default (0.3 s electromechanical, domain.md §4 C1), 3 s — a backup an order of magnitude
#: later than the interval asks. A display threshold, not a criterion: the verdict stays the
#: row's, and whether the backup reaches is C5's.
SLOW_BACKUP_S = 3.0


def slow_backup_note(criterion: str, mechanism: str, base_margin_s: float) -> str:
    """``"; without V2G the backup already takes 87.18 s more than …"`` for a lost-backup
    finding whose base-case margin is at least :data:`SLOW_BACKUP_S`, else ``""``.

    >>> slow_backup_note("C4", LOST_BACKUP, 87.18)[:52]
    '; without V2G the backup already takes 87.18 s more '
    >>> slow_backup_note("C4", LOST_BACKUP, 0.5), slow_backup_note("C3", LOST_BACKUP, 87.0)
    ('', '')
    """
    if (criterion not in LOST_BACKUP_CRITERIA or mechanism != LOST_BACKUP
            or not math.isfinite(base_margin_s) or base_margin_s < SLOW_BACKUP_S):
        return ""
    return (f"; without V2G the backup already takes {base_margin_s:.4g} s more than the "
            "primary's clearing and the coordination interval — a slow backup before the "
            "sites (whether it reaches the fault: C5's backup zone, 1.2 × pickup)")
