"""The equation forms of library curves (a leaf module: the curve functions, the library and
its parser all name them without importing one another)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CurveFamily"]


class CurveFamily(StrEnum):
    """Equation form of a curve in the library."""

    #: ``t = TD·(A/(M^p − 1) + B)`` — IEEE C37.112, SEL U1–U5, ABB ANSI.
    IEEE = "ieee"
    #: ``t = TMS·k/(M^α − 1)`` — IEC 60255-151 and BS 142 curves.
    IEC = "iec"
    #: ``t = TD·delay_s`` above pickup.
    DEFINITE = "definite"
    #: Log–log interpolated point table (recloser and fuse curves, user tables).
    POINTS = "points"

    @classmethod
    def _missing_(cls, value: object) -> None:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"{value!r} is not a valid curve family; allowed: {allowed}")
