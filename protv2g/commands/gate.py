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


#: Criteria whose pre-existing lines the terminal prints grouped, one line per kind of reason
#: and kind of element: C12's service-transformer and line overloads present without V2G
#: (the EPRI ckt24 review: 23 ``confirm:`` lines on OpenDSS's default ``normhkva`` printed
#: after the 3 lines V2G causes, which scrolled out of sight).
GROUPED_CRITERIA = ("C12",)


def grouped_lines(reasons: list[str], data: list[dict[str, Any] | None] | None = None,
                  criteria: tuple[str, ...] = GROUPED_CRITERIA, least: int = 2) -> list[str]:
    """The gate's reasons as the terminal prints them: the pre-existing lines (attribution
    ``pre-existing``) of ``criteria`` grouped into one line per kind of reason (``fail``,
    ``condition``, ``confirm``, ``info``) and kind of element (``transformer``, ``line``:
    the device's name before its dot) when there are at least ``least`` of them, each
    group's line where its first line was, naming the count and the worst element (smallest
    margin; its line as the gate wrote it); every other line as it is, in the gate's order
    (errors, then the lines V2G causes or makes worse, then the pre-existing ones). Text
    only: the verdict, the exit code and the gate's data (``--json``) are not changed.

    What a line is comes from ``data`` (the gate's ``reason_data``, aligned with ``reasons``:
    :func:`~protv2g.gate_reason_record.reason_record`, None for a line of no rows), never from
    its words (ver39: this function read kind, criterion, attribution, input basis and margin
    back out of the text; design.md: status is data). Without ``data`` nothing is grouped.

    >>> rows = [f"confirm: C12 transformer.t{k}: transformer.t{k} loaded {m} % (…)"
    ...         for k, m in ((1, 110), (2, 150), (3, 104))]
    >>> data = [None] + [{"kind": "confirm", "criterion": "C12", "attribution": "pre-existing",
    ...                   "device": f"transformer.t{k}", "rests_on": "", "margin": 100.0 - m}
    ...                  for k, m in ((1, 110), (2, 150), (3, 104))]
    >>> out = grouped_lines(["fail: C10 R1 / depot: recloses after 0.5 s (…)", *rows], data)
    >>> out[0]
    'fail: C10 R1 / depot: recloses after 0.5 s (…)'
    >>> out[1][:78]
    'confirm: C12 3 transformer(s) present without V2G, the worst transformer.t2: t'
    >>> len(out), grouped_lines(rows) == rows
    (2, True)
    """
    from protv2g.findings_attribution import Attribution
    from protv2g.input_basis import InputBasis

    records = list(data or [])
    records += [None] * (len(reasons) - len(records))
    groups: dict[tuple[str, str, bool], list[int]] = {}
    margins: dict[int, float] = {}
    for k, rec in enumerate(records[:len(reasons)]):
        if not rec or rec.get("criterion") not in criteria:
            continue
        pre = str(rec.get("attribution")) == Attribution.PRE_EXISTING.value
        # pre-existing lines, and lines V2G or charging makes worse that rest on a tool
        # default rating (review rev31 §4: 29 of IEEE 8500's 38 fail lines were trunk
        # lines at OpenDSS's default 400 A, one missing input said 29 times)
        default = str(rec.get("rests_on")) == InputBasis.DEFAULT.value and not pre
        if not default and not pre:
            continue
        device = str(rec.get("device") or "").strip()
        element = device.partition(".")[0] if "." in device else "element"
        margin = rec.get("margin")
        margins[k] = float(margin) if margin is not None else float("inf")
        groups.setdefault((str(rec["kind"]), f"{rec['criterion']} {element}", default),
                          []).append(k)
    first: dict[int, str] = {}
    dropped: set[int] = set()
    for (kind, what, default), at in groups.items():
        if len(at) < least:
            continue
        worst = min(at, key=lambda k: (margins[k], k))
        crit, element = what.split(" ", 1)
        worst_line = str(reasons[worst])
        shown = worst_line[len(f"{kind}: {crit} "):]  # "<device>: <message> (<detail>)"
        which = ("rated by a tool default (confirm their ratings first)" if default
                 else "present without V2G")
        first[at[0]] = (f"{kind}: {crit} {len(at)} {element}(s) {which}, the "
                        f"worst {shown} — each of the {len(at)} in `protv2g gate --json` "
                        "and the workbook's Findings")
        dropped.update(at[1:])
    return [first.get(k, str(r)) for k, r in enumerate(reasons) if k not in dropped]


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
