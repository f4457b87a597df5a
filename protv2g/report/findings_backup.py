"""A fuse's lateral that its recloser does not see, said in the Findings sheet's own words.

Review s22 (EPRI's DG_Prot_Fdr, f2's lateral at lat2): faults on the lateral (89–140 A) lie
below recloser a's 200 A minimum trip, so nothing backs f2 up. Two criteria find it: C2
(:mod:`protv2g.checks.recloser_fuse`, mechanism ``not seen by recloser`` of
:class:`protv2g.checks.fuse_saving_range.SavingMechanism`: fuse saving is not possible) and
C5's backup-reach rows of the recloser (:mod:`protv2g.checks.sensitivity`). The C2 finding's
message spoke of fuse saving only; the finding now names the fuse, the fault currents on its
lateral, the recloser's pickup, and whether V2G changes what the recloser carries (with its
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


#: Ground faults (the fault types that draw zero sequence) and the share of the fuse's current
#: below which the recloser's 3I0 is taken as blocked by a delta (or ungrounded-wye) winding
#: between them: a Dyn transformer passes no zero sequence to its primary (IEEE Std
#: C57.12.00 connections; review rev38a M2: 3 A at r_mid for a 355 A SLG fault behind
#: campus_xf, Dyn).
_GROUND = ("SLG", "LLG")
_BLOCKED_SHARE = 0.05
#: The device-row columns :func:`_unseen_text` reads.
_READ = frozenset({"scenario", "device", "fault_bus_name", "fault_type", "case", "ia_ka",
                   "ib_ka", "ic_ka", "i3i0_ka"})


def _sides(names: list[str], base: set[str], held: Any) -> tuple[np.ndarray, np.ndarray]:
    """Whether each row of scenario ``names`` is on the base side, and on the V2G side: a held
    row is the row of each of its scenarios (on the base side when one of them is a base case,
    on the V2G side when one is not; ranges over repeated rows are the same)."""
    distinct = sorted(set(names))
    sides = {n: (any(t in base for t in ts), any(t not in base for t in ts))
             for n, ts in zip(distinct, held.shown_as(distinct), strict=True)}
    return (np.array([sides[n][0] for n in names], dtype=bool),
            np.array([sides[n][1] for n in names], dtype=bool))


def _nth(key: np.ndarray) -> np.ndarray:
    """Each row's count of earlier rows with its ``key`` (``groupby(key).cumcount()``)."""
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    start = np.flatnonzero(np.concatenate([[True], ranked[1:] != ranked[:-1]]))
    first = np.repeat(start, np.diff(np.append(start, len(key))))
    out = np.empty(len(key), dtype=np.int64)
    out[order] = np.arange(len(key)) - first
    return out


def _paired(keys: np.ndarray, in_r: np.ndarray, in_f: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Positions (among ``keys``' rows) of the recloser's rows ``in_r`` and the fuse's rows
    ``in_f`` paired on the fault: the same key, the n-th row of a key on one side with the
    n-th on the other (rows repeated on one fault, a held row of several stages, paired in
    their order), in the recloser's row order — the rows of pandas' inner ``merge`` on the
    key and ``groupby(key).cumcount()``."""
    r, f = np.flatnonzero(in_r), np.flatnonzero(in_f)
    kr, kf = keys[r], keys[f]
    width = max(len(r), len(f)) + 1
    tag_r, tag_f = kr * width + _nth(kr), kf * width + _nth(kf)
    _, at_r, at_f = np.intersect1d(tag_r, tag_f, assume_unique=True, return_indices=True)
    order = np.argsort(at_r, kind="stable")
    return r[at_r[order]], f[at_f[order]]


def _unseen_text(rows: pd.DataFrame, rc: str, fuse: str, buses: list[str], s: Any,
                 base: set[str], held: Any, att: str) -> str:
    """The finding's text from the device rows at its buses: the faults the recloser does
    not see — its largest phase current below its phase minimum trip and its 3I0 below its
    ground minimum trip (or no ground element) — with the fuse's currents for them, the
    recloser's own, and how many fault rows there it does see (review rev38a M2: "faults
    there carry 307–548 A through f_campus, below r_mid's minimum trip 460 A" where 548 A is
    above it). Rows of the two devices are paired on the fault (scenario, bus, type, case)."""
    key = [c for c in ("scenario", "fault_bus_name", "fault_type", "case") if c in rows]
    # the fault's key and the device as codes (#21: pandas' groupby, merge and assign on each
    # finding's few hundred rows were ≈ 10 ms a finding; the same pairs)
    coded = {c: text_codes(rows[c]) for c in key}
    keys = np.zeros(len(rows), dtype=np.int64)
    for codes, texts in coded.values():
        keys = keys * len(texts) + codes
    dev = rows["device"].astype(str).to_numpy()
    in_r, in_f = dev == rc, dev == fuse
    at_r, at_f = _paired(keys, in_r, in_f)

    def paired_texts(column: str) -> np.ndarray:  # the key column's text of each pair
        codes, texts = coded[column]
        return texts[codes[at_r]]

    ip = ["ia_ka", "ib_ka", "ic_ka"]
    phases = rows[ip].to_numpy(dtype=float)
    i3i0 = rows["i3i0_ka"].to_numpy(dtype=float)
    ip_r = 1000.0 * phases[at_r].max(axis=1)
    ip_f = 1000.0 * phases[at_f].max(axis=1)
    i0_r = 1000.0 * np.abs(i3i0[at_r])
    g_trip = s.ground_min_trip_a
    with np.errstate(invalid="ignore"):
        unseen = (ip_r < float(s.phase_min_trip_a)) & (
            (i0_r < float(g_trip)) if g_trip is not None else True)
    types = (paired_texts("fault_type") if "fault_type" in coded
             else np.full(len(at_r), "", dtype=object))
    what = ("a pre-existing condition" if att in ("", "pre-existing")
            else f"attribution: {att}")
    ground = f"ground {g_trip:g} A" if g_trip is not None else "ground off"
    if not len(at_r):  # no fault of the two devices pairs up: the devices' own ranges
        ip_r = 1000.0 * phases[in_r].max(axis=1)
        ip_f = 1000.0 * phases[in_f].max(axis=1)
        return (f"no backup on {fuse}'s lateral ({', '.join(buses)}): faults there carry "
                f"{_range(ip_f)} through {fuse}; {rc}'s minimum trip {s.phase_min_trip_a:g} A "
                f"(phase; {ground}), {rc} carries {_range(ip_r)}: {what}")
    if not unseen.any():  # the rows say the recloser sees every fault: their currents only
        return (f"no backup on {fuse}'s lateral ({', '.join(buses)}): faults there carry "
                f"{_range(ip_f)} through {fuse}; {rc}'s minimum trip {s.phase_min_trip_a:g} A "
                f"(phase; {ground}) is at or below {rc}'s {_range(ip_r)}: {what}")
    kinds = sorted({str(t) for t in types[unseen] if str(t)})
    named = f" ({', '.join(kinds)})" if kinds else ""
    is_ground = np.array([str(t).startswith(_GROUND) for t in types], dtype=bool) & unseen
    blocked = ""
    if g_trip is not None and is_ground.any():
        i0_max = float(np.nanmax(i0_r[is_ground]))
        if i0_max < _BLOCKED_SHARE * float(np.nanmin(ip_f[is_ground])):
            blocked = (f": 3I0 at {rc} at most {i0_max:,.0f} A for its ground faults, a delta "
                       f"(or ungrounded-wye) winding between {rc} and the fault passing no "
                       "zero sequence")
        else:
            blocked = f": 3I0 at {rc} {_range(i0_r[is_ground])} for its ground faults"
    text = (f"no backup on {fuse}'s lateral ({', '.join(buses)}): faults there that {rc} does "
            f"not see{named} carry {_range(ip_f[unseen])} through {fuse}, below {rc}'s minimum "
            f"trip {s.phase_min_trip_a:g} A (phase; {ground}{blocked})")
    on_base, on_v2g = _sides(paired_texts("scenario")[unseen].tolist(), base, held)
    seen_r = ip_r[unseen]
    if base and on_base.any() and on_v2g.any():
        b, v = _range(seen_r[on_base]), _range(seen_r[on_v2g])
        lo_b, lo_v = np.nanmin(seen_r[on_base]), np.nanmin(seen_r[on_v2g])
        change = ("V2G lowers what it carries" if lo_v < lo_b - 0.5 else
                  "V2G raises what it carries" if lo_v > lo_b + 0.5 else
                  "V2G does not change it")
        text += f"; {rc} carries {b} without V2G, {v} with V2G: {what}, {change}"
    else:
        text += f"; {rc} carries {_range(seen_r)}: {what}"
    n_seen = int((~unseen).sum())
    if n_seen:
        text += (f"; {rc} sees the other {n_seen} fault row(s) there (up to "
                 f"{float(np.nanmax(ip_f[~unseen])):,.0f} A through {fuse})")
    return text


def unseen_lateral_texts(findings: pd.DataFrame, evidence: pd.DataFrame,
                         result: StudyResult, models: dict[str, Any]) -> dict[str, str]:
    """Finding id → what the lateral's missing backup is, for each C2 finding whose
    mechanism is :data:`NOT_SEEN`: ``"no backup on f2's lateral (lat2): faults there carry
    89–142 A through f2, below a's minimum trip 200 A (phase; ground off); a carries 89–140 A
    without V2G, 50–113 A with V2G: pre-existing, V2G lowers what it carries"``.

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
    # each finding's rows of its two devices at its buses, found on codes, then taken from
    # the table at once with the columns _unseen_text reads (#21, 10,000 buses: every
    # device's rows at the buses, all columns, were taken once per finding, 27 findings
    # ≈ 0.15 s; the same rows in the same order)
    dev_codes, dev_texts = text_codes(df["device"])
    dev_code = {t: k for k, t in enumerate(dev_texts.tolist())}
    by_bus = np.argsort(bus_codes, kind="stable")  # the rows of each bus code, in order
    ends = np.searchsorted(bus_codes[by_bus], np.arange(len(bus_texts) + 1))
    picked = []
    for f in hit.itertuples(index=False):
        rc, fuse = str(f.device), str(f.other_device)
        model = models.get(rc)
        s = getattr(model, "settings", None)
        if s is None or not hasattr(s, "phase_min_trip_a"):
            continue
        buses = sorted(ev_buses.get(str(f.finding), ()))
        at = np.sort(np.concatenate([by_bus[ends[c]:ends[c + 1]] for c in
                                     {bus_code[b] for b in buses if b in bus_code}] or
                                    [np.zeros(0, dtype=np.int64)]))
        pair = np.zeros(len(dev_texts), dtype=bool)
        pair[[dev_code[d] for d in (rc, fuse) if d in dev_code]] = True
        picked.append((f, rc, fuse, s, buses, at[pair[dev_codes[at]]]))
    if not picked:
        return out
    union = np.unique(np.concatenate([at for *_, at in picked]))
    taken = df.iloc[union, [k for k, c in enumerate(df.columns) if c in _READ]]
    for f, rc, fuse, s, buses, at in picked:
        text = _unseen_text(taken.iloc[np.searchsorted(union, at)], rc, fuse, buses, s, base,
                            held, str(getattr(f, "attribution", "") or ""))
        out[str(f.finding)] = text
    return out
