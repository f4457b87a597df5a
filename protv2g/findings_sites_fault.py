"""One finding's fault row solved per site (:mod:`protv2g.findings_sites`): the devices'
currents and times of each counterfactual read off one engine call, and the margin by the
row's own relation (its times, C7's IEC 60909 sum, or linear in the current it judged),
each used only where the all-sites solve reproduces the row (module docstring of
:mod:`protv2g.findings_sites`)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from protv2g.checks.operating_element import ELEMENT_WORDS, OperatingElement, ground_operates
from protv2g.criteria import MarginUnit
from protv2g.engine.faults import seq_to_abc
from protv2g.findings_sites_kinds import (
    KEY_COLUMNS,
    MarginMethod,
    SiteEffect,
    bar,
    driver,
    effect,
)
from protv2g.findings_sites_kinds import float_or_nan as _float
from protv2g.scenarios import Scenario
from protv2g.stage_times import phase_ground_a, study_device, time_key, times_through_stages
from protv2g.study.loader import Study

__all__ = ["REPRODUCE_REL", "Solved", "finding_rows", "lost_why", "same_times", "solved_rows"]

#: margin units that are a current's multiple of a device quantity less the rule's factor
#: (C5: ``I / pickup − limit``)
_MULTIPLES = (MarginUnit.PICKUP_MULTIPLE.value, MarginUnit.IMAX_5S_MULTIPLE.value)
#: the all-sites solve reproduces the row's times to this (relative)
REPRODUCE_REL = 1e-6


def _is_change_row(row: Any) -> bool:
    """A fault-level change row (C7, margin a fraction ``limit − (i_device_a / i_other_a −
    1)`` of the row's own figures, to 1e-9)."""
    if str(row.margin_unit) != "fraction":
        return False
    lim, m = _float(getattr(row, "limit", None)), _float(row.margin)
    i_d, i_r = _float(getattr(row, "i_device_a", None)), _float(getattr(row, "i_other_a", None))
    return bool(np.isfinite([lim, m, i_d, i_r]).all() and i_r > 0
                and abs(lim - (i_d / i_r - 1.0) - m) <= 1e-9)


def _drop_ref_a(row: Any) -> float:
    """The reference current ``i_other_a`` (A) of a reach-reduction row (C5's V2G-caused
    drop, margin ``limit − (1 − i_device_a / i_other_a)`` of its own figures, to 1e-9);
    NaN for another row."""
    if str(row.margin_unit) != "fraction":
        return float("nan")
    lim, m = _float(getattr(row, "limit", None)), _float(row.margin)
    i_d, i_r = _float(getattr(row, "i_device_a", None)), _float(getattr(row, "i_other_a", None))
    ok = bool(np.isfinite([lim, m, i_d, i_r]).all() and i_r > 0
              and abs(lim - (1.0 - i_d / i_r) - m) <= 1e-9)
    return i_r if ok else float("nan")


def _time_relation(row: Any, scale: float) -> tuple[float, float, float] | None:
    """``(a, b, c)`` with ``margin = a·t_device + b·t_other + c`` reproducing the row's margin
    from its own times (to 1e-9 s), or None."""
    td, to = _float(getattr(row, "t_device_s", None)), _float(getattr(row, "t_other_s", None))
    m, lim = _float(row.margin), _float(getattr(row, "limit", 0.0))
    if not (np.isfinite(td) and np.isfinite(to) and np.isfinite(m)):
        return None
    lim = lim if np.isfinite(lim) else 0.0
    ks = dict.fromkeys((1.0, scale, _float(getattr(row, "rule_value", None))))
    for k in ks:
        if not np.isfinite(k):
            continue
        for a, b in ((-k, 1.0), (1.0, -k), (-1.0, k), (k, -1.0)):
            for c in (-lim, 0.0, lim):
                if abs(a * td + b * to + c - m) <= 1e-9 * max(1.0, abs(m)):
                    return a, b, c
    return None


def _lost_relation(row: Any, all_: Solved, base: Solved, scale: float
                   ) -> tuple[str, str, tuple[float, float, float]] | None:
    """``(device time, other time, (a, b, c))`` of a row whose device does not operate
    (``t_device_s`` ∞, margin −∞: C2's recloser below its minimum trip, C4's backup that
    no longer operates): a device time that is ∞ in the all-sites solve and finite with
    every site idle, the other device's time reproducing the row's (1e-6 relative), and
    ``margin = a·t_device + b·t_other + c`` reproducing the row's ``base_margin`` from the
    every-site-idle solve's two times (1e-6 s) — the rule's relation, found where both
    devices operate; None when none does."""
    td, to = _float(getattr(row, "t_device_s", None)), _float(getattr(row, "t_other_s", None))
    m_base, lim = _float(getattr(row, "base_margin", None)), _float(getattr(row, "limit", 0.0))
    if not (np.isposinf(td) and np.isneginf(_float(row.margin)) and np.isfinite(to)
            and np.isfinite(m_base) and all_.times_other):
        return None
    lim = lim if np.isfinite(lim) else 0.0
    ko = time_key(all_.times_other, to)
    if not np.isclose(all_.times_other[ko], to, rtol=REPRODUCE_REL):
        return None
    t_o = base.times_other.get(ko, np.nan)
    ks = [k for k in dict.fromkeys((1.0, scale, _float(getattr(row, "rule_value", None))))
          if np.isfinite(k)]
    for kd, t in all_.times_device.items():
        t_d = base.times_device.get(kd, np.nan)
        if not (np.isposinf(t) and np.isfinite(t_d) and np.isfinite(t_o)):
            continue
        for k in ks:
            for a, b in ((-k, 1.0), (1.0, -k), (-1.0, k), (k, -1.0)):
                for c in (-lim, 0.0, lim):
                    if abs(a * t_d + b * t_o + c - m_base) <= 1e-6 * max(1.0, abs(m_base)):
                        return kd, ko, (a, b, c)
    return None


def lost_why(row: Any, all_: Solved, base: Solved) -> str:
    """Why a row whose device does not operate (margin −∞) is not judged
    (:func:`_lost_relation` found no relation): the words the driver text says (the bench's
    3,000-bus study: C4's lost backup, the recloser's time re-solved 5.990808 s against the
    row's 5.990363 s; C2's recloser not seeing the fault with every site idle either)."""
    td, to = _float(getattr(row, "t_device_s", None)), _float(getattr(row, "t_other_s", None))
    if not (np.isposinf(td) and np.isneginf(_float(row.margin))):
        return ""
    device, other = str(row.device), str(getattr(row, "other_device", "") or "")
    if base.times_device and all(np.isposinf(t) for t in base.times_device.values()):
        return (f"{device} does not operate with every site idle either: no time of it to "
                "judge the sites by")
    if not np.isfinite(_float(getattr(row, "base_margin", None))):
        return "the row has no margin without V2G to find the rule's relation from"
    if all_.times_other and np.isfinite(to):
        ko = time_key(all_.times_other, to)
        t_o = all_.times_other[ko]
        if not np.isclose(t_o, to, rtol=REPRODUCE_REL):
            return (f"{other}'s time re-solved {t_o:.6g} s against the row's {to:.6g} s "
                    f"({abs(t_o - to) / to:.1e} apart, above {REPRODUCE_REL:g})")
    return "no relation of the two times reproduces the row's margin without V2G"


@dataclasses.dataclass
class Solved:
    """One counterfactual's device figures at the finding's fault."""

    i_device_a: float
    ig_device_a: float
    i_other_a: float
    times_device: dict[str, float]
    times_other: dict[str, float]
    abc_a: np.ndarray  # (3,) the device's first-cycle phase phasors, A
    stages_a: dict[str, float]  # phase / 3I0 current of each stage ("phase1": sustained), A
    #: the grid alone's phasors at the same fault (a feeder with existing inverters on the
    #: OpenDSS path: the network's part of C7's IEC 60909 sum), A
    grid_abc_a: np.ndarray | None = None


def _read(res: Any, s: int, d: int, o: int | None, dev: Any, other: Any, m: int = 0
          ) -> Solved:
    """Device ``d`` (and ``o``) of scenario column ``s`` and fault bus ``m`` (positions) of a
    result of one fault type and case: the first cycle's largest phase current and 3I0 (A)
    and every time through the stages (s)."""
    st = res.staged
    i012 = st.device_i_012_ka[s, 0, 0, :, d, m]
    t0, t1 = st.t_start_s[s, 0, 0, :, m], st.t_end_s[s, 0, 0, :, m]
    ok = np.isfinite(t0)
    ip, ig = phase_ground_a(i012)
    times_d = times_through_stages(dev, ip[ok], ig[ok], t0[ok], t1[ok])
    i_o, times_o = float("nan"), {}
    if o is not None:
        ipo, igo = phase_ground_a(st.device_i_012_ka[s, 0, 0, :, o, m])
        i_o = float(ipo[0])
        times_o = times_through_stages(other, ipo[ok], igo[ok], t0[ok], t1[ok])
    stages = {f"{name}{j}": float(v[j]) for name, v in (("phase", ip), ("ground", ig))
              for j in np.flatnonzero(ok)}
    return Solved(float(ip[0]), float(ig[0]), i_o, times_d, times_o,
                   1e3 * seq_to_abc(i012[0]), stages)


def _iec_sum_a(s: Solved, base: Solved) -> float:
    """The device's largest phase current on the IEC 60909 basis of C7's change rows
    (:mod:`protv2g.checks.converter_sum`): ``|I_base| + |I − I_base|`` per phase, A; with
    the grid alone's phasors (existing inverters) ``|I_grid| + |I_base − I_grid| +
    |I − I_base|``."""
    g = base.grid_abc_a
    net = (np.abs(base.abc_a) if g is None
           else np.abs(g) + np.abs(base.abc_a - g))
    return float((net + np.abs(s.abc_a - base.abc_a)).max())



def same_times(row: Any, s: Solved) -> bool:
    """``s`` (a solve of the row's own scenario) has each finite time of the row (1e-6
    relative) among its device's and partner's times."""
    for shown, have in ((getattr(row, "t_device_s", np.nan), s.times_device),
                        (getattr(row, "t_other_s", np.nan), s.times_other)):
        t = float(shown) if shown is not None else np.nan
        if np.isfinite(t) and not any(np.isclose(v, t, rtol=1e-6) for v in have.values()):
            return False
    return True


def finding_rows(row: Any, cfs: list[tuple[str, str, Scenario]], res: Any, study: Study,
                 other: str | None, prefixes: tuple[str, ...] = ("c",), tag: str = "",
                 bus: int = 0) -> list[dict[str, Any]]:
    """The table's rows of one finding from its engine call ``res``: its counterfactuals'
    columns ``<prefix><n><tag>`` at the fault bus in position ``bus`` (the call's findings of
    one fault type and case together: :func:`protv2g.findings_sites.site_drivers`); of
    several ``prefixes`` (a row of both brackets: the high one's sets, then the low one's)
    the first whose all-sites solve has the row's times
    (:func:`same_times`; the bench's 3,000-bus C4 R-HEAD / RC-1 row, bracket ``both``: RC-1's
    5.990363 s is the high bracket's, the low one's 5.990808 s)."""
    scen = list(res.scenarios)
    devs = list(res.devices)
    d, o = devs.index(row.device), (devs.index(other) if other else None)
    dev = study_device(study, row.device)
    oth = study_device(study, other) if other else None
    # a prefix's columns read only when the ones before it do not have the row's times
    # (#21: a row of both brackets read both prefixes' columns, then kept the first)
    solved = None
    for p in prefixes:
        got = [_read(res, scen.index(f"{p}{n}{tag}"), d, o, dev, oth, bus)
               for n in range(len(cfs))]
        solved = got if solved is None else solved
        if same_times(row, got[-2]):
            solved = got
            break
    return solved_rows(row, cfs, solved, other, dev)


#: What a Site drivers row's ``i_judged_a`` is (``judged_on``), as the messages name it.
_PHASE, _GROUND = (ELEMENT_WORDS[OperatingElement.PHASE],
                   ELEMENT_WORDS[OperatingElement.GROUND])

#: The time kind :func:`~protv2g.checks.operating_element.ground_operates` reads for each
#: device time a finding compares (:data:`protv2g.stage_times.TIME_OF`).
_TIME_KIND = {"t_op_s": "op", "t_fast_s": "fast", "t_delayed_s": "delayed",
              "t_longest_shot_s": "delayed", "t_mm_s": "mm", "t_tc_s": "tc"}


def _element_current(device_model: Any, key: str):
    """The judged current of a margin of device times (``key`` the device's time):
    ``|3I0|`` where ``device_model``'s ground element gives that time at the counterfactual's
    first-cycle currents, else the largest phase current (without a model: the phase
    current)."""
    def judged_a(s: Solved) -> tuple[float, str]:
        if device_model is not None and np.isfinite(s.ig_device_a) and bool(ground_operates(
                device_model, np.array([s.i_device_a]), np.array([s.ig_device_a]),
                _TIME_KIND.get(key, "op"))[0]):
            return s.ig_device_a, _GROUND
        return s.i_device_a, _PHASE
    return judged_a


def solved_rows(row: Any, cfs: list[tuple[str, str, Scenario]], solved: list[Solved],
                other: str | None, device_model: Any = None) -> list[dict[str, Any]]:
    """The table's rows of one finding from its counterfactuals' device figures
    (``solved``, one per ``cfs`` entry: the last two the row's own scenario and every site
    idle), on either engine (:mod:`protv2g.findings_sites_dss` for an OpenDSS feeder).

    ``device_model`` (the row's device, :func:`protv2g.stage_times.study_device`) decides,
    for a margin of device times, which element's current the text quotes: a relay tripping
    on 51G, or a recloser on its ground curve, is moved by ``|3I0|``, not by the largest
    phase current (:func:`protv2g.checks.operating_element.ground_operates`, decided on the
    first-cycle currents as the coordination table's ``element_backup`` is; review rev48a
    #2: EPRI ckt5's head 51G "194.8 A" where its 4.14 s answers to a 3I0 of 296 A)."""
    all_, base = solved[-2], solved[-1]
    unit = str(row.margin_unit)
    m_all = _float(row.margin)
    scale = _float(getattr(row, "rule_value", None)) if str(getattr(row, "rule", "")) == (
        "fuse_saving_k") else 1.0
    scale = scale if np.isfinite(scale) else 1.0
    td_row, to_row = _float(getattr(row, "t_device_s", None)), _float(
        getattr(row, "t_other_s", None))
    method, margin_of = MarginMethod.CURRENTS, None

    def judged_a(s: Solved) -> tuple[float, str]:  # the current the margin is of, and what
        return s.i_device_a, _PHASE                  # it is (the text's figure)

    rel = _time_relation(row, scale) if unit == "s" else None
    lost = None
    if rel is not None:
        kd = time_key(all_.times_device, td_row, scale)
        ko = time_key(all_.times_other, to_row) if all_.times_other else None
        ok = (ko is not None and np.isclose(all_.times_device[kd], td_row, rtol=REPRODUCE_REL)
              and np.isclose(all_.times_other[ko], to_row, rtol=REPRODUCE_REL))
        if ok:
            method = MarginMethod.TIMES
            judged_a = _element_current(device_model, kd)

            def margin_of(s: Solved) -> tuple[float, float, float]:
                t_d, t_o = s.times_device[kd], s.times_other[ko]
                return rel[0] * t_d + rel[1] * t_o + rel[2], t_d, t_o
    elif unit == "s" and (lost := _lost_relation(row, all_, base, scale)) is not None:
        # the rule's device no longer operates (margin −∞): a counterfactual where it does
        # not either reproduces it; where it does, the rule's relation found on the case
        # without V2G (its two times reproducing the row's base margin)
        method = MarginMethod.TIMES
        kd, ko, lrel = lost
        judged_a = _element_current(device_model, kd)

        def margin_of(s: Solved) -> tuple[float, float, float]:
            t_d, t_o = s.times_device.get(kd, np.nan), s.times_other.get(ko, np.nan)
            m = -np.inf if np.isposinf(t_d) else lrel[0] * t_d + lrel[1] * t_o + lrel[2]
            return m, t_d, t_o
    elif _is_change_row(row):
        # C7's fault-level change: margin = limit − (I_iec / I_ref − 1), I_ref the row's
        # i_other_a (the largest current without V2G); the all-sites solve must give the
        # row's own I_iec
        lim, i_ref = _float(getattr(row, "limit", None)), _float(getattr(row, "i_other_a", None))
        i_row = _float(getattr(row, "i_device_a", None))
        if np.isclose(_iec_sum_a(all_, base), i_row, rtol=REPRODUCE_REL):
            method = MarginMethod.IEC_CHANGE

            def judged_a(s: Solved) -> tuple[float, str]:
                return _iec_sum_a(s, base), _PHASE

            def margin_of(s: Solved) -> tuple[float, float, float]:
                return lim - (_iec_sum_a(s, base) / i_ref - 1.0), np.nan, np.nan
    elif unit != "s":
        i_row = _float(getattr(row, "i_device_a", None))
        m_base = _float(getattr(row, "base_margin", None))
        lim = _float(getattr(row, "limit", None))
        # the current the row judged: a stage's phase or 3I0 current (C5 reads the
        # sustained stage's where the chargers' stages are solved)
        for pick in all_.stages_a:
            i_a, i_b = all_.stages_a[pick], base.stages_a.get(pick, np.nan)
            if not (np.isfinite(i_row) and np.isclose(i_a, i_row, rtol=REPRODUCE_REL)):
                continue
            if unit in _MULTIPLES and np.isfinite(lim) and i_a > 0:
                # margin = I / pickup − limit: the pickup is the row's i / (margin + limit)
                slope = (m_all + lim) / i_a
            elif np.isfinite(i_ref := _drop_ref_a(row)):
                # C5's drop: margin = limit − (1 − I / I_ref), I_ref the row's current
                # without V2G
                slope = 1.0 / i_ref
            elif np.isfinite(m_base) and abs(i_a - i_b) > 1e-9 * max(1.0, i_a):
                slope = (m_all - m_base) / (i_a - i_b)
            else:
                continue
            if np.isfinite(slope):
                method = MarginMethod.LINEAR

                def judged_a(s: Solved, pick=pick) -> tuple[float, str]:
                    return s.stages_a.get(pick, np.nan), (
                        _GROUND if pick.startswith("ground") else _PHASE)

                def margin_of(s: Solved, pick=pick, i_a=i_a, slope=slope
                              ) -> tuple[float, float, float]:
                    return (m_all + slope * (s.stages_a.get(pick, np.nan) - i_a), np.nan,
                            np.nan)
                break
    # the margin a counterfactual must fall below to reproduce the row (SiteEffect)
    bar_ = bar(row)
    rows: list[dict[str, Any]] = []
    p_of = {st.site: st.p_export_kw for st in cfs[-2][2].sites}
    m_idle = margin_of(base)[0] if margin_of is not None else np.nan
    for (site, kind, _), s in zip(cfs[:-2], solved[:-2], strict=True):
        m, t_d, t_o = margin_of(s) if margin_of is not None else (np.nan, np.nan, np.nan)
        i_judged, judged_on = judged_a(s)
        # the device not operating (the row's own failure) reproduces it; an ∞ of another
        # relation stays not judged (its sign is the rule's, not the relation's)
        eff = (SiteEffect.REPRODUCES if lost is not None and np.isneginf(m)
               else effect(m, bar_))
        rows.append({**{c: getattr(row, c, "") for c in KEY_COLUMNS},
                     "scenario": row.scenario, "fault_bus": row.fault_bus,
                     "fault_type": row.fault_type, "case": row.case,
                     "other_device": other or "", "site": site, "counterfactual": kind,
                     "p_export_kw": p_of[site] if kind == "alone" else sum(
                         v for k, v in p_of.items() if k != site),
                     "i_device_a": s.i_device_a, "i_judged_a": i_judged,
                     "judged_on": judged_on,
                     "i_other_a": s.i_other_a,
                     "t_device_s": t_d, "t_other_s": t_o, "margin": m,
                     "reproduced_below": bar_, "row_attribution": str(row.attribution),
                     "effect": eff.value, "i_device_all_a": all_.i_device_a,
                     # every site idle (not columns: the driver sets apart a site alone
                     # that moves neither)
                     "i_idle_a": judged_a(base)[0], "margin_idle": m_idle,
                     "margin_all": m_all, "method": method.value})
    drv, sites, text = driver(rows, row.device, unit, _float(getattr(row, "tolerance", None)))
    why = lost_why(row, all_, base) if margin_of is None else ""
    if why and text.startswith("sites not judged ("):  # say why (review s47: the −∞ rows)
        text = f"sites not judged ({why}; {text[len('sites not judged ('):]}"
    for r in rows:
        r.update(driver=drv.value, driver_sites=", ".join(sites), driver_text=text)
    return rows


