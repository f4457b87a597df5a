"""A fuse's lateral that its recloser does not see, said in the Findings sheet's own words.

Review s22 (EPRI's DG_Prot_Fdr, f2's lateral at lat2): faults on the lateral (89–140 A) lie
below recloser a's 200 A minimum trip, so nothing backs f2 up. Two criteria find it: C2
(:mod:`protv2g.checks.recloser_fuse`, mechanism ``not seen by recloser`` of
:class:`protv2g.checks.fuse_saving_range.SavingMechanism`: fuse saving is not possible) and
C5's backup-reach rows of the recloser (:mod:`protv2g.checks.sensitivity`). The C2 finding's
message spoke of fuse saving only; the finding now names the fuse, the fault currents on its
lateral, the recloser's pickup, and whether V2G changes what the recloser sees (with its
figures), so that a pre-existing condition reads as one.

Currents are the largest phase current of each device-fault row of ``result.device_faults``
(``ia_ka``/``ib_ka``/``ic_ka``, kA → A) and its 3I0 (``i3i0_ka``), over every scenario, fault
type and case at the finding's fault buses; "without V2G" is the base scenarios
(``result.scenarios.is_base``). No new physics: the engine's rows as the checks read them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.result_rows import device_rows
from protv2g.text_codes import text_codes

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["NOT_SEEN", "unseen_lateral_texts"]

#: The C2 mechanism of a fault the recloser does not see
#: (:class:`protv2g.checks.fuse_saving_range.SavingMechanism`).
NOT_SEEN = "not seen by recloser"


def _range(x: np.ndarray) -> str:
    x = x[np.isfinite(x)]
    if not x.size:
        return "none"
    lo, hi = float(x.min()), float(x.max())
    return f"{lo:,.0f} A" if round(lo) == round(hi) else f"{lo:,.0f}–{hi:,.0f} A"


def unseen_lateral_texts(findings: pd.DataFrame, evidence: pd.DataFrame,
                         result: StudyResult, models: dict[str, Any]) -> dict[str, str]:
    """Finding id → what the lateral's missing backup is, for each C2 finding whose
    mechanism is :data:`NOT_SEEN`: ``"no backup on f2's lateral (lat2): faults there carry
    89–142 A through f2, below a's minimum trip 200 A (phase; ground off); a sees 89–140 A
    without V2G, 50–113 A with V2G: pre-existing, V2G lowers what a sees"``.

    Parameters
    ----------
    findings : DataFrame
        :data:`protv2g.findings.FINDING_COLUMNS`.
    evidence : DataFrame
        The findings' evidence rows (``finding``, ``fault_bus``).
    result : StudyResult
        ``device_faults`` (:data:`protv2g.report.elements.FAULT_KEY` columns and currents)
        and ``scenarios`` (``scenario``, ``is_base``).
    models : dict
        Device name → model (the recloser's ``settings``).
    """
    need = {"finding", "criterion", "mechanism", "device", "other_device"}
    held = device_rows(result)  # the held rows while the result holds them (held36, #21)
    df = held.faults
    if (findings.empty or not need <= set(findings.columns) or not isinstance(df, pd.DataFrame)
            or df.empty or "fault_bus_name" not in df.columns):
        return {}
    hit = findings[(findings["criterion"].astype(str) == "C2")
                   & (findings["mechanism"].astype(str) == NOT_SEEN)]
    out: dict[str, str] = {}
    sc = result.scenarios
    base = (set(sc.loc[sc["is_base"].astype(bool), "scenario"].astype(str))
            if isinstance(sc, pd.DataFrame) and {"scenario", "is_base"} <= set(sc.columns)
            else set())
    if hit.empty:
        return out
    # #21: the device table's fault buses coded once, each finding's rows found by code (the
    # 10,000-bus study's 1.8 M rows were written as text and searched once per finding:
    # ≈ 4.7 s of ``isin`` for 50 findings); the evidence's buses grouped by finding once
    bus_codes, bus_texts = text_codes(df["fault_bus_name"])
    bus_code = {t: k for k, t in enumerate(bus_texts.tolist())}
    hit_ids = set(hit["finding"].astype(str))
    ev = evidence[evidence["finding"].astype(str).isin(hit_ids)]
    ev_buses: dict[str, set[str]] = {}
    for fid, bus in zip(ev["finding"].astype(str), ev["fault_bus"], strict=True):
        if not pd.isna(bus):
            ev_buses.setdefault(fid, set()).add(str(bus))
    for f in hit.itertuples(index=False):
        rc, fuse = str(f.device), str(f.other_device)
        model = models.get(rc)
        s = getattr(model, "settings", None)
        if s is None or not hasattr(s, "phase_min_trip_a"):
            continue
        buses = sorted(ev_buses.get(str(f.finding), ()))
        wanted = np.zeros(len(bus_texts), dtype=bool)
        wanted[[bus_code[b] for b in buses if b in bus_code]] = True
        rows = df.iloc[np.flatnonzero(wanted[bus_codes])]
        cur = {}
        for who in (rc, fuse):
            d = rows[rows["device"].astype(str) == who]
            ip = 1000.0 * d[["ia_ka", "ib_ka", "ic_ka"]].to_numpy(dtype=float).max(axis=1)
            # a held row is the row of each of its scenarios: on the base side when one of
            # them is a base case, on the V2G side when one is not (ranges over repeated
            # rows are the same)
            names = d["scenario"].astype(str).to_numpy().tolist()
            distinct = sorted(set(names))
            sides = {n: (any(t in base for t in ts), any(t not in base for t in ts))
                     for n, ts in zip(distinct, held.shown_as(distinct), strict=True)}
            on_base = np.array([sides[n][0] for n in names], dtype=bool)
            on_v2g = np.array([sides[n][1] for n in names], dtype=bool)
            cur[who] = (ip, on_base, on_v2g)
        ip_f, _, _ = cur[fuse]
        ip_r, on_base, on_v2g = cur[rc]
        att = str(getattr(f, "attribution", "") or "")
        what = ("a pre-existing condition" if att in ("", "pre-existing")
                else f"attribution: {att}")
        ground = (f"ground {s.ground_min_trip_a:g} A" if s.ground_min_trip_a is not None
                  else "ground off")
        text = (f"no backup on {fuse}'s lateral ({', '.join(buses)}): faults there carry "
                f"{_range(ip_f)} through {fuse}, below {rc}'s minimum trip "
                f"{s.phase_min_trip_a:g} A (phase; {ground})")
        if base and on_base.any() and on_v2g.any():
            b, v = _range(ip_r[on_base]), _range(ip_r[on_v2g])
            lo_b, lo_v = np.nanmin(ip_r[on_base]), np.nanmin(ip_r[on_v2g])
            change = ("V2G lowers what it sees" if lo_v < lo_b - 0.5 else
                      "V2G raises what it sees" if lo_v > lo_b + 0.5 else
                      "V2G does not change it")
            text += f"; {rc} sees {b} without V2G, {v} with V2G: {what}, {change}"
        else:
            text += f"; {rc} sees {_range(ip_r)}: {what}"
        out[str(f.finding)] = text
    return out
