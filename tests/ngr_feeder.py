"""The source end of review rev44b's f3 feeder, shared by the tests that use it: a 69 kV source,
a 15 MVA Δ–Y 69/13.8 kV substation transformer grounded through a neutral resistor (a 1-phase
Reactor from its star point to ground: 20 Ω, ≈ 400 A for an SLG at 13.8 kV) and two line codes
(c500 trunk, c2 lateral). A test adds its own lines, loads and voltage bases."""

from __future__ import annotations

__all__ = ["ngr_source"]

_SOURCE = """Clear
Set DefaultBaseFrequency=60
New Circuit.f3 basekv=69 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200 x1r1=10 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub.1.2.3.4) conns=(delta wye)
~ kvs=(69 13.8) kvas=(15000 15000) xhl=8 %r=0.5
New Reactor.ngr phases=1 bus1=sub.4 bus2=sub.0 R={r_ngr:g} X=0.01
New Linecode.c500 nphases=3 r1=0.09 x1=0.35 r0=0.6 x0=1.1 c1=90 c0=90 units=mi normamps=450
New Linecode.c2 nphases=3 r1=0.33 x1=0.42 r0=0.9 x0=1.3 c1=55 c0=55 units=mi normamps=190
"""


def ngr_source(r_ngr_ohm: float = 20.0) -> str:
    """The script's first lines, the neutral resistor ``r_ngr_ohm`` (Ω)."""
    return _SOURCE.format(r_ngr=r_ngr_ohm)
