"""C10 reclosing vs anti-islanding.

C10: a reclosing device (recloser, or relay with ``reclose_intervals_s``) with V2G behind it
must wait longer than the chargers need to cease to energise the island:
``first reclose interval > cease_to_energize_s + reclose_margin_s`` (default 2 s + 0.5 s;
the 2 s is IEEE 1547-2018 §8.1, the 0.5-s margin has no published value and is bracketed
0.2-1.0 s, :data:`protv2g.checks.rule_values.RECLOSE_MARGIN_BRACKET_S`); otherwise it may
reclose out of phase onto the still-energised island (``fail``). A failing row carries the
margin as its rule (``reclose_margin_s``, value, source) and its message says which end of
the bracket decides it: fails with no margin at all, fails at both ends, or holds at the low
end (the choice of margin decides). One row per (device, site) **in every scenario where the
site exports** (every export level and participation case, not only the largest: the risk
exists as soon as the site energises the island, and the hosting search needs the row at
each level). Its scenario text names the sites behind the device only (review rev33a F2:
ckt24's recloser rows named the depot, which is not behind it); the gate says one line per
device (:data:`protv2g.gate_reasons.PER_DEVICE_CRITERIA`: the first reclose is one setting
of the device, whichever sites are behind it), the Findings one finding per site.

A relay with V2G behind it whose study-file entry does not say ``reclose_intervals_s`` (a
feeder breaker's reclosing is not declared) gets a ``not_evaluated`` row: C10 cannot tell
whether it recloses out of phase onto an island, so the gate cannot pass the study (it says
ERROR with this row's message: a gate that could not evaluate something never says PASS);
write ``reclose_intervals_s: []`` for a breaker that does not reclose, or its intervals. (Until
2026-12-01 the row was a ``warn``, and the default gate passed a study with it.)

The feeder's **existing DER** behind a reclosing device (PV ``sgen``; on an OpenDSS feeder its
PV systems, storage and generators, as C11 counts them; a machine the model writes as a
Vsource, :mod:`.reclosing_sources`) has the same exposure, V2G or not
(review s18: EPRI J1's 1.9 MW of PV behind a breaker reclosing at 0.5 s): it gets a row in
every scenario, the base cases included, with the 2 s of IEEE 1547-2018 §8.1 as its cease
time (:data:`EXISTING_DER_CEASE_S`; an older unit's own setting is not known), attributed
``pre-existing`` by the comparison with the base case; and a V2G site's row behind the same
device whose cease time is no longer than that is ``pre-existing`` too (set here: the site
adds no exposure the device does not already have — the first reclose needs changing with or
without it), its message saying so — unless V2G adds generation that matters.

**More generation on the island** (review rev42a M8, EPRI J1 with the first reclose at 0.5 s:
the depot's 1.53 MW raised the island's DER from 1.81 to 3.34 MW and the only C10 line said
"pre-existing"). The margin of such a row does not move with V2G (the same 2 s against the same
reclose), but the island the reclose may meet out of phase holds more generation: where the
row's V2G export behind the device is at least
:data:`~protv2g.checks.attribution_share.MATERIAL_SHARE` (10 %, the share the attribution and
the hosting search use for a V2G-caused change, with its sources) of the existing DER behind
it, the row is ``worse`` (a fail the gate attributes to V2G, "made worse by V2G"), its message
naming the existing DER's figure and its own row's margin, the DER before and with V2G and V2G's
share of it; below that share it stays ``pre-existing``, the message giving the same figures.

**A small DER under a large load** (review rev40a M4, EPRI J1: 21.6 kW of home chargers
behind RC-MID with 0.534 MW of minimum load failed on the 2-s bound): the island's voltage
collapses, and the unit's UV2 trip (its ``ride_through_category``, IEEE 1547-2018 Tables 11–13,
or its ``voltage_trip``) ends the island within UV2's clearing time. A V2G row's window is
then that clearing time (no longer than the declared cease time) where the collapsed voltage at
the highest-voltage end of the load-model bracket is below UV2's pickup, else the declared
``cease_to_energize_s`` (:mod:`protv2g.checks.island_collapse`); the message says which, with
the figures, what it rests on, and when the cease time or category was drafted by init (a
``# TODO`` on it). The island's load is, phase by phase, the model's own share of the minimum
load behind the device (:mod:`protv2g.checks.island_phase_load`; a site on several phases:
the phase giving the highest voltage), its V2G the chargers online in the row's scenario at
their *sustained* current limit (the first-cycle limit bounds the first cycle only), the high
end of it deciding and the row saying whether the low end would credit UV2
(:mod:`protv2g.checks.island_window`, its ``bracket`` cell); a bound above the unit's OV2
pickup ends no island by UV and credits no OV2 trip either (the cease time stays the
window). A row the UV2 trip decides carries ``mechanism``
:data:`~protv2g.checks.island_collapse.UV2_TRIP`: it rests on the UV2 setting, the sustained
current limit and the minimum load, and :mod:`protv2g.input_basis` names
those, not ``cease_to_energize_s`` (review ver40b M). Not with existing DER behind the
device, and not for the existing DER's own rows: their current limit and trip settings are
not known (an OpenDSS PV system carries no IEEE 1547 category), so they keep the 2 s of §8.1.

References
----------
IEEE Std 1547-2018 Tables 11–13 (default UV2 trip settings); §8.1 (unintentional islanding,
cease to energise within 2 s) and §6.3 (reclosing coordination).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from protv2g.checks._common import CheckContext, concat, not_applicable, violation_rows
from protv2g.checks.attribution_share import MATERIAL_SHARE
from protv2g.checks.island_collapse import UV2_TRIP
from protv2g.checks.island_phase_load import phase_load_shares, primary_conductors
from protv2g.checks.island_window import IslandWindow, island_window
from protv2g.checks.islanding import bus_power_mw, min_load_mw, sum_behind_mw
from protv2g.checks.reclosing_sources import existing_vsources, vsource_rows
from protv2g.checks.rule_values import reclose_margin
from protv2g.network.dss_voltage_relays import voltage_relays
from protv2g.study.todos import todo_items
from protv2g.units import DeviceKind
from protv2g.violations import CheckStatus

__all__ = ["check_reclosing", "EXISTING_DER_CEASE_S", "EXISTING_DER", "UV2_TRIP"]

#: Cease-to-energise time assumed for the feeder's existing DER, s: the IEEE 1547-2018 §8.1.2
#: limit for unintentional islanding (its anti-islanding clearing time is not in a model; a
#: voltage relay of the model is named, not evaluated: :func:`_der_setting_text`).
EXISTING_DER_CEASE_S = 2.0
#: ``other_device`` of the existing DER's C10 rows.
EXISTING_DER = "existing DER"


def _reclose_intervals(device: object) -> tuple[float, ...]:
    return tuple(getattr(device, "reclose_intervals_s", ()) or ())


def _undeclared(ctx: CheckContext, dev: object, sites: list[str]) -> pd.DataFrame:
    bus = ctx.study.device_sites[dev.name].bus
    rows = violation_rows(
        "C10", CheckStatus.NOT_EVALUATED, device=dev.name, other_device=", ".join(sites),
        fault_bus=ctx.bus_name(bus),
        message=(f"could not evaluate C10: {dev.name} has V2G behind it ({', '.join(sites)}) "
                 "but its reclosing is not declared, so whether it recloses out of phase onto "
                 "an island is unknown; "
                 "give reclose_intervals_s (its breaker's reclose intervals, s), or an empty "
                 "list (reclose_intervals_s: []) when it does not reclose"))
    # the question exists only because V2G sites are behind the breaker: attributed ``new``
    # (:mod:`protv2g.checks.attribution` keeps an attribution a check has set)
    return rows.assign(attribution="new")


def _bracket_text(first_s: float, cease_s: float, rule: object, who: str = "the site"
                  ) -> str:
    """Which end of the reclose-margin bracket decides a failing row ("" when overridden);
    ``who`` ceases (the site, the existing DER)."""
    if rule.overridden or rule.bracket is None:
        return ""
    lo, hi = rule.bracket
    if first_s <= cease_s:
        when = "before" if first_s < cease_s - 1e-9 else "as"  # review s17: both at 2.0 s
        return (f"; fails with no margin at all: it recloses {when} {who} "
                f"ceases, whatever margin of the bracket {lo:g}-{hi:g} s is required")
    if first_s > cease_s + lo:  # review ver40b M: J1 F03, decided by the margin alone
        return (f"; the choice of margin decides this row: it fails at {rule.value:g} s (the "
                f"margin used) as at the bracket's high end {hi:g} s (needs > "
                f"{cease_s + hi:g} s) and holds at its low end {lo:g} s (needs > "
                f"{cease_s + lo:g} s): the fail is the high end's; confirm {rule.name} (no "
                "published value)")
    return f"; fails at both ends of the margin bracket {lo:g}-{hi:g} s"


def _screen_text(ctx: CheckContext, device: str, der_mw: float, min_mw: float,
                 until: str = "cease-to-energise") -> str:
    """Where the DER behind ``device`` stands against C11's island screen (review s27 §7,
    EPRI J1: 0.30 MW of V2G against ≈ 1.9 MW of minimum load behind the head relay, ratio
    0.16, was not said): context for the reclose row, which stands either way — the
    screen (Sandia SAND2012-1365, one third of the minimum load) says whether a *sustained*
    island is plausible; the reclose is judged on the cease-to-energise time the site
    declares (IEEE 1547-2018 §8.1), which is how long it may energise an island at all."""
    if min_mw <= 0:
        return f"; no load behind {device}: an island of the DER alone"
    ratio, screen = der_mw / min_mw, ctx.thresholds.island_load_ratio
    basis = f"({screen:.2g} × minimum load, Sandia SAND2012-1365)"
    where = (f"under the island screen {basis}: a sustained island is unlikely; the window up "
             f"to {until} remains" if ratio <= screen else
             f"over the island screen {basis}: a sustained island is not ruled out (C11)")
    return (f"; DER behind {device} {der_mw:.3g} MW against its minimum load "
            f"{min_mw:.3g} MW: ratio {ratio:.2g}, {where}")


def _drafted_site_fields(ctx: CheckContext) -> dict[str, set[str]]:
    """Site name → its fields ``protv2g init`` drafted (a ``# TODO`` on them in the study
    file, :func:`protv2g.study.todos.todo_items`), the file's own site order mapped to names
    (a study varied in memory may order its sites otherwise); under ``""`` the study-wide
    ``light_load_fraction`` when drafted (the minimum load); empty without a file."""
    path = getattr(ctx.study, "path", None)
    items = todo_items(path) if path else []
    if not items:
        return {}
    try:
        # libyaml's parser where PyYAML has it, as todo_items reads the same file (#21: the
        # pure-Python one 0.03 s of CPU on the IEEE 8500 draft, once per check run)
        raw = yaml.load(Path(path).read_text(encoding="utf-8"),
                        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    names = [str(s.get("name")) for s in raw.get("v2g_sites") or [] if isinstance(s, dict)]
    out: dict[str, set[str]] = {}
    for item in items:
        if str(item.field).startswith("scenarios.light_load_fraction"):
            out.setdefault("", set()).add("light_load_fraction")
        head, _, rest = str(item.field).partition("].")
        if head.startswith("v2g_sites[") and head[10:].isdigit() and int(head[10:]) < len(names):
            out.setdefault(names[int(head[10:])], set()).add(rest.split(" ")[0])
    return out


def _first_cycle_s(study: object) -> float:
    """One cycle of the system frequency, s: the fault engine's first stage (``1/f``, the
    OpenDSS model's or the pandapower net's ``f_hz``, 60 Hz where neither says)."""
    net = getattr(study, "model", None)
    net = getattr(study, "net", None) if net is None else net
    return 1.0 / float(getattr(net, "f_hz", 60.0) or 60.0)


def check_reclosing(ctx: CheckContext) -> pd.DataFrame:
    """C10 violation rows (see the module docstring)."""
    rule = reclose_margin(ctx)
    sites = {s.name: s for s in ctx.study.document.v2g_sites}
    load_mw, gen_mw = bus_power_mw(ctx)
    rows = []
    applies = False
    drafted: dict[str, set[str]] | None = None
    first_cycle_s = _first_cycle_s(ctx.study)
    held = ctx.study.document.faults.high_bracket == "first_cycle_held"
    for dev in ctx.study.document.devices:
        behind = ctx.downstream(dev.name)
        names = [n for n, bus in ctx.study.site_buses.items() if bus in behind]
        der_mw = sum_behind_mw(gen_mw, behind) if behind else 0.0
        if der_mw > 0 and _reclose_intervals(dev):
            applies = True
            rows.append(_existing_der_rows(ctx, dev, der_mw, rule))
        vsources = existing_vsources(ctx, behind) if _reclose_intervals(dev) else []
        if vsources:  # a machine written as a Vsource: never ceases in the model (rev45a M6)
            applies = True
            first = _reclose_intervals(dev)[0]
            rows.append(vsource_rows(
                ctx, dev.name, first, EXISTING_DER_CEASE_S, rule, vsources,
                _bracket_text(first, EXISTING_DER_CEASE_S, rule, "the existing source"),
                _der_setting_text(ctx, behind)))
        if not names:
            continue
        intervals = _reclose_intervals(dev)
        if not intervals:
            if dev.kind is DeviceKind.RELAY and "reclose_intervals_s" not in \
                    dev.model_fields_set:
                rows.append(_undeclared(ctx, dev, names))
                applies = True
            continue  # single-shot recloser or declared non-reclosing breaker
        first = intervals[0]
        min_mw = min_load_mw(ctx, load_mw, behind)
        shares = None
        for name in names:
            applies = True
            if drafted is None:
                drafted = _drafted_site_fields(ctx)
            if shares is None:
                shares = phase_load_shares(ctx.study, dev.name)
                # each site on the primary phase(s) it draws from (rev51 #5)
                primary = {n: primary_conductors(ctx.study, sites[n]) for n in names}
            bus = ctx.study.site_buses[name]
            windows: dict[tuple, IslandWindow] = {}
            for sc in ctx.scenarios.values():
                p_kw = next((st.p_export_kw for st in sc.sites if st.site == name), 0.0)
                if p_kw <= 0:
                    continue
                # the chargers online in this scenario, as its fault source counts them
                online = {st.site: (st.n_online if st.n_online is not None else
                                    st.p_available_kw / sites[st.site].p_charger_kw)
                          for st in sc.sites if st.site in names and st.p_export_kw > 0}
                key = tuple(sorted(online.items()))
                if key not in windows:
                    windows[key] = island_window(
                        sites[name], [sites[n] for n in names], online, min_mw, der_mw,
                        drafted.get(name, set()) | drafted.get("", set()), shares,
                        first_cycle_s, held, primary)
                cease, why, by_uv2, ends = windows[key]
                need = cease + rule.value
                if first > need:
                    continue
                # the existing DER behind it already has this exposure (module docstring)
                there = der_mw > 0 and cease <= EXISTING_DER_CEASE_S
                until = "its UV2 trip" if by_uv2 else "cease-to-energise"
                v2g_mw = sum(st.p_export_kw for st in sc.sites if st.site in names) / 1000
                also, worse = (_existing_der_text(dev.name, der_mw, v2g_mw, first - need)
                               if there else ("", False))
                row = violation_rows(
                    "C10", CheckStatus.FAIL, scenario=sc.name, device=dev.name,
                    other_device=name, t_device_s=first,
                    t_other_s=cease, margin=first - need,
                    limit=need, tolerance=0.0, fault_bus=ctx.bus_name(bus), rule=rule.name,
                    rule_value=rule.value, rule_source=rule.source,
                    mechanism=UV2_TRIP if by_uv2 else "", bracket=ends,
                    message=(f"{dev.name} recloses after {first:g} s but site {name} at "
                             f"{ctx.bus_name(bus)} may energise the island for up to "
                             f"{cease:g} s, {ctx.export_text(sc.name, names)}: "
                             f"out-of-phase reclosing risk (needs > {need:g} s)"
                             f"{_bracket_text(first, cease, rule)}; the {cease:g} s is {why}"
                             f"{_screen_text(ctx, dev.name, v2g_mw + der_mw, min_mw, until)}"
                             f"{also}"))
                rows.append(row.assign(attribution="worse" if worse else "pre-existing")
                            if there else row)
    if not applies:
        return not_applicable("C10", "no reclosing device has a V2G site or existing DER "
                              "behind it")
    return concat(rows)


def _existing_der_text(device: str, der_mw: float, v2g_mw: float, margin_s: float
                       ) -> tuple[str, bool]:
    """The tail of a V2G site's C10 row behind ``device`` whose existing DER (``der_mw``, MW)
    has the exposure without V2G (its own row's margin ``margin_s``, s), and whether the row
    is ``worse`` (module docstring, "More generation on the island"): V2G (``v2g_mw``, MW,
    the row's export behind the device) adds at least
    :data:`~protv2g.checks.attribution_share.MATERIAL_SHARE` of the existing DER.

    >>> text, worse = _existing_der_text("head", 1.81, 1.53, -2.0)
    >>> worse, text.partition("island's DER ")[2]
    (True, 'from 1.81 to 3.34 MW (+84.5 %, over the 10 % materiality share; 45.8 % of it V2G): \
made worse by V2G')
    >>> _existing_der_text("head", 1.81, 0.0432, -2.0)[0].partition("island's DER ")[2]
    'from 1.81 to 1.85 MW (+2.39 %, under the 10 % materiality share; 2.33 % of it V2G): \
pre-existing'
    """
    rise, total = v2g_mw / der_mw, der_mw + v2g_mw
    worse = rise >= MATERIAL_SHARE
    return (f"; the existing DER behind {device} ({der_mw:.3g} MW, ceasing within "
            f"{EXISTING_DER_CEASE_S:g} s by IEEE 1547-2018 §8.1) has this exposure without "
            f"V2G (its own C10 row, margin {margin_s:g} s); V2G raises the island's DER from "
            f"{der_mw:.3g} to {total:.3g} MW (+{100 * rise:.3g} %, "
            f"{'over' if worse else 'under'} the {100 * MATERIAL_SHARE:g} % materiality "
            f"share; {100 * v2g_mw / total:.3g} % of it V2G): "
            f"{'made worse by V2G' if worse else 'pre-existing'}",
            worse)


def _existing_der_rows(ctx: CheckContext, dev: object, der_mw: float, rule: object
                       ) -> pd.DataFrame:
    """C10 rows of the existing DER behind a reclosing device, every scenario (empty when its
    first reclose waits long enough)."""
    first = _reclose_intervals(dev)[0]
    need = EXISTING_DER_CEASE_S + rule.value
    if first > need:
        return concat([])
    bus = ctx.study.device_sites[dev.name].bus
    setting = _der_setting_text(ctx, ctx.downstream(dev.name))
    return concat([violation_rows(
        "C10", CheckStatus.FAIL, scenario=sc.name, device=dev.name, other_device=EXISTING_DER,
        t_device_s=first, t_other_s=EXISTING_DER_CEASE_S, margin=first - need, limit=need,
        tolerance=0.0, fault_bus=ctx.bus_name(bus), rule=rule.name, rule_value=rule.value,
        rule_source=rule.source,
        message=(f"{dev.name} recloses after {first:g} s but the existing DER behind it "
                 f"({der_mw:.3g} MW: PV, storage, generators) may energise the island for up "
                 f"to {EXISTING_DER_CEASE_S:g} s (IEEE 1547-2018 §8.1; {setting}) "
                 f"{ctx.export_text(sc.name)}: out-of-phase reclosing risk "
                 f"(needs > {need:g} s)"
                 f"{_bracket_text(first, EXISTING_DER_CEASE_S, rule, 'the existing DER')}"))
        for sc in ctx.scenarios.values()])


def _curve_text(curve: str, v_pu: tuple, t_s: tuple, under: bool) -> str:
    """``"uv1547 2 s at 0.9 pu to 0.166 s at 0.5 pu"`` from the band's edge outwards."""
    pts = sorted(zip(v_pu, t_s, strict=True), reverse=under)
    (v0, t0), (v1, t1) = pts[0], pts[-1]
    return f"{curve} {t0:g} s at {v0:g} pu to {t1:g} s at {v1:g} pu"


def _der_setting_text(ctx: CheckContext, behind: set[int]) -> str:
    """What the model says of how soon the existing DER behind a device ceases (review rev32b
    M8: EPRI's DG feeder has a voltage relay ``LV`` on its generator's transformer, and the
    text said "its own setting is not in the model"). The anti-islanding clearing time is no
    element of an OpenDSS model; a voltage relay there (:func:`~protv2g.network.
    dss_voltage_relays.voltage_relays`) trips only once the island's voltage leaves the band
    between its curves, so it bounds no island whose voltage holds inside: named, with its
    curves, as not evaluated."""
    missing = "its anti-islanding clearing time is not in the model"
    model = getattr(ctx.study, "model", None)
    if model is None:
        return missing
    relays = voltage_relays(model)
    at = model.buses.index.get_indexer(relays.bus.tolist()) if len(relays) else []
    texts = []
    for r, b in zip(relays.itertuples(index=False), at, strict=True):
        if b < 0 or int(b) not in behind:
            continue
        curves = [_curve_text(r.uv_curve, r.uv_v_pu, r.uv_t_s, True) if r.uv_v_pu else "",
                  _curve_text(r.ov_curve, r.ov_v_pu, r.ov_t_s, False) if r.ov_v_pu else ""]
        lo = f"{max(r.uv_v_pu):g}" if r.uv_v_pu else "0"
        hi = f"{min(r.ov_v_pu):g}" if r.ov_v_pu else "∞"
        off = " (disabled in the model)" if not r.enabled else ""
        texts.append(f"{r.name.split('.', 1)[-1]} on {r.element} terminal {r.terminal}{off} "
                     f"trips only outside {lo}–{hi} pu ({', '.join(c for c in curves if c)})")
    if not texts:
        return missing
    plural = "s" if len(texts) > 1 else ""
    return (f"{missing}: the model's voltage relay{plural} {'; '.join(texts)}, which bounds "
            "no island whose voltage holds inside that band; protv2g does not evaluate it")
