"""C1 and C4 rows whose backup relay does not operate at a fault of its zone: the backup is
lost, ``warn``.

Review ver45: a feeder-head relay whose 51G pickup is above the ground-fault current at a
lateral fuse's zone gave the fuse→relay C1 row "ok" with the backup's time "never" (margin
+∞: an interval against no time at all), and nothing said that the fuse has no backup for
that fault. domain.md's C1 compares the two devices' times "at every fault both see": there
is no interval to judge where the backup sees nothing, so the row cannot pass. Whether the
backup sees the fault is C5's backup-zone reach (``I / pickup ≥`` the backup factor, 1.2 by
default), whose shortfall the project grades ``warn`` (:mod:`protv2g.checks.sensitivity`;
C5 judges the minimum case only, this row stands for every case the pair is judged in).

**Rule.** A C1 row (a relay backing up a relay or a fuse, the primary operating) whose
backup has no finite operating time at any stage, at a fault of the backup's primary or
backup zone (``ctx.zones``), and not because its directional control holds it back (that is
:func:`protv2g.checks.pairs.backup_blocked`'s ``fail``, review rev41a W2, C9's "fails to
trip"), is ``warn`` with margin −∞ (no time to compare: :mod:`protv2g.checks.attribution_state`).
Its message names the backup's pickups against the first-cycle currents it sees (the 51G
pickup against ``|3I0|`` at a ground fault, the 51P pickup against the phase current) and
points to C5. A fault beyond the backup's zones stays ``ok``: the backup is not expected to
operate there. ``warn``, not ``fail``: a backup the feeder's design leaves out (a 51G set
high on purpose, a lateral whose ground faults the head does not reach) is a condition the
engineer accepts or removes by a setting, as C5 grades it; ``fail`` stays with the
criterion that fails (C5's primary zone).

**C4** (session 46): a relay backing up a recloser (C4's "relay after recloser's longest
shot + CTI") is the same backup relay, the recloser its primary: the same rule, status,
margin, mechanism and message (naming the recloser). Before, such a row with a relay that
never operates read "ok" with margin +∞. The recloser is no fuse: no TC band can flip it.

References
----------
IEEE Std C37.230-2020 §6.2 (minimum fault current and reach of the backup device);
IEEE Std 242-2001 §15 (a backup device is coordinated for the faults it sees).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import fmt_s
from protv2g.checks.fuse_melt_text import below_melt_note
from protv2g.checks.fuse_saving_range import GROUND_FAULT_PREFIXES
from protv2g.devices.kinds import ground_pickup_a, phase_pickup_a

__all__ = ["LOST_BACKUP", "LOST_BACKUP_CRITERIA", "is_lost_backup", "lost_backup_mechanism",
           "lost_backup_message"]

#: The rows' ``mechanism`` (a finding's title says it in place of the rule's name,
#: "coordination_interval", which these rows have no interval of: review ver46 #5).
LOST_BACKUP = "backup does not operate"

#: The criteria whose rows have a backup relay: C1 (behind a relay or a fuse) and C4 (a relay
#: behind a recloser, the recloser primary).
LOST_BACKUP_CRITERIA = ("C1", "C4")


def is_lost_backup(r: Any) -> bool:
    """Whether a failing coordination row ``r`` is this module's: C1 or C4, ``warn``, no
    backup time (C1's only ``warn`` rows; C4's fast-shot ``warn`` rows have both times)."""
    return (r.criterion in LOST_BACKUP_CRITERIA and r.status == "warn"
            and not np.isfinite(float(r.t_backup_s)))


def lost_backup_mechanism(bad: Any, mechanism: np.ndarray) -> np.ndarray:
    """``mechanism`` (object array, one per row of the failing coordination rows ``bad``) with
    :data:`LOST_BACKUP` on this module's rows (C1/C4 ``warn`` with no backup time:
    :func:`is_lost_backup`)."""
    with np.errstate(invalid="ignore"):
        lost = (np.isin(bad["criterion"].astype(str).to_numpy(), LOST_BACKUP_CRITERIA)
                & (bad["status"].astype(str).to_numpy() == "warn")
                & ~np.isfinite(pd.to_numeric(bad["t_backup_s"], errors="coerce")
                               .to_numpy(dtype=float)))
    if not lost.any():
        return mechanism
    out = np.asarray(mechanism, dtype=object).copy()
    out[lost] = LOST_BACKUP
    return out


def lost_backup_message(ctx: Any, r: Any, where: str, export: str) -> str:
    """The message of a row of the module's rule (``r``: its coordination row)."""
    relay = ctx.devices[str(r.backup)]
    p_pickup = phase_pickup_a(relay)
    g_pickup = ground_pickup_a(relay)
    i_p, i_g = float(r.i_backup_a), float(r.i_backup_3i0_a)
    said = [_element_text("51P", p_pickup, i_p, "phase current")]
    # one row's type by str.startswith, as is_ground_fault tests each value (#21: an array
    # built per message row, 2,357 rows at 10,000 buses)
    if str(r.fault_type).startswith(GROUND_FAULT_PREFIXES) and g_pickup is not None:
        said.insert(0, _element_text("51G", float(g_pickup), i_g, "|3I0| it sees there"))
    why = ", and ".join(said)
    # C4: the primary is a recloser, "clearing" at its lockout (its longest shot)
    primary = f"recloser {r.primary}" if r.criterion == "C4" else str(r.primary)
    return (f"{r.backup} does not operate for {where} {export}: {why} (the first cycle's "
            f"currents; no stage of the fault operates it), so {primary}, clearing in "
            f"{fmt_s(r.t_primary_s)}"
            f"{below_melt_note(ctx, r.primary, r.t_primary_s, r.i_primary_a)}, has no backup "
            f"at this fault — no interval to judge ({r.criterion} compares the times of two "
            f"devices that both see the fault); {r.backup}'s reach there is C5's (backup "
            f"zone): lower its pickup or add a device nearer the fault to restore a backup")


def _element_text(element: str, pickup_a: float, i_a: float, what: str) -> str:
    """One element's pickup against the first cycle's current it reads."""
    if not i_a >= pickup_a:  # NaN: not known, said as below
        return f"its {element} pickup {pickup_a:,.0f} A is above the {i_a:,.1f} A {what}"
    return (f"its {element} picks up on the first cycle's {i_a:,.1f} A {what} ({pickup_a:,.0f} A "
            f"pickup) but the chargers' later stages bring it below before it operates")
