"""Curve library: load relay, recloser and fuse curves from YAML files by name.

The built-in data live in ``protv2g/relay_library/`` (package data); the schema
is documented in ``protv2g/relay_library/README.md``.  Users add curves by passing directories
of YAML files (``load_library(extra_dirs=[...])``, CLI ``--library DIR``).

Names and aliases are case-insensitive, and spaces, ``_``, ``-`` and ``/`` are
interchangeable (``"ieee vi"`` == ``"IEEE-VI"``).  An unknown name raises
:class:`UnknownCurveError` listing the closest names.
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from protv2g.devices.curves import CurveFamily
from protv2g.errors import InputError, Issue
from protv2g.units import DeviceKind

__all__ = [
    "Curve",
    "CurveLibrary",
    "UnknownCurveError",
    "LIBRARY_DIR",
    "load_library",
    "default_library",
    "normalise_name",
]

#: Directory of the built-in curve data.
#: The built-in library: package data (``protv2g/relay_library/``), found through
#: :mod:`importlib.resources` so that an installed wheel has it too.
LIBRARY_DIR = Path(str(importlib.resources.files("protv2g") / "relay_library"))

#: Curves named in issue #3 for which no public point data could be found.
NOT_SHIPPED = {
    "102": "recloser curve 102 ('1')",
    "1": "recloser curve 102 ('1')",
    "116": "recloser curve 116 ('D')",
    "d": "recloser curve 116 ('D')",
}

_CONSTANT_KEYS = {
    CurveFamily.IEEE: ({"a_s", "b_s", "p"}, {"tr_s", "reset_exponent"}),
    CurveFamily.IEC: ({"k_s", "alpha"}, {"tr_s", "reset_exponent"}),
    CurveFamily.DEFINITE: ({"delay_s"}, set()),
    CurveFamily.POINTS: (set(), set()),
}
_COMMON_KEYS = {"name", "aliases", "kind", "family", "standard", "source", "notes"}
_FAMILY_KEYS = {
    CurveFamily.IEEE: {"constants", "reset_source"},
    CurveFamily.IEC: {"constants", "reset_source"},
    CurveFamily.DEFINITE: {"constants"},
    CurveFamily.POINTS: {"points", "rating_a", "tc_points", "mm_points", "mm_time_factor"},
}


def normalise_name(name: str) -> str:
    """Case-fold a curve name and make space, ``_``, ``-`` and ``/`` equivalent."""
    return re.sub(r"[\s_\-/]+", "-", str(name).strip().casefold()).strip("-")


def _natural_key(name: str) -> tuple:
    """Sort key putting ``6K`` before ``10K`` (digits compared as numbers)."""
    parts = re.split(r"(\d+(?:\.\d+)?)", name.casefold())
    return tuple((0, float(x), "") if i % 2 else (1, 0.0, x) for i, x in enumerate(parts))


@dataclass(frozen=True)
class Curve:
    """One time-current characteristic from the library.

    Relay and recloser curves are in multiples of pickup / minimum trip; fuse curves are
    in multiples of ``rating_a`` (``m_points``/``t_points`` = total clearing, ``mm_*`` =
    minimum melt).  Units are in the field names (``_s`` seconds, ``_a`` amperes).
    """

    name: str
    kind: DeviceKind
    family: CurveFamily
    source: str
    standard: str = ""
    aliases: tuple[str, ...] = ()
    a_s: float | None = None
    b_s: float | None = None
    p: float | None = None
    k_s: float | None = None
    alpha: float | None = None
    delay_s: float | None = None
    tr_s: float | None = None
    reset_exponent: float = 2.0
    reset_source: str = ""
    m_points: tuple[float, ...] = ()
    t_points: tuple[float, ...] = ()
    rating_a: float | None = None
    mm_m_points: tuple[float, ...] = ()
    mm_t_points: tuple[float, ...] = ()
    mm_derivation: str = ""
    notes: str = ""
    file: str = field(default="", compare=False)


class UnknownCurveError(InputError, KeyError):
    """A curve name that is not in the library; the message lists the closest names."""

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)


class CurveLibrary:
    """Curves indexed by normalised name and alias.

    Parameters
    ----------
    curves : iterable of Curve
        Curves; names and aliases must be unique after normalisation.

    Raises
    ------
    InputError
        If two curves share a name or alias (naming both files).
    """

    def __init__(self, curves: Iterable[Curve]):
        self._curves: dict[str, Curve] = {}
        self._index: dict[str, str] = {}
        issues = []
        for c in curves:
            for label in (c.name, *c.aliases):
                key = normalise_name(label)
                if key in self._index and self._index[key] != c.name:
                    other = self._curves[self._index[key]]
                    issues.append(Issue(
                        c.file, f"curve {c.name!r}",
                        f"name or alias {label!r} is already used by {other.name!r} in "
                        f"{other.file}", "give the curve a different name or alias"))
                    continue
                self._index[key] = c.name
            self._curves[c.name] = c
        if issues:
            raise InputError(issues)

    def get(self, name: str) -> Curve:
        """Return the curve called ``name`` (or one of its aliases).

        Raises
        ------
        UnknownCurveError
            (a ``KeyError`` and an ``InputError``) listing the closest existing names.
        """
        key = normalise_name(name)
        if key in self._index:
            return self._curves[self._index[key]]
        close = difflib.get_close_matches(key, list(self._index), n=12, cutoff=0.5)
        unique = list(dict.fromkeys(self._index[k] for k in close))[:5]
        closest = ", ".join(unique) or ", ".join(self.names()[:8]) + ", …"
        msg = f"unknown curve {name!r}; closest names: {closest}"
        if key in NOT_SHIPPED:
            msg += (f". No public point data was found for {NOT_SHIPPED[key]}, so it is not "
                    "shipped (see relay_library/README.md)")
        raise UnknownCurveError(Issue(
            "curve library", "curve", msg,
            "use a name from `protv2g curves list`, or add a YAML file to a directory "
            "passed with --library / load_library(extra_dirs=...)"))

    def names(self, kind: DeviceKind | str | None = None) -> list[str]:
        """Curve names (not aliases), sorted, optionally for one device kind."""
        want = None if kind is None else DeviceKind(kind)
        order = list(DeviceKind)
        return sorted((n for n, c in self._curves.items() if want is None or c.kind is want),
                      key=lambda n: (order.index(self._curves[n].kind), _natural_key(n)))

    def table(self) -> pd.DataFrame:
        """One row per curve: name, kind, family, standard, aliases, source, file."""
        rows = [{
            "name": c.name, "kind": c.kind.value, "family": c.family.value,
            "standard": c.standard, "aliases": ", ".join(c.aliases), "source": c.source,
            "file": c.file,
        } for c in (self._curves[n] for n in self.names())]
        return pd.DataFrame(rows, columns=["name", "kind", "family", "standard", "aliases",
                                           "source", "file"])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalise_name(name) in self._index

    def __iter__(self) -> Iterator[Curve]:
        return iter(self._curves[n] for n in self.names())

    def __len__(self) -> int:
        return len(self._curves)


# --------------------------------------------------------------------------- parsing
class _Parser:
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

    def parse(self) -> Curve | None:
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
        return None if self.issues else Curve(**kw)

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
        if kind is not DeviceKind.FUSE:
            if "points" not in raw:
                self.bad("points", "is required for a point-table curve",
                         "add points: {m: [...], t_s: [...]}")
                return
            kw["m_points"], kw["t_points"] = self.table("points", raw["points"], None)
            return
        rating = self.number("rating_a", raw.get("rating_a"))
        kw["rating_a"] = rating
        if "tc_points" not in raw:
            self.bad("tc_points", "is required for a fuse", "add tc_points: {m|i_a: [...], "
                     "t_s: [...]} (total clearing)")
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


def _load_file(path: Path) -> tuple[list[Curve], list[Issue]]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [], [Issue(str(path), "", f"cannot read YAML ({exc})", "fix the YAML syntax")]
    if isinstance(doc, Mapping) and "curves" in doc:
        entries, where = doc["curves"], "curves"
        extra = [k for k in doc if k != "curves" and not str(k).startswith("x-")]
        if extra:
            return [], [Issue(str(path), str(extra[0]), f"unknown top-level key(s) {extra}",
                              "keep only `curves:` (prefix YAML-anchor holders with `x-`)")]
    elif isinstance(doc, Mapping) and "name" in doc:
        entries, where = [doc], "curve"
    else:
        return [], [Issue(str(path), "curves", "the file has no `curves:` list",
                          "start the file with `curves:` followed by a list of entries")]
    if not isinstance(entries, list):
        return [], [Issue(str(path), "curves", "must be a list",
                          "write `curves:` then `- name: …`")]
    curves, issues = [], []
    for i, raw in enumerate(entries):
        w = f"{where}[{i}]" if where == "curves" else where
        if not isinstance(raw, Mapping):
            issues.append(Issue(str(path), w, "entry must be a mapping",
                                "see relay_library/README.md"))
            continue
        p = _Parser(str(path), w, raw)
        c = p.parse()
        issues += p.issues
        if c is not None:
            curves.append(c)
    return curves, issues


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load_dirs(dirs: Sequence[Path]) -> CurveLibrary:
    curves, issues = [], []
    for d in dirs:
        if not d.is_dir():
            issues.append(Issue(str(d), "", "curve library directory does not exist",
                                "pass an existing directory of *.yaml files"))
            continue
        for f in _yaml_files(d):
            c, i = _load_file(f)
            curves += c
            issues += i
    if issues:
        raise InputError(issues)
    return CurveLibrary(curves)


@functools.lru_cache(maxsize=1)
def default_library() -> CurveLibrary:
    """The built-in library from ``relay_library/`` (loaded once and cached)."""
    return _load_dirs([LIBRARY_DIR])


def load_library(extra_dirs: Iterable[str | Path] = ()) -> CurveLibrary:
    """Load the built-in curves plus every ``*.yaml``/``*.yml`` file in ``extra_dirs``.

    Parameters
    ----------
    extra_dirs : iterable of str or Path
        Directories with user curve files (same schema as ``relay_library/``).

    Returns
    -------
    CurveLibrary

    Raises
    ------
    InputError
        Listing every bad file and field (file, field path, message and fix), or a name
        that clashes with an existing curve.

    Examples
    --------
    >>> lib = load_library()
    >>> lib.get("u3").name
    'U3'
    """
    extra = [Path(d) for d in extra_dirs]
    if not extra:
        return default_library()
    return CurveLibrary([*default_library(), *_load_dirs(extra)])
