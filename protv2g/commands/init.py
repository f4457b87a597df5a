"""``protv2g init``: draft a study file from an OpenDSS feeder model.

Examples
--------
::

    protv2g init feeders/opendss_example/Master.dss -o feeders/opendss_example/study.yaml
    protv2g init model/Master.dss --redirect model/Fuses.DSS -o study.yaml \
        --site depot:m1209817:20:100 --site homes:l3312692.a:20:7.2

The study adopts the model's fuses, reclosers and relays, proposes a feeder-head relay where
the model has none, lists candidate V2G site buses with their short-circuit level and marks
every assumed value ``# TODO`` (``protv2g validate`` lists them); see
:mod:`protv2g.study_draft`. The model's own curve tables, when the library has no equal, go
to ``model_curves/`` beside the study. The study must be written in the model's folder or a
folder above it. Exit codes: 0 written, 2 bad input (an existing file without ``--force``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from protv2g.errors import InputError, Issue

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``init`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "init", help="draft a study file from an OpenDSS feeder model",
        description="Draft a study from an OpenDSS master: the model's devices, a proposed "
                    "feeder-head relay where it has none, candidate V2G site buses with their "
                    "short-circuit level, and every assumed value marked '# TODO'.")
    p.add_argument("master", metavar="MASTER.dss", help="OpenDSS master file")
    p.add_argument("--redirect", action="append", default=[], metavar="FILE.dss",
                   help="a further script run after the master (e.g. Fuses.DSS); repeatable")
    p.add_argument("-o", "--output", metavar="STUDY.yaml", default=None,
                   help="study file to write (default: study.yaml beside the master); in the "
                        "model's folder or a folder above it")
    p.add_argument("--site", action="append", default=[], metavar="NAME:BUS[.PHASE]:N:KW",
                   help="a V2G site: name, bus (with .a/.b/.c for a single-phase fleet), "
                        "number of chargers, kW each; repeatable")
    p.add_argument("--candidates", type=int, default=5, metavar="N",
                   help="candidate buses listed per group (default 5)")
    p.add_argument("--force", action="store_true", help="overwrite an existing study file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the drafted study (and its curve file); print what needs the engineer."""
    from protv2g.study_draft import draft_study, parse_site

    master = Path(args.master)
    out = Path(args.output) if args.output else master.parent / "study.yaml"
    if out.exists() and not args.force:
        raise InputError(Issue(str(out), "", "the study file exists",
                               "give another -o path, or --force to overwrite it"))
    draft = draft_study(master, redirects=args.redirect, study_dir=out.parent,
                        sites=[parse_site(s) for s in args.site],
                        n_candidates=args.candidates)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draft.text, encoding="utf-8")
    if draft.curves_text is not None:
        folder = out.parent / draft.curves_folder
        folder.mkdir(exist_ok=True)
        (folder / "model_curves.yaml").write_text(draft.curves_text, encoding="utf-8")
        print(f"model curves: {folder / 'model_curves.yaml'}")
    heads = ", ".join(p.entry["name"] for p in draft.proposals) or "none needed"
    print(f"study: {out}")
    print(f"proposed feeder-head relay(s): {heads}")
    print(f"{len(draft.todos)} value(s) marked TODO (assumed): `protv2g validate {out}` lists "
          f"them; edit them, add V2G sites, then `protv2g run {out}`")
    return 0
