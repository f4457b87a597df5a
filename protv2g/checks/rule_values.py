"""The published rules each check applies, looked up for the study's devices (#17).

The rule tables and their lookups are :mod:`protv2g.devices.rules`; this module asks them
for what the checks of one study need — the coordination interval of each pair kind (with
the study's relay technology), the fuse-saving K and the source-side fuse factor of each
recloser (by its own shots and reclose intervals), the fuse–fuse ratio — with the study
file's overrides (``checks.*``, deprecated keys included), and gathers every value used, its
basis and source into the **Rules** table of the report (:func:`rules_used_table`).

A recloser whose sequence lies outside a published table (3 fast shots, a 0.2-s first
reclose …) has no table value: :func:`fuse_saving` / :func:`source_side` return the
:class:`~protv2g.devices.rules.RuleOutOfRange` error instead, and the check reports that pair
``not_evaluated`` with the error's fix (give ``checks.fuse_saving_k``).

Example
-------
>>> fuse_saving(ctx, "RC-F1").value  # doctest: +SKIP
1.8
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from protv2g.checks._common import build_devices
from protv2g.checks.flow_limit import voltage_limit_tolerance
from protv2g.devices.rules import (
    RECLOSE_MARGIN_BRACKET_S,
    DevicePair,
    RuleOutOfRange,
    RuleValue,
    coordination_interval_s,
    fuse_fuse_ratio,
    fuse_saving_k,
    source_side_fuse_factor,
)

__all__ = ["RULES_COLUMNS", "RECLOSE_MARGIN_BRACKET_S", "interval", "fuse_saving",
           "source_side", "fuse_ratio", "reclose_margin", "rules_used_table", "rule_columns",
           "study_rules_table"]

#: Columns of the Rules table.
RULES_COLUMNS = ["rule", "device", "value", "unit", "basis", "source", "overridden",
                 "bracket_low", "bracket_high"]

#: C10's margin bracket (s): :data:`protv2g.devices.rules.RECLOSE_MARGIN_BRACKET_S` (defined
#: there, below the drafting step and the checks, which both read it).
_RECLOSE_MARGIN_SOURCE = (
    "no published value found (IEEE 1547-2018 §8.1 fixes the DER's 2-s cease to "
    "energise only; IEEE 1547.2-2023 and utility handbooks searched): engineering bracket "
    "0.2-1.0 s for the reclosing device's interval scatter, the island's residual voltage "
    "decay and a planning allowance")

_INTERVAL_KEY = {DevicePair.RELAY_RELAY: "cti_relay_relay_s",
                 DevicePair.RELAY_FUSE: "cti_relay_fuse_s",
                 DevicePair.RELAY_RECLOSER: "cti_recloser_relay_s"}


def _checks(ctx_or_checks: Any) -> Any:
    return getattr(ctx_or_checks, "thresholds", ctx_or_checks)


def _from_study(value: RuleValue, checks: Any, key: str) -> RuleValue:
    """Name the study-file key an override came from (a deprecated key included)."""
    if not value.overridden:
        return value
    return dataclasses.replace(value, source=f"study file ({checks.rule_override_source(key)})")


def interval(ctx: Any, pair: DevicePair | str, technology: str | None = None) -> RuleValue:
    """Coordination interval (s) of a pair kind, with the study's relay technology (or
    ``technology``) and its override."""
    th = _checks(ctx)
    pair = DevicePair(pair)
    key = _INTERVAL_KEY[pair]
    r = coordination_interval_s(pair, technology or th.relay_technology,
                                override=th.rule_override(key))
    return _from_study(r, th, key)


def fuse_saving(ctx: Any, recloser: str) -> RuleValue | RuleOutOfRange:
    """Fuse-saving K of a recloser (by its fast shots and first reclose interval)."""
    th = _checks(ctx)
    s = ctx.devices[recloser].settings
    first = s.reclose_intervals_s[0] if s.reclose_intervals_s else float("inf")
    try:
        r = fuse_saving_k(s.n_fast, first, override=th.rule_override("fuse_saving_k"))
    except RuleOutOfRange as exc:
        return exc
    return _from_study(r, th, "fuse_saving_k")


def source_side(ctx: Any, recloser: str) -> RuleValue | RuleOutOfRange:
    """Factor for a fuse on the source side of a recloser (by its sequence and intervals)."""
    th = _checks(ctx)
    s = ctx.devices[recloser].settings
    try:
        r = source_side_fuse_factor(s.n_fast, s.n_delayed, s.reclose_intervals_s,
                                    override=th.rule_override("source_side_fuse_factor"))
    except RuleOutOfRange as exc:
        return exc
    return _from_study(r, th, "source_side_fuse_factor")


def fuse_ratio(ctx: Any) -> RuleValue:
    """Protecting-link TC ≤ ratio × protected-link MM (the 75 % rule), or its override."""
    th = _checks(ctx)
    return _from_study(fuse_fuse_ratio(override=th.fuse_fuse_ratio), th, "fuse_fuse_ratio")


def reclose_margin(ctx: Any) -> RuleValue:
    """C10's margin (s) beyond the chargers' cease-to-energise time that a first reclose
    interval must exceed: ``checks.reclose_margin_s`` with its bracket
    (:data:`RECLOSE_MARGIN_BRACKET_S`; no published value, see there)."""
    th = _checks(ctx)
    given = "reclose_margin_s" in getattr(th, "model_fields_set", set())
    lo, hi = RECLOSE_MARGIN_BRACKET_S
    return RuleValue(
        name="reclose_margin_s", value=float(th.reclose_margin_s), unit="s",
        source="study file (checks.reclose_margin_s)" if given else _RECLOSE_MARGIN_SOURCE,
        basis=(f"first reclose interval > cease to energise + margin; default 0.5 s, "
               f"bracket {lo:g}-{hi:g} s"), bracket=(lo, hi), overridden=given)


def rule_columns(rule: RuleValue | None) -> dict[str, Any]:
    """``rule``, ``rule_value``, ``rule_source`` of a row judged by ``rule``."""
    if rule is None:
        return {"rule": "", "rule_value": float("nan"), "rule_source": ""}
    return {"rule": rule.name, "rule_value": rule.value, "rule_source": rule.source}


def _row(r: RuleValue, device: str = "") -> dict[str, Any]:
    lo, hi = r.bracket if r.bracket is not None else (float("nan"), float("nan"))
    return {"rule": r.name, "device": device, "value": r.value, "unit": r.unit,
            "basis": r.basis, "source": r.source, "overridden": r.overridden,
            "bracket_low": lo, "bracket_high": hi}


def rules_used_table(ctx: Any) -> pd.DataFrame:
    """Every rule value the checks of a study use, with its basis and source.

    Device-independent rules (the rows of :func:`protv2g.devices.rules.rules_table`:
    coordination intervals, fuse–fuse ratio; C10's reclose margin) with the study's overrides
    (deprecated keys named as such), then per recloser its fuse-saving
    K and source-side fuse factor (or why the table has no value for it).

    Parameters
    ----------
    ctx : CheckContext
        The checks' context (its ``thresholds`` and ``devices``).

    Returns
    -------
    DataFrame
        :data:`RULES_COLUMNS`; ``device`` empty for study-wide rules.
    """
    rows = [_row(interval(ctx, p)) for p in DevicePair]
    rows.append(_row(fuse_ratio(ctx)))
    rows.append(_row(reclose_margin(ctx)))
    rows.append(_row(voltage_limit_tolerance(_checks(ctx))))  # C12 (review s26 §4)
    for name, dev in ctx.devices.items():
        if not hasattr(dev.settings, "n_fast"):
            continue
        for fn, rule in ((fuse_saving, "fuse_saving_k"), (source_side,
                                                          "source_side_fuse_factor")):
            r = fn(ctx, name)
            if isinstance(r, RuleOutOfRange):
                issue = r.issues[0]
                rows.append({"rule": rule, "device": name, "value": float("nan"), "unit": "-",
                             "basis": issue.message, "source": f"no table value: {issue.fix}",
                             "overridden": False, "bracket_low": float("nan"),
                             "bracket_high": float("nan")})
            else:
                rows.append(_row(r, name))
    return pd.DataFrame(rows, columns=RULES_COLUMNS)


@dataclasses.dataclass(frozen=True)
class _Devices:
    """The two context attributes :func:`rules_used_table` reads."""

    thresholds: Any
    devices: dict[str, Any]


def study_rules_table(study: Any) -> pd.DataFrame:
    """:func:`rules_used_table` of a study (its devices built as the checks build them): the
    report's **Rules** sheet."""
    devices, _ = build_devices(study)
    return rules_used_table(_Devices(study.document.checks, devices))
