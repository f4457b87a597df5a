"""Turn pydantic validation errors into :class:`~protv2g.errors.Issue` rows with field paths."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from protv2g.errors import Issue
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
    "tuple_type": "write a YAML list, e.g. [0.5, 2.0, 2.0]",
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


def did_you_mean(loc: tuple[Any, ...], root: Root = STUDY_ROOT) -> str:
    """Suggestion for an unknown key, from the keys allowed at that place."""
    key = str(loc[-1])
    allowed = sorted({name for m in _model_at(loc, root) for name in m.model_fields})
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
    issues = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            issues.append(Issue(file, format_path(loc, root), "unknown key",
                                did_you_mean(loc, root)))
            continue
        message = err["msg"]
        if "input" in err and kind not in ("missing", "model_type"):
            shown = repr(err["input"])
            if len(shown) < 60:
                message += f" (got {shown})"
        fix = _FIXES.get(kind, "correct the value")
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if " | fix: " in message:
            message, _, tail = message.partition(" | fix: ")
            fix, _, got = tail.partition(" (got ")
            message += f" (got {got}" if got else ""
        if kind == "union_tag_invalid":
            message = (f"unknown device kind {err.get('ctx', {}).get('tag', '')!r}; allowed: "
                       "relay, recloser, fuse")
        issues.append(Issue(file, format_path(loc, root), message, fix))
    return issues
