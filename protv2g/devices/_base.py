"""Shared pieces of the device models: settings validation and the device base class."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.library import Curve, CurveLibrary, UnknownCurveError
from protv2g.errors import InputError, Issue
from protv2g.units import DeviceKind

FloatArray = NDArray[np.float64]

# ------------------------------------------------------------------ validation helpers
class Checker:
    def __init__(self, where: str):
        self.where, self.issues = where, []  # type: list[Issue]

    def num(self, fld: str, value: Any, *, lo: float = 0.0, strict: bool = True,
            optional: bool = False) -> None:
        if value is None and optional:
            return
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and math.isfinite(value) and (value > lo if strict else value >= lo):
            return
        rel = ">" if strict else ">="
        self.issues.append(Issue(self.where, fld, f"must be a finite number {rel} {lo:g}, got "
                                 f"{value!r}", f"set {fld} to a number {rel} {lo:g}"))

    def curve(self, fld: str, name: Any, lib: CurveLibrary, kinds: tuple[DeviceKind, ...],
              optional: bool = False) -> Curve | None:
        if name is None and optional:
            return None
        try:
            c = lib.get(str(name))
        except UnknownCurveError as exc:
            self.issues.append(dataclasses.replace(exc.issues[0], file=self.where, field=fld))
            return None
        if c.kind not in kinds:
            self.issues.append(Issue(self.where, fld, f"curve {c.name!r} is a {c.kind.value} "
                                     f"curve", f"use a {'/'.join(k.value for k in kinds)} curve"))
            return None
        return c

    def raise_if_any(self) -> None:
        if self.issues:
            raise InputError(self.issues)


def arr(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


class DeviceBase:
    kind: DeviceKind

    def __init__(self, settings: Any, settings_cls: type, kwargs: dict[str, Any]):
        if settings is None:
            settings = settings_cls(**kwargs)
        elif kwargs:
            settings = dataclasses.replace(settings, **kwargs)
        self.settings = settings

    @property
    def name(self) -> str:
        """Device name."""
        return str(self.settings.name)

    @property
    def interrupting_rating_ka(self) -> float | None:
        """Interrupting rating (kA), if given."""
        return self.settings.interrupting_rating_ka

    def operate_time_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        raise NotImplementedError  # pragma: no cover

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings!r})"


