"""The two ends of the hosting band (:func:`band_ends`): the study with its uncertain inputs
moved, pessimistic and optimistic (:class:`BandEnd`), for :mod:`.band`'s searches.

A hosting figure rests on inputs that are not known exactly. The band brackets three of them
at once, as a pessimistic and an optimistic end around the study's own figure:

* **charger fault contribution** — the figure itself judges time-based criteria on the worse
  of the study's two brackets (by default the high one is each site's sustained limit at its
  high end, ``docs/charger-fault-model.md`` §3); pessimistic: that high end raised to the top
  of the published current-limit range of inverter-based resources,
  :data:`IBR_SUSTAINED_TOP_PU` = 1.5 pu (never above the site's first-cycle limit) — not the
  first-cycle limit held for the whole fault, which no inverter sustains for the seconds a
  time-overcurrent element takes (it stays a study option, ``faults.high_bracket:
  first_cycle_held``, and is then the study's own high bracket at both ends); optimistic: its
  first-cycle limit lowered to its sustained limit (``sustained_limit_pu``, else 1.1 pu:
  1.0–1.2 pu, domain.md §1);
* **fuse-saving K (C2)** — pessimistic: the largest K of the study's reclosers, table value or
  its published bracket (the Rules table: Short's K table, Cooper TD132010EN 1.20 / 1.35);
  optimistic: the smallest;
* **coordination intervals (C1, C4, C6)** — when the study does not declare its relays'
  technology (``checks.relay_technology``): pessimistic the rule table's electromechanical-
  relay intervals (overtravel added: 0.30 s relay–relay, 0.22 s relay–fuse/recloser),
  optimistic its numerical-relay intervals (0.20 / 0.12 s); a declared technology is known,
  not bracketed. An end moves the **intervals only**: the relays' timing accuracy that the
  checks read as a time margin's tolerance stays the study's own
  (``checks.timing_accuracy_technology``, :func:`protv2g.checks.tolerance.timing_technology`).
  Derivation: that tolerance does two things. (1) It is the scatter of the device's time
  (IEC 60255-151:2009 class E, e.g. 5 % / ≥ 30 ms for a numerical relay; about 10 % for an
  induction disc; IEEE C37.112-1996 curves' declared tolerances; recalled): a real relay may
  run that much early or late, the same with and without V2G. Fixed-interval grading
  (IEEE 242-2001 §15 / IEEE C37.230-2007, recalled: breaker + overtravel + safety margin)
  covers it in the safety margin at the usual grading times; its unfavourable side only
  ever *lowers* a pair's margin — a pessimistic input tightens. (2) In attribution it is
  the **materiality** of V2G's change of a margin (:mod:`protv2g.checks.attribution`: a
  change inside it is the devices' own scatter, ``pre-existing``), and there a wider
  scatter *loosens*: V2G's change reads as scatter and the row stops limiting the figure.
  An end that took the electromechanical class for both would therefore be optimistic
  through (2) exactly where it is meant to be pessimistic (ver37 §5e, EPRI ckt5 campus:
  C1 head / f-105409fuse passes by 2.66 s without V2G; its tolerance 2.09 s numerical,
  4.40 s at 10 %: the row was ``new`` at the figure's 70.3 kW and ``pre-existing`` at the
  pessimistic end, whose search gave 112 kW against the figure's 68 kW). So each end keeps
  the study's materiality and moves only the intervals (1): the pessimistic end then fails
  every row the figure's judgement fails at the same currents, by a further 0.10 s of
  interval. Subtracting the whole wider scatter from every margin (the grading formula
  t' = (2 E_R + E_CT) t / 100 + t_CB + t_o + t_s of GE/Alstom's Network Protection &
  Automation Guide ch. 9, recalled) would be more pessimistic still at long times (4 s at
  40 s), but it is another grading rule than the figure's, not a bracket of its inputs;
  it is left out;
* **curve tolerances** — optimistic end only: a timing violation whose deficit is inside the
  two devices' published time scatter does not count (:mod:`protv2g.devices.tolerances`).

Values the study file sets explicitly (``checks.fuse_saving_k``, ``checks.cti_*``) are the
user's and are not moved.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.rule_values import study_rules_table
from protv2g.checks.tolerance import timing_technology
from protv2g.hosting.band_checks import tolerant_checks
from protv2g.study.loader import Study

__all__ = ["CTI_KEYS", "IBR_SUSTAINED_TOP_PU", "SUSTAINED_PU", "BandEnd", "band_ends"]

#: Top of the current-limit range of inverter-based resources during faults, 1.1–1.5 pu of
#: rating (``../shared/reference/der/inverter_fault_current_and_reclosing.csv``, "inverter
#: current limit during faults (general IBR)", eepowerschool.com, secondary source): the
#: sustained limit of the band's pessimistic end. Until 2026-12-01 that end held the
#: first-cycle limit for the whole fault (the depot's band read 0 kW from R-F1 seeing 556 A
#: of first-cycle current for 3 s: an artefact, not the feeder).
IBR_SUSTAINED_TOP_PU = 1.5

#: Coordination-interval keys of the study file (overrides of the rule table).
CTI_KEYS = ("cti_relay_relay_s", "cti_relay_fuse_s", "cti_recloser_relay_s")
#: Sustained charger current limit when the site gives none, pu (domain.md §1: 1.0–1.2).
SUSTAINED_PU = 1.1


@dataclass(frozen=True)
class BandEnd:
    """One end of the band: the study with its inputs moved, and how the checks are run."""

    name: str
    study: Study
    changes: tuple[str, ...]
    checks: Callable[..., tuple[pd.DataFrame, pd.DataFrame]] | None = None


def band_ends(study: Study) -> tuple[BandEnd, BandEnd]:
    """The pessimistic and optimistic ends of the inputs (see the module docstring).

    The fuse-saving K is bracketed by the values the checks use for the study's reclosers
    (the Rules table, :func:`protv2g.checks.rule_values.study_rules_table`: each recloser's
    table value and its published bracket); the coordination intervals by the rule table's
    two relay technologies (electromechanical adds overtravel). A value the study file sets
    explicitly (``checks.fuse_saving_k``, ``checks.cti_*``) is the user's and is not moved.
    """
    doc = study.document
    checks = doc.checks
    rules = study_rules_table(study)
    pess_checks: dict[str, Any] = {}
    opt_checks: dict[str, Any] = {}
    pess_changes: list[str] = []
    opt_changes: list[str] = []
    k = rules[(rules["rule"] == "fuse_saving_k") & ~rules["overridden"].astype(bool)]
    if len(k):
        value = pd.to_numeric(k["value"], errors="coerce")
        lo = pd.to_numeric(k["bracket_low"], errors="coerce").fillna(value)
        hi = pd.to_numeric(k["bracket_high"], errors="coerce").fillna(value)
        k_pess, k_opt = float(max(value.max(), hi.max())), float(min(value.min(), lo.min()))
        now = ", ".join(f"{d} {v:g}" for d, v in zip(k["device"], value, strict=True))
        for key_value, out, end in ((k_pess, pess_changes, pess_checks),
                                    (k_opt, opt_changes, opt_checks)):
            end["fuse_saving_k"] = key_value
            if not np.allclose(value, key_value):
                out.append(f"fuse-saving K ({now}) → {key_value:g}")
    tech = str(checks.relay_technology)
    cti_free = [key for key in CTI_KEYS if checks.rule_override(key) is None]
    if cti_free and "relay_technology" not in checks.model_fields_set:  # declared: known
        # the intervals only: the timing accuracy that is a time margin's materiality stays
        # the study's (module docstring; ver37 §5e: the electromechanical 10 % made EPRI
        # ckt5's limiting C1 row "within the scatter" and the pessimistic end 112 > 68 kW)
        scatter = timing_technology(checks)
        for name, out, end in (("electromechanical", pess_changes, pess_checks),
                               ("numerical", opt_changes, opt_checks)):
            end["relay_technology"] = name
            end["timing_accuracy_technology"] = scatter
            if name != tech:
                out.append(f"coordination intervals ({', '.join(cti_free)}) for "
                           f"{tech} → {name} relays (the intervals only: the timing "
                           f"accuracy that decides whether V2G's change of a margin is "
                           f"material stays the study's {scatter} relays')")
    sites = [s.model_dump(mode="json") for s in doc.v2g_sites]
    low_sites = []
    for s in sites:
        low = s.get("sustained_limit_pu") or min(SUSTAINED_PU, float(s["limit_pu"]))
        if not math.isclose(low, float(s["limit_pu"])):
            opt_changes.append(f"{s['name']} charger limit {s['limit_pu']:g} → {low:g} pu")
        low_s = {**s, "limit_pu": low}
        if s.get("sustained_limit_high_pu") is not None:
            # the high end of the sustained limit within the lowered first-cycle limit: the
            # study file's validator refuses it above (init --site drafts 1.2 pu; fuse31
            # noticed `run` with hosting ending in "bad input" on every such study)
            low_s["sustained_limit_high_pu"] = min(float(s["sustained_limit_high_pu"]), low)
        low_sites.append(low_s)
    opt_changes.append("curve tolerances (deficits inside the devices' time scatter)")
    base_checks = checks.model_dump(mode="json")
    high_sites = []
    for site, s in zip(doc.v2g_sites, sites, strict=True):
        now_pu = site.sustained_limit_high
        top_pu = min(site.limit_pu, max(now_pu, IBR_SUSTAINED_TOP_PU))
        if doc.faults.high_bracket == "sustained_limit" and not math.isclose(top_pu, now_pu):
            pess_changes.append(f"{site.name} sustained limit (high end) {now_pu:g} → "
                                f"{top_pu:g} pu")
            s = {**s, "sustained_limit_high_pu": top_pu}
        high_sites.append(s)
    pess = study.with_updates(checks={**base_checks, **pess_checks}, v2g_sites=high_sites)
    opt = study.with_updates(checks={**base_checks, **opt_checks}, v2g_sites=low_sites)
    return (BandEnd("pessimistic", pess, tuple(pess_changes)),
            BandEnd("optimistic", opt, tuple(opt_changes), tolerant_checks))
