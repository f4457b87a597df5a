"""Is the feeder's source a real utility source? A plausibility check of its impedance.

Test models often feed the feeder from an ideal source: IEEE 123's ``New Circuit`` has
``R1=0 X1=0.0001`` Ω (its own comment: "a stiff 4160V source"), 24,018 kA three-phase at its
terminal, and every fault level, C7 duty and drafted interrupting rating of the feeder's head
then rests on it (review s23 §1: 19,626 kA at bus 150r, X/R 307–389, a head-breaker duty of
21,907 kA quoted without question). The check reads the source as protv2g reads it — an
OpenDSS substation ``Vsource`` (:func:`protv2g.network.dss_graph.dss_sources`, role
``substation``; OpenDSS's own ``R1 X1 R0 X0``, whatever form the script gave: ``MVAsc3/MVAsc1``,
``Isc3/Isc1`` or ``Z1/Z0``), or a pandapower ``ext_grid`` (``s_sc_max_mva``, ``rx_max``,
``x0x_max``, ``r0x0_max``) — and computes at the source's terminal, at its base voltage (1 pu,
no c factor):

* three-phase ``I3 = U / (√3 |Z1|)`` and single-line-to-ground ``I1 = √3 U / |2 Z1 + Z0|``
  (symmetrical components, IEEE Std 551-2006 §3 / IEC 60909-0 §6.3.1 and §6.5, c = 1);
* ``X/R = X1 / R1`` (infinite for ``R1 = 0``).

Only a source at distribution voltage — :data:`DISTRIBUTION_KV_MAX`, 35 kV, or below: the
feeder fed straight from it, no substation transformer between (distribution primaries run
"from about 5 kV to as high as 35 kV", the same handbook chapter) — is judged: behind a
substation transformer the transformer's impedance limits the feeder's fault levels and the
source's hardly moves them (IEEE 34's and 37's 200,000 MVA sources at 69 and 230 kV,
"stiffened" by their authors, and EPRI ckt5's X1 = 0.001 Ω at 115 kV are not flagged). Such
a source is implausible when:

* ``I3`` or ``I1`` exceeds :data:`I_SC_MAX_KA` (63 kA): the largest rated short-circuit
  current in the preferred ratings of outdoor circuit breakers, 15.5 kV up to transmission
  voltages (IEEE Std C37.06-2009; recalled, as :mod:`protv2g.study_draft.ratings`' table): no
  breaker could interrupt a fault at such a bus. A distribution substation bus is far below
  it: "the average short-circuit level at a distribution substation has been shown, by
  survey, to be about 10,000 A" (L. L. Grigsby (ed.), *Electric Power Engineering Handbook*,
  distribution chapter, Taylor & Francis; found with the search tool);
* ``X/R`` exceeds :data:`X_R_MAX` (125): above the X/R of any one network element — large
  power transformers 40–125 and generators up to ≈ 120 (IEEE Std C37.010-1999 Fig. 17, IEEE
  Std 141-1993 Annex 4A, as a transformer X/R reference page quotes them) — so the source's
  resistance is missing (an ideal source);
* ``X/R`` lies below :data:`X_R_MIN` (1, a heuristic, not a standard): a source more resistive
  than reactive; networks above distribution voltage are reactive (their lines and
  transformers have X/R well above 1), so R and X are likely swapped.

protv2g has no study field for the source impedance: the OpenDSS model's ``Vsource`` is the
source. The fix (:data:`DSS_SOURCE_FIX`) is a script listed in ``feeder.redirects`` (run after
the master, before any solution) that edits it, or the model's ``New Circuit`` line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.errors import Issue

__all__ = ["DISTRIBUTION_KV_MAX", "DSS_SOURCE_FIX", "I_SC_MAX_KA", "NET_SOURCE_FIX",
           "devices_over_breaker_max",
           "SOURCE_COLUMNS", "X_R_MAX", "X_R_MIN", "dss_source_levels", "implausible_sources",
           "net_source_levels", "source_reasons", "source_warnings", "todos_not_warned"]

#: Largest plausible short-circuit current at the source's terminal, kA (module docstring:
#: IEEE C37.06-2009's largest preferred outdoor-breaker rating).
I_SC_MAX_KA = 63.0
#: Largest plausible X/R of the source (module docstring: IEEE C37.010 Fig. 17's top).
X_R_MAX = 125.0
#: Smallest plausible X/R of the source (a heuristic: more resistive than reactive).
X_R_MIN = 1.0
#: Sources above this line-to-line voltage (kV) are not judged: a substation transformer
#: stands between them and the feeder (module docstring).
DISTRIBUTION_KV_MAX = 35.0

#: Columns of :func:`dss_source_levels` and :func:`net_source_levels`.
SOURCE_COLUMNS = ["name", "bus", "kv_ll", "r1_ohm", "x1_ohm", "r0_ohm", "x0_ohm", "i3_ka",
                  "i1_ka", "x_r"]

#: What to do about an implausible OpenDSS source (no study field overrides it).
DSS_SOURCE_FIX = (
    "give the utility's source impedance at the supply bus (its three-phase and single-line-"
    "to-ground short-circuit MVA and X/R at the substation, from the utility's planning "
    "data): protv2g has no study field for it, so write it into the model — a script "
    "listed in feeder.redirects (run after the master), e.g. source.dss with 'Edit "
    "Vsource.source MVAsc3=<MVA> MVAsc1=<MVA> X1R1=<X/R> X0R0=<X0/R0>', or the model's "
    "'New Circuit' line")
#: The same for a pandapower net's external grid.
NET_SOURCE_FIX = ("give the utility's source impedance: the ext_grid's s_sc_max_mva and "
                  "rx_max (and x0x_max, r0x0_max for ground faults), min case likewise")


def _levels(name: str, bus: str, kv_ll: float, z1: complex, z0: complex) -> dict[str, Any]:
    """One row of :data:`SOURCE_COLUMNS` (formulas in the module docstring)."""
    u_v = kv_ll * 1e3
    i3 = u_v / (math.sqrt(3.0) * abs(z1)) / 1e3 if abs(z1) > 0 else math.inf
    loop = abs(2 * z1 + z0)
    i1 = math.sqrt(3.0) * u_v / loop / 1e3 if loop > 0 else math.inf
    x_r = z1.imag / z1.real if z1.real > 0 else math.inf
    return dict(zip(SOURCE_COLUMNS, (name, bus, kv_ll, z1.real, z1.imag, z0.real, z0.imag,
                                     i3, i1, x_r), strict=True))


def dss_source_levels(model: Any) -> pd.DataFrame:
    """The substation Vsources of an OpenDSS model (:func:`~protv2g.network.dss_graph
    .dss_sources`, role ``substation``) as OpenDSS holds them, with their terminal fault
    levels (:data:`SOURCE_COLUMNS`); empty when the engine no longer holds the circuit."""
    from protv2g.network.dss_graph import dss_sources

    src = dss_sources(model)
    rows = []
    for r in src[src.role == "substation"].itertuples(index=False):
        try:
            vals = {}
            for prop in ("R1", "X1", "R0", "X0", "basekv"):
                model.engine.Text.Command(f"? {r.name}.{prop}")
                vals[prop] = float(model.engine.Text.Result())
        except Exception:  # noqa: BLE001 - another circuit compiled since, or no engine
            continue
        bus = str(model.buses.index[r.bus]) if r.bus >= 0 else ""
        rows.append(_levels(r.name, bus, vals["basekv"], complex(vals["R1"], vals["X1"]),
                            complex(vals["R0"], vals["X0"])))
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def net_source_levels(net: Any) -> pd.DataFrame:
    """The in-service external grids of a pandapower net (or its tables) with their max-case
    terminal fault levels (:data:`SOURCE_COLUMNS`); empty without short-circuit data."""
    eg = getattr(net, "ext_grid", None)
    need = {"bus", "s_sc_max_mva", "rx_max"}
    if eg is None or not len(eg) or not need <= set(eg.columns):
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    rows = []
    on = eg["in_service"].fillna(True).astype(bool) if "in_service" in eg else True
    for i, r in eg[on].iterrows():
        kv = float(net.bus.at[r["bus"], "vn_kv"])
        s_mva, rx = float(r["s_sc_max_mva"]), float(r["rx_max"])
        if not (s_mva > 0 and math.isfinite(rx)):
            continue
        z = kv**2 / s_mva
        x1 = z / math.hypot(rx, 1.0)
        z1 = complex(rx * x1, x1)
        x0x, r0x0 = (float(r.get(k, np.nan)) for k in ("x0x_max", "r0x0_max"))
        # no zero-sequence data: an open zero-sequence source (no SLG current)
        z0 = (complex(r0x0 * x0x * x1, x0x * x1) if math.isfinite(x0x * r0x0)
              else complex(0.0, math.inf))
        bus = net.bus["name"].get(r["bus"], r["bus"]) if "name" in net.bus else r["bus"]
        rows.append(_levels(str(r.get("name") or f"ext_grid {i}"), str(bus), kv, z1, z0))
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def source_reasons(row: Any) -> list[str]:
    """Why a source row (:data:`SOURCE_COLUMNS`) is implausible; empty when it is not."""
    out = []
    big = [f"{lbl} {_ka(v)}" for lbl, v in (("three-phase", row.i3_ka), ("SLG", row.i1_ka))
           if v > I_SC_MAX_KA]
    if big:
        out.append(f"{' and '.join(big)} at its terminal, above the {I_SC_MAX_KA:g} kA of the "
                   "largest breaker (IEEE C37.06-2009 preferred ratings; distribution "
                   "substations average about 10 kA)")
    if row.x_r > X_R_MAX:
        x_r = "∞ (R1 = 0)" if math.isinf(row.x_r) else f"{row.x_r:.0f}"
        out.append(f"X/R {x_r}, above the {X_R_MAX:g} of any one network element (large "
                   "transformers and generators, IEEE C37.010-1999 Fig. 17): an ideal "
                   "source without resistance")
    elif row.x_r < X_R_MIN:
        out.append(f"X/R {row.x_r:.2f} below {X_R_MIN:g}: more resistive than reactive, R1 "
                   "and X1 likely swapped (a heuristic)")
    return out


def _ka(i_ka: float) -> str:
    return "∞ kA" if math.isinf(i_ka) else f"{i_ka:,.0f} kA"


def implausible_sources(levels: pd.DataFrame) -> list[str]:
    """One sentence per implausible source of ``levels`` at distribution voltage: what it is
    and why (module docstring); empty when every such source is plausible."""
    out = []
    for r in levels.itertuples(index=False):
        why = source_reasons(r) if r.kv_ll <= DISTRIBUTION_KV_MAX else []
        if why:
            out.append(f"source {r.name} at bus {r.bus} ({r.kv_ll:g} kV): R1 = {r.r1_ohm:.4g} "
                       f"Ω, X1 = {r.x1_ohm:.4g} Ω — {'; '.join(why)}")
    return out


def source_warnings(study: Any) -> list[Issue]:
    """``protv2g validate``'s warnings on the study's source (module docstring)."""
    file = str(study.path)
    if getattr(study, "model", None) is not None:
        levels, field, fix = dss_source_levels(study.model), "feeder.opendss", DSS_SOURCE_FIX
    elif getattr(study, "net", None) is not None:
        levels, field, fix = net_source_levels(study.net), "feeder (ext_grid)", NET_SOURCE_FIX
    else:
        return []
    return [Issue(file, f"{field} ({text.split(' ', 2)[1]})",
                  f"{text}: every fault level, C7 duty and drafted interrupting rating near "
                  "the substation rests on it", fix)
            for text in implausible_sources(levels)]


#: Field of a source warning on an OpenDSS source (:func:`source_warnings`): its name.
_DSS_WARNED = re.compile(r"feeder\.opendss \((?P<name>[^)]+)\)")


def todos_not_warned(todos: Sequence[Issue], warnings: Sequence[Issue]) -> list[Issue]:
    """The study's TODO items (:func:`protv2g.study.todos.todo_items`) less those a source
    warning already says: ``protv2g init``'s TODO on ``feeder.opendss`` for an implausible
    source (:func:`implausible_sources`) repeats :func:`source_warnings`' warning on the same
    source, figures and fix alike (review s23: IEEE 123's source listed twice by
    ``protv2g validate``). The warning is kept: its figures are those of the model as it
    stands (the TODO's, those of the model init read), and it goes once the source is fixed.

    >>> w = Issue("s.yaml", "feeder.opendss (vsource.source)", "source vsource.source at bus 1")
    >>> t = Issue("s.yaml", "feeder.opendss (line 6)", "the model's source vsource.source at bus 1")
    >>> todos_not_warned([t], [w]), len(todos_not_warned([t], []))
    ([], 1)
    """
    names = [m["name"] for w in warnings if (m := _DSS_WARNED.fullmatch(w.field))]
    return [t for t in todos if not (t.field.startswith("feeder.opendss") and any(
        f"source {n} at bus " in t.message for n in names))]


def devices_over_breaker_max(peak_ka: pd.Series, kv_ll: Mapping[str, float],
                             default_kv: float) -> pd.Series:
    """The devices of ``peak_ka`` (device → largest fault at it, kA) whose fault exceeds
    :data:`I_SC_MAX_KA` at distribution voltage: each device at its own terminal's voltage
    ``kv_ll`` (device → kV line to line; ``default_kv`` for one not in it) at or below
    :data:`DISTRIBUTION_KV_MAX` — no breaker of its class interrupts such a fault, so the
    model's source or substation transformer is near ideal (IEEE 13's XHL = 0.008 %: 1,362 kA
    at its 4.16 kV head). Per device, not at the feeder's most common voltage (draft44's left
    item: the mode of the primary buses' kV).

    >>> peak = pd.Series({"head": 80.0, "sub": 70.0, "fuse": 5.0})
    >>> list(devices_over_breaker_max(peak, {"head": 12.47, "sub": 69.0}, 12.47).index)
    ['head']
    """
    kv = np.array([float(kv_ll.get(str(n), default_kv)) for n in peak_ka.index], dtype=float)
    return peak_ka[(peak_ka.to_numpy(float) > I_SC_MAX_KA) & (kv <= DISTRIBUTION_KV_MAX)]
