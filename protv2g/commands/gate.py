"""``protv2g gate``: the pre-pilot review gate of one study.

Examples
--------
::

    protv2g gate feeders/depot_two_feeder/study.yaml
    protv2g gate feeders/depot_two_feeder/study.yaml --json > verdict.json

Exit codes: 0 PASS; 1 FAIL (a failing row the V2G project causes or worsens remains — its
export, its sites' charging or its own equipment, beyond the device data's tolerance —, with
``gate.pre_existing: fail`` also a failing row present without the project, or an unmet
screening item with ``gate.unmet_screening_fails``; failing rows present without the project
are otherwise ``condition:`` reasons, "fix before the pilot", which do not fail the gate:
:mod:`protv2g.gate`); 2 ERROR (bad input, a check that could not run, an engine error). Never 0
on an error.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from typing import Any

from protv2g.gate_grouping import GROUPED_CRITERIA, grouped_lines

__all__ = ["TERMINAL_DIGITS", "GROUPED_CRITERIA", "evaluate", "grouped_lines", "register", "run",
           "terminal_text"]

#: Significant digits of a decimal number in a reason printed on the terminal. The gate's
#: data (``--json``, the workbook) keep the report's 10 (:mod:`protv2g.significant`); 4 tell
#: a margin apart far below the devices' own accuracy (a numerical relay's operate time is
#: declared to 5 %, IEC 60255-151:2009 accuracy class E5) and keep a reason on few lines.
TERMINAL_DIGITS = 4


def terminal_text(reason: str, digits: int = TERMINAL_DIGITS) -> str:
    """``reason`` on one line with each decimal number of more than ``digits`` significant
    digits rounded to ``digits`` (:func:`protv2g.significant.short_numbers`, as the Summary
    memo quotes the reasons). For the terminal only: the gate's reasons themselves are not
    changed.

    >>> terminal_text("margin \u2212114.5228718 A; 3 row(s); rule C2; 0.2-1 s")
    'margin \u2212114.5 A; 3 row(s); rule C2; 0.2-1 s'
    >>> terminal_text("margin \u22123.07170779e\u221205 pu")
    'margin \u22123.072e\u221205 pu'
    """
    from protv2g.significant import short_numbers

    return short_numbers(" ".join(str(reason).split()), digits)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gate`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "gate", help="pre-pilot review gate: PASS (0), FAIL (1) or ERROR (2)",
        description="Run the study and decide the pre-pilot gate. Exit 0 PASS, 1 FAIL (a "
                    "failing row the V2G project causes or worsens remains: its export, its "
                    "sites' charging or its own equipment; with gate.pre_existing: fail also "
                    "one present without the project, otherwise such rows are 'condition:' "
                    "reasons that do not fail it), 2 ERROR (could not evaluate: bad input, a "
                    "check that could not run, an engine error).")
    p.add_argument("study", help="study file (YAML)")
    p.add_argument("--json", action="store_true", help="print a machine-readable verdict")
    p.add_argument("--no-hosting", action="store_true",
                   help="skip the hosting-capacity calculation (faster)")
    p.set_defaults(func=run)


def evaluate(study_file: str, *, hosting: bool = True,
             progress: Any = None) -> dict[str, Any]:
    """Load, run and gate one study; every failure becomes an ERROR verdict (never raises).

    ``progress`` (optional): a :class:`~protv2g.commands.progress.StageProgress`, told each
    stage (load, study, hosting) and the hosting search's engine calls (review rev32a: the
    gate sat silent for 8 min 47 s in the hosting search on EPRI J1).

    Returns
    -------
    dict
        :func:`protv2g.gate.gate_json` output.
    """
    from protv2g import load_study, run_study
    from protv2g.errors import InputError
    from protv2g.gate import error_verdict, gate_json, gate_verdict
    from protv2g.hosting import hosting_capacity

    study = None
    table = None
    def stage(name: str) -> None:
        if progress is not None:
            progress(name)

    try:
        stage("load")
        study = load_study(study_file)
        stage("study")
        result = run_study(study)
        doc = study.document
        verdict = gate_verdict(study, result)
        if hosting and verdict["verdict"] != "ERROR":
            stage("hosting")
            table = hosting_capacity(study, participations=doc.scenarios.participation,
                                     load_levels=doc.scenarios.load_levels,
                                     progress=None if progress is None else progress.detail)
            verdict = gate_verdict(study, result, hosting=table)
    except InputError as exc:
        verdict = error_verdict(study, [f"bad input: {i}" for i in exc.issues])
    except MemoryError:
        verdict = error_verdict(study, ["the study does not fit in memory"])
    except Exception as exc:  # an engine or check error: never PASS
        last = traceback.extract_tb(exc.__traceback__)[-1]
        verdict = error_verdict(study, [f"could not evaluate: {type(exc).__name__}: {exc} "
                                        f"({last.filename}:{last.lineno})"])
    return gate_json(verdict, study, study_file, table)


def run(args: argparse.Namespace) -> int:
    """Print the verdict (and each reason on its own line); return 0 / 1 / 2."""
    from protv2g.commands.progress import StageProgress
    from protv2g.gate_hosting import hosting_lines

    stages = ["load", "study", *(() if args.no_hosting else ("hosting",))]
    with StageProgress("gate", stages) as progress:
        out = evaluate(args.study, hosting=not args.no_hosting, progress=progress)
    if args.json:
        print(json.dumps(out, indent=1, default=str))
        return int(out["exit_code"])
    name = out["study"] or args.study
    stream = sys.stdout if out["verdict"] != "ERROR" else sys.stderr
    note = out.get("verdict_note")  # a PASS on init's drafts (review ver43 M-b)
    print(f"{out['verdict']} {name}" + (f" ({note})" if note else ""), file=stream)
    # pre-existing C12 lines grouped, by what each line is (its reason data)
    # each line in its short form (review ver40b: J1's C10 line ran to 1,358 characters)
    from protv2g.gate_reason_record import short_reasons

    reasons = grouped_lines(short_reasons(out["reasons"], out.get("reason_data")),
                            out.get("reason_data"))
    lines = [terminal_text(r) for r in reasons]
    for line in lines:
        print(f"  {line}", file=stream)
    if lines != [" ".join(r.split()) for r in reasons]:
        print(f"  (numbers to {TERMINAL_DIGITS} significant digits; --json keeps them in "
              "full)", file=stream)
    if reasons != [str(r) for r in out["reasons"]]:
        print("  (each line shortened; its whole text: --json and the Findings sheet)",
              file=stream)
    for item, state in out["screening"].items():
        print(f"  screening {item}: {state}", file=stream)
    for line in hosting_lines(out):  # with the criterion and device that limit it (s16 S2)
        print(f"  {line}", file=stream)
    return int(out["exit_code"])
