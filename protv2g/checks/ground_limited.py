"""C1 fuse→relay rows at ground faults the feeder's grounding limits: by design, ``info``.

On an impedance-grounded feeder (a neutral grounding resistor or reactor at the substation:
low-resistance grounding limits a single-line-to-ground fault to a few hundred amperes, the
100–1000 A of IEEE Std 142-2007 §1.4.3) a lateral fuse is not the ground-fault protection:
at the current the grounding lets through, an expulsion link of the lateral's rating melts in
minutes or not at all, and the feeder's ground relay (51G, residual) clears every ground fault
— the reason low-resistance grounding needs ground relays (IEEE 142 §1.4.3; U.S. Army TM
5-683 / NAVFAC MO-116 §6 "the limited available ground fault current is insufficient to
positively operate … fuses"). A fault on the fused lateral then trips the feeder breaker: a
property of the feeder's grounding design, not a setting to fix, and C1's interval there is
not something V2G can be blamed for (review rev44b M2, a 13.8 kV feeder with a 20 Ω NGR:
"fail: C1 head-c1 / fdep … made worse by V2G, margin −315.1 s" for a 140T link that clears the
feeder's 425 A ground fault in 184 s without V2G).

**Rule.** A failing C1 row of a fuse primary and a relay backup is ``info``, mechanism
:data:`GROUND_LIMITED`, when all of these hold on the row and on its base twin (the same pair,
fault, type and case without V2G, :func:`~protv2g.checks.fuse_saving_range.base_twin`; a row
without a twin on its own):

* the fault is a ground fault (SLG, LLG) and the relay's time is its ground element's;
* the feeder is **not effectively grounded at the relay** (IEEE Std C62.92.1: effectively
  grounded means ``X0/X1 ≤ 3`` and ``R0/X1 ≤ 1``): the relay's largest bolted SLG current
  without V2G, maximum case, is below :data:`EFFECTIVE_SLG_RATIO` × its largest three-phase
  current. An effectively grounded point cannot be below it: ``I_SLG/I_3ph = 3|Z1|/|2Z1+Z0|``
  and ``|2Z1+Z0| ≤ 2|Z1| + √10·X1 ≤ (2+√10)|Z1|``. At a feeder head (short lines) only the
  source's grounding impedance brings the ratio below it;
* the fuse's total clearing exceeds :data:`FUSE_USEFUL_S` (10 s): the high end of utility
  practice for the slowest clearing at a zone's end
  (:data:`~protv2g.criteria.ZONE_END_CLEARING_BRACKET_S`) and the shortest standard time
  rating of a neutral grounding resistor (10 s, IEEE Std C57.32-2015, recalled): a ground
  fault the fuse takes longer on must be cleared by the relay, whatever its setting.

Where V2G changes the pair's outcome it is judged as before: a twin that passes, or is a
plain failure (the fuse inside its useful time), keeps the row ``fail`` and the attribution
compares margins. A row that is ``info`` by this rule is ``pre-existing`` (the relay's ground
element clears that fault first with and without V2G: V2G's change of the fuse's current —
the chargers' positive-sequence current returning through it — does not change who clears).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._keys import keys_of
from protv2g.checks._rows import column_at
from protv2g.checks.fuse_saving_range import base_twin, is_ground_fault
from protv2g.checks.operating_element import OperatingElement
from protv2g.criteria import ZONE_END_CLEARING_BRACKET_S
from protv2g.violations import CheckStatus

__all__ = ["EFFECTIVE_SLG_RATIO", "FUSE_USEFUL_S", "GROUND_LIMITED", "by_design_attributed",
           "by_design_mechanism", "ground_limited", "ground_limited_message", "slg_ratio"]

#: The mechanism of a C1 row this module makes ``info`` (the violation row's ``mechanism``).
GROUND_LIMITED = ("ground fault limited by the feeder's grounding: the backup's ground "
                  "element clears it by design")
#: ``I_SLG / I_3ph`` below which a point is not effectively grounded (module docstring):
#: ``3 / (2 + √10)`` ≈ 0.581.
EFFECTIVE_SLG_RATIO = 3.0 / (2.0 + math.sqrt(10.0))
#: The fuse's useful clearing time for a ground fault, s (module docstring).
FUSE_USEFUL_S = ZONE_END_CLEARING_BRACKET_S[1]

_CACHE = "ground-limited slg ratio"
_CACHE_ALL = "ground-limited slg ratios by code"


def slg_ratio(ctx: Any, relay: str) -> float:
    """The relay's SLG phase current over its three-phase current at the fault where the
    latter is largest (its terminal), the base cases' maximum case (NaN where either is not
    known); every relay's at the first call, on the context's key codes
    (:func:`_ratios_by_code`), else once per relay."""
    known = ctx.cache.setdefault(_CACHE, {})
    if relay in known:
        return known[relay]
    every = ctx.cache.get(_CACHE_ALL, False)
    if every is False:
        every = ctx.cache[_CACHE_ALL] = _ratios_by_code(ctx)
    out = every.get(relay, math.nan) if every is not None else _ratio_of(ctx, relay)
    known[relay] = out
    return out


def _ratio_of(ctx: Any, relay: str) -> float:
    """:func:`slg_ratio` of one relay read from the fault table's columns (a context
    without key codes)."""
    f = ctx.faults
    out = math.nan
    if f is not None and len(f):
        bases = set(ctx.base_of.values())
        # the relay's rows first (one comparison over the device table), the text columns
        # read on those only (#21: astype(str) of three 1.8-million-row columns per relay
        # cost the 10,000-bus study's checks 0.3 s and 107 MB)
        mine = np.flatnonzero((f["device"] == relay).to_numpy(dtype=bool))
        sub = f.iloc[mine]
        at = mine[(sub["case"].astype(str).to_numpy() == "max")
                  & sub["scenario"].astype(str).isin(bases).to_numpy()]
        ft = f["fault_type"].iloc[at].astype(str).to_numpy()
        i_a = pd.to_numeric(f["i_phase_a"].iloc[at], errors="coerce").to_numpy(float)
        bus = f["fault_bus"].iloc[at].to_numpy()
        out = _ratio(i_a, bus, ft == "3ph", np.char.startswith(ft.astype(str), "SLG"))
    return out


def _ratio(i_a: np.ndarray, bus: np.ndarray, three_phase: np.ndarray, slg: np.ndarray
           ) -> float:
    """One relay's ratio from its rows (in table order): the SLG rows' largest phase current
    at the bus of its largest three-phase current (the first such row), over the latter."""
    three = np.flatnonzero(three_phase & np.isfinite(i_a))
    if len(three) and i_a[three].max() > 0.0:
        # at the fault of its largest three-phase current (its terminal, the close-in
        # position): a ground fault beyond a transformer (a Dyn plant transformer's
        # secondary) reaches it as phase-to-phase current, not limited by its grounding
        k = three[np.argmax(i_a[three])]
        at = i_a[(bus == bus[k]) & slg]
        if len(at) and np.isfinite(at).any():
            return float(np.nanmax(at) / i_a[k])
    return math.nan


def _ratios_by_code(ctx: Any) -> dict[str, float] | None:
    """:func:`slg_ratio` of every device of the fault table in one pass over the context's
    key codes (:class:`~protv2g.checks._keys.FaultKeys`: scenario, bus, fault type and case
    read off each row's fault code, the texts tested once per distinct value); ``None``
    without codes. #21: the per-relay pass copied each relay's rows and converted three
    text columns (the head relay sees every fault: 0.3 s CPU of the 10,000-bus checks)."""
    f = ctx.faults
    if f is None or not len(f):
        return {}
    keys = keys_of(ctx)
    if keys is None or len(keys.levels) != 4 or keys.combined is None:
        return None
    texts = [[str(v) for v in level] for level in keys.levels]
    sizes = [max(len(t), 1) for t in texts]
    bases = set(ctx.base_of.values())
    in_base = np.array([t in bases for t in texts[0]] + [False], dtype=bool)
    at_max = np.array([t == "max" for t in texts[3]] + [False], dtype=bool)
    three = np.array([t == "3ph" for t in texts[2]] + [False], dtype=bool)
    slg = np.array([t.startswith("SLG") for t in texts[2]] + [False], dtype=bool)

    def parts(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(scenario, bus, type, case) codes of raw fault codes
        (``((scenario·nb + bus)·nt + type)·nc + case``)."""
        case, raw = raw % sizes[3], raw // sizes[3]
        kind, raw = raw % sizes[2], raw // sizes[2]
        return raw // sizes[1], raw % sizes[1], kind, case

    # each distinct fault tested once, its rows by their fault code
    scenario, _, kind, case = parts(keys.combined)
    wanted = in_base[scenario] & at_max[case] & (three | slg)[kind]
    sel = np.flatnonzero(wanted[keys.fault])
    if not len(sel):  # no maximum-case 3ph/SLG row of a base case (a study of other types)
        return {}
    _, bus, kind, _ = parts(keys.combined[keys.fault[sel]])
    i_a = pd.to_numeric(f["i_phase_a"].iloc[sel], errors="coerce").to_numpy(float)
    device = keys.device[sel]
    order = np.argsort(device, kind="stable")  # each device's rows in table order
    starts = np.flatnonzero(np.r_[True, device[order][1:] != device[order][:-1]])
    out: dict[str, float] = {}
    for lo, hi in zip(starts.tolist(), [*starts[1:].tolist(), len(order)], strict=True):
        rows = order[lo:hi]
        out[str(keys.names[device[rows[0]]])] = _ratio(
            i_a[rows], bus[rows], three[kind[rows]], slg[kind[rows]])
    return out


def ground_limited(ctx: Any, m: pd.DataFrame, sel: np.ndarray, margin: np.ndarray,
                   b_element: np.ndarray, t_fuse_s: np.ndarray) -> np.ndarray:
    """``(len(m),)`` bool: the C1 fuse→relay rows ``sel`` of ``m`` that are ``info`` by the
    module's rule.

    Parameters
    ----------
    ctx : CheckContext
    m : DataFrame
        :func:`protv2g.checks.pairs.merged` (``scenario``, ``p_fault_bus_name``,
        ``fault_type``, ``case``, ``primary``, ``backup``, ``p_kind``).
    sel : ndarray of bool
        The C1 rows (a relay backing up a relay or fuse, the primary operating).
    margin : ndarray
        C1's margin (s), negative where it fails.
    b_element : ndarray of int
        The backup's operating element (:class:`~protv2g.checks.operating_element.
        OperatingElement` codes).
    t_fuse_s : ndarray
        The primary's clearing time (s): a fuse's total clearing.
    """
    out = np.zeros(len(m), dtype=bool)
    with np.errstate(invalid="ignore"):
        own = (sel & (m.p_kind.to_numpy() == "fuse") & (margin < 0.0)
               & (np.asarray(b_element) == OperatingElement.GROUND)
               & (t_fuse_s > FUSE_USEFUL_S))
    if not own.any():
        return out
    at = np.flatnonzero(own)  # the ground-fault test on those rows only (#21)
    own[at[~is_ground_fault(column_at(m["fault_type"], at))]] = False
    backups = m.backup.to_numpy()
    for relay in np.unique(backups[own]).tolist():
        if not slg_ratio(ctx, str(relay)) < EFFECTIVE_SLG_RATIO:
            own &= backups != relay
    if not own.any():
        return out
    # each row's base twin among the C1 fuse rows (the twin must be limited too)
    pool = np.flatnonzero(sel & (m.p_kind.to_numpy() == "fuse"))
    frame = pd.DataFrame({"scenario": m.scenario.to_numpy()[pool],
                          "fault_bus": m.p_fault_bus_name.to_numpy()[pool],
                          "fault_type": m.fault_type.to_numpy()[pool],
                          "case": m.case.to_numpy()[pool],
                          "primary": m.primary.to_numpy()[pool], "backup": backups[pool]})
    twin = base_twin(frame, ctx.base_of)
    has = twin >= 0
    limited = own[pool] & np.where(has, own[pool][np.where(has, twin, 0)], True)
    out[pool] = limited
    return out


def _twin_figures(ctx: Any) -> dict[tuple, tuple[float, float]]:
    """(base scenario, fault bus, type, case, primary, backup) → the fuse's current (A) and
    total clearing (s) on the base case's ``info`` C1 rows (once per context)."""
    known = ctx.cache.get("ground-limited twins")
    if known is not None:
        return known
    c = ctx.coordination
    known = {}
    if c is not None and len(c):
        b = c[(c.criterion == "C1") & (c.status.astype(str) == "info")
              & c.scenario.astype(str).isin(set(ctx.base_of.values()))]
        for r in b.itertuples(index=False):
            known.setdefault((str(r.scenario), str(r.fault_bus), str(r.fault_type),
                              str(r.case), str(r.primary), str(r.backup)),
                             (float(r.i_primary_a), float(r.t_primary_s)))
    ctx.cache["ground-limited twins"] = known
    return known


def ground_limited_message(ctx: Any, r: Any, where: str, export: str) -> str:
    """The message of an ``info`` row of the rule (``r``: its coordination row)."""
    ratio = slg_ratio(ctx, str(r.backup))
    base = str(ctx.base_of.get(str(r.scenario), ""))
    twin = _twin_figures(ctx).get((base, str(r.fault_bus), str(r.fault_type), str(r.case),
                                   str(r.primary), str(r.backup)))
    own = f"{r.primary} carries {r.i_primary_a:,.1f} A and clears in {r.t_primary_s:.3g} s"
    if twin is None or base == str(r.scenario):
        figures = f"here {own}"
        v2g = ""
    else:
        figures = (f"without V2G {r.primary} carries {twin[0]:,.1f} A here and clears in "
                   f"{twin[1]:.3g} s")
        # the first cycle's current beside a time the chargers' later stages set (ver45:
        # "carries 301.9 A and clears in 369 s", the 369 s at the sustained 383.5 A)
        v2g = (f"; {export}: {r.primary} carries {r.i_primary_a:,.1f} A in the first cycle "
               f"and clears in {r.t_primary_s:.3g} s (the chargers' later stages set that time:"
               f" the Pair coordination sheet's I primary at t), {r.backup} still first — V2G "
               "does not change who clears")
    return (f"by design: ground faults on this impedance-grounded feeder are cleared by "
            f"{r.backup}'s ground element ({r.t_backup_s:.3g} s for {where}); {r.primary} "
            f"does not clear them within {FUSE_USEFUL_S:g} s — {figures} (at {r.backup} the "
            f"bolted SLG is {ratio:.1%} of the three-phase fault: not effectively grounded, "
            f"IEEE C62.92.1, so the grounding sets the ground-fault current){v2g}. A ground "
            f"fault beyond {r.primary} trips {r.backup}: the feeder's grounding design, not "
            "judged as a fuse–relay interval")


def _limited_rows(v: pd.DataFrame) -> np.ndarray:
    """The C1 ``info`` rows: only this module's rule makes a C1 row ``info``."""
    return ((v["criterion"].astype(str).to_numpy() == "C1")
            & (v["status"].astype(str).to_numpy() == CheckStatus.INFO.value))


def by_design_mechanism(bad: pd.DataFrame) -> np.ndarray:
    """Each failing C1/C3/C4 coordination row's ``mechanism``: :data:`GROUND_LIMITED` on the
    rows of the rule, "" elsewhere (object array)."""
    return np.array(["", GROUND_LIMITED], dtype=object)[_limited_rows(bad).astype(np.intp)]


def by_design_attributed(v: pd.DataFrame) -> pd.DataFrame:
    """Violation rows ``v`` with the rule's rows attributed ``pre-existing`` (a row whose
    check set an attribution keeps it: :func:`protv2g.checks.attribution.attribute`)."""
    limited = _limited_rows(v) if len(v) else np.zeros(0, dtype=bool)
    if not limited.any():
        return v
    att = (v["attribution"].astype(object).fillna("").to_numpy(dtype=object)
           if "attribution" in v.columns else np.full(len(v), "", dtype=object))
    v = v.copy(deep=False)
    v["attribution"] = np.where(limited & (att == ""), "pre-existing", att)
    return v
