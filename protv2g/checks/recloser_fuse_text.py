"""C2's messages: the times, currents and elements a fuse–recloser row quotes.

Split from :mod:`protv2g.checks.recloser_fuse` (which judges the rows): each message names the
recloser's time with the element and curve that set it
(:mod:`protv2g.checks.recloser_element_text`), the fuse's clearing with where its time comes
from (:mod:`protv2g.checks.fuse_melt_text`), a current below pickup as such (review s22), and
for a fuse-saving row the published K bracket and fuse-saving range. Why a fuse does not
clear (it cannot or need not melt, its melting band) is worded by
:mod:`protv2g.checks.fuse_not_clearing_text`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, fmt_s
from protv2g.checks.equipment import EQUIPMENT_ROW_COLUMN, EQUIPMENT_SAVING
from protv2g.checks.fuse_melt_text import clearing_text
from protv2g.checks.fuse_not_clearing_text import (
    _band_text,
    _fuse_not_melting,
    _low,
    _never_melting,
)
from protv2g.checks.fuse_saving_range import (
    GROUND_FAULT_PREFIXES,
    has_ground_element,
    range_text,
    saving_range_a,
)
from protv2g.checks.pairs import tc_band_text
from protv2g.checks.recloser_element_text import element_text
from protv2g.checks.recloser_fuse_sustained import sustained_amps
from protv2g.checks.rule_values import fuse_saving
from protv2g.checks.saving_reach import reach_text
from protv2g.devices.kinds import ground_pickup_a, kind_of, phase_pickup_a
from protv2g.devices.rules import RuleOutOfRange
from protv2g.violations import CheckStatus

__all__ = ["SAVING", "NOT_SEEN", "NOT_CLEARED", "NEVER_MELTS", "BACKUP", "SOURCE_SIDE",
           "BASE_BACKUP", "message", "prime_base_backups"]


#: The C2 rules, as named in the coordination table's ``check`` column.
SAVING = "fuse saving: K × fast < fuse MM"
NOT_SEEN = "fuse saving: fault not seen by recloser"
NOT_CLEARED = "fuse saving and backup: fault cleared by neither"
NEVER_MELTS = "fuse backup: fuse never melts, recloser locks out"
BACKUP = "fuse TC < recloser delayed"
SOURCE_SIDE = "source-side fuse: MM ≥ f × recloser delayed"


def _amps(ctx: CheckContext, device: str, i_a: float, i3i0_a: float, fault_type: str) -> str:
    """``"178 A"``, or ``"178 A, 3I0 253 A"`` for a recloser or relay in a ground fault: its
    time may be its ground element's, which runs on 3I0 (a review found "1.08 s at 178 A" for
    a delayed ground trip on 253 A of 3I0). A fuse answers to its phase current only."""
    text = f"{i_a:.0f} A"
    figures = _pickups(ctx, device)
    if (figures is not None and figures[0] != "fuse" and np.isfinite(i3i0_a)
            and str(fault_type).startswith(("SLG", "LLG"))):
        text += f", 3I0 {i3i0_a:.0f} A"
    return text


def _pickups(ctx: CheckContext, device: str
             ) -> tuple[str, float | None, float | None] | None:
    """``(role, phase pickup, ground pickup)`` of a device (None without a model), worked
    out once per device and kept in ``ctx.cache`` (#21: the messages of C2's 3,998 rows at
    10,000 buses, 8,474 at 3,000, asked for them row by row); the pickups of a fuse are not
    asked for (None)."""
    known = ctx.cache.setdefault("pickups", {})
    if device not in known:
        dev = ctx.devices.get(device)
        role = None if dev is None else kind_of(dev).role
        known[device] = (None if dev is None else (role, None, None) if role == "fuse"
                         else (role, phase_pickup_a(dev), ground_pickup_a(dev)))
    return known[device]


def _below_pickup(ctx: CheckContext, device: str, i_a: float, i3i0_a: float,
                  fault_type: str) -> float | None:
    """The phase pickup (A) of a recloser or relay ``device`` when the fault's quoted
    currents are below it (phase current below the phase pickup and, in a ground fault, 3I0
    below the ground pickup or no ground element), else None: a current below pickup has
    no trip time of its own (review s22: "fast trip 12.7 s at 188 A" under a 200 A minimum
    trip; the time came from a later charger stage's current)."""
    figures = _pickups(ctx, device)
    if figures is None or figures[0] == "fuse" or not np.isfinite(i_a):
        return None
    _, p_a, g_a = figures
    ground_sees = (g_a is not None and np.isfinite(i3i0_a)
                   and str(fault_type).startswith(("SLG", "LLG")) and i3i0_a >= g_a)
    return p_a if (i_a < p_a and not ground_sees) else None


def _time_at(ctx: CheckContext, device: str, t_s: float, i_a: float, i3i0_a: float,
             fault_type: str) -> str:
    """``"0.11 s at 240 A"``; below pickup: ``"188 A, 3I0 219 A: below pickup (200 A); 12.7
    s only as a later charger stage's current exceeds it"``."""
    amps = _amps(ctx, device, i_a, i3i0_a, fault_type)
    p_a = _below_pickup(ctx, device, i_a, i3i0_a, fault_type)
    if p_a is None:
        return f"{fmt_s(t_s)} at {amps}"
    later = (f"; {fmt_s(t_s)} only as a later charger stage's current exceeds it (Charger "
             "stages sheet)" if np.isfinite(t_s) else "")
    return f"{amps}: below pickup ({p_a:g} A){later}"


def message(ctx: CheckContext, r: object, where: str, export: str) -> str:
    i_b = _amps(ctx, r.backup, r.i_backup_a, r.i_backup_3i0_a, r.fault_type)
    if r.check == NOT_CLEARED:  # no time to quote (13,554 rows at 10,000 buses)
        return (f"no device of the pair clears {where} {export}: "
                f"{_fuse_not_melting(ctx, r.primary, r.i_primary_a, _low(r))}, "
                f"{_recloser_not_tripping(ctx, r, i_b)}, and neither operates in the "
                f"chargers' later stages (Charger stages sheet): {_lost_text(ctx, r)}"
                f"; see C5 for the devices' reach{_band_text(r, np.inf)}")
    t_b = _time_at(ctx, r.backup, r.t_backup_s, r.i_backup_a, r.i_backup_3i0_a, r.fault_type)
    if r.check == NEVER_MELTS:
        shot = "delayed" if _has_delayed(ctx, r.backup) else "fast"
        el = element_text(ctx, r.backup, shot, r.t_backup_s, 1.0, r.i_backup_a,
                          r.i_backup_3i0_a, r.fault_type)
        return (f"{r.primary} never melts for {where} {export} ("
                f"{_never_melting(ctx, r.primary, r.i_primary_a, _low(r))}); {r.backup} locks "
                f"out on its {shot} curve ({t_b}{el}): the lateral fault takes out "
                f"{r.backup}'s zone{_band_text(r, float(r.t_backup_s))}")
    i_p = _amps(ctx, r.primary, r.i_primary_a, r.i_primary_3i0_a, r.fault_type)
    if r.check == NOT_SEEN:
        was = ("; it saved the fuse without V2G" if r.status == CheckStatus.FAIL.value
               else "")
        # the first cycle's current, and the sustained stage's where the chargers have one
        # (review rev32b M3: "a sees 133 A" on the DG feeder, 161 A sustained)
        return (f"fuse saving not possible: {r.backup} sees {i_b} in the first cycle"
                f"{_sustained_text(ctx, r)}, for {where} {export}; {r.primary} "
                f"({i_p}) clears alone{_alone_text(ctx, r)}{was}")
    if r.check == BACKUP:
        el = element_text(ctx, r.backup, "delayed", r.t_backup_s, 1.0, r.i_backup_a,
                          r.i_backup_3i0_a, r.fault_type)
        return (f"{r.backup} delayed trip ({t_b}{el}) "
                f"comes before {r.primary} clears "
                f"({clearing_text(ctx, r.primary, r.t_primary_s, i_p, r.i_primary_a)}) "
                f"for {where} {export}: the recloser locks out for a "
                f"lateral fault{tc_band_text(r)}")
    if r.check == SOURCE_SIDE:
        return (f"{r.backup} (source side of {r.primary}) starts to melt in "
                f"{fmt_s(r.t_backup_s)} at {i_b}, before {r.rule_value:g} × "
                f"{r.primary}'s delayed clearing ({fmt_s(r.t_primary_s)} with the factor, at "
                f"{i_p}) for {where} {export}: the fuse may blow during the "
                "recloser's sequence")
    el = element_text(ctx, r.backup, "fast", r.t_backup_s, r.rule_value, r.i_backup_a,
                      r.i_backup_3i0_a, r.fault_type)
    what = (f"{r.primary} starts to melt in {fmt_s(r.t_primary_s)} at "
            f"{i_p}, before {r.backup}'s fast trip × K = {r.rule_value:g} "
            f"({t_b}{el}) for {where} {export}")
    # a row of the project's equipment has no case without V2G: it holds with every charger
    # idle (review txt38: the words follow the row's attribution)
    equipment = getattr(r, EQUIPMENT_ROW_COLUMN, False)
    if r.status == CheckStatus.INFO.value:
        where_ = saving_where(*_range(ctx, r), r.backup, r.primary)
        also = "also with every charger idle" if equipment else "also without V2G"
        return (f"fuse saving impossible by design ({where_} of {r.backup} / {r.primary}, "
                f"{also}): {what}{reach_text(ctx, r)}")
    # the lead too: a row of the project's equipment fails with every charger idle, not
    # "lost" to V2G (review txt38, F30)
    lead = ("fuse saving not achieved without V2G"
            if ctx.base_of.get(r.scenario, r.scenario) == r.scenario
            else EQUIPMENT_SAVING if equipment else "fuse saving lost")
    return f"{lead}: {what}{_bracket_text(ctx, r)}"


def _sustained_text(ctx: CheckContext, r: object) -> str:
    """``", below its minimum trip"`` after the first cycle's current, with the sustained
    stage's (:mod:`protv2g.checks.recloser_fuse_sustained`) where the chargers have one:
    ``" and 161 A, 3I0 226 A in the chargers' sustained stage, below its minimum trip"``
    (review rev32b M3: the DG feeder's "a sees 133 A" was the first cycle at 1.5 pu; 161 A
    sustained), or where that current reaches the minimum trip, said so."""
    got = sustained_amps(ctx, r)
    if got is None:
        return ", below its minimum trip"
    (p_lo, p_hi), (g_lo, g_hi) = got

    def span(lo: float, hi: float) -> str:
        return f"{lo:.0f} A" if round(lo) == round(hi) else f"{lo:.0f}–{hi:.0f} A"

    text = span(p_lo, p_hi)
    if _amps(ctx, r.backup, p_lo, g_lo, r.fault_type) != f"{p_lo:.0f} A":  # 3I0 quoted too
        text += f", 3I0 {span(g_lo, g_hi)}"
    limit = "the chargers' sustained stage" + (" (both brackets of its limit)"
                                               if "–" in text else "")
    if _below_pickup(ctx, r.backup, p_hi, g_hi, r.fault_type) is not None:
        return f" and {text} in {limit}, below its minimum trip"
    return f", below its minimum trip ({text} in {limit}: at or above it)"


#: What a ground fault's fuse-saving range is timed on (review rev30 §8: ckt5's "100 … 165 A
#: (ground faults)" beside rows timed on the phase fast curve read as the ground element's
#: alone; :func:`~protv2g.checks.fuse_saving_range.crossover_grid`).
GROUND_RANGE_NOTE = (" (ground faults, the first shot the faster of the recloser's phase and "
                     "ground fast curves)")


def saving_where(rng: str, has_range: bool, recloser: str, fuse: str) -> str:
    """Where an ``info`` fuse-saving row lies: above the pair's range ``rng``, or — when the
    pair has none (``has_range`` false) — that the recloser can never save the fuse for that
    kind of fault (review rev36b X6, EPRI J1 R-MID / F-LAT: "above the fuse-saving range none
    (ground faults …)" read as "the fault is too big to save").

    >>> saving_where("none" + GROUND_RANGE_NOTE, False, "R-MID", "F-LAT")[:60]
    "no fuse-saving range at all: R-MID's fast shot × K never ope"
    """
    if has_range:
        return f"above the fuse-saving range {rng}"
    kind = " for ground faults" if rng.endswith(GROUND_RANGE_NOTE) else ""
    return (f"no fuse-saving range at all: {recloser}'s fast shot × K never opens before "
            f"{fuse} starts to melt{kind}, so every temporary fault of that kind past "
            f"{fuse} blows it")


def _range(ctx: CheckContext, r: object) -> tuple[str, bool]:
    """The pair's fuse-saving range without infeed (:func:`saving_range_a`), as text (the
    ground element's for a ground fault, when the recloser has one), and whether there is
    one at all (a finite lower end)."""
    # one row's type by str.startswith, as is_ground_fault does for a column (a Series per
    # message row cost ≈ 60 µs: 156,816 rows in the 250-bus hosting search, hosting_mem s16)
    ground = str(r.fault_type).startswith(GROUND_FAULT_PREFIXES) and has_ground_element(
        ctx.devices[r.backup])
    key = ("fuse saving range", r.primary, r.backup, float(r.rule_value), ground)
    if key not in ctx.cache:
        lo, hi = saving_range_a(ctx.devices[r.backup], ctx.devices[r.primary],
                                float(r.rule_value), ground=ground)
        ctx.cache[key] = (range_text(lo, hi) + (GROUND_RANGE_NOTE if ground else ""),
                          bool(np.isfinite(lo)))
    return ctx.cache[key]


def _bracket_text(ctx: CheckContext, r: object) -> str:
    """Which end of the published K bracket decides a failing fuse-saving row."""
    k = fuse_saving(ctx, r.backup)
    if isinstance(k, RuleOutOfRange) or k.bracket is None or k.overridden:
        return ""
    lo, hi = k.bracket
    if hi - lo < 1e-9:
        return ""
    t_fast = r.t_backup_s / r.rule_value
    margin_lo = r.t_primary_s - lo * t_fast
    if margin_lo >= 0:
        return (f"; with K = {lo:g} (low end of the published bracket {lo:g}-{hi:g}) it holds "
                f"by {1000 * margin_lo:.1f} ms: the choice of K decides this row")
    return f"; fails at both ends of the published K bracket {lo:g}-{hi:g}"


def _alone_text(ctx: CheckContext, r: object) -> str:
    """When a fuse clearing alone starts to melt (its minimum melt, the row's primary time),
    and where its quoted current is at or below its minimum melting current, that its curve
    gives no time there (review rev29 §1: "F-73 (65 A) clears alone" for a 40K link melting
    only from ≈ 80 A; its 12.4 s came from a later charger stage's current)."""
    t_s = float(r.t_primary_s)
    if not np.isfinite(t_s):
        return ", never melting in the fault's stages"
    dev = ctx.devices.get(r.primary)
    i_a = float(r.i_primary_a)
    i_mm = float(getattr(dev, "min_melt_current_a", np.nan)) if dev is not None else np.nan
    note = (f" — at or below its minimum melting current {i_mm:.0f} A (its curve gives no "
            "time there); the time is from a later charger stage's higher current (Charger "
            "stages sheet)" if np.isfinite(i_a) and i_a <= i_mm else "")
    return f", starting to melt in {fmt_s(t_s)}{note}"


def _recloser_not_tripping(ctx: CheckContext, r: object, amps: str) -> str:
    """``"R-67 (52 A, 3I0 51 A) below its minimum trips (400 A phase, 100 A ground)"``; an
    element at or above its minimum trip in the first cycle is named as not tripping over the
    fault's stages."""
    figures = _pickups(ctx, r.backup)
    if figures is None or figures[0] == "fuse":
        return f"{r.backup} ({amps}) does not trip"
    _, p_a, g_a = figures
    ground = str(r.fault_type).startswith(GROUND_FAULT_PREFIXES)
    trips = [f"{p_a:g} A phase"] + ([f"{g_a:g} A ground"] if g_a is not None else [])
    plural = "s" if len(trips) > 1 else ""
    if r.i_backup_a < p_a and (g_a is None or not ground or r.i_backup_3i0_a < g_a):
        return f"{r.backup} ({amps}) below its minimum trip{plural} ({', '.join(trips)})"
    return f"{r.backup} ({amps}; minimum trip{plural} {', '.join(trips)}) does not trip"


#: ``ctx.cache`` key of the base cases' backup rows (``fuse TC < recloser delayed``) the
#: "cleared by neither" messages compare with: ``(scenario, fault_bus, fault_type, case,
#: primary, backup) → {bracket: (t_primary_s, t_backup_s, margin_s)}``, filled by
#: :func:`protv2g.checks.recloser_fuse.check_recloser_fuse`.
BASE_BACKUP = "C2 base backup rows"


def _lost_text(ctx: CheckContext, r: object) -> str:
    """What a fault neither device clears costs, against its base case (review trust31 §2d,
    IEEE 123: "fuse saving and the fuse's backup both lost" where R-67 locked out 38–43 s
    before F-73 cleared without V2G — the backup was lost already; what V2G loses is that the
    pair ends the fault at all)."""
    saving = getattr(r, "rule", "") == "fuse_saving_k"
    known = ctx.cache.get(BASE_BACKUP)
    by_bracket = None if not known else known.get(
        (ctx.base_of.get(r.scenario, ""), r.fault_bus, r.fault_type, r.case, r.primary,
         r.backup))
    # the same bracket's, else the one both brackets share, else the worse of the two
    twin = None if not by_bracket else by_bracket.get(
        getattr(r, "bracket", ""), by_bracket.get("both", min(by_bracket.values(),
                                                              key=lambda x: x[2])))
    if twin is None or not twin[2] < 0:
        return ("fuse saving and the fuse's backup both lost" if saving
                else "the fuse's backup lost")
    t_p, t_b, _ = twin
    return (("fuse saving lost; " if saving else "")
            + f"the fuse's backup fails without V2G too ({r.backup}'s delayed trip in "
            f"{fmt_s(t_b)} before {r.primary} clears in {fmt_s(t_p)}), but there "
            f"{r.backup} ends the fault by locking out: with V2G nothing of the pair ends it")


def _has_delayed(ctx: CheckContext, device: str) -> bool:
    """Whether the recloser's sequence has a delayed shot (its lockout shot's curve)."""
    dev = ctx.devices.get(device)
    return int(getattr(getattr(dev, "settings", None), "n_delayed", 1) or 0) > 0


def prime_base_backups(ctx: CheckContext, coord: pd.DataFrame) -> None:
    """The base cases' backup rows of the pairs whose faults neither device clears with V2G,
    by key, into ``ctx.cache`` (:data:`BASE_BACKUP`: what the "cleared by
    neither" message compares with)."""
    c2 = coord[coord.criterion == "C2"]
    lost = c2[c2.check == NOT_CLEARED]
    if lost.empty:
        return
    pairs = set(zip(lost.primary.tolist(), lost.backup.tolist(), strict=True))
    bases = {str(x) for x in ctx.base_of.values()}
    b = c2[(c2.check == BACKUP) & c2.scenario.astype(str).isin(bases)]
    # a boolean array, not a list: an empty list would select no columns (a base case with
    # no backup row, the recloser tripping for none of the pair's faults: KeyError)
    b = b[np.array([(p, k) in pairs for p, k in zip(b.primary.tolist(), b.backup.tolist(),
                                                     strict=True)], dtype=bool)]
    bracket = b["bracket"].tolist() if "bracket" in b.columns else [""] * len(b)
    out: dict[tuple, dict[str, tuple[float, float, float]]] = {}
    for key, br, v in zip(
            zip(*(b[c].tolist() for c in ("scenario", "fault_bus", "fault_type", "case",
                                          "primary", "backup")), strict=True), bracket,
            zip(*(b[c].astype(float).tolist() for c in ("t_primary_s", "t_backup_s",
                                                        "margin_s")), strict=True),
            strict=True):
        out.setdefault(key, {})[br] = v
    ctx.cache[BASE_BACKUP] = out
