"""C6 sympathetic tripping: a healthy device trips on current fed back through it.

For a fault, the *clearing device* is the first device on the substation's path to the fault
(nearest the fault) that operates; it clears after ``t_clear`` — its operating time, or for a
recloser its longest single shot (with instantaneous reset a relay that is fed back restarts
timing on every shot, so the longest shot is what it must ride through).

A *candidate* is a device that a V2G site's path to the fault crosses in reverse (current fed
back through it, :func:`protv2g.topology.device_chains`), that is not on the substation's path
to the fault and that stays in service after the clearing device opens (it is not behind it).
The candidate trips sympathetically when its own operating time does not exceed the clearing
time by the coordination interval of the pair (#17; before: a fixed 0.1 s):
``t < t_clear + CTI`` with CTI relay-relay (0.20 s numerical / 0.30 s electromechanical)
when a relay clears the fault, relay-fuse or relay-recloser (0.12 s / 0.22 s: the clearing
times are already interrupting times) when a fuse or recloser does
(:mod:`protv2g.checks.rule_values`); margin ``t − t_clear − CTI`` with the tolerance of both
devices' times; a fuse's clearing time is the high end of its EEI-NEMA TC band (max melt +
arcing), and a failing row that holds at the band's low end (min melt, no arcing) is flagged
``<fuse> tc: curve_band`` (:func:`protv2g.checks.tolerance.with_curve_band`). A relay with
``directional: forward``
is blocked (whether its direction is right is C9).

**Faults at the substation bus and upstream** have no modelled clearing device (no device on
the substation's path to them). A feeder relay fed back by V2G there — the mission's
"sympathetic trip", and the classic case of a site whose grounded-wye transformer feeds 3I0
back through the feeder's 51G for a ground fault on the bus (review s19, EPRI ckt24: 416 A of
3I0 through a 60 A 51G) — is judged against the substation's own protection, which is not in
the model: ``t < t_clear + CTI`` (relay–relay interval) with ``t_clear`` the study's
``checks.substation_clearing_s``; when the study does not give it, the slow end of
:data:`SUBSTATION_CLEARING_BRACKET_S` (the end at which more feeder relays trip first) and
the rows are **warnings**, saying the bracket — a stated assumption, not a standard value:
about 0.1 s for a bus or transformer differential (87B/87T: 1–2 cycles of relay and 3–5 of
breaker at 60 Hz, IEEE C37.234 and C37.91 describe the schemes) to 1.0 s for a transformer's
low-side time overcurrent that protects the bus a coordination interval above the feeder
relays (the common scheme without a bus differential).

A ground-fault row whose candidate a site with a grounded-wye transformer of its own feeds in
reverse (:func:`~protv2g.study.dss_site_transformers.grounded_site_transformers`: out of the
base case) names that transformer as the source of the 3I0 — "fed back (3I0 1445 A: depot's
transformer depot_xf (YNd) feeds 3I0 into ground faults, with the chargers idle too)" — not
"fed back by V2G" (review rev30 §1). A V2G row whose candidate trips with every charger idle
too (the site's transformer in, no charger online), its base twin not failing, is the
project's equipment's: attribution ``equipment`` ("caused by the project's equipment"), the
idle time in its message and the transformer's connection, a neutral impedance or a 67N as
the remedy, not an export limit (:mod:`protv2g.checks.equipment_rows`, review rev36a M1:
IEEE 8500's head 51G on 1,139 A of the depot YNd's 3I0 for a substation-bus ground fault).

Every candidate device C6 judges also gets ``info`` rows, per V2G scenario and element: its
worst fed-back current over the faults tried, against its pickup and time
(:mod:`.sympathetic_seen`, review rev50a #7b: "C6 passed" showed no row).

References
----------
IEEE Std 1547.2-2023 §8.3 (sympathetic tripping of adjacent feeders by DER infeed);
IEEE Std C37.230-2020 §7 (distributed generation on distribution lines).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    fmt_s,
    from_substation,
    not_applicable,
    unevaluable,
    violation_rows,
)
from protv2g.checks._keys import keys_of
from protv2g.checks._rows import column_at
from protv2g.checks.equipment_rows import mark_rows, sympathetic_idle
from protv2g.checks.pairs import tc_band_text
from protv2g.checks.rule_values import interval
from protv2g.checks.sympathetic_seen import fed_back_seen
from protv2g.checks.sympathetic_text import fed_back_texts
from protv2g.checks.tolerance import (
    combine_boundaries,
    device_boundary,
    device_tolerance_s,
    fuse_tc_band_low_s,
    rss,
    with_curve_band,
)
from protv2g.devices.kinds import kind_of
from protv2g.devices.rules import DevicePair
from protv2g.directional import is_forward_directional
from protv2g.units import Direction
from protv2g.violations import CheckStatus

__all__ = ["check_sympathetic", "clearing_devices", "SUBSTATION_CLEARING_BRACKET_S",
           "SUBSTATION_PROTECTION"]

#: Clearing time of a substation-bus fault by protection the model does not hold, s: a bus or
#: transformer differential (fast end) to the transformer's low-side time overcurrent (slow
#: end); module docstring. The study's ``checks.substation_clearing_s`` replaces it.
SUBSTATION_CLEARING_BRACKET_S = (0.1, 1.0)
#: The ``other_device`` of a C6 row whose fault only the substation's protection clears.
SUBSTATION_PROTECTION = "substation protection (not modelled)"

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]


def clearing_devices(ctx: CheckContext) -> pd.DataFrame:
    """The device that clears each fault: ``_KEYS`` + ``clearing_device``, ``t_clear_s``,
    ``i_clear_a``; sorted by ``_KEYS``."""
    rows = _clearing_rows(ctx)
    if rows is None:
        return _clearing_by_merge(ctx, _substation_paths(ctx))
    f = ctx.faults
    return pd.DataFrame({**{c: column_at(f[c], rows) for c in _KEYS},
                         "clearing_device": column_at(f.device, rows),
                         "t_clear_s": f.t_clear_s.to_numpy()[rows],
                         "i_clear_a": f.i_phase_a.to_numpy()[rows]})


def _on_substation_path(ctx: CheckContext) -> np.ndarray:
    """Rows of ``ctx.chains`` whose source is a substation (made once per context)."""
    if "sub mask" not in ctx.cache:
        ctx.cache["sub mask"] = from_substation(ctx.chains)
    return ctx.cache["sub mask"]


def _substation_paths(ctx: CheckContext) -> pd.DataFrame:
    """Forward chain rows from a substation: ``fault_bus, device, order`` (made once per
    context, shared by both brackets)."""
    if "substation paths" not in ctx.cache:
        ch = ctx.chains
        ctx.cache["substation paths"] = ch[
            _on_substation_path(ctx) & (ch.direction == Direction.FORWARD.value).to_numpy()][
            ["fault_bus", "device", "order"]]
    return ctx.cache["substation paths"]


def _clearing_rows(ctx: CheckContext) -> np.ndarray | None:
    """The fault table's row of each fault's clearing device, in fault-code order (= sorted
    by ``_KEYS``), on the context's integer codes (#21: a merge and a sort on the object
    keys, per bracket); ``None`` without codes or with a device twice on one bus's
    substation paths (several substations): then :func:`_clearing_by_merge`."""
    sub = _substation_paths(ctx)
    k = keys_of(ctx)
    if k is None or sub.duplicated(["fault_bus", "device"]).any():
        return None
    f = ctx.faults
    if "clearing places" not in ctx.cache:  # the same in both brackets (#21)
        code = k.device_codes(sub.device)
        known = code >= 0
        places = pd.Index(k.place(sub.fault_bus.to_numpy()[known], code[known]))
        ctx.cache["clearing places"] = (
            places.get_indexer(k.row_places(f.fault_bus.to_numpy())),
            sub.order.to_numpy()[known])
    at, sub_order = ctx.cache["clearing places"]
    rows = np.flatnonzero((at >= 0) & np.isfinite(f.t_clear_s.to_numpy(dtype=float)))
    order = sub_order[at[rows]]
    rows = rows[np.lexsort((order, k.fault[rows]))]  # by fault, nearest the fault first
    fault = k.fault[rows]
    return rows[np.r_[True, fault[1:] != fault[:-1]]] if len(rows) else rows


def _clearing_by_merge(ctx: CheckContext, sub: pd.DataFrame) -> pd.DataFrame:
    """:func:`clearing_devices` joined on the key columns (a table without integer keys, or
    a device twice on one bus's substation paths: several substations)."""
    m = sub.merge(ctx.faults[[*_KEYS, "device", "t_clear_s", "i_phase_a"]],
                  on=["fault_bus", "device"])
    m = m[np.isfinite(m.t_clear_s.to_numpy(dtype=float))]
    m = m.sort_values([*_KEYS, "order"], kind="stable").drop_duplicates(_KEYS)
    return m.rename(columns={"device": "clearing_device", "t_clear_s": "t_clear_s",
                             "i_phase_a": "i_clear_a"})[[*_KEYS, "clearing_device",
                                                         "t_clear_s", "i_clear_a"]]


def _candidates(ctx: CheckContext) -> pd.DataFrame:
    """(fault_bus, device) fed back from a V2G site, not on the substation path (made once
    per context, shared by both brackets)."""
    if "candidates" not in ctx.cache:
        ctx.cache["candidates"] = _find_candidates(ctx)
    return ctx.cache["candidates"]


def _find_candidates(ctx: CheckContext) -> pd.DataFrame:
    ch = ctx.chains
    is_sub = _on_substation_path(ctx)
    back = ch[~is_sub & (ch.direction == Direction.REVERSE.value).to_numpy()][
        ["fault_bus", "device"]]
    on_sub = ch[is_sub][["fault_bus", "device"]].assign(_sub=True)
    back = back.drop_duplicates().merge(on_sub, how="left", on=["fault_bus", "device"])
    return back[back._sub.isna()][["fault_bus", "device"]]


def check_sympathetic(ctx: CheckContext) -> pd.DataFrame:
    """C6 violation rows (see the module docstring)."""
    cand = _candidates(ctx)
    if cand.empty:
        return not_applicable("C6", "no device carries current fed back by a V2G site for a "
                              "fault off the substation's path through it")
    if ctx.faults is None:
        return could_not("C6", "no fault result (engine device table)")
    rows = [unevaluable(ctx, "C6", sorted(set(cand.device)))]
    directional = {d.name for d in ctx.study.document.devices if is_forward_directional(d)}
    cand = cand[cand.device.isin(list(ctx.devices)) & ~cand.device.isin(list(directional))]
    if cand.empty:
        return concat(rows)
    tried: list[pd.DataFrame] = []  # the candidate rows judged: what C6 tried (rev50a #7b)
    rows.append(_substation_rows(ctx, cand, tried))
    m = _candidate_rows(ctx, cand)
    rows.append(fed_back_seen(ctx, [*tried, m]))
    cti, rule_src, tol, bnd = _intervals(ctx, m)
    t = m.t_op_s.to_numpy(dtype=float)
    margin = t - m.t_clear_s.to_numpy(dtype=float) - cti
    sel = np.isfinite(t) & (margin < -1e-9)
    bad = m[sel]
    if bad.empty:
        return concat(rows)
    cti, rule_src, tol, bnd, margin = cti[sel], rule_src[sel], tol[sel], bnd[sel], margin[sel]
    low = _clearing_band_low_s(ctx, bad)  # a clearing fuse's TC band (nan for other devices)
    bnd = with_curve_band(bnd, bad.clearing_device.to_numpy(), margin,
                          bad.t_op_s.to_numpy(dtype=float) - low - cti)
    fed = fed_back_texts(ctx, bad)
    msgs = [
        f"{r.device} trips in {fmt_s(r.t_op_s)} on {r.i_phase_a:.0f} A {fb} "
        f"for {ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)}"
        f" in the zone of {r.clearing_device} {ctx.export_text(r.scenario)}; {r.clearing_device} "
        f"clears in {fmt_s(r.t_clear_s)} and needs {c:g} s coordination interval"
        + tc_band_text(SimpleNamespace(primary=r.clearing_device, t_primary_s=r.t_clear_s,
                                       t_primary_band_low_s=lo, margin_s=mg))
        for r, c, lo, mg, fb in zip(bad.itertuples(index=False), cti, low, margin, fed,
                                    strict=True)]
    rows.append(violation_rows(
        "C6", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=bad.fault_bus_name.to_numpy(), fault_type=bad.fault_type.to_numpy(),
        case=bad.case.to_numpy(), device=bad.device.to_numpy(),
        other_device=bad.clearing_device.to_numpy(), i_device_a=bad.i_phase_a.to_numpy(),
        i_other_a=bad.i_clear_a.to_numpy(), t_device_s=bad.t_op_s.to_numpy(),
        t_other_s=bad.t_clear_s.to_numpy(), margin=margin, limit=cti, tolerance=tol,
        rule="coordination_interval", rule_value=cti, rule_source=rule_src, data_boundary=bnd,
        message=msgs))
    # tripping with every charger idle too: the project's equipment's (review rev36a M1)
    mark_rows(rows[-1], *sympathetic_idle(ctx, bad, cti))
    return concat(rows)


def _clearing_band_low_s(ctx: CheckContext, rows: pd.DataFrame) -> np.ndarray:
    """The low end of the clearing fuse's total-clearing band on each of ``rows`` (failing
    C6 rows), from the fuse's staged minimum melt at that fault; NaN where a relay or
    recloser clears (:func:`protv2g.checks.tolerance.fuse_tc_band_low_s`)."""
    fuses = [n for n in rows.clearing_device.unique()
             if n in ctx.devices and kind_of(ctx.devices[n]).role == "fuse"]
    if not fuses:
        return np.full(len(rows), np.nan)
    f = ctx.faults
    own = f[f.device.isin(fuses)][[*_KEYS, "device", "t_mm_s", "t_tc_s"]]
    at = rows[_KEYS].assign(device=rows.clearing_device.to_numpy()).merge(
        own.drop_duplicates([*_KEYS, "device"]), how="left", on=[*_KEYS, "device"])
    return fuse_tc_band_low_s(ctx, at.device.to_numpy(), at.t_mm_s.to_numpy(dtype=float),
                              at.t_tc_s.to_numpy(dtype=float))


def _candidate_rows(ctx: CheckContext, cand: pd.DataFrame) -> pd.DataFrame:
    """The candidates' fault rows with the fault's clearing device, less those behind it."""
    f = ctx.faults
    cols = ["device", "fault_bus_name", "i_phase_a", "i_ground_a", "t_op_s"]
    behind = _substation_paths(ctx)[["device", "fault_bus"]]
    bus_of = {n: s.bus for n, s in ctx.study.device_sites.items()}
    k, clr = keys_of(ctx), _clearing_rows(ctx)
    if clr is not None:
        code = k.device_codes(cand.device)
        cand_places = pd.Index(k.place(cand.fault_bus.to_numpy()[code >= 0], code[code >= 0]))
    if clr is None or cand_places.has_duplicates:  # joined on the key columns
        m = cand.merge(f[[*_KEYS, *cols]], on=["fault_bus", "device"])
        m = m.merge(clearing_devices(ctx), on=_KEYS)
        behind = behind.rename(columns={"device": "clearing_device", "fault_bus": "_bus"})
        m["_bus"] = m.device.map(bus_of)
        m = m.merge(behind.assign(_behind=True), how="left", on=["clearing_device", "_bus"])
        return m[m._behind.isna()]
    # on the integer codes (#21): the candidates' rows in the candidates' order (as the
    # inner join did), each fault's clearing row by its fault code, "behind" as places;
    # the candidates' rows the same in both brackets (``ctx.cache``, #21)
    known = ctx.cache.get("candidate rows")
    if known is None or not np.array_equal(known[0], cand_places.to_numpy()):
        at = cand_places.get_indexer(k.row_places(f.fault_bus.to_numpy()))
        rows = np.flatnonzero(at >= 0)
        known = ctx.cache["candidate rows"] = (cand_places.to_numpy(),
                                               rows[np.argsort(at[rows], kind="stable")])
    rows = known[1]
    of_fault = np.full(k.n_faults, -1, dtype=np.int64)
    of_fault[k.fault[clr]] = clr
    clr_rows = of_fault[k.fault[rows]]
    rows, clr_rows = rows[clr_rows >= 0], clr_rows[clr_rows >= 0]
    bus = pd.Series(column_at(f.device, rows)).map(bus_of).to_numpy(dtype=np.int64)
    code = k.device_codes(behind.device)
    off = ~np.isin(k.place(bus, k.device[clr_rows]),
                   k.place(behind.fault_bus.to_numpy()[code >= 0], code[code >= 0]))
    rows, clr_rows = rows[off], clr_rows[off]
    take = {c: column_at(f[c], rows) for c in ["fault_bus", *_KEYS, *cols]}
    return pd.DataFrame({**take, "clearing_device": column_at(f.device, clr_rows),
                         "t_clear_s": f.t_clear_s.to_numpy()[clr_rows],
                         "i_clear_a": f.i_phase_a.to_numpy()[clr_rows]})


#: The coordination interval's pair kind by the clearing device's role (C6 candidates are
#: time-overcurrent devices: relays, or reclosers on an electronic control).
_PAIR_OF_ROLE = {"relay": DevicePair.RELAY_RELAY, "fuse": DevicePair.RELAY_FUSE,
                 "recloser": DevicePair.RELAY_RECLOSER}


def _roles(ctx: CheckContext) -> dict[str, str]:
    """Each modelled device's role (``relay``, ``fuse``, ``recloser`` …) by name."""
    return {n: kind_of(d).role for n, d in ctx.devices.items()}


def _interval_rows(ctx: CheckContext, role: dict[str, str], device: np.ndarray,
                   clear_role: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordination interval (s) and its source on each row: candidate ``device`` (n,)
    against a clearing device of role ``clear_role`` (n,), ``role`` being :func:`_roles`:
    the pair kind by that role (:data:`_PAIR_OF_ROLE`), a recloser candidate's technology
    numerical (an electronic control), else the study's.

    :func:`~protv2g.checks.rule_values.interval` reads only the pair kind, the technology and
    the study's ``checks`` (overrides), so it is asked once per distinct (pair, technology)
    and the value spread to the rows by an integer code (#21: once per row it was 35,470
    calls per bracket on EPRI ckt5, ≈ 23 % of a profiled check run).

    Raises
    ------
    KeyError
        A clearing role outside :data:`_PAIR_OF_ROLE` (as the per-row look-up did).
    """
    cti, src = np.zeros(len(device)), np.full(len(device), "", dtype=object)
    if not len(device):
        return cti, src
    dev_code, dev_names = pd.factorize(device, use_na_sentinel=False)
    numerical = np.array([role.get(n) == "recloser" for n in dev_names], dtype=bool)[dev_code]
    role_code, role_names = pd.factorize(clear_role, use_na_sentinel=False)
    key = role_code * 2 + numerical
    for k in np.unique(key):
        r = interval(ctx, _PAIR_OF_ROLE[role_names[k // 2]], "numerical" if k % 2 else None)
        at = key == k
        cti[at], src[at] = r.value, r.source
    return cti, src


def _intervals(ctx: CheckContext, m: pd.DataFrame
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coordination interval (s) and its source for each (candidate, clearing device) row —
    by the clearing device's role: relay-relay (its breaker time counts), relay-fuse or
    relay-recloser (clearing times already); a recloser candidate has an electronic control
    (numerical) — and the margin's tolerance and data boundary."""
    role = _roles(ctx)
    # each distinct clearing device's role once, spread to the rows by its code (#21)
    clear_code, clear_names = pd.factorize(m.clearing_device, use_na_sentinel=False)
    clear_role = np.array([role.get(c, "relay") for c in clear_names], dtype=object)
    cti, src = _interval_rows(ctx, role, m.device.to_numpy(), clear_role[clear_code])
    clear_which = np.select([clear_role == "recloser", clear_role == "fuse"],
                            ["delayed", "tc"], "op")[clear_code]
    tol_c = device_tolerance_s(ctx, m.device.to_numpy(), m.i_phase_a.to_numpy(), "op")
    tol_k = np.zeros(len(m))
    bnd_k = np.full(len(m), "", dtype=object)
    for w in np.unique(clear_which):
        sel = clear_which == w
        tol_k[sel] = device_tolerance_s(ctx, m.clearing_device.to_numpy()[sel],
                                        m.i_clear_a.to_numpy()[sel], str(w))
        bnd_k[sel] = device_boundary(ctx, m.clearing_device.to_numpy()[sel],
                                     m.i_clear_a.to_numpy()[sel],
                                     np.zeros(int(sel.sum())), str(w))
    bnd_c = device_boundary(ctx, m.device.to_numpy(), m.i_phase_a.to_numpy(),
                            m.i_ground_a.to_numpy(), "op")
    return cti, src, rss(tol_c, tol_k), combine_boundaries(bnd_c, bnd_k)


def _substation_rows(ctx: CheckContext, cand: pd.DataFrame,
                     tried: list[pd.DataFrame]) -> pd.DataFrame:
    """C6 rows for faults no modelled device clears (the substation bus and upstream): the
    candidates fed back there against the substation's own protection (module docstring);
    the candidates' rows, with that clearing, appended to ``tried``."""
    f = ctx.faults
    served = pd.unique(_substation_paths(ctx).fault_bus)
    buses = pd.unique(f.fault_bus)
    off = buses[~pd.Index(buses).isin(served)]
    cand = cand[cand.fault_bus.isin(off)]
    if cand.empty:
        return pd.DataFrame()
    cols = ["device", "fault_bus_name", "i_phase_a", "i_ground_a", "t_op_s"]
    # the off buses' rows column by column (#21: ``f.loc[mask, columns]`` read the fault
    # table's 911,767 rows per bracket at 10,000 buses for 181 rows)
    at = np.flatnonzero(f.fault_bus.isin(off).to_numpy())
    m = cand.merge(pd.DataFrame({c: f[c].iloc[at] for c in [*_KEYS, *cols]}),
                   on=["fault_bus", "device"])
    t = m.t_op_s.to_numpy(dtype=float)
    given = ctx.thresholds.substation_clearing_s
    t_clear = float(given) if given is not None else SUBSTATION_CLEARING_BRACKET_S[1]
    tried.append(m.assign(clearing_device=SUBSTATION_PROTECTION, t_clear_s=t_clear))
    cti, rule_src = _interval_rows(ctx, _roles(ctx), m.device.to_numpy(),
                                   np.full(len(m), "relay", dtype=object))
    margin = t - t_clear - cti
    sel = np.isfinite(t) & (margin < -1e-9)
    bad = m[sel]
    if bad.empty:
        return pd.DataFrame()
    cti, margin = cti[sel], margin[sel]
    basis = ("checks.substation_clearing_s" if given is not None else
             f"assumed: the slow end of {SUBSTATION_CLEARING_BRACKET_S[0]:g}–"
             f"{SUBSTATION_CLEARING_BRACKET_S[1]:g} s (bus or transformer differential to the "
             "transformer's low-side time overcurrent); give checks.substation_clearing_s")
    src = np.array([f"{r}; substation clearing {basis}" for r in rule_src[sel]], dtype=object)
    dev, i_a = bad.device.to_numpy(), bad.i_phase_a.to_numpy()
    fed = fed_back_texts(ctx, bad)
    msgs = [
        f"{r.device} trips in {fmt_s(r.t_op_s)} on {r.i_phase_a:.0f} A {fb} "
        f"for {ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)}"
        f" {ctx.export_text(r.scenario)}, where no clearing device is modelled: the substation's "
        f"protection clears in {t_clear:g} s ({basis}) and needs {c:g} s coordination interval"
        for r, c, fb in zip(bad.itertuples(index=False), cti, fed, strict=True)]
    out = violation_rows(
        "C6", CheckStatus.FAIL if given is not None else CheckStatus.WARN, frame=bad,
        scenario=bad.scenario.to_numpy(), fault_bus=bad.fault_bus_name.to_numpy(),
        fault_type=bad.fault_type.to_numpy(), case=bad.case.to_numpy(), device=dev,
        other_device=SUBSTATION_PROTECTION, i_device_a=i_a, t_device_s=bad.t_op_s.to_numpy(),
        t_other_s=t_clear, margin=margin, limit=cti,
        tolerance=device_tolerance_s(ctx, dev, i_a, "op"), rule="coordination_interval",
        rule_value=cti, rule_source=src,
        data_boundary=device_boundary(ctx, dev, i_a, bad.i_ground_a.to_numpy(), "op"),
        message=msgs)
    mark_rows(out, *sympathetic_idle(ctx, bad, cti, t_clear))  # rev36a M1, as above
    return out

