"""C8's row on a transformer's own fuse whose link melts inside the transformer's inrush or
cold-load points (review rev42a M5, EPRI ckt5: ``f-depot-xf`` 100K on depot_xf, 2 MVA
12.47 kV, FLA 92.6 A: minimum melt 7.58 s at 3 × FLA and 0.815 s at 6 × FLA; ``validate``
and ``run`` were silent, only ``recommend`` said so).

A fuse that melts on energising its transformer, or on the load it picks up after an outage,
takes the transformer out with no fault: the load the link must carry is not only the
steady current C8's minimum-melt / 1.5 rule judges but these short-time currents. A **fail**
(the fuse operates on a normal operating event, as C8's steady-state rows fail for a load at
the limit). The points and the rule: :mod:`protv2g.devices.transformer_withstand`
(:data:`~protv2g.devices.transformer_withstand.POINTS_SOURCE`); the same rule bounds the
recommendation's fuse window (:mod:`protv2g.checks.fuse_window`) and gives ``validate``'s
warning (:mod:`protv2g.study.transformer_fuse`).

One row per scenario in which the fuse carries current and per fuse, at its worst point (the
least ratio of minimum melt to the point's time); the message names every point it melts
inside. A fuse on a V2G site's own transformer has rows only in the scenarios that build that
site (:meth:`protv2g.scenarios.Scenario.is_built`): neither the base case nor another site's
one-site hosting scenario has the transformer (review rev43a M1: the campus's fuse was listed
among homes1's and homes2's hosting "settings to change"). ``margin`` = minimum melt − the
point's time (s), ``limit`` the point's time.
Attribution is the check's, not the base case's: the link against its transformer does not
move with export — the project's equipment
(:data:`~protv2g.checks.project_equipment.EQUIPMENT`) for a fuse on a site's own
transformer, ``pre-existing`` otherwise.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._violation_rows import violation_rows
from protv2g.checks.project_equipment import EQUIPMENT
from protv2g.criteria import MarginUnit
from protv2g.devices.fuse import Fuse
from protv2g.devices.transformer_withstand import (
    POINTS_SOURCE,
    points_text,
    shortfalls,
    withstand_fix_text,
    withstanding_links,
)
from protv2g.study.site_equipment import site_transformer_devices
from protv2g.study.transformer_fuse import shortfall_text, transformer_full_load_a
from protv2g.units import DeviceKind
from protv2g.violations import CheckStatus

__all__ = ["WITHSTAND_MECHANISM", "WITHSTAND_RULE", "withstand_links", "withstand_rows"]

#: ``rule`` of the rows (module docstring).
WITHSTAND_RULE = "transformer inrush and cold-load withstand"
#: ``mechanism`` of the rows.
WITHSTAND_MECHANISM = "inrush / cold load: energising the transformer or picking up its load"


def withstand_rows(ctx: CheckContext, flow: pd.DataFrame) -> list[pd.DataFrame]:
    """C8's rows of the fuses on a transformer that melt inside its points (module
    docstring); ``flow`` the device table's solved rows (``scenario, device, i_a``)."""
    out = []
    equipment = None
    for name, dev in ctx.devices.items():
        if not isinstance(dev, Fuse):
            continue
        fla = transformer_full_load_a(ctx.study, name)
        got = shortfalls(dev, fla[0]) if fla is not None else []
        if not got:
            continue
        if equipment is None:
            equipment = site_transformer_devices(ctx.study)
        scenarios = [s for s in dict.fromkeys(flow.loc[flow.device == name, "scenario"])
                     if name not in equipment or _built(ctx, str(s), equipment[name][0])]
        if not scenarios:
            continue
        p, i_a, t_s = min(got, key=lambda g: g[2] / g[0].t_s)
        link = str(dev.settings.link)
        fix = withstand_fix_text(ctx.study.library, link, fla[0])
        msg = (f"{name}'s {shortfall_text(link, got)}, inside {fla[1]}'s inrush and "
               f"cold-load withstand (full load {fla[0]:.1f} A; {points_text()}): it can melt "
               f"energising {fla[1]} or picking up its load after an outage, with no fault; "
               f"{fix}")
        rows = violation_rows(
            "C8", CheckStatus.FAIL, scenario=scenarios, device=[name] * len(scenarios),
            i_device_a=i_a, margin=t_s - p.t_s, limit=p.t_s, margin_unit=MarginUnit.SECOND,
            tolerance=0.0, rule=WITHSTAND_RULE, rule_value=p.multiple,
            rule_source=POINTS_SOURCE, mechanism=WITHSTAND_MECHANISM,
            message=[msg] * len(scenarios))
        # kept by the attribution (as C7's equipment rows, :mod:`protv2g.checks.duty`)
        rows["attribution"] = EQUIPMENT if name in equipment else "pre-existing"
        out.append(rows)
    return out


def _built(ctx: CheckContext, scenario: str, site: str) -> bool:
    """Whether ``scenario`` builds ``site`` (its own transformer in the model); a scenario the
    context does not know (a hand-built table) does."""
    sc = getattr(ctx, "scenarios", {}).get(scenario)
    return sc is None or sc.is_built(site)


def withstand_links(study: Any) -> dict[str, tuple[str, str | None, str | None]]:
    """Study fuse → ``(transformer, first link, alternative)`` for each fuse on a transformer
    whose link melts inside the transformer's withstand points
    (:func:`~protv2g.devices.transformer_withstand.withstanding_links`: the links this module's
    rows name), for texts that name the remedy without the row's message (the hosting
    search's "settings to change", :func:`protv2g.hosting.limits.settings_text`)."""
    out: dict[str, tuple[str, str | None, str | None]] = {}
    for d in getattr(study.document, "devices", None) or []:
        if getattr(d, "kind", None) is not DeviceKind.FUSE:
            continue
        fla = transformer_full_load_a(study, d.name)
        if fla is None:
            continue
        try:
            fuse = Fuse(name=d.name, link=d.link, library=study.library)
        except (KeyError, ValueError, TypeError):
            continue
        if shortfalls(fuse, fla[0]):
            out[d.name] = (fla[1], *withstanding_links(study.library, d.link, fla[0]))
    return out
