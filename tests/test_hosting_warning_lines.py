"""``protv2g hosting`` lists every distinct warning of its search on stderr, with its count
(review rev33a F3, EPRI ckt24: "6 distinct warning(s) during the search, e.g. RuntimeWarning:
…PLL… (9×)" — the other five were printed nowhere, not in the workbook either)."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pandas as pd

from protv2g.commands.hosting import _print, warning_lines

WARNINGS = [f"RuntimeWarning: warning number {k} (scenario …) ({k + 1}×)" for k in range(6)]


def _analysis() -> SimpleNamespace:
    return SimpleNamespace(
        table=pd.DataFrame({"site": [], "participation": [], "load_level": []}),
        warnings=list(WARNINGS), unevaluated={}, n_scenarios=3, n_engine_calls=1,
        seconds=1.0)


def _study() -> SimpleNamespace:
    return SimpleNamespace(name="s", document=SimpleNamespace(v2g_sites=[]))


def test_lines_name_each_warning_once_with_its_count():
    lines = warning_lines(WARNINGS)
    assert len(lines) == 6
    assert lines[0] == ("warning 1/6 during the hosting search: RuntimeWarning: warning "
                        "number 0 (scenario …) (1×)")
    assert lines[5].endswith("warning number 5 (scenario …) (6×)")
    assert warning_lines([]) == []


def test_all_six_on_stderr(capsys):
    for json_out in (False, True):
        args = argparse.Namespace(json=json_out, output=None)
        assert _print(args, _analysis(), _study(), None) == 0
        out, err = capsys.readouterr()
        for w in WARNINGS:
            assert err.count(w) == 1, (json_out, err)
            assert w not in out  # once, on stderr (review rev39a F1: the first twice)
        if not json_out:
            assert "6 distinct warning(s) during the search, each once on stderr" in out


def test_one_note_with_six_counts_is_one_line():
    """Review rev38a X1 (IEEE 8500, `hosting --site campus`): "6 distinct warning(s)" were one
    SliceNote with N = 27, 48, 65, 10, 20, 6 fault buses, each ~600 characters."""
    from protv2g.hosting import search
    from protv2g.hosting.warning_text import grouped_warnings

    note = ("SliceNote: {} fault bus(es) where the chargers' control cannot lock on to the grid "
            "voltage (…) (scenario …, min, 3ph)")
    counts = {note.format(n): k for n, k in ((27, 4), (48, 3), (65, 2), (10, 1), (20, 1),
                                             (6, 1))}
    counts["RuntimeWarning: warning number 3 (scenario …)"] = 2
    out = grouped_warnings(counts)
    assert len(out) == 2
    assert out[0] == (note.format("N") + " (12× in all: N = 27 (4×), 48 (3×), 65 (2×), 10 (1×), "
                      "20 (1×), 6 (1×))")
    assert out[1] == "RuntimeWarning: warning number 3 (scenario …) (2×)"
    assert search.grouped_warnings is grouped_warnings  # the search's list is this one
    args = argparse.Namespace(json=False, output=None)
    analysis = _analysis()
    analysis.warnings = out
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        _print(args, analysis, _study(), None)
    assert "2 distinct warning(s) during the search" in buf.getvalue()


def test_one_pll_note_over_every_slice_is_one_line():
    """Review rev39a F1 (EPRI DG feeder, ``hosting``): the PLL note came as 5 warnings, "…
    (scenario …, max, 3ph) (227×)", "… max, SLG) (75×)", "… max, LLG) (75×)", "… min, 3ph)
    (227×)" — one note, printed once per slice. Now one line with the count of cases."""
    from protv2g.hosting.warning_text import grouped_warnings, warning_key
    from protv2g.slice_note import SliceNote

    text = "{} fault bus(es) where the chargers' control cannot lock on to the grid voltage"
    counts: dict[str, int] = {}
    for n, case, ft, times in ((4, "max", "3ph", 227), (4, "max", "SLG", 75),
                               (3, "max", "LLG", 75), (4, "min", "3ph", 227)):
        for _ in range(times):
            key = warning_key("SliceNote", SliceNote(text.format(n), f"scenario x, {case}, {ft}"))
            counts[key] = counts.get(key, 0) + 1
    out = grouped_warnings(counts)
    assert out == [f"SliceNote: {text.format('N')} (604× in all: N = 4 (529×), 3 (75×))"]


def test_the_search_pll_notes_are_said_as_run_says_them(capsys):
    """Review rev41c F (depot, ``hosting``): "warning 1/1 during the hosting search:
    SliceNote: 9 fault bus(es) … (132×)"; the search keeps the PLL notes apart
    (``HostingAnalysis.pll_notes``) and the command prints them as ``run``'s ``note:`` line."""
    from types import SimpleNamespace

    from protv2g.commands.hosting import _pll_print
    from protv2g.slice_note import PllNote

    notes = [PllNote(f"scenario x{k}, max, 3ph", 8 + k % 2) for k in range(132)]
    _pll_print(SimpleNamespace(pll_notes=notes, warnings=[]))
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("note: up to 9 fault bus(es) in any one fault study (one "
                           "scenario, the maximum or minimum case, one fault type; 8–9 in "
                           "each of the 132 studies where it happens, a bus counted once in "
                           "each) where the chargers' control")
