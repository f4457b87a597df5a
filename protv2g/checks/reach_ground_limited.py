"""C5 rows of a fuse at ground faults the feeder's grounding limits: by design, ``info``.

The C5 side of :mod:`.ground_limited` (C1's rule, review rev44b M2; session 45 ngr45): on an
impedance-grounded feeder a lateral fuse is not the ground-fault protection — at the few
hundred amperes a neutral resistor lets through (IEEE Std 142-2007 §1.4.3) its link melts in
minutes or not at all, and the feeder's ground relay clears the fault (IEEE 142 §1.4.3; TM
5-683 / NAVFAC MO-116 §6). A fuse that does not reach such a fault with its minimum melting
current is then a property of the grounding design, not a reach failure V2G is blamed for
(f3, 20 Ω NGR: "fail: C5 fdep: fdep sees 109 A for a SLG-a fault at dp … made worse by V2G").

**Rule.** A failing C5 row of a fuse is ``info``, mechanism
:data:`~protv2g.checks.ground_limited.GROUND_LIMITED`, attributed ``pre-existing``, when on the
row **and** on its base twin (the same fuse, fault bus, fault type and case without V2G; a row
without a twin on its own):

* the fault is a ground fault (SLG, LLG);
* a relay or recloser judged on its **ground element** at that fault *reaches* it — its own C5
  zone row there has ``I / pickup`` at least its factor (1.5 primary zone, 1.2 backup): C5's
  own judgement of the 51G, so a 51G that does not reach keeps the fuse's row a failure
  (nobody clears the fault), and the relay's own row stands as C5 judges it;
* that relay is not effectively grounded (IEEE Std C62.92.1, the bound
  :data:`~protv2g.checks.ground_limited.EFFECTIVE_SLG_RATIO` of
  :func:`~protv2g.checks.ground_limited.slg_ratio`).

A twin that passes (the fuse reaches the fault without V2G) or whose twin is not limited keeps
the row a ``fail``/``warn`` with its ordinary attribution: there V2G changes the outcome.

C5's **reduction-of-reach** ``warn`` of such a fuse (V2G lowers its current by more than 10 %)
is ``info`` by the same test (the V2G row and its base twin both short, the relay's 51G
reaching both): the fuse's current moves, who clears does not (f3: "reach of fdep reduced:
284 A instead of 348 A without V2G", both under 1.5 × its 310 A minimum melting current).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.checks.ground_limited import EFFECTIVE_SLG_RATIO, slg_ratio
from protv2g.devices.kinds import kind_of

__all__ = ["by_design_rows", "limited_reach"]

_KEY = ("scenario", "fault_bus", "fault_type", "case")


def _relays_reaching(m: pd.DataFrame, is_relay: np.ndarray, ground: np.ndarray,
                     faults: pd.DataFrame) -> pd.DataFrame:
    """Per fault key of ``faults``: the relay (``is_relay``: rows of ``m`` of a relay not
    effectively grounded) whose ground element (``ground``: rows judged on it) reaches it in
    ``m``, the largest ``I / pickup`` first (columns ``_KEY``, ``relay``, ``relay_ratio``,
    ``relay_factor``)."""
    keys = list(_KEY)
    at = np.flatnonzero(is_relay & ground)
    cand = m.iloc[at][[*keys, "device", "ratio", "factor"]]
    cand = cand[cand["ratio"].to_numpy(float) >= cand["factor"].to_numpy(float) - 1e-12]
    cand = cand.merge(faults[keys].drop_duplicates(), on=keys)
    cand = cand.sort_values("ratio", ascending=False, kind="stable").drop_duplicates(keys)
    return cand.rename(columns={"device": "relay", "ratio": "relay_ratio",
                                "factor": "relay_factor"})


def _by_value(values: np.ndarray, test: Any) -> np.ndarray:
    """``test`` of each value, evaluated once per distinct value (bool array)."""
    codes, uniques = pd.factorize(values)
    flags = np.array([bool(test(u)) for u in uniques.tolist()] + [False], dtype=bool)
    return flags[codes]


def _ground(fault_type: Any) -> bool:
    """:func:`~protv2g.checks.fuse_saving_range.is_ground_fault` of one fault type."""
    return bool(is_ground_fault([fault_type])[0])


def limited_reach(ctx: Any, m: pd.DataFrame, at: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The failing zone rows ``m.iloc[at]`` the module's rule makes ``info``: ``(limited,
    notes)``, a ``(len(at),)`` bool array and each limited row's message (object, "" else).

    ``m``: C5's zone rows (:func:`protv2g.checks.sensitivity._zone_rows`, every device at
    every bus of its zones in the minimum case, passing or not: ``ratio``, ``factor``,
    ``element``, ``i_op_a``). Cheap where the rule cannot apply: the failing rows' fuses and
    the ground-element relays' grounding are looked at before any join; the device names
    factorised once, every membership test on their codes (#21: ``np.isin`` of the 428,000
    zone rows' names, three per call, 0.15 s CPU at 10,000 buses)."""
    n = len(at)
    limited = np.zeros(n, dtype=bool)
    notes = np.full(n, "", dtype=object)
    devices = getattr(ctx, "devices", None) or {}
    code, names = pd.factorize(m["device"].to_numpy())
    code = code.astype(np.intp)
    names = [str(d) for d in names.tolist()]
    is_fuse = np.array([d in devices and kind_of(devices[d]).role == "fuse" for d in names]
                       + [False], dtype=bool)
    cand = np.flatnonzero(is_fuse[code[at]])
    kind = (m["fault_kind"] if "fault_kind" in m else m["fault_type"]).to_numpy()
    cand = cand[_by_value(kind[at[cand]], _ground)] if len(cand) else cand
    if not len(cand):
        return limited, notes
    ground = m["element"].to_numpy() == "ground"
    grounded = np.zeros(len(names) + 1, dtype=bool)
    grounded[code[ground]] = True
    relay = np.array([bool(grounded[k]) and slg_ratio(ctx, d) < EFFECTIVE_SLG_RATIO
                      for k, d in enumerate(names)] + [False], dtype=bool)
    if not relay.any():
        return limited, notes
    keys = list(_KEY)
    cols = [*keys, "device", "fault_bus_name", "ratio", "factor", "i_op_a"]
    # the candidates' fuses at ground faults, failing or not (the twins), and who reaches
    mine = np.zeros(len(names) + 1, dtype=bool)
    mine[code[at[cand]]] = True
    own = np.flatnonzero(mine[code])
    own = own[_by_value(kind[own], _ground)]
    rows = m.iloc[own][cols].reset_index(drop=True)
    rows = rows.merge(_relays_reaching(m, relay[code], ground, rows), on=keys, how="left")
    short = (rows["ratio"].to_numpy(float) < rows["factor"].to_numpy(float) - 1e-12) \
        & rows["relay"].notna().to_numpy()
    index = {(*k, d): j for j, (k, d) in enumerate(zip(
        rows[keys].itertuples(index=False, name=None), rows["device"].tolist(), strict=True))}
    sub = m.iloc[at[cand]]
    for j, k, d in zip(cand.tolist(), sub[keys].itertuples(index=False, name=None),
                       sub["device"].tolist(), strict=True):
        r = index.get((*k, d))
        if r is None or not short[r]:
            continue
        base = ctx.base_of.get(str(k[0]), "")
        twin = index.get((base, *k[1:], d)) if base and base != k[0] else None
        if twin is not None and not short[twin]:
            continue  # the fuse reaches it without V2G, or nobody does: V2G decides
        limited[j] = True
        notes[j] = _note(ctx, rows.iloc[r], None if twin is None
                         else float(rows["i_op_a"].iat[twin]))
    return limited, notes


def _note(ctx: Any, r: Any, i_twin_a: float | None) -> str:
    """The message of a limited row ``r`` (its fuse's figures and its relay's)."""
    fault = ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)
    twin = ("" if i_twin_a is None else
            f"; without V2G it sees {i_twin_a:,.0f} A, {r.relay} reaching it either way — "
            "V2G does not change who clears")
    return (f"by design: {r.device} sees {r.i_op_a:,.0f} A for {fault} "
            f"{ctx.export_text(r.scenario)}, {r.ratio:.2f} × its minimum melting current "
            f"(under {r.factor:g}): ground faults on this impedance-grounded feeder are "
            f"cleared by {r.relay}'s ground element, which reaches this one "
            f"({r.relay_ratio:.2f} × its ground pickup, needs {r.relay_factor:g}); at "
            f"{r.relay} the bolted SLG is {slg_ratio(ctx, str(r.relay)):.1%} of the "
            "three-phase fault: not effectively grounded (IEEE C62.92.1), so the grounding "
            f"sets the ground-fault current and a lateral fuse is not the ground protection "
            f"(IEEE 142-2007 §1.4.3){twin}. A ground fault beyond {r.device} trips "
            f"{r.relay}: the feeder's grounding design, not judged as the fuse's reach")


def by_design_rows(rows: pd.DataFrame, limited: np.ndarray, notes: np.ndarray) -> None:
    """C5's violation ``rows`` (in place, rows the check has just made): the ``limited`` ones
    given their message ``notes`` and attributed ``pre-existing`` (an attribution already set,
    the equipment's, kept)."""
    att = rows["attribution"].astype(object).fillna("").to_numpy(dtype=object)
    rows["attribution"] = np.where(limited & (att == ""), "pre-existing", att).astype(object)
    rows["message"] = np.where(limited, notes, rows["message"].astype(str).to_numpy(object)
                               ).astype(object)
