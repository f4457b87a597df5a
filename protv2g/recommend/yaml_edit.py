"""Write a study file's changed values in place: only the changed value's text is replaced
(or a missing field's line added), every other character of the file is kept.

ruamel.yaml's round trip keeps comments and key order but re-emits flow-style entries at its
own width: ``recommend --apply`` re-wrapped device lines it did not change, with trailing
spaces (review rev41c F: 8 changed device lines for 1 changed fuse link, the depot's ``day:``
block re-wrapped). Here ruamel.yaml only *reads* the file, for each value's line and column
(``lc``), and the edit is made on the text. :func:`edit_text` returns None when an edit
cannot be made that way (a value over several lines, an unusual layout); the caller then
falls back to the round trip (:func:`protv2g.recommend.apply.write_study`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from protv2g.study.todos import split_todo

__all__ = ["edit_text", "scalar_text"]

_CLOSE = {"[": "]", "{": "}"}


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return "none" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def scalar_text(value: Any, quote: str = "") -> str:
    """``value`` as YAML flow text: a list as ``[a, b]``, a float exactly (``repr``), an
    integral float as an integer at the top level (``550.0`` → ``550``, as the round trip
    wrote it), a string plain where YAML reads it back as that string, else quoted;
    ``quote`` (``'"'`` or ``"'"``): the quote the old value had, kept.

    >>> scalar_text(550.0), scalar_text([3.5, 2.0, 2.0]), scalar_text("25K"), scalar_text(
    ...     "101", '"'), scalar_text("yes"), scalar_text(None)
    ('550', '[3.5, 2.0, 2.0]', '25K', '"101"', '"yes"', 'null')
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _flow(value, quote)


def _flow(value: Any, quote: str = "") -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if quote == "'":
        return "'" + text.replace("'", "''") + "'"
    if quote == '"' or not _plain_ok(text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _plain_ok(text: str) -> bool:
    """Whether ``text`` reads back as itself when written plain, inside a flow collection."""
    import yaml

    if not text or text != text.strip() or any(c in text for c in ",[]{}#:&*!|>'\"%@`"):
        return False
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def _value_end(line: str, col: int, flow: bool) -> int | None:
    """End column of the value starting at ``col`` in ``line``; None when it does not end on
    the line (a bracket or quote left open)."""
    c = line[col] if col < len(line) else ""
    if c in "\"'":
        k = col + 1
        while k < len(line):
            if c == '"' and line[k] == "\\":
                k += 2
                continue
            if line[k] == c:
                if c == "'" and line[k + 1:k + 2] == "'":
                    k += 2
                    continue
                return k + 1
            k += 1
        return None
    if c in _CLOSE:
        depth = 0
        for k in range(col, len(line)):
            if line[k] in _CLOSE:
                depth += 1
            elif line[k] in _CLOSE.values():
                depth -= 1
                if depth == 0:
                    return k + 1
        return None
    stops = [i for i in (line.find(" #", col), *(
        (line.find(s, col) for s in ",}]") if flow else ())) if i >= 0]
    end = min(stops, default=len(line))
    return len(line[:end].rstrip())


def _entry_end(lines: list[str], entry: Any) -> int:
    """Last line of a block mapping ``entry``: its last key's line and the more indented
    lines after it."""
    last = list(entry.keys())[-1]
    k = entry.lc.key(last)[0]
    col = entry.lc.key(last)[1]
    while k + 1 < len(lines) and lines[k + 1].strip() and (
            len(lines[k + 1]) - len(lines[k + 1].lstrip()) > col):
        k += 1
    return k


def _closing(lines: list[str], row: int, col: int) -> tuple[int, int] | None:
    """(line, column) of the bracket closing the one at ``lines[row][col]``; None when
    none does (quotes are skipped)."""
    depth, quote = 0, ""
    for r in range(row, len(lines)):
        line = lines[r]
        for k in range(col if r == row else 0, len(line)):
            c = line[k]
            if quote:
                quote = "" if c == quote else quote
            elif c in "\"'":
                quote = c
            elif c in _CLOSE:
                depth += 1
            elif c in _CLOSE.values():
                depth -= 1
                if depth == 0:
                    return r, k
    return None


def _comment(line: str, note: str) -> str:
    """``line`` with ``# note`` at its end, or before the comment it has.

    A ``TODO`` comment (a value ``protv2g init`` drafted) stays a TODO — the new value rests
    on the drafted one — but keeps only its first clause (what was assumed) and its fix: the
    figures after it were computed for the old value (review rev42c M5, IEEE 8500: ``link:
    25T  # protv2g recommend: was 10T; TODO: … 10T melts in 0.0111 s and clears in
    0.0243 s …``)."""
    at = line.find(" #")
    if at < 0:
        return f"{line}  # {note}"
    rest = line[at:].lstrip()[1:].lstrip()
    todo = split_todo(rest)  # a drafted value's comment: ``TODO: <what> | fix: <how>``
    if todo is not None:  # the TODO first: validate lists it (:func:`protv2g.study.todos.
        # todo_items` reads ``# TODO`` only)
        what = todo[0].split(";")[0].strip().rstrip(".")
        fix = todo[1]
        return (f"{line[:at + 1]}# TODO: {note}, a drafted value ({what}); init's figures "
                "were for that value" + (f" | fix: {fix}" if fix else ""))
    return f"{line[:at + 1]}# {note}; {rest}"


def edit_text(text: str, data: Any, changes: Sequence[Any]) -> str | None:
    """``text`` (the study file) with each change's fields set, and a block entry's changed
    line commented ``# protv2g recommend: was <old>``; ``data``: ``text`` as read by
    ruamel.yaml's round trip (for the positions). None when an edit cannot be made on the
    text (the caller re-emits the file)."""
    lines = text.split("\n")
    added: dict[int, int] = {}  # entry → the line last added to it
    for ch in changes:
        entry = next((e for e in data.get(ch.section) or []
                      if isinstance(e, dict) and e.get("name") == ch.name), None)
        if entry is None or not hasattr(entry, "lc"):
            return None
        flow = entry.fa.flow_style()
        for field, old, new in ch.fields:
            note = f"protv2g recommend: was {_show(old)}"
            if field in entry:
                row, col = entry.lc.value(field)
                line = lines[row]
                end = _value_end(line, col, flow)
                if end is None:
                    return None
                quote = line[col] if line[col:col + 1] in ("'", '"') else ""
                line = line[:col] + scalar_text(new, quote) + line[end:]
                lines[row] = line if flow else _comment(line, note)
            elif flow:  # before the entry's closing brace
                at = _closing(lines, entry.lc.line, entry.lc.col)
                if at is None:
                    return None
                r, c = at
                lines[r] = (lines[r][:c].rstrip() + f", {field}: {scalar_text(new)}"
                            + lines[r][c:])
            else:  # a new line after the entry's last, at its keys' indent
                at = max(_entry_end(lines, entry), added.get(id(entry), -1))
                indent = " " * entry.lc.key(list(entry.keys())[0])[1]
                lines.insert(at + 1, f"{indent}{field}: {scalar_text(new)}  # {note}")
                data_moved(data, at + 1)
                added[id(entry)] = at + 1  # the next field added after it
    return "\n".join(lines)


def data_moved(data: Any, row: int) -> None:
    """Shift ruamel's recorded line numbers at or after ``row`` by one (a line inserted)."""
    def walk(node: Any) -> None:
        lc = getattr(node, "lc", None)
        if lc is not None:
            if lc.line >= row:
                lc.line += 1
            data_ = getattr(lc, "data", None) or {}
            for pos in data_.values():
                if pos[0] >= row:
                    pos[0] += 1
                if len(pos) > 2 and pos[2] >= row:
                    pos[2] += 1
        items = node.values() if isinstance(node, dict) else node if isinstance(
            node, list) else ()
        for v in items:
            walk(v)

    walk(data)
