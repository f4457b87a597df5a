"""Values a study file marks as still to be confirmed (``# TODO: <what> | fix: <how>``).

``protv2g init`` writes the values it assumed (interrupting ratings, a proposed feeder-head
relay, the CT ratio) with such a comment; :func:`todo_items` reads them back with the field
path of the value on the comment's line — or, for a comment on its own line, of the value that
follows it — so that ``protv2g validate`` can list them. They do not make the study invalid:
the study runs with the assumed values, and the list says which results rest on them.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from protv2g.errors import Issue

__all__ = ["todo_items"]

_TODO = re.compile(r"#\s*TODO\b:?\s*(?P<text>.*)$")
#: libyaml's parser where PyYAML was built with it (the same nodes and line marks; #21: the
#: pure-Python one took 0.15 s on the IEEE 8500 draft, run after every study)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _paths(node: yaml.Node, path: str, out: dict[int, str]) -> None:
    """Line (0-based) → field path of the first key or item starting on it."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = f"{path}.{key.value}" if path else str(key.value)
            out.setdefault(key.start_mark.line, sub)
            _paths(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = f"{path}[{i}]"
            out.setdefault(item.start_mark.line, sub)
            _paths(item, sub, out)


def todo_items(path: str | Path) -> list[Issue]:
    """Every TODO comment of a study file as an :class:`~protv2g.errors.Issue`.

    ``field`` is the path of the value on that line (or the next value below a comment line),
    ``message`` the comment's text before ``| fix:``, ``fix`` the text after it. An unreadable
    file gives no items (``validate`` reports it anyway).

    Examples
    --------
    >>> for item in todo_items("study.yaml"):  # doctest: +SKIP
    ...     print(item)
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    where: dict[int, str] = {}
    if root is not None:
        _paths(root, "", where)
    starts = sorted(where)
    out = []
    for no, line in enumerate(text.splitlines()):
        m = _TODO.search(line)
        if m is None or _in_string(line, m.start()):
            continue
        body = m.group("text")
        what, _, fix = body.partition("| fix:")
        if line[:m.start()].strip():
            field = where.get(no, "")
        else:
            field = next((where[s] for s in starts if s > no), "")
        out.append(Issue(file, f"{field} (line {no + 1})" if field else f"line {no + 1}",
                         what.strip() or "value to confirm",
                         fix.strip() or "confirm the value and delete the TODO comment"))
    return out


def _in_string(line: str, pos: int) -> bool:
    """``#`` at ``pos`` lies inside a quoted scalar (an odd number of quotes before it)."""
    before = line[:pos]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1
