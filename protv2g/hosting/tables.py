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

The axes and the search's record are :mod:`.axis`'s; what limits one axis, :mod:`.limiting`'s;
the per-site criterion table, :mod:`.site_table`'s (their names re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from protv2g.charger_counts import charger_count
from protv2g.hosting.at_once import (
    at_once_note,
    limiting_criteria,
    reasons_text,
    smallest_text,
)
from protv2g.hosting.axis import (
    OTHER_SITES,
    Aside,
    Axis,
    Failing,
    HostingStatus,
    bracket,
    fails,
    levels,
)
from protv2g.hosting.limiting import _limiting
from protv2g.hosting.limits import (
    EXTRA_COLUMNS,
    axis_extras,
    extras_note,
    settings_text,
)
from protv2g.hosting.setting_rows import is_setting
from protv2g.hosting.site_table import SITE_CRITERION_COLUMNS, by_site_criterion
from protv2g.hosting.unbalance_text import note_words
from protv2g.hosting.warns import warns_text
from protv2g.significant import number_text

__all__ = ["OTHER_SITES", "Aside", "Axis", "BY_CRITERION_COLUMNS", "HOSTING_COLUMNS",
           "SITE_CRITERION_COLUMNS", "Failing", "HostingStatus", "bracket", "by_site_criterion",
           "fails", "hosting_tables", "levels", "limiting_criteria"]

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
    edge = note_words(str(lim.get("limiting_fault", "")))  # unbalance (review rev49b #4)
    return (f"{chargers}{names} first {'fail' if len(crits) > 1 else 'fails'} at "
            f"{number_text(hi, 'kW')} (passes at {number_text(lim['hosting_kw'], 'kW')})"
            f"{f'; {edge}' if edge else ''}{warned}; {cap}; {OTHER_SITES}")
