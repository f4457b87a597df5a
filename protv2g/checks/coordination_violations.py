"""What the C1, C3 and C4 violations of the Coordination rows say
(:func:`protv2g.checks.coordination.check_coordination` makes them from these).

* :func:`_message` — each failing row's words (:data:`FAST_SHOT_CHECK` rows, a backup held
  back or lost, the I²t rule, the 75 % rule, the coordination interval) and
  :func:`_mechanism` its ``mechanism`` (the feeder's grounding, a lost backup);
* :func:`not_applicable_rows` — a ``not_applicable`` row for each criterion with no pair of
  its kind (:data:`PAIR_KINDS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks import ground_limited as by_design
from protv2g.checks._common import CheckContext, fmt_s, not_applicable
from protv2g.checks.fuse_arcing_text import arcing_text
from protv2g.checks.fuse_gg_i2t import I2T_RULE, i2t_message
from protv2g.checks.fuse_gg_text import gg_pair_text
from protv2g.checks.fuse_melt_text import below_melt_note
from protv2g.checks.fuse_same_link import same_link_text
from protv2g.checks.lost_backup import is_lost_backup, lost_backup_mechanism, lost_backup_message
from protv2g.checks.pairs import (
    pair_criteria,
    tc_band_text,
)
from protv2g.violations import CheckStatus

__all__ = ["FAST_SHOT_CHECK", "PAIR_KINDS", "not_applicable_rows"]

#: The ``check`` of C4's recloser→recloser fast-shot rows (review s17 §3.9), which
#: :func:`_message` words apart.
FAST_SHOT_CHECK = "backup recloser fast shot after primary fast shot"


def _message(ctx: CheckContext, r: object, where: str, export: str) -> str:
    if r.criterion == "C1" and r.status == CheckStatus.INFO.value:
        return by_design.ground_limited_message(ctx, r, where, export)
    if is_lost_backup(r):
        return lost_backup_message(ctx, r, where, export)
    if r.check == FAST_SHOT_CHECK:
        return (f"backup recloser {r.backup}'s fast shot ({fmt_s(r.t_backup_s)}) is not slower "
                f"than {r.primary}'s ({fmt_s(r.t_primary_s)}) by more than their scatter "
                f"({fmt_s(r.required_s)}) for {where} {export}: {r.backup} opens with or before "
                f"{r.primary}, and every fault "
                f"beyond {r.primary} is a momentary for {r.backup}'s whole zone (the delayed "
                f"curves still coordinate); set {r.backup}'s fast curve slower or use "
                "sequence coordination")
    if r.criterion in ("C1", "C4") and np.isinf(r.t_backup_s) and np.isinf(r.margin_s):
        return (f"{r.backup} does not operate for {where} {export}: its directional control "
                f"holds back the overcurrent element that picks up there (C9: the relay never "
                f"trips), so {r.primary}, clearing in {fmt_s(r.t_primary_s)}"
                f"{below_melt_note(ctx, r.primary, r.t_primary_s, r.i_primary_a)}, has no "
                f"backup at this fault")
    if r.criterion == "C3" and r.rule == I2T_RULE:
        return i2t_message(ctx, r, where, export)
    if r.criterion == "C3":
        return (f"{r.primary} clears in {fmt_s(r.t_primary_s)}"
                f"{below_melt_note(ctx, r.primary, r.t_primary_s, r.i_primary_a)} but backup "
                f"fuse {r.backup} "
                f"starts to melt in {fmt_s(r.t_backup_s)} (at most {r.rule_value:.0%} of that "
                f"allowed) for {where} {export}: {r.backup} may be damaged or blow"
                f"{tc_band_text(r)}{arcing_text(ctx, r)}{gg_pair_text(ctx, r)}"
                f"{same_link_text(ctx, r)}")
    return (f"{r.backup} trips in {fmt_s(r.t_backup_s)} for {where} {export}; "
            f"{r.primary} clears in {fmt_s(r.t_primary_s)}"
            f"{below_melt_note(ctx, r.primary, r.t_primary_s, r.i_primary_a)}: interval "
            f"{r.t_backup_s - r.t_primary_s:.3g} s < {r.required_s:g} s coordination interval "
            f"needed ({r.check}; the row's margin is the interval less the CTI)"
            f"{tc_band_text(r)}{arcing_text(ctx, r)}")


#: What each pair criterion applies to (the reason of its ``not_applicable`` row).
PAIR_KINDS = {"C1": "a relay backing up a relay or a fuse",
              "C2": "a fuse backed up by a recloser, or a recloser by a fuse",
              "C3": "a fuse backing up another device",
              "C4": "a relay backing up a recloser, or a recloser backing up a relay or "
                    "recloser"}


def not_applicable_rows(ctx: CheckContext, criteria: tuple[str, ...]) -> list[pd.DataFrame]:
    """A ``not_applicable`` row for each of ``criteria`` that governs no pair of the study."""
    have = pair_criteria(ctx)
    return [not_applicable(c, f"no primary/backup pair of {PAIR_KINDS[c]} in this study")
            for c in criteria if not have.get(c)]


def _mechanism(bad: pd.DataFrame) -> np.ndarray:
    """Each failing C1/C3/C4 row's ``mechanism``: the feeder's grounding
    (:func:`~protv2g.checks.ground_limited.by_design_mechanism`), a lost backup
    (:data:`~protv2g.checks.lost_backup.LOST_BACKUP`), "" elsewhere."""
    return lost_backup_mechanism(bad, by_design.by_design_mechanism(bad))
