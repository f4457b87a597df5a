"""Tests of the curve library loader (protv2g.devices.library) and the shipped data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from protv2g.devices.library import (
    LIBRARY_DIR,
    CurveLibrary,
    UnknownCurveError,
    default_library,
    load_library,
    normalise_name,
)
from protv2g.errors import InputError

LIB = default_library()
PREFERRED = [6, 10, 15, 25, 40, 65, 100, 140, 200]
NON_PREFERRED = [8, 12, 20, 30, 50, 80]


def _write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_default_library_contents():
    names = set(LIB.names())
    for n in ["IEEE-MI", "IEEE-VI", "IEEE-EI", "IEC-SI", "IEC-VI", "IEC-EI", "IEC-LTI",
              "IEC-STI", "U1", "U2", "U3", "U4", "U5", "DT",
              "101", "104", "106", "117", "133", "135"]:
        assert n in names
    for r in PREFERRED + NON_PREFERRED:
        assert f"{r}K" in names and f"{r}T" in names
    assert default_library() is LIB  # cached
    assert all(c.source for c in LIB)


@pytest.mark.parametrize("alias, name", [
    ("A", "101"), ("a-101", "101"), ("101/A", "101"), ("N", "104"), ("B", "117"),
    ("C", "133"), ("4", "106"), ("2", "135"), ("ieee vi", "IEEE-VI"), ("IEEE_VI", "IEEE-VI"),
    ("vi", "IEEE-VI"), ("c1", "IEC-SI"), ("IEC curve A", "IEC-SI"), ("u3", "U3"),
    ("k65", "65K"), ("65k", "65K"), ("definite time", "DT"),
])
def test_aliases_case_insensitive(alias, name):
    assert LIB.get(alias) is LIB.get(name)
    assert alias in LIB


def test_unknown_name_lists_closest():
    with pytest.raises(UnknownCurveError) as exc:
        LIB.get("IEEE-VX")
    assert isinstance(exc.value, KeyError) and isinstance(exc.value, InputError)
    msg = str(exc.value)
    assert "IEEE-VI" in msg and "closest" in msg and "Fix:" in msg


@pytest.mark.parametrize("name", ["116", "D", "102"])
def test_curves_without_public_data_say_so(name):
    with pytest.raises(UnknownCurveError, match="No public point data"):
        LIB.get(name)
    readme = (LIBRARY_DIR / "README.md").read_text()
    assert "116" in readme and "102" in readme and "Not shipped" in readme


def test_fuse_curves_from_published_melting_ranges():
    # Until #17 every rating was OpenDSS's normalised Klink scaled by the rating, with
    # MM = 0.8 x TC; now each link has its own EEI-NEMA melting-current ranges.
    k65, k10 = LIB.get("65K"), LIB.get("10K")
    assert k65.rating_a == pytest.approx(65.0) and k10.rating_a == pytest.approx(10.0)
    assert k65.melting_ranges == ((300.0, 128.0, 153.0), (10.0, 159.0, 237.0),
                                  (0.1, 918.0, 1100.0))
    assert LIB.get("200T").melting_ranges[0][0] == pytest.approx(600.0)  # > 100 A: 600 s
    assert k65.mm_m_points != k10.mm_m_points
    assert k65.arcing_time_s == pytest.approx(0.0083) and k65.arcing_time_range_s == (0.0, 0.0167)
    assert "ANSI C37.43" in k65.source and "(2.2, 20 s)" in k65.shape_source
    text = (LIBRARY_DIR / "fuse_links.yaml").read_text()
    assert "melting_ranges" in text and "mm_time_factor" not in text


def test_table_for_curves_list():
    df = LIB.table()
    assert {"name", "kind", "family", "source"} <= set(df.columns)
    assert len(df) == len(LIB)
    assert df["name"].tolist()[:1] == LIB.names()[:1]
    assert LIB.names("fuse")[:3] == ["6K", "6T", "8K"]  # natural order


def test_normalise_name():
    assert normalise_name("  IEEE  very_inverse ") == "ieee-very-inverse"


def test_user_directory_adds_curves(tmp_path):
    _write(tmp_path, "mine.yaml", """
        curves:
          - name: MY-VI
            aliases: [my very inverse]
            kind: relay
            family: ieee
            constants: {a_s: 3.922, b_s: 0.0982, p: 2.0}
            source: test
          - name: 25K-MFR
            kind: fuse
            family: points
            rating_a: 25
            mm_points: {i_a: [50, 100, 1000], t_s: [300, 5, 0.03]}
            tc_points: {i_a: [60, 120, 1200], t_s: [300, 5, 0.04]}
            source: test table
        """)
    lib = load_library(extra_dirs=[tmp_path])
    assert lib.get("my very inverse").name == "MY-VI"
    assert "IEEE-VI" in lib and len(lib) == len(LIB) + 2
    f = lib.get("25k-mfr")
    assert f.mm_m_points[0] == pytest.approx(2.0) and f.m_points[0] == pytest.approx(2.4)
    assert "MY-VI" not in default_library()


def test_single_entry_file(tmp_path):
    _write(tmp_path, "one.yml", """
        name: MY-DT
        kind: relay
        family: definite
        constants: {delay_s: 0.25}
        source: test
        """)
    assert load_library([tmp_path]).get("my dt").delay_s == pytest.approx(0.25)


@pytest.mark.parametrize("body, field, fix", [
    ("constants: {a_s: -1, b_s: 0.1, p: 2}", "constants.a_s", "number >"),
    ("constants: {a_s: 1, b_s: 0.1}", "constants.p", "add constants.p"),
    ("constants: {a_s: 1, b_s: 0.1, p: 2, tms: 3}", "constants.tms", "allowed"),
    ("constants: {a_s: 1, b_s: 0.1, p: 2}\n  colour: red", "colour", "allowed fields"),
])
def test_bad_user_field_names_file_field_and_fix(tmp_path, body, field, fix):
    path = _write(tmp_path, "bad.yaml", f"""
curves:
- name: BAD
  kind: relay
  family: ieee
  source: test
  {body}
""")
    with pytest.raises(InputError) as exc:
        load_library([tmp_path])
    msg = str(exc.value)
    assert str(path) in msg and field in msg and "Fix:" in msg and fix in msg


def test_bad_points_and_kind_and_family(tmp_path):
    _write(tmp_path, "bad.yaml", """
        curves:
          - {name: P1, kind: recloser, family: points, source: s,
             points: {m: [1, 3, 2], t_s: [1, 0.5, 0.2]}}
          - {name: P2, kind: recloser, family: points, source: s,
             points: {m: [1, 2, 3], t_s: [1, 2, 0.2]}}
          - {name: P3, kind: breaker, family: points, source: s}
          - {name: P4, kind: relay, family: spline, source: s}
          - {name: P5, kind: fuse, family: points, source: s, rating_a: 10,
             tc_points: {m: [2, 3], t_s: [10, 1]}}
          - {kind: relay, family: ieee, source: s}
        """)
    with pytest.raises(InputError) as exc:
        load_library([tmp_path])
    fields = [i.field for i in exc.value.issues]
    assert any("P1" in f and f.endswith("points.m") for f in fields)
    assert any("P2" in f and f.endswith("points.t_s") for f in fields)
    assert any(f.endswith("kind") for f in fields)
    assert any(f.endswith("family") for f in fields)
    assert any(f.endswith("mm_points") for f in fields)
    assert any(f.endswith("name") for f in fields)
    assert len(exc.value.issues) == 6  # every problem at once


def test_duplicate_name_yaml_error_and_missing_dir(tmp_path):
    _write(tmp_path, "dup.yaml", """
        curves:
          - {name: my-a, aliases: [ieee vi], kind: relay, family: definite, source: s,
             constants: {delay_s: 1}}
        """)
    with pytest.raises(InputError, match="already used by 'IEEE-VI'"):
        load_library([tmp_path])
    bad = tmp_path / "syntax"
    bad.mkdir()
    _write(bad, "x.yaml", "curves: [ {name: \n")
    with pytest.raises(InputError, match="YAML"):
        load_library([bad])
    with pytest.raises(InputError, match="does not exist"):
        load_library([tmp_path / "nope"])


def test_library_constructor_rejects_duplicates():
    c = LIB.get("IEEE-VI")
    with pytest.raises(InputError):
        CurveLibrary([c, c.__class__(**{**c.__dict__, "name": "OTHER"})])
