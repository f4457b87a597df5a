"""The values a drafted study assumes, and the TODO texts it writes with them (``protv2g init``).

The minimum-case fault resistance and its ceiling at the feeder's voltage, a proposed head
relay's reclosing, a drafted fuse's link, the charger assumptions of a drafted V2G site, the
head relay's pickup rule as its TODO states it, the participation cases, the caveat on a
rating computed on an implausible source, the note of a draft with no fuse or recloser, and
how a device's notes are placed on the field they are about. :func:`.draft_text.study_text`
writes them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from protv2g.network.opendss_devices import DISABLED_WHAT
from protv2g.study.opendss_devices import FUSE_SWAP_WHAT, MODEL_DELAY_WHAT
from protv2g.study_draft.notes import NO_GROUND_FIX, NO_GROUND_WHAT
from protv2g.study_draft.writer import todo

__all__ = ["DRAFT_PARTICIPATION", "FUSE_LINK_FIX", "NO_FUSE_NOTE", "OLD_PICKUP_RULE",
           "PICKUP_RULE", "R_FAULT_MIN_OHM", "SITE_ASSUMPTIONS", "SOURCE_CAVEAT",
           "der_reclose_why", "largest_min_ground_fault", "r_fault_todo", "reclose_todo",
           "r_fault_ungrounded_todo"]


#: Minimum-case ground-fault resistance written into drafts, Ω (domain.md §2: 20–40 Ω).
R_FAULT_MIN_OHM = 20.0


#: TODO comment on a proposed head relay's reclosing (sources: head_relay.RECLOSE_INTERVALS_S).
_RECLOSE_TODO = todo(
    "assumed reclosing (open times, s): feeder breakers usually reclose — typically a first "
    "reclose after 0.3–0.5 s, later ones after 10–45 s, 1–3 reclosures to lockout; with DER "
    "the first is often delayed past the DER's 2 s cease-to-energise (IEEE 1547-2018 §8.1) "
    "or dead-line supervised (practices: IEEE C37.104-2012), so a model with DER of its own "
    "or drafted V2G sites gets 3.5 s; C10 checks the first against the cease-to-energise "
    "time of the chargers and of the feeder's existing DER",
    "give the breaker's reclose intervals, or [] when it does not reclose")


def reclose_todo(intervals_s: list[float] | tuple[float, ...]) -> str:
    """The TODO comment of a drafted head relay's reclosing, saying why its first reclose is
    what it is (review rev47a #7, rev46a #5: IEEE 8500's 0.5 s without ``--site``).

    0.5 s is drafted on a model with no DER of its own and no ``--site``: the feeder as it is
    today, whose breaker an engineer sets to an "instantaneous" first reclose (0.3–0.5 s, the
    arc path's de-ionising time: C. A. Gross, 20 cycles; a vendor's 0.3 s —
    :data:`protv2g.study_draft.head_relay.RECLOSE_INTERVALS_S`), not yet delayed for DER. It
    is kept, not raised to the DER value, because the base case is the feeder without the
    sites (review rev47a item 1): once sites are added, C10 reports the delay the sites need
    as their effect. 3.5 s (a model with DER, or ``--site``) is the cease-to-energise 2 s plus
    the top of C10's margin bracket, 1.0 s (its default margin is 0.5 s), and the next 0.5 s
    step above (:func:`der_reclose_why`;
    :data:`protv2g.study_draft.head_relay.RECLOSE_INTERVALS_DER_S`).

    >>> "today's feeder" in reclose_todo([0.5, 15.0, 30.0])
    True
    """
    first = float(intervals_s[0]) if len(intervals_s) else float("nan")
    if first < 2.0:
        why = (f"; {first:g} s drafted: the model has no DER of its own and no V2G site was "
               "given (init --site), so the first reclose is today's feeder's "
               "instantaneous one; with V2G sites added C10 judges it against their "
               "cease-to-energise time and reports the delay they need (3.5 s as drafted "
               "with DER) as their effect")
    else:
        why = f"; {first:g} s drafted: {der_reclose_why()}"
    return _RECLOSE_TODO.replace(" | fix: ", f"{why} | fix: ", 1)


#: The cease-to-energise time the drafted DER reclose is delayed past, s (IEEE 1547-2018 §8.1).
_CEASE_S = 2.0
#: The step the drafted first reclose is taken in, s.
_RECLOSE_STEP_S = 0.5


def der_reclose_why() -> str:
    """Why a first reclose drafted with DER is 3.5 s, in the rule's own numbers (review rev49a
    #7b: "plus C10's 1 s margin" — C10's margin is ``checks.reclose_margin_s``, 0.5 s by
    default; 1.0 s is the top of its bracket, :data:`protv2g.devices.rules.
    RECLOSE_MARGIN_BRACKET_S`). C10 needs the first reclose *longer* than cease-to-energise +
    margin, so the draft takes the next step above the bracket's top: C10 passes it wherever
    in the bracket the study sets the margin.

    >>> "(0.2–1 s; C10 judges with checks.reclose_margin_s, 0.5 s unless" in der_reclose_why()
    True
    """
    from protv2g.devices.rules import RECLOSE_MARGIN_BRACKET_S
    from protv2g.study.schema import Checks

    low, high = RECLOSE_MARGIN_BRACKET_S
    margin = float(Checks.model_fields["reclose_margin_s"].default)
    total = _CEASE_S + high
    first = (math.floor(total / _RECLOSE_STEP_S + 1e-9) + 1) * _RECLOSE_STEP_S
    return (f"the DER's {_CEASE_S:g} s cease-to-energise plus the top of C10's margin bracket "
            f"({low:g}–{high:g} s; C10 judges with checks.reclose_margin_s, {margin:g} s "
            f"unless the study sets it), {total:g} s, and the next {_RECLOSE_STEP_S:g} s "
            f"step above it, {first:g} s (C10 needs the first reclose longer than the sum): "
            "C10 passes it wherever in the bracket the margin is set")


#: The fix of a drafted fuse's link (:mod:`.fuse_draft`).
FUSE_LINK_FIX = ("give the link in service (type and rating, e.g. 40K, or the fuse's own curve "
                 "in a curve file), or delete the item if the line is not a fuse")


#: A device note's TODO → the field it is written on (review s22: written above the item it made
#: every row of recloser A rest on "the settings of a", though only "in service" was drafted;
#: :mod:`protv2g.input_basis` scopes each field to the rows it decides).
_NOTE_FIELDS = ((DISABLED_WHAT, "location"), (FUSE_SWAP_WHAT, "link"),
                (MODEL_DELAY_WHAT, "fast_curve"), (NO_GROUND_WHAT, "ground"))
#: The ground element's pickup field by device kind (``null``: no ground element).
_GROUND_KEYS = {"recloser": ("phase_min_trip_a", "ground_min_trip_a"),
                "relay": ("pickup_a", "ground_pickup_a")}
#: The TODO of a device with no ground element in the model (a relay's import notes none).
_NO_GROUND_TODO = todo("no ground element in the model (no ground curves, no ground pickup) "
                       "→ ground faults are seen by the phase element only",
                       NO_GROUND_FIX)


def r_fault_todo(level_kv: float | Sequence[float], r_ohm: float = R_FAULT_MIN_OHM,
                 largest: Mapping[float, tuple[float, str] | None] | None = None) -> str:
    """The TODO on the minimum-case fault resistance (review s22: it decides C5's reach and the
    recloser–fuse rows of the minimum case, and was a plain comment), with the ceiling it puts
    on a ground fault at each of the feeder's primary voltages ``level_kv`` (kV line to line;
    one or several: :func:`protv2g.study_draft.ungrounded.ground_fault_levels_kv`).

    Review rev33b W4 (IEEE 123, 4.16 kV): 20 Ω is a 12–25 kV convention; at 4.16 kV no ground
    fault through it exceeds ≈ 120 A, below any ground pickup that carries the feeder's
    residual load, so every reach row at it fails, with V2G and without. The ceiling is
    ``V_LN / R``: an SLG through ``R`` carries ``3 V_LN / |Z1 + Z2 + Z0 + 3R|`` (the
    sequence-network connection, e.g. J. D. Glover et al., *Power System Analysis and
    Design*, §9.2), and the sequence impedances' resistances are not negative, so the
    denominator is at least ``3R``. The ceiling is a property of the faulted bus's voltage:
    on a feeder with a step-down it is stated at each level (draft44's left item: rev44b's f1
    stated it at 12.47 kV only, 360 A, where a fault on its 34.5 kV trunk may draw 996 A).

    ``largest`` (kV → (A, bus) or None): the largest minimum-case SLG current through ``R``
    protv2g computes on the model at each level (:func:`largest_min_ground_fault`), said
    beside the ceiling: the model's own ``Z0`` is in series with ``R`` — a 20 Ω neutral
    resistor at the substation adds ``3 × 20 Ω`` to it and halves the ceiling (review rev44b
    M2, 13.8 kV: "no ground fault through it exceeds 398 A" where the model's largest is
    199 A).
    """
    kvs = [level_kv] if isinstance(level_kv, int | float) else list(level_kv)
    at = [(float(v), float(v) * 1e3 / math.sqrt(3.0) / r_ohm) for v in kvs
          if v > 0 and r_ohm > 0]
    ceiling = (f"; at {at[0][0]:g} kV no ground fault through it exceeds V_LN / R = "
               f"{at[0][1]:,.0f} A, whatever the source" if len(at) == 1 else
               "; no ground fault through it exceeds V_LN / R = "
               + ", ".join(f"{i_a:,.0f} A at {v:g} kV" for v, i_a in at)
               + " (the feeder's voltages), whatever the source" if at else "")
    found = [(v, (largest or {}).get(v)) for v, _ in at]
    found = [(v, big) for v, big in found if big is not None and big[0] == big[0]]
    if ceiling and found:
        each = (f"{found[0][1][0]:,.0f} A (at {found[0][1][1]}, IEC 60909 minimum case)"
                if len(at) == 1 else
                ", ".join(f"{big[0]:,.0f} A at {v:g} kV (at {big[1]})" for v, big in found)
                + " (IEC 60909 minimum case)")
        ceiling += ("; on this model, its source and grounding impedances in series with "
                    f"R (a neutral resistor or reactor among them), the largest is {each}")
    return todo(
        f"assumed minimum-case ground-fault resistance {r_ohm:g} Ω (North American "
        "practice 20–40 Ω on 12–25 kV feeders, domain.md §2): it decides the min-case "
        f"ground-fault rows (C5 reach, C2 fuse saving){ceiling}",
        "give the utility's fault resistance for minimum-fault studies (0 Ω for bolted faults)")


def largest_min_ground_fault(bus_rows: pd.DataFrame, kv_ll: pd.Series, level_kv: float
                             ) -> tuple[float, str] | None:
    """The largest minimum-case SLG fault current (A) and its bus among the buses at
    ``level_kv`` (kV line to line, within 1 %), or None.

    ``bus_rows``: a fault study's bus table (:data:`protv2g.engine.phase.result.BUS_COLUMNS`,
    the minimum case's ground faults through the study's fault resistance: init's
    :func:`protv2g.study_draft.head_rule.head_fault_study`); ``kv_ll``: bus name → kV.
    """
    if bus_rows is None or bus_rows.empty or not level_kv > 0:
        return None
    names = bus_rows["bus_name"].astype(str)
    kv = pd.to_numeric(names.map(kv_ll), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        keep = ((bus_rows["case"].astype(str).to_numpy() == "min")
                & bus_rows["fault_type"].astype(str).str.startswith("SLG").to_numpy()
                & (np.abs(kv / level_kv - 1.0) <= 0.01))
    i_ka = pd.to_numeric(bus_rows["ikss_ka"], errors="coerce").to_numpy(float)
    at = np.flatnonzero(keep & np.isfinite(i_ka))
    if not len(at):
        return None
    k = at[np.argmax(i_ka[at])]
    return 1e3 * float(i_ka[k]), str(names.iat[k])


def r_fault_ungrounded_todo(r_ohm: float) -> str:
    """The TODO on ``faults.r_fault_min_ohm`` on an ungrounded feeder
    (:func:`protv2g.study_draft.ungrounded.ungrounded_feeder`; review rev36b X5, IEEE 37: the
    usual TODO said "it decides the min-case ground-fault rows (C5 reach, C2 fuse saving)"
    where C5 judges none): the value
    enters only the minimum-case LLG rows (a line-to-line fault through the two resistances)
    and the SLG rows no element sees."""
    return todo(
        f"assumed minimum-case ground-fault resistance {r_ohm:g} Ω (North American practice "
        "20–40 Ω on 12–25 kV feeders, domain.md §2) — on this feeder no primary bus has a "
        "path to ground: a ground fault draws the lines' charging current only, C5 judges no "
        "SLG or LLG fault (detect them by 3V0, a 59N element), so it decides none of C5's "
        "rows; it enters the minimum-case LLG rows (a phase-to-phase fault through the two "
        "resistances) that C1–C4 read",
        "give the utility's fault resistance for minimum-fault studies, or keep it: it "
        "decides no ground-fault row here")


#: The charger assumptions a drafted site gets (review s23 §5: they were in the workbook only),
#: each ``field → (value or None for the kW rating, TODO text, fix)``; the values are the
#: schema's defaults (:class:`protv2g.study.schema_sites.V2GSite`,
#: ``docs/charger-fault-model.md`` §6), written out so that each can carry its source.
_CHARGER_REF = "../shared/reference/der/inverter_fault_current_and_reclosing.csv"
SITE_ASSUMPTIONS: dict[str, tuple[float | str | None, str, str]] = {
    "s_charger_kva": (
        None, "assumed kVA rating = the kW rating (no reactive headroom; the fault current "
        "limits below are pu of this kVA)", "give the charger inverter's kVA nameplate "
        "(≥ p_charger_kw)"),
    "limit_pu": (
        1.5, "assumed first-cycle current limit 1.5 pu of rating (conservative planning "
        f"value 1.5–2.0 pu; general IBR limit 1.1–1.5 pu: {_CHARGER_REF})",
        "give the charger maker's first-cycle (peak) fault current, pu of its kVA rating"),
    "sustained_limit_pu": (
        1.1, "assumed sustained current limit 1.1 pu of rating (the middle of the 1.0–1.2 pu "
        f"of grid-following inverters: {_CHARGER_REF})",
        "give the charger maker's sustained fault current, pu of its kVA rating"),
    "sustained_limit_high_pu": (
        1.2, "assumed high bracket of the sustained limit 1.2 pu (the top of that 1.0–1.2 pu "
        "range; docs/charger-fault-model.md §3)",
        "give the maker's upper value, or the sustained limit again when it is exact"),
    "ride_through_category": (
        "II", "assumed IEEE 1547-2018 ride-through Category II (§6.4; trip defaults Tables "
        "11–13: the category most distribution interconnection requirements assume)",
        "give the category the utility's interconnection requirement sets (III e.g. under "
        "California Rule 21)"),
    "cease_to_energize_s": (
        2.0, "assumed 2 s cease-to-energise after the feeder opens (IEEE 1547-2018 §8.1, "
        "unintentional islanding: cease within 2 s); C10 checks the first reclose against it",
        "give the chargers' anti-islanding clearing time (certificate or utility setting)"),
}


#: The drafted head relay's pickup rule as its TODO states it (:mod:`.head_relay`): on the
#: feeder's own peak without V2G, the protection it has before the sites (review rev47a
#: item 1), and as drafts before stated it (``init --redraft`` rewrites those):
#: :data:`OLD_PICKUP_RULES`, the newest first.
PICKUP_RULE = ("51P = 2 × peak load within [1.5 × peak load, min zone fault / 1.5], 51G = "
               "max(2 × residual, 0.25 × 51P) within [1.5 × residual, min zone ground fault "
               "/ 1.5] (peak load without V2G: the feeder's protection before the sites; "
               "their charging and export are C8's V2G finding, said in the comment)")
OLD_PICKUP_RULES = (
    # review rev32a W3 to session 47: the sites' charging and export set the floor
    "51P = max(2 × peak load, 1.5 × C8 load) within [1.5 × C8 load, min zone fault "
    "/ 1.5], 51G = max(2 × residual, 1.5 × C8 residual, 0.25 × 51P) within [1.5 × "
    "C8 residual, min zone ground fault / 1.5] (C8 load: the largest of peak load, "
    "the V2G sites charging at peak load and exporting at light load)",
    # before review rev32a W3
    "51P = 2 × peak load within [1.5 × load, min zone fault / 1.5], 51G = "
    "max(2 × residual, 0.25 × 51P) within [1.5 × residual, min zone ground "
    "fault / 1.5]")
OLD_PICKUP_RULE = OLD_PICKUP_RULES[0]
#: The participation cases a draft with V2G sites writes (``scenarios.participation``): the
#: draft's comments give the sites' charging in the largest (:mod:`.head_load`).
DRAFT_PARTICIPATION = ("expected", "firm")


def _site_entry(site: dict) -> tuple[dict, dict[str, str]]:
    """A ``v2g_sites`` entry with the charger assumptions written out, each with its TODO on
    its own field (:data:`SITE_ASSUMPTIONS`); values the site already gives are kept."""
    entry, todos = dict(site), {}
    for key, (value, what, fix) in SITE_ASSUMPTIONS.items():
        if key in entry:
            continue
        entry[key] = site["p_charger_kw"] if value is None else value
        todos[key] = todo(what, fix)
    return entry, todos


def _with_field_todos(entry: dict, todos: dict[str, str], mine: list) -> tuple[dict, list]:
    """``entry`` with its ground pickup written ``null`` where it has none, the device notes
    placed on their field (:data:`_NOTE_FIELDS`), and the notes left above the item."""
    out = dict(entry)
    keys = _GROUND_KEYS.get(str(entry.get("kind")))
    if keys and out.get(keys[1]) is None:  # no ground element: null with its TODO
        items = list(out.items())
        at = next((i + 1 for i, (k, _v) in enumerate(items) if k == keys[0]), len(items))
        out = dict([*items[:at], (keys[1], None), *items[at:]])
        todos.setdefault(keys[1], _NO_GROUND_TODO)
    above = []
    for n in mine:
        fld = next((f for w, f in _NOTE_FIELDS if n.what.startswith(w)), None)
        if fld == "ground":  # said by the null's TODO
            continue
        if n.todo and fld in out and fld not in todos:
            todos[fld] = todo(f"{n.what} → {n.action}", n.fix)
        else:
            above.append(n)
    return out, above


#: Appended to a drafted rating's TODO when the model's source is implausible (review s23 §1:
#: "below the 21906.74 kA computed here" quoted without question).
SOURCE_CAVEAT = ("; NOTE the fault current is computed on the model's source, which is not "
                 "a plausible utility source (feeder.opendss's TODO): the duty is not one a "
                 "real breaker sees and changes with the utility's source impedance")


def _source_caveat(note: str, bad_source: bool) -> str:
    """A rating TODO with :data:`SOURCE_CAVEAT` before its fix when the source is implausible."""
    if not bad_source:
        return note
    what, sep, fix = note.partition(" | fix:")
    return f"{what}{SOURCE_CAVEAT}{sep}{fix}"


#: Said above ``devices:`` (and by ``protv2g init``) when the draft holds no fuse or recloser.
NO_FUSE_NOTE = ("the model has no fuse or recloser: C1–C4 (fuse and recloser coordination, "
                "fuse saving) will judge nothing and the gate will say ERROR until the "
                "feeder's fuses and reclosers are added under devices (kind fuse / recloser; "
                "on a low-voltage feeder, ≤ 1 kV, IEC 60269 gG links such as link: 100gG, "
                "not EEI-NEMA K/T links) or the study states it has none "
                "(no_fuses_or_reclosers: true, at the top level)")
