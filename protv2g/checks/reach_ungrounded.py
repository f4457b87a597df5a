"""C5 at buses with no path to ground (an ungrounded, delta-fed system): ground faults there are
no overcurrent reach requirement (review rev33c M1, IEEE 37).

A bus fed through delta (or ungrounded-wye) windings with nothing grounded on it
(:func:`protv2g.flow.opendss_ground.ungrounded_buses`) has no zero-sequence source: a
single-line-to-ground fault there closes no circuit but the lines' capacitance to ground, and
draws their charging current only — on IEEE 37 (Δ–Δ substation, 4.8 kV) 2.4–2.6 A at every
bus, OpenDSS's own fault study 2.40–2.47 A — whatever the fault resistance. No overcurrent
element, a phase fuse, a 51P or a 51G, can see that current, and none is meant to: the
system keeps running with one phase grounded, the healthy phases at line-to-line voltage to
ground, and the fault is *detected* by the zero-sequence voltage (a 59N / 3V0 element on a
broken-delta VT, or ground-detector lamps), then found and cleared by the operator (IEEE Std
142-2007 §1.4, ungrounded systems: "some means of detecting the presence of a ground fault …
should be installed", indicating lamps or voltage relays — clause recalled, the text read in
the 1982 edition's §1.4; IEEE Std C62.92.1-2016 §4, the classes of grounding). Judging such a
fault as a reach shortfall gave the gate ``confirm: … r_fault_min_ohm`` items the fault
resistance cannot change (2.6 A at 0 Ω, 2.4 A at 20 Ω).

So, on the rows of C5 (:mod:`protv2g.checks.sensitivity`), at a fault bus with no ground path:

* an SLG fault is not judged: one ``info`` row per device names the buses, the largest
  current such a fault draws and the remedy (59N / 3V0);
* an LLG fault is not judged either: with no ground current it is the line-to-line fault of
  the same two phases, which the LL rows judge (bolted, the IEC 60909 minimum). The minimum
  case's LLG puts ``r_fault_min_ohm`` in each faulted phase (docs/opendss-phase-path.md), so
  there it would be a phase-to-phase fault through 2 R — on IEEE 37 119 A at 701 against
  2.59 kA for the LL minimum — which is no standard minimum fault (P. M. Anderson, *Analysis
  of Faulted Power Systems*, IEEE Press, the LLG fault with Zf in each phase and Zg to ground
  — recalled, chapter not checked: a minimum LLG is usually the phases bolted and the
  resistance in the ground path, Zg = R; with no ground path Zg carries nothing and the fault
  is the bolted LL one).

On an OpenDSS study the buses with no ground path are
:func:`protv2g.flow.opendss_ground.ungrounded_buses`'; on a pandapower net
:func:`protv2g.network.pp_ground.ungrounded_bus_mask`'s (from the vector groups).

References
----------
IEEE Std 142-2007 (Green Book) §1.4 — ungrounded systems, ground detection (recalled clause).
IEEE Std C62.92.1-2016 — classes of neutral grounding (ungrounded: no intentional ground).
IEEE Std C37.230-2020 §6.2 — reach of a distribution feeder's overcurrent protection (the
minimum fault of its zone), which presumes a fault current to reach.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, violation_rows
from protv2g.checks._rows import text_isin
from protv2g.violations import CheckStatus

__all__ = ["UNGROUNDED_REMEDY", "UNGROUNDED_RULE", "gate_info", "ground_fault_rows",
           "no_ground_path", "project_out", "ungrounded_bus_names", "ungrounded_mask",
           "ungrounded_rows"]

#: What detects a ground fault on an ungrounded system (IEEE Std 142-2007 §1.4, recalled).
UNGROUNDED_REMEDY = ("detect ground faults there by the zero-sequence voltage: a 59N / 3V0 "
                     "element on a broken-delta VT (or ground-detector lamps), alarm, then "
                     "locate and clear the fault (IEEE Std 142-2007 §1.4, ungrounded systems)")
#: The ``rule`` of the info rows (:func:`gate_info` finds them by it).
UNGROUNDED_RULE = "ungrounded system: ground faults detected by 3V0 (59N)"
#: ``ctx.cache`` key of the SLG and LLG rows taken out of C5 at buses with no ground path.
#: Rule source of the info rows.
_SOURCE = ("IEEE Std 142-2007 §1.4 (ungrounded systems: ground detection by voltage); "
           "IEEE Std C62.92.1-2016 (classes of grounding)")


def project_out(ctx: CheckContext, scenario: object) -> tuple[str, ...]:
    """The project's equipment out of ``scenario``'s network (review rev42b W1): the sites'
    own transformers — OpenDSS ``model_transformer`` elements, pandapower sites with an
    ``interconnection_transformer`` — that ``scenario`` does not build; ``()`` for None (the
    network as given, every site built).

    The base case is the feeder without them, a hosting search's one-site scenario without
    the other sites' (:func:`protv2g.study.dss_site_transformers.transformers_out`, the fault
    engine's parts). A scenario known by name only (hand-built tables) is the base case when
    it is its own base (``ctx.base_of``)."""
    if scenario is None:
        return ()
    study = ctx.study
    doc = getattr(study, "document", None)
    sites = list(getattr(doc, "v2g_sites", None) or [])
    sc = (getattr(ctx, "scenarios", None) or {}).get(str(scenario))
    base = sc.is_base if sc is not None else (getattr(ctx, "base_of", None) or {}).get(
        str(scenario)) == str(scenario)
    if getattr(study, "model", None) is not None:
        from protv2g.study.dss_site_transformers import site_transformer_names, transformers_out

        if sc is not None:
            return tuple(transformers_out(doc, sc))
        return tuple(site_transformer_names(doc)) if base and doc is not None else ()
    names = [s.name for s in sites if getattr(s, "interconnection_transformer", None)]
    if sc is not None and not sc.is_base:
        return tuple(n for n in names if not sc.is_built(n))
    return tuple(names) if base else ()


def ungrounded_mask(ctx: CheckContext, out: tuple[str, ...] = ()) -> pd.Series | None:
    """Bool by fault-bus key — an OpenDSS model's bus position, a pandapower net's bus index
    — True where the bus has no path to ground in the network without the project's
    equipment ``out`` (:func:`project_out`; None: neither a model nor a net)."""
    key = ("ungrounded buses", tuple(out))
    if key not in ctx.cache:
        model = getattr(ctx.study, "model", None)
        net = getattr(ctx.study, "net", None)
        mask = None
        try:
            if model is not None:
                from protv2g.flow.opendss_ground import ungrounded_buses
                from protv2g.network.dss_site_transformers import without_elements

                flags = np.asarray(ungrounded_buses(without_elements(model, out)), dtype=bool)
                mask = pd.Series(flags, index=np.arange(len(flags)))
            elif net is not None:
                from protv2g.network.pp_ground import ungrounded_bus_mask

                if out:
                    from protv2g.network.site_transformer import without_site_transformers

                    net = without_site_transformers(net, out) or net
                mask = pd.Series(np.asarray(ungrounded_bus_mask(net), dtype=bool),
                                 index=net.bus.index)
        except Exception:  # noqa: BLE001 - a model without its OpenDSS context: all grounded
            mask = None
        ctx.cache[key] = mask
    return ctx.cache[key]


def ungrounded_bus_names(study: object) -> list[str]:
    """The names of the buses with no path to ground of ``study`` (an OpenDSS model's or a
    pandapower net's, as C5 reads them: :func:`ungrounded_mask`), sorted; the result keeps
    them (``meta["ungrounded_buses"]``) so that the report draws no ground-fault marker there
    (review rev36a M2: the F-DEPOT TCC drew a delta bus's "minimum zone fault", the chargers'
    own 54 A); empty when there are none or neither a model nor a net is given."""
    mask = ungrounded_mask(_Bare(study))  # type: ignore[arg-type]
    if mask is None or not mask.any():
        return []
    return sorted({str(study.bus_name(int(b))) for b in mask.index[mask.to_numpy()]})


class _Bare:
    """What :func:`ungrounded_mask` reads of a check context: the study and a cache."""

    def __init__(self, study: object) -> None:
        self.study = study
        self.cache: dict = {}


def no_ground_path(ctx: CheckContext, fault_bus: np.ndarray,
                   scenario: np.ndarray | None = None) -> np.ndarray:
    """Whether each fault bus (``(rows,)``: model bus position or net bus index) has no path
    to ground in its row's ``scenario`` (``(rows,)`` scenario names: the base case's network
    without the project's equipment, :func:`project_out`; None: the network as given).

    Returns
    -------
    numpy.ndarray
        ``(rows,)`` bool; all False without a model or net, or for a bus outside it.
    """
    bus = np.asarray(fault_bus)
    out = np.zeros(len(bus), dtype=bool)
    if not len(bus):
        return out
    b = pd.to_numeric(pd.Series(bus), errors="coerce").to_numpy()
    if scenario is None:
        codes, names = np.zeros(len(bus), dtype=np.int64), [None]
    else:
        codes, names = pd.factorize(pd.Series(np.asarray(scenario, dtype=object)))
    for k, name in enumerate(names):
        mask = ungrounded_mask(ctx, project_out(ctx, name))
        if mask is None or not mask.any():
            continue
        at = codes == k
        hit = mask.reindex(b[at]).to_numpy()
        out[at] = pd.Series(hit).fillna(False).astype(bool).to_numpy()
    return out


def ground_fault_rows(ctx: CheckContext, m: pd.DataFrame
                      ) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame | None]:
    """C5's zone rows ``m`` without its SLG and LLG rows at buses with no ground path,
    ``(rows,)`` bool of the rows left at such buses (their 3ph and LL rows: judged by the
    phase element as anywhere), and the rows taken out (for :func:`ungrounded_rows`; None
    without any).

    Parameters
    ----------
    m : DataFrame
        C5's zone rows (``fault_bus`` model bus index, ``fault_type`` or ``fault_kind``,
        ``device``, ``fault_bus_name``, ``i_phase_a``, ``scenario``).
    """
    scenario = m.scenario.to_numpy() if "scenario" in m else None
    off = no_ground_path(ctx, m.fault_bus.to_numpy(), scenario) if "fault_bus" in m else (
        np.zeros(len(m), dtype=bool))
    if not off.any():
        return m, off, None
    kind = (m.fault_kind if "fault_kind" in m else m.fault_type).astype(str).to_numpy()
    slg = off & np.isin(kind, ("SLG", "LLG"))
    if not slg.any():
        return m, off, None
    taken = m.loc[slg, ["device", "fault_bus", "fault_bus_name", "scenario", "i_phase_a"]]
    return m.loc[~slg].reset_index(drop=True), off[~slg], taken


def _slg_current_a(ctx: CheckContext, buses: np.ndarray, scenarios: object = None) -> float:
    """The largest SLG fault current (A) the bus fault table gives at ``buses`` in
    ``scenarios`` (names; None: every scenario) — NaN when it has none. Only the scenarios
    where the buses have no ground path: with a project's grounded-wye transformer in, the
    same buses draw its zero-sequence current (review rev42b W1: 1.6 kA, not 2.4 A)."""
    b = ctx.bus_faults
    if b is None or "ikss_ka" not in b or not len(buses):
        return float("nan")
    kind = (b.fault_kind if "fault_kind" in b else b.fault_type).astype(str)
    pick = b.bus.isin(buses.tolist()) & (kind == "SLG")
    if scenarios is not None and "scenario" in b:
        pick &= b.scenario.astype(str).isin([str(x) for x in scenarios])
    sel = b[pick]
    return float(1e3 * sel.ikss_ka.max()) if len(sel) else float("nan")


def ungrounded_rows(ctx: CheckContext, taken: pd.DataFrame | None) -> pd.DataFrame:
    """One ``info`` row per device whose zones hold SLG/LLG faults at buses with no ground path
    (``taken``: the rows :func:`ground_fault_rows` took out), per base scenario of those rows;
    empty without any.
    """
    if taken is None or taken.empty:
        return violation_rows("C5", CheckStatus.INFO, frame=pd.DataFrame(index=[]))
    bases = {b for b in ctx.base_of.values() if b}
    devices, scenarios, messages, currents = [], [], [], []
    for device, g in taken.groupby("device", sort=True):
        names = sorted({str(n) for n in g.fault_bus_name.tolist()})
        i_a = _slg_current_a(ctx, g.fault_bus.unique(), g.scenario.unique())
        shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        draws = (("draws less than 0.1 A" if i_a < 0.05 else f"draws at most {i_a:.1f} A")
                 + " (the lines' charging current)" if np.isfinite(i_a)
                 else "draws the lines' charging current only")
        msg = (f"C5 ground faults not applicable to {device}: its zones hold {len(names)} "
               f"bus(es) with no path to ground ({shown}) — an ungrounded system (fed "
               "through delta or ungrounded windings, nothing grounded on it): a "
               f"single-line-to-ground fault there {draws} whatever the fault resistance "
               "(r_fault_min_ohm does not change it): no overcurrent element (phase fuse, 51P "
               "or 51G) can see it, by design. "
               f"{UNGROUNDED_REMEDY[0].upper()}{UNGROUNDED_REMEDY[1:]}. A double-line-to-"
               "ground fault there carries no ground current: it is the line-to-line fault of "
               "its two phases, judged by the LL rows.")
        in_base = sorted({str(s) for s in g.scenario.tolist()} & bases) or [""]
        for sc in in_base:
            devices.append(str(device))
            scenarios.append(sc)
            messages.append(msg)
            currents.append(i_a)
    n = len(devices)
    return violation_rows(
        "C5", CheckStatus.INFO, frame=pd.DataFrame(index=pd.RangeIndex(n)),
        scenario=np.array(scenarios, dtype=object), fault_type="SLG", device=np.array(
            devices, dtype=object), other_device="", i_device_a=np.array(currents, float),
        rule=UNGROUNDED_RULE, rule_source=_SOURCE,
        message=np.array(messages, dtype=object))


def gate_info(violations: pd.DataFrame) -> list[str]:
    """The gate's one ``info:`` line on the C5 info rows of :func:`ungrounded_rows` (review
    rev33c M1: "nothing says the feeder has no ground source"); none without them."""
    if not {"criterion", "rule", "device"} <= set(violations.columns):
        return []
    rows = violations[text_isin(violations.criterion, {"C5"})
                      & text_isin(violations.rule, {UNGROUNDED_RULE})]
    if rows.empty:
        return []
    names = sorted({str(d) for d in rows.device})
    i_a = pd.to_numeric(rows.get("i_device_a"), errors="coerce")
    most = float(i_a.max()) if i_a is not None and np.isfinite(i_a).any() else float("nan")
    # a site's own delta 480 V bus has no cable to charge: 2e-3 A (review rev36a), not "≤ 0.0 A"
    at = ("" if not np.isfinite(most) else " (< 0.1 A)" if most < 0.05
          else f" (≤ {most:.1f} A)")
    shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
    return [f"info: C5 ground faults not judged for {shown}: their zones reach buses with no "
            f"path to ground (an ungrounded, delta-fed system), where a ground fault draws the "
            f"lines' charging current only{at} — {UNGROUNDED_REMEDY} (the Findings' C5 info "
            "rows)"]
