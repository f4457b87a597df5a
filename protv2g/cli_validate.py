"""``protv2g validate``, and the study's warnings ``validate`` and ``run`` both print: values
that look like a slip (:func:`_print_slips`), drafted values gone stale (:func:`_print_stale`)
and the values marked TODO (:func:`_print_todos`, :func:`todo_lines`). Split from
:mod:`protv2g.cli`, which re-exports :func:`todo_lines`; heavy packages are imported inside the
functions only (``validate`` on a pandapower JSON feeder starts without the engine, #21).
"""

from __future__ import annotations

import argparse
import re
import sys

from protv2g.cli_codes import EXIT_INPUT, EXIT_OK

# todo_lines has always read the notes' figure pattern: cli.py defined ``_NUMBER`` twice and the
# later one (:data:`protv2g.cli_notes._NUMBER`) was the one bound when it ran (split s47: kept)
from protv2g.cli_notes import _NUMBER


def _cmd_validate(args: argparse.Namespace) -> int:
    from protv2g.study.loader import validated_study
    from protv2g.study.plausibility import plausibility_warnings

    issues, study = validated_study(args.study)
    if issues or study is None:
        print(f"{len(issues)} problem(s) in {args.study}:", file=sys.stderr)
        for issue in issues:
            print(f"  - {issue}", file=sys.stderr)
        return EXIT_INPUT
    # a recloser curve clearing under one cycle: said here and on run's Feeder warnings
    # sheet, not on every command's console (review rev39a F5)
    from protv2g.study.sub_cycle import sub_cycle_warnings

    warnings_ = plausibility_warnings(study) + sub_cycle_warnings(study)
    print(f"{args.study}: valid")
    _print_slips(warnings_)
    # C12 on ANSI's limits on a 50 Hz feeder (review rev51 #4): run's Feeder warnings too
    from protv2g.study.voltage_standard import feeder_voltage_standard_issues

    for w in feeder_voltage_standard_issues(study.path, study.document, study.feeder):
        print(f"warning: {w}")
    from protv2g.study.iec_gd import iec_gd_issues

    for w in iec_gd_issues(study):  # IEC curves definite above G_D = 20 × (ver51 #3)
        print(f"note: {w}")
    if getattr(study, "model", None) is not None:  # LV buses judged on their winding (lvb51)
        from protv2g.network.dss_site_base import zone_base_warnings

        for w in zone_base_warnings(study):
            print(f"note: {w}")
    _print_stale(study)
    _print_todos(args.study, warnings_, study)
    return EXIT_OK


def _print_slips(warnings_: list, file: object = None) -> None:
    """The study's plausibility warnings (values the schema accepts that look like a slip,
    :func:`protv2g.study.plausibility.plausibility_warnings`), as ``validate`` and ``run``
    both print them (review s28 §6b: ``run`` printed the stale-draft warnings but not the
    drafted first reclose that C10 fails on)."""
    if warnings_:  # plausibility: listed, the study is valid and runs with these values
        print(f"{len(warnings_)} warning(s): values that look like a slip (the study runs "
              "with them):", file=file)
        for w in warnings_:
            print(f"  - {w}", file=file)


def _print_stale(study: object, file: object = None) -> None:
    """Drafted head-relay values that init's rule, re-applied to the study as it now stands,
    gives materially otherwise (:func:`protv2g.study_draft.redraft.stale_issues`; review
    s27 §6): a warning each, with the re-drafted value and the fix. A failure of this check
    is a note, never the command's failure. Only an OpenDSS study has a drafted head relay
    (``init`` drafts from OpenDSS models): another imports nothing here (``validate`` on a
    pandapower JSON feeder starts without the engine, #21)."""
    if getattr(study, "model", None) is None:
        return
    from protv2g.study_draft.redraft import redraft_command, stale_drafts, stale_issues

    try:
        values = stale_drafts(study)  # type: ignore[arg-type]
        stale = stale_issues(study, values)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - an optional check: say so, run on
        print(f"note: the drafted settings could not be re-checked against init's rule "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return
    if not stale:
        return
    print(f"{len(stale)} warning(s): drafted value(s) (TODO) gone stale — init's rule, "
          "re-applied to the study as it now stands, gives another value (the study runs "
          "with the drafted one):", file=file)
    if len(stale) == 1:
        print(f"  - {stale[0]}", file=file)
        return
    # one fix for them all: the re-draft command writes every value at once (review s31:
    # the same command and its clause were printed after each of a relay's values)
    for w in stale:
        print(f"  - {w.file}: {w.field}: {w.message}", file=file)
    writes = ", ".join(f"{s.key}: {s.text(s.redrafted).split()[0]}" for s in values)
    print(f"  Fix: replace each with the utility's setting (and delete its TODO), or re-draft "
          f"them all: `{redraft_command(study.path)}` writes {writes} (the TODOs stay)",
          file=file)


def _print_todos(path: str, warnings_: list | None = None, study: object = None) -> None:
    """Values the study marks '# TODO' (assumed by ``protv2g init``): listed, not errors; a
    TODO that a warning already says (the model's implausible source,
    :func:`protv2g.study.source_check.todos_not_warned`) is listed once, as the warning. A
    TODO stating a model fact the study's ``feeder.redirects`` changed
    (:func:`protv2g.study.stale_todos.refresh_model_todos`, review rev45a M1) is listed apart,
    as out of date."""
    from protv2g.study.source_check import todos_not_warned
    from protv2g.study.todos import todo_items

    items = todos_not_warned(todo_items(path), warnings_ or [])
    old = []
    if study is not None and getattr(study, "model", None) is not None:
        # an OpenDSS study only: validate on a pandapower JSON feeder imports no model code
        from protv2g.study.source_todos import with_source_figures
        from protv2g.study.stale_todos import is_out_of_date, refresh_model_todos
        from protv2g.study_draft.redraft_ratings import head_fault_now

        items = refresh_model_todos(items, study, _stale_rating_figures(study),
                                    head_fault_now(study, items))
        items = with_source_figures(items, study)  # a Vsource's R1, MVA, A (rev49a #6)
        old = [i for i in items if is_out_of_date(i)]
        items = [i for i in items if not is_out_of_date(i)]
    if items:
        print(f"{len(items)} value(s) to confirm (marked TODO; the study runs with them):")
        for line in todo_lines(items):
            print(f"  - {line}")
        _print_moved(items)
    if old:
        print(f"{len(old)} TODO comment(s) out of date (feeder.redirects changed what they "
              "state; the study runs the model with them):")
        for item in old:
            print(f"  - {item}")


def _print_moved(items: list) -> None:
    """One line naming the values to confirm whose TODO quotes figures now out of date
    (:data:`protv2g.study.stale_todos.FIGURES_OUT_OF_DATE`, said at the end of a long
    message: review rev48b P2 read the drafted ratings' "below the 2796.87 kA computed here"
    as not caught)."""
    from protv2g.study.stale_todos import FIGURES_OUT_OF_DATE

    moved = [i.field for i in items if f"{FIGURES_OUT_OF_DATE}:" in str(i.message)]
    if moved:
        print(f"  {len(moved)} of them quote figures now OUT OF DATE (feeder.redirects "
              f"changed the model): {', '.join(moved)}")


def _stale_rating_figures(study: object) -> dict[str, tuple[float, float]]:
    """Drafted ratings whose quoted fault moved on the model as the study runs it: field →
    (largest fault now, kA; init's rating now, kA)
    (:func:`protv2g.study_draft.redraft_ratings.stale_ratings`); empty when it cannot tell."""
    if not getattr(getattr(study, "document", None), "feeder", None) \
            or not study.document.feeder.redirects:  # type: ignore[attr-defined]
        return {}
    from protv2g.study_draft.redraft_ratings import stale_ratings

    try:
        return {r.field: (r.i_max_ka, r.redrafted_ka)
                for r in stale_ratings(study)}  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - an optional figure: the TODO is listed without it
        return {}


#: A TODO group is printed once from this many items alike (same field, same words).
_TODO_GROUP_MIN = 3
_INDEX = re.compile(r"\[\d+\]")


def todo_lines(items: list) -> list[str]:
    """The TODO items as printed: items that differ only in a list index and in numbers (review
    s16: 30 drafted cutout ratings, one 400-character sentence each, differing in the fault
    kA) are one line — the first item, then how many more and their fields — from
    :data:`_TODO_GROUP_MIN` alike; the rest one line each, in file order."""
    groups: dict[tuple[str, str, str], list] = {}
    for item in items:
        field = _INDEX.sub("[*]", item.field.split(" (line")[0])
        key = (field, _NUMBER.sub("#", item.message), _NUMBER.sub("#", item.fix))
        groups.setdefault(key, []).append(item)
    out = []
    for group in groups.values():
        if len(group) < _TODO_GROUP_MIN:
            out += [str(item) for item in group]
            continue
        out.append(f"{group[0]} — and {len(group) - 1} more like it (other values): "
                   f"{_fields_text([item.field for item in group[1:]])}")
    return out


def _fields_text(fields: list[str]) -> str:
    """``devices[1–3, 7].interrupting_rating_ka (lines 22–71)`` for fields alike but for one
    index; the fields one by one otherwise."""
    paths = [f.split(" (line")[0] for f in fields]
    lines = [int(m.group(1)) for f in fields if (m := re.search(r"\(line (\d+)\)", f))]
    indices = [_INDEX.findall(p) for p in paths]
    if (len({_INDEX.sub("[*]", p) for p in paths}) > 1 or any(len(i) != 1 for i in indices)
            or len(lines) != len(fields)):
        return ", ".join(fields)
    numbers = sorted(int(i[0][1:-1]) for i in indices)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    index = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs)
    return (f"{_INDEX.sub('[' + index + ']', paths[0])} "
            f"(lines {min(lines)}\u2013{max(lines)})")

def _slips(study: object) -> list:
    """:func:`protv2g.study.plausibility.plausibility_warnings` of a loaded study; a failure
    of the check is a note, never the run's failure."""
    from protv2g.study.plausibility import plausibility_warnings

    try:
        return plausibility_warnings(study)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - an optional check: say so, run on
        print(f"note: the study's values could not be checked for slips "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return []


