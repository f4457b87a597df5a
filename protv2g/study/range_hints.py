"""The fix of a number outside its allowed range: the range itself, and what the value means.

Pydantic reports one bound (``less than or equal to 5``); the fix names the whole range of the
field, read from the schema, and where a field has a usual value, that value
(``limit_pu: 20`` → "allowed 0 < limit_pu ≤ 5; an inverter's first-cycle limit is usually
1.5–2.0 pu", review rev45b §2). A fraction above 1 is read by what it most likely is:

* 1 < value ≤ :data:`OVER_RATING_MAX` on an export level or a participation is an export above
  the chargers' nameplate, not a percent (``1.5`` is not 1.5 %): the fix says the export is
  capped at the site's rating and how to study more;
* a larger value up to 100 is a percent (``50`` → ``0.5``).
"""
from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from protv2g.units import INVERTER_FIRST_CYCLE_PU

__all__ = ["OVER_RATING_MAX", "range_fix"]

#: Up to this value a fraction above 1 is read as an over-rating, not a percent (1.5 is 150 %
#: of the fleet far more likely than 1.5 %: nobody studies a 1.5 % export level).
OVER_RATING_MAX = 2.0

#: Fields whose fraction is of the chargers' rating (the export they would give).
_EXPORT_FIELDS = frozenset({"export_levels_fraction", "participation"})

#: A usual value of a field, said beside its range (source in the text).
_USUAL = {
    "limit_pu": (f"an inverter's first-cycle fault current is 1.5–2.0 pu of its rating as a "
                 f"conservative planning value, 1.0–1.2 pu sustained (default "
                 f"{INVERTER_FIRST_CYCLE_PU:g}; ../shared/domain.md §1)"),
    "sustained_limit_pu": ("an inverter's sustained fault current is about 1.0–1.2 pu of its "
                           "rating (../shared/domain.md §1)"),
}

_SIGN = {"gt": "<", "ge": "≤", "lt": "<", "le": "≤"}


def _bounds_of(annotation: Any, metadata: list[Any]) -> dict[str, float]:
    """The gt/ge/lt/le bounds in ``metadata`` and in the Annotated parts of ``annotation``
    (through Optional, tuple and list)."""
    out: dict[str, float] = {}
    for item in metadata:
        for name in _SIGN:
            value = getattr(item, name, None)
            if value is not None:
                out.setdefault(name, value)
        out.update({k: v for k, v in _bounds_of(None, list(getattr(item, "metadata", []) or []))
                    .items() if k not in out})
    if annotation is not None:
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Annotated:
            extra = _bounds_of(None, list(args[1:]))
            out.update({k: v for k, v in extra.items() if k not in out})
            args = args[:1]
        for arg in args:
            sub = _bounds_of(arg, [])
            out.update({k: v for k, v in sub.items() if k not in out})
    return out


def _range_text(key: str, bounds: dict[str, float]) -> str:
    """``0 < limit_pu ≤ 5`` from the bounds."""
    low = next(((b, k) for k in ("gt", "ge") if (b := bounds.get(k)) is not None), None)
    high = next(((b, k) for k in ("lt", "le") if (b := bounds.get(k)) is not None), None)
    if low is not None and high is None:  # one lower bound: "n_chargers ≥ 1"
        return f"{key} {'>' if low[1] == 'gt' else '≥'} {low[0]:g}"
    text = key
    if low is not None:
        text = f"{low[0]:g} {_SIGN[low[1]]} {text}"
    if high is not None:
        text = f"{text} {_SIGN[high[1]]} {high[0]:g}"
    return text


def range_fix(err: dict[str, Any], loc: tuple[Any, ...], models: list[type[BaseModel]]) -> str:
    """The fix of a pydantic range error (``greater_than`` … ``less_than_equal``) ``err`` at
    ``loc``, ``models`` the schema models holding its field; "" for any other error."""
    kind, value = err["type"], err.get("input")
    if kind not in ("greater_than", "greater_than_equal", "less_than", "less_than_equal") \
            or isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    key = next((str(p) for p in reversed(loc) if not isinstance(p, int)), "")
    field = next((m.model_fields[key] for m in models if key in m.model_fields), None)
    bounds = _bounds_of(field.annotation, list(field.metadata)) if field is not None else {}
    ctx = err.get("ctx", {})
    bounds.update({k: v for k, v in ctx.items() if k in _SIGN and k not in bounds})
    if kind == "less_than_equal" and bounds.get("le") == 1 and value > 1:
        if 1 < value <= OVER_RATING_MAX and any(str(p) in _EXPORT_FIELDS for p in loc):
            return (f"a fraction of the chargers' rating is asked (0 to 1): {value:g} would be "
                    f"{value * 100:g} % of the nameplate, and a site's export is capped at its "
                    "rating (1 = every charger at full power); to study more export, raise "
                    "the site's n_chargers or p_charger_kw")
        if 1 < value <= 100 and value > OVER_RATING_MAX:
            return (f"a fraction is asked (0 to 1), not a percent: write {value / 100:g} for "
                    f"{value:g} %")
        return f"a fraction is asked: allowed {_range_text(key, bounds)} (1 is the whole)"
    usual = _USUAL.get(key)
    if not usual and (not bounds or (kind == "greater_than" and bounds == {"gt": 0})):
        return ""  # > 0 only: the generic fix says it ("a positive, finite value")
    text = f"use a value inside the allowed range: {_range_text(key, bounds)}"
    return f"{text}; {usual}" if usual else text
