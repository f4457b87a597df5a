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

import math
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd

from protv2g.devices.curve_family import CurveFamily
from protv2g.devices.library import LIBRARY_DIR
from protv2g.errors import Issue
from protv2g.network.dss_site_base import site_base_warnings, split_leg_warnings
from protv2g.network.json_tables import unsupplied_buses
from protv2g.study.device_coverage import (
    FUSE_RECLOSER_CRITERIA,
    empty_collections,
    unmodelled_fuses_and_reclosers,
)
from protv2g.study.device_entry import replace_adopted_fix
from protv2g.study.fuse_standard import (
    IEC_GG_STANDARD,
    fuse_voltage_warnings,
    is_us_distribution_link,
)
from protv2g.study.model_defaults import model_default_warnings
from protv2g.study.setting_steps import on_step, settings_steps
from protv2g.study.site_transformer_guard import unguarded_site_transformer_warnings
from protv2g.study.source_check import source_warnings
from protv2g.study.transformer_fuse import withstand_warnings
from protv2g.study.unit_slips import model_unit_slip_warnings, unit_slip_warnings
from protv2g.units import DeviceKind

if TYPE_CHECKING:  # pragma: no cover
    from protv2g.devices.library import Curve
    from protv2g.study.loader import Study

__all__ = ["CHARGER_MAX_KW", "CHARGER_MIN_KW", "SITE_MAX_KW", "plausibility_warnings",
           "time_dial_range"]

#: Smallest charger (kW) taken as plausible: below SAE J1772 AC Level 1 (1.44 kW).
CHARGER_MIN_KW = 1.0
#: Largest charger (kW) taken as plausible: the MCS connector rating, 1,250 V × 3,000 A.
CHARGER_MAX_KW = 3750.0
#: Largest site (kW) taken as plausible without a warning (a heuristic; module docstring).
SITE_MAX_KW = 10_000.0

#: K and T link ratings of ANSI C37.43 (preferred 6, 10, 15, 25, 40, 65, 100, 140, 200 A;
#: intermediate 8, 12, 20, 30, 50, 80 A), as the library's ``fuse_links.yaml`` holds them.
KT_RATINGS_A = (6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 65, 80, 100, 140, 200)


def time_dial_range(curve: Curve) -> tuple[float, float, str] | None:
    """The time-dial range relays offer for ``curve`` (low, high, where it comes from), or
    None for a curve without one (definite time, point tables)."""
    if curve.family is CurveFamily.IEC:
        return 0.05, 1.0, "the TMS range of the IEC 60255-151 curves (ABB SPAC 531 C)"
    if curve.family is CurveFamily.IEEE:
        if str(curve.standard).startswith("US"):
            return 0.5, 15.0, ("the time-dial range of the U1–U5 curves (S&C Vista SD "
                               "695-535 Table 13; SEL-351)")
        return 0.05, 15.0, ("the time-multiplier range of the IEEE C37.112 equation (ABB "
                            "REM615 1MRS756890 Table 28)")
    return None


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
    load_a = _load_bound(study)
    judges_c7 = "C7" in document.gate.criteria
    wheres = []
    for i, device in enumerate(document.devices):
        where = (f"devices[{i - n_model}]" if i >= n_model
                 else f"feeder.opendss ({device.kind.value} {device.name})")
        wheres.append(where)
        out += _device_warnings(study, device, where, file, load_a)
        if judges_c7 and device.interrupting_rating_ka is None:
            out.append(_no_rating(device, where, file))
    out += unit_slip_warnings(document, file, wheres)  # kA for A and the like (rev41b F1)
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


def _no_rating(device: Any, where: str, file: str) -> Issue:
    """A device without ``interrupting_rating_ka`` while the gate judges C7 (module docstring)."""
    return Issue(
        file, f"{where}.interrupting_rating_ka",
        f"device {device.name!r} has no interrupting_rating_ka: C7 (interrupting duty) cannot "
        "be evaluated for it, so the gate will say ERROR",
        (f"give its nameplate interrupting rating, e.g. {where}.interrupting_rating_ka: "
         f"{_example_rating_ka(device):g}" if where.startswith("devices[") else
         # adopted from the model: no YAML field to write it in (rev47b P3)
         replace_adopted_fix(device, "interrupting_rating_ka", _example_rating_ka(device)))
        + " (kA; interrupting_rating_basis: sym or asym), or take C7 out of gate.criteria")


def _example_rating_ka(device: Any) -> float:
    """A class-typical rating for the fix's example (kA): the typical drafted value of the
    device's class (:data:`protv2g.study_draft.ratings.RATING_CLASSES`: fuse cutout 10,
    recloser 12.5, breaker 20), an IEC 60269 gG link's from the LV fuse class (120 kA, NH
    links, IEC 60269-2; review rev38b F1: the example's 10 kA on a 416 V bus whose maximum
    fault is 24 kA)."""
    from protv2g.study_draft.ratings import LV_RATING_CLASSES, RATING_CLASSES

    link = str(getattr(device, "link", "") or "").lower()
    if link.endswith("gg") or link.startswith("gg"):
        return LV_RATING_CLASSES["fuse"].typical_ka
    return RATING_CLASSES.get(str(getattr(device, "kind", "")), RATING_CLASSES["relay"]).typical_ka


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


def _device_warnings(study: Study, device: Any, where: str, file: str,
                     load_a: Callable[[str], tuple[float, float, float, str] | None]
                     ) -> list[Issue]:
    out = []
    label = f"device {device.name!r}"
    if device.kind is DeviceKind.RELAY:
        for curve_key, dial_key in (("curve", "time_dial"), ("ground_curve", "ground_time_dial")):
            name, dial = getattr(device, curve_key), getattr(device, dial_key)
            if name is None or dial is None or device.definite_time_s is not None:
                continue
            bounds = time_dial_range(study.library.get(name))
            if bounds is not None and not bounds[0] <= dial <= bounds[1]:
                out.append(Issue(
                    file, f"{where}.{dial_key}",
                    f"{label}: {dial_key} {dial:g} of curve {name!r} is outside "
                    f"{bounds[0]:g}–{bounds[1]:g}, {bounds[2]}",
                    f"give the relay's setting as it is set ({bounds[0]:g}–{bounds[1]:g}); an "
                    "IEC curve takes a TMS (0.05–1), an IEEE or US curve a time dial"))
    if device.kind is DeviceKind.FUSE:
        curve = study.library.get(device.link)
        out += fuse_voltage_warnings(study, device, where, file)
        out += withstand_warnings(study, device, where, file)  # inrush, cold load (rev42a M5)
        shipped_gg = str(curve.standard) == IEC_GG_STANDARD and Path(curve.file).parent == \
            LIBRARY_DIR
        if not shipped_gg and (not is_us_distribution_link(curve) or (
                curve.rating_a is None or round(curve.rating_a) not in KT_RATINGS_A)):
            out.append(Issue(
                file, f"{where}.link",
                f"{label}: link {device.link!r} is not an EEI-NEMA K or T link (ANSI C37.43 "
                f"ratings {', '.join(map(str, KT_RATINGS_A))} A)",
                "if the cutout holds a K or T link, name it as the library does (e.g. 40K); "
                "otherwise confirm the curve against the link maker's published TCC"))
    out += _step_warnings(device, where, file, label)
    key = {DeviceKind.RELAY: "pickup_a", DeviceKind.RECLOSER: "phase_min_trip_a"}.get(
        device.kind)
    bound = load_a(device.name) if key else None
    if key and bound is not None:
        i_a, load_part_a, site_part_a, basis = bound
        pickup = float(getattr(device, key))
        if pickup < i_a:
            out.append(Issue(
                file, f"{where}.{key}",
                f"{label}: phase pickup {pickup:g} A lies below the load current it must "
                f"carry, at least {i_a:,.0f} A ({basis}: {load_part_a:,.0f} A; the V2G sites "
                f"below it at rating {site_part_a:,.0f} A)",
                "give the pickup in primary amperes (not CT secondary), above the largest "
                "load current (C8 asks ≥ 1.5 × it)"))
    return out


#: The settings each declared step applies to (``recommend`` sets values on it).
_STEPPED = {"pickup": ("pickup_a", "ground_pickup_a", "phase_min_trip_a", "ground_min_trip_a"),
            "dial": ("time_dial", "ground_time_dial", "fast_multiplier", "delayed_multiplier",
                     "ground_fast_multiplier", "ground_delayed_multiplier")}


def _step_warnings(device: Any, where: str, file: str, label: str) -> list[Issue]:
    """A setting that is not a multiple of the device's declared step
    (:func:`protv2g.study.setting_steps.settings_steps`): the device cannot be set to it, so
    the step (a CT ratio most often) or the setting is likely mistyped; ``recommend``
    proposes values on the step."""
    steps = settings_steps(device)
    dial_key = ("time_dial_step" if getattr(device, "time_dial_step", None) is not None
                else "multiplier_step")
    out = []
    for kind, size, basis in (("pickup", steps.pickup_a, steps.source),
                              ("dial", steps.dial, dial_key)):
        for key in _STEPPED[kind] if size is not None else ():
            value = getattr(device, key, None)  # a value given (a default is no slip)
            if value is None or key not in device.model_fields_set or on_step(value, size):
                continue
            lo = math.floor(value / size) * size
            out.append(Issue(
                file, f"{where}.{key}",
                f"{label}: {key} {value:g} is not on its setting step {size:.6g} ({basis}): "
                f"the nearest settings are {lo:.6g} and {lo + size:.6g}",
                "give the value the device is set to, or check the step (the CT ratio "
                "above all): `protv2g recommend` proposes values on it"))
    return out


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


# --- the load-current bound -------------------------------------------------------------------

_TABLES = ("bus", "line", "trafo", "trafo3w", "impedance", "switch", "ext_grid", "gen")


#: How the warning names the peak load on a pandapower net (balanced: every phase carries it).
_NET_BASIS = "the feeder's peak load below it, balanced (every phase carries it)"


def _load_bound(study: Study) -> Callable[[str], tuple[float, float, float, str] | None]:
    """``device name → (bound A, peak load below A, sites below A, how the peak load was
    had)`` or None when unknown
    (module docstring); the buses below a device are those its element cuts off from every
    source (:func:`~protv2g.network.json_tables.unsupplied_buses`)."""
    cases = study.document.scenarios.participation
    site_kva: dict[int, float] = {}
    for s in study.document.v2g_sites:
        if s.name in study.site_buses:
            bus = study.site_buses[s.name]
            fraction = max(s.participation.fraction(c) for c in cases)
            site_kva[bus] = site_kva.get(bus, 0.0) + _site_kva(s, fraction)
    if study.model is not None:  # the phase path: the model's own loads (review rev33c W2)
        from protv2g.study.dss_load_bound import dss_load_bound, dss_peak_phase_a
        from protv2g.study.dss_site_transformers import site_transformer_names

        # the largest phase current at peak load, init's "peak load" (one snapshot flow)
        places = {d.name: (s.element_name, s.terminal) for d in study.document.devices
                  if d.kind in (DeviceKind.RELAY, DeviceKind.RECLOSER)
                  and (s := study.device_sites.get(d.name)) is not None and s.element_name}
        peak = dss_peak_phase_a(study.model, places,
                                site_transformer_names(study.document))
        return dss_load_bound(study.model, study.device_sites, site_kva, peak)
    net = study.net
    if net is None or "vn_kv" not in net.bus.columns:
        return lambda name: None
    tables = SimpleNamespace(**{t: getattr(net, t, pd.DataFrame()) for t in _TABLES})
    base_dead = unsupplied_buses(tables)
    vn_kv = net.bus["vn_kv"].astype(float)
    load_kva = _bus_load_kva(getattr(net, "load", None))

    def bound(name: str) -> tuple[float, float, float] | None:
        place = study.device_sites.get(name)
        if place is None or place.element not in ("line", "trafo"):
            return None
        table = getattr(tables, place.element).copy()
        table.loc[place.element_index, "in_service"] = False
        below = unsupplied_buses(SimpleNamespace(**{**vars(tables), place.element: table}))
        below -= base_dead
        if not below:
            return None
        kv = float(vn_kv.get(place.bus, math.nan))
        if not kv > 0:
            return None
        s_load = abs(sum(load_kva.get(b, 0j) for b in below))
        s_site = sum(kva for b, kva in site_kva.items() if b in below)
        load_a, site_a = (s / (math.sqrt(3.0) * kv) for s in (s_load, s_site))
        return max(load_a, site_a), load_a, site_a, _NET_BASIS

    return bound


def _bus_load_kva(load: pd.DataFrame | None) -> dict[int, complex]:
    """Complex peak load (kVA) per bus: in-service loads' ``p_mw + j q_mvar`` × ``scaling``."""
    if load is None or not len(load) or not {"bus", "p_mw"} <= set(load.columns):
        return {}
    on = load["in_service"].fillna(False).astype(bool) if "in_service" in load else True
    scale = load["scaling"].astype(float) if "scaling" in load else 1.0
    q = load["q_mvar"].astype(float) if "q_mvar" in load else 0.0
    s = (load["p_mw"].astype(float) + 1j * q) * scale * 1000.0
    s = s[on] if not isinstance(on, bool) else s
    return {int(b): complex(v) for b, v in s.groupby(load["bus"][s.index]).sum().items()}


def _site_kva(site: Any, participation: float) -> float:
    """A site at its chargers' rating (kW): ``n_chargers × p_charger_kw`` × ``participation``,
    no more than its interconnection transformer's kVA (as C8's charging cap)."""
    kw = site.n_chargers * site.p_charger_kw * participation
    tr = getattr(site, "interconnection_transformer", None)
    return min(kw, float(tr.sn_kva)) if tr is not None else kw
