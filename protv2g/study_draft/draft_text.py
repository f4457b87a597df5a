"""The text of a drafted study file (``protv2g init``): the YAML with its comments and TODOs.

:func:`study_text` writes what :func:`protv2g.study_draft.draft.draft_study` found and
computed; every assumed value carries a ``# TODO`` comment (``protv2g validate`` lists them).
"""

from __future__ import annotations

import math
import re

import numpy as np

from protv2g.network.dss_model import DssModel
from protv2g.network.dss_site_base import split_phase
from protv2g.network.opendss_devices import DISABLED_WHAT
from protv2g.study.opendss_devices import FUSE_SWAP_WHAT, MODEL_DELAY_WHAT
from protv2g.study.source_check import DSS_SOURCE_FIX
from protv2g.study_draft.curve_choice import clearing_comment, slow_clearing
from protv2g.study_draft.fuse_draft import LINK_RULE_SHORT, link_rule_text
from protv2g.study_draft.head_load import load_behind_heads_kw, sites_comment
from protv2g.study_draft.low_voltage import (
    ANSI_V_MAX_PU,
    LV_RECLOSE_TODO,
    is_low_voltage,
    r_fault_low_voltage_todo,
    voltage_limit_todo,
    zone_faults_text,
)
from protv2g.study_draft.notes import NO_GROUND_FIX, NO_GROUND_WHAT, NO_LOAD_WHAT, note_lines
from protv2g.study_draft.ratings import device_rating as _rating
from protv2g.study_draft.site_transformer import with_site_transformer
from protv2g.study_draft.trade import dials_clause
from protv2g.study_draft.ungrounded import ungrounded_names
from protv2g.study_draft.writer import candidate_comments, device_block, inline, todo

__all__ = ["study_text", "R_FAULT_MIN_OHM", "CURVES_FOLDER", "DRAFT_PARTICIPATION",
           "PICKUP_RULE", "OLD_PICKUP_RULE"]

#: Minimum-case ground-fault resistance written into drafts, Ω (domain.md §2: 20–40 Ω).
R_FAULT_MIN_OHM = 20.0
#: Folder (beside the study) of the model's own curves.
CURVES_FOLDER = "model_curves"
#: TODO comment on a proposed head relay's reclosing (sources: head_relay.RECLOSE_INTERVALS_S).
_RECLOSE_TODO = todo(
    "assumed reclosing (open times, s): feeder breakers usually reclose — typically a first "
    "reclose after 0.3–0.5 s, later ones after 10–45 s, 1–3 reclosures to lockout; with DER "
    "the first is often delayed past the DER's 2 s cease-to-energise (IEEE 1547-2018 §8.1) "
    "or dead-line supervised (practices: IEEE C37.104-2012), so a model with DER of its own "
    "or drafted V2G sites gets 3.5 s; C10 checks the first against the cease-to-energise "
    "time of the chargers and of the feeder's existing DER",
    "give the breaker's reclose intervals, or [] when it does not reclose")


#: The fix of a drafted fuse's link (:mod:`.fuse_draft`).
FUSE_LINK_FIX = ("give the link in service (type and rating, e.g. 40K, or the fuse's own curve "
                 "in a curve file), or delete the item if the line is not a fuse")


#: A device note's TODO → the field it is written on (review s22: written above the item it made
#: every row of recloser A rest on "the settings of a", though only "in service" was drafted;
#: :mod:`protv2g.input_basis` scopes each field to the rows it decides).
_NOTE_FIELDS = ((DISABLED_WHAT, "location"), (FUSE_SWAP_WHAT, "link"),
                (MODEL_DELAY_WHAT, "fast_curve"), (NO_GROUND_WHAT, "ground"))
#: The ground element's pickup field by device kind (``null``: no ground element).
_GROUND_KEYS = {"recloser": ("phase_min_trip_a", "ground_min_trip_a"),
                "relay": ("pickup_a", "ground_pickup_a")}
#: The TODO of a device with no ground element in the model (a relay's import notes none).
_NO_GROUND_TODO = todo("no ground element in the model (no ground curves, no ground pickup) "
                       "→ ground faults are seen by the phase element only",
                       NO_GROUND_FIX)
def r_fault_todo(level_kv: float, r_ohm: float = R_FAULT_MIN_OHM) -> str:
    """The TODO on the minimum-case fault resistance (review s22: it decides C5's reach and the
    recloser–fuse rows of the minimum case, and was a plain comment), with the ceiling it puts
    on a ground fault at the feeder's primary voltage ``level_kv`` (kV line to line).

    Review rev33b W4 (IEEE 123, 4.16 kV): 20 Ω is a 12–25 kV convention; at 4.16 kV no ground
    fault through it exceeds ≈ 120 A, below any ground pickup that carries the feeder's
    residual load, so every reach row at it fails, with V2G and without. The ceiling is
    ``V_LN / R``: an SLG through ``R`` carries ``3 V_LN / |Z1 + Z2 + Z0 + 3R|`` (the
    sequence-network connection, e.g. J. D. Glover et al., *Power System Analysis and
    Design*, §9.2), and the sequence impedances' resistances are not negative, so the
    denominator is at least ``3R``.
    """
    ceiling = (f"; at {level_kv:g} kV no ground fault through it exceeds V_LN / R = "
               f"{level_kv * 1e3 / math.sqrt(3.0) / r_ohm:,.0f} A, whatever the source"
               if level_kv > 0 and r_ohm > 0 else "")
    return todo(
        f"assumed minimum-case ground-fault resistance {r_ohm:g} Ω (North American "
        "practice 20–40 Ω on 12–25 kV feeders, domain.md §2): it decides the min-case "
        f"ground-fault rows (C5 reach, C2 fuse saving){ceiling}",
        "give the utility's fault resistance for minimum-fault studies (0 Ω for bolted faults)")


#: The charger assumptions a drafted site gets (review s23 §5: they were in the workbook only),
#: each ``field → (value or None for the kW rating, TODO text, fix)``; the values are the
#: schema's defaults (:class:`protv2g.study.schema_sites.V2GSite`,
#: ``docs/charger-fault-model.md`` §6), written out so that each can carry its source.
_CHARGER_REF = "../shared/reference/der/inverter_fault_current_and_reclosing.csv"
SITE_ASSUMPTIONS: dict[str, tuple[float | str | None, str, str]] = {
    "s_charger_kva": (
        None, "assumed kVA rating = the kW rating (no reactive headroom; the fault current "
        "limits below are pu of this kVA)", "give the charger inverter's kVA nameplate "
        "(≥ p_charger_kw)"),
    "limit_pu": (
        1.5, "assumed first-cycle current limit 1.5 pu of rating (conservative planning "
        f"value 1.5–2.0 pu; general IBR limit 1.1–1.5 pu: {_CHARGER_REF})",
        "give the charger maker's first-cycle (peak) fault current, pu of its kVA rating"),
    "sustained_limit_pu": (
        1.1, "assumed sustained current limit 1.1 pu of rating (the middle of the 1.0–1.2 pu "
        f"of grid-following inverters: {_CHARGER_REF})",
        "give the charger maker's sustained fault current, pu of its kVA rating"),
    "sustained_limit_high_pu": (
        1.2, "assumed high bracket of the sustained limit 1.2 pu (the top of that 1.0–1.2 pu "
        "range; docs/charger-fault-model.md §3)",
        "give the maker's upper value, or the sustained limit again when it is exact"),
    "ride_through_category": (
        "II", "assumed IEEE 1547-2018 ride-through Category II (§6.4; trip defaults Tables "
        "11–13: the category most distribution interconnection requirements assume)",
        "give the category the utility's interconnection requirement sets (III e.g. under "
        "California Rule 21)"),
    "cease_to_energize_s": (
        2.0, "assumed 2 s cease-to-energise after the feeder opens (IEEE 1547-2018 §8.1, "
        "unintentional islanding: cease within 2 s); C10 checks the first reclose against it",
        "give the chargers' anti-islanding clearing time (certificate or utility setting)"),
}


#: The drafted head relay's pickup rule as its TODO states it (:mod:`.head_relay`), and as
#: drafts before review rev32a W3 stated it (``init --redraft`` rewrites that one).
PICKUP_RULE = ("51P = max(2 × peak load, 1.5 × C8 load) within [1.5 × C8 load, min zone fault "
               "/ 1.5], 51G = max(2 × residual, 1.5 × C8 residual, 0.25 × 51P) within [1.5 × "
               "C8 residual, min zone ground fault / 1.5] (C8 load: the largest of peak load, "
               "the V2G sites charging at peak load and exporting at light load)")
OLD_PICKUP_RULE = ("51P = 2 × peak load within [1.5 × load, min zone fault / 1.5], 51G = "
                   "max(2 × residual, 0.25 × 51P) within [1.5 × residual, min zone ground "
                   "fault / 1.5]")
#: The participation cases a draft with V2G sites writes (``scenarios.participation``): the
#: head relay's pickups carry the sites' charging in the largest (:mod:`.head_load`).
DRAFT_PARTICIPATION = ("expected", "firm")


def _site_entry(site: dict) -> tuple[dict, dict[str, str]]:
    """A ``v2g_sites`` entry with the charger assumptions written out, each with its TODO on
    its own field (:data:`SITE_ASSUMPTIONS`); values the site already gives are kept."""
    entry, todos = dict(site), {}
    for key, (value, what, fix) in SITE_ASSUMPTIONS.items():
        if key in entry:
            continue
        entry[key] = site["p_charger_kw"] if value is None else value
        todos[key] = todo(what, fix)
    return entry, todos


def _leg_todo(model: DssModel, site: dict) -> dict[str, str]:
    """A TODO on ``phase`` of a ``--site BUS.a`` on a center-tapped secondary
    (:func:`protv2g.network.dss_site_base.split_phase`): one 120 V leg, where a level-2 home
    charger is 240 V across both (review rev34a W1: init, validate and run said nothing)."""
    phase = str(site.get("phase") or "")
    if len(phase) != 1 or not split_phase(model, site["bus"]):
        return {}
    both = str(model.buses.at[site["bus"], "phases"])
    return {"phase": todo(
        f"{site['bus']} is a center-tapped (split-phase 120/240 V) secondary: phase {phase} is "
        "one 120 V leg (line to neutral, twice the current of a 240 V charger, on that half "
        "winding)", f"for a 240 V charger across both legs write 'phase: {both}' (init "
        f"--site {site['name']}:{site['bus']}.{both}:…); keep '{phase}' for a 120 V charger")}


def _model_load_kw(model: DssModel) -> float:
    """The model's enabled loads' kW as its script sets them (OpenDSS ``Loads`` interface:
    the enabled loads), NaN when the engine cannot say."""
    try:
        loads = model.engine.Loads
        total, k = 0.0, loads.First()
        while k > 0:
            total += float(loads.kW())
            k = loads.Next()
        return total
    except Exception:  # noqa: BLE001 - another circuit compiled since, or no engine
        return float("nan")


def _load_split(model: DssModel, heads) -> str:  # noqa: ANN001
    """``": 5,950 kW behind head-temp_sub + 5,000 kW on the source side …"``: where the
    model's load sits against its feeder heads (review rev32a W9), "" without heads."""
    behind, rest = load_behind_heads_kw(model, heads) if heads else ({}, float("nan"))
    parts = [f"{kw:,.0f} kW behind {name}" for name, kw in behind.items() if kw > 0]
    if rest > 0.5:
        parts.append(f"{rest:,.0f} kW on the source side of the feeder head"
                     f"{'s' if len(behind) > 1 else ''}, behind none (the substation's "
                     "other load: not this feeder's)")
    return ": " + " + ".join(parts) if parts else ""


def _with_field_todos(entry: dict, todos: dict[str, str], mine: list) -> tuple[dict, list]:
    """``entry`` with its ground pickup written ``null`` where it has none, the device notes
    placed on their field (:data:`_NOTE_FIELDS`), and the notes left above the item."""
    out = dict(entry)
    keys = _GROUND_KEYS.get(str(entry.get("kind")))
    if keys and out.get(keys[1]) is None:  # no ground element: null with its TODO
        items = list(out.items())
        at = next((i + 1 for i, (k, _v) in enumerate(items) if k == keys[0]), len(items))
        out = dict([*items[:at], (keys[1], None), *items[at:]])
        todos.setdefault(keys[1], _NO_GROUND_TODO)
    above = []
    for n in mine:
        fld = next((f for w, f in _NOTE_FIELDS if n.what.startswith(w)), None)
        if fld == "ground":  # said by the null's TODO
            continue
        if n.todo and fld in out and fld not in todos:
            todos[fld] = todo(f"{n.what} → {n.action}", n.fix)
        else:
            above.append(n)
    return out, above


def _study_name(model: DssModel) -> str:
    name = re.sub(r"[^A-Za-z0-9_.\- ]", "_", model.name) or "feeder"
    return name if name[0].isalnum() else f"f{name}"


def _existing_sources(model: DssModel) -> list[str]:
    dss = model.engine
    e = model.elements
    out = []
    for name, cls, buses in zip(e.name, e.cls, e.buses, strict=True):
        if cls not in ("pvsystem", "storage", "generator") or not bool(
                e.enabled[e.name == name].iat[0]):
            continue
        vals = {}
        power = {"pvsystem": "pmpp", "storage": "kwrated"}.get(cls, "kw")
        for prop in ("kva", power, "phases"):
            try:
                dss.Text.Command(f"? {name}.{prop}")
                vals[prop] = dss.Text.Result()
            except Exception:  # noqa: BLE001 - property absent for the class
                vals[prop] = "?"
        out.append(f"#   {name:<28} bus {buses[0]:<16} {vals['phases']}-phase, "
                   f"{vals['kva']} kVA, {vals[power]} kW ({power})")
    return out


#: Appended to a drafted rating's TODO when the model's source is implausible (review s23 §1:
#: "below the 21906.74 kA computed here" quoted without question).
SOURCE_CAVEAT = ("; NOTE the fault current is computed on the model's source, which is not "
                 "a plausible utility source (feeder.opendss's TODO): the duty is not one a "
                 "real breaker sees and changes with the utility's source impedance")


def _source_caveat(note: str, bad_source: bool) -> str:
    """A rating TODO with :data:`SOURCE_CAVEAT` before its fix when the source is implausible."""
    if not bad_source:
        return note
    what, sep, fix = note.partition(" | fix:")
    return f"{what}{SOURCE_CAVEAT}{sep}{fix}"


#: Said above ``devices:`` (and by ``protv2g init``) when the draft holds no fuse or recloser.
NO_FUSE_NOTE = ("the model has no fuse or recloser: C1–C4 (fuse and recloser coordination, "
                "fuse saving) will judge nothing and the gate will say ERROR until the "
                "feeder's fuses and reclosers are added under devices (kind fuse / recloser) "
                "or the study states it has none (no_fuses_or_reclosers: true, at the top "
                "level)")


def study_text(model, rel, entries, bad, proposals, peak, cand, sites, has_curves,  # noqa: ANN001, ANN201
               level_kv, skipped=(), x_r=None, notes=(), light=None, source_issues=(),
               drafted=(), heads=(), site_transformers=None, device_kv=None):
    """The study file's YAML text and its TODO list (see :mod:`.draft`).

    ``rel`` the model files relative to the study folder; ``entries`` the adopted devices'
    dicts; ``bad`` the model devices not adopted (:class:`~protv2g.errors.Issue`);
    ``proposals`` the proposed head relays (:mod:`.head_relay`); ``peak`` device → largest
    max-case fault current, kA; ``cand`` the candidate-bus table (:mod:`.candidates`);
    ``sites`` the ``v2g_sites`` entries; ``has_curves`` whether a curve file goes beside the
    study; ``level_kv`` the primary voltage, kV; ``skipped`` why a head has no drafted relay;
    ``x_r`` device → X/R; ``notes`` what init read from the model (:mod:`.notes`);
    ``light`` the light-load fraction and its source (:class:`.loadshapes.LightLoad`; None:
    the schema's default, unwritten); ``source_issues`` the model's source found implausible
    (:func:`protv2g.study.source_check.implausible_sources`: a TODO on ``feeder.opendss``,
    and every drafted rating says its duty rests on it); ``drafted`` the fuses drafted on
    the model's fuse-named lines (:class:`.fuse_draft.DraftedFuse`), written after the relays;
    ``heads`` (name, far bus index) of every feeder head: the peak-load TODO says the load
    behind each and the load on the source side apart (:func:`.head_load.load_behind_heads_kw`);
    ``site_transformers`` site name → the transformers the redirects add that alone feed its
    bus (:func:`protv2g.study.dss_site_transformers.redirect_site_transformers`): one is
    written as the site's ``model_transformer``, several get a TODO on its bus;
    ``device_kv`` device → the voltage base at its own terminal, kV (:func:`.low_voltage.
    device_kv`; default ``level_kv``): a device on ≤ 1 kV gets low-voltage practice
    (:mod:`.low_voltage`: LV rating class, no reclosing), and a draft whose devices are all
    there says the minimum-case fault resistance is unused. A 50 Hz model gets a TODO on
    ``checks.v_max_pu`` (ANSI C84.1 vs EN 50160, :func:`.low_voltage.voltage_limit_todo`).
    Returns ``(text, todos)``.
    """
    x_r = x_r or {}
    kv_at = dict(device_kv or {})

    def kv_of(name: str) -> float:
        return float(kv_at.get(name, level_kv))

    todos: list[str] = []
    general = [n for n in notes if not n.device]
    lines = [f"# Study drafted by `protv2g init` from the OpenDSS model {rel[0]}"
             + (f" (+ {', '.join(rel[1:])})" if len(rel) > 1 else "") + ".",
             "# Every value protv2g assumed carries a '# TODO' comment: `protv2g validate` "
             "lists them."]
    if notes:
        lines += ["# What init read from the model and what the study does with it (the "
                  "devices' own notes are above each device):",
                  *[f"#   {ln}" for ln in note_lines(general)]]
    lines += [f"name: {inline(_study_name(model))}",
              f"description: {inline('Drafted from ' + model.name + ' by protv2g init')}",
              "feeder:"]
    for n in general:
        if n.todo and n.what != NO_LOAD_WHAT:
            lines.append("  " + todo(f"{n.name}: {n.what}", n.fix))
            todos.append(f"{n.name}: {n.what}")
    for text in source_issues:
        lines.append("  " + todo(f"the model's {text}: every fault level, C7 duty and "
                                 "drafted interrupting rating near the substation rests on "
                                 "it", DSS_SOURCE_FIX))
        todos.append(f"source: {text}")
    lines.append(f"  opendss: {inline(rel[0])}")
    if len(rel) > 1:
        lines.append(f"  redirects: {inline(rel[1:])}")
    lines.append("  adopt_devices: false   # every model device is written out below")
    if has_curves:
        lines.append(f"library: [{CURVES_FOLDER}]   # the model's own TCC point tables")
    src = _existing_sources(model)
    if src:
        lines += ["# Existing sources of the model (in every fault run and flow, base case "
                  "included):", *src]
    if not drafted and not any(str(e.get("kind")) in ("fuse", "recloser") for e in entries):
        lines.append(f"# {NO_FUSE_NOTE}")   # review rev34b L4 (IEEE 34 has none)
    lines.append("devices:" if entries or proposals or drafted else "devices: []")
    for e in entries:
        i_ka = float(peak.get(e["name"], np.nan))
        rating, note = _rating(e["kind"], kv_of(e["name"]), i_ka,
                               x_r.get(e["name"], np.nan), model.f_hz)
        todos.append(f"{e['name']}: interrupting_rating_ka")
        mine = [n for n in notes if n.device == e["name"]]
        todos += [f"{e['name']}: {n.what}" for n in mine if n.todo]
        on_field = {"interrupting_rating_ka": _source_caveat(note, bool(source_issues))}
        entry, above = _with_field_todos({**e, **rating}, on_field, mine)
        if _NO_GROUND_TODO in on_field.values():
            todos.append(f"{e['name']}: no ground element")
        lines += device_block(entry,
                              [f"# from the model ({e['kind']} on {e['location']}; values "
                               "without a TODO are the model's)",
                               *[todo(f"{n.what} → {n.action}", n.fix) if n.todo
                                 else f"# model: {n.what} → {n.action}" for n in above]],
                              on_field)
    for p in proposals:
        f = p.figures
        name = p.entry["name"]
        i_ka = float(peak.get(name, np.nan))
        comments = [
            todo(f"assumed feeder-head relay {name}: the model has no relay or recloser at "
                 "this feeder head; settings by protv2g's stated rule (docs/opendss-phase-"
                 "path.md): " + PICKUP_RULE + ", time dials for " + dials_clause(f),
                 "replace by the utility's relay settings"),
            f"# peak load {f['peak_load_a']:.0f} A (the model's snapshot load), residual "
            f"{f['peak_residual_a']:.0f} A"
            + (" (existing DER off: gross load)" if model.inverters or model.machines else "")
            + f"; {zone_faults_text(f, R_FAULT_MIN_OHM)}",
            *([f"# {sites_comment(f)}"] if sites_comment(f) else []),
            *[f"# {k}: {t}" for k, t in f.get("pickup_steps", {}).items()],
            *clearing_comment(f),
            todo("CT ratio not known: the pickups are primary amperes",
                 "choose the CT (primary ≥ max load, accuracy class for the max fault) and "
                 "round the pickups to the relay's secondary steps"),
            *[todo(c, "review the setting") for c in p.conflicts]]
        todos += [f"{name}: assumed relay", f"{name}: CT ratio", *p.conflicts]
        if "curve_choice" in f and slow_clearing(f["curve_choice"]):
            todos.append(f"{name}: min-fault clearing")
        rating, note = _rating("relay", kv_of(name), i_ka, x_r.get(name, np.nan), model.f_hz)
        todos += [f"{name}: reclose_intervals_s", f"{name}: interrupting_rating_ka"]
        lines += device_block({**p.entry, **rating}, comments,
                              {"reclose_intervals_s": LV_RECLOSE_TODO if is_low_voltage(
                                  kv_of(name)) else _RECLOSE_TODO,
                               "interrupting_rating_ka": _source_caveat(
                                   note, bool(source_issues))})
    lines += [f"  # no head relay drafted: {why}" for why in skipped]
    if drafted:
        lines += ["  # Fuses drafted on the lines the model names like fuses with no Fuse on them "
                  "(protv2g.study_draft.fuse_draft): link = " + link_rule_text() + "; cutout "
                  "rating as for the model's own fuses. Delete an item whose line is no fuse."]
    for f in drafted:
        rating, note = _rating("fuse", kv_of(f.name), float(peak.get(f.name, np.nan)),
                               x_r.get(f.name, np.nan), model.f_hz)
        todos += [f"{f.name}: link", f"{f.name}: interrupting_rating_ka"]
        lines += device_block({**f.entry, **rating}, [
            f"# drafted: {f.element} is named like a fuse and the model has no Fuse on it; "
            f"peak load {f.peak_load_a:.1f} A (the model's snapshot load"
            + (", existing DER off)" if model.inverters or model.machines else ")")
            + (f", fuses next below it: {', '.join(f.below)}" if f.below else "")],
            {"link": todo(f"drafted link {f.why} (rule: {LINK_RULE_SHORT}, stated above "
                          "the first drafted fuse)", FUSE_LINK_FIX),
             "interrupting_rating_ka": _source_caveat(note, bool(source_issues))})
    for issue in bad:
        lines.append("  " + todo(f"model device not adopted: {issue.field}: {issue.message}",
                                 issue.fix or "add it by hand"))
        todos.append(issue.field)
    lines += candidate_comments(cand, ungrounded_names(model))
    if sites:
        lines.append("v2g_sites:")
        for s in sites:
            entry, on_field = _site_entry(s)
            entry, on_field = with_site_transformer(entry, on_field,
                                                    (site_transformers or {}).get(s["name"]))
            on_field.update(_leg_todo(model, s))
            lines += device_block(entry, (), on_field)
            todos += [f"{s['name']}: {k}" for k in on_field]
    else:
        lines += ["v2g_sites: []   # add sites, e.g.:",
                  "#  - {name: depot, bus: <bus>, n_chargers: 20, p_charger_kw: 100}",
                  "#  - {name: homes, bus: <bus>, phases: 1, phase: a, n_chargers: 20, "
                  "p_charger_kw: 7.2}"]
    loadless = [n for n in general if n.what == NO_LOAD_WHAT]
    no_load = "".join(f"  {todo(f'{n.what}: {n.action}', n.fix)}" for n in loadless)
    todos += [n.what for n in loadless]
    # with sites, the firm case too (review s19 §3.5: every charger online is the case a
    # utility plans export limits for; the expected case alone understates reverse flow)
    participation = f"[{', '.join(DRAFT_PARTICIPATION)}]" if sites else "[expected]"
    load_kw = _model_load_kw(model)
    peak_todo = "" if loadless or not load_kw > 0 else "   " + todo(
        f"peak = the model's own snapshot load ({load_kw:,.0f} kW{_load_split(model, heads)}; "
        "its loads' kW as the script sets them, LoadMult 1), the light level the fraction "
        "below × it: init assumed "
        "the model is loaded at the feeder's peak", "confirm the model's loads are the "
        "feeder's peak (SCADA/AMI peak), or scale them in a feeder.redirects script (Set "
        "LoadMult=…)")
    if peak_todo:
        todos.append("scenarios.load_levels: peak = the model's snapshot load")
    lines += ["scenarios:", "  export_levels_fraction: [0.0, 0.5, 1.0]",
              f"  participation: {participation}",
              "  load_levels: [light, peak]" + (no_load or peak_todo)]
    if light is not None and light.from_model:
        lines.append(f"  light_load_fraction: {light.fraction:g}   # {light.source}")
    elif light is not None:
        lines.append(f"  light_load_fraction: {light.fraction:g}   " + todo(
            f"light_load_fraction: {light.source}", "give the feeder's minimum load as a "
            "fraction of its peak (SCADA or AMI minimum; C11's islanding screen and reverse "
            "flow read it)"))
        todos.append("light_load_fraction")
    # every device on low voltage: the min-case fault resistance decides none of its rows
    names = [*(e["name"] for e in entries), *(p.entry["name"] for p in proposals),
             *(f.name for f in drafted)]
    lv = [kv_of(n) for n in names if is_low_voltage(kv_of(n))]
    r_todo = (r_fault_low_voltage_todo(R_FAULT_MIN_OHM, max(lv))
              if names and len(lv) == len(names) else r_fault_todo(level_kv))
    lines += ["faults:", "  method: iec60909",
              f"  r_fault_min_ohm: {R_FAULT_MIN_OHM:g}   {r_todo}"]
    todos.append("faults.r_fault_min_ohm")
    if v_todo := voltage_limit_todo(model.f_hz):  # a 50 Hz model: ANSI or EN 50160
        lines += ["checks:", f"  v_max_pu: {ANSI_V_MAX_PU:g}   {v_todo}"]
        todos.append("checks.v_max_pu")
    return "\n".join(lines) + "\n", todos
