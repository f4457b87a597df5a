"""One device through the stages of a fault, against today's single-stage model (issue #16).

:func:`staged_device_table` answers, for a device and a fault location: what current does it
see in each stage of the chargers' behaviour (first cycle, sustained, after each trip), when
does each site cease or trip, and when does the device operate — through the stages (low
bracket), through the high bracket's stages (``faults.high_bracket``: each site's sustained
limit at its high end, by default), with the first-cycle limit held for the whole fault, and
with the single-stage model of
before issue #16 (every exporting site a current source of its *export* kVA at ``limit_pu``,
held for the whole fault). One row per (fault type, case, stage): a table the workbook can
show as it is. :func:`findings_stage_table` gathers those tables for the findings of a study
that depend on time (the "Charger stages" sheet). The device times themselves
(:func:`staged_times`, :func:`time_key`, :data:`TIME_OF`) are :mod:`protv2g.stage_times`',
re-exported here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from protv2g.checks.directional_release import RELEASED_COLUMN, with_release_columns
from protv2g.engine import ChargerSource, fault_study
from protv2g.engine.faults import peak_phase_12, seq_to_abc
from protv2g.network.fault_positions import close_in_study, with_close_in_positions
from protv2g.scenarios import Scenario, site_state
from protv2g.stage_report_findings import FINDING_KEYS, TimeFinding, time_findings
from protv2g.stage_times import TIME_OF, staged_times, time_key
from protv2g.stage_times import held_time_s as _held
from protv2g.stage_times import phase_ground_a as _phase_ground_a
from protv2g.stage_times import study_device as _device
from protv2g.stage_times import time_through_stages as _times
from protv2g.stage_times import times_through_stages as _all_times
from protv2g.study.engine_inputs import (
    charger_sources,
    device_terminals,
    fault_options,
    high_bracket_sets,
)
from protv2g.study.loader import Study
from protv2g.units import Case, ChargerMode, FaultType, LoadLevel, Participation

__all__ = ["findings_stage_table", "staged_device_table", "staged_times", "time_findings",
           "time_key", "export_of_all_sites", "TimeFinding", "FINDING_KEYS", "STAGED_TABLE_COLUMNS",
           "TIME_OF"]

#: leading columns of :func:`staged_device_table` (site columns follow: ``i_<site>_a``,
#: ``trip_<site>_s``, ``ceased_<site>``)
STAGED_TABLE_COLUMNS = (
    "device", "fault_bus", "fault_type", "case", "scenario", "participation",
    "export_of_all_sites_rating_fraction", "stage", "stage_name", "t_start_s", "t_end_s",
    "currents_bracket", "i_phase_a", "i_ground_a", "time_of", "t_op_staged_s", "t_op_high_s",
    "t_op_first_cycle_held_s", "i_today_a", "t_op_today_s")


def _today(study: Study, scenario: Scenario) -> tuple[ChargerSource, ...]:
    """The single-stage model before issue #16: export kVA at ``limit_pu``, held."""
    sites = {s.name: s for s in study.document.v2g_sites}
    out = []
    for st in scenario.sites:
        if st.mode is ChargerMode.EXPORTING and st.p_export_kw > 0:
            s = sites[st.site]
            out.append(ChargerSource(s.name, study.site_buses[s.name], st.p_export_kw / 1000,
                                     limit_pu=s.limit_pu, angle_rule=s.angle_rule,
                                     control=s.control, p_pre_mw=st.p_export_kw / 1000,
                                     k2=s.k2))
    return tuple(out)


def export_of_all_sites(study: Study, scenario: Scenario) -> float:
    """Σ export / Σ the sites' rating (``p_max_kw``) of ``scenario``: the sheet's
    ``export_of_all_sites_rating_fraction`` (0 without sites)."""
    p_max = sum(s.p_max_kw for s in study.document.v2g_sites)
    # rounded to 1e-9: the ratio of kW sums carries float noise (0.7500000000000001)
    return (round(sum(st.p_export_kw for st in scenario.sites) / p_max, 9)
            if p_max > 0 else 0.0)


def staged_device_table(study: Study, device: str, fault_bus: str, *,
                        fault_types: Sequence[FaultType | str] = ("3ph", "SLG"),
                        cases: Sequence[Case | str] = ("max",),
                        participation: Participation | str = "firm",
                        export_fraction: float = 1.0,
                        load_level: LoadLevel | str = "peak",
                        scenario: Scenario | None = None, t_shown_s: float | None = None,
                        t_scale: float = 1.0, networks: dict | None = None,
                        bracket: str = "") -> pd.DataFrame:
    """A device's current and operate time in each stage of a fault, with today's model.

    Parameters
    ----------
    study : Study
    device : str
        Device name (e.g. ``"R-F1"``).
    fault_bus : str
        Bus name of the fault (e.g. ``"F2-B03"``).
    fault_types, cases : sequence
        Fault types and cases to tabulate.
    participation : Participation
        Participation case (sets the chargers online).
    export_fraction : float
        Export of every site as a fraction of its nameplate (capped by the chargers online).
    load_level : LoadLevel
        Label only (faults do not depend on load in the IEC 60909 method).
    scenario : Scenario, optional
        A study scenario to tabulate instead (its sites' states; ``participation``,
        ``export_fraction`` and ``load_level`` are then ignored).
    t_shown_s, t_scale : float, optional
        A finding's time of the device (s; ``t_scale`` × the device's time, e.g. C2's K ×
        fast): the times tabulated are then of the device time that reproduces it through
        the stages (``time_of``: the recloser's delayed curve of C2's lockout rule, not its
        first (fast) shot); without it, the first operation.
    networks : dict, optional
        Sequence networks kept between calls on the same study (``fault_study(networks=
        ...)``): :func:`findings_stage_table` builds each case once for all its findings.
    bracket : str, optional
        A finding's bracket: ``"high"`` shows the high bracket's stage currents (device and
        sites) where the study has its own high stages; else the low bracket's
        (``currents_bracket`` says which; review rev40a W3).

    Returns
    -------
    DataFrame
        :data:`STAGED_TABLE_COLUMNS` then per site ``i_<site>_a`` (largest phase current of
        the site in the stage), ``trip_<site>_s`` (when it trips, ``inf`` never) and
        ``ceased_<site>`` (momentary cessation). Currents in primary A, times in s from fault
        inception (``inf`` = does not operate). ``participation`` is ``—`` for a base case
        (``scenario.is_base``: no chargers); ``export_of_all_sites_rating_fraction`` = Σ
        export / Σ the sites' rating (``p_max_kw``), not one site's share. ``time_of``
        names the device time tabulated (:data:`TIME_OF`); ``currents_bracket``: whose stage
        currents the row shows (``low`` / ``high``). ``t_op_staged_s``: through the
        stages (low bracket); ``t_op_high_s``: the high bracket of the study's
        ``faults.high_bracket``; ``t_op_first_cycle_held_s``: first-cycle current held for
        the whole fault; ``t_op_today_s`` at ``i_today_a``: the single-stage model before
        issue #16.

    Raises
    ------
    KeyError
        For an unknown device or bus (listing the known ones).

    Examples
    --------
    >>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
    >>> staged_device_table(study, "R-F1", "F2-B03")  # doctest: +SKIP
    """
    dev = _device(study, device)
    names = study.net.bus.name.astype(str)
    if fault_bus not in set(names):  # a fault just past a device (#17): the close-in buses
        study = with_close_in_positions(study)
        names = study.net.bus.name.astype(str)
        networks = None  # another net: the networks kept are not its own
    if fault_bus not in set(names):
        raise KeyError(f"unknown bus {fault_bus!r}; buses: {', '.join(sorted(set(names)))}")
    bus = int(study.net.bus.index[names == fault_bus][0])
    doc = study.document
    if scenario is None:
        part = Participation(participation)
        states = tuple(site_state(s, part, export_fraction * s.p_max_kw)
                       for s in doc.v2g_sites)
        scenario = Scenario(
            f"{part.value}/{LoadLevel(load_level).value}/{100 * export_fraction:g}%", part,
            LoadLevel(load_level), f"{100 * export_fraction:g}%", states)
        sets = _stage_sets(study, scenario, export_fraction)
    else:
        sets = _stage_sets(study, scenario)
    # the one device's terminal only: each device's currents are its own rows of Z (one
    # unit solve per terminal bus), apart from the others' (#21: all 60 devices' rows solved
    # for one, 3 × 0.1 s at 10,000 buses)
    res = fault_study(study.net, fault_types=[FaultType(x) for x in fault_types],
                      cases=[Case(c) for c in cases], **fault_options(study),
                      scenarios=sets.scenarios(""),
                      devices=[t for t in device_terminals(study) if t.name == device],
                      buses=[bus], networks=networks)
    return pd.DataFrame(_stage_rows(res, dev, device, fault_bus, sets, "", 0, t_shown_s,
                                    t_scale, bracket, _release_codes(study, res)))


@dataclasses.dataclass(frozen=True)
class _StageSets:
    """One scenario's charger sets for :func:`staged_device_table`: ``staged`` (the low
    bracket's stages), ``today`` (:func:`_today`) and, when the study's high bracket is its
    sustained limit, ``high``; with the sheet's scenario, participation and export labels."""

    scenario: Scenario
    export_fraction: float
    staged: tuple[ChargerSource, ...]
    today: tuple[ChargerSource, ...]
    high: tuple[ChargerSource, ...] | None

    def scenarios(self, tag: str) -> dict[str, tuple[ChargerSource, ...]]:
        """The sets as ``fault_study`` scenarios, named ``staged<tag>``, ``today<tag>`` …"""
        out = {f"staged{tag}": self.staged, f"today{tag}": self.today}
        if self.high is not None:
            out[f"high{tag}"] = self.high
        return out


def _stage_sets(study: Study, sc: Scenario, export_fraction: float | None = None
                ) -> _StageSets:
    """:class:`_StageSets` of ``sc`` (its export as :func:`export_of_all_sites` unless
    ``export_fraction`` is given: a scenario made from one)."""
    low = charger_sources(study, sc)
    # the high bracket's own stages; else it is the first cycle held
    high = (high_bracket_sets(study, {"high": low})["high"]
            if study.document.faults.high_bracket == "sustained_limit" else None)
    return _StageSets(sc, export_of_all_sites(study, sc) if export_fraction is None
                      else export_fraction, low, _today(study, sc), high)


def _release_codes(study: Study, res) -> dict[tuple, int] | None:
    """Each row of ``res`` (a ``fault_study`` result) of a forward-directional relay →
    its release code (:func:`protv2g.checks.directional_release.with_release_columns`: C9's
    decision on the row's first-cycle phasors, the same as the checks' and the OpenDSS
    sheet's), keyed ``(scenario, device, fault bus index, fault type, case)``; ``None``
    without such a relay among ``res.devices``."""
    from protv2g.directional.settings import is_forward_directional

    names = {d.name for d in study.document.devices
             if d.name in set(res.devices) and getattr(d.kind, "value", d.kind) != "fuse"
             and is_forward_directional(d)}
    if not names:
        return None
    table = res.device
    table = table[table["device"].isin(names)].reset_index(drop=True)
    out, _ = with_release_columns(study, table, {n: _device(study, n) for n in names}, None)
    if RELEASED_COLUMN not in out.columns:
        return None
    keys = zip(*(out[c].astype(str) if c != "fault_bus" else out[c].astype(int)
                 for c in ("scenario", "device", "fault_bus", "fault_type", "case")),
               strict=True)
    return dict(zip(keys, out[RELEASED_COLUMN].to_numpy().tolist(), strict=True))


def _stage_rows(res, dev, device: str, fault_bus: str, sets: _StageSets, tag: str, m: int,
                t_shown_s: float | None, t_scale: float, bracket: str = "",
                release: dict[tuple, int] | None = None) -> list[dict]:
    """:func:`staged_device_table`'s rows of ``device`` at the fault bus at position ``m``
    of ``res`` (a ``fault_study`` result with ``sets.scenarios(tag)`` among its scenarios).
    The stage currents shown (device and sites, ``currents_bracket``) are the low bracket's,
    or the high bracket's stages for a ``bracket`` ``"high"`` finding where the study has them
    (``sets.high``; review rev40a W3); the times are both brackets' as before. ``release``
    (:func:`_release_codes`): a forward-directional relay is timed on the elements its
    directional control releases — the staged and held times and the high bracket's on the
    staged first cycle's decision (held through the stages, as the checks take it), today's
    model on its own — as the checks and the OpenDSS sheet time it (review fix41d); the
    currents shown stay those in the device."""
    sc = sets.scenario
    part, export_fraction = sc.participation, sets.export_fraction
    st = res.staged
    scenario_names = list(res.scenarios)
    s_low = scenario_names.index(f"staged{tag}")
    s_today = scenario_names.index(f"today{tag}")
    d = list(res.devices).index(device)
    shown = "high" if bracket == "high" and sets.high is not None else "low"
    s_shown = scenario_names.index(f"{'high' if shown == 'high' else 'staged'}{tag}")
    site_key = f"{'high' if shown == 'high' else 'staged'}{tag}"
    site_names = st.chargers[site_key]
    chg = st.charger_i_12_ka.get(site_key)
    rows = []
    bus = int(res.fault_buses[m])
    for c, case in enumerate(res.cases):
        for t, ft in enumerate(res.fault_types):
            code_low, code_today = ((release or {}).get(
                (f"{name}{tag}", device, bus, ft.value, case.value)) for name in (
                "staged", "today"))
            t0, t1 = st.t_start_s[s_low, c, t, :, m], st.t_end_s[s_low, c, t, :, m]
            i012 = st.device_i_012_ka[s_low, c, t, :, d, m]  # (stage, seq)
            ip, ig = _phase_ground_a(i012, code_low)
            # the shown bracket's stages (the low's unless the finding is the high's)
            t0_s, t1_s = st.t_start_s[s_shown, c, t, :, m], st.t_end_s[s_shown, c, t, :, m]
            ip_s, ig_s = _phase_ground_a(st.device_i_012_ka[s_shown, c, t, :, d, m])
            today = res.device_i_012_ka[s_today, c, t, d, m]
            i_today = 1e3 * float(np.abs(seq_to_abc(today)).max())
            staged = _all_times(dev, ip, ig, t0, t1)
            key = time_key(staged, t_shown_s, t_scale)
            t_today = float(_held(dev, *_phase_ground_a(today, code_today), key))
            t_staged = staged[key]
            t_held = float(_held(dev, ip[0], ig[0], key))
            t_high = t_held
            if sets.high is not None:
                h = scenario_names.index(f"high{tag}")
                i_h = st.device_i_012_ka[h, c, t, :, d, m]
                t_high = _times(dev, *_phase_ground_a(i_h, code_low),
                                st.t_start_s[h, c, t, :, m],
                                st.t_end_s[h, c, t, :, m], key)
            for j in range(st.n_stages):
                if not np.isfinite(t0_s[j]):
                    continue
                row = {"device": device, "fault_bus": fault_bus, "fault_type": ft.value,
                       "case": case.value, "scenario": sc.name,
                       "participation": "—" if sc.is_base else part.value,
                       "export_of_all_sites_rating_fraction": export_fraction, "stage": j,
                       "stage_name": st.stage_names[j], "t_start_s": t0_s[j],
                       "t_end_s": t1_s[j], "currents_bracket": shown,
                       "i_phase_a": ip_s[j], "i_ground_a": ig_s[j],
                       "time_of": f"{TIME_OF[key]} ({key})", "t_op_staged_s": t_staged,
                       "t_op_high_s": t_high, "t_op_first_cycle_held_s": t_held,
                       "i_today_a": i_today, "t_op_today_s": t_today}
                for k, s in enumerate(site_names):
                    if chg is None:
                        break
                    a = chg[c, t, j, k, m]
                    row[f"i_{s}_a"] = 1e3 * float(peak_phase_12(a))
                    row[f"trip_{s}_s"] = float(st.site_trip_s[site_key][c, t, k, m])
                    row[f"ceased_{s}"] = bool(st.site_ceased[site_key][c, t, k, m])
                rows.append(row)
    return rows


def findings_stage_table(study: Study, violations: pd.DataFrame,
                         scenarios: Sequence[Scenario], *, max_pairs: int = 12,
                         close_in: tuple[Study, Study] | None = None,
                         networks: dict | None = None) -> pd.DataFrame:
    """The "Charger stages" table: :func:`staged_device_table` for the findings that depend on
    the chargers' behaviour in time (:func:`time_findings`), one engine call per fault type
    and case of them (their buses, devices and scenarios together; the rows of each finding
    as :func:`staged_device_table` writes them: each (scenario, fault bus) column is solved
    on its own, so the values are those of a call per finding). On an OpenDSS feeder the
    table comes from the stored stages instead:
    :func:`protv2g.stage_report_dss.dss_findings_stage_table`.

    Parameters
    ----------
    close_in : tuple, optional
        ``FaultTables.close_in`` of the run: the close-in net is taken from it instead of
        built again (:func:`protv2g.network.fault_positions.close_in_study`).
    networks : dict, optional
        ``FaultTables.networks`` of the run: the sequence networks the faults stage built on
        the close-in net, taken instead of built again (#21: 0.15 s and a deep copy of the
        net per case at 10,000 buses); used only when the close-in net is ``close_in``'s,
        and not written into (the cases it lacks are built into a dict of this call's own).

    Returns
    -------
    DataFrame
        ``finding`` (criterion, bracket and margin of the row it explains), the row's
        :data:`FINDING_KEYS` (criterion, other_device, rule: the report finds the Findings
        sheet's id by them), then the columns of :func:`staged_device_table`; empty when no
        time-based finding needs it.
    """
    found = time_findings(violations, scenarios, max_pairs=max_pairs)
    if not found:
        return pd.DataFrame(columns=["finding", *FINDING_KEYS, *STAGED_TABLE_COLUMNS])
    by_name = {sc.name: sc for sc in scenarios}
    if study.net is not None:  # findings may be at close-in positions (#17), as the checks
        study = close_in_study(study, close_in)
    # each case's sequence networks built once for all findings (#21: once per finding), by
    # the first finding of a ground fault where there is one (its networks, with Y0, serve
    # the case's other faults too): the same tables, in the findings' order
    ground = (FaultType.SINGLE_LINE_GROUND, FaultType.DOUBLE_LINE_GROUND)
    order = sorted(range(len(found)), key=lambda k: FaultType(found[k].fault_type) not in ground)
    solved_on = None if close_in is None else close_in[1].net
    # the faults stage's networks (read only: a copy of the dict takes this call's builds)
    networks = (dict(networks) if networks and solved_on is not None and study.net is solved_on
                else {})
    names = study.net.bus.name.astype(str)
    index_of = dict(zip(names.tolist(), study.net.bus.index.tolist(), strict=True))
    # the findings of one fault type and case solved in one engine call (#21: one call per
    # finding, each validating the 10,000-bus net and setting up its solver again): every
    # finding's scenario sets under its own names, its device's terminal and its bus; each
    # column of the call (scenario, fault bus) solved on its own, as in a call of its own
    groups: dict[tuple[str, str], list[int]] = {}
    for k in order:
        f = found[k]
        if f.fault_bus in index_of:  # else a close-in position the net lacks: one call
            groups.setdefault((f.fault_type, f.case), []).append(k)
    frames: dict[int, pd.DataFrame] = {}
    for (fault_type, case), ks in groups.items():
        # a scenario's sets once per call, tagged ``#<n>``: its findings read its columns at
        # their buses (#21: 7 findings of one scenario at 10,000 buses solved its sets 7×)
        sets = {name: _stage_sets(study, by_name[name])
                for name in dict.fromkeys(found[k].scenario for k in ks)}
        tag = {name: f"#{n}" for n, name in enumerate(sets)}
        buses = list(dict.fromkeys(index_of[found[k].fault_bus] for k in ks))
        devices = {found[k].device for k in ks}
        scen: dict[str, tuple[ChargerSource, ...]] = {}
        for name, one in sets.items():
            scen.update(one.scenarios(tag[name]))
        res = fault_study(study.net, fault_types=[FaultType(fault_type)], cases=[Case(case)],
                          **fault_options(study), scenarios=scen,
                          devices=[t for t in device_terminals(study) if t.name in devices],
                          buses=buses, networks=networks)
        release = _release_codes(study, res)  # a forward-directional relay's (fix41d)
        for k in ks:
            f = found[k]
            rows = _stage_rows(res, _device(study, f.device), f.device, f.fault_bus,
                               sets[f.scenario], tag[f.scenario],
                               buses.index(index_of[f.fault_bus]), f.t_shown_s, f.t_scale,
                               f.bracket, release)
            frames[k] = pd.DataFrame(rows).assign(finding=f.label, **f.keys)
    for k in order:
        if k in frames:
            continue
        f = found[k]
        table = staged_device_table(study, f.device, f.fault_bus, fault_types=[f.fault_type],
                                    cases=[f.case], scenario=by_name[f.scenario],
                                    t_shown_s=f.t_shown_s, t_scale=f.t_scale,
                                    networks=networks, bracket=f.bracket)
        frames[k] = table.assign(finding=f.label, **f.keys)
    out = pd.concat([frames[k] for k in range(len(found))], ignore_index=True)
    return out[["finding", *FINDING_KEYS,
                *[c for c in out.columns if c not in ("finding", *FINDING_KEYS)]]]
