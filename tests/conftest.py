"""Shared test fixtures.

Reference feeders and data live in ``../shared`` beside the checkout (see the project README);
tests that need them skip with a clear reason when that folder is absent.

Expensive results that several test modules read are computed once per test run here
(session fixtures) and must be treated as read-only by the tests:

* :func:`depot_study` — the shipped depot study, loaded;
* :func:`depot_result` — ``run_study(depot_study, hosting=True)``: engine, flows, checks,
  hosting capacity and gate of the shipped example (read by the report, runner and status
  tests);
* :func:`depot_workbook` — that result written once as the coordination workbook.

Every test runs in the same process: :func:`fresh_opendss_and_cwd` (autouse) hands each test
the working directory the run started in and the global ``opendssdirect`` engine as a fresh one.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_DIR.parent / "shared"
FEEDERS_DIR = REPO_DIR / "feeders"
DEPOT_FILE = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
#: The utility-scale OpenDSS feeders of ``../shared`` (IEEE 8500, EPRI ckt5, ckt24, J1).
REAL_FEEDERS_DIR = SHARED_DIR / "feeders" / "opendss" / "real"
#: The working directory the test run started in (OpenDSS's ``cd``/``compile`` move the process).
START_CWD = os.getcwd()
#: r1's ground minimum trip in the tests' copies of ``feeders/opendss_example`` (shipped: 280 A).
#: The example's edge: r1 blind to SLG-c at lat2 in the base case's minimum case only (the C2
#: warn rows, "fault not seen by recloser", the ground windows built on them). Since session 41
#: (eng41: the feeder's PV no longer injects twice in the classical pre-fault state) r1 sees
#: 3I0 282.4 A there (was 279.4 A, under 280 A) and 285.3-286.0 A with V2G: 283 A, the next whole
#: ampere above 282.4 A and below 285.3 A, keeps the edge where it was.
R1_GROUND_EDGE_A = 283
#: r1's ground fast-curve multiplier in the tests of its ground window (shipped: 1.0). With the
#: corrected currents fb's current at lat2 SLG-c, max case, rose ~10 A (1284 -> 1294 A): at the
#: 150 A ground pickup the window proposes, fb starts to melt in 0.0647-0.0653 s against r1's
#: fast trip x K = 1.8 x 0.0365 = 0.0656 s (measured, V2G scenarios; without V2G it passes by
#: 0.48 ms): fuse saving lost by 0.4-1.0 ms, a second knife edge those tests are not about.
#: 0.9 x puts r1's fast trip ahead of fb's melting there (measured: no C2 fail at 150 A).
R1_GROUND_FAST_WINDOW = 0.9


def opendss_example_on_edge(**r1: float):
    """The shipped OpenDSS example with r1's ground minimum trip at :data:`R1_GROUND_EDGE_A`
    (and r1's other fields ``r1``, e.g. ``ground_fast_multiplier``)."""
    import protv2g

    study = protv2g.load_study(FEEDERS_DIR / "opendss_example" / "study.yaml")
    return study.with_updates(devices=[
        dict(d, ground_min_trip_a=R1_GROUND_EDGE_A, **r1) if d.get("name") == "r1" else d
        for d in study.raw["devices"]])


#: Options OpenDSS's ``Clear`` keeps: process-wide, not a circuit's. Found by setting each ``Set``
#: option of DSS C-API 0.14.5 to another value, clearing and reading it back (session 41); the
#: first set can be set without a circuit, the second only with one.
KEPT_BY_CLEAR = ("DefaultBaseFrequency", "DataPath", "Editor", "Recorder", "EventLogDefault",
                 "Parallel", "ConcatenateReports")
KEPT_BY_CLEAR_WITH_CIRCUIT = ("ShowExport", "ShowReports", "DaisySize", "SeasonRating")
#: Engine settings of the API (``opendssdirect.Basic`` / ``.Error``), which ``Clear`` keeps too.
API_SETTINGS = (("Basic", "AllowChangeDir"), ("Basic", "AllowDOScmd"), ("Basic", "AllowEditor"),
                ("Basic", "AllowForms"), ("Basic", "COMErrorResults"), ("Basic", "LegacyModels"),
                ("Basic", "CompatFlags"), ("Basic", "AdvancedTypes"), ("Error", "UseExceptions"),
                ("Error", "ExtendedErrors"), ("Error", "EarlyAbort"))


def need_dss_master(path: Path) -> Path:
    """``path`` (an OpenDSS master of ``../shared``); skips the test when it or
    ``opendssdirect`` is absent."""
    if not path.is_file():
        pytest.skip(f"{path} not found (../shared beside the checkout is absent)")
    pytest.importorskip("opendssdirect")
    return path


def with_lines_before_voltage_bases(lines: list[str], dss: str, bases: str) -> list[str]:
    """An OpenDSS master's ``lines`` with the lines of ``dss`` (e.g. a step transformer and
    its far-side line) before its ``Set VoltageBases`` line, which becomes ``bases``."""
    out = []
    for ln in lines:
        if ln.startswith("Set VoltageBases"):
            out += dss.strip().splitlines()
            ln = bases
        out.append(ln)
    return out


def dg_protection_copy(shared_dir: Path, tmp_path_factory, name: str) -> Path:
    """A writable folder holding a copy of EPRI's DG-protection feeder
    (``DG_Prot_Fdr.dss``, one file); skips the test when it is absent."""
    import shutil

    src = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    if not src.is_file():
        pytest.skip(f"EPRI DG-protection feeder {src} not found")
    out = tmp_path_factory.mktemp(name)
    shutil.copy(src, out / "DG_Prot_Fdr.dss")
    return out


@functools.cache
def _fresh_opendss_state(odd) -> tuple[dict, dict]:  # noqa: ANN001 - the opendssdirect module
    """A fresh engine's API settings and kept options (read once from a new context; the
    data path is the run's starting folder, as the global engine's at start-up)."""
    fresh = odd.NewContext()  # moves the process into its start-up folder
    os.chdir(START_CWD)
    api = {(mod, name): getattr(getattr(fresh, mod), name)() for mod, name in API_SETTINGS}
    fresh.Text.Command("new circuit.fresh")
    options = {}
    for name in KEPT_BY_CLEAR + KEPT_BY_CLEAR_WITH_CIRCUIT:
        fresh.Text.Command(f"get {name}")
        options[name] = fresh.Text.Result()
    options["DataPath"] = f'"{START_CWD}"'
    return api, options


def reset_global_opendss() -> None:
    """The global ``opendssdirect`` engine as a fresh one: no circuit, and the settings and
    options ``Clear`` keeps (:data:`API_SETTINGS`, :data:`KEPT_BY_CLEAR`) at a fresh engine's
    values — a test that compiles a 50 Hz script leaves ``DefaultBaseFrequency=50`` behind a
    ``clear`` (session 40's CI: a later test's OpenDSS reference got 50 Hz impedances).

    Nothing to do when no test imported ``opendssdirect``. The options that need a circuit to
    be read (:data:`KEPT_BY_CLEAR_WITH_CIRCUIT`: reports, plots, seasonal ratings — none
    changes an impedance) are reset when the test left its circuit, not after its own ``clear``.
    """
    odd = sys.modules.get("opendssdirect")
    if odd is None:
        return
    api, options = _fresh_opendss_state(odd)
    for (mod, name), value in api.items():
        setting = getattr(getattr(odd, mod), name)
        if setting() != value:
            setting(value)
    if odd.Basic.NumCircuits():
        for name in KEPT_BY_CLEAR_WITH_CIRCUIT:
            odd.Text.Command(f"get {name}")
            if odd.Text.Result() != options[name]:
                odd.Text.Command(f"set {name}={options[name]}")
        odd.Text.Command("clear")
    odd.Text.Command("set " + " ".join(f"{k}={options[k]}" for k in KEPT_BY_CLEAR))


@pytest.fixture(autouse=True)
def fresh_opendss_and_cwd():
    """After each test: the run's starting working directory and a fresh global OpenDSS engine
    (:func:`reset_global_opendss`), whatever the test compiled, ``cd``-ed or set."""
    yield
    reset_global_opendss()
    try:
        moved = os.getcwd() != START_CWD
    except FileNotFoundError:  # the test removed the folder it moved into
        moved = True
    if moved:
        os.chdir(START_CWD)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path to ``../shared``; skips the test when it is not there."""
    if not (SHARED_DIR / "feeders" / "opendss").is_dir():
        pytest.skip(f"reference data not found at {SHARED_DIR} (../shared beside the checkout)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def depot_study():
    """The shipped depot study (read-only: use ``with_updates`` for variants)."""
    import protv2g

    return protv2g.load_study(DEPOT_FILE)


@pytest.fixture(scope="session")
def depot_brackets(depot_study):
    """The depot's engine options and both brackets of its charger sets: ``(study, options,
    sets, high)`` (``high_bracket_sets``; read-only)."""
    from protv2g.pipeline import engine_inputs
    from protv2g.scenarios import build_scenarios
    from protv2g.study.engine_inputs import high_bracket_sets

    inputs = engine_inputs(depot_study, build_scenarios(depot_study.document))
    sets = inputs.options["scenarios"]
    return depot_study, inputs.options, sets, high_bracket_sets(depot_study, sets)


@pytest.fixture(scope="session")
def depot_result(depot_study):
    """The depot's full result with hosting capacity and gate, computed once per run."""
    from protv2g.runner import run_study  # not protv2g.run_study, which tests monkeypatch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return run_study(depot_study, hosting=True)


@pytest.fixture(scope="session")
def depot_workbook(depot_result, tmp_path_factory) -> Path:
    """The depot's coordination workbook, written once per run."""
    return depot_result.to_excel(tmp_path_factory.mktemp("depot") / "depot_two_feeder.xlsx")
