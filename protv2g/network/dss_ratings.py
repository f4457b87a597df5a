"""Where each OpenDSS line's normal rating (``normamps``) comes from: the script, or the default.

OpenDSS gives every line a ``normamps`` whether the model states one or not: a line takes it
from its own definition, else from its ``linecode`` (or its ``geometry``, which defaults to the
ampacity of its first conductor's ``wiredata``), else OpenDSS's default of **400 A** (OpenDSS
Reference Guide, Line and LineCode objects: "NormAmps … Default is 400"; LineGeometry:
"NormAmps … Defaults to first conductor if not specified"). The compiled circuit cannot tell
the two apart — a loading of 130 % on a line rated by that default is a finding about the
default, not about the conductor — so this module reads the script text itself.

:func:`line_rating_sources` follows ``Redirect``/``Compile`` as OpenDSS does (paths relative to
the file that names them, case-insensitively: :func:`protv2g.network.opendss_script
.resolve_file`), joins ``~``/``More`` continuations, drops ``!``/``//`` and ``/* */``
comments, and reads ``New``/``Edit`` of ``Line``, ``LineCode``, ``LineGeometry`` and
``WireData`` (also ``Like=``, and ``BatchEdit Line..<regex> normamps=…``). A pure text reader:
nothing is compiled.

:func:`transformer_rating_sources` does the same for each transformer's ``normhkva``
(``Transformer``, ``XfmrCode``; OpenDSS's default is 110 % of the first winding's kVA).

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — Line, LineCode, LineGeometry, WireData, Transformer, XfmrCode
properties; command syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from protv2g.network.opendss_script import resolve_file

__all__ = ["DSS_DEFAULT_NORMAMPS_A", "DSS_DEFAULT_NORMHKVA_FRACTION", "RatingSource",
           "line_rating_sources", "transformer_rating_sources", "DEFAULT_RATED_LINES",
           "DEFAULT_RATED_TRANSFORMERS", "default_rated_lines", "default_rated_transformers"]

#: OpenDSS's default ``normamps`` of a Line / LineCode, A (Reference Guide, Line object).
DSS_DEFAULT_NORMAMPS_A = 400.0
#: OpenDSS's default ``normhkva`` of a Transformer, as a fraction of its first winding's kVA
#: (Reference Guide, Transformer object: "Defaults to 110% of kVA rating of Winding 1").
DSS_DEFAULT_NORMHKVA_FRACTION = 1.1


class RatingSource(StrEnum):
    """Where a line's ``normamps`` was set."""

    LINE = "line"
    LINECODE = "linecode"
    GEOMETRY = "geometry"
    WIREDATA = "wiredata"
    DEFAULT = "default"


#: :meth:`~protv2g.network.dss_model.DssModel.derived` key of :func:`default_rated_lines`
#: (:mod:`protv2g.checks.flow_series` caches the same set under it).
DEFAULT_RATED_LINES = "lines rated by default"
#: :meth:`~protv2g.network.dss_model.DssModel.derived` key of
#: :func:`default_rated_transformers`.
DEFAULT_RATED_TRANSFORMERS = "transformers rated by default"

_CLASSES = {"line", "linecode", "linegeometry", "wiredata"}
_OBJ = re.compile(r"^(new|edit)\s+(?:object\s*=\s*)?([a-z]+)\.(\S+)\s*(.*)$", re.I)
_BATCH = re.compile(r"^batchedit\s+line\.\.(\S+)\s*(.*)$", re.I)
_PROP = re.compile(r"([a-z0-9_]+)\s*=\s*(\"[^\"]*\"|'[^']*'|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|\S+)",
                   re.I)
_BLOCK = re.compile(r"/\*.*?\*/", re.S)


def _props(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in _PROP.findall(text):
        out[key.lower()] = value.strip("\"'[](){} ").lower()
    return out


def _logical_lines(path: Path, depth: int = 0) -> list[str]:
    """The script's commands with continuations joined and nested files inlined."""
    if depth > 20:
        return []
    try:
        text = _BLOCK.sub("", path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []
    out: list[str] = []
    for raw in text.splitlines():
        line = re.split(r"!|//", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        first = line.split(None, 1)[0].lower()
        if line.startswith("~") and out:
            out[-1] += " " + line[1:]
            continue
        if first == "more" and out:
            out[-1] += " " + line[4:]
            continue
        if first in ("redirect", "compile") and " " in line:
            target = resolve_file(line.split(None, 1)[1].strip().strip("\"'"), path.parent)
            if target is not None:
                out += _logical_lines(target, depth + 1)
            continue
        out.append(line)
    return out


def line_rating_sources(master: str | Path, redirects: Sequence[str | Path] = ()
                        ) -> pd.DataFrame:
    """Each line of an OpenDSS script and where its ``normamps`` comes from.

    Parameters
    ----------
    master : path
        The master file.
    redirects : sequence of path
        Further scripts run after it (as ``load_dss_model`` runs them).

    Returns
    -------
    DataFrame
        Index ``line`` (``"line.<name>"``, lower case, as the flow tables name elements);
        columns ``source`` (:class:`RatingSource` value) and ``normamps_a`` (the stated value,
        A; :data:`DSS_DEFAULT_NORMAMPS_A` where defaulted; NaN where the stated value is an
        expression).

    Examples
    --------
    >>> t = line_rating_sources("IEEE8500/Master.dss")  # doctest: +SKIP
    >>> t.source.value_counts()["default"]  # doctest: +SKIP
    2413
    """
    lines: list[str] = []
    for p in (master, *redirects):
        lines += _logical_lines(Path(p))
    codes: dict[str, float] = {}          # linecode / geometry / wiredata with normamps
    geo_wires: dict[str, list[str]] = {}  # geometry → its wiredata names
    own: dict[str, tuple[str, float]] = {}
    ref: dict[str, tuple[str, str]] = {}  # line → (class, code name) it takes its rating from
    for line in lines:
        m = _OBJ.match(line)
        if m is None:
            b = _BATCH.match(line)
            if b is not None and "normamps" in (pr := _props(b.group(2))):
                pat = re.compile(b.group(1), re.I)
                for name in list(own) + list(ref):
                    if pat.fullmatch(name) or pat.match(name):
                        own[name] = (RatingSource.LINE.value, _num(pr["normamps"]))
            continue
        cls, name, rest = m.group(2).lower(), m.group(3).lower(), m.group(4)
        if cls not in _CLASSES:
            continue
        pr = _props(rest)
        if cls == "line":
            if "like" in pr:
                src = pr["like"].split(".", 1)[-1]
                if src in own:
                    own[name] = own[src]
                if src in ref:
                    ref[name] = ref[src]
            if "linecode" in pr:
                ref[name] = ("linecode", pr["linecode"])
                if "normamps" not in pr:  # a linecode sets the line's rating anew
                    own.pop(name, None)
            if "geometry" in pr:
                ref[name] = ("linegeometry", pr["geometry"])
            if "normamps" in pr:
                own[name] = (RatingSource.LINE.value, _num(pr["normamps"]))
            ref.setdefault(name, ("", ""))
        else:
            if cls == "linegeometry":
                wires = [w for k, v in pr.items() if k in ("wire", "wires", "cncable",
                                                          "tscable", "cncables", "tscables")
                         for w in re.split(r"[\s,]+", v) if w]
                if wires:
                    geo_wires[name] = wires
            if "normamps" in pr:
                codes[f"{cls}.{name}"] = _num(pr["normamps"])
    rows = []
    for name, (cls, code) in ref.items():
        if name in own:
            src, amps = own[name]
        elif cls and f"{cls}.{code}" in codes:
            src = RatingSource.LINECODE if cls == "linecode" else RatingSource.GEOMETRY
            amps = codes[f"{cls}.{code}"]
        elif cls == "linegeometry" and geo_wires.get(code) and \
                f"wiredata.{geo_wires[code][0]}" in codes:
            src, amps = RatingSource.WIREDATA, codes[f"wiredata.{geo_wires[code][0]}"]
        else:
            src, amps = RatingSource.DEFAULT, DSS_DEFAULT_NORMAMPS_A
        rows.append((f"line.{name}", RatingSource(src).value, amps))
    out = pd.DataFrame(rows, columns=["line", "source", "normamps_a"]).set_index("line")
    return out[~out.index.duplicated(keep="last")]


def transformer_rating_sources(master: str | Path, redirects: Sequence[str | Path] = ()
                               ) -> pd.DataFrame:
    """Each transformer of an OpenDSS script and where its ``normhkva`` comes from.

    A transformer states its normal rating ``normhkva`` itself, takes it from its
    ``xfmrcode`` (``New``/``Edit`` ``XfmrCode``, also ``Like=``), or OpenDSS rates it at
    **110 %** of its first winding's kVA (:data:`DSS_DEFAULT_NORMHKVA_FRACTION`; OpenDSS
    Reference Guide, Transformer object: "NormHkVA … Defaults to 110% of kVA rating of
    Winding 1"). Its loading (``PctNorm``, C12) then rests on that default.

    Returns
    -------
    DataFrame
        Index ``transformer`` (``"transformer.<name>"``, lower case); columns ``source``
        (``"transformer"``, ``"xfmrcode"`` or :attr:`RatingSource.DEFAULT` value) and
        ``normhkva_kva`` (the stated value; NaN where defaulted or an expression).

    Examples
    --------
    >>> t = transformer_rating_sources("feeders/opendss_example/Master.dss")  # doctest: +SKIP
    """
    lines: list[str] = []
    for p in (master, *redirects):
        lines += _logical_lines(Path(p))
    codes: dict[str, float] = {}
    own: dict[str, tuple[str, float]] = {}
    ref: dict[str, str] = {}
    for line in lines:
        m = _OBJ.match(line)
        if m is None:
            b = re.match(r"^batchedit\s+transformer\.\.(\S+)\s*(.*)$", line, re.I)
            if b is not None and "normhkva" in (pr := _props(b.group(2))):
                pat = re.compile(b.group(1), re.I)
                for name in list(ref):
                    if pat.fullmatch(name) or pat.match(name):
                        own[name] = ("transformer", _num(pr["normhkva"]))
            continue
        cls, name, pr = m.group(2).lower(), m.group(3).lower(), _props(m.group(4))
        if cls == "xfmrcode":
            if "like" in pr and pr["like"].split(".", 1)[-1] in codes:
                codes.setdefault(name, codes[pr["like"].split(".", 1)[-1]])
            if "normhkva" in pr:
                codes[name] = _num(pr["normhkva"])
            continue
        if cls != "transformer":
            continue
        if "like" in pr:
            src = pr["like"].split(".", 1)[-1]
            if src in own:
                own[name] = own[src]
            if ref.get(src):
                ref[name] = ref[src]
        if "xfmrcode" in pr:
            ref[name] = pr["xfmrcode"]
            if "normhkva" not in pr:
                own.pop(name, None)
        if "normhkva" in pr:
            own[name] = ("transformer", _num(pr["normhkva"]))
        ref.setdefault(name, "")
    rows = []
    for name, code in ref.items():
        if name in own:
            rows.append((f"transformer.{name}", *own[name]))
        elif code and code in codes:
            rows.append((f"transformer.{name}", "xfmrcode", codes[code]))
        else:
            rows.append((f"transformer.{name}", RatingSource.DEFAULT.value, float("nan")))
    return pd.DataFrame(rows, columns=["transformer", "source", "normhkva_kva"]
                        ).set_index("transformer")


def _num(text: str) -> float:
    try:
        return float(text.split()[0])
    except (ValueError, IndexError):
        return float("nan")


def default_rated_lines(model: Any) -> frozenset[str]:
    """The lines of ``model``'s scripts whose ``normamps`` is OpenDSS's default (lower-case
    ``"line.<name>"``, :func:`line_rating_sources`), read once for the model and every model
    made from it (:data:`~protv2g.network.dss_model.SCRIPT_KEYS`; #21: the checks' flow series
    and the run's stand-in inputs each read the IEEE 8500's scripts for them)."""
    return model.derived(DEFAULT_RATED_LINES, lambda m: _defaulted(
        line_rating_sources(m.source, m.redirects)))


def default_rated_transformers(model: Any) -> frozenset[str]:
    """The transformers of ``model``'s scripts whose ``normhkva`` is OpenDSS's default
    (lower-case ``"transformer.<name>"``, :func:`transformer_rating_sources`), read once as
    :func:`default_rated_lines`."""
    return model.derived(DEFAULT_RATED_TRANSFORMERS, lambda m: _defaulted(
        transformer_rating_sources(m.source, m.redirects)))


def _defaulted(table: pd.DataFrame) -> frozenset[str]:
    return frozenset(table.index[table.source == RatingSource.DEFAULT.value])
