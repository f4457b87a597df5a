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
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_DIR.parent / "shared"
FEEDERS_DIR = REPO_DIR / "feeders"
DEPOT_FILE = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
#: The utility-scale OpenDSS feeders of ``../shared`` (IEEE 8500, EPRI ckt5, ckt24, J1).
REAL_FEEDERS_DIR = SHARED_DIR / "feeders" / "opendss" / "real"


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
