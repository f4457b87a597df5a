"""Which gate-failing rows limit a hosting figure, and what a figure rests on.

The gate fails on every row attributed to V2G (:mod:`protv2g.checks.attribution`: ``new``, or
``worse`` by more than the row's tolerance). A hosting figure asks a narrower question — the
largest export the site can be given — and three kinds of failing row do not answer it
(review s19 §3.3, §3.5, rank 1: a 173 kW home fleet came out 0 / 94 / 0 kW for reasons
unrelated to its chargers). This module sorts them out; it changes no attribution and no gate
verdict (the gate still lists every row):

* **A setting, not an export limit** (:data:`SETTING_CRITERIA`): C10 compares a reclosing
  device's first reclose interval with the chargers' cease-to-energise time plus a margin
  (domain.md §4). Neither depends on the export: the row appears at the smallest export or
  not at all, and what clears it is the reclose interval (or dead-line / voltage supervision
  of the reclose) — IEEE 1547-2018 §6.3 leaves reclosing coordination to the Area EPS
  operator, who may delay the reclose past the DER's cease-to-energise time. Such a row does
  not limit the figure; the figure is stated with the setting it needs
  (``settings_to_change``).
* **A failure already there without V2G that V2G worsens immaterially**: a ``worse`` row
  (the base case fails the same row with margin ``m_base < 0``, V2G lowers it to ``m``)
  limits the export only when the worsening ``m_base − m`` exceeds the row's tolerance
  (the gate's own test) **and** is at least :data:`MATERIAL_SHARE` of the deficit without
  V2G, ``|m_base|``. domain.md §5 attributes a violation to V2G when it is "new or worse than
  in the base case"; whatever fixes the deficit without V2G (a setting, a device) is sized
  by it, and a change of a few percent of it does not move that fix. Rows set aside are
  listed with their share (``set_aside``), so a reader can apply another share. Since review
  s27 §2 the attribution applies the same share (one constant,
  :data:`protv2g.checks.attribution.MATERIAL_SHARE`): such a row is ``pre-existing`` there and
  the gate lists it as a condition, so the gate and the hosting figures agree; this rule
  still sets aside ``worse`` rows of a table attributed without it (a hand-built table, a
  result written before).
* **Rests on an input the study does not give**: a limiting row whose ``input_basis`` is
  ``todo`` (a value ``protv2g init`` drafted) or ``default`` (an OpenDSS default rating)
  still limits the figure, but the figure is *not determined* (``determined`` False,
  ``rests_on`` names the input); ``given_hosting_kw`` is the figure on the rows resting on
  given data alone, shown beside it as such.

The hosting figure is the only thing these rules change: attribution (``new`` / ``worse`` /
``pre-existing``), the gate's verdict, reasons and exit code, the Findings and the
recommendations read the violation table as before; the search itself (its brackets,
:func:`given_bracket`) uses them to place its export levels.

Sources: :data:`MATERIAL_SHARE` — the 10 % significance the project uses for a V2G-caused
change of a device's fault current (domain.md §4, C5 reach reduction and C7 duty increase),
the same share as the FERC pro forma SGIP Fast Track screen that a Small Generating Facility,
with the other generation on the circuit, contributes no more than 10 % of the circuit's
maximum fault current (SGIP §2.2.1 screens, FERC Order 2006, 2005; kept in Order 792, 2013;
reviewed by M. T. Sheehan and T. Cleveland, "Updated Recommendations for FERC SGIP Screens",
Solar ABCs, July 2010). It is a screening share, not a protection standard's value: the rows
set aside carry their share so that it can be bracketed (a 5 % share would keep every row
between 5 and 10 % limiting; a 20 % share would set aside every row below 20 %) — the
workbook's ``set_aside`` column lists each row with its share for that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.attribution_share import MATERIAL_SHARE
from protv2g.gate import failing_mask
from protv2g.gate_coverage import unjudged_criteria
from protv2g.hosting.present_tap import asked_taps, present_tap_text
from protv2g.hosting.setting_rows import (
    SETTING_CRITERIA,
    SETTING_MECHANISMS,
    SETTINGS_SEP,
    SETTINGS_TAIL,
    STAND_IN,
    is_setting,
    is_stand_in,
    merge_settings,
    setting_mask,
    settings_text,
)
from protv2g.hosting.setting_rows import given_text as _text
from protv2g.hosting.voltage_text import AT_LIMIT_FLAG, at_limit_mask
from protv2g.input_basis import input_to_confirm
from protv2g.study.schema import Gate
from protv2g.violations import describe_fault

__all__ = ["EXTRA_COLUMNS", "MATERIAL_SHARE", "SETTING_CRITERIA", "SETTING_MECHANISMS",
           "SETTINGS_SEP", "SETTINGS_TAIL",
           "STAND_IN", "aside_text", "asked_taps", "axis_extras", "extras_note", "merge_settings",
           "over_limit_bracket", "present_tap_text", "given_bracket", "immaterial_mask",
           "is_stand_in",
           "rests_on_text", "setting_mask", "settings_text", "unmodelled_as_unevaluated",
           "worst_by_scenario", "worsening"]


#: Columns this module adds to the hosting table (:data:`protv2g.hosting.HOSTING_COLUMNS`):
#: ``determined`` (False: the limiting rows all rest on a stand-in input, or — set by
#: :func:`protv2g.hosting.tables.hosting_tables` — a criterion could not be evaluated, named in
#: ``not_evaluated``), ``rests_on`` (the stand-in input, in words), ``given_hosting_kw`` /
#: ``given_limit`` (the figure and its limit on the rows resting on given data alone),
#: ``settings_to_change`` (setting rows, the change each needs), ``set_aside`` (failing rows
#: whose worsening by V2G is immaterial, with its share), ``at_present_tap`` (limiting rows
#: judged at a site transformer's present no-load tap where the study asks to change that
#: tap, :func:`present_tap_text`).
EXTRA_COLUMNS = ["determined", "rests_on", "given_hosting_kw", "given_limit",
                 "settings_to_change", "set_aside", "at_present_tap"]


def axis_extras(failing: dict, aside: dict, key: tuple[str, str, str], levels: list[float],
                cap_kw: float, first_fail_kw: float | None,
                fuse_links: Mapping[str, tuple[str, str | None, str | None]] | None = None
                ) -> dict[str, Any]:
    """:data:`EXTRA_COLUMNS` of one hosting axis (``fuse_links``: :func:`settings_text`'s).

    Parameters
    ----------
    failing : dict
        ``(axis key, p_kw) → criterion → limiting row`` (:mod:`protv2g.hosting.tables`).
    aside : dict
        ``(axis key, p_kw) → rows that do not limit the export``.
    key : tuple of str
        The axis.
    levels : list of float
        Its evaluated export levels, kW, ascending.
    cap_kw : float
        Its largest export, kW.
    first_fail_kw : float or None
        Its first failing level (None: not limited).
    """
    lo, given_hi = 0.0, None
    for p in levels:
        rows = [r for r in failing[(key, p)].values() if not is_stand_in(r)]
        if rows:
            given_hi = p
            break
        lo = p
    out: dict[str, Any] = {"determined": True, "rests_on": "",
                           "given_hosting_kw": lo if given_hi is not None else cap_kw,
                           "given_limit": ""}
    if given_hi is not None:
        rows = [r for r in failing[(key, given_hi)].values() if not is_stand_in(r)]
        out["given_limit"] = "; ".join(
            " ".join(x for x in (str(r["criterion"]), _who(r), f"({describe_fault(r)})") if x)
            .replace(" ()", "") for r in rows) + f" from {given_hi:,.6g} kW"
    if first_fail_kw is not None:
        rows = list(failing[(key, first_fail_kw)].values())
        if all(is_stand_in(r) for r in rows):
            out["determined"] = False
            out["rests_on"] = rests_on_text(rows)
    top = first_fail_kw if first_fail_kw is not None else math.inf
    # one verdict per criterion and device (review23 §4: C5 head-sw1 was both "the limit" and
    # "set aside (4.1 %)" in one line): rows of a pair that limits the figure are not listed
    # as set aside, whatever another of its faults gives
    limiting = ({_pair(r) for r in failing[(key, first_fail_kw)].values()}
                if first_fail_kw is not None else set())
    off = [r for p in levels if p <= top for r in aside.get((key, p), [])
           if _pair(r) not in limiting]
    settings = [r for r in off if is_setting(r)]
    out["settings_to_change"] = settings_text(_worst_each(settings), fuse_links)
    # limiting rows at a site transformer whose tap the study asks to change (rev34b M2)
    judged = [r for r in (failing[(key, first_fail_kw)].values()
                          if first_fail_kw is not None else ())]
    if given_hi is not None:
        judged += [r for r in failing[(key, given_hi)].values() if not is_stand_in(r)]
    out["at_present_tap"] = present_tap_text(judged, asked_taps(aside))
    out["set_aside"] = aside_text(_worst_each([r for r in off if not is_setting(r)]))
    return out


def unmodelled_as_unevaluated(study: Any, criteria: list[str],
                              unevaluated: dict[str, list[str]], not_applicable: dict[str, str]
                              ) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``(unevaluated, not_applicable)`` with the criteria the study's make-up left unjudged
    moved from the second to the first (:func:`protv2g.gate_coverage.unjudged_criteria`: C1–C4
    of a relay-only study that does not say it has no fuse or recloser, every device criterion
    of a study without devices or with a V2G site behind no device, the fault-based ones
    without SLG): the gate makes each an ``error:`` and a hosting figure must not read "no
    criterion limits it" over them (review23 §4: IEEE 123 depot "360 kW, no criterion limits
    it" under a gate ERROR; rev41b M3: a study without devices "determined"). ``study`` a
    :class:`~protv2g.study.loader.Study` (or its document: the sites' paths not read). New
    dicts; the arguments are not changed."""
    unevaluated, not_applicable = dict(unevaluated), dict(not_applicable)
    for crit, why in unjudged_criteria(study).items():
        if crit in criteria:
            not_applicable.pop(crit, None)
            unevaluated[crit] = [why, *(m for m in unevaluated.get(crit, []) if m != why)]
    return unevaluated, not_applicable


def _worst_each(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The row with the smallest margin of each (criterion, device, other device)."""
    best: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
    for r in rows:
        k = (str(r["criterion"]), _text(r.get("device")), _text(r.get("other_device")))
        m = float(pd.to_numeric(pd.Series([r.get("margin")]), errors="coerce").iloc[0])
        m = m if math.isfinite(m) else math.inf
        if k not in best or m < best[k][0]:
            best[k] = (m, r)
    return [r for _, r in best.values()]


def extras_note(extras: dict[str, Any], hosting_kw: float | None = None) -> str:
    """What the note of a hosting row adds for :data:`EXTRA_COLUMNS` ("" when nothing);
    ``hosting_kw`` the row's figure: where the figure on given data is above it, every limit
    below rests on an input to confirm (:func:`protv2g.gate_hosting.undetermined_words`)."""
    from protv2g.gate_hosting import undetermined_words

    out = []
    words = ("" if extras["determined"] or hosting_kw is None else undetermined_words(
        hosting_kw, extras["given_hosting_kw"], extras["rests_on"], extras["given_limit"]))
    if words and not words.startswith("rests on "):
        out.append(f"NOT DETERMINED: {words}")
    elif not extras["determined"]:
        out.append(f"NOT DETERMINED: the limit rests on {extras['rests_on']}; on the rows "
                   f"resting on given data {extras['given_hosting_kw']:,.6g} kW"
                   + (f" ({extras['given_limit']})" if extras["given_limit"] else
                      " (none limits it)"))
    if extras.get("at_present_tap"):
        out.append(extras["at_present_tap"])
    if extras["settings_to_change"]:
        out.append(f"not limiting: {extras['settings_to_change']}")
    if extras["set_aside"]:
        out.append(f"not limiting, failing without V2G and worsened by less than "
                   f"{100 * MATERIAL_SHARE:g} % of that deficit: {extras['set_aside']}")
    return "".join(f"; {t}" for t in out)


def _pair(r: dict[str, Any]) -> tuple[str, str, str]:
    """A row's (criterion, device, other device)."""
    return str(r["criterion"]), _text(r.get("device")), _text(r.get("other_device"))


def _who(r: dict[str, Any]) -> str:
    return " / ".join(d for d in (_text(r.get("device")), _text(r.get("other_device"))) if d)


def worsening(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(Δ, share)`` of each row: V2G's worsening of the margin ``base_margin − margin``
    (margin unit) and its share of the deficit without V2G ``Δ / |base_margin|``; NaN where
    the row has no base margin (a ``new`` row, a hand-made table) or both are −∞ (a ``new``
    row against a twin without margin, :mod:`protv2g.checks.attribution_state`)."""
    n = len(rows)
    if "base_margin" not in rows:
        return np.full(n, np.nan), np.full(n, np.nan)
    base = pd.to_numeric(rows["base_margin"], errors="coerce").to_numpy(float)
    margin = pd.to_numeric(rows["margin"], errors="coerce").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = base - margin
        share = np.where(base < 0, delta / np.abs(base), np.nan)
    return delta, share


def immaterial_mask(rows: pd.DataFrame, share: float = MATERIAL_SHARE) -> np.ndarray:
    """``worse`` rows whose worsening is below ``share`` of their deficit without V2G
    (module docstring). A row without a base margin is never immaterial: it limits, as the
    gate says. At the default share it sets aside no ``worse`` row of
    :func:`protv2g.checks.attribute` (the attribution applies the same share,
    :mod:`protv2g.checks.attribution_share`); another share brackets the figure."""
    if rows.empty or "attribution" not in rows:
        return np.zeros(len(rows), dtype=bool)
    worse = rows["attribution"].astype(str).to_numpy() == "worse"
    _, frac = worsening(rows)
    with np.errstate(invalid="ignore"):
        return worse & np.isfinite(frac) & (frac < share)


def given_bracket(failing: dict, key: tuple[str, str, str], levels: list[float], crit: str
                  ) -> tuple[float, float | None]:
    """(last passing level, first failing level) of ``crit`` on the rows resting on given data
    alone, kW (None: none fails): the bracket of ``given_hosting_kw``.

    :func:`worst_by_scenario` keeps a criterion's row on given data whenever one fails, so the
    criterion fails on given data at a level exactly when its kept row is not a stand-in. The
    search bisects this bracket as it bisects the criterion's own: where the criterion first
    fails on a stand-in row (a drafted rating at the smallest export, say) and on given data
    only higher up, ``given_hosting_kw`` would otherwise keep the grid's step
    (:mod:`protv2g.hosting.search`).
    """
    lo = 0.0
    for p in levels:
        row = failing[(key, p)].get(crit)
        if row is not None and not is_stand_in(row):
            return lo, p
        lo = p
    return lo, None


def over_limit_bracket(failing: dict, key: tuple[str, str, str], levels: list[float],
                       crit: str | None) -> tuple[float, float | None]:
    """(last passing level, first failing level) of ``crit`` (None: any criterion) with the
    buses at the limit within its tolerance without V2G counted as over it (their rows,
    :data:`~protv2g.hosting.voltage_text.AT_LIMIT_FLAG`, fail only beyond the materiality),
    kW: the bracket of the figure's other end (:func:`~protv2g.hosting.voltage_text.
    over_limit_text`), bisected by the search as :func:`given_bracket`'s."""
    lo = 0.0
    for p in levels:
        rows = list(failing[(key, p)].values()) if crit is None else (
            [failing[(key, p)][crit]] if crit in failing[(key, p)] else [])
        if any(not r.get(AT_LIMIT_FLAG, False) for r in rows):
            return lo, p
        lo = p
    return lo, None


def rests_on_text(rows: list[dict[str, Any]]) -> str:
    """The inputs stand-in rows rest on, in words, each once: ``"the settings of
    head-fdr_05410 / fuse-homes-lateral (drafted: TODO)"``."""
    out = []
    for r in rows:
        if not is_stand_in(r):
            continue
        what = input_to_confirm(str(r["criterion"]), _text(r.get("device")),
                                _text(r.get("other_device")), str(r.get("input_basis")),
                                r.get("input_todo", ""))
        if what and what not in out:
            out.append(what)
    return "; ".join(out)


def aside_text(rows: list[dict[str, Any]]) -> str:
    """Rows set aside as immaterial worsening, one clause each: ``"C1 head / fuse (SLG-a at
    n1 (max)): −1.396 → −1.449 s, 3.8 % of its deficit without V2G"``."""
    out = []
    for r in rows:
        frame = pd.DataFrame([r])
        _, frac = worsening(frame)
        unit = _text(r.get("margin_unit"))
        who = _who(r)
        base, margin = float(r["base_margin"]), float(r["margin"])
        out.append(f"{r['criterion']} {who}: {base:.4g} → {margin:.4g} {unit}".rstrip()
                   + f", {100 * float(frac[0]):.1f} % of its deficit without V2G")
    return "; ".join(dict.fromkeys(out))


def worst_by_scenario(violations: pd.DataFrame, gate: Gate, names: set[str],
                      change_min_pu: float = 1.0 / 120.0
                       ) -> tuple[dict[str, dict[str, dict[str, Any]]],
                                  dict[str, list[dict[str, Any]]]]:
    """``(worst, aside)``: scenario → criterion → the gate-failing row that limits the export
    with the smallest margin, a row on given data before one resting on a stand-in input
    (the criterion fails on given data whenever one such row fails); and scenario → the
    gate-failing rows that do not limit it, the worst of each criterion and device pair: a
    setting to change, or a worsening immaterial to a deficit already there without V2G
    (:mod:`protv2g.hosting.limits`).

    Of a criterion's rows, one on a bus at the limit within its tolerance without V2G whose
    rise is within ``change_min_pu`` (:func:`~protv2g.hosting.voltage_text.at_limit_mask`,
    flagged :data:`~protv2g.hosting.voltage_text.AT_LIMIT_FLAG`) is kept only where no other
    row fails: a scenario's kept row is at the limit only when every failing row of its
    criterion is, so the figure with those buses counted as over the limit is read from the
    kept rows (:func:`~protv2g.hosting.voltage_text.over_limit_bracket`)."""
    if violations.empty:
        return {}, {}
    fail = violations[failing_mask(violations, gate) & violations["scenario"].isin(names)]
    if fail.empty:
        return {}, {}
    basis = (fail["input_basis"].astype(str) if "input_basis" in fail
             else pd.Series("", index=fail.index))
    fail = fail.assign(_m=pd.to_numeric(fail["margin"], errors="coerce"),
                       _s=basis.isin(list(STAND_IN)),
                       **{AT_LIMIT_FLAG: at_limit_mask(fail, change_min_pu)})
    fail = fail.sort_values(["_s", AT_LIMIT_FLAG, "_m"], na_position="last", kind="stable")
    off = setting_mask(fail) | immaterial_mask(fail)
    first = fail[~off].drop_duplicates(["scenario", "criterion"]).drop(columns=["_m", "_s"])
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in first.to_dict(orient="records"):
        out.setdefault(str(row["scenario"]), {})[str(row["criterion"])] = row
    aside: dict[str, list[dict[str, Any]]] = {}
    kept = fail[off].sort_values("_m", na_position="last", kind="stable").drop_duplicates(
        ["scenario", "criterion", "device", "other_device"]).drop(columns=["_m", "_s"])
    for row in kept.to_dict(orient="records"):
        aside.setdefault(str(row["scenario"]), []).append(row)
    return out, aside
