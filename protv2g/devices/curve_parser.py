"""Parse one curve entry of a library YAML file into the fields of a ``Curve``.

Every problem is collected as an :class:`~protv2g.errors.Issue` naming the file, the field
path (``curves[3] (65K).melting_ranges.min_a[1]``) and a fix. Fuse entries are either point
tables (``tc_points`` with ``mm_points`` or ``mm_time_factor``, e.g. a manufacturer's
published curves), EEI-NEMA links given by their published melting-current ranges
(``melting_ranges``, ``shape``, ``arcing_time_s``), built by
:func:`protv2g.devices.fuse_melting_nodes.standard_melting_nodes`, or IEC 60269 gG links given
by the standard's gates (``gates``: ``min_pre_arcing`` and ``max_operating`` point tables,
``arcing_time_s``), a band like the EEI-NEMA one (``relay_library/fuse_gg.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from protv2g.devices.curve_family import CurveFamily
from protv2g.devices.fuse_curves import table_asymptote_m
from protv2g.devices.fuse_melting_nodes import standard_melting_nodes
from protv2g.errors import Issue
from protv2g.units import DeviceKind

__all__ = ["CurveParser"]

_CONSTANT_KEYS = {
    CurveFamily.IEEE: ({"a_s", "b_s", "p"}, {"tr_s", "reset_exponent"}),
    CurveFamily.IEC: ({"k_s", "alpha"}, {"tr_s", "reset_exponent", "gd_m"}),
    CurveFamily.DEFINITE: ({"delay_s"}, set()),
    CurveFamily.POINTS: (set(), set()),
}
_RECLOSER_ONLY = {"clearing_adder_s", "clearing_adder_source"}
_FUSE_ONLY = {"rating_a", "tc_points", "mm_points", "mm_time_factor", "melting_ranges", "shape",
              "arcing_time_s", "gates"}
_COMMON_KEYS = {"name", "aliases", "kind", "family", "standard", "source", "notes"}
_FAMILY_KEYS = {
    CurveFamily.IEEE: {"constants", "reset_source"},
    CurveFamily.IEC: {"constants", "reset_source"},
    CurveFamily.DEFINITE: {"constants"},
    CurveFamily.POINTS: {"points", "rating_a", "tc_points", "mm_points", "mm_time_factor",
                         "melting_ranges", "shape", "arcing_time_s", "gates",
                         "clearing_adder_s", "clearing_adder_source"},
}


#: A time counts as above another beyond this relative tolerance (table round-off).
_ABOVE = 1.0 + 1e-9


def _against(m: tuple, t: tuple, ref_m: tuple, ref_t: tuple) -> list[tuple[float, float, float]]:
    """``(m, t, t_ref)`` of the points ``(m, t)`` inside the current range of the table
    ``ref``, with ``t_ref`` its log–log interpolation at ``m``."""
    x, lx = np.log(np.asarray(m, float)), np.log(np.asarray(ref_m, float))
    ref = np.exp(np.interp(x, lx, np.log(np.asarray(ref_t, float))))
    inside = (x >= lx[0] - 1e-12) & (x <= lx[-1] + 1e-12)
    return [(float(a), float(b), float(c))
            for a, b, c, ok in zip(m, t, ref.tolist(), inside.tolist(), strict=True) if ok]


class CurveParser:
    """Turn one YAML entry into a Curve, collecting every problem as an Issue."""

    def __init__(self, file: str, where: str, raw: Mapping[str, Any]):
        self.file, self.where, self.raw = file, where, raw
        self.issues: list[Issue] = []

    def bad(self, fld: str, message: str, fix: str) -> None:
        self.issues.append(Issue(self.file, f"{self.where}.{fld}", message, fix))

    def number(self, fld: str, value: Any, *, lo: float = 0.0, strict: bool = True) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and np.isfinite(value) and (value > lo if strict else value >= lo):
            return float(value)
        rel = ">" if strict else ">="
        self.bad(fld, f"must be a finite number {rel} {lo:g}, got {value!r}",
                 f"set {fld} to a number {rel} {lo:g}")
        return float("nan")

    def table(self, fld: str, raw: Any, rating_a: float | None) -> tuple[tuple, tuple]:
        if not isinstance(raw, Mapping) or "t_s" not in raw or ("m" in raw) == ("i_a" in raw):
            self.bad(fld, "must be a mapping with `t_s` and exactly one of `m` or `i_a`",
                     f"write {fld}: {{m: [1.5, 2, 5], t_s: [10, 4, 1]}}")
            return (), ()
        unknown = set(raw) - {"m", "i_a", "t_s"}
        if unknown:
            self.bad(fld, f"unknown keys {sorted(unknown)}", "allowed keys: m or i_a, and t_s")
        xkey = "m" if "m" in raw else "i_a"
        xs, ts = raw[xkey], raw["t_s"]
        if not (isinstance(xs, list) and isinstance(ts, list) and len(xs) == len(ts) >= 2):
            self.bad(fld, f"`{xkey}` and `t_s` must be lists of equal length >= 2",
                     "give one time per current point")
            return (), ()
        x = np.array([self.number(f"{fld}.{xkey}[{j}]", v) for j, v in enumerate(xs)])
        t = np.array([self.number(f"{fld}.t_s[{j}]", v) for j, v in enumerate(ts)])
        if np.isnan(x).any() or np.isnan(t).any():
            return (), ()
        if xkey == "i_a":
            if rating_a is None or not np.isfinite(rating_a):
                self.bad(fld, "a table in amperes (`i_a`) needs `rating_a`",
                         "add rating_a (A) or give the table in multiples `m`")
                return (), ()
            x = x / rating_a
        if np.any(np.diff(x) <= 0):
            self.bad(f"{fld}.{xkey}", "must be strictly increasing", "sort the points by current")
        if np.any(np.diff(t) > 0):
            self.bad(f"{fld}.t_s", "must not increase with current",
                     "check the points: a time-current curve is non-increasing")
        return tuple(x.tolist()), tuple(t.tolist())

    def parse(self) -> dict[str, Any] | None:
        raw = self.raw
        for req in ("name", "kind", "family", "source"):
            if req not in raw or raw[req] in (None, ""):
                self.bad(req, "is required", f"add `{req}:` to the entry")
        if self.issues:
            return None
        name = str(raw["name"])
        self.where = f"{self.where} ({name})"
        try:
            kind = DeviceKind(raw["kind"])
        except ValueError as exc:
            self.bad("kind", str(exc), "use relay, recloser or fuse")
            return None
        try:
            family = CurveFamily(raw["family"])
        except ValueError as exc:
            self.bad("family", str(exc), "use ieee, iec, definite or points")
            return None
        unknown = set(raw) - _COMMON_KEYS - _FAMILY_KEYS[family]
        if unknown:
            allowed = sorted(_COMMON_KEYS | _FAMILY_KEYS[family])
            self.bad(sorted(unknown)[0], f"unknown field(s) {sorted(unknown)} for family "
                     f"{family.value!r}", f"allowed fields: {', '.join(allowed)}")
        aliases = raw.get("aliases") or []
        if not isinstance(aliases, list):
            self.bad("aliases", "must be a list of names", "write aliases: [A, A-101]")
            aliases = []
        kw: dict[str, Any] = dict(
            name=name, kind=kind, family=family, source=str(raw["source"]),
            standard=str(raw.get("standard", "")), notes=str(raw.get("notes", "")).strip(),
            aliases=tuple(str(a) for a in aliases), file=self.file)
        if family is CurveFamily.POINTS:
            self._points(kind, raw, kw)
        else:
            self._constants(family, raw, kw)
        return None if self.issues else kw

    def _constants(self, family: CurveFamily, raw: Mapping[str, Any], kw: dict) -> None:
        required, optional = _CONSTANT_KEYS[family]
        consts = raw.get("constants")
        if not isinstance(consts, Mapping):
            self.bad("constants", "is required for this family and must be a mapping",
                     f"add constants: {{{', '.join(f'{k}: …' for k in sorted(required))}}}")
            return
        for key in sorted(required - set(consts)):
            self.bad(f"constants.{key}", "is missing", f"add constants.{key}")
        for key in sorted(set(consts) - required - optional):
            self.bad(f"constants.{key}", "is not a constant of this family",
                     f"allowed: {', '.join(sorted(required | optional))}")
        for key in sorted(set(consts) & (required | optional)):
            strict = key not in ("b_s", "delay_s", "tr_s")
            kw[key] = self.number(f"constants.{key}", consts[key], strict=strict)
        if "reset_source" in raw:
            kw["reset_source"] = str(raw["reset_source"])

    def _points(self, kind: DeviceKind, raw: Mapping[str, Any], kw: dict) -> None:
        wrong = (_FUSE_ONLY if kind is not DeviceKind.FUSE else _RECLOSER_ONLY) & set(raw)
        if kind is DeviceKind.RELAY:
            wrong |= _RECLOSER_ONLY & set(raw)
        for key in sorted(wrong):
            self.bad(key, f"is not a field of a {kind.value} curve",
                     "remove it (see relay_library/README.md)")
        if kind is not DeviceKind.FUSE:
            if "points" not in raw:
                self.bad("points", "is required for a point-table curve",
                         "add points: {m: [...], t_s: [...]}")
                return
            kw["m_points"], kw["t_points"] = self.table("points", raw["points"], None)
            if kind is DeviceKind.RECLOSER and raw.get("clearing_adder_s") is not None:
                kw["clearing_adder_s"] = self.number("clearing_adder_s",
                                                     raw["clearing_adder_s"], strict=False)
                kw["clearing_adder_source"] = str(raw.get("clearing_adder_source", ""))
            return
        rating = self.number("rating_a", raw.get("rating_a"))
        kw["rating_a"] = rating
        if "melting_ranges" in raw:
            self._standard_link(raw, kw, rating)
            return
        if "gates" in raw:
            self._gate_link(raw, kw, rating)
            return
        if "tc_points" not in raw:
            self.bad("tc_points", "is required for a fuse", "add tc_points: {m|i_a: [...], "
                     "t_s: [...]} (total clearing), or melting_ranges for an EEI-NEMA link")
            return
        kw["m_points"], kw["t_points"] = self.table("tc_points", raw["tc_points"], rating)
        if "mm_points" in raw:
            kw["mm_m_points"], kw["mm_t_points"] = self.table("mm_points", raw["mm_points"],
                                                              rating)
            kw["mm_derivation"] = "published minimum-melt points"
        elif "mm_time_factor" in raw:
            f = self.number("mm_time_factor", raw["mm_time_factor"])
            if np.isfinite(f) and f > 1:
                self.bad("mm_time_factor", "must be <= 1 (melting precedes clearing)",
                         "use e.g. 0.8")
            kw["mm_m_points"] = kw["m_points"]
            kw["mm_t_points"] = tuple(f * t for t in kw["t_points"])
            kw["mm_derivation"] = f"approximation: MM time = {f:g} x TC time at equal current"
        else:
            self.bad("mm_points", "a fuse needs minimum-melt data",
                     "add mm_points: {...} or mm_time_factor: 0.8 (an approximation)")
        if kw.get("mm_m_points") and kw.get("m_points") and kw["mm_m_points"][0] > \
                kw["m_points"][0] * (1 + 1e-9):
            self.bad("mm_points", "the minimum-melt table starts at a higher current than "
                     "the total-clearing table", "check the two tables (MM lies left of TC)")
        elif kw.get("mm_m_points") and kw.get("m_points") and "mm_points" in raw:
            self._melt_before_clear(kw["mm_m_points"], kw["mm_t_points"], kw["m_points"],
                                    kw["t_points"], kw["rating_a"])

    def _melt_before_clear(self, mm_m: tuple, mm_t: tuple, tc_m: tuple, tc_t: tuple,
                           rating_a: float) -> None:
        """A maker's MM table must lie at or below its TC table wherever both have data
        (clearing time = melting time + arcing time, ANSI C37.40 definitions): each table's
        points against the other's log–log interpolation; the first crossing is reported."""
        cross = [(m, t, r) for m, t, r in _against(mm_m, mm_t, tc_m, tc_t) if t > r * _ABOVE]
        cross += [(m, r, t) for m, t, r in _against(tc_m, tc_t, mm_m, mm_t) if r > t * _ABOVE]
        if cross:
            m, t_mm, t_tc = min(cross)
            self.bad("mm_points", f"minimum melt ({t_mm:.4g} s) is longer than total clearing "
                     f"({t_tc:.4g} s) at {m * rating_a:.4g} A ({m:.4g} × rating): a link melts "
                     "before it clears",
                     "check both tables against the maker's TCC (MM lies left of TC; both "
                     "in the same unit, multiples of rating_a or amperes)")

    def _arcing(self, raw: Mapping[str, Any]) -> tuple[float, float, float, str] | None:
        """``(nominal, low, high, source)`` of ``arcing_time_s`` (s), None when bad."""
        arc = raw.get("arcing_time_s")
        if not isinstance(arc, Mapping) or not {"nominal", "low", "high", "source"} <= set(arc):
            self.bad("arcing_time_s", "must be {nominal, low, high, source}",
                     "e.g. {nominal: 0.0083, low: 0.0, high: 0.0167, source: ...}")
            return None
        nom, low, high = (self.number(f"arcing_time_s.{k}", arc[k], strict=False)
                          for k in ("nominal", "low", "high"))
        if np.isnan([nom, low, high]).any():  # each bad number is named already
            return None
        if not low <= nom <= high:
            self.bad("arcing_time_s", "needs low <= nominal <= high", "fix the bracket")
            return None
        return nom, low, high, str(arc["source"])

    def _gate_link(self, raw: Mapping[str, Any], kw: dict, rating: float) -> None:
        """IEC 60269 gG link from its gates: a band between the minimum pre-arcing and the
        maximum operating points, log–log between them (protv2g's interpolation)."""
        for key in ("tc_points", "mm_points", "mm_time_factor", "shape"):
            if key in raw:
                self.bad(key, "cannot be combined with gates",
                         "give either point tables or gates")
        gates = raw["gates"]
        if not isinstance(gates, Mapping) or set(gates) != {"min_pre_arcing", "max_operating"}:
            self.bad("gates", "must be {min_pre_arcing: {i_a|m, t_s}, max_operating: {i_a|m, "
                     "t_s}}", "see protv2g/relay_library/fuse_gg.yaml")
            return
        mm = self.table("gates.min_pre_arcing", gates["min_pre_arcing"], rating)
        mx = self.table("gates.max_operating", gates["max_operating"], rating)
        arc = self._arcing(raw)
        if self.issues or not mm[0] or not mx[0] or arc is None:
            return
        if np.any(np.diff(mm[1]) >= 0) or np.any(np.diff(mx[1]) >= 0):
            self.bad("gates", "times must strictly decrease with current",
                     "order each table long time first")
            return
        late = [(m, t, r) for m, t, r in _against(mm[0], mm[1], mx[0], mx[1]) if t > r * _ABOVE]
        late += [(m, r, t) for m, t, r in _against(mx[0], mx[1], mm[0], mm[1]) if r > t * _ABOVE]
        if late:
            m, t, r = min(late)
            self.bad("gates.min_pre_arcing", f"the minimum pre-arcing time ({t:.4g} s) is "
                     f"longer than the maximum operating time ({r:.4g} s) at "
                     f"{m * rating:.4g} A", "check the two gate tables (minimum lies left)")
            return
        nom, low, high, source = arc
        kw["mm_m_points"], kw["mm_t_points"] = mm
        kw["mm_asymptote_m"] = table_asymptote_m(*mm)
        kw["mx_m_points"], kw["mx_t_points"] = mx
        kw["mx_asymptote_m"] = kw["tc_asymptote_m"] = table_asymptote_m(*mx)
        kw["m_points"] = mx[0]
        kw["t_points"] = tuple(x + nom for x in mx[1])
        kw["arcing_time_s"], kw["arcing_time_range_s"] = nom, (low, high)
        kw["arcing_source"] = source
        kw["mm_derivation"] = ("minimum melt through the standard's minimum pre-arcing gates, "
                               "log–log between them (protv2g's interpolation)")

    def _standard_link(self, raw: Mapping[str, Any], kw: dict, rating: float) -> None:
        """EEI-NEMA link from its published melting-current ranges."""
        for key in ("tc_points", "mm_points", "mm_time_factor"):
            if key in raw:
                self.bad(key, "cannot be combined with melting_ranges",
                         "give either point tables or melting_ranges")
        rng = raw["melting_ranges"]
        keys = ("t_s", "min_a", "max_a")
        if not isinstance(rng, Mapping) or set(rng) != set(keys) or not all(
                isinstance(rng[k], list) and len(rng[k]) == 3 for k in keys):
            self.bad("melting_ranges", "must be {t_s: [3 times], min_a: [3], max_a: [3]}",
                     "write melting_ranges: {t_s: [300, 10, 0.1], min_a: [...], max_a: [...]}")
            return
        vals = {k: [self.number(f"melting_ranges.{k}[{j}]", v) for j, v in enumerate(rng[k])]
                for k in keys}
        if self.issues or not np.isfinite(rating):
            return
        t, lo, hi = (np.array(vals[k]) for k in keys)
        if np.any(np.diff(t) >= 0) or np.any(np.diff(lo) <= 0) or np.any(np.diff(hi) <= 0):
            self.bad("melting_ranges", "times must decrease and currents increase",
                     "order the anchors long time first: t_s: [300, 10, 0.1]")
            return
        if np.any(lo >= hi):
            self.bad("melting_ranges.max_a", "each maximum must exceed its minimum",
                     "check the table row")
            return
        shape = raw.get("shape")
        if not isinstance(shape, Mapping) or "m" not in shape:
            self.bad("shape", "is required with melting_ranges: a normalised curve "
                     "{m: [...], t_s: [...]}", "use the Klink or Tlink shape (see fuse_links)")
            return
        sm, st = self.table("shape", shape, None)
        arc = self._arcing(raw)
        if self.issues or not sm or arc is None:
            return
        nom, low, high, arc_source = arc
        try:
            mm = standard_melting_nodes(t, lo, rating, sm, st)
            mx = standard_melting_nodes(t, hi, rating, sm, st)
        except ValueError as exc:
            self.bad("melting_ranges", str(exc), "check the anchors against the shape")
            return
        kw["mm_m_points"], kw["mm_t_points"], kw["mm_asymptote_m"] = mm
        kw["mx_m_points"], kw["mx_t_points"], kw["mx_asymptote_m"] = mx
        kw["m_points"] = mx[0]
        kw["t_points"] = tuple(x + nom for x in mx[1])
        kw["tc_asymptote_m"] = mx[2]
        kw["arcing_time_s"], kw["arcing_time_range_s"] = nom, (low, high)
        kw["arcing_source"] = arc_source
        kw["melting_ranges"] = tuple(zip(t.tolist(), lo.tolist(), hi.tolist(), strict=True))
        kw["shape_source"] = "normalised shape " + ", ".join(
            f"({m:g}, {s:g} s)" for m, s in zip(sm, st, strict=True))
        kw["mm_derivation"] = ("minimum melt through the lower ends of the published "
                               "melting-current ranges")
