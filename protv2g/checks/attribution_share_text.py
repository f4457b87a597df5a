"""The message texts of :mod:`protv2g.checks.attribution_share`'s verdicts: a row made
``pre-existing`` by V2G's small share or by the devices' response scatter, and a time row
``worse`` on its current. Each names the current it quotes by the element that operates
(review ver31: ``"R1's |3I0| (its ground element operates)"``, ``"F-LAT's phase
current"``; :mod:`protv2g.checks.operating_element`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from protv2g.checks._rows import column_at
from protv2g.checks.attribution_share import (
    CURRENT_SCATTER,
    MATERIAL_SHARE,
    TwinValues,
    numbers_at,
)
from protv2g.checks.operating_element import ELEMENT_DTYPE, ELEMENT_WORDS, OperatingElement
from protv2g.checks.relay_setting_current import SettingCurrents, own_times_s
from protv2g.significant import number_text, percent_text

__all__ = ["share_text", "marginal_scatter_text", "current_text", "current_texts",
           "current_names", "element_word"]


def share_text(m_base: float, change: float, unit: str, i_change: float | None,
               named: str = "") -> str:
    """The message suffix of a row made ``pre-existing`` by :func:`small_share`;
    ``i_change`` given where it is so on the current alone, ``named`` the current that moved
    most (:func:`current_names`: ``"R1's |3I0| (its ground element operates)"``)."""
    head = (f"; pre-existing: without V2G it fails by {number_text(-m_base, unit)} and V2G "
            f"lowers the margin by {number_text(change, unit)}")
    tail = ": the fix the deficit needs without V2G is the fix (size it with V2G's part)"
    if i_change is not None:
        return (f"{head} ({percent_text(change / -m_base)} of that deficit) but moves the "
                f"devices' currents by {percent_text(i_change)} at most{_named(named)}, "
                f"within the ±{100.0 * CURRENT_SCATTER:g} % accuracy with which they respond "
                "to current (a relay's or recloser's start value, IEC 60255-151; an EEI-NEMA "
                "link's melting current spans more, ANSI C37.43; in a fuse curve's long-time "
                f"region a few percent of current move the time by seconds){tail}")
    return (f"{head}, {percent_text(change / -m_base)} of that deficit, under the "
            f"{100.0 * MATERIAL_SHARE:g} % material share{tail}")


def _named(named: str) -> str:
    return f" ({named})" if named else ""


def marginal_scatter_text(m_base: float, tol: float, change: float, unit: str,
                          i_change: float, named: str = "") -> str:
    """The message suffix of a row whose base passes by less than its tolerance and whose
    V2G change is the devices' response scatter (:func:`in_scatter`); ``named`` as
    :func:`share_text`'s."""
    return (f"; pre-existing: without V2G it passes by {number_text(m_base, unit)}, within the "
            f"tolerance {number_text(tol, unit)}, and V2G lowers the margin by "
            f"{number_text(change, unit)} but moves the devices' first-cycle currents by "
            f"{percent_text(i_change)} at most{_named(named)}, within the "
            f"±{100.0 * CURRENT_SCATTER:g} % accuracy with which they respond to current in "
            "the curve's long-time region (a relay's or recloser's start value, IEC "
            "60255-151; an EEI-NEMA link's melting current spans more, ANSI C37.43): the "
            "limit is not met with the devices' own scatter even without V2G")


def element_word(element: int) -> str:
    """How a message names the current of an element (:class:`~protv2g.checks.
    operating_element.OperatingElement` code): ``"|3I0| (its ground element operates)"``,
    ``"phase current"``."""
    if element == OperatingElement.GROUND:
        return f"{ELEMENT_WORDS[OperatingElement.GROUND]} (its ground element operates)"
    return ELEMENT_WORDS[OperatingElement.PHASE]


#: a current that sets the time quoted beside the first cycle's where they differ by more
SETTING_REL = 0.005


def current_text(device: str, i_base_a: float, i_a: float,
                 element: int = OperatingElement.PHASE, i_set_a: float = math.nan,
                 curve: str = "") -> str:
    """The message suffix of a time row judged ``worse`` on its current: ``"; V2G moves
    F-LAT's first-cycle phase current 220.6 → 179.5 A (−19 %)"``, ``"; V2G moves R1's
    first-cycle |3I0| (its ground element operates) 412.0 → 423.5 A (+2.8 %)"``; with
    ``i_set_a``, the current that sets the row's time (:mod:`.relay_setting_current`), more
    than :data:`SETTING_REL` from ``i_a``, said too: ``"…; its time is read at 309.3 A, the
    later charger stages' current"`` (review rev46a #2), with the ``curve`` it is read on
    where named (a recloser's: ``"…; its time is read at 172.4 A on its ground delayed
    curve 117, …"``)."""
    text = (f"; V2G moves {device}'s first-cycle {element_word(element)} "
            f"{number_text(i_base_a)} → {number_text(i_a, 'A')} "
            f"({percent_text((i_a - i_base_a) / i_base_a)})")
    if i_set_a == i_set_a and i_a == i_a and abs(i_set_a - i_a) > SETTING_REL * abs(i_a):
        on = f" on its {curve}" if curve else ""
        text += (f"; its time is read at {number_text(i_set_a, 'A')}{on}, the later charger "
                 f"stages' current (the constant current at which {'that' if curve else 'its'}"
                 " curve gives that time)")
    return text


def _side_figures(v: pd.DataFrame, at: np.ndarray, base: TwinValues, which: np.ndarray,
                  element: np.ndarray) -> tuple[list, list, list, list, list]:
    """Names, elements, base and own operating currents of rows ``at`` on the side
    ``which[at]``, and the current of that device's other element (its ``|3I0|`` for a phase
    row, its phase current for a ground row; columns read at those rows only, #21)."""
    other = which[at] == 1
    names = np.where(other, column_at(v["other_device"], at).astype(object),
                     column_at(v["device"], at).astype(object))
    el = np.where(other, element[1, at], element[0, at])
    ground = el == OperatingElement.GROUND
    p_now = np.where(other, numbers_at(v, "i_other_a", at), numbers_at(v, "i_device_a", at))
    g_now = np.where(other, numbers_at(v, "i_other_3i0_a", at),
                     numbers_at(v, "i_device_3i0_a", at))
    i_now = np.where(ground, g_now, p_now)
    i_alt = np.where(ground, p_now, g_now)
    i_base = np.where(other, base.i_other_a[at], base.i_device_a[at])
    if ground.any():
        g_dev = (np.full(len(at), np.nan) if base.i_device_3i0_a is None
                 else base.i_device_3i0_a[at].astype(float))
        g_oth = (np.full(len(at), np.nan) if base.i_other_3i0_a is None
                 else base.i_other_3i0_a[at].astype(float))
        i_base = np.where(ground, np.where(other, g_oth, g_dev), i_base)
    return names.tolist(), el.tolist(), i_base.tolist(), i_now.tolist(), i_alt.tolist()


def current_texts(v: pd.DataFrame, at: np.ndarray, base: TwinValues, which: np.ndarray,
                  element: np.ndarray | None = None,
                  setting: Callable[..., object] | None = None) -> list[str]:
    """:func:`~protv2g.checks.attribution_share.current_text` of rows ``at``: the device
    whose current moved most (``which``), its operating element's current (``element``,
    :class:`CurrentChange`; the phase current without) in its base twin (``base``) and in
    the row (columns read at those rows only, #21); ``setting(names, elements, t_s, i_a)``
    (:func:`.relay_setting_current.relay_setting_currents_a` on the study's devices) gives
    the current that sets each row's time (that device's ``t_device_s``/``t_other_s``, its
    own where the rule scales it: :func:`.relay_setting_current.own_times_s`; ``i_alt`` the
    device's other element's current) — an array, or a
    :class:`~.relay_setting_current.SettingCurrents` naming the curves too."""
    if not len(at):
        return []
    if element is None:
        element = np.zeros((2, len(v)), dtype=ELEMENT_DTYPE)
    names, el, i_base, i_now, i_alt = _side_figures(v, at, base, which, element)
    i_set = [math.nan] * len(at)
    curves = [""] * len(at)
    if setting is not None:
        side = which[at]
        t_s = np.where(side == 1, numbers_at(v, "t_other_s", at),
                       numbers_at(v, "t_device_s", at))
        if "rule" in v.columns and "rule_value" in v.columns:
            t_s = own_times_s(t_s, column_at(v["rule"], at), numbers_at(v, "rule_value", at),
                              side)
        found = setting(names, el, t_s, i_now, i_alt)
        if isinstance(found, SettingCurrents):
            found, curves = found.i_a, found.curve
        i_set = np.asarray(found, dtype=float).tolist()
    return [current_text(str(n), b, x, e, s, c) for n, e, b, x, s, c in
            zip(names, el, i_base, i_now, i_set, curves, strict=True)]


def current_names(v: pd.DataFrame, at: np.ndarray, which: np.ndarray, element: np.ndarray
                  ) -> list[str]:
    """``"R1's |3I0| (its ground element operates)"`` / ``"F-LAT's phase current"``: the
    operating current of the device that moved most (``which``) of rows ``at``; ``""``
    where none did."""
    if not len(at):
        return []
    w = which[at]
    other = w == 1
    names = np.where(other, column_at(v["other_device"], at).astype(object),
                     column_at(v["device"], at).astype(object)) if "device" in v else None
    el = np.where(other, element[1, at], element[0, at])
    if names is None:
        return ["" for _ in range(len(at))]
    return [f"{n}'s {element_word(e)}" if k >= 0 else ""
            for n, e, k in zip(names.tolist(), el.tolist(), w.tolist(), strict=True)]
