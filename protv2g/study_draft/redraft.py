"""Drafted head-relay settings that went stale: init's rule re-applied to the study as it now
stands (review s27 §6).

``protv2g init`` drafts a feeder-head relay (:mod:`.head_relay`) from the model as it finds it:
its 51P/51G pickups from the head's primary zone (the buses not behind a device below it), its
curves and time dials from the devices below it. A user then adds devices the model lacks (a
mid-feeder recloser, lateral fuses): the head's zone and the devices it must coordinate with
change, and the rule gives other values (EPRI J1: 51P drafted 470 A at the 1.5 × peak-load
floor with the whole feeder in the zone, 630 A once a recloser at 8.3 km bounds it). While a
value is still the draft's (its ``# TODO`` is in the file), :func:`stale_drafts` re-applies
the same rule (:func:`.head_rule.head_proposals` — the function ``init`` calls, on the same
fault study, :func:`.head_rule.head_fault_study`) to the study's model with the study's
devices and minimum-case fault resistance, and reports each drafted value the re-drafted one
differs from materially; ``protv2g validate`` and ``protv2g run`` print them as warnings and
``protv2g init --redraft STUDY`` writes the re-drafted values (:func:`redraft_text`).

Which values: a relay of the study file drafted as a whole (a ``# TODO`` on its item, as init
writes it above a proposed relay), where it sits now — on the model's feeder head
(:func:`.heads.feeder_heads`) or on the line the user moved it to, with none of the study's
other relays and reclosers above it (:func:`.redraft_place.relay_heads`, which says why a
drafted relay is not re-drafted; review rev33c W2): its ``pickup_a``, ``ground_pickup_a``,
``curve``, ``ground_curve``, ``time_dial``, ``ground_time_dial``. Its
``reclose_intervals_s`` has its own warning
(:func:`protv2g.study.plausibility.plausibility_warnings`: a drafted first reclose C10 will
fail once V2G sites are added), printed by ``validate`` and ``run``; ``init --redraft``
re-drafts it while it is still marked TODO (:func:`.redraft_reclose.stale_reclose`).

Material (a stated rule, not a standard): a curve that differs; a pickup or time dial that
differs by more than :data:`MATERIAL_FRACTION` of the drafted value and by more than one step
of the rule (10 A, 0.1) — a 10 % move of a pickup moves C5's and C8's 1.5 × margins by a fifth
of the margin; and a drafted pickup at or below the rule's load floor, 1.5 × the peak load
(residual) current without V2G, whatever the size of the move: the drafted value fails C8 on
the feeder's own load. The V2G sites' charging and export do not set the rule's values (the
drafted relay stands for the feeder without them, review rev47a item 1; before, rev32a W3
re-drafted EPRI J1's 630 A to 650 A for the sites charging 431 A): the re-drafted relay's
comment says where they pass a pickup / 1.5 (:func:`.head_load.sites_comment`), C8's V2G
finding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from protv2g.devices.kinds import spec
from protv2g.devices.models import build_device
from protv2g.engine.phase import PhaseDevice
from protv2g.errors import InputError, Issue
from protv2g.study.dss_site_transformers import base_case_model, site_transformer_names
from protv2g.study.todos import drafted_relay_items, todo_items
from protv2g.study_draft.curve_choice import clearing_line
from protv2g.study_draft.head_load import site_loads, sites_comment
from protv2g.study_draft.head_relay import TD_STEP, RelayProposal
from protv2g.study_draft.head_rule import head_fault_study, head_proposals
from protv2g.study_draft.low_voltage import zone_faults_text
from protv2g.study_draft.redraft_comments import (
    PICKUP_OF,
    in_flow,
    key_node,
    refresh_relay_comments,
)
from protv2g.study_draft.redraft_place import relay_heads
from protv2g.units import DeviceKind

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.study.loader import Study

__all__ = ["MATERIAL_FRACTION", "RECLOSE", "StaleValue", "not_redrafted", "redraft_command",
           "redraft_text", "redrafted", "stale_drafts", "stale_issues"]

#: Smallest relative difference of a pickup or time dial reported as stale (module docstring).
MATERIAL_FRACTION = 0.10
#: How a re-drafted value's own comment starts (a later re-draft re-writes it).
_REDRAFTED_NOTE = "# re-drafted by protv2g init --redraft"
#: The rule's steps: pickups in 10 A, time dials in :data:`~.head_relay.TD_STEP`.
_STEPS = {"pickup_a": 10.0, "ground_pickup_a": 10.0, "time_dial": TD_STEP,
          "ground_time_dial": TD_STEP}
_UNITS = {"pickup_a": " A", "ground_pickup_a": " A"}
#: The drafted settings compared, in the order they are reported.
FIELDS = ("pickup_a", "ground_pickup_a", "curve", "ground_curve", "time_dial",
          "ground_time_dial")


@dataclass(frozen=True)
class StaleValue:
    """A drafted value and the value init's rule now gives (:func:`stale_drafts`).

    Attributes
    ----------
    device : str
        The relay's name.
    index : int
        Its position in the study file's ``devices`` list.
    key : str
        The setting (``pickup_a`` …); ``field`` is its study-file path.
    drafted, redrafted : float or str
        The value in the file (TODO) and the rule's value now (A for pickups).
    why : str
        The rule's figures behind ``redrafted`` (the pickup steps; the devices below).
    """

    device: str
    index: int
    key: str
    drafted: Any
    redrafted: Any
    why: str

    @property
    def field(self) -> str:
        return f"devices[{self.index}].{self.key}"

    def text(self, value: Any) -> str:
        """``value`` with its unit (``470 A``; reclose intervals ``[3.5, 15, 30] s``)."""
        if isinstance(value, (list, tuple)):
            return f"{_list_text(value)} s"
        return f"{value:g}{_UNITS.get(self.key, '')}" if isinstance(value, float) \
            else str(value)


def _list_text(values: Any) -> str:
    """``[3.5, 15, 30]``: a list of numbers as the study file writes it."""
    return "[" + ", ".join(f"{float(v):g}" for v in values) + "]"


#: The drafted relay's reclose intervals (s): re-drafted by ``init --redraft`` while still
#: marked TODO (:func:`stale_reclose`; review s28 §6b).
RECLOSE = "reclose_intervals_s"


def material(key: str, drafted: Any, redrafted: Any) -> bool:
    """Whether ``redrafted`` differs materially from ``drafted`` (module docstring).

    >>> material("pickup_a", 470.0, 630.0), material("pickup_a", 470.0, 480.0)
    (True, False)
    >>> material("time_dial", 0.5, 0.6), material("curve", "IEEE-VI", "IEEE-EI")
    (False, True)
    """
    if key not in _STEPS:
        return str(drafted) != str(redrafted)
    if drafted is None or redrafted is None:
        return (drafted is None) != (redrafted is None)
    d, r = float(drafted), float(redrafted)
    step = _STEPS[key] * (1.0 + 1e-6)
    return abs(r - d) > max(step, MATERIAL_FRACTION * abs(d))


def _drafted_relays(study: Study) -> dict[int, Any]:
    """File index → relay of the study file drafted as a whole: the item init's relay TODO
    names (:func:`protv2g.study.todos.drafted_relay_items`: on the relay's name line, or, in a
    study drafted before session 40, on a comment line above it, whatever item a user put
    between them)."""
    n_model = len(study.model_devices)
    mine = list(study.document.devices)[n_model:]  # the file's items, in file order
    items = todo_items(study.path) if study.path else []
    out = {}
    for k in drafted_relay_items(items, [d.name for d in mine]):
        if mine[k].kind is DeviceKind.RELAY:  # on a line or not: relay_heads says why not
            out[k] = mine[k]
    return out


def redrafted(study: Study) -> list[tuple[int, Any, RelayProposal]]:
    """Init's rule re-applied to each drafted head relay of ``study`` (module docstring):
    ``(file index, the relay's entry, the proposal now)``; empty for a study without an
    OpenDSS model or a drafted relay the rule applies to where it sits
    (:func:`not_redrafted` says why).

    Runs the rule's fault study on the study's model (EPRI J1: ≈ 1.2 s of CPU, 3 s wall at
    load 7).
    """
    # the base case (no V2G): without the sites' own model transformers, which come with
    # the project — a utility relay is not re-drafted for them (review rev30 §1)
    model = base_case_model(study)
    drafted = _drafted_relays(study) if model is not None else {}
    if not drafted:
        return []
    names = {d.name for d in drafted.values()}
    places = {n: (s.element_name, s.terminal) for n, s in study.device_sites.items()
              if n not in names and s.element_name}
    kinds = {d.name: d.kind for d in study.document.devices}
    guards = {n: el for n, (el, _t) in places.items()
              if kinds.get(n) in (DeviceKind.RELAY, DeviceKind.RECLOSER)}
    # each drafted relay where it sits now, not only on a detected head (review rev33c W2)
    mine = relay_heads(model, drafted, _places(study), guards)[0]
    if not mine:
        return []
    devices = [PhaseDevice(n, el, t) for n, (el, t) in places.items()]
    devices += [PhaseDevice(d.name, h.element, h.terminal) for _i, d, h in mine]
    r_min = float(study.document.faults.r_fault_min_ohm)
    table = head_fault_study(model, devices, r_min).device_rows(1.0)
    doc = study.document
    # the pickups carry the peak load without V2G (review rev47a item 1); the sites'
    # charging and export are solved for the comment: the flows on the study's own model,
    # with the sites' model transformers in the V2G cases and out of the no-V2G peak — the
    # study's base case, C8's (review rev33b W2)
    proposals = head_proposals(model, [h for *_x, h in mine], [d.name for _i, d, _h in mine],
                               places, _built(study, places), table, study.library,
                               bool(doc.v2g_sites),
                               site_loads(doc.v2g_sites, doc.scenarios.participation),
                               float(doc.scenarios.light_load_fraction), study.model,
                               site_transformer_names(doc))
    return [(index, d, prop) for (index, d, _h), prop in zip(mine, proposals, strict=True)]


def _places(study: Study) -> dict[str, tuple[str, int]]:
    """Device name → (OpenDSS element, terminal) of every device of ``study`` located."""
    return {n: (s.element_name, s.terminal) for n, s in study.device_sites.items()
            if s.element_name}


def not_redrafted(study: Study) -> dict[str, str]:
    """The drafted relays ``init --redraft`` does not re-draft: name → why
    (:func:`.redraft_place.relay_heads`); empty without an OpenDSS model."""
    model = base_case_model(study)
    drafted = _drafted_relays(study) if model is not None else {}
    if not drafted:
        return {}
    names = {d.name for d in drafted.values()}
    kinds = {d.name: d.kind for d in study.document.devices}
    guards = {n: el for n, (el, _t) in _places(study).items()
              if n not in names and kinds.get(n) in (DeviceKind.RELAY, DeviceKind.RECLOSER)}
    return relay_heads(model, drafted, _places(study), guards)[1]


def stale_drafts(study: Study, again: list | None = None, *,
                 whole: bool = False) -> list[StaleValue]:
    """The drafted head-relay values init's rule now gives materially otherwise (module
    docstring, :func:`redrafted`); empty for a study without an OpenDSS model or drafted relay.

    Example
    -------
    >>> for s in stale_drafts(load_study("study.yaml")):  # doctest: +SKIP
    ...     print(s.field, s.drafted, "→", s.redrafted)
    devices[0].pickup_a 470.0 → 630.0

    ``again``: :func:`redrafted`'s result when the caller has it (computed otherwise).
    ``whole``: for a relay with a stale value, every value the rule now gives otherwise, be
    it material or not — the set ``init --redraft`` writes: the rule's time dials coordinate
    its own pickups, not a mix of drafted and re-drafted ones.
    """
    r_min = float(study.document.faults.r_fault_min_ohm)
    out = []
    for index, d, prop in (redrafted(study) if again is None else again):
        why = _why(prop, list(prop.figures.get("below_names", ())), r_min)
        changed = {key: (getattr(d, key, None), prop.entry.get(key)) for key in FIELDS
                   if prop.entry.get(key) is not None
                   and str(getattr(d, key, None)) != str(prop.entry.get(key))
                   and not (key in _STEPS and getattr(d, key, None) is not None
                            and abs(float(getattr(d, key)) - float(prop.entry[key])) < 1e-9)}
        floors = {"pickup_a": 1.5 * float(prop.figures.get("peak_load_a", 0.0)),
                  "ground_pickup_a": 1.5 * float(prop.figures.get("peak_residual_a", 0.0))}
        stale = [k for k, (now, new) in changed.items() if material(k, now, new)
                 or (k in floors and now is not None and float(now) <= floors[k] + 1e-9
                     < float(new))]
        for key in (list(changed) if whole and stale else stale):
            now, new = changed[key]
            new = float(new) if key in _STEPS else new
            now = float(now) if key in _STEPS and now is not None else now
            out.append(StaleValue(d.name, index, key, now, new, why.get(key, "")))
    return out


def _built(study: Study, places: dict) -> dict:
    """The study's devices of ``places`` built as device models (a device that does not
    build is not coordinated with, as init leaves it)."""
    out = {}
    for d in study.document.devices:
        if d.name not in places:
            continue
        allowed = {f.name for f in dataclasses.fields(spec(d.kind).settings)}
        fields = {k: v for k, v in d.model_dump().items() if k in allowed}
        try:
            out[d.name] = build_device(d.kind, fields, study.library)
        except (InputError, KeyError, ValueError, TypeError):
            continue
    return out


def _why(prop: Any, below: list[str], r_min: float) -> dict[str, str]:
    """The rule's figures behind each re-drafted value."""
    f = prop.figures
    devs = (f"devices right below the head now: {', '.join(below)}" if below
            else "no device below the head")
    zone = zone_faults_text(f, r_min).replace("min zone faults:", "min zone faults", 1)
    steps = f.get("pickup_steps", {})
    head = (f"{devs}; peak load {f['peak_load_a']:.0f} A, residual {f['peak_residual_a']:.0f} A"
            + (f"; {sites_comment(f, prop.entry)}" if sites_comment(f) else "") + "; ")
    dials = (f"{devs}; the smallest time dial with a {f['cti_s']:g} s interval over "
             "every device right below it at every fault C1–C4 judge that pair at (max and "
             "min case: behind it, none behind a step transformer without a device)")
    choice = f.get("curve_choice")
    curve = (f"{devs}; " + clearing_line(choice) if choice else
             f"{devs} (IEEE-EI when every one is a fuse, else IEEE-VI)")
    return {"pickup_a": head + zone + f"; 51P: {steps.get('51P', '')}",
            "ground_pickup_a": head + zone + f"; 51G: {steps.get('51G', '')}",
            "curve": curve, "ground_curve": curve,
            "time_dial": dials, "ground_time_dial": dials}


def redraft_command(study_path: str | Path) -> str:
    """The command that writes the re-drafted values into the study file."""
    return f"protv2g init --redraft {study_path}"


def stale_issues(study: Study, stale: list[StaleValue] | None = None) -> list[Issue]:
    """:func:`stale_drafts` as warnings: the file, the field path, the drafted and the
    re-drafted value, and the fix (the utility's setting, or the re-draft command)."""
    stale = stale_drafts(study) if stale is None else stale
    file = str(study.path)
    return [Issue(
        file, s.field,
        f"device {s.device!r}: {s.key} {s.text(s.drafted)} was drafted by `protv2g init` "
        f"(TODO) for the feeder as the model held it; init's rule re-applied to the study as "
        f"it now stands gives {s.text(s.redrafted)} ({s.why})",
        f"replace it with the utility's setting (and delete the TODO), or re-draft: "
        f"`{redraft_command(study.path)}` writes {s.key}: {s.text(s.redrafted).split()[0]} "
        "(and the rule's other values for the relay, which its time dials coordinate; the "
        "TODO stays)") for s in stale]


def _reach_todo(s: StaleValue, prop: Any, text: str) -> str:
    """``"  # TODO: 51P reach: … | fix: …"`` after a re-drafted pickup whose rule now meets a
    reach conflict the file has no TODO for (ver32, IEEE 34: 51P re-drafted 110 → 280 A to
    carry the 181 A charging peak no longer sees the 180 A minimum phase fault at 848; the
    first draft had no reach TODO to refresh, so the file said nothing of the reach given up);
    "" otherwise."""
    element = next((e for e, key in PICKUP_OF.items() if key == s.key), None)
    if element is None or prop is None:
        return ""
    said = [c for c in getattr(prop, "conflicts", []) if str(c).startswith(f"{element} reach")]
    if not said or f"TODO: {element} reach" in text:
        return ""
    return (f"  # TODO: {said[0]} | fix: choose which the relay keeps (reach or load "
            "margin) and give the utility's setting")


def redraft_text(text: str, stale: list[StaleValue],
                 proposals: dict[int, RelayProposal] | None = None,
                 trade: dict[int, list[str]] | None = None,
                 notes: dict[int, dict[str, str]] | None = None,
                 checks: Any = None) -> str:
    """The study file's ``text`` with each stale value replaced by its re-drafted one, in place
    (the rest of the file unchanged); the replaced value gets an end-of-line comment naming
    the value it replaces. ``proposals`` (file index → the relay's proposal now,
    :func:`redrafted`): the figure comments init wrote above such a relay (``# peak load …
    min zone faults …``, ``# 51P: …``, ``# 51G: …``) are re-written with the rule's figures
    now, and a reach TODO (``# TODO: 51P reach: …``) with the proposal's conflict now, or
    replaced by a plain comment saying it is gone (review s27 §6: J1's "51P reach" TODO
    stayed in the file after the re-draft had resolved it) and what the new pickup gives up
    in backup reach, from ``trade`` (file index → :func:`redraft_trade`'s lines; review s28
    §6a: "the conflict is gone" while the head no longer reached R-MID's zone). ``notes``
    (file index → setting → text, :func:`.trade.redraft_notes`): why a re-drafted time dial
    is what it is and its cost, what a re-drafted pickup gives up, written in the value's
    comment after the value it replaces (review rev29 §6: printed, not kept in the file).
    A time dial the rule now gives otherwise but within one step, left as drafted, gets a
    comment saying so with the rule's value and reason, as a kept pickup's figure line does,
    and the relay's ``# TODO: assumed feeder-head relay …`` says what its dials are for now
    (:func:`.trade.dials_clause`, the study's ``checks`` for C4's intervals; review rev30 §6:
    ckt5's said "no protective device below it" after R-MID, F-TAP and F-END were added).

    Raises
    ------
    InputError
        A value to replace is not written as a plain scalar under its device's item.
    """
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    devices = key_node(root, "devices")
    lines = text.splitlines(keepends=True)
    edits = []
    for s in stale:
        item = devices.value[s.index] if isinstance(devices, yaml.SequenceNode) and \
            s.index < len(devices.value) else None
        node = key_node(item, s.key)
        plain = isinstance(node, yaml.ScalarNode) or (
            s.key == RECLOSE and isinstance(node, yaml.SequenceNode) and node.flow_style)
        if not plain or node.start_mark.line != node.end_mark.line:
            raise InputError(Issue("", s.field, "not a plain value on one line",
                                   f"set it by hand: {s.key}: {s.text(s.redrafted)}"))
        edits.append((node.start_mark.line, node.start_mark.column, node.end_mark.column, s))
    for index, prop in (proposals or {}).items():
        keys = {s.key for s in stale if s.index == index}
        if keys:
            refresh_relay_comments(lines, devices.value[index], prop, keys,
                                   (trade or {}).get(index, []), (notes or {}).get(index, {}),
                                   checks, f"within {MATERIAL_FRACTION:.0%} or one step")
    for line_no, start, end, s in sorted(edits, key=lambda e: (e[0], -e[1])):
        line = lines[line_no]
        body, newline = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        value = (_list_text(s.redrafted) if isinstance(s.redrafted, (list, tuple))
                 else f"{s.redrafted:g}" if isinstance(s.redrafted, float)
                 else str(s.redrafted))
        body = body[:start] + value + body[end:]
        note = f"{_REDRAFTED_NOTE[2:]} (was {s.text(s.drafted)})"
        said = (notes or {}).get(s.index, {}).get(s.key)
        if said:
            note += ("; what it gives up: " if s.key in PICKUP_OF.values() else ": ") + said
        rest = body[start + len(value):]
        if rest.lstrip().startswith(_REDRAFTED_NOTE) and not in_flow(body, start):
            # an earlier re-draft's note: re-written, not left naming the value before it
            # (review s34: IEEE 123's 51G 190 → 270 A kept "(was 240 A)")
            body = body[:start + len(value)]
            rest = ""
        if not in_flow(body, start) and "#" not in rest:
            body = f"{body}  # {note}" + _reach_todo(s, (proposals or {}).get(s.index), text)
        elif s.key == RECLOSE and "# TODO" in rest:  # said in its TODO, before the fix
            at = body.find(" | fix:", start + len(value))
            at = len(body) if at < 0 else at
            body = f"{body[:at]}; {note}{body[at:]}"
        lines[line_no] = body + newline
    return "".join(lines)
