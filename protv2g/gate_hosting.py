"""The gate's hosting-capacity figures: one figure per site, what limits it, and its line.

The hosting-capacity table (:func:`protv2g.hosting.hosting_capacity`) has one row per site ×
participation case × load level. The gate reports, per site, the row with the **smallest**
``hosting_kw`` among the *limited* rows (the export at which a criterion first fails does not
depend on how many chargers could take part); a site no criterion limits gets its largest
``site_max_kw``. The kW figure, the number of chargers it is, and what limits it are all read
from that one row (:func:`hosting_row_per_site`), so the three never describe different cases.

A figure whose limiting rows all rest on a stand-in input (a drafted value, a tool default:
:mod:`protv2g.hosting.limits`) is *not determined*: its line gives no bare figure but
``not determined: <kW> kW if <input> holds (<what limits it>); <kW> kW on the rows resting on
given data (<what limits that>)``, the second figure reduced over the site's axes as the first
(the smallest ``given_hosting_kw`` of the axes a given row limits). Of equal figures, a
determined row is taken. Criteria the search could not evaluate (the table's
``not_evaluated``: C1–C4 without fuses or reclosers modelled) are named; a site is never
"not limited" over them without saying so (review23 §4). The settings to change (C10) and the
rows set aside as an immaterial worsening follow as ``; not limiting …`` clauses. None of this
changes the gate's verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from protv2g.charger_counts import charger_count, chargers_words
from protv2g.violations import is_given

__all__ = ["FAILS_WITHOUT_V2G_WORDS", "NOT_DETERMINED", "UNLIMITED_TEXT", "charger_count",
           "chargers_words", "hosting_chargers_per_site", "online_words",
           "hosting_kw_per_site", "hosting_limit_per_site", "hosting_limited_per_site",
           "hosting_lines", "hosting_row_per_site", "limit_words", "undetermined_words",
           "bracket_words", "first_clause", "tolerance_words"]

#: What the gate says of a site whose export no criterion limits.
UNLIMITED_TEXT = "site maximum: no criterion limits it"
#: How the text of a site whose figure rests on a stand-in input begins.
NOT_DETERMINED = "not determined"


def undetermined_words(hosting_kw: float, given_kw: float | None, rests_on: str,
                       given_limit: str = "") -> str:
    """What a figure that is not determined rests on, after ``"not determined: "``.

    Where the figure on the rows resting on given data alone is above the figure computed,
    every limit below it rests on an input to confirm (the lowest on ``rests_on``; others may
    rest on other inputs), and the text says so first (review
    ver39 M-b: EPRI DG_Prot_Fdr's depot read "76 kW … NOT DETERMINED … on given data 500 kW",
    a figure above every limit computed on the drafted inputs: C12 76 kW, C5 314 kW).

    Parameters
    ----------
    hosting_kw : float
        The figure computed (kW), limited by rows resting on a stand-in input.
    given_kw : float or None
        The figure on the rows resting on given data alone (kW); None or NaN: not known.
    rests_on : str
        The input the limiting rows rest on (the hosting table's ``rests_on``).
    given_limit : str
        What limits the figure on given data ("" : no criterion on given data limits it).

    Examples
    --------
    >>> undetermined_words(76.0, 500.0, "that the feeder has no load")
    'every limit below 500 kW rests on an input to confirm, the lowest on that the feeder has \
no load; on given data alone 500 kW (no criterion on given data limits it below the site maximum)'
    >>> undetermined_words(76.0, None, "x")
    'rests on x'
    """
    if given_kw is None or not given_kw == given_kw or not given_kw > hosting_kw + 0.5:
        return f"rests on {rests_on}"
    limit = given_limit or "no criterion on given data limits it below the site maximum"
    return (f"every limit below {given_kw:,.0f} kW rests on an input to confirm, the lowest on "
            f"{rests_on}; on given data alone {given_kw:,.0f} kW ({limit})")


def limit_words(row: Any) -> str:
    """What limits a hosting row, in words: ``"C5 (a, SLG-b at b2 (min))"``, and where the
    row names no device (a C12 bus row) ``"C12 (at lat1; …)"``, never an empty slot
    (review s22: ``protv2g hosting`` printed "C12 (, at lat1)"). With neither device nor
    fault, the criterion's title from :data:`protv2g.criteria.CATALOGUE` stands in:
    ``"C12 (voltage, loading and reverse flow)"``.

    Parameters
    ----------
    row : mapping
        A hosting-table row (``limiting_criterion``, ``limiting_device``, ``limiting_fault``).

    Examples
    --------
    >>> limit_words({"limiting_criterion": "C12", "limiting_device": "",
    ...              "limiting_fault": "at lat1"})
    'C12 (at lat1)'
    >>> limit_words({"limiting_criterion": "C12", "limiting_device": None})
    'C12 (voltage, loading and reverse flow)'
    """
    from protv2g.criteria import CATALOGUE

    def text(key: str) -> str:
        value = row.get(key)
        return str(value).strip() if is_given(value) else ""

    crit = text("limiting_criterion") or "a criterion"
    # the fault or bus only: a C12 row's "at x2729406c; a rise of … the figure is 369 kW (…)"
    # is the Hosting capacity sheet's (review ver40b: the gate's line repeated all of it)
    what = ", ".join(x for x in (text("limiting_device"), first_clause(text("limiting_fault")))
                     if x)
    if not what and crit in CATALOGUE:
        what = CATALOGUE[crit].title
    return f"{crit} ({what})" if what else crit


def first_clause(text: str) -> str:
    """``text`` up to its first ``"; "`` outside parentheses (all of it without one).

    >>> first_clause("at x2729406c; a rise of 0.00105 pu (at 314 kW; …) …"), first_clause("3ph")
    ('at x2729406c', '3ph')
    """
    depth = 0
    for k, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if depth <= 0 and text.startswith("; ", k):
            return text[:k]
    return text


def bracket_words(row: Any) -> str:
    """The bracket end a hosting row's figure is (``over_limit_kw``: the figure with the at-limit
    bus counted over the limit), in the gate's words; "" without one."""
    value = row.get("over_limit_kw")
    if not is_given(value) or not float(value) == float(value):
        return ""
    return (f"the at-limit end of a bracket: {float(value):,.0f} kW with that bus counted over "
            "the limit")


def tolerance_words(row: Any) -> str:
    """A hosting row's figure resting on C12's tolerance (``at_v_max_kw``, the figure at the
    tolerance bracket's low end: :mod:`protv2g.hosting.tolerance_end`), in the gate's words;
    which figure, where it is above the row's (the figure on given data); "" without one.

    >>> tolerance_words({"at_v_max_kw": 430.0, "hosting_kw": 0.0, "limited": True})
    "the figure on given data is within C12's measurement tolerance: 430 kW at the limit itself"
    >>> tolerance_words({"at_v_max_kw": 425.0, "hosting_kw": 648.0, "limited": True})
    "within C12's measurement tolerance: 425 kW at the limit itself"
    """
    value = row.get("at_v_max_kw")
    if not is_given(value) or not float(value) == float(value):
        return ""
    figure = float(row["hosting_kw"]) if bool(row.get("limited", True)) else math.inf
    which = "the figure on given data is " if float(value) > figure + 0.5 else ""
    return (f"{which}within C12's measurement tolerance: {float(value):,.0f} kW at the limit "
            "itself")


def online_words(row: Any) -> str:
    """What the chargers-online search found for a hosting row limited from its smallest
    export (:mod:`protv2g.hosting.online`), and why it is not a matter of export; ``""``
    for another row. The gate's and ``protv2g hosting``'s line (review rev29 §6, IEEE 123
    homes: "limited by C2 …; at most 0 online: 0 kW" beside "first fail 5 kW" did not say
    that the chargers' connected kVA, not their 5 kW, limits it).

    >>> online_words({"max_online_chargers": 0, "limiting_criterion": "C2"})
    "; from the smallest export evaluated: the fault current comes from the chargers' \
connected kVA (the fleet online), not from their export; even one charger online fails: at \
most 0 online, 0 kW"
    """
    from protv2g.hosting.at_once import at_once_why

    k = row.get("max_online_chargers")
    if not is_given(k):
        return ""
    k = int(k)
    why = f"; from the smallest export evaluated: {at_once_why(row.get('limiting_criterion'))}"
    xf = row.get("set_by_transformer")
    if is_given(xf) and str(xf):  # review rev33b W1b: the transformer's, not the chargers'
        why = (f"; from the smallest export evaluated, and with none of its chargers online: "
               f"set by the site's own transformer {xf} and what comes with it (the "
               "hosting note says how), not by its chargers or their export")
    return why + (f"; at most {k} charger{'' if k == 1 else 's'} online: "
                  f"{float(row['max_online_kw']):,.0f} kW (their full export)" if k > 0 else
                  "; even one charger online fails: at most 0 online, 0 kW")


def hosting_row_per_site(hosting: pd.DataFrame) -> dict[str, pd.Series]:
    """Site → the hosting table's row its capacity is taken from.

    The limited row with the smallest ``hosting_kw`` (the first of equals, table order); for a
    site without a limited row, the row with the largest ``site_max_kw``.
    """
    out = {}
    for site, rows in hosting.groupby("site", sort=False):
        limited = rows[rows["limited"].astype(bool)]
        if len(limited):
            kw = pd.to_numeric(limited["hosting_kw"])
            ties = limited[kw <= kw.min()]
            # of equal figures, a determined one (limits.py: the figure holds on given data)
            sure = ties[[_determined(r) for _, r in ties.iterrows()]]
            out[str(site)] = (sure if len(sure) else ties).iloc[0]
        else:
            out[str(site)] = rows.loc[pd.to_numeric(rows["site_max_kw"]).idxmax()]
    return out


def hosting_kw_per_site(hosting: pd.DataFrame) -> dict[str, float]:
    """Site → its protection hosting capacity, kW (``hosting_kw`` of the limited row taken, or
    ``site_max_kw`` when no criterion limits the site; :func:`hosting_row_per_site`)."""
    return {site: float(r["hosting_kw"] if bool(r["limited"]) else r["site_max_kw"])
            for site, r in hosting_row_per_site(hosting).items()}


def hosting_chargers_per_site(hosting: pd.DataFrame,
                              p_charger_kw: Mapping[str, float] | None = None
                              ) -> dict[str, int | float | None]:
    """Site → how many of its chargers the hosting capacity is. With ``p_charger_kw`` (site →
    kW per charger) the figure's chargers' output (:func:`charger_count` of
    :func:`hosting_kw_per_site`'s kW: 12.8 for 1,280 kW of 100 kW chargers, so the count and
    the kW agree); without it ``hosting_chargers`` of the row taken (whole chargers at full
    output); None where the table gives no count (no ``hosting_chargers``). Review s17 §5:
    the number of chargers is the figure a pilot is sized by, and the gate gave kW only."""
    out: dict[str, int | float | None] = {}
    kw = hosting_kw_per_site(hosting)
    for site, r in hosting_row_per_site(hosting).items():
        p = (p_charger_kw or {}).get(site)
        n = r.get("hosting_chargers")
        out[site] = (None if not is_given(n) else charger_count(kw[site], p) if p
                     else int(n))
    return out


#: What a hosting figure is when its limiting row fails without V2G too (the hosting table's
#: ``fails_without_v2g``): ``protv2g hosting``, ``gate`` and ``run`` say it alike (review
#: rev34c M1: the gate printed "291 kW (limited by C5 …)" for a recloser that already cannot
#: see that fault, where V2G's worsening crosses the check's tolerance).
FAILS_WITHOUT_V2G_WORDS = ("; it fails without V2G too: the figure is where V2G's share of "
                           "that deficit becomes material (the note)")


def hosting_limit_per_site(hosting: pd.DataFrame) -> dict[str, str]:
    """Site → what limits its hosting capacity: the criterion, device, fault and case of the
    row :func:`hosting_kw_per_site` takes (s16 S2: the gate printed "hosting capacity depot:
    0 kW" and not why), or that no criterion limits it; ``"not determined: rests on …"`` when
    the limiting rows rest on a stand-in input (module docstring), then the settings to change
    and the rows set aside."""
    out = {}
    for site, r in hosting_row_per_site(hosting).items():
        missing = r.get("not_evaluated")
        missing = str(missing) if is_given(missing) and missing else ""
        if not bool(r["limited"]):
            text = (UNLIMITED_TEXT if not missing else
                    f"site maximum: no criterion evaluated limits it; {missing} not "
                    "evaluated, the figure says nothing of them")
        else:
            case = "/".join(str(r.get(c)) for c in ("participation", "load_level")
                            if is_given(r.get(c)))
            text = f"limited by {limit_words(r)}" + (f", {case}" if case else "")
            if bracket := bracket_words(r):  # the deciding bracket end (review ver40b)
                text += f"; {bracket}"
            if bool(r.get("fails_without_v2g", False)):  # review rev34c M1: say it here too
                text += FAILS_WITHOUT_V2G_WORDS
            if not _determined(r) and is_given(r.get("rests_on")) and r.get("rests_on"):
                given_kw, given = _given_per_site(hosting[hosting["site"] == r["site"]])
                kw = float(r["hosting_kw"])
                if given_kw > kw + 0.5:  # the given figure above: say it first (ver39 M-b)
                    text = (f"{NOT_DETERMINED}: " + undetermined_words(
                        kw, given_kw, str(r.get("rests_on")), given)
                        + f"; {kw:,.0f} kW if it holds ({text})")
                else:
                    text = (f"{NOT_DETERMINED}: {kw:,.0f} kW if {r.get('rests_on')} holds "
                            f"({text}); {given_kw:,.0f} kW on the rows resting on given data "
                            f"({given})")
                tap = _given_tap(hosting[hosting["site"] == r["site"]])
                if tap and tap != str(r.get("at_present_tap") or ""):
                    text += f"; {tap}"  # the given figure's own (review rev34b M2)
            if missing:
                text += f"; {missing} not evaluated, the figure says nothing of them"
        if tolerance := tolerance_words(r):  # the tolerance's low end (review rev41a M7)
            text += f"; {tolerance}"
        text += online_words(r)
        for col, label in (("at_present_tap", ""), ("settings_to_change", "not limiting: "),
                           ("set_aside", "not limiting (failing without V2G, V2G's "
                                         "worsening immaterial): ")):
            if is_given(r.get(col)) and r.get(col):
                text += f"; {label}{r.get(col)}"
        fault = str(r.get("limiting_fault")) if is_given(r.get("limiting_fault")) else ""
        if bool(r["limited"]) and first_clause(fault) != fault:  # the line left text out
            text += "; the whole text: Hosting capacity sheet"
        out[site] = text
    return out


def _determined(row: pd.Series) -> bool:
    """Whether a hosting row's figure is determined (a table without the column: it is)."""
    value = row.get("determined")
    return True if value is None or not is_given(value) else bool(value)


def _given_tap(rows: pd.DataFrame) -> str:
    """The ``at_present_tap`` words of the axis :func:`_given_per_site` takes its figure
    from ("" when none): a given figure limited at a site transformer whose tap the study
    asks to change (:func:`protv2g.hosting.limits.present_tap_text`)."""
    if "given_limit" not in rows or "at_present_tap" not in rows:
        return ""
    text = rows["given_limit"].fillna("").astype(str)
    if not (text != "").any():
        return ""
    hit = rows[text != ""]
    value = hit.loc[pd.to_numeric(hit["given_hosting_kw"]).idxmin()].get("at_present_tap")
    return str(value) if is_given(value) else ""


def _given_per_site(rows: pd.DataFrame) -> tuple[float, str]:
    """(kW, what limits it) of a site on the rows resting on given data alone, reduced over its
    axes as :func:`hosting_row_per_site` reduces ``hosting_kw``: the smallest
    ``given_hosting_kw`` of the axes a given row limits, else the largest ``site_max_kw``."""
    text = rows["given_limit"].fillna("").astype(str) if "given_limit" in rows else None
    if text is not None and (text != "").any():
        hit = rows[text != ""]
        r = hit.loc[pd.to_numeric(hit["given_hosting_kw"]).idxmin()]
        case = "/".join(str(r.get(c)) for c in ("participation", "load_level")
                        if is_given(r.get(c)))
        return float(r["given_hosting_kw"]), f"{r['given_limit']}, {case}" if case else str(
            r["given_limit"])
    missing = ("" if "not_evaluated" not in rows else
               next((str(m) for m in rows["not_evaluated"] if is_given(m) and m), ""))
    # the criteria not evaluated are named once, after the site's text
    return float(pd.to_numeric(rows["site_max_kw"]).max()), (
        "no criterion evaluated on given data limits it" if missing else
        "no criterion on given data limits it")


def hosting_limited_per_site(hosting: pd.DataFrame) -> dict[str, bool]:
    """Site → whether any criterion limits its export below its site maximum."""
    return {str(site): bool(rows["limited"].astype(bool).any())
            for site, rows in hosting.groupby("site", sort=False)}


def hosting_lines(verdict: dict[str, Any]) -> list[str]:
    """``hosting capacity <site>: <kW> kW[, <n> chargers] (<what limits it>)`` per site of a
    verdict (the ``gate`` and ``run`` commands print these); none without a hosting table."""
    limits = verdict.get("hosting_limit") or {}
    chargers = verdict.get("hosting_chargers") or {}
    out = []
    for site, kw in (verdict.get("hosting_capacity_kw") or {}).items():
        why = limits.get(site) or ("" if (verdict.get("hosting_limited") or {}).get(site)
                                   else UNLIMITED_TEXT)
        n = chargers.get(site)
        count = "" if n is None else f", {chargers_words(n)}"
        if why.startswith(NOT_DETERMINED):  # never a bare figure (module docstring)
            out.append(f"hosting capacity {site}: {why}")
            continue
        out.append(f"hosting capacity {site}: {kw:,.0f} kW{count}"
                   + (f" ({why})" if why else ""))
    return out
