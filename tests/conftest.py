"""Shared test fixtures.

Reference feeders and data live in ``../shared`` beside the checkout (see the project README);
tests that need them skip with a clear reason when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_DIR.parent / "shared"
FEEDERS_DIR = REPO_DIR / "feeders"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path to ``../shared``; skips the test when it is not there."""
    if not (SHARED_DIR / "feeders" / "opendss").is_dir():
        pytest.skip(f"reference data not found at {SHARED_DIR} (../shared beside the checkout)")
    return SHARED_DIR
