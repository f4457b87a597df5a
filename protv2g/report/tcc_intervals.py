"""The coordination intervals drawn on a TCC: which fault of a pair, at which current.

Each pair of a path gets an arrow from the primary's time to the backup's at one fault, with
its interval against the required one (from the per-pair table,
:func:`protv2g.report.derived.pair_table`). A device's time there is the time of its first
element to operate (phase or ground: ``elements_*`` names it), so the fault is chosen per
plot: on the phase plot a fault where both times are phase elements' (or a fuse's), on the
ground plot a ground fault where they are ground elements' (or a fuse's) — each element's
time on its own plot (the EPRI ckt24 review: the C1 arrow drew the head relay's 51G time on
the phase plot, where it read as a 51P time).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks.attribution_share import MATERIAL_SHARE
from protv2g.report.derived import IDLE_CASE
from protv2g.report.pair_status import status_text

__all__ = ["GROUND_TYPES", "PHASE_TYPES", "Interval", "fault_kind", "intervals", "seconds_text"]

#: Fault types of the phase plot and of the ground plot.
PHASE_TYPES = frozenset({"3ph", "LL"})
GROUND_TYPES = frozenset({"SLG", "LLG"})



class Interval(NamedTuple):
    """One coordination interval drawn on a TCC (:func:`intervals`): an arrow from the
    primary's time (s) at ``i_a`` (A) to the backup's at ``i_backup_a``, its legend text, the
    pair, and whether
    every status it shows is ``info`` (a C2 fuse-saving interval above the crossover, where
    saving is impossible by design: reported as information, not judged — review rev39b
    M7, drawn like a passing one before)."""

    i_a: float
    t_primary_s: float
    t_backup_s: float
    text: str
    primary: str = ""
    backup: str = ""
    info: bool = False
    #: the backup's end of the arrow (A): the current its element sees (a 51G's 3I0, a 51P's
    #: phase current), NaN: ``i_a``
    i_backup_a: float = float("nan")
    #: the row the arrow is drawn from: ``"ref"`` (base, idle, or the V2G row of a pair with
    #: no base case) or ``"v2g"`` (the worst V2G row's own arrow where it fails and the
    #: reference's does not, or fails materially less: review rev42a M1, rev43a M3)
    case: str = "ref"
    #: the failing interval written beside the arrow's number ("V2G −0.818 s"; "" where it
    #: does not fail): review rev43a M3, the finding's figure was legend text only
    value: str = ""
    #: the row's elements at the arrow's fault ("F-campus_xf fuse TC, R-816 delayed G
    #: (3I0)"): which curve each end's time is on
    elements: str = ""


#: Significant figures of an interval and its requirement in a TCC's text (review rev39b
#: M7: "0.00 s, V2G 0.00 s (need ≥ 0.00 s)" hid a 0.0024 s margin).
_FIGURES = 3


def seconds_text(x: float, need: float | None = None) -> str:
    """An interval or a required interval (s) as text: :data:`_FIGURES` significant figures,
    trailing zeros dropped (0.00241 s, 0.737 s, 12.6 s, 0.12 s), a minus sign (not a hyphen)
    before a negative one. With
    ``need`` (the required interval, s), more figures where those would not show which side
    of it ``x`` lies (0.2996 s against 0.3 s: "0.2996 s", not "0.300 s").

    Examples
    --------
    >>> seconds_text(0.0024), seconds_text(0.7367), seconds_text(12.621), seconds_text(0.0)
    ('0.0024 s', '0.737 s', '12.6 s', '0 s')
    >>> seconds_text(-0.092), seconds_text(0.2996, 0.3), seconds_text(1234.6)
    ('−0.092 s', '0.2996 s', '1235 s')
    """
    def text(v: float, figures: int) -> tuple[str, float]:
        if v == 0.0:
            return "0", 0.0
        if not np.isfinite(v):
            return f"{v:g}", v
        decimals = max(0, figures - 1 - math.floor(math.log10(abs(v))))
        out = f"{v:.{decimals}f}"
        return (out.rstrip("0").rstrip(".") if "." in out else out), float(out)

    figures = _FIGURES
    out, shown = text(x, figures)
    if need is not None and np.isfinite(need) and np.isfinite(x):
        while (shown >= text(need, figures)[1]) != (x >= need) and figures < 6:
            figures += 1
            out, shown = text(x, figures)
    return f"{out} s".replace("-", "−")


def fault_kind(label: str) -> str:
    """The bare fault type of a fault label: ``"SLG-c at 74436"`` → ``"SLG"`` (the OpenDSS
    path names the faulted phases, :func:`protv2g.pipeline_dss.fold_fault_type`; review s20:
    ``LL-ca``/``SLG-c`` matched neither plot, so the ground TCC had no arrow)."""
    return str(label).split(" ")[0].split("-")[0]


#: The mark of a ground element (51G/50G, recloser fast/delayed G) in the per-pair table's
#: ``elements_*`` (:data:`protv2g.report.derived._GROUND`: ``"R-1 51G (3I0)"``).
_GROUND_MARK = "(3I0)"


def _family_point(row: pd.Series, primary: str, backup: str, family: str,
                  tags: tuple[str, ...]) -> str | None:
    """The first fault of ``tags`` (``max``, ``min``, ``worst``) of a per-pair row whose
    times are drawn on ``family``'s plot: each device's time there is its own element's —
    phase plot: no ground element (``51G (3I0)``); ground plot: a ground fault, and each
    relay or recloser time a ground element's (a fuse is drawn on both plots). Where the
    row names no elements, the fault type decides (3ph/LL: phase, SLG/LLG: ground)."""
    for tag in tags:
        fault = fault_kind(row.get(f"{tag}_fault", ""))
        text = str(row.get(f"elements_{tag}", "") or "")
        parts = [p[len(d) + 1:] for d in (primary, backup) for p in text.split(", ")
                 if p.startswith(f"{d} ")][:2]
        if len(parts) < 2:
            if fault in (PHASE_TYPES if family == "phase" else GROUND_TYPES):
                return tag
            continue
        ground = [_GROUND_MARK in e for e in parts]
        fuse = [e.startswith("fuse") for e in parts]
        if family == "phase" and not any(ground):
            return tag
        if family == "ground" and fault in GROUND_TYPES and all(
                g or f for g, f in zip(ground, fuse, strict=True)):
            return tag
    return None


def intervals(notes: list[tuple[str, str, pd.Series, pd.Series | None]], path: list[str],
              family: str, with_status: bool = False) -> list[Interval]:
    """The :class:`Interval` (current A, t primary s, t backup s, text, …) of each pair of the
    path (``notes``: :func:`protv2g.report.tcc_sheets._pair_notes`), each time its own
    element's: on the
    phase plot the pair's maximum fault (else its worst, else its minimum) where both times
    are phase elements' (or a fuse's), at the primary's phase current; on the ground plot
    its minimum ground fault (else worst, else maximum) where they are ground elements' (or
    a fuse's), at the primary's 3I0 (a fuse's phase current, as its curve is drawn). A pair
    with no such fault has no interval on that plot.

    ``with_status``: each interval (base, V2G) followed by its own status at that fault and,
    for ``info``/``warn``, why (:mod:`protv2g.report.pair_status`) — the TCC listing's text
    (tcc35 / wbtree35 review: a C2 interval of −0.06 s above the crossover, ``info``, read as
    an undrawn failure); the drawn plots' legend keeps the bare figures (a finding links to
    each, with its status)."""
    out = []
    on = set(path)
    tags = ("max", "worst", "min") if family == "phase" else ("min", "worst", "max")
    for primary, backup, ref, v in notes:
        if primary not in on or backup not in on:
            continue
        tag = _family_point(ref, primary, backup, family, tags)
        if tag is None:
            # no reference time on this plot's elements, but the V2G row fails on them: its
            # own arrow (plot43: IEEE 34's F-L26 fuse saving, the gate's fail — R-816's
            # ground fast curve × K against F-L26's minimum melt at 856 SLG-b — was on no
            # TCC, the base row's times being R-816's phase fast curve's)
            lone = _failing_v2g(ref, v, primary, backup, family)
            if lone is not None:
                out.append(lone)
            continue
        i_a, i_b = _currents(ref, tag, primary, backup, family)
        tp, tb = float(ref[f"t_primary_{tag}_s"]), float(ref[f"t_backup_{tag}_s"])
        if not all(np.isfinite([i_a, tp, tb])) or tp <= 0 or tb <= 0:
            continue
        iv = float(ref[f"interval_{tag}_s"])
        # the reference: the base case's row, for a pair with no base case (a device that
        # comes with the project: a site transformer's fuse) its row with every charger idle
        # (equip36), else one of its V2G rows — saying "x s, V2G x s" of it read as if the
        # pair existed today (review rev36a M2)
        of = str(ref.get("case_of", "base") or "base")
        no_base = of not in ("base", IDLE_CASE)
        # the V2G row's interval at the same fault, where its times are this family's too
        vv = (float(v[f"interval_{tag}_s"]) if v is not None and not no_base
              and _family_point(v, primary, backup, family, (tag,)) == tag
              else float("nan"))

        need = float(ref["required_s"])

        def sec(x: float, need: float = need) -> str:
            return seconds_text(x, need)

        own = _state(ref, tag) if with_status else ("", "")
        other = _state(v, tag) if with_status else ("", "")
        said = ("V2G " if no_base else "idle " if of == IDLE_CASE else "")
        # the V2G row's own arrow where it fails (or warns) and the reference's does not show
        # it (review rev42a M1: ckt5's F01 drew only the idle +11.3 s, the failing V2G
        # −37.5 s — fuse at 253 A phase, 51G at 360 A 3I0 — was legend text), or shows a
        # failure materially smaller (rev43a M3: IEEE 34's idle −0.0759 s, a few pixels, the
        # finding's V2G −0.818 s legend text only); at the V2G row's worst fault where its
        # times are this plot's (the finding's figure), else at the reference's
        vtag = (_v2g_tag(v, primary, backup, family, tag) if np.isfinite(vv) else tag)
        vw = float(v[f"interval_{vtag}_s"]) if np.isfinite(vv) else float("nan")
        v_arrow = (np.isfinite(vw) and _judged(v, vtag, vw, need) in ("fail", "warn")
                   and (_judged(v, vtag, vw, need) != _judged(ref, tag, iv, need)
                        or need - vw > (1.0 + MATERIAL_SHARE) * max(need - iv, 0.0)))
        text = (f"{ref['criterion']} {primary}→{backup}: {said}{sec(iv)}"
                + (" (no base case)" if no_base else "") + _said(own)
                + (f", V2G {sec(vv)}{_said(other, own)}" if np.isfinite(vv) else "")
                + f" (need ≥ {seconds_text(need)})"
                + _worst_note(tag, i_a, (iv - need, vv - need), ref,
                              None if no_base else v, primary, backup)
                + (f" — this arrow: {said.strip() or 'base'}, {_ends(primary, backup, i_a, i_b)}"
                   if v_arrow else ""))
        # information only where every interval the text shows is (the V2G one where shown)
        shown = [_state(ref, tag)[0]] + ([_state(v, tag)[0]] if np.isfinite(vv) else [])
        failing = _judged(ref, tag, iv, need) == "fail"
        out.append(Interval(i_a, tp, tb, text, primary, backup,
                            all(st == "info" for st in shown), i_b,
                            value=f"{said}{sec(iv)}" if failing else ""))
        arrow = (_v2g_arrow(str(ref["criterion"]), v, vtag, primary, backup, family, need,
                            ref.get(f"{tag}_fault")) if v_arrow else None)
        if arrow is not None:
            out.append(arrow)
    return out


def _v2g_arrow(criterion: str, v: pd.Series, vtag: str, primary: str, backup: str,
               family: str, need: float, ref_fault: object = None, rule: str = ""
               ) -> Interval | None:
    """The V2G row's own arrow (``case`` "v2g") at its fault ``vtag``; None where its times
    or current are not there. Its text names the rule (``rule``, "" for none), the fault
    where it is not ``ref_fault`` (the one the reference's arrow is drawn at), the scenario
    and each end's time and current."""
    vi_a, vi_b = _currents(v, vtag, primary, backup, family)
    vtp, vtb = float(v[f"t_primary_{vtag}_s"]), float(v[f"t_backup_{vtag}_s"])
    if not all(np.isfinite([vi_a, vtp, vtb])) or vtp <= 0 or vtb <= 0:
        return None
    vw = float(v[f"interval_{vtag}_s"])
    sec = seconds_text(vw, need)
    fault = v.get(f"{vtag}_fault")
    where = ", ".join(str(x) for x in (None if fault == ref_fault else fault,
                                       v.get("scenario")) if isinstance(x, str) and x)
    return Interval(
        vi_a, vtp, vtb,
        f"{criterion} {primary}→{backup}{f' ({rule})' if rule else ''}: V2G {sec}"
        f"{_said(_state(v, vtag))} "
        f"(need ≥ {seconds_text(need)}) — this arrow: V2G" + (f" ({where})" if where else "")
        + f", {primary} {vtp:.3g} s at {vi_a:,.0f} A, {backup} {vtb:.3g} s at {vi_b:,.0f} A",
        primary, backup, False, vi_b, "v2g",
        value=f"V2G {sec}" if _judged(v, vtag, vw, need) == "fail" else "",
        elements=str(v.get(f"elements_{vtag}", "") or ""))


def _failing_v2g(ref: pd.Series, v: pd.Series | None, primary: str, backup: str,
                 family: str) -> Interval | None:
    """The V2G row's own arrow (:func:`_v2g_arrow`) at its worst fault where that fault fails
    (or warns) on this plot's elements, for a pair whose reference has no time on them; None
    otherwise."""
    if v is None or str(ref.get("case_of", "base") or "base") not in ("base", IDLE_CASE):
        return None
    if _family_point(v, primary, backup, family, ("worst",)) != "worst":
        return None
    need = float(ref["required_s"])
    vw = float(v["interval_worst_s"])
    if not np.isfinite(vw) or _judged(v, "worst", vw, need) not in ("fail", "warn"):
        return None
    # which rule: the pair's other intervals on this plot are another rule's (F-L26's fuse
    # TC < recloser delayed, 1.01 s)
    rule = str(v.get("rule", "") or "")
    return _v2g_arrow(str(ref["criterion"]), v, "worst", primary, backup, family, need,
                      rule=rule)


def _v2g_tag(v: pd.Series, primary: str, backup: str, family: str, tag: str) -> str:
    """The fault of a V2G per-pair row its own arrow is drawn at: its worst (the finding's
    margin) where both its times there are this plot's elements' (:func:`_family_point`),
    else ``tag`` (the reference's)."""
    return "worst" if _family_point(v, primary, backup, family, ("worst",)) == "worst" else tag


def _currents(row: pd.Series, tag: str, primary: str, backup: str, family: str
              ) -> tuple[float, float]:
    """(primary's, backup's) current (A) of a per-pair row at its fault ``tag``, each the one
    its element sees as its curve is drawn: on the ground plot a ground element's 3I0, else
    (a fuse, a phase element) the phase current. A backup's current the row has not (no
    ``i_backup_*`` column, NaN) is the primary's."""
    parts = str(row.get(f"elements_{tag}", "") or "").split(", ")

    def ground(device: str) -> bool:
        return family == "ground" and any(
            p.startswith(f"{device} ") and _GROUND_MARK in p for p in parts)

    i_p = float(row[f"i_primary_3i0_{tag}_a" if ground(primary) else f"i_primary_{tag}_a"])
    i_b = float(row.get(f"i_backup_3i0_{tag}_a" if ground(backup) else f"i_backup_{tag}_a",
                        np.nan))
    return i_p, (i_b if np.isfinite(i_b) and i_b > 0 else i_p)


def _judged(row: pd.Series | None, tag: str, interval_s: float, need_s: float) -> str:
    """The status of a per-pair row at its fault ``tag`` (:func:`_state`), or, without the
    status columns, ``fail``/``ok`` by its interval against the required one."""
    status = _state(row, tag)[0]
    return status or ("fail" if interval_s < need_s else "ok")


def _ends(primary: str, backup: str, i_primary_a: float, i_backup_a: float) -> str:
    """Where an arrow's two ends are drawn: "at 355 A" (one current), or each device's."""
    if abs(i_primary_a - i_backup_a) <= 0.02 * max(i_primary_a, i_backup_a):
        return f"at {i_primary_a:,.0f} A"
    return f"{primary} at {i_primary_a:,.0f} A, {backup} at {i_backup_a:,.0f} A"


def _worst_note(tag: str, i_a: float, shown: tuple[float, float], ref: pd.Series,
                v: pd.Series | None, primary: str, backup: str) -> str:
    """For a failing pair whose interval drawn (at its ``tag`` fault, ``i_a`` A; ``shown``:
    the base and V2G margins there, s) is not its worst margin, which fault it is drawn at
    and the pair's worst — the Findings' and the Summary's figure (review ver40b §2: J1's
    ground TCC read "C2 FU-LAT2PH→RC-MID: −476 s, V2G −356 s", the finding −386 s, and
    nothing said why). A drawn margin below the pair's worst is one on a fuse's long-time
    tail (a fuse current below its curve's first point), which
    :func:`~protv2g.findings_rows.worst_order` ranks after the margins inside the curve data;
    the note says so. "" for a pair that does not fail, or whose worst is the one drawn."""
    # the reference of a pair the base case has not is its idle row (rev41a: "base −0.651 s")
    said = "idle" if str(ref.get("case_of", "base")) == IDLE_CASE else "base"
    rows = [(label, r) for label, r in ((said, ref), ("V2G", v)) if r is not None]
    if not any(str(r.get("status", "")) == "fail" for _, r in rows):
        return ""
    worst = [(float(r["worst_margin_s"]), label, r) for label, r in rows
             if np.isfinite(float(r.get("worst_margin_s", np.nan)))]
    if not worst:
        return ""
    wm, label, r = min(worst, key=lambda x: x[0])
    need = float(r["required_s"])
    finite = [m for m in shown if np.isfinite(m)]
    if any(seconds_text(m + need) == seconds_text(wm + need) for m in finite):
        return ""  # the worst is one of the intervals drawn
    where = ", ".join(str(x) for x in (r.get("worst_fault"), r.get("scenario"))
                      if isinstance(x, str) and x)
    text = (f"; drawn at its {tag} fault ({i_a:,.0f} A); the pair's worst: {label} "
            f"{seconds_text(wm + need)}" + (f" ({where})" if where else ""))
    if any(m < wm - 1e-9 * max(1.0, abs(wm)) for m in finite):
        fuses = [p.split(" fuse ")[0] for p in str(ref.get(f"elements_{tag}", "")).split(", ")
                 if " fuse " in p and p.split(" fuse ")[0] in (primary, backup)]
        text += (f" — the one drawn rests on {fuses[0] if fuses else 'a fuse'}'s long-time "
                 "tail (its current below the curve's first point), ranked after the margins "
                 "inside the curve data")
    return text


def _state(row: pd.Series | None, tag: str) -> tuple[str, str]:
    """(status, reason) a per-pair row gives its fault ``tag``; empty without the row or the
    columns (:data:`protv2g.report.derived.POINT_STATUS_COLUMNS`)."""
    if row is None:
        return "", ""
    return tuple(str(x) if isinstance(x, str) else "" for x in (
        row.get(f"status_{tag}"), row.get(f"reason_{tag}")))  # type: ignore[return-value]


def _said(state: tuple[str, str], before: tuple[str, str] = ("", "")) -> str:
    """`` info (why)`` after an interval; ``(the same)`` for the reason the base interval
    just gave; empty without a status."""
    status, reason = state
    if reason and state == before:
        return f" {status} (the same)"
    text = status_text(status, reason)
    return f" {text}" if text else ""
