"""Which failing rows are settings to change rather than export limits, and the change each
needs in words (:mod:`protv2g.hosting.limits`, which re-exports these names; split from it
when the texts grew a remedy per criterion, review rev43a M1).

A row is a setting to change by its criterion (:data:`SETTING_CRITERIA`: C10's first
reclose) or its mechanism (:data:`SETTING_MECHANISMS`: a site transformer's no-load tap, a
source's or regulator's set-point, a transformer fuse's link inside the transformer's inrush /
cold-load withstand); :func:`settings_text` says the change each needs, and
:func:`merge_settings` joins a site's texts with each item once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.flow_limit import REGULATOR_SETPOINT, SOURCE_SETPOINT
from protv2g.checks.flow_site_tap import SITE_TAP
from protv2g.checks.load_withstand import WITHSTAND_MECHANISM
from protv2g.devices.fuse_series import series_of
from protv2g.input_basis import InputBasis
from protv2g.violations import is_given

__all__ = ["SETTINGS_SEP", "SETTINGS_TAIL", "SETTING_CRITERIA", "SETTING_MECHANISMS",
           "STAND_IN", "given_text", "is_finite_value", "is_setting", "is_stand_in",
           "merge_settings", "setting_mask", "settings_text"]


#: Criteria whose failing rows are settings to change, not export limits (module docstring).
SETTING_CRITERIA = {
    "C10": "the first reclose interval against the chargers' cease-to-energise time: a "
           "setting to change (delay the first reclose, or supervise it by dead line / "
           "voltage, IEEE 1547-2018 §6.3), not an export limit",
}

#: ``mechanism`` of failing rows that are settings to change, not export limits: a site's own
#: low-voltage bus over (or at) Range A with every site idle, set by its transformer's no-load
#: tap and moved by the export immaterially (:mod:`protv2g.checks.flow_site_tap`, review
#: rev31 §3: IEEE 8500's homes "84 kW because of depot_lv").
#: A bus a source's or a regulator's set-point holds at the limit (:func:`protv2g.checks.
#: flow_limit.setpoint_texts`: in every solved step within the tolerance of the source's
#: voltage, a regulated winding's bus inside its band, or a bus past it that the export raises
#: only as much as the output, :mod:`protv2g.checks.flow_band`) is the set-point's, whatever the
#: export: lowering the set-point (or its band, or setting the line-drop compensation for
#: reverse flow) clears it (review rev32b M5 and hv32: IEEE 8500's homes "66.4 kW, limited by
#: C12 at hvmv_sub_48332", the substation bus at 1.0500 pu without V2G raised 0.00107 pu by
#: homes 16 km away).
SETTING_MECHANISMS = {
    SITE_TAP: "a site transformer's no-load tap: a setting to change (the row's message gives "
              "the tap), not an export limit",
    SOURCE_SETPOINT: "the source's voltage set-point: a setting to change, not an export "
                     "limit",
    REGULATOR_SETPOINT: "a regulator's set-point (and band, line-drop compensation): a "
                        "setting to change, not an export limit",
    # a transformer fuse that melts on energisation or cold-load pickup (review rev42a M5,
    # :mod:`protv2g.checks.load_withstand`) fails at any export, or none: the IEEE 37 campus's
    # F-CAMPUS 100K on 750 kVA read "C8 fails from 5 kW … hosting 0 kW"
    WITHSTAND_MECHANISM: "a transformer fuse's link inside the transformer's inrush / "
                         "cold-load withstand: a setting to change (the row names the "
                         "smallest link that carries it), not an export limit",
}

#: ``input_basis`` values of a stand-in input (a drafted value, a tool default).
STAND_IN = {InputBasis.TODO.value, InputBasis.DEFAULT.value}


def is_stand_in(row: dict[str, Any]) -> bool:
    """Whether a row rests on a drafted value or a tool default (``input_basis``)."""
    return str(row.get("input_basis", "")) in STAND_IN


def is_setting(r: dict[str, Any]) -> bool:
    """Whether a row is a setting to change (:func:`setting_mask`, one row)."""
    return (str(r["criterion"]) in SETTING_CRITERIA
            or given_text(r.get("mechanism")) in SETTING_MECHANISMS)


def setting_mask(rows: pd.DataFrame) -> np.ndarray:
    """Rows of a :data:`SETTING_CRITERIA` criterion or a :data:`SETTING_MECHANISMS`
    mechanism."""
    if rows.empty:
        return np.zeros(0, dtype=bool)
    out = rows["criterion"].astype(str).isin(list(SETTING_CRITERIA)).to_numpy()
    if "mechanism" in rows:
        out = out | rows["mechanism"].astype(str).isin(list(SETTING_MECHANISMS)).to_numpy()
    return out


#: What :func:`settings_text` puts after its items (:func:`merge_settings`).
SETTINGS_TAIL = " — a setting to change, not an export limit"
#: Between two items of :func:`settings_text` (no item holds it).
SETTINGS_SEP = "; "


def settings_text(rows: list[dict[str, Any]],
                  fuse_links: Mapping[str, tuple[str, str | None, str | None]] | None = None
                  ) -> str:
    """Setting rows as the change each needs, each criterion (and mechanism) its own remedy:
    ``"C10 head-fdr_05410: first reclose 0.5 s (drafted: TODO) must exceed 2.5 s for homes —
    a setting to change, not an export limit"``; a transformer fuse inside its transformer's
    inrush / cold-load withstand (C8, :data:`WITHSTAND_MECHANISM`) the link to fit
    (``fuse_links``: fuse → (transformer, first link, alternative),
    :func:`protv2g.checks.load_withstand.withstand_links`; review rev43a M1: "C8 F-campus_xf:
    its reclosing must be declared or delayed"). Each item once."""
    out = []
    for r in rows:
        dev = given_text(r.get("device"))
        mech = given_text(r.get("mechanism"))
        if mech in (SOURCE_SETPOINT, REGULATOR_SETPOINT):
            whose = "the source's" if mech == SOURCE_SETPOINT else "a regulator's"
            out.append(f"{r['criterion']} {given_text(r.get('fault_bus'))}: held at the ANSI C84.1 "
                       f"Range A limit by {whose} set-point (its C12 row names it: lower the "
                       "set-point or its band)")
            continue
        if mech == WITHSTAND_MECHANISM:
            out.append(f"{r['criterion']} {dev}: {_withstand_fix(r, dev, fuse_links or {})}")
            continue
        if mech == SITE_TAP:
            out.append(f"{r['criterion']} {given_text(r.get('fault_bus'))}: at or over ANSI C84.1 "
                       f"Range A with every site idle, set by {dev or 'its transformer'}'s "
                       "no-load tap (its C12 row gives the tap to set)")
            continue
        first = r.get("t_device_s")
        need = r.get("limit")
        # drafted only when the intervals are (s22: recloser A's came from the model, only
        # its "in service" was drafted)
        todo = r.get("input_todo")
        drafted = (" (drafted: TODO)" if is_stand_in(r) and (
            f"{dev}'s reclose_intervals_s" in todo or f"the settings of {dev} " in todo
            if isinstance(todo, str) and todo else True) else "")
        if is_finite_value(first) and is_finite_value(need):
            what = (f"first reclose {float(first):g} s{drafted} must exceed {float(need):g} s"
                    f" for {given_text(r.get('other_device')) or 'the site'}")
        elif str(r["criterion"]) in SETTING_CRITERIA:  # C10 without its two times
            what = f"its reclosing{drafted} must be declared or delayed"
        else:  # a setting row of no remedy known here: its own row says it
            what = f"a setting to change (its {r['criterion']} row says which)"
        out.append(f"{r['criterion']} {dev}: {what}")
    return merge_settings([SETTINGS_SEP.join(dict.fromkeys(out)) + SETTINGS_TAIL] if out
                          else [])


def _withstand_fix(r: dict[str, Any], dev: str,
                   fuse_links: Mapping[str, tuple[str, str | None, str | None]]) -> str:
    """A C8 withstand row's remedy: ``"its link melts inside campus_xf's inrush / cold-load
    withstand (3 × full load for 10 s): fit 65K, the smallest preferred-series link that holds
    (or the intermediate-series 50K)"``."""
    xf, first, alt = fuse_links.get(dev, ("", None, None))
    point = (f" ({float(r['rule_value']):g} × full load for {float(r['limit']):g} s)"
             if is_finite_value(r.get("rule_value")) and is_finite_value(r.get("limit")) else "")
    head = (f"its link melts inside {xf or 'its transformer'}'s inrush / cold-load "
            f"withstand{point}")
    if first is None:
        return f"{head}: a larger link (its C8 row names the smallest that holds)"
    kind = series_of(first)
    what = (f"the smallest {kind}-series link that holds" if kind else
            "the smallest link of its family that holds")
    return f"{head}: fit {first}, {what}" + (
        f" (or the intermediate-series {alt})" if alt else "")


def merge_settings(texts: list[str]) -> str:
    """Texts of :func:`settings_text` (one per axis of a site) as one, each item once: the
    items of every text in order, the tail once (review rev43a M1: homes1's line listed the
    campus fuse's item twice, once per axis text). Items never hold :data:`SETTINGS_SEP`."""
    items: dict[str, None] = {}
    for text in texts:
        if isinstance(text, str) and text:
            body = text[:-len(SETTINGS_TAIL)] if text.endswith(SETTINGS_TAIL) else text
            items.update(dict.fromkeys(body.split(SETTINGS_SEP)))
    return SETTINGS_SEP.join(items) + SETTINGS_TAIL if items else ""


def given_text(value: object) -> str:
    """``value`` as text, ``""`` where not given (:func:`protv2g.violations.is_given`)."""
    return str(value) if is_given(value) else ""


def is_finite_value(value: object) -> bool:
    """Whether ``value`` reads as a finite number."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
