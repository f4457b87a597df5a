"""``protv2g init``: draft a study file from an OpenDSS feeder model.

Examples
--------
::

    protv2g init feeders/opendss_example/Master.dss -o feeders/opendss_example/study.yaml
    protv2g init model/Master.dss --redirect model/Fuses.DSS -o study.yaml \
        --site depot:m1209817:20:100 --site homes:l3312692.a:20:7.2
    protv2g init --redraft study.yaml

The study adopts the model's fuses, reclosers and relays, proposes a feeder-head relay where
the model has none, lists candidate V2G site buses with their short-circuit level and marks
every assumed value ``# TODO`` (``protv2g validate`` lists them); see
:mod:`protv2g.study_draft`. The model's own curve tables, when the library has no equal, go
to ``model_curves/`` beside the study.

``--redraft STUDY`` re-applies the head-relay rule to a study drafted before, as it now stands
(the devices added since bound the head's zone and set its coordination): for a relay still
marked TODO whose values the rule now gives materially otherwise (``validate`` and ``run``
warn of them), it writes the rule's values for that relay into the study
(:mod:`protv2g.study_draft.redraft`).

A study reads feeder files only from its own folder or below it
(:func:`protv2g.study.paths.resolve_inside`). When ``-o`` names a folder that is not the
model's folder or above it (the model on a read-only share, a study kept apart from the
model), the model — its scripts and the files they name
(:func:`protv2g.network.opendss_files.model_files`: ``Redirect``/``Compile`` targets, bus
coordinates, load-shape and curve files), never the folder's other files (the user's
outputs) — is copied into the study's folder under the name of the deepest folder holding
them, and the study reads the copy; a ``--redirect`` inside that folder goes with it, one
outside it (the utility's source impedance kept elsewhere) is copied beside the study, only
the files it reaches. A study written beside its master (the master and the ``--redirect``
scripts in the study's folder or below) is not copied even when the model's own references
reach above it (IEEE 123's ``Redirect ../IEEELineCodes.DSS``): the study names only files in
its folder, OpenDSS follows the model's references where they are, and the user's edits to
the master beside the study are the ones read (review rev42b F1); init says which files
outside the folder the model reads. The command prints what it copied. Exit codes: 0
written, 2 bad input (an existing study file or model copy without ``--force``, a model folder
over :data:`MODEL_COPY_LIMIT_MB`).
"""

from __future__ import annotations

import argparse
import shutil  # noqa: F401  (init_files copies with it; tests patch init.shutil.copy2)
import sys
from pathlib import Path

from protv2g.commands.init_files import (
    MODEL_COPY_LIMIT_MB,
    _check_copy,
    _copy_file,
    _copy_model,
    _model_files,
    _redirect_copies,
    _split_redirects,
    _stop_target,
    _study_path,
    _write_text,
    model_copy_plan,
)
from protv2g.commands.init_redraft import _redraft
from protv2g.errors import InputError, Issue
from protv2g.network.opendss_files import model_files

__all__ = ["MODEL_COPY_LIMIT_MB", "model_copy_plan", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``init`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "init", help="draft a study file from an OpenDSS feeder model",
        description="Draft a study from an OpenDSS master: the model's devices, a proposed "
                    "feeder-head relay where it has none, candidate V2G site buses with their "
                    "short-circuit level, and every assumed value marked '# TODO'.")
    p.add_argument("master", metavar="MASTER.dss", nargs="?", help="OpenDSS master file")
    p.add_argument("--redirect", action="append", default=[], metavar="FILE.dss",
                   help="a further script run after the master (e.g. Fuses.DSS); repeatable")
    p.add_argument("-o", "--output", metavar="STUDY.yaml", default=None,
                   help="study file to write (default: study.yaml beside the master); "
                        "outside the model's folder (or a folder above it) the model's folder "
                        "is copied beside the study")
    p.add_argument("--site", action="append", default=[], metavar="NAME:BUS[.PHASE]:N:KW",
                   help="a V2G site: name, bus (with .a/.b/.c for a single-phase fleet line "
                        "to neutral, .ab/.bc/.ca for one unit between two conductors: a "
                        "240 V charger across a split-phase secondary's legs is .ab), "
                        "number of chargers, kW each; repeatable")
    p.add_argument("--candidates", type=int, default=5, metavar="N",
                   help="candidate buses listed per group (default 5)")
    p.add_argument("--lv-head", choices=("fuse", "relay"), default="fuse",
                   help="at a feeder head on ≤ 1 kV with no device: draft an IEC 60269 gG way "
                        "fuse (default; the smallest gG rating ≥ the head's load) or a relay")
    p.add_argument("--force", action="store_true", help="overwrite an existing study file")
    p.add_argument("--redraft", metavar="STUDY.yaml", default=None,
                   help="instead of drafting a study: re-apply the head-relay rule to a study "
                        "drafted before, with the devices added since, and write its values "
                        "for a drafted (TODO) relay they changed materially (in place, or to "
                        "-o in the same folder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the drafted study (and its curve file); print what needs the engineer."""
    from protv2g.commands.progress import StageProgress
    from protv2g.report.atomic_folders import folder_set, made_folder
    from protv2g.study_draft import draft_study, parse_site
    from protv2g.study_draft.curve_choice import CLEAR_FIX, clearing_summary, slow_clearing
    from protv2g.study_draft.draft import DRAFT_STAGES
    from protv2g.study_draft.draft_text import NO_FUSE_NOTE
    from protv2g.study_draft.notes import note_lines
    from protv2g.study_draft.site_arg import site_kw_slip

    if args.redraft is not None:
        return _redraft(args)
    if args.master is None:
        raise InputError(Issue("init", "MASTER.dss", "no OpenDSS master file given",
                               "protv2g init MASTER.dss -o STUDY.yaml (or --redraft "
                               "STUDY.yaml to re-draft a study's head relay)"))
    master = Path(args.master)
    out = Path(args.output) if args.output else master.parent / "study.yaml"
    _stop_target(args, out)
    if out.exists() and not args.force:
        raise InputError(Issue(str(out), "", "the study file exists",
                               "give another -o path, or --force to overwrite it"))
    # every file the model is made of (its scripts and the files they name), read once for
    # the plan and the copy
    reached = model_files(master)
    model_dir, copy_to = model_copy_plan(master, [], out.parent, reached=reached)
    inside, outside = _split_redirects(args.redirect, model_dir)
    reached += [f for script in inside for f in model_files(Path(script))]
    # the study beside its master (and the redirects in the master's folder or below): the
    # study names only files in its folder and OpenDSS itself follows the model's own
    # references above it (IEEE 123's `Redirect ../IEEELineCodes.DSS`): no copy — review
    # rev42b F1: the feeder's parent was copied into a folder named after it beside the
    # study, and the user's edits to the master beside it went unread
    beyond: list[Path] = []
    if copy_to is not None and all(Path(p).resolve().is_relative_to(out.parent.resolve())
                                   for p in (master, *inside)):
        copy_to = None
        beyond = [f for f in _model_files(reached)
                  if not f.is_relative_to(out.parent.resolve())]
    if copy_to is not None:  # the model's files listed once, for the check and the copy
        files = _model_files(reached)
        _check_copy(model_dir, copy_to, files, force=args.force)
    # a --redirect outside the model's folder (the utility's source impedance, say): the
    # files it reaches, not its folder, copied beside the study (review s26: its folder was
    # taken into the model's, "/" for a file in /tmp, and the study never found it)
    extra = _redirect_copies(outside, out.parent, force=args.force)
    study_dir = out.parent.resolve()
    # paths in the study are relative to the study's folder: the model's copy, or the model
    paths = [_study_path(Path(p), model_dir, copy_to, study_dir) for p in (master, *inside)]
    paths += [(extra[Path(r).resolve()]).relative_to(study_dir).as_posix() for r in outside]
    sites = [parse_site(s) for s in args.site]
    for text, site in zip(args.site, sites, strict=True):  # before the draft's minute or so
        slip = site_kw_slip(text, site)  # light: the plausibility bounds only
        if slip:
            print(f"warning: {slip}", file=sys.stderr)
    # stage progress as `run` and `hosting` show it (review s27 §8: ≈ 29 s silent on EPRI J1)
    with StageProgress("init", DRAFT_STAGES) as progress:
        draft = draft_study(master, redirects=[*inside, *outside], study_paths=paths,
                            sites=sites, n_candidates=args.candidates, progress=progress,
                            lv_head=getattr(args, "lv_head", "fuse"))
    # the model's copy, the redirects' copies, the study and its curve file as one set: each
    # to a temporary, all moved into place once complete (a stop or an error before that
    # leaves every earlier file as it was: :func:`protv2g.report.atomic.atomic_set`), and
    # the folders made for them taken away then (fix47: a stop during the model's copy left
    # the study's folder and the copy's, empty: :mod:`protv2g.report.atomic_folders`)
    with folder_set():
        made_folder(out.parent)
        if copy_to is not None:
            n_files, size_mb = _copy_model(model_dir, copy_to, files)
        for source, target in extra.items():
            if source != target:
                _copy_file(source, target)
        _write_text(out, draft.text)
        if draft.curves_text is not None:
            folder = made_folder(out.parent / draft.curves_folder)
            _write_text(folder / "model_curves.yaml", draft.curves_text)
    if copy_to is not None:
        print(f"model: copied {model_dir} ({n_files} files, {size_mb:.1f} MB) to {copy_to}; "
              f"the study reads the copy ({paths[0]}): edit the model there — the files at "
              f"{model_dir} are not read any more")
    elif beyond:
        print(f"model: the study reads {master.resolve()} in place (not copied); the model's "
              f"own references reach {len(beyond)} file(s) outside the study's folder, which "
              f"OpenDSS reads where they are ({', '.join(str(f) for f in beyond[:3])}"
              f"{', …' if len(beyond) > 3 else ''}): edits to the model go to those files; "
              "keep them with the study's folder when you move it")
    for source, target in extra.items():
        if source != target:
            print(f"redirect: copied {source} to {target}; the study reads the copy")
    if draft.curves_text is not None:
        print(f"model curves: {out.parent / draft.curves_folder / 'model_curves.yaml'}")
    heads = ", ".join(p.entry["name"] + (f" (gG fuse {p.entry['link']})" if p.entry["kind"]
                                         == "fuse" else "")
                      for p in draft.proposals) or "none needed"
    print(f"study: {out}")
    if draft.notes:  # what the model holds that the engineer must know (review s17 §5)
        lines = note_lines(list(draft.notes))  # notes of one kind share a line
        print(f"model: {len(lines)} note(s) on what init read from it (the study's "
              "comments repeat them; TODO where the study needs your confirmation):")
        for line in lines:
            print(f"  - {line}")
    print(f"proposed feeder-head device(s): {heads}")
    for p in draft.proposals:  # the slowest end-of-zone clearing (review s32)
        if p.entry["kind"] == "fuse":   # a gG way fuse at a low-voltage head (rev38b F2)
            said = ", ".join(f"{k.split('_')[1]} {t:.3g} s"
                             for k, t in p.figures.get("clear_s", {}).items())
            print(f"  - {p.entry['name']}: {p.figures['why']}"
                  + (f"; total clearing at the zone's minimum faults {said}" if said else ""))
            continue
        choice = p.figures.get("curve_choice")
        if choice:
            print(f"  - {p.entry['name']}: {clearing_summary(choice)}")
            slow = slow_clearing(choice)
            if slow:
                print(f"    TODO: {slow} | fix: {CLEAR_FIX}")
    for why in draft.no_relay:
        print(f"  - no relay drafted: {why}")
    mids = [(p.entry["name"], r) for p in draft.proposals
            for r in p.figures.get("mid_reclosers", ()) if r.drafted]
    if mids:  # a new device kilometres out is named here, not only in the YAML (ver43 M-a2)
        print(f"drafted mid-line recloser(s) (TODO: confirm place and settings): {len(mids)}")
        for head, r in mids:
            print(f"  - {r.summary(head)}")
    for text in draft.source_issues:
        print(f"model's {text}: give the utility's source impedance (the TODO on "
              "feeder.opendss says how)")
    if draft.fuse_load:  # once, not as N findings later (review rev36a T3)
        print(f"note: {draft.fuse_load}")
    if NO_FUSE_NOTE in draft.text:  # review rev34b L4
        print(f"note: {NO_FUSE_NOTE}")
    print(f"{len(draft.todos)} value(s) marked TODO (assumed): `protv2g validate {out}` lists "
          f"them; edit them{'' if args.site else ', add V2G sites'}, then "
          f"`protv2g run {out}`")
    return 0


