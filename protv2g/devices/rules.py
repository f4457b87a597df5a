"""Published coordination rules as data: lookups that return the value and its source.

The tables live in ``protv2g/relay_library/rules.yaml`` (each with its source, its status —
verified against a copy of the source or recalled — and how it is looked up). Each lookup
returns a :class:`RuleValue` (value, unit, source text, the table row used, the bracket where
sources disagree, and whether a study-file override replaced the table); the checks use
``.value`` and the report's Settings sheet echoes the rest (:func:`rules_table`).

The tables are stepped, never interpolated, as the sources print them: a reclose interval
between two rows takes the row of the shorter interval (less cooling between shots, the
larger factor — the conservative side).

Examples
--------
>>> fuse_saving_k(n_fast=2, first_reclose_s=0.5).value   # 30 cycles at 60 Hz: 25-30 row
1.8
>>> fuse_saving_k(n_fast=2, first_reclose_s=2.0).value   # 120 cycles
1.35
>>> source_side_fuse_factor(2, 2, (0.5, 2.0, 2.0)).value  # shortest interval 30 cycles
2.6
>>> coordination_interval_s("relay-relay", "electromechanical").value
0.3
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from protv2g.devices.library import LIBRARY_DIR, YAML_SAFE_LOADER
from protv2g.errors import InputError, Issue

__all__ = [
    "RuleValue", "RuleOutOfRange", "DevicePair", "RelayTechnology", "RULES_FILE",
    "fuse_saving_k", "source_side_fuse_factor", "coordination_interval_s", "fuse_fuse_ratio",
    "rules_table", "load_rules", "RECLOSE_MARGIN_BRACKET_S",
]

#: C10's margin (s) between a V2G site's cease-to-energise time and a reclosing device's first
#: reclose interval (``checks.reclose_margin_s``, default 0.5 s): NO PUBLISHED VALUE FOUND.
#: Searched (#17, 2026-12): IEEE Std 1547.2-2023 reclosing coordination, utility
#: interconnection handbooks, "reclose interval" / "cease to energize" margin — IEEE Std
#: 1547-2018 §8.1 fixes only the DER side (cease to energise within 2 s of an unintentional
#: island) and leaves reclosing coordination to the utility (§6.3). The value is therefore
#: bracketed by engineering judgement (not a source), from what the margin must cover:
#: low 0.2 s — the reclosing device's own interval scatter (an electronic control, a few ms;
#: an electromechanical 79 relay, a few % of 2 s) and the island's residual voltage decaying
#: after cessation (tens to a couple of hundred ms); high 1.0 s — the same with a DER that
#: ceases at the very end of its 2-s window and a conservative planning allowance.
RECLOSE_MARGIN_BRACKET_S = (0.2, 1.0)

#: The rule tables shipped with protv2g.
RULES_FILE = LIBRARY_DIR / "rules.yaml"
#: The tables give reclose intervals in cycles of 60 Hz: a time (the fuse cools for that
#: many seconds), converted at 60 Hz whatever the system frequency.
TABLE_FREQUENCY_HZ = 60.0


class DevicePair(StrEnum):
    """Upstream–downstream device pair of a coordination interval."""

    RELAY_RELAY = "relay-relay"
    RELAY_FUSE = "relay-fuse"
    RELAY_RECLOSER = "relay-recloser"

    @classmethod
    def _missing_(cls, value: object) -> None:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"{value!r} is not a valid device pair; allowed: {allowed}")


class RelayTechnology(StrEnum):
    """Technology of the upstream relay (sets the overtravel part of the interval)."""

    ELECTROMECHANICAL = "electromechanical"
    NUMERICAL = "numerical"

    @classmethod
    def _missing_(cls, value: object) -> None:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"{value!r} is not a valid relay technology; allowed: {allowed}")


@dataclass(frozen=True)
class RuleValue:
    """A rule's value with everything the report needs to say where it came from.

    Attributes
    ----------
    name : str
        Rule name (``fuse_saving_k``, ...).
    value : float
        The value used (unit ``unit``).
    unit : str
        ``"-"`` or ``"s"``.
    source : str
        Source text (or ``"study file (checks.<field>)"`` when overridden).
    basis : str
        What was looked up and which row/column was used.
    bracket : tuple of float or None
        ``(low, high)`` where published sources disagree, else ``None``.
    overridden : bool
        True when the study file's value replaced the table's.
    """

    name: str
    value: float
    unit: str
    source: str
    basis: str
    bracket: tuple[float, float] | None = None
    overridden: bool = False


class RuleOutOfRange(InputError):
    """A lookup outside the published table; the fix names the study-file override."""


@functools.lru_cache(maxsize=4)
def load_rules(path: str | Path = RULES_FILE) -> dict[str, Any]:
    """The rule tables (``rules:`` mapping of ``rules.yaml``), loaded once."""
    doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=YAML_SAFE_LOADER)  # noqa: S506
    return dict(doc["rules"])


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _override(name: str, field: str, value: float | None, unit: str, basis: str
              ) -> RuleValue | None:
    if value is None:
        return None
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise RuleOutOfRange(Issue("study file", f"checks.{field}",
                                   f"must be a finite number > 0, got {value!r}",
                                   f"set checks.{field} to a positive number or remove it"))
    return RuleValue(name, float(value), unit, f"study file (checks.{field})",
                     f"override of the table ({basis})", None, True)


def _out(field: str, message: str) -> RuleOutOfRange:
    return RuleOutOfRange(Issue("rule tables (relay_library/rules.yaml)", f"checks.{field}",
                                message, f"give the value for this case in checks.{field}"))


def _row(intervals: Sequence[float], cycles: float) -> int | None:
    """Index of the last tabulated interval <= ``cycles`` (None below the first)."""
    idx = None
    for k, c in enumerate(intervals):
        if cycles + 1e-9 >= c:
            idx = k
    return idx


def fuse_saving_k(n_fast: int, first_reclose_s: float, *, override: float | None = None
                  ) -> RuleValue:
    """Fuse-saving factor K by number of fast shots and first reclose interval.

    Parameters
    ----------
    n_fast : int
        Fast shots of the recloser (1 or 2 are tabulated).
    first_reclose_s : float
        First reclose (dead) interval (s).
    override : float, optional
        ``checks.fuse_saving_k`` from the study file.

    Returns
    -------
    RuleValue
        K (–), stepped to the tabulated interval at or below the given one; the bracket is
        Cooper TD132010EN's 1.20 (1 fast) / 1.35 (2 fast) against the table value.

    Raises
    ------
    RuleOutOfRange
        For 0 or more than 2 fast shots, or an interval under the first row (25 cycles),
        unless ``override`` is given.
    """
    cycles = first_reclose_s * TABLE_FREQUENCY_HZ
    basis = f"{n_fast} fast shot(s), first reclose {first_reclose_s:g} s = {cycles:g} cycles"
    over = _override("fuse_saving_k", "fuse_saving_k", override, "-", basis)
    if over is not None:
        return over
    r = load_rules()["fuse_saving_k"]
    if n_fast not in (1, 2):
        raise _out("fuse_saving_k", f"the fuse-saving K table covers 1 or 2 fast shots, not "
                   f"{n_fast}")
    k = _row(r["interval_cycles"], cycles)
    if k is None:
        raise _out("fuse_saving_k", f"first reclose interval {cycles:g} cycles is shorter "
                   f"than the table's first row ({r['interval_cycles'][0]} cycles)")
    value = float(r["values"][n_fast][k])
    alt = float(r["bracket"][n_fast])
    row = "25-30" if k == 0 else str(r["interval_cycles"][k])
    return RuleValue("fuse_saving_k", value, "-", _clean(r["source"]),
                     f"{basis}: row {row} cycles (stepped down)",
                     (min(value, alt), max(value, alt)))


def source_side_fuse_factor(n_fast: int, n_delayed: int, reclose_intervals_s: Sequence[float],
                            *, override: float | None = None) -> RuleValue:
    """Source-side fuse factor by operating sequence and reclose interval.

    The fuse's minimum-melt time must be at least this factor times the recloser's delayed
    clearing time at the maximum fault current at the recloser.

    Parameters
    ----------
    n_fast, n_delayed : int
        The recloser's sequence.
    reclose_intervals_s : sequence of float
        Reclose intervals (s); the shortest one is used (least cooling).
    override : float, optional
        ``checks.source_side_fuse_factor``.

    Returns
    -------
    RuleValue
        Factor (–).

    Raises
    ------
    RuleOutOfRange
        More than 4 trips, or a shortest interval under 25 cycles, unless ``override`` is
        given.
    """
    shortest = min(reclose_intervals_s) if len(reclose_intervals_s) else math.inf
    cycles = shortest * TABLE_FREQUENCY_HZ
    basis = (f"{n_fast} fast + {n_delayed} delayed, shortest reclose interval "
             f"{shortest:g} s = {cycles:g} cycles")
    over = _override("source_side_fuse_factor", "source_side_fuse_factor", override, "-", basis)
    if over is not None:
        return over
    r = load_rules()["source_side_fuse_factor"]
    if n_fast + n_delayed > 4 or n_delayed < 0 or n_fast < 0:
        raise _out("source_side_fuse_factor", f"the table covers sequences of up to 4 trips, "
                   f"not {n_fast} fast + {n_delayed} delayed")
    column = max(n_delayed, 2)
    intervals = r["interval_cycles"]
    k = len(intervals) - 1 if math.isinf(cycles) else _row(intervals, cycles)
    if k is None:
        raise _out("source_side_fuse_factor", f"reclose interval {cycles:g} cycles is shorter "
                   f"than the table's first row ({intervals[0]} cycles)")
    value = float(r["values"][column][k])
    note = "" if column == n_delayed else (
        f"; column {r['columns'][column]} (at least as many delayed trips, conservative)")
    return RuleValue("source_side_fuse_factor", value, "-", _clean(r["source"]),
                     f"{basis}: row {intervals[k]} cycles ({r['row_status'][k]}), "
                     f"column {r['columns'][column]}{note}")


def coordination_interval_s(pair: DevicePair | str,
                            upstream: RelayTechnology | str = RelayTechnology.NUMERICAL, *,
                            override: float | None = None) -> RuleValue:
    """Coordination time interval (s) between an upstream relay and a downstream device.

    ``CTI = breaker time (downstream relay only) + overtravel (electromechanical upstream
    relay only) + safety margin`` from the components of ``rules.yaml``: relay–relay 0.30 s
    electromechanical / 0.20 s numerical; relay–fuse and relay–recloser (downstream times are
    clearing times) 0.22 s / 0.12 s.

    Raises
    ------
    ValueError
        For an unknown pair or technology.
    """
    pair, upstream = DevicePair(pair), RelayTechnology(upstream)
    field = {DevicePair.RELAY_RELAY: "cti_relay_relay_s", DevicePair.RELAY_FUSE:
             "cti_relay_fuse_s", DevicePair.RELAY_RECLOSER: "cti_recloser_relay_s"}[pair]
    basis = f"{pair.value}, upstream relay {upstream.value}"
    over = _override("coordination_interval", field, override, "s", basis)
    if over is not None:
        return over
    r = load_rules()["coordination_interval"]
    c = r["components_s"]
    parts = {"safety": float(c["safety"])}
    if pair is DevicePair.RELAY_RELAY:
        parts["breaker"] = float(c["breaker"])
    if upstream is RelayTechnology.ELECTROMECHANICAL:
        parts["overtravel"] = float(c["overtravel_electromechanical"])
    value = round(sum(parts.values()), 6)
    text = " + ".join(f"{k} {v:g} s" for k, v in parts.items())
    return RuleValue("coordination_interval", value, "s", _clean(r["source"]),
                     f"{basis}: {text}")


def fuse_fuse_ratio(*, override: float | None = None) -> RuleValue:
    """Protecting-link TC ≤ ratio × protected-link MM (the 75 % rule)."""
    over = _override("fuse_fuse_ratio", "fuse_fuse_ratio", override, "-", "75 % rule")
    if over is not None:
        return over
    r = load_rules()["fuse_fuse_ratio"]
    return RuleValue("fuse_fuse_ratio", float(r["value"]), "-", _clean(r["source"]),
                     "protecting TC <= ratio x protected MM at every common current")


def rules_table(overrides: Mapping[str, float | None] | None = None,
                relay_technology: RelayTechnology | str = RelayTechnology.NUMERICAL
                ) -> pd.DataFrame:
    """Every device-independent rule with its value, source and override state.

    Parameters
    ----------
    overrides : mapping, optional
        Study-file values by ``checks`` field name (``None`` = from the table), e.g.
        ``{k: v for k, v in study.document.checks.model_dump().items()}``.
    relay_technology : str
        Upstream relay technology for the coordination intervals.

    Returns
    -------
    DataFrame
        Columns ``rule``, ``value``, ``unit``, ``basis``, ``source``, ``overridden`` (one row
        per rule; the fuse-saving and source-side factors depend on each recloser and are
        looked up per device by the checks).
    """
    o = dict(overrides or {})
    rows = [coordination_interval_s(p, relay_technology, override=o.get(f))
            for p, f in ((DevicePair.RELAY_RELAY, "cti_relay_relay_s"),
                         (DevicePair.RELAY_FUSE, "cti_relay_fuse_s"),
                         (DevicePair.RELAY_RECLOSER, "cti_recloser_relay_s"))]
    ratio = o.get("fuse_fuse_ratio")
    rows.append(fuse_fuse_ratio(override=None if ratio in (None, 0.75) else ratio))
    return pd.DataFrame([{"rule": r.name, "value": r.value, "unit": r.unit, "basis": r.basis,
                          "source": r.source, "overridden": r.overridden} for r in rows])
