"""Hosting-capacity results as tables: per axis, per criterion, and margin vs export.

The search (:mod:`protv2g.hosting.search`) records, for every evaluated export level of every
:class:`Axis` (site × participation × load level), the worst gate-failing row of each
criterion (``failing[(axis.key, p_kw)] = {criterion: row}``). This module turns that record
into the tables users read: :data:`HOSTING_COLUMNS` (one row per axis),
:data:`BY_CRITERION_COLUMNS` (one row per axis and criterion, with its ``status``) and
:data:`~protv2g.hosting.margins.MARGIN_COLUMNS` (smallest margin per criterion and level, for the
plot; :mod:`.margins`).

A criterion that does not apply to the study (its checks report ``not_applicable``) has
``status = "not_applicable"`` and no hosting figure in the per-criterion table — never
"not limited".

When several criteria first fail at the same export level, each carries its own evidence
(review s17 §5: "limited by C5, C10 (a, SLG-a at b2 (min))" put C5's device and fault after
C10): ``limiting_criterion`` is ``"C5 (a, SLG-a at b2 (min)), C10"`` — every criterion but
the last with its device and fault in parentheses, in catalogue order — and
``limiting_device`` / ``limiting_fault`` are the last one's, so that every text that
appends them to the criterion ("limited by {criterion} ({device}, {fault})") reads right;
:func:`limiting_criteria` gives the criterion ids back. The note gives each criterion its
own reason and starts with the hosting chargers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

from protv2g.charger_counts import charger_count
from protv2g.criteria import order
from protv2g.hosting.at_once import (
    at_once_note,
    limiting_criteria,
    reasons_text,
    smallest_text,
)
from protv2g.hosting.limits import (
    EXTRA_COLUMNS,
    axis_extras,
    extras_note,
    over_limit_bracket,
    settings_text,
    worsening,
)
from protv2g.hosting.setting_rows import is_setting
from protv2g.hosting.voltage_text import (
    AT_LIMIT_FLAG,
    over_limit_text,
    voltage_limit_text,
)
from protv2g.hosting.warns import warns_text
from protv2g.hosting.window import passes_again, window_text
from protv2g.input_basis import weakest
from protv2g.significant import kw_text, number_text
from protv2g.study.schema import V2GSite
from protv2g.units import LoadLevel, Participation
from protv2g.violations import describe_fault, is_given

__all__ = ["Aside", "Axis", "BY_CRITERION_COLUMNS", "HOSTING_COLUMNS",
           "SITE_CRITERION_COLUMNS", "Failing", "HostingStatus", "bracket", "by_site_criterion",
           "hosting_tables", "levels", "limiting_criteria"]

#: Columns of the hosting-capacity table (one row per site × participation × load level).
HOSTING_COLUMNS = [
    "site", "participation", "load_level", "hosting_kw", "hosting_chargers",
    # the most chargers online with no limit up to their full export, where the smallest
    # export already fails (:mod:`.online`; NA elsewhere)
    "max_online_chargers", "max_online_kw",
    # the site's own model transformer where every limiting row fails with it in and none
    # of the site's chargers online (:mod:`.online`, review rev33b W1b; "" elsewhere)
    "set_by_transformer",
    "limiting_criterion", "limiting_device", "limiting_fault", "limiting_basis",
    # the limiting row fails without V2G too: the figure is where V2G's worsening reaches
    # the gate's material share of that deficit (review rev33a M2; ver33: said in the note
    # only, not on the terminal)
    "fails_without_v2g",
    # the first failing export the search evaluated (NaN: not limited), and the export from
    # which the limiting criteria pass again at every level evaluated above it (NaN: none;
    # review rev37b F4: C12 at IEEE 123's bus 83 fails only 208–≈245 kW, reg4b's tap)
    "first_fail_kw", "passes_again_kw",
    # the figure's other end where it is set by a bus at the limit within its tolerance
    # without V2G: that bus counted as over the limit (.voltage_text.over_limit_text; review
    # rev40a W1; NaN elsewhere)
    "over_limit_kw",
    # where the export takes a bus over v_max_pu into C12's tolerance band at or below the
    # figure: the export at which it passes v_max_pu + the bracket's low end 0.0001 pu
    # (.tolerance_end; review rev41a M7; NaN elsewhere)
    "at_v_max_kw",
    *EXTRA_COLUMNS,
    # the gate's criteria that could not be evaluated (e.g. C1–C4 without fuses or reclosers
    # modelled): the figure says nothing of them, and no text calls it unlimited over them
    "not_evaluated",
    # the criteria not limiting the figure whose margin is negative (a warning, not
    # gate-failing) at or below it, with the export each warns from (:mod:`.warns`; review
    # rev40a M5); "" for none
    "warns",
    "site_max_kw", "limited", "note",
]

#: Columns of the per-criterion table (one row per site × participation × load × criterion).
BY_CRITERION_COLUMNS = [
    "site", "participation", "load_level", "criterion", "status", "hosting_kw",
    "first_fail_kw", "warns_from_kw", "hosting_chargers", "limiting_device", "limiting_fault",
    "limiting_basis", "site_max_kw", "limited", "note",
]

#: Columns of the per-site criterion table (one row per site × criterion, on the participation
#: case and load level where the criterion first fails at the lowest export).
SITE_CRITERION_COLUMNS = [
    "site", "criterion", "status", "hosting_kw", "first_fail_kw", "warns_from_kw",
    "hosting_chargers",
    "participation", "load_level", "limiting_device", "limiting_fault", "limiting_basis",
    "site_max_kw", "limited", "per_axis", "note",
]

#: Columns of the margin-vs-export table (one row per evaluated level × criterion).


class HostingStatus(StrEnum):
    """Values of the per-criterion table's ``status`` column."""

    LIMITED = "limited"
    NOT_LIMITED = "not_limited"
    NOT_APPLICABLE = "not_applicable"
    NOT_EVALUATED = "not_evaluated"
    #: The criterion fails, but on a setting, not on the export (:mod:`.limits`: C10's reclose,
    #: C8's transformer fuse inside its withstand, C12's set-point or site tap).
    SETTING = "setting"
    #: The axis's figure is decided at its smallest export (0 kW, :mod:`.early`) and the
    #: criterion passes there: the search did not evaluate it above.
    NOT_SEARCHED = "not_searched"


#: (axis key, export kW) → criterion → its worst gate-failing row at that level.
Failing = dict[tuple[tuple[str, str, str], float], dict[str, dict[str, Any]]]
#: (axis key, export kW) → gate-failing rows that do not limit the export (:mod:`.limits`).
Aside = dict[tuple[tuple[str, str, str], float], list[dict[str, Any]]]


@dataclass(frozen=True)
class Axis:
    """One hosting axis: a site, a participation case and a load level."""

    site: V2GSite
    participation: Participation
    load_level: LoadLevel

    @property
    def cap_kw(self) -> float:
        """Largest export of the axis: its participating chargers' power (0 for a site whose
        ``modes`` lack ``exporting``)."""
        if not self.site.can_export:
            return 0.0
        return self.site.participation.fraction(self.participation) * self.site.p_max_kw

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.site.name, self.participation.value, self.load_level.value)




#: How a site's hosting note says what the other sites are (:mod:`.points`: not built — a
#: site's hosting is that site added to today's feeder, the other sites' own transformers out
#: of its faults and flows; review rev34a F5: the note said "idle", the docs "not built").
OTHER_SITES = "other sites not built (this site added to today's feeder)"

def levels(failing: Failing, axis: Axis) -> list[float]:
    """Export levels evaluated on ``axis``, kW, ascending."""
    return sorted(p for (key, p) in failing if key == axis.key)


def fails(worst: dict[str, dict[str, Any]], crit: str | None) -> list[dict[str, Any]]:
    """Worst failing rows of one scenario: of ``crit``, or of every criterion (None)."""
    if crit is None:
        return list(worst.values())
    return [worst[crit]] if crit in worst else []


def bracket(failing: Failing, axis: Axis, levels: list[float], crit: str | None
             ) -> tuple[float, float | None]:
    """(last passing level, first failing level) of ``crit`` (None: any criterion)."""
    lo = 0.0
    for p in levels:
        if fails(failing[(axis.key, p)], crit):
            return lo, p
        lo = p
    return lo, None


def _evidence(row: dict[str, Any]) -> tuple[str, str]:
    """(device, fault) of a failing row: ``"a / homes"``, ``"SLG-a at b2 (min)"``."""
    device = str(row["device"]) if is_given(row.get("device")) else ""
    other = row.get("other_device")
    return device + (f" / {other}" if is_given(other) else ""), describe_fault(row)


def _limiting(failing: Failing, axis: Axis, levels: list[float], crit: str | None,
              change_min_pu: float = 1.0 / 120.0) -> dict[str, Any]:
    lo, hi = bracket(failing, axis, levels, crit)
    p_charger = axis.site.p_charger_kw
    out: dict[str, Any] = {
        "hosting_kw": lo if hi is not None else axis.cap_kw,
        "site_max_kw": axis.cap_kw, "limited": hi is not None,
        "limiting_criterion": "", "limiting_device": "", "limiting_fault": "", "first_fail_kw": hi,
        "limiting_basis": "", "limiting_worse": "", "fails_without_v2g": False,
        "passes_again_kw": math.nan, "over_limit_kw": math.nan,
    }
    out["hosting_chargers"] = int(math.floor(out["hosting_kw"] / p_charger + 1e-9))
    if hi is not None:
        rows = sorted(fails(failing[(axis.key, hi)], crit), key=lambda r: order(
            str(r["criterion"])))
        # each criterion with its own evidence: the last one's in the device/fault columns,
        # the others' in parentheses after their id (module docstring)
        shown = []
        for r in rows[:-1]:
            what = ", ".join(x for x in _evidence(r) if x)
            shown.append(f"{r['criterion']} ({what})" if what else str(r["criterion"]))
        out["limiting_criterion"] = ", ".join([*shown, str(rows[-1]["criterion"])])
        out["limiting_device"], out["limiting_fault"] = _evidence(rows[-1])
        # a C12 overvoltage row: the rise V2G causes, not "exceeds 1.05 pu" (review s22)
        rise = voltage_limit_text(rows[-1], hi)
        if rise:
            out["limiting_fault"] = "; ".join(t for t in (out["limiting_fault"], rise) if t)
        if all(r.get(AT_LIMIT_FLAG, False) for r in rows):  # the figure rests on the band
            out["over_limit_kw"], said = _over_limit(failing, axis, levels, crit, rows[-1], hi,
                                                     change_min_pu)
            out["limiting_fault"] = "; ".join((out["limiting_fault"], said))
        # what the limiting rows rest on, the weakest (protv2g.input_basis): a limit set by
        # a tool default or a drafted value is a limit to confirm
        out["limiting_basis"] = weakest(str(r.get("input_basis", "")) for r in rows
                                        if is_given(r.get("input_basis")))
        out["limiting_worse"] = _worse_text(rows[-1], hi, out["hosting_kw"])
        out["fails_without_v2g"] = bool(out["limiting_worse"])
        again, last = passes_again(failing, axis.key, levels, hi,
                                   [str(r["criterion"]) for r in rows])
        if again is not None:
            out["passes_again_kw"] = again
            out["limiting_fault"] = "; ".join(t for t in (
                out["limiting_fault"], window_text(hi, last, again, levels, axis.cap_kw,
                                                   [str(r["criterion"]) for r in rows])) if t)
    return out


def _over_limit(failing: Failing, axis: Axis, levels: list[float], crit: str | None,
                row: dict[str, Any], hi: float, change_min_pu: float) -> tuple[float, str]:
    """The figure with the at-limit buses counted as over the limit, kW, and its words
    (:func:`~protv2g.hosting.voltage_text.over_limit_text`), from the search's own rows
    (:func:`~protv2g.hosting.limits.over_limit_bracket`)."""
    lo, first = over_limit_bracket(failing, axis.key, levels, crit)
    alt_kw, limit = axis.cap_kw, ""
    if first is not None:
        alt_kw = lo
        rows = [r for r in fails(failing[(axis.key, first)], crit)
                if not r.get(AT_LIMIT_FLAG, False)]
        limit = "; ".join(" ".join(x for x in (str(r["criterion"]), ", ".join(
            x for x in _evidence(r) if x)) if x) for r in rows) + f" from {kw_text(first)} kW"
    return alt_kw, over_limit_text(row, hi, change_min_pu, alt_kw, limit, axis.cap_kw)


def _worse_text(row: dict[str, Any], hi_kw: float, lo_kw: float) -> str:
    """Words for a limiting row that fails without V2G too (``worse``: V2G's worsening is a
    material share of the deficit): the figure is where that share is reached, not where the
    row starts to fail (review rev33a M2, EPRI ckt24: "C2 first fails at 279.8 kW (passes at
    278.4 kW)" for a recloser–fuse pair failing by 0.929 s without V2G). "" otherwise."""
    if str(row.get("attribution", "")) != "worse":
        return ""
    delta, share = worsening(pd.DataFrame([row]))
    if not math.isfinite(float(share[0])):
        return ""
    unit = str(row.get("margin_unit") or "")
    base = float(row["base_margin"])
    hi, lo = number_text(hi_kw, "kW"), number_text(lo_kw, "kW")
    return (f"fails without V2G too (margin {base:.4g} {unit}".rstrip() + ": a condition "
            f"either way); at {hi} V2G's worsening ({float(delta[0]):.4g} {unit}".rstrip()
            + f") is {100 * float(share[0]):.1f} % of that deficit, the share the gate counts "
            f"as V2G's (at {lo} it is smaller) — fixing the failure without V2G lifts the "
            "figure")


def hosting_tables(failing: Failing, axes: list[Axis], criteria: list[str],
                   unevaluated: dict[str, list[str]], not_applicable: dict[str, str],
                   aside: Aside | None = None, *, change_min_pu: float = 1.0 / 120.0,
                   warns: Mapping[tuple[str, str, str], Mapping[str, float]] | None = None,
                   fuse_links: Mapping[str, tuple[str, str | None, str | None]] | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hosting-capacity table and the per-criterion table of a search.

    Parameters
    ----------
    failing : Failing
        The search's record (see the module docstring).
    axes : list of Axis
    criteria : list of str
        The gate's criteria.
    unevaluated : dict
        Criterion → what could not be evaluated (its hosting figure is not established).
    not_applicable : dict
        Criterion → why it does not apply to the study.
    aside : dict, optional
        The failing rows that do not limit the export (:mod:`protv2g.hosting.limits`).
    change_min_pu : float
        ``checks.voltage_change_min_pu``: what V2G may add to a bus over the limit without
        V2G, for the other end of a figure set by a bus at the limit (``over_limit_kw``).
    warns : mapping, optional
        Axis key → criterion → the export (kW) it warns from (:func:`.warns.warns_from`).
    fuse_links : mapping, optional
        Transformer fuse → (transformer, link to fit, alternative) for the fuses inside their
        transformer's inrush / cold-load withstand
        (:func:`protv2g.checks.load_withstand.withstand_links`): the remedy the settings to
        change name (:func:`.setting_rows.settings_text`).

    Returns
    -------
    table : DataFrame
        :data:`HOSTING_COLUMNS`.
    by_criterion : DataFrame
        :data:`BY_CRITERION_COLUMNS`.
    """
    rows, crit_rows = [], []
    missing = [c for c in criteria if c in unevaluated]
    caveat = (f"; NOT ESTABLISHED: {', '.join(missing)} could not be evaluated"
              if missing else "")
    na = [c for c in criteria if c in not_applicable]
    for axis in axes:
        evaluated = levels(failing, axis)
        base = {"site": axis.site.name, "participation": axis.participation.value,
                "load_level": axis.load_level.value}
        lim = _limiting(failing, axis, evaluated, None, change_min_pu)
        extra = axis_extras(failing, aside or {}, axis.key, evaluated, axis.cap_kw,
                            lim["first_fail_kw"], fuse_links)
        limiting = set(limiting_criteria(lim["limiting_criterion"])) if lim["limited"] else set()
        warned = {c: kw for c, kw in (warns or {}).get(axis.key, {}).items()
                  if c not in limiting and c not in unevaluated}
        warn = warns_text(warned, lim["hosting_kw"])
        note = (_note(axis, lim, na, missing, warn) + extras_note(extra, lim["hosting_kw"])
                + caveat)
        if missing:  # a figure over criteria that could not run is no figure (review25 §4:
            # ``hosting --json`` said determined true beside "NOT ESTABLISHED")
            extra = {**extra, "determined": False}
        rows.append({**base, **lim, **extra, "not_evaluated": ", ".join(missing),
                     "warns": warn, "note": note})
        for crit in criteria:
            if crit in not_applicable:
                crit_rows.append({**base, "criterion": crit,
                                  "status": HostingStatus.NOT_APPLICABLE.value,
                                  "hosting_kw": math.nan, "first_fail_kw": math.nan,
                                  "hosting_chargers": pd.NA,
                                  "limiting_device": "", "limiting_fault": "",
                                  "limiting_basis": "", "site_max_kw": axis.cap_kw,
                                  "limited": False,
                                  "note": not_applicable[crit]})
                continue
            c = _limiting(failing, axis, evaluated, crit, change_min_pu)
            why = "; ".join(unevaluated.get(crit, [])[:3])
            # its own setting rows: C10's, and a mechanism's (C8's transformer fuse inside
            # its withstand, C12's set-point or site tap) — the rows the settings line names
            # (review txt43: C8 "not_limited" beside "C8 F-campus_xf: … fit 65K"); another
            # criterion's setting rows at the same level are not this one's
            setting = [r for p in evaluated for r in (aside or {}).get((axis.key, p), [])
                       if str(r["criterion"]) == crit and is_setting(r)]
            status = (HostingStatus.NOT_EVALUATED if crit in unevaluated else
                      HostingStatus.LIMITED if c["limited"] else
                      HostingStatus.SETTING if setting else HostingStatus.NOT_LIMITED)
            why = why or settings_text(setting[:1], fuse_links) or at_once_note(axis, c, crit)
            warn_kw = (warned.get(crit, math.nan) if status is HostingStatus.NOT_LIMITED
                       else math.nan)
            if warn_kw == warn_kw:
                why = "; ".join(x for x in (
                    f"{warns_text({crit: warn_kw})}: its margin is negative from that export "
                    "(Margins), a warning does not limit the export", why) if x)
            crit_rows.append({**base, **c, "criterion": crit, "status": status.value,
                              "warns_from_kw": warn_kw, "note": why})
    table = pd.DataFrame(rows, columns=HOSTING_COLUMNS)
    by_crit = pd.DataFrame(crit_rows, columns=BY_CRITERION_COLUMNS)
    for frame in (table, by_crit):
        frame["limited"] = frame["limited"].astype(bool)
    table["fails_without_v2g"] = table["fails_without_v2g"].fillna(False).astype(bool)
    for col in ("first_fail_kw", "passes_again_kw", "over_limit_kw"):
        table[col] = pd.to_numeric(table[col]).astype(float)
    table["hosting_chargers"] = table["hosting_chargers"].astype(int)
    table["max_online_chargers"] = table["max_online_chargers"].astype("Int64")
    table["max_online_kw"] = pd.to_numeric(table["max_online_kw"]).astype(float)
    table["set_by_transformer"] = ""
    by_crit["hosting_chargers"] = by_crit["hosting_chargers"].astype("Int64")  # NA: n/a
    by_crit["first_fail_kw"] = pd.to_numeric(by_crit["first_fail_kw"]).astype(float)
    by_crit["warns_from_kw"] = pd.to_numeric(by_crit["warns_from_kw"]).astype(float)
    table["warns"] = table["warns"].fillna("").astype(str)
    return table, by_crit


def by_site_criterion(by_criterion: pd.DataFrame) -> pd.DataFrame:
    """One row per site × criterion: where that criterion first fails at the lowest export.

    Reduces the per-axis table (:data:`BY_CRITERION_COLUMNS`, one row per site ×
    participation × load level × criterion) as :func:`protv2g.gate_hosting.hosting_kw_per_site`
    reduces the hosting table: a criterion's figure at a site is its smallest ``hosting_kw``
    over the axes where it is limited (the export at which it first fails does not depend on
    how many chargers could take part); ``participation`` / ``load_level`` name that axis and
    ``first_fail_kw`` is the first failing export evaluated there. A criterion limited on no
    axis keeps the largest ``site_max_kw`` (status ``not_limited``); ``not_applicable`` and
    ``not_evaluated`` are the criterion's own (the same on every axis) and have no figure.
    ``per_axis`` lists every axis's figure, so nothing of the per-axis table is lost.

    The smallest ``hosting_kw`` over the criteria of a site is therefore the site's figure on
    the Hosting capacity table, and the criterion that reaches it is its limiting criterion.

    Parameters
    ----------
    by_criterion : DataFrame
        :data:`BY_CRITERION_COLUMNS` (``HostingAnalysis.by_criterion``).

    Returns
    -------
    DataFrame
        :data:`SITE_CRITERION_COLUMNS`, sites in their order, criteria by number.
    """
    rows: list[dict[str, Any]] = []
    if by_criterion is None or by_criterion.empty:
        return pd.DataFrame(rows, columns=SITE_CRITERION_COLUMNS)
    for (site, crit), grp in by_criterion.groupby(["site", "criterion"], sort=False):
        # an axis not searched above its decided smallest export (.early) says nothing of
        # the criterion where another axis was searched
        searched = grp[grp["status"] != HostingStatus.NOT_SEARCHED.value]
        status = str((searched if len(searched) else grp)["status"].iloc[0])
        limited = grp[grp["limited"].astype(bool)]
        kw = pd.to_numeric(grp["hosting_kw"], errors="coerce")
        if len(limited):
            pick = limited.loc[pd.to_numeric(limited["hosting_kw"]).idxmin()]
        elif status in (HostingStatus.NOT_LIMITED.value, HostingStatus.SETTING.value):
            # a setting to change limits no export (.limits): the site maximum, as unlimited
            pick = searched.loc[pd.to_numeric(searched["site_max_kw"]).idxmax()]
        else:
            pick = grp.iloc[0]
        parts = []
        for r, v in zip(grp.itertuples(index=False), kw, strict=True):
            axis = f"{r.participation}/{r.load_level}"
            warn_kw = getattr(r, "warns_from_kw", math.nan)
            parts.append(f"{axis}: first fails at {r.first_fail_kw:,.0f} kW" if r.limited
                         else f"{axis}: {r.status.replace('_', ' ')}"
                         + (f" up to {v:,.0f} kW" if r.status in (
                            HostingStatus.NOT_LIMITED.value, HostingStatus.SETTING.value)
                            else "")
                         + (f", warns from {warn_kw:,.0f} kW" if warn_kw == warn_kw
                            and not r.limited else ""))
        rows.append({
            "site": site, "criterion": crit,
            "status": HostingStatus.LIMITED.value if len(limited) else status,
            "hosting_kw": float(pick["hosting_kw"]), "first_fail_kw": float(
                pick["first_fail_kw"]) if len(limited) else math.nan,
            "warns_from_kw": (math.nan if len(limited) else float(pd.to_numeric(
                grp.get("warns_from_kw", pd.Series(dtype=float))).min())),
            "hosting_chargers": pick["hosting_chargers"],
            "participation": pick["participation"] if len(limited) else "",
            "load_level": pick["load_level"] if len(limited) else "",
            "limiting_device": pick["limiting_device"], "limiting_fault": pick["limiting_fault"],
            "limiting_basis": pick.get("limiting_basis", ""),
            "site_max_kw": float(pd.to_numeric(grp["site_max_kw"]).max()),
            "limited": bool(len(limited)), "per_axis": "; ".join(parts),
            "note": str(pick["note"]),
        })
    sites = list(dict.fromkeys(by_criterion["site"]))
    rows.sort(key=lambda r: (sites.index(r["site"]), order(str(r["criterion"]))))
    out = pd.DataFrame(rows, columns=SITE_CRITERION_COLUMNS)
    out["hosting_chargers"] = out["hosting_chargers"].astype("Int64")
    return out


def _note(axis: Axis, lim: dict[str, Any], not_applicable: list[str],
          not_evaluated: list[str] = (), warn: str = "") -> str:
    frac = axis.site.participation.fraction(axis.participation)
    cap = (f"{axis.participation.value} participation: {frac:g} × {axis.site.n_chargers} × "
           f"{axis.site.p_charger_kw:g} kW = {axis.cap_kw:g} kW")
    if not axis.site.can_export:
        modes = ", ".join(str(getattr(m, "value", m)) for m in axis.site.modes)
        return f"the site does not export (modes: {modes})"
    if axis.cap_kw <= 0:
        return f"no export available ({cap})"
    if not lim["limited"]:
        na = (f"; {', '.join(not_applicable)} not applicable to this study"
              if not_applicable else "")
        which = (f"no criterion evaluated ({', '.join(not_evaluated)} not evaluated)"
                 if not_evaluated else "no criterion")
        warned = f"; {warn}" if warn else ""
        return (f"{which} limits it up to the site maximum ({cap}){warned}; "
                f"{OTHER_SITES}{na}")
    hi = lim["first_fail_kw"]
    s = axis.site
    n_on = s.participation.fraction(axis.participation) * s.n_chargers
    # the useful figure first (review s17 §5: "Hosting chargers 0" was buried)
    # the count the kW is, to a tenth where fractional (review s31: "hosting 5 of 12.8
    # chargers (656.2 kW)" — 656.2 kW is 5.2 chargers' output of 125 kW)
    count = charger_count(lim["hosting_kw"], s.p_charger_kw)
    of = (f"{count} of {n_on:g} chargers" if isinstance(count, int) and float(n_on).is_integer()
          else f"{count:g} of {n_on:g} chargers' output")
    chargers = (f"hosting {of} ({number_text(lim['hosting_kw'], 'kW')}): "
                if "hosting_chargers" in lim else "")
    crits = limiting_criteria(lim["limiting_criterion"])
    names = (f"{', '.join(crits[:-1])} and {crits[-1]}" if len(crits) > 1 else
             crits[0] if crits else str(lim["limiting_criterion"]))
    if lim["hosting_kw"] <= 0:
        head = (f"{names} {'fail' if len(crits) > 1 else 'fails'} from the smallest export "
                f"evaluated ({smallest_text(hi, n_on)}): not a matter of export — ")
        return f"{chargers}{head}{reasons_text(crits, s, n_on)}; {cap}; {OTHER_SITES}"
    # kW by the report's rule (protv2g.significant.number_text, as the hosting cells)
    worse = lim.get("limiting_worse", "")
    warned = f"; below it {warn}" if warn else ""
    if worse:  # kW already in the report's rule (:func:`_worse_text`)
        return f"{chargers}{names} {worse}{warned}; {cap}; {OTHER_SITES}"
    return (f"{chargers}{names} first {'fail' if len(crits) > 1 else 'fails'} at "
            f"{number_text(hi, 'kW')} (passes at {number_text(lim['hosting_kw'], 'kW')})"
            f"{warned}; {cap}; {OTHER_SITES}")
