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
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from protv2g.devices.boundary import sparse_segments
from protv2g.devices.curve_family import CurveFamily
from protv2g.devices.curve_parser import CurveParser
from protv2g.devices.fuse_curves import table_asymptote_m
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
    "YAML_SAFE_LOADER",
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
    minimum melt, ``mx_*`` = maximum melt).  Units are in the field names (``_s`` seconds,
    ``_a`` amperes).

    Fuses: ``*_asymptote_m`` is the minimum melting current (multiple) of each curve's
    long-time tail; with ``mx_*`` nodes and ``arcing_time_s`` the total clearing time is
    maximum melt + arcing (``m_points``/``t_points`` then hold the same curve as nodes, for
    display). ``melting_ranges`` keeps the published anchors ``(t_s, min_a, max_a)``.

    Reclosers: ``clearing_adder_s`` is the mechanism/interrupting time the curve data
    assume to be added to the table time (``None``: the source does not say).
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
    #: IEC 60255-151 G_D as a multiple of the setting: the dependent-time curve ends there,
    #: a definite time (its time at G_D) above; None: :data:`protv2g.devices.curves.IEC_GD_M`
    gd_m: float | None = None
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
    mm_asymptote_m: float | None = None
    tc_asymptote_m: float | None = None
    mx_m_points: tuple[float, ...] = ()
    mx_t_points: tuple[float, ...] = ()
    mx_asymptote_m: float | None = None
    arcing_time_s: float | None = None
    arcing_time_range_s: tuple[float, float] | None = None
    arcing_source: str = ""
    melting_ranges: tuple[tuple[float, float, float], ...] = ()
    shape_source: str = ""
    clearing_adder_s: float | None = None
    clearing_adder_source: str = ""
    notes: str = ""
    file: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # Fuse curves built by hand (e.g. OpenDSS imports) get their long-time asymptotes
        # from the first segment's slope, as library files do.
        if self.kind is DeviceKind.FUSE:
            if self.mm_asymptote_m is None and len(self.mm_m_points) >= 2:
                object.__setattr__(self, "mm_asymptote_m",
                                   table_asymptote_m(self.mm_m_points, self.mm_t_points))
            if self.tc_asymptote_m is None and len(self.m_points) >= 2:
                object.__setattr__(self, "tc_asymptote_m",
                                   table_asymptote_m(self.m_points, self.t_points))

    @property
    def sparse_segments(self) -> list[tuple[float, float]]:
        """Stretches of the (total-clearing / operate) table too sparse to trust."""
        if self.family is not CurveFamily.POINTS or len(self.m_points) < 2:
            return []
        return sparse_segments(self.m_points, self.t_points)


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
        close = _nearest_ratings(key, list(self._index)) or difflib.get_close_matches(
            key, list(self._index), n=12, cutoff=0.5)
        unique = list(dict.fromkeys(self._index[k] for k in close))[:5]
        closest = ", ".join(unique) or ", ".join(self.names()[:8]) + ", …"
        msg = f"unknown curve {name!r}; closest names: {closest}"
        if key in NOT_SHIPPED:
            msg += (f". No public point data was found for {NOT_SHIPPED[key]}, so it is not "
                    "shipped (see relay_library/README.md)")
        raise UnknownCurveError(Issue(
            "curve library", "curve", msg,
            "use a name from `protv2g curves list`, or add a YAML file to a directory named "
            "in the study's `library:` list (`protv2g curves --library DIR`, "
            "`load_library(extra_dirs=[DIR])` in a script)"))

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


#: PyYAML's safe loader, in C (libyaml) when available: YAML loads ~5× faster (library,
#: rules, study files; the same objects and error marks as the pure-Python SafeLoader).
YAML_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_file(path: Path) -> tuple[list[Curve], list[Issue]]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_SAFE_LOADER)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        return [], [Issue(str(path), "", f"cannot read YAML ({exc})", "fix the YAML syntax")]
    if isinstance(doc, Mapping) and "rules" in doc and "curves" not in doc:
        return [], []  # a rule table (protv2g.devices.rules), not curves
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
        p = CurveParser(str(path), w, raw)
        kw = p.parse()
        issues += p.issues
        if kw is not None:
            curves.append(Curve(**kw))
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


_RATED = re.compile(r"^(\d+(?:\.\d+)?)([a-z]+)$")


def _nearest_ratings(key: str, names: list[str]) -> list[str]:
    """For a rated link name (``45k``: rating and speed letter), the names of the same letter
    nearest in rating (ratio, nearest first): ``40k, 50k, 30k, 65k`` — by spelling, 65K came
    first (review s15/s16). Empty for any other name."""
    m = _RATED.match(key)
    if m is None:
        return []
    rating, letter = float(m.group(1)), m.group(2)
    rated = [(abs(math.log(float(n.group(1)) / rating)), k) for k in names
             if (n := _RATED.match(k)) is not None and n.group(2) == letter
             and float(n.group(1)) > 0]
    return [k for _, k in sorted(rated)]
