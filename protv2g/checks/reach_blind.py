"""C5 rows whose device cannot operate for the fault without V2G either: a pre-existing blind
spot, not V2G's deficit (review rev50a #2).

IEEE 123 with a mid-feeder relay R-L58 (51P 400 A, 51G 120 A, 67P/67N at their defaults), SLG-a
at bus 100 through 20 Ω, minimum case: without V2G its 67N makes no decision (|V0| 0.0184 pu at
the relay, below the 0.02 pu minimum; OpenDSS the same) and its 51P sees 116.7 A, 0.29 × its
pickup; with the depot exporting phase a through it reverses, the 67P blocks and the row reads
0 A. The attribution compared the margins (−1.21 → −1.5 × pickup) and called the row "made
worse by V2G", and the hosting table read it as the depot's limit (0 kW). Neither figure is a
relay that operates: the device does not see the fault with or without V2G.

Rule: a C5 row of a V2G scenario whose base case's row of the same device and fault (the
minimum case, every element judged as C5 judges it: the released elements of a
forward-directional relay, :mod:`.directional_release`) is below the device's pickup by more
than its pickup accuracy (ratio < 1 / (1 + :data:`~.reach_zone_rows.PICKUP_ACCURACY`) for a
relay or recloser; ratio < 1 for a fuse, whose C5 pickup is already its minimum melting
current) is attributed ``pre-existing`` by the check: V2G takes away no element that operated
without it. Where the base case operates (V2G takes an element away) the ordinary attribution
stands.

The row's message says which element is blind and why, in the base case and with V2G, from
the directional decision C5 and C9 take (:func:`protv2g.directional.decide.control`, on the
first-cycle phasors: the decision the relay seals in): polarising voltage below its minimum
(the 67N's |V0|, the 67P's quadrature voltage), operating current below pickup, or the
direction declared reverse; and, for a directional relay, that no pickup clears it while its
directional control holds the elements back — the element to look at is the polarising /
ground one (the 67N's minimum |V0|, 32V/32Q polarising, or a 51G at ≤ the fault's 3I0 / the
zone factor, with the figure).

References
----------
IEEE Std C37.230-2020 §6.2 (reach) and §7.3 (directional overcurrent on lines with DER);
docs/directional-elements.md §4 (directional control of the overcurrent elements).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._rows import factorize_all
from protv2g.checks.context import CheckContext
from protv2g.checks.directional_release import DIRECTIONAL_SETTINGS, relay_memory_pu
from protv2g.checks.reach_zone_rows import PICKUP_ACCURACY
from protv2g.devices.kinds import kind_of

__all__ = ["blind_note", "blind_spots", "cannot_operate"]

_KEY = ["scenario", "fault_bus", "fault_type", "case", "device"]
#: Row lookup in the checks' fault table.
_FAULT_KEY = ["scenario", "device", "fault_bus_name", "fault_type", "case"]


def cannot_operate(ratio: np.ndarray, fuse: np.ndarray) -> np.ndarray:
    """Whether a device with operating current ``ratio`` × its pickup cannot operate: below
    its pickup by more than its accuracy (module docstring); ``fuse`` (bool) per row."""
    r = np.asarray(ratio, float)
    return np.where(np.asarray(fuse, bool), r < 1.0, r < 1.0 / (1.0 + PICKUP_ACCURACY))


def _base_ratios(ctx: CheckContext, margins: pd.DataFrame | None) -> pd.Series:
    """The base cases' largest ratio (I_op / pickup) per :data:`_KEY` over the elements C5
    judged there (``margin + limit`` of :func:`protv2g.checks.sensitivity.reach_margins`)."""
    if margins is None or not len(margins):
        return pd.Series(dtype=float)
    r = margins.assign(ratio=margins["margin"].to_numpy(float)
                       + margins["limit"].to_numpy(float))
    return r.groupby(_KEY, observed=True)["ratio"].max()


def blind_note(device: str, ratio: float, why: str) -> str:
    """The message part of a blind row (module docstring): ``device`` sees ``ratio`` × its
    pickup without V2G; ``why`` the directional elements' text (``""`` for another device).
    Written when the message is read (:func:`~.reach_text.render_reach`; #21: C5's failing
    rows run to 10⁵ at 10,000 buses, a note held per row was +110 MB)."""
    return (f"; without V2G {device} cannot operate for this fault either (it sees "
            f"{ratio:.2f} × its pickup there): a blind spot there without V2G, not V2G's "
            f"deficit — V2G takes away no element that operated (attributed pre-existing)"
            f"{why}")


def blind_spots(ctx: CheckContext, bad: dict[str, np.ndarray], margins: pd.DataFrame | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(pre, ratio, why)`` per failing C5 row of ``bad`` (:data:`~.reach_text.
    BAD_COLUMNS`): ``pre`` (bool) the rows of a V2G scenario whose device cannot operate for
    the fault in the base case (module docstring), ``ratio`` its base-case ratio there (NaN
    elsewhere) and ``why`` a forward-directional relay's elements in words (``""``
    elsewhere): :func:`blind_note`'s inputs."""
    n = len(bad["scenario"])
    pre = np.zeros(n, bool)
    why = np.full(n, "", dtype=object)
    ratios = _base_ratios(ctx, margins)
    if not len(ratios) or not n:
        return pre, np.full(n, np.nan), why
    scen = np.asarray(bad["scenario"], dtype=object)
    # per distinct scenario and device, spread back by code (#21: C5's ~10⁵ failing rows at
    # 10,000 buses were two Python look-ups each)
    code, uniq = factorize_all(scen)
    base = np.array([ctx.base_of.get(str(s), "") for s in list(uniq)], dtype=object)[code]
    keys = pd.MultiIndex.from_arrays([base, bad["fault_bus_name"], bad["fault_type"],
                                      bad["case"], bad["device"]])
    r_base = ratios.reindex(keys).to_numpy(float)
    devices = getattr(ctx, "devices", None) or {}
    code, uniq = factorize_all(np.asarray(bad["device"]))
    fuse = np.array([d in devices and kind_of(devices[d]).role == "fuse" for d in list(uniq)],
                    bool)[code]
    pre = (base != "") & (base != scen) & np.isfinite(r_base) & cannot_operate(r_base, fuse)
    settings = (getattr(ctx, "cache", None) or {}).get(DIRECTIONAL_SETTINGS) or {}
    dev = np.asarray(bad["device"]).astype(str)
    at = np.flatnonzero(pre & np.isin(dev, list(settings)))
    for d in dict.fromkeys(dev[at].tolist()):  # one decision per relay, all its rows at once
        mine = at[dev[at] == d]
        why[mine] = _directional_why(ctx, settings[d], d, base[mine], scen[mine],
                                     {k: np.asarray(bad[k])[mine] for k in (
                                         "fault_bus_name", "fault_type", "case", "factor")})
    return pre, np.where(pre, r_base, np.nan), why


def _positions(ctx: CheckContext, dev: str, scenarios: np.ndarray, fault: dict[str, Any]
               ) -> np.ndarray:
    """Positions in the checks' fault table of ``dev``'s rows at each ``fault`` (arrays by
    row) in ``scenarios`` (-1 where there is none). The device's rows are indexed once per
    context (``ctx.cache``)."""
    f = ctx.faults
    key = ("C5 blind rows", dev)
    index = ctx.cache.get(key)
    if index is None:
        at = np.flatnonzero(f["device"].astype(str).to_numpy() == dev)
        cols = [f[c].astype(str).to_numpy()[at] for c in _FAULT_KEY if c != "device"]
        pairs = list(zip(zip(*cols, strict=True), at.tolist(), strict=True))
        index = ctx.cache[key] = dict(reversed(pairs))  # the first row of a key
    want = zip(np.asarray(scenarios).astype(str).tolist(),
               *(np.asarray(fault[k]).astype(str).tolist()
                 for k in ("fault_bus_name", "fault_type", "case")), strict=True)
    return np.array([index.get(k, -1) for k in want], dtype=np.int64)


def _directional_why(ctx: CheckContext, s: Any, dev: str, base: np.ndarray,
                     scenario: np.ndarray, fault: dict[str, Any]) -> np.ndarray:
    """Per row (arrays ``base``, ``scenario`` and ``fault``'s): what each element of the
    forward-directional relay ``dev`` (settings ``s``) does at the fault without V2G and with
    it (first cycle), and the element to look at — one decision over all the rows (a hosting
    search runs the checks hundreds of times)."""
    from protv2g.directional.decide import control
    from protv2g.directional.evaluate import _device_elements

    n = len(base)
    out = np.full(n, "", dtype=object)
    if ctx.faults is None or not n:
        return out
    pos_b, pos_v = _positions(ctx, dev, base, fault), _positions(ctx, dev, scenario, fault)
    ok = np.flatnonzero((pos_b >= 0) & (pos_v >= 0))
    if not len(ok):
        return out
    rows = ctx.faults.iloc[np.stack([pos_b[ok], pos_v[ok]], -1).ravel()].reset_index(drop=True)
    site = ctx.study.device_sites[dev]
    memory = relay_memory_pu(ctx.study, [dev], getattr(ctx, "v1_pre_pu", None))
    p, elements = _device_elements(rows, ctx.study.feeder, site, s, memory)
    c = control(p, s, elements, (getattr(ctx, "devices", None) or {}).get(dev))
    v0_pu = np.abs(p.v012_v[:, 0]) / p.v_base_v
    for i, j in enumerate(ok.tolist()):
        kb, kv = 2 * i, 2 * i + 1
        fix = _fix_text(c, s, float(fault["factor"][j]), str(fault["fault_type"][j]), kb, kv)
        out[j] = (f"; first cycle (the decision the relay seals in), without V2G: "
                  f"{_element_text(c, elements, s, v0_pu, kb)}; with V2G: "
                  f"{_element_text(c, elements, s, v0_pu, kv)}{fix}")
    return out


def _element_text(c: Any, elements: dict, s: Any, v0_pu: np.ndarray, k: int) -> str:
    """One row's (``k``) ground and phase elements in words: each released or why not."""
    parts = []
    if "G" in c.declared:
        i_g, pick = float(c.current_a["G"][k]), float(c.pickup_a["G"])
        el = str(c.key["G"][k]).split("/")[0]
        d = str(c.declared["G"][k])
        seen = f"its 51G sees 3I0 {i_g:.1f} A, {i_g / pick:.2f} × its {pick:g} A pickup"
        if d == "forward":
            parts.append(f"{seen}, released by its {el}")
        elif d == "reverse":
            parts.append(f"{seen}, held back: its {el} declares reverse")
        else:
            low = elements.get((el, ""), {}).get("low")
            why = (f"|V0| {v0_pu[k]:.4f} pu, below its {s.min_pol_ground_pu:g} pu minimum "
                   "polarising voltage" if el == "67N" and low is not None and bool(low[k])
                   else "its polarising quantity or supervision below its minimum")
            parts.append(f"{seen}, held back: its {el} makes no decision ({why})")
    i_ph = np.array([float(c.current_a[ph][k]) for ph in "abc"])
    pick = float(c.pickup_a["a"])
    m = int(np.argmax(i_ph))
    ph_text = (f"its 51P sees at most {i_ph[m]:.1f} A (phase {'abc'[m]}), "
               f"{i_ph[m] / pick:.2f} × its {pick:g} A pickup")
    rev = [ph for ph in "abc" if str(c.declared[ph][k]) == "reverse"]
    none = [ph for ph in "abc" if str(c.declared[ph][k]) not in ("forward", "reverse")]
    held = []
    if rev:
        held.append(f"its 67P declares reverse on phase {', '.join(rev)}")
    if none:
        held.append(f"its 67P makes no decision on phase {', '.join(none)} (quadrature "
                    "polarising voltage below its minimum, no memory)")
    parts.append(ph_text + (f" ({'; '.join(held)})" if held else ""))
    return "; ".join(parts)


def _fix_text(c: Any, s: Any, factor: float, fault_type: str, kb: int, kv: int) -> str:
    """No pickup clears a fault the directional control does not release (with V2G, row
    ``kv`` of ``c``; without, ``kb``): the polarising / ground element, with the 51G
    pickup the fault's 3I0 (without V2G and with it, first cycle: the smaller) allows; at
    a phase fault the 67P's polarising. Empty where the element the fault needs is
    released with V2G."""
    ground = fault_type.upper().startswith(("SLG", "LLG")) and "G" in c.declared
    if ground and str(c.declared["G"][kv]) == "forward":
        return ""  # its 51G is released with V2G: a lower pickup is the ordinary move
    if not ground:
        if any(str(c.declared[ph][kv]) == "forward" for ph in "abc"):
            return ""
        return ("; no pickup clears it while the directional control does not release the "
                "elements: look at the 67P's polarising (directional.memory, "
                "phase_min_polarising_pu) or 32Q (directional.phase_elements: [32Q])")
    i_g = float(min(c.current_a["G"][kb], c.current_a["G"][kv]))
    return (f"; no pickup clears it while the directional control does not release the "
            f"element: look at the polarising/ground element — the 67N's minimum |V0| "
            f"(directional.ground_min_polarising_pu, {s.min_pol_ground_pu:g} pu), 32V or 32Q "
            f"polarising (directional.ground_method: impedance, or ground_elements: [32Q]), "
            f"or a 51G at ≤ 3I0 / {factor:g} = {i_g / factor:.1f} A (3I0 {i_g:.1f} A, the "
            f"smaller of the two cases) released at this fault")
