"""The "Charger stages" sheet of a study on an OpenDSS feeder, from the stages it kept (#15/#16).

On a pandapower study :func:`protv2g.stage_report.findings_stage_table` re-solves each
finding's fault. The OpenDSS (phase-domain) path has already solved every stage of every kept
device row (:class:`~protv2g.engine.staged_tables.StagedCurrents` ``FaultTables.staged`` /
``staged_high``, aligned row by row with ``FaultTables.device``; ``protv2g/pipeline_dss.py``
from ``engine/phase/stages.py``), so this module only reads them: for the same findings
(:func:`protv2g.stage_report.time_findings`) the device row of the finding's fault, its
current in each stage, each site unit's current, cessation and trip, and the operate times
computed by the checks' own function (:func:`protv2g.checks._common.device_times`, which
integrates ``Σ Δt/t_op = 1`` through the stages, :mod:`protv2g.devices.staged`) on that one
row — so a time here is the time the checks judged, not a second computation of it.

What the stored stages do not have is left NaN, and the ``note`` column says so:

* ``i_today_a``, ``t_op_today_s`` — the single-stage model before #16 (export kVA at
  ``limit_pu``, held) exists on the sequence path only; the phase path never solves it;
* a site unit's current in a stage after a trip (``after_trip_k``): the site table keeps
  each unit's first-cycle and sustained current only (``i_first_cycle_ka``,
  ``i_sustained_ka``); a unit that has tripped by then carries 0 A.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import bracket_column, build_devices, device_times
from protv2g.checks.directional_release import with_release_columns
from protv2g.devices.kinds import TIME_COLUMNS
from protv2g.engine.staged_tables import StagedCurrents
from protv2g.scenarios import Scenario
from protv2g.stage_report import (
    FINDING_KEYS,
    STAGED_TABLE_COLUMNS,
    TIME_OF,
    export_of_all_sites,
    time_findings,
    time_key,
)
from protv2g.study.loader import Study

__all__ = ["dss_findings_stage_table", "dss_staged_device_table", "DSS_STAGES_NOTE"]

#: The ``note`` column of the OpenDSS "Charger stages" table (module docstring).
DSS_STAGES_NOTE = (
    "OpenDSS feeder: stages as the phase-domain fault study kept them (no re-solve); "
    "i_today_a and t_op_today_s (single-stage model before #16) are not computed on the "
    "phase path (blank); a site's current after a trip stage is not stored (blank) unless "
    "it has tripped (0 A)")


#: A key column of the device table as integer codes and value → code (:func:`_key_codes`).
KeyCodes = tuple[np.ndarray, dict[Any, int]]


def _key_codes(column: pd.Series, text: bool) -> KeyCodes:
    """``column`` (its ``astype(str)`` text when ``text``) as integer codes and each value's
    code: a categorical's own codes, its categories' texts looked up once (#21: the IEEE
    8500's three ``astype(str)`` of 278,888 rows were 4 % of its checks stage); another
    column coded by :func:`pandas.factorize` (a missing value coded −1, which no value
    finds, as ``==`` finds none)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        cats = column.cat.categories.tolist()
        values = [str(c) for c in cats] if text else cats
        # distinct texts, and none missing where a missing cell has a text ("nan")
        if len(set(values)) == len(values) and not (text and (codes < 0).any()):
            return codes, {v: k for k, v in enumerate(values)}
    codes, uniques = pd.factorize((column.astype(str) if text else column).to_numpy())
    return codes, {v: k for k, v in enumerate(uniques.tolist())}


def _row_keys(device: pd.DataFrame) -> tuple[KeyCodes, ...]:
    """The key columns :func:`_row_of` compares (``device``, ``fault_bus_name``,
    ``fault_type``, ``case``, ``scenario``; the middle three by their text) as codes,
    built once per table (#21)."""
    return tuple(_key_codes(device[c], c not in ("device", "scenario"))
                 for c in ("device", "fault_bus_name", "fault_type", "case", "scenario"))


def _site_keys(sites: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """``fault_bus, scenario, case, fault_type`` of ``StagedCurrents.sites`` as arrays."""
    return (sites["fault_bus"].to_numpy(), sites["scenario"].to_numpy(),
            sites["case"].astype(str).to_numpy(), sites["fault_type"].astype(str).to_numpy())


def _row_of(keys: tuple[KeyCodes, ...], name: str, fault_bus: str, fault_type: str,
            case: str, scenario: str) -> int | None:
    """Position of the device table row of a finding's fault (``None``: not kept); ``keys``
    from :func:`_row_keys` of the device table: the first row whose five keys equal the
    values (the codes compared, only on the rows still matching after the device)."""
    at = None
    for (codes, code_of), value in zip(keys, (name, fault_bus, fault_type, case, scenario),
                                       strict=True):
        code = code_of.get(value)
        if code is None:
            return None
        at = np.flatnonzero(codes == code) if at is None else at[codes[at] == code]
    return int(at[0]) if at is not None and len(at) else None


def _bracket_times(times: pd.DataFrame, bracket: str) -> dict[str, float]:
    """``{t_op_s: …, t_fast_s: …}`` of one bracket from :func:`device_times`' one row."""
    return {k: float(times[bracket_column(k, bracket)].iloc[0]) for k in TIME_COLUMNS}


def v2g_sites_first(sites: pd.DataFrame, v2g_names: Sequence[str]) -> pd.DataFrame:
    """``sites`` (rows of ``StagedCurrents.sites``) with the study's V2G sites first, in the
    study's order, then the feeder's existing inverters in their own order (review s18: the
    Charger stages sheet interleaved PV units with the sites' columns)."""
    order = {name: j for j, name in enumerate(v2g_names)}
    rank = sites.site.astype(str).map(order).fillna(len(order)).to_numpy()
    return sites.iloc[np.argsort(rank, kind="stable")]


def _site_columns(sites: pd.DataFrame, t_start_s: np.ndarray) -> list[dict[str, Any]]:
    """Per stage, ``i_<unit>_a``, ``trip_<unit>_s``, ``ceased_<unit>`` of the site units of
    one fault (``sites``: its rows of ``StagedCurrents.sites``). A unit is its site's name, or
    ``<site>.<phases>`` where a site has units on several phases."""
    out: list[dict[str, Any]] = [{} for _ in t_start_s]
    many = sites.groupby("site")["site_phases"].transform("nunique").to_numpy() > 1
    for r, several in zip(sites.itertuples(index=False), many, strict=True):
        unit = f"{r.site}.{r.site_phases}" if several else str(r.site)
        trip = float(r.trip_s)
        for j, t0 in enumerate(t_start_s):
            if j == 0:
                i_a = 1e3 * float(r.i_first_cycle_ka)
            elif trip <= t0:
                i_a = 0.0  # tripped before this stage begins
            elif j == 1:
                i_a = 1e3 * float(r.i_sustained_ka)
            else:
                i_a = np.nan  # a later stage's current of a unit still online: not stored
            out[j].update({f"i_{unit}_a": i_a, f"trip_{unit}_s": trip,
                           f"ceased_{unit}": bool(r.ceased)})
    return out


def dss_staged_device_table(study: Study, faults: Any, device: str, fault_bus: str,
                            fault_type: str, case: str, scenario: Scenario, *,
                            t_shown_s: float | None = None, t_scale: float = 1.0,
                            devices: dict | None = None,
                            row_keys: tuple[KeyCodes, ...] | None = None,
                            bracket: str = "") -> pd.DataFrame:
    """A device's current and operate time in each stage of one fault, from the stored stages.

    Parameters
    ----------
    study : Study
        On an OpenDSS feeder (``study.model``).
    faults : FaultTables
        From :func:`protv2g.pipeline.fault_tables` with ``staged=True``: ``device`` (the kept
        device rows) and ``staged`` / ``staged_high`` aligned with it.
    device, fault_bus, fault_type, case : str
        The device row: device name, fault bus name, folded fault type (``SLG-c``), case.
    scenario : Scenario
        The study scenario of the row.
    t_shown_s, t_scale : float, optional
        A finding's time of the device and its rule's factor (as
        :func:`protv2g.stage_report.staged_device_table`): the time tabulated is the device
        time (``time_of``) that reproduces it; without it the first operation.
    devices : dict, optional
        Device models by name (:func:`protv2g.checks._common.build_devices`; built when not
        given).
    row_keys : tuple of KeyCodes, optional
        :func:`_row_keys` of ``faults.device`` (built when not given).
    bracket : str, optional
        The finding's bracket: ``"high"`` shows the high bracket's stage currents
        (``faults.staged_high``), anything else the low bracket's (``currents_bracket``).

    Returns
    -------
    DataFrame
        :data:`~protv2g.stage_report.STAGED_TABLE_COLUMNS`, the site units' ``i_<unit>_a``,
        ``trip_<unit>_s``, ``ceased_<unit>`` and ``note``, one row per real stage; empty when
        the device table has no such row (the device sees under 1 A there). A
        forward-directional relay's times are those of the elements its directional control
        releases (:mod:`protv2g.checks.directional_release`). Stage currents
        are the stored float32 magnitudes (A); ``t_op_staged_s`` / ``t_op_high_s``: the
        checks' low / high bracket (``<time>_low_s`` / ``<time>_high_s`` of
        :func:`~protv2g.checks._common.device_times`), ``t_op_first_cycle_held_s``: the
        device table's first-cycle current held; ``i_today_a``, ``t_op_today_s`` NaN.

    Raises
    ------
    ValueError
        Without stored stages (``fault_tables(..., staged=False)``).
    KeyError
        For a device the study cannot build.
    """
    st: StagedCurrents | None = faults.staged
    if st is None:
        raise ValueError("the OpenDSS Charger stages table reads the stored stages: run "
                         "fault_tables(..., staged=True)")
    i = _row_of(row_keys or _row_keys(faults.device), device, fault_bus, fault_type, case,
                scenario.name)
    if i is None:
        return pd.DataFrame(columns=[*STAGED_TABLE_COLUMNS, "note"])
    if devices is None:
        devices = build_devices(study)[0]
    one = {device: devices[device]}
    row, _ = with_release_columns(study, faults.device.iloc[[i]], one,
                                  getattr(faults, "v1_pre_pu", None))
    high_st = None if faults.staged_high is None else faults.staged_high.take([i])
    both = device_times(one, row, st.take([i]), high_st)  # the checks' two brackets
    held = device_times(one, row)  # no stages: the first-cycle current held
    return _stage_rows(study, st, i, both, held, device, fault_bus, fault_type, case, scenario,
                       t_shown_s, t_scale, bracket=bracket, high=faults.staged_high)


def _stage_rows(study: Study, st: StagedCurrents, i: int, both: pd.DataFrame,
                held: pd.DataFrame, device: str, fault_bus: str, fault_type: str, case: str,
                scenario: Scenario, t_shown_s: float | None, t_scale: float,
                site_keys: tuple[np.ndarray, ...] | None = None, bracket: str = "",
                high: StagedCurrents | None = None) -> pd.DataFrame:
    """The rows of :func:`dss_staged_device_table` for device-table row ``i``, from its
    :func:`device_times` with (``both``) and without (``held``) the stages (one row each);
    ``site_keys``: :func:`_site_keys` of ``st.sites`` (built when not given). The stage
    currents (device and site units) are the low bracket's ``st``, or the high bracket's
    ``high`` (aligned with ``st``) for a ``bracket`` ``"high"`` finding; ``currents_bracket``
    says which."""
    low = _bracket_times(both, "low")
    key = time_key(low, t_shown_s, t_scale)
    t_low, t_high = low[key], float(both[bracket_column(key, "high")].iloc[0])
    t_held = float(held[key].iloc[0])
    # the finding's own bracket's stage currents (review rev40a W3: J1's high-bracket C5
    # finding showed the depot at its 1.1 pu low bracket, the head at the low's 673 A)
    shown = "low"
    if bracket == "high" and high is not None:
        st, shown, site_keys = high, "high", (None if high is not st else site_keys)
    ip, ig = st.phase_a([i])[:, 0], st.ground_a([i])[:, 0]
    t0, t1 = (t[:, 0] for t in st.times_s([i]))
    s = st.sites
    if len(s):
        k = site_keys or _site_keys(s)
        m = k[0] == int(both["fault_bus"].iloc[0])
        for column, value in zip(k[1:], (scenario.name, case, fault_type), strict=True):
            at = np.flatnonzero(m)
            m[at] = column[at] == value
        s = v2g_sites_first(s[m], [x.name for x in study.document.v2g_sites])
    site_cols = _site_columns(s, t0)
    common = {"device": device, "fault_bus": fault_bus, "fault_type": fault_type,
              "case": case, "scenario": scenario.name,
              "participation": "—" if scenario.is_base else scenario.participation.value,
              "export_of_all_sites_rating_fraction": export_of_all_sites(study, scenario)}
    rows = []
    for j in range(st.n_stages):
        if not np.isfinite(t0[j]):
            continue  # a padded stage: this fault has fewer
        rows.append({**common, "stage": j, "stage_name": st.stage_names[j],
                     "t_start_s": t0[j], "t_end_s": t1[j], "currents_bracket": shown,
                     "i_phase_a": ip[j],
                     "i_ground_a": ig[j], "time_of": f"{TIME_OF[key]} ({key})",
                     "t_op_staged_s": t_low, "t_op_high_s": t_high,
                     "t_op_first_cycle_held_s": t_held, "i_today_a": np.nan,
                     "t_op_today_s": np.nan, **site_cols[j], "note": DSS_STAGES_NOTE})
    return pd.DataFrame(rows)


def dss_findings_stage_table(study: Study, violations: pd.DataFrame,
                             scenarios: Sequence[Scenario], faults: Any, *,
                             max_pairs: int = 12,
                             timed: pd.DataFrame | None = None) -> pd.DataFrame:
    """The "Charger stages" table of an OpenDSS study: :func:`dss_staged_device_table` for
    the findings :func:`protv2g.stage_report.time_findings` picks (the same as on a
    pandapower study).

    Parameters
    ----------
    study : Study
    violations : DataFrame
        The checks' rows.
    scenarios : sequence of Scenario
    faults : FaultTables
        The fault tables the checks read (``staged=True``).
    max_pairs : int
        At most this many (criterion, device) findings.
    timed : DataFrame, optional
        The checks' :func:`device_times` of ``faults.device`` with both brackets' stages
        (``CheckContext.faults``, row by row the same): the findings' times are read from it
        instead of timed again; ignored when its length differs or it lacks the per-bracket
        columns (``check_study``'s context lets them go once its criteria have read them).

    Returns
    -------
    DataFrame
        ``finding``, its ``FINDING_KEYS``, then the columns of
        :func:`dss_staged_device_table`; empty when no
        time-based finding needs it.
    """
    found = time_findings(violations, scenarios, max_pairs=max_pairs)
    empty = pd.DataFrame(columns=["finding", *FINDING_KEYS, *STAGED_TABLE_COLUMNS, "note"])
    if not found or faults.staged is None:
        return empty
    by_name = {sc.name: sc for sc in scenarios}
    devices = build_devices(study)[0]
    keys = _row_keys(faults.device)
    found = [f for f in found if f.device in devices]
    rows = [_row_of(keys, f.device, f.fault_bus, f.fault_type, f.case, f.scenario)
            for f in found]
    at = [i for i in rows if i is not None]
    if not at:
        return empty
    # every finding's row timed in one call per bracket (#21: 12 one-row calls, 0.2 s on the
    # IEEE 8500); a row's times depend on that row and its device only
    # a forward-directional relay's elements its directional control releases, as the
    # checks time them (:mod:`protv2g.checks.directional_release`, review rev41a W2)
    table, _ = with_release_columns(study, faults.device.iloc[at], devices,
                                    getattr(faults, "v1_pre_pu", None))
    st, high = faults.staged, faults.staged_high
    if timed is not None and len(timed) == len(faults.device) \
            and bracket_column("t_op_s", "low") in timed.columns:
        both = timed.iloc[at]  # the checks timed every row with the same stages (#21)
    else:
        both = device_times(devices, table, st.take(at),
                            None if high is None else high.take(at))
    held = device_times(devices, table)
    site_keys = _site_keys(st.sites) if len(st.sites) else None
    frames, k = [], 0
    for f, i in zip(found, rows, strict=True):
        if i is None:
            continue
        frames.append(_stage_rows(study, st, i, both.iloc[[k]], held.iloc[[k]], f.device,
                                  f.fault_bus, f.fault_type, f.case, by_name[f.scenario],
                                  f.t_shown_s, f.t_scale, site_keys, f.bracket,
                                  high).assign(finding=f.label, **f.keys))
        k += 1
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty
    out = pd.concat(frames, ignore_index=True)
    lead = ("finding", *FINDING_KEYS)
    return out[[*lead, *[c for c in out.columns if c not in (*lead, "note")], "note"]]
