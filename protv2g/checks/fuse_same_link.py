"""C3's words for a fuse backing up the same link: the pair can never coordinate.

Review rev47a #3 (IEEE 8500): ``protv2g init`` maps every model fuse (``TCC_Curve.tlink``)
to 10T, so ln6106583-5 and its backup ln5712587-2 are the same link in series. C3 asks the
protecting link's total clearing to be at most ``fuse_fuse_ratio`` (75 %, domain.md §4) of
the protected link's minimum melt; a link's total clearing is never shorter than its own
minimum melt (melting plus arcing, ANSI C37.43 / IEEE C37.48-1997 §4.2), so with the same
link, the same factors and no time adder on the backup, the row fails at every current and
for any curve shape — wherever the primary carries no more current than the backup (no
source between them; with V2G feeding in between, the primary's higher current can clear it
in time). Its message says so, and that V2G's change of the times does not
decide the verdict; the rows' ``attribution`` is left as the check found it (V2G does move
the times), the message saying the change is immaterial to the verdict.
"""

from __future__ import annotations

from typing import Any

from protv2g.devices.kinds import kind_of

__all__ = ["same_link", "same_link_text"]

#: The fuse settings that shape a link's times (``name`` and its rating do not).
_TIME_FIELDS = ("link", "preload_factor", "ambient_factor", "time_adder_s")


def same_link(primary: Any, backup: Any) -> bool:
    """Whether two fuse models are the same link with the same time factors (the backup's
    minimum melt then never exceeds the primary's total clearing).

    >>> from protv2g.devices.fuse import Fuse
    >>> same_link(Fuse(name="a", link="10T"), Fuse(name="b", link="10T"))
    True
    >>> same_link(Fuse(name="a", link="10T"), Fuse(name="b", link="15T"))
    False
    """
    if primary is None or backup is None or any(
            kind_of(d).role != "fuse" for d in (primary, backup)):
        return False
    p, b = primary.settings, backup.settings
    return all(getattr(p, f, None) == getattr(b, f, None) for f in _TIME_FIELDS)


def same_link_text(ctx: Any, r: Any) -> str:
    """``"; primary and backup are the same link (10T) …"`` for a C3 pair row ``r`` whose two
    fuses are the same link (:func:`same_link`) and whose primary carries no more current
    than its backup (``i_primary_a`` ≤ ``i_backup_a``, relative 1e-9), else ``""``."""
    p, b = ctx.devices.get(r.primary), ctx.devices.get(r.backup)
    if not same_link(p, b) or not float(r.i_primary_a) <= float(r.i_backup_a) * (1 + 1e-9):
        return ""
    return (f"; {r.primary} and {r.backup} are the same link ({p.settings.link}, the same "
            "factors), the primary carrying no more current than the backup: a link's total "
            "clearing is never below its "
            f"own minimum melt, so C3 ({float(r.rule_value):.0%} of the backup's minimum melt) "
            "cannot pass at any current — confirm the two links (a V2G change of the times "
            "does not decide this verdict: it fails without V2G too)")
