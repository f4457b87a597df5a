"""C5's (reach, :mod:`.sensitivity`) row messages: the failing zone rows' text with the stage
the row was judged on (:mod:`.reach_stage`, review s23), written when read
(:class:`~protv2g.messages.MessageArray`, #21)."""

from __future__ import annotations

import numpy as np

from protv2g.checks._common import CheckContext
from protv2g.checks._recipes import coded, objects
from protv2g.checks.fuse_gg_limits import gg_band
from protv2g.checks.fuse_gg_remedy import gg_remedies, gg_windows
from protv2g.checks.ground_diverted import diverted_rows
from protv2g.checks.reach_blind import blind_note
from protv2g.checks.reach_regulators import regulator_notes
from protv2g.checks.reach_stage import FIRST_CYCLE
from protv2g.devices.kinds import kind_of
from protv2g.messages import MessageArray
from protv2g.study.dss_site_transformers import grounded_site_transformers

__all__ = ["BAD_COLUMNS", "limits_apart", "reach_messages", "render_reach", "stage_note",
           "stage_notes", "transformer_note", "transformers_below", "built_grounded"]

#: Columns of C5's message other than the scenario (texts, then numbers).
_TEXT_COLUMNS = ("device", "element", "fault_bus_name", "fault_type", "case", "zone", "stage",
                 "bracket")
_NUMBER_COLUMNS = ("i_op_a", "ratio", "pickup_a", "factor", "i_first_a")
#: C5's message around the export text: device, current, element and stage, fault type, case,
#: bus, zone; then ratio, pickup, factor.
_HEAD = "%s sees %.0f A (%s%s) for a %s fault (%s case) at %s in its %s zone "
_TAIL = ": %.2f × pickup %.0f A < %g × pickup"
#: Zone-row columns C5's rows and messages read.
BAD_COLUMNS = ["scenario", *_TEXT_COLUMNS, *_NUMBER_COLUMNS, "t_op_s", "tolerance"]


#: :func:`stage_note`'s texts: the first cycle's, the bracket names, the two verdicts.
_FIRST_NOTE = ", first cycle: an instantaneous element acts in it"
_ENDS = {"both": "both brackets", "low": "low bracket", "high": "high bracket"}
_FAILS_TOO = "fails in the first cycle too (%.0f A, %.2f × pickup)"
_WOULD_PASS = ("the first cycle's %.0f A (%.2f × pickup) would pass: the sustained stage "
               "decides")
_SUSTAINED = ", sustained stage: the chargers %s while its time-delayed element operates, " \
    "%s; %s"
#: A fuse's (review rev29 §6: "while its time-delayed element operates" of a fuse): a link
#: melts, and its C5 pickup is its minimum melting current — the 300 s point of its
#: minimum-melt curve, ≈ 2 × rating for K and T links (EEI-NEMA; ``kinds._fuse_pickup``).
_MELT = "minimum melting current"
_FUSE_FAILS_TOO = f"fails in the first cycle too (%.0f A, %.2f × {_MELT})"
_FUSE_WOULD_PASS = (f"the first cycle's %.0f A (%.2f × {_MELT}) would pass: the sustained "
                    "stage decides")
_FUSE_SUSTAINED = ", sustained stage: the chargers %s while it melts, %s; %s"
#: Where the chargers' sustained current is, by the bracket kept (review rev49a #7a, IEEE 13
#: F03: "at their sustained limit, both brackets" where the chargers gave the export's P/|V|,
#: ≈ 59 A, below the 66 / 72 A limits — which is why the brackets agree). The same current in
#: both brackets whose limits differ (``apart``) is below both; where one limit binds the
#: brackets differ: the low bracket's is at its limit, the high one's up to its own.
_AT = {"low": "at their sustained limit", "high": "at up to their high sustained limit"}
_BELOW = ("below their sustained limit (the export's P/|V| or the current their control "
          "gives, the same in both brackets, not the limit)")
#: Neither said where the brackets' limits are the same (or the sites are not known).
_ONE_LIMIT = "at their sustained limit or below it"


def _chargers(bracket: str, apart: bool) -> str:
    """Where the chargers' sustained current is (:data:`_AT`) for the ``bracket`` kept."""
    return _AT.get(bracket, _BELOW if apart else _ONE_LIMIT)


def limits_apart(ctx: CheckContext) -> bool:
    """Whether every V2G site's two brackets of the sustained stage hold different limits
    (the high bracket's ``sustained_limit_high``, or its first-cycle ``limit_pu`` held with
    ``faults.high_bracket: first_cycle_held``): a row of one current in both is then below
    both (:data:`_BELOW`); False without sites (a bare context)."""
    doc = getattr(getattr(ctx, "study", None), "document", None)
    sites = getattr(doc, "v2g_sites", None)
    if not sites:
        return False
    held = getattr(getattr(doc, "faults", None), "high_bracket", "") == "first_cycle_held"
    return all((s.limit_pu if held else s.sustained_limit_high) > s.sustained_limit + 1e-9
               for s in sites)


def stage_note(stage: str, bracket: str, i_op_a: float, i_first_a: float, pickup_a: float,
               factor: float, fuse: bool = False, apart: bool = False) -> str:
    """The stage a C5 row was judged on (:mod:`protv2g.checks.reach_stage`), after the element
    in its message: ``""`` where every stage gives the same current (no charger between) or
    the fault result has one stage;
    otherwise the stage, why, and the first cycle's current with which stage decided the
    verdict when the two disagree. ``fuse``: the device is a fuse (it melts; its pickup is
    its minimum melting current). ``apart``: :func:`limits_apart` of the study."""
    if stage == FIRST_CYCLE:
        return _FIRST_NOTE
    if stage == "" or i_op_a == i_first_a:  # one stage, or no charger between
        return ""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as the ratio
        q = float(np.float64(i_first_a) / pickup_a)
    fails, passes, note = ((_FUSE_FAILS_TOO, _FUSE_WOULD_PASS, _FUSE_SUSTAINED) if fuse
                           else (_FAILS_TOO, _WOULD_PASS, _SUSTAINED))
    verdict = (fails if q < factor - 1e-12 else passes) % (i_first_a, q)
    return note % (_chargers(bracket, apart), _ENDS.get(bracket, bracket), verdict)


def stage_notes(stage: list, bracket: list, i_op_a: list, i_first_a: list, pickup_a: list,
                factor: list, fuse: list | None = None, apart: bool = False) -> list[str]:
    """:func:`stage_note` of every row of the ``(n,)`` lists (Python ``str`` and ``float``;
    ``fuse``: bool, the row's device is a fuse, none by default), the same texts: the ratio
    and the verdict computed for all rows at once and a row formatted only where it has a
    sustained-stage note (#21: one ``np.errstate`` and one NumPy division per row, 1.0 s of
    C5's 204,554 distinct rows at 10,000 buses)."""
    n = len(stage)
    if n == 0:
        return []
    i1 = np.asarray(i_first_a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as the ratio
        q = i1 / np.asarray(pickup_a, dtype=float)
        fails = q < np.asarray(factor, dtype=float) - 1e-12
    st = np.asarray(stage, dtype=object)
    first = st == FIRST_CYCLE
    # "" where one stage or no charger between (NaN ≠ NaN: such a row is written, as there)
    same = (st == "") | (np.asarray(i_op_a, dtype=float) == i1)
    notes: list[str] = [""] * n
    for k in np.flatnonzero(first).tolist():
        notes[k] = _FIRST_NOTE
    write = np.flatnonzero(~first & ~same).tolist()
    if write:
        fl, ql, fa = i1[write].tolist(), q[write].tolist(), fails[write].tolist()
        for j, k in enumerate(write):
            b = bracket[k]
            if fuse is not None and fuse[k]:
                verdict = (_FUSE_FAILS_TOO if fa[j] else _FUSE_WOULD_PASS) % (fl[j], ql[j])
                if fuse[k] == 2:  # a gG band link's C5 pickup
                    verdict = verdict.replace(_MELT, _GG_FUSING)
                notes[k] = _FUSE_SUSTAINED % (_chargers(b, apart), _ENDS.get(b, b), verdict)
                continue
            verdict = (_FAILS_TOO if fa[j] else _WOULD_PASS) % (fl[j], ql[j])
            notes[k] = _SUSTAINED % (_chargers(b, apart), _ENDS.get(b, b), verdict)
    return notes


def reach_messages(ctx: CheckContext, bad: dict[str, np.ndarray]) -> MessageArray:
    """C5's message of every row of ``bad`` (the failing zone rows' columns by name), as a
    :class:`~protv2g.messages.MessageArray` that writes each row's text when it is read
    (:func:`render_reach`; #21: at 10,000 buses C5's 409,122 messages were 140 MiB of
    strings held from the checks to the workbook, which writes a few thousand of them).

    The recipe holds the texts as codes into their distinct values, the numbers as floats
    and the scenario as a code into its export texts (:meth:`CheckContext.export_text`), the
    one column a twin scenario changes (:meth:`~protv2g.messages.MessageArray.replaced`),
    and whether each distinct device is a fuse (``fuse``: its rows said in a fuse's words,
    :data:`_FUSE_MESSAGE`). ``bad["alone"]`` (optional, per row): the note of a device that
    does not operate for the fault at all (:func:`~protv2g.checks.reach_alone.alone_notes`)."""
    n = len(bad["scenario"])
    texts = tuple(coded(bad[k]) for k in _TEXT_COLUMNS)
    numbers = tuple(np.array(bad[k], dtype=float) for k in _NUMBER_COLUMNS)
    sc_codes, sc_names = coded(np.asarray(bad["scenario"], dtype=object))
    exports = objects([ctx.export_text(n) for n in sc_names.tolist()])
    devices = getattr(ctx, "devices", None) or {}
    # 0 relay or recloser, 1 fuse, 2 IEC 60269 gG band link (C5 pickup: its conventional
    # fusing current, :mod:`protv2g.checks.fuse_gg_limits`)
    fuse = np.array([0 if n not in devices or kind_of(devices[n]).role != "fuse"
                     else 2 if gg_band(devices[n]) else 1
                     for n in texts[0][1].tolist()], dtype=np.intp)
    below = [transformers_below(ctx, d) for d in texts[0][1].tolist()]
    notes = np.array([[transformer_note(ctx, s, b) for b in below]
                      for s in sc_names.tolist()], dtype=object).reshape(len(sc_names),
                                                                        len(below))
    args = {"texts": texts, "numbers": numbers, "scenario": sc_codes, "exports": exports,
            "fuse": fuse, "apart": limits_apart(ctx)}
    if (fuse == 2).any():  # each gG link's series window, for its remedy (.fuse_gg_remedy)
        args["gg"] = gg_windows(ctx, texts[0][1].tolist(), fuse == 2)
    if any(notes.ravel().tolist()):  # else no per-row concatenation when rendered
        args["notes"] = notes
    # per fault bus: the regulators the fault study holds at tap 1.0 (review rev32b §3c)
    regs = regulator_notes(ctx, sc_names.tolist(), texts[2][1].tolist())
    if any(regs.ravel().tolist()):
        args["regulators"] = regs
    blind = bad.get("blind_ratio")
    if blind is not None and np.isfinite(np.asarray(blind, float)).any():
        # per row: blind without V2G too (.reach_blind), written when read
        args["blind"] = (np.asarray(blind, float), np.asarray(bad["blind_why"], dtype=object))
    alone = bad.get("alone")
    if alone is not None and any(np.asarray(alone, dtype=object).tolist()):
        # per row: the device does not operate at all, its backup clears alone (.reach_alone)
        args["alone"] = np.asarray(alone, dtype=object)
    diverted = diverted_rows(ctx, bad)
    if diverted is not None:  # per row: a zero-sequence source beyond the device (rev51 #2)
        args["diverted"] = diverted
    return MessageArray.from_recipe(render_reach, args, n)


def _grounded(ctx: CheckContext) -> dict[str, str]:
    """:func:`~protv2g.study.dss_site_transformers.grounded_site_transformers` of the study,
    kept in ``ctx.cache``; empty for a bare context (no study)."""
    study, cache = getattr(ctx, "study", None), getattr(ctx, "cache", None)
    if study is None:  # a bare context (the messages' unit tests): no study, no sites
        return {}
    if cache is None:
        return grounded_site_transformers(study)
    if "grounded site transformers" not in cache:
        cache["grounded site transformers"] = grounded_site_transformers(study)
    return cache["grounded site transformers"]


def transformers_below(ctx: CheckContext, device: str) -> tuple[str, ...]:
    """The sites with a grounded-wye transformer of their own behind ``device`` (their bus
    among the buses downstream of it): only those take ``3I0`` from a fault the device sees.
    A zero-sequence source upstream of the device, or on another branch, is in parallel with
    the substation's from the fault's side and diverts none of the device's ``3I0``
    (review rev31b M2: EPRI ckt24's C5 rows of RC-MID and of a fuse 10 km past the depot
    named its YNd; OpenDSS: RC-MID's 3I0 125.5 A with and without it)."""
    xf = _grounded(ctx)
    if not xf:
        return ()
    site_buses = getattr(ctx.study, "site_buses", None) or {}
    try:
        behind = ctx.downstream(device)
    except (AttributeError, KeyError):  # no chains: every transformer, as before
        return tuple(xf)
    return tuple(s for s in xf if site_buses.get(s) in behind)


def built_grounded(ctx: CheckContext, scenario: str) -> list[str]:
    """How texts name the grounded-wye site transformers (:func:`_grounded`) built in
    V2G scenario ``scenario`` (``Scenario.is_built``: not in the base case, only its own
    site's in a hosting search's one-site scenario); empty for a base case."""
    sc = (getattr(ctx, "scenarios", None) or {}).get(scenario)
    base = getattr(ctx, "base_of", {}).get(scenario)
    if sc is None and (base is None or base == scenario):
        return []
    return [t for s, t in _grounded(ctx).items() if sc is None or sc.is_built(s)]


def transformer_note(ctx: CheckContext, scenario: str,
                     sites: tuple[str, ...] | None = None) -> str:
    """For a V2G scenario of a study whose sites have grounded-wye transformers of their own
    (:func:`~protv2g.study.dss_site_transformers.grounded_site_transformers`; out of the base
    case), ``", with depot's transformer depot_xf (YNd) (a zero-sequence source …)"``: the
    3I0 a relay loses to it is the project's (review rev30 §1); empty otherwise. ``sites``:
    only those sites' transformers (:func:`transformers_below` of the row's device); all
    without it. Per scenario and device: the recipe keeps it apart from the export texts a
    twin scenario replaces (:meth:`MessageArray.replaced`), as twins share their chargers and
    transformers."""
    xf = _grounded(ctx)
    if sites is not None:
        xf = {s: t for s, t in xf.items() if s in sites}
    sc = (getattr(ctx, "scenarios", None) or {}).get(scenario)
    if sc is not None:  # a hosting search's one-site scenario builds its site only
        xf = {s: t for s, t in xf.items() if sc.is_built(s)}
    base = getattr(ctx, "base_of", {}).get(scenario)
    if not xf or base is None or base == scenario:
        return ""
    return (f", with {' and '.join(xf.values())} (a zero-sequence source that comes with "
            "the project)")


def render_reach(args: dict, rows: np.ndarray) -> list[str]:
    """C5's messages of ``rows`` (positions in the recipe :func:`reach_messages` makes):
    each by one ``%`` (:data:`_MESSAGE`), the columns made Python objects :data:`_CHUNK`
    rows at a time (Python floats: formatting NumPy scalars costs twice as much, the same
    text; ``%s``/``%.0f``/``%.2f``/``%g`` write what ``{x}``/``{x:.0f}``/``{x:.2f}``/``{x:g}``
    write)."""
    out: list[str] = []
    exports = args["exports"]
    for a in range(0, len(rows), _CHUNK):
        at = rows[a:a + _CHUNK]
        d, el, b, ft, c, z, st, br = (t[1][t[0][at]].tolist() for t in args["texts"])
        i, q, p, fac, i1 = (x[at].tolist() for x in args["numbers"])
        fz = args["fuse"][args["texts"][0][0][at]] if "fuse" in args else None
        notes = stage_notes(st, br, i, i1, p, fac, None if fz is None else fz.tolist(),
                            args.get("apart", False))
        shown = exports[args["scenario"][at]]
        if "notes" in args:  # each row's site transformers behind its device
            shown = shown + args["notes"][args["scenario"][at], args["texts"][0][0][at]]
        regs = (args["regulators"][args["scenario"][at], args["texts"][2][0][at]].tolist()
                if "regulators" in args else [""] * len(at))
        if "alone" in args:  # after the rule's figures, with the regulator note
            regs = [r + a for r, a in zip(regs, args["alone"][at].tolist(), strict=True)]
        if "blind" in args:  # blind without V2G too (.reach_blind)
            ratio, why = args["blind"][0][at].tolist(), args["blind"][1][at].tolist()
            regs = [r if q != q else r + blind_note(dv, q, w)
                    for r, dv, q, w in zip(regs, d, ratio, why, strict=True)]
        if "diverted" in args:  # a zero-sequence source takes the ground current (.ground_diverted)
            regs = [r + g for r, g in zip(regs, args["diverted"][at].tolist(), strict=True)]
        if fz is not None and (gg := np.flatnonzero(fz == 2)).size:  # a gG link's remedy
            rem = gg_remedies(args.get("gg", {}), args["texts"][0][1].tolist(),
                              args["texts"][0][0][at[gg]], args["numbers"][0][at[gg]])
            for k, r in zip(gg.tolist(), rem, strict=True):
                regs[k] = r + regs[k]
        values = zip(d, i, el, notes, ft, c, b, z, shown.tolist(), q, p, fac, regs,
                     strict=True)
        if fz is None or not fz.any():
            out += map(_MESSAGE.__mod__, values)
        else:  # a fuse's row in a fuse's words (a gG band link's: its fusing current)
            out += map(str.__mod__, _TEMPLATES[fz.astype(np.intp)].tolist(), values)
    return out


#: Rows whose values are made Python objects at a time by :func:`render_reach`.
_CHUNK = 2**14
#: C5's whole message: :data:`_HEAD`, the export text, :data:`_TAIL`, the fault bus's
#: regulator note (:func:`~protv2g.checks.reach_regulators.regulator_notes`; ``%`` on the
#: concatenation writes the parts' concatenation).
_MESSAGE = _HEAD + "%s" + _TAIL + "%s"
#: A fuse's: its pickup is its minimum melting current (:data:`_MELT`).
_FUSE_MESSAGE = _HEAD + "%s" + f": %.2f × {_MELT} %.0f A < %g × {_MELT}" + "%s"
#: An IEC 60269 gG band link's: its C5 pickup is the current that melts it within 5 s
#: (:mod:`protv2g.checks.fuse_gg_limits`).
_GG_FUSING = ("5-s melting current (IEC 60269-1 gate Imax(5 s); IEC 60364-4-41 disconnection "
              "in 5 s)")
#: Its remedy (the last ``%s``: the remedy, then the regulator note) names the rating that
#: reaches the fault and carries the load (:mod:`protv2g.checks.fuse_gg_remedy`, review s38).
_GG_MESSAGE = (_HEAD + "%s" + ": %.2f × its 5-s melting current %.0f A (IEC 60269-1 gate "
               "Imax(5 s)) < %g: not sure to disconnect within 5 s (IEC 60364-4-41 "
               "§411.3.2.3) — remedy: " + "%s")
#: The message of a row by its device (0: relay or recloser, 1: fuse, 2: gG band link).
_TEMPLATES = np.array([_MESSAGE, _FUSE_MESSAGE, _GG_MESSAGE], dtype=object)

