"""C12 rows at a bus past a regulator whose V2G rise is the regulator output's rise: the band's,
not V2G's (review rev34a W3, ver34 N1/N2).

A step-voltage regulator with no line-drop compensation holds its regulated (output) bus
anywhere inside its band, ``vreg ± band/2`` volts on the PT's secondary (IEEE Std C57.15-2017
§3, the control's voltage level and bandwidth; OpenDSS RegControl ``vreg``, ``band``,
``ptratio``), and moves no tap while the output stays inside it. Between a V2G snapshot and its
base case the output therefore rises with V2G by whatever V2G relieves upstream of the
regulator (the substation transformer's drop, the feeder ahead of it) — carried through a fixed
tap — and a bus close past it rises by the same amount. Whether such a bus crosses ANSI C84.1
Range A is decided by where in its band the regulator rests, not by the export: IEEE 8500,
FEEDER_REG (vreg 126.5 V, band 2 V, PT 60: 1.0459–1.0626 pu, no LDC), campus at m1089196
exporting 0–800 kW at peak: OpenDSS keeps the taps (2, 2, 1) throughout, and m1209817 (40 m
past the output ``_hvmv_sub_lsb``) sits 0.0003 pu under the output at every level; its "rise
V2G causes" was the output's rise and limited the campus's hosting at 370 kW (rev34a W3).

**The rule, per row** (:func:`band_held`). A failing C12 over-voltage row of bus ``B`` in a V2G
scenario ``s`` (at the row's own step ``t``, against the same step of its base case ``s0``) is
the band's when every one of these holds:

1. ``B`` is downstream of an enabled RegControl's regulator ``R`` — the *nearest* one: of the
   regulators whose regulated side holds ``B`` (:func:`~protv2g.checks.flow_taps.
   downstream_sets`), the one with the smallest regulated side, so no other regulator is
   between — and ``B`` is at the output's voltage level (its base kV within 2 % of the output
   bus's: no transformer between whose own drop and tap are not the regulator's). The output
   bus itself is :func:`~protv2g.checks.flow_taps.band_over_limit`'s.
2. The phase the row judges (``B``'s highest phase in ``s``, step ``t``) is one ``R``
   regulates. With line-drop compensation (review rev35b M1/M5, ver35 §1b: IEEE 123's creg1a,
   R = 3 V, X = 7.5 V, CTprim 700 A, PT 20) the control holds not the output but the
   *compensated* voltage ``V_c = |V_out/PT − (I/CTprim)(R + jX)|`` on its PT's phase inside
   ``vreg ± band/2`` (IEEE Std C57.15-2017, line-drop compensation; OpenDSS RegControl ``R``,
   ``X`` in volts at ``CTprim``, ``PTphase``): :func:`compensated_pu`, from the device table's
   phase current and power at the regulator and the step's voltages. The band's words below
   then read on ``V_c``: the output sits ``V_out − V_c`` above it, by the step's current. With
   the taps held (rule 3) the LDC did not act on V2G's change; a row whose ``V_c`` cannot be
   read (no device table, PTphase MAX/MIN) stays V2G's.
3. ``R``'s taps are the same in ``s`` as in ``s0`` (:func:`~protv2g.checks.flow_taps.
   tap_moves` finds no move): a moved tap is either an unforced rest point
   (:func:`~protv2g.checks.flow_taps.tap_explained` judges it) or V2G's own (forced); either
   way not this rule's.
4. No reverse active power through ``R`` in ``s`` (the flow's device table,
   ``reverse_flow``): under reverse power a regulator in a reverse, cogeneration or
   bidirectional mode (IEEE C57.15 Annex; OpenDSS ``reversible``) regulates the other side or
   stops, and C12's reverse-power row about it is the one to settle — the bus row stays as
   judged. (OpenDSS flows always watch the regulators; a flow without a device table has no
   reverse power to read, and this condition is then taken as met.)
5. ``R``'s held voltage stays inside the band with V2G: ``V_held(s) ≤ hi + tol``, ``V_held``
   the output on B's phase (a per-phase control, no LDC), the output on the phase its PT
   reads (a gang-operated bank — one RegControl on a multi-phase transformer, OpenDSS
   ``PTphase``, default 1, or the highest / lowest with ``MAX`` / ``MIN`` — no LDC: its other
   phases follow the tap wherever the unbalance puts them, inside the band or not; review
   reg36) or ``V_c`` on the PT's phase (LDC).
6. **B's rise is the output's rise**: ``(V_B(s) − V_B(s0)) − (V_out(s) − V_out(s0)) ≤ tol``
   on that phase, ``tol`` the limit's tolerance ``checks.voltage_limit_tolerance_pu``
   (0.001 pu, IEC 61000-4-30 Class A: :mod:`protv2g.checks.flow_limit`). A bus whose rise
   exceeds the output's by more is raised by the export locally (the site's current through
   the feeder past ``R``): the row stays V2G's.
7. **The band reaches over the limit at B by itself**: ``V_B(s0) + (hi − V_held(s0)) >
   v_max + tol`` — B's voltage without V2G raised by the band's headroom at the base step
   (the taps move every phase together). Without LDC ``V_held = V_out`` on B's phase and
   this is ``hi − d``, ``d = V_out(s0) − V_B(s0)`` the drop from the output to ``B`` (as
   :func:`~protv2g.checks.flow_taps.band_over_limit` asks ``hi > v_max + tol`` of the output);
   with LDC the band-top condition reads ``V_out ≤ hi + (V_out − V_c)``: at the base step's
   current ``I`` the output may rest ``≈ (I/CTprim)(R cos φ + X sin φ)·PT/V_base`` above
   ``hi``. Either way, with ``R`` anywhere in its band ``B`` can be over the limit with no
   V2G at all.

A bus tied to a regulated bus through closed switches only (:func:`switch_tied`: OpenDSS
``switch=yes`` lines, 1e-3 Ω — IEEE 123's 149 across sw1 from 150r) IS the regulated bus: C12
names it with the output's regulator (:func:`with_switch_tied`, read by
:func:`~protv2g.checks.flow_limit.setpoint_texts`), every row as the output's.

Such a row is judged as the output bus is: ``pre-existing`` (the gate's condition, no "caused
by V2G"), ``mechanism`` :data:`~protv2g.checks.flow_limit.REGULATOR_SETPOINT` (its finding,
the hosting search's "setting to change, not an export limit", recommend's "lower the
set-point" — all read the same two columns), with the band's words. Each row is judged on its
own step and its own base: the drop in another scenario (a charging snapshot's 4 MW through
the mainline, ver34 N2) decides nothing here.

Bracket: the tolerance is the limit's, 0.0001–1/240 pu (:mod:`protv2g.checks.flow_limit`); at
0.0001 pu a bus needs to follow the output to within the solver's own error and fewer buses
are the band's (the conservative end: more rows stay V2G's).

References
----------
IEEE Std C57.15-2017, Standard requirements … for step-voltage regulators (control voltage
level, bandwidth, line-drop compensation; reverse power flow operating modes); R. C. Dugan,
D. Montenegro, "Reference Guide: The Open Distribution System Simulator (OpenDSS)", EPRI,
2020 — RegControl ``vreg``, ``band``, ``ptratio``, ``R``, ``X``, ``reversible``; ANSI
C84.1-2020 Table 1 (Range A); IEC 61000-4-30:2015 §5.2.2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks.flow_taps import (
    SENSED_MAX,
    SENSED_MIN,
    _phase_table,
    downstream_sets,
    regulator_settings,
    sensed_pu,
    tap_moves,
)

__all__ = ["band_bases", "band_held", "band_rows", "compensated_pu", "ldc_settings", "switch_tied",
           "with_switch_tied", "KV_SAME_RTOL"]

#: Relative tolerance on two buses' base kV for "the same voltage level" (rule 1).
KV_SAME_RTOL = 0.02


class _Bank(NamedTuple):
    """One regulator bank (RegControls on one ``bus_in`` → ``bus_out`` pair)."""

    bus_out: int
    names: tuple[str, ...]
    transformers: tuple[str, ...]
    #: phase position → (RegControl name, LDC, band's low and high edge, pu)
    phase: dict[int, tuple[str, bool, float, float]]


def _nearest(settings: pd.DataFrame, down: Mapping[str, frozenset[int]]) -> dict[int, _Bank]:
    """Bus → its nearest upstream regulator bank (rule 1)."""
    groups = []
    for (_, b_out), grp in settings.groupby(["bus_in", "bus_out"]):
        part = frozenset().union(*(down.get(n, frozenset()) for n in grp.name.tolist()))
        if not part:
            continue
        phase: dict[int, tuple[str, bool, float, float]] = {}
        for r in grp.itertuples(index=False):
            for p in r.phases:
                phase.setdefault(int(p), (str(r.name), bool(r.ldc), float(r.lo_pu),
                                          float(r.hi_pu)))
        groups.append((len(part), int(b_out), part, _Bank(
            int(b_out), tuple(map(str, grp.name)),
            tuple(str(x).lower() for x in grp.transformer), phase)))
    out: dict[int, _Bank] = {}
    for _, _, part, bank in sorted(groups, key=lambda g: (-g[0], g[1])):
        for b in part:
            out[b] = bank  # smaller sides written last: the nearest wins
    return out


def _reversed(device: pd.DataFrame | None, transformers: set[str]
              ) -> set[tuple[str, int, str]]:
    """``(scenario, step, transformer)`` where one of ``transformers`` (lower-case names)
    carries reverse power (rule 4)."""
    d = device
    if d is None or d.empty or not {"kind", "reverse_flow", "element_name"} <= set(d.columns):
        return set()
    name = d.element_name.astype(str).str.lower().str.split(".", n=1).str[-1].to_numpy()
    at = ((d.kind == "regulator").to_numpy() & np.isin(name, list(transformers))
          & d.reverse_flow.astype(bool).to_numpy())
    steps = (pd.to_numeric(d["step"], errors="coerce").fillna(0).astype(int).to_numpy()
             if "step" in d.columns else np.zeros(len(d), dtype=int))
    return set(zip(d.scenario.astype(str).to_numpy()[at].tolist(), steps[at].tolist(),
                   name[at].tolist(), strict=True))


def switch_tied(model: Any) -> dict[int, tuple[int, str]]:
    """Bus → ``(regulated bus, switches)`` for every bus tied to an enabled RegControl's
    regulated bus through closed switches only (OpenDSS ``Line.switch=yes``: 1e-3 Ω, the same
    voltage to 1e-6 pu — review rev35b M5, IEEE 123's 149 across sw1 from 150r). Such a bus IS
    the regulated bus. Empty without an OpenDSS context or regulators."""
    dss = getattr(model, "engine", None)
    if dss is None or model is None or regulator_settings(model).empty:
        return {}

    def read(m: Any) -> dict[int, tuple[int, str]]:
        at = {str(b).lower(): k for k, b in enumerate(m.buses.index.tolist())}
        edges: dict[int, list[tuple[int, str]]] = {}
        try:
            k = dss.Lines.First()
            while k:
                name = str(dss.Lines.Name())
                closed = all(not dss.CktElement.IsOpen(t, 0) for t in (1, 2))
                if dss.Lines.IsSwitch() and dss.CktElement.Enabled() and closed:
                    b1 = at.get(str(dss.Lines.Bus1()).split(".", 1)[0].lower())
                    b2 = at.get(str(dss.Lines.Bus2()).split(".", 1)[0].lower())
                    if b1 is not None and b2 is not None and b1 != b2:
                        edges.setdefault(b1, []).append((b2, name))
                        edges.setdefault(b2, []).append((b1, name))
                k = dss.Lines.Next()
        except Exception:  # noqa: BLE001 - a context without the lines: no ties
            return {}
        out: dict[int, tuple[int, str]] = {}
        for b_out in sorted(set(regulator_settings(m).bus_out.astype(int).tolist())):
            seen, todo = {b_out: ()}, [b_out]
            while todo:
                b = todo.pop()
                for nb, sw in edges.get(b, []):
                    if nb not in seen:
                        seen[nb] = (*seen[b], sw)
                        todo.append(nb)
            for b, path in seen.items():
                if path:
                    out.setdefault(b, (b_out, ", ".join(path)))
        return out

    return model.derived("C12 regulator switch ties", read)


def with_switch_tied(model: Any, regulated: Mapping[int, str], bus_name: Any
                     ) -> dict[int, str]:
    """:func:`~protv2g.checks.flow_limit.regulated_buses` with the buses closed switches tie
    to a regulated bus (:func:`switch_tied`): the same regulator, the switch named."""
    out = dict(regulated)
    if not out:
        return out
    for b, (b_out, sw) in switch_tied(model).items():
        if b_out in regulated and b not in out:
            out[b] = (f"{regulated[b_out]} across the closed switch {sw} from "
                      f"{bus_name(b_out)}")
    return out


def ldc_settings(model: Any) -> dict[str, tuple[float, float, float, float, int]]:
    """RegControl name → ``(R_v, X_v, ctprim_a, ptratio, ptphase)`` of its line-drop
    compensator (OpenDSS RegControl ``R``, ``X`` in volts at the CT's rated primary current
    ``CTprim``, ``PTratio``, ``PTphase`` 1-based, 0 for MAX/MIN: unknown; Dugan & Montenegro,
    OpenDSS Reference Guide, RegControl). Empty without an OpenDSS context."""
    dss = getattr(model, "engine", None)
    if dss is None:
        return {}

    def read(m: Any) -> dict[str, tuple[float, float, float, float, int]]:
        out = {}
        for name in regulator_settings(m).name.tolist():
            try:
                short = str(name).split(".", 1)[-1]
                dss.RegControls.Name(short)
                dss.Text.Command(f"? regcontrol.{short}.ptphase")
                pt_phase = str(dss.Text.Result()).strip()
                out[str(name)] = (float(dss.RegControls.ForwardR()),
                                  float(dss.RegControls.ForwardX()),
                                  float(dss.RegControls.CTPrimary()),
                                  float(dss.RegControls.PTRatio()),
                                  int(pt_phase) if pt_phase.isdigit() else 0)
            except Exception:  # noqa: BLE001 - a context without the control: unknown
                continue
        return out

    return model.derived("C12 regulator LDC", read)


def _currents(device: pd.DataFrame | None
              ) -> dict[tuple[str, int, str], tuple[int, np.ndarray, np.ndarray, float]]:
    """``(scenario, step, transformer)`` (lower-case name) → ``(terminal bus, (3,) phase
    currents A, (3,) phase active power MW, three-phase Q Mvar)`` at the regulator's first
    watched terminal (the LDC's current)."""
    d = device
    cols = {"kind", "element_name", "bus", "ia_a", "ib_a", "ic_a", "pa_mw", "pb_mw", "pc_mw",
            "q_mvar"}
    if d is None or d.empty or not cols <= set(d.columns):
        return {}
    d = d[(d.kind == "regulator").to_numpy()]
    name = d.element_name.astype(str).str.lower().str.split(".", n=1).str[-1].to_numpy()
    steps = (pd.to_numeric(d["step"], errors="coerce").fillna(0).astype(int).to_numpy()
             if "step" in d.columns else np.zeros(len(d), dtype=int))
    amps = d[["ia_a", "ib_a", "ic_a"]].to_numpy(float)
    p_ph = d[["pa_mw", "pb_mw", "pc_mw"]].to_numpy(float)
    q, at = d.q_mvar.to_numpy(float), d.bus.to_numpy().astype(np.int64)
    out: dict = {}
    for k, key in enumerate(zip(d.scenario.astype(str).tolist(), steps.tolist(), name.tolist(),
                                strict=True)):
        out.setdefault(key, (int(at[k]), amps[k], p_ph[k], float(q[k])))
    return out


def compensated_pu(setting: tuple[float, float, float, float, int], v_out_pu: float,
                   kv_ln: float, s_va: float, p_w: float, q_sign: float) -> float:
    """The voltage an LDC regulator's control holds inside its band, in pu of the output
    bus's base: ``|V_out/PT − (I/CTprim)(R + jX)|`` (IEEE Std C57.15-2017, line-drop
    compensation; OpenDSS RegControl ``R``, ``X`` volts at ``CTprim``), the phasors taken
    with ``V_out`` as reference: ``I = S/|V_out|`` at angle ``−φ``, ``cos φ = P/S``, ``sin φ``
    of the sign of the bank's Q (lagging positive). NaN when unknown."""
    r_v, x_v, ct_a, pt, _ = setting
    v_v = v_out_pu * kv_ln * 1e3
    if not (ct_a > 0 and pt > 0 and v_v > 0 and s_va > 0 and np.isfinite(p_w)):
        return np.nan
    cos = float(np.clip(p_w / s_va, -1.0, 1.0))
    sin = q_sign * float(np.sqrt(1.0 - cos * cos))
    i_ct = s_va / v_v / ct_a
    a = i_ct * (r_v * cos + x_v * sin)
    b = i_ct * (x_v * cos - r_v * sin)
    return float(np.hypot(v_v / pt - a, b) * pt / v_v * v_out_pu)


def _compensated(setting: Any, phases: tuple[int, ...], flow: Any, table: Mapping,
                 terminal: Mapping, scenario: str, step: int, b_out: int, kv: np.ndarray
                 ) -> float:
    """:func:`compensated_pu` of one control in one step, on its PT's phase (NaN unknown:
    no device table, a MAX/MIN PT phase, a missing voltage)."""
    if setting is None or flow is None or not 0 < setting[4] <= len(phases):
        return np.nan
    q = phases[setting[4] - 1]
    at, amps, p_ph, q_tot = flow
    v_out, v_term = table.get((scenario, step, b_out)), terminal.get((scenario, step, at))
    if v_out is None or v_term is None:
        return np.nan
    sign = 1.0 if p_ph[q] >= 0 else -1.0  # the terminal's own sign: forward power (rule 4)
    s_va = float(v_term[q]) * kv[at] * 1e3 * float(amps[q])
    return compensated_pu(setting, float(v_out[q]), float(kv[b_out]), s_va,
                          sign * float(p_ph[q]) * 1e6, float(np.sign(sign * q_tot)))


def band_held(model: Any, bus: pd.DataFrame, device: pd.DataFrame | None,
              base_of: Mapping[str, str], rows: pd.DataFrame, candidate: np.ndarray,
              v_max_pu: float, tol_pu: float, bus_name: Any) -> dict[int, str]:
    """The rows of ``rows`` whose bus's V2G rise is its regulator output's (module docstring).

    Parameters
    ----------
    model : DssModel or None
        The OpenDSS model (its RegControls, buses' base kV and feeder graph).
    bus : DataFrame
        The flow's bus table, every scenario and step (``vm_a_pu`` .. ``vm_c_pu``).
    device : DataFrame or None
        The flow's device table (regulators' ``reverse_flow``), None when absent.
    base_of : mapping
        Scenario → its base case.
    rows : DataFrame
        ``(n,)`` failing C12 over-voltage rows: ``scenario``, ``bus``, optionally ``step``.
    candidate : ndarray of bool
        ``(n,)`` the rows to judge (V2G scenarios not already the regulators' own).
    v_max_pu, tol_pu : float
        The limit and its tolerance (pu).
    bus_name : callable
        Bus index → name.

    Returns
    -------
    dict
        Row position → the message suffix (starting ``"; "``) of each row the band holds.
    """
    out: dict[int, str] = {}
    settings = regulator_settings(model)
    if settings.empty or not len(rows) or not np.asarray(candidate).any():
        return out
    settings = settings[np.isfinite(settings.hi_pu.to_numpy(float))]
    down = downstream_sets(model)
    nearest = _nearest(settings, down)
    if not nearest:
        return out
    kv = model.buses.kv_ln.to_numpy(float)
    buses = rows.bus.to_numpy().astype(np.int64)
    scen = rows.scenario.astype(str).to_numpy()
    step = (pd.to_numeric(rows["step"], errors="coerce").fillna(0).astype(int).to_numpy()
            if "step" in rows.columns else np.zeros(len(rows), dtype=int))
    todo = [k for k in np.flatnonzero(candidate).tolist()
            if int(buses[k]) in nearest and int(buses[k]) != nearest[int(buses[k])].bus_out]
    if not todo:
        return out
    outs = {nearest[int(buses[k])].bus_out for k in todo}
    table = _phase_table(bus, np.array(sorted({int(buses[k]) for k in todo} | outs)))
    moves = tap_moves(bus, settings, base_of, tol_pu)
    moved = {(str(s), int(t), str(n)) for s, t, n in zip(
        moves.scenario.tolist(), moves.step.tolist(), moves.name.tolist(), strict=True)}
    reversed_at = _reversed(device, {str(t).lower() for t in settings.transformer.tolist()})
    ldc = ldc_settings(model) if bool(settings.ldc.astype(bool).any()) else {}
    current = _currents(device)
    phases_of = {str(n): tuple(int(x) for x in ph) for n, ph in zip(
        settings.name, settings.phases, strict=True)}
    sensed_of = dict(zip(settings.name.astype(str), settings.sensed.astype(int), strict=True))
    terminal = _phase_table(bus, np.array(sorted({v[0] for v in current.values()}),
                                          dtype=np.int64)) if current else {}
    xf_of = {str(n): str(x).lower() for n, x in zip(settings.name, settings.transformer,
                                                     strict=True)}
    for k in todo:
        b, s, t = int(buses[k]), str(scen[k]), int(step[k])
        s0 = str(base_of.get(s, "") or "")
        if not s0 or s0 == s:
            continue
        bank = nearest[b]
        b_out = bank.bus_out
        if not (kv[b] > 0 and np.isclose(kv[b], kv[b_out], rtol=KV_SAME_RTOL)):
            continue  # rule 1: a transformer between
        now_b, was_b = table.get((s, t, b)), table.get((s0, t, b))
        now_o, was_o = table.get((s, t, b_out)), table.get((s0, t, b_out))
        if any(x is None for x in (now_b, was_b, now_o, was_o)) or np.isnan(now_b).all():
            continue
        p = int(np.nanargmax(now_b))
        if p not in bank.phase:
            continue  # rule 2
        name, has_ldc, lo, hi = bank.phase[p]
        if any((s, t, n) in moved for n in bank.names):
            continue  # rule 3
        if any((s, t, x) in reversed_at for x in bank.transformers):
            continue  # rule 4
        rise_b, rise_o = now_b[p] - was_b[p], now_o[p] - was_o[p]
        drop = was_o[p] - was_b[p]
        # the voltage the control holds in its band: B's phase of a per-phase control; the
        # PT's phase (or the max / min) of a gang-operated bank, whose other phases follow
        # its tap (review reg36: they are not held)
        gang = len(phases_of.get(name, ())) > 1
        held_now, held_was = ((sensed_pu(v, phases_of[name], sensed_of[name])
                               for v in (now_o, was_o)) if gang else (now_o[p], was_o[p]))
        if has_ldc:  # rule 2: the compensated voltage on the PT's phase, each step's current
            held_now, held_was = (_compensated(ldc.get(name), phases_of.get(name, ()),
                                               current.get((x, t, xf_of.get(name, ""))),
                                               table, terminal, x, t, b_out, kv)
                                  for x in (s, s0))
        # the regulator anywhere in its band: B's base voltage plus the band's headroom
        reach = was_b[p] + (hi - held_was)
        if not (np.isfinite(rise_b) and np.isfinite(rise_o) and np.isfinite(drop)
                and np.isfinite(held_now) and np.isfinite(reach)):
            continue
        if held_now > hi + tol_pu:
            continue  # rule 5
        if rise_b - rise_o > tol_pu:
            continue  # rule 6: a rise of its own
        if reach <= v_max_pu + tol_pu:
            continue  # rule 7
        reg = name.split(".", 1)[-1]
        band_text = (f"inside {reg}'s band ({lo:.4f}–{hi:.4f} pu)" if not has_ldc else
                     f"inside {reg}'s band ({lo:.4f}–{hi:.4f} pu) on its line-drop-"
                     f"compensated voltage ({held_was:.4f} pu without V2G, {held_now:.4f} pu "
                     "with, at each step's current)")
        sensed = sensed_of.get(name, p)
        if gang and not has_ldc and sensed != p:
            what = {SENSED_MAX: "its highest phase", SENSED_MIN: "its lowest phase"}.get(
                sensed, f"phase {'abc'[sensed]}")
            band_text = (f"{band_text} on the phase its control reads ({what}: "
                         f"{held_was:.4f} pu without V2G, {held_now:.4f} pu with; a gang-"
                         f"operated bank: phase {'abc'[p]} follows the tap, it is not held "
                         "in the band)")
        out[k] = (
            f"; the set-point's, not V2G's: {bus_name(b)} (phase {'abc'[p]}) is fed through "
            f"{reg}'s output {bus_name(b_out)}, {abs(drop):.4f} pu "
            f"{'under' if drop >= 0 else 'above'} it without V2G; at the "
            f"same taps V2G raises it {rise_b:+.4f} pu, the output's own rise "
            f"{rise_o:+.4f} pu within the tolerance {tol_pu:g} pu, and the output stays "
            f"{band_text}; the band's top reaches "
            f"{reach:.4f} pu, over {v_max_pu:g} pu by itself: pre-existing (lower the "
            "set-point)")
    return out



def band_rows(ctx: Any, bus: pd.DataFrame, bad: pd.DataFrame, pre: np.ndarray,
              v_base: np.ndarray, tol_pu: float) -> dict[int, str]:
    """:func:`band_held` on C12's failing over-voltage rows ``bad`` of V2G scenarios with a
    base voltage (``v_base`` finite) that the regulators' own rules have not taken (``pre``,
    :func:`~protv2g.checks.flow_taps.regulators_own`): row position → message suffix."""
    model = ctx.study.model
    if model is None or not len(bad):
        return {}
    codes, names = pd.factorize(bad.scenario.astype(str).to_numpy())
    v2g = np.array([str(ctx.base_of.get(x, "") or "") not in ("", x) for x in names],
                   dtype=bool)[codes]
    candidate = v2g & np.isfinite(v_base) & ~np.asarray(pre, dtype=bool)
    if not candidate.any():
        return {}
    return band_held(model, bus, ctx.flow.get("device"), ctx.base_of, bad, candidate,
                     ctx.thresholds.v_max_pu, tol_pu, ctx.bus_name)


def band_bases(ctx: Any, bad: pd.DataFrame, band: Mapping[int, str]) -> np.ndarray:
    """``(n,)`` bool: the failing rows of ``bad`` in the base case of a row judged as its
    regulator's output (``band``, :func:`band_rows`), at its bus:
    the band that puts the bus over the limit with V2G does so without it
    (:mod:`protv2g.checks.flow_band`: "with R anywhere in its band B can be over the limit
    with no V2G at all"), so the base row is the set-point's too — one finding, not two with
    the V2G rows under "regulator set-point" and the base row beside them (review rev42c M2,
    IEEE 8500 F51/F52: regxfmr_190-8581 phase c at 1.066–1.067 pu; as rev35b M5 made a
    switch-tied bus's base rows read as its output's)."""
    out = np.zeros(len(bad), dtype=bool)
    if not band:
        return out
    scen, buses = bad.scenario.to_numpy(), bad.bus.to_numpy()
    keys = {(ctx.base_of.get(str(scen[k]), ""), buses[k]) for k in band}
    out[:] = pd.MultiIndex.from_arrays([scen.astype(str), buses]).isin(list(keys))
    return out
