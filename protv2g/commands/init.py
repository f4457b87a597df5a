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
import os
import shutil
import stat
import sys
from pathlib import Path

from protv2g.errors import InputError, Issue
from protv2g.network.opendss_files import model_files

__all__ = ["MODEL_COPY_LIMIT_MB", "model_copy_plan", "register", "run"]

#: Largest model folder ``init`` copies beside a study written elsewhere (MB); a larger one is
#: refused (a utility's model share holding many feeders is not a feeder's model).
MODEL_COPY_LIMIT_MB = 200.0


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


def _redraft(args: argparse.Namespace) -> int:
    """``init --redraft STUDY``: the study's stale drafted head-relay values
    (:func:`protv2g.study_draft.redraft.stale_drafts`) replaced by init's rule's values now."""
    from protv2g.study import load_study
    from protv2g.study.dss_site_transformers import base_case_model
    from protv2g.study_draft.redraft import (
        MATERIAL_FRACTION,
        not_redrafted,
        redraft_text,
        redrafted,
        stale_drafts,
    )
    from protv2g.study_draft.redraft_candidates import refresh_candidate_table
    from protv2g.study_draft.redraft_comments import refresh_reach_todos
    from protv2g.study_draft.redraft_ratings import (
        device_peak_ka,
        refresh_ratings_text,
        stale_ratings,
    )
    from protv2g.study_draft.redraft_reclose import stale_reclose
    from protv2g.study_draft.redraft_source import (
        fault_level_heads,
        refresh_fault_level_todos,
        refresh_source_todos,
    )
    from protv2g.study_draft.trade import redraft_notes, redraft_trade

    if args.master is not None or args.site:
        raise InputError(Issue("init", "--redraft", "--redraft takes the study only (its "
                               "model and sites are the study's)",
                               f"protv2g init --redraft {args.redraft}"))
    path = Path(args.redraft)
    out = Path(args.output) if args.output else path
    _stop_target(args, out)
    if out.resolve() != path.resolve():
        if out.resolve().parent != path.resolve().parent:
            raise InputError(Issue(str(out), "-o", "not in the study's folder (the study "
                                   "reads its feeder relative to its folder)",
                                   f"write it beside {path.name}, or leave -o out to "
                                   "re-draft in place"))
        if out.exists() and not args.force:
            raise InputError(Issue(str(out), "", "the file exists",
                                   "give another -o path, or --force to overwrite it"))
    study = load_study(path)
    again = redrafted(study)
    stale = stale_drafts(study, again, whole=True)  # the rule's coherent set
    # a first reclose still drafted (TODO) before V2G sites were added (review s28 §6b)
    stale += stale_reclose(study, again)
    # a drafted relay the rule does not apply to where it sits, said (review rev33c W2)
    skipped = [f"  - {name} not re-drafted: {why}" for name, why in
               not_redrafted(study).items()]
    # drafted interrupting ratings on the model as it now stands (review rev33b F1)
    ratings = stale_ratings(study)
    # the candidate-site table's levels on the model as it now stands (review rev33b F1), its
    # base case: without the sites' own model transformers, as init drafts it (rev36a T6)
    # … and the device each sits behind, among the study's devices now (review rev42b M5)
    placed = {d.name: (site.element_name, d.kind.value) for d in study.document.devices
              if (site := study.device_sites.get(d.name)) is not None and site.element_name}
    text, moved = refresh_candidate_table(path.read_text(encoding="utf-8"),
                                          base_case_model(study), placed)
    # init's TODO on an implausible source, re-judged on the model as it now stands (review
    # rev40b M4: IEEE 123's 24,018 kA claim stayed after a source.dss redirect)
    text, sourced = refresh_source_todos(text, study.model)
    # … and its TODO on a head's fault level behind a near-ideal substation transformer, on
    # the head's largest fault now (review rev42b M3a: IEEE 13's 1,363 kA TODO stayed after
    # `Edit Transformer.Sub XHL=8` while the re-draft said "max fault now 9.50 kA")
    if heads := fault_level_heads(text):
        text, level = refresh_fault_level_todos(text, device_peak_ka(study, heads).to_dict())
        sourced += level
    # the reach TODOs re-judged whatever is re-drafted (review rev41a M2: a recloser added
    # below the head ended its zone, the pickup was kept, the stale TODO stayed)
    if stale:
        trade = redraft_trade(study, again, stale)
        text = redraft_text(text, stale, {i: prop for i, _d, prop in again}, trade,
                            redraft_notes(study, again, stale), study.document.checks)
    text, reach = refresh_reach_todos(text, {i: prop for i, _d, prop in again},
                                      float(study.document.faults.r_fault_min_ohm))
    sourced += reach
    for line in sourced:
        print(f"{out}: {line}")
    if sourced and not stale and not ratings and not moved:
        _write_text(out, text)
    if not stale and not ratings and not moved and not again and not skipped:
        # nothing compared: say so (ver38: IEEE 8500, the reviewer's f_campus item sat between
        # the head relay's TODO comments and the relay, so no drafted relay was found and the
        # old line claimed none "differs materially")
        print(f"{path}: no head relay drafted by init found (init marks its relay by the "
              "TODO 'assumed feeder-head relay <name>: …' on the relay's name line, or above "
              "it in a study drafted before) — init's head-relay rule was not re-applied; no "
              f"drafted interrupting rating differs from init's rating rule: nothing "
              f"{'else ' if sourced else ''}re-drafted")
    elif not stale and not ratings and not moved:
        print(f"{path}: no drafted value (TODO) of a head relay differs materially from "
              "init's rule, and no drafted interrupting rating from init's rating rule, as "
              f"the study now stands: nothing {'else ' if sourced else ''}re-drafted")
    if not stale and not ratings and not moved:
        for line in skipped:
            print(line)
        # what the rule cannot meet as the study now stands (review rev38a M5: IEEE 8500
        # with 65T links below the head, "nothing re-drafted" and silent on the intervals
        # no dial up to the cap gives)
        for _i, _d, prop in again:
            for conflict in prop.conflicts:
                print(f"  - {prop.entry.get('name', 'head relay')}: the rule is not met as the "
                      f"study now stands — {conflict}")
        return 0
    if not stale:
        trade = {}
    _write_text(out, refresh_ratings_text(text, ratings))
    if stale:
        print(f"{out}: {len(stale)} drafted value(s) re-drafted by init's head-relay rule "
              "(the TODO stays: replace them with the utility's settings):")
    for s in stale:
        print(f"  - {s.field}: {s.text(s.drafted)} → {s.text(s.redrafted)} ({s.why})")
    if ratings:
        print(f"{out}: {len(ratings)} drafted interrupting rating(s) re-drafted on the model "
              "as it now stands (IEC 60909 max, no V2G; the TODO stays: give the nameplate "
              "ratings):")
    for r in ratings:
        print(f"  - {r.field} ({r.device}): {r.drafted_ka:g} kA → {r.redrafted_ka:g} kA "
              f"(max fault now {r.i_max_ka:.2f} kA)")
    if moved:
        print(f"{out}: the candidate-site table's short-circuit levels and the devices the "
              f"buses sit behind re-computed on the model as it now stands ({moved} bus(es) "
              f"moved by more than {MATERIAL_FRACTION:.0%} or now behind another device)")
    for line in skipped:
        print(line)
    names = {i: d.name for i, d, _p in again}
    for index, lines in trade.items():  # review s28 §6a: the trade, stated
        print(f"what the re-drafted values of {names[index]!r} give up, and why its time "
              "dials (init's rule, IEC 60909 min/max faults without V2G):")
        for line in lines:
            print(f"  - {line}")
    return 0


def model_copy_plan(master: Path, redirects: list[str], study_dir: Path, *,
                    reached: list[Path] | None = None) -> tuple[Path, Path | None]:
    """The model's folder and where to copy it, or None when the study folder is above it.

    Parameters
    ----------
    master : Path
        The OpenDSS master file.
    redirects : list of str
        Further scripts (``--redirect``).
    study_dir : Path
        The folder the study file is written to.
    reached : list of Path, optional
        The model's files (:func:`~protv2g.network.opendss_files.model_files` of each
        script), when the caller has them; read here otherwise.

    Returns
    -------
    tuple of (Path, Path or None)
        The deepest folder holding the master, every redirect and every file their
        ``Redirect``/``Compile`` commands reach or their commands name (resolved; the IEEE
        test feeders redirect to ``../IEEELineCodes.DSS``), and
        ``study_dir / <its name>`` when ``study_dir`` is not that folder or above it, else None.
    """
    files = reached if reached is not None else [
        f for script in (master, *redirects) for f in model_files(Path(script))]
    model_dir = Path(os.path.commonpath([f.parent for f in files]))
    study_dir = Path(study_dir).resolve()
    if model_dir.is_relative_to(study_dir):
        return model_dir, None
    return model_dir, study_dir / model_dir.name


def _split_redirects(redirects: list[str], model_dir: Path) -> tuple[list[str], list[str]]:
    """The ``--redirect`` scripts inside the model's folder (copied with it) and the others."""
    inside = [r for r in redirects if Path(r).resolve().is_relative_to(model_dir)]
    return inside, [r for r in redirects if r not in inside]


def _redirect_copies(outside: list[str], study_dir: Path, *, force: bool) -> dict[Path, Path]:
    """Where each file reached by a ``--redirect`` outside the model's folder goes: each
    script's files (:func:`~protv2g.network.opendss_files.model_files`, the script first) at
    their place relative to the script's folder, under the study's folder; a file already
    under the study's folder stays where it is (maps to itself).

    Raises
    ------
    InputError
        A target exists with other content (without ``force``), or a reached file lies above
        its script's folder (``Redirect ../x.dss``: put the script beside it, or in the
        model's folder).
    """
    study_dir = Path(study_dir).resolve()
    plan: dict[Path, Path] = {}
    issues = []
    for script in outside:
        root = Path(script).resolve().parent
        for f in model_files(Path(script)):
            if f.is_relative_to(study_dir):
                plan[f] = f
            elif not f.is_relative_to(root):
                issues.append(Issue(str(script), "--redirect", f"it reaches {f}, outside its "
                                    "folder", "put the script in the model's folder, or "
                                    "beside the files it redirects to"))
            else:
                target = study_dir / f.relative_to(root)
                if target.exists() and not force and target.read_bytes() != f.read_bytes():
                    issues.append(Issue(str(target), "", "a different file of that name is "
                                        "beside the study", "give another -o folder, or "
                                        "--force to copy the redirect over it"))
                plan[f] = target
    if issues:
        raise InputError(issues)
    return plan


def _study_path(path: Path, model_dir: Path, copy_to: Path | None, study_dir: Path) -> str:
    """A model file's path as the study names it: in the model's copy, or as it is."""
    path = path.resolve()
    if copy_to is not None:
        return (copy_to / path.relative_to(model_dir)).relative_to(study_dir).as_posix()
    return path.relative_to(study_dir).as_posix()


def _model_files(reached: list[Path]) -> list[Path]:
    """The files to copy: the model's files (``reached``:
    :func:`~protv2g.network.opendss_files.model_files` of the master and of each
    ``--redirect`` in the model's folder — the scripts and the files their commands name),
    each once, sorted; nothing else of their folders. Review ver39b: every file of the
    scripts' folders was copied, the user's own outputs with them (``init.out``, an earlier
    ``study.yaml``, ``val.out``; workbooks would follow), again at each ``init --force``. A
    file of the model's is copied even when it lies in the study's folder (chk39, session 39:
    IEEE 13 drafted beside its master, whose ``../IEEELineCodes.DSS`` puts the model's folder
    one up, so the study's folder is inside it)."""
    return sorted(dict.fromkeys(Path(p).resolve() for p in reached))


def _check_copy(model_dir: Path, copy_to: Path, files: list[Path], *, force: bool) -> None:
    """Refuse a copy that would replace a folder (without ``--force``) or is too large."""
    issues = []
    if copy_to.exists() and not force:
        issues.append(Issue(str(copy_to), "", "the model copy's folder exists",
                            "give another -o folder, or --force to copy the model over it"))
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    if size_mb > MODEL_COPY_LIMIT_MB:
        issues.append(Issue(str(model_dir), "", f"the model's files hold {size_mb:.0f} MB, "
                            f"more than init copies ({MODEL_COPY_LIMIT_MB:.0f} MB)",
                            f"write the study into the model's folder (-o {model_dir}/"
                            "study.yaml), or copy the feeder's files into a folder of its own"))
    if issues:
        raise InputError(issues)


def _copy_model(model_dir: Path, copy_to: Path, files: list[Path]) -> tuple[int, float]:
    """Copy the model's ``files`` (:func:`_model_files`: not the study folder, when it lies
    inside the model's folder) to ``copy_to``; the number of files and their MB. The copies
    are writable by their owner whatever the source's mode: the copy is the user's model (the
    README's way to confirm an input is to write ``normamps``/``normhkva`` into it), and
    ``--force`` copies over it again (``shutil.copy2`` kept a read-only share's ``r--r--r--``,
    EPRI ckt24 from ``../shared``)."""
    for f in files:
        _copy_file(f, copy_to / f.relative_to(model_dir))
    return len(files), sum(f.stat().st_size for f in files) / 1e6


def _copy_file(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` (contents and times) through a temporary beside it
    (:func:`protv2g.report.atomic.atomic_target`: moved into place whole, inside an
    :func:`~protv2g.report.atomic.atomic_set` when the set is complete), its mode an ordinary
    file's, writable by its owner: a read-only copy made before is replaced (``rename(2)``
    needs the folder's write permission only), not refused."""
    from protv2g.report.atomic import atomic_target
    from protv2g.report.atomic_folders import made_folder

    made_folder(target.parent)  # inside init's folder_set: removed if the set fails
    with atomic_target(target) as tmp:
        shutil.copy2(source, tmp)
        Path(tmp).chmod(Path(tmp).stat().st_mode | stat.S_IWUSR)


def _stop_target(args: argparse.Namespace, out: Path) -> None:
    """Note ``out`` as the file a stop's line names (:func:`protv2g.commands.stop.target`)."""
    from protv2g.commands.stop import target

    target(args, out)


def _write_text(path: Path, text: str) -> None:
    """``text`` to ``path`` (UTF-8) whole or not at all (:func:`_copy_file`'s way)."""
    from protv2g.report.atomic import atomic_target

    with atomic_target(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
