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


def format_path(loc: tuple[Any, ...]) -> str:
    """``('devices', 3, 'relay', 'pickup_a')`` → ``devices[3].pickup_a``."""
    out = ""
    previous: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(previous, int) and part in _DEVICE_MODELS and out.startswith("devices"):
            pass  # discriminator tag inserted by pydantic, not a key of the file
        elif previous == "directional" and part in DIRECTIONAL_TAGS:
            pass  # the same for the two forms of a relay's directional key
        else:
            out += ("." if out else "") + str(part)
        previous = part
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


def _model_at(loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """The schema model(s) that hold the key at the end of ``loc``."""
    models: list[type[BaseModel]] = [StudyDocument]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part in _DEVICE_MODELS and any(m is not StudyDocument for m in models):
            models = [_DEVICE_MODELS[part]]
            continue
        nxt: list[type[BaseModel]] = []
        for model in models:
            field = model.model_fields.get(str(part))
            if field is not None:
                nxt.extend(_unwrap(field.annotation))
        models = nxt or models
    return models


def did_you_mean(loc: tuple[Any, ...]) -> str:
    """Suggestion for an unknown key, from the keys allowed at that place."""
    key = str(loc[-1])
    allowed = sorted({name for m in _model_at(loc) for name in m.model_fields})
    close = difflib.get_close_matches(key, allowed, n=2, cutoff=0.5)
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}? (remove or rename the key)"
    return f"remove the key; allowed here: {', '.join(allowed)}"


def issues_from_validation_error(error: ValidationError, file: str) -> list[Issue]:
    """One :class:`Issue` per pydantic error, with the field path and a fix."""
    issues = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            issues.append(Issue(file, format_path(loc), "unknown key", did_you_mean(loc)))
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
        issues.append(Issue(file, format_path(loc), message, fix))
    return issues
