"""Plausibility warnings of a valid study: values the schema accepts that look like a slip.

``protv2g validate`` lists them after "valid" and still exits 0: each may be what the engineer
meant, but each is more often a unit or a field mixed up (review s15 b4: a 5 A pickup, a time
dial of 60 and 125,000 kW chargers passed as "valid"). Every warning is an
:class:`~protv2g.errors.Issue` with the file, the field path and a fix.

The bounds, and where each comes from:

* **Charger power** (``p_charger_kw``, ``s_charger_kva``) below :data:`CHARGER_MIN_KW` — under
  the smallest standard charging level, SAE J1772 AC Level 1 (1.44 kW: 12 A at 120 V): the
  value was likely given in MW; above :data:`CHARGER_MAX_KW` — over the Megawatt Charging
  System's connector rating (CharIN MCS / SAE J3271-2025: 1,250 V × 3,000 A = 3.75 MW): likely
  given in W.
* **Site power** above :data:`SITE_MAX_KW` (10 MW): a heuristic, not a standard (review s15's
  bound): it is most of what a whole 12.47 kV feeder carries (≈ 13 MVA at 600 A), so a site of
  that size is more often W or VA given as kW.
* **Time dial** outside the range relays offer for the curve family: U1–U5 (SEL U-curves,
  time dial about 5× the C37.112 multiplier) 0.5–15 (S&C Vista SD instruction sheet 695-535
  Table 13, "Time Multiplier 0.5 to 15"; SEL-351 the same); the IEEE C37.112 constants
  (IEEE-MI/VI/EI) and ABB's ANSI curves 0.05–15 (ABB REM615 product guide 1MRS756890 Table
  28, time multiplier 0.05…15.00 for its ANSI and IEC curves); IEC 60255-151 / BS 142 curves
  (TMS) 0.05–1.0 (ABB SPAC 531 C manual: "the setting range of time multiplier k is
  0.05...1.00"; a TMS above 1 is most often an IEEE time dial given to an IEC curve).
  Definite-time and point-table curves have no such range.
* **Phase pickup below the load current** a device must carry: on an OpenDSS feeder its
  largest phase current at peak load without V2G, from one snapshot flow — the figure init's
  head rule calls "peak load" (session 34: IEEE 37's L35, validate said 336 A, the static
  mean below, where init said 376 A, OpenDSS phase a) —, else (a pandapower net, or a flow
  that fails) a lower bound of it — the larger of the
  feeder's peak load below the device (the net's loads × ``scaling``, as the flow's peak level)
  and the V2G sites below it at their rating (``n_chargers × p_charger_kw`` × the study's
  largest participation, capped by the interconnection transformer), both at the device's
  bus voltage, unity power factor for the sites. A pickup below it trips on load (IEEE
  C37.230-2020 §6.1: the pickup lies above the maximum load with margin; C8 checks the flow's
  peak against pickup / 1.5). A 5 A pickup is typically the CT secondary ampere. On an
  OpenDSS feeder (the phase-domain path) the same bound from the model's own loads
  (:mod:`protv2g.study.dss_load_bound`; review rev33c W2: IEEE 37's relay moved to L35 with
  a 10 A pickup under 376 A of load passed as "valid").
* **A 96-step day with no site day** (``scenarios.day: true`` while no V2G site has a ``day:``
  mapping): the day then is not run at all (review s16: the user believed the day covered the
  charging peak; validate said "valid"). Not a bound: the field does nothing as written.
* **A device without an interrupting rating** while the gate judges C7 (interrupting duty,
  in ``gate.criteria`` by default): C7 then has a ``not_evaluated`` row for it and the gate
  says ERROR — validate said "valid" and ``run``/``gate`` then failed to evaluate (review s19:
  a fuse added without ``interrupting_rating_ka``). Not a bound: the value is missing.
* **The source** (:mod:`protv2g.study.source_check`): a short-circuit level at its terminal
  above the largest breaker rating (63 kA, IEEE C37.06) or an X/R outside 1–125 — an ideal
  source (IEEE 123's X1 = 0.0001 Ω) on which every fault level near the substation rests.
* **A drafted first reclose that C10 will fail** (review25 §1): ``protv2g init`` without
  ``--site`` drafts the head relay's first reclose at 0.5 s (TODO); V2G sites added by hand
  afterwards then fail C10 on that drafted value alone (first reclose ≤ the sites'
  cease-to-energise time + ``checks.reclose_margin_s``), the study's first "caused by V2G"
  finding on a number nobody set. ``init --site`` drafts 3.5 s for the same reason
  (:data:`protv2g.study_draft.head_relay.RECLOSE_INTERVALS_DER_S`). Not a bound: the value
  is a TODO the user has to replace anyway.
* **No fuse or recloser modelled** while the gate judges C1–C4
  (:func:`protv2g.study.device_coverage.unmodelled_fuses_and_reclosers`): the gate will say
  ERROR (review25 §6: ``validate`` said "valid").
* **No device, no V2G site** (:func:`protv2g.study.device_coverage.empty_collections`): the
  gate will say ERROR, in the same words (field case ``study-without-devices``: "valid", then
  ERROR).
* **A site's own transformer not named** (OpenDSS): the site's bus is fed only through a
  transformer ``feeder.redirects`` adds, and no site names it in ``model_transformer``
  (:func:`protv2g.study.dss_site_transformers.unnamed_site_transformer_warnings`; review
  rev33a F1: the base case then kept the project's transformer and fuse, and validate said
  "valid").
* **A setting off its declared step** (``pickup_step_a``, ``ct_ratio`` ×
  ``pickup_step_secondary_a``, ``time_dial_step``, ``multiplier_step``): the device cannot be
  set to it — the step (most often the CT ratio) or the setting is likely mistyped.
* **A pickup at OpenDSS's default** (an adopted relay's or recloser's ``PhaseTrip`` /
  ``GroundTrip`` of 1 A, :mod:`protv2g.study.model_defaults`; review rev35b field case
  device-delay-import: a relay with ``Delay=0.3`` got a definite-time 51G at 1 A).
* **Fuse links** outside the EEI-NEMA K and T series (ANSI C37.43 ratings 6–200 A, the
  library's ``fuse_links.yaml``) and the library's IEC 60269 gG links (``fuse_gg.yaml``): a
  user or model curve; the report's fuse data then rest on that curve alone.
* **A fuse standard off its voltage** (:func:`protv2g.study.fuse_standard.fuse_voltage_warnings`):
  a US distribution link (EEI-NEMA K/T) on a bus at or below 1 kV — a low-voltage feeder has
  IEC 60269 gG fuses there (review rev36b: a 100K on the European LV feeder was accepted
  silently) — or an IEC 60269 (≤ 1,000 V) link above 1 kV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protv2g.errors import Issue
from protv2g.network.dss_site_base import site_base_warnings, split_leg_warnings
from protv2g.study.device_coverage import (
    FUSE_RECLOSER_CRITERIA,
    empty_collections,
    unmodelled_fuses_and_reclosers,
)
from protv2g.study.device_plausibility import device_warnings, no_rating_issue, time_dial_range
from protv2g.study.load_bound import load_bound
from protv2g.study.model_defaults import model_default_warnings
from protv2g.study.site_transformer_guard import unguarded_site_transformer_warnings
from protv2g.study.source_check import source_warnings
from protv2g.study.unit_slips import model_unit_slip_warnings, unit_slip_warnings

if TYPE_CHECKING:  # pragma: no cover
    from protv2g.study.loader import Study

__all__ = ["CHARGER_MAX_KW", "CHARGER_MIN_KW", "SITE_MAX_KW", "plausibility_warnings",
           "time_dial_range"]

#: Smallest charger (kW) taken as plausible: below SAE J1772 AC Level 1 (1.44 kW).
CHARGER_MIN_KW = 1.0
#: Largest charger (kW) taken as plausible: the MCS connector rating, 1,250 V × 3,000 A.
CHARGER_MAX_KW = 3750.0
#: Largest site (kW) taken as plausible without a warning (a heuristic; module docstring).
SITE_MAX_KW = 10_000.0


def plausibility_warnings(study: Study) -> list[Issue]:
    """Every plausibility warning of a validated study (module docstring), in file order:
    devices, then V2G sites.

    Example
    -------
    >>> from protv2g.study.loader import _validate  # doctest: +SKIP
    >>> for w in plausibility_warnings(_validate(path, light=True)[1]):  # doctest: +SKIP
    ...     print(w)
    """
    file = str(study.path)
    document = study.document
    n_model = len(study.model_devices)
    out: list[Issue] = []
    load_a = load_bound(study)
    judges_c7 = "C7" in document.gate.criteria
    wheres = []
    for i, device in enumerate(document.devices):
        where = (f"devices[{i - n_model}]" if i >= n_model
                 else f"feeder.opendss ({device.kind.value} {device.name})")
        wheres.append(where)
        out += device_warnings(study, device, where, file, load_a)
        if judges_c7 and device.interrupting_rating_ka is None:
            out.append(no_rating_issue(device, where, file))
    # kA for A and the like (rev41b F1): the model's devices and cease times; the file's own
    # devices are problems (unit_slip_errors, rev50b #4)
    out += unit_slip_warnings(document, file, wheres, n_model)
    for i, site in enumerate(document.v2g_sites):
        out += _site_warnings(site, f"v2g_sites[{i}]", file)
    if getattr(study, "model", None) is not None:  # OpenDSS only: imported here, so that
        # validating a pandapower study imports no heavy package (#21)
        from protv2g.flow.load_level import held_load_issues
        from protv2g.study.dss_site_transformers import (
            project_load_warnings,
            unnamed_site_transformer_warnings,
        )

        out += model_unit_slip_warnings(study.model, file)  # kV in V, Xd″ in % (rev43b F2)
        out += unnamed_site_transformer_warnings(study)
        out += project_load_warnings(study)  # its loads go with it (review rev35a M1)
        out += held_load_issues(study)  # loads LoadMult does not scale (rev34a W2)
        from protv2g.study.dss_ground_loads import grounded_load_warnings

        out += grounded_load_warnings(study)  # a wye load on a 3-wire bus (rev36a T4)
        from protv2g.study.iec_slg_gap import iec_slg_gap_issues

        out += iec_slg_gap_issues(study)  # IEC max SLG below the loads-in one (rev46b M1)
        from protv2g.study.dss_ground_relays import ungrounded_ground_element_warnings

        out += ungrounded_ground_element_warnings(study)  # a 51G that never operates (F2)
        from protv2g.study.site_lumped import lumped_site_warnings

        out += lumped_site_warnings(study)  # home chargers on the primary (rev48a item 4)
    out += unguarded_site_transformer_warnings(study)  # rev33b/rev33c: "silently missing"
    out += _day_warnings(document, file)
    out += _drafted_reclose_warnings(study, file)
    if unmodelled_fuses_and_reclosers(document):  # review25 §6: "valid", then ERROR
        gated = [c for c in FUSE_RECLOSER_CRITERIA if c in document.gate.criteria]
        out.append(Issue(
            file, "devices",
            f"no fuse or recloser modelled: {', '.join(gated)} (fuse and recloser "
            "coordination, fuse saving) will judge nothing, so the gate will say ERROR",
            "add the feeder's fuses and reclosers (devices: kind fuse / recloser; an OpenDSS "
            "model's own with feeder.adopt_devices: true), or state that none exist: "
            "no_fuses_or_reclosers: true"))
    out += [Issue(file, field, f"{why}, so the gate will say ERROR", fix)
            for field, why, fix in empty_collections(document)]
    # a V2G site behind no modelled device, fault types without SLG (rev41b W1, W2)
    from protv2g.gate_coverage import ground_fault_gap, path_gaps

    out += [Issue(file, "devices", f"{why}, so the gate will say ERROR", fix)
            for why, fix in path_gaps(study)]
    if gap := ground_fault_gap(document):
        out.append(Issue(file, "faults.fault_types", f"{gap[0]}, so the gate will say ERROR",
                         gap[1]))
    out += model_default_warnings(study)  # a pickup at OpenDSS's 1 A default (rev35b)
    out += site_base_warnings(study)  # a site bus's base vs its winding (rev33c W5)
    out += split_leg_warnings(study)  # one 120 V leg of a split-phase secondary (rev34a W1)
    return out + source_warnings(study)



def _drafted_reclose_warnings(study: Study, file: str) -> list[Issue]:
    """A drafted (TODO) first reclose no longer than the sites' cease-to-energise time plus
    C10's margin (module docstring)."""
    from protv2g.study.todos import todo_items

    document = study.document
    sites = list(document.v2g_sites)
    if not sites or study.path is None:
        return []
    drafted = {t.field.split(" (")[0] for t in todo_items(study.path)}
    site = max(sites, key=lambda s: s.cease_to_energize_s)
    need_s = site.cease_to_energize_s + float(document.checks.reclose_margin_s)
    n_model = len(study.model_devices)
    out = []
    for i, device in enumerate(document.devices):
        where = f"devices[{i - n_model}]" if i >= n_model else None
        intervals = tuple(getattr(device, "reclose_intervals_s", ()) or ())
        if (where is None or not intervals or intervals[0] > need_s
                or f"{where}.reclose_intervals_s" not in drafted):
            continue
        out.append(Issue(
            file, f"{where}.reclose_intervals_s",
            f"device {device.name!r}: its drafted first reclose {intervals[0]:g} s (TODO) is "
            f"not longer than the cease-to-energise time of site {site.name!r}, "
            f"{site.cease_to_energize_s:g} s, + checks.reclose_margin_s "
            f"{float(document.checks.reclose_margin_s):g} s: C10 will fail for the V2G sites "
            "behind it on this drafted value alone",
            "give the breaker's reclose intervals as the utility sets them; a first reclose "
            "delayed past the DER's cease-to-energise time, e.g. [3.5, 15, 30] as "
            "`protv2g init --site` drafts, is the practice with DER (IEEE C37.104-2012)"))
    return out


def _day_warnings(document: Any, file: str) -> list[Issue]:
    """``scenarios.day: true`` without any site ``day:`` mapping (module docstring)."""
    sites = list(document.v2g_sites)
    if not document.scenarios.day or not sites or any(s.day is not None for s in sites):
        return []
    return [Issue(
        file, "scenarios.day",
        "scenarios.day is true but no V2G site has a 'day:' mapping: the 96-step day is not "
        "run (it does nothing as written); C8 judges charging on its charging snapshots at "
        "peak load instead",
        "give the sites that follow a daily plug-in/export pattern a day mapping, e.g. "
        "v2g_sites[0].day: {arrival_h: 7, departure_h: 16, export_window_h: [12, 15]}, or "
        "remove scenarios.day")]



def _site_warnings(site: Any, where: str, file: str) -> list[Issue]:
    out = []
    label = f"site {site.name!r}"
    for key in ("p_charger_kw", "s_charger_kva"):
        value = getattr(site, key)
        if value is None:
            continue
        unit = "kW" if key.endswith("kw") else "kVA"
        if value < CHARGER_MIN_KW:
            out.append(Issue(
                file, f"{where}.{key}",
                f"{label}: {value:g} {unit} per charger is below the smallest charging level "
                f"(SAE J1772 AC Level 1, 1.44 kW)", f"give {unit} per charger: MW × 1000"))
        elif value > CHARGER_MAX_KW:
            out.append(Issue(
                file, f"{where}.{key}",
                f"{label}: {value:,.0f} {unit} per charger is above the largest charger "
                "connector (MCS, 3,750 kW)", f"give {unit} per charger: W / 1000"))
    total = site.n_chargers * site.charger_kva
    if total > SITE_MAX_KW and site.charger_kva <= CHARGER_MAX_KW:
        out.append(Issue(
            file, f"{where}.n_chargers",
            f"{label}: {site.n_chargers} chargers × {site.charger_kva:,.0f} kVA = "
            f"{total / 1000:,.1f} MVA at one site, most of a whole distribution feeder",
            "check n_chargers and the charger rating (kW per charger, not W or the site's "
            "total)"))
    return out


