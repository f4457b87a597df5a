"""C6's text of what feeds a device back: V2G, or a site's own grounded-wye transformer.

Split from :mod:`protv2g.checks.sympathetic` (module size). A ground-fault row whose
candidate a site with a grounded-wye transformer of its own feeds in reverse names that
transformer as the source of the 3I0 (review rev30 §1: on EPRI ckt5 the "3I0 1445 A fed
back by V2G" were the depot transformer's YNd winding's, with the chargers idle too).
"""

from __future__ import annotations

import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.study.dss_site_transformers import (
    grounded_site_transformers,
    transformer_3i0_note,
)
from protv2g.units import Direction

__all__ = ["fed_back_texts"]


def fed_back_texts(ctx: CheckContext, bad: pd.DataFrame) -> list[str]:
    """Per row, what feeds the device back: ``"fed back by V2G (3I0 … A)"``, or for a ground
    fault that a site with a grounded-wye transformer feeds through the device in reverse
    (``ctx.chains``), the transformer named as the source of the 3I0 (review rev30 §1: the
    1,445 A of "3I0 fed back by V2G" were the depot transformer's YNd winding's):
    ``"fed back (3I0 … A: depot's transformer depot_xf (YNd) feeds 3I0 …)"``."""
    if "grounded site transformers" not in ctx.cache:
        ctx.cache["grounded site transformers"] = grounded_site_transformers(ctx.study)
    xf = ctx.cache["grounded site transformers"]
    plain = _by_whom(ctx, bad)
    if not xf or bad.empty:
        return plain
    ch = ctx.chains
    sel = (ch.source.astype(str).isin(list(xf)).to_numpy()
           & (ch.direction == Direction.REVERSE.value).to_numpy())
    feeds: dict[tuple[int, str], set[str]] = {}
    for fb, dev, src in zip(ch.fault_bus.to_numpy()[sel], ch.device.to_numpy()[sel],
                            ch.source.to_numpy()[sel], strict=True):
        feeds.setdefault((int(fb), str(dev)), set()).add(str(src))
    out = []
    scen = ctx.scenarios
    for text, r in zip(plain, bad.itertuples(index=False), strict=True):
        ground = str(r.fault_type).startswith(("SLG", "LLG"))
        sc = scen.get(str(r.scenario))
        sites = sorted(s for s in feeds.get((int(r.fault_bus), str(r.device)), ())
                       if sc is None or sc.is_built(s)) if ground else []
        if sites:
            note = transformer_3i0_note([xf[s] for s in sites])
            text = f"fed back (3I0 {r.i_ground_a:.0f} A: {note})"
        out.append(text)
    return out


def _by_whom(ctx: CheckContext, bad: pd.DataFrame) -> list[str]:
    """``"fed back by V2G (3I0 … A)"``, or, where the row's scenario has no V2G exporting,
    ``"fed back by the feeder's own sources, no V2G exporting (3I0 … A)"``, and in a V2G
    scenario whose base twin (same device, fault, case and load level) carries current too,
    failing or not, the feeder's own sources' share and V2G's: ``"fed back by V2G and the
    feeder's own sources (… A of it without V2G, the feeder's own sources'; V2G's change
    +… A; 3I0 … A)"`` (review rev32b M1: EPRI's DG feeder with its wind machine connected
    read "258 A fed back by V2G … without V2G (base case)": the 258 A were the machine's;
    review rev39a M4: "269 A fed back by V2G" where the base twin passed, V2G's share ≤ 99 A).
    """
    scen = ctx.scenarios
    names = bad.scenario.astype(str).to_numpy()
    is_base = [scen[n].is_base if n in scen else False for n in names]
    level = [str(getattr(scen.get(n), "load_level", "")) for n in names]
    keys = list(zip(bad.device.astype(str), bad.fault_bus.to_numpy(), bad.fault_type.astype(str),
                    bad.case.astype(str), level, strict=True))
    i_phase = bad.i_phase_a.to_numpy(float)
    base_i = {k: i for k, i, b in zip(keys, i_phase, is_base, strict=True) if b}
    twin = _base_twin_a(ctx, bad)
    out = []
    for k, n, i, g, b in zip(keys, names, i_phase, bad.i_ground_a.to_numpy(float), is_base,
                             strict=True):
        own = twin.get((n, *k[:4]), base_i.get(k, 0.0))
        if b:
            out.append(f"fed back by the feeder's own sources, no V2G exporting (3I0 {g:.0f} A)")
        elif own >= _OWN_MIN_A:
            out.append(f"fed back by V2G and the feeder's own sources ({own:.0f} A of it "
                       f"without V2G, the feeder's own sources'; V2G's change {i - own:+.0f} A;"
                       f" 3I0 {g:.0f} A)")
        else:
            out.append(f"fed back by V2G (3I0 {g:.0f} A)")
    return out


#: Smallest current (A) a device carries without V2G that C6's text names as the feeder's own
#: sources' share: under it the current is V2G's (1 A: the texts print whole amperes).
_OWN_MIN_A = 1.0


def _base_twin_a(ctx: CheckContext, bad: pd.DataFrame) -> dict[tuple, float]:
    """``(V2G scenario, device, fault bus, fault type, case)`` → the device's phase current (A)
    in the scenario's base case (``ctx.base_of``) for the same fault, from the engine's device
    table (``ctx.faults``), whether or not that row fails; ``{}`` without them."""
    f, base_of = getattr(ctx, "faults", None), getattr(ctx, "base_of", None)
    if f is None or not base_of or bad.empty:
        return {}
    names = bad.scenario.astype(str)
    base = names.map(lambda n: str(base_of.get(n, "") or "")).to_numpy()
    sel = (f.scenario.astype(str).isin(set(base.tolist()) - {""}).to_numpy()
           & f.device.astype(str).isin(set(bad.device.astype(str))).to_numpy()
           & f.fault_bus.isin(set(bad.fault_bus.tolist())).to_numpy())
    at = {(str(s), str(d), fb, str(t), str(c)): float(i) for s, d, fb, t, c, i in zip(
        f.scenario.to_numpy()[sel], f.device.to_numpy()[sel], f.fault_bus.to_numpy()[sel],
        f.fault_type.to_numpy()[sel], f.case.to_numpy()[sel], f.i_phase_a.to_numpy()[sel],
        strict=True)}
    out = {}
    for n, b, d, fb, t, c in zip(names, base, bad.device.astype(str), bad.fault_bus.to_numpy(),
                                 bad.fault_type.astype(str), bad.case.astype(str), strict=True):
        if b and b != n and (b, d, fb, t, c) in at:
            out[(n, d, fb, t, c)] = at[(b, d, fb, t, c)]
    return out
