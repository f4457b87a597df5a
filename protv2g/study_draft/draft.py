"""``draft_study``: a study file drafted from an OpenDSS feeder (``protv2g init``).

What the draft holds, and where each value comes from:

* ``feeder``: the master and redirects, relative to the study's folder; ``adopt_devices:
  false`` (every model device is written out).
* ``devices``: the model's fuses, reclosers and relays as the study loader adopts them
  (:func:`protv2g.study.opendss_devices.adopt_model_devices`: OpenDSS K/T links → EEI-NEMA
  links, other curves → the model's point tables in a curve file beside the study); a study
  fuse on each primary line the model names like a fuse with no ``Fuse`` on it
  (:mod:`.fuse_draft`: a K link by load and C3's series rule, TODO; the head relay is drafted
  over them); a proposed
  feeder-head relay where the model has none (:mod:`.head_relay`, marked TODO; its
  ``reclose_intervals_s`` a TODO value, typical practice in the comment, so that C10 checks a
  sequence the user confirms instead of warning "reclosing not declared"; the model's relays
  and reclosers keep their own intervals); every
  ``interrupting_rating_ka`` a TODO value of the device's class (:mod:`.ratings`: breaker
  IEEE C37.06, recloser C37.60, fuse cutout C37.42 — asymmetrical — in the 15 kV class): the
  smallest preferred rating at or above the largest fault current protv2g computes at the
  device (IEC 60909 max, all fault types, no V2G; the faults at the buses and the device's
  close-in terminal fault, as ``run`` places it: :func:`_close_in_faults`), with the class
  range and source in the comment; outside the 15 kV class the next IEC 60059 R10 value
  (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8 × 10ⁿ kA). Replace it with the nameplate value.
* ``v2g_sites``: those given (``NAME:BUS[.PHASE]:N_CHARGERS:KW_EACH``), else none; a table of
  candidate buses with their short-circuit level and the nearest protective device upstream
  (:mod:`.candidates`) as comments.
* the feeder's existing sources (PV, storage, generators) listed as comments.
* a TODO on ``feeder.opendss`` when the model's source is not a plausible utility source
  (:mod:`protv2g.study.source_check`: an ideal source, IEEE 123's X1 = 0.0001 Ω), and a note
  on every drafted rating that its duty rests on it.
* ``scenarios``, ``faults``: export levels 0/50/100 %, light and peak load, IEC 60909 with a
  20 Ω minimum ground-fault resistance (North American practice 20–40 Ω, domain.md §2).

The YAML text is assembled by :func:`.draft_text.study_text`. Nothing is written to disk here
(the CLI writes :attr:`StudyDraft.text`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from protv2g.devices.library import CurveLibrary, default_library
from protv2g.devices.models import build_device
from protv2g.engine.phase import PhaseDevice
from protv2g.errors import InputError, Issue
from protv2g.network.dss_devices import model_device_dicts
from protv2g.network.dss_fuse_named import fuse_named_lines
from protv2g.network.dss_graph import (
    locate,
)
from protv2g.network.dss_model import load_dss_model
from protv2g.network.dss_voltage_bases import (
    buses_without_base,
    voltage_base_fix,
    without_base_text,
)
from protv2g.study.dss_site_transformers import project_loads, redirect_site_transformers
from protv2g.study.opendss_devices import adopt_model_devices
from protv2g.study.schema import Location
from protv2g.study.source_check import (
    I_SC_MAX_KA,
    devices_over_breaker_max,
    dss_source_levels,
    implausible_sources,
)
from protv2g.study_draft.base_case import (
    _base_case_studies,
    _device_peak,
    _device_table,
    _device_x_r,
)
from protv2g.study_draft.candidates import candidate_buses, short_circuit_levels
from protv2g.study_draft.draft_assumptions import largest_min_ground_fault
from protv2g.study_draft.draft_faults import _close_in_faults, _network_x_r
from protv2g.study_draft.draft_result import DRAFT_STAGES, StudyDraft
from protv2g.study_draft.draft_sites import _check_sites, parse_site
from protv2g.study_draft.draft_text import (
    CURVES_FOLDER,
    DRAFT_PARTICIPATION,
    R_FAULT_MIN_OHM,
    project_device_caveat,
    study_text,
)
from protv2g.study_draft.fuse_draft import (
    choose_links,
    drafted_fuse_name,
    fuse_line_ends,
    line_peak_load_a,
)
from protv2g.study_draft.fuse_load import device_peak_load_a, fuse_load_summary
from protv2g.study_draft.head_load import site_loads
from protv2g.study_draft.head_relay import feeder_heads
from protv2g.study_draft.head_rule import head_proposals
from protv2g.study_draft.heads import feeder_buses, nothing_to_draft
from protv2g.study_draft.loadshapes import light_load
from protv2g.study_draft.low_voltage import device_kv
from protv2g.study_draft.lv_head_fuse import LV_HEAD_CHOICES, head_fuse
from protv2g.study_draft.mid_recloser import recloser_entry
from protv2g.study_draft.notes import model_notes, with_fuse_times
from protv2g.study_draft.ratings import r10_rating_ka
from protv2g.study_draft.recloser_walk import MID_TODO_HEADS
from protv2g.study_draft.source_path import near_ideal_transformers, transformer_text
from protv2g.study_draft.uncompiled import uncompiled_device_notes
from protv2g.study_draft.ungrounded import ground_fault_levels_kv
from protv2g.study_draft.writer import curves_file_text

__all__ = ["DRAFT_STAGES", "StudyDraft", "draft_study", "parse_site", "r10_rating_ka",
           "R_FAULT_MIN_OHM"]

#: Settings written even at their default (they say how the device operates).
_ALWAYS = {"n_fast", "n_delayed", "reclose_intervals_s", "time_dial", "fast_multiplier",
           "delayed_multiplier"}


def draft_study(master: str | Path, *, redirects: Sequence[str | Path] = (),
                study_dir: str | Path | None = None,
                study_paths: Sequence[str] | None = None, sites: Sequence[dict] = (),
                n_candidates: int = 5,
                progress: Callable[[str], None] | None = None,
                lv_head: str = "fuse") -> StudyDraft:
    """Draft a study from an OpenDSS master (see the module docstring).

    Parameters
    ----------
    master : path
        OpenDSS master file.
    redirects : sequence of path
        Further scripts (e.g. ``Fuses.DSS``).
    study_dir : path, optional
        Folder the study will be written to (paths in it are relative to it); default the
        master's folder. Must be the master's folder or one above it (the loader refuses
        feeder files outside the study's folder).
    study_paths : sequence of str, optional
        The master's and the redirects' paths as the study names them (relative to its
        folder), where they are not the files read here: ``protv2g init`` drafts from the
        model and writes the study to read its copy. Default: from ``study_dir``.
    sites : sequence of dict
        ``v2g_sites`` entries (:func:`parse_site`).
    n_candidates : int
        Candidate buses per group.
    progress : callable, optional
        Called with each stage's name as it starts (:data:`DRAFT_STAGES`), as
        :func:`protv2g.runner.run_study` does; the draft itself never prints.
    lv_head : {"fuse", "relay"}
        What is drafted at a feeder head on ≤ 1 kV: an IEC 60269 gG way fuse (default,
        :mod:`.lv_head_fuse`; review rev38b F2) or the head relay (the behaviour before).

    Returns
    -------
    StudyDraft

    Raises
    ------
    InputError
        The model does not compile, a site's bus or phase is not in the model, or the study
        folder is not above the model.
    """
    if lv_head not in LV_HEAD_CHOICES:
        raise InputError(Issue("--lv-head", str(lv_head), "not one of "
                               f"{', '.join(LV_HEAD_CHOICES)}",
                               "give --lv-head fuse (a gG way fuse) or --lv-head relay"))
    master = Path(master).resolve()
    study_dir = Path(study_dir).resolve() if study_dir is not None else master.parent
    issues = []
    rel = list(study_paths or ())
    for p in () if study_paths else (master, *[Path(r).resolve() for r in redirects]):
        if not p.is_relative_to(study_dir):
            issues.append(Issue(str(p), "", f"the study folder {study_dir} is not above the "
                                "model file (the study loader refuses feeder files outside "
                                "the study's folder)", "write the study into the model's "
                                "folder or a folder above it (-o <that folder>/study.yaml)"))
        else:
            rel.append(p.relative_to(study_dir).as_posix())
    if issues:
        raise InputError(issues)
    mark = progress or (lambda stage: None)
    mark("model")
    model = load_dss_model(master, redirects=list(redirects))
    if bare := buses_without_base(model):
        # before any figure is drafted on them: a site's transformer added by a redirect
        # without CalcVoltageBases left its LV bus at 0 kV, and init stopped on a NaN in the
        # head relay's pickup (review rev37b F1, IEEE 34 with --site)
        raise InputError(Issue(str(master), "voltagebases", without_base_text(bare),
                               voltage_base_fix([str(r) for r in redirects],
                                                for_init=True)))
    _check_sites(model, sites)
    # a site behind a transformer the redirects add: its own (review rev33a F1)
    site_xf = redirect_site_transformers(model, [(s["name"], s["bus"]) for s in sites])
    # … and the loads the redirects add behind it, which go with it (review rev35a M1)
    xf_loads = {n: project_loads(model, x[0]) for n, x in site_xf.items() if len(x) == 1}
    dicts, curves, import_warn = model_device_dicts(model)
    library = default_library()
    adopted, extra, bad, adopt_warn = adopt_model_devices(dicts, curves, library, set(),
                                                          str(master))
    full_lib = CurveLibrary([*library, *extra])
    entries = []
    for d in adopted:
        e = d.model_dump(mode="json", exclude_none=True)
        shown = set(d.model_dump(exclude_defaults=True)) | _ALWAYS
        entries.append({"name": e.pop("name"), "kind": d.kind.value,
                        "location": e.pop("location"), **{k: v for k, v in e.items()
                                                          if k != "kind" and k in shown}})
    extra = [dataclasses.replace(c, source=c.source.replace(str(master), master.name))
             for c in extra]
    places = {}
    for e in entries:
        found, _i = locate(model, Location.model_validate(e["location"]), str(master), "")
        if found is not None:
            places[e["name"]] = found
    kinds = {e["name"]: e["kind"] for e in entries}
    all_heads = feeder_heads(model, {n: el for n, (el, _t) in places.items()
                                     if kinds[n] in ("relay", "recloser")})
    heads = [h for h in all_heads if not h.protected_by and not h.skipped]
    skipped = [h.skipped for h in all_heads if h.skipped and not h.protected_by]
    disabled = set(model.devices.name[~model.devices.enabled.astype(bool)].str.split(
        ".", n=1).str[1].str.lower())
    skipped += [f"{h.element} is guarded by {kinds[h.protected_by]} {h.protected_by}"
                + (" (disabled in the model, adopted as in service)"
                   if h.protected_by in disabled else "")
                for h in all_heads if h.protected_by]
    head_names = [f"head-{h.element.split('.', 1)[1]}" for h in heads]
    phase_devices = [PhaseDevice(n, el, t) for n, (el, t) in places.items()]
    phase_devices += [PhaseDevice(n, h.element, h.terminal) for n, h in zip(
        head_names, heads, strict=True)]
    fuse_lines = fuse_named_lines(model)   # a fuse drafted on each (:mod:`.fuse_draft`)
    fuse_ends = fuse_line_ends(model, fuse_lines)
    phase_devices += [PhaseDevice(drafted_fuse_name(ln), ln, t)
                      for ln, (t, _near, _far) in fuse_ends.items()]
    if not phase_devices:   # no device to adopt or draft (review rev44b F2)
        raise InputError(nothing_to_draft(str(master), all_heads))
    # the study's base case leaves out the sites' own model transformers init writes
    # (``model_transformer``): the fault levels init quotes as "without V2G" — the candidate
    # table, the fuses' links and every drafted rating — are read on it (review rev36a T6:
    # IEEE 8500's depot_xf, YNd, raised hvmv_sub_48332's SLG 8.26 → 8.56 kA); a device on
    # such a transformer itself (the site's own fuse) keeps the figure with it in
    base_open = sorted({f"transformer.{x[0].lower()}" for x in site_xf.values()
                        if len(x) == 1})
    gone = set(base_open)
    on_xf = [d for d in phase_devices if str(d.element).lower() in gone]
    mark("faults")
    base_model, base_res, res = _base_case_studies(model, phase_devices, base_open)
    table = _device_table(base_res, res)
    peak = _device_peak(base_res, res)
    mark("close-in faults")
    close_peak, close_rows = _close_in_faults(
        base_model, [d for d in phase_devices if d not in on_xf])
    if on_xf:   # the project's own devices: on the model with their transformer
        xf_peak, xf_rows = _close_in_faults(model, on_xf)
        close_peak = pd.concat([close_peak, xf_peak])
        close_rows = pd.concat([close_rows, xf_rows])
    peak = pd.concat([peak, close_peak]).groupby(level=0).max()
    mark("fuses")
    drafted, not_drafted = choose_links(base_model, fuse_lines,
                                        line_peak_load_a(base_model, fuse_ends),
                                        (1e3 * peak).to_dict(), full_lib)
    fuse_places = {f.name: (f.element, f.terminal) for f in drafted}
    fuse_entries = [f.entry for f in drafted]
    # light load from the model's own loadshapes, leaving out the lumped load equivalents of
    # other feeders (review s19 §3.7: ckt24's shapes give 0.209 where the default is 0.3)
    light = light_load(model.engine, frozenset(str(model.buses.index[h.far_bus]).lower()
                                               for h in all_heads if h.skipped))
    mark("head relay")
    # the head's pickups (and the mid-line reclosers') carry the feeder's own peak without
    # V2G: the protection it has before the sites, with or without --site (review rev47a
    # item 1); the sites' charging and export, in the participation cases the draft writes,
    # are solved for the comments (C8's V2G finding where they pass a pickup / 1.5)
    # the no-V2G peak without the sites' own transformers init writes (the study's base
    # case; ver33: IEEE 123's depot_xf gave 92 A of residual where the base case has 176 A),
    # and the rule's zone faults on that base case too, as --redraft reads them (s34: init
    # wrote "min zone faults … ground 59 A" with depot_xf in, --redraft 113 A without it)
    head_model, head_table = base_model, base_res.device_rows(1.0)
    built = _built([*entries, *fuse_entries], {**places, **fuse_places}, full_lib)
    proposals = head_proposals(head_model, heads, head_names, {**places, **fuse_places},
                               built, head_table, full_lib, bool(sites),
                               site_loads(sites, DRAFT_PARTICIPATION if sites else ()),
                               light.fraction, model, base_open=base_open,
                               mid_reclosers=True)
    # a recloser where a head's 51P cannot reach (.mid_recloser, review rev42a M6): its
    # faults, then the head re-drafted with it below (its zone ends there, C4 over it)
    mids = [(recloser_entry(r, p.entry["reclose_intervals_s"]), r) for p in proposals
            for r in p.figures.get("mid_reclosers", ()) if r.drafted]
    if mids:
        rec_places = {e["name"]: (f"line.{r.line}", r.terminal) for e, r in mids}
        rec_devices = [PhaseDevice(n, el, t) for n, (el, t) in rec_places.items()]
        phase_devices += rec_devices
        base_model, base_res, res = _base_case_studies(model, phase_devices, base_open)
        table = _device_table(base_res, res)
        rec_peak, rec_rows = _close_in_faults(base_model, rec_devices)
        close_rows = pd.concat([close_rows, rec_rows])
        peak = pd.concat([peak, _device_peak(base_res, res), rec_peak]).groupby(level=0).max()
        head_model, head_table = base_model, base_res.device_rows(1.0)
        with_rec = {**places, **fuse_places, **rec_places}
        built = _built([*entries, *fuse_entries, *(e for e, _ in mids)], with_rec, full_lib)
        first = proposals
        proposals = head_proposals(head_model, heads, head_names, with_rec,
                                   built, head_table, full_lib, bool(sites),
                                   site_loads(sites, DRAFT_PARTICIPATION if sites else ()),
                                   light.fraction, model, base_open=base_open)
        for p, p0 in zip(proposals, first, strict=True):
            if "mid_reclosers" in p0.figures:   # with what none of them covers
                p.figures["mid_reclosers"] = p0.figures["mid_reclosers"]
                p.conflicts += [c for c in p0.conflicts if c.startswith(MID_TODO_HEADS)]
    if lv_head == "fuse":   # a gG way fuse at a head on ≤ 1 kV (review rev38b F2)
        proposals = [head_fuse(p, full_lib) or p for p in proposals]
    # the feeder's buses: the substation's feeder bus, where the heads leave, and below it at
    # every voltage (draft44's left item: not the mode of the primary buses' kV — on rev44b's
    # f1, 12.47 kV below a step-down, where its 34.5 kV trunk is the feeder's level)
    sub_bus, feeder = feeder_buses(model)
    feeder_kv = float(model.buses.kv_ll.iat[sub_bus])
    kv_at = device_kv(model, phase_devices)   # each device's own terminal bus
    mark("candidates")
    levels = short_circuit_levels(base_model, base_res)  # the base case's (rev36a T6)
    levels["x_r"] = _network_x_r(base_model, levels)
    behind = {n: (el, kinds[n]) for n, (el, _t) in places.items()}
    proposed = {p.entry["name"]: p.entry["kind"] for p in proposals}
    behind.update({n: (h.element, f"{proposed.get(n, 'relay')}, proposed")
                   for n, h in zip(head_names, heads, strict=True)})
    behind.update({f.name: (f.element, "fuse, drafted") for f in drafted})
    behind.update({e["name"]: (f"line.{r.line}", "recloser, drafted") for e, r in mids})
    cand = candidate_buses(model, levels, feeder, n_candidates, behind)
    mark("notes")
    notes = model_notes(model, import_warn, adopt_warn, {e["name"] for e in entries},
                        [f.element for f in drafted], not_drafted)
    notes = with_fuse_times(notes, dicts, curves, entries, pd.concat([table, close_rows]),
                            full_lib)
    project = {d.name: str(d.element).split(".", 1)[1] for d in on_xf}
    notes = [dataclasses.replace(n, action=project_device_caveat(
        f"{n.action} | fix:", project[n.device]).removesuffix(" | fix:"))
        if n.todo and n.device in project else n for n in notes]
    notes = [*uncompiled_device_notes(master, model, redirects), *notes]  # review rev31
    source_issues = implausible_sources(dss_source_levels(model))
    # a near-ideal substation (IEEE 13's XHL = 0.008 %: 1,362 kA at its 4.16 kV head) passes
    # the source check at the Vsource's 115 kV: the fault level the devices see says it
    # (a device at distribution voltage, its own bus's: a breaker's rating is of its class)
    over = devices_over_breaker_max(peak, kv_at, feeder_kv)
    # … and names the near-ideal transformers on the way (review rev34b L3: IEEE 34's SubXF)
    xf = transformer_text(near_ideal_transformers(model, [h.bus for h in heads])
                          ) if len(over) else ""
    if len(over) and not source_issues:  # an implausible source already explains it
        source_issues.append(
            f"fault level {over.max():,.0f} kA at {over.idxmax()} "
            f"({kv_at.get(over.idxmax(), feeder_kv):g} kV), above "
            f"the largest breaker rating {I_SC_MAX_KA:g} kA (IEEE C37.06): its source or "
            f"substation transformer impedance is close to ideal{xf}")
    elif xf:
        source_issues[-1] += xf
    text, todos = study_text(model, rel, entries, bad, proposals, peak, cand, sites,
                             bool(extra), feeder_kv, skipped,
                             _device_x_r(model, base_model, phase_devices, on_xf), notes,
                             light, source_issues,
                             drafted, [(head_label(h), h.far_bus) for h in all_heads],
                             site_transformers=site_xf, site_transformer_loads=xf_loads,
                             device_kv=kv_at, feeder=feeder,
                             project_devices=project, mid_reclosers=mids,
                             min_ground_fault={
                                 kv: largest_min_ground_fault(
                                     base_res.bus, base_model.buses.kv_ll, kv)
                                 for kv in (ground_fault_levels_kv(model, feeder)
                                            or (feeder_kv,))})
    # most of the model's fuses below their laterals' load: said once (review rev36a T3)
    model_fuses = {e["name"]: places[e["name"]] for e in entries
                   if e["kind"] == "fuse" and e["name"] in places
                   and str(places[e["name"]][0]).lower() not in gone}
    fuse_load = fuse_load_summary(device_peak_load_a(base_model, model_fuses), built,
                                  {e["name"]: e.get("link", "") for e in entries})
    if fuse_load:
        head, sep, rest = text.partition("\n# Every value")
        text = f"{head}\n# NOTE: {fuse_load}{sep}{rest}"
    curves_text = curves_file_text(extra, master.name) if extra else None
    return StudyDraft(text, curves_text, CURVES_FOLDER, tuple(todos), cand, tuple(proposals),
                      tuple(notes), tuple(skipped), tuple(source_issues), fuse_load)


def head_label(h) -> str:  # noqa: ANN001
    """How the draft names a feeder head: its drafted relay, the device guarding it, or its
    line (a lumped load equivalent)."""
    if h.protected_by:
        return h.protected_by
    return h.element if h.skipped else f"head-{h.element.split('.', 1)[1]}"


def _built(entries: Sequence[dict], places: dict, library: CurveLibrary) -> dict:
    """The located entries built as device models (name → model); one that does not build is
    left out (not coordinated with)."""
    out = {}
    for e in entries:
        if e["name"] not in places:
            continue
        fields = {k: v for k, v in e.items()
                  if k not in ("kind", "location", "reclose_intervals_s", "directional",
                               "characteristic_angle_degree", "interrupting_rating_ka")}
        try:
            out[e["name"]] = build_device(e["kind"], fields, library)
        except (InputError, KeyError, ValueError, TypeError):
            continue
    return out
