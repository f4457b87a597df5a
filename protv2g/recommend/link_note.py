"""A fuse's link window beside a C5 finding of the fuse, and which of its links the search
re-checked — read from one record, the evaluator's (:attr:`.evaluator.Evaluator.ran`).

A C5 finding of a fuse (its link short of a fault of its zone) has no candidate of its own:
the note gives the links of its window (:func:`protv2g.checks.fuse_window.link_window`) at
the finding's least current. Another finding's search may have re-checked some of those
links on the same fuse (a C1 finding of the fuse under a relay tries a smaller link); the
note says which, for which finding and whether that run cleared this finding, instead of
"not searched" for every link (review s38, EPRI ckt5: R05's window note said "80K … not
searched" where R01 of the same run had tried 80K on that fuse). The note is written after
every finding's search (:func:`protv2g.recommend.search.recommend`), so it reads every
re-run whatever the order of the findings.

The current is the one the gate's remedy reads (:func:`protv2g.checks.fuse_window_text.
least_current`): per row the lesser of its own current and its current with every charger
idle (from the row's ``idle_margin``: ``(idle_margin + factor) × pickup``), the least over
the finding's rows — one window for one question (review s38, IEEE 13 f_campus: 30K on the
gate line at the idle current, 20K in recommend at the exporting row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_window import link_window, transformer_full_load_a
from protv2g.checks.fuse_window_text import carried_text, empty_window_text, least_current
from protv2g.recommend.change import Change
from protv2g.recommend.evaluator import Evaluator, _active
from protv2g.recommend.window import DeviceLoads

__all__ = ["finding_current", "largest_load_a", "link_runs", "link_window_note"]


def largest_load_a(loads: DeviceLoads | None, name: str) -> float:
    """The largest phase current through device ``name`` in the flows (A), NaN for none."""
    got = loads.by_element.get((name, "phase")) if loads is not None else None
    if got is None or not len(got) or not np.isfinite(got).any():
        return float("nan")
    return float(np.nanmax(np.abs(got)))


def finding_current(rows: pd.DataFrame) -> tuple[float, float, str] | None:
    """(current A, C5 factor, words) a fuse's window is judged at for a C5 finding's evidence
    ``rows`` (``i_device_a``, ``i_other_a`` its pickup, ``limit``/``rule_value`` its factor,
    ``idle_margin``): per row :func:`least_current` of the row's own and its idle current,
    the least over the rows; None without a finite current.

    >>> r = pd.DataFrame({"i_device_a": [96.0, 120.0], "i_other_a": [200.0, 200.0],
    ...                   "limit": [1.5, 1.5], "idle_margin": [-0.912, np.nan],
    ...                   "fault_type": ["SLG-b", "3ph"], "fault_bus": ["x", "y"],
    ...                   "scenario": ["s", "s"]})
    >>> finding_current(r)
    (96.0, 1.5, "the row's own current 96 A; 118 A with every charger idle — SLG-b at x, s")
    """
    def num(col: str, default: float = np.nan) -> np.ndarray:
        got = rows[col] if col in rows.columns else pd.Series([default] * len(rows))
        return pd.to_numeric(got, errors="coerce").to_numpy(float)

    i_row = num("i_device_a")
    factor = num("limit") if "limit" in rows.columns else num("rule_value", 1.5)
    idle = (num("idle_margin") + factor) * num("i_other_a")
    best: tuple[float, float, str] | None = None
    for k in range(len(rows)):
        i_a, words = least_current(float(i_row[k]), float(idle[k]))
        if not np.isfinite(i_a) or (best is not None and i_a >= best[0]):
            continue
        r = rows.iloc[k]
        ft, bus, scen = (str(r.get(c, "")) for c in ("fault_type", "fault_bus", "scenario"))
        where = f"{ft} at {bus}, {scen}" if bus not in ("", "nan") else ""
        f = float(factor[k]) if np.isfinite(factor[k]) else 1.5
        best = (i_a, f, f"{words} — {where}" if where else words)
    return best


def link_runs(ev: Evaluator, ran_for: Mapping[tuple, str], fuse: str, target: str
              ) -> dict[str, str]:
    """``{link: what became of it}`` for every link of ``fuse`` the search re-checked (the
    evaluator's record of its re-runs, :attr:`.evaluator.Evaluator.ran`): the finding whose
    search ran it first (``ran_for``: memo key → finding id) and whether that run cleared the
    finding ``target`` (its identity, :func:`.evaluator._identity`)."""
    out: dict[str, str] = {}
    for key, changes in ev.ran.items():
        links = [c for c in changes if _sets_link(c, fuse)]
        if not links:
            continue
        link = str(links[-1].new)
        if link in out:
            continue
        gone = target not in _active(ev.findings(changes)).index
        who = ran_for.get(key, "")
        out[link] = (f"{link} re-checked{' in the search of ' + who if who else ''}"
                     + (" (with " + ", ".join(f"{c.name} {c.field}" for c in changes
                                              if not _sets_link(c, fuse)) + ")"
                        if len(changes) > len(links) else "")
                     + (": it clears this finding there" if gone
                        else ": this finding stays"))
    return out


def _sets_link(c: Change, fuse: str) -> bool:
    return c.name == fuse and any(f == "link" for f, _o, _n in c.fields)


def link_window_note(study: Any, finding: Any, evidence: pd.DataFrame | None,
                     devices: Sequence[Any], loads: DeviceLoads | None,
                     load_factor: float = 1.5, runs: Mapping[str, str] | None = None) -> str:
    """For a C5 finding of a fuse (which the search does not move): its window at the
    finding's least current (:func:`finding_current`, :func:`protv2g.checks.fuse_window.
    link_window`) — the links that carry its load (C8's limit, and its transformer's inrush
    and cold-load points) and reach it, or that none does (review ver37 §6, IEEE 123:
    F-DEPOT 200K told "a smaller link" where no K link carries the depot's 110 A and reaches
    its terminal's 20 Ω ground fault) — and which of them the search re-checked for another
    finding (``runs``, :func:`link_runs`); ``""`` for another finding (a C5 warning of
    reduced reach included) or without evidence currents."""
    name = str(finding.get("device") or "")
    dev = next((d for d in devices if d.name == name), None)
    link = str(getattr(dev, "link", "") or "")
    if str(finding.get("criterion")) != "C5" or str(finding.get("status")) != "fail" \
            or not link or evidence is None or "i_device_a" not in evidence.columns:
        return ""
    got = finding_current(evidence[evidence["finding"] == finding.get("finding")])
    if got is None:
        return ""
    i_a, factor, words = got
    fla = transformer_full_load_a(study, name)
    w = link_window(study.library, link, i_load_a=largest_load_a(loads, name),
                    full_load_a=fla[0] if fla else float("nan"), i_fault_min_a=i_a,
                    reach_factor=factor, load_factor=load_factor)
    if not len(w.links):
        return ""
    xf = fla[1] if fla else ""
    ok = w.feasible_links()
    at = f"the finding's least current {i_a:.0f} A ({words})"
    if ok:
        done = [(runs or {})[x] for x in ok if x in (runs or {})]
        left = [x for x in ok if x not in (runs or {})]
        return (f"{name}'s link window: {', '.join(ok)} (the links that carry "
                f"{carried_text(w, name, xf)} and reach {at} / {w.factor_text()})"
                + (f"; {'; '.join(done)}" if done else "")
                + (f" — {', '.join(left)} not searched: set one and re-run" if left else ""))
    done = [text for x, text in (runs or {}).items() if x in w.links]
    return (f"{name}'s link window is empty at {at}: "
            f"{empty_window_text(w, name, xf)} — not a link: ground-fault detection "
            "upstream for its ground faults, a device nearer the faults, or a confirmed "
            "minimum fault (faults.r_fault_min_ohm)"
            + (f"; links outside the window the search re-checked: {'; '.join(done)}"
               if done else ""))
