"""Result tables held once per charger set, made whole on first read (#21, lazy36).

Scenarios that differ only in the load level share a charger set, and the fault engine runs
open-circuit: their fault rows are the same. The fault stage holds each set's rows once
(:attr:`protv2g.pipeline_tables.FaultTables.twin_of`); the checks, the Device duty sheet and
the IEC sum work on those rows and copy their figures to the twins. What the result shows
(:attr:`~protv2g.result.StudyResult.fault_currents`, ``device_faults``, ``staged``) is the table
of every scenario: :class:`HeldRows` keeps the held rows and the map, and
:class:`ExpandedOnRead` (the result's field descriptor) makes the table of every scenario the
first time the field is read, and keeps it. A run whose readers never ask for a table (the
gate, the findings) does not make it: at 10,000 buses the device table of every scenario is
1,823,534 rows where 911,767 are held (≈ 120 MiB and 0.2-0.3 s of CPU to make).

The table made is :meth:`~protv2g.pipeline_tables.FaultTables.expanded`'s, value for value.

The workbook's readers of the device rows (the fault index, the TCCs' extremes, the lateral
texts of the findings) read the held rows through :func:`device_rows` (held36): a twin's row
is its held scenario's row under its own name, so a look-up by scenario goes through the map
and a figure split by base case / V2G counts a held row on each side one of its scenarios is
on (#21: at 10,000 buses the 1,823,534-row table was made for them, ≈ 0.25 s CPU).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DeviceRows", "ExpandedOnRead", "HeldRows", "device_rows", "held_base_of"]


@dataclass(frozen=True)
class HeldRows:
    """A result table held once per charger set, with the map that makes it whole.

    Attributes
    ----------
    rows : DataFrame or StagedCurrents
        The held table: a fault table (``scenario`` column, one run of rows per held
        scenario, as the pipeline makes it) or the stages aligned row by row with one.
    twin_of : dict
        Every study scenario, in the order of its block of the whole table, → the held
        scenario whose rows it has (:attr:`~protv2g.pipeline_tables.FaultTables.twin_of`).
    labels : Categorical, optional
        For stages: the ``scenario`` column of the held device table they are aligned with.
    """

    rows: Any
    twin_of: dict[str, str]
    labels: Any = None

    def expanded(self) -> Any:
        """The table of every study scenario: each scenario's block the rows of its held
        scenario under its own name (:func:`protv2g.pipeline_blocks.twin_positions`), as
        :meth:`~protv2g.pipeline_tables.FaultTables.expanded` makes it."""
        from protv2g.pipeline_blocks import take, twin_positions

        if self.labels is None:
            pos, names = twin_positions(self.rows["scenario"].array, self.twin_of)
            return take(self.rows, pos, names)
        pos, _ = twin_positions(self.labels, self.twin_of)
        return self.rows.take(pos)


#: The default of a field whose dataclass default is made by a factory (a sentinel, hashable,
#: so that :mod:`dataclasses` takes it as an ordinary default).
_FACTORY = type("_Factory", (), {"__repr__": lambda self: "<made on init>"})()


class ExpandedOnRead:
    """Data descriptor of a result field that may hold a :class:`HeldRows`: the first read
    makes the table of every scenario (:meth:`HeldRows.expanded`) and keeps it in the
    instance's ``__dict__`` under the field's name; any other value is returned as stored.

    A descriptor rather than :func:`functools.cached_property` because the field stays a
    dataclass field with its name and keyword (``StudyResult(device_faults=…)``, ``fields()``,
    ``replace``, pickling read and write the same ``__dict__`` entry); a property would need
    the stored value under another name and an ``__init__`` of its own. A frozen dataclass's
    ``__init__`` sets fields with ``object.__setattr__``, which calls :meth:`__set__`; its
    ``__setattr__`` still refuses assignment after it.

    ``factory``: the field's default is ``factory()`` (a new object per instance, as
    ``field(default_factory=…)``); ``default``: a plain default; neither: the field is
    required.
    """

    def __init__(self, *, default: Any = None, factory: Callable[[], Any] | None = None,
                 required: bool = False) -> None:
        self.default, self.factory, self.required = default, factory, required
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:  # the class: the dataclass's default (none when required)
            if self.required:
                raise AttributeError(self.name)
            return _FACTORY if self.factory is not None else self.default
        try:
            value = obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        if isinstance(value, HeldRows):
            value = value.expanded()
            obj.__dict__[self.name] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if value is _FACTORY and self.factory is not None:
            value = self.factory()
        obj.__dict__[self.name] = value

    @staticmethod
    def raw(obj: Any, name: str) -> Any:
        """The stored value of field ``name`` of ``obj`` (a :class:`HeldRows` not made
        whole): to build another result from this one without making its tables."""
        return obj.__dict__[name]


def held_base_of(base_of: Mapping[str, str], twin_of: Mapping[str, str]
                 ) -> dict[str, str] | None:
    """Each held scenario's base case among the held scenarios, when a figure computed on the
    held rows against it is every twin's figure too; else None.

    A figure of a row against its base case (the IEC sum, the Device duty sheet's V2G
    increase) depends on the row and its base case's row: a twin ``t`` of the held ``h`` has
    ``h``'s rows, and its figures are ``h``'s when its base case's rows are ``h``'s base
    case's (the same held block: ``twin_of[base_of[t]] == twin_of[base_of[h]]``). The
    light/peak twins of a study do (each load level's base case is the twin of the other's);
    a map where one does not gives None, and the caller works on the table of every scenario.
    A scenario without a base case ("" or absent) matches only another without one.
    """
    def held(name: str) -> str | None:
        base = base_of.get(name, "") or ""
        if not base:
            return ""
        return twin_of.get(base)

    out = {}
    for name, h in twin_of.items():
        b_t, b_h = held(name), held(h)
        if b_t is None or b_h is None or b_t != b_h:
            return None
        if name == h:
            out[name] = b_h
    return out


@dataclass(frozen=True)
class DeviceRows:
    """A result's device-fault rows as its readers may take them: held once per charger set
    (``twin_of`` given) or the table of every scenario (``twin_of`` None).

    Attributes
    ----------
    faults : DataFrame or None
        The device-fault table: the held rows (one run per held scenario) or every
        scenario's (``result.device_faults``).
    staged : StagedCurrents or None
        The chargers' later stages, aligned row by row with ``faults``.
    twin_of : dict or None
        Every study scenario → the held scenario whose rows it has
        (:attr:`HeldRows.twin_of`); None when ``faults`` is the table of every scenario.
    """

    faults: Any
    staged: Any
    twin_of: dict[str, str] | None = None

    def held_name(self, scenario: str) -> str:
        """The scenario under which ``scenario``'s rows are in :attr:`faults` (itself when
        the rows are every scenario's, or for a name the study does not have)."""
        return scenario if self.twin_of is None else self.twin_of.get(scenario, scenario)

    def shown_as(self, names: list[str]) -> list[list[str]]:
        """For each scenario name of :attr:`faults`, the study scenarios whose rows those
        are (itself when the rows are every scenario's; a held scenario's twins in the
        map's order)."""
        if self.twin_of is None:
            return [[n] for n in names]
        twins: dict[str, list[str]] = {}
        for name, held in self.twin_of.items():
            twins.setdefault(held, []).append(name)
        return [twins.get(n, []) for n in names]


def device_rows(result: Any) -> DeviceRows:
    """``result``'s device-fault rows and stages without making the table of every scenario:
    the held ones (:class:`HeldRows` in the result's ``device_faults`` and ``staged``, not yet
    read) with the map, else the fields as read (``twin_of`` None).

    The held form is taken only when both fields are still held (or there are no stages),
    so that the stages stay aligned with the rows."""
    stored = getattr(result, "__dict__", {})
    faults, staged = stored.get("device_faults"), stored.get("staged")
    if isinstance(faults, HeldRows) and (staged is None or isinstance(staged, HeldRows)):
        return DeviceRows(faults.rows, None if staged is None else staged.rows,
                          dict(faults.twin_of))
    return DeviceRows(getattr(result, "device_faults", None), getattr(result, "staged", None))
