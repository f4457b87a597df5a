"""Turn pydantic validation errors into :class:`~protv2g.errors.Issue` rows with field paths."""

from __future__ import annotations

import difflib
import enum
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from protv2g.errors import Issue
from protv2g.study.range_hints import range_fix
from protv2g.study.schema import (
    DIRECTIONAL_TAGS,
    FuseDevice,
    RecloserDevice,
    RelayDevice,
    StudyDocument,
)
from protv2g.units import DeviceKind

_DEVICE_MODELS: dict[str, type[BaseModel]] = {
    DeviceKind.RELAY.value: RelayDevice,
    DeviceKind.RECLOSER.value: RecloserDevice,
    DeviceKind.FUSE.value: FuseDevice,
}

_FIXES = {
    "missing": "add this key",
    "greater_than": "use a positive, finite value (the unit is in the key name)",
    "greater_than_equal": "use a value inside the allowed range",
    "less_than": "use a value inside the allowed range",
    "less_than_equal": "use a value inside the allowed range",
    "finite_number": "use a finite number (not NaN or inf)",
    "float_parsing": "write a plain number; the unit is in the key name (e.g. 400, not '400 A')",
    "float_type": "write a plain number; the unit is in the key name",
    "int_parsing": "write a whole number",
    "int_from_float": "write a whole number",
    "string_type": "write text (quote it in YAML if it looks like a number)",
    "enum": "use one of the allowed values",
    "literal_error": "use one of the allowed values",
    "union_tag_invalid": "set kind to relay, recloser or fuse",
    "union_tag_not_found": "add 'kind: relay', 'kind: recloser' or 'kind: fuse'",
    "tuple_type": "write a YAML list",
    "model_type": "write a mapping of keys (key: value)",
    "model_attributes_type": "write a mapping of keys (key: value)",
    "string_pattern_mismatch": "use letters, digits, '-', '_', '.' and spaces only",
    "string_too_short": "give a non-empty value",
    "value_error": "see the message",
}


#: The schema models a location is resolved from: the whole study file, or one device (the
#: entries an importer emits are validated as single devices, their errors located in them).
Root = tuple[type[BaseModel], ...]
STUDY_ROOT: Root = (StudyDocument,)
DEVICE_ROOT: Root = tuple(_DEVICE_MODELS.values())


def format_path(loc: tuple[Any, ...], root: Root = STUDY_ROOT) -> str:
    """``('devices', 3, 'relay', 'pickup_a')`` → ``devices[3].pickup_a``.

    Discriminator tags pydantic inserts (a device's kind, the form of ``directional``) are
    not keys of the file and are left out; with ``root=DEVICE_ROOT`` a location starts at a
    device (``('relay', 'pickup_a')`` → ``pickup_a``).
    """
    out = ""
    models = list(root)
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        step, is_key = _step(models, part)
        models = step
        if is_key:
            out += ("." if out else "") + str(part)
    return out


def _unwrap(annotation: Any) -> list[Any]:
    """Model classes reachable from a field annotation (through Optional, tuple, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list):
        return [m for arg in typing.get_args(annotation) for m in _unwrap(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _step(models: list[type[BaseModel]], part: Any) -> tuple[list[type[BaseModel]], bool]:
    """The models one location step below ``models``, and whether ``part`` is a file key.

    A key of one of the models descends into its field; a device kind among a union of
    devices selects that device; a tag of the forms of ``directional`` is no key either;
    anything else is a key the models do not have (an unknown key).
    """
    nxt: list[type[BaseModel]] = []
    found = False
    for model in models:
        field = model.model_fields.get(str(part))
        if field is not None:
            found = True
            nxt.extend(_unwrap(field.annotation))
    if found:
        return nxt, True
    device = _DEVICE_MODELS.get(str(part))
    if device is not None and device in models and len(models) > 1:
        return [device], False
    return models, str(part) not in DIRECTIONAL_TAGS


def _model_at(loc: tuple[Any, ...], root: Root = STUDY_ROOT) -> list[type[BaseModel]]:
    """The schema model(s) that hold the key at the end of ``loc``."""
    models = list(root)
    for part in loc[:-1]:
        if not isinstance(part, int):
            models = _step(models, part)[0] or models
    return models


def _nested_home(key: str, models: list[type[BaseModel]]) -> list[str]:
    """The sections (fields holding a model) of ``models`` whose model has the key ``key``:
    where an unknown key belongs one level down (review rev43a F2: ``reverse_power_pickup_mw``
    at a device's level belongs under ``directional:``)."""
    out: list[str] = []
    for model in models:
        for name, field in model.model_fields.items():
            if any(key in sub.model_fields for sub in _unwrap(field.annotation)) \
                    and name not in out:
                out.append(name)
    return out


def did_you_mean(loc: tuple[Any, ...], root: Root = STUDY_ROOT) -> str:
    """Suggestion for an unknown key: the section it belongs under where it is a key of a
    section one level down (:func:`_nested_home`), else from the keys allowed at that place."""
    key = str(loc[-1])
    models = _model_at(loc, root)
    home = _nested_home(key, models)
    if home:
        where = " or ".join(f"`{h}:`" for h in home)
        return f"it belongs under {where}: move it there (indented one level)"
    allowed = sorted({name for m in models for name in m.model_fields})
    close = difflib.get_close_matches(key, allowed, n=2, cutoff=0.5)
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}? (remove or rename the key)"
    return f"remove the key; allowed here: {', '.join(allowed)}"


def issues_from_validation_error(error: ValidationError, file: str,
                                 root: Root = STUDY_ROOT) -> list[Issue]:
    """One :class:`Issue` per pydantic error, with the field path and a fix.

    ``root`` is what was validated: the study file (default) or one device (``DEVICE_ROOT``);
    field paths and "allowed here" hints are resolved from it.
    """
    errors = error.errors(include_url=False)
    renamed = _typos(errors, root)
    issues = []
    for err in errors:
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "missing" and loc in renamed:
            continue  # said once, on the misspelt key (:func:`_typos`)
        if kind == "extra_forbidden":
            issues.append(_unknown_key(loc, renamed, file, root))
            continue
        message = err["msg"]
        if "input" in err and kind not in ("missing", "model_type"):
            shown = repr(err["input"])
            if len(shown) < 60:
                message += f" (got {shown})"
        fix = _FIXES.get(kind, "correct the value")
        if kind == "missing" and loc:
            fix = _MISSING_FIXES.get(str(loc[-1]), fix)
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if " | fix: " in message:
            message, _, tail = message.partition(" | fix: ")
            fix, _, got = tail.partition(" (got ")
            message += f" (got {got}" if got else ""
        if kind == "union_tag_invalid":
            message = (f"unknown device kind {err.get('ctx', {}).get('tag', '')!r}; allowed: "
                       "relay, recloser, fuse")
        if kind == "tuple_type":  # the example fits the field (rev43b M1); a YAML list
            fix = _list_fix(loc, root)
            message = message.replace("a valid tuple", "a list")
        fix = (range_fix(err, loc, _model_at(loc, root)) or _hint(err)
               or _literal_fix(err, loc) or fix)
        issues.append(Issue(file, format_path(loc, root), message, fix))
    return issues


#: A list entry of each study section that is a list of mappings, as the file writes one.
_ENTRY_EXAMPLES = {
    "devices": "- {name: R1, kind: relay, location: {line: L1, end: from}, pickup_a: 400, "
               "curve: IEEE-VI, time_dial: 2}",
    "v2g_sites": "- {name: depot, bus: B3, n_chargers: 4, p_charger_kw: 100}",
}


def _list_fix(loc: tuple[Any, ...], root: Root) -> str:
    """The fix of a value that is not a list, with an example of what the field holds: one
    mapping per entry for a list of sections (``devices``), numbers for a list of numbers
    (a recloser's intervals), plain values otherwise (rev43b M1: ``devices: {}`` was told
    "e.g. [0.5, 2.0, 2.0]")."""
    key = str(loc[-1]) if loc else ""
    field = next((m.model_fields[key] for m in _model_at(loc, root) if key in m.model_fields),
                 None)
    if field is None:
        return "write a YAML list"
    if _unwrap(field.annotation):
        example = _ENTRY_EXAMPLES.get(key, "- {key: value, …}")
        return (f"write a YAML list with one mapping per entry, each on its own line under "
                f"'{key}:' and starting with '- ', e.g. {example}")
    if {float, int} & set(typing.get_args(field.annotation)) or "float" in str(field.annotation):
        return "write a YAML list of numbers, e.g. [0.5, 2.0, 2.0]"
    kinds = [a for a in typing.get_args(field.annotation) if isinstance(a, type)
             and issubclass(a, enum.Enum)]
    shown = ", ".join(str(m.value) for m in list(kinds[0])[:2]) if kinds else "first, second"
    return f"write a YAML list, one value per entry, e.g. [{shown}]"


def _typos(errors: list[Any], root: Root) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Required keys reported missing beside an unknown key that is their misspelling:
    location of the missing key → location of the unknown one. Such a pair is one mistake
    (``pikup_a`` for ``pickup_a``) and is said in one line, not as "field required" plus
    "unknown key"."""
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    out: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] != "extra_forbidden":
            continue
        siblings = [m for m in missing if m[:-1] == loc[:-1] and m not in out]
        close = difflib.get_close_matches(str(loc[-1]), [str(m[-1]) for m in siblings], n=1,
                                          cutoff=0.6)
        if close:
            out[loc[:-1] + (close[0],)] = loc
    return out


def _unknown_key(loc: tuple[Any, ...], renamed: dict[tuple[Any, ...], tuple[Any, ...]],
                 file: str, root: Root) -> Issue:
    """The issue of an unknown key: a misspelt required key (:func:`_typos`) in one line
    with the key to rename it to, else the keys allowed there (:func:`did_you_mean`)."""
    target = next((m for m, typo in renamed.items() if typo == loc), None)
    if target is None:
        return Issue(file, format_path(loc, root), "unknown key", did_you_mean(loc, root))
    return Issue(file, format_path(loc, root),
                 f"unknown key, a misspelling of the required key {target[-1]!r} (which is "
                 "missing)", f"rename {loc[-1]!r} to {target[-1]!r}")


#: A literal value written in another case than the allowed one ('slg' for 'SLG')
_ALLOWED = re.compile(r"'([^']*)'")


def _hint(err: Any) -> str:
    """A fix for a common slip, or "": an allowed word in the wrong case ('slg' for 'SLG').
    A number out of range is said by :func:`~protv2g.study.range_hints.range_fix`."""
    value, kind = err.get("input"), err["type"]
    if kind == "union_tag_invalid":  # a device's kind: the tag, not the input, is the value
        value = err.get("ctx", {}).get("tag")
        allowed = _ALLOWED.findall(str(err.get("ctx", {}).get("expected_tags", "")))
    elif kind in ("literal_error", "enum") and isinstance(value, str):
        allowed = _ALLOWED.findall(str(err.get("ctx", {}).get("expected", "")))
    else:
        return ""
    if isinstance(value, str):
        same = [a for a in allowed if a.casefold() == value.casefold()]
        if same:
            return f"write {same[0]!r}: the names are case-sensitive ({value!r} is not allowed)"
    return ""


#: The fix of a required key that needs more than "add this key": its meaning, unit, an
#: example and where the allowed values are listed (review rev48b P6: a fuse without
#: ``link``; rev50b #7: a recloser without ``phase_min_trip_a`` got "add this key").
_MISSING_FIXES = {
    "phase_min_trip_a": ("add the recloser's phase minimum trip in primary amperes, e.g. "
                         "'phase_min_trip_a: 560' (commonly about twice the peak load of "
                         "its zone; C5 wants the zone's minimum fault ≥ 1.5 × it, C8 its "
                         "load ≤ it / 1.5)"),
    "fast_curve": ("add the recloser's fast (A) curve, e.g. 'fast_curve: OpenDSS-A' or '101' "
                   "(`protv2g curves list --kind recloser` lists every curve the library "
                   "holds)"),
    "delayed_curve": ("add the recloser's delayed curve, e.g. 'delayed_curve: 133' or "
                      "'OpenDSS-D' (`protv2g curves list --kind recloser` lists every curve "
                      "the library holds)"),
    "pickup_a": ("add the relay's phase (51P) pickup in primary amperes, e.g. 'pickup_a: "
                 "400' (secondary A × CT ratio; C5 wants the zone's minimum fault ≥ 1.5 × "
                 "it, C8 the load ≤ it / 1.5)"),
    "n_chargers": "add the number of bidirectional chargers at the site, e.g. 'n_chargers: 20'",
    "p_charger_kw": ("add each charger's rated export power in kW, e.g. 'p_charger_kw: 60' "
                     "(a DC fast depot charger) or 7.2 (a level-2 home charger)"),
    "link": ("add the fuse's link, e.g. 'link: 15K' (EEI-NEMA K and T links 6K–200T, ANSI "
             "C37.43; on ≤ 1 kV an IEC 60269 gG link such as 100gG): `protv2g curves list "
             "--kind fuse` lists every link the library holds"),
}

#: The fix of a literal field whose allowed values need a word on when each applies
#: (review rev47b P8: ``phases: 2`` got "use one of the allowed values").
_LITERAL_FIXES = {
    "phases": ("write 3 for three-phase chargers, or 1 for single-phase ones with phase: a, b "
               "or c (line to neutral) or ab, bc or ca (one unit between two conductors, e.g. "
               "240 V across a split-phase secondary's legs; OpenDSS feeders)"),
}


def _literal_fix(err: Any, loc: tuple[Any, ...]) -> str:
    """The field's own fix of a literal error at ``loc`` (:data:`_LITERAL_FIXES`), or ""."""
    if err["type"] not in ("literal_error", "enum") or not loc:
        return ""
    return _LITERAL_FIXES.get(str(loc[-1]), "")


_DEVICE_AT = re.compile(r"^devices\[(\d+)\]")


def with_device_names(issues: list[Issue], names: list[Any], adopted: int = 0
                      ) -> list[Issue]:
    """``issues`` with the device's name in the message of each issue in ``devices[i]``
    (``devices[2].fast_curve``: "device 'RC-F1': Field required"): an index alone makes the
    reader count list entries. The field path is kept as it is (a path, which tools and tests
    read). ``names``: the name of each entry of ``devices`` (None or a non-text value where
    the entry has none); a message naming the device already is kept.

    ``adopted``: how many entries at the head of ``names`` were adopted from the feeder model
    (``feeder.adopt_devices``), ahead of the file's own: the paths index that merged list, so
    an issue of a file device is given its own index in the file (``devices[i − adopted]``)
    and one of an adopted device the path ``feeder.adopt_devices[NAME]`` and "(adopted from
    the model)" (s16: ``devices[3]`` did not match the study file when model devices were
    adopted)."""
    out = []
    for issue in issues:
        m = _DEVICE_AT.match(issue.field)
        if m is None or int(m.group(1)) >= len(names):
            out.append(issue)
            continue
        i = int(m.group(1))
        name = names[i]
        field, origin = issue.field, ""
        if adopted:
            rest = issue.field[m.end():]
            if i < adopted:
                field, origin = f"feeder.adopt_devices[{name}]{rest}", " (adopted from the model)"
            else:
                field = f"devices[{i - adopted}]{rest}"
        if isinstance(name, str) and name:
            if not origin and (f"'{name}'" in issue.message
                               or f" {name} " in f" {issue.message} "):
                out.append(Issue(issue.file, field, issue.message, issue.fix))
                continue
            label = f"device {name!r}{origin}"
        else:
            label = "device without a name"
        out.append(Issue(issue.file, field, f"{label}: {issue.message}", issue.fix))
    return out
