"""Stage progress of ``protv2g run`` and ``protv2g hosting`` (#21): drawn on a terminal only;
nothing at all when stderr is a pipe or a file. The study's stages never print: ``run_study``
takes a callback."""

from __future__ import annotations

import io
import re
import sys

import pytest

import protv2g
import protv2g.hosting
from protv2g.cli import main
from protv2g.commands.progress import StageProgress
from protv2g.runner import RUN_STAGES

from .conftest import FEEDERS_DIR
from .test_report import _small_result

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_written_when_not_a_terminal():
    stream = io.StringIO()
    with StageProgress("run", ["load", "faults"], stream=stream) as progress:
        progress("load")
        progress("faults")
    assert stream.getvalue() == ""


def test_stages_shown_on_a_terminal(monkeypatch):
    monkeypatch.delenv("PROTV2G_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = _Terminal()
    with StageProgress("run", ["load", "faults"], stream=stream) as progress:
        progress("load")
        progress("faults")
        progress("extra")  # a stage not announced is still shown
    text = stream.getvalue()
    assert "protv2g run: load" in text and "protv2g run: faults" in text
    assert "protv2g run: extra" in text


def test_switched_off_on_a_terminal(monkeypatch):
    monkeypatch.setenv("PROTV2G_PROGRESS", "0")
    stream = _Terminal()
    with StageProgress("run", ["load"], stream=stream) as progress:
        progress("load")
    assert stream.getvalue() == ""


def test_plain_lines_on_request_when_not_a_terminal(monkeypatch):
    """Review s18: a user piping ``run``'s output on a utility feeder saw nothing for minutes;
    ``PROTV2G_PROGRESS=1`` gives one plain line per stage there (no bar, no carriage return),
    and changes nothing on a terminal."""
    monkeypatch.setenv("PROTV2G_PROGRESS", "1")
    stream = io.StringIO()
    with StageProgress("run", ["load", "faults"], stream=stream) as progress:
        progress("load")
        progress("faults")
        progress("extra")
    lines = stream.getvalue().splitlines()
    assert [ln.split(" at ")[0] for ln in lines] == [
        "protv2g run: load (1/2)", "protv2g run: faults (2/2)", "protv2g run: extra (3/3)"]
    assert all(ln.endswith(" s") for ln in lines) and "\r" not in stream.getvalue()
    monkeypatch.setenv("TERM", "xterm")
    term = _Terminal()
    with StageProgress("run", ["load"], stream=term) as progress:
        progress("load")
    assert "protv2g run: load" in term.getvalue() and "(1/1) at" not in term.getvalue()


def _fake_run(calls):
    """run_study's stand-in: reports its stages through the callback and returns a small
    hand-made result (this test is about the command's output, not the study)."""
    def run_study(study, *, hosting=False, staged=True, recommendations=False, progress=None):
        for stage in RUN_STAGES:
            if (stage != "hosting" or hosting) and (stage != "recommend" or recommendations):
                calls.append(stage)
                if progress:
                    progress(stage)
        return _small_result()
    return run_study


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_run_command_progress_only_on_a_terminal(monkeypatch, capsys, tmp_path, terminal):
    calls: list[str] = []
    monkeypatch.setattr(protv2g, "run_study", _fake_run(calls))
    monkeypatch.delenv("PROTV2G_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    code = main(["run", str(DEPOT), "--no-hosting", "-o", str(tmp_path / "r.xlsx")])
    gate = _small_result().meta.get("gate", {}).get("verdict")
    assert code == {"PASS": 0, "FAIL": 1}.get(gate, 2)  # run ends with its gate's exit code
    assert calls == ["faults", "flows", "checks", "gate"]
    assert "workbook:" in capsys.readouterr().out
    text = stderr.getvalue()
    if terminal:
        for stage in ("load", "faults", "flows", "checks", "gate", "workbook"):
            assert f"protv2g run: {stage}" in text
    else:
        assert "protv2g run" not in text and "\r" not in text


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_hosting_command_progress_and_error(monkeypatch, terminal):
    def fail(*args, **kwargs):
        raise RuntimeError("engine stopped")

    monkeypatch.setattr(protv2g.hosting, "hosting_analysis", fail)
    monkeypatch.delenv("PROTV2G_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["hosting", str(DEPOT)]) == 2
    text = stderr.getvalue()
    last = text.splitlines()[-1]
    assert last.endswith("error: hosting capacity could not be evaluated: RuntimeError: "
                         "engine stopped")
    if terminal:
        assert "protv2g hosting: hosting" in text
        assert last.startswith("error:") or "\r" in last  # the bar's line is cleared first
    else:
        assert text == last + "\n"


def test_hosting_search_reports_its_engine_calls(monkeypatch):
    """Review s25 §9: ``protv2g hosting`` on a utility feeder was silent for ≈ 3 minutes after
    "hosting (2/2)". The search now reports each engine call (its phase and export levels)
    through ``progress``; :meth:`StageProgress.detail` shows it after the stage's name, as a
    line of its own with ``PROTV2G_PROGRESS=1`` and in the bar's text on a terminal, and
    counts no stage."""
    from protv2g.hosting import hosting_analysis
    from protv2g.study import load_study

    seen: list[str] = []
    study = load_study(DEPOT)
    hosting_analysis(study, sites=["campus"], participations=["firm"], load_levels=["light"],
                     n_grid=4, tol_kw=200.0, progress=seen.append)
    assert seen and seen[0].startswith("grid: engine call 1, ")
    assert all(" export levels" in s and ": engine call " in s for s in seen)
    calls = [int(re.search(r"engine call (\d+)", s).group(1)) for s in seen]
    assert calls == list(range(1, len(seen) + 1))
    assert all(re.match(r"(grid|bisection round \d+ \(at most 12\)|chargers online): ", s)
               for s in seen)


def test_hosting_progress_says_where_a_step_stands(monkeypatch):
    """Review s31: a step of several engine calls said "engine call 7" with no total; each call
    now says its place in the step ("(2 of 3 in this step)")."""
    from protv2g.hosting import hosting_analysis, search
    from protv2g.study import load_study

    monkeypatch.setattr(search, "exports_per_call", lambda study: 2)
    seen: list[str] = []
    hosting_analysis(load_study(DEPOT), sites=["campus"], participations=["firm"],
                     load_levels=["light"], n_grid=4, tol_kw=200.0, progress=seen.append)
    grid = [s for s in seen if s.startswith("grid: ")]
    n = len(grid)
    assert n > 1
    assert [re.search(r"\((\d+) of (\d+) in this step\)", s).groups() for s in grid] == [
        (str(k), str(n)) for k in range(1, n + 1)]

    monkeypatch.setenv("PROTV2G_PROGRESS", "1")
    stream = io.StringIO()
    with StageProgress("hosting", ["load", "hosting"], stream=stream) as progress:
        progress("load")
        progress("hosting")
        progress.detail("grid: engine call 1, 38 export levels")
        progress("workbook")
    lines = [ln.split(" at ")[0] for ln in stream.getvalue().splitlines()]
    assert lines == ["protv2g hosting: load (1/2)", "protv2g hosting: hosting (2/2)",
                     "protv2g hosting: hosting — grid: engine call 1, 38 export levels",
                     "protv2g hosting: workbook (3/3)"]
    monkeypatch.setenv("PROTV2G_PROGRESS", "")
    monkeypatch.setenv("TERM", "xterm")
    term = _Terminal()
    with StageProgress("hosting", ["hosting"], stream=term) as progress:
        progress("hosting")
        progress.detail("bisection round 1: engine call 2, 8 export levels")
    assert "protv2g hosting: hosting — bisection round 1: engine call 2" in term.getvalue()


def test_gate_command_shows_its_stages_and_the_hosting_search(monkeypatch, capsys):
    """Review rev32a (EPRI J1): ``protv2g gate`` sat silent for 8 min 47 s in the hosting
    search. It now shows its stages (load, study, hosting) and the search's engine calls, as
    ``run`` and ``hosting`` do (plain lines with ``PROTV2G_PROGRESS=1`` off a terminal)."""
    def hosting(study, progress=None, **options):
        progress("grid: engine call 1, 3 export levels")
        raise RuntimeError("engine stopped")

    monkeypatch.setattr(protv2g, "run_study", _fake_run([]))
    monkeypatch.setattr(protv2g.hosting, "hosting_capacity", hosting)
    # the stand-in result is not gated: a FAIL, so hosting runs
    monkeypatch.setattr("protv2g.gate.gate_verdict", lambda *a, **k: {"verdict": "FAIL"})
    monkeypatch.setenv("PROTV2G_PROGRESS", "1")
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    main(["gate", str(DEPOT)])
    text = stderr.getvalue()
    for k, stage in enumerate(("load", "study", "hosting"), start=1):
        assert f"protv2g gate: {stage} ({k}/3) at " in text
    assert "protv2g gate: hosting — grid: engine call 1, 3 export levels at " in text
    assert "engine stopped" in capsys.readouterr().out + text


def test_a_stage_note_says_the_first_run_compiles(monkeypatch, tmp_path):
    """flt39 (session 39): a new user's first ``protv2g run`` of the depot took 71.9 s CPU, the
    next 10.6 s — numba compiling the kernels, silently, under "faults". The progress says so
    when the Newton kernel's cache index is absent (``cold_kernels``: numba's own index path)."""
    from protv2g.engine import kernel_cache, newton_kernel

    monkeypatch.setenv("PROTV2G_PROGRESS", "1")
    stream = io.StringIO()
    with StageProgress("run", ["load", "faults"], stream=stream) as progress:
        progress.notes["faults"] = kernel_cache.COLD_NOTE
        progress("load")
        progress("faults")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[2].startswith("protv2g run: faults — first run")
    index = newton_kernel.newton_columns._cache._cache_file._index_path
    import os
    assert kernel_cache.cold_kernels() == (not os.path.exists(index))
    monkeypatch.setattr(newton_kernel.newton_columns._cache._cache_file, "_index_path",
                        str(tmp_path / "absent.nbi"))
    assert kernel_cache.cold_kernels()
