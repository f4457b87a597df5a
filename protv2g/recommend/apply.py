"""Apply accepted changes to a study (:func:`apply_to_study`, in memory, re-validated) and write
them back into the study file, keeping the user's comments and layout (:func:`write_study`).

Only the changed values' text is replaced in the study file (a missing field's line added; a
block entry's changed field gets an end-of-line comment naming the old value), every other
character kept (:mod:`.yaml_edit`, review rev41c F: the round trip re-wrapped flow entries it
did not change); ruamel.yaml's round trip, which keeps comments, key order and flow/block
style but re-emits lines at its own width, writes the file where that edit cannot be made.
When ruamel.yaml is not installed the file is rewritten with PyYAML, which loses comments —
the function then says so in its return value.

A study may read files only inside its own folder (``protv2g.study.loader``); when the
output goes to another folder, the feeder model (``feeder.pandapower_json``, or the whole
folder of an OpenDSS master) and the ``library`` entries are copied beside it, keeping their
relative paths, each file whole or not at all (:func:`input_copies`).
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from protv2g.errors import InputError, Issue
from protv2g.recommend.change import Change, describe
from protv2g.recommend.yaml_edit import _show, edit_text
from protv2g.study.loader import Study

__all__ = ["apply_to_study", "input_copies", "with_finding_ids", "write_study"]


def apply_to_study(study: Study, changes: Sequence[Change]) -> Study:
    """The study with ``changes`` applied (re-validated; the feeder is not reloaded).

    Raises
    ------
    InputError
        When a change makes the study invalid (e.g. a setting out of range).
    """
    if not changes:
        return study
    raw = study.raw
    sections: dict[str, list[dict[str, Any]]] = {}
    for ch in changes:
        items = sections.setdefault(ch.section, [dict(x) for x in raw.get(ch.section) or []])
        for item in items:
            if item.get("name") == ch.name:
                item.update({f: new for f, _, new in ch.fields})
                break
        else:
            raise InputError(Issue(str(study.path), f"{ch.section}", f"no entry named "
                                   f"{ch.name!r}", "name an entry of the study file"))
    return study.with_updates(**sections)


def _set(entry: Any, change: Change, ruamel: bool) -> None:
    for field, old, value in change.fields:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if ruamel and isinstance(value, (list, tuple)):
            from ruamel.yaml.comments import CommentedSeq

            seq = CommentedSeq(list(value))
            seq.fa.set_flow_style()
            value = seq
        entry[field] = value
        block = ruamel and hasattr(entry, "fa") and not entry.fa.flow_style()
        if block:  # a flow-style {…} entry cannot hold a comment inside
            entry.yaml_add_eol_comment(f"protv2g recommend: was {_show(old)}", field)


def _apply(data: Any, changes: Sequence[Change], path: Path, ruamel: bool) -> None:
    for ch in changes:
        items = data.get(ch.section) or []
        entry = next((e for e in items if isinstance(e, dict) and e.get("name") == ch.name),
                     None)
        if entry is None:
            raise InputError(Issue(str(path), ch.section, f"no entry named {ch.name!r} for "
                                   f"the change {describe(ch)}",
                                   "run protv2g recommend on this study file"))
        _set(entry, ch, ruamel)


def input_copies(data: Any, study_dir: Path, out_dir: Path) -> list[tuple[Path, Path, str]]:
    """The files to copy beside a study written to another folder: ``(source, target,
    entry)`` for each file of the feeder (``feeder.pandapower_json``; every file under an
    OpenDSS master's folder, but the output's own folder where it lies inside it) and of the
    ``library`` entries, keeping their paths relative to the study (``entry``: the study's
    path the file comes with); none where the output goes to the study's own folder."""
    if study_dir.resolve() == out_dir.resolve():
        return []
    feeder = data.get("feeder") or {}
    relatives = []
    if feeder.get("pandapower_json"):
        relatives.append(str(feeder["pandapower_json"]))
    if feeder.get("opendss"):
        relatives.append(str(Path(feeder["opendss"]).parent))
    relatives += [str(x) for x in data.get("library") or []]
    out_abs = out_dir.resolve()
    pairs: list[tuple[Path, Path, str]] = []
    for rel in relatives:
        src, dst = study_dir / rel, out_dir / rel
        if src.is_file():
            pairs.append((src, dst, rel))
        elif src.is_dir():
            for f in sorted(src.rglob("*")):
                if f.is_file() and not f.resolve().is_relative_to(out_abs):
                    pairs.append((f, dst / f.relative_to(src), rel))
    return pairs


def _copy_inputs(data: Any, study_dir: Path, out_dir: Path) -> list[str]:
    """Copy the feeder and library files beside a study written to another folder
    (:func:`input_copies`), each whole or not at all: through a temporary beside its target
    (:func:`protv2g.report.atomic.atomic_target`; inside the caller's
    :func:`~protv2g.report.atomic_folders.folder_set`, all moved into place with the study
    file, and the folders made for them removed if the set fails). The entries copied."""
    from protv2g.report.atomic import atomic_target
    from protv2g.report.atomic_folders import made_folder

    copied: list[str] = []
    for src, dst, rel in input_copies(data, study_dir, out_dir):
        made_folder(dst.parent)
        with atomic_target(dst) as tmp:
            shutil.copy2(src, tmp)
        if rel not in copied:
            copied.append(rel)
    return copied


def _round_trip(yaml_class: Any, text: str) -> Any:
    """ruamel.yaml's round-trip reader/writer with the file's own indentation."""
    from ruamel.yaml.util import load_yaml_guess_indent

    yaml = yaml_class()  # round trip
    yaml.preserve_quotes = True
    yaml.width = 100
    _, indent, offset = load_yaml_guess_indent(text)
    yaml.indent(mapping=2, sequence=indent or 4, offset=offset or 2)
    return yaml


def _edited(text: str, changes: Sequence[Change], yaml_class: Any) -> str | None:
    """``text`` with only the changed values rewritten (:func:`.yaml_edit.edit_text`), when
    it reads back as the file with the changes applied and nothing else changed; else None.
    """
    import yaml as pyyaml

    new_text = edit_text(text, _round_trip(yaml_class, text).load(text), changes)
    if new_text is None:
        return None
    want = pyyaml.safe_load(text)
    _apply(want, changes, Path("."), ruamel=False)
    try:
        return new_text if pyyaml.safe_load(new_text) == want else None
    except pyyaml.YAMLError:
        return None


#: The comment above the ``finding_ids`` block :func:`write_study` writes.
_IDS_HEAD = ("# finding ids kept from the study this file was made from (protv2g recommend "
             "--apply):\n# a finding listed keeps its id on every run, any other takes the "
             "next free one\n")
#: A top-level ``finding_ids`` key (its comment, its line and its indented entries).
_IDS_BLOCK = re.compile(r"(?m)^(?:# finding ids kept from[^\n]*\n(?:#[^\n]*\n)*)?"
                        r"finding_ids:[^\n]*(?:\n|\Z)(?:(?:[ \t]+|-)[^\n]*(?:\n|\Z))*")


def with_finding_ids(text: str, entries: Sequence[dict[str, str]]) -> str:
    """``text`` (a study file) with its top-level ``finding_ids`` (if any) replaced by
    ``entries`` (:func:`protv2g.finding_ids.id_entries`), one flow mapping a line, at the
    end; ``text`` unchanged without entries.

    >>> print(with_finding_ids("name: s\\nfinding_ids: []\\n", [{"id": "F01",
    ...     "criterion": "C10", "device": "RC", "other_device": "", "mechanism": ""}]))
    ... # doctest: +NORMALIZE_WHITESPACE
    name: s
    # finding ids kept from the study this file was made from (protv2g recommend --apply):
    # a finding listed keeps its id on every run, any other takes the next free one
    finding_ids:
      - {id: F01, criterion: C10, device: RC, other_device: '', mechanism: ''}
    """
    if not entries:
        return text
    import yaml

    body = _IDS_BLOCK.sub("", text).rstrip("\n")
    lines = [yaml.safe_dump(dict(e), default_flow_style=True, sort_keys=False, width=10**6,
                            allow_unicode=True).strip() for e in entries]
    return (f"{body}\n{_IDS_HEAD}finding_ids:\n"
            + "".join(f"  - {line}\n" for line in lines))


def write_study(study: Study, changes: Sequence[Change], output: str | Path,
                finding_ids: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """Write the study file with ``changes`` applied to ``output``.

    Parameters
    ----------
    study : Study
        The study the changes were found for (its file is read again).
    changes : sequence of Change
        From :func:`protv2g.recommend.recommend` (``RecommendationResult.changes``).
    output : str or Path
        The new study file.
    finding_ids : sequence of dict
        The finding ids the new file keeps (:func:`protv2g.finding_ids.id_entries` of the
        findings the changes were found for): written as its ``finding_ids``
        (:func:`with_finding_ids`), so that its runs number the findings as this one did
        (review rev43c F5).

    Returns
    -------
    dict
        ``path``, ``comments_kept`` (bool: ruamel.yaml round trip), ``copied`` (files copied
        beside it) and ``changes`` (one line each).

    Raises
    ------
    InputError
        When a change names an entry the file does not have.
    """
    src = Path(study.path)
    out = Path(output)
    text = src.read_text(encoding="utf-8")
    try:
        from ruamel.yaml import YAML
    except ImportError:  # pragma: no cover - ruamel.yaml is a dependency
        YAML = None  # noqa: N806
    if YAML is not None:
        data = _round_trip(YAML, text).load(text)
        _apply(data, changes, src, ruamel=True)  # an entry the file lacks: InputError
        new_text = _edited(text, changes, YAML)
        if new_text is None:  # an edit the text does not allow: the round trip re-emits
            yaml = _round_trip(YAML, text)
            buf = io.StringIO()
            yaml.dump(data, buf)
            new_text = buf.getvalue()
    else:  # pragma: no cover
        import yaml as pyyaml

        data = pyyaml.safe_load(text)
        _apply(data, changes, src, ruamel=False)
        new_text = pyyaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    new_text = with_finding_ids(new_text, finding_ids)
    from protv2g.report.atomic_folders import made_folder

    made_folder(out.parent)
    copied = _copy_inputs(data, src.parent, out.parent)
    out.write_text(new_text, encoding="utf-8")
    return {"path": out, "comments_kept": YAML is not None, "copied": copied,
            "changes": [describe(c) for c in changes]}
