"""The comments ``protv2g init --redraft`` re-writes around a re-drafted head relay in the
study file (:func:`protv2g.study_draft.redraft.redraft_text`): init's figure comments and
TODOs above the relay's item, and a comment beside a time dial left as drafted (review rev30
§6).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from protv2g.study_draft.curve_choice import clearing_comment
from protv2g.study_draft.draft_text import OLD_PICKUP_RULES, PICKUP_RULE, R_FAULT_MIN_OHM
from protv2g.study_draft.head_load import SITES_COMMENT, sites_comment
from protv2g.study_draft.head_relay import RelayProposal
from protv2g.study_draft.low_voltage import zone_faults_text
from protv2g.study_draft.trade import dials_clause
from protv2g.study_draft.writer import todo

__all__ = ["KEPT", "PICKUP_OF", "in_flow", "key_node", "refresh_reach_todos",
           "refresh_relay_comments"]


def refresh_relay_comments(lines: list[str], item: Any, prop: RelayProposal, keys: set[str],
                           trade: Sequence[str], notes: Mapping[str, str], checks: Any,
                           within: str) -> None:
    """The comments of a re-drafted relay's item (``item``: its YAML node) re-written in
    ``lines`` (:func:`protv2g.study_draft.redraft.redraft_text`): the figure comments and
    TODOs above it (:func:`_refresh_comments`), and beside each time dial the rule now gives
    otherwise but ``within`` one step (left as drafted) a comment saying so, with the rule's
    value and its reason (``notes``: setting → :func:`.trade.setting_notes`' text; review
    rev30 §6: ckt5's print named ground TD 0.6, the file kept 0.5 and said nothing).
    ``keys``: the settings re-drafted; ``trade``: what they give up."""
    kept, marks = {}, []
    for key in ("time_dial", "ground_time_dial"):
        node = key_node(item, key)
        if key in keys or not isinstance(node, yaml.ScalarNode) or prop.entry.get(key) is None:
            continue
        try:
            was = float(node.value)
        except ValueError:
            continue
        now = float(prop.entry[key])
        if abs(was - now) > 1e-9:
            kept[key] = (was, now)
            marks.append((node.end_mark.line, node.end_mark.column, now, notes.get(key, "")))
    values = {}
    for key in PICKUP_OF.values():
        try:
            values[key] = float(key_node(item, key).value)
        except (AttributeError, TypeError, ValueError):
            continue
    _refresh_comments(lines, item.start_mark.line, prop, keys, trade, kept, checks, values,
                      within)
    for line_no, end, now, said in marks:
        line = lines[line_no]
        body, newline = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        rest = body[end:]
        if in_flow(body, end) or ("#" in rest and KEPT not in rest):
            continue
        note = (f"{KEPT} by protv2g init --redraft: the rule now gives {now:g}, {within}"
                + (f"; the rule's reason for {now:g}: {said}" if said else ""))
        lines[line_no] = f"{body[:end]}  # {note}{newline}"


def key_node(node: Any, key: str) -> Any:
    """The value node of ``key`` in a YAML mapping node (None: not a mapping, or no key)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == key), None)


def in_flow(line: str, pos: int) -> bool:
    """The value at ``pos`` lies in a flow mapping or sequence (``{…}``): no comment inside."""
    before = line[:pos]
    return before.count("{") > before.count("}") or before.count("[") > before.count("]")


#: init's minimum-fault clearing line (:func:`.curve_choice.clearing_comment`), TODO or not.
_CLEARING_LINE = re.compile(r"^(\s*)# (TODO: )?min-fault clearing: ")
_STEPS_LINE = re.compile(r"^(\s*)# (51[PG]): ")
_REACH_TODO = re.compile(r"^(\s*)# TODO: (51[PG]) reach: ")


#: What an earlier ``--redraft`` appended to a ``# 51P:`` / ``# 51G:`` line, any number of them
#: (a second re-draft re-writes the line, it does not append to it: review s34, IEEE 123's
#: "… (re-drafted by protv2g init --redraft) (re-checked by protv2g init --redraft: …)").
_REDRAFT_SUFFIXES = re.compile(r"(?: \((?:first draft, kept|re-checked by protv2g init "
                               r"--redraft|re-drafted by protv2g init --redraft)[^()]*\))+$")

#: The pickup a ``# 51P:`` / ``# 51G:`` comment line derives.
PICKUP_OF = {"51P": "pickup_a", "51G": "ground_pickup_a"}


#: How a time dial left as drafted is marked (its comment replaced on a later re-draft).
KEPT = "first draft, kept"
#: init's TODO naming a drafted relay: on its name line (``- name: head  # TODO: assumed …``,
#: session 40) or, in a study drafted before, on a comment line above its item.
_RELAY_TODO = re.compile(r"^(.*?# TODO: assumed feeder-head relay .*?time dials for )(.*?)"
                         r"( \| fix: .*)$")


#: init's "min zone faults: phase …, ground … (IEC 60909 min, <basis>)" clause.
_ZONE_FAULTS = re.compile(r"min zone faults: phase .*?, ground .*? \(IEC 60909 min, ([^)]*)\)")


def _r_ohm(basis: str) -> float:
    """The fault resistance a zone clause's basis quotes ("20 Ω"); init's default else."""
    m = re.match(r"\s*([0-9.]+) Ω", basis)
    return float(m.group(1)) if m else R_FAULT_MIN_OHM


def _refresh_comments(lines: list[str], item_line: int, prop: RelayProposal,
                      keys: set[str], trade: list[str] = (),
                      kept: dict[str, tuple[float, float]] | None = None,
                      checks: Any = None, values: dict[str, float] | None = None,
                      within: str = "within 10% or one step") -> None:
    """Re-write init's figure comments in the comment block above the relay's item (at
    ``item_line``, 0-based) and its TODO on the item's line with ``prop``'s figures
    (:func:`protv2g.study_draft.redraft.redraft_text`); ``keys``: the
    settings re-drafted (a pickup kept, not materially different, keeps its line, which says
    what the rule now gives); ``trade``: what the re-drafted values give up
    (:func:`.trade.redraft_trade`), its backup reach said on the reach line; ``kept``: the time
    dials left as drafted, (file value, rule's value), and ``checks``: the study's, both said
    in the relay's TODO (:func:`.trade.dials_clause`); ``values``: the file's pickups (a kept
    pickup the rule gives unchanged is said to be re-checked, not kept)."""
    f = prop.figures
    steps = f.get("pickup_steps", {})

    def relay_todo(i: int) -> bool:
        """Re-write the relay's TODO if line ``i`` holds it."""
        line = lines[i]
        if not (m := _RELAY_TODO.match(line.rstrip("\n"))):
            return False
        head = m.group(1)
        for rule in OLD_PICKUP_RULES if keys else ():
            head = head.replace(rule, PICKUP_RULE)
        lines[i] = (head + dials_clause(f, checks, kept) + m.group(3)
                    + ("\n" if line.endswith("\n") else ""))
        return True

    relay_todo(item_line)  # on the relay's name line (session 40)
    i = item_line - 1
    while i >= 0 and lines[i].lstrip().startswith("#"):  # the comment lines above the item
        line = lines[i]
        newline = "\n" if line.endswith("\n") else ""
        if relay_todo(i):  # a study drafted before session 40
            pass
        elif (m := _STEPS_LINE.match(line)) and m.group(2) in steps:
            key = PICKUP_OF[m.group(2)]
            base = _REDRAFT_SUFFIXES.sub("", line.rstrip())
            now = float(prop.entry[key])
            same = abs(float((values or {}).get(key, math.nan)) - now) < 1e-9
            lines[i] = (f"{m.group(1)}# {m.group(2)}: {steps[m.group(2)]} (re-drafted by "
                        f"protv2g init --redraft){newline}" if key in keys else
                        f"{base} (re-checked by protv2g init --redraft: the rule gives the "
                        f"same){newline}" if same else
                        f"{base} ({KEPT}: the rule now gives {now:g} A, "
                        f"{within}){newline}")
        elif (m := _REACH_TODO.match(line)) and PICKUP_OF[m.group(2)] in keys:
            now = next((c for c in prop.conflicts if c.startswith(f"{m.group(2)} reach")), None)
            lost = [t for t in trade if t.startswith(f"backup reach: {m.group(2)} ")]
            lines[i] = m.group(1) + (
                todo(now, "review the setting") if now is not None else
                f"# re-drafted by protv2g init --redraft: the first draft's {m.group(2)} reach "
                "conflict is gone (the zone's minimum fault is reached with the 1.5 margin)"
                + (f"; what it gives up: {lost[0]}" if lost else "")
            ) + newline
        elif _CLEARING_LINE.match(line) and clearing_comment(f):
            said, sep, fix = clearing_comment(f)[0].partition(" | fix:")
            lines[i] = (_CLEARING_LINE.match(line).group(1) + said
                        + " (re-drafted by protv2g init --redraft)" + sep + fix + newline)
        elif line.lstrip().startswith(f"# {SITES_COMMENT}") and sites_comment(f):
            lines[i] = line[:line.index("#")] + f"# {sites_comment(f, prop.entry)}" + newline
        elif "min zone faults:" in line:
            line = re.sub(r"peak load \d+ A", f"peak load {f['peak_load_a']:.0f} A", line)
            line = re.sub(r"residual \d+ A", f"residual {f['peak_residual_a']:.0f} A", line)
            # the whole clause with its basis (never "inf A": review rev34b W2)
            lines[i] = _ZONE_FAULTS.sub(lambda m: zone_faults_text(f, _r_ohm(m.group(1))),
                                        line)
        i -= 1


def refresh_reach_todos(text: str, proposals: Mapping[int, RelayProposal], r_ohm: float
                        ) -> tuple[str, list[str]]:
    """The study file's ``text`` with each drafted relay's reach TODO (``# TODO: 51P reach:
    …`` above its item, ``proposals``: file index → the rule's proposal as the study now
    stands) re-judged, whatever was re-drafted: re-written with the conflict the rule meets
    now, or replaced by a plain comment that it is gone (with the zone's minimum faults now,
    ``r_ohm`` their fault resistance). Review rev41a M2, IEEE 34: after RC-808 shortened the
    head's zone (minimum phase fault 177 A → 964 A) and ``init --redraft`` kept the pickup,
    "C5 needs the pickup ≤ 118 A for the primary zone (its minimum multi-phase fault 177 A …)"
    stayed in the file and headed the Summary's "Unconfirmed inputs" (this ran only when the
    pickup itself was re-drafted). Returns the text and one line per comment changed."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    devices = key_node(root, "devices")
    if not isinstance(devices, yaml.SequenceNode):
        return text, []
    lines = text.splitlines(keepends=True)
    said = []
    for index, prop in proposals.items():
        if index >= len(devices.value):
            continue
        name = prop.entry.get("name", f"devices[{index}]")
        i = devices.value[index].start_mark.line - 1
        while i >= 0 and lines[i].lstrip().startswith("#"):
            if m := _REACH_TODO.match(lines[i]):
                now = next((c for c in prop.conflicts if c.startswith(f"{m.group(2)} reach")),
                           None)
                new = m.group(1) + (
                    todo(now, "review the setting") if now is not None else
                    f"# re-checked by protv2g init --redraft: the first draft's {m.group(2)} "
                    "reach conflict is gone as the study now stands (the zone's minimum "
                    "fault is reached with the 1.5 margin; "
                    f"{zone_faults_text(prop.figures, r_ohm)})") + (
                    "\n" if lines[i].endswith("\n") else "")
                if new != lines[i]:
                    lines[i] = new
                    said.append(f"{name}: {m.group(2)} reach TODO "
                                + ("re-written: " + now if now is not None else
                                   "dropped: the conflict is gone as the study now stands"))
            i -= 1
    return "".join(lines), said
