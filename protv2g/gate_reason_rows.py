"""The gate's reason lines of any subset of a violation table, by mask: :class:`ReasonRows`.

The table's columns are coded once (reason group, margin, scenario, export, tie-breaking
texts) and :meth:`ReasonRows.reasons` writes the lines of a mask's rows as
:func:`protv2g.gate_reasons.grouped_reasons` writes them for that subset as a frame, with
each line's wording from :mod:`protv2g.gate_reason_line`; the coded columns are its base
:class:`~protv2g.gate_reason_coded.CodedRows`'s. Split from
:mod:`protv2g.gate_reasons` (which re-exports :class:`ReasonRows`); the rules the lines follow
are described there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from protv2g.checks.attribution_materiality import marginal_base_text, who_moves
from protv2g.checks.equipment import EQUIPMENT, EQUIPMENT_WORSE
from protv2g.criteria import order
from protv2g.findings import PAIR_CRITERIA, finding_attribution
from protv2g.findings_attribution import Attribution, by_charging_coded
from protv2g.findings_headline import V2G_MOVED, equipment_tail, overall_worst_tail, v2g_change_tail
from protv2g.findings_rows import worst_order
from protv2g.gate_line_short import short_line, split_note
from protv2g.gate_reason_coded import CodedRows
from protv2g.gate_reason_line import (
    _ATTRIBUTABLE,
    _CHARGING,
    MARGINAL_WITHOUT_V2G,
    PER_DEVICE_CRITERIA,
    PRESENT_WITHOUT_V2G,
    _line,
    _marginal_note,
    _number,
)
from protv2g.gate_reason_record import reason_record
from protv2g.gate_twin import cell_text as _fmt
from protv2g.significant import SIGNIFICANT_DIGITS
from protv2g.violations import describe_fault, is_given


class ReasonRows(CodedRows):
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
    sites : SiteAxis, optional
        The sites' export per scenario and the site driving each line
        (:class:`~protv2g.findings_trend_sites.SiteAxis`): a line one site drives leads its
        message's export with that site's, and its short form keeps the export words whole
        (review rev48a #3, rev48b P9).
    """

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
            keep = ""
            if self.sites is not None and is_given(row.get("message")):
                partner = (str(row.get("other_device")) if is_given(row.get("other_device"))
                           and row.get("criterion") in PAIR_CRITERIA else "")
                message, keep = self.sites.line_words(
                    str(row.get("criterion")), str(row.get("device")), partner,
                    str(row.get("scenario")), attribution, str(row["message"]))
                row = {**row, "message": message}
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
                    attribution, others, short_note, marginal, keep)
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
