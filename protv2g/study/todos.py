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

__all__ = ["DRAFTED_RELAY_MARK", "drafted_relay_items", "split_todo", "todo_items"]

#: Where a line's TODO comment starts: its ``#`` (the comment's text after it).
_TODO = re.compile(r"#\s*(?=TODO\b)")
#: A TODO comment's text (after its ``#``): ``TODO: <what> | fix: <how>``.
_PARTS = re.compile(r"TODO\b:?\s*(?P<what>.*?)(?:\s*\|\s*fix:\s*(?P<fix>.*))?$")
#: How the TODO of a relay ``protv2g init`` drafted as a whole (a proposed feeder-head relay)
#: begins, the relay's name after it: ``# TODO: assumed feeder-head relay head-l1: …``
#: (:func:`drafted_relay_items`).
DRAFTED_RELAY_MARK = "assumed feeder-head relay "
_ITEM = re.compile(r"^devices\[(\d+)\]")
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
        what, fix = split_todo(line[m.end():]) or ("", "")
        if line[:m.start()].strip():
            field = where.get(no, "")
        else:
            field = next((where[s] for s in starts if s > no), "")
        out.append(Issue(file, f"{field} (line {no + 1})" if field else f"line {no + 1}",
                         what or "value to confirm",
                         fix or "confirm the value and delete the TODO comment"))
    return out


def split_todo(comment: str) -> tuple[str, str] | None:
    """``(what, fix)`` of a comment's text (after its ``#``) that is a TODO — ``TODO: <what>
    | fix: <how>``, each stripped, ``fix`` empty without ``| fix:`` — or None for any other
    comment. The one reading of init's TODO comments: :func:`todo_items` and ``protv2g
    recommend``'s edit of a drafted value's line (:mod:`protv2g.recommend.yaml_edit`).

    >>> split_todo(" TODO: assumed 2 s; IEEE 1547 | fix: give the clearing time")
    ('assumed 2 s; IEEE 1547', 'give the clearing time')
    >>> split_todo("TODO check this"), split_todo("protv2g recommend: was 10T")
    (('check this', ''), None)
    """
    m = _PARTS.match(comment.strip())
    if m is None:
        return None
    return m.group("what").strip(), (m.group("fix") or "").strip()


def _in_string(line: str, pos: int) -> bool:
    """``#`` at ``pos`` lies inside a quoted scalar (an odd number of quotes before it)."""
    before = line[:pos]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1


def drafted_relay_items(items: list[Issue], names: list[str]) -> dict[int, int]:
    """The ``devices`` items ``protv2g init`` drafted as a whole relay, from the study file's
    TODO items (:func:`todo_items`; ``names``: the ``devices`` names in file order): each
    TODO that begins :data:`DRAFTED_RELAY_MARK` → the index of the item it names, and of the
    item whose field it is when the name is no item's (the relay renamed); as
    ``{item index: index of the TODO in items}``.

    init writes the mark on the relay's ``name`` line (session 40); a study drafted before
    has it on a comment line above the item, whose field is the next item below — the one a
    user inserts there (ver38: IEEE 8500's ``f_campus`` between the comments and the relay
    took them, and no drafted relay was found). The name in the mark finds the relay either
    way.

    >>> from protv2g.errors import Issue
    >>> old = [Issue("s.yaml", "devices[3] (line 40)", "assumed feeder-head relay head-l1: "
    ...              "the model has no relay", "replace")]
    >>> drafted_relay_items(old, ["r1", "f1", "head-l1", "f_campus"])  # f_campus took it
    {2: 0}
    >>> drafted_relay_items(old, ["r1", "f1", "f2", "renamed"])  # no item of that name
    {3: 0}
    """
    index = {str(n): k for k, n in enumerate(names)}
    out: dict[int, int] = {}
    for k, item in enumerate(items):
        if not str(item.message).startswith(DRAFTED_RELAY_MARK):
            continue
        name = str(item.message)[len(DRAFTED_RELAY_MARK):].split(":", 1)[0].strip()
        at = index.get(name)
        if at is None and (m := _ITEM.match(str(item.field))) and int(m.group(1)) < len(names):
            at = int(m.group(1))
        if at is not None:
            out.setdefault(at, k)
    return out
