"""Why a hosting axis is limited from its smallest export: the texts of a zero figure.

A criterion that fails at the smallest export evaluated (the search's first export step,
its ``tol_kw`` unless the site's maximum is smaller) fails at any export when it is driven
by the fault current: in the first cycle every online charger gives its first-cycle current
limit whatever it exports (:mod:`protv2g.hosting`, module docstring). The figure is 0 kW
and the chargers online are searched instead (:mod:`.online`). Review rev29 §6 (IEEE 123,
the homes behind F-73: 0 kW; at 5 kW the whole expected fleet is online and its fault
current moves R-67's current 115.5 → 63.65 A, −45 %): the texts said "first fail 5 kW"
beside "at most 0 online: 0 kW" without saying that the current is the fleet's connected
kVA, not its export. Here the texts say what that export is (:func:`smallest_text`), why it
fails by what the criterion reads (:func:`reason`, the note; :func:`at_once_why`, the
gate's and ``protv2g hosting``'s lines) and, per criterion, both (:func:`at_once_note`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from protv2g.criteria import CATALOGUE, Need
from protv2g.significant import number_text
from protv2g.violations import is_given

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.hosting.tables import Axis
    from protv2g.study.schema import V2GSite

__all__ = ["AT_ONCE_WHY", "FLEET_REMEDY", "at_once_note", "at_once_why", "limiting_criteria",
           "reason", "reasons_text", "smallest_text", "transformer_remedy",
           "transformer_remedy_by_row"]

#: Why a criterion fails from the smallest export, by what it reads (``None``: neither
#: currents nor flows — C10/C11); short, for one line.
AT_ONCE_WHY = {Need.FAULTS: "the fault current comes from the chargers' connected kVA (the "
                            "fleet online), not from their export",
               Need.FLOW: "the power flow crosses a limit at any export",
               None: "the site's presence behind the device decides it, not its export"}


def _needs(crit: str) -> frozenset:
    return CATALOGUE[crit].needs if crit in CATALOGUE else frozenset({Need.FAULTS})


#: What lifts a limit of the chargers' fault current (:func:`reason`); replaced by
#: :func:`transformer_remedy` where the rows fail with the site's own transformer in and no
#: charger online (:mod:`.online`, review rev33b W1b).
FLEET_REMEDY = ("fewer chargers online or lower current limits would lift a fault-current "
                "limit, an export cap would not")


def transformer_remedy(transformer: str, ground: bool = True) -> str:
    """What sets and lifts a limit that fails with the site's own transformer in and none
    of its chargers online (review rev33b W1b: IEEE 123's depot, 0 kW "at any export", its
    2 MVA YNd transformer's zero-sequence path raising F-3's ground fault +19 %): its
    winding connection and grounding, not the chargers — for ground-fault rows (``ground``).
    Other rows (ver33, EPRI ckt24: a 3ph fault at the depot transformer's own cutout, 11.7 kA
    asymmetrical against its 10 kA rating, carried by the feeder) are set by the equipment
    that comes with the site, which no winding connection changes.

    >>> transformer_remedy("depot_xf")[:60]
    "set by the site's own transformer depot_xf, not its chargers"
    >>> "winding connection" in transformer_remedy("depot_xf", ground=False)
    False
    """
    head = f"set by the site's own transformer {transformer}, not its chargers"
    if not ground:
        return f"{head}: {EQUIPMENT_REMEDY}; {NOT_THE_FLEET}"
    return f"{head}: its {WINDING_REMEDY}; {NOT_THE_FLEET}"


#: What lifts a limit the equipment that comes with a site sets (its own devices' rows).
EQUIPMENT_REMEDY = ("the equipment that comes with the site fails with it built and its "
                    "chargers idle (a device on it against the feeder's own fault current, "
                    "say) — change that equipment (a rating, a setting)")
#: What lifts a ground-fault limit a site transformer's zero-sequence path sets (after "its"
#: or "<transformer>'s").
WINDING_REMEDY = ("winding connection and grounding (a grounded-wye winding on the "
                  "feeder side is a zero-sequence source for every ground fault, IEEE "
                  "1547.2-2008 §8.3) — a delta or ungrounded-wye feeder-side winding, or a "
                  "neutral impedance, would lift it")
NOT_THE_FLEET = "fewer chargers, lower current limits or an export cap would not lift it"


def transformer_remedy_by_row(transformer: str, equipment_crits: Sequence[str],
                              winding_crits: Sequence[str],
                              equipment_devices: Sequence[str] = ()) -> str:
    """:func:`transformer_remedy` when the rows that fail with none of the site's chargers
    online are of both kinds, said once per kind: the criteria its own devices' rows set
    (``equipment_crits``, of the site's devices ``equipment_devices``: change that
    equipment) and those its winding's zero-sequence path sets at the feeder's devices
    (``winding_crits``). ver36 V1, IEEE 8500's depot: "a delta … winding would lift it" was
    said of C1 and C7 too, which a delta winding leaves failing (OpenDSS: F-DEPOT 7,568 A →
    11.07 kA asym against 10 kA; 357 A from the grid into a 20 Ω fault at its terminal), and
    every criterion was led by "set by the site's own transformer" (ver36 V1 re-check: the
    block three times, once per criterion).

    >>> t = transformer_remedy_by_row("depot_xf", ["C1", "C7"], ["C5"], ["F-DEPOT"])
    >>> t.startswith("not set by the site's chargers (it fails with none of them online): ")
    True
    >>> t.split(": ", 2)[1]
    "C1, C7 (the rows of F-DEPOT, the site's own device)"
    >>> "C5 (ground faults at the feeder's devices): depot_xf's winding connection" in t
    True
    >>> t.count("set by the site's own transformer")
    0
    """
    if not winding_crits:
        return transformer_remedy(transformer, ground=False)
    if not equipment_crits:
        return transformer_remedy(transformer, ground=True)
    own = list(dict.fromkeys(equipment_devices))
    whose = (f" (the rows of {', '.join(own)}, the site's own device{'s' if len(own) > 1 else ''})"
             if own else " (phase faults: the site's equipment against the feeder's current)")
    return ("not set by the site's chargers (it fails with none of them online): "
            f"{', '.join(equipment_crits)}{whose}: {EQUIPMENT_REMEDY}; "
            f"{', '.join(winding_crits)} (ground faults at the feeder's devices): "
            f"{transformer}'s {WINDING_REMEDY}; {NOT_THE_FLEET}")


def reasons_text(crits: Sequence[str], site: V2GSite, n_on: float) -> str:
    """Why the criteria ``crits`` fail at any export (:func:`reason` of each), each distinct
    reason once with the criteria it applies to: ``"C1, C5, C7: the fault current …"``
    (ver36 V1 re-check: "C1: …; C5: …; C7: …" gave one text three times). One criterion: its
    reason alone. The hosting note's why (:mod:`.tables`) and the text :mod:`.online`
    replaces by the site transformer's remedy."""
    if len(crits) <= 1:
        return reason(crits[0] if crits else "", site, n_on)
    by: dict[str, list[str]] = {}
    for c in crits:
        by.setdefault(reason(c, site, n_on), []).append(c)
    return "; ".join(f"{', '.join(cs)}: {text}" for text, cs in by.items())


def reason(crit: str, site: V2GSite, n_on: float) -> str:
    """Why ``crit`` fails at any export (a zero hosting figure): what decides it and what
    lifts it, by what the criterion reads (:attr:`protv2g.criteria.Criterion.needs`)."""
    needs = _needs(crit)
    if Need.FAULTS in needs:
        # the first cycle does not depend on the export; the sustained stage (time-delayed
        # elements, C5 since reach23) does, from the smallest export up to the limit
        return (f"{AT_ONCE_WHY[Need.FAULTS]}: the {n_on:g} chargers online give up to "
                f"their first-cycle limit ({n_on:g} × {site.charger_kva:g} kVA at "
                f"{site.limit_pu:g} pu) whatever they export, the smallest export included; "
                + FLEET_REMEDY)
    if not needs:  # C10/C11 read neither currents nor flows
        return ("the site's presence behind the device decides it (a reclose interval "
                "against its cease-to-energise time, or an islanding screen), not its "
                "current: a setting or anti-islanding measure lifts it")
    return ("the power flow with any export crosses a load or voltage limit already at its "
            "edge without it")


def limiting_criteria(text: object) -> list[str]:
    """The criterion ids of a ``limiting_criterion`` cell: ``"C5 (a, SLG-a at b2 (min)),
    C10"`` → ``["C5", "C10"]`` (commas inside parentheses are the evidence's)."""
    items, depth, cur = [], 0, []
    for ch in str(text) if is_given(text) else "":
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return [t.strip().split(" ", 1)[0] for t in items if t.strip()]


def at_once_why(limiting_criterion: object) -> str:
    """Why the criteria of a ``limiting_criterion`` cell fail from the smallest export
    (:data:`AT_ONCE_WHY`, the first that applies: fault current, then flow, then presence).

    >>> at_once_why("C5 (a, SLG-a at b2 (min)), C10")[:41]
    'the fault current comes from the chargers'
    >>> at_once_why("C11")
    "the site's presence behind the device decides it, not its export"
    """
    crits = limiting_criteria(limiting_criterion)
    needs: set = set()
    for c in crits:
        needs |= set(_needs(c))
    key = (Need.FAULTS if Need.FAULTS in needs or not crits else
           Need.FLOW if needs else None)
    return AT_ONCE_WHY[key]


def smallest_text(first_fail_kw: float, n_on: float) -> str:
    """What the smallest export evaluated is.

    >>> smallest_text(5.0, 12.0)
    "5 kW, the search's first export step, with all 12 chargers of the participation online"
    """
    return (f"{number_text(first_fail_kw, 'kW')}, the search's first export step, with all "
            f"{n_on:g} chargers of the participation online")


def at_once_note(axis: Axis, c: dict[str, Any], crit: str) -> str:
    """The per-criterion note of a criterion limited from the smallest export (``c``: its
    ``hosting_kw``, ``first_fail_kw``, ``limited``), ``""`` otherwise: its hosting 0 kW
    beside its first failing export, said (review rev29 §6)."""
    if not c["limited"] or c["hosting_kw"] > 0 or c["first_fail_kw"] is None:
        return ""
    s = axis.site
    n_on = s.participation.fraction(axis.participation) * s.n_chargers
    return (f"fails from the smallest export evaluated "
            f"({smallest_text(c['first_fail_kw'], n_on)}): not a matter of export — "
            f"{reason(crit, s, n_on)}; how many chargers may be online: the Hosting "
            "capacity table (max_online_chargers)")
