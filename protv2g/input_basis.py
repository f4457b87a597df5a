"""What a check row rests on: an input the study gives, a tool default, or a drafted value.

A reviewer has to tell the findings that rest on the feeder's own data from those that rest on
a stand-in. Two stand-ins are tracked, each by where it comes from, never by a message:

* **OpenDSS defaults** — a line whose ``normamps`` neither the line nor its linecode / geometry
  states is rated at OpenDSS's default 400 A (:mod:`protv2g.network.dss_ratings`); a C12
  thermal row on it (``device`` ``line.<name>``) rests on that default. Likewise a
  transformer whose ``normhkva`` neither it nor its xfmrcode states is rated at 110 % of its
  first winding's kVA (OpenDSS Reference Guide, Transformer); its C12 loading rows (``device``
  ``transformer.<name>``, margin in %) rest on that default.
* **Drafted values** — ``protv2g init`` writes the values it assumed with a ``# TODO``
  comment (:func:`protv2g.study.todos.todo_items`): every ``interrupting_rating_ka`` (C7 rests
  on it), a proposed relay's ``reclose_intervals_s`` (C10) and the proposed relay itself (every
  row naming it as ``device`` or ``other_device``; its C7 and C10 rows rest on their fields,
  :data:`CRITERION_FIELDS`, not on "its settings": review ver40 M-a), a V2G site's
  ``cease_to_energize_s`` (its C10 rows, :data:`SITE_CRITERION_FIELDS`) — or, where the unit's
  UV2 trip on the collapsed island decided the row (``mechanism``
  :data:`~protv2g.checks.island_collapse.UV2_TRIP`), its ``ride_through_category`` and
  ``sustained_limit_high_pu`` and the drafted ``light_load_fraction``
  (:data:`~protv2g.input_reclose.UV2_SITE_FIELDS`; review ver40b M, EPRI J1 F03); a drafted
  ``scenarios.light_load_fraction`` (init's 0.3 default when the model's loadshapes state no
  light load) carries every C12 row of a light-load scenario (review s21, EPRI J1: those rows
  read "given data") — when the feeder has load for it to scale (review s23: the EPRI
  DG-protection feeder has none, :func:`protv2g.feeder_load.feeder_has_load`).
* **C10's reclose margin** — ``reclose_margin_s`` at protv2g's default (no published value,
  bracket 0.2–1.0 s, :data:`protv2g.checks.rule_values.RECLOSE_MARGIN_BRACKET_S`) carries a
  failing C10 row that holds at the bracket's low end (review ver40b M, EPRI J1 F03: the
  0.5 s alone decides it): a tool default, named first among its inputs
  (:func:`~protv2g.input_reclose.margin_sources`). Likewise a V2G site's
  ``cease_to_energize_s`` the study does not give (the schema's 2 s, IEEE 1547-2018 §8.1's
  upper bound; :attr:`InputBases.default_sites`) carries the site's C10 rows the cease time
  decides (review rev41c M1: the depot's C10 gate fail read "given data"), and its
  ``ride_through_category`` / ``sustained_limit_high_pu`` not given the rows its UV2 trip
  decides (:func:`~protv2g.input_reclose.uv2_default_sources`; c10c42).
* **Fuse curve band** — a failing row on a fuse's total clearing that holds at the low end of
  the link's EEI-NEMA band (``data_boundary`` ``<fuse> tc: curve_band``,
  :func:`protv2g.checks.tolerance.with_curve_band`): its verdict rests on where the real
  link's curve lies in the band, which only the link maker's TC table says. Ranked between
  given data and the stand-ins: a row on a default or a drafted value keeps that basis (the
  gate's ``confirm:`` items are unchanged), a row on given data says ``fuse curve band``; a
  finding rests on the band only when all its rows do (:func:`weakest`).

:func:`tag_input_basis` writes the ``input_basis`` column of the violation table
(:class:`InputBasis`; empty for rows without a finding status) and :func:`input_to_confirm`
names the input a row's basis refers to. The gate (:mod:`protv2g.gate`) reads the column: a
failing row stays failing whatever its basis, but says which input to confirm; a condition
resting on a stand-in becomes a ``confirm:`` item. Which stand-ins a study has
(:class:`InputBases`, :func:`study_input_bases`, :func:`drafted_devices`) is read by
:mod:`protv2g.input_stand_ins`, re-exported here; which drafted inputs carry which rows, and
their words, :mod:`protv2g.input_todo`, re-exported too.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import numpy as np
import pandas as pd

from protv2g.input_reclose import UV2_SITE_FIELDS, default_sources
from protv2g.input_stand_ins import (
    LIGHT_LOAD_FIELD,
    R_FAULT_MIN_FIELD,
    InputBases,
    drafted_devices,
    study_input_bases,
)
from protv2g.input_todo import (
    CRITERION_FIELDS,
    GROUND_FIELDS,
    IN_SERVICE_FIELD,
    LIGHT_LOAD_INPUT,
    NO_LOAD_INPUT,
    PEAK_LOAD_INPUT,
    SITE_CRITERION_FIELDS,
    _Coded,
    _todo_sources,
    default_threshold_sources,
    passing_at,
)
from protv2g.violations import CheckStatus

__all__ = ["InputBasis", "InputBases", "CRITERION_FIELDS", "SITE_CRITERION_FIELDS",
           "LIGHT_LOAD_FIELD", "LIGHT_LOAD_INPUT", "NO_LOAD_INPUT", "PEAK_LOAD_INPUT",
           "IN_SERVICE_FIELD", "GROUND_FIELDS", "R_FAULT_MIN_FIELD", "confirm_items",
           "confirm_texts", "drafted_devices", "input_basis_columns",
           "input_to_confirm", "names_default", "rests_on", "UV2_SITE_FIELDS",
           "study_input_bases", "tag_input_basis", "weakest", "basis_items"]



class InputBasis(StrEnum):
    """Where the inputs a row rests on come from (weakest first in :data:`_RANK`)."""

    #: Every input protv2g tracks for the row is stated by the study file or the feeder model.
    GIVEN = "given"
    #: A tool's default stands in for a value the model does not state (OpenDSS ``normamps``).
    DEFAULT = "default"
    #: A value drafted by ``protv2g init`` and marked ``# TODO`` in the study file.
    TODO = "todo"
    #: Given data, but the verdict flips inside a fuse's EEI-NEMA total-clearing band.
    BAND = "band"

    @property
    def label(self) -> str:
        """How the report says it (the Findings sheet's "Rests on")."""
        return {InputBasis.GIVEN: "given data", InputBasis.DEFAULT: "tool default",
                InputBasis.TODO: "drafted value (TODO)",
                InputBasis.BAND: "fuse curve band"}[self]


#: Rank of each basis: the row takes its weakest input's.
_RANK = {"": 0, InputBasis.GIVEN.value: 1, InputBasis.BAND.value: 2,
         InputBasis.DEFAULT.value: 3, InputBasis.TODO.value: 4}
#: The ``data_boundary`` flag of a verdict flipping inside a fuse's TC band
#: (:attr:`protv2g.devices.boundary.DataBoundary.CURVE_BAND`).
_BAND_FLAG = ": curve_band"


def weakest(values: Iterable[str]) -> str:
    """The weakest basis among ``values`` (``todo`` < ``default`` < ``band`` < ``given`` <
    empty), of a finding's (or a hosting limit's) rows.

    ``band`` counts only when every row with a basis is ``band``: where some rows fail across
    the whole fuse TC band, the finding stands whatever the real link's curve, and it rests
    on the other rows' basis.

    >>> weakest(["given", "todo", "default"])
    'todo'
    >>> weakest(["band", "given"]), weakest(["band", ""])
    ('given', 'band')
    """
    vals = [str(v) for v in values]
    if InputBasis.BAND.value in vals and any(v not in ("", InputBasis.BAND.value)
                                             for v in vals):
        vals = [v for v in vals if v != InputBasis.BAND.value]
    return max(vals, key=lambda v: _RANK.get(v, 0), default="")


def rests_on(value: object) -> str:
    """The report's words for an ``input_basis`` value (empty for none).

    >>> rests_on("default"), rests_on("")
    ('tool default', '')
    """
    try:
        return InputBasis(str(value)).label
    except ValueError:
        return ""


#: Words every tool default's text in an ``input_todo`` carries (:func:`input_to_confirm`'s
#: default ratings, :mod:`protv2g.input_reclose`'s margin and site defaults).
_DEFAULT_WORDS = ("(OpenDSS default ", "(protv2g's default", "(the tool's default")


def names_default(text: object) -> bool:
    """Whether a row's ``input_todo`` names a tool default beside its drafted inputs (a
    ``todo`` row on a line's default rating, :func:`_ratings_too`).

    >>> names_default("line.a's normamps (OpenDSS default 400 A, not in the model)")
    True
    >>> names_default(PEAK_LOAD_INPUT), names_default(float("nan"))
    (False, False)
    """
    return isinstance(text, str) and any(w in text for w in _DEFAULT_WORDS)


def tag_input_basis(violations: pd.DataFrame, bases: InputBases) -> np.ndarray:
    """The ``input_basis`` of every violation row (:class:`InputBasis` values).

    Rows with a finding status (``fail``/``warn``/``info``) get ``given`` unless they rest on
    a stand-in of ``bases``, or ``band`` where their verdict flips inside a fuse's TC band
    (``data_boundary``); other rows (``not_evaluated``, ``not_applicable``) get ``""``.

    Examples
    --------
    >>> v = pd.DataFrame({"criterion": ["C12", "C7", "C3"], "status": ["fail"] * 3,
    ...                   "device": ["line.a", "F1", "F2"], "other_device": ["", "", "F1"]})
    >>> b = InputBases(frozenset({"line.a"}), frozenset(),
    ...                {"interrupting_rating_ka": frozenset({"F1"})})
    >>> tag_input_basis(v, b).tolist()
    ['default', 'todo', 'given']
    """
    return input_basis_columns(violations, bases, todo=False)[0]


def input_basis_columns(violations: pd.DataFrame, bases: InputBases, *, todo: bool = True
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`tag_input_basis` and (``todo``) :func:`confirm_texts` of ``violations``, each
    ``(n,)`` object, from one pass over the drafted inputs (:func:`_todo_sources`; #21: the
    run wrote the rows' texts and matched every drafted input three times, 0.2 s at 10,000
    buses). ``None`` in place of the second without ``todo``."""
    n = len(violations)
    if not n:
        return (np.array([InputBasis.GIVEN.value], dtype=object).repeat(0),
                np.array([""], dtype=object).repeat(0) if todo else None)
    out, sources = _basis_sources(violations, bases)
    return out, (_joined(n, sources) if todo else None)


def _basis_sources(violations: pd.DataFrame, bases: InputBases
                   ) -> tuple[np.ndarray, list[tuple[np.ndarray, str]]]:
    """Each row's ``input_basis`` (:func:`tag_input_basis`) and the inputs to confirm of the
    rows — (row mask, the input in words), in the order the report names them: a ``todo``
    row's default rating (:func:`_ratings_too`), the tool defaults C10 rests on (reclose
    margin, the sites' cease times: :func:`~protv2g.input_reclose.default_sources`), then the
    drafted inputs (:func:`_todo_sources`). The one source of the rows' ``input_todo`` texts
    (:func:`confirm_texts`) and of the Summary's items (:func:`confirm_items`): the Summary
    left out the default rating a ``todo`` row names (txt42b's fix reached the texts only)."""
    n = len(violations)
    # the one label object in every row (``np.full(n, "given", dtype=object)`` made a new
    # ``str`` per row: #21, 490,000 at 10,000 buses, ≈ 26 MB; the same values)
    out = np.array([InputBasis.GIVEN.value], dtype=object).repeat(n)
    rows = _Coded(violations)
    crit_c12 = rows.test("criterion", lambda t: t == "C12")
    if "data_boundary" in violations:  # weaker than given, stronger than any stand-in below
        # tested once per distinct label, not per row (the 10,000-bus study: 472,765 rows)
        codes, labels = pd.factorize(violations["data_boundary"], use_na_sentinel=False)
        flagged = np.array([_BAND_FLAG in str(b) for b in labels], dtype=bool)
        out[flagged[codes]] = InputBasis.BAND.value
    rated = np.zeros(n, dtype=bool)  # rows on a default rating
    if bases.default_lines:
        lines = bases.default_lines
        rated |= crit_c12 & rows.test("device", lambda t: t in lines)
    if bases.default_transformers:  # its loading rows (%), not reverse power through it (MW)
        unit = (rows.test("margin_unit", lambda t: t == "%") if "margin_unit" in violations
                else np.ones(n, dtype=bool))
        trafos = bases.default_transformers
        on = rows.test("device", lambda t: t.lower() in trafos)
        rated |= crit_c12 & on & unit
    out[rated] = InputBasis.DEFAULT.value
    # C10's defaults, and C12's ANSI limits left at the default on a 50 Hz feeder (rev51 #4)
    margin = (default_sources(violations, bases, rows)
              + default_threshold_sources(violations, bases, rows))
    for hit, _ in margin:
        out[hit] = InputBasis.DEFAULT.value
    sources = _todo_sources(violations, bases, rows)
    for hit, _ in sources:
        out[hit] = InputBasis.TODO.value
    findings = {s.value for s in CheckStatus if s.is_finding}
    out[~rows.test("status", lambda t: t in findings)] = ""
    return out, (_ratings_too(violations, rated & (out == InputBasis.TODO.value)) + margin
                 + sources)


def _ratings_too(violations: pd.DataFrame, both: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """(row mask, the default rating in words) of each device whose C12 rows rest on an
    OpenDSS default rating and on a drafted input (``both``): a ``todo`` row names its
    drafted inputs only, and the rating it also rests on would go unsaid (review rev42c M2:
    with the drafted peak load, EPRI ckt5's transformer loadings on the default normhkva
    named only the peak)."""
    if not both.any():
        return []
    at = np.flatnonzero(both)
    codes, devices = pd.factorize(violations["device"].astype(str).to_numpy()[at])
    # each device's rows as one slice of the rows sorted by device (#21: a comparison of
    # every row per device, 3,600 × 3,600 on the IEEE 8500's stand-in table)
    order = np.argsort(codes, kind="stable")
    ends = np.searchsorted(codes[order], np.arange(len(devices) + 1))
    out = []
    for k, name in enumerate(devices.tolist()):
        hit = np.zeros(len(both), dtype=bool)
        hit[at[order[ends[k]:ends[k + 1]]]] = True
        out.append((hit, input_to_confirm("C12", name, basis=InputBasis.DEFAULT.value)))
    return out




def confirm_texts(violations: pd.DataFrame, bases: InputBases) -> np.ndarray:
    """The drafted inputs each row rests on, in words, ``"; "``-joined (``""`` for none):
    the ``input_todo`` column :func:`input_to_confirm` reads for a ``todo`` row.

    Examples
    --------
    >>> v = pd.DataFrame({"criterion": ["C10", "C2"], "status": ["fail"] * 2,
    ...                   "device": ["A", "A"], "other_device": ["", "F1"],
    ...                   "fault_type": ["", "SLG-a"], "case": ["", "min"]})
    >>> b = InputBases(todo_fields={"location": frozenset({"A"})}, r_fault_min_ohm=20.0)
    >>> [t.split("; ") for t in confirm_texts(v, b)]  # doctest: +NORMALIZE_WHITESPACE
    [['that A is in service (drafted: TODO, its settings from the model)'],
     ['the minimum-case fault resistance r_fault_min_ohm = 20 Ω (drafted: TODO)',
      'that A is in service (drafted: TODO, its settings from the model)']]
    """
    # the texts input_basis_columns gives (with a todo row's default rating, txt42b: the
    # batched run tail and this function were two copies, and only one named the rating)
    return input_basis_columns(violations, bases)[1]


def _joined(n: int, sources: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """``(n,)`` object: each row's texts of ``sources`` (:func:`_todo_sources`), "; "-joined."""
    out = np.array([""], dtype=object).repeat(n)
    for hit, text in sources:
        if hit.any():
            sep = np.where(out[hit] == "", "", "; ").astype(object)
            out[hit] = out[hit] + sep + text
    return out


def confirm_items(violations: pd.DataFrame, bases: InputBases) -> list[list[str]]:
    """The drafted inputs each row rests on, one item each (:func:`confirm_texts` joins them,
    from the same sources: :func:`_basis_sources`; an item may itself hold "; "). Per row in
    Python: for small tables (one row per criterion and device, :mod:`protv2g.criteria_basis`).

    >>> v = pd.DataFrame({"criterion": ["C8"], "status": ["fail"], "device": ["A"]})
    >>> confirm_items(v, InputBases(todo_devices=frozenset({"A"})))
    [['the settings of A (drafted: TODO)']]
    """
    return basis_items(violations, bases)[1]


def basis_items(violations: pd.DataFrame, bases: InputBases
                ) -> tuple[np.ndarray, list[list[str]]]:
    """:func:`tag_input_basis` and :func:`confirm_items` of ``violations`` from one pass over
    the drafted inputs (:func:`_basis_sources`; #21: the criteria's stand-in table of the
    IEEE 8500, 3,800 rows, was matched twice)."""
    n = len(violations)
    out: list[list[str]] = [[] for _ in range(n)]
    if not n:
        return input_basis_columns(violations, bases, todo=False)[0], out
    basis, sources = _basis_sources(violations, bases)
    for hit, text in sources:
        for i in np.flatnonzero(hit):
            out[i].append(text)
    return basis, out


def input_to_confirm(criterion: str, device: str, other_device: str = "",
                     basis: str = "", text: object = "", *, margin: object = None,
                     limit: object = None) -> str:
    """The input a row's ``basis`` refers to, in words (empty for ``given`` or no basis).

    ``text`` is the row's ``input_todo`` (:func:`confirm_texts`): for a ``todo`` row it names
    the drafted inputs; without it the input is named from the criterion and devices. With
    the row's ``margin`` and ``limit``, a drafted ``checks`` threshold it names says at which
    value the row passes (:func:`protv2g.input_todo.passing_at`).

    >>> input_to_confirm("C12", "line.a", basis="default")
    "line.a's normamps (OpenDSS default 400 A, not in the model)"
    >>> input_to_confirm("C7", "F1", basis="todo")
    "F1's interrupting_rating_ka (drafted: TODO)"
    """
    given = isinstance(text, str) and text and text not in ("nan", "None")
    if basis == InputBasis.DEFAULT.value and given:  # C10's default margin / cease time
        return text
    if basis == InputBasis.DEFAULT.value and str(device).startswith("line."):
        return f"{device}'s normamps (OpenDSS default 400 A, not in the model)"
    if basis == InputBasis.BAND.value:
        return (f"{other_device}'s total-clearing curve (the verdict flips inside its EEI-NEMA "
                "band, min melt … max melt + nominal arcing: give the link maker's TC table)")
    if basis == InputBasis.DEFAULT.value and str(device).lower().startswith("transformer."):
        return (f"{device}'s normhkva (OpenDSS default 110 % of winding 1's kVA, not in the "
                "model)")
    if basis != InputBasis.TODO.value:
        return ""
    if given:
        return passing_at(text, margin, limit)
    if criterion == "C12":  # C12 reads no device setting: its drafted input is the light load
        return LIGHT_LOAD_INPUT
    if criterion in CRITERION_FIELDS:
        what = f"{device}'s {CRITERION_FIELDS[criterion][0]}"
    else:
        who = " / ".join(d for d in (device, other_device) if d and d not in ("nan", "None"))
        what = f"the settings of {who}"
    return f"{what} (drafted: TODO)"

