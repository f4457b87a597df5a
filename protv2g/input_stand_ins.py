"""The stand-in inputs of a study: what the rows of :mod:`protv2g.input_basis` may rest on.

:func:`study_input_bases` reads them (:class:`InputBases`): the lines and transformers an
OpenDSS model rates by OpenDSS's defaults (:mod:`protv2g.network.dss_ratings`), and the values
``protv2g init`` drafted with a ``# TODO`` comment (:func:`protv2g.study.todos.todo_items`):
devices drafted as a whole or in some of their fields (:func:`drafted_devices`), the
light-load fraction where the feeder has load for it to scale, the minimum-case fault
resistance. Which rows each stand-in carries, and how a row's basis is written and said, is
:mod:`protv2g.input_basis`'s (its docstring lists the stand-ins). Split from
:mod:`protv2g.input_basis` (the module had grown past 400 lines), which re-exports these names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from protv2g.feeder_load import feeder_has_load
from protv2g.network.dss_ratings import (
    RatingSource,
    line_rating_sources,
    transformer_rating_sources,
)
from protv2g.scenarios import build_scenarios
from protv2g.study.todos import todo_items
from protv2g.units import LoadLevel

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.study.loader import Study

__all__ = ["InputBases", "LIGHT_LOAD_FIELD", "LOAD_LEVELS_FIELD", "R_FAULT_MIN_FIELD",
           "drafted_devices", "study_input_bases"]

#: The study field a drafted light load is marked on (``Issue.field`` of its TODO item).
LIGHT_LOAD_FIELD = "scenarios.light_load_fraction"
#: The study field init marks on a model with no enabled load ("light and peak the same"):
#: every C12 row rests on that load, none (review rev39a M3).
LOAD_LEVELS_FIELD = "scenarios.load_levels"
#: The study field of the minimum-case fault resistance: it carries the min-case ground-fault
#: rows (the engine applies it to SLG and LLG faults of the minimum case only,
#: :mod:`protv2g.engine.study`).
R_FAULT_MIN_FIELD = "faults.r_fault_min_ohm"


@dataclass(frozen=True)
class InputBases:
    """The stand-in inputs of a study (the module docstring; the rows each carries:
    :mod:`protv2g.input_basis`).

    Attributes
    ----------
    default_lines : frozenset of str
        ``line.<name>`` of lines rated by OpenDSS's default ``normamps``.
    todo_devices : frozenset of str
        Devices drafted as a whole (a ``# TODO`` on the device item, e.g. a proposed relay).
    todo_fields : mapping of str to frozenset of str
        Device field → devices whose field is marked ``# TODO``.
    default_transformers : frozenset of str
        ``transformer.<name>`` of transformers rated by OpenDSS's default ``normhkva``.
    light_scenarios : frozenset of str
        Scenarios at light load whose ``light_load_fraction`` is marked ``# TODO`` (their C12
        rows rest on it).
    r_fault_min_ohm : float or None
        The minimum-case fault resistance (Ω) when ``faults.r_fault_min_ohm`` is marked
        ``# TODO`` (its min-case ground-fault rows rest on it), else None.
    no_load : bool
        The feeder has no load and ``scenarios.load_levels`` is marked ``# TODO`` (init's
        "light and peak the same"): every C12 row rests on that missing load (review rev39a
        M3: EPRI DG_Prot_Fdr's lat2 at 1.0502 pu without V2G only because no load draws
        current, the depot's 76 kW hosting figure labelled "given").
    """

    default_lines: frozenset[str] = frozenset()
    todo_devices: frozenset[str] = frozenset()
    todo_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    default_transformers: frozenset[str] = frozenset()
    light_scenarios: frozenset[str] = frozenset()
    r_fault_min_ohm: float | None = None
    no_load: bool = False


_FIELD = re.compile(r"^devices\[(\d+)\](?:\.([a-z_0-9]+))?")


def drafted_devices(study: Study, todo_fields: Iterable[str] | None = None
                    ) -> tuple[set[str], dict[str, set[str]]]:
    """The devices drafted as a whole (a ``# TODO`` on the device item: a proposed relay),
    and device field → the devices whose field is drafted, from the study file's TODO items
    (``todo_fields``: their ``Issue.field``, read from the file by default).

    >>> drafted_devices(study)  # doctest: +SKIP
    ({'head-temp_sub'}, {'reclose_intervals_s': {'head-temp_sub'}, ...})
    """
    if todo_fields is None:
        todo_fields = [i.field for i in (todo_items(study.path) if study.path else [])]
    names = [d.name for d in study.document.devices]
    whole: set[str] = set()
    fields: dict[str, set[str]] = {}
    for f in todo_fields:
        m = _FIELD.match(str(f))
        if m is None or int(m.group(1)) >= len(names):
            continue
        name = names[int(m.group(1))]
        if m.group(2) is None or m.group(2) == "name":
            whole.add(name)
        else:
            fields.setdefault(m.group(2), set()).add(name)
    return whole, fields


def study_input_bases(study: Study, todo_fields: Iterable[str] | None = None) -> InputBases:
    """The stand-in inputs of ``study``.

    Parameters
    ----------
    study : Study
        Its OpenDSS model's scripts are read for the lines' ratings (none for a pandapower
        feeder: its ``max_i_ka`` is the net's own data).
    todo_fields : iterable of str, optional
        Field paths of the study file's TODO items (``Issue.field`` of
        :func:`protv2g.study.todos.todo_items`, e.g. ``devices[3].interrupting_rating_ka
        (line 45)``); by default read from the study file (none without a file).
    """
    if todo_fields is None:
        todo_fields = [i.field for i in (todo_items(study.path) if study.path else [])]
    lines: frozenset[str] = frozenset()
    trafos: frozenset[str] = frozenset()
    model = getattr(study, "model", None)
    if model is not None:
        table = line_rating_sources(model.source, model.redirects)
        lines = frozenset(table.index[table.source == RatingSource.DEFAULT.value])
        table = transformer_rating_sources(model.source, model.redirects)
        trafos = frozenset(table.index[table.source == RatingSource.DEFAULT.value])
    whole, fields = drafted_devices(study, todo_fields)
    light: frozenset[str] = frozenset()
    # a light-load fraction of no load changes nothing: nothing rests on it (review s23, EPRI
    # DG-protection feeder: no Load in the model, its C12 findings said they did)
    if any(str(f).startswith(LIGHT_LOAD_FIELD) for f in todo_fields) and feeder_has_load(study):
        light = frozenset(sc.name for sc in build_scenarios(study.document)
                          if sc.load_level == LoadLevel.LIGHT)
    r_min = None
    if any(str(f).startswith(R_FAULT_MIN_FIELD) for f in todo_fields):
        r_min = float(getattr(getattr(study.document, "faults", None), "r_fault_min_ohm", 0.0))
    no_load = (any(str(f).startswith(LOAD_LEVELS_FIELD) for f in todo_fields)
               and not feeder_has_load(study))
    return InputBases(lines, frozenset(whole), {k: frozenset(v) for k, v in fields.items()},
                      trafos, light, r_min, no_load)
