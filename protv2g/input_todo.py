"""Which drafted inputs (``# TODO`` values of ``protv2g init``) carry which rows of a violation
table (:func:`_todo_sources`: row mask and the input in words), and the words and fields
they are named by: the drafted light load, peak load or no load (:data:`LIGHT_LOAD_INPUT`,
:data:`PEAK_LOAD_INPUT`, :data:`NO_LOAD_INPUT`), the device and site fields a criterion
rests on (:data:`CRITERION_FIELDS`, :data:`SITE_CRITERION_FIELDS`), a drafted "in service"
or "no ground element" (:data:`IN_SERVICE_FIELD`, :data:`GROUND_FIELDS`); the rows a
set-point holds rest on it, not on the load level (:func:`_held`). The table's text columns
are tested once per distinct text (:class:`_Coded`). Split from :mod:`protv2g.input_basis`
(the basis of every row, the texts to confirm), which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from protv2g.checks.flow_limit import REGULATOR_SETPOINT, SETPOINT_MECHANISMS
from protv2g.checks.load_withstand import WITHSTAND_MECHANISM
from protv2g.input_reclose import uv2_rows, uv2_sources
from protv2g.input_stand_ins import InputBases, low_voltage_fault
from protv2g.text_codes import text_codes

__all__ = ["CRITERION_FIELDS", "GROUND_FIELDS", "IN_SERVICE_FIELD", "LIGHT_LOAD_INPUT",
           "NO_LOAD_INPUT", "PEAK_LOAD_INPUT", "SITE_CRITERION_FIELDS", "THRESHOLD_FIELDS",
           "THRESHOLD_WORDS", "DEFAULT_THRESHOLD_WORDS", "DEFAULT_UNBALANCE_WORDS",
           "default_threshold_sources",
           "_Coded", "_held", "passing_at", "threshold_limits",
           "_todo_sources"]


#: The input a C12 row of a light-load scenario rests on, in words, when it is drafted.
LIGHT_LOAD_INPUT = ("light_load_fraction (drafted: TODO; the light-load scenarios' loads "
                    "are peak × it)")


#: The input every C8 and C12 row rests on where init drafted the peak level as the model's
#: own loads (``scenarios.load_levels`` marked TODO on a feeder with load; review rev42c M2).
PEAK_LOAD_INPUT = ("the peak load level (scenarios.load_levels drafted: TODO, peak = the "
                   "model's own loads, the light level a fraction of it: confirm them as "
                   "the feeder's peak)")


#: The input every C12 row of a feeder with no load rests on, in words (review rev39a M3).
NO_LOAD_INPUT = ("that the feeder has no load (none in the model; scenarios.load_levels "
                 "drafted: TODO, light and peak the same: with no load current every voltage "
                 "is the source's set-point plus line charging and the export's rise; else "
                 "add the loads to the model)")


#: Criterion → the device fields its rows rest on (besides the device as a whole).
CRITERION_FIELDS: dict[str, tuple[str, ...]] = {
    "C7": ("interrupting_rating_ka", "interrupting_rating_basis", "rating_x_r"),
    "C10": ("reclose_intervals_s",),
}
#: Criterion → the V2G site fields its rows rest on, the site being the row's
#: ``other_device`` (C10: the first reclose against the site's cease-to-energise time;
#: review rev40a M3, EPRI J1: init's ``cease_to_energize_s: 2  # TODO`` decided a gate fail
#: that read "given data"). The sites' fault-current limits are bracketed instead
#: (the rows' ``bracket``), not tracked here.
SITE_CRITERION_FIELDS: dict[str, tuple[str, ...]] = {"C10": ("cease_to_energize_s",)}
#: The device field a drafted "in service" is marked on: ``protv2g init`` adopts a device the
#: model disables (``enabled=no``) as in service and writes its TODO on ``location`` (review
#: s22: it sat above the item and every row of recloser A read "the settings of a").
IN_SERVICE_FIELD = "location"
#: The device fields a drafted "no ground element" is marked on (``null``: the model sets no
#: ground curves or pickup): it carries the device's ground-fault rows (SLG, LLG) only.
GROUND_FIELDS = ("ground_min_trip_a", "ground_pickup_a")
_GROUND_FAULTS = ("SLG", "LLG")
#: A drafted (``# TODO``) ``checks`` threshold → the criterion, the ``margin_unit`` of the rows
#: it is the ``limit`` of, and its side: +1 an upper limit (``margin = limit − x``), −1 a lower
#: one (``margin = x − limit``). Those rows' pass or fail is the threshold's: they rest on it,
#: and the worst row's figure says at which value it passes (:func:`passing_at`; review rev49a
#: #5, LVTestCase: C12's 1.076 pu failed on init's drafted v_max_pu 1.05, passing at EN
#: 50160's 1.10, and its inputs named only the peak load). A row is the threshold's where its
#: ``limit`` is the threshold's value (C12's over- and under-voltage limits, C5's primary and
#: backup reach factors apart); a threshold not listed here carries no row.
THRESHOLD_FIELDS: dict[str, tuple[str, str, int]] = {
    "v_max_pu": ("C12", "pu", 1), "v_min_pu": ("C12", "pu", -1),
    "loading_max_percent": ("C12", "%", 1), "unbalance_max_percent": ("C12", "% VUF", 1),
    "sensitivity_primary_factor": ("C5", "× pickup", -1),
    "sensitivity_backup_factor": ("C5", "× pickup", -1),
}
#: The words a drafted threshold's item ends with (:func:`passing_at` finds it by them).
THRESHOLD_WORDS = "(drafted: TODO, the limit the row is judged against)"
#: … and a threshold left at protv2g's ANSI C84.1 default on a 50 Hz feeder
#: (:attr:`~protv2g.input_stand_ins.InputBases.default_checks`, review rev51 #4); "(the
#: tool's default" marks it a default (:func:`protv2g.input_basis.names_default`); no "; "
#: inside (the items of a row's ``input_todo`` are "; "-joined).
DEFAULT_THRESHOLD_WORDS = ("(the tool's default, ANSI C84.1 Range A, on a 50 Hz feeder where "
                           "EN 50160 allows 0.90–1.10 pu, the limit the row is judged "
                           "against)")
#: … the voltage-unbalance limit's (ANSI C84.1-2020 Annex D's 3 %; EN 50160:2010 §4.2.5: 2 %)
DEFAULT_UNBALANCE_WORDS = ("(the tool's default, ANSI C84.1 Annex D's 3 %, on a 50 Hz feeder "
                           "where EN 50160 allows 2 %, the limit the row is judged against)")
#: Each defaulted threshold's words, and every threshold item's words (drafted or default).
_DEFAULT_WORDS_OF = {"v_min_pu": DEFAULT_THRESHOLD_WORDS, "v_max_pu": DEFAULT_THRESHOLD_WORDS,
                     "unbalance_max_percent": DEFAULT_UNBALANCE_WORDS}
_ALL_WORDS = (THRESHOLD_WORDS, DEFAULT_THRESHOLD_WORDS, DEFAULT_UNBALANCE_WORDS)


class _Coded:
    """The text columns of a violation table as :func:`~protv2g.text_codes.text_codes` codes,
    each coded once; a test of a column's text (``astype(str)``, as :func:`~protv2g.violations
    .text_values` writes it) decided once per distinct text, not per row (#21)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._where: dict[str, dict[str, int]] = {}  # column → its code of each text

    def test(self, col: str, fn) -> np.ndarray:
        """``(n,)`` bool: ``fn(text)`` of each row's text of ``col`` (all False without it).

        A text's own ``__eq__`` (``name.__eq__``, the drafted inputs' tests of each device
        name) is looked up among the column's distinct texts, not called on each (#21: the
        criteria's stand-in table of the IEEE 8500, 3,800 device texts, was tested 410 times
        over, 0.06 s)."""
        if col not in self.frame:
            return np.zeros(len(self.frame), dtype=bool)
        if col not in self._codes:
            self._codes[col] = text_codes(self.frame[col])
        codes, texts = self._codes[col]
        value = getattr(fn, "__self__", None)
        if type(value) is str and getattr(fn, "__name__", "") == "__eq__":
            if col not in self._where:  # texts are distinct (text_codes): one code a text
                self._where[col] = {t: k for k, t in enumerate(texts.tolist())}
            at = self._where[col].get(value)
            return codes == at if at is not None else np.zeros(len(codes), dtype=bool)
        return (np.array([bool(fn(t)) for t in texts.tolist()], dtype=bool)[codes]
                if len(texts) else np.zeros(len(codes), dtype=bool))


def _todo_sources(violations: pd.DataFrame, bases: InputBases,
                  rows: _Coded | None = None) -> list[tuple[np.ndarray, str]]:
    """Every drafted input of ``bases`` that carries rows of ``violations``: (row mask, the
    input in words), in the order the report names them.

    A device's field carries only the rows it decides: ``interrupting_rating_*`` C7's,
    ``reclose_intervals_s`` C10's (:data:`CRITERION_FIELDS`), a drafted "no ground element"
    (:data:`GROUND_FIELDS`) the device's ground-fault rows, any other field (in service on
    ``location``, a fuse's ``link``) every row naming the device; a device drafted as a whole
    (a proposed relay) every row naming it. Values the model gives are not drafted (review
    s22: recloser A's pickup, curves and reclose intervals came from the model).
    """
    n = len(violations)
    rows = _Coded(violations) if rows is None else rows
    ground = rows.test("fault_type", lambda t: t.startswith(_GROUND_FAULTS))
    out: list[tuple[np.ndarray, str]] = []
    if bases.r_fault_min_ohm is not None and "case" in violations:
        hit = ground & rows.test("case", lambda t: t == "min")
        if bases.low_voltage_buses:  # applied above 1 kV only (InputBases.low_voltage_buses)
            hit &= ~rows.test("fault_bus", lambda t: low_voltage_fault(bases, t))
        r_min = f"{bases.r_fault_min_ohm:g} Ω"
        # an LLG's: in each faulted phase, its phases not bonded to each other (so its
        # minimum ≈ the SLG's: docs/opendss-phase-path.md, "The minimum-case LLG"; rev46b M3)
        llg = hit & rows.test("fault_type", lambda t: t.startswith("LLG"))
        out.append((hit & ~llg, f"the minimum-case fault resistance r_fault_min_ohm = {r_min} "
                                "(drafted: TODO)"))
        out.append((llg, f"the minimum-case fault resistance r_fault_min_ohm = {r_min} in "
                         "each faulted phase of the LLG, its phases not bonded to each other "
                         "(drafted: TODO)"))
    held = _held(violations, bases, rows)
    if bases.light_scenarios and "scenario" in violations:  # on the drafted light load
        light = violations["scenario"].isin(list(bases.light_scenarios)).to_numpy()
        out.append((rows.test("criterion", lambda t: t == "C12") & light & ~held,
                    LIGHT_LOAD_INPUT))
    if bases.peak_load:  # every flow's loads are the drafted peak's (a light level: its fraction)
        flows = rows.test("criterion", lambda t: t in ("C8", "C12")) & ~held
        if "mechanism" in violations:  # a transformer fuse's withstand rows read no flow:
            # the transformer's rating and the fuse's curve (:mod:`.checks.load_withstand`)
            flows &= ~rows.test("mechanism", lambda t: t == WITHSTAND_MECHANISM)
        out.append((flows, PEAK_LOAD_INPUT))
    if bases.no_load:  # no load at all: every C12 row but a set-point's rests on it
        c12 = rows.test("criterion", lambda t: t == "C12")
        if "mechanism" in violations:
            c12 &= ~rows.test("mechanism", lambda t: t in SETPOINT_MECHANISMS)
        out.append((c12, NO_LOAD_INPUT))
    scoped = {f: c for c, fs in CRITERION_FIELDS.items() for f in fs}
    for name in sorted(bases.todo_devices):
        is_dev = rows.test("device", name.__eq__)
        hit = is_dev | rows.test("other_device", name.__eq__)
        # a criterion reading a field of the device rests on that field, not on "its
        # settings" (review ver40 M-a: IEEE 37's C10 line led with "the settings of head-l35")
        for crit, fields in CRITERION_FIELDS.items():
            own = is_dev & rows.test("criterion", crit.__eq__)
            hit &= ~own
            if not any(name in bases.todo_fields.get(f, ()) for f in fields):
                out.append((own, f"{name}'s {fields[0]} (drafted: TODO)"))
        out.append((hit, f"the settings of {name} (drafted: TODO)"))
    for fld, names in sorted(bases.todo_fields.items()):
        for name in sorted(names):
            is_dev = rows.test("device", name.__eq__)
            names_it = is_dev | rows.test("other_device", name.__eq__)
            if fld in scoped:
                hit, text = (rows.test("criterion", scoped[fld].__eq__) & is_dev,
                             f"{name}'s {fld} (drafted: TODO)")
            elif fld in GROUND_FIELDS:
                hit, text = names_it & ground, (f"that {name} has no ground element (none in "
                                                "the model, drafted: TODO)")
            elif fld == IN_SERVICE_FIELD:
                hit, text = names_it, (f"that {name} is in service (drafted: TODO, its settings "
                                       "from the model)")
            else:
                hit, text = names_it, f"{name}'s {fld} (drafted: TODO)"
            out.append((hit, text))
    out += _threshold_sources(violations, bases, rows)
    uv2 = uv2_rows(rows)  # their window is the UV2 trip's, not the cease time's
    for crit, fields in SITE_CRITERION_FIELDS.items():
        for fld in fields:
            for name in sorted(bases.todo_sites.get(fld, ())):
                hit = (rows.test("criterion", crit.__eq__)
                       & rows.test("other_device", name.__eq__))
                out.append((hit & ~uv2, f"{fld} of site {name} (drafted: TODO)"))
    out += uv2_sources(rows, bases, LIGHT_LOAD_INPUT)
    return [(np.asarray(h, dtype=bool).reshape(n), t) for h, t in out]


def _threshold_item(name: str, value: float, words: str = THRESHOLD_WORDS) -> str:
    """A drafted threshold's item: "checks.v_max_pu = 1.05 pu (drafted: TODO; …)" (or with
    ``words`` :data:`DEFAULT_THRESHOLD_WORDS`, a tool default's)."""
    unit = THRESHOLD_FIELDS[name][1]
    return f"checks.{name} = {value:g} {unit} {words}"


def _threshold_sources(violations: pd.DataFrame, bases: InputBases, rows: _Coded
                       ) -> list[tuple[np.ndarray, str]]:
    """(row mask, the threshold in words) of each drafted ``checks`` threshold of
    :data:`THRESHOLD_FIELDS`: the rows of its criterion and unit whose ``limit`` it is."""
    return _limit_rows(violations, bases.todo_checks, rows, THRESHOLD_WORDS)


def default_threshold_sources(violations: pd.DataFrame, bases: InputBases, rows: _Coded
                              ) -> list[tuple[np.ndarray, str]]:
    """(row mask, the threshold in words) of each C12 voltage limit left at protv2g's ANSI
    default on a 50 Hz feeder (:attr:`~protv2g.input_stand_ins.InputBases.default_checks`):
    the rows whose ``limit`` it is rest on that tool default (review rev51 #4)."""
    return _limit_rows(violations, bases.default_checks, rows, _DEFAULT_WORDS_OF)


def _limit_rows(violations: pd.DataFrame, thresholds: Mapping[str, float], rows: _Coded,
                words: str | Mapping[str, str]) -> list[tuple[np.ndarray, str]]:
    """(row mask, item) of each threshold of :data:`THRESHOLD_FIELDS` in ``thresholds``: the
    rows of its criterion and unit whose ``limit`` is its value."""
    out: list[tuple[np.ndarray, str]] = []
    if not thresholds or "limit" not in violations:
        return out
    limit = pd.to_numeric(violations["limit"], errors="coerce").to_numpy(float)
    for name, value in sorted(thresholds.items()):
        if name not in THRESHOLD_FIELDS:
            continue
        crit, unit, _ = THRESHOLD_FIELDS[name]
        hit = (rows.test("criterion", crit.__eq__) & rows.test("margin_unit", unit.__eq__)
               & np.isclose(limit, value, rtol=1e-9, atol=1e-12))
        said = words if isinstance(words, str) else words.get(name, THRESHOLD_WORDS)
        out.append((hit, _threshold_item(name, value, said)))
    return out


def passing_at(text: str, margin: object, limit: object) -> str:
    """``text`` (a row's inputs to confirm) with, after each drafted threshold it names, the
    value at which that row passes: ``limit − margin`` of an upper limit rounded up, ``limit
    + margin`` of a lower one rounded down, to four significant figures.

    >>> t = _threshold_item("v_max_pu", 1.05)
    >>> passing_at(t, -0.026475, 1.05).endswith("against), passing at checks.v_max_pu ≥ 1.077 pu")
    True
    """
    try:
        m, lim = float(margin), float(limit)
    except (TypeError, ValueError):
        return text
    words = [w for w in _ALL_WORDS if w in text]
    if not words or not (np.isfinite(m) and np.isfinite(lim)):
        return text
    for name, (_, unit, side) in THRESHOLD_FIELDS.items():
        for item in (_threshold_item(name, lim, w) for w in words):
            if item not in text:
                continue
            x = lim - side * m
            q = 10.0 ** (np.floor(np.log10(abs(x))) - 3) if x else 1.0
            x = (np.ceil(x / q - 1e-9) if side > 0 else np.floor(x / q + 1e-9)) * q
            sign = "≥" if side > 0 else "≤"
            text = text.replace(item,
                                f"{item}, passing at checks.{name} {sign} {x:.4g} {unit}")
    return text


def _held(violations: pd.DataFrame, bases: InputBases, rows: _Coded) -> np.ndarray:
    """``(n,)`` bool: the rows a set-point holds, which rest on it and not on the load level:
    a source's (``mechanism`` :data:`~protv2g.checks.flow_limit.SOURCE_SETPOINT`; review s26:
    IEEE 34's 800 on the model's Vsource pu=1.05 "rested on" the light load), a regulator's
    at the bus it regulates (:attr:`InputBases.regulated_buses`). A row past a regulator's
    output that C12 judges as the output (its band) is not held: its drop from the output is
    the load's (review rev42c M2, IEEE 8500 F51 "given data" / F52 "drafted value (TODO)" on
    one bus at light load)."""
    if "mechanism" not in violations:
        return np.zeros(len(violations), dtype=bool)
    held = rows.test("mechanism", lambda t: t in SETPOINT_MECHANISMS and t != REGULATOR_SETPOINT)
    at_regulator = rows.test("mechanism", REGULATOR_SETPOINT.__eq__)
    if bases.regulated_buses:  # without the names (a bare InputBases): held, as before
        at_regulator &= rows.test("fault_bus", lambda t: t.lower() in bases.regulated_buses)
    return held | at_regulator


def threshold_limits(evidence: pd.DataFrame) -> dict[str, str]:
    """Evidence id → the drafted ``checks`` thresholds its row is judged against, with the
    value at which it passes (:func:`protv2g.input_todo.passing_at`: "checks.v_max_pu = 1.05
    pu (drafted: TODO, …), passing at checks.v_max_pu ≥ 1.077 pu"), for the rows whose
    ``input_todo`` names one: the Findings' "Rests on" says the limit, not only "drafted
    value (TODO)" (review ver49 on rev49a #5, LVTestCase F03)."""
    if "input_todo" not in evidence.columns:
        return {}
    # each distinct text tested once (#21: 272,244 Evidence rows at 10,000 buses)
    codes, texts = pd.factorize(evidence["input_todo"].astype(object))
    words = _ALL_WORDS
    named = np.array([isinstance(t, str) and any(w in t for w in words) for t in texts],
                     dtype=bool)
    hit = np.flatnonzero(named[codes] & (codes >= 0)) if len(named) else np.zeros(0, int)
    out = {}
    for i in hit.tolist():
        items = [x for x in str(texts[codes[i]]).split("; ") if any(w in x for w in words)]
        out[str(evidence["evidence"].iat[i])] = passing_at(
            "; ".join(items), evidence["margin"].iat[i], evidence["limit"].iat[i])
    return out
