"""The text of a drafted study file (``protv2g init``): the YAML with its comments and TODOs.

:func:`study_text` writes what :func:`protv2g.study_draft.draft.draft_study` found and
computed; every assumed value carries a ``# TODO`` comment (``protv2g validate`` lists them).
The assumed values and their TODO texts are :mod:`.draft_assumptions`; what the text reads
from the model itself (its name, sources, loads, a site's leg) :mod:`.draft_model`.
"""

from __future__ import annotations

import numpy as np

from protv2g.study.source_check import DSS_SOURCE_FIX
from protv2g.study.todos import DRAFTED_RELAY_MARK
from protv2g.study_draft.curve_choice import clearing_comment, slow_clearing
from protv2g.study_draft.draft_assumptions import (
    _NO_GROUND_TODO,
    DRAFT_PARTICIPATION,
    FUSE_LINK_FIX,
    NO_FUSE_NOTE,
    OLD_PICKUP_RULE,
    OLD_PICKUP_RULES,
    PICKUP_RULE,
    R_FAULT_MIN_OHM,
    SITE_ASSUMPTIONS,  # noqa: F401  (re-exported: read from here)
    SOURCE_CAVEAT,  # noqa: F401  (re-exported: read from here)
    _site_entry,
    _source_caveat,
    _with_field_todos,
    r_fault_todo,
    r_fault_ungrounded_todo,
    reclose_todo,
)
from protv2g.study_draft.draft_model import (
    _existing_sources,
    _leg_todo,
    _load_split,
    _model_load_kw,
    _study_name,
)
from protv2g.study_draft.fuse_draft import LINK_RULE_SHORT, link_rule_text
from protv2g.study_draft.head_load import sites_comment
from protv2g.study_draft.loadshapes import shapes_peak_text
from protv2g.study_draft.low_voltage import (
    ANSI_V_MAX_PU,
    LV_RECLOSE_TODO,
    is_low_voltage,
    r_fault_low_voltage_todo,
    voltage_limit_todo,
    zone_faults_text,
)
from protv2g.study_draft.lv_head_fuse import (
    HEAD_FUSE_FIX,
    head_fuse_comments,
    head_fuse_rule_text,
)
from protv2g.study_draft.notes import NO_LOAD_WHAT, note_lines
from protv2g.study_draft.ratings import device_rating as _rating
from protv2g.study_draft.shared_todos import factor_shared
from protv2g.study_draft.site_transformer import with_site_transformer
from protv2g.study_draft.trade import dials_clause
from protv2g.study_draft.ungrounded import (
    ground_fault_levels_kv,
    ungrounded_feeder,
    ungrounded_names,
)
from protv2g.study_draft.writer import candidate_comments, device_block, inline, todo

#: The fix of init's TODO on a Generator of OpenDSS's inverter model (review rev41b M6).
MODEL7_FIX = ("confirm it is an inverter-based unit; if it is a synchronous machine, give it "
              "model=1 with its Xdp/Xdpp in the OpenDSS model (model 7 changes only its "
              "power-flow behaviour, and a machine feeds far more fault current)")

__all__ = ["study_text", "R_FAULT_MIN_OHM", "CURVES_FOLDER", "DRAFT_PARTICIPATION",
           "PICKUP_RULE", "OLD_PICKUP_RULE", "OLD_PICKUP_RULES"]

#: Folder (beside the study) of the model's own curves.
CURVES_FOLDER = "model_curves"
#: The TODO on a drafted relay's ``kind`` line: its CT is not known.
CT_RATIO_TODO = "CT ratio not known: the pickups are primary amperes"
CT_RATIO_FIX = ("choose the CT (primary ≥ max load, accuracy class for the max fault) and "
                "round the pickups to the relay's secondary steps")


def project_device_caveat(note: str, transformer: str | None) -> str:
    """A TODO comment (``# TODO: … | fix: …``) of a device on a site's own model transformer
    ``transformer``, saying its figures are with that transformer in: the study's base case
    (no V2G) leaves the transformer out, and the device with it (review rev36a T6); ``note``
    itself when ``transformer`` is None."""
    if not transformer:
        return note
    what, sep, fix = note.partition(" | fix:")
    return (f"{what}; with the site's own transformer {transformer} in service: this device "
            f"is the project's, on it (the base case without V2G leaves both out){sep}{fix}")


def study_text(model, rel, entries, bad, proposals, peak, cand, sites, has_curves,  # noqa: ANN001, ANN201
               feeder_kv, skipped=(), x_r=None, notes=(), light=None, source_issues=(),
               drafted=(), heads=(), site_transformers=None, device_kv=None,
               site_transformer_loads=None, project_devices=None, mid_reclosers=(),
               feeder=None, min_ground_fault=None):
    """The study file's YAML text and its TODO list (see :mod:`.draft`).

    ``project_devices`` device → the site's own model transformer it sits on: its drafted
    rating quotes the fault with that transformer in (the base case leaves both out), and
    its TODO says so (:func:`project_device_caveat`).

    ``rel`` the model files relative to the study folder; ``entries`` the adopted devices'
    dicts; ``bad`` the model devices not adopted (:class:`~protv2g.errors.Issue`);
    ``proposals`` the proposed head relays (:mod:`.head_relay`); ``peak`` device → largest
    max-case fault current, kA; ``cand`` the candidate-bus table (:mod:`.candidates`);
    ``sites`` the ``v2g_sites`` entries; ``has_curves`` whether a curve file goes beside the
    study; ``feeder_kv`` the substation's feeder bus's voltage, kV (a device whose terminal
    is not found, ``device_kv`` below); ``feeder`` a mask of the model's buses on the feeder
    (:func:`.heads.feeder_buses`; None: all): the ungrounded check and the minimum-case fault
    resistance's V_LN / R ceiling read its primary buses, at each of their voltages
    (:func:`.ungrounded.ground_fault_levels_kv`); ``skipped`` why a head has no drafted relay;
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
    ``site_transformer_loads`` site name → the loads the redirects add behind that one
    transformer (:func:`protv2g.study.dss_site_transformers.project_loads`): its comment names
    them (review rev35a M1);
    ``device_kv`` device → the voltage base at its own terminal, kV (:func:`.low_voltage.
    device_kv`; default ``feeder_kv``): a device on ≤ 1 kV gets low-voltage practice
    (:mod:`.low_voltage`: LV rating class, no reclosing), and a draft whose devices are all
    there says the minimum-case fault resistance is unused. A 50 Hz model gets a TODO on
    ``checks.v_max_pu`` (ANSI C84.1 vs EN 50160, :func:`.low_voltage.voltage_limit_todo`).
    ``mid_reclosers`` (entry, :class:`.mid_recloser.MidRecloser`) of the reclosers drafted
    where a head relay cannot reach, written after it with a TODO on each value.
    ``min_ground_fault`` (A, bus): the largest minimum-case SLG current through the drafted
    fault resistance on the model at ``level_kv``
    (:func:`.draft_assumptions.largest_min_ground_fault`), said in that resistance's TODO.
    Returns ``(text, todos)``.
    """
    x_r = x_r or {}
    kv_at = dict(device_kv or {})

    def kv_of(name: str) -> float:
        return float(kv_at.get(name, feeder_kv))

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
    for name in (e.name for e in model.inverters if e.name.startswith("generator.")):
        lines.append(todo(f"{name} is an OpenDSS Generator model=7 (its current-limited "
                          "inverter approximation): protv2g takes it as an inverter (1.5 pu "
                          "first cycle, the chargers' model), not as OpenDSS's fault study "
                          "does (a machine behind Xdp)", MODEL7_FIX))
        todos.append(f"{name}: inverter or synchronous machine")
    if not drafted and not mid_reclosers and not any(
            str(e.get("kind")) in ("fuse", "recloser")
            for e in [*entries, *(p.entry for p in proposals)]):
        lines.append(f"# {NO_FUSE_NOTE}")   # review rev34b L4 (IEEE 34 has none)
    lines.append("devices:" if entries or proposals or drafted else "devices: []")
    for e in entries:
        i_ka = float(peak.get(e["name"], np.nan))
        rating, note = _rating(e["kind"], kv_of(e["name"]), i_ka,
                               x_r.get(e["name"], np.nan), model.f_hz)
        todos.append(f"{e['name']}: interrupting_rating_ka")
        mine = [n for n in notes if n.device == e["name"]]
        todos += [f"{e['name']}: {n.what}" for n in mine if n.todo]
        on_field = {"interrupting_rating_ka": project_device_caveat(
            _source_caveat(note, bool(source_issues)), (project_devices or {}).get(e["name"]))}
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
        if p.entry["kind"] == "fuse":   # a gG way fuse at a low-voltage head (.lv_head_fuse)
            rating, note = _rating("fuse", kv_of(name), i_ka, x_r.get(name, np.nan),
                                   model.f_hz)
            todos += [f"{name}: link", f"{name}: interrupting_rating_ka"]
            lines += device_block({**p.entry, **rating}, head_fuse_comments(
                p, bool(model.inverters or model.machines), R_FAULT_MIN_OHM),
                {"link": todo(f"drafted gG way fuse {f['why']} (rule: "
                              f"{head_fuse_rule_text()})", HEAD_FUSE_FIX),
                 "interrupting_rating_ka": _source_caveat(note, bool(source_issues))})
            continue
        comments = [
            f"# peak load {f['peak_load_a']:.0f} A (the model's snapshot load), residual "
            f"{f['peak_residual_a']:.0f} A"
            + (" (existing DER off: gross load)" if model.inverters or model.machines else "")
            + f"; {zone_faults_text(f, R_FAULT_MIN_OHM)}",
            *([f"# {sites_comment(f, p.entry)}"] if sites_comment(f) else []),
            *[f"# {k}: {t}" for k, t in f.get("pickup_steps", {}).items()],
            *clearing_comment(f),
            *[todo(c, "review the setting") for c in p.conflicts]]
        todos += [f"{name}: assumed relay", f"{name}: CT ratio", *p.conflicts]
        if "curve_choice" in f and slow_clearing(f["curve_choice"]):
            todos.append(f"{name}: min-fault clearing")
        rating, note = _rating("relay", kv_of(name), i_ka, x_r.get(name, np.nan), model.f_hz)
        todos += [f"{name}: reclose_intervals_s", f"{name}: interrupting_rating_ka"]
        # the relay's own TODOs on its lines, not above it: an item a user inserts between
        # comments and the relay would take them (ver38, session 40); the first names the
        # relay (DRAFTED_RELAY_MARK, what validate and run find a drafted relay by)
        lines += device_block({**p.entry, **rating}, comments,
                              {"name": todo(
                                  f"{DRAFTED_RELAY_MARK}{name}: the model has no relay or "
                                  "recloser at this feeder head; settings by protv2g's stated "
                                  "rule (docs/opendss-phase-path.md): " + PICKUP_RULE
                                  + ", time dials for " + dials_clause(f),
                                  "replace by the utility's relay settings"),
                               # on the kind line: a line init --redraft never re-writes
                               "kind": todo(CT_RATIO_TODO, CT_RATIO_FIX),
                               "reclose_intervals_s": LV_RECLOSE_TODO if is_low_voltage(
                                   kv_of(name)) else reclose_todo(
                                       p.entry["reclose_intervals_s"]),
                               "interrupting_rating_ka": _source_caveat(
                                   note, bool(source_issues))})
    for e, rec in mid_reclosers:   # where a head cannot reach (.mid_recloser, rev42a M6)
        name = e["name"]
        rating, note = _rating("recloser", kv_of(name), float(peak.get(name, np.nan)),
                               x_r.get(name, np.nan), model.f_hz)
        todos += [f"{name}: drafted recloser", f"{name}: interrupting_rating_ka"]
        lines += device_block({**e, **rating}, [f"# {rec.text}"], {
            "name": todo(f"drafted mid-line recloser {name}: the device above it cannot "
                         "protect the buses behind it (51P below 1.5 × pickup, or 51G not "
                         f"reaching or slower than 10 s); placed where {rec.place} "
                         "(protv2g.study_draft.recloser_walk: the line into the first bus on "
                         "the path to the weakest uncovered bus below 2 × the device's 51P or "
                         "with its ground fault uncovered, downstream while its pickup "
                         "window does not fit, pickup within [2 × its load, ½ × its zone "
                         "minimum], curves 101/133, 104/117)",
                         "confirm the place and settings with the utility (or delete it: the "
                         "head's reach TODO then holds)"),
            "interrupting_rating_ka": _source_caveat(note, bool(source_issues))})
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
            entry, on_field = with_site_transformer(
                entry, on_field, (site_transformers or {}).get(s["name"]),
                (site_transformer_loads or {}).get(s["name"], ()))
            on_field.update(_leg_todo(model, s))
            lines += device_block(entry, (), on_field)
            todos += [f"{s['name']}: {k}" for k in on_field]
    else:
        lines += ["v2g_sites: []   # add sites, e.g.:",
                  "#  - {name: depot, bus: <bus>, n_chargers: 20, p_charger_kw: 100}",
                  "#  - {name: homes, bus: <bus>, phases: 1, phase: a, n_chargers: 20, "
                  "p_charger_kw: 7.2}",
                  # review rev46a #5: sites added by hand kept the drafted first reclose
                  # drafted for no DER, and C10 failed on it alone
                  "#  then `protv2g init --redraft <this file>`: a drafted (TODO) head relay's",
                  "#  reclosing is re-drafted past the sites' cease-to-energise time (or draft",
                  "#  with `protv2g init --site NAME:BUS[.PHASE]:N:KW`)"]
    loadless = [n for n in general if n.what == NO_LOAD_WHAT]
    no_load = "".join(f"  {todo(f'{n.what}: {n.action}', n.fix)}" for n in loadless)
    todos += [n.what for n in loadless]
    # with sites, the firm case too (review s19 §3.5: every charger online is the case a
    # utility plans export limits for; the expected case alone understates reverse flow)
    participation = f"[{', '.join(DRAFT_PARTICIPATION)}]" if sites else "[expected]"
    # the project's own loads behind its site transformer are not the feeder's peak: they
    # leave the base case with the transformer (review rev37a F2, ckt5: 7,173 kW with the
    # depot's 40 kW aux load where the feeder without V2G has 7,133 kW)
    project = [(n, kw) for loads in (site_transformer_loads or {}).values()
               for n, kw in loads]
    leave_out = frozenset(str(n).lower().removeprefix("load.") for n, _kw in project)
    project_kw = sum(kw for _n, kw in project if kw == kw)
    with_project = (f"; the project's own {project_kw:,.0f} kW behind its site transformer "
                    "not counted: they are in the V2G scenarios only" if project_kw > 0 else "")
    load_kw = _model_load_kw(model, leave_out)
    peak_todo = "" if loadless or not load_kw > 0 else "   " + todo(
        f"peak = the model's own snapshot load ({load_kw:,.0f} kW"
        f"{_load_split(model, heads, leave_out)}{with_project}; "
        "its loads' kW as the script sets them, LoadMult 1), the light level the fraction "
        f"below × it{shapes_peak_text(light, load_kw)}: init assumed "
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
             *(f.name for f in drafted), *(e["name"] for e, _r in mid_reclosers)]
    lv = [kv_of(n) for n in names if is_low_voltage(kv_of(n))]
    r_todo = (r_fault_low_voltage_todo(R_FAULT_MIN_OHM, max(lv))
              if names and len(lv) == len(names)
              else r_fault_ungrounded_todo(R_FAULT_MIN_OHM) if ungrounded_feeder(model, feeder)
              else r_fault_todo(ground_fault_levels_kv(model, feeder) or feeder_kv,
                                largest=min_ground_fault))
    lines += ["faults:", "  method: iec60909",
              f"  r_fault_min_ohm: {R_FAULT_MIN_OHM:g}   {r_todo}"]
    todos.append("faults.r_fault_min_ohm")
    if v_todo := voltage_limit_todo(model.f_hz):  # a 50 Hz model: ANSI or EN 50160
        lines += ["checks:", f"  v_max_pu: {ANSI_V_MAX_PU:g}   {v_todo}"]
        todos.append("checks.v_max_pu")
    # the clauses many device TODOs repeat, once above the devices (review rev36a T2)
    return "\n".join(factor_shared(lines)) + "\n", todos
