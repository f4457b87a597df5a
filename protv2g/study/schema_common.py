"""Shared pieces of the study-file schema: field types, the base model, the feeder
source and a device's location (split from :mod:`protv2g.study.schema`)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def _non_empty(value: tuple[Any, ...], key: str, allowed: str, default: str,
               why: str = "the study would have nothing to run for it") -> tuple[Any, ...]:
    """``value`` unless it is an empty list (#20: an empty axis leaves nothing to run, so the
    study would end without the scenarios, faults or checks it was written for)."""
    if len(value) == 0:
        raise ValueError(f"{key} is an empty list: {why} | fix: list at least one of "
                         f"{allowed}, or remove {key} for the default ({default})")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


# --- feeder -----------------------------------------------------------------------------------


class FeederSource(_Model):
    """Where the network comes from: exactly one of the three keys.

    For an OpenDSS master: ``redirects`` (further scripts run after it, e.g. the IEEE 8500's
    ``Fuses.DSS``, paths relative to the study), ``adopt_devices`` (the model's fuses,
    reclosers and relays that the study does not define itself become study devices; ``protv2g
    init`` writes them all and sets it false) and ``opendss_via`` (``phase``: the phase-domain
    path on OpenDSS's own network, the default; ``pandapower``: the older import into a
    balanced pandapower net).
    """

    pandapower_json: str | None = None
    builtin: str | None = None
    opendss: str | None = None
    redirects: tuple[str, ...] = ()
    adopt_devices: bool = True
    opendss_via: Literal["phase", "pandapower"] = "phase"

    @model_validator(mode="after")
    def _exactly_one(self) -> FeederSource:
        given = [k for k in ("pandapower_json", "builtin", "opendss") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'pandapower_json', 'builtin' or 'opendss' "
                f"(got {', '.join(given) or 'none'}) | fix: keep one feeder source")
        if not self.opendss and (self.redirects or self.opendss_via != "phase"):
            raise ValueError("'redirects' and 'opendss_via' belong to an 'opendss' feeder | "
                             "fix: remove them")
        return self


class Location(_Model):
    """Where a device sits: a line end, a transformer side, or a switch (all by name)."""

    line: str | None = None
    end: Literal["from", "to"] | None = None
    trafo: str | None = None
    side: Literal["hv", "lv"] | None = None
    switch: str | None = None

    @model_validator(mode="after")
    def _one_element(self) -> Location:
        given = [k for k in ("line", "trafo", "switch") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'line' (with 'end'), 'trafo' (with 'side') or 'switch' "
                "| fix: e.g. location: {line: F1-L01, end: from}")
        if self.line is not None and self.end is None:
            raise ValueError("a device on a line needs 'end: from' or 'end: to' | fix: add "
                             "end: from (device at the line's from-bus) or end: to")
        if self.trafo is not None and self.side is None:
            raise ValueError("a device on a transformer needs 'side: hv' or 'side: lv' | fix: "
                             "add side: hv or side: lv")
        return self




def finite(value: float) -> bool:
    """True for a finite float (NaN and ±inf are not)."""
    return math.isfinite(value)
