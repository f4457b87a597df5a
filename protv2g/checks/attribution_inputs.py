"""What the attribution of :func:`protv2g.checks.check_study` compares a row with, on this
study: the base cases' margins, passing or not (:func:`base_margins`), and its tests on the
study's devices — which devices are fuses (:func:`study_fuses`), whether a moving long time
is a fuse's clearing at the first-cycle current (:func:`fuse_explained`) and the current
change of a later charger stage (:func:`staged_change`). The attribution itself is
:func:`protv2g.checks.attribution.attribute`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._rows import text_isin
from protv2g.checks.attribution_share import LONG_TIME_S
from protv2g.checks.coordination import pair_margins
from protv2g.checks.flow import flow_margins
from protv2g.checks.fuse_melt_text import first_cycle_fuse_time, staged_current_change
from protv2g.checks.operating_element import uniform_columns
from protv2g.checks.relay_setting_current import SettingCurrents, setting_currents
from protv2g.checks.sensitivity import reach_margins
from protv2g.devices.kinds import kind_of

__all__ = ["base_margins", "fuse_explained", "setting_current", "staged_change", "study_fuses"]


def study_fuses(ctx: CheckContext) -> frozenset[str]:
    """The study's fuses: the attribution says their margins in multiples of pickup in
    multiples of minimum melting current (:func:`.attribution_materiality.unit_words`)."""
    return frozenset(n for n, d in ctx.devices.items() if kind_of(d).role == "fuse")


def fuse_explained(ctx: CheckContext
               ) -> Callable[[pd.DataFrame, np.ndarray, np.ndarray], np.ndarray]:
    """The attribution's test that a moving long time is a fuse's clearing at the
    first-cycle current (:func:`.fuse_melt_text.first_cycle_fuse_time`), on this study's
    devices."""
    return lambda v, at, side: first_cycle_fuse_time(ctx, v, at, LONG_TIME_S, side)


def staged_change(ctx: CheckContext) -> Callable[..., np.ndarray]:
    """The attribution's current test of a fuse time a later charger stage sets: the change
    of that stage's current (:func:`.fuse_melt_text.staged_current_change`, review rev32a
    W1), on this study's devices."""
    return lambda v, at, side, t_b, i_b: staged_current_change(ctx, v, at, side, t_b, i_b)


def setting_current(ctx: CheckContext) -> Callable[..., SettingCurrents]:
    """The current that sets a relay's or recloser's row time, and a recloser's curve it is
    read on, quoted in its ``worse`` text (:func:`.relay_setting_current.setting_currents`,
    review rev46a #2), on this study's devices."""
    return lambda names, el, t_s, i_a, i_alt=None: setting_currents(ctx.devices, names, el,
                                                                    t_s, i_a, i_alt)


def base_margins(ctx: CheckContext, faults: bool = True, flow: bool = True) -> pd.DataFrame:
    """Margins of the base cases' rows, passing or not, that the attribution compares a V2G
    row with when its base case passes (:func:`protv2g.checks.attribution.attribute`): the
    coordination table's C1–C4 margins of every pair (:func:`.coordination.pair_margins`)
    and C5's reach of every device at every bus of its zones (:func:`.sensitivity.
    reach_margins`) — ``faults`` — and C12's voltage and loading of every judged bus and
    branch (:func:`.flow.flow_margins`) and C8's load margins of every device
    (:func:`.load_margins.load_margins`) — ``flow``. The other criteria write failing rows
    only: for them a row the base case does not fail stays ``new``."""
    bases = {b for b in ctx.base_of.values() if b}
    parts = []
    if faults and ctx.coordination is not None and not ctx.coordination.empty:
        parts.append(pair_margins(ctx.coordination))
    if faults and ctx.faults is not None:  # built with the C5 rows; bases kept below
        parts.append(reach_margins(ctx))
    if flow and ctx.flow:  # C12's voltage and thermal margins of the base cases (s17 §3.6)
        parts.append(flow_margins(ctx))
        # C8's load margins (review ver34 N3: a base passing by 0.02 A of 13 A was "made
        # worse by V2G" on a 0.03 A change, a sixth of its tolerance)
        from protv2g.checks.load_margins import load_margins

        parts.append(load_margins(ctx))
    parts = [p[text_isin(p.scenario, bases)] for p in parts]
    # the pair margins' element columns at their small dtypes in every part (not float64
    # NaN filled in by the concatenation for the reach and flow rows)
    parts = uniform_columns([p.copy(deep=False) for p in parts if len(p)])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
