"""What a C12 voltage-unbalance finding needs, said from the study's sites (review rev36b X9,
IEEE 37: "balance the single-phase sites and loads across phases" where the worsening came
from the three-phase campus's charging — 400 kW three-phase against the homes' 43 kW
single-phase, which eased it in the reviewer's OpenDSS check).

A three-phase site draws (or exports) balanced current; through the feeder's unequal phase
impedances (untransposed lines) and on top of its single-phase loads, that current raises
the unbalance the feeder already has: spreading single-phase sites across phases does not
touch it — its charging (or export) schedule, a cap, or the feeder's own balancing does. A
single-phase site adds unbalance of its own, which a move to another phase can ease. The
note gives the study's sites of each kind with their rated power (``n_chargers ×
p_charger_kw``), so the reader sees which kind carries the project's power; it does not
attribute the finding to one site (that needs a run per site).

A **pre-existing** finding (V2G's or the charging's change under the materiality threshold,
:mod:`protv2g.checks.attribution`) is the feeder's own unbalance: the note follows that
attribution and proposes nothing of the sites' (review rev42c M4, IEEE 8500 R50/F49: "schedule
or cap the charging" beside its finding's "charging changes it by 0.00802 % VUF, under the
materiality threshold"; OpenDSS: ±0.01 % with and without the depot's 2 MW).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["unbalance_note"]


def _kw(site: Any) -> float:
    return float(getattr(site, "n_chargers", 0) or 0) * float(
        getattr(site, "p_charger_kw", 0.0) or 0.0)


def unbalance_note(sites: Sequence[Any] | None, charging: bool, pre: bool) -> str:
    """The note of a C12 unbalance finding (module docstring). ``sites``: the study's
    ``v2g_sites`` (``phases``, ``phase``, ``n_chargers``, ``p_charger_kw``); ``charging``:
    its worst scenario is a charging snapshot; ``pre``: pre-existing.

    >>> from types import SimpleNamespace as S
    >>> campus = S(name="campus", phases=3, phase=None, n_chargers=8, p_charger_kw=50)
    >>> homes = S(name="homes", phases=1, phase="ab", n_chargers=6, p_charger_kw=7.2)
    >>> print(unbalance_note([campus, homes], True, False)[:89])
    voltage unbalance: the three-phase site campus (400 kW) carries 90 % of the sites' 443 kW
    >>> print(unbalance_note([homes], False, False)[:84])
    voltage unbalance: balance the single-phase sites across phases (homes on ab, 43 kW)
    >>> print(unbalance_note([campus], True, True)[:78])
    voltage unbalance present without V2G, the sites' charging changing it by less
    """
    what = "charging" if charging else "export"
    if pre:  # the feeder's own unbalance: nothing of the sites' to change (rev42c M4)
        return (f"voltage unbalance present without V2G, the sites' {what} changing it by less "
                "than the materiality threshold (the finding's attribution): the feeder's own "
                "balancing (its single-phase loads and laterals across phases, a planning "
                f"item), not the sites' {what} schedule or a cap; not searched")
    tail = "; not searched"
    three = [s for s in (sites or ()) if int(getattr(s, "phases", 3) or 3) == 3]
    single = [s for s in (sites or ()) if int(getattr(s, "phases", 3) or 3) == 1]
    if not three and not single:
        return "voltage unbalance: balance the single-phase sites and loads across phases" + tail
    one = ", ".join(f"{s.name} on {getattr(s, 'phase', None) or 'a'}, {_kw(s):.0f} kW"
                    for s in single)
    if not three:
        return ("voltage unbalance: balance the single-phase sites across phases (" + one
                + ") and the feeder's single-phase loads" + tail)
    kw3, kw = sum(_kw(s) for s in three), sum(_kw(s) for s in (*three, *single))
    names = ", ".join(f"{s.name} ({_kw(s):.0f} kW)" for s in three)
    sites3 = f"the three-phase site{'s' if len(three) > 1 else ''} {names}"
    head = (f"voltage unbalance: {sites3} carr{'y' if len(three) > 1 else 'ies'} "
            f"{100 * kw3 / kw:.0f} % of the sites' {kw:.0f} kW" if single
            else f"voltage unbalance: {sites3}")
    note = (f"{head}: {'their' if len(three) > 1 else 'its'} balanced {what} current raises "
            "the feeder's own unbalance (unequal phase impedances, single-phase loads) — "
            f"schedule or cap the {what}, or balance the feeder's single-phase loads; moving "
            "single-phase sites does not touch that part")
    if single:
        note += f"; the single-phase sites ({one}) can be spread across phases"
    return note + tail
