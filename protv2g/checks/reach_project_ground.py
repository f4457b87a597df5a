"""C5 at a substation bus that only the project's transformer grounds: a ground fault no
modelled device's zone holds, fed by the site's grounded-wye / delta transformer (review
rev42b W2).

On an ungrounded feeder (a Δ–Δ substation, :mod:`.reach_ungrounded`) a site's own
transformer with a grounded-wye feeder winding and a delta winding (``YNd``,
:func:`protv2g.study.dss_site_transformers.grounded_site_transformers`) is the feeder's only
zero-sequence source: with the project every ground fault draws its current. A fault in a
study device's zone is C5's ordinary row of that device (its 3I0, its reach). A fault at the
substation's own bus (IEEE 37's 799 / 799r, ahead of the head relay) is in no study device's
zone: C9 takes it as cleared by the substation's protection (``unmodelled_clearing_time_s``).
But the substation's delta winding supplies no zero-sequence current: the fault's zero-
sequence current, fed from the site through the head, returns through the delta's line
currents only, which sum to zero — ``2·I0`` on the faulted phase and ``−I0`` on the two
others (Kirchhoff at the delta's terminals: the feeder brings ``I0`` in each phase, the fault
takes ``3·I0`` from the faulted one). So no substation ground relay sees it, its phase
protection sees ``2/3`` of the fault current on one phase, and the head's 67N declares it
reverse. OpenDSS (IEEE 37, ``xgd`` 1 MVA YNd at 708, loads off, taps 1.0): a bolted SLG-a at
799r draws 2,255.8 A, all ``3I0`` from ``xgd`` through the head (752 A per phase), the
substation transformer carrying 1,503.5 / 752 / 752 A (= 2/3, 1/3, 1/3); at 20 Ω 134.9 A, the
substation's faulted phase 89.9 A — below its load current, so nothing at the substation
clears the minimum fault and the site's transformer feeds it until its own protection opens
(none is modelled: the study's "no device at transformer" warning). Without the project the
same fault draws the lines' charging current (2.4 A) and is detected by the substation's
59N (full 3V0 displacement), which the site's transformer desensitises (3V0 8,323 → 175 V for
a 20 Ω fault at 741, review rev42b M1).

One ``warn`` row per V2G scenario (attribution: the project's equipment) at the bus of the
smallest minimum-case SLG current among the buses that (a) have no ground path without the
project and have one in the scenario and (b) are in no study device's zone.

References
----------
IEEE Std 1547-2018 §4.12 (integration with Area EPS grounding: the DER's grounding shall not
disrupt the coordination of the Area EPS's ground-fault protection; clause recalled).
IEEE Std C62.92.6-2017 (neutral grounding of systems supplied by current-regulated sources;
recalled). IEEE Std 142-2007 §1.4 (ungrounded systems, ground detection by 3V0; recalled).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, violation_rows
from protv2g.checks._rows import text_isin
from protv2g.checks.project_equipment import EQUIPMENT
from protv2g.checks.reach_ungrounded import no_ground_path, project_out, ungrounded_mask
from protv2g.violations import CheckStatus

__all__ = ["PROJECT_GROUND_RULE", "SUBSTATION_SHARE", "blind_ungrounded", "project_ground_rows",
           "ungrounded_remedy_text"]

#: The ``rule`` of the rows.
PROJECT_GROUND_RULE = ("ground fault at a substation bus fed only by the project's "
                       "grounded-wye transformer")
#: Share of an SLG fault's current a delta winding carries on the faulted phase when the
#: fault's whole current is zero sequence from elsewhere (module docstring: 2·I0 of 3·I0).
SUBSTATION_SHARE = 2.0 / 3.0
_SOURCE = ("IEEE Std 1547-2018 §4.12 (DER grounding and the Area EPS's ground-fault "
           "protection, recalled); IEEE Std C62.92.6-2017 (recalled); Kirchhoff at a delta "
           "winding (2·I0 on the faulted phase)")


def _candidates(ctx: CheckContext, scenario: str, base: str) -> np.ndarray:
    """Bus keys that have no ground path in ``base``'s network, one in ``scenario``'s, and
    are in no study device's zone."""
    before = ungrounded_mask(ctx, project_out(ctx, base))
    now = ungrounded_mask(ctx, project_out(ctx, scenario))
    if before is None or now is None or not before.any():
        return np.zeros(0, dtype=np.int64)
    new = before & ~now.reindex(before.index).fillna(True).astype(bool)
    zoned = set(pd.to_numeric(ctx.zones.bus, errors="coerce").dropna().astype(int).tolist()) \
        if len(ctx.zones) else set()
    return np.array([int(b) for b in new.index[new.to_numpy()] if int(b) not in zoned],
                    dtype=np.int64)


def project_ground_rows(ctx: CheckContext) -> pd.DataFrame:
    """The rows of the module docstring; empty without such a bus or without a bus fault
    table."""
    empty = violation_rows("C5", CheckStatus.WARN, frame=pd.DataFrame(index=[]))
    b = ctx.bus_faults
    if b is None or not len(b) or not {"scenario", "bus", "case", "ikss_ka"} <= set(b):
        return empty
    from protv2g.study.dss_site_transformers import grounded_site_transformers

    try:
        labels = list(grounded_site_transformers(ctx.study).values())
    except Exception:  # noqa: BLE001 - a text only
        labels = []
    # each distinct fault kind's text tested once (#21: the bus fault table as text)
    kind = text_isin(b.fault_kind if "fault_kind" in b else b.fault_type, {"SLG"})
    slg = b[kind & (b["energized"].astype(bool).to_numpy() if "energized" in b else True)]
    out = []
    for name, sc in (getattr(ctx, "scenarios", None) or {}).items():
        base = ctx.base_of.get(name, "")
        if sc.is_base or not base:
            continue
        buses = _candidates(ctx, name, base)
        if not len(buses):
            continue
        at = slg[(slg.scenario.astype(str) == name) & slg.bus.isin(buses.tolist())]
        low, high = at[at.case.astype(str) == "min"], at[at.case.astype(str) == "max"]
        if low.empty:
            continue
        worst = low.loc[low.ikss_ka.astype(float).idxmin()]
        i_min = 1e3 * float(worst.ikss_ka)
        i_max = 1e3 * float(high.ikss_ka.max()) if len(high) else float("nan")
        before = slg[(slg.scenario.astype(str) == base) & slg.bus.isin(buses.tolist())]
        i_base = 1e3 * float(before.ikss_ka.max()) if len(before) else float("nan")
        out.append((name, worst, i_min, i_max, i_base))
    if not out:
        return empty
    names = {int(w.bus): str(w.get("bus_name", w.bus)) for _, w, *_ in out}
    source = " and ".join(labels) or "the site's own transformer"
    messages, margins = [], []
    for _name, w, i_min, i_max, i_base in out:
        bus = names[int(w.bus)]
        was = (f"{i_base:.1f} A, the lines' charging current" if np.isfinite(i_base)
               else "the lines' charging current only")
        messages.append(
            f"a ground fault at {bus} (ahead of every study device: in no device's zone) is "
            f"fed only by {source}: without the project the feeder has no path to ground "
            f"there (an SLG draws {was}; the substation's 59N sees full 3V0), with it an SLG "
            f"at {bus} draws {i_max:,.0f} A (max case, chargers included) and {i_min:,.0f} A "
            "at r_fault_min_ohm (min case), its ground return through the site "
            "transformer's neutral. The substation's delta winding supplies no "
            "zero-sequence current: no substation ground relay sees the fault, its phase "
            "protection sees about 2/3 of it on one phase "
            f"({SUBSTATION_SHARE * i_max:,.0f} A max, {SUBSTATION_SHARE * i_min:,.0f} A min "
            "— a phase element set above the substation's load does not see the minimum) "
            "and the feeder head's 67N declares it reverse. Unless the substation's phase "
            "protection picks up at "
            f"{SUBSTATION_SHARE * i_min:,.0f} A, nothing clears the minimum fault but the "
            "site transformer's own protection (none modelled), which it feeds meanwhile; "
            "C9 takes such faults as cleared by the substation in "
            "unmodelled_clearing_time_s. Remedy: a delta (or ungrounded-wye) feeder-side "
            "winding on the site's transformer, or ground protection on it (a 51N on its "
            "grounded-wye neutral, its primary fuse or breaker modelled), and the "
            "substation's 59N re-set for the smaller 3V0 (IEEE Std 1547-2018 §4.12, "
            "recalled)")
        margins.append(np.nan)
    n = len(out)
    rows = violation_rows(
        "C5", CheckStatus.WARN, frame=pd.DataFrame(index=pd.RangeIndex(n)),
        scenario=np.array([o[0] for o in out], dtype=object),
        fault_bus=np.array([names[int(o[1].bus)] for o in out], dtype=object),
        fault_type=np.array([str(o[1].fault_type) for o in out], dtype=object),
        case="min", device="", other_device="substation protection (not modelled)",
        i_device_a=np.array([SUBSTATION_SHARE * o[2] for o in out], float),
        rule=PROJECT_GROUND_RULE, rule_source=_SOURCE,
        message=np.array(messages, dtype=object))
    rows["attribution"] = np.full(n, EQUIPMENT, dtype=object)  # kept by the attribution
    return rows


def ungrounded_remedy_text(transformers: list[str], device: str) -> str:
    """The remedy of a C5 :data:`~protv2g.checks.equipment.EQUIPMENT` ground-fault row where
    ``device`` sees no current and the fault's bus has no path to ground without the project
    (review rev42b M2): on IEEE 37 (Δ–Δ substation) the head's 3I0 is 0 with or without a
    site's YNd transformer (OpenDSS: SLG at 741 with ``xgd`` at 708, 1,431 A bolted, 130.8 A
    at 20 Ω, all returning through ``xgd``'s neutral), so no ground pickup of the head helps;
    what detects the fault is the substation's 59N, which the YNd desensitises (its 3V0 for
    the 20 Ω fault at 741: 8,323 V without ``xgd``, 175 V with it; IEEE Std 142-2007 §1.4,
    ungrounded systems, recalled). ``transformers``: how the texts name the sites' grounded
    transformers (:func:`~protv2g.study.dss_site_transformers.grounded_site_transformers`)."""
    labels = " and ".join(transformers) or "the site's transformer"
    return (f"remedy: no ground setting of {device} helps — on this ungrounded (delta-fed) "
            f"feeder it carries no 3I0 with or without the project: the fault's current "
            f"returns through the neutral of {labels}, not through {device}. What detects "
            "such a fault today is the substation's 59N (3V0 on a broken-delta VT, IEEE Std "
            f"142-2007 §1.4), which {labels} desensitises (its neutral holds 3V0 far below "
            "the ungrounded feeder's full displacement: check or re-set it for the minimum "
            "fault); or the site transformer's own ground protection (a 51N on its "
            "grounded-wye neutral); or a delta (ungrounded-wye) feeder-side winding on it, "
            "which leaves the feeder ungrounded as today — not the chargers or their export")


def blind_ungrounded(ctx: Any, bad: pd.DataFrame, pick: np.ndarray) -> np.ndarray:
    """``pick`` where the row's fault bus has no path to ground in its base case's network
    (:func:`~protv2g.checks.reach_ungrounded.no_ground_path`): C5's equipment rows
    there take :func:`ungrounded_remedy_text`."""
    if not pick.any() or "fault_bus" not in bad.columns:
        return np.zeros(len(bad), dtype=bool)
    base_of = getattr(ctx, "base_of", {}) or {}
    base = np.array([base_of.get(str(s), "") or "" for s in bad["scenario"]], dtype=object)
    try:
        return pick & no_ground_path(ctx, bad["fault_bus"].to_numpy(), base)
    except Exception:  # noqa: BLE001 - a text only: the general remedy then
        return np.zeros(len(bad), dtype=bool)
