"""The wording of the gate's reasons: one line per criterion, device (pair) and rule.

:func:`grouped_reasons` turns a set of violation rows of one kind (``fail``, ``condition``,
``info``) into the lines :func:`protv2g.gate.gate_verdict` lists, each naming the worst row
(smallest margin) of its group with its status, attribution, scenario, fault, rule and margin,
how many rows and scenarios it stands for, and — when that row rests on a tool default or a
drafted value (``input_basis``, :mod:`protv2g.input_basis`) — which input to confirm. Text
only: what fails is decided in :mod:`protv2g.gate` from typed columns.

One finding, one attribution (review s20, EPRI ckt5): a line's attribution is its group's —
:func:`protv2g.findings.finding_attribution` of every row the line stands for, the words the
Findings, the Summary and ``protv2g recommend`` use ("caused by V2G", "made worse by V2G",
"pre-existing") — never its worst row's own ``new``/``worse``. A line attributable to V2G
names the worst row's twin without V2G (the same fault, fault type, case and rule in the base
case of its load level: ``base_margin``) and by how much V2G moves it against the tolerance
that decides materiality (:mod:`protv2g.checks.attribution`); the group's pre-existing rows
folded onto it are counted and their worst named with its scenario and fault, not called
"failing without V2G" (most are V2G rows whose change is inside the tolerance).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from protv2g.checks.attribution_materiality import marginal_base_text, who_moves
from protv2g.checks.equipment import EQUIPMENT, EQUIPMENT_WORSE, PROJECT_ROWS
from protv2g.criteria import order
from protv2g.findings import finding_attribution
from protv2g.findings_attribution import (
    Attribution,
    by_charging,
    by_charging_coded,
)
from protv2g.findings_headline import (
    V2G_MOVED,
    equipment_tail,
    overall_worst_tail,
    v2g_change_tail,
)
from protv2g.findings_rows import (
    export_kw_by_scenario,
    on_asymptote,
    text_ranks,
    worst_order,
)
from protv2g.gate_line_short import short_line, split_note
from protv2g.gate_reason_record import (
    device_text,
    reason_record,
    rests_on,
    scenario_count_text,
)
from protv2g.gate_twin import cell_text as _fmt
from protv2g.gate_twin import twin_text as _twin
from protv2g.input_basis import InputBasis
from protv2g.significant import (
    SIGNIFICANT_DIGITS,
    round_significant,
)
from protv2g.text_codes import combine_code_stream, text_codes
from protv2g.violations import describe_fault, is_given, row_weights, status_count_text

__all__ = ["ReasonRows", "export_kw_by_scenario", "group_keys",
           "grouped_reasons", "reason_line",
           "reason_record", "scenario_count_text", "PRESENT_WITHOUT_V2G",
           "MARGINAL_WITHOUT_V2G"]

#: How a pre-existing line's note begins (``ReasonRows.reasons(..., without_v2g=tail)``), or,
#: for a line whose rows all pass without V2G, the second (:meth:`ReasonRows._without_v2g_head`).
PRESENT_WITHOUT_V2G = "present without V2G"
MARGINAL_WITHOUT_V2G = ("marginal without V2G (it passes there by less than the check's "
                        "tolerance)")

#: Columns one reason stands for (with ``rule`` when the rows have it).
_GROUP = ["criterion", "device", "other_device"]
#: Criteria said once per device (and rule), not per ``other_device``: C10's first reclose is
#: one setting of the device, whichever V2G sites are behind it (review rev33a F2: EPRI ckt24
#: printed 7 ``fail: C10`` lines of ~700 characters for two settings); the line names every
#: site of its rows (``C10 R-MID / campus, homes_lv, homes_mv``), the Findings keep one
#: finding per site (:data:`protv2g.findings.PAIR_CRITERIA`).
PER_DEVICE_CRITERIA = frozenset({"C10"})
_EXTRA_GROUP = ("rule", "mechanism", "margin_unit")


def reason_line(kind: str, rows: pd.DataFrame, note: str = "") -> str:
    """One reason for a group of violation rows of one criterion and device (pair): the
    worst row (smallest margin; a tie as :func:`grouped_reasons` breaks it),
    ``"<kind>: <criterion> <device> [/ <other>]: <message> (<note>; <status>; <attribution>;
    <scenario, fault>; rule …; margin …; N fail, K warn rows in M scenarios)"``."""
    margin = pd.to_numeric(rows["margin"], errors="coerce").to_numpy(dtype=float,
                                                                    na_value=np.nan)
    worst = rows.iloc[worst_order(margin, names=_tie_names(rows), asymptote=on_asymptote(
        rows["data_boundary"] if "data_boundary" in rows else None, len(rows)))[0]]
    att = (rows["attribution"].astype(str).to_numpy() if "attribution" in rows
           else np.full(len(rows), "", dtype=object))
    w = row_weights(rows)
    status = rows["status"].astype(str).to_numpy()
    counts = {s: int(w[status == s].sum()) for s in pd.unique(status).tolist()}
    return _line(kind, worst, counts, rows["scenario"].nunique(), note,
                 _attribution_of(worst, pd.unique(att).tolist(),
                                 rows["scenario"].astype(str).to_numpy(), att))


def _attribution_of(worst: pd.Series, texts: list[str], scenarios: np.ndarray,
                    attributions: np.ndarray) -> str:
    """The line's attribution: :func:`~protv2g.findings.finding_attribution` of its rows'
    distinct ``attribution`` texts, in words of charging as the Findings decide it
    (:func:`~protv2g.findings_attribution.by_charging` of the rows' scenarios and
    attributions: a C8 charging peak, or new/worse rows of charging snapshots only)."""
    return finding_attribution([t for t in texts if is_given(t)],
                               by_charging(worst.get("criterion"), worst.get("mechanism"),
                                           scenarios, attributions))


#: A line's attributions in words of charging (:func:`_attribution_of`).
_CHARGING = (Attribution.CAUSED_CHARGING, Attribution.WORSE_CHARGING)

#: Row attributions that make a line V2G's or the project's (:mod:`protv2g.checks.attribution`,
#: :mod:`protv2g.checks.equipment`).
_ATTRIBUTABLE = ("new", "worse", *PROJECT_ROWS)

#: The columns that break a tie of margins (and of exports), as the Findings do.
_TIE_COLUMNS = ("scenario", "fault_bus", "fault_type", "case")


def _tie_names(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The columns that break a tie of margins (and of exports), as the Findings do."""
    return tuple(rows[c].astype(str).to_numpy() for c in _TIE_COLUMNS if c in rows.columns)


def _number(value: Any) -> float:
    """A cell as a float, NaN where it is none (None, "", text)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _line(kind: str, worst: pd.Series, n_rows: Mapping[str, int], n_scenarios: int, note: str,
          attribution: str, folded: str = "", others: tuple[str, ...] = (),
          margin_note: str = "") -> str:
    """:func:`reason_line`'s text from its worst row, the group's row and scenario counts,
    its attribution (:func:`_attribution_of`) and the note on its folded pre-existing rows;
    ``others``: every ``other_device`` of a line of :data:`PER_DEVICE_CRITERIA`;
    ``margin_note``: what the margin is, after it
    (:func:`~protv2g.gate_line_short.split_note`)."""
    device = device_text(worst, others)
    where = ", ".join(p for p in (str(worst["scenario"]), describe_fault(worst)) if p)
    parts = [f"{kind}: {worst['criterion']}"]
    if device:
        parts.append(device)
    text = " ".join(parts)
    msg = str(worst["message"]) if is_given(worst.get("message")) else ""
    text += f": {msg}" if msg else ""
    detail = [note, f"{worst['status']}", attribution, where]
    if str(worst.get("attribution")) in _ATTRIBUTABLE:  # what makes the line V2G's
        detail.append(_twin(worst))
    detail.append(folded)
    basis, confirm = rests_on(worst)
    if confirm:  # the row rests on a stand-in: which input to confirm (#trust_defaults)
        detail.append(f"rests on {InputBasis(basis).label}: confirm {confirm}")
    if is_given(worst.get("rule")):
        detail.append(f"rule {worst['rule']}")
    unit = str(worst.get("margin_unit", "")) if is_given(worst.get("margin_unit")) else ""
    if margin := _fmt(worst.get("margin"), unit):
        detail.append(f"margin {margin}" + (f" ({margin_note})" if margin_note else ""))
    # the rows by status, as the Findings count them (s38: "N rows" there, fail rows here)
    detail.append(f"{status_count_text(n_rows)} in {scenario_count_text(n_scenarios)}")
    return f"{text} ({'; '.join(d for d in detail if d)})"


def _marginal_note(marginal: str, without_v2g: str, message: Any) -> str:
    """A marginal line's note: the figures (``marginal``, :meth:`ReasonRows._marginal`) and
    a bracketed ``without_v2g`` tail (``" (gate.pre_existing: fail)"``; another tail is left
    out: the figures say "confirm the input data") — the figures once: not where the row's
    ``message`` says them already (the pipeline's, :func:`~protv2g.checks.
    attribution_materiality.marginal_text`; txt44's left item: ``gate --json`` repeated them).
    """
    tail = without_v2g if without_v2g.startswith(" (") else ""
    opening = marginal.partition(" (passes by ")[0] + " (passes by "
    if is_given(message) and opening in str(message):
        return tail.strip().removeprefix("(").removesuffix(")")
    return marginal + tail


def _group_columns(columns: pd.Index) -> list[str]:
    """The columns of a reason group: :data:`_GROUP`, then ``rule``, ``mechanism`` and
    ``margin_unit`` where the table has them — the Findings' key splits by mechanism and
    margin unit too (:func:`protv2g.findings.finding_keys`), and a group's worst row is its
    smallest margin, which means nothing across units (review rev31 §1: the IEEE 8500 gate
    grouped the C12 voltage rows (pu) with the unbalance rows (%): −0.7878 % "beat"
    −0.0136 pu and the overvoltage F65 and the set-point row F66 had no line)."""
    return [*_GROUP, *(c for c in _EXTRA_GROUP if c in columns)]


def _grouped_column(column: str, col: pd.Series, criterion: pd.Series) -> pd.Series:
    """The column ``column`` (``col``) as the reason groups read it: ``other_device`` blank
    on the rows of :data:`PER_DEVICE_CRITERIA` (``criterion``, aligned with ``col``)."""
    if column != "other_device":
        return col
    codes, texts = text_codes(criterion)  # each distinct criterion tested once (#21)
    per_device = np.isin(texts, list(PER_DEVICE_CRITERIA))[codes]
    return col.where(~per_device, "") if per_device.any() else col


def group_keys(rows: pd.DataFrame) -> pd.Series:
    """Each row's reason group (:func:`_group_columns`, as text): the rows
    :func:`grouped_reasons` writes one line for."""
    key = _group_columns(rows.columns)
    return pd.Series(list(zip(*(_grouped_column(c, rows[c], rows["criterion"]).astype(str)
                                for c in key), strict=True)), index=rows.index, dtype=object)


def grouped_reasons(kind: str, rows: pd.DataFrame, note: str = "",
                    export_kw: Mapping[str, float] | None = None,
                    folded: pd.DataFrame | None = None) -> list[str]:
    """One :func:`reason_line` per criterion, device (pair) and rule of ``rows`` (violation
    rows), in criterion order; ``kind`` starts each line (``fail``, ``condition``, ``confirm``,
    ``info``), ``note`` is added to each line's detail.

    Each group's worst row is the one the Findings sheet shows for it
    (:func:`protv2g.findings_rows.worst_order`: smallest margin to 10 significant digits, then
    the larger total export — ``export_kw``, scenario → kW, :func:`export_kw_by_scenario` —
    then scenario, fault bus, fault type and case as text), so the gate and the Findings name
    the same scenario for a tie (review s15: F04 said firm/1.8 MW, the gate expected/1.2 MW).

    ``folded``: pre-existing failing rows whose group also has a row of ``rows`` — part of
    that line (its worst row, attribution and counts are over both) and named on it
    ("pre-existing on N more row(s) of this finding …", :meth:`ReasonRows.folded_note`)
    instead of a line of their own (s16 A3: one device, one mechanism, one line; ckt5's
    service transformer had a ``fail: worse`` line and a ``confirm:`` line for its base row).
    """
    if rows.empty:
        return []
    if folded is None or folded.empty:
        return ReasonRows(rows, export_kw).reasons(kind, np.ones(len(rows), bool), note)
    table = pd.concat([rows, folded], ignore_index=True)
    own = np.arange(len(table)) < len(rows)
    return ReasonRows(table, export_kw).reasons(kind, own, note, folded=~own)


class ReasonRows:
    """A violation table's columns as :func:`grouped_reasons` reads them, coded once for the
    whole table (#21: the gate copied the 481,228 rows at 10,000 buses into a frame per kind
    of reason and hashed each copy's texts again, 0.3 s): each row's reason group (criterion,
    device, other device and rule as text, :func:`protv2g.text_codes.text_codes`, equal codes
    exactly for equal texts), its margin, scenario, total export and the tie-breaking texts
    as alphabetical ranks (:func:`protv2g.findings_rows.text_ranks`: the order of the texts
    on any subset of rows). :meth:`reasons` then writes the lines of any subset of rows, by
    mask, as :func:`grouped_reasons` writes them for that subset as a frame.

    Parameters
    ----------
    table : DataFrame
        Violation rows (not copied, not modified).
    export_kw : mapping, optional
        Scenario → total V2G export, kW (:func:`export_kw_by_scenario`).
    rows : ndarray of bool, shape (n,), optional
        The rows to code (default all): every mask given to the methods lies within them
        (the gate's failing rows, 286,342 of 481,228 at 10,000 buses).
    """

    def __init__(self, table: pd.DataFrame, export_kw: Mapping[str, float] | None = None,
                 rows: np.ndarray | None = None) -> None:
        self.table = table
        self.export_kw = export_kw
        self.pos = np.arange(len(table)) if rows is None else np.flatnonzero(rows)

    def _local(self, at: np.ndarray) -> np.ndarray:
        """Positions within :attr:`pos` of the rows of the ``(n,)`` bool mask ``at``."""
        if len(self.pos) == len(self.table):
            return np.flatnonzero(at)
        inside = at[self.pos]
        if int(inside.sum()) != int(np.count_nonzero(at)):
            raise ValueError("rows outside the coded rows of this ReasonRows")
        return np.flatnonzero(inside)

    def _column(self, name: str) -> pd.Series:
        c = self.table[name]
        return c if len(self.pos) == len(c) else c.take(self.pos)

    @cached_property
    def _scenarios(self) -> tuple[np.ndarray, np.ndarray]:
        """Each coded row's scenario as text codes (:func:`~protv2g.text_codes.text_codes`),
        read once (the charging rule, s23; each text tested once per line, #21)."""
        return text_codes(self._column("scenario"))

    @cached_property
    def _weights(self) -> np.ndarray:
        """``(len(pos),)`` int: the violation rows each coded row stands for
        (:func:`~protv2g.violations.row_weights`: a C5 group's zone rows, #21)."""
        return row_weights(self.table, self.pos)

    @cached_property
    def _margin_key(self) -> np.ndarray:
        """``(len(pos),)`` float: each coded row's margin to 10 significant digits, NaN as
        +inf: the first key of :func:`~protv2g.findings_rows.worst_order`, rounded once for
        every line (#21: rounded again per line and kind, ≈ 0.06 s of the 10,000-bus gate)."""
        m = round_significant(self._columns[0])
        return np.where(np.isnan(m), np.inf, m)

    @cached_property
    def _asymptote(self) -> np.ndarray | None:
        """``(len(pos),)`` bool: the coded rows whose margin rests on a fuse's melting
        asymptote (:func:`~protv2g.findings_rows.on_asymptote`), None without such a row."""
        if "data_boundary" not in self.table.columns:
            return None
        return on_asymptote(self._column("data_boundary"), len(self.pos))

    @cached_property
    def _column_list(self) -> list[tuple[str, pd.Series]]:
        return list(self.table.items())

    def _row(self, k: int) -> dict[str, Any]:
        """The coded row ``k``'s cells by column, as ``table.iloc`` reads them (#21: a row of
        the wide table read as a Series, 1.6 ms a line at 10,000 buses)."""
        i = int(self.pos[k])
        return {c: col.iat[i] for c, col in self._column_list}

    @cached_property
    def _group(self) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        coded = [text_codes(_grouped_column(c, self._column(c), self._column("criterion")))
                 for c in _group_columns(self.table.columns)]
        group = combine_code_stream(c for c, _ in coded)
        first = np.unique(group, return_index=True)[1]  # groups are numbered as they appear
        texts = [tuple(str(t[c[k]]) for c, t in coded) for k in first.tolist()]
        return group, texts

    def group_of(self, at: np.ndarray) -> np.ndarray:
        """The reason groups (int64 codes, equal exactly for equal texts) of the rows of the
        ``(n,)`` bool mask ``at``, in table order."""
        return self._group[0][self._local(at)]

    @cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None,
                                tuple[np.ndarray, ...]]:
        col = self._column
        margin = pd.to_numeric(col("margin"), errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
        seen = pd.factorize(col("scenario").to_numpy())[0]  # missing: -1, not counted
        coded = {c: text_codes(col(c)) for c in _TIE_COLUMNS if c in self.table.columns}
        p_kw = None
        if self.export_kw:
            codes, texts = coded["scenario"]
            p_kw = pd.Series(texts, dtype=object).map(self.export_kw).to_numpy(
                dtype=float)[codes]
        names = tuple(text_ranks(c) for c in coded.values())
        return margin, seen, p_kw, names

    @cached_property
    def _statuses(self) -> tuple[np.ndarray, np.ndarray]:
        """The coded rows' ``status`` (codes into texts), read once."""
        return text_codes(self._column("status"))

    def _status_counts(self, at: np.ndarray) -> dict[str, int]:
        """Status → the violation rows (weighted, :attr:`_weights`) of the coded rows ``at``:
        what a line says it stands for (:func:`~protv2g.violations.status_count_text`)."""
        codes, texts = self._statuses
        n = np.bincount(codes[at], weights=self._weights[at], minlength=len(texts))
        return {str(t): int(k) for t, k in zip(texts.tolist(), n.tolist(), strict=True) if k}

    @cached_property
    def _attributions(self) -> tuple[np.ndarray, np.ndarray]:
        """The coded rows' ``attribution`` (codes into texts; all "" without the column)."""
        if "attribution" not in self.table.columns:
            return np.zeros(len(self.pos), dtype=np.int64), np.array([""], dtype=object)
        return text_codes(self._column("attribution"))

    def reasons(self, kind: str, at: np.ndarray, note: str = "",
                folded: np.ndarray | None = None, *,
                without_v2g: str | None = None,
                records: dict[str, dict[str, Any]] | None = None,
                split_with: np.ndarray | None = None) -> list[str]:
        """:func:`grouped_reasons` of the rows ``at`` (``(n,)`` bool): one line per group of
        them. ``folded`` (``(n,)`` bool): pre-existing failing rows said on the line of their
        group when it has a row of ``at`` (its worst row, attribution and counts are the
        group's over both; :meth:`folded_note` names them), not on a line of their own.
        ``without_v2g``: the rows are pre-existing and each line's note is
        :data:`PRESENT_WITHOUT_V2G` or :data:`MARGINAL_WITHOUT_V2G` (chosen per line from its
        rows' ``base_margin``, :meth:`_without_v2g_head`) followed by this text; exclusive
        with ``note``. ``records``: filled with each line → :func:`reason_record` (what the
        line says, as data). ``split_with`` (``(n,)`` bool): the rows of the other kind of
        line a finding's rows are split into (the gate's ``condition:`` rows, on given data,
        and its ``confirm:`` rows, resting on an input to confirm): a line whose group has
        such rows says after its margin which worst it is and gives the other line's
        (:func:`~protv2g.gate_line_short.split_note`; review ver40b §2, EPRI J1 F01: −6.964 s
        on one line, −386 s on the other and in the Summary, neither saying what it was).

        Raises
        ------
        ValueError
            ``note`` and ``without_v2g`` both given.
        """
        if note and without_v2g is not None:
            raise ValueError("reasons(): give `note` or `without_v2g`, not both")
        pos = self._local(at)
        if not len(pos):
            return []
        group, texts = self._group
        a_codes, a_texts = self._attributions
        g = group[pos]
        by_group = np.argsort(g, kind="stable")  # each group's rows in table order
        bounds = np.flatnonzero(np.diff(g[by_group])) + 1
        groups = {int(g[k[0]]): pos[k] for k in np.split(by_group, bounds)}
        extra: dict[int, np.ndarray] = {}
        if folded is not None and folded.any():
            fpos = self._local(folded)
            fg = group[fpos]
            keep = np.isin(fg, np.fromiter(groups, dtype=np.int64, count=len(groups)))
            fpos, fg = fpos[keep], fg[keep]
            order_f = np.argsort(fg, kind="stable")
            cuts = np.flatnonzero(np.diff(fg[order_f])) + 1
            extra = {int(fg[k[0]]): fpos[k] for k in np.split(order_f, cuts) if len(k)}

        split: dict[int, np.ndarray] = {}
        if split_with is not None and split_with.any():
            spos = self._local(split_with)
            sg = group[spos]
            split = {int(k): spos[sg == k] for k in np.unique(sg).tolist() if int(k) in groups}
        margin, seen, p_kw, names = self._columns
        key = self._margin_key
        asym = self._asymptote
        s_codes, s_texts = self._scenarios

        def worst_of(at_g: np.ndarray) -> int:
            # :func:`worst_order`'s first row: its first key decides, and only the rows tied
            # on it (in table order) are sorted on the rest (#21: every row of the line
            # sorted, ≈ 0.1 s of the 10,000-bus gate)
            # a margin on a fuse's melting asymptote only where the line has no other row
            # (review rev40a M8, :func:`~protv2g.findings_rows.worst_order`)
            if asym is not None and asym[at_g].any() and not asym[at_g].all():
                at_g = at_g[~asym[at_g]]
            k = key[at_g]
            tied = at_g[k == k.min()]
            if len(tied) == 1:
                return int(tied[0])
            return int(tied[worst_order(margin[tied], None,
                                        None if p_kw is None else p_kw[tied],
                                        tuple(n[tied] for n in names))[0]])

        out = []
        for gk in sorted(groups, key=lambda k: (order(texts[k][0]), texts[k])):
            own = groups[gk]
            more = extra.get(gk, own[:0])
            every = np.sort(np.concatenate([own, more]))
            worst = worst_of(every)
            # the chargers' own rows (new/worse) lead before the project's equipment's
            # (findings_headline.V2G_MOVED, mix38: J1 F01 "caused by V2G" quoted an
            # equipment row "the pair fails without the chargers")
            own_att = a_texts[a_codes[own]].astype(str)
            mine = own[np.isin(own_att, V2G_MOVED)]
            equipment = (own[np.isin(own_att, (EQUIPMENT, EQUIPMENT_WORSE))] if len(mine)
                         else own[:0])
            v2g = worst_of(mine) if len(mine) else worst_of(own)
            # a line V2G's rows make V2G's leads with V2G's worst row; a worse, folded
            # pre-existing row is said in its tail (review s28 §3, findings_headline: the
            # Findings lead with the same row)
            lead = (v2g if v2g != worst and str(a_texts[a_codes[v2g]]) in _ATTRIBUTABLE
                    else worst)
            tail = lead != worst and key[lead] != key[worst]  # not a tie: said in the tail
            row = self._row(lead)
            s = seen[every]
            attribution = finding_attribution(
                [t for t in a_texts[np.unique(a_codes[every])].tolist() if is_given(t)],
                by_charging_coded(row.get("criterion"), row.get("mechanism"),
                                  (s_codes[every], s_texts), (a_codes[every], a_texts)))
            # a pre-existing line leads with the base case, V2G's change in a tail (rev42a
            # M2: ckt5 F03 "confirm: … loaded 144 % with depot exporting 1.5 MW …")
            base_tail = ""
            if (attribution == Attribution.PRE_EXISTING and lead == worst and p_kw is not None
                    and p_kw[lead] > 0 and (p_kw[every] == 0).any()):
                base = worst_of(every[p_kw[every] == 0])
                unit = (str(row.get("margin_unit", "")) if is_given(row.get("margin_unit"))
                        else "")
                base_tail = v2g_change_tail(
                    float(margin[lead]), float(margin[base]), unit,
                    ", ".join(p for p in (str(row["scenario"]), describe_fault(row)) if p),
                    SIGNIFICANT_DIGITS, row.get("message"))  # the V2G row's materiality words
                lead = base
                row = self._row(lead)
            others = self._others(every, row)
            margin_note = short_note = ""
            if gk in split:  # the finding's other rows are on a line of the other kind
                other = worst_of(split[gk])
                leads = worst_of(np.array([lead, other])) == lead
                margin_note = split_note(kind, leads, self._row(other))
                short_note = split_note(kind, leads, self._row(other), short=True)
            # a marginal base (every row passes without V2G) says its figures, on the whole
            # line and the short one (review rev44a M1: ckt5 F01/F15's terminal lines said
            # "pre-existing" only, the note being the whole line's)
            marginal = "" if without_v2g is None else self._marginal(every, lead)
            head = ("" if without_v2g is None or marginal
                    else self._without_v2g_head(every))
            line = _line(kind, row, self._status_counts(every), len(np.unique(s[s >= 0])),
                         note if without_v2g is None else _marginal_note(
                             marginal, without_v2g, row.get("message"))
                         if marginal else head + without_v2g, attribution,
                         self.folded_note(more, named=not tail,
                                          of="line" if len(others) > 1 else "finding")
                         if len(more) else "", others, margin_note)
            tails = [base_tail] if base_tail else []
            if tail and not (len(equipment) and worst in equipment):
                tails.append(self._worst_tail(worst, attribution))
            if len(equipment):
                tails.append(self._equipment_tail(equipment, worst_of(equipment)))
            if tails:
                line = line[:-1] + "; " + "; ".join(tails) + ")"
            out.append(line)
            if records is not None:
                records[line] = reason_record(kind, row, attribution, others)
                records[line]["short"] = short_line(
                    kind, row, self._status_counts(every), len(np.unique(s[s >= 0])),
                    attribution, others, short_note, marginal)
        return out

    def _without_v2g_head(self, at: np.ndarray) -> str:
        """The head of a pre-existing line's note for the coded rows ``at``:
        :data:`MARGINAL_WITHOUT_V2G` when every one of them passes in its base case
        (``base_margin`` ≥ 0: pre-existing because V2G's change is inside the device data's
        tolerance, the rule for a marginal base, :mod:`protv2g.checks.attribution`), else
        :data:`PRESENT_WITHOUT_V2G` — review rev35a T4: EPRI ckt5's C5 f-mdv201_105409fuse
        passes by 0.018 × without V2G and read "(present without V2G: confirm the input …)"."""
        if "base_margin" not in self.table.columns:
            return PRESENT_WITHOUT_V2G
        bm = pd.to_numeric(self._column("base_margin").iloc[at], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        return MARGINAL_WITHOUT_V2G if len(bm) and (bm >= 0).all() else PRESENT_WITHOUT_V2G

    def _marginal(self, at: np.ndarray, lead: int) -> str:
        """Where every one of the coded rows ``at`` passes without V2G (the rule of
        :meth:`_without_v2g_head`) and the leading row ``lead`` fails with it: what happens,
        in its figures (:func:`~protv2g.checks.attribution_materiality.marginal_base_text`:
        how much it passes by, the check's tolerance, V2G's change) — review rev44a M1; ""
        otherwise (or without the columns)."""
        if (not {"base_margin", "tolerance"} <= set(self.table.columns)
                or self._without_v2g_head(at) != MARGINAL_WITHOUT_V2G):
            return ""
        row = self._row(lead)
        base, tol, margin = (_number(row.get(c)) for c in ("base_margin", "tolerance",
                                                            "margin"))
        if not (np.isfinite(base) and np.isfinite(tol) and np.isfinite(margin)
                and margin < 0 <= base):
            return ""
        unit = str(row.get("margin_unit", "")) if is_given(row.get("margin_unit")) else ""
        return marginal_base_text(base, margin - base, abs(tol), unit,
                                  who_moves(row.get("scenario", "")))

    def _others(self, at: np.ndarray, row: Mapping[str, Any]) -> tuple[str, ...]:
        """The ``other_device`` texts of the coded rows ``at`` when the line stands for
        several (:data:`PER_DEVICE_CRITERIA`): the leading row's first, then by name."""
        if str(row.get("criterion")) not in PER_DEVICE_CRITERIA:
            return ()
        names = {str(v) for v in self._column("other_device").iloc[at] if is_given(v)}
        lead = str(row.get("other_device")) if is_given(row.get("other_device")) else ""
        return (*([lead] if lead in names else []), *sorted(names - {lead}))

    def _worst_tail(self, k: int, attribution: str) -> str:
        """The tail of a line led by V2G's worst row: its worst row overall, the coded row
        ``k``, pre-existing (:func:`protv2g.findings_headline.overall_worst_tail`)."""
        row = self._row(k)
        unit = str(row.get("margin_unit", "")) if is_given(row.get("margin_unit")) else ""
        where = ", ".join(p for p in (str(row["scenario"]), describe_fault(row)) if p)
        base = pd.to_numeric(row.get("base_margin"), errors="coerce")
        return overall_worst_tail(float(self._columns[0][k]),
                                  float(base) if pd.notna(base) else math.nan, unit, where,
                                  SIGNIFICANT_DIGITS,
                                  "without the sites' charging" if attribution in _CHARGING
                                  else "without V2G")

    def _equipment_tail(self, at: np.ndarray, k: int) -> str:
        """The clause of a line led by the chargers' worst row on its rows of the project's
        equipment (the coded rows ``at``, their worst ``k``):
        :func:`protv2g.findings_headline.equipment_tail`."""
        row = self._row(k)
        unit = str(row.get("margin_unit", "")) if is_given(row.get("margin_unit")) else ""
        where = ", ".join(p for p in (str(row["scenario"]), describe_fault(row)) if p)
        return equipment_tail(int(self._weights[at].sum()), float(self._columns[0][k]), unit,
                              where, SIGNIFICANT_DIGITS)

    def folded_note(self, at: np.ndarray, named: bool = True,
                    of: Literal["finding", "line"] = "finding") -> str:
        """"pre-existing on N row(s) …, the worst M at <scenario>, <fault>" of the folded rows
        at positions ``at`` (within the coded rows): what they are — V2G rows whose change
        is inside the tolerance, or rows failing without V2G — named by their worst row's
        scenario and fault, never as "failing without V2G" alone (review s20: ckt5's
        "also failing without V2G: 72 row(s), margin −0.05036" was a V2G row whose twin
        passes). ``named`` False: their worst row is not named (the line's tail names it,
        :meth:`_worst_tail`). ``of``: what the line is ("finding"; "line" for a line of
        :data:`PER_DEVICE_CRITERIA` standing for several findings)."""
        margin = self._columns[0]
        m = margin[at]
        k = int(at[np.lexsort((at, np.where(np.isnan(m), np.inf, m)))[0]])
        row = self._row(k)
        bm = (pd.to_numeric(self._column("base_margin").iloc[at], errors="coerce")
              .to_numpy(dtype=float, na_value=np.nan) if "base_margin" in self.table.columns
              else np.full(len(at), np.nan))
        w = self._weights[at]  # the zone rows a C5 group's row stands for (#21)
        n_pass = int(w[bm >= 0].sum())  # the twin passes, by less than the tolerance
        n_at = int(w.sum())
        text = f"pre-existing on {n_at} more row(s) of this {of}"
        if n_pass:
            text += (f" ({n_pass} pass without V2G by less than the tolerance, "
                     f"{n_at - n_pass} fail without V2G)")
        else:
            text += " (failing without V2G)"
        if named and math.isfinite(margin[k]):
            unit = str(row.get("margin_unit", "")) if is_given(row.get("margin_unit")) else ""
            where = ", ".join(p for p in (str(row["scenario"]), describe_fault(row)) if p)
            text += f", the worst {_fmt(margin[k], unit)} at {where}"
        return text
