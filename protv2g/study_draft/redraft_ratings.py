"""Drafted interrupting ratings that went stale: init's rating rule re-applied to the model as
the study now stands (review rev33b F1).

``protv2g init`` drafts every device's ``interrupting_rating_ka`` from the largest fault it
computes at the device (:func:`.ratings.device_rating`: IEC 60909 max, no V2G, close-in faults
included, raised for the fault's X/R as C7 raises it) and writes it with a ``# TODO: drafted
rating …`` (class table) or ``# TODO: assumed rating …`` (R10 series) comment quoting that
fault. A user then gives the utility's source in a redirect (``Edit Vsource.source
MVAsc3=…``): the fault at the head falls (IEEE 123: 19,626 kA on the model's ideal source,
≈ 15 kA on a 120 MVA source), yet the comment still quoted "below the 21907.72 kA computed
here" and the 63 kA value (review rev33b F1). :func:`stale_ratings` re-computes the rating of
each value still carrying init's drafted marker — the comment's text starts with ``drafted
rating`` or ``assumed rating`` and the value is the one the comment names — on the study's
model (``feeder.opendss`` with its ``redirects``, as init compiled it, so that a fresh draft
re-drafted changes nothing), and :func:`refresh_ratings_text` writes the new value and comment
in place, saying what it replaces. Stale: a value init's rule now gives otherwise, or the same
value on a fault that moved by more than 10 % (:data:`~.redraft.MATERIAL_FRACTION`; IEEE 123:
19,626 → 18.32 kA), or a source caveat that came or went. A value the user set (no TODO, or a
TODO naming another value) is never touched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml

from protv2g.engine.phase import PhaseDevice, phase_fault_study
from protv2g.errors import InputError, Issue
from protv2g.study.dss_site_transformers import base_case_model, site_transformer_names
from protv2g.study.source_check import (
    devices_over_breaker_max,
    dss_source_levels,
    implausible_sources,
)
from protv2g.study.todos import todo_items
from protv2g.study_draft.draft_text import SOURCE_CAVEAT, _source_caveat, project_device_caveat
from protv2g.study_draft.heads import feeder_buses
from protv2g.study_draft.low_voltage import device_kv
from protv2g.study_draft.ratings import device_rating, device_x_r
from protv2g.study_draft.redraft import MATERIAL_FRACTION
from protv2g.study_draft.redraft_comments import key_node
from protv2g.units import Case, Method

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.study.loader import Study

__all__ = ["StaleRating", "device_peak_ka", "head_fault_now", "refresh_ratings_text",
           "stale_ratings"]

KEY = "interrupting_rating_ka"
#: init's drafted marker: the TODO text of a drafted rating starts so and names its value.
_MARK = re.compile(r"^(?:drafted|assumed) rating (?P<ka>[0-9.]+) kA\b")
_REDRAFTED = "; re-drafted by protv2g init --redraft"
_FIELD = re.compile(r"^devices\[(\d+)\]\.interrupting_rating_ka\b")


@dataclass(frozen=True)
class StaleRating:
    """A drafted rating and what init's rule gives on the model now.

    ``drafted_ka``/``redrafted_ka`` the values (kA); ``comment`` the TODO comment init would
    write now (``# TODO: … | fix: …``); ``i_max_ka`` the largest fault now at the device (kA,
    IEC 60909 max, no V2G); ``was`` the drafted comment's text (before ``| fix:``).
    """

    device: str
    index: int
    drafted_ka: float
    redrafted_ka: float
    comment: str
    i_max_ka: float
    was: str

    @property
    def field(self) -> str:
        return f"devices[{self.index}].{KEY}"


def _drafted(study: Study) -> dict[int, tuple[object, str]]:
    """File index → (device, its TODO text) of each rating still as init drafted it."""
    mine = list(study.document.devices)[len(study.model_devices):]
    out = {}
    for item in todo_items(study.path) if study.path else []:
        m = _FIELD.match(item.field)
        mark = _MARK.match(item.message)
        if m is None or mark is None or int(m.group(1)) >= len(mine):
            continue
        d = mine[int(m.group(1))]
        now = getattr(d, KEY, None)
        if now is not None and abs(float(now) - float(mark.group("ka"))) < 1e-9:
            out[int(m.group(1))] = (d, item.message)
    return out


def _close_in_peak(model: object, devices: Sequence[PhaseDevice]) -> pd.Series:
    from protv2g.study_draft.draft_faults import _close_in_faults  # init's own close-in faults

    if not devices:
        return pd.Series(dtype=float)
    return _close_in_faults(model, devices)[0]  # type: ignore[arg-type]


def _peak(model: object, devices: Sequence[PhaseDevice]) -> pd.Series:
    """Device → largest phase current (kA) of init's fault study (every bus, IEC 60909 max,
    every fault type, no V2G, the feeder's inverters by their law); empty without devices."""
    if not devices:
        return pd.Series(dtype=float)
    res = phase_fault_study(model, method=Method.IEC60909, cases=(Case.MAX,),  # type: ignore[arg-type]
                            devices=list(devices), existing_inverters="law")
    return res.device_summary.groupby("device").i_phase_max_ka.max()


def device_peak_ka(study: Study, names: Sequence[str]) -> pd.Series:
    """Device → its largest fault now (kA) for the study's devices ``names``: init's fault
    study (every bus and the device's close-in fault, IEC 60909 max, every fault type, no
    V2G) on the study's base case, as :func:`stale_ratings` judges a rating; empty without
    an OpenDSS model or a named device placed on it."""
    if getattr(study, "model", None) is None:
        return pd.Series(dtype=float)
    sites = study.device_sites
    mine = [PhaseDevice(n, sites[n].element_name, sites[n].terminal) for n in names
            if n in sites and sites[n].element_name]
    base = base_case_model(study)
    return pd.concat([_peak(base, mine), _close_in_peak(base, mine)]).groupby(level=0).max()


def head_fault_now(study: Study, todos: Sequence[Issue]) -> dict[str, float]:
    """Head → its largest fault now (kA, :func:`device_peak_ka`) for the heads init's
    fault-level TODOs among ``todos`` name
    (:func:`protv2g.study.stale_todos.fault_level_heads`): the figure
    :func:`~protv2g.study.stale_todos.refresh_model_todos` re-judges them on (review rev48b
    P2). Empty without ``feeder.redirects`` (init read the model the study runs), without
    such a TODO, or when the fault study fails (the TODO is then listed as written)."""
    from protv2g.study.stale_todos import fault_level_heads

    feeder = getattr(getattr(study, "document", None), "feeder", None)
    heads = fault_level_heads(todos)
    if not heads or not getattr(feeder, "redirects", None):
        return {}
    try:
        return {str(k): float(v) for k, v in device_peak_ka(study, heads).items()}
    except Exception:  # noqa: BLE001 - an optional figure: the TODO is listed without it
        return {}


def stale_ratings(study: Study) -> list[StaleRating]:
    """The drafted ratings (still marked as init wrote them) whose value or quoted figures
    init's rule now gives otherwise (module docstring); empty without an OpenDSS model.

    The fault study is init's (:mod:`.draft`): every bus and each device's close-in fault,
    IEC 60909 max, every fault type, no V2G, the feeder's inverters by their law.
    """
    model = getattr(study, "model", None)
    drafted = _drafted(study) if model is not None else {}
    if not drafted:
        return []
    sites = {n: (s.element_name, s.terminal) for n, s in study.device_sites.items()
             if s.element_name}
    devices = [PhaseDevice(n, el, t) for n, (el, t) in sites.items()]
    mine = [PhaseDevice(d.name, *sites[d.name]) for d, _t in drafted.values()
            if d.name in sites]
    if not mine:
        return []
    # the study's base case, as init drafts on it: without the sites' own model transformers;
    # a device on one of them (the project's) on the model with it (review rev36a T6)
    gone = set(site_transformer_names(study.document))
    base = base_case_model(study)
    project = {d.name: d.element.split(".", 1)[1] for d in mine if d.element in gone}
    peak = pd.concat([
        _peak(base, [d for d in mine if d.name not in project]),
        _peak(model, [d for d in mine if d.name in project]),
        _close_in_peak(base, [d for d in devices if d.element not in gone]),
        _close_in_peak(model, [d for d in devices if d.element in gone])]
    ).groupby(level=0).max()
    # a device at its own terminal's voltage; one not found at the substation's feeder bus's
    # (draft44's left item: not the mode of the primary buses' kV), as init drafts it
    feeder_kv = float(model.buses.kv_ll.iat[feeder_buses(model)[0]])
    x_r = {**device_x_r(base, [d for d in mine if d.name not in project]),
           **device_x_r(model, [d for d in mine if d.name in project])}
    kv_at = device_kv(model, mine)  # a device on ≤ 1 kV: the LV class (review rev34b M3)
    bad = bool(implausible_sources(dss_source_levels(model)))
    bad = bad or bool(len(devices_over_breaker_max(peak, kv_at, feeder_kv)))
    out = []
    for index, (d, was) in drafted.items():
        if d.name not in sites:
            continue
        i_ka = float(peak.get(d.name, np.nan))
        rating, note = device_rating(d.kind.value, kv_at.get(d.name, feeder_kv), i_ka,
                                     x_r.get(d.name, np.nan), model.f_hz)
        comment = project_device_caveat(_source_caveat(note, bad), project.get(d.name))
        new_ka = float(rating[KEY])
        what = comment.removeprefix("# TODO:").partition(" | fix:")[0].strip()
        said = was.split(_REDRAFTED)[0].strip()  # a re-drafted comment's own text
        if abs(new_ka - float(getattr(d, KEY))) > 1e-9 or _moved(said, what):
            out.append(StaleRating(d.name, index, float(getattr(d, KEY)), new_ka, comment,
                                   i_ka, was))
    return out


def _quoted_ka(text: str) -> float:
    """The max fault (symmetrical, kA) a rating TODO quotes; NaN where it quotes none."""
    for pattern in (r"fault duty ([0-9.]+) kA", r"duty of the ([0-9.]+) kA",
                    r"≥ the ([0-9.]+) kA", r"below the ([0-9.]+) kA"):
        m = re.search(pattern, text)
        if m:
            return float(m.group(1))
    return float("nan")


def _moved(said: str, now: str) -> bool:
    """Whether the drafted comment ``said`` is stale against ``now`` (same value): the fault
    it quotes moved by more than :data:`MATERIAL_FRACTION` (the head relay's re-draft
    threshold, :mod:`.redraft`), the source caveat came or went, or it quotes no fault and
    the text differs (a few-ampere move of a figure is not worth a re-written comment)."""
    was_ka, now_ka = _quoted_ka(said), _quoted_ka(now)
    if (SOURCE_CAVEAT in said) != (SOURCE_CAVEAT in now):
        return True
    if math.isnan(was_ka) or math.isnan(now_ka):
        return said != now
    return abs(now_ka - was_ka) > MATERIAL_FRACTION * was_ka


def refresh_ratings_text(text: str, stale: Sequence[StaleRating]) -> str:
    """The study file's ``text`` with each stale rating's value and TODO comment replaced
    (the rest unchanged); the comment says ``re-drafted by protv2g init --redraft (was …)``.

    Raises
    ------
    InputError
        A rating is not written as a plain value on its own line under its device.
    """
    if not stale:
        return text
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    devices = key_node(root, "devices")
    lines = text.splitlines(keepends=True)
    for s in stale:
        item = devices.value[s.index] if isinstance(devices, yaml.SequenceNode) and \
            s.index < len(devices.value) else None
        node = key_node(item, KEY)
        if not isinstance(node, yaml.ScalarNode) or node.start_mark.line != node.end_mark.line:
            raise InputError(Issue("", s.field, "not a plain value on one line",
                                   f"set it by hand: {KEY}: {s.redrafted_ka:g}"))
        line = lines[node.start_mark.line]
        newline = "\n" if line.endswith("\n") else ""
        what, sep, fix = s.comment.partition(" | fix:")
        comment = (f"{what}{_REDRAFTED} on the model as it now stands "
                   f"(was {s.drafted_ka:g} kA){sep}{fix}")
        lines[node.start_mark.line] = (line[:node.start_mark.column] + f"{s.redrafted_ka:g}"
                                       + f"  {comment}" + newline)
    return "".join(lines)

